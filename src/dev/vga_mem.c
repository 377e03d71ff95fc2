/* The VGA's legacy memory window 0xA0000-0xBFFFF: chain-4, odd/even and
 * planar access with the graphics controller's write and read modes, and
 * the VBE banked window.  VRAM holds plane p of plane offset o at
 * vram[o * 4 + p], so chain-4 addresses index VRAM directly. */
#include "config.h"
#include "dev/vga_int.h"

/* Maps a window offset (from 0xA0000) to an offset into the selected
 * memory map, or -1 when the map select (GR6 bits 2-3) leaves it out. */
static int64_t window(const struct vga *v, uint32_t off)
{
	switch ((v->gr[6] >> 2) & 3) {
	case 0: return off < 0x20000 ? (int64_t)off : -1;
	case 1: return off < 0x10000 ? (int64_t)off : -1;
	case 2: return off >= 0x10000 && off < 0x18000 ? (int64_t)off - 0x10000 : -1;
	default: return off >= 0x18000 && off < 0x20000 ? (int64_t)off - 0x18000 : -1;
	}
}

static uint8_t alu(const struct vga *v, uint8_t d, uint8_t latch)
{
	switch ((v->gr[3] >> 3) & 3) {
	case 1: return d & latch;
	case 2: return d | latch;
	case 3: return d ^ latch;
	default: return d;
	}
}

static uint8_t ror(uint8_t d, unsigned n)
{
	n &= 7;
	return (uint8_t)((d >> n) | (d << ((8 - n) & 7)));
}

uint32_t vga_mem_read(struct vga *v, uint32_t off)
{
	int64_t a = window(v, off);
	uint32_t o;

	if (vga_vbe_on(v) && off < 0x10000) {
		uint64_t lin = (uint64_t)v->vbe[VBE_BANK] * 0x10000 + off;

		return lin < VGA_VRAM_SIZE ? v->vram[lin] : 0xFF;
	}
	if (a < 0)
		return 0xFF;
	o = (uint32_t)a;
	if (v->sr[4] & 0x08)
		return v->vram[o];
	if (v->gr[5] & 0x10) {
		unsigned plane = (v->gr[4] & 2) | (o & 1);

		return v->vram[((o & ~1u) << 2) | plane];
	}
	for (unsigned p = 0; p < 4; p++)
		v->latch[p] = v->vram[(o << 2) | p];
	if (v->gr[5] & 0x08) {
		uint8_t r = 0xFF;

		for (unsigned p = 0; p < 4; p++) {
			if (!(v->gr[7] & (1u << p)))
				continue;
			r &= ~(v->latch[p] ^ ((v->gr[2] >> p) & 1 ? 0xFF : 0));
		}
		return r;
	}
	return v->latch[v->gr[4] & 3];
}

void vga_mem_write(struct vga *v, uint32_t off, uint8_t val)
{
	int64_t a = window(v, off);
	uint8_t mask = v->sr[2] & 0x0F, bm = v->gr[8];
	uint32_t o;

	v->gen++;
	if (vga_vbe_on(v) && off < 0x10000) {
		uint64_t lin = (uint64_t)v->vbe[VBE_BANK] * 0x10000 + off;

		if (lin < VGA_VRAM_SIZE)
			v->vram[lin] = val;
		return;
	}
	if (a < 0)
		return;
	o = (uint32_t)a;
	if (v->sr[4] & 0x08) {
		if (mask & (1u << (o & 3)))
			v->vram[o] = val;
		return;
	}
	if (!(v->sr[4] & 0x04)) {
		mask &= (o & 1) ? 0x0A : 0x05;
		for (unsigned p = 0; p < 4; p++)
			if (mask & (1u << p))
				v->vram[((o & ~1u) << 2) | p] = val;
		return;
	}
	for (unsigned p = 0; p < 4; p++) {
		uint8_t latch = v->latch[p], d, sr = (v->gr[0] >> p) & 1 ? 0xFF : 0;
		uint8_t m = bm;

		switch (v->gr[5] & 3) {
		case 0:
			d = (v->gr[1] >> p) & 1 ? sr : ror(val, v->gr[3]);
			d = alu(v, d, latch);
			break;
		case 1:
			d = latch;
			m = 0xFF;
			break;
		case 2:
			d = alu(v, (val >> p) & 1 ? 0xFF : 0, latch);
			break;
		default:
			m = bm & ror(val, v->gr[3]);
			d = alu(v, sr, latch);
			break;
		}
		d = (d & m) | (latch & ~m);
		if (mask & (1u << p))
			v->vram[(o << 2) | p] = d;
	}
}
