/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds of user maps that no kernel call enforces: the reference count of
 * identical user maps (32 bits: the map that would wrap it is refused with
 * EOVERFLOW, else one unmap would drop a mapping still referenced), and
 * the records of a container with no group yet (bounded by the kernel's
 * default DMA entry limit, 65535, ENOSPC: they are all replayed when a
 * group is bound). Both on a container of the test's own with no group, so
 * they run alike on the model and on the kernel. And the top of the
 * 64-bit IOVA and vaddr space, refused before the kernel (model only).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "vfio_model.h"
#include "vfio_private.h"
#include "vfio_records.h"
#include "test.h"
#include "test_common.h"

/* Test hook: set the reference count of the record at iova (VFIO lock). */
static int
set_refcnt(int cfd, uint64_t iova, uint32_t refcnt)
{
	struct vfio_container *c;
	struct vfio_record *r = NULL;

	vfio_lock();
	c = vfio_container_get_locked(cfd);
	if (c != NULL)
		r = vfio_records_lookup(c->records, iova);
	if (r != NULL)
		r->refcnt = refcnt;
	vfio_unlock();
	return r != NULL ? 0 : -1;
}

static uint32_t
get_refcnt(int cfd, uint64_t iova)
{
	struct vfio_container *c;
	struct vfio_record *r = NULL;
	uint32_t v = 0;

	vfio_lock();
	c = vfio_container_get_locked(cfd);
	if (c != NULL)
		r = vfio_records_lookup(c->records, iova);
	if (r != NULL)
		v = r->refcnt;
	vfio_unlock();
	return v;
}

static int
test_vfio_map_refcnt(void)
{
	uint64_t pg = test_page_size();
	struct test_vfio_buf b;
	const char *log;
	int ret;

	TEST_VFIO_START_WITH_BUFFER(pg, &b);

	TEST_STEP("a user map, its count set near the limit (test hook, not 2^32 calls)");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(b.cfd, b.va, b.iova, pg), "map");
	TEST_ASSERT_SUCCESS(set_refcnt(b.cfd, b.iova, UINT32_MAX - 1), "hook");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(b.cfd, b.va, b.iova, pg),
		"the 2^32-1st identical map");
	TEST_ASSERT_EQUAL(get_refcnt(b.cfd, b.iova), UINT32_MAX, "count at the limit");

	TEST_STEP("the identical map that would wrap the count: EOVERFLOW, one line, nothing changes");
	TEST_ASSERT_SUCCESS(test_log_capture(), "capture");
	rte_errno = 0;
	ret = rte_vfio_container_dma_map(b.cfd, b.va, b.iova, pg);
	log = test_log_release();
	TEST_ASSERT(ret == -1 && rte_errno == EOVERFLOW,
		"map over the limit: %d, rte_errno %d (%s)", ret, rte_errno,
		rte_strerror(rte_errno));
	TEST_ASSERT(log != NULL && test_count_lines(log) == 1 &&
		strstr(log, "EOVERFLOW") != NULL && strstr(log, "4294967295") != NULL,
		"one line naming the count, got: %s", log != NULL ? log : "(none)");
	TEST_ASSERT_EQUAL(get_refcnt(b.cfd, b.iova), UINT32_MAX, "count unchanged");
	TEST_ASSERT_EQUAL(test_vfio_records(b.cfd), 1, "one record");

	TEST_STEP("one unmap drops one reference, not the mapping");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(b.cfd, b.va, b.iova, pg), "unmap");
	TEST_ASSERT_EQUAL(get_refcnt(b.cfd, b.iova), UINT32_MAX - 1, "one reference less");
	TEST_ASSERT_EQUAL(test_vfio_records(b.cfd), 1, "still recorded");
	TEST_ASSERT_SUCCESS(set_refcnt(b.cfd, b.iova, 1), "hook");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(b.cfd, b.va, b.iova, pg), "last unmap");
	TEST_ASSERT_EQUAL(test_vfio_records(b.cfd), 0, "gone");

	return test_vfio_stop_with_buffer(&b);
}

