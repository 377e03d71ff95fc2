/* x87 wiring (fpu.c) through the translator: arithmetic results through
 * memory operands, FNSTSW AX, FCOMI/FUCOMI into EFLAGS, FCMOVcc reading
 * EFLAGS, #NM from CR0.EM/TS (and WAIT only with TS+MP), #MF with CR0.NE
 * at the next waiting instruction, FERR# with CR0.NE=0, FIP/FDP/FOP/FCS/FDS
 * as FNSTENV stores them, page faults on memory operands leaving the FPU
 * unchanged, #UD for invalid encodings. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <string.h>

#include "check_cpu_flow_env.h"
#include "check_run.h"

#define HLT_EXIT(r) ck_assert_int_eq((r), CPU_EXIT_REQUEST)

static double rd_double(uint32_t gpa)
{
	uint64_t v = (uint64_t)fe_rd(gpa + 4, 4) << 32 | fe_rd(gpa, 4);
	double d;

	memcpy(&d, &v, 8);
	return d;
}

START_TEST(arith_through_memory)
{
	fe_flat();
	fe_asm32(FE_CODE,
		 "fninit\n fld qword [a]\n fadd qword [b]\n fmul dword [c]\n fstp qword [0x2000]\n"
		 "fild dword [i]\n fsqrt\n fistp dword [0x2008]\n"
		 "fldpi\n fstp tword [0x2010]\n"
		 "fld1\n fchs\n fidiv word [three]\n fstp qword [0x2020]\n"
		 "fnstsw ax\n hlt\n"
		 "a: dq 1.5\n b: dq 2.25\n c: dd 2.0\n i: dd 10\n three: dw 3");
	HLT_EXIT(fe_run(100));
	ck_assert(rd_double(0x2000) == 7.5);
	ck_assert_uint_eq(fe_rd(0x2008, 4), 3);
	ck_assert_uint_eq(fe_rd(0x2010, 4), 0x2168c235);
	ck_assert_uint_eq(fe_rd(0x2014, 4), 0xc90fdaa2);
	ck_assert_uint_eq(fe_rd(0x2018, 2), 0x4000);
	ck_assert(rd_double(0x2020) == -1.0 / 3.0);
	/* status after everything popped: TOP 0, PE (inexact) set */
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX] & 0x3800, 0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX] & 0x20, 0x20);
}
END_TEST

/* FCOM + FNSTSW AX; FCOMI/FUCOMI write ZF/PF/CF and clear OF/SF/AF;
 * FCMOVB follows CF. */
START_TEST(compare_and_flags)
{
	fe_flat();
	fe_asm32(FE_CODE,
		 "fninit\n fld1\n fldz\n fcom st1\n fnstsw ax\n mov esi, eax\n"   /* 0 < 1: C0 */
		 "push 0x8d5\n popf\n fcomi st0, st1\n pushf\n pop ebx\n"        /* CF=1 */
		 "fxch st1\n fcomi st0, st1\n pushf\n pop ecx\n"                  /* 1 > 0 */
		 "fstp st0\n fstp st0\n"
		 "fld dword [nan]\n fld1\n fucomi st0, st1\n pushf\n pop edx\n"   /* unordered */
		 "fstp st0\n fstp st0\n"
		 "fld1\n fldz\n stc\n fcmovb st0, st1\n fistp dword [0x2000]\n"  /* taken: 1 */
		 "fldz\n clc\n fcmovb st0, st1\n fistp dword [0x2004]\n hlt\n"     /* not: 0 */
		 "nan: dd 0x7fc00000");
	HLT_EXIT(fe_run(200));
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI] & 0x4500, 0x0100);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX] & (CPU_ARITH), CPU_CF);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX] & (CPU_ARITH), 0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX] & (CPU_ZF | CPU_PF | CPU_CF), CPU_ZF | CPU_PF | CPU_CF);
	ck_assert_uint_eq(fe_rd(0x2000, 4), 1);
	ck_assert_uint_eq(fe_rd(0x2004, 4), 0);
}
END_TEST

