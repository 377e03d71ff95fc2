/* Differential test of the alu instruction group against the host CPU.
 *
 * Each case is a short sequence of real instruction bytes (register
 * operands only) run with random GPRs and random arithmetic flags twice:
 *  - natively, in 32-bit mode, by test/cpu_diff_native32 (built with
 *    gcc -m32 from test/cpu_diff_stubs32.c; a child process fed through
 *    pipes in batches), which also reports #DE as SIGFPE;
 *  - in the translator: cpu_decode() of the same bytes and the handler the
 *    decoder picked, on a flat 32-bit CPU from the test harness; a #DE is
 *    caught from cpu_raise().  Every 16th input instead runs as guest code
 *    through cpu_run() (TU building, the run loop, the HLT stop).
 * The results (seven GPRs, #DE or not, and the architecturally defined
 * arithmetic flags) must match.  Flags the SDM leaves undefined are masked
 * per case (see diff_mask()):
 *   AND/OR/XOR/TEST: AF.  MUL/IMUL: SF ZF AF PF.  DIV/IDIV: all six.
 *   SHL/SHR/SAR: AF when the masked count is non-zero; OF unless the count
 *     is 1; CF of SHL/SHR when the count >= the operand width.
 *   ROL/ROR/RCL/RCR: OF unless the masked count is 1.
 *   SHLD/SHRD: AF; OF unless the count is 1; a 16-bit operand with a
 *     count > 16: the result and every flag.
 *   DAA/DAS: OF.  AAA/AAS: OF SF ZF PF.  AAM/AAD: OF AF CF.
 *   BT/BTS/BTR/BTC: OF SF AF PF (ZF is defined: unchanged).
 *   BSF/BSR: all but ZF.
 * Sequences "op; SETcc" and "op; ADC/SBB" check the lazy-flag paths of
 * cpu_cond() and cpu_cf() for each kind of flag-setting operation.
 * The seed is random per run (CPU_DIFF_SEED=n repeats one) and printed on
 * a failure with the case, the inputs and both outputs. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "cpu_test.h"

/* Must match test/cpu_diff_stubs32.c. */
struct diff_req {
	uint8_t len;
	uint8_t bytes[15];
	uint32_t r[8];
	uint32_t fl;
};
struct diff_res {
	uint32_t r[8];
	uint32_t fl;
	uint32_t fault;
};

enum kind {
	K_FLAGS,      /* compare the flags in mask */
	K_SHIFT,      /* SHL/SHR/SAR: count-dependent mask */
	K_ROT,        /* ROL/ROR/RCL/RCR */
	K_SHXD,       /* SHLD/SHRD */
	K_DIV,        /* DIV/IDIV: operands biased towards no overflow */
	K_BSX,        /* BSF/BSR: sources biased towards few bits */
	K_XCHG,       /* CMPXCHG: accumulator often equal */
};

/* Where the count of a shift comes from. */
enum { CNT_NONE, CNT_CL, CNT_ONE, CNT_IMM };

struct dcase {
	const char *name;
	uint8_t b[12];
	uint8_t len;
	uint8_t imm_off, imm_len;   /* random immediate at b[imm_off] (0: none) */
	uint8_t kind;
	uint8_t size;               /* operand size for masks */
	uint8_t cnt;                /* CNT_* for shifts */
	uint8_t sub;                /* shifts: ModRM.reg; SHXD: 0 = SHLD, 1 = SHRD */
	uint32_t mask;              /* flags compared (K_FLAGS etc.) */
	bool signed_div;
};

#define ARITH (CPU_CF | CPU_PF | CPU_AF | CPU_ZF | CPU_SF | CPU_OF)
#define NO_AF (ARITH & ~CPU_AF)
#define CFOF (CPU_CF | CPU_OF)

static struct dcase cases[1200];
static unsigned ncases;

static struct dcase *add(const char *name, const uint8_t *b, unsigned len, unsigned imm_off,
			 unsigned imm_len, unsigned kind, unsigned size, uint32_t mask)
{
	struct dcase *d = &cases[ncases++];

	if (ncases >= sizeof(cases) / sizeof(cases[0]))
		abort();
	memset(d, 0, sizeof(*d));
	d->name = name;
	memcpy(d->b, b, len);
	d->len = (uint8_t)len;
	d->imm_off = (uint8_t)imm_off;
	d->imm_len = (uint8_t)imm_len;
	d->kind = (uint8_t)kind;
	d->size = (uint8_t)size;
	d->mask = mask;
	return d;
}

#define ADD(name, kind, size, mask, ...)                                              \
	({ static const uint8_t b_[] = { __VA_ARGS__ };                              \
	   add(name, b_, sizeof(b_), 0, 0, kind, size, mask); })
/* The immediate (imm_len bytes, zeros in the list) starts at imm_off. */
#define ADDI(name, kind, size, mask, imm_off, imm_len, ...)                           \
	({ static const uint8_t b_[] = { __VA_ARGS__ };                              \
	   add(name, b_, sizeof(b_), imm_off, imm_len, kind, size, mask); })

