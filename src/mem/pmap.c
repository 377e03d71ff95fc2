/* Guest physical address space: RAM, ROM, MMIO, shadow RAM and unassigned
 * space.  See pmap.h for the contract. */
#include "config.h"
#include "mem/pmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SHADOW_BASE 0xC0000u
#define SHADOW_END 0x100000u
#define SHADOW_PAGES ((SHADOW_END - SHADOW_BASE) >> PMAP_PAGE_SHIFT)
#define LEGACY_VGA_BASE 0xA0000u
#define MAX_REGIONS 64

struct region {
	gpa_t base;
	uint64_t len;
	const struct mmio_ops *ops; /* NULL for ROM */
	void *opaque;
	uint8_t *rom;               /* ROM contents, len bytes */
};

struct pmap {
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t low_size;          /* RAM below 4 GiB */
	uint8_t *code;              /* one flag byte per RAM page */
	uint64_t generation;
	bool shadow_read[SHADOW_PAGES];
	bool shadow_write[SHADOW_PAGES];
	struct region regions[MAX_REGIONS];
	unsigned nregions;
	pmap_code_write_fn code_hook;
	void *code_opaque;
};

int pmap_create(uint64_t ram_size, struct pmap **out)
{
	struct pmap *pm;

	*out = NULL;
	if (ram_size < (1u << 20) || (ram_size & ((1u << 20) - 1)))
		return -EINVAL;
	if (ram_size > PMAP_PHYS_LIMIT - ((gpa_t)4 << 30) + PMAP_LOWMEM_MAX)
		return -E2BIG;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	/* MAP_NORESERVE + anonymous: pages exist only once touched, and the
	 * kernel hands them to us zeroed. */
	pm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pm->ram == MAP_FAILED) {
		free(pm);
		return -ENOMEM;
	}
	pm->code = calloc(ram_size >> PMAP_PAGE_SHIFT, 1);
	if (!pm->code) {
		munmap(pm->ram, ram_size);
		free(pm);
		return -ENOMEM;
	}
	pm->ram_size = ram_size;
	pm->low_size = ram_size < PMAP_LOWMEM_MAX ? ram_size : PMAP_LOWMEM_MAX;
	*out = pm;
	return 0;
}

void pmap_destroy(struct pmap *pm)
{
	if (!pm)
		return;
	for (unsigned i = 0; i < pm->nregions; i++)
		free(pm->regions[i].rom);
	free(pm->code);
	munmap(pm->ram, pm->ram_size);
	free(pm);
}

uint64_t pmap_ram_size(const struct pmap *pm) { return pm->ram_size; }
uint64_t pmap_lowmem_size(const struct pmap *pm) { return pm->low_size; }
uint64_t pmap_generation(const struct pmap *pm) { return pm->generation; }
const uint64_t *pmap_generation_ptr(const struct pmap *pm) { return &pm->generation; }

/* Offset into pm->ram of gpa if RAM lies there (ignoring the legacy windows,
 * which the callers handle first), or -1. */
static int64_t ram_offset(const struct pmap *pm, gpa_t gpa)
{
	if (gpa < pm->low_size)
		return (int64_t)gpa;
	if (gpa >= ((gpa_t)4 << 30) && gpa - ((gpa_t)4 << 30) < pm->ram_size - pm->low_size)
		return (int64_t)(gpa - ((gpa_t)4 << 30) + pm->low_size);
	return -1;
}

static struct region *find_region(struct pmap *pm, gpa_t gpa)
{
	for (unsigned i = 0; i < pm->nregions; i++) {
		struct region *r = &pm->regions[i];
		if (gpa >= r->base && gpa - r->base < r->len)
			return r;
	}
	return NULL;
}

static bool in_shadow(gpa_t gpa) { return gpa >= SHADOW_BASE && gpa < SHADOW_END; }
static bool in_vga_window(gpa_t gpa) { return gpa >= LEGACY_VGA_BASE && gpa < SHADOW_BASE; }

