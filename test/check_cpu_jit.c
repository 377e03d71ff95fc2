/* The native back end (src/cpu/jit.c) against the threaded one: every case
 * runs the same guest code on two cpu_test machines, one created with
 * HOSTVM_JIT=0 (threaded only) and one with the JIT, and compares the
 * outcome (exit, halt, instructions run, exception vector and error code,
 * the 8 GPRs, EIP, full EFLAGS through cpu_flags(), CR2, and the first
 * 576 KiB of guest RAM: code, data, stacks, page tables).  The code under test is a loop body
 * that runs at least 10 times, so its TUs are compiled (JIT_HOT is 4);
 * jit_compile is wrapped at link time (-Wl,--wrap) to count the TUs
 * really compiled, and every case asserts the JIT machine compiled some
 * while the threaded one compiled none.
 *  - random: straight-line sequences of the inlined forms (MOV r/m, MOV
 *    r8/m8 with AH..BH, MOVZX, LEA, PUSH/POP, ADD/OR/AND/SUB/XOR/CMP/TEST
 *    in the 01/03/05/81/83/85 forms on registers and memory, byte ALU,
 *    TEST with an immediate, INC/DEC, NEG/NOT, SHL/SHR/SAR by 1 and imm8,
 *    MOVSX, IMUL, 16-bit MOV, CALL/RET) mixed with forms that are not
 *    (ADC/SBB, the other 0x66 forms), with base+index*scale+disp operands kept
 *    inside a two-page data area (some through FS with a base), each
 *    block ended by a Jcc (all 16 conditions, rel8 and rel32), a flag
 *    reader (PUSHFD/POP, SETcc r8/m8, CMOVcc, ADC/SBB, LAHF) or a
 *    CALL/RET (RET imm16 too) pair; 600 programs, fixed seeds; 60 of
 *    them also stopped by an instruction budget (the same TU boundary,
 *    state and count: native TUs chain by themselves);
 *  - slow paths inside compiled TUs: #PF on the Nth iteration (load,
 *    store, POP), #GP from a segment limit, page-crossing accesses,
 *    self-modifying code inside one TU and from another TU, PUSH/POP on a
 *    16-bit stack segment, Jcc/JMP beyond the CS limit, an expand-down
 *    segment's lower bound, ring 3 hitting a supervisor page;
 *  - prefixes the JIT must not inline: 0x66, 0x67, FS with a base, LOCK
 *    (valid on memory, #UD on a register and on MOV). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "cpu/jit.h"
#include "cpu_test.h"

#define GDT 0x600u
#define IDT 0x800u
#define STUBS 0x3000u      /* 64 bytes per vector, then the common part */
#define MARK 0x8000u       /* vector of the last exception, NONE if none */
#define ERRC 0x8004u       /* its error code, NONE if it had none */
#define NFAULT 0x8008u     /* exceptions so far */
#define SKIP 0x800cu       /* 0: the handler halts; else added to the saved EIP */
#define CNT 0x8010u        /* loop counter of the random programs */
#define CODE 0x10000u
#define DATA 0x20000u      /* two pages of data */
#define DATA_LEN 0x2000u
#define NP_PAGE 0x22000u   /* not present once paging is on */
#define SUP_PAGE 0x24000u  /* supervisor-only once paging is on (the rest is user) */
#define TSS 0x8200u
#define STACK16 0x60000u   /* base of the 16-bit stack segment */
#define STACK_TOP 0x70000u
#define PD 0x80000u
#define PT 0x81000u
#define CMP_LEN 0x90000u   /* RAM compared between the machines */
#define NONE 0xffffffffu
#define ITER 12            /* loop iterations of the random programs */

/* GDT selectors (see env_setup). */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
/* The code loads the others itself: 0x18 (16-bit stack at STACK16),
 * 0x28 (FS: DATA, limit 0x1fff), 0x30 (code with limit 0x100ff), 0x38
 * (expand-down data at DATA + 0x800, limit 0xfff), 0x43/0x4b (ring 3 code and
 * data, 4 GiB), 0x50 (the TSS: ring 0 stack STACK_TOP). */

/* ---- counting compiled TUs ------------------------------------------------- */

static unsigned long n_compiled;

cpu_native __real_jit_compile(struct cpu_jit *j, const struct cpu_insn *insn, unsigned n,
			      struct jit_link *links, const uint64_t *pm_gen);
cpu_native __wrap_jit_compile(struct cpu_jit *j, const struct cpu_insn *insn, unsigned n,
			      struct jit_link *links, const uint64_t *pm_gen);

cpu_native __wrap_jit_compile(struct cpu_jit *j, const struct cpu_insn *insn, unsigned n,
			      struct jit_link *links, const uint64_t *pm_gen)
{
	cpu_native f = __real_jit_compile(j, insn, n, links, pm_gen);

	if (f)
		n_compiled++;
	return f;
}

/* ---- the two machines ------------------------------------------------------ */

/* m[0]: HOSTVM_JIT=0 (the reference); m[1]: with the JIT. */
static struct cpu_test m[2];
static uint8_t stubs[4096];
static long stubs_len;

static void setup(void)
{
	setenv("HOSTVM_JIT", "0", 1);
	ck_assert_int_eq(cpu_test_init(&m[0], 4u << 20), 0);
	unsetenv("HOSTVM_JIT");
	ck_assert_int_eq(cpu_test_init(&m[1], 4u << 20), 0);
}

static void teardown(void)
{
	cpu_test_fini(&m[0]);
	cpu_test_fini(&m[1]);
}

static uint32_t rd(struct cpu_test *t, uint32_t gpa) { return pmap_read(t->pm, gpa, 4); }
static void wr(struct cpu_test *t, uint32_t gpa, uint32_t v) { pmap_write(t->pm, gpa, 4, v); }

/* Exception stubs: vector v at STUBS + 64 v pops the error code (if the
 * vector has one) to ERRC, stores v at MARK, counts it, then halts or, with
 * SKIP set, resumes SKIP bytes past the faulting instruction. */
static const char stub_src[] =
	"bits 32\norg 0x3000\n"
	"%assign v 0\n%rep 32\n"
	"times (0x3000 + 64 * v) - ($ - $$ + 0x3000) nop\n"
	"%if v == 8 || (v >= 10 && v <= 14) || v == 17\n pop dword [0x8004]\n"
	"%else\n mov dword [0x8004], 0xffffffff\n%endif\n"
	" mov dword [0x8000], v\n jmp all\n"
	"%assign v v + 1\n%endrep\n"
	"all: inc dword [0x8008]\n cmp dword [0x800c], 0\n je .halt\n"
	" push eax\n mov eax, [0x800c]\n add [esp + 4], eax\n pop eax\n iretd\n"
	".halt: hlt\n";

/* Flat 32-bit protected mode at CODE with a GDT, the IDT, the stubs and
 * cleared data, stack and variable areas. */
