/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of external memory: rte_extmem_register/unregister/attach/detach
 * with good and bad input (each bad input has its own rte_errno and leaves
 * the memseg lists unchanged), lookups in registered memory, heap-owned
 * regions, running out of lists, and an unregister refused (EBUSY) while a
 * user DMA map covers the memory. External memory elsewhere, each with the
 * harness of its concern: external heaps in test_malloc_heap_external.c,
 * device DMA in test_external_mem.c, heap release units in
 * test_vfio_mem.c, fault injection in test_fault_vfio_mem.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"

#define N_PAGES 16

struct state {
	unsigned int lists;
	unsigned int external;
	unsigned int segs;
	uint64_t physmem;
};

static int
state_list(const struct rte_memseg_list *msl, void *arg)
{
	struct state *s = arg;

	s->lists++;
	s->external += msl->external;
	return 0;
}

static int
state_seg(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms __rte_unused, void *arg)
{
	((struct state *)arg)->segs++;
	return 0;
}

static struct state
snapshot(void)
{
	struct state s = { 0 };

	rte_memseg_list_walk(state_list, &s);
	rte_memseg_walk(state_seg, &s);
	s.physmem = rte_eal_get_physmem_size();
	return s;
}

static int
same_state(const struct state *a, const char *step)
{
	struct state b = snapshot();

	TEST_ASSERT(a->lists == b.lists && a->external == b.external &&
		a->segs == b.segs && a->physmem == b.physmem,
		"%s changed the state: lists %u->%u, external %u->%u, segs %u->%u",
		step, a->lists, b.lists, a->external, b.external, a->segs, b.segs);
	return TEST_SUCCESS;
}

#define CHECK_UNCHANGED(before, step) do { \
	if (same_state(before, step) != TEST_SUCCESS) \
		goto fail; \
} while (0)

/* Same as TEST_ASSERT_ERRNO, but jumps to the cleanup label. */
#define EXPECT_ERRNO(val, err, what) do { \
	long long v_; \
	rte_errno = 0; \
	v_ = (long long)(val); \
	if (v_ != -1 || rte_errno != (err)) { \
		TEST_FAIL_MSG("%s: expected -1 with rte_errno %d (%s), got %lld with %d (%s)", \
			what, (err), strerror(err), v_, rte_errno, \
			rte_strerror(rte_errno)); \
		goto fail; \
	} \
} while (0)

#define EXPECT(cond, fmt, ...) do { \
	if (!(cond)) { \
		TEST_FAIL_MSG("%s: " fmt, #cond, ##__VA_ARGS__); \
		goto fail; \
	} \
} while (0)

