/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory set-up and tear-down: memseg lists reserved per (NUMA node, page
 * size), static memory (--no-huge, --legacy-mem) allocated and announced at
 * init, and the memory hotplug lock.
 *
 * Locks: hotplug_lock (a pthread rwlock, number 2 in the order of
 * eal_memcfg.h) protects every memseg list and the table that holds them.
 * Walks and lookups take it for reading, allocation, release, external
 * memory changes and init/cleanup for writing. A thread that holds it
 * (either way) may take it for reading again without touching the rwlock:
 * memory event callbacks run under the write lock and look memory up, and
 * a nested rdlock can deadlock behind a waiting writer.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "eal_hugepage_info.h"
#include "eal_iova.h"
#include "eal_memcfg.h"
#include "eal_memseg.h"
#include "eal_private.h"

static pthread_rwlock_t hotplug_lock = PTHREAD_RWLOCK_INITIALIZER;
static __thread bool write_held;
static __thread unsigned int read_depth;
/* eal_memcfg.h: odd while a writer holds the lock, bumped by each writer. */
uint64_t eal_mem_layout_gen;

void
eal_mem_hotplug_read_lock(void)
{
	if (write_held || read_depth > 0) {
		read_depth++;
		return;
	}
	pthread_rwlock_rdlock(&hotplug_lock);
	read_depth = 1;
}

void
eal_mem_hotplug_read_unlock(void)
{
	if (read_depth == 0)
		return;
	if (--read_depth == 0 && !write_held)
		pthread_rwlock_unlock(&hotplug_lock);
}

void
eal_mem_hotplug_write_lock(void)
{
	pthread_rwlock_wrlock(&hotplug_lock);
	write_held = true;
	__atomic_store_n(&eal_mem_layout_gen, eal_mem_layout_gen + 1, __ATOMIC_RELAXED);
	/* the layout changes only after the odd value is visible */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void
eal_mem_hotplug_write_unlock(void)
{
	__atomic_store_n(&eal_mem_layout_gen, eal_mem_layout_gen + 1, __ATOMIC_RELEASE);
	write_held = false;
	pthread_rwlock_unlock(&hotplug_lock);
}

/* Where the next reservation should go (--base-virtaddr), 0 for anywhere. */
static uintptr_t next_hint;
/*
 * Without --base-virtaddr: the next free address of the default window
 * [low_next, low_limit] (eal_iova_va_window()), 0 once it is full.
 */
static uintptr_t low_next, low_limit;

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/*
 * The lowest address >= from, aligned to align, where len bytes fit
 * between the process's mappings and end by limit; 0 if none. One pass
 * over /proc/self/maps (its lines are sorted by address).
 */
static uintptr_t
find_free_va(uintptr_t from, size_t len, size_t align, uintptr_t limit)
{
	uintptr_t cand = RTE_ALIGN_CEIL(from, align);
	unsigned long start, end;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (end <= cand)
			continue;
		if (start >= cand && start - cand >= len)
			break;
		cand = RTE_ALIGN_CEIL((uintptr_t)end, align);
		if (cand > limit)
			break;
	}
	fclose(f);
	if (cand < from || cand > limit || limit - cand < len - 1)
		return 0;
	return cand;
}

/*
 * Reserve len bytes in the default window, so that the lists lie inside
 * the IOMMU's reach and IOVA as VA works (DPDK also reserves low, from
 * 4 GiB). NULL when the window has no room: the caller then takes any
 * address and the IOVA mode choice deals with it.
 */
static void *
reserve_va_low(size_t len, size_t align)
{
	unsigned int attempt;

	/* NOREPLACE: a thread mapping in between makes us look again */
	for (attempt = 0; attempt < 4 && low_next != 0; attempt++) {
		uintptr_t a = find_free_va(low_next, len, align, low_limit);
		void *p;

		if (a == 0)
			break;
		p = mmap((void *)a, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == (void *)a) {
			low_next = a + len;
			return p;
		}
		if (p != MAP_FAILED)
			munmap(p, len); /* a kernel without NOREPLACE: a hint */
	}
	if (low_next != 0)
		EAL_LOG(NOTICE, "memseg list VA: no room for %zu MB in [0x%" PRIxPTR ", 0x%" PRIxPTR "] (the default window inside the IOMMU's reach): reserved elsewhere, so IOVA as VA may not be possible",
			len >> 20, low_next, low_limit);
	low_next = 0;
	return NULL;
}