static const char *const alu_names[8][9] = {
	{ "add Eb,Gb", "add Ev,Gv32", "add Ev,Gv16", "add Gb,Eb", "add Gv,Ev", "add AL,Ib",
	  "add eAX,Iz", "add 80/81", "add 83" },
	{ "or Eb,Gb", "or Ev,Gv32", "or Ev,Gv16", "or Gb,Eb", "or Gv,Ev", "or AL,Ib",
	  "or eAX,Iz", "or 80/81", "or 83" },
	{ "adc Eb,Gb", "adc Ev,Gv32", "adc Ev,Gv16", "adc Gb,Eb", "adc Gv,Ev", "adc AL,Ib",
	  "adc eAX,Iz", "adc 80/81", "adc 83" },
	{ "sbb Eb,Gb", "sbb Ev,Gv32", "sbb Ev,Gv16", "sbb Gb,Eb", "sbb Gv,Ev", "sbb AL,Ib",
	  "sbb eAX,Iz", "sbb 80/81", "sbb 83" },
	{ "and Eb,Gb", "and Ev,Gv32", "and Ev,Gv16", "and Gb,Eb", "and Gv,Ev", "and AL,Ib",
	  "and eAX,Iz", "and 80/81", "and 83" },
	{ "sub Eb,Gb", "sub Ev,Gv32", "sub Ev,Gv16", "sub Gb,Eb", "sub Gv,Ev", "sub AL,Ib",
	  "sub eAX,Iz", "sub 80/81", "sub 83" },
	{ "xor Eb,Gb", "xor Ev,Gv32", "xor Ev,Gv16", "xor Gb,Eb", "xor Gv,Ev", "xor AL,Ib",
	  "xor eAX,Iz", "xor 80/81", "xor 83" },
	{ "cmp Eb,Gb", "cmp Ev,Gv32", "cmp Ev,Gv16", "cmp Gb,Eb", "cmp Gv,Ev", "cmp AL,Ib",
	  "cmp eAX,Iz", "cmp 80/81", "cmp 83" },
};

static const char *const shift_names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
static char name_buf[1200][40];

/* A name built at run time (kept in name_buf for the case being added). */
static const char *nm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *nm(const char *fmt, ...)
{
	char *s = name_buf[ncases];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(name_buf[0]), fmt, ap);
	va_end(ap);
	return s;
}

static struct dcase *dyn(const char *name, const uint8_t *b, unsigned len, unsigned imm_off,
			 unsigned imm_len, unsigned kind, unsigned size, uint32_t mask)
{
	return add(name, b, len, imm_off, imm_len, kind, size, mask);
}

static void build_alu(void)
{
	unsigned k, n;

	for (k = 0; k < 8; k++) {
		uint8_t o = (uint8_t)(k * 8), r = (uint8_t)(0xc0 | k << 3 | 3);
		uint32_t m = (k == 1 || k == 4 || k == 6) ? NO_AF : ARITH;

		/* op al,bl / op ah,bh / op eax,ebx / op ax,bx (forms 0 and 1) */
		dyn(alu_names[k][0], (uint8_t[]){ o, 0xd8 }, 2, 0, 0, K_FLAGS, 1, m);
		dyn(alu_names[k][0], (uint8_t[]){ o, 0xfc }, 2, 0, 0, K_FLAGS, 1, m);
		dyn(alu_names[k][1], (uint8_t[]){ (uint8_t)(o + 1), 0xd8 }, 2, 0, 0, K_FLAGS, 4, m);
		dyn(alu_names[k][2], (uint8_t[]){ 0x66, (uint8_t)(o + 1), 0xd8 }, 3, 0, 0, K_FLAGS, 2, m);
		/* op bl,al / op ebx,eax / op bx,ax (forms 2 and 3) */
		dyn(alu_names[k][3], (uint8_t[]){ (uint8_t)(o + 2), 0xd8 }, 2, 0, 0, K_FLAGS, 1, m);
		dyn(alu_names[k][4], (uint8_t[]){ (uint8_t)(o + 3), 0xd8 }, 2, 0, 0, K_FLAGS, 4, m);
		dyn(alu_names[k][4], (uint8_t[]){ 0x66, (uint8_t)(o + 3), 0xd8 }, 3, 0, 0, K_FLAGS, 2, m);
		/* op al,ib / op eax,id / op ax,iw */
		dyn(alu_names[k][5], (uint8_t[]){ (uint8_t)(o + 4), 0 }, 2, 1, 1, K_FLAGS, 1, m);
		dyn(alu_names[k][6], (uint8_t[]){ (uint8_t)(o + 5), 0, 0, 0, 0 }, 5, 1, 4, K_FLAGS, 4, m);
		dyn(alu_names[k][6], (uint8_t[]){ 0x66, (uint8_t)(o + 5), 0, 0 }, 4, 2, 2, K_FLAGS, 2, m);
		/* 80 /k ib (bl), 82 alias, 81 /k id (ebx), 66 81 iw, 83 /k ib, 66 83 ib */
		dyn(alu_names[k][7], (uint8_t[]){ 0x80, r, 0 }, 3, 2, 1, K_FLAGS, 1, m);
		dyn(alu_names[k][7], (uint8_t[]){ 0x82, r, 0 }, 3, 2, 1, K_FLAGS, 1, m);
		dyn(alu_names[k][7], (uint8_t[]){ 0x81, r, 0, 0, 0, 0 }, 6, 2, 4, K_FLAGS, 4, m);
		dyn(alu_names[k][7], (uint8_t[]){ 0x66, 0x81, r, 0, 0 }, 5, 3, 2, K_FLAGS, 2, m);
		dyn(alu_names[k][8], (uint8_t[]){ 0x83, r, 0 }, 3, 2, 1, K_FLAGS, 4, m);
		dyn(alu_names[k][8], (uint8_t[]){ 0x66, 0x83, r, 0 }, 4, 3, 1, K_FLAGS, 2, m);
		/* Lazy flags read back: op eax,ebx; setcc cl for every cc (flags
		 * all defined except AF, which no condition reads). */
		for (n = 0; n < 16; n++)
			dyn(nm("%s; setcc %u", alu_names[k][1], n),
			    (uint8_t[]){ (uint8_t)(o + 1), 0xd8, 0x0f, (uint8_t)(0x90 + n), 0xc1 }, 5, 0, 0,
			    K_FLAGS, 4, m);
		for (n = 0; n < 16; n += 3)
			dyn(nm("%s; setcc %u", alu_names[k][0], n),
			    (uint8_t[]){ o, 0xd8, 0x0f, (uint8_t)(0x90 + n), 0xc1 }, 5, 0, 0, K_FLAGS, 1, m);
		/* op; adc edx,esi (reads CF lazily) */
		dyn(nm("%s; adc edx,esi", alu_names[k][2]),
		    (uint8_t[]){ 0x66, (uint8_t)(o + 1), 0xd8, 0x11, 0xf2 }, 5, 0, 0, K_FLAGS, 4, ARITH);
	}
}

