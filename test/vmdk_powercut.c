/* Power-cut simulation for libvmdk's write ordering.
 *
 * SIGKILL (test/vmdk_crash.sh) cannot lose or reorder what is in the page
 * cache; a power cut can.  This program wraps pwrite() and fdatasync() /
 * fsync() (the executable's definitions take precedence over libc's) and
 * logs every write to the disk file, cut into 512-byte sectors, with the
 * number of syncs before it (its epoch).  A workload writes 4 KiB slots
 * (write i to slot(i), filled with i) and flushes every few writes.  Then,
 * many times: pick an epoch E, rebuild the file as the disk would hold it
 * after a power cut during E (everything of earlier epochs, a random
 * subset of E's sectors), and check that
 *   - the disk opens, every write completed before the last flush that
 *     finished before E is there (sectors of later writes may or may not
 *     be), and no slot holds anything else;
 *   - vmdk_check repairs it to zero problems, and the data is unchanged.
 * Usage: vmdk_powercut [ROUNDS]  (exit 0 when every round passes). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "disk/vmdk.h"

#define NSLOT 1024u
#define NWRITES (3 * NSLOT)

struct sector_log {
	uint64_t off;           /* byte offset, sector aligned */
	uint32_t epoch;
	bool landed;            /* in the power cut being simulated */
	uint8_t data[512];
};

static struct sector_log *logv;
static size_t nlog, caplog;
static uint32_t epoch;
static int recording;
static dev_t disk_dev;
static ino_t disk_ino;

static int is_disk(int fd)
{
	struct stat st;
	return recording && fstat(fd, &st) == 0 && st.st_dev == disk_dev && st.st_ino == disk_ino;
}

/* Logs a write sector by sector, merging partial sectors with what the
 * file held (read back after the write, so the logged sector is whole). */
static void log_write(int fd, uint64_t off, size_t n)
{
	for (uint64_t s = off / 512 * 512; s < off + n; s += 512) {
		if (nlog == caplog) {
			caplog = caplog ? caplog * 2 : 4096;
			logv = realloc(logv, caplog * sizeof(*logv));
			if (!logv)
				abort();
		}
		struct sector_log *l = &logv[nlog++];
		memset(l->data, 0, 512);
		l->off = s;
		l->epoch = epoch;
		if (syscall(SYS_pread64, fd, l->data, 512, (off_t)s) < 0)
			abort();
	}
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r = syscall(SYS_pwrite64, fd, buf, n, off);
	if (r > 0 && is_disk(fd))
		log_write(fd, (uint64_t)off, (size_t)r);
	return r;
}

int fdatasync(int fd)
{
	int r = (int)syscall(SYS_fdatasync, fd);
	if (is_disk(fd))
		epoch++;
	return r;
}

int fsync(int fd)
{
	int r = (int)syscall(SYS_fsync, fd);
	if (is_disk(fd))
		epoch++;
	return r;
}

static uint32_t slot(uint32_t i)
{
	return (i * 389u + i / NSLOT * 7u) % NSLOT;
}

/* Flushes that finished: after flush k, writes [0, flushed_n[k]) are
 * durable once epoch flushed_at[k] has begun. */
static uint32_t flushed_n[NWRITES], flushed_at[NWRITES], nflush;

static void fill(uint8_t *b, uint32_t v, size_t n)
{
	for (size_t k = 0; k < n; k += 4)
		memcpy(b + k, &v, 4);
}

