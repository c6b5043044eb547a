/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap integration: the memory event callback that maps heap memory into
 * the default container before it is handed out, and unmaps it before it
 * goes back to the system.
 *
 * Units (DESIGN principle 1): one per memseg in a dynamic list, one per
 * IOVA-contiguous run in a static list (--no-huge, --legacy-mem, external
 * heap memory), since such memory is only ever released as a whole.
 *
 * The callback runs with the memory hotplug lock held for writing, so it
 * uses the thread-unsafe list walk and reads segs[] directly; then it
 * takes the VFIO lock (innermost, see vfio_container.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "vfio_private.h"

#define VFIO_MEM_CB_NAME "vfio_dma_map"

struct find_list {
	const void *addr;
	const struct rte_memseg_list *msl;
};

static int
find_list_cb(const struct rte_memseg_list *msl, void *arg)
{
	struct find_list *f = arg;
	uintptr_t a = (uintptr_t)f->addr, base = (uintptr_t)msl->base_va;

	if (a >= base && a - base < msl->len) {
		f->msl = msl;
		return 1;
	}
	return 0;
}

/* The memsegs [*first, *first + *count) of *msl_out holding [addr, addr + len). */
static int
find_segs(const void *addr, size_t len, const struct rte_memseg_list **msl_out,
		size_t *first, size_t *count)
{
	struct find_list f = { .addr = addr, .msl = NULL };
	const struct rte_memseg_list *msl;

	rte_memseg_list_walk_thread_unsafe(find_list_cb, &f);
	msl = f.msl;
	if (msl == NULL || msl->page_sz == 0) {
		EAL_LOG(ERR, "VFIO: memory event for [%p, +0x%zx) outside every memseg list: not mapped (EINVAL)",
			addr, len);
		return eal_fail(EINVAL);
	}
	*first = RTE_PTR_DIFF(addr, msl->base_va) / msl->page_sz;
	*count = len / msl->page_sz;
	if (*first + *count > msl->n_segs || len % msl->page_sz != 0) {
		EAL_LOG(ERR, "VFIO: memory event for [%p, +0x%zx) is not whole pages of its list (page size 0x%" PRIx64 ") (EINVAL)",
			addr, len, msl->page_sz);
		return eal_fail(EINVAL);
	}
	*msl_out = msl;
	return 0;
}

/*
 * End (exclusive index, at most end) of the run of segments from i on that
 * each continue the previous one in VA and IOVA, and its length in bytes
 * in *len; segs[i] must be usable. A static list is mostly one
 * IOVA-contiguous run of thousands of pages: this tight scan is the only
 * per-page work of its mapping and unmapping.
 */
static size_t
contig_end(const struct rte_memseg_list *msl, size_t i, size_t end,
		uint64_t *len)
{
	const struct rte_memseg *segs = msl->segs;
	uint64_t iova = segs[i].iova, va = segs[i].addr_64;
	const struct rte_memseg *ms = &segs[i], *stop = &segs[end];

	/* one run since its creation (external memory): nothing to scan */
	if (eal_memseg_list_is_iova_contig(msl)) {
		*len = (uint64_t)(end - i) * msl->page_sz;
		return end;
	}
	/* an unused seg or one without IOVA ends the run */
	do {
		iova += ms->len;
		va += ms->len;
		ms++;
	} while (ms != stop && ms->len != 0 && ms->iova == iova &&
			ms->addr_64 == va && iova != RTE_BAD_IOVA);
	*len = iova - segs[i].iova;
	return (size_t)(ms - segs);
}

/* Units the array starts with before it has to grow. */
#define UNITS_FIRST 16

/* The units of [addr, addr + len), built from the memsegs. */
static int
build_units(const void *addr, size_t len, struct vfio_record **out,
		unsigned int *n_out)
{
	const struct rte_memseg_list *msl;
	struct vfio_record *units, *tmp;
	size_t first, count, i, end, cap;
	unsigned int n = 0, skipped = 0;
	enum vfio_record_kind kind;

	if (find_segs(addr, len, &msl, &first, &count) < 0)
		return -1;
	kind = eal_memseg_list_is_static(msl) ? VFIO_REC_STATIC : VFIO_REC_HEAP;
	/*
	 * A dynamic list has a unit per page; a static one a unit per run,
	 * usually one for thousands of pages: its array grows on demand.
	 */
	cap = kind == VFIO_REC_STATIC ? RTE_MIN(count, (size_t)UNITS_FIRST) :
		count;
	cap = RTE_MAX(cap, (size_t)1);
	units = vfio_malloc(cap * sizeof(*units));
	if (units == NULL)
		return eal_fail(ENOMEM);
	end = first + count;
	for (i = first; i < end; ) {
		const struct rte_memseg *ms = &msl->segs[i];
		size_t next = i + 1;
		uint64_t run = ms->len;

		if (ms->len == 0) {
			i = next;
			continue;
		}
		if (ms->iova == RTE_BAD_IOVA) {
			skipped++;
			i = next;
			continue;
		}
		if (kind == VFIO_REC_STATIC)
			next = contig_end(msl, i, end, &run);
		if (n == cap) {
			cap = RTE_MIN(cap * 2, count);
			tmp = vfio_realloc(units, cap * sizeof(*units));
			if (tmp == NULL) {
				free(units);
				return eal_fail(ENOMEM);
			}
			units = tmp;
		}
		units[n++] = (struct vfio_record){
			.iova = ms->iova, .vaddr = ms->addr_64, .len = run,
			.kind = kind, .owner = 0, .refcnt = 1,
		};
		i = next;
	}
	if (skipped > 0)
		EAL_LOG(INFO, "VFIO: %u page(s) of [%p, +0x%zx) have no IOVA (RTE_BAD_IOVA): not mapped, no device can DMA to them",
			skipped, addr, len);
	*out = units;
	*n_out = n;
	return 0;
}

static int
mem_alloc(struct vfio_container *cont, const struct vfio_record *units,
		unsigned int n)
{
	if (n == 0)
		return 0;
	return vfio_dma_map_units_locked(cont, units, n);
}

/*
 * Release the memsegs [first, first + count) of msl, runs adjacent in VA
 * and IOVA in one call. Nothing is allocated: memory going away must be
 * unmapped even when memory is short.
 */
static int
mem_free(struct vfio_container *cont, const struct rte_memseg_list *msl,
		size_t first, size_t count)
{
	size_t i = first, end = first + count;
	uint64_t len;
	int ret = 0;

	while (i < end) {
		const struct rte_memseg *ms = &msl->segs[i];

		if (ms->len == 0 || ms->iova == RTE_BAD_IOVA) {
			i++;
			continue;
		}
		i = contig_end(msl, i, end, &len);
		if (vfio_dma_release_range_locked(cont, ms->iova, len) < 0)
			ret = -1;
	}
	return ret;
}

static int
mem_event_free(const void *addr, size_t len)
{
	const struct rte_memseg_list *msl;
	struct vfio_container *cont;
	size_t first, count;

	if (find_segs(addr, len, &msl, &first, &count) < 0)
		return 0;
	vfio_lock();
	/* only the default container gets heap memory */
	cont = vfio_default_container_locked();
	if (cont != NULL && mem_free(cont, msl, first, count) < 0)
		EAL_LOG(ERR, "VFIO: memory [%p, +0x%zx) is released but part of it stays mapped for DMA (%s): see the line above",
			addr, len, rte_strerror(rte_errno));
	vfio_unlock();
	return 0;
}

static int
mem_event_cb(enum rte_mem_event type, const void *addr, size_t len,
		void *arg __rte_unused)
{
	struct vfio_container *cont;
	struct vfio_record *units = NULL;
	unsigned int n = 0;
	int ret = 0, err = 0;

	if (type != RTE_MEM_EVENT_ALLOC)
		return mem_event_free(addr, len);
	if (build_units(addr, len, &units, &n) < 0)
		return -1;
	vfio_lock();
	/* only the default container gets heap memory */
	cont = vfio_default_container_locked();
	if (cont != NULL) {
		ret = mem_alloc(cont, units, n);
		err = rte_errno;
	}
	vfio_unlock();
	free(units);
	if (ret < 0) {
		EAL_LOG(ERR, "VFIO: memory [%p, +0x%zx) cannot be mapped for DMA: the allocation fails (%s)",
			addr, len, rte_strerror(err));
		rte_errno = err;
		return -1;
	}
	return 0;
}

int
vfio_mem_register(void)
{
	return eal_mem_event_internal_register(VFIO_MEM_CB_NAME,
			mem_event_cb, NULL);
}

void
vfio_mem_unregister(void)
{
	if (eal_mem_event_internal_unregister(VFIO_MEM_CB_NAME, NULL) < 0)
		EAL_LOG(DEBUG, "VFIO: memory event callback was not registered");
}
