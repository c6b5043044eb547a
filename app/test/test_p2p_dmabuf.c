/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device memory on native iommufd, on the model: a BAR mapped for peer to
 * peer goes to the kernel as the BAR's VFIO dma-buf (VFIO_DEVICE_FEATURE
 * DMA_BUF) through IOMMU_IOAS_MAP_FILE, one record per map, owned by its
 * device; where the kernel cannot export BARs (Linux before 6.19, or a
 * driver without the export) the map is refused up front with ENOTSUP.
 *
 * The EAL runs in cdev mode on the model (vfio_model_set_iommufd()), as
 * Linux 6.19 (vfio_model_set_kernel()) or 6.12. An anonymous shared
 * mapping stands in for device B's BAR0; a fake /proc/self/smaps
 * (vfio_devmem_set_proc()) shows it as the mmap of a VFIO device fd at
 * BAR0's region offset, or as B's sysfs resource0. The kernel's side on
 * 6.12, the refusal, is vfio_p2p_autotest and p2p_plain_vm_autotest in
 * the iommufd VM configuration; the 6.19 path is proven here only.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "vfio_backend.h"
#include "vfio_devmem.h"
#include "vfio_device_ops.h"
#include "vfio_iommufd_uapi.h"
#include "vfio_model.h"
#include "vfio_private.h"

#define GROUP_A 61
#define GROUP_B 62
#define GROUP_C 63
#define DEV_A "0000:00:0a.0"
#define DEV_B "0000:00:0b.0"
#define DEV_C "0000:00:0c.0"
#define IOVA_D 0x80000000ULL
#define RES_B_FILE "/sys/devices/pci0000:00/" DEV_B "/resource0"
#define VFIO_FILE "anon_inode:[vfio-device]"

static struct {
	char dir[64], smaps[96], pagemap[96], base[PATH_MAX];
	size_t pg;
	uint8_t *bar;
	int cfd, iommufd;
	uint32_t ioas;
	int fd_a, fd_b;
} fx;

/* ---- fixtures ---- */

/* smaps shows the BAR stand-in as file, at file offset off (VmFlags io pf). */
static int
fake_bar(const char *file, uint64_t off)
{
	FILE *f = fopen(fx.smaps, "w");
	int ret;

	if (f == NULL)
		return -1;
	ret = fprintf(f, "%012" PRIxPTR "-%012" PRIxPTR " rw-s %08" PRIx64 " 00:0e 4242                       %s\nSize: %zu kB\nVmFlags: rd wr sh mr mw me ms io pf dd\n",
		(uintptr_t)fx.bar, (uintptr_t)fx.bar + 4 * fx.pg, off, file,
		4 * fx.pg / 1024);
	return fclose(f) != 0 || ret < 0 ? -1 : 0;
}

static int
read_ioas(struct vfio_container *cont, void *arg)
{
	(void)arg;
	fx.iommufd = cont->fd;
	fx.ioas = cont->ioas_id;
	return 0;
}

static int
setup(const char *bdf, int *fd)
{
	struct vfio_device_info info;

	return rte_vfio_setup_device(fx.base, bdf, fd, &info);
}

static void
release(const char *bdf, int *fd)
{
	if (*fd >= 0)
		rte_vfio_release_device(fx.base, bdf, *fd);
	*fd = -1;
}

