/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conformance cases I: native iommufd on /dev/iommu (reference section
 * 10.I and 6.4) and the VFIO device cdev (iommufd.md): IOAS objects,
 * IOVA ranges, maps at fixed IOVAs, unmaps that never cut an area, bind,
 * attach and detach. They run on the model now and on the kernel where
 * /dev/iommu and a device cdev exist (an iommufd VM). Expected results are
 * in test_vfio_conformance_table.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "test_vfio_conformance.h"
#include "vfio_iommufd_uapi.h"

#define MAP_RW (MV_IOMMU_IOAS_MAP_FIXED_IOVA | MV_IOMMU_IOAS_MAP_READABLE | \
	MV_IOMMU_IOAS_MAP_WRITEABLE)

/* An iommufd, an IOAS, a buffer; closed by done(). */
struct ienv {
	int fd;
	uint32_t ioas;
	int cdev;
	char *buf;
	size_t len;
};

static void
done(struct ienv *e)
{
	if (e->cdev >= 0)
		S.be->close(e->cdev);
	if (e->fd >= 0)
		S.be->close(e->fd);
	if (e->buf != NULL)
		munmap(e->buf, e->len);
}

static int
ioas_alloc(int fd, uint32_t *id)
{
	struct mv_iommu_ioas_alloc a = { .size = sizeof(a) };
	int ret = cf_io(fd, MV_IOMMU_IOAS_ALLOC, &a);

	*id = a.out_ioas_id;
	return ret;
}

/* /dev/iommu, one IOAS and a 2 MiB buffer; -1 recorded as setup:... */
static int
setup(struct ienv *e)
{
	memset(e, 0, sizeof(*e));
	e->cdev = -1;
	e->fd = cf_be_open("/dev/iommu");
	if (e->fd < 0) {
		cf_got("setup:open-iommufd=%s", cf_err_name(-e->fd));
		return -1;
	}
	if (ioas_alloc(e->fd, &e->ioas) < 0) {
		cf_got("setup:ioas-alloc");
		return -1;
	}
	e->len = 2 * MIB;
	e->buf = mmap(NULL, e->len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->buf == MAP_FAILED) {
		e->buf = NULL;
		cf_got("setup:mmap");
		return -1;
	}
	memset(e->buf, 0x5a, e->len);
	return 0;
}

static int
ioas_map(const struct ienv *e, uint32_t ioas, const void *va, uint64_t iova,
		uint64_t len, uint32_t flags)
{
	struct mv_iommu_ioas_map m = {
		.size = sizeof(m), .flags = flags, .ioas_id = ioas,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};

	return cf_io(e->fd, MV_IOMMU_IOAS_MAP, &m);
}

/* UNMAP recording "rc" and, on success, "len=0x..". */
static void
ioas_unmap(const struct ienv *e, uint64_t iova, uint64_t len)
{
	struct mv_iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = e->ioas, .iova = iova, .length = len,
	};

	if (cf_got_rc(cf_io(e->fd, MV_IOMMU_IOAS_UNMAP, &u)) == 0)
		cf_got("len=0x%" PRIx64, (uint64_t)u.length);
}

/* IOVA_RANGES with room for 4: "rc n=.. [s,l].. align=0x..". */
static void
got_ranges(const struct ienv *e, bool align)
{
	struct mv_iommu_iova_range r[4];
	struct mv_iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = e->ioas, .num_iovas = RTE_DIM(r),
		.allowed_iovas = (uintptr_t)r,
	};
	unsigned int i;

	if (cf_got_rc(cf_io(e->fd, MV_IOMMU_IOAS_IOVA_RANGES, &q)) < 0)
		return;
	cf_got("n=%u", q.num_iovas);
	for (i = 0; i < q.num_iovas && i < RTE_DIM(r); i++) {
		char s[24], l[24];

		cf_got("[%s,%s]", cf_iova(s, r[i].start), cf_iova(l, r[i].last));
	}
	if (align)
		cf_got("align=0x%" PRIx64, (uint64_t)q.out_iova_alignment);
}

static int
open_cdev(unsigned int i)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", S.cdev[i]);
	return cf_be_open(path);
}

