/* Model-specific registers (RDMSR/WRMSR), the time-stamp counter (RDTSC)
 * and SYSENTER/SYSEXIT.
 *
 * MSRs: TSC (0x10), PLATFORM_ID (0x17, reads 0), BIOS_SIGN_ID (0x8B, the
 * microcode revision: 0), MTRRcap (0xFE, read-only: 8 variable ranges,
 * fixed ranges, WC), SYSENTER_CS/ESP/EIP (0x174-0x176), the variable
 * (0x200-0x20F) and fixed (0x250, 0x258, 0x259, 0x268-0x26F) MTRRs,
 * PAT (0x277), MTRRdefType (0x2FF) and EFER (0xC0000080, only NXE).  Any
 * other index, or a reserved bit set, is #GP(0); there is no local APIC,
 * so APIC_BASE (0x1B) is absent.
 *
 * The TSC runs at 1 GHz of virtual time: vclock nanoseconds plus the
 * offset a WRMSR to 0x10 sets. */
#include "config.h"

#include "cpu/cpu_sys.h"
#include "vclock.h"

#define MSR_TSC 0x10u
#define MSR_PLATFORM_ID 0x17u
#define MSR_BIOS_SIGN_ID 0x8bu
#define MSR_MTRRCAP 0xfeu
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_MTRR_VAR0 0x200u
#define MSR_PAT 0x277u
#define MSR_MTRR_DEF 0x2ffu
#define MSR_EFER 0xc0000080u

#define MTRRCAP_VALUE 0x508u     /* WC | FIX | VCNT = 8 */
#define PHYS_MASK 0x0000000ffffff000ull   /* 36-bit physical addresses */

/* Fixed-range MTRR MSR index -> slot in c->mtrr_fixed, or -1. */
static int mtrr_fixed_slot(uint32_t idx)
{
	if (idx == 0x250)
		return 0;
	if (idx == 0x258 || idx == 0x259)
		return (int)(idx - 0x258 + 1);
	if (idx >= 0x268 && idx <= 0x26f)
		return (int)(idx - 0x268 + 3);
	return -1;
}

