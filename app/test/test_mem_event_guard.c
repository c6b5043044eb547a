/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the mem event API protects: the EAL's own callback (the VFIO
 * component's, which maps heap memory for DMA before it is handed out)
 * cannot be unregistered or shadowed through the public API, and a
 * callback that registers or unregisters from inside a notification gets
 * EDEADLK instead of blocking forever on the callback list's lock.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"

/* The name under which the VFIO component registers (vfio_mem.c). */
#define VFIO_CB_NAME "vfio_dma_map"

static void
noop_cb(enum rte_mem_event ev __rte_unused, const void *addr __rte_unused,
		size_t len __rte_unused, void *arg __rte_unused)
{
}

static int
noop_check_cb(enum rte_mem_event ev __rte_unused, const void *addr __rte_unused,
		size_t len __rte_unused, void *arg __rte_unused)
{
	return 0;
}

static int
test_mem_event_guard_vfio(void)
{
	uint64_t before, after;
	const char *log;
	void *p;
	int ret;

	ret = test_vfio_start("--dynamic-mem");
	if (ret != TEST_SUCCESS)
		return ret;

	TEST_STEP("the VFIO callback cannot be unregistered: EPERM, one log line");
	if (test_log_capture() < 0) {
		rte_eal_cleanup();
		TEST_FAIL_MSG("cannot capture the log");
		return TEST_FAILED;
	}
	rte_errno = 0;
	ret = rte_mem_event_callback_unregister(VFIO_CB_NAME, NULL);
	log = test_log_release();
	if (ret != -1 || rte_errno != EPERM) {
		TEST_FAIL_MSG("unregister of the VFIO callback: %d, rte_errno %d (%s)",
			ret, rte_errno, rte_strerror(rte_errno));
		goto fail;
	}
	if (log == NULL || test_count_lines(log) != 1 || strstr(log, VFIO_CB_NAME) == NULL) {
		TEST_FAIL_MSG("expected one log line naming the callback, got: %s",
			log != NULL ? log : "(none)");
		goto fail;
	}

	TEST_STEP("nor replaced under its name, of either kind and any arg: EPERM");
	rte_errno = 0;
	if (rte_mem_event_callback_register(VFIO_CB_NAME, noop_cb, NULL) != -1 ||
			rte_errno != EPERM) {
		TEST_FAIL_MSG("register under the VFIO name: rte_errno %d", rte_errno);
		goto fail;
	}
	rte_errno = 0;
	if (rte_mem_event_check_callback_register(VFIO_CB_NAME, noop_check_cb,
			&before) != -1 || rte_errno != EPERM) {
		TEST_FAIL_MSG("check register under the VFIO name: rte_errno %d", rte_errno);
		goto fail;
	}
	rte_errno = 0;
	if (rte_mem_event_callback_unregister(VFIO_CB_NAME, &before) != -1 ||
			rte_errno != ENOENT) {
		TEST_FAIL_MSG("unregister of an unknown arg: rte_errno %d", rte_errno);
		goto fail;
	}

	TEST_STEP("heap growth is still mapped for DMA");
	before = test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD);
	p = rte_malloc(NULL, 3 * test_page_size(), 0);
	if (p == NULL) {
		TEST_FAIL_MSG("rte_malloc: %s", rte_strerror(rte_errno));
		goto fail;
	}
	after = test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD);
	rte_free(p);
	if (before == UINT64_MAX || after <= before) {
		TEST_FAIL_MSG("records of the default container: %llu before, %llu after a heap growth",
			(unsigned long long)before, (unsigned long long)after);
		goto fail;
	}

	TEST_STEP("other callbacks still register and unregister");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_register("app", noop_cb, NULL), "app");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("app", NULL), "app");
	rte_eal_cleanup();
	return TEST_SUCCESS;
fail:
	rte_eal_cleanup();
	return TEST_FAILED;
}

REGISTER_TEST_COMMAND(mem_event_guard_vfio_autotest, test_mem_event_guard_vfio);

/*
 * A callback that registers and unregisters from inside itself. It runs
 * with the callback list locked for reading, so before the EDEADLK check
 * such a call blocked forever; it must now fail at once with EDEADLK, one
 * log line, and no change to the list.
 */
struct reentry {
	unsigned int calls;
	int reg_ret, reg_errno;
	int creg_ret, creg_errno;
	int unreg_ret, unreg_errno;
	int self_unreg_ret, self_unreg_errno;
};

