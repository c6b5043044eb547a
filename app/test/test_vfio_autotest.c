/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_autotest: user DMA map and unmap at the system page size, each
 * step confirmed by the container's counters and records and by device
 * DMA (dma_proof.h): mapped memory is reachable, unmapped memory is
 * not and keeps its data. The buffer is mapped at test_iova_for() (its
 * address in IOVA as VA), so the test runs in every IOVA mode.
 *
 * Runs on the type1 model by default, on the kernel with
 * DPDK_TEST_VFIO=kernel (the VM, or a machine with a device bound to
 * vfio-pci named by DPDK_TEST_PCI_DEV).
 */

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "dma_proof.h"

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define NPAGES 16
/* the second model group, for the container bound late */
#define MODEL_LATE_GROUP 62
#define MODEL_LATE_DEV "0000:00:07.0"

static size_t pg;
static uint8_t *buf;            /* NPAGES pages */
static uint64_t buf_iova;       /* their IOVA: test_iova_for() */

static uint64_t
va_of(unsigned int page)
{
	return (uintptr_t)(buf + (size_t)page * pg);
}

/* The IOVA of a page: its address in IOVA as VA, else in an EAL block. */
static uint64_t
iova_of(unsigned int page)
{
	return buf_iova + (uint64_t)page * pg;
}

static void *
page_ptr(unsigned int page)
{
	return buf + (size_t)page * pg;
}

/* ---- counters: the kernel calls made and the entries held ---- */

static struct vfio_container_stats st0;

static int
stats(int cfd, struct vfio_container_stats *st)
{
	return vfio_container_stats_get(cfd, st);
}

#define SNAP(cfd) TEST_ASSERT_SUCCESS(stats(cfd, &st0), "read the counters")

/* The counters moved by exactly these amounts since SNAP. */
#define EXPECT_DELTA(cfd, step, d_map, d_unmap, d_entries, d_bytes) do { \
	struct vfio_container_stats s_; \
	TEST_ASSERT_SUCCESS(stats(cfd, &s_), "read the counters"); \
	TEST_ASSERT_EQUAL(s_.map_calls - st0.map_calls, (d_map), \
		"%s: MAP_DMA calls", step); \
	TEST_ASSERT_EQUAL(s_.unmap_calls - st0.unmap_calls, (d_unmap), \
		"%s: UNMAP_DMA calls", step); \
	TEST_ASSERT_EQUAL((int64_t)(s_.dma_entries - st0.dma_entries), \
		(d_entries), "%s: DMA entries", step); \
	TEST_ASSERT_EQUAL((int64_t)(s_.bytes_mapped - st0.bytes_mapped), \
		(d_bytes), "%s: bytes mapped (the size the kernel reported)", step); \
} while (0)

#define REACH(page, n, step) TEST_ASSERT_SUCCESS( \
	dma_proof_reachable(page_ptr(page), iova_of(page), (size_t)(n) * pg), \
	"%s: pages %u..%u reachable", step, (page), (page) + (n) - 1)
#define BLOCK(page, n, step) TEST_ASSERT_SUCCESS( \
	dma_proof_blocked(page_ptr(page), iova_of(page), (size_t)(n) * pg), \
	"%s: pages %u..%u blocked", step, (page), (page) + (n) - 1)

static int
map1(unsigned int page, unsigned int n)
{
	return rte_vfio_container_dma_map(DEF, va_of(page), iova_of(page),
		(uint64_t)n * pg);
}

static int
map_paged(unsigned int page, unsigned int n)
{
	return rte_vfio_container_dma_map_paged(DEF, va_of(page), iova_of(page),
		(uint64_t)n * pg, pg);
}

static int
unmap(unsigned int page, unsigned int n)
{
	return rte_vfio_container_dma_unmap(DEF, va_of(page), iova_of(page),
		(uint64_t)n * pg);
}

/* The record holding a page, as the component issued it. */
struct rec_find {
	uint64_t iova;
	struct vfio_record rec;
	bool found;
};

static void
rec_find_cb(const struct vfio_record *r, void *arg)
{
	struct rec_find *f = arg;

	if (f->iova >= r->iova && f->iova < r->iova + r->len) {
		f->rec = *r;
		f->found = true;
	}
}

static int
record_of(int cfd, uint64_t iova, struct vfio_record *rec)
{
	struct rec_find f = { .iova = iova };

	if (vfio_container_records_walk(cfd, rec_find_cb, &f) < 0 || !f.found)
		return -1;
	*rec = f.rec;
	return 0;
}

