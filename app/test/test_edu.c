/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edu DMA driver on the real kernel (in the test VM): device DMA must
 * reach memory mapped through VFIO and must not reach memory that is not.
 * Outside the VM, where no edu device is bound to vfio-pci, it skips.
 * The test's buffers and the peer's BAR are user maps at test_iova_for()
 * (their address in IOVA as VA, an EAL IOVA block otherwise), so it runs
 * in every IOVA mode.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"

#define EDU_ID_1_0 0x010000ed
#define EDU_LIVENESS 0x04

struct edu_bufs {
	uint8_t *va;        /* two buffers: src at va, dst at va + half */
	uint64_t iova;      /* their IOVA (test_iova_for()), src's */
	size_t half;
	size_t len;         /* bytes moved per transfer */
};

/* The IOVAs of the two buffers: one user map covers both. */
#define SRC_IOVA(b) ((b)->iova)
#define DST_IOVA(b) ((b)->iova + (b)->half)

static int
bufs_alloc(struct edu_bufs *b)
{
	b->half = RTE_ALIGN_CEIL((size_t)RTE_EDU_BUF_SIZE, test_page_size());
	b->len = RTE_EDU_BUF_USABLE;
	b->va = test_dma_mmap(2 * b->half, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS);
	if (b->va == MAP_FAILED) {
		b->va = NULL;
		return -1;
	}
	b->iova = test_iova_for(b->va, 2 * b->half);
	if (b->iova == RTE_BAD_IOVA) {
		munmap(b->va, 2 * b->half);
		b->va = NULL;
		return -1;
	}
	return 0;
}

static void
bufs_free(struct edu_bufs *b)
{
	test_iova_release(b->iova, 2 * b->half);
	munmap(b->va, 2 * b->half);
}

static int
bufs_map(struct edu_bufs *b)
{
	return rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
		(uintptr_t)b->va, b->iova, 2 * b->half);
}

static int
bufs_unmap(struct edu_bufs *b)
{
	return rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
		(uintptr_t)b->va, b->iova, 2 * b->half);
}

static int
all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int
edu_probe_and_copy(struct rte_edu *edu, struct edu_bufs *b)
{
	uint8_t *src = b->va, *dst = b->va + b->half;
	size_t i;

	TEST_STEP("id register and liveness");
	TEST_ASSERT_EQUAL(rte_edu_id(edu), EDU_ID_1_0, "edu id register");
	TEST_ASSERT_SUCCESS(rte_edu_check_alive(edu), "liveness");
	TEST_ASSERT_EQUAL(rte_pci_get_bus_master(rte_edu_pci_dev(edu)), 1,
		"probe enables bus mastering");

	TEST_STEP("checked DMA RAM -> device -> RAM through mapped buffers");
	for (i = 0; i < b->len; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, b->len);
	TEST_ASSERT_SUCCESS(rte_edu_copy_to_dev(edu, src, SRC_IOVA(b), 0,
		b->len, 0), "RAM to device");
	TEST_ASSERT_SUCCESS(rte_edu_copy_from_dev(edu, 0, dst, DST_IOVA(b),
		b->len, 0), "device to RAM");
	TEST_ASSERT(memcmp(src, dst, b->len) == 0, "data came back");

	TEST_STEP("plain DMA at an offset, polled");
	memset(dst, 0xee, b->len);
	TEST_ASSERT_SUCCESS(rte_edu_dma_from_dev(edu, 256, DST_IOVA(b), 512, 0),
		"device to RAM at offset 256");
	TEST_ASSERT(memcmp(dst, src + 256, 512) == 0, "the offset's data landed");
	TEST_ASSERT(all_bytes(dst + 512, b->len - 512, 0xee), "nothing past the count");
	return TEST_SUCCESS;
}

