/* libvmdk: VMware virtual disks (hosted sparse, flat, split, VMFS and
 * stream-optimized extents, delta disks).  Functions return 0 or a
 * negative errno. */
#ifndef HOSTVM_VMDK_H
#define HOSTVM_VMDK_H

#include <stdint.h>
#include <stdio.h>

struct vmdk;

#define VMDK_RDONLY 1u

/* vmware-vdiskmanager's -t numbers. */
enum vmdk_type {
	VMDK_MONOLITHIC_SPARSE = 0,
	VMDK_SPLIT_SPARSE = 1,          /* twoGbMaxExtentSparse */
	VMDK_MONOLITHIC_FLAT = 2,
	VMDK_SPLIT_FLAT = 3,            /* twoGbMaxExtentFlat */
	VMDK_VMFS_FLAT = 4,             /* "vmfs": preallocated ESX-type */
	VMDK_STREAM_OPTIMIZED = 5,      /* compressed, optimized for streaming */
	VMDK_VMFS_THIN = 6,             /* "vmfsThin": thin ESX-type */
};

enum vmdk_adapter { VMDK_ADAPTER_IDE, VMDK_ADAPTER_BUSLOGIC, VMDK_ADAPTER_LSILOGIC };

struct vmdk_info {
	uint64_t capacity;      /* bytes */
	uint64_t allocated;     /* bytes of the extent files */
	uint32_t cid, parent_cid;
	uint32_t cylinders, heads, sectors;
	char create_type[64];
	char parent_hint[512];
};

int vmdk_open(const char *path, unsigned flags, struct vmdk **out);
int vmdk_create(const char *path, enum vmdk_type type, uint64_t capacity,
		enum vmdk_adapter adapter, int hwversion);
/* Creates a sparse delta disk whose parent is parent_path. */
int vmdk_create_child(const char *path, const char *parent_path);
/* Renames a disk: its descriptor, and the extent files named after it
 * (x-flat.vmdk, x-s001.vmdk, ...), updating the descriptor. */
int vmdk_rename(const char *src, const char *dst);
/* Grows a disk to capacity bytes: monolithicSparse (in place, up to
 * 2 TiB), monolithicFlat/vmfs/vmfsThin (the flat file grows),
 * twoGbMaxExtent* (extents added).  Not for disks with a parent. */
int vmdk_expand(const char *path, uint64_t capacity);
/* Rewrites every sparse extent with its grains in LBA order; shrink also
 * drops all-zero grains (unless a parent lies underneath).  Sparse disks
 * only; the data and CID are unchanged. */
int vmdk_shrink(const char *path);
int vmdk_defragment(const char *path);
/* Progress of long operations in this thread (expand, shrink,
 * defragment): fn(opaque, done, total) now and then; NULL to stop. */
typedef void (*vmdk_progress_fn)(void *opaque, uint64_t done, uint64_t total);
void vmdk_set_progress(vmdk_progress_fn fn, void *opaque);
int vmdk_pread(struct vmdk *d, void *buf, uint64_t len, uint64_t off);
int vmdk_pwrite(struct vmdk *d, const void *buf, uint64_t len, uint64_t off);
int vmdk_flush(struct vmdk *d);
void vmdk_close(struct vmdk *d);
int vmdk_get_info(struct vmdk *d, struct vmdk_info *info);
uint64_t vmdk_size(struct vmdk *d);
/* The opened parent of a delta disk, or NULL. */
struct vmdk *vmdk_parent(struct vmdk *d);
/* Checks the disk, printing every problem to report; repairs what it can
 * when repair is set.  Returns the number of problems left, or -errno. */
int vmdk_check(const char *path, int repair, FILE *report);
/* The block-device view: a struct vmdk is a struct blockdev (see
 * blockdev.h); vmdk_open()ed disks can be cast to it. */
struct blockdev;
struct uv_loop_s;
typedef void (*vmdk_aio_cb)(void *opaque, int result);
/* Asynchronous I/O on libuv's thread pool for any block device (VMDK or
 * raw); cb(opaque, 0 or -errno) runs on loop.  buf must stay valid until
 * then.  Requests to one device run one at a time, in no promised order. */
int vmdk_aio_pread(struct uv_loop_s *loop, struct blockdev *bd, void *buf, uint64_t len,
		   uint64_t off, vmdk_aio_cb cb, void *opaque);
int vmdk_aio_pwrite(struct uv_loop_s *loop, struct blockdev *bd, const void *buf, uint64_t len,
		    uint64_t off, vmdk_aio_cb cb, void *opaque);
int vmdk_aio_flush(struct uv_loop_s *loop, struct blockdev *bd, vmdk_aio_cb cb, void *opaque);

/* Writing a streamOptimized disk (type 5), which cannot be written at
 * random: data goes in ascending offsets (gaps read as zeros; all-zero
 * grains are left out), and close writes the tables and footer.
 * vmdk_stream_close() accepts NULL and returns the first error. */
struct vmdk_stream;
int vmdk_stream_create(const char *path, uint64_t capacity, enum vmdk_adapter adapter, int hwversion,
		       struct vmdk_stream **out);
int vmdk_stream_write(struct vmdk_stream *s, const void *buf, uint64_t len, uint64_t off);
int vmdk_stream_close(struct vmdk_stream *s);

/* Last error message (thread-local), for tools. */
const char *vmdk_strerror(void);

#endif
