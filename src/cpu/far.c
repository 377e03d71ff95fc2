/* Far control transfers: JMP ptr/m (EA, FF /5), CALL ptr/m (9A, FF /3) and
 * RETF (CA, CB) in real, V86 and protected mode, with conforming and
 * non-conforming code segments, call gates (including the inner-stack
 * switch with parameter copy) and task gates / TSS targets (task.c).
 * Checks and error codes follow the SDM pages "JMP", "CALL" and "RET". */
#include "config.h"

#include "cpu/cpu_sys.h"

void cpu_set_eip_both(struct cpu *c, uint32_t eip)
{
	c->eip = eip;
	c->next_eip = eip;
}

void cpu_tss_stack(struct cpu *c, unsigned dpl, uint32_t ext, uint16_t *ss, uint32_t *esp)
{
	const struct cpu_segreg *tr = &c->seg[CPU_TR];
	uint32_t err = (tr->sel & 0xfffcu) | ext;

	if ((tr->attr & 0x0f) == CPU_SYS_TSS32_BUSY) {
		uint32_t off = 4 + dpl * 8;

		if (off + 7 > tr->limit)
			cpu_raise(c, CPU_TS, err);
		*esp = cpu_lin_read(c, tr->base + off, 4);
		*ss = (uint16_t)cpu_lin_read(c, tr->base + off + 4, 2);
	} else {
		uint32_t off = 2 + dpl * 4;

		if (off + 3 > tr->limit)
			cpu_raise(c, CPU_TS, err);
		*esp = cpu_lin_read(c, tr->base + off, 2);
		*ss = (uint16_t)cpu_lin_read(c, tr->base + off + 2, 2);
	}
}

void cpu_check_inner_ss(struct cpu *c, uint16_t ss, unsigned dpl, uint32_t ext,
			struct cpu_segreg *s)
{
	uint32_t err = (ss & 0xfffcu) | ext;
	struct cpu_desc d;

	if (!(ss & 0xfffc))
		cpu_raise(c, CPU_TS, ext);
	cpu_desc_fetch(c, ss, &d, CPU_TS, ext);
	if ((ss & 3) != dpl || cpu_desc_dpl(&d) != dpl || !cpu_desc_data(&d) ||
	    !cpu_desc_readable(&d))
		cpu_raise(c, CPU_TS, err);
	if (!cpu_desc_p(&d))
		cpu_raise(c, CPU_SS_VEC, err);
	cpu_desc_set_accessed(c, &d);
	cpu_desc_to_seg(&d, ss, s);
}

void cpu_code_fetch(struct cpu *c, uint16_t sel, struct cpu_desc *d, uint32_t ext)
{
	if (!(sel & 0xfffc))
		cpu_raise(c, CPU_GP, ext);
	cpu_desc_fetch(c, sel, d, CPU_GP, ext);
	if (!cpu_desc_code(d))
		cpu_raise(c, CPU_GP, (sel & 0xfffcu) | ext);
}

/* Loads CS from a checked code descriptor with RPL rpl and jumps to eip,
 * #GP(0) beyond the limit. */
static void far_load_cs(struct cpu *c, struct cpu_desc *d, uint16_t sel, unsigned rpl,
			uint32_t eip)
{
	struct cpu_segreg s;

	cpu_desc_to_seg(d, (uint16_t)((sel & 0xfffc) | rpl), &s);
	if (eip > s.limit)
		cpu_raise(c, CPU_GP, 0);
	cpu_desc_set_accessed(c, d);
	cpu_seg_commit(c, CPU_CS, &s);
	cpu_set_eip_both(c, eip);
}

/* Real mode / V86: CS = sel, base sel << 4. */
static void far_real(struct cpu *c, uint16_t sel, uint32_t eip)
{
	struct cpu_segreg s;

	cpu_seg_real_image(c, CPU_CS, sel, &s);
	if (eip > s.limit)
		cpu_raise(c, CPU_GP, 0);
	cpu_seg_commit(c, CPU_CS, &s);
	cpu_set_eip_both(c, eip);
}