static int
edu_bad_input(struct rte_edu *edu, struct edu_bufs *b)
{
	rte_iova_t iova = SRC_IOVA(b);

	TEST_STEP("bad input: range outside the device buffer, len 0, flags");
	TEST_ASSERT_ERRNO(rte_edu_dma_to_dev(edu, iova, 1, RTE_EDU_BUF_USABLE, 0),
		EINVAL, "one byte past the usable buffer");
	TEST_ASSERT_ERRNO(rte_edu_dma_to_dev(edu, iova, 0, RTE_EDU_BUF_SIZE, 0),
		EINVAL, "up to the buffer's end (aborts QEMU 7.2)");
	TEST_ASSERT_ERRNO(rte_edu_dma_to_dev(edu, iova, RTE_EDU_BUF_USABLE, 1, 0),
		EINVAL, "offset at the end");
	TEST_ASSERT_ERRNO(rte_edu_dma_from_dev(edu, 0, iova, 0, 0), EINVAL, "len 0");
	TEST_ASSERT_ERRNO(rte_edu_dma_from_dev(edu, 0, iova, 8, 0x80), EINVAL,
		"unknown flag");
	TEST_ASSERT_ERRNO(rte_edu_dma_from_dev(edu, 0, iova, 8, RTE_EDU_DMA_IRQ),
		EINVAL, "IRQ completion without MSI enabled");
	TEST_ASSERT_ERRNO(rte_edu_copy_to_dev(edu, NULL, iova, 0, 8, 0), EINVAL,
		"checked copy without a source address");
	TEST_ASSERT_ERRNO(rte_edu_dma_to_dev(NULL, iova, 0, 8, 0), EINVAL, "no device");
	TEST_ASSERT_ERRNO(rte_edu_set_timeout(edu, 0), EINVAL, "timeout 0");
	return TEST_SUCCESS;
}

static int
edu_timeout(struct rte_edu *edu, struct edu_bufs *b)
{
	rte_iova_t iova = SRC_IOVA(b);
	int i;

	TEST_STEP("a device slower than the timeout gives ETIMEDOUT, then EBUSY");
	TEST_ASSERT_SUCCESS(rte_edu_set_timeout(edu, 1), "1 ms timeout");
	TEST_ASSERT_ERRNO(rte_edu_dma_to_dev(edu, iova, 0, 8, 0), ETIMEDOUT,
		"QEMU's edu needs about 100 ms per transfer");
	TEST_ASSERT_ERRNO(rte_edu_dma_to_dev(edu, iova, 0, 8, 0), EBUSY,
		"the first transfer is still running");
	TEST_ASSERT_SUCCESS(rte_edu_set_timeout(edu, RTE_EDU_DEFAULT_TIMEOUT_MS),
		"default timeout");
	/* let the timed-out transfer finish before the next step */
	for (i = 0; i < 100; i++) {
		if (rte_edu_dma_to_dev(edu, iova, 0, 8, 0) == 0)
			return TEST_SUCCESS;
		TEST_ASSERT_EQUAL(rte_errno, EBUSY, "only busy while it finishes");
		usleep(50 * 1000);
	}
	TEST_FAIL_MSG("the edu stayed busy for 5 s");
	return TEST_FAILED;
}

static int
edu_blocked(struct rte_edu *edu, struct edu_bufs *b)
{
	uint8_t *src = b->va, *dst = b->va + b->half;

	TEST_STEP("unmapped memory is unreachable: checked DMA reports EFAULT");
	TEST_ASSERT_SUCCESS(rte_edu_copy_to_dev(edu, src, SRC_IOVA(b), 0,
		b->len, 0), "device buffer holds src");
	TEST_ASSERT_SUCCESS(bufs_unmap(b), "unmap the buffers");
	memset(dst, 0x5a, b->len);
	TEST_ASSERT_ERRNO(rte_edu_copy_from_dev(edu, 0, dst, DST_IOVA(b),
		b->len, 0), EFAULT, "DMA write to an unmapped IOVA");
	TEST_ASSERT(all_bytes(dst, b->len, 0x5a), "unmapped memory unchanged");
	TEST_ASSERT_SUCCESS(rte_edu_dma_from_dev(edu, 0, DST_IOVA(b), b->len, 0),
		"a blocked transfer still completes on the device (not a timeout)");
	TEST_ASSERT(all_bytes(dst, b->len, 0x5a), "unmapped memory unchanged");
	TEST_ASSERT_ERRNO(rte_edu_copy_to_dev(edu, src, SRC_IOVA(b), 0,
		b->len, 0), EFAULT, "DMA read of an unmapped IOVA");

	TEST_STEP("mapped again, reachable again");
	TEST_ASSERT_SUCCESS(bufs_map(b), "remap the buffers");
	/* what the blocked read left in the device buffer (see pci_edu.rst) */
	TEST_ASSERT_SUCCESS(rte_edu_dma_from_dev(edu, 0, DST_IOVA(b), b->len, 0),
		"read the device buffer back");
	TEST_ASSERT(memcmp(dst, src, b->len) != 0, "the blocked read delivered nothing of src");
	printf("    device buffer after a blocked read: %s\n",
		all_bytes(dst, b->len, 0) ? "zeros" : "not zeros");
	TEST_ASSERT_SUCCESS(rte_edu_copy_to_dev(edu, src, SRC_IOVA(b), 0,
		b->len, 0), "RAM to device after remap");
	TEST_ASSERT_SUCCESS(rte_edu_copy_from_dev(edu, 0, dst, DST_IOVA(b),
		b->len, 0), "device to RAM after remap");
	TEST_ASSERT(memcmp(src, dst, b->len) == 0, "data came back");
	return TEST_SUCCESS;
}

