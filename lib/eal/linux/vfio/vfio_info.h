/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_INFO_H_
#define _VFIO_INFO_H_

/*
 * VFIO's GET_INFO answers: fetching one whose size the kernel decides, and
 * walking its capability chain without trusting the chain. One parser,
 * shared by the EAL and dpdk-vfio-diag.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include <linux/vfio.h>

/*
 * Issue the GET_INFO ioctl on buf (argsz already set to its size).
 * Returns as ioctl(2): 0, or -1 with errno.
 */
typedef int (*vfio_info_ioctl_fn)(void *ctx, void *buf);

/*
 * Fetch an answer that starts with a u32 argsz: a short buffer is answered
 * with the size the kernel needs, so grow and ask again, a bounded number
 * of times. Returns 0 with *buf (to free()) of *sz bytes, or a negative
 * errno: the ioctl's, -ENOMEM, or -E2BIG when the kernel keeps asking for
 * a larger buffer (*sz is then the last size it asked for).
 */
__rte_internal
int vfio_info_fetch(vfio_info_ioctl_fn fn, void *ctx, size_t min_sz,
		void **buf, size_t *sz);

/*
 * Call fn on each capability of the chain starting at offset first in buf
 * (sz bytes), with room the bytes from the header to the end of buf (at
 * least the header's size). The walk stops at a link that points outside
 * buf or backwards, and after 64 capabilities. A non-zero return of fn
 * stops it and is returned.
 */
typedef int (*vfio_info_cap_fn)(const struct vfio_info_cap_header *hdr,
		size_t room, void *arg);
int vfio_info_caps_walk(const void *buf, size_t sz, uint32_t first,
		vfio_info_cap_fn fn, void *arg);

/* What a type1 VFIO_IOMMU_GET_INFO answer says. */
struct vfio_iommu_info {
	bool pgsizes_known;
	uint64_t pgsizes;               /* supported IOMMU page sizes */
	bool ranges_known;              /* the IOVA_RANGE capability is there */
	struct vfio_iova_range *ranges; /* inclusive ends; to free() */
	uint32_t n_ranges;
	bool dma_avail_known;           /* the DMA_AVAIL capability is there */
	uint32_t dma_avail;             /* DMA entries left */
};

/*
 * Parse a VFIO_IOMMU_GET_INFO answer of sz bytes into out. A capability
 * cut short by the buffer is ignored. Returns 0, or -ENOMEM (out then
 * holds no ranges).
 */
__rte_internal
int vfio_iommu_info_parse(const void *buf, size_t sz,
		struct vfio_iommu_info *out);

#endif /* _VFIO_INFO_H_ */
