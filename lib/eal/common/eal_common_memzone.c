/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzones: the table of named zones and the public API (rte_memzone.h).
 * The memory of a zone is a live heap allocation placed by
 * malloc_heap_zone.c, so it is DMA-mapped before it is returned and
 * unmapped before its pages go back to the system, like any heap memory.
 *
 * Lock: memzone_lock, a rwlock over the table (every slot and the count).
 * Reserve and free take it for writing, lookup, walk and dump for reading.
 * It comes before every lock of eal_memcfg.h's order (it is taken first,
 * then a heap's lock, the hotplug lock, ... during a reservation); no
 * code holding one of those takes it. Free releases the memory after
 * dropping it, as the heap needs none of the table.
 *
 * The table is a fixed array of descriptors holding no pointer but the
 * zone's address (valid in every process that maps the memory at the same
 * place), so it can later live in shared memory for secondary processes.
 */

#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "eal_private.h"
#include "malloc_heap.h"

#define MEMZONE_PGSZ_FLAGS (RTE_MEMZONE_2MB | RTE_MEMZONE_1GB | \
	RTE_MEMZONE_16MB | RTE_MEMZONE_16GB | RTE_MEMZONE_256KB | \
	RTE_MEMZONE_256MB | RTE_MEMZONE_512MB | RTE_MEMZONE_4GB)
#define MEMZONE_KNOWN_FLAGS (MEMZONE_PGSZ_FLAGS | RTE_MEMZONE_SIZE_HINT_ONLY | \
	RTE_MEMZONE_IOVA_CONTIG)

static pthread_rwlock_t memzone_lock = PTHREAD_RWLOCK_INITIALIZER;
/* A slot is in use when its addr is not NULL. */
static struct rte_memzone memzones[RTE_MAX_MEMZONE];
static unsigned int memzone_count;

/* The page sizes the flags ask for, as an OR of sizes (0: any). */
static uint64_t
flags_pgsz_mask(unsigned int flags)
{
	static const struct {
		unsigned int flag;
		uint64_t size;
	} map[] = {
		{ RTE_MEMZONE_256KB, 256 * RTE_KB }, { RTE_MEMZONE_2MB, 2 * RTE_MB },
		{ RTE_MEMZONE_16MB, 16 * RTE_MB }, { RTE_MEMZONE_256MB, 256 * RTE_MB },
		{ RTE_MEMZONE_512MB, 512 * RTE_MB }, { RTE_MEMZONE_1GB, RTE_GB },
		{ RTE_MEMZONE_4GB, 4 * RTE_GB }, { RTE_MEMZONE_16GB, 16 * RTE_GB },
	};
	uint64_t mask = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(map); i++)
		if (flags & map[i].flag)
			mask |= map[i].size;
	return mask;
}

/* The zone named name, or NULL; memzone_lock held. */
static struct rte_memzone *
find_zone(const char *name)
{
	unsigned int i, seen = 0;

	for (i = 0; i < RTE_DIM(memzones) && seen < memzone_count; i++) {
		if (memzones[i].addr == NULL)
			continue;
		seen++;
		if (strncmp(memzones[i].name, name, RTE_MEMZONE_NAMESIZE) == 0)
			return &memzones[i];
	}
	return NULL;
}

