/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Budgets and counters of the VFIO component: the DMA entry budget
 * (GET_INFO DMA_AVAIL) and the locked-memory limit are checked for a whole
 * operation before its first kernel call; a refusal sets its own rte_errno,
 * logs one line with the numbers and the fixes, and changes nothing. The
 * per-container counters are exact after a known sequence.
 *
 * On the model the limits are its knobs. With DPDK_TEST_VFIO=kernel (the
 * VM) the same tests use the kernel's limits: vfio_budget_entries_autotest
 * needs a lowered dma_entry_limit (VM config "dmalimit"),
 * vfio_budget_memlock_autotest a low RLIMIT_MEMLOCK without CAP_IPC_LOCK
 * (VM config "memlock"); each skips, saying so, elsewhere. Model-only steps
 * (knobs, fault injection, the model's own call counts) are skipped there.
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

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
/* IOVAs valid on every IOMMU the tests meet (below the x86 MSI window) */
#define IOVA_A 0x40000000ULL
#define IOVA_B 0x80000000ULL
#define IOVA_C 0xc0000000ULL
#define MODEL_GROUP 60
#define ENTRY_LIMIT_PATH "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"

static uint64_t pg;
static int group_num;

/* ---- setup ---- */

/* EAL up and one IOMMU group to bind: TEST_SUCCESS, TEST_SKIPPED or TEST_FAILED. */
static int
start(const char *mem_mode)
{
	int ret;

	pg = test_page_size();
	ret = test_vfio_start(mem_mode);
	if (ret != TEST_SUCCESS)
		return ret;
	if (!test_vfio_is_kernel()) {
		if (test_vfio_model_group(MODEL_GROUP, "0000:00:0c.0") < 0) {
			rte_eal_cleanup();
			printf("FAIL vfio_model_add_group: %s\n", rte_strerror(rte_errno));
			return TEST_FAILED;
		}
		group_num = MODEL_GROUP;
		return TEST_SUCCESS;
	}
	group_num = test_vfio_pci_group(-1);
	if (group_num < 0) {
		rte_eal_cleanup();
		return test_missing(__func__, "no IOMMU group bound to vfio-pci");
	}
	return TEST_SUCCESS;
}

/* NULL for the default memory mode; "--dynamic-mem" for heap growth. */
#define START(mode) do { \
	int r_ = start(mode); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

static void *
buf_alloc(uint64_t pages)
{
	return test_anon_map(pages * pg, MAP_POPULATE);
}

static struct rte_vfio_container_stats
stats_of(int cfd)
{
	struct rte_vfio_container_stats st;

	memset(&st, 0xff, sizeof(st));
	if (rte_vfio_container_stats_get(cfd, &st) < 0)
		printf("  rte_vfio_container_stats_get(%d): %s\n", cfd,
			rte_strerror(rte_errno));
	return st;
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

static size_t
growth_size(void)
{
	size_t biggest = 0;

	rte_memseg_list_walk(biggest_free_cb, &biggest);
	return RTE_ALIGN_CEIL(biggest, pg) + 8 * pg;
}

/* The kernel fd of a container (the model's observations need it). */
static int
kfd_of(int cfd)
{
	return cfd == DEF ? rte_vfio_get_container_fd() : cfd;
}

/* ---- "nothing changed": records, mappings and kernel calls ---- */

struct state {
	struct rte_vfio_container_stats st;
	unsigned long model_maps;     /* MAP_DMA calls the model received */
	unsigned int model_mappings;  /* the model's kernel mappings */
	uint64_t model_locked;
	int cstate;
};

static struct state
state_of(int cfd)
{
	struct state s;

	memset(&s, 0, sizeof(s));
	s.st = stats_of(cfd);
	s.cstate = vfio_container_state_get(cfd);
	if (!test_vfio_is_kernel()) {
		s.model_maps = vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA);
		s.model_mappings = vfio_model_mapping_count(kfd_of(cfd));
		s.model_locked = vfio_model_locked_bytes();
	}
	return s;
}

static int
state_same(const struct state *a, const struct state *b)
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
static const char *log_buf = "";

static int
log_start(void)
{
	return test_log_capture();
}

static const char *
log_stop(void)
{
	log_buf = test_log_release();
	if (log_buf == NULL)
		log_buf = "";
	return log_buf;
}

/* Lines of buf holding w. */
static unsigned int
lines_with(const char *buf, const char *w)
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
static int
line_has_all(const char *buf, const char *const *words)
{
	const char *at = strstr(buf, words[0]), *bol, *eol;
	unsigned int i;

	if (at == NULL || lines_with(buf, words[0]) != 1) {
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

/*
 * A call refused before the kernel: -1, rte_errno err, exactly one log
 * line holding every word of `words` (NULL-ended, the first one unique to
 * that line), and no change in container cfd.
 */
#define ASSERT_REFUSED_UP_FRONT(cfd, call, err, ...) do { \
	const char *const w_[] = { __VA_ARGS__, NULL }; \
	struct state b_ = state_of(cfd), a_; \
	const char *log_; \
	int rv_, e_; \
	TEST_ASSERT_SUCCESS(log_start(), "log capture"); \
	rte_errno = 0; \
	rv_ = (call); \
	e_ = rte_errno; \
	log_ = log_stop(); \
	a_ = state_of(cfd); \
	TEST_ASSERT(rv_ == -1 && e_ == (err), "%s: expected -1/%s, got %d/%s", \
		#call, strerror(err), rv_, strerror(e_)); \
	TEST_ASSERT(test_count_lines(log_) == 1 && line_has_all(log_, w_), \
		"%s: one log line with the numbers and the fix, got:\n%s", #call, log_); \
	TEST_ASSERT(state_same(&b_, &a_), "%s: refused before any kernel call, nothing changed", #call); \
} while (0)

/* ---- vfio_budget_entries_autotest ---- */

static int
entries_user_maps(int cfd, uint64_t avail, uint8_t *buf)
{
	struct rte_vfio_container_stats st;
	char need[64], have[64];
	uint64_t fill = avail - 2;

	TEST_STEP("use all but 2 of the %" PRIu64 " DMA entries with one paged map", avail);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_A, fill * pg, pg), "paged map of %" PRIu64 " pages", fill);
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.dma_entries, fill, "one entry per page");
	TEST_ASSERT_EQUAL(st.dma_entries_avail, 2, "2 left");

	TEST_STEP("a paged map needing 3 is refused whole, before its first call");
	snprintf(need, sizeof(need), "needs 3 DMA entries");
	snprintf(have, sizeof(have), "has 2 left");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map_paged(cfd,
		(uintptr_t)buf, IOVA_B, 3 * pg, pg), ENOSPC,
		need, have, "dma_entry_limit", ENTRY_LIMIT_PATH, "1 GiB", "2 MiB");
	TEST_ASSERT_EQUAL(stats_of(cfd).refused_entries, 1, "counted as an entry refusal");
	if (!test_vfio_is_kernel())
		TEST_ASSERT(!vfio_model_is_mapped(cfd, IOVA_B, pg), "first page not mapped");

	TEST_STEP("exactly the entries left: accepted");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_B, 2 * pg, pg), "paged map of the last 2 entries");
	TEST_ASSERT_EQUAL(stats_of(cfd).dma_entries_avail, 0, "none left");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd,
		(uintptr_t)buf, IOVA_C, pg), ENOSPC,
		"needs 1 DMA entries", "has 0 left", "dma_entry_limit");

	TEST_STEP("an unmap gives entries back");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_B, 2 * pg), "unmap 2 pages");
	TEST_ASSERT_EQUAL(stats_of(cfd).dma_entries_avail, 2, "2 left again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_C, 2 * pg), "one unit of 2 pages costs 1 entry");
	TEST_ASSERT_EQUAL(stats_of(cfd).dma_entries_avail, 1, "1 left");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_C, 2 * pg), "unmap the unit");
	return TEST_SUCCESS;
}

