/* Creating disks: monolithic and split sparse and flat disks, ESX-type
 * (VMFS) flat disks, and sparse delta disks.  streamOptimized is in
 * stream.c. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "disk/vmdk_int.h"

static const char *adapter_name(enum vmdk_adapter a)
{
	return a == VMDK_ADAPTER_BUSLOGIC ? "buslogic" : a == VMDK_ADAPTER_LSILOGIC ? "lsilogic" : "ide";
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* A random content ID (never 0xffffffff, which means "no parent"). */
static uint32_t new_cid(void)
{
	uint32_t c;

	if (getrandom(&c, sizeof(c), 0) != (ssize_t)sizeof(c))
		c = (uint32_t)random() ^ (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	return c & 0xfffffffeu;
}

int vmdk_make_desc(char *out, size_t cap, const char *type, uint64_t sectors, const char *extent,
		   uint32_t parent_cid, const char *parent, enum vmdk_adapter a, int hw)
{
	uint64_t heads = a == VMDK_ADAPTER_IDE ? 16 : 255, secs = 63;
	uint64_t cyl = sectors / (heads * secs);

	if (a == VMDK_ADAPTER_IDE && cyl > 16383)
		cyl = 16383;
	return snprintf(out, cap,
			"# Disk DescriptorFile\nversion=1\nCID=%08x\nparentCID=%08x\n"
			"createType=\"%s\"\n%s%s%s\n# Extent description\n%s\n\n"
			"# The Disk Data Base\n#DDB\n\n"
			"ddb.virtualHWVersion = \"%d\"\nddb.geometry.cylinders = \"%llu\"\n"
			"ddb.geometry.heads = \"%llu\"\nddb.geometry.sectors = \"%llu\"\n"
			"ddb.adapterType = \"%s\"\n",
			new_cid(), parent_cid, type, parent ? "parentFileNameHint=\"" : "",
			parent ? parent : "", parent ? "\"" : "", extent, hw,
			(unsigned long long)cyl, (unsigned long long)heads, (unsigned long long)secs,
			adapter_name(a));
}

/* Sizes a flat extent; preallocated types get their blocks reserved
 * (zeroed on demand by the file system). */
int vmdk_size_flat(int fd, uint64_t sectors, bool prealloc)
{
	if (ftruncate(fd, (off_t)(sectors * 512)) < 0)
		return -errno;
	if (prealloc) {
		int rc = posix_fallocate(fd, 0, (off_t)(sectors * 512));
		if (rc && rc != EOPNOTSUPP && rc != EINVAL)
			return -rc;
	}
	/* The size is durable before any descriptor names it. */
	return fsync(fd) < 0 ? -errno : 0;
}

int vmdk_create_sparse(const char *path, uint64_t sectors, const char *desc)
{
	struct vmdk_sparse_header h;
	uint64_t gsz = 128, gtes = 512, ngt = (sectors + gsz * gtes - 1) / (gsz * gtes);
	uint64_t gd_secs = (ngt * 4 + 511) / 512, gt_secs = gtes * 4 / 512;
	uint64_t desc_off = 1, desc_size = 20, rgd = desc_off + desc_size;
	uint64_t gd = rgd + gd_secs + ngt * gt_secs;
	uint64_t over = gd + gd_secs + ngt * gt_secs;
	uint32_t *dir;
	uint8_t hdr[512] = { 0 };
	int fd, rc = 0;

	if (strlen(desc) >= desc_size * 512)
		return -ENAMETOOLONG;
	if (sectors > VMDK_MAX_SPARSE) {
		vmdk_set_error("a sparse extent holds at most 2 TiB");
		return -EFBIG;
	}
	over = (over + gsz - 1) / gsz * gsz;
	memset(&h, 0, sizeof(h));
	h.magic = VMDK_MAGIC;
	h.version = 1;
	h.flags = VMDK_FLAG_NL_VALID | VMDK_FLAG_RGD;
	h.capacity = sectors;
	h.grain_size = gsz;
	h.desc_offset = desc_off;
	h.desc_size = desc_size;
	h.num_gtes_per_gt = (uint32_t)gtes;
	h.rgd_offset = rgd;
	h.gd_offset = gd;
	h.overhead = over;
	memcpy(h.nl_chars, "\n \r\n", 4);
	memcpy(hdr, &h, sizeof(h));
	dir = malloc(gd_secs * 512);
	if (!dir)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		vmdk_set_error("cannot create %s: %s", path, strerror(errno));
		free(dir);
		return -errno;
	}
	/* The grain tables are all zero: left as holes of the file.  Both
	 * directories point at them. */
	if (ftruncate(fd, (off_t)(over * 512)) < 0)
		rc = -errno;
	if (!rc)
		rc = vmdk_full_pwrite(fd, hdr, sizeof(hdr), 0);
	if (!rc)
		rc = vmdk_full_pwrite(fd, desc, strlen(desc), desc_off * 512);
	memset(dir, 0, gd_secs * 512);
	for (uint64_t i = 0; i < ngt; i++)
		dir[i] = (uint32_t)(rgd + gd_secs + i * gt_secs);
	if (!rc)
		rc = vmdk_full_pwrite(fd, dir, gd_secs * 512, rgd * 512);
	for (uint64_t i = 0; i < ngt; i++)
		dir[i] = (uint32_t)(gd + gd_secs + i * gt_secs);
	if (!rc)
		rc = vmdk_full_pwrite(fd, dir, gd_secs * 512, gd * 512);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	free(dir);
	if (rc)
		unlink(path);
	return rc;
}

