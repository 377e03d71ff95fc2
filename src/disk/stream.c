/* Writing streamOptimized disks (vmware-vdiskmanager type 5).
 *
 * Layout, front to back: the header (gdOffset = GD_AT_END), the embedded
 * descriptor, then the data as it streams in: each grain that is not all
 * zero as a grain marker (LBA, compressed size) followed by its zlib data,
 * padded to a sector.  At the end, for every grain table with an entry:
 * a GT marker and the table; a GD marker and the directory; a footer
 * marker and a copy of the header holding the real gdOffset; and the
 * end-of-stream marker.  Data must arrive in ascending order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "disk/vmdk_int.h"

#define GRAIN_SECTORS 128u
#define GTES 512u
#define DESC_SECTORS 20u

enum { MARKER_EOS = 0, MARKER_GT = 1, MARKER_GD = 2, MARKER_FOOTER = 3 };

struct vmdk_stream {
	int fd;
	uint64_t sectors;       /* capacity */
	uint64_t pos;           /* bytes taken so far (writes must not go back) */
	uint64_t next_sec;      /* next free sector of the file */
	uint32_t num_gts;
	uint32_t *gtes;         /* every GTE, num_gts * GTES */
	uint8_t *grain;         /* the grain being filled */
	uint64_t cur;           /* its index, or UINT64_MAX */
	uint8_t *out;           /* marker + compressed grain */
	size_t out_cap;
	struct vmdk_sparse_header h;
	int error;              /* first write error, reported by close */
};

static int put_marker(struct vmdk_stream *s, uint64_t val, uint32_t type)
{
	uint8_t m[VMDK_SECTOR] = { 0 };

	memcpy(m, &val, 8);
	memcpy(m + 12, &type, 4);
	int rc = vmdk_full_pwrite(s->fd, m, sizeof(m), s->next_sec * VMDK_SECTOR);
	if (!rc)
		s->next_sec++;
	return rc;
}

