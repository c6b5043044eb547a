/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device memory on native iommufd: a BAR range exported by VFIO as a
 * dma-buf (Linux 6.19+) and mapped with IOMMU_IOAS_MAP_FILE (see
 * vfio_dmabuf.h for the shape).
 *
 * Why not by address: iommufd pins the pages of a virtual range, and a
 * BAR's mmap has none (VM_PFNMAP): IOMMU_IOAS_MAP refuses it. The dma-buf
 * also gives what type1 lacks: the kernel revokes the mapping when the
 * device is reset or closed, so a stale peer-to-peer mapping cannot reach
 * whatever the address decodes to next. The EAL still removes the unit
 * before its device goes (vfio_devmem.c), as on type1, so records and
 * kernel agree.
 *
 * Probe: once per device (VFIO_DEVICE_FEATURE with PROBE), remembered by
 * the device's owner id, which is never reused; a refusal is logged at
 * every refused request, the kernel is asked once.
 *
 * Everything here runs with the VFIO lock held (vfio_container.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_dmabuf.h"
#include "vfio_iommufd_uapi.h"
#include "vfio_private.h"

/* probe answers of the last devices, by owner id (a slot per id mod N) */
#define PROBED_MAX 64
static struct {
	uint64_t id;            /* 0: empty */
	int err;                /* 0: the device exports its BARs */
} probed[PROBED_MAX];

bool
vfio_dmabuf_used(const struct vfio_container *cont)
{
	return cont->ops->map_file != NULL;
}

/* VFIO_DEVICE_FEATURE DMA_BUF with PROBE|GET: 0 or the kernel's errno. */
static int
probe_device(struct vfio_container *cont, int fd)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
			MV_VFIO_DEVICE_FEATURE_DMA_BUF,
	};

	cont->stats.other_calls++;
	return vfio_backend()->ioctl(fd, VFIO_DEVICE_FEATURE, &f) < 0 ? errno : 0;
}

int
vfio_dmabuf_check_locked(struct vfio_container *cont, uint64_t id,
		const char *dev, const char *what)
{
	unsigned int slot = (unsigned int)(id % PROBED_MAX);
	const char *name;
	int fd, err;

	vfio_assert_locked();
	if (probed[slot].id != id) {
		fd = vfio_device_fd_by_id_locked(id, &name);
		if (fd < 0) {
			EAL_LOG(ERR, "VFIO: %s of device memory of %s: the device is no longer open (ENODEV)",
				what, dev);
			return eal_fail(ENODEV);
		}
		probed[slot].id = id;
		probed[slot].err = probe_device(cont, fd);
	}
	err = probed[slot].err;
	if (err == 0)
		return 0;
	if (err == ENOTTY)
		EAL_LOG(ERR, "VFIO: %s of device memory of %s refused: this kernel lacks VFIO dma-buf export (VFIO_DEVICE_FEATURE DMA_BUF, Linux 6.19+), the only way native iommufd maps a BAR (IOMMU_IOAS_MAP_FILE); use --vfio-mode=group for peer-to-peer, or a Linux 6.19+ kernel (ENOTSUP)",
			what, dev);
	else if (err == EOPNOTSUPP)
		EAL_LOG(ERR, "VFIO: %s of device memory of %s refused: its VFIO driver does not export BARs as dma-bufs (VFIO_DEVICE_FEATURE DMA_BUF: %s), the only way native iommufd maps a BAR (IOMMU_IOAS_MAP_FILE); use --vfio-mode=group for peer-to-peer (ENOTSUP)",
			what, dev, strerror(err));
	else
		EAL_LOG(ERR, "VFIO: %s of device memory of %s refused: probing its VFIO dma-buf export (VFIO_DEVICE_FEATURE DMA_BUF, Linux 6.19+) failed: %s; native iommufd maps a BAR only through it (IOMMU_IOAS_MAP_FILE): use --vfio-mode=group for peer-to-peer (ENOTSUP)",
			what, dev, strerror(err));
	return eal_fail(ENOTSUP);
}

