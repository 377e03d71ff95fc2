/* Software MMU: page walks (Intel SDM vol. 3 ch. 4) and the soft TLB. */
#include "config.h"
#include "mem/mmu.h"

#include <errno.h>
#include <string.h>

#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_PS 0x080u
#define PTE_G 0x100u
#define PTE_NX (1ull << 63)

/* Physical address bits of a PAE entry (MAXPHYADDR = 36). */
#define PAE_ADDR_MASK 0x0000000ffffff000ull
/* PAE PDPTE reserved bits: 2:1, 8:5, 63:36. */
#define PDPTE_RSVD (0xfff0000000000000ull | 0x000ff00000000000ull | 0x00000f0000000000ull | \
		    0x000000f000000000ull | 0x1e6ull)
/* PAE PDE/PTE: bits 62:36 (63 unless NXE). */
#define PAE_RSVD 0x7ffffff000000000ull
/* Extra for a PAE 2 MiB PDE: bits 20:13. */
#define PAE_2M_RSVD 0x1fe000ull
/* Extra for a PSE 4 MiB PDE with a 36-bit address space: bits 21:17. */
#define PSE_4M_RSVD 0x3e0000u

static void flush_entries(struct mmu *m, bool global)
{
	for (int u = 0; u < 2; u++)
		for (int k = 0; k < 3; k++)
			for (int i = 0; i < MMU_TLB_SIZE; i++)
				if (global || !m->tlb_global[u][k][i]) {
					m->tlb[u][k][i].tag = MMU_TLB_INVALID;
					m->tlb_global[u][k][i] = 0;
				}
}

int mmu_init(struct mmu *m, struct pmap *pm)
{
	if (!m || !pm)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->pm = pm;
	m->gen = pmap_generation(pm);
	m->a20_mask = ~0ull;
	flush_entries(m, true);
	return 0;
}

void mmu_fini(struct mmu *m)
{
	if (!m)
		return;
	flush_entries(m, true);
	m->pm = NULL;
}

void mmu_flush(struct mmu *m, bool global)
{
	flush_entries(m, global);
}

void mmu_flush_writes(struct mmu *m)
{
	for (int u = 0; u < 2; u++)
		for (int i = 0; i < MMU_TLB_SIZE; i++) {
			m->tlb[u][MMU_W][i].tag = MMU_TLB_INVALID;
			m->tlb_global[u][MMU_W][i] = 0;
		}
}

void mmu_sync(struct mmu *m)
{
	uint64_t g = pmap_generation(m->pm);

	if (g != m->gen) {
		flush_entries(m, true);
		m->gen = g;
	}
}

void mmu_invlpg(struct mmu *m, uint32_t lin)
{
	unsigned i = (lin >> 12) & (MMU_TLB_SIZE - 1);

	/* A large page's entries are filled per 4 KiB page, so one slot per
	 * kind holds everything cached for this linear page. */
	for (int u = 0; u < 2; u++)
		for (int k = 0; k < 3; k++)
			if (m->tlb[u][k][i].tag == (lin & ~0xfffu)) {
				m->tlb[u][k][i].tag = MMU_TLB_INVALID;
				m->tlb_global[u][k][i] = 0;
			}
}

void mmu_set_a20(struct mmu *m, bool enabled)
{
	uint64_t mask = enabled ? ~0ull : ~(1ull << 20);

	if (mask != m->a20_mask) {
		m->a20_mask = mask;
		flush_entries(m, true);
	}
}

static uint64_t read_phys64(struct mmu *m, gpa_t gpa)
{
	uint64_t lo = pmap_read(m->pm, gpa & m->a20_mask, 4);
	uint64_t hi = pmap_read(m->pm, (gpa + 4) & m->a20_mask, 4);

	return lo | hi << 32;
}

static bool paging(uint32_t cr0)
{
	return cr0 & MMU_CR0_PG;
}

