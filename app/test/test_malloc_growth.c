/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc heaps as they grow and shrink: --dynamic-mem and 2 MiB
 * hugepages seen through memory events, refusal by a check callback that
 * fails rte_malloc() with its errno, and concurrent use by several threads
 * (static and dynamic memory).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"
#include "test_malloc.h"

#define MAX_EVENTS 256

/* Memory events as a callback saw them. */
struct event_log {
	unsigned int n;
	bool overflow;
	struct {
		enum rte_mem_event type;
		uintptr_t addr;
		size_t len;
	} ev[MAX_EVENTS];
};

static void
record_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	struct event_log *log = arg;

	if (log->n == MAX_EVENTS) {
		log->overflow = true;
		return;
	}
	log->ev[log->n].type = type;
	log->ev[log->n].addr = (uintptr_t)addr;
	log->ev[log->n].len = len;
	log->n++;
}

/* Bytes covered by events of one type (events of one type never overlap). */
static size_t
event_bytes(const struct event_log *log, enum rte_mem_event type)
{
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < log->n; i++)
		if (log->ev[i].type == type)
			total += log->ev[i].len;
	return total;
}

/* True when [a, a + len) lies inside events of the given type. */
static bool
event_covers(const struct event_log *log, enum rte_mem_event type,
		uintptr_t a, size_t len)
{
	uintptr_t end = a + len;
	unsigned int i;
	bool moved = true;

	/* Events may come in pieces: walk forward while one covers a. */
	while (a < end && moved) {
		moved = false;
		for (i = 0; i < log->n; i++) {
			if (log->ev[i].type == type && a >= log->ev[i].addr &&
					a < log->ev[i].addr + log->ev[i].len) {
				a = log->ev[i].addr + log->ev[i].len;
				moved = true;
			}
		}
	}
	return a >= end;
}

struct seg_count {
	uintptr_t start, end;
	unsigned int n;
	unsigned int total;
};

static int
count_segs(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms, void *arg)
{
	struct seg_count *c = arg;

	c->total++;
	if ((uintptr_t)ms->addr >= c->start && (uintptr_t)ms->addr < c->end)
		c->n++;
	return 0;
}

/* Memsegs in use inside [start, end), and in total. */
static unsigned int
segs_in(uintptr_t start, uintptr_t end, unsigned int *total)
{
	struct seg_count c = { start, end, 0, 0 };

	rte_memseg_walk(count_segs, &c);
	if (total != NULL)
		*total = c.total;
	return c.n;
}

