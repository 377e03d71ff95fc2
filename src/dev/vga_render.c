/* Turning VGA state into a picture: text modes (glyphs from plane 2),
 * 16-colour planar modes, 256-colour chain-4 modes and VBE modes; plus the
 * text-mode dump.  Every VRAM read is bounds-checked, whatever the
 * registers say. */
#include "config.h"
#include "dev/vga_int.h"

#include <errno.h>
#include <string.h>

/* CP437 0x80-0xFF in UTF-8, one code point per character. */
static const char cp437_high[] =
	"ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»"
	"░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀"
	"αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ";

static size_t utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The UTF-8 bytes for CP437 character ch; *n gets their count. */
static const char *cp437(uint8_t ch, size_t *n)
{
	static const char ascii[] = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
	const char *p = cp437_high;

	if (ch >= 0x20 && ch < 0x7F) {
		*n = 1;
		return &ascii[ch - 0x20];
	}
	if (ch < 0x80) {
		*n = 1;
		return " ";
	}
	for (unsigned i = 0x80; i < ch && *p; i++)
		p += utf8_len((unsigned char)*p);
	*n = *p ? utf8_len((unsigned char)*p) : 1;
	return *p ? p : " ";
}

static uint8_t vram_at(const struct vga *v, uint64_t i)
{
	return i < VGA_VRAM_SIZE ? v->vram[i] : 0;
}

