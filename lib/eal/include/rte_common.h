/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_COMMON_H_
#define _RTE_COMMON_H_

/**
 * @file
 * Common types and helper macros shared by every library of the project.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An address as a device sees it (IOVA): a physical or an I/O virtual address. */
typedef uint64_t rte_iova_t;
/** A physical address. */
typedef uint64_t phys_addr_t;

/** An IOVA that means "none" or "unknown". */
#define RTE_BAD_IOVA ((rte_iova_t)-1)
/** A physical address that means "none" or "unknown". */
#define RTE_BAD_PHYS_ADDR ((phys_addr_t)-1)

#define RTE_CACHE_LINE_SIZE 64

#define __rte_unused __attribute__((__unused__))
#define __rte_packed __attribute__((__packed__))
#define __rte_aligned(a) __attribute__((__aligned__(a)))
#define __rte_cache_aligned __rte_aligned(RTE_CACHE_LINE_SIZE)
#define __rte_format_printf(fmt, args) \
	__attribute__((__format__(__printf__, fmt, args)))
/*
 * ABI markers (doc/guides/abi.rst). The libraries are built with
 * -fvisibility=hidden and a version script each: a function is exported
 * when an installed header declares it (the headers set default
 * visibility) or when __rte_internal marks it, and only as its library's
 * version.map lists it.
 *
 * __rte_experimental: a project extension (the EXPERIMENTAL section),
 * whose signature may still change. Using one warns unless the
 * application defines ALLOW_EXPERIMENTAL_API, as with DPDK.
 */
#ifdef ALLOW_EXPERIMENTAL_API
#define __rte_experimental
#else
#define __rte_experimental \
	__attribute__((__deprecated__("memvfio experimental API: " \
		"define ALLOW_EXPERIMENTAL_API to use it")))
#endif

/*
 * __rte_internal: exported (the INTERNAL section) for the project's own
 * drivers and tools only; declared in headers that are not installed, and
 * refused at compile time outside the tree (no ALLOW_INTERNAL_API).
 */
#ifdef ALLOW_INTERNAL_API
#define __rte_internal __attribute__((__visibility__("default")))
#else
#define __rte_internal __attribute__((__visibility__("default"), \
	__error__("memvfio internal API: for the project's own drivers and tools")))
#endif
#define __rte_deprecated __attribute__((__deprecated__))

#define RTE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RTE_MAX(a, b) ((a) > (b) ? (a) : (b))
#define RTE_DIM(a) (sizeof(a) / sizeof((a)[0]))

/** True when @p x is a power of two (0 is not). */
#define rte_is_power_of_2(x) ((x) != 0 && (((x) & ((x) - 1)) == 0))

/** Round @p v down / up to a multiple of @p align (a power of two). */
#define RTE_ALIGN_FLOOR(v, align) \
	((__typeof__(v))((v) & (~((__typeof__(v))((align) - 1)))))
#define RTE_ALIGN_CEIL(v, align) \
	RTE_ALIGN_FLOOR(((v) + ((__typeof__(v))(align) - 1)), align)
#define RTE_ALIGN(v, align) RTE_ALIGN_CEIL(v, align)
#define RTE_PTR_ALIGN_FLOOR(p, align) \
	((__typeof__(p))RTE_ALIGN_FLOOR((uintptr_t)(p), align))
#define RTE_PTR_ALIGN_CEIL(p, align) \
	((__typeof__(p))RTE_ALIGN_CEIL((uintptr_t)(p), align))
#define RTE_PTR_ALIGN(p, align) RTE_PTR_ALIGN_CEIL(p, align)
#define RTE_IS_ALIGNED(v, align) ((((uintptr_t)(v)) & ((uintptr_t)(align) - 1)) == 0)

#define RTE_PTR_ADD(p, x) ((void *)((uintptr_t)(p) + (x)))
#define RTE_PTR_SUB(p, x) ((void *)((uintptr_t)(p) - (x)))
#define RTE_PTR_DIFF(a, b) ((uintptr_t)(a) - (uintptr_t)(b))

#define RTE_STR_(x) #x
#define RTE_STR(x) RTE_STR_(x)

#define RTE_KB (1ULL << 10)
#define RTE_MB (1ULL << 20)
#define RTE_GB (1ULL << 30)

#define RTE_PGSIZE_4K (1ULL << 12)
#define RTE_PGSIZE_2M (1ULL << 21)
#define RTE_PGSIZE_1G (1ULL << 30)

#define SOCKET_ID_ANY -1

#ifdef __cplusplus
}
#endif

#endif /* _RTE_COMMON_H_ */