static void build_misc(void)
{
	unsigned n, s;

	ADDI("test al,ib", K_FLAGS, 1, NO_AF, 1, 1, 0xa8, 0);
	ADDI("test eax,id", K_FLAGS, 4, NO_AF, 1, 4, 0xa9, 0, 0, 0, 0);
	ADDI("test ax,iw", K_FLAGS, 2, NO_AF, 2, 2, 0x66, 0xa9, 0, 0);
	ADD("test al,bl", K_FLAGS, 1, NO_AF, 0x84, 0xd8);
	ADD("test eax,ebx", K_FLAGS, 4, NO_AF, 0x85, 0xd8);
	ADD("test ax,bx", K_FLAGS, 2, NO_AF, 0x66, 0x85, 0xd8);
	ADDI("test bl,ib (f6/0)", K_FLAGS, 1, NO_AF, 2, 1, 0xf6, 0xc3, 0);
	ADDI("test bl,ib (f6/1)", K_FLAGS, 1, NO_AF, 2, 1, 0xf6, 0xcb, 0);
	ADDI("test ebx,id (f7/0)", K_FLAGS, 4, NO_AF, 2, 4, 0xf7, 0xc3, 0, 0, 0, 0);
	ADDI("test bx,iw (f7/0)", K_FLAGS, 2, NO_AF, 3, 2, 0x66, 0xf7, 0xc3, 0, 0);
	ADD("test eax,ebx; setle cl", K_FLAGS, 4, NO_AF, 0x85, 0xd8, 0x0f, 0x9e, 0xc1);

	ADD("inc eax", K_FLAGS, 4, ARITH, 0x40);
	ADD("inc ax", K_FLAGS, 2, ARITH, 0x66, 0x40);
	ADD("dec ebx", K_FLAGS, 4, ARITH, 0x4b);
	ADD("dec bx", K_FLAGS, 2, ARITH, 0x66, 0x4b);
	ADD("inc al (fe/0)", K_FLAGS, 1, ARITH, 0xfe, 0xc0);
	ADD("dec ah (fe/1)", K_FLAGS, 1, ARITH, 0xfe, 0xcc);
	ADD("inc ebx (ff/0)", K_FLAGS, 4, ARITH, 0xff, 0xc3);
	ADD("dec bx (ff/1)", K_FLAGS, 2, ARITH, 0x66, 0xff, 0xcb);
	ADD("inc eax; setcc (o)", K_FLAGS, 4, ARITH, 0x40, 0x0f, 0x90, 0xc1);
	ADD("dec eax; setcc (b)", K_FLAGS, 4, ARITH, 0x48, 0x0f, 0x92, 0xc1);
	ADD("inc al; setcc (le)", K_FLAGS, 1, ARITH, 0xfe, 0xc0, 0x0f, 0x9e, 0xc1);
	ADD("dec ax; adc ebx,edx", K_FLAGS, 4, ARITH, 0x66, 0x48, 0x11, 0xd3);

	ADD("not al", K_FLAGS, 1, ARITH, 0xf6, 0xd0);
	ADD("not ebx", K_FLAGS, 4, ARITH, 0xf7, 0xd3);
	ADD("not bx", K_FLAGS, 2, ARITH, 0x66, 0xf7, 0xd3);
	ADD("neg al", K_FLAGS, 1, ARITH, 0xf6, 0xd8);
	ADD("neg ah", K_FLAGS, 1, ARITH, 0xf6, 0xdc);
	ADD("neg ebx", K_FLAGS, 4, ARITH, 0xf7, 0xdb);
	ADD("neg ax", K_FLAGS, 2, ARITH, 0x66, 0xf7, 0xd8);
	ADD("neg eax; setcc (b)", K_FLAGS, 4, ARITH, 0xf7, 0xd8, 0x0f, 0x92, 0xc1);
	ADD("neg eax; setcc (l)", K_FLAGS, 4, ARITH, 0xf7, 0xd8, 0x0f, 0x9c, 0xc1);

	/* Multiply: CF and OF defined. */
	ADD("mul bl", K_FLAGS, 1, CFOF, 0xf6, 0xe3);
	ADD("mul bx", K_FLAGS, 2, CFOF, 0x66, 0xf7, 0xe3);
	ADD("mul ebx", K_FLAGS, 4, CFOF, 0xf7, 0xe3);
	ADD("imul bl", K_FLAGS, 1, CFOF, 0xf6, 0xeb);
	ADD("imul bx", K_FLAGS, 2, CFOF, 0x66, 0xf7, 0xeb);
	ADD("imul ebx", K_FLAGS, 4, CFOF, 0xf7, 0xeb);
	ADD("imul eax,ebx", K_FLAGS, 4, CFOF, 0x0f, 0xaf, 0xc3);
	ADD("imul ax,bx", K_FLAGS, 2, CFOF, 0x66, 0x0f, 0xaf, 0xc3);
	ADDI("imul eax,ebx,id", K_FLAGS, 4, CFOF, 2, 4, 0x69, 0xc3, 0, 0, 0, 0);
	ADDI("imul ax,bx,iw", K_FLAGS, 2, CFOF, 3, 2, 0x66, 0x69, 0xc3, 0, 0);
	ADDI("imul eax,ebx,ib", K_FLAGS, 4, CFOF, 2, 1, 0x6b, 0xc3, 0);
	ADDI("imul ax,bx,ib", K_FLAGS, 2, CFOF, 3, 1, 0x66, 0x6b, 0xc3, 0);
	ADD("mul ebx; setcc (o)", K_FLAGS, 4, CFOF, 0xf7, 0xe3, 0x0f, 0x90, 0xc1);
	ADD("imul eax,ebx; setcc (b)", K_FLAGS, 4, CFOF, 0x0f, 0xaf, 0xc3, 0x0f, 0x92, 0xc1);
	ADD("mul bx; adc esi,edi", K_FLAGS, 4, ARITH, 0x66, 0xf7, 0xe3, 0x11, 0xfe);

	/* Divide: all flags undefined; #DE compared. */
	ADD("div bl", K_DIV, 1, 0, 0xf6, 0xf3);
	ADD("div bx", K_DIV, 2, 0, 0x66, 0xf7, 0xf3);
	ADD("div ebx", K_DIV, 4, 0, 0xf7, 0xf3);
	ADD("idiv bl", K_DIV, 1, 0, 0xf6, 0xfb)->signed_div = true;
	ADD("idiv bx", K_DIV, 2, 0, 0x66, 0xf7, 0xfb)->signed_div = true;
	ADD("idiv ebx", K_DIV, 4, 0, 0xf7, 0xfb)->signed_div = true;

	/* Shifts and rotates: every ModRM.reg, each count source, 3 sizes. */
	for (s = 0; s < 8; s++) {
		unsigned kind = s < 4 ? K_ROT : K_SHIFT;
		uint8_t r0 = (uint8_t)(0xc0 | s << 3), r3 = (uint8_t)(0xc3 | s << 3);
		struct dcase *d[9];

		d[0] = dyn(nm("%s al,cl", shift_names[s]), (uint8_t[]){ 0xd2, r0 }, 2, 0, 0, kind, 1, 0);
		d[1] = dyn(nm("%s ebx,cl", shift_names[s]), (uint8_t[]){ 0xd3, r3 }, 2, 0, 0, kind, 4, 0);
		d[2] = dyn(nm("%s bx,cl", shift_names[s]), (uint8_t[]){ 0x66, 0xd3, r3 }, 3, 0, 0, kind, 2, 0);
		d[3] = dyn(nm("%s al,1", shift_names[s]), (uint8_t[]){ 0xd0, r0 }, 2, 0, 0, kind, 1, 0);
		d[4] = dyn(nm("%s ebx,1", shift_names[s]), (uint8_t[]){ 0xd1, r3 }, 2, 0, 0, kind, 4, 0);
		d[5] = dyn(nm("%s bx,1", shift_names[s]), (uint8_t[]){ 0x66, 0xd1, r3 }, 3, 0, 0, kind, 2, 0);
		d[6] = dyn(nm("%s al,ib", shift_names[s]), (uint8_t[]){ 0xc0, r0, 0 }, 3, 2, 1, kind, 1, 0);
		d[7] = dyn(nm("%s ebx,ib", shift_names[s]), (uint8_t[]){ 0xc1, r3, 0 }, 3, 2, 1, kind, 4, 0);
		d[8] = dyn(nm("%s bx,ib", shift_names[s]), (uint8_t[]){ 0x66, 0xc1, r3, 0 }, 4, 3, 1, kind, 2, 0);
		for (n = 0; n < 9; n++) {
			d[n]->cnt = n < 3 ? CNT_CL : n < 6 ? CNT_ONE : CNT_IMM;
			d[n]->sub = (uint8_t)s;
		}
		if (s >= 4) {
			/* Lazy shift flags read by a condition. */
			struct dcase *e = dyn(nm("%s ebx,cl; setcc", shift_names[s]),
					      (uint8_t[]){ 0xd3, r3, 0x0f, 0x94, 0xc0 }, 5, 0, 0, kind, 4, 0);

			e->cnt = CNT_CL;
			e->sub = (uint8_t)s;
			e = dyn(nm("%s ebx,1; setcc (le)", shift_names[s]),
				(uint8_t[]){ 0xd1, r3, 0x0f, 0x9e, 0xc0 }, 5, 0, 0, kind, 4, 0);
			e->cnt = CNT_ONE;
			e->sub = (uint8_t)s;
			e = dyn(nm("%s bl,cl; adc eax,edx", shift_names[s]),
				(uint8_t[]){ 0xd2, r3, 0x11, 0xd0 }, 4, 0, 0, kind, 1, 0);
			e->cnt = CNT_CL;
			e->sub = (uint8_t)s;
		}
	}
	{
		static const struct { const char *name; uint8_t b[5]; uint8_t len, imm, size, sub, cnt; } x[] = {
			{ "shld eax,ebx,cl", { 0x0f, 0xa5, 0xd8 }, 3, 0, 4, 0, CNT_CL },
			{ "shld ax,bx,cl", { 0x66, 0x0f, 0xa5, 0xd8 }, 4, 0, 2, 0, CNT_CL },
			{ "shld eax,ebx,ib", { 0x0f, 0xa4, 0xd8, 0 }, 4, 3, 4, 0, CNT_IMM },
			{ "shld ax,bx,ib", { 0x66, 0x0f, 0xa4, 0xd8, 0 }, 5, 4, 2, 0, CNT_IMM },
			{ "shrd eax,ebx,cl", { 0x0f, 0xad, 0xd8 }, 3, 0, 4, 1, CNT_CL },
			{ "shrd ax,bx,cl", { 0x66, 0x0f, 0xad, 0xd8 }, 4, 0, 2, 1, CNT_CL },
			{ "shrd eax,ebx,ib", { 0x0f, 0xac, 0xd8, 0 }, 4, 3, 4, 1, CNT_IMM },
			{ "shrd ax,bx,ib", { 0x66, 0x0f, 0xac, 0xd8, 0 }, 5, 4, 2, 1, CNT_IMM },
		};
		for (n = 0; n < sizeof(x) / sizeof(x[0]); n++) {
			struct dcase *d = add(x[n].name, x[n].b, x[n].len, x[n].imm, x[n].imm ? 1 : 0,
					      K_SHXD, x[n].size, 0);

			d->sub = x[n].sub;
			d->cnt = x[n].cnt;
		}
	}

	/* BCD: AL/AH random, flags in random. */
	ADD("daa", K_FLAGS, 1, ARITH & ~CPU_OF, 0x27);
	ADD("das", K_FLAGS, 1, ARITH & ~CPU_OF, 0x2f);
	ADD("aaa", K_FLAGS, 1, CPU_CF | CPU_AF, 0x37);
	ADD("aas", K_FLAGS, 1, CPU_CF | CPU_AF, 0x3f);
	ADDI("aam ib", K_FLAGS, 1, CPU_SF | CPU_ZF | CPU_PF, 1, 1, 0xd4, 0);
	ADD("aam 10", K_FLAGS, 1, CPU_SF | CPU_ZF | CPU_PF, 0xd4, 0x0a);
	ADD("aam 0", K_FLAGS, 1, CPU_SF | CPU_ZF | CPU_PF, 0xd4, 0x00);
	ADDI("aad ib", K_FLAGS, 1, CPU_SF | CPU_ZF | CPU_PF, 1, 1, 0xd5, 0);
	ADD("aad 10", K_FLAGS, 1, CPU_SF | CPU_ZF | CPU_PF, 0xd5, 0x0a);
	ADD("add al,bl; daa", K_FLAGS, 1, ARITH & ~CPU_OF, 0x00, 0xd8, 0x27);
	ADD("sub al,bl; das", K_FLAGS, 1, ARITH & ~CPU_OF, 0x28, 0xd8, 0x2f);
	ADD("add al,bl; aaa", K_FLAGS, 1, CPU_CF | CPU_AF, 0x00, 0xd8, 0x37);
	ADD("sub al,bl; aas", K_FLAGS, 1, CPU_CF | CPU_AF, 0x28, 0xd8, 0x3f);

	/* Bit scan and bit test. */
	ADD("bsf eax,ebx", K_BSX, 4, CPU_ZF, 0x0f, 0xbc, 0xc3);
	ADD("bsf ax,bx", K_BSX, 2, CPU_ZF, 0x66, 0x0f, 0xbc, 0xc3);
	ADD("bsr eax,ebx", K_BSX, 4, CPU_ZF, 0x0f, 0xbd, 0xc3);
	ADD("bsr ax,bx", K_BSX, 2, CPU_ZF, 0x66, 0x0f, 0xbd, 0xc3);
	{
		static const char *const bt[4] = { "bt", "bts", "btr", "btc" };
		static const uint8_t opr[4] = { 0xa3, 0xab, 0xb3, 0xbb };
		uint32_t m = CPU_CF | CPU_ZF;

		for (n = 0; n < 4; n++) {
			dyn(nm("%s eax,ebx", bt[n]), (uint8_t[]){ 0x0f, opr[n], 0xd8 }, 3, 0, 0, K_FLAGS, 4, m);
			dyn(nm("%s ax,bx", bt[n]), (uint8_t[]){ 0x66, 0x0f, opr[n], 0xd8 }, 4, 0, 0, K_FLAGS, 2, m);
			dyn(nm("%s eax,ib", bt[n]), (uint8_t[]){ 0x0f, 0xba, (uint8_t)(0xc0 | (4 + n) << 3), 0 }, 4, 3, 1,
			    K_FLAGS, 4, m);
			dyn(nm("%s ax,ib", bt[n]),
			    (uint8_t[]){ 0x66, 0x0f, 0xba, (uint8_t)(0xc0 | (4 + n) << 3), 0 }, 5, 4, 1, K_FLAGS, 2, m);
		}
	}

	/* Exchange and compare. */
	ADD("cmpxchg ecx,ebx", K_XCHG, 4, ARITH, 0x0f, 0xb1, 0xd9);
	ADD("cmpxchg cx,bx", K_XCHG, 2, ARITH, 0x66, 0x0f, 0xb1, 0xd9);
	ADD("cmpxchg cl,bl", K_XCHG, 1, ARITH, 0x0f, 0xb0, 0xd9);
	ADD("cmpxchg eax,ebx", K_XCHG, 4, ARITH, 0x0f, 0xb1, 0xd8);
	ADD("xadd eax,ebx", K_FLAGS, 4, ARITH, 0x0f, 0xc1, 0xd8);
	ADD("xadd ax,bx", K_FLAGS, 2, ARITH, 0x66, 0x0f, 0xc1, 0xd8);
	ADD("xadd al,bl", K_FLAGS, 1, ARITH, 0x0f, 0xc0, 0xd8);
	ADD("xadd eax,eax", K_FLAGS, 4, ARITH, 0x0f, 0xc1, 0xc0);
	ADD("xchg eax,ebx (87)", K_FLAGS, 4, ARITH, 0x87, 0xd8);
	ADD("xchg al,bh (86)", K_FLAGS, 1, ARITH, 0x86, 0xf8);
	ADD("xchg ax,bx (87)", K_FLAGS, 2, ARITH, 0x66, 0x87, 0xd8);
	ADD("xchg eax,ebx (93)", K_FLAGS, 4, ARITH, 0x93);
	ADD("xchg ax,di (97)", K_FLAGS, 2, ARITH, 0x66, 0x97);
	ADD("nop", K_FLAGS, 4, ARITH, 0x90);
	ADD("pause", K_FLAGS, 4, ARITH, 0xf3, 0x90);
	ADD("nop dword [eax+eax*1+0]", K_FLAGS, 4, ARITH, 0x0f, 0x1f, 0x44, 0x00, 0x00);
	ADD("nop word [eax+eax*1+0]", K_FLAGS, 4, ARITH, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00);
	ADD("nop dword [eax+0]", K_FLAGS, 4, ARITH, 0x0f, 0x1f, 0x80, 0, 0, 0, 0);
	ADD("nop eax", K_FLAGS, 4, ARITH, 0x0f, 0x1f, 0xc0);
	ADD("bswap eax", K_FLAGS, 4, ARITH, 0x0f, 0xc8);
	ADD("bswap edi", K_FLAGS, 4, ARITH, 0x0f, 0xcf);

	/* Moves, extensions, flag bits. */
	ADD("movzx eax,bl", K_FLAGS, 4, ARITH, 0x0f, 0xb6, 0xc3);
	ADD("movzx eax,bh", K_FLAGS, 4, ARITH, 0x0f, 0xb6, 0xc7);
	ADD("movzx ax,bl", K_FLAGS, 2, ARITH, 0x66, 0x0f, 0xb6, 0xc3);
	ADD("movzx eax,bx", K_FLAGS, 4, ARITH, 0x0f, 0xb7, 0xc3);
	ADD("movsx eax,bl", K_FLAGS, 4, ARITH, 0x0f, 0xbe, 0xc3);
	ADD("movsx ax,bh", K_FLAGS, 2, ARITH, 0x66, 0x0f, 0xbe, 0xc7);
	ADD("movsx eax,bx", K_FLAGS, 4, ARITH, 0x0f, 0xbf, 0xc3);
	ADD("mov ebx,eax", K_FLAGS, 4, ARITH, 0x89, 0xc3);
	ADD("mov bh,al", K_FLAGS, 1, ARITH, 0x88, 0xc7);
	ADD("mov cx,dx", K_FLAGS, 2, ARITH, 0x66, 0x8b, 0xca);
	ADDI("mov ah,ib", K_FLAGS, 1, ARITH, 1, 1, 0xb4, 0);
	ADDI("mov esi,id", K_FLAGS, 4, ARITH, 1, 4, 0xbe, 0, 0, 0, 0);
	ADDI("mov di,iw", K_FLAGS, 2, ARITH, 2, 2, 0x66, 0xbf, 0, 0);
	ADDI("mov ebx,id (c7)", K_FLAGS, 4, ARITH, 2, 4, 0xc7, 0xc3, 0, 0, 0, 0);
	ADD("lea eax,[eax+ebx*2]", K_FLAGS, 4, ARITH, 0x8d, 0x04, 0x58);
	ADDI("lea ax,[eax+ebx*2+d8]", K_FLAGS, 2, ARITH, 4, 1, 0x66, 0x8d, 0x44, 0x58, 0);
	ADDI("lea eax,[bx+si+d8] (67)", K_FLAGS, 4, ARITH, 3, 1, 0x67, 0x8d, 0x40, 0);
	ADDI("lea ecx,[edx*8+d32]", K_FLAGS, 4, ARITH, 3, 4, 0x8d, 0x0c, 0xd5, 0, 0, 0, 0);
	ADD("cbw", K_FLAGS, 2, ARITH, 0x66, 0x98);
	ADD("cwde", K_FLAGS, 4, ARITH, 0x98);
	ADD("cwd", K_FLAGS, 2, ARITH, 0x66, 0x99);
	ADD("cdq", K_FLAGS, 4, ARITH, 0x99);
	ADD("lahf", K_FLAGS, 4, ARITH, 0x9f);
	ADD("sahf", K_FLAGS, 4, ARITH, 0x9e);
	ADD("add eax,ebx; lahf", K_FLAGS, 4, NO_AF | CPU_AF, 0x01, 0xd8, 0x9f);
	ADD("clc", K_FLAGS, 4, ARITH, 0xf8);
	ADD("stc", K_FLAGS, 4, ARITH, 0xf9);
	ADD("cmc", K_FLAGS, 4, ARITH, 0xf5);
	ADD("sub eax,ebx; cmc", K_FLAGS, 4, ARITH, 0x29, 0xd8, 0xf5);
	ADD("salc", K_FLAGS, 4, ARITH, 0xd6);
	for (n = 0; n < 16; n++) {
		dyn(nm("setcc %u", n), (uint8_t[]){ 0x0f, (uint8_t)(0x90 + n), 0xc3 }, 3, 0, 0, K_FLAGS, 4, ARITH);
		dyn(nm("cmovcc %u", n), (uint8_t[]){ 0x0f, (uint8_t)(0x40 + n), 0xc3 }, 3, 0, 0, K_FLAGS, 4,
		    ARITH);
		dyn(nm("cmovcc %u (16)", n), (uint8_t[]){ 0x66, 0x0f, (uint8_t)(0x40 + n), 0xc3 }, 4, 0, 0,
		    K_FLAGS, 2, ARITH);
		dyn(nm("sub ebx,eax; cmovcc %u", n),
		    (uint8_t[]){ 0x29, 0xc3, 0x0f, (uint8_t)(0x40 + n), 0xca }, 5, 0, 0, K_FLAGS, 4, ARITH);
	}
}

