/* libvmdk on malformed files: one test per kind of damage.  Each must
 * give a clear error (open or read), never a crash or an out-of-bounds
 * access, and vmdk_check must list the problem; what can be repaired is. */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/vmdk.h"

/* Sparse header field offsets (VMware's SparseExtentHeader). */
#define H_MAGIC 0
#define H_VERSION 4
#define H_CAPACITY 12
#define H_GRAIN 20
#define H_GTES 44
#define H_RGD 48
#define H_GD 56

static char dir[64], img[128];
static char report[16384];

static void setup(void)
{
	strcpy(dir, "/tmp/check_vmdkm.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(img, sizeof(img), "%s/m.vmdk", dir);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *p, uint64_t off, const void *v, size_t n)
{
	int fd = open(p, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, v, n, (off_t)off), (ssize_t)n);
	close(fd);
}

static void put32(uint64_t off, uint32_t v)
{
	put(img, off, &v, 4);
}

static void put64(uint64_t off, uint64_t v)
{
	put(img, off, &v, 8);
}

static uint64_t get(uint64_t off, size_t n)
{
	uint64_t v = 0;
	int fd = open(img, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, n, (off_t)off), (ssize_t)n);
	close(fd);
	return v;
}

static void write_text(const char *p, const char *t, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, t, n), (ssize_t)n);
	close(fd);
}

/* An 8 MiB monolithicSparse disk with grains 0 and 1 written (0x11, 0x22). */
static void make_image(void)
{
	struct vmdk *d;
	uint8_t b[65536];

	ck_assert_int_eq(vmdk_create(img, VMDK_MONOLITHIC_SPARSE, 8 << 20, VMDK_ADAPTER_IDE, 4), 0);
	ck_assert_int_eq(vmdk_open(img, 0, &d), 0);
	memset(b, 0x11, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 0), 0);
	memset(b, 0x22, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 65536), 0);
	vmdk_close(d);
}

/* Runs vmdk_check into report[]; returns its result. */
static int check(int repair)
{
	FILE *f = fmemopen(report, sizeof(report) - 1, "w");
	int rc;

	ck_assert_ptr_nonnull(f);
	rc = vmdk_check(img, repair, f);
	fclose(f);
	return rc;
}

static uint64_t gt_sector(int redundant)
{
	return get(get(redundant ? H_RGD : H_GD, 8) * 512, 4);
}

static uint64_t gte(int redundant, int i)
{
	return get(gt_sector(redundant) * 512 + 4ull * i, 4);
}

static void set_gte(int i, uint32_t v)
{
	put32(gt_sector(0) * 512 + 4ull * i, v);
	put32(gt_sector(1) * 512 + 4ull * i, v);
}

static void expect_open_error(const char *what)
{
	struct vmdk *d;

	ck_assert_int_lt(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_msg(strstr(vmdk_strerror(), what), "error \"%s\" lacks \"%s\"", vmdk_strerror(), what);
	ck_assert_int_lt(check(0), 0);
	ck_assert_ptr_nonnull(strstr(report, "cannot open"));
}

/* Reading grain i fails with -EIO (d stays usable for other grains). */
static void expect_read_error(int grain)
{
	struct vmdk *d;
	uint8_t b[4096];

	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, b, sizeof(b), (uint64_t)grain * 65536), -EIO);
	vmdk_close(d);
}

START_TEST(test_bad_magic)
{
	make_image();
	put(img, H_MAGIC, "KDMX", 4);
	expect_open_error("not a VMDK");
	unlink(img);
	make_image();
	put32(H_VERSION, 77);
	expect_open_error("magic/version");
	put(img, H_MAGIC, "COWD", 4);
	expect_open_error("COWD");
}
END_TEST

