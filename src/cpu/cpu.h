/* The x86 CPU core: the interface the machine codes against.
 * All entry points except cpu_request_exit() and cpu_kick() belong to the
 * vCPU thread. */
#ifndef HOSTVM_CPU_CPU_H
#define HOSTVM_CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct pmap;
struct iobus;
struct vclock;
struct cpu;

struct cpu_env {
	struct pmap *pm;
	struct iobus *io;
	struct vclock *clock;
	/* Called when the CPU accepts a maskable interrupt: returns the vector
	 * (the PIC's INTA cycle). */
	int (*intack)(void *opaque);
	void *intack_opaque;
	/* FERR#: x87 error with CR0.NE=0 -> IRQ13 (may be NULL). */
	void (*ferr)(void *opaque, int level);
	void *ferr_opaque;
	/* Called on the vCPU thread between TU slices and after every wake-up
	 * from HLT (cpu_kick), for back ends that hand work to devices (may be
	 * NULL). */
	void (*poll)(void *opaque);
	void *poll_opaque;
};

enum cpu_exit { CPU_EXIT_REQUEST, CPU_EXIT_SHUTDOWN /* triple fault */, CPU_EXIT_ERROR };

int cpu_create(const struct cpu_env *env, struct cpu **out);
void cpu_destroy(struct cpu *cpu);              /* accepts NULL */
void cpu_reset(struct cpu *cpu);                /* power-on state */
void cpu_set_irq(struct cpu *cpu, int level);   /* INTR pin (vCPU thread) */
void cpu_set_nmi(struct cpu *cpu);
void cpu_set_a20(struct cpu *cpu, bool enabled);
/* Runs guest code until cpu_request_exit() or a shutdown; services vclock
 * timers between instructions and sleeps in HLT until the next timer
 * deadline or a kick. */
enum cpu_exit cpu_run(struct cpu *cpu);
void cpu_request_exit(struct cpu *cpu);         /* thread-safe; also wakes HLT */
void cpu_kick(struct cpu *cpu);                 /* thread-safe; wakes HLT */

struct cpu_stats {
	uint64_t insns, tus_translated, tu_lookups, tu_hits, smc_invalidations, exceptions, interrupts;
};
void cpu_get_stats(const struct cpu *cpu, struct cpu_stats *out);

/* Register view for tests and debugging. */
enum { CPU_EAX, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESP, CPU_EBP, CPU_ESI, CPU_EDI };
enum { CPU_ES, CPU_CS, CPU_SS, CPU_DS, CPU_FS, CPU_GS };
struct cpu_seg {
	uint16_t sel;
	uint32_t base, limit;
};
struct cpu_regs {
	uint32_t gpr[8];
	uint32_t eip, eflags;
	struct cpu_seg seg[6];
	uint32_t cr0, cr2, cr3, cr4;
	bool halted;
};
void cpu_get_regs(const struct cpu *cpu, struct cpu_regs *out);
/* Sets GPRs, EIP, EFLAGS and segment selector/base/limit (real-mode style). */
void cpu_set_regs(struct cpu *cpu, const struct cpu_regs *in);

#endif
