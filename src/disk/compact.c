/* Rewriting disks: shrink (-k), defragment (-d) and expand (-x).
 *
 * Shrinking and defragmenting copy each sparse extent into a new file
 * whose grains lie in LBA order (shrink leaves out all-zero grains), make
 * it durable, and rename it over the old extent: a crash leaves either
 * the old or the new file, never a mix within one extent.  Expanding a
 * monolithicSparse disk happens in place (grow_sparse); expanding a flat
 * or split disk grows the last flat file or adds extents, then replaces
 * the descriptor atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk/vmdk_int.h"

static __thread vmdk_progress_fn prog_fn;
static __thread void *prog_opaque;

void vmdk_set_progress(vmdk_progress_fn fn, void *opaque)
{
	prog_fn = fn;
	prog_opaque = opaque;
}

void vmdk_progress(uint64_t done, uint64_t total)
{
	if (prog_fn)
		prog_fn(prog_opaque, done, total);
}

static char *extent_path(const struct vmdk *d, int i)
{
	char p[PATH_MAX];

	if (i == 0 && d->embedded_desc)
		return strdup(d->path);
	if (snprintf(p, sizeof(p), "%s/%s", d->dir, d->ext[i].file) >= (int)sizeof(p))
		return NULL;
	return strdup(p);
}

/* Copies sparse extent e into the new file dst with capacity sectors
 * (at least e's), grains in LBA order, all-zero ones left out when
 * drop_zero and nothing lies underneath. */
static int copy_extent(struct vmdk *d, struct vmdk_extent *e, const char *dst, uint64_t sectors,
		       const char *desc, bool drop_zero, uint64_t *done, uint64_t total)
{
	const uint64_t gs = 128, gbytes = gs * VMDK_SECTOR;
	struct vmdk_sparse_header h;
	uint64_t grains = (e->sectors + gs - 1) / gs, next, ngt;
	uint32_t *gd = NULL, *rgd = NULL, *gts = NULL;
	uint8_t *buf = malloc(gbytes);
	int fd = -1, rc;

	if (e->compressed || e->h.grain_size != gs || e->h.num_gtes_per_gt != 512) {
		vmdk_set_error("only uncompressed sparse extents with 64 KiB grains can be rewritten");
		free(buf);
		return -ENOTSUP;
	}
	rc = buf ? vmdk_create_sparse(dst, sectors, desc) : -ENOMEM;
	if (!rc) {
		fd = open(dst, O_RDWR | O_CLOEXEC);
		rc = fd < 0 ? -errno : vmdk_full_pread(fd, &h, sizeof(h), 0);
	}
	if (rc)
		goto out;
	ngt = (sectors + gs * 512 - 1) / (gs * 512);
	gd = malloc(ngt * 4);
	rgd = malloc(ngt * 4);
	gts = calloc(ngt * 512, 4);
	if (!gd || !rgd || !gts) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmdk_full_pread(fd, gd, ngt * 4, h.gd_offset * VMDK_SECTOR);
	if (!rc)
		rc = vmdk_full_pread(fd, rgd, ngt * 4, h.rgd_offset * VMDK_SECTOR);
	next = h.overhead;
	for (uint64_t g = 0; !rc && g < grains; g++) {
		uint32_t gte;

		if (++*done % 256 == 0)
			vmdk_progress(*done, total);
		rc = vmdk_sparse_gte(e, g, &gte);
		if (rc || gte == 0)
			continue;
		if (gte == 1) {
			if (!d->parent)
				continue;
			memset(buf, 0, gbytes);         /* a zeroed grain hides the parent */
		} else {
			rc = vmdk_grain_range_ok(e, gte, 1);
			if (!rc)
				rc = vmdk_full_pread(e->fd, buf, gbytes, (uint64_t)gte * VMDK_SECTOR);
			if (rc)
				break;
			if (drop_zero && !d->parent && vmdk_all_zero(buf, gbytes))
				continue;
		}
		if (next + gs > 0xffffffffull) {
			rc = -EFBIG;
			break;
		}
		rc = vmdk_full_pwrite(fd, buf, gbytes, next * VMDK_SECTOR);
		gts[g] = (uint32_t)next;
		next += gs;
	}
	/* Grains first, then the tables that point at them. */
	if (!rc && fdatasync(fd) < 0)
		rc = -errno;
	for (uint64_t t = 0; !rc && t < ngt; t++) {
		rc = vmdk_full_pwrite(fd, gts + t * 512, 2048, (uint64_t)rgd[t] * VMDK_SECTOR);
		if (!rc)
			rc = vmdk_full_pwrite(fd, gts + t * 512, 2048, (uint64_t)gd[t] * VMDK_SECTOR);
	}
	if (!rc && fsync(fd) < 0)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(dst);
	free(buf);
	free(gd);
	free(rgd);
	free(gts);
	return rc;
}

