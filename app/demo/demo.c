/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo: the memory subsystem and its VFIO mappings, seen by an
 * application, proven by real device DMA.
 *
 *   memvfio-demo [EAL options]      in the VM: devtools/demo.sh
 *   memvfio-demo --no-huge          anywhere: the memory-only part
 *
 * With a QEMU edu device bound to vfio-pci (the VM of devtools/vm), the
 * demo opens it through the PCI bus and walks through the kinds of memory
 * a device can reach: heap pages, an external heap, user maps, and a map
 * the EAL refuses before asking the kernel. For each action it says what
 * it does, what it expects and what happened; the edu's DMA engine shows
 * that mapped memory is reachable and unmapped memory is not. A table of
 * what each step cost (units, DMA entries, kernel calls, time) follows,
 * then "demo: OK" or "demo: FAILED at <step>" (exit status 1).
 *
 * Without VFIO or an edu device it says why and runs the memory-only part
 * (heap, external heap, layout). Inside the test VM (DPDK_TEST_IN_VM=1) a
 * missing device is a failure, so that CI notices.
 *
 * A blocked DMA is not an error on the edu: the transfer completes, a
 * blocked write is dropped and a blocked read returns zeros. Only the data
 * tells (doc/guides/pci_edu.rst), so every proof compares data.
 *
 * demo_report.c narrates and counts, demo_device.c opens the device and
 * proves DMA, demo_heap.c and demo_maps.c hold the steps (a) to (d).
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

struct step steps[STEP_COUNT] = {
	[STEP_DEVICE] = { .name = "device + replay" },
	[STEP_HEAP] = { .name = "(a) heap buffer" },
	[STEP_NEIGHBOURS] = { .name = "(a) one page of 3" },
	[STEP_EXTERNAL] = { .name = "(b) external heap" },
	[STEP_USER] = { .name = "(c) user map" },
	[STEP_PAGED] = { .name = "(c) paged user map" },
	[STEP_REFUSED] = { .name = "(d) refused check" },
};

struct demo_state demo;

/* --- the kernel's own word ------------------------------------------------------------- */

/*
 * DMA entries left, asked of the kernel directly (VFIO_IOMMU_GET_INFO on
 * the container fd, outside the EAL): the EAL's counters keep a running
 * count, and this checks that the kernel agrees with it.
 */
static int64_t
kernel_dma_avail(void)
{
	union {
		struct vfio_iommu_type1_info info;
		uint8_t raw[1024];
	} u;
	const struct vfio_info_cap_header *cap;
	uint32_t off;
	int fd = rte_vfio_get_container_fd();

	memset(&u, 0, sizeof(u));
	u.info.argsz = sizeof(u);
	if (fd < 0 || ioctl(fd, VFIO_IOMMU_GET_INFO, &u.info) < 0 ||
			!(u.info.flags & VFIO_IOMMU_INFO_CAPS) || u.info.argsz > sizeof(u))
		return -1;
	for (off = u.info.cap_offset; off != 0 &&
			off + sizeof(struct vfio_iommu_type1_info_dma_avail) <= sizeof(u);
			off = cap->next) {
		cap = (const struct vfio_info_cap_header *)(u.raw + off);
		if (cap->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL)
			return ((const struct vfio_iommu_type1_info_dma_avail *)cap)->avail;
	}
	return -1;
}

static int
demo_kernel_check(void)
{
	struct rte_vfio_container_stats st;
	int64_t k = kernel_dma_avail();

	stats(&st);
	printf("\nthe kernel's own count (GET_INFO on the container fd, outside the EAL):\n");
	if (k < 0) {
		printf("  * DMA_AVAIL not reported by this kernel: nothing to compare\n");
		return 0;
	}
	act("expect the kernel's DMA_AVAIL to equal the EAL's count");
	if (outcome(st.dma_entries_avail == (uint64_t)k,
			"kernel DMA_AVAIL %" PRId64 ", the EAL's count %" PRIu64 " (%" PRIu64
			" units still mapped, %" PRIu64 " recorded)", k,
			st.dma_entries_avail, st.dma_entries, st.records) == 0)
		return 0;
	demo.failed_at = "kernel check";
	return -1;
}

