/* libvmdk core: descriptor parsing and rewriting, open/close with locks
 * and the uncleanShutdown flag, delta chains, and pread/pwrite/flush over
 * the extents (sparse extents in sparse.c).  Every value from a file is
 * bounds-checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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
	struct stat st;
	int fd;

	if (!*name || strchr(name, '/') || strcmp(name, "..") == 0) {
		vmdk_set_error("extent file name \"%s\" is not a plain file name", name);
		return -EINVAL;
	}
	if (snprintf(p, sizeof(p), "%s/%s", d->dir, name) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	/* Non-blocking, then checked: a name that is a FIFO must neither hang
	 * the open nor be used. */
	fd = open(p, (rdonly ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		vmdk_set_error("cannot open extent %s: %s", p, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		vmdk_set_error("extent %s is not a regular file", p);
		return -EINVAL;
	}
	return fd;
}

static int parse_descriptor(struct vmdk *d, const char *text, int self_fd)
{
	const char *line = text;
	uint64_t start = 0;
	bool have_version = false;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char l[1024], access[16], kind[16], name[512] = "";
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
			if (d->nextents == d->cap_extents) {
				int cap = d->cap_extents ? d->cap_extents * 2 : 4;
				struct vmdk_extent *n = realloc(d->ext, (size_t)cap * sizeof(*n));
				if (!n)
					return -ENOMEM;
				d->ext = n;
				d->cap_extents = cap;
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
			} else if (!strcmp(kind, "FLAT") || !strcmp(kind, "VMFS") || !strcmp(kind, "SPARSE")) {
				e->kind = kind[0] == 'S' ? VMDK_EXT_SPARSE : VMDK_EXT_FLAT;
				e->flat_offset = offset;
				if (self_fd >= 0 && d->nextents == 0 && e->kind == VMDK_EXT_SPARSE)
					e->fd = dup(self_fd);
				else
					e->fd = open_extent_file(d, name, d->rdonly);
				if (e->fd < 0)
					return e->fd == -1 ? -errno : e->fd;
				d->nextents++;
				e->file = strdup(name);
				if (!e->file)
					return -ENOMEM;
				if (e->kind == VMDK_EXT_SPARSE) {
					rc = vmdk_sparse_load(e, d->rdonly);
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

static struct vmdk_extent *find_extent(struct vmdk *d, uint64_t sector)
{
	int lo = 0, hi = d->nextents;

	while (lo < hi) {       /* extents are contiguous, in order */
		int mid = (lo + hi) / 2;
		if (sector < d->ext[mid].start)
			hi = mid;
		else if (sector >= d->ext[mid].start + d->ext[mid].sectors)
			lo = mid + 1;
		else
			return &d->ext[mid];
	}
	return NULL;
}

/* The extent holding byte off, with *n set to how much of [off, off+len)
 * it covers before the extent's end. */
static struct vmdk_extent *next_piece(struct vmdk *d, uint64_t off, uint64_t len, uint64_t *n)
{
	struct vmdk_extent *e = find_extent(d, off / VMDK_SECTOR);
	uint64_t end;

	if (!e)
		return NULL;
	end = (e->start + e->sectors) * VMDK_SECTOR;
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
		int rc = 0;

		if (!e)
			return -EIO;
		if (e->kind == VMDK_EXT_ZERO)
			memset(p, 0, n);
		else if (e->kind == VMDK_EXT_FLAT)
			rc = vmdk_full_pread(e->fd, p, n, e->flat_offset * VMDK_SECTOR + off - e->start * VMDK_SECTOR);
		else
			rc = vmdk_sparse_read(d, e, p, n, off, &n);
		if (rc)
			return rc;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ---- writes ---- */

static int bump_cid(struct vmdk *d)
{
	uint32_t c;

	if (d->cid_bumped)
		return 0;
	d->cid_bumped = true;
	do {
		if (getrandom(&c, sizeof(c), 0) != (ssize_t)sizeof(c))
			c = (uint32_t)random() ^ ((uint32_t)getpid() << 16);
	} while (c == d->cid || c == 0xffffffffu);
	d->cid = c;
	return vmdk_rewrite_descriptor(d);
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
		else if (e->kind == VMDK_EXT_FLAT) {
			e->data_dirty = true;
			rc = vmdk_full_pwrite(e->fd, p, n, e->flat_offset * VMDK_SECTOR + off - e->start * VMDK_SECTOR);
		} else
			rc = vmdk_sparse_write(d, e, p, n, off, &n);
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
	for (int i = 0; i < d->nextents; i++) {
		struct vmdk_extent *e = &d->ext[i];
		int rc = 0;

		if (e->kind == VMDK_EXT_SPARSE) {
			rc = vmdk_sparse_flush(e);
		} else if (e->data_dirty) {     /* only extents written since the last flush */
			rc = fdatasync(e->fd) < 0 ? -errno : 0;
			e->data_dirty = rc != 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- descriptor output ---- */

int vmdk_rewrite_descriptor(struct vmdk *d)
{
	char *out, *q;
	const char *s = d->desc;
	size_t cap = strlen(d->desc) + 1;
	int rc;

	/* Each "CID=" line (at least 4 bytes) becomes 12: room for 8 more
	 * per such line, however many the (file-controlled) text holds. */
	for (const char *l = s; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, "CID=", 4) == 0)
			cap += 8;
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
		blk = calloc(2, room);
		if (!blk)
			return -ENOMEM;
		memcpy(blk, out, strlen(out));
		/* Only the sectors that change are written: a CID update touches
		 * one sector, which the disk writes atomically. */
		rc = vmdk_full_pread(e->fd, blk + room, room, e->h.desc_offset * VMDK_SECTOR);
		for (uint64_t s0 = 0; !rc && s0 < room; s0 += VMDK_SECTOR)
			if (memcmp(blk + s0, blk + room + s0, VMDK_SECTOR))
				rc = vmdk_full_pwrite(e->fd, blk + s0, VMDK_SECTOR,
						      e->h.desc_offset * VMDK_SECTOR + s0);
		free(blk);
		return rc;
	}
	return vmdk_replace_file(d->path, out, strlen(out));
}

int vmdk_replace_file(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX], dirp[PATH_MAX];
	char *slash;
	int fd, rc;

	/* Write a temporary file, make it durable, rename it over the old one,
	 * then make the rename durable: readers see the old or the new text. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = vmdk_full_pwrite(fd, data, len, 0);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	snprintf(dirp, sizeof(dirp), "%s", path);
	slash = strrchr(dirp, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dirp, ".");
	fd = open(dirp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

static int set_unclean(struct vmdk *d, uint8_t v)
{
	for (int i = 0; i < d->nextents; i++) {
		struct vmdk_extent *e = &d->ext[i];
		if (e->kind != VMDK_EXT_SPARSE)
			continue;
		e->h.unclean_shutdown = v;
		int rc = vmdk_full_pwrite(e->fd, &v, 1, offsetof(struct vmdk_sparse_header, unclean_shutdown));
		if (!rc && fdatasync(e->fd) < 0)
			rc = -errno;
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
		free(e->gt_dirty);
		free(e->gt_index);
		free(e->file);
		free(e->gd);
		free(e->rgd);
		if (e->fd >= 0)
			close(e->fd);
	}
	vmdk_lock_release(d);
	free(d->ext);
	free(d->desc);
	free(d->path);
	free(d->dir);
	free(d->grain_buf);
	free(d->zc_in);
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

	fd = open(d->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);     /* a FIFO must not hang */
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
	} else if (!rc && !memcmp(hdr, "COWD", 4)) {
		close(fd);
		vmdk_set_error("%s is a VMware 3 (COWD) sparse disk, which is not supported", d->path);
		return -ENOTSUP;
	} else if (!rc || st.st_size < 512) {
		if (st.st_size > VMDK_MAX_DESCRIPTOR || st.st_size == 0) {
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
	rc = vmdk_lock_acquire(d);
	if (rc)
		return rc;
	if (!(flags & VMDK_RDONLY)) {
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
