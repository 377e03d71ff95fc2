/* VGA internals shared by vga_regs.c, vga_mem.c and vga_render.c. */
#ifndef HOSTVM_DEV_VGA_INT_H
#define HOSTVM_DEV_VGA_INT_H

#include <stdbool.h>
#include "dev/vga.h"

enum {
	VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK,
	VBE_VIRT_W, VBE_VIRT_H, VBE_XOFF, VBE_YOFF, VBE_MEM64K, VBE_NREGS
};
#define VBE_EN_ENABLED 0x01
#define VBE_EN_GETCAPS 0x02
#define VBE_EN_DAC8    0x20
#define VBE_EN_LFB     0x40
#define VBE_EN_NOCLEAR 0x80
#define VBE_MAX_XRES 2560
#define VBE_MAX_YRES 1600

struct vga {
	struct iobus *bus;
	struct pmap *pm;
	uint8_t *vram;
	uint8_t misc, sr_idx, sr[8], gr_idx, gr[16], cr_idx, cr[32];
	uint8_t ar_idx, ar[32], feature;
	bool ar_flip;
	uint8_t dac[256][3], dac_mask, dac_widx, dac_ridx, dac_step, dac_state;
	uint8_t latch[4];
	unsigned retrace;
	uint16_t vbe_idx, vbe[VBE_NREGS];
	uint64_t gen;
};

uint32_t vga_mem_read(struct vga *v, uint32_t off);
void vga_mem_write(struct vga *v, uint32_t off, uint8_t val);
bool vga_vbe_on(const struct vga *v);
unsigned vga_vbe_bytespp(const struct vga *v);

#endif
