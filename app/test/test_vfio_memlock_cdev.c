/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The locked-memory limit in cdev mode, on the model: native iommufd
 * charges its pins to the user's locked_vm, of which the process's share
 * is its pinned_vm (VmPin), not the mm's locked_vm (VmLck) that type1
 * charges. The EAL's check before the kernel call must read what iommufd
 * pinned (the backend's pinned(): the model's iommufd pins here), so a map
 * over RLIMIT_MEMLOCK is refused with ENOMEM and one line before any
 * IOMMU_IOAS_MAP, and exactly what is left is accepted, as the kernel
 * counts. The same rules on the real kernel: vfio_budget_memlock_autotest
 * in the iommufd-memlock VM configuration.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "vfio_backend.h"
#include "vfio_iommufd_uapi.h"
#include "vfio_model.h"

#define GROUP_M 62
#define DEV_M "0000:00:0b.0"
#define LIMIT_PAGES 32
#define IOVA_M 0x80000000ULL

/* Refused up front: ENOMEM, one line naming VmPin, no IOMMU_IOAS_MAP. */
static int
refused(int cfd, uint8_t *buf, uint64_t iova, uint64_t len)
{
	unsigned long maps0 = vfio_model_ioctl_count(MV_IOMMU_IOAS_MAP);
	uint64_t pinned0 = vfio_model_iommufd_pinned_bytes();
	uint64_t refused0 = test_vfio_stats_of(cfd).refused_memlock;
	const char *log;
	int ret, err;

	TEST_ASSERT(test_log_capture() == 0, "log capture");
	ret = rte_vfio_container_dma_map(cfd, (uintptr_t)buf, iova, len);
	err = rte_errno;
	log = test_log_release();
	TEST_ASSERT(ret < 0 && err == ENOMEM, "ENOMEM expected, got %d %s", ret,
		rte_strerror(err));
	TEST_ASSERT(log != NULL && test_count_lines(log) == 1 &&
		strstr(log, "pinned by iommufd, VmPin") != NULL &&
		strstr(log, "ulimit -l") != NULL, "one line with the count and the fix: %s",
		log != NULL ? log : "(no capture)");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(MV_IOMMU_IOAS_MAP), maps0,
		"no IOMMU_IOAS_MAP issued");
	TEST_ASSERT_EQUAL(vfio_model_iommufd_pinned_bytes(), pinned0, "nothing pinned");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).refused_memlock, refused0 + 1, "counted");
	return TEST_SUCCESS;
}

static int
memlock_cdev_run(uint8_t *buf, size_t pg)
{
	int cfd;

	TEST_ASSERT_EQUAL(rte_vfio_get_mode(), RTE_VFIO_MODE_CDEV, "cdev mode");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, GROUP_M) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(vfio_model_iommufd_pinned_bytes(), 0, "nothing pinned yet");

	TEST_STEP("%u pages with %u left: refused before the kernel", LIMIT_PAGES + 1,
		LIMIT_PAGES);
	if (refused(cfd, buf, IOVA_M, (LIMIT_PAGES + 1) * pg) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_STEP("exactly what is left: accepted, pinned by iommufd");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_M,
		LIMIT_PAGES * pg), "map %u pages", LIMIT_PAGES);
	TEST_ASSERT_EQUAL(vfio_model_iommufd_pinned_bytes(), LIMIT_PAGES * pg,
		"charged to iommufd's count (VmPin), not to VmLck");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0, "VmLck untouched");
	TEST_STEP("one page more: refused before the kernel");
	if (refused(cfd, buf, IOVA_M + LIMIT_PAGES * pg, pg) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_STEP("unmapped: unpinned, room again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf, IOVA_M,
		LIMIT_PAGES * pg), "unmap");
	TEST_ASSERT_EQUAL(vfio_model_iommufd_pinned_bytes(), 0, "unpinned");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_M, pg),
		"map again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	return TEST_SUCCESS;
}

static int
test_vfio_memlock_cdev(void)
{
	struct vfio_model_group_cfg g = {
		.group_num = GROUP_M, .devices = { DEV_M }, .msi_window = true,
	};
	char *argv[] = { (char *)(uintptr_t)"dpdk-test",
		(char *)(uintptr_t)"--no-huge", (char *)(uintptr_t)"-m",
		(char *)(uintptr_t)"16", (char *)(uintptr_t)"--no-pci",
		(char *)(uintptr_t)"--vfio-mode=cdev", NULL };
	size_t pg = test_page_size();
	uint8_t *buf;
	int ret;

	if (test_vfio_is_kernel())
		TEST_SKIP("model test (the iommufd-memlock VM configuration is the kernel's)");
	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_memlock_limit(LIMIT_PAGES * pg);
	vfio_model_set_cap_ipc_lock(false);
	vfio_model_set_iommufd(true);
	if (vfio_model_add_group(&g) < 0 ||
			rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		printf("FAIL start: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	buf = test_anon_map((LIMIT_PAGES + 1) * pg, MAP_POPULATE);
	ret = buf == NULL ? TEST_FAILED : memlock_cdev_run(buf, pg);
	if (buf != NULL)
		munmap(buf, (LIMIT_PAGES + 1) * pg);
	rte_eal_cleanup();
	return ret;
}
REGISTER_TEST_COMMAND(vfio_memlock_cdev_model_autotest, test_vfio_memlock_cdev);
