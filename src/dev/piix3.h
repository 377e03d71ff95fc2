/* The PIIX3 PCI-to-ISA bridge (8086:7000) at 00:01.0: PIRQA#-PIRQD# routing
 * (registers 0x60-0x63) onto the 8259's IRQ lines. */
#ifndef HOSTVM_DEV_PIIX3_H
#define HOSTVM_DEV_PIIX3_H

#include "dev/irq.h"
#include "dev/pci.h"

struct piix3;

/* pic[i] is ISA IRQ i (the 8259 inputs). */
int piix3_create(struct pci_bus *bus, const struct irq_line pic[16], struct piix3 **out);
void piix3_destroy(struct piix3 *p);

#endif
