/* Hardware task switches (SDM vol. 3 section 7.3): JMP/CALL to a TSS or a
 * task gate, interrupts through task gates, IRET with NT.  16- and 32-bit
 * TSS formats, busy bits, the NT flag and back link, CR3 and LDT loads, and
 * the checks of the new task's segments with their #TS/#NP/#SS codes.
 *
 * Faults found while reading the new TSS or writing the old one happen in
 * the old task; faults in the new task's segment checks (after the switch
 * has been committed) are delivered in the context of the new task, as on
 * hardware. */
#include "config.h"

#include "cpu/cpu_sys.h"

/* Layout of the dynamic fields. */
struct tss_fmt {
	uint32_t min_limit, eip, eflags, gpr, gpr_step, seg, seg_step, ldt;
	unsigned size;
};
static const struct tss_fmt tss16 = { 0x2b, 0x0e, 0x10, 0x12, 2, 0x22, 2, 0x2a, 2 };
static const struct tss_fmt tss32 = { 0x67, 0x20, 0x24, 0x28, 4, 0x48, 4, 0x60, 4 };

static void task_save(struct cpu *c, const struct tss_fmt *f, uint32_t base, uint32_t eip,
		      uint32_t eflags)
{
	unsigned k;

	cpu_lin_write(c, base + f->eip, f->size, eip);
	cpu_lin_write(c, base + f->eflags, f->size, eflags);
	for (k = 0; k < 8; k++)
		cpu_lin_write(c, base + f->gpr + k * f->gpr_step, f->size, c->gpr[k]);
	for (k = 0; k < 6; k++)
		cpu_lin_write(c, base + f->seg + k * f->seg_step, 2, c->seg[k].sel);
}

/* Loads LDTR for the new task: a present LDT descriptor in the GDT. */
static void task_load_ldt(struct cpu *c, uint16_t ldt, uint32_t ext)
{
	struct cpu_desc d;
	struct cpu_segreg s;

	if (!(ldt & 0xfffc)) {
		cpu_seg_null(ldt, &s);
		cpu_seg_commit(c, CPU_LDTR, &s);
		return;
	}
	if (ldt & 4)
		cpu_raise(c, CPU_TS, (ldt & 0xfffcu) | ext);
	cpu_desc_fetch(c, ldt, &d, CPU_TS, ext);
	if (cpu_desc_type(&d) != CPU_SYS_LDT || !cpu_desc_p(&d))
		cpu_raise(c, CPU_TS, (ldt & 0xfffcu) | ext);
	cpu_desc_to_seg(&d, ldt, &s);
	cpu_seg_commit(c, CPU_LDTR, &s);
}

/* The new task's CS (protected mode): code, privilege by RPL, present. */
static void task_load_cs(struct cpu *c, uint16_t sel, uint32_t ext, struct cpu_segreg *s)
{
	struct cpu_desc d;
	unsigned dpl, rpl = sel & 3;
	uint32_t err = (sel & 0xfffcu) | ext;

	if (!(sel & 0xfffc))
		cpu_raise(c, CPU_TS, ext);
	cpu_desc_fetch(c, sel, &d, CPU_TS, ext);
	dpl = cpu_desc_dpl(&d);
	if (!cpu_desc_code(&d) || (cpu_desc_conforming(&d) ? dpl > rpl : dpl != rpl))
		cpu_raise(c, CPU_TS, err);
	if (!cpu_desc_p(&d))
		cpu_raise(c, CPU_NP, err);
	cpu_desc_set_accessed(c, &d);
	cpu_desc_to_seg(&d, sel, s);
}

