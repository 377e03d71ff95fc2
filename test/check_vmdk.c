/* libvmdk tests: differential I/O against a flat buffer, locks, delta
 * disks, malformed files. */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "disk/blockdev.h"
#include "disk/vmdk.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/check_vmdk.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Fast pseudo-random bytes (xorshift64*): test data, not offsets. */
static uint64_t xs = 88172645463325252ull;

static void fill_fast(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		xs ^= xs >> 12;
		xs ^= xs << 25;
		xs ^= xs >> 27;
		uint64_t v = xs * 2685821657736338717ull;
		memcpy(b + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Many thousands of random-offset, random-length writes and reads
 * through libvmdk, compared with a flat buffer; reopened half way.  With
 * child, the disk is a delta over a parent full of random data. */
static void differential(int type, int child)
{
	const uint64_t size = 16u << 20;
	char p[128], base[128];
	uint8_t *ref = calloc(1, size), *buf = malloc(200000), *got = malloc(200000);
	struct vmdk *d;

	snprintf(p, sizeof(p), "%s/d.vmdk", dir);
	srandom(42 + (unsigned)type);
	if (child) {
		snprintf(base, sizeof(base), "%s/base.vmdk", dir);
		ck_assert_int_eq(vmdk_create(base, type, size, VMDK_ADAPTER_LSILOGIC, 4), 0);
		ck_assert_int_eq(vmdk_open(base, 0, &d), 0);
		fill_fast(ref, size);
		/* Leave holes in the parent too. */
		memset(ref + (3 << 20), 0, 1 << 20);
		ck_assert_int_eq(vmdk_pwrite(d, ref, 3 << 20, 0), 0);
		ck_assert_int_eq(vmdk_pwrite(d, ref + (4 << 20), size - (4 << 20), 4 << 20), 0);
		vmdk_close(d);
		ck_assert_int_eq(vmdk_create_child(p, base), 0);
	} else {
		ck_assert_int_eq(vmdk_create(p, type, size, VMDK_ADAPTER_LSILOGIC, 4), 0);
	}
	/* The reference: a raw image written alongside, through the raw
	 * back end, and a copy in memory. */
	char rp[128];
	struct blockdev *raw;
	snprintf(rp, sizeof(rp), "%s/ref.raw", dir);
	int rfd = open(rp, O_RDWR | O_CREAT, 0644);
	ck_assert_int_ge(rfd, 0);
	ck_assert_int_eq(pwrite(rfd, ref, size, 0), (ssize_t)size);
	close(rfd);
	ck_assert_int_eq(blockdev_open_raw(rp, 0, &raw), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	for (int i = 0; i < 4000; i++) {
		uint64_t len = 1 + (uint64_t)random() % 200000;
		uint64_t off = (uint64_t)random() % (size - len);
		if (random() & 1) {
			fill_fast(buf, len);
			ck_assert_int_eq(vmdk_pwrite(d, buf, len, off), 0);
			ck_assert_int_eq(blockdev_pwrite(raw, buf, len, off), 0);
			memcpy(ref + off, buf, len);
		} else {
			ck_assert_int_eq(vmdk_pread(d, got, len, off), 0);
			ck_assert_mem_eq(got, ref + off, len);
			ck_assert_int_eq(blockdev_pread(raw, got, len, off), 0);
			ck_assert_mem_eq(got, ref + off, len);
		}
		if (i % 500 == 499)
			ck_assert_int_eq(vmdk_flush(d), 0);
		if (i == 2000) {
			vmdk_close(d);
			ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
		}
	}
	ck_assert_int_eq(vmdk_pread(d, got, 10, size - 5), -EINVAL);
	ck_assert_int_eq(vmdk_pwrite(d, got, 10, size - 5), -EINVAL);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_check(p, 0, stderr), 0);
	/* The whole disk against the raw file after the final close. */
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	for (uint64_t off = 0; off < size; off += 1 << 17) {
		ck_assert_int_eq(vmdk_pread(d, got, 1 << 17, off), 0);
		ck_assert_int_eq(blockdev_pread(raw, buf, 1 << 17, off), 0);
		ck_assert_mem_eq(got, buf, 1 << 17);
	}
	vmdk_close(d);
	blockdev_close(raw);
	free(ref);
	free(buf);
	free(got);
}

START_TEST(test_diff_sparse)
{
	differential(VMDK_MONOLITHIC_SPARSE, 0);
}
END_TEST

START_TEST(test_diff_split_sparse)
{
	differential(VMDK_SPLIT_SPARSE, 0);
}
END_TEST

START_TEST(test_diff_child)
{
	differential(VMDK_MONOLITHIC_SPARSE, 1);
}
END_TEST

START_TEST(test_diff_flat)
{
	differential(VMDK_MONOLITHIC_FLAT, 0);
}
END_TEST

START_TEST(test_lock)
{
	char p[128], lck[160];
	struct vmdk *a, *b;
	int st;

	snprintf(p, sizeof(p), "%s/l.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 1 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &a), 0);
	/* A second writer in another process is refused, naming the holder. */
	pid_t pid = fork();
	if (pid == 0) {
		int rc = vmdk_open(p, 0, &b);
		_exit(rc == -EBUSY && strstr(vmdk_strerror(), "pid") ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* A reader in another process is refused while it is written. */
	pid = fork();
	if (pid == 0) {
		int rc = vmdk_open(p, VMDK_RDONLY, &b);
		_exit(rc == -EBUSY && strstr(vmdk_strerror(), "write lock") ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* This process may read what it writes, but not open it twice for
	 * writing. */
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &b), 0);
	vmdk_close(b);
	ck_assert_int_eq(vmdk_open(p, 0, &b), -EEXIST);
	snprintf(lck, sizeof(lck), "%s.lck/M%ld.lck", p, (long)getpid());
	ck_assert_int_eq(access(lck, F_OK), 0);
	vmdk_close(a);
	ck_assert_int_ne(access(lck, F_OK), 0);
	/* Readers share; a writer is refused while another process reads. */
	int ready[2], go[2];
	char c;
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		struct vmdk *r;
		int rc = vmdk_open(p, VMDK_RDONLY, &r);
		ck_assert_int_eq(write(ready[1], rc ? "n" : "y", 1), 1);
		ck_assert_int_eq(read(go[0], &c, 1), 1);
		vmdk_close(r);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &b), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &a), -EBUSY);
	ck_assert_ptr_nonnull(strstr(vmdk_strerror(), "read lock"));
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	waitpid(pid, &st, 0);
	vmdk_close(b);
	ck_assert_int_eq(vmdk_open(p, 0, &a), 0);
	vmdk_close(a);
	/* A lock of a dead process is broken. */
	pid = fork();
	if (pid == 0) {
		struct vmdk *c;
		_exit(vmdk_open(p, 0, &c) ? 1 : 0);   /* exits holding the lock */
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(vmdk_open(p, 0, &a), 0);
	vmdk_close(a);
}
END_TEST

START_TEST(test_child)
{
	char p[128], c[128];
	uint8_t buf[4096], got[4096];
	struct vmdk *d;
	struct vmdk_info i1, i2;

	snprintf(p, sizeof(p), "%s/base.vmdk", dir);
	snprintf(c, sizeof(c), "%s/child.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 4 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	memset(buf, 0xab, sizeof(buf));
	ck_assert_int_eq(vmdk_pwrite(d, buf, sizeof(buf), 65536), 0);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_create_child(c, p), 0);
	ck_assert_int_eq(vmdk_open(c, 0, &d), 0);
	vmdk_get_info(d, &i1);
	ck_assert_str_eq(i1.parent_hint, "base.vmdk");  /* same directory: by name */
	{
		/* Elsewhere: by absolute path, and it opens. */
		char sub[160], c2[192];
		struct vmdk *d2;
		struct vmdk_info i3;
		snprintf(sub, sizeof(sub), "%s/sub", dir);
		ck_assert_int_eq(mkdir(sub, 0755), 0);
		snprintf(c2, sizeof(c2), "%s/c2.vmdk", sub);
		ck_assert_int_eq(vmdk_create_child(c2, p), 0);
		ck_assert_int_eq(vmdk_open(c2, VMDK_RDONLY, &d2), 0);
		vmdk_get_info(d2, &i3);
		ck_assert_int_eq(i3.parent_hint[0], '/');
		ck_assert_int_eq(vmdk_pread(d2, got, sizeof(got), 65536), 0);
		ck_assert_mem_eq(got, buf, sizeof(got));
		vmdk_close(d2);
	}
	ck_assert_int_eq(vmdk_pread(d, got, sizeof(got), 65536), 0);
	ck_assert_mem_eq(got, buf, sizeof(buf));
	memset(buf, 0xcd, 100);
	ck_assert_int_eq(vmdk_pwrite(d, buf, 100, 65536), 0);
	vmdk_get_info(d, &i2);
	ck_assert_uint_ne(i1.cid, i2.cid);      /* CID changes on first write */
	ck_assert_int_eq(vmdk_pread(d, got, sizeof(got), 65536), 0);
	ck_assert_mem_eq(got, buf, sizeof(buf));
	vmdk_close(d);
	/* Changing the parent breaks parentCID: a clear error. */
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	ck_assert_int_eq(vmdk_pwrite(d, buf, 512, 0), 0);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_open(c, VMDK_RDONLY, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(vmdk_strerror(), "parentCID"));
}
END_TEST

static void write_file(const char *p, const void *b, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	close(fd);
}

START_TEST(test_malformed)
{
	char p[128];
	struct vmdk *d;
	uint8_t *img;
	struct stat st;
	int fd;

	snprintf(p, sizeof(p), "%s/m.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 8 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	uint8_t buf[512] = {1};
	ck_assert_int_eq(vmdk_pwrite(d, buf, 512, 0), 0);
	vmdk_close(d);
	ck_assert_int_eq(stat(p, &st), 0);
	img = malloc((size_t)st.st_size);
	fd = open(p, O_RDONLY);
	ck_assert_int_eq(read(fd, img, (size_t)st.st_size), st.st_size);
	close(fd);
	/* Random byte corruption in the metadata: never a crash. */
	srandom(7);
	for (int i = 0; i < 300; i++) {
		uint8_t *m = malloc((size_t)st.st_size);
		memcpy(m, img, (size_t)st.st_size);
		for (int k = 0; k < 8; k++)
			m[(size_t)random() % (size_t)(st.st_size < 70000 ? st.st_size : 70000)] = (uint8_t)random();
		size_t n = (i % 5 == 0) ? (size_t)random() % (size_t)st.st_size : (size_t)st.st_size;
		write_file(p, m, n);
		if (vmdk_open(p, VMDK_RDONLY, &d) == 0) {
			uint8_t r[4096];
			for (uint64_t off = 0; off + sizeof(r) <= vmdk_size(d) && off < (1 << 20); off += 65536)
				vmdk_pread(d, r, sizeof(r), off);
			vmdk_close(d);
		}
		free(m);
	}
	/* Bad magic, garbage descriptor, grain offset past EOF. */
	write_file(p, "KDMVxxxx", 8);
	ck_assert_int_ne(vmdk_open(p, VMDK_RDONLY, &d), 0);
	write_file(p, "# Disk DescriptorFile\nversion=1\nRW 99999999999999999 FLAT \"x\" 0\n", 64);
	ck_assert_int_ne(vmdk_open(p, VMDK_RDONLY, &d), 0);
	write_file(p, "# Disk DescriptorFile\nversion=1\nRW 10 FLAT \"../etc/passwd\" 0\n", 62);
	ck_assert_int_ne(vmdk_open(p, VMDK_RDONLY, &d), 0);
	free(img);
	/* A parent chain that loops back to itself. */
	const char *loop = "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=1\n"
			   "parentFileNameHint=\"m.vmdk\"\nRW 8 ZERO\n";
	write_file(p, loop, strlen(loop));
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), -ELOOP);
}
END_TEST

START_TEST(test_overlap)
{
	char p[128];
	struct vmdk *d;
	uint8_t b[512] = {9};
	uint64_t gd;
	uint32_t gt, g0;
	int fd;

	snprintf(p, sizeof(p), "%s/o.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 8 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	ck_assert_int_eq(vmdk_pwrite(d, b, 512, 0), 0);
	ck_assert_int_eq(vmdk_pwrite(d, b, 512, 65536), 0);
	vmdk_close(d);
	FILE *null = fopen("/dev/null", "w");
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	/* Point grain 1 into grain 0, in both tables. */
	fd = open(p, O_RDWR);
	ck_assert_int_eq(pread(fd, &gd, 8, 56), 8);
	ck_assert_int_eq(pread(fd, &gt, 4, (off_t)(gd * 512)), 4);
	ck_assert_int_eq(pread(fd, &g0, 4, (off_t)(gt * 512ull)), 4);
	g0 += 8;
	ck_assert_int_eq(pwrite(fd, &g0, 4, (off_t)(gt * 512ull + 4)), 4);
	ck_assert_int_eq(pread(fd, &gd, 8, 48), 8);
	ck_assert_int_eq(pread(fd, &gt, 4, (off_t)(gd * 512)), 4);
	ck_assert_int_eq(pwrite(fd, &g0, 4, (off_t)(gt * 512ull + 4)), 4);
	close(fd);
	ck_assert_int_ge(vmdk_check(p, 0, null), 1);
	fclose(null);
}
END_TEST

START_TEST(test_blockdev)
{
	char p[128];
	struct blockdev *bd;
	uint8_t b[512];

	snprintf(p, sizeof(p), "%s/r.img", dir);
	write_file(p, "hello", 5);
	ck_assert_int_eq(truncate(p, 4096), 0);
	ck_assert_int_eq(blockdev_open(p, BLOCKDEV_RDONLY, &bd), 0);
	ck_assert_uint_eq(bd->size, 4096);
	ck_assert_int_eq(blockdev_pread(bd, b, 512, 0), 0);
	ck_assert_mem_eq(b, "hello", 5);
	ck_assert_int_eq(blockdev_pwrite(bd, b, 512, 0), -EROFS);
	blockdev_close(bd);
	snprintf(p, sizeof(p), "%s/v.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 1 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(blockdev_open(p, 0, &bd), 0);
	ck_assert_uint_eq(bd->size, 1 << 20);
	memset(b, 0x5a, sizeof(b));
	ck_assert_int_eq(blockdev_pwrite(bd, b, 512, 4096), 0);
	ck_assert_int_eq(blockdev_flush(bd), 0);
	blockdev_close(bd);
	ck_assert_int_eq(blockdev_open(p, BLOCKDEV_RDONLY, &bd), 0);
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(blockdev_pread(bd, b, 512, 4096), 0);
	ck_assert_int_eq(b[511], 0x5a);
	blockdev_close(bd);
}
END_TEST

START_TEST(test_redundant_gd)
{
	char p[128];
	struct vmdk *d;
	uint8_t b[4096], g[4096];
	uint64_t gd;
	uint32_t bad = 0x7ffffff0u;
	int fd;

	snprintf(p, sizeof(p), "%s/r.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 8 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	memset(b, 0x77, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 8192), 0);
	vmdk_close(d);
	/* Damage the primary directory's first entry. */
	fd = open(p, O_RDWR);
	ck_assert_int_eq(pread(fd, &gd, 8, 56), 8);
	ck_assert_int_eq(pwrite(fd, &bad, 4, (off_t)(gd * 512)), 4);
	close(fd);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 8192), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	vmdk_close(d);
	FILE *null = fopen("/dev/null", "w");
	ck_assert_int_eq(vmdk_check(p, 0, null), 1);
	ck_assert_int_eq(vmdk_check(p, 1, null), 0);
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	fclose(null);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 8192), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	vmdk_close(d);
}
END_TEST

static int aio_count, aio_err;

static void aio_cb(void *opaque, int result)
{
	(void)opaque;
	aio_count++;
	if (result)
		aio_err = result;
}

START_TEST(test_aio)
{
	char p[128];
	struct vmdk *d;
	static uint8_t w[32][4096], r[32][4096];
	uv_loop_t loop;

	snprintf(p, sizeof(p), "%s/a.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 4 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	aio_count = aio_err = 0;
	for (int i = 0; i < 32; i++) {
		memset(w[i], i + 1, 4096);
		ck_assert_int_eq(vmdk_aio_pwrite(&loop, (struct blockdev *)d, w[i], 4096,
						 (uint64_t)i * 69632, aio_cb, NULL), 0);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(aio_count, 32);
	ck_assert_int_eq(vmdk_aio_flush(&loop, (struct blockdev *)d, aio_cb, NULL), 0);
	for (int i = 0; i < 32; i++)
		ck_assert_int_eq(vmdk_aio_pread(&loop, (struct blockdev *)d, r[i], 4096,
						(uint64_t)i * 69632, aio_cb, NULL), 0);
	ck_assert_int_eq(vmdk_aio_pread(&loop, (struct blockdev *)d, r[0], 4096, 4 << 20, aio_cb, NULL), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(aio_count, 66);
	ck_assert_int_eq(aio_err, -EINVAL);     /* the read past the end */
	for (int i = 1; i < 32; i++)
		ck_assert_mem_eq(r[i], w[i], 4096);
	uv_loop_close(&loop);
	vmdk_close(d);
}
END_TEST

static void fill_random(uint8_t *b, size_t n)
{
	fill_fast(b, n);
}

START_TEST(test_stream)
{
	char p[128];
	const uint64_t size = (5u << 20) + 1536;      /* not a whole grain */
	uint8_t *ref = calloc(1, size), *got = malloc(size);
	struct vmdk_stream *st;
	struct vmdk *d;

	snprintf(p, sizeof(p), "%s/s.vmdk", dir);
	srandom(3);
	ck_assert_int_eq(vmdk_stream_create(p, size, VMDK_ADAPTER_BUSLOGIC, 7, &st), 0);
	/* Ascending pieces of random lengths, with gaps and zero runs. */
	for (uint64_t off = 0; off < size;) {
		uint64_t len = 1 + (uint64_t)random() % 150000;
		if (len > size - off)
			len = size - off;
		if (random() % 3)
			fill_random(ref + off, len);
		if (random() % 4)
			ck_assert_int_eq(vmdk_stream_write(st, ref + off, len, off), 0);
		else
			memset(ref + off, 0, len);
		off += len + (random() % 2 ? 0 : (uint64_t)random() % 100000);
		if (off > size)
			break;
	}
	/* Going backwards is refused. */
	ck_assert_int_eq(vmdk_stream_write(st, ref, 512, 0), -EINVAL);
	ck_assert_int_eq(vmdk_stream_close(st), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), -EROFS);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	ck_assert_uint_eq(vmdk_size(d), size);
	ck_assert_int_eq(vmdk_pread(d, got, size, 0), 0);
	ck_assert_mem_eq(got, ref, size);
	/* Small unaligned reads (each compressed grain inflated once). */
	memset(got, 0xee, size);
	for (uint64_t off = 0; off < size; off += 3000)
		ck_assert_int_eq(vmdk_pread(d, got + off, size - off < 3000 ? size - off : 3000, off), 0);
	ck_assert_mem_eq(got, ref, size);
	struct vmdk_info in;
	vmdk_get_info(d, &in);
	ck_assert_str_eq(in.create_type, "streamOptimized");
	ck_assert_uint_lt(in.allocated, size);   /* compressed, holes left out */
	vmdk_close(d);
	FILE *null = fopen("/dev/null", "w");
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	fclose(null);
	free(ref);
	free(got);
}
END_TEST

/* GTEs of a monolithic sparse disk, read straight from the file. */
static void read_gtes(const char *p, uint32_t *gtes, int n)
{
	uint64_t gd;
	uint32_t gt;
	int fd = open(p, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &gd, 8, 56), 8);
	ck_assert_int_eq(pread(fd, &gt, 4, (off_t)(gd * 512)), 4);
	ck_assert_int_eq(pread(fd, gtes, (size_t)n * 4, (off_t)gt * 512), n * 4);
	close(fd);
}

START_TEST(test_shrink_defrag)
{
	char p[128];
	const uint64_t size = 8u << 20;
	uint8_t *ref = calloc(1, size), *got = malloc(size);
	uint32_t gtes[128];
	struct vmdk *d;
	struct stat st1, st2;
	struct vmdk_info i1, i2;

	snprintf(p, sizeof(p), "%s/k.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, size, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	srandom(11);
	/* Grains written in reverse order (fragmented); every third all zero. */
	for (int g = 127; g >= 0; g--) {
		if (g % 3)
			fill_random(ref + g * 65536ull, 65536);
		ck_assert_int_eq(vmdk_pwrite(d, ref + g * 65536ull, 65536, g * 65536ull), 0);
	}
	vmdk_get_info(d, &i1);
	vmdk_close(d);
	read_gtes(p, gtes, 128);
	ck_assert_uint_gt(gtes[0], gtes[127]);
	ck_assert_int_eq(stat(p, &st1), 0);
	ck_assert_int_eq(vmdk_defragment(p), 0);
	read_gtes(p, gtes, 128);
	for (int g = 1; g < 128; g++)
		ck_assert_uint_eq(gtes[g], gtes[g - 1] + 128);   /* LBA order */
	ck_assert_int_eq(vmdk_shrink(p), 0);
	ck_assert_int_eq(stat(p, &st2), 0);
	ck_assert_int_le(st2.st_size, st1.st_size - 42 * 65536);
	read_gtes(p, gtes, 128);
	for (int g = 0; g < 128; g++)
		ck_assert(g % 3 ? gtes[g] > 1 : gtes[g] == 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	vmdk_get_info(d, &i2);
	ck_assert_uint_eq(i1.cid, i2.cid);      /* same contents, same CID */
	ck_assert_int_eq(vmdk_pread(d, got, size, 0), 0);
	ck_assert_mem_eq(got, ref, size);
	vmdk_close(d);
	FILE *null = fopen("/dev/null", "w");
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	fclose(null);
	/* Flat disks cannot be shrunk. */
	snprintf(p, sizeof(p), "%s/f.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_FLAT, size, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_shrink(p), -ENOTSUP);
	free(ref);
	free(got);
}
END_TEST

static void expand_one(int type)
{
	char p[128];
	uint8_t b[65536], g[65536];
	struct vmdk *d;
	FILE *null = fopen("/dev/null", "w");

	snprintf(p, sizeof(p), "%s/x%d.vmdk", dir, type);
	ck_assert_int_eq(vmdk_create(p, type, 4 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	fill_random(b, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), (4 << 20) - 65536), 0);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_expand(p, 1 << 20), -EINVAL);     /* smaller */
	ck_assert_int_eq(vmdk_expand(p, 40 << 20), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	ck_assert_uint_eq(vmdk_size(d), 40 << 20);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), (4 << 20) - 65536), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 30 << 20), 0);
	ck_assert_int_eq(g[0] | g[65535], 0);
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), (40 << 20) - 65536), 0);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), (40 << 20) - 65536), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	vmdk_close(d);
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	fclose(null);
}

