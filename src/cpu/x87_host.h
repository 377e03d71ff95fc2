/* Host x87 engine used as the arithmetic core (internal). */
#ifndef HOSTVM_CPU_X87_HOST_H
#define HOSTVM_CPU_X87_HOST_H

#include "cpu/x87_int.h"

enum x87_hop {
	HOP_ADD, HOP_SUB, HOP_MUL, HOP_DIV, HOP_SQRT, HOP_RNDINT, HOP_SCALE,
	HOP_XTRACT, HOP_PREM, HOP_PREM1, HOP_SIN, HOP_COS, HOP_SINCOS, HOP_PTAN,
	HOP_PATAN, HOP_F2XM1, HOP_YL2X, HOP_YL2XP1,
	HOP_LD32, HOP_LD64, HOP_ST32, HOP_ST64,
	HOP_CHS, HOP_ABS, HOP_TST, HOP_XAM, HOP_COM, HOP_UCOM,
	HOP_LD1, HOP_LDL2T, HOP_LDL2E, HOP_LDPI, HOP_LDLG2, HOP_LDLN2, HOP_LDZ,
};

/* Run op with a in ST0 and b (or a again) in ST1 under guest CW cw (all
 * exceptions masked).  mem is the 32/64-bit memory operand of loads and
 * stores.  out[0..2] receive ST0..ST2 afterwards.  Returns host SW. */
uint16_t x87_host_op(uint16_t cw, enum x87_hop op, const struct x87_reg *a,
		     const struct x87_reg *b, uint64_t *mem, struct x87_reg out[3]);
int x87_host_delta(uint16_t sw);

/* Generic stack operation on ST0 (and ST1 when nin is 2) through the host:
 * results written back per the host's push/pop, CC copied from it. */
int x87_stack_op(struct x87 *f, enum x87_hop op, int nin, bool pushes);

#endif
