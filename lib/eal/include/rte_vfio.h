/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_VFIO_H_
#define _RTE_VFIO_H_

/**
 * @file
 * VFIO: containers, groups, devices and DMA mappings (DPDK 22.11 API plus
 * extensions marked as such).
 *
 * What differs from DPDK, by design:
 * - The IOMMU type is type1 v2 where the kernel has it (v1 only as a
 *   fallback, with the same discipline, so v1's partial-unmap quirks never
 *   happen).
 * - Every kernel mapping is one release unit and is recorded exactly as
 *   issued; mappings are never merged. An unmap must cover whole units.
 * - Every mapping is checked against the IOMMU's rules before the kernel is
 *   asked (alignment, valid IOVA ranges, DMA entries left, locked-memory
 *   limit, overlap), and
 *   each refusal has its own rte_errno and one log line naming the cause.
 * - Maps made before a container has a group are kept and replayed, at the
 *   same units, when the first group attaches.
 */

#include <stdint.h>

#include <linux/vfio.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/** VFIO support is built in (drivers test this, as with DPDK). */
#define VFIO_PRESENT

#define VFIO_DIR "/dev/vfio"
#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"
#define VFIO_GROUP_FMT "/dev/vfio/%u"
#define VFIO_NOIOMMU_GROUP_FMT "/dev/vfio/noiommu-%u"
/** Offset of region @p x in a vfio-pci device fd. */
#define VFIO_GET_REGION_ADDR(x) ((uint64_t)(x) << 40ULL)
#define VFIO_GET_REGION_IDX(x) ((x) >> 40)
#define VFIO_NOIOMMU_MODE \
	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"

/** IOMMU type ids (the kernel's values). */
#define RTE_VFIO_TYPE1 VFIO_TYPE1_IOMMU
#define RTE_VFIO_TYPE1V2 VFIO_TYPE1v2_IOMMU
#define RTE_VFIO_SPAPR VFIO_SPAPR_TCE_v2_IOMMU
#define RTE_VFIO_NOIOMMU 8

/** The container the EAL creates at init, for the API calls that take a container fd. */
#define RTE_VFIO_DEFAULT_CONTAINER_FD (-1)

/**
 * Set up a device for use: find its IOMMU group, bind the group to the
 * default container (setting the IOMMU type and replaying the heap's
 * mappings if it is the first group), and open the device.
 *
 * @param sysfs_base e.g. "/sys/bus/pci/devices"
 * @param dev_addr e.g. "0000:00:03.0": one entry of @p sysfs_base, not
 *   empty and without '/' (else EINVAL)
 * @param vfio_dev_fd receives the device fd
 * @param device_info receives the device's info (VFIO_DEVICE_GET_INFO)
 * @return 0; 1 when the device is not managed by VFIO (no IOMMU group, as
 *   DPDK); -1 with rte_errno set: EINVAL (bad arguments), ENODEV (VFIO not
 *   enabled, or no such device), EPERM (the group is not viable: the log
 *   names the device bound to another driver), ENOTSUP (no usable IOMMU
 *   type), or the reason a replayed mapping failed
 */
int rte_vfio_setup_device(const char *sysfs_base, const char *dev_addr,
		int *vfio_dev_fd, struct vfio_device_info *device_info);

/**
 * Release a device opened by rte_vfio_setup_device(): remove mappings the
 * device owns, close the device fd, and unbind its group from its container
 * when no other device of the group is open, unless the application bound
 * the group itself with rte_vfio_container_group_bind() (it stays bound, with
 * the container's mappings, until rte_vfio_container_group_unbind()).
 *
 * @return 0, or -1 with rte_errno EINVAL or ENOENT (device not set up)
 */
int rte_vfio_release_device(const char *sysfs_base, const char *dev_addr, int fd);

/**
 * Make VFIO usable: check that /dev/vfio/vfio exists and that @p modname is
 * loaded (e.g. "vfio_pci").
 *
 * @return 0 when VFIO is usable or was made usable; 0 as well, with an INFO
 *   line, when it is not available on this machine (as DPDK); -1 with
 *   rte_errno EINVAL for a NULL name
 */
int rte_vfio_enable(const char *modname);

/**
 * @return 1 when VFIO is enabled and @p modname is loaded, 0 otherwise
 */
int rte_vfio_is_enabled(const char *modname);

/**
 * @return 1 when the kernel's VFIO no-IOMMU mode is on, 0 when off, -1 with
 *   rte_errno set when it cannot be read
 */
int rte_vfio_noiommu_is_enabled(void);

/** How this process uses VFIO (rte_vfio_get_mode()). */
enum rte_vfio_mode {
	RTE_VFIO_MODE_NONE = 0, /**< VFIO is not in use */
	RTE_VFIO_MODE_GROUP,    /**< groups in a type1 container (/dev/vfio/vfio) */
	RTE_VFIO_MODE_NOIOMMU,  /**< groups in a container in no-IOMMU mode */
	RTE_VFIO_MODE_CDEV,     /**< device cdevs in an iommufd IOAS (/dev/iommu) */
};

