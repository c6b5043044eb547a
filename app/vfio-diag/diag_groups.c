/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU groups from sysfs: their devices, the drivers those are bound to,
 * whether VFIO would accept the group (viability), reserved IOVA regions.
 */

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eal_private.h"
#include "vfio_diag.h"

/* The drivers with which the kernel still calls a group viable. */
static bool
driver_is_vfio(const char *drv)
{
	return strncmp(drv, "vfio", 4) == 0;
}

static bool
driver_harmless(const char *drv)
{
	return drv[0] == '\0' || driver_is_vfio(drv) ||
		strcmp(drv, "pci-stub") == 0;
}

static void
read_reserved(const char *gdir, struct diag_group *g)
{
	char path[PATH_MAX + 32], type[32];
	uint64_t start, end;
	FILE *f;

	snprintf(path, sizeof(path), "%s/reserved_regions", gdir);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (g->n_resv < DIAG_MAX_RESV &&
			fscanf(f, "%" SCNx64 " %" SCNx64 " %31s", &start, &end,
				type) == 3) {
		struct diag_resv *r = &g->resv[g->n_resv++];

		r->start = start;
		r->end = end;
		snprintf(r->type, sizeof(r->type), "%s", type);
	}
	fclose(f);
}

static void
read_group(const char *root, int num, struct diag_group *g)
{
	char gdir[PATH_MAX], ddir[PATH_MAX + 16];
	struct dirent *de;
	unsigned int i;
	DIR *d;

	memset(g, 0, sizeof(*g));
	g->num = num;
	g->blocker = -1;
	snprintf(gdir, sizeof(gdir), "%s/%d", root, num);
	snprintf(ddir, sizeof(ddir), "%s/devices", gdir);
	d = opendir(ddir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || g->n_devs >= DIAG_MAX_DEVS)
			continue;
		diag_read_device(ddir, de->d_name, &g->devs[g->n_devs++]);
	}
	if (d != NULL)
		closedir(d);
	qsort(g->devs, g->n_devs, sizeof(g->devs[0]), diag_device_cmp);
	g->viable = true;
	for (i = 0; i < g->n_devs; i++) {
		if (driver_is_vfio(g->devs[i].driver))
			g->vfio_bound = true;
		if (!driver_harmless(g->devs[i].driver) && g->blocker < 0) {
			g->viable = false;
			g->blocker = (int)i;
		}
	}
	read_reserved(gdir, g);
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

void
diag_collect_groups(const struct diag_options *opts, struct diag_report *rep)
{
	char root[PATH_MAX];
	int nums[DIAG_MAX_GROUPS * 4];
	unsigned int n = 0, i;
	struct dirent *de;
	DIR *d;

	rep->n_groups = rep->n_groups_total = 0;
	snprintf(root, sizeof(root), "%s/kernel/iommu_groups", opts->sysfs);
	d = opendir(root);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long num = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end != '\0' || num < 0 || num > INT_MAX)
			continue;
		rep->n_groups_total++;
		if (n < RTE_DIM(nums))
			nums[n++] = (int)num;
	}
	closedir(d);
	qsort(nums, n, sizeof(nums[0]), int_cmp);
	/*
	 * A big server has hundreds of groups; those with a VFIO device come
	 * first, then the rest in order while room is left.
	 */
	for (i = 0; i < n && rep->n_groups < DIAG_MAX_GROUPS; i++) {
		read_group(root, nums[i], &rep->groups[rep->n_groups]);
		if (rep->groups[rep->n_groups].vfio_bound)
			rep->n_groups++;
	}
	for (i = 0; i < n && rep->n_groups < DIAG_MAX_GROUPS; i++) {
		struct diag_group *g = &rep->groups[rep->n_groups];

		read_group(root, nums[i], g);
		if (!g->vfio_bound)
			rep->n_groups++;
	}
}
