/* Near control flow (flow.c), stack instructions (stack.c) and port I/O
 * (io.c) through the translator: Jcc for every condition, 16-bit target
 * wrap and CS-limit #GP, CALL/RET forms, LOOPcc/JCXZ by address size,
 * INT n/INT3/INTO/INT1, BOUND, ENTER/LEAVE, PUSH/POP forms, PUSHA/POPA with
 * precise faults, IN/OUT and the TSS I/O permission bitmap. */
#include "config.h"

#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "check_cpu_flow_env.h"
#include "check_run.h"

#define HLT_EXIT(r) ck_assert_int_eq((r), CPU_EXIT_REQUEST)

/* The architectural meaning of condition cc for EFLAGS value f. */
static bool ref_cond(unsigned cc, uint32_t f)
{
	bool cf = f & CPU_CF, zf = f & CPU_ZF, sf = f & CPU_SF, of = f & CPU_OF, pf = f & CPU_PF;
	bool r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return (cc & 1) ? !r : r;
}

/* Every Jcc, short and near, under 32 flag combinations. */
START_TEST(jcc_all_conditions)
{
	static const uint32_t bits[5] = { CPU_CF, CPU_ZF, CPU_SF, CPU_OF, CPU_PF };
	unsigned cc, combo, form;

	for (form = 0; form < 2; form++)
		for (cc = 0; cc < 16; cc++)
			for (combo = 0; combo < 32; combo++) {
				uint32_t fl = 0x2;
				uint8_t code[32];
				unsigned n = 0, k;

				for (k = 0; k < 5; k++)
					if (combo & (1u << k))
						fl |= bits[k];
				code[n++] = 0x68;                    /* push imm32 */
				memcpy(code + n, &fl, 4);
				n += 4;
				code[n++] = 0x9d;                    /* popf */
				if (form == 0) {
					code[n++] = (uint8_t)(0x70 + cc);
					code[n++] = 6;
				} else {
					code[n++] = 0x0f;
					code[n++] = (uint8_t)(0x80 + cc);
					code[n++] = 6, code[n++] = 0, code[n++] = 0, code[n++] = 0;
				}
				/* mov eax,1 ; hlt ; mov eax,2 ; hlt */
				memcpy(code + n, "\xb8\x01\x00\x00\x00\xf4\xb8\x02\x00\x00\x00\xf4", 12);
				n += 12;
				fe_flat();
				fe_load(FE_CODE, code, n);
				HLT_EXIT(fe_run(100));
				ck_assert_msg(fe_c->gpr[CPU_EAX] == (ref_cond(cc, fl) ? 2u : 1u),
					      "form %u cc %u flags %#x", form, cc, fl);
			}
}
END_TEST

/* Real mode: a 16-bit target wraps at 64 KiB; a 32-bit operand size
 * target beyond the 64 KiB limit is #GP(0). */
START_TEST(branch_16bit_wrap_and_limit)
{
	fe_real();
	/* CS=0x1000 so the code at IP 0xFFF0 is at linear 0x1FFF0. */
	fe_c->seg[CPU_CS].sel = 0x1000;
	fe_c->seg[CPU_CS].base = 0x10000;
	fe_c->eip = 0xfff0;
	fe_asm16(0x1fff0, "jmp near $+0x23");          /* E9 20 00 -> 0x10013 & 0xffff */
	fe_asm16(0x10013, "mov ax, 0x1234\nhlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX] & 0xffff, 0x1234);
	ck_assert_uint_eq(fe_c->eip, 0x13 + 4);
	ck_assert_uint_eq(fe_vec(), FE_NONE);

	/* Backwards across 0: JMP short at IP 2 to IP 0xFFF4. */
	fe_c->eip = 0x0002;
	fe_asm16(0x10002, "db 0xeb, 0xf0");
	fe_asm16(0x1fff4, "mov bx, 0x77\nhlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX] & 0xffff, 0x77);

	/* o32 jmp near with a target beyond the limit: #GP at the JMP. */
	fe_c->eip = 0xfff0;
	fe_asm16(0x1fff0, "db 0x66, 0xe9\ndd 0x20");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 13);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP] & 0xffff, 2), 0xfff0);   /* pushed IP */
}
END_TEST

