/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_RTE_STRING_FNS_H
#define MEMVFIO_DPDK_SHIM_RTE_STRING_FNS_H

/* strlcpy for a C library without it (glibc before 2.38). */

#include <stddef.h>
#include <string.h>

static inline size_t
rte_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

#if !defined(__GLIBC__) || !defined(__GLIBC_PREREQ) || !__GLIBC_PREREQ(2, 38)
#define strlcpy(dst, src, size) rte_strlcpy(dst, src, size)
#endif

#endif /* MEMVFIO_DPDK_SHIM_RTE_STRING_FNS_H */