static void env_setup(struct cpu_test *t)
{
	static const uint32_t gdt[22] = {
		0, 0,
		0x0000ffff, 0x00cf9a00,                 /* 0x08 code, 4 GiB */
		0x0000ffff, 0x00cf9200,                 /* 0x10 data, 4 GiB */
		0x0000ffff, 0x00009206,                 /* 0x18 16-bit data at STACK16 */
		0x0000ffff, 0x00419a00,                 /* 0x20 code, limit 0x1ffff */
		0x00001fff, 0x00409202,                 /* 0x28 data at DATA, limit 0x1fff */
		0x000000ff, 0x00419a00,                 /* 0x30 code, limit 0x100ff */
		0x08000fff, 0x00409602,                 /* 0x38 expand-down data at DATA + 0x800 */
		0x0000ffff, 0x00cffa00,                 /* 0x40 ring 3 code */
		0x0000ffff, 0x00cff200,                 /* 0x48 ring 3 data */
		(TSS << 16) | 0x67, 0x00008900,         /* 0x50 32-bit TSS */
	};
	static uint8_t zero[0x11000];
	struct cpu *c = t->cpu;
	unsigned v, k;

	cpu_reset(c);
	cpu_test_flat(t, CODE);
	cpu_tc_flush(c);
	cpu_test_load(t, 0, zero, 0x9000);
	cpu_test_load(t, CODE, zero, 0x3000);
	cpu_test_load(t, DATA, zero, 0x3000);
	cpu_test_load(t, STACK16, zero, 0x11000);
	wr(t, TSS + 4, STACK_TOP);                      /* ESP0 */
	wr(t, TSS + 8, SEL_DATA);                       /* SS0 */
	for (k = 0; k < 22; k++)
		wr(t, GDT + 4 * k, gdt[k]);
	cpu_test_load(t, STUBS, stubs, (size_t)stubs_len);
	for (v = 0; v < 32; v++) {
		wr(t, IDT + 8 * v, 0x00080000u | (STUBS + 64 * v));
		wr(t, IDT + 8 * v + 4, 0x8e00u);
	}
	c->gdtr.base = GDT;
	c->gdtr.limit = sizeof(gdt) - 1;
	c->idtr.base = IDT;
	c->idtr.limit = 32 * 8 - 1;
	c->seg[CPU_CS].sel = SEL_CODE;
	for (k = 0; k < 6; k++)
		if (k != CPU_CS)
			c->seg[k].sel = SEL_DATA;
	wr(t, MARK, NONE);
	wr(t, ERRC, NONE);
	c->halted = false;
}

/* Identity paging of 0-4 MiB, user pages but for SUP_PAGE, NP_PAGE not
 * present. */
static void env_paging(struct cpu_test *t)
{
	struct cpu *c = t->cpu;
	unsigned k;

	for (k = 0; k < 1024; k++) {
		wr(t, PT + 4 * k, (k << 12) == NP_PAGE ? 0 : (k << 12) | ((k << 12) == SUP_PAGE ? 3 : 7));
		wr(t, PD + 4 * k, k == 0 ? PT | 7 : 0);
	}
	if (sigsetjmp(c->exc_jmp, 0))
		ck_abort_msg("enabling paging raised vector %u", c->exc_vec);
	cpu_write_cr(c, 3, PD);
	cpu_write_cr(c, 0, c->cr0 | 0x80010000u);
}

/* A case: code at CODE, initial GPRs (ESP defaults to STACK_TOP when 0),
 * data at DATA, the stub mode, paging. */
struct scen {
	const uint8_t *code;
	size_t len;
	uint32_t gpr[8];
	const uint8_t *data;
	size_t data_len;
	uint32_t skip;
	bool paging;
	uint32_t cnt;           /* initial value at CNT */
	uint32_t fs_base;       /* FS base (limit 4 GiB) unless 0 */
	bool budget_stop;       /* max_insns may end the run before HLT */
	uint64_t max_insns;
	const char *name;
};

struct outcome {
	enum cpu_exit ex;
	bool halted;
	uint32_t gpr[8], eip, eflags, cr2;
	uint32_t mark, errc, nfault;
	uint64_t insns;         /* instructions the run completed */
};

static uint8_t ram[2][CMP_LEN];

static void run_one(struct cpu_test *t, const struct scen *s, struct outcome *o, uint8_t *mem)
{
	struct cpu *c = t->cpu;
	struct cpu_stats st;
	unsigned k;

	memset(o, 0, sizeof(*o));       /* padding too: outcomes are compared whole */
	env_setup(t);
	if (s->paging)
		env_paging(t);
	cpu_test_load(t, CODE, s->code, s->len);
	if (s->data)
		cpu_test_load(t, DATA, s->data, s->data_len);
	wr(t, SKIP, s->skip);
	wr(t, CNT, s->cnt);
	if (s->fs_base) {
		c->seg[CPU_FS].base = s->fs_base;
		cpu_seg_cache(c, CPU_FS);
	}
	for (k = 0; k < 8; k++)
		c->gpr[k] = s->gpr[k];
	if (!c->gpr[CPU_ESP])
		c->gpr[CPU_ESP] = STACK_TOP;
	c->eip = CODE;
	cpu_get_stats(c, &st);
	o->insns = st.insns;
	o->ex = cpu_test_run(t, s->max_insns ? s->max_insns : 200000);
	cpu_get_stats(c, &st);
	o->insns = st.insns - o->insns;
	o->halted = c->halted;
	for (k = 0; k < 8; k++)
		o->gpr[k] = c->gpr[k];
	o->eip = c->eip;
	o->eflags = cpu_flags(c);
	o->cr2 = c->cr2;
	o->mark = rd(t, MARK);
	o->errc = rd(t, ERRC);
	o->nfault = rd(t, NFAULT);
	pmap_read_buf(t->pm, 0, mem, CMP_LEN);
}

static void dump(const char *what, const struct outcome *o)
{
	fprintf(stderr, "  %s: exit %d halted %d insns %llu eip %08x eflags %08x mark %08x errc %08x nfault %u cr2 %08x\n"
		"    eax %08x ecx %08x edx %08x ebx %08x esp %08x ebp %08x esi %08x edi %08x\n",
		what, o->ex, o->halted, (unsigned long long)o->insns, o->eip, o->eflags, o->mark, o->errc, o->nfault, o->cr2,
		o->gpr[0], o->gpr[1], o->gpr[2], o->gpr[3], o->gpr[4], o->gpr[5], o->gpr[6], o->gpr[7]);
}

static void dump_code(const struct scen *s)
{
	size_t k;

	fprintf(stderr, "  code at %#x:", CODE);
	for (k = 0; k < s->len; k++)
		fprintf(stderr, "%s%02x", k % 32 ? " " : "\n    ", s->code[k]);
	fprintf(stderr, "\n");
}

/* Runs s on both machines, asserts that they agree and that the JIT
 * machine compiled TUs; res (if not NULL) gets the reference outcome. */