/* Protected mode with a 0x1FFF CS limit: JMP/CALL/Jcc beyond it fault
 * before anything changes (CALL pushes nothing). */
START_TEST(branch_cs_limit_gp)
{
	static const char *const srcs[] = {
		"jmp 0x2100", "call 0x2100", "xor eax, eax\njz 0x2100", "mov eax, 0x2100\njmp eax",
		"mov eax, 0x2100\ncall eax", "push 0x2100\nret",
	};
	unsigned k;

	for (k = 0; k < sizeof(srcs) / sizeof(srcs[0]); k++) {
		fe_flat();
		fe_c->seg[CPU_CS].limit = 0x1fff;
		cpu_seg_cache(fe_c, CPU_CS);
		fe_wr(FE_MARK, 4, FE_NONE);
		fe_asm32(FE_CODE, srcs[k]);
		HLT_EXIT(fe_run(100));
		ck_assert_msg(fe_vec() == 13, "%s: vector %#x", srcs[k], fe_vec());
		/* error code 0; ESP = start - 16 (err, EIP, CS, EFLAGS), plus
		 * the PUSH of the RET case. */
		ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP], 4), 0);
		ck_assert_uint_eq(fe_c->gpr[CPU_ESP], 0x70000 - 16 - (k == 5 ? 4 : 0));
	}
}
END_TEST

START_TEST(call_ret_forms)
{
	fe_flat();
	fe_asm32(FE_CODE,
		 "push 0x11\n push 0x22\n call f\n mov ebx, esp\n"   /* RET 8 pops the args */
		 "mov eax, g\n call eax\n mov esi, eax\n"
		 "mov dword [0x2000], h\n call [0x2000]\n mov edi, eax\n"
		 "jmp [jt]\n hlt\n"
		 "jt: dd k\n"
		 "f: mov eax, [esp+4]\n add eax, [esp+8]\n mov edx, eax\n ret 8\n"
		 "g: mov eax, 0x6666\n ret\n"
		 "h: mov eax, [esp]\n ret\n"
		 "k: o16 call w\n mov ebp, esp\n hlt\n"
		 "w: movzx ecx, word [esp]\n o16 ret\n");
	HLT_EXIT(fe_run(1000));
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX], 0x33);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 0x70000);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0x6666);
	/* CALL [mem] pushed the address of the next instruction. */
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], fe_c->gpr[CPU_EDI] & 0xffff);
	ck_assert_uint_gt(fe_c->gpr[CPU_EDI], FE_CODE);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], 0x70000);
	/* o16 CALL pushed a 16-bit return address */
	ck_assert_uint_gt(fe_c->gpr[CPU_ECX], FE_CODE);
	ck_assert_uint_lt(fe_c->gpr[CPU_ECX], 0x1100);
}
END_TEST

/* LOOP/LOOPE/LOOPNE/JCXZ count CX with a 16-bit address size, ECX with
 * 32; LOOP does not touch the flags. */
START_TEST(loop_jcxz_address_size)
{
	fe_flat();
	fe_asm32(FE_CODE,
		 "mov ecx, 0x00010001\n loop t1, cx\n mov eax, ecx\n jmp n1\n t1: mov eax, 0xbad\n"
		 "n1: mov ecx, 0x00010001\n loop t2, ecx\n mov ebx, 0xbad\n jmp n2\n t2: mov ebx, ecx\n"
		 "n2: mov ecx, 0x00010000\n jcxz t3\n mov edx, 0xbad\n jmp n3\n t3: mov edx, 1\n"
		 "n3: jecxz t4\n mov esi, 2\n jmp n4\n t4: mov esi, 0xbad\n"
		 "n4: mov ecx, 5\n xor edi, edi\n l5: inc edi\n cmp edi, 3\n loopne l5\n"
		 "mov ebp, ecx\n"
		 "mov ecx, 9\n stc\n l6: loop l6\n setc byte [0x2000]\n hlt\n");
	HLT_EXIT(fe_run(1000));
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 0x00010000);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 0x00010000);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX], 1);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 2);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 3);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], 2);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0);
	ck_assert_uint_eq(fe_rd(0x2000, 1), 1);
}
END_TEST

