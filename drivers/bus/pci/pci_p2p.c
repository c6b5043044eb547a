/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer to peer: a BAR of one device mapped into the default container so
 * that other devices can DMA into it.
 *
 * The mapping is device memory owned by the BAR's device (VFIO_REC_DEVICE
 * in the VFIO layer): type1 does not track the BAR's VMA and keeps the
 * mapping after the device goes, so the project removes it before the
 * BAR is unmapped and before the device is released. A BAR mapped through
 * rte_dev_dma_map() with an address inside another device's BAR mmap is
 * recognised here and gets the same owner.
 *
 * Not thread-safe for one device, like the rest of the bus (the caller
 * serializes the use of a device); the VFIO layer takes its own lock.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "pci_private.h"
#include "vfio_device_ops.h"

static int
check_bar_range(const struct rte_pci_device *dev, unsigned int bar,
		uint64_t offset, uint64_t len, const char *op)
{
	const struct pci_region *r;

	if (dev == NULL || bar >= RTE_PCI_MAX_BARS) {
		PCI_LOG(ERR, "%s: %s (EINVAL)", op, dev == NULL ? "no device" :
			"BAR index out of 0-5");
		return pci_fail(EINVAL);
	}
	if (!rte_pci_is_open(dev)) {
		PCI_LOG(ERR, "%s: %s is not open (EINVAL)", op, dev->name);
		return pci_fail(EINVAL);
	}
	r = &pci_priv(dev)->region[bar];
	if (len == 0 || offset > r->size || len > r->size - offset) {
		PCI_LOG(ERR, "%s: %s: [0x%" PRIx64 ", +0x%" PRIx64 ") is not inside BAR %u (0x%" PRIx64 " bytes) (EINVAL)",
			op, dev->name, offset, len, bar, r->size);
		return pci_fail(EINVAL);
	}
	return 0;
}

int
rte_pci_p2p_map(struct rte_pci_device *dev, unsigned int bar, uint64_t offset,
		uint64_t len, uint64_t iova)
{
	const char *op = "peer-to-peer map";
	void *va;

	if (check_bar_range(dev, bar, offset, len, op) < 0)
		return -1;
	va = rte_pci_map_bar(dev, bar);
	if (va == NULL)
		return -1;
	if (vfio_device_dma_map(pci_priv(dev)->fd, (uintptr_t)va + offset,
			iova, len) < 0) {
		int err = rte_errno;

		/* the VFIO layer logged the refusal (ERR): one line per refusal */
		PCI_LOG(DEBUG, "%s: BAR %u of %s at offset 0x%" PRIx64 " len 0x%" PRIx64 " to IOVA 0x%" PRIx64 " failed: %s",
			op, bar, dev->name, offset, len, iova, rte_strerror(err));
		return pci_fail(err);
	}
	PCI_LOG(DEBUG, "%s: BAR %u of %s [0x%" PRIx64 ", +0x%" PRIx64 ") at IOVA 0x%" PRIx64,
		op, bar, dev->name, offset, len, iova);
	return 0;
}

int
rte_pci_p2p_unmap(struct rte_pci_device *dev, unsigned int bar,
		uint64_t offset, uint64_t len, uint64_t iova)
{
	const char *op = "peer-to-peer unmap";

	if (check_bar_range(dev, bar, offset, len, op) < 0)
		return -1;
	if (pci_priv(dev)->region[bar].map == NULL) {
		PCI_LOG(ERR, "%s: BAR %u of %s is not mapped, so nothing of it is (ENOENT)",
			op, bar, dev->name);
		return pci_fail(ENOENT);
	}
	return vfio_device_dma_unmap(pci_priv(dev)->fd, iova, len);
}

int
pci_p2p_release_bar(struct pci_dev *pd, unsigned int bar)
{
	const struct pci_region *r = &pd->region[bar];

	if (r->map == NULL || pd->fd < 0)
		return 0;
	return vfio_device_dma_release(pd->fd, (uintptr_t)r->map, r->size);
}

/* The device whose BAR mapping (ours) holds [vaddr, vaddr + len). */
static int
pci_bar_name(uint64_t vaddr, uint64_t len, char *bdf, size_t size,
		unsigned int *bar, uint64_t *offset)
{
	struct pci_dev *pd;
	unsigned int i;
	int straddles;

	pd = pci_bar_owner((const void *)(uintptr_t)vaddr, len, &straddles);
	if (pd == NULL || straddles)
		return -1;
	for (i = 0; i < RTE_PCI_MAX_BARS; i++) {
		uintptr_t m = (uintptr_t)pd->region[i].map;

		if (m != 0 && vaddr >= m && vaddr - m < pd->region[i].size) {
			snprintf(bdf, size, "%s", pd->pub.name);
			*bar = i;
			*offset = vaddr - m;
			return 0;
		}
	}
	return -1;
}

/* Device memory mapped through rte_vfio_container_dma_map() asks us too. */
__attribute__((constructor)) static void
pci_p2p_resolver_init(void)
{
	vfio_devmem_set_resolver(pci_bar_name);
}
