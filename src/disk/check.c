/* Consistency check and repair of sparse extents. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk/vmdk_int.h"

static bool gte_ok(const struct vmdk_extent *e, uint32_t v)
{
	return v <= 1 || (v >= e->h.overhead && (uint64_t)v + e->h.grain_size <= e->file_sectors);
}

/* Copies redundant GT g to a fresh primary GT at the end of the file. */
static int restore_gt(struct vmdk_extent *e, uint32_t g)
{
	size_t n = (size_t)e->h.num_gtes_per_gt * 4, secs = (n + 511) / 512;
	uint8_t *b = calloc(1, secs * 512);
	uint32_t sec = (uint32_t)e->file_sectors;
	int rc;

	if (!b)
		return -ENOMEM;
	rc = vmdk_full_pread(e->fd, b, n, (uint64_t)e->rgd[g] * 512);
	if (!rc)
		rc = vmdk_full_pwrite(e->fd, b, secs * 512, (uint64_t)sec * 512);
	free(b);
	if (rc)
		return rc;
	e->file_sectors += secs;
	e->gd[g] = sec;
	free(e->gts[g]);
	e->gts[g] = NULL;
	return vmdk_full_pwrite(e->fd, &e->gd[g], 4, e->h.gd_offset * 512 + g * 4ull);
}

/* Compares primary and redundant GT g entry by entry; on repair, both get
 * the valid (preferably primary) value.  Returns problems left. */
static int sync_redundant(struct vmdk_extent *e, uint32_t g, int repair, int idx, FILE *rep)
{
	size_t n = (size_t)e->h.num_gtes_per_gt * 4;
	uint32_t *p = malloc(n), *r = malloc(n);
	int problems = 0, rc = -ENOMEM;

	if (!p || !r)
		goto out;
	rc = vmdk_full_pread(e->fd, p, n, (uint64_t)e->gd[g] * 512);
	if (!rc)
		rc = vmdk_full_pread(e->fd, r, n, (uint64_t)e->rgd[g] * 512);
	if (rc)
		goto out;
	for (uint32_t i = 0; i < e->h.num_gtes_per_gt; i++) {
		if (p[i] == r[i])
			continue;
		uint32_t v = gte_ok(e, p[i]) && p[i] ? p[i] : gte_ok(e, r[i]) ? r[i] : 0;
		fprintf(rep, "extent %d: grain %u/%u: primary %u and redundant %u tables differ%s\n", idx, g,
			i, p[i], r[i], repair ? " (synced)" : "");
		if (!repair) {
			problems++;
			continue;
		}
		if (vmdk_full_pwrite(e->fd, &v, 4, (uint64_t)e->gd[g] * 512 + i * 4ull) ||
		    vmdk_full_pwrite(e->fd, &v, 4, (uint64_t)e->rgd[g] * 512 + i * 4ull))
			problems++;
	}
	rc = problems;
out:
	free(p);
	free(r);
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Reports grains that overlap one another (two GTEs sharing sectors). */
static int check_overlaps(struct vmdk_extent *e, int idx, FILE *rep)
{
	size_t n = (size_t)e->h.num_gtes_per_gt * 4, cnt = 0, cap = 0;
	uint32_t *all = NULL, *gt = malloc(n);
	int problems = 0;

	if (!gt)
		return -ENOMEM;
	for (uint32_t g = 0; g < e->num_gts && !e->compressed; g++) {
		if (!e->gd[g] || (uint64_t)e->gd[g] + (n + 511) / 512 > e->file_sectors ||
		    vmdk_full_pread(e->fd, gt, n, (uint64_t)e->gd[g] * 512))
			continue;
		for (uint32_t i = 0; i < e->h.num_gtes_per_gt; i++) {
			if (gt[i] <= 1)
				continue;
			if (cnt == cap) {
				uint32_t *na = realloc(all, (cap = cap ? cap * 2 : 1024) * 4);
				if (!na) {
					free(all);
					free(gt);
					return -ENOMEM;
				}
				all = na;
			}
			all[cnt++] = gt[i];
		}
	}
	if (cnt)
		qsort(all, cnt, 4, cmp_u32);
	for (size_t i = 1; i < cnt; i++)
		if ((uint64_t)all[i - 1] + e->h.grain_size > all[i]) {
			fprintf(rep, "extent %d: grains at sectors %u and %u overlap\n", idx, all[i - 1], all[i]);
			problems++;
		}
	free(all);
	free(gt);
	return problems;
}

/* Checks every GT and grain offset of one sparse extent. */
static int check_extent(struct vmdk_extent *e, int idx, int repair, FILE *rep)
{
	int problems = 0;

	for (uint32_t g = 0; g < e->num_gts; g++) {
		uint32_t *gt;
		size_t n = (size_t)e->h.num_gtes_per_gt * 4;

		if (e->rgd && e->rgd[g] != 0 && e->gd[g] == 0) {
			fprintf(rep, "extent %d: grain directory entry %u missing (redundant has it)\n", idx, g);
			problems++;
		}
		if ((uint64_t)e->gd[g] + (n + 511) / 512 > e->file_sectors) {
			bool rok = e->rgd && e->rgd[g] &&
				   (uint64_t)e->rgd[g] + (n + 511) / 512 <= e->file_sectors;
			fprintf(rep, "extent %d: grain table %u at sector %u is past end of file%s\n", idx,
				g, e->gd[g], repair && rok ? " (restored from redundant copy)" : "");
			problems++;
			if (repair && rok && restore_gt(e, g) == 0)
				problems--;
			else
				continue;
		}
		if (e->gd[g] == 0)
			continue;
		if (e->rgd && e->rgd[g] && (uint64_t)e->rgd[g] + (n + 511) / 512 <= e->file_sectors) {
			int rc = sync_redundant(e, g, repair, idx, rep);
			if (rc < 0)
				return rc;
			problems += rc;
		}
		gt = malloc(n);
		if (!gt)
			return -ENOMEM;
		if (vmdk_full_pread(e->fd, gt, n, (uint64_t)e->gd[g] * 512)) {
			free(gt);
			return -EIO;
		}
		for (uint32_t i = 0; i < e->h.num_gtes_per_gt; i++) {
			if (gt[i] <= 1)
				continue;
			if (gt[i] < e->h.overhead ||
			    (!e->compressed && (uint64_t)gt[i] + e->h.grain_size > e->file_sectors) ||
			    gt[i] >= e->file_sectors) {
				fprintf(rep, "extent %d: grain %u/%u at sector %u is out of range%s\n", idx, g, i,
					gt[i], repair ? " (cleared)" : "");
				problems++;
				if (repair && !e->compressed) {
					gt[i] = 0;
					if (vmdk_full_pwrite(e->fd, &gt[i], 4, (uint64_t)e->gd[g] * 512 + i * 4ull) == 0)
						problems--;
				}
			}
		}
		free(gt);
	}
	if (e->h.unclean_shutdown) {
		fprintf(rep, "extent %d: was not closed cleanly%s\n", idx, repair ? " (flag cleared)" : "");
		if (!repair)
			problems++;
	}
	return problems;
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
		if (e->kind != VMDK_EXT_SPARSE)
			continue;
		if (repair)
			e->h.unclean_shutdown = 0;
		rc = check_extent(e, i, repair, rep);
		if (rc < 0) {
			vmdk_close(d);
			return rc;
		}
		total += rc;
		rc = check_overlaps(e, i, rep);
		if (rc < 0) {
			vmdk_close(d);
			return rc;
		}
		total += rc;
	}
	vmdk_close(d);
	return total;
}
