/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO devices: open and release devices of IOMMU groups, and the
 * device-memory mappings each one owns. The device table is protected by
 * the VFIO lock (vfio_container.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_devmem.h"
#include "vfio_device_ops.h"
#include "vfio_dmabuf.h"
#include "vfio_iommu.h"
#include "vfio_private.h"

#define VFIO_MAX_DEVICES 256

struct vfio_device {
	bool used;
	int fd;
	uint64_t id;           /* owner of the device's peer-to-peer mappings */
	char name[64];
	struct vfio_group *grp;
};

static struct vfio_device devices[VFIO_MAX_DEVICES];
static uint64_t next_device_id = 1;

unsigned int
vfio_device_count_locked(const struct vfio_group *grp)
{
	unsigned int i, n = 0;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(devices); i++)
		if (devices[i].used && devices[i].grp == grp)
			n++;
	return n;
}

static struct vfio_device *
device_find(const char *name, int fd)
{
	unsigned int i;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(devices); i++) {
		if (!devices[i].used)
			continue;
		if (fd >= 0 && devices[i].fd != fd)
			continue;
		if (name != NULL && strcmp(devices[i].name, name) != 0)
			continue;
		return &devices[i];
	}
	return NULL;
}

static int
device_get_info(int fd, const char *name, struct vfio_device_info *info)
{
	int err;

	if (vfio_dev_get_info(fd, info) != 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: VFIO_DEVICE_GET_INFO of %s failed: %s", name,
			strerror(err));
		return eal_fail(err);
	}
	return 0;
}

/*
 * Close a device and unmap its peer-to-peer mappings. Returns -1 with the
 * kernel's rte_errno when one of them stays mapped (and recorded).
 */
/*
 * Unmap the device memory dev owns in every container (a driver may have
 * mapped its BAR into a container its group is not in), and that of
 * unknown owner. -1 with rte_errno when the kernel kept one; a container
 * without an IOMMU holds none in the kernel.
 */
static int
device_release_memory(struct vfio_device *dev)
{
	struct vfio_container *c = NULL;
	int ret = 0, err = 0;

	while ((c = vfio_container_next_locked(c)) != NULL) {
		if (vfio_devmem_release_locked(c, dev->id, dev->name) < 0 &&
				c->state == VFIO_CONT_IOMMU) {
			ret = -1;
			err = rte_errno;
		}
	}
	if (ret < 0) {
		EAL_LOG(ERR, "VFIO: the peer-to-peer mappings of %s could not all be unmapped",
			dev->name);
		rte_errno = err;
	}
	return ret;
}

/*
 * Close a device and unmap its peer-to-peer mappings. Returns -1 with the
 * kernel's rte_errno when one of them stays mapped (and recorded).
 */
static int
device_close(struct vfio_device *dev)
{
	struct vfio_group *grp = dev->grp;
	struct vfio_container *cont = grp->cont;
	int ret, err;

	vfio_assert_locked();
	/* the kernel keeps a BAR mapping after its device goes: we do not */
	ret = device_release_memory(dev);
	err = rte_errno;
	vfio_backend()->close(dev->fd);
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	if (grp->n_devices > 0)
		grp->n_devices--;
	/*
	 * The group goes with its last device, as in DPDK, unless the
	 * application bound it itself: unbinding would make the kernel drop
	 * the application's own mappings in that container.
	 */
	if (grp->n_devices == 0 && !grp->app_bound &&
			vfio_group_unbind_locked(grp) < 0)
		EAL_LOG(ERR, "VFIO: could not unbind IOMMU group %d", grp->num);
	/*
	 * The last group took every kernel mapping with it, and the device
	 * records with them (vfio_dma_forget_kernel_locked()): nothing stays.
	 */
	if (ret < 0 && cont != NULL && cont->state != VFIO_CONT_IOMMU)
		ret = 0;
	if (ret < 0)
		rte_errno = err;
	return ret;
}

