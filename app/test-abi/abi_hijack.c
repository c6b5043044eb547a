/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An application that defines names the library uses inside itself must
 * not divert the library's calls (doc/guides/abi.rst):
 *   - internal names (malloc_heap_alloc, malloc_heap_free): hidden in
 *     libmemvfio_eal, so the library's calls never reach the program's;
 *   - an exported name (rte_malloc_socket, which rte_malloc calls): the
 *     library is linked with -Bsymbolic-functions, so its own call binds
 *     inside it.
 * Before the version scripts, the program's malloc_heap_alloc made
 * rte_malloc() return NULL. Linked against the shared libraries, as an
 * application is. Exit 0 when rte_malloc/rte_zmalloc/rte_free work and
 * none of the program's definitions was called.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

static unsigned int hijacked;

/* The program's own functions under the library's names. */
void *malloc_heap_alloc(size_t req, size_t align, int socket);
int malloc_heap_free(void *ptr);

void *
malloc_heap_alloc(size_t req, size_t align, int socket)
{
	(void)req;
	(void)align;
	(void)socket;
	hijacked++;
	return NULL;
}

int
malloc_heap_free(void *ptr)
{
	(void)ptr;
	hijacked++;
	return -1;
}

void *
rte_malloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	(void)type;
	(void)size;
	(void)align;
	(void)socket;
	hijacked++;
	return NULL;
}

int
main(int argc, char **argv)
{
	char *args[] = { argv[0], (char *)"--no-huge", (char *)"--no-pci", NULL };
	char *p, *z;
	int fail = 0;

	(void)argc;
	if (rte_eal_init(3, args) < 0) {
		printf("FAIL: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	p = rte_malloc(NULL, 4096, 0);
	z = rte_zmalloc(NULL, 256, 64);
	if (p == NULL || z == NULL) {
		printf("FAIL: rte_malloc %p, rte_zmalloc %p (%s)\n",
			(void *)p, (void *)z, rte_strerror(rte_errno));
		fail = 1;
	} else {
		memset(p, 0xa5, 4096);
		if (z[0] != 0 || z[255] != 0) {
			printf("FAIL: rte_zmalloc memory not zeroed\n");
			fail = 1;
		}
	}
	rte_free(p);
	rte_free(z);
	if (hijacked != 0) {
		printf("FAIL: the library called the program's definitions %u time(s)\n",
			hijacked);
		fail = 1;
	}
	rte_eal_cleanup();
	if (!fail)
		printf("OK: rte_malloc, rte_zmalloc and rte_free used the library's heap "
			"(malloc_heap_alloc, malloc_heap_free and rte_malloc_socket "
			"defined by the program were not called)\n");
	return fail;
}
