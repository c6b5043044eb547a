/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_MEMORY_H_
#define _RTE_MEMORY_H_

/**
 * @file
 * Memory segments: the pages the EAL manages, how to walk and look them up,
 * memory events, and external memory.
 *
 * Memory is organized in memseg lists. A list is a reserved range of
 * virtual addresses for one page size on one NUMA node (or one region of
 * external memory); each page in it that is in use is a memseg.
 */

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/** One page of memory that the EAL manages. */
struct rte_memseg {
	rte_iova_t iova;        /**< address the device uses (RTE_BAD_IOVA if unknown) */
	union {
		void *addr;     /**< virtual address */
		uint64_t addr_64;
	};
	size_t len;             /**< length in bytes (the page size) */
	uint64_t hugepage_sz;   /**< page size */
	int32_t socket_id;      /**< NUMA node, SOCKET_ID_ANY for external memory */
	uint32_t nchannel;      /**< unused, kept for DPDK compatibility */
	uint32_t nrank;         /**< unused, kept for DPDK compatibility */
	uint32_t flags;         /**< RTE_MEMSEG_FLAG_* */
};

/** The segment belongs to memory that is never freed page by page. */
#define RTE_MEMSEG_FLAG_DO_NOT_FREE (1 << 0)

/**
 * A reserved VA range of one page size on one NUMA node, or one region of
 * external memory.
 *
 * Unlike DPDK, the segments are a plain array (DPDK uses rte_fbarray): a
 * segment is in use when its len is not 0.
 */
struct rte_memseg_list {
	union {
		void *base_va;  /**< start of the reserved VA range */
		uint64_t addr_64;
	};
	uint64_t page_sz;       /**< page size of every segment */
	int socket_id;          /**< NUMA node, or the socket id of an external heap */
	volatile uint32_t version; /**< bumped on every change */
	size_t len;             /**< length of the reserved VA range */
	unsigned int external;  /**< 1 for external memory (rte_extmem_*, heap memory_add) */
	unsigned int heap;      /**< 1 when the memory is part of a malloc heap */
	unsigned int n_segs;    /**< capacity of segs[] */
	unsigned int n_used;    /**< segments in use */
	struct rte_memseg *segs; /**< segment i covers base_va + i * page_sz */
};

/**
 * Lock a page in RAM (mlock).
 *
 * @return 0, or -1 with rte_errno set from mlock
 */
int rte_mem_lock_page(const void *virt);

/**
 * Physical address of a virtual address, from /proc/self/pagemap.
 *
 * @return the physical address, or RTE_BAD_PHYS_ADDR when it is not
 * available (no privilege, page not present): rte_errno is then EACCES,
 * ENOENT or EFAULT
 */
phys_addr_t rte_mem_virt2phy(const void *virt);

/**
 * IOVA of a virtual address: from the memseg that holds it, else the
 * address itself in IOVA-as-VA mode, else the physical address in
 * IOVA-as-PA mode. Memory outside the memsegs has no IOVA in the
 * allocated mode (see rte_eal_iova_mode_is_allocated()), nor has external
 * memory registered without IOVAs (in every mode).
 *
 * @return the IOVA, or RTE_BAD_IOVA with rte_errno set (ENOENT: no IOVA,
 *   not logged; EINVAL: NULL)
 */
rte_iova_t rte_mem_virt2iova(const void *virt);

/**
 * Reserve a block of IOVA space inside the IOMMU's valid ranges, for
 * memory a driver maps itself (rte_dev_dma_map()) in the allocated IOVA
 * mode, where no IOVA can be derived from the address (extension).
 *
 * @param len length of the block
 * @param align alignment of its start (a power of two; 0: none)
 * @return the block's IOVA, or RTE_BAD_IOVA with rte_errno EINVAL (len 0),
 *   ENOTSUP (not the allocated mode: use the VA or the physical address)
 *   or ENOMEM (no room left in the valid ranges)
 */
__rte_experimental
rte_iova_t rte_mem_iova_alloc(size_t len, size_t align);

