/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo: the edu device opened through the PCI bus (its group's
 * replay of the heap) and the DMA proofs that mapped memory is reachable
 * and unmapped memory is not.
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

/* --- DMA proofs ---------------------------------------------------------------- */

void
fill_pattern(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		/* xorshift64; never a zero byte, which a blocked read returns */
		demo.rnd ^= demo.rnd << 13;
		demo.rnd ^= demo.rnd >> 7;
		demo.rnd ^= demo.rnd << 17;
		p[i] = (uint8_t)(demo.rnd >> 24) | 0x01;
	}
}

/*
 * Reachable: a fresh pattern at @p src goes RAM -> edu -> RAM to @p dst
 * (two plain transfers); it arrives only if the IOMMU let both through.
 */
int
dma_reachable(const char *what, uint8_t *src, rte_iova_t src_iova,
		uint8_t *dst, rte_iova_t dst_iova)
{
	uint8_t want[SPOT];
	size_t i;

	if (!demo.dma)
		return 0;
	act("DMA %d bytes RAM -> edu from IOVA 0x%" PRIx64 " and edu -> RAM to IOVA 0x%"
		PRIx64 " (%s): expect the pattern to arrive", SPOT, src_iova,
		dst_iova, what);
	fill_pattern(src, SPOT);
	memcpy(want, src, SPOT);
	for (i = 0; i < SPOT; i++)
		dst[i] = (uint8_t)~want[i];
	if (rte_edu_dma_to_dev(demo.edu, src_iova, 0, SPOT, 0) < 0 ||
			rte_edu_dma_from_dev(demo.edu, 0, dst_iova, SPOT, 0) < 0)
		return outcome(false, "the transfer failed on the device: %s",
			rte_strerror(rte_errno));
	if (memcmp(dst, want, SPOT) != 0)
		return outcome(false, "the data did not arrive: the IOMMU blocked the read of 0x%"
			PRIx64 " or the write to 0x%" PRIx64, src_iova, dst_iova);
	return outcome(true, "arrived: the device reached both addresses");
}

/*
 * Blocked, for memory the process still holds: a device read of @p iova
 * must not get the memory's data, a device write must leave it unchanged.
 */
int
dma_blocked(const char *what, uint8_t *va, rte_iova_t iova)
{
	uint8_t before[SPOT];
	struct logcap c;
	int r1, e1, r2, e2;

	if (!demo.dma)
		return 0;
	act("DMA RAM -> edu and edu -> RAM at IOVA 0x%" PRIx64 " (%s): expect both blocked, memory unchanged",
		iova, what);
	fill_pattern(va, SPOT);
	log_begin(&c);
	r1 = rte_edu_copy_to_dev(demo.edu, va, iova, 0, SPOT, 0);
	e1 = rte_errno;
	fill_pattern(va, SPOT);
	memcpy(before, va, SPOT);
	r2 = rte_edu_copy_from_dev(demo.edu, 0, va, iova, SPOT, 0);
	e2 = rte_errno;
	log_end(&c);
	if (r1 == 0 || e1 != EFAULT)
		return outcome(false, "the device read %s", r1 == 0 ?
			"the memory's data: not blocked" : rte_strerror(e1));
	if (r2 == 0 || e2 != EFAULT || memcmp(va, before, SPOT) != 0)
		return outcome(false, "the device write %s", r2 == 0 ?
			"reached the memory: not blocked" : rte_strerror(e2));
	return outcome(true, "blocked: the device read zeros, the memory kept its data (EFAULT from the checked copies)");
}

/*
 * Blocked, for memory already given back to the system (freed heap
 * pages): the page held @p pat at @p iova before the release. Were it
 * still mapped, the IOMMU would still pin it and a device read would
 * return @p pat.
 */
int
dma_released(const char *what, const uint8_t *pat, rte_iova_t iova)
{
	struct logcap c;
	int r, err;

	if (!demo.dma)
		return 0;
	act("DMA RAM -> edu from the old IOVA 0x%" PRIx64 " (%s): expect blocked, not the page's old data",
		iova, what);
	log_begin(&c);
	r = rte_edu_copy_to_dev(demo.edu, pat, iova, 0, SPOT, 0);
	err = rte_errno;
	log_end(&c);
	if (r == 0 || err != EFAULT)
		return outcome(false, "the device read %s", r == 0 ?
			"the page's old data: still mapped" : rte_strerror(err));
	return outcome(true, "blocked: the device read zeros");
}

