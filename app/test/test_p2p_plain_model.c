/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device memory mapped through the plain DPDK API, on the model: a BAR
 * mapped with rte_vfio_container_dma_map() is recognised as device memory
 * and owned by its device, so it goes before that device does.
 *
 * The process's own /proc files are replaced by fakes
 * (vfio_devmem_set_proc()): an anonymous shared mapping stands in for
 * device B's BAR and the fake smaps gives it VmFlags "io pf", the fake
 * pagemap a frame inside B's BAR as the fake sysfs lists it. The kernel
 * side of the same rules is p2p_plain_vm_autotest (test_p2p_plain_vm.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "vfio_devmem.h"
#include "vfio_device_ops.h"
#include "vfio_model.h"
#include "vfio_private.h"

#define GROUP_A 51
#define GROUP_B 52
#define GROUP_C 53
#define DEV_A "0000:00:06.0"
#define DEV_B "0000:00:07.0"
#define DEV_C "0000:00:08.0"
#define BAR_B_PHYS 0xfe000000ULL
#define IOVA_D 0x80000000ULL
#define IOVA_N 0x90000000ULL
#define RES_B_FILE "/sys/devices/pci0000:00/" DEV_B "/resource0"

static struct {
	char dir[64], smaps[96], pagemap[96];
	size_t pg;
	uint8_t *bar, *plain, *heap;
	bool hide_pfn;          /* pagemap as an unprivileged process reads it */
	const char *bar_file;   /* the file the BAR's VMA shows */
} fx;

/* ---- the fake /proc files ---- */

static int
put_vma(FILE *f, const void *va, size_t len, const char *flags,
		const char *file)
{
	return fprintf(f, "%012" PRIxPTR "-%012" PRIxPTR " rw-s 00000000 00:0e 4242                       %s\nSize: %zu kB\nRss: 0 kB\nVmFlags: %s\n",
		(uintptr_t)va, (uintptr_t)va + len, file, len / 1024, flags) < 0 ? -1 : 0;
}

struct fake_vma {
	uint8_t *va;
	size_t len;
	const char *flags, *file;
};

/* smaps lists VMAs in address order: the three fakes, sorted. */
static int
write_proc(void)
{
	struct fake_vma v[3] = {
		{ fx.bar, 4 * fx.pg, "rd wr sh mr mw me ms io pf dd", fx.bar_file },
		{ fx.plain, fx.pg, "rd wr mr mw me ac", "" },
		/* heap memory claims io: only a wrong look at it would see it */
		{ fx.heap, fx.pg, "rd wr mr mw me io pf", "" },
	};
	unsigned int i, j;
	uint64_t ent;
	FILE *f;
	int fd, ret = 0;

	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (v[j].va < v[i].va) {
				struct fake_vma t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	f = fopen(fx.smaps, "w");
	if (f == NULL)
		return -1;
	for (i = 0; i < 3 && ret == 0; i++)
		ret = put_vma(f, v[i].va, v[i].len, v[i].flags, v[i].file);
	if (fclose(f) != 0 || ret < 0)
		return -1;
	fd = open(fx.pagemap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	for (i = 0; i < 4; i++) {
		ent = (1ULL << 63) | (fx.hide_pfn ? 0 : BAR_B_PHYS / fx.pg + i);
		if (pwrite(fd, &ent, sizeof(ent), (off_t)((uintptr_t)fx.bar /
				fx.pg + i) * 8) != sizeof(ent))
			ret = -1;
	}
	close(fd);
	return ret;
}

static int
write_resource(const char *bdf, uint64_t start)
{
	char path[PATH_MAX];
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/resource",
		vfio_model_sysfs_root(), bdf);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "0x%016" PRIx64 " 0x%016" PRIx64 " 0x0000000000040200\n",
		start, start + 0xfffff);
	for (i = 1; i < 6; i++)
		fprintf(f, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
	return fclose(f);
}

/* ---- observations ---- */

static unsigned int n_seen;
static uint64_t seen_owner;

static void
see_dev(const struct vfio_record *rec, void *arg)
{
	(void)arg;
	if (rec->kind == VFIO_REC_DEVICE) {
		n_seen++;
		seen_owner = rec->owner;
	}
}

/* Device records of container cfd; the owner of the last in seen_owner. */
static unsigned int
dev_records(int cfd)
{
	n_seen = 0;
	seen_owner = 0;
	vfio_container_records_walk(cfd, see_dev, NULL);
	return n_seen;
}

/* One page of the BAR mapped (unmapped) at IOVA_D in container cfd. */
static int
bar_map(int cfd)
{
	return rte_vfio_container_dma_map(cfd, (uintptr_t)fx.bar, IOVA_D, fx.pg);
}

static int
bar_unmap(int cfd)
{
	return rte_vfio_container_dma_unmap(cfd, (uintptr_t)fx.bar, IOVA_D, fx.pg);
}

/* One device record in container cfd, and its owner known. */
static bool
one_known_owner(int cfd)
{
	return dev_records(cfd) == 1 &&
		seen_owner != (VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN);
}

static int
log_says(const char *w1, const char *w2, unsigned int lines)
{
	const char *buf = test_log_release();

	if (buf == NULL)
		return 1;
	if (strstr(buf, w1) != NULL && (w2 == NULL || strstr(buf, w2) != NULL) &&
			(lines == 0 || test_count_lines(buf) == lines))
		return 1;
	printf("  expected %u line(s) with \"%s\" and \"%s\", got:\n%s", lines,
		w1, w2 != NULL ? w2 : "", buf);
	return 0;
}

static char base[PATH_MAX];

/* B released through *fd_b: its BAR's page leaves container cfd. */
static int
release_b(int cfd, int *fd_b)
{
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_B, *fd_b), "release B");
	*fd_b = -1;
	TEST_ASSERT(!vfio_model_is_mapped(cfd, IOVA_D, fx.pg), "unmapped");
	return 0;
}

