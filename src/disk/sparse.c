/* Hosted sparse extents: loading the header and grain directory, reading
 * and writing runs of grains, and publishing new metadata on flush.
 *
 * Crash order.  A write to a new grain appends the grain's data to the
 * file and records its grain-table entry (GTE) only in memory; a new
 * grain table (GT) is likewise reserved at the end of the file and kept in
 * memory.  vmdk_sparse_flush() then publishes in this order, with an
 * fdatasync() between the steps:
 *   1. grain data (already written) made durable;
 *   2. dirty GTs written, redundant copy first, then the primary;
 *   3. directory entries (redundant, then primary) that point at new GTs.
 * So a GTE never points at data that is not on disk, and a directory entry
 * never points at a GT that is not.  A crash loses only unflushed writes
 * (their grains become unreferenced space, which -R reports as harmless). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "disk/vmdk_int.h"

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* True if [sec, sec+n) overlaps the header, descriptor or a directory. */
bool vmdk_hits_metadata(const struct vmdk_extent *e, uint64_t sec, uint64_t n)
{
	uint64_t gd_secs = vmdk_gd_sectors(e);
	uint64_t hdr_end = 1;

	if (e->h.desc_offset && e->h.desc_offset + e->h.desc_size > hdr_end)
		hdr_end = e->h.desc_offset + e->h.desc_size;
	if (sec < hdr_end)
		return true;
	if (ranges_overlap(sec, n, e->h.gd_offset, gd_secs))
		return true;
	return e->rgd && ranges_overlap(sec, n, e->h.rgd_offset, gd_secs);
}

/* Records a grain table copy at sector sec in the sorted index (new
 * tables go at the end of the file, so appending keeps it sorted). */