/* LOOP in 16-bit code whose target is beyond CS limit: #GP, CX kept. */
START_TEST(loop_limit_keeps_count)
{
	fe_real();
	fe_c->seg[CPU_CS].limit = 0x3fff;     /* the stubs at 0x3000 stay inside */
	cpu_seg_cache(fe_c, CPU_CS);
	fe_c->gpr[CPU_ECX] = 7;
	fe_c->eip = 0x3fc0;
	fe_asm16(0x3fc0, "loop $+0x50");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 13);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 7);
}
END_TEST

/* Real mode INT n, INT3, INTO (OF clear: nothing; set: vector 4), INT1:
 * the IVT handler sees the return address of the next instruction. */
START_TEST(int_real_mode)
{
	fe_real();
	fe_wr(0x80 * 4, 4, 0x2000);
	fe_asm16(0x2000, "mov bp, sp\n mov ax, [bp]\n add ax, 0x1000\n iret");
	fe_asm16(FE_CODE, "int 0x80\n x: mov bx, ax\n"
		 "mov al, 0x7f\n add al, 0\n into\n add al, 1\n into\n y: hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX] & 0xffff, 0x1000 + FE_CODE + 2);
	ck_assert_uint_eq(fe_vec(), 4);
	/* pushed IP = after the second INTO */
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP] & 0xffff, 2), FE_CODE + 2 + 2 + 2 + 2 + 1 + 2 + 1);

	fe_real();
	fe_wr(FE_MARK, 4, FE_NONE);
	fe_asm16(FE_CODE, "nop\n int3\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 3);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP] & 0xffff, 2), FE_CODE + 2);

	fe_real();
	fe_wr(FE_MARK, 4, FE_NONE);
	fe_asm16(FE_CODE, "db 0xf1\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 1);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP] & 0xffff, 2), FE_CODE + 1);
}
END_TEST

/* Protected mode: INT3 and INTO push the next EIP; BOUND faults with the
 * BOUND's own EIP; BOUND with a register operand is #UD. */
START_TEST(int_bound_protected)
{
	fe_flat();
	fe_asm32(FE_CODE, "nop\n int3\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 3);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP], 4), FE_CODE + 2);

	fe_flat();
	fe_wr(FE_MARK, 4, FE_NONE);
	fe_wr(0x2000, 4, (uint32_t)-5);
	fe_wr(0x2004, 4, 10);
	fe_asm32(FE_CODE, "mov eax, -5\n bound eax, [0x2000]\n mov eax, 10\n bound eax, [0x2000]\n"
		 "mov esi, 1\n mov eax, 11\n b: bound eax, [0x2000]\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 5);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 1);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP], 4), FE_CODE + 5 + 6 + 5 + 6 + 5 + 5);

	/* 16-bit bounds (o16) compare signed words. */
	fe_flat();
	fe_wr(FE_MARK, 4, FE_NONE);
	fe_wr(0x2000, 2, 0xfff0);   /* -16 */
	fe_wr(0x2002, 2, 0x0010);
	fe_asm32(FE_CODE, "mov eax, 0x7ffffff0\n o16 bound ax, [0x2000]\n mov ebx, 1\n"
		 "mov ax, 0x11\n o16 bound ax, [0x2000]\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 1);
	ck_assert_uint_eq(fe_vec(), 5);

	fe_flat();
	fe_wr(FE_MARK, 4, FE_NONE);
	fe_asm32(FE_CODE, "db 0x62, 0xc0\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_vec(), 6);
	ck_assert_uint_eq(fe_rd(fe_c->gpr[CPU_ESP], 4), FE_CODE);
}
END_TEST

/* ENTER with nesting levels 0, 1, 3 (32-bit) and 2 (16-bit operand size):
 * frame layout, EBP and ESP; LEAVE undoes it. */
START_TEST(enter_leave_nesting)
{
	uint32_t sp0 = 0x70000, bp0 = 0x6f000, frame;

	fe_flat();
	fe_wr(bp0 - 4, 4, 0xaaaa0001);
	fe_wr(bp0 - 8, 4, 0xaaaa0002);
	fe_asm32(FE_CODE, "mov ebp, 0x6f000\n enter 0x10, 0\n mov eax, ebp\n mov ebx, esp\n leave\n"
		 "mov ecx, ebp\n mov edx, esp\n"
		 "enter 8, 3\n mov esi, ebp\n mov edi, esp\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], sp0 - 4);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], sp0 - 4 - 0x10);
	ck_assert_uint_eq(fe_rd(sp0 - 4, 4), bp0);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], bp0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX], sp0);
	/* level 3: old EBP, [EBP-4], [EBP-8], the new frame pointer, 8 bytes */
	frame = sp0 - 4;
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], frame);
	ck_assert_uint_eq(fe_rd(frame, 4), bp0);
	ck_assert_uint_eq(fe_rd(frame - 4, 4), 0xaaaa0001);
	ck_assert_uint_eq(fe_rd(frame - 8, 4), 0xaaaa0002);
	ck_assert_uint_eq(fe_rd(frame - 12, 4), frame);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], frame - 12 - 8);

	/* level 1: no copies, just the frame pointer pushed again */
	fe_flat();
	fe_asm32(FE_CODE, "mov ebp, 0x6f000\n enter 0, 1\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], sp0 - 4);
	ck_assert_uint_eq(fe_rd(sp0 - 8, 4), sp0 - 4);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESP], sp0 - 8);

	/* o16 ENTER 4, 2 on the 32-bit stack: word pushes, the copy read at
	 * EBP-2 (the stack size picks EBP), only BP written. */
	fe_flat();
	fe_wr(bp0 - 2, 2, 0xbeef);
	fe_asm32(FE_CODE, "mov ebp, 0x6f000\n o16 enter 4, 2\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(sp0 - 2, 2), 0xf000);
	ck_assert_uint_eq(fe_rd(sp0 - 4, 2), 0xbeef);
	ck_assert_uint_eq(fe_rd(sp0 - 6, 2), (sp0 - 2) & 0xffff);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], 0x00060000u | ((sp0 - 2) & 0xffff));
	ck_assert_uint_eq(fe_c->gpr[CPU_ESP], sp0 - 6 - 4);
}
END_TEST

