/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_errno and rte_strerror().
 *
 * The text of an error value lives in a per-thread buffer, so two threads
 * describing different errors at the same time never see each other's text.
 */

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

__thread int per_lcore__rte_errno;

#define STRERROR_BUFSZ 128

static __thread char strerror_buf[STRERROR_BUFSZ];

const char *
rte_strerror(int errnum)
{
	/* The C library knows nothing of the project's own range. */
	switch (errnum) {
	case E_RTE_SECONDARY:
		return "Invalid call in secondary process";
	case E_RTE_NO_CONFIG:
		return "Missing rte_config structure";
	default:
		break;
	}

	/*
	 * GNU strerror_r() may return a static string instead of filling the
	 * buffer; either way the pointer stays valid for this thread.
	 */
	return strerror_r(errnum, strerror_buf, sizeof(strerror_buf));
}
