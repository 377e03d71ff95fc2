/* Shifts and rotates: C0/C1 (count Ib), D0/D1 (count 1), D2/D3 (count CL)
 * with ModRM.reg selecting ROL ROR RCL RCR SHL SHR SAL(=SHL) SAR; and
 * SHLD/SHRD (0F A4/A5/AC/AD).
 *
 * The count is masked to 5 bits.  A masked count of 0 changes neither the
 * operand nor any flag (a memory operand is still read and checked for
 * writability, and not written).  SHL/SHR/SAR flags are lazy (flags.c);
 * rotates change only CF and OF.  OF is architecturally defined only for a
 * count of 1; we compute it with the count-1 formula for every count
 * (ROL: MSB(res) ^ CF, ROR/RCR: MSB(res) ^ MSB-1(res), RCL: MSB(res) ^ CF).
 * SHLD/SHRD with a 16-bit operand and a count above 16 have an undefined
 * result; we shift the 48-bit value dest:src:src (SHLD, taking 16 bits
 * from the top) or src:src:dest (SHRD, from the bottom), as the AMD host
 * this was developed on does, and the flags follow that result. */
#include "config.h"

#include "cpu/cpu_int.h"

/* Hot helpers: inlined into every handler so constants fold. */

CPU_INLINE uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

CPU_INLINE uint32_t sext(uint32_t v, unsigned size)
{
	if (size == 1)
		return (uint32_t)(int32_t)(int8_t)v;
	if (size == 2)
		return (uint32_t)(int32_t)(int16_t)v;
	return v;
}

/* The masked count of a C0-D3 instruction. */
CPU_INLINE unsigned shift_count(const struct cpu *c, const struct cpu_insn *i)
{
	switch (i->op) {
	case 0xd0:
	case 0xd1:
		return 1;
	case 0xd2:
	case 0xd3:
		return c->gpr[CPU_ECX] & 31;
	default:
		return i->imm & 31;
	}
}

CPU_INLINE void put(struct cpu *c, const struct cpu_insn *i, unsigned size,
							uint32_t off, uint32_t v, bool mem)
{
	if (mem)
		cpu_write(c, i->seg, off, size, v);
	else
		cpu_set_reg(c, i->rm, size, v);
}

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* One shift or rotate; mem says whether the operand is in memory (a
 * constant in each caller, so the register forms get a lean copy). */
CPU_INLINE void shift(struct cpu *c, const struct cpu_insn *i, unsigned op,
							 unsigned size, bool mem)
{
	unsigned bits = size * 8, n = shift_count(c, i);
	uint32_t m = size_mask(size), msb = 1u << (bits - 1), off = 0, v, r, f;
	uint64_t x;
	bool cf;

	if (mem) {
		off = cpu_ea(c, i);
		v = cpu_rmw_read(c, i->seg, off, size);
	} else {
		v = cpu_reg(c, i->rm, size);
	}
	if (n == 0)
		return;
	switch (op) {
	case SH_ROL:
		r = n % bits ? ((v << (n % bits)) | (v >> (bits - n % bits))) & m : v;
		f = (r & 1) ? CPU_CF : 0;
		if (!(r & msb) != !(r & 1))
			f |= CPU_OF;
		put(c, i, size, off, r, mem);
		cpu_set_flags(c, f, CPU_CF | CPU_OF);
		return;
	case SH_ROR:
		r = n % bits ? ((v >> (n % bits)) | (v << (bits - n % bits))) & m : v;
		f = (r & msb) ? CPU_CF : 0;
		if (!(r & msb) != !(r & (msb >> 1)))
			f |= CPU_OF;
		put(c, i, size, off, r, mem);
		cpu_set_flags(c, f, CPU_CF | CPU_OF);
		return;
	case SH_RCL:
	case SH_RCR:
		/* Rotate the (bits+1)-bit value CF:v. */
		if (size < 4)
			n %= bits + 1;
		x = (uint64_t)cpu_cf(c) << bits | v;
		if (n) {
			uint64_t xm = ((uint64_t)1 << (bits + 1)) - 1;

			if (op == SH_RCL)
				x = ((x << n) | (x >> (bits + 1 - n))) & xm;
			else
				x = ((x >> n) | (x << (bits + 1 - n))) & xm;
		}
		r = (uint32_t)x & m;
		cf = (x >> bits) & 1;
		f = cf ? CPU_CF : 0;
		if (op == SH_RCL ? (!(r & msb) != !cf) : (!(r & msb) != !(r & (msb >> 1))))
			f |= CPU_OF;
		put(c, i, size, off, r, mem);
		cpu_set_flags(c, f, CPU_CF | CPU_OF);
		return;
	case SH_SHR:
		r = v >> n;
		put(c, i, size, off, r, mem);
		cpu_lazy(c, LF_SHR, size, r, v, 0, n);
		return;
	case SH_SAR:
		r = (uint32_t)((int32_t)sext(v, size) >> n) & m;
		put(c, i, size, off, r, mem);
		cpu_lazy(c, LF_SAR, size, r, v, 0, n);
		return;
	default: /* SHL, SAL */
		r = (v << n) & m;
		put(c, i, size, off, r, mem);
		cpu_lazy(c, LF_SHL, size, r, v, 0, n);
		return;
	}
}

