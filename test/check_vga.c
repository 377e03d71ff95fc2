/* The VGA: registers, legacy memory, VBE, rendering, text dump; PNG writer. */
#include "config.h"
#include "dev/vga.h"
#include "dev/png.h"

#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static struct iobus *bus;
static struct pmap *pm;
static struct vga *vga;
static uint32_t *fb;
#define FB_W 2600
#define FB_H 1700

static void setup(void)
{
	ck_assert_int_eq(iobus_create(&bus), 0);
	ck_assert_int_eq(pmap_create(16 << 20, &pm), 0);
	ck_assert_int_eq(vga_create(bus, pm, &vga), 0);
	fb = calloc((size_t)FB_W * FB_H, 4);
	ck_assert_ptr_nonnull(fb);
}

static void teardown(void)
{
	vga_destroy(vga);
	pmap_destroy(pm);
	iobus_destroy(bus);
	free(fb);
}

static void crtc(uint8_t i, uint8_t v) { iobus_out(bus, 0x3D4, 1, i); iobus_out(bus, 0x3D5, 1, v); }
static void seq(uint8_t i, uint8_t v) { iobus_out(bus, 0x3C4, 1, i); iobus_out(bus, 0x3C5, 1, v); }
static void gr(uint8_t i, uint8_t v) { iobus_out(bus, 0x3CE, 1, i); iobus_out(bus, 0x3CF, 1, v); }
static void vbe(uint16_t i, uint16_t v) { iobus_out(bus, 0x1CE, 2, i); iobus_out(bus, 0x1CF, 2, v); }
static uint16_t vbe_rd(uint16_t i) { iobus_out(bus, 0x1CE, 2, i); return iobus_in(bus, 0x1CF, 2); }

static void text_mode_80x25(void)
{
	iobus_out(bus, 0x3C2, 1, 0x67);
	seq(1, 0x00); seq(2, 0x03); seq(4, 0x02);
	crtc(0x11, 0x00);
	crtc(1, 0x4F); crtc(7, 0x1F); crtc(9, 0x4F); crtc(0x12, 0x8F); crtc(0x13, 0x28);
	crtc(0x0A, 0x20);
	gr(5, 0x10); gr(6, 0x0E);
}