static int rewrite(const char *path, bool drop_zero)
{
	struct vmdk *d;
	char **paths, tmp[PATH_MAX];
	uint64_t total = 0, done = 0;
	int rc = vmdk_open(path, 0, &d), n = 0;

	if (rc)
		return rc;
	paths = calloc((size_t)d->nextents, sizeof(*paths));
	if (!paths) {
		vmdk_close(d);
		return -ENOMEM;
	}
	for (int i = 0; i < d->nextents; i++) {
		if (d->ext[i].kind != VMDK_EXT_SPARSE) {
			vmdk_set_error("only sparse (growable) disks can be shrunk or defragmented");
			rc = -ENOTSUP;
			goto out;
		}
		total += (d->ext[i].sectors + 127) / 128;
	}
	for (n = 0; n < d->nextents && !rc; n++) {
		struct vmdk_extent *e = &d->ext[n];
		paths[n] = extent_path(d, n);
		if (!paths[n] || snprintf(tmp, sizeof(tmp), "%s.tmp", paths[n]) >= (int)sizeof(tmp)) {
			rc = -ENAMETOOLONG;
			break;
		}
		rc = copy_extent(d, e, tmp, e->sectors, n == 0 && d->embedded_desc ? d->desc : "",
				 drop_zero, &done, total);
	}
	/* Every copy is durable: now switch the extents over. */
	for (int i = 0; i < n; i++) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", paths[i]);
		if (!rc && rename(tmp, paths[i]) < 0)
			rc = -errno;
		if (rc)
			unlink(tmp);
	}
	vmdk_progress(total, total);
out:
	for (int i = 0; i < d->nextents; i++)
		free(paths[i]);
	free(paths);
	/* The extents were replaced: close without touching the old files. */
	for (int i = 0; !rc && i < d->nextents; i++)
		d->ext[i].kind = VMDK_EXT_ZERO;
	vmdk_close(d);
	return rc;
}

int vmdk_shrink(const char *path)
{
	return rewrite(path, true);
}

int vmdk_defragment(const char *path)
{
	return rewrite(path, false);
}

/* Returns desc with the line starting with key replaced by line, or
 * line appended when no line starts with key (NULL on no memory). */
static char *desc_set_line(const char *desc, const char *key, const char *line)
{
	size_t kl = strlen(key);
	const char *p = desc;
	/* Appended: a newline ending desc if it has none, line, '\n', NUL. */
	char *out = malloc(strlen(desc) + strlen(line) + 3);

	if (!out)
		return NULL;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
		if (strncmp(p, key, kl) == 0) {
			sprintf(out, "%.*s%s\n%s", (int)(p - desc), desc, line, p + len);
			return out;
		}
		p += len;
	}
	sprintf(out, "%s%s%s\n", desc, *desc && desc[strlen(desc) - 1] != '\n' ? "\n" : "", line);
	return out;
}

/* The descriptor with the geometry's cylinders fitted to sectors. */
static char *desc_geometry(const char *desc, const struct vmdk *d, uint64_t sectors)
{
	uint64_t heads = d->heads ? d->heads : 16, secs = d->secs ? d->secs : 63;
	uint64_t cyl = sectors / (heads * secs);
	char line[96];

	if (!strcmp(d->adapter, "ide") && cyl > 16383)
		cyl = 16383;
	snprintf(line, sizeof(line), "ddb.geometry.cylinders = \"%llu\"", (unsigned long long)cyl);
	return desc_set_line(desc, "ddb.geometry.cylinders", line);
}

