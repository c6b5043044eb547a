/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_ERRNO_H_
#define _RTE_ERRNO_H_

/**
 * @file
 * The error number of the calling thread, set by every failing API call.
 *
 * One convention across the project: a function returns 0 (or a valid
 * pointer or fd) on success and -1 (or NULL) on failure with rte_errno set.
 * rte_errno is never left stale on an error path.
 */

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/** Storage of rte_errno: one per thread. */
extern __thread int per_lcore__rte_errno;

/** The error number of the last failed API call of this thread. */
#define rte_errno per_lcore__rte_errno

/**
 * Describe an error number: the C library's text for errno values, the
 * project's own text for the RTE_* values below.
 *
 * @param errnum an errno or an RTE_* error value
 * @return a string that stays valid for the life of the thread
 */
const char *rte_strerror(int errnum);

#ifndef __ELASTERROR
/** Past the last errno value the C library uses. */
#define __ELASTERROR 1000
#endif

/** Error values of the project beyond the C library's. */
enum {
	RTE_MIN_ERRNO = __ELASTERROR, /**< start of the range */
	E_RTE_SECONDARY,              /**< operation not allowed in a secondary process */
	E_RTE_NO_CONFIG,              /**< missing rte_config */
	RTE_MAX_ERRNO                 /**< end of the range */
};

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_ERRNO_H_ */
