/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzones: reservation and its constraints (alignment, boundary, page
 * size, IOVA contiguity, the largest free block), lookup, walk, dump,
 * free, the table limit, bad input, concurrent use, dynamic memory seen
 * through memory events, and the DMA proof (an IOVA-contiguous zone is
 * reachable by the device, and unreachable once freed and its pages gone).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test.h"
#include "test_common.h"
#include "dma_proof.h"

static void
count_zone(const struct rte_memzone *mz __rte_unused, void *arg)
{
	(*(unsigned int *)arg)++;
}

static unsigned int
zone_count(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_zone, &n);
	return n;
}

static bool
crosses(const void *addr, size_t len, size_t bound)
{
	uintptr_t a = (uintptr_t)addr;

	return ((a ^ (a + len - 1)) & ~((uintptr_t)bound - 1)) != 0;
}

/* Every page of the zone follows the previous one in IOVA. */
static int
check_iova_contig(const struct rte_memzone *mz)
{
	size_t pg = mz->hugepage_sz;
	uintptr_t a = RTE_ALIGN_FLOOR((uintptr_t)mz->addr, (uintptr_t)pg);
	uintptr_t end = (uintptr_t)mz->addr + mz->len;

	TEST_ASSERT(mz->iova != RTE_BAD_IOVA, "%s has an IOVA", mz->name);
	for (a += pg; a < end; a += pg)
		TEST_ASSERT_EQUAL(rte_mem_virt2iova((void *)a),
			mz->iova + (a - (uintptr_t)mz->addr),
			"%s: page at %p follows in IOVA", mz->name, (void *)a);
	return TEST_SUCCESS;
}

