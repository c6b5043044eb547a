/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem_hotplug_vfio_autotest: the heap grows and shrinks in dynamic memory
 * mode with a device attached, and device DMA follows page by page.
 *
 * - New pages are mapped before rte_malloc() returns: one DMA mapping per
 *   page (memseg), never merged, each reachable at once.
 * - Freed pages are unmapped before they go back to the system: a DMA read
 *   of their IOVA no longer returns their data.
 * - The key case: of several contiguous pages, exactly the one whose
 *   contents were all freed is released; it is unreachable, its neighbours
 *   stay mapped and reachable.
 *
 * On 2 MiB hugepages when enough are free (the VM's default and hugepages
 * configurations reserve them), else on system pages with --no-huge
 * --dynamic-mem.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
#define FREE_2M "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define SZ_2M (2UL << 20)
/* small elements: 4 per page, so every page holds at least one whole one */
#define PER_PAGE 4
#define N_PAGES_KEY 7
#define MAX_ELEMS (PER_PAGE * (N_PAGES_KEY + 4))
/* room around an element's data for its header and trailer */
#define ELEM_SLACK 256

static size_t pg;       /* the heap's page size in this run */

static long
free_2m_pages(void)
{
	long n = test_read_long(FREE_2M);

	return n < 0 ? 0 : n;
}

/* ---- the heap records of the default container over a VA range ---- */

struct heap_recs {
	uint64_t iova_lo, iova_hi;
	unsigned int n;
	bool bad_len;
};

static void
heap_recs_cb(const struct vfio_record *r, void *arg)
{
	struct heap_recs *h = arg;

	if (r->kind != VFIO_REC_HEAP || r->iova + r->len <= h->iova_lo ||
			r->iova >= h->iova_hi)
		return;
	h->n++;
	if (r->len != pg)
		h->bad_len = true;
}

/* The record of the page at va: present, one page, heap kind? */
static int
page_record(const void *va, bool *present)
{
	struct heap_recs h;
	rte_iova_t iova = rte_mem_virt2iova(va);

	if (iova == RTE_BAD_IOVA)
		return -1;
	h = (struct heap_recs){ .iova_lo = iova, .iova_hi = iova + 1 };
	if (vfio_container_records_walk(DEF, heap_recs_cb, &h) < 0 || h.bad_len)
		return -1;
	*present = h.n == 1;
	return 0;
}

static unsigned int
heap_record_count(void)
{
	struct heap_recs h = { .iova_lo = 0, .iova_hi = UINT64_MAX };

	vfio_container_records_walk(DEF, heap_recs_cb, &h);
	return h.n;
}

static void *
page_of(const void *va)
{
	return (void *)RTE_ALIGN_FLOOR((uintptr_t)va, (uintptr_t)pg);
}

/* Every page of [p, p + len) is in use, has its own one-page heap record
 * and is reachable at its memseg's IOVA. */
static int
pages_mapped(const char *step, uint8_t *p, size_t len)
{
	uint8_t *a;
	bool present;

	for (a = page_of(p); a < p + len; a += pg) {
		TEST_ASSERT_NOT_NULL(rte_mem_virt2memseg(a, NULL),
			"%s: page %p in use", step, a);
		TEST_ASSERT_SUCCESS(page_record(a, &present),
			"%s: page %p has only one-page heap records", step, a);
		TEST_ASSERT(present, "%s: page %p mapped (its own record)", step, a);
	}
	return TEST_SUCCESS;
}

/* ---- growth and shrink of one allocation ---- */

