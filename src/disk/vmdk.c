/* libvmdk core: descriptor parsing, open/close, sparse and flat extent
 * I/O, delta chains.  Every value from a file is bounds-checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/vmdk_int.h"

static __thread char vmdk_errbuf[512];

void vmdk_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vmdk_errbuf, sizeof(vmdk_errbuf), fmt, ap);
	va_end(ap);
}

const char *vmdk_strerror(void)
{
	return vmdk_errbuf;
}

int vmdk_full_pread(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int vmdk_full_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* ---- descriptor ---- */

static void desc_value(const char *v, char *out, size_t outsz)
{
	size_t n;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '"')
		v++;
	n = strcspn(v, "\"\r\n");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static int open_extent_file(struct vmdk *d, const char *name, bool rdonly)
{
	char p[PATH_MAX];
	int fd;

	if (!*name || strchr(name, '/') || strcmp(name, "..") == 0) {
		vmdk_set_error("extent file name \"%s\" is not a plain file name", name);
		return -EINVAL;
	}
	if (snprintf(p, sizeof(p), "%s/%s", d->dir, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		vmdk_set_error("cannot open extent %s: %s", p, strerror(errno));
		return -errno;
	}
	return fd;
}

static int sparse_load(struct vmdk_extent *e, bool rdonly);

static int parse_descriptor(struct vmdk *d, const char *text, int self_fd)
{
	const char *line = text;
	uint64_t start = 0;
	bool have_version = false;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char l[1024], access[16], kind[16], name[512];
		unsigned long long sectors = 0, offset = 0;

		if (len >= sizeof(l)) {
			vmdk_set_error("descriptor line too long");
			return -EINVAL;
		}
		memcpy(l, line, len);
		l[len] = '\0';
		line += len + (line[len] == '\n');
		if (len && l[len - 1] == '\r')
			l[len - 1] = '\0';
		if (l[0] == '#' || l[0] == '\0')
			continue;
		if (strncmp(l, "version", 7) == 0) {
			have_version = true;
		} else if (strncmp(l, "CID", 3) == 0 && strchr(l, '=')) {
			d->cid = (uint32_t)strtoul(strchr(l, '=') + 1, NULL, 16);
		} else if (strncmp(l, "parentCID", 9) == 0 && strchr(l, '=')) {
			d->parent_cid = (uint32_t)strtoul(strchr(l, '=') + 1, NULL, 16);
		} else if (strncmp(l, "createType", 10) == 0 && strchr(l, '=')) {
			desc_value(strchr(l, '=') + 1, d->create_type, sizeof(d->create_type));
		} else if (strncmp(l, "parentFileNameHint", 18) == 0 && strchr(l, '=')) {
			desc_value(strchr(l, '=') + 1, d->parent_hint, sizeof(d->parent_hint));
		} else if (strncmp(l, "ddb.adapterType", 15) == 0 && strchr(l, '=')) {
			desc_value(strchr(l, '=') + 1, d->adapter, sizeof(d->adapter));
		} else if (strncmp(l, "ddb.geometry.cylinders", 22) == 0 && strchr(l, '=')) {
			char v[32];
			desc_value(strchr(l, '=') + 1, v, sizeof(v));
			d->cyl = (uint32_t)strtoul(v, NULL, 10);
		} else if (strncmp(l, "ddb.geometry.heads", 18) == 0 && strchr(l, '=')) {
			char v[32];
			desc_value(strchr(l, '=') + 1, v, sizeof(v));
			d->heads = (uint32_t)strtoul(v, NULL, 10);
		} else if (strncmp(l, "ddb.geometry.sectors", 20) == 0 && strchr(l, '=')) {
			char v[32];
			desc_value(strchr(l, '=') + 1, v, sizeof(v));
			d->secs = (uint32_t)strtoul(v, NULL, 10);
		} else if (sscanf(l, "%15s %llu %15s \"%511[^\"]\" %llu", access, &sectors,
				  kind, name, &offset) >= 3 &&
			   (!strcmp(access, "RW") || !strcmp(access, "RDONLY") ||
			    !strcmp(access, "NOACCESS"))) {
			struct vmdk_extent *e;
			int rc;

			if (d->nextents >= VMDK_MAX_EXTENTS) {
				vmdk_set_error("too many extents");
				return -EINVAL;
			}
			if (sectors == 0 || sectors > VMDK_MAX_CAPACITY ||
			    start + sectors > VMDK_MAX_CAPACITY) {
				vmdk_set_error("extent size %llu out of range", sectors);
				return -EINVAL;
			}
			e = &d->ext[d->nextents];
			memset(e, 0, sizeof(*e));
			e->fd = -1;
			e->start = start;
			e->sectors = sectors;
			if (!strcmp(kind, "ZERO")) {
				e->kind = VMDK_EXT_ZERO;
			} else if (!strcmp(kind, "FLAT") || !strcmp(kind, "SPARSE")) {
				e->kind = kind[0] == 'F' ? VMDK_EXT_FLAT : VMDK_EXT_SPARSE;
				e->flat_offset = offset;
				if (self_fd >= 0 && d->nextents == 0 && e->kind == VMDK_EXT_SPARSE)
					e->fd = dup(self_fd);
				else
					e->fd = open_extent_file(d, name, d->rdonly);
				if (e->fd < 0)
					return e->fd == -1 ? -errno : e->fd;
				d->nextents++;
				if (e->kind == VMDK_EXT_SPARSE) {
					rc = sparse_load(e, d->rdonly);
					if (rc)
						return rc;
				} else if (offset > VMDK_MAX_CAPACITY) {
					vmdk_set_error("flat extent offset out of range");
					return -EINVAL;
				}
				start += sectors;
				continue;
			} else {
				vmdk_set_error("unsupported extent type %s", kind);
				return -ENOTSUP;
			}
			d->nextents++;
			start += sectors;
		}
	}
	if (!have_version || d->nextents == 0) {
		vmdk_set_error("not a VMDK descriptor (no version or extents)");
		return -EINVAL;
	}
	d->bd.size = start * VMDK_SECTOR;
	return 0;
}

