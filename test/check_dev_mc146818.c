/* The MC146818 RTC through ports 0x70/0x71, manual virtual time. */
#include "config.h"
#include "dev/mc146818.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>

static struct iobus *bus;
static struct vclock *vc;
static struct mc146818 *rtc;
static int irq_level, irq_rises;

static void irq_set(void *o, int n, int level)
{
	(void)o; (void)n;
	if (level && !irq_level)
		irq_rises++;
	irq_level = level;
}
static const struct irq_line line = { irq_set, NULL, 8 };

/* 2024-02-29 23:59:58 UTC */
#define START 1709251198

static void setup(void)
{
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	ck_assert_int_eq(mc146818_create(bus, &line, vc, START, &rtc), 0);
	irq_level = irq_rises = 0;
}

static void teardown(void)
{
	mc146818_destroy(rtc);
	vclock_destroy(vc);
	iobus_destroy(bus);
}

static unsigned rd(unsigned idx)
{
	iobus_out(bus, 0x70, 1, idx);
	return iobus_in(bus, 0x71, 1);
}

static void wr(unsigned idx, unsigned v)
{
	iobus_out(bus, 0x70, 1, idx);
	iobus_out(bus, 0x71, 1, v);
}

START_TEST(time_bcd_binary_12h)
{
	ck_assert_uint_eq(rd(0x00), 0x58);
	ck_assert_uint_eq(rd(0x02), 0x59);
	ck_assert_uint_eq(rd(0x04), 0x23);
	ck_assert_uint_eq(rd(0x07), 0x29);
	ck_assert_uint_eq(rd(0x08), 0x02);
	ck_assert_uint_eq(rd(0x09), 0x24);
	ck_assert_uint_eq(rd(0x32), 0x20);
	ck_assert_uint_eq(rd(0x0d), 0x80);
	vclock_advance(vc, 2000000000ull);
	/* Leap day rolls into March. */
	ck_assert_uint_eq(rd(0x07), 0x01);
	ck_assert_uint_eq(rd(0x08), 0x03);
	ck_assert_uint_eq(rd(0x00), 0x00);
	/* Binary, 12-hour: 00:00 is 12 AM. */
	wr(0x0b, 0x04);
	ck_assert_uint_eq(rd(0x04), 12);
	ck_assert_uint_eq(rd(0x08), 3);
	/* Set the time with SET: 13:05:00 binary 24h. */
	wr(0x0b, 0x86);
	wr(0x04, 13);
	wr(0x02, 5);
	wr(0x00, 0);
	vclock_advance(vc, 5000000000ull);
	ck_assert_uint_eq(rd(0x00), 0);         /* frozen while SET */
	wr(0x0b, 0x06);
	vclock_advance(vc, 3000000000ull);
	ck_assert_uint_eq(rd(0x00), 3);
	ck_assert_uint_eq(rd(0x04), 13);
	wr(0x0b, 0x04);                         /* 12h: 1 PM */
	ck_assert_uint_eq(rd(0x04), 0x81);
}
END_TEST

START_TEST(uip_and_update_irq)
{
	/* UIP is set in the last 244 us before each update. */
	ck_assert_uint_eq(rd(0x0a) & 0x80, 0);
	vclock_advance(vc, 999800000ull);
	ck_assert_uint_eq(rd(0x0a), 0xa6);
	vclock_advance(vc, 300000ull);
	ck_assert_uint_eq(rd(0x0a), 0x26);
	/* UF is set without UIE but raises nothing. */
	ck_assert_uint_eq(rd(0x0c), 0x10);
	ck_assert_uint_eq(rd(0x0c), 0x00);
	ck_assert_int_eq(irq_rises, 0);
	wr(0x0b, 0x12);
	vclock_advance(vc, 1000000000ull);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(0x0c) & 0x90, 0x90);   /* AF too: the zero alarm matches 00:00:00 */
	ck_assert_int_eq(irq_level, 0);
	vclock_advance(vc, 1000000000ull);
	ck_assert_int_eq(irq_rises, 2);
}
END_TEST

START_TEST(periodic_rates)
{
	/* Rate 6: 1024 Hz. */
	wr(0x0a, 0x26);
	wr(0x0b, 0x42);
	for (int i = 0; i < 1024; i++) {
		vclock_advance(vc, 976563);
		if (irq_level)
			ck_assert_uint_eq(rd(0x0c) & 0xc0, 0xc0);
	}
	ck_assert_int_ge(irq_rises, 1023);
	ck_assert_int_le(irq_rises, 1024);
	/* Rate 15: 2 Hz. */
	irq_rises = 0;
	wr(0x0a, 0x2f);
	for (int i = 0; i < 10; i++) {
		vclock_advance(vc, 500000000ull);
		rd(0x0c);
	}
	ck_assert_int_eq(irq_rises, 10);
	/* Divider held in reset: no periodic interrupt. */
	irq_rises = 0;
	wr(0x0a, 0x6f);
	vclock_advance(vc, 2000000000ull);
	ck_assert_int_eq(irq_rises, 0);
}
END_TEST

START_TEST(alarm_and_nmi_and_cmos)
{
	/* Alarm at 00:00:05 (binary), every other field matches. */
	wr(0x0b, 0x86);
	wr(0x04, 0); wr(0x02, 0); wr(0x00, 0);
	wr(0x05, 0); wr(0x03, 0); wr(0x01, 5);
	wr(0x0b, 0x26);
	vclock_advance(vc, 4500000000ull);
	ck_assert_int_eq(irq_rises, 0);
	vclock_advance(vc, 600000000ull);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(0x0c) & 0xa0, 0xa0);
	/* Don't-care alarm: every second. */
	wr(0x01, 0xff); wr(0x03, 0xff); wr(0x05, 0xff);
	vclock_advance(vc, 1000000000ull);
	ck_assert_int_eq(irq_rises, 2);
	/* NMI mask bit. */
	iobus_out(bus, 0x70, 1, 0x8f);
	ck_assert(mc146818_nmi_masked(rtc));
	iobus_out(bus, 0x70, 1, 0x0f);
	ck_assert(!mc146818_nmi_masked(rtc));
	/* CMOS RAM and machine helpers. */
	ck_assert_int_eq(mc146818_set_byte(rtc, 0x34, 0x12), 0);
	ck_assert_int_eq(mc146818_set_byte(rtc, 0x0c, 0x12), -EINVAL);
	ck_assert_int_eq(mc146818_set_byte(rtc, 128, 0x12), -EINVAL);
	ck_assert_uint_eq(rd(0x34), 0x12);
	wr(0x7f, 0x55);
	ck_assert_uint_eq(rd(0x7f), 0x55);
	ck_assert_uint_eq(rd(0xff), 0x55);     /* index bit 7 is the NMI mask */
	/* Register D is read-only, C is read-to-clear. */
	wr(0x0d, 0);
	ck_assert_uint_eq(rd(0x0d), 0x80);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mc146818");
	TCase *tc = tcase_create("rtc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, time_bcd_binary_12h);
	tcase_add_test(tc, uip_and_update_irq);
	tcase_add_test(tc, periodic_rates);
	tcase_add_test(tc, alarm_and_nmi_and_cmos);
	suite_add_tcase(s, tc);
	return check_run(s);
}
