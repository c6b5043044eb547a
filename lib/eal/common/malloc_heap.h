/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _MALLOC_HEAP_H_
#define _MALLOC_HEAP_H_

/*
 * The malloc heaps (internal): one per NUMA node with memory, plus named
 * external heaps. rte_malloc.c is the public face; locking and the list of
 * the heap's files are in malloc_heap.c.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "malloc_elem.h"

/*
 * A heap's lock. Taking it is one atomic exchange and letting it go one
 * release store, as DPDK's spinlock, where a pthread mutex costs a second
 * atomic operation on every unlock: on a 64-byte malloc/free pair the
 * mutex was half of the time. Unlike a spinlock it does not burn a CPU
 * while growth holds it for milliseconds (pages allocated, DMA-mapped):
 * a waiter spins with backoff (malloc_heap.c says why), then sleeps on a
 * futex. The unlocker wakes one sleeper when it sees one; since its store
 * and that check are not ordered against a sleeper arriving, sleeps are
 * bounded (a millisecond) so a missed wake-up only delays. Zero is
 * unlocked; the words can live in shared memory (no process-local state).
 */
struct malloc_heap_lock {
	uint32_t locked;     /* 0 or 1 */
	uint32_t sleepers;   /* threads in (or entering) the futex wait */
	uint32_t wake_sent;  /* a wake-up is on its way to a sleeper */
};

void malloc_heap_lock_wait(struct malloc_heap_lock *l);

static inline void
malloc_heap_lock(struct malloc_heap_lock *l)
{
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0)
		malloc_heap_lock_wait(l);
}

/* 0 when taken, -1 when held by someone else. */
static inline int
malloc_heap_trylock(struct malloc_heap_lock *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0 ? 0 : -1;
}

void malloc_heap_lock_wake(struct malloc_heap_lock *l);

static inline void
malloc_heap_unlock(struct malloc_heap_lock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	if (__atomic_load_n(&l->sleepers, __ATOMIC_RELAXED) != 0)
		malloc_heap_lock_wake(l);
}

/* A region of external memory added to a heap (memory_add). */
struct malloc_heap_region {
	struct malloc_heap_region *next;
	void *va;
	size_t len;
	struct rte_memseg_list *msl;
};

struct malloc_heap {
	struct malloc_heap_lock lock;  /* everything below but name/active */
	char name[RTE_HEAP_NAME_MAX_LEN];
	int socket_id;
	bool active;                   /* changed under heaps lock + lock */
	bool external;
	struct malloc_elem *first;     /* every element, in VA order */
	struct malloc_elem *last;
	struct malloc_elem *free_head[MALLOC_FREE_LISTS];
	uint32_t free_mask;            /* bit c: free_head[c] not empty */
	size_t total_size;             /* bytes of memory the heap holds */
	size_t busy_size;              /* bytes of allocated elements */
	unsigned int alloc_count;
	struct malloc_heap_region *regions; /* external memory added */
};

/*
 * Allocate req bytes aligned to align (a power of two, at least a cache
 * line) on socket (a heap's socket or SOCKET_ID_ANY). Returns the data or
 * NULL with rte_errno EINVAL (unknown socket), ENOMEM, or the rte_errno of
 * a memory event callback that refused new pages.
 */
void *malloc_heap_alloc(size_t req, size_t align, int socket);

/* Free a pointer from malloc_heap_alloc(); -1 EINVAL (one ERR line) if bad. */
int malloc_heap_free(void *ptr);

/* Usable size of a live allocation; -1 EINVAL (one ERR line) if bad. */
int malloc_heap_validate(const void *ptr, size_t *size);

/*
 * Resize a live allocation in place (shrink, or grow into a free
 * neighbour) when its data already honours align and, unless socket is
 * SOCKET_ID_ANY, it is on that socket. Returns 0 when done, 1 when the
 * caller must move it, -1 EINVAL when ptr is not a live allocation.
 */
int malloc_heap_resize(void *ptr, size_t req, size_t align, int socket);

/* NUMA node of the calling thread (0 when unknown), cached per thread. */
int malloc_heap_caller_socket(void);

/* A block reserved for a memzone (malloc_heap_zone.c). */
struct malloc_zone_block {
	void *addr;
	size_t len;
	const struct rte_memseg_list *msl;
};

/*
 * Reserve a memzone's block: len bytes (0: the largest free block the
 * heaps hold, without growing them), aligned to align (a power of two, at
 * least a cache line), not crossing a multiple of bound (0, or a power of
 * two >= len), on socket (a heap's socket id or SOCKET_ID_ANY), in pages
 * whose size is in pgsz_mask (an OR of page sizes; 0: any), contiguous in
 * IOVA when contig. It is a live allocation (malloc_heap_free() releases
 * it). Returns 0, or -1 with rte_errno EINVAL (unknown socket), ENOMEM, or
 * the rte_errno of a memory event callback that refused new pages.
 */
