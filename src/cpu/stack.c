/* Stack instructions: PUSH/POP r, PUSH imm, PUSH r/m, POP r/m, PUSHA/POPA.
 * Multi-value sequences work on a local stack pointer and commit ESP last,
 * so a fault leaves every register as it was. */
#include "config.h"

#include "cpu/cpu_int.h"

static uint32_t stack_mask(const struct cpu *c)
{
	return c->stack32 ? 0xffffffffu : 0xffffu;
}

/* PUSH r16/32 (50-57).  PUSH ESP pushes the value before the decrement. */
void cpu_op_push_r(struct cpu *c, const struct cpu_insn *i)
{
	cpu_push(c, i->opsize, cpu_reg(c, i->op & 7, i->opsize));
}

/* POP r16/32 (58-5F).  POP ESP leaves ESP = the value popped. */
void cpu_op_pop_r(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t v = cpu_pop(c, i->opsize);

	cpu_set_reg(c, i->op & 7, i->opsize, v);
}

/* PUSH imm16/32 (68) and PUSH imm8 sign-extended (6A). */
void cpu_op_push_imm(struct cpu *c, const struct cpu_insn *i)
{
	cpu_push(c, i->opsize, i->imm);
}

/* PUSH r/m16/32 (FF /6): an ESP-based operand uses ESP before the push. */
void cpu_op_push_rm(struct cpu *c, const struct cpu_insn *i)
{
	cpu_push(c, i->opsize, cpu_rm_read(c, i, i->opsize));
}

/* POP r/m16/32 (8F /0).  Per the SDM an ESP-based memory operand's address
 * is computed with ESP already incremented; ESP itself commits only after
 * the store succeeded. */
void cpu_op_pop_rm(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t sp = cpu_sp(c), old_esp = c->gpr[CPU_ESP];
	uint32_t v = cpu_stack_read(c, sp, i->opsize);
	uint32_t nsp = (sp + i->opsize) & stack_mask(c);
	uint32_t ea;

	if (cpu_modrm_is_reg(i)) {
		cpu_set_sp(c, nsp);
		cpu_set_reg(c, i->rm, i->opsize, v);
		return;
	}
	cpu_set_sp(c, nsp);
	ea = cpu_ea(c, i);
	c->gpr[CPU_ESP] = old_esp;
	cpu_write(c, i->seg, ea, i->opsize, v);
	cpu_set_sp(c, nsp);
}

/* PUSHA/PUSHAD (60): EAX ECX EDX EBX (original ESP) EBP ESI EDI.  The whole
 * destination range is probed first when it does not wrap. */
void cpu_op_pusha(struct cpu *c, const struct cpu_insn *i)
{
	unsigned size = i->opsize, r;
	uint32_t mask = stack_mask(c), sp = cpu_sp(c);
	uint32_t total = 8 * size;

	if (sp >= total)
		cpu_check_write(c, CPU_SS, sp - total, total);
	for (r = 0; r < 8; r++) {
		sp = (sp - size) & mask;
		cpu_stack_write(c, sp, size, cpu_reg(c, r, size));
	}
	cpu_set_sp(c, sp);
}

/* POPA/POPAD (61): EDI ESI EBP (skipped) EBX EDX ECX EAX; every value is
 * read before any register changes. */
void cpu_op_popa(struct cpu *c, const struct cpu_insn *i)
{
	unsigned size = i->opsize;
	uint32_t mask = stack_mask(c), sp = cpu_sp(c);
	uint32_t v[8];
	int r;

	for (r = 7; r >= 0; r--) {
		v[r] = cpu_stack_read(c, sp, size);
		sp = (sp + size) & mask;
	}
	for (r = 0; r < 8; r++)
		if (r != CPU_ESP)
			cpu_set_reg(c, (unsigned)r, size, v[r]);
	cpu_set_sp(c, sp);
}
