/* Lazy arithmetic flags.
 *
 * A flag-setting instruction records its operation, operand size, operands
 * and result in c->lf (cpu_lazy()); CF, PF, AF, ZF, SF and OF are computed
 * from that record only when something reads them.  Per operation (values
 * are the size-masked operands; "bits" = 8 * size):
 *
 *   LF_ADD    res = s1 + s2
 *   LF_ADC    res = s1 + s2 + aux            aux = carry in (0/1)
 *   LF_SUB    res = s1 - s2  (also CMP, CMPS, SCAS, CMPXCHG)
 *   LF_SBB    res = s1 - s2 - aux            aux = borrow in (0/1)
 *   LF_LOGIC  res = result; CF = OF = AF = 0 (AF undefined per SDM)
 *   LF_INC    res = s1 + 1                   aux = CF before (INC keeps CF)
 *   LF_DEC    res = s1 - 1                   aux = CF before
 *   LF_NEG    res = 0 - s1                   CF = (s1 != 0)
 *   LF_SHL    res = s1 << aux                aux = masked count, 1..31
 *   LF_SHR    res = s1 >> aux                (logical)
 *   LF_SAR    res = s1 >> aux                (arithmetic)
 *   LF_MUL    res = low half, aux = high half; CF = OF = (high != 0)
 *   LF_IMUL   res = low half, aux = high half;
 *             CF = OF = (high:low is not the sign extension of low)
 *
 * Shifts: CF is the last bit shifted out, computed on a wide value so that
 * 8/16-bit shifts by counts beyond the operand width give what x86 CPUs
 * give (0 for SHL/SHR, the sign for SAR); the SDM leaves that CF undefined.
 * OF is defined only for count 1 (SHL: MSB(res) ^ CF, SHR: MSB(s1),
 * SAR: 0); for larger counts we apply the same one-step formula to the
 * last step (SHR: MSB of the value before it), which is what the AMD host
 * this was developed on does.  AF after a shift is undefined; we give 0.
 * test/cpu_diff.c compares only the defined flags.
 * MUL/IMUL: SF, ZF, PF come from the low half, AF = 0 (all undefined).
 * ZF, SF and PF always come from res, so cpu_cond() can test ZF/SF without
 * building the whole word. */
#include "config.h"

#include "cpu/cpu_int.h"

/* Hot helpers: inlined into every handler so constants fold. */

/* Operand mask and sign bit by size (1, 2 or 4; the other slots only keep
 * a bad size in bounds): tables beat shifts on the hot paths. */
static const uint32_t lf_masks[8] = {
	0xffffffffu, 0xffu, 0xffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu
};
static const uint32_t lf_msbs[8] = {
	0x80000000u, 0x80u, 0x8000u, 0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u
};

static inline uint32_t lf_mask(unsigned size)
{
	return lf_masks[size & 7];
}

static inline uint32_t lf_msb(unsigned size)
{
	return lf_msbs[size & 7];
}

static inline uint32_t lf_sext(uint32_t v, unsigned size)
{
	if (size == 1)
		return (uint32_t)(int32_t)(int8_t)v;
	if (size == 2)
		return (uint32_t)(int32_t)(int16_t)v;
	return v;
}

CPU_INLINE bool lf_cf(const struct cpu_lazy *l)
{
	uint32_t m = lf_mask(l->size);
	uint32_t s1 = l->s1 & m, s2 = l->s2 & m, res = l->res & m;

	switch (l->op) {
	case LF_ADD:
		return res < s1;
	case LF_ADC:
		return l->aux ? res <= s1 : res < s1;
	case LF_SUB:
		return s1 < s2;
	case LF_SBB:
		return l->aux ? s1 <= s2 : s1 < s2;
	case LF_INC:
	case LF_DEC:
		return l->aux & 1;
	case LF_NEG:
		return s1 != 0;
	case LF_SHL:
		return (((uint64_t)s1 << ((l->aux - 1) & 31)) & lf_msb(l->size)) != 0;
	case LF_SHR:
		return ((uint64_t)s1 >> ((l->aux - 1) & 31)) & 1;
	case LF_SAR:
		return ((int32_t)lf_sext(s1, l->size) >> ((l->aux - 1) & 31)) & 1;
	case LF_MUL:
		return (l->aux & m) != 0;
	case LF_IMUL:
		return (l->aux & m) != ((res & lf_msb(l->size)) ? m : 0);
	default: /* LF_LOGIC */
		return false;
	}
}

CPU_INLINE bool lf_of(const struct cpu_lazy *l)
{
	uint32_t m = lf_mask(l->size), msb = lf_msb(l->size);
	uint32_t s1 = l->s1 & m, s2 = l->s2 & m, res = l->res & m;

	switch (l->op) {
	case LF_ADD:
	case LF_ADC:
		return ((s1 ^ res) & (s2 ^ res) & msb) != 0;
	case LF_SUB:
	case LF_SBB:
		return ((s1 ^ s2) & (s1 ^ res) & msb) != 0;
	case LF_INC:
		return res == msb;
	case LF_DEC:
		return res == msb - 1;
	case LF_NEG:
		return res == msb;
	case LF_SHL:
		return ((res & msb) != 0) != lf_cf(l);
	case LF_SHR:
		/* MSB of the value before the last one-bit step. */
		return (((uint64_t)s1 >> ((l->aux - 1) & 31)) & msb) != 0;
	case LF_MUL:
	case LF_IMUL:
		return lf_cf(l);
	default: /* LF_LOGIC, LF_SAR */
		return false;
	}
}

