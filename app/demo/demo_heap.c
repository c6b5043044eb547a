/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo step (a): heap pages mapped as they are allocated and
 * unmapped as they are released, one page of three at a time.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"

/* --- (a) heap --------------------------------------------------------------------- */

struct seg_count {
	unsigned int n;
};

static int
count_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms __rte_unused,
		void *arg)
{
	if (!msl->external)
		((struct seg_count *)arg)->n++;
	return 0;
}

static unsigned int
heap_pages(void)
{
	struct seg_count c = { 0 };

	rte_memseg_walk(count_seg, &c);
	return c.n;
}

/* Is the page at @p va in use (a memseg)? */
static bool
page_in_use(const void *va)
{
	return rte_mem_virt2memseg(va, NULL) != NULL;
}

/*
 * Will the heap take new pages for @p len bytes? Yes when the page under
 * @p va (a first small allocation) is dynamic, and also when the pages
 * kept from init cannot hold @p len: with dynamic hugepage memory and no
 * -m the EAL keeps one page at init, as DPDK does, and the heap grows
 * beyond it. Pages kept at init (-m, --legacy-mem, --no-huge) that hold
 * the buffer mean no new page.
 */
bool
dynamic_pages(const void *va, size_t len)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(va);
	const struct rte_memseg *ms = rte_mem_virt2memseg(va, NULL);
	struct rte_malloc_socket_stats st;

	if (ms == NULL || msl == NULL)
		return false;
	if (!(ms->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE))
		return true;
	if (rte_malloc_get_socket_stats(msl->socket_id, &st) < 0)
		return false;
	return st.greatest_free_size < len;
}

#define MAX_MARKS 8

struct mark {
	uint8_t pat[SPOT];
	rte_iova_t iova;
	uint8_t *va;
	bool whole;             /* the page lies wholly inside the buffer */
	bool released;
};

