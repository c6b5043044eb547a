/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reserved IOVA windows and group conflicts: the MSI window, a kept
 * mapping that keeps a narrower group out, a device's DMA maps into the
 * container of its group, an application-bound group kept.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_iova.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"
#include "test_iova_common.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"

/* ---- reserved windows ---- */

/* A group to test with: a model group, or the group of an edu in the VM. */
/* A test's end: its container destroyed, its buffer unmapped, the EAL stopped. */
static int
end_test(int cfd, void *va, size_t len)
{
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	munmap(va, len);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_group(int *num)
{
	struct vfio_model_group_cfg g;
	struct rte_pci_device *dev;

	if (!test_vfio_is_kernel()) {
		model_cfg(&g, GROUP_48, DEV_48, 48);
		if (model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) < 0)
			return -1;
		*num = GROUP_48;
		return 0;
	}
	if (test_eal_init("--no-huge", "-m", "16", NULL) < 0)
		return -1;
	dev = test_vfio_edu(NULL);
	if (dev == NULL || dev->iommu_group < 0) {
		rte_eal_cleanup();
		return 1;
	}
	*num = dev->iommu_group;
	return 0;
}

static int
test_resv_window(void)
{
	size_t pg = test_page_size();
	char want[128];
	void *va;
	int cfd, num, ret;

	ret = test_group(&num);
	if (ret > 0)
		TEST_SKIP_MISSING("no edu device bound to vfio-pci");
	TEST_ASSERT_SUCCESS(ret, "init: %s", rte_strerror(rte_errno));
	va = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, num) >= 0, "bind %d: %s", num,
		rte_strerror(rte_errno));
	snprintf(want, sizeof(want), "reserved region 'msi' of IOMMU group %d", num);
	TEST_STEP("a map into the MSI window is refused, naming the window");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		VFIO_X86_MSI_START, pg), ERANGE, "map at 0xfee00000");
	TEST_ASSERT(log_has("the x86 MSI window 0xfee00000-0xfeefffff", want),
		"names the window");
	TEST_STEP("a map straddling the window's start is refused too");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		VFIO_X86_MSI_START - pg, 2 * pg), ERANGE, "map across 0xfee00000");
	TEST_ASSERT(log_has("the x86 MSI window", want), "names the window");
	TEST_STEP("next to the window is fine");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		VFIO_X86_MSI_END + 1, pg), "map after the window");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va,
		VFIO_X86_MSI_END + 1, pg), "unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, num), "unbind");
	return end_test(cfd, va, 2 * pg);
}
REGISTER_TEST_COMMAND(vfio_resv_window_autotest, test_resv_window);

/* ---- reading a group's reserved_regions ---- */

/* The lines as the kernel prints them, and the edges of the format. */
static const struct {
	int num;
	const char *text;   /* NULL: no file */
	unsigned int max;
	int want;
	uint64_t first_start, last_end;
	const char *last_type;
} resv_cases[] = {
	/* direct-relaxable regions are left out: the kernel maps over them */
	{ 1, "0x00000000fee00000 0x00000000feefffff msi\n"
	     "0x0000000000000000 0x0000000000ffffff direct-relaxable\n"
	     "0x0000000080000000 0x000000008000ffff reserved\n",
	  64, 2, 0xfee00000, 0x8000ffff, "reserved" },
	{ 2, NULL, 64, 0, 0, 0, NULL },
	/* the last line without its newline */
	{ 3, "0x1000 0x1fff direct", 64, 1, 0x1000, 0x1fff, "direct" },
	/* no more than max */
	{ 4, "0x1000 0x1fff msi\n0x2000 0x2fff msi\n0x3000 0x3fff msi\n",
	  2, 2, 0x1000, 0x2fff, "msi" },
	/* a line that does not parse ends the list, as scanf would */
	{ 5, "0x1000 0x1fff msi\ngarbage\n0x3000 0x3fff msi\n",
	  64, 1, 0x1000, 0x1fff, "msi" },
	/* an empty range is skipped; a blank line is not an end */
	{ 6, "0x2000 0x1000 msi\n\n0x3000 0x3fff msi\n",
	  64, 1, 0x3000, 0x3fff, "msi" },
	{ 8, "", 64, 0, 0, 0, NULL },
};