/* Privilege checks on a direct code segment target (JMP and CALL). */
static void far_check_direct(struct cpu *c, uint16_t sel, const struct cpu_desc *d)
{
	unsigned dpl = cpu_desc_dpl(d), cpl = c->cpl;

	if (cpu_desc_conforming(d) ? dpl > cpl : ((sel & 3) > cpl || dpl != cpl))
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	if (!cpu_desc_p(d))
		cpu_raise(c, CPU_NP, sel & 0xfffcu);
}

/* A task gate or TSS descriptor as a JMP/CALL target. */
static void far_task(struct cpu *c, uint16_t sel, struct cpu_desc *d, enum cpu_task_reason why)
{
	unsigned dpl = cpu_desc_dpl(d), type = cpu_desc_type(d);

	if (dpl < c->cpl || dpl < (sel & 3u))
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	if (type != CPU_SYS_TASK && (sel & 4))
		cpu_raise(c, CPU_GP, sel & 0xfffcu);   /* a TSS lives in the GDT */
	if (type == CPU_SYS_TASK) {
		if (!cpu_desc_p(d))
			cpu_raise(c, CPU_NP, sel & 0xfffcu);
		sel = (uint16_t)(d->lo >> 16);
		if (sel & 4)
			cpu_raise(c, CPU_GP, sel & 0xfffcu);
		cpu_desc_fetch(c, sel, d, CPU_GP, 0);
		type = cpu_desc_type(d);
		if (type != CPU_SYS_TSS16 && type != CPU_SYS_TSS32)
			cpu_raise(c, CPU_GP, sel & 0xfffcu);
	}
	if (!cpu_desc_p(d))
		cpu_raise(c, CPU_NP, sel & 0xfffcu);
	if (cpu_task_switch(c, sel, d, why, c->next_eip, 0))
		cpu_raise(c, CPU_DB, 0);
}

/* Call gate: checks the gate and its target; returns the target
 * descriptor in *cd, selector in *csel and offset in *eip. */
static void far_gate(struct cpu *c, uint16_t sel, const struct cpu_desc *g, bool call,
		     struct cpu_desc *cd, uint16_t *csel, uint32_t *eip)
{
	unsigned gdpl = cpu_desc_dpl(g), dpl;

	if (gdpl < c->cpl || gdpl < (sel & 3u))
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	if (!cpu_desc_p(g))
		cpu_raise(c, CPU_NP, sel & 0xfffcu);
	*csel = (uint16_t)(g->lo >> 16);
	*eip = cpu_desc_type(g) == CPU_SYS_CALL32 ? (g->lo & 0xffffu) | (g->hi & 0xffff0000u)
						  : (g->lo & 0xffffu);
	cpu_code_fetch(c, *csel, cd, 0);
	dpl = cpu_desc_dpl(cd);
	if (call ? dpl > c->cpl : (cpu_desc_conforming(cd) ? dpl > c->cpl : dpl != c->cpl))
		cpu_raise(c, CPU_GP, *csel & 0xfffcu);
	if (!cpu_desc_p(cd))
		cpu_raise(c, CPU_NP, *csel & 0xfffcu);
}

static void far_jmp(struct cpu *c, uint16_t sel, uint32_t eip)
{
	struct cpu_desc d, cd;
	uint16_t csel;

	if (!cpu_pmode(c) || cpu_v86(c)) {
		far_real(c, sel, eip);
		return;
	}
	if (!(sel & 0xfffc))
		cpu_raise(c, CPU_GP, 0);
	cpu_desc_fetch(c, sel, &d, CPU_GP, 0);
	if (cpu_desc_code(&d)) {
		far_check_direct(c, sel, &d);
		far_load_cs(c, &d, sel, c->cpl, eip);
		return;
	}
	switch (cpu_desc_type(&d)) {
	case CPU_SYS_CALL16:
	case CPU_SYS_CALL32:
		far_gate(c, sel, &d, false, &cd, &csel, &eip);
		far_load_cs(c, &cd, csel, c->cpl, eip);
		return;
	case CPU_SYS_TASK:
	case CPU_SYS_TSS16:
	case CPU_SYS_TSS32:
		far_task(c, sel, &d, CPU_TASK_JMP);
		return;
	default:
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	}
}

/* CALL through a call gate to a more privileged non-conforming segment:
 * new stack from the TSS, old SS:ESP and the gate's parameter count of
 * words/dwords copied from the old stack, then CS:EIP. */