/* Records kept while no group is bound exceed the budget: the bind is refused. */
static int
entries_replay(int cfd, uint64_t avail, uint8_t *buf)
{
	char need[64], have[64];
	struct state b, a;
	uint64_t recs;
	int ret;

	TEST_STEP("unbind: the kernel drops its mappings, the records stay");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, group_num), "unbind");
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_NO_GROUP, "no group");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_B, 3 * pg, pg), "3 more pages recorded, not issued");
	recs = stats_of(cfd).records;
	TEST_ASSERT_EQUAL(recs, avail - 2 + 3, "records");

	TEST_STEP("bind again: the replay needs %" PRIu64 " entries of %" PRIu64 ": refused before any map",
		recs, avail);
	b = state_of(cfd);
	TEST_ASSERT_SUCCESS(log_start(), "log capture");
	rte_errno = 0;
	ret = rte_vfio_container_group_bind(cfd, group_num);
	TEST_ASSERT(ret < 0 && rte_errno == ENOSPC, "bind: expected ENOSPC, got %d/%s",
		ret, rte_strerror(rte_errno));
	log_stop();
	snprintf(need, sizeof(need), "needs %" PRIu64 " DMA entries", recs);
	snprintf(have, sizeof(have), "has %" PRIu64 " left", avail);
	TEST_ASSERT(line_has_all(log_buf, (const char *const[]){ need, have,
		"replay", ENTRY_LIMIT_PATH, NULL }), "the replay's refusal line");
	a = state_of(cfd);
	TEST_ASSERT_EQUAL(a.st.map_calls, b.st.map_calls, "no MAP_DMA issued");
	TEST_ASSERT_EQUAL(a.model_maps, b.model_maps, "no MAP_DMA reached the model");
	TEST_ASSERT_EQUAL(a.st.records, recs, "records kept");
	TEST_ASSERT_EQUAL(a.cstate, VFIO_CONT_NO_GROUP, "back to no group");

	TEST_STEP("within budget again: the bind replays every record");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_B, 3 * pg), "drop the 3 pages");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, group_num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(stats_of(cfd).dma_entries, avail - 2, "replayed");
	TEST_ASSERT_EQUAL(stats_of(cfd).dma_entries_avail, 2, "2 left");
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
	struct state b, a;
	unsigned int i;
	void *va;
	int ret;

	TEST_STEP("external memory of 8 units with 3 entries left: refused whole");
	va = buf_alloc(8);
	TEST_ASSERT_NOT_NULL(va, "mmap");
	for (i = 0; i < 8; i++)
		iovas[i] = IOVA_C + 2 * i * pg;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("budget_ext"), "heap create");
	b = state_of(DEF);
	TEST_ASSERT_SUCCESS(log_start(), "log capture");
	rte_errno = 0;
	ret = rte_malloc_heap_memory_add("budget_ext", va, 8 * pg, iovas, 8, pg);
	TEST_ASSERT(ret < 0 && rte_errno == ENOSPC, "memory_add: expected ENOSPC, got %d/%s",
		ret, rte_strerror(rte_errno));
	log_stop();
	TEST_ASSERT_EQUAL(lines_with(log_buf, "needs 8 DMA entries, the kernel has 3 left"), 1,
		"one budget line:\n%s", log_buf);
	a = state_of(DEF);
	TEST_ASSERT(state_same(&b, &a), "refused whole before any MAP_DMA");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy("budget_ext"), "heap destroy");
	munmap(va, 8 * pg);
	return TEST_SUCCESS;
}

