/* Descriptor-table and selector instructions: LGDT/LIDT/SGDT/SIDT (0F01
 * /0-/3), SLDT/STR/LLDT/LTR/VERR/VERW (0F00 /0-/5), LAR (0F02), LSL (0F03)
 * and ARPL (63), with the checks of their SDM pages. */
#include "config.h"

#include "cpu/cpu_sys.h"

/* #GP(0) unless at CPL 0 (real mode counts as CPL 0, V86 as CPL 3). */
static void need_cpl0(struct cpu *c)
{
	if (cpu_pmode(c) && (cpu_v86(c) || c->cpl != 0))
		cpu_raise(c, CPU_GP, 0);
}

/* Instructions that exist only in protected mode proper. */
static void need_pmode(struct cpu *c)
{
	if (!cpu_pmode(c) || cpu_v86(c))
		cpu_raise(c, CPU_UD, 0);
}

/* 0F01 /2, /3: LGDT, LIDT m16&32 (24-bit base with 16-bit operands). */
void cpu_op_lgdt_lidt(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t ea, base;
	uint16_t limit;
	struct cpu_dtr *t = i->reg == 2 ? &c->gdtr : &c->idtr;

	if (cpu_modrm_is_reg(i))
		cpu_raise(c, CPU_UD, 0);
	need_cpl0(c);
	ea = cpu_ea(c, i);
	limit = (uint16_t)cpu_read(c, i->seg, ea, 2);
	base = cpu_read(c, i->seg, ea + 2, 4);
	if (i->opsize == 2)
		base &= 0x00ffffffu;
	t->limit = limit;
	t->base = base;
}

/* 0F01 /0, /1: SGDT, SIDT m (not privileged without UMIP). */
void cpu_op_sgdt_sidt(struct cpu *c, const struct cpu_insn *i)
{
	const struct cpu_dtr *t = i->reg == 0 ? &c->gdtr : &c->idtr;
	uint32_t ea, base = t->base;

	if (cpu_modrm_is_reg(i))
		cpu_raise(c, CPU_UD, 0);
	ea = cpu_ea(c, i);
	if (i->opsize == 2)
		base &= 0x00ffffffu;
	cpu_check_write(c, i->seg, ea, 6);
	cpu_write(c, i->seg, ea, 2, t->limit);
	cpu_write(c, i->seg, ea + 2, 4, base);
}

/* 0F00 /0, /1: SLDT, STR r/m16 (zero-extended into a 32-bit register). */
void cpu_op_sldt_str(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t v = c->seg[i->reg == 0 ? CPU_LDTR : CPU_TR].sel;

	need_pmode(c);
	if (cpu_modrm_is_reg(i))
		cpu_set_reg(c, i->rm, i->opsize, v);
	else
		cpu_rm_write(c, i, 2, v);
}

/* 0F00 /2: LLDT r/m16. */
void cpu_op_lldt(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t sel;
	struct cpu_desc d;
	struct cpu_segreg s;

	need_pmode(c);
	need_cpl0(c);
	sel = (uint16_t)cpu_rm_read(c, i, 2);
	if (!(sel & 0xfffc)) {
		cpu_seg_null(sel, &s);
		cpu_seg_commit(c, CPU_LDTR, &s);
		return;
	}
	if (sel & 4)
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	cpu_desc_fetch(c, sel, &d, CPU_GP, 0);
	if (cpu_desc_type(&d) != CPU_SYS_LDT)
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	if (!cpu_desc_p(&d))
		cpu_raise(c, CPU_NP, sel & 0xfffcu);
	cpu_desc_to_seg(&d, sel, &s);
	cpu_seg_commit(c, CPU_LDTR, &s);
}

/* 0F00 /3: LTR r/m16: an available TSS in the GDT, marked busy. */
void cpu_op_ltr(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t sel;
	struct cpu_desc d;
	struct cpu_segreg s;
	unsigned type;

	need_pmode(c);
	need_cpl0(c);
	sel = (uint16_t)cpu_rm_read(c, i, 2);
	if (!(sel & 0xfffc))
		cpu_raise(c, CPU_GP, 0);
	if (sel & 4)
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	cpu_desc_fetch(c, sel, &d, CPU_GP, 0);
	type = cpu_desc_type(&d);
	if (type != CPU_SYS_TSS16 && type != CPU_SYS_TSS32)
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	if (!cpu_desc_p(&d))
		cpu_raise(c, CPU_NP, sel & 0xfffcu);
	d.hi |= 0x200u;
	cpu_desc_write_hi(c, &d);
	cpu_desc_to_seg(&d, sel, &s);
	cpu_seg_commit(c, CPU_TR, &s);
}

/* Reads the descriptor for LAR/LSL/VERR/VERW; false (ZF=0) if the selector
 * is null or beyond the table, or fails the privilege rule for data and
 * non-conforming code (DPL >= CPL and DPL >= RPL). */
static bool probe_desc(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
	unsigned dpl;

	if (!(sel & 0xfffc) || !cpu_desc_read(c, sel, d))
		return false;
	dpl = cpu_desc_dpl(d);
	if (cpu_desc_conforming(d))
		return true;
	return dpl >= c->cpl && dpl >= (sel & 3u);
}

static void set_zf(struct cpu *c, bool z)
{
	cpu_set_flags(c, z ? CPU_ZF : 0, CPU_ZF);
}

/* 0F00 /4, /5: VERR, VERW r/m16. */
void cpu_op_verr_verw(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t sel;
	struct cpu_desc d;
	bool ok;

	need_pmode(c);
	sel = (uint16_t)cpu_rm_read(c, i, 2);
	ok = probe_desc(c, sel, &d);
	if (ok && i->reg == 4)
		ok = cpu_desc_data(&d) || (cpu_desc_code(&d) && cpu_desc_readable(&d));
	else if (ok)
		ok = cpu_desc_data(&d) && cpu_desc_readable(&d);
	set_zf(c, ok);
}

/* 0F02: LAR r, r/m16; 0F03: LSL r, r/m16. */
void cpu_op_lar_lsl(struct cpu *c, const struct cpu_insn *i)
{
	/* System types each accepts (bit n = type n). */
	static const uint16_t lar_types = 0x1a3e, lsl_types = 0x0a0e;
	uint16_t sel;
	struct cpu_desc d;
	bool ok;
	uint32_t v;

	need_pmode(c);
	sel = (uint16_t)cpu_rm_read(c, i, 2);
	ok = probe_desc(c, sel, &d);
	if (ok && !(d.hi & 0x1000u))
		ok = ((i->op == 0x02 ? lar_types : lsl_types) >> cpu_desc_type(&d)) & 1;
	set_zf(c, ok);
	if (!ok)
		return;
	v = i->op == 0x02 ? d.hi & 0x00f0ff00u : cpu_desc_limit(&d);
	cpu_set_reg(c, i->reg, i->opsize, v);
}

/* 63: ARPL r/m16, r16. */
void cpu_op_arpl(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t dst, src, off = 0;

	need_pmode(c);
	dst = cpu_rm_rmw_read(c, i, 2, &off);
	src = cpu_reg(c, i->reg, 2);
	if ((dst & 3) < (src & 3)) {
		cpu_rm_write_at(c, i, 2, off, (dst & ~3u) | (src & 3));
		set_zf(c, true);
	} else {
		set_zf(c, false);
	}
}
