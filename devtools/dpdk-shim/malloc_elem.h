/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_MALLOC_ELEM_H
#define MEMVFIO_DPDK_SHIM_MALLOC_ELEM_H

/*
 * test_memzone.c includes DPDK's internal malloc_elem.h for one value,
 * MALLOC_ELEM_OVERHEAD: what a free block of greatest_free_size bytes
 * (rte_malloc_get_socket_stats) loses to bookkeeping when it becomes a
 * memzone of length 0 ("the largest block"). This is memvfio's value
 * (lib/eal/common/malloc_elem.h): a one-cache-line element header before
 * the data, and the 8-byte overflow trailer after it, which takes a whole
 * line because element data is a whole number of lines.
 */

#include <rte_common.h>

#define MALLOC_ELEM_OVERHEAD (2 * RTE_CACHE_LINE_SIZE)

#endif /* MEMVFIO_DPDK_SHIM_MALLOC_ELEM_H */
