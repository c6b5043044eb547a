/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO type1 conformance: the same raw ioctl sequences, with the same
 * expected results, against the model (default) and against the real
 * kernel (DPDK_TEST_VFIO=kernel, in the VM with edu devices on vfio-pci).
 *
 * Each case comes from section 10 of the reference (kernel-vfio-type1.md)
 * and records what it saw as a string of tokens ("0", "EINVAL",
 * "size=0x200000", ...). A case passes when that string equals the
 * expected one of the table; the expectations are those of type1 v2 on
 * Linux 6.12 in a QEMU q35 VM with intel-iommu aw-bits=48 (section 11).
 * No EAL is needed: every call goes through vfio_backend().
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/vfio.h>

#include "test.h"
#include "vfio_backend.h"
#include "vfio_model.h"

#define MIB (1ULL << 20)
#define KIB4 0x1000ULL
#define MAX_GROUPS 2
#define GOT_LEN 512
#define ENTRY_LIMIT_PARAM "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"

/* What the suite runs on. */
static struct {
	const struct vfio_backend *be;
	bool kernel;
	unsigned int n_groups;
	int group[MAX_GROUPS];
	char bdf[MAX_GROUPS][32];
	char got[GOT_LEN];
	char skip[128];
} S;

/* One case's fds and buffers, closed and unmapped by env_done(). */
struct env {
	int c;
	int g[MAX_GROUPS];
	int d[4];
	unsigned int n_d;
	void *buf[4];
	size_t buf_len[4];
	unsigned int n_buf;
	uint64_t lck_base;
};

static void got(const char *fmt, ...) __rte_format_printf(1, 2);

static void
got(const char *fmt, ...)
{
	size_t len = strlen(S.got);
	va_list ap;

	if (len > 0 && len < GOT_LEN - 1)
		S.got[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(S.got + len, GOT_LEN - len, fmt, ap);
	va_end(ap);
}

static const char *
err_name(int err)
{
	static char other[16];

	switch (err) {
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case ENOSPC: return "ENOSPC";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EBADF: return "EBADF";
	case EBADFD: return "EBADFD";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case ENOTTY: return "ENOTTY";
	case EACCES: return "EACCES";
	default:
		snprintf(other, sizeof(other), "E%d", err);
		return other;
	}
}

/* Record a return value: the errno name on failure, else the value. */
static int
got_rc(int ret)
{
	if (ret < 0)
		got("%s", err_name(-ret));
	else
		got("%d", ret);
	return ret;
}

/* Record an fd-returning call: "fd" for any fd. */
static int
got_fd(int ret)
{
	if (ret < 0)
		got("%s", err_name(-ret));
	else
		got("fd");
	return ret;
}

static int
io(int fd, unsigned long req, void *arg)
{
	int ret = S.be->ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

static int
io_val(int fd, unsigned long req, unsigned long val)
{
	return io(fd, req, (void *)(uintptr_t)val);
}

static int
be_open(const char *path)
{
	int ret = S.be->open(path, O_RDWR | O_CLOEXEC);

	return ret < 0 ? -errno : ret;
}

static int
open_group(unsigned int i)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", S.group[i]);
	return be_open(path);
}

/* ---- process state: locked memory, capability, rlimit, entry limit ---- */

static uint64_t
locked_kib(void)
{
	char line[256];
	uint64_t kib = 0;
	FILE *f;

	if (!S.kernel)
		return vfio_model_locked_bytes() / 1024;
	f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %" SCNu64, &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void
got_lck(const struct env *e)
{
	int64_t d = (int64_t)locked_kib() - (int64_t)e->lck_base;

	if (d == 0)
		got("lck=base");
	else
		got("lck%+" PRId64, d);
}

static int
cap_ipc_lock(int op)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];
	const unsigned int w = CAP_IPC_LOCK / 32, bit = 1U << (CAP_IPC_LOCK % 32);

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	if (op < 0)
		return !!(data[w].permitted & bit);
	if (op)
		data[w].effective |= bit;
	else
		data[w].effective &= ~bit;
	return syscall(SYS_capset, &hdr, data) < 0 ? -1 : 0;
}

/* Give or take CAP_IPC_LOCK: the model's knob, or the real capability. */
static int
set_cap_ipc_lock(bool on)
{
	if (!S.kernel) {
		vfio_model_set_cap_ipc_lock(on);
		return 0;
	}
	return cap_ipc_lock(on);
}

static int
read_entry_limit(void)
{
	FILE *f = fopen(ENTRY_LIMIT_PARAM, "r");
	int v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int
set_entry_limit(int limit)
{
	FILE *f;
	int ret;

	if (!S.kernel) {
		vfio_model_set_dma_entry_limit(limit);
		return 0;
	}
	f = fopen(ENTRY_LIMIT_PARAM, "w");
	if (f == NULL)
		return -1;
	ret = fprintf(f, "%d\n", limit) > 0 ? 0 : -1;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}

/* ---- case environment ---- */

static void *
env_buf(struct env *e, size_t len, int prot)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || e->n_buf == RTE_DIM(e->buf))
		return NULL;
	memset(p, 0x5a, len);
	if (prot != (PROT_READ | PROT_WRITE))
		mprotect(p, len, prot);
	e->buf[e->n_buf] = p;
	e->buf_len[e->n_buf++] = len;
	return p;
}

static void
env_init(struct env *e)
{
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->c = -1;
	for (i = 0; i < MAX_GROUPS; i++)
		e->g[i] = -1;
	e->lck_base = locked_kib();
}

/*
 * Container, n groups attached, and SET_IOMMU(type) unless type is 0.
 * A failing step is recorded ("setup:<step>=<err>") so the case fails.
 */
static int
env_setup(struct env *e, unsigned int n, int type)
{
	unsigned int i;
	int ret;

	env_init(e);
	e->c = be_open("/dev/vfio/vfio");
	if (e->c < 0) {
		got("setup:open-container=%s", err_name(-e->c));
		return -1;
	}
	for (i = 0; i < n; i++) {
		e->g[i] = open_group(i);
		if (e->g[i] < 0) {
			got("setup:open-group=%s", err_name(-e->g[i]));
			return -1;
		}
		ret = io(e->g[i], VFIO_GROUP_SET_CONTAINER, &e->c);
		if (ret < 0) {
			got("setup:set-container=%s", err_name(-ret));
			return -1;
		}
	}
	if (type != 0) {
		ret = io_val(e->c, VFIO_SET_IOMMU, type);
		if (ret < 0) {
			got("setup:set-iommu=%s", err_name(-ret));
			return -1;
		}
	}
	return 0;
}

