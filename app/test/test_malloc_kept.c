/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -m / --socket-mem as DPDK 22.11 documents them in dynamic memory mode:
 * that memory is allocated at start-up and kept for the life of the
 * process; the heap grows beyond it and gives the growth back. DPDK's
 * example: with -m 128, two rte_malloc(100 MiB) both succeed and 128 MiB
 * are still held after both are freed. Where fewer hugepages are free the
 * test scales the numbers down to half of the free pool.
 */

#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"

#define HUGE_2M_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

struct kept_count {
	unsigned int segs;
	unsigned int kept; /* RTE_MEMSEG_FLAG_DO_NOT_FREE */
};

static int
count_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct kept_count *c = arg;

	if (msl->external || msl->page_sz != RTE_PGSIZE_2M)
		return 0;
	c->segs++;
	c->kept += (ms->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE) != 0;
	return 0;
}

static struct kept_count
count(void)
{
	struct kept_count c = { 0, 0 };

	rte_memseg_walk(count_seg, &c);
	return c;
}

static int
test_malloc_kept(void)
{
	long free_pages = test_read_long(HUGE_2M_FREE);
	unsigned int m_mb, size_mb, m_pages;
	struct kept_count c;
	char m_arg[16];
	void *p, *q;

	/* DPDK's numbers when the pool allows, else half of the free pool. */
	if (free_pages >= 128) {
		m_mb = 128;
		size_mb = 100;
	} else if (free_pages >= 16) {
		m_mb = (unsigned int)(free_pages - 8) & ~1u;
		size_mb = m_mb - 6;
	} else {
		TEST_SKIP("fewer than 16 free 2 MiB hugepages (%ld): reserve some with 'echo 128 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'",
			free_pages);
	}
	m_pages = m_mb / 2;
	snprintf(m_arg, sizeof(m_arg), "%u", m_mb);
	printf("  %ld free 2 MiB pages: -m %u, two rte_malloc(%u MiB)\n",
		free_pages, m_mb, size_mb);

	TEST_STEP("-m %u: %u pages allocated at init, kept (DO_NOT_FREE)", m_mb,
		m_pages);
	TEST_ASSERT(test_eal_init("--in-memory", "-m", m_arg, NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	c = count();
	TEST_ASSERT_EQUAL(c.segs, m_pages, "pages in use after init");
	TEST_ASSERT_EQUAL(c.kept, m_pages, "pages kept");

	TEST_STEP("two rte_malloc(%u MiB): both succeed, the second grows the heap",
		size_mb);
	p = rte_malloc(NULL, (size_t)size_mb << 20, 0);
	TEST_ASSERT_NOT_NULL(p, "first: %s", rte_strerror(rte_errno));
	q = rte_malloc(NULL, (size_t)size_mb << 20, 0);
	if (q == NULL) {
		int err = rte_errno;

		rte_free(p);
		rte_eal_cleanup();
		TEST_FAIL_MSG("second rte_malloc(%u MiB): %s", size_mb,
			rte_strerror(err));
		return TEST_FAILED;
	}
	memset(p, 1, (size_t)size_mb << 20);
	memset(q, 2, (size_t)size_mb << 20);
	c = count();
	TEST_ASSERT(c.segs > m_pages, "growth beyond -m: %u pages", c.segs);
	TEST_ASSERT_EQUAL(c.kept, m_pages, "growth pages are not kept");

	TEST_STEP("both freed: the growth goes back, the -m memory stays");
	rte_free(q);
	rte_free(p);
	c = count();
	TEST_ASSERT_EQUAL(c.segs, m_pages, "pages in use after the frees");
	TEST_ASSERT_EQUAL(c.kept, m_pages, "pages kept");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(malloc_socket_mem_kept_autotest, test_malloc_kept);
