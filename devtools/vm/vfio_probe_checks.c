/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_probe: the checks a configuration asks for by option (interrupt
 * remapping, locked memory, DMA entry exhaustion, hugepages, IOVA as VA,
 * peer to peer) and the blocked-DMA check after an unmap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "vfio_probe.h"

/* SET_IOMMU must be refused with EPERM while unsafe interrupts are not allowed. */
void
check_no_intremap(void)
{
	static const char param[] =
		"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts";
	char old[16] = "";
	int r, err;

	if (read_file(param, old, sizeof(old)) < 0 || write_file(param, "0") < 0) {
		check(0, "cannot toggle %s: %s", param, strerror(errno));
		return;
	}
	r = ioctl(cfd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	err = errno;
	check(r < 0 && err == EPERM,
	      "no interrupt remapping: SET_IOMMU(TYPE1v2) with allow_unsafe_interrupts=0 -> %d %s (want EPERM)",
	      r, r < 0 ? strerror(err) : "success");
	if (write_file(param, old[0] == 'Y' || old[0] == '1' ? "1" : old) < 0)
		check(0, "cannot restore %s", param);
	if (r == 0) {
		/* already set: detach to start over */
		ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER);
		ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd);
	}
}

void
check_memlock(uint64_t *main_len)
{
	struct rlimit rl;
	long before, avail0, avail1;
	uint64_t eff = cap_eff();
	void *big;
	int r, err;

	getrlimit(RLIMIT_MEMLOCK, &rl);
	check(!(eff & (1ull << 14)), "CAP_IPC_LOCK is %s (CapEff 0x%" PRIx64 ")",
	      (eff & (1ull << 14)) ? "still effective" : "dropped", eff);
	info("uid %d, RLIMIT_MEMLOCK %llu KiB", (int)getuid(),
	     (unsigned long long)rl.rlim_cur / 1024);
	big = mmap(NULL, 2ul << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (big == MAP_FAILED) {
		check(0, "mmap 2 MiB: %s", strerror(errno));
		return;
	}
	before = vmlck_kb();
	avail0 = dma_avail();
	r = dma_map(big, IOVA_MAIN, 2ul << 20);
	err = errno;
	avail1 = dma_avail();
	check(r < 0 && err == ENOMEM,
	      "memlock: MAP_DMA of 2 MiB over the limit -> %d %s (want ENOMEM)",
	      r, r < 0 ? strerror(err) : "success");
	check(vmlck_kb() == before && avail0 == avail1,
	      "memlock: refused map left VmLck (%ld kB) and DMA avail (%ld) unchanged",
	      vmlck_kb(), avail1);
	if (r == 0)
		dma_unmap(IOVA_MAIN, 2ul << 20);
	munmap(big, 2ul << 20);
	if (rl.rlim_cur != RLIM_INFINITY && *main_len > rl.rlim_cur / 2) {
		*main_len = (rl.rlim_cur / 2) & ~(uint64_t)(PAGE - 1);
		if (*main_len < 2 * PAGE)
			*main_len = 2 * PAGE;
		info("memlock: main DMA buffer reduced to %" PRIu64 " KiB", *main_len / 1024);
	}
}

/* Blocked DMA after unmap: RAM must not change. Returns 0 if blocked. */
void
check_blocked(uint8_t *va, uint64_t iova)
{
	double ms = 0;
	int kfd, r, faults, unchanged;
	size_t i;
	const char *what;

	/* known data in the device buffer, from the scratch page */
	fill(scratch, EDU_XFER, 99);
	if (edu_dma(IOVA_SCRATCH, EDU_BUF_ADDR, EDU_XFER, 0, NULL) < 0) {
		check(0, "blocked: preparing the device buffer timed out");
		return;
	}
	memset(va, 0xa5, EDU_XFER);
	kfd = open_kmsg();
	r = edu_dma(EDU_BUF_ADDR, iova, EDU_XFER, 1, &ms);
	info("blocked: device -> unmapped iova 0x%" PRIx64 ": busy bit %s",
	     iova, r == 0 ? "cleared as for a good transfer" : "stayed set");
	if (r == 0)
		info("blocked: command completed in %.0f ms", ms);
	for (i = 0, unchanged = 1; i < EDU_XFER; i++)
		if (va[i] != 0xa5)
			unchanged = 0;
	check(unchanged, "blocked: DMA to the unmapped IOVA did not reach memory (%s)",
	      unchanged ? "buffer unchanged" : "BUFFER WAS WRITTEN");

	/* the other direction: what lands in the device buffer? */
	fill(va, EDU_XFER, 5);
	r = edu_dma(iova, EDU_BUF_ADDR, EDU_XFER, 0, &ms);
	memset(scratch, 0x3c, EDU_XFER);
	if (r == 0)
		r = edu_dma(EDU_BUF_ADDR, IOVA_SCRATCH, EDU_XFER, 1, NULL);
	faults = count_faults(kfd, "blocked");
	if (r < 0) {
		check(0, "blocked: read from the unmapped IOVA did not complete");
		return;
	}
	for (i = 0, what = "zeros"; i < EDU_XFER; i++)
		if (scratch[i] != 0) {
			what = NULL;
			break;
		}
	if (what == NULL) {
		uint8_t *exp = malloc(EDU_XFER);

		fill(exp, EDU_XFER, 99);
		if (memcmp(scratch, exp, EDU_XFER) == 0)
			what = "unchanged (old device data)";
		else if (memcmp(scratch, va, EDU_XFER) == 0)
			what = "THE RAM DATA (not blocked)";
		else
			what = "other data";
		free(exp);
	}
	check(strcmp(what, "THE RAM DATA (not blocked)") != 0,
	      "blocked: DMA from the unmapped IOVA did not read memory; device buffer holds %s",
	      what);
	if (faults >= 0)
		info("blocked: %d kernel log line(s) about IOMMU faults", faults);
}

void
check_exhaust(void)
{
	long avail = dma_avail(), n = 0, i;
	uint8_t *pages;
	int r = 0, err = 0;
	int64_t sz;
	double t0;

	if (avail < 0 || avail > 4096) {
		check(0, "exhaust: DMA avail %ld is not a small limit", avail);
		return;
	}
	pages = mmap(NULL, (avail + 1) * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pages == MAP_FAILED) {
		check(0, "exhaust: mmap: %s", strerror(errno));
		return;
	}
	t0 = now_s();
	for (i = 0; i <= avail; i++) {
		r = dma_map(pages + i * PAGE, IOVA_MANY + i * PAGE, PAGE);
		if (r < 0) {
			err = errno;
			break;
		}
		n++;
	}
	check(n == avail && r < 0 && err == ENOSPC,
	      "exhaust: %ld maps of 4 KiB succeeded (avail was %ld), next -> %s (want ENOSPC), %.1f us/map",
	      n, avail, r < 0 ? strerror(err) : "success",
	      n ? (now_s() - t0) * 1e6 / n : 0.0);
	check(dma_avail() == 0, "exhaust: DMA avail now %ld", dma_avail());
	sz = dma_unmap(IOVA_MANY, (uint64_t)n * PAGE);
	check(sz == (int64_t)(n * PAGE), "exhaust: one UNMAP of %ld mappings -> size %" PRId64,
	      n, sz);
	check(dma_avail() == avail, "exhaust: DMA avail back to %ld", dma_avail());
	munmap(pages, (avail + 1) * PAGE);
}

void
check_hugepage(const char *spec)
{
	char path[128];
	uint64_t sz;
	long want = -1, nr, fr;
	const char *eq = strchr(spec, '=');
	char szs[16];
	uint8_t *va;
	int flags, shift = 0, r;
	long before;
	int64_t un;
	double t0;

	snprintf(szs, sizeof(szs), "%.*s", eq ? (int)(eq - spec) : (int)strlen(spec), spec);
	if (eq)
		want = strtol(eq + 1, NULL, 0);
	if (parse_size(szs, &sz) < 0) {
		check(0, "hugepages: bad size '%s'", szs);
		return;
	}
	while ((1ull << shift) < sz)
		shift++;
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages",
		 sz >> 10);
	nr = sysfs_long(path);
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/free_hugepages",
		 sz >> 10);
	fr = sysfs_long(path);
	info("hugepages %s: nr_hugepages %ld, free %ld", szs, nr, fr);
	if (want >= 0)
		check(nr == want, "hugepages %s: %ld reserved (want %ld)", szs, nr, want);
	if (fr < 1) {
		check(0, "hugepages %s: no free page to test with", szs);
		return;
	}
	flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (shift << MAP_HUGE_SHIFT);
	va = mmap(NULL, sz, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (va == MAP_FAILED) {
		check(0, "hugepages %s: mmap MAP_HUGETLB: %s", szs, strerror(errno));
		return;
	}
	t0 = now_s();
	va[0] = 1;
	info("hugepages %s: first touch (the kernel clears the page) took %.3f s", szs,
	     now_s() - t0);
	before = vmlck_kb();
	t0 = now_s();
	r = dma_map(va, IOVA_HUGE, sz);
	check(r == 0, "hugepages %s: MAP_DMA of one page at iova 0x%llx -> %s in %.3f s (VmLck +%ld kB)",
	      szs, IOVA_HUGE, r == 0 ? "0" : strerror(errno), now_s() - t0, vmlck_kb() - before);
	if (r == 0) {
		roundtrip(va, IOVA_HUGE, 0, sz - EDU_XFER, 21, "hugepage first->last");
		roundtrip(va, IOVA_HUGE, sz - EDU_XFER, sz / 2, 22, "hugepage last->middle");
		un = dma_unmap(IOVA_HUGE, sz);
		check(un == (int64_t)sz, "hugepages %s: UNMAP -> size 0x%" PRIx64, szs, un);
	}
	munmap(va, sz);

	/* the same through the hugetlbfs mount of that size, if any */
	if (sz == (2u << 20)) {
		struct statfs sf;
		int fd;

		if (statfs("/dev/hugepages", &sf) < 0 ||
		    (unsigned long)sf.f_type != HUGETLBFS_MAGIC_VALUE ||
		    (uint64_t)sf.f_bsize != sz) {
			info("hugepages %s: no hugetlbfs of that size at /dev/hugepages", szs);
			return;
		}
		snprintf(path, sizeof(path), "/dev/hugepages/vfio_probe.%d", getpid());
		fd = open(path, O_CREAT | O_RDWR, 0600);
		if (fd < 0) {
			check(0, "hugetlbfs: open %s: %s", path, strerror(errno));
			return;
		}
		unlink(path);
		va = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (va == MAP_FAILED) {
			check(0, "hugetlbfs: mmap: %s", strerror(errno));
			return;
		}
		r = dma_map(va, IOVA_HUGE, sz);
		check(r == 0, "hugetlbfs %s file: MAP_DMA -> %s", szs,
		      r == 0 ? "0" : strerror(errno));
		if (r == 0) {
			roundtrip(va, IOVA_HUGE, 0, sz - EDU_XFER, 23, "hugetlbfs file");
			dma_unmap(IOVA_HUGE, sz);
		}
		munmap(va, sz);
	}
}

