/* Interrupt and exception delivery (real-mode IVT; protected-mode IDT with
 * interrupt, trap and task gates, privilege change with the TSS stack,
 * V86 to ring 0) and IRET in every mode, following the SDM pages
 * "INT n/INTO/INT3 - Call to Interrupt Procedure" and "IRET/IRETD".
 *
 * Error codes for faults during delivery carry EXT (bit 0) when the event
 * is not a software INT, and IDT (bit 1) when they name a gate. */
#include "config.h"

#include "cpu/cpu_sys.h"

/* Real mode: the IVT at IDTR.base, FLAGS/CS/IP pushed as words. */
static void intr_real(struct cpu *c, unsigned vec, uint32_t ret)
{
	struct cpu_stk st;
	struct cpu_segreg cs;
	uint32_t ent;

	if (vec * 4 + 3 > c->idtr.limit)
		cpu_raise(c, CPU_GP, vec * 8 + 2);
	ent = cpu_lin_read(c, c->idtr.base + vec * 4, 4);
	cpu_stk_init_cur(c, &st);
	cpu_stk_push(c, &st, 2, cpu_flags(c));
	cpu_stk_push(c, &st, 2, c->seg[CPU_CS].sel);
	cpu_stk_push(c, &st, 2, ret);
	cpu_seg_real_image(c, CPU_CS, (uint16_t)(ent >> 16), &cs);
	c->gpr[CPU_ESP] = st.sp;
	c->eflags &= ~(CPU_IF | CPU_TF | CPU_AC | CPU_RF);
	cpu_seg_commit(c, CPU_CS, &cs);
	cpu_set_eip_both(c, ent & 0xffff);
}

/* Interrupt or trap gate in protected mode (or from V86). */
static void intr_gate(struct cpu *c, const struct cpu_desc *g, uint32_t ext, uint32_t ret,
		      bool has_err, uint32_t err)
{
	unsigned type = cpu_desc_type(g), gs = (type & 8) ? 4 : 2, dpl, cpl = c->cpl;
	uint16_t sel = (uint16_t)(g->lo >> 16);
	uint32_t eip = gs == 4 ? (g->lo & 0xffffu) | (g->hi & 0xffff0000u) : (g->lo & 0xffffu);
	uint32_t eflags = cpu_flags(c);
	bool v86 = cpu_v86(c), inner;
	struct cpu_desc cd;
	struct cpu_segreg cs, ss;
	struct cpu_stk st;

	cpu_code_fetch(c, sel, &cd, ext);
	dpl = cpu_desc_dpl(&cd);
	if (dpl > cpl)
		cpu_raise(c, CPU_GP, (sel & 0xfffcu) | ext);
	if (!cpu_desc_p(&cd))
		cpu_raise(c, CPU_NP, (sel & 0xfffcu) | ext);
	inner = !cpu_desc_conforming(&cd) && dpl < cpl;
	if (v86 && (!inner || dpl != 0))
		cpu_raise(c, CPU_GP, (sel & 0xfffcu) | ext);
	cpu_desc_to_seg(&cd, (uint16_t)((sel & 0xfffc) | (inner ? dpl : cpl)), &cs);
	if (inner) {
		uint16_t nss;
		uint32_t nesp;

		cpu_tss_stack(c, dpl, ext, &nss, &nesp);
		cpu_check_inner_ss(c, nss, dpl, ext, &ss);
		st.ss = ss;
		st.sp = nesp;
		st.err = (nss & 0xfffcu) | ext;
		st.other = true;
		if (v86) {
			cpu_stk_push(c, &st, gs, c->seg[CPU_GS].sel);
			cpu_stk_push(c, &st, gs, c->seg[CPU_FS].sel);
			cpu_stk_push(c, &st, gs, c->seg[CPU_DS].sel);
			cpu_stk_push(c, &st, gs, c->seg[CPU_ES].sel);
		}
		cpu_stk_push(c, &st, gs, c->seg[CPU_SS].sel);
		cpu_stk_push(c, &st, gs, c->gpr[CPU_ESP]);
	} else {
		cpu_stk_init_cur(c, &st);
		st.err = ext;
	}
	cpu_stk_push(c, &st, gs, eflags);
	cpu_stk_push(c, &st, gs, c->seg[CPU_CS].sel);
	cpu_stk_push(c, &st, gs, ret);
	if (has_err)
		cpu_stk_push(c, &st, gs, err);
	if (eip > cs.limit)
		cpu_raise(c, CPU_GP, ext);
	cpu_desc_set_accessed(c, &cd);

	/* Commit. */
	c->eflags &= ~(CPU_TF | CPU_NT | CPU_RF | CPU_VM);
	if (!(type & 1))
		c->eflags &= ~CPU_IF;
	if (inner) {
		if (v86) {
			struct cpu_segreg n;

			cpu_seg_null(0, &n);
			cpu_seg_commit(c, CPU_ES, &n);
			cpu_seg_commit(c, CPU_DS, &n);
			cpu_seg_commit(c, CPU_FS, &n);
			cpu_seg_commit(c, CPU_GS, &n);
		}
		cpu_seg_commit(c, CPU_SS, &ss);
	}
	c->gpr[CPU_ESP] = st.sp;
	cpu_seg_commit(c, CPU_CS, &cs);
	cpu_set_eip_both(c, eip);
}