static int
bind(int cdev, int iommufd, uint32_t *devid)
{
	struct mv_vfio_device_bind_iommufd b = {
		.argsz = sizeof(b), .iommufd = iommufd,
	};
	int ret = cf_io(cdev, MV_VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (devid != NULL)
		*devid = b.out_devid;
	return ret;
}

static int
attach(int cdev, uint32_t pt)
{
	struct mv_vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .pt_id = pt,
	};

	return cf_io(cdev, MV_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int
detach(int cdev)
{
	struct mv_vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return cf_io(cdev, MV_VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static int
destroy(const struct ienv *e, uint32_t id)
{
	struct mv_iommu_destroy d = { .size = sizeof(d), .id = id };

	return cf_io(e->fd, MV_IOMMU_DESTROY, &d);
}

/* I76: a fresh IOAS reports the whole space, alignment 1 */
void
case_i76(void)
{
	struct mv_iommu_ioas_iova_ranges q = { .size = sizeof(q) };
	struct ienv e;

	memset(&e, 0, sizeof(e));
	e.cdev = -1;
	e.fd = cf_be_open("/dev/iommu");
	if (cf_got_fd(e.fd) < 0)
		return;
	if (cf_got_rc(ioas_alloc(e.fd, &e.ioas)) == 0)
		cf_got("id=%u", e.ioas);
	q.ioas_id = e.ioas;
	q.num_iovas = 0;
	q.out_iova_alignment = 0x5a5a;
	cf_got_rc(cf_io(e.fd, MV_IOMMU_IOAS_IOVA_RANGES, &q));
	cf_got("num=%u align=0x%" PRIx64, q.num_iovas,
		(uint64_t)q.out_iova_alignment);
	got_ranges(&e, false);
	done(&e);
}

/* I77: MAP argument checks, in the kernel's order */
void
case_i77(void)
{
	struct {
		struct mv_iommu_ioas_map m;
		uint64_t tail;
	} big;
	struct mv_iommu_ioas_map m;
	struct ienv e;

	if (setup(&e) < 0)
		return done(&e);
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, MIB,
		MV_IOMMU_IOAS_MAP_FIXED_IOVA));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, MIB, MAP_RW | 0x8));
	m = (struct mv_iommu_ioas_map){ .size = sizeof(m), .flags = MAP_RW,
		.ioas_id = e.ioas, .reserved = 1, .user_va = (uintptr_t)e.buf,
		.length = MIB, .iova = MIB };
	cf_got_rc(cf_io(e.fd, MV_IOMMU_IOAS_MAP, &m));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, UINT64_MAX, MIB, MAP_RW));
	cf_got_rc(ioas_map(&e, e.ioas + 100, e.buf, MIB, MIB, MAP_RW));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, 0, MAP_RW));
	m.reserved = 0;
	m.size = 16;
	cf_got_rc(cf_io(e.fd, MV_IOMMU_IOAS_MAP, &m));
	big.m = m;
	big.m.size = sizeof(big);
	big.tail = 1;
	cf_got_rc(cf_io(e.fd, MV_IOMMU_IOAS_MAP, &big));
	done(&e);
}

/* I78: fixed maps, EEXIST, and unmaps that may not cut an area */
void
case_i78(void)
{
	struct ienv e;

	if (setup(&e) < 0)
		return done(&e);
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, 2 * MIB, MAP_RW));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, 2 * MIB, MAP_RW));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB + KIB4, KIB4, MAP_RW));
	ioas_unmap(&e, MIB + KIB4, KIB4);
	ioas_unmap(&e, 16 * MIB, KIB4);
	ioas_unmap(&e, 0, MIB + KIB4);
	ioas_unmap(&e, MIB, 2 * MIB);
	ioas_unmap(&e, MIB, 2 * MIB);
	done(&e);
}

/* I79: unmap all; a refused unmap is not atomic */
void
case_i79(void)
{
	struct ienv e;

	if (setup(&e) < 0)
		return done(&e);
	ioas_unmap(&e, 0, UINT64_MAX);
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, MIB, MAP_RW));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf + MIB, 3 * MIB, 2 * KIB4, MAP_RW));
	/* covers A, cuts B: A goes, then ENOENT */
	ioas_unmap(&e, MIB, 2 * MIB + KIB4);
	ioas_unmap(&e, MIB, MIB);
	ioas_unmap(&e, 3 * MIB, 2 * KIB4);
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, MIB, MAP_RW));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, 8 * MIB, KIB4, MAP_RW));
	ioas_unmap(&e, 0, UINT64_MAX);
	done(&e);
}

