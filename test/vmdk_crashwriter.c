/* Crash-test writer.  "vmdk_crashwriter DISK COUNTFILE" writes 4 KiB
 * blocks, write i going to slot(i) and filled with i, three passes over
 * the disk's first 8 MiB (so slots are overwritten), flushing every few
 * writes and then recording in COUNTFILE how many writes completed before
 * that flush, until it is killed or done.  An optional third argument F
 * makes the first F writes flush only every 512 writes (to reach the
 * overwriting passes quickly).
 * "vmdk_crashwriter verify DISK N" checks that every slot holds the last
 * of the first N writes to it, or a later write to the same slot (writes
 * after the last flush may or may not have landed), or zeros if none of
 * the first N wrote it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk/vmdk.h"

#define NBLK 2048u
#define NWRITES (3 * NBLK)

/* Offset slot of write i: each pass is a permutation of the blocks. */
static uint32_t slot(uint32_t i)
{
	return (i * 1031u + i / NBLK * 17u) % NBLK;
}

static void fill(uint8_t *b, uint32_t i)
{
	for (int k = 0; k < 4096; k += 4)
		memcpy(b + k, &i, 4);
}

static int verify(const char *path, uint32_t n)
{
	static int32_t last[NBLK];
	struct vmdk *d;
	uint8_t b[4096], g[4096];
	int bad = 0;

	if (vmdk_open(path, VMDK_RDONLY, &d)) {
		fprintf(stderr, "cannot open: %s\n", vmdk_strerror());
		return 2;
	}
	for (uint32_t s = 0; s < NBLK; s++)
		last[s] = -1;
	for (uint32_t i = 0; i < n && i < NWRITES; i++)
		last[slot(i)] = (int32_t)i;
	for (uint32_t s = 0; s < NBLK && !bad; s++) {
		uint32_t v;

		if (vmdk_pread(d, g, 4096, (uint64_t)s * 4096)) {
			fprintf(stderr, "slot %u unreadable\n", s);
			bad = 1;
			break;
		}
		memcpy(&v, g, 4);
		memset(b, 0, sizeof(b));
		if (last[s] < 0 && memcmp(g, b, 4096) == 0)
			continue;
		fill(b, v);
		if (memcmp(g, b, 4096) || v >= NWRITES || slot(v) != s || (int32_t)v < last[s]) {
			fprintf(stderr, "slot %u: flushed write %d lost (holds %u)\n", s, last[s], v);
			bad = 1;
		}
	}
	vmdk_close(d);
	return bad;
}

int main(int argc, char **argv)
{
	struct vmdk *d;
	uint8_t b[4096];

	if (argc == 4 && !strcmp(argv[1], "verify"))
		return verify(argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc != 3 && argc != 4)
		return 2;
	uint32_t fast = argc == 4 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
	if (vmdk_open(argv[1], 0, &d)) {
		fprintf(stderr, "cannot open: %s\n", vmdk_strerror());
		return 2;
	}
	for (uint32_t i = 0; i < NWRITES; i++) {
		fill(b, i);
		if (vmdk_pwrite(d, b, 4096, (uint64_t)slot(i) * 4096))
			return 1;
		if ((i < fast ? i % 512 == 511 : i % 7 == 6) || i == NWRITES - 1) {
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