/* Memory operands: one out-of-line copy for all operations. */
static __attribute__((noinline)) void shift_mem(struct cpu *c, const struct cpu_insn *i, unsigned op,
						unsigned size)
{
	shift(c, i, op, size, true);
}

#define SHIFT_HANDLERS(name, op)                                               \
	void cpu_op_##name##_eb(struct cpu *c, const struct cpu_insn *i);      \
	void cpu_op_##name##_ev(struct cpu *c, const struct cpu_insn *i);      \
	void cpu_op_##name##_eb(struct cpu *c, const struct cpu_insn *i)       \
	{                                                                      \
		if (i->mod != 3)                                               \
			shift_mem(c, i, op, 1);                                \
		else                                                           \
			shift(c, i, op, 1, false);                             \
	}                                                                      \
	void cpu_op_##name##_ev(struct cpu *c, const struct cpu_insn *i)       \
	{                                                                      \
		if (i->mod != 3)                                               \
			shift_mem(c, i, op, i->opsize);                        \
		else                                                           \
			shift(c, i, op, i->opsize, false);                     \
	}

SHIFT_HANDLERS(rol, SH_ROL)
SHIFT_HANDLERS(ror, SH_ROR)
SHIFT_HANDLERS(rcl, SH_RCL)
SHIFT_HANDLERS(rcr, SH_RCR)
SHIFT_HANDLERS(shl, SH_SHL)
SHIFT_HANDLERS(shr, SH_SHR)
SHIFT_HANDLERS(sar, SH_SAR)

/* ---- SHLD / SHRD ------------------------------------------------------------ */

void cpu_op_shld(struct cpu *c, const struct cpu_insn *i);
void cpu_op_shrd(struct cpu *c, const struct cpu_insn *i);

CPU_INLINE void shxd(struct cpu *c, const struct cpu_insn *i, bool left)
{
	unsigned size = i->opsize, bits = size * 8;
	unsigned n = ((i->op & 1) ? c->gpr[CPU_ECX] : i->imm) & 31;
	uint32_t m = size_mask(size), msb = 1u << (bits - 1), off = 0, d, s, r, f;
	uint64_t x;
	bool cf;

	d = cpu_rm_rmw_read(c, i, size, &off);
	s = cpu_reg(c, i->reg, size);
	if (n == 0)
		return;
	if (size == 4) {
		if (left) {
			r = (d << n) | (s >> (32 - n));
			cf = (d >> (32 - n)) & 1;
		} else {
			r = (d >> n) | (s << (32 - n));
			cf = (d >> (n - 1)) & 1;
		}
	} else if (left) {
		/* dest:src:src, so counts 17..31 keep shifting in src. */
		x = (uint64_t)d << 32 | (uint64_t)s << 16 | s;
		r = (uint32_t)(x >> (32 - n)) & m;
		cf = (x >> (48 - n)) & 1;
	} else {
		x = (uint64_t)s << 32 | (uint64_t)s << 16 | d;
		r = (uint32_t)(x >> n) & m;
		cf = (x >> (n - 1)) & 1;
	}
	f = cf ? CPU_CF : 0;
	if (!(r & msb) != !(d & msb))
		f |= CPU_OF;
	cpu_rm_write_at(c, i, size, off, r);
	cpu_lazy(c, LF_LOGIC, size, r, 0, 0, 0);
	cpu_set_flags(c, f, CPU_CF | CPU_OF | CPU_AF);
}

void cpu_op_shld(struct cpu *c, const struct cpu_insn *i) { shxd(c, i, true); }
void cpu_op_shrd(struct cpu *c, const struct cpu_insn *i) { shxd(c, i, false); }
