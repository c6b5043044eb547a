/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_BUS_PCI_H_
#define _RTE_BUS_PCI_H_

/**
 * @file
 * The vfio-pci bus: PCI devices found in sysfs, opened through VFIO.
 *
 * The bus scans <sysfs>/bus/pci/devices (honouring the EAL's -a/--allow,
 * -b/--block and --no-pci), and opens a device bound to vfio-pci through
 * rte_vfio_setup_device(), which attaches its IOMMU group to the default
 * container. An open device gives access to its BARs (mmap where the
 * kernel allows it, pread/pwrite otherwise), its configuration space, bus
 * mastering, interrupts (INTx, MSI, MSI-X, each vector an eventfd) and
 * reset. Memory is made reachable by the device with rte_dev_dma_map() on
 * rte_pci_device::device.
 *
 * Errors follow the project's convention: -1 (or NULL) with rte_errno set,
 * and one log line naming the cause and the fix:
 * - ENODEV: no such device (not in sysfs, or left out by --allow/--block
 *   or --no-pci);
 * - ENOTSUP: the device is not bound to vfio-pci (the log names the driver
 *   it is bound to and how to rebind it), or lacks the feature asked for
 *   (reset, an interrupt type, mmap of a BAR);
 * - EPERM: its IOMMU group is not viable (from the VFIO layer);
 * - EINVAL: bad argument (NULL, BAR index, out-of-range access);
 * - EBUSY: the device is already open, or open devices prevent a rescan;
 * - ETIMEDOUT: no interrupt within the timeout.
 *
 * The calls are not thread-safe for one device: a driver serializes the
 * use of each of its devices.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_dev.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/** Length of "dddd:bb:dd.f" plus the NUL. */
#define RTE_PCI_NAME_LEN 16
/** BARs of a type 0 header. */
#define RTE_PCI_MAX_BARS 6

/** A PCI address. */
struct rte_pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t devid;
	uint8_t function;
};

/** The identity of a PCI device, as sysfs shows it. */
struct rte_pci_id {
	uint32_t class_id;            /**< class, subclass, prog-if (24 bits) */
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t subsystem_vendor_id;
	uint16_t subsystem_device_id;
};

/** A device of the PCI bus. Fields are read-only for users. */
struct rte_pci_device {
	struct rte_device *device;    /**< the generic handle (rte_dev_dma_map()) */
	struct rte_pci_addr addr;
	struct rte_pci_id id;
	char name[RTE_PCI_NAME_LEN];  /**< "dddd:bb:dd.f" */
	int numa_node;                /**< SOCKET_ID_ANY when unknown */
	char kdrv[32];                /**< the bound kernel driver, "" if none */
	int iommu_group;              /**< -1 when the device has none */
};

/** Interrupt types (the vfio-pci IRQ indexes). */
enum rte_pci_irq_type {
	RTE_PCI_IRQ_INTX = 0,
	RTE_PCI_IRQ_MSI = 1,
	RTE_PCI_IRQ_MSIX = 2,
};

/** What the kernel says about one region of an open device. */
struct rte_pci_region {
	uint64_t size;                /**< 0: the BAR is not implemented */
	bool readable;
	bool writable;
	bool mmappable;               /**< whole-region mmap is allowed */
};

/**
 * Parse a PCI address: "dddd:bb:dd.f" or "bb:dd.f" (domain 0).
 *
 * @return 0, or -1 with rte_errno EINVAL
 */
int rte_pci_addr_parse(const char *str, struct rte_pci_addr *addr);

/**
 * Format a PCI address as "dddd:bb:dd.f".
 *
 * @return 0, or -1 with rte_errno EINVAL (NULL argument, or @p size too
 *   small: at least RTE_PCI_NAME_LEN)
 */
__rte_experimental
int rte_pci_addr_format(const struct rte_pci_addr *addr, char *buf, size_t size);

/**
 * Scan sysfs for PCI devices, replacing the previous scan. Done
 * implicitly by the first lookup; call it again to see devices added or
 * rebound since (the devices of the previous scan are freed: pointers to
 * them become invalid). --no-pci gives an empty bus.
 *
 * @return the number of devices listed, or -1 with rte_errno EBUSY (a
 *   device of the previous scan is open), ENOMEM, or the errno of an
 *   unreadable sysfs directory
 */
__rte_experimental
int rte_pci_scan(void);

