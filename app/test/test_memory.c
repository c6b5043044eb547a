/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the memory layer: memseg lists, static and dynamic memory on
 * system pages (and on 2 MiB hugepages when some are reserved), walks,
 * lookups and page release. The hugepage inventory (over a fake sysfs) is
 * in test_memory_hugepage_info.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_hugepage_info.h"
#include "eal_memcfg.h"
#include "eal_private.h"
#include "test.h"

#define HUGE_2M_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB"

struct walk_count {
	unsigned int lists;
	unsigned int static_lists;
	unsigned int segs;
	unsigned int flagged;   /* segments with RTE_MEMSEG_FLAG_DO_NOT_FREE */
	unsigned int runs;
	size_t run_len[16];
	const void *run_start[16];
};

static int
count_list(const struct rte_memseg_list *msl, void *arg)
{
	struct walk_count *c = arg;

	c->lists++;
	c->static_lists += eal_memseg_list_is_static(msl);
	return 0;
}

static int
count_seg(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms, void *arg)
{
	struct walk_count *c = arg;

	c->segs++;
	c->flagged += (ms->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE) != 0;
	return 0;
}

static int
count_run(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms, size_t len, void *arg)
{
	struct walk_count *c = arg;

	if (c->runs < RTE_DIM(c->run_len)) {
		c->run_len[c->runs] = len;
		c->run_start[c->runs] = ms->addr;
	}
	c->runs++;
	return 0;
}

static void
walk_all(struct walk_count *c)
{
	memset(c, 0, sizeof(*c));
	rte_memseg_list_walk(count_list, c);
	rte_memseg_walk(count_seg, c);
	rte_memseg_contig_walk(count_run, c);
}

static int
stop_walk(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms __rte_unused, void *arg)
{
	(*(unsigned int *)arg)++;
	return 1;
}

static int
fail_walk(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms __rte_unused, void *arg __rte_unused)
{
	return -1;
}

/* Lookups of the first, a middle and the last byte of [va, va + len). */
static int
check_lookups(void *va, size_t len, size_t pgsz)
{
	const size_t offs[] = { 0, len / 2, len - 1 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(offs); i++) {
		char *p = (char *)va + offs[i];
		struct rte_memseg_list *msl = rte_mem_virt2memseg_list(p);
		struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);

		TEST_ASSERT_NOT_NULL(msl, "virt2memseg_list(%p): rte_errno %d", p, rte_errno);
		TEST_ASSERT_NOT_NULL(ms, "virt2memseg(%p): rte_errno %d", p, rte_errno);
		TEST_ASSERT(ms == rte_mem_virt2memseg(p, msl),
			"lookup with and without the list disagree at %p", p);
		TEST_ASSERT((char *)ms->addr <= p && p < (char *)ms->addr + ms->len,
			"memseg %p+%zu does not hold %p", ms->addr, ms->len, p);
		TEST_ASSERT_EQUAL(ms->len, pgsz, "memseg length at %p", p);
		TEST_ASSERT((uintptr_t)msl->base_va <= (uintptr_t)p &&
			(uintptr_t)p < (uintptr_t)msl->base_va + msl->len,
			"list does not hold %p", p);
		/* IOVA-as-VA is the EAL default. */
		TEST_ASSERT_EQUAL(rte_mem_virt2iova(p), (uintptr_t)p, "virt2iova(%p)", p);
		TEST_ASSERT(rte_mem_iova2virt((uintptr_t)p) == p, "iova2virt(%p)", p);
	}
	return TEST_SUCCESS;
}

/* Addresses the EAL does not manage. */
static int
check_outside(void *base, size_t len)
{
	int local = 0;
	char *after = (char *)base + len;

	TEST_ASSERT_NULL_ERRNO(rte_mem_virt2memseg(&local, NULL), ENOENT, "stack address");
	TEST_ASSERT_NULL_ERRNO(rte_mem_virt2memseg_list(&local), ENOENT, "stack address");
	TEST_ASSERT_NULL_ERRNO(rte_mem_virt2memseg(NULL, NULL), EINVAL, "NULL");
	TEST_ASSERT_NULL_ERRNO(rte_mem_virt2memseg_list(NULL), EINVAL, "NULL");
	if (rte_mem_virt2memseg_list((char *)base - 1) == NULL)
		TEST_ASSERT_NULL_ERRNO(rte_mem_virt2memseg((char *)base - 1, NULL),
			ENOENT, "byte before the list");
	if (rte_mem_virt2memseg_list(after) == NULL)
		TEST_ASSERT_NULL_ERRNO(rte_mem_virt2memseg(after, NULL), ENOENT,
			"byte after the list");
	TEST_ASSERT_NULL_ERRNO(rte_mem_iova2virt(1), ENOENT, "IOVA 1");
	return TEST_SUCCESS;
}

