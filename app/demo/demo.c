/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo: a tour of the memory subsystem from an application's view.
 *
 *   memvfio-demo [EAL options]      e.g. memvfio-demo --no-huge -m 64
 *
 * Initializes the EAL, allocates and frees heap memory of several sizes,
 * builds an external heap over memory the application mapped itself,
 * prints the memory layout and heap statistics, and cleans up. Any failure
 * is reported and makes the exit status non-zero.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#define EXT_HEAP_NAME "demo_ext_heap"
#define EXT_HEAP_PAGES 16

static int
fail(const char *what)
{
	fprintf(stderr, "memvfio-demo: %s failed: %s\n", what,
		rte_strerror(rte_errno));
	return -1;
}

static int
demo_malloc(void)
{
	static const size_t sizes[] = { 64, 1000, 4096, 65536, 1 << 20 };
	void *ptrs[RTE_DIM(sizes)];
	unsigned int i;
	int ret = 0;

	printf("== rte_malloc / rte_free\n");
	for (i = 0; i < RTE_DIM(sizes); i++) {
		ptrs[i] = rte_malloc("demo", sizes[i], 64);
		if (ptrs[i] == NULL) {
			ret = fail("rte_malloc");
			break;
		}
		/* Touch it all: the memory must really be there. */
		memset(ptrs[i], 0xa5, sizes[i]);
		printf("  %8zu bytes at %p, IOVA 0x%" PRIx64 "\n", sizes[i],
			ptrs[i], (uint64_t)rte_malloc_virt2iova(ptrs[i]));
	}
	while (i-- > 0)
		rte_free(ptrs[i]);
	if (ret == 0)
		printf("  all freed\n");
	return ret;
}

static int
demo_external_heap(void)
{
	size_t pgsz = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = pgsz * EXT_HEAP_PAGES;
	int socket, fd, ret = -1;
	void *va, *obj;

	printf("== external heap '%s': %d pages of %zu bytes\n", EXT_HEAP_NAME,
		EXT_HEAP_PAGES, pgsz);
	fd = memfd_create("memvfio-demo", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) < 0) {
		fprintf(stderr, "memvfio-demo: memfd: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (va == MAP_FAILED) {
		fprintf(stderr, "memvfio-demo: mmap: %s\n", strerror(errno));
		return -1;
	}
	if (rte_malloc_heap_create(EXT_HEAP_NAME) < 0) {
		fail("rte_malloc_heap_create");
		goto unmap;
	}
	if (rte_malloc_heap_memory_add(EXT_HEAP_NAME, va, len, NULL,
			EXT_HEAP_PAGES, pgsz) < 0) {
		fail("rte_malloc_heap_memory_add");
		goto destroy;
	}
	socket = rte_malloc_heap_get_socket(EXT_HEAP_NAME);
	if (socket < 0) {
		fail("rte_malloc_heap_get_socket");
		goto remove;
	}
	printf("  memory added at %p, heap socket id %d\n", va, socket);
	obj = rte_malloc_socket("demo", pgsz, 0, socket);
	if (obj == NULL) {
		fail("rte_malloc_socket on the external heap");
		goto remove;
	}
	if ((char *)obj < (char *)va || (char *)obj >= (char *)va + len) {
		fprintf(stderr, "memvfio-demo: allocation %p is outside the external memory\n",
			obj);
		rte_free(obj);
		goto remove;
	}
	memset(obj, 0x5a, pgsz);
	printf("  allocated %zu bytes at %p from it\n", pgsz, obj);
	rte_free(obj);
	ret = 0;
remove:
	if (rte_malloc_heap_memory_remove(EXT_HEAP_NAME, va, len) < 0)
		ret = fail("rte_malloc_heap_memory_remove");
destroy:
	if (rte_malloc_heap_destroy(EXT_HEAP_NAME) < 0)
		ret = fail("rte_malloc_heap_destroy");
unmap:
	munmap(va, len);
	if (ret == 0)
		printf("  memory removed, heap destroyed\n");
	return ret;
}

int
main(int argc, char **argv)
{
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		/* --help is not a failure. */
		if (rte_errno == ECANCELED)
			return 0;
		fprintf(stderr, "memvfio-demo: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	printf("EAL up: %s, IOVA as %s\n",
		rte_eal_has_hugepages() ? "hugepages" : "system pages",
		rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA");

	ret = 0;
	if (demo_malloc() < 0)
		ret = 1;
	if (demo_external_heap() < 0)
		ret = 1;

	printf("== memory layout\n");
	rte_dump_physmem_layout(stdout);
	printf("== heap statistics\n");
	rte_malloc_dump_stats(stdout, NULL);

	if (rte_eal_cleanup() < 0) {
		fail("rte_eal_cleanup");
		ret = 1;
	}
	printf("%s\n", ret == 0 ? "demo completed" : "demo FAILED");
	return ret;
}
