/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc heaps through their API: allocation, alignment, zeroing,
 * realloc, statistics, bad input and the IOVA dump. Growth and shrink seen
 * through memory events, refusal by a check callback and concurrent use are
 * in test_malloc_growth.c (the helpers both use: test_malloc.h).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test.h"
#include "test_common.h"
#include "test_malloc.h"

int
test_malloc_stats_of(int socket, struct rte_malloc_socket_stats *st)
{
	memset(st, 0, sizeof(*st));
	return rte_malloc_get_socket_stats(socket, st);
}

int
test_malloc_stats_consistent(int socket)
{
	struct rte_malloc_socket_stats st;

	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &st), "stats of socket %d", socket);
	TEST_ASSERT_EQUAL(st.heap_totalsz_bytes,
		st.heap_freesz_bytes + st.heap_allocsz_bytes,
		"total = free + allocated on socket %d", socket);
	TEST_ASSERT(st.greatest_free_size <= st.heap_freesz_bytes,
		"largest free block %zu <= free %zu", st.greatest_free_size,
		st.heap_freesz_bytes);
	TEST_ASSERT((st.free_count == 0) == (st.heap_freesz_bytes == 0),
		"free count %u vs free bytes %zu", st.free_count,
		st.heap_freesz_bytes);
	return TEST_SUCCESS;
}

/*
 * The socket of the heap rte_malloc(SOCKET_ID_ANY) serves this thread from:
 * the NUMA node of the memory it hands out (0 when the memory has none).
 */
int
test_malloc_first_socket(void)
{
	const struct rte_memseg_list *msl;
	int socket = 0;
	void *p;

	p = rte_malloc(NULL, 64, 0);
	if (p == NULL)
		return 0;
	msl = rte_mem_virt2memseg_list(p);
	if (msl != NULL && msl->socket_id >= 0 &&
			msl->socket_id < RTE_MAX_NUMA_NODES)
		socket = msl->socket_id;
	rte_free(p);
	return socket;
}

bool
test_malloc_all_bytes(const void *p, int v, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != (unsigned char)v)
			return false;
	return true;
}

static int