START_TEST(text_dump)
{
	static const uint8_t line[] = { 0xC9, 0xCD, 'H', 'i', '!', ' ', ' ' };
	char buf[8192];
	int n;

	text_mode_80x25();
	for (unsigned i = 0; i < 80 * 25; i++)
		pmap_write(pm, 0xB8000 + i * 2, 2, 0x0720);
	for (unsigned i = 0; i < sizeof(line); i++)
		pmap_write(pm, 0xB8000 + i * 2, 2, 0x1F00 | line[i]);
	pmap_write(pm, 0xB8000 + 160 * 2, 1, 'x');
	ck_assert_uint_eq(pmap_read(pm, 0xB8000 + 4, 2), 0x1F00 | 'H');
	n = vga_text_dump(vga, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(strncmp(buf, "╔═Hi!\n\nx\n", strlen("╔═Hi!\n\nx\n")), 0);
	/* 25 rows: 24 newlines. */
	n = 0;
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	ck_assert_int_eq(n, 24);
	/* A graphics mode has no text. */
	gr(6, 0x05);
	ck_assert_int_eq(vga_text_dump(vga, buf, sizeof(buf)), -ENOTSUP);
}
END_TEST

START_TEST(text_render)
{
	unsigned w, h;
	uint64_t g0 = vga_generation(vga);

	text_mode_80x25();
	ck_assert(vga_generation(vga) != g0);
	/* Font: glyph 'A' row 3 = 0x81 in plane 2 via planar write. */
	seq(2, 0x04); seq(4, 0x06); gr(5, 0x00); gr(6, 0x04);
	pmap_write(pm, 0xA0000 + 'A' * 32 + 3, 1, 0x81);
	seq(2, 0x03); seq(4, 0x02); gr(5, 0x10); gr(6, 0x0E);
	pmap_write(pm, 0xB8000, 2, 0x1E00 | 'A');	/* yellow on blue */
	iobus_in(bus, 0x3DA, 1);
	for (int i = 0; i < 16; i++) {
		iobus_out(bus, 0x3C0, 1, i);
		iobus_out(bus, 0x3C0, 1, i);
	}
	iobus_out(bus, 0x3C8, 1, 1);
	iobus_out(bus, 0x3C9, 1, 0); iobus_out(bus, 0x3C9, 1, 0); iobus_out(bus, 0x3C9, 1, 0x3F);
	iobus_out(bus, 0x3C8, 1, 14);
	iobus_out(bus, 0x3C9, 1, 0x3F); iobus_out(bus, 0x3C9, 1, 0x3F); iobus_out(bus, 0x3C9, 1, 0);
	ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
	ck_assert_uint_eq(w, 720);
	ck_assert_uint_eq(h, 400);
	ck_assert_uint_eq(fb[3 * w + 0], 0xFFFF00);
	ck_assert_uint_eq(fb[3 * w + 1], 0x0000FF);
	ck_assert_uint_eq(fb[3 * w + 7], 0xFFFF00);
	ck_assert_uint_eq(fb[2 * w + 0], 0x0000FF);
}
END_TEST

START_TEST(attr_flipflop)
{
	iobus_in(bus, 0x3DA, 1);
	iobus_out(bus, 0x3C0, 1, 0x02);
	iobus_out(bus, 0x3C0, 1, 0x2A);
	iobus_out(bus, 0x3C0, 1, 0x03);	/* index again */
	ck_assert_uint_eq(iobus_in(bus, 0x3C0, 1), 0x03);
	iobus_out(bus, 0x3C0, 1, 0x15);
	iobus_out(bus, 0x3C0, 1, 0x02);
	ck_assert_uint_eq(iobus_in(bus, 0x3C1, 1), 0x2A);
	/* The flip-flop is at "data" now: this rewrites AR2. */
	iobus_out(bus, 0x3C0, 1, 0x2B);
	/* Reading input status 1 resets the flip-flop to "index". */
	iobus_out(bus, 0x3C0, 1, 0x02);
	iobus_in(bus, 0x3DA, 1);
	iobus_out(bus, 0x3C0, 1, 0x03);
	iobus_out(bus, 0x3C0, 1, 0x11);
	ck_assert_uint_eq(iobus_in(bus, 0x3C0, 1), 0x03);
	ck_assert_uint_eq(iobus_in(bus, 0x3C1, 1), 0x11);
	iobus_out(bus, 0x3C0, 1, 0x02);
	ck_assert_uint_eq(iobus_in(bus, 0x3C1, 1), 0x2B);
	/* The retrace bit toggles. */
	ck_assert_uint_ne(iobus_in(bus, 0x3DA, 1) & 8, iobus_in(bus, 0x3DA, 1) & 8);
}
END_TEST

START_TEST(dac_cycle)
{
	iobus_out(bus, 0x3C8, 1, 250);
	for (int i = 0; i < 9; i++)
		iobus_out(bus, 0x3C9, 1, 0x40 + i * 3);
	ck_assert_uint_eq(iobus_in(bus, 0x3C8, 1), 253);
	iobus_out(bus, 0x3C7, 1, 250);
	for (int i = 0; i < 9; i++)
		ck_assert_uint_eq(iobus_in(bus, 0x3C9, 1), (0x40u + i * 3) & 0x3F);
	ck_assert_uint_eq(iobus_in(bus, 0x3C7, 1), 0);
	/* Partial write then restart: a new index resets the RGB step. */
	iobus_out(bus, 0x3C8, 1, 7);
	iobus_out(bus, 0x3C9, 1, 1);
	iobus_out(bus, 0x3C8, 1, 8);
	iobus_out(bus, 0x3C9, 1, 5); iobus_out(bus, 0x3C9, 1, 6); iobus_out(bus, 0x3C9, 1, 7);
	iobus_out(bus, 0x3C7, 1, 8);
	ck_assert_uint_eq(iobus_in(bus, 0x3C9, 1), 5);
	ck_assert_uint_eq(iobus_in(bus, 0x3C9, 1), 6);
	ck_assert_uint_eq(iobus_in(bus, 0x3C9, 1), 7);
}
END_TEST

static uint8_t plane_rd(unsigned p, gpa_t a)
{
	gr(4, p);
	return pmap_read(pm, a, 1);
}

START_TEST(planar_modes)
{
	gr(6, 0x05); seq(4, 0x06); seq(2, 0x0F); gr(5, 0x00); gr(8, 0xFF);
	/* Mode 0, set/reset enabled for planes 0 and 2 (value 0101b). */
	gr(0, 0x05); gr(1, 0x05);
	pmap_write(pm, 0xA0010, 1, 0x3C);
	ck_assert_uint_eq(plane_rd(0, 0xA0010), 0xFF);
	ck_assert_uint_eq(plane_rd(1, 0xA0010), 0x3C);
	ck_assert_uint_eq(plane_rd(2, 0xA0010), 0xFF);
	ck_assert_uint_eq(plane_rd(3, 0xA0010), 0x3C);
	/* Rotate by 4 and XOR with the latches, bit mask 0xF0. */
	gr(1, 0x00); gr(3, 0x18 | 4); gr(8, 0xF0);
	(void)pmap_read(pm, 0xA0010, 1);		/* load latches */
	pmap_write(pm, 0xA0010, 1, 0x0F);	/* rotated: 0xF0 */
	ck_assert_uint_eq(plane_rd(0, 0xA0010), 0x0F);
	ck_assert_uint_eq(plane_rd(1, 0xA0010), 0xCC);
	gr(3, 0x00); gr(8, 0xFF);
	/* Mode 1 copies the latches elsewhere. */
	gr(5, 0x01);
	(void)pmap_read(pm, 0xA0010, 1);
	pmap_write(pm, 0xA0020, 1, 0x00);
	gr(5, 0x00);
	for (unsigned p = 0; p < 4; p++)
		ck_assert_uint_eq(plane_rd(p, 0xA0020), plane_rd(p, 0xA0010));
	/* Mode 2: colour 0xA in every masked bit, map mask excludes plane 3. */
	seq(2, 0x07); gr(5, 0x02); gr(8, 0x81);
	(void)pmap_read(pm, 0xA0030, 1);
	pmap_write(pm, 0xA0030, 1, 0x0A);
	gr(5, 0x00);
	ck_assert_uint_eq(plane_rd(0, 0xA0030), 0x00);
	ck_assert_uint_eq(plane_rd(1, 0xA0030), 0x81);
	ck_assert_uint_eq(plane_rd(2, 0xA0030), 0x00);
	ck_assert_uint_eq(plane_rd(3, 0xA0030), 0x00);
	/* Mode 3: set/reset colour, mask = bit mask & data. */
	seq(2, 0x0F); gr(5, 0x03); gr(0, 0x0C); gr(8, 0xF0);
	(void)pmap_read(pm, 0xA0040, 1);
	pmap_write(pm, 0xA0040, 1, 0x3C);
	gr(5, 0x00);
	ck_assert_uint_eq(plane_rd(0, 0xA0040), 0x00);
	ck_assert_uint_eq(plane_rd(2, 0xA0040), 0x30);
	ck_assert_uint_eq(plane_rd(3, 0xA0040), 0x30);
	/* Read mode 1: colour compare for 0xC against all planes. */
	gr(5, 0x08); gr(2, 0x0C); gr(7, 0x0F);
	ck_assert_uint_eq(pmap_read(pm, 0xA0040, 1), 0x30);
	gr(7, 0x00);
	ck_assert_uint_eq(pmap_read(pm, 0xA0040, 1), 0xFF);
	/* The memory map select hides 0xB8000 when A0000-AFFFF is chosen. */
	ck_assert_uint_eq(pmap_read(pm, 0xB8000, 1), 0xFF);
}
END_TEST

START_TEST(planar_render)
{
	unsigned w, h;

	iobus_out(bus, 0x3C2, 1, 0xE3);
	crtc(1, 0x4F); crtc(7, 0x3E); crtc(9, 0x40); crtc(0x12, 0xDF); crtc(0x13, 0x28);
	gr(6, 0x05); seq(4, 0x06); seq(2, 0x0F); gr(5, 0x02); gr(8, 0xFF);
	iobus_in(bus, 0x3DA, 1);
	iobus_out(bus, 0x3C0, 1, 0x12); iobus_out(bus, 0x3C0, 1, 0x0F);
	iobus_out(bus, 0x3C0, 1, 0x09); iobus_out(bus, 0x3C0, 1, 0x09);
	iobus_out(bus, 0x3C8, 1, 9);
	iobus_out(bus, 0x3C9, 1, 0x3F); iobus_out(bus, 0x3C9, 1, 0); iobus_out(bus, 0x3C9, 1, 0);
	pmap_write(pm, 0xA0000 + 80 * 10 + 1, 1, 0x09);	/* row 10, pixels 8-15 */
	ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
	ck_assert_uint_eq(w, 640);
	ck_assert_uint_eq(h, 480);
	ck_assert_uint_eq(fb[10 * 640 + 8], 0xFF0000);
	ck_assert_uint_eq(fb[10 * 640 + 15], 0xFF0000);
	ck_assert_uint_eq(fb[10 * 640 + 16], 0x000000);
	ck_assert_uint_eq(fb[11 * 640 + 8], 0x000000);
}
END_TEST

START_TEST(mode13h)
{
	unsigned w, h;

	iobus_out(bus, 0x3C2, 1, 0x63);
	crtc(1, 0x4F); crtc(7, 0x1F); crtc(9, 0x41); crtc(0x12, 0x8F); crtc(0x13, 0x28);
	gr(5, 0x40); gr(6, 0x05); seq(4, 0x0E); seq(2, 0x0F);
	iobus_out(bus, 0x3C8, 1, 0x42);
	iobus_out(bus, 0x3C9, 1, 0x10); iobus_out(bus, 0x3C9, 1, 0x20); iobus_out(bus, 0x3C9, 1, 0x30);
	pmap_write(pm, 0xA0000 + 123 * 320 + 201, 1, 0x42);
	ck_assert_uint_eq(pmap_read(pm, 0xA0000 + 123 * 320 + 201, 1), 0x42);
	ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
	ck_assert_uint_eq(w, 320);
	ck_assert_uint_eq(h, 200);
	ck_assert_uint_eq(fb[123 * 320 + 201], 0x4182C3);
	ck_assert_uint_eq(fb[123 * 320 + 200], 0x000000);
	/* A small output buffer crops. */
	ck_assert_int_eq(vga_render(vga, fb, 100, 50, &w, &h), 0);
	ck_assert_uint_eq(w, 100);
	ck_assert_uint_eq(h, 50);
}
END_TEST

START_TEST(vbe_lfb)
{
	unsigned w, h;

	ck_assert_uint_eq(vbe_rd(0), 0xB0C0);
	vbe(0, 0xB0C5);
	ck_assert_uint_eq(vbe_rd(0), 0xB0C5);
	vbe(0, 0xB0C9);
	ck_assert_uint_eq(vbe_rd(0), 0xB0C5);
	ck_assert_uint_eq(vbe_rd(10), 256);
	vbe(4, 0x02);
	ck_assert_uint_ge(vbe_rd(1), 1600);
	vbe(4, 0x00);
	vbe(1, 640); vbe(2, 480); vbe(3, 32);
	vbe(4, 0x41);
	ck_assert_uint_eq(vbe_rd(4), 0x41);
	ck_assert_uint_eq(vbe_rd(6), 640);
	ck_assert_int_eq(pmap_add_mmio(pm, 0xE0000000, VGA_VRAM_SIZE, &vga_lfb_ops, vga), 0);
	pmap_write(pm, 0xE0000000 + (100 * 640 + 50) * 4, 4, 0x00123456);
	pmap_write(pm, 0xE0000000 + VGA_VRAM_SIZE - 4, 4, 0xdeadbeef);
	ck_assert_uint_eq(pmap_read(pm, 0xE0000000 + VGA_VRAM_SIZE - 4, 4), 0xdeadbeef);
	/* Banked window: bank 2 at 0xA0000. */
	vbe(5, 2);
	pmap_write(pm, 0xA0000 + 0x100, 4, 0x00ABCDEF);
	ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
	ck_assert_uint_eq(w, 640);
	ck_assert_uint_eq(h, 480);
	ck_assert_uint_eq(fb[100 * 640 + 50], 0x123456);
	ck_assert_uint_eq(fb[(2 * 65536 + 0x100) / 4], 0xABCDEF);
	/* Resolution changes while enabled are ignored. */
	vbe(1, 1024);
	ck_assert_uint_eq(vbe_rd(1), 640);
	/* Panning via Y offset. */
	vbe(9, 100);
	ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
	ck_assert_uint_eq(fb[50], 0x123456);
	pmap_del_mmio(pm, vga, 0xE0000000);
	/* 8 bpp with an 8-bit DAC: palette entries are used unscaled. */
	vbe(4, 0); vbe(3, 8); vbe(1, 320); vbe(2, 200); vbe(4, 0x21);
	iobus_out(bus, 0x3C8, 1, 0x80);
	iobus_out(bus, 0x3C9, 1, 0xC8); iobus_out(bus, 0x3C9, 1, 0x81); iobus_out(bus, 0x3C9, 1, 0x07);
	vbe(5, 0);
	pmap_write(pm, 0xA0000 + 5, 1, 0x80);
	ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
	ck_assert_uint_eq(w, 320);
	ck_assert_uint_eq(fb[5], 0xC88107);
	ck_assert_uint_eq(fb[4], 0x000000);
}
END_TEST

START_TEST(hostile_registers)
{
	unsigned w, h;
	char buf[4096];

	srand(42);
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 200; i++) {
			unsigned r = rand();

			switch (r % 5) {
			case 0: iobus_out(bus, 0x3B0 + rand() % 0x30, 1, rand()); break;
			case 1: iobus_out(bus, 0x1CE, 2, rand() % 16); iobus_out(bus, 0x1CF, 2, rand()); break;
			case 2: pmap_write(pm, 0xA0000 + rand() % 0x20000, 1 << (rand() % 3), rand()); break;
			case 3: (void)pmap_read(pm, 0xA0000 + rand() % 0x20000, 1); break;
			default: (void)iobus_in(bus, 0x3B0 + rand() % 0x30, 1 + (rand() & 1)); break;
			}
		}
		ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
		ck_assert_uint_le(w, FB_W);
		ck_assert_uint_le(h, FB_H);
		(void)vga_text_dump(vga, buf, sizeof(buf));
		ck_assert_uint_lt(strlen(buf), sizeof(buf));
	}
	/* Extreme but "legal" values. */
	vbe(4, 0); vbe(1, 2560); vbe(2, 1600); vbe(3, 32); vbe(4, 0xC1);
	vbe(6, 0xFFFF); vbe(8, 0xFFFF); vbe(9, 0xFFFF);
	ck_assert_int_eq(vga_render(vga, fb, FB_W, FB_H, &w, &h), 0);
	ck_assert_uint_eq(w, 2560);
}
END_TEST

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

