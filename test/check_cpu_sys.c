/* The "sys" instruction group: segment loads with their exact fault codes,
 * control registers, MSRs and CPUID called directly; interrupts, privilege
 * changes, call gates, IRET, task switches, V86 and system instructions run
 * as guest code on the test machine (test/cpu_test.h).
 *
 * Guest layout (protected-mode tests): GDT at 0x1000 (sel_* below), IDT at
 * 0x2000 whose vectors 0-31 lead to "HLT" stubs at STUB(v), TSS0 at 0x3000
 * (ring-0 stack 0x80000), TSS1 at 0x3100, code at 0x10000. */
#include "config.h"

#include <check.h>
#include "check_run.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu_int.h"
#include "cpu/cpu_sys.h"
#include "cpu_test.h"

#define GDT 0x1000u
#define IDT 0x2000u
#define TSS0 0x3000u
#define TSS1 0x3100u
#define LDT 0x4000u
#define STUBS 0x9000u
#define STUB(v) (STUBS + (v) * 16u)
#define CODE 0x10000u
#define STACK0 0x80000u
#define STACK3 0x70000u

enum {
	SEL_CODE0 = 0x08, SEL_DATA0 = 0x10, SEL_CODE16 = 0x18, SEL_DATA16 = 0x20,
	SEL_CODE3 = 0x28, SEL_DATA3 = 0x30, SEL_TSS0 = 0x38, SEL_TSS1 = 0x40,
	SEL_NP = 0x48, SEL_XO = 0x50, SEL_RO = 0x58, SEL_CONF = 0x60, SEL_LDT = 0x68,
	SEL_GATE = 0x70, SEL_TGATE = 0x78, SEL_DATA0_RO3 = 0x80, SEL_SMALL = 0x88,
	SEL_FREE = 0x90
};

static struct cpu_test T;
static struct cpu *C;

static void wr32(uint32_t gpa, uint32_t v) { pmap_write(T.pm, gpa, 4, v); }
static uint32_t rd32(uint32_t gpa) { return pmap_read(T.pm, gpa, 4); }
static uint32_t rd8(uint32_t gpa) { return pmap_read(T.pm, gpa, 1); }

static void put_desc(uint32_t table, uint16_t sel, uint32_t hi, uint32_t lo)
{
	wr32(table + (sel & ~7u), lo);
	wr32(table + (sel & ~7u) + 4, hi);
}

/* Gate in the IDT: vector v -> sel:off, attribute word attr (0x8E00...). */
static void put_gate(unsigned v, uint16_t sel, uint32_t off, uint16_t attr)
{
	wr32(IDT + v * 8, (uint32_t)sel << 16 | (off & 0xffff));
	wr32(IDT + v * 8 + 4, (off & 0xffff0000u) | attr);
}

static void setup(void)
{
	unsigned v;

	ck_assert_int_eq(cpu_test_init(&T, 16u << 20), 0);
	C = T.cpu;
	put_desc(GDT, SEL_CODE0, 0x00cf9a00, 0x0000ffff);
	put_desc(GDT, SEL_DATA0, 0x00cf9200, 0x0000ffff);
	put_desc(GDT, SEL_CODE16, 0x00009a01, 0x0000ffff);   /* base 0x10000 */
	put_desc(GDT, SEL_DATA16, 0x00009200, 0x0000ffff);
	put_desc(GDT, SEL_CODE3, 0x00cffa00, 0x0000ffff);
	put_desc(GDT, SEL_DATA3, 0x00cff200, 0x0000ffff);
	put_desc(GDT, SEL_TSS0, 0x00008b00, (TSS0 << 16) | 0x67);  /* busy: current */
	put_desc(GDT, SEL_TSS1, 0x00008900, (TSS1 << 16) | 0x67);
	put_desc(GDT, SEL_NP, 0x00cf1200, 0x0000ffff);
	put_desc(GDT, SEL_XO, 0x00cf9800, 0x0000ffff);      /* execute-only code */
	put_desc(GDT, SEL_RO, 0x00cf9000, 0x0000ffff);      /* read-only data */
	put_desc(GDT, SEL_CONF, 0x00cf9e00, 0x0000ffff);    /* conforming readable */
	put_desc(GDT, SEL_LDT, 0x00008200, (LDT << 16) | 0x0f);
	put_desc(GDT, SEL_DATA0_RO3, 0x00cf9000, 0x0000ffff);
	put_desc(GDT, SEL_SMALL, 0x00409200, 0x00000fff);   /* 4 KiB stack */
	put_desc(LDT, 0x08, 0x00cf9200, 0x0000ffff);
	for (v = 0; v < 32; v++) {
		put_gate(v, SEL_CODE0, STUB(v), 0x8e00);
		wr32(STUB(v), 0x90fdebf4);   /* hlt; jmp $-1 */
	}
	wr32(TSS0 + 4, STACK0);
	wr32(TSS0 + 8, SEL_DATA0);
	cpu_test_flat(&T, CODE);
	C->gdtr = (struct cpu_dtr){ GDT, 0x1ff };
	C->idtr = (struct cpu_dtr){ IDT, 0x7ff };
	C->seg[CPU_TR] = (struct cpu_segreg){ .sel = SEL_TSS0, .base = TSS0, .limit = 0x67,
					      .attr = 0x8b };
}

/* Back to real mode at cs:ip with 64 KiB real-mode segments and the IVT. */
static void to_real(uint16_t cs, uint16_t ip)
{
	unsigned n;

	C->cr0 &= ~CPU_CR0_PE;
	mmu_set_control(&C->mmu, C->cr0, C->cr3, C->cr4, C->efer);
	for (n = 0; n < 6; n++)
		C->seg[n].attr = n == CPU_CS ? 0x9b : 0x93;
	cpu_test_real(&T, cs, ip);
	C->idtr = (struct cpu_dtr){ 0, 0x3ff };
}

static void teardown(void)
{
	cpu_test_fini(&T);
}

/* Assembles src (32-bit, org CODE) and loads it at CODE. */
static void load_asm(const char *src)
{
	static uint8_t buf[8192];
	char full[8192];
	long n;

	snprintf(full, sizeof(full),
		 "bits 32\norg 0x%x\n"
		 "SEL_CODE0 equ 0x08\nSEL_DATA0 equ 0x10\nSEL_CODE16 equ 0x18\n"
		 "SEL_DATA16 equ 0x20\nSEL_CODE3 equ 0x2b\nSEL_DATA3 equ 0x33\n"
		 "SEL_TSS1 equ 0x40\nSEL_GATE equ 0x70\nSEL_TGATE equ 0x78\n%s\n", CODE, src);
	n = cpu_test_nasm(full, buf, sizeof(buf));
	ck_assert_msg(n > 0, "nasm failed");
	cpu_test_load(&T, CODE, buf, (size_t)n);
}

static void run(void)
{
	cpu_test_run(&T, 200000);
}

/* Vector of the stub the CPU halted in, or -1. */
static int stub_vec(void)
{
	uint32_t lin = C->seg[CPU_CS].base + C->eip;

	if (!C->halted || lin < STUBS + 1 || lin >= STUB(32))
		return -1;
	return (int)((lin - 1 - STUBS) / 16);
}

/* Top of the current stack (flat SS assumed). */
static uint32_t stk(unsigned k)
{
	return rd32(C->seg[CPU_SS].base + C->gpr[CPU_ESP] + 4 * k);
}

/* ---- cpu_load_seg and cpu_write_cr called directly --------------------- */

static int try_load(unsigned seg, uint16_t sel, unsigned *vec, uint32_t *err)
{
	if (sigsetjmp(C->exc_jmp, 0)) {
		*vec = C->exc_vec;
		*err = C->exc_err;
		return -1;
	}
	cpu_load_seg(C, seg, sel);
	return 0;
}

