/* Block devices: one back-end table shared by raw images and VMDK disks, so
 * the VM's disk and CD-ROM models do not care which they have.
 *
 * All offsets and lengths are in bytes.  Functions return 0 or a negative
 * errno; a short read or write is an error (-EIO), never a partial success.
 * Reads past the end of the device fail with -EINVAL. */
#ifndef HOSTVM_DISK_BLOCKDEV_H
#define HOSTVM_DISK_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>

struct blockdev;

struct blockdev_ops {
	int (*pread)(struct blockdev *bd, void *buf, uint64_t len, uint64_t off);
	int (*pwrite)(struct blockdev *bd, const void *buf, uint64_t len, uint64_t off);
	int (*flush)(struct blockdev *bd);
	void (*close)(struct blockdev *bd);
};

struct blockdev {
	const struct blockdev_ops *ops;
	uint64_t size;          /* bytes */
	bool read_only;
};

#define BLOCKDEV_RDONLY 1u

/* Opens path as whatever it is (a VMDK descriptor or sparse extent, else a
 * raw image) with the given BLOCKDEV_* flags. */
int blockdev_open(const char *path, unsigned flags, struct blockdev **out);
/* Opens path as a raw image, whatever it holds. */
int blockdev_open_raw(const char *path, unsigned flags, struct blockdev **out);

static inline int blockdev_pread(struct blockdev *bd, void *buf, uint64_t len, uint64_t off)
{
	return bd->ops->pread(bd, buf, len, off);
}

static inline int blockdev_pwrite(struct blockdev *bd, const void *buf, uint64_t len, uint64_t off)
{
	return bd->ops->pwrite(bd, buf, len, off);
}

static inline int blockdev_flush(struct blockdev *bd)
{
	return bd->ops->flush(bd);
}

/* Accepts NULL. */
static inline void blockdev_close(struct blockdev *bd)
{
	if (bd)
		bd->ops->close(bd);
}

#endif
