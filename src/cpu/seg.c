/* Segment registers: descriptor table access, the protected-mode checks of
 * a data/stack segment load (SDM "MOV - Move", "POP", "LDS/LES/LFS/LGS/LSS"),
 * real-mode and V86 loads, and the instructions MOV Sreg, PUSH/POP Sreg and
 * the far-pointer loads.  Also the stack-image helpers the privilege
 * changing transfers use before the new SS is committed. */
#include "config.h"

#include "cpu/cpu_sys.h"

bool cpu_desc_read(struct cpu *c, uint16_t sel, struct cpu_desc *d)
{
	uint32_t base, limit, idx = sel & ~7u;

	if (sel & 4) {
		const struct cpu_segreg *l = &c->seg[CPU_LDTR];

		if (!(l->sel & 0xfffc) || !(l->attr & CPU_ATTR_P))
			return false;
		base = l->base;
		limit = l->limit;
	} else {
		base = c->gdtr.base;
		limit = c->gdtr.limit;
	}
	if (idx + 7 > limit)
		return false;
	d->addr = base + idx;
	d->lo = cpu_lin_read(c, d->addr, 4);
	d->hi = cpu_lin_read(c, d->addr + 4, 4);
	return true;
}

void cpu_desc_fetch(struct cpu *c, uint16_t sel, struct cpu_desc *d, unsigned vec, uint32_t ext)
{
	if (!cpu_desc_read(c, sel, d))
		cpu_raise(c, vec, (sel & 0xfffcu) | ext);
}

/* Writes back the type/flags byte (accessed and busy bits live there). */
void cpu_desc_write_hi(struct cpu *c, const struct cpu_desc *d)
{
	cpu_lin_write(c, d->addr + 5, 1, (d->hi >> 8) & 0xff);
}

void cpu_desc_set_accessed(struct cpu *c, struct cpu_desc *d)
{
	if (d->hi & 0x100u)
		return;
	d->hi |= 0x100u;
	cpu_desc_write_hi(c, d);
}

void cpu_desc_to_seg(const struct cpu_desc *d, uint16_t sel, struct cpu_segreg *s)
{
	s->sel = sel;
	s->base = cpu_desc_base(d);
	s->limit = cpu_desc_limit(d);
	s->attr = (uint16_t)((d->hi >> 8) & 0xf0ffu);
}

void cpu_seg_null(uint16_t sel, struct cpu_segreg *s)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0;
	s->attr = 0;
}

/* Real mode changes only selector and base (limit and size survive: "big
 * real mode"); V86 loads a 64 KiB DPL 3 segment. */
void cpu_seg_real_image(const struct cpu *c, unsigned seg, uint16_t sel, struct cpu_segreg *s)
{
	const struct cpu_segreg *o = &c->seg[seg];
	uint16_t type = seg == CPU_CS ? 0x9b : 0x93;

	s->sel = sel;
	s->base = (uint32_t)sel << 4;
	if (cpu_v86(c)) {
		s->limit = 0xffff;
		s->attr = type | (3u << CPU_ATTR_DPL_SHIFT);
	} else {
		s->limit = o->limit;
		s->attr = (uint16_t)((o->attr & (CPU_ATTR_G | CPU_ATTR_DB)) | type);
	}
}

void cpu_seg_commit(struct cpu *c, unsigned n, const struct cpu_segreg *s)
{
	c->seg[n].sel = s->sel;
	c->seg[n].base = s->base;
	c->seg[n].limit = s->limit;
	c->seg[n].attr = s->attr;
	if (n <= CPU_GS)
		cpu_seg_cache(c, n);
	if (n == CPU_CS || n == CPU_SS)
		cpu_update_mode(c);
}

