/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * External heaps: named heaps of memory the application brings (created,
 * given memory, emptied and destroyed on request), and the lookups of
 * heaps by name or socket id that go with them.
 *
 * Locks: malloc_heaps_lock and the heap locks belong to malloc_heap.c,
 * which describes them and their order. Every operation by name holds
 * malloc_heaps_lock throughout, so that the heap cannot be destroyed
 * under it, then takes the heap's lock, then (to add or remove memory)
 * the memory hotplug lock around the memseg list and the memory event.
 * The lookup by socket id takes no lock: heap slots are never freed.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "malloc_elem.h"
#include "malloc_heap.h"

static int
check_name(const char *fn, const char *name)
{
	if (name == NULL || name[0] == '\0') {
		EAL_LOG(ERR, "%s: the heap name is %s", fn,
			name == NULL ? "NULL" : "empty");
		return eal_fail(EINVAL);
	}
	if (strnlen(name, RTE_HEAP_NAME_MAX_LEN) == RTE_HEAP_NAME_MAX_LEN) {
		EAL_LOG(ERR, "%s: heap name '%.*s...' is longer than %d characters",
			fn, RTE_HEAP_NAME_MAX_LEN - 1, name,
			RTE_HEAP_NAME_MAX_LEN - 1);
		return eal_fail(EINVAL);
	}
	return 0;
}

/*
 * Find a heap by name for an operation on external heaps;
 * malloc_heaps_lock held.
 */
static struct malloc_heap *
external_heap_by_name(const char *fn, const char *name)
{
	struct malloc_heap *heap;

	if (!malloc_heaps_ready) {
		EAL_LOG(ERR, "%s: the EAL is not initialized", fn);
		rte_errno = E_RTE_NO_CONFIG;
		return NULL;
	}
	heap = malloc_heap_by_name(name);
	if (heap == NULL) {
		EAL_LOG(ERR, "%s: no heap named '%s'", fn, name);
		rte_errno = ENOENT;
		return NULL;
	}
	if (!heap->external) {
		EAL_LOG(ERR, "%s: '%s' is the heap of NUMA node %d, not an external heap",
			fn, name, heap->socket_id);
		rte_errno = EINVAL;
		return NULL;
	}
	return heap;
}

int
malloc_heap_socket_kind(int socket)
{
	struct malloc_heap *heap = malloc_heap_by_socket(socket);

	if (heap == NULL) {
		EAL_LOG(ERR, "rte_malloc_heap_socket_is_external: no heap has socket id %d",
			socket);
		return eal_fail(EINVAL);
	}
	return heap->external ? 1 : 0;
}

int
malloc_heap_socket_by_name(const char *name)
{
	struct malloc_heap *heap;
	int socket;

	if (check_name("rte_malloc_heap_get_socket", name) < 0)
		return -1;
	pthread_mutex_lock(&malloc_heaps_lock);
	heap = malloc_heap_by_name(name);
	socket = heap != NULL ? heap->socket_id : -1;
	pthread_mutex_unlock(&malloc_heaps_lock);
	if (heap == NULL) {
		EAL_LOG(ERR, "rte_malloc_heap_get_socket: no heap named '%s'",
			name);
		return eal_fail(ENOENT);
	}
	return socket;
}

int
malloc_heap_create_external(const char *name)
{
	const char *fn = "rte_malloc_heap_create";
	struct malloc_heap *heap = NULL;
	unsigned int i;
	int ret = 0;

	if (check_name(fn, name) < 0)
		return -1;
	pthread_mutex_lock(&malloc_heaps_lock);
	if (!malloc_heaps_ready) {
		EAL_LOG(ERR, "%s: the EAL is not initialized", fn);
		ret = eal_fail(E_RTE_NO_CONFIG);
		goto out;
	}
	if (malloc_heap_by_name(name) != NULL) {
		EAL_LOG(ERR, "%s: a heap named '%s' exists already", fn, name);
		ret = eal_fail(EEXIST);
		goto out;
	}
	for (i = 0; i < RTE_DIM(malloc_ext_heaps) && heap == NULL; i++)
		if (!malloc_ext_heaps[i].active)
			heap = &malloc_ext_heaps[i];
	if (heap == NULL) {
		EAL_LOG(ERR, "%s: all %d external heaps are in use: destroy one first",
			fn, RTE_MAX_HEAPS);
		ret = eal_fail(ENOSPC);
		goto out;
	}
	malloc_heap_activate(heap, name,
		RTE_MAX_NUMA_NODES + (int)(heap - malloc_ext_heaps), true);
out:
	pthread_mutex_unlock(&malloc_heaps_lock);
	return ret;
}

int
malloc_heap_destroy_external(const char *name)
{
	const char *fn = "rte_malloc_heap_destroy";
	struct malloc_heap *heap;
	int ret = 0;

	if (check_name(fn, name) < 0)
		return -1;
	pthread_mutex_lock(&malloc_heaps_lock);
	heap = external_heap_by_name(fn, name);
	if (heap == NULL) {
		ret = -1;
		goto out;
	}
	malloc_heap_lock(&heap->lock);
	if (heap->regions != NULL) {
		EAL_LOG(ERR, "%s: heap '%s' still holds %zu bytes of memory: remove it with rte_malloc_heap_memory_remove() first",
			fn, name, heap->total_size);
		ret = eal_fail(EBUSY);
	} else {
		__atomic_store_n(&heap->active, false, __ATOMIC_RELEASE);
		heap->name[0] = '\0';
	}
	malloc_heap_unlock(&heap->lock);
out:
	pthread_mutex_unlock(&malloc_heaps_lock);
	return ret;
}

