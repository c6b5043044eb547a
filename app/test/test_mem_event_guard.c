/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the mem event API protects: the EAL's own callback (the VFIO
 * component's, which maps heap memory for DMA before it is handed out)
 * cannot be unregistered or shadowed through the public API, and a
 * callback that registers or unregisters from inside a notification gets
 * EDEADLK instead of blocking forever on the callback list's lock.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
