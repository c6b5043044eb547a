/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _PCI_PRIVATE_H_
#define _PCI_PRIVATE_H_

/*
 * Internals of the vfio-pci bus, shared by its files: the per-device state
 * behind struct rte_pci_device and the bus's logging macro.
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/vfio.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "dev_driver.h"
#include "rte_bus_pci.h"

/* The one logging macro of the PCI bus library. */
#define PCI_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, RTE_LOGTYPE_PMD, "PCI: " fmt "\n", ##__VA_ARGS__)

/* BAR 0-5, ROM, config: the vfio-pci region indexes this bus uses. */
#define PCI_NUM_REGIONS (VFIO_PCI_CONFIG_REGION_INDEX + 1)

#define PCI_VFIO_DRIVER "vfio-pci"

struct pci_region {
	uint64_t offset;               /* of the region in the device fd */
	uint64_t size;
	uint32_t flags;                /* VFIO_REGION_INFO_FLAG_* */
	void *map;                     /* BAR mapping, NULL when not mapped */
};

/* One device: the public part first, so a cast from it is well defined. */
struct pci_dev {
	struct rte_pci_device pub;
	struct rte_device gen;
	struct pci_dev *next;          /* scan list, in address order */
	int fd;                        /* VFIO device fd, -1 when closed */
	struct vfio_device_info info;
	struct pci_region region[PCI_NUM_REGIONS];
	bool bus_master;               /* we turned bus mastering on */
	int irq_type;                  /* enum rte_pci_irq_type, -1 when none */
	unsigned int irq_nvec;
	bool intx_masked;              /* INTx fired: unmask at the next wait */
	int *irq_efd;                  /* irq_nvec eventfds */
};

static inline struct pci_dev *
pci_priv(const struct rte_pci_device *dev)
{
	return (struct pci_dev *)(uintptr_t)dev;
}

/* "<sysfs root>/bus/pci/devices" (pci_scan.c). */
const char *pci_sysfs_devices(void);

/* Read the name of the driver a device is bound to ("" when none) now. */
int pci_read_kdrv(const char *name, char *buf, size_t size);

/* The device's config region or a BAR, checked for an access (pci_vfio.c). */
const struct pci_region *pci_region_check(const struct rte_pci_device *dev,
		unsigned int index, uint64_t offset, size_t len, const char *op);

/*
 * Unmap from the IOMMU the peer-to-peer mappings of a BAR about to be
 * unmapped (pci_p2p.c): the kernel would keep them.
 */
int pci_p2p_release_bar(struct pci_dev *pd, unsigned int bar);

/*
 * The open device whose mapped BAR holds [addr, addr + len), or NULL
 * (pci_scan.c); -1 in *straddles when the range only partly lies in one.
 */
struct pci_dev *pci_bar_owner(const void *addr, size_t len, int *straddles);

/* Free the interrupt state of a device (pci_irq.c); used by close. */
int pci_irq_release(struct pci_dev *pd);

/* A kernel errno as rte_errno; returns -1. */
static inline int
pci_fail(int err)
{
	rte_errno = err;
	return -1;
}

#endif /* _PCI_PRIVATE_H_ */