test_malloc_basic(void)
{
	struct rte_malloc_socket_stats before, after;
	size_t ps = test_page_size();
	size_t sizes[] = { 1, 7, 64, 100, 4000, 65536, 3 * ps + 5 };
	void *p[RTE_DIM(sizes)];
	size_t usable;
	unsigned int i;
	int socket;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	socket = test_malloc_first_socket();
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &before), "stats");
	TEST_ASSERT(before.heap_totalsz_bytes > 0, "static memory is in the heap");

	TEST_STEP("rte_malloc of several sizes: usable, aligned, writable, distinct");
	for (i = 0; i < RTE_DIM(sizes); i++) {
		p[i] = rte_malloc("test", sizes[i], 0);
		TEST_ASSERT_NOT_NULL(p[i], "rte_malloc(%zu): %s", sizes[i],
			rte_strerror(rte_errno));
		TEST_ASSERT(RTE_IS_ALIGNED(p[i], RTE_CACHE_LINE_SIZE),
			"%p is cache-line aligned", p[i]);
		TEST_ASSERT_SUCCESS(rte_malloc_validate(p[i], &usable), "validate");
		TEST_ASSERT(usable >= sizes[i], "usable %zu >= %zu", usable,
			sizes[i]);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (i = 0; i < RTE_DIM(sizes); i++)
		TEST_ASSERT(test_malloc_all_bytes(p[i], (int)i + 1, sizes[i]),
			"block %u kept its contents (no overlap)", i);
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT_EQUAL(after.alloc_count, before.alloc_count + RTE_DIM(sizes),
		"alloc_count grew by the number of blocks");
	TEST_ASSERT(after.heap_allocsz_bytes >= before.heap_allocsz_bytes + 3 * ps,
		"allocated bytes grew");
	TEST_ASSERT_SUCCESS(test_malloc_stats_consistent(socket), "stats consistent");

	TEST_STEP("rte_free gives everything back (stats as before)");
	for (i = 0; i < RTE_DIM(sizes); i++)
		rte_free(p[i]);
	rte_free(NULL);
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"stats after free equal stats before (alloc %u/%u, free %zu/%zu, blocks %u/%u)",
		after.alloc_count, before.alloc_count, after.heap_freesz_bytes,
		before.heap_freesz_bytes, after.free_count, before.free_count);

	TEST_STEP("rte_malloc_socket on the heap's socket, SOCKET_ID_ANY");
	p[0] = rte_malloc_socket(NULL, 128, 0, socket);
	TEST_ASSERT_NOT_NULL(p[0], "malloc on socket %d", socket);
	p[1] = rte_malloc_socket(NULL, 128, 0, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(p[1], "malloc on any socket");
	rte_free(p[0]);
	rte_free(p[1]);

	TEST_STEP("socket lookups: socket_0 style names, is_external");
	TEST_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(socket), 0,
		"a NUMA heap is not external");
	{
		char name[32];

		snprintf(name, sizeof(name), "socket_%d", socket);
		TEST_ASSERT_EQUAL(rte_malloc_heap_get_socket(name), socket,
			"socket of heap %s", name);
	}
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_malloc_align(void)
{
	size_t ps = test_page_size();
	size_t align, usable;
	void *p, *q;
	int socket;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	socket = test_malloc_first_socket();
	TEST_STEP("every power of two up to 4 pages, odd sizes");
	for (align = 1; align <= 4 * ps; align <<= 1) {
		p = rte_malloc(NULL, 3 * align / 2 + 1, (unsigned int)align);
		q = rte_malloc(NULL, 17, (unsigned int)align);
		TEST_ASSERT(p != NULL && q != NULL, "align %zu: %s", align,
			rte_strerror(rte_errno));
		TEST_ASSERT(RTE_IS_ALIGNED(p, RTE_MAX(align, (size_t)RTE_CACHE_LINE_SIZE)) &&
			RTE_IS_ALIGNED(q, RTE_MAX(align, (size_t)RTE_CACHE_LINE_SIZE)),
			"%p and %p aligned to %zu", p, q, align);
		TEST_ASSERT_SUCCESS(rte_malloc_validate(p, &usable), "validate");
		TEST_ASSERT(usable >= 3 * align / 2 + 1, "usable size");
		memset(p, 0xab, 3 * align / 2 + 1);
		memset(q, 0xcd, 17);
		TEST_ASSERT(test_malloc_all_bytes(p, 0xab, 3 * align / 2 + 1), "no overlap");
		rte_free(q);
		rte_free(p);
		TEST_ASSERT_SUCCESS(test_malloc_stats_consistent(socket), "stats");
	}
	TEST_STEP("align 0 means a cache line; 3 and 100 are refused");
	p = rte_malloc(NULL, 10, 0);
	TEST_ASSERT(p != NULL && RTE_IS_ALIGNED(p, RTE_CACHE_LINE_SIZE), "align 0");
	rte_free(p);
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, 10, 3), EINVAL, "align 3");
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, 10, 100), EINVAL, "align 100");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_malloc_zero(void)
{
	size_t sizes[] = { 1, 100, 5000, 3 * test_page_size() };
	unsigned int i, j;
	void *p;
	int *c;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	TEST_STEP("memory dirtied and freed comes back zeroed from rte_zmalloc/rte_calloc");
	for (i = 0; i < RTE_DIM(sizes); i++) {
		/* Dirty a lot of the heap so the next block surely reuses it. */
		void *dirty[8];

		for (j = 0; j < RTE_DIM(dirty); j++) {
			dirty[j] = rte_malloc(NULL, sizes[i], 0);
			TEST_ASSERT_NOT_NULL(dirty[j], "malloc");
			memset(dirty[j], 0xff, sizes[i]);
		}
		for (j = 0; j < RTE_DIM(dirty); j++)
			rte_free(dirty[j]);
		p = rte_zmalloc(NULL, sizes[i], 0);
		TEST_ASSERT_NOT_NULL(p, "zmalloc %zu", sizes[i]);
		TEST_ASSERT(test_malloc_all_bytes(p, 0, sizes[i]), "zmalloc(%zu) is zeroed",
			sizes[i]);
		memset(p, 0xff, sizes[i]);
		rte_free(p);
		p = rte_zmalloc_socket(NULL, sizes[i], 64, SOCKET_ID_ANY);
		TEST_ASSERT(p != NULL && test_malloc_all_bytes(p, 0, sizes[i]),
			"zmalloc_socket(%zu) is zeroed", sizes[i]);
		memset(p, 0xff, sizes[i]);
		rte_free(p);
		c = rte_calloc(NULL, sizes[i], sizeof(int), 0);
		TEST_ASSERT(c != NULL && test_malloc_all_bytes(c, 0, sizes[i] * sizeof(int)),
			"calloc(%zu) is zeroed", sizes[i]);
		rte_free(c);
		c = rte_calloc_socket(NULL, sizes[i], 1, 0, SOCKET_ID_ANY);
		TEST_ASSERT(c != NULL && test_malloc_all_bytes(c, 0, sizes[i]),
			"calloc_socket(%zu) is zeroed", sizes[i]);
		rte_free(c);
	}
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_malloc_realloc(void)
{
	struct rte_malloc_socket_stats before, after;
	unsigned char *p, *q, *r, *guard;
	size_t usable;
	int socket;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	socket = test_malloc_first_socket();

	TEST_STEP("NULL pointer behaves as rte_malloc");
	p = rte_realloc(NULL, 1000, 0);
	TEST_ASSERT_NOT_NULL(p, "realloc(NULL)");
	memset(p, 0x5a, 1000);

	TEST_STEP("shrink stays in place and keeps the contents");
	q = rte_realloc(p, 200, 0);
	TEST_ASSERT(q == p, "shrink in place (%p -> %p)", (void *)p, (void *)q);
	TEST_ASSERT(test_malloc_all_bytes(q, 0x5a, 200), "contents kept");
	TEST_ASSERT_SUCCESS(rte_malloc_validate(q, &usable), "validate");
	TEST_ASSERT(usable >= 200 && usable < 1000, "usable %zu after shrink",
		usable);

	TEST_STEP("grow in place into the free space the shrink left");
	q = rte_realloc(p, 900, 0);
	TEST_ASSERT(q == p, "grow in place (%p -> %p)", (void *)p, (void *)q);
	TEST_ASSERT(test_malloc_all_bytes(q, 0x5a, 200), "contents kept");
	memset(q, 0x5a, 900);

	TEST_STEP("grow past what can be done in place moves and copies");
	guard = rte_malloc(NULL, 64, 0);
	TEST_ASSERT_NOT_NULL(guard, "guard");
	r = rte_realloc(p, 100000, 0);
	TEST_ASSERT_NOT_NULL(r, "realloc to 100000: %s", rte_strerror(rte_errno));
	TEST_ASSERT(test_malloc_all_bytes(r, 0x5a, 900), "contents kept");
	if (r != p)
		TEST_ASSERT_ERRNO(rte_malloc_validate(p, NULL), EINVAL,
			"the old block is freed when it moves");
	TEST_ASSERT_SUCCESS(rte_malloc_validate(r, &usable), "new block live");
	TEST_ASSERT(usable >= 100000, "usable %zu", usable);
	p = r;
	TEST_STEP("a stricter alignment moves the block");
	r = rte_realloc(p, 900, 1u << 16);
	TEST_ASSERT(r != NULL && RTE_IS_ALIGNED(r, 1u << 16), "aligned realloc");
	TEST_ASSERT(test_malloc_all_bytes(r, 0x5a, 900), "contents kept");
	p = r;

	TEST_STEP("failures leave the block alone");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &before), "stats");
	TEST_ASSERT_NULL_ERRNO(rte_realloc(p, 0, 0), EINVAL, "size 0");
	TEST_ASSERT_NULL_ERRNO(rte_realloc(p, 10, 5), EINVAL, "align 5");
	TEST_ASSERT_NULL_ERRNO(rte_realloc(p, (size_t)1 << 40, 0), ENOMEM,
		"more than the heap has");
	TEST_ASSERT_NULL_ERRNO(rte_realloc_socket(p, 10, 0, RTE_MAX_NUMA_NODES - 1 +
		RTE_MAX_HEAPS + 7), EINVAL, "unknown socket");
	TEST_ASSERT_NULL_ERRNO(rte_realloc(p + 64, 10, 0), EINVAL,
		"not the start of a block");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"no change after failed reallocs");
	TEST_ASSERT(test_malloc_all_bytes(p, 0x5a, 900), "contents kept after failures");
	TEST_ASSERT_SUCCESS(rte_malloc_validate(p, NULL), "block still live");

	TEST_STEP("rte_realloc_socket on the same socket stays in place");
	q = rte_realloc_socket(p, 500, 0, socket);
	TEST_ASSERT(q == p, "in place on the same socket");
	rte_free(q);
	rte_free(guard);
	TEST_ASSERT_SUCCESS(test_malloc_stats_consistent(socket), "stats");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_malloc_bad_input(void)
{
	struct rte_malloc_socket_stats before, after;
	int bad_socket = RTE_MAX_NUMA_NODES + RTE_MAX_HEAPS + 1;
	char stack[256];
	void *p, *q;
	size_t sz;
	int socket;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	socket = test_malloc_first_socket();
	p = rte_malloc(NULL, 256, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &before), "stats");

	TEST_STEP("allocation: size 0, bad alignment, overflow, unknown socket");
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, 0, 0), EINVAL, "size 0");
	TEST_ASSERT_NULL_ERRNO(rte_zmalloc(NULL, 0, 0), EINVAL, "size 0");
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, 8, 48), EINVAL, "align 48");
	TEST_ASSERT_NULL_ERRNO(rte_calloc(NULL, SIZE_MAX / 2, 4, 0), EINVAL,
		"calloc overflow");
	TEST_ASSERT_NULL_ERRNO(rte_calloc(NULL, 0, 4, 0), EINVAL, "calloc of 0");
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, SIZE_MAX, 0), ENOMEM, "SIZE_MAX");
	TEST_ASSERT_NULL_ERRNO(rte_malloc(NULL, (size_t)1 << 42, 0), ENOMEM,
		"4 TiB");
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 8, 0, bad_socket), EINVAL,
		"socket %d", bad_socket);
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 8, 0, -5), EINVAL, "socket -5");
	TEST_ASSERT_NULL_ERRNO(rte_zmalloc_socket(NULL, 8, 0, bad_socket), EINVAL,
		"zmalloc socket");
	TEST_ASSERT_NULL_ERRNO(rte_calloc_socket(NULL, 1, 8, 0, bad_socket), EINVAL,
		"calloc socket");
	TEST_ASSERT_NULL_ERRNO(rte_malloc_socket(NULL, 8, 0, RTE_MAX_NUMA_NODES), EINVAL,
		"socket id of an external heap that does not exist");

	TEST_STEP("validate and free of pointers that are not live allocations");
	TEST_ASSERT_ERRNO(rte_malloc_validate(NULL, &sz), EINVAL, "NULL");
	TEST_ASSERT_ERRNO(rte_malloc_validate(stack, &sz), EINVAL, "stack");
	TEST_ASSERT_ERRNO(rte_malloc_validate((char *)p + 64, &sz), EINVAL,
		"middle of a block");
	TEST_ASSERT_ERRNO(rte_malloc_validate((char *)p + 1, &sz), EINVAL,
		"misaligned");
	rte_free(stack);
	rte_free((char *)p + 64);
	rte_free((char *)p + 8);
	rte_free((void *)(uintptr_t)0x1000);
	TEST_ASSERT_SUCCESS(rte_malloc_validate(p, NULL), "p is still live");

	TEST_STEP("stats, heap lookups with bad input");
	TEST_ASSERT_ERRNO(rte_malloc_get_socket_stats(socket, NULL), EINVAL,
		"NULL stats");
	TEST_ASSERT_ERRNO(rte_malloc_get_socket_stats(bad_socket, &after), EINVAL,
		"unknown socket");
	TEST_ASSERT_ERRNO(rte_malloc_heap_socket_is_external(bad_socket), EINVAL,
		"unknown socket");
	TEST_ASSERT_ERRNO(rte_malloc_heap_socket_is_external(RTE_MAX_NUMA_NODES),
		EINVAL, "no external heap in that slot");
	TEST_ASSERT_ERRNO(rte_malloc_heap_get_socket(NULL), EINVAL, "NULL name");
	TEST_ASSERT_ERRNO(rte_malloc_heap_get_socket(""), EINVAL, "empty name");
	TEST_ASSERT_ERRNO(rte_malloc_heap_get_socket(
		"a_name_that_is_far_too_long_for_a_heap"), EINVAL, "long name");
	TEST_ASSERT_ERRNO(rte_malloc_heap_get_socket("nope"), ENOENT, "unknown");
	TEST_ASSERT_EQUAL(rte_malloc_virt2iova(NULL), RTE_BAD_IOVA, "NULL");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "virt2iova(NULL) errno");
	TEST_ASSERT_EQUAL(rte_malloc_virt2iova(stack), RTE_BAD_IOVA, "stack");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "virt2iova(stack) errno");

	TEST_STEP("nothing changed");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"stats unchanged after bad input");

	TEST_STEP("double free is detected and changes nothing");
	q = rte_malloc(NULL, 256, 0);
	TEST_ASSERT_NOT_NULL(q, "malloc");
	rte_free(q);
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &before), "stats");
	rte_free(q);
	TEST_ASSERT_ERRNO(rte_malloc_validate(q, NULL), EINVAL, "freed block");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"stats unchanged after double free");

	TEST_STEP("an overflow past the end is detected");
	q = rte_malloc(NULL, 100, 0);
	TEST_ASSERT_NOT_NULL(q, "malloc");
	TEST_ASSERT_SUCCESS(rte_malloc_validate(q, &sz), "validate");
	memset(q, 0x11, sz + 8);
	TEST_ASSERT_ERRNO(rte_malloc_validate(q, NULL), EINVAL, "overflowed block");
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &before), "stats");
	rte_free(q); /* refused: the block is kept */
	TEST_ASSERT_SUCCESS(test_malloc_stats_of(socket, &after), "stats");
	TEST_ASSERT(memcmp(&before, &after, sizeof(before)) == 0,
		"an overflowed block is not freed");

	rte_free(p);
	TEST_ASSERT_SUCCESS(test_malloc_stats_consistent(socket), "stats");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_malloc_iova_dump(void)
{
	char *buf = NULL;
	size_t buf_len = 0;
	rte_iova_t iova;
	FILE *f;
	char *p;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	p = rte_malloc(NULL, 4096, 0);
	TEST_ASSERT_NOT_NULL(p, "malloc");

	TEST_STEP("rte_malloc_virt2iova at the start and inside a block");
	iova = rte_malloc_virt2iova(p);
	if (rte_eal_iova_mode() == RTE_IOVA_VA) {
		TEST_ASSERT_EQUAL(iova, (uintptr_t)p, "IOVA = VA");
		TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p + 100), (uintptr_t)p + 100,
			"IOVA inside the block");
	} else if (iova != RTE_BAD_IOVA) {
		TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p + 100), iova + 100,
			"IOVA inside the block");
	}
	rte_free(p);
	TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p), RTE_BAD_IOVA, "freed block");

	TEST_STEP("dumps name the heaps and the blocks");
	p = rte_malloc(NULL, 100, 0);
	f = open_memstream(&buf, &buf_len);
	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	rte_malloc_dump_stats(f, NULL);
	rte_malloc_dump_heaps(f);
	fclose(f);
	TEST_ASSERT(strstr(buf, "heap socket_") != NULL, "heap line in:\n%s", buf);
	TEST_ASSERT(strstr(buf, "busy") != NULL, "a busy block in the dump");
	free(buf);
	rte_free(p);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(malloc_autotest, test_malloc_basic);
REGISTER_TEST_COMMAND(malloc_align_autotest, test_malloc_align);
REGISTER_TEST_COMMAND(malloc_zero_autotest, test_malloc_zero);
REGISTER_TEST_COMMAND(malloc_realloc_autotest, test_malloc_realloc);
REGISTER_TEST_COMMAND(malloc_bad_input_autotest, test_malloc_bad_input);
REGISTER_TEST_COMMAND(malloc_iova_dump_autotest, test_malloc_iova_dump);
