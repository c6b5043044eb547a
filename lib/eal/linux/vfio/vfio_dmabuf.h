/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_DMABUF_H_
#define _VFIO_DMABUF_H_

/*
 * Device memory on native iommufd (vfio_dmabuf.c). iommufd pins memory
 * by its virtual address and refuses a BAR's mmap (PFNMAP); from Linux
 * 6.19 VFIO exports a BAR range as a dma-buf (VFIO_DEVICE_FEATURE
 * DMA_BUF) that iommufd maps with IOMMU_IOAS_MAP_FILE. A device-memory
 * unit of such a container therefore names its device (the record's
 * owner), its BAR and the offset in it (the record's bar, bar_off): each
 * kernel map of the unit (first map, replay, restore after a failed
 * unmap) exports that range anew, maps it and closes the dma-buf fd,
 * which iommufd keeps its own reference to. The unmap is the usual
 * IOMMU_IOAS_UNMAP of the unit, and the unit goes with its device as on
 * type1. All of it runs with the VFIO lock held.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vfio_devmem.h"
#include "vfio_records.h"

struct vfio_container;

/* Where device memory comes from: a BAR of a device open here. */
struct vfio_dmabuf_src {
	uint64_t id;            /* the device's owner id */
	char dev[64];           /* its name */
	uint32_t bar;           /* BAR 0-5 */
	uint64_t off;           /* offset in the BAR */
};

/* Whether cont maps device memory through dma-bufs (native iommufd). */
bool vfio_dmabuf_used(const struct vfio_container *cont);

/*
 * Whether device id (named dev) can export its BARs, asked of the kernel
 * once per device (VFIO_DEVICE_FEATURE with PROBE, counted in cont's
 * other calls). 0, or -1 with rte_errno ENOTSUP and one ERR line naming
 * the request (what), the cause and the fix: a kernel before 6.19 lacks
 * the export (ENOTTY), a VFIO driver may export no BAR (EOPNOTSUPP).
 */
int vfio_dmabuf_check_locked(struct vfio_container *cont, uint64_t id,
		const char *dev, const char *what);

/*
 * The BAR range [vaddr, vaddr + len) is, from what vfio_devmem_probe()
 * found and the bus's own BAR mappings: its device (open through this
 * EAL), BAR and offset. A VFIO device fd's mmap shows only a region
 * offset: the device is then id when it is not 0 (the caller knows it),
 * else the only device open here with a BAR there. 0, or -1 with *why
 * saying what is missing (nothing logged, rte_errno untouched).
 */
int vfio_dmabuf_source_locked(const struct vfio_devmem_probe *p, uint64_t id,
		uint64_t vaddr, uint64_t len, struct vfio_dmabuf_src *src,
		const char **why);

/*
 * The kernel map of device-memory record rec on cont: export its BAR
 * range as a dma-buf (VFIO_DEVICE_FEATURE GET, counted in cont's other
 * calls), IOMMU_IOAS_MAP_FILE it at rec->iova, close the dma-buf fd.
 * Raw: 0, or -1 with errno and *call the kernel call that failed.
 */
int vfio_dmabuf_map_locked(struct vfio_container *cont,
		const struct vfio_record *rec, const char **call);

#endif /* _VFIO_DMABUF_H_ */
