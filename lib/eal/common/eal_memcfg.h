/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_MEMCFG_H_
#define _EAL_MEMCFG_H_

/*
 * Internal interface of the memory layer: memseg lists, page allocation,
 * external memory and memory events.
 *
 * Locks, in the only order they may be taken:
 *   0. the table of heaps (malloc_heaps_lock, malloc_heap.c)
 *   1. a heap's lock (malloc_heap.c)
 *   2. the memory hotplug lock (linux/eal_memory.c): a rwlock over every memseg
 *      list; walks and lookups read, allocation and release write
 *   3. the mem event callback list lock (eal_common_mem_event.c)
 *   4. the VFIO lock (vfio/vfio_container.c), taken inside memory event callbacks
 * Nothing may take a lock of a lower number while holding a higher one.
 * The IOVA space lock (eal_common_iova.c) is a leaf: it takes no other lock,
 * so it may be taken while holding any of the above.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_memory.h>

/* The memory hotplug lock. */
void eal_mem_hotplug_read_lock(void);
void eal_mem_hotplug_read_unlock(void);
__rte_internal
void eal_mem_hotplug_write_lock(void);
__rte_internal
void eal_mem_hotplug_write_unlock(void);

/*
 * Generation of the memory layout (memseg lists, backed pages): bumped when
 * a writer takes the hotplug lock (odd while it holds it) and when it lets
 * go, and read with __ATOMIC_ACQUIRE. A lookup done under the read lock
 * stays true while the generation has not moved; the heap's free path
 * caches its last lookup that way (malloc_heap_live.c). Inside the EAL only.
 */
extern uint64_t eal_mem_layout_gen;

/*
 * Page sizes the EAL allocates dynamic memory with, largest first.
 * Returns how many were written to sizes (at most max).
 */
unsigned int eal_memalloc_page_sizes(uint64_t *sizes, unsigned int max);

/* NUMA nodes that have memory (socket ids), returns how many. */
unsigned int eal_memalloc_sockets(int *sockets, unsigned int max);

/*
 * Allocate n_pages pages of page_sz on socket, VA-contiguous in one memseg
 * list, backed and faulted in, and record them as memsegs. No memory event
 * is sent (the caller sends it). Caller holds the hotplug write lock.
 * Returns the start address, or NULL with rte_errno ENOMEM (no pages in the
 * pool or no contiguous room), E2BIG (more pages than any list of that type
 * holds: no free memory can help, nothing is logged, the caller says so) or
 * EINVAL.
 */
__rte_internal
void *eal_memalloc_alloc_pages(int socket, uint64_t page_sz, unsigned int n_pages);

/*
 * The most pages of page_sz one dynamic memseg list on socket (or any, with
 * SOCKET_ID_ANY) holds: the longest run one allocation can get. 0 when there
 * is no such list. Caller holds the hotplug lock.
 */
unsigned int eal_memalloc_list_capacity(int socket, uint64_t page_sz);

/*
 * Release pages of a dynamic memseg list back to the system and forget
 * their memsegs. [va, va+len) must be whole pages in use in one list.
 * Caller holds the hotplug write lock. Returns 0 or -1 with rte_errno.
 */
__rte_internal
int eal_memalloc_free_pages(void *va, size_t len);

/*
 * True for a list whose memory is only released as a whole: static memory
 * (--no-huge, --legacy-mem) and external memory. VFIO maps such memory in
 * one unit per IOVA-contiguous run instead of one per page.
 */
bool eal_memseg_list_is_static(const struct rte_memseg_list *msl);

/*
 * True for a static list known, since its creation, to be one run: every
 * segment in use, each continuing the previous one in VA and IOVA (an
 * external region given IOVA-contiguous pages). Its runs need no scan of
 * its segments.
 */
bool eal_memseg_list_is_iova_contig(const struct rte_memseg_list *msl);

/*
 * Create a memseg list over external memory (rte_extmem_register, heap
 * memory_add). socket_id is the heap's socket or SOCKET_ID_ANY. Caller holds
 * the hotplug write lock. Returns the list or NULL with rte_errno EINVAL,
 * EEXIST (overlap) or ENOSPC.
 */
struct rte_memseg_list *eal_extmem_list_create(void *va, size_t len,
		rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz,
		int socket_id);

/* Find the external list starting at va with exactly len (NULL, ENOENT). */
struct rte_memseg_list *eal_extmem_list_find(void *va, size_t len);

/* Destroy an external list. Caller holds the hotplug write lock. */
void eal_extmem_list_destroy(struct rte_memseg_list *msl);

/*
 * Send a memory event to every callback. Caller holds the hotplug write
 * lock. For RTE_MEM_EVENT_ALLOC a check callback may refuse: then every
 * callback that already accepted gets RTE_MEM_EVENT_FREE for the range, and
 * this returns -1 with the refusing callback's rte_errno (EFAULT if it left
 * none). RTE_MEM_EVENT_FREE always returns 0.
 */
int eal_mem_event_notify(enum rte_mem_event event, const void *addr, size_t len);

/*
 * Register/unregister a callback of the EAL itself (the VFIO component's
 * DMA mapping of the heap): the public API can neither unregister it nor
 * register another callback under its name (EPERM). Returns as the public
 * functions.
 */
int eal_mem_event_internal_register(const char *name,
		rte_mem_event_check_callback_t clb, void *arg);
int eal_mem_event_internal_unregister(const char *name, void *arg);

/* Drop every registered callback (cleanup). */
void eal_mem_event_cleanup(void);

/*
 * Growth limits (eal_common_mem_limits.c): the allocation validators of a
 * socket for a heap growing to new_total bytes (0, or -1 ENOMEM when one
 * refuses), and the DMA mask on new pages (0, or -1 ENOMEM when a page's
 * IOVA is beyond it; takes the hotplug lock for reading). Both log the
 * refusal. Cleanup forgets validators and the mask.
 */
int eal_mem_growth_validate(int socket_id, size_t new_total);
int eal_mem_growth_dma_ok(const void *va, size_t len);
void eal_mem_limits_cleanup(void);

#endif /* _EAL_MEMCFG_H_ */
