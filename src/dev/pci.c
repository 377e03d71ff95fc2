/* The PCI bus: configuration mechanism #1, BAR decoding and INTx routing. */
#include "config.h"
#include "dev/pci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCI_MAX_DEVFN 256
#define BAR_ROM 6

enum bar_kind { BAR_NONE, BAR_IO, BAR_MEM };

struct pci_bar {
	struct pci_dev *dev;
	enum bar_kind kind;
	uint32_t size;
	uint64_t mapped; /* current base, 0 = not decoded */
	const struct pio_ops *pio;
	const struct mmio_ops *mmio;
	void *opaque;
};

struct pci_dev {
	struct pci_bus *bus;
	unsigned devfn;
	uint8_t cfg[256];
	uint8_t wmask[256];
	uint8_t w1c[256];
	const struct pci_dev_ops *ops;
	void *opaque;
	struct pci_bar bar[PCI_NUM_BARS + 1];
	uint8_t *rom;
	int irq_level;
};

struct pci_bus {
	struct iobus *io;
	struct pmap *pm;
	uint32_t addr; /* the 0xCF8 register */
	struct pci_dev *dev[PCI_MAX_DEVFN];
	int pirq_count[4];
	pci_pirq_fn pirq_fn;
	void *pirq_opaque;
	const struct pci_cf9_ops *cf9;
	void *cf9_opaque;
};

static uint32_t bar_pio_in(void *o, uint16_t port, unsigned size)
{
	struct pci_bar *b = o;
	return b->pio->in(b->opaque, (uint16_t)(port - b->mapped), size);
}

static void bar_pio_out(void *o, uint16_t port, unsigned size, uint32_t val)
{
	struct pci_bar *b = o;
	b->pio->out(b->opaque, (uint16_t)(port - b->mapped), size, val);
}

static const struct pio_ops bar_pio_ops = { bar_pio_in, bar_pio_out };

static uint32_t bar_mmio_read(void *o, gpa_t off, unsigned size)
{
	struct pci_bar *b = o;
	return b->mmio->read(b->opaque, off, size);
}

static void bar_mmio_write(void *o, gpa_t off, unsigned size, uint32_t val)
{
	struct pci_bar *b = o;
	b->mmio->write(b->opaque, off, size, val);
}

static const struct mmio_ops bar_mmio_ops = { bar_mmio_read, bar_mmio_write };

/* The expansion ROM: reads from the copy, writes ignored. */
static uint32_t rom_read(void *o, gpa_t off, unsigned size)
{
	struct pci_dev *d = o;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		if (off + i < d->bar[BAR_ROM].size)
			v |= (uint32_t)d->rom[off + i] << (8 * i);
	return v;
}

static void rom_write(void *o, gpa_t off, unsigned size, uint32_t val)
{
	(void)o; (void)off; (void)size; (void)val;
}

static const struct mmio_ops rom_ops = { rom_read, rom_write };

static uint32_t cfg_dword(const struct pci_dev *d, unsigned off)
{
	return (uint32_t)d->cfg[off] | (uint32_t)d->cfg[off + 1] << 8 |
	       (uint32_t)d->cfg[off + 2] << 16 | (uint32_t)d->cfg[off + 3] << 24;
}

/* Where BAR idx should decode now, or 0 when it should not. */
static uint64_t bar_target(const struct pci_dev *d, int idx)
{
	const struct pci_bar *b = &d->bar[idx];
	uint16_t cmd = (uint16_t)(d->cfg[PCI_COMMAND] | d->cfg[PCI_COMMAND + 1] << 8);
	uint32_t reg = cfg_dword(d, idx == BAR_ROM ? PCI_ROM_BAR : PCI_BAR0 + 4 * idx);
	uint64_t base;

	if (b->kind == BAR_IO) {
		if (!(cmd & PCI_CMD_IO))
			return 0;
		base = reg & ~(uint32_t)(b->size - 1) & ~3u;
		if (base == 0 || base + b->size > 0x10000)
			return 0;
		return base;
	}
	if (b->kind != BAR_MEM || !(cmd & PCI_CMD_MEM))
		return 0;
	if (idx == BAR_ROM && !(reg & 1))
		return 0;
	base = reg & ~(uint32_t)(b->size - 1);
	/* 0 and the all-ones sizing pattern are "not placed". */
	if (base == 0 || base + b->size > 0x100000000ull)
		return 0;
	return base;
}

