/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The type1 model itself: its knobs (groups, apertures, page sizes, the
 * MSI window, other drivers, v2 hidden, entry limit, memlock, CAP_IPC_LOCK),
 * fault injection, observations, the fake sysfs, thread safety, the v1/v2
 * unmap table of the reference (3.3), and a random map/unmap sequence run
 * on v1 and v2 against a plain reference of the kernel's rules.
 * The conformance suite (test_vfio_conformance.c) covers the ioctl checks
 * the model shares with the kernel; this file covers what only the model
 * has. No EAL needed.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "test.h"
#include "vfio_backend.h"
#include "vfio_model.h"

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static const struct vfio_backend *be = &vfio_backend_model;
static uint64_t pg;

static int
add_group(int num, const char *bdf, unsigned int bits, uint64_t pgsizes,
		bool msi)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = num, .devices = { bdf, NULL },
		.aperture_bits = bits, .pgsize_bitmap = pgsizes, .msi_window = msi,
	};

	return vfio_model_add_group(&cfg);
}

static int
io(int fd, unsigned long req, void *arg)
{
	int ret = be->ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

static int
io_val(int fd, unsigned long req, unsigned long val)
{
	return io(fd, req, (void *)(uintptr_t)val);
}

static int
open_group(int num)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", num);
	fd = be->open(path, O_RDWR);
	return fd < 0 ? -errno : fd;
}

/* Container with the given group attached and SET_IOMMU(type) done. */
static int
container_with(int group, int type, int *gfd)
{
	int c = be->open("/dev/vfio/vfio", O_RDWR);

	*gfd = open_group(group);
	if (c < 0 || *gfd < 0 || io(*gfd, VFIO_GROUP_SET_CONTAINER, &c) < 0 ||
			(type != 0 && io_val(c, VFIO_SET_IOMMU, type) < 0))
		return -1;
	return c;
}

static int
map(int c, const void *va, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = RW, .vaddr = (uintptr_t)va,
		.iova = iova, .size = size,
	};

	return io(c, VFIO_IOMMU_MAP_DMA, &m);
}

static int
unmap(int c, uint64_t iova, uint64_t size, uint64_t *out)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};
	int ret = io(c, VFIO_IOMMU_UNMAP_DMA, &u);

	*out = u.size;
	return ret;
}

static void *
buffer(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* GET_INFO: page sizes and the IOVA ranges (up to 4). */
static int
info(int c, uint64_t *pgsizes, unsigned int *n, uint64_t r[][2])
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *inf = (void *)buf;
	uint32_t off;
	unsigned int i;

	memset(buf, 0, sizeof(buf));
	inf->argsz = sizeof(buf);
	if (io(c, VFIO_IOMMU_GET_INFO, buf) < 0)
		return -1;
	*pgsizes = inf->iova_pgsizes;
	*n = 0;
	for (off = inf->cap_offset; off != 0 && off < sizeof(buf);) {
		const struct vfio_info_cap_header *h = (void *)((char *)buf + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			const struct vfio_iommu_type1_info_cap_iova_range *ir =
				(const void *)h;

			for (i = 0; i < ir->nr_iovas && i < 4; i++) {
				r[i][0] = ir->iova_ranges[i].start;
				r[i][1] = ir->iova_ranges[i].end;
			}
			*n = ir->nr_iovas;
		}
		off = h->next;
	}
	return 0;
}

static bool
is_dir_named(const char *link, const char *name)
{
	char real[PATH_MAX];
	const char *slash;
	struct stat st;

	if (realpath(link, real) == NULL || stat(real, &st) < 0 ||
			!S_ISDIR(st.st_mode))
		return false;
	slash = strrchr(real, '/');
	return slash != NULL && strcmp(slash + 1, name) == 0;
}

