/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_IOMMUFD_H_
#define _VFIO_IOMMUFD_H_

/*
 * The iommufd backend (vfio_iommu_iommufd.c) and the choice between it
 * and the legacy group/container path (vfio_mode.c).
 */

#include <stdbool.h>
#include <stddef.h>

#include "eal_sysfs_lookup.h"          /* VFIO_CDEV_DIR */
#include "vfio_iommu.h"

#define VFIO_IOMMUFD_PATH "/dev/iommu"

/* iommufd: an IOAS per container, VFIO device cdevs for the devices. */
extern const struct vfio_iommu_ops vfio_iommu_iommufd_ops;

/*
 * The cdev node of PCI device bdf ("/dev/vfio/devices/vfioN", from sysfs
 * vfio-dev/). 0, or -1 with errno ENOENT (no cdev: not bound to vfio-pci,
 * or a kernel without VFIO_DEVICE_CDEV).
 */
int vfio_iommufd_cdev_name(const char *bdf, char *node, size_t len);

/*
 * The valid IOVA ranges of IOMMU group num as iommufd reports them: its
 * devices' cdevs bound to a temporary iommufd and attached to a new IOAS,
 * IOMMU_IOAS_IOVA_RANGES, then everything closed again. For the probe at
 * init in cdev mode (no type1 container is used). VFIO lock held.
 * 0 with *ranges (malloc'ed, inclusive ends) and *n, or -1 with rte_errno.
 */
struct vfio_iova_range;
int vfio_iommufd_probe_ranges(int num, struct vfio_iova_range **ranges,
		unsigned int *n);

/*
 * Choose the backend at rte_eal_init() from --vfio-mode and what the
 * kernel offers, logging the choice and its reason. Returns 0, or -1 with
 * rte_errno ENOTSUP (and one ERR line) when the mode asked for cannot be
 * used.
 */
int vfio_mode_select(void);

/* True when the iommufd backend was chosen. */
bool vfio_mode_is_cdev(void);

#endif /* _VFIO_IOMMUFD_H_ */
