/* fw_cfg.  Entries are byte blobs indexed by a 16-bit key; files get keys
 * from 0x20 up and a big-endian directory at key 0x19.  The DMA interface
 * reads a big-endian FWCfgDmaAccess {control, length, address} from guest
 * memory, performs it through the pmap (never touching host memory outside
 * guest RAM) and writes the control word back. */
#include "config.h"
#include "dev/fw_cfg.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DMA 0x514
#define FW_CFG_KEYS     (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)

#define DMA_ERROR  0x01
#define DMA_READ   0x02
#define DMA_SKIP   0x04
#define DMA_SELECT 0x08
#define DMA_WRITE  0x10

struct fw_cfg_entry {
	uint8_t *data;
	uint32_t len;
};

struct fw_cfg {
	struct fw_cfg_entry e[FW_CFG_KEYS];
	char names[FW_CFG_MAX_FILES][FW_CFG_NAME_LEN];
	unsigned nfiles;
	uint16_t sel;
	uint32_t off;
	uint32_t dma_hi;
	struct iobus *bus;
	struct pmap *pm;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static struct fw_cfg_entry *fc_entry(struct fw_cfg *fc, uint16_t key)
{
	/* Bit 15 marks architecture-local items (QEMU's legacy ACPI/SMBIOS
	 * lists): we have none, and they must read as absent, not alias the
	 * generic keys.  Bit 14 is the old write flag. */
	if (key & 0x8000)
		return NULL;
	key &= 0x3fff;
	return key < FW_CFG_KEYS ? &fc->e[key] : NULL;
}

int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data, size_t len)
{
	if (key >= FW_CFG_KEYS || len > UINT32_MAX)
		return -EINVAL;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	free(fc->e[key].data);
	fc->e[key].data = copy;
	fc->e[key].len = (uint32_t)len;
	return 0;
}

int fw_cfg_add_i16(struct fw_cfg *fc, uint16_t key, uint16_t v)
{
	uint8_t b[2];
	put_le(b, v, 2);
	return fw_cfg_add_bytes(fc, key, b, 2);
}

int fw_cfg_add_i32(struct fw_cfg *fc, uint16_t key, uint32_t v)
{
	uint8_t b[4];
	put_le(b, v, 4);
	return fw_cfg_add_bytes(fc, key, b, 4);
}

int fw_cfg_add_i64(struct fw_cfg *fc, uint16_t key, uint64_t v)
{
	uint8_t b[8];
	put_le(b, v, 8);
	return fw_cfg_add_bytes(fc, key, b, 8);
}

/* Regenerates the file directory: be32 count, then 64-byte entries
 * {be32 size, be16 key, be16 reserved, name[56]}. */
static int fc_update_dir(struct fw_cfg *fc)
{
	size_t len = 4 + (size_t)fc->nfiles * 64;
	uint8_t *d = calloc(1, len);
	int r;

	if (!d)
		return -ENOMEM;
	put_be32(d, fc->nfiles);
	for (unsigned i = 0; i < fc->nfiles; i++) {
		uint8_t *p = d + 4 + i * 64;
		put_be32(p, fc->e[FW_CFG_FILE_FIRST + i].len);
		p[4] = (uint8_t)((FW_CFG_FILE_FIRST + i) >> 8);
		p[5] = (uint8_t)(FW_CFG_FILE_FIRST + i);
		memcpy(p + 8, fc->names[i], FW_CFG_NAME_LEN);
	}
	r = fw_cfg_add_bytes(fc, FW_CFG_FILE_DIR, d, len);
	free(d);
	return r;
}

int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len)
{
	size_t nlen = strlen(name);
	int r;

	if (nlen >= FW_CFG_NAME_LEN)
		return -ENAMETOOLONG;
	for (unsigned i = 0; i < fc->nfiles; i++)
		if (!strcmp(fc->names[i], name))
			return -EEXIST;
	if (fc->nfiles == FW_CFG_MAX_FILES)
		return -ENOSPC;
	r = fw_cfg_add_bytes(fc, (uint16_t)(FW_CFG_FILE_FIRST + fc->nfiles), data, len);
	if (r < 0)
		return r;
	memset(fc->names[fc->nfiles], 0, FW_CFG_NAME_LEN);
	memcpy(fc->names[fc->nfiles], name, nlen);
	fc->nfiles++;
	return fc_update_dir(fc);
}

int fw_cfg_add_e820(struct fw_cfg *fc, uint64_t ram_size, uint64_t lowmem_top)
{
	uint8_t t[2 * 20];
	unsigned n = 0;
	uint64_t low = ram_size < lowmem_top ? ram_size : lowmem_top;

	memset(t, 0, sizeof(t));
	/* {le64 address, le64 length, le32 type}; type 1 is RAM. */
	put_le(t, 0, 8);
	put_le(t + 8, low, 8);
	put_le(t + 16, 1, 4);
	n++;
	if (ram_size > low) {
		put_le(t + 20, 1ull << 32, 8);
		put_le(t + 28, ram_size - low, 8);
		put_le(t + 36, 1, 4);
		n++;
	}
	return fw_cfg_add_file(fc, "etc/e820", t, n * 20);
}

static void fc_select(struct fw_cfg *fc, uint16_t key)
{
	fc->sel = key;
	fc->off = 0;
}

