/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_MALLOC_H_
#define _RTE_MALLOC_H_

/**
 * @file
 * The malloc heaps: one per NUMA node over EAL memory, plus named external
 * heaps over memory the application brings.
 *
 * Memory handed out by these functions is DMA-mapped in the default VFIO
 * container before it is returned (when VFIO is in use): an allocation that
 * could not be mapped fails.
 */

#include <stddef.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/** Statistics of one heap. */
struct rte_malloc_socket_stats {
	size_t heap_totalsz_bytes; /**< bytes the heap holds */
	size_t heap_freesz_bytes;  /**< free bytes */
	size_t greatest_free_size; /**< largest free block */
	unsigned int free_count;   /**< free blocks */
	unsigned int alloc_count;  /**< allocated blocks */
	size_t heap_allocsz_bytes; /**< allocated bytes */
};

/**
 * Allocate from the heap of the calling thread's NUMA node (any node when
 * that one has no room).
 *
 * @param type ignored (kept for DPDK compatibility), may be NULL
 * @param size bytes, not 0
 * @param align 0, or a power of two; the result is aligned to at least a
 *   cache line
 * @return the memory, or NULL with rte_errno EINVAL (size 0, bad align) or
 *   ENOMEM (no memory; also a block larger than one memseg list holds, e.g.
 *   32 MiB of 4 kB pages under --no-huge --dynamic-mem, which is logged with
 *   the limit, see doc/guides/limits.rst), or the rte_errno of a memory event callback that
 *   refused new pages (e.g. ENOSPC or ENOMEM when VFIO could not map them:
 *   the memory is never handed out unmapped), or E_RTE_NO_CONFIG before
 *   rte_eal_init()
 */
void *rte_malloc(const char *type, size_t size, unsigned int align);

/** As rte_malloc(), zero-filled. */
void *rte_zmalloc(const char *type, size_t size, unsigned int align);

/**
 * As rte_zmalloc() for @p num elements of @p size bytes.
 * rte_errno is EINVAL also when num * size overflows.
 */
void *rte_calloc(const char *type, size_t num, size_t size, unsigned int align);

/**
 * Resize an allocation, in place when possible; the contents up to the
 * smaller size are kept. NULL @p ptr behaves as rte_malloc().
 *
 * @return the memory, or NULL with rte_errno EINVAL or ENOMEM (then @p ptr
 *   is unchanged and still owned by the caller)
 */
void *rte_realloc(void *ptr, size_t size, unsigned int align);

/** As rte_realloc() on a given socket when it has to move. */
void *rte_realloc_socket(void *ptr, size_t size, unsigned int align, int socket);

/**
 * Allocate on the heap of @p socket: a NUMA node, the socket id of an
 * external heap, or SOCKET_ID_ANY.
 *
 * @return as rte_malloc(); rte_errno EINVAL also for an unknown socket
 */
void *rte_malloc_socket(const char *type, size_t size, unsigned int align,
		int socket);

/** As rte_malloc_socket(), zero-filled. */
void *rte_zmalloc_socket(const char *type, size_t size, unsigned int align,
		int socket);

/** As rte_calloc() on a given socket. */
void *rte_calloc_socket(const char *type, size_t num, size_t size,
		unsigned int align, int socket);

/**
 * Free memory from any of the functions above. NULL is ignored. A pointer
 * that is not a live allocation is reported (ERR) and ignored.
 */
void rte_free(void *ptr);

/**
 * Check a pointer returned by the heap.
 *
 * @param size if not NULL, receives the usable size
 * @return 0, or -1 with rte_errno EINVAL when @p ptr is not a live allocation
 */
int rte_malloc_validate(const void *ptr, size_t *size);

/**
 * Statistics of the heap of @p socket.
 *
 * @return 0, or -1 with rte_errno EINVAL (unknown socket or NULL stats)
 */
int rte_malloc_get_socket_stats(int socket,
		struct rte_malloc_socket_stats *socket_stats);

/** Print the statistics of every heap to @p f (@p type is ignored). */
void rte_malloc_dump_stats(FILE *f, const char *type);

/** Print every heap and its blocks to @p f. */
void rte_malloc_dump_heaps(FILE *f);

/**
 * Create an empty external heap.
 *
 * @return 0, or -1 with rte_errno EINVAL (NULL, empty or too long name),
 *   EEXIST (name in use), ENOSPC (no free heap slot)
 */
int rte_malloc_heap_create(const char *heap_name);