static int
test_model_sysfs_and_groups(void)
{
	struct vfio_model_group_cfg bad = { .group_num = 1 };
	struct vfio_model_group_cfg two = {
		.group_num = 7, .devices = { "0000:00:05.0", "0000:00:05.1", NULL },
		.other_driver = "e1000e", .msi_window = true,
	};
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[PATH_MAX], line[128];
	const char *root;
	FILE *f;
	int c, g;

	vfio_model_reset();
	root = vfio_model_sysfs_root();
	TEST_ASSERT_NOT_NULL(root, "a fake sysfs exists after reset");

	TEST_STEP("bad group configurations change nothing");
	TEST_ASSERT_ERRNO(vfio_model_add_group(&bad), EINVAL, "no device");
	bad.devices[0] = "0000:00:02.0";
	bad.aperture_bits = 65;
	TEST_ASSERT_ERRNO(vfio_model_add_group(&bad), EINVAL, "aperture 65");
	bad.aperture_bits = 0;
	bad.other_driver = "nvme";
	TEST_ASSERT_ERRNO(vfio_model_add_group(&bad), EINVAL,
		"other_driver needs a second device");
	TEST_ASSERT_EQUAL(open_group(1), -ENOENT, "group 1 was not added");
	TEST_ASSERT_SUCCESS(add_group(3, "0000:00:03.0", 48, 0, true), "add 3");
	TEST_ASSERT_ERRNO(add_group(3, "0000:00:09.0", 48, 0, true), EEXIST,
		"duplicate group number");
	TEST_ASSERT_SUCCESS(vfio_model_add_group(&two), "add 7");

	TEST_STEP("sysfs: links, driver, ids, reserved regions");
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:03.0/iommu_group",
		root);
	TEST_ASSERT(is_dir_named(path, "3"), "iommu_group link of 00:03.0");
	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/3/devices/0000:00:03.0",
		root);
	TEST_ASSERT(is_dir_named(path, "0000:00:03.0"), "group 3 device link");
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:03.0/driver", root);
	TEST_ASSERT(is_dir_named(path, "vfio-pci"), "driver of 00:03.0");
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:05.1/driver", root);
	TEST_ASSERT(is_dir_named(path, "e1000e"), "driver of 00:05.1");
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:03.0/device", root);
	f = fopen(path, "r");
	TEST_ASSERT_NOT_NULL(f, "device file");
	TEST_ASSERT(fgets(line, sizeof(line), f) != NULL &&
		strcmp(line, "0x11e8\n") == 0, "device id: %s", line);
	fclose(f);
	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/3/reserved_regions",
		root);
	f = fopen(path, "r");
	TEST_ASSERT_NOT_NULL(f, "reserved_regions");
	TEST_ASSERT(fgets(line, sizeof(line), f) != NULL && strcmp(line,
		"0x00000000fee00000 0x00000000feefffff msi\n") == 0,
		"MSI line: %s", line);
	fclose(f);

	TEST_STEP("a group with a device on a host driver is not viable");
	g = open_group(7);
	TEST_ASSERT(g >= 0, "open group 7");
	TEST_ASSERT_SUCCESS(io(g, VFIO_GROUP_GET_STATUS, &st), "status");
	TEST_ASSERT_EQUAL(st.flags, 0, "not viable");
	c = be->open("/dev/vfio/vfio", O_RDWR);
	TEST_ASSERT_EQUAL(io(g, VFIO_GROUP_SET_CONTAINER, &c), -EPERM, "attach");
	TEST_ASSERT_EQUAL(io_val(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), -EINVAL,
		"the container still has no group");
	be->close(g);
	be->close(c);

	TEST_STEP("device names: vf_token suffix accepted, host-driver device unknown");
	c = container_with(3, VFIO_TYPE1v2_IOMMU, &g);
	TEST_ASSERT(c >= 0, "container");
	TEST_ASSERT(io(g, VFIO_GROUP_GET_DEVICE_FD,
		(void *)"0000:00:03.0 vf_token=00000000-0000-0000-0000-000000000000")
		>= 0, "name with vf_token");
	TEST_ASSERT_EQUAL(io(g, VFIO_GROUP_GET_DEVICE_FD, (void *)"0000:00:03.00"),
		-ENODEV, "longer name");
	TEST_ASSERT_EQUAL(io(g, VFIO_GROUP_GET_DEVICE_FD, NULL), -EFAULT,
		"NULL name");
	TEST_ASSERT_EQUAL(open_group(-1), -ENOENT, "bad path");

	TEST_STEP("reset closes everything and builds a new tree");
	vfio_model_reset();
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:03.0", root);
	TEST_ASSERT(access(path, F_OK) < 0, "old tree removed");
	TEST_ASSERT_EQUAL(open_group(3), -ENOENT, "groups gone");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(0), 0, "counters reset");
	vfio_model_reset();
	return TEST_SUCCESS;
}