/* The EAL in cdev mode on the model as kernel k, A and B set up. */
static int
start(enum vfio_model_kernel k)
{
	struct vfio_model_group_cfg g[3] = {
		{ .group_num = GROUP_A, .devices = { DEV_A }, .msi_window = true },
		{ .group_num = GROUP_B, .devices = { DEV_B }, .msi_window = true },
		{ .group_num = GROUP_C, .devices = { DEV_C }, .msi_window = true },
	};
	char *argv[] = { (char *)(uintptr_t)"dpdk-test",
		(char *)(uintptr_t)"--no-huge", (char *)(uintptr_t)"-m",
		(char *)(uintptr_t)"16", (char *)(uintptr_t)"--no-pci",
		(char *)(uintptr_t)"--vfio-mode=cdev", NULL };

	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_memlock_limit(UINT64_MAX);
	vfio_model_set_cap_ipc_lock(true);
	vfio_model_set_iommufd(true);
	vfio_model_set_kernel(k);
	if (vfio_model_add_group(&g[0]) < 0 || vfio_model_add_group(&g[1]) < 0 ||
			vfio_model_add_group(&g[2]) < 0)
		return -1;
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		printf("FAIL rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	TEST_ASSERT_EQUAL(rte_vfio_get_mode(), RTE_VFIO_MODE_CDEV, "cdev mode");
	snprintf(fx.base, sizeof(fx.base), "%s/bus/pci/devices",
		vfio_model_sysfs_root());
	fx.fd_a = fx.fd_b = -1;
	TEST_ASSERT_SUCCESS(setup(DEV_A, &fx.fd_a), "setup A: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(setup(DEV_B, &fx.fd_b), "setup B: %s",
		rte_strerror(rte_errno));
	fx.cfd = rte_vfio_get_container_fd();
	TEST_ASSERT_SUCCESS(vfio_with_container("test", fx.cfd, read_ioas, NULL),
		"the IOAS");
	return fake_bar(VFIO_FILE, 0);
}

static void
stop(void)
{
	release(DEV_A, &fx.fd_a);
	release(DEV_B, &fx.fd_b);
	rte_eal_cleanup();
}

/* ---- observations ---- */

static struct {
	unsigned int n;
	struct vfio_record last;
} seen;

static void
see_dev(const struct vfio_record *rec, void *arg)
{
	(void)arg;
	if (rec->kind == VFIO_REC_DEVICE) {
		seen.n++;
		seen.last = *rec;
	}
}

/* Device records of the default container (the last in seen.last). */
static unsigned int
dev_records(void)
{
	memset(&seen, 0, sizeof(seen));
	vfio_container_records_walk(fx.cfd, see_dev, NULL);
	return seen.n;
}

/* dma-buf areas of the IOAS; *live: those that reach their BAR. */
static int
areas(unsigned int *live)
{
	unsigned int l = 0;
	int n = vfio_model_ioas_dmabuf_areas(fx.iommufd, fx.ioas, &l);

	if (live != NULL)
		*live = l;
	return n;
}

/* One page of B's BAR mapped at IOVA_D through B. */
static int
map_b(void)
{
	return vfio_device_dma_map(fx.fd_b, (uintptr_t)fx.bar, IOVA_D, fx.pg);
}

/* No device record and no dma-buf area. */
static int
nothing_mapped(void)
{
	TEST_ASSERT_EQUAL(dev_records(), 0, "no record");
	TEST_ASSERT_EQUAL(areas(NULL), 0, "no area");
	return 0;
}

static struct vfio_container_stats
stats(void)
{
	struct vfio_container_stats st;

	memset(&st, 0, sizeof(st));
	vfio_container_stats_get(fx.cfd, &st);
	return st;
}

/* The captured log is one line and holds word. */
static int
one_line_with(const char *word)
{
	const char *buf = test_log_release();

	if (buf != NULL && test_count_lines(buf) == 1 && strstr(buf, word) != NULL)
		return 1;
	printf("  expected one line with \"%s\", got:\n%s", word,
		buf != NULL ? buf : "(no capture)\n");
	return 0;
}

/* ---- Linux 6.19: the dma-buf path ---- */

static int
owned_map(void)
{
	struct vfio_container_stats st0 = stats(), st;
	unsigned long feat0 = vfio_model_ioctl_count(VFIO_DEVICE_FEATURE);
	unsigned long file0 = vfio_model_ioctl_count(MV_IOMMU_IOAS_MAP_FILE);
	unsigned int live;

	TEST_STEP("B's BAR0 [0, 2 pages) for peer to peer: one dma-buf map, one record");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(fx.fd_b, (uintptr_t)fx.bar, IOVA_D,
		2 * fx.pg), "map: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(dev_records(), 1, "one device record");
	TEST_ASSERT(seen.last.iova == IOVA_D && seen.last.len == 2 * fx.pg &&
		seen.last.bar == 0 && seen.last.bar_off == 0 &&
		!(seen.last.owner & VFIO_OWNER_USER), "the record: BAR0 + 0, owned");
	TEST_ASSERT_EQUAL(areas(&live), 1, "one dma-buf area in the IOAS");
	TEST_ASSERT_EQUAL(live, 1, "it reaches the BAR");
	TEST_ASSERT_EQUAL(vfio_model_dmabufs_open(), 0, "the dma-buf fd was closed");
	st = stats();
	TEST_ASSERT_EQUAL(st.map_calls - st0.map_calls, 1, "one MAP_FILE counted");
	TEST_ASSERT_EQUAL(st.other_calls - st0.other_calls, 2,
		"the probe and the export counted");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_DEVICE_FEATURE) - feat0, 2,
		"probe + export");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(MV_IOMMU_IOAS_MAP_FILE) - file0, 1,
		"one MAP_FILE");

	TEST_STEP("a second map of B: the device is not probed again");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(fx.fd_b, (uintptr_t)fx.bar + 2 * fx.pg,
		IOVA_D + 2 * fx.pg, 2 * fx.pg), "second map");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_DEVICE_FEATURE) - feat0, 3,
		"one more export, no probe");
	TEST_ASSERT_EQUAL(dev_records(), 2, "two records");
	TEST_ASSERT(seen.last.bar_off == 2 * fx.pg, "the second at BAR0 + 2 pages");
	TEST_ASSERT_EQUAL(areas(NULL), 2, "two areas");

	TEST_STEP("the same checks before the kernel: overlap, misuse");
	TEST_ASSERT_ERRNO(map_b(), EEXIST, "overlap");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(fx.fd_b, IOVA_D, fx.pg), ENOTSUP,
		"a cut");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(fx.cfd, (uintptr_t)fx.bar,
		IOVA_D, 2 * fx.pg), EPERM, "a user unmap of owned device memory");
	TEST_ASSERT_EQUAL(areas(NULL), 2, "nothing changed");

	TEST_STEP("unmap one: the usual IOMMU_IOAS_UNMAP");
	TEST_ASSERT_SUCCESS(vfio_device_dma_unmap(fx.fd_b, IOVA_D, 2 * fx.pg), "unmap");
	TEST_ASSERT_EQUAL(dev_records(), 1, "one record left");
	TEST_ASSERT_EQUAL(areas(NULL), 1, "one area left");

	TEST_STEP("B released: its other map goes with it");
	release(DEV_B, &fx.fd_b);
	TEST_ASSERT_SUCCESS(nothing_mapped(), "nothing recorded or mapped");
	TEST_ASSERT_SUCCESS(setup(DEV_B, &fx.fd_b), "setup B again");
	return 0;
}

