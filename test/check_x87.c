/* x87 FPU: differential tests against the host's own x87. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/x87.h"
#include "x87_native.h"

/* ---- guest memory stub ---------------------------------------------- */
struct tmem {
	uint8_t buf[128];
	jmp_buf fault;
	bool fail;
};

static void tread(void *o, uint32_t off, void *b, unsigned len)
{
	struct tmem *m = o;

	ck_assert_uint_le(off + len, sizeof(m->buf));
	if (m->fail)
		longjmp(m->fault, 1);
	memcpy(b, m->buf + off, len);
}

static void twrite(void *o, uint32_t off, const void *b, unsigned len)
{
	struct tmem *m = o;

	ck_assert_uint_le(off + len, sizeof(m->buf));
	if (m->fail)
		longjmp(m->fault, 1);
	memcpy(m->buf + off, b, len);
}

static struct tmem tm;
static const struct x87_mem mem = { &tm, tread, twrite };

static int ex(struct x87 *f, uint8_t op, uint8_t modrm)
{
	struct x87_insn in = { .op = op, .modrm = modrm, .op32 = true, .pmode = true };

	return x87_exec(f, &in, &mem);
}

static void push80(struct x87 *f, struct x87_reg r)
{
	memcpy(tm.buf, &r.mant, 8);
	memcpy(tm.buf + 8, &r.sexp, 2);
	ck_assert_int_eq(ex(f, 0xDB, 0x28), X87_OK);   /* FLD m80 */
}

static struct x87_reg st(const struct x87 *f, int i)
{
	return f->st[(f->top + i) & 7];
}

/* ---- random operands -------------------------------------------------- */
static uint64_t rs = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static struct x87_reg rnd_operand(void)
{
	struct x87_reg r;
	uint16_t sign = (rnd() & 1) ? 0x8000 : 0;

	r.mant = rnd() | (1ull << 63);
	switch (rnd() % 12) {
	case 0: r.mant = 0; r.sexp = 0; break;                       /* zero */
	case 1: r.mant >>= 1 + rnd() % 62; r.sexp = 0; break;        /* denormal */
	case 2: r.mant = 1ull << 63; r.sexp = 0x7FFF; break;         /* infinity */
	case 3: r.mant |= 1ull << 62; r.sexp = 0x7FFF; break;        /* QNaN */
	case 4: r.mant = (r.mant & ~(1ull << 62)) | 1; r.sexp = 0x7FFF; break; /* SNaN */
	case 5: r.mant >>= 1; r.sexp = (uint16_t)(1 + rnd() % 0x7FFE); break;   /* unnormal */
	case 6: r.sexp = (uint16_t)(1 + rnd() % 40); break;          /* tiny */
	case 7: r.sexp = (uint16_t)(0x7FFE - rnd() % 40); break;     /* huge */
	case 8: r.mant &= 0xFFFFFF0000000000ull; r.sexp = (uint16_t)(16383 + rnd() % 64); break;
	default: r.sexp = (uint16_t)(16383 - 70 + rnd() % 140); break;
	}
	r.sexp |= sign;
	return r;
}

static uint16_t rnd_cw(void)
{
	/* all exceptions masked, random precision and rounding control */
	return (uint16_t)(0x037F & ~0x0F00u) | (uint16_t)((rnd() & 0xF) << 8);
}

static bool reg_eq(struct x87_reg a, struct x87_reg b)
{
	return a.mant == b.mant && a.sexp == b.sexp;
}