/* Checks that need no state; 0, or -1 with rte_errno and one ERR line. */
static int
check_request(const char *fn, const char *name, size_t len, int socket_id,
		unsigned int flags, unsigned int align, unsigned int bound)
{
	size_t rounded;

	if (name == NULL) {
		EAL_LOG(ERR, "%s: NULL name: every memzone needs a unique name", fn);
		return eal_fail(EINVAL);
	}
	if (strnlen(name, RTE_MEMZONE_NAMESIZE) >= RTE_MEMZONE_NAMESIZE) {
		EAL_LOG(ERR, "%s(\"%s\"): the name is %zu characters long, at most %d are allowed (RTE_MEMZONE_NAMESIZE - 1)",
			fn, name, strlen(name), RTE_MEMZONE_NAMESIZE - 1);
		return eal_fail(ENAMETOOLONG);
	}
	if (flags & ~MEMZONE_KNOWN_FLAGS) {
		EAL_LOG(ERR, "%s(\"%s\"): unknown flags 0x%x: use RTE_MEMZONE_* page-size flags, RTE_MEMZONE_SIZE_HINT_ONLY and RTE_MEMZONE_IOVA_CONTIG",
			fn, name, flags & ~MEMZONE_KNOWN_FLAGS);
		return eal_fail(EINVAL);
	}
	if (align != 0 && !rte_is_power_of_2(align)) {
		EAL_LOG(ERR, "%s(\"%s\"): alignment %u is not a power of two",
			fn, name, align);
		return eal_fail(EINVAL);
	}
	if (len > SIZE_MAX - RTE_CACHE_LINE_SIZE) {
		EAL_LOG(ERR, "%s(\"%s\"): length %zu is too large", fn, name, len);
		return eal_fail(EINVAL);
	}
	rounded = RTE_MAX(RTE_ALIGN_CEIL(len, (size_t)RTE_CACHE_LINE_SIZE),
		(size_t)RTE_CACHE_LINE_SIZE);
	if (bound != 0 && (!rte_is_power_of_2(bound) || rounded > bound)) {
		EAL_LOG(ERR, "%s(\"%s\"): boundary %u must be 0 or a power of two not smaller than the length (%zu bytes once rounded to a cache line)",
			fn, name, bound, rounded);
		return eal_fail(EINVAL);
	}
	if (socket_id < 0 && socket_id != SOCKET_ID_ANY) {
		EAL_LOG(ERR, "%s(\"%s\"): socket %d: pass a NUMA node, the socket id of an external heap, or SOCKET_ID_ANY",
			fn, name, socket_id);
		return eal_fail(EINVAL);
	}
	return 0;
}

/* Reserve the zone's memory; memzone_lock held. 0 or -1 with rte_errno. */
static int
zone_memory(const char *fn, const char *name, size_t len, int socket_id,
		unsigned int flags, size_t align, size_t bound,
		struct malloc_zone_block *blk)
{
	uint64_t mask = flags_pgsz_mask(flags);
	bool contig = (flags & RTE_MEMZONE_IOVA_CONTIG) != 0;
	int ret;

	ret = malloc_heap_alloc_zone(len, align, bound, socket_id, mask, contig, blk);
	if (ret < 0 && rte_errno == ENOMEM && mask != 0 &&
			(flags & RTE_MEMZONE_SIZE_HINT_ONLY))
		ret = malloc_heap_alloc_zone(len, align, bound, socket_id, 0,
			contig, blk);
	if (ret == 0 || rte_errno != ENOMEM)
		return ret; /* a callback's refusal was logged where it happened */
	EAL_LOG(ERR, "%s(\"%s\"): no memory for %zu bytes (0: the largest free block) on socket %d (-1: any) aligned to %zu%s%s%s: free memory, or %s",
		fn, name, len, socket_id, align, bound != 0 ? " within a boundary" : "",
		mask != 0 && !(flags & RTE_MEMZONE_SIZE_HINT_ONLY) ?
			" in pages of the requested size" : "",
		contig ? ", IOVA-contiguous" : "",
		contig && rte_eal_iova_mode() == RTE_IOVA_PA ?
			"use IOVA as VA (IOVA-contiguous pages are not guaranteed as PA)" :
			"add memory (-m, --socket-mem, hugepages)");
	return eal_fail(ENOMEM);
}

