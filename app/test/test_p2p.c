/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer to peer through the owned-map API (rte_pci_p2p_map(), and
 * rte_dev_dma_map() of the bus's BAR mapping): the model's device-owned
 * units, and in the VM edu A's DMA into edu B's register, blocked after
 * B's release; where the kernel cannot map a BAR (iommufd before Linux
 * 6.19, iommufd's type1 emulation), the refusal. The plain DPDK API is
 * test_p2p_plain_{model,vm}.c; the iommufd dma-buf path on the model is
 * test_p2p_dmabuf.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
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

#define EDU_LIVENESS 0x04

/*
 * An IOVA of len that no EAL memory uses, in the current mode; va is a
 * reserved, otherwise unused address range of len.
 */
static uint64_t
spare_iova(void *va, size_t len)
{
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		return (uintptr_t)va; /* the address space keeps it unique */
	if (rte_eal_iova_mode_is_allocated())
		return rte_mem_iova_alloc(len, len);
	return 1ULL << 38; /* above the VM's RAM: no PA of a memseg */
}

static void
spare_iova_free(uint64_t iova, size_t len)
{
	if (rte_eal_iova_mode_is_allocated())
		rte_mem_iova_free(iova, len);
}

/* ---- peer to peer ---- */

static unsigned int n_dev_recs;

static void
count_dev(const struct vfio_record *rec, void *arg)
{
	uint64_t owner = *(uint64_t *)arg;

	if (rec->kind == VFIO_REC_DEVICE && (owner == 0 || rec->owner == owner))
		n_dev_recs++;
}

static unsigned int
device_records(int cfd)
{
	uint64_t any = 0;

	n_dev_recs = 0;
	vfio_container_records_walk(cfd, count_dev, &any);
	return n_dev_recs;
}

/* The model: device memory (anonymous pages stand in for a BAR). */
static int
p2p_model(void)
{
	struct vfio_model_group_cfg g;
	struct vfio_device_info info;
	size_t pg = test_page_size();
	char base[PATH_MAX];
	uint64_t iova = 0x80000000ULL;
	void *bar;
	int cfd, dfd = -1;

	model_cfg(&g, GROUP_48, DEV_48, 48);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) >= 0, "init");
	snprintf(base, sizeof(base), "%s/bus/pci/devices", vfio_model_sysfs_root());
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_48, &dfd, &info), "setup");
	cfd = rte_vfio_get_container_fd();
	bar = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(bar != MAP_FAILED, "mmap");

	TEST_STEP("device memory is mapped as one unit owned by the device");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)bar, iova, 2 * pg), "map");
	TEST_ASSERT_EQUAL(device_records(cfd), 1, "one device record");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, 2 * pg), "in the IOMMU");
	TEST_STEP("bad unmaps change nothing");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd, iova, pg), ENOTSUP, "cut");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd, iova + 4 * pg, pg), ENOENT,
		"nothing there");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd, iova, 0), EINVAL, "len 0");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd + 1000, iova, 2 * pg), ENOENT,
		"not a device");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
		(uintptr_t)bar, iova, 2 * pg), EPERM, "a user unmap of device memory");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, 2 * pg), "still mapped");
	TEST_STEP("explicit unmap, then map again");
	TEST_ASSERT_SUCCESS(vfio_device_dma_unmap(dfd, iova, 2 * pg), "unmap");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova, pg), "gone");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)bar, iova, 2 * pg), "map");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)bar + 2 * pg,
		iova + 2 * pg, 2 * pg), "second map");
	TEST_ASSERT_ERRNO(vfio_device_dma_map(dfd, (uintptr_t)bar, iova, pg), EEXIST,
		"overlap");
	TEST_STEP("releasing the device removes its mappings from the IOMMU");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_48, dfd), "release");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova, pg), "first gone");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova + 2 * pg, pg), "second gone");
	TEST_ASSERT_EQUAL(device_records(cfd), 0, "no device record");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	munmap(bar, 4 * pg);
	rte_eal_cleanup();
	return 0;
}

/* Write v into B's liveness register by A's DMA through IOVA iova. */
static int
dma_to_liveness(struct rte_edu *a, uint8_t *buf, rte_iova_t buf_iova,
		uint64_t iova, uint32_t v)
{
	memcpy(buf, &v, sizeof(v));
	if (rte_edu_copy_to_dev(a, buf, buf_iova, 0, sizeof(v), 0) < 0)
		return -1;
	return rte_edu_dma_from_dev(a, 0, iova + EDU_LIVENESS, sizeof(v), 0);
}

