/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --match-allocations: dynamic hugepages go back to the system exactly in
 * the units the heap took them in (one growth, one unit), as DPDK 22.11
 * does, so that every FREE memory event covers the same range as one
 * earlier ALLOC event (drivers that register memory with a device per
 * ALLOC event rely on that).
 *
 * A unit is marked on its first page's memseg (EAL_MEMSEG_FLAG_UNIT_START,
 * set under the memory hotplug lock); it runs to the next marked page, the
 * next unused page or the end of its list. No table: the mark lives and
 * dies with the page. The heap's shrink (malloc_heap_pages.c) releases only
 * whole units lying inside one free element. Marks are set and read with
 * the lock of the heap that owns the list held (each list belongs to one
 * NUMA heap), so they need no lock of their own.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_memseg.h"
#include "eal_private.h"
#include "malloc_heap.h"

bool
malloc_match_active(void)
{
	return eal_get_internal_config()->match_allocations;
}

static struct rte_memseg *
seg_at(const struct rte_memseg_list *msl, uintptr_t va)
{
	return &msl->segs[(va - (uintptr_t)msl->base_va) / msl->page_sz];
}

void
malloc_match_mark(const struct rte_memseg_list *msl, const void *va)
{
	eal_mem_hotplug_write_lock();
	seg_at(msl, (uintptr_t)va)->flags |= EAL_MEMSEG_FLAG_UNIT_START;
	eal_mem_hotplug_write_unlock();
}

bool
malloc_match_unit(const struct rte_memseg_list *msl, uintptr_t ps,
		uintptr_t pe, size_t budget, uintptr_t *rs, uintptr_t *re)
{
	uintptr_t pg = msl->page_sz;
	uintptr_t end = (uintptr_t)msl->base_va + (uintptr_t)msl->n_segs * pg;
	uintptr_t u, e;

	for (u = ps; u < pe; u += pg) {
		if (!(seg_at(msl, u)->flags & EAL_MEMSEG_FLAG_UNIT_START))
			continue;
		for (e = u + pg; e < end; e += pg) {
			const struct rte_memseg *ms = seg_at(msl, e);

			if (ms->len == 0 || (ms->flags & EAL_MEMSEG_FLAG_UNIT_START))
				break;
		}
		if (e > pe)
			return false; /* later units start past this one */
		if (e - u <= budget) {
			*rs = u;
			*re = e;
			return true;
		}
		u = e - pg; /* too big for the budget: the next unit */
	}
	return false;
}