/* ---- random inputs -------------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Random values with edge cases at every operand width. */
static uint32_t rnd_val(void)
{
	static const uint32_t edge[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					 0x7fffffff, 0x80000000u, 0xffffffffu, 9, 10, 0x99, 0x9a };
	uint32_t r = rnd();

	switch (r & 7) {
	case 0:
		return edge[(r >> 3) % 16];
	case 1:
		return rnd() & 0xff;
	case 2:
		return rnd() & 0xffff;
	case 3:
		return (uint32_t)-(int32_t)(rnd() & 0xff);
	default:
		return rnd();
	}
}

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* Input number idx of case d. */
static void gen(const struct dcase *d, unsigned idx, struct diff_req *q)
{
	unsigned k;

	memset(q, 0, sizeof(*q));
	q->len = d->len;
	memcpy(q->bytes, d->b, d->len);
	for (k = 0; k < 8; k++)
		q->r[k] = rnd_val();
	q->r[CPU_ESP] = 0x70000;
	q->fl = (rnd() & ARITH) | 2u;
	if (d->imm_len) {
		uint32_t v = rnd_val();

		memcpy(q->bytes + d->imm_off, &v, d->imm_len);
	}
	/* Every other input walks the counts 0..63 (masked counts included);
	 * the rest take the random CL/imm8. */
	if (d->cnt == CNT_CL && (idx & 1))
		q->r[CPU_ECX] = (q->r[CPU_ECX] & ~0xffu) | ((idx >> 1) & 63);
	if (d->cnt == CNT_IMM && (idx & 1))
		q->bytes[d->imm_off] = (uint8_t)((idx >> 1) & 63);
	if (d->kind == K_DIV) {
		uint32_t m = size_mask(d->size), div, hi;

		if (!(q->r[CPU_EBX] & m) && (rnd() & 3))
			q->r[CPU_EBX] = (q->r[CPU_EBX] & ~m) | (1 + rnd() % m);
		div = q->r[CPU_EBX] & m;
		/* Mostly dividends whose quotient fits: a high half below the
		 * divisor (DIV) or the sign extension of the low half (IDIV). */
		if (rnd() & 3) {
			if (!d->signed_div)
				hi = div ? rnd() % div : 0;
			else if (d->size == 1)
				hi = (q->r[CPU_EAX] & 0x80) ? 0xff : 0;
			else
				hi = (q->r[CPU_EAX] & ((m >> 1) + 1)) ? m : 0;
			if (d->size == 1)
				q->r[CPU_EAX] = (q->r[CPU_EAX] & ~0xff00u) | ((hi & 0xff) << 8);
			else
				q->r[CPU_EDX] = (q->r[CPU_EDX] & ~m) | (hi & m);
		}
	}
	if (d->kind == K_BSX && (rnd() & 1))
		q->r[CPU_EBX] = (rnd() & 3) ? 1u << (rnd() & 31) : 0;
	if (d->kind == K_XCHG && (rnd() & 1))
		q->r[CPU_ECX] = q->r[CPU_EAX];
}