static int
rollback(void)
{
	struct vfio_container_stats st0 = stats(), st;

	TEST_STEP("MAP_FILE fails (ENOMEM): nothing recorded, nothing mapped, fd closed");
	/* B was set up again: probed again at its first map */
	vfio_model_fail_nth(MV_IOMMU_IOAS_MAP_FILE, 1, ENOMEM);
	test_log_capture();
	TEST_ASSERT_ERRNO(map_b(), ENOMEM, "map");
	TEST_ASSERT(one_line_with("IOMMU_IOAS_MAP_FILE"), "one line naming the call");
	TEST_ASSERT_SUCCESS(nothing_mapped(), "nothing recorded or mapped");
	TEST_ASSERT_EQUAL(vfio_model_dmabufs_open(), 0, "no dma-buf fd left open");
	st = stats();
	TEST_ASSERT_EQUAL(st.refused_kernel - st0.refused_kernel, 1, "a kernel refusal");

	TEST_STEP("the export fails (EINVAL: beyond the BAR's resource): the same");
	vfio_model_fail_nth(VFIO_DEVICE_FEATURE, 1, EINVAL);
	TEST_ASSERT_ERRNO(map_b(), EINVAL, "map");
	TEST_ASSERT_SUCCESS(nothing_mapped(), "nothing recorded or mapped");
	vfio_model_fail_nth(0, 0, 0);
	TEST_ASSERT_SUCCESS(map_b(), "and then it maps");
	TEST_ASSERT_SUCCESS(vfio_device_dma_unmap(fx.fd_b, IOVA_D, fx.pg), "unmap");
	return 0;
}