static int
test_model_knobs(void)
{
	unsigned int n;
	uint64_t pgs, r[4][2], size;
	char *buf;
	int c, g, g2;

	pg = (uint64_t)sysconf(_SC_PAGESIZE);
	buf = buffer(64 * pg);
	TEST_ASSERT_NOT_NULL(buf, "buffer");

	TEST_STEP("v2 hidden: extension 3 absent, SET_IOMMU(3) ENODEV, v1 works");
	vfio_model_reset();
	TEST_ASSERT_SUCCESS(add_group(1, "0000:00:03.0", 48, 0, true), "add");
	vfio_model_set_type1v2_supported(false);
	c = container_with(1, 0, &g);
	TEST_ASSERT(c >= 0, "container");
	TEST_ASSERT_EQUAL(io_val(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), 0,
		"CHECK_EXTENSION(3)");
	TEST_ASSERT_EQUAL(io_val(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), -ENODEV,
		"SET_IOMMU(3)");
	TEST_ASSERT_SUCCESS(io_val(c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU),
		"SET_IOMMU(1)");
	be->close(g);
	be->close(c);

	TEST_STEP("entry limit read at SET_IOMMU");
	vfio_model_reset();
	TEST_ASSERT_SUCCESS(add_group(1, "0000:00:03.0", 48, 0, true), "add");
	vfio_model_set_dma_entry_limit(3);
	c = container_with(1, VFIO_TYPE1v2_IOMMU, &g);
	vfio_model_set_dma_entry_limit(1000); /* too late for this container */
	TEST_ASSERT_SUCCESS(map(c, buf, 0x100000, pg), "1");
	TEST_ASSERT_SUCCESS(map(c, buf, 0x200000, pg), "2");
	TEST_ASSERT_SUCCESS(map(c, buf, 0x300000, pg), "3");
	TEST_ASSERT_EQUAL(map(c, buf, 0x400000, pg), -ENOSPC, "4th");
	TEST_ASSERT_EQUAL(map(c, buf, 0x100000, pg), -EEXIST,
		"EEXIST is checked before ENOSPC");
	TEST_ASSERT_EQUAL(map(c, buf, 0xfee00000, pg), -ENOSPC,
		"ENOSPC is checked before the IOVA range");
	TEST_ASSERT_SUCCESS(unmap(c, 0x200000, pg, &size), "unmap one");
	TEST_ASSERT_SUCCESS(map(c, buf, 0x400000, pg), "room again");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "invariants");

	TEST_STEP("observations: count, bytes, coverage, walk, counters");
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(c), 3, "count");
	TEST_ASSERT_EQUAL(vfio_model_mapped_bytes(c), 3 * pg, "bytes");
	TEST_ASSERT(vfio_model_is_mapped(c, 0x300000, pg), "mapped");
	TEST_ASSERT(!vfio_model_is_mapped(c, 0x300000, 2 * pg), "half mapped");
	TEST_ASSERT(!vfio_model_is_mapped(c, 0x200000, pg), "unmapped");
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(g), 0, "not a container fd");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA), 7,
		"MAP calls counted, failed ones too");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 3 * pg, "locked");
	be->close(g);
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0,
		"last group gone: mappings dropped");
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(c), 0, "no driver any more");
	be->close(c);

	TEST_STEP("adjacent mappings cover a range together");
	vfio_model_reset();
	TEST_ASSERT_SUCCESS(add_group(1, "0000:00:03.0", 48, 0, true), "add");
	c = container_with(1, VFIO_TYPE1v2_IOMMU, &g);
	TEST_ASSERT_SUCCESS(map(c, buf, 0x100000, pg), "a");
	TEST_ASSERT_SUCCESS(map(c, buf + pg, 0x100000 + pg, 2 * pg), "b");
	TEST_ASSERT(vfio_model_is_mapped(c, 0x100000, 3 * pg), "a+b");
	TEST_ASSERT(!vfio_model_is_mapped(c, 0x100000, 4 * pg), "past b");

	TEST_STEP("memlock knob and CAP_IPC_LOCK knob");
	vfio_model_set_cap_ipc_lock(false);
	vfio_model_set_memlock_limit(5 * pg);
	TEST_ASSERT_SUCCESS(map(c, buf, 0x200000, 2 * pg), "up to the limit");
	TEST_ASSERT_EQUAL(map(c, buf, 0x300000, pg), -ENOMEM, "past the limit");
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(c), 3, "nothing added");
	vfio_model_set_cap_ipc_lock(true);
	TEST_ASSERT_SUCCESS(map(c, buf, 0x300000, pg), "with CAP_IPC_LOCK");
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 6 * pg, "still counted");
	vfio_model_set_memlock_limit(UINT64_MAX);
	vfio_model_set_cap_ipc_lock(false);
	TEST_ASSERT_SUCCESS(map(c, buf, 0x400000, 8 * pg), "unlimited");

	TEST_STEP("fault injection: the nth call of a request fails, nothing changes");
	vfio_model_fail_nth(VFIO_IOMMU_MAP_DMA, 2, EIO);
	TEST_ASSERT_SUCCESS(map(c, buf, 0x500000, pg), "1st MAP");
	TEST_ASSERT_EQUAL(map(c, buf, 0x600000, pg), -EIO, "2nd MAP injected");
	TEST_ASSERT(!vfio_model_is_mapped(c, 0x600000, pg), "not mapped");
	TEST_ASSERT_SUCCESS(map(c, buf, 0x600000, pg), "3rd MAP: disarmed");
	vfio_model_fail_nth(0, 1, ENOMEM);
	TEST_ASSERT_EQUAL(unmap(c, 0x600000, pg, &size), -ENOMEM, "any request");
	TEST_ASSERT(vfio_model_is_mapped(c, 0x600000, pg), "still mapped");
	vfio_model_fail_nth(VFIO_IOMMU_UNMAP_DMA, 1, EIO);
	vfio_model_fail_nth(0, 0, 0);
	TEST_ASSERT_SUCCESS(unmap(c, 0x600000, pg, &size), "disarmed by n=0");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "invariants");

	TEST_STEP("bad user pointers: EFAULT");
	TEST_ASSERT_EQUAL(io(c, VFIO_IOMMU_MAP_DMA, NULL), -EFAULT, "MAP NULL");
	TEST_ASSERT_EQUAL(io(c, VFIO_IOMMU_UNMAP_DMA, (void *)8), -EFAULT, "UNMAP");
	TEST_ASSERT_EQUAL(io(c, VFIO_IOMMU_GET_INFO, NULL), -EFAULT, "GET_INFO");
	TEST_ASSERT_EQUAL(io(g, VFIO_GROUP_SET_CONTAINER, NULL), -EFAULT,
		"SET_CONTAINER");

	TEST_STEP("a second group narrows the aperture; a mapping above it refuses it");
	TEST_ASSERT_SUCCESS(add_group(2, "0000:00:04.0", 39, 0x1000, true), "add 2");
	TEST_ASSERT_SUCCESS(map(c, buf, 1ULL << 40, pg), "map above 2^39");
	g2 = open_group(2);
	TEST_ASSERT_EQUAL(io(g2, VFIO_GROUP_SET_CONTAINER, &c), -EINVAL,
		"aperture conflict");
	TEST_ASSERT_SUCCESS(unmap(c, 1ULL << 40, pg, &size), "unmap it");
	TEST_ASSERT_SUCCESS(io(g2, VFIO_GROUP_SET_CONTAINER, &c), "attach");
	TEST_ASSERT_SUCCESS(info(c, &pgs, &n, r), "info");
	TEST_ASSERT_EQUAL(pgs, pg, "page sizes ANDed: 0x40201000 & 0x1000");
	TEST_ASSERT_EQUAL(n, 2, "two ranges");
	TEST_ASSERT_EQUAL(r[1][1], (1ULL << 39) - 1, "top of the 39-bit aperture");
	TEST_ASSERT_EQUAL(map(c, buf, 1ULL << 39, pg), -EINVAL, "past 2^39");
	be->close(g2);
	TEST_ASSERT_SUCCESS(info(c, &pgs, &n, r), "info");
	TEST_ASSERT_EQUAL(r[1][1], (1ULL << 48) - 1, "aperture widened again");
	TEST_ASSERT_EQUAL(pgs, 0x40201000, "page sizes back");
	be->close(g);
	be->close(c);

	TEST_STEP("no MSI window: one range; container fd closed before the group");
	vfio_model_reset();
	TEST_ASSERT_SUCCESS(add_group(1, "0000:00:03.0", 64, 0, false), "add");
	c = container_with(1, VFIO_TYPE1v2_IOMMU, &g);
	TEST_ASSERT_SUCCESS(info(c, &pgs, &n, r), "info");
	TEST_ASSERT(n == 1 && r[0][0] == 0 && r[0][1] == UINT64_MAX, "one range");
	TEST_ASSERT_SUCCESS(map(c, buf, 0xfee00000, pg), "MSI address mappable");
	be->close(c);
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), pg,
		"the group keeps the container");
	be->close(g);
	TEST_ASSERT_EQUAL(vfio_model_locked_bytes(), 0, "freed with the group");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "invariants");

	vfio_model_reset();
	munmap(buf, 64 * pg);
	return TEST_SUCCESS;
}

