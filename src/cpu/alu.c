/* Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP in all their
 * forms (00-3D, 80-83), TEST, INC/DEC, NOT/NEG, CMPXCHG, XADD, CMPXCHG8B.
 *
 * Each of the eight ALU operations gets one handler per operand form,
 * generated from one inline core with the operation a compile-time
 * constant.  Memory destinations are read with cpu_rmw_read() (which
 * checks writability) and written before the flags are recorded, so a
 * fault leaves no state behind. */
#include "config.h"

#include "cpu/cpu_int.h"

/* Hot helpers: inlined into every handler so constants fold. */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

CPU_INLINE uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

CPU_INLINE void lz(struct cpu_lazy *l, enum cpu_lf_op op, unsigned size, uint32_t res,
		      uint32_t s1, uint32_t s2, uint32_t aux)
{
	l->op = (uint8_t)op;
	l->size = (uint8_t)size;
	l->res = res;
	l->s1 = s1;
	l->s2 = s2;
	l->aux = aux;
}

/* Computes a OP b, stores its flag record in *l (c->lf, or a local copy
 * committed after a memory write) and returns the result. */
CPU_INLINE uint32_t alu(struct cpu *c, struct cpu_lazy *l, unsigned op, unsigned size,
			   uint32_t a, uint32_t b)
{
	uint32_t m = size_mask(size), r, cin;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD:
		r = (a + b) & m;
		lz(l, LF_ADD, size, r, a, b, 0);
		return r;
	case ALU_OR:
		r = a | b;
		break;
	case ALU_ADC:
		cin = cpu_cf(c);
		r = (a + b + cin) & m;
		lz(l, LF_ADC, size, r, a, b, cin);
		return r;
	case ALU_SBB:
		cin = cpu_cf(c);
		r = (a - b - cin) & m;
		lz(l, LF_SBB, size, r, a, b, cin);
		return r;
	case ALU_AND:
		r = a & b;
		break;
	case ALU_XOR:
		r = a ^ b;
		break;
	default: /* SUB, CMP */
		r = (a - b) & m;
		lz(l, LF_SUB, size, r, a, b, 0);
		return r;
	}
	lz(l, LF_LOGIC, size, r, 0, 0, 0);
	return r;
}

/* Memory destination: out of line so that the register forms stay lean.
 * The flags are recorded only after the write. */
static __attribute__((noinline)) void alu_mem(struct cpu *c, const struct cpu_insn *i, unsigned op,
					      unsigned size, uint32_t b)
{
	uint32_t off = cpu_ea(c, i), a;
	struct cpu_lazy l;

	if (op == ALU_CMP) {
		alu(c, &c->lf, op, size, cpu_read(c, i->seg, off, size), b);
		return;
	}
	a = alu(c, &l, op, size, cpu_rmw_read(c, i->seg, off, size), b);
	cpu_write(c, i->seg, off, size, a);
	c->lf = l;
}

/* r/m OP= b. */
CPU_INLINE void alu_rm(struct cpu *c, const struct cpu_insn *i, unsigned op,
			  unsigned size, uint32_t b)
{
	uint32_t a;

	if (i->mod != 3) {
		alu_mem(c, i, op, size, b);
		return;
	}
	a = alu(c, &c->lf, op, size, cpu_reg(c, i->rm, size), b);
	if (op != ALU_CMP)
		cpu_set_reg(c, i->rm, size, a);
}

/* The r/m source operand when it is in memory. */
static __attribute__((noinline)) uint32_t rm_load(struct cpu *c, const struct cpu_insn *i, unsigned size)
{
	return cpu_read(c, i->seg, cpu_ea(c, i), size);
}

/* reg OP= r/m. */
CPU_INLINE void alu_reg(struct cpu *c, const struct cpu_insn *i, unsigned op, unsigned size)
{
	uint32_t b = i->mod == 3 ? cpu_reg(c, i->rm, size) : rm_load(c, i, size);
	uint32_t r = alu(c, &c->lf, op, size, cpu_reg(c, i->reg, size), b);

	if (op != ALU_CMP)
		cpu_set_reg(c, i->reg, size, r);
}

