/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_probe: end-to-end smoke test of the kernel's VFIO type1 stack with
 * QEMU edu devices, used by the VM test rig (devtools/vm) as the test
 * "vfio_probe".
 *
 * It opens the container and the first edu device's group, sets the type1 v2
 * IOMMU, reads GET_INFO (argsz negotiation, page sizes, IOVA ranges, DMA
 * entries), maps memory, makes the device copy data by DMA through the IOMMU
 * and checks it, unmaps, and checks that DMA to the unmapped IOVA no longer
 * reaches memory. Options add checks a configuration expects (see usage()).
 *
 * Output: one line per check ("ok", "FAIL", or "info" for observations),
 * then "vfio_probe: N checks ok, N failed". Exit 0 if every check passed,
 * 1 if one failed, 77 (skip) when there is no VFIO device to test outside
 * the test VM (DPDK_TEST_IN_VM unset).
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

/* QEMU edu device */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_ID_VALUE 0x010000edu
#define EDU_REG_ID 0x00
#define EDU_REG_LIVENESS 0x04
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_BUF_ADDR 0x40000u
#define EDU_BUF_SIZE 4096u
/*
 * Largest transfer: QEMU 7.2 edu rejects a transfer that reaches the end of
 * its 4 KiB buffer (off by one in its range check) with a hw_error, which
 * aborts QEMU; 4095 bytes is the most it moves in one command.
 */
#define EDU_XFER (EDU_BUF_SIZE - 1)

#define PCI_CMD_OFFSET 4
#define PCI_CMD_MASTER 0x4

/* IOVAs used by the probe: inside every range the configurations give. */
#define IOVA_SCRATCH 0x10000000ull	/* 256 MiB: 4 KiB helper buffer */
#define IOVA_MAIN 0x100000000ull	/* 4 GiB: main buffer */
#define IOVA_HUGE 0x200000000ull	/* 8 GiB, 1 GiB aligned: hugepages */
#define IOVA_P2P 0x300000000ull		/* 12 GiB: the other device's BAR0 */
#define IOVA_MANY 0x400000000ull	/* 16 GiB: DMA entry exhaustion */

#define PAGE 4096ul
#define MAX_RANGES 16
#define MAX_EDUS 8
#define HUGETLBFS_MAGIC_VALUE 0x958458f6

struct edu {
	char bdf[64];
	int group;
};

struct iommu_info {
	uint32_t flags;
	uint64_t pgsizes;
	uint32_t argsz_needed;
	int nr_ranges;
	uint64_t start[MAX_RANGES];
	uint64_t end[MAX_RANGES];
	int have_avail;
	uint32_t avail;
};

static struct {
	const char *bdf;
	const char *expect_pgsizes;
	const char *expect_ranges;
	long expect_dma_avail;
	int exhaust_dma;
	int expect_memlock_enomem;
	int expect_no_intremap;
	const char *hugepages;
	const char *expect_va_iova;
	int p2p;
	unsigned int sleep_s;
} opt = { .expect_dma_avail = -1, .p2p = 1 };

static int n_ok, n_fail;
static int cfd = -1, gfd = -1, dfd = -1;
static volatile uint8_t *bar;
static uint8_t *scratch;
static struct timespec t_start;

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

static void __attribute__((format(printf, 2, 3)))
check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%-4s [%7.3f] ", cond ? "ok" : "FAIL", now_s());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cond)
		n_ok++;
	else
		n_fail++;
}

static void __attribute__((format(printf, 1, 2)))
info(const char *fmt, ...)
{
	va_list ap;

	printf("info [%7.3f] ", now_s());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int
finish(void)
{
	printf("vfio_probe: %d checks ok, %d failed\n", n_ok, n_fail);
	fflush(stdout);
	return n_fail ? 1 : 0;
}

/* No device to test: skip outside the VM, fail inside it. */
static int __attribute__((format(printf, 1, 2)))
no_device(const char *fmt, ...)
{
	const char *in_vm = getenv("DPDK_TEST_IN_VM");
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (in_vm == NULL || strcmp(in_vm, "1") != 0) {
		printf("vfio_probe: skipped (no VFIO edu device; run it in the test VM)\n");
		return 77;
	}
	check(0, "the test VM provides a VFIO-bound edu device");
	return finish();
}

static int
read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int
write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static long
sysfs_long(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 0);
}