CPU_INLINE bool lf_af(const struct cpu_lazy *l)
{
	switch (l->op) {
	case LF_ADD:
	case LF_ADC:
	case LF_SUB:
	case LF_SBB:
		return ((l->s1 ^ l->s2 ^ l->res) & 0x10) != 0;
	case LF_INC:
		return (l->res & 0xf) == 0;
	case LF_DEC:
		return (l->res & 0xf) == 0xf;
	case LF_NEG:
		return ((l->s1 ^ l->res) & 0x10) != 0;
	default:
		return false;
	}
}

uint32_t cpu_flags(struct cpu *c)
{
	const struct cpu_lazy *l = &c->lf;
	uint32_t m, msb, s1, s2, res, f;

	if (l->op == LF_NONE)
		return c->eflags | 2u;
	m = lf_mask(l->size);
	msb = lf_msb(l->size);
	s1 = l->s1 & m;
	s2 = l->s2 & m;
	res = l->res & m;
	/* The common operations in one pass; the rest through the per-flag
	 * helpers (which define the semantics). */
	switch (l->op) {
	case LF_ADD:
	case LF_ADC:
		f = (l->op == LF_ADC && l->aux) ? res <= s1 : res < s1;
		f |= (s1 ^ s2 ^ res) & CPU_AF;
		if ((s1 ^ res) & (s2 ^ res) & msb)
			f |= CPU_OF;
		break;
	case LF_SUB:
	case LF_SBB:
		f = (l->op == LF_SBB && l->aux) ? s1 <= s2 : s1 < s2;
		f |= (s1 ^ s2 ^ res) & CPU_AF;
		if ((s1 ^ s2) & (s1 ^ res) & msb)
			f |= CPU_OF;
		break;
	case LF_LOGIC:
		f = 0;
		break;
	default:
		f = (lf_cf(l) ? CPU_CF : 0) | (lf_af(l) ? CPU_AF : 0) | (lf_of(l) ? CPU_OF : 0);
		break;
	}
	if (!__builtin_parity(res & 0xff))
		f |= CPU_PF;
	if (res == 0)
		f |= CPU_ZF;
	if (res & msb)
		f |= CPU_SF;
	c->eflags = (c->eflags & ~CPU_ARITH) | f | 2u;
	c->lf.op = LF_NONE;
	return c->eflags;
}

void cpu_set_flags(struct cpu *c, uint32_t v, uint32_t mask)
{
	uint32_t f = cpu_flags(c);

	c->eflags = ((f & ~mask) | (v & mask)) | 2u;
}

bool cpu_cf(struct cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->eflags & CPU_CF;
	return lf_cf(&c->lf);
}

/* A condition from materialised flags. */
CPU_INLINE bool cond_eflags(uint32_t f, unsigned cc)
{
	switch ((cc >> 1) & 7) {
	case 0: return f & CPU_OF;
	case 1: return f & CPU_CF;
	case 2: return f & CPU_ZF;
	case 3: return f & (CPU_CF | CPU_ZF);
	case 4: return f & CPU_SF;
	case 5: return f & CPU_PF;
	case 6: return !(f & CPU_SF) != !(f & CPU_OF);
	default: return (f & CPU_ZF) || !(f & CPU_SF) != !(f & CPU_OF);
	}
}

/* Signed less-than (SF != OF); after SUB/CMP this is a direct signed
 * comparison of the operands. */
CPU_INLINE bool lf_lt(const struct cpu_lazy *l)
{
	if (l->op == LF_SUB)
		return (int32_t)lf_sext(l->s1, l->size) < (int32_t)lf_sext(l->s2, l->size);
	return !(l->res & lf_msb(l->size)) != !lf_of(l);
}

bool cpu_cond(struct cpu *c, unsigned cc)
{
	const struct cpu_lazy *l = &c->lf;
	bool r;

	if (l->op == LF_NONE) {
		r = cond_eflags(c->eflags, cc);
		return (cc & 1) ? !r : r;
	}
	switch ((cc >> 1) & 7) {
	case 0: /* O */
		r = lf_of(l);
		break;
	case 1: /* B / C */
		r = lf_cf(l);
		break;
	case 2: /* E / Z */
		r = (l->res & lf_mask(l->size)) == 0;
		break;
	case 3: /* BE */
		r = (l->res & lf_mask(l->size)) == 0 || lf_cf(l);
		break;
	case 4: /* S */
		r = (l->res & lf_msb(l->size)) != 0;
		break;
	case 5: /* P */
		r = !__builtin_parity(l->res & 0xff);
		break;
	case 6: /* L */
		r = lf_lt(l);
		break;
	default: /* LE */
		r = (l->res & lf_mask(l->size)) == 0 || lf_lt(l);
		break;
	}
	return (cc & 1) ? !r : r;
}
