/* The "alu" instruction group through the translator (decode, TU, run
 * loop, memory access, exception delivery) on the cpu_test machine:
 *  - memory-operand forms of every RMW/read instruction give what the
 *    register form gives (the register forms are checked against the host
 *    CPU by test/cpu_diff), in 32-bit code with [ebx] and in 16-bit code
 *    with [bx] (so 16-bit address size and both operand sizes);
 *  - memory-only semantics: BT* bit strings with register offsets,
 *    CMPXCHG8B, XLAT, moffs, LEA address arithmetic;
 *  - exceptions: #DE (DIV/IDIV by zero and overflow, AAM 0), #UD (LEA and
 *    CMPXCHG8B with a register operand, LOCK where not allowed), #PF on a
 *    read-only page leaving registers, flags and memory unchanged, CMOVcc
 *    loading (and faulting) even when its condition is false;
 *  - flag instructions (CLC/STC/CMC/CLD/STD/LAHF/SAHF/SALC), BSF/BSR with a
 *    zero source. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "cpu_test.h"

#define MARK 0x500u        /* vector of the last exception, NONE if none */
#define NONE 0xffffffffu
#define GDT 0x600u
#define IDT 0x800u
#define STUBS 0x3000u      /* 16 bytes per vector */
#define CODE 0x1000u
#define DATA 0x4000u      /* below 64 KiB: real mode reaches it with DS=0 */
#define PD 0x80000u
#define PT 0x81000u
#define RO_PAGE 0x20000u   /* read-only once paging is on */
#define NP_PAGE 0x21000u   /* not present once paging is on */
#define ARITH (CPU_CF | CPU_PF | CPU_AF | CPU_ZF | CPU_SF | CPU_OF)

static struct cpu_test t;
static struct cpu *c;

static void setup(void)
{
	ck_assert_int_eq(cpu_test_init(&t, 4u << 20), 0);
	c = t.cpu;
}

static void teardown(void)
{
	cpu_test_fini(&t);
	c = NULL;
}

static uint32_t rd(uint32_t gpa, unsigned size) { return pmap_read(t.pm, gpa, size); }
static void wr(uint32_t gpa, unsigned size, uint32_t v) { pmap_write(t.pm, gpa, size, v); }

static void load(uint32_t gpa, const void *b, unsigned n)
{
	cpu_tc_flush(c);
	cpu_test_load(&t, gpa, b, n);
}

/* Flat 32-bit mode with a GDT and an IDT whose gates lead to stubs that
 * store the vector at MARK and halt. */
static void flat(void)
{
	static const uint32_t gdt[6] = { 0, 0, 0x0000ffff, 0x00cf9a00, 0x0000ffff, 0x00cf9200 };
	unsigned v, k;

	cpu_reset(c);
	cpu_test_flat(&t, CODE);
	for (k = 0; k < 6; k++)
		wr(GDT + 4 * k, 4, gdt[k]);
	for (v = 0; v < 32; v++) {
		uint32_t stub = STUBS + 16 * v;
		/* mov dword [MARK], v ; hlt */
		uint8_t code[11] = { 0xc7, 0x05, MARK & 0xff, MARK >> 8, 0, 0, (uint8_t)v, 0, 0, 0, 0xf4 };

		load(stub, code, sizeof(code));
		wr(IDT + 8 * v, 4, 0x00080000u | stub);
		wr(IDT + 8 * v + 4, 4, 0x8e00u);
	}
	c->gdtr.base = GDT;
	c->gdtr.limit = 23;
	c->idtr.base = IDT;
	c->idtr.limit = 32 * 8 - 1;
	c->seg[CPU_CS].sel = 0x08;
	for (k = 0; k < 6; k++)
		if (k != CPU_CS)
			c->seg[k].sel = 0x10;
	wr(MARK, 4, NONE);
}

/* Real mode at 0:CODE with IVT stubs like flat()'s. */
static void real(void)
{
	unsigned v;

	cpu_reset(c);
	cpu_test_real(&t, 0, CODE);
	ck_assert(!c->code32 && !cpu_pmode(c));
	for (v = 0; v < 32; v++) {
		uint32_t stub = STUBS + 16 * v;
		/* mov word [MARK], v ; mov word [MARK+2], 0 ; hlt */
		uint8_t code[13] = { 0xc7, 0x06, MARK & 0xff, MARK >> 8, (uint8_t)v, 0,
				     0xc7, 0x06, (MARK + 2) & 0xff, (MARK + 2) >> 8, 0, 0, 0xf4 };

		load(stub, code, sizeof(code));
		wr(4 * v, 4, stub);
	}
	wr(MARK, 4, NONE);
}

/* Identity paging of 0-4 MiB; RO_PAGE read-only, NP_PAGE not present;
 * CR0.WP so that CPL 0 writes fault on RO_PAGE. */
static void paging(void)
{
	unsigned k;

	for (k = 0; k < 1024; k++) {
		uint32_t pte = (k << 12) | 3;

		if ((k << 12) == RO_PAGE)
			pte = (k << 12) | 1;
		if ((k << 12) == NP_PAGE)
			pte = k << 12;
		wr(PD + 4 * k, 4, k == 0 ? PT | 3 : 0);
		wr(PT + 4 * k, 4, pte);
	}
	if (sigsetjmp(c->exc_jmp, 0))
		ck_abort_msg("enabling paging raised vector %u", c->exc_vec);
	cpu_write_cr(c, 3, PD);
	cpu_write_cr(c, 0, c->cr0 | 0x80010000u);
}

static void set_flags(uint32_t f)
{
	c->lf.op = LF_NONE;
	c->eflags = (c->eflags & ~ARITH) | (f & ARITH) | 2u;
}

/* Loads code (followed by HLT) at CODE and runs it from there. */
static void run_bytes(const uint8_t *b, unsigned n)
{
	uint8_t buf[64];

	ck_assert_uint_lt(n, sizeof(buf));
	memcpy(buf, b, n);
	buf[n] = 0xf4;
	load(CODE, buf, n + 1);
	c->eip = CODE;
	c->halted = false;
	wr(MARK, 4, NONE);
	ck_assert_int_eq(cpu_test_run(&t, 1000), CPU_EXIT_REQUEST);
	ck_assert_msg(c->halted, "did not reach HLT");
}