void
check_va_iova(uint8_t *va, uint64_t len, const struct iommu_info *ii)
{
	uint64_t iova = (uintptr_t)va;
	int inside = range_valid(ii, iova, len);
	int r, err;

	r = dma_map(va, iova, len);
	err = errno;
	check((r == 0) == inside && (r == 0 || err == EINVAL),
	      "IOVA as VA: map at iova 0x%" PRIx64 " -> %s (%s the IOVA ranges)",
	      iova, r == 0 ? "0" : strerror(err), inside ? "inside" : "outside");
	if (opt.expect_va_iova != NULL)
		check(strcmp(opt.expect_va_iova, r == 0 ? "ok" : "einval") == 0,
		      "IOVA as VA: result %s is the expected %s",
		      r == 0 ? "ok" : "einval", opt.expect_va_iova);
	if (r == 0) {
		roundtrip(va, iova, 0, PAGE, 31, "IOVA as VA");
		dma_unmap(iova, len);
	}
}

void
check_p2p(const struct edu *b)
{
	char path[64];
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX };
	int gfd2, dfd2, r;
	volatile uint8_t *bar2;
	long before;
	uint32_t v = 0x11223344u, got;
	int64_t un;

	snprintf(path, sizeof(path), "/dev/vfio/%d", b->group);
	gfd2 = open(path, O_RDWR);
	if (gfd2 < 0) {
		check(0, "p2p: open %s: %s", path, strerror(errno));
		return;
	}
	if (ioctl(gfd2, VFIO_GROUP_SET_CONTAINER, &cfd) < 0) {
		check(0, "p2p: SET_CONTAINER of group %d: %s", b->group, strerror(errno));
		close(gfd2);
		return;
	}
	dfd2 = ioctl(gfd2, VFIO_GROUP_GET_DEVICE_FD, b->bdf);
	if (dfd2 < 0 || ioctl(dfd2, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0) {
		check(0, "p2p: device %s: %s", b->bdf, strerror(errno));
		goto out;
	}
	bar2 = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, dfd2, (off_t)ri.offset);
	if (bar2 == MAP_FAILED) {
		check(0, "p2p: mmap BAR0 of %s: %s", b->bdf, strerror(errno));
		goto out;
	}
	before = vmlck_kb();
	r = dma_map((void *)(uintptr_t)bar2, IOVA_P2P, ri.size);
	check(r == 0 && vmlck_kb() == before,
	      "p2p: MAP_DMA of %s BAR0 (%llu KiB) -> %s, VmLck +%ld kB (want 0)",
	      b->bdf, (unsigned long long)ri.size / 1024, r == 0 ? "0" : strerror(errno),
	      vmlck_kb() - before);
	if (r == 0) {
		memcpy(scratch, &v, sizeof(v));
		r = edu_dma(IOVA_SCRATCH, EDU_BUF_ADDR, sizeof(v), 0, NULL);
		if (r == 0)
			r = edu_dma(EDU_BUF_ADDR, IOVA_P2P + EDU_REG_LIVENESS, sizeof(v), 1, NULL);
		got = *(volatile uint32_t *)(bar2 + EDU_REG_LIVENESS);
		check(r == 0 && got == ~v,
		      "p2p: DMA of 0x%08x into the other device's liveness register -> reads 0x%08x (want 0x%08x)",
		      v, got, ~v);
		un = dma_unmap(IOVA_P2P, ri.size);
		check(un == (int64_t)ri.size, "p2p: UNMAP -> size 0x%" PRIx64, un);
	}
	munmap((void *)(uintptr_t)bar2, ri.size);
out:
	if (dfd2 >= 0)
		close(dfd2);
	close(gfd2);
}