static void run_both(const struct scen *s, struct outcome *res)
{
	struct outcome o[2];
	unsigned long before;
	size_t k;

	before = n_compiled;
	run_one(&m[0], s, &o[0], ram[0]);
	ck_assert_msg(n_compiled == before, "%s: the HOSTVM_JIT=0 machine compiled TUs", s->name);
	run_one(&m[1], s, &o[1], ram[1]);
	if (n_compiled == before || memcmp(&o[0], &o[1], sizeof(o[0])) ||
	    memcmp(ram[0], ram[1], CMP_LEN)) {
		fprintf(stderr, "%s: JIT and threaded back ends differ, or nothing compiled\n", s->name);
		dump("threaded", &o[0]);
		dump("jit     ", &o[1]);
		for (k = 0; k < CMP_LEN; k++)
			if (ram[0][k] != ram[1][k]) {
				fprintf(stderr, "  first RAM difference at %#zx: %02x vs %02x\n", k,
					ram[0][k], ram[1][k]);
				break;
			}
		dump_code(s);
	}
	ck_assert_msg(n_compiled > before, "%s: the JIT machine compiled no TU", s->name);
	ck_assert_msg(o[0].ex == o[1].ex && o[0].halted == o[1].halted, "%s: exit differs", s->name);
	ck_assert_msg(o[0].mark == o[1].mark && o[0].errc == o[1].errc && o[0].nfault == o[1].nfault,
		      "%s: exception differs: vector %#x err %#x n %u (threaded) vs %#x %#x %u (jit)",
		      s->name, o[0].mark, o[0].errc, o[0].nfault, o[1].mark, o[1].errc, o[1].nfault);
	for (k = 0; k < 8; k++)
		ck_assert_msg(o[0].gpr[k] == o[1].gpr[k], "%s: GPR %zu: %#x (threaded) vs %#x (jit)",
			      s->name, k, o[0].gpr[k], o[1].gpr[k]);
	ck_assert_msg(o[0].eip == o[1].eip, "%s: EIP %#x vs %#x", s->name, o[0].eip, o[1].eip);
	ck_assert_msg(o[0].eflags == o[1].eflags, "%s: EFLAGS %#x (threaded) vs %#x (jit)",
		      s->name, o[0].eflags, o[1].eflags);
	ck_assert_msg(o[0].cr2 == o[1].cr2, "%s: CR2 %#x vs %#x", s->name, o[0].cr2, o[1].cr2);
	ck_assert_msg(o[0].insns == o[1].insns, "%s: %llu instructions (threaded) vs %llu (jit)",
		      s->name, (unsigned long long)o[0].insns, (unsigned long long)o[1].insns);
	ck_assert_msg(!memcmp(ram[0], ram[1], CMP_LEN), "%s: guest RAM differs", s->name);
	ck_assert_msg(o[0].ex == CPU_EXIT_REQUEST && (o[0].halted || s->budget_stop),
		      "%s: did not reach HLT", s->name);
	if (res)
		*res = o[0];
}

static uint8_t asm_buf[8192];

/* Assembles 32-bit NASM source at CODE (a HLT is appended). */
static size_t assemble(const char *src)
{
	static char text[16384];
	long n;

	snprintf(text, sizeof(text), "bits 32\norg 0x%x\n%s\nhlt\n", CODE, src);
	n = cpu_test_nasm(text, asm_buf, sizeof(asm_buf));
	ck_assert_msg(n > 0, "nasm failed on:\n%s", text);
	return (size_t)n;
}

static void suite_init(void)
{
	stubs_len = cpu_test_nasm(stub_src, stubs, sizeof(stubs));
	if (stubs_len <= 0 || stubs_len > 0x900) {
		fprintf(stderr, "check_cpu_jit: cannot assemble the exception stubs (nasm)\n");
		exit(EXIT_FAILURE);
	}
}

/* ---- random sequences ------------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t rn(uint32_t n) { return rnd() % n; }

static uint32_t rnd_val(void)
{
	static const uint32_t edge[10] = { 0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x8000,
					   0x7fffffffu, 0x80000000u, 0xffffffffu };

	switch (rn(4)) {
	case 0: return edge[rn(10)];
	case 1: return rn(0x100);
	default: return rnd();
	}
}

/* Registers the random code may write: not ESP (stack) nor EBP (DATA). */
static const unsigned free_reg[6] = { CPU_EAX, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESI, CPU_EDI };
static unsigned rfree(void) { return free_reg[rn(6)]; }

struct gen {
	uint8_t b[4096];
	size_t n;
	unsigned depth;         /* dwords pushed in the current block */
};

static void g1(struct gen *g, unsigned v) { g->b[g->n++] = (uint8_t)v; }
static void g4(struct gen *g, uint32_t v) { for (unsigned k = 0; k < 4; k++) g1(g, v >> (8 * k)); }

struct memop {
	unsigned base, index, scale;    /* CPU_REG_NONE-like: 8 = none */
	int32_t disp;
	bool wide;                      /* force a disp32 */
};
#define NOREG 8u

/* ModRM (+SIB, +disp) for reg field r and memory operand o. */
static void modrm_mem(struct gen *g, unsigned r, const struct memop *o)
{
	unsigned mod;

	if (o->base == NOREG && o->index == NOREG) {
		g1(g, (r << 3) | 5);
		g4(g, (uint32_t)o->disp);
		return;
	}
	if (o->base == NOREG) {
		g1(g, (r << 3) | 4);
		g1(g, (o->scale << 6) | (o->index << 3) | 5);
		g4(g, (uint32_t)o->disp);
		return;
	}
	if (o->wide || o->disp < -128 || o->disp > 127)
		mod = 2;
	else if (o->disp || o->base == CPU_EBP)
		mod = 1;
	else
		mod = 0;
	if (o->index != NOREG || o->base == CPU_ESP) {
		g1(g, (mod << 6) | (r << 3) | 4);
		g1(g, (o->scale << 6) | ((o->index == NOREG ? 4u : o->index) << 3) | o->base);
	} else {
		g1(g, (mod << 6) | (r << 3) | o->base);
	}
	if (mod == 1)
		g1(g, (uint32_t)o->disp);
	else if (mod == 2)
		g4(g, (uint32_t)o->disp);
}

static void modrm_reg(struct gen *g, unsigned r, unsigned rm) { g1(g, 0xc0 | (r << 3) | rm); }

/* Now and then an FS override (FS base RND_FS_BASE = -0x1000, set by the
 * random test): the offset grows by 0x1000 for the same address.  It is
 * the last byte before the opcode, which the caller emits next. */
#define RND_FS_BASE 0xfffff000u
static void fs_prefix(struct gen *g, struct memop *o)
{
	if (rn(6))
		return;
	g1(g, 0x64);
	o->disp += 0x1000;
}

/* An operand of size bytes inside [DATA, DATA + DATA_LEN) (or the stack
 * area above ESP), with the instructions that set up its registers
 * emitted first (themselves inlined forms: MOV imm, LEA, MOVZX, AND). */