static void run_asm(unsigned bits, const char *src)
{
	static char text[8192];
	static uint8_t bin[4096];
	long n;

	snprintf(text, sizeof(text), "bits %u\norg 0x%x\n%s\nhlt\n", bits, CODE, src);
	n = cpu_test_nasm(text, bin, sizeof(bin));
	ck_assert_msg(n > 0, "nasm failed on:\n%s", text);
	load(CODE, bin, (unsigned)n);
	c->eip = CODE;
	c->halted = false;
	wr(MARK, 4, NONE);
	ck_assert_int_eq(cpu_test_run(&t, 100000), CPU_EXIT_REQUEST);
	ck_assert_msg(c->halted, "did not reach HLT");
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t rnd_val(void)
{
	static const uint32_t edge[8] = { 0, 1, 0x7f, 0x80, 0xffff, 0x8000, 0x80000000u, 0xffffffffu };
	uint32_t r = rnd();

	if ((r & 3) == 0)
		return edge[(r >> 2) & 7];
	if ((r & 3) == 1)
		return rnd() & 0xff;
	return rnd();
}

/* ---- memory form == register form ------------------------------------------ */

/* A template: bytes with the ModRM byte at index mi whose reg field is
 * reg; size is the operand size in 32-bit code (16-bit code swaps 2 and 4
 * through the 0x66 prefix, so those templates give both). */
struct form {
	const char *name;
	uint8_t b[8];
	uint8_t len, mi, reg, size;
};

static const struct form forms[] = {
#define F(name, size, mi, reg, ...) { name, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), mi, reg, size }
	F("add Eb,Gb", 1, 1, 1, 0x00, 0), F("add Ev,Gv", 4, 1, 1, 0x01, 0), F("add Gv,Ev", 4, 1, 1, 0x03, 0),
	F("or Eb,Gb", 1, 1, 1, 0x08, 0), F("or Ev,Gv", 4, 1, 1, 0x09, 0), F("or Gb,Eb", 1, 1, 1, 0x0a, 0),
	F("adc Eb,Gb", 1, 1, 1, 0x10, 0), F("adc Ev,Gv", 4, 1, 1, 0x11, 0), F("adc Gv,Ev", 4, 1, 1, 0x13, 0),
	F("sbb Eb,Gb", 1, 1, 1, 0x18, 0), F("sbb Ev,Gv", 4, 1, 1, 0x19, 0), F("sbb Gv,Ev", 4, 1, 1, 0x1b, 0),
	F("and Eb,Gb", 1, 1, 1, 0x20, 0), F("and Ev,Gv", 4, 1, 1, 0x21, 0), F("and Gv,Ev", 4, 1, 1, 0x23, 0),
	F("sub Eb,Gb", 1, 1, 1, 0x28, 0), F("sub Ev,Gv", 4, 1, 1, 0x29, 0), F("sub Gb,Eb", 1, 1, 1, 0x2a, 0),
	F("xor Eb,Gb", 1, 1, 1, 0x30, 0), F("xor Ev,Gv", 4, 1, 1, 0x31, 0), F("xor Gv,Ev", 4, 1, 1, 0x33, 0),
	F("cmp Eb,Gb", 1, 1, 1, 0x38, 0), F("cmp Ev,Gv", 4, 1, 1, 0x39, 0), F("cmp Gv,Ev", 4, 1, 1, 0x3b, 0),
	F("add Eb,Ib", 1, 1, 0, 0x80, 0, 0x85), F("or Ev,Iz", 4, 1, 1, 0x81, 0, 0x78, 0x56, 0x34, 0x12),
	F("adc Ev,Ib", 4, 1, 2, 0x83, 0, 0xfe), F("sbb Eb,Ib", 1, 1, 3, 0x80, 0, 0x01),
	F("and Ev,Ib", 4, 1, 4, 0x83, 0, 0xf0), F("sub Ev,Iz", 4, 1, 5, 0x81, 0, 0x01, 0, 0, 0x80),
	F("xor Eb,Ib (82)", 1, 1, 6, 0x82, 0, 0xa5), F("cmp Ev,Ib", 4, 1, 7, 0x83, 0, 0x80),
	F("test Eb,Gb", 1, 1, 1, 0x84, 0), F("test Ev,Gv", 4, 1, 1, 0x85, 0),
	F("test Eb,Ib", 1, 1, 0, 0xf6, 0, 0x81), F("test Ev,Iz", 4, 1, 0, 0xf7, 0, 0xff, 0, 0, 0x80),
	F("inc Eb", 1, 1, 0, 0xfe, 0), F("dec Eb", 1, 1, 1, 0xfe, 0),
	F("inc Ev", 4, 1, 0, 0xff, 0), F("dec Ev", 4, 1, 1, 0xff, 0),
	F("not Eb", 1, 1, 2, 0xf6, 0), F("not Ev", 4, 1, 2, 0xf7, 0),
	F("neg Eb", 1, 1, 3, 0xf6, 0), F("neg Ev", 4, 1, 3, 0xf7, 0),
	F("mul Eb", 1, 1, 4, 0xf6, 0), F("mul Ev", 4, 1, 4, 0xf7, 0),
	F("imul Eb", 1, 1, 5, 0xf6, 0), F("imul Ev", 4, 1, 5, 0xf7, 0),
	F("div Eb", 1, 1, 6, 0xf6, 0), F("div Ev", 4, 1, 6, 0xf7, 0),
	F("idiv Eb", 1, 1, 7, 0xf6, 0), F("idiv Ev", 4, 1, 7, 0xf7, 0),
	F("imul Gv,Ev", 4, 2, 1, 0x0f, 0xaf, 0), F("imul Gv,Ev,Iz", 4, 1, 1, 0x69, 0, 0x10, 0x32, 0x54, 0x76),
	F("imul Gv,Ev,Ib", 4, 1, 1, 0x6b, 0, 0x85),
	F("rol Eb,1", 1, 1, 0, 0xd0, 0), F("ror Ev,1", 4, 1, 1, 0xd1, 0), F("rcl Eb,cl", 1, 1, 2, 0xd2, 0),
	F("rcr Ev,cl", 4, 1, 3, 0xd3, 0), F("shl Eb,ib", 1, 1, 4, 0xc0, 0, 3), F("shr Ev,ib", 4, 1, 5, 0xc1, 0, 13),
	F("sal Ev,cl", 4, 1, 6, 0xd3, 0), F("sar Eb,cl", 1, 1, 7, 0xd2, 0), F("rcl Ev,ib", 4, 1, 2, 0xc1, 0, 17),
	F("shld Ev,Gv,ib", 4, 2, 1, 0x0f, 0xa4, 0, 7), F("shld Ev,Gv,cl", 4, 2, 1, 0x0f, 0xa5, 0),
	F("shrd Ev,Gv,ib", 4, 2, 1, 0x0f, 0xac, 0, 9), F("shrd Ev,Gv,cl", 4, 2, 1, 0x0f, 0xad, 0),
	F("bt Ev,ib", 4, 2, 4, 0x0f, 0xba, 0, 37), F("bts Ev,ib", 4, 2, 5, 0x0f, 0xba, 0, 3),
	F("btr Ev,ib", 4, 2, 6, 0x0f, 0xba, 0, 15), F("btc Ev,ib", 4, 2, 7, 0x0f, 0xba, 0, 0),
	F("bsf Gv,Ev", 4, 2, 1, 0x0f, 0xbc, 0), F("bsr Gv,Ev", 4, 2, 1, 0x0f, 0xbd, 0),
	F("cmpxchg Eb,Gb", 1, 2, 1, 0x0f, 0xb0, 0), F("cmpxchg Ev,Gv", 4, 2, 1, 0x0f, 0xb1, 0),
	F("xadd Eb,Gb", 1, 2, 1, 0x0f, 0xc0, 0), F("xadd Ev,Gv", 4, 2, 1, 0x0f, 0xc1, 0),
	F("xchg Eb,Gb", 1, 1, 1, 0x86, 0), F("xchg Ev,Gv", 4, 1, 1, 0x87, 0),
	F("mov Eb,Gb", 1, 1, 1, 0x88, 0), F("mov Ev,Gv", 4, 1, 1, 0x89, 0),
	F("mov Gb,Eb", 1, 1, 1, 0x8a, 0), F("mov Gv,Ev", 4, 1, 1, 0x8b, 0),
	F("mov Eb,Ib", 1, 1, 0, 0xc6, 0, 0x5a), F("mov Ev,Iz", 4, 1, 0, 0xc7, 0, 1, 2, 3, 4),
	F("movzx Gv,Eb", 1, 2, 1, 0x0f, 0xb6, 0), F("movzx Gv,Ew", 2, 2, 1, 0x0f, 0xb7, 0),
	F("movsx Gv,Eb", 1, 2, 1, 0x0f, 0xbe, 0), F("movsx Gv,Ew", 2, 2, 1, 0x0f, 0xbf, 0),
	F("setb Eb", 1, 2, 0, 0x0f, 0x92, 0), F("setle Eb", 1, 2, 0, 0x0f, 0x9e, 0),
	F("setnp Eb", 1, 2, 0, 0x0f, 0x9b, 0),
	F("cmovz Gv,Ev", 4, 2, 1, 0x0f, 0x44, 0), F("cmovg Gv,Ev", 4, 2, 1, 0x0f, 0x4f, 0),
#undef F
};

struct outcome {
	uint32_t r[8], fl, opnd, vec;
};

/* Runs form f, with a 0x66 prefix when opsz, with the operand in memory
 * at [ebx]/[bx] (mem) or in ESI/SI/DH.  The outcome leaves out ESI and, for
 * byte forms, DH (the register operand); opnd is the operand's dword. */
static void run_form(const struct form *f, bool code16, bool opsz, bool mem, const uint32_t in[8],
		     uint32_t fl, uint32_t m, struct outcome *o)
{
	uint8_t b[16];
	unsigned n = 0, size = f->size;
	uint32_t addr = DATA + 0x40;

	if (f->size == 4)
		size = (code16 != opsz) ? 2 : 4;
	if (opsz)
		b[n++] = 0x66;
	memcpy(b + n, f->b, f->len);
	if (mem)
		b[n + f->mi] = (uint8_t)(f->reg << 3 | (code16 ? 7 : 3));     /* [bx] / [ebx] */
	else
		b[n + f->mi] = (uint8_t)(0xc0 | f->reg << 3 | 6);             /* esi, si or dh */
	n += f->len;
	if (size == 2 && strstr(f->name, "Iz"))
		n -= 2;                 /* a 16-bit operand size takes an imm16 */
	memcpy(c->gpr, in, sizeof(c->gpr));
	c->gpr[CPU_EBX] = addr;
	c->gpr[CPU_ESI] = m;
	c->gpr[CPU_EDX] = (c->gpr[CPU_EDX] & ~0xff00u) | (m & 0xff) << 8;
	c->gpr[CPU_ESP] = 0x7000;
	set_flags(fl);
	wr(addr, 4, m);
	run_bytes(b, n);
	memcpy(o->r, c->gpr, sizeof(o->r));
	o->fl = cpu_flags(c) & ARITH;
	o->vec = rd(MARK, 4);
	if (mem)
		o->opnd = rd(addr, 4);
	else if (size == 1)
		o->opnd = (m & 0xffffff00u) | ((o->r[CPU_EDX] >> 8) & 0xff);
	else if (size == 2)
		o->opnd = (m & 0xffff0000u) | (o->r[CPU_ESI] & 0xffff);
	else
		o->opnd = o->r[CPU_ESI];
	o->r[CPU_ESI] = 0;
	if (size == 1)
		o->r[CPU_EDX] &= ~0xff00u;
}

static void mem_vs_reg(bool code16)
{
	unsigned fi, k, opsz;

	if (code16)
		real();
	else
		flat();
	for (fi = 0; fi < sizeof(forms) / sizeof(forms[0]); fi++) {
		const struct form *f = &forms[fi];

		for (opsz = 0; opsz < (f->size == 4 ? 2u : 1u); opsz++)
			for (k = 0; k < 24; k++) {
				uint32_t in[8], fl = rnd() & ARITH, m = rnd_val();
				struct outcome a, b;
				unsigned r;

				for (r = 0; r < 8; r++)
					in[r] = rnd_val();
				if (k & 1)
					in[CPU_EAX] = m;          /* CMPXCHG equal, CMOV/SET variety */
				if (k & 2)
					in[CPU_EDX] = 0;          /* DIV mostly without overflow */
				run_form(f, code16, opsz, true, in, fl, m, &a);
				run_form(f, code16, opsz, false, in, fl, m, &b);
				if (memcmp(&a, &b, sizeof(a))) {
					ck_abort_msg("%s (code%u%s) in eax %08x ecx %08x edx %08x m %08x fl %03x:\n"
						     " mem: eax %08x ecx %08x edx %08x esi %08x fl %03x opnd %08x vec %x\n"
						     " reg: eax %08x ecx %08x edx %08x esi %08x fl %03x opnd %08x vec %x",
						     f->name, code16 ? 16 : 32, opsz ? " 66" : "", in[0], in[1], in[2], m, fl,
						     a.r[0], a.r[1], a.r[2], a.r[6], a.fl, a.opnd, a.vec,
						     b.r[0], b.r[1], b.r[2], b.r[6], b.fl, b.opnd, b.vec);
				}
			}
	}
}

START_TEST(mem_forms_match_reg_forms_32)
{
	mem_vs_reg(false);
}
END_TEST

START_TEST(mem_forms_match_reg_forms_16)
{
	mem_vs_reg(true);
}
END_TEST

/* ---- memory-only semantics ----------------------------------------------------- */

/* BT/BTS/BTR/BTC [ebx], reg address a bit string: the bit at EBX * 8 + the
 * signed offset, whatever the operand size. */
START_TEST(bt_register_offset_bit_string)
{
	static const int32_t offs[] = { -200, -129, -64, -33, -32, -17, -16, -1, 0, 1, 7, 15, 16,
					31, 32, 33, 100, 255 };
	static const uint8_t opc[4] = { 0xa3, 0xab, 0xb3, 0xbb };
	uint8_t ref[128];
	unsigned op, k, o16, j;

	for (o16 = 0; o16 < 2; o16++)
		for (op = 0; op < 4; op++)
			for (k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
				uint8_t b[4] = { 0x66, 0x0f, opc[op], 0x0b };     /* op [ebx], ecx */
				uint32_t base = DATA + 0x100, ebx = base + 64;
				int32_t bitpos = 64 * 8 + offs[k];
				bool old;

				flat();
				for (j = 0; j < sizeof(ref); j++) {
					ref[j] = (uint8_t)rnd();
					wr(base + j, 1, ref[j]);
				}
				c->gpr[CPU_EBX] = ebx;
				/* A 16-bit offset ignores ECX[31:16]. */
				c->gpr[CPU_ECX] = o16 ? ((uint32_t)offs[k] & 0xffff) | 0x7fff0000u : (uint32_t)offs[k];
				set_flags(CPU_ZF | CPU_CF * (k & 1));
				run_bytes(o16 ? b : b + 1, o16 ? 4 : 3);
				ck_assert_uint_eq(rd(MARK, 4), NONE);
				old = ref[bitpos / 8] >> (bitpos % 8) & 1;
				if (op == 1)
					ref[bitpos / 8] |= (uint8_t)(1u << (bitpos % 8));
				else if (op == 2)
					ref[bitpos / 8] &= (uint8_t)~(1u << (bitpos % 8));
				else if (op == 3)
					ref[bitpos / 8] ^= (uint8_t)(1u << (bitpos % 8));
				ck_assert_msg(!!(cpu_flags(c) & CPU_CF) == old, "op %u o16 %u off %d: CF", op, o16,
					      offs[k]);
				ck_assert(cpu_flags(c) & CPU_ZF);      /* ZF unaffected */
				for (j = 0; j < sizeof(ref); j++)
					ck_assert_msg(rd(base + j, 1) == ref[j], "op %u o16 %u off %d: byte %u", op,
						      o16, offs[k], j);
			}
}
END_TEST

/* 16-bit addressing: a negative bit offset below offset 0 wraps at 64 KiB. */
START_TEST(bt_offset_wraps_16bit_address)
{
	real();
	wr(0xfffa, 2, 0x0001);
	c->gpr[CPU_EBX] = 2;
	c->gpr[CPU_ECX] = 0xffc0;                 /* -64: the word at 2 + 2 * -4 */
	set_flags(0);
	run_bytes((const uint8_t[]){ 0x0f, 0xb3, 0x0f }, 3);       /* btr [bx], cx */
	ck_assert_uint_eq(rd(MARK, 4), NONE);
	ck_assert(cpu_flags(c) & CPU_CF);
	ck_assert_uint_eq(rd(0xfffa, 2), 0);
	/* 32-bit operand size in real mode: the dword at 2 + 4 * -2 = 0xfffa. */
	wr(0xfffa, 4, 0x80000000u);
	c->gpr[CPU_ECX] = (uint32_t)-33;          /* bit 31 of the dword at -6 */
	run_bytes((const uint8_t[]){ 0x66, 0x0f, 0xa3, 0x0f }, 4); /* bt [bx], ecx */
	ck_assert_uint_eq(rd(MARK, 4), NONE);
	ck_assert(cpu_flags(c) & CPU_CF);
}
END_TEST

START_TEST(cmpxchg8b_forms)
{
	static const uint8_t insn[] = { 0x0f, 0xc7, 0x0e };            /* cmpxchg8b [esi] */
	static const uint8_t locked[] = { 0xf0, 0x0f, 0xc7, 0x0e };
	static const uint8_t reg[] = { 0x0f, 0xc7, 0xc8 };             /* cmpxchg8b eax: #UD */

	/* Equal: memory gets ECX:EBX, ZF=1, CF kept. */
	flat();
	wr(DATA, 4, 0x33334444);
	wr(DATA + 4, 4, 0x11112222);
	c->gpr[CPU_ESI] = DATA;
	c->gpr[CPU_EAX] = 0x33334444;
	c->gpr[CPU_EDX] = 0x11112222;
	c->gpr[CPU_EBX] = 0xbbbbbbbb;
	c->gpr[CPU_ECX] = 0xcccccccc;
	set_flags(CPU_CF);
	run_bytes(insn, sizeof(insn));
	ck_assert_uint_eq(rd(DATA, 4), 0xbbbbbbbb);
	ck_assert_uint_eq(rd(DATA + 4, 4), 0xcccccccc);
	ck_assert_uint_eq(cpu_flags(c) & (CPU_ZF | CPU_CF), CPU_ZF | CPU_CF);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x33334444);

	/* Not equal (high half differs), with LOCK: EDX:EAX = memory, ZF=0. */
	c->gpr[CPU_EAX] = 0xbbbbbbbb;
	c->gpr[CPU_EDX] = 0;
	set_flags(CPU_ZF | CPU_SF);
	run_bytes(locked, sizeof(locked));
	ck_assert_uint_eq(rd(MARK, 4), NONE);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0xbbbbbbbb);
	ck_assert_uint_eq(c->gpr[CPU_EDX], 0xcccccccc);
	ck_assert_uint_eq(rd(DATA, 4), 0xbbbbbbbb);
	ck_assert_uint_eq(cpu_flags(c) & (CPU_ZF | CPU_SF), CPU_SF);

	run_bytes(reg, sizeof(reg));
	ck_assert_uint_eq(rd(MARK, 4), CPU_UD);
}
END_TEST