static void set_cpl(unsigned cpl)
{
	C->seg[CPU_CS].sel = (uint16_t)((C->seg[CPU_CS].sel & ~3u) | cpl);
	C->seg[CPU_CS].attr = (uint16_t)((C->seg[CPU_CS].attr & ~0x60u) | cpl << 5);
	cpu_update_mode(C);
}

static const struct load_case {
	unsigned cpl, seg;
	uint16_t sel;
	int vec;            /* -1: loads */
	uint32_t err;
} load_cases[] = {
	{ 0, CPU_DS, 0x0000, -1, 0 },
	{ 0, CPU_DS, 0x0003, -1, 0 },
	{ 0, CPU_SS, 0x0000, CPU_GP, 0 },
	{ 0, CPU_SS, 0x0003, CPU_GP, 0 },
	{ 0, CPU_DS, 0x0200, CPU_GP, 0x200 },         /* beyond the GDT limit */
	{ 0, CPU_ES, 0x0203, CPU_GP, 0x200 },
	{ 0, CPU_DS, SEL_XO, CPU_GP, SEL_XO },
	{ 0, CPU_DS, SEL_CODE0, -1, 0 },              /* readable code */
	{ 0, CPU_SS, SEL_CODE0, CPU_GP, SEL_CODE0 },
	{ 0, CPU_SS, SEL_RO, CPU_GP, SEL_RO },
	{ 0, CPU_DS, SEL_RO, -1, 0 },
	{ 0, CPU_DS, SEL_NP, CPU_NP, SEL_NP },
	{ 0, CPU_SS, SEL_NP, CPU_SS_VEC, SEL_NP },
	{ 0, CPU_SS, SEL_DATA0 | 3, CPU_GP, SEL_DATA0 },   /* RPL != CPL */
	{ 0, CPU_SS, SEL_DATA3, CPU_GP, SEL_DATA3 },       /* DPL != CPL */
	{ 0, CPU_DS, SEL_DATA0 | 3, CPU_GP, SEL_DATA0 },   /* RPL > DPL */
	{ 0, CPU_FS, SEL_TSS1, CPU_GP, SEL_TSS1 },         /* system */
	{ 0, CPU_GS, SEL_LDT, CPU_GP, SEL_LDT },
	{ 0, CPU_DS, 0x000c, -1, 0 },                      /* LDT entry 1 */
	{ 0, CPU_DS, 0x0014, CPU_GP, 0x0014 },             /* beyond the LDT */
	{ 3, CPU_DS, SEL_DATA0 | 3, CPU_GP, SEL_DATA0 },   /* CPL > DPL */
	{ 3, CPU_DS, SEL_DATA3 | 3, -1, 0 },
	{ 3, CPU_SS, SEL_DATA3 | 3, -1, 0 },
	{ 3, CPU_SS, SEL_DATA3 | 2, CPU_GP, SEL_DATA3 },
	{ 3, CPU_DS, SEL_CONF | 3, -1, 0 },                /* conforming: no DPL rule */
	{ 3, CPU_ES, SEL_CODE0 | 3, CPU_GP, SEL_CODE0 },
};

START_TEST(test_load_seg_checks)
{
	const struct load_case *k = &load_cases[_i];
	unsigned vec = 0;
	uint32_t err = 0;
	int r;

	/* LDTR -> the LDT at 0x4000 (two entries). */
	C->seg[CPU_LDTR] = (struct cpu_segreg){ .sel = SEL_LDT, .base = LDT, .limit = 0x0f,
						.attr = 0x82 };
	if (k->cpl)
		set_cpl(k->cpl);
	r = try_load(k->seg, k->sel, &vec, &err);
	if (k->vec < 0) {
		ck_assert_msg(r == 0, "case %d: fault %u(%#x)", _i, vec, err);
		ck_assert_uint_eq(C->seg[k->seg].sel, k->sel);
	} else {
		ck_assert_msg(r < 0, "case %d loaded", _i);
		ck_assert_msg(vec == (unsigned)k->vec && err == k->err,
			      "case %d: got %u(%#x), want %d(%#x)", _i, vec, err, k->vec, k->err);
	}
}
END_TEST

START_TEST(test_load_seg_cache_and_accessed)
{
	unsigned vec;
	uint32_t err;

	put_desc(GDT, SEL_FREE, 0x12409234, 0x56000fff);   /* base 0x12345600, not accessed */
	ck_assert_int_eq(try_load(CPU_ES, SEL_FREE, &vec, &err), 0);
	ck_assert_uint_eq(C->seg[CPU_ES].base, 0x12345600u);
	ck_assert_uint_eq(C->seg[CPU_ES].limit, 0xfff);
	ck_assert_uint_eq(C->seg[CPU_ES].attr & 0xff, 0x93);
	ck_assert_uint_eq(rd8(GDT + SEL_FREE + 5), 0x93);   /* accessed bit written back */
	/* Null DS: loads, then any access faults #GP(0). */
	ck_assert_int_eq(try_load(CPU_DS, 0, &vec, &err), 0);
	ck_assert(!C->seg[CPU_DS].rd_ok);
	/* G=1: limit scaled. */
	ck_assert_int_eq(try_load(CPU_FS, SEL_DATA0, &vec, &err), 0);
	ck_assert_uint_eq(C->seg[CPU_FS].limit, 0xffffffffu);
}
END_TEST

START_TEST(test_load_seg_real_v86)
{
	unsigned vec;
	uint32_t err;

	to_real(0x1000, 0);
	C->seg[CPU_DS].limit = 0xffffffffu;    /* "big real mode" survives a load */
	ck_assert_int_eq(try_load(CPU_DS, 0x1234, &vec, &err), 0);
	ck_assert_uint_eq(C->seg[CPU_DS].base, 0x12340);
	ck_assert_uint_eq(C->seg[CPU_DS].limit, 0xffffffffu);
	C->cr0 |= CPU_CR0_PE;
	C->eflags |= CPU_VM;
	cpu_update_mode(C);
	ck_assert_int_eq(try_load(CPU_ES, 0xabcd, &vec, &err), 0);
	ck_assert_uint_eq(C->seg[CPU_ES].base, 0xabcd0);
	ck_assert_uint_eq(C->seg[CPU_ES].limit, 0xffff);
	ck_assert_uint_eq((C->seg[CPU_ES].attr >> 5) & 3, 3);
}
END_TEST

static int try_cr(unsigned n, uint32_t v, unsigned *vec)
{
	if (sigsetjmp(C->exc_jmp, 0)) {
		*vec = C->exc_vec;
		return -1;
	}
	cpu_write_cr(C, n, v);
	return 0;
}

