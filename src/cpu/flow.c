/* Near control flow: Jcc, JMP/CALL/RET near, LOOPcc, JCXZ/JECXZ, INT n,
 * INT3, INTO, INT1, BOUND, ENTER and LEAVE.
 *
 * Every transfer goes through flow_target(), which masks the target to 16
 * bits with a 16-bit operand size and raises #GP(0) when it lies beyond the
 * CS limit (in real mode too), before any register or memory changes. */
#include "config.h"

#include "cpu/cpu_int.h"

/* Checks and returns a near branch target for operand size opsize. */
static uint32_t flow_target(struct cpu *c, uint32_t target, unsigned opsize)
{
	if (opsize == 2)
		target &= 0xffff;
	if (target > c->seg[CPU_CS].limit)
		cpu_raise(c, CPU_GP, 0);
	return target;
}

/* Stack pointer arithmetic wraps at 16 bits on a 16-bit stack. */
static uint32_t flow_sp_add(const struct cpu *c, uint32_t sp, uint32_t delta)
{
	sp += delta;
	return c->stack32 ? sp : (sp & 0xffff);
}

/* Jcc rel8 (70-7F) and Jcc rel16/32 (0F 80-8F). */
void cpu_op_jcc(struct cpu *c, const struct cpu_insn *i)
{
	if (cpu_cond(c, i->op & 0xf))
		c->next_eip = flow_target(c, c->next_eip + i->imm, i->opsize);
}

/* JMP rel8 (EB), JMP rel16/32 (E9). */
void cpu_op_jmp_rel(struct cpu *c, const struct cpu_insn *i)
{
	c->next_eip = flow_target(c, c->next_eip + i->imm, i->opsize);
}

/* CALL rel16/32 (E8): the return address is the next instruction. */
void cpu_op_call_rel(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t target = flow_target(c, c->next_eip + i->imm, i->opsize);

	cpu_push(c, i->opsize, c->next_eip);
	c->next_eip = target;
}

/* JMP r/m16/32 (FF /4). */
void cpu_op_jmp_rm(struct cpu *c, const struct cpu_insn *i)
{
	c->next_eip = flow_target(c, cpu_rm_read(c, i, i->opsize), i->opsize);
}

/* CALL r/m16/32 (FF /2): the target is read (with ESP as it was) first. */
void cpu_op_call_rm(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t target = flow_target(c, cpu_rm_read(c, i, i->opsize), i->opsize);

	cpu_push(c, i->opsize, c->next_eip);
	c->next_eip = target;
}

/* RET (C3) and RET imm16 (C2): ESP commits only after the limit check. */
void cpu_op_ret(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t sp = cpu_sp(c);
	uint32_t target = flow_target(c, cpu_stack_read(c, sp, i->opsize), i->opsize);
	uint32_t extra = i->op == 0xc2 ? (i->imm & 0xffff) : 0;

	cpu_set_sp(c, flow_sp_add(c, sp, i->opsize + extra));
	c->next_eip = target;
}

/* LOOPNE (E0), LOOPE (E1), LOOP (E2): the counter is CX or ECX by address
 * size; it is written only once the branch target has been checked. */
void cpu_op_loop(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t mask = i->adsize == 2 ? 0xffffu : 0xffffffffu;
	uint32_t count = (c->gpr[CPU_ECX] - 1) & mask;
	bool take = count != 0;

	if (take && i->op != 0xe2)
		take = cpu_cond(c, 4) == (i->op == 0xe1);  /* cc 4: ZF */
	if (take)
		c->next_eip = flow_target(c, c->next_eip + i->imm, i->opsize);
	c->gpr[CPU_ECX] = (c->gpr[CPU_ECX] & ~mask) | count;
}

/* JCXZ / JECXZ (E3) by address size. */
void cpu_op_jcxz(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t mask = i->adsize == 2 ? 0xffffu : 0xffffffffu;

	if ((c->gpr[CPU_ECX] & mask) == 0)
		c->next_eip = flow_target(c, c->next_eip + i->imm, i->opsize);
}

