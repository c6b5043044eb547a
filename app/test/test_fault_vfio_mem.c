/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection (test_fault_vfio.h's harness) in the memory paths that
 * map: a heap growth and shrink of several pages, external heap memory
 * added (several units) and removed, and EAL init at each kernel call and
 * allocation of VFIO. After each fault the state is what it was and every
 * live allocation is mapped.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "vfio_records.h"
#include "test.h"
#include "vfio_invariants.h"
#include "test_fault_vfio.h"

/* ---- the heap: growth and shrink of several pages ---- */

#define LIVE 8

struct heap_ctx {
	void *live[LIVE];
	size_t len[LIVE];
	void *p;
	size_t size;
};

static int
live_mapped(const struct heap_ctx *h)
{
	unsigned int i;

	for (i = 0; i < LIVE; i++)
		if (h->live[i] != NULL && inv_heap_mapped(h->live[i], h->len[i]) < 0)
			return -1;
	return 0;
}

static int
op_heap_alloc(void *arg)
{
	struct heap_ctx *h = arg;

	h->p = rte_malloc(NULL, h->size, 0);
	if (h->p == NULL)
		return -1;
	return inv_heap_mapped(h->p, h->size) < 0 ? (rte_errno = EFAULT, -1) : 0;
}

static void
undo_heap_alloc(void *arg)
{
	struct heap_ctx *h = arg;

	rte_free(h->p);
	h->p = NULL;
}

static void
arm_unmap_eio(unsigned int k)
{
	vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, k, EIO);
}

static void
arm_alloc(unsigned int k)
{
	vfio_alloc_fail_nth(k);
}

/*
 * Frees a growth of 6 pages with fault k armed by arm and trims the heap:
 * nothing stray, the freed pages not left mapped, the next growth works.
 * With live allocations h, they and the next growth are checked mapped.
 */
static int
shrink_fault(void (*arm)(unsigned int k), unsigned int k, const struct heap_ctx *h)
{
	void *p = rte_malloc(NULL, 6 * fault_pg, 0);
	uint64_t va;

	TEST_ASSERT_NOT_NULL(p, "growth (%u)", k);
	va = (uintptr_t)p;
	arm(k);
	rte_free(p);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	fault_disarm();
	TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "records == kernel, none stray (fault %u)", k);
	TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, RTE_ALIGN_CEIL(va, fault_pg) + fault_pg, 4 * fault_pg),
		"freed pages are not left mapped (fault %u)", k);
	if (h != NULL)
		TEST_ASSERT_SUCCESS(live_mapped(h), "live allocations mapped (fault %u)", k);
	p = rte_malloc(NULL, 6 * fault_pg, 0);
	TEST_ASSERT_NOT_NULL(p, "the next growth works (fault %u): %s", k,
		rte_strerror(rte_errno));
	if (h != NULL)
		TEST_ASSERT_SUCCESS(inv_heap_mapped(p, 6 * fault_pg), "and is mapped");
	rte_free(p);
	return TEST_SUCCESS;
}

static int
test_fault_heap(void)
{
	struct heap_ctx h = { .p = NULL };
	struct fault_op op = {
		.arg = &h, .run = op_heap_alloc, .undo = undo_heap_alloc, .cont = DEF,
	};
	struct vfio_container_stats st;
	unsigned int faults, tolerated, i, k;

	START(1);
	TEST_ASSERT(rte_vfio_get_group_fd(GROUP_A) >= 0, "bind the default container");
	for (i = 0; i < LIVE; i++) {
		h.len[i] = (i + 1) * 100;
		h.live[i] = rte_malloc(NULL, h.len[i], 0);
		TEST_ASSERT_NOT_NULL(h.live[i], "small allocation %u", i);
	}
	TEST_ASSERT_SUCCESS(live_mapped(&h), "live allocations mapped");
	h.size = 6 * fault_pg;
	op.name = "heap growth of 7 pages (allocations)";
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "growth");
	TEST_ASSERT(faults >= 2, "unit array and records (%u)", faults);
	TEST_ASSERT_SUCCESS(live_mapped(&h), "live allocations still mapped");

	TEST_STEP("shrink of several pages with a kernel unmap failing");
	for (k = 1; k <= 3; k++)
		TEST_ASSERT_SUCCESS(shrink_fault(arm_unmap_eio, k, &h), "fault %u", k);
	TEST_STEP("shrink of several pages with an allocation failing");
	for (k = 1; k <= 3; k++)
		TEST_ASSERT_SUCCESS(shrink_fault(arm_alloc, k, NULL), "fault %u", k);
	for (i = 0; i < LIVE; i++)
		rte_free(h.live[i]);
	TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "invariants at the end");
	TEST_ASSERT_SUCCESS(vfio_container_stats_get(DEF, &st), "stats");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* ---- external heap memory: add (several units) and remove ---- */

#define EXT_PAGES 8

struct ext_ctx {
	void *va;
	rte_iova_t iovas[EXT_PAGES];
};

static int
op_ext_add(void *arg)
{
	struct ext_ctx *e = arg;

	return rte_malloc_heap_memory_add("fault_ext", e->va, EXT_PAGES * fault_pg,
		e->iovas, EXT_PAGES, fault_pg);
}

static void
undo_ext_add(void *arg)
{
	struct ext_ctx *e = arg;

	rte_malloc_heap_memory_remove("fault_ext", e->va, EXT_PAGES * fault_pg);
}