static int
test_vfio_map_nogroup_budget(void)
{
	const uint64_t limit = 65535;
	uint64_t pg = test_page_size(), len = (limit + 1) * pg, iova, va;
	const char *log;
	void *buf;
	int cfd, ret;

	ret = test_vfio_start(NULL);
	if (ret != TEST_SUCCESS)
		return ret;
	/* address space only: nothing is pinned while the container has no group */
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_NORESERVE, -1, 0);
	TEST_ASSERT(buf != MAP_FAILED, "mmap %" PRIu64 " bytes", len);
	va = (uintptr_t)buf;
	iova = test_iova_for(buf, len);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "IOVA: %s", rte_strerror(rte_errno));
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "create: %s", rte_strerror(rte_errno));

	TEST_STEP("no group: %" PRIu64 " pages in one paged map, one over the default limit: ENOSPC, one line",
		limit + 1);
	TEST_ASSERT_SUCCESS(test_log_capture(), "capture");
	rte_errno = 0;
	ret = rte_vfio_container_dma_map_paged(cfd, va, iova, len, pg);
	log = test_log_release();
	TEST_ASSERT(ret == -1 && rte_errno == ENOSPC,
		"paged map of %" PRIu64 " pages: %d, rte_errno %d (%s)", limit + 1, ret,
		rte_errno, rte_strerror(rte_errno));
	TEST_ASSERT(log != NULL && test_count_lines(log) == 1 &&
		strstr(log, "65535") != NULL &&
		strstr(log, "rte_vfio_container_group_bind") != NULL,
		"one line naming the limit and the fix, got: %s", log != NULL ? log : "(none)");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 0, "nothing recorded");

	TEST_STEP("exactly the limit fits; then one more single map is refused");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, va, iova, limit * pg, pg),
		"paged map of %" PRIu64 " pages", limit);
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), limit, "records");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, va + limit * pg, iova + limit * pg, pg),
		ENOSPC, "one record over the limit");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), limit, "records unchanged");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va, iova, limit * pg), "unmap");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 0, "records after unmap");

	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	test_iova_release(iova, len);
	munmap(buf, len);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

#define TOP_GROUP 60
#define TOP_BDF "0000:00:1c.0"

static uint64_t
stat_of(int cfd, uint64_t (*pick)(const struct vfio_container_stats *))
{
	struct vfio_container_stats st;

	if (vfio_container_stats_get(cfd, &st) < 0)
		return UINT64_MAX;
	return pick(&st);
}

static uint64_t pick_records(const struct vfio_container_stats *st) { return st->records; }
static uint64_t pick_map_calls(const struct vfio_container_stats *st) { return st->map_calls; }

/* A map ending at the top of the 64-bit space: refused, nothing changes. */
static int
top_refused(int cfd, uint64_t va, uint64_t pg, const char *state)
{
	uint64_t top = UINT64_MAX - pg + 1;

	TEST_STEP("%s: IOVA [2^64 - page, 2^64 - 1] is refused", state);
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, va, top, pg), EINVAL,
		"map of the last IOVA page (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "no record (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_map_calls), 0, "no kernel call (%s)",
		state);
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map_paged(cfd, va, top - pg,
		2 * pg, pg), EINVAL, "paged map up to the last IOVA byte (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "no record (%s)", state);
	TEST_STEP("%s: vaddr [2^64 - page, 2^64 - 1] is refused", state);
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, top, 0x40000000ULL, pg),
		EINVAL, "map of the last vaddr page (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "no record (%s)", state);
	TEST_STEP("%s: one page lower is fine and unmaps", state);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, top - pg, pg),
		"map below the last page (%s): %s", state, rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va, top - pg, pg),
		"unmap below the last page (%s): %s", state, rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "records gone (%s)", state);
	return TEST_SUCCESS;
}

/* the test's model group */
static const struct vfio_model_group_cfg top_cfg = {
	.group_num = TOP_GROUP,
	.devices = { TOP_BDF },
	.aperture_bits = 64,  /* valid IOVAs up to 2^64 - 1, as on AMD v1 */
};

/*
 * A map whose last byte is 2^64 - 1 passes the kernel's wrap-around check
 * (type1 of Linux 6.12, reference §2.7) but could never be unmapped: every
 * [iova, iova + len) of the record discipline would end at 0. It is
 * refused before the kernel call, EINVAL and nothing changed, with or
 * without an IOMMU set (on the model: an aperture of 64 bits).
 */
static int
test_vfio_map_iova_top(void)
{
	uint64_t pg = test_page_size();
	void *buf;
	int cfd, ret;

	TEST_MODEL_START("the end of the IOVA space is tested on the model (aperture of 64 bits)",
		&top_cfg);
	buf = test_anon_map(pg, MAP_POPULATE);
	TEST_ASSERT_NOT_NULL(buf, "mmap");

	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "create: %s", rte_strerror(rte_errno));
	ret = top_refused(cfd, (uintptr_t)buf, pg, "no group");
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, TOP_GROUP) >= 0,
		"bind: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_IOMMU, "IOMMU set");
	ret = top_refused(cfd, (uintptr_t)buf, pg, "IOMMU set");
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(cfd), 0, "nothing in the kernel");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	munmap(buf, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_map_refcnt_autotest, test_vfio_map_refcnt);
REGISTER_TEST_COMMAND(vfio_map_nogroup_autotest, test_vfio_map_nogroup_budget);
REGISTER_TEST_COMMAND(vfio_map_iova_top_autotest, test_vfio_map_iova_top);
