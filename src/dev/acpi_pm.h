/* ACPI fixed-hardware PM registers (PIIX4-style, at an I/O base the machine
 * chooses, 0x600 on hostvm): PM1a status/enable (base+0, +2), PM1a control
 * (base+4) and the 24-bit 3.579545 MHz PM timer (base+8). */
#ifndef HOSTVM_DEV_ACPI_PM_H
#define HOSTVM_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/iobus.h"
#include "dev/irq.h"
#include "dev/platform.h"
#include "vclock.h"

#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_PM_LEN 12

struct acpi_pm;

/* s5_slp_typ is the SLP_TYP value the DSDT's \_S5 gives for soft-off;
 * writing it with SLP_EN calls platform_poweroff(hooks). */
int acpi_pm_create(struct iobus *bus, uint16_t base, const struct irq_line *sci,
		   struct vclock *vc, const struct platform_hooks *hooks,
		   unsigned s5_slp_typ, struct acpi_pm **out);
void acpi_pm_reset(struct acpi_pm *pm);
/* Presses the fixed-feature power button: sets PWRBTN_STS and raises the
 * SCI if the guest enabled both.  True when the guest will see it (ACPI
 * mode on and the button enabled), false when nobody listens. */
bool acpi_pm_power_button(struct acpi_pm *pm);
void acpi_pm_destroy(struct acpi_pm *pm);

#endif
