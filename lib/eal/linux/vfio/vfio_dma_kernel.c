/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA mappings: the two kernel calls, map and unmap, through the IOMMU
 * backend (vfio_iommu.h); on native iommufd a device-memory unit is mapped
 * from its BAR's dma-buf (vfio_dmabuf.c: the export and the
 * IOMMU_IOAS_MAP_FILE count as other calls and a map call, as here).
 * Every mapping and unmapping of the component goes through here, so that
 * each call is timed (by the CPU's counter, eal_cpu_ticks.h) and counted in
 * the container's statistics, and a refusal is logged once with what the user can do
 * about it. The records are not touched: that is vfio_dma.c's part.
 *
 * Everything here runs with the VFIO lock held (vfio_container.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_vfio.h>

#include "eal_cpu_ticks.h"
#include "eal_private.h"
#include "vfio_dmabuf.h"
#include "vfio_iommu.h"
#include "vfio_private.h"

/* the counter's origin for the stats' map_ns/unmap_ns (under the VFIO lock) */
static struct eal_ticks_cal stats_cal;

uint64_t
vfio_dma_kernel_ns(uint64_t ticks)
{
	vfio_assert_locked();
	return eal_ticks_ns(&stats_cal, ticks);
}

/*
 * Log a map the kernel refused, with what the user can do; returns the
 * errno to report. Native iommufd pins pages by their address and has no
 * way to map device memory so (a BAR mmap is PFNMAP: EFAULT), nor has its
 * emulation of the type1 container: that is ENOTSUP, with the alternatives
 * named.
 */
static int
log_map_refusal(const struct vfio_container *cont,
		const struct vfio_record *rec, int err, const char *call)
{
	const bool dmabuf = call != NULL;
	const char *why;

	if (call == NULL)
		call = cont->ops->cdev ? "IOMMU_IOAS_MAP" : "VFIO_IOMMU_MAP_DMA";
	/* a dma-buf map has no pages: only its revocation has a known fix */
	switch (dmabuf && err != ENODEV ? 0 : err) {
	case ENODEV:
		if (rec->kind != VFIO_REC_DEVICE || !vfio_dmabuf_used(cont)) {
			why = "refused by the kernel";
			break;
		}
		EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " (BAR %u + 0x%" PRIx64 ", %s) failed: %s: the device's dma-buf is revoked: its memory decode is off (PCI command register), it is being reset, or it was closed; enable memory decode or map it after the reset",
			call, rec->iova, rec->len, rec->bar, rec->bar_off,
			vfio_dma_kind_name(rec->kind), strerror(err));
		return err;
	case ENOMEM:
		why = "locked-memory limit (RLIMIT_MEMLOCK) reached or out of memory: raise it (ulimit -l, systemd LimitMEMLOCK=, a container runtime's memlock ulimit such as docker --ulimit memlock=-1) or give the process CAP_IPC_LOCK";
		break;
	case EFAULT:
		/*
		 * Device memory the map-time probe did not recognise: neither
		 * iommufd nor its emulation of type1 maps a PFNMAP range by
		 * its address; the cause and the way out differ.
		 */
		if ((cont->iommufd_compat || cont->ops->cdev) &&
				rec->kind == VFIO_REC_USER &&
				vfio_dma_pfnmap_bytes(rec->vaddr, rec->len) > 0) {
			EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " (vaddr 0x%" PRIx64 ", %s) refused: the range is device memory (a PFNMAP mapping such as a VFIO BAR)%s (ENOTSUP)",
				call, rec->iova, rec->len, rec->vaddr,
				vfio_dma_kind_name(rec->kind),
				cont->iommufd_compat ? " and " VFIO_COMPAT_NO_P2P :
				" not recognised as a BAR of a device open through this EAL, and native iommufd maps device memory only from its device's dma-buf (IOMMU_IOAS_MAP_FILE, Linux 6.19+), not by address: map a BAR of a device set up with rte_vfio_setup_device(), or use --vfio-mode=group");
			return ENOTSUP;
		}
		why = "the virtual range is not mapped with read/write access in this process";
		break;
	case ENOSPC:
		why = "no DMA entry left: raise vfio_iommu_type1's dma_entry_limit (" VFIO_DMA_ENTRY_LIMIT_PATH ", set before the container's IOMMU is set) or back the memory with 2 MiB or 1 GiB hugepages so fewer entries are needed";
		break;
	default:
		why = "refused by the kernel";
		break;
	}
	EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " (vaddr 0x%" PRIx64 ", %s) failed: %s: %s",
		call, rec->iova, rec->len, rec->vaddr,
		vfio_dma_kind_name(rec->kind), strerror(err), why);
	return err;
}

int
vfio_dma_kernel_map_locked(struct vfio_container *cont,
		const struct vfio_record *rec)
{
	uint64_t t0;
	int ret, err;
	const char *call = NULL;

	vfio_assert_locked();
	t0 = eal_ticks_start(&stats_cal);
	/* device memory on iommufd: its BAR's dma-buf (vfio_dmabuf.c) */
	if (rec->kind == VFIO_REC_DEVICE && vfio_dmabuf_used(cont))
		ret = vfio_dmabuf_map_locked(cont, rec, &call);
	else
		ret = cont->ops->map(cont, rec->vaddr, rec->iova, rec->len);
	err = errno;
	cont->stats.map_calls++;
	cont->stats.map_ns += eal_cpu_ticks() - t0;
	if (ret != 0) {
		cont->stats.refused_kernel++;
		return eal_fail(log_map_refusal(cont, rec, err, call));
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
	t0 = eal_ticks_start(&stats_cal);
	ret = all ? cont->ops->unmap_all(cont, unmapped) :
		cont->ops->unmap(cont, iova, len, unmapped);
	err = errno;
	cont->stats.unmap_calls++;
	cont->stats.unmap_ns += eal_cpu_ticks() - t0;
	if (ret != 0) {
		cont->stats.refused_kernel++;
		EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " failed: %s",
			cont->ops->cdev ? "IOMMU_IOAS_UNMAP" : "VFIO_IOMMU_UNMAP_DMA",
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
