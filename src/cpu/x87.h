/* x87 FPU for the guest CPU: state, reset and the single-instruction
 * executor the CPU core calls for opcodes D8..DF (and WAIT/FWAIT). */
#ifndef HOSTVM_CPU_X87_H
#define HOSTVM_CPU_X87_H

#include <stdbool.h>
#include <stdint.h>

/* One architectural 80-bit register: 64-bit significand (explicit integer
 * bit) and sign+15-bit exponent, exactly as FSTP m80 would store it. */
struct x87_reg {
	uint64_t mant;
	uint16_t sexp;
};

/* Full FPU state, embeddable in struct cpu. */
struct x87 {
	struct x87_reg st[8];   /* physical registers R0..R7 */
	uint16_t cw;            /* control word */
	uint16_t sw;            /* status word; TOP bits (13..11) kept in top */
	uint16_t tw;            /* full tag word, 2 bits per physical register */
	uint8_t top;            /* stack top 0..7 */
	uint16_t fop;           /* last opcode (11 bits) */
	uint32_t fip, fdp;      /* last instruction / data pointer */
	uint16_t fcs, fds;      /* their selectors */
	/* FCOMI/FCOMIP/FUCOMI/FUCOMIP results: when x87_exec returns with
	 * eflags_valid set, the CPU copies ZF, PF and CF from eflags_out into
	 * EFLAGS and clears OF, SF, AF.  Cleared on every x87_exec call. */
	uint32_t eflags_out;
	bool eflags_valid;
};

void x87_reset(struct x87 *f);  /* FNINIT state (CW=0x37F, SW=0, TW=all empty) */

/* Memory operand access, relative to the operand's effective address.
 * read/write MAY NOT RETURN (longjmp on a guest page fault): x87_exec does
 * every read before it changes state and every write before it commits. */
struct x87_mem {
	void *opaque;
	void (*read)(void *opaque, uint32_t off, void *buf, unsigned len);
	void (*write)(void *opaque, uint32_t off, const void *buf, unsigned len);
};

struct x87_insn {
	uint8_t op;      /* D8..DF */
	uint8_t modrm;
	bool op32;       /* operand size: FNSTENV/FLDENV/FNSAVE/FRSTOR layouts */
	bool pmode;      /* protected vs real-mode environment layout */
	uint16_t fcs, fds;
	uint32_t fip, fdp;
	uint32_t eflags; /* guest EFLAGS, read by FCMOVcc */
};

#define X87_OK 0
#define X87_UD 1   /* invalid encoding -> CPU raises #UD */
#define X87_MF 2   /* unmasked exception pending on a waiting insn -> #MF / FERR# */

int x87_exec(struct x87 *f, const struct x87_insn *in, const struct x87_mem *mem);
int x87_fwait(struct x87 *f);   /* X87_MF if an unmasked exception is pending (ES set) */
uint16_t x87_status(const struct x87 *f);  /* status word with TOP merged (FNSTSW AX) */

/* EFLAGS bits written by FCOMI and friends, read by FCMOVcc. */
#define X87_EFLAGS_CF 0x0001u
#define X87_EFLAGS_PF 0x0004u
#define X87_EFLAGS_ZF 0x0040u

#endif
