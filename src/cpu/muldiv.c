/* Multiply and divide: MUL/IMUL/DIV/IDIV (F6/F7 /4-/7), IMUL Gv,Ev (0F AF),
 * IMUL Gv,Ev,Iz (69) and IMUL Gv,Ev,Ib (6B).
 *
 * Flags: MUL/IMUL record LF_MUL/LF_IMUL (CF = OF = the high half is
 * significant; SF/ZF/PF from the low half, AF = 0: undefined per SDM).
 * DIV/IDIV leave all flags unchanged (undefined per SDM).  Divide by zero
 * and quotient overflow (including INT_MIN / -1) raise #DE before any
 * state changes; no host division ever sees them. */
#include "config.h"

#include "cpu/cpu_int.h"

/* Hot helpers: inlined into every handler so constants fold. */

void cpu_op_mul_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mul_ev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_imul_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_imul_ev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_div_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_div_ev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_idiv_eb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_idiv_ev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_imul_gvev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_imul_gveviz(struct cpu *c, const struct cpu_insn *i);

CPU_INLINE int32_t sext(uint32_t v, unsigned size)
{
	if (size == 1)
		return (int8_t)v;
	if (size == 2)
		return (int16_t)v;
	return (int32_t)v;
}

void cpu_op_mul_eb(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t p = cpu_reg8(c, 0) * cpu_rm_read(c, i, 1);

	cpu_set_reg(c, CPU_EAX, 2, p);
	cpu_lazy(c, LF_MUL, 1, p & 0xff, 0, 0, p >> 8);
}

void cpu_op_mul_ev(struct cpu *c, const struct cpu_insn *i)
{
	unsigned sz = i->opsize;
	uint64_t p = (uint64_t)cpu_reg(c, CPU_EAX, sz) * cpu_rm_read(c, i, sz);
	uint32_t lo = (uint32_t)p, hi = (uint32_t)(p >> (sz * 8));

	cpu_set_reg(c, CPU_EAX, sz, lo);
	cpu_set_reg(c, CPU_EDX, sz, hi);
	cpu_lazy(c, LF_MUL, sz, lo, 0, 0, hi);
}

void cpu_op_imul_eb(struct cpu *c, const struct cpu_insn *i)
{
	int32_t p = (int8_t)cpu_reg8(c, 0) * (int8_t)cpu_rm_read(c, i, 1);

	cpu_set_reg(c, CPU_EAX, 2, (uint32_t)p);
	cpu_lazy(c, LF_IMUL, 1, (uint32_t)p & 0xff, 0, 0, ((uint32_t)p >> 8) & 0xff);
}

void cpu_op_imul_ev(struct cpu *c, const struct cpu_insn *i)
{
	unsigned sz = i->opsize;
	int64_t p = (int64_t)sext(cpu_reg(c, CPU_EAX, sz), sz) * sext(cpu_rm_read(c, i, sz), sz);
	uint32_t lo = (uint32_t)(uint64_t)p, hi = (uint32_t)((uint64_t)p >> (sz * 8));

	cpu_set_reg(c, CPU_EAX, sz, lo);
	cpu_set_reg(c, CPU_EDX, sz, hi);
	cpu_lazy(c, LF_IMUL, sz, lo, 0, 0, hi);
}

/* Truncating signed multiply into a register: the flags say whether the
 * full product fitted. */
CPU_INLINE void imul_trunc(struct cpu *c, unsigned reg, unsigned sz, uint32_t a, uint32_t b)
{
	int64_t p = (int64_t)sext(a, sz) * sext(b, sz);
	uint32_t lo = (uint32_t)(uint64_t)p, hi = (uint32_t)((uint64_t)p >> (sz * 8));

	cpu_set_reg(c, reg, sz, lo);
	cpu_lazy(c, LF_IMUL, sz, lo, 0, 0, hi);
}

void cpu_op_imul_gvev(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t b = cpu_rm_read(c, i, i->opsize);

	imul_trunc(c, i->reg, i->opsize, cpu_reg(c, i->reg, i->opsize), b);
}

/* 69 and 6B: the decoder has sign-extended the immediate. */
void cpu_op_imul_gveviz(struct cpu *c, const struct cpu_insn *i)
{
	imul_trunc(c, i->reg, i->opsize, cpu_rm_read(c, i, i->opsize), i->imm);
}

void cpu_op_div_eb(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t d = cpu_rm_read(c, i, 1), n = c->gpr[CPU_EAX] & 0xffff, q;

	if (d == 0)
		cpu_raise(c, CPU_DE, 0);
	q = n / d;
	if (q > 0xff)
		cpu_raise(c, CPU_DE, 0);
	cpu_set_reg(c, CPU_EAX, 2, (n % d) << 8 | q);
}

void cpu_op_div_ev(struct cpu *c, const struct cpu_insn *i)
{
	unsigned sz = i->opsize;
	uint64_t d = cpu_rm_read(c, i, sz), n, q;

	if (d == 0)
		cpu_raise(c, CPU_DE, 0);
	if (sz == 4)
		n = (uint64_t)c->gpr[CPU_EDX] << 32 | c->gpr[CPU_EAX];
	else
		n = (c->gpr[CPU_EDX] & 0xffff) << 16 | (c->gpr[CPU_EAX] & 0xffff);
	q = n / d;
	if (q > (sz == 4 ? 0xffffffffu : 0xffffu))
		cpu_raise(c, CPU_DE, 0);
	cpu_set_reg(c, CPU_EAX, sz, (uint32_t)q);
	cpu_set_reg(c, CPU_EDX, sz, (uint32_t)(n % d));
}

void cpu_op_idiv_eb(struct cpu *c, const struct cpu_insn *i)
{
	int32_t d = (int8_t)cpu_rm_read(c, i, 1), n = (int16_t)c->gpr[CPU_EAX], q;

	if (d == 0)
		cpu_raise(c, CPU_DE, 0);
	q = n / d;
	if (q < -128 || q > 127)
		cpu_raise(c, CPU_DE, 0);
	cpu_set_reg(c, CPU_EAX, 2, ((uint32_t)(n % d) & 0xff) << 8 | ((uint32_t)q & 0xff));
}

void cpu_op_idiv_ev(struct cpu *c, const struct cpu_insn *i)
{
	unsigned sz = i->opsize;
	int64_t d = sext(cpu_rm_read(c, i, sz), sz), n, q, lim = sz == 4 ? INT32_MAX : INT16_MAX;

	if (d == 0)
		cpu_raise(c, CPU_DE, 0);
	if (sz == 4)
		n = (int64_t)((uint64_t)c->gpr[CPU_EDX] << 32 | c->gpr[CPU_EAX]);
	else
		n = (int32_t)((c->gpr[CPU_EDX] & 0xffff) << 16 | (c->gpr[CPU_EAX] & 0xffff));
	/* INT64_MIN / -1 would trap in the host: it overflows anyway. */
	if (d == -1 && n == INT64_MIN)
		cpu_raise(c, CPU_DE, 0);
	q = n / d;
	if (q < -lim - 1 || q > lim)
		cpu_raise(c, CPU_DE, 0);
	cpu_set_reg(c, CPU_EAX, sz, (uint32_t)q);
	cpu_set_reg(c, CPU_EDX, sz, (uint32_t)(n % d));
}