static void gen_mem(struct gen *g, struct memop *o, unsigned size)
{
	uint32_t room, boff = 0, imax = 0;
	unsigned kind = rn(8);

	o->index = NOREG;
	o->scale = 0;
	o->wide = rn(4) == 0;
	if (kind == 0) {                /* [esp + d] into the stack area */
		o->base = CPU_ESP;
		o->disp = (int32_t)rn(64);
		fs_prefix(g, o);
		return;
	}
	if (kind == 1) {
		o->base = NOREG;
	} else if (kind <= 4) {
		o->base = CPU_EBP;
	} else {
		o->base = rfree();
		boff = rn(DATA_LEN);
		if (rn(2)) {
			g1(g, 0xb8 + o->base);                  /* mov base, DATA + boff */
			g4(g, DATA + boff);
		} else {
			struct memop l = { CPU_EBP, NOREG, 0, (int32_t)boff, rn(2) == 0 };

			g1(g, 0x8d);                            /* lea base, [ebp + boff] */
			modrm_mem(g, o->base, &l);
		}
	}
	if (rn(2)) {
		do
			o->index = rfree();
		while (o->index == o->base);
		o->scale = rn(4);
		if (rn(2)) {
			unsigned src = rn(8);

			g1(g, 0x0f);                            /* movzx index, r8 */
			g1(g, 0xb6);
			modrm_reg(g, o->index, src);
			imax = 0xff;
		} else if (rn(2)) {
			g1(g, 0x81);                            /* and index, 0xff */
			modrm_reg(g, 4, o->index);
			g4(g, 0xff);
			imax = 0xff;
		} else {
			g1(g, 0x83);                            /* and index, 0x3f */
			modrm_reg(g, 4, o->index);
			g1(g, 0x3f);
			imax = 0x3f;
		}
		imax <<= o->scale;
	}
	room = DATA_LEN - size - imax;
	/* The operand is DATA + boff + index + disp (EBP = DATA). */
	if (o->base == NOREG)
		o->disp = (int32_t)(DATA + rn(room + 1));
	else
		o->disp = (int32_t)rn(room + 1) - (int32_t)boff;
	fs_prefix(g, o);
}

/* ALU forms: 0 ADD 1 OR 2 ADC 3 SBB 4 AND 5 SUB 6 XOR 7 CMP. */
static unsigned alu_op(bool carry)
{
	static const unsigned ops[6] = { 0, 1, 4, 5, 6, 7 };

	return carry && rn(6) == 0 ? 2 + rn(2) : ops[rn(6)];
}

/* An inlined 32-bit ALU instruction (also reached with ADC/SBB now and
 * then): 01, 03, 05, 81, 83 or 85 on registers. */
static void gen_alu(struct gen *g)
{
	unsigned op = alu_op(true), form = rn(6), d = op == 7 ? rn(8) : rfree(), s = rn(8);

	if (rn(3) == 0)
		s = d;
	if (form != 2 && form != 3 && rn(8) == 0)
		g1(g, 0x66);                    /* 16-bit, not inlined */
	switch (form) {
	case 0:
		g1(g, (op << 3) | 1);
		modrm_reg(g, s, d);
		break;
	case 1:
		g1(g, (op << 3) | 3);
		modrm_reg(g, d, s);
		break;
	case 2:
		g1(g, (op << 3) | 5);
		g4(g, rnd_val());
		break;
	case 3:
		g1(g, 0x81);
		modrm_reg(g, op, d);
		g4(g, rnd_val());
		break;
	case 4:
		g1(g, 0x83);
		modrm_reg(g, op, d);
		g1(g, rnd_val());
		break;
	default:
		g1(g, 0x85);                    /* test: two registers, read only */
		modrm_reg(g, rn(8), rn(8));
		break;
	}
}

/* One random instruction (or a few, for memory operand set-up). */
static void gen_insn(struct gen *g)
{
	struct memop o;
	unsigned r = rfree(), k = rn(100);

	if (k < 30) {
		gen_alu(g);
	} else if (k < 35) {
		g1(g, 0xb8 + r);                                /* mov r, imm */
		g4(g, rnd_val());
	} else if (k < 40) {
		if (rn(8) == 0)
			g1(g, 0x66);                            /* mov r16, r16 */
		g1(g, rn(2) ? 0x89 : 0x8b);                     /* mov r, r */
		if (g->b[g->n - 1] == 0x89)
			modrm_reg(g, rn(8), r);
		else
			modrm_reg(g, r, rn(8));
	} else if (k < 46) {
		unsigned a = rn(8), b = rn(8);

		g1(g, rn(2) ? 0x88 : 0x8a);                     /* mov r8, r8 (AH..BH too) */
		modrm_reg(g, a, b);
	} else if (k < 54) {
		bool store = rn(2);

		gen_mem(g, &o, 4);
		g1(g, store ? 0x89 : 0x8b);                     /* mov r32 <-> m32 */
		modrm_mem(g, store ? rn(8) : rfree(), &o);
	} else if (k < 60) {
		bool store = rn(2);

		gen_mem(g, &o, 1);
		g1(g, store ? 0x88 : 0x8a);                     /* mov r8 <-> m8 */
		modrm_mem(g, rn(8), &o);
	} else if (k < 65) {
		bool word = rn(2);
		unsigned opc = (rn(2) ? 0xb6 : 0xbe) + word;    /* movzx / movsx */

		if (rn(2)) {
			g1(g, 0x0f);                            /* r32, r8 or r16 */
			g1(g, opc);
			modrm_reg(g, r, rn(8));
		} else {
			gen_mem(g, &o, word ? 2 : 1);
			g1(g, 0x0f);                            /* r32, m8 or m16 */
			g1(g, opc);
			modrm_mem(g, r, &o);
		}
		if (rn(4) == 0) {
			/* imul r32, r/m32 [, imm8/imm32] */
			unsigned form = rn(3);
			bool reg = rn(2);

			if (!reg)
				gen_mem(g, &o, 4);              /* prefixes first */
			if (form == 0) {
				g1(g, 0x0f);
				g1(g, 0xaf);
			} else {
				g1(g, form == 1 ? 0x6b : 0x69);
			}
			if (reg)
				modrm_reg(g, r, rn(8));
			else
				modrm_mem(g, r, &o);
			if (form == 1)
				g1(g, rnd_val());
			else if (form == 2)
				g4(g, rnd_val());
		}
	} else if (k < 69) {
		o.base = rn(3) ? rn(8) : NOREG;                 /* lea: any address */
		o.index = rn(2) ? NOREG : rn(8);
		if (o.index == CPU_ESP)
			o.index = NOREG;
		o.scale = rn(4);
		o.disp = (int32_t)rnd_val();
		o.wide = rn(2);
		g1(g, 0x8d);
		modrm_mem(g, r, &o);
	} else if (k < 76) {
		if (g->depth && rn(2)) {
			g1(g, 0x58 + r);                        /* pop r */
			g->depth--;
		} else if (g->depth < 8) {
			g1(g, 0x50 + rn(8));                    /* push any */
			g->depth++;
		}
	} else if (k < 81) {
		unsigned op = alu_op(true), form = rn(5);       /* ALU with memory */

		gen_mem(g, &o, 4);
		if (form == 0) {
			g1(g, (op << 3) | 3);                   /* op r, m */
			modrm_mem(g, op == 7 ? rn(8) : rfree(), &o);
		} else if (form == 1) {
			g1(g, (op << 3) | 1);                   /* op m, r */
			modrm_mem(g, rn(8), &o);
		} else if (form == 2) {
			g1(g, 0x81);                            /* op m, imm32 */
			modrm_mem(g, op, &o);
			g4(g, rnd_val());
		} else if (form == 3) {
			g1(g, 0x83);                            /* op m, imm8 */
			modrm_mem(g, op, &o);
			g1(g, rnd_val());
		} else {
			g1(g, 0x85);                            /* test m, r */
			modrm_mem(g, rn(8), &o);
		}
	} else if (k < 86) {
		unsigned op = alu_op(true);                     /* byte ALU: handler */

		if (rn(2)) {
			g1(g, (op << 3) | (rn(2) ? 0 : 2));
			modrm_reg(g, rn(8), rn(8));
		} else {
			g1(g, 0x80);
			modrm_reg(g, op, rn(8));
			g1(g, rnd_val());
		}
	} else if (k < 91) {
		g1(g, (rn(2) ? 0x40 : 0x48) + r);               /* inc/dec: CF kept */
	} else if (k < 94) {
		unsigned ext = rn(2) ? 3 : 2;                   /* neg / not */

		if (rn(2)) {
			g1(g, 0xf7);
			modrm_reg(g, ext, r);
		} else {
			gen_mem(g, &o, 4);
			g1(g, 0xf7);
			modrm_mem(g, ext, &o);
		}
	} else if (k < 97) {
		if (rn(2)) {
			g1(g, 0xa9);                            /* test eax, imm32 */
		} else {
			g1(g, 0xf7);                            /* test r, imm32 */
			modrm_reg(g, 0, rn(8));
		}
		g4(g, rnd_val());
	} else if (k < 98) {
		g1(g, 0x84);                                    /* test r8, r8 */
		modrm_reg(g, rn(8), rn(8));
	} else {
		/* shl/shr/sar by 1 or imm8 (count 0 and over 31 included),
		 * on a register or in memory */
		unsigned sh = (unsigned[]){ 4, 5, 7 }[rn(3)];
		bool one = rn(3) == 0, mem = rn(2);

		if (mem)
			gen_mem(g, &o, 4);
		g1(g, one ? 0xd1 : 0xc1);
		if (mem)
			modrm_mem(g, sh, &o);
		else
			modrm_reg(g, sh, r);
		if (!one)
			g1(g, rn(4) ? 1 + rn(31) : rn(256));
	}
}