static void
env_done(struct env *e)
{
	unsigned int i;

	for (i = 0; i < e->n_d; i++)
		if (e->d[i] >= 0)
			S.be->close(e->d[i]);
	for (i = 0; i < MAX_GROUPS; i++)
		if (e->g[i] >= 0)
			S.be->close(e->g[i]);
	if (e->c >= 0)
		S.be->close(e->c);
	for (i = 0; i < e->n_buf; i++)
		munmap(e->buf[i], e->buf_len[i]);
	e->n_buf = 0;
}

static int
env_device(struct env *e, unsigned int group)
{
	int fd = io(e->g[group], VFIO_GROUP_GET_DEVICE_FD, S.bdf[group]);

	if (fd >= 0 && e->n_d < RTE_DIM(e->d))
		e->d[e->n_d++] = fd;
	return fd;
}

static int
map_dma(const struct env *e, const void *va, uint64_t iova, uint64_t size,
		uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags,
		.vaddr = (uintptr_t)va, .iova = iova, .size = size,
	};

	return io(e->c, VFIO_IOMMU_MAP_DMA, &m);
}

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* UNMAP and record "rc size=0x..": the size field as the kernel left it. */
static int
unmap_dma(const struct env *e, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};
	int ret;

	ret = io(e->c, VFIO_IOMMU_UNMAP_DMA, &u);
	got_rc(ret);
	got("size=0x%" PRIx64, (uint64_t)u.size);
	return ret;
}

/* GET_INFO into buf (argsz bytes, pre-filled with 0xa5). */
static int
get_info(const struct env *e, void *buf, uint32_t argsz)
{
	struct vfio_iommu_type1_info *info = buf;

	memset(buf, 0xa5, 512);
	info->argsz = argsz;
	return io(e->c, VFIO_IOMMU_GET_INFO, buf);
}

static const struct vfio_info_cap_header *
find_cap(const void *buf, uint16_t id)
{
	const struct vfio_iommu_type1_info *info = buf;
	uint32_t off = info->cap_offset;
	unsigned int hops = 0;

	while (off != 0 && off < 512 && hops++ < 8) {
		const struct vfio_info_cap_header *h =
			(const void *)((const char *)buf + off);

		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

static void
got_avail(const struct env *e)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info_dma_avail *a;

	if (get_info(e, buf, sizeof(buf)) < 0) {
		got("avail=?");
		return;
	}
	a = (const void *)find_cap(buf, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	if (a == NULL)
		got("avail=none");
	else
		got("avail=%u", a->avail);
}

static bool
untouched(const void *buf, size_t from, size_t to)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != 0xa5)
			return false;
	return true;
}

/* ---- A: container basics ---- */

static void
case_a1(void)
{
	int c = be_open("/dev/vfio/vfio");

	if (got_fd(c) < 0)
		return;
	got_rc(io_val(c, VFIO_GET_API_VERSION, 0));
	S.be->close(c);
}

static void
check_ext(const unsigned long *ext, unsigned int n)
{
	int c = be_open("/dev/vfio/vfio");
	unsigned int i;

	if (c < 0) {
		got("open=%s", err_name(-c));
		return;
	}
	for (i = 0; i < n; i++)
		got_rc(io_val(c, VFIO_CHECK_EXTENSION, ext[i]));
	S.be->close(c);
}

static void
case_a2(void)
{
	static const unsigned long ext[] = { 1, 3, 9, 2 };

	check_ext(ext, RTE_DIM(ext));
}

static void
case_a3(void)
{
	static const unsigned long ext[] = { VFIO_UPDATE_VADDR };

	check_ext(ext, RTE_DIM(ext));
}

static void
case_a4(void)
{
	static const unsigned long ext[] = { VFIO_TYPE1_NESTING_IOMMU };

	check_ext(ext, RTE_DIM(ext));
}

static void
case_a5(void)
{
	static const unsigned long ext[] = { VFIO_DMA_CC_IOMMU };

	check_ext(ext, RTE_DIM(ext));
}

static void
case_a6(void)
{
	int c = be_open("/dev/vfio/vfio");

	if (c < 0)
		return (void)got("open=%s", err_name(-c));
	got_rc(io_val(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	S.be->close(c);
}

static void
case_a7(void)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = RW, .vaddr = 0x100000,
		.iova = 0x100000, .size = 0x1000,
	};
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = 0x100000, .size = 0x1000,
	};
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	int c = be_open("/dev/vfio/vfio");

	if (c < 0)
		return (void)got("open=%s", err_name(-c));
	got_rc(io(c, VFIO_IOMMU_MAP_DMA, &m));
	got_rc(io(c, VFIO_IOMMU_GET_INFO, &info));
	got_rc(io(c, VFIO_IOMMU_UNMAP_DMA, &u));
	S.be->close(c);
}

/* wrong ioctl on the wrong fd (1.1, 5.1) */
static void
case_a7b(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct env e;

	if (env_setup(&e, 1, 0) == 0) {
		got_rc(io(e.c, VFIO_GROUP_GET_STATUS, &st));
		got_rc(io_val(e.g[0], VFIO_GET_API_VERSION, 0));
		got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
		got_rc(io(e.c, VFIO_GROUP_GET_STATUS, &st));
	}
	env_done(&e);
}

/* ---- B: group life cycle ---- */

static void
case_b8(void)
{
	int g1 = open_group(0), g2;

	got_fd(g1);
	g2 = open_group(0);
	got_fd(g2);
	if (g2 >= 0)
		S.be->close(g2);
	if (g1 >= 0)
		S.be->close(g1);
}

static void
case_b9(void)
{
	struct vfio_group_status st = { .argsz = 4 };
	int g = open_group(0);

	if (g < 0)
		return (void)got("open=%s", err_name(-g));
	got_rc(io(g, VFIO_GROUP_GET_STATUS, &st));
	st.argsz = sizeof(st);
	st.flags = 0xdead;
	if (got_rc(io(g, VFIO_GROUP_GET_STATUS, &st)) == 0)
		got("flags=0x%x", st.flags);
	S.be->close(g);
}

static void
case_b11(void)
{
	int g = open_group(0), bad = -1, null_fd;

	if (g < 0)
		return (void)got("open=%s", err_name(-g));
	got_rc(io(g, VFIO_GROUP_SET_CONTAINER, &bad));
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	got_rc(io(g, VFIO_GROUP_SET_CONTAINER, &null_fd));
	close(null_fd);
	S.be->close(g);
}

