/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hugepage inventory of the memory layer, read from a fake sysfs tree
 * (eal_hugepage_info_set_sysfs_root()) so that it runs alike on every
 * host: page sizes largest first, counts per NUMA node, --no-huge, and
 * init without any hugepage reserved (ENOMEM).
 */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_hugepage_info.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"

/* The hugepage inventory, read from a fake sysfs tree. */
static int
test_hugepage_info(void)
{
	struct eal_internal_config *cfg = eal_get_internal_config();
	const struct eal_page_type *t;
	char root[] = "/tmp/memvfio-fake-sysfs-XXXXXX";
	unsigned int n;
	int ret = TEST_FAILED;

	TEST_ASSERT_NOT_NULL(mkdtemp(root), "mkdtemp");
	eal_hugepage_info_set_sysfs_root(root);
	eal_reset_internal_config(cfg);
	cfg->in_memory = true; /* no mount lookup: /proc/mounts is the host's */

	if (test_fake_file(root, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n") < 0 ||
			test_fake_file(root, "kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n") < 0) {
		TEST_FAIL_MSG("cannot build the fake sysfs tree in %s", root);
		goto out;
	}
	TEST_STEP("no hugepages reserved: ENOMEM (and one ERR line naming the fix)");
	rte_errno = 0;
	if (eal_hugepage_info_init() != -1 || rte_errno != ENOMEM) {
		TEST_FAIL_MSG("expected -1/ENOMEM, rte_errno %d", rte_errno);
		goto out;
	}

	TEST_STEP("two sizes, counted per node (with libnuma), largest first");
	test_fake_file(root, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "12\n");
	test_fake_file(root, "kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "1\n");
	test_fake_file(root, "devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "5\n");
	test_fake_file(root, "devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages", "7\n");
	test_fake_file(root, "devices/system/node/node1/hugepages/hugepages-1048576kB/free_hugepages", "1\n");
	if (eal_hugepage_info_init() != 0) {
		TEST_FAIL_MSG("hugepage info: rte_errno %d", rte_errno);
		goto out;
	}
	n = eal_page_types(&t);
	if (n != 2 || t[0].page_sz != RTE_PGSIZE_1G || t[1].page_sz != RTE_PGSIZE_2M ||
			t[0].dir[0] != '\0') {
		TEST_FAIL_MSG("expected 1G then 2M backed by memfd, got %u types", n);
		goto out;
	}
	if (RTE_HAS_LIBNUMA ? (t[1].n_pages[0] != 5 || t[1].n_pages[1] != 7 ||
			t[0].n_pages[0] != 0 || t[0].n_pages[1] != 1) :
			(t[1].n_pages[0] != 12 || t[0].n_pages[0] != 1)) {
		TEST_FAIL_MSG("per-node counts: 2M %lu/%lu, 1G %lu/%lu",
			(unsigned long)t[1].n_pages[0], (unsigned long)t[1].n_pages[1],
			(unsigned long)t[0].n_pages[0], (unsigned long)t[0].n_pages[1]);
		goto out;
	}

	TEST_STEP("--no-huge: the system page size only");
	cfg->no_hugetlbfs = true;
	if (eal_hugepage_info_init() != 0 || eal_page_types(&t) != 1 ||
			t[0].page_sz != test_page_size() || t[0].hugepage) {
		TEST_FAIL_MSG("--no-huge page types");
		goto out;
	}
	ret = TEST_SUCCESS;
out:
	eal_hugepage_info_reset();
	eal_hugepage_info_set_sysfs_root(NULL);
	eal_reset_internal_config(cfg);
	test_remove_tree(root);
	return ret;
}

/* Init without hugepages and without --no-huge fails with ENOMEM. */
static int
test_memory_no_hugepages(void)
{
	char root[] = "/tmp/memvfio-fake-sysfs-XXXXXX";
	int ret;

	TEST_ASSERT_NOT_NULL(mkdtemp(root), "mkdtemp");
	if (test_fake_file(root, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n") < 0)
		TEST_SKIP_MISSING("cannot build a fake sysfs tree");
	eal_hugepage_info_set_sysfs_root(root);
	ret = test_eal_init("--in-memory", NULL);
	eal_hugepage_info_set_sysfs_root(NULL);
	test_remove_tree(root);
	if (ret >= 0)
		rte_eal_cleanup();
	TEST_ASSERT_EQUAL(ret, -1, "init without hugepages");
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "rte_errno");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(memory_hugepage_info_autotest, test_hugepage_info);
REGISTER_TEST_COMMAND(memory_no_hugepages_autotest, test_memory_no_hugepages);
