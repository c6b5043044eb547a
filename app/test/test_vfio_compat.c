/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd's emulation of the type1 container (IOMMUFD_VFIO_CONTAINER,
 * where iommufd provides /dev/vfio/vfio): the EAL tells it at the
 * container's open (one IOMMU_OPTION call, which only an iommufd answers)
 * and refuses device memory there before the kernel call, with ENOTSUP
 * and one line naming the cause and the fix, instead of the kernel's bare
 * EFAULT (the emulation pins pages as iommufd does: no peer to peer).
 *
 * On the model (vfio_model_set_iommufd_compat()): the owned-map and the
 * user-map paths are refused, nothing is recorded or issued, other maps
 * work, and a container opened without the knob is plain type1. On the
 * real kernel: the EAL's answer must agree with an independent sign of
 * the emulation (VFIO_SET_IOMMU on a container without a group: ENODEV
 * from the emulation, EINVAL from type1) and with DPDK_TEST_IOMMUFD_COMPAT
 * (0 or 1) when the VM configuration sets it (1: the EAL must be in group
 * mode, on the emulation, not on the device cdevs that kernel also offers);
 * on the emulation, a peer-to-
 * peer map of an edu BAR is refused without a MAP_DMA. The DMA proofs of
 * the refusal are edu_autotest, vfio_p2p_autotest and p2p_plain_vm_autotest.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "vfio_devmem.h"
#include "vfio_device_ops.h"
#include "vfio_model.h"
#include "vfio_private.h"

#define GROUP_C 61
#define DEV_C "0000:00:0a.0"
#define IOVA_C 0x80000000ULL
#define CAUSE "iommufd's emulation of the type1 container"
#define FIX "CONFIG_VFIO_CONTAINER=y"

/* The refusal: ENOTSUP, one line with the cause and the fix. */
static int
refused(int ret, const char *what)
{
	const char *log = test_log_release();

	TEST_ASSERT(ret < 0 && rte_errno == ENOTSUP, "%s: ENOTSUP expected, got %d %s",
		what, ret, rte_strerror(rte_errno));
	TEST_ASSERT(log != NULL && strstr(log, CAUSE) != NULL &&
		strstr(log, FIX) != NULL && test_count_lines(log) == 1,
		"%s: one line naming the cause and the fix: %s", what,
		log != NULL ? log : "(no capture)");
	return TEST_SUCCESS;
}

/* A fake smaps that makes [va, va + len) device memory (VM_IO | VM_PFNMAP). */
static int
fake_smaps(const char *path, const void *va, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "%012" PRIxPTR "-%012" PRIxPTR " rw-s 00000000 00:0e 4242                       anon_inode:[vfio-device]\nSize: %zu kB\nRss: 0 kB\nVmFlags: rd wr sh mr mw me ms io pf dd\n",
		(uintptr_t)va, (uintptr_t)va + len, len / 1024);
	return fclose(f);
}

static int
compat_model_run(const char *base, const char *smaps, uint8_t *bar, uint8_t *plain)
{
	struct rte_vfio_container_stats st0, st;
	struct vfio_device_info info;
	size_t pg = test_page_size();
	unsigned long maps0;
	int cfd, dfd = -1, ret;

	TEST_STEP("a container opened as type1: not the emulation");
	TEST_ASSERT(!test_vfio_iommufd_compat(RTE_VFIO_DEFAULT_CONTAINER_FD),
		"the default container is type1");

	TEST_STEP("a container opened on the emulation: told at open (one more call)");
	vfio_model_set_iommufd_compat(true);
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(test_vfio_iommufd_compat(cfd), "the emulation is told");
	/* GET_API_VERSION, 4 CHECK_EXTENSION, IOMMU_OPTION */
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).other_calls, 6, "the open's calls");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, GROUP_C) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_C, &dfd, &info), "setup");

	TEST_STEP("owned device memory (rte_pci_p2p_map's path): refused up front");
	st0 = test_vfio_stats_of(cfd);
	maps0 = vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA);
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	ret = vfio_device_dma_map(dfd, (uintptr_t)bar, IOVA_C, pg);
	TEST_ASSERT_SUCCESS(refused(ret, "owned map"), "refusal");
	st = test_vfio_stats_of(cfd);
	TEST_ASSERT_EQUAL(st.records, 0, "nothing recorded");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA), maps0, "no MAP_DMA");
	TEST_ASSERT_EQUAL(st.refused_checks, st0.refused_checks + 1, "counted as refused");

	TEST_STEP("device memory through rte_vfio_container_dma_map(): refused up front");
	vfio_devmem_set_proc(smaps, NULL);
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	ret = rte_vfio_container_dma_map(cfd, (uintptr_t)bar, IOVA_C, pg);
	vfio_devmem_set_proc(NULL, NULL);
	TEST_ASSERT_SUCCESS(refused(ret, "user map"), "refusal");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).records, 0, "nothing recorded");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA), maps0, "no MAP_DMA");

	TEST_STEP("memory maps as on type1");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)plain, IOVA_C, pg),
		"plain map");
	TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_C, pg), "in the IOMMU");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)plain, IOVA_C,
		pg), "plain unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_C, dfd), "release");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");

	TEST_STEP("the same owned map on a type1 container is mapped");
	vfio_model_set_iommufd_compat(false);
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(!test_vfio_iommufd_compat(cfd), "type1");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(cfd).other_calls, 6, "the open's calls");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, GROUP_C) >= 0, "bind");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_C, &dfd, &info), "setup");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)bar, IOVA_C, pg),
		"owned map on type1");
	TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_C, pg), "in the IOMMU");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_C, dfd), "release");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, IOVA_C, pg), "gone with the device");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	return TEST_SUCCESS;
}