/* A heap growth of several pages needing more entries than left fails whole. */
static int
entries_heap(int cfd, uint8_t *buf)
{
	struct rte_vfio_container_stats st;
	struct state b, a;
	size_t grow;
	void *p;

	TEST_STEP("heap growth in the default container with 3 entries left");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy the container");
	TEST_ASSERT(rte_vfio_get_group_fd(group_num) >= 0, "bind to the default container: %s",
		rte_strerror(rte_errno));
	st = stats_of(DEF);
	if (st.dma_entries_avail == RTE_VFIO_DMA_AVAIL_UNKNOWN)
		TEST_SKIP_MISSING("the kernel does not report DMA_AVAIL");
	TEST_ASSERT(st.dma_entries_avail > 3, "room left: %" PRIu64, st.dma_entries_avail);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(DEF, (uintptr_t)buf,
		IOVA_A, (st.dma_entries_avail - 3) * pg, pg), "fill");
	TEST_ASSERT_EQUAL(stats_of(DEF).dma_entries_avail, 3, "3 left");
	b = state_of(DEF);
	grow = growth_size();
	TEST_ASSERT_SUCCESS(log_start(), "log capture");
	p = rte_malloc(NULL, grow, pg);
	TEST_ASSERT_NULL(p, "rte_malloc of %zu bytes must fail", grow);
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "the allocation fails with the budget's errno");
	log_stop();
	TEST_ASSERT_EQUAL(lines_with(log_buf, "DMA entries, the kernel has 3 left"), 1,
		"one budget line:\n%s", log_buf);
	a = state_of(DEF);
	TEST_ASSERT(state_same(&b, &a), "refused whole before any MAP_DMA");
	if (entries_extmem() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_STEP("with the entries back, the same allocation succeeds");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(DEF, (uintptr_t)buf,
		IOVA_A, (st.dma_entries_avail - 3) * pg), "unmap the filler");
	p = rte_malloc(NULL, grow, pg);
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
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(DEF, group_num), "unbind");
	vfio_model_set_dma_avail_cap(false);
	vfio_model_set_dma_entry_limit(2);
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container_create");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, group_num) >= 0, "bind");
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.dma_entries_avail, RTE_VFIO_DMA_AVAIL_UNKNOWN, "unknown");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_A, 3 * pg, pg), ENOSPC, "the kernel refuses the third page");
	st = stats_of(cfd);
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
test_vfio_budget_entries(void)
{
	struct rte_vfio_container_stats st;
	uint64_t avail;
	uint8_t *buf = NULL;
	int cfd, ret = TEST_FAILED;

	START("--dynamic-mem");
	if (!test_vfio_is_kernel())
		vfio_model_set_dma_entry_limit(24);
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container_create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, group_num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	st = stats_of(cfd);
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
	buf = buf_alloc(avail + 8);
	TEST_ASSERT_NOT_NULL(buf, "mmap");
	if (entries_user_maps(cfd, avail, buf) != TEST_SUCCESS ||
			entries_replay(cfd, avail, buf) != TEST_SUCCESS)
		goto out;
	ret = entries_heap(cfd, buf);
	if (ret == TEST_SUCCESS && !test_vfio_is_kernel())
		ret = entries_unknown(buf);
out:
	munmap(buf, (avail + 8) * pg);
	rte_eal_cleanup();
	return ret;
}

