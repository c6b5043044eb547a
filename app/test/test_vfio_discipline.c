/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The record discipline of the VFIO API (test_vfio_api.h's harness): paged
 * maps, the type1 v1 fallback, identical-repeat references, replay when a
 * group joins, rollback under fault injection and the EIO path when the
 * kernel disagrees with the records.
 *
 * Against the model, groups are added with vfio_model_add_group(); with
 * DPDK_TEST_VFIO=kernel (the VM) the groups of devices bound to vfio-pci
 * are used and model-only checks are skipped.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "test_vfio_api.h"

static int
paged_sequence(int cfd, uint64_t va)
{
	uint64_t A = IOVA_BASE, u0;
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, va, A, 16 * api_pg, api_pg),
		"paged map of 16 pages");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 16, "16 units");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 3 * api_pg, A + 3 * api_pg,
		3 * api_pg), "unmap pages 3-5");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va, A, api_pg), "unmap page 0");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 15 * api_pg, A + 15 * api_pg,
		api_pg), "unmap page 15");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 11, "11 units left");
	if (!test_vfio_is_kernel()) {
		for (i = 0; i < 16; i++) {
			bool gone = i == 0 || (i >= 3 && i <= 5) || i == 15;

			TEST_ASSERT_EQUAL(vfio_model_is_mapped(cfd, A + i * api_pg, api_pg), !gone,
				"page %u", i);
		}
	}
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, va + 2 * api_pg, A + 2 * api_pg,
		3 * api_pg), ENOENT, "a range over a hole");
	TEST_STEP("map, unmap a neighbour, map again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 3 * api_pg, A + 3 * api_pg,
		3 * api_pg), "one-shot map into the hole");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 2 * api_pg, A + 2 * api_pg,
		api_pg), "unmap its neighbour page 2");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, va + 3 * api_pg, A + 3 * api_pg,
		api_pg), ENOTSUP, "partial unmap of a one-shot map");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 2 * api_pg, A + 2 * api_pg,
		api_pg), "map page 2 again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 2 * api_pg, A + 2 * api_pg,
		4 * api_pg), "unmap page 2 and the one-shot map in one call");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + api_pg, A + api_pg, api_pg),
		"page 1");
	u0 = api_unmap_calls(cfd);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 6 * api_pg, A + 6 * api_pg,
		9 * api_pg), "pages 6-14 in one call");
	TEST_ASSERT_EQUAL(api_unmap_calls(cfd) - u0, 1,
		"adjacent units go in one kernel call (still one record each)");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 0, "all gone");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	return TEST_SUCCESS;
}

/* type1 v1 only: the same results, and v1's quirks never show. */
static int
v1_sequence(int cfd, uint64_t va)
{
	int ret;

	/* the IOMMU type is chosen when the first group binds */
	vfio_model_set_type1v2_supported(false);
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, api_tgroups[0].num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(vfio_container_iommu_type(cfd), RTE_VFIO_TYPE1, "v1 fallback");
	ret = paged_sequence(cfd, va);
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_STEP("v1 would unmap a whole mapping for a range over its start: refused before");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 8 * api_pg), "map");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, api_pg),
		ENOTSUP, "cuts the unit", NULL);
	TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_BASE, 8 * api_pg), "still mapped");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va + api_pg, IOVA_BASE + api_pg,
		api_pg), ENOTSUP, "cuts the unit", NULL);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, 8 * api_pg),
		"unmap whole");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	return TEST_SUCCESS;
}

/* An identical repeat takes a reference; any other overlap is refused. */
static int
refcount_sequence(int cfd, uint64_t va)
{
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 4 * api_pg), "map");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 4 * api_pg),
		"identical repeat");
	TEST_ASSERT_EQUAL(api_map_calls(cfd), 1, "no second kernel call");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 1, "one record");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 2 * api_pg), EEXIST,
		"same start, other length");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, 4 * api_pg),
		"drop one reference");
	TEST_ASSERT_EQUAL(api_unmap_calls(cfd), 0, "still mapped in the kernel");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 1, "still recorded");
	if (!test_vfio_is_kernel())
		TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_BASE, 4 * api_pg), "still mapped");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, 4 * api_pg),
		"last reference");
	TEST_ASSERT_EQUAL(api_unmap_calls(cfd), 1, "kernel unmap");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, 4 * api_pg),
		ENOENT, "gone");
	TEST_STEP("paged maps do not share: an identical repeat is an overlap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, va, IOVA_BASE,
		4 * api_pg, api_pg), "paged");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map_paged(cfd, va, IOVA_BASE,
		4 * api_pg, api_pg), EEXIST, "repeat of a paged map");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	return TEST_SUCCESS;
}

/* Maps made without a group are replayed at bind, and again after all left. */
static int
replay_sequence(int cfd, uint64_t va)
{
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 4 * api_pg), "map");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, va + 4 * api_pg,
		IOVA_BASE + 4 * api_pg, 4 * api_pg, api_pg), "paged");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 8 * api_pg,
		IOVA_BASE + 16 * api_pg, 2 * api_pg), "map");
	TEST_ASSERT_EQUAL(api_map_calls(cfd), 0, "no kernel call without a group");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 6, "6 records");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 4 * api_pg,
		IOVA_BASE + 4 * api_pg, api_pg), "unmap a page before any group");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, api_tgroups[0].num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(api_map_calls(cfd), 5, "every record replayed, at its units");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, api_tgroups[1].num) >= 0, "2nd group");
	TEST_ASSERT_EQUAL(api_map_calls(cfd), 5, "a second group replays nothing");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, api_tgroups[0].num), "unbind");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, api_tgroups[1].num), "unbind");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 5, "records kept");
	TEST_ASSERT(api_records_match_kernel(cfd), "the kernel dropped everything");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 12 * api_pg,
		IOVA_BASE + 32 * api_pg, api_pg), "map while no group");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, api_tgroups[1].num) >= 0, "bind again");
	TEST_ASSERT_EQUAL(api_map_calls(cfd), 11, "replayed again");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	return TEST_SUCCESS;
}

