/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_H_
#define _TEST_H_

/*
 * The autotest framework: tests register by name and the runner
 * (dpdk-test) runs them, each in its own child process.
 *
 * A test returns TEST_SUCCESS, TEST_FAILED or TEST_SKIPPED (exit code 77,
 * after printing why). Every check prints what it checked on failure: the
 * step, the expected and the actual value.
 */

#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#define TEST_SUCCESS 0
#define TEST_FAILED -1
#define TEST_SKIPPED 77

typedef int (test_callback)(void);

struct test_command {
	const char *name;
	test_callback *callback;
	struct test_command *next;
};

void add_test_command(struct test_command *t);

#define REGISTER_TEST_COMMAND(cmd, func) \
	static struct test_command test_struct_##cmd = { \
		.name = RTE_STR(cmd), \
		.callback = func, \
	}; \
	__attribute__((constructor)) static void test_register_##cmd(void) \
	{ \
		add_test_command(&test_struct_##cmd); \
	}

#define TEST_FAIL_MSG(fmt, ...) \
	printf("FAIL %s:%d %s(): " fmt "\n", __FILE__, __LINE__, __func__, ##__VA_ARGS__)

#define TEST_ASSERT(cond, fmt, ...) do { \
	if (!(cond)) { \
		TEST_FAIL_MSG("%s: " fmt, #cond, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_EQUAL(actual, expected, fmt, ...) do { \
	long long a_ = (long long)(actual), e_ = (long long)(expected); \
	if (a_ != e_) { \
		TEST_FAIL_MSG("%s: expected %lld (0x%llx), got %lld (0x%llx): " fmt, \
			#actual, e_, (unsigned long long)e_, a_, \
			(unsigned long long)a_, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_SUCCESS(val, fmt, ...) do { \
	long long v_ = (long long)(val); \
	if (v_ != 0) { \
		TEST_FAIL_MSG("%s returned %lld (rte_errno %d: %s): " fmt, \
			#val, v_, rte_errno, rte_strerror(rte_errno), ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

/*
 * An int-returning call that must fail: a negative return (-1 by the
 * project's convention) AND the given rte_errno. A return of 0 or more is
 * a failure of the assertion, even when rte_errno was set. rte_errno is
 * cleared first, so a value left by an earlier call cannot pass.
 * A pointer given here does not compile (no conversion to long long
 * without a cast): use TEST_ASSERT_NULL_ERRNO.
 */
#define TEST_ASSERT_ERRNO(val, err, fmt, ...) do { \
	rte_errno = 0; \
	long long v_ = (val); \
	int e_ = rte_errno; \
	if (v_ >= 0 || e_ != (err)) { \
		TEST_FAIL_MSG("%s: expected a negative return with rte_errno " \
			"%d (%s), got %lld with rte_errno %d (%s): " fmt, #val, \
			(err), strerror(err), v_, e_, rte_strerror(e_), \
			##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

/*
 * A pointer-returning call that must fail: NULL AND the given rte_errno.
 * An int given here does not compile (no conversion to a pointer without
 * a cast), except the constant 0.
 */
#define TEST_ASSERT_NULL_ERRNO(val, err, fmt, ...) do { \
	rte_errno = 0; \
	const volatile void *p_ = (val); \
	int e_ = rte_errno; \
	if (p_ != NULL || e_ != (err)) { \
		TEST_FAIL_MSG("%s: expected NULL with rte_errno %d (%s), " \
			"got %p with rte_errno %d (%s): " fmt, #val, (err), \
			strerror(err), (const void *)(uintptr_t)p_, e_, \
			rte_strerror(e_), ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_NULL(val, fmt, ...) \
	TEST_ASSERT((val) == NULL, fmt, ##__VA_ARGS__)
#define TEST_ASSERT_NOT_NULL(val, fmt, ...) \
	TEST_ASSERT((val) != NULL, fmt, ##__VA_ARGS__)

/*
 * A skip for a reason that is not a missing resource: the test is the
 * model's (fault injection, knobs) and runs with the model only, or the
 * configuration it needs is another VM's. For a missing device, VFIO,
 * IOMMU, hugepages or privilege use TEST_SKIP_MISSING.
 */
#define TEST_SKIP(fmt, ...) do { \
	printf("SKIP %s(): " fmt "\n", __func__, ##__VA_ARGS__); \
	return TEST_SKIPPED; \
} while (0)

/* True inside the test VM (DPDK_TEST_IN_VM=1), which provides every need. */
int test_in_vm(void);

/*
 * A need of the test that this machine does not meet: no device bound to
 * vfio-pci, no VFIO, no IOMMU group, no hugepages, no privilege. Prints one
 * line and returns TEST_SKIPPED; inside the test VM (DPDK_TEST_IN_VM=1),
 * which is built to provide all of these, it prints "FAIL" with the same
 * reason and returns TEST_FAILED: a VM run that skips proves nothing.
 */
int test_missing(const char *func, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define TEST_SKIP_MISSING(fmt, ...) \
	return test_missing(__func__, fmt, ##__VA_ARGS__)

/*
 * The same for a part of a test that cannot run here (the rest still
 * runs): prints "(skipped: why)" and returns 0; in the VM prints "FAIL"
 * and returns -1, and the caller fails the test.
 */
int test_missing_part(const char *func, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The cases of a multi-case test (conformance cases, limits sub-cases,
 * bad-input rows): each is counted, and the runner counts the test as its
 * cases (see doc/guides/testing.rst).
 */
struct test_cases {
	unsigned int passed, failed, skipped;
};

/* Count one case: TEST_SUCCESS, TEST_SKIPPED, anything else failed. */
void test_case_count(struct test_cases *c, int result);

/*
 * Print "cases: P passed, F failed, S skipped", hand the counts to the
 * runner, and return the test's result: TEST_FAILED when a case failed or
 * none was counted, TEST_SKIPPED when every case skipped (a test with
 * nothing run is not a pass), else TEST_SUCCESS (saying how many of the
 * cases ran when some skipped). Called once, at the end of the test.
 */
int test_cases_end(const struct test_cases *c);

/* Print a step of a test (what is being checked). */
#define TEST_STEP(fmt, ...) printf("  - " fmt "\n", ##__VA_ARGS__)

/*
 * Initialize the EAL for a test with the given EAL arguments (NULL-ended
 * list, program name not included). Outside the VM the VFIO backend is the
 * type1 model (reset first); with DPDK_TEST_VFIO=kernel it is the kernel.
 * The words of DPDK_TEST_EAL_ARGS, when set, come before the test's own
 * arguments (so a test's own choice of an option wins).
 * Returns rte_eal_init()'s result.
 */
int test_eal_init(const char *arg, ...);

/* True when the tests run against the real kernel (DPDK_TEST_VFIO=kernel). */
int test_vfio_is_kernel(void);

/* The system page size (sysconf), never a hard-coded 4096. */
size_t test_page_size(void);

#endif /* _TEST_H_ */
