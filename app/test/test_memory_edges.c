/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Edges of the memory API and of the memory options:
 *  - rte_dump_physmem_layout(NULL) prints to stdout (where DPDK crashes);
 *  - an rte_malloc() larger than one memseg list of system pages can hold
 *    under --no-huge --dynamic-mem: ENOMEM with one line naming the limit
 *    and the ways past it, not a silent ENOMEM;
 *  - a number option parsed in base 16 takes one "0x" (strtoull() skips
 *    one, so "--base-virtaddr=0x0x7f0000000000" was once accepted);
 *  - -m/--socket-mem at the largest values the parser accepts: the page
 *    count does not wrap (a rounding up with bytes + page_sz - 1 did);
 *  - a hugetlbfs backing file held by a running process (same
 *    --file-prefix) is refused with EBUSY, not truncated under it.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "eal_hugepage_info.h"
#include "eal_memseg.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"
#include "test_options.h"

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

/* test_options.h's parse() on a fresh configuration, as rte_eal_init() would. */
#define PARSE_FRESH(...) (eal_reset_internal_config(eal_get_internal_config()), \
	rte_errno = 0, parse(__VA_ARGS__))

/* Hex options: one optional 0x prefix, then hex digits only. */
static int
test_hex_option(void)
{
	const struct eal_internal_config *conf = eal_get_internal_config();
	static const char *const bad[] = {
		"--base-virtaddr=0x0x7f0000000000",
		"--base-virtaddr=0X0x7f0000000000",
		"--base-virtaddr=0x+7f0000000000",
		"--base-virtaddr=0x 7f0000000000",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT_EQUAL(PARSE_FRESH(bad[i], NULL), -1, "%s accepted", bad[i]);
		TEST_ASSERT_EQUAL(rte_errno, EINVAL, "%s: rte_errno", bad[i]);
		TEST_ASSERT_EQUAL(conf->base_virtaddr, 0, "%s changed the config",
			bad[i]);
	}
	TEST_ASSERT_EQUAL(PARSE_FRESH("--base-virtaddr=0X7F0000000000", NULL), 1,
		"upper case hex refused");
	TEST_ASSERT_EQUAL(conf->base_virtaddr, 0x7f0000000000ULL, "value");
	TEST_ASSERT_EQUAL(PARSE_FRESH("--base-virtaddr=7f0000000000", NULL), 1,
		"hex without 0x refused");
	TEST_ASSERT_EQUAL(PARSE_FRESH("-m", "0x10", NULL), -1, "-m 0x10 accepted");
	TEST_ASSERT_EQUAL(PARSE_FRESH("-m", "16", NULL), 2, "-m 16 refused");
	TEST_ASSERT_EQUAL(conf->memory, (size_t)16 << 20, "-m value");
	eal_reset_internal_config(eal_get_internal_config());
	return TEST_SUCCESS;
}

/* Init with 2 MiB hugepages from a fake inventory (no page is faulted in). */
static int
init_huge(const char *opt, const char *val)
{
	int ret = test_eal_init("--in-memory", opt, val, NULL);

	if (ret >= 0)
		rte_eal_cleanup();
	return ret;
}

/*
 * The largest -m/--socket-mem the parser accepts does not overflow: that
 * memory is allocated at init (DPDK 22.11), so init fails cleanly with
 * ENOMEM when the pool cannot hold it.
 */
static int
test_huge_memory_option(void)
{
	char root[] = "/tmp/memvfio-review-sysfs-XXXXXX";
	char max_mb[32];
	int ret = TEST_FAILED, r;

	snprintf(max_mb, sizeof(max_mb), "%zu", (size_t)(SIZE_MAX >> 20));
	TEST_ASSERT_NOT_NULL(mkdtemp(root), "mkdtemp");
	if (test_fake_file(root, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
			"8\n") < 0) {
		printf("cannot build a fake sysfs tree in %s\n", root);
		goto out;
	}
	eal_hugepage_info_set_sysfs_root(root);
	if (init_huge("-m", "4") < 0) {
		ret = TEST_SKIPPED;
		printf("SKIP: no hugetlb memfd on this kernel (rte_errno %d)\n",
			rte_errno);
		goto out;
	}
	r = init_huge("-m", max_mb);
	if (r >= 0 || rte_errno != ENOMEM) {
		printf("-m %s: expected ENOMEM, got %d, rte_errno %d\n", max_mb,
			r, rte_errno);
		goto out;
	}
	r = init_huge("--socket-mem", max_mb);
	if (r >= 0 || rte_errno != ENOMEM) {
		printf("--socket-mem %s: expected ENOMEM, got %d, rte_errno %d\n",
			max_mb, r, rte_errno);
		goto out;
	}
	ret = TEST_SUCCESS;
out:
	eal_hugepage_info_set_sysfs_root(NULL);
	test_remove_tree(root);
	return ret;
}