/* CALL to a subroutine of a few instructions right behind it, which
 * returns with RET or (two arguments pushed) RET 8; a JMP skips it:
 *   [push; push;] call f; jmp over; f: insns; ret [8]; over: */
static void gen_call(struct gen *g)
{
	struct gen *f = malloc(sizeof(*f));
	bool args = rn(2);
	unsigned k;

	ck_assert_ptr_nonnull(f);
	f->n = 0;
	f->depth = 0;
	for (k = 1 + rn(3); k > 0; k--)
		gen_insn(f);
	while (f->depth) {
		g1(f, 0x58 + rfree());
		f->depth--;
	}
	if (args) {
		g1(f, 0xc2);                            /* ret 8 */
		g1(f, 8);
		g1(f, 0);
		g1(g, 0x50 + rn(8));
		g1(g, 0x50 + rn(8));
	} else {
		g1(f, 0xc3);
	}
	g1(g, 0xe8);                                    /* call f */
	g4(g, f->n < 128 ? 2 : 5);
	if (f->n < 128) {
		g1(g, 0xeb);                            /* jmp over */
		g1(g, (unsigned)f->n);
	} else {
		g1(g, 0xe9);
		g4(g, (uint32_t)f->n);
	}
	memcpy(g->b + g->n, f->b, f->n);
	g->n += f->n;
	free(f);
}

/* What ends a block: a Jcc over one instruction, a flag reader, or a
 * CALL/RET pair. */
static void gen_end(struct gen *g)
{
	unsigned cc = rn(16), r = rfree(), k = rn(11);

	if (rn(3))
		gen_alu(g);             /* so that the flags come from an inlined form */
	if (k < 5) {
		struct gen skip = { .n = 0 };

		skip.depth = 0;
		if (rn(2)) {
			g1(&skip, 0xb8 + r);                   /* mov r, imm */
			g4(&skip, rnd());
		} else {
			g1(&skip, 0x81);                        /* add r, imm */
			modrm_reg(&skip, 0, r);
			g4(&skip, rnd());
		}
		if (rn(2)) {
			g1(g, 0x70 + cc);
			g1(g, (unsigned)skip.n);
		} else {
			g1(g, 0x0f);
			g1(g, 0x80 + cc);
			g4(g, (uint32_t)skip.n);
		}
		memcpy(g->b + g->n, skip.b, skip.n);
		g->n += skip.n;
	} else if (k == 5) {
		g1(g, 0x9c);                                    /* pushfd; pop r */
		g1(g, 0x58 + r);
	} else if (k == 6) {
		if (rn(2)) {
			g1(g, 0x0f);                            /* setcc r8 */
			g1(g, 0x90 + cc);
			modrm_reg(g, 0, rn(8));
		} else {
			struct memop o;

			gen_mem(g, &o, 1);                      /* setcc m8 */
			g1(g, 0x0f);
			g1(g, 0x90 + cc);
			modrm_mem(g, 0, &o);
		}
	} else if (k == 7) {
		g1(g, 0x0f);                                    /* cmovcc r, r */
		g1(g, 0x40 + cc);
		modrm_reg(g, r, rn(8));
	} else if (k == 8) {
		g1(g, rn(2) ? 0x11 : 0x19);                     /* adc / sbb r, r */
		modrm_reg(g, rn(8), r);
	} else if (k == 9) {
		gen_call(g);
	} else {
		g1(g, 0x9f);                                    /* lahf */
	}
}

/* loop: blocks; pushfd; dec dword [CNT]; jz out; popfd; jmp loop;
 * out: popfd; hlt. */
static void gen_program(struct gen *g)
{
	unsigned nb = 2 + rn(4), b, k;
	size_t jz;

	g->n = 0;
	for (b = 0; b < nb; b++) {
		g->depth = 0;
		for (k = rn(7); k > 0; k--)
			gen_insn(g);
		while (g->depth) {
			g1(g, 0x58 + rfree());          /* balance the stack */
			g->depth--;
		}
		gen_end(g);
	}
	g1(g, 0x9c);
	g1(g, 0xff);                                    /* dec dword [CNT] */
	g1(g, 0x0d);
	g4(g, CNT);
	g1(g, 0x74);                                    /* jz out */
	jz = g->n;
	g1(g, 0);
	g1(g, 0x9d);
	g1(g, 0xe9);
	g4(g, (uint32_t)-(int32_t)(g->n + 4));
	g->b[jz] = (uint8_t)(g->n - jz - 1);
	g1(g, 0x9d);
	g1(g, 0xf4);
}

