/* Guest virtual memory access for instruction handlers: segment checks,
 * then the soft TLB (one array index and compare on a hit), then the slow
 * path through the MMU's page walk and the pmap (ROM, MMIO, unassigned
 * space, code pages).  Every fault is raised before anything is written,
 * so a faulting instruction restarts cleanly. */
#include "config.h"

#include <string.h>

#include "cpu/cpu_int.h"

static void seg_rights(struct cpu *c, struct cpu_segreg *s);

void cpu_seg_cache(struct cpu *c, unsigned n)
{
	struct cpu_segreg *s = &c->seg[n];
	unsigned w, z;

	seg_rights(c, s);
	for (w = 0; w < 2; w++)
		for (z = 0; z < 3; z++) {
			uint32_t last = (1u << z) - 1;

			if (!(w ? s->wr_ok : s->rd_ok) || s->lo > s->hi || s->hi - s->lo < last) {
				s->jlo[w][z] = 1;
				s->jhi[w][z] = 0;
			} else {
				s->jlo[w][z] = s->lo;
				s->jhi[w][z] = s->hi - last;
			}
		}
}

/* What accesses s allows: rd_ok, wr_ok and the offsets [lo, hi]. */
static void seg_rights(struct cpu *c, struct cpu_segreg *s)
{
	unsigned type = s->attr & CPU_ATTR_TYPE;

	if (!cpu_pmode(c) || cpu_v86(c)) {
		/* Real and V86 mode: any access within the cached limit. */
		s->rd_ok = s->wr_ok = true;
		s->lo = 0;
		s->hi = s->limit;
		return;
	}
	if (!(s->attr & CPU_ATTR_P) || !(s->attr & CPU_ATTR_S)) {
		s->rd_ok = s->wr_ok = false;    /* null or unusable */
		s->lo = 1;
		s->hi = 0;
		return;
	}
	if (type & 8) {                         /* code */
		s->rd_ok = (type & 2) != 0;
		s->wr_ok = false;
		s->lo = 0;
		s->hi = s->limit;
	} else {
		s->rd_ok = true;
		s->wr_ok = (type & 2) != 0;
		if (type & 4) {                 /* expand-down */
			s->lo = s->limit + 1;
			s->hi = (s->attr & CPU_ATTR_DB) ? 0xffffffffu : 0xffffu;
		} else {
			s->lo = 0;
			s->hi = s->limit;
		}
	}
}

/* #GP(0), or #SS(0) for the stack segment. */
static _Noreturn void seg_fault(struct cpu *c, unsigned seg)
{
	cpu_raise(c, seg == CPU_SS ? CPU_SS_VEC : CPU_GP, 0);
}

static inline void seg_check(struct cpu *c, unsigned seg, uint32_t off, uint32_t len, bool write)
{
	const struct cpu_segreg *s = &c->seg[seg];

	if (__builtin_expect(!cpu_seg_ok(s, off, len, write ? s->wr_ok : s->rd_ok), 0))
		seg_fault(c, seg);
}

/* Translates lin for acc or raises #PF. */
static struct mmu_xlate xlate(struct cpu *c, uint32_t lin, unsigned acc)
{
	struct mmu_xlate x;
	uint32_t err;

	if (mmu_translate(&c->mmu, lin, acc, &x, &err)) {
		c->cr2 = lin;
		cpu_raise(c, CPU_PF_VEC, err);
	}
	return x;
}


/* Slow-path read of size bytes at lin (acc: MMU_R, or MMU_W for the read
 * half of a read-modify-write), possibly crossing a page. */
static uint32_t lin_read_slow(struct cpu *c, uint32_t lin, unsigned size, unsigned acc)
{
	unsigned first = 4096 - (lin & 0xfff);
	struct mmu_xlate a, b;
	uint32_t v = 0;
	unsigned k;

	if (first >= size) {
		a = xlate(c, lin, acc);
		if (a.host && (acc & 3) == MMU_R)
			return cpu_ld(a.host, size);
		return pmap_read(c->env.pm, a.gpa, size);
	}
	a = xlate(c, lin, acc);
	b = xlate(c, lin + first, acc);
	for (k = 0; k < size; k++) {
		gpa_t g = k < first ? a.gpa + k : b.gpa + (k - first);

		v |= (pmap_read(c->env.pm, g, 1) & 0xff) << (8 * k);
	}
	return v;
}

static void lin_write_slow(struct cpu *c, uint32_t lin, unsigned size, uint32_t v, unsigned acc)
{
	unsigned first = 4096 - (lin & 0xfff);
	struct mmu_xlate a, b;
	unsigned k;

	if (first >= size) {
		a = xlate(c, lin, acc);
		if (a.host)
			cpu_st(a.host, size, v);
		else
			pmap_write(c->env.pm, a.gpa, size, v);
		return;
	}
	a = xlate(c, lin, acc);
	b = xlate(c, lin + first, acc);
	for (k = 0; k < size; k++) {
		gpa_t g = k < first ? a.gpa + k : b.gpa + (k - first);

		pmap_write(c->env.pm, g, 1, (v >> (8 * k)) & 0xff);
	}
}