/* ---- 3.3: v1 and v2 unmap table ---- */

struct unmap_row {
	const char *what;
	uint64_t iova, size;          /* in pages; A = [16, 24), B = [32, 36) */
	int v1_rc; uint64_t v1_size;
	int v2_rc; uint64_t v2_size;
};

static const struct unmap_row rows[] = {
	{ "exactly A", 16, 8, 0, 8, 0, 8 },
	{ "nothing inside", 40, 8, 0, 0, 0, 0 },
	{ "starts inside A", 17, 1, 0, 0, -EINVAL, 0 },
	{ "starts inside A, covers B", 17, 30, 0, 0, -EINVAL, 0 },
	{ "at a, ends inside A", 16, 1, 0, 8, -EINVAL, 0 },
	{ "before a, ends inside A", 8, 9, 0, 8, -EINVAL, 0 },
	{ "hole, covers A, ends inside B", 8, 26, 0, 12, -EINVAL, 0 },
	{ "covers A and B", 0, 64, 0, 12, 0, 12 },
};

static int
test_model_unmap_table(void)
{
	unsigned int i, v;
	uint64_t size;
	char *buf;
	int c, g, ret;

	pg = (uint64_t)sysconf(_SC_PAGESIZE);
	buf = buffer(64 * pg);
	TEST_ASSERT_NOT_NULL(buf, "buffer");
	for (v = 0; v < 2; v++) {
		int type = v == 0 ? VFIO_TYPE1_IOMMU : VFIO_TYPE1v2_IOMMU;

		for (i = 0; i < RTE_DIM(rows); i++) {
			const struct unmap_row *r = &rows[i];

			vfio_model_reset();
			TEST_ASSERT_SUCCESS(add_group(1, "0000:00:03.0", 48, 0, true),
				"add");
			c = container_with(1, type, &g);
			TEST_ASSERT(c >= 0, "container");
			TEST_ASSERT_SUCCESS(map(c, buf, 16 * pg, 8 * pg), "A");
			TEST_ASSERT_SUCCESS(map(c, buf, 32 * pg, 4 * pg), "B");
			size = 0xabc;
			ret = unmap(c, r->iova * pg, r->size * pg, &size);
			printf("  v%d %-32s -> %d size %" PRIu64 " pages\n", v + 1,
				r->what, ret, ret == 0 ? size / pg : 0);
			TEST_ASSERT_EQUAL(ret, v == 0 ? r->v1_rc : r->v2_rc,
				"v%u %s", v + 1, r->what);
			if (ret == 0)
				TEST_ASSERT_EQUAL(size, (v == 0 ? r->v1_size :
					r->v2_size) * pg, "v%u %s", v + 1, r->what);
			else
				TEST_ASSERT_EQUAL(size, r->size * pg,
					"size field untouched on error");
			TEST_ASSERT_EQUAL(vfio_model_mapped_bytes(c),
				12 * pg - (ret == 0 ? size : 0), "what remains");
			TEST_ASSERT_SUCCESS(vfio_model_check(), "invariants");
			be->close(g);
			be->close(c);
		}
	}
	vfio_model_reset();
	munmap(buf, 64 * pg);
	return TEST_SUCCESS;
}