static struct rte_memseg_list *found_msl;

static int
first_list(const struct rte_memseg_list *msl, void *arg __rte_unused)
{
	found_msl = (struct rte_memseg_list *)(uintptr_t)msl;
	return 1;
}

/* --no-huge: -m of system pages allocated at init in one static list. */
static int
test_memory_static(void)
{
	size_t pgsz = test_page_size();
	const size_t mem = 8u << 20;
	struct walk_count c;
	struct rte_memseg_list *msl;
	struct rte_memseg *ms;
	uint64_t sizes[4];
	unsigned int n = 0;
	size_t off = 1;
	int fd;

	TEST_ASSERT(test_eal_init("--no-huge", "-m", "8", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));

	TEST_STEP("one static list with exactly -m of pages in use");
	walk_all(&c);
	TEST_ASSERT_EQUAL(c.lists, 1, "lists");
	TEST_ASSERT_EQUAL(c.static_lists, 1, "static lists");
	TEST_ASSERT_EQUAL(c.segs, mem / pgsz, "segments");
	TEST_ASSERT_EQUAL(c.flagged, c.segs, "segments flagged DO_NOT_FREE");
	TEST_ASSERT_EQUAL(c.runs, 1, "contiguous runs");
	TEST_ASSERT_EQUAL(c.run_len[0], mem, "run length");
	TEST_ASSERT_EQUAL(rte_eal_get_physmem_size(), mem, "physmem size");
	TEST_ASSERT_EQUAL(eal_memalloc_page_sizes(sizes, RTE_DIM(sizes)), 0,
		"static memory offers no page size for dynamic allocation");
	rte_memseg_list_walk(first_list, NULL);
	msl = found_msl;
	TEST_ASSERT_EQUAL(msl->page_sz, pgsz, "page size");
	TEST_ASSERT_EQUAL(msl->external, 0, "external");

	TEST_STEP("walk stop and error codes");
	TEST_ASSERT_EQUAL(rte_memseg_walk(stop_walk, &n), 1, "stopped walk");
	TEST_ASSERT_EQUAL(n, 1, "callbacks before the stop");
	TEST_ASSERT_EQUAL(rte_memseg_walk(fail_walk, NULL), -1, "failed walk");

	TEST_STEP("lookups of first, middle and last byte; addresses outside");
	if (check_lookups(msl->base_va, mem, pgsz) != TEST_SUCCESS)
		return TEST_FAILED;
	if (check_outside(msl->base_va, msl->len) != TEST_SUCCESS)
		return TEST_FAILED;
	memset(msl->base_va, 0xa5, mem); /* the memory is usable */

	TEST_STEP("fd and offset of a segment");
	ms = rte_mem_virt2memseg((char *)msl->base_va + 3 * pgsz, msl);
	TEST_ASSERT_NOT_NULL(ms, "segment 3");
	fd = rte_memseg_get_fd(ms);
	TEST_ASSERT(fd >= 0, "get_fd: rte_errno %d", rte_errno);
	TEST_ASSERT_SUCCESS(rte_memseg_get_fd_offset(ms, &off), "get_fd_offset");
	TEST_ASSERT_EQUAL(off, 3 * pgsz, "offset of segment 3");
	TEST_ASSERT_ERRNO(rte_memseg_get_fd(NULL), EINVAL, "NULL memseg");
	TEST_ASSERT_ERRNO(rte_memseg_get_fd_offset(ms, NULL), EINVAL, "NULL offset");

	TEST_STEP("static memory cannot be freed page by page, and nothing changes");
	eal_mem_hotplug_write_lock();
	TEST_ASSERT_ERRNO(eal_memalloc_free_pages(ms->addr, pgsz), EPERM, "free static page");
	eal_mem_hotplug_write_unlock();
	walk_all(&c);
	TEST_ASSERT_EQUAL(c.segs, mem / pgsz, "segments after refused free");
	TEST_ASSERT_EQUAL(rte_mem_lock_page(ms->addr), 0, "lock page");

	TEST_STEP("the layout dump names the list and its one run");
	{
		char *text = NULL;
		size_t text_len = 0;
		FILE *f = open_memstream(&text, &text_len);
		char expect[64];

		TEST_ASSERT_NOT_NULL(f, "open_memstream");
		rte_dump_physmem_layout(f);
		fclose(f);
		snprintf(expect, sizeof(expect), "segs 0-%zu:", mem / pgsz - 1);
		n = strstr(text, "memseg list") != NULL && strstr(text, "static") != NULL &&
			strstr(text, expect) != NULL;
		free(text);
		TEST_ASSERT(n, "dump lacks the list or '%s'", expect);
	}

	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

/* Blocks the backing file of the segment at va holds, in bytes. */
static long long
backing_bytes(const void *va)
{
	struct rte_memseg *ms = rte_mem_virt2memseg(va, NULL);
	struct stat st;
	int fd;

	if (ms == NULL)
		return -1;
	fd = rte_memseg_get_fd(ms);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	return (long long)st.st_blocks * 512;
}

static void *
alloc_pages(uint64_t pgsz, unsigned int n)
{
	void *va;

	eal_mem_hotplug_write_lock();
	va = eal_memalloc_alloc_pages(0, pgsz, n);
	eal_mem_hotplug_write_unlock();
	return va;
}

static int
free_pages(void *va, size_t len)
{
	int ret;

	eal_mem_hotplug_write_lock();
	ret = eal_memalloc_free_pages(va, len);
	eal_mem_hotplug_write_unlock();
	return ret;
}

/*
 * Allocation and release of pages of pgsz in the lists of the EAL; kept:
 * the pages allocated at init and kept (1 with hugepages, as DPDK keeps
 * the page of its init allocations; 0 with --no-huge --dynamic-mem).
 */
static int
check_dynamic(uint64_t pgsz, unsigned int kept)
{
	struct walk_count c;
	struct rte_memseg_list *msl;
	char *a, *b;
	long long full, after;
	int fd;
	struct stat st;

	walk_all(&c);
	TEST_ASSERT(c.lists >= 1, "at least one list");
	TEST_ASSERT_EQUAL(c.static_lists, 0, "no static list");
	TEST_ASSERT_EQUAL(c.segs, kept, "pages allocated at init");
	TEST_ASSERT_EQUAL(c.flagged, kept, "the pages of init are kept (DO_NOT_FREE)");
	TEST_ASSERT_EQUAL(rte_eal_get_physmem_size(), kept * pgsz, "physmem size at init");

	TEST_STEP("allocate 4 then 2 pages: the walk sees exactly them");
	a = alloc_pages(pgsz, 4);
	TEST_ASSERT_NOT_NULL(a, "alloc 4 pages: rte_errno %d", rte_errno);
	b = alloc_pages(pgsz, 2);
	TEST_ASSERT_NOT_NULL(b, "alloc 2 pages: rte_errno %d", rte_errno);
	memset(a, 1, 4 * pgsz);
	memset(b, 2, 2 * pgsz);
	walk_all(&c);
	TEST_ASSERT_EQUAL(c.segs, kept + 6, "segments in use");
	TEST_ASSERT_EQUAL(c.flagged, kept, "pages taken later are not DO_NOT_FREE");
	TEST_ASSERT_EQUAL(rte_eal_get_physmem_size(), (kept + 6) * pgsz, "physmem size");
	/* first fit in the list of the page kept at init: right after it */
	TEST_ASSERT(kept == 0 || (rte_mem_virt2memseg(a - pgsz, NULL) != NULL &&
		(rte_mem_virt2memseg(a - pgsz, NULL)->flags &
		RTE_MEMSEG_FLAG_DO_NOT_FREE)), "a %p follows the page kept at init",
		(void *)a);
	if (check_lookups(a, 4 * pgsz, pgsz) != TEST_SUCCESS)
		return TEST_FAILED;
	msl = rte_mem_virt2memseg_list(a);
	TEST_ASSERT(!eal_memseg_list_is_static(msl), "dynamic list reported static");

	full = backing_bytes(a);
	TEST_ASSERT(full >= (long long)(6 * pgsz), "backing holds %lld bytes", full);
	fd = rte_memseg_get_fd(rte_mem_virt2memseg(a, NULL));

	TEST_STEP("free a middle page: the contiguous walk splits, memory goes back");
	TEST_ASSERT_SUCCESS(free_pages(a + pgsz, pgsz), "free page 1");
	walk_all(&c);
	TEST_ASSERT_EQUAL(c.segs, kept + 5, "segments after free");
	TEST_ASSERT_NULL_ERRNO(rte_mem_virt2memseg(a + pgsz, NULL), ENOENT, "freed page");
	TEST_ASSERT(rte_mem_virt2memseg_list(a + pgsz) == msl,
		"the freed page's VA stays in its list");
	/* First fit: [kept pages, a], hole, [a + 2 pages .. b + 2 pages) */
	TEST_ASSERT(b == a + 4 * pgsz, "b %p right after a %p", (void *)b, (void *)a);
	TEST_ASSERT_EQUAL(c.runs, 2, "runs around the hole");
	TEST_ASSERT_EQUAL(c.run_len[0], (kept + 1) * pgsz, "first run (the kept page and a's first)");
	TEST_ASSERT_EQUAL(c.run_len[1], 4 * pgsz, "second run");
	TEST_ASSERT_SUCCESS(fstat(fd, &st), "fstat");
	after = backing_bytes(a);
	TEST_ASSERT(after <= full - (long long)pgsz,
		"backing did not shrink: %lld then %lld bytes", full, after);
	TEST_ASSERT_EQUAL(a[0], 1, "page 0 keeps its contents");
	TEST_ASSERT_EQUAL(a[2 * pgsz], 1, "page 2 keeps its contents");

	TEST_STEP("the hole is reused by a one-page allocation");
	TEST_ASSERT(alloc_pages(pgsz, 1) == a + pgsz, "first fit into the hole");
	TEST_ASSERT_EQUAL(a[pgsz], 0, "a reallocated page comes back zeroed");

	TEST_STEP("bad input changes nothing");
	TEST_ASSERT_NULL_ERRNO(alloc_pages(pgsz, 0), EINVAL, "0 pages");
	TEST_ASSERT_NULL_ERRNO(alloc_pages(pgsz * 3, 1), EINVAL, "unknown page size");
	eal_mem_hotplug_write_lock();
	TEST_ASSERT_NULL_ERRNO(eal_memalloc_alloc_pages(RTE_MAX_NUMA_NODES - 1 + 1000,
		pgsz, 1), EINVAL, "unknown socket");
	TEST_ASSERT_NULL_ERRNO(eal_memalloc_alloc_pages(0, pgsz, msl->n_segs + 1),
		E2BIG, "more pages than a list holds");
	eal_mem_hotplug_write_unlock();
	TEST_ASSERT_ERRNO(free_pages(a + 1, pgsz), EINVAL, "unaligned address");
	TEST_ASSERT_ERRNO(free_pages(a, pgsz + 1), EINVAL, "unaligned length");
	TEST_ASSERT_ERRNO(free_pages(a, 0), EINVAL, "length 0");
	TEST_ASSERT_ERRNO(free_pages(&c, pgsz), EINVAL, "not EAL memory");
	TEST_ASSERT_ERRNO(free_pages(b + 2 * pgsz, pgsz), EINVAL, "page not in use");
	TEST_ASSERT_ERRNO(free_pages(b, 3 * pgsz), EINVAL, "range running past the used pages");
	walk_all(&c);
	TEST_ASSERT_EQUAL(c.segs, kept + 6, "segments after bad input");

	TEST_STEP("free everything: the walk and the backing hold the kept pages only");
	TEST_ASSERT_SUCCESS(free_pages(a, 4 * pgsz), "free a");
	TEST_ASSERT_SUCCESS(free_pages(b, 2 * pgsz), "free b");
	walk_all(&c);
	TEST_ASSERT_EQUAL(c.segs, kept, "segments after freeing all");
	TEST_ASSERT_SUCCESS(fstat(fd, &st), "fstat");
	TEST_ASSERT_EQUAL((uint64_t)st.st_blocks * 512, kept * pgsz,
		"backing bytes after freeing all");
	return TEST_SUCCESS;
}

/* --no-huge --dynamic-mem: system pages on demand. */
static int
test_memory_dynamic(void)
{
	uint64_t sizes[4];
	int sockets[RTE_MAX_NUMA_NODES];
	int ret;

	TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", "-m", "64", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(eal_memalloc_page_sizes(sizes, RTE_DIM(sizes)), 1,
		"dynamic page sizes");
	TEST_ASSERT_EQUAL(sizes[0], test_page_size(), "the system page size");
	TEST_ASSERT(eal_memalloc_sockets(sockets, RTE_DIM(sockets)) >= 1, "sockets");
	ret = check_dynamic(test_page_size(), 0);
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return ret;
}