/*
 * Where the kernel cannot map B's BAR: native iommufd without VFIO's
 * dma-buf export (before Linux 6.19: the kernel this rig builds is 6.12),
 * and iommufd's emulation of the type1 container. Both API ways are
 * refused up front: ENOTSUP, one line naming cause and fix, nothing
 * recorded or issued; on iommufd B is probed once, not per call. Returns
 * 1 when the kernel maps it after all (iommufd with the export, 6.19+):
 * the caller then runs the mapping path, through the dma-buf.
 */
static int
p2p_refused(struct rte_edu *a, struct rte_pci_device *db, int cfd,
		uint64_t iova)
{
	bool cdev = rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV;
	const char *cause = cdev ? "Linux 6.19+" : "emulation of the type1 container";
	struct vfio_container_stats st0, st1, st2;
	size_t pg = test_page_size();
	const char *log;
	void *bar;
	int ret;

	TEST_ASSERT_SUCCESS(vfio_container_stats_get(cfd, &st0), "stats");
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	ret = rte_pci_p2p_map(db, 0, 0, pg, iova);
	log = test_log_release();
	if (ret == 0 && cdev) {
		printf("  this kernel exports BARs as dma-bufs (Linux 6.19+): the mapping path runs\n");
		TEST_ASSERT_SUCCESS(rte_pci_p2p_unmap(db, 0, 0, pg, iova), "p2p unmap");
		return 1;
	}
	TEST_STEP("B's BAR0 refused for peer to peer (ENOTSUP), one line, nothing changed");
	TEST_ASSERT(ret < 0 && rte_errno == ENOTSUP, "p2p map: %d %s", ret,
		rte_strerror(rte_errno));
	TEST_ASSERT(log != NULL && test_count_lines(log) == 1 &&
		strstr(log, cause) != NULL, "one line naming %s: %s", cause,
		log != NULL ? log : "(no capture)");
	TEST_ASSERT_SUCCESS(vfio_container_stats_get(cfd, &st1), "stats");
	TEST_ASSERT(st1.records == st0.records && st1.map_calls == st0.map_calls &&
		st1.refused_kernel == st0.refused_kernel,
		"nothing recorded, no map issued");
	if (cdev)
		TEST_ASSERT_EQUAL(st1.other_calls - st0.other_calls, 1,
			"B's dma-buf export probed (VFIO_DEVICE_FEATURE)");
	TEST_STEP("rte_dev_dma_map() of B's BAR: the same refusal, B not probed again");
	bar = rte_pci_map_bar(db, 0);
	TEST_ASSERT_NOT_NULL(bar, "B's BAR0");
	TEST_REFUSED(rte_dev_dma_map(rte_edu_pci_dev(a)->device, bar, iova, pg),
		ENOTSUP, "rte_dev_dma_map of B's BAR");
	TEST_ASSERT_SUCCESS(vfio_container_stats_get(cfd, &st2), "stats");
	TEST_ASSERT(st2.records == st0.records && st2.map_calls == st0.map_calls &&
		st2.other_calls == st1.other_calls, "nothing issued, no second probe");
	TEST_ASSERT_EQUAL(device_records(cfd), 0, "no device record");
	return TEST_SUCCESS;
}

