/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_LCORE_H
#define MEMVFIO_DPDK_SHIM_LCORE_H

/*
 * Worker "lcores" for DPDK's tests: memvfio has no lcores (rte_lcore.h),
 * so the shim gives the tests that launch work on workers plain threads,
 * started by rte_eal_remote_launch() and joined by rte_eal_wait_lcore().
 * The number of lcores comes from the shim's -l/-c option (see
 * shim_main.c); lcore 0 is the main thread.
 */

#define SHIM_MAX_LCORE 16

/* The next worker after i (-1: the first); SHIM_MAX_LCORE when none. */
unsigned int shim_next_worker(int i);

#define RTE_LCORE_FOREACH_WORKER(i) \
	for ((i) = shim_next_worker(-1); (i) < SHIM_MAX_LCORE; \
		(i) = shim_next_worker((int)(i)))

#endif /* MEMVFIO_DPDK_SHIM_LCORE_H */