/* Rewrites the extent line of extent i (matched by its file name). */
static char *desc_extent_size(const char *desc, const struct vmdk *d, int i, uint64_t sectors)
{
	const struct vmdk_extent *e = &d->ext[i];
	const char *p = desc;
	char key[600], line[700];
	const char *kind = e->kind == VMDK_EXT_SPARSE ? "SPARSE" : strstr(desc, " VMFS \"") ? "VMFS" : "FLAT";

	while (*p) {
		char acc[16];
		unsigned long long n;
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (sscanf(p, "%15s %llu", acc, &n) == 2 && n == e->sectors &&
		    memmem(p, len, e->file, strlen(e->file))) {
			snprintf(key, sizeof(key), "%.*s", (int)(len < 599 ? len : 599), p);
			break;
		}
		p += len + (eol != NULL);
	}
	if (!*p)
		return NULL;
	if (e->kind == VMDK_EXT_FLAT && strcmp(kind, "VMFS"))
		snprintf(line, sizeof(line), "RW %llu FLAT \"%s\" %llu", (unsigned long long)sectors,
			 e->file, (unsigned long long)e->flat_offset);
	else
		snprintf(line, sizeof(line), "RW %llu %s \"%s\"", (unsigned long long)sectors, kind, e->file);
	return desc_set_line(desc, key, line);
}

/* Adds extents of at most 2 GiB after the last one for a split disk. */
static char *add_split_extents(struct vmdk *d, char *desc, uint64_t from, uint64_t to, bool sparse)
{
	const uint64_t max = (2ull << 30) / 512;
	const char *base = strrchr(d->path, '/') ? strrchr(d->path, '/') + 1 : d->path;
	size_t bl = strlen(base) > 5 ? strlen(base) - 5 : strlen(base);
	int idx = d->nextents + 1;

	for (uint64_t s0 = from; desc && s0 < to; s0 += max, idx++) {
		uint64_t cnt = to - s0 < max ? to - s0 : max;
		char name[PATH_MAX], file[PATH_MAX + 8], line[PATH_MAX + 64];
		int rc, fd;

		if (idx > VMDK_MAX_EXTENTS) {
			vmdk_set_error("too many extents");
			free(desc);
			return NULL;
		}
		snprintf(name, sizeof(name), "%.*s-%c%03d.vmdk", (int)bl, base, sparse ? 's' : 'f', idx);
		snprintf(file, sizeof(file), "%s/%s", d->dir, name);
		if (sparse) {
			rc = vmdk_create_sparse(file, cnt, "");
		} else {
			fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			rc = fd < 0 ? -errno : vmdk_size_flat(fd, cnt, true);
			if (fd >= 0)
				close(fd);
		}
		snprintf(line, sizeof(line), "RW %llu %s \"%s\"%s", (unsigned long long)cnt,
			 sparse ? "SPARSE" : "FLAT", name, sparse ? "" : " 0");
		/* Insert after the last extent line: find it by its file name. */
		const struct vmdk_extent *last = &d->ext[d->nextents - 1];
		char *hit = rc ? NULL : strstr(desc, last->file);
		char *nd = NULL;
		if (hit) {
			char *eol = strchr(hit, '\n');
			size_t at = eol ? (size_t)(eol - desc) + 1 : strlen(desc);
			nd = malloc(strlen(desc) + strlen(line) + 3);
			if (nd)
				sprintf(nd, "%.*s%s%s\n%s", (int)at, desc, eol ? "" : "\n", line, desc + at);
		}
		free(desc);
		desc = nd;
		if (desc) {
			/* The next extent goes after this one. */
			free(d->ext[d->nextents - 1].file);
			d->ext[d->nextents - 1].file = strdup(name);
			if (!d->ext[d->nextents - 1].file) {
				free(desc);
				desc = NULL;
			}
		}
	}
	return desc;
}

/* Grows monolithicSparse extent e to sectors in place.  The new grain
 * tables are zero-filled holes at the end of the file (VMware and QEMU
 * expect every table of a hosted sparse extent to exist).  The
 * directories get their new entries in place, or, when they need more
 * sectors, larger copies at the end of the file; all of that is made
 * durable before one header sector switches capacity and directories at
 * once; then the descriptor follows.  A crash before the header write
 * leaves the old disk, after it the new one (the descriptor may still
 * give the old size, which is then what the disk has). */