/* The flags compared for this input; *regs = false when the result is
 * undefined too. */
static uint32_t diff_mask(const struct dcase *d, const struct diff_req *q, bool *regs)
{
	unsigned bits = d->size * 8u, n;

	*regs = true;
	switch (d->kind) {
	case K_SHIFT:
	case K_ROT:
	case K_SHXD:
		if (d->cnt == CNT_ONE)
			n = 1;
		else if (d->cnt == CNT_CL)
			n = q->r[CPU_ECX] & 31;
		else
			n = q->bytes[d->imm_off] & 31;
		if (n == 0)
			return ARITH;
		if (d->kind == K_ROT)
			return n == 1 ? CFOF : CPU_CF;
		if (d->kind == K_SHXD) {
			if (n > bits) {
				*regs = false;
				return 0;
			}
			return (ARITH & ~CPU_AF & ~CPU_OF) | (n == 1 ? CPU_OF : 0);
		}
		{
			uint32_t m = ARITH & ~CPU_AF & ~CPU_OF;

			if (n == 1)
				m |= CPU_OF;
			if (n >= bits && d->sub != 7)
				m &= ~CPU_CF;
			return m;
		}
	case K_DIV:
		return 0;
	default:
		return d->mask;
	}
}

/* ---- the two executions ------------------------------------------------------ */