/* INT imm8 (CD). */
void cpu_op_int(struct cpu *c, const struct cpu_insn *i)
{
	cpu_interrupt(c, i->imm & 0xff, CPU_INT_SOFT, false, 0);
}

/* INT3 (CC): #BP as a software interrupt (gate DPL checked). */
void cpu_op_int3(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_interrupt(c, CPU_BP, CPU_INT_SOFT, false, 0);
}

/* INTO (CE): #OF when OF is set, else nothing. */
void cpu_op_into(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	if (cpu_flags(c) & CPU_OF)
		cpu_interrupt(c, CPU_OF_VEC, CPU_INT_SOFT, false, 0);
}

/* INT1/ICEBP (F1): a #DB trap delivered like an exception (no gate DPL
 * check) whose return address is the next instruction. */
void cpu_op_int1(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	c->eip = c->next_eip;
	cpu_interrupt(c, CPU_DB, CPU_INT_EXC, false, 0);
}

/* BOUND r16/32, m16&16/m32&32 (62): #BR when the signed index lies outside
 * [lower, upper]; a register operand is #UD. */
void cpu_op_bound(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t ea, mask = i->adsize == 2 ? 0xffffu : 0xffffffffu;
	int32_t idx, lo, hi;

	if (cpu_modrm_is_reg(i))
		cpu_raise(c, CPU_UD, 0);
	ea = cpu_ea(c, i);
	if (i->opsize == 2) {
		idx = (int16_t)cpu_reg(c, i->reg, 2);
		lo = (int16_t)cpu_read(c, i->seg, ea, 2);
		hi = (int16_t)cpu_read(c, i->seg, (ea + 2) & mask, 2);
	} else {
		idx = (int32_t)c->gpr[i->reg];
		lo = (int32_t)cpu_read(c, i->seg, ea, 4);
		hi = (int32_t)cpu_read(c, i->seg, (ea + 4) & mask, 4);
	}
	if (idx < lo || idx > hi)
		cpu_raise(c, CPU_BR, 0);
}

/* ENTER imm16, imm8 (C8): push (E)BP, copy level-1 frame pointers from the
 * enclosing frame, push the new frame pointer, reserve imm16 bytes.  All
 * writes go below the committed ESP; registers commit at the end, after a
 * write probe at the final stack pointer (SDM: #SS/#PF there). */
void cpu_op_enter(struct cpu *c, const struct cpu_insn *i)
{
	unsigned size = i->opsize, level = i->imm2 & 0x1f, n;
	uint32_t spmask = c->stack32 ? 0xffffffffu : 0xffffu;
	uint32_t sp = cpu_sp(c), bp = c->gpr[CPU_EBP] & spmask, frame;

	sp = (sp - size) & spmask;
	cpu_stack_write(c, sp, size, cpu_reg(c, CPU_EBP, size));
	frame = sp;
	if (level > 0) {
		for (n = 1; n < level; n++) {
			uint32_t v;

			bp = (bp - size) & spmask;
			v = cpu_stack_read(c, bp, size);
			sp = (sp - size) & spmask;
			cpu_stack_write(c, sp, size, v);
		}
		sp = (sp - size) & spmask;
		cpu_stack_write(c, sp, size, frame);
	}
	sp = (sp - (i->imm & 0xffff)) & spmask;
	cpu_check_write(c, CPU_SS, sp, size);
	cpu_set_reg(c, CPU_EBP, size, frame);
	cpu_set_sp(c, sp);
}

/* LEAVE (C9): (E)SP = (E)BP, then pop (E)BP. */
void cpu_op_leave(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t sp = c->stack32 ? c->gpr[CPU_EBP] : (c->gpr[CPU_EBP] & 0xffff);
	uint32_t v = cpu_stack_read(c, sp, i->opsize);

	cpu_set_sp(c, flow_sp_add(c, sp, i->opsize));
	cpu_set_reg(c, CPU_EBP, i->opsize, v);
}
