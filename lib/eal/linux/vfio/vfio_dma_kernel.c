/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA mappings: the two kernel calls, map and unmap, through the IOMMU
 * backend (vfio_iommu.h). Every mapping and unmapping of the component
 * goes through here, so that each call is timed and counted in the container's
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
#include "vfio_iommu.h"
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
vfio_dma_kernel_map_locked(struct vfio_container *cont,
		const struct vfio_record *rec)
{
	uint64_t t0;
	int ret, err;

	vfio_assert_locked();
	t0 = now_ns();
	ret = cont->ops->map(cont, rec->vaddr, rec->iova, rec->len);
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

/* all: the whole container (iova and len are 0), else [iova, iova + len) */
static int
kernel_unmap(struct vfio_container *cont, uint64_t iova, uint64_t len,
		bool all, uint64_t *unmapped)
{
	uint64_t t0;
	int ret, err;

	vfio_assert_locked();
	t0 = now_ns();
	ret = all ? cont->ops->unmap_all(cont, unmapped) :
		cont->ops->unmap(cont, iova, len, unmapped);
	err = errno;
	cont->stats.unmap_calls++;
	cont->stats.unmap_ns += now_ns() - t0;
	if (ret != 0) {
		cont->stats.refused_kernel++;
		EAL_LOG(ERR, "VFIO: VFIO_IOMMU_UNMAP_DMA of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " failed: %s",
			iova, len, strerror(err));
		return eal_fail(err);
	}
	return 0;
}

int
vfio_dma_kernel_unmap_locked(struct vfio_container *cont, uint64_t iova,
		uint64_t len, uint64_t *unmapped)
{
	vfio_assert_locked();
	return kernel_unmap(cont, iova, len, false, unmapped);
}

int
vfio_dma_kernel_unmap_all_locked(struct vfio_container *cont,
		uint64_t *unmapped)
{
	vfio_assert_locked();
	return kernel_unmap(cont, 0, 0, true, unmapped);
}
