/* The 8042 controller, the PS/2 keyboard and mouse, and port 0x92. */
#include "config.h"
#include "dev/i8042.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>

static int irq_level[16];
static int a20_calls, a20_state, reset_calls;

static void set_irq(void *o, int n, int level) { (void)o; irq_level[n] = level; }
static void set_a20(void *o, bool on) { (void)o; a20_calls++; a20_state = on; }
static void do_reset(void *o) { (void)o; reset_calls++; }

static const struct irq_line irq1 = { set_irq, NULL, 1 }, irq12 = { set_irq, NULL, 12 };
static const struct platform_hooks hooks = { NULL, set_a20, do_reset, NULL, NULL };

static struct iobus *bus;
static struct i8042 *kc;

static void setup(void)
{
	a20_calls = reset_calls = 0;
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(i8042_create(bus, &irq1, &irq12, &hooks, &kc), 0);
}

static void teardown(void)
{
	i8042_destroy(kc);
	iobus_destroy(bus);
}

static uint8_t rd(void)
{
	ck_assert(iobus_in(bus, 0x64, 1) & 1);
	return iobus_in(bus, 0x60, 1);
}

START_TEST(self_test_and_cmdbyte)
{
	iobus_out(bus, 0x64, 1, 0xAA);
	ck_assert_uint_eq(rd(), 0x55);
	ck_assert(iobus_in(bus, 0x64, 1) & 0x04);
	iobus_out(bus, 0x64, 1, 0xAB);
	ck_assert_uint_eq(rd(), 0x00);
	iobus_out(bus, 0x64, 1, 0xA9);
	ck_assert_uint_eq(rd(), 0x00);
	iobus_out(bus, 0x64, 1, 0x60);
	iobus_out(bus, 0x60, 1, 0x25);
	iobus_out(bus, 0x64, 1, 0x20);
	ck_assert_uint_eq(rd(), 0x25);
	ck_assert_uint_eq(iobus_in(bus, 0x64, 1) & 1, 0);
	/* Disable aux via A7 shows in the command byte, A8 clears it. */
	iobus_out(bus, 0x64, 1, 0xA7);
	iobus_out(bus, 0x64, 1, 0x20);
	ck_assert_uint_eq(rd() & 0x20, 0x20);
	iobus_out(bus, 0x64, 1, 0xA8);
	iobus_out(bus, 0x64, 1, 0x20);
	ck_assert_uint_eq(rd() & 0x20, 0);
}
END_TEST

START_TEST(kbd_reset_identify_echo)
{
	iobus_out(bus, 0x60, 1, 0xFF);
	ck_assert_int_eq(irq_level[1], 1);
	ck_assert_uint_eq(rd(), 0xFA);
	ck_assert_uint_eq(rd(), 0xAA);
	ck_assert_int_eq(irq_level[1], 0);
	iobus_out(bus, 0x60, 1, 0xF2);
	ck_assert_uint_eq(rd(), 0xFA);
	ck_assert_uint_eq(rd(), 0xAB);
	ck_assert_uint_eq(rd(), 0x41);	/* 0x83 seen through translation */
	iobus_out(bus, 0x60, 1, 0xEE);
	ck_assert_uint_eq(rd(), 0xEE);
	iobus_out(bus, 0x60, 1, 0xED);
	ck_assert_uint_eq(rd(), 0xFA);
	iobus_out(bus, 0x60, 1, 0x07);
	ck_assert_uint_eq(rd(), 0xFA);
	ck_assert_uint_eq(i8042_kbd(kc)->leds, 7);
}
END_TEST

START_TEST(scancode_translation)
{
	struct ps2kbd *k = i8042_kbd(kc);

	/* Translation is on after reset: 'A' (set 2 0x1C) is set 1 0x1E. */
	ck_assert_int_eq(ps2kbd_key(k, 0x1C, true), 0);
	ck_assert_int_eq(irq_level[1], 1);
	ck_assert_uint_eq(rd(), 0x1E);
	ps2kbd_key(k, 0x1C, false);
	ck_assert_uint_eq(rd(), 0x9E);
	/* Extended: right arrow E0 74 -> E0 4D, break E0 CD. */
	ps2kbd_key(k, 0xE074, true);
	ck_assert_uint_eq(rd(), 0xE0);
	ck_assert_uint_eq(rd(), 0x4D);
	ps2kbd_key(k, 0xE074, false);
	ck_assert_uint_eq(rd(), 0xE0);
	ck_assert_uint_eq(rd(), 0xCD);
	/* Translation off: raw set 2. */
	iobus_out(bus, 0x64, 1, 0x60);
	iobus_out(bus, 0x60, 1, 0x01);
	ps2kbd_key(k, 0x1C, false);
	ck_assert_uint_eq(rd(), 0xF0);
	ck_assert_uint_eq(rd(), 0x1C);
	ck_assert_int_eq(ps2kbd_key(k, 0x12345, true), -EINVAL);
	/* IRQ1 disabled in the command byte: no interrupt. */
	iobus_out(bus, 0x64, 1, 0x60);
	iobus_out(bus, 0x60, 1, 0x00);
	ps2kbd_key(k, 0x1C, true);
	ck_assert_int_eq(irq_level[1], 0);
	ck_assert_uint_eq(rd(), 0x1C);
}
END_TEST

