/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc heaps: one per NUMA node with memory (socket id = node) and up
 * to RTE_MAX_HEAPS named external heaps (socket id RTE_MAX_NUMA_NODES + slot).
 * This file holds the heap table, allocation, init and cleanup; the heap's
 * other concerns have a file each:
 *   malloc_heap_pages.c     growth and release of pages (the keep policy)
 *   malloc_heap_live.c      free, validate and resize of live allocations
 *   malloc_heap_stats.c     statistics, dumps and virt2iova
 *   malloc_heap_external.c  named external heaps and their memory
 *   malloc_elem.c           elements, free lists, split and merge
 *
 * Locks, outermost first (eal_memcfg.h continues the order):
 *   0. malloc_heaps_lock (this file): a mutex over the heap table as a whole
 *      (create, destroy, lookup by name) and over the external memory
 *      operations (malloc_heap_external.c), which hold it throughout so
 *      that the heap cannot be destroyed under them.
 *   1. a heap's lock (struct malloc_heap_lock, malloc_heap.h): over its
 *      elements, free lists, counters and regions. Allocation and free take
 *      only this one. Not a spinlock, because growth and shrink allocate
 *      and release pages (and VFIO maps them) while holding it: waiters
 *      sleep after spinning with backoff. Not a pthread mutex either: its
 *      unlock costs an atomic operation more.
 *   2. the memory hotplug lock, taken for writing by growth, shrink and
 *      external memory add/remove around page allocation/release, the
 *      extmem list and the memory event; then 3. and 4. inside the events.
 * numa_lookup_lock (malloc_heap_caller_socket()) is a leaf: libnuma's node-to-cpus
 * cache is filled lazily without a lock, so its first lookups from several
 * threads race; nothing else is taken while it is held.
 * A heap's active flag changes under malloc_heaps_lock and the heap's lock,
 * so either one is enough to read it. Heap slots are never freed, which lets
 * an allocation by socket id lock a heap first and check it is active.
 *
 * Zeroing: rte_zmalloc() and rte_calloc() zero on allocation (rte_malloc.c);
 * the heap itself never zeroes, so freed memory costs nothing until reused.
 */

#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>

#if RTE_HAS_LIBNUMA
#include <numa.h>
#endif

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "malloc_elem.h"
#include "malloc_heap.h"


pthread_mutex_t malloc_heaps_lock = PTHREAD_MUTEX_INITIALIZER;
struct malloc_heap malloc_numa_heaps[RTE_MAX_NUMA_NODES];
struct malloc_heap malloc_ext_heaps[RTE_MAX_HEAPS];
bool malloc_heaps_ready;
/* False for static memory (--legacy-mem, --no-huge without --dynamic-mem). */
bool malloc_heaps_dynamic;

/*
 * The slow side of a heap's lock (malloc_heap.h says why it is not a mutex).
 *
 * A waiter probes the lock word with exponential backoff. Every probe of a
 * held lock pulls its cache line to the waiter, so the holder's next lock
 * or unlock stalls until the line comes back: probing after every pause,
 * two threads doing 64-byte malloc/free pairs ran 5x slower than one, and
 * slower than DPDK's spinlock, whose longer operations hide the same cost.
 * Backoff lets the holder finish its run of operations from its own cache
 * (measured: 4-5 M pairs/s -> 14-16 M pairs/s). After LOCK_SPIN_PAUSES
 * pauses (tens to hundreds of microseconds: a pause costs 4-40 ns by CPU)
 * the waiter sleeps, since growth holds the lock for milliseconds; woken
 * (or at the bound of a sleep) it spins only LOCK_RESPIN_PAUSES before
 * sleeping again, so that a waiter through a long hold stays asleep.
 */
#define LOCK_BACKOFF_MAX 256    /* pauses between two probes, at most */
#define LOCK_SPIN_PAUSES 8192   /* pauses before the first sleep */
#define LOCK_RESPIN_PAUSES 256  /* pauses before each further sleep */
#define LOCK_SLEEP_NS 1000000   /* bound on one sleep */

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

static bool
lock_spin(struct malloc_heap_lock *l, unsigned int budget)
{
	unsigned int spent = 0, delay = 1, i;

	while (spent < budget) {
		for (i = 0; i < delay; i++)
			cpu_relax();
		spent += delay;
		if (delay < LOCK_BACKOFF_MAX)
			delay <<= 1;
		if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) == 0 &&
				__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0)
			return true;
	}
	return false;
}

