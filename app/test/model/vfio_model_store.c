/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's mapping store: a sorted array with binary search (see
 * vfio_model_store.h for why it is not the product's record engine).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_model_store.h"

void
model_store_init(struct model_store *s)
{
	memset(s, 0, sizeof(*s));
}

void
model_store_fini(struct model_store *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Index of the first entry whose last byte is >= iova (s->n if none). */
static size_t
lower_bound_last(const struct model_store *s, uint64_t iova)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (model_dma_last(&s->v[mid]) < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
model_store_first_overlap(const struct model_store *s, uint64_t iova,
		uint64_t last)
{
	size_t i = lower_bound_last(s, iova);

	/* entries are sorted and disjoint: the first one ending at or after
	 * iova is the only candidate for the lowest intersection */
	if (i < s->n && s->v[i].iova <= last)
		return i;
	return s->n;
}

long
model_store_find(const struct model_store *s, uint64_t iova)
{
	size_t i = model_store_first_overlap(s, iova, iova);

	return i < s->n ? (long)i : -1;
}

static int
grow(struct model_store *s)
{
	size_t cap;
	struct model_dma *v;

	if (s->n < s->cap)
		return 0;
	cap = s->cap == 0 ? 16 : s->cap * 2;
	v = realloc(s->v, cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

long
model_store_insert(struct model_store *s, const struct model_dma *d)
{
	size_t i;

	if (grow(s) < 0)
		return -ENOMEM;
	i = lower_bound_last(s, d->iova);
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
	s->v[i] = *d;
	s->n++;
	s->bytes += d->size;
	return (long)i;
}

void
model_store_remove(struct model_store *s, size_t i)
{
	s->bytes -= s->v[i].size;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
}

int
model_store_split(struct model_store *s, size_t i, uint64_t at)
{
	struct model_dma *d, *e;
	uint64_t head;

	if (grow(s) < 0)
		return -ENOMEM;
	memmove(&s->v[i + 2], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	d = &s->v[i];
	e = &s->v[i + 1];
	head = at - d->iova;
	*e = *d;
	e->iova = at;
	e->vaddr = d->vaddr + head;
	e->size = d->size - head;
	d->size = head;
	s->n++;
	return 0;
}

int
model_store_check(const struct model_store *s)
{
	uint64_t bytes = 0;
	size_t i;

	if (s->n > s->cap)
		return -1;
	for (i = 0; i < s->n; i++) {
		const struct model_dma *d = &s->v[i];

		if (d->size == 0 || model_dma_last(d) < d->iova)
			return -1;
		if (i > 0 && model_dma_last(&s->v[i - 1]) >= d->iova)
			return -1;
		bytes += d->size;
	}
	return bytes == s->bytes ? 0 : -1;
}
