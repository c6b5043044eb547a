/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the autotests (see test_common.h): the IOVAs for the
 * tests' own DMA maps, in every IOVA mode.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_iova.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"

/* ---- IOVAs for the tests' own DMA maps ---- */

/* IOVA as PA: nothing above this is handed out, also on wider IOMMUs */
#define PA_TOP_MAX (1ULL << 48)
/* IOVA as PA with no valid range probed: the narrowest VT-d in use */
#define PA_TOP_UNKNOWN (1ULL << 39)
#define ALIGN_MAX (1ULL << 30)
#define N_RANGES 32

enum held_kind {
	HELD_FREE,
	HELD_VA,        /* the address itself */
	HELD_VA_SPARE,  /* a reserved VA range used as IOVA */
	HELD_ALLOC,     /* a block of rte_mem_iova_alloc() */
	HELD_TOP,       /* IOVA as PA: a block below the top of the ranges */
};

struct held_iova {
	enum held_kind kind;
	uint64_t iova;  /* as handed out */
	size_t len;
	uint64_t base;  /* the block (or reservation) behind it */
	size_t size;
};

static struct held_iova held[TEST_IOVA_MAX];

enum test_iova_mode { MODE_NONE, MODE_VA, MODE_ALLOC, MODE_PA };

static enum test_iova_mode
iova_mode(void)
{
	switch (rte_eal_iova_mode()) {
	case RTE_IOVA_VA:
		return MODE_VA;
	case RTE_IOVA_PA:
		return rte_eal_iova_mode_is_allocated() ? MODE_ALLOC : MODE_PA;
	default:
		return MODE_NONE;
	}
}

const char *
test_iova_mode_name(void)
{
	static const char *const names[] = {
		[MODE_NONE] = "none (EAL not initialized)",
		[MODE_VA] = "VA", [MODE_ALLOC] = "allocated", [MODE_PA] = "PA",
	};

	return names[iova_mode()];
}

static struct held_iova *
held_slot(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(held); i++)
		if (held[i].kind == HELD_FREE)
			return &held[i];
	rte_errno = ENOSPC;
	return NULL;
}

/* The largest power of two dividing a (a != 0), at most max. */
static uint64_t
low_bit(uint64_t a, uint64_t max)
{
	uint64_t b = a & (~a + 1);

	return b == 0 || b > max ? max : b;
}

/* The smallest power of two >= n. */
static uint64_t
pow2_ceil(uint64_t n)
{
	uint64_t p = 1;

	while (p < n && p != 0)
		p <<= 1;
	return p != 0 ? p : n;
}

static int
memseg_end_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	uint64_t *end = arg;

	(void)msl;
	if (ms->iova != RTE_BAD_IOVA && ms->iova + ms->len > *end)
		*end = ms->iova + ms->len;
	return 0;
}

/*
 * The end of physical RAM from /proc/iomem (its top-level "System RAM"
 * lines; real addresses need root, which IOVA as PA has), or 0.
 */
static uint64_t
ram_end(void)
{
	char line[256];
	uint64_t lo, hi, end = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] != ' ' && strstr(line, ": System RAM") != NULL &&
				sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2 &&
				hi + 1 > end)
			end = hi + 1;
	fclose(f);
	return end;
}

/*
 * IOVA as PA: a block of size bytes at align, as high as possible inside
 * one valid range, below every block held and above the memsegs and RAM.
 */
static uint64_t
top_block(size_t size, uint64_t align)
{
	struct eal_iova_range r[N_RANGES];
	uint64_t floor = 0, ceiling = PA_TOP_MAX, last, cand;
	unsigned int n, i;

	n = eal_iova_get_ranges(r, RTE_DIM(r));
	if (n == 0) {
		r[0] = (struct eal_iova_range){ .start = 0, .end = PA_TOP_UNKNOWN - 1 };
		n = 1;
	}
	n = RTE_MIN(n, (unsigned int)RTE_DIM(r));
	rte_memseg_walk(memseg_end_cb, &floor);
	floor = RTE_MAX(floor, ram_end());
	for (i = 0; i < RTE_DIM(held); i++)
		if (held[i].kind == HELD_TOP && held[i].base < ceiling)
			ceiling = held[i].base;
	for (i = n; i-- > 0;) {
		if (r[i].start >= ceiling)
			continue;
		last = RTE_MIN(r[i].end, ceiling - 1);
		if (last - r[i].start + 1 < size)
			continue;
		cand = RTE_ALIGN_FLOOR(last - (size - 1), align);
		if (cand >= r[i].start && cand >= floor)
			return cand;
	}
	rte_errno = ENOMEM;
	return RTE_BAD_IOVA;
}

/* A block of size bytes at align in the allocated or PA mode. */
static int
block_get(enum test_iova_mode mode, size_t size, uint64_t align,
		struct held_iova *h)
{
	uint64_t base;

