/* libvmdk benchmark: sequential write and read of a whole disk in 1 MiB
 * requests, or N random 4 KiB writes; prints MB/s or IOPS. */
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

	if (argc < 3 || !buf || vmdk_open(argv[2], 0, &d))
		return 1;
	memset(buf, 0x5c, 1 << 20);
	uint64_t size = vmdk_size(d);
	t = now();
	if (!strcmp(argv[1], "seq")) {
		for (uint64_t off = 0; off < size; off += 1 << 20)
			if (vmdk_pwrite(d, buf, 1 << 20, off))
				return 1;
		vmdk_flush(d);
		double w = now() - t;
		t = now();
		for (uint64_t off = 0; off < size; off += 1 << 20)
			if (vmdk_pread(d, buf, 1 << 20, off))
				return 1;
		double r = now() - t;
		printf("libvmdk seq write %.0f MB/s, seq read %.0f MB/s\n", size / w / 1e6, size / r / 1e6);
	} else {
		long n = argc > 3 ? atol(argv[3]) : 20000;
		srandom(1);
		for (long i = 0; i < n; i++)
			if (vmdk_pwrite(d, buf, 4096, ((uint64_t)random() % (size / 4096)) * 4096))
				return 1;
		vmdk_flush(d);
		printf("libvmdk 4k random write %.0f IOPS\n", n / (now() - t));
	}
	vmdk_close(d);
	free(buf);
	return 0;
}
