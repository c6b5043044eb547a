/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mapping benchmark's view of the kernel, in both binaries: the
 * interposer of ioctl(), close() and the page calls (mmap(), munmap(),
 * fallocate(), madvise()) that counts and times every such kernel call
 * (and MAP_DMA/UNMAP_DMA apart), the device lookup in
 * sysfs, and the DMA entry limit and count (GET_INFO's DMA_AVAIL).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "app_sysfs.h"
#include "eal_cpu_ticks.h"
#include "mb_ops.h"

/* ---- ioctl() interposer: counts the DMA calls of whichever EAL is linked ---- */

/* iommufd's IOMMU_IOAS_MAP / IOMMU_IOAS_UNMAP (type ';', 0x85 / 0x86; see
 * lib/eal/linux/vfio/vfio_iommufd_uapi.h, not included here: the DPDK 22.11
 * client compiles this file without the EAL's private headers) */
#define MB_IOAS_MAP _IO(';', 0x85)
#define MB_IOAS_UNMAP _IO(';', 0x86)

static uint64_t n_dma_calls;
static uint64_t dma_ticks;
/* every interposed call of the process: the time inside the kernel */
static uint64_t n_k_calls;
static uint64_t k_ticks;

/*
 * The calls are timed by the CPU's counter (eal_cpu_ticks.h: EAL-free,
 * the same timing as the EAL's own statistics): in a guest under
 * emulation clock_gettime() may be a system call, and two of them around
 * every ioctl would weigh on both sides of a comparison.
 * mb_clock_report() prints what each costs where the benchmark runs.
 */
static struct eal_ticks_cal cal;

static double
ticks_secs(uint64_t t)
{
	return (double)eal_ticks_ns(&cal, t) / 1e9;
}

/* a system call timed as kernel time; errno as the call left it */
#define KERNEL_CALL(type, call) ({ \
		uint64_t t0_ = eal_ticks_start(&cal); \
		type ret_ = (type)(call); \
		int err_ = errno; \
		k_ticks += eal_cpu_ticks() - t0_; \
		n_k_calls++; \
		errno = err_; \
		ret_; \
	})

/*
 * The EAL's shared library calls ioctl(), close() and the page calls
 * through the PLT (glibc's own malloc does not), so these definitions in
 * the executable see every VFIO and page call of the EAL
 * (and the bare loops', which go through the same boundary); they forward
 * to the system call unchanged. What a row spends outside them is its
 * user-side time.
 */
int
ioctl(int fd, unsigned long request, ...)
{
	bool dma = request == VFIO_IOMMU_MAP_DMA || request == VFIO_IOMMU_UNMAP_DMA ||
		request == MB_IOAS_MAP || request == MB_IOAS_UNMAP;
	uint64_t before = k_ticks;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	ret = KERNEL_CALL(int, syscall(SYS_ioctl, fd, request, arg));
	if (dma) {
		dma_ticks += k_ticks - before;
		n_dma_calls++;
	}
	return ret;
}

/* closing a container, an iommufd or a device can be most of a teardown */
int
close(int fd)
{
	return KERNEL_CALL(int, syscall(SYS_close, fd));
}

/*
 * The memory layer's page calls: a heap's growth maps pages and its
 * shrink gives them back (mmap() of PROT_NONE over them, a hole punched
 * in their file), work the bare loops, which only map and unmap for DMA,
 * do not have: without these a shrink's page release counted as the
 * EAL's own time.
 */
void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return KERNEL_CALL(void *, syscall(SYS_mmap, addr, len, prot, flags, fd, off));
}

int
munmap(void *addr, size_t len)
{
	return KERNEL_CALL(int, syscall(SYS_munmap, addr, len));
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	return KERNEL_CALL(int, syscall(SYS_fallocate, fd, mode, off, len));
}

int
madvise(void *addr, size_t len, int advice)
{
	return KERNEL_CALL(int, syscall(SYS_madvise, addr, len, advice));
}

uint64_t
mb_ioctl_dma_calls(void)
{
	return n_dma_calls;
}

double
mb_ioctl_dma_secs(void)
{
	return ticks_secs(dma_ticks);
}

uint64_t
mb_kernel_calls(void)
{
	return n_k_calls;
}

uint64_t
mb_kernel_ticks(void)
{
	return k_ticks;
}