static const struct rte_memzone *
memzone_reserve(const char *fn, const char *name, size_t len, int socket_id,
		unsigned int flags, unsigned int align, unsigned int bound)
{
	struct malloc_zone_block blk;
	struct rte_memzone *mz = NULL;
	const struct rte_memseg *ms;
	unsigned int i;
	size_t req;

	if (!eal_is_initialized()) {
		EAL_LOG(ERR, "%s: the EAL is not initialized: call rte_eal_init() first (E_RTE_NO_CONFIG)",
			fn);
		rte_errno = E_RTE_NO_CONFIG;
		return NULL;
	}
	if (check_request(fn, name, len, socket_id, flags, align, bound) < 0)
		return NULL;
	align = RTE_MAX(align, (unsigned int)RTE_CACHE_LINE_SIZE);
	req = len == 0 ? bound : RTE_ALIGN_CEIL(len, (size_t)RTE_CACHE_LINE_SIZE);
	/* Without hugepages there is no NUMA placement (as in DPDK). */
	if (!rte_eal_has_hugepages() && socket_id >= 0 &&
			socket_id < RTE_MAX_NUMA_NODES)
		socket_id = SOCKET_ID_ANY;

	pthread_rwlock_wrlock(&memzone_lock);
	if (memzone_count == RTE_MAX_MEMZONE) {
		EAL_LOG(ERR, "%s(\"%s\"): the memzone table is full (RTE_MAX_MEMZONE %d): free a memzone first",
			fn, name, RTE_MAX_MEMZONE);
		rte_errno = ENOSPC;
		goto out;
	}
	if (find_zone(name) != NULL) {
		EAL_LOG(ERR, "%s(\"%s\"): a memzone of that name exists: look it up (rte_memzone_lookup) or choose another name",
			fn, name);
		rte_errno = EEXIST;
		goto out;
	}
	if (socket_id != SOCKET_ID_ANY && malloc_heap_by_socket(socket_id) == NULL) {
		EAL_LOG(ERR, "%s(\"%s\"): socket %d has no heap (no memory on that node, or no such external heap)",
			fn, name, socket_id);
		rte_errno = ENOMEM;
		goto out;
	}
	if (zone_memory(fn, name, req, socket_id, flags, align, bound, &blk) < 0)
		goto out;
	for (i = 0; memzones[i].addr != NULL; i++)
		;
	mz = &memzones[i];
	snprintf(mz->name, sizeof(mz->name), "%s", name);
	mz->addr = blk.addr;
	mz->len = blk.len;
	mz->hugepage_sz = blk.msl->page_sz;
	mz->socket_id = blk.msl->socket_id;
	mz->flags = 0;
	ms = rte_mem_virt2memseg(blk.addr, blk.msl);
	mz->iova = ms == NULL || ms->iova == RTE_BAD_IOVA ? RTE_BAD_IOVA :
		ms->iova + RTE_PTR_DIFF(blk.addr, ms->addr);
	memzone_count++;
out:
	pthread_rwlock_unlock(&memzone_lock);
	return mz;
}

const struct rte_memzone *
rte_memzone_reserve(const char *name, size_t len, int socket_id,
		unsigned int flags)
{
	return memzone_reserve(__func__, name, len, socket_id, flags,
		RTE_CACHE_LINE_SIZE, 0);
}

const struct rte_memzone *
rte_memzone_reserve_aligned(const char *name, size_t len, int socket_id,
		unsigned int flags, unsigned int align)
{
	return memzone_reserve(__func__, name, len, socket_id, flags, align, 0);
}

const struct rte_memzone *
rte_memzone_reserve_bounded(const char *name, size_t len, int socket_id,
		unsigned int flags, unsigned int align, unsigned int bound)
{
	return memzone_reserve(__func__, name, len, socket_id, flags, align,
		bound);
}