/**
 * Give back a block of rte_mem_iova_alloc() (extension).
 *
 * @return 0, or -1 with rte_errno EINVAL (not such a block)
 */
__rte_experimental
int rte_mem_iova_free(rte_iova_t iova, size_t len);

/**
 * Virtual address of an IOVA in EAL-managed memory. Linear in the number of
 * segments (IOVAs are not indexed): for slow paths only.
 *
 * @return the address, or NULL with rte_errno ENOENT
 */
void *rte_mem_iova2virt(rte_iova_t iova);

/**
 * The memseg holding @p virt. O(1) once the list is known, O(log n) in the
 * number of lists otherwise.
 *
 * @param msl the list to look in, or NULL to find it
 * @return the memseg, or NULL with rte_errno ENOENT (not EAL memory, or a
 * page not in use) or EINVAL (NULL address)
 */
struct rte_memseg *
rte_mem_virt2memseg(const void *virt, const struct rte_memseg_list *msl);

/**
 * The memseg list whose VA range holds @p virt. O(log n) in the number of
 * lists.
 *
 * @return the list, or NULL with rte_errno ENOENT or EINVAL
 */
struct rte_memseg_list *
rte_mem_virt2memseg_list(const void *virt);

/**
 * Called for each memseg by rte_memseg_walk(). Return 0 to go on, 1 to stop
 * the walk, -1 to stop it with an error.
 */
typedef int (*rte_memseg_walk_t)(const struct rte_memseg_list *msl,
		const struct rte_memseg *ms, void *arg);

/**
 * Called for each run of memsegs that are contiguous in VA (and in IOVA when
 * IOVAs are physical addresses) by rte_memseg_contig_walk(); @p len is the
 * run's length. Return as rte_memseg_walk_t.
 */
typedef int (*rte_memseg_contig_walk_t)(const struct rte_memseg_list *msl,
		const struct rte_memseg *ms, size_t len, void *arg);

/** Called for each memseg list by rte_memseg_list_walk(). Return as above. */
typedef int (*rte_memseg_list_walk_t)(const struct rte_memseg_list *msl,
		void *arg);

/**
 * Walk every memseg in use, holding the memory hotplug lock for reading.
 *
 * @return 0 when the walk finished, 1 when the callback stopped it, -1 when
 * the callback returned an error
 */
int rte_memseg_walk(rte_memseg_walk_t func, void *arg);

/** Walk runs of contiguous memsegs; returns as rte_memseg_walk(). */
int rte_memseg_contig_walk(rte_memseg_contig_walk_t func, void *arg);

/** Walk memseg lists; returns as rte_memseg_walk(). */
int rte_memseg_list_walk(rte_memseg_list_walk_t func, void *arg);

/** As rte_memseg_walk() without taking the lock (for mem event callbacks). */
int rte_memseg_walk_thread_unsafe(rte_memseg_walk_t func, void *arg);

/** As rte_memseg_contig_walk() without taking the lock. */
int rte_memseg_contig_walk_thread_unsafe(rte_memseg_contig_walk_t func, void *arg);

/** As rte_memseg_list_walk() without taking the lock. */
int rte_memseg_list_walk_thread_unsafe(rte_memseg_list_walk_t func, void *arg);

/**
 * The file descriptor backing a memseg (memfd or hugetlbfs file).
 *
 * @return the fd, or -1 with rte_errno EINVAL (not a segment in use) or
 * ENOTSUP (external memory)
 */
int rte_memseg_get_fd(const struct rte_memseg *ms);

/** As rte_memseg_get_fd() without taking the lock. */
int rte_memseg_get_fd_thread_unsafe(const struct rte_memseg *ms);

/**
 * The offset of a memseg in the file returned by rte_memseg_get_fd().
 *
 * @return 0, or -1 with rte_errno set as rte_memseg_get_fd()
 */
int rte_memseg_get_fd_offset(const struct rte_memseg *ms, size_t *offset);

/** As rte_memseg_get_fd_offset() without taking the lock. */
int rte_memseg_get_fd_offset_thread_unsafe(const struct rte_memseg *ms,
		size_t *offset);

