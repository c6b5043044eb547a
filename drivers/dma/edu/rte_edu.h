/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_EDU_H_
#define _RTE_EDU_H_

/**
 * @file
 * A driver for QEMU's "edu" teaching device, used as a DMA engine that
 * proves IOMMU mappings with real device DMA.
 *
 * The edu device has a 4 KiB buffer at device address 0x40000 and copies
 * between it and any IOVA (one transfer at a time, up to 4 KiB). The
 * driver opens it on the vfio-pci bus, maps BAR0, enables bus mastering,
 * and waits for completion by polling the busy bit or by MSI.
 *
 * A transfer the IOMMU blocks still completes on the device: QEMU drops
 * blocked writes and reads zeros for blocked reads, and the device sees no
 * error. Only the data can tell. The plain calls (rte_edu_dma_to_dev(),
 * rte_edu_dma_from_dev()) therefore cannot notice a block; the checked
 * calls (rte_edu_copy_to_dev(), rte_edu_copy_from_dev()) also take the
 * buffer's virtual address, verify the data through a scratch page of the
 * driver, and report a transfer whose data did not arrive with rte_errno
 * EFAULT. A device that does not finish in time gives ETIMEDOUT.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_bus_pci.h>
#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

#define RTE_EDU_VENDOR_ID 0x1234
#define RTE_EDU_DEVICE_ID 0x11e8
/** Size of the device's DMA buffer; offsets below are into it. */
#define RTE_EDU_BUF_SIZE 4096
/**
 * The end (offset + length) a transfer may reach: QEMU's edu up to at
 * least 7.2 checks the range with a strict comparison and aborts the whole
 * VM ("hw_error: EDU: DMA range ... out of bounds") on a transfer that
 * ends at the buffer's end, so the last byte is never used.
 */
#define RTE_EDU_BUF_USABLE (RTE_EDU_BUF_SIZE - 1)

/** Wait for completion by MSI instead of polling (rte_edu_irq_enable() first). */
#define RTE_EDU_DMA_IRQ (1u << 0)

/** Default completion timeout (ms): QEMU's edu takes about 100 ms per transfer. */
#define RTE_EDU_DEFAULT_TIMEOUT_MS 5000

/** An edu device in use (opaque). */
struct rte_edu;

/**
 * Take an edu device into use: open it if it is not open, check its id
 * register, map BAR0, enable bus mastering, and map the driver's scratch
 * page for DMA (at an IOVA of the EAL's IOVA mode: its virtual address,
 * an EAL-assigned IOVA in the allocated mode, or its physical address).
 *
 * @return the device, or NULL with rte_errno EINVAL (NULL), ENODEV (not an
 *   edu: wrong vendor/device or id register), or the bus's reason
 *   (ENOTSUP: not bound to vfio-pci, EPERM: group not viable, ...)
 */
__rte_experimental
struct rte_edu *rte_edu_probe(struct rte_pci_device *dev);

/**
 * Stop using the device: disable its interrupts and bus mastering, unmap
 * the scratch page, and close the device if the probe opened it (a device
 * the caller opened stays open, with BAR0 still mapped).
 *
 * @return 0, or -1 with rte_errno EINVAL (NULL) or the first failure (the
 *   device is released regardless)
 */
__rte_experimental
int rte_edu_remove(struct rte_edu *edu);

/** @return the PCI device of an edu, NULL (rte_errno EINVAL) for NULL. */
__rte_experimental
struct rte_pci_device *rte_edu_pci_dev(const struct rte_edu *edu);

/** @return the id register (0x010000ed for QEMU's edu 1.0). */
__rte_experimental
uint32_t rte_edu_id(const struct rte_edu *edu);

/**
 * Check the device responds: write the liveness register and read back
 * the inverse.
 *
 * @return 0, or -1 with rte_errno EINVAL (NULL) or EIO (wrong value)
 */
__rte_experimental
int rte_edu_check_alive(struct rte_edu *edu);

/** Write / read the liveness register (offset 0x04). */
__rte_experimental
void rte_edu_write_liveness(struct rte_edu *edu, uint32_t value);
__rte_experimental
uint32_t rte_edu_read_liveness(const struct rte_edu *edu);

/**
 * Set the completion timeout of later transfers.
 *
 * @return 0, or -1 with rte_errno EINVAL (NULL, or 0 ms)
 */
__rte_experimental
int rte_edu_set_timeout(struct rte_edu *edu, unsigned int timeout_ms);

/**
 * Enable or disable the device's MSI (for RTE_EDU_DMA_IRQ).
 *
 * @return 0, or -1 with rte_errno set by the bus (ENOTSUP: no MSI)
 */
__rte_experimental
int rte_edu_irq_enable(struct rte_edu *edu);
__rte_experimental
int rte_edu_irq_disable(struct rte_edu *edu);

/**
 * DMA from memory at @p src to the device buffer at @p off. Unchecked: an
 * IOMMU block is not noticed (see the file's description).
 *
 * @param flags 0 or RTE_EDU_DMA_IRQ
 * @return 0, or -1 with rte_errno EINVAL (NULL, len 0, @p off + @p len
 *   past RTE_EDU_BUF_USABLE, unknown flag, RTE_EDU_DMA_IRQ without MSI enabled),
 *   EBUSY (a transfer is still running), ETIMEDOUT, EIO (the interrupt
 *   came without the DMA status bit)
 */
__rte_experimental
int rte_edu_dma_to_dev(struct rte_edu *edu, rte_iova_t src, uint32_t off,
		size_t len, unsigned int flags);

/**
 * DMA from the device buffer at @p off to @p dst: memory, or another
 * device's BAR (peer to peer). Unchecked, as rte_edu_dma_to_dev().
 *
 * @return as rte_edu_dma_to_dev()
 */
__rte_experimental
int rte_edu_dma_from_dev(struct rte_edu *edu, uint32_t off, rte_iova_t dst,
		size_t len, unsigned int flags);

/**
 * Checked DMA to the device: @p src is the memory mapped at @p src_iova.
 * The device range is first filled with the complement of @p src, then the
 * transfer runs, then the range is read back and compared with @p src.
 *
 * @return 0, or -1 with rte_errno EFAULT (the data did not arrive: the
 *   IOMMU blocked the read of @p src_iova, i.e. it is not mapped), or as
 *   rte_edu_dma_to_dev()
 */
__rte_experimental
int rte_edu_copy_to_dev(struct rte_edu *edu, const void *src,
		rte_iova_t src_iova, uint32_t off, size_t len, unsigned int flags);

/**
 * Checked DMA from the device: @p dst is the memory mapped at @p dst_iova.
 * When @p dst already holds the device's data it is first overwritten with
 * its complement; otherwise it is left as it is, so a blocked transfer
 * leaves it unchanged.
 *
 * @return 0, or -1 with rte_errno EFAULT (the data did not arrive: the
 *   IOMMU blocked the write to @p dst_iova), or as rte_edu_dma_from_dev()
 */
__rte_experimental
int rte_edu_copy_from_dev(struct rte_edu *edu, uint32_t off, void *dst,
		rte_iova_t dst_iova, size_t len, unsigned int flags);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_EDU_H_ */
