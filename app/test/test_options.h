/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_OPTIONS_H_
#define _TEST_OPTIONS_H_

/*
 * Helpers of the option parser tests (test_options*.c): parse a NULL-ended
 * argument list as "prg ARGS", and assert a refusal that changes nothing.
 */

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <rte_log.h>

#include "eal_private.h"
#include "test.h"

#define MAX_ARGS 32

static char *args[MAX_ARGS + 1] __rte_unused;
static int n_args __rte_unused;

/* Parse "prg" followed by the NULL-ended arguments. */
static __rte_unused int
parse(const char *arg, ...)
{
	va_list ap;

	n_args = 0;
	args[n_args++] = (char *)(uintptr_t)"prg";
	va_start(ap, arg);
	for (; arg != NULL && n_args < MAX_ARGS; arg = va_arg(ap, const char *))
		args[n_args++] = (char *)(uintptr_t)arg;
	va_end(ap);
	args[n_args] = NULL;
	return eal_parse_args(n_args, args);
}

static __rte_unused struct eal_internal_config *
cfg(void)
{
	return eal_get_internal_config();
}

static __rte_unused void
fresh(void)
{
	eal_log_init();
	eal_reset_internal_config(cfg());
	eal_devargs_reset();
}

/*
 * A parse that must fail with err and leave the configuration, the global
 * log level and the EAL log level as they were. A macro so the failure
 * points at the caller's line.
 */
#define ASSERT_REFUSED(err, ...) do { \
	struct eal_internal_config before_; \
	uint32_t glevel_ = rte_log_get_global_level(); \
	int tlevel_ = rte_log_get_level(RTE_LOGTYPE_EAL); \
	memcpy(&before_, cfg(), sizeof(before_)); \
	TEST_ASSERT_ERRNO(parse(__VA_ARGS__, NULL), err, "options refused"); \
	TEST_ASSERT(memcmp(&before_, cfg(), sizeof(before_)) == 0, \
		"a refused parse changed the configuration"); \
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), glevel_, \
		"a refused parse changed the global log level"); \
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), tlevel_, \
		"a refused parse changed the EAL log level"); \
} while (0)

#endif /* _TEST_OPTIONS_H_ */