static int
cmp_edu(const void *a, const void *b)
{
	return strcmp(((const struct edu *)a)->bdf, ((const struct edu *)b)->bdf);
}

/* edu devices bound to vfio-pci, sorted by address */
static int
find_edus(struct edu *edus, int max)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;
	ssize_t l;

	d = opendir("/sys/bus/pci/devices");
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		const char *base;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (sysfs_long(path) != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (sysfs_long(path) != EDU_DEVICE)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", de->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		if (l < 0)
			continue;
		link[l] = '\0';
		base = strrchr(link, '/');
		if (strcmp(base ? base + 1 : link, "vfio-pci") != 0) {
			info("edu %s is not bound to vfio-pci", de->d_name);
			continue;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
			 de->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		if (l < 0)
			continue;
		link[l] = '\0';
		base = strrchr(link, '/');
		snprintf(edus[n].bdf, sizeof(edus[n].bdf), "%.63s", de->d_name);
		edus[n].group = atoi(base ? base + 1 : link);
		n++;
	}
	closedir(d);
	qsort(edus, n, sizeof(edus[0]), cmp_edu);
	return n;
}

/* VmLck of this process in KiB */
static long
vmlck_kb(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static uint64_t
cap_eff(void)
{
	char line[256];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* VFIO_IOMMU_GET_INFO with argsz negotiation; parses the capability chain. */
static int
get_info(struct iommu_info *ii, int verbose)
{
	struct vfio_iommu_type1_info *p;
	uint32_t sz = sizeof(*p), off;
	int tries;

	memset(ii, 0, sizeof(*ii));
	for (tries = 0; tries < 3; tries++) {
		p = calloc(1, sz);
		if (p == NULL)
			return -1;
		p->argsz = sz;
		if (ioctl(cfd, VFIO_IOMMU_GET_INFO, p) < 0) {
			free(p);
			return -1;
		}
		if (p->argsz <= sz)
			break;
		if (verbose)
			info("GET_INFO argsz %u too small, kernel asks for %u", sz, p->argsz);
		ii->argsz_needed = p->argsz;
		sz = p->argsz;
		free(p);
	}
	if (tries == 3)
		return -1;
	ii->flags = p->flags;
	ii->pgsizes = p->iova_pgsizes;
	off = (p->flags & VFIO_IOMMU_INFO_CAPS) ? p->cap_offset : 0;
	while (off != 0 && off + sizeof(struct vfio_info_cap_header) <= sz) {
		struct vfio_info_cap_header *h = (void *)((char *)p + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
			uint32_t i;

			for (i = 0; i < r->nr_iovas && i < MAX_RANGES; i++) {
				ii->start[i] = r->iova_ranges[i].start;
				ii->end[i] = r->iova_ranges[i].end;
			}
			ii->nr_ranges = (int)i;
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			struct vfio_iommu_type1_info_dma_avail *a = (void *)h;

			ii->have_avail = 1;
			ii->avail = a->avail;
		}
		if (verbose)
			info("GET_INFO capability id %u version %u at offset %u",
			     h->id, h->version, off);
		if (h->next <= off)
			break;
		off = h->next;
	}
	free(p);
	return 0;
}

static long
dma_avail(void)
{
	struct iommu_info ii;

	if (get_info(&ii, 0) < 0 || !ii.have_avail)
		return -1;
	return ii.avail;
}

static int
range_valid(const struct iommu_info *ii, uint64_t iova, uint64_t len)
{
	int i;

	for (i = 0; i < ii->nr_ranges; i++)
		if (iova >= ii->start[i] && iova + len - 1 <= ii->end[i])
			return 1;
	return 0;
}

static int
dma_map(void *va, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	return ioctl(cfd, VFIO_IOMMU_MAP_DMA, &m);
}

/* returns the unmapped size, or -1 */
static int64_t
dma_unmap(uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = len,
	};

	if (ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &u) < 0)
		return -1;
	return (int64_t)u.size;
}