/* INT n in V86 with CR4.VME: true when the vector's bit in the TSS's
 * interrupt redirection bitmap (the 32 bytes below the I/O map base) is
 * clear, i.e. the 8086 program's own IVT handles it.  #GP(0) if the map
 * lies outside the TSS. */
static bool v86_redirected(struct cpu *c, unsigned vec)
{
	const struct cpu_segreg *tr = &c->seg[CPU_TR];
	uint32_t base, off;

	if ((tr->attr & 0x0f) != CPU_SYS_TSS32_BUSY || tr->limit < 0x67)
		cpu_raise(c, CPU_GP, 0);
	base = cpu_lin_read(c, tr->base + 0x66, 2);
	off = base - 32 + vec / 8;
	if (base < 32 || off > tr->limit)
		cpu_raise(c, CPU_GP, 0);
	return !((cpu_lin_read(c, tr->base + off, 1) >> (vec & 7)) & 1);
}

/* VME methods 5 and 6: a real-mode style call through the V86 task's IVT
 * at linear 0.  With IOPL < 3 the pushed FLAGS show VIF as IF and IOPL 3,
 * and VIF (not IF) is cleared. */
static void intr_v86_redirect(struct cpu *c, unsigned vec, uint32_t ret)
{
	bool iopl3 = (c->eflags & CPU_IOPL) == CPU_IOPL;
	uint32_t fl = cpu_flags(c) & 0xffff, ent = cpu_lin_read(c, vec * 4, 4);
	struct cpu_stk st;
	struct cpu_segreg cs;

	if (!iopl3)
		fl = (fl & ~CPU_IF) | ((c->eflags & CPU_VIF) ? CPU_IF : 0) | CPU_IOPL;
	cpu_stk_init_cur(c, &st);
	cpu_stk_push(c, &st, 2, fl);
	cpu_stk_push(c, &st, 2, c->seg[CPU_CS].sel);
	cpu_stk_push(c, &st, 2, ret);
	cpu_seg_real_image(c, CPU_CS, (uint16_t)(ent >> 16), &cs);
	c->gpr[CPU_ESP] = st.sp;
	c->eflags &= ~(CPU_TF | (iopl3 ? CPU_IF : CPU_VIF));
	cpu_seg_commit(c, CPU_CS, &cs);
	cpu_set_eip_both(c, ent & 0xffff);
}