START_TEST(test_truncated)
{
	struct stat st;
	struct vmdk *d;
	uint8_t b[4096];

	make_image();
	ck_assert_int_eq(stat(img, &st), 0);
	/* Cut into the last grain: reading it fails, check reports it. */
	ck_assert_int_eq(truncate(img, st.st_size - 4096), 0);
	expect_read_error(1);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, b, sizeof(b), 0), 0);
	ck_assert_int_eq(b[0], 0x11);
	vmdk_close(d);
	ck_assert_int_eq(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "past end of file"));
	ck_assert_int_eq(check(1), 0);
	ck_assert_int_eq(check(0), 0);
	/* Cut before the directory (sector 26): the open fails. */
	ck_assert_int_eq(truncate(img, 24 * 512), 0);
	expect_open_error("past end of file");
	/* Nothing but half a header. */
	ck_assert_int_eq(truncate(img, 200), 0);
	expect_open_error("");
}
END_TEST

START_TEST(test_gt_past_eof)
{
	struct vmdk *d;
	uint8_t b[512];

	make_image();
	put32(get(H_GD, 8) * 512, 0x7ffffff0u);
	put32(get(H_RGD, 8) * 512, 0x7ffffff0u);
	expect_read_error(0);
	ck_assert_int_eq(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "grain table 0"));
	ck_assert_ptr_nonnull(strstr(report, "no good copy"));
	/* No good copy: the table is dropped, the disk reads as zeros. */
	ck_assert_int_eq(check(1), 0);
	ck_assert_int_eq(check(0), 0);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, b, sizeof(b), 0), 0);
	ck_assert_int_eq(b[0], 0);
	vmdk_close(d);
}
END_TEST

START_TEST(test_gt_into_metadata)
{
	make_image();
	/* Both directories point the table at the header. */
	put32(get(H_GD, 8) * 512, 1);
	put32(get(H_RGD, 8) * 512, 1);
	expect_read_error(0);
	ck_assert_int_ge(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "inside metadata"));
	/* Only the primary: the redundant copy repairs it, data intact. */
	unlink(img);
	make_image();
	put32(get(H_GD, 8) * 512, (uint32_t)get(H_GD, 8));
	ck_assert_int_eq(check(0), 1);
	ck_assert_int_eq(check(1), 0);
	ck_assert_int_eq(check(0), 0);
	ck_assert_uint_eq(gte(0, 1), gte(1, 1));
}
END_TEST

START_TEST(test_grain_past_eof)
{
	struct vmdk *d;
	uint8_t b[512];

	make_image();
	set_gte(1, 0x7fffff00u);
	expect_read_error(1);
	ck_assert_int_eq(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "grain 0/1"));
	ck_assert_int_eq(check(1), 0);
	ck_assert_int_eq(check(0), 0);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, b, sizeof(b), 65536), 0);
	ck_assert_int_eq(b[0], 0);              /* cleared: reads as zeros */
	ck_assert_int_eq(vmdk_pread(d, b, sizeof(b), 0), 0);
	ck_assert_int_eq(b[0], 0x11);           /* the good grain is kept */
	vmdk_close(d);
}
END_TEST

START_TEST(test_grain_into_metadata)
{
	make_image();
	set_gte(1, (uint32_t)get(H_GD, 8));     /* onto the grain directory */
	expect_read_error(1);
	ck_assert_int_eq(check(0), 1);
	set_gte(1, 2);                          /* onto the descriptor */
	expect_read_error(1);
	ck_assert_int_eq(check(0), 1);
	/* Onto a grain table that lives past the overhead (as tables made
	 * after creation do): move the primary table to the end of the file. */
	struct stat st;
	uint8_t t[2048];
	int fd = open(img, O_RDWR);
	ck_assert_int_eq(fstat(fd, &st), 0);
	uint32_t n = (uint32_t)(st.st_size / 512);
	ck_assert_int_eq(pread(fd, t, sizeof(t), (off_t)gt_sector(0) * 512), (ssize_t)sizeof(t));
	ck_assert_int_eq(pwrite(fd, t, sizeof(t), (off_t)n * 512), (ssize_t)sizeof(t));
	ck_assert_int_eq(ftruncate(fd, (off_t)(n + 256) * 512), 0);
	close(fd);
	put32(get(H_GD, 8) * 512, n);
	set_gte(1, n);
	expect_read_error(1);
	ck_assert_int_eq(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "overlaps a grain table"));
	ck_assert_int_eq(check(1), 0);
	ck_assert_int_eq(check(0), 0);
}
END_TEST

