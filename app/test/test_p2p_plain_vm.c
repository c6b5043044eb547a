/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device memory mapped through the plain DPDK API, on the real kernel:
 * edu B's BAR0 mapped with rte_vfio_container_dma_map() (or
 * rte_dev_dma_map()) for edu A's DMA, for each way a driver obtains the
 * BAR's address. Before: A's DMA lands in B's liveness register (0x04,
 * reads back the inverse of the last write). After B's release: the same
 * DMA is blocked (B's register keeps the value written since) and
 * rte_vfio_container_dma_unmap() of the removed map is ENOENT. No project
 * extension is called for the mapping: A's DMA engine is the edu driver.
 * Where the kernel maps no BAR by its address (native iommufd in cdev
 * mode, iommufd's emulation of the type1 container), each way is refused
 * up front instead, and A's DMA there is shown blocked.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "vfio_devmem.h"
#include "vfio_private.h"

#define SYSFS_PCI "/sys/bus/pci/devices"
#define LIVENESS 0x04
#define CFD RTE_VFIO_DEFAULT_CONTAINER_FD

enum way {
	WAY_DEVICE_FD,      /* mmap of the fd rte_vfio_setup_device() gave */
	WAY_DEV_DMA_MAP,    /* the same, mapped with rte_dev_dma_map() */
	WAY_REMAPPED,       /* the same, moved by the application (mremap) */
	WAY_SYSFS,          /* mmap of sysfs resource0 */
	WAY_BUS,            /* the bus's BAR mapping (rte_pci_map_bar) */
};

static const char *const way_name[] = {
	"the device fd's region mmap, rte_vfio_container_dma_map()",
	"the device fd's region mmap, rte_dev_dma_map()",
	"a VA the application moved with mremap()",
	"a sysfs resource0 mmap",
	"the bus's BAR mapping",
};

static struct {
	struct rte_edu *a;
	struct rte_pci_device *da, *db;
	uint8_t *buf;
	rte_iova_t buf_iova;
	size_t pg;
} t;

/*
 * Observation only (not part of what the test drives): the owner of the
 * device record at iova in the default container, 0 when there is none.
 */
static uint64_t found_owner;
static uint64_t want_iova;

static void
see(const struct vfio_record *rec, void *arg)
{
	(void)arg;
	if (rec->kind == VFIO_REC_DEVICE && rec->iova == want_iova)
		found_owner = rec->owner;
}

static uint64_t
owner_at(uint64_t iova)
{
	found_owner = 0;
	want_iova = iova;
	vfio_container_records_walk(rte_vfio_get_container_fd(), see, NULL);
	return found_owner;
}

static volatile uint32_t *
reg(void *bar)
{
	return (volatile uint32_t *)((uint8_t *)bar + LIVENESS);
}

/* A's DMA writes v to IOVA iova + LIVENESS. */
static int
dma_to(uint64_t iova, uint32_t v)
{
	memcpy(t.buf, &v, sizeof(v));
	if (rte_edu_copy_to_dev(t.a, t.buf, t.buf_iova, 0, sizeof(v), 0) < 0)
		return -1;
	return rte_edu_dma_from_dev(t.a, 0, iova + LIVENESS, sizeof(v), 0);
}

/* BAR0 of the device open as fd, mmapped through that fd. */
static void *
fd_bar(int fd, size_t len)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 || ri.size < len)
		return MAP_FAILED;
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		(off_t)ri.offset);
}

static void *
sysfs_bar(const char *bdf, size_t len)
{
	char path[128];
	void *va;
	int fd;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return MAP_FAILED;
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return va;
}

