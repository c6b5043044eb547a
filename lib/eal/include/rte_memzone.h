/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_MEMZONE_H_
#define _RTE_MEMZONE_H_

/**
 * @file
 * Memzones: named blocks of EAL memory, the first memory API a driver
 * uses (descriptor rings, shared state found again by name).
 *
 * A memzone is carved out of a malloc heap, so it follows the heap's DMA
 * rules: its pages are DMA-mapped in the default VFIO container before the
 * zone is returned, and unmapped before they go back to the system after
 * rte_memzone_free(). Names are unique; the table holds RTE_MAX_MEMZONE
 * zones.
 *
 * Thread safety: every function takes the memzone table lock (a rwlock,
 * see eal_common_memzone.c): reserve and free write, lookup, walk and
 * dump read. A rte_memzone_walk() callback runs with the lock held for
 * reading and must not reserve or free a memzone.
 */

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/*
 * Page-size flags: the zone must come from pages of one of the sizes
 * named (several may be given), unless RTE_MEMZONE_SIZE_HINT_ONLY is set,
 * in which case other sizes are used when none of those has room.
 */
#define RTE_MEMZONE_2MB            0x00000001 /**< pages of 2 MiB */
#define RTE_MEMZONE_1GB            0x00000002 /**< pages of 1 GiB */
#define RTE_MEMZONE_16MB           0x00000100 /**< pages of 16 MiB */
#define RTE_MEMZONE_16GB           0x00000200 /**< pages of 16 GiB */
#define RTE_MEMZONE_256KB          0x00010000 /**< pages of 256 KiB */
#define RTE_MEMZONE_256MB          0x00020000 /**< pages of 256 MiB */
#define RTE_MEMZONE_512MB          0x00040000 /**< pages of 512 MiB */
#define RTE_MEMZONE_4GB            0x00080000 /**< pages of 4 GiB */
/** The page-size flags are a preference, not a requirement. */
#define RTE_MEMZONE_SIZE_HINT_ONLY 0x00000004
/**
 * The zone must be contiguous in IOVA (for hardware that takes one base
 * address, such as a descriptor ring). Always true in IOVA-as-VA mode;
 * in the PA and allocated modes the zone is placed in IOVA-contiguous
 * pages, or the reservation fails with ENOMEM.
 */
#define RTE_MEMZONE_IOVA_CONTIG    0x00100000

/** A reserved memzone. Read-only for the application. */
struct rte_memzone {
/** Longest name, terminating NUL included. */
#define RTE_MEMZONE_NAMESIZE 32
	char name[RTE_MEMZONE_NAMESIZE]; /**< unique name */
	rte_iova_t iova;                 /**< IOVA of the start (RTE_BAD_IOVA if unknown) */
	union {
		void *addr;              /**< virtual address of the start */
		uint64_t addr_64;        /**< keeps addr 64 bits wide */
	};
	size_t len;                      /**< length in bytes */
	uint64_t hugepage_sz;            /**< size of the pages under it */
	int32_t socket_id;               /**< NUMA node, or socket id of an external heap */
	uint32_t flags;                  /**< 0, as in DPDK */
} __rte_packed;

/**
 * Reserve a memzone aligned to a cache line.
 *
 * @param name unique name, at most RTE_MEMZONE_NAMESIZE - 1 characters
 * @param len bytes (rounded up to a cache line); 0 reserves the largest
 *   free block the heaps already hold (no new pages are allocated for it)
 * @param socket_id a NUMA node, the socket id of an external heap, or
 *   SOCKET_ID_ANY (the calling thread's node first, then the others).
 *   Without hugepages (--no-huge) a NUMA node is taken as SOCKET_ID_ANY,
 *   as in DPDK.
 * @param flags RTE_MEMZONE_* page-size flags, RTE_MEMZONE_SIZE_HINT_ONLY,
 *   RTE_MEMZONE_IOVA_CONTIG
 * @return the memzone, or NULL with rte_errno set:
 *   - E_RTE_NO_CONFIG: the EAL is not initialized
 *   - EINVAL: NULL name, unknown flags, a negative socket other than
 *     SOCKET_ID_ANY, an unknown socket, a length too large
 *   - ENAMETOOLONG: the name is too long
 *   - EEXIST: a memzone of that name exists
 *   - ENOSPC: RTE_MAX_MEMZONE zones are reserved
 *   - ENOMEM: no memory meets the request (size, page size, IOVA contiguity)
 *   - or the rte_errno of a memory event callback that refused new pages
 *     (e.g. a VFIO mapping that failed): the memory is never handed out
 *     unmapped
 */
const struct rte_memzone *rte_memzone_reserve(const char *name, size_t len,
		int socket_id, unsigned int flags);

/**
 * As rte_memzone_reserve(), aligned to @p align.
 *
 * @param align a power of two (0 or less than a cache line: a cache line);
 *   otherwise EINVAL
 */
const struct rte_memzone *rte_memzone_reserve_aligned(const char *name,
		size_t len, int socket_id, unsigned int flags, unsigned int align);

/**
 * As rte_memzone_reserve_aligned(), and the zone does not cross a
 * multiple of @p bound.
 *
 * @param bound 0 (no boundary), or a power of two at least the (cache
 *   line rounded) length; otherwise EINVAL. With @p len 0 and a bound,
 *   the zone is @p bound bytes long (as in DPDK).
 */
const struct rte_memzone *rte_memzone_reserve_bounded(const char *name,
		size_t len, int socket_id, unsigned int flags, unsigned int align,
		unsigned int bound);

/**
 * Free a memzone: its name becomes free, and its memory goes back to the
 * heap (whole free pages go back to the system in dynamic memory mode,
 * after they are unmapped from DMA). The descriptor must not be used
 * afterwards.
 *
 * @return 0, or -EINVAL (as in DPDK, and rte_errno EINVAL) for NULL, a
 *   pointer that is not a memzone descriptor, or a memzone freed already
 */
int rte_memzone_free(const struct rte_memzone *mz);

/**
 * Find a memzone by name.
 *
 * @return the memzone, or NULL with rte_errno ENOENT (no such zone; not
 *   logged: asking is how a driver learns whether to reserve) or EINVAL
 *   (NULL name)
 */
const struct rte_memzone *rte_memzone_lookup(const char *name);

/** Print every memzone and the pages under it to @p f (NULL: stdout). */
void rte_memzone_dump(FILE *f);

/**
 * Call @p func for every memzone, holding the table lock for reading:
 * @p func must not reserve or free a memzone. A NULL @p func is refused
 * (rte_errno EINVAL, one log line).
 */
void rte_memzone_walk(void (*func)(const struct rte_memzone *, void *arg),
		void *arg);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_MEMZONE_H_ */