static int
revoked_bar(void)
{
	unsigned int live;

	TEST_STEP("B's memory decode off: its dma-buf is revoked, the map is ENODEV");
	TEST_ASSERT_SUCCESS(vfio_model_set_memory_decode(DEV_B, false), "decode off");
	test_log_capture();
	TEST_ASSERT_ERRNO(map_b(), ENODEV, "map of a revoked BAR");
	TEST_ASSERT(one_line_with("revoked"), "one line naming the revocation");
	TEST_ASSERT_SUCCESS(nothing_mapped(), "nothing recorded or mapped");

	TEST_STEP("decode on: it maps; off again: the area stays, dead, until B goes");
	TEST_ASSERT_SUCCESS(vfio_model_set_memory_decode(DEV_B, true), "decode on");
	TEST_ASSERT_SUCCESS(map_b(), "map");
	TEST_ASSERT_SUCCESS(vfio_model_set_memory_decode(DEV_B, false), "decode off");
	TEST_ASSERT(areas(&live) == 1 && live == 0, "one area, revoked");
	TEST_ASSERT_EQUAL(dev_records(), 1, "still recorded, as the kernel holds it");
	release(DEV_B, &fx.fd_b);
	TEST_ASSERT_EQUAL(areas(NULL), 0, "unmapped with B");
	TEST_ASSERT_EQUAL(dev_records(), 0, "no record");
	TEST_ASSERT_SUCCESS(vfio_model_set_memory_decode(DEV_B, true), "decode on");
	TEST_ASSERT_SUCCESS(setup(DEV_B, &fx.fd_b), "setup B again");
	return 0;
}

static int
user_map(void)
{
	uintptr_t bar = (uintptr_t)fx.bar;

	TEST_STEP("rte_vfio_container_dma_map() of a VFIO fd's mmap, A and B open: whose? ENOTSUP");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(fx.cfd, bar, IOVA_D, fx.pg),
		ENOTSUP, "ambiguous");
	TEST_ASSERT(one_line_with("several devices"), "one line saying why");
	TEST_ASSERT_EQUAL(dev_records(), 0, "no record");

	TEST_STEP("a sysfs resource0 mmap names B: a dma-buf map owned by B");
	TEST_ASSERT_SUCCESS(fake_bar(RES_B_FILE, fx.pg), "fake smaps");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(fx.cfd, bar, IOVA_D,
		2 * fx.pg), "map: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(dev_records(), 1, "one device record");
	TEST_ASSERT(seen.last.bar == 0 && seen.last.bar_off == fx.pg &&
		(seen.last.owner & VFIO_OWNER_USER) &&
		seen.last.owner != (VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN),
		"BAR0 + 1 page, owned by B through the user API");
	TEST_ASSERT_EQUAL(areas(NULL), 1, "one area");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(fx.cfd, bar, IOVA_D,
		2 * fx.pg), "the same API unmaps it");
	TEST_ASSERT_EQUAL(areas(NULL), 0, "gone");

	TEST_STEP("mapped again, B released: it goes; a later unmap says so (ENOENT)");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(fx.cfd, bar, IOVA_D,
		2 * fx.pg), "map");
	release(DEV_B, &fx.fd_b);
	TEST_ASSERT_EQUAL(areas(NULL), 0, "unmapped with B");
	TEST_REFUSED(rte_vfio_container_dma_unmap(fx.cfd, bar, IOVA_D, 2 * fx.pg),
		ENOENT, "unmap after the release");

	TEST_STEP("B not open: its BAR cannot be mapped on iommufd (ENOTSUP)");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(fx.cfd, bar, IOVA_D, fx.pg),
		ENOTSUP, "device not open");
	TEST_ASSERT(one_line_with("not open through this EAL"), "one line saying why");
	TEST_ASSERT_SUCCESS(setup(DEV_B, &fx.fd_b), "setup B again");
	return fake_bar(VFIO_FILE, 0);
}