static void
case_b12(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct env e;

	env_init(&e);
	e.c = be_open("/dev/vfio/vfio");
	e.g[0] = open_group(0);
	got_rc(io(e.g[0], VFIO_GROUP_SET_CONTAINER, &e.c));
	if (got_rc(io(e.g[0], VFIO_GROUP_GET_STATUS, &st)) == 0)
		got("flags=0x%x", st.flags);
	env_done(&e);
}

static void
case_b13(void)
{
	struct env e;
	int c2;

	if (env_setup(&e, 1, 0) == 0) {
		got_rc(io(e.g[0], VFIO_GROUP_SET_CONTAINER, &e.c));
		c2 = be_open("/dev/vfio/vfio");
		got_rc(io(e.g[0], VFIO_GROUP_SET_CONTAINER, &c2));
		S.be->close(c2);
	}
	env_done(&e);
}

static void
case_b14(void)
{
	struct env e;

	if (env_setup(&e, 1, 0) == 0)
		got_fd(env_device(&e, 0));
	env_done(&e);
}

static void
case_b15(void)
{
	struct env e;

	if (env_setup(&e, 1, 0) == 0)
		got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU));
	env_done(&e);
}

static void
case_b16(void)
{
	struct env e;

	if (env_setup(&e, 1, 0) == 0) {
		got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
		got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
		got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	}
	env_done(&e);
}

static void
case_b17(void)
{
	struct env e;

	if (env_setup(&e, 1, 0) == 0) {
		got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1_NESTING_IOMMU));
		/* the failed attempt left no driver: v2 still works */
		got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	}
	env_done(&e);
}

static void
case_b18(void)
{
	struct env e;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) == 0) {
		got_rc(io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR));
		got_rc(io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
		got_rc(io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
		got_rc(io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	}
	env_done(&e);
}

static void
case_b19(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	struct env e;
	int d;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return env_done(&e);
	got_fd(io(e.g[0], VFIO_GROUP_GET_DEVICE_FD, (void *)"nonexistent"));
	d = got_fd(env_device(&e, 0));
	got_fd(env_device(&e, 0));
	if (d >= 0 && got_rc(io(d, VFIO_DEVICE_GET_INFO, &info)) == 0)
		got("pci=%d regions=%u irqs=%u",
			!!(info.flags & VFIO_DEVICE_FLAGS_PCI),
			info.num_regions, info.num_irqs);
	if (d >= 0 && got_rc(io(d, VFIO_DEVICE_GET_REGION_INFO, &reg)) == 0)
		got("bar0=0x%" PRIx64, (uint64_t)reg.size);
	if (d >= 0)
		got_rc(io_val(d, VFIO_GET_API_VERSION, 0));
	env_done(&e);
}

static void
case_b20(void)
{
	struct env e;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) == 0 &&
			got_fd(env_device(&e, 0)) >= 0) {
		got_rc(io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
		S.be->close(e.d[0]);
		e.d[0] = -1;
		got_rc(io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
		got_rc(io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
	}
	env_done(&e);
}

static void
case_b21(void)
{
	struct env e;
	void *a;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return env_done(&e);
	a = env_buf(&e, MIB, PROT_READ | PROT_WRITE);
	got_rc(map_dma(&e, a, MIB, MIB, RW));
	got_lck(&e);
	got_rc(io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
	got_rc(map_dma(&e, a, MIB, MIB, RW));
	got_rc(io(e.g[0], VFIO_GROUP_SET_CONTAINER, &e.c));
	got_rc(io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	unmap_dma(&e, MIB, MIB, 0);
	got_lck(&e);
	env_done(&e);
}

static void
case_b22(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct env e;
	void *a;
	int g;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			got_fd(env_device(&e, 0)) < 0)
		return env_done(&e);
	a = env_buf(&e, MIB, PROT_READ | PROT_WRITE);
	S.be->close(e.g[0]);
	e.g[0] = -1;
	got_rc(io(e.d[0], VFIO_DEVICE_GET_INFO, &info));
	g = open_group(0);
	got_fd(g);
	if (g >= 0)
		S.be->close(g);
	got_rc(map_dma(&e, a, MIB, MIB, RW));
	S.be->close(e.d[0]);
	e.d[0] = -1;
	got_rc(map_dma(&e, a, 2 * MIB, MIB, RW));
	got_lck(&e);
	e.g[0] = open_group(0);
	got_fd(e.g[0]);
	env_done(&e);
}

/* ---- C: GET_INFO ---- */

static void
case_c23_24(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct env e;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return env_done(&e);
	got_rc(get_info(&e, buf, 15));
	if (got_rc(get_info(&e, buf, 16)) == 0) {
		got("flags=0x%x pgsizes=0x%" PRIx64 " argsz=%u", info->flags,
			(uint64_t)info->iova_pgsizes, info->argsz);
		got(untouched(buf, 16, sizeof(buf)) ? "untouched" : "touched");
	}
	env_done(&e);
}

static void
case_c25(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct env e;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) == 0 &&
			got_rc(get_info(&e, buf, 24)) == 0) {
		got("cap_offset=%u argsz=%u", info->cap_offset, info->argsz);
		got(untouched(buf, 24, sizeof(buf)) ? "untouched" : "touched");
	}
	env_done(&e);
}

static uint32_t
needed_argsz(const struct env *e)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info *info = (const void *)buf;

	if (get_info(e, buf, 16) < 0)
		return 0;
	return info->argsz;
}

static void
case_c26(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	uint32_t off;
	unsigned int hops = 0;
	struct env e;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			got_rc(get_info(&e, buf, needed_argsz(&e))) < 0)
		return env_done(&e);
	got("cap_offset=%u", info->cap_offset);
	for (off = info->cap_offset; off != 0 && off < sizeof(buf) && hops < 8;
			hops++) {
		const struct vfio_info_cap_header *h = (const void *)
			((const char *)buf + off);

		got("id%uv%u@%u->%u", h->id, h->version, off, h->next);
		off = h->next;
	}
	env_done(&e);
}

static void
case_c27(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct env e;
	uint32_t n;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return env_done(&e);
	n = needed_argsz(&e);
	if (got_rc(get_info(&e, buf, n + 64)) == 0) {
		got("argsz=N%+d", (int)info->argsz - (int)n);
		got("%s", untouched(buf, n, n + 64) ? "untouched" : "touched");
	}
	env_done(&e);
}

