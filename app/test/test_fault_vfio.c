/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection across the VFIO component: every operation that issues
 * several kernel calls or allocations is failed at each of them in turn,
 * through the model (vfio_model_fail_nth) for kernel calls and the
 * component's allocation hook (vfio_alloc_fail_nth) for memory. After each
 * fault: the caller sees -1 (or NULL) with the injected rte_errno, the
 * state is exactly what it was (records with their references, kernel
 * mappings), records agree with the kernel, no heap record is stray, every
 * live allocation is mapped, and the same operation then works.
 *
 * Not repeated here (see test_vfio_api.c and test_vfio_mem.c): kernel
 * faults at each MAP_DMA of a paged map and of a replay, one refused
 * unmap, and MAP_DMA faults in a heap growth.
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
#include "test_fault_inv.h"

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define GROUP_A 70
#define GROUP_B 71
/* below the x86 MSI window, valid on every IOMMU the model offers */
#define IOVA_BASE 0x40000000ULL
/* more kernel calls or allocations than any operation here makes */
#define MAX_FAULTS 256

static uint64_t pg;

static int
add_group(int num, const char *bdf)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = num,
		.devices = { bdf },
		.msi_window = true,
	};

	return vfio_model_add_group(&cfg);
}

/* EAL on the model with two groups; dynamic memory when asked. */
static int
start(int dynamic)
{
	pg = test_page_size();
	if (test_vfio_is_kernel()) {
		printf("SKIP fault injection needs the type1 model\n");
		return TEST_SKIPPED;
	}
	if ((dynamic ? test_eal_init("--no-huge", "--dynamic-mem", "--no-pci", NULL) :
			test_eal_init("--no-huge", "--no-pci", NULL)) < 0) {
		printf("FAIL EAL init: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	if (add_group(GROUP_A, "0000:00:11.0") < 0 ||
			add_group(GROUP_B, "0000:00:12.0") < 0) {
		printf("FAIL vfio_model_add_group\n");
		rte_eal_cleanup();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

#define START(dyn) do { \
	int r_ = start(dyn); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

static void
disarm(void)
{
	vfio_model_fail_nth(0, 0, 0);
	vfio_alloc_fail_nth(0);
}

/* ---- the state of a container, to compare before and after ---- */

struct snap {
	size_t n, kn;
	struct vfio_record rec[64];
	uint64_t kern[64][3];
};

static void
snap_rec(const struct vfio_record *r, void *arg)
{
	struct snap *s = arg;

	if (s->n < RTE_DIM(s->rec))
		s->rec[s->n] = *r;
	s->n++;
}

static void
snap_kern(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg)
{
	struct snap *s = arg;

	if (s->kn < RTE_DIM(s->kern)) {
		s->kern[s->kn][0] = iova;
		s->kern[s->kn][1] = vaddr;
		s->kern[s->kn][2] = len;
	}
	s->kn++;
}

static void
snap_take(int api_fd, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	vfio_container_records_walk(api_fd, snap_rec, s);
	vfio_model_walk(api_fd == DEF ? rte_vfio_get_container_fd() : api_fd,
		snap_kern, s);
}

static int
snap_same(const struct snap *a, const struct snap *b)
{
	return a->n == b->n && a->kn == b->kn &&
		memcmp(a->rec, b->rec, RTE_MIN(a->n, RTE_DIM(a->rec)) * sizeof(a->rec[0])) == 0 &&
		memcmp(a->kern, b->kern, RTE_MIN(a->kn, RTE_DIM(a->kern)) * sizeof(a->kern[0])) == 0;
}

static uint8_t *
buf_alloc(unsigned int pages)
{
	void *p = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Run op with the nth kernel call (model) or allocation (hook) failing,
 * for n = 1, 2, ... until op succeeds: each failure must be -1 with err
 * and leave cont as it was. Returns the number of faults seen, or -1.
 */
enum fault_kind { FAULT_KERNEL, FAULT_ALLOC };

struct fault_op {
	const char *name;
	int (*run)(void *arg);          /* 0 or -1 with rte_errno */
	void (*undo)(void *arg);        /* undo a success before the next n (optional) */
	void *arg;
	int cont;                       /* container whose state must not change */
	enum fault_kind kind;
	unsigned long request;          /* kernel faults: the ioctl, 0 any */
	int err;                        /* kernel faults: the errno injected */
	int expect_err;                 /* what the caller must see */
};

static int
fault_each(const struct fault_op *op, unsigned int *faults, unsigned int *tolerated)
{
	struct snap before, after;
	unsigned int n;
	int ret = 0, err;

	*faults = 0;
	*tolerated = 0;
	for (n = 1; n <= MAX_FAULTS; n++) {
		unsigned long calls = ULONG_MAX;
		bool fired;

		snap_take(op->cont, &before);
		if (op->kind == FAULT_KERNEL) {
			/* any call: counted as the model counts them */
			calls = vfio_model_ioctl_count(op->request);
			vfio_model_fail_nth(op->request, n, op->err);
		} else {
			vfio_alloc_fail_nth(n);
		}
		rte_errno = 0;
		ret = op->run(op->arg);
		err = rte_errno;
		if (op->kind == FAULT_KERNEL) {
			fired = vfio_model_ioctl_count(op->request) - calls >= n;
			vfio_model_fail_nth(0, 0, 0);
		} else {
			fired = vfio_alloc_fail_nth(0) == 0;
		}
		if (inv_all(&op->cont, 1) < 0) {
			printf("FAIL %s: invariants broken after a fault at #%u\n",
				op->name, n);
			return -1;
		}
		if (ret == 0 && fired) {
			/* a failure the operation may survive (e.g. a probe) */
			(*tolerated)++;
			if (op->undo != NULL)
				op->undo(op->arg);
			continue;
		}
		if (ret == 0)
			break;
		(*faults)++;
		if (err != op->expect_err) {
			printf("FAIL %s: fault at #%u: rte_errno %d (%s), expected %d (%s)\n",
				op->name, n, err, rte_strerror(err), op->expect_err,
				rte_strerror(op->expect_err));
			return -1;
		}
		snap_take(op->cont, &after);
		if (!snap_same(&before, &after)) {
			printf("FAIL %s: fault at #%u left the container changed (%zu->%zu records, %zu->%zu kernel mappings)\n",
				op->name, n, before.n, after.n, before.kn, after.kn);
			return -1;
		}
	}
	if (ret != 0) {
		printf("FAIL %s: still failing after %u faults\n", op->name, MAX_FAULTS);
		return -1;
	}
	TEST_STEP("%s: %u %s fault(s) rolled back, %u survived, then it works",
		op->name, *faults,
		op->kind == FAULT_KERNEL ? "kernel" : "allocation", *tolerated);
	if (op->undo != NULL)
		op->undo(op->arg);
	return 0;
}

/* ---- user maps and unmaps ---- */

struct user_ctx {
	int cfd;
	uint64_t va;
	unsigned int pages;
};

static int
op_paged_map(void *arg)
{
	struct user_ctx *c = arg;

	return rte_vfio_container_dma_map_paged(c->cfd, c->va, IOVA_BASE,
		c->pages * pg, pg);
}

static void
undo_paged_map(void *arg)
{
	struct user_ctx *c = arg;

	rte_vfio_container_dma_unmap(c->cfd, c->va, IOVA_BASE, c->pages * pg);
}

/*
 * The unmap below releases [IOVA_BASE, +6 pages) laid out as: a page,
 * a page shared by two maps (it only loses a reference), two pages, a
 * paged pair: three kernel runs around the shared page... expressed in
 * whole records, one call per adjacent run.
 */
static int
user_layout(const struct user_ctx *c)
{
	int fd = c->cfd;

	if (rte_vfio_container_dma_map(fd, c->va, IOVA_BASE, pg) < 0 ||
			rte_vfio_container_dma_map(fd, c->va + pg, IOVA_BASE + pg, pg) < 0 ||
			rte_vfio_container_dma_map(fd, c->va + pg, IOVA_BASE + pg, pg) < 0 ||
			rte_vfio_container_dma_map(fd, c->va + 2 * pg, IOVA_BASE + 2 * pg,
				2 * pg) < 0 ||
			rte_vfio_container_dma_map_paged(fd, c->va + 4 * pg,
				IOVA_BASE + 4 * pg, 2 * pg, pg) < 0)
		return -1;
	return 0;
}

static int
op_unmap_runs(void *arg)
{
	struct user_ctx *c = arg;

	return rte_vfio_container_dma_unmap(c->cfd, c->va, IOVA_BASE, 6 * pg);
}

static int
test_fault_user(void)
{
	struct user_ctx c = { .pages = 8 };
	struct fault_op op = { .arg = &c };
	unsigned int faults, tolerated;
	struct snap s;
	uint8_t *buf;

	START(0);
	buf = buf_alloc(16);
	TEST_ASSERT_NOT_NULL(buf, "mmap");
	c.va = (uintptr_t)buf;
	c.cfd = rte_vfio_container_create();
	TEST_ASSERT(c.cfd >= 0, "create");
	TEST_ASSERT(rte_vfio_container_group_bind(c.cfd, GROUP_A) >= 0, "bind");
	op.cont = c.cfd;

	op.name = "paged map (allocations)";
	op.run = op_paged_map;
	op.undo = undo_paged_map;
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "paged map");
	TEST_ASSERT(faults >= c.pages + 1, "a unit array and a record per page (%u)", faults);

	TEST_ASSERT_SUCCESS(user_layout(&c), "layout");
	TEST_ASSERT_SUCCESS(inv_records_match_kernel(c.cfd), "records == kernel");
	op.name = "unmap of several runs (kernel)";
	op.run = op_unmap_runs;
	op.undo = NULL;
	op.kind = FAULT_KERNEL;
	op.request = VFIO_IOMMU_UNMAP_DMA;
	op.err = EINVAL;
	op.expect_err = EINVAL;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "unmap");
	TEST_ASSERT_EQUAL(faults, 2, "one kernel call per run around the shared page");
	snap_take(c.cfd, &s);
	TEST_ASSERT_EQUAL(s.n, 1, "only the shared page is left");
	TEST_ASSERT_EQUAL(s.rec[0].refcnt, 1, "with one reference");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(c.cfd, c.va + pg, IOVA_BASE + pg, pg),
		"last reference");

	TEST_ASSERT_SUCCESS(user_layout(&c), "layout again");
	op.name = "unmap of several runs (allocations)";
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "unmap");
	TEST_ASSERT(faults >= 1, "the unmap lists its records");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(c.cfd, c.va + pg, IOVA_BASE + pg, pg),
		"last reference");
	TEST_ASSERT_SUCCESS(inv_va_unmapped(c.cfd, c.va, 16 * pg), "nothing left mapped");

	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(c.cfd), "destroy");
	munmap(buf, 16 * pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* ---- groups: bind (SET_IOMMU, GET_INFO, replay) and container destroy ---- */

struct bind_ctx {
	int cfd;
	int group;
};

static int
op_bind(void *arg)
{
	struct bind_ctx *c = arg;

	return rte_vfio_container_group_bind(c->cfd, c->group) >= 0 ? 0 : -1;
}

static void
undo_bind(void *arg)
{
	struct bind_ctx *c = arg;

	rte_vfio_container_group_unbind(c->cfd, c->group);
}

static int
test_fault_group(void)
{
	struct bind_ctx c = { .group = GROUP_A };
	struct fault_op op = { .arg = &c, .run = op_bind, .undo = undo_bind };
	unsigned int faults, tolerated, n_rec;
	uint8_t *buf;
	int cfd2;

	START(0);
	buf = buf_alloc(16);
	TEST_ASSERT_NOT_NULL(buf, "mmap");
	c.cfd = rte_vfio_container_create();
	TEST_ASSERT(c.cfd >= 0, "create");
	op.cont = c.cfd;
	/* records waiting for a group: the first bind replays them */
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(c.cfd, (uintptr_t)buf,
		IOVA_BASE, 4 * pg, pg), "paged map before any group");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(c.cfd, (uintptr_t)buf + 8 * pg,
		IOVA_BASE + 16 * pg, 4 * pg), "map before any group");
	n_rec = 5;

	op.name = "first bind (every kernel call)";
	op.kind = FAULT_KERNEL;
	op.request = 0;
	op.err = EIO;
	op.expect_err = EIO;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "bind");
	TEST_ASSERT(faults + tolerated >= 6 + n_rec,
		"GET_STATUS, SET_CONTAINER, 2 CHECK_EXTENSION, SET_IOMMU, GET_INFO and the replay (%u + %u)",
		faults, tolerated);
	op.name = "first bind (allocations)";
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "bind");
	TEST_ASSERT(faults >= 1, "the replay lists its records");

	TEST_STEP("a second group: GET_INFO again");
	TEST_ASSERT(rte_vfio_container_group_bind(c.cfd, GROUP_A) >= 0, "bind A");
	c.group = GROUP_B;
	op.name = "second bind (every kernel call)";
	op.kind = FAULT_KERNEL;
	op.expect_err = EIO;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "bind B");
	TEST_ASSERT(faults + tolerated >= 3, "GET_STATUS, SET_CONTAINER and GET_INFO (%u + %u)",
		faults, tolerated);
	TEST_ASSERT(rte_vfio_container_group_bind(c.cfd, GROUP_B) >= 0, "bind B");

	TEST_STEP("destroy with UNMAP_DMA failing: the container still goes");
	vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, 1, EIO);
	TEST_ASSERT_ERRNO(rte_vfio_container_destroy(c.cfd), EIO, "destroy under a fault");
	disarm();
	TEST_ASSERT_EQUAL(vfio_container_state_get(c.cfd), -1, "container gone");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model sane");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0, "nothing stays pinned");
	TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "invariants");
	cfd2 = rte_vfio_container_create();
	TEST_ASSERT(cfd2 >= 0, "create again");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd2, GROUP_A) >= 0, "group A is free again");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd2, GROUP_B) >= 0, "group B is free again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd2, (uintptr_t)buf, IOVA_BASE,
		4 * pg), "map in the new container");
	TEST_ASSERT_SUCCESS(inv_records_match_kernel(cfd2), "records == kernel");

	TEST_STEP("destroy with an allocation failing: the container still goes");
	vfio_alloc_fail_nth(1);
	rte_errno = 0;
	(void)rte_vfio_container_destroy(cfd2);
	disarm();
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd2), -1, "container gone");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0, "nothing stays pinned");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model sane");

	TEST_STEP("container create (allocations)");
	{
		int fd = -1;
		unsigned int n;

		for (n = 1; n <= 8 && fd < 0; n++) {
			vfio_alloc_fail_nth(n);
			rte_errno = 0;
			fd = rte_vfio_container_create();
			disarm();
			if (fd < 0)
				TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "create under fault #%u", n);
		}
		TEST_ASSERT(fd >= 0, "create works after the faults");
		TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(fd), "destroy");
	}
	munmap(buf, 16 * pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

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
	h.size = 6 * pg;
	op.name = "heap growth of 7 pages (allocations)";
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "growth");
	TEST_ASSERT(faults >= 2, "unit array and records (%u)", faults);
	TEST_ASSERT_SUCCESS(live_mapped(&h), "live allocations still mapped");

	TEST_STEP("shrink of several pages with a kernel unmap failing");
	for (k = 1; k <= 3; k++) {
		void *p = rte_malloc(NULL, 6 * pg, 0);
		uint64_t va;

		TEST_ASSERT_NOT_NULL(p, "growth (%u)", k);
		va = (uintptr_t)p;
		vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, k, EIO);
		rte_free(p);
		rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
		disarm();
		TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "records == kernel, none stray (fault %u)", k);
		TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, RTE_ALIGN_CEIL(va, pg) + pg, 4 * pg),
			"freed pages are not left mapped (fault %u)", k);
		TEST_ASSERT_SUCCESS(live_mapped(&h), "live allocations mapped (fault %u)", k);
		p = rte_malloc(NULL, 6 * pg, 0);
		TEST_ASSERT_NOT_NULL(p, "the next growth works (fault %u): %s", k,
			rte_strerror(rte_errno));
		TEST_ASSERT_SUCCESS(inv_heap_mapped(p, 6 * pg), "and is mapped");
		rte_free(p);
	}
	TEST_STEP("shrink of several pages with an allocation failing");
	for (k = 1; k <= 3; k++) {
		void *p = rte_malloc(NULL, 6 * pg, 0);
		uint64_t va;

		TEST_ASSERT_NOT_NULL(p, "growth (%u)", k);
		va = (uintptr_t)p;
		vfio_alloc_fail_nth(k);
		rte_free(p);
		rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
		disarm();
		TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "records == kernel, none stray (fault %u)", k);
		TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, RTE_ALIGN_CEIL(va, pg) + pg, 4 * pg),
			"freed pages are not left mapped (fault %u)", k);
		p = rte_malloc(NULL, 6 * pg, 0);
		TEST_ASSERT_NOT_NULL(p, "the next growth works (fault %u): %s", k,
			rte_strerror(rte_errno));
		rte_free(p);
	}
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

	return rte_malloc_heap_memory_add("fault_ext", e->va, EXT_PAGES * pg,
		e->iovas, EXT_PAGES, pg);
}