START_TEST(a20_and_reset)
{
	struct port92 *p;

	iobus_out(bus, 0x64, 1, 0xD0);
	ck_assert_uint_eq(rd() & 0x03, 0x03);
	iobus_out(bus, 0x64, 1, 0xD1);
	iobus_out(bus, 0x60, 1, 0x01);
	ck_assert_int_eq(a20_calls, 1);
	ck_assert_int_eq(a20_state, 0);
	iobus_out(bus, 0x64, 1, 0xD1);
	iobus_out(bus, 0x60, 1, 0x03);
	ck_assert_int_eq(a20_state, 1);
	ck_assert_int_eq(reset_calls, 0);
	iobus_out(bus, 0x64, 1, 0xFE);
	ck_assert_int_eq(reset_calls, 1);
	iobus_out(bus, 0x64, 1, 0xD1);
	iobus_out(bus, 0x60, 1, 0x02);
	ck_assert_int_eq(reset_calls, 2);

	ck_assert_int_eq(port92_create(bus, &hooks, &p), 0);
	a20_calls = 0;
	iobus_out(bus, 0x92, 1, 0x00);
	ck_assert_int_eq(a20_calls, 1);
	ck_assert_int_eq(a20_state, 0);
	ck_assert_uint_eq(iobus_in(bus, 0x92, 1) & 2, 0);
	iobus_out(bus, 0x92, 1, 0x02);
	ck_assert_int_eq(a20_state, 1);
	ck_assert_uint_eq(iobus_in(bus, 0x92, 1) & 2, 2);
	iobus_out(bus, 0x92, 1, 0x03);
	ck_assert_int_eq(reset_calls, 3);
	port92_destroy(p);
}
END_TEST

START_TEST(mouse_packets_and_wheel)
{
	static const uint8_t rates[] = { 200, 100, 80 };

	iobus_out(bus, 0x64, 1, 0xD4);
	iobus_out(bus, 0x60, 1, 0xFF);
	ck_assert_int_eq(irq_level[12], 1);
	ck_assert(iobus_in(bus, 0x64, 1) & 0x20);
	ck_assert_uint_eq(rd(), 0xFA);
	ck_assert_uint_eq(rd(), 0xAA);
	ck_assert_uint_eq(rd(), 0x00);
	ck_assert_int_eq(irq_level[12], 0);
	for (int i = 0; i < 3; i++) {
		iobus_out(bus, 0x64, 1, 0xD4);
		iobus_out(bus, 0x60, 1, 0xF3);
		ck_assert_uint_eq(rd(), 0xFA);
		iobus_out(bus, 0x64, 1, 0xD4);
		iobus_out(bus, 0x60, 1, rates[i]);
		ck_assert_uint_eq(rd(), 0xFA);
	}
	iobus_out(bus, 0x64, 1, 0xD4);
	iobus_out(bus, 0x60, 1, 0xF2);
	ck_assert_uint_eq(rd(), 0xFA);
	ck_assert_uint_eq(rd(), 0x03);
	/* Not reporting yet: motion makes no packet. */
	ps2mouse_move(i8042_mouse(kc), 1, 1, 0, 0);
	ck_assert_uint_eq(iobus_in(bus, 0x64, 1) & 1, 0);
	iobus_out(bus, 0x64, 1, 0xD4);
	iobus_out(bus, 0x60, 1, 0xF4);
	ck_assert_uint_eq(rd(), 0xFA);
	ps2mouse_move(i8042_mouse(kc), -4, 9, -1, 1);
	ck_assert_int_eq(irq_level[12], 1);
	ck_assert_uint_eq(rd(), 0x08 | 0x10 | 0x01);
	ck_assert_uint_eq(rd(), 0xFD);	/* 1 + -4 */
	ck_assert_uint_eq(rd(), 10);
	ck_assert_uint_eq(rd(), 0x0F);
	ck_assert_int_eq(irq_level[12], 0);
	/* Status request. */
	iobus_out(bus, 0x64, 1, 0xD4);
	iobus_out(bus, 0x60, 1, 0xE9);
	ck_assert_uint_eq(rd(), 0xFA);
	ck_assert_uint_eq(rd(), 0x24);
	ck_assert_uint_eq(rd(), 2);
	ck_assert_uint_eq(rd(), 80);
}
END_TEST

START_TEST(hostile_bytes)
{
	srand(1);
	for (int i = 0; i < 20000; i++) {
		uint16_t port = rand() & 1 ? 0x64 : 0x60;

		if (rand() & 1)
			iobus_out(bus, port, 1, rand() & 0xff);
		else
			(void)iobus_in(bus, port, 1);
		if (!(i % 7))
			ps2mouse_move(i8042_mouse(kc), rand() % 100000 - 50000, rand() % 9, rand(), rand());
		if (!(i % 5))
			ps2kbd_key(i8042_kbd(kc), rand() & 0xE0FF, rand() & 1);
	}
	iobus_out(bus, 0x64, 1, 0xAA);
	while (iobus_in(bus, 0x64, 1) & 1)
		if (iobus_in(bus, 0x60, 1) == 0x55)
			return;
	ck_abort_msg("controller stopped answering");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, self_test_and_cmdbyte);
	tcase_add_test(tc, kbd_reset_identify_echo);
	tcase_add_test(tc, scancode_translation);
	tcase_add_test(tc, a20_and_reset);
	tcase_add_test(tc, mouse_packets_and_wheel);
	tcase_add_test(tc, hostile_bytes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
