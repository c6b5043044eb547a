/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DMA entry budget of the VFIO component (GET_INFO DMA_AVAIL) is
 * checked for a whole operation before its first kernel call: a refusal
 * sets ENOSPC, logs one line with the numbers and the fixes, and changes
 * nothing. This file also holds the harness (test_vfio_budget.h) shared
 * with the locked-memory budget (test_vfio_budget_memlock.c) and the
 * per-container counters (test_vfio_stats.c).
 *
 * On the model the limit is its knob. With DPDK_TEST_VFIO=kernel (the VM)
 * vfio_budget_entries_autotest needs a lowered dma_entry_limit (VM config
 * "dmalimit") and skips, saying so, elsewhere. Model-only steps (knobs,
 * the model's own call counts) are skipped there.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "test_vfio_budget.h"

#define MODEL_GROUP 60
#define ENTRY_LIMIT_PATH "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"

uint64_t budget_pg;
int budget_group;

/* ---- setup ---- */

/* EAL up and one IOMMU group to bind: TEST_SUCCESS, TEST_SKIPPED or TEST_FAILED. */
int
budget_start(const char *mem_mode)
{
	int ret;

	budget_pg = test_page_size();
	ret = test_vfio_start(mem_mode);
	if (ret != TEST_SUCCESS)
		return ret;
	if (!test_vfio_is_kernel()) {
		if (test_vfio_model_group(MODEL_GROUP, "0000:00:0c.0") < 0) {
			rte_eal_cleanup();
			printf("FAIL vfio_model_add_group: %s\n", rte_strerror(rte_errno));
			return TEST_FAILED;
		}
		budget_group = MODEL_GROUP;
		return TEST_SUCCESS;
	}
	budget_group = test_vfio_pci_group(-1);
	if (budget_group < 0) {
		rte_eal_cleanup();
		return test_missing(__func__, "no IOMMU group bound to vfio-pci");
	}
	return TEST_SUCCESS;
}

void *
budget_buf_alloc(uint64_t pages)
{
	return test_anon_map(pages * budget_pg, MAP_POPULATE);
}

/* A new container with the budget group bound: its fd, or TEST_FAILED. */
int
budget_container(void)
{
	int cfd = rte_vfio_container_create();

	TEST_ASSERT(cfd >= 0, "container_create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, budget_group) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	return cfd;
}

/*
 * The body of a budget test: its phases on container cfd with a buffer of
 * `pages` pages and the budget found (pages or entries left); then the
 * buffer is unmapped and the EAL stopped, whatever the phases gave.
 */
int
budget_run(int cfd, uint64_t budget, uint64_t pages,
	int (*phases)(int cfd, uint8_t *buf, uint64_t budget))
{
	uint8_t *buf = budget_buf_alloc(pages);
	int ret;

	TEST_ASSERT_NOT_NULL(buf, "mmap");
	ret = phases(cfd, buf, budget);
	munmap(buf, pages * budget_pg);
	rte_eal_cleanup();
	return ret;
}

/*
 * A size rte_malloc() can only serve by growing the heap: 8 pages more
 * than the largest free block of any heap.
 */
static int
biggest_free_cb(const struct rte_memseg_list *msl, void *arg)
{
	struct rte_malloc_socket_stats ms;
	size_t *biggest = arg;

	if (!msl->external && rte_malloc_get_socket_stats(msl->socket_id, &ms) == 0)
		*biggest = RTE_MAX(*biggest, ms.greatest_free_size);
	return 0;
}

size_t
budget_growth_size(void)
{
	size_t biggest = 0;

	rte_memseg_list_walk(biggest_free_cb, &biggest);
	return RTE_ALIGN_CEIL(biggest, budget_pg) + 8 * budget_pg;
}

/*
 * A heap growth of grow bytes in the default container is refused whole:
 * rte_malloc() fails with err, one log line holds line, and nothing
 * changed (no MAP_DMA issued).
 */
int
budget_growth_refused(size_t grow, int err, const char *line)
{
	struct budget_state b, a;
	void *p;

	b = budget_state_of(DEF);
	TEST_ASSERT_SUCCESS(budget_log_start(), "log capture");
	p = rte_malloc(NULL, grow, budget_pg);
	TEST_ASSERT_NULL(p, "rte_malloc of %zu bytes must fail", grow);
	TEST_ASSERT_EQUAL(rte_errno, err, "the allocation fails with %s", strerror(err));
	budget_log_stop();
	TEST_ASSERT_EQUAL(budget_lines_with(budget_log, line), 1,
		"one budget line:\n%s", budget_log);
	a = budget_state_of(DEF);
	TEST_ASSERT(budget_state_same(&b, &a), "refused whole before any MAP_DMA");
	return TEST_SUCCESS;
}

/* The kernel fd of a container (the model's observations need it). */
static int
kfd_of(int cfd)
{
	return cfd == DEF ? rte_vfio_get_container_fd() : cfd;
}

/* ---- "nothing changed": records, mappings and kernel calls ---- */

struct budget_state
budget_state_of(int cfd)
{
	struct budget_state s;

	memset(&s, 0, sizeof(s));
	s.st = test_vfio_stats_of(cfd);
	s.cstate = vfio_container_state_get(cfd);
	if (!test_vfio_is_kernel()) {
		s.model_maps = vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA);
		s.model_mappings = vfio_model_mapping_count(kfd_of(cfd));
		s.model_locked = vfio_model_locked_bytes();
	}
	return s;
}

int
budget_state_same(const struct budget_state *a, const struct budget_state *b)
{
	int same = a->st.map_calls == b->st.map_calls &&
		a->st.unmap_calls == b->st.unmap_calls &&
		a->st.records == b->st.records &&
		a->st.dma_entries == b->st.dma_entries &&
		a->st.bytes_mapped == b->st.bytes_mapped &&
		a->cstate == b->cstate &&
		a->model_maps == b->model_maps &&
		a->model_mappings == b->model_mappings &&
		a->model_locked == b->model_locked;

	if (!same)
		printf("  state changed: map calls %" PRIu64 "->%" PRIu64 ", unmap calls %" PRIu64 "->%" PRIu64 ", records %" PRIu64 "->%" PRIu64 ", bytes %" PRIu64 "->%" PRIu64 ", container state %d->%d, model MAP_DMA %lu->%lu, model mappings %u->%u\n",
			a->st.map_calls, b->st.map_calls, a->st.unmap_calls,
			b->st.unmap_calls, a->st.records, b->st.records,
			a->st.bytes_mapped, b->st.bytes_mapped, a->cstate, b->cstate,
			a->model_maps, b->model_maps, a->model_mappings,
			b->model_mappings);
	return same;
}

/* ---- log capture ---- */

/* what the last capture logged */
const char *budget_log = "";

int
budget_log_start(void)
{
	return test_log_capture();
}

const char *
budget_log_stop(void)
{
	budget_log = test_log_release();
	if (budget_log == NULL)
		budget_log = "";
	return budget_log;
}

/* Lines of buf holding w. */
unsigned int
budget_lines_with(const char *buf, const char *w)
{
	unsigned int n = 0;
	const char *line = buf, *end;

	while (*line != '\0') {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (memmem(line, (size_t)(end - line), w, strlen(w)) != NULL)
			n++;
		line = *end != '\0' ? end + 1 : end;
	}
	return n;
}

/* Every word in words (NULL-ended) is on the one line holding words[0]. */
int
budget_line_has_all(const char *buf, const char *const *words)
{
	const char *at = strstr(buf, words[0]), *bol, *eol;
	unsigned int i;

	if (at == NULL || budget_lines_with(buf, words[0]) != 1) {
		printf("  expected one line with \"%s\" in:\n%s", words[0], buf);
		return 0;
	}
	for (bol = at; bol > buf && bol[-1] != '\n'; bol--)
		;
	eol = strchr(at, '\n');
	if (eol == NULL)
		eol = at + strlen(at);
	for (i = 1; words[i] != NULL; i++) {
		if (memmem(bol, (size_t)(eol - bol), words[i], strlen(words[i])) == NULL) {
			printf("  the line lacks \"%s\":\n%.*s\n", words[i],
				(int)(eol - bol), bol);
			return 0;
		}
	}
	return 1;
}

/* ---- vfio_budget_entries_autotest ---- */

static int
entries_user_maps(int cfd, uint64_t avail, uint8_t *buf)
{
	struct rte_vfio_container_stats st;
	char need[64], have[64];
	uint64_t fill = avail - 2;

	TEST_STEP("use all but 2 of the %" PRIu64 " DMA entries with one paged map", avail);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_A, fill * budget_pg, budget_pg), "paged map of %" PRIu64 " pages", fill);
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.dma_entries, fill, "one entry per page");
	TEST_ASSERT_EQUAL(st.dma_entries_avail, 2, "2 left");

	TEST_STEP("a paged map needing 3 is refused whole, before its first call");
	snprintf(need, sizeof(need), "needs 3 DMA entries");
	snprintf(have, sizeof(have), "has 2 left");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map_paged(cfd,
		(uintptr_t)buf, IOVA_B, 3 * budget_pg, budget_pg), ENOSPC,
		need, have, "dma_entry_limit", ENTRY_LIMIT_PATH, "1 GiB", "2 MiB");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).refused_entries, 1, "counted as an entry refusal");
	if (!test_vfio_is_kernel())
		TEST_ASSERT(!vfio_model_is_mapped(cfd, IOVA_B, budget_pg), "first page not mapped");

	TEST_STEP("exactly the entries left: accepted");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_B, 2 * budget_pg, budget_pg), "paged map of the last 2 entries");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).dma_entries_avail, 0, "none left");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd,
		(uintptr_t)buf, IOVA_C, budget_pg), ENOSPC,
		"needs 1 DMA entries", "has 0 left", "dma_entry_limit");

	TEST_STEP("an unmap gives entries back");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_B, 2 * budget_pg), "unmap 2 pages");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).dma_entries_avail, 2, "2 left again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_C, 2 * budget_pg), "one unit of 2 pages costs 1 entry");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).dma_entries_avail, 1, "1 left");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_C, 2 * budget_pg), "unmap the unit");
	return TEST_SUCCESS;
}

