/* String instructions: MOVS, CMPS, STOS, LODS, SCAS (A4-AF) and INS, OUTS
 * (6C-6F), with REP/REPE/REPNE.
 *
 * Addressing: the source is seg:(E)SI with DS or the override prefix, the
 * destination always ES:(E)DI; the address size picks SI/DI/CX or
 * ESI/EDI/ECX, and only the low 16 bits move with a 16-bit address size.
 *
 * REP: one execution runs at most STR_BATCH iterations (one with TF set,
 * so single-stepping traps after each iteration) and commits the
 * registers after every iteration, so a fault in iteration k restarts the
 * instruction with the k-1 finished ones accounted for.  When the count is
 * not exhausted after the batch, next_eip is set back to the instruction
 * itself and the TU stops after it (tu_abort): it runs again from a TU
 * boundary, where interrupts are taken.  So string instructions need not
 * end their TU (only INS/OUTS do, as port I/O).
 *
 * Fast path: while source and destination are RAM pages the soft TLB
 * already maps (so never code pages for writes, never MMIO), whole runs of
 * elements inside one page and inside the segment are done with host
 * memory operations that give exactly the result of element-by-element
 * execution, overlapping MOVS included. */
#include "config.h"

#include <string.h>

#include "cpu/cpu_int.h"
#include "dev/iobus.h"

#define STR_BATCH 4096u /* iterations per execution of a REP string insn */

struct str_op {
	const struct cpu_insn *i;
	unsigned size;      /* element size 1, 2, 4 */
	uint32_t am;        /* address-size mask */
	int32_t delta;      /* +size, or -size with DF=1 */
	unsigned sseg;      /* source segment */
};

static void str_init(struct cpu *c, const struct cpu_insn *i, struct str_op *s)
{
	s->i = i;
	s->size = (i->op & 1) ? i->opsize : 1;
	s->am = i->adsize == 2 ? 0xffffu : 0xffffffffu;
	s->delta = (c->eflags & CPU_DF) ? -(int32_t)s->size : (int32_t)s->size;
	s->sseg = i->seg_ovr != CPU_SEG_NONE ? i->seg_ovr : CPU_DS;
}

/* Moves index register r by n elements, only its address-size bits. */
static void str_adv(struct cpu *c, const struct str_op *s, unsigned r, uint32_t n)
{
	uint32_t v = c->gpr[r] + (uint32_t)s->delta * n;

	c->gpr[r] = (c->gpr[r] & ~s->am) | (v & s->am);
}

static uint32_t str_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Fast-path window: the host address of the element at seg:off and, in *n,
 * how many consecutive elements in the direction of travel (at most max)
 * lie in the same page, inside the segment's valid offsets and without
 * address-size wrap.  NULL when the element is not in a mapped RAM page of
 * the soft TLB (or not accessible): the caller takes the slow path, whose
 * cpu_read/cpu_write raise whatever fault applies. */
static uint8_t *str_span(struct cpu *c, const struct str_op *s, unsigned seg, uint32_t off,
			 bool write, uint32_t max, uint32_t *n)
{
	const struct cpu_segreg *sr = &c->seg[seg];
	uint32_t size = s->size, last = off + size - 1, lim, pg, lin, room, page_room;
	uint8_t *host;

	if (!(write ? sr->wr_ok : sr->rd_ok))
		return NULL;
	lim = str_min(sr->hi, s->am);
	if (off < sr->lo || last < off || last > lim)
		return NULL;
	lin = sr->base + off;
	pg = lin & 0xfff;
	if (pg + size > 0x1000)
		return NULL;
	host = mmu_fast(&c->mmu, lin, (write ? MMU_W : MMU_R) | c->mmu_user);
	if (!host)
		return NULL;
	if (s->delta > 0) {
		room = (lim - last) / size + 1;
		page_room = (0x1000 - pg) / size;
	} else {
		room = (off - sr->lo) / size + 1;
		page_room = pg / size + 1;
	}
	*n = str_min(max, str_min(room, page_room));
	return host;
}

