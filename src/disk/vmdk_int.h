/* libvmdk internals shared by the library's source files. */
#ifndef HOSTVM_DISK_VMDK_INT_H
#define HOSTVM_DISK_VMDK_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "disk/blockdev.h"
#include "disk/vmdk.h"

#define VMDK_MAGIC 0x564d444bu          /* "KDMV" little-endian */
#define VMDK_SECTOR 512u
#define VMDK_MAX_EXTENTS 4096          /* 8 TiB of 2 GiB extents */
#define VMDK_MAX_DESCRIPTOR (1 << 20)   /* bytes of a descriptor file */
#define VMDK_MAX_CHAIN 16
#define VMDK_MAX_CAPACITY (1ull << 41)   /* sectors: 1 PiB */
#define VMDK_GD_AT_END 0xffffffffffffffffull
#define VMDK_MAX_SPARSE 0xffffffffull     /* sectors: 32-bit grain offsets */

#define VMDK_FLAG_NL_VALID (1u << 0)
#define VMDK_FLAG_RGD (1u << 1)
#define VMDK_FLAG_COMPRESSED (1u << 16)
#define VMDK_FLAG_MARKERS (1u << 17)

struct vmdk_sparse_header {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint64_t capacity;
	uint64_t grain_size;
	uint64_t desc_offset;
	uint64_t desc_size;
	uint32_t num_gtes_per_gt;
	uint64_t rgd_offset;
	uint64_t gd_offset;
	uint64_t overhead;
	uint8_t unclean_shutdown;
	char nl_chars[4];
	uint16_t compress_algorithm;
	uint8_t pad[433];
} __attribute__((packed));

enum vmdk_extent_kind { VMDK_EXT_SPARSE, VMDK_EXT_FLAT, VMDK_EXT_ZERO };

struct vmdk_extent {
	enum vmdk_extent_kind kind;
	int fd;
	uint64_t start;         /* first virtual sector */
	uint64_t sectors;
	uint64_t flat_offset;   /* sectors into the flat file */
	/* Sparse extents. */
	struct vmdk_sparse_header h;
	uint64_t file_sectors;
	uint32_t num_gts;
	uint32_t *gd, *rgd;
	uint32_t **gts;         /* loaded lazily, one per GD entry */
	uint8_t *gt_dirty;      /* per GT: changed since the last flush */
	uint32_t *gt_index;     /* sectors of every GT copy, ascending */
	size_t gt_index_n, gt_index_cap;
	bool gd_dirty;          /* directory entries changed (new GTs) */
	bool data_dirty;        /* grains written since the last flush */
	bool compressed;
	bool was_unclean;       /* uncleanShutdown was set when opened */
	bool rdonly;
	char *file;             /* file name as in the descriptor */
};

struct vmdk {
	struct blockdev bd;
	char *path;             /* descriptor file (or the monolithic file) */
	char *dir;
	bool rdonly, embedded_desc, cid_bumped;
	char *desc;             /* descriptor text */
	uint32_t cid, parent_cid;
	char create_type[64];
	char parent_hint[512];
	char adapter[16];
	uint32_t cyl, heads, secs;
	int nextents, cap_extents;
	struct vmdk_extent *ext;        /* sorted by start */
	struct vmdk *parent;
	char *lock_file, *lock_dir;
	uint8_t *grain_buf;
	/* grain_buf holds the decompressed grain at zc_sec of zc_ext (NULL:
	 * nothing), so small reads of a compressed grain inflate it once. */
	struct vmdk_extent *zc_ext;
	uint32_t zc_sec;
	uint8_t *zc_in;         /* compressed bytes being inflated */
	size_t zc_in_cap;
};

/* Sectors of one grain table, and of e's grain directory. */
static inline uint64_t vmdk_gt_sectors(const struct vmdk_extent *e)
{
	return ((uint64_t)e->h.num_gtes_per_gt * 4 + 511) / 512;
}

static inline uint64_t vmdk_gd_sectors(const struct vmdk_extent *e)
{
	return ((uint64_t)e->num_gts * 4 + 511) / 512;
}

static inline bool vmdk_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

void vmdk_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes d->desc back (embedded or separate descriptor). */
int vmdk_rewrite_descriptor(struct vmdk *d);
/* Descriptor text for a new disk; returns its length. */
int vmdk_make_desc(char *out, size_t cap, const char *type, uint64_t sectors, const char *extent,
		   uint32_t parent_cid, const char *parent, enum vmdk_adapter a, int hw);
/* A new sparse extent file (grain 128 sectors, 512 GTEs per GT, both
 * directories and all GTs preallocated) holding desc as its embedded
 * descriptor ("" for none). */
int vmdk_create_sparse(const char *path, uint64_t sectors, const char *desc);
/* Sizes a new flat extent file, reserving its blocks when prealloc. */
int vmdk_size_flat(int fd, uint64_t sectors, bool prealloc);
/* Progress of long operations (vmdk_set_progress). */
void vmdk_progress(uint64_t done, uint64_t total);
/* Replaces path's contents atomically (temporary file, fsync, rename). */
int vmdk_replace_file(const char *path, const void *data, size_t len);
/* Sparse extents (sparse.c). */
int vmdk_sparse_load(struct vmdk_extent *e, bool rdonly);
/* Read or write from byte off (a disk offset inside e) up to len bytes;
 * *done is set to how many were handled (a run of grains in one state). */
int vmdk_sparse_read(struct vmdk *d, struct vmdk_extent *e, uint8_t *buf, uint64_t len,
		     uint64_t off, uint64_t *done);
int vmdk_sparse_write(struct vmdk *d, struct vmdk_extent *e, const uint8_t *buf, uint64_t len,
		      uint64_t off, uint64_t *done);
/* Publishes new grains, GTs and directory entries in crash-safe order. */
int vmdk_sparse_flush(struct vmdk_extent *e);
/* The GTE of grain g of e (0 when its GT is unallocated). */
int vmdk_sparse_gte(struct vmdk_extent *e, uint64_t g, uint32_t *gte);
/* 0 if count grains at sector gte lie inside the file, clear of metadata. */
int vmdk_grain_range_ok(struct vmdk_extent *e, uint32_t gte, uint64_t count);
bool vmdk_hits_metadata(const struct vmdk_extent *e, uint64_t sec, uint64_t n);
/* A GT at sector sec lies inside the file, clear of the header, descriptor
 * and directories. */
bool vmdk_gt_sane(const struct vmdk_extent *e, uint64_t sec);
int vmdk_lock_acquire(struct vmdk *d);
void vmdk_lock_release(struct vmdk *d);
int vmdk_full_pread(int fd, void *buf, size_t len, uint64_t off);
int vmdk_full_pwrite(int fd, const void *buf, size_t len, uint64_t off);

#endif