START_TEST(xlat_moffs_lea)
{
	unsigned k;

	flat();
	for (k = 0; k < 256; k++) {
		wr(DATA + k, 1, k ^ 0x5a);
		wr(0x8000 + DATA + k, 1, k ^ 0xa5);
	}
	c->gpr[CPU_EBX] = DATA;
	c->gpr[CPU_EAX] = 0x12345685;
	run_bytes((const uint8_t[]){ 0xd7 }, 1);                     /* xlat */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x12345600 | (0x85 ^ 0x5a));
	/* FS override with another base. */
	c->seg[CPU_FS].base = 0x8000;
	cpu_seg_cache(c, CPU_FS);
	c->gpr[CPU_EAX] = 0x10;
	run_bytes((const uint8_t[]){ 0x64, 0xd7 }, 2);               /* fs xlat */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x10 ^ 0xa5);
	/* 16-bit address size: BX only. */
	c->gpr[CPU_EBX] = 0xabc00000u | DATA;
	c->gpr[CPU_EAX] = 0x20;
	run_bytes((const uint8_t[]){ 0x67, 0xd7 }, 2);               /* a16 xlat */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x20 ^ 0x5a);

	/* moffs: A1/A3 with 32-bit offsets, 66 A1, A0/A2, and a16 A1. */
	wr(DATA + 0x200, 4, 0xdeadbeef);
	c->gpr[CPU_EAX] = 0;
	run_bytes((const uint8_t[]){ 0xa1, 0x00, 0x42, 0, 0 }, 5);   /* mov eax, [DATA+0x200] */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0xdeadbeef);
	c->gpr[CPU_EAX] = 0x11223344;
	run_bytes((const uint8_t[]){ 0xa3, 0x10, 0x42, 0, 0 }, 5);   /* mov [DATA+0x210], eax */
	ck_assert_uint_eq(rd(DATA + 0x210, 4), 0x11223344);
	c->gpr[CPU_EAX] = 0x99999999;
	run_bytes((const uint8_t[]){ 0x66, 0xa1, 0x00, 0x42, 0, 0 }, 6);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x9999beef);
	run_bytes((const uint8_t[]){ 0xa0, 0x03, 0x42, 0, 0 }, 5);   /* mov al, [DATA+0x203] */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x9999bede);
	run_bytes((const uint8_t[]){ 0xa2, 0x20, 0x42, 0, 0 }, 5);   /* mov [DATA+0x220], al */
	ck_assert_uint_eq(rd(DATA + 0x220, 1), 0xde);
	c->gpr[CPU_EAX] = 0;
	run_bytes((const uint8_t[]){ 0x67, 0xa1, 0x10, 0x42 }, 4);   /* a16 mov eax, [0x4210] */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x11223344);

	/* LEA: SIB arithmetic, operand-size truncation, 16-bit address wrap. */
	c->gpr[CPU_EBX] = 0x10000000;
	c->gpr[CPU_ECX] = 0x01000001;
	run_asm(32, "lea eax, [ebx+ecx*4+0x10]\nlea dx, [ebx+ecx*8-1]\nlea esi, [ecx*2]\n"
		"a16 lea edi, [bx+di+0x7fff]");
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x14000014);
	ck_assert_uint_eq(c->gpr[CPU_EDX] & 0xffff, 0x0007);
	ck_assert_uint_eq(c->gpr[CPU_ESI], 0x02000002);
	ck_assert_uint_eq(c->gpr[CPU_EDI], 0x7fff);   /* bx=0, di=0x0000: (0+0+0x7fff) & 0xffff */
	real();
	c->gpr[CPU_EBX] = 0xfff0;
	c->gpr[CPU_ESI] = 0x0020;
	c->gpr[CPU_EAX] = 0xaaaa5555;
	run_asm(16, "lea ax, [bx+si+0x10]\nlea ecx, [bx-1]");
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0xaaaa0020);
	ck_assert_uint_eq(c->gpr[CPU_ECX], 0xffef);
}
END_TEST

