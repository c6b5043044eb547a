/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Invariant checks of the VFIO component against the type1 model (see
 * vfio_invariants.h). They read the records through the internal walk and
 * the kernel's mappings through the model's walk, then compare.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "vfio_model.h"
#include "vfio_private.h"
#include "vfio_invariants.h"

struct span {
	uint64_t iova, vaddr, len;
	int kind;       /* record kind; -1 for a kernel mapping */
};

struct spans {
	size_t n, cap;
	struct span *s;
	int oom;
};

static void
spans_add(struct spans *v, uint64_t iova, uint64_t vaddr, uint64_t len, int kind)
{
	if (v->n == v->cap) {
		size_t cap = v->cap != 0 ? v->cap * 2 : 256;
		struct span *s = realloc(v->s, cap * sizeof(*s));

		if (s == NULL) {
			v->oom = 1;
			return;
		}
		v->s = s;
		v->cap = cap;
	}
	v->s[v->n++] = (struct span){ iova, vaddr, len, kind };
}

static void
rec_cb(const struct vfio_record *r, void *arg)
{
	spans_add(arg, r->iova, r->vaddr, r->len, (int)r->kind);
}

static void
kern_cb(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg)
{
	spans_add(arg, iova, vaddr, len, -1);
}

static int
real_fd(int api_fd)
{
	return api_fd == RTE_VFIO_DEFAULT_CONTAINER_FD ?
		rte_vfio_get_container_fd() : api_fd;
}

/* Records and kernel mappings of a container; -1 if it does not exist. */
static int
read_container(int api_fd, struct spans *recs, struct spans *kern)
{
	memset(recs, 0, sizeof(*recs));
	memset(kern, 0, sizeof(*kern));
	if (vfio_container_records_walk(api_fd, rec_cb, recs) < 0) {
		printf("  invariant: container %d cannot be walked: %s\n", api_fd,
			rte_strerror(rte_errno));
		return -1;
	}
	vfio_model_walk(real_fd(api_fd), kern_cb, kern);
	if (recs->oom || kern->oom) {
		printf("  invariant: out of memory while checking\n");
		return -1;
	}
	return 0;
}

static void
spans_free(struct spans *a, struct spans *b)
{
	free(a->s);
	free(b->s);
}

/*
 * Reads container api_fd's records and kernel mappings, runs check on them
 * (arg is the check's own), frees them: 0, or -1 when the check fails.
 */
static int
on_container(int api_fd, int (*check)(int api_fd, const struct spans *recs,
	const struct spans *kern, const void *arg), const void *arg)
{
	struct spans recs, kern;
	int ret = -1;

	if (read_container(api_fd, &recs, &kern) == 0)
		ret = check(api_fd, &recs, &kern, arg);
	spans_free(&recs, &kern);
	return ret;
}

static int
records_match_kernel(int api_fd, const struct spans *recs, const struct spans *kern,
	const void *arg __rte_unused)
{
	struct vfio_container_stats st;
	int state;
	size_t i;

	state = vfio_container_state_get(api_fd);
	if (vfio_container_stats_get(api_fd, &st) == 0 && st.records != recs->n) {
		printf("  invariant: container %d counts %" PRIu64 " records, holds %zu\n",
			api_fd, st.records, recs->n);
		return -1;
	}
	for (i = 1; i < recs->n; i++) {
		if (recs->s[i - 1].iova + recs->s[i - 1].len > recs->s[i].iova) {
			printf("  invariant: records out of order or overlapping at IOVA 0x%" PRIx64 "\n",
				recs->s[i].iova);
			return -1;
		}
	}
	if (state != VFIO_CONT_IOMMU) {
		if (kern->n != 0) {
			printf("  invariant: container %d has no IOMMU set but %zu kernel mapping(s)\n",
				api_fd, kern->n);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < RTE_MIN(recs->n, kern->n); i++) {
		const struct span *r = &recs->s[i], *k = &kern->s[i];

		if (r->iova != k->iova || r->vaddr != k->vaddr || r->len != k->len) {
			printf("  invariant: container %d record #%zu IOVA 0x%" PRIx64 " va 0x%" PRIx64 " len 0x%" PRIx64 " != kernel IOVA 0x%" PRIx64 " va 0x%" PRIx64 " len 0x%" PRIx64 "\n",
				api_fd, i, r->iova, r->vaddr, r->len, k->iova,
				k->vaddr, k->len);
			return -1;
		}
	}
	if (recs->n != kern->n) {
		printf("  invariant: container %d has %zu records and %zu kernel mappings\n",
			api_fd, recs->n, kern->n);
		return -1;
	}
	return 0;
}

int
inv_records_match_kernel(int api_fd)
{
	if (vfio_model_check() < 0) {
		printf("  invariant: the model's own checks fail\n");
		return -1;
	}
	return on_container(api_fd, records_match_kernel, NULL);
}

static int
no_stray_heap_record(int api_fd __rte_unused, const struct spans *recs,
	const struct spans *kern __rte_unused, const void *arg __rte_unused)
{
	size_t i;

	for (i = 0; i < recs->n; i++) {
		const struct span *r = &recs->s[i];
		uint64_t off = 0;

		if (r->kind != VFIO_REC_HEAP && r->kind != VFIO_REC_STATIC)
			continue;
		while (off < r->len) {
			const struct rte_memseg *ms =
				rte_mem_virt2memseg((void *)(uintptr_t)(r->vaddr + off), NULL);
			uint64_t in;

			if (ms == NULL || ms->len == 0) {
				printf("  invariant: %s record IOVA 0x%" PRIx64 " va 0x%" PRIx64 " covers memory not in use (va 0x%" PRIx64 ")\n",
					r->kind == VFIO_REC_HEAP ? "heap" : "static",
					r->iova, r->vaddr, r->vaddr + off);
				return -1;
			}
			in = r->vaddr + off - ms->addr_64;
			if (ms->iova + in != r->iova + off) {
				printf("  invariant: record IOVA 0x%" PRIx64 "+0x%" PRIx64 " but the memseg's IOVA is 0x%" PRIx64 "\n",
					r->iova, off, ms->iova + in);
				return -1;
			}
			off += ms->len - in;
		}
	}
	return 0;
}

int
inv_no_stray_heap_record(void)
{
	return on_container(RTE_VFIO_DEFAULT_CONTAINER_FD, no_stray_heap_record, NULL);
}

/* The span of v holding address a (by vaddr when by_va), or NULL. */
static const struct span *
find_span(const struct spans *v, uint64_t a, int by_va)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		uint64_t base = by_va ? v->s[i].vaddr : v->s[i].iova;

		if (a >= base && a - base < v->s[i].len)
			return &v->s[i];
	}
	return NULL;
}

