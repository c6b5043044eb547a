/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * External heaps: create/destroy, memory add/remove with their memory
 * events, allocation by socket id only, attach/detach, bad input, with
 * memory of the system page size and of 2 MiB hugepages.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"

#define HEAP_NAME "test_ext_heap"

/* What the event callback saw, and whether the memory was known then. */
struct ext_events {
	unsigned int n_alloc, n_free;
	unsigned int n_free_watched; /* FREE events for exactly watch_va */
	const void *watch_va;
	const void *addr;
	size_t len;
	bool known_at_free;     /* the region was still EAL memory at FREE */
	bool refuse;            /* the check callback refuses ALLOC */
};

static int
ext_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	struct ext_events *e = arg;

	e->addr = addr;
	e->len = len;
	if (type == RTE_MEM_EVENT_ALLOC) {
		e->n_alloc++;
		if (e->refuse) {
			rte_errno = EACCES;
			return -1;
		}
	} else {
		e->n_free++;
		if (addr == e->watch_va)
			e->n_free_watched++;
		e->known_at_free = rte_mem_virt2memseg(addr, NULL) != NULL;
	}
	return 0;
}

static bool
in_region(const void *p, const void *va, size_t len)
{
	return (uintptr_t)p >= (uintptr_t)va &&
		(uintptr_t)p < (uintptr_t)va + len;
}

static int
stats_equal(int socket, const struct rte_malloc_socket_stats *ref)
{
	struct rte_malloc_socket_stats st;

	memset(&st, 0, sizeof(st));
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(socket, &st), "stats");
	TEST_ASSERT(memcmp(&st, ref, sizeof(st)) == 0,
		"heap stats unchanged (total %zu/%zu, allocated %u/%u)",
		st.heap_totalsz_bytes, ref->heap_totalsz_bytes, st.alloc_count,
		ref->alloc_count);
	return TEST_SUCCESS;
}

static int
heap_create_destroy_checks(void)
{
	char long_name[RTE_HEAP_NAME_MAX_LEN + 8];
	char name[RTE_HEAP_NAME_MAX_LEN];
	int i, n;

	TEST_STEP("create: bad names, duplicates, a full table");
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	TEST_ASSERT_ERRNO(rte_malloc_heap_create(NULL), EINVAL, "NULL");
	TEST_ASSERT_ERRNO(rte_malloc_heap_create(""), EINVAL, "empty");
	TEST_ASSERT_ERRNO(rte_malloc_heap_create(long_name), EINVAL, "too long");
	long_name[RTE_HEAP_NAME_MAX_LEN] = '\0';
	TEST_ASSERT_ERRNO(rte_malloc_heap_create(long_name), EINVAL,
		"exactly the limit is too long (no room for the NUL)");
	long_name[RTE_HEAP_NAME_MAX_LEN - 1] = '\0';
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create(long_name), "longest name");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy(long_name), "destroy it");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create(HEAP_NAME), "create");
	TEST_ASSERT_ERRNO(rte_malloc_heap_create(HEAP_NAME), EEXIST, "twice");
	TEST_ASSERT_ERRNO(rte_malloc_heap_create("socket_0"), EEXIST,
		"the name of a NUMA heap");
	for (n = 0; ; n++) {
		snprintf(name, sizeof(name), "filler_%d", n);
		if (rte_malloc_heap_create(name) < 0)
			break;
		TEST_ASSERT(n < RTE_MAX_HEAPS, "more than %d heaps created",
			RTE_MAX_HEAPS);
	}
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "a full table: ENOSPC");
	TEST_ASSERT_EQUAL(n, RTE_MAX_HEAPS - 1, "RTE_MAX_HEAPS external heaps");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "filler_%d", i);
		TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy(name), "destroy %s",
			name);
	}

	TEST_STEP("destroy: bad names, unknown, NUMA heap");
	TEST_ASSERT_ERRNO(rte_malloc_heap_destroy(NULL), EINVAL, "NULL");
	TEST_ASSERT_ERRNO(rte_malloc_heap_destroy(""), EINVAL, "empty");
	TEST_ASSERT_ERRNO(rte_malloc_heap_destroy("nope"), ENOENT, "unknown");
	TEST_ASSERT_ERRNO(rte_malloc_heap_destroy("socket_0"), EINVAL,
		"a NUMA heap");
	return TEST_SUCCESS;
}