/* ---- sparse extents ---- */

static int sparse_load(struct vmdk_extent *e, bool rdonly)
{
	struct vmdk_sparse_header *h = &e->h;
	struct stat st;
	uint64_t gd_bytes, gt_cover;
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
		/* streamOptimized: the real header is the footer near the end. */
		if (e->file_sectors < 3) {
			vmdk_set_error("stream-optimized extent truncated");
			return -EINVAL;
		}
		rc = vmdk_full_pread(e->fd, h, sizeof(*h), (e->file_sectors - 2) * VMDK_SECTOR);
		if (rc || h->magic != VMDK_MAGIC || h->gd_offset == VMDK_GD_AT_END) {
			vmdk_set_error("stream-optimized footer missing");
			return -EINVAL;
		}
	}
	if (h->grain_size < 8 || h->grain_size > 2048 || (h->grain_size & (h->grain_size - 1))) {
		vmdk_set_error("absurd grain size %llu", (unsigned long long)h->grain_size);
		return -EINVAL;
	}
	if (h->num_gtes_per_gt < 1 || h->num_gtes_per_gt > 65536) {
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
	e->compressed = (h->flags & VMDK_FLAG_COMPRESSED) != 0;
	if (e->compressed && h->compress_algorithm != 1) {
		vmdk_set_error("unknown compression %u", h->compress_algorithm);
		return -ENOTSUP;
	}
	if (e->compressed && !rdonly) {
		vmdk_set_error("stream-optimized disks are read-only here");
		return -EROFS;
	}
	gt_cover = h->grain_size * h->num_gtes_per_gt;
	e->num_gts = (uint32_t)((h->capacity + gt_cover - 1) / gt_cover);
	gd_bytes = (uint64_t)e->num_gts * 4;
	if (h->gd_offset == 0 || h->gd_offset + (gd_bytes + 511) / 512 > e->file_sectors) {
		vmdk_set_error("grain directory offset past end of file");
		return -EINVAL;
	}
	e->gd = malloc(gd_bytes);
	e->gts = calloc(e->num_gts, sizeof(*e->gts));
	if (!e->gd || !e->gts)
		return -ENOMEM;
	rc = vmdk_full_pread(e->fd, e->gd, gd_bytes, h->gd_offset * VMDK_SECTOR);
	if (rc)
		return rc;
	if ((h->flags & VMDK_FLAG_RGD) && h->rgd_offset &&
	    h->rgd_offset + (gd_bytes + 511) / 512 <= e->file_sectors) {
		e->rgd = malloc(gd_bytes);
		if (!e->rgd)
			return -ENOMEM;
		if (vmdk_full_pread(e->fd, e->rgd, gd_bytes, h->rgd_offset * VMDK_SECTOR)) {
			free(e->rgd);
			e->rgd = NULL;
		}
	}
	return 0;
}

