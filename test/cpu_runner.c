/* cpu_runner FILE.bin: runs a flat binary as the BIOS ROM (its last 64 KiB
 * mapped at 0xF0000 and at the top of 4 GiB) with the debug port 0xE9
 * (bytes to stdout) and the exit port 0xF4; exits with the guest's value. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "dev/iobus.h"
#include "mem/pmap.h"
#include "vclock.h"

static struct cpu *runner_cpu;
static int runner_status = 1;

static uint32_t runner_in(void *opaque, uint16_t port, unsigned size)
{
	(void)opaque;
	(void)port;
	(void)size;
	return 0xff;
}

static void runner_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	(void)opaque;
	(void)size;
	if (port == 0xe9) {
		putchar((int)(val & 0xff));
	} else {
		runner_status = (int)(val & 0xff);
		cpu_request_exit(runner_cpu);
	}
}

static const struct pio_ops runner_ops = { runner_in, runner_out };

int main(int argc, char **argv)
{
	static uint8_t rom[65536];
	struct pmap *pm = NULL;
	struct iobus *io = NULL;
	struct vclock *vc = NULL;
	struct cpu_env env;
	size_t n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: cpu_runner FILE.bin\n");
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
	if (n < sizeof(rom))  /* a short image ends at the top of the ROM */
		memmove(rom + sizeof(rom) - n, rom, n), memset(rom, 0xff, sizeof(rom) - n);
	if (pmap_create(64u << 20, &pm) || iobus_create(&io) || vclock_create(&vc) ||
	    iobus_register(io, 0xe9, 1, &runner_ops, NULL) ||
	    iobus_register(io, 0xf4, 1, &runner_ops, NULL) ||
	    pmap_add_rom(pm, 0xf0000, rom, sizeof(rom)) ||
	    pmap_add_rom(pm, 0xffff0000u, rom, sizeof(rom))) {
		fprintf(stderr, "cpu_runner: machine set-up failed\n");
		return 2;
	}
	memset(&env, 0, sizeof(env));
	env.pm = pm;
	env.io = io;
	env.clock = vc;
	if (cpu_create(&env, &runner_cpu)) {
		fprintf(stderr, "cpu_runner: cpu_create failed\n");
		return 2;
	}
	if (cpu_run(runner_cpu) != CPU_EXIT_REQUEST)
		runner_status = 3;
	fflush(stdout);
	cpu_destroy(runner_cpu);
	vclock_destroy(vc);
	iobus_destroy(io);
	pmap_destroy(pm);
	return runner_status;
}