int
demo_heap_buffer(size_t pgsz, bool dyn)
{
	struct rte_vfio_container_stats a, b;
	struct mark marks[MAX_MARKS];
	size_t len = heap_buffer_len(pgsz);
	unsigned int p0, p1, p2, n_marks = 0, n_whole = 0, released = 0;
	unsigned int whole_released = 0, i;
	uint8_t *buf, *pg;

	step_begin(STEP_HEAP, "heap memory is mapped while it is allocated, unmapped when freed");
	act("rte_malloc %s (heap pages of %s, %s memory): expect %s", SZ(len),
		SZ(pgsz), dyn ? "dynamic" : "static",
		!dyn ? "no new page: static memory is all there from init" :
		demo.vfio ? "new pages, each page one unit = one DMA entry" :
		"the heap to grow by whole pages");
	stats(&a);
	p0 = heap_pages();
	buf = rte_malloc("demo-a", len, 0);
	if (buf == NULL)
		return step_abort("rte_malloc: %s", rte_strerror(rte_errno));
	p1 = heap_pages();
	step_peak();
	if (dyn)
		outcome(delta_is(&a, (int64_t)(p1 - p0)) && p1 > p0,
			"at %p, IOVA 0x%" PRIx64 ": the heap grew by %u pages; %s",
			(void *)buf, rte_malloc_virt2iova(buf), p1 - p0, DELTA(&a));
	else
		outcome(delta_is(&a, 0) && p1 == p0, "at %p, IOVA 0x%" PRIx64 ": no new page%s; %s",
			(void *)buf, rte_malloc_virt2iova(buf),
			demo.vfio ? " (static memory is mapped at init, one unit per IOVA-contiguous run)" : "",
			DELTA(&a));
	if (demo.cur->failed)
		goto free;

	if (dma_reachable("first page to last page", buf, rte_malloc_virt2iova(buf),
			buf + len - SPOT, rte_malloc_virt2iova(buf + len - SPOT)) < 0)
		goto free;

	/* a pattern in each page of the buffer, to recognize the page later */
	for (pg = RTE_PTR_ALIGN_FLOOR(buf, pgsz); pg < buf + len && n_marks < MAX_MARKS;
			pg += pgsz) {
		uint8_t *lo = RTE_MAX(buf, pg), *hi = RTE_MIN(buf + len, pg + pgsz);
		struct mark *m;

		if ((size_t)(hi - lo) < SPOT)
			continue;
		m = &marks[n_marks++];
		m->va = lo + (hi - lo) / 2 - SPOT / 2;
		m->iova = rte_malloc_virt2iova(m->va);
		m->whole = lo == pg && hi == pg + pgsz;
		fill_pattern(m->pat, SPOT);
		memcpy(m->va, m->pat, SPOT);
		n_whole += m->whole;
	}
free:
	act("rte_free it, then rte_malloc_heap_trim (the heap keeps up to 16 MiB of free pages, still mapped, until trimmed or under pressure): expect %s",
		!dyn ? "no page released: static memory stays" :
		demo.vfio ? "its free pages unmapped (adjacent units in one UNMAP_DMA), then returned to the system" :
		"its free pages returned to the system");
	stats(&b);
	p1 = heap_pages();
	rte_free(buf);
	rte_malloc_heap_trim(NULL);
	p2 = heap_pages();
	for (i = 0; i < n_marks; i++) {
		marks[i].released = !page_in_use(marks[i].va);
		released += marks[i].released;
		whole_released += marks[i].whole && marks[i].released;
	}
	if (dyn)
		outcome(whole_released == n_whole && n_whole > 0 && delta_is(&b, -(int64_t)(p1 - p2)),
			"%u pages released, among them the %u wholly inside it; %s",
			p1 - p2, n_whole, DELTA(&b));
	else
		outcome(released == 0 && p1 == p2 && delta_is(&b, 0), "no page released; %s", DELTA(&b));
	if (demo.cur->failed)
		return step_end();

	for (i = 0; i < n_marks && dyn; i++) {
		if (!marks[i].released) {
			if (demo.dma)
				note("the page at IOVA 0x%" PRIx64 " stays mapped: it holds other allocations",
					RTE_ALIGN_FLOOR(marks[i].iova, (rte_iova_t)pgsz));
			continue;
		}
		if (dma_released("freed page", marks[i].pat, marks[i].iova) < 0)
			break;
	}
	return step_end();
}

static bool
chunk_overlaps(const uint8_t *c, size_t csz, const uint8_t *pg, size_t pgsz)
{
	return c != NULL && c < pg + pgsz && c + csz > pg;
}

/*
 * A spot of SPOT bytes inside one of our chunks and inside the page at
 * @p pg, in a chunk that does not touch the page at @p avoid (when not
 * NULL: the chunks touching it are the ones to be freed).
 */
static uint8_t *
chunk_spot(uint8_t *const *chunks, size_t csz, const uint8_t *pg, size_t pgsz,
		const uint8_t *avoid)
{
	unsigned int i;

	for (i = 0; i < CHUNKS; i++) {
		const uint8_t *lo, *hi;

		if (!chunk_overlaps(chunks[i], csz, pg, pgsz) ||
				(avoid != NULL && chunk_overlaps(chunks[i], csz, avoid, pgsz)))
			continue;
		lo = RTE_MAX((const uint8_t *)chunks[i], pg);
		hi = RTE_MIN((const uint8_t *)chunks[i] + csz, pg + pgsz);
		if ((size_t)(hi - lo) >= SPOT)
			return chunks[i] + (lo - chunks[i]);
	}
	return NULL;
}