/* Records kept while no group is bound exceed the budget: the bind is refused. */
static int
entries_replay(int cfd, uint64_t avail, uint8_t *buf)
{
	char need[64], have[64];
	struct budget_state b, a;
	uint64_t recs;
	int ret;

	TEST_STEP("unbind: the kernel drops its mappings, the records stay");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, budget_group), "unbind");
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_NO_GROUP, "no group");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_B, 3 * budget_pg, budget_pg), "3 more pages recorded, not issued");
	recs = test_vfio_stats_of(cfd).records;
	TEST_ASSERT_EQUAL(recs, avail - 2 + 3, "records");

	TEST_STEP("bind again: the replay needs %" PRIu64 " entries of %" PRIu64 ": refused before any map",
		recs, avail);
	b = budget_state_of(cfd);
	TEST_ASSERT_SUCCESS(budget_log_start(), "log capture");
	rte_errno = 0;
	ret = rte_vfio_container_group_bind(cfd, budget_group);
	TEST_ASSERT(ret < 0 && rte_errno == ENOSPC, "bind: expected ENOSPC, got %d/%s",
		ret, rte_strerror(rte_errno));
	budget_log_stop();
	snprintf(need, sizeof(need), "needs %" PRIu64 " DMA entries", recs);
	snprintf(have, sizeof(have), "has %" PRIu64 " left", avail);
	TEST_ASSERT(budget_line_has_all(budget_log, (const char *const[]){ need, have,
		"replay", ENTRY_LIMIT_PATH, NULL }), "the replay's refusal line");
	a = budget_state_of(cfd);
	TEST_ASSERT_EQUAL(a.st.map_calls, b.st.map_calls, "no MAP_DMA issued");
	TEST_ASSERT_EQUAL(a.model_maps, b.model_maps, "no MAP_DMA reached the model");
	TEST_ASSERT_EQUAL(a.st.records, recs, "records kept");
	TEST_ASSERT_EQUAL(a.cstate, VFIO_CONT_NO_GROUP, "back to no group");

	TEST_STEP("within budget again: the bind replays every record");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_B, 3 * budget_pg), "drop the 3 pages");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, budget_group) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).dma_entries, avail - 2, "replayed");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).dma_entries_avail, 2, "2 left");
	return TEST_SUCCESS;
}