START_TEST(test_overlapping_grains)
{
	struct vmdk *d;
	uint8_t b[512];

	make_image();
	set_gte(1, (uint32_t)gte(0, 0) + 8);    /* grain 1 inside grain 0 */
	ck_assert_int_eq(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "overlap"));
	ck_assert_int_eq(check(1), 0);
	ck_assert_int_eq(check(0), 0);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, b, sizeof(b), 0), 0);
	ck_assert_int_eq(b[0], 0x11);           /* the lower grain keeps its data */
	vmdk_close(d);
}
END_TEST

START_TEST(test_tables_differ)
{
	make_image();
	put32(gt_sector(1) * 512 + 4, 0);       /* the redundant table lost grain 1 */
	ck_assert_int_eq(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "differ"));
	ck_assert_int_eq(check(1), 0);
	ck_assert_uint_eq(gte(1, 1), gte(0, 1));
	ck_assert_uint_ne(gte(1, 1), 0);
}
END_TEST

START_TEST(test_rgd_on_descriptor)
{
	struct vmdk *d;
	uint8_t b[4096], g[4096];

	make_image();
	/* The redundant directory claims the descriptor's sectors, and the
	 * primary has lost its table: writing must allocate a table and
	 * rewrite the directory without clobbering the descriptor. */
	put64(H_RGD, 1);
	put32(get(H_GD, 8) * 512, 0);
	ck_assert_int_eq(vmdk_open(img, 0, &d), 0);
	memset(b, 0x5a, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 3 << 20), 0);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 3 << 20), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	vmdk_close(d);
	ck_assert_int_eq(check(0), 0);
}
END_TEST

/* Writing through a table whose primary or redundant directory entry
 * is lost or bad: the flush must not write the table where the bad
 * entry points, and afterwards both copies are good. */
static void write_through_damaged(uint64_t dir_field, uint32_t bad)
{
	struct vmdk *d;
	uint8_t b[4096], g[4096];

	unlink(img);
	make_image();
	put32(get(dir_field, 8) * 512, bad);
	ck_assert_int_eq(vmdk_open(img, 0, &d), 0);
	memset(b, 0x77, sizeof(b));
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 5 * 65536), 0);
	vmdk_close(d);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 5 * 65536), 0);
	ck_assert_mem_eq(g, b, sizeof(b));
	ck_assert_int_eq(vmdk_pread(d, g, sizeof(g), 65536), 0);
	ck_assert_int_eq(g[0], 0x22);
	vmdk_close(d);
	ck_assert_int_eq(check(0), 0);
	ck_assert_uint_eq(gte(0, 5), gte(1, 5));
}

START_TEST(test_write_damaged_directory)
{
	write_through_damaged(H_GD, 0);         /* primary entry lost */
	write_through_damaged(H_GD, 1);         /* primary on the header */
	write_through_damaged(H_RGD, 2);        /* redundant on the descriptor */
	write_through_damaged(H_RGD, 0x7ffffff0u);
}
END_TEST