static int
grow_and_shrink(void)
{
	size_t len = 3 * pg;
	unsigned int before, pages;
	uint8_t *p, *mid, *a;
	rte_iova_t mid_iova;

	TEST_STEP("rte_malloc of 3 pages: every new page mapped (one record each) before it returns, reachable");
	before = heap_record_count();
	p = rte_malloc(NULL, len, pg);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc of %zu bytes: %s", len,
		rte_strerror(rte_errno));
	pages = heap_record_count() - before;
	TEST_ASSERT(pages >= 3, "at least 3 new page mappings, got %u", pages);
	if (pages_mapped("growth", p, len) != TEST_SUCCESS)
		return TEST_FAILED;
	/* page by page: with IOVA as PA the pages need not be IOVA-contiguous */
	for (a = p; a < p + len; a += pg)
		TEST_ASSERT_SUCCESS(dma_proof_reachable(a, rte_malloc_virt2iova(a), pg),
			"page %p of the allocation", a);

	TEST_STEP("rte_free: the pages are unmapped before they are released");
	mid = p + pg;
	mid_iova = rte_malloc_virt2iova(mid);
	dma_proof_mark(mid, mid_iova, pg);
	rte_free(p);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT_NULL(rte_mem_virt2memseg(mid, NULL), "the middle page was released");
	TEST_ASSERT(heap_record_count() <= before + pages - 3,
		"at least 3 page mappings gone (%u left of %u)", heap_record_count(),
		before + pages);
	TEST_ASSERT_SUCCESS(dma_proof_released(mid_iova, pg),
		"the released middle page");
	return TEST_SUCCESS;
}

/* ---- the key case: one page of several contiguous ones ---- */

struct key {
	uint8_t *e[MAX_ELEMS];
	unsigned int n;
	size_t sz;
};

static bool
elem_within(const uint8_t *p, size_t sz, const uint8_t *page)
{
	return p - ELEM_SLACK >= page && p + sz + ELEM_SLACK <= page + pg;
}

