/* Native x87 reference runs for test/check_x87.c: each helper executes one
 * instruction on the host's own FPU from a clean state with a given CW,
 * a in ST0 and b in ST1, and returns the status word and ST0/ST1. */
#ifndef HOSTVM_TEST_X87_NATIVE_H
#define HOSTVM_TEST_X87_NATIVE_H

#include <stdint.h>
#include "cpu/x87.h"

struct nat {
	struct x87_reg a, b, r0, r1;
	uint16_t cw, sw;
	uint8_t save[108];
};

#define NATIVE_FN(NAME, BYTES)                                             \
	static void NAME(struct nat *n)                                    \
	{                                                                  \
		__asm__ volatile("fnsave %[save]\n\t"                      \
				 "fldcw %[cw]\n\t"                         \
				 "fldt %[b]\n\t"                           \
				 "fldt %[a]\n\t"                           \
				 ".byte " BYTES "\n\t"                     \
				 "fnstsw %[sw]\n\t"                        \
				 "fstpt %[r0]\n\t"                         \
				 "fstpt %[r1]\n\t"                         \
				 "frstor %[save]"                          \
				 : [save] "+m"(n->save), [sw] "=m"(n->sw), \
				   [r0] "=m"(n->r0), [r1] "=m"(n->r1)      \
				 : [cw] "m"(n->cw), [a] "m"(n->a),         \
				   [b] "m"(n->b)                           \
				 : "memory");                              \
	}

#endif