/* "/sys/devices/.../0000:00:04.0/resource2" is BAR 2; -1: no such name. */
static int
resource_bar(const char *file)
{
	const char *leaf = strrchr(file, '/');

	if (leaf == NULL || strncmp(leaf + 1, "resource", 8) != 0 ||
			leaf[9] < '0' || leaf[9] > '5' || leaf[10] != '\0')
		return -1;
	return leaf[9] - '0';
}

int
vfio_dmabuf_source_locked(const struct vfio_devmem_probe *p, uint64_t id,
		uint64_t vaddr, uint64_t len, struct vfio_dmabuf_src *src,
		const char **why)
{
	unsigned int bar = 0, n;
	uint64_t off = 0;
	int rbar;

	vfio_assert_locked();
	memset(src, 0, sizeof(*src));
	*why = "it is in no BAR mapping this EAL knows of (the bus's BAR mappings, a VFIO device fd's mmap, a sysfs resourceN mmap)";
	if (vfio_devmem_resolve_locked(vaddr, len, src->dev, sizeof(src->dev),
			&bar, &off) < 0) {
		src->dev[0] = '\0';
		if (p->vfio_file) {
			/* a VFIO fd's mmap: its offset names a region, and whose */
			n = vfio_device_region_owners_locked(id, p->vma_off,
				len, src->dev, sizeof(src->dev), &bar, &off);
			if (n != 1) {
				src->dev[0] = '\0';
				if (n > 1)
					*why = "several devices open through this EAL have a BAR region at its VFIO offset, and a device fd's mmap does not say whose it is";
			}
		} else if (p->bdf[0] != '\0' &&
				(rbar = resource_bar(p->vma_file)) >= 0) {
			snprintf(src->dev, sizeof(src->dev), "%s", p->bdf);
			bar = (unsigned int)rbar;
			off = p->vma_off;
		}
	}
	if (src->dev[0] == '\0')
		return -1;
	src->id = vfio_device_id_by_name_locked(src->dev);
	if (src->id == 0) {
		*why = "its device is not open through this EAL (rte_vfio_setup_device), whose dma-buf iommufd would map";
		return -1;
	}
	if (off % vfio_system_page_size() != 0) {
		*why = "its offset in the BAR is not page-aligned, as a dma-buf range must be";
		return -1;
	}
	src->bar = bar;
	src->off = off;
	return 0;
}

int
vfio_dmabuf_map_locked(struct vfio_container *cont,
		const struct vfio_record *rec, const char **call)
{
	/* the feature header, the dma-buf request and its one range */
	union {
		struct vfio_device_feature f;
		uint8_t bytes[sizeof(struct vfio_device_feature) +
			sizeof(struct mv_vfio_device_feature_dma_buf) +
			sizeof(struct mv_vfio_region_dma_range)];
	} req;
	struct mv_vfio_device_feature_dma_buf db = {
		.region_index = rec->bar,
		.open_flags = O_RDWR | O_CLOEXEC,
		.flags = 0,
		.nr_ranges = 1,
	};
	struct mv_vfio_region_dma_range range = {
		.offset = rec->bar_off,
		.length = rec->len,
	};
	const struct vfio_backend *be = vfio_backend();
	const char *name;
	int dev_fd, buf_fd, ret, err;

	vfio_assert_locked();
	*call = "VFIO_DEVICE_FEATURE (DMA_BUF)";
	dev_fd = vfio_device_fd_by_id_locked(rec->owner & ~VFIO_OWNER_USER, &name);
	if (dev_fd < 0) {
		errno = ENODEV;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.f.argsz = sizeof(req);
	req.f.flags = VFIO_DEVICE_FEATURE_GET | MV_VFIO_DEVICE_FEATURE_DMA_BUF;
	memcpy(req.bytes + sizeof(req.f), &db, sizeof(db));
	memcpy(req.bytes + sizeof(req.f) + sizeof(db), &range, sizeof(range));
	cont->stats.other_calls++;
	buf_fd = be->ioctl(dev_fd, VFIO_DEVICE_FEATURE, &req);
	if (buf_fd < 0)
		return -1;
	*call = "IOMMU_IOAS_MAP_FILE";
	ret = cont->ops->map_file(cont, buf_fd, 0, rec->iova, rec->len);
	err = errno;
	/* iommufd holds its own reference: the fd is ours to close */
	be->close(buf_fd);
	errno = err;
	return ret;
}
