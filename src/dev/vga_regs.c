/* VGA register file (ports 0x3B0-0x3DF), the Bochs VBE dispi registers
 * (0x1CE/0x1CF), device life cycle and the VGA BIOS loader. */
#include "config.h"
#include "dev/vga_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vga_vbe_on(const struct vga *v) { return v->vbe[VBE_ENABLE] & VBE_EN_ENABLED; }

unsigned vga_vbe_bytespp(const struct vga *v)
{
	return (v->vbe[VBE_BPP] + 7) / 8;
}

/* Ports 0x3Bx answer only in mono mode, 0x3Dx only in colour mode. */
static bool port_active(const struct vga *v, uint16_t port)
{
	if (port >= 0x3B0 && port <= 0x3BF)
		return !(v->misc & 1);
	if (port >= 0x3D0 && port <= 0x3DF)
		return v->misc & 1;
	return true;
}

static uint8_t vga_inb(struct vga *v, uint16_t port)
{
	uint8_t r;

	if (!port_active(v, port))
		return 0xFF;
	switch (port) {
	case 0x3C0: return v->ar_idx;
	case 0x3C1: return v->ar[v->ar_idx & 0x1F];
	case 0x3C2: return 0x10;		/* switch sense */
	case 0x3C3: return 1;
	case 0x3C4: return v->sr_idx;
	case 0x3C5: return v->sr_idx < 8 ? v->sr[v->sr_idx] : 0xFF;
	case 0x3C6: return v->dac_mask;
	case 0x3C7: return v->dac_state;
	case 0x3C8: return v->dac_widx;
	case 0x3C9:
		r = v->dac[v->dac_ridx][v->dac_step];
		if (++v->dac_step == 3) {
			v->dac_step = 0;
			v->dac_ridx++;
		}
		return r;
	case 0x3CA: return v->feature;
	case 0x3CC: return v->misc;
	case 0x3CE: return v->gr_idx;
	case 0x3CF: return v->gr_idx < 9 ? v->gr[v->gr_idx] : 0xFF;
	case 0x3B4: case 0x3D4: return v->cr_idx;
	case 0x3B5: case 0x3D5: return v->cr_idx < 25 ? v->cr[v->cr_idx] : 0xFF;
	case 0x3BA: case 0x3DA:
		/* Reading input status 1 resets the attribute flip-flop.  The
		 * retrace bits toggle so polling loops finish. */
		v->ar_flip = false;
		v->retrace++;
		return (v->retrace & 1) ? 0x09 : 0x00;
	default: return 0xFF;
	}
}

static void vga_outb(struct vga *v, uint16_t port, uint8_t val)
{
	if (!port_active(v, port))
		return;
	v->gen++;
	switch (port) {
	case 0x3C0:
		if (!v->ar_flip)
			v->ar_idx = val & 0x3F;
		else if ((v->ar_idx & 0x1F) < 0x15)
			v->ar[v->ar_idx & 0x1F] = val;
		v->ar_flip = !v->ar_flip;
		break;
	case 0x3C2: v->misc = val; break;
	case 0x3C3: break;
	case 0x3C4: v->sr_idx = val & 7; break;
	case 0x3C5: v->sr[v->sr_idx & 7] = val; break;
	case 0x3C6: v->dac_mask = val; break;
	case 0x3C7: v->dac_ridx = val; v->dac_step = 0; v->dac_state = 0x00; break;
	case 0x3C8: v->dac_widx = val; v->dac_step = 0; v->dac_state = 0x03; break;
	case 0x3C9:
		v->dac[v->dac_widx][v->dac_step] = (v->vbe[VBE_ENABLE] & VBE_EN_DAC8) ? val : (val & 0x3F);
		if (++v->dac_step == 3) {
			v->dac_step = 0;
			v->dac_widx++;
		}
		break;
	case 0x3CE: v->gr_idx = val & 0x0F; break;
	case 0x3CF: if (v->gr_idx < 9) v->gr[v->gr_idx] = val; break;
	case 0x3B4: case 0x3D4: v->cr_idx = val & 0x1F; break;
	case 0x3B5: case 0x3D5:
		if (v->cr_idx >= 25)
			break;
		/* CR11 bit 7 write-protects CR0-CR7, save CR7's line compare bit. */
		if ((v->cr[0x11] & 0x80) && v->cr_idx <= 7) {
			if (v->cr_idx == 7)
				v->cr[7] = (v->cr[7] & ~0x10) | (val & 0x10);
			break;
		}
		v->cr[v->cr_idx] = val;
		break;
	case 0x3BA: case 0x3DA: v->feature = val; break;
	default: break;
	}
}

