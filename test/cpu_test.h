/* A RAM-only machine for CPU tests: pmap + iobus + vclock + cpu, a debug
 * port (0xE9: bytes collected in out[]) and an exit port (0xF4: the value
 * written ends the run).  Code is loaded into RAM and run in real mode or
 * flat 32-bit protected mode until it halts with IF=0, writes the exit
 * port, or uses up an instruction budget. */
#ifndef HOSTVM_TEST_CPU_TEST_H
#define HOSTVM_TEST_CPU_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu_int.h"
#include "dev/iobus.h"
#include "mem/pmap.h"
#include "vclock.h"

struct cpu_test {
	struct pmap *pm;
	struct iobus *io;
	struct vclock *vc;
	struct cpu *cpu;
	char out[4096];
	size_t nout;
	int exit_code;          /* -1 until the guest writes port 0xF4 */
	int irq_vec;            /* what intack returns when the test raises IRQ */
};

/* 0 or -errno.  ram_bytes: a multiple of 1 MiB. */
int cpu_test_init(struct cpu_test *t, uint64_t ram_bytes);
void cpu_test_fini(struct cpu_test *t);
/* Copies len bytes to guest physical gpa. */
void cpu_test_load(struct cpu_test *t, uint64_t gpa, const void *code, size_t len);
/* Real mode at seg:off (CS=seg, DS=ES=SS=0, SP=0x7000 unless set later). */
void cpu_test_real(struct cpu_test *t, uint16_t seg, uint16_t off);
/* Flat 32-bit protected mode, CPL 0, paging off, EIP=eip, ESP=0x70000. */
void cpu_test_flat(struct cpu_test *t, uint32_t eip);
/* Runs until HLT with IF=0, the exit port, a triple fault or max_insns
 * instructions; returns cpu_run's result. */
enum cpu_exit cpu_test_run(struct cpu_test *t, uint64_t max_insns);
/* Assembles NASM source (with "bits 16/32" and "org" as the caller writes
 * them) into buf; returns the length or -1 (nasm missing or an error). */
long cpu_test_nasm(const char *src, uint8_t *buf, size_t size);

#endif