/* How far below the first element's host address a run of n elements
 * starts (0 going up, (n-1) elements going down). */
static size_t str_back(const struct str_op *s, uint32_t n)
{
	return s->delta > 0 ? 0 : (size_t)(n - 1) * s->size;
}

static uint32_t str_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* ---- MOVS ---------------------------------------------------------- */

/* Copies n elements between host runs exactly as element-by-element
 * execution would, overlapping runs included. */
static void str_copy(const struct str_op *s, uint8_t *hd, const uint8_t *hs, uint32_t n)
{
	uint32_t bytes = n * s->size, k;
	uint8_t *d = hd - str_back(s, n);
	const uint8_t *src = hs - str_back(s, n);
	uintptr_t ud = (uintptr_t)d, us = (uintptr_t)src;
	bool clobber;

	/* Element-wise order reads something an earlier element wrote only
	 * when the destination lies ahead of the source in the direction of
	 * travel; otherwise the result equals memmove. */
	if (s->delta > 0)
		clobber = ud > us && ud < us + bytes;
	else
		clobber = ud < us && ud + bytes > us;
	if (!clobber) {
		memmove(d, src, bytes);
	} else if (s->delta > 0 && ud - us >= s->size) {
		/* Forward with distance dist >= size: copying dist-byte blocks
		 * in order reproduces the replicated pattern. */
		uint32_t dist = (uint32_t)(ud - us), off;

		for (off = 0; off < bytes; off += dist)
			memcpy(d + off, src + off, str_min(dist, bytes - off));
	} else {
		for (k = 0; k < n; k++) {
			uint32_t e = s->delta > 0 ? k : n - 1 - k;

			memmove(d + e * s->size, src + e * s->size, s->size);
		}
	}
}

static uint32_t movs_fast(struct cpu *c, const struct str_op *s, uint32_t max)
{
	uint32_t ns, nd;
	uint8_t *hs, *hd;

	hs = str_span(c, s, s->sseg, c->gpr[CPU_ESI] & s->am, false, max, &ns);
	if (!hs)
		return 0;
	hd = str_span(c, s, CPU_ES, c->gpr[CPU_EDI] & s->am, true, ns, &nd);
	if (!hd)
		return 0;
	str_copy(s, hd, hs, nd);
	str_adv(c, s, CPU_ESI, nd);
	str_adv(c, s, CPU_EDI, nd);
	return nd;
}

static void movs_one(struct cpu *c, const struct str_op *s)
{
	uint32_t v = cpu_read(c, s->sseg, c->gpr[CPU_ESI] & s->am, s->size);

	cpu_write(c, CPU_ES, c->gpr[CPU_EDI] & s->am, s->size, v);
	str_adv(c, s, CPU_ESI, 1);
	str_adv(c, s, CPU_EDI, 1);
}

/* ---- STOS ---------------------------------------------------------- */

static uint32_t stos_fast(struct cpu *c, const struct str_op *s, uint32_t max)
{
	uint32_t n, k, v = cpu_reg(c, CPU_EAX, s->size);
	uint8_t *hd, *d;

	hd = str_span(c, s, CPU_ES, c->gpr[CPU_EDI] & s->am, true, max, &n);
	if (!hd)
		return 0;
	d = hd - str_back(s, n);
	if (s->size == 1)
		memset(d, (int)v, n);
	else
		for (k = 0; k < n; k++)
			cpu_st(d + k * s->size, s->size, v);
	str_adv(c, s, CPU_EDI, n);
	return n;
}

static void stos_one(struct cpu *c, const struct str_op *s)
{
	cpu_write(c, CPU_ES, c->gpr[CPU_EDI] & s->am, s->size, cpu_reg(c, CPU_EAX, s->size));
	str_adv(c, s, CPU_EDI, 1);
}

/* ---- LODS ---------------------------------------------------------- */

