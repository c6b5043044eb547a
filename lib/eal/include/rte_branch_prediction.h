/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_BRANCH_PREDICTION_H_
#define _RTE_BRANCH_PREDICTION_H_

/**
 * @file
 * Branch hints for the compiler, under DPDK's names.
 */

#ifndef likely
/** The condition is expected to be true. */
#define likely(x) __builtin_expect(!!(x), 1)
#endif

#ifndef unlikely
/** The condition is expected to be false. */
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* _RTE_BRANCH_PREDICTION_H_ */
