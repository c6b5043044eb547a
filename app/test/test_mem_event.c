/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of memory events: registration and its bad input, the order of
 * ALLOC and FREE, a refusal and its rollback, and the events static memory
 * sends at init and cleanup.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "test.h"

/* What the callbacks saw: "A+" for ALLOC seen by A, "A-" for FREE. */
static char trace[256];
static const void *last_addr;
static size_t last_len;

struct probe {
	char name;
	int refuse_errno;    /* refuse ALLOC with this rte_errno; -1: refuse, leave 0 */
	unsigned int allocs;
	unsigned int frees;
	size_t alloc_bytes;
	size_t free_bytes;
};

static void
record(struct probe *p, enum rte_mem_event ev, const void *addr, size_t len)
{
	char step[4] = { p->name, ev == RTE_MEM_EVENT_ALLOC ? '+' : '-', ' ', '\0' };

	strncat(trace, step, sizeof(trace) - strlen(trace) - 1);
	last_addr = addr;
	last_len = len;
	if (ev == RTE_MEM_EVENT_ALLOC) {
		p->allocs++;
		p->alloc_bytes += len;
	} else {
		p->frees++;
		p->free_bytes += len;
	}
}

static void
plain_cb(enum rte_mem_event ev, const void *addr, size_t len, void *arg)
{
	record(arg, ev, addr, len);
}

static int
check_cb(enum rte_mem_event ev, const void *addr, size_t len, void *arg)
{
	struct probe *p = arg;

	record(p, ev, addr, len);
	if (ev != RTE_MEM_EVENT_ALLOC || p->refuse_errno == 0)
		return 0;
	if (p->refuse_errno > 0)
		rte_errno = p->refuse_errno;
	return -1;
}

static int
notify(enum rte_mem_event ev, const void *addr, size_t len)
{
	int ret;

	trace[0] = '\0';
	eal_mem_hotplug_write_lock();
	ret = eal_mem_event_notify(ev, addr, len);
	eal_mem_hotplug_write_unlock();
	return ret;
}

static int
test_mem_event_register(void)
{
	struct probe a = { .name = 'A' };
	char long_name[RTE_MEM_EVENT_CALLBACK_NAME_LEN + 1];

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';

	TEST_STEP("bad input: each with its rte_errno");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_register(NULL, plain_cb, &a), EINVAL, "NULL name");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_register("", plain_cb, &a), EINVAL, "empty name");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_register(long_name, plain_cb, &a), EINVAL, "long name");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_register("a", NULL, &a), EINVAL, "NULL callback");
	TEST_ASSERT_ERRNO(rte_mem_event_check_callback_register("a", NULL, &a), EINVAL, "NULL check callback");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_unregister(NULL, &a), EINVAL, "unregister NULL name");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_unregister("a", &a), ENOENT, "unregister unknown");

	TEST_STEP("nothing was registered by the bad calls");
	TEST_ASSERT_SUCCESS(notify(RTE_MEM_EVENT_ALLOC, &a, 1), "notify");
	TEST_ASSERT_EQUAL(a.allocs, 0, "calls after bad registrations");

	TEST_STEP("duplicate name and arg: EEXIST; same name, other arg: allowed");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("a", plain_cb, &a), "register");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_register("a", plain_cb, &a), EEXIST, "duplicate");
	TEST_ASSERT_ERRNO(rte_mem_event_check_callback_register("a", check_cb, &a), EEXIST,
		"duplicate of the other kind");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("a", plain_cb, NULL), "other arg");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("a", NULL), "unregister other arg");
	TEST_ASSERT_SUCCESS(notify(RTE_MEM_EVENT_ALLOC, &a, 1), "notify");
	TEST_ASSERT_EQUAL(a.allocs, 1, "one registration, one call");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("a", &a), "unregister");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_unregister("a", &a), ENOENT, "unregister twice");
	TEST_ASSERT_SUCCESS(notify(RTE_MEM_EVENT_ALLOC, &a, 1), "notify");
	TEST_ASSERT_EQUAL(a.allocs, 1, "no call after unregister");
	return TEST_SUCCESS;
}

