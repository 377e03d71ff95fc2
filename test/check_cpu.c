/* CPU core: reset state and the real-mode interpreter, run as a small
 * machine (pmap + iobus + vclock) with a debug port and an exit port. */
#include "config.h"

#include <check.h>
#include "check_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "dev/iobus.h"
#include "mem/pmap.h"
#include "vclock.h"
#include "cpu_test.h"

struct tmach {
	struct pmap *pm;
	struct iobus *io;
	struct vclock *vc;
	struct cpu *cpu;
	char out[256];
	size_t nout;
	int exit_code;
	int irq_vec;
};

static uint32_t tm_in(void *opaque, uint16_t port, unsigned size)
{
	(void)opaque;
	(void)size;
	return port == 0x60 ? 0x5a : 0xff;
}

static void tm_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct tmach *m = opaque;

	(void)size;
	if (port == 0xe9 && m->nout < sizeof(m->out) - 1)
		m->out[m->nout++] = (char)val;
	else if (port == 0xf4) {
		m->exit_code = (int)val;
		cpu_request_exit(m->cpu);
	}
}

static const struct pio_ops tm_ops = { tm_in, tm_out };

static int tm_intack(void *opaque)
{
	struct tmach *m = opaque;

	cpu_set_irq(m->cpu, 0);
	return m->irq_vec;
}

/* Loads code at the reset vector (a 64 KiB ROM at 0xF0000 and at the top of
 * 4 GiB, code placed at its end so it starts at F000:FFF0 - len + 16). */
static void tm_init(struct tmach *m, const uint8_t *rom, size_t len)
{
	static uint8_t img[65536];
	struct cpu_env env;

	memset(m, 0, sizeof(*m));
	m->exit_code = -1;
	ck_assert_int_eq(pmap_create(16u << 20, &m->pm), 0);
	ck_assert_int_eq(iobus_create(&m->io), 0);
	ck_assert_int_eq(vclock_create(&m->vc), 0);
	ck_assert_int_eq(iobus_register(m->io, 0xe9, 1, &tm_ops, m), 0);
	ck_assert_int_eq(iobus_register(m->io, 0xf4, 1, &tm_ops, m), 0);
	ck_assert_int_eq(iobus_register(m->io, 0x60, 1, &tm_ops, m), 0);
	memset(img, 0xf4, sizeof(img));
	memcpy(img, rom, len);
	ck_assert_int_eq(pmap_add_rom(m->pm, 0xf0000, img, sizeof(img)), 0);
	ck_assert_int_eq(pmap_add_rom(m->pm, 0xffff0000u, img, sizeof(img)), 0);
	memset(&env, 0, sizeof(env));
	env.pm = m->pm;
	env.io = m->io;
	env.clock = m->vc;
	env.intack = tm_intack;
	env.intack_opaque = m;
	ck_assert_int_eq(cpu_create(&env, &m->cpu), 0);
}

static void tm_fini(struct tmach *m)
{
	cpu_destroy(m->cpu);
	vclock_destroy(m->vc);
	iobus_destroy(m->io);
	pmap_destroy(m->pm);
}

START_TEST(test_reset_state)
{
	static const uint8_t code[] = { 0xf4 };
	struct cpu_regs r;
	struct tmach m;

	tm_init(&m, code, sizeof(code));
	cpu_get_regs(m.cpu, &r);
	ck_assert_uint_eq(r.seg[CPU_CS].sel, 0xf000);
	ck_assert_uint_eq(r.seg[CPU_CS].base, 0xffff0000u);
	ck_assert_uint_eq(r.eip, 0xfff0);
	ck_assert_uint_eq(r.eflags, 2);
	ck_assert_uint_eq(r.cr0, 0x60000010u);
	ck_assert_uint_eq(r.gpr[CPU_EDX] & 0xf00, 0x600);
	tm_fini(&m);
	cpu_destroy(NULL);
}
END_TEST

/* Reset vector jumps far to F000:0000; the program prints "OK" on port 0xE9
 * and writes 7 to the exit port. */