static int
edu_msi(struct rte_edu *edu, struct edu_bufs *b)
{
	uint8_t *src = b->va, *dst = b->va + b->half;
	size_t i;

	TEST_STEP("completion by MSI");
	TEST_ASSERT_SUCCESS(rte_edu_irq_enable(edu), "enable MSI");
	for (i = 0; i < b->len; i++)
		src[i] = (uint8_t)(0xff - i);
	memset(dst, 0, b->len);
	TEST_ASSERT_SUCCESS(rte_edu_copy_to_dev(edu, src, SRC_IOVA(b), 0,
		b->len, RTE_EDU_DMA_IRQ), "RAM to device, MSI completion");
	TEST_ASSERT_SUCCESS(rte_edu_dma_from_dev(edu, 0, DST_IOVA(b), b->len,
		RTE_EDU_DMA_IRQ), "device to RAM, MSI completion");
	TEST_ASSERT(memcmp(src, dst, b->len) == 0, "data came back");
	TEST_ASSERT_ERRNO(rte_pci_irq_wait(rte_edu_pci_dev(edu), 0, 10), ETIMEDOUT,
		"no interrupt pending once consumed");
	TEST_ASSERT_SUCCESS(rte_edu_irq_disable(edu), "disable MSI");
	TEST_ASSERT_ERRNO(rte_pci_irq_wait(rte_edu_pci_dev(edu), 0, 10), EINVAL,
		"no vector once disabled");
	return TEST_SUCCESS;
}

/* Device A writes into device B's liveness register through the IOMMU. */
static int
edu_p2p_bar(struct rte_edu *a, struct rte_edu *b, struct edu_bufs *bufs,
		uint8_t *bar, uint64_t bar_iova, uint64_t bar_len)
{
	const uint32_t v = 0x600dcafe;
	bool no_bar = test_vfio_maps_no_bar();

	if (no_bar) {
		/*
		 * native iommufd and its emulation of the type1 container map
		 * no BAR by its address: refused, not mapped
		 */
		TEST_STEP("%s: B's BAR0 by address refused (ENOTSUP), A's DMA there blocked",
			rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV ? "cdev mode" :
			"iommufd's type1 emulation");
		TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
			(uintptr_t)bar, bar_iova, bar_len), ENOTSUP,
			"map B's BAR0 by address on iommufd");
	} else {
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
			(uintptr_t)bar, bar_iova, bar_len), "map B's BAR0 for DMA");
	}
	memcpy(bufs->va, &v, sizeof(v));
	TEST_ASSERT_SUCCESS(rte_edu_copy_to_dev(a, bufs->va, SRC_IOVA(bufs),
		0, sizeof(v), 0), "value into A's buffer");
	if (!no_bar) {
		rte_edu_write_liveness(b, 0);
		TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), 0xffffffff, "B's register before");
		TEST_ASSERT_SUCCESS(rte_edu_dma_from_dev(a, 0, bar_iova + EDU_LIVENESS,
			sizeof(v), 0), "A to B's liveness register");
		TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), (uint32_t)~v,
			"B's register holds the inverse of what A wrote");
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
			(uintptr_t)bar, bar_iova, bar_len), "unmap B's BAR0");
		TEST_STEP("peer to peer after the unmap is blocked");
	}
	rte_edu_write_liveness(b, 0);
	TEST_ASSERT_SUCCESS(rte_edu_dma_from_dev(a, 0, bar_iova + EDU_LIVENESS,
		sizeof(v), 0), "A to B's unmapped BAR completes");
	TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), 0xffffffff,
		"B's register unchanged");
	return TEST_SUCCESS;
}

