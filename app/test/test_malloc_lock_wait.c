/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Waiting for a heap's lock while another thread holds it for long: heap
 * growth holds it across page allocation and the ALLOC memory event (where
 * VFIO maps the pages), which can take milliseconds. A waiter must sleep
 * rather than spin through that time, and get the lock soon after it is
 * let go. A memory event callback that blocks stands in for a slow map.
 */

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"

#define HOLD_MS 200          /* the growth's event callback blocks this long */
#define WAITER_CPU_MAX_MS (HOLD_MS / 4) /* spinning burns ~HOLD_MS; asleep ~6 % */
#define WAKE_LATE_MAX_MS 50  /* from the holder's release to the waiter's return */
#define GROW_BYTES (8u << 20)
#define GROW_WAIT_MAX_NS 10000000000ull

struct hold {
	bool armed;      /* block in the next ALLOC event */
	bool inside;     /* the callback is blocking (heap lock held) */
	uint64_t released_ns;
};

static uint64_t
clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
block_in_alloc_event(enum rte_mem_event type, const void *addr __rte_unused,
		size_t len __rte_unused, void *arg)
{
	struct hold *h = arg;
	struct timespec hold = { HOLD_MS / 1000, (HOLD_MS % 1000) * 1000000L };

	if (type != RTE_MEM_EVENT_ALLOC ||
			!__atomic_exchange_n(&h->armed, false, __ATOMIC_ACQ_REL))
		return;
	__atomic_store_n(&h->inside, true, __ATOMIC_RELEASE);
	nanosleep(&hold, NULL);
	__atomic_store_n(&h->released_ns, clock_ns(CLOCK_MONOTONIC),
		__ATOMIC_RELEASE);
}

static void *
grow_heap(void *arg __rte_unused)
{
	return rte_malloc(NULL, GROW_BYTES, 0);
}

static int
test_malloc_lock_wait(void)
{
	static struct hold h;
	uint64_t cpu0, cpu_ms, late_ms, released, start_ns;
	pthread_t grower;
	void *big, *p;

	TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	memset(&h, 0, sizeof(h));
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("lock_wait",
		block_in_alloc_event, &h), "register callback: %s",
		rte_strerror(rte_errno));
	/* free room for a small block, so the waiter needs no growth */
	p = rte_malloc(NULL, 64, 0);
	TEST_ASSERT_NOT_NULL(p, "first malloc: %s", rte_strerror(rte_errno));
	rte_free(p);

	TEST_STEP("a growth holds the heap lock for %d ms (its ALLOC event blocks)",
		HOLD_MS);
	__atomic_store_n(&h.armed, true, __ATOMIC_RELEASE);
	TEST_ASSERT_SUCCESS(pthread_create(&grower, NULL, grow_heap, NULL),
		"pthread_create");
	start_ns = clock_ns(CLOCK_MONOTONIC);
	while (!__atomic_load_n(&h.inside, __ATOMIC_ACQUIRE) &&
			clock_ns(CLOCK_MONOTONIC) - start_ns < GROW_WAIT_MAX_NS)
		sched_yield();
	if (!__atomic_load_n(&h.inside, __ATOMIC_ACQUIRE)) {
		TEST_FAIL_MSG("the %u MiB allocation did not grow the heap (no ALLOC event in 10 s)",
			GROW_BYTES >> 20);
		pthread_join(grower, &big);
		rte_free(big);
		rte_eal_cleanup();
		return TEST_FAILED;
	}

	TEST_STEP("a 64-byte rte_malloc() meanwhile waits, sleeping");
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	p = rte_malloc(NULL, 64, 0);
	cpu_ms = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / 1000000u;
	late_ms = clock_ns(CLOCK_MONOTONIC) / 1000000u;
	released = __atomic_load_n(&h.released_ns, __ATOMIC_ACQUIRE);
	pthread_join(grower, &big);
	TEST_ASSERT_NOT_NULL(p, "malloc while the heap grows: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_NOT_NULL(big, "the growth: %s", rte_strerror(rte_errno));
	TEST_ASSERT(released != 0, "the waiter returned before the growth let the lock go");
	late_ms -= released / 1000000u;
	printf("waiter: %" PRIu64 " ms of CPU over a %d ms hold, back %" PRIu64
		" ms after the release\n", cpu_ms, HOLD_MS, late_ms);
	TEST_ASSERT(cpu_ms <= WAITER_CPU_MAX_MS,
		"the waiter used %" PRIu64 " ms of CPU while the lock was held %d ms: it spun instead of sleeping",
		cpu_ms, HOLD_MS);
	TEST_ASSERT(late_ms <= WAKE_LATE_MAX_MS,
		"the waiter got the lock %" PRIu64 " ms after it was let go",
		late_ms);

	rte_free(p);
	rte_free(big);
	rte_mem_event_callback_unregister("lock_wait", &h);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(malloc_lock_wait_autotest, test_malloc_lock_wait);