/* AL/AX/EAX OP= imm. */
CPU_INLINE void alu_acc(struct cpu *c, unsigned op, unsigned size, uint32_t imm)
{
	uint32_t r = alu(c, &c->lf, op, size, cpu_reg(c, 0, size), imm);

	if (op != ALU_CMP)
		cpu_set_reg(c, 0, size, r);
}

#define ALU_HANDLERS(name, op)                                                  \
	void cpu_op_##name##_ebgb(struct cpu *c, const struct cpu_insn *i)      \
	{ alu_rm(c, i, op, 1, cpu_reg8(c, i->reg)); }                           \
	void cpu_op_##name##_evgv(struct cpu *c, const struct cpu_insn *i)      \
	{ alu_rm(c, i, op, i->opsize, cpu_reg(c, i->reg, i->opsize)); }         \
	void cpu_op_##name##_gbeb(struct cpu *c, const struct cpu_insn *i)      \
	{ alu_reg(c, i, op, 1); }                                               \
	void cpu_op_##name##_gvev(struct cpu *c, const struct cpu_insn *i)      \
	{ alu_reg(c, i, op, i->opsize); }                                       \
	void cpu_op_##name##_alib(struct cpu *c, const struct cpu_insn *i)      \
	{ alu_acc(c, op, 1, i->imm); }                                          \
	void cpu_op_##name##_eaxiv(struct cpu *c, const struct cpu_insn *i)     \
	{ alu_acc(c, op, i->opsize, i->imm); }                                  \
	void cpu_op_##name##_ebib(struct cpu *c, const struct cpu_insn *i)      \
	{ alu_rm(c, i, op, 1, i->imm); }                                        \
	void cpu_op_##name##_eviv(struct cpu *c, const struct cpu_insn *i)      \
	{ alu_rm(c, i, op, i->opsize, i->imm); }

#define ALU_PROTOS(name)                                                      \
	void cpu_op_##name##_ebgb(struct cpu *c, const struct cpu_insn *i);   \
	void cpu_op_##name##_evgv(struct cpu *c, const struct cpu_insn *i);   \
	void cpu_op_##name##_gbeb(struct cpu *c, const struct cpu_insn *i);   \
	void cpu_op_##name##_gvev(struct cpu *c, const struct cpu_insn *i);   \
	void cpu_op_##name##_alib(struct cpu *c, const struct cpu_insn *i);   \
	void cpu_op_##name##_eaxiv(struct cpu *c, const struct cpu_insn *i);  \
	void cpu_op_##name##_ebib(struct cpu *c, const struct cpu_insn *i);   \
	void cpu_op_##name##_eviv(struct cpu *c, const struct cpu_insn *i);

ALU_PROTOS(add)
ALU_PROTOS(or)
ALU_PROTOS(adc)
ALU_PROTOS(sbb)
ALU_PROTOS(and)
ALU_PROTOS(sub)
ALU_PROTOS(xor)
ALU_PROTOS(cmp)

ALU_HANDLERS(add, ALU_ADD)
ALU_HANDLERS(or, ALU_OR)
ALU_HANDLERS(adc, ALU_ADC)
ALU_HANDLERS(sbb, ALU_SBB)
ALU_HANDLERS(and, ALU_AND)
ALU_HANDLERS(sub, ALU_SUB)
ALU_HANDLERS(xor, ALU_XOR)
ALU_HANDLERS(cmp, ALU_CMP)

/* ---- TEST ---------------------------------------------------------------- */

CPU_INLINE void test_rm(struct cpu *c, const struct cpu_insn *i, unsigned size, uint32_t b)
{
	uint32_t a = i->mod == 3 ? cpu_reg(c, i->rm, size) : rm_load(c, i, size);

	cpu_lazy(c, LF_LOGIC, size, a & b & size_mask(size), 0, 0, 0);
}

void cpu_op_test_ebgb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_test_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_test_alib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_test_eaxiv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_test_ebib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_test_eviv(struct cpu *c, const struct cpu_insn *i);