#define EXPECT_RECORD(cfd, page, n, step) do { \
	struct vfio_record r_; \
	TEST_ASSERT_SUCCESS(record_of(cfd, iova_of((page) + (n) - 1), &r_), \
		"%s: a record holds page %u", step, (page) + (n) - 1); \
	TEST_ASSERT_EQUAL(r_.iova, iova_of(page), "%s: record start", step); \
	TEST_ASSERT_EQUAL(r_.vaddr, va_of(page), "%s: record vaddr", step); \
	TEST_ASSERT_EQUAL(r_.len, (uint64_t)(n) * pg, "%s: record length", step); \
	TEST_ASSERT_EQUAL(r_.kind, VFIO_REC_USER, "%s: record kind", step); \
} while (0)

/* ---- the steps ---- */

static int
single_pages(void)
{
	TEST_STEP("single-page map: one kernel call, one entry, reachable; its neighbour is not");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(map1(0, 1), "map page 0");
	EXPECT_DELTA(DEF, "map page 0", 1, 0, 1, pg);
	EXPECT_RECORD(DEF, 0, 1, "map page 0");
	REACH(0, 1, "after map");
	BLOCK(1, 1, "the unmapped neighbour");

	TEST_STEP("unmap of the whole unit: one kernel call, blocked, data unchanged");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(unmap(0, 1), "unmap page 0");
	EXPECT_DELTA(DEF, "unmap page 0", 0, 1, -1, -(int64_t)pg);
	BLOCK(0, 1, "after unmap");

	TEST_STEP("re-map after unmap: reachable again");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(map1(0, 1), "map page 0 again");
	EXPECT_DELTA(DEF, "re-map page 0", 1, 0, 1, pg);
	REACH(0, 1, "after re-map");
	TEST_ASSERT_SUCCESS(unmap(0, 1), "unmap page 0");
	BLOCK(0, 1, "after the second unmap");
	return TEST_SUCCESS;
}

static int
multi_page(void)
{
	TEST_STEP("4-page one-shot map: one kernel call, one entry of 4 pages");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(map1(0, 4), "map pages 0..3");
	EXPECT_DELTA(DEF, "map pages 0..3", 1, 0, 1, 4 * pg);
	EXPECT_RECORD(DEF, 0, 4, "map pages 0..3");
	REACH(0, 4, "after map");

	TEST_STEP("partial unmaps of a one-shot map are refused (ENOTSUP), nothing changes");
	SNAP(DEF);
	TEST_ASSERT_ERRNO(unmap(1, 1), ENOTSUP, "unmap page 1 of 0..3");
	TEST_ASSERT_ERRNO(unmap(0, 2), ENOTSUP, "unmap pages 0..1 of 0..3");
	TEST_ASSERT_ERRNO(unmap(2, 2), ENOTSUP, "unmap pages 2..3 of 0..3");
	EXPECT_DELTA(DEF, "refused partial unmaps", 0, 0, 0, 0);
	EXPECT_RECORD(DEF, 0, 4, "after the refusals");
	REACH(0, 4, "after the refusals");

	TEST_STEP("unmap of the whole map: blocked everywhere");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(unmap(0, 4), "unmap pages 0..3");
	EXPECT_DELTA(DEF, "unmap pages 0..3", 0, 1, -1, -(int64_t)(4 * pg));
	BLOCK(0, 4, "after unmap");
	return TEST_SUCCESS;
}

static int
adjacent_units(void)
{
	TEST_STEP("three adjacent one-page maps are three entries, never merged; one unmap call takes all three");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(map1(8, 1), "map page 8");
	TEST_ASSERT_SUCCESS(map1(9, 1), "map page 9");
	TEST_ASSERT_SUCCESS(map1(10, 1), "map page 10");
	EXPECT_DELTA(DEF, "three maps", 3, 0, 3, 3 * pg);
	EXPECT_RECORD(DEF, 9, 1, "the middle map");
	REACH(8, 3, "three adjacent maps");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(unmap(8, 3), "unmap pages 8..10 in one call");
	EXPECT_DELTA(DEF, "unmap of three units", 0, 1, -3, -(int64_t)(3 * pg));
	BLOCK(8, 3, "after unmap");
	return TEST_SUCCESS;
}