static long
read_long(const char *path)
{
	char buf[32] = "";
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL)
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

static int
write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL)
		return -1;
	ret = fprintf(f, "%ld\n", v) > 0 ? 0 : -1;
	return fclose(f) == 0 ? ret : -1;
}

/*
 * 2 MiB hugepages: with some free, or (as root) reserving a few for the
 * test and restoring the old count afterwards; else skip.
 */
static int
test_memory_hugepage(void)
{
	const char *nr_path = HUGE_2M_SYSFS "/nr_hugepages";
	const char *free_path = HUGE_2M_SYSFS "/free_hugepages";
	long old_nr = read_long(nr_path);
	bool reserved = false;
	int ret = TEST_SUCCESS;
	const char *modes[] = { "--in-memory", NULL };
	unsigned int i;

	if (old_nr < 0)
		TEST_SKIP_MISSING("no 2 MiB hugepage support (%s missing)", nr_path);
	if (read_long(free_path) < 10) {
		if (geteuid() != 0)
			TEST_SKIP_MISSING("fewer than 10 free 2 MiB hugepages and not root: reserve some with 'echo 10 > %s'",
				nr_path);
		if (write_long(nr_path, old_nr + 10) < 0 || read_long(free_path) < 10) {
			write_long(nr_path, old_nr);
			TEST_SKIP_MISSING("could not reserve 10 2 MiB hugepages");
		}
		reserved = true;
	}
	for (i = 0; i < RTE_DIM(modes) && ret == TEST_SUCCESS; i++) {
		TEST_STEP("2 MiB pages with %s", modes[i] != NULL ? modes[i] : "hugetlbfs or memfd");
		/* A cap that keeps the lists small; one page kept at init. */
		if (test_eal_init("--socket-limit", "16", modes[i], NULL) < 0) {
			TEST_FAIL_MSG("EAL init: %s", rte_strerror(rte_errno));
			ret = TEST_FAILED;
			break;
		}
		/* check_dynamic() sees the pages leave the backing file. */
		ret = check_dynamic(RTE_PGSIZE_2M, 1);
		rte_eal_cleanup();
	}
	if (ret == TEST_SUCCESS) {
		struct walk_count c;

		TEST_STEP("--legacy-mem -m 8: 4 static 2 MiB pages allocated at init");
		if (test_eal_init("--legacy-mem", "-m", "8", "--in-memory", NULL) < 0) {
			TEST_FAIL_MSG("EAL init: %s", rte_strerror(rte_errno));
			ret = TEST_FAILED;
		} else {
			long long held;

			walk_all(&c);
			/* The pool is shared with other tests: count our backing. */
			held = c.segs > 0 ? backing_bytes(c.run_start[0]) : -1;
			if (c.segs != 4 || c.flagged != 4 || c.static_lists != c.lists ||
					held != (long long)(4 * RTE_PGSIZE_2M)) {
				TEST_FAIL_MSG("legacy: %u segs, %u flagged, %u/%u static lists, %lld bytes backed",
					c.segs, c.flagged, c.static_lists, c.lists, held);
				ret = TEST_FAILED;
			}
			rte_eal_cleanup();
		}
	}
	if (ret == TEST_SUCCESS) {
		struct walk_count c;
		char *a;

		TEST_STEP("-m 8, dynamic: 4 pages allocated at init and kept, growth beyond stays dynamic");
		if (test_eal_init("-m", "8", "--in-memory", NULL) < 0) {
			TEST_FAIL_MSG("EAL init: %s", rte_strerror(rte_errno));
			ret = TEST_FAILED;
		} else {
			walk_all(&c);
			if (c.segs != 4 || c.flagged != 4 || c.static_lists != 0) {
				TEST_FAIL_MSG("-m 8: %u segs, %u DO_NOT_FREE, %u static lists",
					c.segs, c.flagged, c.static_lists);
				ret = TEST_FAILED;
			}
			a = alloc_pages(RTE_PGSIZE_2M, 2);
			if (ret == TEST_SUCCESS && a == NULL) {
				TEST_FAIL_MSG("growth beyond -m: rte_errno %d", rte_errno);
				ret = TEST_FAILED;
			}
			if (a != NULL) {
				walk_all(&c);
				if (c.segs != 6 || c.flagged != 4) {
					TEST_FAIL_MSG("after growth: %u segs, %u DO_NOT_FREE",
						c.segs, c.flagged);
					ret = TEST_FAILED;
				}
				if (free_pages(a, 2 * RTE_PGSIZE_2M) < 0) {
					TEST_FAIL_MSG("free the grown pages: rte_errno %d", rte_errno);
					ret = TEST_FAILED;
				}
			}
			rte_eal_cleanup();
		}
	}
	if (reserved && write_long(nr_path, old_nr) < 0) {
		TEST_FAIL_MSG("could not restore %s to %ld", nr_path, old_nr);
		ret = TEST_FAILED;
	}
	return ret;
}