static void bar_update(struct pci_dev *d, int idx)
{
	struct pci_bar *b = &d->bar[idx];
	struct pci_bus *bus = d->bus;
	uint64_t want = bar_target(d, idx);
	const struct mmio_ops *mops = idx == BAR_ROM ? &rom_ops : &bar_mmio_ops;
	void *mopaque = idx == BAR_ROM ? (void *)d : (void *)b;

	if (want == b->mapped)
		return;
	if (b->kind == BAR_IO) {
		if (b->mapped)
			iobus_unregister(bus->io, (uint16_t)b->mapped, b->size, b);
		b->mapped = 0;
		if (want && iobus_register(bus->io, (uint16_t)want, b->size, &bar_pio_ops, b) == 0)
			b->mapped = want;
		return;
	}
	if (b->mapped && want) {
		if (pmap_move_mmio(bus->pm, mopaque, b->mapped, want) == 0) {
			b->mapped = want;
			return;
		}
	}
	if (b->mapped)
		pmap_del_mmio(bus->pm, mopaque, b->mapped);
	b->mapped = 0;
	if (want && pmap_add_mmio(bus->pm, want, b->size, mops, mopaque) == 0)
		b->mapped = want;
}

static void dev_update_bars(struct pci_dev *d)
{
	for (int i = 0; i <= BAR_ROM; i++)
		if (d->bar[i].kind != BAR_NONE)
			bar_update(d, i);
}

uint32_t pci_bus_cfg_read(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned size)
{
	struct pci_dev *d = devfn < PCI_MAX_DEVFN ? bus->dev[devfn] : NULL;
	uint32_t v = 0;

	if (!d || size == 0 || size > 4)
		return 0xffffffffu >> (32 - 8 * (size ? (size > 4 ? 4 : size) : 4));
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)d->cfg[(off + i) & 0xff] << (8 * i);
	return v;
}

void pci_bus_cfg_write(struct pci_bus *bus, unsigned devfn, unsigned off, unsigned size,
		       uint32_t val)
{
	struct pci_dev *d = devfn < PCI_MAX_DEVFN ? bus->dev[devfn] : NULL;
	bool bars = false;

	if (!d || size == 0 || size > 4 || off + size > 256)
		return;
	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));
		d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]));
		d->cfg[o] &= (uint8_t)~(b & d->w1c[o]);
		if (o == PCI_COMMAND || (o >= PCI_BAR0 && o < PCI_BAR0 + 24) ||
		    (o >= PCI_ROM_BAR && o < PCI_ROM_BAR + 4))
			bars = true;
	}
	if (bars)
		dev_update_bars(d);
	if (d->ops && d->ops->cfg_write)
		d->ops->cfg_write(d->opaque, off, size);
}

/* Ports 0xCF8-0xCFF. */
static uint32_t cfg_port_in(void *o, uint16_t port, unsigned size)
{
	struct pci_bus *bus = o;
	unsigned k = port & 3;

	if (port < 0xcfc) {
		if (port == 0xcf8 && size == 4)
			return bus->addr;
		if (port == 0xcf9 && size == 1 && bus->cf9)
			return bus->cf9->read(bus->cf9_opaque);
		return 0xffffffffu >> (32 - 8 * size);
	}
	if (!(bus->addr & 0x80000000u) || ((bus->addr >> 16) & 0xff) != 0)
		return 0xffffffffu >> (32 - 8 * size);
	if (k + size > 4)
		size = 4 - k;
	return pci_bus_cfg_read(bus, (bus->addr >> 8) & 0xff, (bus->addr & 0xfc) + k, size);
}