void cpu_seg_check(struct cpu *c, unsigned seg, uint16_t sel, unsigned cpl, unsigned vec,
		   uint32_t ext, struct cpu_segreg *s)
{
	uint32_t err = (sel & 0xfffcu) | ext;
	unsigned rpl = sel & 3, dpl;
	struct cpu_desc d;

	if (!(sel & 0xfffc)) {
		if (seg == CPU_SS)
			cpu_raise(c, vec, ext);
		cpu_seg_null(sel, s);
		return;
	}
	cpu_desc_fetch(c, sel, &d, vec, ext);
	dpl = cpu_desc_dpl(&d);
	if (seg == CPU_SS) {
		if (rpl != cpl || !cpu_desc_data(&d) || !cpu_desc_readable(&d) || dpl != cpl)
			cpu_raise(c, vec, err);
		if (!cpu_desc_p(&d))
			cpu_raise(c, CPU_SS_VEC, err);
	} else {
		if (!cpu_desc_data(&d) && !(cpu_desc_code(&d) && cpu_desc_readable(&d)))
			cpu_raise(c, vec, err);
		if (!cpu_desc_conforming(&d) && (rpl > dpl || cpl > dpl))
			cpu_raise(c, vec, err);
		if (!cpu_desc_p(&d))
			cpu_raise(c, CPU_NP, err);
	}
	cpu_desc_set_accessed(c, &d);
	cpu_desc_to_seg(&d, sel, s);
}

void cpu_load_seg(struct cpu *c, unsigned seg, uint16_t sel)
{
	struct cpu_segreg s;

	if (!cpu_pmode(c) || cpu_v86(c))
		cpu_seg_real_image(c, seg, sel, &s);
	else
		cpu_seg_check(c, seg, sel, c->cpl, CPU_GP, 0, &s);
	cpu_seg_commit(c, seg, &s);
}

void cpu_seg_fixup_outer(struct cpu *c, unsigned cpl)
{
	static const unsigned regs[] = { CPU_ES, CPU_DS, CPU_FS, CPU_GS };
	unsigned k;

	for (k = 0; k < 4; k++) {
		struct cpu_segreg *s = &c->seg[regs[k]];
		unsigned dpl = (s->attr >> CPU_ATTR_DPL_SHIFT) & 3;
		bool conf_code = (s->attr & 0x1c) == 0x1c;

		if (!(s->attr & CPU_ATTR_P) || (!conf_code && dpl < cpl)) {
			struct cpu_segreg n;

			cpu_seg_null(0, &n);
			cpu_seg_commit(c, regs[k], &n);
		}
	}
}

bool cpu_seg_fits(const struct cpu_segreg *s, uint32_t off, uint32_t len)
{
	uint32_t last = off + len - 1;
	uint32_t max = (s->attr & CPU_ATTR_DB) ? 0xffffffffu : 0xffffu;

	if (last < off || !(s->attr & CPU_ATTR_P))
		return false;
	if ((s->attr & 0x1c) == 0x14)   /* expand-down data */
		return off > s->limit && last <= max;
	return last <= s->limit;
}

/* ---- Stack images ----------------------------------------------------- */

void cpu_stk_init_cur(struct cpu *c, struct cpu_stk *k)
{
	k->ss = c->seg[CPU_SS];
	k->sp = c->gpr[CPU_ESP];
	k->err = 0;
	k->other = false;
}

static uint32_t stk_off(const struct cpu_stk *k, uint32_t sp)
{
	return (k->ss.attr & CPU_ATTR_DB) ? sp : (sp & 0xffff);
}

static uint32_t stk_add(const struct cpu_stk *k, uint32_t sp, int32_t delta)
{
	if (k->ss.attr & CPU_ATTR_DB)
		return sp + (uint32_t)delta;
	return (sp & 0xffff0000u) | ((sp + (uint32_t)delta) & 0xffff);
}

void cpu_stk_push(struct cpu *c, struct cpu_stk *k, unsigned size, uint32_t v)
{
	uint32_t sp = stk_add(k, k->sp, -(int32_t)size), off = stk_off(k, sp);

	if (!k->other) {
		cpu_stack_write(c, off, size, v);
	} else {
		if (!cpu_seg_fits(&k->ss, off, size))
			cpu_raise(c, CPU_SS_VEC, k->err);
		cpu_lin_write(c, k->ss.base + off, size, v);
	}
	k->sp = sp;
}