/**
 * Print every memseg list and its segments to @p f; NULL means stdout (as
 * rte_malloc_dump_heaps(); DPDK would crash on NULL).
 */
void rte_dump_physmem_layout(FILE *f);

/** @return the total bytes of EAL-managed memory in use (external excluded) */
uint64_t rte_eal_get_physmem_size(void);

/** @return 0 (unknown), kept for DPDK compatibility */
unsigned int rte_memory_get_nchannel(void);

/** @return 0 (unknown), kept for DPDK compatibility */
unsigned int rte_memory_get_nrank(void);

/**
 * Register external memory so that the EAL knows its pages (for
 * rte_mem_virt2memseg(), rte_dev_dma_map()). It is not added to any heap and
 * not DMA-mapped.
 *
 * @param va_addr start, aligned to @p page_sz
 * @param len length, a multiple of @p page_sz
 * @param iova_addrs IOVA of each page, or NULL: then every page is
 *   RTE_BAD_IOVA in every IOVA mode, as DPDK 22.11 documents (the
 *   application maps it for DMA itself if it wants, rte_dev_dma_map())
 * @param n_pages entries of @p iova_addrs (len / page_sz); ignored when
 *   @p iova_addrs is NULL (any value is accepted, as in DPDK)
 * @param page_sz a power of two, at least the system page size
 * @return 0, or -1 with rte_errno EINVAL (bad parameters), EEXIST
 *   (overlaps memory the EAL knows), ENOSPC (no free memseg list)
 */
int rte_extmem_register(void *va_addr, size_t len, rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t page_sz);

/**
 * Unregister external memory registered with rte_extmem_register().
 *
 * @return 0, or -1 with rte_errno EINVAL (bad parameters), ENOENT (no such
 *   region: the range must match a registered region exactly) or EBUSY (the
 *   region belongs to a heap, or a user DMA map of a VFIO container covers
 *   part of it: unmap it first, else its pages would stay pinned)
 */
int rte_extmem_unregister(void *va_addr, size_t len);

/**
 * Attach to external memory registered by another process. Only the primary
 * process exists here, so this checks that the region is registered.
 *
 * @return 0, or -1 with rte_errno EINVAL or ENOENT
 */
int rte_extmem_attach(void *va_addr, size_t len);

/** Counterpart of rte_extmem_attach(); returns as it. */
int rte_extmem_detach(void *va_addr, size_t len);

/** Kinds of memory event. */
enum rte_mem_event {
	RTE_MEM_EVENT_ALLOC = 0, /**< memory was added; it is not handed out yet */
	RTE_MEM_EVENT_FREE,      /**< memory is about to be released */
};

/**
 * A memory event callback (DPDK's type). It cannot refuse an allocation;
 * use rte_mem_event_check_callback_register() for that.
 */
typedef void (*rte_mem_event_callback_t)(enum rte_mem_event event_type,
		const void *addr, size_t len, void *arg);

/**
 * A memory event callback that can refuse an allocation (an extension of
 * this project): returning non-zero for RTE_MEM_EVENT_ALLOC makes the
 * allocation fail, after every callback that already accepted it has been
 * sent RTE_MEM_EVENT_FREE for the same range. The return value for
 * RTE_MEM_EVENT_FREE is ignored (memory that is going away cannot be kept).
 */
typedef int (*rte_mem_event_check_callback_t)(enum rte_mem_event event_type,
		const void *addr, size_t len, void *arg);

/**
 * Register a memory event callback. Callbacks run in registration order for
 * ALLOC and in reverse order for FREE, with the memory hotplug lock held:
 * they must not allocate or free EAL memory. Nor may a callback register or
 * unregister a mem event callback: the list of callbacks is locked while
 * they run, so such a call from inside a callback is refused with EDEADLK
 * (where DPDK would block forever); do it outside the callback.
 *
 * @param name unique with @p arg; not the name of one of the EAL's own
 *   callbacks ("vfio_dma_map", which maps heap memory for DMA)
 * @return 0, or -1 with rte_errno EINVAL (NULL name or callback, name too
 *   long), EEXIST (same name and arg registered), EPERM (the name of an EAL
 *   callback), EDEADLK (called from inside a mem event callback)
 */
