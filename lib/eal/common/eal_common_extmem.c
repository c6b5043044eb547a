/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * External memory: regions the application brings, known to the EAL as
 * memseg lists (rte_extmem_*) and, through the heap, as heap memory.
 *
 * Locks: the memseg list table is protected by the memory hotplug lock
 * (eal_memory.c, number 2 in eal_memcfg.h). The public functions here take
 * it for writing (register, unregister) or reading (attach, detach); the
 * eal_extmem_list_* functions expect the caller to hold it.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_iova.h"
#include "eal_memcfg.h"
#include "eal_memseg.h"
#include "eal_private.h"

/* Check the parameters every external memory call shares. */
static int
check_region(const void *va, size_t len, size_t page_sz)
{
	size_t sys_pgsz = eal_sys_page_size();

	if (va == NULL || len == 0) {
		EAL_LOG(ERR, "external memory: %s", va == NULL ?
			"NULL address" : "length 0");
		return eal_fail(EINVAL);
	}
	if (!rte_is_power_of_2(page_sz) || page_sz < sys_pgsz) {
		EAL_LOG(ERR, "external memory: page size %zu must be a power of two of at least the system page size %zu",
			page_sz, sys_pgsz);
		return eal_fail(EINVAL);
	}
	if (!RTE_IS_ALIGNED(va, page_sz) || !RTE_IS_ALIGNED(len, page_sz)) {
		EAL_LOG(ERR, "external memory: address %p and length %zu must be multiples of the page size %zu",
			va, len, page_sz);
		return eal_fail(EINVAL);
	}
	if ((uintptr_t)va + len < (uintptr_t)va) {
		EAL_LOG(ERR, "external memory: %p + %zu wraps around", va, len);
		return eal_fail(EINVAL);
	}
	return 0;
}

/*
 * Memory whose IOVAs the IOMMU cannot reach is refused before anything
 * changes: it could never be mapped, and a mapping attempt would fail the
 * heap or the device that meets it later. Checked per IOVA-contiguous
 * run of the given IOVAs, or the VA range in IOVA-as-VA mode. *one_run
 * tells whether the whole region is a single run with IOVAs (then its
 * mapping and unmapping need no scan of the segments).
 */
static int
check_reachable(const rte_iova_t iova_addrs[], unsigned int n_segs,
		size_t page_sz, bool *one_run)
{
	const char *what = "external memory";
	unsigned int i, j;

	*one_run = false;
	/* Without a table the pages have no IOVA and are never mapped. */
	if (iova_addrs == NULL)
		return 0;
	for (i = 0; i < n_segs; i = j) {
		for (j = i + 1; j < n_segs &&
				iova_addrs[j] == iova_addrs[j - 1] + page_sz; j++)
			;
		if (iova_addrs[i] == RTE_BAD_IOVA)
			continue;
		if (eal_iova_check_reachable(iova_addrs[i],
				(uint64_t)(j - i) * page_sz, what) < 0)
			return -1;
		*one_run = i == 0 && j == n_segs;
	}
	return 0;
}

/*
 * Describe every page of a new list, every field of every segment, in
 * one pass: the array is not zeroed first (a region is thousands of pages,
 * and under emulation each pass over them costs a visible part of the
 * add). Without an IOVA table every page is RTE_BAD_IOVA, in every IOVA
 * mode, as DPDK 22.11 documents: the memory is not DMA-mapped, and an
 * application that wants DMA to it maps it itself (rte_dev_dma_map()).
 */
static void
fill_segs(struct rte_memseg_list *msl, void *va, const rte_iova_t iova_addrs[],
		unsigned int n_segs, size_t page_sz, int socket_id)
{
	struct rte_memseg *ms = msl->segs, *end = ms + n_segs;
	uint64_t addr = (uintptr_t)va;
	unsigned int i;

	for (i = 0; ms != end; ms++, i++, addr += page_sz)
		*ms = (struct rte_memseg){
			.iova = iova_addrs != NULL ? iova_addrs[i] : RTE_BAD_IOVA,
			.addr_64 = addr,
			.len = page_sz,
			.hugepage_sz = page_sz,
			.socket_id = socket_id,
			.flags = RTE_MEMSEG_FLAG_DO_NOT_FREE,
		};
}