static int index_add(struct vmdk_extent *e, uint32_t sec)
{
	if (e->gt_index_n == e->gt_index_cap) {
		size_t cap = e->gt_index_cap ? e->gt_index_cap * 2 : 64;
		uint32_t *n = realloc(e->gt_index, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		e->gt_index = n;
		e->gt_index_cap = cap;
	}
	e->gt_index[e->gt_index_n++] = sec;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The index of every usable grain table copy, so grains pointing into a
 * table are refused. */
static int index_tables(struct vmdk_extent *e)
{
	int rc = 0;

	for (uint32_t g = 0; g < e->num_gts && !rc; g++) {
		if (vmdk_gt_sane(e, e->gd[g]))
			rc = index_add(e, e->gd[g]);
		if (!rc && e->rgd && vmdk_gt_sane(e, e->rgd[g]))
			rc = index_add(e, e->rgd[g]);
	}
	if (!rc && e->gt_index_n)
		qsort(e->gt_index, e->gt_index_n, sizeof(*e->gt_index), cmp_u32);
	return rc;
}

/* True if [sec, sec+n) overlaps an indexed grain table. */
static bool hits_table(const struct vmdk_extent *e, uint64_t sec, uint64_t n)
{
	size_t lo = 0, hi = e->gt_index_n;
	uint64_t len = vmdk_gt_sectors(e);

	while (lo < hi) {       /* first table starting at or after sec + n */
		size_t mid = (lo + hi) / 2;
		if (e->gt_index[mid] < sec + n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && e->gt_index[lo - 1] + len > sec;
}

int vmdk_sparse_load(struct vmdk_extent *e, bool rdonly)
{
	struct vmdk_sparse_header *h = &e->h;
	struct stat st;
	uint64_t gd_bytes, gt_cover, gd_secs;
	int rc;

	if (fstat(e->fd, &st) < 0)
		return -errno;
	e->file_sectors = (uint64_t)st.st_size / VMDK_SECTOR;
	rc = vmdk_full_pread(e->fd, h, sizeof(*h), 0);
	if (rc) {
		vmdk_set_error("sparse extent truncated (no header)");
		return -EINVAL;
	}
	if (h->magic != VMDK_MAGIC || h->version < 1 || h->version > 3) {
		vmdk_set_error("bad sparse magic/version");
		return -EINVAL;
	}
	if (h->gd_offset == VMDK_GD_AT_END) {
		/* streamOptimized: the real header is the footer near the end.
		 * The embedded descriptor stays where the first header (the one
		 * vmdk_open checked) says: descriptor rewrites go there. */
		uint64_t desc_offset = h->desc_offset, desc_size = h->desc_size;

		if (e->file_sectors < 3) {
			vmdk_set_error("stream-optimized extent truncated");
			return -EINVAL;
		}
		rc = vmdk_full_pread(e->fd, h, sizeof(*h), (e->file_sectors - 2) * VMDK_SECTOR);
		if (rc || h->magic != VMDK_MAGIC || h->gd_offset == VMDK_GD_AT_END) {
			vmdk_set_error("stream-optimized footer missing");
			return -EINVAL;
		}
		h->desc_offset = desc_offset;
		h->desc_size = desc_size;
	}
	if (h->grain_size < 8 || h->grain_size > 2048 || (h->grain_size & (h->grain_size - 1))) {
		vmdk_set_error("absurd grain size %llu", (unsigned long long)h->grain_size);
		return -EINVAL;
	}
	/* Whole sectors per GT (VMware always uses 512). */
	if (h->num_gtes_per_gt < 128 || h->num_gtes_per_gt > 65536 || h->num_gtes_per_gt % 128) {
		vmdk_set_error("absurd numGTEsPerGT %u", h->num_gtes_per_gt);
		return -EINVAL;
	}
	if (h->capacity == 0 || h->capacity > VMDK_MAX_CAPACITY) {
		vmdk_set_error("absurd capacity %llu", (unsigned long long)h->capacity);
		return -EINVAL;
	}
	if (h->capacity < e->sectors) {
		vmdk_set_error("extent larger than its sparse capacity");
		return -EINVAL;
	}
	e->was_unclean = h->unclean_shutdown != 0;
	e->rdonly = rdonly;
	e->compressed = (h->flags & VMDK_FLAG_COMPRESSED) != 0;
	if (e->compressed && h->compress_algorithm != 1) {
		vmdk_set_error("unknown compression %u", h->compress_algorithm);
		return -ENOTSUP;
	}
	if (e->compressed && !rdonly) {
		vmdk_set_error("stream-optimized disks are read-only (convert them to write)");
		return -EROFS;
	}
	gt_cover = h->grain_size * h->num_gtes_per_gt;
	e->num_gts = (uint32_t)((h->capacity + gt_cover - 1) / gt_cover);
	gd_bytes = (uint64_t)e->num_gts * 4;
	gd_secs = (gd_bytes + 511) / 512;
	if (h->gd_offset == 0 || h->gd_offset > e->file_sectors ||
	    gd_secs > e->file_sectors - h->gd_offset) {
		vmdk_set_error("grain directory offset past end of file");
		return -EINVAL;
	}
	if (h->gd_offset < 1 || (h->desc_offset && h->gd_offset < h->desc_offset + h->desc_size &&
				 h->gd_offset + gd_secs > h->desc_offset)) {
		vmdk_set_error("grain directory overlaps the header or descriptor");
		return -EINVAL;
	}
	e->gd = malloc(gd_bytes);
	e->gts = calloc(e->num_gts, sizeof(*e->gts));
	e->gt_dirty = calloc(e->num_gts, 1);
	if (!e->gd || !e->gts || !e->gt_dirty)
		return -ENOMEM;
	rc = vmdk_full_pread(e->fd, e->gd, gd_bytes, h->gd_offset * VMDK_SECTOR);
	if (rc)
		return rc;
	/* A redundant directory is used only where it cannot clobber the
	 * header, descriptor or primary directory when it is rewritten. */
	if ((h->flags & VMDK_FLAG_RGD) && h->rgd_offset && h->rgd_offset <= e->file_sectors &&
	    gd_secs <= e->file_sectors - h->rgd_offset && !vmdk_hits_metadata(e, h->rgd_offset, gd_secs)) {
		e->rgd = malloc(gd_bytes);
		if (!e->rgd)
			return -ENOMEM;
		if (vmdk_full_pread(e->fd, e->rgd, gd_bytes, h->rgd_offset * VMDK_SECTOR)) {
			free(e->rgd);
			e->rgd = NULL;
		}
	}
	return index_tables(e);
}

/* A GT at sector sec is usable: inside the file, clear of the header,
 * descriptor and directories. */
bool vmdk_gt_sane(const struct vmdk_extent *e, uint64_t sec)
{
	uint64_t n = vmdk_gt_sectors(e);

	return sec != 0 && sec + n <= e->file_sectors && !vmdk_hits_metadata(e, sec, n);
}

/* Loads GT gdi; *out NULL with 0 means unallocated. */
static int gt_get(struct vmdk_extent *e, uint32_t gdi, uint32_t **out)
{
	uint64_t sec = e->gd[gdi];
	size_t n = (size_t)vmdk_gt_sectors(e) * 512;
	int rc;

	*out = e->gts[gdi];
	if (*out)
		return 0;
	/* A damaged primary directory entry falls back to the redundant one. */
	if (!vmdk_gt_sane(e, sec) && e->rgd && vmdk_gt_sane(e, e->rgd[gdi]))
		sec = e->rgd[gdi];
	if (sec == 0)
		return 0;
	if (!vmdk_gt_sane(e, sec)) {
		vmdk_set_error("grain table %u at sector %llu is past end of file or inside metadata",
			       gdi, (unsigned long long)sec);
		return -EIO;
	}
	e->gts[gdi] = malloc(n);
	if (!e->gts[gdi])
		return -ENOMEM;
	rc = vmdk_full_pread(e->fd, e->gts[gdi], n, sec * VMDK_SECTOR);
	if (rc) {
		free(e->gts[gdi]);
		e->gts[gdi] = NULL;
		return rc;
	}
	*out = e->gts[gdi];
	/* Writable: a primary or redundant entry that is missing or bad gets a
	 * fresh copy of the table at the end of the file (written, then
	 * pointed at, by the next flush), so a flush never writes a table
	 * where a bad entry points. */
	if (!e->rdonly && (!vmdk_gt_sane(e, e->gd[gdi]) || (e->rgd && !vmdk_gt_sane(e, e->rgd[gdi])))) {
		if (e->file_sectors + 2 * vmdk_gt_sectors(e) > 0xffffffffull)
			return -EFBIG;
		if (e->rgd && !vmdk_gt_sane(e, e->rgd[gdi])) {
			e->rgd[gdi] = (uint32_t)e->file_sectors;
			e->file_sectors += vmdk_gt_sectors(e);
			if (index_add(e, e->rgd[gdi]))
				return -ENOMEM;
		}
		if (!vmdk_gt_sane(e, e->gd[gdi])) {
			e->gd[gdi] = (uint32_t)e->file_sectors;
			e->file_sectors += vmdk_gt_sectors(e);
			if (index_add(e, e->gd[gdi]))
				return -ENOMEM;
		}
		e->gt_dirty[gdi] = 1;
		e->gd_dirty = true;
	}
	return 0;
}

/* The GTE of grain g (0 if its GT is unallocated). */
int vmdk_sparse_gte(struct vmdk_extent *e, uint64_t g, uint32_t *gte)
{
	uint32_t *gt;
	int rc;

	*gte = 0;
	if (g / e->h.num_gtes_per_gt >= e->num_gts)
		return -EIO;
	rc = gt_get(e, (uint32_t)(g / e->h.num_gtes_per_gt), &gt);
	if (!rc && gt)
		*gte = gt[g % e->h.num_gtes_per_gt];
	return rc;
}

/* Inflates the compressed grain at sector sec, which should hold the
 * grain starting at extent sector lba. */
static int read_compressed(struct vmdk *d, struct vmdk_extent *e, uint64_t sec, uint64_t lba,
			   uint8_t *out)
{
	uint8_t mk[12];
	uint64_t gbytes = e->h.grain_size * VMDK_SECTOR;
	uint32_t csize;
	uLongf dlen = gbytes;
	int rc;

	if (sec >= e->file_sectors || sec < 1)
		return -EIO;
	rc = vmdk_full_pread(e->fd, mk, sizeof(mk), sec * VMDK_SECTOR);
	if (rc)
		return rc;
	memcpy(&csize, mk + 8, 4);
	uint64_t mlba;
	memcpy(&mlba, mk, 8);
	if ((e->h.flags & VMDK_FLAG_MARKERS) && mlba != lba) {
		vmdk_set_error("compressed grain at sector %llu is for sector %llu, not %llu",
			       (unsigned long long)sec, (unsigned long long)mlba, (unsigned long long)lba);
		return -EIO;
	}
	if (csize == 0 || csize > gbytes * 2 + 4096 ||
	    sec * VMDK_SECTOR + 12 + csize > e->file_sectors * VMDK_SECTOR) {
		vmdk_set_error("compressed grain size %u out of range", csize);
		return -EIO;
	}
	/* One input buffer per disk, grown to the largest grain seen. */
	if (csize > d->zc_in_cap) {
		uint8_t *n = realloc(d->zc_in, csize);
		if (!n)
			return -ENOMEM;
		d->zc_in = n;
		d->zc_in_cap = csize;
	}
	rc = vmdk_full_pread(e->fd, d->zc_in, csize, sec * VMDK_SECTOR + 12);
	if (rc)
		return rc;
	memset(out, 0, gbytes);
	if (uncompress(out, &dlen, d->zc_in, csize) != Z_OK) {
		vmdk_set_error("corrupt compressed grain at sector %llu", (unsigned long long)sec);
		return -EIO;
	}
	return 0;
}

/* Grain data at gte..gte+count grains must lie in the file, past the
 * metadata. */
int vmdk_grain_range_ok(struct vmdk_extent *e, uint32_t gte, uint64_t count)
{
	uint64_t secs = count * e->h.grain_size;

	if ((uint64_t)gte + secs > e->file_sectors) {
		vmdk_set_error("grain at sector %u past end of file", gte);
		return -EIO;
	}
	if ((e->h.overhead && e->h.overhead <= e->file_sectors && gte < e->h.overhead) ||
	    vmdk_hits_metadata(e, gte, secs)) {
		vmdk_set_error("grain at sector %u points into metadata", gte);
		return -EIO;
	}
	if (hits_table(e, gte, secs)) {
		vmdk_set_error("grain at sector %u overlaps a grain table", gte);
		return -EIO;
	}
	return 0;
}

/* Fills buf with what lies under an unallocated run: the parent's data,
 * zeros past its end. */
static int read_under(struct vmdk *d, uint8_t *buf, uint64_t len, uint64_t off)
{
	uint64_t n = 0;

	if (d->parent && off < d->parent->bd.size) {
		n = d->parent->bd.size - off < len ? d->parent->bd.size - off : len;
		int rc = vmdk_pread(d->parent, buf, n, off);
		if (rc)
			return rc;
	}
	memset(buf + n, 0, len - n);
	return 0;
}

int vmdk_sparse_read(struct vmdk *d, struct vmdk_extent *e, uint8_t *buf, uint64_t len,
		     uint64_t off, uint64_t *done)
{
	uint64_t gbytes = e->h.grain_size * VMDK_SECTOR;
	uint64_t rel = off - e->start * VMDK_SECTOR, in = rel % gbytes;
	uint64_t g = rel / gbytes, n = gbytes - in < len ? gbytes - in : len, count = 1;
	uint32_t gte, prev, next;
	int rc = vmdk_sparse_gte(e, g, &gte);

	if (rc)
		return rc;
	/* Extend over grains in the same state: contiguous data, or holes. */
	prev = gte;
	while (n < len && !e->compressed) {
		rc = vmdk_sparse_gte(e, g + count, &next);
		if (rc)
			return rc;
		if (prev <= 1 ? next != prev : next != prev + e->h.grain_size)
			break;
		n += len - n < gbytes ? len - n : gbytes;
		prev = next;
		count++;
	}
	*done = n;
	if (gte == 0)
		return read_under(d, buf, n, off);
	if (gte == 1) {
		memset(buf, 0, n);
		return 0;
	}
	if (e->compressed) {
		if (d->zc_ext != e || d->zc_sec != gte) {
			d->zc_ext = NULL;
			rc = read_compressed(d, e, gte, g * e->h.grain_size, d->grain_buf);
			if (rc)
				return rc;
			d->zc_ext = e;
			d->zc_sec = gte;
		}
		memcpy(buf, d->grain_buf + in, n);
		return 0;
	}
	rc = vmdk_grain_range_ok(e, gte, count);
	if (rc)
		return rc;
	return vmdk_full_pread(e->fd, buf, n, (uint64_t)gte * VMDK_SECTOR + in);
}

/* Reserves room for GT gdi (and its redundant copy) at the end of the
 * file; the zeroed tables are written and published by the next flush. */
static int alloc_gt(struct vmdk_extent *e, uint32_t gdi)
{
	uint64_t secs = vmdk_gt_sectors(e);

	if (e->file_sectors + 2 * secs > 0xffffffffull)
		return -EFBIG;
	e->gts[gdi] = calloc(1, secs * 512);
	if (!e->gts[gdi])
		return -ENOMEM;
	if (e->rgd) {
		e->rgd[gdi] = (uint32_t)e->file_sectors;
		e->file_sectors += secs;
		if (index_add(e, e->rgd[gdi]))
			return -ENOMEM;
	}
	e->gd[gdi] = (uint32_t)e->file_sectors;
	e->file_sectors += secs;
	e->gt_dirty[gdi] = 1;
	e->gd_dirty = true;
	return index_add(e, e->gd[gdi]);
}

/* The GT slot of grain g, allocating its GT if need be. */
static int gte_slot(struct vmdk_extent *e, uint64_t g, uint32_t **slot)
{
	uint32_t gdi = (uint32_t)(g / e->h.num_gtes_per_gt), *gt;
	int rc;

	if (gdi >= e->num_gts)
		return -EIO;
	rc = gt_get(e, gdi, &gt);
	if (!rc && !gt) {
		rc = alloc_gt(e, gdi);
		gt = e->gts[gdi];
	}
	if (rc)
		return rc;
	*slot = &gt[g % e->h.num_gtes_per_gt];
	return 0;
}

static void publish(struct vmdk_extent *e, uint64_t g, uint32_t sec)
{
	uint32_t gdi = (uint32_t)(g / e->h.num_gtes_per_gt);

	e->gts[gdi][g % e->h.num_gtes_per_gt] = sec;
	e->gt_dirty[gdi] = 1;
}

int vmdk_sparse_write(struct vmdk *d, struct vmdk_extent *e, const uint8_t *buf, uint64_t len,
		      uint64_t off, uint64_t *done)
{
	uint64_t gbytes = e->h.grain_size * VMDK_SECTOR;
	uint64_t rel = off - e->start * VMDK_SECTOR, in = rel % gbytes;
	uint64_t g = rel / gbytes, n = gbytes - in < len ? gbytes - in : len, count = 1;
	uint32_t *slot, gte, prev;
	int rc = gte_slot(e, g, &slot);

	if (rc)
		return rc;
	gte = *slot;
	e->data_dirty = true;
	if (gte > 1) {
		/* Overwrite in place, across physically contiguous grains. */
		prev = gte;
		while (n < len) {
			uint32_t next;
			rc = vmdk_sparse_gte(e, g + count, &next);
			if (rc)
				return rc;
			if (next != prev + e->h.grain_size)
				break;
			n += len - n < gbytes ? len - n : gbytes;
			prev = next;
			count++;
		}
		rc = vmdk_grain_range_ok(e, gte, count);
		*done = n;
		return rc ? rc : vmdk_full_pwrite(e->fd, buf, n, (uint64_t)gte * VMDK_SECTOR + in);
	}
	if (n < gbytes) {
		/* Part of a new grain: old contents (parent or zero) around it. */
		uint64_t gstart = off - in;
		d->zc_ext = NULL;
		if (gte == 0)
			rc = read_under(d, d->grain_buf, gbytes, gstart);
		else
			memset(d->grain_buf, 0, gbytes);
		if (rc)
			return rc;
		memcpy(d->grain_buf + in, buf, n);
		buf = d->grain_buf;
	} else {
		/* Whole new grains: one append for the run. */
		while ((count + 1) * gbytes <= len && count < 4096) {
			rc = gte_slot(e, g + count, &slot);
			if (rc)
				return rc;
			if (*slot > 1)
				break;
			count++;
		}
		n = count * gbytes;
	}
	if (e->file_sectors + count * e->h.grain_size > 0xffffffffull)
		return -EFBIG;
	uint32_t sec = (uint32_t)e->file_sectors;
	rc = vmdk_full_pwrite(e->fd, buf, count * gbytes, (uint64_t)sec * VMDK_SECTOR);
	if (rc)
		return rc;
	e->file_sectors += count * e->h.grain_size;
	for (uint64_t i = 0; i < count; i++)
		publish(e, g + i, sec + (uint32_t)(i * e->h.grain_size));
	*done = n;
	return 0;
}

static int sync_fd(int fd)
{
	return fdatasync(fd) < 0 ? -errno : 0;
}

int vmdk_sparse_flush(struct vmdk_extent *e)
{
	size_t n = (size_t)vmdk_gt_sectors(e) * 512;
	bool any = false;
	int rc;

	for (uint32_t g = 0; g < e->num_gts && !any; g++)
		any = e->gt_dirty[g];
	if (!any && !e->gd_dirty) {
		rc = e->data_dirty ? sync_fd(e->fd) : 0;
		e->data_dirty = false;
		return rc;
	}
	rc = sync_fd(e->fd);            /* 1: grain data */
	for (uint32_t g = 0; !rc && g < e->num_gts; g++) {
		if (!e->gt_dirty[g])
			continue;
		if (e->rgd && e->rgd[g])
			rc = vmdk_full_pwrite(e->fd, e->gts[g], n, (uint64_t)e->rgd[g] * VMDK_SECTOR);
		if (!rc)
			rc = vmdk_full_pwrite(e->fd, e->gts[g], n, (uint64_t)e->gd[g] * VMDK_SECTOR);
		if (!rc)
			e->gt_dirty[g] = 0;
	}
	if (!rc && e->gd_dirty) {       /* 3: directories, once the GTs are durable */
		size_t gdb = (size_t)e->num_gts * 4;
		rc = sync_fd(e->fd);
		if (!rc && e->rgd)
			rc = vmdk_full_pwrite(e->fd, e->rgd, gdb, e->h.rgd_offset * VMDK_SECTOR);
		if (!rc)
			rc = vmdk_full_pwrite(e->fd, e->gd, gdb, e->h.gd_offset * VMDK_SECTOR);
		if (!rc)
			e->gd_dirty = false;
	}
	if (!rc)
		rc = sync_fd(e->fd);
	if (!rc)
		e->data_dirty = false;
	return rc;
}