static int
basic(void)
{
	const struct rte_memzone *mz;
	const struct rte_memseg_list *msl;

	TEST_STEP("reserve, lookup: the descriptor is filled as DPDK fills it");
	mz = rte_memzone_reserve("mz_basic", 1000, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz, "reserve: %s", rte_strerror(rte_errno));
	TEST_ASSERT(strcmp(mz->name, "mz_basic") == 0, "name");
	TEST_ASSERT_EQUAL(mz->len, 1024, "length rounded up to a cache line");
	TEST_ASSERT(RTE_IS_ALIGNED(mz->addr, RTE_CACHE_LINE_SIZE), "cache aligned");
	TEST_ASSERT_EQUAL(mz->iova, rte_mem_virt2iova(mz->addr), "iova");
	msl = rte_mem_virt2memseg_list(mz->addr);
	TEST_ASSERT_NOT_NULL(msl, "in EAL memory");
	TEST_ASSERT_EQUAL(mz->hugepage_sz, msl->page_sz, "page size");
	TEST_ASSERT_EQUAL(mz->socket_id, msl->socket_id, "socket");
	TEST_ASSERT_EQUAL(mz->flags, 0, "flags");
	memset(mz->addr, 0xa5, mz->len);
	TEST_ASSERT(rte_memzone_lookup("mz_basic") == mz, "lookup finds it");
	TEST_ASSERT_NULL_ERRNO(rte_memzone_lookup("mz_none"), ENOENT, "unknown");
	TEST_ASSERT_EQUAL(zone_count(), 1, "walk sees one zone");

	TEST_STEP("free: the name is gone and can be reserved again");
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	TEST_ASSERT_NULL_ERRNO(rte_memzone_lookup("mz_basic"), ENOENT, "freed");
	TEST_ASSERT_EQUAL(zone_count(), 0, "walk sees none");
	mz = rte_memzone_reserve("mz_basic", 64, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz, "reserve again: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	return TEST_SUCCESS;
}

static int
aligned_and_bounded(void)
{
	const struct rte_memzone *mz[16];
	unsigned int align, bound, i;
	char name[RTE_MEMZONE_NAMESIZE];

	TEST_STEP("aligned reservations from 64 B to 1 MiB");
	for (align = 64, i = 0; align <= (1u << 20); align <<= 1, i++) {
		snprintf(name, sizeof(name), "mz_align_%u", align);
		mz[0] = rte_memzone_reserve_aligned(name, 100, SOCKET_ID_ANY, 0, align);
		TEST_ASSERT_NOT_NULL(mz[0], "align %u: %s", align, rte_strerror(rte_errno));
		TEST_ASSERT(RTE_IS_ALIGNED(mz[0]->addr, align), "align %u: %p", align,
			mz[0]->addr);
		TEST_ASSERT_SUCCESS(rte_memzone_free(mz[0]), "free");
	}
	mz[0] = rte_memzone_reserve_aligned("mz_align_0", 100, SOCKET_ID_ANY, 0, 0);
	TEST_ASSERT_NOT_NULL(mz[0], "align 0 is a cache line");
	TEST_ASSERT(RTE_IS_ALIGNED(mz[0]->addr, RTE_CACHE_LINE_SIZE), "cache aligned");
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz[0]), "free");

	TEST_STEP("bounded reservations never cross the boundary");
	for (bound = 4096; bound <= 65536; bound <<= 4) {
		for (i = 0; i < RTE_DIM(mz); i++) {
			snprintf(name, sizeof(name), "mz_bound_%u_%u", bound, i);
			mz[i] = rte_memzone_reserve_bounded(name, bound - bound / 4 - 8,
				SOCKET_ID_ANY, 0, 64, bound);
			TEST_ASSERT_NOT_NULL(mz[i], "bound %u #%u: %s", bound, i,
				rte_strerror(rte_errno));
			TEST_ASSERT(!crosses(mz[i]->addr, mz[i]->len, bound),
				"bound %u: [%p, +%zu) crosses it", bound, mz[i]->addr,
				mz[i]->len);
		}
		for (i = 0; i < RTE_DIM(mz); i++)
			TEST_ASSERT_SUCCESS(rte_memzone_free(mz[i]), "free");
	}
	TEST_STEP("length 0 with a boundary: the zone is the boundary long");
	mz[0] = rte_memzone_reserve_bounded("mz_bound_len0", 0, SOCKET_ID_ANY, 0,
		0, 8192);
	TEST_ASSERT_NOT_NULL(mz[0], "reserve: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(mz[0]->len, 8192, "length");
	TEST_ASSERT(!crosses(mz[0]->addr, mz[0]->len, 8192), "within the boundary");
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz[0]), "free");
	return TEST_SUCCESS;
}

