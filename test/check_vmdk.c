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

static void differential(int type)
{
	const uint64_t size = 16u << 20;
	char p[128];
	uint8_t *ref = calloc(1, size), *buf = malloc(200000), *got = malloc(200000);
	struct vmdk *d;

	snprintf(p, sizeof(p), "%s/d.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, type, size, VMDK_ADAPTER_LSILOGIC, 4), 0);
	ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
	srandom(42);
	for (int i = 0; i < 4000; i++) {
		uint64_t len = 1 + (uint64_t)random() % 200000;
		uint64_t off = (uint64_t)random() % (size - len);
		if (random() & 1) {
			for (uint64_t j = 0; j < len; j++)
				buf[j] = (uint8_t)random();
			ck_assert_int_eq(vmdk_pwrite(d, buf, len, off), 0);
			memcpy(ref + off, buf, len);
		} else {
			ck_assert_int_eq(vmdk_pread(d, got, len, off), 0);
			ck_assert_mem_eq(got, ref + off, len);
		}
		if (i == 2000) {
			vmdk_close(d);
			ck_assert_int_eq(vmdk_open(p, 0, &d), 0);
		}
	}
	ck_assert_int_eq(vmdk_pread(d, got, 10, size - 5), -EINVAL);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_check(p, 0, stderr), 0);
	free(ref);
	free(buf);
	free(got);
}

START_TEST(test_diff_sparse)
{
	differential(VMDK_MONOLITHIC_SPARSE);
}
END_TEST

START_TEST(test_diff_flat)
{
	differential(VMDK_MONOLITHIC_FLAT);
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
	/* A reader does not disturb the writer's lock. */
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &b), 0);
	vmdk_close(b);
	snprintf(lck, sizeof(lck), "%s.lck/M%ld.lck", p, (long)getpid());
	ck_assert_int_eq(access(lck, F_OK), 0);
	vmdk_close(a);
	ck_assert_int_ne(access(lck, F_OK), 0);
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

int main(void)
{
	Suite *s = suite_create("vmdk");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_diff_sparse);
	tcase_add_test(tc, test_diff_flat);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_child);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_blockdev);
	tcase_add_test(tc, test_redundant_gd);
	tcase_add_test(tc, test_aio);
	tcase_add_test(tc, test_overlap);
	suite_add_tcase(s, tc);
	return check_run(s);
}
