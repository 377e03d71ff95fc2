/* The arithmetic core: each operation runs on the host's own x87 (the host
 * is x86-64) with the guest's precision and rounding control and every
 * exception masked, so results, C0-C3 and flags are bit-exact.
 *
 * The x86-64 ABI leaves the x87 register stack empty at every call and
 * nothing in this program keeps long doubles in x87 registers across this
 * code, so an operation only has to leave the unit as it found it: empty
 * (FNINIT) with the host's control word put back.  That is several times
 * cheaper than FNSAVE/FRSTOR around every instruction, which dominated
 * floating-point-heavy guests. */
#include "cpu/x87_host.h"

struct host_io {
	struct x87_reg a, b;
	struct x87_reg out[3];
	uint64_t mem;
	uint16_t cw, sw, host_cw;
};

/* Loads b then a (a ends up in ST0), runs INSN, captures the status word
 * and the top three registers. */
#define HOST_RUN(INSN)                                                     \
	__asm__ volatile("fnstcw %[hcw]\n\t"                               \
			 "fldcw %[cw]\n\t"                                 \
			 "fldt %[b]\n\t"                                   \
			 "fldt %[a]\n\t"                                   \
			 INSN "\n\t"                                       \
			 "fnstsw %[sw]\n\t"                                \
			 "fstpt %[o0]\n\t"                                 \
			 "fstpt %[o1]\n\t"                                 \
			 "fstpt %[o2]\n\t"                                 \
			 "fninit\n\t"                                      \
			 "fldcw %[hcw]"                                    \
			 : [hcw] "+m"(io->host_cw), [sw] "=m"(io->sw),     \
			   [o0] "=m"(io->out[0]), [o1] "=m"(io->out[1]),   \
			   [o2] "=m"(io->out[2]), [mem] "+m"(io->mem)      \
			 : [cw] "m"(io->cw), [a] "m"(io->a), [b] "m"(io->b) \
			 : "memory")

static void run(struct host_io *io, enum x87_hop op)
{
	switch (op) {
	case HOP_ADD: HOST_RUN("fadd %%st(1), %%st"); break;
	case HOP_SUB: HOST_RUN("fsub %%st(1), %%st"); break;
	case HOP_MUL: HOST_RUN("fmul %%st(1), %%st"); break;
	case HOP_DIV: HOST_RUN("fdiv %%st(1), %%st"); break;
	case HOP_SQRT: HOST_RUN("fsqrt"); break;
	case HOP_RNDINT: HOST_RUN("frndint"); break;
	case HOP_SCALE: HOST_RUN("fscale"); break;
	case HOP_XTRACT: HOST_RUN("fxtract"); break;
	case HOP_PREM: HOST_RUN("fprem"); break;
	case HOP_PREM1: HOST_RUN("fprem1"); break;
	case HOP_SIN: HOST_RUN("fsin"); break;
	case HOP_COS: HOST_RUN("fcos"); break;
	case HOP_SINCOS: HOST_RUN("fsincos"); break;
	case HOP_PTAN: HOST_RUN("fptan"); break;
	case HOP_PATAN: HOST_RUN("fpatan"); break;
	case HOP_F2XM1: HOST_RUN("f2xm1"); break;
	case HOP_YL2X: HOST_RUN("fyl2x"); break;
	case HOP_YL2XP1: HOST_RUN("fyl2xp1"); break;
	case HOP_LD32: HOST_RUN("fstp %%st(0)\n\tflds %[mem]"); break;
	case HOP_LD64: HOST_RUN("fstp %%st(0)\n\tfldl %[mem]"); break;
	case HOP_ST32: HOST_RUN("fsts %[mem]"); break;
	case HOP_ST64: HOST_RUN("fstl %[mem]"); break;
	case HOP_CHS: HOST_RUN("fchs"); break;
	case HOP_ABS: HOST_RUN("fabs"); break;
	case HOP_TST: HOST_RUN("ftst"); break;
	case HOP_XAM: HOST_RUN("fxam"); break;
	case HOP_COM: HOST_RUN("fcom %%st(1)"); break;
	case HOP_UCOM: HOST_RUN("fucom %%st(1)"); break;
	case HOP_LD1: HOST_RUN("fstp %%st(0)\n\tfld1"); break;
	case HOP_LDL2T: HOST_RUN("fstp %%st(0)\n\tfldl2t"); break;
	case HOP_LDL2E: HOST_RUN("fstp %%st(0)\n\tfldl2e"); break;
	case HOP_LDPI: HOST_RUN("fstp %%st(0)\n\tfldpi"); break;
	case HOP_LDLG2: HOST_RUN("fstp %%st(0)\n\tfldlg2"); break;
	case HOP_LDLN2: HOST_RUN("fstp %%st(0)\n\tfldln2"); break;
	case HOP_LDZ: HOST_RUN("fstp %%st(0)\n\tfldz"); break;
	}
}

uint16_t x87_host_op(uint16_t cw, enum x87_hop op, const struct x87_reg *a,
		     const struct x87_reg *b, uint64_t *mem, struct x87_reg out[3])
{
	struct host_io io;

	memset(&io, 0, sizeof(io));
	io.cw = (uint16_t)(cw | 0x3F);
	io.a = *a;
	io.b = b ? *b : *a;
	if (mem)
		io.mem = *mem;
	run(&io, op);
	if (mem)
		*mem = io.mem;
	if (out)
		memcpy(out, io.out, sizeof(io.out));
	return io.sw;
}

/* Number of registers the operation left relative to the two it loaded:
 * -1 (popped), 0, +1 (pushed), derived from the host TOP. */
int x87_host_delta(uint16_t sw)
{
	int top = (sw >> 11) & 7;

	return 6 - top;
}