START_TEST(test_absurd_header)
{
	make_image();
	put64(H_CAPACITY, 1ull << 60);
	expect_open_error("capacity");
	put64(H_CAPACITY, 0);
	expect_open_error("capacity");
	put64(H_CAPACITY, 16384);
	put64(H_GRAIN, 3);
	expect_open_error("grain size");
	put64(H_GRAIN, 1ull << 40);
	expect_open_error("grain size");
	put64(H_GRAIN, 128);
	put32(H_GTES, 0);
	expect_open_error("numGTEsPerGT");
	put32(H_GTES, 100);
	expect_open_error("numGTEsPerGT");
	put32(H_GTES, 1u << 30);
	expect_open_error("numGTEsPerGT");
	put32(H_GTES, 512);
	put64(H_GD, 1ull << 50);
	expect_open_error("directory");
	put64(H_GD, 1);                         /* on the descriptor */
	expect_open_error("directory");
}
END_TEST

START_TEST(test_descriptor_garbage)
{
	struct vmdk *d;
	char flat[160], big[4000];
	static const char *bad[] = {
		"# Disk DescriptorFile\nversion=1\n",                           /* no extents */
		"# Disk DescriptorFile\nRW 8 FLAT \"m-flat.vmdk\" 0\n",         /* no version */
		"# Disk DescriptorFile\nversion=1\nRW 99999999999999999 FLAT \"m-flat.vmdk\" 0\n",
		"# Disk DescriptorFile\nversion=1\nRW 0 FLAT \"m-flat.vmdk\" 0\n",
		"# Disk DescriptorFile\nversion=1\nRW 8 FLAT \"../m-flat.vmdk\" 0\n",
		"# Disk DescriptorFile\nversion=1\nRW 8 FLAT \"/etc/passwd\" 0\n",
		"# Disk DescriptorFile\nversion=1\nRW 8 FLAT \"missing.vmdk\" 0\n",
		"# Disk DescriptorFile\nversion=1\nRW 8 FLAT \"m-flat.vmdk\" 99999999999999999\n",
		"# Disk DescriptorFile\nversion=1\nRW 8 WEIRD \"m-flat.vmdk\" 0\n",
		"# Disk DescriptorFile\nversion=1\nRW 8 SPARSE \"m-flat.vmdk\"\n", /* not sparse */
		"# Disk DescriptorFile\nversion=1\nRW 8 FLAT\n",               /* no file name */
		"# Disk DescriptorFile\nversion=1\nRW 8 SPARSE\n",
		"\x01\x02\x03 binary \xff\xfe garbage",
	};

	snprintf(flat, sizeof(flat), "%s/m-flat.vmdk", dir);
	write_text(flat, "", 0);
	ck_assert_int_eq(truncate(flat, 4096), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(img, bad[i], strlen(bad[i]));
		ck_assert_msg(vmdk_open(img, VMDK_RDONLY, &d) < 0, "descriptor %zu accepted", i);
		ck_assert_msg(vmdk_strerror()[0], "descriptor %zu: no message", i);
	}
	/* An over-long line. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "# Disk DescriptorFile\nversion=1\n", 32);
	write_text(img, big, sizeof(big));
	ck_assert_int_lt(vmdk_open(img, VMDK_RDONLY, &d), 0);
	/* A flat extent shorter than the descriptor says: reads past its end
	 * fail, -R extends it. */
	const char *shortd = "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\n"
			     "RW 256 FLAT \"m-flat.vmdk\" 0\n";
	write_text(img, shortd, strlen(shortd));
	expect_read_error(1);
	ck_assert_int_eq(check(0), 1);
	ck_assert_ptr_nonnull(strstr(report, "shorter"));
	ck_assert_int_eq(check(1), 0);
	ck_assert_int_eq(check(0), 0);
	/* Many short "CID=" lines: each is rewritten as CID=%08x (12 bytes)
	 * on the first write, so the new text is much longer than the old. */
	char many[8192] = "# Disk DescriptorFile\nversion=1\nparentCID=ffffffff\n"
			  "RW 256 FLAT \"m-flat.vmdk\" 0\n";
	for (int i = 0; i < 600; i++)
		strcat(many, "CID=\n");
	write_text(img, many, strlen(many));
	ck_assert_int_eq(vmdk_open(img, 0, &d), 0);
	ck_assert_int_eq(vmdk_pwrite(d, big, 512, 0), 0);
	vmdk_close(d);
	int fd = open(img, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(read(fd, many, sizeof(many)), (ssize_t)(600 * 13));
	close(fd);
	/* Expanding a disk whose text lacks a cylinders line and a final
	 * newline: the line is appended after one added newline. */
	const char *nonl = "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\n"
			   "createType=\"monolithicFlat\"\nRW 256 FLAT \"m-flat.vmdk\" 0\n"
			   "ddb.adapterType = \"ide\"";
	write_text(img, nonl, strlen(nonl));
	ck_assert_int_eq(vmdk_expand(img, 512 * 512), 0);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	ck_assert_uint_eq(vmdk_size(d), 512 * 512);
	vmdk_close(d);
}
END_TEST

/* A FIFO in the lock directory reads as an unrecognised lock, without
 * blocking the open. */
START_TEST(test_lock_fifo)
{
	struct vmdk *d;
	char lck[160], fifo[192];

	make_image();
	snprintf(lck, sizeof(lck), "%s.lck", img);
	snprintf(fifo, sizeof(fifo), "%s/M1.lck", lck);
	ck_assert_int_eq(mkdir(lck, 0755), 0);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	ck_assert_int_eq(vmdk_open(img, 0, &d), -EBUSY);
	ck_assert_ptr_nonnull(strstr(vmdk_strerror(), "unrecognised"));
	ck_assert_int_eq(unlink(fifo), 0);
	ck_assert_int_eq(vmdk_open(img, 0, &d), 0);
	vmdk_close(d);
	/* Nor does a FIFO named as an extent or as the parent. */
	snprintf(fifo, sizeof(fifo), "%s/f.vmdk", dir);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	const char *ext = "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\n"
			  "RW 8 FLAT \"f.vmdk\" 0\n";
	write_text(img, ext, strlen(ext));
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), -EINVAL);
	ck_assert_int_eq(vmdk_open(img, 0, &d), -EINVAL);
	const char *par = "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=2\n"
			  "parentFileNameHint=\"f.vmdk\"\nRW 8 ZERO\n";
	write_text(img, par, strlen(par));
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), -EINVAL);
}
END_TEST