/* A monolithicSparse disk grown past what its directory sector holds
 * (128 tables, 4 GiB): new directories at the end, in place. */
START_TEST(test_expand_directory)
{
	char p[128];
	uint8_t b[65536], g[65536];
	struct vmdk *d;
	struct stat s1, s2;
	FILE *null = fopen("/dev/null", "w");

	snprintf(p, sizeof(p), "%s/xd.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 8 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	fill_fast(b, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 65536), 0);
	vmdk_close(d);
	ck_assert_int_eq(stat(p, &s1), 0);
	ck_assert_int_eq(vmdk_expand(p, 5ull << 30), 0);
	ck_assert_int_eq(stat(p, &s2), 0);
	/* Two 2-sector directories and 159 new tables in both copies, as
	 * holes: the file grows by their size but not on disk. */
	ck_assert_int_eq(s2.st_size - s1.st_size, 2 * 2 * 512 + 2 * 159 * 2048);
	ck_assert_int_le(s2.st_blocks - s1.st_blocks, 64);
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	ck_assert_uint_eq(vmdk_size(d), 5ull << 30);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 65536), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), (5ull << 30) - 65536), 0);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), (5ull << 30) - 65536), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 3ull << 30), 0);
	ck_assert_int_eq(g[0] | g[65535], 0);
	vmdk_close(d);
	fclose(null);
}
END_TEST