/* A fault in ENTER's frame copy leaves EBP and ESP unchanged. */
START_TEST(enter_fault_precise)
{
	static const uint8_t enter[] = { 0xc8, 0x00, 0x00, 0x02 };   /* enter 0, 2 */

	fe_flat();
	fe_paging();
	fe_unmap(0x200000);
	fe_c->gpr[CPU_EBP] = 0x200004;      /* copies [EBP-4] = 0x200000: not present */
	ck_assert_int_eq(fe_exec1(enter, sizeof(enter)), CPU_PF_VEC);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], 0x200004);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESP], 0x70000);
	ck_assert_uint_eq(fe_c->cr2, 0x200000);
}
END_TEST

START_TEST(push_pop_forms)
{
	fe_flat();
	fe_wr(0x2000, 4, 0xcafef00d);
	fe_asm32(FE_CODE,
		 "push esp\n pop eax\n"                 /* the value before the push */
		 "push byte -2\n pop ebx\n"             /* 6A: sign-extended */
		 "o16 push word 0x1234\n mov ecx, esp\n o16 pop dx\n"
		 "push dword [0x2000]\n pop esi\n"
		 "push 0xaaaa\n push 0xbbbb\n pop dword [esp+4]\n mov edi, esp\n"  /* EA after pop */
		 "pop ebp\n"
		 "push 0x12345678\n pop esp\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 0x70000);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 0xfffffffe);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0x70000 - 2);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX] & 0xffff, 0x1234);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0xcafef00d);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x70000 - 4);
	/* POP [ESP+4] stored 0xBBBB at (ESP after the pop) + 4 = 0x70000 */
	ck_assert_uint_eq(fe_rd(0x70000, 4), 0xbbbb);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], 0xaaaa);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESP], 0x12345678);
}
END_TEST

/* POP r/m whose store faults leaves ESP unchanged. */
START_TEST(pop_rm_fault_precise)
{
	static const uint8_t pop_mem[] = { 0x8f, 0x05, 0x00, 0x00, 0x20, 0x00 };  /* pop [0x200000] */

	fe_flat();
	fe_paging();
	fe_unmap(0x200000);
	fe_c->gpr[CPU_ESP] = 0x6fff0;
	ck_assert_int_eq(fe_exec1(pop_mem, sizeof(pop_mem)), CPU_PF_VEC);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESP], 0x6fff0);
	ck_assert_uint_eq(fe_c->exc_err, MMU_PF_W);
}
END_TEST