static void
undo_ext_add(void *arg)
{
	struct ext_ctx *e = arg;

	rte_malloc_heap_memory_remove("fault_ext", e->va, EXT_PAGES * pg);
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
	e.va = buf_alloc(EXT_PAGES);
	TEST_ASSERT_NOT_NULL(e.va, "mmap");
	/* four IOVA-contiguous runs of two pages: four units */
	for (i = 0; i < EXT_PAGES; i++)
		e.iovas[i] = IOVA_BASE + (i / 2) * 16 * pg + (i % 2) * pg;
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
		p = rte_malloc_socket(NULL, pg, 0, rte_malloc_heap_get_socket("fault_ext"));
		TEST_ASSERT_NOT_NULL(p, "allocate from the external heap");
		TEST_ASSERT_SUCCESS(inv_heap_mapped(p, pg), "mapped");
		rte_free(p);
		vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, k, EIO);
		rte_errno = 0;
		(void)rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * pg);
		disarm();
		TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "invariants (fault %u)", k);
		if (rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * pg) == 0)
			TEST_STEP("  remove %u: refused the first time, done the second", k);
		TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, (uintptr_t)e.va, EXT_PAGES * pg),
			"removed memory is not left mapped (fault %u)", k);
	}
	TEST_STEP("remove with an allocation failing");
	for (k = 1; k <= 3; k++) {
		TEST_ASSERT_SUCCESS(op_ext_add(&e), "add (%u)", k);
		vfio_alloc_fail_nth(k);
		rte_errno = 0;
		(void)rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * pg);
		disarm();
		TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "invariants (fault %u)", k);
		(void)rte_malloc_heap_memory_remove("fault_ext", e.va, EXT_PAGES * pg);
		TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, (uintptr_t)e.va, EXT_PAGES * pg),
			"removed memory is not left mapped (fault %u)", k);
	}
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy("fault_ext"), "heap destroy");
	munmap(e.va, EXT_PAGES * pg);
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
	pg = test_page_size();
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
			disarm();
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
			TEST_ASSERT(rte_malloc(NULL, 2 * pg, 0) != NULL,
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

REGISTER_TEST_COMMAND(fault_vfio_user_autotest, test_fault_user);
REGISTER_TEST_COMMAND(fault_vfio_group_autotest, test_fault_group);
REGISTER_TEST_COMMAND(fault_vfio_heap_autotest, test_fault_heap);
REGISTER_TEST_COMMAND(fault_vfio_extmem_autotest, test_fault_extmem);
REGISTER_TEST_COMMAND(fault_eal_init_autotest, test_fault_eal_init);