/**
 * The VFIO mode chosen at rte_eal_init() (--vfio-mode, else the kernel's
 * offer: iommufd with device cdevs when usable, else the group path).
 * Project extension, as proposed for DPDK.
 *
 * @return the mode; RTE_VFIO_MODE_NONE when VFIO is not available
 */
__rte_experimental
enum rte_vfio_mode rte_vfio_get_mode(void);

/**
 * Forget a group fd and close it (for a driver that opened a group with
 * rte_vfio_get_group_fd() and no longer needs it).
 *
 * @return 0, or -1 with rte_errno ENOENT (not a known group fd) or EBUSY
 *   (devices of the group are still open)
 */
int rte_vfio_clear_group(int vfio_group_fd);

/**
 * Find the IOMMU group of a device from sysfs.
 *
 * @return 1 and the number in @p iommu_group_num when found; 0 when the
 *   device has no IOMMU group; -1 with rte_errno EINVAL (NULL argument,
 *   empty device address or one with '/') or
 *   ENAMETOOLONG
 */
int rte_vfio_get_group_num(const char *sysfs_base, const char *dev_addr,
		int *iommu_group_num);

/**
 * As rte_vfio_setup_device() for a device whose group is already set up:
 * returns its info and, when *vfio_dev_fd is negative, opens it.
 *
 * @return 0, or -1 with rte_errno set as rte_vfio_setup_device()
 */
__rte_experimental
int rte_vfio_get_device_info(const char *sysfs_base, const char *dev_addr,
		int *vfio_dev_fd, struct vfio_device_info *device_info);

/**
 * @return the fd of the default container, or -1 with rte_errno ENODEV
 *   when VFIO is not enabled
 */
int rte_vfio_get_container_fd(void);

/**
 * Open (or return the already open) fd of an IOMMU group, bound to the
 * default container.
 *
 * @return the group fd, or -1 with rte_errno set (ENODEV, ENOENT, EPERM,
 *   EBUSY)
 */
int rte_vfio_get_group_fd(int iommu_group_num);

/**
 * Create an empty container. It gets only what is mapped into it
 * explicitly (no heap memory).
 *
 * @return the container fd, or -1 with rte_errno ENODEV (VFIO not enabled),
 *   ENOSPC (too many containers) or the reason the kernel refused
 */
int rte_vfio_container_create(void);

/**
 * Destroy a container made by rte_vfio_container_create(): unmap every
 * mapping, unbind every group, close it.
 *
 * @return 0, or -1 with rte_errno EINVAL (the default container, or not a
 *   container fd), EBUSY (devices of its groups are still open: nothing is
 *   changed), or EIO (the kernel unmapped a different size than recorded:
 *   logged; the container is destroyed anyway)
 */
int rte_vfio_container_destroy(int container_fd);

/**
 * Bind an IOMMU group to a container. The first group sets the IOMMU type
 * and replays every mapping recorded so far, all or nothing.
 *
 * @return the group fd, or -1 with rte_errno set: EINVAL, ENOENT (no such
 *   group), EPERM (group not viable), EBUSY (group in another container),
 *   ENOTSUP (no usable IOMMU type), ERANGE (an existing mapping is outside
 *   the group's valid IOVA ranges), or the reason a replayed mapping failed
 */
int rte_vfio_container_group_bind(int container_fd, int iommu_group_num);

/**
 * Unbind an IOMMU group from a container. When it was the last group, the
 * kernel drops every mapping; the records stay and are replayed when a
 * group binds again.
 *
 * @return 0, or -1 with rte_errno EINVAL, ENOENT (group not in the
 *   container) or EBUSY (devices of the group are open)
 */
int rte_vfio_container_group_unbind(int container_fd, int iommu_group_num);

/**
 * Map user memory for DMA as one unit (one kernel mapping). An identical
 * repeat (same vaddr, iova and len) takes another reference on the
 * mapping; any other overlap with an existing mapping is refused.
 *
 * @param container_fd a container, or RTE_VFIO_DEFAULT_CONTAINER_FD
 * @param vaddr, iova, len aligned to the IOMMU's smallest page size
 * @return 0, or -1 with rte_errno set:
 *   EINVAL (bad container, len 0, wrap-around, misalignment),
 *   ERANGE (the IOVA range is not inside one valid IOVA range of the IOMMU),
 *   EEXIST (overlaps a different mapping),
 *   EOVERFLOW (an identical repeat of a mapping already held 2^32 - 1
 *   times: its reference count would wrap),
 *   ENOSPC (no DMA entry left in the kernel; in a container with no group
 *   yet, more records than the kernel's default limit of 65535 entries),
 *   ENOMEM (locked-memory limit: RLIMIT_MEMLOCK without CAP_IPC_LOCK,
 *   checked before the kernel call; or out of memory),
 *   EFAULT (vaddr not mapped with read/write access),
 *   ENOTSUP (device memory, such as another device's BAR, where the kernel
 *   cannot map it: iommufd's emulation of the type1 container maps none;
 *   native iommufd maps a BAR only as its device's VFIO dma-buf, which
 *   needs Linux 6.19+ and the device open through this EAL;
 *   --vfio-mode=group maps it by address),
 *   ENODEV (device memory whose dma-buf the kernel revoked: the device's
 *   memory decode is off, or it is being reset),
 *   or the errno of a kernel refusal the checks did not foresee
 */
