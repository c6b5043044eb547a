/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's fake sysfs: the part of /sys the VFIO and PCI code reads
 * (IOMMU groups, their reserved regions, PCI devices and their drivers),
 * in a temporary directory that eal_set_sysfs_root() points at. Called with
 * model.lock held. Only the process that created the tree removes it, so a
 * forked child exiting does not pull it away from its parent.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eal_private.h"
#include "vfio_model_priv.h"

static char root[PATH_MAX];
static pid_t root_owner;

/* root + "/" + rel, or -ENAMETOOLONG */
static int
full_path(char *out, size_t size, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", root, rel);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int
make_dir(const char *rel)
{
	char path[PATH_MAX];

	if (full_path(path, sizeof(path), rel) < 0)
		return -ENAMETOOLONG;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
write_file(const char *dir, const char *name, const char *content)
{
	char rel[PATH_MAX], path[PATH_MAX];
	int n, ret = 0;
	FILE *f;

	n = snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(rel) ||
			full_path(path, sizeof(path), rel) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fputs(content, f) < 0)
		ret = -EIO;
	if (fclose(f) != 0)
		ret = -EIO;
	return ret;
}

static int
link_at(const char *target, const char *rel)
{
	char path[PATH_MAX];

	if (full_path(path, sizeof(path), rel) < 0)
		return -ENAMETOOLONG;
	if (symlink(target, path) < 0)
		return -errno;
	return 0;
}

/* snprintf into a relative path buffer, failing on truncation */
#define REL(buf, ...) \
	(snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf) ? \
	 -ENAMETOOLONG : 0)

int
model_sysfs_create(void)
{
	static const char *const dirs[] = {
		"kernel", "kernel/iommu_groups", "bus", "bus/pci",
		"bus/pci/devices", "bus/pci/drivers", "bus/pci/drivers/vfio-pci",
	};
	const char *tmp = getenv("TMPDIR");
	unsigned int i;
	int ret;

	snprintf(root, sizeof(root), "%s/vfio-model-XXXXXX",
		tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(root) == NULL) {
		ret = -errno;
		root[0] = '\0';
		return ret;
	}
	root_owner = getpid();
	for (i = 0; i < RTE_DIM(dirs); i++) {
		ret = make_dir(dirs[i]);
		if (ret < 0)
			return ret;
	}
	eal_set_sysfs_root(root);
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st __rte_unused,
		int type __rte_unused, struct FTW *ftw __rte_unused)
{
	remove(path);
	return 0;
}

void
model_sysfs_remove(void)
{
	if (root[0] == '\0' || root_owner != getpid())
		return;
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = '\0';
}

const char *
model_sysfs_root(void)
{
	return root[0] != '\0' ? root : NULL;
}

static int
add_device(const struct model_group *g, unsigned int i)
{
	static const char *const files[][2] = {
		{ "vendor", "0x1234\n" }, { "device", "0x11e8\n" },
		{ "subsystem_vendor", "0x1af4\n" }, { "subsystem_device", "0x1100\n" },
		{ "class", "0x00ff00\n" }, { "numa_node", "-1\n" },
	};
	const char *bdf = g->devices[i];
	const char *driver = "vfio-pci";
	char dir[PATH_MAX], rel[PATH_MAX], target[PATH_MAX];
	unsigned int f;
	int ret;

	if (i == 1 && g->other_driver[0] != '\0') {
		driver = g->other_driver;
		ret = REL(rel, "bus/pci/drivers/%s", driver);
		if (ret == 0)
			ret = make_dir(rel);
		if (ret < 0)
			return ret;
	}
	ret = REL(dir, "bus/pci/devices/%s", bdf);
	if (ret == 0)
		ret = make_dir(dir);
	for (f = 0; ret == 0 && f < RTE_DIM(files); f++)
		ret = write_file(dir, files[f][0], files[f][1]);
	if (ret == 0)
		ret = REL(target, "../../../../kernel/iommu_groups/%d", g->num);
	if (ret == 0)
		ret = REL(rel, "%s/iommu_group", dir);
	if (ret == 0)
		ret = link_at(target, rel);
	if (ret == 0)
		ret = REL(target, "../../drivers/%s", driver);
	if (ret == 0)
		ret = REL(rel, "%s/driver", dir);
	if (ret == 0)
		ret = link_at(target, rel);
	/* the device cdev: vfio-dev/vfioN, as vfio-pci creates it */
	if (ret == 0 && g->cdev[i] >= 0)
		ret = REL(rel, "%s/vfio-dev", dir);
	if (ret == 0 && g->cdev[i] >= 0)
		ret = make_dir(rel);
	if (ret == 0 && g->cdev[i] >= 0) {
		char cdev[PATH_MAX];

		ret = REL(cdev, "%s/vfio%d", rel, g->cdev[i]);
		if (ret == 0)
			ret = make_dir(cdev);
	}
	if (ret == 0)
		ret = REL(target, "../../../../bus/pci/devices/%s", bdf);
	if (ret == 0)
		ret = REL(rel, "kernel/iommu_groups/%d/devices/%s", g->num, bdf);
	if (ret == 0)
		ret = link_at(target, rel);
	return ret;
}

int
model_sysfs_add_group(const struct model_group *g)
{
	char dir[PATH_MAX], rel[PATH_MAX], resv[128] = "";
	unsigned int i;
	int ret;

	if (root[0] == '\0')
		return -ENOENT;
	ret = REL(dir, "kernel/iommu_groups/%d", g->num);
	if (ret == 0)
		ret = make_dir(dir);
	if (ret == 0)
		ret = REL(rel, "%s/devices", dir);
	if (ret == 0)
		ret = make_dir(rel);
	if (ret < 0)
		return ret;
	if (g->msi_window)
		snprintf(resv, sizeof(resv), "0x%016llx 0x%016llx msi\n",
			MODEL_MSI_START, MODEL_MSI_LAST);
	ret = write_file(dir, "reserved_regions", resv);
	if (ret == 0)
		ret = write_file(dir, "type", "DMA\n");
	for (i = 0; ret == 0 && i < g->n_devices; i++)
		ret = add_device(g, i);
	return ret;
}