/* ---- vfio_budget_memlock_autotest ---- */

struct lim {
	uint64_t limit, locked;
	bool unlimited;
};

static int
lim_get(struct lim *l)
{
	const struct vfio_backend *be = vfio_backend();

	if (be->memlock == NULL)
		return -1;
	return be->memlock(&l->limit, &l->locked, &l->unlimited);
}

/* Pages that can still be pinned. */
static uint64_t
pages_left(void)
{
	struct lim l;

	if (lim_get(&l) < 0 || l.unlimited)
		return UINT64_MAX;
	return l.limit / pg > l.locked / pg ? l.limit / pg - l.locked / pg : 0;
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
	uint64_t lo, hi, refused0 = stats_of(cfd).refused_memlock;
	int ret, err;

	if (!find_vvar(&lo, &hi) || ((lo | hi) & (pg - 1)) != 0) {
		TEST_STEP("(no page-aligned [vvar] mapping: PFNMAP step skipped)");
		return TEST_SUCCESS;
	}
	TEST_STEP("PFNMAP memory ([vvar]) is not charged to the limit");
	rte_errno = 0;
	ret = rte_vfio_container_dma_map(cfd, lo, IOVA_C, hi - lo);
	err = rte_errno;
	TEST_ASSERT(ret < 0 && err != ENOMEM, "read-only PFNMAP: refused by the kernel, not for the limit (%d/%s)",
		ret, rte_strerror(err));
	TEST_ASSERT_EQUAL(stats_of(cfd).refused_memlock, refused0, "no locked-memory refusal");
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
		(left + 1) * pg, left * pg);
	snprintf(lim, sizeof(lim), "RLIMIT_MEMLOCK %" PRIu64 " bytes", l.limit);
	snprintf(locked, sizeof(locked), "%" PRIu64 " already locked", l.locked);
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_A, (left + 1) * pg), ENOMEM, need, lim, locked, "ulimit -l",
		"LimitMEMLOCK=", "memlock=-1", "CAP_IPC_LOCK");
	TEST_ASSERT_EQUAL(stats_of(cfd).refused_memlock, 1, "counted");

	TEST_STEP("the paged variant is refused whole, before its first page");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map_paged(cfd,
		(uintptr_t)buf, IOVA_A, (left + 1) * pg, pg), ENOMEM, need, lim);

	TEST_STEP("exactly what is left: accepted (type1 refuses only above the limit)");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		left * pg), "map %" PRIu64 " pages", left);
	TEST_ASSERT_EQUAL(pages_left(), 0, "the limit is reached");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_B, pg), ENOMEM, "needs", "0 are left", "ulimit -l");
	if (memlock_pfnmap(cfd) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_A,
		left * pg), "unmap");
	TEST_ASSERT_EQUAL(pages_left(), left, "unpinned");

	TEST_STEP("the same pages mapped twice are charged twice");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		(left / 2 + 1) * pg), "first mapping");
	ASSERT_REFUSED_UP_FRONT(cfd, rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_B, (left / 2 + 1) * pg), ENOMEM, "needs", "ulimit -l");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_A,
		(left / 2 + 1) * pg), "unmap");
	return TEST_SUCCESS;
}

