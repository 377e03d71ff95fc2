/* Shared fixtures for the "flow" group's CPU suites (check_cpu_flow*.c,
 * check_cpu_string*.c, check_cpu_fpu*.c): a cpu_test machine with exception
 * stubs that record the vector, code assembled with nasm, identity paging,
 * and single-instruction execution that catches the raised fault. */
#ifndef HOSTVM_TEST_CHECK_CPU_FLOW_ENV_H
#define HOSTVM_TEST_CHECK_CPU_FLOW_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu_test.h"

#define FE_MARK 0x500u      /* vector of the last exception, or FE_NONE */
#define FE_NONE 0xffffffffu
#define FE_GDT 0x600u
#define FE_IDT 0x800u
#define FE_STUBS 0x3000u    /* one 16-byte stub per vector 0..31 */
#define FE_PD 0x80000u      /* paging: directory and one table (0-4 MiB) */
#define FE_PT 0x81000u
#define FE_CODE 0x1000u     /* where fe_asm16/fe_asm32 code goes by default */

extern struct cpu_test fe_t;
extern struct cpu *fe_c;

void fe_setup(void);        /* Check fixture: 16 MiB machine */
void fe_teardown(void);
/* Flat 32-bit protected mode with a GDT (code 0x08, data 0x10), an IDT of
 * interrupt gates to stubs that store the vector at FE_MARK and halt, and
 * EIP = FE_CODE. */
void fe_flat(void);
/* Real mode, CS=DS=ES=SS=0, IP = FE_CODE, IVT stubs like fe_flat's. */
void fe_real(void);
/* Assembles src (nasm, with "bits 16/32" and "org gpa" prepended) to gpa. */
void fe_asm16(uint32_t gpa, const char *src);
void fe_asm32(uint32_t gpa, const char *src);
/* Loads bytes at gpa after emptying the TU cache. */
void fe_load(uint32_t gpa, const void *bytes, unsigned len);
/* Runs from the current CS:EIP (a previous HLT is forgotten). */
enum cpu_exit fe_run(uint64_t max_insns);
/* The recorded vector, FE_NONE if none. */
uint32_t fe_vec(void);
uint32_t fe_rd(uint32_t gpa, unsigned size);
void fe_wr(uint32_t gpa, unsigned size, uint32_t v);
/* Identity-maps 0-4 MiB with 4 KiB pages (all present, writable) and
 * turns paging on; fe_unmap() clears one page's present bit. */
void fe_paging(void);
void fe_unmap(uint32_t lin);
/* Decodes and executes one instruction at c->eip from bytes as the back
 * end would; returns the vector it raised or -1. */
int fe_exec1(const uint8_t *bytes, unsigned len);

#endif