/* ---- two-operand stack instructions ----------------------------------- */
NATIVE_FN(n_fadd, "0xD8,0xC1")
NATIVE_FN(n_fmul, "0xD8,0xC9")
NATIVE_FN(n_fcom, "0xD8,0xD1")
NATIVE_FN(n_fcomp, "0xD8,0xD9")
NATIVE_FN(n_fsub, "0xD8,0xE1")
NATIVE_FN(n_fsubr, "0xD8,0xE9")
NATIVE_FN(n_fdiv, "0xD8,0xF1")
NATIVE_FN(n_fdivr, "0xD8,0xF9")
NATIVE_FN(n_fadd_i, "0xDC,0xC1")
NATIVE_FN(n_fsubr_i, "0xDC,0xE1")
NATIVE_FN(n_fsub_i, "0xDC,0xE9")
NATIVE_FN(n_fdivr_i, "0xDC,0xF1")
NATIVE_FN(n_fdiv_i, "0xDC,0xF9")
NATIVE_FN(n_faddp, "0xDE,0xC1")
NATIVE_FN(n_fmulp, "0xDE,0xC9")
NATIVE_FN(n_fsubp, "0xDE,0xE9")
NATIVE_FN(n_fdivrp, "0xDE,0xF1")
NATIVE_FN(n_fcompp, "0xDE,0xD9")
NATIVE_FN(n_fucom, "0xDD,0xE1")
NATIVE_FN(n_fucomp, "0xDD,0xE9")
NATIVE_FN(n_fucompp, "0xDA,0xE9")
NATIVE_FN(n_fxch, "0xD9,0xC9")
NATIVE_FN(n_fchs, "0xD9,0xE0")
NATIVE_FN(n_fabs, "0xD9,0xE1")
NATIVE_FN(n_ftst, "0xD9,0xE4")
NATIVE_FN(n_fxam, "0xD9,0xE5")
NATIVE_FN(n_f2xm1, "0xD9,0xF0")
NATIVE_FN(n_fyl2x, "0xD9,0xF1")
NATIVE_FN(n_fpatan, "0xD9,0xF3")
NATIVE_FN(n_fprem1, "0xD9,0xF5")
NATIVE_FN(n_fprem, "0xD9,0xF8")
NATIVE_FN(n_fyl2xp1, "0xD9,0xF9")
NATIVE_FN(n_fsqrt, "0xD9,0xFA")
NATIVE_FN(n_frndint, "0xD9,0xFC")
NATIVE_FN(n_fscale, "0xD9,0xFD")
NATIVE_FN(n_fsin, "0xD9,0xFE")
NATIVE_FN(n_fcos, "0xD9,0xFF")
NATIVE_FN(n_fldpi, "0xDD,0xD9,0xD9,0xEB")   /* FSTP ST(1); FLDPI */
NATIVE_FN(n_fldl2e, "0xDD,0xD9,0xD9,0xEA")
NATIVE_FN(n_fldl2t, "0xDD,0xD9,0xD9,0xE9")
NATIVE_FN(n_fldlg2, "0xDD,0xD9,0xD9,0xEC")
NATIVE_FN(n_fldln2, "0xDD,0xD9,0xD9,0xED")
NATIVE_FN(n_fptan, "0xD9,0xF2")
NATIVE_FN(n_fsincos, "0xD9,0xFB")
NATIVE_FN(n_fxtract, "0xD9,0xF4")
NATIVE_FN(n_fld1, "0xDD,0xD9,0xD9,0xE8")
NATIVE_FN(n_fldz, "0xDD,0xD9,0xD9,0xEE")
NATIVE_FN(n_fld_st1, "0xD9,0xC1")
NATIVE_FN(n_fst_st1, "0xDD,0xD1")

struct binop_case {
	uint8_t op, modrm, op2, modrm2;
	void (*native)(struct nat *);
};