static bool
elem_touches(const uint8_t *p, size_t sz, const uint8_t *page)
{
	return p - ELEM_SLACK < page + pg && p + sz + ELEM_SLACK > page;
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* A page whose two neighbours each hold one of our elements entirely and
 * which holds nothing else but ours (our elements are back to back). */
static uint8_t *
pick_middle(const struct key *k, uint8_t **left, uint8_t **right)
{
	unsigned int i, j, l;

	for (i = k->n / 2; i < k->n; i++) {
		uint8_t *m = page_of(k->e[i]);

		*left = *right = NULL;
		for (j = 0; j < k->n; j++) {
			if (elem_within(k->e[j], k->sz, m - pg))
				*left = k->e[j];
			if (*right == NULL && elem_within(k->e[j], k->sz, m + pg))
				*right = k->e[j];
		}
		if (*left == NULL || *right == NULL)
			continue;
		/* contiguous in VA from left to right: no foreign memory between */
		for (l = 0; l + 1 < k->n && k->e[l] != *left; l++)
			;
		for (j = l; j + 1 < k->n && k->e[j] != *right; j++)
			if ((size_t)(k->e[j + 1] - k->e[j]) > k->sz + 2 * ELEM_SLACK)
				break;
		if (k->e[j] == *right)
			return m;
	}
	return NULL;
}

static int
one_page_of_several(void)
{
	struct key k = { .sz = pg / PER_PAGE - 2 * ELEM_SLACK };
	uint8_t *m, *left, *right, *marked = NULL;
	unsigned int i, recs, freed = 0;
	rte_iova_t m_iova;
	bool present;

	TEST_STEP("%d contiguous pages of small blocks; free every block of a middle page: exactly that page goes",
		N_PAGES_KEY);
	for (k.n = 0; k.n < MAX_ELEMS; k.n++) {
		k.e[k.n] = rte_malloc(NULL, k.sz, 0);
		TEST_ASSERT_NOT_NULL(k.e[k.n], "block %u: %s", k.n,
			rte_strerror(rte_errno));
	}
	qsort(k.e, k.n, sizeof(k.e[0]), cmp_ptr);
	m = pick_middle(&k, &left, &right);
	TEST_ASSERT_NOT_NULL(m, "a middle page among %u blocks of %zu bytes", k.n, k.sz);
	printf("    pages %p, %p (released), %p\n", m - pg, m, m + pg);
	for (i = 0; i < 3; i++)
		if (pages_mapped("before the free", m - pg + (size_t)i * pg, pg) != TEST_SUCCESS)
			return TEST_FAILED;
	/* proofs go through a block wholly inside the page: the page also
	 * holds heap headers, which random data must not overwrite */
	for (i = 0; i < k.n && marked == NULL; i++)
		if (elem_within(k.e[i], k.sz, m))
			marked = k.e[i];
	TEST_ASSERT_NOT_NULL(marked, "a block inside the middle page");
	m_iova = rte_malloc_virt2iova(marked);
	TEST_ASSERT_SUCCESS(dma_proof_reachable(marked, m_iova, k.sz),
		"the middle page before the free");
	dma_proof_mark(marked, m_iova, k.sz);

	recs = heap_record_count();
	for (i = 0; i < k.n; i++) {
		if (!elem_touches(k.e[i], k.sz, m))
			continue;
		TEST_ASSERT(k.e[i] != left && k.e[i] != right,
			"the neighbours' own blocks are not freed");
		rte_free(k.e[i]);
		k.e[i] = NULL;
		freed++;
	}
	printf("    freed %u blocks touching the middle page\n", freed);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT_NULL(rte_mem_virt2memseg(m, NULL), "the middle page was released");
	TEST_ASSERT_NOT_NULL(rte_mem_virt2memseg(m - pg, NULL), "the left page stays");
	TEST_ASSERT_NOT_NULL(rte_mem_virt2memseg(m + pg, NULL), "the right page stays");
	TEST_ASSERT_EQUAL(heap_record_count(), recs - 1,
		"exactly one page mapping gone");
	TEST_ASSERT_SUCCESS(page_record(m - pg, &present), "left page record");
	TEST_ASSERT(present, "the left page is still mapped");
	TEST_ASSERT_SUCCESS(page_record(m + pg, &present), "right page record");
	TEST_ASSERT(present, "the right page is still mapped");

	TEST_STEP("DMA: the released page is unreachable, its neighbours still reachable");
	TEST_ASSERT_SUCCESS(dma_proof_released(m_iova, k.sz),
		"the released middle page");
	TEST_ASSERT_SUCCESS(dma_proof_reachable(left, rte_malloc_virt2iova(left), k.sz),
		"a block of the left page");
	TEST_ASSERT_SUCCESS(dma_proof_reachable(right, rte_malloc_virt2iova(right), k.sz),
		"a block of the right page");

	TEST_STEP("freeing everything gives every page back, unmapped");
	for (i = 0; i < k.n; i++)
		rte_free(k.e[i]);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT_NULL(rte_mem_virt2memseg(m - pg, NULL), "the left page was released");
	TEST_ASSERT_NULL(rte_mem_virt2memseg(m + pg, NULL), "the right page was released");
	TEST_ASSERT(heap_record_count() <= recs - 3, "their mappings went with them");
	return TEST_SUCCESS;
}

static int
test_mem_hotplug_vfio(void)
{
	long free2m = free_2m_pages();
	int ret;

	if (free2m >= 2 * N_PAGES_KEY + 16) {
		pg = SZ_2M;
		TEST_ASSERT(test_eal_init("--in-memory", NULL) >= 0,
			"EAL init on 2 MiB hugepages: %s", rte_strerror(rte_errno));
		printf("  dynamic memory on 2 MiB hugepages (%ld free)\n", free2m);
	} else {
		pg = test_page_size();
		TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", NULL) >= 0,
			"EAL init: %s", rte_strerror(rte_errno));
		printf("  dynamic memory on system pages of %zu bytes (%ld free 2 MiB hugepages: too few for the hugepage variant)\n",
			pg, free2m);
	}
	ret = dma_proof_setup(true);
	if (ret != TEST_SUCCESS)
		return ret;
	ret = grow_and_shrink();
	if (ret == TEST_SUCCESS)
		ret = one_page_of_several();
	dma_proof_close();
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(mem_hotplug_vfio_autotest, test_mem_hotplug_vfio);
