/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_eal_paging.h (DPDK 22.11's internal paging calls, which DPDK's own
 * tests use): the page size, map/lock/unmap, and their bad input (a
 * specific rte_errno, one log line, nothing mapped).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal_paging.h>
#include <rte_errno.h>

#include "test.h"
#include "test_common.h"

static int
test_eal_paging(void)
{
	const int rw = RTE_PROT_READ | RTE_PROT_WRITE;
	const int anon = RTE_MAP_ANONYMOUS | RTE_MAP_PRIVATE;
	size_t pg = rte_mem_page_size();
	char *p, *q;

	TEST_STEP("the page size is the system's");
	TEST_ASSERT_EQUAL(pg, (size_t)sysconf(_SC_PAGESIZE), "page size");

	TEST_STEP("map, write, lock, force a mapping over it, unmap");
	p = rte_mem_map(NULL, 2 * pg, rw, anon, -1, 0);
	TEST_ASSERT_NOT_NULL(p, "map: rte_errno %d", rte_errno);
	memset(p, 0x5a, 2 * pg);
	TEST_ASSERT_SUCCESS(rte_mem_lock(p, 2 * pg), "lock");
	q = rte_mem_map(p + pg, pg, RTE_PROT_READ, anon | RTE_MAP_FORCE_ADDRESS,
		-1, 0);
	TEST_ASSERT(q == p + pg, "forced address %p, got %p", (void *)(p + pg),
		(void *)q);
	TEST_ASSERT_EQUAL(p[0], 0x5a, "the first page is untouched");
	TEST_ASSERT_EQUAL(q[0], 0, "the forced page is new");
	TEST_ASSERT_SUCCESS(rte_mem_unmap(p, 2 * pg), "unmap");

	TEST_STEP("bad input: EINVAL, one line, nothing mapped");
	TEST_REFUSED_NULL(rte_mem_map(NULL, pg, rw | (1 << 5), anon, -1, 0), EINVAL,
		"unknown prot bit");
	TEST_REFUSED_NULL(rte_mem_map(NULL, pg, rw, anon | (1 << 7), -1, 0), EINVAL,
		"unknown flag");
	TEST_REFUSED_NULL(rte_mem_map(NULL, 0, rw, anon, -1, 0), EINVAL, "size 0");
	TEST_REFUSED_NULL(rte_mem_map(NULL, pg, rw, RTE_MAP_ANONYMOUS, -1, 0), EINVAL,
		"neither shared nor private");
	TEST_REFUSED_NULL(rte_mem_map(NULL, pg, rw, anon | RTE_MAP_SHARED, -1, 0), EINVAL,
		"both shared and private");
	TEST_REFUSED_NULL(rte_mem_map(NULL, pg, rw, RTE_MAP_PRIVATE, -1, 1), EINVAL,
		"offset not page aligned");
	TEST_REFUSED_NULL(rte_mem_map(NULL, pg, rw, RTE_MAP_SHARED, -1, 0), EBADF,
		"no file and not anonymous (mmap's EBADF)");
	TEST_REFUSED(rte_mem_unmap(p + 1, pg), EINVAL, "unmap of an unaligned address");
	TEST_REFUSED(rte_mem_unmap(p, 0), EINVAL, "unmap of size 0");
	/*
	 * Below vm.mmap_min_addr nothing is ever mapped (p may be again).
	 * AddressSanitizer makes mlock() a no-op that succeeds.
	 */
	if (test_under_asan())
		printf("  (lock of memory not mapped: not checked, ASan ignores mlock)\n");
	else
		TEST_REFUSED(rte_mem_lock((void *)(uintptr_t)pg, pg), ENOMEM,
			"lock of memory not mapped");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_paging_autotest, test_eal_paging);
