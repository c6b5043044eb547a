/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_MODEL_STORE_H_
#define _VFIO_MODEL_STORE_H_

/*
 * The model's own store of "kernel" mappings: a sorted array searched by
 * binary search. It is deliberately independent of the product's record
 * engine (lib/eal/linux/vfio/vfio_records.c): the conformance suite and
 * the unit tests compare that engine with this model, so the model must
 * not be built on it. Type1 vfio_dmas and iommufd areas are both kept
 * here; the entries never overlap and are ordered by IOVA.
 *
 * Entries are addressed by index; an insert or a removal moves the
 * entries after it (O(n) memmove, fine for a test oracle). No locking:
 * the model's lock covers every store.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct model_group;

struct model_dma {
	uint64_t iova;
	uint64_t size;
	uint64_t vaddr;
	uint32_t prot;          /* VFIO_DMA_MAP_FLAG_READ/WRITE, IOMMU_IOAS_MAP_* */
	bool vaddr_invalid;     /* type1 UNMAP_FLAG_VADDR applied */
	bool accounted;         /* charged to locked memory (not PFNMAP) */
	/*
	 * iommufd IOMMU_IOAS_MAP_FILE of a VFIO dma-buf: a BAR range, no
	 * pages to pin or charge; dead once its device is closed (revoked
	 * also while the device's memory decode is off).
	 */
	bool dmabuf;
	bool dead;
	const struct model_group *dg;
	unsigned int ddev;
};

struct model_store {
	struct model_dma *v;
	size_t n;
	size_t cap;
	uint64_t bytes;         /* sum of sizes */
};

void model_store_init(struct model_store *s);
void model_store_fini(struct model_store *s);

/* The last byte of an entry (entries never wrap). */
static inline uint64_t
model_dma_last(const struct model_dma *d)
{
	return d->iova + d->size - 1;
}

/*
 * Index of the lowest entry intersecting [iova, last] (inclusive), or
 * s->n when none does.
 */
size_t model_store_first_overlap(const struct model_store *s, uint64_t iova,
		uint64_t last);

/* Index of the entry holding iova, or -1. */
long model_store_find(const struct model_store *s, uint64_t iova);

/*
 * Insert a copy of *d at its place. The caller has checked that it does
 * not overlap. Returns its index, or -ENOMEM.
 */
long model_store_insert(struct model_store *s, const struct model_dma *d);

/* Remove entry i. */
void model_store_remove(struct model_store *s, size_t i);

/*
 * Cut entry i in two at IOVA at (iova < at <= last): the second part
 * becomes entry i + 1 with the vaddr advanced. Returns 0 or -ENOMEM.
 * Only iommufd's type1 v1 emulation splits mappings.
 */
int model_store_split(struct model_store *s, size_t i, uint64_t at);

/* Sorted, non-overlapping, no wrap, no empty entry, bytes right: 0 or -1. */
int model_store_check(const struct model_store *s);

#endif /* _VFIO_MODEL_STORE_H_ */
