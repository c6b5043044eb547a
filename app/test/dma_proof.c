/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA proof for the autotests (see dma_proof.h).
 *
 * QEMU's edu takes about 100 ms of virtual time per transfer, so a proof
 * uses as few transfers as it can: a reachability proof is two plain
 * transfers (RAM -> device from the start of the range, device -> RAM to
 * its end) and a comparison, and only a failure spends more transfers on
 * telling which direction was blocked. A blocked DMA completes normally on
 * the edu (pci_edu.rst): only the data shows it, which the driver's checked
 * copies compare.
 *
 * The proofs never derive an IOVA from an address: the caller names it
 * (see dma_proof.h), so they hold in every IOVA mode.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "vfio_model.h"
#include "test.h"
#include "test_common.h"
#include "dma_proof.h"

/* bytes moved per proof transfer: any size costs the edu the same time */
#define SPOT_MAX 512
/* the model group and device the proofs use outside the VM */
#define MODEL_GROUP 61
#define MODEL_DEV "0000:00:06.0"

static struct {
	bool found;
	bool model;
	struct rte_pci_device *dev;
	struct rte_edu *edu;
	int container;          /* model: the container proofs look at */
	bool container_set;
	uint64_t rnd;
	unsigned int proven, skipped;
	bool skip_noted;
	uint8_t pat[SPOT_MAX];  /* pattern of the last mark */
	uint8_t save_a[SPOT_MAX], save_b[SPOT_MAX];
	uint8_t orig_a[SPOT_MAX], orig_b[SPOT_MAX];
} dp;

static uint8_t
rnd_byte(void)
{
	/* xorshift64: a fresh pattern per proof, so stale data never matches */
	dp.rnd ^= dp.rnd << 13;
	dp.rnd ^= dp.rnd >> 7;
	dp.rnd ^= dp.rnd << 17;
	return (uint8_t)(dp.rnd >> 24);
}

static void
fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd_byte();
}

static size_t
spot_len(size_t len)
{
	size_t n = len / 2;

	return n > SPOT_MAX ? SPOT_MAX : n;
}

static int
model_container(void)
{
	return dp.container_set ? dp.container : rte_vfio_get_container_fd();
}

/* Model: does any page of the range have a kernel mapping? */
static bool
model_any_mapped(uint64_t iova, size_t len)
{
	uint64_t pg = test_page_size(), a;
	int cfd = model_container();

	for (a = RTE_ALIGN_FLOOR(iova, pg); a < iova + len; a += pg)
		if (vfio_model_is_mapped(cfd, a, pg))
			return true;
	return false;
}

static bool
note_skip(void)
{
	if (dp.edu != NULL || dp.model)
		return false;
	if (!dp.skip_noted)
		printf("    (DMA proof skipped: %s is not an edu device; the mapping checks still run)\n",
			dp.dev != NULL ? dp.dev->name : "the device");
	dp.skip_noted = true;
	dp.skipped++;
	return true;
}

