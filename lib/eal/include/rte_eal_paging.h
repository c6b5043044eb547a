/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_EAL_PAGING_H_
#define _RTE_EAL_PAGING_H_

/**
 * @file
 * The operating system's paging calls under DPDK 22.11's names
 * (rte_eal_paging.h): map, unmap and lock memory, and the system page
 * size. DPDK marks them internal (its own libraries, drivers and tests
 * use them), so they are __rte_internal here too, in the INTERNAL version
 * node as in DPDK's ABI: code built outside the tree defines
 * ALLOW_INTERNAL_API to use them, as DPDK's own app/test does.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** Memory protection flags (DPDK 22.11's values). */
enum rte_mem_prot {
	RTE_PROT_READ = 1 << 0,    /**< may be read */
	RTE_PROT_WRITE = 1 << 1,   /**< may be written */
	RTE_PROT_EXECUTE = 1 << 2, /**< may be executed */
};

/** Mapping flags (DPDK 22.11's values). */
enum rte_map_flags {
	RTE_MAP_SHARED = 1 << 0,        /**< writes visible to other mappings */
	RTE_MAP_ANONYMOUS = 1 << 1,     /**< no file behind the memory */
	RTE_MAP_PRIVATE = 1 << 2,       /**< copy on write */
	RTE_MAP_FORCE_ADDRESS = 1 << 3, /**< at requested_addr or fail */
};

/**
 * Map a file (or anonymous memory) as mmap(2) does.
 *
 * @param requested_addr hint, or NULL; the address itself with
 *   RTE_MAP_FORCE_ADDRESS
 * @param size bytes, not 0
 * @param prot RTE_PROT_* bits
 * @param flags RTE_MAP_* bits: exactly one of SHARED and PRIVATE
 * @param fd the file, or -1 with RTE_MAP_ANONYMOUS
 * @param offset in the file, page aligned (0 for anonymous memory)
 * @return the address, or NULL with rte_errno set: EINVAL for a bad
 *   argument (unknown bits, size 0, neither or both of SHARED and
 *   PRIVATE, an unaligned offset), else the errno of mmap(2)
 */
__rte_internal
void *rte_mem_map(void *requested_addr, size_t size, int prot, int flags,
		int fd, uint64_t offset);

/**
 * Unmap what rte_mem_map() mapped, as munmap(2).
 *
 * @return 0, or -1 with rte_errno set (EINVAL: virt not page aligned or
 *   size 0; else the errno of munmap(2))
 */
__rte_internal
int rte_mem_unmap(void *virt, size_t size);

/**
 * The system page size (sysconf(_SC_PAGESIZE)); never fails.
 *
 * @return the page size in bytes
 */
__rte_internal
size_t rte_mem_page_size(void);

/**
 * Lock the pages that [virt, virt + size) touches in memory (mlock(2)).
 *
 * @return 0, or -1 with rte_errno set to the errno of mlock(2)
 */
__rte_internal
int rte_mem_lock(const void *virt, size_t size);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_EAL_PAGING_H_ */