static const struct binop_case cases[] = {
	{ 0xD8, 0xC1, 0, 0, n_fadd }, { 0xD8, 0xC9, 0, 0, n_fmul },
	{ 0xD8, 0xD1, 0, 0, n_fcom }, { 0xD8, 0xD9, 0, 0, n_fcomp },
	{ 0xD8, 0xE1, 0, 0, n_fsub }, { 0xD8, 0xE9, 0, 0, n_fsubr },
	{ 0xD8, 0xF1, 0, 0, n_fdiv }, { 0xD8, 0xF9, 0, 0, n_fdivr },
	{ 0xDC, 0xC1, 0, 0, n_fadd_i }, { 0xDC, 0xE1, 0, 0, n_fsubr_i },
	{ 0xDC, 0xE9, 0, 0, n_fsub_i }, { 0xDC, 0xF1, 0, 0, n_fdivr_i },
	{ 0xDC, 0xF9, 0, 0, n_fdiv_i }, { 0xDE, 0xC1, 0, 0, n_faddp },
	{ 0xDE, 0xC9, 0, 0, n_fmulp }, { 0xDE, 0xE9, 0, 0, n_fsubp },
	{ 0xDE, 0xF1, 0, 0, n_fdivrp }, { 0xDE, 0xD9, 0, 0, n_fcompp },
	{ 0xDD, 0xE1, 0, 0, n_fucom }, { 0xDD, 0xE9, 0, 0, n_fucomp },
	{ 0xDA, 0xE9, 0, 0, n_fucompp }, { 0xD9, 0xC9, 0, 0, n_fxch },
	{ 0xD9, 0xE0, 0, 0, n_fchs }, { 0xD9, 0xE1, 0, 0, n_fabs },
	{ 0xD9, 0xE4, 0, 0, n_ftst }, { 0xD9, 0xE5, 0, 0, n_fxam },
	{ 0xD9, 0xF0, 0, 0, n_f2xm1 }, { 0xD9, 0xF1, 0, 0, n_fyl2x },
	{ 0xD9, 0xF3, 0, 0, n_fpatan }, { 0xD9, 0xF5, 0, 0, n_fprem1 },
	{ 0xD9, 0xF8, 0, 0, n_fprem }, { 0xD9, 0xF9, 0, 0, n_fyl2xp1 },
	{ 0xD9, 0xFA, 0, 0, n_fsqrt }, { 0xD9, 0xFC, 0, 0, n_frndint },
	{ 0xD9, 0xFD, 0, 0, n_fscale }, { 0xD9, 0xFE, 0, 0, n_fsin },
	{ 0xD9, 0xFF, 0, 0, n_fcos },
	{ 0xDD, 0xD9, 0xD9, 0xEB, n_fldpi }, { 0xDD, 0xD9, 0xD9, 0xEA, n_fldl2e },
	{ 0xDD, 0xD9, 0xD9, 0xE9, n_fldl2t }, { 0xDD, 0xD9, 0xD9, 0xEC, n_fldlg2 },
	{ 0xDD, 0xD9, 0xD9, 0xED, n_fldln2 },
	{ 0xD9, 0xF2, 0, 0, n_fptan }, { 0xD9, 0xFB, 0, 0, n_fsincos },
	{ 0xD9, 0xF4, 0, 0, n_fxtract }, { 0xDD, 0xD9, 0xD9, 0xE8, n_fld1 },
	{ 0xDD, 0xD9, 0xD9, 0xEE, n_fldz }, { 0xD9, 0xC1, 0, 0, n_fld_st1 },
	{ 0xDD, 0xD1, 0, 0, n_fst_st1 },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))
#define ITER 400

START_TEST(test_diff_stack_ops)
{
	const struct binop_case *c = &cases[_i];
	int k, depth;

	for (k = 0; k < ITER; k++) {
		struct x87 f;
		struct nat n;
		uint16_t cwv = rnd_cw();

		memset(&n, 0, sizeof(n));
		n.a = rnd_operand();
		n.b = (k % 4 == 0) ? n.a : rnd_operand();
		n.cw = cwv;
		c->native(&n);

		x87_reset(&f);
		f.cw = cwv;
		push80(&f, n.b);
		push80(&f, n.a);
		ck_assert_int_eq(ex(&f, c->op, c->modrm), X87_OK);
		if (c->op2)
			ck_assert_int_eq(ex(&f, c->op2, c->modrm2), X87_OK);
		ck_assert_msg(x87_status(&f) == n.sw,
			      "op %02x %02x cw %04x a %04x:%016llx b %04x:%016llx sw %04x want %04x",
			      c->op, c->modrm, cwv, n.a.sexp, (unsigned long long)n.a.mant,
			      n.b.sexp, (unsigned long long)n.b.mant, x87_status(&f), n.sw);
		depth = (8 - f.top) & 7;
		if (depth >= 1)
			ck_assert_msg(reg_eq(st(&f, 0), n.r0),
				      "op %02x %02x cw %04x a %04x:%016llx b %04x:%016llx: ST0 %04x:%016llx want %04x:%016llx",
				      c->op, c->modrm, cwv, n.a.sexp, (unsigned long long)n.a.mant,
				      n.b.sexp, (unsigned long long)n.b.mant, st(&f, 0).sexp,
				      (unsigned long long)st(&f, 0).mant, n.r0.sexp,
				      (unsigned long long)n.r0.mant);
		if (depth >= 2)
			ck_assert(reg_eq(st(&f, 1), n.r1));
	}
}
END_TEST

/* ---- format conversions ------------------------------------------------ */
struct fmt {
	uint8_t ldop, ldreg, stop, streg;
	unsigned len;
};

