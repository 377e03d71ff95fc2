/* Standard VGA with the Bochs VBE "dispi" extension, as QEMU's stdvga
 * (PCI 1234:1111), driven by SeaBIOS's vgabios-stdvga.bin. */
#ifndef HOSTVM_DEV_VGA_H
#define HOSTVM_DEV_VGA_H

#include <stddef.h>
#include <stdint.h>

#include "dev/iobus.h"
#include "mem/pmap.h"

#define VGA_VRAM_SIZE (16u << 20)
#define VGA_PCI_VENDOR 0x1234
#define VGA_PCI_DEVICE 0x1111
#define VGA_ROM_PATH "/usr/share/seabios/vgabios-stdvga.bin"

struct vga;

/* Registers the legacy ports 0x3B0-0x3DF, the VBE ports 0x1CE/0x1CF and
 * the legacy window 0xA0000-0xBFFFF on pm.  bus or pm may be NULL in tests. */
int vga_create(struct iobus *bus, struct pmap *pm, struct vga **out);
void vga_destroy(struct vga *v);
void vga_reset(struct vga *v);

/* The linear framebuffer: the PCI integrator maps VGA_VRAM_SIZE bytes at
 * BAR0 with pmap_add_mmio(pm, bar0, VGA_VRAM_SIZE, &vga_lfb_ops, v). */
extern const struct mmio_ops vga_lfb_ops;
/* The legacy window's callbacks, offsets relative to 0xA0000. */
extern const struct mmio_ops vga_legacy_ops;

/* Port access, as the iobus would call it. */
uint32_t vga_port_in(struct vga *v, uint16_t port, unsigned size);
void vga_port_out(struct vga *v, uint16_t port, unsigned size, uint32_t val);

/* Reads the VGA BIOS (path NULL = VGA_ROM_PATH) into a malloc'd buffer
 * padded to a power of two, for the PCI expansion-ROM BAR or fw_cfg. */
int vga_rom_load(const char *path, uint8_t **data, size_t *len);

/* The current picture as XRGB8888, at most max_w x max_h (cropped). */
int vga_render(struct vga *v, uint32_t *pixels, unsigned max_w, unsigned max_h,
	       unsigned *w, unsigned *h);
/* The text screen as UTF-8, rows joined by '\n', trailing spaces trimmed;
 * returns the length or -ENOTSUP in a graphics mode. */
int vga_text_dump(struct vga *v, char *buf, size_t len);
/* Changes whenever anything that can affect the picture changes. */
uint64_t vga_generation(const struct vga *v);

#endif
