/* Control, debug and flag-control system instructions: MOV to/from CRn and
 * DRn, CLTS, LMSW, SMSW, INVLPG, HLT, CLI/STI, PUSHF/POPF, INVD, WBINVD
 * and UD2, with cpu_write_cr() validating control register writes and
 * keeping the soft MMU in step.
 *
 * Debug registers are stored (DR4/DR5 alias DR6/DR7 while CR4.DE = 0, and
 * DR7.GD makes the next MOV DRn fault with #DB) but breakpoints are not
 * armed: hardware breakpoints do not fire. */
#include "config.h"

#include "cpu/cpu_sys.h"

#define CR0_LIVE (CPU_CR0_PE | CPU_CR0_MP | CPU_CR0_EM | CPU_CR0_TS | CPU_CR0_ET | \
		  CPU_CR0_NE | MMU_CR0_WP | CPU_CR0_AM | CPU_CR0_NW | CPU_CR0_CD | MMU_CR0_PG)
/* CR4 bits this CPU has: VME, PVI, TSD, DE, PSE, PAE, PGE, PCE. */
#define CR4_LIVE (CPU_CR4_VME | CPU_CR4_PVI | CPU_CR4_TSD | CPU_CR4_DE | MMU_CR4_PSE | \
		  MMU_CR4_PAE | MMU_CR4_PGE | 0x100u)
/* Bits whose change needs the MMU told (and possibly the TLB flushed). */
#define CR0_MMU (CPU_CR0_PE | MMU_CR0_WP | MMU_CR0_PG)
#define CR4_MMU (MMU_CR4_PSE | MMU_CR4_PAE | MMU_CR4_PGE)

#define DR7_GD 0x2000u
#define DR6_BD 0x2000u

static void need_cpl0(struct cpu *c)
{
	if (cpu_pmode(c) && (cpu_v86(c) || c->cpl != 0))
		cpu_raise(c, CPU_GP, 0);
}

void cpu_write_cr(struct cpu *c, unsigned n, uint32_t v)
{
	uint32_t cr0 = c->cr0, cr3 = c->cr3, cr4 = c->cr4;
	bool mmu;

	switch (n) {
	case 0:
		cr0 = (v & CR0_LIVE) | CPU_CR0_ET;
		if ((cr0 & MMU_CR0_PG) && !(cr0 & CPU_CR0_PE))
			cpu_raise(c, CPU_GP, 0);
		if ((cr0 & CPU_CR0_NW) && !(cr0 & CPU_CR0_CD))
			cpu_raise(c, CPU_GP, 0);
		mmu = (cr0 ^ c->cr0) & CR0_MMU;
		break;
	case 2:
		c->cr2 = v;
		return;
	case 3:
		cr3 = v;
		mmu = true;
		break;
	case 4:
		if (v & ~CR4_LIVE)
			cpu_raise(c, CPU_GP, 0);
		cr4 = v;
		mmu = (cr4 ^ c->cr4) & CR4_MMU;
		break;
	default:
		cpu_raise(c, CPU_UD, 0);
	}
	if (mmu && mmu_set_control(&c->mmu, cr0, cr3, cr4, c->efer) < 0)
		cpu_raise(c, CPU_GP, 0);
	c->cr0 = cr0;
	c->cr3 = cr3;
	c->cr4 = cr4;
	if (mmu) {
		cpu_tlb_changed(c);
	}
	cpu_update_mode(c);
}

/* 0F20: MOV r32, CRn; 0F22: MOV CRn, r32 (ModRM.mod is ignored). */
void cpu_op_mov_cr(struct cpu *c, const struct cpu_insn *i)
{
	unsigned n = i->reg;

	if (n == 1 || n > 4)
		cpu_raise(c, CPU_UD, 0);
	need_cpl0(c);
	if (i->op == 0x22) {
		cpu_write_cr(c, n, c->gpr[i->rm]);
		return;
	}
	c->gpr[i->rm] = n == 0 ? c->cr0 : n == 2 ? c->cr2 : n == 3 ? c->cr3 : c->cr4;
}

/* 0F21: MOV r32, DRn; 0F23: MOV DRn, r32. */
void cpu_op_mov_dr(struct cpu *c, const struct cpu_insn *i)
{
	unsigned n = i->reg;
	uint32_t v;

	if (n == 4 || n == 5) {
		if (c->cr4 & CPU_CR4_DE)
			cpu_raise(c, CPU_UD, 0);
		n += 2;
	}
	need_cpl0(c);
	if (c->dr[7] & DR7_GD) {
		c->dr[7] &= ~DR7_GD;
		c->dr[6] |= DR6_BD;
		cpu_raise(c, CPU_DB, 0);
	}
	if (i->op == 0x21) {
		c->gpr[i->rm] = c->dr[n];
		return;
	}
	v = c->gpr[i->rm];
	if (n == 6)
		v = (v & 0x0000e00fu) | 0xffff0ff0u;
	else if (n == 7)
		v = (v & 0xffff23ffu) | 0x400u;
	c->dr[n] = v;
}

/* 0F06: CLTS.  TS does not affect translation, so the MMU is not told. */
void cpu_op_clts(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	need_cpl0(c);
	c->cr0 &= ~CPU_CR0_TS;
}

/* 0F01 /6: LMSW r/m16: PE, MP, EM, TS; PE can be set but not cleared. */
void cpu_op_lmsw(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t v;

	need_cpl0(c);
	v = cpu_rm_read(c, i, 2);
	cpu_write_cr(c, 0, (c->cr0 & ~0xeu) | (v & 0xfu) | (c->cr0 & CPU_CR0_PE));
}

