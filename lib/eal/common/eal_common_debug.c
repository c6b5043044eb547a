/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fatal errors: rte_exit(), rte_panic() and the stack dump they use.
 */

#include <execinfo.h>
#include <stdarg.h>
#include <stdlib.h>

#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "eal_private.h"

#define STACK_DEPTH 64

void
rte_dump_stack(void)
{
	void *frames[STACK_DEPTH];
	char **names;
	int n, i;

	n = backtrace(frames, STACK_DEPTH);
	names = backtrace_symbols(frames, n);
	for (i = 0; i < n; i++)
		EAL_LOG(CRIT, "%d: [%s]", n - i,
			names != NULL ? names[i] : "(no symbols: out of memory)");
	free(names);
}

void
__rte_panic(const char *funcname, const char *format, ...)
{
	va_list ap;

	EAL_LOG(CRIT, "PANIC in %s():", funcname);
	va_start(ap, format);
	rte_vlog(RTE_LOG_CRIT, RTE_LOGTYPE_EAL, format, ap);
	va_end(ap);
	rte_dump_stack();
	abort();
}

void
rte_exit(int exit_code, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	rte_vlog(RTE_LOG_CRIT, RTE_LOGTYPE_EAL, format, ap);
	va_end(ap);
	/* VFIO mappings and memory go back before the process ends. */
	if (eal_is_initialized() && rte_eal_cleanup() < 0)
		EAL_LOG(CRIT, "rte_exit: the EAL could not release everything (%s)",
			rte_strerror(rte_errno));
	exit(exit_code);
}
