/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Regression tests for bugs found in the review of the memory layer and the
 * EAL core (lib/eal/common, lib/eal/linux):
 *  - a number option parsed in base 16 took a second "0x" (strtoull()
 *    skips one), so "--base-virtaddr=0x0x7f0000000000" was accepted;
 *  - the page count for -m/--socket-mem was rounded up with
 *    (bytes + page_sz - 1), which wraps for the largest values the parser
 *    accepts and made init fail with "no memory allowed by -m".
 */

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "eal_hugepage_info.h"
#include "eal_private.h"
#include "test.h"

#define MAX_ARGS 8

/* Parse "prg" and the NULL-ended arguments, as rte_eal_init() would. */
static int
parse(const char *arg, ...)
{
	static char *argv[MAX_ARGS + 1];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)(uintptr_t)"prg";
	va_start(ap, arg);
	for (; arg != NULL && argc < MAX_ARGS; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)arg;
	va_end(ap);
	argv[argc] = NULL;
	eal_reset_internal_config(eal_get_internal_config());
	rte_errno = 0;
	return eal_parse_args(argc, argv);
}

/* Hex options: one optional 0x prefix, then hex digits only. */
static int
test_hex_option(void)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	static const char *const bad[] = {
		"--base-virtaddr=0x0x7f0000000000",
		"--base-virtaddr=0X0x7f0000000000",
		"--base-virtaddr=0x+7f0000000000",
		"--base-virtaddr=0x 7f0000000000",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT_EQUAL(parse(bad[i], NULL), -1, "%s accepted", bad[i]);
		TEST_ASSERT_EQUAL(rte_errno, EINVAL, "%s: rte_errno", bad[i]);
		TEST_ASSERT_EQUAL(cfg->base_virtaddr, 0, "%s changed the config",
			bad[i]);
	}
	TEST_ASSERT_EQUAL(parse("--base-virtaddr=0X7F0000000000", NULL), 1,
		"upper case hex refused");
	TEST_ASSERT_EQUAL(cfg->base_virtaddr, 0x7f0000000000ULL, "value");
	TEST_ASSERT_EQUAL(parse("--base-virtaddr=7f0000000000", NULL), 1,
		"hex without 0x refused");
	TEST_ASSERT_EQUAL(parse("-m", "0x10", NULL), -1, "-m 0x10 accepted");
	TEST_ASSERT_EQUAL(parse("-m", "16", NULL), 2, "-m 16 refused");
	TEST_ASSERT_EQUAL(cfg->memory, (size_t)16 << 20, "-m value");
	eal_reset_internal_config(eal_get_internal_config());
	return TEST_SUCCESS;
}

static int
write_file(const char *root, const char *dir, const char *name,
		const char *content)
{
	char cmd[PATH_MAX + 32], path[PATH_MAX];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(content, f);
	return fclose(f);
}

/* Init with 2 MiB hugepages from a fake inventory (no page is faulted in). */
static int
init_huge(const char *opt, const char *val)
{
	int ret = test_eal_init("--in-memory", opt, val, NULL);

	if (ret >= 0)
		rte_eal_cleanup();
	return ret;
}

/* The largest -m/--socket-mem the parser accepts is "no limit", not ENOMEM. */
static int
test_huge_memory_option(void)
{
	char root[] = "/tmp/memvfio-review-sysfs-XXXXXX", cmd[PATH_MAX + 16];
	char max_mb[32];
	int ret = TEST_FAILED, r;

	snprintf(max_mb, sizeof(max_mb), "%zu", (size_t)(SIZE_MAX >> 20));
	TEST_ASSERT_NOT_NULL(mkdtemp(root), "mkdtemp");
	if (write_file(root, "kernel/mm/hugepages/hugepages-2048kB",
			"free_hugepages", "8\n") < 0) {
		printf("cannot build a fake sysfs tree in %s\n", root);
		goto out;
	}
	eal_hugepage_info_set_sysfs_root(root);
	if (init_huge("-m", "4") < 0) {
		ret = TEST_SKIPPED;
		printf("SKIP: no hugetlb memfd on this kernel (rte_errno %d)\n",
			rte_errno);
		goto out;
	}
	r = init_huge("-m", max_mb);
	if (r < 0) {
		printf("-m %s: init failed, rte_errno %d\n", max_mb, rte_errno);
		goto out;
	}
	r = init_huge("--socket-mem", max_mb);
	if (r < 0) {
		printf("--socket-mem %s: init failed, rte_errno %d\n", max_mb,
			rte_errno);
		goto out;
	}
	ret = TEST_SUCCESS;
out:
	eal_hugepage_info_set_sysfs_root(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", root);
	return ret;
}

static int
test_mem_review(void)
{
	int ret;

	TEST_STEP("hex options take one 0x prefix and hex digits only");
	if (test_hex_option() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_STEP("-m/--socket-mem at their maximum do not overflow the page count");
	ret = test_huge_memory_option();
	if (ret == TEST_SKIPPED)
		TEST_SKIP("hugetlb memfd unavailable");
	return ret;
}

REGISTER_TEST_COMMAND(mem_review_autotest, test_mem_review);