static void cfg_port_out(void *o, uint16_t port, unsigned size, uint32_t val)
{
	struct pci_bus *bus = o;
	unsigned k = port & 3;

	if (port < 0xcfc) {
		if (port == 0xcf8 && size == 4)
			bus->addr = val & 0x80fffffcu;
		else if (port == 0xcf9 && size == 1 && bus->cf9)
			bus->cf9->write(bus->cf9_opaque, (uint8_t)val);
		return;
	}
	if (!(bus->addr & 0x80000000u) || ((bus->addr >> 16) & 0xff) != 0)
		return;
	if (k + size > 4)
		size = 4 - k;
	pci_bus_cfg_write(bus, (bus->addr >> 8) & 0xff, (bus->addr & 0xfc) + k, size, val);
}

static const struct pio_ops cfg_port_ops = { cfg_port_in, cfg_port_out };

int pci_bus_create(struct iobus *io, struct pmap *pm, struct pci_bus **out)
{
	struct pci_bus *bus = calloc(1, sizeof(*bus));
	int r;

	if (!bus)
		return -ENOMEM;
	bus->io = io;
	bus->pm = pm;
	r = iobus_register(io, 0xcf8, 8, &cfg_port_ops, bus);
	if (r < 0) {
		free(bus);
		return r;
	}
	*out = bus;
	return 0;
}

void pci_bus_destroy(struct pci_bus *bus)
{
	if (!bus)
		return;
	for (unsigned i = 0; i < PCI_MAX_DEVFN; i++) {
		struct pci_dev *d = bus->dev[i];
		if (!d)
			continue;
		/* Turn decoding off so every BAR leaves the I/O bus and pmap. */
		d->cfg[PCI_COMMAND] &= (uint8_t)~(PCI_CMD_IO | PCI_CMD_MEM);
		dev_update_bars(d);
		free(d->rom);
		free(d);
	}
	iobus_unregister(bus->io, 0xcf8, 8, bus);
	free(bus);
}

void pci_bus_set_pirq_router(struct pci_bus *bus, pci_pirq_fn fn, void *opaque)
{
	bus->pirq_fn = fn;
	bus->pirq_opaque = opaque;
	for (int i = 0; i < 4; i++)
		if (fn)
			fn(opaque, i, bus->pirq_count[i] > 0);
}

void pci_bus_set_cf9(struct pci_bus *bus, const struct pci_cf9_ops *ops, void *opaque)
{
	bus->cf9 = ops;
	bus->cf9_opaque = opaque;
}

int pci_register(struct pci_bus *bus, unsigned devfn, uint16_t vendor, uint16_t device,
		 uint32_t class_rev, const struct pci_dev_ops *ops, void *opaque,
		 struct pci_dev **out)
{
	struct pci_dev *d;

	if (devfn >= PCI_MAX_DEVFN)
		return -EINVAL;
	if (bus->dev[devfn])
		return -EBUSY;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->bus = bus;
	d->devfn = devfn;
	d->ops = ops;
	d->opaque = opaque;
	for (int i = 0; i <= BAR_ROM; i++)
		d->bar[i].dev = d;
	d->cfg[0] = (uint8_t)vendor;
	d->cfg[1] = (uint8_t)(vendor >> 8);
	d->cfg[2] = (uint8_t)device;
	d->cfg[3] = (uint8_t)(device >> 8);
	for (int i = 0; i < 4; i++)
		d->cfg[8 + i] = (uint8_t)(class_rev >> (8 * i));
	/* Command: I/O, memory, bus master, SERR#, parity; the status error
	 * bits are write-one-to-clear; interrupt line is scratch. */
	d->wmask[PCI_COMMAND] = 0x47;
	d->wmask[PCI_COMMAND + 1] = 0x05;
	d->w1c[PCI_STATUS + 1] = 0xf9;
	d->wmask[0x0c] = 0xff; /* cache line size */
	d->wmask[0x0d] = 0xff; /* latency timer */
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	bus->dev[devfn] = d;
	/* Function 0 of a slot with several functions says so in bit 7. */
	if ((devfn & 7) && bus->dev[devfn & ~7u])
		bus->dev[devfn & ~7u]->cfg[PCI_HEADER_TYPE] |= 0x80;
	if (!(devfn & 7))
		for (unsigned f = 1; f < 8; f++)
			if (bus->dev[devfn + f])
				d->cfg[PCI_HEADER_TYPE] |= 0x80;
	*out = d;
	return 0;
}