START_TEST(test_real_mode_program)
{
	uint8_t code[65536];
	static const uint8_t prog[] = {
		0xb0, 'O', 0xe6, 0xe9,        /* mov al,'O'; out 0xe9,al */
		0xb0, 'K', 0xba, 0xe9, 0x00,  /* mov al,'K'; mov dx,0xe9 */
		0xee,                         /* out dx,al */
		0xeb, 0x01, 0xf4,             /* jmp +1 over a hlt */
		0xe4, 0x60,                   /* in al,0x60 */
		0xe6, 0xe9,                   /* out 0xe9,al */
		0xb0, 0x07, 0xe6, 0xf4,       /* mov al,7; out 0xf4,al */
	};
	static const uint8_t reset[] = { 0xea, 0x00, 0x00, 0x00, 0xf0 };
	struct cpu_stats st;
	struct tmach m;

	memset(code, 0xf4, sizeof(code));
	memcpy(code, prog, sizeof(prog));
	memcpy(code + 0xfff0, reset, sizeof(reset));
	tm_init(&m, code, sizeof(code));
	ck_assert_int_eq(cpu_run(m.cpu), CPU_EXIT_REQUEST);
	ck_assert_int_eq(m.exit_code, 7);
	m.out[m.nout] = 0;
	ck_assert_str_eq(m.out, "OKZ");
	cpu_get_stats(m.cpu, &st);
	ck_assert_uint_eq(st.insns, 11);
	tm_fini(&m);
}
END_TEST

/* An undefined opcode vectors through IVT entry 6 with the faulting IP
 * pushed; an INTR with IF=1 after STI's shadow is delivered via intack. */
START_TEST(test_ud_and_irq)
{
	uint8_t code[65536];
	struct cpu_regs r;
	struct cpu_stats st;
	struct tmach m;

	memset(code, 0xf4, sizeof(code));
	code[0xfff0] = 0x0f;                  /* 0F 0B: UD2, not implemented -> #UD */
	code[0xfff1] = 0x0b;
	code[0x1000] = 0xb0; code[0x1001] = 6;  /* #UD handler: mov al,6; out 0xf4,al */
	code[0x1002] = 0xe6; code[0x1003] = 0xf4;
	tm_init(&m, code, sizeof(code));
	pmap_write(m.pm, 6 * 4, 2, 0x1000);
	pmap_write(m.pm, 6 * 4 + 2, 2, 0xf000);
	cpu_get_regs(m.cpu, &r);
	r.gpr[CPU_ESP] = 0x8000;
	cpu_set_regs(m.cpu, &r);
	ck_assert_int_eq(cpu_run(m.cpu), CPU_EXIT_REQUEST);
	ck_assert_int_eq(m.exit_code, 6);
	ck_assert_uint_eq(pmap_read(m.pm, 0x7ffa, 2), 0xfff0);  /* pushed IP */
	ck_assert_uint_eq(pmap_read(m.pm, 0x7ffc, 2), 0xf000);  /* pushed CS */
	cpu_get_stats(m.cpu, &st);
	ck_assert_uint_eq(st.exceptions, 1);
	tm_fini(&m);

	memset(code, 0xf4, sizeof(code));
	code[0xfff0] = 0xfb;                  /* sti; hlt */
	code[0x2000] = 0xb0; code[0x2001] = 9;  /* IRQ handler: exit 9 */
	code[0x2002] = 0xe6; code[0x2003] = 0xf4;
	tm_init(&m, code, sizeof(code));
	m.irq_vec = 0x08;
	pmap_write(m.pm, 8 * 4, 2, 0x2000);
	pmap_write(m.pm, 8 * 4 + 2, 2, 0xf000);
	cpu_get_regs(m.cpu, &r);
	r.gpr[CPU_ESP] = 0x8000;
	cpu_set_regs(m.cpu, &r);
	cpu_set_irq(m.cpu, 1);
	ck_assert_int_eq(cpu_run(m.cpu), CPU_EXIT_REQUEST);
	ck_assert_int_eq(m.exit_code, 9);
	/* the shadow let HLT start; the pushed IP is past the HLT */
	ck_assert_uint_eq(pmap_read(m.pm, 0x7ffa, 2), 0xfff2);
	tm_fini(&m);
}
END_TEST


/* ---- Translation units, the TU cache and self-modifying code --------- */

static void ct_setup(struct cpu_test *t)
{
	ck_assert_int_eq(cpu_test_init(t, 16u << 20), 0);
}

