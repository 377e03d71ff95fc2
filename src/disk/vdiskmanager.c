/* vdiskmanager: create, convert, check and inspect VMware virtual disks
 * with vmware-vdiskmanager's options. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk/blockdev.h"
#include "disk/vmdk.h"

static int fail(const char *what, int rc)
{
	const char *m = vmdk_strerror();
	fprintf(stderr, "Error: %s: %s%s%s\n", what, strerror(-rc), *m ? ": " : "", m);
	return 1;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t m = 1;

	switch (*end) {
	case 'K': case 'k': m = 1024; end++; break;
	case 'M': case 'm': m = 1024 * 1024; end++; break;
	case 'G': case 'g': m = 1024ull * 1024 * 1024; end++; break;
	case 'T': case 't': m = 1024ull * 1024 * 1024 * 1024; end++; break;
	}
	if ((*end == 'B' || *end == 'b'))
		end++;
	if (*end || v == 0 || v > (1ull << 50) / m)
		return -EINVAL;
	*out = v * m;
	return 0;
}

/* A progress bar, only when stdout is a terminal. */
static void progress(void *opaque, uint64_t done, uint64_t total)
{
	static int last = -1;
	(void)opaque;

	if (!isatty(STDOUT_FILENO) || !total)
		return;
	int pct = (int)(done * 100 / total);
	if (pct == last)
		return;
	last = pct;
	printf("\rProgress: [%-50.*s] %d%%", pct / 2, "##################################################", pct);
	if (done >= total) {
		printf("\n");
		last = -1;
	}
	fflush(stdout);
}

/* Removes what a failed conversion to dst of type made. */
static void remove_partial(const char *dst, int type)
{
	size_t n = strlen(dst);
	char p[4096];

	unlink(dst);
	if (n <= 5 || n + 16 > sizeof(p) || strcmp(dst + n - 5, ".vmdk"))
		return;
	if (type == 2 || type == 4 || type == 6) {
		snprintf(p, sizeof(p), "%.*s-flat.vmdk", (int)(n - 5), dst);
		unlink(p);
	}
	for (int i = 1; (type == 1 || type == 3) && i < 1000; i++) {
		snprintf(p, sizeof(p), "%.*s-%c%03d.vmdk", (int)(n - 5), dst, type == 1 ? 's' : 'f', i);
		if (unlink(p) < 0)
			break;
	}
}

static int convert(const char *src, int type, enum vmdk_adapter adapter, const char *dst)
{
	struct blockdev *in, *out = NULL;
	struct vmdk *v = NULL;
	struct vmdk_stream *st = NULL;
	uint8_t *buf, *zero;
	const size_t chunk = 1 << 20;
	int rc = blockdev_open(src, BLOCKDEV_RDONLY, &in);

	if (rc)
		return fail(src, rc);
	if (type == 7) {
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)in->size) < 0) {
			rc = -errno;
			blockdev_close(in);
			return fail(dst, rc);
		}
		close(fd);
		rc = blockdev_open_raw(dst, 0, &out);
	} else if (type == VMDK_STREAM_OPTIMIZED) {
		rc = vmdk_stream_create(dst, in->size, adapter, 4, &st);
	} else {
		rc = vmdk_create(dst, (enum vmdk_type)type, in->size, adapter, 4);
		if (!rc)
			rc = vmdk_open(dst, 0, &v);
	}
	if (rc) {
		blockdev_close(in);
		return fail(dst, rc);
	}
	buf = malloc(chunk);
	zero = calloc(1, chunk);
	for (uint64_t off = 0; !rc && buf && zero && off < in->size; off += chunk) {
		uint64_t n = in->size - off < chunk ? in->size - off : chunk;
		rc = blockdev_pread(in, buf, n, off);
		if (!rc && memcmp(buf, zero, n) != 0)
			rc = st ? vmdk_stream_write(st, buf, n, off) :
			     v ? vmdk_pwrite(v, buf, n, off) : blockdev_pwrite(out, buf, n, off);
		progress(NULL, off + n, in->size);
	}
	if (!buf || !zero)
		rc = -ENOMEM;
	if (!rc && !st)
		rc = v ? vmdk_flush(v) : blockdev_flush(out);
	if (st) {
		int rc2 = vmdk_stream_close(st);
		rc = rc ? rc : rc2;
	}
	free(buf);
	free(zero);
	vmdk_close(v);
	blockdev_close(out);
	blockdev_close(in);
	if (rc) {
		fail("convert", rc);
		remove_partial(dst, type);
		return 1;
	}
	return 0;
}

