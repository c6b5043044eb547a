/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening PCI devices through VFIO: regions, BARs, config space, bus
 * mastering, reset and release.
 *
 * Every ioctl goes through the VFIO device interface (vfio_device_ops.h,
 * over the syscall layer, so the type1 model can stand in for the kernel
 * in unit tests); mmap, pread and pwrite go to the
 * device fd itself, which only the real kernel serves.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "pci_private.h"
#include "vfio_device_ops.h"

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x4

static int
check_vfio_bound(struct pci_dev *pd)
{
	char kdrv[sizeof(pd->pub.kdrv)];

	/* the binding may have changed since the scan: read it now */
	if (pci_read_kdrv(pd->pub.name, kdrv, sizeof(kdrv)) < 0) {
		PCI_LOG(ERR, "%s: cannot read its driver link in %s: %s",
			pd->pub.name, pci_sysfs_devices(), rte_strerror(rte_errno));
		return -1;
	}
	strcpy(pd->pub.kdrv, kdrv);
	if (strcmp(kdrv, PCI_VFIO_DRIVER) == 0)
		return 0;
	if (kdrv[0] == '\0')
		PCI_LOG(ERR, "%s is bound to no driver; bind it to vfio-pci: echo %04x %04x > /sys/bus/pci/drivers/vfio-pci/new_id",
			pd->pub.name, pd->pub.id.vendor_id, pd->pub.id.device_id);
	else
		PCI_LOG(ERR, "%s is bound to %s, not vfio-pci; rebind it: echo %s > /sys/bus/pci/devices/%s/driver/unbind; echo %04x %04x > /sys/bus/pci/drivers/vfio-pci/new_id",
			pd->pub.name, kdrv, pd->pub.name, pd->pub.name,
			pd->pub.id.vendor_id, pd->pub.id.device_id);
	return pci_fail(ENOTSUP);
}

static int
read_regions(struct pci_dev *pd)
{
	struct vfio_region_info ri;
	unsigned int i;

	for (i = 0; i < PCI_NUM_REGIONS && i < pd->info.num_regions; i++) {
		if (vfio_dev_region_info(pd->fd, i, &ri) < 0) {
			int err = errno;

			/* some regions (VGA, ROM) may be absent: not an error */
			if (err == EINVAL && i != VFIO_PCI_CONFIG_REGION_INDEX)
				continue;
			PCI_LOG(ERR, "%s: VFIO_DEVICE_GET_REGION_INFO(%u) failed: %s",
				pd->pub.name, i, strerror(err));
			return pci_fail(err);
		}
		pd->region[i].offset = ri.offset;
		pd->region[i].size = ri.size;
		pd->region[i].flags = ri.flags;
	}
	return 0;
}

int
rte_pci_open(struct rte_pci_device *dev)
{
	struct pci_dev *pd = pci_priv(dev);
	int fd = -1, ret;

	if (dev == NULL)
		return pci_fail(EINVAL);
	if (pd->fd >= 0) {
		PCI_LOG(ERR, "%s is already open", dev->name);
		return pci_fail(EBUSY);
	}
	if (check_vfio_bound(pd) < 0)
		return -1;
	memset(&pd->info, 0, sizeof(pd->info));
	pd->info.argsz = sizeof(pd->info);
	ret = rte_vfio_setup_device(pci_sysfs_devices(), dev->name, &fd, &pd->info);
	if (ret < 0) {
		PCI_LOG(ERR, "%s: VFIO setup failed: %s", dev->name,
			rte_strerror(rte_errno));
		return -1;
	}
	if (ret > 0) {
		PCI_LOG(ERR, "%s has no IOMMU group: enable the IOMMU (e.g. intel_iommu=on on the kernel command line)",
			dev->name);
		return pci_fail(ENOTSUP);
	}
	pd->fd = fd;
	pd->bus_master = false;
	memset(pd->region, 0, sizeof(pd->region));
	if (read_regions(pd) < 0) {
		int err = rte_errno;

		rte_vfio_release_device(pci_sysfs_devices(), dev->name, fd);
		pd->fd = -1;
		return pci_fail(err);
	}
	PCI_LOG(DEBUG, "%s open: fd %d, %u regions, %u irq types%s", dev->name,
		fd, pd->info.num_regions, pd->info.num_irqs,
		(pd->info.flags & VFIO_DEVICE_FLAGS_RESET) ? ", reset" : "");
	return 0;
}

bool
rte_pci_is_open(const struct rte_pci_device *dev)
{
	return dev != NULL && pci_priv(dev)->fd >= 0;
}