static uint32_t dac_rgb(const struct vga *v, uint8_t idx)
{
	const uint8_t *c = v->dac[idx & v->dac_mask];
	uint32_t r, g, b;

	/* In 8-bit DAC mode (VBE 4F08h) entries are full 8-bit values. */
	if (v->vbe[VBE_ENABLE] & VBE_EN_DAC8)
		return (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
	r = (uint32_t)(c[0] << 2 | c[0] >> 4);
	g = (uint32_t)(c[1] << 2 | c[1] >> 4);
	b = (uint32_t)(c[2] << 2 | c[2] >> 4);

	return r << 16 | g << 8 | b;
}

/* A 4-bit colour through the attribute palette to the DAC. */
static uint32_t ar_rgb(const struct vga *v, uint8_t c)
{
	uint8_t p = v->ar[c & 0x0F], idx;

	if (v->ar[0x10] & 0x80)
		idx = (p & 0x0F) | ((v->ar[0x14] & 0x0F) << 4);
	else
		idx = (p & 0x3F) | ((v->ar[0x14] & 0x0C) << 4);
	return dac_rgb(v, idx);
}

static unsigned vde(const struct vga *v)
{
	return (v->cr[0x12] | ((v->cr[7] & 2) << 7) | ((v->cr[7] & 0x40) << 3)) + 1;
}

static bool text_mode(const struct vga *v)
{
	return !vga_vbe_on(v) && !(v->gr[6] & 1);
}

static uint32_t start_addr(const struct vga *v)
{
	return (uint32_t)v->cr[0x0C] << 8 | v->cr[0x0D];
}

static int render_text(struct vga *v, uint32_t *px, unsigned max_w, unsigned max_h,
		       unsigned *w, unsigned *h)
{
	unsigned cols = v->cr[1] + 1u, ch_h = (v->cr[9] & 0x1F) + 1u;
	unsigned rows = vde(v) / ch_h, cw = (v->sr[1] & 1) ? 8 : 9;
	unsigned pitch = v->cr[0x13] * 2u, sa = start_addr(v);
	unsigned cur = (unsigned)v->cr[0x0E] << 8 | v->cr[0x0F];
	unsigned cs = v->cr[0x0A] & 0x1F, ce = v->cr[0x0B] & 0x1F;
	bool cur_on = !(v->cr[0x0A] & 0x20);
	/* SR3 selects the font (map A for attribute bit 3 clear). */
	unsigned fa = ((v->sr[3] >> 2) & 3) | ((v->sr[3] >> 3) & 4);
	uint32_t font_base = fa * 0x4000u;

	*w = cols * cw < max_w ? cols * cw : max_w;
	*h = rows * ch_h < max_h ? rows * ch_h : max_h;
	for (unsigned r = 0; r < rows; r++) {
		for (unsigned c = 0; c < cols; c++) {
			unsigned cell = sa + r * pitch + c;
			uint64_t o = (uint64_t)cell * 2 * 4;
			uint8_t ch = vram_at(v, o), at = vram_at(v, o + 1);
			uint32_t fg = ar_rgb(v, at & 0x0F), bg = ar_rgb(v, (at >> 4) & (v->ar[0x10] & 8 ? 7 : 15));

			for (unsigned y = 0; y < ch_h; y++) {
				unsigned py = r * ch_h + y;
				uint8_t bits = vram_at(v, ((uint64_t)font_base + ch * 32u + y) * 4 + 2);

				if (py >= *h)
					break;
				if (cur_on && cell == cur && y >= cs && y <= ce)
					bits = 0xFF;
				for (unsigned x = 0; x < cw; x++) {
					unsigned pxx = c * cw + x;
					bool on = x < 8 ? (bits >> (7 - x)) & 1 :
						((ch & 0xE0) == 0xC0 && (v->ar[0x10] & 4) && (bits & 1));

					if (pxx < *w)
						px[(size_t)py * *w + pxx] = on ? fg : bg;
				}
			}
		}
	}
	return 0;
}

static int render_vga_gfx(struct vga *v, uint32_t *px, unsigned max_w, unsigned max_h,
			  unsigned *w, unsigned *h)
{
	unsigned scan = ((v->cr[9] & 0x1F) + 1u) * ((v->cr[9] & 0x80) ? 2 : 1);
	unsigned height = vde(v) / scan, width = (v->cr[1] + 1u) * 8;
	bool c256 = v->gr[5] & 0x40;
	unsigned sa = start_addr(v);

	if (c256)
		width /= 2;
	*w = width < max_w ? width : max_w;
	*h = height < max_h ? height : max_h;
	for (unsigned y = 0; y < *h; y++) {
		for (unsigned x = 0; x < *w; x++) {
			uint32_t rgb;

			if (c256) {
				uint64_t i = (uint64_t)sa * 4 + (uint64_t)y * v->cr[0x13] * 8 + x;

				rgb = dac_rgb(v, vram_at(v, i));
			} else {
				uint64_t o = (uint64_t)sa + (uint64_t)y * v->cr[0x13] * 2 + x / 8;
				uint8_t c = 0;

				for (unsigned p = 0; p < 4; p++)
					c |= ((vram_at(v, o * 4 + p) >> (7 - (x & 7))) & 1) << p;
				rgb = ar_rgb(v, c & v->ar[0x12]);
			}
			px[(size_t)y * *w + x] = rgb;
		}
	}
	return 0;
}

static int render_vbe(struct vga *v, uint32_t *px, unsigned max_w, unsigned max_h,
		      unsigned *w, unsigned *h)
{
	unsigned bpp = v->vbe[VBE_BPP], bytes = vga_vbe_bytespp(v);
	uint64_t line = (uint64_t)v->vbe[VBE_VIRT_W] * bytes;
	uint64_t base = (uint64_t)v->vbe[VBE_YOFF] * line + (uint64_t)v->vbe[VBE_XOFF] * bytes;

	*w = v->vbe[VBE_XRES] < max_w ? v->vbe[VBE_XRES] : max_w;
	*h = v->vbe[VBE_YRES] < max_h ? v->vbe[VBE_YRES] : max_h;
	for (unsigned y = 0; y < *h; y++) {
		for (unsigned x = 0; x < *w; x++) {
			uint64_t i = base + y * line + (uint64_t)x * bytes;
			uint32_t p = vram_at(v, i) | vram_at(v, i + 1) << 8 |
				     (uint32_t)vram_at(v, i + 2) << 16, rgb;

			switch (bpp) {
			case 8: rgb = dac_rgb(v, (uint8_t)p); break;
			case 15:
				rgb = ((p >> 10) & 31) << 19 | ((p >> 5) & 31) << 11 | (p & 31) << 3;
				break;
			case 16:
				rgb = ((p >> 11) & 31) << 19 | ((p >> 5) & 63) << 10 | (p & 31) << 3;
				break;
			default: rgb = p & 0xFFFFFF; break;
			}
			px[(size_t)y * *w + x] = rgb;
		}
	}
	return 0;
}

int vga_render(struct vga *v, uint32_t *pixels, unsigned max_w, unsigned max_h,
	       unsigned *w, unsigned *h)
{
	*w = *h = 0;
	if (!pixels)
		return -EINVAL;
	if (vga_vbe_on(v))
		return render_vbe(v, pixels, max_w, max_h, w, h);
	if (text_mode(v))
		return render_text(v, pixels, max_w, max_h, w, h);
	return render_vga_gfx(v, pixels, max_w, max_h, w, h);
}

int vga_text_dump(struct vga *v, char *buf, size_t len)
{
	unsigned cols = v->cr[1] + 1u, rows = vde(v) / ((v->cr[9] & 0x1F) + 1u);
	unsigned pitch = v->cr[0x13] * 2u, sa = start_addr(v);
	size_t n = 0;

	if (!len)
		return -EINVAL;
	buf[0] = 0;
	if (!text_mode(v))
		return -ENOTSUP;
	for (unsigned r = 0; r < rows; r++) {
		size_t row_end;

		if (r && n + 1 < len)
			buf[n++] = '\n';
		row_end = n;
		for (unsigned c = 0; c < cols; c++) {
			uint8_t ch = vram_at(v, (uint64_t)(sa + r * pitch + c) * 8);
			size_t k;
			const char *s = cp437(ch, &k);

			if (n + k >= len)
				break;
			memcpy(buf + n, s, k);
			n += k;
			if (ch != ' ' && ch != 0)
				row_end = n;
		}
		n = row_end;
	}
	buf[n] = 0;
	return (int)(n > 0x7FFFFFFF ? 0x7FFFFFFF : n);
}