static int
test_extmem(void)
{
	size_t pgsz = test_page_size();
	size_t len = N_PAGES * pgsz;
	rte_iova_t iovas[N_PAGES];
	struct rte_memseg_list *msl;
	struct rte_memseg *ms;
	struct state before, after;
	char *va;
	unsigned int i;

	TEST_ASSERT(test_eal_init("--no-huge", "-m", "4", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	/* One page more than needed so that [va - pgsz] is ours too. */
	va = mmap(NULL, len + 2 * pgsz, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	va += pgsz;
	for (i = 0; i < N_PAGES; i++)
		iovas[i] = 0x10000000000ULL + (rte_iova_t)i * pgsz * 2; /* apart; above the heap */
	before = snapshot();

	TEST_STEP("register: every bad input, nothing changes");
	EXPECT_ERRNO(rte_extmem_register(NULL, len, NULL, 0, pgsz), EINVAL, "NULL address");
	EXPECT_ERRNO(rte_extmem_register(va, 0, NULL, 0, pgsz), EINVAL, "length 0");
	EXPECT_ERRNO(rte_extmem_register(va, len, NULL, 0, 0), EINVAL, "page size 0");
	EXPECT_ERRNO(rte_extmem_register(va, len, NULL, 0, pgsz * 3), EINVAL, "page size not a power of 2");
	EXPECT_ERRNO(rte_extmem_register(va, len, NULL, 0, pgsz / 2), EINVAL, "page size below the system's");
	EXPECT_ERRNO(rte_extmem_register(va + 8, len, NULL, 0, pgsz), EINVAL, "misaligned address");
	EXPECT_ERRNO(rte_extmem_register(va, len - 8, NULL, 0, pgsz), EINVAL, "misaligned length");
	EXPECT_ERRNO(rte_extmem_register(va, len, iovas, N_PAGES - 1, pgsz), EINVAL, "too few IOVAs");
	EXPECT_ERRNO(rte_extmem_register(va, len, iovas, N_PAGES + 1, pgsz), EINVAL, "too many IOVAs");
	EXPECT_ERRNO(rte_extmem_register((void *)(uintptr_t)-pgsz, 2 * pgsz, NULL, 0, pgsz),
		EINVAL, "range wrapping around");
	CHECK_UNCHANGED(&before, "bad registrations");

	TEST_STEP("register with IOVAs");
	EXPECT(rte_extmem_register(va, len, iovas, N_PAGES, pgsz) == 0,
		"rte_errno %d", rte_errno);
	after = snapshot();
	EXPECT(after.lists == before.lists + 1 && after.external == before.external + 1,
		"one more external list");
	EXPECT(after.segs == before.segs + N_PAGES, "%u segments more", after.segs - before.segs);
	EXPECT(after.physmem == before.physmem, "external memory is not physmem");
	msl = rte_mem_virt2memseg_list(va + len / 2);
	EXPECT(msl != NULL && msl->external && !msl->heap && msl->base_va == va &&
		msl->len == len && msl->page_sz == pgsz, "the registered list");
	EXPECT(eal_memseg_list_is_static(msl), "external memory is released as a whole");
	for (i = 0; i < N_PAGES; i++) {
		ms = rte_mem_virt2memseg(va + i * pgsz + 5, msl);
		EXPECT(ms != NULL && ms->addr == va + i * pgsz && ms->iova == iovas[i] &&
			ms->socket_id == SOCKET_ID_ANY, "segment %u", i);
	}
	EXPECT(rte_mem_virt2iova(va + 3 * pgsz + 7) == iovas[3] + 7, "virt2iova");
	EXPECT(rte_mem_iova2virt(iovas[5] + 9) == va + 5 * pgsz + 9, "iova2virt");
	ms = rte_mem_virt2memseg(va, NULL);
	EXPECT_ERRNO(rte_memseg_get_fd(ms), ENOTSUP, "fd of external memory");
	EXPECT(rte_mem_virt2memseg(va - 1, NULL) == NULL && rte_errno == ENOENT,
		"byte before the region");
	EXPECT(rte_mem_virt2memseg(va + len, NULL) == NULL && rte_errno == ENOENT,
		"byte after the region");

	TEST_STEP("overlaps: EEXIST, nothing changes");
	before = snapshot();
	EXPECT_ERRNO(rte_extmem_register(va, len, NULL, 0, pgsz), EEXIST, "same region");
	EXPECT_ERRNO(rte_extmem_register(va + pgsz, pgsz, NULL, 0, pgsz), EEXIST, "inside");
	EXPECT_ERRNO(rte_extmem_register(va - pgsz, 2 * pgsz, NULL, 0, pgsz), EEXIST, "overlapping the start");
	EXPECT_ERRNO(rte_extmem_register(va - pgsz, len + 2 * pgsz, NULL, 0, pgsz), EEXIST, "covering");
	CHECK_UNCHANGED(&before, "overlapping registrations");

	TEST_STEP("attach and detach");
	EXPECT(rte_extmem_attach(va, len) == 0, "attach");
	EXPECT(rte_extmem_detach(va, len) == 0, "detach");
	EXPECT_ERRNO(rte_extmem_attach(NULL, len), EINVAL, "attach NULL");
	EXPECT_ERRNO(rte_extmem_attach(va, 0), EINVAL, "attach length 0");
	EXPECT_ERRNO(rte_extmem_attach(va, len - pgsz), ENOENT, "attach part");
	EXPECT_ERRNO(rte_extmem_detach(va + pgsz, pgsz), ENOENT, "detach part");
	EXPECT_ERRNO(rte_extmem_detach(NULL, len), EINVAL, "detach NULL");

	TEST_STEP("unregister: bad input, nothing changes");
	EXPECT_ERRNO(rte_extmem_unregister(NULL, len), EINVAL, "NULL");
	EXPECT_ERRNO(rte_extmem_unregister(va, 0), EINVAL, "length 0");
	EXPECT_ERRNO(rte_extmem_unregister(va, len - pgsz), ENOENT, "a part");
	EXPECT_ERRNO(rte_extmem_unregister(va + pgsz, len - pgsz), ENOENT, "a tail");
	EXPECT_ERRNO(rte_extmem_unregister(va, len + pgsz), ENOENT, "more");
	CHECK_UNCHANGED(&before, "bad unregistrations");

	TEST_STEP("unregister, then it is gone");
	EXPECT(rte_extmem_unregister(va, len) == 0, "unregister: rte_errno %d", rte_errno);
	after = snapshot();
	EXPECT(after.lists == before.lists - 1 && after.segs == before.segs - N_PAGES,
		"list gone");
	EXPECT(rte_mem_virt2memseg_list(va) == NULL && rte_errno == ENOENT, "no list at va");
	EXPECT_ERRNO(rte_extmem_unregister(va, len), ENOENT, "unregister twice");
	EXPECT_ERRNO(rte_extmem_attach(va, len), ENOENT, "attach after unregister");

	TEST_STEP("without IOVAs (n_pages ignored, as in DPDK): RTE_BAD_IOVA in every mode, not logged");
	EXPECT(rte_extmem_register(va, len, NULL, 7, pgsz) == 0, "register, NULL table, n_pages 7");
	ms = rte_mem_virt2memseg(va + pgsz, NULL);
	EXPECT(ms != NULL && ms->iova == RTE_BAD_IOVA, "IOVA of page 1");
	test_log_capture();
	rte_errno = 0;
	EXPECT(rte_mem_virt2iova(va + pgsz + 8) == RTE_BAD_IOVA && rte_errno == ENOENT,
		"rte_mem_virt2iova: RTE_BAD_IOVA, ENOENT");
	{
		const char *log = test_log_release();

		EXPECT(log == NULL || test_count_lines(log) == 0,
			"no log line for the expected case");
	}
	EXPECT(rte_extmem_unregister(va, len) == 0, "unregister");

	TEST_STEP("heap memory cannot be unregistered: EBUSY");
	eal_mem_hotplug_write_lock();
	msl = eal_extmem_list_create(va, len, NULL, 0, pgsz, RTE_MAX_NUMA_NODES);
	eal_mem_hotplug_write_unlock();
	EXPECT(msl != NULL && msl->heap && msl->socket_id == RTE_MAX_NUMA_NODES,
		"heap list: rte_errno %d", rte_errno);
	EXPECT(rte_mem_virt2memseg(va, NULL)->socket_id == RTE_MAX_NUMA_NODES, "heap socket");
	before = snapshot();
	EXPECT_ERRNO(rte_extmem_unregister(va, len), EBUSY, "heap memory");
	CHECK_UNCHANGED(&before, "refused unregister");
	eal_mem_hotplug_write_lock();
	EXPECT(eal_extmem_list_find(va, len) == msl, "find");
	EXPECT(eal_extmem_list_find(va, pgsz) == NULL && rte_errno == ENOENT, "find part");
	eal_extmem_list_destroy(msl);
	eal_mem_hotplug_write_unlock();

	munmap(va - pgsz, len + 2 * pgsz);
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
fail:
	munmap(va - pgsz, len + 2 * pgsz);
	rte_eal_cleanup();
	return TEST_FAILED;
}

/* Registering until the lists run out: ENOSPC, and everything unregisters. */
static int
test_extmem_full(void)
{
	size_t pgsz = test_page_size();
	unsigned int n = 0, i;
	struct state before;
	char *va;
	int ret = TEST_FAILED;

	TEST_ASSERT(test_eal_init("--no-huge", "-m", "4", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	va = mmap(NULL, RTE_MAX_MEMSEG_LISTS * 2 * pgsz, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	before = snapshot();
	/* Every other page, so that no two regions touch. */
	while (n < RTE_MAX_MEMSEG_LISTS &&
			rte_extmem_register(va + 2 * n * pgsz, pgsz, NULL, 0, pgsz) == 0)
		n++;
	EXPECT(n < RTE_MAX_MEMSEG_LISTS && rte_errno == ENOSPC,
		"after %u registrations: rte_errno %d", n, rte_errno);
	EXPECT(n + before.lists == RTE_MAX_MEMSEG_LISTS, "%u lists used of %d",
		n + before.lists, RTE_MAX_MEMSEG_LISTS);
	for (i = 0; i < n; i++)
		EXPECT(rte_extmem_unregister(va + 2 * i * pgsz, pgsz) == 0, "unregister %u", i);
	CHECK_UNCHANGED(&before, "registering and unregistering all");
	ret = TEST_SUCCESS;
fail:
	munmap(va, RTE_MAX_MEMSEG_LISTS * 2 * pgsz);
	rte_eal_cleanup();
	return ret;
}

/* External memory under a user map cannot be unregistered (EBUSY naming the map). */
static int
test_extmem_unregister_mapped(void)
{
	uint64_t pg = test_page_size(), len = 4 * pg;
	struct test_vfio_buf b;
	const char *log;
	int ret;

	TEST_VFIO_START_WITH_BUFFER(len, &b);
	TEST_ASSERT_SUCCESS(rte_extmem_register(b.buf, len, NULL, 0, pg), "register");
	/* one page in the middle is enough to pin the region */
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(b.cfd, b.va + pg, b.iova + pg, pg), "map");

	TEST_STEP("unregister while a user map covers a page: EBUSY, one line naming the map");
	TEST_ASSERT_SUCCESS(test_log_capture(), "capture");
	rte_errno = 0;
	ret = rte_extmem_unregister(b.buf, len);
	log = test_log_release();
	TEST_ASSERT(ret == -1 && rte_errno == EBUSY, "unregister: %d, rte_errno %d (%s)",
		ret, rte_errno, rte_strerror(rte_errno));
	TEST_ASSERT(log != NULL && test_count_lines(log) == 1 &&
		strstr(log, "rte_vfio_container_dma_unmap") != NULL && strstr(log, "IOVA 0x") != NULL,
		"one line naming the map and the fix, got: %s", log != NULL ? log : "(none)");
	TEST_STEP("nothing changed: still registered (a second register is EEXIST), still mapped");
	TEST_ASSERT_ERRNO(rte_extmem_register(b.buf, len, NULL, 0, pg), EEXIST, "registered");
	TEST_ASSERT_EQUAL(test_vfio_records(b.cfd), 1, "the map is kept");

	TEST_STEP("after the unmap, unregister works");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(b.cfd, b.va + pg, b.iova + pg, pg),
		"unmap");
	TEST_ASSERT_SUCCESS(rte_extmem_unregister(b.buf, len), "unregister");
	return test_vfio_stop_with_buffer(&b);
}

REGISTER_TEST_COMMAND(extmem_autotest, test_extmem);
REGISTER_TEST_COMMAND(extmem_full_autotest, test_extmem_full);
REGISTER_TEST_COMMAND(extmem_dma_busy_autotest, test_extmem_unregister_mapped);