static int
contig_and_page_sizes(void)
{
	size_t pg = test_page_size();
	const struct rte_memzone *mz;
	unsigned int unavailable;

	TEST_STEP("IOVA_CONTIG zone of 5 pages is contiguous in IOVA (IOVA as %s)",
		test_iova_mode_name());
	mz = rte_memzone_reserve_aligned("mz_contig", 5 * pg, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, pg);
	TEST_ASSERT_NOT_NULL(mz, "reserve: %s", rte_strerror(rte_errno));
	if (check_iova_contig(mz) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");

	TEST_STEP("a page size the memory does not have: ENOMEM, unless SIZE_HINT_ONLY");
	unavailable = pg == RTE_PGSIZE_1G ? RTE_MEMZONE_2MB : RTE_MEMZONE_1GB;
	TEST_ASSERT_NULL_ERRNO(rte_memzone_reserve("mz_pgsz", 4096, SOCKET_ID_ANY,
		unavailable), ENOMEM, "no such pages");
	mz = rte_memzone_reserve("mz_pgsz", 4096, SOCKET_ID_ANY,
		unavailable | RTE_MEMZONE_SIZE_HINT_ONLY);
	TEST_ASSERT_NOT_NULL(mz, "hint only: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(mz->hugepage_sz, pg, "the pages there are");
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	mz = rte_memzone_reserve("mz_pgsz", 4096, SOCKET_ID_ANY,
		unavailable | (pg == RTE_PGSIZE_2M ? RTE_MEMZONE_2MB : 0));
	if (pg == RTE_PGSIZE_2M) {
		TEST_ASSERT_NOT_NULL(mz, "one of the sizes is there: %s",
			rte_strerror(rte_errno));
		TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	}
	return TEST_SUCCESS;
}

static int
biggest(void)
{
	struct rte_malloc_socket_stats st;
	const struct rte_memzone *mz, *mz2;
	int socket;

	TEST_STEP("length 0: the largest free block");
	socket = rte_malloc_heap_get_socket("socket_0") >= 0 ? 0 : SOCKET_ID_ANY;
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(socket < 0 ? 0 : socket, &st),
		"stats");
	mz = rte_memzone_reserve("mz_big", 0, socket, 0);
	TEST_ASSERT_NOT_NULL(mz, "reserve: %s", rte_strerror(rte_errno));
	TEST_ASSERT(mz->len <= st.greatest_free_size &&
		mz->len + 2 * RTE_CACHE_LINE_SIZE >= st.greatest_free_size,
		"length %zu vs largest free block %zu", mz->len, st.greatest_free_size);
	memset(mz->addr, 0, mz->len);
	mz2 = rte_memzone_reserve("mz_big2", 0, socket, 0);
	if (mz2 != NULL) {
		TEST_ASSERT(mz2->len <= mz->len, "the next one is not larger");
		TEST_ASSERT_SUCCESS(rte_memzone_free(mz2), "free");
	}
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");

	TEST_STEP("length 0, IOVA-contiguous");
	mz = rte_memzone_reserve("mz_big_contig", 0, socket, RTE_MEMZONE_IOVA_CONTIG);
	TEST_ASSERT_NOT_NULL(mz, "reserve: %s", rte_strerror(rte_errno));
	if (check_iova_contig(mz) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	return TEST_SUCCESS;
}

static void
find_name(const struct rte_memzone *mz, void *arg)
{
	if (strcmp(mz->name, arg) == 0)
		((char *)arg)[0] = '\0';
}

static int
walk_dump_and_table(void)
{
	static const struct rte_memzone *mz[RTE_MAX_MEMZONE];
	struct rte_malloc_socket_stats before, after;
	char name[RTE_MEMZONE_NAMESIZE], *buf = NULL;
	size_t blen = 0;
	unsigned int i;
	FILE *f;

	TEST_STEP("walk and dump show the zones");
	mz[0] = rte_memzone_reserve("mz_walk", 4096, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz[0], "reserve");
	snprintf(name, sizeof(name), "mz_walk");
	rte_memzone_walk(find_name, name);
	TEST_ASSERT(name[0] == '\0', "the walk passed mz_walk");
	f = open_memstream(&buf, &blen);
	TEST_ASSERT_NOT_NULL(f, "memstream");
	rte_memzone_dump(f);
	fclose(f);
	TEST_ASSERT(strstr(buf, "name:<mz_walk>") != NULL, "dump names it:\n%s", buf);
	TEST_ASSERT(strstr(buf, "iova: 0x") != NULL, "dump lists its pages");
	free(buf);
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz[0]), "free");

	TEST_STEP("RTE_MAX_MEMZONE (%d) zones, then ENOSPC", RTE_MAX_MEMZONE);
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(0, &before), "stats");
	for (i = 0; i < RTE_MAX_MEMZONE; i++) {
		snprintf(name, sizeof(name), "mz_full_%u", i);
		mz[i] = rte_memzone_reserve(name, 64, SOCKET_ID_ANY, 0);
		TEST_ASSERT_NOT_NULL(mz[i], "zone %u: %s", i, rte_strerror(rte_errno));
	}
	TEST_ASSERT_NULL_ERRNO(rte_memzone_reserve("mz_one_more", 64, SOCKET_ID_ANY, 0),
		ENOSPC, "table full");
	TEST_ASSERT_EQUAL(zone_count(), RTE_MAX_MEMZONE, "walk");
	for (i = 0; i < RTE_MAX_MEMZONE; i++)
		TEST_ASSERT_SUCCESS(rte_memzone_free(mz[i]), "free %u", i);
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(0, &after), "stats");
	TEST_ASSERT_EQUAL(after.alloc_count, before.alloc_count, "allocations back");
	TEST_ASSERT_EQUAL(after.heap_allocsz_bytes, before.heap_allocsz_bytes,
		"allocated bytes back");
	return TEST_SUCCESS;
}