static int info(const char *path)
{
	struct vmdk *d;
	struct vmdk_info i;
	int rc = vmdk_open(path, VMDK_RDONLY, &d);

	if (rc)
		return fail(path, rc);
	vmdk_get_info(d, &i);
	printf("type: %s\ncapacity: %llu bytes (%llu sectors)\nallocated: %llu bytes\n"
	       "geometry: %u/%u/%u\nCID: %08x\nparentCID: %08x\n",
	       i.create_type, (unsigned long long)i.capacity, (unsigned long long)(i.capacity / 512),
	       (unsigned long long)i.allocated, i.cylinders, i.heads, i.sectors, i.cid, i.parent_cid);
	if (i.parent_hint[0])
		printf("parent: %s\n", i.parent_hint);
	printf("CID chain: %08x", i.cid);
	for (struct vmdk *p = vmdk_parent(d); p; p = vmdk_parent(p)) {
		struct vmdk_info pi;
		vmdk_get_info(p, &pi);
		printf(" -> %08x", pi.cid);
	}
	printf("\n");
	vmdk_close(d);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: vdiskmanager -c -s SIZE -a ide|buslogic|lsilogic -t TYPE DISK\n"
		"       vdiskmanager -r SRC [-a ADAPTER] -t TYPE|7 DST   (7: raw image)\n"
		"       vdiskmanager -x SIZE DISK   (expand)\n"
		"       vdiskmanager -k DISK        (shrink)\n"
		"       vdiskmanager -d DISK        (defragment)\n"
		"       vdiskmanager -n SRC DST     (rename)\n"
		"       vdiskmanager -e DISK        (check only)\n"
		"       vdiskmanager -R DISK        (check and repair)\n"
		"       -q: no messages but errors\n"
		"       vdiskmanager info DISK\n"
		"TYPE: 0 single growable, 1 growable split in 2GB files, 2 preallocated,\n"
		"      3 preallocated split in 2GB files, 4 preallocated ESX-type (vmfs),\n"
		"      5 compressed, optimized for streaming, 6 thin ESX-type (vmfsThin)\n");
}

int main(int argc, char **argv)
{
	int opt, create = 0, check = 0, type = 0, shrink = 0, defrag = 0, quiet = 0;
	const char *rename_from = NULL, *expand = NULL;
	const char *size = NULL, *adapter = "ide", *src = NULL;
	uint64_t bytes;

	if (argc == 3 && strcmp(argv[1], "info") == 0)
		return info(argv[2]);
	vmdk_set_progress(progress, NULL);
	while ((opt = getopt(argc, argv, "cs:a:t:r:Rn:x:kdeqph")) != -1) {
		switch (opt) {
		case 'c': create = 1; break;
		case 's': size = optarg; break;
		case 'a': adapter = optarg; break;
		case 't': type = atoi(optarg); break;
		case 'r': src = optarg; break;
		case 'R': check = 2; break;
		case 'e': check = 1; break;
		case 'q': quiet = 1; break;
		case 'p':
			fprintf(stderr, "Error: -p (prepare a mounted disk for shrinking) is not "
				"supported; -k drops all-zero grains without it\n");
			return 1;
		case 'h': usage(); return 0;
		case 'n': rename_from = optarg; break;
		case 'x': expand = optarg; break;
		case 'k': shrink = 1; break;
		case 'd': defrag = 1; break;
		default: usage(); return 1;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 1;
	}
	const char *disk = argv[optind];
	if (quiet && !freopen("/dev/null", "w", stdout))
		return fail("/dev/null", -errno);
	if ((type < 0 || type > 6) && !(src && type == 7)) {
		fprintf(stderr, "Error: unknown disk type %d\n", type);
		return 1;
	}
	if (shrink || defrag) {
		int rc = shrink ? vmdk_shrink(disk) : vmdk_defragment(disk);
		if (rc)
			return fail(disk, rc);
		printf("%s completed successfully.\n", shrink ? "Shrink" : "Defragmentation");
		return 0;
	}
	if (expand) {
		if (parse_size(expand, &bytes)) {
			fprintf(stderr, "Error: bad size %s\n", expand);
			return 1;
		}
		int rc = vmdk_expand(disk, bytes);
		if (rc)
			return fail(disk, rc);
		printf("Disk expansion completed successfully.\n");
		return 0;
	}
	if (rename_from) {
		int rc = vmdk_rename(rename_from, disk);
		return rc ? fail(rename_from, rc) : 0;
	}
	enum vmdk_adapter a = !strcmp(adapter, "ide") ? VMDK_ADAPTER_IDE :
			      !strcmp(adapter, "buslogic") ? VMDK_ADAPTER_BUSLOGIC :
			      !strcmp(adapter, "lsilogic") ? VMDK_ADAPTER_LSILOGIC : -1;
	if ((int)a < 0) {
		fprintf(stderr, "Error: unknown adapter type %s (ide, buslogic or lsilogic)\n", adapter);
		return 1;
	}
	if (create) {
		if (!size || parse_size(size, &bytes)) {
			fprintf(stderr, "Error: -c needs -s SIZE and -a ide|buslogic|lsilogic\n");
			return 1;
		}
		int rc = vmdk_create(disk, (enum vmdk_type)type, bytes, a, 4);
		if (rc)
			return fail(disk, rc);
		printf("Virtual disk creation successful.\n");
		return 0;
	}
	if (src)
		return convert(src, type, a, disk);
	if (check) {
		int rc = vmdk_check(disk, check == 2, stdout);
		if (rc < 0)
			return fail(disk, rc);
		if (rc > 0) {
			fprintf(stderr, check == 2 ? "Error: %d problem(s) could not be repaired\n" :
				"Error: the disk has %d problem(s); -R repairs what it can\n", rc);
			return 1;
		}
		printf("The virtual disk is consistent.\n");
		return 0;
	}
	usage();
	return 1;
}
