/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_limits_autotest: the limits of the IOMMU and of the kernel are met
 * by the project's own checks, before any kernel call, each with its own
 * rte_errno and one clear log line, and nothing changes:
 *
 * - DMA entries exhausted: ENOSPC (vfio_iommu_type1.dma_entry_limit);
 * - locked-memory limit reached: ENOMEM (RLIMIT_MEMLOCK without
 *   CAP_IPC_LOCK);
 * - IOVA outside the valid ranges: ERANGE, above the aperture and inside
 *   the x86 MSI window 0xfee00000-0xfeefffff;
 * - IOVA = VA memory above a 39-bit aperture (VT-d aw-bits=39): ERANGE
 *   naming the range, not the kernel's raw EINVAL;
 * - misalignment: EINVAL.
 *
 * On the model the knobs make the limits; on the kernel (the VM's
 * dmalimit, memlock and aw39 configurations) the machine's real limits
 * are used, and a sub-case whose limit is not low enough to reach quickly
 * is skipped with the reason. Each sub-case is a case of its own (passed,
 * failed or skipped); all of them skipped is a SKIP. The device's IOMMU group is bound to a
 * container of the test's own, so no heap memory is involved.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "dma_proof.h"

#define DMA_LIMIT_PATH "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"
/* the most DMA entries a sub-case spends to reach the limit */
#define MAX_ENTRIES_TO_EXHAUST 4096
/* the most memory a sub-case maps to reach the locked-memory limit */
#define MAX_MEMLOCK_TO_REACH (64ULL << 20)
#define MODEL_DMA_LIMIT 40
#define MODEL_MEMLOCK_PAGES 64
#define MODEL_AW39_GROUP 63
#define MODEL_AW39_DEV "0000:00:09.0"
#define CAP_IPC_LOCK_BIT 14

static size_t pg;
static int cfd = -1;
static int grp = -1;

/* ---- the state a refusal must not change ---- */

struct state {
	struct vfio_container_stats st;
	unsigned long model_map_ioctls;
};

static int
state_get(int fd, struct state *s)
{
	memset(s, 0, sizeof(*s));
	if (!test_vfio_is_kernel())
		s->model_map_ioctls = vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA);
	return vfio_container_stats_get(fd, &s->st);
}

#define EXPECT_UNCHANGED(fd, before, step) do { \
	struct state now_; \
	TEST_ASSERT_SUCCESS(state_get(fd, &now_), "read the counters"); \
	TEST_ASSERT_EQUAL(now_.st.map_calls, (before).st.map_calls, \
		"%s: no MAP_DMA call (refused before the kernel)", step); \
	TEST_ASSERT_EQUAL(now_.model_map_ioctls, (before).model_map_ioctls, \
		"%s: the model saw no MAP_DMA ioctl", step); \
	TEST_ASSERT_EQUAL(now_.st.records, (before).st.records, \
		"%s: records unchanged", step); \
	TEST_ASSERT_EQUAL(now_.st.dma_entries, (before).st.dma_entries, \
		"%s: DMA entries unchanged", step); \
	TEST_ASSERT_EQUAL(now_.st.bytes_mapped, (before).st.bytes_mapped, \
		"%s: bytes mapped unchanged", step); \
} while (0)

/* ---- the log line of a refusal ---- */

/* Stop capturing; echo what was logged; return it (or "" when unknown). */
static const char *
log_release(void)
{
	const char *l = test_log_release();

	if (l == NULL)
		return "";
	fputs(l, stdout);
	return l;
}

/*
 * Run a map call that must be refused before the kernel: its rte_errno,
 * one log line holding `word`, nothing changed.
 */
#define EXPECT_REFUSED(call, err, word, step) do { \
	struct state b_; \
	const char *l_; \
	int ret_, err_; \
	TEST_ASSERT_SUCCESS(state_get(cfd, &b_), "read the counters"); \
	test_log_capture(); \
	rte_errno = 0; \
	ret_ = (call); \
	err_ = rte_errno; \
	l_ = log_release(); \
	TEST_ASSERT(ret_ == -1 && err_ == (err), "%s: expected -1 with rte_errno %s, got %d with %d (%s)", \
		step, strerror(err), ret_, err_, rte_strerror(err_)); \
	TEST_ASSERT_EQUAL(test_count_lines(l_), 1, "%s: one log line", step); \
	TEST_ASSERT(strstr(l_, (word)) != NULL, "%s: the line names '%s'", \
		step, (word)); \
	EXPECT_UNCHANGED(cfd, b_, step); \
} while (0)