/**
 * Destroy an external heap that has no memory left.
 *
 * @return 0, or -1 with rte_errno EINVAL (bad name, or a NUMA heap), ENOENT
 *   (no such heap), EBUSY (memory still added)
 */
int rte_malloc_heap_destroy(const char *heap_name);

/**
 * Add memory to an external heap. It is registered as external memory,
 * announced with an RTE_MEM_EVENT_ALLOC event (VFIO maps the pages that
 * have an IOVA, one DMA mapping per IOVA-contiguous run) and becomes
 * available for allocation.
 *
 * @param iova_addrs IOVA of each page, or NULL: then every page is
 *   RTE_BAD_IOVA in every IOVA mode (as DPDK 22.11 documents), is not
 *   DMA-mapped, and rte_malloc_virt2iova() reports RTE_BAD_IOVA for it;
 *   an application that wants DMA to it maps it itself (rte_dev_dma_map())
 * @param n_pages entries of @p iova_addrs (len / page_sz); ignored when
 *   @p iova_addrs is NULL (any value is accepted, as in DPDK)
 * @return 0, or -1 with rte_errno EINVAL (bad parameters), ENOENT (no such
 *   heap), EEXIST (overlaps known memory), ENOSPC (no free memseg list), or
 *   the rte_errno of a memory event callback that refused it (e.g. a VFIO
 *   mapping that failed); nothing is added then
 */
int rte_malloc_heap_memory_add(const char *heap_name, void *va_addr, size_t len,
		rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz);

/**
 * Remove memory added with rte_malloc_heap_memory_add(). The range must be
 * exactly one added region, and no allocation may live in it.
 * RTE_MEM_EVENT_FREE is sent (VFIO unmaps it) before it is removed.
 *
 * @return 0, or -1 with rte_errno EINVAL (bad parameters), ENOENT (no such
 *   heap or region), EBUSY (allocations live in it)
 */
int rte_malloc_heap_memory_remove(const char *heap_name, void *va_addr, size_t len);

/** Attach to heap memory added by another process (checks it exists). */
int rte_malloc_heap_memory_attach(const char *heap_name, void *va_addr, size_t len);

/** Counterpart of rte_malloc_heap_memory_attach(). */
int rte_malloc_heap_memory_detach(const char *heap_name, void *va_addr, size_t len);

/**
 * The socket id of a heap, for rte_malloc_socket().
 *
 * @return the socket id, or -1 with rte_errno EINVAL or ENOENT
 */
int rte_malloc_heap_get_socket(const char *name);

/**
 * @return 1 if @p socket_id is an external heap, 0 if a NUMA heap, -1 with
 *   rte_errno EINVAL when it is neither
 */
int rte_malloc_heap_socket_is_external(int socket_id);

/**
 * IOVA of an address inside a heap allocation.
 *
 * @return the IOVA, or RTE_BAD_IOVA with rte_errno EINVAL (not inside a
 *   live allocation; one ERR line) or ENOENT (memory of an external heap
 *   added without IOVAs: it has none, and nothing is logged)
 */
rte_iova_t rte_malloc_virt2iova(const void *addr);

/**
 * @warning
 * @b EXPERIMENTAL: memvfio extension.
 *
 * Give back to the system every whole free page of the NUMA heaps'
 * dynamic memory, unmapped for DMA first. The heaps keep free pages
 * (see rte_malloc_heap_keep_set()) so that alternating rte_malloc() and
 * rte_free() does not release and re-take a page each time; this call
 * releases them at once (the heaps also do it by themselves when a page
 * allocation fails). Pages of static memory (--legacy-mem, -m at
 * start-up, static --no-huge) are never released.
 *
 * @param released if not NULL, receives the bytes given back
 * @return 0, or -1 with rte_errno E_RTE_NO_CONFIG before rte_eal_init()
 */
__rte_experimental
int rte_malloc_heap_trim(size_t *released);

/**
 * @warning
 * @b EXPERIMENTAL: memvfio extension.
 *
 * How much free memory each NUMA heap keeps (still mapped, still its
 * own) before it gives pages back to the system; at least one page of
 * the freed memory's size is always kept. The default is 16 MiB, or
 * --heap-keep. A lower bound releases the excess at once.
 *
 * @param bytes the bound in bytes (0: one page)
 * @return 0, or -1 with rte_errno E_RTE_NO_CONFIG before rte_eal_init()
 */
__rte_experimental
int rte_malloc_heap_keep_set(size_t bytes);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_MALLOC_H_ */