bool cpu_task_switch(struct cpu *c, uint16_t sel, struct cpu_desc *nd, enum cpu_task_reason why,
		     uint32_t ret_eip, uint32_t ext)
{
	const struct tss_fmt *nf = (cpu_desc_type(nd) & 8) ? &tss32 : &tss16;
	const struct tss_fmt *of = (c->seg[CPU_TR].attr & 8) ? &tss32 : &tss16;
	uint32_t nbase = cpu_desc_base(nd), nlimit = cpu_desc_limit(nd);
	uint32_t obase = c->seg[CPU_TR].base, err = (sel & 0xfffcu) | ext;
	uint32_t eip, eflags, cr3 = 0, gpr[8], oflags;
	uint16_t segs[6], ldt, osel = c->seg[CPU_TR].sel;
	bool trap = false;
	struct cpu_segreg s;
	struct cpu_desc od;
	unsigned k, cpl;
	static const unsigned dseg[4] = { CPU_ES, CPU_DS, CPU_FS, CPU_GS };

	if (why != CPU_TASK_IRET && (nd->hi & 0x200u))
		cpu_raise(c, CPU_GP, err);
	if (nlimit < nf->min_limit)
		cpu_raise(c, CPU_TS, err);
	if (c->seg[CPU_TR].limit < of->min_limit)
		cpu_raise(c, CPU_TS, (osel & 0xfffcu) | ext);

	/* Read the whole new state first (may #PF in the old task). */
	if (nf == &tss32)
		cr3 = cpu_lin_read(c, nbase + 0x1c, 4);
	eip = cpu_lin_read(c, nbase + nf->eip, nf->size);
	eflags = cpu_lin_read(c, nbase + nf->eflags, nf->size);
	for (k = 0; k < 8; k++)
		gpr[k] = cpu_lin_read(c, nbase + nf->gpr + k * nf->gpr_step, nf->size);
	for (k = 0; k < 6; k++)
		segs[k] = (uint16_t)cpu_lin_read(c, nbase + nf->seg + k * nf->seg_step, 2);
	ldt = (uint16_t)cpu_lin_read(c, nbase + nf->ldt, 2);
	if (nf == &tss32)
		trap = cpu_lin_read(c, nbase + 0x64, 1) & 1;

	/* The old task's descriptor, for its busy bit. */
	if (why == CPU_TASK_JMP || why == CPU_TASK_IRET) {
		if (!cpu_desc_read(c, osel, &od))
			cpu_raise(c, CPU_TS, (osel & 0xfffcu) | ext);
	}

	/* Save the old task. */
	oflags = cpu_flags(c);
	if (why == CPU_TASK_IRET)
		oflags &= ~CPU_NT;
	task_save(c, of, obase, ret_eip, oflags);
	if (why == CPU_TASK_JMP || why == CPU_TASK_IRET) {
		od.hi &= ~0x200u;
		cpu_desc_write_hi(c, &od);
	}
	if (why == CPU_TASK_CALL || why == CPU_TASK_INT) {
		cpu_lin_write(c, nbase, 2, osel);
		eflags |= CPU_NT;
	}
	if (why != CPU_TASK_IRET) {
		nd->hi |= 0x200u;
		cpu_desc_write_hi(c, nd);
	}

	/* Commit: TR, TS, CR3, registers; from here faults belong to the new task. */
	cpu_desc_to_seg(nd, sel, &s);
	s.attr |= 0x2;  /* busy */
	cpu_seg_commit(c, CPU_TR, &s);
	c->cr0 |= CPU_CR0_TS;
	if (nf == &tss32 && (c->cr0 & MMU_CR0_PG))
		cpu_write_cr(c, 3, cr3);
	if (nf == &tss16)
		eflags = (eflags & 0xffff) | (c->eflags & 0xffff0000u & ~CPU_VM & ~CPU_RF);
	for (k = 0; k < 8; k++) {
		if (nf == &tss32)
			c->gpr[k] = gpr[k];
		else
			c->gpr[k] = 0xffff0000u | gpr[k];
	}
	cpu_set_flags(c, eflags, CPU_FLAGS_LIVE);
	cpu_set_eip_both(c, eip);
	for (k = 0; k < 6; k++) {
		cpu_seg_null(segs[k], &s);
		cpu_seg_commit(c, k, &s);
	}
	cpu_seg_null(ldt, &s);
	cpu_seg_commit(c, CPU_LDTR, &s);

	task_load_ldt(c, ldt, ext);
	if (c->eflags & CPU_VM) {
		for (k = 0; k < 6; k++) {
			cpu_seg_real_image(c, k, segs[k], &s);
			cpu_seg_commit(c, k, &s);
		}
	} else {
		struct cpu_segreg ss;

		task_load_cs(c, segs[CPU_CS], ext, &s);
		cpl = segs[CPU_CS] & 3;
		cpu_seg_check(c, CPU_SS, segs[CPU_SS], cpl, CPU_TS, ext, &ss);
		cpu_seg_commit(c, CPU_CS, &s);
		cpu_seg_commit(c, CPU_SS, &ss);
		for (k = 0; k < 4; k++) {
			cpu_seg_check(c, dseg[k], segs[dseg[k]], cpl, CPU_TS, ext, &s);
			cpu_seg_commit(c, dseg[k], &s);
		}
	}
	cpu_update_mode(c);
	if (eip > c->seg[CPU_CS].limit)
		cpu_raise(c, CPU_GP, ext);
	if (trap)
		c->dr[6] |= 0x8000u;    /* BT */
	return trap;
}