static void lods_one(struct cpu *c, const struct str_op *s)
{
	uint32_t v = cpu_read(c, s->sseg, c->gpr[CPU_ESI] & s->am, s->size);

	cpu_set_reg(c, CPU_EAX, s->size, v);
	str_adv(c, s, CPU_ESI, 1);
}

/* ---- CMPS / SCAS ----------------------------------------------------- */

/* Flags of a - b; returns whether the REPE/REPNE loop stops here. */
static bool str_compare(struct cpu *c, const struct str_op *s, uint32_t a, uint32_t b)
{
	uint32_t m = str_mask(s->size);

	a &= m;
	b &= m;
	cpu_lazy(c, LF_SUB, s->size, (a - b) & m, a, b, 0);
	return s->i->rep == 0xf3 ? a != b : a == b;
}

static uint32_t cmps_fast(struct cpu *c, const struct str_op *s, uint32_t max, bool *stop)
{
	uint32_t ns, nd, k;
	uint8_t *hs, *hd;
	int32_t step = s->delta;

	hs = str_span(c, s, s->sseg, c->gpr[CPU_ESI] & s->am, false, max, &ns);
	if (!hs)
		return 0;
	hd = str_span(c, s, CPU_ES, c->gpr[CPU_EDI] & s->am, false, ns, &nd);
	if (!hd)
		return 0;
	for (k = 0; k < nd; k++) {
		uint32_t a = cpu_ld(hs + step * (int32_t)k, s->size);
		uint32_t b = cpu_ld(hd + step * (int32_t)k, s->size);

		if (str_compare(c, s, a, b)) {
			*stop = true;
			k++;
			break;
		}
	}
	str_adv(c, s, CPU_ESI, k);
	str_adv(c, s, CPU_EDI, k);
	return k;
}

static bool cmps_one(struct cpu *c, const struct str_op *s)
{
	uint32_t a = cpu_read(c, s->sseg, c->gpr[CPU_ESI] & s->am, s->size);
	uint32_t b = cpu_read(c, CPU_ES, c->gpr[CPU_EDI] & s->am, s->size);
	bool stop = str_compare(c, s, a, b);

	str_adv(c, s, CPU_ESI, 1);
	str_adv(c, s, CPU_EDI, 1);
	return stop;
}

static uint32_t scas_fast(struct cpu *c, const struct str_op *s, uint32_t max, bool *stop)
{
	uint32_t n, k, acc = cpu_reg(c, CPU_EAX, s->size);
	uint8_t *hd;

	hd = str_span(c, s, CPU_ES, c->gpr[CPU_EDI] & s->am, false, max, &n);
	if (!hd)
		return 0;
	for (k = 0; k < n; k++) {
		if (str_compare(c, s, acc, cpu_ld(hd + s->delta * (int32_t)k, s->size))) {
			*stop = true;
			k++;
			break;
		}
	}
	str_adv(c, s, CPU_EDI, k);
	return k;
}

static bool scas_one(struct cpu *c, const struct str_op *s)
{
	uint32_t b = cpu_read(c, CPU_ES, c->gpr[CPU_EDI] & s->am, s->size);
	bool stop = str_compare(c, s, cpu_reg(c, CPU_EAX, s->size), b);

	str_adv(c, s, CPU_EDI, 1);
	return stop;
}

/* ---- INS / OUTS ------------------------------------------------------ */

/* The destination is probed before the port is read, so a faulting INS
 * does not consume device data. */
static void ins_one(struct cpu *c, const struct str_op *s)
{
	uint32_t di = c->gpr[CPU_EDI] & s->am, v;

	cpu_check_write(c, CPU_ES, di, s->size);
	v = iobus_in(c->env.io, (uint16_t)c->gpr[CPU_EDX], s->size);
	cpu_write(c, CPU_ES, di, s->size, v);
	str_adv(c, s, CPU_EDI, 1);
}