int
rte_memzone_free(const struct rte_memzone *mz)
{
	uintptr_t off = RTE_PTR_DIFF(mz, &memzones[0]);
	const char *why = NULL;
	void *addr = NULL;

	if (mz == NULL)
		why = "NULL memzone";
	else if ((uintptr_t)mz < (uintptr_t)&memzones[0] ||
			off >= sizeof(memzones) || off % sizeof(memzones[0]) != 0)
		why = "not a memzone descriptor (pass what rte_memzone_reserve or rte_memzone_lookup returned)";
	if (why == NULL) {
		pthread_rwlock_wrlock(&memzone_lock);
		addr = mz->addr;
		if (addr != NULL) {
			memset(&memzones[off / sizeof(memzones[0])], 0, sizeof(*mz));
			memzone_count--;
		}
		pthread_rwlock_unlock(&memzone_lock);
		if (addr == NULL)
			why = "the memzone is not reserved (freed already?)";
	}
	if (why != NULL) {
		EAL_LOG(ERR, "rte_memzone_free(%p): %s; nothing done",
			(const void *)mz, why);
		rte_errno = EINVAL;
		return -EINVAL;
	}
	/* The heap unmaps and releases whole free pages (malloc_heap_pages.c). */
	if (malloc_heap_free(addr) < 0)
		EAL_LOG(ERR, "rte_memzone_free: the memory of a memzone at %p was not a live heap allocation (heap corrupted?)",
			addr);
	return 0;
}

const struct rte_memzone *
rte_memzone_lookup(const char *name)
{
	const struct rte_memzone *mz;

	if (name == NULL) {
		EAL_LOG(ERR, "rte_memzone_lookup: NULL name");
		rte_errno = EINVAL;
		return NULL;
	}
	pthread_rwlock_rdlock(&memzone_lock);
	mz = find_zone(name);
	pthread_rwlock_unlock(&memzone_lock);
	if (mz == NULL)
		rte_errno = ENOENT;
	return mz;
}

void
rte_memzone_walk(void (*func)(const struct rte_memzone *, void *arg), void *arg)
{
	unsigned int i;

	if (func == NULL) {
		EAL_LOG(ERR, "rte_memzone_walk: NULL callback");
		rte_errno = EINVAL;
		return;
	}
	pthread_rwlock_rdlock(&memzone_lock);
	for (i = 0; i < RTE_DIM(memzones); i++)
		if (memzones[i].addr != NULL)
			func(&memzones[i], arg);
	pthread_rwlock_unlock(&memzone_lock);
}

static void
dump_zone(const struct rte_memzone *mz, void *arg)
{
	FILE *f = arg;
	const struct rte_memseg_list *msl;
	const struct rte_memseg *ms;
	uintptr_t va, end;

	fprintf(f, "Zone %u: name:<%s>, len:0x%zx, virt:%p, iova:0x%" PRIx64
		", socket_id:%" PRId32 ", flags:%" PRIx32 "\n",
		(unsigned int)(mz - memzones), mz->name, mz->len, mz->addr,
		mz->iova, mz->socket_id, mz->flags);
	msl = rte_mem_virt2memseg_list(mz->addr);
	if (msl == NULL)
		return;
	fprintf(f, "  pages (size 0x%" PRIx64 "):\n", msl->page_sz);
	va = RTE_ALIGN_FLOOR((uintptr_t)mz->addr, (uintptr_t)msl->page_sz);
	end = (uintptr_t)mz->addr + mz->len;
	for (; va < end; va += msl->page_sz) {
		ms = rte_mem_virt2memseg((void *)va, msl);
		fprintf(f, "    addr: %p iova: 0x%" PRIx64 "\n", (void *)va,
			ms != NULL ? ms->iova : RTE_BAD_IOVA);
	}
}

void
rte_memzone_dump(FILE *f)
{
	rte_memzone_walk(dump_zone, f != NULL ? f : stdout);
}

void
eal_memzone_cleanup(void)
{
	/* The memory goes with the heaps; only the names are forgotten. */
	pthread_rwlock_wrlock(&memzone_lock);
	memset(memzones, 0, sizeof(memzones));
	memzone_count = 0;
	pthread_rwlock_unlock(&memzone_lock);
}
