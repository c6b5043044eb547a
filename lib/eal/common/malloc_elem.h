/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _MALLOC_ELEM_H_
#define _MALLOC_ELEM_H_

/*
 * Heap elements: every block of heap memory, free or allocated, starts with
 * a malloc_elem header of one cache line. Elements of a heap are kept in
 * one list in VA order; neighbours in that list are merged only when they
 * touch in VA and live in the same memseg list.
 *
 *   [elem header][pad ...][pad header][data ...][trailer][slack]
 *
 * An allocated element whose data had to be pushed forward for alignment
 * holds a second header (state PAD) right before the data, which leads back
 * to the element. The trailer is a cookie right after the requested size to
 * catch overflows; the header cookie catches wild or stale pointers.
 *
 * Everything here runs with the heap's lock held.
 */

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_memory.h>

struct malloc_heap;

enum malloc_elem_state {
	/* Not 0, so that zeroed or stale memory never looks like a header. */
	ELEM_FREE = 0x46524545,
	ELEM_BUSY = 0x42555359,
	ELEM_PAD = 0x50414444,
};

struct malloc_elem {
	struct malloc_heap *heap;
	struct rte_memseg_list *msl;   /* the list the element lives in */
	struct malloc_elem *prev;      /* VA order within the heap */
	struct malloc_elem *next;
	union {
		struct {               /* ELEM_FREE: size-class list links */
			struct malloc_elem *fl_next;
			struct malloc_elem *fl_prev;
		};
		struct {               /* ELEM_BUSY */
			size_t pad;    /* header to pad header distance, 0 if none */
			size_t req;    /* size the caller asked for */
		};
	};
	/* Whole element in bytes; for a pad header, distance back to it. */
	size_t size;
	uint32_t state;
	uint32_t cookie;
};

#define MALLOC_ELEM_HEADER_LEN sizeof(struct malloc_elem)
#define MALLOC_ELEM_TRAILER_LEN sizeof(uint64_t)
/* Smallest element worth keeping on its own: a header and one line. */
#define MALLOC_ELEM_MIN_LEN (MALLOC_ELEM_HEADER_LEN + RTE_CACHE_LINE_SIZE)
/* Free lists by size class: class i holds sizes [2^(i+7), 2^(i+8)). */
#define MALLOC_FREE_LISTS 24

static_assert(sizeof(struct malloc_elem) == RTE_CACHE_LINE_SIZE,
	"the element header must be one cache line so data stays aligned");

/* Where an allocation of req bytes aligned to align fits in a free element. */
struct malloc_elem_fit {
	size_t lead;    /* bytes left free before the new element */
	size_t pad;     /* pad inside the new element before its data header */
	size_t len;     /* length of the new element */
};

/* The user pointer of an allocated element. */
static inline void *
malloc_elem_data(const struct malloc_elem *elem)
{
	return RTE_PTR_ADD(elem, MALLOC_ELEM_HEADER_LEN + elem->pad);
}

/* Bytes the caller may use (up to the trailer). */
static inline size_t
malloc_elem_usable(const struct malloc_elem *elem)
{
	return RTE_ALIGN_CEIL(elem->req, sizeof(uint64_t));
}

/* True when b starts where a ends and both are in the same memseg list. */
static inline bool
malloc_elem_touch(const struct malloc_elem *a, const struct malloc_elem *b)
{
	return a != NULL && b != NULL && a->msl == b->msl &&
		RTE_PTR_ADD(a, a->size) == (const void *)b;
}

/* Data bytes an element needs for req bytes: the trailer, whole lines. */
size_t malloc_elem_data_len(size_t req);

/* Write a header at va (cookie included). */
struct malloc_elem *malloc_elem_init(void *va, struct malloc_heap *heap,
		struct rte_memseg_list *msl, size_t size, uint32_t state);

/* Erase a header's cookie so stale pointers to it are refused. */
void malloc_elem_forget(struct malloc_elem *elem);

/* True when va holds a header with a valid cookie (state not checked). */
bool malloc_elem_cookie_ok(const struct malloc_elem *elem);

/* Trailer of an allocated element: set, and check for an overflow. */
void malloc_elem_set_trailer(struct malloc_elem *elem);
bool malloc_elem_trailer_ok(const struct malloc_elem *elem);

/* Free lists. */
void malloc_elem_free_list_insert(struct malloc_elem *elem);
void malloc_elem_free_list_remove(struct malloc_elem *elem);

/* VA-ordered list of the heap: put elem right after prev (NULL: first). */
void malloc_elem_insert_after(struct malloc_elem *prev, struct malloc_elem *elem);
void malloc_elem_unlink(struct malloc_elem *elem);

/*
 * Check whether req bytes aligned to align (a power of two, at least a
 * cache line) fit in the free element; fill fit when they do.
 */
bool malloc_elem_fits(const struct malloc_elem *elem, size_t req, size_t align,
		struct malloc_elem_fit *fit);

/*
 * The layout of req bytes whose data starts at data inside the free
 * element (a place the caller found fits): a lead element or padding
 * before it, the block's length with a tail too small to stand alone.
 */
void malloc_elem_fit_at(const struct malloc_elem *elem, uintptr_t data, size_t req,
		struct malloc_elem_fit *fit);

/* Find a free element of the heap for the request (NULL when none). */
struct malloc_elem *malloc_elem_find(struct malloc_heap *heap, size_t req,
		size_t align, struct malloc_elem_fit *fit);

/*
 * Turn part of a free element into an allocated element as fit says and
 * return it; the rest stays free.
 */
struct malloc_elem *malloc_elem_alloc(struct malloc_elem *elem, size_t req,
		const struct malloc_elem_fit *fit);

/*
 * Cut the tail of elem from offset at on into a new free element (merged
 * with a free neighbour after it). at and the tail are at least
 * MALLOC_ELEM_MIN_LEN; elem is not on a free list.
 */
void malloc_elem_split_tail(struct malloc_elem *elem, size_t at);

/*
 * Free an allocated element: merge it with free neighbours and put the
 * result on its free list; returns the resulting free element.
 */
struct malloc_elem *malloc_elem_free(struct malloc_elem *elem);

/* Print one element. */
void malloc_elem_dump(const struct malloc_elem *elem, FILE *f);

#endif /* _MALLOC_ELEM_H_ */