/* ---- exceptions ----------------------------------------------------------------- */

struct de_case {
	const char *name;
	uint8_t b[4];
	uint8_t len;
	uint32_t eax, edx, ebx;
};

START_TEST(divide_errors)
{
	static const struct de_case cases[] = {
		{ "div ebx by 0", { 0xf7, 0xf3 }, 2, 5, 0, 0 },
		{ "div bl by 0", { 0xf6, 0xf3 }, 2, 5, 0, 0x100 },
		{ "div bl overflow", { 0xf6, 0xf3 }, 2, 0x1000, 0, 0x10 },
		{ "div bx overflow", { 0x66, 0xf7, 0xf3 }, 3, 0, 0x10, 0x10 },
		{ "div ebx overflow", { 0xf7, 0xf3 }, 2, 0, 5, 5 },
		{ "idiv ebx INT64_MIN/-1", { 0xf7, 0xfb }, 2, 0, 0x80000000u, 0xffffffffu },
		{ "idiv ebx -2^31/-1", { 0xf7, 0xfb }, 2, 0x80000000u, 0xffffffffu, 0xffffffffu },
		{ "idiv ebx +2^31", { 0xf7, 0xfb }, 2, 0x80000000u, 0, 1 },
		{ "idiv bx -32768/-1", { 0x66, 0xf7, 0xfb }, 3, 0x8000, 0xffff, 0xffff },
		{ "idiv bl -128/-1", { 0xf6, 0xfb }, 2, 0xff80, 0, 0xff },
		{ "idiv bl 200/1", { 0xf6, 0xfb }, 2, 200, 0, 1 },
		{ "idiv ebx by 0", { 0xf7, 0xfb }, 2, 1, 1, 0 },
		{ "aam 0", { 0xd4, 0x00 }, 2, 0x1234, 0, 0 },
	};
	unsigned k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct de_case *d = &cases[k];

		flat();
		c->gpr[CPU_EAX] = d->eax;
		c->gpr[CPU_EDX] = d->edx;
		c->gpr[CPU_EBX] = d->ebx;
		set_flags(CPU_OF | CPU_ZF | CPU_PF);
		run_bytes(d->b, d->len);
		ck_assert_msg(rd(MARK, 4) == CPU_DE, "%s: vector %#x", d->name, rd(MARK, 4));
		ck_assert_msg(rd(c->gpr[CPU_ESP], 4) == CODE, "%s: pushed EIP %#x", d->name,
			      rd(c->gpr[CPU_ESP], 4));
		ck_assert_msg(c->gpr[CPU_EAX] == d->eax && c->gpr[CPU_EDX] == d->edx &&
			      c->gpr[CPU_EBX] == d->ebx, "%s: registers changed", d->name);
		ck_assert_uint_eq(cpu_flags(c) & ARITH, CPU_OF | CPU_ZF | CPU_PF);
	}
	/* Boundaries that fit: no fault. */
	flat();
	c->gpr[CPU_EAX] = 0x80000000u;
	c->gpr[CPU_EDX] = 0xffffffffu;
	c->gpr[CPU_EBX] = 1;
	run_bytes((const uint8_t[]){ 0xf7, 0xfb }, 2);               /* -2^31 / 1 */
	ck_assert_uint_eq(rd(MARK, 4), NONE);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x80000000u);
	ck_assert_uint_eq(c->gpr[CPU_EDX], 0);
	c->gpr[CPU_EAX] = 0xfffffff9u;            /* -7 / 2 = -3 rem -1 */
	c->gpr[CPU_EDX] = 0xffffffffu;
	c->gpr[CPU_EBX] = 2;
	run_bytes((const uint8_t[]){ 0xf7, 0xfb }, 2);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0xfffffffdu);
	ck_assert_uint_eq(c->gpr[CPU_EDX], 0xffffffffu);
	c->gpr[CPU_EAX] = 0x0000ffff;             /* 0x4_0000ffff / 5 */
	c->gpr[CPU_EDX] = 4;
	c->gpr[CPU_EBX] = 5;
	run_bytes((const uint8_t[]){ 0xf7, 0xf3 }, 2);
	ck_assert_uint_eq(c->gpr[CPU_EAX], (uint32_t)(0x40000ffffull / 5));
	ck_assert_uint_eq(c->gpr[CPU_EDX], (uint32_t)(0x40000ffffull % 5));
}
END_TEST