uint64_t
vfio_device_id_by_name_locked(const char *bdf)
{
	struct vfio_device *dev;

	vfio_assert_locked();
	dev = device_find(bdf, -1);
	return dev != NULL ? dev->id : 0;
}

int
vfio_device_fd_by_id_locked(uint64_t id, const char **name)
{
	unsigned int i;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(devices); i++)
		if (devices[i].used && devices[i].id == id) {
			*name = devices[i].name;
			return devices[i].fd;
		}
	return -1;
}

unsigned int
vfio_device_region_owners_locked(uint64_t id, uint64_t off, uint64_t len,
		char *bdf, size_t size, unsigned int *bar_out, uint64_t *bar_off)
{
	struct vfio_region_info ri;
	unsigned int i, bar, n = 0;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(devices); i++) {
		if (!devices[i].used || (id != 0 && devices[i].id != id))
			continue;
		for (bar = VFIO_PCI_BAR0_REGION_INDEX;
				bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++) {
			if (vfio_dev_region_info(devices[i].fd, bar, &ri) < 0 ||
					ri.size == 0 || off < ri.offset ||
					off + len > ri.offset + ri.size)
				continue;
			snprintf(bdf, size, "%s", devices[i].name);
			*bar_out = bar;
			*bar_off = off - ri.offset;
			n++;
			break;
		}
	}
	return n;
}

int
vfio_device_dma_release_owned(int vfio_dev_fd)
{
	struct vfio_device *dev;
	int ret;

	if (!vfio_available())
		return eal_fail(vfio_unavailable_errno());
	vfio_lock();
	dev = device_find(NULL, vfio_dev_fd);
	if (dev == NULL) {
		vfio_unlock();
		EAL_LOG(ERR, "VFIO: fd %d is not a device set up with rte_vfio_setup_device() (ENOENT)",
			vfio_dev_fd);
		return eal_fail(ENOENT);
	}
	ret = device_release_memory(dev);
	vfio_unlock();
	return ret;
}

int
vfio_device_setup_locked(int num, const char *dev_addr, int *dev_fd,
		struct vfio_device_info *info)
{
	struct vfio_container *cont = vfio_default_container_locked();
	struct vfio_group *grp;
	struct vfio_device *dev = NULL;
	bool bound = false;
	unsigned int i;
	int fd, err;

	vfio_assert_locked();
	if (strlen(dev_addr) >= sizeof(devices[0].name)) {
		EAL_LOG(ERR, "VFIO: device name %s is too long (EINVAL)", dev_addr);
		return eal_fail(EINVAL);
	}
	for (i = 0; i < RTE_DIM(devices) && dev == NULL; i++)
		if (!devices[i].used)
			dev = &devices[i];
	if (dev == NULL) {
		EAL_LOG(ERR, "VFIO: %u devices are open, the most this EAL handles (ENOSPC)",
			(unsigned int)VFIO_MAX_DEVICES);
		return eal_fail(ENOSPC);
	}
	grp = vfio_group_find_locked(num);
	if (grp == NULL) {
		if (cont == NULL) {
			EAL_LOG(ERR, "VFIO: no default container to bind IOMMU group %d of %s to (ENODEV)",
				num, dev_addr);
			return eal_fail(ENODEV);
		}
		grp = vfio_group_bind_locked(cont, num);
		if (grp == NULL)
			return -1;
		bound = true;
	}
	fd = grp->cont->ops->device_fd(grp->fd, dev_addr);
	if (fd < 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: cannot open device %s of IOMMU group %d: %s",
			dev_addr, num, strerror(err));
		goto fail;
	}
	if (device_get_info(fd, dev_addr, info) < 0) {
		err = rte_errno;
		vfio_backend()->close(fd);
		goto fail;
	}
	dev->used = true;
	dev->fd = fd;
	dev->id = next_device_id++;
	strcpy(dev->name, dev_addr);
	dev->grp = grp;
	grp->n_devices++;
	*dev_fd = fd;
	return 0;

fail:
	if (bound)
		vfio_group_unbind_locked(grp);
	return eal_fail(err);
}