static bool mtrr_type_ok(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Eight memory-type bytes (fixed MTRRs; PAT also allows 7 = UC-). */
static bool types8_ok(uint64_t v, bool pat)
{
	unsigned k;

	for (k = 0; k < 8; k++) {
		unsigned t = (v >> (k * 8)) & 0xff;

		if (!mtrr_type_ok(t) && !(pat && t == 7))
			return false;
	}
	return true;
}

uint64_t cpu_tsc(struct cpu *c)
{
	uint64_t ns = c->env.clock ? vclock_ns(c->env.clock) : 0;

	return ns + c->tsc_offset;
}

int cpu_msr_read(struct cpu *c, uint32_t idx, uint64_t *v)
{
	int slot = mtrr_fixed_slot(idx);

	if (slot >= 0) {
		*v = c->mtrr_fixed[slot];
		return 0;
	}
	if (idx >= MSR_MTRR_VAR0 && idx < MSR_MTRR_VAR0 + 16) {
		*v = c->mtrr_var[idx - MSR_MTRR_VAR0];
		return 0;
	}
	switch (idx) {
	case MSR_TSC: *v = cpu_tsc(c); return 0;
	case MSR_PLATFORM_ID:
	case MSR_BIOS_SIGN_ID: *v = 0; return 0;
	case MSR_MTRRCAP: *v = MTRRCAP_VALUE; return 0;
	case MSR_SYSENTER_CS: *v = c->sysenter_cs; return 0;
	case MSR_SYSENTER_ESP: *v = c->sysenter_esp; return 0;
	case MSR_SYSENTER_EIP: *v = c->sysenter_eip; return 0;
	case MSR_PAT: *v = c->pat; return 0;
	case MSR_MTRR_DEF: *v = c->mtrr_def_type; return 0;
	case MSR_EFER: *v = c->efer; return 0;
	default: return -1;
	}
}

int cpu_msr_write(struct cpu *c, uint32_t idx, uint64_t v)
{
	int slot = mtrr_fixed_slot(idx);

	if (slot >= 0) {
		if (!types8_ok(v, false))
			return -1;
		c->mtrr_fixed[slot] = v;
		return 0;
	}
	if (idx >= MSR_MTRR_VAR0 && idx < MSR_MTRR_VAR0 + 16) {
		bool base = !(idx & 1);

		if (base ? (v & ~(PHYS_MASK | 0xff)) || !mtrr_type_ok(v & 0xff)
			 : (v & ~(PHYS_MASK | 0x800)))
			return -1;
		c->mtrr_var[idx - MSR_MTRR_VAR0] = v;
		return 0;
	}
	switch (idx) {
	case MSR_TSC:
		c->tsc_offset = v - (cpu_tsc(c) - c->tsc_offset);
		return 0;
	case MSR_BIOS_SIGN_ID:
		return 0;    /* a microcode update trigger: nothing to update */
	case MSR_SYSENTER_CS: c->sysenter_cs = (uint32_t)v; return 0;
	case MSR_SYSENTER_ESP: c->sysenter_esp = (uint32_t)v; return 0;
	case MSR_SYSENTER_EIP: c->sysenter_eip = (uint32_t)v; return 0;
	case MSR_PAT:
		if (!types8_ok(v, true))
			return -1;
		c->pat = v;
		return 0;
	case MSR_MTRR_DEF:
		if ((v & ~0xcffull) || !mtrr_type_ok(v & 0xff))
			return -1;
		c->mtrr_def_type = v;
		return 0;
	case MSR_EFER:
		if (v & ~MMU_EFER_NXE)
			return -1;
		if (v != c->efer) {
			if (mmu_set_control(&c->mmu, c->cr0, c->cr3, c->cr4, v) < 0)
				return -1;
			c->efer = v;
			cpu_tlb_changed(c);
		}
		return 0;
	default:
		return -1;
	}
}

static void need_cpl0(struct cpu *c)
{
	if (cpu_pmode(c) && (cpu_v86(c) || c->cpl != 0))
		cpu_raise(c, CPU_GP, 0);
}

/* 0F 32: RDMSR. */
void cpu_op_rdmsr(struct cpu *c, const struct cpu_insn *i)
{
	uint64_t v;

	(void)i;
	need_cpl0(c);
	if (cpu_msr_read(c, c->gpr[CPU_ECX], &v) < 0)
		cpu_raise(c, CPU_GP, 0);
	c->gpr[CPU_EAX] = (uint32_t)v;
	c->gpr[CPU_EDX] = (uint32_t)(v >> 32);
}

/* 0F 30: WRMSR. */
void cpu_op_wrmsr(struct cpu *c, const struct cpu_insn *i)
{
	(void)i;
	need_cpl0(c);
	if (cpu_msr_write(c, c->gpr[CPU_ECX],
			  ((uint64_t)c->gpr[CPU_EDX] << 32) | c->gpr[CPU_EAX]) < 0)
		cpu_raise(c, CPU_GP, 0);
}

/* 0F 31: RDTSC (#GP outside ring 0 when CR4.TSD is set). */
void cpu_op_rdtsc(struct cpu *c, const struct cpu_insn *i)
{
	uint64_t t;

	(void)i;
	if (c->cr4 & CPU_CR4_TSD)
		need_cpl0(c);
	t = cpu_tsc(c);
	c->gpr[CPU_EAX] = (uint32_t)t;
	c->gpr[CPU_EDX] = (uint32_t)(t >> 32);
}

/* Flat 4 GiB segment image for SYSENTER/SYSEXIT. */
static void flat_seg(struct cpu *c, unsigned n, uint16_t sel, uint16_t type_dpl)
{
	struct cpu_segreg s;

	s.sel = sel;
	s.base = 0;
	s.limit = 0xffffffffu;
	s.attr = (uint16_t)(CPU_ATTR_G | CPU_ATTR_DB | type_dpl);
	cpu_seg_commit(c, n, &s);
}

/* 0F 34: SYSENTER: ring 0 flat CS/SS from SYSENTER_CS, ESP/EIP from MSRs. */
void cpu_op_sysenter(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t cs = (uint16_t)(c->sysenter_cs & 0xfffc);

	(void)i;
	if (!cpu_pmode(c) || !cs)
		cpu_raise(c, CPU_GP, 0);
	c->eflags &= ~(CPU_VM | CPU_IF | CPU_RF);
	flat_seg(c, CPU_CS, cs, 0x9b);
	flat_seg(c, CPU_SS, (uint16_t)(cs + 8), 0x93);
	c->gpr[CPU_ESP] = c->sysenter_esp;
	cpu_update_mode(c);
	cpu_set_eip_both(c, c->sysenter_eip);
}

/* 0F 35: SYSEXIT: ring 3 flat CS/SS at SYSENTER_CS + 16/24, ESP = ECX,
 * EIP = EDX. */
void cpu_op_sysexit(struct cpu *c, const struct cpu_insn *i)
{
	uint16_t cs = (uint16_t)(c->sysenter_cs & 0xfffc);

	(void)i;
	if (!cpu_pmode(c) || cpu_v86(c) || c->cpl != 0 || !cs)
		cpu_raise(c, CPU_GP, 0);
	flat_seg(c, CPU_CS, (uint16_t)((cs + 16) | 3), 0xfb);
	flat_seg(c, CPU_SS, (uint16_t)((cs + 24) | 3), 0xf3);
	c->gpr[CPU_ESP] = c->gpr[CPU_ECX];
	cpu_update_mode(c);
	cpu_set_eip_both(c, c->gpr[CPU_EDX]);
}
