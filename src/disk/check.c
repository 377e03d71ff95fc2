/* Consistency check and repair of sparse extents. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk/vmdk_int.h"

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
		if (e->gd[g] == 0)
			continue;
		if ((uint64_t)e->gd[g] + (n + 511) / 512 > e->file_sectors) {
			fprintf(rep, "extent %d: grain table %u at sector %u is past end of file\n", idx, g, e->gd[g]);
			problems++;
			continue;
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
	}
	vmdk_close(d);
	return total;
}