static void far_call_inner(struct cpu *c, const struct cpu_desc *g, struct cpu_desc *cd,
			   uint16_t csel, uint32_t eip)
{
	unsigned dpl = cpu_desc_dpl(cd), gs = cpu_desc_type(g) == CPU_SYS_CALL32 ? 4 : 2;
	unsigned n = g->hi & 0x1f, k;
	struct cpu_segreg ss, cs;
	struct cpu_stk st;
	uint16_t nss;
	uint32_t nesp, osp = cpu_sp(c);

	cpu_tss_stack(c, dpl, 0, &nss, &nesp);
	cpu_check_inner_ss(c, nss, dpl, 0, &ss);
	st.ss = ss;
	st.sp = nesp;
	st.err = nss & 0xfffcu;
	st.other = true;
	cpu_stk_push(c, &st, gs, c->seg[CPU_SS].sel);
	cpu_stk_push(c, &st, gs, c->gpr[CPU_ESP]);
	for (k = n; k-- > 0;) {
		uint32_t off = osp + k * gs;

		if (!c->stack32)
			off &= 0xffff;
		cpu_stk_push(c, &st, gs, cpu_stack_read(c, off, gs));
	}
	cpu_stk_push(c, &st, gs, c->seg[CPU_CS].sel);
	cpu_stk_push(c, &st, gs, c->next_eip);
	cpu_desc_to_seg(cd, (uint16_t)((csel & 0xfffc) | dpl), &cs);
	if (eip > cs.limit)
		cpu_raise(c, CPU_GP, 0);
	cpu_desc_set_accessed(c, cd);
	cpu_seg_commit(c, CPU_SS, &ss);
	c->gpr[CPU_ESP] = st.sp;
	cpu_seg_commit(c, CPU_CS, &cs);
	cpu_set_eip_both(c, eip);
}

static void far_call(struct cpu *c, uint16_t sel, uint32_t eip, unsigned opsize)
{
	struct cpu_desc d, cd;
	struct cpu_stk st;
	uint16_t csel;
	uint32_t ret = c->next_eip;

	cpu_stk_init_cur(c, &st);
	if (!cpu_pmode(c) || cpu_v86(c)) {
		struct cpu_segreg s;

		cpu_stk_push(c, &st, opsize, c->seg[CPU_CS].sel);
		cpu_stk_push(c, &st, opsize, ret);
		cpu_seg_real_image(c, CPU_CS, sel, &s);
		if (eip > s.limit)
			cpu_raise(c, CPU_GP, 0);
		c->gpr[CPU_ESP] = st.sp;
		cpu_seg_commit(c, CPU_CS, &s);
		cpu_set_eip_both(c, eip);
		return;
	}
	if (!(sel & 0xfffc))
		cpu_raise(c, CPU_GP, 0);
	cpu_desc_fetch(c, sel, &d, CPU_GP, 0);
	if (cpu_desc_code(&d)) {
		far_check_direct(c, sel, &d);
		cpu_stk_push(c, &st, opsize, c->seg[CPU_CS].sel);
		cpu_stk_push(c, &st, opsize, ret);
		far_load_cs(c, &d, sel, c->cpl, eip);
		c->gpr[CPU_ESP] = st.sp;
		return;
	}
	switch (cpu_desc_type(&d)) {
	case CPU_SYS_CALL16:
	case CPU_SYS_CALL32:
		far_gate(c, sel, &d, true, &cd, &csel, &eip);
		if (!cpu_desc_conforming(&cd) && cpu_desc_dpl(&cd) < c->cpl) {
			far_call_inner(c, &d, &cd, csel, eip);
			return;
		}
		opsize = cpu_desc_type(&d) == CPU_SYS_CALL32 ? 4 : 2;
		cpu_stk_push(c, &st, opsize, c->seg[CPU_CS].sel);
		cpu_stk_push(c, &st, opsize, ret);
		far_load_cs(c, &cd, csel, c->cpl, eip);
		c->gpr[CPU_ESP] = st.sp;
		return;
	case CPU_SYS_TASK:
	case CPU_SYS_TSS16:
	case CPU_SYS_TSS32:
		far_task(c, sel, &d, CPU_TASK_CALL);
		return;
	default:
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	}
}

