/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_SYSFS_LOOKUP_H_
#define _EAL_SYSFS_LOOKUP_H_

/*
 * Two sysfs lookups with no EAL state (no rte_errno, no log, the sysfs
 * root a parameter), shared by the EAL and the code that must not call
 * it: the map benchmark's bare ioctl loop and the apps' app_sysfs.h (the
 * benchmark is also built against DPDK 22.11) use them as they are, the
 * EAL wraps them in its error convention (eal_link_basename(),
 * vfio_iommufd_cdev_name()). Both return 0, or -1 with errno set.
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VFIO_CDEV_DIR "/dev/vfio/devices"

/*
 * The last part of the target of link path (a sysfs "driver" or
 * "iommu_group" link names the driver or the group): errno from readlink
 * (ENOENT: no such link), or ENAMETOOLONG when it does not fit out.
 */
static inline int
eal_sysfs_link_tail(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/*
 * The VFIO cdev node of PCI device bdf (VFIO_CDEV_DIR/vfioN, named in its
 * sysfs vfio-dev/ directory under the sysfs root): errno from opendir, or
 * ENOENT when it names none (not bound to vfio-pci, or a kernel without
 * VFIO_DEVICE_CDEV).
 */
static inline int
eal_sysfs_vfio_cdev(const char *sysfs, const char *bdf, char *node, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/vfio-dev", sysfs, bdf);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while (ret < 0 && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "vfio", 4) == 0) {
			snprintf(node, len, VFIO_CDEV_DIR "/%s", de->d_name);
			ret = 0;
		}
	closedir(d);
	if (ret < 0)
		errno = ENOENT;
	return ret;
}

#endif /* _EAL_SYSFS_LOOKUP_H_ */
