/* The PIIX3 IDE function (8086:7010) at 00:01.1: two channels at the
 * legacy ports (0x1F0-0x1F7/0x3F6 on IRQ 14, 0x170-0x177/0x376 on IRQ 15). */
#ifndef HOSTVM_DEV_PIIX_IDE_H
#define HOSTVM_DEV_PIIX_IDE_H

#include "dev/ata.h"
#include "dev/irq.h"
#include "dev/pci.h"

struct piix_ide;

int piix_ide_create(struct pci_bus *bus, struct iobus *io, const struct irq_line *irq14,
		    const struct irq_line *irq15, struct pmap *pm, struct piix_ide **out);
/* Unregisters the legacy ports; the drives' blockdevs stay the caller's. */
void piix_ide_destroy(struct piix_ide *ide);

/* Puts a drive at channel (0 primary, 1 secondary), unit (0 master,
 * 1 slave).  bd may be NULL for an empty CD-ROM (IDE_ATAPI). */
int ide_attach(struct piix_ide *ide, int channel, int unit, enum ide_kind kind,
	       struct blockdev *bd);
/* Inserts (bd) or ejects (NULL) the CD at channel/unit. */
int ide_change_media(struct piix_ide *ide, int channel, int unit, struct blockdev *bd);

#endif
