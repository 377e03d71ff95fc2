/* String instructions (string.c) through the translator: segment override
 * on the source only, 16-bit address-size wrap, REP with a zero count,
 * bounded REP batches that resume (and let an interrupt in between), a
 * page fault in the middle of a REP that the guest handler fixes and the
 * instruction finishing correctly, REP INS/OUTS, LODS, reads of
 * unassigned memory, a segment-limit fault that changes nothing. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "check_cpu_flow_env.h"
#include "check_run.h"

#define HLT_EXIT(r) ck_assert_int_eq((r), CPU_EXIT_REQUEST)

/* Real mode: a segment override picks the source; ES:DI stays the
 * destination even with an ES-less override. */
START_TEST(override_source_only)
{
	fe_real();
	fe_wr(0x1000 + 0x10, 1, 'd');     /* DS=0x100:0x10 */
	fe_wr(0x2000 + 0x10, 1, 'f');     /* FS=0x200:0x10 */
	fe_wr(0x3000 + 0x10, 1, 'e');     /* ES=0x300:0x10 */
	fe_asm16(FE_CODE + 0x800,
		 "mov ax, 0x100\n mov ds, ax\n mov ax, 0x200\n mov fs, ax\n mov ax, 0x300\n mov es, ax\n"
		 "mov si, 0x10\n mov di, 0x20\n movsb\n"
		 "mov si, 0x10\n fs movsb\n"
		 "mov si, 0x10\n es movsb\n"
		 "mov si, 0x10\n mov di, 0x10\n fs cmpsb\n setb bl\n hlt");
	fe_c->eip = FE_CODE + 0x800;
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x3020, 1), 'd');
	ck_assert_uint_eq(fe_rd(0x3021, 1), 'f');
	ck_assert_uint_eq(fe_rd(0x3022, 1), 'e');
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX] & 0xff, 0);   /* 'f' - 'e': no borrow */
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI] & 0xffff, 0x11);
}
END_TEST

/* a16 in 32-bit code: SI/DI/CX move and wrap in their low 16 bits. */
START_TEST(addr16_wrap)
{
	fe_flat();
	fe_wr(0xfffe, 2, 0x2211);
	fe_wr(0x0000, 2, 0x4433);
	fe_c->gpr[CPU_ESI] = 0x1234fffe;
	fe_c->gpr[CPU_EDI] = 0x56785000;
	fe_c->gpr[CPU_ECX] = 0xabcd0004;
	fe_asm32(FE_CODE, "a16 rep movsb\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x5000, 4), 0x44332211);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0x12340002);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x56785004);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0xabcd0000);

	/* DF=1 wraps downwards; a16 STOSW at DI=0 goes to 0xFFFE next. */
	fe_flat();
	fe_c->eflags |= CPU_DF;
	fe_c->gpr[CPU_EDI] = 0x77770000;
	fe_c->gpr[CPU_ECX] = 2;
	fe_c->gpr[CPU_EAX] = 0xbeef;
	fe_asm32(FE_CODE, "a16 rep stosw\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x0000, 2), 0xbeef);
	ck_assert_uint_eq(fe_rd(0xfffe, 2), 0xbeef);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x7777fffc);
}
END_TEST

/* REP with a zero count does nothing, flags included. */
START_TEST(rep_zero_count)
{
	fe_flat();
	fe_wr(0x5000, 4, 0x11111111);
	fe_c->gpr[CPU_ESI] = 0x6000;
	fe_c->gpr[CPU_EDI] = 0x5000;
	fe_c->gpr[CPU_ECX] = 0;
	fe_asm32(FE_CODE, "stc\n rep movsd\n rep stosd\n repe cmpsb\n repne scasb\n rep lodsd\n"
		 "setc bl\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x5000, 4), 0x11111111);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0x6000);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x5000);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX] & 0xff, 1);
}
END_TEST

/* A long REP runs in bounded batches: after one execution the count is
 * partly done and EIP is still at the instruction; it then completes. */
START_TEST(rep_batches_resume)
{
	uint32_t k;

	fe_flat();
	fe_c->gpr[CPU_EDI] = 0x100000;
	fe_c->gpr[CPU_ECX] = 100000;
	fe_c->gpr[CPU_EAX] = 0x5a;
	fe_asm32(FE_CODE, "rep stosb\n hlt");
	HLT_EXIT(fe_run(1));
	ck_assert_uint_eq(fe_c->eip, FE_CODE);
	ck_assert_uint_gt(fe_c->gpr[CPU_ECX], 0);
	ck_assert_uint_lt(fe_c->gpr[CPU_ECX], 100000);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x100000 + 100000 - fe_c->gpr[CPU_ECX]);
	HLT_EXIT(fe_run(0));
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0);
	ck_assert_uint_eq(fe_c->eip, FE_CODE + 3);
	for (k = 0; k < 100000; k += 997)
		ck_assert_uint_eq(fe_rd(0x100000 + k, 1), 0x5a);
	ck_assert_uint_eq(fe_rd(0x100000 + 99999, 1), 0x5a);
	ck_assert_uint_eq(fe_rd(0x100000 + 100000, 1), 0);
}
END_TEST

