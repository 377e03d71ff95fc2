/* The native back end (jit.c): x86-64 code for hot 32-bit TUs. */
#ifndef HOSTVM_CPU_JIT_H
#define HOSTVM_CPU_JIT_H

struct cpu;
struct cpu_insn;
struct cpu_jit;

/* Runs a compiled TU; returns how many of its instructions completed. */
typedef unsigned (*cpu_native)(struct cpu *c);

/* A native TU's exit 0 (fall-through, end by length) or 1 (branch taken,
 * CALL, RET) jumps straight into the next TU's code while its link is
 * valid: same EIP, and the same TLB epoch, or else the same code epoch (no
 * translated code went away) and the execute TLB still maps the EIP to the
 * TU's first byte; and nothing is for the run loop to do (interrupt, halt,
 * exit request, memory map change, instruction budget). */
struct jit_link {
	uint64_t epoch;         /* c->tlb_epoch when made or last checked */
	void *tu;               /* the successor (struct cpu_tu *) */
	void *code;             /* its native code past the prologue */
	uint32_t eip;
	uint64_t code_epoch;    /* c->code_epoch when made */
	uintptr_t host;         /* host address of its first byte; 0: on two pages */
};
#define JIT_EXIT_NONE 0xff
/* The native jump cache: links by linear address (in place of EIP) that
 * an exit whose own link names another EIP looks up; entry for lin:
 * (lin ^ lin >> 12) & (JIT_JCACHE - 1). */
#define JIT_JCACHE 16384
/* Bytes of a TU function's prologue that a chained jump skips. */
#define JIT_PROLOGUE 4

/* NULL when there is no native back end (other hosts, HOSTVM_JIT=0, no
 * memory): the threaded back end then runs everything.  jcache: the
 * caller's JIT_JCACHE entries, zeroed. */
struct cpu_jit *jit_create(struct jit_link *jcache);
void jit_destroy(struct cpu_jit *j);
/* Compiles the n instructions of a TU (their IR must outlive the code);
 * NULL when the code buffer is full (jit_reset it, between TUs).  A TU
 * that may chain (ended by a direct branch or by length) passes its
 * links[2], which live as long as its code, else NULL; pm_gen is the pmap
 * generation the run loop watches. */
cpu_native jit_compile(struct cpu_jit *j, const struct cpu_insn *insn, unsigned n,
		       struct jit_link *links, const uint64_t *pm_gen);
/* Forgets all code: every cpu_native handed out is dead. */
void jit_reset(struct cpu_jit *j);

#endif
