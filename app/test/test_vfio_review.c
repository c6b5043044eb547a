/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Regression tests for defects found in review of the VFIO component, on
 * the type1 model (model only: the kernel cannot be asked to misbehave).
 *
 * - A map whose last byte is 2^64 - 1 passed the wrap-around check (as it
 *   does in type1 of Linux 6.12, reference §2.7), was recorded, and could
 *   then never be unmapped: every [iova, iova + len) of the record
 *   discipline ended at 0. It must be refused before the kernel call,
 *   with EINVAL and nothing changed, with or without an IOMMU set.
 * - Releasing a device whose peer-to-peer mapping the kernel refused to
 *   unmap returned 0 and kept the record of the departed device: when its
 *   group was the container's last, the kernel had dropped the mapping but
 *   the record stayed and was replayed on the next bind (a DMA window onto
 *   memory nobody owns any more, which no call could remove). Now the
 *   record goes with the group's kernel mappings; while another group
 *   keeps the mapping alive, the release fails with the kernel's errno.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"

#define REVIEW_GROUP 60
#define REVIEW_BDF "0000:00:1c.0"
#define REVIEW_GROUP2 61
#define REVIEW_BDF2 "0000:00:1d.0"
#define P2P_IOVA 0x80000000ULL

static uint64_t
stat_of(int cfd, uint64_t (*pick)(const struct vfio_container_stats *))
{
	struct vfio_container_stats st;

	if (vfio_container_stats_get(cfd, &st) < 0)
		return UINT64_MAX;
	return pick(&st);
}

static uint64_t pick_records(const struct vfio_container_stats *st) { return st->records; }
static uint64_t pick_map_calls(const struct vfio_container_stats *st) { return st->map_calls; }

/* A map ending at the top of the 64-bit space: refused, nothing changes. */
static int
top_refused(int cfd, uint64_t va, uint64_t pg, const char *state)
{
	uint64_t top = UINT64_MAX - pg + 1;

	TEST_STEP("%s: IOVA [2^64 - page, 2^64 - 1] is refused", state);
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, va, top, pg), EINVAL,
		"map of the last IOVA page (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "no record (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_map_calls), 0, "no kernel call (%s)",
		state);
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map_paged(cfd, va, top - pg,
		2 * pg, pg), EINVAL, "paged map up to the last IOVA byte (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "no record (%s)", state);
	TEST_STEP("%s: vaddr [2^64 - page, 2^64 - 1] is refused", state);
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, top, 0x40000000ULL, pg),
		EINVAL, "map of the last vaddr page (%s)", state);
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "no record (%s)", state);
	TEST_STEP("%s: one page lower is fine and unmaps", state);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, top - pg, pg),
		"map below the last page (%s): %s", state, rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va, top - pg, pg),
		"unmap below the last page (%s): %s", state, rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(stat_of(cfd, pick_records), 0, "records gone (%s)", state);
	return TEST_SUCCESS;
}