static uint8_t fc_read_byte(struct fw_cfg *fc)
{
	struct fw_cfg_entry *e = fc_entry(fc, fc->sel);

	if (!e || !e->data || fc->off >= e->len)
		return 0;
	return e->data[fc->off++];
}

/* Runs the DMA request whose descriptor is at guest address gpa. */
static void fc_dma(struct fw_cfg *fc, uint64_t gpa)
{
	uint8_t desc[16];
	uint8_t buf[256];

	if (!pmap_is_ram(fc->pm, gpa, sizeof(desc)))
		return;
	pmap_read_buf(fc->pm, gpa, desc, sizeof(desc));
	uint32_t ctl = get_be32(desc);
	uint32_t len = get_be32(desc + 4);
	uint64_t addr = (uint64_t)get_be32(desc + 8) << 32 | get_be32(desc + 12);
	bool err = false;

	if (ctl & DMA_SELECT)
		fc_select(fc, (uint16_t)(ctl >> 16));
	struct fw_cfg_entry *e = fc_entry(fc, fc->sel);
	if (ctl & DMA_WRITE) {
		err = true;     /* no entry is writable */
	} else if (ctl & (DMA_READ | DMA_SKIP)) {
		uint32_t avail = e && e->data && fc->off < e->len ? e->len - fc->off : 0;
		uint32_t n = len < avail ? len : avail;
		if (ctl & DMA_READ) {
			/* The destination must be guest RAM, wholly. */
			if (len && (addr + len < addr || !pmap_is_ram(fc->pm, addr, len))) {
				err = true;
			} else {
				if (n)
					pmap_write_buf(fc->pm, addr, e->data + fc->off, n);
				/* Past the end of the item the guest reads zeros. */
				memset(buf, 0, sizeof(buf));
				for (uint32_t done = n; done < len;) {
					uint32_t k = len - done < sizeof(buf) ? len - done : sizeof(buf);
					pmap_write_buf(fc->pm, addr + done, buf, k);
					done += k;
				}
			}
		}
		if (!err)
			fc->off += n;
	}
	uint8_t out[4];
	put_be32(out, err ? DMA_ERROR : 0);
	pmap_write_buf(fc->pm, gpa, out, 4);
}

static uint32_t fc_in(void *opaque, uint16_t port, unsigned size)
{
	struct fw_cfg *fc = opaque;

	if (port == FW_CFG_PORT_SEL + 1) {
		uint32_t v = 0;
		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)fc_read_byte(fc) << (8 * i);
		return v;
	}
	if (port >= FW_CFG_PORT_DMA) {
		/* The DMA registers read as the signature "QEMU CFG" (big-endian). */
		static const char sig[] = "QEMU CFG";
		uint32_t v = 0;
		unsigned o = port - FW_CFG_PORT_DMA;
		for (unsigned i = 0; i < size && o + i < 8; i++)
			v |= (uint32_t)(uint8_t)sig[o + i] << (8 * i);
		return v;
	}
	return 0;
}

static uint32_t bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static void fc_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct fw_cfg *fc = opaque;

	if (port == FW_CFG_PORT_SEL && size >= 2) {
		fc_select(fc, (uint16_t)val);
	} else if (port == FW_CFG_PORT_DMA && size == 4) {
		fc->dma_hi = bswap32(val);
	} else if (port == FW_CFG_PORT_DMA + 4 && size == 4) {
		/* Writing the low half starts the transfer. */
		fc_dma(fc, (uint64_t)fc->dma_hi << 32 | bswap32(val));
		fc->dma_hi = 0;
	}
}

static const struct pio_ops fc_ops = { fc_in, fc_out };

void fw_cfg_reset(struct fw_cfg *fc)
{
	if (!fc)
		return;
	fc_select(fc, 0);
	fc->dma_hi = 0;
}

int fw_cfg_create(struct iobus *bus, struct pmap *pm, struct fw_cfg **out)
{
	struct fw_cfg *fc = calloc(1, sizeof(*fc));
	int r;

	if (!fc)
		return -ENOMEM;
	fc->bus = bus;
	fc->pm = pm;
	if ((r = fw_cfg_add_bytes(fc, FW_CFG_SIGNATURE, "QEMU", 4)) < 0 ||
	    (r = fw_cfg_add_i32(fc, FW_CFG_ID, 3)) < 0 ||      /* traditional + DMA */
	    (r = fc_update_dir(fc)) < 0 ||
	    (r = iobus_register(bus, FW_CFG_PORT_SEL, 2, &fc_ops, fc)) < 0)
		goto fail;
	if ((r = iobus_register(bus, FW_CFG_PORT_DMA, 8, &fc_ops, fc)) < 0) {
		iobus_unregister(bus, FW_CFG_PORT_SEL, 2, fc);
		goto fail;
	}
	*out = fc;
	return 0;
fail:
	for (unsigned i = 0; i < FW_CFG_KEYS; i++)
		free(fc->e[i].data);
	free(fc);
	return r;
}

void fw_cfg_destroy(struct fw_cfg *fc)
{
	if (!fc)
		return;
	iobus_unregister(fc->bus, FW_CFG_PORT_SEL, 2, fc);
	iobus_unregister(fc->bus, FW_CFG_PORT_DMA, 8, fc);
	for (unsigned i = 0; i < FW_CFG_KEYS; i++)
		free(fc->e[i].data);
	free(fc);
}