static int
setup(const char *bdf, int *fd)
{
	struct vfio_device_info info;

	return rte_vfio_setup_device(base, bdf, fd, &info);
}

/* ---- the cases ---- */

static int
normal_memory(int cfd)
{
	TEST_STEP("heap memory and a plain page are user maps, not device memory");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)fx.heap,
		IOVA_N, fx.pg), "heap map");
	TEST_ASSERT_EQUAL(dev_records(cfd), 0, "heap memory is no device memory");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)fx.heap,
		IOVA_N, fx.pg), "heap unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)fx.plain,
		IOVA_N, fx.pg), "plain map");
	TEST_ASSERT_EQUAL(dev_records(cfd), 0, "a plain page is no device memory");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)fx.plain,
		IOVA_N, fx.pg), "plain unmap");
	return 0;
}

static int
owned_by_b(int cfd, int *fd_b)
{
	uintptr_t bar = (uintptr_t)fx.bar;

	TEST_STEP("B's BAR through rte_vfio_container_dma_map(): owned by B");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, bar, IOVA_D, 2 * fx.pg),
		"map");
	TEST_ASSERT_EQUAL(dev_records(cfd), 1, "a device record");
	TEST_ASSERT(seen_owner & VFIO_OWNER_USER, "mapped through the user API");
	TEST_ASSERT(seen_owner != (VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN), "owner known");
	TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_D, 2 * fx.pg), "in the IOMMU");
	TEST_STEP("the same API unmaps it, and it can be mapped again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, bar, IOVA_D, 2 * fx.pg),
		"unmap");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, IOVA_D, fx.pg), "gone");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, bar, IOVA_D, 2 * fx.pg),
		"map again");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map_paged(cfd, bar + 2 * fx.pg,
		IOVA_D + 2 * fx.pg, 2 * fx.pg, fx.pg), ENOTSUP, "paged device memory");
	TEST_STEP("B released: its BAR's mapping goes first");
	TEST_ASSERT_SUCCESS(release_b(cfd, fd_b), "B released, its BAR unmapped");
	TEST_ASSERT_EQUAL(dev_records(cfd), 0, "no device record");
	TEST_STEP("unmap afterwards: ENOENT naming the release, no kernel call");
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(cfd, bar, IOVA_D, 2 * fx.pg),
		ENOENT, "unmap of a removed map");
	TEST_ASSERT(log_says("already unmapped when its device " DEV_B, NULL, 1),
		"one clear line");
	return 0;
}