START_TEST(invalid_opcode_forms)
{
	static const struct { const char *name; uint8_t b[4]; uint8_t len; } ud[] = {
		{ "lea eax, eax", { 0x8d, 0xc0 }, 2 },
		{ "cmpxchg8b eax", { 0x0f, 0xc7, 0xc8 }, 3 },
		{ "cmpxchg8b /0", { 0x0f, 0xc7, 0x06 }, 3 },
		{ "lock add eax, ebx", { 0xf0, 0x01, 0xd8 }, 3 },
		{ "lock cmp [ebx], eax", { 0xf0, 0x39, 0x03 }, 3 },
		{ "lock mov [ebx], eax", { 0xf0, 0x89, 0x03 }, 3 },
		{ "lock bt [ebx], eax", { 0xf0, 0x0f, 0xa3, 0x03 }, 4 },
		{ "lock test [ebx], eax", { 0xf0, 0x85, 0x03 }, 3 },
		{ "lock inc eax (40)", { 0xf0, 0x40 }, 2 },
		{ "lock xchg eax, ebx (93)", { 0xf0, 0x93 }, 2 },
		{ "lock nop [ebx]", { 0xf0, 0x0f, 0x1f, 0x03 }, 4 },
	};
	static const struct { const char *name; uint8_t b[4]; uint8_t len; uint32_t want; } ok[] = {
		{ "lock add [ebx], eax", { 0xf0, 0x01, 0x03 }, 3, 0x1005 },
		{ "lock xchg [ebx], eax", { 0xf0, 0x87, 0x03 }, 3, 5 },
		{ "lock bts [ebx], eax", { 0xf0, 0x0f, 0xab, 0x03 }, 4, 0x1020 },
		{ "lock neg dword [ebx]", { 0xf0, 0xf7, 0x1b }, 3, 0xfffff000u },
		{ "lock xadd [ebx], eax", { 0xf0, 0x0f, 0xc1, 0x03 }, 4, 0x1005 },
	};
	unsigned k;

	for (k = 0; k < sizeof(ud) / sizeof(ud[0]); k++) {
		flat();
		c->gpr[CPU_EBX] = DATA;
		c->gpr[CPU_EAX] = 5;
		wr(DATA, 4, 0x1000);
		run_bytes(ud[k].b, ud[k].len);
		ck_assert_msg(rd(MARK, 4) == CPU_UD, "%s: vector %#x", ud[k].name, rd(MARK, 4));
		ck_assert_msg(rd(c->gpr[CPU_ESP], 4) == CODE, "%s: pushed EIP", ud[k].name);
		ck_assert_uint_eq(rd(DATA, 4), 0x1000);
		ck_assert_uint_eq(c->gpr[CPU_EAX], 5);
	}
	for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		flat();
		c->gpr[CPU_EBX] = DATA;
		c->gpr[CPU_EAX] = 5;
		wr(DATA, 4, 0x1000);
		run_bytes(ok[k].b, ok[k].len);
		ck_assert_msg(rd(MARK, 4) == NONE, "%s: vector %#x", ok[k].name, rd(MARK, 4));
		ck_assert_msg(rd(DATA, 4) == ok[k].want, "%s: memory %#x", ok[k].name, rd(DATA, 4));
	}
}
END_TEST