/* A long REP in the middle of a translation unit: the instructions before
 * it run once, the REP resumes batch after batch, the ones after it run
 * once it is done. */
START_TEST(rep_mid_tu)
{
	fe_flat();
	fe_c->gpr[CPU_EDI] = 0x100000;
	fe_c->gpr[CPU_ECX] = 20000;
	fe_c->gpr[CPU_EAX] = 0x77;
	fe_asm32(FE_CODE, "inc edx\n lodsb\n mov al, 0x77\n rep stosb\n inc esi\n stosb\n hlt");
	fe_c->gpr[CPU_ESI] = 0x3000;
	fe_c->gpr[CPU_EDX] = 0;
	HLT_EXIT(fe_run(1000));
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX], 1);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0x3002);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x100000 + 20001);
	ck_assert_uint_eq(fe_rd(0x100000 + 20000, 1), 0x77);
	ck_assert_uint_eq(fe_rd(0x100000 + 20001, 1), 0);
}
END_TEST

/* An interrupt raised while a long REP MOVSD runs is taken between
 * batches; its IRET resumes the copy, which ends complete. */
START_TEST(rep_interrupted)
{
	uint32_t k;

	fe_flat();
	/* vector 0x20: count, acknowledge, IRET */
	fe_asm32(0x2800, "inc dword [0x6400]\n iret");
	fe_wr(FE_IDT + 8 * 0x20, 4, 0x00080000u | 0x2800);
	fe_wr(FE_IDT + 8 * 0x20 + 4, 4, 0x8e00u);
	fe_c->idtr.limit = 0x21 * 8 - 1;
	for (k = 0; k < 0x10000; k += 4)
		fe_wr(0x200000 + k, 4, k * 7 + 1);
	fe_c->gpr[CPU_ESI] = 0x200000;
	fe_c->gpr[CPU_EDI] = 0x300000;
	fe_c->gpr[CPU_ECX] = 0x4000;
	fe_c->eflags |= CPU_IF;
	fe_asm32(FE_CODE, "rep movsd\n cli\n hlt");
	HLT_EXIT(fe_run(1));
	ck_assert_uint_eq(fe_c->eip, FE_CODE);
	fe_t.irq_vec = 0x20;
	cpu_set_irq(fe_c, 1);
	HLT_EXIT(fe_run(0));
	ck_assert_uint_eq(fe_rd(0x6400, 4), 1);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0);
	for (k = 0; k < 0x10000; k += 4)
		ck_assert_uint_eq(fe_rd(0x300000 + k, 4), k * 7 + 1);
}
END_TEST

/* TF single-steps a REP one iteration at a time: #DB with the REP's own
 * EIP as the return address and the count one lower. */
START_TEST(rep_single_step)
{
	fe_flat();
	fe_c->gpr[CPU_EDI] = 0x5000;
	fe_c->gpr[CPU_ECX] = 10;
	fe_c->gpr[CPU_EAX] = 0x33;
	fe_asm32(FE_CODE, "rep stosb\n hlt");
	cpu_set_flags(fe_c, CPU_TF, CPU_TF);
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 1);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP], 4), FE_CODE);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 9);
	ck_assert_uint_eq(fe_rd(0x5000, 1), 0x33);
	ck_assert_uint_eq(fe_rd(0x5001, 1), 0);
}
END_TEST

/* REP MOVSD running into a not-present page: #PF with ECX/EDI/CR2 at the
 * first unfinished element; the guest handler maps the page and IRETs,
 * and the REP finishes the copy. */
START_TEST(rep_page_fault_restart)
{
	uint32_t k;

	fe_flat();
	fe_paging();
	fe_unmap(0x205000);
	fe_asm32(0x2800, "mov [0x6100], ecx\n mov [0x6104], edi\n mov eax, cr2\n mov [0x6108], eax\n"
		 "mov dword [0x81000 + 0x205 * 4], 0x205003\n invlpg [0x205000]\n"
		 "inc dword [0x610c]\n add esp, 4\n iret");
	fe_wr(FE_IDT + 8 * 14, 4, 0x00080000u | 0x2800);
	for (k = 0; k < 0x400; k += 4)
		fe_wr(0x300000 + k, 4, 0xc0de0000u + k);
	fe_c->gpr[CPU_ESI] = 0x300000;
	fe_c->gpr[CPU_EDI] = 0x204f80;
	fe_c->gpr[CPU_ECX] = 0x100;
	fe_c->gpr[CPU_EAX] = 0;
	fe_asm32(FE_CODE, "rep movsd\n hlt");
	HLT_EXIT(fe_run(1000));
	ck_assert_uint_eq(fe_rd(0x610c, 4), 1);
	ck_assert_uint_eq(fe_rd(0x6100, 4), 0x100 - 0x20);
	ck_assert_uint_eq(fe_rd(0x6104, 4), 0x205000);
	ck_assert_uint_eq(fe_rd(0x6108, 4), 0x205000);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x204f80 + 0x400);
	for (k = 0; k < 0x400; k += 4)
		ck_assert_uint_eq(fe_rd(0x204f80 + k, 4), 0xc0de0000u + k);
}
END_TEST