/**
 * Find a device by address ("dddd:bb:dd.f" or "bb:dd.f").
 *
 * @return the device, or NULL with rte_errno EINVAL (malformed address) or
 *   ENODEV (not on the bus: absent, or excluded by --allow/--block)
 */
__rte_experimental
struct rte_pci_device *rte_pci_find(const char *addr);

/**
 * Iterate over the devices with a given vendor and device id, in address
 * order.
 *
 * @param vendor_id the vendor, or 0xffff for any
 * @param device_id the device, or 0xffff for any
 * @param prev NULL to start, then the previous result
 * @return the next device, or NULL (rte_errno ENODEV) at the end
 */
__rte_experimental
struct rte_pci_device *rte_pci_find_by_id(uint16_t vendor_id, uint16_t device_id,
		const struct rte_pci_device *prev);

/**
 * Open a device through VFIO: attach its IOMMU group to the default
 * container and read its regions. The device must be bound to vfio-pci.
 *
 * @return 0, or -1 with rte_errno EINVAL, EBUSY (already open), ENOTSUP
 *   (not bound to vfio-pci, or no IOMMU group), EPERM (group not viable),
 *   ENODEV (VFIO not available) or the VFIO layer's reason
 */
__rte_experimental
int rte_pci_open(struct rte_pci_device *dev);

/**
 * Close a device: disable its interrupts and bus mastering, unmap its
 * BARs, and release it through rte_vfio_release_device().
 *
 * @return 0, or -1 with rte_errno EINVAL (not open) or the VFIO layer's
 *   reason (the device is closed on our side regardless)
 */
__rte_experimental
int rte_pci_close(struct rte_pci_device *dev);

/** @return true when the device is open. */
__rte_experimental
bool rte_pci_is_open(const struct rte_pci_device *dev);

/**
 * Describe a BAR of an open device.
 *
 * @param bar 0 to 5
 * @return 0, or -1 with rte_errno EINVAL (bad index, not open)
 */
__rte_experimental
int rte_pci_region_info(const struct rte_pci_device *dev, unsigned int bar,
		struct rte_pci_region *info);

/**
 * Map a BAR into the process (idempotent: a second call returns the same
 * mapping).
 *
 * @return the mapping, or NULL with rte_errno EINVAL (bad index, not open,
 *   BAR not implemented), ENOTSUP (the kernel does not allow mmap of this
 *   BAR: use rte_pci_bar_read()/rte_pci_bar_write()) or mmap's errno
 */
__rte_experimental
void *rte_pci_map_bar(struct rte_pci_device *dev, unsigned int bar);

/**
 * Unmap a BAR mapped with rte_pci_map_bar().
 *
 * @return 0, or -1 with rte_errno EINVAL (bad index, not mapped)
 */
__rte_experimental
int rte_pci_unmap_bar(struct rte_pci_device *dev, unsigned int bar);

/**
 * Map a range of a BAR into the default container at @p iova so that
 * other devices can DMA into it (peer to peer; extension). The BAR is
 * mmapped (rte_pci_map_bar()) if it is not yet. The mapping belongs to
 * @p dev: it is unmapped from the IOMMU when the BAR is unmapped, when
 * the device is closed (before its release) and when the container goes,
 * because the kernel would keep it after the device is gone.
 * rte_dev_dma_map() of any device with an address inside this BAR's
 * mapping does the same.
 *
 * @param offset, len page-aligned range inside the BAR
 * @param iova where the other devices see it
 * In cdev mode (native iommufd) the BAR range is mapped as the device's
 * VFIO dma-buf (IOMMU_IOAS_MAP_FILE), which needs Linux 6.19+.
 *
 * @return 0, or -1 with rte_errno EINVAL (not open, bad BAR, range outside
 *   the BAR or not aligned to the IOMMU's page), ENOTSUP (the BAR cannot be
 *   mmapped; or the kernel maps no BAR here: iommufd before Linux 6.19,
 *   or iommufd's emulation of the type1 container), EEXIST (the IOVA is
 *   in use), ERANGE (the IOVA is outside the IOMMU's valid ranges or in a
 *   reserved window), ENODEV (iommufd: the device's dma-buf is revoked,
 *   its memory decode off) or the kernel's reason
 */
__rte_experimental
int rte_pci_p2p_map(struct rte_pci_device *dev, unsigned int bar,
		uint64_t offset, uint64_t len, uint64_t iova);

