/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET_INFO answers and their capability chains (see vfio_info.h). Nothing
 * here takes a lock or logs: the callers (the type1 backend, the diag
 * tool) know what they asked and say it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_info.h"
#include "vfio_records.h"

/* How many times a growing answer is asked again before giving up. */
#define INFO_FETCH_TRIES 4
/* The longest chain walked: a loop in the links cannot hold the walk. */
#define INFO_CAPS_MAX 64

int
vfio_info_fetch(vfio_info_ioctl_fn fn, void *ctx, size_t min_sz, void **buf,
		size_t *sz)
{
	size_t want = min_sz;
	unsigned int tries;
	uint32_t *argsz;

	for (tries = 0; tries < INFO_FETCH_TRIES; tries++) {
		argsz = vfio_calloc(1, want);
		if (argsz == NULL)
			return -ENOMEM;
		*argsz = (uint32_t)want;
		if (fn(ctx, argsz) != 0) {
			int err = errno;

			free(argsz);
			return -err;
		}
		if (*argsz <= want) {
			*buf = argsz;
			*sz = want;
			return 0;
		}
		/* parsing with the larger size would read past the buffer */
		want = *argsz;
		free(argsz);
	}
	*sz = want;
	return -E2BIG;
}

int
vfio_info_caps_walk(const void *buf, size_t sz, uint32_t first,
		vfio_info_cap_fn fn, void *arg)
{
	const uint8_t *base = buf;
	const struct vfio_info_cap_header *hdr;
	unsigned int hops = 0;
	uint32_t off = first;
	int ret;

	while (off != 0 && off <= sz &&
			sz - off >= sizeof(struct vfio_info_cap_header) &&
			hops++ < INFO_CAPS_MAX) {
		hdr = (const void *)(base + off);
		ret = fn(hdr, sz - off, arg);
		if (ret != 0)
			return ret;
		/* forward only: a link back could loop */
		if (hdr->next <= off)
			break;
		off = hdr->next;
	}
	return 0;
}

static int
iommu_cap(const struct vfio_info_cap_header *hdr, size_t room, void *arg)
{
	struct vfio_iommu_info *out = arg;

	if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
			room >= sizeof(struct vfio_iommu_type1_info_cap_iova_range)) {
		const struct vfio_iommu_type1_info_cap_iova_range *cap =
			(const void *)hdr;
		size_t n = cap->nr_iovas;
		struct vfio_iova_range *r;

		/* ranges cut short by the buffer are not ranges to trust */
		if ((room - sizeof(*cap)) / sizeof(cap->iova_ranges[0]) < n)
			return 0;
		r = NULL;
		if (n > 0) {
			r = vfio_malloc(n * sizeof(*r));
			if (r == NULL)
				return -ENOMEM;
			memcpy(r, cap->iova_ranges, n * sizeof(*r));
		}
		free(out->ranges);
		out->ranges = r;
		out->n_ranges = (uint32_t)n;
		out->ranges_known = true;
	} else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL &&
			room >= sizeof(struct vfio_iommu_type1_info_dma_avail)) {
		const struct vfio_iommu_type1_info_dma_avail *cap =
			(const void *)hdr;

		out->dma_avail = cap->avail;
		out->dma_avail_known = true;
	}
	return 0;
}

int
vfio_iommu_info_parse(const void *buf, size_t sz, struct vfio_iommu_info *out)
{
	const struct vfio_iommu_type1_info *info = buf;
	int ret;

	memset(out, 0, sizeof(*out));
	if (sz < sizeof(*info))
		return 0;
	if (info->flags & VFIO_IOMMU_INFO_PGSIZES) {
		out->pgsizes_known = true;
		out->pgsizes = info->iova_pgsizes;
	}
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || sz <= sizeof(*info))
		return 0;
	ret = vfio_info_caps_walk(buf, sz, info->cap_offset, iommu_cap, out);
	if (ret < 0) {
		free(out->ranges);
		out->ranges = NULL;
		out->n_ranges = 0;
		out->ranges_known = false;
	}
	return ret;
}