START_TEST(test_expand)
{
	expand_one(VMDK_MONOLITHIC_SPARSE);
	expand_one(VMDK_MONOLITHIC_FLAT);
	expand_one(VMDK_SPLIT_SPARSE);
	expand_one(VMDK_SPLIT_FLAT);
	expand_one(VMDK_VMFS_THIN);
}
END_TEST

/* A writer that dies without closing: flushed writes survive, the
 * uncleanShutdown flag tells, -R clears it. */
START_TEST(test_unflushed_crash)
{
	char p[128];
	uint8_t b[65536], g[65536], flag;
	struct vmdk *d;
	int st, fd;
	FILE *null = fopen("/dev/null", "w");

	snprintf(p, sizeof(p), "%s/c.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 16 << 20, VMDK_ADAPTER_IDE, 4), 0);
	memset(b, 0x3c, sizeof(b));
	pid_t pid = fork();
	if (pid == 0) {
		if (vmdk_open(p, 0, &d))
			_exit(1);
		for (int i = 0; i < 64; i++)
			if (vmdk_pwrite(d, b, 4096, (uint64_t)i * 131072))
				_exit(1);
		if (vmdk_flush(d))
			_exit(1);
		for (int i = 64; i < 128; i++)
			if (vmdk_pwrite(d, b, 4096, (uint64_t)i * 131072))
				_exit(1);
		_exit(0);       /* no flush, no close */
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fd = open(p, O_RDONLY);
	ck_assert_int_eq(pread(fd, &flag, 1, 72), 1);
	close(fd);
	ck_assert_int_eq(flag, 1);
	ck_assert_int_eq(vmdk_check(p, 0, null), 1);    /* "not closed cleanly" */
	/* The 64 unflushed grains were never published: -R cuts them off. */
	struct stat s1, s2;
	ck_assert_int_eq(stat(p, &s1), 0);
	ck_assert_int_eq(vmdk_check(p, 1, null), 0);
	ck_assert_int_eq(stat(p, &s2), 0);
	ck_assert_int_eq(s1.st_size - s2.st_size, 64 * 65536);
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	fd = open(p, O_RDONLY);
	ck_assert_int_eq(pread(fd, &flag, 1, 72), 1);
	close(fd);
	ck_assert_int_eq(flag, 0);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	for (int i = 0; i < 64; i++) {
		ck_assert_int_eq(vmdk_pread(d, g, 4096, (uint64_t)i * 131072), 0);
		ck_assert_mem_eq(g, b, 4096);
	}
	vmdk_close(d);
	fclose(null);
}
END_TEST

START_TEST(test_descriptor_atomic)
{
	char p[128], cmd[256];
	struct stat s1, s2;
	struct vmdk *d;
	struct vmdk_info i1, i2;
	uint8_t b[512] = { 1 };

	snprintf(p, sizeof(p), "%s/a.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_FLAT, 1 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(stat(p, &s1), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	vmdk_get_info(d, &i1);
	ck_assert_int_eq(vmdk_pwrite(d, b, 512, 0), 0);
	vmdk_get_info(d, &i2);
	vmdk_close(d);
	ck_assert_uint_ne(i1.cid, i2.cid);
	/* Replaced by rename (a new inode), not rewritten in place, and no
	 * temporary left behind. */
	ck_assert_int_eq(stat(p, &s2), 0);
	ck_assert_uint_ne(s1.st_ino, s2.st_ino);
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q tmp", dir);
	ck_assert_int_ne(system(cmd), 0);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	vmdk_get_info(d, &i1);
	ck_assert_uint_eq(i1.cid, i2.cid);
	vmdk_close(d);
}
END_TEST

START_TEST(test_types)
{
	static const char *names[] = { "monolithicSparse", "twoGbMaxExtentSparse", "monolithicFlat",
				       "twoGbMaxExtentFlat", "vmfs", "streamOptimized", "vmfsThin" };
	char p[128];
	struct vmdk *d;
	struct vmdk_info in;

	for (int t = 0; t <= 6; t++) {
		snprintf(p, sizeof(p), "%s/t%d.vmdk", dir, t);
		ck_assert_int_eq(vmdk_create(p, t, 3 << 20, VMDK_ADAPTER_LSILOGIC, 6), 0);
		ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
		vmdk_get_info(d, &in);
		ck_assert_str_eq(in.create_type, names[t]);
		ck_assert_uint_eq(in.capacity, 3 << 20);
		ck_assert_uint_eq(in.heads, 255);
		vmdk_close(d);
	}
	snprintf(p, sizeof(p), "%s/t7.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, 7, 3 << 20, VMDK_ADAPTER_IDE, 4), -ENOTSUP);
}
END_TEST

START_TEST(test_aio_raw)
{
	char p[128];
	struct blockdev *bd;
	static uint8_t w[64][512], r[64][512];
	uv_loop_t loop;
	int fd;

	snprintf(p, sizeof(p), "%s/raw.img", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	ck_assert_int_eq(blockdev_open(p, 0, &bd), 0);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	aio_count = aio_err = 0;
	for (int i = 0; i < 64; i++) {
		memset(w[i], 0x80 + i, 512);
		ck_assert_int_eq(vmdk_aio_pwrite(&loop, bd, w[i], 512, (uint64_t)i * 8192, aio_cb, NULL), 0);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(vmdk_aio_flush(&loop, bd, aio_cb, NULL), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(vmdk_aio_pread(&loop, bd, r[i], 512, (uint64_t)i * 8192, aio_cb, NULL), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(aio_count, 129);
	ck_assert_int_eq(aio_err, 0);
	for (int i = 0; i < 64; i++)
		ck_assert_mem_eq(r[i], w[i], 512);
	uv_loop_close(&loop);
	blockdev_close(bd);
}
END_TEST

START_TEST(test_rename)
{
	char p[128], q[128], other[128], cmd[256];
	uint8_t b[65536], g[65536];
	struct vmdk *d;

	snprintf(p, sizeof(p), "%s/old.vmdk", dir);
	snprintf(q, sizeof(q), "%s/new.vmdk", dir);
	snprintf(other, sizeof(other), "%s/other.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_SPLIT_SPARSE, 3 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_create(other, VMDK_MONOLITHIC_SPARSE, 1 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	fill_fast(b, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 1 << 20), 0);
	ck_assert_int_eq(vmdk_rename(p, q), -EEXIST);  /* in use (here) */
	vmdk_close(d);
	ck_assert_int_eq(vmdk_rename(p, other), -EEXIST);
	ck_assert_int_eq(vmdk_rename(p, q), 0);
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q '^old'", dir);
	ck_assert_int_ne(system(cmd), 0);       /* nothing left of the old name */
	ck_assert_int_eq(vmdk_open(q, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 1 << 20), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	vmdk_close(d);
	snprintf(cmd, sizeof(cmd), "grep -q '\"new-s001.vmdk\"' %s", q);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A 3 GiB disk (split: two extents) against a sparse raw file: writes
 * and reads cluster around grain-table (32 MiB) and extent (2 GiB)
 * boundaries and cross them. */
static void differential_big(int type)
{
	const uint64_t size = 3ull << 30;
	char p[128], rp[128];
	uint8_t *buf = malloc(300000), *got = malloc(300000), *want = malloc(300000);
	struct vmdk *d;
	struct blockdev *raw;
	int fd;

	snprintf(p, sizeof(p), "%s/big.vmdk", dir);
	snprintf(rp, sizeof(rp), "%s/big.raw", dir);
	fd = open(rp, O_RDWR | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	close(fd);
	ck_assert_int_eq(blockdev_open_raw(rp, 0, &raw), 0);
	ck_assert_int_eq(vmdk_create(p, type, size, VMDK_ADAPTER_LSILOGIC, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	srandom(7);
	for (int i = 0; i < 3000; i++) {
		uint64_t len = 1 + (uint64_t)random() % 300000;
		/* Near a 32 MiB boundary (the 2 GiB one among them) or anywhere. */
		uint64_t b = random() % 4 ? ((uint64_t)random() % 96) << 25 : 2ull << 30;
		uint64_t off = random() % 8 ? b + (uint64_t)random() % 600000 - 300000 : (uint64_t)random() * 2 % size;
		if (off > size - len)
			off = size - len;
		if (random() & 1) {
			fill_fast(buf, len);
			ck_assert_int_eq(vmdk_pwrite(d, buf, len, off), 0);
			ck_assert_int_eq(blockdev_pwrite(raw, buf, len, off), 0);
		} else {
			ck_assert_int_eq(vmdk_pread(d, got, len, off), 0);
			ck_assert_int_eq(blockdev_pread(raw, want, len, off), 0);
			ck_assert_mem_eq(got, want, len);
		}
		if (i == 1500) {
			vmdk_close(d);
			ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
		}
	}
	vmdk_close(d);
	blockdev_close(raw);
	FILE *null = fopen("/dev/null", "w");
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	fclose(null);
	free(buf);
	free(got);
	free(want);
}

START_TEST(test_diff_big_split)
{
	differential_big(VMDK_SPLIT_SPARSE);
}
END_TEST

START_TEST(test_diff_big_sparse)
{
	differential_big(VMDK_MONOLITHIC_SPARSE);
}
END_TEST

/* More extents than the old fixed limit of 64: 66 of them. */
START_TEST(test_many_extents)
{
	char p[128];
	const uint64_t size = 132ull << 30, edge = 100ull << 30;
	uint8_t b[8192], g[8192];
	struct vmdk *d;
	FILE *null = fopen("/dev/null", "w");

	snprintf(p, sizeof(p), "%s/many.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_SPLIT_SPARSE, size, VMDK_ADAPTER_LSILOGIC, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	fill_fast(b, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), edge - 4096), 0);        /* across two */
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), size - sizeof(b)), 0);    /* the last */
	vmdk_close(d);
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), 0);
	ck_assert_uint_eq(vmdk_size(d), size);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), edge - 4096), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), size - sizeof(g)), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	vmdk_close(d);
	ck_assert_int_eq(vmdk_check(p, 0, null), 0);
	fclose(null);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmdk");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_diff_sparse);
	tcase_add_test(tc, test_diff_flat);
	tcase_add_test(tc, test_diff_split_sparse);
	tcase_add_test(tc, test_diff_child);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_shrink_defrag);
	tcase_add_test(tc, test_expand);
	tcase_add_test(tc, test_expand_directory);
	tcase_add_test(tc, test_unflushed_crash);
	tcase_add_test(tc, test_descriptor_atomic);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_child);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_blockdev);
	tcase_add_test(tc, test_redundant_gd);
	tcase_add_test(tc, test_aio);
	tcase_add_test(tc, test_aio_raw);
	tcase_add_test(tc, test_rename);
	tcase_add_test(tc, test_diff_big_split);
	tcase_add_test(tc, test_diff_big_sparse);
	tcase_add_test(tc, test_many_extents);
	tcase_add_test(tc, test_overlap);
	suite_add_tcase(s, tc);
	return check_run(s);
}