/*
 * External memory of 8 pages at scattered IOVAs (8 units) with 3 entries
 * left: the region is refused whole, not added to the heap.
 */
static int
entries_extmem(void)
{
	rte_iova_t iovas[8];
	struct budget_state b, a;
	unsigned int i;
	void *va;
	int ret;

	TEST_STEP("external memory of 8 units with 3 entries left: refused whole");
	va = budget_buf_alloc(8);
	TEST_ASSERT_NOT_NULL(va, "mmap");
	for (i = 0; i < 8; i++)
		iovas[i] = IOVA_C + 2 * i * budget_pg;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("budget_ext"), "heap create");
	b = budget_state_of(DEF);
	TEST_ASSERT_SUCCESS(budget_log_start(), "log capture");
	rte_errno = 0;
	ret = rte_malloc_heap_memory_add("budget_ext", va, 8 * budget_pg, iovas, 8, budget_pg);
	TEST_ASSERT(ret < 0 && rte_errno == ENOSPC, "memory_add: expected ENOSPC, got %d/%s",
		ret, rte_strerror(rte_errno));
	budget_log_stop();
	TEST_ASSERT_EQUAL(budget_lines_with(budget_log, "needs 8 DMA entries, the kernel has 3 left"), 1,
		"one budget line:\n%s", budget_log);
	a = budget_state_of(DEF);
	TEST_ASSERT(budget_state_same(&b, &a), "refused whole before any MAP_DMA");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy("budget_ext"), "heap destroy");
	munmap(va, 8 * budget_pg);
	return TEST_SUCCESS;
}

