/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * external_mem_autotest: external memory made reachable by a device and
 * unreachable again, at the system page size and with 2 MiB hugepages.
 *
 * - rte_extmem_register() memory is mapped by the application with
 *   rte_dev_dma_map() (one call: one DMA entry) and unmapped with
 *   rte_dev_dma_unmap();
 * - memory added to an external heap (rte_malloc_heap_memory_add()) is
 *   mapped by the EAL, one DMA entry per IOVA-contiguous run, before it
 *   can be allocated from; rte_malloc_heap_memory_remove() unmaps it.
 *
 * Each step is checked with the default container's counters and records
 * and proven by device DMA (dma_proof.h). The regions' IOVAs come
 * from test_iova_for() (their address in IOVA as VA, an EAL block in the
 * allocated mode), so the test runs in every IOVA mode.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "dma_proof.h"

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define HEAP_NAME "proof_ext"
#define SZ_2M (2UL << 20)

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_2MB_FLAG (21 << MAP_HUGE_SHIFT)

static size_t pg;
static struct vfio_container_stats st0;

#define SNAP() TEST_ASSERT_SUCCESS(vfio_container_stats_get(DEF, &st0), \
	"read the counters")

#define EXPECT_DELTA(step, d_map, d_unmap, d_entries, d_bytes) do { \
	struct vfio_container_stats s_; \
	TEST_ASSERT_SUCCESS(vfio_container_stats_get(DEF, &s_), "read the counters"); \
	TEST_ASSERT_EQUAL(s_.map_calls - st0.map_calls, (d_map), \
		"%s: MAP_DMA calls", step); \
	TEST_ASSERT_EQUAL(s_.unmap_calls - st0.unmap_calls, (d_unmap), \
		"%s: UNMAP_DMA calls", step); \
	TEST_ASSERT_EQUAL((int64_t)(s_.dma_entries - st0.dma_entries), \
		(d_entries), "%s: DMA entries", step); \
	TEST_ASSERT_EQUAL((int64_t)(s_.bytes_mapped - st0.bytes_mapped), \
		(d_bytes), "%s: bytes mapped", step); \
} while (0)

static void *
map_mem(size_t len, size_t page_sz)
{
	int flags = MAP_POPULATE;

	if (page_sz == SZ_2M)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB_FLAG;
	return test_anon_map(len, flags);
}

/* rte_extmem_register() + rte_dev_dma_map(): the application's own map. */
static int
extmem(size_t page_sz, unsigned int n)
{
	struct rte_device *dev = dma_proof_device()->device;
	size_t len = page_sz * n;
	rte_iova_t *iovas = NULL, iova;
	uint8_t *va;
	unsigned int i;
	int ret = TEST_FAILED;

	TEST_STEP("rte_extmem_register %u x %zu KiB, rte_dev_dma_map: one entry, reachable",
		n, page_sz >> 10);
	va = map_mem(len, page_sz);
	TEST_ASSERT_NOT_NULL(va, "memory for the region");
	iova = test_iova_for(va, len);
	if (iova == RTE_BAD_IOVA) {
		TEST_FAIL_MSG("an IOVA for the region (IOVA mode %s): %s",
			test_iova_mode_name(), rte_strerror(rte_errno));
		munmap(va, len);
		return TEST_FAILED;
	}
	iovas = calloc(n, sizeof(*iovas));
	if (iovas == NULL) {
		TEST_FAIL_MSG("no memory for the IOVA array");
		goto out;
	}
	for (i = 0; i < n; i++)
		iovas[i] = iova + i * page_sz;
	if (rte_extmem_register(va, len, iovas, n, page_sz) < 0) {
		TEST_FAIL_MSG("rte_extmem_register: %s", rte_strerror(rte_errno));
		goto out;
	}
	SNAP();
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(dev, va, iova, len),
		"rte_dev_dma_map of the region at IOVA 0x%" PRIx64, iova);
	EXPECT_DELTA("rte_dev_dma_map", 1, 0, 1, (int64_t)len);
	TEST_ASSERT_SUCCESS(dma_proof_reachable(va, iova, len),
		"registered region reachable");
	TEST_ASSERT_ERRNO(rte_dev_dma_unmap(dev, va + page_sz, iova + page_sz,
		page_sz), ENOTSUP, "unmap of one page of a one-call map");

	TEST_STEP("rte_dev_dma_unmap, rte_extmem_unregister: blocked, data unchanged");
	SNAP();
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(dev, va, iova, len),
		"rte_dev_dma_unmap of the region");
	EXPECT_DELTA("rte_dev_dma_unmap", 0, 1, -1, -(int64_t)len);
	TEST_ASSERT_SUCCESS(rte_extmem_unregister(va, len), "unregister");
	TEST_ASSERT_SUCCESS(dma_proof_blocked(va, iova, len),
		"unregistered region blocked");
	ret = TEST_SUCCESS;
out:
	free(iovas);
	test_iova_release(iova, len);
	munmap(va, len);
	return ret;
}

/*
 * An external heap over n pages in two IOVA-contiguous runs: the first
 * half at the region's own IOVA (test_iova_for() of all of it, so the
 * second half cannot follow on), the second half at a spare IOVA.
 */
