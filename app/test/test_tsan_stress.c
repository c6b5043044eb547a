/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency stress, written to run under ThreadSanitizer
 * (devtools/tsan.sh) as well as in the plain suite: threads map and unmap
 * user memory (paged and whole, in the default container and in a
 * container of their own), others allocate and free heap memory so that
 * the heap grows and shrinks (dynamic memory: every page is mapped and
 * unmapped), and one thread attaches and detaches a group to a shared
 * container while another maps into it. At the end, with every thread
 * joined: no operation failed unexpectedly, the records of each container
 * equal the model's mappings, no heap record is stray, nothing of the
 * user buffers or of freed heap memory is left mapped, nothing stays
 * pinned after cleanup.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_vfio.h>

#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "vfio_invariants.h"

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define N_MAPPERS 2
#define N_ALLOCATORS 2
#define ITERS 1000
#define BUF_PAGES 8
#define SHARED_GROUP 81

static uint64_t pg;
static int shared_cfd = -1;

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned int errors;
	int own_cfd;
	uint8_t *buf;
	char what[128];
};

static void
worker_error(struct worker *w, const char *op)
{
	if (w->errors++ == 0)
		snprintf(w->what, sizeof(w->what), "%s: %s", op,
			rte_strerror(rte_errno));
}

/* User maps: IOVA = VA, which collides with no heap IOVA (IOVA as VA). */
static void *
mapper(void *arg)
{
	struct worker *w = arg;
	uint64_t va = (uintptr_t)w->buf, len = BUF_PAGES * pg;
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		int cfd = (i & 1) ? DEF : w->own_cfd;

		if (rte_vfio_container_dma_map_paged(cfd, va, va, len, pg) < 0) {
			worker_error(w, "paged map");
			continue;
		}
		/* release the middle, then the rest, page-aligned pieces */
		if (rte_vfio_container_dma_unmap(cfd, va + pg, va + pg, 2 * pg) < 0 ||
				rte_vfio_container_dma_unmap(cfd, va, va, pg) < 0 ||
				rte_vfio_container_dma_unmap(cfd, va + 3 * pg, va + 3 * pg,
					len - 3 * pg) < 0)
			worker_error(w, "unmap");
		if (rte_vfio_container_dma_map(cfd, va, va, len) < 0 ||
				rte_vfio_container_dma_unmap(cfd, va, va, len) < 0)
			worker_error(w, "whole map/unmap");
	}
	return NULL;
}

static void *
allocator(void *arg)
{
	struct worker *w = arg;
	void *p[4] = { NULL };
	unsigned int i, k;

	for (i = 0; i < ITERS; i++) {
		k = i % RTE_DIM(p);
		rte_free(p[k]);
		/* from a cache line to several pages: growth and shrink */
		p[k] = rte_malloc(NULL, ((i * 7 + w->id) % 5 + 1) * (pg + 64), 0);
		if (p[k] == NULL)
			worker_error(w, "rte_malloc");
		else
			memset(p[k], (int)i, 64);
	}
	for (k = 0; k < RTE_DIM(p); k++)
		rte_free(p[k]);
	return NULL;
}

/* The shared container's group comes and goes: records replayed each time. */
static void *
binder(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i < ITERS / 4; i++) {
		if (rte_vfio_container_group_bind(shared_cfd, SHARED_GROUP) < 0)
			worker_error(w, "group bind");
		else if (rte_vfio_container_group_unbind(shared_cfd, SHARED_GROUP) < 0)
			worker_error(w, "group unbind");
	}
	return NULL;
}

static void *
shared_mapper(void *arg)
{
	struct worker *w = arg;
	uint64_t va = (uintptr_t)w->buf;
	unsigned int i;

	for (i = 0; i < ITERS; i++) {
		if (rte_vfio_container_dma_map(shared_cfd, va, va, BUF_PAGES * pg) < 0) {
			worker_error(w, "shared map");
			continue;
		}
		if (rte_vfio_container_dma_unmap(shared_cfd, va, va, BUF_PAGES * pg) < 0)
			worker_error(w, "shared unmap");
	}
	return NULL;
}