static void
case_c28_29(void)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info_cap_migration *mig;
	const struct vfio_iommu_type1_info_dma_avail *avail;
	struct env e;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			get_info(&e, buf, sizeof(buf)) < 0)
		return env_done(&e);
	mig = (const void *)find_cap(buf, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	if (mig != NULL)
		got("flags=%u pgsize=0x%" PRIx64 " max=0x%" PRIx64, mig->flags,
			(uint64_t)mig->pgsize_bitmap,
			(uint64_t)mig->max_dirty_bitmap_size);
	else
		got("no-migration-cap");
	avail = (const void *)find_cap(buf, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	got("avail=%u", avail != NULL ? avail->avail : 0);
	env_done(&e);
}

static void
case_c30(void)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info_cap_iova_range *r;
	unsigned int i;
	struct env e;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			get_info(&e, buf, sizeof(buf)) < 0)
		return env_done(&e);
	r = (const void *)find_cap(buf, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	if (r == NULL) {
		got("no-iova-cap");
		return env_done(&e);
	}
	got("n=%u", r->nr_iovas);
	for (i = 0; i < r->nr_iovas && i < 8; i++)
		got("[0x%" PRIx64 ",0x%" PRIx64 "]",
			(uint64_t)r->iova_ranges[i].start,
			(uint64_t)r->iova_ranges[i].end);
	env_done(&e);
}

/* ---- D: MAP_DMA ---- */

static uint64_t ps;

/* v2 container with a 2 MiB R/W buffer a; returns a or NULL. */
static void *
env_with_buf(struct env *e, int type)
{
	if (env_setup(e, 1, type) < 0)
		return NULL;
	return env_buf(e, 2 * MIB, PROT_READ | PROT_WRITE);
}

static void
case_d32(void)
{
	struct vfio_iommu_type1_dma_map m;
	struct env e;
	void *a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		m = (struct vfio_iommu_type1_dma_map){ .argsz = 31, .flags = RW,
			.vaddr = (uintptr_t)a, .iova = MIB, .size = 2 * MIB };
		got_rc(io(e.c, VFIO_IOMMU_MAP_DMA, &m));
		got_rc(map_dma(&e, a, MIB, 2 * MIB, 0));
		got_rc(map_dma(&e, a, MIB, 2 * MIB, 8));
		got_rc(map_dma(&e, a, MIB, 2 * MIB,
			VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_VADDR));
		got_rc(map_dma(&e, a, MIB, 2 * MIB, RW | 8));
	}
	env_done(&e);
}

static void
case_d33_35(void)
{
	struct env e;
	char *a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		got_rc(map_dma(&e, a, MIB, 0, RW));
		got_rc(map_dma(&e, a, ps / 2, ps, RW));
		got_rc(map_dma(&e, a + ps / 2, MIB, ps, RW));
		got_rc(map_dma(&e, a, MIB, ps + 1, RW));
		got_rc(map_dma(&e, a, 0xfffffffffffff000ULL, 0x2000, RW));
		got_avail(&e);
	}
	env_done(&e);
}

static void
case_d36_38(void)
{
	struct env e;
	char *a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);
	char *b = a != NULL ? env_buf(&e, KIB4, PROT_READ | PROT_WRITE) : NULL;

	if (b != NULL) {
		got_rc(map_dma(&e, a, MIB, 2 * MIB, RW));
		got_avail(&e);
		got_lck(&e);
		got_rc(map_dma(&e, a, MIB, 2 * MIB, RW));
		got_rc(map_dma(&e, a, MIB + KIB4, KIB4, RW));
		got_rc(map_dma(&e, a, 0, MIB + KIB4, RW));
		got_rc(map_dma(&e, b, 3 * MIB, KIB4, RW));
		got_avail(&e);
	}
	env_done(&e);
}

static void
case_d39(void)
{
	struct env e;
	char *a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		got_rc(map_dma(&e, a, 0xfee00000ULL, KIB4, RW));
		got_rc(map_dma(&e, a, 0xfedff000ULL, 0x2000, RW));
		got_rc(map_dma(&e, a, 1ULL << 48, KIB4, RW));
		got_rc(map_dma(&e, a, (1ULL << 48) - KIB4, 0x2000, RW));
		got_rc(map_dma(&e, a, 0xfedff000ULL, KIB4, RW));
		got_rc(map_dma(&e, a + KIB4, 0xfef00000ULL, KIB4, RW));
		got_rc(map_dma(&e, a + 2 * KIB4, (1ULL << 48) - KIB4, KIB4, RW));
		got_avail(&e);
	}
	env_done(&e);
}

static void
case_d40_41(void)
{
	struct env e;
	char *a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a == NULL)
		return env_done(&e);
	/* a hole: the second MiB of a is unmapped */
	munmap(a + MIB, MIB);
	got_rc(map_dma(&e, a + MIB, MIB, MIB, RW));
	got_avail(&e);
	got_lck(&e);
	got_rc(map_dma(&e, a, MIB, 2 * MIB, RW));
	unmap_dma(&e, MIB, 2 * MIB, 0);
	got_lck(&e);
	env_done(&e);
}

static void
case_d42(void)
{
	struct env e;
	char *r;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return env_done(&e);
	r = env_buf(&e, 2 * MIB, PROT_READ);
	got_rc(map_dma(&e, r, MIB, 2 * MIB, RW));
	got_rc(map_dma(&e, r, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_WRITE));
	got_rc(map_dma(&e, r, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_READ));
	env_done(&e);
}

static void
case_d43(void)
{
	struct rlimit old, lim;
	struct env e;
	char *a;

	if (S.kernel && cap_ipc_lock(-1) != 1) {
		snprintf(S.skip, sizeof(S.skip),
			"CAP_IPC_LOCK not permitted: cannot show both sides");
		return;
	}
	if (S.kernel && locked_kib() != 0) {
		snprintf(S.skip, sizeof(S.skip),
			"the process has %" PRIu64 " KiB locked already", locked_kib());
		return;
	}
	a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);
	if (a == NULL || getrlimit(RLIMIT_MEMLOCK, &old) < 0)
		return env_done(&e);
	lim = old;
	lim.rlim_cur = MIB;
	if (setrlimit(RLIMIT_MEMLOCK, &lim) < 0 || set_cap_ipc_lock(false) < 0) {
		got("setup:rlimit-or-cap");
		setrlimit(RLIMIT_MEMLOCK, &old);
		return env_done(&e);
	}
	got_rc(map_dma(&e, a, MIB, 2 * MIB, RW));
	got_rc(map_dma(&e, a, MIB, MIB, RW));
	got_rc(map_dma(&e, a + MIB, 2 * MIB, KIB4, RW));
	set_cap_ipc_lock(true);
	got_rc(map_dma(&e, a, 16 * MIB, 2 * MIB, RW));
	got_lck(&e);
	setrlimit(RLIMIT_MEMLOCK, &old);
	env_done(&e);
}