/* Random program number seq (fixed seed) with its registers and data. */
static void random_scen(unsigned seq, struct gen *g, uint8_t *data, struct scen *s)
{
	unsigned k;

	memset(s, 0, sizeof(*s));
	rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)(seq + 1) * 0xbf58476d1ce4e5b9ull);
	gen_program(g);
	for (k = 0; k < DATA_LEN; k += 4) {
		uint32_t v = rnd_val();

		memcpy(data + k, &v, 4);
	}
	for (k = 0; k < 8; k++)
		s->gpr[k] = rnd_val();
	s->gpr[CPU_ESP] = STACK_TOP;
	s->gpr[CPU_EBP] = DATA;
	s->code = g->b;
	s->len = g->n;
	s->data = data;
	s->data_len = DATA_LEN;
	s->cnt = ITER;
	s->fs_base = RND_FS_BASE;
}

START_TEST(random_sequences)
{
	static uint8_t data[DATA_LEN];
	struct gen *g = malloc(sizeof(*g));
	struct outcome o;
	unsigned seq;

	ck_assert_ptr_nonnull(g);
	for (seq = 0; seq < 600; seq++) {
		struct scen s;
		char name[64];

		random_scen(seq, g, data, &s);
		snprintf(name, sizeof(name), "random sequence %u", seq);
		s.name = name;
		run_both(&s, &o);
		ck_assert_msg(o.mark == NONE, "%s: exception %u (a generator bug)", name, o.mark);
	}
	free(g);
}
END_TEST

START_TEST(insn_budget)
{
	/* An instruction budget ends the run at a TU boundary: native code
	 * that chains TU to TU must stop at the same one, with the same
	 * state and count, as the threaded back end. */
	static const uint64_t budget[4] = { 150, 203, 257, 333 };
	static uint8_t data[DATA_LEN];
	struct gen *g = malloc(sizeof(*g));
	struct outcome o;
	unsigned seq, stopped = 0;

	ck_assert_ptr_nonnull(g);
	for (seq = 0; seq < 60; seq++) {
		struct scen s;
		char name[64];

		random_scen(seq, g, data, &s);
		s.max_insns = budget[seq % 4];
		s.budget_stop = true;
		snprintf(name, sizeof(name), "random sequence %u, budget %llu", seq,
			 (unsigned long long)s.max_insns);
		s.name = name;
		run_both(&s, &o);
		ck_assert_msg(o.halted ? o.insns < s.max_insns + CPU_TU_MAX :
			      o.insns >= s.max_insns && o.insns < s.max_insns + CPU_TU_MAX,
			      "%s: %llu instructions", name, (unsigned long long)o.insns);
		stopped += !o.halted;
	}
	ck_assert_uint_gt(stopped, 40);
	free(g);
}
END_TEST

/* ---- directed cases ---------------------------------------------------------- */

/* Runs NASM source as a case; returns the reference outcome. */
static struct outcome run_src(const char *name, const char *src, bool paging, uint32_t skip)
{
	struct scen s = { 0 };
	struct outcome o;

	s.len = assemble(src);
	s.code = asm_buf;
	s.paging = paging;
	s.skip = skip;
	s.name = name;
	s.gpr[CPU_EBP] = DATA;
	run_both(&s, &o);
	return o;
}

/* The EIP an exception saved: the stub halted with it on top of the stack
 * (it popped any error code). */
static uint32_t saved_eip(struct cpu_test *t)
{
	return rd(t, t->cpu->gpr[CPU_ESP]);
}

START_TEST(pf_nth_iteration)
{
	/* Loads, stores and a POP walk into NP_PAGE; each TU has run 16 or
	 * more times (compiled) when its access faults.  The faulting
	 * instruction's address is stored at 0x8100 by the code itself.  (A
	 * faulting PUSH would push the exception frame into the same
	 * not-present page: a triple fault, so PUSH only walks present pages,
	 * missing the soft TLB on each new one.) */
	static const struct {
		const char *name, *src;
		uint32_t err, cr2;
	} c[] = {
		{ "#PF load", "mov esi, 0x21000\nmov dword [0x8100], f\n"
		  "l: add ebx, 1\nf: mov eax, [esi]\nadd esi, 0x100\nxor edx, eax\ncmp esi, 0x23000\njne l",
		  0, NP_PAGE },
		{ "#PF store", "mov esi, 0x21004\nmov dword [0x8100], f\n"
		  "l: add ebx, 1\nf: mov [esi], ebx\nadd esi, 0x100\nsub edx, ebx\ncmp esi, 0x23000\njne l",
		  2, NP_PAGE + 4 },
		{ "#PF byte store", "mov esi, 0x21003\nmov dword [0x8100], f\n"
		  "l: add ebx, 3\nf: mov [esi], bh\nadd esi, 0x100\ncmp esi, 0x23000\njne l",
		  2, NP_PAGE + 3 },
		{ "#PF movzx", "mov esi, 0x21001\nmov dword [0x8100], f\n"
		  "l: add ebx, 3\nf: movzx eax, word [esi + ebx*2]\nadd esi, 0x100\ncmp esi, 0x23000\njne l",
		  0, 0 },
		{ "#PF pop", "mov esp, 0x215fe\nmov dword [0x8100], f\n"
		  "l: add ebx, ecx\nf: pop ecx\npop edx\nadd esp, 0x78\ncmp esp, 0x30000\njb l",
		  0, NP_PAGE },
		{ "#PF load after a TLB flush", "mov esi, 0x20000\nmov dword [0x8100], f\n"
		  "l: mov eax, cr3\nmov cr3, eax\nf: mov eax, [esi + 0x800]\nadd esi, 0x80\n"
		  "xor edx, eax\njmp l", 0, NP_PAGE },
	};
	unsigned k;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct outcome o = run_src(c[k].name, c[k].src, true, 0);

		ck_assert_msg(o.mark == 14, "%s: vector %#x", c[k].name, o.mark);
		ck_assert_uint_eq(o.errc, c[k].err);
		ck_assert_uint_eq(saved_eip(&m[0]), rd(&m[0], 0x8100));
		ck_assert_uint_eq(o.nfault, 1);
		if (c[k].cr2)
			ck_assert_uint_eq(o.cr2, c[k].cr2);
		else
			ck_assert_uint_eq(o.cr2 & ~0xfffu, NP_PAGE);
	}
}
END_TEST

START_TEST(gp_segment_limit)
{
	/* FS = DATA..DATA+0x1fff: the Nth load runs past its limit (#GP(0)),
	 * an inline form's segment check failing inside compiled code. */
	struct outcome o = run_src("#GP FS limit",
				   "mov ax, 0x28\nmov fs, ax\nxor esi, esi\nmov dword [0x8100], f\n"
				   "l: add ebx, 1\nf: mov eax, [fs:esi + 0x10]\nadd esi, 0x100\n"
				   "add edx, eax\njmp l", false, 0);

	ck_assert_uint_eq(o.mark, 13);
	ck_assert_uint_eq(o.errc, 0);
	ck_assert_uint_eq(o.gpr[CPU_ESI], 0x2000);
	ck_assert_uint_eq(saved_eip(&m[0]), rd(&m[0], 0x8100));
}
END_TEST

