/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc heaps: one per NUMA node with memory (socket id = node) and up
 * to RTE_MAX_HEAPS named external heaps (socket id RTE_MAX_NUMA_NODES + slot).
 *
 * Locks, outermost first (eal_memcfg.h continues the order):
 *   0. malloc_heaps_lock (this file): a mutex over the heap table as a whole
 *      (create, destroy, lookup by name) and over the external memory
 *      operations (malloc_heap_external.c), which hold it throughout so
 *      that the heap cannot be destroyed under them.
 *   1. a heap's lock (struct malloc_heap): a mutex over its elements, free
 *      lists, counters and regions. Allocation and free take only this one.
 *      It is a mutex, not a spinlock, because growth and shrink allocate
 *      and release pages (and VFIO maps them) while holding it.
 *   2. the memory hotplug lock, taken for writing by growth, shrink and
 *      external memory add/remove around page allocation/release, the
 *      extmem list and the memory event; then 3. and 4. inside the events.
 * numa_lookup_lock (caller_socket()) is a leaf: libnuma's node-to-cpus
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

#define MAX_PAGE_SIZES 8

pthread_mutex_t malloc_heaps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct malloc_heap numa_heaps[RTE_MAX_NUMA_NODES];
struct malloc_heap malloc_ext_heaps[RTE_MAX_HEAPS];
bool malloc_heaps_ready;
/* False for static memory (--legacy-mem, --no-huge without --dynamic-mem). */
static bool heaps_dynamic;

/* Heap locks must be usable before init: a racing caller may take one. */
__attribute__((constructor)) static void
heap_locks_init(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(numa_heaps); i++)
		pthread_mutex_init(&numa_heaps[i].lock, NULL);
	for (i = 0; i < RTE_DIM(malloc_ext_heaps); i++)
		pthread_mutex_init(&malloc_ext_heaps[i].lock, NULL);
}

static bool
heap_is_ours(const struct malloc_heap *heap)
{
	uintptr_t h = (uintptr_t)heap;

	return (h >= (uintptr_t)&numa_heaps[0] &&
			h < (uintptr_t)&numa_heaps[RTE_DIM(numa_heaps)] &&
			(h - (uintptr_t)&numa_heaps[0]) % sizeof(*heap) == 0) ||
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
	heap->total_size = 0;
	heap->busy_size = 0;
	heap->alloc_count = 0;
	heap->regions = NULL;
}

void
malloc_heap_activate(struct malloc_heap *heap, const char *name, int socket,
		bool external)
{
	pthread_mutex_lock(&heap->lock);
	heap_reset(heap);
	snprintf(heap->name, sizeof(heap->name), "%s", name);
	heap->socket_id = socket;
	heap->external = external;
	__atomic_store_n(&heap->active, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&heap->lock);
}

static void
numa_heap_activate(int socket)
{
	char name[RTE_HEAP_NAME_MAX_LEN];

	if (numa_heaps[socket].active)
		return;
	snprintf(name, sizeof(name), "socket_%d", socket);
	malloc_heap_activate(&numa_heaps[socket], name, socket, false);
}

