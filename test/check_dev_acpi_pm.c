/* ACPI PM1 registers and PM timer at 0x600. */
#include "config.h"
#include "dev/acpi_pm.h"
#include "dev/acpi_gpe.h"

#include <check.h>
#include "check_run.h"
#include <stdlib.h>

static int poweroffs;
static void on_poweroff(void *o) { (void)o; poweroffs++; }

START_TEST(timer_and_s5)
{
	struct iobus *bus;
	struct vclock *vc;
	struct acpi_pm *pm;
	struct platform_hooks h = { .request_poweroff = on_poweroff };

	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(vclock_create(&vc), 0);
	vclock_set_manual(vc, true);
	ck_assert_int_eq(acpi_pm_create(bus, 0x600, NULL, vc, &h, 5, &pm), 0);
	uint32_t t0 = iobus_in(bus, 0x608, 4);
	vclock_advance(vc, 1000000);            /* 1 ms = 3579.545 ticks */
	uint32_t t1 = iobus_in(bus, 0x608, 4);
	ck_assert_uint_ge((t1 - t0) & 0xffffff, 3579);
	ck_assert_uint_le((t1 - t0) & 0xffffff, 3580);
	/* 24 bits wide: wraps after 4.69 s. */
	vclock_advance(vc, 5000000000ull);
	ck_assert_uint_le(iobus_in(bus, 0x608, 4), 0xffffff);
	/* SCI_EN reads back; SLP_EN does not. */
	iobus_out(bus, 0x604, 2, 0x0001);
	ck_assert_uint_eq(iobus_in(bus, 0x604, 2), 0x0001);
	/* Sleeping in S1 (type 1) does not power off. */
	iobus_out(bus, 0x604, 2, 0x2000 | 1 << 10 | 1);
	ck_assert_int_eq(poweroffs, 0);
	ck_assert_uint_eq(iobus_in(bus, 0x604, 2), 0x0401);
	/* Type without SLP_EN: nothing.  With SLP_EN: off. */
	iobus_out(bus, 0x604, 2, 5 << 10 | 1);
	ck_assert_int_eq(poweroffs, 0);
	iobus_out(bus, 0x605, 1, (0x2000 | 5 << 10) >> 8);
	ck_assert_int_eq(poweroffs, 1);
	/* Enable register read/write. */
	iobus_out(bus, 0x602, 2, 0x0121);
	ck_assert_uint_eq(iobus_in(bus, 0x602, 2), 0x0121);
	ck_assert_uint_eq(iobus_in(bus, 0x600, 2), 0);
	acpi_pm_destroy(pm);
	acpi_pm_destroy(NULL);
	vclock_destroy(vc);
	iobus_destroy(bus);
}
END_TEST

static int btn_sci;
static void btn_set(void *opaque, int n, int level)
{
	(void)opaque;
	(void)n;
	btn_sci = level;
}

/* The power button is only heard once the guest enabled ACPI mode and the
 * button: then PWRBTN_STS is set and the SCI raised until cleared. */
START_TEST(power_button)
{
	struct iobus *bus;
	struct vclock *vc;
	struct acpi_pm *pm;
	struct irq_line sci = { btn_set, NULL, 0 };

	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(vclock_create(&vc), 0);
	ck_assert_int_eq(acpi_pm_create(bus, 0x600, &sci, vc, NULL, 0, &pm), 0);
	ck_assert(!acpi_pm_power_button(pm));
	ck_assert_int_eq(btn_sci, 0);
	iobus_out(bus, 0x600, 2, 0x0100);               /* clear the stale press */
	iobus_out(bus, 0x604, 2, 0x0001);               /* SCI_EN */
	iobus_out(bus, 0x602, 2, 0x0100);               /* PWRBTN_EN */
	ck_assert(acpi_pm_power_button(pm));
	ck_assert_int_eq(btn_sci, 1);
	ck_assert_uint_eq(iobus_in(bus, 0x600, 2) & 0x0100, 0x0100);
	iobus_out(bus, 0x600, 2, 0x0100);
	ck_assert_int_eq(btn_sci, 0);
	ck_assert(!acpi_pm_power_button(NULL));
	acpi_pm_destroy(pm);
	vclock_destroy(vc);
	iobus_destroy(bus);
}
END_TEST

/* GPE0 and the PCI hotplug window: no event is ever pending, status bits
 * are write-1-to-clear, enables are stored, ejects change nothing. */
START_TEST(gpe_and_hotplug_quiet)
{
	struct iobus *bus;
	struct acpi_gpe *g;

	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(acpi_gpe_create(bus, &g), 0);
	ck_assert_uint_eq(iobus_in(bus, ACPI_GPE0_BASE, 2), 0);
	iobus_out(bus, ACPI_GPE0_BASE + 2, 1, 0x0f);
	ck_assert_uint_eq(iobus_in(bus, ACPI_GPE0_BASE + 2, 1), 0x0f);
	iobus_out(bus, ACPI_GPE0_BASE, 1, 0xff);
	ck_assert_uint_eq(iobus_in(bus, ACPI_GPE0_BASE, 1), 0);
	/* Slots up, slots down, removable: none (all ones would make a guest
	 * eject every device). */
	ck_assert_uint_eq(iobus_in(bus, ACPI_PCIHP_BASE, 4), 0);
	ck_assert_uint_eq(iobus_in(bus, ACPI_PCIHP_BASE + 4, 4), 0);
	iobus_out(bus, ACPI_PCIHP_BASE + 8, 4, 0xffffffffu);
	ck_assert_uint_eq(iobus_in(bus, ACPI_PCIHP_BASE + 4, 4), 0);
	acpi_gpe_reset(g);
	ck_assert_uint_eq(iobus_in(bus, ACPI_GPE0_BASE + 2, 1), 0);
	acpi_gpe_destroy(g);
	acpi_gpe_destroy(NULL);
	iobus_destroy(bus);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acpi_pm");
	TCase *tc = tcase_create("acpi_pm");

	tcase_add_test(tc, timer_and_s5);
	tcase_add_test(tc, gpe_and_hotplug_quiet);
	tcase_add_test(tc, power_button);
	suite_add_tcase(s, tc);
	return check_run(s);
}