static const char *native_path(void)
{
	static char path[PATH_MAX];
	const char *b = getenv("top_builddir");

	if (b && *b) {
		snprintf(path, sizeof(path), "%s/test/cpu_diff_native32", b);
	} else {
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
		char *slash;

		if (n <= 0)
			return "test/cpu_diff_native32";
		path[n] = 0;
		slash = strrchr(path, '/');
		strcpy(slash ? slash + 1 : path, "cpu_diff_native32");
	}
	return path;
}

struct native {
	pid_t pid;
	int to, from;
};

static void native_start(struct native *nt)
{
	int a[2], b[2];
	const char *path = native_path();

	ck_assert_msg(access(path, X_OK) == 0, "%s: %s (built by make check)", path, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	nt->pid = fork();
	ck_assert_int_ge(nt->pid, 0);
	if (nt->pid == 0) {
		dup2(a[0], 0);
		dup2(b[1], 1);
		close(a[0]);
		close(a[1]);
		close(b[0]);
		close(b[1]);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(a[0]);
	close(b[1]);
	nt->to = a[1];
	nt->from = b[0];
}

static void native_stop(struct native *nt)
{
	int st;

	close(nt->to);
	close(nt->from);
	ck_assert_int_eq(waitpid(nt->pid, &st, 0), nt->pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s exited with status %d",
		      native_path(), st);
}

static void xfer(int fd, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ck_abort_msg("pipe to %s: %s", native_path(), n < 0 ? strerror(errno) : "closed");
		p += n;
		len -= (size_t)n;
	}
}

/* Runs one decoded instruction; returns the exception vector or -1. */
static int __attribute__((noinline)) run_insn(struct cpu *c, const struct cpu_insn *i)
{
	if (sigsetjmp(c->exc_jmp, 0))
		return (int)c->exc_vec;
	i->fn(c, i);
	return -1;
}

static void emulate(struct cpu *c, const struct diff_req *q, struct diff_res *r)
{
	unsigned pos = 0;
	int vec = -1;

	memcpy(c->gpr, q->r, sizeof(c->gpr));
	c->eflags = (cpu_flags(c) & ~ARITH) | (q->fl & ARITH);
	c->lf.op = LF_NONE;
	while (pos < q->len && vec < 0) {
		struct cpu_insn ins;

		if (cpu_decode(q->bytes + pos, q->len - pos, true, &ins))
			ck_abort_msg("cpu_decode failed at byte %u", pos);
		c->eip = 0x1000 + pos;
		c->next_eip = c->eip + ins.len;
		vec = run_insn(c, &ins);
		pos += ins.len;
	}
	memcpy(r->r, c->gpr, sizeof(r->r));
	r->fl = cpu_flags(c);
	r->fault = vec >= 0;
	if (vec >= 0 && vec != CPU_DE)
		ck_abort_msg("unexpected exception %d", vec);
}

/* The same through the whole translator: the bytes plus HLT loaded as
 * guest code and run by cpu_run() (decode, TU, run loop).  There is no
 * IDT, so a #DE ends in a triple fault: *regs_valid = false then. */
static void emulate_run(struct cpu_test *t, const struct diff_req *q, struct diff_res *r,
			bool *regs_valid)
{
	struct cpu *c = t->cpu;
	uint8_t code[16];
	enum cpu_exit e;

	memcpy(code, q->bytes, q->len);
	code[q->len] = 0xf4;                    /* hlt */
	cpu_tc_flush(c);
	cpu_test_load(t, 0x1000, code, q->len + 1u);
	cpu_test_flat(t, 0x1000);
	c->halted = false;
	memcpy(c->gpr, q->r, sizeof(c->gpr));
	c->eflags = (cpu_flags(c) & ~ARITH) | (q->fl & ARITH);
	c->lf.op = LF_NONE;
	e = cpu_test_run(t, 64);
	if (e == CPU_EXIT_SHUTDOWN) {
		r->fault = 1;
		*regs_valid = false;
		return;
	}
	if (!c->halted || c->eip != 0x1000 + q->len + 1u)
		ck_abort_msg("run loop stopped at %#x (exit %d)", c->eip, (int)e);
	memcpy(r->r, c->gpr, sizeof(r->r));
	r->fl = cpu_flags(c);
	r->fault = 0;
	*regs_valid = true;
}

#define BATCH 1000

static void run_cases(unsigned first, unsigned end, unsigned per_case)
{
	static struct diff_req q[BATCH];
	static struct diff_res nat[BATCH];
	struct cpu_test t;
	struct native nt;
	const char *env = getenv("CPU_DIFF_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : ((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid());
	unsigned ci, done, k, total = 0;

	rng = seed | 1;
	ck_assert_int_eq(cpu_test_init(&t, 1 << 20), 0);
	cpu_test_flat(&t, 0x1000);
	cpu_decode_init();
	native_start(&nt);
	for (ci = first; ci < end; ci++) {
		const struct dcase *d = &cases[ci];

		for (done = 0; done < per_case; done += BATCH) {
			uint32_t nb = per_case - done < BATCH ? per_case - done : BATCH;

			for (k = 0; k < nb; k++)
				gen(d, done + k, &q[k]);
			xfer(nt.to, &nb, sizeof(nb), true);
			xfer(nt.to, q, nb * sizeof(q[0]), true);
			xfer(nt.from, nat, nb * sizeof(nat[0]), false);
			for (k = 0; k < nb; k++) {
				struct diff_res emu;
				bool regs;
				uint32_t m = diff_mask(d, &q[k], &regs);
				unsigned rr;
				bool bad;

				bool valid = true;

				/* Every 16th input through the whole run loop. */
				if ((done + k) % 16 == 7)
					emulate_run(&t, &q[k], &emu, &valid);
				else
					emulate(t.cpu, &q[k], &emu);
				if (!valid)
					regs = false, m = 0;
				bad = emu.fault != nat[k].fault || ((emu.fl ^ nat[k].fl) & m);
				for (rr = 0; rr < 8 && regs; rr++)
					if (rr != CPU_ESP && emu.r[rr] != nat[k].r[rr])
						bad = true;
				if (bad) {
					char hex[64] = "";

					for (rr = 0; rr < q[k].len; rr++)
						snprintf(hex + 3 * rr, 4, "%02x ", q[k].bytes[rr]);
					ck_abort_msg("seed %#llx case \"%s\" bytes %s\n"
						     " in:  eax %08x ecx %08x edx %08x ebx %08x ebp %08x esi %08x edi %08x fl %03x\n"
						     " cpu: eax %08x ecx %08x edx %08x ebx %08x ebp %08x esi %08x edi %08x fl %03x de %u\n"
						     " emu: eax %08x ecx %08x edx %08x ebx %08x ebp %08x esi %08x edi %08x fl %03x de %u\n"
						     " flags compared %03x, registers %s",
						     (unsigned long long)seed, d->name, hex,
						     q[k].r[0], q[k].r[1], q[k].r[2], q[k].r[3], q[k].r[5], q[k].r[6], q[k].r[7], q[k].fl & ARITH,
						     nat[k].r[0], nat[k].r[1], nat[k].r[2], nat[k].r[3], nat[k].r[5], nat[k].r[6], nat[k].r[7],
						     nat[k].fl & ARITH, nat[k].fault,
						     emu.r[0], emu.r[1], emu.r[2], emu.r[3], emu.r[5], emu.r[6], emu.r[7],
						     emu.fl & ARITH, emu.fault, m, regs ? "yes" : "no");
				}
			}
			total += nb;
		}
	}
	native_stop(&nt);
	cpu_test_fini(&t);
	ck_assert_uint_eq(total, (end - first) * per_case);
}

/* Case ranges per test, filled by main(). */
static unsigned alu_end, misc_end;

#define PER_CASE 2000

START_TEST(diff_alu)
{
	run_cases(0, alu_end, PER_CASE);
}
END_TEST

START_TEST(diff_misc)
{
	run_cases(alu_end, misc_end, PER_CASE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_diff");
	TCase *tc = tcase_create("host");

	build_alu();
	alu_end = ncases;
	build_misc();
	misc_end = ncases;
	printf("cpu_diff: %u cases x %u random inputs\n", ncases, PER_CASE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, diff_alu);
	tcase_add_test(tc, diff_misc);
	suite_add_tcase(s, tc);
	return check_run(s);
}