/* --- the device ------------------------------------------------------------------- */

static struct rte_pci_device *
find_edu(char *why, size_t n)
{
	struct rte_pci_device *dev = NULL, *other = NULL;

	if (access(VFIO_CONTAINER_PATH, F_OK) != 0) {
		snprintf(why, n, "no %s: VFIO is not available here (the demo's VM has it: devtools/demo.sh)",
			VFIO_CONTAINER_PATH);
		return NULL;
	}
	if (rte_vfio_get_container_fd() < 0) {
		snprintf(why, n, "the EAL has no VFIO container (%s)",
			rte_strerror(rte_errno));
		return NULL;
	}
	while ((dev = rte_pci_find_by_id(RTE_EDU_VENDOR_ID, RTE_EDU_DEVICE_ID,
			dev)) != NULL) {
		if (strcmp(dev->kdrv, "vfio-pci") == 0 && dev->iommu_group >= 0)
			return dev;
		if (other == NULL)
			other = dev;
	}
	if (other != NULL)
		snprintf(why, n, "edu %s is bound to '%s' (IOMMU group %d), not vfio-pci with a group: echo 1234 11e8 > /sys/bus/pci/drivers/vfio-pci/new_id",
			other->name, other->kdrv[0] ? other->kdrv : "no driver",
			other->iommu_group);
	else
		snprintf(why, n, "no QEMU edu device (1234:11e8) on the PCI bus");
	return NULL;
}

static int
heap_units(void)
{
	struct rte_vfio_container_stats s;

	stats(&s);
	return (int)s.records;
}

void *early;             /* heap memory that exists before the device */

int
demo_device(void)
{
	struct rte_vfio_container_stats a, b;
	char why[512];

	step_begin(STEP_DEVICE, "open the first edu device bound to vfio-pci");
	demo.dev = find_edu(why, sizeof(why));
	if (demo.dev == NULL) {
		note("no device: %s", why);
		if (getenv("DPDK_TEST_IN_VM") != NULL)
			return step_abort("inside the test VM an edu device must be there");
		note("so no DMA proofs: running the memory-only part (heap, external heap, layout)");
		demo.vfio = false;
		/* held to the end, so that the layout shows a page in use */
		early = rte_malloc("demo-early", 64 << 10, 0);
		step_end();
		steps[STEP_DEVICE].ran = false;
		return 0;
	}
	act("rte_malloc 64 KiB before any device is open: expect its heap page(s) recorded, not yet in the kernel");
	early = rte_malloc("demo-early", 64 << 10, 0);
	if (early == NULL)
		return step_abort("rte_malloc: %s", rte_strerror(rte_errno));
	stats(&a);
	outcome(a.dma_entries == 0, "units: %d recorded, %" PRIu64 " in the kernel (no IOMMU group yet)",
		heap_units(), a.dma_entries);

	act("open %s (IOMMU group %d) through the PCI bus: expect its group to join the default container and every recorded unit to be replayed",
		demo.dev->name, demo.dev->iommu_group);
	if (rte_pci_open(demo.dev) < 0)
		return step_abort("rte_pci_open(%s): %s", demo.dev->name,
			rte_strerror(rte_errno));
	stats(&b);
	if (outcome(b.dma_entries == b.records && b.records == a.records,
			"open; units replayed: %" PRIu64 ", with %" PRIu64
			" MAP_DMA calls; kernel DMA_AVAIL %" PRIu64, b.dma_entries,
			b.map_calls - a.map_calls, b.dma_entries_avail) < 0)
		return step_end();

	act("probe the edu driver: expect id 0x010000ed, liveness, bus mastering, and its scratch page mapped (one unit)");
	demo.edu = rte_edu_probe(demo.dev);
	if (demo.edu == NULL)
		return step_abort("rte_edu_probe: %s", rte_strerror(rte_errno));
	demo.dma = true;
	outcome(delta_is(&b, 1), "edu id 0x%08x; %s", rte_edu_id(demo.edu), DELTA(&b));
	step_peak();
	return step_end();
}