uint8_t *pci_cfg(struct pci_dev *dev)
{
	return dev->cfg;
}

void pci_set_wmask(struct pci_dev *dev, unsigned off, unsigned len, uint8_t mask)
{
	for (unsigned i = off; i < off + len && i < 256; i++)
		dev->wmask[i] = mask;
}

static void set_dword_mask(struct pci_dev *d, unsigned off, uint32_t mask)
{
	for (int i = 0; i < 4; i++)
		d->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

static bool pow2(uint32_t v) { return v && !(v & (v - 1)); }

int pci_set_bar_io(struct pci_dev *dev, int idx, uint32_t size, const struct pio_ops *ops,
		   void *opaque)
{
	struct pci_bar *b;

	if (idx < 0 || idx >= PCI_NUM_BARS || !pow2(size) || size < 4 || size > 256)
		return -EINVAL;
	b = &dev->bar[idx];
	b->kind = BAR_IO;
	b->size = size;
	b->pio = ops;
	b->opaque = opaque;
	dev->cfg[PCI_BAR0 + 4 * idx] = 0x01;
	set_dword_mask(dev, PCI_BAR0 + 4 * idx, ~(size - 1) & ~3u);
	return 0;
}

int pci_set_bar_mmio(struct pci_dev *dev, int idx, uint32_t size, const struct mmio_ops *ops,
		     void *opaque)
{
	struct pci_bar *b;

	if (idx < 0 || idx >= PCI_NUM_BARS || !pow2(size) || size < PMAP_PAGE_SIZE)
		return -EINVAL;
	b = &dev->bar[idx];
	b->kind = BAR_MEM;
	b->size = size;
	b->mmio = ops;
	b->opaque = opaque;
	set_dword_mask(dev, PCI_BAR0 + 4 * idx, ~(size - 1));
	return 0;
}

int pci_set_rom(struct pci_dev *dev, const void *data, size_t len)
{
	uint32_t size = PMAP_PAGE_SIZE;
	uint8_t *copy;

	if (!len || len > (1u << 24))
		return -EINVAL;
	while (size < len)
		size <<= 1;
	copy = calloc(1, size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	free(dev->rom);
	dev->rom = copy;
	dev->bar[BAR_ROM].kind = BAR_MEM;
	dev->bar[BAR_ROM].size = size;
	set_dword_mask(dev, PCI_ROM_BAR, ~(size - 1) | 1u);
	return 0;
}

uint64_t pci_bar_addr(const struct pci_dev *dev, int idx)
{
	if (idx < 0 || idx > BAR_ROM)
		return 0;
	return dev->bar[idx].mapped;
}

void pci_set_irq(struct pci_dev *dev, int level)
{
	struct pci_bus *bus = dev->bus;
	unsigned pin = dev->cfg[PCI_INTERRUPT_PIN];
	int pirq;

	level = !!level;
	if (pin < 1 || pin > 4 || dev->irq_level == level)
		return;
	dev->irq_level = level;
	/* Slot s pin INTx# (x = 1..4) reaches PIRQ (s + x - 2) mod 4: the
	 * wiring SeaBIOS's $PIR table and ACPI _PRT describe for an i440FX
	 * board, so the guest's idea of each device's IRQ is the real one. */
	pirq = (int)(((dev->devfn >> 3) + pin + 2) & 3);
	bus->pirq_count[pirq] += level ? 1 : -1;
	if (bus->pirq_fn && bus->pirq_count[pirq] == level)
		bus->pirq_fn(bus->pirq_opaque, pirq, level);
}
