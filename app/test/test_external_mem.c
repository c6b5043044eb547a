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
 * and proven by device DMA (test_dma_proof.h).
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
#include "test_dma_proof.h"

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

/* A VA range nobody uses, as an IOVA that cannot collide with another. */
static uint64_t
spare_iova(size_t len, void **keep)
{
	void *p = mmap(NULL, len + SZ_2M, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	*keep = p;
	return RTE_ALIGN_CEIL((uintptr_t)p, SZ_2M);
}

/* rte_extmem_register() + rte_dev_dma_map(): the application's own map. */
static int
extmem(size_t page_sz, unsigned int n)
{
	struct rte_device *dev = dma_proof_device()->device;
	size_t len = page_sz * n;
	rte_iova_t *iovas;
	uint8_t *va;
	unsigned int i;
	int ret = TEST_FAILED;

	TEST_STEP("rte_extmem_register %u x %zu KiB, rte_dev_dma_map: one entry, reachable",
		n, page_sz >> 10);
	va = map_mem(len, page_sz);
	TEST_ASSERT_NOT_NULL(va, "memory for the region");
	iovas = calloc(n, sizeof(*iovas));
	TEST_ASSERT_NOT_NULL(iovas, "iova array");
	for (i = 0; i < n; i++)
		iovas[i] = (uintptr_t)va + i * page_sz;
	if (rte_extmem_register(va, len, iovas, n, page_sz) < 0) {
		TEST_FAIL_MSG("rte_extmem_register: %s", rte_strerror(rte_errno));
		goto out;
	}
	SNAP();
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(dev, va, (uintptr_t)va, len),
		"rte_dev_dma_map of the region");
	EXPECT_DELTA("rte_dev_dma_map", 1, 0, 1, (int64_t)len);
	TEST_ASSERT_SUCCESS(dma_proof_reachable(va, (uintptr_t)va, len),
		"registered region reachable");
	TEST_ASSERT_ERRNO(rte_dev_dma_unmap(dev, va + page_sz, (uintptr_t)va + page_sz,
		page_sz), ENOTSUP, "unmap of one page of a one-call map");

	TEST_STEP("rte_dev_dma_unmap, rte_extmem_unregister: blocked, data unchanged");
	SNAP();
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(dev, va, (uintptr_t)va, len),
		"rte_dev_dma_unmap of the region");
	EXPECT_DELTA("rte_dev_dma_unmap", 0, 1, -1, -(int64_t)len);
	TEST_ASSERT_SUCCESS(rte_extmem_unregister(va, len), "unregister");
	TEST_ASSERT_SUCCESS(dma_proof_blocked(va, (uintptr_t)va, len),
		"unregistered region blocked");
	ret = TEST_SUCCESS;
out:
	free(iovas);
	munmap(va, len);
	return ret;
}

/*
 * An external heap over n pages: the first half at IOVA = VA, the second
 * half at another IOVA, so the region has two IOVA-contiguous runs.
 */
static int
heap_region(size_t page_sz, unsigned int n)
{
	size_t len = page_sz * n, half = len / 2;
	rte_iova_t *iovas = NULL, iova2;
	uint8_t *va, *p = NULL;
	void *spare = NULL;
	unsigned int i;
	int socket, ret = TEST_FAILED;

	TEST_STEP("external heap of %u x %zu KiB in two IOVA-contiguous runs: two entries before any allocation",
		n, page_sz >> 10);
	va = map_mem(len, page_sz);
	TEST_ASSERT_NOT_NULL(va, "memory for the heap");
	iova2 = spare_iova(half, &spare);
	iovas = calloc(n, sizeof(*iovas));
	if (iova2 == 0 || iovas == NULL) {
		TEST_FAIL_MSG("no memory for the IOVA array");
		goto out;
	}
	for (i = 0; i < n; i++)
		iovas[i] = i < n / 2 ? (uintptr_t)va + i * page_sz :
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
	TEST_ASSERT_SUCCESS(dma_proof_reachable(va, (uintptr_t)va, half),
		"first run (IOVA = VA) reachable");
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
	EXPECT_DELTA("allocation", 0, 0, 0, 0);
	TEST_ASSERT_SUCCESS(dma_proof_reachable(p, rte_malloc_virt2iova(p),
		RTE_MIN(half / 2, (size_t)(va + half - p))), "allocation reachable");
	rte_free(p);

	TEST_STEP("memory_remove unmaps both runs: blocked, data unchanged");
	SNAP();
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove(HEAP_NAME, va, len),
		"memory_remove");
	EXPECT_DELTA("memory_remove", 0, 2, -2, -(int64_t)len);
	TEST_ASSERT_SUCCESS(dma_proof_blocked(va, (uintptr_t)va, half),
		"first run blocked");
	TEST_ASSERT_SUCCESS(dma_proof_blocked(va + half, iova2, half),
		"second run blocked");
	ret = TEST_SUCCESS;
destroy:
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy(HEAP_NAME), "heap destroy");
out:
	free(iovas);
	if (spare != NULL)
		munmap(spare, half + SZ_2M);
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
	if (!have_2m_pages()) {
		printf("  SKIP of the 2 MiB part: fewer than 8 free 2 MiB hugepages (reserve them: echo 16 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)\n");
		return TEST_SUCCESS;
	}
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