START_TEST(pusha_popa)
{
	fe_flat();
	fe_asm32(FE_CODE,
		 "mov eax, 1\n mov ecx, 2\n mov edx, 3\n mov ebx, 4\n mov ebp, 6\n mov esi, 7\n"
		 "mov edi, 8\n pushad\n mov [0x2000], esp\n"
		 "add dword [esp+12], 0x100\n"          /* the saved ESP slot: ignored by POPA */
		 "xor eax, eax\n xor ecx, ecx\n xor edx, edx\n xor ebx, ebx\n xor ebp, ebp\n"
		 "xor esi, esi\n xor edi, edi\n popad\n"
		 "mov esp, 0x60000\n o16 pusha\n mov [0x2004], esp\n o16 popa\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x2000, 4), 0x70000 - 32);
	ck_assert_uint_eq(fe_rd(0x70000 - 4, 4), 1);     /* EAX first */
	ck_assert_uint_eq(fe_rd(0x70000 - 20, 4), 0x70000 + 0x100);   /* ESP slot */
	ck_assert_uint_eq(fe_rd(0x70000 - 32, 4), 8);    /* EDI last */
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 1);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 2);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDX], 3);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 4);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBP], 6);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 7);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 8);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESP], 0x60000);
	ck_assert_uint_eq(fe_rd(0x2004, 4), 0x60000 - 16);
	ck_assert_uint_eq(fe_rd(0x60000 - 2, 2), 1);     /* o16: AX first */
	ck_assert_uint_eq(fe_rd(0x60000 - 8, 2), 4);     /* BX */
}
END_TEST

/* PUSHA whose range reaches a not-present page: #PF before any write, ESP
 * unchanged; POPA reading from one: no register changes. */
START_TEST(pusha_popa_fault_precise)
{
	static const uint8_t pusha[] = { 0x60 }, popa[] = { 0x61 };
	unsigned r;

	fe_flat();
	fe_paging();
	fe_unmap(0x1ff000);
	fe_wr(0x200000, 4, 0x5a5a5a5a);
	for (r = 0; r < 8; r++)
		fe_c->gpr[r] = 0x100 + r;
	fe_c->gpr[CPU_ESP] = 0x200010;       /* needs 0x1FFFF0..0x20000F */
	ck_assert_int_eq(fe_exec1(pusha, 1), CPU_PF_VEC);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESP], 0x200010);
	ck_assert_uint_eq(fe_rd(0x200000, 4), 0x5a5a5a5a);
	ck_assert_uint_eq(fe_c->cr2, 0x1ffff0);

	fe_unmap(0x201000);
	fe_c->gpr[CPU_ESP] = 0x200ff0;       /* reads 0x200FF0..0x20100F */
	ck_assert_int_eq(fe_exec1(popa, 1), CPU_PF_VEC);
	for (r = 0; r < 8; r++)
		ck_assert_uint_eq(fe_c->gpr[r], r == CPU_ESP ? 0x200ff0 : 0x100 + r);
}
END_TEST

/* IN/OUT forms: debug port output, unclaimed input all ones, sizes. */
START_TEST(in_out_forms)
{
	fe_flat();
	fe_asm32(FE_CODE, "mov al, 'o'\n out 0xe9, al\n mov dx, 0xe9\n mov al, 'k'\n out dx, al\n"
		 "mov eax, 0x12345678\n in al, 0x80\n mov ebx, eax\n"
		 "mov eax, 0x12345678\n in ax, 0x80\n mov ecx, eax\n"
		 "mov dx, 0x80\n xor eax, eax\n in eax, dx\n mov esi, eax\n"
		 "mov eax, 0x12345678\n o16 in ax, dx\n mov edi, eax\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_t.nout, 2);
	ck_assert(memcmp(fe_t.out, "ok", 2) == 0);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 0x123456ff);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 0x1234ffff);
	ck_assert_uint_eq(fe_c->gpr[CPU_ESI], 0xffffffff);
	ck_assert_uint_eq(fe_c->gpr[CPU_EDI], 0x1234ffff);
}
END_TEST

