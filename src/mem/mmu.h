/* Software MMU for an i686-class guest: linear -> guest physical translation
 * (no paging with the A20 gate, 2-level 4 KiB, PSE 4 MiB, PAE with 2 MiB
 * pages, NX, WP, U/S, global pages) and small per-access-kind TLBs that map a
 * linear page straight to a host pointer.
 *
 * Every physical access, including page-table reads and accessed/dirty bit
 * updates, goes through the pmap, so guest page tables pointing anywhere
 * (unassigned space reads as all ones) cannot reach host memory.
 *
 * Accessed bits are set only when a translation succeeds (on every entry it
 * used); the dirty bit on the final entry for writes.  PDPTEs are loaded by
 * mmu_set_control(), like a real CPU loads them on MOV to CR0/CR3/CR4. */
#ifndef HOSTVM_MEM_MMU_H
#define HOSTVM_MEM_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "mem/pmap.h"

#define MMU_TLB_SIZE 256
#define MMU_R 0
#define MMU_W 1
#define MMU_X 2
#define MMU_USER 4 /* OR-ed in: an access at CPL 3 (not implicit supervisor accesses) */

/* #PF error code bits. */
#define MMU_PF_P 0x01u
#define MMU_PF_W 0x02u
#define MMU_PF_U 0x04u
#define MMU_PF_RSVD 0x08u
#define MMU_PF_ID 0x10u

/* Control register bits the MMU looks at. */
#define MMU_CR0_WP (1u << 16)
#define MMU_CR0_PG (1u << 31)
#define MMU_CR4_PSE (1u << 4)
#define MMU_CR4_PAE (1u << 5)
#define MMU_CR4_PGE (1u << 7)
#define MMU_EFER_NXE (1ull << 11)

/* tag = linear page (lin & ~0xfff), or 1 = invalid (never page-aligned). */
struct mmu_tlb_entry {
	uint32_t tag;
	uintptr_t addend; /* host address of lin = addend + lin */
};

#define MMU_TLB_INVALID 1u

struct mmu {
	/* [user][R/W/X][(lin >> 12) & 255]: public for the inline lookup. */
	struct mmu_tlb_entry tlb[2][3][MMU_TLB_SIZE];
	/* Private below. */
	uint8_t tlb_global[2][3][MMU_TLB_SIZE]; /* entry came from a global page */
	struct pmap *pm;
	uint64_t gen;      /* pmap_generation() the TLB was filled under */
	uint32_t cr0, cr3, cr4;
	uint64_t efer;
	uint64_t a20_mask; /* ANDed into every physical address */
	uint64_t pdpte[4]; /* PAE PDPTE registers */
};

/* NULL on miss; else the host address of lin (addend + lin). */
static inline uint8_t *mmu_fast(struct mmu *m, uint32_t lin, unsigned acc)
{
	const struct mmu_tlb_entry *e =
		&m->tlb[(acc >> 2) & 1][acc & 3][(lin >> 12) & (MMU_TLB_SIZE - 1)];

	if (e->tag != (lin & ~0xfffu))
		return 0;
	return (uint8_t *)(e->addend + lin);
}

int mmu_init(struct mmu *m, struct pmap *pm); /* embeddable in struct cpu */
void mmu_fini(struct mmu *m);

/* Loads control state; flushes as the architecture requires (CR3 change:
 * non-global entries; PG/PAE/PSE/PGE/WP/NXE changes: all).  Every call with
 * paging on reloads the PAE PDPTEs and flushes non-global entries even when
 * CR3 is unchanged (MOV CR3 with the same value must flush), so the CPU
 * should call it for writes to CR0/CR3/CR4/EFER but not for CLTS-style TS
 * toggles.  Returns -1 if PAE PDPTEs are invalid (caller raises #GP(0));
 * the state is then left unchanged. */
int mmu_set_control(struct mmu *m, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint64_t efer);
void mmu_set_a20(struct mmu *m, bool enabled);
void mmu_invlpg(struct mmu *m, uint32_t lin);
void mmu_flush(struct mmu *m, bool global);
void mmu_flush_writes(struct mmu *m); /* drop all write entries: a page just became code */
void mmu_sync(struct mmu *m);         /* flush all if pmap_generation() changed */

/* host NULL: caller uses pmap_read/pmap_write(gpa) (MMIO, ROM writes, code pages...) */
struct mmu_xlate {
	gpa_t gpa;
	uint8_t *host;
};

/* Full walk: permission checks, sets accessed/dirty bits, fills the TLB when
 * host-backed.  Returns 0, or -1 with *pf_err = the #PF error code (the CPU
 * sets CR2 and raises #PF). */
int mmu_translate(struct mmu *m, uint32_t lin, unsigned acc, struct mmu_xlate *out,
		  uint32_t *pf_err);

#endif
