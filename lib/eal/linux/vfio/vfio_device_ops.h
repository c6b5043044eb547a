/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_DEVICE_OPS_H_
#define _VFIO_DEVICE_OPS_H_

/*
 * The device interface of the VFIO component, for the PCI bus: the
 * ioctls of an open VFIO device fd (information, regions, interrupts,
 * reset) and the device-memory mappings a device owns (peer to peer).
 * The bus reaches VFIO through this header and rte_vfio.h only.
 *
 * The device calls are raw: 0 (or the ioctl's result), or -1 with errno
 * set to the kernel's reason; the caller logs what it asked for. They go
 * through the syscall layer (vfio_backend.h), so the userspace model can
 * serve them in unit tests. None takes the VFIO lock.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include <linux/vfio.h>

/* VFIO_DEVICE_GET_INFO into info (argsz set here). */
int vfio_dev_get_info(int dev_fd, struct vfio_device_info *info);
/* VFIO_DEVICE_GET_REGION_INFO of region index into ri (argsz set here). */
__rte_internal
int vfio_dev_region_info(int dev_fd, unsigned int index,
		struct vfio_region_info *ri);
/* VFIO_DEVICE_GET_IRQ_INFO of interrupt index into ii (argsz set here). */
__rte_internal
int vfio_dev_irq_info(int dev_fd, unsigned int index,
		struct vfio_irq_info *ii);
/*
 * VFIO_DEVICE_SET_IRQS of vectors [0, count) of interrupt index, with the
 * VFIO_IRQ_SET_* flags, and the eventfds fds[0..count) when the data type
 * is VFIO_IRQ_SET_DATA_EVENTFD (else fds is NULL). ENOMEM when the request
 * cannot be built.
 */
__rte_internal
int vfio_dev_set_irqs(int dev_fd, unsigned int index, uint32_t flags,
		unsigned int count, const int *fds);
/* VFIO_DEVICE_RESET. */
__rte_internal
int vfio_dev_reset(int dev_fd);

/*
 * The container that IOMMU group group_num is bound to, for the DMA maps
 * of its devices (rte_dev_dma_map()): the fd of a container the
 * application created and bound the group to, else
 * RTE_VFIO_DEFAULT_CONTAINER_FD (the default container, or not bound).
 */
__rte_internal
int vfio_group_container_fd(int group_num);

/*
 * Device memory owned by a device (vfio_device.c); these return 0 or -1
 * with rte_errno, and log their refusals.
 *
 * Map device memory (e.g. the mmap of another device's BAR, for peer to
 * peer) into the container of the device's group as one unit owned by the
 * device open as vfio_dev_fd: it is unmapped when that device is released,
 * since the kernel would keep it. Returns as rte_vfio_container_dma_map(),
 * or ENOENT when vfio_dev_fd is not a device set up by the EAL.
 */
__rte_internal
int vfio_device_dma_map(int vfio_dev_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len);
/*
 * Unmap device memory mapped with vfio_device_dma_map() for the same
 * device: [iova, iova + len) must be exactly whole records of it.
 * ENOENT (no such device or mapping), ENOTSUP (it cuts a mapping) or the
 * kernel's reason.
 */
__rte_internal
int vfio_device_dma_unmap(int vfio_dev_fd, uint64_t iova, uint64_t len);
/*
 * Unmap every device-memory mapping of the device whose vaddr lies in
 * [vaddr, vaddr + len) (a BAR about to be unmapped; 0, UINT64_MAX: all).
 * The records are gone either way.
 */
__rte_internal
int vfio_device_dma_release(int vfio_dev_fd, uint64_t vaddr, uint64_t len);

/*
 * Unmap all device memory the device open as vfio_dev_fd owns, in every
 * container, however it was mapped (before a reset; release does it
 * itself). 0, or -1 with rte_errno (ENOENT: not a device set up here).
 */
__rte_internal
int vfio_device_dma_release_owned(int vfio_dev_fd);

/*
 * The bus tells which device a BAR mapping of its own belongs to
 * (vfio_devmem.c asks when device memory is mapped through the user-map
 * API, vfio_dmabuf.c on iommufd): the name of the device whose BAR
 * mapping holds [vaddr, vaddr + len) in bdf, that BAR in *bar and the
 * offset of vaddr in it in *offset, 0; -1 when none does. Called with the
 * VFIO lock held: it must not call into VFIO.
 */
typedef int (*vfio_devmem_resolver_t)(uint64_t vaddr, uint64_t len,
		char *bdf, size_t size, unsigned int *bar, uint64_t *offset);
__rte_internal
void vfio_devmem_set_resolver(vfio_devmem_resolver_t fn);

#endif /* _VFIO_DEVICE_OPS_H_ */