static int grow_sparse(struct vmdk *d, struct vmdk_extent *e, uint64_t sectors, char *nd)
{
	uint64_t cover = e->h.grain_size * e->h.num_gtes_per_gt;
	uint64_t ngt = (sectors + cover - 1) / cover, gts = vmdk_gt_sectors(e);
	uint64_t old_secs = vmdk_gd_sectors(e), new_secs = (ngt * 4 + 511) / 512;
	uint64_t next = e->file_sectors, copies = e->rgd ? 2 : 1;
	uint8_t hdr[VMDK_SECTOR] = { 0 };
	struct vmdk_sparse_header h = e->h;
	uint32_t *gd = NULL, *rgd = NULL;
	int rc = 0;

	if (sectors > VMDK_MAX_SPARSE ||
	    next + copies * (new_secs + (ngt - e->num_gts) * gts) > 0xffffffffull) {
		free(nd);
		vmdk_set_error("a sparse extent holds at most 2 TiB");
		return -EFBIG;
	}
	gd = calloc(new_secs, VMDK_SECTOR);
	rgd = calloc(new_secs, VMDK_SECTOR);
	if (!gd || !rgd) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(gd, e->gd, (size_t)e->num_gts * 4);
	if (e->rgd)
		memcpy(rgd, e->rgd, (size_t)e->num_gts * 4);
	if (new_secs > old_secs) {
		if (e->rgd) {
			h.rgd_offset = next;
			next += new_secs;
		}
		h.gd_offset = next;
		next += new_secs;
	}
	for (uint64_t g = e->num_gts; g < ngt; g++) {
		if (e->rgd) {
			rgd[g] = (uint32_t)next;
			next += gts;
		}
		gd[g] = (uint32_t)next;
		next += gts;
	}
	if (ftruncate(e->fd, (off_t)(next * VMDK_SECTOR)) < 0)
		rc = -errno;
	if (!rc && e->rgd)
		rc = vmdk_full_pwrite(e->fd, rgd, new_secs * VMDK_SECTOR, h.rgd_offset * VMDK_SECTOR);
	if (!rc)
		rc = vmdk_full_pwrite(e->fd, gd, new_secs * VMDK_SECTOR, h.gd_offset * VMDK_SECTOR);
	if (!rc && fdatasync(e->fd) < 0)
		rc = -errno;
	h.capacity = sectors;
	memcpy(hdr, &h, sizeof(h));
	if (!rc)
		rc = vmdk_full_pwrite(e->fd, hdr, sizeof(hdr), 0);
	if (!rc && fdatasync(e->fd) < 0)
		rc = -errno;
	if (rc)
		goto out;
	e->h = h;
	e->file_sectors = next;
	free(d->desc);
	d->desc = nd;
	nd = NULL;
	rc = vmdk_rewrite_descriptor(d);
	if (!rc && fdatasync(e->fd) < 0)
		rc = -errno;
out:
	free(nd);
	free(gd);
	free(rgd);
	return rc;
}

int vmdk_expand(const char *path, uint64_t capacity)
{
	struct vmdk *d;
	uint64_t sectors = (capacity + 511) / 512, old;
	char *nd = NULL;
	int rc = vmdk_open(path, 0, &d);

	if (rc)
		return rc;
	old = d->bd.size / 512;
	rc = -EINVAL;
	if (d->parent) {
		vmdk_set_error("a disk with a parent (snapshot) cannot be expanded");
		goto out;
	}
	if (sectors <= old || sectors > VMDK_MAX_CAPACITY) {
		vmdk_set_error("new size must be larger than the current one");
		goto out;
	}
	struct vmdk_extent *last = &d->ext[d->nextents - 1];
	bool split = strncmp(d->create_type, "twoGbMaxExtent", 14) == 0;
	if (split && last->kind != VMDK_EXT_ZERO) {
		nd = add_split_extents(d, strdup(d->desc), old, sectors, last->kind == VMDK_EXT_SPARSE);
	} else if (d->nextents == 1 && last->kind == VMDK_EXT_FLAT) {
		rc = vmdk_size_flat(last->fd, last->flat_offset + sectors, strcmp(d->create_type, "vmfsThin") != 0);
		if (rc)
			goto out;
		nd = desc_extent_size(d->desc, d, 0, sectors);
	} else if (d->nextents == 1 && last->kind == VMDK_EXT_SPARSE && d->embedded_desc &&
		   !last->compressed) {
		char *t = desc_extent_size(d->desc, d, 0, sectors);
		nd = t ? desc_geometry(t, d, sectors) : NULL;
		free(t);
		rc = nd ? grow_sparse(d, last, sectors, nd) : -ENOMEM;
		nd = NULL;      /* now d->desc */
		goto out;
	} else {
		vmdk_set_error("this kind of disk cannot be expanded");
		rc = -ENOTSUP;
		goto out;
	}
	if (nd) {
		char *t = desc_geometry(nd, d, sectors);
		free(nd);
		nd = t;
	}
	if (!nd) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmdk_replace_file(path, nd, strlen(nd));
out:
	free(nd);
	vmdk_close(d);
	return rc;
}