static int
memlock_replay(int cfd, uint8_t *buf, uint64_t left)
{
	struct state b, a;
	int ret;

	TEST_STEP("records over the limit, kept while no group: the bind is refused");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, group_num), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		(left + 1) * pg), "recorded while no group");
	b = state_of(cfd);
	TEST_ASSERT_SUCCESS(log_start(), "log capture");
	rte_errno = 0;
	ret = rte_vfio_container_group_bind(cfd, group_num);
	TEST_ASSERT(ret < 0 && rte_errno == ENOMEM, "bind: expected ENOMEM, got %d/%s",
		ret, rte_strerror(rte_errno));
	log_stop();
	TEST_ASSERT(line_has_all(log_buf, (const char *const[]){
		"replay of the recorded mappings needs", "ulimit -l", NULL }),
		"the replay's refusal line");
	a = state_of(cfd);
	TEST_ASSERT_EQUAL(a.st.map_calls, b.st.map_calls, "no MAP_DMA issued");
	TEST_ASSERT_EQUAL(a.model_maps, b.model_maps, "no MAP_DMA reached the model");
	TEST_ASSERT_EQUAL(a.st.records, 1, "the record is kept");
	TEST_ASSERT_EQUAL(pages_left(), left, "nothing pinned");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_A,
		(left + 1) * pg), "drop it");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, group_num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

static int
memlock_heap(int cfd, uint8_t *buf)
{
	struct state b, a;
	uint64_t fill;
	size_t grow;
	void *p;

	TEST_STEP("heap growth with 3 pages left under the limit: refused whole");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT(rte_vfio_get_group_fd(group_num) >= 0, "bind to the default container: %s",
		rte_strerror(rte_errno));
	fill = pages_left();
	TEST_ASSERT(fill > 3 && fill != UINT64_MAX, "room left: %" PRIu64, fill);
	fill -= 3;
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(DEF, (uintptr_t)buf, IOVA_A,
		fill * pg), "fill");
	TEST_ASSERT_EQUAL(pages_left(), 3, "3 pages left");
	b = state_of(DEF);
	grow = growth_size();
	TEST_ASSERT_SUCCESS(log_start(), "log capture");
	p = rte_malloc(NULL, grow, pg);
	TEST_ASSERT_NULL(p, "rte_malloc of %zu bytes must fail", grow);
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "the allocation fails with ENOMEM");
	log_stop();
	TEST_ASSERT_EQUAL(lines_with(log_buf, "left under the locked-memory limit"), 1,
		"one budget line:\n%s", log_buf);
	a = state_of(DEF);
	TEST_ASSERT(state_same(&b, &a), "refused whole before any MAP_DMA");
	TEST_ASSERT_EQUAL(pages_left(), 3, "nothing pinned");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(DEF, (uintptr_t)buf, IOVA_A,
		fill * pg), "unmap the filler");
	p = rte_malloc(NULL, grow, pg);
	TEST_ASSERT_NOT_NULL(p, "with room again: %s", rte_strerror(rte_errno));
	rte_free(p);
	return TEST_SUCCESS;
}