static int
munmap_first(int cfd, int *fd_b)
{
	TEST_STEP("the other order: the BAR munmapped first, then B released");
	TEST_ASSERT_SUCCESS(setup(DEV_B, fd_b), "setup B");
	TEST_ASSERT_SUCCESS(bar_map(cfd), "map");
	munmap(fx.bar, 4 * fx.pg);
	TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_D, fx.pg), "the kernel keeps it");
	TEST_ASSERT_SUCCESS(release_b(cfd, fd_b), "B released, its BAR unmapped");
	fx.bar = mmap(NULL, 4 * fx.pg, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(fx.bar != MAP_FAILED, "mmap");
	return write_proc();
}

static int
unknown_owner(int cfd, int *fd_a, int *fd_b)
{
	TEST_STEP("frames hidden, A and B open: a device fd's mmap is ambiguous: one WARNING");
	fx.hide_pfn = true;
	TEST_ASSERT_SUCCESS(write_proc(), "fake proc");
	TEST_ASSERT_SUCCESS(setup(DEV_B, fd_b), "setup B");
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	TEST_ASSERT_SUCCESS(bar_map(cfd), "map");
	TEST_ASSERT(log_says("cannot be determined", "several devices", 1),
		"one WARNING line");
	TEST_ASSERT_EQUAL(dev_records(cfd), 1, "a device record");
	TEST_ASSERT_EQUAL(seen_owner, VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN, "unknown");
	TEST_STEP("the release of any device removes it (A here)");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_A, *fd_a), "release A");
	*fd_a = -1;
	TEST_ASSERT(!vfio_model_is_mapped(cfd, IOVA_D, fx.pg), "unmapped");

	TEST_STEP("frames hidden, only B open: its region offset names B");
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	TEST_ASSERT_SUCCESS(bar_map(cfd), "map");
	TEST_ASSERT(test_count_lines(test_log_release()) == 0, "no WARNING");
	TEST_ASSERT(one_known_owner(cfd), "owner known");
	TEST_ASSERT_SUCCESS(setup(DEV_A, fd_a), "setup A again");
	TEST_ASSERT_SUCCESS(bar_unmap(cfd), "unmap");

	TEST_STEP("a sysfs resourceN mmap names its device: owned without privilege");
	fx.bar_file = RES_B_FILE;
	TEST_ASSERT_SUCCESS(write_proc(), "fake proc");
	TEST_ASSERT_SUCCESS(bar_map(cfd), "map");
	TEST_ASSERT(one_known_owner(cfd), "owner known");
	TEST_ASSERT_SUCCESS(release_b(cfd, fd_b), "B released, its BAR unmapped");

	TEST_STEP("B not open through this EAL: one WARNING, unknown owner");
	fx.hide_pfn = false;
	fx.bar_file = "anon_inode:[vfio-device]";
	TEST_ASSERT_SUCCESS(write_proc(), "fake proc");
	TEST_ASSERT(test_log_capture() == 0, "log capture");
	TEST_ASSERT_SUCCESS(bar_map(cfd), "map");
	TEST_ASSERT(log_says("of " DEV_B, "not open through this EAL", 1),
		"one WARNING line");
	TEST_ASSERT_EQUAL(dev_records(cfd), 1, "a device record");
	TEST_ASSERT_EQUAL(seen_owner, VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN, "unknown");
	TEST_STEP("a reset of any device removes it");
	TEST_ASSERT_SUCCESS(vfio_device_dma_release_owned(*fd_a), "A's reset hook");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, IOVA_D, fx.pg), "unmapped");
	return 0;
}

static int
other_container(int *fd_b)
{
	int cfd2;

	TEST_STEP("B's BAR in the application's container goes with B too");
	cfd2 = rte_vfio_container_create();
	TEST_ASSERT(cfd2 >= 0, "container");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd2, GROUP_C) >= 0, "bind C");
	TEST_ASSERT_SUCCESS(setup(DEV_B, fd_b), "setup B");
	TEST_ASSERT_SUCCESS(bar_map(cfd2), "map");
	TEST_ASSERT(one_known_owner(cfd2), "owned by B");
	TEST_ASSERT_SUCCESS(release_b(cfd2, fd_b), "B released, its BAR unmapped");
	TEST_ASSERT_EQUAL(dev_records(cfd2), 0, "no record");
	TEST_STEP("unknown owner: the unbind of a group removes it");
	TEST_ASSERT_SUCCESS(bar_map(cfd2), "map (B not open: unknown)");
	TEST_ASSERT_EQUAL(dev_records(cfd2), 1, "a record");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd2, GROUP_C), "unbind");
	TEST_ASSERT(!vfio_model_is_mapped(cfd2, IOVA_D, fx.pg), "unmapped");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd2), "destroy");
	return 0;
}