#define N_THREADS 4
#define N_PER_THREAD 200

static void *
zone_thread(void *arg)
{
	unsigned int t = (unsigned int)(uintptr_t)arg, i;
	const struct rte_memzone *mz;
	char name[RTE_MEMZONE_NAMESIZE];

	for (i = 0; i < N_PER_THREAD; i++) {
		snprintf(name, sizeof(name), "mz_t%u_%u", t, i);
		mz = rte_memzone_reserve(name, 64 + 64 * (i % 7), SOCKET_ID_ANY,
			i % 3 == 0 ? RTE_MEMZONE_IOVA_CONTIG : 0);
		if (mz == NULL || rte_memzone_lookup(name) != mz)
			return (void *)1;
		memset(mz->addr, (int)t, mz->len);
		if (rte_memzone_free(mz) != 0)
			return (void *)1;
	}
	return NULL;
}

static int
threads(void)
{
	pthread_t th[N_THREADS];
	unsigned int i;
	void *ret;
	int bad = 0;

	TEST_STEP("%d threads reserve, look up and free %d zones each", N_THREADS,
		N_PER_THREAD);
	for (i = 0; i < N_THREADS; i++)
		TEST_ASSERT_SUCCESS(pthread_create(&th[i], NULL, zone_thread,
			(void *)(uintptr_t)i), "thread %u", i);
	for (i = 0; i < N_THREADS; i++) {
		pthread_join(th[i], &ret);
		bad += ret != NULL;
	}
	TEST_ASSERT_EQUAL(bad, 0, "threads that failed");
	TEST_ASSERT_EQUAL(zone_count(), 0, "no zone left");
	return TEST_SUCCESS;
}

