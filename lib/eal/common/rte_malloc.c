/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public malloc API: argument checks, zeroing and realloc on top of the
 * heaps (malloc_heap.c, which owns the locks).
 *
 * Zeroing is done on allocation: rte_zmalloc() and rte_calloc() clear the
 * usable bytes of what they hand out, whether it comes fresh from the system
 * or was freed before, so rte_free() never pays for it.
 */

#include <stdint.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "eal_private.h"
#include "malloc_heap.h"

/* Larger requests cannot be met and would overflow the size arithmetic. */
#define MALLOC_MAX_SIZE (SIZE_MAX / 4)

static int
check_request(const char *fn, size_t size, unsigned int align)
{
	if (size == 0) {
		EAL_LOG(ERR, "%s: size 0: ask for at least one byte", fn);
		return eal_fail(EINVAL);
	}
	if (align != 0 && !rte_is_power_of_2(align)) {
		EAL_LOG(ERR, "%s: alignment %u is not a power of two (pass 0 for a cache line)",
			fn, align);
		return eal_fail(EINVAL);
	}
	if (size > MALLOC_MAX_SIZE) {
		EAL_LOG(ERR, "%s: %zu bytes is more than any heap can hold", fn,
			size);
		return eal_fail(ENOMEM);
	}
	return 0;
}

static size_t
real_align(unsigned int align)
{
	return RTE_MAX((size_t)align, (size_t)RTE_CACHE_LINE_SIZE);
}

static void *
alloc_checked(const char *fn, size_t size, unsigned int align, int socket)
{
	if (check_request(fn, size, align) < 0)
		return NULL;
	return malloc_heap_alloc(size, real_align(align), socket);
}

void *
rte_malloc_socket(const char *type __rte_unused, size_t size,
		unsigned int align, int socket)
{
	return alloc_checked("rte_malloc", size, align, socket);
}

void *
rte_malloc(const char *type, size_t size, unsigned int align)
{
	return rte_malloc_socket(type, size, align, SOCKET_ID_ANY);
}

static void *
zalloc_checked(const char *fn, size_t size, unsigned int align, int socket)
{
	void *ptr = alloc_checked(fn, size, align, socket);

	if (ptr != NULL)
		memset(ptr, 0, size);
	return ptr;
}

void *
rte_zmalloc_socket(const char *type __rte_unused, size_t size,
		unsigned int align, int socket)
{
	return zalloc_checked("rte_zmalloc", size, align, socket);
}

void *
rte_zmalloc(const char *type, size_t size, unsigned int align)
{
	return rte_zmalloc_socket(type, size, align, SOCKET_ID_ANY);
}

void *
rte_calloc_socket(const char *type __rte_unused, size_t num, size_t size,
		unsigned int align, int socket)
{
	if (size != 0 && num > SIZE_MAX / size) {
		EAL_LOG(ERR, "rte_calloc: %zu elements of %zu bytes overflow size_t",
			num, size);
		rte_errno = EINVAL;
		return NULL;
	}
	return zalloc_checked("rte_calloc", num * size, align, socket);
}

void *
rte_calloc(const char *type, size_t num, size_t size, unsigned int align)
{
	return rte_calloc_socket(type, num, size, align, SOCKET_ID_ANY);
}

void *
rte_realloc_socket(void *ptr, size_t size, unsigned int align, int socket)
{
	int target = socket;
	size_t old_size;
	void *moved;
	int ret;

	if (ptr == NULL)
		return alloc_checked("rte_realloc", size, align, socket);
	if (check_request("rte_realloc", size, align) < 0)
		return NULL;
	ret = malloc_heap_resize(ptr, size, real_align(align), socket);
	if (ret <= 0)
		return ret == 0 ? ptr : NULL;
	if (malloc_heap_validate(ptr, &old_size) < 0)
		return NULL;
	/*
	 * Moving without a socket prefers the heap the memory is on, and
	 * leaves an external heap only when asked to.
	 */
	if (socket == SOCKET_ID_ANY)
		target = malloc_heap_socket_of(ptr);
	moved = malloc_heap_alloc(size, real_align(align), target);
	if (moved == NULL && socket == SOCKET_ID_ANY && rte_errno == ENOMEM &&
			target < RTE_MAX_NUMA_NODES)
		moved = malloc_heap_alloc(size, real_align(align), SOCKET_ID_ANY);
	if (moved == NULL)
		return NULL;
	memcpy(moved, ptr, RTE_MIN(size, old_size));
	malloc_heap_free(ptr);
	return moved;
}

void *
rte_realloc(void *ptr, size_t size, unsigned int align)
{
	return rte_realloc_socket(ptr, size, align, SOCKET_ID_ANY);
}

void
rte_free(void *ptr)
{
	if (ptr != NULL)
		malloc_heap_free(ptr);
}

int
rte_malloc_validate(const void *ptr, size_t *size)
{
	if (ptr == NULL) {
		EAL_LOG(ERR, "rte_malloc_validate: NULL pointer");
		return eal_fail(EINVAL);
	}
	return malloc_heap_validate(ptr, size);
}

int
rte_malloc_get_socket_stats(int socket,
		struct rte_malloc_socket_stats *socket_stats)
{
	return malloc_heap_get_stats(socket, socket_stats);
}

int
rte_malloc_heap_trim(size_t *released)
{
	return malloc_heaps_trim(SIZE_MAX, released);
}

int
rte_malloc_heap_keep_set(size_t bytes)
{
	return malloc_heaps_trim(bytes, NULL);
}

void
rte_malloc_dump_stats(FILE *f, const char *type __rte_unused)
{
	malloc_heap_dump_stats(f);
}

void
rte_malloc_dump_heaps(FILE *f)
{
	malloc_heap_dump(f);
}

int
rte_malloc_heap_create(const char *heap_name)
{
	return malloc_heap_create_external(heap_name);
}

int
rte_malloc_heap_destroy(const char *heap_name)
{
	return malloc_heap_destroy_external(heap_name);
}

int
rte_malloc_heap_memory_add(const char *heap_name, void *va_addr, size_t len,
		rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz)
{
	return malloc_heap_add_external_memory(heap_name, va_addr, len,
		iova_addrs, n_pages, page_sz);
}

int
rte_malloc_heap_memory_remove(const char *heap_name, void *va_addr, size_t len)
{
	return malloc_heap_remove_external_memory(heap_name, va_addr, len);
}

int
rte_malloc_heap_memory_attach(const char *heap_name, void *va_addr, size_t len)
{
	return malloc_heap_find_external_memory(heap_name, va_addr, len);
}

int
rte_malloc_heap_memory_detach(const char *heap_name, void *va_addr, size_t len)
{
	return malloc_heap_find_external_memory(heap_name, va_addr, len);
}

int
rte_malloc_heap_get_socket(const char *name)
{
	return malloc_heap_socket_by_name(name);
}

int
rte_malloc_heap_socket_is_external(int socket_id)
{
	return malloc_heap_socket_kind(socket_id);
}

rte_iova_t
rte_malloc_virt2iova(const void *addr)
{
	return malloc_heap_virt2iova(addr);
}