/* The device dev_addr open as fd, or NULL with ENOENT and one line. */
static struct vfio_device *
device_lookup(const char *dev_addr, int fd)
{
	struct vfio_device *dev = device_find(dev_addr, fd);

	if (dev == NULL) {
		EAL_LOG(ERR, "VFIO: device %s with fd %d was not set up with rte_vfio_setup_device() (ENOENT)",
			dev_addr, fd);
		rte_errno = ENOENT;
	}
	return dev;
}

int
vfio_device_release_locked(const char *dev_addr, int fd)
{
	struct vfio_device *dev;

	vfio_assert_locked();
	dev = device_lookup(dev_addr, fd);
	return dev != NULL ? device_close(dev) : -1;
}

int
vfio_device_get_info_locked(const char *dev_addr, int fd,
		struct vfio_device_info *info)
{
	struct vfio_device *dev;

	vfio_assert_locked();
	dev = device_lookup(dev_addr, fd);
	return dev != NULL ? device_get_info(dev->fd, dev_addr, info) : -1;
}

/*
 * Native iommufd maps device memory from the BAR's dma-buf, not by its
 * address (vfio_dmabuf.c): the device must export its BARs (probed once),
 * and vaddr must be in one of its own BARs. Fills the unit's BAR and
 * offset; 0, or -1 with rte_errno and one ERR line.
 */
static int
owned_dmabuf_unit(const struct vfio_device *dev,
		const struct vfio_devmem_probe *p, struct vfio_record *unit)
{
	struct vfio_container *cont = dev->grp->cont;
	struct vfio_dmabuf_src src;
	const char *why;

	if (vfio_dmabuf_check_locked(cont, dev->id, dev->name,
			"peer-to-peer map") < 0) {
		cont->stats.refused_checks++;
		return -1;
	}
	if (vfio_dmabuf_source_locked(p, dev->id, unit->vaddr, unit->len,
			&src, &why) < 0 ||
			src.id != dev->id) {
		cont->stats.refused_checks++;
		EAL_LOG(ERR, "VFIO: peer-to-peer map of vaddr 0x%" PRIx64 " len 0x%" PRIx64 " for %s refused: native iommufd maps device memory only from its BAR's dma-buf, and %s (EINVAL)",
			unit->vaddr, unit->len, dev->name, src.id != 0 ?
			"the range is in a BAR of another device" : why);
		return eal_fail(EINVAL);
	}
	unit->bar = src.bar;
	unit->bar_off = src.off;
	return 0;
}

int
vfio_device_dma_map(int vfio_dev_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct vfio_device *dev;
	struct vfio_record unit = {
		.iova = iova, .vaddr = vaddr, .len = len,
		.kind = VFIO_REC_DEVICE, .refcnt = 1,
	};
	struct vfio_devmem_probe p = { .device = false };
	int ret;

	if (!vfio_available())
		return vfio_unavailable_fail(__func__);
	/* iommufd needs the BAR behind vaddr: looked at before the lock */
	if (vfio_iommu_default_ops()->map_file != NULL)
		vfio_devmem_probe(vaddr, len, &p);
	vfio_lock();
	dev = device_find(NULL, vfio_dev_fd);
	if (dev == NULL || dev->grp->cont == NULL) {
		vfio_unlock();
		EAL_LOG(ERR, "VFIO: fd %d is not a device set up with rte_vfio_setup_device() (ENOENT)",
			vfio_dev_fd);
		return eal_fail(ENOENT);
	}
	unit.owner = dev->id;
	if (vfio_dmabuf_used(dev->grp->cont))
		ret = owned_dmabuf_unit(dev, &p, &unit);
	else
		ret = 0;
	if (ret == 0)
		ret = vfio_dma_map_units_locked(dev->grp->cont, &unit, 1);
	vfio_unlock();
	return ret;
}