static void
case_d44(void)
{
	struct env e;
	char *a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		got_rc(map_dma(&e, a, MIB, 2 * MIB, RW));
		got_rc(map_dma(&e, a, 8 * MIB, 2 * MIB, RW));
		got_lck(&e);
	}
	env_done(&e);
}

static void
case_d45(void)
{
	int old = S.kernel ? read_entry_limit() : 65535;
	struct env e;
	char *a;

	if (old < 0 || set_entry_limit(2) < 0) {
		snprintf(S.skip, sizeof(S.skip), "cannot write %s",
			ENTRY_LIMIT_PARAM);
		return;
	}
	a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);
	set_entry_limit(old);
	if (a != NULL) {
		got_avail(&e);
		got_rc(map_dma(&e, a, MIB, KIB4, RW));
		got_rc(map_dma(&e, a + KIB4, 2 * MIB, KIB4, RW));
		got_avail(&e);
		got_rc(map_dma(&e, a + 2 * KIB4, 3 * MIB, KIB4, RW));
		unmap_dma(&e, MIB, KIB4, 0);
		got_avail(&e);
		got_rc(map_dma(&e, a + 2 * KIB4, 3 * MIB, KIB4, RW));
		got_avail(&e);
	}
	env_done(&e);
}

/* BAR0 of the device mapped for peer to peer (kernel only). */
static void
case_d46(void)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	struct env e;
	void *bar;
	int d;

	if (env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return env_done(&e);
	d = env_device(&e, 0);
	if (d < 0 || io(d, VFIO_DEVICE_GET_REGION_INFO, &reg) < 0 ||
			!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		snprintf(S.skip, sizeof(S.skip), "BAR0 is not mmap-able");
		return env_done(&e);
	}
	bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, d,
		reg.offset);
	if (bar == MAP_FAILED) {
		got("mmap=%s", err_name(errno));
		return env_done(&e);
	}
	got_rc(map_dma(&e, bar, 64 * MIB, reg.size, RW));
	got_lck(&e);
	S.be->close(d);
	e.d[0] = -1;
	munmap(bar, reg.size);
	unmap_dma(&e, 64 * MIB, reg.size, 0);
	env_done(&e);
}

static void
case_d47_48(void)
{
	struct env e;
	char *a = env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		got_rc(map_dma(&e, a, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_VADDR));
		got_rc(map_dma(&e, a, MIB, MIB, VFIO_DMA_MAP_FLAG_READ));
		got_rc(map_dma(&e, a, MIB, MIB, VFIO_DMA_MAP_FLAG_VADDR));
		got_rc(map_dma(&e, a + MIB, 4 * MIB, MIB, VFIO_DMA_MAP_FLAG_WRITE));
	}
	env_done(&e);
}

/* ---- E: UNMAP v2, F: UNMAP v1 ---- */

/* A = 2 MiB at 1 MiB, B = b_len at 3 MiB. */
static int
env_ab(struct env *e, int type, uint64_t b_len)
{
	char *a = env_with_buf(e, type);
	char *b;

	if (a == NULL)
		return -1;
	if (map_dma(e, a, MIB, 2 * MIB, RW) < 0) {
		got("setup:map-A");
		return -1;
	}
	if (b_len == 0)
		return 0;
	b = env_buf(e, b_len, PROT_READ | PROT_WRITE);
	if (b == NULL || map_dma(e, b, 3 * MIB, b_len, RW) < 0) {
		got("setup:map-B");
		return -1;
	}
	return 0;
}

static void
case_e49_50(void)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = 23, .iova = MIB, .size = 2 * MIB,
	};
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		got_rc(io(e.c, VFIO_IOMMU_UNMAP_DMA, &u));
		unmap_dma(&e, MIB, 2 * MIB, 8);
		unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
			VFIO_DMA_UNMAP_FLAG_ALL);
		unmap_dma(&e, MIB + ps / 2, 2 * MIB, 0);
		unmap_dma(&e, MIB, 0, 0);
		unmap_dma(&e, MIB, ps + 1, 0);
		unmap_dma(&e, 0xfffffffffffff000ULL, 0x2000, 0);
	}
	env_done(&e);
}

static void
case_e51_52(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		got_avail(&e);
		unmap_dma(&e, MIB, 2 * MIB, 0);
		got_avail(&e);
		got_lck(&e);
		unmap_dma(&e, 16 * MIB, MIB, 0);
	}
	env_done(&e);
}

/* UNMAP recording whether the size field was left as written. */
static void
unmap_keep(const struct env *e, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};
	int ret;

	ret = io(e->c, VFIO_IOMMU_UNMAP_DMA, &u);
	got_rc(ret);
	if (u.size == size)
		got("size=unchanged");
	else
		got("size=0x%" PRIx64, (uint64_t)u.size);
}

static void
case_e53_55(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		unmap_keep(&e, MIB + KIB4, KIB4);
		unmap_keep(&e, MIB, KIB4);
		unmap_keep(&e, 0, MIB + KIB4);
		unmap_keep(&e, 2 * MIB, 2 * MIB);
		unmap_dma(&e, MIB, 2 * MIB, 0);
	}
	env_done(&e);
}

static void
case_e56(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, KIB4) == 0) {
		unmap_dma(&e, 0, 16 * MIB, 0);
		got_avail(&e);
	}
	env_done(&e);
}

static void
case_e57(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, 2 * KIB4) == 0) {
		unmap_keep(&e, MIB, 2 * MIB + KIB4);
		unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
	}
	env_done(&e);
}

static void
case_e58(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, KIB4) == 0) {
		/* UNMAP_ALL with iova 0 and size 4K */
		{
			struct vfio_iommu_type1_dma_unmap u = {
				.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_ALL,
				.iova = 0, .size = KIB4,
			};
			got_rc(io(e.c, VFIO_IOMMU_UNMAP_DMA, &u));
		}
		unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
		got_avail(&e);
		got_lck(&e);
	}
	env_done(&e);
}

