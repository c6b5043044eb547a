/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pages of the NUMA heaps: growth (new pages from the memory layer, mapped
 * by the ALLOC memory event before the heap hands them out) and release
 * (the FREE event, which unmaps them, before they go back to the system).
 * Every function here runs with the heap's lock held (malloc_heap.c
 * describes the locks and their order).
 */

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "malloc_elem.h"
#include "malloc_heap.h"

#define MAX_PAGE_SIZES 8

/* Release whole pages [va, va + len): FREE event first, then the pages. */
static void
release_pages(void *va, size_t len)
{
	eal_mem_hotplug_write_lock();
	eal_mem_event_notify(RTE_MEM_EVENT_FREE, va, len);
	if (eal_memalloc_free_pages(va, len) < 0)
		EAL_LOG(ERR, "heap: releasing pages %p-%p failed (%s); they stay allocated but unused",
			va, RTE_PTR_ADD(va, len), rte_strerror(rte_errno));
	eal_mem_hotplug_write_unlock();
}

static bool
page_releasable(const struct rte_memseg_list *msl, uintptr_t va)
{
	const struct rte_memseg *ms;

	ms = &msl->segs[(va - (uintptr_t)msl->base_va) / msl->page_sz];
	return ms->len != 0 && !(ms->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE);
}

/*
 * Free memory a NUMA heap keeps (its own, still mapped) instead of giving
 * it back at once: without it, alternating malloc/free would release a
 * page and take it again (with an UNMAP_DMA and a MAP_DMA when a device
 * is attached) on every pair. At least one page of the freed memory's
 * size, and up to heap_keep_bytes (rte_malloc_heap_keep_set(),
 * --heap-keep). Read under a heap's lock, written atomically.
 */
static size_t heap_keep_bytes = MALLOC_HEAP_KEEP_DEFAULT;

void
malloc_heap_keep_set(size_t bytes)
{
	__atomic_store_n(&heap_keep_bytes, bytes, __ATOMIC_RELAXED);
}

size_t
malloc_heap_keep_get(void)
{
	return __atomic_load_n(&heap_keep_bytes, __ATOMIC_RELAXED);
}

/*
 * Take pages [rs, re) out of free element elem and give them back to the
 * system. What is left before stays elem, what is left after becomes a
 * new element, which is returned (NULL if none).
 */
static struct malloc_elem *
heap_cut_pages(struct malloc_elem *elem, uintptr_t rs, uintptr_t re)
{
	struct malloc_heap *heap = elem->heap;
	uintptr_t start = (uintptr_t)elem;
	uintptr_t end = start + elem->size;
	struct malloc_elem *tail = NULL;

	malloc_elem_free_list_remove(elem);
	if (end > re) {
		tail = malloc_elem_init((void *)re, heap, elem->msl, end - re,
			ELEM_FREE);
		malloc_elem_insert_after(elem, tail);
		malloc_elem_free_list_insert(tail);
	}
	if (rs > start) {
		elem->size = rs - start;
		malloc_elem_free_list_insert(elem);
	} else {
		malloc_elem_unlink(elem);
		malloc_elem_forget(elem);
	}
	heap->total_size -= re - rs;
	release_pages((void *)rs, re - rs);
	return tail;
}

/* Free bytes of the heap beyond what it keeps; 0 when it keeps them all. */
static size_t
heap_excess(const struct malloc_heap *heap, size_t keep)
{
	size_t free_bytes = heap->total_size - heap->busy_size;

	return free_bytes > keep ? free_bytes - keep : 0;
}

/*
 * Give whole pages of free element elem of dynamic memory back to the
 * system, at most budget bytes of them (SIZE_MAX: all), keeping partial
 * head and tail pages (if big enough for an element) in the heap.
 * Returns the bytes released. Heap lock held.
 */
