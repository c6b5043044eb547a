/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --match-allocations as DPDK 22.11 documents it: hugepages go back to the
 * system exactly as they were allocated, so every FREE memory event covers
 * the range of one earlier ALLOC event. Without the option the heap gives
 * back any whole free page (a part of a growth): the same steps show the
 * difference.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"

#define HUGE_2M_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define MAX_EVENTS 64

struct event {
	enum rte_mem_event type;
	uintptr_t va;
	size_t len;
};
static struct event events[MAX_EVENTS];
static unsigned int n_events, n_alloc, n_free;

static void
on_event(enum rte_mem_event type, const void *addr, size_t len,
		void *arg __rte_unused)
{
	if (n_events < MAX_EVENTS)
		events[n_events++] = (struct event){ type, (uintptr_t)addr, len };
	if (type == RTE_MEM_EVENT_ALLOC)
		n_alloc++;
	else
		n_free++;
}

static const struct event *
last_of(enum rte_mem_event type)
{
	unsigned int i;

	for (i = n_events; i > 0; i--)
		if (events[i - 1].type == type)
			return &events[i - 1];
	return NULL;
}

/* One run: a 5 MiB growth, a small block in its last page, frees, trims. */
static int
run(bool match)
{
	const struct event *a, *f;
	size_t released, freed = 0;
	uintptr_t small;
	unsigned int i;
	void *p1, *p2;
	int ret;

	TEST_STEP("%s", match ? "--match-allocations" : "without --match-allocations");
	ret = match ? test_eal_init("--in-memory", "--match-allocations", NULL) :
		test_eal_init("--in-memory", NULL);
	TEST_ASSERT(ret >= 0, "EAL init: %s", rte_strerror(rte_errno));
	n_events = n_alloc = n_free = 0;
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("match", on_event, NULL),
		"register");

	p1 = rte_malloc(NULL, 5u << 20, 0);
	TEST_ASSERT_NOT_NULL(p1, "rte_malloc(5 MiB): %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(n_alloc, 1, "one growth");
	a = last_of(RTE_MEM_EVENT_ALLOC);
	p2 = rte_malloc(NULL, 64, 0);
	TEST_ASSERT_NOT_NULL(p2, "rte_malloc(64)");
	small = (uintptr_t)p2;
	TEST_ASSERT(small >= a->va && small < a->va + a->len,
		"the small block %p lies in the growth %#" PRIxPTR "+%zu", p2,
		a->va, a->len);
	TEST_ASSERT_EQUAL(n_alloc, 1, "no second growth");

	rte_free(p1);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_trim(&released), "trim");
	if (match) {
		TEST_ASSERT_EQUAL(n_free, 0, "no page of a growth still in use goes back");
		TEST_ASSERT_EQUAL(released, 0, "nothing released");
	} else {
		f = last_of(RTE_MEM_EVENT_FREE);
		TEST_ASSERT(n_free >= 1 && f != NULL && f->len < a->len,
			"the free pages of the growth go back on their own");
	}

	rte_free(p2);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_trim(&released), "trim");
	if (match) {
		f = last_of(RTE_MEM_EVENT_FREE);
		TEST_ASSERT_EQUAL(n_free, 1, "one FREE event");
		TEST_ASSERT(f->va == a->va && f->len == a->len,
			"FREE %#" PRIxPTR "+%zu is the ALLOC %#" PRIxPTR "+%zu",
			f->va, f->len, a->va, a->len);
	}
	for (i = 0; i < n_events; i++)
		if (events[i].type == RTE_MEM_EVENT_FREE)
			freed += events[i].len;
	TEST_ASSERT_EQUAL(freed, a->len, "the whole growth went back");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("match", NULL),
		"unregister");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_malloc_match(void)
{
	long free_pages = test_read_long(HUGE_2M_FREE);

	if (free_pages < 8)
		TEST_SKIP_MISSING("fewer than 8 free 2 MiB hugepages (%ld): reserve some with 'echo 64 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'",
			free_pages);
	if (run(true) != TEST_SUCCESS || run(false) != TEST_SUCCESS)
		return TEST_FAILED;
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(malloc_match_allocations_autotest, test_malloc_match);