static void
case_e59(void)
{
	/* struct vfio_iommu_type1_dma_unmap followed by its vfio_bitmap */
	struct {
		struct {
			uint32_t argsz, flags;
			uint64_t iova, size;
		} u;
		struct vfio_bitmap bm;
	} req;
	uint64_t bits[8];
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		memset(&req, 0, sizeof(req));
		req.u.argsz = sizeof(req);
		req.u.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
		req.u.iova = MIB;
		req.u.size = 2 * MIB;
		req.bm.pgsize = ps;
		req.bm.size = sizeof(bits);
		req.bm.data = (void *)bits;
		got_rc(io(e.c, VFIO_IOMMU_UNMAP_DMA, &req));
		unmap_dma(&e, MIB, 2 * MIB, 0);
	}
	env_done(&e);
}

static void
case_f60_61(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1_IOMMU, KIB4) == 0) {
		unmap_dma(&e, MIB + KIB4, KIB4, 0);
		unmap_dma(&e, MIB + KIB4, 16 * MIB, 0);
		unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
	}
	env_done(&e);
}

static void
case_f62_63(void)
{
	struct env e;
	char *a2;

	if (env_ab(&e, VFIO_TYPE1_IOMMU, 0) == 0) {
		unmap_dma(&e, 0, MIB + KIB4, 0);
		a2 = env_buf(&e, 2 * MIB, PROT_READ | PROT_WRITE);
		got_rc(map_dma(&e, a2, MIB, 2 * MIB, RW));
		unmap_dma(&e, MIB, KIB4, 0);
		got_avail(&e);
		got_lck(&e);
	}
	env_done(&e);
}

static void
case_f64_65(void)
{
	struct vfio_iommu_type1_dirty_bitmap db = {
		.argsz = sizeof(db), .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
	};
	struct env e;

	if (env_ab(&e, VFIO_TYPE1_IOMMU, 2 * KIB4) == 0) {
		unmap_dma(&e, 0, 3 * MIB + KIB4, 0);
		got_rc(io(e.c, VFIO_IOMMU_DIRTY_PAGES, &db));
	}
	env_done(&e);
}

/* ---- G: VADDR ---- */

static void
case_g68_69(void)
{
	struct env e;
	char *a2;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) < 0)
		return env_done(&e);
	unmap_dma(&e, MIB, 2 * MIB, VFIO_DMA_UNMAP_FLAG_VADDR);
	got_avail(&e);
	{
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_VADDR,
			.iova = MIB, .size = 2 * MIB,
		};
		got_rc(io(e.c, VFIO_IOMMU_UNMAP_DMA, &u));
		got("%s", u.size == 2 * MIB ? "size=unchanged" : "size=changed");
	}
	a2 = env_buf(&e, 2 * MIB, PROT_READ | PROT_WRITE);
	got_rc(map_dma(&e, a2, MIB, 2 * MIB - KIB4, VFIO_DMA_MAP_FLAG_VADDR));
	got_rc(map_dma(&e, a2, MIB, 2 * MIB,
		VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ));
	got_rc(map_dma(&e, a2, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_VADDR));
	got_rc(map_dma(&e, a2, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_VADDR));
	unmap_dma(&e, MIB, 2 * MIB, 0);
	env_done(&e);
}

static void
case_g70(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) < 0)
		return env_done(&e);
	unmap_dma(&e, MIB, 2 * MIB, VFIO_DMA_UNMAP_FLAG_VADDR);
	e.g[1] = open_group(1);
	got_rc(io(e.g[1], VFIO_GROUP_SET_CONTAINER, &e.c));
	/* a normal unmap removes the invalidated mapping; then attach works */
	unmap_dma(&e, MIB, 2 * MIB, 0);
	got_rc(io(e.g[1], VFIO_GROUP_SET_CONTAINER, &e.c));
	env_done(&e);
}

static void
case_g71(void)
{
	struct env e;

	if (env_ab(&e, VFIO_TYPE1v2_IOMMU, KIB4) == 0) {
		unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_VADDR |
			VFIO_DMA_UNMAP_FLAG_ALL);
		unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
		got_lck(&e);
	}
	env_done(&e);
}

/* Section 11: v1 and v2 against a 64 KiB mapping. */
static void
case_s11(void)
{
	struct env e;
	char *a;
	int type;

	for (type = VFIO_TYPE1_IOMMU; type <= VFIO_TYPE1v2_IOMMU;
			type += VFIO_TYPE1v2_IOMMU - VFIO_TYPE1_IOMMU) {
		a = env_with_buf(&e, type);
		if (a != NULL && got_rc(map_dma(&e, a, MIB, 64 * 1024, RW)) == 0) {
			unmap_keep(&e, MIB + 32 * 1024, KIB4);
			unmap_keep(&e, MIB, KIB4);
		}
		env_done(&e);
	}
}

/* ---- the table ---- */

struct conf_case {
	const char *id;
	const char *what;
	unsigned int groups;     /* groups the case needs */
	bool kernel_only;        /* shows something the model does not model */
	void (*run)(void);
	const char *expected;
};