void cpu_interrupt(struct cpu *c, unsigned vec, enum cpu_int_kind kind, bool has_err, uint32_t err)
{
	uint32_t ext = kind == CPU_INT_SOFT ? 0 : 1;
	uint32_t ret = kind == CPU_INT_SOFT ? c->next_eip : c->eip;
	uint32_t gerr;
	struct cpu_desc g;
	unsigned type;

	vec &= 0xff;
	gerr = vec * 8 + 2 + ext;
	c->halted = false;
	if (!cpu_pmode(c)) {
		intr_real(c, vec, ret);
		return;
	}
	/* INT n in V86 mode: IOPL-sensitive; with VME the redirection bitmap
	 * may send it to the 8086 program's IVT instead (SDM table 20-2).
	 * INT3 (CC) and INTO (CE) are neither: they go to the IDT, where
	 * only the gate DPL check applies.  The contract passes all three as
	 * CPU_INT_SOFT, so the length tells them apart: INT n (CD ib) has two
	 * bytes or more (a prefixed INT3/INTO would count as INT n). */
	if (kind == CPU_INT_SOFT && cpu_v86(c) && ((c->next_eip - c->eip) & 0xffff) >= 2) {
		if ((c->cr4 & CPU_CR4_VME) && v86_redirected(c, vec)) {
			intr_v86_redirect(c, vec, ret);
			return;
		}
		if ((c->eflags & CPU_IOPL) != CPU_IOPL)
			cpu_raise(c, CPU_GP, 0);
	}
	if (vec * 8 + 7 > c->idtr.limit)
		cpu_raise(c, CPU_GP, gerr);
	g.addr = c->idtr.base + vec * 8;
	g.lo = cpu_lin_read(c, g.addr, 4);
	g.hi = cpu_lin_read(c, g.addr + 4, 4);
	type = cpu_desc_type(&g);
	if (type != CPU_SYS_TASK && type != CPU_SYS_INT16 && type != CPU_SYS_TRAP16 &&
	    type != CPU_SYS_INT32 && type != CPU_SYS_TRAP32)
		cpu_raise(c, CPU_GP, gerr);
	if (kind == CPU_INT_SOFT && cpu_desc_dpl(&g) < c->cpl)
		cpu_raise(c, CPU_GP, gerr);
	if (!cpu_desc_p(&g))
		cpu_raise(c, CPU_NP, gerr);
	if (type == CPU_SYS_TASK) {
		uint16_t tss = (uint16_t)(g.lo >> 16);
		struct cpu_desc d;
		bool trap;

		/* The TSS must be an available TSS in the GDT (SDM "INT n",
		 * TASK-GATE): #GP(TSS selector) otherwise. */
		if (tss & 4)
			cpu_raise(c, CPU_GP, (tss & 0xfffcu) | ext);
		cpu_desc_fetch(c, tss, &d, CPU_GP, ext);
		if (cpu_desc_type(&d) != CPU_SYS_TSS16 && cpu_desc_type(&d) != CPU_SYS_TSS32)
			cpu_raise(c, CPU_GP, (tss & 0xfffcu) | ext);
		if (!cpu_desc_p(&d))
			cpu_raise(c, CPU_NP, (tss & 0xfffcu) | ext);
		trap = cpu_task_switch(c, tss, &d, CPU_TASK_INT, ret, ext);
		if (has_err) {
			struct cpu_stk st;

			/* The error code goes on the new task's stack, sized by
			 * the TSS type (d is now marked busy). */
			cpu_stk_init_cur(c, &st);
			cpu_stk_push(c, &st, (cpu_desc_type(&d) & 8) ? 4 : 2, err);
			c->gpr[CPU_ESP] = st.sp;
		}
		if (trap)
			cpu_raise(c, CPU_DB, 0);
		return;
	}
	intr_gate(c, &g, ext, ret, has_err, err);
}

/* ---- IRET ------------------------------------------------------------ */