/* Model: CAP_IPC_LOCK lifts the limit (pages still counted), as in type1. */
static int
memlock_cap(uint8_t *buf, uint64_t left)
{
	uint64_t locked0 = vfio_model_locked_bytes();
	uint64_t refused0 = stats_of(DEF).refused_memlock;

	TEST_STEP("CAP_IPC_LOCK: no limit");
	vfio_model_set_cap_ipc_lock(true);
	TEST_ASSERT_EQUAL(pages_left(), UINT64_MAX, "unlimited");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(DEF, (uintptr_t)buf, IOVA_B,
		(left + 8) * pg), "map over the limit");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes() - locked0, (left + 8) * pg,
		"still counted");
	TEST_ASSERT_EQUAL(stats_of(DEF).refused_memlock, refused0, "no refusal");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(DEF, (uintptr_t)buf, IOVA_B,
		(left + 8) * pg), "unmap");
	return TEST_SUCCESS;
}

static int
test_vfio_budget_memlock(void)
{
	uint8_t *buf = NULL;
	uint64_t left, pages = 0;
	int cfd, ret = TEST_FAILED;

	START("--dynamic-mem");
	if (!test_vfio_is_kernel()) {
		/* 32 pages, 0 locked yet; the heap is not mapped (no group) */
		vfio_model_set_cap_ipc_lock(false);
		vfio_model_set_memlock_limit(32 * pg);
	}
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container_create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, group_num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
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
	pages = left + 16;
	buf = buf_alloc(pages);
	TEST_ASSERT_NOT_NULL(buf, "mmap");
	if (memlock_user_maps(cfd, buf, left) != TEST_SUCCESS ||
			memlock_replay(cfd, buf, left) != TEST_SUCCESS ||
			memlock_heap(cfd, buf) != TEST_SUCCESS)
		goto out;
	ret = test_vfio_is_kernel() ? TEST_SUCCESS : memlock_cap(buf, left);
out:
	munmap(buf, pages * pg);
	rte_eal_cleanup();
	return ret;
}

/* ---- vfio_stats_autotest ---- */

static int
stats_bad_input(int cfd)
{
	struct rte_vfio_container_stats st;
	struct state b, a;

	TEST_STEP("bad input");
	b = state_of(cfd);
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_get(cfd, NULL), EINVAL, "NULL stats");
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_get(12345, &st), EINVAL, "not a container");
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_reset(12345), EINVAL, "not a container");
	a = state_of(cfd);
	TEST_ASSERT(state_same(&b, &a), "nothing changed");
	return TEST_SUCCESS;
}