#define LIVE_FILES 64

/* Size of the file at path, -1 if it cannot be read. */
static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/*
 * The backing file's name depends on a per-process counter, so the first
 * LIVE_FILES names are all made files of a "running process": each holds
 * content and a shared lock, as a live EAL holds on its files. The lock is
 * taken through another open file description, which flock() treats as
 * another owner even in this process.
 */
static int
check_live_files(const char *dir, int *fds)
{
	const size_t pgsz = test_page_size();
	struct eal_memseg_list l;
	char path[PATH_MAX];
	int i, rc;

	for (i = 0; i < LIVE_FILES; i++) {
		snprintf(path, sizeof(path), "%s/rtemap_%d", dir, i);
		fds[i] = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
		TEST_ASSERT(fds[i] >= 0, "create %s", path);
		TEST_ASSERT_EQUAL(write(fds[i], "live", 4), 4, "write %s", path);
		TEST_ASSERT_SUCCESS(flock(fds[i], LOCK_SH), "lock %s", path);
	}
	memset(&l, 0, sizeof(l));
	l.fd = -1;
	l.pub.len = 2 * pgsz;
	l.pub.page_sz = pgsz;

	TEST_STEP("a file a running process holds is refused (EBUSY) and kept as is");
	rte_errno = 0;
	rc = eal_memalloc_list_open(&l, dir, true);
	if (rc == 0)
		eal_memalloc_list_close(&l);
	TEST_ASSERT_EQUAL(rc, -1, "a live process's file was taken");
	TEST_ASSERT_EQUAL(rte_errno, EBUSY, "rte_errno");
	TEST_ASSERT(l.fd == -1 && l.path == NULL, "list state after the refusal");
	for (i = 0; i < LIVE_FILES; i++) {
		snprintf(path, sizeof(path), "%s/rtemap_%d", dir, i);
		TEST_ASSERT_EQUAL(file_size(path), 4, "%s was truncated", path);
	}

	TEST_STEP("a file nobody holds (stale) is taken over and emptied");
	for (i = 0; i < LIVE_FILES; i++) {
		close(fds[i]);
		fds[i] = -1;
	}
	TEST_ASSERT_SUCCESS(eal_memalloc_list_open(&l, dir, true), "stale file");
	snprintf(path, sizeof(path), "%s", l.path);
	TEST_ASSERT_EQUAL(file_size(path), (long long)l.pub.len, "size of %s",
		path);
	{
		char head[4] = { 1, 1, 1, 1 };

		TEST_ASSERT_EQUAL(pread(l.fd, head, sizeof(head), 0), 4, "read");
		TEST_ASSERT(memcmp(head, "\0\0\0\0", 4) == 0,
			"old content left in %s", path);
	}
	eal_memalloc_list_close(&l);
	TEST_ASSERT_EQUAL(file_size(path), -1, "%s left behind", path);
	return TEST_SUCCESS;
}

static int
test_live_huge_file(void)
{
	char dir[] = "/tmp/memvfio-review-huge-XXXXXX";
	int fds[LIVE_FILES], i, ret;

	for (i = 0; i < LIVE_FILES; i++)
		fds[i] = -1;
	TEST_ASSERT_NOT_NULL(mkdtemp(dir), "mkdtemp");
	eal_reset_internal_config(eal_get_internal_config()); /* prefix "rte" */
	ret = check_live_files(dir, fds);
	for (i = 0; i < LIVE_FILES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	test_remove_tree(dir);
	return ret;
}

/*
 * Options at their edges and a hugetlbfs file in use: one test, so that
 * the file case runs while the process's file counter is still low.
 */
static int
test_memory_options_edges(void)
{
	int ret;

	/* First, while the file counter of this process is still low. */
	if (test_live_huge_file() != TEST_SUCCESS)
		return TEST_FAILED;

	TEST_STEP("hex options take one 0x prefix and hex digits only");
	if (test_hex_option() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_STEP("-m/--socket-mem at their maximum do not overflow the page count");
	ret = test_huge_memory_option();
	if (ret == TEST_SKIPPED)
		TEST_SKIP_MISSING("hugetlb memfd unavailable");
	return ret;
}

REGISTER_TEST_COMMAND(memory_dump_null_autotest, test_memory_dump_null);
REGISTER_TEST_COMMAND(malloc_list_limit_autotest, test_malloc_list_limit);
REGISTER_TEST_COMMAND(memory_options_edges_autotest, test_memory_options_edges);
