/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's app/test/test_malloc.c, unchanged (copied from Debian's
 * source package by devtools/dpdk-tests.sh), and its checks in the order
 * its malloc_autotest runs them; the three per-lcore checks run on every
 * worker lcore at once, as malloc_autotest launches them.
 */

#include "test_malloc.c"

#include "shim_checks.h"

static int
align_overlap_on_workers(void)
{
	return shim_on_workers(test_align_overlap_per_lcore, NULL);
}

static int
reordered_free_on_workers(void)
{
	return shim_on_workers(test_reordered_free_per_lcore, NULL);
}

static int
random_alloc_free_on_workers(void)
{
	return shim_on_workers(test_random_alloc_free, NULL);
}

static const struct shim_check checks[] = {
	SHIM_CHECK(test_str_to_size),
	SHIM_CHECK(test_zero_aligned_alloc),
	SHIM_CHECK(test_malloc_bad_params),
	SHIM_EXCLUDED("test_realloc", "its test_realloc_socket() expects a "
		"block followed by a free neighbour too small for the new size "
		"to move on rte_realloc, which holds only where the heap carves "
		"allocations from the top of a free block, as DPDK's does; "
		"memvfio carves from the bottom, the neighbour is the large "
		"free rest of the heap, and the block grows in place "
		"(doc/guides/dpdk_tests.rst)"),
	SHIM_CHECK(test_realloc_numa),
	SHIM_CHECK_NAMED("test_align_overlap_per_lcore", align_overlap_on_workers),
	SHIM_CHECK_NAMED("test_reordered_free_per_lcore", reordered_free_on_workers),
	SHIM_CHECK_NAMED("test_random_alloc_free", random_alloc_free_on_workers),
	SHIM_CHECK(test_rte_malloc_validate),
	SHIM_CHECK(test_alloc_socket),
	SHIM_CHECK(test_multi_alloc_statistics),
};
SHIM_FILE("test_malloc.c", checks);