static int
heap_region(size_t page_sz, unsigned int n)
{
	size_t len = page_sz * n, half = len / 2;
	rte_iova_t *iovas = NULL, iova1, iova2 = RTE_BAD_IOVA;
	uint8_t *va, *p = NULL;
	unsigned int i;
	int socket, ret = TEST_FAILED;

	TEST_STEP("external heap of %u x %zu KiB in two IOVA-contiguous runs: two entries before any allocation",
		n, page_sz >> 10);
	va = map_mem(len, page_sz);
	TEST_ASSERT_NOT_NULL(va, "memory for the heap");
	iova1 = test_iova_for(va, len);
	if (iova1 != RTE_BAD_IOVA)
		iova2 = test_iova_spare(half, SZ_2M);
	iovas = calloc(n, sizeof(*iovas));
	if (iova1 == RTE_BAD_IOVA || iova2 == RTE_BAD_IOVA || iovas == NULL) {
		TEST_FAIL_MSG("IOVAs for the heap (IOVA mode %s) or the IOVA array: %s",
			test_iova_mode_name(), rte_strerror(rte_errno));
		goto out;
	}
	for (i = 0; i < n; i++)
		iovas[i] = i < n / 2 ? iova1 + i * page_sz :
			iova2 + (i - n / 2) * page_sz;
	if (rte_malloc_heap_create(HEAP_NAME) < 0) {
		TEST_FAIL_MSG("heap create: %s", rte_strerror(rte_errno));
		goto out;
	}
	SNAP();
	if (rte_malloc_heap_memory_add(HEAP_NAME, va, len, iovas, n, page_sz) < 0) {
		TEST_FAIL_MSG("memory_add: %s", rte_strerror(rte_errno));
		goto destroy;
	}
	EXPECT_DELTA("memory_add", 2, 0, 2, (int64_t)len);
	TEST_ASSERT_SUCCESS(dma_proof_reachable(va, iova1, half),
		"first run (IOVA 0x%" PRIx64 ") reachable", iova1);
	TEST_ASSERT_SUCCESS(dma_proof_reachable(va + half, iova2, half),
		"second run (IOVA 0x%" PRIx64 ") reachable", iova2);

	TEST_STEP("allocation from the external heap: reachable at rte_malloc_virt2iova()");
	socket = rte_malloc_heap_get_socket(HEAP_NAME);
	TEST_ASSERT(socket >= 0, "heap socket: %s", rte_strerror(rte_errno));
	SNAP();
	p = rte_malloc_socket(NULL, half / 2, 0, socket);
	TEST_ASSERT_NOT_NULL(p, "allocation of %zu bytes: %s", half / 2,
		rte_strerror(rte_errno));
	TEST_ASSERT(p >= va && p + half / 2 <= va + len, "allocation %p inside the region", p);
	TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p), iovas[(p - va) / page_sz] +
		(uint64_t)(p - va) % page_sz, "rte_malloc_virt2iova() is the page's given IOVA");
	EXPECT_DELTA("allocation", 0, 0, 0, 0);
	TEST_ASSERT_SUCCESS(dma_proof_reachable(p, rte_malloc_virt2iova(p),
		RTE_MIN(half / 2, (size_t)(va + half - p))), "allocation reachable");
	rte_free(p);

	TEST_STEP("memory_remove unmaps both runs: blocked, data unchanged");
	SNAP();
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove(HEAP_NAME, va, len),
		"memory_remove");
	EXPECT_DELTA("memory_remove", 0, 2, -2, -(int64_t)len);
	TEST_ASSERT_SUCCESS(dma_proof_blocked(va, iova1, half),
		"first run blocked");
	TEST_ASSERT_SUCCESS(dma_proof_blocked(va + half, iova2, half),
		"second run blocked");
	ret = TEST_SUCCESS;
destroy:
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy(HEAP_NAME), "heap destroy");
out:
	free(iovas);
	if (iova2 != RTE_BAD_IOVA)
		test_iova_release(iova2, half);
	if (iova1 != RTE_BAD_IOVA)
		test_iova_release(iova1, len);
	munmap(va, len);
	return ret;
}

static bool
have_2m_pages(void)
{
	void *p = map_mem(8 * SZ_2M, SZ_2M);

	if (p == NULL)
		return false;
	munmap(p, 8 * SZ_2M);
	return true;
}

static int
run(void)
{
	int ret;

	ret = extmem(pg, 8);
	if (ret == TEST_SUCCESS)
		ret = heap_region(pg, 16);
	if (ret != TEST_SUCCESS)
		return ret;
	if (!have_2m_pages())
		return test_missing_part(__func__, "the 2 MiB part: fewer than 8 free 2 MiB hugepages (reserve them: echo 16 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)") < 0 ?
			TEST_FAILED : TEST_SUCCESS;
	ret = extmem(SZ_2M, 2);
	if (ret == TEST_SUCCESS)
		ret = heap_region(SZ_2M, 4);
	return ret;
}

static int
test_external_mem(void)
{
	int ret;

	pg = test_page_size();
	ret = dma_proof_start(true);
	if (ret != TEST_SUCCESS)
		return ret;
	printf("  system page size %zu\n", pg);
	ret = run();
	dma_proof_close();
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(external_mem_autotest, test_external_mem);