/* The IOAS of container cfd: its iommufd and id. */
struct ioas_ref {
	int fd;
	uint32_t id;
};

static int
read_ioas_of(struct vfio_container *cont, void *arg)
{
	struct ioas_ref *r = arg;

	r->fd = cont->fd;
	r->id = cont->ioas_id;
	return 0;
}

static int
replay(void)
{
	struct ioas_ref r;
	unsigned int live;
	int cfd2, n;

	TEST_STEP("B's BAR in an application's container with no group yet: recorded only");
	TEST_ASSERT_SUCCESS(fake_bar(RES_B_FILE, 0), "fake smaps");
	cfd2 = rte_vfio_container_create();
	TEST_ASSERT(cfd2 >= 0, "container: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd2, (uintptr_t)fx.bar,
		IOVA_D, fx.pg), "map: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(test_vfio_records(cfd2), 1, "one record");
	TEST_ASSERT_SUCCESS(vfio_with_container("test", cfd2, read_ioas_of, &r),
		"its IOAS");
	TEST_ASSERT_EQUAL(vfio_model_ioas_dmabuf_areas(r.fd, r.id, &live), 0,
		"nothing in the kernel");

	TEST_STEP("group C binds: the replay's MAP_FILE fails (EIO): bind refused, record kept");
	vfio_model_fail_nth(MV_IOMMU_IOAS_MAP_FILE, 1, EIO);
	TEST_ASSERT(rte_vfio_container_group_bind(cfd2, GROUP_C) < 0, "bind refused");
	vfio_model_fail_nth(0, 0, 0);
	TEST_ASSERT_EQUAL(test_vfio_records(cfd2), 1, "the record stays");
	TEST_ASSERT_EQUAL(vfio_model_dmabufs_open(), 0, "no dma-buf fd left open");

	TEST_STEP("bound again: the replay maps B's BAR through its dma-buf");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd2, GROUP_C) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(vfio_with_container("test", cfd2, read_ioas_of, &r),
		"its IOAS");
	n = vfio_model_ioas_dmabuf_areas(r.fd, r.id, &live);
	TEST_ASSERT(n == 1 && live == 1, "one live area (%d)", n);

	TEST_STEP("B released: its map in that container goes too");
	release(DEV_B, &fx.fd_b);
	TEST_ASSERT_EQUAL(vfio_model_ioas_dmabuf_areas(r.fd, r.id, &live), 0,
		"unmapped");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd2), 0, "no record");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd2, GROUP_C), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd2), "destroy");
	TEST_ASSERT_SUCCESS(setup(DEV_B, &fx.fd_b), "setup B again");
	return fake_bar(VFIO_FILE, 0);
}

static int
no_export(void)
{
	TEST_STEP("a driver that exports no BAR (EOPNOTSUPP): ENOTSUP, one line");
	vfio_model_set_bar_export(false);
	release(DEV_B, &fx.fd_b);
	TEST_ASSERT_SUCCESS(setup(DEV_B, &fx.fd_b), "setup B (probed anew)");
	test_log_capture();
	TEST_ASSERT_ERRNO(map_b(), ENOTSUP, "map");
	TEST_ASSERT(one_line_with("does not export BARs"), "one line naming the cause");
	TEST_ASSERT_EQUAL(dev_records(), 0, "no record");
	vfio_model_set_bar_export(true);
	return 0;
}