static int
edu_p2p(struct rte_edu *a, struct rte_edu *b, struct edu_bufs *bufs)
{
	struct rte_pci_device *bdev = rte_edu_pci_dev(b);
	struct rte_pci_region ri;
	uint64_t bar_iova;
	uint8_t *bar;
	int ret;

	TEST_STEP("peer to peer: %s DMA into %s's BAR0", rte_edu_pci_dev(a)->name,
		bdev->name);
	TEST_ASSERT_SUCCESS(rte_pci_region_info(bdev, 0, &ri), "BAR0 info");
	TEST_ASSERT(ri.mmappable && ri.size >= test_page_size(), "BAR0 mmap-able");
	bar = rte_pci_map_bar(bdev, 0);
	TEST_ASSERT_NOT_NULL(bar, "BAR0 mapping (the probe's)");
	bar_iova = test_iova_for(bar, ri.size);
	TEST_ASSERT(bar_iova != RTE_BAD_IOVA, "an IOVA for B's BAR0 (IOVA mode %s): %s",
		test_iova_mode_name(), rte_strerror(rte_errno));
	ret = edu_p2p_bar(a, b, bufs, bar, bar_iova, ri.size);
	test_iova_release(bar_iova, ri.size);
	return ret;
}

static int
edu_run(struct rte_pci_device *deva, struct rte_pci_device *devb)
{
	struct rte_edu *a, *b = NULL;
	struct edu_bufs bufs;
	int ret;

	TEST_ASSERT_SUCCESS(bufs_alloc(&bufs), "buffers and their IOVA (IOVA mode %s): %s",
		test_iova_mode_name(), rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(bufs_map(&bufs), "map the buffers for DMA");
	a = rte_edu_probe(deva);
	TEST_ASSERT_NOT_NULL(a, "probe %s: %s", deva->name, rte_strerror(rte_errno));
	ret = edu_probe_and_copy(a, &bufs);
	if (ret == TEST_SUCCESS)
		ret = edu_bad_input(a, &bufs);
	if (ret == TEST_SUCCESS)
		ret = edu_timeout(a, &bufs);
	if (ret == TEST_SUCCESS)
		ret = edu_blocked(a, &bufs);
	if (ret == TEST_SUCCESS)
		ret = edu_msi(a, &bufs);
	if (ret == TEST_SUCCESS && devb != NULL) {
		b = rte_edu_probe(devb);
		TEST_ASSERT_NOT_NULL(b, "probe %s: %s", devb->name,
			rte_strerror(rte_errno));
		ret = edu_p2p(a, b, &bufs);
	} else if (ret == TEST_SUCCESS) {
		printf("  (one edu device only: peer to peer not tested)\n");
	}
	if (b != NULL)
		TEST_ASSERT_SUCCESS(rte_edu_remove(b), "remove B");
	TEST_ASSERT_SUCCESS(rte_edu_remove(a), "remove A");
	TEST_ASSERT(!rte_pci_is_open(deva), "the probe's open is undone");
	if (ret == TEST_SUCCESS)
		TEST_ASSERT_SUCCESS(bufs_unmap(&bufs), "unmap the buffers");
	bufs_free(&bufs);
	return ret;
}

static int
test_edu(void)
{
	struct rte_pci_device *deva, *devb;
	int ret;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	deva = test_vfio_edu(NULL);
	if (deva == NULL || !test_vfio_is_kernel()) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("no QEMU edu device (1234:11e8) bound to vfio-pci on the real kernel: run it in the VM (devtools/vm/run.sh --tests edu_autotest)");
	}
	devb = test_vfio_edu(deva);
	printf("  IOVA mode %s\n", test_iova_mode_name());
	ret = edu_run(deva, devb);
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(edu_autotest, test_edu);