static inline void
reg_write64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = v;
}

static inline uint64_t
reg_read64(unsigned int off)
{
	return *(volatile uint64_t *)(bar + off);
}

static inline void
reg_write32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static inline uint32_t
reg_read32(unsigned int off)
{
	return *(volatile uint32_t *)(bar + off);
}

/*
 * One edu DMA: to_ram = 0 copies cnt bytes from IOVA src into the device
 * buffer at dst, to_ram = 1 copies the device buffer at src to IOVA dst.
 * Polls the busy bit; returns 0 when it cleared (time in *ms), -1 on timeout.
 */
static int
edu_dma(uint64_t src, uint64_t dst, uint64_t cnt, int to_ram, double *ms)
{
	double t0 = now_s();

	reg_write64(EDU_REG_DMA_SRC, src);
	reg_write64(EDU_REG_DMA_DST, dst);
	reg_write64(EDU_REG_DMA_CNT, cnt);
	reg_write64(EDU_REG_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	while (reg_read64(EDU_REG_DMA_CMD) & EDU_CMD_START) {
		if (now_s() - t0 > 5.0)
			return -1;
		usleep(1000);
	}
	if (ms != NULL)
		*ms = (now_s() - t0) * 1000;
	return 0;
}

static void
fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

/*
 * Device round trip through a mapping: RAM at iova+in_off -> device buffer
 * -> RAM at iova+out_off, then compare.
 */
static int
roundtrip(uint8_t *va, uint64_t iova, size_t in_off, size_t out_off,
	  unsigned int seed, const char *what)
{
	double ms1 = 0, ms2 = 0;
	int r;

	fill(va + in_off, EDU_XFER, seed);
	memset(va + out_off, 0, EDU_XFER);
	r = edu_dma(iova + in_off, EDU_BUF_ADDR, EDU_XFER, 0, &ms1);
	if (r == 0)
		r = edu_dma(EDU_BUF_ADDR, iova + out_off, EDU_XFER, 1, &ms2);
	if (r < 0) {
		check(0, "%s: edu DMA did not complete within 5 s", what);
		return -1;
	}
	fill(scratch, EDU_XFER, seed);	/* expected data */
	r = memcmp(va + out_off, scratch, EDU_XFER) == 0;
	check(r, "%s: DMA iova 0x%" PRIx64 " -> device -> iova 0x%" PRIx64
	      " (%u bytes each way, %.0f + %.0f ms): data %s", what,
	      iova + in_off, iova + out_off, EDU_XFER, ms1, ms2, r ? "matches" : "DIFFERS");
	return r ? 0 : -1;
}

/* Counts kernel log records containing "fault" since open_kmsg(). */
static int
open_kmsg(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int
count_faults(int fd, const char *what)
{
	char rec[2048];
	ssize_t n;
	int count = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = '\0';
		if (strstr(rec, "fault") != NULL || strstr(rec, "DMAR") != NULL) {
			char *msg = strchr(rec, ';');
			char *nl;

			msg = msg ? msg + 1 : rec;
			nl = strchr(msg, '\n');
			if (nl)
				*nl = '\0';
			if (count < 4)
				info("%s: kernel: %s", what, msg);
			count++;
		}
	}
	close(fd);
	return count;
}

static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (end == s || v == 0)
		return -1;
	*out = v;
	return 0;
}