/* A fault on the very first element (real-mode limit) changes nothing. */
START_TEST(limit_fault_changes_nothing)
{
	fe_real();
	fe_c->gpr[CPU_ESI] = 0x100;
	fe_c->gpr[CPU_EDI] = 0xffff;
	fe_c->gpr[CPU_ECX] = 3;
	fe_wr(0xffff, 1, 0x77);
	fe_asm16(FE_CODE, "rep movsw\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 13);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0x100);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0xffff);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 3);
	ck_assert_uint_eq(fe_rd(0xffff, 1), 0x77);
}
END_TEST

START_TEST(ins_outs_lods)
{
	fe_flat();
	fe_asm32(FE_CODE,
		 "mov esi, msg\n mov edx, 0xe9\n mov ecx, 5\n rep outsb\n"
		 "mov edi, 0x5000\n mov dx, 0x80\n mov ecx, 3\n rep insw\n"
		 "std\n mov edi, 0x6008\n mov ecx, 2\n rep insd\n cld\n"
		 "mov esi, msg\n lodsd\n mov ebx, eax\n mov ecx, 5\n mov esi, msg\n rep lodsb\n hlt\n"
		 "msg: db 'hello'");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_t.nout, 5);
	ck_assert(memcmp(fe_t.out, "hello", 5) == 0);
	ck_assert_uint_eq(fe_rd(0x5000, 4), 0xffffffff);
	ck_assert_uint_eq(fe_rd(0x5004, 2), 0xffff);
	ck_assert_uint_eq(fe_rd(0x5006, 2), 0);
	ck_assert_uint_eq(fe_rd(0x6004, 4), 0xffffffff);
	ck_assert_uint_eq(fe_rd(0x6008, 4), 0xffffffff);
	ck_assert_uint_eq(fe_rd(0x6003, 1), 0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x6000);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 0x6c6c6568);   /* "hell" */
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX] & 0xff, 'o');
}
END_TEST

/* Unassigned physical memory reads as all ones through REP MOVSD. */
START_TEST(movs_from_unassigned)
{
	fe_flat();
	fe_c->gpr[CPU_ESI] = 0x0f000000;       /* beyond the 16 MiB of RAM */
	fe_c->gpr[CPU_EDI] = 0x5000;
	fe_c->gpr[CPU_ECX] = 4;
	fe_asm32(FE_CODE, "rep movsd\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x5000, 4), 0xffffffff);
	ck_assert_uint_eq(fe_rd(0x500c, 4), 0xffffffff);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0x0f000010);
}
END_TEST

/* REPE CMPSD / REPNE SCASW stop conditions and their flags. */
START_TEST(cmps_scas_termination)
{
	fe_flat();
	fe_asm32(FE_CODE,
		 "mov esi, a\n mov edi, b\n mov ecx, 4\n repe cmpsd\n pushf\n pop ebx\n mov ebp, ecx\n"
		 "mov edi, a\n mov ax, 7\n mov ecx, 8\n repne scasw\n pushf\n pop edx\n"
		 "mov esi, ecx\n hlt\n"
		 "a: dd 1, 2, 3, 4\n b: dd 1, 2, 5, 4");
	HLT_EXIT(fe_run(100));
	/* stops after the third (3 - 5: borrow, negative), ECX = 1 */
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], 1);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX] & (CPU_ZF | CPU_CF | CPU_SF), CPU_CF | CPU_SF);
	/* no word equals 7: runs out, ZF=0, ECX=0 */
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX] & CPU_ZF, 0);
}
END_TEST

static Suite *string_suite(void)
{
	Suite *s = suite_create("cpu_string");
	TCase *tc = tcase_create("string");

	tcase_add_checked_fixture(tc, fe_setup, fe_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, override_source_only);
	tcase_add_test(tc, addr16_wrap);
	tcase_add_test(tc, rep_zero_count);
	tcase_add_test(tc, rep_batches_resume);
	tcase_add_test(tc, rep_mid_tu);
	tcase_add_test(tc, rep_interrupted);
	tcase_add_test(tc, rep_single_step);
	tcase_add_test(tc, rep_page_fault_restart);
	tcase_add_test(tc, limit_fault_changes_nothing);
	tcase_add_test(tc, ins_outs_lods);
	tcase_add_test(tc, movs_from_unassigned);
	tcase_add_test(tc, cmps_scas_termination);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(string_suite());
}