/* One run of the external heap checks over [va, va + len) of page_sz pages. */
static int
external_heap_run(void *va, size_t len, size_t page_sz)
{
	static struct ext_events ev;
	struct rte_malloc_socket_stats st;
	unsigned int n_pages = (unsigned int)(len / page_sz);
	rte_iova_t iovas[16];
	void *p, *q, *any[64];
	unsigned int i;
	size_t usable;
	int socket;

	TEST_ASSERT(n_pages <= RTE_DIM(iovas), "test region too large");
	socket = rte_malloc_heap_get_socket(HEAP_NAME);
	TEST_ASSERT(socket >= RTE_MAX_NUMA_NODES, "external socket id %d", socket);
	TEST_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(socket), 1,
		"is external");
	memset(&ev, 0, sizeof(ev));
	TEST_ASSERT_SUCCESS(rte_mem_event_check_callback_register("ext_test",
		ext_event, &ev), "register callback");
	memset(&st, 0, sizeof(st));
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(socket, &st), "stats");
	TEST_ASSERT_EQUAL(st.heap_totalsz_bytes, 0, "an empty heap");

	TEST_STEP("an empty external heap cannot allocate");
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 64, 0, socket), ENOMEM,
		"empty heap");

	TEST_STEP("memory_add: bad input changes nothing");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(NULL, va, len, NULL, 0,
		page_sz), EINVAL, "NULL name");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add("nope", va, len, NULL, 0,
		page_sz), ENOENT, "unknown heap");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add("socket_0", va, len, NULL, 0,
		page_sz), EINVAL, "a NUMA heap");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME, NULL, len, NULL,
		0, page_sz), EINVAL, "NULL address");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME, va, 0, NULL, 0,
		page_sz), EINVAL, "length 0");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME, va, len - 1, NULL,
		0, page_sz), EINVAL, "length not whole pages");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME,
		(char *)va + 64, page_sz, NULL, 0, page_sz), EINVAL,
		"address not page aligned");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME, va, len, NULL, 0,
		page_sz + 1), EINVAL, "page size not a power of two");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME, va, len, iovas,
		n_pages + 1, page_sz), EINVAL, "wrong number of IOVAs");
	TEST_ASSERT_EQUAL(ev.n_alloc, 0, "no event for refused input");

	TEST_STEP("memory_add refused by a check callback: its rte_errno, nothing kept");
	ev.refuse = true;
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME, va, len, NULL, 0,
		page_sz), EACCES, "refused");
	ev.refuse = false;
	TEST_ASSERT(rte_mem_virt2memseg_list(va) == NULL,
		"no memseg list left for the refused region");
	TEST_ASSERT_SUCCESS(stats_equal(socket, &st), "stats");

	TEST_STEP("memory_add raises ALLOC for the region");
	ev.n_alloc = 0;
	for (i = 0; i < n_pages; i++)
		iovas[i] = (rte_iova_t)(uintptr_t)va + (rte_iova_t)i * page_sz;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_add(HEAP_NAME, va, len, iovas,
		n_pages, page_sz), "memory_add");
	TEST_ASSERT_EQUAL(ev.n_alloc, 1, "one ALLOC event");
	TEST_ASSERT(ev.addr == va && ev.len == len, "ALLOC for exactly the region");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add(HEAP_NAME, va, len, NULL, 0,
		page_sz), EEXIST, "the same region twice");
	TEST_ASSERT_ERRNO(rte_extmem_unregister(va, len), EBUSY,
		"heap memory cannot be unregistered behind the heap's back");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_attach(HEAP_NAME, va, len),
		"attach");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_detach(HEAP_NAME, va, len),
		"detach");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_attach(HEAP_NAME, va, page_sz),
		ENOENT, "attach to part of a region");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_detach("nope", va, len),
		ENOENT, "detach from an unknown heap");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_attach(HEAP_NAME, NULL, len),
		EINVAL, "attach NULL");

	TEST_STEP("allocation by socket id only, never for SOCKET_ID_ANY");
	p = rte_malloc_socket(NULL, 1000, 0, socket);
	TEST_ASSERT(p != NULL && in_region(p, va, len), "malloc on the heap");
	TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p),
		(rte_iova_t)(uintptr_t)va + RTE_PTR_DIFF(p, va),
		"IOVA from the given IOVAs");
	q = rte_zmalloc_socket(NULL, page_sz / 2, (unsigned int)page_sz / 4,
		socket);
	TEST_ASSERT(q != NULL && in_region(q, va, len) &&
		RTE_IS_ALIGNED(q, page_sz / 4), "aligned zmalloc on the heap");
	for (i = 0; i < RTE_DIM(any); i++) {
		any[i] = rte_malloc(NULL, 256, 0);
		TEST_ASSERT(any[i] == NULL || !in_region(any[i], va, len),
			"SOCKET_ID_ANY got external memory");
	}
	for (i = 0; i < RTE_DIM(any); i++)
		rte_free(any[i]);
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 2 * len, 0, socket), ENOMEM,
		"more than the region (external heaps do not grow)");
	TEST_ASSERT_SUCCESS(rte_malloc_validate(q, &usable), "validate");
	p = rte_realloc(p, 2000, 0);
	TEST_ASSERT(p != NULL && in_region(p, va, len),
		"realloc stays in the external heap");

	TEST_STEP("remove and destroy refuse while memory is in use");
	memset(&st, 0, sizeof(st));
	TEST_ASSERT_SUCCESS(rte_malloc_get_socket_stats(socket, &st), "stats");
	TEST_ASSERT_EQUAL(st.heap_totalsz_bytes, len, "the heap holds the region");
	TEST_ASSERT_EQUAL(st.alloc_count, 2, "two blocks");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_remove(HEAP_NAME, va, len), EBUSY,
		"live allocations");
	TEST_ASSERT_ERRNO(rte_malloc_heap_destroy(HEAP_NAME), EBUSY,
		"memory still added");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_remove(HEAP_NAME, va, page_sz),
		ENOENT, "part of a region");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_remove(HEAP_NAME, NULL, len),
		EINVAL, "NULL address");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_remove("nope", va, len), ENOENT,
		"unknown heap");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_remove("socket_0", va, len),
		EINVAL, "a NUMA heap");
	TEST_ASSERT_EQUAL(ev.n_free, 0, "no FREE for refused removals");
	TEST_ASSERT_SUCCESS(stats_equal(socket, &st), "stats");

	TEST_STEP("memory_remove raises FREE first, then the region is gone");
	rte_free(p);
	rte_free(q);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove(HEAP_NAME, va, len),
		"remove");
	TEST_ASSERT_EQUAL(ev.n_free, 1, "one FREE event");
	TEST_ASSERT(ev.addr == va && ev.len == len, "FREE for exactly the region");
	TEST_ASSERT(ev.known_at_free, "FREE came while the memory was still known");
	TEST_ASSERT(rte_mem_virt2memseg_list(va) == NULL, "the list is gone");
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_remove(HEAP_NAME, va, len),
		ENOENT, "removed twice");
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 64, 0, socket), ENOMEM,
		"empty again");

	TEST_STEP("add again without IOVAs, allocate, remove, destroy");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_add(HEAP_NAME, va, len, NULL, 0,
		page_sz), "memory_add without IOVAs");
	p = rte_malloc_socket(NULL, 100, 0, socket);
	TEST_ASSERT(p != NULL && in_region(p, va, len), "malloc");
	rte_free(p);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove(HEAP_NAME, va, len),
		"remove");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy(HEAP_NAME), "destroy");
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 64, 0, socket), EINVAL,
		"the socket id of a destroyed heap");
	TEST_ASSERT_ERRNO(rte_malloc_heap_get_socket(HEAP_NAME), ENOENT,
		"destroyed");
	TEST_ASSERT_SUCCESS(rte_mem_event_callback_unregister("ext_test", &ev),
		"unregister");
	return TEST_SUCCESS;
}

