/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The helpers DPDK code uses routinely: rte_common.h macros and inlines,
 * rte_version.h, rte_lcore.h (threads and NUMA nodes without lcores),
 * rte_exit() and rte_panic().
 */

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if RTE_HAS_LIBNUMA
#include <numa.h>
#include <sched.h>
#endif

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "test.h"
#include "test_common.h"

int test_header_includes_check(void);

static int
test_eal_headers(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} sizes[] = {
		{ "64", 64 }, { "0x40", 64 }, { "  2M", 2 * RTE_MB }, { "1 G", RTE_GB },
		{ "512k", 512 * RTE_KB }, { "3g", 3 * RTE_GB }, { "7x", 7 },
		{ "-1", 0 }, { "", 0 }, { "abc", 0 }, { "99999999999999999999", 0 },
		{ "17179869184G", 0 }, { NULL, 0 },
	};
	char buf[64] __rte_aligned(64);
	unsigned int i;

	TEST_STEP("rte_common.h: cache line, alignment, page sizes, compiler");
	TEST_ASSERT_EQUAL(RTE_CACHE_LINE_MASK, 63, "mask");
	TEST_ASSERT_EQUAL(RTE_CACHE_LINE_ROUNDUP(1), 64, "roundup 1");
	TEST_ASSERT_EQUAL(RTE_CACHE_LINE_ROUNDUP(64), 64, "roundup 64");
	TEST_ASSERT_EQUAL(RTE_CACHE_LINE_ROUNDUP(65), 128, "roundup 65");
	TEST_ASSERT(rte_is_aligned(buf, 64) && !rte_is_aligned(buf + 8, 16),
		"rte_is_aligned");
	TEST_ASSERT(RTE_PGSIZE_64K == 65536 && RTE_PGSIZE_256K == 262144 &&
		RTE_PGSIZE_16M == 16 * RTE_MB && RTE_PGSIZE_256M == 256 * RTE_MB &&
		RTE_PGSIZE_512M == 512 * RTE_MB && RTE_PGSIZE_4G == 4 * RTE_GB &&
		RTE_PGSIZE_16G == 16 * RTE_GB, "page sizes");
#if !defined(RTE_CC_GCC) && !defined(RTE_CC_CLANG)
	TEST_ASSERT(0, "neither RTE_CC_GCC nor RTE_CC_CLANG");
#endif
	TEST_ASSERT(likely(1) && !unlikely(0), "likely/unlikely");
	TEST_ASSERT(test_header_includes_check() >= 2, "headers bring what DPDK's do");

	TEST_STEP("rte_str_to_size: units, and 0 for bad input");
	for (i = 0; i < RTE_DIM(sizes); i++)
		TEST_ASSERT_EQUAL(rte_str_to_size(sizes[i].s), sizes[i].v, "\"%s\"",
			sizes[i].s != NULL ? sizes[i].s : "(NULL)");

	TEST_STEP("rte_version.h: DPDK 22.11 API level, memvfio's version");
	TEST_ASSERT(RTE_VERSION >= RTE_VERSION_NUM(22, 11, 0, 0) &&
		RTE_VERSION < RTE_VERSION_NUM(22, 12, 0, 0), "RTE_VERSION");
	TEST_ASSERT(strncmp(rte_version(), "DPDK 22.11.0", 12) == 0, "%s",
		rte_version());
	TEST_ASSERT(strstr(rte_version(), "memvfio " MEMVFIO_VERSION_STR) != NULL,
		"%s", rte_version());
	printf("  %s\n", rte_version());
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_headers_autotest, test_eal_headers);

static int
test_lcore(void)
{
	unsigned int n, i;
	int node, prev = -1;
	const char *log;

	TEST_STEP("rte_lcore_id: LCORE_ID_ANY (no lcores)");
	TEST_ASSERT_EQUAL(rte_lcore_id(), LCORE_ID_ANY, "lcore id");

	TEST_STEP("rte_socket_id: the calling thread's NUMA node");
#if RTE_HAS_LIBNUMA
	if (numa_available() >= 0 && sched_getcpu() >= 0) {
		node = numa_node_of_cpu(sched_getcpu());
		TEST_ASSERT_EQUAL(rte_socket_id(), node < 0 ? 0 : node, "node");
	}
#endif
	TEST_ASSERT(rte_socket_id() < RTE_MAX_NUMA_NODES, "in range");

	TEST_STEP("rte_socket_count, rte_socket_id_by_idx: increasing ids");
	n = rte_socket_count();
	TEST_ASSERT(n >= 1, "at least one node");
	for (i = 0; i < n; i++) {
		node = rte_socket_id_by_idx(i);
		TEST_ASSERT(node > prev, "node %u: %d after %d", i, node, prev);
		prev = node;
	}
	printf("  %u NUMA node(s), this thread on %u\n", n, rte_socket_id());

	TEST_STEP("rte_socket_id_by_idx out of range: EINVAL, one log line");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_socket_id_by_idx(n), EINVAL, "idx %u", n);
	log = test_log_release();
	TEST_ASSERT(log != NULL && test_count_lines(log) == 1, "one line: %s", log);
	TEST_ASSERT_ERRNO(rte_socket_id_by_idx(UINT32_MAX), EINVAL, "UINT32_MAX");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(lcore_autotest, test_lcore);

/* Run fn in a child; its wait status. */
static int
in_child(void (*fn)(void))
{
	int status = -1;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fn();
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void
child_exit(void)
{
	if (test_eal_init("--no-huge", NULL) < 0)
		_exit(98);
	rte_exit(3, "test: rte_exit with code %d\n", 3);
}

static void
child_exit_no_eal(void)
{
	rte_exit(4, "test: rte_exit before init\n");
}

static void
child_panic(void)
{
	rte_panic("test: panic %d\n", 7);
}

static void
child_verify(void)
{
	RTE_VERIFY(1 + 1 == 3);
}

static int
test_eal_exit(void)
{
	int st;

	TEST_STEP("rte_exit after init: the EAL is cleaned up, the exit code kept");
	st = in_child(child_exit);
	TEST_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status 0x%x", st);
	TEST_STEP("rte_exit before init");
	st = in_child(child_exit_no_eal);
	TEST_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 4, "status 0x%x", st);
	TEST_STEP("rte_panic and RTE_VERIFY: abort (SIGABRT) after the message and the stack");
	st = in_child(child_panic);
	TEST_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status 0x%x", st);
	st = in_child(child_verify);
	TEST_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status 0x%x", st);
	RTE_ASSERT(0); /* not evaluated unless RTE_ENABLE_ASSERT */
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_exit_autotest, test_eal_exit);