static int
test_fault_extmem(void)
{
	struct ext_ctx e;
	struct fault_op op = {
		.arg = &e, .run = op_ext_add, .undo = undo_ext_add, .cont = DEF,
		.name = "external memory add of 4 runs (kernel)",
		.kind = FAULT_KERNEL, .request = VFIO_IOMMU_MAP_DMA,
		.err = ENOMEM, .expect_err = ENOMEM,
	};
	unsigned int faults, tolerated, i, k;
	void *p;

	START(0);
	TEST_ASSERT(rte_vfio_get_group_fd(GROUP_A) >= 0, "bind the default container");
	e.va = fault_buf_alloc(EXT_PAGES);
	TEST_ASSERT_NOT_NULL(e.va, "mmap");
	/* four IOVA-contiguous runs of two pages: four units */
	for (i = 0; i < EXT_PAGES; i++)
		e.iovas[i] = IOVA_BASE + (i / 2) * 16 * fault_pg + (i % 2) * fault_pg;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("fault_ext"), "heap create");
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "add");
	TEST_ASSERT_EQUAL(faults, 4, "one kernel call per run");
	op.name = "external memory add (allocations)";
	op.kind = FAULT_ALLOC;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "add");
	TEST_ASSERT(faults >= 2, "unit array and records (%u)", faults);

	TEST_STEP("remove with a kernel unmap failing, then add and remove again");
	for (k = 1; k <= 4; k++) {
		TEST_ASSERT_SUCCESS(op_ext_add(&e), "add (%u)", k);
		p = rte_malloc_socket(NULL, fault_pg, 0, rte_malloc_heap_get_socket("fault_ext"));
		TEST_ASSERT_NOT_NULL(p, "allocate from the external heap");
		TEST_ASSERT_SUCCESS(inv_heap_mapped(p, fault_pg), "mapped");
		rte_free(p);
		vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, k, EIO);
		rte_errno = 0;
		(void)rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * fault_pg);
		fault_disarm();
		TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "invariants (fault %u)", k);
		if (rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * fault_pg) == 0)
			TEST_STEP("  remove %u: refused the first time, done the second", k);
		TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, (uintptr_t)e.va, EXT_PAGES * fault_pg),
			"removed memory is not left mapped (fault %u)", k);
	}
	TEST_STEP("remove with an allocation failing");
	for (k = 1; k <= 3; k++) {
		TEST_ASSERT_SUCCESS(op_ext_add(&e), "add (%u)", k);
		vfio_alloc_fail_nth(k);
		rte_errno = 0;
		(void)rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * fault_pg);
		fault_disarm();
		TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "invariants (fault %u)", k);
		(void)rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * fault_pg);
		TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, (uintptr_t)e.va, EXT_PAGES * fault_pg),
			"removed memory is not left mapped (fault %u)", k);
	}
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy("fault_ext"), "heap destroy");
	munmap(e.va, EXT_PAGES * fault_pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* ---- EAL init: a fault at each kernel call and allocation of VFIO ---- */

static int
init_under_fault(enum fault_kind kind, unsigned int n)
{
	char *argv[] = { (char *)(uintptr_t)"dpdk-test",
		(char *)(uintptr_t)"--no-huge", (char *)(uintptr_t)"--no-pci", NULL };

	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_memlock_limit(UINT64_MAX);
	vfio_model_set_cap_ipc_lock(true);
	if (kind == FAULT_KERNEL)
		vfio_model_fail_nth(0, n, EIO);
	else
		vfio_alloc_fail_nth(n);
	return rte_eal_init(3, argv);
}

static int
test_fault_eal_init(void)
{
	static const enum fault_kind kinds[] = { FAULT_KERNEL, FAULT_ALLOC };
	unsigned int i, n, calls, failed;
	int ret, err;

	if (test_vfio_is_kernel())
		TEST_SKIP("fault injection needs the type1 model");
	fault_pg = test_page_size();
	TEST_ASSERT(init_under_fault(FAULT_KERNEL, 0) >= 0, "init without faults");
	calls = (unsigned int)vfio_model_ioctl_count(0);
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	TEST_STEP("EAL init issues %u VFIO call(s)", calls);
	for (i = 0; i < RTE_DIM(kinds); i++) {
		failed = 0;
		for (n = 1; n <= (kinds[i] == FAULT_KERNEL ? calls : 16); n++) {
			rte_errno = 0;
			ret = init_under_fault(kinds[i], n);
			err = rte_errno;
			fault_disarm();
			if (ret < 0) {
				failed++;
				TEST_ASSERT(err != 0, "failed init with rte_errno 0 (fault %u)", n);
				TEST_ASSERT(!eal_is_initialized(), "half-initialized (fault %u)", n);
				TEST_ASSERT(init_under_fault(kinds[i], 0) >= 0,
					"init after a failed one (fault %u): %s", n,
					rte_strerror(rte_errno));
			} else {
				/* VFIO may be degraded, never inconsistent */
				TEST_ASSERT(rte_vfio_get_container_fd() < 0 ||
					inv_all(NULL, 0) == 0, "invariants (fault %u)", n);
			}
			TEST_ASSERT(rte_malloc(NULL, 2 * fault_pg, 0) != NULL,
				"the heap works (fault %u)", n);
			TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup (fault %u)", n);
			TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0,
				"nothing pinned after cleanup (fault %u)", n);
		}
		TEST_STEP("%s faults: %u failed the init cleanly, the others left VFIO consistent",
			kinds[i] == FAULT_KERNEL ? "kernel" : "allocation", failed);
	}
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(fault_vfio_heap_autotest, test_fault_heap);
REGISTER_TEST_COMMAND(fault_vfio_extmem_autotest, test_fault_extmem);
REGISTER_TEST_COMMAND(fault_eal_init_autotest, test_fault_eal_init);
