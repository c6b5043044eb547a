/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The heap side of memzones: finding a block that meets a memzone's
 * constraints (alignment, a boundary it must not cross, a page size, IOVA
 * contiguity), or the largest free block for a zone of length 0.
 *
 * Unlike rte_malloc(), which takes the first free element of a large
 * enough size class, this walks the heap's elements in VA order: memzones
 * are few and reserved on slow paths, and the constraints need to look
 * inside each element (where the IOVA runs break, where the boundaries
 * fall). The heap's lock is held throughout (malloc_heap.c describes the
 * locks); a zone is an ordinary live allocation afterwards.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_private.h"
#include "malloc_elem.h"
#include "malloc_heap.h"

static bool
pgsz_ok(const struct rte_memseg_list *msl, uint64_t pgsz_mask)
{
	return pgsz_mask == 0 || (msl != NULL && (msl->page_sz & pgsz_mask) != 0);
}

/*
 * Where the IOVA-contiguous run of pages that holds va ends, capped at
 * lim; va itself when va's page has no IOVA. The pages belong to a free
 * element of the heap, so their memsegs cannot change under the heap lock.
 */
static uintptr_t
iova_run_end(const struct rte_memseg_list *msl, uintptr_t va, uintptr_t lim)
{
	uintptr_t base = (uintptr_t)msl->base_va;
	size_t pg = msl->page_sz;
	size_t i = (va - base) / pg;
	uintptr_t next = base + (i + 1) * pg;

	if (msl->segs[i].iova == RTE_BAD_IOVA)
		return va;
	for (; next < lim; i++, next += pg) {
		const struct rte_memseg *a = &msl->segs[i], *b = &msl->segs[i + 1];

		if (b->len == 0 || b->iova == RTE_BAD_IOVA || b->iova != a->iova + pg)
			return next;
	}
	return lim;
}

/* The next place to try after a run that ended at re (va's run). */
static uintptr_t
after_run(const struct rte_memseg_list *msl, uintptr_t va, uintptr_t re)
{
	if (re > va)
		return re;
	return RTE_ALIGN_FLOOR(va, (uintptr_t)msl->page_sz) + msl->page_sz;
}

/*
 * The first place in a free element for len bytes aligned to align, not
 * crossing bound, IOVA-contiguous when contig. 0 when there is none.
 */
static uintptr_t
zone_place(const struct malloc_elem *elem, size_t len, size_t align,
		size_t bound, bool contig)
{
	uintptr_t start = (uintptr_t)elem, end = start + elem->size;
	size_t need = malloc_elem_data_len(len);
	uintptr_t data, re;

	if (start + MALLOC_ELEM_HEADER_LEN > UINTPTR_MAX - align)
		return 0;
	data = RTE_ALIGN_CEIL(start + MALLOC_ELEM_HEADER_LEN, (uintptr_t)align);
	while (data < end && end - data >= need) {
		if (bound != 0 && ((data ^ (data + len - 1)) & ~((uintptr_t)bound - 1))) {
			/* Crosses: start at the boundary (len <= bound fits there). */
			data = RTE_ALIGN_CEIL(RTE_ALIGN_FLOOR(data, (uintptr_t)bound) +
				bound, (uintptr_t)align);
			continue;
		}
		if (contig) {
			re = iova_run_end(elem->msl, data, data + len);
			if (re < data + len) {
				data = RTE_ALIGN_CEIL(after_run(elem->msl, data, re),
					(uintptr_t)align);
				continue;
			}
		}
		return data;
	}
	return 0;
}

/* Largest zone a free element can hold from [d, e) (d aligned); 0: none. */
static size_t
biggest_in(const struct malloc_elem *elem, uintptr_t d, uintptr_t e)
{
	uintptr_t end = (uintptr_t)elem + elem->size;
	size_t by_run, by_elem;

	/* An element of len bytes (a cache line multiple) needs one more line. */
	if (d >= e || end - d < 2 * RTE_CACHE_LINE_SIZE)
		return 0;
	by_run = RTE_ALIGN_FLOOR(e - d, (uintptr_t)RTE_CACHE_LINE_SIZE);
	by_elem = RTE_ALIGN_FLOOR(end - d, (uintptr_t)RTE_CACHE_LINE_SIZE) -
		RTE_CACHE_LINE_SIZE;
	return RTE_MIN(by_run, by_elem);
}

/* The largest zone in a free element and where its data starts. */
static size_t
zone_biggest(const struct malloc_elem *elem, size_t align, bool contig,
		uintptr_t *data_out)
{
	uintptr_t start = (uintptr_t)elem, end = start + elem->size;
	uintptr_t d, re;
	size_t best = 0, l;

	if (start + MALLOC_ELEM_HEADER_LEN > UINTPTR_MAX - align)
		return 0;
	d = RTE_ALIGN_CEIL(start + MALLOC_ELEM_HEADER_LEN, (uintptr_t)align);
	if (!contig) {
		best = biggest_in(elem, d, end);
		*data_out = d;
		return best;
	}
	while (d < end) {
		re = iova_run_end(elem->msl, d, end);
		l = biggest_in(elem, d, re);
		if (l > best) {
			best = l;
			*data_out = d;
		}
		d = RTE_ALIGN_CEIL(after_run(elem->msl, d, re), (uintptr_t)align);
	}
	return best;
}

