/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo steps (b) to (d): an external heap, user maps (whole and
 * paged), and a map the EAL refuses before asking the kernel.
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

/* --- (b) external memory ----------------------------------------------------------- */

static rte_iova_t user_iova(const void *va, size_t len);

int
demo_external(void)
{
	struct rte_vfio_container_stats a, b;
	size_t len = EXT_HEAP_LEN, pg = demo.sys_pg;
	size_t olen = 1 << 20;
	bool has_iova, added = false, created = false;
	uint8_t *va, *obj = NULL;
	rte_iova_t oiova = RTE_BAD_IOVA, base = RTE_BAD_IOVA, *iovas = NULL;
	size_t i;
	int fd, socket;

	step_begin(STEP_EXTERNAL, "an external heap over memory the application mapped itself");
	act("memfd + mmap %s of system pages (%s each): %zu pages", SZ(len), SZ(pg), len / pg);
	fd = memfd_create("memvfio-demo", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) < 0) {
		outcome(false, "memfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return step_end();
	}
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (va == MAP_FAILED)
		return step_abort("mmap: %s", strerror(errno));
	outcome(true, "at %p", (void *)va);

	/*
	 * The application gives the IOVAs (as DPDK 22.11 requires: without a
	 * table the pages have none): the VA, or an allocated block; none in
	 * IOVA as PA, where this memory is not physically contiguous.
	 */
	has_iova = rte_eal_iova_mode() == RTE_IOVA_VA || rte_eal_iova_mode_is_allocated();
	if (has_iova) {
		base = user_iova(va, len);
		iovas = malloc(len / pg * sizeof(*iovas));
		if (base == RTE_BAD_IOVA || iovas == NULL) {
			outcome(false, "IOVA table: %s", rte_strerror(rte_errno));
			goto out;
		}
		for (i = 0; i < len / pg; i++)
			iovas[i] = base + i * pg;
	}
	act("rte_malloc_heap_create + rte_malloc_heap_memory_add: expect %s",
		!demo.vfio ? "the memory in the heap (no VFIO: nothing to map)" :
		has_iova ? "ONE unit = ONE DMA entry for all of it (DPDK: one per page)" :
		"no mapping: IOVA as PA and no IOVAs given");
	stats(&a);
	if (rte_malloc_heap_create(EXT_HEAP_NAME) < 0) {
		outcome(false, "rte_malloc_heap_create: %s", rte_strerror(rte_errno));
		goto out;
	}
	created = true;
	if (rte_malloc_heap_memory_add(EXT_HEAP_NAME, va, len, iovas,
			(unsigned int)(len / pg), pg) < 0) {
		outcome(false, "rte_malloc_heap_memory_add: %s", rte_strerror(rte_errno));
		goto out;
	}
	added = true;
	step_peak();
	if (outcome(delta_is(&a, has_iova ? 1 : 0), "%zu pages added; %s", len / pg,
			DELTA(&a)) < 0)
		goto out;

	socket = rte_malloc_heap_get_socket(EXT_HEAP_NAME);
	act("rte_malloc_socket %s from it (socket %d): expect memory inside the region, reachable by DMA",
		SZ(olen), socket);
	obj = rte_malloc_socket("demo-b", olen, 0, socket);
	if (obj == NULL || obj < va || obj + olen > va + len) {
		outcome(false, "rte_malloc_socket: %s", obj == NULL ?
			rte_strerror(rte_errno) : "outside the external memory");
		goto out;
	}
	oiova = rte_malloc_virt2iova(obj);
	if (outcome(true, "at %p, IOVA 0x%" PRIx64, (void *)obj, oiova) < 0)
		goto out;
	if (has_iova && dma_reachable("start and end of the allocation", obj, oiova,
			obj + olen - SPOT, oiova + olen - SPOT) < 0)
		goto out;

	act("rte_free it, rte_malloc_heap_memory_remove: expect the one unit unmapped in one kernel call");
	rte_free(obj);
	stats(&b);
	if (rte_malloc_heap_memory_remove(EXT_HEAP_NAME, va, len) < 0) {
		outcome(false, "rte_malloc_heap_memory_remove: %s", rte_strerror(rte_errno));
		goto out;
	}
	added = false;
	if (outcome(delta_is(&b, has_iova ? -1 : 0), "%s", DELTA(&b)) < 0)
		goto out;
	/* the memory is still the process's: the proof can look at it */
	if (has_iova)
		dma_blocked("the removed allocation", obj, oiova);
out:
	if (added && rte_malloc_heap_memory_remove(EXT_HEAP_NAME, va, len) < 0)
		outcome(false, "rte_malloc_heap_memory_remove: %s", rte_strerror(rte_errno));
	if (created && rte_malloc_heap_destroy(EXT_HEAP_NAME) < 0)
		outcome(false, "rte_malloc_heap_destroy: %s", rte_strerror(rte_errno));
	if (base != RTE_BAD_IOVA && rte_eal_iova_mode_is_allocated())
		rte_mem_iova_free(base, len);
	free(iovas);
	munmap(va, len);
	return step_end();
}