/* Emits the buffered grain (unless it is all zero). */
static int emit_grain(struct vmdk_stream *s)
{
	const size_t gb = GRAIN_SECTORS * VMDK_SECTOR;
	uint64_t lba = s->cur * GRAIN_SECTORS;
	uLongf clen = s->out_cap - 12;
	uint32_t size;
	size_t total;
	int rc;

	if (s->cur == UINT64_MAX)
		return 0;
	if (vmdk_all_zero(s->grain, gb)) {
		s->cur = UINT64_MAX;
		return 0;
	}
	if (compress2(s->out + 12, &clen, s->grain, gb, Z_DEFAULT_COMPRESSION) != Z_OK)
		return -EIO;
	size = (uint32_t)clen;
	memcpy(s->out, &lba, 8);
	memcpy(s->out + 8, &size, 4);
	total = (12 + clen + VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;
	memset(s->out + 12 + clen, 0, total - 12 - clen);
	if (s->next_sec + total / VMDK_SECTOR > 0xffffffffull)
		return -EFBIG;
	rc = vmdk_full_pwrite(s->fd, s->out, total, s->next_sec * VMDK_SECTOR);
	if (rc)
		return rc;
	s->gtes[s->cur] = (uint32_t)s->next_sec;
	s->next_sec += total / VMDK_SECTOR;
	s->cur = UINT64_MAX;
	return 0;
}

int vmdk_stream_create(const char *path, uint64_t capacity, enum vmdk_adapter adapter, int hw,
		       struct vmdk_stream **out)
{
	uint64_t sectors = (capacity + 511) / 512;
	char desc[4096], ext[PATH_MAX + 64];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct vmdk_stream *s;
	uint8_t *meta;
	int rc;

	*out = NULL;
	if (sectors == 0 || sectors > VMDK_MAX_SPARSE)
		return -EINVAL;
	snprintf(ext, sizeof(ext), "RW %llu SPARSE \"%s\"", (unsigned long long)sectors, base);
	if (vmdk_make_desc(desc, sizeof(desc), "streamOptimized", sectors, ext, 0xffffffffu, NULL,
			   adapter, hw) >= (int)(DESC_SECTORS * VMDK_SECTOR))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->sectors = sectors;
	s->num_gts = (uint32_t)((sectors + GRAIN_SECTORS * GTES - 1) / (GRAIN_SECTORS * GTES));
	s->gtes = calloc((size_t)s->num_gts * GTES, 4);
	s->grain = malloc(GRAIN_SECTORS * VMDK_SECTOR);
	s->out_cap = 12 + compressBound(GRAIN_SECTORS * VMDK_SECTOR) + VMDK_SECTOR;
	s->out = malloc(s->out_cap);
	s->cur = UINT64_MAX;
	s->fd = -1;
	if (!s->gtes || !s->grain || !s->out) {
		vmdk_stream_close(s);
		return -ENOMEM;
	}
	s->h.magic = VMDK_MAGIC;
	s->h.version = 3;
	s->h.flags = VMDK_FLAG_NL_VALID | VMDK_FLAG_COMPRESSED | VMDK_FLAG_MARKERS;
	s->h.capacity = sectors;
	s->h.grain_size = GRAIN_SECTORS;
	s->h.desc_offset = 1;
	s->h.desc_size = DESC_SECTORS;
	s->h.num_gtes_per_gt = GTES;
	s->h.gd_offset = VMDK_GD_AT_END;
	s->h.overhead = GRAIN_SECTORS;
	memcpy(s->h.nl_chars, "\n \r\n", 4);
	s->h.compress_algorithm = 1;
	s->next_sec = s->h.overhead;
	s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		rc = -errno;
		vmdk_set_error("cannot create %s: %s", path, strerror(errno));
		vmdk_stream_close(s);
		return rc;
	}
	meta = calloc(1, s->h.overhead * VMDK_SECTOR);
	if (!meta) {
		vmdk_stream_close(s);
		return -ENOMEM;
	}
	memcpy(meta, &s->h, sizeof(s->h));
	memcpy(meta + VMDK_SECTOR, desc, strlen(desc));
	rc = vmdk_full_pwrite(s->fd, meta, s->h.overhead * VMDK_SECTOR, 0);
	free(meta);
	if (rc) {
		vmdk_stream_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int vmdk_stream_write(struct vmdk_stream *s, const void *buf, uint64_t len, uint64_t off)
{
	const uint64_t gb = GRAIN_SECTORS * VMDK_SECTOR;
	const uint8_t *p = buf;
	int rc;

	if (s->error)
		return s->error;
	if (off < s->pos || off > s->sectors * VMDK_SECTOR || len > s->sectors * VMDK_SECTOR - off)
		return -EINVAL;
	while (len) {
		uint64_t g = off / gb, in = off % gb, n = gb - in < len ? gb - in : len;

		if (g != s->cur) {
			rc = emit_grain(s);
			if (rc)
				return s->error = rc;
			s->cur = g;
			memset(s->grain, 0, gb);
		}
		memcpy(s->grain + in, p, n);
		p += n;
		off += n;
		len -= n;
		s->pos = off;
		if (in + n == gb) {
			rc = emit_grain(s);
			if (rc)
				return s->error = rc;
		}
	}
	return 0;
}

/* Writes the tables, footer and end-of-stream marker. */
static int finish(struct vmdk_stream *s)
{
	const uint64_t gt_secs = GTES * 4 / VMDK_SECTOR;
	uint64_t gd_secs = ((uint64_t)s->num_gts * 4 + VMDK_SECTOR - 1) / VMDK_SECTOR;
	uint32_t *gd = calloc(gd_secs, VMDK_SECTOR);
	uint8_t footer[VMDK_SECTOR] = { 0 };
	int rc = emit_grain(s);

	if (!gd)
		return -ENOMEM;
	for (uint32_t g = 0; !rc && g < s->num_gts; g++) {
		uint32_t *gt = s->gtes + (size_t)g * GTES;
		if (vmdk_all_zero(gt, GTES * 4))
			continue;
		rc = put_marker(s, gt_secs, MARKER_GT);
		if (!rc)
			rc = vmdk_full_pwrite(s->fd, gt, GTES * 4, s->next_sec * VMDK_SECTOR);
		gd[g] = (uint32_t)s->next_sec;
		s->next_sec += gt_secs;
	}
	if (!rc)
		rc = put_marker(s, gd_secs, MARKER_GD);
	if (!rc) {
		s->h.gd_offset = s->next_sec;
		rc = vmdk_full_pwrite(s->fd, gd, gd_secs * VMDK_SECTOR, s->next_sec * VMDK_SECTOR);
		s->next_sec += gd_secs;
	}
	free(gd);
	if (!rc)
		rc = put_marker(s, 1, MARKER_FOOTER);
	if (!rc) {
		memcpy(footer, &s->h, sizeof(s->h));
		rc = vmdk_full_pwrite(s->fd, footer, sizeof(footer), s->next_sec * VMDK_SECTOR);
		s->next_sec++;
	}
	if (!rc)
		rc = put_marker(s, 0, MARKER_EOS);
	if (!rc && fsync(s->fd) < 0)
		rc = -errno;
	return rc;
}

int vmdk_stream_close(struct vmdk_stream *s)
{
	int rc;

	if (!s)
		return 0;
	rc = s->error;
	if (!rc && s->fd >= 0)
		rc = finish(s);
	if (s->fd >= 0)
		close(s->fd);
	free(s->gtes);
	free(s->grain);
	free(s->out);
	free(s);
	return rc;
}