/* 0F01 /4: SMSW r/m16 (a 32-bit register gets all of CR0). */
void cpu_op_smsw(struct cpu *c, const struct cpu_insn *i)
{
	if (cpu_modrm_is_reg(i))
		cpu_set_reg(c, i->rm, i->opsize, c->cr0);
	else
		cpu_rm_write(c, i, 2, c->cr0);
}

/* 0F01 /7: INVLPG m. */
void cpu_op_invlpg(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t lin;

	if (cpu_modrm_is_reg(i))
		cpu_raise(c, CPU_UD, 0);
	need_cpl0(c);
	lin = c->seg[i->seg].base + cpu_ea(c, i);
	mmu_invlpg(&c->mmu, lin);
	cpu_tlb_changed(c);
}

/* F4: HLT. */
void cpu_op_hlt(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	need_cpl0(c);
	c->halted = true;
}

/* 0F08, 0F09: INVD, WBINVD (no caches to drop). */
void cpu_op_invd(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	need_cpl0(c);
}

/* 0F0B: UD2. */
void cpu_op_ud2(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	cpu_raise(c, CPU_UD, 0);
}

/* IF may be changed: real mode, CPL <= IOPL, or V86 with IOPL 3. */
static bool if_allowed(const struct cpu *c)
{
	unsigned iopl = (c->eflags & CPU_IOPL) >> 12;

	if (!cpu_pmode(c))
		return true;
	if (cpu_v86(c))
		return iopl == 3;
	return c->cpl <= iopl;
}

/* Otherwise CLI/STI work on VIF: V86 with CR4.VME, or CPL 3 with CR4.PVI. */
static bool vif_mode(const struct cpu *c)
{
	if (cpu_v86(c))
		return c->cr4 & CPU_CR4_VME;
	return cpu_pmode(c) && c->cpl == 3 && (c->cr4 & CPU_CR4_PVI);
}

/* FA: CLI. */
void cpu_op_cli(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	if (if_allowed(c))
		c->eflags &= ~CPU_IF;
	else if (vif_mode(c))
		c->eflags &= ~CPU_VIF;
	else
		cpu_raise(c, CPU_GP, 0);
}

/* FB: STI: interrupts are recognised only after the next instruction.
 * In VIF mode a pending virtual interrupt (VIP) makes it #GP(0) so the
 * monitor can deliver it. */
void cpu_op_sti(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	if (if_allowed(c)) {
		if (!(c->eflags & CPU_IF))
			c->shadow = true;
		c->eflags |= CPU_IF;
	} else if (vif_mode(c) && !(c->eflags & CPU_VIP)) {
		c->eflags |= CPU_VIF;
	} else {
		cpu_raise(c, CPU_GP, 0);
	}
}

/* V86 with IOPL < 3: only the 16-bit forms under CR4.VME work. */
static void v86_vme_only(struct cpu *c, const struct cpu_insn *i)
{
	if (!(c->cr4 & CPU_CR4_VME) || i->opsize != 2)
		cpu_raise(c, CPU_GP, 0);
}

/* 9C: PUSHF/PUSHFD (VM and RF read as 0 in the image).  V86 under VME with
 * IOPL < 3 shows VIF as IF and IOPL as 3. */
void cpu_op_pushf(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t f = cpu_flags(c) & ~(CPU_VM | CPU_RF);

	if (cpu_v86(c) && (c->eflags & CPU_IOPL) != CPU_IOPL) {
		v86_vme_only(c, i);
		f = (f & ~CPU_IF) | ((f & CPU_VIF) ? CPU_IF : 0) | CPU_IOPL;
	}
	cpu_push(c, i->opsize, f);
}

/* The VME form of POPF and IRET: the popped IF goes to VIF; a set TF, or IF
 * with VIP pending, is #GP(0) (checked before anything changes). */
void cpu_vme_set_flags(struct cpu *c, uint32_t v)
{
	if ((v & CPU_TF) || ((v & CPU_IF) && (c->eflags & CPU_VIP)))
		cpu_raise(c, CPU_GP, 0);
	cpu_set_flags(c, v, 0xffffu & CPU_FLAGS_LIVE & ~(CPU_IF | CPU_IOPL));
	c->eflags = (c->eflags & ~CPU_VIF) | ((v & CPU_IF) ? CPU_VIF : 0);
}

/* 9D: POPF/POPFD.  VM, VIF, VIP and RF never change; IOPL only at CPL 0;
 * IF only when CPL <= IOPL (V86 with IOPL 3: not IOPL). */
void cpu_op_popf(struct cpu *c, const struct cpu_insn *i)
{
	uint32_t mask = CPU_FLAGS_LIVE & ~(CPU_VM | CPU_VIF | CPU_VIP | CPU_RF), v;
	unsigned iopl = (c->eflags & CPU_IOPL) >> 12;

	if (cpu_v86(c)) {
		if (iopl != 3) {
			uint32_t sp = cpu_sp(c);

			v86_vme_only(c, i);
			v = cpu_stack_read(c, sp, 2);
			cpu_vme_set_flags(c, v);
			cpu_set_sp(c, sp + 2);
			return;
		}
		mask &= ~CPU_IOPL;
	} else if (cpu_pmode(c)) {
		if (c->cpl > 0)
			mask &= ~CPU_IOPL;
		if (c->cpl > iopl)
			mask &= ~CPU_IF;
	}
	if (i->opsize == 2)
		mask &= 0xffff;
	v = cpu_pop(c, i->opsize);
	cpu_set_flags(c, v, mask);
}
