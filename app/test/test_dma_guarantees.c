/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the device can reach when the application misuses or combines the
 * memory and VFIO API in ways that touch the kernel, proven by DMA: on the
 * model the model's mappings stand in for DMA (dma_proof.h); in the VM an
 * edu device bound to vfio-pci reads and writes the memory through the
 * real IOMMU, so "mapped" means a transfer lands and "unmapped" means the
 * IOMMU blocks it. The model-only tests of the same rules (log lines,
 * record counts, the state before the fix) are in test_mem_event_guard.c,
 * test_vfio_map_bounds.c and test_iova_windows.c.
 *
 * - the VFIO component's mem event callback cannot be unregistered, so
 *   heap growth after the attempt is still reachable by the device;
 * - rte_extmem_unregister() under a user map is refused (EBUSY) and the
 *   region stays reachable until the map goes;
 * - rte_dev_dma_map() of a device whose group the application bound to
 *   its own container maps there, where the device's DMA lands;
 * - a group the application bound stays bound after its last device is
 *   released: the application's map survives and the device reaches it
 *   again when it is set up anew.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "dma_proof.h"

#define VFIO_CB_NAME "vfio_dma_map"

/* EAL, then the device (edu in the VM, a model group outside), opened or not. */
static int
start(bool open, const char *mem_mode)
{
	TEST_ASSERT(test_eal_init("--no-huge", mem_mode, NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	return dma_proof_setup(open);
}

static void
stop(void)
{
	dma_proof_close();
	rte_eal_cleanup();
}

static int
mem_event_guard_dma(void)
{
	size_t len = 3 * test_page_size();
	uint8_t *p;
	int ret = start(true, "--dynamic-mem");

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_STEP("unregister of the VFIO callback is refused (EPERM)");
	rte_errno = 0;
	if (rte_mem_event_callback_unregister(VFIO_CB_NAME, NULL) != -1 ||
			rte_errno != EPERM) {
		TEST_FAIL_MSG("unregister of %s: rte_errno %d (%s), expected EPERM",
			VFIO_CB_NAME, rte_errno, rte_strerror(rte_errno));
		goto fail;
	}
	TEST_STEP("heap growth after the attempt: the device reaches the new memory");
	p = rte_malloc(NULL, len, 0);
	if (p == NULL) {
		TEST_FAIL_MSG("rte_malloc: %s", rte_strerror(rte_errno));
		goto fail;
	}
	if (dma_proof_reachable(p, rte_malloc_virt2iova(p), len) < 0) {
		rte_free(p);
		goto fail;
	}
	rte_free(p);
	stop();
	return TEST_SUCCESS;
fail:
	stop();
	return TEST_FAILED;
}
REGISTER_TEST_COMMAND(dma_guard_mem_event_autotest, mem_event_guard_dma);

/*
 * A guard's last step: the mapping is undone (unmap_ret < 0: that failed,
 * named by what), then the device must be blocked from the buffer.
 */
static int
unmapped_blocked(int unmap_ret, const char *what, void *buf, uint64_t iova, size_t len)
{
	if (unmap_ret < 0) {
		TEST_FAIL_MSG("%s: %s", what, rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	return dma_proof_blocked(buf, iova, len) < 0 ? TEST_FAILED : TEST_SUCCESS;
}

static int
extmem_busy_dma(void)
{
	size_t pg = test_page_size(), len = 4 * pg;
	uint64_t iova = RTE_BAD_IOVA;
	uint8_t *buf;
	int ret = start(true, NULL), res = TEST_FAILED;

	if (ret != TEST_SUCCESS)
		return ret;
	buf = test_dma_mmap(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_POPULATE);
	if (buf == MAP_FAILED) {
		TEST_FAIL_MSG("mmap");
		goto out_eal;
	}
	iova = test_iova_for(buf, len);
	if (iova == RTE_BAD_IOVA) {
		TEST_FAIL_MSG("IOVA: %s", rte_strerror(rte_errno));
		goto out;
	}
	if (rte_extmem_register(buf, len, NULL, 0, pg) < 0 ||
			rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
				(uintptr_t)buf, iova, len) < 0) {
		TEST_FAIL_MSG("register and map: %s", rte_strerror(rte_errno));
		goto out;
	}
	TEST_STEP("rte_extmem_unregister under the user map: EBUSY, still reachable");
	rte_errno = 0;
	if (rte_extmem_unregister(buf, len) != -1 || rte_errno != EBUSY) {
		TEST_FAIL_MSG("unregister: rte_errno %d (%s), expected EBUSY",
			rte_errno, rte_strerror(rte_errno));
		goto out;
	}
	if (dma_proof_reachable(buf, iova, len) < 0)
		goto out;
	TEST_STEP("after the unmap: unregister works, the device is blocked");
	ret = rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
			(uintptr_t)buf, iova, len) < 0 || rte_extmem_unregister(buf, len) < 0 ?
		-1 : 0;
	res = unmapped_blocked(ret, "unmap and unregister", buf, iova, len);
out:
	if (iova != RTE_BAD_IOVA)
		test_iova_release(iova, len);
	munmap(buf, len);
out_eal:
	stop();
	return res;
}
REGISTER_TEST_COMMAND(dma_guard_extmem_busy_autotest, extmem_busy_dma);

/*
 * The device's group in a container the application created (bound before
 * the device is opened, so the device opens there); a buffer of the test.
 */
struct own {
	int cfd;
	size_t len;
	uint8_t *buf;
	uint64_t iova;
};

static int
own_container(struct own *o)
{
	o->len = 2 * test_page_size();
	o->iova = RTE_BAD_IOVA;
	o->buf = test_dma_mmap(o->len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
	o->cfd = rte_vfio_container_create();
	if (o->buf == MAP_FAILED || o->cfd < 0 ||
			rte_vfio_container_group_bind(o->cfd, dma_proof_group()) < 0) {
		TEST_FAIL_MSG("the application's container with group %d: %s",
			dma_proof_group(), rte_strerror(rte_errno));
		return -1;
	}
	dma_proof_set_container(o->cfd);
	o->iova = test_iova_for(o->buf, o->len);
	if (o->iova == RTE_BAD_IOVA) {
		TEST_FAIL_MSG("IOVA: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
own_release(struct own *o)
{
	int ret = 0;

	dma_proof_close();
	dma_proof_set_container(RTE_VFIO_DEFAULT_CONTAINER_FD);
	if (o->cfd >= 0 && (rte_vfio_container_group_unbind(o->cfd,
			dma_proof_group()) < 0 || rte_vfio_container_destroy(o->cfd) < 0)) {
		TEST_FAIL_MSG("unbind and destroy the application's container: %s",
			rte_strerror(rte_errno));
		ret = -1;
	}
	if (o->iova != RTE_BAD_IOVA)
		test_iova_release(o->iova, o->len);
	if (o->buf != MAP_FAILED)
		munmap(o->buf, o->len);
	rte_eal_cleanup();
	return ret;
}

static int
dev_dma_container_dma(void)
{
	struct own o = { .cfd = -1 };
	struct rte_device *dev;
	uint64_t n_def, n_own;
	int ret = start(false, NULL), res = TEST_FAILED;

	if (ret != TEST_SUCCESS)
		return ret;
	if (own_container(&o) < 0)
		goto out;
	if (dma_proof_open() < 0) {
		TEST_FAIL_MSG("open %s in the application's container: %s",
			dma_proof_device()->name, rte_strerror(rte_errno));
		goto out;
	}
	dev = dma_proof_device()->device;
	TEST_STEP("rte_dev_dma_map into the device's own container: the device reaches it");
	/* the edu driver keeps a scratch page mapped where its device is */
	n_def = test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD);
	n_own = test_vfio_records(o.cfd);
	if (rte_dev_dma_map(dev, o.buf, o.iova, o.len) < 0) {
		TEST_FAIL_MSG("rte_dev_dma_map: %s", rte_strerror(rte_errno));
		goto out;
	}
	if (test_vfio_records(o.cfd) != n_own + 1 ||
			test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD) != n_def) {
		TEST_FAIL_MSG("records: %" PRIu64 " -> %" PRIu64 " in the application's container (expected one more), default %" PRIu64 " -> %" PRIu64,
			n_own, test_vfio_records(o.cfd), n_def,
			test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD));
		goto out;
	}
	if (dma_proof_reachable(o.buf, o.iova, o.len) < 0)
		goto out;
	TEST_STEP("rte_dev_dma_unmap: blocked");
	res = unmapped_blocked(rte_dev_dma_unmap(dev, o.buf, o.iova, o.len),
		"rte_dev_dma_unmap", o.buf, o.iova, o.len);
out:
	if (own_release(&o) < 0)
		res = TEST_FAILED;
	return res;
}
REGISTER_TEST_COMMAND(dma_guard_dev_container_autotest, dev_dma_container_dma);

static int
app_group_kept_dma(void)
{
	struct own o = { .cfd = -1 };
	int ret = start(false, NULL), res = TEST_FAILED;
	bool mapped = false;

	if (ret != TEST_SUCCESS)
		return ret;
	if (own_container(&o) < 0)
		goto out;
	if (rte_vfio_container_dma_map(o.cfd, (uintptr_t)o.buf, o.iova, o.len) < 0) {
		TEST_FAIL_MSG("the application's map: %s", rte_strerror(rte_errno));
		goto out;
	}
	mapped = true;
	if (dma_proof_open() < 0) {
		TEST_FAIL_MSG("open %s: %s", dma_proof_device()->name,
			rte_strerror(rte_errno));
		goto out;
	}
	TEST_STEP("the application's map is reached by the device");
	if (dma_proof_reachable(o.buf, o.iova, o.len) < 0)
		goto out;
	TEST_STEP("release of the group's last device, then set up again: still reached");
	dma_proof_close();
	/* the edu driver's scratch page went with the device: the map stays */
	if (test_vfio_records(o.cfd) != 1) {
		TEST_FAIL_MSG("%" PRIu64 " records in the application's container after the release, expected 1 (the application's map)",
			test_vfio_records(o.cfd));
		goto out;
	}
	if (dma_proof_open() < 0) {
		TEST_FAIL_MSG("open %s again: %s", dma_proof_device()->name,
			rte_strerror(rte_errno));
		goto out;
	}
	if (dma_proof_reachable(o.buf, o.iova, o.len) < 0)
		goto out;
	TEST_STEP("the application unmaps: blocked");
	mapped = false;
	res = unmapped_blocked(rte_vfio_container_dma_unmap(o.cfd, (uintptr_t)o.buf,
		o.iova, o.len), "unmap", o.buf, o.iova, o.len);
out:
	if (mapped)
		(void)rte_vfio_container_dma_unmap(o.cfd, (uintptr_t)o.buf, o.iova, o.len);
	if (own_release(&o) < 0)
		res = TEST_FAILED;
	return res;
}
REGISTER_TEST_COMMAND(dma_guard_app_group_autotest, app_group_kept_dma);
