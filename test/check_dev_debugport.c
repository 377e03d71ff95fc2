/* Debug port 0xE9, POST port 0x80 and the exit port. */
#include "config.h"
#include "dev/debugport.h"
#include "log.h"

#include <check.h>
#include "check_run.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int exit_code = -1;
static char echoed[64];
static unsigned echo_len;

static void on_exit_port(void *o, int code) { (void)o; exit_code = code; }
static void on_echo(void *o, const char *b, unsigned n)
{
	(void)o;
	if (echo_len + n <= sizeof(echoed)) {
		memcpy(echoed + echo_len, b, n);
		echo_len += n;
	}
}

START_TEST(ports)
{
	struct iobus *bus;
	struct debugport *d;
	struct platform_hooks h = { .guest_exit = on_exit_port };

	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(debugport_create(bus, &h, 0xf4, on_echo, NULL, &d), 0);
	ck_assert_uint_eq(iobus_in(bus, 0xe9, 1), 0xe9);
	iobus_out(bus, 0xe9, 1, 'h');
	iobus_out(bus, 0xe9, 1, 'i');
	iobus_out(bus, 0xe9, 1, '\n');
	ck_assert_uint_eq(echo_len, 3);
	ck_assert(memcmp(echoed, "hi\n", 3) == 0);
	iobus_out(bus, 0x80, 1, 0x42);
	ck_assert_uint_eq(debugport_post_code(d), 0x42);
	ck_assert_int_eq(exit_code, -1);
	iobus_out(bus, 0xf4, 4, 0x12345603);
	ck_assert_int_eq(exit_code, 3);
	iobus_out(bus, 0xf4, 2, 0x0107);
	ck_assert_int_eq(exit_code, 7);
	debugport_destroy(d);
	debugport_destroy(NULL);
	iobus_destroy(bus);
}
END_TEST

START_TEST(rate_limited)
{
	struct iobus *bus;
	struct debugport *d;
	struct log_config cfg = { .path = "check_dev_debugport.log", .guest_rate = 5,
				  .guest_burst = 5 };

	ck_assert_int_eq(log_open(&cfg), 0);
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(debugport_create(bus, NULL, 0, NULL, NULL, &d), 0);
	/* A guest flooding lines: most are dropped and counted. */
	for (int i = 0; i < 200; i++) {
		iobus_out(bus, 0xe9, 1, 'x');
		iobus_out(bus, 0xe9, 1, '\n');
	}
	ck_assert_uint_ge(log_guest_dropped(), 150);
	debugport_destroy(d);
	iobus_destroy(bus);
	log_close();
	unlink("check_dev_debugport.log");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("debugport");
	TCase *tc = tcase_create("debugport");

	tcase_add_test(tc, ports);
	tcase_add_test(tc, rate_limited);
	suite_add_tcase(s, tc);
	return check_run(s);
}