/* Assembles src for flat 32-bit mode at 0x10000 and runs it. */
static void ct_run32(struct cpu_test *t, const char *src, uint64_t max)
{
	uint8_t buf[16384];
	char full[8192];
	long n;

	snprintf(full, sizeof(full), "bits 32\norg 0x10000\n%s", src);
	n = cpu_test_nasm(full, buf, sizeof(buf));
	ck_assert_msg(n > 0, "nasm failed");
	cpu_test_load(t, 0x10000, buf, (size_t)n);
	cpu_test_flat(t, 0x10000);
	cpu_test_run(t, max);
}

/* A store into the next instruction of the same TU takes effect before
 * that instruction runs. */
START_TEST(test_smc_same_tu)
{
	struct cpu_test t;
	struct cpu_stats st;

	ct_setup(&t);
	ct_run32(&t, "mov byte [patch+1], 42\npatch: mov al, 0\nout 0xf4, al\nhlt\n", 1000);
	ck_assert_int_eq(t.exit_code, 42);
	cpu_get_stats(t.cpu, &st);
	ck_assert_uint_ge(st.smc_invalidations, 1);
	cpu_test_fini(&t);
}
END_TEST

/* Code on one page rewrites a routine on another page it has already run:
 * the second call sees the new code. */
START_TEST(test_smc_other_page)
{
	struct cpu_test t;

	ct_setup(&t);
	ct_run32(&t,
		 "call routine\n"
		 "mov bl, al\n"
		 "mov byte [routine+1], 7\n"
		 "call routine\n"
		 "add al, bl\n"
		 "out 0xf4, al\n"
		 "hlt\n"
		 "align 4096\n"
		 "routine: mov al, 3\n"
		 "ret\n", 1000);
	ck_assert_int_eq(t.exit_code, 10);
	cpu_test_fini(&t);
}
END_TEST

/* A device writing code by DMA (pmap_write_buf) invalidates its TUs. */
START_TEST(test_dma_into_code)
{
	static const uint8_t v2[] = { 0xb0, 0x22 };   /* mov al, 0x22 */
	struct cpu_test t;

	ct_setup(&t);
	ct_run32(&t, "mov al, 0x11\nout 0xf4, al\nhlt\n", 100);
	ck_assert_int_eq(t.exit_code, 0x11);
	cpu_test_load(&t, 0x10000, v2, sizeof(v2));
	t.cpu->eip = 0x10000;
	t.exit_code = -1;
	cpu_test_run(&t, 100);
	ck_assert_int_eq(t.exit_code, 0x22);
	cpu_test_fini(&t);
}
END_TEST

/* Straight-line code is cut into TUs of at most 12 instructions, and a
 * loop runs from the cache. */
START_TEST(test_tu_bound_and_cache)
{
	struct cpu_test t;
	struct cpu_stats st;

	ct_setup(&t);
	ct_run32(&t, "times 30 nop\nmov al, 5\nout 0xf4, al\nhlt\n", 1000);
	ck_assert_int_eq(t.exit_code, 5);
	cpu_get_stats(t.cpu, &st);
	ck_assert_uint_eq(st.insns, 32);
	ck_assert_uint_ge(st.tus_translated, 3);
	ck_assert_uint_le(st.tus_translated, 4);
	cpu_test_fini(&t);

	ct_setup(&t);
	ct_run32(&t, "mov ecx, 1000\nxor eax, eax\nl: add eax, ecx\ndec ecx\njnz l\n"
		 "cmp eax, 500500\nsete al\nout 0xf4, al\nhlt\n", 100000);
	ck_assert_int_eq(t.exit_code, 1);
	cpu_get_stats(t.cpu, &st);
	ck_assert_uint_le(st.tus_translated, 6);
	ck_assert_uint_ge(st.tu_hits, 990);
	cpu_test_fini(&t);
}
END_TEST

/* An instruction that straddles a page boundary decodes from both pages. */
START_TEST(test_page_crossing_insn)
{
	struct cpu_test t;

	ct_setup(&t);
	ct_run32(&t, "times 4096-3 nop\nmov eax, 0x12345678\ncmp eax, 0x12345678\nsete al\n"
		 "out 0xf4, al\nhlt\n", 10000);
	ck_assert_int_eq(t.exit_code, 1);
	cpu_test_fini(&t);
}
END_TEST

