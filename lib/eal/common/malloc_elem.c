/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap elements: headers, free lists by size class, fitting, split and
 * merge. The caller holds the lock of the element's heap (malloc_heap.c).
 */

#include <inttypes.h>
#include <string.h>

#include "malloc_elem.h"
#include "malloc_heap.h"

#define ELEM_COOKIE 0x6d656d76u                 /* "memv" */
#define ELEM_TRAILER 0x7472616c65726d76ull      /* "tralermv" */

/* The cookie depends on the address so a copied header is not accepted. */
static uint32_t
elem_cookie(const struct malloc_elem *elem)
{
	uint64_t a = (uintptr_t)elem;

	return ELEM_COOKIE ^ (uint32_t)(a >> 6) ^ (uint32_t)(a >> 38);
}

static uint64_t *
elem_trailer(const struct malloc_elem *elem)
{
	return RTE_PTR_ADD(malloc_elem_data(elem), malloc_elem_usable(elem));
}

size_t
malloc_elem_data_len(size_t req)
{
	return RTE_ALIGN_CEIL(RTE_ALIGN_CEIL(req, sizeof(uint64_t)) +
		MALLOC_ELEM_TRAILER_LEN, (size_t)RTE_CACHE_LINE_SIZE);
}

struct malloc_elem *
malloc_elem_init(void *va, struct malloc_heap *heap,
		struct rte_memseg_list *msl, size_t size, uint32_t state)
{
	struct malloc_elem *elem = va;

	memset(elem, 0, sizeof(*elem));
	elem->heap = heap;
	elem->msl = msl;
	elem->size = size;
	elem->state = state;
	elem->cookie = elem_cookie(elem);
	return elem;
}

void
malloc_elem_forget(struct malloc_elem *elem)
{
	elem->cookie = 0;
	elem->state = 0;
}

bool
malloc_elem_cookie_ok(const struct malloc_elem *elem)
{
	return elem->cookie == elem_cookie(elem);
}

void
malloc_elem_set_trailer(struct malloc_elem *elem)
{
	*elem_trailer(elem) = ELEM_TRAILER ^ (uintptr_t)elem;
}

bool
malloc_elem_trailer_ok(const struct malloc_elem *elem)
{
	return *elem_trailer(elem) == (ELEM_TRAILER ^ (uintptr_t)elem);
}

static unsigned int
size_class(size_t size)
{
	unsigned int log2 = 63 - (unsigned int)__builtin_clzll(size | 1);

	if (log2 < 7)
		return 0;
	return RTE_MIN(log2 - 7, (unsigned int)MALLOC_FREE_LISTS - 1);
}

void
malloc_elem_free_list_insert(struct malloc_elem *elem)
{
	unsigned int c = size_class(elem->size);
	struct malloc_elem **head = &elem->heap->free_head[c];

	elem->fl_prev = NULL;
	elem->fl_next = *head;
	if (*head != NULL)
		(*head)->fl_prev = elem;
	else
		elem->heap->free_mask |= UINT32_C(1) << c;
	*head = elem;
}

void
malloc_elem_free_list_remove(struct malloc_elem *elem)
{
	unsigned int c = size_class(elem->size);
	struct malloc_elem **head = &elem->heap->free_head[c];

	if (elem->fl_prev != NULL)
		elem->fl_prev->fl_next = elem->fl_next;
	else if ((*head = elem->fl_next) == NULL)
		elem->heap->free_mask &= ~(UINT32_C(1) << c);
	if (elem->fl_next != NULL)
		elem->fl_next->fl_prev = elem->fl_prev;
	elem->fl_next = NULL;
	elem->fl_prev = NULL;
}

void
malloc_elem_insert_after(struct malloc_elem *prev, struct malloc_elem *elem)
{
	struct malloc_heap *heap = elem->heap;
	struct malloc_elem *next = prev != NULL ? prev->next : heap->first;

	elem->prev = prev;
	elem->next = next;
	if (prev != NULL)
		prev->next = elem;
	else
		heap->first = elem;
	if (next != NULL)
		next->prev = elem;
	else
		heap->last = elem;
}

void
malloc_elem_unlink(struct malloc_elem *elem)
{
	struct malloc_heap *heap = elem->heap;

	if (elem->prev != NULL)
		elem->prev->next = elem->next;
	else
		heap->first = elem->next;
	if (elem->next != NULL)
		elem->next->prev = elem->prev;
	else
		heap->last = elem->prev;
	elem->prev = NULL;
	elem->next = NULL;
}

bool
malloc_elem_fits(const struct malloc_elem *elem, size_t req, size_t align,
		struct malloc_elem_fit *fit)
{
	uintptr_t start = (uintptr_t)elem;
	uintptr_t end = start + elem->size;
	uintptr_t data;

	/* An alignment past the end of the address space cannot fit. */
	if (start + MALLOC_ELEM_HEADER_LEN > UINTPTR_MAX - align)
		return false;
	data = RTE_ALIGN_CEIL(start + MALLOC_ELEM_HEADER_LEN, (uintptr_t)align);
	if (data >= end || end - data < malloc_elem_data_len(req))
		return false;
	malloc_elem_fit_at(elem, data, req, fit);
	return true;
}

