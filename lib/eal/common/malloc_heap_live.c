/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live allocations of the heaps: the checks that a pointer is one (header
 * cookie, state, trailer), and free, validate and resize. Locks are
 * described in malloc_heap.c.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"
#include "malloc_elem.h"
#include "malloc_heap.h"

/*
 * The free path's last memseg lookup, per thread: the backed page
 * [seen_lo, seen_hi) found under the hotplug read lock at layout
 * generation seen_gen (odd: nothing seen yet). While the generation has
 * not moved, no page was released and no list removed, so a header in that
 * page can be read without the lookup and its lock (two atomic operations
 * on a shared line per rte_free: a fifth of a 64-byte malloc/free pair).
 */
static __thread uintptr_t seen_lo __attribute__((tls_model("initial-exec")));
static __thread uintptr_t seen_hi __attribute__((tls_model("initial-exec")));
static __thread uint64_t seen_gen __attribute__((tls_model("initial-exec"))) = 1;

/* True when the cache-line header at hdr lies in backed EAL memory. */
static bool
header_mapped(const struct malloc_elem *hdr)
{
	uint64_t gen = __atomic_load_n(&eal_mem_layout_gen, __ATOMIC_ACQUIRE);
	const struct rte_memseg *ms;

	if ((uintptr_t)hdr >= seen_lo && (uintptr_t)hdr < seen_hi &&
			gen == seen_gen)
		return true;
	eal_mem_hotplug_read_lock();
	ms = rte_mem_virt2memseg(hdr, NULL);
	if (ms != NULL) {
		/* stable: no writer while the read lock is held */
		seen_gen = __atomic_load_n(&eal_mem_layout_gen, __ATOMIC_RELAXED);
		seen_lo = (uintptr_t)ms->addr;
		seen_hi = (uintptr_t)ms->addr + ms->len;
	}
	eal_mem_hotplug_read_unlock();
	return ms != NULL;
}

/*
 * The element a pointer claims to belong to, checked as far as can be done
 * without its heap's lock: the header is mapped heap memory with a valid
 * cookie. Logs one ERR line (unless quiet) and returns NULL otherwise.
 * Not caught: two threads freeing the same pointer at once (the first may
 * give the page back while the second reads the header), and a stale
 * pointer freed while another thread gives its page back.
 */
struct malloc_elem *
malloc_heap_elem_candidate(const void *ptr, const char *fn, bool quiet)
{
	struct malloc_elem *hdr, *elem;
	const char *why;

	if (!RTE_IS_ALIGNED(ptr, RTE_CACHE_LINE_SIZE)) {
		why = "not aligned as heap allocations are";
		goto bad;
	}
	hdr = RTE_PTR_SUB(ptr, MALLOC_ELEM_HEADER_LEN);
	if ((uintptr_t)ptr < MALLOC_ELEM_HEADER_LEN || !header_mapped(hdr)) {
		why = "not in EAL memory";
		goto bad;
	}
	if (!malloc_elem_cookie_ok(hdr)) {
		why = "no valid heap header before it (not returned by rte_malloc, or freed and reused)";
		goto bad;
	}
	elem = hdr;
	if (hdr->state == ELEM_PAD) {
		elem = RTE_PTR_SUB(hdr, hdr->size);
		if (!malloc_elem_cookie_ok(elem) || elem->state != ELEM_BUSY ||
				elem->pad != hdr->size) {
			why = "its alignment header is corrupted";
			goto bad;
		}
	}
	if (!malloc_heap_is_ours(elem->heap)) {
		why = "its header is corrupted";
		goto bad;
	}
	return elem;
bad:
	if (!quiet)
		EAL_LOG(ERR, "%s(%p): %s; nothing done", fn, ptr, why);
	rte_errno = EINVAL;
	return NULL;
}

/* Finish the checks of malloc_heap_elem_candidate() under the heap lock. */
static int
check_live(const struct malloc_elem *elem, const void *ptr, const char *fn)
{
	const char *why = NULL;

	if (!elem->heap->active || !malloc_elem_cookie_ok(elem))
		why = "no valid heap header before it (freed already?)";
	else if (elem->state == ELEM_FREE)
		why = "the block is free already (double free or use after free)";
	else if (elem->state != ELEM_BUSY || malloc_elem_data(elem) != ptr)
		why = "not the start of a live allocation";
	else if (!malloc_elem_trailer_ok(elem))
		why = "written past its end (overflow of the allocation): heap memory is corrupted, so it is kept";
	if (why == NULL)
		return 0;
	EAL_LOG(ERR, "%s(%p): %s; nothing done", fn, ptr, why);
	return eal_fail(EINVAL);
}

/* Lock the heap of a live allocation; NULL (logged) if ptr is not one. */
static struct malloc_elem *
lock_live_elem(const void *ptr, const char *fn)
{
	struct malloc_elem *elem = malloc_heap_elem_candidate(ptr, fn, false);

	if (elem == NULL)
		return NULL;
	malloc_heap_lock(&elem->heap->lock);
	if (check_live(elem, ptr, fn) < 0) {
		malloc_heap_unlock(&elem->heap->lock);
		return NULL;
	}
	return elem;
}

int
malloc_heap_free(void *ptr)
{
	struct malloc_elem *elem = lock_live_elem(ptr, "rte_free");
	struct malloc_heap *heap;

	if (elem == NULL)
		return -1;
	heap = elem->heap;
	heap->busy_size -= elem->size;
	heap->alloc_count--;
	malloc_heap_shrink(malloc_elem_free(elem));
	malloc_heap_unlock(&heap->lock);
	return 0;
}

int
malloc_heap_validate(const void *ptr, size_t *size)
{
	struct malloc_elem *elem = lock_live_elem(ptr, "rte_malloc_validate");

	if (elem == NULL)
		return -1;
	if (size != NULL)
		*size = malloc_elem_usable(elem);
	malloc_heap_unlock(&elem->heap->lock);
	return 0;
}

int
malloc_heap_resize(void *ptr, size_t req, size_t align, int socket)
{
	struct malloc_elem *elem = lock_live_elem(ptr, "rte_realloc");
	struct malloc_elem *next;
	struct malloc_heap *heap;
	size_t len, old_size;
	int ret = 1;

	if (elem == NULL)
		return -1;
	heap = elem->heap;
	old_size = elem->size;
	len = MALLOC_ELEM_HEADER_LEN + elem->pad + malloc_elem_data_len(req);
	if ((socket != SOCKET_ID_ANY && socket != heap->socket_id) ||
			!RTE_IS_ALIGNED(ptr, align))
		goto out;
	next = elem->next;
	if (len > elem->size && malloc_elem_touch(elem, next) &&
			next->state == ELEM_FREE && elem->size + next->size >= len) {
		malloc_elem_free_list_remove(next);
		malloc_elem_unlink(next);
		elem->size += next->size;
		malloc_elem_forget(next);
	}
	if (len > elem->size)
		goto out;
	ret = 0;
	if (elem->size - len >= MALLOC_ELEM_MIN_LEN) {
		malloc_elem_split_tail(elem, len);
		malloc_heap_shrink(elem->next);
	}
	elem->req = req;
	malloc_elem_set_trailer(elem);
	heap->busy_size += elem->size;
	heap->busy_size -= old_size;
out:
	malloc_heap_unlock(&heap->lock);
	return ret;
}

int
malloc_heap_socket_of(const void *ptr)
{
	struct malloc_elem *elem = malloc_heap_elem_candidate(ptr, "rte_realloc", true);

	return elem != NULL ? elem->heap->socket_id : SOCKET_ID_ANY;
}