/*
 * Reserve len bytes of VA aligned to align: at next_hint if possible
 * (--base-virtaddr), else in the default window, else anywhere.
 * Returns NULL when the address space has no room.
 */
static void *
reserve_va(size_t len, size_t align)
{
	size_t sys_pgsz = eal_sys_page_size();
	size_t extra = align > sys_pgsz ? align : 0;
	void *hint = (void *)RTE_ALIGN_CEIL(next_hint, align);
	uintptr_t start, end, aligned;
	void *p;

	if (next_hint == 0 && low_next != 0) {
		p = reserve_va_low(len, align);
		if (p != NULL)
			return p;
	}
	p = mmap(next_hint != 0 ? hint : NULL, len + extra, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	end = start + len + extra;
	aligned = RTE_ALIGN_CEIL(start, align);
	/* Give back what the alignment did not need. */
	if (aligned > start)
		munmap(p, aligned - start);
	if (end > aligned + len)
		munmap((void *)(aligned + len), end - aligned - len);
	if (next_hint != 0) {
		if ((void *)aligned != hint)
			EAL_LOG(WARNING, "--base-virtaddr: wanted %p, got %p (the range is in use)",
				hint, (void *)aligned);
		next_hint = aligned + len;
	}
	return (void *)aligned;
}

/*
 * Create a list of up to n_segs pages of t on socket, with its VA and its
 * backing file; a reservation that fails is retried smaller.
 */
static struct eal_memseg_list *
create_list(const struct eal_page_type *t, int socket, unsigned int n_segs)
{
	struct eal_memseg_list *l;
	unsigned int want = n_segs;
	void *va;

	for (;;) {
		va = reserve_va((size_t)n_segs * t->page_sz, t->page_sz);
		if (va != NULL || n_segs == 1)
			break;
		n_segs /= 2;
	}
	if (va == NULL) {
		EAL_LOG(ERR, "cannot reserve virtual memory for %" PRIu64 " kB pages: the address space is full",
			t->page_sz >> 10);
		rte_errno = ENOMEM;
		return NULL;
	}
	if (n_segs < want)
		EAL_LOG(NOTICE, "memseg list of %" PRIu64 " kB pages on socket %d: reserved %u of %u pages",
			t->page_sz >> 10, socket, n_segs, want);
	l = eal_msl_create(va, (size_t)n_segs * t->page_sz, t->page_sz, n_segs,
		socket, false);
	if (l == NULL) {
		munmap(va, (size_t)n_segs * t->page_sz);
		return NULL;
	}
	l->owns_va = true;
	l->numa_bind = RTE_HAS_LIBNUMA && t->hugepage;
	if (eal_memalloc_list_open(l, t->dir, t->hugepage) < 0) {
		int err = rte_errno;

		eal_memalloc_list_close(l);
		eal_msl_release(l);
		rte_errno = err;
		return NULL;
	}
	return l;
}

static void
destroy_list(struct eal_memseg_list *l)
{
	eal_memalloc_list_close(l);
	eal_msl_release(l);
}

/* Pages of page_sz that bytes need; no overflow for any -m/--socket-mem. */
static uint64_t
pages_for(uint64_t bytes, uint64_t page_sz)
{
	return bytes / page_sz + (bytes % page_sz != 0);
}

/*
 * Bytes the options allow on socket; UINT64_MAX when unbounded. Legacy
 * memory is what -m/--socket-mem reserve; dynamic memory may grow up to
 * --socket-limit (DPDK's cap), -m/--socket-mem being only what is
 * allocated at start-up.
 */
static uint64_t
socket_limit(const struct eal_internal_config *cfg, int socket)
{
	if (!cfg->legacy_mem && !cfg->no_hugetlbfs) {
		if (cfg->socket_limit[socket] != 0)
			return cfg->socket_limit[socket];
		return UINT64_MAX;
	}
	if (cfg->force_sockets)
		return cfg->socket_mem[socket];
	if (cfg->memory != 0)
		return cfg->memory;
	return UINT64_MAX;
}

/* Lists of one (page type, socket): VA for what the pool and options allow. */
static int
reserve_type(const struct eal_page_type *t, int socket, unsigned int max_lists)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	uint64_t per_list = RTE_MIN((uint64_t)RTE_MAX_MEMSEG_PER_LIST,
		((uint64_t)RTE_MAX_MEM_MB_PER_LIST << 20) / t->page_sz);
	uint64_t limit = socket_limit(cfg, socket);
	uint64_t pages = t->n_pages[socket];
	unsigned int n_lists = 0;

	if (limit != UINT64_MAX)
		pages = RTE_MIN(pages, pages_for(limit, t->page_sz));
	if (per_list == 0)
		per_list = 1;
	while (pages > 0 && n_lists < max_lists) {
		unsigned int n = (unsigned int)RTE_MIN(pages, per_list);
		struct eal_memseg_list *l = create_list(t, socket, n);

		if (l == NULL)
			return -1;
		pages -= RTE_MIN(pages, (uint64_t)l->pub.n_segs);
		n_lists++;
	}
	return 0;
}