static void
reentry_cb(enum rte_mem_event ev, const void *addr __rte_unused,
		size_t len __rte_unused, void *arg)
{
	struct reentry *r = arg;

	if (ev != RTE_MEM_EVENT_ALLOC || r->calls++ != 0)
		return;
	rte_errno = 0;
	r->reg_ret = rte_mem_event_callback_register("inner", noop_cb, NULL);
	r->reg_errno = rte_errno;
	rte_errno = 0;
	r->creg_ret = rte_mem_event_check_callback_register("inner", noop_check_cb, NULL);
	r->creg_errno = rte_errno;
	rte_errno = 0;
	r->unreg_ret = rte_mem_event_callback_unregister("other", NULL);
	r->unreg_errno = rte_errno;
	rte_errno = 0;
	r->self_unreg_ret = rte_mem_event_callback_unregister("reentry", r);
	r->self_unreg_errno = rte_errno;
}

struct reentry_alloc {
	size_t len;
	void *p;
	volatile int done;
};

static void *
reentry_alloc_thread(void *arg)
{
	struct reentry_alloc *a = arg;

	a->p = rte_malloc(NULL, a->len, 0);
	a->done = 1;
	return NULL;
}

static int
test_mem_event_reentry(void)
{
	struct reentry r = { .calls = 0 };
	struct reentry_alloc a = { .p = NULL, .done = 0 };
	unsigned int waited_ms;
	pthread_t th;
	const char *log;

	TEST_ASSERT(test_eal_init("--no-huge", "--no-pci", "--dynamic-mem", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	if (rte_mem_event_callback_register("reentry", reentry_cb, &r) != 0 ||
			rte_mem_event_callback_register("other", noop_cb, NULL) != 0) {
		TEST_FAIL_MSG("register: %s", rte_strerror(rte_errno));
		goto fail;
	}

	TEST_STEP("a heap growth runs the callback, which registers and unregisters: EDEADLK, no hang");
	if (test_log_capture() < 0) {
		TEST_FAIL_MSG("cannot capture the log");
		goto fail;
	}
	/* in a thread, so that a hang is a failure with a message, not a timeout */
	a.len = 3 * test_page_size();
	if (pthread_create(&th, NULL, reentry_alloc_thread, &a) != 0) {
		test_log_release();
		TEST_FAIL_MSG("pthread_create");
		goto fail;
	}
	for (waited_ms = 0; !a.done && waited_ms < 20000; waited_ms += 10)
		usleep(10000);
	if (!a.done) {
		test_log_release();
		/* the thread holds the hotplug lock forever: no cleanup is possible */
		TEST_FAIL_MSG("rte_malloc still blocked after %u ms: the callback's register/unregister deadlocked",
			waited_ms);
		fflush(stdout);
		_exit(EXIT_FAILURE);
	}
	pthread_join(th, NULL);
	log = test_log_release();
	if (a.p == NULL) {
		TEST_FAIL_MSG("rte_malloc: %s", rte_strerror(rte_errno));
		goto fail;
	}
	rte_free(a.p);
	if (r.calls == 0) {
		TEST_FAIL_MSG("the heap growth did not run the callback");
		goto fail;
	}
	if (r.reg_ret != -1 || r.reg_errno != EDEADLK ||
			r.creg_ret != -1 || r.creg_errno != EDEADLK ||
			r.unreg_ret != -1 || r.unreg_errno != EDEADLK ||
			r.self_unreg_ret != -1 || r.self_unreg_errno != EDEADLK) {
		TEST_FAIL_MSG("from inside: register %d/%d, check register %d/%d, unregister %d/%d, unregister self %d/%d (want -1/%d)",
			r.reg_ret, r.reg_errno, r.creg_ret, r.creg_errno, r.unreg_ret, r.unreg_errno,
			r.self_unreg_ret, r.self_unreg_errno, EDEADLK);
		goto fail;
	}
	if (log == NULL || test_count_lines(log) != 4 || strstr(log, "inside") == NULL) {
		TEST_FAIL_MSG("expected one log line per refusal (4), got: %s",
			log != NULL ? log : "(none)");
		goto fail;
	}

	TEST_STEP("nothing changed: 'inner' absent, 'other' and 'reentry' still registered");
	TEST_ASSERT_ERRNO(rte_mem_event_callback_unregister("inner", NULL), ENOENT, "inner");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("other", NULL), "other");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("reentry", &r), "reentry");
	rte_eal_cleanup();
	return TEST_SUCCESS;
fail:
	rte_mem_event_callback_unregister("reentry", &r);
	rte_mem_event_callback_unregister("other", NULL);
	rte_eal_cleanup();
	return TEST_FAILED;
}

REGISTER_TEST_COMMAND(mem_event_reentry_autotest, test_mem_event_reentry);
