/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_pgtable_autotest: what the IOMMU's own page table holds, read from
 * the VT-d debugfs dump of the device's domain
 * (/sys/kernel/debug/iommu/intel/<pci address>/domain_translation_struct,
 * kernels with INTEL_IOMMU_DEBUGFS: the VM's built kernel). After a map,
 * every page of the unit has a leaf at its IOVA, of the expected size
 * (4 KiB for system pages, one 2 MiB leaf for a 2 MiB hugepage mapped at a
 * 2 MiB-aligned IOVA), pointing at the page's physical address; after the
 * unmap, no leaf is left in the range. This checks the kernel's side of
 * what the records claim, independently of device DMA, and on whichever
 * IOMMU backend the EAL uses.
 *
 * Skipped on the model and where the dump does not exist, unless
 * DPDK_TEST_PGTABLE=1 (the VM configs whose kernel has it) makes that a
 * failure.
 */

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "dma_proof.h"

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define SZ_4K 4096ULL
#define SZ_2M (2ULL << 20)
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_2M_FLAG (21 << MAP_HUGE_SHIFT)
#define PGTABLE_ENV "DPDK_TEST_PGTABLE"
#define NSMALL 4
/* VT-d PTE: address bits 12..51 */
#define VTD_PTE_ADDR_MASK 0x000ffffffffff000ULL

static char dump_path[256];

/* One leaf of the dump inside the range asked for. */
struct leaf {
	uint64_t iova;
	uint64_t size;  /* 4 KiB, 2 MiB or 1 GiB */
	uint64_t pa;    /* the physical address the leaf points at */
};

/*
 * The leaves of the device's domain in [iova, iova + len): at most max
 * into out. A leaf line is "0x<iova pfn> |" then one PTE per level from
 * PML5 (printed even when unused) down to the leaf: 3 values for a 1 GiB
 * leaf, 4 for 2 MiB, 5 for 4 KiB. Returns the count, or -1 (unreadable).
 */
static int
read_leaves(uint64_t iova, uint64_t len, struct leaf *out, int max)
{
	char line[512];
	FILE *f;
	int n = 0;

	f = fopen(dump_path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long pfn, v[6];
		char *bar = strchr(line, '|');
		char *p, *end;
		int nv = 0;
		uint64_t a;

		if (strncmp(line, "0x", 2) != 0 || bar == NULL)
			continue;
		pfn = strtoull(line, NULL, 16);
		a = (uint64_t)pfn << 12;
		if (a < iova || a - iova >= len)
			continue;
		for (p = bar + 1; nv < 6; p = end) {
			v[nv] = strtoull(p, &end, 16);
			if (end == p)
				break;
			nv++;
		}
		if (nv < 3 || nv > 5 || n >= max)
			continue;
		out[n].iova = a;
		out[n].size = SZ_4K << (9 * (5 - nv));
		out[n].pa = v[nv - 1] & VTD_PTE_ADDR_MASK;
		n++;
	}
	fclose(f);
	return n;
}

/*
 * [va, va + len) mapped at iova: one leaf of leaf_size per leaf_size of
 * the range, each at its IOVA and pointing at the page's physical address.
 */
static int
expect_mapped(const char *step, const uint8_t *va, uint64_t iova,
		uint64_t len, uint64_t leaf_size)
{
	struct leaf lv[64];
	uint64_t want = len / leaf_size, i;
	int n;

	n = read_leaves(iova, len, lv, RTE_DIM(lv));
	TEST_ASSERT(n >= 0, "%s: read %s: %s", step, dump_path, strerror(errno));
	TEST_ASSERT_EQUAL((uint64_t)n, want,
		"%s: leaves in IOVA 0x%" PRIx64 "+0x%" PRIx64 " (expected %" PRIu64
		" of %" PRIu64 " KiB)", step, iova, len, want, leaf_size >> 10);
	for (i = 0; i < want; i++) {
		phys_addr_t pa = rte_mem_virt2phy(va + i * leaf_size);

		TEST_ASSERT_EQUAL(lv[i].iova, iova + i * leaf_size,
			"%s: leaf %" PRIu64 " IOVA", step, i);
		TEST_ASSERT_EQUAL(lv[i].size, leaf_size,
			"%s: leaf at IOVA 0x%" PRIx64 ": size (KiB %" PRIu64 " vs %" PRIu64 ")",
			step, lv[i].iova, lv[i].size >> 10, leaf_size >> 10);
		TEST_ASSERT(pa != RTE_BAD_PHYS_ADDR, "%s: physical address of page %" PRIu64,
			step, i);
		TEST_ASSERT_EQUAL(lv[i].pa, (uint64_t)pa,
			"%s: leaf at IOVA 0x%" PRIx64 " points at 0x%" PRIx64 ", page is at 0x%" PRIx64,
			step, lv[i].iova, lv[i].pa, (uint64_t)pa);
	}
	printf("  %s: %" PRIu64 " leaves of %" PRIu64 " KiB at IOVA 0x%" PRIx64 ", physical addresses match\n",
		step, want, leaf_size >> 10, iova);
	return TEST_SUCCESS;
}

static int
expect_unmapped(const char *step, uint64_t iova, uint64_t len)
{
	struct leaf lv[4];
	int n;

	n = read_leaves(iova, len, lv, RTE_DIM(lv));
	TEST_ASSERT(n >= 0, "%s: read %s: %s", step, dump_path, strerror(errno));
	TEST_ASSERT_EQUAL(n, 0, "%s: leaves left in IOVA 0x%" PRIx64 "+0x%" PRIx64
		" (first at 0x%" PRIx64 ")", step, iova, len, n > 0 ? lv[0].iova : 0);
	printf("  %s: no leaf in IOVA 0x%" PRIx64 "+0x%" PRIx64 "\n", step, iova, len);
	return TEST_SUCCESS;
}

/* One map, its leaves, the unmap, no leaves; and the proofs by DMA. */
static int
map_check_unmap(const char *what, uint8_t *va, uint64_t len, uint64_t leaf)
{
	uint64_t iova = test_iova_for(va, len);
	char step[96];
	int ret;

	TEST_ASSERT(iova != RTE_BAD_IOVA, "%s: an IOVA: %s", what, rte_strerror(rte_errno));
	TEST_STEP("%s: map %" PRIu64 " KiB at IOVA 0x%" PRIx64, what, len >> 10, iova);
	memset(va, 0x5a, len);
	ret = rte_vfio_container_dma_map(DEF, (uintptr_t)va, iova, len);
	if (ret != 0) {
		test_iova_release(iova, len);
		TEST_ASSERT(false, "%s: map: %s", what, rte_strerror(rte_errno));
	}
	snprintf(step, sizeof(step), "%s mapped", what);
	ret = expect_mapped(step, va, iova, len, leaf);
	if (ret == TEST_SUCCESS && dma_proof_reachable(va, iova, len) != 0)
		ret = TEST_FAILED;
	if (rte_vfio_container_dma_unmap(DEF, (uintptr_t)va, iova, len) != 0) {
		printf("FAIL %s: unmap: %s\n", what, rte_strerror(rte_errno));
		ret = TEST_FAILED;
	} else if (ret == TEST_SUCCESS) {
		snprintf(step, sizeof(step), "%s unmapped", what);
		ret = expect_unmapped(step, iova, len);
		if (ret == TEST_SUCCESS && dma_proof_blocked(va, iova, len) != 0)
			ret = TEST_FAILED;
	}
	test_iova_release(iova, len);
	return ret;
}

static int
run(void)
{
	size_t pg = test_page_size();
	uint8_t *small, *huge;
	int ret;

	small = test_anon_map(NSMALL * pg, MAP_POPULATE);
	TEST_ASSERT_NOT_NULL(small, "mmap %d pages", NSMALL);
	ret = map_check_unmap("system pages", small, NSMALL * pg, pg);
	munmap(small, NSMALL * pg);
	if (ret != TEST_SUCCESS)
		return ret;

	huge = test_anon_map(SZ_2M, MAP_POPULATE | MAP_HUGETLB | MAP_HUGE_2M_FLAG);
	if (huge == NULL) {
		/* the VM configs that run this test reserve 2 MiB pages */
		TEST_ASSERT(false, "mmap of a 2 MiB hugepage: %s (reserve some: "
			"/proc/sys/vm/nr_hugepages)", strerror(errno));
	}
	ret = map_check_unmap("2 MiB hugepage", huge, SZ_2M, SZ_2M);
	munmap(huge, SZ_2M);
	return ret;
}

/* One EAL run in one VFIO mode ("group" or "cdev"; NULL: automatic). */
static int
run_mode(const char *mode, bool required)
{
	char opt[32];
	int ret;

	snprintf(opt, sizeof(opt), "--vfio-mode=%s", mode != NULL ? mode : "");
	if (test_eal_init("--no-huge", mode != NULL ? opt : NULL, NULL) < 0) {
		printf("FAIL rte_eal_init %s: %s\n", mode != NULL ? opt : "",
			rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	ret = dma_proof_setup(true);
	if (ret != TEST_SUCCESS)
		return ret;
	if (dma_proof_is_model()) {
		dma_proof_close();
		rte_eal_cleanup();
		printf("SKIP the model has no IOMMU page table to read: runs in the VM (config iommufd)\n");
		return TEST_SKIPPED;
	}
	snprintf(dump_path, sizeof(dump_path),
		"/sys/kernel/debug/iommu/intel/%s/domain_translation_struct",
		dma_proof_device()->name);
	if (access(dump_path, R_OK) != 0) {
		int err = errno;

		dma_proof_close();
		rte_eal_cleanup();
		if (required) {
			printf("FAIL %s=1 but %s: %s (a kernel with INTEL_IOMMU_DEBUGFS, debugfs mounted)\n",
				PGTABLE_ENV, dump_path, strerror(err));
			return TEST_FAILED;
		}
		printf("SKIP no VT-d page-table dump %s: %s (needs INTEL_IOMMU_DEBUGFS and debugfs)\n",
			dump_path, strerror(err));
		return TEST_SKIPPED;
	}
	printf("  VFIO mode %s: page table of %s from %s\n",
		rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV ? "cdev (iommufd)" : "group (type1)",
		dma_proof_device()->name, dump_path);
	ret = run();
	dma_proof_close();
	rte_eal_cleanup();
	return ret;
}

/*
 * Both backends where the kernel offers both (the VM's built kernel):
 * type1 through the group path, then iommufd; else the automatic mode.
 */
static int
test_vfio_pgtable(void)
{
	const char *req = getenv(PGTABLE_ENV);
	bool required = req != NULL && strcmp(req, "1") == 0;
	int ret;

	if (!required || access("/dev/iommu", F_OK) != 0)
		return run_mode(NULL, required);
	TEST_STEP("type1 (--vfio-mode=group)");
	ret = run_mode("group", required);
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_STEP("iommufd (--vfio-mode=cdev)");
	return run_mode("cdev", required);
}

REGISTER_TEST_COMMAND(vfio_pgtable_autotest, test_vfio_pgtable);