struct va_range {
	uint64_t va, len;
};

static int
heap_mapped(int api_fd __rte_unused, const struct spans *recs, const struct spans *kern,
	const void *arg)
{
	const struct va_range *range = arg;
	uint64_t va = range->va, end = va + range->len;
	int kernel;

	kernel = vfio_container_state_get(RTE_VFIO_DEFAULT_CONTAINER_FD) ==
		VFIO_CONT_IOMMU;
	while (va < end) {
		const struct rte_memseg *ms = rte_mem_virt2memseg((void *)(uintptr_t)va, NULL);
		const struct span *r, *k;
		uint64_t iova, next;

		if (ms == NULL) {
			printf("  invariant: live allocation byte va 0x%" PRIx64 " is in no memseg\n",
				va);
			return -1;
		}
		iova = ms->iova + (va - ms->addr_64);
		next = ms->addr_64 + ms->len;
		if (ms->iova == RTE_BAD_IOVA) {
			va = next;
			continue;
		}
		r = find_span(recs, iova, 0);
		if (r == NULL || r->vaddr + (iova - r->iova) != va) {
			printf("  invariant: live allocation va 0x%" PRIx64 " IOVA 0x%" PRIx64 " is not recorded\n",
				va, iova);
			return -1;
		}
		k = kernel ? find_span(kern, iova, 0) : NULL;
		if (kernel && (k == NULL || k->vaddr + (iova - k->iova) != va)) {
			printf("  invariant: live allocation va 0x%" PRIx64 " IOVA 0x%" PRIx64 " is handed out unmapped\n",
				va, iova);
			return -1;
		}
		va = next;
	}
	return 0;
}

int
inv_heap_mapped(const void *addr, size_t len)
{
	struct va_range range = { (uintptr_t)addr, len };

	if (len == 0)
		return 0;
	return on_container(RTE_VFIO_DEFAULT_CONTAINER_FD, heap_mapped, &range);
}

static int
va_unmapped(int api_fd, const struct spans *recs __rte_unused, const struct spans *kern,
	const void *arg)
{
	const struct va_range *range = arg;
	uint64_t va = range->va, len = range->len;
	size_t i;

	for (i = 0; i < kern->n; i++) {
		const struct span *k = &kern->s[i];

		if (k->vaddr < va + len && va < k->vaddr + k->len) {
			printf("  invariant: container %d still maps va 0x%" PRIx64 " (IOVA 0x%" PRIx64 " len 0x%" PRIx64 ") of freed memory [0x%" PRIx64 ", +0x%" PRIx64 ")\n",
				api_fd, k->vaddr, k->iova, k->len, va, len);
			return -1;
		}
	}
	return 0;
}

int
inv_va_unmapped(int api_fd, uint64_t va, uint64_t len)
{
	struct va_range range = { va, len };

	return on_container(api_fd, va_unmapped, &range);
}

int
inv_all(const int *api_fds, unsigned int n)
{
	unsigned int i;

	if (inv_records_match_kernel(RTE_VFIO_DEFAULT_CONTAINER_FD) < 0 ||
			inv_no_stray_heap_record() < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (api_fds[i] >= 0 && inv_records_match_kernel(api_fds[i]) < 0)
			return -1;
	return 0;
}