START_TEST(page_crossing)
{
	/* Loads and stores slide across the DATA page boundary one byte per
	 * iteration; both pages present, with different contents. */
	static const char *const src[] = {
		"mov esi, 0x20ff0\nmov edi, 0x21ff0\nmov ecx, 16\n"
		"l: mov eax, [esi]\nmov [edi], eax\nmovzx edx, word [esi + 1]\nadd ebx, edx\n"
		"mov [edi + 0x100], dx\nmov [esi + 0x200], ecx\nxor ebx, eax\n"
		"add esi, 1\nadd edi, 1\nsub ecx, 1\njnz l",
		"mov esp, 0x21010\nmov ecx, 20\n"
		"l: push ecx\npush esp\npop eax\npop edx\nadd ebx, eax\nsub esp, 1\n"
		"sub ecx, 1\njnz l\nmov esp, 0x70000",
		"mov esp, 0x26000\nmov ecx, 40\n"
		"l: push ecx\npush ebx\nadd ebx, ecx\nsub esp, 0x1f8\nsub ecx, 1\njnz l\n"
		"mov esp, 0x70000",
	};
	static uint8_t data[DATA_LEN];
	unsigned k;

	for (k = 0; k < DATA_LEN; k++)
		data[k] = (uint8_t)(k * 7 + (k >> 12) * 0x55);
	for (k = 0; k < 3; k++) {
		struct scen s = { 0 };

		s.len = assemble(src[k]);
		s.code = asm_buf;
		s.data = data;
		s.data_len = DATA_LEN;
		s.name = k == 0 ? "page crossing (data)" : k == 1 ? "page crossing (stack)" :
			 "PUSH over new pages";
		run_both(&s, NULL);
	}
}
END_TEST

START_TEST(smc)
{
	/* The loop stores to DATA, except on its 12th iteration (when its TUs
	 * are compiled; JMP GO makes the store start its TU on every
	 * iteration), when the same store hits code:
	 *  1: the immediate of a MOV later in the same TU: MOV must load the
	 *     new value at once (EBX sums what it loaded);
	 *  2: the same with the MOV in another TU;
	 *  3: a byte store turns an ADD later in the TU into a SUB. */
	static const struct {
		const char *name, *src;
		uint32_t ebx;
	} c[] = {
		{ "SMC same TU", "mov ecx, 1\nl: mov edi, 0x20000\ncmp ecx, 12\njne go\nmov edi, p + 1\njmp go\n"
		  "go: mov [edi], ecx\nadd ecx, 1\np: mov edx, 0\nadd ebx, edx\ncmp ecx, 20\njne l",
		  8 * 12 },
		{ "SMC other TU", "mov ecx, 1\nl: mov edi, 0x20000\ncmp ecx, 12\njne go\nmov edi, p + 1\njmp go\n"
		  "go: mov [edi], ecx\nadd ecx, 1\njmp p\np: mov edx, 0\nadd ebx, edx\ncmp ecx, 20\njne l",
		  8 * 12 },
		{ "SMC byte store", "mov ecx, 1\nmov al, 0x29\nl: mov edi, 0x20000\ncmp ecx, 12\njne go\n"
		  "mov edi, p\njmp go\ngo: mov [edi], al\nadd ecx, 1\np: add ebx, ecx\ncmp ecx, 20\njne l",
		  77u - 132u },
	};
	unsigned k;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct outcome o = run_src(c[k].name, c[k].src, false, 0);

		ck_assert_msg(o.gpr[CPU_EBX] == c[k].ebx, "%s: EBX %#x, expected %#x", c[k].name,
			      o.gpr[CPU_EBX], c[k].ebx);
	}
}
END_TEST

START_TEST(stack16)
{
	/* SS with B=0 and ESP 0x10000: every iteration's PUSHes wrap SP to
	 * 0xfffc and 0xfff8 and keep ESP's high half; a 32-bit offset
	 * (0xfffc) would pass the limit check, so the inline forms must leave
	 * a 16-bit stack to the handler.  EDI sums ESP after the two pushes. */
	struct outcome o = run_src("16-bit stack",
				   "mov ax, 0x18\nmov ss, ax\nmov esp, 0x10000\nmov ecx, 16\n"
				   "l: push ecx\npush ebx\nadd edi, esp\npop edx\npop eax\npush eax\n"
				   "add ebx, eax\npop esi\nsub ecx, 1\njnz l\n"
				   "mov ax, 0x10\nmov ss, ax", false, 0);

	ck_assert_uint_eq(o.mark, NONE);
	ck_assert_uint_eq(o.gpr[CPU_ESP], 0x10000u);
	ck_assert_uint_eq(o.gpr[CPU_EDI], 16 * 0x1fff8u);
	ck_assert_uint_eq(o.gpr[CPU_EBX], 136);
	ck_assert_uint_eq(rd(&m[0], STACK16 + 0xfffc), 1);      /* the last PUSH ECX */
}
END_TEST

START_TEST(expand_down)
{
	/* ES expand-down at DATA + 0x800 with limit 0xfff (valid offsets
	 * 0x1000 and up): the Nth load goes below the lower bound, #GP(0), on
	 * the page the loop has been reading (a soft-TLB hit). */
	struct outcome o = run_src("expand-down ES",
				   "mov ax, 0x38\nmov es, ax\nmov esi, 0x1400\nmov dword [0x8100], f\n"
				   "l: add ebx, 1\nf: mov eax, [es:esi]\nmov [es:esi + 0x10], ebx\n"
				   "sub esi, 0x40\nadd edx, eax\njmp l", false, 0);

	ck_assert_uint_eq(o.mark, 13);
	ck_assert_uint_eq(o.errc, 0);
	ck_assert_uint_eq(o.gpr[CPU_ESI], 0xfc0);
	ck_assert_uint_eq(saved_eip(&m[0]), rd(&m[0], 0x8100));
}
END_TEST

START_TEST(user_mode)
{
	/* Ring 3 (entered by IRETD) reads its way from a user page into
	 * SUP_PAGE, which ring 0 read first (so only the supervisor half of
	 * the soft TLB knows it): #PF with error code 5 (present, user). */
	struct outcome o = run_src("ring 3 #PF",
				   "mov ax, 0x50\nltr ax\nmov eax, [0x24000]\nmov ax, 0x4b\nmov ds, ax\n"
				   "mov es, ax\npush dword 0x4b\npush dword 0x6f800\npush dword 2\n"
				   "push dword 0x43\npush dword u\niretd\n"
				   "u: mov esi, 0x23000\nmov dword [0x8100], f\n"
				   "l: add ebx, 1\nf: mov eax, [esi]\nmov [esi - 0x2000], ebx\nadd esi, 0x80\n"
				   "add edx, eax\njmp l", true, 0);

	ck_assert_uint_eq(o.mark, 14);
	ck_assert_uint_eq(o.errc, 5);
	ck_assert_uint_eq(o.cr2, SUP_PAGE);
	ck_assert_uint_eq(o.gpr[CPU_EBX], 33);
	ck_assert_uint_eq(saved_eip(&m[0]), rd(&m[0], 0x8100));
	ck_assert_uint_eq(rd(&m[0], o.gpr[CPU_ESP] + 4), 0x43);
}
END_TEST

