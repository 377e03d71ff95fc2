/* Block devices: probe VMDK vs raw, and the raw back end. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/vmdk_int.h"

struct rawdev {
	struct blockdev bd;
	int fd;
};

static int raw_pread(struct blockdev *bd, void *buf, uint64_t len, uint64_t off)
{
	if (off > bd->size || len > bd->size - off)
		return -EINVAL;
	return vmdk_full_pread(((struct rawdev *)bd)->fd, buf, len, off);
}

static int raw_pwrite(struct blockdev *bd, const void *buf, uint64_t len, uint64_t off)
{
	if (bd->read_only)
		return -EROFS;
	if (off > bd->size || len > bd->size - off)
		return -EINVAL;
	return vmdk_full_pwrite(((struct rawdev *)bd)->fd, buf, len, off);
}

static int raw_flush(struct blockdev *bd)
{
	return bd->read_only || fsync(((struct rawdev *)bd)->fd) == 0 ? 0 : -errno;
}

static void raw_close(struct blockdev *bd)
{
	close(((struct rawdev *)bd)->fd);
	free(bd);
}

static const struct blockdev_ops raw_ops = {
	.pread = raw_pread, .pwrite = raw_pwrite, .flush = raw_flush, .close = raw_close,
};

int blockdev_open_raw(const char *path, unsigned flags, struct blockdev **out)
{
	struct rawdev *r;
	struct stat st;
	int fd = open(path, ((flags & BLOCKDEV_RDONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->fd = fd;
	r->bd.ops = &raw_ops;
	r->bd.size = (uint64_t)st.st_size;
	r->bd.read_only = (flags & BLOCKDEV_RDONLY) != 0;
	*out = &r->bd;
	return 0;
}

int blockdev_open(const char *path, unsigned flags, struct blockdev **out)
{
	char head[512];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return -errno;
	n = pread(fd, head, sizeof(head) - 1, 0);
	close(fd);
	if (n < 0)
		return -errno;
	head[n] = '\0';
	if ((n >= 4 && (!memcmp(head, "KDMV", 4) || !memcmp(head, "COWD", 4))) ||
	    strstr(head, "# Disk DescriptorFile")) {
		struct vmdk *d;
		int rc = vmdk_open(path, (flags & BLOCKDEV_RDONLY) ? VMDK_RDONLY : 0, &d);
		if (rc)
			return rc;
		*out = (struct blockdev *)d;
		return 0;
	}
	return blockdev_open_raw(path, flags, out);
}