static void outs_one(struct cpu *c, const struct str_op *s)
{
	uint32_t v = cpu_read(c, s->sseg, c->gpr[CPU_ESI] & s->am, s->size);

	iobus_out(c->env.io, (uint16_t)c->gpr[CPU_EDX], s->size, v);
	str_adv(c, s, CPU_ESI, 1);
}

/* ---- Driver ---------------------------------------------------------- */

enum str_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

/* One iteration, slow path; true when a REPE/REPNE condition stops. */
static bool str_one(struct cpu *c, const struct str_op *s, enum str_kind k)
{
	switch (k) {
	case STR_MOVS: movs_one(c, s); return false;
	case STR_CMPS: return cmps_one(c, s);
	case STR_STOS: stos_one(c, s); return false;
	case STR_LODS: lods_one(c, s); return false;
	case STR_SCAS: return scas_one(c, s);
	case STR_INS: ins_one(c, s); return false;
	case STR_OUTS: outs_one(c, s); return false;
	}
	return false;
}

/* A run of up to max iterations on the fast path; 0 when it does not
 * apply to the next element. */
static uint32_t str_fast(struct cpu *c, const struct str_op *s, enum str_kind k,
			 uint32_t max, bool *stop)
{
	switch (k) {
	case STR_MOVS: return movs_fast(c, s, max);
	case STR_STOS: return stos_fast(c, s, max);
	case STR_CMPS: return cmps_fast(c, s, max, stop);
	case STR_SCAS: return scas_fast(c, s, max, stop);
	default: return 0;
	}
}

static void str_run(struct cpu *c, const struct cpu_insn *i, enum str_kind k)
{
	struct str_op s;
	/* With TF, a REP string instruction traps after every iteration. */
	uint32_t budget = (c->eflags & CPU_TF) ? 1 : STR_BATCH;
	bool cmp = k == STR_CMPS || k == STR_SCAS;

	str_init(c, i, &s);
	if (!i->rep) {
		if (k == STR_INS || k == STR_OUTS)
			cpu_check_io(c, (uint16_t)c->gpr[CPU_EDX], s.size);
		str_one(c, &s, k);
		return;
	}
	if ((c->gpr[CPU_ECX] & s.am) != 0 && (k == STR_INS || k == STR_OUTS))
		cpu_check_io(c, (uint16_t)c->gpr[CPU_EDX], s.size);
	for (;;) {
		uint32_t count = c->gpr[CPU_ECX] & s.am, n;
		bool stop = false;

		if (count == 0)
			return;
		if (budget == 0) {
			/* Not done: run again, as the first instruction after
			 * this TU stops here (interrupts are taken in between). */
			c->next_eip = c->eip;
			c->tu_abort = true;
			return;
		}
		n = str_fast(c, &s, k, str_min(count, budget), &stop);
		if (n == 0) {
			stop = str_one(c, &s, k);
			n = 1;
		}
		c->gpr[CPU_ECX] = (c->gpr[CPU_ECX] & ~s.am) | ((count - n) & s.am);
		budget -= n;
		if (cmp && stop)
			return;
	}
}

void cpu_op_movs(struct cpu *c, const struct cpu_insn *i) { str_run(c, i, STR_MOVS); }
void cpu_op_cmps(struct cpu *c, const struct cpu_insn *i) { str_run(c, i, STR_CMPS); }
void cpu_op_stos(struct cpu *c, const struct cpu_insn *i) { str_run(c, i, STR_STOS); }
void cpu_op_lods(struct cpu *c, const struct cpu_insn *i) { str_run(c, i, STR_LODS); }
void cpu_op_scas(struct cpu *c, const struct cpu_insn *i) { str_run(c, i, STR_SCAS); }
void cpu_op_ins(struct cpu *c, const struct cpu_insn *i) { str_run(c, i, STR_INS); }
void cpu_op_outs(struct cpu *c, const struct cpu_insn *i) { str_run(c, i, STR_OUTS); }
