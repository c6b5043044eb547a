/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_IOVA_H_
#define _EAL_IOVA_H_

/*
 * The IOVA space of the process: the ranges the IOMMU accepts (probed by
 * the VFIO component at init, before any memory exists), the choice of
 * the IOVA mode, and the allocator of IOVAs in the allocated mode
 * (eal_common_iova.c).
 *
 * Lock: the IOVA space lock of eal_common_iova.c protects the ranges and
 * the allocator. It is a leaf: nothing else is taken while it is held, so
 * it may be taken under any lock of eal_memcfg.h's order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_memory.h>

/* One valid IOVA range, inclusive end (as VFIO reports it). */
struct eal_iova_range {
	uint64_t start;
	uint64_t end;
};

/*
 * Record what the IOMMU accepts, as probed at init: the intersection of
 * the valid ranges of the probed groups. what names the source for the
 * log ("IOMMU group 12"). n = 0 forgets them (nothing known).
 */
int eal_iova_set_ranges(const struct eal_iova_range *ranges, unsigned int n,
		const char *what);

/* Ranges known (n > 0) after the probe; copies up to max into out. */
unsigned int eal_iova_get_ranges(struct eal_iova_range *out, unsigned int max);

/*
 * Where the EAL reserves its memseg lists when --base-virtaddr is not
 * given: from EAL_DEFAULT_BASE_VA (4 GiB, DPDK's default base on 64-bit),
 * moved up to the start of the first valid IOVA range reaching above it;
 * *limit is the last address the reservations may use (the end of that
 * range, or the top of the user address space when no range is known).
 */
#define EAL_DEFAULT_BASE_VA 0x100000000ULL
#define EAL_VA_TOP 0x7fffffffffffULL
uint64_t eal_iova_va_window(uint64_t *limit);

/*
 * Settle the IOVA mode once the memseg lists' VA is reserved and before
 * any page gets an IOVA (eal_memory.c). Caller holds the hotplug write
 * lock. Returns 0, or -1 with rte_errno (ENOTSUP: a forced mode cannot
 * work, ERANGE: --base-virtaddr beyond the IOMMU with --iova-mode=va, or
 * no mode fits) and one ERR line.
 */
int eal_iova_mode_select(void);

/* True in the allocated IOVA mode (reported as RTE_IOVA_PA). */
bool eal_iova_is_allocated(void);

/*
 * Give a memseg list its IOVA block in the allocated mode (contiguous,
 * aligned to its page size), or nothing in the other modes. Returns 0, or
 * -1 with rte_errno ENOMEM/ERANGE (no room in the valid ranges).
 */
int eal_iova_assign_list(struct rte_memseg_list *msl);

/* The IOVA of the page at va of a list, per the mode (allocated only). */
rte_iova_t eal_iova_of_list_page(const struct rte_memseg_list *msl,
		const void *va);

/* Give back the block of a list (list destroyed). */
void eal_iova_release_list(struct rte_memseg_list *msl);

/*
 * [iova, iova + len) must lie inside one valid range when ranges are
 * known. Returns 0, or -1 with rte_errno ERANGE and one ERR line naming
 * the range, the valid ranges and what asked (what).
 */
__rte_internal
int eal_iova_check_reachable(uint64_t iova, uint64_t len, const char *what);

/*
 * The quiet form: true when [iova, iova + len) lies inside one valid
 * range, or no range is known. No log, rte_errno untouched.
 */
__rte_internal
bool eal_iova_is_reachable(uint64_t iova, uint64_t len);

/* Whether physical addresses are used (eal.c, for a fallback to PA). */
void eal_set_phys_addrs(bool on);

/* Forget the ranges, the mode's state and every block (cleanup). */
void eal_iova_reset(void);

#endif /* _EAL_IOVA_H_ */
