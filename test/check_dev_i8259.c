/* The dual 8259A, driven only through its ports. */
#include "config.h"
#include "dev/i8259.h"

#include <check.h>
#include "check_run.h"
#include <stdlib.h>

static struct iobus *bus;
static struct i8259 *pic;
static int intr;

static void on_intr(void *o, int level) { (void)o; intr = level; }

/* The PC BIOS programming: vectors 0x08 and 0x70, cascade on IRQ 2. */
static void setup(void)
{
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(i8259_create(bus, on_intr, NULL, &pic), 0);
	intr = 0;
	iobus_out(bus, 0x20, 1, 0x11);
	iobus_out(bus, 0x21, 1, 0x08);
	iobus_out(bus, 0x21, 1, 0x04);
	iobus_out(bus, 0x21, 1, 0x01);
	iobus_out(bus, 0xa0, 1, 0x11);
	iobus_out(bus, 0xa1, 1, 0x70);
	iobus_out(bus, 0xa1, 1, 0x02);
	iobus_out(bus, 0xa1, 1, 0x01);
	iobus_out(bus, 0x21, 1, 0x00);
	iobus_out(bus, 0xa1, 1, 0x00);
}

static void teardown(void)
{
	i8259_destroy(pic);
	iobus_destroy(bus);
}

START_TEST(priority_and_eoi)
{
	i8259_set_irq(pic, 4, 1);
	i8259_set_irq(pic, 1, 1);
	ck_assert_int_eq(intr, 1);
	/* IRR visible through OCW3 read-IRR (the default). */
	ck_assert_uint_eq(iobus_in(bus, 0x20, 1), 0x12);
	ck_assert_int_eq(i8259_intack(pic), 0x09);
	/* IRQ 4 is blocked by IRQ 1 in service. */
	ck_assert_int_eq(intr, 0);
	iobus_out(bus, 0x20, 1, 0x0b);  /* read ISR */
	ck_assert_uint_eq(iobus_in(bus, 0x20, 1), 0x02);
	iobus_out(bus, 0x20, 1, 0x20);  /* non-specific EOI */
	ck_assert_int_eq(intr, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x0c);
	iobus_out(bus, 0x20, 1, 0x64);  /* specific EOI IRQ 4 */
	ck_assert_uint_eq(iobus_in(bus, 0x20, 1), 0x00);
	ck_assert_int_eq(intr, 0);
}
END_TEST

START_TEST(masking_and_edge)
{
	iobus_out(bus, 0x21, 1, 0x01);
	ck_assert_uint_eq(iobus_in(bus, 0x21, 1), 0x01);
	i8259_set_irq(pic, 0, 1);
	ck_assert_int_eq(intr, 0);
	iobus_out(bus, 0x21, 1, 0x00);
	ck_assert_int_eq(intr, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x08);
	iobus_out(bus, 0x20, 1, 0x20);
	/* Edge: the line still high does not request again. */
	ck_assert_int_eq(intr, 0);
	i8259_set_irq(pic, 0, 0);
	i8259_set_irq(pic, 0, 1);
	ck_assert_int_eq(intr, 1);
}
END_TEST

START_TEST(cascade_and_level)
{
	/* IRQ 11 level-triggered through the ELCR. */
	iobus_out(bus, 0x4d1, 1, 0x08);
	ck_assert_uint_eq(iobus_in(bus, 0x4d1, 1), 0x08);
	/* IRQ 0/1/2 cannot be level. */
	iobus_out(bus, 0x4d0, 1, 0xff);
	ck_assert_uint_eq(iobus_in(bus, 0x4d0, 1), 0xf8);
	iobus_out(bus, 0x4d0, 1, 0x00);
	i8259_set_irq(pic, 11, 1);
	ck_assert_int_eq(intr, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x73);
	iobus_out(bus, 0xa0, 1, 0x20);
	iobus_out(bus, 0x20, 1, 0x20);
	/* Level: still asserted, so requested again. */
	ck_assert_int_eq(intr, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x73);
	iobus_out(bus, 0xa0, 1, 0x20);
	iobus_out(bus, 0x20, 1, 0x20);
	/* The request was already latched by the master's cascade input, so
	 * dropping the line before INTA gives a spurious IRQ 15, as on a PC. */
	i8259_set_irq(pic, 11, 0);
	ck_assert_int_eq(i8259_intack(pic), 0x77);
	iobus_out(bus, 0x20, 1, 0x20);
	ck_assert_int_eq(intr, 0);
	/* Slave IRQ 8 outranks master IRQ 3. */
	i8259_set_irq(pic, 3, 1);
	i8259_set_irq(pic, 8, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x70);
}
END_TEST