/* Memseg lists for every (page size, socket) the pool has pages of. */
static int
reserve_lists(void)
{
	const struct eal_page_type *types;
	unsigned int i, n_types = eal_page_types(&types), n_pairs = 0, max_lists;
	int s;

	for (i = 0; i < n_types; i++)
		for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
			n_pairs += types[i].n_pages[s] != 0;
	if (n_pairs == 0)
		return 0;
	/* Half of the lists for EAL memory, the rest for external memory. */
	max_lists = RTE_MAX(1u, (RTE_MAX_MEMSEG_LISTS / 2) / n_pairs);
	for (i = 0; i < n_types; i++) {
		for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
			if (types[i].n_pages[s] != 0 &&
					reserve_type(&types[i], s, max_lists) < 0)
				return -1;
		}
	}
	return 0;
}

/* --no-huge without --dynamic-mem: -m of system pages in one static list. */
static int
alloc_static_sys(void)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	const struct eal_page_type *types;
	size_t mem = cfg->memory != 0 ? cfg->memory :
		(size_t)RTE_DEFAULT_NO_HUGE_MB << 20;
	struct eal_memseg_list *l;
	uint64_t n_segs;

	if (eal_page_types(&types) == 0 || types[0].hugepage)
		return eal_fail(EFAULT);
	n_segs = pages_for(mem, types[0].page_sz);
	if (n_segs > UINT32_MAX) {
		EAL_LOG(ERR, "-m %zu MB is more than one memseg list can hold", mem >> 20);
		return eal_fail(EINVAL);
	}
	l = create_list(&types[0], 0, (unsigned int)n_segs);
	if (l == NULL)
		return -1;
	if (l->pub.n_segs != n_segs) {
		EAL_LOG(ERR, "cannot reserve %zu MB of address space for --no-huge memory", mem >> 20);
		destroy_list(l);
		return eal_fail(ENOMEM);
	}
	l->is_static = true;
	/* the list's VA is known now, and no page has an IOVA yet */
	if (eal_iova_mode_select() < 0) {
		int err = rte_errno;

		destroy_list(l);
		return eal_fail(err);
	}
	if (eal_memalloc_back_pages(l, 0, l->pub.n_segs) < 0) {
		int err = rte_errno;

		if (err == ENOMEM)
			EAL_LOG(ERR, "cannot allocate %zu MB of --no-huge memory: lower -m", mem >> 20);
		destroy_list(l);
		return eal_fail(err);
	}
	return 0;
}

/* Allocate up to *want pages into the lists of (page_sz, socket). */
static int
legacy_fill(uint64_t page_sz, int socket, uint64_t *want)
{
	unsigned int i, count = eal_msl_count();

	for (i = 0; i < count && *want > 0; i++) {
		struct eal_memseg_list *l = eal_msl_at(i);
		unsigned int n;

		if (l->pub.external || l->pub.page_sz != page_sz ||
				l->pub.socket_id != socket || l->pub.n_used != 0)
			continue;
		n = (unsigned int)RTE_MIN(*want, (uint64_t)l->pub.n_segs);
		/* The pool may have shrunk since it was counted: take less. */
		while (n > 0 && eal_memalloc_back_pages(l, 0, n) < 0) {
			if (rte_errno != ENOMEM)
				return -1;
			n /= 2;
		}
		*want -= n;
		if (n < l->pub.n_segs)
			break; /* the pool of this type is empty */
	}
	return 0;
}