int mmu_set_control(struct mmu *m, uint32_t cr0, uint32_t cr3, uint32_t cr4, uint64_t efer)
{
	const uint32_t cr0_bits = MMU_CR0_PG | MMU_CR0_WP;
	const uint32_t cr4_bits = MMU_CR4_PSE | MMU_CR4_PAE | MMU_CR4_PGE;
	uint64_t pdpte[4];
	bool full;

	if (paging(cr0) && (cr4 & MMU_CR4_PAE)) {
		gpa_t base = cr3 & 0xffffffe0u;

		for (int i = 0; i < 4; i++) {
			pdpte[i] = read_phys64(m, base + 8 * i);
			if ((pdpte[i] & PTE_P) && (pdpte[i] & PDPTE_RSVD))
				return -1;
		}
		memcpy(m->pdpte, pdpte, sizeof(pdpte));
	}
	full = ((cr0 ^ m->cr0) & cr0_bits) || ((cr4 ^ m->cr4) & cr4_bits) ||
	       ((efer ^ m->efer) & MMU_EFER_NXE);
	m->cr0 = cr0;
	m->cr3 = cr3;
	m->cr4 = cr4;
	m->efer = efer;
	if (full)
		flush_entries(m, true);
	else if (paging(cr0))
		flush_entries(m, false);
	return 0;
}

/* Sets bits in the low dword of the entry at gpa if missing: a guest
 * memory write through the slow path (it may hit a code page). */
static void set_bits(struct mmu *m, gpa_t gpa, uint64_t entry, uint32_t bits)
{
	if (((uint32_t)entry & bits) != bits)
		pmap_write(m->pm, gpa & m->a20_mask, 4, (uint32_t)entry | bits);
}

struct walk {
	gpa_t gpa;          /* physical address of lin */
	bool global;
	bool user_ok;       /* U/S set at every level */
	bool write_ok;      /* R/W set at every level */
	bool nx;            /* XD at some level (NXE on) */
	int n;              /* entries used */
	gpa_t ent_addr[3];
	uint64_t ent[3];
};

static uint32_t fault(unsigned acc, uint32_t bits, bool id_ok)
{
	uint32_t e = bits;

	if ((acc & 3) == MMU_W)
		e |= MMU_PF_W;
	if (acc & MMU_USER)
		e |= MMU_PF_U;
	if ((acc & 3) == MMU_X && id_ok)
		e |= MMU_PF_ID;
	return e;
}

static void use_entry(struct walk *w, gpa_t addr, uint64_t e)
{
	w->ent_addr[w->n] = addr;
	w->ent[w->n] = e;
	w->n++;
	w->user_ok = w->user_ok && (e & PTE_U);
	w->write_ok = w->write_ok && (e & PTE_W);
}

/* Returns 0, or the #PF error bits (P or P|RSVD) of a failed walk. */
static uint32_t walk_2level(struct mmu *m, uint32_t lin, struct walk *w)
{
	gpa_t pde_addr = (m->cr3 & 0xfffff000u) | ((lin >> 22) << 2);
	uint32_t pde = pmap_read(m->pm, pde_addr & m->a20_mask, 4);
	gpa_t pte_addr;
	uint32_t pte;

	if (!(pde & PTE_P))
		return 0x100; /* not present, reported as P=0 */
	if ((pde & PTE_PS) && (m->cr4 & MMU_CR4_PSE)) {
		if (pde & PSE_4M_RSVD)
			return MMU_PF_P | MMU_PF_RSVD;
		use_entry(w, pde_addr, pde);
		w->gpa = ((gpa_t)(pde & 0xffc00000u) | ((gpa_t)((pde >> 13) & 0xf) << 32)) |
			 (lin & 0x3fffffu);
		w->global = (pde & PTE_G) && (m->cr4 & MMU_CR4_PGE);
		return 0;
	}
	use_entry(w, pde_addr, pde);
	pte_addr = (pde & 0xfffff000u) | (((lin >> 12) & 0x3ffu) << 2);
	pte = pmap_read(m->pm, pte_addr & m->a20_mask, 4);
	if (!(pte & PTE_P))
		return 0x100; /* not present, reported as P=0 */
	use_entry(w, pte_addr, pte);
	w->gpa = (pte & 0xfffff000u) | (lin & 0xfffu);
	w->global = (pte & PTE_G) && (m->cr4 & MMU_CR4_PGE);
	return 0;
}

