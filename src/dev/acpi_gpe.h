/* The general-purpose event block and the PCI hotplug registers of the
 * i440FX/PIIX4 ACPI interface SeaBIOS's tables describe: GPE0 at 0xAFE0
 * (status, then enable, 2 bytes each) and the hotplug window at 0xAE00
 * (slots up, slots down, eject, removable, select: 4 bytes each).
 *
 * hostvm has no hotplug, so no event is ever raised: status and both slot
 * masks read 0 and writes to eject do nothing.  Without these registers a
 * guest reads all ones, takes it for "every slot was unplugged" and
 * removes every PCI device on the first GPE it handles. */
#ifndef HOSTVM_DEV_ACPI_GPE_H
#define HOSTVM_DEV_ACPI_GPE_H

#include "dev/iobus.h"

#define ACPI_GPE0_BASE 0xafe0
#define ACPI_GPE0_LEN 4
#define ACPI_PCIHP_BASE 0xae00
#define ACPI_PCIHP_LEN 20

struct acpi_gpe;

int acpi_gpe_create(struct iobus *bus, struct acpi_gpe **out);
void acpi_gpe_reset(struct acpi_gpe *g);
void acpi_gpe_destroy(struct acpi_gpe *g);   /* accepts NULL */

#endif