static const struct conf_case cases[] = {
	{ "A1", "API version", 0, false, case_a1, "fd 0" },
	{ "A2", "CHECK_EXTENSION 1,3,9,2 fresh", 0, false, case_a2, "1 1 1 0" },
	{ "A3", "CHECK_EXTENSION UPDATE_VADDR fresh", 0, false, case_a3, "0" },
	{ "A4", "CHECK_EXTENSION NESTING fresh", 0, false, case_a4, "1" },
	{ "A5", "CHECK_EXTENSION DMA_CC fresh", 0, false, case_a5, "0" },
	{ "A6", "SET_IOMMU without group", 0, false, case_a6, "EINVAL" },
	{ "A7", "MAP/GET_INFO/UNMAP before SET_IOMMU", 0, false, case_a7,
		"EINVAL EINVAL EINVAL" },
	{ "A7b", "group ioctl on container, container ioctl on group", 1, false,
		case_a7b, "EINVAL ENOTTY 0 ENOTTY" },
	{ "B8", "group opened twice", 1, false, case_b8, "fd EBUSY" },
	{ "B9", "GET_STATUS argsz 4, 8", 1, false, case_b9, "EINVAL 0 flags=0x1" },
	{ "B11", "SET_CONTAINER(-1), (/dev/null)", 1, false, case_b11,
		"EBADF EBADFD" },
	{ "B12", "SET_CONTAINER, GET_STATUS", 1, false, case_b12, "0 0 flags=0x3" },
	{ "B13", "SET_CONTAINER again, to another", 1, false, case_b13,
		"EINVAL EINVAL" },
	{ "B14", "GET_DEVICE_FD before SET_IOMMU", 1, false, case_b14, "EINVAL" },
	{ "B15", "SET_IOMMU(SPAPR)", 1, false, case_b15, "ENODEV" },
	{ "B16", "SET_IOMMU(3) twice, then (1)", 1, false, case_b16,
		"0 EINVAL EINVAL" },
	{ "B17", "SET_IOMMU(NESTING) on VT-d, then (3)", 1, false, case_b17,
		"EINVAL 0" },
	{ "B18", "CHECK_EXTENSION 10,4,1,2 after SET_IOMMU", 1, false, case_b18,
		"1 0 1 0" },
	{ "B19", "GET_DEVICE_FD bad name, twice; device info", 1, false,
		case_b19,
		"ENODEV fd fd 0 pci=1 regions=9 irqs=5 0 bar0=0x100000 ENOTTY" },
	{ "B20", "UNSET_CONTAINER with device open", 1, false, case_b20,
		"fd EBUSY 0 EINVAL" },
	{ "B21", "last group leaves: mappings and driver dropped", 1, false,
		case_b21, "0 lck+1024 0 EINVAL 0 0 0 size=0x0 lck=base" },
	{ "B22", "group fd closed while device open", 1, false, case_b22,
		"fd 0 EBUSY 0 EINVAL lck=base fd" },
	{ "C23-24", "GET_INFO argsz 15, 16", 1, false, case_c23_24,
		"EINVAL 0 flags=0x3 pgsizes=0x40201000 argsz=120 untouched" },
	{ "C25", "GET_INFO argsz 24", 1, false, case_c25,
		"0 cap_offset=0 argsz=120 untouched" },
	{ "C26", "GET_INFO argsz N: cap chain", 1, false, case_c26,
		"0 cap_offset=24 id2v1@24->56 id3v1@56->72 id1v1@72->0" },
	{ "C27", "GET_INFO argsz N+64", 1, false, case_c27,
		"0 argsz=N+64 untouched" },
	{ "C28-29", "MIGRATION and DMA_AVAIL caps", 1, false, case_c28_29,
		"flags=0 pgsize=0x1000 max=0x10000000 avail=65535" },
	{ "C30", "IOVA ranges (aw-bits 48, MSI window)", 1, false, case_c30,
		"n=2 [0x0,0xfedfffff] [0xfef00000,0xffffffffffff]" },
	{ "D32", "MAP argsz 31, flags 0, 8, READ|VADDR, RW|8", 1, false,
		case_d32, "EINVAL EINVAL EINVAL EINVAL EINVAL" },
	{ "D33-35", "MAP size 0, unaligned iova/vaddr/size, wrap", 1, false,
		case_d33_35, "EINVAL EINVAL EINVAL EINVAL EINVAL avail=65535" },
	{ "D36-38", "MAP, overlaps, adjacent (no coalescing)", 1, false,
		case_d36_38,
		"0 avail=65534 lck+2048 EEXIST EEXIST EEXIST 0 avail=65533" },
	{ "D39", "MAP into the MSI window, across it, past the aperture", 1,
		false, case_d39,
		"EINVAL EINVAL EINVAL EINVAL 0 0 0 avail=65532" },
	{ "D40-41", "MAP of unmapped memory: all or nothing", 1, false,
		case_d40_41, "EFAULT avail=65535 lck=base EFAULT 0 size=0x0 lck=base" },
	{ "D42", "MAP of read-only memory", 1, false, case_d42,
		"EFAULT EFAULT 0" },
	{ "D43", "RLIMIT_MEMLOCK 1 MiB, then CAP_IPC_LOCK", 1, false, case_d43,
		"ENOMEM 0 ENOMEM 0 lck+3072" },
	{ "D44", "same vaddr at two IOVAs: charged twice", 1, false, case_d44,
		"0 0 lck+4096" },
	{ "D45", "dma_entry_limit 2", 1, false, case_d45,
		"avail=2 0 0 avail=0 ENOSPC 0 size=0x1000 avail=1 0 avail=0" },
	{ "D46", "BAR0 mmap mapped for peer to peer", 1, true, case_d46,
		"0 lck=base 0 size=0x100000" },
	{ "D47-48", "MAP VADDR without mapping / on a valid one; R-only, W-only",
		1, false, case_d47_48, "ENOENT 0 EINVAL 0" },
	{ "E49-50", "UNMAP bad argsz, flags, alignment, size, wrap", 1, false,
		case_e49_50,
		"EINVAL EINVAL size=0x200000 EINVAL size=0x0 EINVAL size=0x200000 "
		"EINVAL size=0x0 EINVAL size=0x1001 EINVAL size=0x2000" },
	{ "E51-52", "UNMAP exactly A; an empty range", 1, false, case_e51_52,
		"avail=65534 0 size=0x200000 avail=65535 lck=base 0 size=0x0" },
	{ "E53-55", "v2 UNMAP bisecting A (start, end, both)", 1, false,
		case_e53_55,
		"EINVAL size=unchanged EINVAL size=unchanged EINVAL size=unchanged "
		"EINVAL size=unchanged 0 size=0x200000" },
	{ "E56", "v2 UNMAP covering A and B", 1, false, case_e56,
		"0 size=0x201000 avail=65535" },
	{ "E57", "v2 UNMAP covering A, bisecting B'", 1, false, case_e57,
		"EINVAL size=unchanged 0 size=0x202000" },
	{ "E58", "UNMAP_ALL with a size, then right", 1, false, case_e58,
		"EINVAL 0 size=0x201000 avail=65535 lck=base" },
	{ "E59", "UNMAP GET_DIRTY_BITMAP without tracking", 1, false, case_e59,
		"EINVAL 0 size=0x200000" },
	{ "F60-61", "v1 UNMAP starting inside A", 1, false, case_f60_61,
		"0 size=0x0 0 size=0x0 0 size=0x201000" },
	{ "F62-63", "v1 UNMAP ending inside A: whole A", 1, false, case_f62_63,
		"0 size=0x200000 0 0 size=0x200000 avail=65535 lck=base" },
	{ "F64-65", "v1 UNMAP across A and B'; DIRTY_PAGES on v1", 1, false,
		case_f64_65, "0 size=0x202000 EACCES" },
	{ "G68-69", "UNMAP VADDR, MAP VADDR", 1, false, case_g68_69,
		"0 size=0x200000 avail=65534 EINVAL size=unchanged "
		"EINVAL EINVAL 0 EINVAL 0 size=0x200000" },
	{ "G70", "attach a group while a vaddr is invalid", 2, false, case_g70,
		"0 size=0x200000 EBUSY 0 size=0x200000 0" },
	{ "G71", "UNMAP VADDR|ALL, then ALL", 1, false, case_g71,
		"0 size=0x201000 0 size=0x201000 lck=base" },
	{ "S11", "64 KiB mapping: v1 then v2, unmap middle and first 4K", 1,
		false, case_s11,
		"0 0 size=0x0 0 size=0x10000 0 EINVAL size=unchanged "
		"EINVAL size=unchanged" },
};