static int
paged(void)
{
	TEST_STEP("paged map of 8 pages: 8 units, 8 entries");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(map_paged(0, 8), "paged map pages 0..7");
	EXPECT_DELTA(DEF, "paged map", 8, 0, 8, 8 * pg);
	EXPECT_RECORD(DEF, 5, 1, "a page of the paged map");
	REACH(0, 8, "paged map");

	TEST_STEP("unmap of pages 2..4 of it in one call: exactly those blocked");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(unmap(2, 3), "unmap pages 2..4");
	EXPECT_DELTA(DEF, "unmap 2..4", 0, 1, -3, -(int64_t)(3 * pg));
	BLOCK(2, 3, "pages 2..4 after unmap");
	REACH(0, 2, "pages 0..1 stay");
	REACH(5, 3, "pages 5..7 stay");

	TEST_STEP("unmap of page 6 alone: blocked, 5 and 7 reachable");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(unmap(6, 1), "unmap page 6");
	EXPECT_DELTA(DEF, "unmap page 6", 0, 1, -1, -(int64_t)pg);
	BLOCK(6, 1, "page 6");
	REACH(5, 1, "page 5");
	REACH(7, 1, "page 7");

	TEST_STEP("an unmap over a hole is refused (ENOENT), nothing changes");
	SNAP(DEF);
	TEST_ASSERT_ERRNO(unmap(0, 8), ENOENT, "unmap 0..7 with holes at 2..4 and 6");
	TEST_ASSERT_ERRNO(unmap(6, 1), ENOENT, "unmap page 6 twice");
	EXPECT_DELTA(DEF, "refused unmaps", 0, 0, 0, 0);
	REACH(0, 2, "pages 0..1 after the refusals");

	TEST_STEP("re-map page 3 into the hole, then release everything");
	TEST_ASSERT_SUCCESS(map1(3, 1), "map page 3");
	REACH(3, 1, "page 3 re-mapped");
	BLOCK(2, 1, "page 2 still unmapped");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(unmap(0, 2), "unmap 0..1");
	TEST_ASSERT_SUCCESS(unmap(3, 1), "unmap 3");
	TEST_ASSERT_SUCCESS(unmap(5, 1), "unmap 5");
	TEST_ASSERT_SUCCESS(unmap(7, 1), "unmap 7");
	EXPECT_DELTA(DEF, "release", 0, 4, -5, -(int64_t)(5 * pg));
	BLOCK(0, 8, "all of 0..7");
	return TEST_SUCCESS;
}

/*
 * Maps made into the default container before any device: recorded, not
 * issued; opening the device binds its group and replays them.
 */
static int
replay_default(void)
{
	struct vfio_container_stats st;

	TEST_STEP("maps before any device are recorded, not issued; the device's open replays them");
	TEST_ASSERT_EQUAL(vfio_container_state_get(DEF), VFIO_CONT_NO_GROUP,
		"the default container has no group before the open");
	SNAP(DEF);
	TEST_ASSERT_SUCCESS(map1(12, 2), "map pages 12..13 with no device");
	TEST_ASSERT_SUCCESS(map_paged(14, 2), "paged map pages 14..15 with no device");
	TEST_ASSERT_SUCCESS(stats(DEF, &st), "counters");
	TEST_ASSERT_EQUAL(st.map_calls, st0.map_calls, "no kernel call without a group");
	TEST_ASSERT_EQUAL(st.records - st0.records, 3, "three records kept");
	TEST_ASSERT_SUCCESS(dma_proof_open(), "open %s (replay)",
		dma_proof_device()->name);
	TEST_ASSERT_EQUAL(vfio_container_state_get(DEF), VFIO_CONT_IOMMU,
		"IOMMU set by the open");
	TEST_ASSERT_SUCCESS(stats(DEF, &st), "counters");
	TEST_ASSERT_EQUAL(st.dma_entries, st.records,
		"every record replayed as one entry");
	EXPECT_RECORD(DEF, 12, 2, "replayed one-shot map");
	EXPECT_RECORD(DEF, 15, 1, "replayed page of the paged map");
	REACH(12, 2, "replayed one-shot map");
	REACH(14, 1, "replayed paged map, page 14");
	REACH(15, 1, "replayed paged map, page 15");
	TEST_ASSERT_SUCCESS(unmap(15, 1), "unmap page 15 of the replayed paged map");
	BLOCK(15, 1, "page 15");
	REACH(14, 1, "page 14 stays");
	TEST_ASSERT_ERRNO(unmap(12, 1), ENOTSUP, "half of the replayed one-shot map");
	TEST_ASSERT_SUCCESS(unmap(12, 3), "unmap 12..14 in one call");
	BLOCK(12, 3, "12..14");
	return TEST_SUCCESS;
}