	if (mode == MODE_ALLOC) {
		base = rte_mem_iova_alloc(size, align);
		h->kind = HELD_ALLOC;
	} else {
		base = top_block(size, align);
		h->kind = HELD_TOP;
	}
	if (base == RTE_BAD_IOVA) {
		h->kind = HELD_FREE;
		return -1;
	}
	h->base = base;
	h->size = size;
	return 0;
}

/*
 * IOVA as VA: an address range of the process nobody can use is an IOVA
 * nobody maps. Reserves size bytes at align into h (h->iova its start).
 */
static int
va_spare_get(size_t size, uint64_t align, struct held_iova *h)
{
	void *p = test_dma_mmap(size + align, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);

	if (p == MAP_FAILED) {
		rte_errno = ENOMEM;
		return -1;
	}
	h->kind = HELD_VA_SPARE;
	h->base = (uintptr_t)p;
	h->size = size + align;
	h->iova = RTE_ALIGN_CEIL((uintptr_t)p, align);
	return 0;
}

uint64_t
test_iova_for(const void *va, size_t len)
{
	enum test_iova_mode mode = iova_mode();
	uint64_t pg = test_page_size(), off, size;
	struct held_iova *h;

	if (va == NULL || len == 0 || mode == MODE_NONE) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	h = held_slot();
	if (h == NULL)
		return RTE_BAD_IOVA;
	off = (uintptr_t)va % pg;
	size = RTE_ALIGN_CEIL(off + len, pg);
	if (mode == MODE_VA && eal_iova_is_reachable((uintptr_t)va, len)) {
		h->kind = HELD_VA;
		h->iova = (uintptr_t)va;
	} else if (mode == MODE_VA) {
		/*
		 * IOVA as VA, but this VA is beyond the IOMMU (a BAR or hugepages
		 * that mmap() placed near 2^47 on a 39-bit IOMMU): a spare IOVA
		 * inside the reach, aligned as the VA is, held in this slot.
		 */
		if (va_spare_get(size, RTE_MAX(pg, low_bit((uintptr_t)va - off,
				RTE_MIN(ALIGN_MAX, pow2_ceil(size)))), h) < 0)
			return RTE_BAD_IOVA;
		h->iova += off;
	} else {
		if (block_get(mode, size, RTE_MAX(pg, low_bit((uintptr_t)va - off,
				RTE_MIN(ALIGN_MAX, pow2_ceil(size)))), h) < 0)
			return RTE_BAD_IOVA;
		h->iova = h->base + off;
	}
	h->len = len;
	return h->iova;
}

uint64_t
test_iova_spare(size_t len, size_t align)
{
	enum test_iova_mode mode = iova_mode();
	size_t pg = test_page_size();
	struct held_iova *h;
	size_t size;

	if (align == 0)
		align = pg;
	if (len == 0 || mode == MODE_NONE || (align & (align - 1)) != 0) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	h = held_slot();
	if (h == NULL)
		return RTE_BAD_IOVA;
	size = RTE_ALIGN_CEIL(len, pg);
	if (mode != MODE_VA) {
		if (block_get(mode, size, RTE_MAX(align, pg), h) < 0)
			return RTE_BAD_IOVA;
		h->iova = h->base;
		h->len = len;
		return h->iova;
	}
	if (va_spare_get(size, align, h) < 0)
		return RTE_BAD_IOVA;
	h->len = len;
	return h->iova;
}

int
test_iova_release(uint64_t iova, size_t len)
{
	struct held_iova *h = NULL;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < RTE_DIM(held) && h == NULL; i++)
		if (held[i].kind != HELD_FREE && held[i].iova == iova &&
				held[i].len == len)
			h = &held[i];
	if (h == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	if (h->kind == HELD_ALLOC)
		ret = rte_mem_iova_free(h->base, h->size);
	else if (h->kind == HELD_VA_SPARE &&
			munmap((void *)(uintptr_t)h->base, h->size) < 0) {
		rte_errno = errno;
		ret = -1;
	}
	h->kind = HELD_FREE;
	return ret;
}

uint64_t *
test_iova_table(const void *va, size_t len, size_t pg)
{
	uint64_t base = test_iova_for(va, len);
	size_t i, n = len / pg;
	uint64_t *t;

	if (base == RTE_BAD_IOVA)
		return NULL;
	t = malloc(RTE_MAX(n, (size_t)1) * sizeof(*t));
	if (t == NULL) {
		test_iova_release(base, len);
		rte_errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++)
		t[i] = base + i * pg;
	return t;
}

void
test_iova_table_free(uint64_t *table, size_t len)
{
	if (table == NULL)
		return;
	test_iova_release(table[0], len);
	free(table);
}
