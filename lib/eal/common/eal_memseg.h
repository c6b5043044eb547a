/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_MEMSEG_H_
#define _EAL_MEMSEG_H_

/*
 * The table of memseg lists, private to the memory layer
 * (eal_common_memory.c owns it; eal_memory.c, eal_memalloc.c and
 * eal_common_extmem.c fill it). Everything here is protected by the memory
 * hotplug lock (see eal_memcfg.h): read it for lookups, write it for changes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_memory.h>

/* A memseg list and what the EAL needs to know about it beyond the public part. */
struct eal_memseg_list {
	struct rte_memseg_list pub;  /* handed out by walks and lookups */
	bool in_use;                 /* slot taken */
	bool is_static;              /* memory released only as a whole */
	bool owns_va;                /* the EAL reserved the VA range (unmap it at destroy) */
	bool numa_bind;              /* bind pages to pub.socket_id when faulting them in */
	bool iova_contig;            /* static, every segment used, each continuing the
	                              * previous one in VA and IOVA: set at creation */
	int fd;                      /* backing memfd or hugetlbfs file, -1 if none */
	char *path;                  /* hugetlbfs file to unlink at destroy, NULL for memfd */
	bool iova_assigned;          /* allocated IOVA mode: the list has an IOVA block */
	rte_iova_t iova_base;        /* its start: page i is at iova_base + i * page_sz */
};

/* The private part of a public list (which must come from the table). */
static inline struct eal_memseg_list *
eal_msl_priv(const struct rte_memseg_list *msl)
{
	return (struct eal_memseg_list *)(uintptr_t)msl;
}

/*
 * Take a free slot for a list over [va, va + len) with n_segs segments of
 * page_sz and insert it in the address-sorted index. The segments start out
 * unused (len 0), unless filled: the caller then writes every field of
 * every segment itself, before anything reads them (the array is not
 * zeroed first: one pass over thousands of segments instead of two).
 * Returns the list or NULL with rte_errno EEXIST (overlaps a known list),
 * ENOSPC (no free slot) or ENOMEM.
 */
struct eal_memseg_list *eal_msl_create(void *va, size_t len, uint64_t page_sz,
		unsigned int n_segs, int socket_id, bool filled);

/* Remove a list from the index and free its slot (the VA is left alone). */
void eal_msl_release(struct eal_memseg_list *l);

/* The list whose VA range holds va, or NULL (binary search, O(log n)). */
struct eal_memseg_list *eal_msl_lookup(const void *va);

/* True when [va, va + len) overlaps a known list. */
bool eal_msl_overlaps(const void *va, size_t len);

/* Number of lists, and the i-th in address order (i < count). */
unsigned int eal_msl_count(void);
struct eal_memseg_list *eal_msl_at(unsigned int i);

/* Index of the segment holding va in l (va must lie in the list). */
static inline unsigned int
eal_msl_seg_idx(const struct rte_memseg_list *msl, const void *va)
{
	return (unsigned int)(RTE_PTR_DIFF(va, msl->base_va) / msl->page_sz);
}

/*
 * Send event for every VA-contiguous run of segments in use in l
 * (used for static memory at init and cleanup). Returns as
 * eal_mem_event_notify(); FREE runs last to first.
 */
int eal_msl_notify_runs(struct eal_memseg_list *l, enum rte_mem_event event);

/*
 * Page backing (linux/eal_memalloc.c), called by eal_memory.c with the
 * hotplug lock held for writing.
 */

/* Remove stale hugetlbfs files of this --file-prefix (no live owner). */
void eal_memalloc_remove_stale_files(void);

/*
 * Give l a backing file: a file in hugetlbfs dir when dir is not "", else a
 * memfd (hugetlb one when hugepage). Returns 0 or -1 with rte_errno.
 */
int eal_memalloc_list_open(struct eal_memseg_list *l, const char *dir,
		bool hugepage);

/*
 * Back and fault in n segments of l from index idx and record them.
 * Returns 0 or -1 with rte_errno ENOMEM (empty pool) or EACCES (no IOVA).
 */
int eal_memalloc_back_pages(struct eal_memseg_list *l, unsigned int idx,
		unsigned int n);

/* Release every page of l, its VA reservation and its backing file. */
void eal_memalloc_list_close(struct eal_memseg_list *l);

/* System page size (sysconf, cached). */
size_t eal_sys_page_size(void);

/*
 * Physical addresses of n pages of page_sz from va (pagemap opened once).
 * 0, or -1 with rte_errno EACCES (no privilege), ENOENT or EFAULT; the
 * page that failed is the first one whose pa[] is RTE_BAD_PHYS_ADDR.
 */
int eal_virt2phys_pages(const void *va, size_t page_sz, unsigned int n,
		phys_addr_t *pa);

/*
 * First page of a heap growth with --match-allocations (malloc_heap_match.c):
 * an EAL-private bit of struct rte_memseg's flags, which DPDK's API leaves
 * to RTE_MEMSEG_FLAG_* (bit 0 only). Cleared with the page.
 */
#define EAL_MEMSEG_FLAG_UNIT_START (1u << 31)

#endif /* _EAL_MEMSEG_H_ */