/*
 * Dynamic memory without -m/--socket-mem: one page of the smallest
 * hugepage size, on the calling thread's node if it has one free (else the
 * first node that has), allocated at init and kept, as DPDK 22.11's EAL
 * keeps the page its own start-up allocations took. So memory is in use
 * right after init (rte_eal_get_physmem_size() is not 0, DPDK's
 * memory_autotest), and alternating allocations and frees never give the
 * last page back and take it again. Without a free hugepage nothing is
 * kept (an INFO line): the heap grows when pages are freed.
 */
static int
keep_first_page(void)
{
	const struct eal_page_type *types;
	unsigned int n_types = eal_page_types(&types), i, count;
	int local = (int)rte_socket_id(), s, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = n_types; i > 0; i--) {
			const struct eal_page_type *t = &types[i - 1];

			if (!t->hugepage)
				continue;
			for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
				uint64_t want = 1;

				if ((pass == 0 && s != local) || t->n_pages[s] == 0)
					continue;
				if (legacy_fill(t->page_sz, s, &want) < 0)
					return -1;
				if (want == 0)
					goto kept;
			}
		}
	}
	EAL_LOG(INFO, "no free hugepage at init: no page kept (the heap grows on the first allocation)");
	return 0;
kept:
	count = eal_msl_count();
	for (i = 0; i < count; i++) {
		struct eal_memseg_list *l = eal_msl_at(i);
		unsigned int j;

		for (j = 0; !l->pub.external && j < l->pub.n_segs; j++)
			if (l->pub.segs[j].len != 0)
				l->pub.segs[j].flags |= RTE_MEMSEG_FLAG_DO_NOT_FREE;
	}
	return 0;
}

/*
 * Memory allocated at init and kept for the life of the process: what
 * -m/--socket-mem ask, as DPDK 22.11 does in both modes. With --legacy-mem
 * (legacy true) every free page when neither is given, and the lists are
 * static; in dynamic mode only the pages allocated here are kept
 * (RTE_MEMSEG_FLAG_DO_NOT_FREE) and the heap grows and shrinks beyond them.
 */
static int
alloc_kept(bool legacy)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	const char *what = legacy ? "--legacy-mem" : "-m/--socket-mem";
	const struct eal_page_type *types;
	unsigned int i, n_types = eal_page_types(&types), count;
	uint64_t m_left = cfg->memory;
	int s;

	if (!legacy && cfg->memory == 0)
		return keep_first_page();
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		uint64_t want_bytes = UINT64_MAX, got = 0;

		if (cfg->force_sockets)
			want_bytes = cfg->socket_mem[s];
		else if (cfg->memory != 0)
			want_bytes = m_left;
		if (want_bytes == 0)
			continue;
		for (i = 0; i < n_types && got < want_bytes; i++) {
			uint64_t pgsz = types[i].page_sz;
			uint64_t want = want_bytes == UINT64_MAX ? types[i].n_pages[s] :
				pages_for(want_bytes - got, pgsz);
			uint64_t asked = want;

			if (legacy_fill(pgsz, s, &want) < 0)
				return -1;
			got += (asked - want) * pgsz;
		}
		if (want_bytes != UINT64_MAX && cfg->force_sockets && got < want_bytes) {
			EAL_LOG(ERR, "%s: got %" PRIu64 " of %" PRIu64 " MB on socket %d: reserve more hugepages on that node or lower --socket-mem",
				what, got >> 20, want_bytes >> 20, s);
			return eal_fail(ENOMEM);
		}
		if (!cfg->force_sockets && cfg->memory != 0)
			m_left -= RTE_MIN(m_left, got);
	}
	if (!cfg->force_sockets && cfg->memory != 0 && m_left > 0) {
		EAL_LOG(ERR, "%s: %" PRIu64 " MB of -m %zu MB could not be allocated: reserve more hugepages or lower -m",
			what, m_left >> 20, cfg->memory >> 20);
		return eal_fail(ENOMEM);
	}
	/*
	 * Legacy memory is static, including the slots left unused; in dynamic
	 * mode the pages taken here are kept, the rest of each list is free
	 * for growth.
	 */
	count = eal_msl_count();
	for (i = 0; i < count; i++) {
		struct eal_memseg_list *l = eal_msl_at(i);
		unsigned int j;

		if (l->pub.external)
			continue;
		if (legacy)
			l->is_static = true;
		for (j = 0; j < l->pub.n_segs; j++)
			if (l->pub.segs[j].len != 0)
				l->pub.segs[j].flags |= RTE_MEMSEG_FLAG_DO_NOT_FREE;
	}
	return 0;
}