static int
compat_model(void)
{
	char dir[] = "/tmp/vfio-compat-XXXXXX", smaps[64], base[PATH_MAX];
	size_t pg = test_page_size();
	uint8_t *bar, *plain;
	int ret;

	ret = test_vfio_start(NULL);
	if (ret != TEST_SUCCESS)
		return ret;
	bar = test_anon_map(pg, 0);
	plain = test_anon_map(pg, MAP_POPULATE);
	if (bar == NULL || plain == NULL || mkdtemp(dir) == NULL ||
			test_vfio_model_group(GROUP_C, DEV_C) < 0) {
		rte_eal_cleanup();
		printf("FAIL fixture: %s\n", strerror(errno));
		return TEST_FAILED;
	}
	snprintf(smaps, sizeof(smaps), "%s/smaps", dir);
	snprintf(base, sizeof(base), "%s/bus/pci/devices", vfio_model_sysfs_root());
	ret = fake_smaps(smaps, bar, pg) < 0 ? TEST_FAILED :
		compat_model_run(base, smaps, bar, plain);
	unlink(smaps);
	rmdir(dir);
	munmap(bar, pg);
	munmap(plain, pg);
	rte_eal_cleanup();
	return ret;
}

/*
 * The kernel's own sign of the emulation, independent of the EAL's probe:
 * type1 refuses VFIO_SET_IOMMU without a group with EINVAL, the emulation
 * with ENODEV (it has no IOAS until a group is set). 1, 0, or -1.
 */
static int
kernel_says_compat(void)
{
	int fd, ret, err;

	fd = open(VFIO_CONTAINER_PATH, O_RDWR);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	err = errno;
	close(fd);
	if (ret == 0)
		return -1;
	return err == ENODEV ? 1 : err == EINVAL ? 0 : -1;
}

static int
compat_kernel(void)
{
	const char *want = getenv("DPDK_TEST_IOMMUFD_COMPAT");
	struct rte_vfio_container_stats st0;
	struct rte_pci_device *da, *db;
	size_t pg = test_page_size();
	bool cdev, eal;
	int says, ret;

	if (test_eal_init("--no-huge", "-m", "32", NULL) < 0) {
		printf("FAIL rte_eal_init: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	cdev = rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV;
	says = kernel_says_compat();
	eal = test_vfio_iommufd_compat(RTE_VFIO_DEFAULT_CONTAINER_FD);
	printf("  %s: SET_IOMMU without a group says %s; the EAL's container: %s\n",
		VFIO_CONTAINER_PATH, says == 1 ? "emulation (ENODEV)" :
		says == 0 ? "type1 (EINVAL)" : "nothing usable",
		cdev ? "an iommufd IOAS (cdev mode)" :
		eal ? "the emulation" : "type1");
	TEST_ASSERT(says >= 0, "the kernel's answer is ENODEV or EINVAL");
	if (want != NULL)
		TEST_ASSERT_EQUAL(says, atoi(want),
			"the booted kernel is what the configuration says (DPDK_TEST_IOMMUFD_COMPAT)");
	/* the configuration of the emulation puts the EAL on it, not on cdevs */
	if (want != NULL && atoi(want) == 1)
		TEST_ASSERT(!cdev, "group mode on the emulation (--vfio-mode=group)");
	TEST_ASSERT(cdev ? !eal : eal == (says == 1), "the EAL agrees with the kernel");
	if (!eal) {
		rte_eal_cleanup();
		return TEST_SUCCESS;
	}
	TEST_STEP("the emulation: a peer-to-peer map of an edu BAR is refused, no MAP_DMA");
	da = test_vfio_edu(NULL);
	db = da != NULL ? test_vfio_edu(da) : NULL;
	if (db == NULL) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("needs two edu devices bound to vfio-pci");
	}
	TEST_ASSERT_SUCCESS(rte_pci_open(da), "open A");
	TEST_ASSERT_SUCCESS(rte_pci_open(db), "open B");
	st0 = test_vfio_stats_of(RTE_VFIO_DEFAULT_CONTAINER_FD);
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	ret = rte_pci_p2p_map(db, 0, 0, pg, 1ULL << 38);
	TEST_ASSERT_SUCCESS(refused(ret, "rte_pci_p2p_map"), "refusal");
	TEST_ASSERT_EQUAL(test_vfio_stats_of(RTE_VFIO_DEFAULT_CONTAINER_FD).map_calls,
		st0.map_calls, "no MAP_DMA issued");
	rte_pci_close(db);
	rte_pci_close(da);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_vfio_compat(void)
{
	if (test_vfio_is_kernel())
		return compat_kernel();
	return compat_model();
}
REGISTER_TEST_COMMAND(vfio_compat_autotest, test_vfio_compat);
