/* libFuzzer target for the decoder, translator and every instruction
 * handler: the input's first FUZZ_HDR bytes choose the register state
 * (GPRs, EFLAGS, real or flat 32-bit protected mode, CR0 FPU bits, paging
 * on or off), the rest is guest code loaded into RAM at 0x1000 and run
 * for a bounded number of instructions on the CPU test machine.
 * Exceptions, HLT, triple faults and the exit port just end or continue
 * the run; the VMM must never crash, leak, hang or trip a sanitizer. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu_test.h"

#define FUZZ_RAM (1u << 20)
#define FUZZ_LOW 0xa0000u    /* writable RAM below the legacy VGA/ROM hole */
#define FUZZ_CODE 0x1000u
#define FUZZ_PD 0x9000u
#define FUZZ_PT 0xa000u
#define FUZZ_HDR 40
#define FUZZ_INSNS 2000

static struct cpu_test fz;
static struct vtimer fz_watchdog;
static uint8_t fz_zero[FUZZ_LOW];

/* HLT with IF=1 and nothing pending would sleep until a timer: this one
 * ends the run instead. */
static void fz_stop(void *opaque)
{
	cpu_request_exit(opaque);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu *c;
	uint8_t hdr[FUZZ_HDR];
	unsigned k;

	if (!fz.cpu) {
		if (cpu_test_init(&fz, FUZZ_RAM))
			return 0;
		vtimer_init(&fz_watchdog, fz.vc, fz_stop, fz.cpu);
	}
	c = fz.cpu;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, data, size < FUZZ_HDR ? size : FUZZ_HDR);
	data += size < FUZZ_HDR ? size : FUZZ_HDR;
	size -= size < FUZZ_HDR ? size : FUZZ_HDR;
	if (size > FUZZ_LOW - FUZZ_CODE)
		size = FUZZ_LOW - FUZZ_CODE;

	/* A fresh machine: power-on CPU, zeroed RAM (above 640 KiB guest
	 * writes are dropped), the code, no output. */
	cpu_reset(c);
	pmap_write_buf(fz.pm, 0, fz_zero, FUZZ_LOW);
	cpu_test_load(&fz, FUZZ_CODE, data, size);
	fz.nout = 0;
	fz.exit_code = -1;
	cpu_set_irq(c, 0);

	if (hdr[32] & 1) {
		cpu_test_flat(&fz, FUZZ_CODE);
		if (hdr[32] & 2) {   /* identity paging over the first 4 MiB */
			for (k = 0; k < 1024; k++) {
				uint32_t pd = k == 0 ? FUZZ_PT | 7 : 0, pt = (k << 12) | 7;

				pmap_write(fz.pm, FUZZ_PD + 4 * k, 4, pd);
				pmap_write(fz.pm, FUZZ_PT + 4 * k, 4, pt);
			}
			c->cr3 = FUZZ_PD;
			c->cr0 |= 0x80000000u;
			mmu_set_control(&c->mmu, c->cr0, c->cr3, c->cr4, c->efer);
			cpu_tlb_changed(c);
		}
	} else {
		cpu_test_real(&fz, 0, FUZZ_CODE);
	}
	for (k = 0; k < 8; k++)
		if (k != CPU_ESP || (hdr[32] & 4))
			c->gpr[k] = le32(hdr + 4 * k);
	/* arithmetic flags, DF, TF, IF, IOPL from the input; VM stays off */
	cpu_set_flags(c, hdr[33] | (uint32_t)hdr[34] << 8 | (uint32_t)(hdr[35] & 0x30) << 8,
		      CPU_ARITH | CPU_DF | CPU_TF | CPU_IF | CPU_IOPL);
	c->cr0 |= hdr[36] & (CPU_CR0_MP | CPU_CR0_EM | CPU_CR0_TS | CPU_CR0_NE);
	if (hdr[37] & 1)
		cpu_set_irq(c, 1);
	fz.irq_vec = hdr[38];

	vtimer_mod(&fz_watchdog, vclock_ns(fz.vc) + 2000000);
	cpu_test_run(&fz, FUZZ_INSNS);
	vtimer_del(&fz_watchdog);
	return 0;
}
