/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small machine in the type1 model for --model and the tests: two
 * edu-like groups on vfio-pci and one group that is not viable because a
 * device of it stays on ahci, plus what the model's tree lacks (an
 * Intel IOMMU unit and vfio_iommu_type1's parameters).
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_errno.h>

#include "vfio_backend.h"
#include "vfio_diag.h"
#include "vfio_model.h"

static int
make_dirs(const char *root, const char *rel)
{
	char path[PATH_MAX], *p;
	int n = snprintf(path, sizeof(path), "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
diag_model_write(const char *root, const char *rel, const char *content)
{
	char path[PATH_MAX], dir[PATH_MAX], *slash;
	FILE *f;
	int n, ret;

	n = snprintf(dir, sizeof(dir), "%s", rel);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		ret = make_dirs(root, dir);
		if (ret < 0)
			return ret;
	}
	n = snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	ret = fputs(content, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0)
		ret = -EIO;
	return ret;
}

const char *
diag_model_setup(unsigned int dma_entry_limit)
{
	static const struct vfio_model_group_cfg groups[] = {
		{ .group_num = 3, .devices = { "0000:00:03.0" }, .msi_window = true },
		{ .group_num = 4, .devices = { "0000:00:04.0" }, .msi_window = true },
		{ .group_num = 5, .devices = { "0000:00:1f.0", "0000:00:1f.2" },
		  .other_driver = "ahci", .msi_window = true },
	};
	char limit[32];
	const char *root;
	unsigned int i;

	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_dma_entry_limit(dma_entry_limit);
	for (i = 0; i < RTE_DIM(groups); i++)
		if (vfio_model_add_group(&groups[i]) < 0)
			return NULL;
	root = vfio_model_sysfs_root();
	if (root == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	snprintf(limit, sizeof(limit), "%u\n", dma_entry_limit);
	if (diag_model_write(root, "module/vfio_iommu_type1/parameters/dma_entry_limit", limit) < 0 ||
			diag_model_write(root, "module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n") < 0 ||
			diag_model_write(root, "module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n") < 0 ||
			make_dirs(root, "class/iommu/dmar0") < 0) {
		rte_errno = EIO;
		return NULL;
	}
	return root;
}