static int
run(void)
{
	int cfd = rte_vfio_get_container_fd(), fd_a = -1, fd_b = -1, ret;

	ret = normal_memory(cfd);
	if (ret == 0)
		ret = setup(DEV_A, &fd_a) == 0 && setup(DEV_B, &fd_b) == 0 ? 0 : -1;
	if (ret == 0)
		ret = owned_by_b(cfd, &fd_b);
	if (ret == 0)
		ret = munmap_first(cfd, &fd_b);
	if (ret == 0)
		ret = unknown_owner(cfd, &fd_a, &fd_b);
	if (ret == 0)
		ret = other_container(&fd_b);
	if (ret == 0)
		ret = vfio_model_check();
	if (fd_b >= 0)
		rte_vfio_release_device(base, DEV_B, fd_b);
	if (fd_a >= 0)
		rte_vfio_release_device(base, DEV_A, fd_a);
	return ret;
}

static int
test_p2p_plain_model(void)
{
	int ret;

	TEST_MODEL_START("model test (p2p_plain_vm_autotest is the kernel's)", NULL);
	memset(&fx, 0, sizeof(fx));
	fx.pg = test_page_size();
	fx.bar_file = "anon_inode:[vfio-device]";
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/p2p-plain-XXXXXX");
	if (mkdtemp(fx.dir) == NULL || test_vfio_model_group(GROUP_A, DEV_A) < 0 ||
			test_vfio_model_group(GROUP_B, DEV_B) < 0 ||
			test_vfio_model_group(GROUP_C, DEV_C) < 0 ||
			write_resource(DEV_A, 0xfd000000ULL) < 0 ||
			write_resource(DEV_B, BAR_B_PHYS) < 0) {
		rte_eal_cleanup();
		printf("FAIL fixture: %s\n", strerror(errno));
		return TEST_FAILED;
	}
	snprintf(fx.smaps, sizeof(fx.smaps), "%s/smaps", fx.dir);
	snprintf(fx.pagemap, sizeof(fx.pagemap), "%s/pagemap", fx.dir);
	snprintf(base, sizeof(base), "%s/bus/pci/devices", vfio_model_sysfs_root());
	fx.bar = mmap(NULL, 4 * fx.pg, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fx.plain = mmap(NULL, fx.pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fx.heap = rte_malloc(NULL, fx.pg, fx.pg);
	ret = fx.bar == MAP_FAILED || fx.plain == MAP_FAILED || fx.heap == NULL ||
		write_proc() < 0 ? -1 : 0;
	vfio_devmem_set_proc(fx.smaps, fx.pagemap);
	if (ret == 0)
		ret = run();
	vfio_devmem_set_proc(NULL, NULL);
	rte_free(fx.heap);
	munmap(fx.plain, fx.pg);
	munmap(fx.bar, 4 * fx.pg);
	unlink(fx.smaps);
	unlink(fx.pagemap);
	rmdir(fx.dir);
	rte_eal_cleanup();
	return ret == 0 ? TEST_SUCCESS : TEST_FAILED;
}
REGISTER_TEST_COMMAND(p2p_plain_model_autotest, test_p2p_plain_model);

/* ---- cost of the recognition (reports numbers, like vfio_records_perf) ---- */

struct cost_arg {
	uint64_t va, iova, len;
	bool map;
};

/* What rte_vfio_container_dma_map/unmap did before device memory was recognised. */
static int
bare_call(struct vfio_container *cont, void *arg)
{
	const struct cost_arg *c = arg;

	return c->map ? vfio_dma_user_map_locked(cont, c->va, c->iova, c->len, 0) :
		vfio_dma_user_unmap_locked(cont, c->va, c->iova, c->len);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ns per map+unmap pair of va: through the API (api) or the bare call. */
static double
pair_ns(void *va, size_t len, bool api, unsigned int n)
{
	struct cost_arg c = { .va = (uintptr_t)va, .iova = IOVA_N, .len = len };
	uint64_t t = now_ns();
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (api) {
			if (rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
					c.va, c.iova, len) < 0 ||
					rte_vfio_container_dma_unmap(
					RTE_VFIO_DEFAULT_CONTAINER_FD, c.va, c.iova,
					len) < 0)
				return -1;
			continue;
		}
		c.map = true;
		if (vfio_with_container("bare", RTE_VFIO_DEFAULT_CONTAINER_FD,
				bare_call, &c) < 0)
			return -1;
		c.map = false;
		if (vfio_with_container("bare", RTE_VFIO_DEFAULT_CONTAINER_FD,
				bare_call, &c) < 0)
			return -1;
	}
	return (double)(now_ns() - t) / n;
}

/* ns per vfio_devmem_probe() of va. */
static double
probe_ns(void *va, size_t len, unsigned int n)
{
	struct vfio_devmem_probe p;
	uint64_t t = now_ns();
	unsigned int i;

	for (i = 0; i < n; i++)
		vfio_devmem_probe((uintptr_t)va, len, &p);
	return (double)(now_ns() - t) / n;
}

static int
test_p2p_plain_cost(void)
{
	const unsigned int n = 5000, reps = 3;
	size_t pg = test_page_size();
	double hb = 1e18, ha = 1e18, pb = 1e18, pa = 1e18, ra = 1e18, hp = 1e18, pp = 1e18, v;
	void *heap, *plain, *ro;
	unsigned int r;
	int ret;

	TEST_MODEL_START("model measurement", NULL);
	if (test_vfio_model_group(GROUP_A, DEV_A) < 0 ||
			rte_vfio_container_group_bind(RTE_VFIO_DEFAULT_CONTAINER_FD,
				GROUP_A) < 0) {
		rte_eal_cleanup();
		return TEST_FAILED;
	}
	heap = rte_malloc(NULL, pg, pg);
	plain = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	/* read-only: not populated for write, so smaps is read (as for a BAR) */
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ret = heap == NULL || plain == MAP_FAILED || ro == MAP_FAILED ? -1 : 0;
	/* the best of reps runs of each, interleaved: the machine is shared */
	for (r = 0; ret == 0 && r < reps; r++) {
		v = pair_ns(heap, pg, false, n);
		hb = v >= 0 && v < hb ? v : hb;
		v = pair_ns(heap, pg, true, n);
		ha = v >= 0 && v < ha ? v : ha;
		v = pair_ns(plain, pg, false, n / 10);
		pb = v >= 0 && v < pb ? v : pb;
		v = pair_ns(plain, pg, true, n / 10);
		pa = v >= 0 && v < pa ? v : pa;
		if (v < 0)
			ret = -1;
		v = probe_ns(ro, pg, n / 100);
		ra = v < ra ? v : ra;
		v = probe_ns(heap, pg, n);
		hp = v < hp ? v : hp;
		v = probe_ns(plain, pg, n);
		pp = v < pp ? v : pp;
	}
	if (ret == 0) {
		printf("  heap memory: %.0f ns per map+unmap pair through the API, %.0f ns bare: ratio %.3f\n",
			ha, hb, ha / hb);
		printf("  a plain page (one madvise): %.0f ns through the API, %.0f ns bare: ratio %.3f\n",
			pa, pb, pa / pb);
		printf("  the look alone: heap memory %.0f ns, a plain page %.0f ns, a read-only page (smaps read, as for a BAR) %.0f ns\n",
			hp, pp, ra);
	}
	rte_free(heap);
	if (plain != MAP_FAILED)
		munmap(plain, pg);
	if (ro != MAP_FAILED)
		munmap(ro, pg);
	rte_vfio_container_group_unbind(RTE_VFIO_DEFAULT_CONTAINER_FD, GROUP_A);
	rte_eal_cleanup();
	return ret == 0 ? TEST_SUCCESS : TEST_FAILED;
}
REGISTER_TEST_COMMAND(p2p_plain_cost_autotest, test_p2p_plain_cost);
