/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's app/test/test_external_mem.c, unchanged (copied from
 * Debian's source package by devtools/dpdk-tests.sh). Its autotest runs
 * four checks twice, with an IOVA table and without one, on one anonymous
 * mapping: here each of the eight is a check of its own, on a mapping of
 * the same size and IOVAs the shim sets up as the autotest does, and last
 * external_mem_autotest runs whole, as dpdk-test runs it.
 */

#include "test_external_mem.c"

#include <stdbool.h>

#include "shim_checks.h"

typedef int (ext_check_t)(void *addr, size_t len, size_t pgsz,
		rte_iova_t *iova, int n_pages);

/* One check on a fresh mapping, with IOVAs (from 4 GiB) or without. */
static int
on_area(ext_check_t *fn, bool with_iova)
{
	size_t pgsz = rte_mem_page_size(), len = EXTERNAL_MEM_SZ;
	int n_pages = (int)(len / pgsz), i, ret;
	rte_iova_t *iova;
	void *addr;

	iova = calloc((size_t)n_pages, sizeof(*iova));
	addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (iova == NULL || addr == MAP_FAILED) {
		printf("cannot set up the %zu-byte area\n", len);
		free(iova);
		if (addr != MAP_FAILED)
			munmap(addr, len);
		return TEST_FAILED;
	}
	for (i = 0; i < n_pages; i++)
		iova[i] = 0x100000000ull + (rte_iova_t)i * pgsz;
	ret = fn(addr, len, pgsz, with_iova ? iova : NULL, n_pages);
	munmap(addr, len);
	free(iova);
	return ret;
}

static int malloc_invalid_param_iova(void) { return on_area(test_malloc_invalid_param, true); }
static int malloc_basic_iova(void) { return on_area(test_malloc_basic, true); }
static int malloc_invalid_param_no_iova(void) { return on_area(test_malloc_invalid_param, false); }
static int malloc_basic_no_iova(void) { return on_area(test_malloc_basic, false); }
static int extmem_invalid_param_iova(void) { return on_area(test_extmem_invalid_param, true); }
static int extmem_basic_iova(void) { return on_area(test_extmem_basic, true); }
static int extmem_invalid_param_no_iova(void) { return on_area(test_extmem_invalid_param, false); }
static int extmem_basic_no_iova(void) { return on_area(test_extmem_basic, false); }

static int
external_mem_autotest(void)
{
	return shim_run_command("external_mem_autotest");
}

static const struct shim_check checks[] = {
	SHIM_CHECK_NAMED("test_malloc_invalid_param (IOVA table)", malloc_invalid_param_iova),
	SHIM_CHECK_NAMED("test_malloc_basic (IOVA table)", malloc_basic_iova),
	SHIM_CHECK_NAMED("test_malloc_invalid_param (no IOVA table)", malloc_invalid_param_no_iova),
	SHIM_CHECK_NAMED("test_malloc_basic (no IOVA table)", malloc_basic_no_iova),
	SHIM_CHECK_NAMED("test_extmem_invalid_param (IOVA table)", extmem_invalid_param_iova),
	SHIM_CHECK_NAMED("test_extmem_basic (IOVA table)", extmem_basic_iova),
	SHIM_CHECK_NAMED("test_extmem_invalid_param (no IOVA table)", extmem_invalid_param_no_iova),
	SHIM_CHECK_NAMED("test_extmem_basic (no IOVA table)", extmem_basic_no_iova),
	SHIM_CHECK(external_mem_autotest),
};
SHIM_FILE("test_external_mem.c", checks);