static int
test_memzone(void)
{
	int ret;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	ret = basic();
	if (ret == TEST_SUCCESS)
		ret = aligned_and_bounded();
	if (ret == TEST_SUCCESS)
		ret = contig_and_page_sizes();
	if (ret == TEST_SUCCESS)
		ret = biggest();
	if (ret == TEST_SUCCESS)
		ret = walk_dump_and_table();
	if (ret == TEST_SUCCESS)
		ret = threads();
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(memzone_autotest, test_memzone);

/* ---- bad input ---- */

static int
test_memzone_bad_input(void)
{
	struct rte_malloc_socket_stats before, after;
	const struct rte_memzone *mz;
	struct rte_memzone fake;
	int no_heap = RTE_MAX_NUMA_NODES + RTE_MAX_HEAPS - 1;

	TEST_STEP("before rte_eal_init: E_RTE_NO_CONFIG");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", 64, SOCKET_ID_ANY, 0), E_RTE_NO_CONFIG,
		"before init");

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	mz = rte_memzone_reserve("mz_exists", 64, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz, "reserve");
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(0, &before), "stats");

	TEST_STEP("reserve: name, flags, alignment, boundary, length, socket");
	TEST_REFUSED_NULL(rte_memzone_reserve(NULL, 64, SOCKET_ID_ANY, 0), EINVAL, "NULL name");
	TEST_REFUSED_NULL(rte_memzone_reserve("a_memzone_name_of_32_characters_", 64,
		SOCKET_ID_ANY, 0), ENAMETOOLONG, "name of 32 characters");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz_exists", 64, SOCKET_ID_ANY, 0), EEXIST,
		"name in use");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", 64, SOCKET_ID_ANY, 0x8), EINVAL,
		"unknown flag 0x8");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", 64, SOCKET_ID_ANY, 0x80000000u), EINVAL,
		"unknown flag 0x80000000");
	TEST_REFUSED_NULL(rte_memzone_reserve_aligned("mz", 64, SOCKET_ID_ANY, 0, 48), EINVAL,
		"alignment 48");
	TEST_REFUSED_NULL(rte_memzone_reserve_bounded("mz", 64, SOCKET_ID_ANY, 0, 64, 3000),
		EINVAL, "boundary 3000");
	TEST_REFUSED_NULL(rte_memzone_reserve_bounded("mz", 8192, SOCKET_ID_ANY, 0, 64, 4096),
		EINVAL, "boundary below the length");
	TEST_REFUSED_NULL(rte_memzone_reserve_bounded("mz", 4097, SOCKET_ID_ANY, 0, 64, 4096),
		EINVAL, "boundary below the length rounded to a cache line");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", SIZE_MAX, SOCKET_ID_ANY, 0), EINVAL,
		"SIZE_MAX");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", 64, -5, 0), EINVAL, "socket -5");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", 64, no_heap, 0), ENOMEM,
		"socket id of no heap");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", (size_t)1 << 42, SOCKET_ID_ANY, 0),
		ENOMEM, "4 TiB");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", (size_t)1 << 40, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG), ENOMEM, "1 TiB IOVA-contiguous");
	TEST_REFUSED_NULL(rte_memzone_reserve("mz", 64, SOCKET_ID_ANY, RTE_MEMZONE_16GB),
		ENOMEM, "16 GiB pages");

	TEST_STEP("free, lookup, walk");
	TEST_REFUSED(rte_memzone_free(NULL), EINVAL, "free NULL");
	TEST_ASSERT_EQUAL(rte_memzone_free(NULL), -EINVAL, "DPDK's return value");
	memcpy(&fake, mz, sizeof(fake));
	TEST_REFUSED(rte_memzone_free(&fake), EINVAL, "free a copy of the descriptor");
	TEST_REFUSED(rte_memzone_free((const struct rte_memzone *)
		((const char *)mz + 1)), EINVAL, "free inside a descriptor");
	TEST_REFUSED_NULL(rte_memzone_lookup(NULL), EINVAL, "lookup NULL");
	test_log_capture();
	rte_errno = 0;
	rte_memzone_walk(NULL, NULL);
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "walk NULL");
	if (test_one_log_line("walk NULL") != TEST_SUCCESS)
		return TEST_FAILED;

	TEST_STEP("nothing changed");
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(0, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"heap unchanged after bad input");
	TEST_ASSERT_EQUAL(zone_count(), 1, "one zone");
	TEST_ASSERT(rte_memzone_lookup("mz_exists") == mz, "still there");

	TEST_STEP("double free");
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(0, &before), "stats");
	TEST_REFUSED(rte_memzone_free(mz), EINVAL, "free twice");
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(0, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"heap unchanged by the second free");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(memzone_bad_input_autotest, test_memzone_bad_input);

/* ---- dynamic memory: events, and the DMA proof ---- */

struct ev_sum {
	size_t alloc, freed;
};

static void
sum_event(enum rte_mem_event type, const void *addr __rte_unused, size_t len,
		void *arg)
{
	struct ev_sum *s = arg;

	if (type == RTE_MEM_EVENT_ALLOC)
		s->alloc += len;
	else
		s->freed += len;
}

