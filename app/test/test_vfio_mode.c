/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_mode_autotest: rte_vfio_get_mode() and --vfio-mode. Without VFIO
 * (before init, after cleanup) the mode is NONE. On the model the EAL
 * uses groups (the model speaks type1 only) and refuses --vfio-mode=cdev
 * with ENOTSUP. On the kernel the automatic mode is cdev when /dev/iommu
 * and device cdevs exist, else group; DPDK_TEST_VFIO_MODE=group|cdev (the
 * VM configs) names the mode the kernel must give, and --vfio-mode=group
 * must always give group.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"

static const char *
mode_name(enum rte_vfio_mode m)
{
	switch (m) {
	case RTE_VFIO_MODE_NONE: return "none";
	case RTE_VFIO_MODE_GROUP: return "group";
	case RTE_VFIO_MODE_NOIOMMU: return "noiommu";
	case RTE_VFIO_MODE_CDEV: return "cdev";
	}
	return "?";
}

static bool
on_kernel(void)
{
	const char *v = getenv("DPDK_TEST_VFIO");

	return v != NULL && strcmp(v, "kernel") == 0;
}

static int
test_vfio_mode(void)
{
	const char *want = getenv("DPDK_TEST_VFIO_MODE");
	enum rte_vfio_mode m;
	int ret;

	TEST_STEP("before rte_eal_init(): none");
	TEST_ASSERT_EQUAL(rte_vfio_get_mode(), RTE_VFIO_MODE_NONE, "mode before init");

	TEST_STEP("automatic choice");
	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "rte_eal_init: %s",
		rte_strerror(rte_errno));
	m = rte_vfio_get_mode();
	printf("  automatic: %s\n", mode_name(m));
	if (!on_kernel())
		TEST_ASSERT_EQUAL(m, RTE_VFIO_MODE_GROUP, "the model: group, got %s",
			mode_name(m));
	else if (want != NULL)
		TEST_ASSERT(strcmp(mode_name(m), want) == 0,
			"DPDK_TEST_VFIO_MODE=%s, the EAL chose %s", want, mode_name(m));
	rte_eal_cleanup();
	TEST_ASSERT_EQUAL(rte_vfio_get_mode(), RTE_VFIO_MODE_NONE, "mode after cleanup");

	TEST_STEP("--vfio-mode=group: group wherever VFIO is available");
	TEST_ASSERT(test_eal_init("--no-huge", "--vfio-mode=group", NULL) >= 0,
		"rte_eal_init --vfio-mode=group: %s", rte_strerror(rte_errno));
	m = rte_vfio_get_mode();
	if (m != RTE_VFIO_MODE_NONE)
		TEST_ASSERT(m == RTE_VFIO_MODE_GROUP || m == RTE_VFIO_MODE_NOIOMMU,
			"--vfio-mode=group gave %s", mode_name(m));
	rte_eal_cleanup();

	TEST_STEP("--vfio-mode=cdev: cdev, or ENOTSUP where iommufd is not usable");
	ret = test_eal_init("--no-huge", "--vfio-mode=cdev", NULL);
	if (!on_kernel() || (want != NULL && strcmp(want, "group") == 0)) {
		TEST_ASSERT(ret < 0, "--vfio-mode=cdev without iommufd: init succeeded");
		TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "--vfio-mode=cdev: rte_errno %d",
			rte_errno);
		TEST_ASSERT_EQUAL(rte_vfio_get_mode(), RTE_VFIO_MODE_NONE,
			"mode after a failed init");
		return TEST_SUCCESS;
	}
	if (ret < 0) {
		TEST_ASSERT(want == NULL, "DPDK_TEST_VFIO_MODE=%s: --vfio-mode=cdev refused: %s",
			want, rte_strerror(rte_errno));
		printf("  --vfio-mode=cdev refused here: %s\n", rte_strerror(rte_errno));
		return TEST_SUCCESS;
	}
	m = rte_vfio_get_mode();
	rte_eal_cleanup();
	TEST_ASSERT_EQUAL(m, RTE_VFIO_MODE_CDEV, "--vfio-mode=cdev gave %s", mode_name(m));
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_mode_autotest, test_vfio_mode);