/* B's BAR, obtained way w (B opened for it in *fd or through the bus). */
static void *
get_bar(enum way w, int *fd)
{
	struct vfio_device_info info;
	void *va, *moved;

	*fd = -1;
	if (w == WAY_BUS) {
		if (rte_pci_open(t.db) < 0)
			return MAP_FAILED;
		va = rte_pci_map_bar(t.db, 0);
		return va != NULL ? va : MAP_FAILED;
	}
	if (rte_vfio_setup_device(SYSFS_PCI, t.db->name, fd, &info) < 0)
		return MAP_FAILED;
	if (w == WAY_SYSFS)
		return sysfs_bar(t.db->name, t.pg);
	va = fd_bar(*fd, t.pg);
	if (va == MAP_FAILED || w != WAY_REMAPPED)
		return va;
	/* a new address of the application's choice: reserve one, move there */
	moved = mmap(NULL, t.pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (moved == MAP_FAILED)
		return MAP_FAILED;
	return mremap(va, t.pg, t.pg, MREMAP_MAYMOVE | MREMAP_FIXED, moved);
}

static int
dma_map(enum way w, void *va, uint64_t iova)
{
	if (w == WAY_DEV_DMA_MAP)
		return rte_dev_dma_map(t.da->device, va, iova, t.pg);
	return rte_vfio_container_dma_map(CFD, (uintptr_t)va, iova, t.pg);
}

static int
dma_unmap(enum way w, void *va, uint64_t iova)
{
	if (w == WAY_DEV_DMA_MAP)
		return rte_dev_dma_unmap(t.da->device, va, iova, t.pg);
	return rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, iova, t.pg);
}

/* B released (release first, or munmap first), however it was opened. */
static int
release_b(enum way w, int fd, void *va, bool munmap_first)
{
	if (w == WAY_BUS)
		return rte_pci_close(t.db);    /* the BAR goes, then the device */
	if (munmap_first)
		munmap(va, t.pg);
	if (rte_vfio_release_device(SYSFS_PCI, t.db->name, fd) < 0)
		return -1;
	if (!munmap_first)
		munmap(va, t.pg);
	return 0;
}

static int
one_way(enum way w, uint64_t iova)
{
	bool munmap_first = w == WAY_SYSFS || w == WAY_REMAPPED;
	struct vfio_device_info info;
	void *va, *check;
	const char *log;
	uint64_t owner;
	int fd, ret;

	TEST_STEP("%s (%s first)", way_name[w], munmap_first ? "munmap" : "release");
	va = get_bar(w, &fd);
	TEST_ASSERT(va != MAP_FAILED, "B's BAR0 by %s: %s", way_name[w], strerror(errno));
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	ret = dma_map(w, va, iova);
	log = test_log_release();
	TEST_ASSERT_SUCCESS(ret, "map B's BAR0 at IOVA 0x%" PRIx64 ": %s", iova,
		rte_strerror(rte_errno));
	owner = owner_at(iova);
	TEST_ASSERT(owner & VFIO_OWNER_USER, "recorded as device memory (owner 0x%" PRIx64 ")",
		owner);
	/*
	 * The sysfs file names B, the bus knows its own mapping; a device
	 * fd's mmap shows only a region offset, which A and B (both open,
	 * both edu) share: the owner is unknown, said in one WARNING, and any
	 * release removes the map (A's would too).
	 */
	if (w == WAY_SYSFS || w == WAY_BUS) {
		TEST_ASSERT(owner != (VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN),
			"owned by B");
	} else {
		TEST_ASSERT_EQUAL(owner, VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN,
			"owner unknown");
		TEST_ASSERT(log != NULL && strstr(log, "cannot be determined") != NULL &&
			test_count_lines(log) == 1, "one WARNING line: %s",
			log != NULL ? log : "(no capture)");
	}
	printf("    owner %s\n", owner == (VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN) ?
		"unknown (removed at any release)" : t.db->name);
	*reg(va) = 0x11111111;
	TEST_ASSERT_EQUAL(*reg(va), ~0x11111111u, "CPU write reads back inverted");
	TEST_ASSERT_SUCCESS(dma_to(iova, 0x5a5a0000u + (uint32_t)w), "A's DMA");
	TEST_ASSERT_EQUAL(*reg(va), ~(0x5a5a0000u + (uint32_t)w),
		"A's DMA landed in B's register");
	TEST_ASSERT_SUCCESS(release_b(w, fd, va, munmap_first), "B released");

	/* B opened again, no mapping: its register must not see A's DMA */
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(SYSFS_PCI, t.db->name, &fd, &info),
		"B opened again");
	check = fd_bar(fd, t.pg);
	TEST_ASSERT(check != MAP_FAILED, "B's BAR0 again");
	*reg(check) = 0x22222222;
	TEST_ASSERT_SUCCESS(dma_to(iova, 0x77777777), "A's DMA completes on A's side");
	TEST_ASSERT_EQUAL(*reg(check), ~0x22222222u,
		"B's register kept its value: the DMA was blocked");
	munmap(check, t.pg);
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(SYSFS_PCI, t.db->name, fd),
		"release B");
	TEST_ASSERT_ERRNO(dma_unmap(w, va, iova), ENOENT,
		"unmap of the removed map");
	return TEST_SUCCESS;
}

