/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The locked-memory limit (RLIMIT_MEMLOCK without CAP_IPC_LOCK) is checked
 * for a whole operation before its first kernel call, as the DMA entry
 * budget is (test_vfio_budget.c, whose harness this file uses): a refusal
 * sets ENOMEM, logs one line with the numbers and the fixes, and changes
 * nothing.
 *
 * On the model the limit is its knob. With DPDK_TEST_VFIO=kernel (the VM)
 * vfio_budget_memlock_autotest needs a low RLIMIT_MEMLOCK without
 * CAP_IPC_LOCK (VM configs "memlock": type1, "iommufd-memlock": native
 * iommufd in cdev mode) and skips, saying so, elsewhere.
 * Model-only steps (knobs, the model's locked bytes) are skipped there.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_vfio.h>

#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "test_vfio_budget.h"

/* ---- vfio_budget_memlock_autotest ---- */

struct lim {
	uint64_t limit, locked;
	bool unlimited;
};

/*
 * The limit and what counts against it, as the EAL reads them: type1 (and
 * iommufd's emulation of it) charge the mm's locked_vm (VmLck); native
 * iommufd (cdev mode) the user's locked_vm, of which this process's share
 * is its pinned_vm (VmPin).
 */
static int
lim_get(struct lim *l)
{
	const struct vfio_backend *be = vfio_backend();

	if (be->memlock == NULL ||
			be->memlock(&l->limit, &l->locked, &l->unlimited) < 0)
		return -1;
	if (!l->unlimited && rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV &&
			be->pinned != NULL)
		return be->pinned(&l->locked);
	return 0;
}

/* Pages that can still be pinned. */
static uint64_t
pages_left(void)
{
	struct lim l;

	if (lim_get(&l) < 0 || l.unlimited)
		return UINT64_MAX;
	return l.limit / budget_pg > l.locked / budget_pg ? l.limit / budget_pg - l.locked / budget_pg : 0;
}

/* The [vvar] mapping: a PFNMAP VMA every process has. */
static int
find_vvar(uint64_t *lo, uint64_t *hi)
{
	char line[512];
	int found = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "[vvar]") != NULL &&
			sscanf(line, "%" SCNx64 "-%" SCNx64, lo, hi) == 2;
	fclose(f);
	return found;
}

/*
 * PFNMAP memory is never charged: with the limit reached, a map of [vvar]
 * is not refused for locked memory (the kernel refuses it for another
 * reason: it is read-only).
 */
static int
memlock_pfnmap(int cfd)
{
	uint64_t lo, hi, refused0 = test_vfio_stats_of(cfd).refused_memlock;
	int ret, err;

	if (!find_vvar(&lo, &hi) || ((lo | hi) & (budget_pg - 1)) != 0) {
		TEST_STEP("(no page-aligned [vvar] mapping: PFNMAP step skipped)");
		return TEST_SUCCESS;
	}
	TEST_STEP("PFNMAP memory ([vvar]) is not charged to the limit");
	rte_errno = 0;
	ret = rte_vfio_container_dma_map(cfd, lo, IOVA_C, hi - lo);
	err = rte_errno;
	TEST_ASSERT(ret < 0 && err != ENOMEM, "read-only PFNMAP: refused by the kernel, not for the limit (%d/%s)",
		ret, rte_strerror(err));
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).refused_memlock, refused0, "no locked-memory refusal");
	return TEST_SUCCESS;
}

static int
memlock_user_maps(int cfd, uint8_t *buf, uint64_t left)
{
	char need[96], lim[64], locked[64];
	struct lim l;

	TEST_ASSERT_SUCCESS(lim_get(&l), "memlock query");
	TEST_STEP("a map of %" PRIu64 " pages with %" PRIu64 " left: refused", left + 1, left);
	snprintf(need, sizeof(need), "needs %" PRIu64 " bytes pinned, %" PRIu64 " are left",
		(left + 1) * budget_pg, left * budget_pg);
	snprintf(lim, sizeof(lim), "RLIMIT_MEMLOCK %" PRIu64 " bytes", l.limit);
	snprintf(locked, sizeof(locked), "%" PRIu64 " already %s", l.locked,
		rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV ? "pinned" : "locked");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_A, (left + 1) * budget_pg), ENOMEM, need, lim, locked, "ulimit -l",
		"LimitMEMLOCK=", "memlock=-1", "CAP_IPC_LOCK");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).refused_memlock, 1, "counted");

	TEST_STEP("the paged variant is refused whole, before its first page");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map_paged(cfd,
		(uintptr_t)buf, IOVA_A, (left + 1) * budget_pg, budget_pg), ENOMEM, need, lim);

	TEST_STEP("exactly what is left: accepted (type1 refuses only above the limit)");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		left * budget_pg), "map %" PRIu64 " pages", left);
	TEST_ASSERT_EQUAL(pages_left(), 0, "the limit is reached");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_B, budget_pg), ENOMEM, "needs", "0 are left", "ulimit -l");
	if (memlock_pfnmap(cfd) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_A,
		left * budget_pg), "unmap");
	TEST_ASSERT_EQUAL(pages_left(), left, "unpinned");

	TEST_STEP("the same pages mapped twice are charged twice");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		(left / 2 + 1) * budget_pg), "first mapping");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_B, (left / 2 + 1) * budget_pg), ENOMEM, "needs", "ulimit -l");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_A,
		(left / 2 + 1) * budget_pg), "unmap");
	return TEST_SUCCESS;
}

