/* libvmdk benchmark.
 *   vmdk_bench seq DISK        sequential write of the whole disk in 1 MiB
 *                              requests then a flush (timed together), then
 *                              a sequential read; prints MB/s.
 *   vmdk_bench rand DISK CMDS  the 4 KiB writes listed in CMDS (qemu-io's
 *                              "write OFFSET 4k" lines, so both sides write
 *                              the same offsets) then a flush; prints IOPS.
 * Everything goes through the page cache, as qemu-io -t writeback does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "disk/vmdk.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct vmdk *d;
	uint8_t *buf = malloc(1 << 20);
	double t;

	if (argc < 3 || !buf || vmdk_open(argv[2], 0, &d)) {
		fprintf(stderr, "usage: vmdk_bench seq DISK | rand DISK CMDS (%s)\n", vmdk_strerror());
		return 1;
	}
	memset(buf, 0x5c, 1 << 20);
	uint64_t size = vmdk_size(d);
	if (!strcmp(argv[1], "seq")) {
		t = now();
		for (uint64_t off = 0; off < size; off += 1 << 20)
			if (vmdk_pwrite(d, buf, 1 << 20, off))
				return 1;
		if (vmdk_flush(d))
			return 1;
		double w = now() - t;
		t = now();
		for (uint64_t off = 0; off < size; off += 1 << 20)
			if (vmdk_pread(d, buf, 1 << 20, off))
				return 1;
		double r = now() - t;
		printf("libvmdk  seq write %5.0f MB/s, seq read %5.0f MB/s\n", size / w / 1e6, size / r / 1e6);
	} else if (!strcmp(argv[1], "rand") && argc == 4) {
		FILE *f = fopen(argv[3], "r");
		unsigned long long *offs = malloc(1000000 * sizeof(*offs)), o;
		long n = 0;
		char line[128];

		if (!f || !offs)
			return 1;
		while (fgets(line, sizeof(line), f) && n < 1000000)
			if (sscanf(line, "write %llu 4k", &o) == 1)
				offs[n++] = o;
		fclose(f);
		t = now();
		for (long i = 0; i < n; i++)
			if (vmdk_pwrite(d, buf, 4096, offs[i]))
				return 1;
		if (vmdk_flush(d))
			return 1;
		printf("libvmdk  4k random write %6.0f IOPS\n", n / (now() - t));
		free(offs);
	} else {
		return 1;
	}
	vmdk_close(d);
	free(buf);
	return 0;
}