int malloc_heap_alloc_zone(size_t len, size_t align, size_t bound, int socket,
		uint64_t pgsz_mask, bool contig, struct malloc_zone_block *out);

/* Socket id of the heap of a live allocation (no checks, no log), or -1. */
int malloc_heap_socket_of(const void *ptr);

/* Statistics and dumps (all heaps). */
int malloc_heap_get_stats(int socket, struct rte_malloc_socket_stats *stats);
void malloc_heap_dump_stats(FILE *f);
void malloc_heap_dump(FILE *f);

/* IOVA of an address inside a live allocation. */
rte_iova_t malloc_heap_virt2iova(const void *addr);

/*
 * The heap table, owned by malloc_heap.c (where its locks and their order
 * are described) and shared with malloc_heap_external.c, which creates,
 * fills and destroys the external heaps.
 */
extern pthread_mutex_t malloc_heaps_lock;
extern struct malloc_heap malloc_ext_heaps[RTE_MAX_HEAPS];
/* Written under malloc_heaps_lock by heap init and cleanup. */
extern bool malloc_heaps_ready;

/* The heap of a socket id, or NULL. Unlocked: callers re-check active. */
struct malloc_heap *malloc_heap_by_socket(int socket);
/* The active heap named name (NUMA or external), or NULL; heaps lock held. */
struct malloc_heap *malloc_heap_by_name(const char *name);
/* Make a free slot a heap: empty, named, on socket; takes the heap lock. */
void malloc_heap_activate(struct malloc_heap *heap, const char *name,
		int socket, bool external);
/*
 * Add memory [va, va + len) of one memseg list to a heap as a free element,
 * merged with touching free neighbours. Heap lock held.
 */
void malloc_heap_add_memory(struct malloc_heap *heap, void *va, size_t len,
		struct rte_memseg_list *msl);

/* Between the heap's own files (malloc_heap*.c). */
/* The NUMA heaps, indexed by socket id (malloc_heap.c). */
extern struct malloc_heap malloc_numa_heaps[RTE_MAX_NUMA_NODES];
/* False for static memory (--legacy-mem, --no-huge without --dynamic-mem). */
extern bool malloc_heaps_dynamic;
/* True when heap points at one of the heap slots. */
bool malloc_heap_is_ours(const struct malloc_heap *heap);
/*
 * The element a pointer claims to belong to, checked without its heap's
 * lock (malloc_heap_live.c); NULL with rte_errno EINVAL (and one ERR line
 * naming fn unless quiet) when it is not one.
 */
struct malloc_elem *malloc_heap_elem_candidate(const void *ptr, const char *fn,
		bool quiet);
/* Pages (malloc_heap_pages.c), heap lock held. */
int malloc_heap_grow(struct malloc_heap *heap, size_t req, size_t align,
		uint64_t pgsz_mask);
void malloc_heap_shrink(struct malloc_elem *elem);

/*
 * --match-allocations (malloc_heap_match.c): growths are marked as units
 * and only whole units go back; heap lock held.
 */
bool malloc_match_active(void);
void malloc_match_mark(const struct rte_memseg_list *msl, const void *va);
/* The first whole unit inside [ps, pe) of at most budget bytes. */
bool malloc_match_unit(const struct rte_memseg_list *msl, uintptr_t ps,
		uintptr_t pe, size_t budget, uintptr_t *rs, uintptr_t *re);

/*
 * Free memory a NUMA heap keeps mapped before giving pages back to the
 * system (at least one page of the freed memory's size is always kept).
 */
#define MALLOC_HEAP_KEEP_DEFAULT ((size_t)16 << 20)
void malloc_heap_keep_set(size_t bytes);
size_t malloc_heap_keep_get(void);

/*
 * Give back whole free pages of heap's dynamic memory beyond keep bytes
 * of free memory (and one page when keep_a_page). Heap lock held.
 * Returns the bytes released.
 */
size_t malloc_heap_trim(struct malloc_heap *heap, size_t keep, bool keep_a_page);

/*
 * Trim every NUMA heap down to keep bytes of free memory, and make it the
 * bound (SIZE_MAX: release all, bound unchanged). 0 or -1 with rte_errno.
 */
int malloc_heaps_trim(size_t keep, size_t *released);

/* External heaps (malloc_heap_external.c). */
/* Heap lookup by socket id: 1 external, 0 NUMA, -1 EINVAL. */
int malloc_heap_socket_kind(int socket);
int malloc_heap_socket_by_name(const char *name);
int malloc_heap_create_external(const char *name);
int malloc_heap_destroy_external(const char *name);
int malloc_heap_add_external_memory(const char *name, void *va, size_t len,
		rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz);
int malloc_heap_remove_external_memory(const char *name, void *va, size_t len);
int malloc_heap_find_external_memory(const char *name, void *va, size_t len);

#endif /* _MALLOC_HEAP_H_ */