/* A heap growth of several pages needing more entries than left fails whole. */
static int
entries_heap(int cfd, uint8_t *buf)
{
	struct rte_vfio_container_stats st;
	size_t grow;
	void *p;

	TEST_STEP("heap growth in the default container with 3 entries left");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy the container");
	TEST_ASSERT(rte_vfio_get_group_fd(budget_group) >= 0, "bind to the default container: %s",
		rte_strerror(rte_errno));
	st = test_vfio_stats_of(DEF);
	if (st.dma_entries_avail == RTE_VFIO_DMA_AVAIL_UNKNOWN)
		TEST_SKIP_MISSING("the kernel does not report DMA_AVAIL");
	TEST_ASSERT(st.dma_entries_avail > 3, "room left: %" PRIu64, st.dma_entries_avail);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(DEF, (uintptr_t)buf,
		IOVA_A, (st.dma_entries_avail - 3) * budget_pg, budget_pg), "fill");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(DEF).dma_entries_avail, 3, "3 left");
	grow = budget_growth_size();
	if (budget_growth_refused(grow, ENOSPC, "DMA entries, the kernel has 3 left") !=
			TEST_SUCCESS)
		return TEST_FAILED;
	if (entries_extmem() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_STEP("with the entries back, the same allocation succeeds");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(DEF, (uintptr_t)buf,
		IOVA_A, (st.dma_entries_avail - 3) * budget_pg), "unmap the filler");
	p = rte_malloc(NULL, grow, budget_pg);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc: %s", rte_strerror(rte_errno));
	rte_free(p);
	return TEST_SUCCESS;
}

/* No DMA_AVAIL (model): unknown, not checked, never assumed 65535. */
static int
entries_unknown(uint8_t *buf)
{
	struct rte_vfio_container_stats st;
	int cfd;

	TEST_STEP("no DMA_AVAIL: unknown, the kernel decides");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(DEF, budget_group), "unbind");
	vfio_model_set_dma_avail_cap(false);
	vfio_model_set_dma_entry_limit(2);
	cfd = budget_container();
	if (cfd < 0)
		return TEST_FAILED;
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.dma_entries_avail, RTE_VFIO_DMA_AVAIL_UNKNOWN, "unknown");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_A, 3 * budget_pg, budget_pg), ENOSPC, "the kernel refuses the third page");
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.refused_entries, 0, "no pre-check refusal");
	TEST_ASSERT_EQUAL(st.refused_kernel, 1, "the kernel's refusal");
	TEST_ASSERT_EQUAL(st.map_calls, 3, "two maps, the third refused by the kernel");
	TEST_ASSERT_EQUAL(st.unmap_calls, 2, "rolled back");
	TEST_ASSERT_EQUAL(st.records, 0, "nothing stays");
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(cfd), 0, "nothing mapped");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	return TEST_SUCCESS;
}

static int
entries_phases(int cfd, uint8_t *buf, uint64_t avail)
{
	int ret;

	if (entries_user_maps(cfd, avail, buf) != TEST_SUCCESS ||
			entries_replay(cfd, avail, buf) != TEST_SUCCESS)
		return TEST_FAILED;
	ret = entries_heap(cfd, buf);
	if (ret == TEST_SUCCESS && !test_vfio_is_kernel())
		ret = entries_unknown(buf);
	return ret;
}

static int
test_vfio_budget_entries(void)
{
	struct rte_vfio_container_stats st;
	uint64_t avail;
	int cfd;

	START("--dynamic-mem");
	if (!test_vfio_is_kernel())
		vfio_model_set_dma_entry_limit(24);
	cfd = budget_container();
	if (cfd < 0)
		return TEST_FAILED;
	st = test_vfio_stats_of(cfd);
	avail = st.dma_entries_avail;
	if (avail == RTE_VFIO_DMA_AVAIL_UNKNOWN || avail > 4096 || avail < 8) {
		rte_eal_cleanup();
		if (avail == RTE_VFIO_DMA_AVAIL_UNKNOWN)
			TEST_SKIP_MISSING("needs DMA_AVAIL, which this kernel does not report");
		TEST_SKIP("needs a dma_entry_limit of 8 to 4096 (VM config dmalimit), have %" PRIu64,
			avail);
	}
	if (!test_vfio_is_kernel())
		TEST_ASSERT_EQUAL(avail, 24, "the model's limit");
	return budget_run(cfd, avail, avail + 8, entries_phases);
}

REGISTER_TEST_COMMAND(vfio_budget_entries_autotest, test_vfio_budget_entries);
