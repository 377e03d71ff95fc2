/* BCD adjustment: DAA (27), DAS (2F), AAA (37), AAS (3F), AAM (D4 ib),
 * AAD (D5 ib), following the SDM's operation sections.
 *
 * Undefined flags get a fixed choice: DAA/DAS OF = 0; AAA/AAS SF, ZF, PF
 * from the final AL and OF = 0; AAM/AAD OF = AF = CF = 0
 * (test/cpu_diff.c masks exactly these). */
#include "config.h"

#include "cpu/cpu_int.h"

void cpu_op_daa(struct cpu *c, const struct cpu_insn *i);
void cpu_op_das(struct cpu *c, const struct cpu_insn *i);
void cpu_op_aaa(struct cpu *c, const struct cpu_insn *i);
void cpu_op_aas(struct cpu *c, const struct cpu_insn *i);
void cpu_op_aam(struct cpu *c, const struct cpu_insn *i);
void cpu_op_aad(struct cpu *c, const struct cpu_insn *i);

/* Sets AL = al, SF/ZF/PF from it and CF/AF/OF from f. */
static void bcd_result(struct cpu *c, uint32_t al, uint32_t f)
{
	cpu_set_reg8(c, 0, al);
	cpu_lazy(c, LF_LOGIC, 1, al & 0xff, 0, 0, 0);
	cpu_set_flags(c, f, CPU_CF | CPU_AF | CPU_OF);
}

void cpu_op_daa(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t fl = cpu_flags(c), al = cpu_reg8(c, 0), old = al, f = 0;
	bool ocf = fl & CPU_CF;

	(void)i;
	if ((al & 0xf) > 9 || (fl & CPU_AF)) {
		al += 6;
		if (ocf || al > 0xff)
			f |= CPU_CF;
		f |= CPU_AF;
		al &= 0xff;
	}
	if (old > 0x99 || ocf) {
		al = (al + 0x60) & 0xff;
		f |= CPU_CF;
	} else {
		f &= ~CPU_CF;
	}
	bcd_result(c, al, f);
}

void cpu_op_das(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t fl = cpu_flags(c), al = cpu_reg8(c, 0), old = al, f = 0;
	bool ocf = fl & CPU_CF;

	(void)i;
	if ((al & 0xf) > 9 || (fl & CPU_AF)) {
		if (ocf || al < 6)
			f |= CPU_CF;
		al = (al - 6) & 0xff;
		f |= CPU_AF;
	}
	if (old > 0x99 || ocf) {
		al = (al - 0x60) & 0xff;
		f |= CPU_CF;
	}
	bcd_result(c, al, f);
}

/* AAA: AX += 0x106 on a decimal carry (the carry out of AL reaches AH). */
void cpu_op_aaa(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t fl = cpu_flags(c), ax = c->gpr[CPU_EAX] & 0xffff, f = 0;

	(void)i;
	if ((ax & 0xf) > 9 || (fl & CPU_AF)) {
		ax += 0x106;
		f = CPU_AF | CPU_CF;
	}
	ax &= 0xff0f;
	cpu_set_reg(c, CPU_EAX, 2, ax);
	bcd_result(c, ax & 0xff, f);
}

/* AAS: AX -= 6 and AH -= 1 on a decimal borrow. */
void cpu_op_aas(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t fl = cpu_flags(c), ax = c->gpr[CPU_EAX] & 0xffff, f = 0;

	(void)i;
	if ((ax & 0xf) > 9 || (fl & CPU_AF)) {
		ax = (ax - 6 - 0x100) & 0xffff;
		f = CPU_AF | CPU_CF;
	}
	ax &= 0xff0f;
	cpu_set_reg(c, CPU_EAX, 2, ax);
	bcd_result(c, ax & 0xff, f);
}

/* AAM imm8: AH = AL / imm8, AL = AL % imm8; #DE when imm8 is 0. */
void cpu_op_aam(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t base = i->imm & 0xff, al = cpu_reg8(c, 0);

	if (base == 0)
		cpu_raise(c, CPU_DE, 0);
	cpu_set_reg(c, CPU_EAX, 2, (al / base) << 8 | (al % base));
	bcd_result(c, al % base, 0);
}

/* AAD imm8: AL = AL + AH * imm8, AH = 0. */
void cpu_op_aad(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t al = (cpu_reg8(c, 0) + cpu_reg8(c, 4) * (i->imm & 0xff)) & 0xff;

	cpu_set_reg(c, CPU_EAX, 2, al);
	bcd_result(c, al, 0);
}
