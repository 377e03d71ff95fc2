/* Data movement and flag bits: MOV (88-8B, A0-A3, B0-BF, C6/C7 /0),
 * MOVZX/MOVSX, LEA, XCHG (86/87, 90-97; 90 is NOP), CBW/CWDE, CWD/CDQ,
 * LAHF/SAHF, XLAT, CLC/STC/CMC/CLD/STD, SALC, SETcc and CMOVcc. */
#include "config.h"

#include "cpu/cpu_int.h"

/* Hot helpers: inlined into every handler so constants fold. */

void cpu_op_mov_ebgb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_gbeb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_gvev(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_al_moffs(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_eax_moffs(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_moffs_al(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_moffs_eax(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_rb_ib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_rv_iv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_ebib(struct cpu *c, const struct cpu_insn *i);
void cpu_op_mov_eviv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_movzx_gveb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_movzx_gvew(struct cpu *c, const struct cpu_insn *i);
void cpu_op_movsx_gveb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_movsx_gvew(struct cpu *c, const struct cpu_insn *i);
void cpu_op_lea(struct cpu *c, const struct cpu_insn *i);
void cpu_op_xchg_ebgb(struct cpu *c, const struct cpu_insn *i);
void cpu_op_xchg_evgv(struct cpu *c, const struct cpu_insn *i);
void cpu_op_xchg_eax_r(struct cpu *c, const struct cpu_insn *i);
void cpu_op_nop(struct cpu *c, const struct cpu_insn *i);
void cpu_op_cbw(struct cpu *c, const struct cpu_insn *i);
void cpu_op_cwd(struct cpu *c, const struct cpu_insn *i);
void cpu_op_lahf(struct cpu *c, const struct cpu_insn *i);
void cpu_op_sahf(struct cpu *c, const struct cpu_insn *i);
void cpu_op_xlat(struct cpu *c, const struct cpu_insn *i);
void cpu_op_clc(struct cpu *c, const struct cpu_insn *i);
void cpu_op_stc(struct cpu *c, const struct cpu_insn *i);
void cpu_op_cmc(struct cpu *c, const struct cpu_insn *i);
void cpu_op_cld(struct cpu *c, const struct cpu_insn *i);
void cpu_op_std(struct cpu *c, const struct cpu_insn *i);
void cpu_op_salc(struct cpu *c, const struct cpu_insn *i);
void cpu_op_setcc(struct cpu *c, const struct cpu_insn *i);
void cpu_op_cmovcc(struct cpu *c, const struct cpu_insn *i);

void cpu_op_mov_ebgb(struct cpu *c, const struct cpu_insn *i) { cpu_rm_write(c, i, 1, cpu_reg8(c, i->reg)); }
void cpu_op_mov_evgv(struct cpu *c, const struct cpu_insn *i)
{
	cpu_rm_write(c, i, i->opsize, cpu_reg(c, i->reg, i->opsize));
}
void cpu_op_mov_gbeb(struct cpu *c, const struct cpu_insn *i) { cpu_set_reg8(c, i->reg, cpu_rm_read(c, i, 1)); }
void cpu_op_mov_gvev(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg(c, i->reg, i->opsize, cpu_rm_read(c, i, i->opsize));
}

/* A0-A3: the decoder put the moffs offset in disp and the segment in seg. */
void cpu_op_mov_al_moffs(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg8(c, 0, cpu_read(c, i->seg, i->disp, 1));
}
void cpu_op_mov_eax_moffs(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg(c, CPU_EAX, i->opsize, cpu_read(c, i->seg, i->disp, i->opsize));
}
void cpu_op_mov_moffs_al(struct cpu *c, const struct cpu_insn *i)
{
	cpu_write(c, i->seg, i->disp, 1, cpu_reg8(c, 0));
}
void cpu_op_mov_moffs_eax(struct cpu *c, const struct cpu_insn *i)
{
	cpu_write(c, i->seg, i->disp, i->opsize, cpu_reg(c, CPU_EAX, i->opsize));
}

/* B0+r, B8+r. */
void cpu_op_mov_rb_ib(struct cpu *c, const struct cpu_insn *i) { cpu_set_reg8(c, i->op & 7, i->imm); }
void cpu_op_mov_rv_iv(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg(c, i->op & 7, i->opsize, i->imm);
}
void cpu_op_mov_ebib(struct cpu *c, const struct cpu_insn *i) { cpu_rm_write(c, i, 1, i->imm); }
void cpu_op_mov_eviv(struct cpu *c, const struct cpu_insn *i) { cpu_rm_write(c, i, i->opsize, i->imm); }

void cpu_op_movzx_gveb(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg(c, i->reg, i->opsize, cpu_rm_read(c, i, 1));
}
void cpu_op_movzx_gvew(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg(c, i->reg, i->opsize, cpu_rm_read(c, i, 2));
}
void cpu_op_movsx_gveb(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg(c, i->reg, i->opsize, (uint32_t)(int32_t)(int8_t)cpu_rm_read(c, i, 1));
}
void cpu_op_movsx_gvew(struct cpu *c, const struct cpu_insn *i)
{
	cpu_set_reg(c, i->reg, i->opsize, (uint32_t)(int32_t)(int16_t)cpu_rm_read(c, i, 2));
}

/* 8D: the offset, truncated to the operand size; a register operand is #UD. */
void cpu_op_lea(struct cpu *c, const struct cpu_insn *i)
{
	if (i->mod == 3)
		cpu_raise(c, CPU_UD, 0);
	cpu_set_reg(c, i->reg, i->opsize, cpu_ea(c, i));
}

/* 86/87: with memory the read checks writability, so nothing changes if
 * the write would fault. */
CPU_INLINE void xchg_rm(struct cpu *c, const struct cpu_insn *i, unsigned size)
{
	uint32_t r = cpu_reg(c, i->reg, size), m, off;

	if (i->mod == 3) {
		m = cpu_reg(c, i->rm, size);
		cpu_set_reg(c, i->rm, size, r);
	} else {
		off = cpu_ea(c, i);
		m = cpu_rmw_read(c, i->seg, off, size);
		cpu_write(c, i->seg, off, size, r);
	}
	cpu_set_reg(c, i->reg, size, m);
}

void cpu_op_xchg_ebgb(struct cpu *c, const struct cpu_insn *i) { xchg_rm(c, i, 1); }
void cpu_op_xchg_evgv(struct cpu *c, const struct cpu_insn *i) { xchg_rm(c, i, i->opsize); }

/* 91-97. */
void cpu_op_xchg_eax_r(struct cpu *c, const struct cpu_insn *i)
{
	unsigned r = i->op & 7, sz = i->opsize;
	uint32_t a = cpu_reg(c, CPU_EAX, sz);

	cpu_set_reg(c, CPU_EAX, sz, cpu_reg(c, r, sz));
	cpu_set_reg(c, r, sz, a);
}

/* 90 (XCHG eAX, eAX; also PAUSE with F3) and the multi-byte and hint NOPs
 * 0F 18-1F, whose ModRM operand is never accessed. */
void cpu_op_nop(struct cpu *c, const struct cpu_insn *i)
{
	(void)c;
	(void)i;
}

/* 98: CBW (AX = sext AL) or CWDE (EAX = sext AX). */
void cpu_op_cbw(struct cpu *c, const struct cpu_insn *i)
{
	if (i->opsize == 2)
		cpu_set_reg(c, CPU_EAX, 2, (uint32_t)(int32_t)(int8_t)c->gpr[CPU_EAX]);
	else
		c->gpr[CPU_EAX] = (uint32_t)(int32_t)(int16_t)c->gpr[CPU_EAX];
}

/* 99: CWD (DX = sign of AX) or CDQ (EDX = sign of EAX). */
void cpu_op_cwd(struct cpu *c, const struct cpu_insn *i)
{
	if (i->opsize == 2)
		cpu_set_reg(c, CPU_EDX, 2, (c->gpr[CPU_EAX] & 0x8000) ? 0xffff : 0);
	else
		c->gpr[CPU_EDX] = (c->gpr[CPU_EAX] & 0x80000000u) ? 0xffffffffu : 0;
}

#define LAHF_MASK (CPU_SF | CPU_ZF | CPU_AF | CPU_PF | CPU_CF)

void cpu_op_lahf(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_set_reg8(c, 4, (cpu_flags(c) & LAHF_MASK) | 2u);
}

void cpu_op_sahf(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_set_flags(c, cpu_reg8(c, 4), LAHF_MASK);
}

/* D7: AL = [seg:(E)BX + AL], DS unless overridden. */
void cpu_op_xlat(struct cpu *c, const struct cpu_insn *i)
{
	unsigned seg = i->seg_ovr != CPU_SEG_NONE ? i->seg_ovr : CPU_DS;
	uint32_t off = c->gpr[CPU_EBX] + cpu_reg8(c, 0);

	if (i->adsize == 2)
		off &= 0xffff;
	cpu_set_reg8(c, 0, cpu_read(c, seg, off, 1));
}

void cpu_op_clc(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_set_flags(c, 0, CPU_CF);
}
void cpu_op_stc(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_set_flags(c, CPU_CF, CPU_CF);
}
void cpu_op_cmc(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_set_flags(c, cpu_cf(c) ? 0 : CPU_CF, CPU_CF);
}
/* DF is never lazy. */
void cpu_op_cld(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	c->eflags &= ~CPU_DF;
}
void cpu_op_std(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	c->eflags |= CPU_DF;
}

/* D6 (undocumented): AL = CF ? FF : 00, flags unchanged. */
void cpu_op_salc(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_set_reg8(c, 0, cpu_cf(c) ? 0xff : 0);
}

/* 0F 90-9F: the ModRM.reg field is ignored. */
void cpu_op_setcc(struct cpu *c, const struct cpu_insn *i)
{
	cpu_rm_write(c, i, 1, cpu_cond(c, i->op & 15));
}

/* 0F 40-4F: the source is read (and may fault) even when the condition is
 * false; then nothing is written. */
void cpu_op_cmovcc(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t v = cpu_rm_read(c, i, i->opsize);

	if (cpu_cond(c, i->op & 15))
		cpu_set_reg(c, i->reg, i->opsize, v);
}

/* Specialised forms of the two most frequent instructions (MOV r32, r/m32
 * and MOV r/m32, r32 are about a quarter of what Linux executes), chosen
 * at decode time: no operand-size or register-vs-memory test at run time. */
static void cpu_op_mov_gvev_r32(struct cpu *c, const struct cpu_insn *i)
{
	c->gpr[i->reg] = c->gpr[i->rm];
}

static void cpu_op_mov_evgv_r32(struct cpu *c, const struct cpu_insn *i)
{
	c->gpr[i->rm] = c->gpr[i->reg];
}

static void cpu_op_mov_gvev_m32(struct cpu *c, const struct cpu_insn *i)
{
	c->gpr[i->reg] = cpu_read(c, i->seg, cpu_ea(c, i), 4);
}

static void cpu_op_mov_evgv_m32(struct cpu *c, const struct cpu_insn *i)
{
	cpu_write(c, i->seg, cpu_ea(c, i), 4, c->gpr[i->reg]);
}

cpu_handler cpu_mov_specialize(const struct cpu_insn *i)
{
	if (i->map != 0 || i->opsize != 4 || i->lock)
		return i->fn;
	if (i->fn == cpu_op_mov_gvev)
		return i->mod == 3 ? cpu_op_mov_gvev_r32 : cpu_op_mov_gvev_m32;
	if (i->fn == cpu_op_mov_evgv)
		return i->mod == 3 ? cpu_op_mov_evgv_r32 : cpu_op_mov_evgv_m32;
	return i->fn;
}
