/* Consistency check and repair (vdiskmanager -R).
 *
 * For each sparse extent: the two grain directories agree and point at
 * grain tables inside the file and clear of the header, descriptor and
 * directories; the primary and redundant tables agree; every grain lies
 * inside the file, past the metadata, clear of every table and of every
 * other grain; the extent was closed cleanly.  Flat extents are as long
 * as the descriptor says.  Every problem is printed; with repair, damaged
 * tables come back from the redundant copy, bad or overlapping entries are
 * cleared (in both tables), short flat files are extended. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk/vmdk_int.h"

struct range {
	uint64_t start, len;
};

struct grain_ref {
	uint32_t sec, g, i;
};

struct ctx {
	struct vmdk_extent *e;
	int idx, repair, problems;
	FILE *rep;
	size_t gtn;             /* entries per GT */
	uint64_t gt_secs;
	uint32_t **gt;          /* primary GTs as read (NULL: none) */
	bool *gt_changed;
	struct range *meta;
	size_t nmeta, capmeta;
};

/* Prints a problem; returns true when it is to be repaired. */
static bool problem(struct ctx *c, bool fixable, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool problem(struct ctx *c, bool fixable, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->rep, "extent %d: ", c->idx);
	va_start(ap, fmt);
	vfprintf(c->rep, fmt, ap);
	va_end(ap);
	fprintf(c->rep, "%s\n", c->repair && fixable ? " (repaired)" : "");
	if (!(c->repair && fixable))
		c->problems++;
	return c->repair && fixable;
}

static int put_gd(struct ctx *c, uint32_t g)
{
	struct vmdk_extent *e = c->e;
	int rc = vmdk_full_pwrite(e->fd, &e->gd[g], 4, e->h.gd_offset * VMDK_SECTOR + g * 4ull);

	if (!rc && e->rgd)
		rc = vmdk_full_pwrite(e->fd, &e->rgd[g], 4, e->h.rgd_offset * VMDK_SECTOR + g * 4ull);
	return rc;
}

/* Copies redundant GT g to a fresh primary GT at the end of the file. */
static int restore_gt(struct ctx *c, uint32_t g)
{
	struct vmdk_extent *e = c->e;
	size_t n = c->gt_secs * VMDK_SECTOR;
	uint8_t *b = malloc(n);
	uint32_t sec = (uint32_t)e->file_sectors;
	int rc;

	if (!b)
		return -ENOMEM;
	rc = vmdk_full_pread(e->fd, b, n, (uint64_t)e->rgd[g] * VMDK_SECTOR);
	if (!rc)
		rc = vmdk_full_pwrite(e->fd, b, n, (uint64_t)sec * VMDK_SECTOR);
	if (!rc && fdatasync(e->fd) < 0)
		rc = -errno;
	free(b);
	if (rc)
		return rc;
	e->file_sectors += c->gt_secs;
	e->gd[g] = sec;
	return vmdk_full_pwrite(e->fd, &e->gd[g], 4, e->h.gd_offset * VMDK_SECTOR + g * 4ull);
}

/* Directory entries: agreement and placement. */
static int check_directory(struct ctx *c)
{
	struct vmdk_extent *e = c->e;
	int rc = 0;

	for (uint32_t g = 0; g < e->num_gts && !rc; g++) {
		uint32_t p = e->gd[g], r = e->rgd ? e->rgd[g] : p;
		bool pok = p == 0 || vmdk_gt_sane(e, p), rok = e->rgd && r && vmdk_gt_sane(e, r);

		if (p != 0 && !pok) {
			if (rok) {
				if (problem(c, true, "grain table %u at sector %u is past end of file or inside "
					    "metadata; the redundant copy is good", g, p))
					rc = restore_gt(c, g);
			} else if (problem(c, true, "grain table %u at sector %u is past end of file or inside "
					   "metadata, and has no good copy (table dropped)", g, p)) {
				e->gd[g] = 0;
				if (e->rgd)
					e->rgd[g] = 0;
				rc = put_gd(c, g);
			}
		} else if (p == 0 && rok) {
			if (problem(c, true, "grain directory entry %u missing (the redundant one has it)", g))
				rc = restore_gt(c, g);
		} else if (e->rgd && r != 0 && !rok) {
			if (problem(c, true, "redundant grain table %u at sector %u is past end of file or "
				    "inside metadata", g, r)) {
				e->rgd[g] = 0;
				rc = put_gd(c, g);
			}
		}
	}
	return rc;
}

/* Primary and redundant GT g agree entry by entry; both get the valid
 * (preferably primary) value. */