static bool ranges_overlap(gpa_t a, uint64_t alen, gpa_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int add_region(struct pmap *pm, gpa_t base, uint64_t len, struct region *proto)
{
	if (!len || (base & ~PMAP_PAGE_MASK) || (len & (PMAP_PAGE_SIZE - 1)) ||
	    base >= PMAP_PHYS_LIMIT || len > PMAP_PHYS_LIMIT - base)
		return -EINVAL;
	for (unsigned i = 0; i < pm->nregions; i++)
		if (ranges_overlap(base, len, pm->regions[i].base, pm->regions[i].len))
			return -EBUSY;
	if (pm->nregions == MAX_REGIONS)
		return -ENOSPC;
	proto->base = base;
	proto->len = len;
	pm->regions[pm->nregions++] = *proto;
	pm->generation++;
	return 0;
}

int pmap_add_rom(struct pmap *pm, gpa_t base, const void *data, size_t len)
{
	struct region r = { 0 };
	int err;

	r.rom = malloc(len ? len : 1);
	if (!r.rom)
		return -ENOMEM;
	memcpy(r.rom, data, len);
	err = add_region(pm, base, len, &r);
	if (err)
		free(r.rom);
	return err;
}

int pmap_add_mmio(struct pmap *pm, gpa_t base, uint64_t len,
		  const struct mmio_ops *ops, void *opaque)
{
	struct region r = { .ops = ops, .opaque = opaque };

	if (!ops)
		return -EINVAL;
	return add_region(pm, base, len, &r);
}

static struct region *find_mmio(struct pmap *pm, void *opaque, gpa_t base)
{
	for (unsigned i = 0; i < pm->nregions; i++)
		if (pm->regions[i].ops && pm->regions[i].opaque == opaque &&
		    pm->regions[i].base == base)
			return &pm->regions[i];
	return NULL;
}

int pmap_move_mmio(struct pmap *pm, void *opaque, gpa_t old_base, gpa_t new_base)
{
	struct region *r = find_mmio(pm, opaque, old_base);
	struct region copy;

	if (!r)
		return -ENOENT;
	copy = *r;
	*r = pm->regions[--pm->nregions];
	return add_region(pm, new_base, copy.len, &copy);
}

int pmap_del_mmio(struct pmap *pm, void *opaque, gpa_t base)
{
	struct region *r = find_mmio(pm, opaque, base);

	if (!r)
		return -ENOENT;
	*r = pm->regions[--pm->nregions];
	pm->generation++;
	return 0;
}

void pmap_set_shadow(struct pmap *pm, gpa_t base, uint32_t len, bool read_ram, bool write_ram)
{
	for (gpa_t a = base & PMAP_PAGE_MASK; a < base + len; a += PMAP_PAGE_SIZE) {
		if (!in_shadow(a))
			continue;
		pm->shadow_read[(a - SHADOW_BASE) >> PMAP_PAGE_SHIFT] = read_ram;
		pm->shadow_write[(a - SHADOW_BASE) >> PMAP_PAGE_SHIFT] = write_ram;
	}
	/* What a fetch from these addresses returns may have changed. */
	pm->generation++;
}

static uint8_t *rom_ptr(struct pmap *pm, gpa_t gpa)
{
	struct region *r = find_region(pm, gpa);

	if (r && !r->ops)
		return r->rom + ((gpa & PMAP_PAGE_MASK) - r->base);
	return NULL;
}

uint8_t *pmap_page_ptr(struct pmap *pm, gpa_t gpa, bool write)
{
	int64_t off;

	gpa &= PMAP_PAGE_MASK;
	if (in_vga_window(gpa))
		return NULL;
	if (in_shadow(gpa)) {
		unsigned i = (gpa - SHADOW_BASE) >> PMAP_PAGE_SHIFT;
		if (write ? !pm->shadow_write[i] : !pm->shadow_read[i])
			return write ? NULL : rom_ptr(pm, gpa);
	}
	off = ram_offset(pm, gpa);
	if (off >= 0) {
		if (write && pm->code[off >> PMAP_PAGE_SHIFT])
			return NULL;
		return pm->ram + off;
	}
	return write ? NULL : rom_ptr(pm, gpa);
}

bool pmap_is_ram(const struct pmap *pm, gpa_t gpa, uint64_t len)
{
	int64_t a = ram_offset(pm, gpa);

	if (!len || a < 0 || len > pm->ram_size)
		return false;
	return ram_offset(pm, gpa + len - 1) == a + (int64_t)len - 1;
}

/* One byte, any kind of memory.  The per-byte path is only for MMIO,
 * unassigned space and accesses that straddle pages. */
static uint8_t read_byte(struct pmap *pm, gpa_t gpa)
{
	uint8_t *p = pmap_page_ptr(pm, gpa, false);
	struct region *r;

	if (p)
		return p[gpa & (PMAP_PAGE_SIZE - 1)];
	r = find_region(pm, gpa);
	if (r && r->ops)
		return (uint8_t)r->ops->read(r->opaque, gpa - r->base, 1);
	return 0xFF;
}

static void notify_code(struct pmap *pm, gpa_t gpa, size_t len)
{
	int64_t off = ram_offset(pm, gpa);

	if (off >= 0 && pm->code[off >> PMAP_PAGE_SHIFT] && pm->code_hook)
		pm->code_hook(pm->code_opaque, gpa, len);
}

/* Where a write to gpa lands once notify_code() has run: the RAM page even
 * when it stays marked as code (the CPU keeps the mark while other
 * translations on the page remain), or NULL when gpa is not writable RAM. */
static uint8_t *write_ptr_after_notify(struct pmap *pm, gpa_t gpa)
{
	uint8_t *p = pmap_page_ptr(pm, gpa, true);
	int64_t off;

	if (p || in_vga_window(gpa & PMAP_PAGE_MASK))
		return p;
	if (in_shadow(gpa) && !pm->shadow_write[(gpa - SHADOW_BASE) >> PMAP_PAGE_SHIFT])
		return NULL;
	off = ram_offset(pm, gpa & PMAP_PAGE_MASK);
	return off >= 0 ? pm->ram + off : NULL;
}

static void write_byte(struct pmap *pm, gpa_t gpa, uint8_t v)
{
	uint8_t *p = pmap_page_ptr(pm, gpa, true);
	struct region *r;

	if (!p) {
		notify_code(pm, gpa, 1);
		p = write_ptr_after_notify(pm, gpa);
	}
	if (p) {
		p[gpa & (PMAP_PAGE_SIZE - 1)] = v;
		return;
	}
	r = find_region(pm, gpa);
	if (r && r->ops && !(in_shadow(gpa) && pm->shadow_write[(gpa - SHADOW_BASE) >> PMAP_PAGE_SHIFT]))
		r->ops->write(r->opaque, gpa - r->base, 1, v);
}

static bool same_page(gpa_t gpa, unsigned size)
{
	return ((gpa & (PMAP_PAGE_SIZE - 1)) + size) <= PMAP_PAGE_SIZE;
}

uint32_t pmap_read(struct pmap *pm, gpa_t gpa, unsigned size)
{
	uint32_t v = 0;

	if (same_page(gpa, size)) {
		uint8_t *p = pmap_page_ptr(pm, gpa, false);
		struct region *r;

		if (p) {
			memcpy(&v, p + (gpa & (PMAP_PAGE_SIZE - 1)), size);
			return v;
		}
		r = find_region(pm, gpa);
		if (r && r->ops && gpa + size <= r->base + r->len)
			return r->ops->read(r->opaque, gpa - r->base, size);
	}
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)read_byte(pm, gpa + i) << (8 * i);
	return v;
}

