/* The native back end (jit.c): x86-64 code for hot 32-bit TUs. */
#ifndef HOSTVM_CPU_JIT_H
#define HOSTVM_CPU_JIT_H

struct cpu;
struct cpu_insn;
struct cpu_jit;

/* Runs a compiled TU; returns how many of its instructions completed. */
typedef unsigned (*cpu_native)(struct cpu *c);

/* NULL when there is no native back end (other hosts, HOSTVM_JIT=0, no
 * memory): the threaded back end then runs everything. */
struct cpu_jit *jit_create(void);
void jit_destroy(struct cpu_jit *j);
/* Compiles the n instructions of a TU (their IR must outlive the code);
 * NULL when the code buffer is full (jit_reset it, between TUs). */
cpu_native jit_compile(struct cpu_jit *j, const struct cpu_insn *insn, unsigned n);
/* Forgets all code: every cpu_native handed out is dead. */
void jit_reset(struct cpu_jit *j);

#endif