/* Physical addresses from the pagemap. */
static int
test_virt2phy(void)
{
	size_t pgsz = test_page_size();
	char *p = mmap(NULL, 2 * pgsz, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	phys_addr_t pa;

	TEST_ASSERT(p != MAP_FAILED, "mmap");
	p[0] = 1;
	TEST_ASSERT_NULL_ERRNO(rte_mem_virt2phy(p + pgsz) == RTE_BAD_PHYS_ADDR ? NULL : p,
		ENOENT, "a page never touched has no frame");
	pa = rte_mem_virt2phy(p + 5);
	if (pa == RTE_BAD_PHYS_ADDR) {
		int err = rte_errno;

		munmap(p, 2 * pgsz);
		TEST_ASSERT_EQUAL(err, EACCES, "no PA, and not for lack of privilege");
		TEST_SKIP_MISSING("frame numbers hidden without CAP_SYS_ADMIN (EACCES checked)");
	}
	TEST_ASSERT_EQUAL(pa % pgsz, 5, "offset in the page kept");
	munmap(p, 2 * pgsz);

	TEST_STEP("IOVA-as-PA: memsegs carry physical addresses");
	TEST_ASSERT(test_eal_init("--no-huge", "-m", "4", "--iova-mode", "pa", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	rte_memseg_list_walk(first_list, NULL);
	p = found_msl->base_va;
	TEST_ASSERT_EQUAL(rte_mem_virt2iova(p + 7), rte_mem_virt2phy(p + 7), "virt2iova in PA mode");
	TEST_ASSERT(rte_mem_iova2virt(rte_mem_virt2phy(p + 7)) == p + 7, "iova2virt in PA mode");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

/* --base-virtaddr is honoured when the range is free. */
static int
test_memory_base_virtaddr(void)
{
	const size_t len = 64u << 20;
	char hint[32];
	void *probe;
	uintptr_t want;

	/* Find free address space well away from the heap and libraries. */
	probe = mmap(NULL, 2 * len, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(probe != MAP_FAILED, "mmap probe");
	want = RTE_ALIGN_CEIL((uintptr_t)probe, len);
	munmap(probe, 2 * len);
	snprintf(hint, sizeof(hint), "0x%lx", (unsigned long)want);

	TEST_ASSERT(test_eal_init("--no-huge", "-m", "4", "--base-virtaddr", hint,
		NULL) >= 0, "EAL init: %s", rte_strerror(rte_errno));
	rte_memseg_list_walk(first_list, NULL);
	TEST_ASSERT_EQUAL((uintptr_t)found_msl->base_va, want, "list base with --base-virtaddr %s",
		hint);
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(memory_base_virtaddr_autotest, test_memory_base_virtaddr);
REGISTER_TEST_COMMAND(memory_static_autotest, test_memory_static);
REGISTER_TEST_COMMAND(memory_dynamic_autotest, test_memory_dynamic);
REGISTER_TEST_COMMAND(memory_hugepage_autotest, test_memory_hugepage);
REGISTER_TEST_COMMAND(memory_virt2phy_autotest, test_virt2phy);
