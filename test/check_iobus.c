/* The I/O port bus. */
#include "config.h"
#include "suites.h"
#include "dev/iobus.h"

#include <errno.h>

static uint32_t dev_in(void *o, uint16_t port, unsigned size) { return (uint32_t)(uintptr_t)o * 0x100 + (port & 0xff); }
static uint32_t outs[4];
static void dev_out(void *o, uint16_t port, unsigned size, uint32_t v) { outs[(uintptr_t)o] = v; }
static const struct pio_ops ops = { dev_in, dev_out };

START_TEST(dispatch_split_unassigned)
{
	struct iobus *bus;

	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(iobus_register(bus, 0x60, 1, &ops, (void *)1), 0);
	ck_assert_int_eq(iobus_register(bus, 0x61, 1, &ops, (void *)2), 0);
	ck_assert_int_eq(iobus_register(bus, 0x60, 2, &ops, (void *)3), -EBUSY);
	ck_assert_int_eq(iobus_register(bus, 0xfffe, 4, &ops, (void *)3), -EINVAL);
	ck_assert_uint_eq(iobus_in(bus, 0x60, 1), 0x160);
	/* A word read across two devices is split bytewise. */
	ck_assert_uint_eq(iobus_in(bus, 0x60, 2), 0x6160);
	/* Unclaimed ports read as ones, partly claimed ones mix. */
	ck_assert_uint_eq(iobus_in(bus, 0x80, 4), 0xffffffff);
	ck_assert_uint_eq(iobus_in(bus, 0x5f, 2), 0x60ff);
	ck_assert_uint_eq(iobus_in(bus, 0xffff, 4), 0xffffffff);
	iobus_out(bus, 0x60, 2, 0xabcd);
	ck_assert_uint_eq(outs[1], 0xcd);
	ck_assert_uint_eq(outs[2], 0xab);
	iobus_unregister(bus, 0x60, 1, (void *)1);
	ck_assert_uint_eq(iobus_in(bus, 0x60, 1), 0xff);
	iobus_destroy(bus);
}
END_TEST

Suite *iobus_suite(void)
{
	Suite *s = suite_create("iobus");
	TCase *tc = tcase_create("iobus");

	tcase_add_test(tc, dispatch_split_unassigned);
	suite_add_tcase(s, tc);
	return s;
}
