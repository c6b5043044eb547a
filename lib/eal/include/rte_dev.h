/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_DEV_H_
#define _RTE_DEV_H_

/**
 * @file
 * Generic devices: the handle every bus gives its devices, and DMA mapping
 * of memory for one device (DPDK 22.11 signatures).
 *
 * A device belongs to a bus (e.g. the vfio-pci bus of drivers/bus/pci); the
 * calls below are routed to that bus, which knows through which IOMMU
 * container the device reaches memory.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/** A device of any bus (opaque to applications). */
struct rte_device;

/**
 * The name of a device (for PCI its address, "dddd:bb:dd.f").
 *
 * @param dev a device
 * @return the name, or NULL with rte_errno EINVAL when @p dev is NULL
 */
const char *rte_dev_name(const struct rte_device *dev);

/**
 * The NUMA node a device is attached to.
 *
 * @param dev a device
 * @return the node, SOCKET_ID_ANY when unknown (also for a NULL @p dev,
 *   with rte_errno EINVAL)
 */
int rte_dev_numa_node(const struct rte_device *dev);

/**
 * Make memory reachable by a device: map [addr, addr + len) at @p iova in
 * the IOMMU context the device uses (for a vfio-pci device, the default
 * VFIO container: one kernel mapping, see rte_vfio_container_dma_map()).
 *
 * @param dev a device
 * @param addr start of the memory, aligned to the IOMMU's page size
 * @param iova the address the device will use, aligned likewise
 * @param len length in bytes, aligned likewise
 * @return 0, or -1 with rte_errno set: EINVAL (NULL device or address,
 *   len 0), ENOTSUP (the device's bus or kernel driver cannot map DMA),
 *   or the reason the IOMMU layer refused (see rte_vfio_container_dma_map())
 */
__rte_experimental
int rte_dev_dma_map(struct rte_device *dev, void *addr, uint64_t iova, size_t len);

/**
 * Undo rte_dev_dma_map() for exactly the same range (or several whole
 * ranges mapped by earlier calls).
 *
 * @param dev a device
 * @param addr, iova, len as given to rte_dev_dma_map()
 * @return 0, or -1 with rte_errno set: EINVAL, ENOTSUP, or the reason the
 *   IOMMU layer refused (see rte_vfio_container_dma_unmap())
 */
__rte_experimental
int rte_dev_dma_unmap(struct rte_device *dev, void *addr, uint64_t iova, size_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_DEV_H_ */