static int
test_mem_event_order(void)
{
	struct probe a = { .name = 'A' }, b = { .name = 'B' }, c = { .name = 'C' };
	int buf;
	int ret = TEST_FAILED;

	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("a", plain_cb, &a), "a");
	TEST_ASSERT_SUCCESS(rte_mem_event_check_callback_register("b", check_cb, &b), "b");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("c", plain_cb, &c), "c");

	TEST_STEP("ALLOC in registration order, FREE in reverse");
	if (notify(RTE_MEM_EVENT_ALLOC, &buf, 64) != 0 || strcmp(trace, "A+ B+ C+ ") != 0) {
		TEST_FAIL_MSG("ALLOC trace '%s'", trace);
		goto out;
	}
	if (last_addr != &buf || last_len != 64) {
		TEST_FAIL_MSG("callback got %p+%zu", last_addr, last_len);
		goto out;
	}
	if (notify(RTE_MEM_EVENT_FREE, &buf, 64) != 0 || strcmp(trace, "C- B- A- ") != 0) {
		TEST_FAIL_MSG("FREE trace '%s'", trace);
		goto out;
	}

	TEST_STEP("a refusal: the callbacks that accepted get FREE, in reverse");
	b.refuse_errno = ENOSPC;
	rte_errno = 0;
	if (notify(RTE_MEM_EVENT_ALLOC, &buf, 64) != -1 || rte_errno != ENOSPC ||
			strcmp(trace, "A+ B+ A- ") != 0) {
		TEST_FAIL_MSG("refused ALLOC: rte_errno %d, trace '%s'", rte_errno, trace);
		goto out;
	}
	TEST_STEP("a refusal without rte_errno is EFAULT");
	b.refuse_errno = -1;
	rte_errno = 0;
	if (notify(RTE_MEM_EVENT_ALLOC, &buf, 64) != -1 || rte_errno != EFAULT) {
		TEST_FAIL_MSG("refused ALLOC: rte_errno %d", rte_errno);
		goto out;
	}
	TEST_STEP("FREE cannot be refused");
	if (notify(RTE_MEM_EVENT_FREE, &buf, 64) != 0 || strcmp(trace, "C- B- A- ") != 0) {
		TEST_FAIL_MSG("FREE trace '%s'", trace);
		goto out;
	}
	TEST_STEP("the first callback refusing: nobody gets FREE");
	if (rte_mem_event_callback_unregister("a", &a) != 0) {
		TEST_FAIL_MSG("unregister a");
		goto out;
	}
	if (notify(RTE_MEM_EVENT_ALLOC, &buf, 64) != -1 || strcmp(trace, "B+ ") != 0) {
		TEST_FAIL_MSG("trace '%s'", trace);
		goto out;
	}
	TEST_STEP("after unregistering the refusing one, ALLOC goes through");
	if (rte_mem_event_callback_unregister("b", &b) != 0 ||
			notify(RTE_MEM_EVENT_ALLOC, &buf, 64) != 0 || strcmp(trace, "C+ ") != 0) {
		TEST_FAIL_MSG("trace '%s'", trace);
		goto out;
	}
	ret = TEST_SUCCESS;
out:
	rte_mem_event_callback_unregister("a", &a);
	rte_mem_event_callback_unregister("b", &b);
	rte_mem_event_callback_unregister("c", &c);
	return ret;
}

/* Static memory is announced at init and withdrawn at cleanup. */
static int
test_mem_event_static(void)
{
	struct probe a = { .name = 'A' }, b = { .name = 'B' };
	const size_t mem = 4u << 20;
	int ret;

	TEST_STEP("callbacks registered before init see the static memory");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("a", plain_cb, &a), "a");
	TEST_ASSERT_SUCCESS(rte_mem_event_check_callback_register("b", check_cb, &b), "b");
	TEST_ASSERT(test_eal_init("--no-huge", "-m", "4", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(a.alloc_bytes, mem, "bytes announced to a");
	TEST_ASSERT_EQUAL(b.alloc_bytes, mem, "bytes announced to b");
	TEST_ASSERT_EQUAL(a.frees, 0, "no FREE yet");
	TEST_ASSERT_NOT_NULL(rte_mem_virt2memseg(last_addr, NULL), "announced memory is EAL memory");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	TEST_ASSERT_EQUAL(a.free_bytes, mem, "bytes withdrawn from a");
	TEST_ASSERT_EQUAL(b.free_bytes, mem, "bytes withdrawn from b");

	TEST_STEP("a refusal at init fails init with the callback's rte_errno");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.name = 'A';
	b.name = 'B';
	b.refuse_errno = E2BIG;
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("a", plain_cb, &a), "a");
	TEST_ASSERT_SUCCESS(rte_mem_event_check_callback_register("b", check_cb, &b), "b");
	ret = test_eal_init("--no-huge", "-m", "4", NULL);
	if (ret >= 0)
		rte_eal_cleanup();
	TEST_ASSERT_EQUAL(ret, -1, "init with a refusing callback");
	TEST_ASSERT_EQUAL(rte_errno, E2BIG, "rte_errno of init");
	TEST_ASSERT_EQUAL(a.alloc_bytes, mem, "a accepted");
	TEST_ASSERT_EQUAL(a.free_bytes, mem, "a got FREE for what it accepted");
	TEST_ASSERT_EQUAL(b.frees, 0, "the refusing callback gets no FREE");
	rte_mem_event_callback_unregister("a", &a);
	rte_mem_event_callback_unregister("b", &b);
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(mem_event_register_autotest, test_mem_event_register);
REGISTER_TEST_COMMAND(mem_event_order_autotest, test_mem_event_order);
REGISTER_TEST_COMMAND(mem_event_static_autotest, test_mem_event_static);