static void native_store(uint8_t op, uint8_t reg, uint16_t cwv, struct x87_reg a, uint8_t *out, uint16_t *sw)
{
	uint8_t save[108];

	switch ((op << 4) | reg) {
#define NST(CODE, INSN) case CODE: __asm__ volatile("fnsave %[s]\n\tfldcw %[cw]\n\tfldt %[a]\n\t" INSN " %[o]\n\tfnstsw %[sw]\n\tfrstor %[s]" \
		: [s] "+m"(save), [sw] "=m"(*sw), [o] "=m"(*(uint8_t (*)[10])out) : [cw] "m"(cwv), [a] "m"(a) : "memory"); break;
	NST(0xD93, "fstps")
	NST(0xDD3, "fstpl")
	NST(0xDF3, "fistps")
	NST(0xDB3, "fistpl")
	NST(0xDF7, "fistpll")
	NST(0xDF6, "fbstp")
#undef NST
	}
}

static const struct fmt fmts[] = {
	{ 0xD9, 0, 0xD9, 3, 4 }, { 0xDD, 0, 0xDD, 3, 8 }, { 0xDF, 0, 0xDF, 3, 2 },
	{ 0xDB, 0, 0xDB, 3, 4 }, { 0xDF, 5, 0xDF, 7, 8 }, { 0xDF, 4, 0xDF, 6, 10 },
};

START_TEST(test_diff_stores)
{
	const struct fmt *m = &fmts[_i];
	int k;

	for (k = 0; k < 2000; k++) {
		struct x87 f;
		struct x87_reg a = rnd_operand();
		uint8_t want[10] = { 0 };
		uint16_t cwv = rnd_cw(), nsw = 0;

		if (k & 1) {   /* values in integer range */
			a.sexp = (uint16_t)((a.sexp & 0x8000) | (16383 + rnd() % (m->len * 8 + 2)));
			a.mant |= 1ull << 63;
		}
		native_store(m->stop, m->streg, cwv, a, want, &nsw);
		x87_reset(&f);
		f.cw = cwv;
		push80(&f, a);
		memset(tm.buf, 0, sizeof(tm.buf));
		ck_assert_int_eq(ex(&f, m->stop, (uint8_t)(m->streg << 3)), X87_OK);
		ck_assert_msg(memcmp(tm.buf, want, m->len) == 0, "store %02x/%d of %04x:%016llx cw %04x",
			      m->stop, m->streg, a.sexp, (unsigned long long)a.mant, cwv);
		ck_assert_msg(x87_status(&f) == nsw, "store %02x/%d of %04x:%016llx cw %04x: sw %04x want %04x",
			      m->stop, m->streg, a.sexp, (unsigned long long)a.mant, cwv, x87_status(&f), nsw);
	}
}
END_TEST

START_TEST(test_load_roundtrip)
{
	const struct fmt *m = &fmts[_i];
	int k;

	for (k = 0; k < 2000; k++) {
		struct x87 f;
		uint8_t img[10], back[10];
		uint64_t r = rnd(), r2 = rnd();
		unsigned d;

		memcpy(img, &r, 8);
		memcpy(img + 8, &r2, 2);
		if (m->len == 10) {   /* valid packed BCD */
			for (d = 0; d < 9; d++)
				img[d] = (uint8_t)((rnd() % 10) | (rnd() % 10) << 4);
			img[9] &= 0x80;
		}
		if (m->len == 4 && m->ldop == 0xD9 && ((img[3] & 0x7F) == 0x7F && (img[2] & 0x80)))
			img[3] &= 0xBF;   /* no NaN: a load quiets SNaNs */
		if (m->len == 8 && m->ldop == 0xDD && ((img[7] & 0x7F) == 0x7F && (img[6] & 0xF0) == 0xF0))
			img[7] &= 0xBF;
		x87_reset(&f);
		memcpy(tm.buf, img, m->len);
		ck_assert_int_eq(ex(&f, m->ldop, (uint8_t)(m->ldreg << 3)), X87_OK);
		memset(tm.buf, 0xAA, sizeof(tm.buf));
		ck_assert_int_eq(ex(&f, m->stop, (uint8_t)(m->streg << 3)), X87_OK);
		memcpy(back, tm.buf, m->len);
		ck_assert_msg(memcmp(back, img, m->len) == 0, "round trip %02x/%d", m->ldop, m->ldreg);
		ck_assert_int_eq(f.tw, 0xFFFF);
	}
}
END_TEST


/* ---- memory-operand arithmetic and loads ------------------------------- */
struct nmem {
	struct x87_reg a, r0;
	uint64_t m;
	uint16_t cw, sw;
	uint8_t save[108];
};