void pmap_write(struct pmap *pm, gpa_t gpa, unsigned size, uint32_t val)
{
	if (same_page(gpa, size)) {
		uint8_t *p = pmap_page_ptr(pm, gpa, true);
		struct region *r;

		if (!p) {
			notify_code(pm, gpa, size);
			p = write_ptr_after_notify(pm, gpa);
		}
		if (p) {
			memcpy(p + (gpa & (PMAP_PAGE_SIZE - 1)), &val, size);
			return;
		}
		r = find_region(pm, gpa);
		if (r && r->ops && gpa + size <= r->base + r->len &&
		    !(in_shadow(gpa) && pm->shadow_write[(gpa - SHADOW_BASE) >> PMAP_PAGE_SHIFT])) {
			r->ops->write(r->opaque, gpa - r->base, size, val);
			return;
		}
		if (!r || !r->ops)
			return;
	}
	for (unsigned i = 0; i < size; i++)
		write_byte(pm, gpa + i, (uint8_t)(val >> (8 * i)));
}

void pmap_read_buf(struct pmap *pm, gpa_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		size_t chunk = PMAP_PAGE_SIZE - (gpa & (PMAP_PAGE_SIZE - 1));
		uint8_t *p = gpa < PMAP_PHYS_LIMIT ? pmap_page_ptr(pm, gpa, false) : NULL;

		if (chunk > len)
			chunk = len;
		if (p)
			memcpy(out, p + (gpa & (PMAP_PAGE_SIZE - 1)), chunk);
		else
			for (size_t i = 0; i < chunk; i++)
				out[i] = gpa + i < PMAP_PHYS_LIMIT ? read_byte(pm, gpa + i) : 0xFF;
		out += chunk;
		gpa += chunk;
		len -= chunk;
	}
}

void pmap_write_buf(struct pmap *pm, gpa_t gpa, const void *buf, size_t len)
{
	const uint8_t *in = buf;

	while (len) {
		size_t chunk = PMAP_PAGE_SIZE - (gpa & (PMAP_PAGE_SIZE - 1));
		uint8_t *p;

		if (chunk > len)
			chunk = len;
		if (gpa >= PMAP_PHYS_LIMIT)
			return;
		p = pmap_page_ptr(pm, gpa, true);
		if (!p) {
			notify_code(pm, gpa, chunk);
			p = write_ptr_after_notify(pm, gpa);
		}
		if (p)
			memcpy(p + (gpa & (PMAP_PAGE_SIZE - 1)), in, chunk);
		else
			for (size_t i = 0; i < chunk; i++)
				write_byte(pm, gpa + i, in[i]);
		in += chunk;
		gpa += chunk;
		len -= chunk;
	}
}

void pmap_set_code_hook(struct pmap *pm, pmap_code_write_fn fn, void *opaque)
{
	pm->code_hook = fn;
	pm->code_opaque = opaque;
}

void pmap_set_code(struct pmap *pm, gpa_t gpa)
{
	int64_t off = ram_offset(pm, gpa);

	if (off >= 0)
		pm->code[off >> PMAP_PAGE_SHIFT] = 1;
}

void pmap_clear_code(struct pmap *pm, gpa_t gpa)
{
	int64_t off = ram_offset(pm, gpa);

	if (off >= 0)
		pm->code[off >> PMAP_PAGE_SHIFT] = 0;
}

bool pmap_is_code(const struct pmap *pm, gpa_t gpa)
{
	int64_t off = ram_offset(pm, gpa);

	return off >= 0 && pm->code[off >> PMAP_PAGE_SHIFT];
}