/* Growth and shrink with --dynamic-mem, seen through memory events. */
static int
test_malloc_dynamic(void)
{
	static struct event_log log;
	struct rte_malloc_socket_stats st0, st;
	size_t ps = test_page_size();
	size_t size = 5 * ps + 100;
	unsigned int i, before_total, total;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	char *p, *q;
	int socket;

	TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	memset(&log, 0, sizeof(log));
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("malloc_test",
		record_event, &log), "register callback");
	segs_in(0, 0, &before_total);

	TEST_STEP("a multi-page allocation grows the heap: ALLOC events cover it");
	p = rte_malloc(NULL, size, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc %zu: %s", size, rte_strerror(rte_errno));
	memset(p, 0x77, size);
	TEST_ASSERT(!log.overflow && log.n > 0, "events seen: %u", log.n);
	for (i = 0; i < log.n; i++) {
		TEST_ASSERT_EQUAL(log.ev[i].type, RTE_MEM_EVENT_ALLOC, "event %u", i);
		TEST_ASSERT(RTE_IS_ALIGNED(log.ev[i].addr, ps) &&
			RTE_IS_ALIGNED(log.ev[i].len, ps), "whole pages");
		lo = RTE_MIN(lo, log.ev[i].addr);
		hi = RTE_MAX(hi, log.ev[i].addr + log.ev[i].len);
	}
	TEST_ASSERT_EQUAL(hi - lo, event_bytes(&log, RTE_MEM_EVENT_ALLOC),
		"one growth is one VA range");
	/* The block may start in free space the heap had before. */
	TEST_ASSERT(event_covers(&log, RTE_MEM_EVENT_ALLOC,
		RTE_ALIGN_CEIL((uintptr_t)p, ps),
		(uintptr_t)p + size - RTE_ALIGN_CEIL((uintptr_t)p, ps)),
		"ALLOC events cover the block");
	/* A header line before the data and a trailer line after it. */
	TEST_ASSERT(event_bytes(&log, RTE_MEM_EVENT_ALLOC) <=
		RTE_ALIGN_CEIL(size + 2 * RTE_CACHE_LINE_SIZE, ps),
		"no more pages than needed (%zu bytes for %zu)",
		event_bytes(&log, RTE_MEM_EVENT_ALLOC), size);
	TEST_ASSERT_EQUAL(segs_in(lo, hi, &total),
		event_bytes(&log, RTE_MEM_EVENT_ALLOC) / ps,
		"memsegs in use for the new pages");
	TEST_ASSERT_EQUAL(total, before_total +
		event_bytes(&log, RTE_MEM_EVENT_ALLOC) / ps, "memseg count grew");
	socket = test_malloc_first_socket();
	TEST_ASSERT_SUCCESS(test_malloc_stats_consistent(socket), "stats");

	TEST_STEP("a small allocation fits in the partial tail page: no event");
	i = log.n;
	q = rte_malloc(NULL, 64, 0);
	TEST_ASSERT_NOT_NULL(q, "small malloc");
	rte_free(q);
	TEST_ASSERT_EQUAL(log.n, i, "no growth or shrink for a small block");

	TEST_STEP("freeing it raises FREE for exactly the pages, and they are gone");
	log.n = 0;
	rte_free(p);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT(log.n > 0, "FREE events seen");
	for (i = 0; i < log.n; i++)
		TEST_ASSERT_EQUAL(log.ev[i].type, RTE_MEM_EVENT_FREE, "event %u", i);
	TEST_ASSERT_EQUAL(event_bytes(&log, RTE_MEM_EVENT_FREE), hi - lo,
		"FREE covers as many bytes as ALLOC did");
	TEST_ASSERT(event_covers(&log, RTE_MEM_EVENT_FREE, lo, hi - lo),
		"FREE covers exactly the ALLOC pages");
	TEST_ASSERT_EQUAL(segs_in(lo, hi, &total), 0, "no memseg left there");
	TEST_ASSERT_EQUAL(total, before_total, "memseg count back");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &st0), "stats");
	TEST_ASSERT_SUCCESS(test_malloc_stats_consistent(socket), "stats");

	TEST_STEP("page-aligned allocations grow and shrink too");
	log.n = 0;
	p = rte_malloc(NULL, ps, (unsigned int)ps);
	TEST_ASSERT(p != NULL && RTE_IS_ALIGNED(p, ps), "page-aligned malloc");
	TEST_ASSERT(event_covers(&log, RTE_MEM_EVENT_ALLOC, (uintptr_t)p, ps),
		"ALLOC covers it");
	TEST_ASSERT(event_bytes(&log, RTE_MEM_EVENT_ALLOC) <= 3 * ps,
		"a page for the header, one for the data, one for the trailer");
	rte_free(p);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT_EQUAL(event_bytes(&log, RTE_MEM_EVENT_FREE),
		event_bytes(&log, RTE_MEM_EVENT_ALLOC), "as many bytes freed");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &st), "stats");
	TEST_ASSERT_EQUAL(st.heap_totalsz_bytes, st0.heap_totalsz_bytes,
		"heap back to its size");

	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("malloc_test", &log),
		"unregister");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* Memsegs in use inside the ranges of the events of one type. */
static unsigned int
segs_in_events(const struct event_log *log, enum rte_mem_event type)
{
	unsigned int i, n = 0;

	for (i = 0; i < log->n; i++)
		if (log->ev[i].type == type)
			n += segs_in(log->ev[i].addr,
				log->ev[i].addr + log->ev[i].len, NULL);
	return n;
}

#define HUGE_2M_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

static long
free_2m_pages(void)
{
	return test_read_long(HUGE_2M_FREE);
}

