/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_TEST_H
#define MEMVFIO_DPDK_SHIM_TEST_H

/*
 * The test framework that DPDK 22.11's app/test files include as "test.h",
 * written for memvfio: the return codes, the TEST_ASSERT* macros, unit test
 * suites and REGISTER_TEST_COMMAND. Only the framework: every memory,
 * memzone, malloc, memseg, extmem and VFIO call of the tests goes to the
 * installed memvfio (see devtools/dpdk-tests.sh and
 * doc/guides/dpdk_tests.rst).
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>

#include "shim_lcore.h"

#define TEST_SUCCESS EXIT_SUCCESS
#define TEST_FAILED (-1)
#define TEST_SKIPPED 77

/* One line naming the function and line of the failed check. */
#define SHIM_FAIL_(fmt, ...) do { \
	printf("TestCase %s() line %d failed: " fmt "\n", __func__, \
		__LINE__, ##__VA_ARGS__); \
	return TEST_FAILED; \
} while (0)

#define TEST_ASSERT(cond, msg, ...) do { \
	if (!(cond)) \
		SHIM_FAIL_(msg, ##__VA_ARGS__); \
} while (0)
#define TEST_ASSERT_EQUAL(a, b, msg, ...) \
	TEST_ASSERT((a) == (b), msg, ##__VA_ARGS__)
#define TEST_ASSERT_NOT_EQUAL(a, b, msg, ...) \
	TEST_ASSERT((a) != (b), msg, ##__VA_ARGS__)
#define TEST_ASSERT_SUCCESS(val, msg, ...) do { \
	int shim_v_ = (val); \
	if (shim_v_ != 0) \
		SHIM_FAIL_(msg " (returned %d)", ##__VA_ARGS__, shim_v_); \
} while (0)
#define TEST_ASSERT_FAIL(val, msg, ...) \
	TEST_ASSERT((val) != 0, msg, ##__VA_ARGS__)
#define TEST_ASSERT_NULL(val, msg, ...) \
	TEST_ASSERT((val) == NULL, msg, ##__VA_ARGS__)
#define TEST_ASSERT_NOT_NULL(val, msg, ...) \
	TEST_ASSERT((val) != NULL, msg, ##__VA_ARGS__)
#define TEST_ASSERT_BUFFERS_ARE_EQUAL(a, b, len, msg, ...) \
	TEST_ASSERT(memcmp((a), (b), (len)) == 0, msg, ##__VA_ARGS__)

/* A case of a suite, and a suite (the fields DPDK's files fill in). */
struct unit_test_case {
	int (*setup)(void);
	void (*teardown)(void);
	int (*testcase)(void);
	int (*testcase_with_data)(const void *data);
	const char *name;
	unsigned int enabled;
	const void *data;
};

#define TEST_CASE(fn) { NULL, NULL, fn, NULL, #fn, 1, NULL }
#define TEST_CASE_NAMED(name, fn) { NULL, NULL, fn, NULL, name, 1, NULL }
#define TEST_CASE_ST(su, td, fn) { su, td, fn, NULL, #fn, 1, NULL }
#define TEST_CASE_WITH_DATA(su, td, fn, d) { su, td, NULL, fn, #fn, 1, d }
#define TEST_CASE_DISABLED(fn) { NULL, NULL, fn, NULL, #fn, 0, NULL }
#define TEST_CASES_END() { NULL, NULL, NULL, NULL, NULL, 0, NULL }

struct unit_test_suite {
	const char *suite_name;
	int (*setup)(void);
	void (*teardown)(void);
	unsigned int total;
	unsigned int executed;
	unsigned int succeeded;
	unsigned int skipped;
	unsigned int failed;
	unsigned int unsupported;
	struct unit_test_suite **unit_test_suites;
	struct unit_test_case unit_test_cases[];
};

/* Runs the cases in order; TEST_SUCCESS when none failed. */
int unit_test_suite_runner(struct unit_test_suite *suite);

/* A named test (dpdk-test's command), registered before main(). */
typedef int (test_callback)(void);
struct test_command {
	TAILQ_ENTRY(test_command) next;
	const char *command;
	test_callback *callback;
};
void add_test_command(struct test_command *t);

#define REGISTER_TEST_COMMAND(cmd, func) \
	static struct test_command shim_cmd_##cmd = { \
		.command = #cmd, \
		.callback = func, \
	}; \
	static void __attribute__((constructor)) shim_register_##cmd(void) \
	{ \
		add_test_command(&shim_cmd_##cmd); \
	}

#endif /* MEMVFIO_DPDK_SHIM_TEST_H */
