/* libvmdk: VMware virtual disks (hosted sparse and flat extents, delta
 * disks).  Functions return 0 or a negative errno. */
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
/* Renames a monolithic disk (and its flat extent), updating the descriptor. */
int vmdk_rename(const char *src, const char *dst);
/* Grows a monolithicFlat disk to capacity bytes. */
int vmdk_expand(const char *path, uint64_t capacity);
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

/* Last error message (thread-local), for tools. */
const char *vmdk_strerror(void);

#endif
