/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection across the VFIO component: every operation that issues
 * several kernel calls or allocations is failed at each of them in turn,
 * through the model (vfio_model_fail_nth) for kernel calls and the
 * component's allocation hook (vfio_alloc_fail_nth) for memory. After each
 * fault: the caller sees -1 (or NULL) with the injected rte_errno, the
 * state is exactly what it was (records with their references, kernel
 * mappings), records agree with the kernel, no heap record is stray, every
 * live allocation is mapped, and the same operation then works.
 *
 * Not repeated here (see test_vfio_api.c and test_vfio_mem.c): kernel
 * faults at each MAP_DMA of a paged map and of a replay, one refused
 * unmap, and MAP_DMA faults in a heap growth.
 *
 * This file holds the harness, user maps, groups and device release;
 * test_fault_vfio_mem.c the heap, external memory and EAL init.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "vfio_records.h"
#include "test.h"
#include "test_common.h"
#include "vfio_invariants.h"
#include "test_fault_vfio.h"

/* more kernel calls or allocations than any operation here makes */
#define MAX_FAULTS 256

uint64_t fault_pg;

static int
add_group(int num, const char *bdf)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = num,
		.devices = { bdf },
		.msi_window = true,
	};

	return vfio_model_add_group(&cfg);
}

int
fault_start(int dynamic)
{
	fault_pg = test_page_size();
	if (test_vfio_is_kernel()) {
		printf("SKIP fault injection needs the type1 model\n");
		return TEST_SKIPPED;
	}
	if ((dynamic ? test_eal_init("--no-huge", "--dynamic-mem", "--no-pci", NULL) :
			test_eal_init("--no-huge", "--no-pci", NULL)) < 0) {
		printf("FAIL EAL init: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	if (add_group(GROUP_A, "0000:00:11.0") < 0 ||
			add_group(GROUP_B, "0000:00:12.0") < 0) {
		printf("FAIL vfio_model_add_group\n");
		rte_eal_cleanup();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

void
fault_disarm(void)
{
	vfio_model_fail_nth(0, 0, 0);
	vfio_alloc_fail_nth(0);
}

/* ---- the state of a container, to compare before and after ---- */

struct snap {
	size_t n, kn;
	struct vfio_record rec[64];
	uint64_t kern[64][3];
};

static void
snap_rec(const struct vfio_record *r, void *arg)
{
	struct snap *s = arg;

	if (s->n < RTE_DIM(s->rec))
		s->rec[s->n] = *r;
	s->n++;
}

static void
snap_kern(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg)
{
	struct snap *s = arg;

	if (s->kn < RTE_DIM(s->kern)) {
		s->kern[s->kn][0] = iova;
		s->kern[s->kn][1] = vaddr;
		s->kern[s->kn][2] = len;
	}
	s->kn++;
}

static void
snap_take(int api_fd, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	vfio_container_records_walk(api_fd, snap_rec, s);
	vfio_model_walk(api_fd == DEF ? rte_vfio_get_container_fd() : api_fd,
		snap_kern, s);
}

static int
snap_same(const struct snap *a, const struct snap *b)
{
	return a->n == b->n && a->kn == b->kn &&
		memcmp(a->rec, b->rec, RTE_MIN(a->n, RTE_DIM(a->rec)) * sizeof(a->rec[0])) == 0 &&
		memcmp(a->kern, b->kern, RTE_MIN(a->kn, RTE_DIM(a->kern)) * sizeof(a->kern[0])) == 0;
}

uint8_t *
fault_buf_alloc(unsigned int pages)
{
	void *p = mmap(NULL, pages * fault_pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int
fault_each(const struct fault_op *op, unsigned int *faults, unsigned int *tolerated)
{
	struct snap before, after;
	unsigned int n;
	int ret = 0, err;

	*faults = 0;
	*tolerated = 0;
	for (n = 1; n <= MAX_FAULTS; n++) {
		unsigned long calls = ULONG_MAX;
		bool fired;

		snap_take(op->cont, &before);
		if (op->kind == FAULT_KERNEL) {
			/* any call: counted as the model counts them */
			calls = vfio_model_ioctl_count(op->request);
			vfio_model_fail_nth(op->request, n, op->err);
		} else {
			vfio_alloc_fail_nth(n);
		}
		rte_errno = 0;
		ret = op->run(op->arg);
		err = rte_errno;
		if (op->kind == FAULT_KERNEL) {
			fired = vfio_model_ioctl_count(op->request) - calls >= n;
			vfio_model_fail_nth(0, 0, 0);
		} else {
			fired = vfio_alloc_fail_nth(0) == 0;
		}
		if (inv_all(&op->cont, 1) < 0) {
			printf("FAIL %s: invariants broken after a fault at #%u\n",
				op->name, n);
			return -1;
		}
		if (ret == 0 && fired) {
			/* a failure the operation may survive (e.g. a probe) */
			(*tolerated)++;
			if (op->undo != NULL)
				op->undo(op->arg);
			continue;
		}
		if (ret == 0)
			break;
		(*faults)++;
		if (err != op->expect_err) {
			printf("FAIL %s: fault at #%u: rte_errno %d (%s), expected %d (%s)\n",
				op->name, n, err, rte_strerror(err), op->expect_err,
				rte_strerror(op->expect_err));
			return -1;
		}
		snap_take(op->cont, &after);
		if (!snap_same(&before, &after)) {
			printf("FAIL %s: fault at #%u left the container changed (%zu->%zu records, %zu->%zu kernel mappings)\n",
				op->name, n, before.n, after.n, before.kn, after.kn);
			return -1;
		}
	}
	if (ret != 0) {
		printf("FAIL %s: still failing after %u faults\n", op->name, MAX_FAULTS);
		return -1;
	}
	TEST_STEP("%s: %u %s fault(s) rolled back, %u survived, then it works",
		op->name, *faults,
		op->kind == FAULT_KERNEL ? "kernel" : "allocation", *tolerated);
	if (op->undo != NULL)
		op->undo(op->arg);
	return 0;
}

/* ---- user maps and unmaps ---- */

struct user_ctx {
	int cfd;
	uint64_t va;
	unsigned int pages;
};

static int
op_paged_map(void *arg)
{
	struct user_ctx *c = arg;

	return rte_vfio_container_dma_map_paged(c->cfd, c->va, IOVA_BASE,
		c->pages * fault_pg, fault_pg);
}

static void
undo_paged_map(void *arg)
{
	struct user_ctx *c = arg;

	rte_vfio_container_dma_unmap(c->cfd, c->va, IOVA_BASE, c->pages * fault_pg);
}

/*
 * The unmap below releases [IOVA_BASE, +6 pages) laid out as: a page,
 * a page shared by two maps (it only loses a reference), two pages, a
 * paged pair: three kernel runs around the shared page... expressed in
 * whole records, one call per adjacent run.
 */
static int
user_layout(const struct user_ctx *c)
{
	int fd = c->cfd;

	if (rte_vfio_container_dma_map(fd, c->va, IOVA_BASE, fault_pg) < 0 ||
			rte_vfio_container_dma_map(fd, c->va + fault_pg, IOVA_BASE + fault_pg, fault_pg) < 0 ||
			rte_vfio_container_dma_map(fd, c->va + fault_pg, IOVA_BASE + fault_pg, fault_pg) < 0 ||
			rte_vfio_container_dma_map(fd, c->va + 2 * fault_pg, IOVA_BASE + 2 * fault_pg,
				2 * fault_pg) < 0 ||
			rte_vfio_container_dma_map_paged(fd, c->va + 4 * fault_pg,
				IOVA_BASE + 4 * fault_pg, 2 * fault_pg, fault_pg) < 0)
		return -1;
	return 0;
}

static int
op_unmap_runs(void *arg)
{
	struct user_ctx *c = arg;

	return rte_vfio_container_dma_unmap(c->cfd, c->va, IOVA_BASE, 6 * fault_pg);
}

static int
test_fault_user(void)
{
	struct user_ctx c = { .pages = 8 };
	struct fault_op op = { .arg = &c };
	unsigned int faults, tolerated;
	struct snap s;
	uint8_t *buf;

	START(0);
	buf = fault_buf_alloc(16);
	TEST_ASSERT_NOT_NULL(buf, "mmap");
	c.va = (uintptr_t)buf;
	c.cfd = rte_vfio_container_create();
	TEST_ASSERT(c.cfd >= 0, "create");
	TEST_ASSERT(rte_vfio_container_group_bind(c.cfd, GROUP_A) >= 0, "bind");
	op.cont = c.cfd;

	op.name = "paged map (allocations)";
	op.run = op_paged_map;
	op.undo = undo_paged_map;
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "paged map");
	TEST_ASSERT(faults >= c.pages + 1, "a unit array and a record per page (%u)", faults);

	TEST_ASSERT_SUCCESS(user_layout(&c), "layout");
	TEST_ASSERT_SUCCESS(inv_records_match_kernel(c.cfd), "records == kernel");
	op.name = "unmap of several runs (kernel)";
	op.run = op_unmap_runs;
	op.undo = NULL;
	op.kind = FAULT_KERNEL;
	op.request = VFIO_IOMMU_UNMAP_DMA;
	op.err = EINVAL;
	op.expect_err = EINVAL;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "unmap");
	TEST_ASSERT_EQUAL(faults, 2, "one kernel call per run around the shared page");
	snap_take(c.cfd, &s);
	TEST_ASSERT_EQUAL(s.n, 1, "only the shared page is left");
	TEST_ASSERT_EQUAL(s.rec[0].refcnt, 1, "with one reference");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(c.cfd, c.va + fault_pg, IOVA_BASE + fault_pg, fault_pg),
		"last reference");

	TEST_ASSERT_SUCCESS(user_layout(&c), "layout again");
	op.name = "unmap of several runs (allocations)";
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "unmap");
	TEST_ASSERT(faults >= 1, "the unmap lists its records");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(c.cfd, c.va + fault_pg, IOVA_BASE + fault_pg, fault_pg),
		"last reference");
	TEST_ASSERT_SUCCESS(inv_va_unmapped(c.cfd, c.va, 16 * fault_pg), "nothing left mapped");

	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(c.cfd), "destroy");
	munmap(buf, 16 * fault_pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* ---- groups: bind (SET_IOMMU, GET_INFO, replay) and container destroy ---- */

struct bind_ctx {
	int cfd;
	int group;
};

static int
op_bind(void *arg)
{
	struct bind_ctx *c = arg;

	return rte_vfio_container_group_bind(c->cfd, c->group) >= 0 ? 0 : -1;
}

static void
undo_bind(void *arg)
{
	struct bind_ctx *c = arg;

	rte_vfio_container_group_unbind(c->cfd, c->group);
}

static int
test_fault_group(void)
{
	struct bind_ctx c = { .group = GROUP_A };
	struct fault_op op = { .arg = &c, .run = op_bind, .undo = undo_bind };
	unsigned int faults, tolerated, n_rec;
	uint8_t *buf;
	int cfd2;

	START(0);
	buf = fault_buf_alloc(16);
	TEST_ASSERT_NOT_NULL(buf, "mmap");
	c.cfd = rte_vfio_container_create();
	TEST_ASSERT(c.cfd >= 0, "create");
	op.cont = c.cfd;
	/* records waiting for a group: the first bind replays them */
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(c.cfd, (uintptr_t)buf,
		IOVA_BASE, 4 * fault_pg, fault_pg), "paged map before any group");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(c.cfd, (uintptr_t)buf + 8 * fault_pg,
		IOVA_BASE + 16 * fault_pg, 4 * fault_pg), "map before any group");
	n_rec = 5;

	op.name = "first bind (every kernel call)";
	op.kind = FAULT_KERNEL;
	op.request = 0;
	op.err = EIO;
	op.expect_err = EIO;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "bind");
	TEST_ASSERT(faults + tolerated >= 6 + n_rec,
		"GET_STATUS, SET_CONTAINER, 2 CHECK_EXTENSION, SET_IOMMU, GET_INFO and the replay (%u + %u)",
		faults, tolerated);
	op.name = "first bind (allocations)";
	op.kind = FAULT_ALLOC;
	op.expect_err = ENOMEM;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "bind");
	TEST_ASSERT(faults >= 1, "the replay lists its records");

	TEST_STEP("a second group: GET_INFO again");
	TEST_ASSERT(rte_vfio_container_group_bind(c.cfd, GROUP_A) >= 0, "bind A");
	c.group = GROUP_B;
	op.name = "second bind (every kernel call)";
	op.kind = FAULT_KERNEL;
	op.expect_err = EIO;
	TEST_ASSERT_SUCCESS(fault_each(&op, &faults, &tolerated), "bind B");
	TEST_ASSERT(faults + tolerated >= 3, "GET_STATUS, SET_CONTAINER and GET_INFO (%u + %u)",
		faults, tolerated);
	TEST_ASSERT(rte_vfio_container_group_bind(c.cfd, GROUP_B) >= 0, "bind B");

	TEST_STEP("destroy with UNMAP_DMA failing: the container still goes");
	vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, 1, EIO);
	TEST_ASSERT_ERRNO(rte_vfio_container_destroy(c.cfd), EIO, "destroy under a fault");
	fault_disarm();
	TEST_ASSERT_EQUAL(vfio_container_state_get(c.cfd), -1, "container gone");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model sane");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0, "nothing stays pinned");
	TEST_ASSERT_SUCCESS(inv_all(NULL, 0), "invariants");
	cfd2 = rte_vfio_container_create();
	TEST_ASSERT(cfd2 >= 0, "create again");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd2, GROUP_A) >= 0, "group A is free again");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd2, GROUP_B) >= 0, "group B is free again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd2, (uintptr_t)buf, IOVA_BASE,
		4 * fault_pg), "map in the new container");
	TEST_ASSERT_SUCCESS(inv_records_match_kernel(cfd2), "records == kernel");

	TEST_STEP("destroy with an allocation failing: the container still goes");
	vfio_alloc_fail_nth(1);
	rte_errno = 0;
	(void)rte_vfio_container_destroy(cfd2);
	fault_disarm();
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd2), -1, "container gone");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0, "nothing stays pinned");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model sane");

	TEST_STEP("container create (allocations)");
	{
		int fd = -1;
		unsigned int n;

		for (n = 1; n <= 8 && fd < 0; n++) {
			vfio_alloc_fail_nth(n);
			rte_errno = 0;
			fd = rte_vfio_container_create();
			fault_disarm();
			if (fd < 0)
				TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "create under fault #%u", n);
		}
		TEST_ASSERT(fd >= 0, "create works after the faults");
		TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(fd), "destroy");
	}
	munmap(buf, 16 * fault_pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* ---- device release with its peer-to-peer unmap refused ---- */

#define RELEASE_GROUP 60
#define RELEASE_BDF "0000:00:1c.0"
#define RELEASE_GROUP2 61
#define RELEASE_BDF2 "0000:00:1d.0"
#define P2P_IOVA 0x80000000ULL

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

/* Releases the device at RELEASE_BDF while the kernel refuses to unmap. */
static int
release_unmap_refused(const char *base, int dfd)
{
	int ret;

	unmap_refused = true;
	ret = rte_vfio_release_device(base, RELEASE_BDF, dfd);
	unmap_refused = false;
	return ret;
}

static int
p2p_release_refused(const char *base, uint64_t bar, uint64_t pg)
{
	struct vfio_device_info info;
	int cfd = rte_vfio_get_container_fd(), dfd = -1, dfd2 = -1, ret;

	TEST_STEP("last group: the kernel drops the mapping, the record must go too");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, RELEASE_BDF, &dfd, &info),
		"setup: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, bar, P2P_IOVA, pg), "p2p map");
	ret = release_unmap_refused(base, dfd);
	TEST_ASSERT_SUCCESS(ret, "release: nothing is left mapped");
	TEST_ASSERT_EQUAL(vfio_container_state_get(RTE_VFIO_DEFAULT_CONTAINER_FD),
		VFIO_CONT_NO_GROUP, "the group left");
	TEST_ASSERT_EQUAL(device_records(), 0, "no record of the departed device");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, RELEASE_BDF, &dfd, &info),
		"setup again: %s", rte_strerror(rte_errno));
	TEST_ASSERT(!vfio_model_is_mapped(cfd, P2P_IOVA, pg),
		"nothing replayed at the old device IOVA");

	TEST_STEP("another group keeps the mapping: the release says so");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, RELEASE_BDF2, &dfd2, &info),
		"setup of a second group: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, bar, P2P_IOVA, pg), "p2p map");
	ret = release_unmap_refused(base, dfd);
	TEST_ASSERT(ret < 0 && rte_errno == EBUSY,
		"release with its mapping still in the kernel: %d, %s", ret,
		rte_strerror(rte_errno));
	TEST_ASSERT(vfio_model_is_mapped(cfd, P2P_IOVA, pg), "still in the kernel");
	TEST_ASSERT_EQUAL(device_records(), 1, "and still recorded");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, RELEASE_BDF2, dfd2),
		"release of the second device");
	TEST_ASSERT_EQUAL(device_records(), 0, "gone with the last group");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	return TEST_SUCCESS;
}

/*
 * Releasing a device whose peer-to-peer mapping the kernel refuses to
 * unmap: when its group was the container's last, the kernel dropped the
 * mapping, so the record goes too (else it would be replayed on the next
 * bind: a DMA window onto memory nobody owns); while another group keeps
 * the mapping alive, the release fails with the kernel's errno.
 */
static int
test_fault_release_p2p(void)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = RELEASE_GROUP,
		.devices = { RELEASE_BDF },
		.msi_window = true,
	};
	uint64_t pg = test_page_size();
	char base[PATH_MAX];
	void *bar;
	int ret;

	TEST_MODEL_START("a refused unmap is injected on the model", &cfg);
	cfg.group_num = RELEASE_GROUP2;
	cfg.devices[0] = RELEASE_BDF2;
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

REGISTER_TEST_COMMAND(fault_vfio_user_autotest, test_fault_user);
REGISTER_TEST_COMMAND(fault_vfio_group_autotest, test_fault_group);
REGISTER_TEST_COMMAND(fault_vfio_release_p2p_autotest, test_fault_release_p2p);
