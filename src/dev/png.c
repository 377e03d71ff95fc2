/* PNG: signature, IHDR, one zlib-compressed IDAT (filter 0 on every row),
 * IEND.  Each chunk carries a CRC-32 over its type and data. */
#include "config.h"
#include "dev/png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, size_t len)
{
	uint8_t hdr[8], tail[4];
	uLong crc = crc32(0, (const Bytef *)type, 4);

	if (len > 0x7FFFFFFF)
		return -EFBIG;
	be32(hdr, (uint32_t)len);
	for (int i = 0; i < 4; i++)
		hdr[4 + i] = (uint8_t)type[i];
	if (len)
		crc = crc32(crc, data, (uInt)len);
	be32(tail, (uint32_t)crc);
	if (fwrite(hdr, 1, 8, f) != 8 || (len && fwrite(data, 1, len, f) != len) ||
	    fwrite(tail, 1, 4, f) != 4)
		return -EIO;
	return 0;
}

int png_write_xrgb(const char *path, const uint32_t *pixels, unsigned w, unsigned h)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	uint8_t ihdr[13] = { 0 };
	size_t row = (size_t)w * 3 + 1, raw_len;
	uint8_t *raw, *z;
	uLongf zlen;
	FILE *f;
	int r;

	if (!w || !h || w > 16384 || h > 16384 || !pixels)
		return -EINVAL;
	raw_len = row * h;
	raw = malloc(raw_len);
	zlen = compressBound(raw_len);
	z = malloc(zlen);
	if (!raw || !z) {
		free(raw);
		free(z);
		return -ENOMEM;
	}
	for (unsigned y = 0; y < h; y++) {
		uint8_t *p = raw + y * row;

		*p++ = 0;
		for (unsigned x = 0; x < w; x++) {
			uint32_t c = pixels[(size_t)y * w + x];

			*p++ = c >> 16; *p++ = c >> 8; *p++ = (uint8_t)c;
		}
	}
	r = compress2(z, &zlen, raw, raw_len, 6) == Z_OK ? 0 : -ENOMEM;
	free(raw);
	if (r) {
		free(z);
		return r;
	}
	be32(ihdr, w);
	be32(ihdr + 4, h);
	ihdr[8] = 8;	/* bit depth */
	ihdr[9] = 2;	/* truecolour RGB */
	f = fopen(path, "wb");
	if (!f) {
		r = -errno;
		free(z);
		return r;
	}
	if (fwrite(sig, 1, 8, f) != 8)
		r = -EIO;
	if (!r)
		r = chunk(f, "IHDR", ihdr, 13);
	if (!r)
		r = chunk(f, "IDAT", z, zlen);
	if (!r)
		r = chunk(f, "IEND", NULL, 0);
	free(z);
	if (fclose(f) && !r)
		r = -EIO;
	return r;
}
