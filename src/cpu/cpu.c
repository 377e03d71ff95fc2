/* CPU lifecycle: creation, the power-on/reset state, the register view for
 * tests and debuggers, and the derived mode bits every handler relies on
 * (CPL, CS.D, SS.B, the MMU's user flag). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_int.h"

int cpu_create(const struct cpu_env *env, struct cpu **out)
{
	struct cpu *c;
	int err;

	if (!env || !env->pm || !env->io || !env->clock || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->env = *env;
	c->pm_gen = pmap_generation_ptr(env->pm);
	if ((err = mmu_init(&c->mmu, env->pm)) || (err = cpu_tc_create(c))) {
		mmu_fini(&c->mmu);
		free(c);
		return err;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	cpu_decode_init();
	cpu_tc_attach(c);
	if (getenv("HOSTVM_CPU_TRACE") && *getenv("HOSTVM_CPU_TRACE"))
		c->trace = fopen(getenv("HOSTVM_CPU_TRACE"), "w");
	c->trace_tu = getenv("HOSTVM_CPU_TRACE_TU") != NULL;
	cpu_reset(c);
	*out = c;
	return 0;
}

void cpu_destroy(struct cpu *cpu)
{
	if (!cpu)
		return;
	pmap_set_code_hook(cpu->env.pm, NULL, NULL);
	if (cpu->trace)
		fclose(cpu->trace);
	cpu_tc_destroy(cpu);
	mmu_fini(&cpu->mmu);
	pthread_cond_destroy(&cpu->wake);
	pthread_mutex_destroy(&cpu->lock);
	free(cpu);
}

static void seg_set(struct cpu *c, unsigned n, uint16_t sel, uint32_t base, uint32_t limit,
		    uint16_t attr)
{
	c->seg[n].sel = sel;
	c->seg[n].base = base;
	c->seg[n].limit = limit;
	c->seg[n].attr = attr;
}

void cpu_update_mode(struct cpu *c)
{
	unsigned n;

	if (!cpu_pmode(c))
		c->cpl = 0;
	else if (cpu_v86(c))
		c->cpl = 3;
	else
		c->cpl = c->seg[CPU_CS].sel & 3;
	c->code32 = !cpu_v86(c) && (c->seg[CPU_CS].attr & CPU_ATTR_DB);
	c->stack32 = !cpu_v86(c) && (c->seg[CPU_SS].attr & CPU_ATTR_DB);
	c->mmu_user = c->cpl == 3 ? MMU_USER : 0;
	c->tlb_user_off = c->mmu_user ? (uint32_t)sizeof(c->mmu.tlb[0]) : 0;
	for (n = 0; n < 6; n++)
		cpu_seg_cache(c, n);
}

/* Power-on state (Intel SDM vol. 3, "Processor State after Reset"). */
void cpu_reset(struct cpu *c)
{
	unsigned n;

	memset(c->gpr, 0, sizeof(c->gpr));
	c->gpr[CPU_EDX] = CPU_SIGNATURE;
	c->eip = c->next_eip = 0xfff0;
	c->eflags = 0x2;
	memset(&c->lf, 0, sizeof(c->lf));
	for (n = 0; n < 6; n++)
		seg_set(c, n, 0, 0, 0xffff, 0x93);   /* present, read/write, accessed */
	seg_set(c, CPU_CS, 0xf000, 0xffff0000u, 0xffff, 0x9b);
	seg_set(c, CPU_LDTR, 0, 0, 0xffff, 0x82);
	seg_set(c, CPU_TR, 0, 0, 0xffff, 0x8b);
	c->gdtr = (struct cpu_dtr){ 0, 0xffff };
	c->idtr = (struct cpu_dtr){ 0, 0xffff };
	c->cr0 = 0x60000010u;
	c->cr2 = c->cr3 = c->cr4 = 0;
	memset(c->dr, 0, sizeof(c->dr));
	c->dr[6] = 0xffff0ff0u;
	c->dr[7] = 0x400;
	c->efer = 0;
	c->sysenter_cs = c->sysenter_esp = c->sysenter_eip = 0;
	c->tsc_offset = 0;
	c->mtrr_def_type = 0;
	memset(c->mtrr_fixed, 0, sizeof(c->mtrr_fixed));
	memset(c->mtrr_var, 0, sizeof(c->mtrr_var));
	c->pat = 0x0007040600070406ull;
	x87_reset(&c->fpu);
	c->halted = false;
	c->shadow = false;
	c->shutdown = false;
	c->delivering = -1;
	c->nmi_pending = c->nmi_blocked = false;
	c->a20 = true;
	mmu_set_a20(&c->mmu, true);
	mmu_set_control(&c->mmu, c->cr0, c->cr3, c->cr4, c->efer);
	mmu_flush(&c->mmu, true);
	cpu_tc_flush(c);
	cpu_tlb_changed(c);
	cpu_update_mode(c);
}

void cpu_set_irq(struct cpu *c, int level) { c->irq = level; }
void cpu_set_nmi(struct cpu *c) { c->nmi_pending = true; }

void cpu_set_a20(struct cpu *c, bool enabled)
{
	if (c->a20 == enabled)
		return;
	c->a20 = enabled;
	mmu_set_a20(&c->mmu, enabled);
	cpu_tlb_changed(c);
}

void cpu_kick(struct cpu *c)
{
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->kicked, true);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void cpu_request_exit(struct cpu *c)
{
	atomic_store(&c->exit_req, true);
	cpu_kick(c);
}

void cpu_get_stats(const struct cpu *c, struct cpu_stats *out) { *out = c->stats; }

void cpu_get_regs(const struct cpu *c, struct cpu_regs *out)
{
	unsigned n;

	memcpy(out->gpr, c->gpr, sizeof(out->gpr));
	out->eip = c->eip;
	/* Materialising the lazy flags changes no architectural state. */
	out->eflags = cpu_flags((struct cpu *)c);
	for (n = 0; n < 6; n++) {
		out->seg[n].sel = c->seg[n].sel;
		out->seg[n].base = c->seg[n].base;
		out->seg[n].limit = c->seg[n].limit;
	}
	out->cr0 = c->cr0;
	out->cr2 = c->cr2;
	out->cr3 = c->cr3;
	out->cr4 = c->cr4;
	out->halted = c->halted;
}

void cpu_set_regs(struct cpu *c, const struct cpu_regs *in)
{
	unsigned n;

	memcpy(c->gpr, in->gpr, sizeof(c->gpr));
	c->eip = in->eip;
	cpu_set_flags(c, (in->eflags | 0x2) & 0x003f7fd7u, 0xffffffffu);
	for (n = 0; n < 6; n++) {
		c->seg[n].sel = in->seg[n].sel;
		c->seg[n].base = in->seg[n].base;
		c->seg[n].limit = in->seg[n].limit;
	}
	c->halted = in->halted;
	cpu_update_mode(c);
}

void cpu_test_flat32(struct cpu *c)
{
	unsigned n;

	c->cr0 |= CPU_CR0_PE;
	mmu_set_control(&c->mmu, c->cr0, c->cr3, c->cr4, c->efer);
	for (n = 0; n < 6; n++)
		seg_set(c, n, 0x10, 0, 0xffffffffu, 0xc093);
	seg_set(c, CPU_CS, 0x08, 0, 0xffffffffu, 0xc09b);
	c->eflags &= ~CPU_VM;
	cpu_tlb_changed(c);
	cpu_update_mode(c);
}
