/* The PIIX IDE function: legacy-mode decoding of both channels. */
#include "config.h"
#include "dev/piix_ide.h"

#include <errno.h>
#include <stdlib.h>

struct piix_ide {
	struct pci_dev *dev;
	struct iobus *io;
	struct pmap *pm;
	struct ide_channel ch[2];
	/* Bus-master IDE (BAR4): per channel command, status, PRD pointer. */
	uint8_t bm_cmd[2], bm_status[2];
	uint32_t bm_prd[2];
};

#define BM_START 0x01

/* Runs a waiting DMA command once the guest has started the bus master. */
static void bm_run(struct piix_ide *ide, int c)
{
	uint8_t st;

	if (!(ide->bm_cmd[c] & BM_START) || !ide->ch[c].dma_pending)
		return;
	st = ide_channel_dma(&ide->ch[c], ide->pm, ide->bm_prd[c]);
	ide->bm_status[c] = (uint8_t)((ide->bm_status[c] & ~IDE_BM_ACTIVE) | st);
}

static uint32_t bm_in(void *o, uint16_t off, unsigned size)
{
	struct piix_ide *ide = o;
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned r = (off + i) & 15, c = r >> 3;
		uint8_t b;
		switch (r & 7) {
		case 0: b = ide->bm_cmd[c]; break;
		case 2: b = ide->bm_status[c]; break;
		case 4: case 5: case 6: case 7:
			b = (uint8_t)(ide->bm_prd[c] >> (8 * ((r & 7) - 4)));
			break;
		default: b = 0;
		}
		v |= (uint32_t)b << (8 * i);
	}
	return v;
}

static void bm_out(void *o, uint16_t off, unsigned size, uint32_t val)
{
	struct piix_ide *ide = o;

	for (unsigned i = 0; i < size; i++) {
		unsigned r = (off + i) & 15, c = r >> 3, sh;
		uint8_t b = (uint8_t)(val >> (8 * i));
		switch (r & 7) {
		case 0:
			if ((b & BM_START) && !(ide->bm_cmd[c] & BM_START))
				ide->bm_status[c] |= IDE_BM_ACTIVE;
			if (!(b & BM_START))
				ide->bm_status[c] &= (uint8_t)~IDE_BM_ACTIVE;
			ide->bm_cmd[c] = b & 0x09;
			bm_run(ide, (int)c);
			break;
		case 2:
			ide->bm_status[c] = (uint8_t)((ide->bm_status[c] & ~0x60 & ~(b & 0x06)) |
						      (b & 0x60));
			break;
		case 4: case 5: case 6: case 7:
			sh = 8 * ((r & 7) - 4);
			ide->bm_prd[c] = (ide->bm_prd[c] & ~(0xffu << sh)) | (uint32_t)b << sh;
			ide->bm_prd[c] &= ~3u;
			break;
		}
	}
}

static const struct pio_ops bm_pio = { bm_in, bm_out };

static const uint16_t cmd_base[2] = { 0x1f0, 0x170 };
static const uint16_t ctl_port[2] = { 0x3f6, 0x376 };

static struct ide_channel *chan_of(struct piix_ide *ide, uint16_t port, unsigned *reg)
{
	for (int c = 0; c < 2; c++) {
		if (port >= cmd_base[c] && port < cmd_base[c] + 8) {
			*reg = port - cmd_base[c];
			return &ide->ch[c];
		}
		if (port == ctl_port[c]) {
			*reg = 8;
			return &ide->ch[c];
		}
	}
	return NULL;
}

static uint32_t ide_in(void *o, uint16_t port, unsigned size)
{
	unsigned reg = 0;
	struct ide_channel *ch = chan_of(o, port, &reg);

	if (!ch)
		return 0xffffffffu >> (32 - 8 * size);
	if (reg != 0 && size != 1) /* wide access to a byte register */
		return ide_channel_read(ch, reg, 1) | ((0xffffffffu >> (32 - 8 * size)) & ~0xffu);
	return ide_channel_read(ch, reg, size);
}

static void ide_out(void *o, uint16_t port, unsigned size, uint32_t val)
{
	unsigned reg = 0;
	struct ide_channel *ch = chan_of(o, port, &reg);

	if (!ch)
		return;
	ide_channel_write(ch, reg, reg ? 1 : size, val);
	if (reg == 7)
		bm_run(o, ch == &((struct piix_ide *)o)->ch[0] ? 0 : 1);
}

static const struct pio_ops ide_pio = { ide_in, ide_out };

int piix_ide_create(struct pci_bus *bus, struct iobus *io, const struct irq_line *irq14,
		    const struct irq_line *irq15, struct pmap *pm, struct piix_ide **out)
{
	struct piix_ide *ide = calloc(1, sizeof(*ide));
	uint8_t *c;
	int r;

	if (!ide)
		return -ENOMEM;
	ide->io = io;
	ide->pm = pm;
	ide->ch[0].irq = *irq14;
	ide->ch[1].irq = *irq15;
	for (int i = 0; i < 2; i++)
		ide_channel_reset(&ide->ch[i]);
	r = pci_register(bus, PCI_DEVFN(1, 1), 0x8086, 0x7010, 0x01018000, NULL, ide, &ide->dev);
	if (r < 0)
		goto fail;
	c = pci_cfg(ide->dev);
	c[PCI_STATUS + 1] = 0x02;
	/* IDE timing registers are plain storage; 0x40/0x42 bit 15 = decode. */
	pci_set_wmask(ide->dev, 0x40, 0x10, 0xff);
	c[0x41] = 0x80;
	r = pci_set_bar_io(ide->dev, 4, 16, &bm_pio, ide);
	if (r < 0)
		goto fail;
	c[0x43] = 0x80;
	for (int i = 0; i < 2; i++) {
		r = iobus_register(io, cmd_base[i], 8, &ide_pio, ide);
		if (r == 0)
			r = iobus_register(io, ctl_port[i], 1, &ide_pio, ide);
		if (r < 0)
			goto fail;
	}
	*out = ide;
	return 0;
fail:
	piix_ide_destroy(ide);
	return r;
}

void piix_ide_destroy(struct piix_ide *ide)
{
	if (!ide)
		return;
	for (int i = 0; i < 2; i++) {
		iobus_unregister(ide->io, cmd_base[i], 8, ide);
		iobus_unregister(ide->io, ctl_port[i], 1, ide);
	}
	free(ide);
}

int ide_attach(struct piix_ide *ide, int channel, int unit, enum ide_kind kind,
	       struct blockdev *bd)
{
	if (channel < 0 || channel > 1)
		return -EINVAL;
	return ide_channel_attach(&ide->ch[channel], unit, kind, bd);
}

int ide_change_media(struct piix_ide *ide, int channel, int unit, struct blockdev *bd)
{
	if (channel < 0 || channel > 1)
		return -EINVAL;
	return ide_channel_change_media(&ide->ch[channel], unit, bd);
}