/* Make the chosen place a live allocation; heap lock held. */
static void *
zone_take(struct malloc_heap *heap, struct malloc_elem *elem, uintptr_t data,
		size_t len, struct malloc_zone_block *out)
{
	struct malloc_elem_fit fit;
	struct malloc_elem *busy;

	malloc_elem_fit_at(elem, data, len, &fit);
	busy = malloc_elem_alloc(elem, len, &fit);
	heap->busy_size += busy->size;
	heap->alloc_count++;
	out->addr = malloc_elem_data(busy);
	out->len = len;
	out->msl = busy->msl;
	return out->addr;
}

/* First free element of the heap with a place for the zone; heap lock held. */
static struct malloc_elem *
zone_find(struct malloc_heap *heap, size_t len, size_t align, size_t bound,
		uint64_t pgsz_mask, bool contig, uintptr_t *data)
{
	struct malloc_elem *elem;

	for (elem = heap->first; elem != NULL; elem = elem->next) {
		if (elem->state != ELEM_FREE || !pgsz_ok(elem->msl, pgsz_mask))
			continue;
		*data = zone_place(elem, len, align, bound, contig);
		if (*data != 0)
			return elem;
	}
	return NULL;
}

/* A zone of len > 0 on one heap, growing it when allowed. */
static int
zone_alloc_on(struct malloc_heap *heap, size_t len, size_t align, size_t bound,
		uint64_t pgsz_mask, bool contig, struct malloc_zone_block *out)
{
	struct malloc_elem *elem;
	uintptr_t data = 0;
	int err = ENOMEM;

	malloc_heap_lock(&heap->lock);
	if (!heap->active) {
		malloc_heap_unlock(&heap->lock);
		return eal_fail(ENOMEM);
	}
	elem = zone_find(heap, len, align, bound, pgsz_mask, contig, &data);
	if (elem == NULL && malloc_heaps_dynamic && !heap->external) {
		/*
		 * New pages start page aligned: data aligned to the bound as
		 * well cannot cross it. In IOVA as PA the new pages may still
		 * not be IOVA-contiguous; then the search fails again.
		 */
		if (malloc_heap_grow(heap, len, RTE_MAX(align, bound), pgsz_mask) == 0)
			elem = zone_find(heap, len, align, bound, pgsz_mask,
				contig, &data);
		else
			err = rte_errno;
	}
	if (elem != NULL)
		zone_take(heap, elem, data, len, out);
	malloc_heap_unlock(&heap->lock);
	return elem != NULL ? 0 : eal_fail(err);
}

/* The largest free block of a heap; 0 when it has none. Heap lock held. */
static size_t
heap_biggest(struct malloc_heap *heap, size_t align, uint64_t pgsz_mask,
		bool contig, struct malloc_elem **best_elem, uintptr_t *best_data)
{
	struct malloc_elem *elem;
	size_t best = 0, l;
	uintptr_t d = 0;

	if (!heap->active)
		return 0;
	for (elem = heap->first; elem != NULL; elem = elem->next) {
		if (elem->state != ELEM_FREE || !pgsz_ok(elem->msl, pgsz_mask))
			continue;
		l = zone_biggest(elem, align, contig, &d);
		if (l > best) {
			best = l;
			*best_elem = elem;
			*best_data = d;
		}
	}
	return best;
}

/* Heaps a request for socket may use, the caller's node first. */
static unsigned int
zone_heaps(int socket, struct malloc_heap **heaps)
{
	unsigned int n = 0;
	struct malloc_heap *heap;
	int local, i;

	if (socket != SOCKET_ID_ANY) {
		heap = malloc_heap_by_socket(socket);
		if (heap != NULL)
			heaps[n++] = heap;
		return n;
	}
	local = malloc_heap_caller_socket();
	for (i = -1; i < RTE_MAX_NUMA_NODES; i++) {
		if (i == local)
			continue;
		heap = malloc_heap_by_socket(i < 0 ? local : i);
		if (heap != NULL)
			heaps[n++] = heap;
	}
	return n;
}

int
malloc_heap_alloc_zone(size_t len, size_t align, size_t bound, int socket,
		uint64_t pgsz_mask, bool contig, struct malloc_zone_block *out)
{
	struct malloc_heap *heaps[RTE_MAX_NUMA_NODES];
	struct malloc_heap *best_heap = NULL;
	struct malloc_elem *elem = NULL;
	unsigned int n, i;
	size_t best = 0, l;
	uintptr_t data = 0;

	n = zone_heaps(socket, heaps);
	if (n == 0)
		return eal_fail(socket == SOCKET_ID_ANY ? ENOMEM : EINVAL);
	if (len != 0) {
		for (i = 0; i < n; i++) {
			if (zone_alloc_on(heaps[i], len, align, bound, pgsz_mask,
					contig, out) == 0)
				return 0;
			if (rte_errno != ENOMEM)
				return -1;
		}
		return eal_fail(ENOMEM);
	}
	/* The largest block: find the heap, then take it under its lock. */
	for (i = 0; i < n; i++) {
		malloc_heap_lock(&heaps[i]->lock);
		l = heap_biggest(heaps[i], align, pgsz_mask, contig, &elem, &data);
		malloc_heap_unlock(&heaps[i]->lock);
		if (l > best) {
			best = l;
			best_heap = heaps[i];
		}
	}
	if (best_heap == NULL)
		return eal_fail(ENOMEM);
	malloc_heap_lock(&best_heap->lock);
	/* Looked up again: another thread may have used it meanwhile. */
	l = heap_biggest(best_heap, align, pgsz_mask, contig, &elem, &data);
	if (l != 0)
		zone_take(best_heap, elem, data, l, out);
	malloc_heap_unlock(&best_heap->lock);
	return l != 0 ? 0 : eal_fail(ENOMEM);
}