/**
 * Unmap a peer-to-peer mapping of rte_pci_p2p_map() (extension).
 *
 * @return 0, or -1 with rte_errno EINVAL (bad arguments), ENOENT (nothing
 *   of this device is mapped there), ENOTSUP (the range cuts a mapping:
 *   unmap it whole) or the kernel's reason
 */
__rte_experimental
int rte_pci_p2p_unmap(struct rte_pci_device *dev, unsigned int bar,
		uint64_t offset, uint64_t len, uint64_t iova);

/**
 * Read or write a BAR through the device fd (pread/pwrite: the kernel
 * performs accesses of the natural width of @p len when it is 1, 2, 4 or
 * 8 and @p offset is aligned to it).
 *
 * @return 0, or -1 with rte_errno EINVAL (bad index, not open, range
 *   outside the BAR) or EIO (short or failed access)
 */
__rte_experimental
int rte_pci_bar_read(const struct rte_pci_device *dev, unsigned int bar,
		void *buf, size_t len, uint64_t offset);
__rte_experimental
int rte_pci_bar_write(const struct rte_pci_device *dev, unsigned int bar,
		const void *buf, size_t len, uint64_t offset);

/**
 * Read or write the configuration space of an open device.
 *
 * @return 0, or -1 with rte_errno EINVAL (not open, range outside the
 *   configuration space) or EIO
 */
__rte_experimental
int rte_pci_config_read(const struct rte_pci_device *dev, void *buf,
		size_t len, uint64_t offset);
__rte_experimental
int rte_pci_config_write(const struct rte_pci_device *dev, const void *buf,
		size_t len, uint64_t offset);

/**
 * Enable or disable bus mastering (the device's own DMA): bit 2 of the
 * command register.
 *
 * @return 0, or -1 with rte_errno as rte_pci_config_write()
 */
__rte_experimental
int rte_pci_set_bus_master(const struct rte_pci_device *dev, bool enable);

/**
 * @return 1 when bus mastering is on, 0 when off, -1 with rte_errno as
 *   rte_pci_config_read()
 */
__rte_experimental
int rte_pci_get_bus_master(const struct rte_pci_device *dev);

/**
 * Enable interrupts of one type: one eventfd per vector, signalled by the
 * kernel on each interrupt. Only one type may be enabled at a time.
 *
 * @param nvec vectors to enable (1 for INTx)
 * @return 0, or -1 with rte_errno EINVAL (not open, nvec 0), EBUSY
 *   (another type is enabled), ENOTSUP (the device has fewer than @p nvec
 *   vectors of that type) or the kernel's reason
 */
__rte_experimental
int rte_pci_irq_enable(struct rte_pci_device *dev, enum rte_pci_irq_type type,
		unsigned int nvec);

/**
 * Disable the enabled interrupts and close their eventfds (nothing to do
 * when none are enabled).
 *
 * @return 0, or -1 with rte_errno EINVAL (not open) or the kernel's reason
 */
__rte_experimental
int rte_pci_irq_disable(struct rte_pci_device *dev);

/**
 * The eventfd of a vector, for an application's own poll loop.
 *
 * @return the fd, or -1 with rte_errno EINVAL (no such enabled vector)
 */
__rte_experimental
int rte_pci_irq_fd(const struct rte_pci_device *dev, unsigned int vector);

/**
 * Wait for an interrupt on a vector and consume it. INTx is level
 * triggered and the kernel masks the line when it fires: the line is
 * unmasked at the start of the next wait, so the driver acknowledges the
 * device in between (as it does anyway) and gets no spurious interrupt.
 *
 * @param timeout_ms milliseconds to wait, -1 for ever
 * @return the number of interrupts since the last wait (>= 1), or -1 with
 *   rte_errno EINVAL (no such enabled vector), ETIMEDOUT, or the errno of
 *   poll/read
 */
__rte_experimental
int rte_pci_irq_wait(struct rte_pci_device *dev, unsigned int vector,
		int timeout_ms);

/**
 * Reset the device with VFIO_DEVICE_RESET.
 *
 * @return 0, or -1 with rte_errno EINVAL (not open), ENOTSUP (the device
 *   has no reset method the kernel can use) or the kernel's reason
 */
__rte_experimental
int rte_pci_reset(struct rte_pci_device *dev);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_BUS_PCI_H_ */