/* cpu_check_io: raises #GP(0) or returns. */
static int io_try(uint16_t port, unsigned size)
{
	if (sigsetjmp(fe_c->exc_jmp, 0))
		return (int)fe_c->exc_vec;
	cpu_check_io(fe_c, port, size);
	return -1;
}

#define TSS 0x9000u
#define TSS_MAP 0x68u

/* A 32-bit TSS at 0x9000 whose bitmap covers ports 0..0x3FF (128 bytes):
 * everything denied except 0x60-0x67 and 0x3F8-0x3FF, then the all-ones
 * terminator byte the two-byte bitmap read needs; limit ends the TSS. */
static void io_tss(uint32_t limit, unsigned type)
{
	unsigned k;

	fe_wr(TSS + 0x66, 2, TSS_MAP);
	for (k = 0; k < 128; k++)
		fe_wr(TSS + TSS_MAP + k, 1, 0xff);
	fe_wr(TSS + TSS_MAP + 0x60 / 8, 1, 0);
	fe_wr(TSS + TSS_MAP + 0x3f8 / 8, 1, 0);
	fe_wr(TSS + TSS_MAP + 128, 1, 0xff);
	fe_c->seg[CPU_TR].sel = 0x28;
	fe_c->seg[CPU_TR].base = TSS;
	fe_c->seg[CPU_TR].limit = limit;
	fe_c->seg[CPU_TR].attr = (uint16_t)(CPU_ATTR_P | type);
}

START_TEST(io_permission_bitmap)
{
	fe_flat();
	io_tss(TSS_MAP + 128, 11);
	/* CPL 0 <= IOPL 0: always allowed, no bitmap. */
	ck_assert_int_eq(io_try(0x20, 1), -1);
	fe_c->cpl = 3;
	ck_assert_int_eq(io_try(0x60, 1), -1);
	ck_assert_int_eq(io_try(0x64, 4), -1);
	ck_assert_int_eq(io_try(0x66, 4), CPU_GP);    /* 0x68, 0x69 denied */
	ck_assert_int_eq(io_try(0x20, 1), CPU_GP);
	ck_assert_int_eq(io_try(0x3f8, 2), -1);
	ck_assert_int_eq(io_try(0x3ff, 1), -1);
	ck_assert_int_eq(io_try(0x3ff, 2), CPU_GP);   /* 0x400: the terminator's bit */
	ck_assert_int_eq(fe_c->exc_err, 0);
	ck_assert_int_eq(io_try(0x8000, 1), CPU_GP);
	/* IOPL 3 lets CPL 3 through. */
	fe_c->eflags |= CPU_IOPL;
	ck_assert_int_eq(io_try(0x20, 1), -1);
	/* V86 checks the bitmap whatever IOPL says. */
	fe_c->eflags |= CPU_VM;
	ck_assert_int_eq(io_try(0x20, 1), CPU_GP);
	ck_assert_int_eq(io_try(0x61, 1), -1);
	fe_c->eflags &= ~(CPU_VM | CPU_IOPL);
	/* A 16-bit TSS has no bitmap; a TSS limit below 0x67 is invalid. */
	io_tss(TSS_MAP + 128, 3);
	ck_assert_int_eq(io_try(0x60, 1), CPU_GP);
	io_tss(0x60, 11);
	ck_assert_int_eq(io_try(0x60, 1), CPU_GP);
	/* The bitmap's last byte without the terminator inside the limit:
	 * the two-byte read crosses the limit. */
	io_tss(TSS_MAP + 127, 11);
	ck_assert_int_eq(io_try(0x3f8, 1), CPU_GP);
	io_tss(TSS_MAP + 128, 11);
	ck_assert_int_eq(io_try(0x3f8, 1), -1);
	/* Real mode never checks. */
	fe_c->cr0 &= ~CPU_CR0_PE;
	ck_assert_int_eq(io_try(0x20, 1), -1);
}
END_TEST