/* A page-crossing instruction run in a loop is translated once; a write to
 * its bytes on the second page still takes effect. */
START_TEST(test_page_crossing_cached_smc)
{
	struct cpu_test t;
	struct cpu_stats st;

	ct_setup(&t);
	ct_run32(&t, "xor ebx, ebx\nmov esi, 2\nagain: mov ecx, 100\njmp l\n"
		 "times 4096-($-$$)-3 nop\n"
		 "l: mov eax, 0x01010101\nadd ebx, eax\nloop l\n"
		 "mov byte [l+4], 2\ndec esi\njnz again\n"
		 "cmp ebx, 0x2cc8c8c8\nsete al\nout 0xf4, al\nhlt\n", 100000);
	ck_assert_int_eq(t.exit_code, 1);
	cpu_get_stats(t.cpu, &st);
	ck_assert_uint_le(st.tus_translated, 20);
	ck_assert_uint_ge(st.smc_invalidations, 1);
	cpu_test_fini(&t);
}
END_TEST

/* VMware's backdoor: GETHZ reports the 1 GHz TSC, GETVERSION the magic;
 * other commands and the port without the magic are not special. */
START_TEST(test_backdoor)
{
	struct cpu_test t;

	ct_setup(&t);
	ct_run32(&t, "mov eax, 0x564d5868\nmov ecx, 45\nmov dx, 0x5658\nin eax, dx\n"
		 "mov [0x800], eax\nmov [0x804], ebx\n"
		 "mov eax, 0x564d5868\nmov ecx, 10\nin eax, dx\nmov [0x808], ebx\n"
		 "mov eax, 0x564d5868\nmov ecx, 68\nin eax, dx\nmov [0x80c], eax\n"
		 "xor eax, eax\nmov ebx, 7\nin eax, dx\nmov [0x810], ebx\n"
		 "mov al, 0\nout 0xf4, al\nhlt\n", 1000);
	ck_assert_int_eq(t.exit_code, 0);
	ck_assert_uint_eq(pmap_read(t.pm, 0x800, 4), 1000000000u);
	ck_assert_uint_eq(pmap_read(t.pm, 0x804, 4), 0);
	ck_assert_uint_eq(pmap_read(t.pm, 0x808, 4), 0x564d5868u);
	ck_assert_uint_eq(pmap_read(t.pm, 0x80c, 4), 0xffffffffu);
	ck_assert_uint_eq(pmap_read(t.pm, 0x810, 4), 7);
	cpu_test_fini(&t);
}
END_TEST

/* More than 15 bytes of instruction: #GP, delivered through the IVT in
 * real mode. */
START_TEST(test_too_long)
{
	uint8_t code[32];
	struct cpu_test t;

	ct_setup(&t);
	memset(code, 0x66, 16);
	code[16] = 0x90;
	cpu_test_load(&t, 0x1000, code, 17);
	code[0] = 0xb0; code[1] = 13; code[2] = 0xe6; code[3] = 0xf4;   /* mov al,13; out 0xf4,al */
	cpu_test_load(&t, 0x2000, code, 4);
	pmap_write(t.pm, 13 * 4, 2, 0x2000);
	pmap_write(t.pm, 13 * 4 + 2, 2, 0);
	cpu_test_real(&t, 0, 0x1000);
	cpu_test_run(&t, 100);
	ck_assert_int_eq(t.exit_code, 13);
	cpu_test_fini(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu");
	TCase *tc = tcase_create("real");

	tcase_add_test(tc, test_reset_state);
	tcase_add_test(tc, test_real_mode_program);
	tcase_add_test(tc, test_ud_and_irq);
	suite_add_tcase(s, tc);
	tc = tcase_create("tu");
	tcase_add_test(tc, test_smc_same_tu);
	tcase_add_test(tc, test_smc_other_page);
	tcase_add_test(tc, test_dma_into_code);
	tcase_add_test(tc, test_tu_bound_and_cache);
	tcase_add_test(tc, test_page_crossing_insn);
	tcase_add_test(tc, test_page_crossing_cached_smc);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_backdoor);
	suite_add_tcase(s, tc);
	return check_run(s);
}
