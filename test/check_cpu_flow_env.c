/* Shared fixtures of the "flow" group's CPU suites (see check_cpu_flow_env.h). */
#include "config.h"

#include <check.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "check_cpu_flow_env.h"

struct cpu_test fe_t;
struct cpu *fe_c;

void fe_setup(void)
{
	ck_assert_int_eq(cpu_test_init(&fe_t, 16u << 20), 0);
	fe_c = fe_t.cpu;
	cpu_decode_init();
	fe_wr(FE_MARK, 4, FE_NONE);
}

void fe_teardown(void)
{
	cpu_test_fini(&fe_t);
	fe_c = NULL;
}

/* Every test case starts with an empty TU cache, so loading code never
 * depends on how the translator handles writes to pages it has code from
 * (the "smc" tests and the guest programs cover that). */
void fe_load(uint32_t gpa, const void *bytes, unsigned len)
{
	cpu_tc_flush(fe_c);
	cpu_test_load(&fe_t, gpa, bytes, len);
}

static void fe_asm(uint32_t gpa, unsigned bits, const char *src)
{
	static char text[65536];
	static uint8_t bin[65536];
	long n;

	snprintf(text, sizeof(text), "bits %u\norg 0x%x\n%s\n", bits, gpa, src);
	n = cpu_test_nasm(text, bin, sizeof(bin));
	ck_assert_msg(n > 0, "nasm failed on:\n%s", text);
	fe_load(gpa, bin, (unsigned)n);
}

void fe_asm16(uint32_t gpa, const char *src) { fe_asm(gpa, 16, src); }
void fe_asm32(uint32_t gpa, const char *src) { fe_asm(gpa, 32, src); }

uint32_t fe_rd(uint32_t gpa, unsigned size)
{
	return pmap_read(fe_t.pm, gpa, size);
}

void fe_wr(uint32_t gpa, unsigned size, uint32_t v)
{
	pmap_write(fe_t.pm, gpa, size, v);
}

uint32_t fe_vec(void)
{
	return fe_rd(FE_MARK, 4);
}

enum cpu_exit fe_run(uint64_t max_insns)
{
	fe_c->halted = false;   /* every run starts afresh, not from the last HLT */
	return cpu_test_run(&fe_t, max_insns);
}

void fe_flat(void)
{
	static const uint32_t gdt[6] = { 0, 0, 0x0000ffff, 0x00cf9a00, 0x0000ffff, 0x00cf9200 };
	unsigned v, k;

	cpu_test_flat(&fe_t, FE_CODE);
	for (k = 0; k < 6; k++)
		fe_wr(FE_GDT + 4 * k, 4, gdt[k]);
	for (v = 0; v < 32; v++) {
		uint32_t stub = FE_STUBS + 16 * v;
		/* mov dword [FE_MARK], v ; hlt */
		uint8_t code[11] = { 0xc7, 0x05, FE_MARK & 0xff, FE_MARK >> 8, 0, 0, (uint8_t)v, 0, 0, 0,
				     0xf4 };

		fe_load(stub, code, sizeof(code));
		fe_wr(FE_IDT + 8 * v, 4, 0x00080000u | (stub & 0xffff));
		fe_wr(FE_IDT + 8 * v + 4, 4, (stub & 0xffff0000u) | 0x8e00u);
	}
	fe_c->gdtr.base = FE_GDT;
	fe_c->gdtr.limit = 23;
	fe_c->idtr.base = FE_IDT;
	fe_c->idtr.limit = 32 * 8 - 1;
	fe_c->seg[CPU_CS].sel = 0x08;
	for (k = 0; k < 6; k++)
		if (k != CPU_CS)
			fe_c->seg[k].sel = 0x10;
}

void fe_real(void)
{
	unsigned v;

	cpu_test_real(&fe_t, 0, FE_CODE);
	for (v = 0; v < 32; v++) {
		uint32_t stub = FE_STUBS + 16 * v;
		/* mov word [FE_MARK], v ; mov word [FE_MARK+2], 0 ; hlt */
		uint8_t code[13] = { 0xc7, 0x06, FE_MARK & 0xff, FE_MARK >> 8, (uint8_t)v, 0,
				     0xc7, 0x06, (FE_MARK + 2) & 0xff, (FE_MARK + 2) >> 8, 0, 0, 0xf4 };

		fe_load(stub, code, sizeof(code));
		fe_wr(4 * v, 4, stub);
	}
}

void fe_paging(void)
{
	unsigned k;

	for (k = 0; k < 1024; k++) {
		fe_wr(FE_PD + 4 * k, 4, k == 0 ? FE_PT | 3 : 0);
		fe_wr(FE_PT + 4 * k, 4, (k << 12) | 3);
	}
	if (sigsetjmp(fe_c->exc_jmp, 0))
		ck_abort_msg("enabling paging raised vector %u", fe_c->exc_vec);
	cpu_write_cr(fe_c, 3, FE_PD);
	cpu_write_cr(fe_c, 0, fe_c->cr0 | 0x80000000u);
}

void fe_unmap(uint32_t lin)
{
	fe_wr(FE_PT + 4 * ((lin >> 12) & 1023), 4, lin & ~0xfffu);
	mmu_flush(&fe_c->mmu, true);
	cpu_tlb_changed(fe_c);
}

int fe_exec1(const uint8_t *bytes, unsigned len)
{
	static struct cpu_insn in;

	ck_assert_int_eq(cpu_decode(bytes, len, fe_c->code32, &in), 0);
	fe_c->next_eip = fe_c->eip + in.len;
	if (sigsetjmp(fe_c->exc_jmp, 0))
		return (int)fe_c->exc_vec;
	in.fn(fe_c, &in);
	fe_c->eip = fe_c->next_eip;
	return -1;
}