/* ---- random map/unmap on v1 and v2 against a plain reference ---- */

#define WIN 96        /* pages of IOVA window */
#define LIMIT 40      /* dma_entry_limit */

struct ref {
	bool v2;
	unsigned int n;
	/* start page + 1 of the mapping holding each page, 0 = free */
	unsigned int owner[WIN];
	unsigned int len[WIN];
};

static int
ref_map(struct ref *r, unsigned int s, unsigned int l)
{
	unsigned int i;

	for (i = s; i < s + l; i++)
		if (r->owner[i] != 0)
			return -EEXIST;
	if (r->n == LIMIT)
		return -ENOSPC;
	for (i = s; i < s + l; i++)
		r->owner[i] = s + 1;
	r->len[s] = l;
	r->n++;
	return 0;
}

static void
ref_remove(struct ref *r, unsigned int st, uint64_t *size)
{
	unsigned int i;

	*size += r->len[st];
	for (i = st; i < st + r->len[st]; i++)
		r->owner[i] = 0;
	r->n--;
}

/* The kernel's rules in their plainest form (3.1, 3.2). */
static int
ref_unmap(struct ref *r, unsigned int s, unsigned int l, uint64_t *size)
{
	unsigned int i, last = s + l - 1, first = WIN;

	*size = 0;
	if (r->v2) {
		if (r->owner[s] != 0 && r->owner[s] - 1 != s)
			return -EINVAL;
		if (last < WIN && r->owner[last] != 0 &&
				r->owner[last] - 1 + r->len[r->owner[last] - 1] - 1 != last)
			return -EINVAL;
	}
	for (i = s; i <= last && i < WIN; i++)
		if (r->owner[i] != 0) {
			first = r->owner[i] - 1;
			break;
		}
	if (first == WIN || (!r->v2 && first < s))
		return 0;
	for (i = first; i <= last && i < WIN; i++)
		if (r->owner[i] != 0 && r->owner[i] - 1 == i)
			ref_remove(r, i, size);
	return 0;
}