/* Region of a heap matching [va, va + len) exactly; heap lock held. */
static struct malloc_heap_region **
find_region(struct malloc_heap *heap, const void *va, size_t len)
{
	struct malloc_heap_region **r;

	for (r = &heap->regions; *r != NULL; r = &(*r)->next)
		if ((*r)->va == va && (*r)->len == len)
			return r;
	return NULL;
}

int
malloc_heap_add_external_memory(const char *name, void *va, size_t len,
		rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz)
{
	const char *fn = "rte_malloc_heap_memory_add";
	struct malloc_heap_region *region;
	struct rte_memseg_list *msl;
	struct malloc_heap *heap;
	int ret = -1, err;

	if (check_name(fn, name) < 0)
		return -1;
	region = malloc(sizeof(*region));
	if (region == NULL) {
		EAL_LOG(ERR, "%s: out of memory for the region record", fn);
		return eal_fail(ENOMEM);
	}
	pthread_mutex_lock(&malloc_heaps_lock);
	heap = external_heap_by_name(fn, name);
	if (heap == NULL)
		goto out;
	malloc_heap_lock(&heap->lock);
	eal_mem_hotplug_write_lock();
	/* Validates the region as rte_extmem_register() does, and logs. */
	msl = eal_extmem_list_create(va, len, iova_addrs, n_pages, page_sz,
		heap->socket_id);
	if (msl != NULL) {
		if (eal_mem_event_notify(RTE_MEM_EVENT_ALLOC, va, len) < 0) {
			err = rte_errno;
			eal_extmem_list_destroy(msl);
			msl = NULL;
			EAL_LOG(ERR, "%s: %p-%p refused by a memory event callback (%s); not added to heap '%s'",
				fn, va, RTE_PTR_ADD(va, len), rte_strerror(err),
				name);
			rte_errno = err;
		}
	}
	eal_mem_hotplug_write_unlock();
	if (msl != NULL) {
		region->va = va;
		region->len = len;
		region->msl = msl;
		region->next = heap->regions;
		heap->regions = region;
		region = NULL;
		malloc_heap_add_memory(heap, va, len, msl);
		ret = 0;
	}
	malloc_heap_unlock(&heap->lock);
out:
	pthread_mutex_unlock(&malloc_heaps_lock);
	free(region);
	return ret;
}

/* Take a whole region out of its heap, FREE event first. Heap lock held. */
static void
remove_region(struct malloc_heap *heap, struct malloc_heap_region **rp)
{
	struct malloc_heap_region *region = *rp;
	struct malloc_elem *elem = region->va;

	malloc_elem_free_list_remove(elem);
	malloc_elem_unlink(elem);
	malloc_elem_forget(elem);
	heap->total_size -= region->len;
	eal_mem_hotplug_write_lock();
	eal_mem_event_notify(RTE_MEM_EVENT_FREE, region->va, region->len);
	region->msl->heap = 0;
	eal_extmem_list_destroy(region->msl);
	eal_mem_hotplug_write_unlock();
	*rp = region->next;
	free(region);
}

int
malloc_heap_remove_external_memory(const char *name, void *va, size_t len)
{
	const char *fn = "rte_malloc_heap_memory_remove";
	struct malloc_heap_region **rp;
	struct malloc_heap *heap;
	struct malloc_elem *elem;
	int ret = -1;

	if (check_name(fn, name) < 0)
		return -1;
	if (va == NULL || len == 0) {
		EAL_LOG(ERR, "%s: %s", fn, va == NULL ? "NULL address" : "length 0");
		return eal_fail(EINVAL);
	}
	pthread_mutex_lock(&malloc_heaps_lock);
	heap = external_heap_by_name(fn, name);
	if (heap == NULL)
		goto out;
	malloc_heap_lock(&heap->lock);
	rp = find_region(heap, va, len);
	if (rp == NULL) {
		EAL_LOG(ERR, "%s: %p-%p is not exactly one region added to heap '%s'",
			fn, va, RTE_PTR_ADD(va, len), name);
		rte_errno = ENOENT;
		goto unlock;
	}
	/* With nothing allocated, the region is a single free element. */
	elem = va;
	if (elem->state != ELEM_FREE || elem->size != len) {
		EAL_LOG(ERR, "%s: %p-%p of heap '%s' still has live allocations: free them first",
			fn, va, RTE_PTR_ADD(va, len), name);
		rte_errno = EBUSY;
		goto unlock;
	}
	remove_region(heap, rp);
	ret = 0;
unlock:
	malloc_heap_unlock(&heap->lock);
out:
	pthread_mutex_unlock(&malloc_heaps_lock);
	return ret;
}

int
malloc_heap_find_external_memory(const char *name, void *va, size_t len)
{
	const char *fn = "rte_malloc_heap_memory_attach/detach";
	struct malloc_heap *heap;
	int ret = -1;

	if (check_name(fn, name) < 0)
		return -1;
	if (va == NULL || len == 0) {
		EAL_LOG(ERR, "%s: %s", fn, va == NULL ? "NULL address" : "length 0");
		return eal_fail(EINVAL);
	}
	pthread_mutex_lock(&malloc_heaps_lock);
	heap = external_heap_by_name(fn, name);
	if (heap != NULL) {
		malloc_heap_lock(&heap->lock);
		if (find_region(heap, va, len) != NULL) {
			ret = 0;
		} else {
			EAL_LOG(ERR, "%s: %p-%p is not exactly one region added to heap '%s'",
				fn, va, RTE_PTR_ADD(va, len), name);
			rte_errno = ENOENT;
		}
		malloc_heap_unlock(&heap->lock);
	}
	pthread_mutex_unlock(&malloc_heaps_lock);
	return ret;
}