static size_t
shrink_elem(struct malloc_elem *elem, size_t budget)
{
	const struct rte_memseg_list *msl = elem->msl;
	uintptr_t start, end, ps, pe, rs, re;
	size_t pg, released = 0;

	if (!malloc_heaps_dynamic || msl == NULL || msl->external ||
			eal_memseg_list_is_static(msl))
		return 0;
	pg = msl->page_sz;
	while (elem != NULL && budget - released >= pg) {
		start = (uintptr_t)elem;
		end = start + elem->size;
		ps = RTE_ALIGN_CEIL(start, (uintptr_t)pg);
		if (ps != start && ps - start < MALLOC_ELEM_MIN_LEN)
			ps += pg;
		pe = RTE_ALIGN_FLOOR(end, (uintptr_t)pg);
		if (pe != end && end - pe < MALLOC_ELEM_MIN_LEN)
			pe -= pg;
		if (pe <= ps || pe - ps < pg)
			break;
		if (malloc_match_active()) {
			/* --match-allocations: whole growth units only */
			if (!malloc_match_unit(msl, ps, pe, budget - released,
					&rs, &re))
				break;
		} else {
			/* Pages the memory layer wants kept (DO_NOT_FREE) stay. */
			for (rs = ps; rs < pe && !page_releasable(msl, rs); rs += pg)
				;
			for (re = rs; re < pe && page_releasable(msl, re); re += pg)
				;
			if (rs == re)
				break;
			/* over the budget: give back the highest pages, keep the rest */
			if (re - rs > budget - released)
				rs = re - RTE_ALIGN_FLOOR(budget - released, pg);
		}
		released += re - rs;
		elem = heap_cut_pages(elem, rs, re);
	}
	return released;
}

void
malloc_heap_shrink(struct malloc_elem *elem)
{
	const struct rte_memseg_list *msl = elem->msl;
	size_t keep;

	if (msl == NULL)
		return;
	keep = RTE_MAX(malloc_heap_keep_get(), (size_t)msl->page_sz);
	shrink_elem(elem, heap_excess(elem->heap, keep));
}

size_t
malloc_heap_trim(struct malloc_heap *heap, size_t keep, bool keep_a_page)
{
	size_t released = 0, n;
	struct malloc_elem *e;

	/* a release reshapes the list: look again from the start */
	do {
		n = 0;
		for (e = heap->first; e != NULL; e = e->next) {
			if (e->state != ELEM_FREE)
				continue;
			n = shrink_elem(e, heap_excess(heap, keep_a_page && e->msl != NULL ?
				RTE_MAX(keep, (size_t)e->msl->page_sz) : keep));
			if (n != 0)
				break; /* e may be gone with its pages */
		}
		released += n;
	} while (n != 0);
	return released;
}

/*
 * Page sizes to grow with, best first: least memory, then fewest pages.
 * Only sizes in pgsz_mask (an OR of page sizes; 0: any) are kept.
 */
static unsigned int
growth_page_sizes(size_t need, uint64_t pgsz_mask, uint64_t *sizes)
{
	unsigned int n = eal_memalloc_page_sizes(sizes, MAX_PAGE_SIZES);
	unsigned int i, j, k;

	if (pgsz_mask != 0) {
		for (i = 0, k = 0; i < n; i++)
			if (sizes[i] & pgsz_mask)
				sizes[k++] = sizes[i];
		n = k;
	}

	for (i = 1; i < n; i++) {
		for (j = i; j > 0; j--) {
			uint64_t a = RTE_ALIGN_CEIL((uint64_t)need, sizes[j - 1]);
			uint64_t b = RTE_ALIGN_CEIL((uint64_t)need, sizes[j]);
			uint64_t t;

			if (a < b || (a == b && sizes[j - 1] > sizes[j]))
				break;
			t = sizes[j];
			sizes[j] = sizes[j - 1];
			sizes[j - 1] = t;
		}
	}
	return n;
}

/*
 * Give back the free pages every NUMA heap keeps, for an allocation in
 * heap (whose lock the caller holds). Returns the bytes released.
 */
static size_t
malloc_heaps_trim_for(struct malloc_heap *heap)
{
	size_t released = malloc_heap_trim(heap, 0, false);
	unsigned int i;

	for (i = 0; i < RTE_DIM(malloc_numa_heaps); i++) {
		struct malloc_heap *other = &malloc_numa_heaps[i];

		if (other == heap || malloc_heap_trylock(&other->lock) != 0)
			continue;
		if (other->active)
			released += malloc_heap_trim(other, 0, false);
		malloc_heap_unlock(&other->lock);
	}
	if (released > 0)
		EAL_LOG(DEBUG, "heap %s: gave back %zu bytes of kept free pages to grow",
			heap->name, released);
	return released;
}

/*
 * Add enough new pages to a NUMA heap for req bytes aligned to align, of
 * a page size in pgsz_mask (an OR of page sizes; 0: any). Heap lock held. Returns 0, or -1 with rte_errno ENOMEM or the rte_errno
 * of the memory event callback that refused the pages.
 */
