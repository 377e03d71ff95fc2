/* stdvga's PCI face: configuration header, the framebuffer BAR and the
 * option ROM.  The legacy ports and the 0xA0000 window are the VGA's own
 * (vga_create); this file only makes the card visible on the PCI bus so
 * that SeaBIOS finds its ROM and Linux its framebuffer. */
#include "config.h"
#include "dev/vga_pci.h"

#include <errno.h>
#include <stdlib.h>

/* BAR0 bit 3: prefetchable memory. */
#define BAR_PREFETCH 0x08

struct vga_pci {
	struct pci_dev *dev;
};

int vga_pci_create(struct pci_bus *bus, unsigned devfn, struct vga *v, const uint8_t *rom,
		   size_t rom_len, struct vga_pci **out)
{
	struct vga_pci *vp = calloc(1, sizeof(*vp));
	uint8_t *c;
	int r;

	if (!vp)
		return -ENOMEM;
	/* Class 03 (display), subclass 00 (VGA compatible), revision 2. */
	r = pci_register(bus, devfn, VGA_PCI_VENDOR, VGA_PCI_DEVICE, 0x03000002, NULL, vp,
			 &vp->dev);
	if (r < 0) {
		free(vp);
		return r;
	}
	c = pci_cfg(vp->dev);
	/* Subsystem: the values QEMU's stdvga reports (Red Hat, QEMU). */
	c[0x2c] = 0xf4;
	c[0x2d] = 0x1a;
	c[0x2e] = 0x00;
	c[0x2f] = 0x11;
	if ((r = pci_set_bar_mmio(vp->dev, 0, VGA_VRAM_SIZE, &vga_lfb_ops, v)) < 0)
		goto fail;
	c[PCI_BAR0] |= BAR_PREFETCH;
	if (rom && rom_len && (r = pci_set_rom(vp->dev, rom, rom_len)) < 0)
		goto fail;
	*out = vp;
	return 0;
fail:
	/* The bus owns and frees registered functions (pci_bus_destroy). */
	free(vp);
	return r;
}

void vga_pci_destroy(struct vga_pci *vp)
{
	free(vp);
}