START_TEST(test_parent_chains)
{
	struct vmdk *d;
	char p[160], c[160];
	const char *loop = "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=1\n"
			   "parentFileNameHint=\"m.vmdk\"\nRW 8 ZERO\n";

	write_text(img, loop, strlen(loop));
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), -ELOOP);
	ck_assert_ptr_nonnull(strstr(vmdk_strerror(), "loop"));
	/* A chain deeper than the limit (16) is refused; 15 is fine. */
	snprintf(p, sizeof(p), "%s/c0.vmdk", dir);
	ck_assert_int_eq(vmdk_create(p, VMDK_MONOLITHIC_SPARSE, 1 << 20, VMDK_ADAPTER_IDE, 4), 0);
	for (int i = 1; i <= 17; i++) {
		snprintf(c, sizeof(c), "%s/c%d.vmdk", dir, i);
		ck_assert_int_eq(vmdk_create_child(c, p), 0);
		snprintf(p, sizeof(p), "%s", c);
		if (i == 15) {
			ck_assert_int_eq(vmdk_open(c, VMDK_RDONLY, &d), 0);
			vmdk_close(d);
		}
	}
	ck_assert_int_eq(vmdk_open(p, VMDK_RDONLY, &d), -ELOOP);
	ck_assert_ptr_nonnull(strstr(vmdk_strerror(), "too deep"));
	/* A missing parent is a clear error too. */
	snprintf(c, sizeof(c), "%s/c1.vmdk", dir);
	snprintf(p, sizeof(p), "%s/c0.vmdk", dir);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_lt(vmdk_open(c, VMDK_RDONLY, &d), 0);
	ck_assert_ptr_nonnull(strstr(vmdk_strerror(), "c0.vmdk"));
}
END_TEST

