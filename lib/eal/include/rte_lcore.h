/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_LCORE_H_
#define _RTE_LCORE_H_

/**
 * @file
 * Threads and NUMA nodes, under DPDK's names, with meanings that fit a
 * library without lcores: memvfio starts no worker thread and pins
 * nothing, so every thread of the application is what DPDK calls a
 * non-EAL thread.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_eal.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** The lcore id of a thread that is not an lcore. */
#define LCORE_ID_ANY UINT32_MAX

/**
 * The calling thread's lcore id. memvfio has no lcores, so this is
 * always LCORE_ID_ANY, the value DPDK gives a non-EAL thread; code that
 * indexes per-lcore arrays with it must handle LCORE_ID_ANY, as it must
 * for non-EAL threads in DPDK.
 *
 * @return LCORE_ID_ANY
 */
unsigned int rte_lcore_id(void);

/**
 * The NUMA node of the CPU the calling thread runs on (libnuma), read
 * once per thread and then cached, like DPDK's per-lcore socket. 0 when
 * it cannot be known (no libnuma, or a kernel without NUMA).
 *
 * @return the NUMA node
 */
unsigned int rte_socket_id(void);

/**
 * The number of NUMA nodes of the system (libnuma; 1 without it). Works
 * before rte_eal_init().
 *
 * @return the number of nodes, at least 1
 */
unsigned int rte_socket_count(void);

/**
 * The id of the idx-th NUMA node, in increasing order of ids (ids may
 * have gaps).
 *
 * @param idx from 0 to rte_socket_count() - 1
 * @return the node id, or -1 with rte_errno EINVAL (idx out of range, one
 *   log line)
 */
int rte_socket_id_by_idx(unsigned int idx);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_LCORE_H_ */