struct rte_memseg_list *
eal_extmem_list_create(void *va, size_t len, rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t page_sz, int socket_id)
{
	struct eal_memseg_list *l;
	unsigned int n_segs;
	bool one_run;

	if (check_region(va, len, page_sz) < 0)
		return NULL;
	if (len / page_sz > UINT32_MAX) {
		EAL_LOG(ERR, "external memory: %zu pages is more than a list can hold (%u)",
			len / page_sz, UINT32_MAX);
		rte_errno = EINVAL;
		return NULL;
	}
	n_segs = (unsigned int)(len / page_sz);
	if (iova_addrs != NULL && n_pages != n_segs) {
		EAL_LOG(ERR, "external memory: %u IOVAs given for %u pages of %zu bytes",
			n_pages, n_segs, page_sz);
		rte_errno = EINVAL;
		return NULL;
	}
	/* A table of the wrong size is refused; no table, whatever n_pages
	 * says, is accepted as in DPDK. */
	if (check_reachable(iova_addrs, n_segs, page_sz, &one_run) < 0)
		return NULL;
	l = eal_msl_create(va, len, page_sz, n_segs, socket_id, true);
	if (l == NULL) {
		if (rte_errno == EEXIST)
			EAL_LOG(ERR, "external memory %p-%p overlaps memory the EAL already knows",
				va, RTE_PTR_ADD(va, len));
		return NULL;
	}
	l->pub.external = 1;
	/* A heap passes its own socket id; plain registration has none. */
	l->pub.heap = socket_id != SOCKET_ID_ANY;
	l->is_static = true;
	l->iova_contig = one_run;
	fill_segs(&l->pub, va, iova_addrs, n_segs, page_sz, socket_id);
	l->pub.n_used = n_segs;
	l->pub.version++;
	return &l->pub;
}

struct rte_memseg_list *
eal_extmem_list_find(void *va, size_t len)
{
	struct eal_memseg_list *l = eal_msl_lookup(va);

	if (l == NULL || !l->pub.external || l->pub.base_va != va ||
			l->pub.len != len) {
		rte_errno = ENOENT;
		return NULL;
	}
	return &l->pub;
}

void
eal_extmem_list_destroy(struct rte_memseg_list *msl)
{
	eal_msl_release(eal_msl_priv(msl));
}

int
rte_extmem_register(void *va_addr, size_t len, rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t page_sz)
{
	struct rte_memseg_list *msl;

	eal_mem_hotplug_write_lock();
	msl = eal_extmem_list_create(va_addr, len, iova_addrs, n_pages, page_sz,
		SOCKET_ID_ANY);
	eal_mem_hotplug_write_unlock();
	return msl == NULL ? -1 : 0;
}

/* Find a registered region for unregister/attach/detach, logging why not. */
static struct rte_memseg_list *
find_region(const char *what, void *va, size_t len)
{
	struct rte_memseg_list *msl;

	if (va == NULL || len == 0) {
		EAL_LOG(ERR, "%s: %s", what, va == NULL ? "NULL address" : "length 0");
		rte_errno = EINVAL;
		return NULL;
	}
	msl = eal_extmem_list_find(va, len);
	if (msl == NULL)
		EAL_LOG(ERR, "%s: %p-%p is not exactly one registered external region",
			what, va, RTE_PTR_ADD(va, len));
	return msl;
}

int
rte_extmem_unregister(void *va_addr, size_t len)
{
	struct rte_memseg_list *msl;
	char desc[192];
	int ret = 0;

	eal_mem_hotplug_write_lock();
	msl = find_region("rte_extmem_unregister", va_addr, len);
	if (msl == NULL) {
		ret = -1;
	} else if (msl->heap) {
		EAL_LOG(ERR, "rte_extmem_unregister: %p-%p belongs to a heap: remove it with rte_malloc_heap_memory_remove()",
			va_addr, RTE_PTR_ADD(va_addr, len));
		ret = eal_fail(EBUSY);
	} else if (eal_vfio_user_map_find(va_addr, len, desc, sizeof(desc))) {
		/* its pages would stay pinned and reachable by devices */
		EAL_LOG(ERR, "rte_extmem_unregister: %p-%p is DMA-mapped by a user map (%s): unmap it first with rte_vfio_container_dma_unmap() or rte_dev_dma_unmap() (EBUSY)",
			va_addr, RTE_PTR_ADD(va_addr, len), desc);
		ret = eal_fail(EBUSY);
	} else {
		eal_extmem_list_destroy(msl);
	}
	eal_mem_hotplug_write_unlock();
	return ret;
}

/* Only the primary process exists: attach and detach check the region. */
static int
check_attached(const char *what, void *va_addr, size_t len)
{
	struct rte_memseg_list *msl;

	eal_mem_hotplug_read_lock();
	msl = find_region(what, va_addr, len);
	eal_mem_hotplug_read_unlock();
	return msl == NULL ? -1 : 0;
}

int
rte_extmem_attach(void *va_addr, size_t len)
{
	return check_attached("rte_extmem_attach", va_addr, len);
}

int
rte_extmem_detach(void *va_addr, size_t len)
{
	return check_attached("rte_extmem_detach", va_addr, len);
}
