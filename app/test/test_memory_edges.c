/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Edges of the memory API found by calling it as an application would:
 * rte_dump_physmem_layout(NULL) (stdout, where DPDK crashes), and an
 * rte_malloc() larger than one memseg list of system pages can hold under
 * --no-huge --dynamic-mem (ENOMEM with one line naming the limit and the
 * ways past it, not a silent ENOMEM).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"

/* Run rte_dump_physmem_layout(NULL) with stdout sent to a file; its text or NULL. */
static char *
dump_null_to_text(void)
{
	FILE *tmp = tmpfile();
	char *text = NULL;
	long len;
	int saved;

	if (tmp == NULL)
		return NULL;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDOUT_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		fclose(tmp);
		return NULL;
	}
	rte_dump_physmem_layout(NULL);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = lseek(fileno(tmp), 0, SEEK_END);
	if (len >= 0 && lseek(fileno(tmp), 0, SEEK_SET) == 0) {
		text = calloc(1, (size_t)len + 1);
		if (text != NULL && read(fileno(tmp), text, (size_t)len) != len) {
			free(text);
			text = NULL;
		}
	}
	fclose(tmp);
	return text;
}

static int
test_memory_dump_null(void)
{
	char *text;
	int ok;

	TEST_ASSERT(test_eal_init("--no-huge", "--no-pci", "-m", "8", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	TEST_STEP("rte_dump_physmem_layout(NULL) writes the layout to stdout");
	text = dump_null_to_text();
	ok = text != NULL && strstr(text, "memseg list") != NULL &&
		strstr(text, "segs 0-") != NULL;
	if (!ok)
		TEST_FAIL_MSG("stdout got: %s", text != NULL ? text : "(nothing readable)");
	free(text);
	rte_eal_cleanup();
	return ok ? TEST_SUCCESS : TEST_FAILED;
}

/* The heap of the socket the EAL allocates from here (that of a small block). */
static int
stats_now(struct rte_malloc_socket_stats *st)
{
	const struct rte_memseg_list *msl;
	int socket = 0;
	void *p = rte_malloc(NULL, 64, 0);

	if (p != NULL) {
		msl = rte_mem_virt2memseg_list(p);
		if (msl != NULL)
			socket = msl->socket_id;
		rte_free(p);
	}
	return rte_malloc_get_socket_stats(socket, st);
}

static int
test_malloc_list_limit(void)
{
	struct rte_malloc_socket_stats before, after;
	size_t ps = test_page_size();
	size_t list_bytes = (size_t)RTE_MAX_MEMSEG_PER_LIST * ps;
	char number[32];
	const char *log;
	void *p;

	TEST_ASSERT(test_eal_init("--no-huge", "--no-pci", "--dynamic-mem", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	if ((uint64_t)list_bytes > ((uint64_t)RTE_MAX_MEM_MB_PER_LIST << 20)) {
		printf("  (system pages of %zu bytes: a list is bounded by its MB, not its pages)\n", ps);
		list_bytes = (size_t)RTE_MAX_MEM_MB_PER_LIST << 20;
	}
	TEST_ASSERT_SUCCESS(stats_now(&before), "stats");

	TEST_STEP("rte_malloc of one list's bytes (%zu): ENOMEM and one line naming the limit",
		list_bytes);
	TEST_ASSERT_SUCCESS(test_log_capture(), "capture the log");
	rte_errno = 0;
	p = rte_malloc(NULL, list_bytes, 0);
	log = test_log_release();
	if (p != NULL || rte_errno != ENOMEM) {
		TEST_FAIL_MSG("rte_malloc(%zu): %p, rte_errno %d", list_bytes, p, rte_errno);
		rte_free(p);
		goto fail;
	}
	snprintf(number, sizeof(number), "%u", (unsigned int)RTE_MAX_MEMSEG_PER_LIST);
	if (log == NULL || test_count_lines(log) != 1 ||
			strstr(log, "RTE_MAX_MEMSEG_PER_LIST") == NULL ||
			strstr(log, number) == NULL || strstr(log, "-m") == NULL) {
		TEST_FAIL_MSG("expected one line naming RTE_MAX_MEMSEG_PER_LIST %s and -m, got: %s",
			number, log != NULL ? log : "(none)");
		goto fail;
	}

	TEST_STEP("nothing changed in the heap");
	TEST_ASSERT_SUCCESS(stats_now(&after), "stats");
	if (after.heap_totalsz_bytes != before.heap_totalsz_bytes ||
			after.alloc_count != before.alloc_count) {
		TEST_FAIL_MSG("heap %zu -> %zu bytes, %u -> %u allocations",
			before.heap_totalsz_bytes, after.heap_totalsz_bytes,
			before.alloc_count, after.alloc_count);
		goto fail;
	}

	TEST_STEP("half of it fits (the pool was not empty)");
	p = rte_malloc(NULL, list_bytes / 2, 0);
	if (p == NULL) {
		TEST_FAIL_MSG("rte_malloc(%zu): %s", list_bytes / 2, rte_strerror(rte_errno));
		goto fail;
	}
	rte_free(p);
	rte_eal_cleanup();

	TEST_STEP("the way out the line names: static --no-huge memory (-m) holds it");
	snprintf(number, sizeof(number), "%zu", (list_bytes >> 20) * 2);
	TEST_ASSERT(test_eal_init("--no-huge", "--no-pci", "-m", number, NULL) >= 0,
		"EAL init -m %s: %s", number, rte_strerror(rte_errno));
	p = rte_malloc(NULL, list_bytes, 0);
	if (p == NULL) {
		TEST_FAIL_MSG("rte_malloc(%zu) with -m %s: %s", list_bytes, number,
			rte_strerror(rte_errno));
		goto fail;
	}
	rte_free(p);
	rte_eal_cleanup();
	return TEST_SUCCESS;
fail:
	rte_eal_cleanup();
	return TEST_FAILED;
}

REGISTER_TEST_COMMAND(memory_dump_null_autotest, test_memory_dump_null);
REGISTER_TEST_COMMAND(malloc_list_limit_autotest, test_malloc_list_limit);