int
malloc_heap_grow(struct malloc_heap *heap, size_t req, size_t align,
		uint64_t pgsz_mask)
{
	/*
	 * New pages start page aligned, so the data starts at most align
	 * (at least a header) past their start, whatever the page size.
	 */
	size_t need = RTE_MAX(align, MALLOC_ELEM_HEADER_LEN) +
		malloc_elem_data_len(req);
	uint64_t sizes[MAX_PAGE_SIZES];
	struct rte_memseg_list *msl;
	unsigned int i, n, cap = 0;
	uint64_t n_pages, big_sz = 0, big_pages = 0;
	bool trimmed = false;
	size_t len;
	void *va;
	int err;

	n = growth_page_sizes(need, pgsz_mask, sizes);
retry:
	for (i = 0; i < n; i++) {
		n_pages = RTE_ALIGN_CEIL((uint64_t)need, sizes[i]) / sizes[i];
		if (n_pages > UINT_MAX || n_pages * sizes[i] > SIZE_MAX)
			continue;
		len = (size_t)(n_pages * sizes[i]);
		if (eal_mem_growth_validate(heap->socket_id, heap->total_size + len) < 0)
			return -1;
		eal_mem_hotplug_write_lock();
		va = eal_memalloc_alloc_pages(heap->socket_id, sizes[i],
			(unsigned int)n_pages);
		if (va == NULL) {
			if (rte_errno == E2BIG && big_sz == 0) {
				big_sz = sizes[i];
				big_pages = n_pages;
				cap = eal_memalloc_list_capacity(heap->socket_id, sizes[i]);
			}
			eal_mem_hotplug_write_unlock();
			continue;
		}
		if (eal_mem_event_notify(RTE_MEM_EVENT_ALLOC, va, len) < 0) {
			err = rte_errno;
			if (eal_memalloc_free_pages(va, len) < 0)
				EAL_LOG(ERR, "heap %s: releasing refused pages %p-%p failed (%s)",
					heap->name, va, RTE_PTR_ADD(va, len),
					rte_strerror(rte_errno));
			eal_mem_hotplug_write_unlock();
			EAL_LOG(ERR, "heap %s: %zu bytes of new pages refused by a memory event callback (%s): the allocation of %zu bytes fails",
				heap->name, len, rte_strerror(err), req);
			return eal_fail(err);
		}
		eal_mem_hotplug_write_unlock();
		/* A DMA mask set by a driver: pages beyond it are given back. */
		if (eal_mem_growth_dma_ok(va, len) < 0) {
			release_pages(va, len);
			return -1;
		}
		/* Nobody else frees heap pages: the lookup may take the lock itself. */
		msl = rte_mem_virt2memseg_list(va);
		if (msl == NULL) {
			EAL_LOG(ERR, "heap %s: new pages at %p belong to no memseg list",
				heap->name, va);
			release_pages(va, len);
			return eal_fail(EFAULT);
		}
		if (malloc_match_active())
			malloc_match_mark(msl, va);
		malloc_heap_add_memory(heap, va, len, msl);
		EAL_LOG(DEBUG, "heap %s: grew by %" PRIu64 " page(s) of %" PRIu64 " bytes at %p",
			heap->name, n_pages, sizes[i], va);
		return 0;
	}
	/*
	 * Under pressure, the free pages the heaps keep go back first (the
	 * other heaps' only when their lock is free: taking it here could
	 * deadlock with a thread growing that heap), then one more try.
	 */
	if (!trimmed && big_sz == 0 && malloc_heaps_trim_for(heap) > 0) {
		trimmed = true;
		goto retry;
	}
	if (big_sz != 0) {
		/* free memory cannot help: say which limit and how to get past it */
		EAL_LOG(ERR, "heap %s: %zu bytes need %" PRIu64 " contiguous pages of %" PRIu64 " kB, but one memseg list holds at most %u (RTE_MAX_MEMSEG_PER_LIST %u, RTE_MAX_MEM_MB_PER_LIST %u in config/rte_config.h): use larger (huge) pages, static --no-huge memory (-m without --dynamic-mem), or build with larger limits",
			heap->name, req, big_pages, big_sz >> 10, cap,
			(unsigned int)RTE_MAX_MEMSEG_PER_LIST,
			(unsigned int)RTE_MAX_MEM_MB_PER_LIST);
	}
	return eal_fail(ENOMEM);
}