static int
test_external_heap(void)
{
	size_t ps = test_page_size();
	size_t len = 8 * ps;
	void *va;
	int ret;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	ret = heap_create_destroy_checks();
	if (ret != TEST_SUCCESS)
		return ret;
	va = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	ret = external_heap_run(va, len, ps);
	munmap(va, len);
	rte_eal_cleanup();
	return ret;
}

static int
test_external_heap_cleanup(void)
{
	static struct ext_events ev;
	size_t ps = test_page_size();
	size_t len = 4 * ps;
	void *va;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	va = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	memset(&ev, 0, sizeof(ev));
	ev.watch_va = va;
	TEST_ASSERT_SUCCESS(rte_mem_event_check_callback_register("ext_cleanup",
		ext_event, &ev), "register callback");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create(HEAP_NAME), "create");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_add(HEAP_NAME, va, len, NULL, 0,
		ps), "memory_add");
	TEST_STEP("cleanup sends FREE for memory still in an external heap");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	TEST_ASSERT_EQUAL(ev.n_free_watched, 1, "FREE for the region at cleanup");
	munmap(va, len);
	return TEST_SUCCESS;
}

static int
test_external_heap_huge(void)
{
	size_t len = 2 * RTE_PGSIZE_2M;
	void *va;
	int ret;

	va = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (va == MAP_FAILED)
		TEST_SKIP_MISSING("no 2 MiB hugepages to map (reserve some in /proc/sys/vm/nr_hugepages)");
	if (test_eal_init("--no-huge", NULL) < 0) {
		munmap(va, len);
		TEST_ASSERT(0, "EAL init: %s", rte_strerror(rte_errno));
	}
	ret = rte_malloc_heap_create(HEAP_NAME) == 0 ?
		external_heap_run(va, len, RTE_PGSIZE_2M) : TEST_FAILED;
	munmap(va, len);
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(malloc_heap_external_autotest, test_external_heap);
REGISTER_TEST_COMMAND(malloc_heap_external_cleanup_autotest,
	test_external_heap_cleanup);
REGISTER_TEST_COMMAND(malloc_heap_external_huge_autotest,
	test_external_heap_huge);