/* Cases of section 10 not run, and why. */
static const char *const not_run[] = {
	"B10 second device of the group bound to a host driver (VM groups hold one device)",
	"D46 on the model: BAR mmap (PFNMAP) is not modelled",
	"E/F compat columns, 66-67, 72: iommufd compat is not the kernel under test",
	"H73-75 attach-time conflicts: need groups with different apertures/IR",
	"I76-80 iommufd native, J81-83 noiommu: not type1",
};

/* ---- setup of the two worlds ---- */

static int
read_hex(const char *dir, const char *name, unsigned long *v)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	ok = fscanf(f, "%lx", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

/* edu devices (1234:11e8) on vfio-pci, one per IOMMU group. */
static void
find_kernel_devices(void)
{
	const char *base = "/sys/bus/pci/devices";
	struct dirent *de;
	DIR *dir = opendir(base);

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL && S.n_groups < MAX_GROUPS) {
		char dev[320], link[PATH_MAX], target[PATH_MAX];
		unsigned long vendor, device;
		const char *slash;
		ssize_t n;
		int group;
		unsigned int i;
		bool dup = false;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(S.bdf[0]))
			continue;
		snprintf(dev, sizeof(dev), "%s/%.31s", base, de->d_name);
		if (read_hex(dev, "vendor", &vendor) < 0 ||
				read_hex(dev, "device", &device) < 0 ||
				vendor != 0x1234 || device != 0x11e8)
			continue;
		snprintf(link, sizeof(link), "%s/driver", dev);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		slash = strrchr(target, '/');
		if (strcmp(slash != NULL ? slash + 1 : target, "vfio-pci") != 0)
			continue;
		snprintf(link, sizeof(link), "%s/iommu_group", dev);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		slash = strrchr(target, '/');
		group = atoi(slash != NULL ? slash + 1 : target);
		for (i = 0; i < S.n_groups; i++)
			dup |= S.group[i] == group;
		if (dup)
			continue;
		S.group[S.n_groups] = group;
		snprintf(S.bdf[S.n_groups], sizeof(S.bdf[0]), "%.31s", de->d_name);
		S.n_groups++;
	}
	closedir(dir);
}

static int
setup_model(void)
{
	static const char *const bdfs[] = { "0000:00:03.0", "0000:00:04.0" };
	unsigned int i;

	vfio_model_reset();
	for (i = 0; i < MAX_GROUPS; i++) {
		struct vfio_model_group_cfg cfg = {
			.group_num = 10 + (int)i,
			.devices = { bdfs[i], NULL },
			.aperture_bits = 48,
			.pgsize_bitmap = 0x40201000ULL,
			.msi_window = true,
		};

		if (vfio_model_add_group(&cfg) < 0)
			return -1;
		S.group[i] = cfg.group_num;
		snprintf(S.bdf[i], sizeof(S.bdf[0]), "%s", bdfs[i]);
	}
	S.n_groups = MAX_GROUPS;
	S.be = &vfio_backend_model;
	return 0;
}

static int
test_vfio_conformance(void)
{
	struct test_cases n = { 0 };
	unsigned int i;

	memset(&S, 0, sizeof(S));
	ps = (uint64_t)sysconf(_SC_PAGESIZE);
	S.kernel = test_vfio_is_kernel();
	if (S.kernel) {
		S.be = &vfio_backend_kernel;
		if (!S.be->present())
			TEST_SKIP_MISSING("no /dev/vfio/vfio: VFIO is not loaded");
		find_kernel_devices();
		if (S.n_groups == 0)
			TEST_SKIP_MISSING("no edu device (1234:11e8) bound to vfio-pci "
				"in /sys/bus/pci/devices");
	} else if (setup_model() < 0) {
		TEST_FAIL_MSG("cannot set up the model's groups");
		return TEST_FAILED;
	}
	printf("VFIO conformance on %s, %u group(s):", S.be->name, S.n_groups);
	for (i = 0; i < S.n_groups; i++)
		printf(" %d (%s)", S.group[i], S.bdf[i]);
	printf("\n");

	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct conf_case *c = &cases[i];

		S.got[0] = '\0';
		S.skip[0] = '\0';
		if (c->groups > S.n_groups)
			snprintf(S.skip, sizeof(S.skip), "needs %u groups",
				c->groups);
		else if (c->kernel_only && !S.kernel)
			snprintf(S.skip, sizeof(S.skip),
				"the model has no mmap-able BAR");
		else
			c->run();
		if (S.skip[0] != '\0') {
			printf("[SKIP] %-7s %s: %s\n", c->id, c->what, S.skip);
			test_case_count(&n, TEST_SKIPPED);
		} else if (strcmp(S.got, c->expected) == 0) {
			printf("[ OK ] %-7s %s: expected '%s', got '%s'\n",
				c->id, c->what, c->expected, S.got);
			test_case_count(&n, TEST_SUCCESS);
		} else {
			printf("[FAIL] %-7s %s: expected '%s', got '%s'\n",
				c->id, c->what, c->expected, S.got);
			test_case_count(&n, TEST_FAILED);
		}
	}
	for (i = 0; i < RTE_DIM(not_run); i++)
		printf("[ -- ] not run: %s\n", not_run[i]);
	printf("conformance on %s:\n", S.be->name);
	if (!S.kernel)
		vfio_model_reset();
	/* each case counts; all of them skipped is a SKIP, never a pass */
	return test_cases_end(&n);
}

REGISTER_TEST_COMMAND(vfio_conformance_autotest, test_vfio_conformance);