/* --- (c) user maps ------------------------------------------------------------------ */

/* An IOVA for memory the application maps itself, in the EAL's IOVA mode. */
static rte_iova_t
user_iova(const void *va, size_t len)
{
	if (rte_eal_iova_mode_is_allocated())
		return rte_mem_iova_alloc(len, demo.sys_pg);
	/* IOVA as VA; as PA, user VAs do not collide with physical addresses */
	return (rte_iova_t)(uintptr_t)va;
}

static void
user_iova_free(rte_iova_t iova, size_t len)
{
	if (rte_eal_iova_mode_is_allocated() && iova != RTE_BAD_IOVA)
		rte_mem_iova_free(iova, len);
}

static uint8_t *
map_pages(size_t len)
{
	void *va = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return va == MAP_FAILED ? NULL : va;
}

/* A step's buffer of len bytes and an IOVA for it (RTE_BAD_IOVA: none to be had). */
static uint8_t *
user_buffer(size_t len, rte_iova_t *iova)
{
	uint8_t *va = map_pages(len);

	*iova = va != NULL ? user_iova(va, len) : RTE_BAD_IOVA;
	return va;
}

/* A call the step needs: when it failed (ret < 0), its error is the step's outcome. */
static int
needed(int ret)
{
	if (ret < 0)
		outcome(false, "%s", rte_strerror(rte_errno));
	return ret;
}

int
demo_user_map(void)
{
	struct rte_vfio_container_stats a, b;
	size_t pg = demo.sys_pg, len = USER_PAGES * pg;
	struct logcap c;
	rte_iova_t iova;
	uint8_t *va;
	bool mapped = false;
	int ret, err;

	step_begin(STEP_USER, "rte_vfio_container_dma_map of the application's own buffer");
	va = user_buffer(len, &iova);
	if (va == NULL)
		return step_abort("mmap: %s", strerror(errno));
	act("map %s at %p, IOVA 0x%" PRIx64 ": expect one unit, one DMA entry, one kernel call",
		SZ(len), (void *)va, iova);
	stats(&a);
	if (needed(iova == RTE_BAD_IOVA ? -1 :
			rte_vfio_container_dma_map(CFD, (uintptr_t)va, iova, len)) < 0)
		goto out;
	mapped = true;
	step_peak();
	if (outcome(delta_is(&a, 1), "%s", DELTA(&a)) < 0)
		goto out;
	if (dma_reachable("first and last page", va, iova, va + len - SPOT,
			iova + len - SPOT) < 0)
		goto out;

	act("unmap one page in its middle: expect ENOTSUP (a one-shot map is one unit) and nothing unmapped");
	stats(&b);
	log_begin(&c);
	ret = rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + 4 * pg, iova + 4 * pg, pg);
	err = rte_errno;
	log_end(&c);
	if (outcome(ret < 0 && err == ENOTSUP && delta_is(&b, 0) &&
			strstr(c.first, "dma_map_paged") != NULL,
			"%s, the log line names the fix; %s",
			ret < 0 ? rte_strerror(err) : "it was unmapped",
			DELTA(&b)) < 0)
		goto out;

	act("unmap it whole: expect the unit gone, one kernel call");
	stats(&b);
	if (needed(rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, iova, len)) < 0)
		goto out;
	mapped = false;
	if (outcome(delta_is(&b, -1), "%s", DELTA(&b)) < 0)
		goto out;
	dma_blocked("the unmapped buffer", va, iova);
out:
	if (mapped)
		rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, iova, len);
	user_iova_free(iova, len);
	munmap(va, len);
	return step_end();
}

