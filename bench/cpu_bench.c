/* cpu_bench FILE.bin: runs a flat guest binary as the BIOS ROM (like
 * test/cpu_runner: debug port 0xE9 to stdout, exit port 0xF4) and reports
 * on stderr the wall time of cpu_run(), the CPU's counters and the guest
 * MIPS (instructions retired / wall time).  Exits with the guest's status. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "dev/iobus.h"
#include "mem/pmap.h"
#include "vclock.h"

static struct cpu *bench_cpu;
static int bench_status = 1;

static uint32_t bench_in(void *opaque, uint16_t port, unsigned size)
{
	(void)opaque;
	(void)port;
	(void)size;
	return 0xffffffffu;
}

static void bench_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	(void)opaque;
	(void)size;
	if (port == 0xe9) {
		putchar((int)(val & 0xff));
	} else {
		bench_status = (int)(val & 0xff);
		cpu_request_exit(bench_cpu);
	}
}

static const struct pio_ops bench_ops = { bench_in, bench_out };

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t rom[65536];
	struct pmap *pm = NULL;
	struct iobus *io = NULL;
	struct vclock *vc = NULL;
	struct cpu_stats st;
	struct cpu_env env;
	double t0, t1;
	size_t n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: cpu_bench FILE.bin\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	memset(rom, 0xff, sizeof(rom));
	n = fread(rom, 1, sizeof(rom), f);
	fclose(f);
	if (n != sizeof(rom)) {
		fprintf(stderr, "cpu_bench: %s: want a 64 KiB image\n", argv[1]);
		return 2;
	}
	if (pmap_create(64u << 20, &pm) || iobus_create(&io) || vclock_create(&vc) ||
	    iobus_register(io, 0xe9, 1, &bench_ops, NULL) ||
	    iobus_register(io, 0xf4, 1, &bench_ops, NULL) ||
	    pmap_add_rom(pm, 0xf0000, rom, sizeof(rom)) ||
	    pmap_add_rom(pm, 0xffff0000u, rom, sizeof(rom))) {
		fprintf(stderr, "cpu_bench: machine set-up failed\n");
		return 2;
	}
	memset(&env, 0, sizeof(env));
	env.pm = pm;
	env.io = io;
	env.clock = vc;
	if (cpu_create(&env, &bench_cpu)) {
		fprintf(stderr, "cpu_bench: cpu_create failed\n");
		return 2;
	}
	t0 = bench_now();
	if (cpu_run(bench_cpu) != CPU_EXIT_REQUEST)
		bench_status = 3;
	t1 = bench_now();
	fflush(stdout);
	cpu_get_stats(bench_cpu, &st);
	fprintf(stderr, "insns %llu seconds %.3f mips %.1f tus %llu lookups %llu hits %llu "
		"smc %llu exceptions %llu\n",
		(unsigned long long)st.insns, t1 - t0, (double)st.insns / (t1 - t0) / 1e6,
		(unsigned long long)st.tus_translated, (unsigned long long)st.tu_lookups,
		(unsigned long long)st.tu_hits, (unsigned long long)st.smc_invalidations,
		(unsigned long long)st.exceptions);
	cpu_destroy(bench_cpu);
	vclock_destroy(vc);
	iobus_destroy(io);
	pmap_destroy(pm);
	return bench_status;
}