static int
test_resv_read(void)
{
	struct vfio_resv_region r[VFIO_RESV_MAX_PER_GROUP];
	char root[] = "/tmp/resv_read_XXXXXX", rel[64], old[PATH_MAX];
	unsigned int i;
	int n, ret = TEST_SUCCESS;

	TEST_ASSERT_NOT_NULL(mkdtemp(root), "temporary sysfs root");
	snprintf(old, sizeof(old), "%s", eal_sysfs_root());
	eal_set_sysfs_root(root);
	for (i = 0; i < RTE_DIM(resv_cases) && ret == TEST_SUCCESS; i++) {
		TEST_STEP("group %d", resv_cases[i].num);
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/reserved_regions",
			resv_cases[i].num);
		if (resv_cases[i].text != NULL &&
				test_fake_file(root, rel, resv_cases[i].text) != 0) {
			printf("cannot write %s/%s\n", root, rel);
			ret = TEST_FAILED;
			break;
		}
		memset(r, 0xa5, sizeof(r));
		n = vfio_resv_read(resv_cases[i].num, r, resv_cases[i].max);
		if (n != resv_cases[i].want) {
			printf("group %d: %d regions, want %d\n", resv_cases[i].num, n,
				resv_cases[i].want);
			ret = TEST_FAILED;
		} else if (n > 0 && (r[0].start != resv_cases[i].first_start ||
				r[n - 1].end != resv_cases[i].last_end ||
				strcmp(r[n - 1].type, resv_cases[i].last_type) != 0 ||
				r[0].group != resv_cases[i].num ||
				r[n - 1].group != resv_cases[i].num)) {
			printf("group %d: [0x%" PRIx64 " .. 0x%" PRIx64 "] '%s' group %d\n",
				resv_cases[i].num, r[0].start, r[n - 1].end,
				r[n - 1].type, r[n - 1].group);
			ret = TEST_FAILED;
		}
	}
	eal_set_sysfs_root(old);
	test_remove_tree(root);
	return ret;
}
REGISTER_TEST_COMMAND(vfio_resv_read_autotest, test_resv_read);

/* ---- group conflicts ---- */

static int
test_group_conflict(void)
{
	struct vfio_container_stats st0, st1;
	size_t pg = test_page_size();
	unsigned long sc0 = 0;
	bool model = !test_vfio_is_kernel();
	void *va;
	int cfd, num, ret, state;

	ret = test_group(&num);
	if (ret > 0)
		TEST_SKIP_MISSING("no edu device bound to vfio-pci");
	TEST_ASSERT_SUCCESS(ret, "init: %s", rte_strerror(rte_errno));
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container");
	TEST_STEP("a kept mapping at 2^50 excludes the group: refused before anything is mapped");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va, IOVA_FAR, pg),
		"recorded while the container has no group");
	vfio_container_stats_get(cfd, &st0);
	if (model)
		sc0 = vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER);
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_group_bind(cfd, num), ERANGE, "bind");
	TEST_ASSERT(log_has("cannot join container", "0x4000000000000"),
		"names the conflicting mapping");
	/* the first group of a container is checked where it joined, with
	 * the container's own ranges: no probe in a temporary container */
	if (model)
		TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER) - sc0,
			1, "one SET_CONTAINER, into the container itself");
	vfio_container_stats_get(cfd, &st1);
	TEST_ASSERT_EQUAL(st1.map_calls, st0.map_calls, "no map was issued");
	TEST_ASSERT_EQUAL(st1.records, 1, "the record is kept");
	state = vfio_container_state_get(cfd);
	TEST_ASSERT_EQUAL(state, VFIO_CONT_NO_GROUP, "still without a group");
	TEST_STEP("once the mapping goes, the group joins; a kept mapping that fits is replayed");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va, IOVA_FAR, pg),
		"unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		IOVA_NEAR, pg), "a mapping at 2^30, kept without a group");
	if (model)
		sc0 = vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER);
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	if (model) {
		TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER) - sc0,
			1, "no probe for the first group");
		TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_NEAR, pg), "replayed");
	}
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va,
		IOVA_NEAR, pg), "unmap the replayed mapping");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, num), "unbind");
	return end_test(cfd, va, pg);
}
REGISTER_TEST_COMMAND(vfio_group_conflict_autotest, test_group_conflict);

