/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_HUGEPAGE_INFO_H_
#define _EAL_HUGEPAGE_INFO_H_

/*
 * The page sizes the EAL may use and how many pages of each the system can
 * give, per NUMA node. Filled once by eal_hugepage_info_init() and read-only
 * afterwards (no lock).
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define EAL_MAX_PAGE_SIZES 4

struct eal_page_type {
	uint64_t page_sz;
	bool hugepage;                       /* false: system pages (--no-huge) */
	uint64_t n_pages[RTE_MAX_NUMA_NODES]; /* pages the pool can give per node */
	char dir[PATH_MAX];                  /* hugetlbfs dir, "" to use memfd */
};

/* The page types, largest first; returns how many. */
unsigned int eal_page_types(const struct eal_page_type **types);

/*
 * Where the inventory reads sysfs from: "/sys" unless a test sets another
 * root (NULL restores "/sys"). It is separate from eal_sysfs_root(), which
 * the VFIO model points at a fake tree that has no hugepage information.
 */
void eal_hugepage_info_set_sysfs_root(const char *root);

/* Forget what eal_hugepage_info_init() found (cleanup). */
void eal_hugepage_info_reset(void);

#endif /* _EAL_HUGEPAGE_INFO_H_ */