/* A fault at each kernel call of a paged map and of a replay. */
static int
rollback_sequence(int cfd, uint64_t va)
{
	const unsigned int n = 6;
	unsigned int k;

	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 8 * api_pg, IOVA_BASE + 64 * api_pg,
		api_pg), "an unrelated map");

	TEST_STEP("paged map: fault at each of its %u kernel calls", n);
	for (k = 1; k <= n; k++) {
		struct snap *b = api_snap_take(cfd), *a;
		int same;

		vfio_model_fail_nth(VFIO_IOMMU_MAP_DMA, k, ENOMEM);
		TEST_ASSERT_ERRNO(rte_vfio_container_dma_map_paged(cfd, va, IOVA_BASE,
			n * api_pg, api_pg), ENOMEM, "fault at call %u", k);
		vfio_model_fail_nth(0, 0, 0);
		a = api_snap_take(cfd);
		same = b->n == a->n && b->kn == a->kn &&
			memcmp(a->rec, b->rec, a->n * sizeof(a->rec[0])) == 0;
		free(a);
		free(b);
		TEST_ASSERT(same, "rolled back after a fault at call %u", k);
		TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel (call %u)", k);
	}
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, va, IOVA_BASE, n * api_pg, api_pg),
		"no fault");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");

	TEST_STEP("replay: fault at each of its %u kernel calls", n + 1);
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, api_tgroups[0].num), "unbind");
	for (k = 1; k <= n + 1; k++) {
		vfio_model_fail_nth(VFIO_IOMMU_MAP_DMA, k, EFAULT);
		TEST_ASSERT_ERRNO(rte_vfio_container_group_bind(cfd, api_tgroups[0].num), EFAULT,
			"replay fault at call %u", k);
		vfio_model_fail_nth(0, 0, 0);
		TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_NO_GROUP,
			"bind undone (call %u)", k);
		TEST_ASSERT_EQUAL(api_n_records(cfd), n + 1, "records kept (call %u)", k);
		TEST_ASSERT_EQUAL(vfio_model_mapping_count(cfd), 0,
			"replayed maps undone (call %u)", k);
	}
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, api_tgroups[0].num) >= 0, "bind");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");

	TEST_STEP("unmap refused by the kernel: nothing changes");
	{
		struct snap *b = api_snap_take(cfd), *a;
		int same;

		vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, 1, EINVAL);
		TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, n * api_pg),
			EINVAL, "unmap fault");
		vfio_model_fail_nth(0, 0, 0);
		a = api_snap_take(cfd);
		same = b->n == a->n && b->kn == a->kn;
		free(a);
		free(b);
		TEST_ASSERT(same, "unchanged");
	}
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	return TEST_SUCCESS;
}

/*
 * The kernel reports another size than the records hold: EIO, logged, and
 * reconciled. The mismatch is made by unmapping behind the EAL's back
 * with a direct ioctl on the container fd (works on both backends).
 */
static int
test_vfio_size_mismatch(void)
{
	struct vfio_iommu_type1_dma_unmap um = { .argsz = sizeof(um) };
	struct api_fix f;
	uint64_t va;
	int cfd;

	START(1);
	FIXTURE(&f, 8, true);
	va = f.va;
	cfd = f.cfd;
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 2 * api_pg), "A");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 2 * api_pg,
		IOVA_BASE + 2 * api_pg, 2 * api_pg), "B");
	um.iova = IOVA_BASE + 2 * api_pg;
	um.size = 2 * api_pg;
	TEST_ASSERT_SUCCESS(vfio_backend()->ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &um),
		"unmap B behind the EAL's back");
	TEST_ASSERT_EQUAL(um.size, 2 * api_pg, "B was mapped");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, 4 * api_pg), EIO,
		"A and B in one call: the kernel removes only A");
	TEST_ASSERT(api_log_one_line("records and kernel disagreed", "EIO"), "EIO logged");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 0, "reconciled: both records dropped");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 4 * api_pg),
		"the range can be mapped again");

	TEST_STEP("teardown: UNMAP_ALL must remove what the records hold");
	um.iova = IOVA_BASE;
	um.size = 4 * api_pg;
	TEST_ASSERT_SUCCESS(vfio_backend()->ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &um),
		"unmap behind the EAL's back");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_destroy(cfd), EIO,
		"the kernel removed less than recorded");
	TEST_ASSERT(api_log_one_line("UNMAP_ALL", "EIO"), "EIO logged");
	TEST_ASSERT_ERRNO(rte_vfio_container_destroy(cfd), EINVAL,
		"the container is gone all the same");
	api_fix_release(&f);
	return TEST_SUCCESS;
}

REGISTER_API_TEST(vfio_paged_autotest, NULL, 1, 16, true, paged_sequence);
REGISTER_API_TEST(vfio_v1_autotest, "type1 v1 fallback is selected through the model",
	1, 16, false, v1_sequence);
REGISTER_API_TEST(vfio_refcount_autotest, NULL, 1, 4, true, refcount_sequence);
REGISTER_API_TEST(vfio_replay_autotest, NULL, 2, 16, false, replay_sequence);
REGISTER_API_TEST(vfio_rollback_autotest, "fault injection needs the model",
	1, 16, true, rollback_sequence);
REGISTER_TEST_COMMAND(vfio_size_mismatch_autotest, test_vfio_size_mismatch);
