/* The i440FX host bridge: PAM registers 0x59-0x5F decide, per 16 KiB (64 KiB
 * for 0xF0000) of 0xC0000-0xFFFFF, whether reads and writes go to RAM or to
 * the ROM; SMRAM (0x72) is stored only; 0xCF9 bit 2 resets the machine. */
#include "config.h"
#include "dev/i440fx.h"

#include <errno.h>
#include <stdlib.h>

#define I440FX_PAM0 0x59
#define I440FX_SMRAM 0x72

struct i440fx {
	struct pci_dev *dev;
	struct pmap *pm;
	const struct platform_hooks *hooks;
	uint8_t rcr; /* 0xCF9 */
};

/* Applies one PAM nibble (bits 1:0 used: 01 read RAM, 10 write RAM). */
static void pam_apply(struct i440fx *h, gpa_t base, uint32_t len, uint8_t attr)
{
	pmap_set_shadow(h->pm, base, len, attr & 1, attr & 2);
}

static void pam_update(struct i440fx *h)
{
	const uint8_t *c = pci_cfg(h->dev);

	pam_apply(h, 0xf0000, 0x10000, (uint8_t)(c[I440FX_PAM0] >> 4));
	for (int r = 1; r <= 6; r++) {
		gpa_t base = 0xc0000 + (gpa_t)(r - 1) * 0x8000;
		pam_apply(h, base, 0x4000, c[I440FX_PAM0 + r] & 3);
		pam_apply(h, base + 0x4000, 0x4000, (uint8_t)(c[I440FX_PAM0 + r] >> 4) & 3);
	}
}

static void i440fx_cfg_write(void *o, unsigned off, unsigned size)
{
	struct i440fx *h = o;

	if (off < I440FX_PAM0 + 7 && off + size > I440FX_PAM0)
		pam_update(h);
}

static const struct pci_dev_ops i440fx_ops = { i440fx_cfg_write };

static uint8_t rcr_read(void *o)
{
	struct i440fx *h = o;
	return h->rcr;
}

static void rcr_write(void *o, uint8_t val)
{
	struct i440fx *h = o;

	/* Bit 1 selects a hard reset; bit 2 going to one starts the reset. */
	if (val & 4)
		platform_reset(h->hooks);
	h->rcr = val & 0x02;
}

static const struct pci_cf9_ops i440fx_cf9 = { rcr_read, rcr_write };

int i440fx_create(struct pci_bus *bus, struct pmap *pm, const struct platform_hooks *hooks,
		  struct i440fx **out)
{
	struct i440fx *h = calloc(1, sizeof(*h));
	uint8_t *c;
	int r;

	if (!h)
		return -ENOMEM;
	h->pm = pm;
	h->hooks = hooks;
	r = pci_register(bus, PCI_DEVFN(0, 0), 0x8086, 0x1237, 0x06000002, &i440fx_ops, h,
			 &h->dev);
	if (r < 0) {
		free(h);
		return r;
	}
	c = pci_cfg(h->dev);
	c[PCI_COMMAND] = 0x06;
	c[PCI_STATUS] = 0x80;
	c[PCI_STATUS + 1] = 0x02;
	pci_set_wmask(h->dev, I440FX_PAM0, 1, 0x30);
	pci_set_wmask(h->dev, I440FX_PAM0 + 1, 6, 0x33);
	pci_set_wmask(h->dev, I440FX_SMRAM, 1, 0x78);
	c[I440FX_SMRAM] = 0x02;
	pam_update(h);
	pci_bus_set_cf9(bus, &i440fx_cf9, h);
	*out = h;
	return 0;
}

void i440fx_destroy(struct i440fx *h)
{
	free(h);
}