void cpu_op_test_ebgb(struct cpu *c, const struct cpu_insn *i) { test_rm(c, i, 1, cpu_reg8(c, i->reg)); }
void cpu_op_test_evgv(struct cpu *c, const struct cpu_insn *i)
{
	test_rm(c, i, i->opsize, cpu_reg(c, i->reg, i->opsize));
}
void cpu_op_test_alib(struct cpu *c, const struct cpu_insn *i)
{
	cpu_lazy(c, LF_LOGIC, 1, cpu_reg8(c, 0) & i->imm & 0xff, 0, 0, 0);
}
void cpu_op_test_eaxiv(struct cpu *c, const struct cpu_insn *i)
{
	cpu_lazy(c, LF_LOGIC, i->opsize, cpu_reg(c, 0, i->opsize) & i->imm, 0, 0, 0);
}
void cpu_op_test_ebib(struct cpu *c, const struct cpu_insn *i) { test_rm(c, i, 1, i->imm); }
void cpu_op_test_eviv(struct cpu *c, const struct cpu_insn *i) { test_rm(c, i, i->opsize, i->imm); }

/* ---- INC, DEC, NOT, NEG ---------------------------------------------------- */

void cpu_op_inc_r(struct cpu *c, const struct cpu_insn *i);
void cpu_op_dec_r(struct cpu *c, const struct cpu_insn *i);
void cpu_op_inc_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_dec_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_inc_ev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_dec_ev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_not_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_not_ev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_neg_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_neg_ev(struct cpu *c, const struct cpu_insn *i);

/* 40+r / 48+r. */
void cpu_op_inc_r(struct cpu *c, const struct cpu_insn *i)
{
	unsigned r = i->op & 7, sz = i->opsize;
	uint32_t a = cpu_reg(c, r, sz), v = (a + 1) & size_mask(sz);

	cpu_lazy(c, LF_INC, sz, v, a, 1, cpu_cf(c));
	cpu_set_reg(c, r, sz, v);
}

void cpu_op_dec_r(struct cpu *c, const struct cpu_insn *i)
{
	unsigned r = i->op & 7, sz = i->opsize;
	uint32_t a = cpu_reg(c, r, sz), v = (a - 1) & size_mask(sz);

	cpu_lazy(c, LF_DEC, sz, v, a, 1, cpu_cf(c));
	cpu_set_reg(c, r, sz, v);
}

CPU_INLINE void incdec_rm(struct cpu *c, const struct cpu_insn *i, unsigned size, bool dec)
{
	uint32_t off = 0, a = cpu_rm_rmw_read(c, i, size, &off);
	uint32_t v = (dec ? a - 1 : a + 1) & size_mask(size);
	bool cf = cpu_cf(c);

	cpu_rm_write_at(c, i, size, off, v);
	cpu_lazy(c, dec ? LF_DEC : LF_INC, size, v, a, 1, cf);
}

void cpu_op_inc_eb(struct cpu *c, const struct cpu_insn *i) { incdec_rm(c, i, 1, false); }
void cpu_op_dec_eb(struct cpu *c, const struct cpu_insn *i) { incdec_rm(c, i, 1, true); }
void cpu_op_inc_ev(struct cpu *c, const struct cpu_insn *i) { incdec_rm(c, i, i->opsize, false); }
void cpu_op_dec_ev(struct cpu *c, const struct cpu_insn *i) { incdec_rm(c, i, i->opsize, true); }

CPU_INLINE void not_rm(struct cpu *c, const struct cpu_insn *i, unsigned size)
{
	uint32_t off = 0, a = cpu_rm_rmw_read(c, i, size, &off);

	cpu_rm_write_at(c, i, size, off, ~a & size_mask(size));
}

CPU_INLINE void neg_rm(struct cpu *c, const struct cpu_insn *i, unsigned size)
{
	uint32_t off = 0, a = cpu_rm_rmw_read(c, i, size, &off);
	uint32_t v = (0u - a) & size_mask(size);

	cpu_rm_write_at(c, i, size, off, v);
	cpu_lazy(c, LF_NEG, size, v, a, 0, 0);
}