static int
test_memzone_dynamic(void)
{
	size_t pg = test_page_size(), len = 3 * pg;
	static struct ev_sum ev;
	const struct rte_memzone *mz;
	uint8_t *mid;

	TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("mz_test", sum_event,
		&ev), "register");

	TEST_STEP("a zone of 3 pages grows the heap by at least those pages");
	mz = rte_memzone_reserve_aligned("mz_dyn", len, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, pg);
	TEST_ASSERT_NOT_NULL(mz, "reserve: %s", rte_strerror(rte_errno));
	TEST_ASSERT(ev.alloc >= len, "ALLOC events: %zu bytes", ev.alloc);
	if (check_iova_contig(mz) != TEST_SUCCESS)
		return TEST_FAILED;
	mid = (uint8_t *)mz->addr + pg;
	TEST_ASSERT_NOT_NULL(rte_mem_virt2memseg(mid, NULL), "middle page in use");

	TEST_STEP("free: its pages go back after a FREE event");
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT(ev.freed >= len, "FREE events: %zu bytes", ev.freed);
	TEST_ASSERT_NULL(rte_mem_virt2memseg(mid, NULL), "middle page released");

	TEST_STEP("length 0 takes what is there and does not grow the heap");
	ev.alloc = 0;
	mz = rte_memzone_reserve("mz_dyn0", 0, SOCKET_ID_ANY, 0);
	if (mz != NULL)
		TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	else
		TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "nothing free: ENOMEM");
	TEST_ASSERT_EQUAL(ev.alloc, 0, "no ALLOC event");
	rte_mem_event_callback_unregister("mz_test", &ev);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(memzone_dynamic_autotest, test_memzone_dynamic);

static long
free_2m_pages(void)
{
	return test_read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
}

static int
memzone_dma(size_t pg)
{
	const struct rte_memzone *mz;
	unsigned int n = 3;
	rte_iova_t mid_iova;
	uint8_t *mid;

	TEST_STEP("an IOVA_CONTIG zone of 3 pages (IOVA as %s) is reachable by DMA as one block",
		test_iova_mode_name());
	mz = rte_memzone_reserve_aligned("mz_dma", n * pg, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, pg);
	if (mz == NULL && rte_errno == ENOMEM && rte_eal_iova_mode() != RTE_IOVA_VA) {
		/* As in DPDK: dynamic pages need not be physically contiguous. */
		printf("  3 physically contiguous pages were not found (ENOMEM, as DPDK): one page\n");
		n = 1;
		mz = rte_memzone_reserve_aligned("mz_dma", n * pg, SOCKET_ID_ANY,
			RTE_MEMZONE_IOVA_CONTIG, pg);
	}
	TEST_ASSERT_NOT_NULL(mz, "reserve: %s", rte_strerror(rte_errno));
	if (check_iova_contig(mz) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(dma_proof_reachable(mz->addr, mz->iova, mz->len),
		"the whole zone at its IOVA");

	TEST_STEP("rte_memzone_free: its pages are unmapped and released");
	mid = (uint8_t *)mz->addr + (n / 2) * pg;
	mid_iova = mz->iova + (n / 2) * pg;
	dma_proof_mark(mid, mid_iova, pg);
	TEST_ASSERT_SUCCESS(rte_memzone_free(mz), "free");
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT_NULL(rte_mem_virt2memseg(mid, NULL), "the page was released");
	TEST_ASSERT_SUCCESS(dma_proof_released(mid_iova, pg), "the released page");
	return TEST_SUCCESS;
}

static int
test_memzone_dma(void)
{
	long free2m = free_2m_pages();
	size_t pg;
	int ret;

	if (free2m >= 16) {
		pg = RTE_PGSIZE_2M;
		TEST_ASSERT(test_eal_init("--in-memory", NULL) >= 0,
			"EAL init on 2 MiB hugepages: %s", rte_strerror(rte_errno));
	} else {
		pg = test_page_size();
		TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", NULL) >= 0,
			"EAL init: %s", rte_strerror(rte_errno));
	}
	printf("  dynamic memory on pages of %zu bytes\n", pg);
	ret = dma_proof_setup(true);
	if (ret != TEST_SUCCESS)
		return ret;
	ret = memzone_dma(pg);
	dma_proof_close();
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(memzone_dma_autotest, test_memzone_dma);