int rte_vfio_container_dma_map(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len);

/**
 * Map user memory for DMA as one unit per page of @p pagesz, so that any
 * @p pagesz-aligned sub-range can be unmapped later (an extension of this
 * project). All pages are mapped or none.
 *
 * @param pagesz a power of two, a multiple of the IOMMU's smallest page
 *   size; @p vaddr, @p iova and @p len are multiples of it
 * @return as rte_vfio_container_dma_map()
 */
__rte_experimental
int rte_vfio_container_dma_map_paged(int container_fd, uint64_t vaddr,
		uint64_t iova, uint64_t len, uint64_t pagesz);

/**
 * Unmap user memory. The range must cover whole units made by the map
 * calls (several adjacent units in one call are fine). A unit with more
 * than one reference only loses one.
 *
 * @return 0, or -1 with rte_errno set: EINVAL (bad container or range, or
 *   a vaddr other than the one the range was mapped from),
 *   ENOENT (nothing mapped there, or a hole in the range), ENOTSUP (the
 *   range cuts a unit: nothing is unmapped), EPERM (the range holds heap or
 *   device memory, which the EAL owns), EIO (the kernel unmapped a
 *   different size than recorded: logged and reconciled)
 */
int rte_vfio_container_dma_unmap(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len);

/** rte_vfio_container_stats.dma_entries_avail when the kernel does not report it. */
#define RTE_VFIO_DMA_AVAIL_UNKNOWN UINT64_MAX

/**
 * Counters of one container (an extension of this project). The kernel
 * call counts and times only grow (until rte_vfio_container_stats_reset());
 * records, DMA entries and bytes are the state at the time of the call.
 */
struct rte_vfio_container_stats {
	uint64_t map_calls;       /**< VFIO_IOMMU_MAP_DMA calls issued (iommufd: IOMMU_IOAS_MAP and IOMMU_IOAS_MAP_FILE) */
	uint64_t unmap_calls;     /**< VFIO_IOMMU_UNMAP_DMA calls issued */
	uint64_t other_calls;     /**< other ioctls on the container fd (GET_INFO, ...), and on iommufd a device's dma-buf probe and exports for its maps */
	uint64_t map_ns;          /**< time spent in MAP_DMA, ns (monotonic clock) */
	uint64_t unmap_ns;        /**< time spent in UNMAP_DMA, ns (monotonic clock) */
	uint64_t records;         /**< mappings recorded (issued, or waiting for a group) */
	uint64_t dma_entries;     /**< kernel mappings (DMA entries) in use */
	/** DMA entries the kernel has left, or RTE_VFIO_DMA_AVAIL_UNKNOWN */
	uint64_t dma_entries_avail;
	uint64_t bytes_mapped;    /**< bytes mapped in the kernel */
	uint64_t refused_entries; /**< requests refused before the kernel: DMA entries (ENOSPC) */
	uint64_t refused_memlock; /**< requests refused before the kernel: locked memory (ENOMEM) */
	uint64_t refused_checks;  /**< requests refused before the kernel by another check */
	uint64_t refused_kernel;  /**< map or unmap calls the kernel refused */
	uint64_t size_mismatches; /**< unmaps whose size differed from the records (EIO) */
};

/**
 * Read the counters of a container (an extension of this project).
 *
 * @param container_fd a container, or RTE_VFIO_DEFAULT_CONTAINER_FD
 * @param stats filled on success
 * @return 0, or -1 with rte_errno set: EINVAL (not a container fd, or
 *   @p stats NULL), ENODEV (VFIO is not available)
 */
__rte_experimental
int rte_vfio_container_stats_get(int container_fd,
		struct rte_vfio_container_stats *stats);

/**
 * Restart the kernel call counts, times and refusal counts of a container
 * from zero (an extension of this project); the state (records, DMA
 * entries, bytes mapped) is not affected.
 *
 * @return 0, or -1 with rte_errno set as rte_vfio_container_stats_get()
 */
__rte_experimental
int rte_vfio_container_stats_reset(int container_fd);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VFIO_H_ */