void
malloc_heap_lock_wait(struct malloc_heap_lock *l)
{
	const struct timespec bound = { 0, LOCK_SLEEP_NS };
	unsigned int budget = LOCK_SPIN_PAUSES;

	for (; !lock_spin(l, budget); budget = LOCK_RESPIN_PAUSES) {
		__atomic_fetch_add(&l->sleepers, 1, __ATOMIC_SEQ_CST);
		/* sleeps only while the word still reads 1 */
		syscall(SYS_futex, &l->locked, FUTEX_WAIT, 1, &bound, NULL, 0);
		/* awake: the next unlock may wake another sleeper */
		__atomic_store_n(&l->wake_sent, 0, __ATOMIC_RELEASE);
		__atomic_fetch_sub(&l->sleepers, 1, __ATOMIC_RELAXED);
		if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0)
			return;
	}
}

void
malloc_heap_lock_wake(struct malloc_heap_lock *l)
{
	/*
	 * One wake-up per sleep: until the woken thread runs, the holder's
	 * next unlocks would only repeat the system call (three to fifty of
	 * them per sleep, measured).
	 */
	if (__atomic_exchange_n(&l->wake_sent, 1, __ATOMIC_ACQ_REL) == 0)
		syscall(SYS_futex, &l->locked, FUTEX_WAKE, 1, NULL, NULL, 0);
}

bool
malloc_heap_is_ours(const struct malloc_heap *heap)
{
	uintptr_t h = (uintptr_t)heap;

	return (h >= (uintptr_t)&malloc_numa_heaps[0] &&
			h < (uintptr_t)&malloc_numa_heaps[RTE_DIM(malloc_numa_heaps)] &&
			(h - (uintptr_t)&malloc_numa_heaps[0]) % sizeof(*heap) == 0) ||
		(h >= (uintptr_t)&malloc_ext_heaps[0] &&
			h < (uintptr_t)&malloc_ext_heaps[RTE_DIM(malloc_ext_heaps)] &&
			(h - (uintptr_t)&malloc_ext_heaps[0]) % sizeof(*heap) == 0);
}

/* Forget a heap's contents (the memory itself is dealt with by the caller). */
static void
heap_reset(struct malloc_heap *heap)
{
	heap->first = NULL;
	heap->last = NULL;
	memset(heap->free_head, 0, sizeof(heap->free_head));
	heap->free_mask = 0;
	heap->total_size = 0;
	heap->busy_size = 0;
	heap->alloc_count = 0;
	heap->regions = NULL;
}

void
malloc_heap_activate(struct malloc_heap *heap, const char *name, int socket,
		bool external)
{
	malloc_heap_lock(&heap->lock);
	heap_reset(heap);
	snprintf(heap->name, sizeof(heap->name), "%s", name);
	heap->socket_id = socket;
	heap->external = external;
	__atomic_store_n(&heap->active, true, __ATOMIC_RELEASE);
	malloc_heap_unlock(&heap->lock);
}

static void
numa_heap_activate(int socket)
{
	char name[RTE_HEAP_NAME_MAX_LEN];

	if (malloc_numa_heaps[socket].active)
		return;
	snprintf(name, sizeof(name), "socket_%d", socket);
	malloc_heap_activate(&malloc_numa_heaps[socket], name, socket, false);
}

struct malloc_heap *
malloc_heap_by_socket(int socket)
{
	struct malloc_heap *heap = NULL;

	if (socket >= 0 && socket < RTE_MAX_NUMA_NODES)
		heap = &malloc_numa_heaps[socket];
	else if (socket >= RTE_MAX_NUMA_NODES &&
			socket < RTE_MAX_NUMA_NODES + RTE_MAX_HEAPS)
		heap = &malloc_ext_heaps[socket - RTE_MAX_NUMA_NODES];
	/* Unlocked peek; whoever uses the heap re-checks under its lock. */
	return heap != NULL && __atomic_load_n(&heap->active, __ATOMIC_ACQUIRE) ?
		heap : NULL;
}

struct malloc_heap *
malloc_heap_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(malloc_numa_heaps); i++)
		if (malloc_numa_heaps[i].active && strcmp(malloc_numa_heaps[i].name, name) == 0)
			return &malloc_numa_heaps[i];
	for (i = 0; i < RTE_DIM(malloc_ext_heaps); i++)
		if (malloc_ext_heaps[i].active &&
				strcmp(malloc_ext_heaps[i].name, name) == 0)
			return &malloc_ext_heaps[i];
	return NULL;
}

void
malloc_heap_add_memory(struct malloc_heap *heap, void *va, size_t len,
		struct rte_memseg_list *msl)
{
	struct malloc_elem *elem, *prev;