/* The last valid IOVA and whether the MSI window is a hole in the ranges. */
static int
aperture(uint64_t *last, bool *msi_hole)
{
	struct vfio_container *c;
	unsigned int i;

	vfio_lock();
	c = vfio_container_get_locked(cfd);
	if (c == NULL || c->n_ranges == 0) {
		vfio_unlock();
		return -1;
	}
	*last = c->ranges[c->n_ranges - 1].end;
	*msi_hole = true;
	for (i = 0; i < c->n_ranges; i++)
		if (c->ranges[i].start <= VFIO_X86_MSI_START &&
				c->ranges[i].end >= VFIO_X86_MSI_START)
			*msi_hole = false;
	vfio_unlock();
	return 0;
}

/* ---- the sub-cases ---- */

static int
misalignment(void)
{
	uint8_t *b = test_anon_map(4 * pg, 0);
	uint64_t va = (uintptr_t)b;

	TEST_STEP("misaligned vaddr, IOVA, length, page size: EINVAL before the kernel");
	TEST_ASSERT_NOT_NULL(b, "buffer");
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va + pg / 2, va, pg),
		EINVAL, "align", "vaddr off by half a page");
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va, va + 64, pg),
		EINVAL, "align", "IOVA off by 64 bytes");
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va, va, pg + 1),
		EINVAL, "align", "length one byte past a page");
	EXPECT_REFUSED(rte_vfio_container_dma_map_paged(cfd, va, va, 4 * pg, 3 * pg),
		EINVAL, "power of two", "paged map with a page size of 3 pages");
	munmap(b, 4 * pg);
	return TEST_SUCCESS;
}

/* A sub-case this machine's limits do not reach: a skipped case. */
#define CASE_SKIP(fmt, ...) do { \
	printf("    (skipped: " fmt ")\n", ##__VA_ARGS__); \
	return TEST_SKIPPED; \
} while (0)

static int
msi_window(void)
{
	uint8_t *b;
	uint64_t va, last;
	bool msi_hole;

	TEST_STEP("IOVA in the x86 MSI window: ERANGE naming the window");
	TEST_ASSERT_SUCCESS(aperture(&last, &msi_hole), "the container's IOVA ranges");
	printf("    valid IOVA ranges end at 0x%" PRIx64 ", MSI window %s\n", last,
		msi_hole ? "reserved" : "not reserved");
	if (!msi_hole)
		CASE_SKIP("this IOMMU reserves no MSI window");
	b = test_anon_map(2 * pg, 0);
	TEST_ASSERT_NOT_NULL(b, "buffer");
	va = (uintptr_t)b;
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va, VFIO_X86_MSI_START, pg),
		ERANGE, "MSI", "IOVA 0xfee00000");
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va,
		VFIO_X86_MSI_START - pg, 2 * pg),
		ERANGE, "MSI", "a range running into the MSI window");
	EXPECT_REFUSED(rte_vfio_container_dma_map_paged(cfd, va,
		VFIO_X86_MSI_END + 1 - pg, 2 * pg, pg),
		ERANGE, "MSI", "a paged map running out of the MSI window");
	munmap(b, 2 * pg);
	return TEST_SUCCESS;
}

static int
aperture_end(void)
{
	uint64_t va, last, above;
	char word[32];
	bool msi_hole;
	uint8_t *b;

	TEST_STEP("IOVA above the aperture: ERANGE naming the last valid address");
	TEST_ASSERT_SUCCESS(aperture(&last, &msi_hole), "the container's IOVA ranges");
	if (last >= UINT64_MAX - 2 * pg)
		CASE_SKIP("the aperture covers all 64 bits");
	b = test_anon_map(2 * pg, 0);
	TEST_ASSERT_NOT_NULL(b, "buffer");
	va = (uintptr_t)b;
	above = RTE_ALIGN_CEIL(last + 1, (uint64_t)pg);
	snprintf(word, sizeof(word), "%" PRIx64, last);
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va, above, pg),
		ERANGE, word, "IOVA right above the aperture");
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va, above - pg, 2 * pg),
		ERANGE, word, "a range crossing the aperture's end");
	munmap(b, 2 * pg);
	return TEST_SUCCESS;
}