static inline uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size, unsigned acc)
{
	if ((lin & 0xfff) <= 4096 - size) {
		uint8_t *p = mmu_fast(&c->mmu, lin, acc);

		if (p)
			return cpu_ld(p, size);
	}
	return lin_read_slow(c, lin, size, acc);
}

static inline void lin_write(struct cpu *c, uint32_t lin, unsigned size, uint32_t v, unsigned acc)
{
	if ((lin & 0xfff) <= 4096 - size) {
		uint8_t *p = mmu_fast(&c->mmu, lin, acc);

		if (p) {
			cpu_st(p, size, v);
			return;
		}
	}
	lin_write_slow(c, lin, size, v, acc);
}

uint32_t cpu_read_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size)
{
	seg_check(c, seg, off, size, false);
	return lin_read(c, c->seg[seg].base + off, size, MMU_R | c->mmu_user);
}

void cpu_write_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size, uint32_t v)
{
	seg_check(c, seg, off, size, true);
	lin_write(c, c->seg[seg].base + off, size, v, MMU_W | c->mmu_user);
}

uint32_t cpu_rmw_read_slow(struct cpu *c, unsigned seg, uint32_t off, unsigned size)
{
	uint32_t lin = c->seg[seg].base + off;

	seg_check(c, seg, off, size, true);
	if ((lin & 0xfff) <= 4096 - size) {
		uint8_t *p = mmu_fast(&c->mmu, lin, MMU_W | c->mmu_user);

		if (p)
			return cpu_ld(p, size);
	}
	return lin_read_slow(c, lin, size, MMU_W | c->mmu_user);
}

/* Checks [lin, lin+len) page by page for acc. */
static void lin_check(struct cpu *c, uint32_t lin, uint32_t len, unsigned acc)
{
	uint32_t page = lin & ~0xfffu, end = lin + len - 1;

	for (;;) {
		uint32_t probe = page < lin ? lin : page;

		if (!mmu_fast(&c->mmu, probe, acc))
			xlate(c, probe, acc);
		if ((end & ~0xfffu) == page)
			break;
		page += 4096;
	}
}

void cpu_check_write(struct cpu *c, unsigned seg, uint32_t off, uint32_t len)
{
	if (!len)
		return;
	seg_check(c, seg, off, len, true);
	lin_check(c, c->seg[seg].base + off, len, MMU_W | c->mmu_user);
}

void cpu_check_read(struct cpu *c, unsigned seg, uint32_t off, uint32_t len)
{
	if (!len)
		return;
	seg_check(c, seg, off, len, false);
	lin_check(c, c->seg[seg].base + off, len, MMU_R | c->mmu_user);
}

uint64_t cpu_read64(struct cpu *c, unsigned seg, uint32_t off)
{
	uint32_t lo, hi;

	cpu_check_read(c, seg, off, 8);
	lo = cpu_read(c, seg, off, 4);
	hi = cpu_read(c, seg, off + 4, 4);
	return (uint64_t)hi << 32 | lo;
}

void cpu_write64(struct cpu *c, unsigned seg, uint32_t off, uint64_t v)
{
	cpu_check_write(c, seg, off, 8);
	cpu_write(c, seg, off, 4, (uint32_t)v);
	cpu_write(c, seg, off + 4, 4, (uint32_t)(v >> 32));
}

uint32_t cpu_lin_read(struct cpu *c, uint32_t lin, unsigned size)
{
	return lin_read(c, lin, size, MMU_R);
}

void cpu_lin_write(struct cpu *c, uint32_t lin, unsigned size, uint32_t v)
{
	lin_write(c, lin, size, v, MMU_W);
}

uint32_t cpu_sp(const struct cpu *c)
{
	return c->stack32 ? c->gpr[CPU_ESP] : (c->gpr[CPU_ESP] & 0xffff);
}

void cpu_set_sp(struct cpu *c, uint32_t sp)
{
	if (c->stack32)
		c->gpr[CPU_ESP] = sp;
	else
		c->gpr[CPU_ESP] = (c->gpr[CPU_ESP] & 0xffff0000u) | (sp & 0xffff);
}

static uint32_t sp_mask(const struct cpu *c, uint32_t sp)
{
	return c->stack32 ? sp : (sp & 0xffff);
}

uint32_t cpu_stack_read(struct cpu *c, uint32_t sp, unsigned size)
{
	return cpu_read(c, CPU_SS, sp_mask(c, sp), size);
}

void cpu_stack_write(struct cpu *c, uint32_t sp, unsigned size, uint32_t v)
{
	cpu_write(c, CPU_SS, sp_mask(c, sp), size, v);
}

void cpu_push(struct cpu *c, unsigned size, uint32_t v)
{
	uint32_t sp = sp_mask(c, cpu_sp(c) - size);

	cpu_write(c, CPU_SS, sp, size, v);
	cpu_set_sp(c, sp);
}

uint32_t cpu_pop(struct cpu *c, unsigned size)
{
	uint32_t sp = cpu_sp(c), v = cpu_read(c, CPU_SS, sp, size);

	cpu_set_sp(c, sp + size);
	return v;
}