static int
test_vfio_review(void)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = REVIEW_GROUP,
		.devices = { REVIEW_BDF },
		.aperture_bits = 64,  /* valid IOVAs up to 2^64 - 1, as on AMD v1 */
	};
	uint64_t pg = test_page_size();
	void *buf;
	int cfd, ret;

	if (test_vfio_is_kernel())
		TEST_SKIP("the end of the IOVA space is tested on the model (aperture of 64 bits)");
	ret = test_vfio_start(NULL);
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(vfio_model_add_group(&cfg), "model group");
	buf = test_anon_map(pg, MAP_POPULATE);
	TEST_ASSERT_NOT_NULL(buf, "mmap");

	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "create: %s", rte_strerror(rte_errno));
	ret = top_refused(cfd, (uintptr_t)buf, pg, "no group");
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, REVIEW_GROUP) >= 0,
		"bind: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_IOMMU, "IOMMU set");
	ret = top_refused(cfd, (uintptr_t)buf, pg, "IOMMU set");
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(cfd), 0, "nothing in the kernel");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	munmap(buf, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* The model, with every UNMAP_DMA refused (EBUSY) while unmap_refused is set. */
static bool unmap_refused;

static int
refusing_ioctl(int fd, unsigned long request, void *arg)
{
	if (unmap_refused && request == VFIO_IOMMU_UNMAP_DMA) {
		errno = EBUSY;
		return -1;
	}
	return vfio_backend_model.ioctl(fd, request, arg);
}

static struct vfio_backend refusing_backend;

static void
count_device_cb(const struct vfio_record *rec, void *arg)
{
	if (rec->kind == VFIO_REC_DEVICE)
		(*(unsigned int *)arg)++;
}

static unsigned int
device_records(void)
{
	unsigned int n = 0;

	vfio_container_records_walk(RTE_VFIO_DEFAULT_CONTAINER_FD,
		count_device_cb, &n);
	return n;
}

static int
p2p_release_refused(const char *base, uint64_t bar, uint64_t pg)
{
	struct vfio_device_info info;
	int cfd = rte_vfio_get_container_fd(), dfd = -1, dfd2 = -1, ret;

	TEST_STEP("last group: the kernel drops the mapping, the record must go too");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, REVIEW_BDF, &dfd, &info),
		"setup: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, bar, P2P_IOVA, pg), "p2p map");
	unmap_refused = true;
	ret = rte_vfio_release_device(base, REVIEW_BDF, dfd);
	unmap_refused = false;
	TEST_ASSERT_SUCCESS(ret, "release: nothing is left mapped");
	TEST_ASSERT_EQUAL(vfio_container_state_get(RTE_VFIO_DEFAULT_CONTAINER_FD),
		VFIO_CONT_NO_GROUP, "the group left");
	TEST_ASSERT_EQUAL(device_records(), 0, "no record of the departed device");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, REVIEW_BDF, &dfd, &info),
		"setup again: %s", rte_strerror(rte_errno));
	TEST_ASSERT(!vfio_model_is_mapped(cfd, P2P_IOVA, pg),
		"nothing replayed at the old device IOVA");

	TEST_STEP("another group keeps the mapping: the release says so");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, REVIEW_BDF2, &dfd2, &info),
		"setup of a second group: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, bar, P2P_IOVA, pg), "p2p map");
	unmap_refused = true;
	ret = rte_vfio_release_device(base, REVIEW_BDF, dfd);
	unmap_refused = false;
	TEST_ASSERT(ret < 0 && rte_errno == EBUSY,
		"release with its mapping still in the kernel: %d, %s", ret,
		rte_strerror(rte_errno));
	TEST_ASSERT(vfio_model_is_mapped(cfd, P2P_IOVA, pg), "still in the kernel");
	TEST_ASSERT_EQUAL(device_records(), 1, "and still recorded");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, REVIEW_BDF2, dfd2),
		"release of the second device");
	TEST_ASSERT_EQUAL(device_records(), 0, "gone with the last group");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	return TEST_SUCCESS;
}

static int
test_vfio_review_p2p(void)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = REVIEW_GROUP,
		.devices = { REVIEW_BDF },
		.msi_window = true,
	};
	uint64_t pg = test_page_size();
	char base[PATH_MAX];
	void *bar;
	int ret;

	if (test_vfio_is_kernel())
		TEST_SKIP("a refused unmap is injected on the model");
	ret = test_vfio_start(NULL);
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(vfio_model_add_group(&cfg), "model group");
	cfg.group_num = REVIEW_GROUP2;
	cfg.devices[0] = REVIEW_BDF2;
	TEST_ASSERT_SUCCESS(vfio_model_add_group(&cfg), "second model group");
	snprintf(base, sizeof(base), "%s/bus/pci/devices", vfio_model_sysfs_root());
	/* anonymous shared pages stand in for a BAR */
	bar = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(bar != MAP_FAILED, "mmap");
	refusing_backend = vfio_backend_model;
	refusing_backend.ioctl = refusing_ioctl;
	vfio_backend_select(&refusing_backend);
	ret = p2p_release_refused(base, (uintptr_t)bar, pg);
	vfio_backend_select(&vfio_backend_model);
	munmap(bar, pg);
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(vfio_review_autotest, test_vfio_review);
REGISTER_TEST_COMMAND(vfio_review_p2p_autotest, test_vfio_review_p2p);