/* IN/OUT/INS/OUTS at CPL 3 with a denying bitmap: #GP(0), no access. */
START_TEST(io_insns_fault_at_cpl3)
{
	static const uint8_t out[] = { 0xe6, 0xe9 }, in[] = { 0xec }, outs[] = { 0x6e },
		ins[] = { 0xf3, 0x6c }, ok[] = { 0xe6, 0x60 };

	fe_flat();
	io_tss(TSS_MAP + 128, 11);
	fe_c->cpl = 3;
	fe_c->gpr[CPU_EDX] = 0x3f0;
	fe_c->gpr[CPU_ECX] = 4;
	fe_c->gpr[CPU_EAX] = 0x11223344;
	ck_assert_int_eq(fe_exec1(out, sizeof(out)), CPU_GP);
	ck_assert_uint_eq(fe_t.nout, 0);
	ck_assert_int_eq(fe_exec1(in, sizeof(in)), CPU_GP);
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 0x11223344);
	ck_assert_int_eq(fe_exec1(outs, sizeof(outs)), CPU_GP);
	ck_assert_int_eq(fe_exec1(ins, sizeof(ins)), CPU_GP);
	ck_assert_uint_eq(fe_c->gpr[CPU_ECX], 4);
	ck_assert_int_eq(fe_exec1(ok, sizeof(ok)), -1);
}
END_TEST

/* A write from outside the CPU (DMA, a loader) into a page holding
 * translated code lands, whether or not it overlaps a TU, and the code
 * written is what runs next. */
START_TEST(code_page_external_write)
{
	uint8_t data[4] = { 1, 2, 3, 4 };

	fe_flat();
	fe_asm32(FE_CODE, "mov eax, 1\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 1);
	cpu_test_load(&fe_t, FE_CODE + 0x800, data, sizeof(data));   /* same page, no TU */
	ck_assert_uint_eq(fe_rd(FE_CODE + 0x800, 4), 0x04030201);
	cpu_test_load(&fe_t, FE_CODE + 1, data, 1);                  /* the MOV's immediate */
	ck_assert_uint_eq(fe_rd(FE_CODE + 1, 1), 1);
	fe_c->eip = FE_CODE;
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 1);
	data[0] = 9;
	cpu_test_load(&fe_t, FE_CODE + 1, data, 1);
	fe_c->eip = FE_CODE;
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX], 9);
}
END_TEST

/* Guest stores next to cached code (data sharing the page) and into the
 * next instruction of the running TU both take effect. */
START_TEST(code_page_guest_write)
{
	fe_flat();
	fe_asm32(FE_CODE, "mov dword [0x1800], 0x11223344\n mov byte [p + 1], 42\n"
		 "p: mov al, 7\n mov ebx, [0x1800]\n hlt");
	HLT_EXIT(fe_run(100));
	ck_assert_uint_eq(fe_rd(0x1800, 4), 0x11223344);
	ck_assert_uint_eq(fe_c->gpr[CPU_EBX], 0x11223344);
	ck_assert_uint_eq(fe_c->gpr[CPU_EAX] & 0xff, 42);
}
END_TEST

static Suite *flow_suite(void)
{
	Suite *s = suite_create("cpu_flow");
	TCase *tc = tcase_create("flow");

	tcase_add_checked_fixture(tc, fe_setup, fe_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, jcc_all_conditions);
	tcase_add_test(tc, branch_16bit_wrap_and_limit);
	tcase_add_test(tc, branch_cs_limit_gp);
	tcase_add_test(tc, call_ret_forms);
	tcase_add_test(tc, loop_jcxz_address_size);
	tcase_add_test(tc, loop_limit_keeps_count);
	tcase_add_test(tc, int_real_mode);
	tcase_add_test(tc, int_bound_protected);
	tcase_add_test(tc, enter_leave_nesting);
	tcase_add_test(tc, enter_fault_precise);
	suite_add_tcase(s, tc);

	tc = tcase_create("stack");
	tcase_add_checked_fixture(tc, fe_setup, fe_teardown);
	tcase_add_test(tc, push_pop_forms);
	tcase_add_test(tc, pop_rm_fault_precise);
	tcase_add_test(tc, pusha_popa);
	tcase_add_test(tc, pusha_popa_fault_precise);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, fe_setup, fe_teardown);
	tcase_add_test(tc, in_out_forms);
	tcase_add_test(tc, io_permission_bitmap);
	tcase_add_test(tc, io_insns_fault_at_cpl3);
	suite_add_tcase(s, tc);

	tc = tcase_create("smc");
	tcase_add_checked_fixture(tc, fe_setup, fe_teardown);
	tcase_add_test(tc, code_page_external_write);
	tcase_add_test(tc, code_page_guest_write);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(flow_suite());
}