void
malloc_elem_fit_at(const struct malloc_elem *elem, uintptr_t data, size_t req,
		struct malloc_elem_fit *fit)
{
	uintptr_t start = (uintptr_t)elem;
	uintptr_t end = start + elem->size;
	uintptr_t data_end = data + malloc_elem_data_len(req);
	size_t gap = data - MALLOC_ELEM_HEADER_LEN - start;

	/* A gap big enough for an element of its own stays free. */
	if (gap >= MALLOC_ELEM_MIN_LEN) {
		fit->lead = gap;
		fit->pad = 0;
	} else {
		fit->lead = 0;
		fit->pad = gap;
	}
	/* A tail too small for an element of its own goes with the block. */
	fit->len = data_end - (start + fit->lead);
	if (end - data_end < MALLOC_ELEM_MIN_LEN)
		fit->len += end - data_end;
}

struct malloc_elem *
malloc_elem_find(struct malloc_heap *heap, size_t req, size_t align,
		struct malloc_elem_fit *fit)
{
	unsigned int c = size_class(MALLOC_ELEM_HEADER_LEN + malloc_elem_data_len(req));
	/* only the classes that have free elements (the mask) are visited */
	uint32_t classes = heap->free_mask & ~((UINT32_C(1) << c) - 1);
	struct malloc_elem *elem;

	while (classes != 0) {
		c = (unsigned int)__builtin_ctz(classes);
		classes &= classes - 1;
		for (elem = heap->free_head[c]; elem != NULL; elem = elem->fl_next)
			if (malloc_elem_fits(elem, req, align, fit))
				return elem;
	}
	return NULL;
}

void
malloc_elem_split_tail(struct malloc_elem *elem, size_t at)
{
	struct malloc_elem *tail, *next;

	tail = malloc_elem_init(RTE_PTR_ADD(elem, at), elem->heap, elem->msl,
		elem->size - at, ELEM_FREE);
	elem->size = at;
	malloc_elem_insert_after(elem, tail);
	next = tail->next;
	if (malloc_elem_touch(tail, next) && next->state == ELEM_FREE) {
		malloc_elem_free_list_remove(next);
		malloc_elem_unlink(next);
		tail->size += next->size;
		malloc_elem_forget(next);
	}
	malloc_elem_free_list_insert(tail);
}

struct malloc_elem *
malloc_elem_alloc(struct malloc_elem *elem, size_t req,
		const struct malloc_elem_fit *fit)
{
	struct malloc_elem *busy = elem;

	malloc_elem_free_list_remove(elem);
	if (fit->lead != 0) {
		busy = malloc_elem_init(RTE_PTR_ADD(elem, fit->lead), elem->heap,
			elem->msl, elem->size - fit->lead, ELEM_FREE);
		elem->size = fit->lead;
		malloc_elem_insert_after(elem, busy);
		malloc_elem_free_list_insert(elem);
	}
	if (busy->size > fit->len)
		malloc_elem_split_tail(busy, fit->len);
	busy->state = ELEM_BUSY;
	busy->pad = fit->pad;
	busy->req = req;
	if (fit->pad != 0)
		malloc_elem_init(RTE_PTR_ADD(busy, fit->pad), busy->heap,
			busy->msl, fit->pad, ELEM_PAD);
	malloc_elem_set_trailer(busy);
	return busy;
}

struct malloc_elem *
malloc_elem_free(struct malloc_elem *elem)
{
	struct malloc_elem *next = elem->next;
	struct malloc_elem *prev = elem->prev;

	if (elem->pad != 0)
		malloc_elem_forget(RTE_PTR_ADD(elem, elem->pad));
	elem->state = ELEM_FREE;
	elem->fl_next = NULL;
	elem->fl_prev = NULL;
	if (malloc_elem_touch(elem, next) && next->state == ELEM_FREE) {
		malloc_elem_free_list_remove(next);
		malloc_elem_unlink(next);
		elem->size += next->size;
		malloc_elem_forget(next);
	}
	if (malloc_elem_touch(prev, elem) && prev->state == ELEM_FREE) {
		malloc_elem_free_list_remove(prev);
		malloc_elem_unlink(elem);
		prev->size += elem->size;
		malloc_elem_forget(elem);
		elem = prev;
	}
	malloc_elem_free_list_insert(elem);
	return elem;
}

void
malloc_elem_dump(const struct malloc_elem *elem, FILE *f)
{
	const char *state = elem->state == ELEM_FREE ? "free" :
		elem->state == ELEM_BUSY ? "busy" : "bad";

	fprintf(f, "  elem %p: %s, size %zu, memseg list %p", (const void *)elem,
		state, elem->size, elem->msl != NULL ? elem->msl->base_va : NULL);
	if (elem->state == ELEM_BUSY)
		fprintf(f, ", data %p, requested %zu, pad %zu%s",
			malloc_elem_data(elem), elem->req, elem->pad,
			malloc_elem_trailer_ok(elem) ? "" : ", OVERFLOWED");
	fprintf(f, "\n");
}