int
demo_heap_neighbours(size_t pgsz)
{
	struct rte_vfio_container_stats b;
	uint8_t *chunks[CHUNKS] = { NULL };
	size_t csz = pgsz / 4;
	uint8_t *lo = NULL, *hi = NULL, *mid = NULL, *s_prev = NULL, *s_next = NULL, *s_mid;
	const struct rte_memseg *m0, *m1, *m2;
	struct mark mk;
	unsigned int i, freed = 0;
	bool iova_contig;

	step_begin(STEP_NEIGHBOURS, "freeing one page of three contiguous ones leaves its neighbours reachable");
	act("rte_malloc %u chunks of %s: expect them to fill several adjacent %s pages",
		CHUNKS, SZ(csz), SZ(pgsz));
	for (i = 0; i < CHUNKS; i++) {
		chunks[i] = rte_malloc("demo-a2", csz, 0);
		if (chunks[i] == NULL) {
			outcome(false, "rte_malloc: %s", rte_strerror(rte_errno));
			goto out;
		}
		if (lo == NULL || chunks[i] < lo)
			lo = chunks[i];
		if (hi == NULL || chunks[i] + csz > hi)
			hi = chunks[i] + csz;
	}
	step_peak();
	/* a middle page whose neighbours keep chunks that do not touch it */
	for (mid = RTE_PTR_ALIGN_FLOOR(lo, pgsz) + pgsz; mid + pgsz < hi; mid += pgsz) {
		s_prev = chunk_spot(chunks, csz, mid - pgsz, pgsz, mid);
		s_next = chunk_spot(chunks, csz, mid + pgsz, pgsz, mid);
		if (s_prev != NULL && s_next != NULL &&
				chunk_spot(chunks, csz, mid, pgsz, NULL) != NULL &&
				page_in_use(mid - pgsz) && page_in_use(mid) &&
				page_in_use(mid + pgsz))
			break;
	}
	if (mid + pgsz >= hi) {
		outcome(false, "the chunks do not span three adjacent pages with chunks of their own (from %p to %p)",
			(void *)lo, (void *)hi);
		goto out;
	}
	m0 = rte_mem_virt2memseg(mid - pgsz, NULL);
	m1 = rte_mem_virt2memseg(mid, NULL);
	m2 = rte_mem_virt2memseg(mid + pgsz, NULL);
	iova_contig = m0->iova + pgsz == m1->iova && m1->iova + pgsz == m2->iova;
	outcome(true, "%s spans pages at %p, %p, %p (IOVA 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ": %s)",
		"the heap", mid - pgsz, (void *)mid, mid + pgsz, m0->iova, m1->iova,
		m2->iova, iova_contig ? "contiguous in VA and IOVA" : "contiguous in VA");

	s_mid = chunk_spot(chunks, csz, mid, pgsz, NULL);
	mk.va = s_mid;
	mk.iova = rte_malloc_virt2iova(s_mid);
	fill_pattern(mk.pat, SPOT);
	memcpy(s_mid, mk.pat, SPOT);

	act("rte_free every chunk that touches the middle page, then rte_malloc_heap_trim: expect that page alone unmapped and released");
	stats(&b);
	for (i = 0; i < CHUNKS; i++)
		if (chunk_overlaps(chunks[i], csz, mid, pgsz)) {
			rte_free(chunks[i]);
			chunks[i] = NULL;
			freed++;
		}
	rte_malloc_heap_trim(NULL);
	if (outcome(!page_in_use(mid) && page_in_use(mid - pgsz) && page_in_use(mid + pgsz) &&
			delta_is(&b, -1),
			"%u chunks freed; the middle page %s, the one before it %s, the one after it %s; %s",
			freed, page_in_use(mid) ? "still in use" : "released",
			page_in_use(mid - pgsz) ? "in use" : "released",
			page_in_use(mid + pgsz) ? "in use" : "released", DELTA(&b)) < 0)
		goto out;

	if (dma_released("the released middle page", mk.pat, mk.iova) < 0)
		goto out;
	dma_reachable("the neighbours, across the hole", s_prev,
		rte_malloc_virt2iova(s_prev), s_next, rte_malloc_virt2iova(s_next));
out:
	for (i = 0; i < CHUNKS; i++)
		rte_free(chunks[i]);
	return step_end();
}