static int
add_group(int num, const char *bdf)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = num, .devices = { bdf }, .msi_window = true,
	};

	return vfio_model_add_group(&cfg);
}

static int
test_stress_threads(void)
{
	struct worker w[N_MAPPERS + N_ALLOCATORS + 2];
	unsigned int i, n = RTE_DIM(w), errors = 0;
	int fds[N_MAPPERS + 1];

	if (test_vfio_is_kernel())
		TEST_SKIP("the end-state checks read the type1 model");
	pg = test_page_size();
	TEST_ASSERT(test_eal_init("--no-huge", "--dynamic-mem", "--no-pci", NULL) >= 0,
		"EAL init: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_eal_iova_mode() == RTE_IOVA_VA, "IOVA as VA");
	TEST_ASSERT_SUCCESS(add_group(80, "0000:00:20.0"), "group 80");
	TEST_ASSERT_SUCCESS(add_group(SHARED_GROUP, "0000:00:21.0"), "group 81");
	for (i = 0; i < N_MAPPERS; i++)
		TEST_ASSERT_SUCCESS(add_group(82 + i, i == 0 ? "0000:00:22.0" : "0000:00:23.0"),
			"group %u", 82 + i);
	TEST_ASSERT(rte_vfio_get_group_fd(80) >= 0, "bind the default container");
	shared_cfd = rte_vfio_container_create();
	TEST_ASSERT(shared_cfd >= 0, "shared container");

	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w[i].id = i;
		w[i].own_cfd = -1;
		w[i].buf = mmap(NULL, BUF_PAGES * pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(w[i].buf != MAP_FAILED, "mmap");
	}
	for (i = 0; i < N_MAPPERS; i++) {
		w[i].own_cfd = rte_vfio_container_create();
		TEST_ASSERT(w[i].own_cfd >= 0, "container %u", i);
		TEST_ASSERT(rte_vfio_container_group_bind(w[i].own_cfd, 82 + i) >= 0,
			"bind group %u", 82 + i);
		fds[i] = w[i].own_cfd;
	}
	fds[N_MAPPERS] = shared_cfd;

	TEST_STEP("%u mappers, %u allocators, a binder and a mapper of a shared container",
		N_MAPPERS, N_ALLOCATORS);
	for (i = 0; i < n; i++) {
		void *(*fn)(void *) = i < N_MAPPERS ? mapper :
			i < N_MAPPERS + N_ALLOCATORS ? allocator :
			i == n - 2 ? binder : shared_mapper;

		TEST_ASSERT_SUCCESS(pthread_create(&w[i].tid, NULL, fn, &w[i]),
			"thread %u", i);
	}
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	for (i = 0; i < n; i++) {
		if (w[i].errors > 0)
			printf("  thread %u: %u error(s), first: %s\n", i, w[i].errors,
				w[i].what);
		errors += w[i].errors;
	}
	TEST_ASSERT_EQUAL(errors, 0, "operations failed under concurrency");

	TEST_STEP("end state: records == kernel, nothing stray, buffers unmapped");
	TEST_ASSERT_SUCCESS(inv_all(fds, RTE_DIM(fds)), "invariants");
	for (i = 0; i < n; i++) {
		TEST_ASSERT_SUCCESS(inv_va_unmapped(DEF, (uintptr_t)w[i].buf, BUF_PAGES * pg),
			"buffer %u left mapped in the default container", i);
		if (w[i].own_cfd >= 0)
			TEST_ASSERT_SUCCESS(inv_va_unmapped(w[i].own_cfd, (uintptr_t)w[i].buf,
				BUF_PAGES * pg), "buffer %u left mapped", i);
	}
	for (i = 0; i < N_MAPPERS; i++)
		TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(w[i].own_cfd), "destroy");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(shared_cfd), "destroy shared");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0, "nothing pinned after cleanup");
	for (i = 0; i < n; i++)
		munmap(w[i].buf, BUF_PAGES * pg);
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(stress_threads_autotest, test_stress_threads);