START_TEST(test_stream_damage)
{
	struct vmdk_stream *s;
	struct vmdk *d;
	uint8_t b[65536];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(vmdk_stream_create(img, 1 << 20, VMDK_ADAPTER_IDE, 4, &s), 0);
	ck_assert_int_eq(vmdk_stream_write(s, b, sizeof(b), 0), 0);
	ck_assert_int_eq(vmdk_stream_close(s), 0);
	ck_assert_int_eq(vmdk_open(img, VMDK_RDONLY, &d), 0);
	vmdk_close(d);
	/* The first grain sits at sector 128: a marker for another grain,
	 * a bad size, then bad data. */
	put64(128 * 512, 128);
	expect_read_error(0);
	put64(128 * 512, 0);
	put32(128 * 512 + 8, 0x7fffffff);
	expect_read_error(0);
	put32(128 * 512 + 8, 100);
	put(img, 128 * 512 + 12, "garbage!", 8);
	expect_read_error(0);
	/* A damaged footer: no directory to be found. */
	struct stat st;
	ck_assert_int_eq(stat(img, &st), 0);
	put(img, (uint64_t)st.st_size - 1024, "XXXX", 4);
	expect_open_error("footer");
}
END_TEST

/* A stream-layout footer without the compressed flag opens writable; its
 * descriptor fields must not move where the CID update is written (here
 * onto the first grain's data). */
START_TEST(test_stream_footer_descriptor)
{
	struct vmdk_stream *s;
	struct vmdk *d;
	struct stat st;
	uint8_t b[65536], s0[512], s1[512];

	memset(b, 0x5a, sizeof(b));
	ck_assert_int_eq(vmdk_stream_create(img, 1 << 20, VMDK_ADAPTER_IDE, 4, &s), 0);
	ck_assert_int_eq(vmdk_stream_write(s, b, sizeof(b), 0), 0);
	ck_assert_int_eq(vmdk_stream_close(s), 0);
	ck_assert_int_eq(stat(img, &st), 0);
	uint64_t footer = (uint64_t)st.st_size - 1024;
	uint64_t g0 = 128;                      /* grain 0's marker and data */
	put32(footer + 8, 1);                   /* flags: no compression */
	put64(footer + 28, g0);                 /* descOffset */
	put64(footer + 36, 1);
	int fd = open(img, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, s0, sizeof(s0), (off_t)(g0 * 512)), 512);
	ck_assert_int_eq(vmdk_open(img, 0, &d), 0);
	ck_assert_int_eq(vmdk_pwrite(d, b, sizeof(b), 65536), 0);
	vmdk_close(d);
	ck_assert_int_eq(pread(fd, s1, sizeof(s1), (off_t)(g0 * 512)), 512);
	close(fd);
	ck_assert_mem_eq(s0, s1, sizeof(s0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmdk_malformed");
	TCase *tc = tcase_create("malformed");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_gt_past_eof);
	tcase_add_test(tc, test_gt_into_metadata);
	tcase_add_test(tc, test_grain_past_eof);
	tcase_add_test(tc, test_grain_into_metadata);
	tcase_add_test(tc, test_overlapping_grains);
	tcase_add_test(tc, test_tables_differ);
	tcase_add_test(tc, test_absurd_header);
	tcase_add_test(tc, test_rgd_on_descriptor);
	tcase_add_test(tc, test_write_damaged_directory);
	tcase_add_test(tc, test_descriptor_garbage);
	tcase_add_test(tc, test_parent_chains);
	tcase_add_test(tc, test_lock_fifo);
	tcase_add_test(tc, test_stream_damage);
	tcase_add_test(tc, test_stream_footer_descriptor);
	suite_add_tcase(s, tc);
	return check_run(s);
}