static size_t gt_bytes(const struct vmdk_extent *e)
{
	return (size_t)e->h.num_gtes_per_gt * 4;
}

/* Loads GT gdi; NULL-with-0 means unallocated. */
static int gt_get(struct vmdk_extent *e, uint32_t gdi, uint32_t **out)
{
	uint64_t sec = e->gd[gdi];
	size_t n = gt_bytes(e);
	int rc;

	*out = NULL;
	if (e->gts[gdi]) {
		*out = e->gts[gdi];
		return 0;
	}
	/* A damaged primary directory entry falls back to the redundant one. */
	if ((sec == 0 || sec + (n + 511) / 512 > e->file_sectors) && e->rgd && e->rgd[gdi] &&
	    (uint64_t)e->rgd[gdi] + (n + 511) / 512 <= e->file_sectors)
		sec = e->rgd[gdi];
	if (sec == 0)
		return 0;
	if (sec + (n + 511) / 512 > e->file_sectors) {
		vmdk_set_error("grain table %u at sector %llu past end of file", gdi,
			       (unsigned long long)sec);
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
	return 0;
}

static struct vmdk_extent *find_extent(struct vmdk *d, uint64_t sector)
{
	for (int i = 0; i < d->nextents; i++)
		if (sector >= d->ext[i].start && sector < d->ext[i].start + d->ext[i].sectors)
			return &d->ext[i];
	return NULL;
}

int vmdk_pread(struct vmdk *d, void *buf, uint64_t len, uint64_t off);

/* Reads a compressed grain (stream-optimized) into the grain buffer. */
static int read_compressed(struct vmdk *d, struct vmdk_extent *e, uint64_t sec, uint8_t *out);

/* Reads within one grain (or one flat run) of one extent. */
static int read_piece(struct vmdk *d, struct vmdk_extent *e, uint8_t *buf, uint64_t len,
		      uint64_t off)
{
	uint64_t rel = off - e->start * VMDK_SECTOR;

	if (e->kind == VMDK_EXT_ZERO) {
		memset(buf, 0, len);
		return 0;
	}
	if (e->kind == VMDK_EXT_FLAT)
		return vmdk_full_pread(e->fd, buf, len, e->flat_offset * VMDK_SECTOR + rel);

	uint64_t gbytes = e->h.grain_size * VMDK_SECTOR;
	uint64_t grain = rel / gbytes;
	uint32_t gdi = (uint32_t)(grain / e->h.num_gtes_per_gt);
	uint32_t gti = (uint32_t)(grain % e->h.num_gtes_per_gt);
	uint32_t *gt;
	int rc = gt_get(e, gdi, &gt);

	if (rc)
		return rc;
	uint32_t gte = gt ? gt[gti] : 0;
	if (gte == 0) {
		if (d->parent && off < d->parent->bd.size)
			return vmdk_pread(d->parent, buf, len, off);
		memset(buf, 0, len);
		return 0;
	}
	if (gte == 1) {
		memset(buf, 0, len);
		return 0;
	}
	if (e->compressed) {
		rc = read_compressed(d, e, gte, d->grain_buf);
		if (rc)
			return rc;
		memcpy(buf, d->grain_buf + rel % gbytes, len);
		return 0;
	}
	if ((uint64_t)gte + e->h.grain_size > e->file_sectors) {
		vmdk_set_error("grain at sector %u past end of file", gte);
		return -EIO;
	}
	return vmdk_full_pread(e->fd, buf, len, (uint64_t)gte * VMDK_SECTOR + rel % gbytes);
}

#include <zlib.h>

static int read_compressed(struct vmdk *d, struct vmdk_extent *e, uint64_t sec, uint8_t *out)
{
	uint8_t mk[12];
	uint64_t gbytes = e->h.grain_size * VMDK_SECTOR;
	uint32_t csize;
	uLongf dlen = gbytes;
	uint8_t *cbuf;
	int rc;

	(void)d;
	if (sec >= e->file_sectors)
		return -EIO;
	rc = vmdk_full_pread(e->fd, mk, sizeof(mk), sec * VMDK_SECTOR);
	if (rc)
		return rc;
	memcpy(&csize, mk + 8, 4);
	if (csize == 0 || csize > gbytes * 2 + 4096 ||
	    sec * VMDK_SECTOR + 12 + csize > e->file_sectors * VMDK_SECTOR) {
		vmdk_set_error("compressed grain size %u out of range", csize);
		return -EIO;
	}
	cbuf = malloc(csize);
	if (!cbuf)
		return -ENOMEM;
	rc = vmdk_full_pread(e->fd, cbuf, csize, sec * VMDK_SECTOR + 12);
	if (!rc) {
		memset(out, 0, gbytes);
		if (uncompress(out, &dlen, cbuf, csize) != Z_OK) {
			vmdk_set_error("corrupt compressed grain at sector %llu",
				       (unsigned long long)sec);
			rc = -EIO;
		}
	}
	free(cbuf);
	return rc;
}

/* The extent holding byte off, with *n set to how much of [off, off+len)
 * it covers without crossing the extent's end or, in a sparse extent, the
 * current grain: reads and writes go a piece at a time. */
static struct vmdk_extent *next_piece(struct vmdk *d, uint64_t off, uint64_t len, uint64_t *n)
{
	struct vmdk_extent *e = find_extent(d, off / VMDK_SECTOR);
	uint64_t end;

	if (!e)
		return NULL;
	end = (e->start + e->sectors) * VMDK_SECTOR;
	if (e->kind == VMDK_EXT_SPARSE) {
		uint64_t g = e->h.grain_size * VMDK_SECTOR;
		uint64_t gend = ((off - e->start * VMDK_SECTOR) / g + 1) * g + e->start * VMDK_SECTOR;
		if (gend < end)
			end = gend;
	}
	*n = end - off < len ? end - off : len;
	return e;
}

int vmdk_pread(struct vmdk *d, void *buf, uint64_t len, uint64_t off)
{
	uint8_t *p = buf;

	if (off > d->bd.size || len > d->bd.size - off)
		return -EINVAL;
	while (len) {
		uint64_t n;
		struct vmdk_extent *e = next_piece(d, off, len, &n);
		int rc;

		if (!e)
			return -EIO;
		rc = read_piece(d, e, p, n, off);
		if (rc)
			return rc;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ---- writes ---- */

static int write_descriptor(struct vmdk *d);

int vmdk_rewrite_descriptor(struct vmdk *d)
{
	return write_descriptor(d);
}

static int bump_cid(struct vmdk *d)
{
	uint32_t c;

	if (d->cid_bumped)
		return 0;
	d->cid_bumped = true;
	do {
		c = (uint32_t)random() ^ ((uint32_t)getpid() << 16);
	} while (c == d->cid || c == 0xffffffffu);
	d->cid = c;
	return write_descriptor(d);
}

static int alloc_gt(struct vmdk_extent *e, uint32_t gdi)
{
	size_t n = gt_bytes(e);
	uint64_t secs = (n + 511) / 512;
	uint32_t *z = calloc(1, secs * 512);
	int rc;

	if (!z)
		return -ENOMEM;
	if (e->rgd) {
		uint64_t rsec = e->file_sectors;
		rc = vmdk_full_pwrite(e->fd, z, secs * 512, rsec * VMDK_SECTOR);
		if (rc)
			goto out;
		e->file_sectors += secs;
		e->rgd[gdi] = (uint32_t)rsec;
		rc = vmdk_full_pwrite(e->fd, &e->rgd[gdi], 4, e->h.rgd_offset * VMDK_SECTOR + gdi * 4ull);
		if (rc)
			goto out;
	}
	uint64_t sec = e->file_sectors;
	rc = vmdk_full_pwrite(e->fd, z, secs * 512, sec * VMDK_SECTOR);
	if (rc)
		goto out;
	e->file_sectors += secs;
	e->gd[gdi] = (uint32_t)sec;
	rc = vmdk_full_pwrite(e->fd, &e->gd[gdi], 4, e->h.gd_offset * VMDK_SECTOR + gdi * 4ull);
out:
	free(z);
	return rc;
}

static int write_sparse_piece(struct vmdk *d, struct vmdk_extent *e, const uint8_t *buf,
			      uint64_t len, uint64_t off)
{
	uint64_t rel = off - e->start * VMDK_SECTOR;
	uint64_t gbytes = e->h.grain_size * VMDK_SECTOR;
	uint64_t grain = rel / gbytes;
	uint32_t gdi = (uint32_t)(grain / e->h.num_gtes_per_gt);
	uint32_t gti = (uint32_t)(grain % e->h.num_gtes_per_gt);
	uint32_t *gt;
	int rc;

	if (e->gd[gdi] == 0) {
		rc = alloc_gt(e, gdi);
		if (rc)
			return rc;
	}
	rc = gt_get(e, gdi, &gt);
	if (rc)
		return rc;
	if (!gt)
		return -EIO;
	if (gt[gti] > 1) {
		if ((uint64_t)gt[gti] + e->h.grain_size > e->file_sectors)
			return -EIO;
		return vmdk_full_pwrite(e->fd, buf, len, (uint64_t)gt[gti] * VMDK_SECTOR + rel % gbytes);
	}
	/* New grain: old contents (parent or zero) around the new data. */
	uint64_t gstart = off - rel % gbytes;
	if (len != gbytes) {
		if (gt[gti] == 0 && d->parent && gstart < d->parent->bd.size) {
			uint64_t n = d->parent->bd.size - gstart < gbytes ? d->parent->bd.size - gstart : gbytes;
			memset(d->grain_buf, 0, gbytes);
			rc = vmdk_pread(d->parent, d->grain_buf, n, gstart);
			if (rc)
				return rc;
		} else {
			memset(d->grain_buf, 0, gbytes);
		}
		memcpy(d->grain_buf + rel % gbytes, buf, len);
		buf = d->grain_buf;
	}
	if ((uint64_t)e->file_sectors + e->h.grain_size > 0xffffffffull)
		return -EFBIG;
	uint32_t sec = (uint32_t)e->file_sectors;
	/* Crash order: grain data, then the GT entries that publish it. */
	rc = vmdk_full_pwrite(e->fd, buf, gbytes, (uint64_t)sec * VMDK_SECTOR);
	if (rc)
		return rc;
	e->file_sectors += e->h.grain_size;
	gt[gti] = sec;
	if (e->rgd && e->rgd[gdi] && (uint64_t)e->rgd[gdi] * 512 + gt_bytes(e) <= e->file_sectors * 512) {
		rc = vmdk_full_pwrite(e->fd, &gt[gti], 4, (uint64_t)e->rgd[gdi] * VMDK_SECTOR + gti * 4ull);
		if (rc)
			return rc;
	}
	return vmdk_full_pwrite(e->fd, &gt[gti], 4, (uint64_t)e->gd[gdi] * VMDK_SECTOR + gti * 4ull);
}

int vmdk_pwrite(struct vmdk *d, const void *buf, uint64_t len, uint64_t off)
{
	const uint8_t *p = buf;
	int rc;

	if (d->rdonly)
		return -EROFS;
	if (off > d->bd.size || len > d->bd.size - off)
		return -EINVAL;
	rc = bump_cid(d);
	if (rc)
		return rc;
	while (len) {
		uint64_t n;
		struct vmdk_extent *e = next_piece(d, off, len, &n);

		if (!e)
			return -EIO;
		if (e->kind == VMDK_EXT_ZERO)
			rc = -EROFS;
		else if (e->kind == VMDK_EXT_FLAT)
			rc = vmdk_full_pwrite(e->fd, p, n, e->flat_offset * VMDK_SECTOR + off - e->start * VMDK_SECTOR);
		else
			rc = write_sparse_piece(d, e, p, n, off);
		if (rc)
			return rc;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int vmdk_flush(struct vmdk *d)
{
	if (d->rdonly)
		return 0;
	for (int i = 0; i < d->nextents; i++)
		if (d->ext[i].fd >= 0 && fsync(d->ext[i].fd) < 0)
			return -errno;
	return 0;
}

/* ---- descriptor output ---- */

static int write_descriptor(struct vmdk *d)
{
	char *out, *q;
	const char *s = d->desc;
	size_t cap = strlen(d->desc) + 256;
	int rc;

	out = calloc(1, cap);
	if (!out)
		return -ENOMEM;
	q = out;
	while (*s) {
		size_t n = strcspn(s, "\n");
		if (strncmp(s, "CID=", 4) == 0)
			q += sprintf(q, "CID=%08x", d->cid);
		else {
			memcpy(q, s, n);
			q += n;
		}
		s += n;
		if (*s == '\n')
			*q++ = *s++;
	}
	*q = '\0';
	free(d->desc);
	d->desc = out;
	if (d->embedded_desc) {
		struct vmdk_extent *e = &d->ext[0];
		uint64_t room = e->h.desc_size * VMDK_SECTOR;
		char *blk;

		if (strlen(out) >= room)
			return -ENOSPC;
		blk = calloc(1, room);
		if (!blk)
			return -ENOMEM;
		memcpy(blk, out, strlen(out));
		rc = vmdk_full_pwrite(e->fd, blk, room, e->h.desc_offset * VMDK_SECTOR);
		free(blk);
		return rc;
	}
	int fd = open(d->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = vmdk_full_pwrite(fd, out, strlen(out), 0);
	if (!rc && ftruncate(fd, (off_t)strlen(out)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int set_unclean(struct vmdk *d, uint8_t v)
{
	for (int i = 0; i < d->nextents; i++) {
		struct vmdk_extent *e = &d->ext[i];
		if (e->kind != VMDK_EXT_SPARSE)
			continue;
		e->h.unclean_shutdown = v;
		int rc = vmdk_full_pwrite(e->fd, &v, 1, offsetof(struct vmdk_sparse_header, unclean_shutdown));
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- open / close ---- */

static void vmdk_free(struct vmdk *d)
{
	for (int i = 0; i < d->nextents; i++) {
		struct vmdk_extent *e = &d->ext[i];
		if (e->gts)
			for (uint32_t j = 0; j < e->num_gts; j++)
				free(e->gts[j]);
		free(e->gts);
		free(e->gd);
		free(e->rgd);
		if (e->fd >= 0)
			close(e->fd);
	}
	vmdk_lock_release(d);
	free(d->desc);
	free(d->path);
	free(d->dir);
	free(d->grain_buf);
	free(d);
}

void vmdk_close(struct vmdk *d)
{
	if (!d)
		return;
	if (!d->rdonly) {
		vmdk_flush(d);
		set_unclean(d, 0);
		vmdk_flush(d);
	}
	vmdk_close(d->parent);
	vmdk_free(d);
}

struct vmdk *vmdk_parent(struct vmdk *d)
{
	return d->parent;
}

uint64_t vmdk_size(struct vmdk *d)
{
	return d->bd.size;
}

static int open_chain(const char *path, unsigned flags, int depth, struct vmdk **out);

static int do_open(struct vmdk *d, unsigned flags, int depth)
{
	uint8_t hdr[512];
	struct stat st;
	int fd, rc;

	fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vmdk_set_error("cannot open %s: %s", d->path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		vmdk_set_error("%s is not a regular file", d->path);
		return -EINVAL;
	}
	rc = vmdk_full_pread(fd, hdr, sizeof(hdr), 0);
	uint32_t magic;
	memcpy(&magic, hdr, 4);
	if (!rc && magic == VMDK_MAGIC) {
		struct vmdk_sparse_header h;
		memcpy(&h, hdr, sizeof(h));
		if (h.desc_offset == 0 || h.desc_size == 0 || h.desc_size > 2048 ||
		    h.desc_offset + h.desc_size > (uint64_t)st.st_size / 512) {
			close(fd);
			vmdk_set_error("sparse extent without a valid embedded descriptor");
			return -EINVAL;
		}
		d->desc = calloc(1, h.desc_size * 512 + 1);
		if (!d->desc) {
			close(fd);
			return -ENOMEM;
		}
		rc = vmdk_full_pread(fd, d->desc, h.desc_size * 512, h.desc_offset * 512);
		d->embedded_desc = true;
		if (!rc) {
			int rfd = (flags & VMDK_RDONLY) ? fd : open(d->path, O_RDWR | O_CLOEXEC);
			rc = rfd < 0 ? -errno : parse_descriptor(d, d->desc, rfd);
			if (rfd >= 0 && rfd != fd)
				close(rfd);
		}
	} else if (!rc || st.st_size < 512) {
		if (st.st_size > 65536 || st.st_size == 0) {
			close(fd);
			vmdk_set_error("%s is not a VMDK descriptor", d->path);
			return -EINVAL;
		}
		d->desc = calloc(1, (size_t)st.st_size + 1);
		if (!d->desc) {
			close(fd);
			return -ENOMEM;
		}
		rc = vmdk_full_pread(fd, d->desc, (size_t)st.st_size, 0);
		/* Text ends at the first NUL (some writers pad with zeros). */
		if (!rc)
			rc = parse_descriptor(d, d->desc, -1);
	}
	close(fd);
	if (rc)
		return rc;
	uint64_t maxg = 0;
	for (int i = 0; i < d->nextents; i++)
		if (d->ext[i].kind == VMDK_EXT_SPARSE && d->ext[i].h.grain_size > maxg)
			maxg = d->ext[i].h.grain_size;
	d->grain_buf = malloc(maxg ? maxg * 512 : 512);
	if (!d->grain_buf)
		return -ENOMEM;
	if (d->parent_hint[0] && d->parent_cid != 0xffffffffu) {
		char pp[PATH_MAX];
		if (depth >= VMDK_MAX_CHAIN) {
			vmdk_set_error("parent chain too deep or looping");
			return -ELOOP;
		}
		if (d->parent_hint[0] == '/')
			snprintf(pp, sizeof(pp), "%s", d->parent_hint);
		else
			snprintf(pp, sizeof(pp), "%s/%s", d->dir, d->parent_hint);
		rc = open_chain(pp, VMDK_RDONLY, depth + 1, &d->parent);
		if (rc)
			return rc;
		if (d->parent->cid != d->parent_cid) {
			vmdk_set_error("parentCID %08x does not match parent %s CID %08x",
				       d->parent_cid, pp, d->parent->cid);
			return -EINVAL;
		}
	}
	if (!(flags & VMDK_RDONLY)) {
		rc = vmdk_lock_acquire(d);
		if (rc)
			return rc;
		rc = set_unclean(d, 1);
		if (rc)
			return rc;
	}
	return 0;
}

static int vmdk_bd_pread(struct blockdev *bd, void *buf, uint64_t len, uint64_t off)
{
	return vmdk_pread((struct vmdk *)bd, buf, len, off);
}

static int vmdk_bd_pwrite(struct blockdev *bd, const void *buf, uint64_t len, uint64_t off)
{
	return vmdk_pwrite((struct vmdk *)bd, buf, len, off);
}

static int vmdk_bd_flush(struct blockdev *bd)
{
	return vmdk_flush((struct vmdk *)bd);
}

static void vmdk_bd_close(struct blockdev *bd)
{
	vmdk_close((struct vmdk *)bd);
}

const struct blockdev_ops vmdk_blockdev_ops = {
	.pread = vmdk_bd_pread,
	.pwrite = vmdk_bd_pwrite,
	.flush = vmdk_bd_flush,
	.close = vmdk_bd_close,
};

static int open_chain(const char *path, unsigned flags, int depth, struct vmdk **out)
{
	struct vmdk *d = calloc(1, sizeof(*d));
	char *slash;
	int rc;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->bd.ops = &vmdk_blockdev_ops;
	d->rdonly = d->bd.read_only = (flags & VMDK_RDONLY) != 0;
	d->parent_cid = 0xffffffffu;
	d->path = strdup(path);
	d->dir = strdup(path);
	if (!d->path || !d->dir) {
		vmdk_free(d);
		return -ENOMEM;
	}
	slash = strrchr(d->dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(d->dir, ".");
	rc = do_open(d, flags, depth);
	if (rc) {
		vmdk_close(d->parent);
		d->parent = NULL;
		vmdk_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int vmdk_open(const char *path, unsigned flags, struct vmdk **out)
{
	vmdk_errbuf[0] = '\0';
	return open_chain(path, flags, 0, out);
}

int vmdk_get_info(struct vmdk *d, struct vmdk_info *info)
{
	struct stat st;

	memset(info, 0, sizeof(*info));
	info->capacity = d->bd.size;
	info->cid = d->cid;
	info->parent_cid = d->parent_cid;
	info->cylinders = d->cyl;
	info->heads = d->heads;
	info->sectors = d->secs;
	snprintf(info->create_type, sizeof(info->create_type), "%s", d->create_type);
	snprintf(info->parent_hint, sizeof(info->parent_hint), "%s", d->parent_hint);
	for (int i = 0; i < d->nextents; i++)
		if (d->ext[i].fd >= 0 && fstat(d->ext[i].fd, &st) == 0)
			info->allocated += (uint64_t)st.st_blocks * 512;
	return 0;
}