int
demo_paged_map(void)
{
	struct rte_vfio_container_stats a, b;
	size_t pg = demo.sys_pg, len = PAGED_PAGES * pg;
	rte_iova_t iova;
	uint8_t *va;
	bool mapped = false, hole = false;

	step_begin(STEP_PAGED, "rte_vfio_container_dma_map_paged: one unit per page, so any page can go");
	va = user_buffer(len, &iova);
	if (va == NULL)
		return step_abort("mmap: %s", strerror(errno));
	act("map %s at %p, IOVA 0x%" PRIx64 " in pages of %s: expect %d units, %d DMA entries",
		SZ(len), (void *)va, iova, SZ(pg), PAGED_PAGES, PAGED_PAGES);
	stats(&a);
	if (needed(iova == RTE_BAD_IOVA ? -1 :
			rte_vfio_container_dma_map_paged(CFD, (uintptr_t)va, iova, len, pg)) < 0)
		goto out;
	mapped = true;
	step_peak();
	if (outcome(delta_is(&a, PAGED_PAGES), "%s", DELTA(&a)) < 0)
		goto out;

	act("unmap page %d of %d: expect that unit alone gone, one kernel call",
		PAGED_HOLE, PAGED_PAGES);
	stats(&b);
	if (needed(rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + PAGED_HOLE * pg,
			iova + PAGED_HOLE * pg, pg)) < 0)
		goto out;
	hole = true;
	if (outcome(delta_is(&b, -1), "%s", DELTA(&b)) < 0)
		goto out;
	if (dma_blocked("the unmapped page", va + PAGED_HOLE * pg,
			iova + PAGED_HOLE * pg) < 0)
		goto out;
	if (dma_reachable("the pages on either side of the hole",
			va + PAGED_HOLE * pg - SPOT, iova + PAGED_HOLE * pg - SPOT,
			va + (PAGED_HOLE + 1) * pg, iova + (PAGED_HOLE + 1) * pg) < 0)
		goto out;

	act("unmap pages 0-%d and %d-%d: expect %d and %d units gone in one kernel call each",
		PAGED_HOLE - 1, PAGED_HOLE + 1, PAGED_PAGES - 1, PAGED_HOLE,
		PAGED_PAGES - PAGED_HOLE - 1);
	stats(&b);
	if (needed(rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, iova, PAGED_HOLE * pg) < 0 ?
			-1 : rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + (PAGED_HOLE + 1) * pg,
				iova + (PAGED_HOLE + 1) * pg,
				(PAGED_PAGES - PAGED_HOLE - 1) * pg)) < 0)
		goto out;
	mapped = false;
	outcome(delta_is(&b, -(PAGED_PAGES - 1)), "%s", DELTA(&b));
out:
	if (mapped) {
		/* whatever is left, page by page */
		size_t i;

		for (i = 0; i < PAGED_PAGES; i++)
			if (!(hole && i == PAGED_HOLE))
				rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + i * pg,
					iova + i * pg, pg);
	}
	user_iova_free(iova, len);
	munmap(va, len);
	return step_end();
}

/* --- (d) a check before the kernel ---------------------------------------------------- */

int
demo_refused(void)
{
	struct rte_vfio_container_stats a, b;
	size_t pg = demo.sys_pg;
	struct logcap c;
	uint8_t *va;
	int ret, err;

	step_begin(STEP_REFUSED, "a request the EAL refuses before any kernel call");
	va = map_pages(pg);
	if (va == NULL)
		return step_abort("mmap: %s", strerror(errno));
	act("map %s at IOVA 0x%llx, the x86 MSI window: expect ERANGE with the window named, no kernel call",
		SZ(pg), MSI_WINDOW_IOVA);
	stats(&a);
	log_begin(&c);
	ret = rte_vfio_container_dma_map(CFD, (uintptr_t)va, MSI_WINDOW_IOVA, pg);
	err = rte_errno;
	log_end(&c);
	stats(&b);
	if (ret == 0)
		rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, MSI_WINDOW_IOVA, pg);
	outcome(ret < 0 && err == ERANGE && strstr(c.first, "0xfee00000") != NULL &&
		kernel_calls(&a, &b) == 0 && b.map_calls == a.map_calls &&
		b.refused_checks == a.refused_checks + 1,
		"%s; kernel calls %" PRIu64 ", refused before the kernel %" PRIu64,
		ret < 0 ? rte_strerror(err) : "it was mapped",
		kernel_calls(&a, &b), b.refused_checks - a.refused_checks);
	munmap(va, pg);
	return step_end();
}
