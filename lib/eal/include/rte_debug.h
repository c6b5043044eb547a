/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_DEBUG_H_
#define _RTE_DEBUG_H_

/**
 * @file
 * Fatal errors and assertions, under DPDK's names.
 */

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_log.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** Print the calling thread's stack to the log (CRIT level). */
void rte_dump_stack(void);

/**
 * Stop the process after a fatal error: the message (printf format) is
 * logged at CRIT level with the calling function's name, then the stack,
 * then abort() (a core dump when enabled). Never returns.
 */
#define rte_panic(...) rte_panic_(__func__, __VA_ARGS__, "dummy")
#define rte_panic_(func, format, ...) \
	__rte_panic(func, format "%.0s", __VA_ARGS__)

/** Behind rte_panic(); call rte_panic() instead. Never returns. */
void __rte_panic(const char *funcname, const char *format, ...)
	__rte_cold __rte_noreturn __rte_format_printf(2, 3);

/** rte_panic() when @p exp is false, in every build. */
#define RTE_VERIFY(exp) do { \
	if (unlikely(!(exp))) \
		rte_panic("line %d\tassert \"%s\" failed\n", __LINE__, #exp); \
} while (0)

#ifdef RTE_ENABLE_ASSERT
#define RTE_ASSERT(exp) RTE_VERIFY(exp)
#else
/* Not evaluated (sizeof), but still compiled, so it cannot rot. */
#define RTE_ASSERT(exp) do { (void)sizeof((exp) ? 1 : 0); } while (0)
#endif

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_DEBUG_H_ */