/*
 * A container of its own, filled before it has a group: the bind replays
 * at the original units. The device's DMA cannot reach this container on
 * the kernel (its group is in the default one): the kernel counters and,
 * on the model, the model's mappings are the proof.
 */
static int
replay_created(void)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = MODEL_LATE_GROUP,
		.devices = { MODEL_LATE_DEV, NULL },
		.msi_window = true,
	};
	struct vfio_container_stats st;
	int cfd, grp, ret = TEST_SUCCESS;

	TEST_STEP("rte_vfio_container_create, map with no group, bind the group later (replay)");
	if (dma_proof_is_model()) {
		TEST_ASSERT_SUCCESS(vfio_model_add_group(&cfg), "model group %d",
			MODEL_LATE_GROUP);
		grp = MODEL_LATE_GROUP;
	} else {
		grp = test_vfio_pci_group(dma_proof_group());
		if (grp < 0)
			return test_missing_part(__func__, "needs a second IOMMU group bound to vfio-pci") < 0 ?
				TEST_FAILED : TEST_SUCCESS;
	}
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container create: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, va_of(0), iova_of(0),
		4 * pg, pg), "paged map of 4 pages with no group");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va_of(4), iova_of(4),
		2 * pg), "one-shot map of 2 pages with no group");
	TEST_ASSERT_SUCCESS(stats(cfd, &st), "counters");
	TEST_ASSERT_EQUAL(st.map_calls, 0, "no kernel call before the bind");
	TEST_ASSERT_EQUAL(st.records, 5, "five records");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, grp) >= 0,
		"bind group %d: %s", grp, rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(stats(cfd, &st), "counters");
	TEST_ASSERT_EQUAL(st.map_calls, 5, "the replay issued one call per unit");
	TEST_ASSERT_EQUAL(st.dma_entries, 5, "five DMA entries");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 6 * pg, "six pages mapped");
	EXPECT_RECORD(cfd, 4, 2, "replayed one-shot map");
	EXPECT_RECORD(cfd, 2, 1, "replayed page");
	if (dma_proof_is_model()) {
		dma_proof_set_container(cfd);
		ret = dma_proof_reachable(page_ptr(0), iova_of(0), 6 * pg);
		if (ret == 0)
			ret = dma_proof_blocked(page_ptr(6), iova_of(6), pg);
	}
	if (ret == 0) {
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va_of(1),
			iova_of(1), pg), "unmap one replayed page");
		TEST_ASSERT_SUCCESS(stats(cfd, &st), "counters");
		TEST_ASSERT_EQUAL(st.dma_entries, 4, "one entry less");
		if (dma_proof_is_model())
			ret = dma_proof_blocked(page_ptr(1), iova_of(1), pg);
	}
	dma_proof_set_container(DEF);
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, grp), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	return ret == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static int
run(void)
{
	int ret;

	ret = replay_default();
	if (ret == TEST_SUCCESS)
		ret = single_pages();
	if (ret == TEST_SUCCESS)
		ret = multi_page();
	if (ret == TEST_SUCCESS)
		ret = adjacent_units();
	if (ret == TEST_SUCCESS)
		ret = paged();
	if (ret == TEST_SUCCESS)
		ret = replay_created();
	return ret;
}

static int
test_vfio(void)
{
	int ret;

	pg = test_page_size();
	ret = dma_proof_start(false);
	if (ret != TEST_SUCCESS)
		return ret;
	printf("  system page size %zu\n", pg);
	buf = test_anon_map(NPAGES * pg, MAP_POPULATE);
	if (buf == NULL) {
		rte_eal_cleanup();
		TEST_ASSERT(false, "mmap of %d pages", NPAGES);
	}
	buf_iova = test_iova_for(buf, NPAGES * pg);
	if (buf_iova == RTE_BAD_IOVA) {
		printf("FAIL an IOVA for %d pages (IOVA mode %s): %s\n", NPAGES,
			test_iova_mode_name(), rte_strerror(rte_errno));
		munmap(buf, NPAGES * pg);
		rte_eal_cleanup();
		return TEST_FAILED;
	}
	printf("  IOVA mode %s: buffer %p at IOVA 0x%" PRIx64 "\n",
		test_iova_mode_name(), (void *)buf, buf_iova);
	ret = run();
	dma_proof_close();
	test_iova_release(buf_iova, NPAGES * pg);
	munmap(buf, NPAGES * pg);
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(vfio_autotest, test_vfio);