static int
model_conflict_two_groups(void)
{
	struct vfio_model_group_cfg g[2];
	size_t pg = test_page_size();
	unsigned long sc0;
	void *va;
	int cfd;

	if (test_vfio_is_kernel())
		TEST_SKIP("the model has groups of two apertures; one VM has one");
	TEST_STEP("a 48-bit group maps above 2^39; a 39-bit group is refused before SET_CONTAINER");
	model_cfg(&g[0], GROUP_48, DEV_48, 48);
	model_cfg(&g[1], GROUP_39, DEV_39, 39);
	TEST_ASSERT(model_eal_init(g, 2, "--no-huge", "-m", "16", NULL) >= 0, "init");
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0 && rte_vfio_container_group_bind(cfd, GROUP_48) >= 0,
		"container with the 48-bit group");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		1ULL << 40, pg), "map at 2^40");
	sc0 = vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER);
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_group_bind(cfd, GROUP_39), ERANGE, "bind");
	TEST_ASSERT(log_has("IOMMU group 42 cannot join container", "0x10000000000"),
		"names the mapping");
	/* one SET_CONTAINER: the probe's, into its temporary container */
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER) - sc0, 1,
		"no SET_CONTAINER into the container holding the mapping");
	TEST_ASSERT(vfio_model_is_mapped(cfd, 1ULL << 40, pg), "the mapping stays");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va,
		1ULL << 40, pg), "unmap");
	return end_test(cfd, va, pg);
}
REGISTER_TEST_COMMAND(vfio_group_conflict_model_autotest, model_conflict_two_groups);

/*
 * rte_dev_dma_map() of a device whose group the application bound to a
 * container of its own maps into that container, where the device can
 * reach it (DPDK 22.11 maps into the default container).
 */
static int
model_dev_dma_own_container(void)
{
	struct vfio_model_group_cfg g;
	size_t pg = test_page_size();
	struct rte_pci_device *dev;
	uint64_t iova = 1ULL << 40, n_def;
	void *va;
	int cfd;

	if (test_vfio_is_kernel())
		TEST_SKIP("model test");
	TEST_STEP("rte_dev_dma_map: into the container the device's group is bound to");
	model_cfg(&g, GROUP_48, DEV_48, 48);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) >= 0, "init");
	dev = rte_pci_find(DEV_48);
	TEST_ASSERT_NOT_NULL(dev, "the model's device");
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0 && rte_vfio_container_group_bind(cfd, GROUP_48) >= 0,
		"the application's container with the device's group: %s",
		rte_strerror(rte_errno));
	n_def = test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD);
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(dev->device, va, iova, pg), "map");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 1, "recorded in the device's container");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, pg), "mapped there");
	TEST_ASSERT_EQUAL(test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n_def,
		"nothing in the default container");
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(dev->device, va, iova, pg), "unmap");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 0, "unmapped from it");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova, pg), "and from the model's IOMMU");
	TEST_STEP("after unbind: the default container again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, GROUP_48), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(dev->device, va, iova, pg), "map");
	TEST_ASSERT_EQUAL(test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n_def + 1,
		"recorded in the default container");
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(dev->device, va, iova, pg), "unmap");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	munmap(va, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(vfio_dev_dma_container_autotest, model_dev_dma_own_container);

/*
 * A group the application bound itself stays bound when its last device
 * is released: unbinding it would make the kernel drop the application's
 * mappings in that container.
 */
static int
model_app_bound_group_kept(void)
{
	struct vfio_model_group_cfg g;
	struct vfio_device_info info;
	size_t pg = test_page_size();
	uint64_t iova = 1ULL << 40;
	char base[PATH_MAX];
	int cfd, dfd = -1;
	void *va;

	if (test_vfio_is_kernel())
		TEST_SKIP("model test");
	TEST_STEP("release of the last device of an application-bound group: the group and its maps stay");
	model_cfg(&g, GROUP_48, DEV_48, 48);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) >= 0, "init");
	snprintf(base, sizeof(base), "%s/bus/pci/devices", vfio_model_sysfs_root());
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0 && rte_vfio_container_group_bind(cfd, GROUP_48) >= 0,
		"the application's container with the group: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va, iova, pg),
		"the application's map");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_48, &dfd, &info), "setup");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_48, dfd), "release");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, pg), "the map is still in the IOMMU");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 1, "and recorded");
	TEST_STEP("the device can be set up again in the same container, then the application unbinds");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_48, &dfd, &info), "setup again");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_48, dfd), "release again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va, iova, pg),
		"unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, GROUP_48), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	munmap(va, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(vfio_app_group_kept_autotest, model_app_bound_group_kept);
