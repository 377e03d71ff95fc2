/* Guest physical address space.
 *
 * The pmap maps guest physical addresses to what backs them: RAM (host memory
 * allocated lazily and zero-filled by the kernel), ROM (read-only copies of
 * firmware), MMIO (device callbacks) and unassigned space (reads return all
 * ones, writes are dropped).  It is the only way into guest memory: the CPU's
 * soft MMU and every device DMA go through it, so no guest-chosen address can
 * reach host memory outside guest RAM.
 *
 * Granularity is the 4 KiB page.  Functions return 0 or a negative errno. */
#ifndef HOSTVM_MEM_PMAP_H
#define HOSTVM_MEM_PMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef uint64_t gpa_t;

#define PMAP_PAGE_SHIFT 12
#define PMAP_PAGE_SIZE (1u << PMAP_PAGE_SHIFT)
#define PMAP_PAGE_MASK (~(gpa_t)(PMAP_PAGE_SIZE - 1))
/* 36-bit physical addresses: what PAE can name. */
#define PMAP_PHYS_BITS 36
#define PMAP_PHYS_LIMIT ((gpa_t)1 << PMAP_PHYS_BITS)

/* Where RAM below 4 GiB ends at the most; the rest is mapped from 4 GiB up
 * (the i440FX "PCI hole"). */
#define PMAP_LOWMEM_MAX 0xE0000000u

/* Device callbacks for an MMIO region.  offset is relative to the region's
 * base; size is 1, 2 or 4.  Accesses never straddle a region boundary. */
struct mmio_ops {
	uint32_t (*read)(void *opaque, gpa_t offset, unsigned size);
	void (*write)(void *opaque, gpa_t offset, unsigned size, uint32_t val);
};

/* Called when something writes to a RAM page that holds translated code
 * (marked with pmap_set_code()); the CPU drops its translations of that page.
 * gpa/len are the bytes written.  Runs before the write becomes visible. */
typedef void (*pmap_code_write_fn)(void *opaque, gpa_t gpa, size_t len);

struct pmap;

/* Creates a physical address space with ram_size bytes of RAM (a multiple of
 * 1 MiB): [0, min(ram_size, PMAP_LOWMEM_MAX)) and the remainder from 4 GiB. */
int pmap_create(uint64_t ram_size, struct pmap **out);
void pmap_destroy(struct pmap *pm);

uint64_t pmap_ram_size(const struct pmap *pm);
uint64_t pmap_lowmem_size(const struct pmap *pm);

/* Maps a read-only copy of len bytes (a multiple of 4 KiB) at base, which
 * must not overlap RAM below 1 MiB's ROM window unless it is that window
 * (0xC0000-0xFFFFF: see pmap_set_shadow()). */
int pmap_add_rom(struct pmap *pm, gpa_t base, const void *data, size_t len);

/* Registers an MMIO region; base and len page-aligned.  A region can move
 * (PCI BARs) with pmap_move_mmio() and go with pmap_del_mmio(). */
int pmap_add_mmio(struct pmap *pm, gpa_t base, uint64_t len,
		  const struct mmio_ops *ops, void *opaque);
int pmap_move_mmio(struct pmap *pm, void *opaque, gpa_t old_base, gpa_t new_base);
int pmap_del_mmio(struct pmap *pm, void *opaque, gpa_t base);

/* Shadow RAM below 1 MiB (the i440FX PAM registers): for the pages of
 * [base, base+len) inside 0xC0000-0xFFFFF, read_ram selects whether reads
 * come from RAM (else from the ROM mapped there, or all ones), write_ram
 * whether writes reach RAM (else they are dropped). */
void pmap_set_shadow(struct pmap *pm, gpa_t base, uint32_t len, bool read_ram, bool write_ram);

/* Fast path for the soft MMU: a host pointer to the 4 KiB page holding gpa,
 * valid for reads (write=false) or writes (write=true), or NULL when the
 * access must take the slow path (MMIO, unassigned, ROM for writes, a code
 * page for writes).  The pointer stays valid until pmap_generation() changes. */
uint8_t *pmap_page_ptr(struct pmap *pm, gpa_t gpa, bool write);

/* Bumped whenever the layout changes (shadow settings, regions added, moved
 * or removed): soft TLBs and translation caches flush when they see a new
 * value.  Code marks do not bump it: whoever marks a page as code (the
 * translator) drops its own cached write pointers to that page. */
uint64_t pmap_generation(const struct pmap *pm);
/* The same counter for per-TU polling without a call (never NULL). */
const uint64_t *pmap_generation_ptr(const struct pmap *pm);

/* Slow path, any kind of memory.  size is 1, 2 or 4; little-endian. */
uint32_t pmap_read(struct pmap *pm, gpa_t gpa, unsigned size);
void pmap_write(struct pmap *pm, gpa_t gpa, unsigned size, uint32_t val);

/* Bulk copies for DMA and loaders.  Bytes in unassigned space read as 0xFF;
 * writes there or to ROM are dropped; MMIO is accessed bytewise.  Writes to
 * code pages notify the code-write hook first. */
void pmap_read_buf(struct pmap *pm, gpa_t gpa, void *buf, size_t len);
void pmap_write_buf(struct pmap *pm, gpa_t gpa, const void *buf, size_t len);

/* True when [gpa, gpa+len) lies wholly in RAM. */
bool pmap_is_ram(const struct pmap *pm, gpa_t gpa, uint64_t len);

/* Translated-code tracking (self-modifying code and DMA into code). */
void pmap_set_code_hook(struct pmap *pm, pmap_code_write_fn fn, void *opaque);
void pmap_set_code(struct pmap *pm, gpa_t gpa);   /* page now holds code */
void pmap_clear_code(struct pmap *pm, gpa_t gpa); /* page's code is gone */
bool pmap_is_code(const struct pmap *pm, gpa_t gpa);

#endif