/* I80b: a device cdev before and after BIND_IOMMUFD */
void
case_i_bind(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct ienv e;
	uint32_t devid = 0;
	int null_fd, g;

	if (S.cdev[0] < 0) {
		snprintf(S.skip, sizeof(S.skip), "the device has no cdev "
			"(vfio-dev/ in sysfs)");
		return;
	}
	if (setup(&e) < 0)
		return done(&e);
	e.cdev = open_cdev(0);
	if (cf_got_fd(e.cdev) < 0)
		return done(&e);
	cf_got_rc(cf_io(e.cdev, VFIO_DEVICE_GET_INFO, &info));
	cf_got_rc(attach(e.cdev, e.ioas));
	cf_got_rc(bind(e.cdev, -1, NULL));
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	cf_got_rc(bind(e.cdev, null_fd, NULL));
	close(null_fd);
	if (cf_got_rc(bind(e.cdev, e.fd, &devid)) == 0)
		cf_got("%s", devid != 0 ? "devid" : "devid=0");
	cf_got_rc(bind(e.cdev, e.fd, NULL));
	if (cf_got_rc(cf_io(e.cdev, VFIO_DEVICE_GET_INFO, &info)) == 0)
		cf_got("pci=%d", !!(info.flags & VFIO_DEVICE_FLAGS_PCI));
	/* the group path is closed while the cdev is bound */
	g = cf_open_group(0);
	cf_got_fd(g);
	if (g >= 0)
		S.be->close(g);
	S.be->close(e.cdev);
	e.cdev = -1;
	g = cf_open_group(0);
	cf_got_fd(g);
	if (g >= 0)
		S.be->close(g);
	done(&e);
}

/*
 * The environment with the first device's cdev bound to its iommufd; -1
 * when the device has no cdev (a skip) or a step failed (recorded, the
 * environment released).
 */
static int
setup_bound(struct ienv *e)
{
	if (S.cdev[0] < 0) {
		snprintf(S.skip, sizeof(S.skip), "the device has no cdev "
			"(vfio-dev/ in sysfs)");
		return -1;
	}
	if (setup(e) < 0) {
		done(e);
		return -1;
	}
	e->cdev = open_cdev(0);
	if (e->cdev < 0 || bind(e->cdev, e->fd, NULL) < 0) {
		cf_got("setup:cdev");
		done(e);
		return -1;
	}
	return 0;
}

/* I80c: attach narrows the ranges; reserved areas, busy IOAS, detach */
void
case_i_attach(void)
{
	struct ienv e;

	if (setup_bound(&e) < 0)
		return;
	cf_got_rc(attach(e.cdev, e.ioas + 100));
	/* an area in the MSI window blocks the attach */
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, 0xfee00000ULL, KIB4, MAP_RW));
	cf_got_rc(attach(e.cdev, e.ioas));
	ioas_unmap(&e, 0xfee00000ULL, KIB4);
	cf_got_rc(attach(e.cdev, e.ioas));
	got_ranges(&e, true);
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, 0xfee00000ULL, KIB4, MAP_RW));
	cf_got_rc(destroy(&e, e.ioas));
	cf_got_rc(detach(e.cdev));
	got_ranges(&e, false);
	cf_got_rc(destroy(&e, e.ioas));
	done(&e);
}

/* I80d: pages are pinned when a domain is there, not before */
void
case_i_lazy(void)
{
	struct ienv e;

	if (setup_bound(&e) < 0)
		return;
	/* the second MiB of the buffer is a hole */
	munmap(e.buf + MIB, MIB);
	cf_got_rc(ioas_map(&e, e.ioas, e.buf + MIB, MIB, KIB4, MAP_RW));
	cf_got_rc(attach(e.cdev, e.ioas));
	ioas_unmap(&e, MIB, KIB4);
	cf_got_rc(attach(e.cdev, e.ioas));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf + MIB, MIB, KIB4, MAP_RW));
	cf_got_rc(ioas_map(&e, e.ioas, e.buf, MIB, KIB4, MAP_RW));
	e.len = MIB;
	done(&e);
}

/*
 * I80e: device memory. Linux 6.12 (the kernel the rig builds, and the
 * model's default) has neither VFIO's dma-buf export of a BAR
 * (VFIO_DEVICE_FEATURE DMA_BUF, 6.19) nor IOMMU_IOAS_MAP_FILE (6.13):
 * both are ENOTTY, which is what the EAL's probe reads as "no export".
 */
void
case_i_dmabuf(void)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
			MV_VFIO_DEVICE_FEATURE_DMA_BUF,
	};
	struct mv_iommu_ioas_map_file m = {
		.size = sizeof(m), .flags = MAP_RW, .start = 0, .length = KIB4,
		.iova = MIB,
	};
	struct ienv e;

	if (setup_bound(&e) < 0)
		return;
	cf_got_rc(cf_io(e.cdev, VFIO_DEVICE_FEATURE, &f));
	m.ioas_id = e.ioas;
	m.fd = e.cdev;
	cf_got_rc(cf_io(e.fd, MV_IOMMU_IOAS_MAP_FILE, &m));
	done(&e);
}