/* A write to a read-only page faults before anything changes: memory,
 * registers and (even lazily pending) flags stay as they were. */
START_TEST(page_fault_leaves_state)
{
	/* cr2: the faulting address's offset from EBX. */
	static const struct { const char *name; uint8_t b[6]; uint8_t len, cr2; } rmw[] = {
		{ "add [ebx], eax", { 0x01, 0x03 }, 2 },
		{ "adc [ebx], eax", { 0x11, 0x03 }, 2 },
		{ "sbb byte [ebx], 1", { 0x80, 0x1b, 0x01 }, 3 },
		{ "add word [ebx], 5", { 0x66, 0x83, 0x03, 0x05 }, 4 },
		{ "inc dword [ebx]", { 0xff, 0x03 }, 2 },
		{ "neg byte [ebx]", { 0xf6, 0x1b }, 2 },
		{ "not dword [ebx]", { 0xf7, 0x13 }, 2 },
		{ "shl dword [ebx], 1", { 0xd1, 0x23 }, 2 },
		{ "rcr dword [ebx], cl", { 0xd3, 0x1b }, 2 },
		{ "shld [ebx], eax, 4", { 0x0f, 0xa4, 0x03, 0x04 }, 4 },
		{ "bts [ebx], edx", { 0x0f, 0xab, 0x13 }, 3, 12 },
		{ "btc dword [ebx], 3", { 0x0f, 0xba, 0x3b, 0x03 }, 4 },
		{ "xchg [ebx], eax", { 0x87, 0x03 }, 2 },
		{ "cmpxchg [ebx], ecx (equal)", { 0x0f, 0xb1, 0x0b }, 3 },
		{ "cmpxchg [ebx], edx (not equal)", { 0x0f, 0xb1, 0x13 }, 3 },
		{ "xadd [ebx], eax", { 0x0f, 0xc1, 0x03 }, 3 },
		{ "cmpxchg8b [ebx]", { 0x0f, 0xc7, 0x0b }, 3 },
		{ "setc [ebx]", { 0x0f, 0x92, 0x03 }, 3 },
		{ "mov [ebx], eax", { 0x89, 0x03 }, 2 },
		{ "mov dword [ebx], imm", { 0xc7, 0x03, 1, 2, 3, 4 }, 6 },
	};
	/* add eax, ecx: leaves the flags lazily pending. */
	static const uint8_t prefix[2] = { 0x01, 0xc8 };
	unsigned k;

	for (k = 0; k < sizeof(rmw) / sizeof(rmw[0]); k++) {
		uint8_t b[16];
		uint32_t regs[8], fl, addr = RO_PAGE + 0x10;

		memcpy(b, prefix, 2);
		memcpy(b + 2, rmw[k].b, rmw[k].len);
		flat();
		paging();
		wr(addr, 4, 0x87654321);
		wr(addr + 4, 4, 0x0fedcba9);
		c->gpr[CPU_EAX] = 0x87654321 - 0x1000;
		c->gpr[CPU_ECX] = 0x1000;
		c->gpr[CPU_EDX] = 0x77;
		c->gpr[CPU_EBX] = addr;
		set_flags(CPU_CF);
		/* Reference: the prefix alone. */
		memcpy(regs, c->gpr, sizeof(regs));
		run_bytes(prefix, 2);
		fl = cpu_flags(c) & ARITH;
		memcpy(regs, c->gpr, sizeof(regs));
		/* Again with the faulting instruction after it. */
		c->gpr[CPU_EAX] = 0x87654321 - 0x1000;
		set_flags(CPU_CF);
		run_bytes(b, 2 + rmw[k].len);
		ck_assert_msg(rd(MARK, 4) == CPU_PF_VEC, "%s: vector %#x", rmw[k].name, rd(MARK, 4));
		ck_assert_msg(rd(c->gpr[CPU_ESP], 4) == 3, "%s: error code %#x", rmw[k].name,
			      rd(c->gpr[CPU_ESP], 4));
		ck_assert_msg(rd(c->gpr[CPU_ESP] + 4, 4) == CODE + 2, "%s: pushed EIP", rmw[k].name);
		ck_assert_uint_eq(c->cr2, addr + rmw[k].cr2);
		ck_assert_msg(rd(addr, 4) == 0x87654321 && rd(addr + 4, 4) == 0x0fedcba9, "%s: memory",
			      rmw[k].name);
		ck_assert_msg(c->gpr[CPU_EAX] == regs[CPU_EAX] && c->gpr[CPU_ECX] == regs[CPU_ECX] &&
			      c->gpr[CPU_EDX] == regs[CPU_EDX] && c->gpr[CPU_EBX] == regs[CPU_EBX],
			      "%s: registers", rmw[k].name);
		ck_assert_msg((cpu_flags(c) & ARITH) == fl, "%s: flags %#x, want %#x", rmw[k].name,
			      cpu_flags(c) & ARITH, fl);
	}
}
END_TEST