#define NATIVE_MEM(NAME, INSN)                                              \
	static void NAME(struct nmem *n)                                    \
	{                                                                   \
		__asm__ volatile("fnsave %[save]\n\tfldcw %[cw]\n\tfldt %[a]\n\t" \
				 INSN " %[m]\n\tfnstsw %[sw]\n\tfstpt %[r0]\n\t" \
				 "frstor %[save]"                           \
				 : [save] "+m"(n->save), [sw] "=m"(n->sw),  \
				   [r0] "=m"(n->r0)                         \
				 : [cw] "m"(n->cw), [a] "m"(n->a), [m] "m"(n->m) \
				 : "memory");                               \
	}

NATIVE_MEM(nm_fadds, "fadds")
NATIVE_MEM(nm_fsubrl, "fsubrl")
NATIVE_MEM(nm_fmull, "fmull")
NATIVE_MEM(nm_fdivs, "fdivs")
NATIVE_MEM(nm_fcoms, "fcoms")
NATIVE_MEM(nm_fiaddl, "fiaddl")
NATIVE_MEM(nm_fisubs, "fisubs")
NATIVE_MEM(nm_ficoml, "ficoml")
NATIVE_MEM(nm_fidivrs, "fidivrs")
NATIVE_MEM(nm_flds, "fstp %%st(0)\n\tflds")
NATIVE_MEM(nm_fldl, "fstp %%st(0)\n\tfldl")

struct mem_case {
	uint8_t op, modrm, op2, modrm2;
	unsigned len;
	void (*native)(struct nmem *);
};

static const struct mem_case mcases[] = {
	{ 0xD8, 0x00, 0, 0, 4, nm_fadds }, { 0xDC, 0x28, 0, 0, 8, nm_fsubrl },
	{ 0xDC, 0x08, 0, 0, 8, nm_fmull }, { 0xD8, 0x30, 0, 0, 4, nm_fdivs },
	{ 0xD8, 0x10, 0, 0, 4, nm_fcoms }, { 0xDA, 0x00, 0, 0, 4, nm_fiaddl },
	{ 0xDE, 0x20, 0, 0, 2, nm_fisubs }, { 0xDA, 0x10, 0, 0, 4, nm_ficoml },
	{ 0xDE, 0x38, 0, 0, 2, nm_fidivrs },
	{ 0xDD, 0xD8, 0xD9, 0x00, 4, nm_flds }, { 0xDD, 0xD8, 0xDD, 0x00, 8, nm_fldl },
};

START_TEST(test_diff_mem_ops)
{
	const struct mem_case *c = &mcases[_i];
	int k;

	for (k = 0; k < 1000; k++) {
		struct x87 f;
		struct nmem n;
		uint16_t cwv = rnd_cw();

		memset(&n, 0, sizeof(n));
		n.a = rnd_operand();
		n.m = rnd();
		if (k % 3 == 0 && c->len == 4)   /* exponent extremes: denormal, inf, NaN */
			n.m = (n.m & 0x807FFFFFu) | ((k & 4) ? 0x7F800000u : 0);
		if (k % 3 == 0 && c->len == 8)
			n.m = (n.m & 0x800FFFFFFFFFFFFFull) | ((k & 4) ? 0x7FF0000000000000ull : 0);
		n.cw = cwv;
		c->native(&n);
		x87_reset(&f);
		f.cw = cwv;
		push80(&f, n.a);
		memset(tm.buf, 0, sizeof(tm.buf));
		memcpy(tm.buf, &n.m, c->len);
		ck_assert_int_eq(ex(&f, c->op, c->modrm), X87_OK);
		if (c->op2)
			ck_assert_int_eq(ex(&f, c->op2, c->modrm2), X87_OK);
		ck_assert_msg(x87_status(&f) == n.sw, "mem op %02x %02x cw %04x a %04x:%016llx m %016llx sw %04x want %04x",
			      c->op2 ? c->op2 : c->op, c->op2 ? c->modrm2 : c->modrm, cwv, n.a.sexp,
			      (unsigned long long)n.a.mant, (unsigned long long)n.m, x87_status(&f), n.sw);
		ck_assert_msg(reg_eq(st(&f, 0), n.r0), "mem op %02x %02x: a %04x:%016llx m %016llx result %04x:%016llx want %04x:%016llx", c->op, c->modrm, n.a.sexp, (unsigned long long)n.a.mant, (unsigned long long)n.m, st(&f, 0).sexp, (unsigned long long)st(&f, 0).mant, n.r0.sexp, (unsigned long long)n.r0.mant);
	}
}
END_TEST