START_TEST(branch_beyond_cs_limit)
{
	/* CS limit 0x100ff (selector 0x30): a Jcc taken on the 12th iteration
	 * to beyond it; a JMP that ran 12 times in range with CS 0x08 and then
	 * (CS reloaded with 0x30) jumps beyond it.  #GP(0) at the branch.
	 * Then a TU that the lowered limit cuts through. */
	struct outcome o;

	o = run_src("Jcc beyond CS limit",
		    "jmp 0x30:s\ns: mov ecx, 12\nmov dword [0x8100], f\n"
		    "l: add ebx, ecx\ncmp ecx, 1\nf: je 0x10104\nsub ecx, 1\njmp l", false, 0);
	ck_assert_uint_eq(o.mark, 13);
	ck_assert_uint_eq(o.errc, 0);
	ck_assert_uint_eq(o.gpr[CPU_EBX], 78);
	ck_assert_uint_eq(saved_eip(&m[0]), rd(&m[0], 0x8100));

	o = run_src("JMP beyond CS limit after far JMP",
		    "mov ecx, 12\nmov dword [0x8100], f\n"
		    "l: add ebx, ecx\nf: jmp near t\nback: sub ecx, 1\njnz l\n"
		    "jmp 0x30:l\n"
		    "times 0x180 - ($ - $$) db 0x90\n"
		    "t: add edx, 1\njmp back", false, 0);
	ck_assert_uint_eq(o.mark, 13);
	ck_assert_uint_eq(o.errc, 0);
	ck_assert_uint_eq(o.gpr[CPU_EDX], 12);
	ck_assert_uint_eq(saved_eip(&m[0]), rd(&m[0], 0x8100));

	/* A TU linked (and compiled) under the flat CS, then reached by the
	 * same linked branch after CS got the limit 0x100ff, which its third
	 * instruction crosses: #GP(0) there, after the first two ran. */
	o = run_src("TU running past a CS limit lowered since it was linked",
		    "mov ecx, 12\nmov dword [0x8100], f\n"
		    "l: add ebx, ecx\njmp near t\nback: sub ecx, 1\njnz l\n"
		    "mov ecx, 1\njmp 0x30:l\n"
		    "times 0xf8 - ($ - $$) db 0x90\n"
		    "t: add edx, 1\nadd edx, 1\nf: add esi, 1\njmp back", false, 0);
	ck_assert_uint_eq(o.mark, 13);
	ck_assert_uint_eq(o.errc, 0);
	ck_assert_uint_eq(o.gpr[CPU_EDX], 26);
	ck_assert_uint_eq(saved_eip(&m[0]), rd(&m[0], 0x8100));
}
END_TEST

START_TEST(prefixes)
{
	/* Forms the JIT inlines without a prefix, with one: each loop runs
	 * 16 times.  LOCK on a register form or on MOV is #UD: the stubs skip
	 * the instruction (SKIP = its length) and count. */
	static const struct {
		const char *name, *src;
		uint32_t skip, nfault;
	} c[] = {
		{ "0x66 operand size", "mov ecx, 16\nmov eax, 0x12345678\n"
		  "l: add ax, cx\nmov [ebp + 2], ax\nmov bx, [ebp + 1]\nsub bx, 0x7fff\ncmp bx, ax\n"
		  "push ax\npush bx\npop dx\npop si\nxor si, dx\ntest si, bx\nmov di, 0x1234\n"
		  "movzx di, al\nlea si, [ebx + ecx * 4 + 0x1234]\nsetb dl\nsub ecx, 1\njnz l", 0, 0 },
		{ "0x67 address size", "mov ecx, 16\nmov ebx, 0xfff0\nmov esi, 0x30\nmov ax, 0x28\nmov fs, ax\n"
		  "l: mov eax, [fs:bx + si]\nmov [fs:bx + si + 0x40], ecx\nlea edx, [bx + si - 0x10]\n"
		  "movzx edi, byte [fs:bx + si + 3]\nadd esi, 0x11\nadd edi, eax\nsub ecx, 1\njnz l", 0, 0 },
		{ "FS with a base", "mov ecx, 16\nmov ax, 0x28\nmov fs, ax\n"
		  "l: mov eax, [fs:ecx * 8 + 0x10]\nmov [fs:ecx * 4 + 0x800], eax\nmov bl, [fs:ecx]\n"
		  "mov [fs:ecx + 0x900], bl\nmovzx edx, word [fs:ecx * 2]\nadd eax, edx\n"
		  "push dword [fs:ecx * 4]\npop edi\nsub ecx, 1\njnz l", 0, 0 },
		{ "LOCK on memory", "mov ecx, 16\nl: lock add [ebp + ecx * 4], ecx\nlock xor [ebp + 0x100], ecx\n"
		  "lock inc dword [ebp + 0x104]\nadd ebx, [ebp + ecx * 4]\nsub ecx, 1\njnz l", 0, 0 },
		{ "LOCK on a register", "mov ecx, 16\nl: add ebx, 3\ndb 0xf0\nadd eax, ecx\n"
		  "add edx, eax\nsub ecx, 1\njnz l", 3, 16 },
		{ "LOCK MOV", "mov ecx, 16\nl: add ebx, 3\ndb 0xf0\nmov [ebp + 0x10], ecx\n"
		  "add edx, ecx\nsub ecx, 1\njnz l", 4, 16 },
	};
	unsigned k;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct outcome o = run_src(c[k].name, c[k].src, false, c[k].skip);

		ck_assert_msg(o.nfault == c[k].nfault, "%s: %u exceptions, expected %u", c[k].name,
			      o.nfault, c[k].nfault);
		if (c[k].nfault) {
			ck_assert_uint_eq(o.mark, 6);
			ck_assert_uint_eq(o.gpr[CPU_EAX], 0);
		}
	}
}
END_TEST

static Suite *jit_suite(void)
{
	Suite *s = suite_create("cpu_jit");
	TCase *tc = tcase_create("differential");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, random_sequences);
	tcase_add_test(tc, insn_budget);
	tcase_add_test(tc, pf_nth_iteration);
	tcase_add_test(tc, gp_segment_limit);
	tcase_add_test(tc, page_crossing);
	tcase_add_test(tc, smc);
	tcase_add_test(tc, stack16);
	tcase_add_test(tc, expand_down);
	tcase_add_test(tc, user_mode);
	tcase_add_test(tc, branch_beyond_cs_limit);
	tcase_add_test(tc, prefixes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	suite_init();
	return check_run(jit_suite());
}
