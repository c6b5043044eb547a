/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO and the heap: the release units of DESIGN principle 1 (one mapping
 * per memseg of dynamic memory, one per IOVA-contiguous run of static or
 * external heap memory), rollback of a heap growth under fault injection,
 * and map/unmap from several threads while the heap grows and shrinks.
 *
 * The consistency check used throughout: the heap records of the default
 * container are exactly the dynamic memsegs in use (one page each), the
 * static records are exactly the IOVA-contiguous runs of static memory,
 * and (on the model) the kernel holds exactly the records.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define MAX_UNITS 65536

static uint64_t pg;

struct unit {
	uint64_t iova, vaddr, len;
};

struct units {
	unsigned int n;
	struct unit u[MAX_UNITS];
};

/* ---- setup: EAL, and one group bound to the default container ---- */

/* Bind a group to the default container. */
static int
bind_default(void)
{
	int num;

	if (!test_vfio_is_kernel()) {
		if (test_vfio_model_group(50, "0000:00:10.0") < 0)
			return TEST_FAILED;
		num = 50;
	} else {
		num = test_vfio_pci_group(-1);
		if (num < 0) {
			return test_missing(__func__, "no IOMMU group bound to vfio-pci");
		}
	}
	if (rte_vfio_get_group_fd(num) < 0) {
		printf("FAIL binding group %d to the default container: %s\n", num,
			rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

#define START(...) do { \
	pg = test_page_size(); \
	if (test_eal_init(__VA_ARGS__, NULL) < 0) { \
		if (rte_errno == EACCES) \
			TEST_SKIP_MISSING("IOVA as PA needs access to physical addresses (root)"); \
		TEST_FAIL_MSG("EAL init with %s failed: %s", #__VA_ARGS__, \
			rte_strerror(rte_errno)); \
		return TEST_FAILED; \
	} \
	if (rte_vfio_get_container_fd() < 0) { \
		rte_eal_cleanup(); \
		TEST_SKIP_MISSING("VFIO is not available here"); \
	} \
} while (0)

#define BIND() do { \
	int r_ = bind_default(); \
	if (r_ != TEST_SUCCESS) { \
		rte_eal_cleanup(); \
		return r_; \
	} \
} while (0)

/* ---- what the records and the memsegs say ---- */

struct rec_filter {
	struct units *out;
	int kind;
};

static void
rec_cb(const struct vfio_record *r, void *arg)
{
	struct rec_filter *f = arg;

	if ((int)r->kind != f->kind || f->out->n >= MAX_UNITS)
		return;
	f->out->u[f->out->n++] = (struct unit){ r->iova, r->vaddr, r->len };
}

static void
records_of(int kind, struct units *out)
{
	struct rec_filter f = { .out = out, .kind = kind };

	out->n = 0;
	vfio_container_records_walk(DEF, rec_cb, &f);
}

/* Dynamic memsegs one by one, static memory as IOVA-contiguous runs. */
static int
seg_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	struct units *u = ((struct units **)arg)[eal_memseg_list_is_static(msl) ? 1 : 0];
	struct unit *prev = u->n > 0 ? &u->u[u->n - 1] : NULL;

	if (ms->iova == RTE_BAD_IOVA || u->n >= MAX_UNITS)
		return 0;
	if (eal_memseg_list_is_static(msl) && prev != NULL &&
			prev->iova + prev->len == ms->iova &&
			prev->vaddr + prev->len == ms->addr_64) {
		prev->len += ms->len;
		return 0;
	}
	u->u[u->n++] = (struct unit){ ms->iova, ms->addr_64, ms->len };
	return 0;
}