double
mb_ticks_secs(uint64_t t)
{
	return ticks_secs(t);
}

void
mb_clock_report(FILE *f)
{
	char src[64] = "?";
	uint64_t t0, t1;
	double s0, s1, s2;
	FILE *cs;
	int i;

	cs = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (cs != NULL) {
		if (fscanf(cs, "%63s", src) != 1)
			snprintf(src, sizeof(src), "?");
		fclose(cs);
	}
	s0 = mb_now();
	for (i = 0; i < 1000; i++)
		(void)mb_now();
	s1 = mb_now();
	t0 = eal_cpu_ticks();
	for (i = 0; i < 1000; i++)
		(void)eal_cpu_ticks();
	t1 = eal_cpu_ticks();
	s2 = mb_now();
	(void)t0;
	(void)t1;
	fprintf(f, "clock: clocksource %s; clock_gettime(CLOCK_MONOTONIC) %.0f ns a read, the CPU counter %.0f ns a read (kernel calls are timed by the counter)\n",
		src, (s1 - s0) * 1e6, (s2 - s1) * 1e6);
}

/* ---- the device and the kernel's DMA entry count ---- */

/* 2: edu on vfio-pci, 1: other device on vfio-pci, 0: not usable. */
static int
device_rank(const char *devdir, int *group)
{
	char path[2 * PATH_MAX], name[PATH_MAX];
	unsigned long vendor = 0, device = 0;

	snprintf(path, sizeof(path), "%s/driver", devdir);
	if (eal_sysfs_link_tail(path, name, sizeof(name)) < 0 || strcmp(name, "vfio-pci") != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/iommu_group", devdir);
	if (eal_sysfs_link_tail(path, name, sizeof(name)) < 0)
		return 0;
	*group = atoi(name);
	app_sysfs_read_hex(devdir, "vendor", &vendor);
	app_sysfs_read_hex(devdir, "device", &device);
	return vendor == 0x1234 && device == 0x11e8 ? 2 : 1;
}

int
mb_find_device(const char *sysfs, const char *want, char *bdf, size_t len,
		int *group)
{
	char dir[PATH_MAX], devdir[PATH_MAX + 512];
	struct dirent *de;
	int best = 0, g;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices", sysfs);
	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		int rank;

		if (de->d_name[0] == '.')
			continue;
		if (want != NULL && strcmp(want, de->d_name) != 0)
			continue;
		snprintf(devdir, sizeof(devdir), "%s/%s", dir, de->d_name);
		rank = device_rank(devdir, &g);
		if (rank > best) {
			best = rank;
			*group = g;
			snprintf(bdf, len, "%s", de->d_name);
		}
	}
	closedir(d);
	return best > 0 ? 0 : -1;
}

int64_t
mb_dma_limit(void)
{
	FILE *f = fopen("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "r");
	long long v = 65535;

	if (f != NULL) {
		if (fscanf(f, "%lld", &v) != 1 || v <= 0)
			v = 65535;
		fclose(f);
	}
	return v;
}

/* Walk GET_INFO's capability chain for DMA_AVAIL (argsz negotiated). */
int64_t
mb_dma_avail(int container_fd)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;
	uint32_t off, sz;
	int64_t avail = -1;

	if (container_fd < 0 ||
			mb_port_ioctl(container_fd, VFIO_IOMMU_GET_INFO, &probe) < 0)
		return -1;
	sz = probe.argsz > sizeof(probe) ? probe.argsz : (uint32_t)sizeof(probe);
	info = calloc(1, sz);
	if (info == NULL)
		return -1;
	info->argsz = sz;
	if (mb_port_ioctl(container_fd, VFIO_IOMMU_GET_INFO, info) < 0 ||
			!(info->flags & VFIO_IOMMU_INFO_CAPS)) {
		free(info);
		return -1;
	}
	for (off = info->cap_offset; off != 0 && off + sizeof(struct vfio_info_cap_header) <= sz;) {
		const struct vfio_info_cap_header *h =
			(const void *)((const char *)info + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL &&
				off + sizeof(struct vfio_iommu_type1_info_dma_avail) <= sz) {
			avail = ((const struct vfio_iommu_type1_info_dma_avail *)
				(const void *)h)->avail;
			break;
		}
		if (h->next <= off)
			break;
		off = h->next;
	}
	free(info);
	return avail;
}