/* ---- FCOMI/FUCOMI EFLAGS ----------------------------------------------- */
static void native_comi(bool unordered, struct x87_reg a, struct x87_reg b, uint8_t fl[3], uint16_t *sw)
{
	uint8_t save[108];
	uint16_t cwv = 0x037F;

	if (unordered)
		__asm__ volatile("fnsave %[s]\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfucomi %%st(1), %%st\n\t"
				 "setz %[z]\n\tsetp %[p]\n\tsetc %[c]\n\tfnstsw %[sw]\n\tfrstor %[s]"
				 : [s] "+m"(save), [z] "=m"(fl[0]), [p] "=m"(fl[1]), [c] "=m"(fl[2]), [sw] "=m"(*sw)
				 : [cw] "m"(cwv), [a] "m"(a), [b] "m"(b) : "memory", "cc");
	else
		__asm__ volatile("fnsave %[s]\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\tfcomi %%st(1), %%st\n\t"
				 "setz %[z]\n\tsetp %[p]\n\tsetc %[c]\n\tfnstsw %[sw]\n\tfrstor %[s]"
				 : [s] "+m"(save), [z] "=m"(fl[0]), [p] "=m"(fl[1]), [c] "=m"(fl[2]), [sw] "=m"(*sw)
				 : [cw] "m"(cwv), [a] "m"(a), [b] "m"(b) : "memory", "cc");
}

START_TEST(test_diff_fcomi)
{
	int k;

	for (k = 0; k < 2000; k++) {
		struct x87 f;
		struct x87_reg a = rnd_operand(), b = (k % 5 == 0) ? a : rnd_operand();
		bool u = k & 1;
		uint8_t fl[3];
		uint16_t nsw;
		uint32_t want;

		native_comi(u, a, b, fl, &nsw);
		want = (fl[0] ? X87_EFLAGS_ZF : 0) | (fl[1] ? X87_EFLAGS_PF : 0) | (fl[2] ? X87_EFLAGS_CF : 0);
		x87_reset(&f);
		push80(&f, b);
		push80(&f, a);
		ck_assert_int_eq(ex(&f, 0xDB, u ? 0xE9 : 0xF1), X87_OK);
		ck_assert(f.eflags_valid);
		ck_assert_msg(f.eflags_out == want, "fcomi eflags %x want %x", f.eflags_out, want);
		ck_assert_msg(x87_status(&f) == nsw, "fcomi sw %04x want %04x", x87_status(&f), nsw);
	}
}
END_TEST

/* ---- environment images ----------------------------------------------- */
START_TEST(test_fnsave_image)
{
	int k;

	for (k = 0; k < 200; k++) {
		struct x87 f;
		uint8_t nat[108], save[108];
		struct x87_reg v[3] = { rnd_operand(), rnd_operand(), rnd_operand() };
		uint16_t cwv = rnd_cw();
		int i, depth = 1 + (int)(rnd() % 3);

		/* Registers the guest never loaded hold zeros in a fresh
		 * emulated FPU: zero the host's too (FNINIT keeps contents). */
		__asm__ volatile("fnsave %[s]\n\tfninit\n\t"
				 "fldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\t"
				 "fninit\n\tfldcw %[cw]" : [s] "+m"(save) : [cw] "m"(cwv) : "memory");
		for (i = 0; i < depth; i++)
			__asm__ volatile("fldt %0" : : "m"(v[i]));
		__asm__ volatile("fnclex\n\tfnsave %[n]\n\tfrstor %[s]" : [n] "=m"(nat), [s] "+m"(save) : : "memory");

		x87_reset(&f);
		f.cw = cwv;
		for (i = 0; i < depth; i++)
			push80(&f, v[i]);
		ck_assert_int_eq(ex(&f, 0xDB, 0xE2), X87_OK);   /* FNCLEX */
		memset(tm.buf, 0, sizeof(tm.buf));
		ck_assert_int_eq(ex(&f, 0xDD, 0x30), X87_OK);   /* FNSAVE */
		/* CW, SW, TW (with the reserved upper halves) and the registers;
		 * the pointer fields hold host addresses */
		ck_assert_msg(memcmp(tm.buf, nat, 12) == 0, "env header differs");
		ck_assert_msg(memcmp(tm.buf + 28, nat + 28, 80) == 0, "register image differs");
		ck_assert_int_eq(f.cw, 0x037F);
		ck_assert_int_eq(f.tw, 0xFFFF);
		/* FRSTOR restores it exactly */
		ck_assert_int_eq(ex(&f, 0xDD, 0x20), X87_OK);
		ck_assert_int_eq(f.cw, (cwv & 0x1F3F) | 0x40);
		ck_assert_int_eq(x87_status(&f), nat[4] | nat[5] << 8);
		memset(tm.buf, 0, sizeof(tm.buf));
		ck_assert_int_eq(ex(&f, 0xD9, 0x30), X87_OK);   /* FNSTENV */
		ck_assert(memcmp(tm.buf, nat, 12) == 0);
		ck_assert_int_eq(f.cw, cwv | 0x3F);
	}
}
END_TEST