static int
test_vfio_stats(void)
{
	struct rte_vfio_container_stats st, st0;
	uint64_t other0, maps_model0;
	uint8_t *buf;
	int cfd;

	START(NULL);
	buf = buf_alloc(8);
	TEST_ASSERT_NOT_NULL(buf, "mmap");

	TEST_STEP("a new container");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container_create: %s", rte_strerror(rte_errno));
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls + st.unmap_calls + st.records + st.dma_entries +
		st.bytes_mapped + st.map_ns + st.unmap_ns, 0, "all zero");
	TEST_ASSERT_EQUAL(st.refused_entries + st.refused_memlock + st.refused_checks +
		st.refused_kernel + st.size_mismatches, 0, "no refusal");
	/* GET_API_VERSION and CHECK_EXTENSION for v2, v1, UNMAP_ALL, no-IOMMU */
	TEST_ASSERT_EQUAL(st.other_calls, 5, "the open's calls");
	TEST_ASSERT_EQUAL(st.dma_entries_avail, RTE_VFIO_DMA_AVAIL_UNKNOWN, "no IOMMU yet");

	TEST_STEP("a map before any group: recorded, no kernel call");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A,
		2 * pg), "map");
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.records, 1, "one record");
	TEST_ASSERT_EQUAL(st.dma_entries, 0, "no DMA entry");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 0, "nothing mapped");
	TEST_ASSERT_EQUAL(st.map_calls, 0, "no MAP_DMA");
	other0 = st.other_calls;

	TEST_STEP("bind: SET_IOMMU, GET_INFO, replay of the record");
	maps_model0 = test_vfio_is_kernel() ? 0 : vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA);
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, group_num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls, 1, "the replay's MAP_DMA");
	TEST_ASSERT_EQUAL(st.dma_entries, 1, "one entry");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 2 * pg, "bytes");
	TEST_ASSERT(st.map_ns > 0, "time in MAP_DMA measured");
	/* two CHECK_EXTENSION, SET_IOMMU, GET_INFO (twice when argsz grows) */
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
		IOVA_B, 4 * pg, pg), "paged map");
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls, 5, "4 more MAP_DMA");
	TEST_ASSERT_EQUAL(st.records, 5, "records");
	TEST_ASSERT_EQUAL(st.dma_entries, 5, "entries");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 6 * pg, "bytes");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_B, 4 * pg), "unmap");
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.unmap_calls, 1, "adjacent records in one UNMAP_DMA");
	TEST_ASSERT(st.unmap_ns > 0, "time in UNMAP_DMA measured");
	TEST_ASSERT_EQUAL(st.records, 1, "records");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 2 * pg, "bytes");

	TEST_STEP("refusals by cause");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_A, pg),
		EEXIST, "overlap");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_C, pg),
		ENOENT, "nothing there");
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.refused_checks, 2, "two refused by the checks");
	TEST_ASSERT_EQUAL(st.map_calls, 5, "no kernel call for them");
	TEST_ASSERT_EQUAL(st.unmap_calls, 1, "no kernel call for them");
	if (!test_vfio_is_kernel()) {
		vfio_model_fail_nth(VFIO_IOMMU_MAP_DMA, 1, EFAULT);
		TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
			IOVA_C, pg), EFAULT, "injected kernel refusal");
		vfio_model_fail_nth(0, 0, 0);
		st = stats_of(cfd);
		TEST_ASSERT_EQUAL(st.refused_kernel, 1, "refused by the kernel");
		TEST_ASSERT_EQUAL(st.map_calls, 6, "the refused call was issued");
		TEST_ASSERT_EQUAL(st.records, 1, "nothing recorded");
	}
	TEST_ASSERT_EQUAL(st.refused_entries + st.refused_memlock, 0, "no budget refusal");

	TEST_STEP("the default container has its own counters");
	st0 = stats_of(DEF);
	TEST_ASSERT_EQUAL(st0.map_calls, 0, "default container untouched");
	TEST_ASSERT(st0.other_calls >= 5, "its open's calls");

	TEST_STEP("reset: counters restart, the state stays");
	TEST_ASSERT_SUCCESS(rte_vfio_container_stats_reset(cfd), "reset");
	st = stats_of(cfd);
	TEST_ASSERT_EQUAL(st.map_calls + st.unmap_calls + st.other_calls + st.map_ns +
		st.unmap_ns + st.refused_checks + st.refused_kernel, 0, "counters zero");
	TEST_ASSERT_EQUAL(st.records, 1, "records stay");
	TEST_ASSERT_EQUAL(st.dma_entries, 1, "entries stay");
	TEST_ASSERT_EQUAL(st.bytes_mapped, 2 * pg, "bytes stay");
	TEST_ASSERT_EQUAL(stats_of(DEF).other_calls, st0.other_calls, "other container kept");
	if (stats_bad_input(cfd) != TEST_SUCCESS)
		return TEST_FAILED;

	TEST_STEP("destroy: UNMAP_ALL");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_ERRNO(rte_vfio_container_stats_get(cfd, &st), EINVAL, "gone");
	munmap(buf, 8 * pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_budget_entries_autotest, test_vfio_budget_entries);
REGISTER_TEST_COMMAND(vfio_budget_memlock_autotest, test_vfio_budget_memlock);
REGISTER_TEST_COMMAND(vfio_stats_autotest, test_vfio_stats);