/* Send FREE for the memory of every EAL list, then destroy them all. */
static void
release_all(void)
{
	unsigned int i;

	for (i = eal_msl_count(); i > 0; i--) {
		struct eal_memseg_list *l = eal_msl_at(i - 1);

		if (!l->pub.external && l->pub.n_used != 0)
			eal_msl_notify_runs(l, RTE_MEM_EVENT_FREE);
	}
	while (eal_msl_count() > 0) {
		struct eal_memseg_list *l = eal_msl_at(eal_msl_count() - 1);

		if (l->pub.external)
			eal_msl_release(l); /* the memory is the application's */
		else
			destroy_list(l);
	}
}

/*
 * Announce the memory allocated at init (static lists, and the pages kept
 * for -m/--socket-mem in dynamic lists: at init no other page is in use);
 * on a refusal take back what was announced.
 */
static int
announce_static(void)
{
	unsigned int i, count = eal_msl_count();

	for (i = 0; i < count; i++) {
		struct eal_memseg_list *l = eal_msl_at(i);

		if (l->pub.external || l->pub.n_used == 0)
			continue;
		if (eal_msl_notify_runs(l, RTE_MEM_EVENT_ALLOC) < 0) {
			int err = rte_errno;

			while (i > 0) {
				struct eal_memseg_list *prev = eal_msl_at(--i);

				if (!prev->pub.external && prev->pub.n_used != 0)
					eal_msl_notify_runs(prev, RTE_MEM_EVENT_FREE);
			}
			return eal_fail(err);
		}
	}
	return 0;
}

/* IOVA-as-PA needs physical addresses: fail early and clearly without them. */
static int
check_iova_privilege(void)
{
	volatile int probe = 1;

	if (rte_eal_iova_mode() != RTE_IOVA_PA)
		return 0;
	if (rte_mem_virt2phy((const void *)(uintptr_t)&probe) != RTE_BAD_PHYS_ADDR)
		return 0;
	if (rte_errno == EACCES) {
		EAL_LOG(ERR, "IOVA-as-PA needs physical addresses but /proc/self/pagemap hides them without CAP_SYS_ADMIN: run as root or use --iova-mode=va");
		return eal_fail(EACCES);
	}
	return 0;
}

int
eal_memory_init(void)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	const struct eal_page_type *types;
	int ret;

	if (eal_page_types(&types) == 0) {
		EAL_LOG(ERR, "memory init: no page sizes known (hugepage info not initialized)");
		return eal_fail(EFAULT);
	}
	if (check_iova_privilege() < 0)
		return -1;
	eal_memalloc_remove_stale_files();
	next_hint = (uintptr_t)cfg->base_virtaddr;
	low_next = low_limit = 0;
	if (next_hint == 0) {
		uint64_t limit;

		low_next = (uintptr_t)eal_iova_va_window(&limit);
		low_limit = (uintptr_t)limit;
	}

	eal_mem_hotplug_write_lock();
	if (cfg->no_hugetlbfs && !cfg->dynamic_sys_mem) {
		ret = alloc_static_sys();
	} else {
		ret = reserve_lists();
		if (ret == 0 && eal_msl_count() == 0) {
			EAL_LOG(ERR, "no memory allowed by -m/--socket-mem on any node that has pages");
			ret = eal_fail(ENOMEM);
		}
		/* every list's VA is reserved, no page is backed yet */
		if (ret == 0)
			ret = eal_iova_mode_select();
		if (ret == 0 && !cfg->no_hugetlbfs)
			ret = alloc_kept(cfg->legacy_mem);
	}
	if (ret == 0)
		ret = announce_static();
	if (ret < 0) {
		int err = rte_errno;

		/* Nothing was announced, or announce_static() took it back. */
		while (eal_msl_count() > 0)
			destroy_list(eal_msl_at(eal_msl_count() - 1));
		eal_mem_hotplug_write_unlock();
		return eal_fail(err);
	}
	eal_mem_hotplug_write_unlock();
	return 0;
}

void
eal_memory_cleanup(void)
{
	eal_mem_hotplug_write_lock();
	release_all();
	eal_mem_hotplug_write_unlock();
	eal_mem_event_cleanup();
}