static void far_ret(struct cpu *c, unsigned opsize, uint16_t imm)
{
	struct cpu_stk st;
	struct cpu_desc d;
	struct cpu_segreg cs, ss;
	uint32_t eip;
	uint16_t sel;
	unsigned rpl, dpl;

	cpu_stk_init_cur(c, &st);
	eip = cpu_stk_pop(c, &st, opsize);
	sel = (uint16_t)cpu_stk_pop(c, &st, opsize);
	if (opsize == 2)
		eip &= 0xffff;
	if (!cpu_pmode(c) || cpu_v86(c)) {
		far_real(c, sel, eip);
		cpu_stk_adjust(&st, imm);
		c->gpr[CPU_ESP] = st.sp;
		return;
	}
	if (!(sel & 0xfffc))
		cpu_raise(c, CPU_GP, 0);
	cpu_desc_fetch(c, sel, &d, CPU_GP, 0);
	rpl = sel & 3;
	dpl = cpu_desc_dpl(&d);
	if (rpl < c->cpl || !cpu_desc_code(&d) ||
	    (cpu_desc_conforming(&d) ? dpl > rpl : dpl != rpl))
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	if (!cpu_desc_p(&d))
		cpu_raise(c, CPU_NP, sel & 0xfffcu);
	cpu_stk_adjust(&st, imm);
	if (rpl == c->cpl) {
		far_load_cs(c, &d, sel, rpl, eip);
		c->gpr[CPU_ESP] = st.sp;
		return;
	}
	/* Return to an outer privilege level: SS:ESP follow on the stack. */
	{
		uint32_t esp = cpu_stk_pop(c, &st, opsize);
		uint16_t nss = (uint16_t)cpu_stk_pop(c, &st, opsize);
		struct cpu_stk ns;

		cpu_seg_check(c, CPU_SS, nss, rpl, CPU_GP, 0, &ss);
		cpu_desc_to_seg(&d, sel, &cs);
		if (eip > cs.limit)
			cpu_raise(c, CPU_GP, 0);
		cpu_desc_set_accessed(c, &d);
		ns.ss = ss;
		ns.sp = (ss.attr & CPU_ATTR_DB) ? esp : ((c->gpr[CPU_ESP] & 0xffff0000u) | (esp & 0xffff));
		cpu_stk_adjust(&ns, imm);
		cpu_seg_commit(c, CPU_CS, &cs);
		cpu_seg_commit(c, CPU_SS, &ss);
		c->gpr[CPU_ESP] = ns.sp;
		cpu_seg_fixup_outer(c, rpl);
		cpu_set_eip_both(c, eip);
	}
}

/* EA: JMP ptr16:16/32. */
void cpu_op_jmp_far(struct cpu *c, const struct cpu_insn *i)
{
	far_jmp(c, (uint16_t)i->imm2, i->imm);
}

/* 9A: CALL ptr16:16/32. */
void cpu_op_call_far(struct cpu *c, const struct cpu_insn *i)
{
	far_call(c, (uint16_t)i->imm2, i->imm, i->opsize);
}

/* Reads the m16:16/m16:32 operand of FF /3 and FF /5. */
static void far_mem_ptr(struct cpu *c, const struct cpu_insn *i, uint16_t *sel, uint32_t *off)
{
	uint32_t ea;

	if (cpu_modrm_is_reg(i))
		cpu_raise(c, CPU_UD, 0);
	ea = cpu_ea(c, i);
	*off = cpu_read(c, i->seg, ea, i->opsize);
	*sel = (uint16_t)cpu_read(c, i->seg, ea + i->opsize, 2);
}

/* FF /5: JMP m16:16/32. */
void cpu_op_jmp_far_mem(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t sel;
	uint32_t off;

	far_mem_ptr(c, i, &sel, &off);
	far_jmp(c, sel, off);
}

/* FF /3: CALL m16:16/32. */
void cpu_op_call_far_mem(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t sel;
	uint32_t off;

	far_mem_ptr(c, i, &sel, &off);
	far_call(c, sel, off, i->opsize);
}

/* CA iw / CB: RETF [imm16]. */
void cpu_op_retf(struct cpu *c, const struct cpu_insn *i)
{
	far_ret(c, i->opsize, i->op == 0xca ? (uint16_t)i->imm : 0);
}
