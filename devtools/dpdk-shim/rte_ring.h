/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_RTE_RING_H
#define MEMVFIO_DPDK_SHIM_RTE_RING_H

/*
 * test_external_mem.c includes rte_ring.h and calls nothing of the ring
 * library (memvfio has none), but it reserves memzones: in DPDK,
 * rte_ring.h includes rte_memzone.h (rings live in memzones), and that
 * include is all this header keeps.
 */

#include <rte_memzone.h>

#endif /* MEMVFIO_DPDK_SHIM_RTE_RING_H */