/* Growth and shrink on 2 MiB hugepages (skips when none are free). */
static int
test_malloc_hugepage(void)
{
	static struct event_log log;
	long free_before = free_2m_pages();
	void *p, *q;

	if (free_before < 4)
		TEST_SKIP_MISSING("fewer than 4 free 2 MiB hugepages (%ld): reserve some with 'echo 8 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'",
			free_before);
	/* No -m: memory given with -m is kept, and this test watches release. */
	TEST_ASSERT(test_eal_init("--in-memory", "--socket-limit", "16", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	memset(&log, 0, sizeof(log));
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("malloc_huge",
		record_event, &log), "register callback");

	TEST_STEP("a small block takes one 2 MiB page");
	p = rte_malloc(NULL, 64, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT(log.n <= 1, "at most one growth (%u events)", log.n);
	if (log.n == 1)
		TEST_ASSERT_EQUAL(log.ev[0].len, RTE_PGSIZE_2M,
			"the smallest page size that is enough");
	TEST_STEP("a block of 3 MiB grows by whole 2 MiB pages");
	q = rte_malloc(NULL, 3 * RTE_MB, 0);
	TEST_ASSERT_NOT_NULL(q, "malloc 3 MiB: %s", rte_strerror(rte_errno));
	TEST_ASSERT(event_bytes(&log, RTE_MEM_EVENT_ALLOC) % RTE_PGSIZE_2M == 0,
		"whole pages");
	TEST_ASSERT_EQUAL(segs_in_events(&log, RTE_MEM_EVENT_ALLOC),
		event_bytes(&log, RTE_MEM_EVENT_ALLOC) / RTE_PGSIZE_2M,
		"a memseg per new page");
	TEST_STEP("freeing gives every page back (FREE for what ALLOC added)");
	rte_free(q);
	rte_free(p);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT_EQUAL(event_bytes(&log, RTE_MEM_EVENT_FREE),
		event_bytes(&log, RTE_MEM_EVENT_ALLOC), "FREE bytes = ALLOC bytes");
	TEST_ASSERT_EQUAL(segs_in_events(&log, RTE_MEM_EVENT_ALLOC), 0,
		"the pages are gone");
	rte_mem_event_callback_unregister("malloc_huge", &log);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
refuse_alloc(enum rte_mem_event type, const void *addr __rte_unused,
		size_t len __rte_unused, void *arg)
{
	unsigned int *calls = arg;

	if (type != RTE_MEM_EVENT_ALLOC)
		return 0;
	(*calls)++;
	rte_errno = EPERM;
	return -1;
}

/* A check callback that refuses ALLOC makes rte_malloc fail with its errno. */
static int
test_malloc_refused(void)
{
	struct rte_malloc_socket_stats before, after;
	size_t ps = test_page_size();
	unsigned int calls = 0, total_before, total;
	void *p;
	int socket;

	TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	socket = test_malloc_first_socket();
	TEST_ASSERT_SUCCESS(rte_mem_event_check_callback_register("refuse",
		refuse_alloc, &calls), "register check callback");
	segs_in(0, 0, &total_before);
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &before), "stats");

	TEST_STEP("growth refused: NULL with the callback's rte_errno");
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, 4 * ps, 0), EPERM, "refused growth");
	TEST_ASSERT(calls > 0, "the callback was asked");
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 4 * ps, 0, socket), EPERM,
		"refused growth on a socket");
	segs_in(0, 0, &total);
	TEST_ASSERT_EQUAL(total, total_before, "no new memsegs left behind");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"heap unchanged after refusal");

	TEST_STEP("without the callback the allocation works");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("refuse", &calls),
		"unregister");
	p = rte_malloc(NULL, 4 * ps, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc: %s", rte_strerror(rte_errno));
	rte_free(p);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

#define STRESS_THREADS 8
#define STRESS_ITER 20000
#define STRESS_LIVE 32

struct stress_arg {
	unsigned int id;
	unsigned int seed;
	int failed;
	char why[128];
};

/* Mostly small blocks, so threads meet in the heap often; some large. */
static size_t
stress_size(unsigned int *seed)
{
	return 1 + (size_t)rand_r(seed) % (rand_r(seed) % 8 == 0 ? 20000 : 512);
}

static void *
stress_thread(void *arg)
{
	struct stress_arg *a = arg;
	unsigned char *live[STRESS_LIVE] = { NULL };
	size_t sizes[STRESS_LIVE] = { 0 };
	unsigned char tag = (unsigned char)(a->id + 1);
	unsigned int i, k;

	for (i = 0; i < STRESS_ITER && !a->failed; i++) {
		k = (unsigned int)rand_r(&a->seed) % STRESS_LIVE;
		if (live[k] != NULL) {
			if (!test_malloc_all_bytes(live[k], tag, sizes[k])) {
				a->failed = 1;
				snprintf(a->why, sizeof(a->why),
					"block %p of %zu bytes was overwritten",
					(void *)live[k], sizes[k]);
				break;
			}
			if (rand_r(&a->seed) % 4 == 0) {
				size_t n = stress_size(&a->seed);
				unsigned char *r = rte_realloc(live[k], n, 0);

				if (r != NULL) {
					if (!test_malloc_all_bytes(r, tag, RTE_MIN(n, sizes[k]))) {
						a->failed = 1;
						snprintf(a->why, sizeof(a->why),
							"realloc lost contents");
					}
					memset(r, tag, n);
					live[k] = r;
					sizes[k] = n;
					continue;
				}
			}
			rte_free(live[k]);
			live[k] = NULL;
		} else {
			sizes[k] = stress_size(&a->seed);
			live[k] = rte_malloc(NULL, sizes[k],
				1u << (rand_r(&a->seed) % 13));
			if (live[k] == NULL) {
				a->failed = 1;
				snprintf(a->why, sizeof(a->why),
					"malloc(%zu) failed: %s", sizes[k],
					rte_strerror(rte_errno));
				break;
			}
			memset(live[k], tag, sizes[k]);
		}
	}
	for (k = 0; k < STRESS_LIVE; k++)
		rte_free(live[k]);
	return NULL;
}

static int
stress(const char *mode)
{
	struct stress_arg args[STRESS_THREADS];
	struct rte_malloc_socket_stats before, after;
	pthread_t th[STRESS_THREADS];
	unsigned int i;
	int socket;

	TEST_ASSERT(test_eal_init("--no-huge", mode, NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	socket = test_malloc_first_socket();
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &before), "stats");
	TEST_STEP("%d threads allocate, realloc and free at once (%s)",
		STRESS_THREADS, mode != NULL ? mode : "static memory");
	for (i = 0; i < STRESS_THREADS; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].id = i;
		args[i].seed = 1234 + i;
		TEST_ASSERT_SUCCESS(pthread_create(&th[i], NULL, stress_thread,
			&args[i]), "pthread_create");
	}
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < STRESS_THREADS; i++)
		TEST_ASSERT(!args[i].failed, "thread %u: %s", i, args[i].why);
	rte_malloc_heap_trim(NULL); /* the heap keeps free pages: give them back now */
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT_EQUAL(after.alloc_count, before.alloc_count,
		"every block freed");
	TEST_ASSERT_EQUAL(after.heap_allocsz_bytes, before.heap_allocsz_bytes,
		"allocated bytes back");
	TEST_ASSERT_SUCCESS(test_malloc_stats_consistent(socket), "stats");
	if (mode != NULL)
		TEST_ASSERT(after.heap_totalsz_bytes <= before.heap_totalsz_bytes,
			"dynamic heap shrank back (%zu, was %zu)",
			after.heap_totalsz_bytes, before.heap_totalsz_bytes);
	else
		TEST_ASSERT_EQUAL(after.free_count, before.free_count,
			"static heap merged back into its blocks");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_malloc_stress(void)
{
	return stress(NULL);
}

static int
test_malloc_stress_dynamic(void)
{
	return stress("--dynamic-mem");
}

REGISTER_TEST_COMMAND(malloc_dynamic_autotest, test_malloc_dynamic);
REGISTER_TEST_COMMAND(malloc_hugepage_autotest, test_malloc_hugepage);
REGISTER_TEST_COMMAND(malloc_refused_autotest, test_malloc_refused);
REGISTER_TEST_COMMAND(malloc_stress_autotest, test_malloc_stress);
REGISTER_TEST_COMMAND(malloc_stress_dynamic_autotest, test_malloc_stress_dynamic);