	elem = malloc_elem_init(va, heap, msl, len, ELEM_BUSY);
	/* Growth usually lands above what the heap has: search from the end. */
	for (prev = heap->last; prev != NULL && (uintptr_t)prev > (uintptr_t)va;
			prev = prev->prev)
		;
	malloc_elem_insert_after(prev, elem);
	heap->total_size += len;
	malloc_elem_free(elem);
}

/* Allocate from one heap, growing it when allowed. */
static void *
heap_alloc(struct malloc_heap *heap, size_t req, size_t align)
{
	struct malloc_elem_fit fit;
	struct malloc_elem *elem;
	void *data = NULL;
	int err = ENOMEM;

	malloc_heap_lock(&heap->lock);
	if (!heap->active) {
		malloc_heap_unlock(&heap->lock);
		EAL_LOG(ERR, "rte_malloc: the heap was destroyed");
		rte_errno = EINVAL;
		return NULL;
	}
	elem = malloc_elem_find(heap, req, align, &fit);
	if (elem == NULL && malloc_heaps_dynamic && !heap->external) {
		if (malloc_heap_grow(heap, req, align, 0) == 0)
			elem = malloc_elem_find(heap, req, align, &fit);
		else
			err = rte_errno; /* ENOMEM or a callback's refusal */
	}
	if (elem != NULL) {
		elem = malloc_elem_alloc(elem, req, &fit);
		heap->busy_size += elem->size;
		heap->alloc_count++;
		data = malloc_elem_data(elem);
	}
	malloc_heap_unlock(&heap->lock);
	if (data == NULL)
		rte_errno = err;
	return data;
}

int
malloc_heap_caller_socket(void)
{
#if RTE_HAS_LIBNUMA
	static pthread_mutex_t numa_lookup_lock = PTHREAD_MUTEX_INITIALIZER;
	static __thread int cached __attribute__((tls_model("initial-exec"))) = -2;
	int cpu, node;

	if (cached == -2) {
		cpu = sched_getcpu();
		pthread_mutex_lock(&numa_lookup_lock);
		node = cpu >= 0 && numa_available() >= 0 ? numa_node_of_cpu(cpu) : -1;
		pthread_mutex_unlock(&numa_lookup_lock);
		cached = node >= 0 ? node : 0;
	}
	return cached;
#else
	return 0;
#endif
}

void *
malloc_heap_alloc(size_t req, size_t align, int socket)
{
	struct malloc_heap *heap;
	int local, i;
	void *data;

	/* set at init, before any other thread can allocate */
	if (!malloc_heaps_ready) {
		EAL_LOG(ERR, "rte_malloc: the EAL is not initialized: call rte_eal_init() first (E_RTE_NO_CONFIG)");
		rte_errno = E_RTE_NO_CONFIG;
		return NULL;
	}
	if (socket != SOCKET_ID_ANY) {
		heap = malloc_heap_by_socket(socket);
		if (heap == NULL) {
			EAL_LOG(ERR, "rte_malloc: no heap for socket %d: pass a NUMA node with memory, the socket id of an external heap, or SOCKET_ID_ANY",
				socket);
			rte_errno = EINVAL;
			return NULL;
		}
		return heap_alloc(heap, req, align);
	}
	/* The caller's node first, then the others; never external heaps. */
	local = malloc_heap_caller_socket();
	for (i = -1; i < RTE_MAX_NUMA_NODES; i++) {
		if (i == local)
			continue;
		heap = malloc_heap_by_socket(i < 0 ? local : i);
		if (heap == NULL)
			continue;
		data = heap_alloc(heap, req, align);
		if (data != NULL || rte_errno != ENOMEM)
			return data;
	}
	EAL_LOG(DEBUG, "rte_malloc: no heap has %zu bytes aligned to %zu", req,
		align);
	rte_errno = ENOMEM;
	return NULL;
}

int
malloc_heaps_trim(size_t keep, size_t *released)
{
	size_t total = 0, n;
	unsigned int i;

	pthread_mutex_lock(&malloc_heaps_lock);
	if (!malloc_heaps_ready) {
		pthread_mutex_unlock(&malloc_heaps_lock);
		EAL_LOG(ERR, "rte_malloc_heap_trim/keep_set: the EAL is not initialized: call rte_eal_init() first (E_RTE_NO_CONFIG)");
		return eal_fail(E_RTE_NO_CONFIG);
	}
	if (keep != SIZE_MAX)
		malloc_heap_keep_set(keep);
	for (i = 0; i < RTE_DIM(malloc_numa_heaps); i++) {
		struct malloc_heap *heap = &malloc_numa_heaps[i];

		malloc_heap_lock(&heap->lock);
		if (heap->active) {
			n = keep == SIZE_MAX ? malloc_heap_trim(heap, 0, false) :
				malloc_heap_trim(heap, keep, true);
			if (n > 0)
				EAL_LOG(INFO, "heap %s: gave back %zu bytes of free pages to the system",
					heap->name, n);
			total += n;
		}
		malloc_heap_unlock(&heap->lock);
	}
	pthread_mutex_unlock(&malloc_heaps_lock);
	if (released != NULL)
		*released = total;
	return 0;
}

