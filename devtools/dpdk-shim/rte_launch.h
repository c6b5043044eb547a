/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_RTE_LAUNCH_H
#define MEMVFIO_DPDK_SHIM_RTE_LAUNCH_H

/* DPDK's lcore launch calls, on the shim's worker threads (shim_lcore.h). */

#include "shim_lcore.h"

typedef int (lcore_function_t)(void *arg);

/* Run f(arg) on worker lcore id; 0, or -EBUSY when it is still busy. */
int rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned int id);

/* Wait for worker id; f's return value (0 when nothing was launched). */
int rte_eal_wait_lcore(unsigned int id);

#endif /* MEMVFIO_DPDK_SHIM_RTE_LAUNCH_H */