/* #NM: any ESC with EM or TS; WAIT only with TS and MP. */
START_TEST(device_not_available)
{
	static const uint32_t cr0s[] = { CPU_CR0_TS, CPU_CR0_EM, CPU_CR0_TS | CPU_CR0_MP };
	unsigned k;

	for (k = 0; k < 3; k++) {
		fe_flat();
		fe_c->cr0 |= cr0s[k];
		fe_wr(FE_MARK, 4, FE_NONE);
		fe_asm32(FE_CODE, "nop\n fld1\n hlt");
		HLT_EXIT(fe_run(100));
		ck_assert_uint_eq(fe_vec(), 7);
		ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP], 4), FE_CODE + 1);
		fe_c->cr0 &= ~(CPU_CR0_TS | CPU_CR0_EM | CPU_CR0_MP);
	}
	/* WAIT: TS alone or EM alone does not fault; TS+MP does. */
	fe_flat();
	fe_c->cr0 |= CPU_CR0_TS | CPU_CR0_EM;
	fe_wr(FE_MARK, 4, FE_NONE);
	fe_asm32(FE_CODE, "fwait\n mov eax, 1\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), FE_NONE);
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 1);
	fe_flat();
	fe_c->cr0 = (fe_c->cr0 & ~CPU_CR0_EM) | CPU_CR0_TS | CPU_CR0_MP;
	fe_asm32(FE_CODE, "fwait\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 7);
}
END_TEST

/* CR0.NE=1: an unmasked #Z is reported as #MF at the next waiting
 * instruction (FWAIT or ESC), not by the FDIV; FNSTSW does not wait. */
START_TEST(math_fault_ne)
{
	static const char *const src =
		"fninit\n fnstcw [0x2000]\n and word [0x2000], ~4\n fldcw [0x2000]\n"
		"fld1\n fldz\n fdivp st1, st0\n fnstsw ax\n mov ebx, 1\n w: %s\n hlt";
	static const char *const waiters[] = { "fwait", "fld1" };
	char text[512];
	unsigned k;

	for (k = 0; k < 2; k++) {
		fe_flat();
		fe_c->cr0 |= CPU_CR0_NE;
		fe_wr(FE_MARK, 4, FE_NONE);
		snprintf(text, sizeof(text), src, waiters[k]);
		fe_asm32(FE_CODE, text);
		HLT_EXIT(fe_run(100));
		ck_assert_uint_eq(fe_vec(), 16);
		ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 1);
		ck_assert_uint_eq(fe_c->gpr[CPU_EAX] & 0x84, 0x84);   /* ES, ZE */
		/* the faulting instruction did not run: TOP as FNSTSW saw it */
		ck_assert_uint_eq(x87_status(&fe_c->fpu) & 0x3800, fe_c->gpr[CPU_EAX] & 0x3800);
	}
}
END_TEST

static int ferr_levels[8], ferr_calls;

static void ferr_cb(void *opaque, int level)
{
	(void)opaque;
	if (ferr_calls < 8)
		ferr_levels[ferr_calls] = level;
	ferr_calls++;
}

/* CR0.NE=0: FERR# goes up at each waiting instruction, which runs anyway;
 * FNINIT and FNCLEX (ES clear afterwards) take it down. */
START_TEST(ferr_legacy)
{
	fe_flat();
	fe_c->env.ferr = ferr_cb;
	ferr_calls = 0;
	fe_asm32(FE_CODE,
		 "fninit\n fnstcw [0x2000]\n and word [0x2000], ~4\n fldcw [0x2000]\n"
		 "fld1\n fldz\n fdivp st1, st0\n fwait\n fld1\n fnstsw ax\n fnclex\n fnstsw [0x2008]\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), FE_NONE);
	ck_assert_int_eq(ferr_calls, 4);           /* FNINIT, FWAIT, FLD1, FNCLEX */
	ck_assert_int_eq(ferr_levels[0], 0);
	ck_assert_int_eq(ferr_levels[1], 1);
	ck_assert_int_eq(ferr_levels[2], 1);
	ck_assert_int_eq(ferr_levels[3], 0);
	/* the FDIVP with unmasked #Z did not pop (TOP 6); FLD1 ran (TOP 5) and
	 * ES stayed set */
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX] & 0x3884, (5u << 11) | 0x84);
	ck_assert_uint_eq(fe_rd(0x2008, 2) & 0x80ff, 0);
}
END_TEST