/* CMOVcc reads its source whatever the condition: a not-present page
 * faults (read, error code 0) and the destination keeps its value. */
START_TEST(cmov_loads_even_when_false)
{
	unsigned cond;

	for (cond = 0; cond < 2; cond++) {
		flat();
		paging();
		c->gpr[CPU_EBX] = NP_PAGE + 8;
		c->gpr[CPU_EAX] = 0x5555;
		set_flags(cond ? CPU_ZF : 0);
		run_bytes((const uint8_t[]){ 0x0f, 0x44, 0x03 }, 3);      /* cmovz eax, [ebx] */
		ck_assert_uint_eq(rd(MARK, 4), CPU_PF_VEC);
		ck_assert_uint_eq(rd(c->gpr[CPU_ESP], 4), 0);
		ck_assert_uint_eq(c->cr2, NP_PAGE + 8);
		ck_assert_uint_eq(c->gpr[CPU_EAX], 0x5555);
	}
	/* Mapped: false keeps, true loads; a 16-bit CMOV keeps the top half. */
	flat();
	wr(DATA, 4, 0xcafef00d);
	c->gpr[CPU_EBX] = DATA;
	c->gpr[CPU_EAX] = 0x11112222;
	set_flags(0);
	run_bytes((const uint8_t[]){ 0x0f, 0x44, 0x03 }, 3);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x11112222);
	set_flags(CPU_ZF);
	run_bytes((const uint8_t[]){ 0x66, 0x0f, 0x44, 0x03 }, 4);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x1111f00d);
	/* Reading beyond a segment limit faults too (#GP(0)), condition false. */
	c->seg[CPU_DS].limit = 0xffff;
	cpu_seg_cache(c, CPU_DS);
	c->gpr[CPU_EBX] = 0x10000;
	set_flags(0);
	run_bytes((const uint8_t[]){ 0x0f, 0x44, 0x03 }, 3);
	ck_assert_uint_eq(rd(MARK, 4), CPU_GP);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x1111f00d);
}
END_TEST

/* A word access at offset 0xFFFF in real mode crosses the segment end:
 * #GP(0) (#SS for SS), memory unchanged. */
START_TEST(real_mode_wrap_faults)
{
	real();
	wr(0xffff, 1, 0x12);
	wr(0x10000, 1, 0x34);
	c->gpr[CPU_EAX] = 1;
	run_bytes((const uint8_t[]){ 0x01, 0x06, 0xff, 0xff }, 4);   /* add [0xffff], ax */
	ck_assert_uint_eq(rd(MARK, 4), CPU_GP);
	ck_assert_uint_eq(rd(0xffff, 1), 0x12);
	ck_assert_uint_eq(rd(0x10000, 1), 0x34);
	/* A byte there is fine. */
	run_bytes((const uint8_t[]){ 0x00, 0x06, 0xff, 0xff }, 4);   /* add [0xffff], al */
	ck_assert_uint_eq(rd(MARK, 4), NONE);
	ck_assert_uint_eq(rd(0xffff, 1), 0x13);
}
END_TEST