START_TEST(test_env_layouts)
{
	struct x87 f;
	struct x87_insn in = { .op = 0xD9, .modrm = 0x30, .fip = 0x12345, .fcs = 0x1000,
			       .fdp = 0x6789, .fds = 0x2000 };
	uint8_t img[28];
	int l;

	for (l = 0; l < 4; l++) {
		struct x87 g;

		x87_reset(&f);
		push80(&f, (struct x87_reg){ 1ull << 63, 0x3FFF });
		f.fip = 0x1234;
		f.fcs = 0x1000;
		f.fdp = 0x5678;
		f.fds = 0x2000;
		f.fop = 0x5AB;
		in.op32 = l & 1;
		in.pmode = l & 2;
		in.op = 0xD9;
		in.modrm = 0x30;
		memset(tm.buf, 0, sizeof(tm.buf));
		ck_assert_int_eq(x87_exec(&f, &in, &mem), X87_OK);
		memcpy(img, tm.buf, 28);
		x87_reset(&g);
		in.modrm = 0x20;
		ck_assert_int_eq(x87_exec(&g, &in, &mem), X87_OK);
		ck_assert_int_eq(g.top, 7);
		ck_assert_int_eq(g.cw, 0x37F);
		ck_assert_int_eq(g.tw, f.tw);
		if (in.pmode) {
			ck_assert_int_eq(g.fip, 0x1234);
			ck_assert_int_eq(g.fcs, 0x1000);
			ck_assert_int_eq(g.fdp, 0x5678);
			ck_assert_int_eq(g.fds, 0x2000);
		} else {
			ck_assert_int_eq(g.fip, 0x10000 + 0x1234);
			ck_assert_int_eq(g.fdp, 0x20000 + 0x5678);
			ck_assert_int_eq(g.fop, 0x5AB);
		}
		if (in.op32 && in.pmode)
			ck_assert_int_eq(g.fop, 0x5AB);
	}
}
END_TEST

/* ---- exceptions -------------------------------------------------------- */
START_TEST(test_pending_mf)
{
	struct x87 f;
	struct x87_reg one = { 1ull << 63, 0x3FFF }, zero = { 0, 0 };

	x87_reset(&f);
	f.cw = 0x037F & ~0x4;   /* unmask zero-divide */
	push80(&f, zero);
	push80(&f, one);
	ck_assert_int_eq(ex(&f, 0xD8, 0xF1), X87_OK);   /* FDIV ST0, ST1 */
	ck_assert_uint_eq(x87_status(&f) & 0x80BF, 0x8084);
	ck_assert(reg_eq(st(&f, 0), one));               /* destination untouched */
	ck_assert_int_eq(x87_fwait(&f), X87_MF);
	ck_assert_int_eq(ex(&f, 0xD8, 0xC1), X87_MF);    /* waiting insn */
	ck_assert_int_eq(ex(&f, 0xDF, 0xE0), X87_OK);    /* FNSTSW AX */
	ck_assert_int_eq(ex(&f, 0xDB, 0xE2), X87_OK);    /* FNCLEX */
	ck_assert_int_eq(x87_fwait(&f), X87_OK);
	ck_assert_uint_eq(x87_status(&f) & 0x80FF, 0);
	ck_assert_int_eq(ex(&f, 0xD8, 0xC1), X87_OK);
}
END_TEST