/* FNSTENV (32-bit protected-mode layout) after FLD m32 at a known place:
 * FIP, FCS, FOP, FDP, FDS. */
START_TEST(instruction_data_pointers)
{
	fe_flat();
	fe_wr(0x2400, 4, 0x3f800000);
	fe_asm32(FE_CODE, "fninit\n x: fld dword [0x2400]\n fnstenv [0x2100]\n fnop\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x2100 + 12, 4), FE_CODE + 2);           /* FIP */
	ck_assert_uint_eq(fe_rd(0x2100 + 16, 2), 0x08);                  /* FCS */
	ck_assert_uint_eq(fe_rd(0x2100 + 18, 2) & 0x7ff, 0x105);         /* D9 05 */
	ck_assert_uint_eq(fe_rd(0x2100 + 20, 4), 0x2400);                /* FDP */
	ck_assert_uint_eq(fe_rd(0x2100 + 24, 2), 0x10);                  /* FDS */
}
END_TEST

/* Memory operands that fault leave the FPU exactly as it was. */
START_TEST(memory_fault_restart)
{
	static const uint8_t fld[] = { 0xd9, 0x05, 0x00, 0x00, 0x20, 0x00 };   /* fld dword [0x200000] */
	static const uint8_t fstp[] = { 0xdd, 0x1d, 0xfc, 0x0f, 0x20, 0x00 };  /* fstp qword [0x200ffc] */
	static const uint8_t fnsave[] = { 0xdd, 0x35, 0xd0, 0x0f, 0x20, 0x00 }; /* fnsave [0x200fd0] */
	static const uint8_t fld1[] = { 0xd9, 0xe8 };
	struct x87 before;

	fe_flat();
	fe_paging();
	fe_unmap(0x200000);
	fe_unmap(0x201000);
	fe_wr(0x200ff0, 4, 0x12345678);
	ck_assert_int_eq(fe_exec1(fld1, sizeof(fld1)), -1);
	before = fe_c->fpu;
	ck_assert_int_eq(fe_exec1(fld, sizeof(fld)), CPU_PF_VEC);
	ck_assert(memcmp(&before, &fe_c->fpu, sizeof(before)) == 0);
	/* straddles into the not-present page: nothing written, ST0 kept */
	fe_wr(FE_PT + 4 * 0x200, 4, 0x200003);
	mmu_flush(&fe_c->mmu, true);
	ck_assert_int_eq(fe_exec1(fstp, sizeof(fstp)), CPU_PF_VEC);
	ck_assert_uint_eq(fe_c->cr2, 0x201000);
	ck_assert(memcmp(&before, &fe_c->fpu, sizeof(before)) == 0);
	ck_assert_uint_eq(fe_rd(0x200ffc, 4), 0);
	ck_assert_int_eq(fe_exec1(fnsave, sizeof(fnsave)), CPU_PF_VEC);
	ck_assert(memcmp(&before, &fe_c->fpu, sizeof(before)) == 0);   /* not reinitialised */
	ck_assert_uint_eq(fe_rd(0x200ff0, 4), 0x12345678);
}
END_TEST

START_TEST(invalid_encoding_ud)
{
	fe_flat();
	fe_asm32(FE_CODE, "nop\n db 0xd9, 0x08\n hlt");   /* D9 /1 with memory: reserved */
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 6);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP], 4), FE_CODE + 1);
}
END_TEST

static Suite *fpu_suite(void)
{
	Suite *s = suite_create("cpu_fpu");
	TCase *tc = tcase_create("fpu");

	tcase_add_checked_fixture(tc, fe_setup, fe_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, arith_through_memory);
	tcase_add_test(tc, compare_and_flags);
	tcase_add_test(tc, device_not_available);
	tcase_add_test(tc, math_fault_ne);
	tcase_add_test(tc, ferr_legacy);
	tcase_add_test(tc, instruction_data_pointers);
	tcase_add_test(tc, memory_fault_restart);
	tcase_add_test(tc, invalid_encoding_ud);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(fpu_suite());
}