static uint16_t vbe_read(struct vga *v)
{
	unsigned i = v->vbe_idx;

	if (i >= VBE_NREGS)
		return 0;
	if (v->vbe[VBE_ENABLE] & VBE_EN_GETCAPS) {
		if (i == VBE_XRES) return VBE_MAX_XRES;
		if (i == VBE_YRES) return VBE_MAX_YRES;
		if (i == VBE_BPP) return 32;
	}
	if (i == VBE_MEM64K)
		return VGA_VRAM_SIZE / 65536;
	return v->vbe[i];
}

static bool bpp_ok(unsigned bpp)
{
	return bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

static void vbe_write(struct vga *v, uint16_t val)
{
	unsigned i = v->vbe_idx, line, bpp;

	if (i >= VBE_NREGS)
		return;
	v->gen++;
	switch (i) {
	case VBE_ID:
		if (val >= 0xB0C0 && val <= 0xB0C5)
			v->vbe[VBE_ID] = val;
		break;
	case VBE_XRES:
		if (!vga_vbe_on(v) && val && val <= VBE_MAX_XRES)
			v->vbe[i] = val;
		break;
	case VBE_YRES:
		if (!vga_vbe_on(v) && val && val <= VBE_MAX_YRES)
			v->vbe[i] = val;
		break;
	case VBE_BPP:
		if (!vga_vbe_on(v) && bpp_ok(val ? val : 8))
			v->vbe[i] = val ? val : 8;
		break;
	case VBE_BANK:
		if ((uint32_t)val * 0x10000 < VGA_VRAM_SIZE)
			v->vbe[i] = val;
		break;
	case VBE_ENABLE:
		if ((val & VBE_EN_ENABLED) && !vga_vbe_on(v)) {
			bpp = vga_vbe_bytespp(v);
			line = v->vbe[VBE_XRES] * bpp;
			if (!line || (uint64_t)line * v->vbe[VBE_YRES] > VGA_VRAM_SIZE)
				return;
			v->vbe[VBE_VIRT_W] = v->vbe[VBE_XRES];
			v->vbe[VBE_VIRT_H] = VGA_VRAM_SIZE / line > 0xFFFF ? 0xFFFF : VGA_VRAM_SIZE / line;
			v->vbe[VBE_XOFF] = v->vbe[VBE_YOFF] = 0;
			v->vbe[VBE_BANK] = 0;
			if (!(val & VBE_EN_NOCLEAR))
				memset(v->vram, 0, (size_t)line * v->vbe[VBE_YRES]);
			/* Graphics mode, 64 KiB window at 0xA0000. */
			v->gr[6] = (v->gr[6] & ~0x0C) | 0x05;
		}
		v->vbe[i] = val & (VBE_EN_ENABLED | VBE_EN_GETCAPS | VBE_EN_DAC8 | VBE_EN_LFB | VBE_EN_NOCLEAR);
		break;
	case VBE_VIRT_W:
		bpp = vga_vbe_bytespp(v);
		if (val >= v->vbe[VBE_XRES] && (uint64_t)val * bpp * v->vbe[VBE_YRES] <= VGA_VRAM_SIZE) {
			v->vbe[i] = val;
			line = val * bpp;
			v->vbe[VBE_VIRT_H] = line ? (VGA_VRAM_SIZE / line > 0xFFFF ? 0xFFFF : VGA_VRAM_SIZE / line) : 0;
		}
		break;
	case VBE_XOFF: case VBE_YOFF:
		v->vbe[i] = val;
		break;
	default:
		break;
	}
}

uint32_t vga_port_in(struct vga *v, uint16_t port, unsigned size)
{
	uint32_t r = 0;

	if (port == 0x1CE)
		return v->vbe_idx;
	if (port == 0x1CF || port == 0x1D0)
		return vbe_read(v);
	for (unsigned i = 0; i < size && i < 4; i++)
		r |= (uint32_t)vga_inb(v, (uint16_t)(port + i)) << (8 * i);
	return r;
}

void vga_port_out(struct vga *v, uint16_t port, unsigned size, uint32_t val)
{
	if (port == 0x1CE) {
		v->vbe_idx = (uint16_t)val;
		return;
	}
	if (port == 0x1CF || port == 0x1D0) {
		vbe_write(v, (uint16_t)val);
		return;
	}
	for (unsigned i = 0; i < size && i < 4; i++)
		vga_outb(v, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
}

static uint32_t pio_in(void *o, uint16_t port, unsigned size) { return vga_port_in(o, port, size); }
static void pio_out(void *o, uint16_t port, unsigned size, uint32_t val) { vga_port_out(o, port, size, val); }
static const struct pio_ops pio = { pio_in, pio_out };

static uint32_t legacy_read(void *o, gpa_t off, unsigned size)
{
	uint32_t r = 0;

	for (unsigned i = 0; i < size; i++)
		r |= (vga_mem_read(o, (uint32_t)(off + i)) & 0xFF) << (8 * i);
	return r;
}

static void legacy_write(void *o, gpa_t off, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size; i++)
		vga_mem_write(o, (uint32_t)(off + i), (uint8_t)(val >> (8 * i)));
}

const struct mmio_ops vga_legacy_ops = { legacy_read, legacy_write };

static uint32_t lfb_read(void *o, gpa_t off, unsigned size)
{
	struct vga *v = o;
	uint32_t r = 0;

	for (unsigned i = 0; i < size; i++)
		if (off + i < VGA_VRAM_SIZE)
			r |= (uint32_t)v->vram[off + i] << (8 * i);
	return r;
}

static void lfb_write(void *o, gpa_t off, unsigned size, uint32_t val)
{
	struct vga *v = o;

	v->gen++;
	for (unsigned i = 0; i < size; i++)
		if (off + i < VGA_VRAM_SIZE)
			v->vram[off + i] = (uint8_t)(val >> (8 * i));
}

const struct mmio_ops vga_lfb_ops = { lfb_read, lfb_write };

void vga_reset(struct vga *v)
{
	memset(v->sr, 0, sizeof(v->sr));
	memset(v->gr, 0, sizeof(v->gr));
	memset(v->cr, 0, sizeof(v->cr));
	memset(v->ar, 0, sizeof(v->ar));
	v->misc = 0x01;
	v->sr[2] = 0x0F;
	v->gr[8] = 0xFF;
	v->dac_mask = 0xFF;
	v->ar_flip = false;
	memset(v->vbe, 0, sizeof(v->vbe));
	v->vbe[VBE_ID] = 0xB0C0;
	v->vbe[VBE_XRES] = 640;
	v->vbe[VBE_YRES] = 480;
	v->vbe[VBE_BPP] = 8;
	v->gen++;
}

int vga_create(struct iobus *bus, struct pmap *pm, struct vga **out)
{
	struct vga *v = calloc(1, sizeof(*v));
	int r = 0;

	if (!v)
		return -ENOMEM;
	v->vram = calloc(1, VGA_VRAM_SIZE);
	if (!v->vram) {
		free(v);
		return -ENOMEM;
	}
	vga_reset(v);
	if (bus) {
		r = iobus_register(bus, 0x3B0, 0x30, &pio, v);
		if (!r && (r = iobus_register(bus, 0x1CE, 3, &pio, v)))
			iobus_unregister(bus, 0x3B0, 0x30, v);
		if (r)
			goto fail;
		v->bus = bus;
	}
	if (pm) {
		r = pmap_add_mmio(pm, 0xA0000, 0x20000, &vga_legacy_ops, v);
		if (r)
			goto fail;
		v->pm = pm;
	}
	*out = v;
	return 0;
fail:
	vga_destroy(v);
	return r;
}

void vga_destroy(struct vga *v)
{
	if (!v)
		return;
	if (v->bus) {
		iobus_unregister(v->bus, 0x3B0, 0x30, v);
		iobus_unregister(v->bus, 0x1CE, 3, v);
	}
	if (v->pm)
		pmap_del_mmio(v->pm, v, 0xA0000);
	free(v->vram);
	free(v);
}

uint64_t vga_generation(const struct vga *v) { return v->gen; }

int vga_rom_load(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path ? path : VGA_ROM_PATH, "rb");
	size_t n, size = 2048;
	uint8_t *buf;

	if (!f)
		return -errno;
	buf = malloc(256 * 1024);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, 256 * 1024, f);
	fclose(f);
	if (n < 3 || n >= 256 * 1024 || buf[0] != 0x55 || buf[1] != 0xAA) {
		free(buf);
		return -EINVAL;
	}
	while (size < n)
		size *= 2;
	memset(buf + n, 0xFF, size - n);
	*data = buf;
	*len = size;
	return 0;
}