START_TEST(spurious_and_poll)
{
	/* A request that goes away before INTA yields IRQ 7. */
	iobus_out(bus, 0x4d0, 1, 0x20);
	i8259_set_irq(pic, 5, 1);
	ck_assert_int_eq(intr, 1);
	i8259_set_irq(pic, 5, 0);
	ck_assert_int_eq(i8259_intack(pic), 0x0f);
	iobus_out(bus, 0x20, 1, 0x0b);
	ck_assert_uint_eq(iobus_in(bus, 0x20, 1), 0x00);     /* no ISR bit */
	/* Same on the slave: IRQ 15. */
	iobus_out(bus, 0x4d1, 1, 0x02);
	i8259_set_irq(pic, 9, 1);
	i8259_set_irq(pic, 9, 0);
	ck_assert_int_eq(i8259_intack(pic), 0x77);
	iobus_out(bus, 0x20, 1, 0x20);
	/* Poll mode. */
	i8259_set_irq(pic, 6, 1);
	iobus_out(bus, 0x20, 1, 0x0c);
	ck_assert_uint_eq(iobus_in(bus, 0x20, 1), 0x86);
	iobus_out(bus, 0x20, 1, 0x0c);
	ck_assert_uint_eq(iobus_in(bus, 0x20, 1), 0x00);
}
END_TEST

START_TEST(auto_eoi_rotation_smm)
{
	iobus_out(bus, 0x20, 1, 0x11);
	iobus_out(bus, 0x21, 1, 0x20);
	iobus_out(bus, 0x21, 1, 0x04);
	iobus_out(bus, 0x21, 1, 0x03);  /* auto-EOI */
	iobus_out(bus, 0x21, 1, 0x00);
	i8259_set_irq(pic, 3, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x23);
	iobus_out(bus, 0x20, 1, 0x0b);
	ck_assert_uint_eq(iobus_in(bus, 0x20, 1), 0x00);
	/* Set priority: IRQ 4 lowest, so IRQ 5 now beats IRQ 1. */
	iobus_out(bus, 0x20, 1, 0xc4);
	i8259_set_irq(pic, 1, 1);
	i8259_set_irq(pic, 5, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x25);
	ck_assert_int_eq(i8259_intack(pic), 0x21);
	/* Special mask mode: a masked in-service IRQ does not block lower ones. */
	iobus_out(bus, 0x20, 1, 0x11);
	iobus_out(bus, 0x21, 1, 0x08);
	iobus_out(bus, 0x21, 1, 0x04);
	iobus_out(bus, 0x21, 1, 0x01);
	iobus_out(bus, 0x21, 1, 0x00);
	i8259_set_irq(pic, 1, 0);
	i8259_set_irq(pic, 1, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x09);
	i8259_set_irq(pic, 6, 0);
	i8259_set_irq(pic, 6, 1);
	ck_assert_int_eq(intr, 0);
	iobus_out(bus, 0x21, 1, 0x02);
	iobus_out(bus, 0x20, 1, 0x68);  /* OCW3: set special mask */
	ck_assert_int_eq(intr, 1);
	ck_assert_int_eq(i8259_intack(pic), 0x0e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("i8259");
	TCase *tc = tcase_create("pic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, priority_and_eoi);
	tcase_add_test(tc, masking_and_edge);
	tcase_add_test(tc, cascade_and_level);
	tcase_add_test(tc, spurious_and_poll);
	tcase_add_test(tc, auto_eoi_rotation_smm);
	suite_add_tcase(s, tc);
	return check_run(s);
}
