/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-container counters of the VFIO component
 * (rte_vfio_container_stats_get/reset) are exact after a known sequence:
 * kernel calls by kind, records, DMA entries, bytes mapped, refusals by
 * cause; a reset zeroes the counters and keeps the state. The harness is
 * the budget tests' (test_vfio_budget.h). Runs on the model and on the
 * kernel (the VM); the model-only steps (fault injection, the model's own
 * call counts) are skipped there.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "test_vfio_budget.h"

/* ---- vfio_stats_autotest ---- */

static int
stats_bad_input(int cfd)
{
	struct rte_vfio_container_stats st;
	struct budget_state b, a;

	TEST_STEP("bad input");
	b = budget_state_of(cfd);
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_get(cfd, NULL), EINVAL, "NULL stats");
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_get(12345, &st), EINVAL, "not a container");
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_reset(12345), EINVAL, "not a container");
	a = budget_state_of(cfd);
	TEST_ASSERT(budget_state_same(&b, &a), "nothing changed");
	return TEST_SUCCESS;
}

static int
test_vfio_stats(void)
{
	struct rte_vfio_container_stats st, st0;
	uint64_t other0, maps_model0;
	uint8_t *buf;
	bool cdev;
	int cfd;

	START(NULL);
	cdev = rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV;
	buf = budget_buf_alloc(8);
	TEST_ASSERT_NOT_NULL(buf, "mmap");

	TEST_STEP("a new container");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container_create: %s", rte_strerror(rte_errno));
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls + st.unmap_calls + st.records + st.dma_entries +
		st.bytes_mapped + st.map_ns + st.unmap_ns, 0, "all zero");
	TEST_ASSERT_EQUAL(st.refused_entries + st.refused_memlock + st.refused_checks +
		st.refused_kernel + st.size_mismatches, 0, "no refusal");
	/* type1: GET_API_VERSION, CHECK_EXTENSION for v2, v1, UNMAP_ALL,
	 * no-IOMMU, and IOMMU_OPTION (is it iommufd's emulation of type1?);
	 * iommufd: IOMMU_IOAS_ALLOC */
	TEST_ASSERT_EQUAL(st.other_calls, cdev ? 1 : 6, "the open's calls");
	TEST_ASSERT_EQUAL(st.dma_entries_avail, RTE_VFIO_DMA_AVAIL_UNKNOWN, "no IOMMU yet");

	TEST_STEP("a map before any group: recorded, no kernel call");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		2 * budget_pg), "map");
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.records, 1, "one record");
	TEST_ASSERT_EQUAL(st.dma_entries, 0, "no DMA entry");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 0, "nothing mapped");
	TEST_ASSERT_EQUAL(st.map_calls, 0, "no MAP_DMA");
	other0 = st.other_calls;

	TEST_STEP("bind: SET_IOMMU, GET_INFO, replay of the record");
	maps_model0 = test_vfio_is_kernel() ? 0 : vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA);
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, budget_group) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls, 1, "the replay's MAP_DMA");
	TEST_ASSERT_EQUAL(st.dma_entries, 1, "one entry");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 2 * budget_pg, "bytes");
	TEST_ASSERT(st.map_ns > 0, "time in MAP_DMA measured");
	/* two CHECK_EXTENSION, SET_IOMMU, GET_INFO (twice when argsz grows) */
	/* iommufd: IOMMU_IOAS_IOVA_RANGES twice (its count, then the ranges);
	 * device bind and attach are the device's calls, not the container's */
	if (cdev)
		TEST_ASSERT_EQUAL(st.other_calls - other0, 2,
			"the bind's container calls");
	else
		TEST_ASSERT(st.other_calls - other0 >= 4 && st.other_calls - other0 <= 5,
			"the bind's container calls: %" PRIu64, st.other_calls - other0);
	if (!test_vfio_is_kernel()) {
		TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA) - maps_model0,
			st.map_calls, "the model saw exactly the counted MAP_DMA");
		TEST_ASSERT_EQUAL(st.dma_entries_avail, UINT16_MAX - 1, "entries left");
	}
	if (st.dma_entries_avail != RTE_VFIO_DMA_AVAIL_UNKNOWN)
		TEST_ASSERT(st.dma_entries_avail > 0, "entries left are reported");

	TEST_STEP("a paged map of 4 pages, then one unmap of the 4");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_B, 4 * budget_pg, budget_pg), "paged map");
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls, 5, "4 more MAP_DMA");
	TEST_ASSERT_EQUAL(st.records, 5, "records");
	TEST_ASSERT_EQUAL(st.dma_entries, 5, "entries");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 6 * budget_pg, "bytes");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_B, 4 * budget_pg), "unmap");
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.unmap_calls, 1, "adjacent records in one UNMAP_DMA");
	TEST_ASSERT(st.unmap_ns > 0, "time in UNMAP_DMA measured");
	TEST_ASSERT_EQUAL(st.records, 1, "records");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 2 * budget_pg, "bytes");

	TEST_STEP("refusals by cause");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A, budget_pg),
		EEXIST, "overlap");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_C, budget_pg),
		ENOENT, "nothing there");
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.refused_checks, 2, "two refused by the checks");
	TEST_ASSERT_EQUAL(st.map_calls, 5, "no kernel call for them");
	TEST_ASSERT_EQUAL(st.unmap_calls, 1, "no kernel call for them");
	if (!test_vfio_is_kernel()) {
		vfio_model_fail_nth(VFIO_IOMMU_MAP_DMA, 1, EFAULT);
		TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
			IOVA_C, budget_pg), EFAULT, "injected kernel refusal");
		vfio_model_fail_nth(0, 0, 0);
		st = test_vfio_stats_of(cfd);
		TEST_ASSERT_EQUAL(st.refused_kernel, 1, "refused by the kernel");
		TEST_ASSERT_EQUAL(st.map_calls, 6, "the refused call was issued");
		TEST_ASSERT_EQUAL(st.records, 1, "nothing recorded");
	}
	TEST_ASSERT_EQUAL(st.refused_entries + st.refused_memlock, 0, "no budget refusal");

	TEST_STEP("the default container has its own counters");
	st0 = test_vfio_stats_of(DEF);
	TEST_ASSERT_EQUAL(st0.map_calls, 0, "default container untouched");
	TEST_ASSERT(st0.other_calls >= (cdev ? 1u : 6u), "its open's calls");

	TEST_STEP("reset: counters restart, the state stays");
	TEST_ASSERT_SUCCESS(rte_vfio_container_stats_reset(cfd), "reset");
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls + st.unmap_calls + st.other_calls + st.map_ns +
		st.unmap_ns + st.refused_checks + st.refused_kernel, 0, "counters zero");
	TEST_ASSERT_EQUAL(st.records, 1, "records stay");
	TEST_ASSERT_EQUAL(st.dma_entries, 1, "entries stay");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 2 * budget_pg, "bytes stay");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(DEF).other_calls, st0.other_calls, "other container kept");
	if (stats_bad_input(cfd) != TEST_SUCCESS)
		return TEST_FAILED;

	TEST_STEP("destroy: UNMAP_ALL");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_get(cfd, &st), EINVAL, "gone");
	munmap(buf, 8 * budget_pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_stats_autotest, test_vfio_stats);