START_TEST(png_roundtrip)
{
	static const uint32_t px[6] = { 0xFF0000, 0x00FF00, 0x0000FF, 0x123456, 0xFFFFFF, 0 };
	char path[] = "/tmp/check_vga_XXXXXX";
	uint8_t file[4096], out[64];
	int fd = mkstemp(path);
	size_t n, pos = 8;
	uLongf outlen = sizeof(out);
	bool seen_idat = false, seen_iend = false;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(png_write_xrgb(path, px, 3, 2), 0);
	ck_assert_int_eq(png_write_xrgb(path, px, 0, 2), -EINVAL);
	f = fopen(path, "rb");
	n = fread(file, 1, sizeof(file), f);
	fclose(f);
	unlink(path);
	ck_assert_int_eq(memcmp(file, "\x89PNG\r\n\x1a\n", 8), 0);
	while (pos + 12 <= n) {
		uint32_t len = get32(file + pos);
		const uint8_t *type = file + pos + 4;

		ck_assert_uint_le(pos + 12 + len, n);
		ck_assert_uint_eq(get32(file + pos + 8 + len), crc32(0, type, len + 4));
		if (!memcmp(type, "IHDR", 4)) {
			ck_assert_uint_eq(get32(type + 4), 3);
			ck_assert_uint_eq(get32(type + 8), 2);
			ck_assert_uint_eq(type[12], 8);
			ck_assert_uint_eq(type[13], 2);
		} else if (!memcmp(type, "IDAT", 4)) {
			ck_assert_int_eq(uncompress(out, &outlen, type + 4, len), Z_OK);
			ck_assert_uint_eq(outlen, 2 * (1 + 9));
			ck_assert_uint_eq(out[0], 0);
			ck_assert_int_eq(memcmp(out + 1, "\xff\0\0\0\xff\0\0\0\xff", 9), 0);
			ck_assert_int_eq(memcmp(out + 11, "\x12\x34\x56\xff\xff\xff\0\0\0", 9), 0);
			seen_idat = true;
		} else if (!memcmp(type, "IEND", 4)) {
			seen_iend = true;
		}
		pos += 12 + len;
	}
	ck_assert(seen_idat && seen_iend);
	ck_assert_uint_eq(pos, n);
}
END_TEST

START_TEST(rom_load)
{
	uint8_t *rom;
	size_t len;

	ck_assert_int_eq(vga_rom_load("/nonexistent/vgabios.bin", &rom, &len), -ENOENT);
	if (access(VGA_ROM_PATH, R_OK))
		return;
	ck_assert_int_eq(vga_rom_load(NULL, &rom, &len), 0);
	ck_assert_uint_eq(rom[0], 0x55);
	ck_assert_uint_eq(rom[1], 0xAA);
	ck_assert_uint_eq(len & (len - 1), 0);
	ck_assert_uint_ge(len, rom[2] * 512u);
	free(rom);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vga");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, text_dump);
	tcase_add_test(tc, text_render);
	tcase_add_test(tc, attr_flipflop);
	tcase_add_test(tc, dac_cycle);
	tcase_add_test(tc, planar_modes);
	tcase_add_test(tc, planar_render);
	tcase_add_test(tc, mode13h);
	tcase_add_test(tc, vbe_lfb);
	tcase_add_test(tc, hostile_registers);
	tcase_add_test(tc, png_roundtrip);
	tcase_add_test(tc, rom_load);
	suite_add_tcase(s, tc);
	return check_run(s);
}
