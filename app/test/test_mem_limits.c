/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Limits on memory growth: allocation validators and the DMA mask, both
 * enforced when the heap grows (dynamic memory), and their bad input.
 */

#include <stdint.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"

#define BIG (8u << 20)

static unsigned int calls;
static size_t seen_len, seen_limit;

static int
refuse(int socket_id __rte_unused, size_t cur_limit, size_t new_len)
{
	calls++;
	seen_limit = cur_limit;
	seen_len = new_len;
	return -1;
}

static int
test_mem_limits(void)
{
	char long_name[RTE_MEM_ALLOC_VALIDATOR_NAME_LEN + 1];
	void *p;

	TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));

	TEST_STEP("validator bad input");
	memset(long_name, 'v', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	TEST_REFUSED(rte_mem_alloc_validator_register(NULL, refuse, 0, 0), EINVAL, "NULL name");
	TEST_REFUSED(rte_mem_alloc_validator_register("v", NULL, 0, 0), EINVAL, "NULL callback");
	TEST_REFUSED(rte_mem_alloc_validator_register("v", refuse, -1, 0), EINVAL, "socket -1");
	TEST_REFUSED(rte_mem_alloc_validator_register(long_name, refuse, 0, 0), ENAMETOOLONG,
		"long name");
	TEST_REFUSED(rte_mem_alloc_validator_unregister("v", 0), ENOENT, "not registered");
	TEST_REFUSED(rte_mem_alloc_validator_unregister(NULL, 0), EINVAL, "NULL name");
	TEST_REFUSED(rte_mem_alloc_validator_unregister("v", -1), EINVAL, "socket -1");

	TEST_STEP("a validator refuses growth beyond its limit");
	TEST_ASSERT_SUCCESS(rte_mem_alloc_validator_register("v", refuse, 0, 1 << 20),
		"register");
	TEST_REFUSED(rte_mem_alloc_validator_register("v", refuse, 0, 0), EEXIST, "twice");
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, BIG, 0), ENOMEM, "growth refused");
	TEST_ASSERT(calls > 0, "the validator was called");
	TEST_ASSERT(seen_limit == (1 << 20) && seen_len > BIG,
		"called with its limit %zu and the new length %zu", seen_limit, seen_len);
	TEST_ASSERT_SUCCESS(rte_mem_alloc_validator_unregister("v", 0), "unregister");
	p = rte_malloc(NULL, BIG, 0);
	TEST_ASSERT_NOT_NULL(p, "allowed again: %s", rte_strerror(rte_errno));
	rte_free(p);
	rte_malloc_heap_trim(NULL);

	TEST_STEP("DMA mask check: bad sizes, the memory present");
	TEST_REFUSED(rte_mem_check_dma_mask(0), EINVAL, "0 bits");
	TEST_REFUSED(rte_mem_check_dma_mask(64), EINVAL, "64 bits");
	TEST_REFUSED(rte_mem_check_dma_mask_thread_unsafe(64), EINVAL, "64 bits, unsafe");
	p = rte_malloc(NULL, 4096, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc");
	TEST_ASSERT_SUCCESS(rte_mem_check_dma_mask(63), "63 bits hold everything");
	if (rte_malloc_virt2iova(p) >= (1ULL << 20))
		TEST_REFUSED(rte_mem_check_dma_mask(20), ERANGE, "20 bits");
	rte_free(p);

	TEST_STEP("DMA mask set: growth beyond it is refused");
	test_log_capture();
	rte_errno = 0;
	rte_mem_set_dma_mask(64);
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "64 bits refused");
	if (test_one_log_line("set 64 bits") != TEST_SUCCESS)
		return TEST_FAILED;
	rte_mem_set_dma_mask(63);
	p = rte_malloc(NULL, BIG, 0);
	TEST_ASSERT_NOT_NULL(p, "63 bits: growth allowed");
	rte_free(p);
	rte_mem_set_dma_mask(20);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back */
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, BIG, 0), ENOMEM,
		"20 bits: new pages beyond it are given back");
	rte_mem_set_dma_mask(40);
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, BIG, 0), ENOMEM,
		"the narrowest mask stays");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(mem_limits_autotest, test_mem_limits);