static int
cases_6_19(void)
{
	int ret = owned_map();

	if (ret == 0)
		ret = rollback();
	if (ret == 0)
		ret = revoked_bar();
	if (ret == 0)
		ret = user_map();
	if (ret == 0)
		ret = replay();
	if (ret == 0)
		ret = no_export();
	return ret;
}

/* The fixture around cases, on the model as kernel k. */
static int
run(enum vfio_model_kernel k, int (*cases)(void))
{
	int ret;

	if (test_vfio_is_kernel())
		TEST_SKIP("model test (the kernel's side, the refusal on 6.12, is vfio_p2p_autotest)");
	memset(&fx, 0, sizeof(fx));
	fx.pg = test_page_size();
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/p2p-dmabuf-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return TEST_FAILED;
	snprintf(fx.smaps, sizeof(fx.smaps), "%s/smaps", fx.dir);
	snprintf(fx.pagemap, sizeof(fx.pagemap), "%s/pagemap", fx.dir);
	fx.bar = mmap(NULL, 4 * fx.pg, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fx.bar == MAP_FAILED) {
		rmdir(fx.dir);
		return TEST_FAILED;
	}
	vfio_devmem_set_proc(fx.smaps, fx.pagemap);
	ret = start(k);
	if (ret == 0)
		ret = cases();
	if (ret == 0)
		ret = vfio_model_check();
	stop();
	vfio_devmem_set_proc(NULL, NULL);
	munmap(fx.bar, 4 * fx.pg);
	unlink(fx.smaps);
	rmdir(fx.dir);
	return ret == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static int
test_p2p_dmabuf_model(void)
{
	return run(VFIO_MODEL_LINUX_6_19, cases_6_19);
}
REGISTER_TEST_COMMAND(p2p_dmabuf_model_autotest, test_p2p_dmabuf_model);

/* ---- Linux 6.12: the refusal ---- */

static int
refusal(void)
{
	struct vfio_container_stats st0 = stats(), st;
	unsigned long feat0 = vfio_model_ioctl_count(VFIO_DEVICE_FEATURE);

	TEST_STEP("6.12: B's BAR for peer to peer is ENOTSUP, one line, nothing changed");
	test_log_capture();
	TEST_ASSERT_ERRNO(map_b(), ENOTSUP, "map");
	TEST_ASSERT(one_line_with("Linux 6.19+"), "one line naming cause and fix");
	st = stats();
	TEST_ASSERT(dev_records() == 0 && areas(NULL) == 0 &&
		st.records == st0.records && st.map_calls == st0.map_calls,
		"nothing recorded, nothing mapped");
	TEST_ASSERT_EQUAL(st.other_calls - st0.other_calls, 1, "the probe, counted");
	TEST_STEP("again, and through the user API: refused without asking the kernel again");
	test_log_capture();
	TEST_ASSERT_ERRNO(map_b(), ENOTSUP, "map again");
	TEST_ASSERT(one_line_with("--vfio-mode=group"), "the same line");
	TEST_ASSERT_SUCCESS(fake_bar(RES_B_FILE, 0), "fake smaps");
	TEST_REFUSED(rte_vfio_container_dma_map(fx.cfd, (uintptr_t)fx.bar, IOVA_D,
		fx.pg), ENOTSUP, "user map on 6.12");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_DEVICE_FEATURE) - feat0, 1,
		"B probed once");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(MV_IOMMU_IOAS_MAP_FILE), 0,
		"no MAP_FILE tried");
	TEST_ASSERT_EQUAL(dev_records(), 0, "no record");
	return 0;
}

static int
test_p2p_dmabuf_refused_model(void)
{
	return run(VFIO_MODEL_LINUX_6_12, refusal);
}
REGISTER_TEST_COMMAND(p2p_dmabuf_refused_model_autotest,
	test_p2p_dmabuf_refused_model);
