/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What lies outside the IOMMU groups: PCI devices that have no group (no
 * iommu_group link: no IOMMU, or a device the IOMMU does not translate;
 * dpdk-devbind --status lists them too, and VFIO cannot take them), and
 * the device nodes of the two VFIO backends: /dev/vfio/vfio (type1
 * container), /dev/iommu (iommufd) and the per-device cdevs under
 * /dev/vfio/devices.
 */

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eal_private.h"
#include "vfio_diag.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

void
diag_collect_ungrouped(const struct diag_options *opts, struct diag_report *rep)
{
	char ddir[PATH_MAX], link[PATH_MAX + 300];
	struct dirent *de;
	struct stat st;
	DIR *d;

	rep->n_ungrouped = 0;
	rep->n_ungrouped_total = 0;
	snprintf(ddir, sizeof(ddir), "%s/bus/pci/devices", opts->sysfs);
	d = opendir(ddir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s/iommu_group", ddir, de->d_name);
		if (lstat(link, &st) == 0)
			continue;
		rep->n_ungrouped_total++;
		if (rep->n_ungrouped < DIAG_MAX_UNGROUPED)
			diag_read_device(ddir, de->d_name,
				&rep->ungrouped[rep->n_ungrouped++]);
	}
	closedir(d);
	qsort(rep->ungrouped, rep->n_ungrouped, sizeof(rep->ungrouped[0]),
		diag_device_cmp);
}

void
diag_collect_nodes(const struct diag_options *opts, struct diag_report *rep)
{
	const char *dev = opts->dev != NULL ? opts->dev : "/dev";
	struct diag_nodes *n = &rep->nodes;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	memset(n, 0, sizeof(*n));
	snprintf(path, sizeof(path), "%s/vfio/vfio", dev);
	n->dev_vfio = access(path, F_OK) == 0;
	snprintf(path, sizeof(path), "%s/iommu", dev);
	n->dev_iommu = access(path, F_OK) == 0;
	snprintf(path, sizeof(path), "%s/vfio/devices", dev);
	d = opendir(path);
	if (d == NULL)
		return;
	n->cdev_dir = true;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n->n_cdevs_total++;
		if (n->n_cdevs < DIAG_MAX_CDEVS)
			snprintf(n->cdevs[n->n_cdevs++], sizeof(n->cdevs[0]),
				"%.31s", de->d_name);
	}
	closedir(d);
	qsort(n->cdevs, n->n_cdevs, sizeof(n->cdevs[0]), name_cmp);
}

int
diag_exit_status(const struct diag_report *rep)
{
	unsigned int i;

	for (i = 0; i < rep->n_advice; i++)
		if (rep->advice[i].sev == DIAG_ERROR)
			return DIAG_EXIT_ERROR;
	return 0;
}