int vmdk_create(const char *path, enum vmdk_type type, uint64_t capacity,
		enum vmdk_adapter adapter, int hw)
{
	uint64_t sectors = (capacity + 511) / 512;
	char desc[4096], ext[PATH_MAX + 64];

	if (sectors == 0 || sectors > VMDK_MAX_CAPACITY)
		return -EINVAL;
	if (type == VMDK_MONOLITHIC_SPARSE) {
		snprintf(ext, sizeof(ext), "RW %llu SPARSE \"%s\"", (unsigned long long)sectors,
			 base_name(path));
		vmdk_make_desc(desc, sizeof(desc), "monolithicSparse", sectors, ext, 0xffffffffu, NULL,
			  adapter, hw);
		return vmdk_create_sparse(path, sectors, desc);
	}
	if (type == VMDK_MONOLITHIC_FLAT || type == VMDK_VMFS_FLAT || type == VMDK_VMFS_THIN) {
		char flat[PATH_MAX];
		size_t n = strlen(path);
		bool vmfs = type != VMDK_MONOLITHIC_FLAT;
		int fd, rc = 0;

		if (n < 5 || strcmp(path + n - 5, ".vmdk") != 0) {
			vmdk_set_error("a flat disk's name must end in .vmdk");
			return -EINVAL;
		}
		snprintf(flat, sizeof(flat), "%.*s-flat.vmdk", (int)(n - 5), path);
		snprintf(ext, sizeof(ext), "RW %llu %s \"%s\"%s", (unsigned long long)sectors,
			 vmfs ? "VMFS" : "FLAT", base_name(flat), vmfs ? "" : " 0");
		int len = vmdk_make_desc(desc, sizeof(desc), type == VMDK_MONOLITHIC_FLAT ? "monolithicFlat" :
					 type == VMDK_VMFS_FLAT ? "vmfs" : "vmfsThin", sectors, ext,
					 0xffffffffu, NULL, adapter, hw);
		fd = open(flat, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		rc = vmdk_size_flat(fd, sectors, type != VMDK_VMFS_THIN);
		close(fd);
		if (rc)
			return rc;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		rc = vmdk_full_pwrite(fd, desc, (size_t)len, 0);
		close(fd);
		return rc;
	}
	if (type == VMDK_STREAM_OPTIMIZED) {
		struct vmdk_stream *st;
		int rc = vmdk_stream_create(path, capacity, adapter, hw, &st);
		return rc ? rc : vmdk_stream_close(st);
	}
	if (type == VMDK_SPLIT_SPARSE || type == VMDK_SPLIT_FLAT) {
		/* Extents of at most 2 GiB each, named base-s001.vmdk / base-f001.vmdk. */
		const uint64_t max = (2ull << 30) / 512;
		size_t n = strlen(path), used = 0;
		char *extents = calloc(1, ((sectors + max - 1) / max) * (strlen(base_name(path)) + 64) + 1);
		int rc = 0, fd;

		if (n < 5 || strcmp(path + n - 5, ".vmdk") != 0 || !extents ||
		    (sectors + max - 1) / max > VMDK_MAX_EXTENTS) {
			free(extents);
			return -EINVAL;
		}
		for (uint64_t s0 = 0, i = 1; !rc && s0 < sectors; s0 += max, i++) {
			uint64_t cnt = sectors - s0 < max ? sectors - s0 : max;
			char file[PATH_MAX];
			bool sparse = type == VMDK_SPLIT_SPARSE;

			snprintf(file, sizeof(file), "%.*s-%c%03llu.vmdk", (int)(n - 5), path,
				 sparse ? 's' : 'f', (unsigned long long)i);
			used += (size_t)sprintf(extents + used, "RW %llu %s \"%s\"%s\n",
						(unsigned long long)cnt, sparse ? "SPARSE" : "FLAT",
						base_name(file), sparse ? "" : " 0");
			if (sparse) {
				rc = vmdk_create_sparse(file, cnt, "");
			} else {
				fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
				rc = fd < 0 ? -errno : vmdk_size_flat(fd, cnt, true);
				if (fd >= 0)
					close(fd);
			}
		}
		if (used)
			extents[used - 1] = '\0';
		char *desc = malloc(used + 4096);
		if (!rc && desc) {
			int len = vmdk_make_desc(desc, used + 4096, type == VMDK_SPLIT_SPARSE ?
					    "twoGbMaxExtentSparse" : "twoGbMaxExtentFlat", sectors,
					    extents, 0xffffffffu, NULL, adapter, hw);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			rc = fd < 0 ? -errno : vmdk_full_pwrite(fd, desc, (size_t)len, 0);
			if (fd >= 0)
				close(fd);
		} else if (!rc) {
			rc = -ENOMEM;
		}
		free(desc);
		free(extents);
		return rc;
	}
	vmdk_set_error("disk type %d not supported", (int)type);
	return -ENOTSUP;
}

/* How a child at path names parent_path: by its file name when both are
 * in the same directory (the pair can then be moved together), else by
 * its absolute path. */
static int parent_hint(const char *path, const char *parent_path, char *out, size_t outsz)
{
	char pdir[PATH_MAX], cdir[PATH_MAX], rp[PATH_MAX], rc_[PATH_MAX];
	char *slash;

	if (!realpath(parent_path, rp))
		return -errno;
	snprintf(cdir, sizeof(cdir), "%s", path);
	slash = strrchr(cdir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(cdir, ".");
	if (!realpath(cdir, rc_))
		return -errno;
	snprintf(pdir, sizeof(pdir), "%s", rp);
	slash = strrchr(pdir, '/');
	*slash = '\0';
	if (strcmp(pdir[0] ? pdir : "/", rc_) == 0)
		return snprintf(out, outsz, "%s", slash + 1) < (int)outsz ? 0 : -ENAMETOOLONG;
	return snprintf(out, outsz, "%s", rp) < (int)outsz ? 0 : -ENAMETOOLONG;
}

int vmdk_create_child(const char *path, const char *parent_path)
{
	struct vmdk *p;
	char desc[4096], ext[PATH_MAX + 64], hint[PATH_MAX];
	uint64_t sectors;
	enum vmdk_adapter a;
	int rc = vmdk_open(parent_path, VMDK_RDONLY, &p);

	if (rc)
		return rc;
	rc = parent_hint(path, parent_path, hint, sizeof(hint));
	if (rc) {
		vmdk_close(p);
		return rc;
	}
	sectors = p->bd.size / 512;
	a = !strcmp(p->adapter, "buslogic") ? VMDK_ADAPTER_BUSLOGIC :
	    !strcmp(p->adapter, "lsilogic") ? VMDK_ADAPTER_LSILOGIC : VMDK_ADAPTER_IDE;
	snprintf(ext, sizeof(ext), "RW %llu SPARSE \"%s\"", (unsigned long long)sectors, base_name(path));
	rc = vmdk_make_desc(desc, sizeof(desc), "monolithicSparse", sectors, ext, p->cid, hint, a, 4);
	vmdk_close(p);
	if (rc >= (int)sizeof(desc))
		return -ENAMETOOLONG;
	return vmdk_create_sparse(path, sectors, desc);
}

/* Replaces the quoted extent name "from" with "to" in descriptor text. */
static char *desc_replace(const char *desc, const char *from, const char *to)
{
	char qf[PATH_MAX + 2];
	const char *hit;
	char *out;

	snprintf(qf, sizeof(qf), "\"%s\"", from);
	hit = strstr(desc, qf);
	if (!hit)
		return NULL;
	out = malloc(strlen(desc) + strlen(to) + 3);
	if (!out)
		return NULL;
	sprintf(out, "%.*s\"%s\"%s", (int)(hit - desc), desc, to, hit + strlen(qf));
	return out;
}

/* The name without directory and ".vmdk" (NULL if it does not end so). */
static char *stem(const char *p)
{
	const char *b = base_name(p);
	size_t n = strlen(b);

	if (n <= 5 || strcmp(b + n - 5, ".vmdk"))
		return NULL;
	return strndup(b, n - 5);
}

int vmdk_rename(const char *src, const char *dst)
{
	struct vmdk *d;
	char *sst = stem(src), *dst_stem = stem(dst), *desc = NULL, *ddir = NULL;
	char **olds = NULL, **news = NULL;
	int rc, n = 0;

	if (!sst || !dst_stem) {
		vmdk_set_error("disk names must end in .vmdk");
		free(sst);
		free(dst_stem);
		return -EINVAL;
	}
	rc = vmdk_open(src, 0, &d);             /* also: nobody else uses it */
	if (rc == -EROFS) {
		/* streamOptimized: nobody writes it; its embedded descriptor
		 * is rewritten through a read-write descriptor of the file. */
		int rw = open(src, O_RDWR | O_CLOEXEC);
		rc = rw < 0 ? -errno : vmdk_open(src, VMDK_RDONLY, &d);
		if (!rc && (!d->embedded_desc || dup3(rw, d->ext[0].fd, O_CLOEXEC) < 0)) {
			rc = d->embedded_desc ? -errno : -EROFS;
			vmdk_close(d);
		}
		if (rw >= 0)
			close(rw);
	}
	if (rc)
		goto out_names;
	olds = calloc((size_t)d->nextents, sizeof(*olds));
	news = calloc((size_t)d->nextents, sizeof(*news));
	if (!olds || !news) {
		rc = -ENOMEM;
		goto out;
	}
	if (access(dst, F_OK) == 0) {
		vmdk_set_error("%s exists", dst);
		rc = -EEXIST;
		goto out;
	}
	desc = strdup(d->desc);
	ddir = strdup(dst);
	if (!desc || !ddir) {
		rc = -ENOMEM;
		goto out;
	}
	if (strrchr(ddir, '/'))
		*strrchr(ddir, '/') = '\0';
	else
		strcpy(ddir, ".");
	if (d->embedded_desc) {
		/* monolithicSparse: one file; its descriptor names it. */
		char *nd = d->ext[0].file ? desc_replace(desc, d->ext[0].file, base_name(dst)) : NULL;
		if (nd) {
			free(d->desc);
			d->desc = nd;
			rc = vmdk_rewrite_descriptor(d);
		}
		if (!rc && rename(src, dst) < 0)
			rc = -errno;
		goto out;
	}
	/* Separate descriptor: extents named after the disk follow the new
	 * name.  New names are hard links first, then the new descriptor,
	 * then the old names go: a crash leaves the old disk, the new one, or
	 * both, never half of one. */
	for (int i = 0; i < d->nextents && !rc; i++) {
		const char *f = d->ext[i].file;
		char from[PATH_MAX], to[PATH_MAX], *nd;
		size_t sl = strlen(sst);

		if (!f || strncmp(f, sst, sl) || (f[sl] != '-' && f[sl] != '.'))
			continue;
		olds[n] = malloc(PATH_MAX);
		news[n] = malloc(PATH_MAX);
		if (!olds[n] || !news[n]) {
			rc = -ENOMEM;
			n++;
			break;
		}
		snprintf(news[n], PATH_MAX, "%s%s", dst_stem, f + sl);
		snprintf(from, sizeof(from), "%s/%s", d->dir, f);
		snprintf(to, sizeof(to), "%s/%s", ddir, news[n]);
		snprintf(olds[n], PATH_MAX, "%s", from);
		if (link(from, to) < 0) {
			rc = -errno;
			vmdk_set_error("cannot link %s to %s: %s", from, to, strerror(errno));
			free(olds[n]);
			free(news[n]);
			olds[n] = news[n] = NULL;
			break;
		}
		nd = desc_replace(desc, f, news[n]);
		snprintf(news[n], PATH_MAX, "%s", to);
		n++;
		if (!nd) {
			rc = -ENOMEM;
			break;
		}
		free(desc);
		desc = nd;
	}
	if (!rc)
		rc = vmdk_replace_file(dst, desc, strlen(desc));
	for (int i = 0; i < n; i++)
		if (olds[i] && news[i])
			unlink(rc ? news[i] : olds[i]);
	if (!rc && unlink(src) < 0)
		rc = -errno;
out:
	for (int i = 0; i < n; i++) {
		free(olds[i]);
		free(news[i]);
	}
	free(olds);
	free(news);
	vmdk_close(d);
out_names:
	free(desc);
	free(ddir);
	free(sst);
	free(dst_stem);
	return rc;
}