static int
memlock_replay(int cfd, uint8_t *buf, uint64_t left)
{
	struct budget_state b, a;
	int ret;

	TEST_STEP("records over the limit, kept while no group: the bind is refused");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, budget_group), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		(left + 1) * budget_pg), "recorded while no group");
	b = budget_state_of(cfd);
	TEST_ASSERT_SUCCESS(budget_log_start(), "log capture");
	rte_errno = 0;
	ret = rte_vfio_container_group_bind(cfd, budget_group);
	TEST_ASSERT(ret < 0 && rte_errno == ENOMEM, "bind: expected ENOMEM, got %d/%s",
		ret, rte_strerror(rte_errno));
	budget_log_stop();
	TEST_ASSERT(budget_line_has_all(budget_log, (const char *const[]){
		"replay of the recorded mappings needs", "ulimit -l", NULL }),
		"the replay's refusal line");
	a = budget_state_of(cfd);
	TEST_ASSERT_EQUAL(a.st.map_calls, b.st.map_calls, "no MAP_DMA issued");
	TEST_ASSERT_EQUAL(a.model_maps, b.model_maps, "no MAP_DMA reached the model");
	TEST_ASSERT_EQUAL(a.st.records, 1, "the record is kept");
	TEST_ASSERT_EQUAL(pages_left(), left, "nothing pinned");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_A,
		(left + 1) * budget_pg), "drop it");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, budget_group) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

static int
memlock_heap(int cfd, uint8_t *buf)
{
	uint64_t fill;
	size_t grow;
	void *p;

	TEST_STEP("heap growth with 3 pages left under the limit: refused whole");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT(rte_vfio_get_group_fd(budget_group) >= 0, "bind to the default container: %s",
		rte_strerror(rte_errno));
	fill = pages_left();
	TEST_ASSERT(fill > 3 && fill != UINT64_MAX, "room left: %" PRIu64, fill);
	fill -= 3;
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(DEF, (uintptr_t)buf, IOVA_A,
		fill * budget_pg), "fill");
	TEST_ASSERT_EQUAL(pages_left(), 3, "3 pages left");
	grow = budget_growth_size();
	if (budget_growth_refused(grow, ENOMEM, "left under the locked-memory limit") !=
			TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(pages_left(), 3, "nothing pinned");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(DEF, (uintptr_t)buf, IOVA_A,
		fill * budget_pg), "unmap the filler");
	p = rte_malloc(NULL, grow, budget_pg);
	TEST_ASSERT_NOT_NULL(p, "with room again: %s", rte_strerror(rte_errno));
	rte_free(p);
	return TEST_SUCCESS;
}

/* Model: CAP_IPC_LOCK lifts the limit (pages still counted), as in type1. */
static int
memlock_cap(uint8_t *buf, uint64_t left)
{
	uint64_t locked0 = vfio_model_locked_bytes();
	uint64_t refused0 = test_vfio_stats_of(DEF).refused_memlock;

	TEST_STEP("CAP_IPC_LOCK: no limit");
	vfio_model_set_cap_ipc_lock(true);
	TEST_ASSERT_EQUAL(pages_left(), UINT64_MAX, "unlimited");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(DEF, (uintptr_t)buf, IOVA_B,
		(left + 8) * budget_pg), "map over the limit");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes() - locked0, (left + 8) * budget_pg,
		"still counted");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(DEF).refused_memlock, refused0, "no refusal");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(DEF, (uintptr_t)buf, IOVA_B,
		(left + 8) * budget_pg), "unmap");
	return TEST_SUCCESS;
}

static int
memlock_phases(int cfd, uint8_t *buf, uint64_t left)
{
	if (memlock_user_maps(cfd, buf, left) != TEST_SUCCESS ||
			memlock_replay(cfd, buf, left) != TEST_SUCCESS ||
			memlock_heap(cfd, buf) != TEST_SUCCESS)
		return TEST_FAILED;
	return test_vfio_is_kernel() ? TEST_SUCCESS : memlock_cap(buf, left);
}

static int
test_vfio_budget_memlock(void)
{
	uint64_t left;
	int cfd;

	START("--dynamic-mem");
	if (!test_vfio_is_kernel()) {
		/* 32 pages, 0 locked yet; the heap is not mapped (no group) */
		vfio_model_set_cap_ipc_lock(false);
		vfio_model_set_memlock_limit(32 * budget_pg);
	}
	cfd = budget_container();
	if (cfd < 0)
		return TEST_FAILED;
	left = pages_left();
	if (left == UINT64_MAX || left < 8 || left > 65536) {
		rte_eal_cleanup();
		if (left == UINT64_MAX)
			TEST_SKIP("needs a locked-memory limit without CAP_IPC_LOCK (VM config memlock), have none");
		TEST_SKIP("needs 8 to 65536 pages left under RLIMIT_MEMLOCK (VM config memlock), have %" PRIu64,
			left);
	}
	if (!test_vfio_is_kernel())
		TEST_ASSERT_EQUAL(left, 32, "the model's limit");
	return budget_run(cfd, left, left + 16, memlock_phases);
}

REGISTER_TEST_COMMAND(vfio_budget_memlock_autotest, test_vfio_budget_memlock);