struct malloc_heap *
malloc_heap_by_socket(int socket)
{
	struct malloc_heap *heap = NULL;

	if (socket >= 0 && socket < RTE_MAX_NUMA_NODES)
		heap = &numa_heaps[socket];
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

	for (i = 0; i < RTE_DIM(numa_heaps); i++)
		if (numa_heaps[i].active && strcmp(numa_heaps[i].name, name) == 0)
			return &numa_heaps[i];
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

/*
 * Give the whole pages of a free element of dynamic memory back to the
 * system, keeping partial head and tail pages (if big enough for an
 * element) in the heap. Heap lock held.
 */
static void
heap_shrink(struct malloc_elem *elem)
{
	const struct rte_memseg_list *msl = elem->msl;
	uintptr_t start, end, ps, pe, rs, re;
	size_t pg;

	if (!heaps_dynamic || msl == NULL || msl->external ||
			eal_memseg_list_is_static(msl))
		return;
	pg = msl->page_sz;
	while (elem != NULL) {
		start = (uintptr_t)elem;
		end = start + elem->size;
		ps = RTE_ALIGN_CEIL(start, (uintptr_t)pg);
		if (ps != start && ps - start < MALLOC_ELEM_MIN_LEN)
			ps += pg;
		pe = RTE_ALIGN_FLOOR(end, (uintptr_t)pg);
		if (pe != end && end - pe < MALLOC_ELEM_MIN_LEN)
			pe -= pg;
		if (pe <= ps || pe - ps < pg)
			return;
		/* Pages the memory layer wants kept (DO_NOT_FREE) stay. */
		for (rs = ps; rs < pe && !page_releasable(msl, rs); rs += pg)
			;
		for (re = rs; re < pe && page_releasable(msl, re); re += pg)
			;
		if (rs == re)
			return;
		elem = heap_cut_pages(elem, rs, re);
	}
}

/* Page sizes to grow with, best first: least memory, then fewest pages. */
static unsigned int
growth_page_sizes(size_t need, uint64_t *sizes)
{
	unsigned int n = eal_memalloc_page_sizes(sizes, MAX_PAGE_SIZES);
	unsigned int i, j;

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
 * Add enough new pages to a NUMA heap for req bytes aligned to align.
 * Heap lock held. Returns 0, or -1 with rte_errno ENOMEM or the rte_errno
 * of the memory event callback that refused the pages.
 */
static int
heap_grow(struct malloc_heap *heap, size_t req, size_t align)
{
	/*
	 * New pages start page aligned, so the data starts at most align
	 * (at least a header) past their start, whatever the page size.
	 */
	size_t need = RTE_MAX(align, MALLOC_ELEM_HEADER_LEN) +
		malloc_elem_data_len(req);
	uint64_t sizes[MAX_PAGE_SIZES];
	struct rte_memseg_list *msl;
	unsigned int i, n;
	uint64_t n_pages;
	size_t len;
	void *va;
	int err;

	n = growth_page_sizes(need, sizes);
	for (i = 0; i < n; i++) {
		n_pages = RTE_ALIGN_CEIL((uint64_t)need, sizes[i]) / sizes[i];
		if (n_pages > UINT_MAX || n_pages * sizes[i] > SIZE_MAX)
			continue;
		len = (size_t)(n_pages * sizes[i]);
		eal_mem_hotplug_write_lock();
		va = eal_memalloc_alloc_pages(heap->socket_id, sizes[i],
			(unsigned int)n_pages);
		if (va == NULL) {
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
		/* Nobody else frees heap pages: the lookup may take the lock itself. */
		msl = rte_mem_virt2memseg_list(va);
		if (msl == NULL) {
			EAL_LOG(ERR, "heap %s: new pages at %p belong to no memseg list",
				heap->name, va);
			release_pages(va, len);
			return eal_fail(EFAULT);
		}
		malloc_heap_add_memory(heap, va, len, msl);
		EAL_LOG(DEBUG, "heap %s: grew by %" PRIu64 " page(s) of %" PRIu64 " bytes at %p",
			heap->name, n_pages, sizes[i], va);
		return 0;
	}
	return eal_fail(ENOMEM);
}

/* Allocate from one heap, growing it when allowed. */
static void *
heap_alloc(struct malloc_heap *heap, size_t req, size_t align)
{
	struct malloc_elem_fit fit;
	struct malloc_elem *elem;
	void *data = NULL;
	int err = ENOMEM;

	pthread_mutex_lock(&heap->lock);
	if (!heap->active) {
		pthread_mutex_unlock(&heap->lock);
		EAL_LOG(ERR, "rte_malloc: the heap was destroyed");
		rte_errno = EINVAL;
		return NULL;
	}
	elem = malloc_elem_find(heap, req, align, &fit);
	if (elem == NULL && heaps_dynamic && !heap->external) {
		if (heap_grow(heap, req, align) == 0)
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
	pthread_mutex_unlock(&heap->lock);
	if (data == NULL)
		rte_errno = err;
	return data;
}

/* NUMA node of the calling thread (0 when unknown). */
static int
caller_socket(void)
{
#if RTE_HAS_LIBNUMA
	static pthread_mutex_t numa_lookup_lock = PTHREAD_MUTEX_INITIALIZER;
	static __thread int cached = -2;
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
	local = caller_socket();
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

/*
 * The element a pointer claims to belong to, checked as far as can be done
 * without its heap's lock: the header is mapped heap memory with a valid
 * cookie. Logs one ERR line (unless quiet) and returns NULL otherwise.
 * Not caught: two threads freeing the same pointer at once (the first may
 * give the page back while the second reads the header).
 */
static struct malloc_elem *
elem_candidate(const void *ptr, const char *fn, bool quiet)
{
	struct malloc_elem *hdr, *elem;
	const char *why;

	if (!RTE_IS_ALIGNED(ptr, RTE_CACHE_LINE_SIZE)) {
		why = "not aligned as heap allocations are";
		goto bad;
	}
	hdr = RTE_PTR_SUB(ptr, MALLOC_ELEM_HEADER_LEN);
	if ((uintptr_t)ptr < MALLOC_ELEM_HEADER_LEN ||
			rte_mem_virt2memseg(hdr, NULL) == NULL) {
		why = "not in EAL memory";
		goto bad;
	}
	if (!malloc_elem_cookie_ok(hdr)) {
		why = "no valid heap header before it (not returned by rte_malloc, or freed and reused)";
		goto bad;
	}
	elem = hdr;
	if (hdr->state == ELEM_PAD) {
		elem = RTE_PTR_SUB(hdr, hdr->size);
		if (!malloc_elem_cookie_ok(elem) || elem->state != ELEM_BUSY ||
				elem->pad != hdr->size) {
			why = "its alignment header is corrupted";
			goto bad;
		}
	}
	if (!heap_is_ours(elem->heap)) {
		why = "its header is corrupted";
		goto bad;
	}
	return elem;
bad:
	if (!quiet)
		EAL_LOG(ERR, "%s(%p): %s; nothing done", fn, ptr, why);
	rte_errno = EINVAL;
	return NULL;
}

/* Finish the checks of elem_candidate() under the heap lock. */
static int
check_live(const struct malloc_elem *elem, const void *ptr, const char *fn)
{
	const char *why = NULL;

	if (!elem->heap->active || !malloc_elem_cookie_ok(elem))
		why = "no valid heap header before it (freed already?)";
	else if (elem->state == ELEM_FREE)
		why = "the block is free already (double free or use after free)";
	else if (elem->state != ELEM_BUSY || malloc_elem_data(elem) != ptr)
		why = "not the start of a live allocation";
	else if (!malloc_elem_trailer_ok(elem))
		why = "written past its end (overflow of the allocation): heap memory is corrupted, so it is kept";
	if (why == NULL)
		return 0;
	EAL_LOG(ERR, "%s(%p): %s; nothing done", fn, ptr, why);
	return eal_fail(EINVAL);
}

/* Lock the heap of a live allocation; NULL (logged) if ptr is not one. */
static struct malloc_elem *
lock_live_elem(const void *ptr, const char *fn)
{
	struct malloc_elem *elem = elem_candidate(ptr, fn, false);

	if (elem == NULL)
		return NULL;
	pthread_mutex_lock(&elem->heap->lock);
	if (check_live(elem, ptr, fn) < 0) {
		pthread_mutex_unlock(&elem->heap->lock);
		return NULL;
	}
	return elem;
}

int
malloc_heap_free(void *ptr)
{
	struct malloc_elem *elem = lock_live_elem(ptr, "rte_free");
	struct malloc_heap *heap;

	if (elem == NULL)
		return -1;
	heap = elem->heap;
	heap->busy_size -= elem->size;
	heap->alloc_count--;
	heap_shrink(malloc_elem_free(elem));
	pthread_mutex_unlock(&heap->lock);
	return 0;
}

int
malloc_heap_validate(const void *ptr, size_t *size)
{
	struct malloc_elem *elem = lock_live_elem(ptr, "rte_malloc_validate");

	if (elem == NULL)
		return -1;
	if (size != NULL)
		*size = malloc_elem_usable(elem);
	pthread_mutex_unlock(&elem->heap->lock);
	return 0;
}

int
malloc_heap_resize(void *ptr, size_t req, size_t align, int socket)
{
	struct malloc_elem *elem = lock_live_elem(ptr, "rte_realloc");
	struct malloc_elem *next;
	struct malloc_heap *heap;
	size_t len, old_size;
	int ret = 1;

	if (elem == NULL)
		return -1;
	heap = elem->heap;
	old_size = elem->size;
	len = MALLOC_ELEM_HEADER_LEN + elem->pad + malloc_elem_data_len(req);
	if ((socket != SOCKET_ID_ANY && socket != heap->socket_id) ||
			!RTE_IS_ALIGNED(ptr, align))
		goto out;
	next = elem->next;
	if (len > elem->size && malloc_elem_touch(elem, next) &&
			next->state == ELEM_FREE && elem->size + next->size >= len) {
		malloc_elem_free_list_remove(next);
		malloc_elem_unlink(next);
		elem->size += next->size;
		malloc_elem_forget(next);
	}
	if (len > elem->size)
		goto out;
	ret = 0;
	if (elem->size - len >= MALLOC_ELEM_MIN_LEN) {
		malloc_elem_split_tail(elem, len);
		heap_shrink(elem->next);
	}
	elem->req = req;
	malloc_elem_set_trailer(elem);
	heap->busy_size += elem->size;
	heap->busy_size -= old_size;
out:
	pthread_mutex_unlock(&heap->lock);
	return ret;
}

int
malloc_heap_socket_of(const void *ptr)
{
	struct malloc_elem *elem = elem_candidate(ptr, "rte_realloc", true);

	return elem != NULL ? elem->heap->socket_id : SOCKET_ID_ANY;
}

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
	pthread_mutex_lock(&heap->lock);
	if (!heap->active) {
		pthread_mutex_unlock(&heap->lock);
		EAL_LOG(ERR, "rte_malloc_get_socket_stats: no heap for socket %d",
			socket);
		return eal_fail(EINVAL);
	}
	heap_stats(heap, stats);
	pthread_mutex_unlock(&heap->lock);
	return 0;
}

static void
dump_heap(struct malloc_heap *heap, FILE *f, bool elems)
{
	struct rte_malloc_socket_stats st;
	const struct malloc_elem *elem;

	pthread_mutex_lock(&heap->lock);
	if (!heap->active) {
		pthread_mutex_unlock(&heap->lock);
		return;
	}
	heap_stats(heap, &st);
	fprintf(f, "heap %s (socket %d%s): total %zu, free %zu in %u block(s) (largest %zu), allocated %zu in %u block(s)\n",
		heap->name, heap->socket_id, heap->external ? ", external" : "",
		st.heap_totalsz_bytes, st.heap_freesz_bytes, st.free_count,
		st.greatest_free_size, st.heap_allocsz_bytes, st.alloc_count);
	for (elem = heap->first; elems && elem != NULL; elem = elem->next)
		malloc_elem_dump(elem, f);
	pthread_mutex_unlock(&heap->lock);
}

static void
dump_all(FILE *f, bool elems)
{
	unsigned int i;

	if (f == NULL)
		f = stdout;
	for (i = 0; i < RTE_DIM(numa_heaps); i++)
		dump_heap(&numa_heaps[i], f, elems);
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
	struct malloc_heap *heaps[2] = { numa_heaps, malloc_ext_heaps };
	unsigned int n[2] = { RTE_DIM(numa_heaps), RTE_DIM(malloc_ext_heaps) };
	const struct rte_memseg *ms;
	const struct rte_memseg_list *msl = NULL;
	unsigned int k, i;

	if (addr == NULL || rte_mem_virt2memseg_list(addr) == NULL)
		goto bad;
	/* Most callers pass the pointer rte_malloc returned. */
	candidate = elem_candidate(addr, "rte_malloc_virt2iova", true);
	for (k = 0; k < 2 && elem == NULL; k++) {
		for (i = 0; i < n[k] && elem == NULL; i++) {
			struct malloc_heap *heap = &heaps[k][i];

			pthread_mutex_lock(&heap->lock);
			if (heap->active) {
				elem = find_busy(heap, addr, candidate);
				if (elem != NULL)
					msl = elem->msl;
			}
			pthread_mutex_unlock(&heap->lock);
		}
	}
	if (elem == NULL)
		goto bad;
	ms = rte_mem_virt2memseg(addr, msl);
	if (ms == NULL)
		goto bad;
	if (ms->iova == RTE_BAD_IOVA) {
		EAL_LOG(ERR, "rte_malloc_virt2iova(%p): the IOVA of this memory is unknown (external memory added without IOVAs?)",
			addr);
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	return ms->iova + RTE_PTR_DIFF(addr, ms->addr);
bad:
	EAL_LOG(ERR, "rte_malloc_virt2iova(%p): not inside a live heap allocation",
		addr);
	rte_errno = EINVAL;
	return RTE_BAD_IOVA;
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
	heaps_dynamic = !cfg->legacy_mem &&
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
		heap = &numa_heaps[socket];
		pthread_mutex_lock(&heap->lock);
		malloc_heap_add_memory(heap, r.runs[i].va, r.runs[i].len, r.runs[i].msl);
		pthread_mutex_unlock(&heap->lock);
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
		pthread_mutex_lock(&heap->lock);
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
		pthread_mutex_unlock(&heap->lock);
	}
	/* NUMA heap pages go back to the system with the memory layer. */
	for (i = 0; i < RTE_DIM(numa_heaps); i++) {
		heap = &numa_heaps[i];
		pthread_mutex_lock(&heap->lock);
		heap_reset(heap);
		__atomic_store_n(&heap->active, false, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&heap->lock);
	}
	malloc_heaps_ready = false;
	pthread_mutex_unlock(&malloc_heaps_lock);
}
