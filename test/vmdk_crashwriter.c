/* Crash-test writer: writes 4 KiB blocks (block i at a distinct offset,
 * filled from i) to a disk, flushes every few writes and records the count
 * of flushed writes in a side file, until it is killed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk/vmdk.h"

#define NBLK 2048u

/* Offset of write i: a permutation of the disk's 4 KiB blocks. */
static uint64_t slot(uint32_t i)
{
	return (uint64_t)((i * 1031u) % NBLK) * 4096u;
}

static void fill(uint8_t *b, uint32_t i)
{
	for (int k = 0; k < 4096; k += 4)
		memcpy(b + k, &i, 4);
}

int main(int argc, char **argv)
{
	struct vmdk *d;
	uint8_t b[4096], g[4096];

	if (argc == 4 && !strcmp(argv[1], "verify")) {
		uint32_t n = (uint32_t)strtoul(argv[3], NULL, 10);
		if (vmdk_open(argv[2], VMDK_RDONLY, &d))
			return 2;
		for (uint32_t i = 0; i < n && i < NBLK; i++) {
			fill(b, i);
			if (vmdk_pread(d, g, 4096, slot(i)) || memcmp(b, g, 4096)) {
				fprintf(stderr, "flushed write %u lost\n", i);
				return 1;
			}
		}
		vmdk_close(d);
		return 0;
	}
	if (argc != 3 || vmdk_open(argv[1], 0, &d))
		return 2;
	for (uint32_t i = 0; i < NBLK; i++) {
		fill(b, i);
		if (vmdk_pwrite(d, b, 4096, slot(i)))
			return 1;
		if (i % 7 == 6) {
			if (vmdk_flush(d))
				return 1;
			/* Replace the count atomically: never an empty file. */
			char tmp[4096];
			snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
			int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			dprintf(fd, "%u\n", i + 1);
			close(fd);
			rename(tmp, argv[2]);
		}
	}
	vmdk_close(d);
	return 0;
}
