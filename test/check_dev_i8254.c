/* The 8254 PIT through its ports, with the virtual clock driven by hand. */
#include "config.h"
#include "dev/i8254.h"

#include <check.h>
#include "check_run.h"
#include <stdlib.h>

static struct iobus *bus;
static struct vclock *vc;
static struct i8254 *pit;
static int pulses;

static void irq_set(void *o, int n, int level) { (void)o; (void)n; if (level) pulses++; }
static const struct irq_line line = { irq_set, NULL, 0 };

/* Nanoseconds for t PIT ticks (rounded up). */
static uint64_t tk(uint64_t t) { return (t * 1000000000ull + I8254_HZ - 1) / I8254_HZ; }

static void setup(void)
{
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	ck_assert_int_eq(i8254_create(bus, &line, vc, &pit), 0);
	pulses = 0;
}

static void teardown(void)
{
	i8254_destroy(pit);
	vclock_destroy(vc);
	iobus_destroy(bus);
}

static unsigned latch_read(int ch)
{
	iobus_out(bus, 0x43, 1, (uint32_t)ch << 6);
	unsigned lo = iobus_in(bus, 0x40 + ch, 1);
	return lo | iobus_in(bus, 0x40 + ch, 1) << 8;
}

START_TEST(mode2_rate_generator_irq0)
{
	iobus_out(bus, 0x43, 1, 0x34);          /* ch0, LSB/MSB, mode 2 */
	iobus_out(bus, 0x40, 1, 0x9c);
	iobus_out(bus, 0x40, 1, 0x2e);          /* 11932: 100 Hz */
	ck_assert_uint_eq(latch_read(0), 11932);
	vclock_advance(vc, tk(1000));
	ck_assert_uint_eq(latch_read(0), 10932);
	ck_assert_int_eq(pulses, 0);
	vclock_advance(vc, tk(11932) - tk(1000));
	ck_assert_int_eq(pulses, 1);
	/* One second holds 99 whole periods of 11932 ticks (the 100th edge
	 * comes 15 us later); eleven seconds hold 1099: no drift. */
	vclock_advance(vc, 1000000000ull - tk(11932));
	ck_assert_int_eq(pulses, 99);
	vclock_advance(vc, 16000);
	ck_assert_int_eq(pulses, 100);
	for (int i = 0; i < 1000; i++)
		vclock_advance(vc, 10000000);
	ck_assert_int_eq(pulses, 11 * 1193182 / 11932);
}
END_TEST

START_TEST(mode0_and_gate_and_port61)
{
	/* Channel 2 in mode 0, gate low: does not count. */
	iobus_out(bus, 0x61, 1, 0x00);
	iobus_out(bus, 0x43, 1, 0xb0);
	iobus_out(bus, 0x42, 1, 0x00);
	iobus_out(bus, 0x42, 1, 0x10);          /* 4096 */
	ck_assert_uint_eq(iobus_in(bus, 0x61, 1) & 0x20, 0);
	vclock_advance(vc, tk(100));
	ck_assert_uint_eq(latch_read(2), 4096);
	iobus_out(bus, 0x61, 1, 0x01);
	ck_assert_uint_eq(iobus_in(bus, 0x61, 1) & 0x21, 0x01);
	vclock_advance(vc, tk(96));
	ck_assert_uint_eq(latch_read(2), 4000);
	vclock_advance(vc, tk(4096) - tk(96));
	ck_assert_uint_eq(iobus_in(bus, 0x61, 1) & 0x20, 0x20);
	/* The count wraps past zero and keeps going. */
	vclock_advance(vc, tk(10));
	ck_assert_uint_eq(latch_read(2), 0x10000 - 10);
	/* The refresh bit toggles. */
	unsigned a = iobus_in(bus, 0x61, 1) & 0x10;
	vclock_advance(vc, 15085);
	ck_assert_uint_ne(iobus_in(bus, 0x61, 1) & 0x10, a);
}
END_TEST

START_TEST(mode0_irq_once)
{
	iobus_out(bus, 0x43, 1, 0x30);
	iobus_out(bus, 0x40, 1, 100);
	iobus_out(bus, 0x40, 1, 0);
	vclock_advance(vc, tk(99));
	ck_assert_int_eq(pulses, 0);
	vclock_advance(vc, tk(100) - tk(99));
	ck_assert_int_eq(pulses, 1);
	vclock_advance(vc, tk(200000));
	ck_assert_int_eq(pulses, 1);
}
END_TEST

START_TEST(mode3_square_wave_readback)
{
	iobus_out(bus, 0x43, 1, 0xb6);          /* ch2, word, mode 3 */
	iobus_out(bus, 0x42, 1, 100);
	iobus_out(bus, 0x42, 1, 0);
	iobus_out(bus, 0x61, 1, 0x01);
	vclock_advance(vc, tk(10));
	/* Counts down by two: 100 - 20. */
	ck_assert_uint_eq(latch_read(2), 80);
	ck_assert_uint_eq(iobus_in(bus, 0x61, 1) & 0x20, 0x20);
	vclock_advance(vc, tk(60) - tk(10));
	ck_assert_uint_eq(iobus_in(bus, 0x61, 1) & 0x20, 0);
	/* Read-back: status and count of channel 2. */
	iobus_out(bus, 0x43, 1, 0xc8);
	unsigned st = iobus_in(bus, 0x42, 1);
	ck_assert_uint_eq(st & 0x3f, 0x36);
	ck_assert_uint_eq(st & 0x80, 0);
	unsigned lo = iobus_in(bus, 0x42, 1);
	unsigned cnt = lo | iobus_in(bus, 0x42, 1) << 8;
	ck_assert_uint_eq(cnt, 80);
	/* Latch holds while the counter runs. */
	iobus_out(bus, 0x43, 1, 0x80);
	vclock_advance(vc, tk(5));
	lo = iobus_in(bus, 0x42, 1);
	ck_assert_uint_eq(lo | iobus_in(bus, 0x42, 1) << 8, 80);
}
END_TEST

START_TEST(bcd_lsb_msb_modes)
{
	/* LSB only, BCD. */
	iobus_out(bus, 0x43, 1, 0x51);          /* ch1, LSB, mode 0, BCD */
	iobus_out(bus, 0x41, 1, 0x50);          /* 50 decimal */
	vclock_advance(vc, tk(8));
	iobus_out(bus, 0x43, 1, 0x40);
	ck_assert_uint_eq(iobus_in(bus, 0x41, 1), 0x42);
	/* MSB only. */
	iobus_out(bus, 0x43, 1, 0x64);          /* ch1, MSB, mode 2 */
	iobus_out(bus, 0x41, 1, 0x02);          /* 512 */
	vclock_advance(vc, tk(256));
	iobus_out(bus, 0x43, 1, 0x40);
	ck_assert_uint_eq(iobus_in(bus, 0x41, 1), 0x01);
	/* Mode 4 strobe on channel 0. */
	iobus_out(bus, 0x43, 1, 0x38);
	iobus_out(bus, 0x40, 1, 50);
	iobus_out(bus, 0x40, 1, 0);
	vclock_advance(vc, tk(52));
	ck_assert_int_eq(pulses, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("i8254");
	TCase *tc = tcase_create("pit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mode2_rate_generator_irq0);
	tcase_add_test(tc, mode0_and_gate_and_port61);
	tcase_add_test(tc, mode0_irq_once);
	tcase_add_test(tc, mode3_square_wave_readback);
	tcase_add_test(tc, bcd_lsb_msb_modes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
