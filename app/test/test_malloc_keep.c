/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The heaps keep free pages (still mapped, still their own) up to a bound
 * instead of giving a page back on every free: alternating malloc/free
 * takes no page and releases none, the bound and the explicit trim give
 * pages back (FREE event, so unmapped, first), and a page allocation that
 * fails makes the heaps give back what they keep, then try again.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"

struct keep_events {
	size_t alloc, freed;
	unsigned int n_alloc, n_free;
};

static void
count_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	struct keep_events *ev = arg;

	(void)addr;
	if (type == RTE_MEM_EVENT_ALLOC) {
		ev->alloc += len;
		ev->n_alloc++;
	} else {
		ev->freed += len;
		ev->n_free++;
	}
}

static int
heap_stats(struct rte_malloc_socket_stats *st)
{
	return rte_malloc_get_socket_stats(0, st);
}

static int
start(struct keep_events *ev, const char *arg, ...)
{
	memset(ev, 0, sizeof(*ev));
	if (test_eal_init("--no-huge", "--dynamic-mem", "--no-pci", arg, NULL) < 0)
		return -1;
	return rte_mem_event_callback_register("keep_test", count_event, ev);
}

static void
stop(void)
{
	rte_mem_event_callback_unregister("keep_test", NULL);
	rte_eal_cleanup();
}

static int
keep_pairs_and_bound(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct rte_malloc_socket_stats st0, st1;
	struct keep_events ev;
	size_t released = 0;
	unsigned int i;
	void *p;

	TEST_ASSERT(start(&ev, NULL) >= 0, "init: %s", rte_strerror(rte_errno));
	TEST_STEP("alternating malloc/free of 64 B and of 3 pages: one growth, no release");
	for (i = 0; i < 1000; i++) {
		p = rte_malloc(NULL, i % 2 ? 64 : 3 * pg, 0);
		TEST_ASSERT_NOT_NULL(p, "malloc %u", i);
		rte_free(p);
	}
	TEST_ASSERT(ev.n_alloc <= 2, "growths: %u", ev.n_alloc);
	TEST_ASSERT_EQUAL(ev.n_free, 0, "no page given back");

	TEST_STEP("64 pages freed stay with the heap (under the 16 MiB bound), stats truthful");
	p = rte_malloc(NULL, 64 * pg, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc 64 pages");
	rte_free(p);
	TEST_ASSERT_EQUAL(ev.n_free, 0, "kept");
	TEST_ASSERT_SUCCESS(heap_stats(&st0), "stats");
	TEST_ASSERT(st0.heap_totalsz_bytes >= 64 * pg, "the heap holds them: %zu",
		st0.heap_totalsz_bytes);
	TEST_ASSERT_EQUAL(st0.heap_freesz_bytes + st0.heap_allocsz_bytes,
		st0.heap_totalsz_bytes, "free + allocated = total");

	TEST_STEP("a lower bound gives the excess back at once, one page stays");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_keep_set(0), "keep_set(0)");
	TEST_ASSERT(ev.n_free > 0, "FREE events");
	TEST_ASSERT_SUCCESS(heap_stats(&st1), "stats");
	TEST_ASSERT_EQUAL(st0.heap_totalsz_bytes - st1.heap_totalsz_bytes, ev.freed,
		"the heap shrank by what the FREE events gave back");
	TEST_ASSERT(st1.heap_freesz_bytes >= pg && st1.heap_freesz_bytes < 3 * pg,
		"about one page kept: %zu", st1.heap_freesz_bytes);
	TEST_ASSERT_NULL(rte_mem_virt2memseg(RTE_PTR_ADD(p, 32 * pg), NULL),
		"a released page has no memseg");

	TEST_STEP("trim gives back the rest, and says how much");
	ev.freed = 0;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_trim(&released), "trim");
	TEST_ASSERT_EQUAL(released, ev.freed, "released = FREE event bytes");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_trim(&released), "trim again");
	TEST_ASSERT_EQUAL(released, 0, "nothing left to give");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_trim(NULL), "released may be NULL");
	stop();
	return 0;
}

static int
keep_option(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct keep_events ev;
	void *p;

	TEST_STEP("--heap-keep 0: a heap keeps only about one page");
	TEST_ASSERT(start(&ev, "--heap-keep=0") >= 0, "init: %s", rte_strerror(rte_errno));
	p = rte_malloc(NULL, 64 * pg, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc 64 pages");
	rte_free(p);
	TEST_ASSERT(ev.freed >= 60 * pg, "given back at once: %zu bytes", ev.freed);
	stop();

	TEST_STEP("--heap-keep with a bad value: EINVAL, one line");
	test_log_capture();
	TEST_ASSERT_ERRNO(test_eal_init("--no-huge", "--heap-keep=lots", NULL), EINVAL,
		"bad value");
	TEST_ASSERT_EQUAL(test_count_lines(test_log_release()), 1, "one line");
	return 0;
}

static int
keep_pressure(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), six = 6 << 20;
	struct keep_events ev;
	void *a, *b, *c, *d;

	TEST_STEP("a growth that fails for want of pages makes the heap give back what it keeps");
	/* -m 16: one list of 16 MiB of pages, the heap's only room to grow */
	TEST_ASSERT(start(&ev, "-m16") >= 0, "init: %s", rte_strerror(rte_errno));
	a = rte_malloc(NULL, six, 0);
	b = rte_malloc(NULL, pg, pg);
	c = rte_malloc(NULL, six, 0);
	TEST_ASSERT(a != NULL && b != NULL && c != NULL, "12 MiB in two blocks");
	rte_free(a);
	rte_free(c);
	TEST_ASSERT_EQUAL(ev.n_free, 0, "both kept (under the 16 MiB bound)");
	d = rte_malloc(NULL, 8 << 20, 0);
	TEST_ASSERT_NOT_NULL(d, "8 MiB: fits only once the kept pages are given back (%s)",
		rte_strerror(rte_errno));
	TEST_ASSERT(ev.n_free > 0, "the kept pages were given back first");
	rte_free(d);
	rte_free(b);
	stop();
	return 0;
}

static int
keep_bad_input(void)
{
	TEST_STEP("before rte_eal_init(): E_RTE_NO_CONFIG");
	TEST_ASSERT_ERRNO(rte_malloc_heap_trim(NULL), E_RTE_NO_CONFIG, "trim");
	TEST_ASSERT_ERRNO(rte_malloc_heap_keep_set(1 << 20), E_RTE_NO_CONFIG, "keep_set");
	return 0;
}

static int
test_malloc_keep(void)
{
	if (keep_bad_input() < 0 || keep_pairs_and_bound() < 0 ||
			keep_option() < 0 || keep_pressure() < 0)
		return TEST_FAILED;
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(malloc_heap_keep_autotest, test_malloc_keep);