START_TEST(test_write_cr)
{
	unsigned vec = 0;
	uint32_t cr0 = C->cr0;

	ck_assert_int_lt(try_cr(0, 0x80000000u, &vec), 0);       /* PG without PE */
	ck_assert_uint_eq(vec, CPU_GP);
	ck_assert_uint_eq(C->cr0, cr0);
	ck_assert_int_lt(try_cr(0, 0x20000001u, &vec), 0);       /* NW without CD */
	ck_assert_uint_eq(vec, CPU_GP);
	ck_assert_int_eq(try_cr(0, 0x00000001u, &vec), 0);
	ck_assert_uint_eq(C->cr0, 0x11u);                         /* ET reads as 1 */
	ck_assert_int_lt(try_cr(4, 0x00000200u, &vec), 0);       /* OSFXSR: no SSE */
	ck_assert_uint_eq(vec, CPU_GP);
	ck_assert_int_lt(try_cr(4, 0x00000040u, &vec), 0);       /* MCE: not offered */
	ck_assert_int_eq(try_cr(4, 0x000000bcu, &vec), 0);       /* DE PSE PAE PGE TSD */
	ck_assert_uint_eq(C->cr4, 0xbcu);
	/* PAE paging with a PDPTE that has reserved bits set: #GP(0), CR0 kept. */
	wr32(0x20000, 0x21000 | 1 | 0x100);
	ck_assert_int_eq(try_cr(3, 0x20000, &vec), 0);
	ck_assert_int_lt(try_cr(0, 0x80000011u, &vec), 0);
	ck_assert_uint_eq(vec, CPU_GP);
	ck_assert_uint_eq(C->cr0 & 0x80000000u, 0);
	wr32(0x20000, 0x21000 | 1);
	ck_assert_int_eq(try_cr(0, 0x80000011u, &vec), 0);
	ck_assert_uint_eq(C->cr0, 0x80000011u);
	ck_assert_int_eq(try_cr(2, 0xdeadbeef, &vec), 0);
	ck_assert_uint_eq(C->cr2, 0xdeadbeefu);
}
END_TEST

/* ---- MSRs and CPUID ---------------------------------------------------- */

START_TEST(test_msrs)
{
	uint64_t v;

	ck_assert_int_eq(cpu_msr_read(C, 0x1b, &v), -1);          /* no APIC_BASE */
	ck_assert_int_eq(cpu_msr_read(C, 0x12345, &v), -1);
	ck_assert_int_eq(cpu_msr_write(C, 0x174, 0x0008), 0);
	ck_assert_int_eq(cpu_msr_write(C, 0x175, 0x9000), 0);
	ck_assert_int_eq(cpu_msr_write(C, 0x176, 0xc0001000u), 0);
	ck_assert_int_eq(cpu_msr_read(C, 0x176, &v), 0);
	ck_assert_uint_eq(v, 0xc0001000u);
	ck_assert_uint_eq(C->sysenter_cs, 8);
	ck_assert_int_eq(cpu_msr_write(C, 0xc0000080u, 1), -1);   /* SCE: not here */
	ck_assert_int_eq(cpu_msr_write(C, 0xc0000080u, 0x100), -1);  /* LME */
	ck_assert_int_eq(cpu_msr_write(C, 0xc0000080u, 0x800), 0);
	ck_assert_int_eq(cpu_msr_read(C, 0xc0000080u, &v), 0);
	ck_assert_uint_eq(v, 0x800);
	ck_assert_uint_eq(C->mmu.efer, 0x800);
	ck_assert_int_eq(cpu_msr_write(C, 0x277, 0x0007040600070406ull), 0);
	ck_assert_int_eq(cpu_msr_write(C, 0x277, 0x0007040600070402ull), -1);  /* type 2 */
	ck_assert_int_eq(cpu_msr_read(C, 0x277, &v), 0);
	ck_assert_uint_eq(v, 0x0007040600070406ull);
	ck_assert_int_eq(cpu_msr_read(C, 0xfe, &v), 0);
	ck_assert_uint_eq(v & 0xff, 8);
	ck_assert_int_eq(cpu_msr_write(C, 0xfe, 0), -1);          /* read-only */
	ck_assert_int_eq(cpu_msr_write(C, 0x200, 0xfff00006ull), 0);
	ck_assert_int_eq(cpu_msr_write(C, 0x200, 0x1000000006ull), -1);  /* bit 36 */
	ck_assert_int_eq(cpu_msr_write(C, 0x201, 0xfff00800ull), 0);
	ck_assert_int_eq(cpu_msr_write(C, 0x201, 0xfff00400ull), -1);
	ck_assert_int_eq(cpu_msr_write(C, 0x2ff, 0xc06), 0);
	ck_assert_int_eq(cpu_msr_write(C, 0x2ff, 0x1006), -1);
	ck_assert_int_eq(cpu_msr_write(C, 0x250, 0x0606060606060606ull), 0);
	ck_assert_int_eq(cpu_msr_write(C, 0x26f, 0x0606060606060603ull), -1);
	ck_assert_int_eq(cpu_msr_read(C, 0x250, &v), 0);
	ck_assert_uint_eq(v, 0x0606060606060606ull);
	/* TSC: a write sets the count, which then runs on with virtual time. */
	vclock_set_manual(T.vc, true);
	ck_assert_int_eq(cpu_msr_write(C, 0x10, 1000000), 0);
	vclock_advance(T.vc, 500);
	ck_assert_int_eq(cpu_msr_read(C, 0x10, &v), 0);
	ck_assert_uint_eq(v, 1000500);
}
END_TEST

START_TEST(test_cpuid_leaves)
{
	uint32_t r[4];
	char s[49];

	cpu_cpuid(0, 0, r);
	ck_assert_uint_eq(r[0], 2);
	ck_assert(!memcmp(&r[1], "Genu", 4) && !memcmp(&r[3], "ineI", 4) &&
		  !memcmp(&r[2], "ntel", 4));
	cpu_cpuid(1, 0, r);
	ck_assert_uint_eq((r[0] >> 8) & 0xf, 6);
	/* FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV; no MCE, APIC, MTRR, MCA, MMX, SSE. */
	ck_assert_uint_eq(r[3], 0x0000a97fu);
	ck_assert_uint_eq(r[2], 1u << 31);       /* running under a hypervisor */
	ck_assert_uint_eq((r[1] >> 16) & 0xff, 1);
	cpu_cpuid(0x80000000u, 0, r);
	ck_assert_uint_eq(r[0], 0x80000008u);
	cpu_cpuid(0x80000001u, 0, r);
	ck_assert_uint_eq(r[3], 1u << 20);
	ck_assert_uint_eq(r[2], 0);
	cpu_cpuid(0x80000002u, 0, r);
	memcpy(s, r, 16);
	cpu_cpuid(0x80000003u, 0, r);
	memcpy(s + 16, r, 16);
	cpu_cpuid(0x80000004u, 0, r);
	memcpy(s + 32, r, 16);
	s[48] = 0;
	ck_assert_str_eq(s, "hostvm virtual CPU");
	cpu_cpuid(0x80000008u, 0, r);
	ck_assert_uint_eq(r[0] & 0xff, 36);
	/* VMware's hypervisor leaves: signature, TSC frequency (1 GHz). */
	cpu_cpuid(0x40000000u, 0, r);
	ck_assert_uint_eq(r[0], 0x40000010u);
	ck_assert(!memcmp(&r[1], "VMwareVMware", 12));
	cpu_cpuid(0x40000010u, 0, r);
	ck_assert_uint_eq(r[0], 1000000);
	/* Beyond the maximum: the highest basic leaf. */
	{
		uint32_t hi[4];

		cpu_cpuid(2, 0, hi);
		cpu_cpuid(7, 0, r);
		ck_assert(!memcmp(r, hi, sizeof(r)));
		cpu_cpuid(0x80000009u, 0, r);
		ck_assert(!memcmp(r, hi, sizeof(r)));
	}
}
END_TEST

/* ---- Guest code ------------------------------------------------------ */

START_TEST(test_cpuid_rdtsc_insn)
{
	load_asm("xor eax, eax\ncpuid\nmov [0x500], ebx\n"
		 "rdtsc\nmov [0x504], eax\nmov [0x508], edx\nhlt\n");
	vclock_set_manual(T.vc, true);
	vclock_advance(T.vc, 123456);
	run();
	ck_assert_uint_eq(rd32(0x500), 0x756e6547u);   /* "Genu" */
	ck_assert_uint_eq(rd32(0x504), (uint32_t)cpu_tsc(C));
	ck_assert_uint_eq(rd32(0x508), (uint32_t)(cpu_tsc(C) >> 32));
	ck_assert_uint_ge(cpu_tsc(C), 123456);
}
END_TEST