static int
unit_cmp(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

static int
units_equal(struct units *a, struct units *b)
{
	qsort(a->u, a->n, sizeof(a->u[0]), unit_cmp);
	qsort(b->u, b->n, sizeof(b->u[0]), unit_cmp);
	return a->n == b->n && memcmp(a->u, b->u, a->n * sizeof(a->u[0])) == 0;
}

struct kern {
	unsigned int n;
	uint64_t bytes;
};

static void
kern_cb(uint64_t iova __rte_unused, uint64_t vaddr __rte_unused, uint64_t len,
		void *arg)
{
	struct kern *k = arg;

	k->n++;
	k->bytes += len;
}

/*
 * Records == memory layout, and (model) every record is a kernel mapping.
 * segs_dyn/segs_static/rec_* are scratch buffers.
 */
static struct units *s_dyn, *s_static, *r_heap, *r_static;

static int
scratch_alloc(void)
{
	s_dyn = malloc(sizeof(*s_dyn));
	s_static = malloc(sizeof(*s_static));
	r_heap = malloc(sizeof(*r_heap));
	r_static = malloc(sizeof(*r_static));
	return s_dyn && s_static && r_heap && r_static ? 0 : -1;
}

static void
scratch_free(void)
{
	free(s_dyn);
	free(s_static);
	free(r_heap);
	free(r_static);
}

static int
consistent(const char *when)
{
	struct units *segs[2] = { s_dyn, s_static };
	struct vfio_container_stats st;

	s_dyn->n = 0;
	s_static->n = 0;
	rte_memseg_walk(seg_cb, segs);
	records_of(VFIO_REC_HEAP, r_heap);
	records_of(VFIO_REC_STATIC, r_static);
	if (!units_equal(s_dyn, r_heap)) {
		printf("  %s: %u dynamic memsegs, %u heap records\n", when, s_dyn->n,
			r_heap->n);
		return 0;
	}
	if (!units_equal(s_static, r_static)) {
		printf("  %s: %u static runs, %u static records\n", when, s_static->n,
			r_static->n);
		return 0;
	}
	if (!test_vfio_is_kernel() &&
			vfio_container_stats_get(DEF, &st) == 0 &&
			vfio_container_state_get(DEF) == VFIO_CONT_IOMMU) {
		struct kern k = { 0, 0 };

		vfio_model_walk(rte_vfio_get_container_fd(), kern_cb, &k);
		if (k.n != st.records || k.bytes != st.bytes_mapped) {
			printf("  %s: %" PRIu64 " records, %u kernel mappings\n", when,
				st.records, k.n);
			return 0;
		}
	}
	return 1;
}

static struct vfio_container_stats
stats(void)
{
	struct vfio_container_stats st = { 0 };

	vfio_container_stats_get(DEF, &st);
	return st;
}

/* ---- tests ---- */

/* Dynamic memory: one mapping per page, released page by page. */
static int
heap_units(const char *iova_mode)
{
	struct units *before, *after;
	struct vfio_container_stats st0, st1;
	void *p, *q;
	unsigned int i, j, released = 0;
	int ret = TEST_FAILED;

	START("--no-huge", "--dynamic-mem", "--no-pci", iova_mode);
	BIND();
	before = malloc(sizeof(*before));
	after = malloc(sizeof(*after));
	TEST_ASSERT(before && after && scratch_alloc() == 0, "scratch memory");
	TEST_ASSERT(consistent("after init"), "records == memsegs");

	TEST_STEP("grow the heap by several pages");
	st0 = stats();
	p = rte_malloc(NULL, 8 * pg, pg);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc 8 pages");
	q = rte_malloc(NULL, 2 * pg, pg);
	TEST_ASSERT_NOT_NULL(q, "rte_malloc 2 pages");
	st1 = stats();
	TEST_ASSERT(st1.records >= st0.records + 8, "one record per new page");
	TEST_ASSERT_EQUAL(st1.map_calls - st0.map_calls, st1.records - st0.records,
		"one kernel mapping per page, never merged");
	TEST_ASSERT(consistent("after growth"), "records == memsegs");
	records_of(VFIO_REC_HEAP, before);

	TEST_STEP("free: the heap keeps the pages, still mapped");
	rte_free(p);
	TEST_ASSERT(consistent("after free"), "records == memsegs");
	TEST_ASSERT_EQUAL(stats().records, st1.records, "kept pages stay mapped");
	TEST_STEP("trim: exactly the released pages are unmapped");
	rte_malloc_heap_trim(NULL);
	TEST_ASSERT(consistent("after trim"), "records == memsegs");
	records_of(VFIO_REC_HEAP, after);
	for (i = 0; i < before->n; i++) {
		bool kept = false;

		for (j = 0; j < after->n && !kept; j++)
			kept = after->u[j].iova == before->u[i].iova;
		if (!kept)
			released++;
		if (!test_vfio_is_kernel())
			TEST_ASSERT_EQUAL(vfio_model_is_mapped(rte_vfio_get_container_fd(),
				before->u[i].iova, before->u[i].len), kept,
				"page at IOVA 0x%" PRIx64, before->u[i].iova);
	}
	TEST_ASSERT(released >= 1, "freeing 8 pages gave at least one back");
	TEST_ASSERT(after->n >= 2, "the pages of the other allocation stay mapped");
	TEST_ASSERT(stats().unmap_calls > st1.unmap_calls, "pages unmapped in the kernel");
	rte_free(q);
	TEST_ASSERT(consistent("after the last free"), "records == memsegs");
	ret = TEST_SUCCESS;
	free(before);
	free(after);
	scratch_free();
	rte_eal_cleanup();
	return ret;
}

static int
test_vfio_heap_units(void)
{
	return heap_units("--iova-mode=va");
}

static int
test_vfio_heap_units_pa(void)
{
	return heap_units("--iova-mode=pa");
}

/* 64 MiB of external heap memory at the system page size: one mapping. */
static int
test_vfio_extmem(void)
{
	const size_t len = 64 << 20;
	struct vfio_container_stats st0, st1;
	uint64_t *table;
	void *va, *p;
	int socket;

	START("--no-huge", "--no-pci");
	BIND();
	TEST_ASSERT(scratch_alloc() == 0, "scratch memory");
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap 64 MiB");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("vfio_ext"), "heap create");
	st0 = stats();
	table = test_iova_table(va, len, pg);
	TEST_ASSERT_NOT_NULL(table, "IOVA table: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_add("vfio_ext", va, len, table,
		len / pg, pg), "memory_add: %s", rte_strerror(rte_errno));
	st1 = stats();
	TEST_ASSERT_EQUAL(st1.records - st0.records, 1, "one record for 64 MiB");
	TEST_ASSERT_EQUAL(st1.map_calls - st0.map_calls, 1, "one kernel mapping");
	TEST_ASSERT_EQUAL(st1.dma_entries - st0.dma_entries, 1, "one DMA entry");
	TEST_ASSERT_EQUAL(st1.bytes_mapped - st0.bytes_mapped, len, "64 MiB mapped");
	if (!test_vfio_is_kernel())
		TEST_ASSERT(vfio_model_is_mapped(rte_vfio_get_container_fd(),
			(uintptr_t)va, len), "mapped in the kernel");
	TEST_ASSERT(consistent("after memory_add"), "records == memory");
	socket = rte_malloc_heap_get_socket("vfio_ext");
	p = rte_malloc_socket(NULL, 1 << 20, 0, socket);
	TEST_ASSERT_NOT_NULL(p, "allocate from the external heap");
	TEST_ASSERT_EQUAL(stats().map_calls, st1.map_calls, "no new mapping");
	rte_free(p);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove("vfio_ext", va, len), "remove");
	TEST_ASSERT_EQUAL(stats().records, st0.records, "record gone");
	TEST_ASSERT_EQUAL(stats().unmap_calls - st1.unmap_calls, 1, "one kernel unmap");
	if (!test_vfio_is_kernel())
		TEST_ASSERT(!vfio_model_is_mapped(rte_vfio_get_container_fd(),
			(uintptr_t)va, pg), "unmapped in the kernel");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy("vfio_ext"), "heap destroy");
	test_iova_table_free(table, len);
	munmap(va, len);
	scratch_free();
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* Static --no-huge memory: one mapping per IOVA-contiguous run. */
static int
static_runs(const char *iova_mode)
{
	struct vfio_container_stats st0, st1;
	void *p;

	START("--no-huge", "--no-pci", iova_mode);
	TEST_ASSERT(scratch_alloc() == 0, "scratch memory");
	TEST_ASSERT(consistent("after init"), "static records == IOVA-contiguous runs");
	TEST_ASSERT(r_static->n >= 1, "static memory is recorded");
	TEST_STEP("%u static record(s) for %u IOVA-contiguous run(s) (%s)", r_static->n,
		s_static->n, iova_mode);
	st0 = stats();
	TEST_ASSERT_EQUAL(st0.map_calls, 0, "nothing issued without a group");
	BIND();
	st1 = stats();
	TEST_ASSERT_EQUAL(st1.map_calls, st0.records, "replayed: one call per record");
	TEST_ASSERT(consistent("after bind"), "records == memory");
	p = rte_malloc(NULL, 4 * pg, 0);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc");
	TEST_ASSERT_EQUAL(stats().map_calls, st1.map_calls,
		"static memory is mapped once, not per allocation");
	rte_free(p);
	scratch_free();
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_vfio_static(void)
{
	return static_runs("--iova-mode=va");
}

static int
test_vfio_static_pa(void)
{
	return static_runs("--iova-mode=pa");
}

/* A fault at each kernel call of a heap growth: the allocation fails, nothing stays. */
static int
test_vfio_heap_rollback(void)
{
	struct vfio_container_stats st0;
	unsigned int k, failures = 0;
	void *p = NULL;

	if (test_vfio_is_kernel())
		TEST_SKIP("fault injection needs the model");
	START("--no-huge", "--dynamic-mem", "--no-pci");
	BIND();
	TEST_ASSERT(scratch_alloc() == 0, "scratch memory");
	for (k = 1; k <= 64 && p == NULL; k++) {
		st0 = stats();
		vfio_model_fail_nth(VFIO_IOMMU_MAP_DMA, k, ENOMEM);
		p = rte_malloc(NULL, 6 * pg, 0);
		vfio_model_fail_nth(0, 0, 0);
		TEST_ASSERT(consistent("after an injected fault"),
			"records == memsegs == kernel (fault at call %u)", k);
		if (p == NULL) {
			failures++;
			TEST_ASSERT_EQUAL(stats().records, st0.records,
				"rolled back (fault at call %u)", k);
		}
	}
	TEST_ASSERT_NOT_NULL(p, "succeeds once the fault is past its calls");
	TEST_ASSERT(failures >= 2, "a growth of several pages failed at each call (%u)",
		failures);
	rte_free(p);
	TEST_ASSERT(consistent("at the end"), "records == memsegs");
	scratch_free();
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* ---- concurrency ---- */

#define STRESS_ITERS 300

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned int errors;
	uint8_t *buf;
};

static void *
mapper(void *arg)
{
	struct worker *w = arg;
	uint64_t va = (uintptr_t)w->buf;
	unsigned int i;

	for (i = 0; i < STRESS_ITERS; i++) {
		/* IOVA = VA: user buffers never collide with heap IOVAs */
		if (rte_vfio_container_dma_map_paged(DEF, va, va, 8 * pg, pg) < 0)
			w->errors++;
		if (rte_vfio_container_dma_unmap(DEF, va + 2 * pg, va + 2 * pg, 3 * pg) < 0)
			w->errors++;
		if (rte_vfio_container_dma_unmap(DEF, va, va, 2 * pg) < 0)
			w->errors++;
		if (rte_vfio_container_dma_unmap(DEF, va + 5 * pg, va + 5 * pg, 3 * pg) < 0)
			w->errors++;
		if (rte_vfio_container_dma_map(DEF, va, va, 8 * pg) < 0 ||
				rte_vfio_container_dma_unmap(DEF, va, va, 8 * pg) < 0)
			w->errors++;
	}
	return NULL;
}

static void *
allocator(void *arg)
{
	struct worker *w = arg;
	unsigned int i, seed = w->id;
	void *p[4];

	for (i = 0; i < STRESS_ITERS; i++) {
		unsigned int j;

		for (j = 0; j < RTE_DIM(p); j++) {
			p[j] = rte_malloc(NULL, ((rand_r(&seed) % 6) + 1) * pg, 0);
			if (p[j] == NULL)
				w->errors++;
			else
				memset(p[j], 0x5a, pg);
		}
		for (j = 0; j < RTE_DIM(p); j++)
			rte_free(p[j]);
	}
	return NULL;
}

static int
test_vfio_stress(void)
{
	struct worker w[4];
	struct units *user;
	unsigned int i;

	START("--no-huge", "--dynamic-mem", "--no-pci");
	BIND();
	TEST_ASSERT(scratch_alloc() == 0, "scratch memory");
	for (i = 0; i < RTE_DIM(w); i++) {
		w[i] = (struct worker){ .id = i + 1 };
		w[i].buf = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		TEST_ASSERT(w[i].buf != MAP_FAILED, "mmap");
	}
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_SUCCESS(pthread_create(&w[i].tid, NULL,
			i % 2 == 0 ? mapper : allocator, &w[i]), "thread %u", i);
	for (i = 0; i < RTE_DIM(w); i++)
		pthread_join(w[i].tid, NULL);
	for (i = 0; i < RTE_DIM(w); i++)
		TEST_ASSERT_EQUAL(w[i].errors, 0, "%s thread %u",
			i % 2 == 0 ? "mapping" : "allocating", i);
	TEST_ASSERT(consistent("after the stress"), "records == memsegs == kernel");
	user = malloc(sizeof(*user));
	TEST_ASSERT_NOT_NULL(user, "scratch");
	records_of(VFIO_REC_USER, user);
	TEST_ASSERT_EQUAL(user->n, 0, "no user mapping left");
	free(user);
	for (i = 0; i < RTE_DIM(w); i++)
		munmap(w[i].buf, 8 * pg);
	scratch_free();
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_heap_units_autotest, test_vfio_heap_units);
REGISTER_TEST_COMMAND(vfio_heap_units_pa_autotest, test_vfio_heap_units_pa);
REGISTER_TEST_COMMAND(vfio_static_pa_autotest, test_vfio_static_pa);
REGISTER_TEST_COMMAND(vfio_extmem_autotest, test_vfio_extmem);
REGISTER_TEST_COMMAND(vfio_static_autotest, test_vfio_static);
REGISTER_TEST_COMMAND(vfio_heap_rollback_autotest, test_vfio_heap_rollback);
REGISTER_TEST_COMMAND(vfio_stress_autotest, test_vfio_stress);