static int sync_redundant(struct ctx *c, uint32_t g)
{
	struct vmdk_extent *e = c->e;
	uint32_t *p = c->gt[g], *r = malloc(c->gtn * 4);
	int rc;

	if (!r)
		return -ENOMEM;
	rc = vmdk_full_pread(e->fd, r, c->gtn * 4, (uint64_t)e->rgd[g] * VMDK_SECTOR);
	for (size_t i = 0; !rc && i < c->gtn; i++) {
		if (p[i] == r[i])
			continue;
		if (!problem(c, true, "grain %u/%zu: primary %u and redundant %u tables differ", g, i, p[i], r[i]))
			continue;
		/* Tables are published redundant first: a valid entry that only
		 * one copy has is the newer one. */
		bool pok = p[i] <= 1 || vmdk_grain_range_ok(e, p[i], 1) == 0;
		bool rok = r[i] <= 1 || vmdk_grain_range_ok(e, r[i], 1) == 0;
		p[i] = p[i] > 1 && pok ? p[i] : r[i] > 1 && rok ? r[i] : pok ? p[i] : rok ? r[i] : 0;
		c->gt_changed[g] = true;
	}
	free(r);
	return rc;
}

static int add_meta(struct ctx *c, uint64_t start, uint64_t len)
{
	if (c->nmeta == c->capmeta) {
		size_t cap = c->capmeta ? c->capmeta * 2 : 64;
		struct range *m = realloc(c->meta, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		c->meta = m;
		c->capmeta = cap;
	}
	c->meta[c->nmeta++] = (struct range){ start, len };
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct grain_ref *x = a, *y = b;
	return x->sec < y->sec ? -1 : x->sec > y->sec;
}

/* A grain entry that points past the end of the file or into metadata
 * (the reason is left in vmdk_strerror()). */
static bool bad_grain(struct vmdk_extent *e, uint32_t v)
{
	if (!e->compressed)
		return vmdk_grain_range_ok(e, v, 1) != 0;
	if (v < e->file_sectors && !vmdk_hits_metadata(e, v, 1))
		return false;
	vmdk_set_error("compressed grain at sector %u past end of file or inside metadata", v);
	return true;
}

static void clear_entry(struct ctx *c, uint32_t g, uint32_t i)
{
	c->gt[g][i] = 0;
	c->gt_changed[g] = true;
}

/* Grain entries: inside the file, clear of metadata and of each other. */
static int check_grains(struct ctx *c)
{
	struct vmdk_extent *e = c->e;
	struct grain_ref *refs = NULL;
	size_t nref = 0, cap = 0;

	for (uint32_t g = 0; g < e->num_gts; g++) {
		for (size_t i = 0; c->gt[g] && i < c->gtn; i++) {
			uint32_t v = c->gt[g][i];
			if (v <= 1)
				continue;
			if (bad_grain(e, v)) {
				if (problem(c, true, "grain %u/%zu: %s (entry cleared)", g, i, vmdk_strerror()))
					clear_entry(c, g, (uint32_t)i);
				continue;
			}
			if (nref == cap) {
				cap = cap ? cap * 2 : 1024;
				struct grain_ref *nr = realloc(refs, cap * sizeof(*nr));
				if (!nr) {
					free(refs);
					return -ENOMEM;
				}
				refs = nr;
			}
			refs[nref++] = (struct grain_ref){ v, g, (uint32_t)i };
		}
	}
	if (nref)
		qsort(refs, nref, sizeof(*refs), cmp_ref);
	struct grain_ref keep = nref ? refs[0] : (struct grain_ref){ 0, 0, 0 };
	uint64_t glen = e->compressed ? 1 : e->h.grain_size;
	for (size_t k = 1; k < nref; k++) {
		struct grain_ref b = refs[k];
		if ((uint64_t)keep.sec + glen <= b.sec) {
			keep = b;
			continue;
		}
		/* Keep the lower virtual grain; the other one loses its data. */
		bool keep_loses = (uint64_t)keep.g * c->gtn + keep.i > (uint64_t)b.g * c->gtn + b.i;
		struct grain_ref lose = keep_loses ? keep : b;
		if (problem(c, true, "grains %u/%u (sector %u) and %u/%u (sector %u) overlap "
			    "(entry of grain %u/%u cleared)", keep.g, keep.i, keep.sec, b.g, b.i, b.sec,
			    lose.g, lose.i))
			clear_entry(c, lose.g, lose.i);
		if (keep_loses)
			keep = b;
	}
	free(refs);
	return 0;
}

/* Writes changed GTs back to both copies. */
static int put_tables(struct ctx *c)
{
	struct vmdk_extent *e = c->e;
	int rc = 0;

	for (uint32_t g = 0; g < e->num_gts && !rc; g++) {
		if (!c->gt_changed[g])
			continue;
		rc = vmdk_full_pwrite(e->fd, c->gt[g], c->gtn * 4, (uint64_t)e->gd[g] * VMDK_SECTOR);
		if (!rc && e->rgd && e->rgd[g])
			rc = vmdk_full_pwrite(e->fd, c->gt[g], c->gtn * 4, (uint64_t)e->rgd[g] * VMDK_SECTOR);
	}
	return rc;
}

/* Space past everything referenced (grains of writes that were never
 * flushed before a crash) is reported, not counted as a problem; repair
 * gives it back by truncating the file. */
static int check_tail(struct ctx *c)
{
	struct vmdk_extent *e = c->e;
	uint64_t gd_secs = vmdk_gd_sectors(e);
	uint64_t end = e->h.overhead;

	if (e->h.desc_offset + e->h.desc_size > end)
		end = e->h.desc_offset + e->h.desc_size;
	if (e->h.gd_offset + gd_secs > end)
		end = e->h.gd_offset + gd_secs;
	if (e->rgd && e->h.rgd_offset + gd_secs > end)
		end = e->h.rgd_offset + gd_secs;
	for (size_t k = 0; k < c->nmeta; k++)
		if (c->meta[k].start + c->meta[k].len > end)
			end = c->meta[k].start + c->meta[k].len;
	for (uint32_t g = 0; g < e->num_gts; g++)
		for (size_t i = 0; c->gt[g] && i < c->gtn; i++)
			if (c->gt[g][i] > 1 && (uint64_t)c->gt[g][i] + e->h.grain_size > end)
				end = (uint64_t)c->gt[g][i] + e->h.grain_size;
	if (end >= e->file_sectors)
		return 0;
	fprintf(c->rep, "extent %d: %llu KiB past the last grain are not referenced (writes lost "
		"before a flush)%s\n", c->idx, (unsigned long long)(e->file_sectors - end) / 2,
		c->repair ? " (file truncated)" : "");
	if (c->repair) {
		if (ftruncate(e->fd, (off_t)(end * VMDK_SECTOR)) < 0)
			return -errno;
		e->file_sectors = end;
	}
	return 0;
}

static int check_extent(struct vmdk_extent *e, int idx, int repair, FILE *rep)
{
	struct ctx c = { .e = e, .idx = idx, .repair = repair, .rep = rep,
			 .gtn = e->h.num_gtes_per_gt,
			 .gt_secs = vmdk_gt_sectors(e) };
	int rc;

	c.gt = calloc(e->num_gts, sizeof(*c.gt));
	c.gt_changed = calloc(e->num_gts, sizeof(*c.gt_changed));
	rc = c.gt && c.gt_changed ? check_directory(&c) : -ENOMEM;
	for (uint32_t g = 0; !rc && g < e->num_gts; g++) {
		if (!vmdk_gt_sane(e, e->gd[g]))
			continue;
		c.gt[g] = malloc(c.gtn * 4);
		rc = c.gt[g] ? vmdk_full_pread(e->fd, c.gt[g], c.gtn * 4, (uint64_t)e->gd[g] * VMDK_SECTOR) : -ENOMEM;
		if (!rc)
			rc = add_meta(&c, e->gd[g], c.gt_secs);
		if (!rc && e->rgd && vmdk_gt_sane(e, e->rgd[g])) {
			rc = add_meta(&c, e->rgd[g], c.gt_secs);
			if (!rc)
				rc = sync_redundant(&c, g);
		}
	}
	if (!rc) {
		if (c.nmeta)
			qsort(c.meta, c.nmeta, sizeof(*c.meta), cmp_range);
		for (size_t k = 1; k < c.nmeta; k++)
			if (c.meta[k - 1].start + c.meta[k - 1].len > c.meta[k].start)
				problem(&c, false, "grain tables at sectors %llu and %llu overlap",
					(unsigned long long)c.meta[k - 1].start, (unsigned long long)c.meta[k].start);
		rc = check_grains(&c);
	}
	if (!rc && repair)
		rc = put_tables(&c);
	if (!rc && !e->compressed)
		rc = check_tail(&c);
	if (!rc && e->was_unclean)
		problem(&c, true, "was not closed cleanly (unflushed writes may be lost)");
	if (repair && !rc && fdatasync(e->fd) < 0)
		rc = -errno;
	for (uint32_t g = 0; c.gt && g < e->num_gts; g++)
		free(c.gt[g]);
	free(c.gt);
	free(c.gt_changed);
	free(c.meta);
	return rc < 0 ? rc : c.problems;
}

static int check_flat(struct vmdk_extent *e, int idx, int repair, FILE *rep)
{
	struct stat st;
	uint64_t need = (e->flat_offset + e->sectors) * VMDK_SECTOR;

	if (fstat(e->fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size >= need)
		return 0;
	fprintf(rep, "extent %d: flat file is %llu bytes, shorter than its extent (%llu)%s\n", idx,
		(unsigned long long)st.st_size, (unsigned long long)need, repair ? " (extended)" : "");
	if (repair && ftruncate(e->fd, (off_t)need) == 0)
		return 0;
	return 1;
}

int vmdk_check(const char *path, int repair, FILE *rep)
{
	struct vmdk *d;
	int rc = vmdk_open(path, repair ? 0 : VMDK_RDONLY, &d), total = 0;

	if (rc) {
		fprintf(rep, "cannot open: %s\n", vmdk_strerror());
		return rc;
	}
	for (int i = 0; i < d->nextents; i++) {
		struct vmdk_extent *e = &d->ext[i];
		if (e->kind == VMDK_EXT_SPARSE)
			rc = check_extent(e, i, repair, rep);
		else if (e->kind == VMDK_EXT_FLAT)
			rc = check_flat(e, i, repair, rep);
		else
			rc = 0;
		if (rc < 0) {
			vmdk_close(d);
			return rc;
		}
		total += rc;
	}
	vmdk_close(d);
	return total;
}
