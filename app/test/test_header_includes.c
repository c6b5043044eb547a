/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compile-time check that the public headers include one another as
 * DPDK 22.11's do: this file includes only rte_malloc.h and rte_memzone.h
 * and uses what DPDK code gets through them (rte_memory.h, rte_common.h,
 * rte_branch_prediction.h). It fails to build otherwise. Also: rte_lcore.h
 * brings rte_eal.h, rte_debug.h brings rte_log.h.
 */

#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_lcore.h>
#include <rte_debug.h>

int test_header_includes_check(void);

int
test_header_includes_check(void)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(NULL, NULL);
	int n = 0;

	if (likely(ms == NULL))
		n++;
	if (unlikely(rte_eal_iova_mode() == RTE_IOVA_VA))
		n += 0;
	n += RTE_PGSIZE_2M == (2 * RTE_MB);
	n += rte_log_get_global_level() > 0;
	return n;
}