/*
 * Memory at IOVA = VA above the aperture: what happens under VT-d
 * aw-bits=39 to every user-space VA (0x7f...). The component must say
 * ERANGE with the range, where the kernel would say EINVAL.
 */
static int
refuse_va_as_iova(uint64_t va, const char *word)
{
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, va, va, pg),
		ERANGE, word, "IOVA = VA above the aperture");
	return TEST_SUCCESS;
}

static int
va_above_aperture(int fd, uint64_t last)
{
	/* high, where mmap() places it (not test_anon_map(): that is low) */
	uint8_t *b = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char word[32];
	int saved = cfd, ret;

	TEST_ASSERT(b != MAP_FAILED, "buffer");
	snprintf(word, sizeof(word), "%" PRIx64, last);
	printf("    buffer VA %p as its IOVA, aperture ends at 0x%" PRIx64 "\n",
		(void *)b, last);
	cfd = fd;
	ret = refuse_va_as_iova((uintptr_t)b, word);
	cfd = saved;
	munmap(b, pg);
	return ret;
}

static int
aw39(void)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = MODEL_AW39_GROUP,
		.devices = { MODEL_AW39_DEV, NULL },
		.aperture_bits = 39,
		.msi_window = true,
	};
	uint64_t last;
	bool msi_hole;
	int fd, ret;

	TEST_STEP("IOVA = VA memory above the aperture (aw-bits=39): ERANGE naming the range, not EINVAL");
	TEST_ASSERT_SUCCESS(aperture(&last, &msi_hole), "the container's IOVA ranges");
	if (test_vfio_is_kernel()) {
		if (last >= (uint64_t)(uintptr_t)&last)
			CASE_SKIP("the aperture (to 0x%" PRIx64 ") covers this process's VAs; the aw39 VM configuration makes it narrower",
				last);
		return va_above_aperture(cfd, last);
	}
	/* the model: a second IOMMU group whose aperture is 39 bits wide */
	TEST_ASSERT_SUCCESS(vfio_model_add_group(&cfg), "model group with a 39-bit aperture");
	fd = rte_vfio_container_create();
	TEST_ASSERT(fd >= 0, "container: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_vfio_container_group_bind(fd, MODEL_AW39_GROUP) >= 0,
		"bind the 39-bit group: %s", rte_strerror(rte_errno));
	ret = va_above_aperture(fd, (1ULL << 39) - 1);
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(fd, MODEL_AW39_GROUP), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(fd), "destroy");
	return ret;
}

static int
dma_entries(void)
{
	struct vfio_container_stats st;
	long limit;
	uint64_t left;
	uint8_t *b;
	size_t len;

	TEST_STEP("DMA entries exhausted: ENOSPC before the kernel, naming dma_entry_limit");
	TEST_ASSERT_SUCCESS(vfio_container_stats_get(cfd, &st), "counters");
	limit = test_vfio_is_kernel() ? test_read_long(DMA_LIMIT_PATH) : MODEL_DMA_LIMIT;
	if (limit < 0 || limit > MAX_ENTRIES_TO_EXHAUST)
		CASE_SKIP("dma_entry_limit is %ld, more than %d entries to spend; the dmalimit VM configuration sets 150",
			limit, MAX_ENTRIES_TO_EXHAUST);
	left = (uint64_t)limit - st.dma_entries;
	len = (size_t)(left + 1) * pg;
	b = test_anon_map(len, 0);
	TEST_ASSERT_NOT_NULL(b, "buffer of %" PRIu64 " pages", left + 1);
	printf("    %" PRIu64 " DMA entries left of %ld\n", left, limit);
	EXPECT_REFUSED(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)b, (uintptr_t)b,
		len, pg), ENOSPC, "dma_entry_limit",
		"a paged map needing one entry more than are left");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)b,
		(uintptr_t)b, len - pg, pg), "a paged map using every entry left");
	TEST_ASSERT_SUCCESS(vfio_container_stats_get(cfd, &st), "counters");
	TEST_ASSERT_EQUAL(st.dma_entries, (uint64_t)limit, "every entry in use");
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, (uintptr_t)b + len - pg,
		(uintptr_t)b + len - pg, pg), ENOSPC, "dma_entry_limit",
		"one more map when none is left");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)b,
		(uintptr_t)b, len - pg), "unmap them all");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)b + len - pg,
		(uintptr_t)b + len - pg, pg), "a map once entries are free again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)b + len - pg,
		(uintptr_t)b + len - pg, pg), "unmap it");
	munmap(b, len);
	return TEST_SUCCESS;
}