static void
usage(const char *prog)
{
	printf("usage: %s [options]\n"
	       "  --bdf BDF                 edu device to use (default: first one)\n"
	       "  --expect-pgsizes HEX      iova_pgsizes GET_INFO must report\n"
	       "  --expect-ranges LIST      IOVA ranges, e.g. 0x0-0xfedfffff,0xfef00000-0xffffffffffff\n"
	       "  --expect-dma-avail N      DMA entries available right after SET_IOMMU\n"
	       "  --exhaust-dma             map 4 KiB pages until ENOSPC; count must equal DMA avail\n"
	       "  --expect-memlock-enomem   no CAP_IPC_LOCK and a low RLIMIT_MEMLOCK: a 2 MiB map\n"
	       "                            must fail with ENOMEM (the DMA buffer shrinks to fit)\n"
	       "  --expect-no-intremap      with allow_unsafe_interrupts=0, SET_IOMMU must fail EPERM\n"
	       "  --hugepages SZ[=N],...    map one hugepage of each size (2M, 1G) and DMA through it;\n"
	       "                            =N: nr_hugepages of that size must be N\n"
	       "  --expect-va-iova ok|einval  result of mapping the buffer at IOVA == its VA\n"
	       "  --no-p2p                  skip the peer-to-peer check (needs 2 edu devices)\n"
	       "  --sleep S                 sleep S seconds first (rig timeout tests)\n",
	       prog);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "expect-pgsizes", required_argument, NULL, 'p' },
		{ "expect-ranges", required_argument, NULL, 'r' },
		{ "expect-dma-avail", required_argument, NULL, 'a' },
		{ "exhaust-dma", no_argument, NULL, 'x' },
		{ "expect-memlock-enomem", no_argument, NULL, 'm' },
		{ "expect-no-intremap", no_argument, NULL, 'i' },
		{ "hugepages", required_argument, NULL, 'H' },
		{ "expect-va-iova", required_argument, NULL, 'v' },
		{ "no-p2p", no_argument, NULL, 'P' },
		{ "sleep", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': opt.bdf = optarg; break;
		case 'p': opt.expect_pgsizes = optarg; break;
		case 'r': opt.expect_ranges = optarg; break;
		case 'a': opt.expect_dma_avail = strtol(optarg, NULL, 0); break;
		case 'x': opt.exhaust_dma = 1; break;
		case 'm': opt.expect_memlock_enomem = 1; break;
		case 'i': opt.expect_no_intremap = 1; break;
		case 'H': opt.hugepages = optarg; break;
		case 'v': opt.expect_va_iova = optarg; break;
		case 'P': opt.p2p = 0; break;
		case 's': opt.sleep_s = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (opt.expect_va_iova != NULL && strcmp(opt.expect_va_iova, "ok") != 0 &&
	    strcmp(opt.expect_va_iova, "einval") != 0) {
		usage(argv[0]);
		exit(2);
	}
	return 0;
}

/* SET_IOMMU must be refused with EPERM while unsafe interrupts are not allowed. */
static void
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

static void
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
static void
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

static void
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

static void
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

static void
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

static void
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