static int
test_model_random(void)
{
	unsigned int v, op;
	char *buf;

	pg = (uint64_t)sysconf(_SC_PAGESIZE);
	buf = buffer(WIN * pg);
	TEST_ASSERT_NOT_NULL(buf, "buffer");
	for (v = 0; v < 2; v++) {
		struct ref r;
		int c, g;

		memset(&r, 0, sizeof(r));
		r.v2 = v == 1;
		vfio_model_reset();
		vfio_model_set_dma_entry_limit(LIMIT);
		TEST_ASSERT_SUCCESS(add_group(1, "0000:00:03.0", 48, 0, true), "add");
		c = container_with(1, r.v2 ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU,
			&g);
		TEST_ASSERT(c >= 0, "container");
		srand(4242); /* the same sequence for v1 and v2 */
		for (op = 0; op < 20000; op++) {
			unsigned int s = (unsigned int)rand() % WIN;
			unsigned int l = 1 + (unsigned int)rand() % 6;
			bool do_map = rand() % 2 == 0;
			uint64_t got_size = 0, exp_size = 0;
			int exp, ret;

			if (s + l > WIN)
				l = WIN - s;
			if (do_map) {
				exp = ref_map(&r, s, l);
				ret = map(c, buf + s * pg, s * pg, l * pg);
			} else {
				exp = ref_unmap(&r, s, l, &exp_size);
				ret = unmap(c, s * pg, l * pg, &got_size);
			}
			TEST_ASSERT_EQUAL(ret, exp, "v%u op %u %s [%u,+%u)", v + 1,
				op, do_map ? "map" : "unmap", s, l);
			if (!do_map && ret == 0)
				TEST_ASSERT_EQUAL(got_size, exp_size * pg,
					"v%u op %u unmap size [%u,+%u)", v + 1, op, s, l);
			TEST_ASSERT_EQUAL(vfio_model_mapping_count(c), r.n,
				"v%u op %u count", v + 1, op);
			if (op % 1000 == 0)
				TEST_ASSERT_SUCCESS(vfio_model_check(), "v%u op %u",
					v + 1, op);
		}
		TEST_ASSERT_SUCCESS(vfio_model_check(), "v%u end", v + 1);
		printf("  v%u: 20000 operations agree with the reference, "
			"%u mappings left\n", v + 1, r.n);
		be->close(g);
		be->close(c);
	}
	vfio_model_reset();
	munmap(buf, WIN * pg);
	return TEST_SUCCESS;
}