static bool
has_cap_ipc_lock(void)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return true;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> CAP_IPC_LOCK_BIT) & 1;
}

static int
memlock(void)
{
	struct rlimit rl;
	uint64_t limit;
	uint8_t *b;
	size_t len;

	TEST_STEP("locked-memory limit reached: ENOMEM before the kernel, naming RLIMIT_MEMLOCK");
	if (test_vfio_is_kernel()) {
		if (has_cap_ipc_lock() || getrlimit(RLIMIT_MEMLOCK, &rl) < 0 ||
				rl.rlim_cur == RLIM_INFINITY ||
				rl.rlim_cur > MAX_MEMLOCK_TO_REACH)
			CASE_SKIP("no locked-memory limit below %llu MiB without CAP_IPC_LOCK here; the memlock VM configuration sets 1 MiB",
				MAX_MEMLOCK_TO_REACH >> 20);
		limit = rl.rlim_cur;
	} else {
		limit = (uint64_t)MODEL_MEMLOCK_PAGES * pg;
	}
	len = RTE_ALIGN_CEIL(limit, (uint64_t)pg) + pg;
	b = test_anon_map(len, 0);
	TEST_ASSERT_NOT_NULL(b, "buffer");
	printf("    limit %" PRIu64 " KiB, mapping %zu KiB\n", limit >> 10, len >> 10);
	EXPECT_REFUSED(rte_vfio_container_dma_map(cfd, (uintptr_t)b, (uintptr_t)b, len),
		ENOMEM, "RLIMIT_MEMLOCK", "a map larger than the locked-memory limit");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)b, (uintptr_t)b, pg),
		"one page fits");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)b,
		(uintptr_t)b, pg), "unmap it");
	munmap(b, len);
	return TEST_SUCCESS;
}

/*
 * Every sub-case runs and counts; a refusal changes nothing, so a failed
 * one does not spoil the next.
 */
static void
run(struct test_cases *n)
{
	static int (*const sub[])(void) = {
		misalignment, msi_window, aperture_end, aw39, dma_entries, memlock,
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(sub); i++)
		test_case_count(n, sub[i]());
}

static int
test_vfio_limits(void)
{
	struct test_cases n = { 0 };
	int ret;

	pg = test_page_size();
	ret = dma_proof_start(false);
	if (ret != TEST_SUCCESS)
		return ret;
	if (!test_vfio_is_kernel()) {
		/* read at SET_IOMMU, so before the bind */
		vfio_model_set_dma_entry_limit(MODEL_DMA_LIMIT);
		vfio_model_set_memlock_limit((uint64_t)MODEL_MEMLOCK_PAGES * pg);
		vfio_model_set_cap_ipc_lock(false);
	}
	grp = dma_proof_group();
	cfd = rte_vfio_container_create();
	if (cfd < 0 || rte_vfio_container_group_bind(cfd, grp) < 0) {
		printf("FAIL a container with IOMMU group %d: %s\n", grp,
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return TEST_FAILED;
	}
	run(&n);
	rte_vfio_container_group_unbind(cfd, grp);
	rte_vfio_container_destroy(cfd);
	rte_eal_cleanup();
	return test_cases_end(&n);
}

REGISTER_TEST_COMMAND(vfio_limits_autotest, test_vfio_limits);