/* --- main ------------------------------------------------------------------------------ */

struct layout {
	unsigned int lists, empty;
};

static int
print_list(const struct rte_memseg_list *msl, void *arg)
{
	struct layout *l = arg;

	l->lists++;
	if (msl->n_used == 0) {
		l->empty++;
		return 0;
	}
	printf("  %s list %p-%p: pages of %s, %u of %u in use (%s)\n",
		msl->external ? "external" : "heap", msl->base_va,
		(void *)((uint8_t *)msl->base_va + msl->len), SZ(msl->page_sz),
		msl->n_used, msl->n_segs, SZ((uint64_t)msl->n_used * msl->page_sz));
	return 0;
}

/* The layout, compactly: rte_dump_physmem_layout() lists every empty list. */
static int
demo_layout(void)
{
	struct layout l = { 0, 0 };

	printf("\nmemory layout at the end:\n");
	rte_memseg_list_walk(print_list, &l);
	printf("  %u memseg lists, %u of them empty (VA reserved for growth); %s of pages in use\n",
		l.lists, l.empty, SZ(rte_eal_get_physmem_size()));
	rte_malloc_dump_stats(stdout, NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_vfio_container_stats s;
	void *probe;
	size_t pgsz;
	bool dyn;
	int ret;

	/* the narration and the EAL's log (stderr) stay in order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	demo.rnd = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
	demo.sys_pg = (size_t)sysconf(_SC_PAGESIZE);

	printf("memvfio-demo: EAL init\n");
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		if (rte_errno == ECANCELED)     /* --help */
			return 0;
		printf("memvfio-demo: EAL init failed: %s\n", rte_strerror(rte_errno));
		printf("demo: FAILED at EAL init\n");
		return 1;
	}
	demo.vfio = rte_vfio_container_stats_get(CFD, &s) == 0;
	printf("  EAL up: %s, IOVA as %s%s, VFIO %s\n",
		rte_eal_has_hugepages() ? "hugepages" : "system pages",
		rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA",
		rte_eal_iova_mode_is_allocated() ? " (allocated by the EAL)" : "",
		demo.vfio ? "available (default container open, no group yet)" :
		"not available");

	ret = demo_device();
	if (ret == 0) {
		/* the heap's page size and mode, from a first small allocation */
		probe = rte_malloc("demo-probe", 64, 0);
		if (probe == NULL) {
			printf("memvfio-demo: rte_malloc: %s\n", rte_strerror(rte_errno));
			demo.failed_at = "heap";
			ret = -1;
		} else {
			pgsz = rte_mem_virt2memseg_list(probe)->page_sz;
			dyn = dynamic_pages(probe, heap_buffer_len(pgsz));
			rte_free(probe);
			ret = demo_heap_buffer(pgsz, dyn);
			if (ret == 0 && dyn)
				ret = demo_heap_neighbours(pgsz);
		}
	}
	if (ret == 0)
		ret = demo_external();
	if (ret == 0 && demo.dma)
		ret = demo_user_map();
	if (ret == 0 && demo.dma)
		ret = demo_paged_map();
	if (ret == 0 && demo.dma)
		ret = demo_refused();
	if (ret == 0 && demo.dma)
		ret = demo_kernel_check();
	if (ret == 0)
		demo_layout();

	print_table();

	if (demo.edu != NULL && rte_edu_remove(demo.edu) < 0)
		printf("memvfio-demo: rte_edu_remove: %s\n", rte_strerror(rte_errno));
	if (demo.dev != NULL && rte_pci_is_open(demo.dev) && rte_pci_close(demo.dev) < 0)
		printf("memvfio-demo: rte_pci_close: %s\n", rte_strerror(rte_errno));
	rte_free(early);
	if (rte_eal_cleanup() < 0) {
		printf("memvfio-demo: rte_eal_cleanup: %s\n", rte_strerror(rte_errno));
		if (demo.failed_at == NULL)
			demo.failed_at = "cleanup";
	}
	if (demo.failed_at != NULL) {
		printf("demo: FAILED at %s\n", demo.failed_at);
		return 1;
	}
	printf("demo: OK%s\n", demo.dma ? "" : " (memory only: no VFIO edu device here)");
	return 0;
}