int
main(int argc, char **argv)
{
	struct edu edus[MAX_EDUS], *a = NULL;
	struct iommu_info ii;
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info bri = { .argsz = sizeof(bri), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info cri = { .argsz = sizeof(cri), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	char path[64], rbuf[512];
	uint64_t main_len = 2ul << 20;
	uint8_t *buf;
	uint16_t cmd;
	long before, avail0;
	int n, i, r;
	int64_t un;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	if (opt.sleep_s) {
		info("sleeping %u s as asked", opt.sleep_s);
		sleep(opt.sleep_s);
	}

	if (access("/dev/vfio/vfio", F_OK) != 0)
		return no_device("no /dev/vfio/vfio (vfio module not loaded?)");
	n = find_edus(edus, MAX_EDUS);
	for (i = 0; i < n; i++) {
		info("edu %s in IOMMU group %d", edus[i].bdf, edus[i].group);
		if (opt.bdf == NULL || strcmp(opt.bdf, edus[i].bdf) == 0) {
			if (a == NULL)
				a = &edus[i];
		}
	}
	if (a == NULL)
		return no_device("no edu device (1234:11e8) bound to vfio-pci%s%s",
				 opt.bdf ? " at " : "", opt.bdf ? opt.bdf : "");

	/* container */
	cfd = open("/dev/vfio/vfio", O_RDWR);
	check(cfd >= 0, "open /dev/vfio/vfio");
	if (cfd < 0)
		return finish();
	r = ioctl(cfd, VFIO_GET_API_VERSION);
	check(r == VFIO_API_VERSION, "VFIO_GET_API_VERSION -> %d", r);
	r = ioctl(cfd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
	check(r == 1, "CHECK_EXTENSION(TYPE1v2) -> %d", r);

	/* group */
	snprintf(path, sizeof(path), "/dev/vfio/%d", a->group);
	gfd = open(path, O_RDWR);
	check(gfd >= 0, "open %s: %s", path, gfd >= 0 ? "ok" : strerror(errno));
	if (gfd < 0)
		return finish();
	r = ioctl(gfd, VFIO_GROUP_GET_STATUS, &gs);
	check(r == 0 && (gs.flags & VFIO_GROUP_FLAGS_VIABLE), "group %d viable (flags 0x%x)",
	      a->group, gs.flags);
	r = ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd);
	check(r == 0, "SET_CONTAINER -> %s", r == 0 ? "0" : strerror(errno));
	if (r < 0)
		return finish();
	if (opt.expect_no_intremap)
		check_no_intremap();
	r = ioctl(cfd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	check(r == 0, "SET_IOMMU(TYPE1v2) -> %s", r == 0 ? "0" : strerror(errno));
	if (r < 0) {
		if (errno == EPERM)
			info("EPERM: no interrupt remapping; load vfio_iommu_type1 with allow_unsafe_interrupts=1");
		return finish();
	}

	/* GET_INFO */
	r = get_info(&ii, 1);
	check(r == 0, "GET_INFO (argsz negotiated: %u) -> %s", ii.argsz_needed,
	      r == 0 ? "0" : strerror(errno));
	if (r < 0)
		return finish();
	info("iova_pgsizes 0x%" PRIx64 ", flags 0x%x", ii.pgsizes, ii.flags);
	rbuf[0] = '\0';
	for (i = 0; i < ii.nr_ranges; i++)
		snprintf(rbuf + strlen(rbuf), sizeof(rbuf) - strlen(rbuf), "%s0x%" PRIx64 "-0x%" PRIx64,
			 i ? "," : "", ii.start[i], ii.end[i]);
	info("IOVA ranges (%d): %s", ii.nr_ranges, rbuf);
	info("DMA avail: %s%u", ii.have_avail ? "" : "(no capability) ", ii.avail);
	check(ii.pgsizes & PAGE, "4 KiB pages supported");
	if (opt.expect_pgsizes)
		check(ii.pgsizes == strtoull(opt.expect_pgsizes, NULL, 16),
		      "iova_pgsizes 0x%" PRIx64 " (want %s)", ii.pgsizes, opt.expect_pgsizes);
	if (opt.expect_ranges)
		check(strcmp(rbuf, opt.expect_ranges) == 0, "IOVA ranges %s (want %s)",
		      rbuf, opt.expect_ranges);
	if (opt.expect_dma_avail >= 0)
		check(ii.have_avail && ii.avail == opt.expect_dma_avail,
		      "DMA avail %u (want %ld)", ii.avail, opt.expect_dma_avail);
	if (opt.exhaust_dma)
		check_exhaust();
	if (opt.expect_memlock_enomem)
		check_memlock(&main_len);
	else
		info("CAP_IPC_LOCK %s", (cap_eff() & (1ull << 14)) ? "effective" : "not effective");

	/* device */
	dfd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, a->bdf);
	check(dfd >= 0, "GET_DEVICE_FD(%s) -> %s", a->bdf, dfd >= 0 ? "fd" : strerror(errno));
	if (dfd < 0)
		return finish();
	r = ioctl(dfd, VFIO_DEVICE_GET_INFO, &di);
	check(r == 0 && (di.flags & VFIO_DEVICE_FLAGS_PCI),
	      "DEVICE_GET_INFO: flags 0x%x, %u regions, %u irqs", di.flags, di.num_regions,
	      di.num_irqs);
	r = ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &bri);
	check(r == 0 && (bri.flags & VFIO_REGION_INFO_FLAG_MMAP),
	      "BAR0 region: size 0x%llx offset 0x%llx flags 0x%x", (unsigned long long)bri.size,
	      (unsigned long long)bri.offset, bri.flags);
	if (r < 0)
		return finish();
	bar = mmap(NULL, bri.size, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, (off_t)bri.offset);
	check(bar != MAP_FAILED, "mmap BAR0: %s", bar != MAP_FAILED ? "ok" : strerror(errno));
	if (bar == MAP_FAILED)
		return finish();
	check(reg_read32(EDU_REG_ID) == EDU_ID_VALUE, "edu id register 0x%08x", reg_read32(EDU_REG_ID));
	reg_write32(EDU_REG_LIVENESS, 0x12345678u);
	check(reg_read32(EDU_REG_LIVENESS) == ~0x12345678u, "edu liveness register inverts (0x%08x)",
	      reg_read32(EDU_REG_LIVENESS));
	r = ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &cri);
	if (r == 0 && pread(dfd, &cmd, 2, (off_t)(cri.offset + PCI_CMD_OFFSET)) == 2) {
		cmd |= PCI_CMD_MASTER;
		r = pwrite(dfd, &cmd, 2, (off_t)(cri.offset + PCI_CMD_OFFSET)) == 2 ? 0 : -1;
		cmd = 0;
		if (r == 0 && pread(dfd, &cmd, 2, (off_t)(cri.offset + PCI_CMD_OFFSET)) != 2)
			r = -1;
	} else {
		r = -1;
	}
	check(r == 0 && (cmd & PCI_CMD_MASTER), "bus master enabled (PCI command 0x%04x)", cmd);

	/* scratch page, kept mapped */
	scratch = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = scratch == MAP_FAILED ? -1 : dma_map(scratch, IOVA_SCRATCH, PAGE);
	check(r == 0, "MAP_DMA scratch page at iova 0x%llx -> %s", IOVA_SCRATCH,
	      r == 0 ? "0" : strerror(errno));
	if (r < 0)
		return finish();

	/* main buffer */
	buf = mmap(NULL, main_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		check(0, "mmap %" PRIu64 " bytes: %s", main_len, strerror(errno));
		return finish();
	}
	memset(buf, 0, main_len);
	before = vmlck_kb();
	avail0 = dma_avail();
	r = dma_map(buf, IOVA_MAIN, main_len);
	check(r == 0, "MAP_DMA %" PRIu64 " KiB anonymous at iova 0x%llx -> %s", main_len >> 10,
	      IOVA_MAIN, r == 0 ? "0" : strerror(errno));
	if (r < 0)
		return finish();
	check(vmlck_kb() - before == (long)(main_len >> 10), "VmLck +%ld kB (want +%" PRIu64 ")",
	      vmlck_kb() - before, main_len >> 10);
	check(dma_avail() == avail0 - 1, "DMA avail %ld -> %ld", avail0, dma_avail());
	r = dma_map(buf, IOVA_MAIN + PAGE, PAGE);
	check(r < 0 && errno == EEXIST, "MAP_DMA overlapping it -> %s (want EEXIST)",
	      r == 0 ? "0" : strerror(errno));
	roundtrip(buf, IOVA_MAIN, 0, main_len - EDU_XFER, 1, "first page -> end of buffer");
	roundtrip(buf, IOVA_MAIN, main_len - EDU_XFER, main_len / 2, 2, "end of buffer -> middle");

	un = dma_unmap(IOVA_MAIN, main_len);
	check(un == (int64_t)main_len, "UNMAP_DMA -> size 0x%" PRIx64 " (want 0x%" PRIx64 ")",
	      un, main_len);
	check(vmlck_kb() == before, "VmLck back to %ld kB", vmlck_kb());
	check(dma_avail() == avail0, "DMA avail back to %ld", dma_avail());
	check_blocked(buf, IOVA_MAIN);

	check_va_iova(buf, main_len, &ii);

	if (opt.hugepages != NULL) {
		char *list = strdup(opt.hugepages), *save = NULL, *tok;

		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			check_hugepage(tok);
		free(list);
	}

	if (opt.p2p) {
		const struct edu *b = NULL;

		for (i = 0; i < n; i++)
			if (&edus[i] != a && edus[i].group != a->group)
				b = &edus[i];
		if (b != NULL)
			check_p2p(b);
		else
			info("p2p: needs a second edu device in another group, skipped");
	}

	un = dma_unmap(IOVA_SCRATCH, PAGE);
	check(un == (int64_t)PAGE, "UNMAP_DMA scratch -> size 0x%" PRIx64, un);
	close(dfd);
	close(gfd);
	close(cfd);
	return finish();
}