/* Real mode, and V86 with IOPL 3: pops IP, CS, FLAGS. */
static void iret_real(struct cpu *c, unsigned opsize)
{
	struct cpu_stk st;
	struct cpu_segreg cs;
	uint32_t eip, fl, mask;
	uint16_t sel;

	cpu_stk_init_cur(c, &st);
	eip = cpu_stk_pop(c, &st, opsize);
	sel = (uint16_t)cpu_stk_pop(c, &st, opsize);
	fl = cpu_stk_pop(c, &st, opsize);
	cpu_seg_real_image(c, CPU_CS, sel, &cs);
	if (eip > cs.limit)
		cpu_raise(c, CPU_GP, 0);
	mask = opsize == 4 ? CPU_FLAGS_LIVE & ~(CPU_VM | CPU_VIF | CPU_VIP) : 0x7fd5u;
	if (cpu_v86(c))
		mask &= ~CPU_IOPL;
	c->gpr[CPU_ESP] = st.sp;
	cpu_set_flags(c, fl, mask);
	cpu_seg_commit(c, CPU_CS, &cs);
	cpu_set_eip_both(c, eip);
}

/* V86 with IOPL < 3 under CR4.VME: a 16-bit IRET whose FLAGS IF goes to VIF. */
static void iret_v86_vme(struct cpu *c)
{
	struct cpu_stk st;
	struct cpu_segreg cs;
	uint32_t eip, fl;
	uint16_t sel;

	cpu_stk_init_cur(c, &st);
	eip = cpu_stk_pop(c, &st, 2);
	sel = (uint16_t)cpu_stk_pop(c, &st, 2);
	fl = cpu_stk_pop(c, &st, 2);
	cpu_seg_real_image(c, CPU_CS, sel, &cs);
	cpu_vme_set_flags(c, fl);
	c->gpr[CPU_ESP] = st.sp;
	cpu_seg_commit(c, CPU_CS, &cs);
	cpu_set_eip_both(c, eip);
}

/* IRETD with VM=1 in the popped EFLAGS, at CPL 0: back to V86. */
static void iret_to_v86(struct cpu *c, struct cpu_stk *st, uint32_t eip, uint16_t cssel,
			uint32_t fl)
{
	uint32_t esp = cpu_stk_pop(c, st, 4);
	uint16_t sel[5];
	static const unsigned regs[5] = { CPU_SS, CPU_ES, CPU_DS, CPU_FS, CPU_GS };
	unsigned k;

	for (k = 0; k < 5; k++)
		sel[k] = (uint16_t)cpu_stk_pop(c, st, 4);
	if (eip & 0xffff0000u)
		cpu_raise(c, CPU_GP, 0);
	cpu_set_flags(c, fl, CPU_FLAGS_LIVE);
	/* VM is set now: the images below are V86 ones. */
	{
		struct cpu_segreg s;

		cpu_seg_real_image(c, CPU_CS, cssel, &s);
		cpu_seg_commit(c, CPU_CS, &s);
		for (k = 0; k < 5; k++) {
			cpu_seg_real_image(c, regs[k], sel[k], &s);
			cpu_seg_commit(c, regs[k], &s);
		}
	}
	c->gpr[CPU_ESP] = esp;
	cpu_update_mode(c);
	cpu_set_eip_both(c, eip);
}

/* IRET with NT: return to the task in the back link. */
static void iret_task(struct cpu *c)
{
	uint16_t link = (uint16_t)cpu_lin_read(c, c->seg[CPU_TR].base, 2);
	struct cpu_desc d;
	unsigned type;

	if (link & 4)
		cpu_raise(c, CPU_TS, link & 0xfffcu);
	cpu_desc_fetch(c, link, &d, CPU_TS, 0);
	type = cpu_desc_type(&d);
	if (type != CPU_SYS_TSS16_BUSY && type != CPU_SYS_TSS32_BUSY)
		cpu_raise(c, CPU_TS, link & 0xfffcu);
	if (!cpu_desc_p(&d))
		cpu_raise(c, CPU_NP, link & 0xfffcu);
	if (cpu_task_switch(c, link, &d, CPU_TASK_IRET, c->next_eip, 0))
		cpu_raise(c, CPU_DB, 0);
}