/*
 * Where the kernel maps no BAR by its address (native iommufd, and
 * iommufd's emulation of the type1 container): the map is refused before
 * the kernel call with ENOTSUP and one line naming the cause, nothing is
 * recorded, and A's DMA to that IOVA does not reach B.
 */
static int
refused_way(enum way w, uint64_t iova)
{
	const char *log, *cause;
	void *va;
	int fd, ret;

	cause = rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV ? "IOMMU_IOAS_MAP_FILE" :
		"iommufd's emulation of the type1 container";
	TEST_STEP("%s: refused (ENOTSUP), A's DMA there blocked", way_name[w]);
	va = get_bar(w, &fd);
	TEST_ASSERT(va != MAP_FAILED, "B's BAR0 by %s: %s", way_name[w], strerror(errno));
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	ret = dma_map(w, va, iova);
	log = test_log_release();
	TEST_ASSERT(ret < 0 && rte_errno == ENOTSUP, "map refused with ENOTSUP: %d %s",
		ret, rte_strerror(rte_errno));
	TEST_ASSERT(log != NULL && strstr(log, cause) != NULL &&
		test_count_lines(log) == 1, "one line naming %s: %s", cause,
		log != NULL ? log : "(no capture)");
	TEST_ASSERT_EQUAL(owner_at(iova), 0, "nothing recorded");
	*reg(va) = 0x33333333;
	TEST_ASSERT_SUCCESS(dma_to(iova, 0x44444444), "A's DMA completes on A's side");
	TEST_ASSERT_EQUAL(*reg(va), ~0x33333333u,
		"B's register kept its value: the DMA was blocked");
	TEST_ASSERT_SUCCESS(release_b(w, fd, va, false), "B released");
	return TEST_SUCCESS;
}

static int
test_p2p_plain_vm(void)
{
	uint64_t iova;
	void *hole;
	unsigned int w, passed = 0;
	int ret = TEST_SUCCESS;

	if (!test_vfio_is_kernel())
		TEST_SKIP("kernel test (p2p_plain_model_autotest is the model's)");
	if (test_eal_init("--no-huge", "-m", "32", NULL) < 0)
		return TEST_FAILED;
	t.pg = test_page_size();
	t.da = test_vfio_edu(NULL);
	t.db = t.da != NULL ? test_vfio_edu(t.da) : NULL;
	if (t.db == NULL) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("needs two edu devices bound to vfio-pci");
	}
	t.a = rte_edu_probe(t.da);
	TEST_ASSERT_NOT_NULL(t.a, "edu A: %s", rte_strerror(rte_errno));
	t.buf = rte_malloc(NULL, t.pg, t.pg);
	TEST_ASSERT_NOT_NULL(t.buf, "buffer");
	t.buf_iova = rte_malloc_virt2iova(t.buf);
	/* an IOVA no other mapping uses: that of a hole of our own */
	hole = mmap(NULL, t.pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		-1, 0);
	TEST_ASSERT(hole != MAP_FAILED, "hole");
	iova = test_iova_for(hole, t.pg);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "an IOVA for B's BAR");
	for (w = 0; w <= WAY_BUS; w++) {
		if ((test_vfio_maps_no_bar() ? refused_way((enum way)w, iova) :
				one_way((enum way)w, iova)) != TEST_SUCCESS) {
			ret = TEST_FAILED;
			printf("FAIL way %s\n", way_name[w]);
			break;
		}
		passed++;
	}
	printf("  %u of %u ways passed\n", passed, (unsigned int)WAY_BUS + 1);
	test_iova_release(iova, t.pg);
	munmap(hole, t.pg);
	rte_free(t.buf);
	rte_edu_remove(t.a);
	rte_eal_cleanup();
	return ret;
}
REGISTER_TEST_COMMAND(p2p_plain_vm_autotest, test_p2p_plain_vm);