/* Real mode -> protected mode (LGDT, MOV CR0, far JMP) -> real mode. */
START_TEST(test_real_pm_real)
{
	static const char src[] =
		"bits 16\norg 0x8000\n"
		"mov word [0x60*4], irq\nmov word [0x60*4+2], 0\n"
		"o32 lgdt [gdtr]\nmov eax, cr0\nor al, 1\nmov cr0, eax\n"
		"jmp dword 0x08:pm\n"
		"irq: inc byte [0x600]\niret\n"
		"gdtr: dw 0x1ff\ndd 0x1000\n"
		"bits 32\npm: mov ax, 0x10\nmov ds, ax\nmov ss, ax\nmov esp, 0x7000\n"
		"mov dword [0x604], 0x32323232\n"
		"jmp 0x18:(pm16-0x8000)\n"
		"bits 16\npm16: mov ax, 0x20\nmov ds, ax\nmov ss, ax\n"
		"mov eax, cr0\nand al, 0xfe\nmov cr0, eax\njmp 0:real\n"
		"real: xor ax, ax\nmov ds, ax\nmov ss, ax\nint 0x60\nint 0x60\nhlt\n";
	static uint8_t buf[512];
	long n = cpu_test_nasm(src, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	cpu_test_load(&T, 0x8000, buf, (size_t)n);
	/* pm16 runs from SEL_CODE16 (base 0x10000): place a copy there. */
	cpu_test_load(&T, 0x10000, buf, (size_t)n);
	to_real(0, 0x8000);
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(rd32(0x604), 0x32323232u);
	ck_assert_uint_eq(rd8(0x600), 2);
	ck_assert(!(C->cr0 & CPU_CR0_PE));
	ck_assert_uint_eq(C->cpl, 0);
}
END_TEST

/* #GP with its error code through a 32-bit interrupt gate: the frame. */
START_TEST(test_exception_frame)
{
	load_asm("mov ax, 0x08\nfault: mov ss, ax\nhlt\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), SEL_CODE0);         /* error code = selector */
	ck_assert_uint_eq(stk(1), CODE + 4);          /* EIP of MOV SS */
	ck_assert_uint_eq(stk(2), SEL_CODE0);
	ck_assert_uint_eq(stk(3) & 0x2, 0x2);
	ck_assert_uint_eq(C->gpr[CPU_ESP], 0x70000 - 16);
}
END_TEST

/* INT n from ring 3 through a DPL 3 gate: stack switch from TSS0, frame
 * with the old SS:ESP; then a DPL 0 gate from ring 3 is #GP(vec*8+2). */
START_TEST(test_int_privilege_change)
{
	put_gate(0x40, SEL_CODE0, STUB(20), 0xee00);
	load_asm("push dword SEL_DATA3\npush dword 0x70000\npush dword 0x2\n"
		 "push dword SEL_CODE3\npush dword r3\niret\n"
		 "r3: mov ax, SEL_DATA3\nmov ds, ax\nint 0x40\n");
	run();
	ck_assert_int_eq(stub_vec(), 20);
	ck_assert_uint_eq(C->cpl, 0);
	ck_assert_uint_eq(C->seg[CPU_SS].sel, SEL_DATA0);
	ck_assert_uint_eq(C->gpr[CPU_ESP], STACK0 - 20);
	ck_assert_uint_eq(stk(1), SEL_CODE3 | 3);
	ck_assert_uint_eq(stk(3), STACK3);
	ck_assert_uint_eq(stk(4), SEL_DATA3 | 3);
	ck_assert_uint_eq(C->seg[CPU_DS].sel, SEL_DATA3 | 3);   /* DPL 3: kept */
	/* Same from ring 3 to a DPL 0 gate. */
	teardown();
	setup();
	put_gate(0x40, SEL_CODE0, STUB(20), 0x8e00);
	load_asm("push dword SEL_DATA3\npush dword 0x70000\npush dword 0x2\n"
		 "push dword SEL_CODE3\npush dword r3\niret\nr3: int 0x40\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), 0x40 * 8 + 2);
}
END_TEST

/* CALL through a call gate with 2 parameters to ring 0, RETF 8 back. */
START_TEST(test_call_gate_params)
{
	uint32_t gate = CODE + 0x200;

	put_desc(GDT, SEL_GATE, (gate & 0xffff0000u) | 0xec02, (SEL_CODE0 << 16) | (gate & 0xffff));
	load_asm("push dword SEL_DATA3\npush dword 0x70000\npush dword 0x2\n"
		 "push dword SEL_CODE3\npush dword r3\niret\n"
		 "r3: push dword 0xaaaa\npush dword 0xbbbb\ncall SEL_GATE:0\n"
		 "mov [ss:0x5000], esp\nmov ax, cs\nmov [ss:0x5004], ax\nud2\n"
		 "times 0x200-($-$$) db 0x90\n"
		 "gate: mov eax, [esp+8]\nmov [ss:0x5010], eax\nmov eax, [esp+12]\n"
		 "mov [ss:0x5014], eax\nmov eax, [esp+16]\nmov [ss:0x5018], eax\n"
		 "mov [ss:0x501c], esp\nretf 8\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_UD);
	ck_assert_uint_eq(rd32(0x5010), 0xbbbb);
	ck_assert_uint_eq(rd32(0x5014), 0xaaaa);
	ck_assert_uint_eq(rd32(0x5018), STACK3 - 8);        /* old ESP */
	ck_assert_uint_eq(rd32(0x501c), STACK0 - 24);       /* SS ESP 2 params CS EIP */
	ck_assert_uint_eq(rd32(0x5000), STACK3);            /* RETF 8 popped the params */
	ck_assert_uint_eq(rd32(0x5004) & 0xffff, SEL_CODE3 | 3);
}
END_TEST

/* IRET to ring 3 nulls DS/ES whose DPL is below the new CPL. */
START_TEST(test_iret_outer_nulls_segments)
{
	load_asm("mov ax, SEL_DATA3\nmov fs, ax\n"
		 "push dword SEL_DATA3\npush dword 0x70000\npush dword 0x3202\n"
		 "push dword SEL_CODE3\npush dword r3\niret\nr3: ud2\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_UD);
	ck_assert_uint_eq(stk(1), SEL_CODE3 | 3);
	ck_assert_uint_eq(stk(2) & 0x3000, 0x3000);          /* IOPL from CPL 0 IRET */
	ck_assert_uint_eq(C->seg[CPU_DS].sel, 0);
	ck_assert_uint_eq(C->seg[CPU_ES].sel, 0);
	ck_assert_uint_eq(C->seg[CPU_FS].sel, SEL_DATA3 | 3);
}
END_TEST

/* POPF at CPL 3 with IOPL 0: IF and IOPL unchanged, no fault; CLI faults. */
START_TEST(test_popf_cli_ring3)
{
	load_asm("push dword SEL_DATA3\npush dword 0x70000\npush dword 0x0202\n"
		 "push dword SEL_CODE3\npush dword r3\niret\n"
		 "r3: push dword 0x3000 | 0x800 | 0x1\npopfd\npushfd\npop eax\ncli\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), 0);
	ck_assert_uint_eq(C->gpr[CPU_EAX] & 0x3a01, 0x0a01);   /* IF kept, IOPL 0, OF CF */
}
END_TEST

/* INT through a task gate into TSS1's task, IRET back (NT, link, busy). */
START_TEST(test_task_gate)
{
	uint32_t t1 = CODE + 0x100;

	put_gate(0x41, SEL_TSS1, 0, 0x8500);
	wr32(TSS1 + 0x20, t1);
	wr32(TSS1 + 0x24, 0x2);
	wr32(TSS1 + 0x38, 0x60000);
	wr32(TSS1 + 0x48, SEL_DATA0);
	wr32(TSS1 + 0x4c, SEL_CODE0);
	wr32(TSS1 + 0x50, SEL_DATA0);
	wr32(TSS1 + 0x54, SEL_DATA0);
	wr32(TSS1 + 0x58, SEL_DATA0);
	wr32(TSS1 + 0x5c, SEL_DATA0);
	load_asm("mov ebx, 0x1234\nint 0x41\nmov [0x5000], ebx\nstr ax\nmov [0x5004], ax\n"
		 "pushfd\npop dword [0x5008]\nhlt\n"
		 "times 0x100-($-$$) db 0x90\n"
		 "pushfd\npop dword [0x5100]\nstr ax\nmov [0x5104], ax\n"
		 "mov ebx, 0x9999\niret\n");
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(rd32(0x5100) & CPU_NT, CPU_NT);
	ck_assert_uint_eq(rd32(0x5104) & 0xffff, SEL_TSS1);
	ck_assert_uint_eq(pmap_read(T.pm, TSS1, 2), SEL_TSS0);   /* back link */
	ck_assert_uint_eq(rd32(0x5000), 0x1234);                 /* own EBX back */
	ck_assert_uint_eq(rd32(0x5004) & 0xffff, SEL_TSS0);
	ck_assert_uint_eq(rd32(0x5008) & CPU_NT, 0);
	ck_assert_uint_eq(rd32(TSS1 + 0x34), 0x9999);           /* task 1's EBX saved */
	ck_assert_uint_eq(rd8(GDT + SEL_TSS1 + 5), 0x89);       /* not busy again */
	ck_assert_uint_eq(rd8(GDT + SEL_TSS0 + 5), 0x8b);
	ck_assert(C->cr0 & CPU_CR0_TS);
}
END_TEST

/* V86: IRETD with VM=1, CLI with IOPL 0 -> #GP(0) at ring 0 with the V86
 * segment registers on the stack and null data segments. */
START_TEST(test_v86_cli_gp)
{
	static const uint8_t v86code[] = { 0xb8, 0x34, 0x12, 0x8e, 0xd8, 0xfa }; /* mov ax,0x1234; mov ds,ax; cli */

	cpu_test_load(&T, 0x20000, v86code, sizeof(v86code));
	load_asm("push dword 0x55\npush dword 0x66\npush dword 0x77\npush dword 0x88\n"
		 "push dword 0x1000\npush dword 0x800\npush dword 0x20002\n"
		 "push dword 0x2000\npush dword 0\niretd\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), 0);                 /* error code */
	ck_assert_uint_eq(stk(1), 5);                 /* IP of CLI */
	ck_assert_uint_eq(stk(2), 0x2000);            /* CS */
	ck_assert_uint_eq(stk(3) & CPU_VM, CPU_VM);
	ck_assert_uint_eq(stk(4), 0x800);             /* SP */
	ck_assert_uint_eq(stk(5), 0x1000);            /* SS */
	ck_assert_uint_eq(stk(6), 0x88);              /* ES */
	ck_assert_uint_eq(stk(7), 0x1234);            /* DS, loaded in V86 */
	ck_assert_uint_eq(stk(8), 0x66);              /* FS */
	ck_assert_uint_eq(stk(9), 0x55);              /* GS */
	ck_assert_uint_eq(C->seg[CPU_DS].sel, 0);
	ck_assert(!(C->eflags & CPU_VM));
	ck_assert_uint_eq(C->cpl, 0);
}
END_TEST

/* SGDT/SIDT/LGDT with 16- and 32-bit operands; SLDT/STR; LAR/LSL/VERR/VERW. */
START_TEST(test_descriptor_insns)
{
	load_asm("sgdt [0x5000]\no16 sgdt [0x5010]\n"
		 "mov word [0x5020], 0x77\nmov dword [0x5022], 0xabcdef12\no16 lidt [0x5020]\n"
		 "sidt [0x5030]\nlidt [0x5040]\n"
		 "mov ax, 0x38\nlar ebx, ax\nmov [0x5050], ebx\nlsl ecx, ax\nmov [0x5054], ecx\n"
		 "mov ax, 0x50\nverr ax\nsetz [0x5058]\nmov ax, 0x08\nverr ax\nsetz [0x5059]\n"
		 "verw ax\nsetz [0x505a]\nmov ax, 0x10\nverw ax\nsetz [0x505b]\n"
		 "mov ax, 0x200\nlsl ecx, ax\nsetz [0x505c]\n"
		 "str ax\nmov [0x5060], ax\nhlt\n");
	pmap_write(T.pm, 0x5040, 2, 0x7ff);   /* restores the IDT */
	wr32(0x5042, IDT);
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(pmap_read(T.pm, 0x5000, 2), 0x1ff);
	ck_assert_uint_eq(rd32(0x5002), GDT);
	ck_assert_uint_eq(rd32(0x5032), 0x00cdef12u);  /* o16 LIDT: 24-bit base */
	ck_assert_uint_eq(pmap_read(T.pm, 0x5030, 2), 0x77);
	ck_assert_uint_eq(rd32(0x5050), 0x00008b00u);  /* TSS0 access rights */
	ck_assert_uint_eq(rd32(0x5054), 0x67);
	ck_assert_uint_eq(rd8(0x5058), 0);             /* execute-only: not readable */
	ck_assert_uint_eq(rd8(0x5059), 1);
	ck_assert_uint_eq(rd8(0x505a), 0);             /* code never writable */
	ck_assert_uint_eq(rd8(0x505b), 1);
	ck_assert_uint_eq(rd8(0x505c), 0);             /* beyond the GDT */
	ck_assert_uint_eq(pmap_read(T.pm, 0x5060, 2), SEL_TSS0);
}
END_TEST

/* MOV CRn at ring 3 is #GP(0); MOV CR1 is #UD; DR4 aliases DR6 only
 * while CR4.DE = 0; DR7.GD makes the next MOV DR a #DB. */
START_TEST(test_cr_dr_privilege)
{
	load_asm("mov eax, dr4\nmov [0x5000], eax\nmov eax, 0x2000\nmov dr7, eax\n"
		 "mov eax, dr0\nhlt\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_DB);
	ck_assert_uint_eq(rd32(0x5000), 0xffff0ff0u);
	ck_assert_uint_eq(C->dr[6] & 0x2000, 0x2000);
	ck_assert_uint_eq(C->dr[7] & 0x2000, 0);
	teardown();
	setup();
	load_asm("mov eax, cr4\nor eax, 8\nmov cr4, eax\nmov eax, dr5\nhlt\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_UD);
	teardown();
	setup();
	load_asm("push dword SEL_DATA3\npush dword 0x70000\npush dword 0x2\n"
		 "push dword SEL_CODE3\npush dword r3\niret\nr3: mov eax, cr0\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), 0);
}
END_TEST

/* SYSENTER to ring 0 and SYSEXIT back to ring 3. */
START_TEST(test_sysenter_sysexit)
{
	put_desc(GDT, SEL_FREE, 0x00cf9a00, 0x0000ffff);
	put_desc(GDT, SEL_FREE + 8, 0x00cf9200, 0x0000ffff);
	put_desc(GDT, SEL_FREE + 16, 0x00cffa00, 0x0000ffff);
	put_desc(GDT, SEL_FREE + 24, 0x00cff200, 0x0000ffff);
	load_asm("mov ecx, 0x174\nmov eax, 0x90\nxor edx, edx\nwrmsr\n"
		 "mov ecx, 0x175\nmov eax, 0x66000\nwrmsr\n"
		 "mov ecx, 0x176\nmov eax, k\nwrmsr\n"
		 "push dword SEL_DATA3\npush dword 0x70000\npush dword 0x2\n"
		 "push dword SEL_CODE3\npush dword r3\niret\n"
		 "r3: sysenter\n"
		 "k: mov ax, cs\nmov [ss:0x5000], ax\nmov [ss:0x5004], esp\n"
		 "mov ecx, 0x6f000\nmov edx, back\nsysexit\n"
		 "back: ud2\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_UD);
	ck_assert_uint_eq(pmap_read(T.pm, 0x5000, 2), 0x90);
	ck_assert_uint_eq(rd32(0x5004), 0x66000);
	ck_assert_uint_eq(stk(1), 0xa0 | 3);        /* CS at UD2: SYSENTER_CS + 16, RPL 3 */
	ck_assert_uint_eq(stk(3), 0x6f000);         /* ESP = ECX */
	ck_assert_uint_eq(stk(4), 0xa8 | 3);
}
END_TEST

/* Real-mode far CALL/RETF and INT/IRET through the IVT. */
START_TEST(test_real_far_and_ivt)
{
	static const char src[] =
		"bits 16\norg 0\npush cs\npop ds\n"
		"mov word [es:0x21*4], isr\nmov word [es:0x21*4+2], 0x800\n"
		"sti\nint 0x21\ncli\ncall 0x800:fproc\nhlt\n"
		"isr: pushf\npop word [0x1600]\nmov bx, sp\nmov ax, [ss:bx+4]\nmov [0x1602], ax\n"
		"iret\nfproc: mov word [0x1604], 0x4321\nretf\n";
	static uint8_t buf[256];
	long n = cpu_test_nasm(src, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	cpu_test_load(&T, 0x8000, buf, (size_t)n);
	to_real(0x800, 0);
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(pmap_read(T.pm, 0x9600, 2) & 0x200, 0);      /* IF clear in the ISR */
	ck_assert_uint_eq(pmap_read(T.pm, 0x9602, 2) & 0x200, 0x200);  /* pushed FLAGS had IF */
	ck_assert_uint_eq(pmap_read(T.pm, 0x9604, 2), 0x4321);
	ck_assert_uint_eq(C->gpr[CPU_ESP] & 0xffff, 0x7000);
}
END_TEST

/* LMSW loads PE/MP/EM/TS but cannot clear PE; SMSW to a 32-bit register
 * gives all of CR0. */
START_TEST(test_lmsw_smsw)
{
	load_asm("mov ax, 0x000e\nlmsw ax\nsmsw ebx\nmov [0x5000], ebx\n"
		 "xor ax, ax\nlmsw ax\nsmsw [0x5004]\nclts\nhlt\n");
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(rd32(0x5000) & 0xf, 0xf);          /* PE kept, MP EM TS set */
	ck_assert_uint_eq(pmap_read(T.pm, 0x5004, 2) & 0xf, 0x1);
	ck_assert_uint_eq(C->cr0 & 0xf, 0x1);
}
END_TEST

/* LLDT/LTR checks: wrong type #GP(sel), LDT-indexed selector #GP(sel),
 * busy TSS #GP(sel), not present #NP(sel); LTR marks the TSS busy. */
static const struct {
	const char *insn;
	uint16_t sel;
	int vec;
	uint32_t err;
} ldt_tr_cases[] = {
	{ "lldt ax", SEL_DATA0, CPU_GP, SEL_DATA0 },
	{ "lldt ax", 0x000c, CPU_GP, 0x000c },
	{ "lldt ax", SEL_FREE, CPU_NP, SEL_FREE },     /* not-present LDT */
	{ "ltr ax", SEL_TSS0, CPU_GP, SEL_TSS0 },     /* busy */
	{ "ltr ax", SEL_LDT, CPU_GP, SEL_LDT },
	{ "ltr ax", 0, CPU_GP, 0 },
	{ "ltr ax", SEL_FREE + 8, CPU_NP, SEL_FREE + 8 },
	{ "ltr ax", SEL_TSS1, -1, 0 },
	{ "lldt ax", SEL_LDT, -1, 0 },
	{ "lldt ax", 0, -1, 0 },
};

START_TEST(test_lldt_ltr)
{
	char src[128];

	put_desc(GDT, SEL_FREE, 0x00000200, (LDT << 16) | 0x0f);
	put_desc(GDT, SEL_FREE + 8, 0x00000900, (TSS1 << 16) | 0x67);
	snprintf(src, sizeof(src), "mov ax, 0x%x\n%s\nhlt\n", ldt_tr_cases[_i].sel,
		 ldt_tr_cases[_i].insn);
	load_asm(src);
	run();
	if (ldt_tr_cases[_i].vec < 0) {
		ck_assert_int_eq(stub_vec(), -1);
		ck_assert(C->halted);
		if (ldt_tr_cases[_i].sel == SEL_TSS1) {
			ck_assert_uint_eq(C->seg[CPU_TR].sel, SEL_TSS1);
			ck_assert_uint_eq(rd8(GDT + SEL_TSS1 + 5), 0x8b);
		} else {
			ck_assert_uint_eq(C->seg[CPU_LDTR].sel, ldt_tr_cases[_i].sel);
		}
	} else {
		ck_assert_int_eq(stub_vec(), ldt_tr_cases[_i].vec);
		ck_assert_uint_eq(stk(0), ldt_tr_cases[_i].err);
	}
}
END_TEST

/* Privileged instructions at ring 3 are #GP(0). */
static const char *const ring0_only[] = {
	"hlt", "invd", "wbinvd", "clts", "lgdt [0x5000]", "lidt [0x5000]", "invlpg [0]",
	"mov cr3, eax", "mov dr7, eax", "rdmsr", "wrmsr", "lmsw ax", "lldt ax", "ltr ax",
	"sysexit",
};

START_TEST(test_ring3_privileged)
{
	char src[512];

	snprintf(src, sizeof(src),
		 "push dword SEL_DATA3\npush dword 0x70000\npush dword 0x2\n"
		 "push dword SEL_CODE3\npush dword r3\niret\nr3: xor eax, eax\n%s\nud2\n",
		 ring0_only[_i]);
	load_asm(src);
	run();
	ck_assert_msg(stub_vec() == CPU_GP, "%s: vector %d", ring0_only[_i], stub_vec());
	ck_assert_uint_eq(stk(0), 0);
	ck_assert_uint_eq(stk(2), SEL_CODE3 | 3);
}
END_TEST

/* MOV r32, Sreg zero-extends; PUSH/POP FS with 32-bit operands; LSS and
 * LFS load both parts; a far pointer load with a bad selector faults with
 * the destination register unchanged. */
START_TEST(test_sreg_moves)
{
	load_asm("mov ebx, 0xffffffff\nmov bx, ds\nmov [0x5000], ebx\nmov ebx, 0xffffffff\n"
		 "mov ebx, ds\nmov [0x5004], ebx\n"
		 "mov esi, esp\npush fs\nmov eax, esi\nsub eax, esp\nmov [0x5008], eax\n"
		 "mov ax, 0x20\nmov fs, ax\npop fs\nmov ax, fs\nmov [0x500c], ax\n"
		 "mov dword [0x5100], 0x12345678\nmov word [0x5104], 0x20\n"
		 "lfs ecx, [0x5100]\nmov [0x5010], ecx\nmov ax, fs\nmov [0x5014], ax\n"
		 "mov dword [0x5108], 0x6000\nmov word [0x510c], 0x10\nlss esp, [0x5108]\n"
		 "mov [0x5018], esp\nmov esp, 0x70000\n"
		 "mov dword [0x5110], 0xaaaa\nmov word [0x5114], 0x50\nmov edx, 0x77\n"
		 "lgs edx, [0x5110]\nhlt\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);           /* LGS with execute-only code */
	ck_assert_uint_eq(stk(0), SEL_XO);
	ck_assert_uint_eq(C->gpr[CPU_EDX], 0x77);       /* nothing written */
	ck_assert_uint_eq(rd32(0x5000), 0xffff0010u);     /* 16-bit form keeps the top */
	ck_assert_uint_eq(rd32(0x5004), 0x00000010u);
	ck_assert_uint_eq(rd32(0x5008), 4);
	ck_assert_uint_eq(pmap_read(T.pm, 0x500c, 2), 0x10);
	ck_assert_uint_eq(rd32(0x5010), 0x12345678);
	ck_assert_uint_eq(pmap_read(T.pm, 0x5014, 2), 0x20);
	ck_assert_uint_eq(rd32(0x5018), 0x6000);
}
END_TEST

/* ARPL raises the RPL of a selector and sets ZF; otherwise ZF=0. */
START_TEST(test_arpl)
{
	load_asm("mov ax, 0x10\nmov bx, 0x2b\narpl ax, bx\nsetz [0x5000]\nmov [0x5002], ax\n"
		 "mov word [0x5004], 0x33\nmov bx, 0x28\narpl [0x5004], bx\nsetz [0x5001]\nhlt\n");
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(rd8(0x5000), 1);
	ck_assert_uint_eq(pmap_read(T.pm, 0x5002, 2), 0x13);
	ck_assert_uint_eq(rd8(0x5001), 0);
	ck_assert_uint_eq(pmap_read(T.pm, 0x5004, 2), 0x33);
}
END_TEST

/* A far JMP through a call gate cannot change privilege: #GP(code sel);
 * a far RETF to ring 3 nulls DS/ES that ring 3 may not use. */
START_TEST(test_far_jmp_gate_and_retf_outer)
{
	put_desc(GDT, SEL_GATE, 0x0000ec00, (SEL_CODE0 << 16) | 0x1000);
	load_asm("push dword SEL_DATA3\npush dword 0x70000\npush dword 0x2\n"
		 "push dword SEL_CODE3\npush dword r3\niret\nr3: jmp SEL_GATE:0\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), SEL_CODE0);
	teardown();
	setup();
	load_asm("mov ax, SEL_DATA3\nmov gs, ax\n"
		 "push dword SEL_DATA3\npush dword 0x6f000\npush dword SEL_CODE3\npush dword r3\n"
		 "retf\nr3: ud2\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_UD);
	ck_assert_uint_eq(stk(1), SEL_CODE3 | 3);
	ck_assert_uint_eq(stk(3), 0x6f000);
	ck_assert_uint_eq(C->seg[CPU_DS].sel, 0);
	ck_assert_uint_eq(C->seg[CPU_GS].sel, SEL_DATA3 | 3);
}
END_TEST

/* An external interrupt through a not-present gate: #NP with EXT and IDT
 * set in the error code; the return address is the interrupted insn. */
START_TEST(test_ext_irq_error_code)
{
	put_gate(0x30, SEL_CODE0, STUB(21), 0x0e00);     /* P = 0 */
	load_asm("sti\nnop\nnop\njmp $\n");
	T.irq_vec = 0x30;
	cpu_set_irq(C, 1);
	run();
	ck_assert_int_eq(stub_vec(), CPU_NP);
	ck_assert_uint_eq(stk(0), 0x30 * 8 + 2 + 1);
	ck_assert_uint_ge(stk(1), CODE + 1);                   /* after STI's shadow */
	ck_assert_uint_le(stk(1), CODE + 3);
}
END_TEST

/* NMI through the IDT (vector 2, no error code); a second NMI waits for
 * the IRET that ends the first handler. */
START_TEST(test_nmi)
{
	put_gate(2, SEL_CODE0, CODE + 0x100, 0x8e00);
	load_asm("jmp $\ntimes 0x100-($-$$) db 0x90\n"
		 "inc dword [0x5000]\ncmp dword [0x5000], 2\nje done\n"
		 "mov ecx, 1000\nspin: loop spin\niretd\ndone: hlt\n");
	cpu_set_nmi(C);
	cpu_test_run(&T, 2000);
	ck_assert_uint_eq(rd32(0x5000), 1);
	cpu_set_nmi(C);                  /* blocked until the IRET */
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(rd32(0x5000), 2);
}
END_TEST

/* A 16-bit interrupt gate pushes a 16-bit frame and runs a 16-bit segment. */
START_TEST(test_int16_gate)
{
	put_gate(0x31, SEL_CODE16, 0x300, 0x8600);
	load_asm("int 0x31\ntimes 0x300-($-$$) db 0x90\nhlt\n");
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(C->seg[CPU_CS].sel, SEL_CODE16);
	ck_assert(!C->code32);
	ck_assert_uint_eq(C->gpr[CPU_ESP], 0x70000 - 6);
	ck_assert_uint_eq(pmap_read(T.pm, 0x70000 - 6, 2), 2);        /* IP after INT (offset 2) */
	ck_assert_uint_eq(pmap_read(T.pm, 0x70000 - 4, 2), SEL_CODE0);
	ck_assert_uint_eq(pmap_read(T.pm, 0x70000 - 2, 2) & 2, 2);
}
END_TEST

/* Real mode: #UD through the IVT returns to the faulting instruction. */
START_TEST(test_real_exception)
{
	static const uint8_t code[] = { 0x0f, 0x0b, 0xf4 };   /* ud2; hlt */
	static const uint8_t isr[] = { 0xf4 };                 /* hlt */

	cpu_test_load(&T, 0x8000, code, sizeof(code));
	cpu_test_load(&T, 0x9000, isr, sizeof(isr));
	wr32(6 * 4, 0x09000000);         /* vector 6 -> 0900:0000 */
	to_real(0x800, 0);
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(C->seg[CPU_CS].sel, 0x900);
	ck_assert_uint_eq(pmap_read(T.pm, 0x7000 - 6, 2), 0);       /* IP of UD2 */
	ck_assert_uint_eq(pmap_read(T.pm, 0x7000 - 4, 2), 0x800);
}
END_TEST

/* An empty IDT: INT3 -> #GP (limit) -> #GP while delivering it -> #DF ->
 * shutdown (the triple-fault reset Linux uses); the same in real mode. */
START_TEST(test_triple_fault)
{
	load_asm("mov word [0x5000], 0\nmov dword [0x5002], 0\nlidt [0x5000]\nint3\nhlt\n");
	ck_assert_int_eq(cpu_test_run(&T, 10000), CPU_EXIT_SHUTDOWN);
	teardown();
	setup();
	{
		static const uint8_t code[] = { 0x0f, 0x01, 0x1e, 0x00, 0x50,   /* lidt [0x5000] */
						0xcc, 0xf4 };                  /* int3; hlt */

		cpu_test_load(&T, 0x8000, code, sizeof(code));
		to_real(0x800, 0);
		pmap_write(T.pm, 0x8000 + 0x5000, 2, 0);
		wr32(0x8000 + 0x5002, 0);
		C->seg[CPU_DS] = C->seg[CPU_CS];
		C->seg[CPU_DS].attr = 0x93;
		cpu_update_mode(C);
		ck_assert_int_eq(cpu_test_run(&T, 10000), CPU_EXIT_SHUTDOWN);
	}
}
END_TEST

/* JMP to a TSS whose EFLAGS has VM set: the new task runs in V86 mode
 * (CPL 3, real-mode style segments); its CLI faults to ring 0 on the
 * stack from the new TSS. */
START_TEST(test_task_switch_to_v86)
{
	static const uint8_t v86code[] = { 0x90, 0xfa };   /* nop; cli */

	cpu_test_load(&T, 0x20000, v86code, sizeof(v86code));
	wr32(TSS1 + 4, 0x68000);
	wr32(TSS1 + 8, SEL_DATA0);
	wr32(TSS1 + 0x20, 0);
	wr32(TSS1 + 0x24, 0x20002);
	wr32(TSS1 + 0x38, 0x1000);
	wr32(TSS1 + 0x48, 0x1111);
	wr32(TSS1 + 0x4c, 0x2000);
	wr32(TSS1 + 0x50, 0x3000);
	wr32(TSS1 + 0x54, 0x4444);
	load_asm("jmp SEL_TSS1:0\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(C->seg[CPU_TR].sel, SEL_TSS1);
	ck_assert_uint_eq(C->gpr[CPU_ESP], 0x68000 - 40);
	ck_assert_uint_eq(stk(1), 1);          /* IP of CLI */
	ck_assert_uint_eq(stk(2), 0x2000);
	ck_assert_uint_eq(stk(3) & CPU_VM, CPU_VM);
	ck_assert_uint_eq(stk(4), 0x1000);
	ck_assert_uint_eq(stk(5), 0x3000);
	ck_assert_uint_eq(stk(6), 0x1111);
	ck_assert_uint_eq(stk(7), 0x4444);
	ck_assert_uint_eq(rd8(GDT + SEL_TSS0 + 5), 0x89);   /* JMP: old task not busy */
}
END_TEST

/* Task gate errors (SDM "INT n", TASK-GATE): a busy TSS or a TSS selector
 * with TI=1 is #GP(TSS selector), EXT set for an external interrupt; a
 * not-present TSS is #NP(TSS selector). */
START_TEST(test_task_gate_errors)
{
	put_desc(GDT, SEL_FREE, 0x00000900, (TSS1 << 16) | 0x67);   /* not present */
	put_gate(0x42, SEL_TSS0, 0, 0x8500);      /* the current task: busy */
	put_gate(0x43, 0x000c, 0, 0x8500);        /* LDT selector */
	put_gate(0x44, SEL_FREE, 0, 0x8500);
	load_asm("int 0x42\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), SEL_TSS0);
	teardown();
	setup();
	put_gate(0x43, 0x000c, 0, 0x8500);
	load_asm("int 0x43\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), 0x000c);
	teardown();
	setup();
	put_desc(GDT, SEL_FREE, 0x00000900, (TSS1 << 16) | 0x67);
	put_gate(0x44, SEL_FREE, 0, 0x8500);
	load_asm("int 0x44\n");
	run();
	ck_assert_int_eq(stub_vec(), CPU_NP);
	ck_assert_uint_eq(stk(0), SEL_FREE);
	teardown();
	setup();
	put_gate(0x42, SEL_TSS0, 0, 0x8500);
	load_asm("sti\nnop\njmp $\n");
	T.irq_vec = 0x42;
	cpu_set_irq(C, 1);
	run();
	ck_assert_int_eq(stub_vec(), CPU_GP);
	ck_assert_uint_eq(stk(0), SEL_TSS0 | 1);
}
END_TEST

/* A hardware interrupt in V86 mode goes through the IDT to ring 0 with the
 * V86 segment registers on the stack; IRETD returns to V86. */
START_TEST(test_v86_external_irq)
{
	static const uint8_t v86code[] = { 0xfb, 0xeb, 0xfe };   /* sti; jmp $ */

	cpu_test_load(&T, 0x20000, v86code, sizeof(v86code));
	put_gate(0x30, SEL_CODE0, CODE + 0x100, 0x8e00);
	load_asm("push dword 0\npush dword 0\npush dword 0x1234\npush dword 0\n"
		 "push dword 0x1000\npush dword 0x800\npush dword 0x23002\n"
		 "push dword 0x2000\npush dword 0\niretd\n"
		 "times 0x100-($-$$) db 0x90\n"
		 "mov eax, [esp+4]\nmov [ss:0x5000], eax\nmov eax, [esp+24]\nmov [ss:0x5004], eax\n"
		 "mov ax, ds\nmov [ss:0x5008], ax\ninc dword [ss:0x500c]\n"
		 "cmp dword [ss:0x500c], 2\nje fin\niretd\nfin: hlt\n");
	T.irq_vec = 0x30;
	cpu_set_irq(C, 1);
	cpu_test_run(&T, 5000);
	ck_assert_uint_eq(rd32(0x500c), 1);
	ck_assert_uint_eq(rd32(0x5000), 0x2000);        /* CS pushed */
	ck_assert_uint_eq(rd32(0x5004), 0x1234);        /* DS pushed */
	ck_assert_uint_eq(pmap_read(T.pm, 0x5008, 2), 0);   /* DS null in the handler */
	ck_assert(C->eflags & CPU_VM);                   /* back in V86 after IRETD */
	ck_assert_uint_eq(C->seg[CPU_DS].sel, 0x1234);
	ck_assert_uint_eq(C->seg[CPU_DS].base, 0x12340);
	cpu_set_irq(C, 1);
	run();
	ck_assert(C->halted);
	ck_assert_uint_eq(rd32(0x500c), 2);
}
END_TEST

static Suite *sys_suite(void)
{
	Suite *s = suite_create("cpu_sys");
	TCase *tc = tcase_create("sys");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_load_seg_checks, 0,
			    (int)(sizeof(load_cases) / sizeof(load_cases[0])));
	tcase_add_test(tc, test_load_seg_cache_and_accessed);
	tcase_add_test(tc, test_load_seg_real_v86);
	tcase_add_test(tc, test_write_cr);
	tcase_add_test(tc, test_msrs);
	tcase_add_test(tc, test_cpuid_leaves);
	tcase_add_test(tc, test_cpuid_rdtsc_insn);
	tcase_add_test(tc, test_real_pm_real);
	tcase_add_test(tc, test_exception_frame);
	tcase_add_test(tc, test_int_privilege_change);
	tcase_add_test(tc, test_call_gate_params);
	tcase_add_test(tc, test_iret_outer_nulls_segments);
	tcase_add_test(tc, test_popf_cli_ring3);
	tcase_add_test(tc, test_task_gate);
	tcase_add_test(tc, test_v86_cli_gp);
	tcase_add_test(tc, test_descriptor_insns);
	tcase_add_test(tc, test_cr_dr_privilege);
	tcase_add_test(tc, test_sysenter_sysexit);
	tcase_add_test(tc, test_real_far_and_ivt);
	tcase_add_test(tc, test_lmsw_smsw);
	tcase_add_loop_test(tc, test_lldt_ltr, 0,
			    (int)(sizeof(ldt_tr_cases) / sizeof(ldt_tr_cases[0])));
	tcase_add_loop_test(tc, test_ring3_privileged, 0,
			    (int)(sizeof(ring0_only) / sizeof(ring0_only[0])));
	tcase_add_test(tc, test_sreg_moves);
	tcase_add_test(tc, test_arpl);
	tcase_add_test(tc, test_far_jmp_gate_and_retf_outer);
	tcase_add_test(tc, test_ext_irq_error_code);
	tcase_add_test(tc, test_nmi);
	tcase_add_test(tc, test_int16_gate);
	tcase_add_test(tc, test_real_exception);
	tcase_add_test(tc, test_triple_fault);
	tcase_add_test(tc, test_task_switch_to_v86);
	tcase_add_test(tc, test_task_gate_errors);
	tcase_add_test(tc, test_v86_external_irq);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(sys_suite());
}