int rte_mem_event_callback_register(const char *name, rte_mem_event_callback_t clb,
		void *arg);

/**
 * Register a memory event callback that may refuse allocations.
 *
 * @return as rte_mem_event_callback_register()
 */
__rte_experimental
int rte_mem_event_check_callback_register(const char *name,
		rte_mem_event_check_callback_t clb, void *arg);

/**
 * Unregister a callback of either kind. The EAL's own callbacks (the VFIO
 * component's "vfio_dma_map") cannot be unregistered: without them heap
 * memory would be handed out without a DMA mapping.
 *
 * @return 0, or -1 with rte_errno EINVAL (NULL name), ENOENT (not
 *   registered), EPERM (an EAL callback) or EDEADLK (called from inside a
 *   mem event callback)
 */
int rte_mem_event_callback_unregister(const char *name, void *arg);

/** Longest name of an allocation validator, NUL included. */
#define RTE_MEM_ALLOC_VALIDATOR_NAME_LEN 64

/**
 * An allocation validator: called when the heap of @p socket_id is about
 * to grow to @p new_len bytes, above the @p cur_limit it was registered
 * with. Return 0 to allow the growth, -1 to refuse it (the allocation
 * that needed it fails with ENOMEM). It runs with the heap's lock held:
 * it must not allocate EAL memory or (un)register a validator.
 */
typedef int (*rte_mem_alloc_validator_t)(int socket_id, size_t cur_limit,
		size_t new_len);

/**
 * Register an allocation validator for the heap of @p socket_id, called
 * whenever that heap would grow beyond @p limit bytes. Only dynamic
 * memory grows; static memory (--legacy-mem, --no-huge) never calls it.
 *
 * @return 0, or -1 with rte_errno EINVAL (NULL name or callback, negative
 *   socket), ENAMETOOLONG (name of RTE_MEM_ALLOC_VALIDATOR_NAME_LEN
 *   characters or more), EEXIST (that name on that socket exists), ENOMEM
 */
int rte_mem_alloc_validator_register(const char *name,
		rte_mem_alloc_validator_t clb, int socket_id, size_t limit);

/**
 * Unregister an allocation validator.
 *
 * @return 0, or -1 with rte_errno EINVAL, ENAMETOOLONG, or ENOENT (no such
 *   validator on that socket)
 */
int rte_mem_alloc_validator_unregister(const char *name, int socket_id);

/**
 * Check that every page the EAL manages that has an IOVA lies below
 * 2^@p maskbits in IOVA, i.e. that a device with that DMA address width
 * reaches all of it through the IOMMU. IOVAs are what the IOMMU is
 * programmed with: the virtual addresses in IOVA as VA (so a 39-bit
 * IOMMU or device needs the allocated mode, see rte_eal_iova_mode()),
 * physical or EAL-assigned addresses otherwise. Pages without an IOVA
 * are not DMA-mapped and not checked.
 *
 * @return 0 when all of it fits, or -1 with rte_errno ERANGE (a page
 *   does not fit; one log line names it) or EINVAL (@p maskbits not in
 *   1..63)
 */
int rte_mem_check_dma_mask(uint8_t maskbits);

/** As rte_mem_check_dma_mask() without the memory lock (mem event callbacks). */
int rte_mem_check_dma_mask_thread_unsafe(uint8_t maskbits);

/**
 * Set the DMA mask the memory must honour from now on: the narrowest of
 * the masks set wins. Heap growth whose new pages do not fit is refused
 * (the allocation fails with ENOMEM). Memory present already is not
 * checked: call rte_mem_check_dma_mask() for that.
 * A @p maskbits not in 1..63 is refused (rte_errno EINVAL, one log line).
 */
void rte_mem_set_dma_mask(uint8_t maskbits);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_MEMORY_H_ */