static int
find_model(void)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = MODEL_GROUP,
		.devices = { MODEL_DEV, NULL },
		.msi_window = true,
	};

	if (vfio_model_add_group(&cfg) < 0) {
		printf("FAIL dma_proof: vfio_model_add_group(%d): %s\n",
			MODEL_GROUP, rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	dp.dev = rte_pci_find(MODEL_DEV);
	if (dp.dev == NULL) {
		printf("FAIL dma_proof: the model's device %s is not on the PCI bus: %s\n",
			MODEL_DEV, rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	dp.model = true;
	return TEST_SUCCESS;
}

static int
find_kernel(void)
{
	const char *name = getenv(DMA_PROOF_DEV_ENV);

	if (name != NULL && name[0] != '\0') {
		dp.dev = rte_pci_find(name);
		if (dp.dev == NULL) {
			return test_missing(__func__, "%s=%s: no such PCI device (%s)",
				DMA_PROOF_DEV_ENV, name, rte_strerror(rte_errno));
		}
		if (strcmp(dp.dev->kdrv, "vfio-pci") != 0) {
			return test_missing(__func__, "%s=%s is bound to '%s', not vfio-pci: bind it to vfio-pci (usertools-style: echo %s > /sys/bus/pci/devices/%s/driver/unbind; echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe)",
				DMA_PROOF_DEV_ENV, name, dp.dev->kdrv,
				dp.dev->name, dp.dev->name, dp.dev->name,
				dp.dev->name);
		}
	} else {
		dp.dev = test_vfio_edu(NULL);
		if (dp.dev == NULL) {
			return test_missing(__func__, "no QEMU edu device (1234:11e8) bound to vfio-pci: run in the VM (devtools/vm/run.sh) or name a device bound to vfio-pci with %s=<pci address>",
				DMA_PROOF_DEV_ENV);
		}
	}
	if (dp.dev->iommu_group < 0) {
		return test_missing(__func__, "%s has no IOMMU group (no-IOMMU mode?): nothing to map",
			dp.dev->name);
	}
	return TEST_SUCCESS;
}

int
dma_proof_find(void)
{
	int ret;

	memset(&dp, 0, sizeof(dp));
	dp.rnd = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
	if (test_vfio_is_kernel() && access(VFIO_CONTAINER_PATH, F_OK) != 0) {
		return test_missing(__func__, "no %s on this machine: VFIO is not available (modprobe vfio-pci; an IOMMU enabled in the firmware and on the kernel command line)",
			VFIO_CONTAINER_PATH);
	}
	if (rte_vfio_get_container_fd() < 0) {
		return test_missing(__func__, "VFIO is not available here (%s)",
			rte_strerror(rte_errno));
	}
	ret = test_vfio_is_kernel() ? find_kernel() : find_model();
	if (ret != TEST_SUCCESS)
		return ret;
	dp.found = true;
	printf("  device %s (%04x:%04x, IOMMU group %d): %s\n", dp.dev->name,
		dp.dev->id.vendor_id, dp.dev->id.device_id, dp.dev->iommu_group,
		dp.model ? "type1 model, the model's mappings stand in for DMA" :
		(dp.dev->id.vendor_id == RTE_EDU_VENDOR_ID &&
		 dp.dev->id.device_id == RTE_EDU_DEVICE_ID) ?
		"edu on the kernel, real device DMA" :
		"kernel, not an edu: mapping checks only, no DMA proof");
	printf("  IOVA mode %s\n", test_iova_mode_name());
	return TEST_SUCCESS;
}

int
dma_proof_open(void)
{
	if (!dp.found) {
		rte_errno = ENODEV;
		return -1;
	}
	if (!dp.model && dp.dev->id.vendor_id == RTE_EDU_VENDOR_ID &&
			dp.dev->id.device_id == RTE_EDU_DEVICE_ID) {
		dp.edu = rte_edu_probe(dp.dev);
		return dp.edu != NULL ? 0 : -1;
	}
	return rte_pci_open(dp.dev);
}

int
dma_proof_setup(bool open)
{
	int ret = dma_proof_find();

	if (ret != TEST_SUCCESS) {
		rte_eal_cleanup();
		return ret;
	}
	if (open && dma_proof_open() < 0) {
		printf("FAIL open %s: %s\n", dma_proof_device()->name,
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

int
dma_proof_start(bool open)
{
	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	return dma_proof_setup(open);
}

void
dma_proof_close(void)
{
	if (dp.edu != NULL)
		rte_edu_remove(dp.edu);
	else if (dp.dev != NULL && rte_pci_is_open(dp.dev))
		rte_pci_close(dp.dev);
	dp.edu = NULL;
	if (dp.found)
		printf("  DMA proofs: %u %s, %u skipped\n", dp.proven,
			dp.model ? "checked on the model" : "proven by device DMA",
			dp.skipped);
}

struct rte_pci_device *
dma_proof_device(void)
{
	return dp.dev;
}

int
dma_proof_group(void)
{
	return dp.dev != NULL ? dp.dev->iommu_group : -1;
}

bool
dma_proof_has_dma(void)
{
	return dp.edu != NULL;
}

bool
dma_proof_is_model(void)
{
	return dp.model;
}

void
dma_proof_set_container(int container_fd)
{
	dp.container = container_fd;
	dp.container_set = container_fd != RTE_VFIO_DEFAULT_CONTAINER_FD;
}

/*
 * An IOVA the caller could not get (RTE_BAD_IOVA from rte_mem_virt2iova()
 * or test_iova_for()) would send the device to address 2^64-1: refuse it.
 */
static bool
bad_iova(const char *what, const void *va, uint64_t iova)
{
	if (iova != RTE_BAD_IOVA)
		return false;
	printf("FAIL %s: no IOVA for va %p (IOVA mode %s): take it from the memseg (rte_mem_virt2iova()) for EAL memory, from test_iova_for() for a user map\n",
		what, va, test_iova_mode_name());
	return true;
}

/* After a failed plain proof: which direction did the IOMMU block? */
static void
diagnose(uint8_t *a, uint64_t iova, size_t n)
{
	int r = rte_edu_copy_to_dev(dp.edu, a, iova, 0, n, 0);

	printf("    diagnosis: device read of IOVA 0x%" PRIx64 " %s\n", iova,
		r == 0 ? "arrives (so the write to the end was blocked)" :
		rte_errno == EFAULT ? "is blocked" : rte_strerror(rte_errno));
}

/*
 * The proofs write their patterns into the memory under test, which may
 * be in use (a heap's headers live in it): what was there goes back.
 */
static void
spots_save(const uint8_t *a, const uint8_t *b, size_t n)
{
	memcpy(dp.orig_a, a, n);
	memcpy(dp.orig_b, b, n);
}

static void
spots_restore(uint8_t *a, uint8_t *b, size_t n)
{
	memcpy(b, dp.orig_b, n);
	memcpy(a, dp.orig_a, n);
}

int
dma_proof_reachable(void *va, uint64_t iova, size_t len)
{
	uint8_t *a = va, *b;
	size_t i, n = spot_len(len);

	if (va == NULL || n == 0) {
		printf("FAIL dma_proof_reachable: bad range %p+%zu\n", va, len);
		return -1;
	}
	if (bad_iova("dma_proof_reachable", va, iova))
		return -1;
	if (dp.model) {
		if (!vfio_model_is_mapped(model_container(), iova, len)) {
			printf("FAIL DMA proof (model): IOVA 0x%" PRIx64 "+0x%zx: expected mapped in the kernel, it is not (wholly)\n",
				iova, len);
			return -1;
		}
		dp.proven++;
		return 0;
	}
	if (note_skip())
		return 0;
	b = a + len - n;
	spots_save(a, b, n);
	fill_random(a, n);
	for (i = 0; i < n; i++)
		b[i] = (uint8_t)~a[i];
	memcpy(dp.save_a, a, n);
	if (rte_edu_dma_to_dev(dp.edu, iova, 0, n, 0) < 0 ||
			rte_edu_dma_from_dev(dp.edu, 0, iova + len - n, n, 0) < 0) {
		printf("FAIL DMA proof: transfer at IOVA 0x%" PRIx64 " failed on the device: %s\n",
			iova, rte_strerror(rte_errno));
		spots_restore(a, b, n);
		return -1;
	}
	if (memcmp(b, dp.save_a, n) != 0) {
		printf("FAIL DMA proof: IOVA 0x%" PRIx64 "+0x%zx (va %p): expected reachable (%zu bytes read at the start, written at the end), the data did not arrive\n",
			iova, len, va, n);
		diagnose(a, iova, n);
		spots_restore(a, b, n);
		return -1;
	}
	spots_restore(a, b, n);
	dp.proven++;
	return 0;
}

int
dma_proof_blocked(void *va, uint64_t iova, size_t len)
{
	uint8_t *a = va, *b;
	size_t n = spot_len(len);
	int r;

	if (va == NULL || n == 0) {
		printf("FAIL dma_proof_blocked: bad range %p+%zu\n", va, len);
		return -1;
	}
	if (bad_iova("dma_proof_blocked", va, iova))
		return -1;
	if (dp.model) {
		if (model_any_mapped(iova, len)) {
			printf("FAIL DMA proof (model): IOVA 0x%" PRIx64 "+0x%zx: expected unmapped, the kernel still maps part of it\n",
				iova, len);
			return -1;
		}
		dp.proven++;
		return 0;
	}
	if (note_skip())
		return 0;
	b = a + len - n;
	spots_save(a, b, n);
	/* random data, so it can never equal what the device holds */
	fill_random(a, n);
	fill_random(b, n);
	memcpy(dp.save_a, a, n);
	memcpy(dp.save_b, b, n);
	r = rte_edu_copy_to_dev(dp.edu, a, iova, 0, n, 0);
	if (r == 0 || rte_errno != EFAULT) {
		printf("FAIL DMA proof: device read of IOVA 0x%" PRIx64 " (start of 0x%zx bytes): expected blocked (EFAULT), got %s\n",
			iova, len, r == 0 ? "the data" : rte_strerror(rte_errno));
		goto fail;
	}
	r = rte_edu_copy_from_dev(dp.edu, 0, b, iova + len - n, n, 0);
	if (r == 0 || rte_errno != EFAULT) {
		printf("FAIL DMA proof: device write to IOVA 0x%" PRIx64 " (end of 0x%zx bytes at 0x%" PRIx64 "): expected blocked (EFAULT), got %s\n",
			iova + len - n, len, iova,
			r == 0 ? "the data arrived" : rte_strerror(rte_errno));
		goto fail;
	}
	if (memcmp(a, dp.save_a, n) != 0 || memcmp(b, dp.save_b, n) != 0) {
		printf("FAIL DMA proof: IOVA 0x%" PRIx64 "+0x%zx: expected the memory unchanged after blocked DMA, it changed\n",
			iova, len);
		goto fail;
	}
	spots_restore(a, b, n);
	dp.proven++;
	return 0;
fail:
	spots_restore(a, b, n);
	return -1;
}

void
dma_proof_mark(void *va, uint64_t iova, size_t len)
{
	size_t n = spot_len(len);

	(void)iova;
	if (dp.model || dp.edu == NULL || n == 0)
		return;
	fill_random(dp.pat, n);
	memcpy((uint8_t *)va + len / 2 - n / 2, dp.pat, n);
}

int
dma_proof_released(uint64_t iova, size_t len)
{
	size_t n = spot_len(len);
	uint64_t at = iova + len / 2 - n / 2;
	int r;

	if (bad_iova("dma_proof_released", NULL, iova))
		return -1;
	if (dp.model) {
		if (model_any_mapped(iova, len)) {
			printf("FAIL DMA proof (model): released IOVA 0x%" PRIx64 "+0x%zx: expected unmapped before the release, the kernel still maps part of it\n",
				iova, len);
			return -1;
		}
		dp.proven++;
		return 0;
	}
	if (note_skip())
		return 0;
	/*
	 * The page is gone from the process. Were its mapping left, the
	 * IOMMU would still pin it with the marked pattern in it: a read
	 * that returns the pattern is a read that was not blocked.
	 */
	r = rte_edu_copy_to_dev(dp.edu, dp.pat, at, 0, n, 0);
	if (r == 0 || rte_errno != EFAULT) {
		printf("FAIL DMA proof: released IOVA 0x%" PRIx64 "+0x%zx: expected a device read to be blocked, got %s\n",
			iova, len, r == 0 ? "the page's old data" : rte_strerror(rte_errno));
		return -1;
	}
	dp.proven++;
	return 0;
}