START_TEST(test_stack_fault)
{
	struct x87 f;
	struct x87_reg one = { 1ull << 63, 0x3FFF };
	int i;

	x87_reset(&f);
	for (i = 0; i < 8; i++)
		push80(&f, one);
	ck_assert_int_eq(f.tw, 0);
	push80(&f, one);                                 /* overflow */
	ck_assert_uint_eq(x87_status(&f) & 0x02C1, 0x0241);
	ck_assert_int_eq(st(&f, 0).sexp, 0xFFFF);
	ck_assert(st(&f, 0).mant == 0xC000000000000000ull);
	x87_reset(&f);
	ck_assert_int_eq(ex(&f, 0xD9, 0xE1), X87_OK);   /* FABS on empty */
	ck_assert_uint_eq(x87_status(&f) & 0x02C1, 0x0041);
	/* unmasked: nothing written, #MF at the next waiting instruction */
	x87_reset(&f);
	f.cw = 0x037E;
	ck_assert_int_eq(ex(&f, 0xD8, 0xC1), X87_OK);
	ck_assert_int_eq(f.tw, 0xFFFF);
	ck_assert_int_eq(x87_fwait(&f), X87_MF);
}
END_TEST

START_TEST(test_precise_faults)
{
	struct x87 f, before;
	struct x87_reg one = { 1ull << 63, 0x3FFF };

	x87_reset(&f);
	push80(&f, one);
	before = f;
	tm.fail = true;
	if (!setjmp(tm.fault))
		ex(&f, 0xDB, 0x38);                      /* FSTP m80 faults */
	tm.fail = false;
	ck_assert_int_eq(f.top, before.top);
	ck_assert_int_eq(f.tw, before.tw);
	tm.fail = true;
	if (!setjmp(tm.fault))
		ex(&f, 0xD8, 0x00);                      /* FADD m32 faults */
	if (!setjmp(tm.fault))
		ex(&f, 0xDD, 0x30);                      /* FNSAVE faults */
	tm.fail = false;
	ck_assert(memcmp(&f.st, &before.st, sizeof(f.st)) == 0);
	ck_assert_int_eq(f.sw, before.sw);
	ck_assert_int_eq(f.cw, before.cw);
	ck_assert_int_eq(f.tw, before.tw);
}
END_TEST

START_TEST(test_fcomi_fcmov)
{
	struct x87 f;
	struct x87_reg one = { 1ull << 63, 0x3FFF }, two = { 1ull << 63, 0x4000 };
	struct x87_insn in = { .op = 0xDA, .modrm = 0xC1 };

	x87_reset(&f);
	push80(&f, two);
	push80(&f, one);
	ck_assert_int_eq(ex(&f, 0xDB, 0xF1), X87_OK);    /* FCOMI 1 vs 2 */
	ck_assert(f.eflags_valid);
	ck_assert_uint_eq(f.eflags_out, X87_EFLAGS_CF);
	in.eflags = f.eflags_out;
	ck_assert_int_eq(x87_exec(&f, &in, &mem), X87_OK);   /* FCMOVB ST0, ST1 */
	ck_assert(reg_eq(st(&f, 0), two));
	ck_assert_int_eq(ex(&f, 0xDF, 0xE9), X87_OK);    /* FUCOMIP equal */
	ck_assert_uint_eq(f.eflags_out, X87_EFLAGS_ZF);
	ck_assert_int_eq(f.top, 7);
	ck_assert_int_eq(ex(&f, 0xD9, 0x08), X87_UD);
	ck_assert_int_eq(ex(&f, 0xDB, 0x08), X87_UD);    /* FISTTP: SSE3 */
}
END_TEST

static Suite *x87_suite(void)
{
	Suite *s = suite_create("x87");
	TCase *tc = tcase_create("x87");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_diff_stack_ops, 0, N_CASES);
	tcase_add_loop_test(tc, test_diff_stores, 0, sizeof(fmts) / sizeof(fmts[0]));
	tcase_add_loop_test(tc, test_load_roundtrip, 0, sizeof(fmts) / sizeof(fmts[0]));
	tcase_add_loop_test(tc, test_diff_mem_ops, 0, sizeof(mcases) / sizeof(mcases[0]));
	tcase_add_test(tc, test_diff_fcomi);
	tcase_add_test(tc, test_fnsave_image);
	tcase_add_test(tc, test_env_layouts);
	tcase_add_test(tc, test_pending_mf);
	tcase_add_test(tc, test_stack_fault);
	tcase_add_test(tc, test_precise_faults);
	tcase_add_test(tc, test_fcomi_fcmov);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(x87_suite());
	const char *seed = getenv("X87_SEED");   /* optional: explore other operands */
	int failed;

	if (seed && strtoull(seed, NULL, 0))
		rs = strtoull(seed, NULL, 0);
	srunner_set_fork_status(sr, CK_NOFORK);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