/* [iova, iova + len) is whole device records of dev and nothing else. */
static int
check_device_unmap(const struct vfio_container *cont,
		const struct vfio_device *dev, uint64_t iova, uint64_t len)
{
	const struct vfio_record *r;
	bool any = false;

	for (r = vfio_records_first_overlap(cont->records, iova, len);
			r != NULL && r->iova < iova + len;
			r = vfio_records_next(cont->records, r)) {
		if (r->kind != VFIO_REC_DEVICE || r->owner != dev->id) {
			EAL_LOG(ERR, "VFIO: unmap of device memory IOVA 0x%" PRIx64 " len 0x%" PRIx64 " of %s holds IOVA 0x%" PRIx64 " len 0x%" PRIx64 ", which is not device memory of %s (EPERM)",
				iova, len, dev->name, r->iova, r->len, dev->name);
			return eal_fail(EPERM);
		}
		if (r->iova < iova || r->iova + r->len > iova + len) {
			EAL_LOG(ERR, "VFIO: unmap of device memory IOVA 0x%" PRIx64 " len 0x%" PRIx64 " of %s cuts its mapping IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": unmap it whole (ENOTSUP)",
				iova, len, dev->name, r->iova, r->len);
			return eal_fail(ENOTSUP);
		}
		any = true;
	}
	if (!any) {
		EAL_LOG(ERR, "VFIO: unmap of device memory IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": %s has nothing mapped there (ENOENT)",
			iova, len, dev->name);
		return eal_fail(ENOENT);
	}
	return 0;
}

int
vfio_device_dma_unmap(int vfio_dev_fd, uint64_t iova, uint64_t len)
{
	struct vfio_device *dev;
	int ret;

	if (!vfio_available())
		return eal_fail(vfio_unavailable_errno());
	if (len == 0 || iova + len - 1 < iova) {
		EAL_LOG(ERR, "VFIO: unmap of device memory IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": empty or wrapping range (EINVAL)",
			iova, len);
		return eal_fail(EINVAL);
	}
	vfio_lock();
	dev = device_find(NULL, vfio_dev_fd);
	if (dev == NULL || dev->grp->cont == NULL) {
		vfio_unlock();
		EAL_LOG(ERR, "VFIO: fd %d is not a device set up with rte_vfio_setup_device() (ENOENT)",
			vfio_dev_fd);
		return eal_fail(ENOENT);
	}
	ret = check_device_unmap(dev->grp->cont, dev, iova, len);
	if (ret == 0)
		ret = vfio_dma_release_range_locked(dev->grp->cont, iova, len);
	vfio_unlock();
	return ret;
}

int
vfio_device_dma_release(int vfio_dev_fd, uint64_t vaddr, uint64_t len)
{
	struct vfio_container *cont;
	struct vfio_device *dev;
	const struct vfio_record *r, *next;
	int ret = 0;

	if (!vfio_available())
		return eal_fail(vfio_unavailable_errno());
	vfio_lock();
	dev = device_find(NULL, vfio_dev_fd);
	if (dev == NULL || dev->grp->cont == NULL) {
		vfio_unlock();
		return eal_fail(ENOENT);
	}
	cont = dev->grp->cont;
	for (r = vfio_records_first(cont->records); r != NULL; r = next) {
		uint64_t iova = r->iova, rlen = r->len;

		next = vfio_records_next(cont->records, r);
		if (r->kind != VFIO_REC_DEVICE || r->owner != dev->id ||
				r->vaddr < vaddr || r->vaddr - vaddr >= len)
			continue;
		/* the removal frees r: continue from the next one's IOVA */
		if (vfio_dma_release_range_locked(cont, iova, rlen) < 0)
			ret = -1;
		next = iova + rlen == 0 ? NULL :
			vfio_records_first_overlap(cont->records, iova + rlen,
				UINT64_MAX - (iova + rlen) + 1);
	}
	vfio_unlock();
	return ret;
}

void
vfio_device_release_all_locked(void)
{
	unsigned int i;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(devices); i++)
		if (devices[i].used)
			device_close(&devices[i]);
}