/* The multi-byte and hint NOPs (0F 18-1F) never access their operand. */
START_TEST(multibyte_nop_no_access)
{
	static const uint8_t code[] = {
		0x0f, 0x1f, 0x03,                         /* nop dword [ebx] */
		0x66, 0x0f, 0x1f, 0x44, 0x1b, 0x00,       /* nop word [ebx+ebx+0] */
		0x0f, 0x1f, 0x80, 0x00, 0x10, 0x00, 0x00, /* nop dword [eax+0x1000] */
		0x0f, 0x18, 0x03,                         /* hint nop (prefetchnta) [ebx] */
		0x0f, 0x19, 0x0b, 0x0f, 0x1e, 0xc8,       /* reserved nops */
		0x41,                                     /* inc ecx: we got here */
	};

	flat();
	paging();
	c->gpr[CPU_EBX] = NP_PAGE;
	c->gpr[CPU_EAX] = NP_PAGE;
	c->gpr[CPU_ECX] = 7;
	set_flags(CPU_CF | CPU_SF);
	run_bytes(code, sizeof(code));
	ck_assert_uint_eq(rd(MARK, 4), NONE);
	ck_assert_uint_eq(c->gpr[CPU_ECX], 8);
	ck_assert_uint_eq(c->gpr[CPU_EBX], NP_PAGE);
	ck_assert_uint_eq(c->eip, CODE + sizeof(code) + 1);
}
END_TEST

/* ---- flag instructions, BSF/BSR ----------------------------------------------------- */

START_TEST(flag_instructions)
{
	flat();
	set_flags(0);
	run_bytes((const uint8_t[]){ 0xf9 }, 1);                      /* stc */
	ck_assert_uint_eq(cpu_flags(c) & ARITH, CPU_CF);
	run_bytes((const uint8_t[]){ 0xf5 }, 1);                      /* cmc */
	ck_assert_uint_eq(cpu_flags(c) & ARITH, 0);
	run_bytes((const uint8_t[]){ 0xf5, 0xd6 }, 2);                /* cmc; salc */
	ck_assert_uint_eq(c->gpr[CPU_EAX] & 0xff, 0xff);
	run_bytes((const uint8_t[]){ 0xf8, 0xd6 }, 2);                /* clc; salc */
	ck_assert_uint_eq(c->gpr[CPU_EAX] & 0xff, 0);
	ck_assert_uint_eq(cpu_flags(c) & CPU_CF, 0);
	run_bytes((const uint8_t[]){ 0xfd }, 1);                      /* std */
	ck_assert(c->eflags & CPU_DF);
	run_bytes((const uint8_t[]){ 0xfc }, 1);                      /* cld */
	ck_assert(!(c->eflags & CPU_DF));
	/* sahf loads SF ZF AF PF CF from AH and keeps OF; lahf stores them. */
	set_flags(CPU_OF);
	c->gpr[CPU_EAX] = 0xffff;
	run_bytes((const uint8_t[]){ 0x9e }, 1);
	ck_assert_uint_eq(cpu_flags(c) & ARITH, ARITH);
	c->gpr[CPU_EAX] = 0x12345678;
	run_bytes((const uint8_t[]){ 0x31, 0xdb, 0x9f }, 3);          /* xor ebx, ebx; lahf */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x12344678);               /* ZF|PF|bit 1 */
	/* Lazy flags survive a TU end: cmp; jmp $+2; setb. */
	c->gpr[CPU_EAX] = 1;
	c->gpr[CPU_EBX] = 2;
	run_bytes((const uint8_t[]){ 0x39, 0xd8, 0xeb, 0x00, 0x0f, 0x92, 0xc1, 0x0f, 0x9c, 0xc5 }, 10);
	ck_assert_uint_eq(c->gpr[CPU_ECX] & 0xffff, 0x0101);
}
END_TEST

START_TEST(bit_scan_zero_source)
{
	flat();
	wr(DATA, 4, 0);
	c->gpr[CPU_EBX] = DATA;
	c->gpr[CPU_EAX] = 0x12345678;
	c->gpr[CPU_ECX] = 0x9abcdef0;
	set_flags(0);
	run_bytes((const uint8_t[]){ 0x0f, 0xbc, 0x03, 0x66, 0x0f, 0xbd, 0x0b }, 7);   /* bsf eax,[ebx]; bsr cx,[ebx] */
	ck_assert_uint_eq(c->gpr[CPU_EAX], 0x12345678);
	ck_assert_uint_eq(c->gpr[CPU_ECX], 0x9abcdef0);
	ck_assert(cpu_flags(c) & CPU_ZF);
	wr(DATA, 4, 0x00800100);
	run_bytes((const uint8_t[]){ 0x0f, 0xbc, 0x03, 0x66, 0x0f, 0xbd, 0x0b }, 7);
	ck_assert_uint_eq(c->gpr[CPU_EAX], 8);
	ck_assert_uint_eq(c->gpr[CPU_ECX], 0x9abc0008);
	ck_assert(!(cpu_flags(c) & CPU_ZF));
	/* BSWAP. */
	c->gpr[CPU_EDI] = 0x11223344;
	run_bytes((const uint8_t[]){ 0x0f, 0xcf }, 2);
	ck_assert_uint_eq(c->gpr[CPU_EDI], 0x44332211);
}
END_TEST

static Suite *alu_suite(void)
{
	Suite *s = suite_create("cpu_alu");
	TCase *tc = tcase_create("mem");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mem_forms_match_reg_forms_32);
	tcase_add_test(tc, mem_forms_match_reg_forms_16);
	tcase_add_test(tc, bt_register_offset_bit_string);
	tcase_add_test(tc, bt_offset_wraps_16bit_address);
	tcase_add_test(tc, cmpxchg8b_forms);
	tcase_add_test(tc, xlat_moffs_lea);
	suite_add_tcase(s, tc);
	tc = tcase_create("exceptions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, divide_errors);
	tcase_add_test(tc, invalid_opcode_forms);
	tcase_add_test(tc, page_fault_leaves_state);
	tcase_add_test(tc, cmov_loads_even_when_false);
	tcase_add_test(tc, real_mode_wrap_faults);
	tcase_add_test(tc, multibyte_nop_no_access);
	suite_add_tcase(s, tc);
	tc = tcase_create("flags");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, flag_instructions);
	tcase_add_test(tc, bit_scan_zero_source);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(alu_suite());
}