/* Memory present at init, gathered by a walk and added after it. */
struct init_run {
	void *va;
	size_t len;
	struct rte_memseg_list *msl;
};

struct init_runs {
	struct init_run *runs;
	unsigned int n, cap;
};

static int
collect_run(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		size_t len, void *arg)
{
	struct init_runs *r = arg;
	struct init_run *grown;

	if (msl->external)
		return 0;
	if (r->n == r->cap) {
		r->cap = r->cap != 0 ? 2 * r->cap : 64;
		grown = realloc(r->runs, r->cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		r->runs = grown;
	}
	r->runs[r->n].va = ms->addr;
	r->runs[r->n].len = len;
	r->runs[r->n].msl = (struct rte_memseg_list *)(uintptr_t)msl;
	r->n++;
	return 0;
}

int
eal_malloc_heap_init(void)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	int sockets[RTE_MAX_NUMA_NODES];
	struct init_runs r = { NULL, 0, 0 };
	struct malloc_heap *heap;
	unsigned int i, n;
	int socket;

	pthread_mutex_lock(&malloc_heaps_lock);
	malloc_heap_keep_set(cfg->heap_keep != SIZE_MAX ? cfg->heap_keep :
		MALLOC_HEAP_KEEP_DEFAULT);
	malloc_heaps_dynamic = !cfg->legacy_mem &&
		!(cfg->no_hugetlbfs && !cfg->dynamic_sys_mem);
	n = eal_memalloc_sockets(sockets, RTE_MAX_NUMA_NODES);
	for (i = 0; i < n; i++)
		if (sockets[i] >= 0 && sockets[i] < RTE_MAX_NUMA_NODES)
			numa_heap_activate(sockets[i]);
	if (n == 0)
		numa_heap_activate(0);
	/* The walk holds the hotplug lock: heap locks are taken after it. */
	if (rte_memseg_contig_walk(collect_run, &r) < 0) {
		free(r.runs);
		pthread_mutex_unlock(&malloc_heaps_lock);
		EAL_LOG(ERR, "heap: out of memory while collecting the memory present at init");
		return eal_fail(ENOMEM);
	}
	for (i = 0; i < r.n; i++) {
		socket = r.runs[i].msl->socket_id;
		if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
			socket = 0;
		numa_heap_activate(socket);
		heap = &malloc_numa_heaps[socket];
		malloc_heap_lock(&heap->lock);
		malloc_heap_add_memory(heap, r.runs[i].va, r.runs[i].len, r.runs[i].msl);
		malloc_heap_unlock(&heap->lock);
	}
	free(r.runs);
	malloc_heaps_ready = true;
	pthread_mutex_unlock(&malloc_heaps_lock);
	return 0;
}

void
eal_malloc_heap_cleanup(void)
{
	struct malloc_heap *heap;
	unsigned int i;

	pthread_mutex_lock(&malloc_heaps_lock);
	for (i = 0; i < RTE_DIM(malloc_ext_heaps); i++) {
		heap = &malloc_ext_heaps[i];
		malloc_heap_lock(&heap->lock);
		while (heap->active && heap->regions != NULL) {
			struct malloc_heap_region *region = heap->regions;

			eal_mem_hotplug_write_lock();
			eal_mem_event_notify(RTE_MEM_EVENT_FREE, region->va,
				region->len);
			region->msl->heap = 0;
			eal_extmem_list_destroy(region->msl);
			eal_mem_hotplug_write_unlock();
			heap->regions = region->next;
			free(region);
		}
		heap_reset(heap);
		__atomic_store_n(&heap->active, false, __ATOMIC_RELEASE);
		heap->name[0] = '\0';
		malloc_heap_unlock(&heap->lock);
	}
	/* NUMA heap pages go back to the system with the memory layer. */
	for (i = 0; i < RTE_DIM(malloc_numa_heaps); i++) {
		heap = &malloc_numa_heaps[i];
		malloc_heap_lock(&heap->lock);
		heap_reset(heap);
		__atomic_store_n(&heap->active, false, __ATOMIC_RELEASE);
		malloc_heap_unlock(&heap->lock);
	}
	malloc_heaps_ready = false;
	pthread_mutex_unlock(&malloc_heaps_lock);
}
