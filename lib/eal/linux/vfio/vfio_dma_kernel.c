/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA mappings: the two kernel calls, VFIO_IOMMU_MAP_DMA and
 * VFIO_IOMMU_UNMAP_DMA. Every mapping and unmapping of the component goes
 * through here, so that each call is timed and counted in the container's
 * statistics, and a refusal is logged once with what the user can do
 * about it. The records are not touched: that is vfio_dma.c's part.
 *
 * Everything here runs with the VFIO lock held (vfio_container.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_private.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
log_map_refusal(const struct vfio_record *rec, int err)
{
	const char *why;

	switch (err) {
	case ENOMEM:
		why = "locked-memory limit (RLIMIT_MEMLOCK) reached or out of memory: raise it (ulimit -l, systemd LimitMEMLOCK=, a container runtime's memlock ulimit such as docker --ulimit memlock=-1) or give the process CAP_IPC_LOCK";
		break;
	case EFAULT:
		why = "the virtual range is not mapped with read/write access in this process";
		break;
	case ENOSPC:
		why = "no DMA entry left: raise vfio_iommu_type1's dma_entry_limit (" VFIO_DMA_ENTRY_LIMIT_PATH ", set before the container's IOMMU is set) or back the memory with 2 MiB or 1 GiB hugepages so fewer entries are needed";
		break;
	default:
		why = "refused by the kernel";
		break;
	}
	EAL_LOG(ERR, "VFIO: VFIO_IOMMU_MAP_DMA of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " (vaddr 0x%" PRIx64 ", %s) failed: %s: %s",
		rec->iova, rec->len, rec->vaddr, vfio_dma_kind_name(rec->kind),
		strerror(err), why);
}

int
vfio_dma_kernel_map(struct vfio_container *cont,
		const struct vfio_record *rec)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = rec->vaddr,
		.iova = rec->iova,
		.size = rec->len,
	};
	uint64_t t0 = now_ns();
	int ret, err;

	ret = vfio_backend()->ioctl(cont->fd, VFIO_IOMMU_MAP_DMA, &map);
	err = errno;
	cont->stats.map_calls++;
	cont->stats.map_ns += now_ns() - t0;
	if (ret != 0) {
		cont->stats.refused_kernel++;
		log_map_refusal(rec, err);
		return eal_fail(err);
	}
	if (cont->dma_avail_known && cont->dma_avail > 0)
		cont->dma_avail--;
	return 0;
}

int
vfio_dma_kernel_unmap(struct vfio_container *cont, uint64_t iova, uint64_t len,
		uint32_t flags, uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = len,
	};
	uint64_t t0 = now_ns();
	int ret, err;

	ret = vfio_backend()->ioctl(cont->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	err = errno;
	cont->stats.unmap_calls++;
	cont->stats.unmap_ns += now_ns() - t0;
	if (ret != 0) {
		cont->stats.refused_kernel++;
		EAL_LOG(ERR, "VFIO: VFIO_IOMMU_UNMAP_DMA of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " failed: %s",
			iova, len, strerror(err));
		return eal_fail(err);
	}
	*unmapped = unmap.size;
	return 0;
}
