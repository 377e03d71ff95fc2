/* The PIIX3 ISA bridge.  Each PIRQ route register holds an ISA IRQ in bits
 * 3:0 and a disable flag in bit 7; IRQs 0-2, 8 and 13 are reserved.  Several
 * PIRQs may share one IRQ: the line is the OR of their (level) inputs. */
#include "config.h"
#include "dev/piix3.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PIIX3_PIRQ 0x60

struct piix3 {
	struct pci_dev *dev;
	struct irq_line pic[16];
	int pirq_level[4];
	int irq_out[16]; /* what we drive on each ISA line */
};

static int route(const struct piix3 *p, int pirq)
{
	uint8_t r = pci_cfg(p->dev)[PIIX3_PIRQ + pirq];
	int irq = r & 0x0f;

	if ((r & 0x80) || irq < 3 || irq == 8 || irq == 13)
		return -1;
	return irq;
}

static void recompute(struct piix3 *p)
{
	int want[16] = { 0 };

	for (int i = 0; i < 4; i++) {
		int irq = route(p, i);
		if (irq >= 0 && p->pirq_level[i])
			want[irq] = 1;
	}
	for (int irq = 0; irq < 16; irq++) {
		if (want[irq] != p->irq_out[irq]) {
			p->irq_out[irq] = want[irq];
			irq_set_level(&p->pic[irq], want[irq]);
		}
	}
}

static void piix3_pirq(void *o, int pirq, int level)
{
	struct piix3 *p = o;

	if (pirq < 0 || pirq > 3)
		return;
	p->pirq_level[pirq] = level;
	recompute(p);
}

static void piix3_cfg_write(void *o, unsigned off, unsigned size)
{
	struct piix3 *p = o;

	if (off < PIIX3_PIRQ + 4 && off + size > PIIX3_PIRQ)
		recompute(p);
}

static const struct pci_dev_ops piix3_ops = { piix3_cfg_write };

int piix3_create(struct pci_bus *bus, const struct irq_line pic[16], struct piix3 **out)
{
	struct piix3 *p = calloc(1, sizeof(*p));
	uint8_t *c;
	int r;

	if (!p)
		return -ENOMEM;
	memcpy(p->pic, pic, sizeof(p->pic));
	r = pci_register(bus, PCI_DEVFN(1, 0), 0x8086, 0x7000, 0x06010000, &piix3_ops, p,
			 &p->dev);
	if (r < 0) {
		free(p);
		return r;
	}
	c = pci_cfg(p->dev);
	c[PCI_COMMAND] = 0x07;
	c[PCI_STATUS + 1] = 0x02;
	c[PCI_HEADER_TYPE] |= 0x80;
	/* Device-specific registers (ISA clock, TOM, PIRQ, DMA, APIC, ...) are
	 * read/write storage; only the PIRQ routes act here. */
	pci_set_wmask(p->dev, 0x40, 0xc0, 0xff);
	pci_set_wmask(p->dev, PIIX3_PIRQ, 4, 0x8f);
	for (int i = 0; i < 4; i++)
		c[PIIX3_PIRQ + i] = 0x80;
	c[0x69] = 0x02; /* TOM: 1 MiB */
	pci_bus_set_pirq_router(bus, piix3_pirq, p);
	*out = p;
	return 0;
}

void piix3_destroy(struct piix3 *p)
{
	free(p);
}