static int verify(const char *path, uint32_t n, const char *when)
{
	static int32_t last[NSLOT];
	struct vmdk *d;
	uint8_t g[4096], zero[512] = { 0 };
	int bad = 0;

	if (vmdk_open(path, VMDK_RDONLY, &d)) {
		fprintf(stderr, "%s: cannot open: %s\n", when, vmdk_strerror());
		return 1;
	}
	for (uint32_t s = 0; s < NSLOT; s++)
		last[s] = -1;
	for (uint32_t i = 0; i < n; i++)
		last[slot(i)] = (int32_t)i;
	for (uint32_t s = 0; s < NSLOT && !bad; s++) {
		if (vmdk_pread(d, g, 4096, (uint64_t)s * 4096)) {
			fprintf(stderr, "%s: slot %u unreadable: %s\n", when, s, vmdk_strerror());
			bad = 1;
			break;
		}
		/* Sector by sector: unflushed writes may have landed in part. */
		for (int k = 0; k < 8 && !bad; k++) {
			uint8_t *p = g + k * 512, want[512];
			uint32_t v;
			memcpy(&v, p, 4);
			if (memcmp(p, zero, 512) == 0 && last[s] < 0)
				continue;
			fill(want, v, sizeof(want));
			if (memcmp(p, want, 512) || v >= NWRITES || slot(v) != s || (int32_t)v < last[s]) {
				fprintf(stderr, "%s: slot %u sector %d: flushed write %d lost (holds %u)\n",
					when, s, k, last[s], v);
				bad = 1;
			}
		}
	}
	vmdk_close(d);
	return bad;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 160;
	char dir[] = "/tmp/vmdk_powercut.XXXXXX", path[128], cut[128];
	struct vmdk *d;
	struct stat st;
	uint8_t *base, b[4096];
	size_t base_len;
	int fd, failures = 0;

	if (!mkdtemp(dir))
		return 2;
	snprintf(path, sizeof(path), "%s/d.vmdk", dir);
	snprintf(cut, sizeof(cut), "%s/cut.vmdk", dir);
	if (vmdk_create(path, VMDK_MONOLITHIC_SPARSE, 8 << 20, VMDK_ADAPTER_IDE, 4))
		return 2;
	/* Half the runs' worth of realism: an image whose grain tables do not
	 * exist yet, so flushes also publish new tables and directories. */
	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0)
		return 2;
	uint64_t gd = 0, rgd = 0, zero4 = 0;
	if (pread(fd, &rgd, 8, 48) != 8 || pread(fd, &gd, 8, 56) != 8 ||
	    pwrite(fd, &zero4, 4, (off_t)gd * 512) != 4 || pwrite(fd, &zero4, 4, (off_t)rgd * 512) != 4)
		return 2;
	base_len = (size_t)st.st_size;
	base = malloc(base_len);
	if (!base || pread(fd, base, base_len, 0) != (ssize_t)base_len)
		return 2;
	disk_dev = st.st_dev;
	disk_ino = st.st_ino;
	close(fd);

	/* The workload, logged. */
	recording = 1;
	if (vmdk_open(path, 0, &d)) {
		fprintf(stderr, "open: %s\n", vmdk_strerror());
		return 2;
	}
	for (uint32_t i = 0; i < NWRITES; i++) {
		fill(b, i, sizeof(b));
		if (vmdk_pwrite(d, b, 4096, (uint64_t)slot(i) * 4096))
			return 2;
		if (i % 7 == 6) {
			if (vmdk_flush(d))
				return 2;
			flushed_n[nflush] = i + 1;
			flushed_at[nflush++] = epoch;
		}
	}
	vmdk_close(d);
	recording = 0;
	uint32_t last_epoch = epoch;

	/* Epochs that write a grain directory (publishing a new table) are
	 * rare; a quarter of the cuts go there. */
	uint32_t *gd_epochs = malloc((nlog + 1) * sizeof(*gd_epochs)), ngd = 0;
	if (!gd_epochs)
		return 2;
	for (size_t k = 0; k < nlog; k++)
		if ((logv[k].off / 512 == gd || logv[k].off / 512 == rgd) &&
		    (!ngd || gd_epochs[ngd - 1] != logv[k].epoch))
			gd_epochs[ngd++] = logv[k].epoch;
	srandom(12345);
	for (int r = 0; r < rounds; r++) {
		uint32_t e = ngd && r % 4 == 0 ? gd_epochs[(uint32_t)random() % ngd] :
			     (uint32_t)random() % (last_epoch + 1), n = 0;
		uint8_t *img;
		size_t len = base_len;
		char when[64];

		/* The file after a cut during epoch e: earlier epochs' sectors
		 * all landed, e's each with probability 1/2; the file is as long
		 * as what landed (an unsynced extension may be lost too). */
		for (size_t k = 0; k < nlog; k++) {
			logv[k].landed = logv[k].epoch < e || (logv[k].epoch == e && random() % 2);
			if (logv[k].landed && logv[k].off + 512 > len)
				len = logv[k].off + 512;
		}
		img = calloc(1, len);
		if (!img)
			return 2;
		memcpy(img, base, base_len);
		for (size_t k = 0; k < nlog; k++)
			if (logv[k].landed)
				memcpy(img + logv[k].off, logv[k].data, 512);
		fd = open(cut, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, img, len) != (ssize_t)len)
			return 2;
		close(fd);
		free(img);
		for (uint32_t k = 0; k < nflush; k++)
			if (flushed_at[k] <= e)
				n = flushed_n[k];
		snprintf(when, sizeof(when), "cut in epoch %u/%u (%u flushed)", e, last_epoch, n);
		int bad = verify(cut, n, when);
		FILE *null = fopen("/dev/null", "w");
		int left = vmdk_check(cut, 1, null);
		if (left != 0) {
			fprintf(stderr, "%s: repair left %d problem(s)\n", when, left);
			vmdk_check(cut, 0, stderr);
			bad = 1;
		}
		if (vmdk_check(cut, 0, null) != 0) {
			fprintf(stderr, "%s: not clean after repair\n", when);
			bad = 1;
		}
		fclose(null);
		bad |= verify(cut, n, "after repair");
		failures += bad;
	}
	printf("%d power cuts over %u epochs (%zu sectors written, %u flushes, %u publishing "
	       "tables): %d failed\n", rounds, last_epoch, nlog, nflush, ngd, failures);
	free(gd_epochs);
	free(base);
	free(logv);
	unlink(cut);
	unlink(path);
	rmdir(dir);
	return failures ? 1 : 0;
}
