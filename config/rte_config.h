/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Build-time limits. Included first in every translation unit (the build
 * passes -include), as DPDK does with its own rte_config.h.
 */
#ifndef _RTE_CONFIG_H_
#define _RTE_CONFIG_H_

#include <rte_build_config.h>

/* Longest name of a heap, a log type or a mem event callback. */
#define RTE_HEAP_NAME_MAX_LEN 32
#define RTE_MEM_EVENT_CALLBACK_NAME_LEN 64
#define RTE_MAX_HEAPS 32

/* Memzones that may be reserved at once (DPDK 22.11's default). */
#define RTE_MAX_MEMZONE 2560
#define RTE_LOG_MAX_TYPES 64

/* Segments one memseg list may hold, and the VA each list reserves at most. */
#define RTE_MAX_MEMSEG_PER_LIST 8192
#define RTE_MAX_MEM_MB_PER_LIST 32768

/* Default static memory for --no-huge when -m is not given (MiB). */
#define RTE_DEFAULT_NO_HUGE_MB 64

/* VFIO groups one container may hold. */
#define RTE_MAX_VFIO_GROUPS 64
#define RTE_MAX_VFIO_CONTAINERS 64

#endif /* _RTE_CONFIG_H_ */