/* ---- thread safety: the VFIO layer calls the model from several threads ---- */

struct worker {
	int c;
	unsigned int id;
	char *buf;
	int failures;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	uint64_t base = (uint64_t)(w->id + 1) << 32, size;
	unsigned int i;

	for (i = 0; i < 2000; i++) {
		uint64_t iova = base + (i % 64) * pg;

		if (map(w->c, w->buf + (i % 64) * pg, iova, pg) != 0)
			w->failures++;
		if (unmap(w->c, iova, pg, &size) != 0 || size != pg)
			w->failures++;
	}
	return NULL;
}

static int
test_model_threads(void)
{
	struct worker w[4];
	pthread_t t[4];
	unsigned int i;
	char *buf;
	int c, g;

	pg = (uint64_t)sysconf(_SC_PAGESIZE);
	buf = buffer(64 * pg);
	TEST_ASSERT_NOT_NULL(buf, "buffer");
	vfio_model_reset();
	TEST_ASSERT_SUCCESS(add_group(1, "0000:00:03.0", 48, 0, true), "add");
	c = container_with(1, VFIO_TYPE1v2_IOMMU, &g);
	TEST_ASSERT(c >= 0, "container");
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .c = c, .id = i, .buf = buf };
		TEST_ASSERT_SUCCESS(pthread_create(&t[i], NULL, worker_run, &w[i]),
			"thread %u", i);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		TEST_ASSERT_EQUAL(w[i].failures, 0, "thread %u", i);
	}
	TEST_ASSERT_EQUAL(vfio_model_mapping_count(c), 0, "all unmapped");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA), 8000, "maps");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "invariants");
	be->close(g);
	be->close(c);
	vfio_model_reset();
	munmap(buf, 64 * pg);
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_model_groups_autotest, test_model_sysfs_and_groups);
REGISTER_TEST_COMMAND(vfio_model_knobs_autotest, test_model_knobs);
REGISTER_TEST_COMMAND(vfio_model_unmap_table_autotest, test_model_unmap_table);
REGISTER_TEST_COMMAND(vfio_model_random_autotest, test_model_random);
REGISTER_TEST_COMMAND(vfio_model_threads_autotest, test_model_threads);
