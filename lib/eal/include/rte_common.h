/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_COMMON_H_
#define _RTE_COMMON_H_

/**
 * @file
 * Common types and helper macros shared by every library of the project.
 */

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_branch_prediction.h>

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

/* The compiler, as DPDK names it. */
#ifdef __clang__
#define RTE_CC_CLANG
#elif defined(__GNUC__)
#define RTE_CC_GCC
#endif
#ifdef __GNUC__
#define RTE_CC_IS_GNU 1
#define GCC_VERSION (__GNUC__ * 10000 + __GNUC_MINOR__ * 100 + __GNUC_PATCHLEVEL__)
#else
#define RTE_CC_IS_GNU 0
#endif

#define RTE_CACHE_LINE_SIZE 64
/** Mask of the offset inside a cache line. */
#define RTE_CACHE_LINE_MASK (RTE_CACHE_LINE_SIZE - 1)
/** @p size rounded up to a whole number of cache lines. */
#define RTE_CACHE_LINE_ROUNDUP(size) \
	(RTE_CACHE_LINE_SIZE * (((size) + RTE_CACHE_LINE_SIZE - 1) / \
		RTE_CACHE_LINE_SIZE))

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
#define __rte_noreturn __attribute__((__noreturn__))
#define __rte_cold __attribute__((__cold__))
#define __rte_hot __attribute__((__hot__))
#define __rte_always_inline inline __attribute__((__always_inline__))
#define __rte_noinline __attribute__((__noinline__))
#define __rte_weak __attribute__((__weak__))
#define __rte_used __attribute__((__used__))

/*
 * A function AddressSanitizer must not instrument (it reads memory the
 * sanitizer does not know about). Empty when the build does not use ASan.
 */
#if defined(__SANITIZE_ADDRESS__)
#define __rte_no_asan __attribute__((__no_sanitize_address__))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define __rte_no_asan __attribute__((__no_sanitize_address__))
#endif
#endif
#ifndef __rte_no_asan
#define __rte_no_asan
#endif

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

/* Page sizes (DPDK has them as enum rte_page_sizes; same names and values). */
#define RTE_PGSIZE_4K (1ULL << 12)
#define RTE_PGSIZE_64K (1ULL << 16)
#define RTE_PGSIZE_256K (1ULL << 18)
#define RTE_PGSIZE_2M (1ULL << 21)
#define RTE_PGSIZE_16M (1ULL << 24)
#define RTE_PGSIZE_256M (1ULL << 28)
#define RTE_PGSIZE_512M (1ULL << 29)
#define RTE_PGSIZE_1G (1ULL << 30)
#define RTE_PGSIZE_4G (1ULL << 32)
#define RTE_PGSIZE_16G (1ULL << 34)

#define SOCKET_ID_ANY -1

/**
 * Whether @p ptr is aligned to @p align (a power of two).
 *
 * @return 1 when aligned, 0 otherwise
 */
static inline int
rte_is_aligned(const void *ptr, unsigned int align)
{
	return ((uintptr_t)ptr & ((uintptr_t)align - 1)) == 0;
}

/**
 * A size written as a number with an optional unit: "64", "0x40", "2M",
 * "1 G" (one space allowed), "512k". Units K, M, G (either case) are
 * powers of 1024. Leading white space is skipped.
 *
 * @return the size in bytes, or 0 for a negative number, no number, or a
 *   value that does not fit in 64 bits (as in DPDK, 0 is the only error
 *   value: errno is left as strtoull() set it)
 */
static inline uint64_t
rte_str_to_size(const char *str)
{
	unsigned long long size;
	unsigned int shift = 0;
	char *end;

	if (str == NULL)
		return 0;
	while (isspace((unsigned char)*str))
		str++;
	if (*str == '-')
		return 0;
	errno = 0;
	size = strtoull(str, &end, 0);
	if (errno != 0 || end == str)
		return 0;
	if (*end == ' ')
		end++;
	switch (*end) {
	case 'G': case 'g':
		shift = 30;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'K': case 'k':
		shift = 10;
		break;
	default:
		break;
	}
	if (shift != 0 && size > (UINT64_MAX >> shift))
		return 0;
	return (uint64_t)size << shift;
}

#ifdef __cplusplus
}
#endif

#endif /* _RTE_COMMON_H_ */
