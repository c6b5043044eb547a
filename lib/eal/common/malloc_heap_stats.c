/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the heaps report: rte_malloc_get_socket_stats(), the dumps, and the
 * IOVA of an address inside a live allocation. Locks are described in
 * malloc_heap.c.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "eal_private.h"
#include "malloc_elem.h"
#include "malloc_heap.h"

/* Free-list statistics of a heap; its lock held. */
static void
heap_stats(const struct malloc_heap *heap, struct rte_malloc_socket_stats *st)
{
	const struct malloc_elem *elem;
	unsigned int c;

	memset(st, 0, sizeof(*st));
	for (c = 0; c < MALLOC_FREE_LISTS; c++) {
		for (elem = heap->free_head[c]; elem != NULL; elem = elem->fl_next) {
			st->free_count++;
			st->heap_freesz_bytes += elem->size;
			st->greatest_free_size = RTE_MAX(st->greatest_free_size,
				elem->size);
		}
	}
	st->heap_totalsz_bytes = heap->total_size;
	st->heap_allocsz_bytes = heap->busy_size;
	st->alloc_count = heap->alloc_count;
}

int
malloc_heap_get_stats(int socket, struct rte_malloc_socket_stats *stats)
{
	struct malloc_heap *heap = malloc_heap_by_socket(socket);

	if (stats == NULL) {
		EAL_LOG(ERR, "rte_malloc_get_socket_stats: NULL stats");
		return eal_fail(EINVAL);
	}
	if (heap == NULL) {
		EAL_LOG(ERR, "rte_malloc_get_socket_stats: no heap for socket %d",
			socket);
		return eal_fail(EINVAL);
	}
	malloc_heap_lock(&heap->lock);
	if (!heap->active) {
		malloc_heap_unlock(&heap->lock);
		EAL_LOG(ERR, "rte_malloc_get_socket_stats: no heap for socket %d",
			socket);
		return eal_fail(EINVAL);
	}
	heap_stats(heap, stats);
	malloc_heap_unlock(&heap->lock);
	return 0;
}

static void
dump_heap(struct malloc_heap *heap, FILE *f, bool elems)
{
	struct rte_malloc_socket_stats st;
	const struct malloc_elem *elem;

	malloc_heap_lock(&heap->lock);
	if (!heap->active) {
		malloc_heap_unlock(&heap->lock);
		return;
	}
	heap_stats(heap, &st);
	fprintf(f, "heap %s (socket %d%s): total %zu, free %zu in %u block(s) (largest %zu), allocated %zu in %u block(s)\n",
		heap->name, heap->socket_id, heap->external ? ", external" : "",
		st.heap_totalsz_bytes, st.heap_freesz_bytes, st.free_count,
		st.greatest_free_size, st.heap_allocsz_bytes, st.alloc_count);
	for (elem = heap->first; elems && elem != NULL; elem = elem->next)
		malloc_elem_dump(elem, f);
	malloc_heap_unlock(&heap->lock);
}

static void
dump_all(FILE *f, bool elems)
{
	unsigned int i;

	if (f == NULL)
		f = stdout;
	for (i = 0; i < RTE_DIM(malloc_numa_heaps); i++)
		dump_heap(&malloc_numa_heaps[i], f, elems);
	for (i = 0; i < RTE_DIM(malloc_ext_heaps); i++)
		dump_heap(&malloc_ext_heaps[i], f, elems);
}

void
malloc_heap_dump_stats(FILE *f)
{
	dump_all(f, false);
}

void
malloc_heap_dump(FILE *f)
{
	dump_all(f, true);
}

/* The heap element holding addr in a live allocation; heap lock held. */
static const struct malloc_elem *
busy_elem_holding(const struct malloc_heap *heap, const void *addr)
{
	const struct malloc_elem *elem;
	uintptr_t a = (uintptr_t)addr, data;

	for (elem = heap->first; elem != NULL; elem = elem->next) {
		if ((uintptr_t)elem > a)
			break;
		if (elem->state != ELEM_BUSY)
			continue;
		data = (uintptr_t)malloc_elem_data(elem);
		if (a >= data && a < data + malloc_elem_usable(elem))
			return elem;
	}
	return NULL;
}

/* Heap lock held: a live allocation holding addr, fast path first. */
static const struct malloc_elem *
find_busy(struct malloc_heap *heap, const void *addr,
		const struct malloc_elem *candidate)
{
	if (candidate != NULL && candidate->heap == heap &&
			malloc_elem_cookie_ok(candidate) &&
			candidate->state == ELEM_BUSY &&
			malloc_elem_data(candidate) == addr)
		return candidate;
	return busy_elem_holding(heap, addr);
}

rte_iova_t
malloc_heap_virt2iova(const void *addr)
{
	const struct malloc_elem *candidate = NULL, *elem = NULL;
	struct malloc_heap *heaps[2] = { malloc_numa_heaps, malloc_ext_heaps };
	unsigned int n[2] = { RTE_DIM(malloc_numa_heaps), RTE_DIM(malloc_ext_heaps) };
	const struct rte_memseg *ms;
	const struct rte_memseg_list *msl = NULL;
	unsigned int k, i;

	if (addr == NULL || rte_mem_virt2memseg_list(addr) == NULL)
		goto bad;
	/* Most callers pass the pointer rte_malloc returned. */
	candidate = malloc_heap_elem_candidate(addr, "rte_malloc_virt2iova", true);
	for (k = 0; k < 2 && elem == NULL; k++) {
		for (i = 0; i < n[k] && elem == NULL; i++) {
			struct malloc_heap *heap = &heaps[k][i];

			malloc_heap_lock(&heap->lock);
			if (heap->active) {
				elem = find_busy(heap, addr, candidate);
				if (elem != NULL)
					msl = elem->msl;
			}
			malloc_heap_unlock(&heap->lock);
		}
	}
	if (elem == NULL)
		goto bad;
	ms = rte_mem_virt2memseg(addr, msl);
	if (ms == NULL)
		goto bad;
	if (ms->iova == RTE_BAD_IOVA) {
		/* Expected: external memory added without IOVAs has none. */
		rte_errno = ENOENT;
		return RTE_BAD_IOVA;
	}
	return ms->iova + RTE_PTR_DIFF(addr, ms->addr);
bad:
	EAL_LOG(ERR, "rte_malloc_virt2iova(%p): not inside a live heap allocation",
		addr);
	rte_errno = EINVAL;
	return RTE_BAD_IOVA;
}
