/* The PIIX4 power-management function (8086:7113) at 00:01.3: only its PCI
 * configuration face (PMBA at 0x40, PMREGMISC at 0x80, SMBus base at 0x90);
 * the PM registers themselves live in acpi_pm.c at a fixed base. */
#ifndef HOSTVM_DEV_PIIX4_PM_H
#define HOSTVM_DEV_PIIX4_PM_H

#include <stdbool.h>

#include "dev/pci.h"

struct piix4_pm;

/* Called when the firmware changes the PM I/O base or its enable bit. */
typedef void (*piix4_pm_base_fn)(void *opaque, uint16_t base, bool enabled);

int piix4_pm_create(struct pci_bus *bus, piix4_pm_base_fn fn, void *opaque,
		    struct piix4_pm **out);
void piix4_pm_destroy(struct piix4_pm *pm);

#endif