void cpu_op_not_eb(struct cpu *c, const struct cpu_insn *i) { not_rm(c, i, 1); }
void cpu_op_not_ev(struct cpu *c, const struct cpu_insn *i) { not_rm(c, i, i->opsize); }
void cpu_op_neg_eb(struct cpu *c, const struct cpu_insn *i) { neg_rm(c, i, 1); }
void cpu_op_neg_ev(struct cpu *c, const struct cpu_insn *i) { neg_rm(c, i, i->opsize); }

/* ---- CMPXCHG, XADD, CMPXCHG8B ---------------------------------------------- */

void cpu_op_cmpxchg_ebgb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_cmpxchg_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_xadd_ebgb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_xadd_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_cmpxchg8b(struct cpu *c, const struct cpu_insn *i);

/* Compares the accumulator with r/m: equal -> r/m = reg, else acc = r/m.
 * A memory destination is always written (with its old value when the
 * comparison fails), as the processor does. */
CPU_INLINE void cmpxchg(struct cpu *c, const struct cpu_insn *i, unsigned size)
{
	uint32_t m = size_mask(size), off = 0;
	uint32_t d = cpu_rm_rmw_read(c, i, size, &off);
	uint32_t acc = cpu_reg(c, 0, size);
	uint32_t src = cpu_reg(c, i->reg, size);
	bool eq = d == acc;

	if (i->mod == 3) {
		if (eq)
			cpu_set_reg(c, i->rm, size, src);
	} else {
		cpu_write(c, i->seg, off, size, eq ? src : d);
	}
	if (!eq)
		cpu_set_reg(c, 0, size, d);
	cpu_lazy(c, LF_SUB, size, (acc - d) & m, acc, d, 0);
}

void cpu_op_cmpxchg_ebgb(struct cpu *c, const struct cpu_insn *i) { cmpxchg(c, i, 1); }
void cpu_op_cmpxchg_evgv(struct cpu *c, const struct cpu_insn *i) { cmpxchg(c, i, i->opsize); }

/* TEMP = dest + src; src = dest; dest = TEMP (so XADD r, r with the same
 * register leaves the sum). */
CPU_INLINE void xadd(struct cpu *c, const struct cpu_insn *i, unsigned size)
{
	uint32_t m = size_mask(size), off = 0;
	uint32_t d = cpu_rm_rmw_read(c, i, size, &off);
	uint32_t s = cpu_reg(c, i->reg, size);
	uint32_t r = (d + s) & m;

	if (i->mod != 3)
		cpu_write(c, i->seg, off, size, r);
	cpu_set_reg(c, i->reg, size, d);
	if (i->mod == 3)
		cpu_set_reg(c, i->rm, size, r);
	cpu_lazy(c, LF_ADD, size, r, d, s, 0);
}

void cpu_op_xadd_ebgb(struct cpu *c, const struct cpu_insn *i) { xadd(c, i, 1); }
void cpu_op_xadd_evgv(struct cpu *c, const struct cpu_insn *i) { xadd(c, i, i->opsize); }

/* 0F C7 /1: compare EDX:EAX with m64; equal -> m64 = ECX:EBX, ZF = 1;
 * else EDX:EAX = m64 (written back unchanged), ZF = 0.  Other flags are
 * unaffected.  A register operand is #UD. */
void cpu_op_cmpxchg8b(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t off;
	uint64_t m, acc;

	if (i->mod == 3)
		cpu_raise(c, CPU_UD, 0);
	off = cpu_ea(c, i);
	cpu_check_write(c, i->seg, off, 8);
	m = cpu_read64(c, i->seg, off);
	acc = (uint64_t)c->gpr[CPU_EDX] << 32 | c->gpr[CPU_EAX];
	if (m == acc) {
		cpu_write64(c, i->seg, off, (uint64_t)c->gpr[CPU_ECX] << 32 | c->gpr[CPU_EBX]);
		cpu_set_flags(c, CPU_ZF, CPU_ZF);
	} else {
		cpu_write64(c, i->seg, off, m);
		c->gpr[CPU_EAX] = (uint32_t)m;
		c->gpr[CPU_EDX] = (uint32_t)(m >> 32);
		cpu_set_flags(c, 0, CPU_ZF);
	}
}