int
rte_pci_close(struct rte_pci_device *dev)
{
	struct pci_dev *pd = pci_priv(dev);
	unsigned int i;
	int ret;

	if (!rte_pci_is_open(dev)) {
		PCI_LOG(ERR, "close: %s is not open", dev != NULL ? dev->name : "(null)");
		return pci_fail(EINVAL);
	}
	/* quiesce the device before the IOMMU context it uses goes away */
	if (pci_irq_release(pd) < 0)
		PCI_LOG(WARNING, "%s: disabling interrupts failed: %s", dev->name,
			rte_strerror(rte_errno));
	if (pd->bus_master && rte_pci_set_bus_master(dev, false) < 0)
		PCI_LOG(WARNING, "%s: clearing bus master failed: %s", dev->name,
			rte_strerror(rte_errno));
	for (i = 0; i < RTE_PCI_MAX_BARS; i++)
		if (pd->region[i].map != NULL)
			rte_pci_unmap_bar(dev, i);
	ret = rte_vfio_release_device(pci_sysfs_devices(), dev->name, pd->fd);
	pd->fd = -1;
	memset(pd->region, 0, sizeof(pd->region));
	if (ret < 0) {
		PCI_LOG(ERR, "%s: VFIO release failed: %s", dev->name,
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

const struct pci_region *
pci_region_check(const struct rte_pci_device *dev, unsigned int index,
		uint64_t offset, size_t len, const char *op)
{
	const struct pci_region *r;

	if (!rte_pci_is_open(dev)) {
		PCI_LOG(ERR, "%s: device %s is not open", op,
			dev != NULL ? dev->name : "(null)");
		rte_errno = EINVAL;
		return NULL;
	}
	if (index >= PCI_NUM_REGIONS) {
		PCI_LOG(ERR, "%s: %s: region %u does not exist (BARs are 0-5)",
			op, dev->name, index);
		rte_errno = EINVAL;
		return NULL;
	}
	r = &pci_priv(dev)->region[index];
	if (len == 0 || offset > r->size || len > r->size - offset) {
		PCI_LOG(ERR, "%s: %s: access of %zu bytes at 0x%" PRIx64 " is outside region %u (0x%" PRIx64 " bytes)",
			op, dev->name, len, offset, index, r->size);
		rte_errno = EINVAL;
		return NULL;
	}
	return r;
}

int
rte_pci_region_info(const struct rte_pci_device *dev, unsigned int bar,
		struct rte_pci_region *info)
{
	const struct pci_region *r;

	if (!rte_pci_is_open(dev) || bar >= RTE_PCI_MAX_BARS || info == NULL) {
		PCI_LOG(ERR, "region info: %s", !rte_pci_is_open(dev) ?
			"device not open" : info == NULL ? "no output" :
			"BAR index out of 0-5");
		return pci_fail(EINVAL);
	}
	r = &pci_priv(dev)->region[bar];
	info->size = r->size;
	info->readable = r->flags & VFIO_REGION_INFO_FLAG_READ;
	info->writable = r->flags & VFIO_REGION_INFO_FLAG_WRITE;
	info->mmappable = r->flags & VFIO_REGION_INFO_FLAG_MMAP;
	return 0;
}

void *
rte_pci_map_bar(struct rte_pci_device *dev, unsigned int bar)
{
	struct pci_region *r;
	void *va;
	int prot = 0;

	if (bar >= RTE_PCI_MAX_BARS) {
		PCI_LOG(ERR, "map BAR: index %u out of 0-5", bar);
		rte_errno = EINVAL;
		return NULL;
	}
	if (pci_region_check(dev, bar, 0, 1, "map BAR") == NULL)
		return NULL;
	r = &pci_priv(dev)->region[bar];
	if (r->map != NULL)
		return r->map;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		PCI_LOG(ERR, "%s: the kernel does not allow mmap of BAR %u: use rte_pci_bar_read/write",
			dev->name, bar);
		rte_errno = ENOTSUP;
		return NULL;
	}
	if (r->flags & VFIO_REGION_INFO_FLAG_READ)
		prot |= PROT_READ;
	if (r->flags & VFIO_REGION_INFO_FLAG_WRITE)
		prot |= PROT_WRITE;
	va = mmap(NULL, r->size, prot, MAP_SHARED, pci_priv(dev)->fd, r->offset);
	if (va == MAP_FAILED) {
		int err = errno;

		PCI_LOG(ERR, "%s: mmap of BAR %u (0x%" PRIx64 " bytes) failed: %s",
			dev->name, bar, r->size, strerror(err));
		rte_errno = err;
		return NULL;
	}
	r->map = va;
	return va;
}

int
rte_pci_unmap_bar(struct rte_pci_device *dev, unsigned int bar)
{
	struct pci_region *r;

	if (!rte_pci_is_open(dev) || bar >= RTE_PCI_MAX_BARS ||
			pci_priv(dev)->region[bar].map == NULL) {
		PCI_LOG(ERR, "unmap BAR %u: %s", bar, !rte_pci_is_open(dev) ?
			"device not open" : bar >= RTE_PCI_MAX_BARS ?
			"index out of 0-5" : "not mapped");
		return pci_fail(EINVAL);
	}
	r = &pci_priv(dev)->region[bar];
	/* the IOMMU keeps a mapping of the BAR: it goes first */
	if (pci_p2p_release_bar(pci_priv(dev), bar) < 0)
		PCI_LOG(ERR, "%s: peer-to-peer mappings of BAR %u could not all be unmapped: %s",
			dev->name, bar, rte_strerror(rte_errno));
	munmap(r->map, r->size);
	r->map = NULL;
	return 0;
}

static int
region_rw(const struct rte_pci_device *dev, unsigned int index, void *buf,
		size_t len, uint64_t offset, bool write)
{
	const char *op = write ? "write" : "read";
	const struct pci_region *r;
	ssize_t n;

	if (buf == NULL) {
		PCI_LOG(ERR, "%s: no buffer", op);
		return pci_fail(EINVAL);
	}
	r = pci_region_check(dev, index, offset, len, op);
	if (r == NULL)
		return -1;
	if (write)
		n = pwrite(pci_priv(dev)->fd, buf, len, r->offset + offset);
	else
		n = pread(pci_priv(dev)->fd, buf, len, r->offset + offset);
	if (n != (ssize_t)len) {
		/* the kernel's reason when there is one, EIO for a short transfer */
		int err = n < 0 ? errno : EIO;

		PCI_LOG(ERR, "%s: %s of %zu bytes at 0x%" PRIx64 " of region %u: %s",
			dev->name, op, len, offset, index,
			n < 0 ? strerror(err) : "short transfer");
		return pci_fail(err);
	}
	return 0;
}

int
rte_pci_bar_read(const struct rte_pci_device *dev, unsigned int bar,
		void *buf, size_t len, uint64_t offset)
{
	if (bar >= RTE_PCI_MAX_BARS) {
		PCI_LOG(ERR, "BAR read: index %u out of 0-5", bar);
		return pci_fail(EINVAL);
	}
	return region_rw(dev, bar, buf, len, offset, false);
}

int
rte_pci_bar_write(const struct rte_pci_device *dev, unsigned int bar,
		const void *buf, size_t len, uint64_t offset)
{
	if (bar >= RTE_PCI_MAX_BARS) {
		PCI_LOG(ERR, "BAR write: index %u out of 0-5", bar);
		return pci_fail(EINVAL);
	}
	return region_rw(dev, bar, (void *)(uintptr_t)buf, len, offset, true);
}

int
rte_pci_config_read(const struct rte_pci_device *dev, void *buf, size_t len,
		uint64_t offset)
{
	return region_rw(dev, VFIO_PCI_CONFIG_REGION_INDEX, buf, len, offset, false);
}

int
rte_pci_config_write(const struct rte_pci_device *dev, const void *buf,
		size_t len, uint64_t offset)
{
	return region_rw(dev, VFIO_PCI_CONFIG_REGION_INDEX,
		(void *)(uintptr_t)buf, len, offset, true);
}

int
rte_pci_get_bus_master(const struct rte_pci_device *dev)
{
	uint16_t cmd;

	if (rte_pci_config_read(dev, &cmd, sizeof(cmd), PCI_COMMAND) < 0)
		return -1;
	return (cmd & PCI_COMMAND_MASTER) != 0;
}

int
rte_pci_set_bus_master(const struct rte_pci_device *dev, bool enable)
{
	uint16_t cmd, want;

	if (rte_pci_config_read(dev, &cmd, sizeof(cmd), PCI_COMMAND) < 0)
		return -1;
	want = enable ? (cmd | PCI_COMMAND_MASTER) : (cmd & ~PCI_COMMAND_MASTER);
	if (want != cmd &&
			rte_pci_config_write(dev, &want, sizeof(want), PCI_COMMAND) < 0)
		return -1;
	/* close turns it off again (the kernel does too, on release) */
	pci_priv(dev)->bus_master = enable;
	return 0;
}

int
rte_pci_reset(struct rte_pci_device *dev)
{
	struct pci_dev *pd = pci_priv(dev);

	if (!rte_pci_is_open(dev)) {
		PCI_LOG(ERR, "reset: device %s is not open", dev != NULL ? dev->name : "(null)");
		return pci_fail(EINVAL);
	}
	if (!(pd->info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		PCI_LOG(ERR, "%s: the kernel has no reset method for this device (no FLR, PM or bus reset)",
			dev->name);
		return pci_fail(ENOTSUP);
	}
	/* its BAR may move or stop decoding: nothing may DMA into it after */
	if (vfio_device_dma_release_owned(pd->fd) < 0) {
		int err = rte_errno;

		PCI_LOG(ERR, "%s: not reset: its peer-to-peer mappings could not all be unmapped: %s",
			dev->name, rte_strerror(err));
		return pci_fail(err);
	}
	if (vfio_dev_reset(pd->fd) < 0) {
		int err = errno;

		PCI_LOG(ERR, "%s: VFIO_DEVICE_RESET failed: %s", dev->name, strerror(err));
		return pci_fail(err);
	}
	return 0;
}
