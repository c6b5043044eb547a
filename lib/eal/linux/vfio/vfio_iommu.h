/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_IOMMU_H_
#define _VFIO_IOMMU_H_

/*
 * The IOMMU seam: one table of semantic operations per IOMMU backend.
 *
 * The container, group and mapping code above says what it wants (open a
 * container, set the IOMMU, read its rules, map a unit, attach a group);
 * a backend says how, in its own file. VFIO type1, the legacy container
 * (vfio_iommu_type1.c), is the first backend and the only place where
 * container and group ioctls are composed; an iommufd backend (an IOAS
 * with VFIO device cdevs) would be a second table in a second file.
 *
 * Under every backend, the syscall layer (vfio_backend.h: open, ioctl,
 * close) stays the one boundary with the kernel, so that the userspace
 * model of the kernel can stand in for it in unit tests.
 *
 * Conventions: the operations marked "raw" return -1 with errno set (the
 * kernel's reason, as a system call does) and log nothing: their callers
 * know what was asked and name it in their log line. The others return
 * -1 with rte_errno set and have logged one ERR line. The operations on a
 * container run with the VFIO lock held (vfio_container.c).
 */

#include <stdbool.h>
#include <stdint.h>

struct vfio_container;

struct vfio_iommu_ops {
	const char *name;
	/*
	 * true: devices are VFIO cdevs, no group node is opened (iommufd);
	 * group_open and group_close then give and take the group handle
	 * the group operations below receive instead of a group fd.
	 */
	bool cdev;
	/*
	 * true: the kernel keeps a container's mappings after its last
	 * device or group has left (an iommufd IOAS); false: they go with
	 * the last group (type1). The EAL empties a container that keeps
	 * them, so both leave it alike: records kept, replayed at next bind.
	 */
	bool maps_outlive_devices;
	/* cdev backends: open the devices of IOMMU group num. Raw. */
	int (*group_open)(int num, int *handle);
	void (*group_close)(int handle);
	/*
	 * Open a new container: cont->fd, and what it offers (has_v2,
	 * has_v1, has_unmap_all). Refuses (ENOTSUP) an API version or an
	 * IOMMU this EAL cannot use. Logged.
	 */
	int (*open)(struct vfio_container *cont);
	/* Close the container's fd. */
	void (*close)(struct vfio_container *cont);
	/*
	 * Ask again which IOMMU types the container offers (has_v2, has_v1):
	 * the answer may differ once a group is attached. Raw.
	 */
	int (*query_types)(struct vfio_container *cont);
	/* Set the IOMMU type (RTE_VFIO_TYPE1V2, _TYPE1 or _NOIOMMU). Raw. */
	int (*set_iommu)(struct vfio_container *cont, int type);
	/*
	 * Read the IOMMU's rules into the container: page sizes, valid IOVA
	 * ranges, DMA entries left. Logged.
	 */
	int (*read_info)(struct vfio_container *cont);
	/* Map [iova, iova + len) to vaddr, read and write. Raw. */
	int (*map)(struct vfio_container *cont, uint64_t vaddr, uint64_t iova,
			uint64_t len);
	/*
	 * Map [start, start + len) of the file fd (a BAR's VFIO dma-buf) at
	 * iova, read and write; the backend keeps its own reference, the
	 * caller closes fd. NULL where the backend maps device memory by
	 * vaddr (type1). Raw.
	 */
	int (*map_file)(struct vfio_container *cont, int fd, uint64_t start,
			uint64_t iova, uint64_t len);
	/*
	 * Unmap [iova, iova + len); *unmapped: the size the IOMMU reports it
	 * removed, which the caller checks against its records. Raw.
	 */
	int (*unmap)(struct vfio_container *cont, uint64_t iova, uint64_t len,
			uint64_t *unmapped);
	/* Unmap everything (only when cont->has_unmap_all). Raw. */
	int (*unmap_all)(struct vfio_container *cont, uint64_t *unmapped);
	/* Whether an open group is viable and already in a container. Raw. */
	int (*group_status)(int group_fd, bool *viable, bool *in_container);
	/* Attach an open group to the container / detach it. Raw. */
	int (*attach_group)(struct vfio_container *cont, int group_fd);
	int (*detach_group)(int group_fd);
	/* Open device name of an attached group: its fd. Raw. */
	int (*device_fd)(int group_fd, const char *name);
};

/* VFIO type1 (and no-IOMMU) through the legacy container. */
extern const struct vfio_iommu_ops vfio_iommu_type1_ops;

/* The backend a new container uses (chosen at init: vfio_mode.c). */
const struct vfio_iommu_ops *vfio_iommu_default_ops(void);

#endif /* _VFIO_IOMMU_H_ */
