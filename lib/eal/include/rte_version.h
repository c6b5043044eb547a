/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_VERSION_H_
#define _RTE_VERSION_H_

/**
 * @file
 * Versions: the DPDK API level memvfio implements (22.11), under DPDK's
 * macros so that "#if RTE_VERSION >= RTE_VERSION_NUM(22, 11, 0, 0)" works
 * as with DPDK, and memvfio's own version (MEMVFIO_VERSION_STR).
 */

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A version as one comparable number. */
#define RTE_VERSION_NUM(a, b, c, d) ((a) << 24 | (b) << 16 | (c) << 8 | (d))

/* The DPDK release whose API is implemented. */
#define RTE_VER_PREFIX "DPDK"
#define RTE_VER_YEAR 22
#define RTE_VER_MONTH 11
#define RTE_VER_MINOR 0
#define RTE_VER_SUFFIX ""
#define RTE_VER_RELEASE 99

/** The DPDK API level, as a number (RTE_VERSION_NUM(22, 11, 0, 99)). */
#define RTE_VERSION RTE_VERSION_NUM(RTE_VER_YEAR, RTE_VER_MONTH, \
	RTE_VER_MINOR, RTE_VER_RELEASE)

/** memvfio's own version ("0.1.0"), from the build. */
#define MEMVFIO_VERSION_STR RTE_VERSION_STR

/**
 * The version string: the DPDK API level and memvfio's own version,
 * e.g. "DPDK 22.11.0 (memvfio 0.1.0)". DPDK's own string is
 * "DPDK 22.11.0": a program that parses it reads the same numbers first.
 */
static inline const char *
rte_version(void)
{
	return RTE_VER_PREFIX " " RTE_STR(RTE_VER_YEAR) "." RTE_STR(RTE_VER_MONTH)
		"." RTE_STR(RTE_VER_MINOR) RTE_VER_SUFFIX " (memvfio "
		MEMVFIO_VERSION_STR ")";
}

#ifdef __cplusplus
}
#endif

#endif /* _RTE_VERSION_H_ */