static int
p2p_vm_run(struct rte_edu *a, struct rte_pci_device *db, uint8_t *buf,
		rte_iova_t buf_iova, uint64_t iova)
{
	size_t pg = test_page_size();
	struct rte_edu *b;
	uint8_t *bar;
	int cfd = rte_vfio_get_container_fd();

	b = rte_edu_probe(db);
	TEST_ASSERT_NOT_NULL(b, "edu B: %s", rte_strerror(rte_errno));
	if (test_vfio_maps_no_bar()) {
		int r = p2p_refused(a, db, cfd, iova);

		if (r != 1)
			return r;
	}
	TEST_STEP("B's BAR0 mapped for peer to peer at IOVA 0x%" PRIx64, iova);
	TEST_ASSERT_SUCCESS(rte_pci_p2p_map(db, 0, 0, pg, iova), "p2p map");
	TEST_ASSERT_EQUAL(device_records(cfd), 1, "a device record");
	rte_edu_write_liveness(b, 0x11111111);
	TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x11111111u, "CPU write");
	TEST_ASSERT_SUCCESS(dma_to_liveness(a, buf, buf_iova, iova, 0x5a5a1234),
		"A's DMA");
	TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x5a5a1234u,
		"A's DMA reached B's liveness register");
	TEST_STEP("bad peer-to-peer calls");
	TEST_ASSERT_ERRNO(rte_pci_p2p_map(db, 6, 0, pg, iova), EINVAL, "BAR 6");
	TEST_ASSERT_ERRNO(rte_pci_p2p_map(db, 0, 0, 1ULL << 40, iova), EINVAL,
		"beyond the BAR");
	TEST_ASSERT_ERRNO(rte_pci_p2p_map(db, 0, 0, pg, iova), EEXIST, "twice");
	TEST_ASSERT_ERRNO(rte_pci_p2p_unmap(db, 0, 0, pg, iova + pg), ENOENT,
		"nothing there");
	TEST_STEP("unmap, and rte_dev_dma_map() of B's BAR address is B's memory");
	TEST_ASSERT_SUCCESS(rte_pci_p2p_unmap(db, 0, 0, pg, iova), "p2p unmap");
	TEST_ASSERT_EQUAL(device_records(cfd), 0, "gone");
	bar = rte_pci_map_bar(db, 0);
	TEST_ASSERT_NOT_NULL(bar, "B's BAR0");
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(rte_edu_pci_dev(a)->device, bar, iova, pg),
		"rte_dev_dma_map of B's BAR through A");
	TEST_ASSERT_EQUAL(device_records(cfd), 1, "recorded as device memory");
	TEST_ASSERT_SUCCESS(dma_to_liveness(a, buf, buf_iova, iova, 0x0badcafe), "DMA");
	TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x0badcafeu, "A reached B");
	TEST_STEP("B released: its mapping goes with it");
	TEST_ASSERT_SUCCESS(rte_edu_remove(b), "remove B");
	if (rte_pci_is_open(db))
		TEST_ASSERT_SUCCESS(rte_pci_close(db), "close B");
	TEST_ASSERT_EQUAL(device_records(cfd), 0, "no device record after B's release");
	return 0;
}

static int
p2p_vm(void)
{
	size_t pg = test_page_size();
	struct rte_pci_device *da, *db;
	struct rte_edu *a, *b;
	rte_iova_t buf_iova;
	uint64_t iova;
	uint8_t *buf;
	void *hole;
	int ret;

	TEST_ASSERT(test_eal_init("--no-huge", "-m", "32", NULL) >= 0, "init");
	da = test_vfio_edu(NULL);
	db = da != NULL ? test_vfio_edu(da) : NULL;
	if (db == NULL) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("needs two edu devices bound to vfio-pci");
	}
	a = rte_edu_probe(da);
	TEST_ASSERT_NOT_NULL(a, "edu A: %s", rte_strerror(rte_errno));
	buf = rte_malloc(NULL, pg, pg);
	TEST_ASSERT_NOT_NULL(buf, "buffer");
	buf_iova = rte_malloc_virt2iova(buf);
	/* two pages: the second is an IOVA where nothing is mapped */
	hole = test_dma_mmap(2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	TEST_ASSERT(hole != MAP_FAILED, "mmap");
	iova = spare_iova(hole, 2 * pg);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "an IOVA for B's BAR");
	ret = p2p_vm_run(a, db, buf, buf_iova, iova);
	if (ret == 0) {
		TEST_STEP("after B's release, A's DMA to that IOVA is blocked");
		/* B again, without any peer-to-peer mapping */
		b = rte_edu_probe(db);
		TEST_ASSERT_NOT_NULL(b, "edu B again");
		rte_edu_write_liveness(b, 0x22222222);
		TEST_ASSERT_SUCCESS(dma_to_liveness(a, buf, buf_iova, iova, 0x77777777),
			"A's DMA completes on A's side");
		TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x22222222u,
			"B's register untouched: the DMA was blocked");
		rte_edu_remove(b);
	}
	spare_iova_free(iova, 2 * pg);
	munmap(hole, 2 * pg);
	rte_free(buf);
	rte_edu_remove(a);
	rte_eal_cleanup();
	return ret;
}

static int
test_p2p(void)
{
	if (!test_vfio_is_kernel())
		return p2p_model() < 0 ? TEST_FAILED : TEST_SUCCESS;
	return p2p_vm();
}
REGISTER_TEST_COMMAND(vfio_p2p_autotest, test_p2p);