static void iret_prot(struct cpu *c, unsigned opsize)
{
	struct cpu_stk st;
	struct cpu_desc d;
	struct cpu_segreg cs, ss;
	uint32_t eip, fl, mask, cur = cpu_flags(c);
	uint16_t sel;
	unsigned rpl, dpl, cpl = c->cpl;

	cpu_stk_init_cur(c, &st);
	eip = cpu_stk_pop(c, &st, opsize);
	sel = (uint16_t)cpu_stk_pop(c, &st, opsize);
	fl = cpu_stk_pop(c, &st, opsize);
	if (opsize == 4 && (fl & CPU_VM) && cpl == 0) {
		iret_to_v86(c, &st, eip, sel, fl);
		return;
	}
	if (!(sel & 0xfffc))
		cpu_raise(c, CPU_GP, 0);
	cpu_desc_fetch(c, sel, &d, CPU_GP, 0);
	rpl = sel & 3;
	dpl = cpu_desc_dpl(&d);
	if (rpl < cpl || !cpu_desc_code(&d) ||
	    (cpu_desc_conforming(&d) ? dpl > rpl : dpl != rpl))
		cpu_raise(c, CPU_GP, sel & 0xfffcu);
	if (!cpu_desc_p(&d))
		cpu_raise(c, CPU_NP, sel & 0xfffcu);
	cpu_desc_to_seg(&d, sel, &cs);
	if (rpl > cpl) {
		uint32_t esp = cpu_stk_pop(c, &st, opsize);
		uint16_t nss = (uint16_t)cpu_stk_pop(c, &st, opsize);

		cpu_seg_check(c, CPU_SS, nss, rpl, CPU_GP, 0, &ss);
		st.sp = (ss.attr & CPU_ATTR_DB) ? esp : ((c->gpr[CPU_ESP] & 0xffff0000u) | (esp & 0xffff));
	}
	if (eip > cs.limit)
		cpu_raise(c, CPU_GP, 0);
	cpu_desc_set_accessed(c, &d);

	/* Which flags the old CPL may change (VM/VIF/VIP only via V86 return). */
	mask = CPU_FLAGS_LIVE & ~(CPU_VM | CPU_VIF | CPU_VIP);
	if (cpl > 0)
		mask &= ~CPU_IOPL;
	if (cpl > ((cur & CPU_IOPL) >> 12))
		mask &= ~CPU_IF;
	if (cpl == 0)
		mask |= CPU_VIF | CPU_VIP;
	if (opsize == 2)
		mask &= 0xffff;
	cpu_set_flags(c, fl, mask);
	cpu_seg_commit(c, CPU_CS, &cs);
	if (rpl > cpl) {
		cpu_seg_commit(c, CPU_SS, &ss);
		c->gpr[CPU_ESP] = st.sp;
		cpu_seg_fixup_outer(c, rpl);
	} else {
		c->gpr[CPU_ESP] = st.sp;
	}
	cpu_set_eip_both(c, eip);
}

/* CF: IRET / IRETD. */
void cpu_op_iret(struct cpu *c, const struct cpu_insn *i)
{
	if (!cpu_pmode(c)) {
		iret_real(c, i->opsize);
	} else if (cpu_v86(c)) {
		if ((c->eflags & CPU_IOPL) == CPU_IOPL)
			iret_real(c, i->opsize);
		else if ((c->cr4 & CPU_CR4_VME) && i->opsize == 2)
			iret_v86_vme(c);
		else
			cpu_raise(c, CPU_GP, 0);
	} else if (c->eflags & CPU_NT) {
		iret_task(c);
	} else {
		iret_prot(c, i->opsize);
	}
	c->nmi_blocked = false;
}