uint32_t cpu_stk_pop(struct cpu *c, struct cpu_stk *k, unsigned size)
{
	uint32_t off = stk_off(k, k->sp), v;

	if (!k->other) {
		v = cpu_stack_read(c, off, size);
	} else {
		if (!cpu_seg_fits(&k->ss, off, size))
			cpu_raise(c, CPU_SS_VEC, k->err);
		v = cpu_lin_read(c, k->ss.base + off, size);
	}
	k->sp = stk_add(k, k->sp, (int32_t)size);
	return v;
}

void cpu_stk_adjust(struct cpu_stk *k, int32_t delta)
{
	k->sp = stk_add(k, k->sp, delta);
}

/* ---- Instructions ---------------------------------------------------- */

/* 8E /r: MOV Sreg, r/m16.  CS and the non-existent registers 6-7 have no
 * handler (#UD). */
void cpu_op_mov_sreg(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t v = (uint16_t)cpu_rm_read(c, i, 2);

	cpu_load_seg(c, i->reg, v);
	if (i->reg == CPU_SS)
		c->shadow = true;
}

/* 8C /r: MOV r/m, Sreg.  A register destination gets the zero-extended
 * selector at 32-bit operand size; memory is always written as 16 bits. */
void cpu_op_mov_from_sreg(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t v = c->seg[i->reg].sel;

	if (cpu_modrm_is_reg(i))
		cpu_set_reg(c, i->rm, i->opsize, v);
	else
		cpu_rm_write(c, i, 2, v);
}

static unsigned sreg_of(const struct cpu_insn *i)
{
	if (i->map == 0)
		return (i->op >> 3) & 3;       /* 06/07 ES, 0E CS, 16/17 SS, 1E/1F DS */
	return i->op < 0xa8 ? CPU_FS : CPU_GS;   /* 0F A0/A1, 0F A8/A9 */
}

void cpu_op_push_sreg(struct cpu *c, const struct cpu_insn *i)
{
	cpu_push(c, i->opsize, c->seg[sreg_of(i)].sel);
}

void cpu_op_pop_sreg(struct cpu *c, const struct cpu_insn *i)
{
	unsigned s = sreg_of(i);
	uint32_t esp = c->gpr[CPU_ESP], sp = cpu_sp(c);
	uint16_t v = (uint16_t)cpu_stack_read(c, sp, i->opsize);

	/* The increment uses the stack size before a POP SS changes it. */
	if (c->stack32)
		esp += i->opsize;
	else
		esp = (esp & 0xffff0000u) | ((sp + i->opsize) & 0xffff);
	cpu_load_seg(c, s, v);
	c->gpr[CPU_ESP] = esp;
	if (s == CPU_SS)
		c->shadow = true;
}

/* C4/C5 LES/LDS, 0F B2/B4/B5 LSS/LFS/LGS: r, m16:16/m16:32. */
void cpu_op_load_far_ptr(struct cpu *c, const struct cpu_insn *i)
{
	unsigned s;
	uint32_t ea, off;
	uint16_t sel;

	if (cpu_modrm_is_reg(i))
		cpu_raise(c, CPU_UD, 0);
	if (i->map == 0)
		s = i->op == 0xc4 ? CPU_ES : CPU_DS;
	else
		s = i->op == 0xb2 ? CPU_SS : (i->op == 0xb4 ? CPU_FS : CPU_GS);
	ea = cpu_ea(c, i);
	off = cpu_read(c, i->seg, ea, i->opsize);
	sel = (uint16_t)cpu_read(c, i->seg, ea + i->opsize, 2);
	cpu_load_seg(c, s, sel);
	cpu_set_reg(c, i->reg, i->opsize, off);
}