static uint32_t walk_pae(struct mmu *m, uint32_t lin, struct walk *w)
{
	bool nxe = m->efer & MMU_EFER_NXE;
	uint64_t rsvd = PAE_RSVD | (nxe ? 0 : PTE_NX);
	uint64_t pdpte = m->pdpte[lin >> 30];
	gpa_t pde_addr, pte_addr;
	uint64_t pde, pte;

	if (!(pdpte & PTE_P))
		return 0x100;
	pde_addr = (pdpte & PAE_ADDR_MASK) | (((lin >> 21) & 0x1ffu) << 3);
	pde = read_phys64(m, pde_addr);
	if (!(pde & PTE_P))
		return 0x100;
	if ((pde & rsvd) || ((pde & PTE_PS) && (pde & PAE_2M_RSVD)))
		return MMU_PF_P | MMU_PF_RSVD;
	use_entry(w, pde_addr, pde);
	if (nxe && (pde & PTE_NX))
		w->nx = true;
	if (pde & PTE_PS) {
		w->gpa = (pde & PAE_ADDR_MASK & ~0x1fffffull) | (lin & 0x1fffffu);
		w->global = (pde & PTE_G) && (m->cr4 & MMU_CR4_PGE);
		return 0;
	}
	pte_addr = (pde & PAE_ADDR_MASK) | (((lin >> 12) & 0x1ffu) << 3);
	pte = read_phys64(m, pte_addr);
	if (!(pte & PTE_P))
		return 0x100;
	if (pte & rsvd)
		return MMU_PF_P | MMU_PF_RSVD;
	use_entry(w, pte_addr, pte);
	if (nxe && (pte & PTE_NX))
		w->nx = true;
	w->gpa = (pte & PAE_ADDR_MASK) | (lin & 0xfffu);
	w->global = (pte & PTE_G) && (m->cr4 & MMU_CR4_PGE);
	return 0;
}

static void fill(struct mmu *m, uint32_t lin, unsigned acc, uint8_t *host, bool global)
{
	unsigned u = (acc >> 2) & 1, k = acc & 3, i = (lin >> 12) & (MMU_TLB_SIZE - 1);
	uint32_t page = lin & ~0xfffu;

	m->tlb[u][k][i].tag = page;
	m->tlb[u][k][i].addend = (uintptr_t)host - page;
	m->tlb_global[u][k][i] = global;
}

int mmu_translate(struct mmu *m, uint32_t lin, unsigned acc, struct mmu_xlate *out,
		  uint32_t *pf_err)
{
	unsigned kind = acc & 3;
	bool user = acc & MMU_USER, global = false;
	struct walk w = { .user_ok = true, .write_ok = true };
	uint8_t *page;

	if (kind > MMU_X) {
		*pf_err = 0; /* not an access kind: a caller bug, never a guest one */
		return -1;
	}
	mmu_sync(m);
	if (!paging(m->cr0)) {
		w.gpa = lin & m->a20_mask;
	} else {
		bool pae = m->cr4 & MMU_CR4_PAE;
		bool id_ok = pae && (m->efer & MMU_EFER_NXE);
		uint32_t err = pae ? walk_pae(m, lin, &w) : walk_2level(m, lin, &w);

		if (err) {
			*pf_err = fault(acc, err & (MMU_PF_P | MMU_PF_RSVD), id_ok);
			return -1;
		}
		if ((user && !w.user_ok) ||
		    (kind == MMU_W && !w.write_ok && (user || (m->cr0 & MMU_CR0_WP))) ||
		    (kind == MMU_X && w.nx)) {
			*pf_err = fault(acc, MMU_PF_P, id_ok);
			return -1;
		}
		/* Accessed on every entry used, dirty on the last one for writes.
		 * Re-read each entry: setting one bit may have changed another
		 * entry when page tables alias. */
		for (int i = 0; i < w.n; i++) {
			uint32_t bits = PTE_A | (i == w.n - 1 && kind == MMU_W ? PTE_D : 0);
			uint32_t cur = pmap_read(m->pm, w.ent_addr[i] & m->a20_mask, 4);

			set_bits(m, w.ent_addr[i], cur, bits);
		}
		w.gpa &= m->a20_mask;
		global = w.global;
	}
	out->gpa = w.gpa;
	page = pmap_page_ptr(m->pm, w.gpa & PMAP_PAGE_MASK, kind == MMU_W);
	out->host = page ? page + (w.gpa & 0xfffu) : NULL;
	if (page)
		fill(m, lin, acc, page, global);
	return 0;
}
