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
 *
 * This file holds the output, the options and the main sequence;
 * vfio_probe_dev.c the kernel and device access, vfio_probe_checks.c the
 * optional checks (run.sh compiles the three into one static binary).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vfio_probe.h"

struct probe_opt opt = { .expect_dma_avail = -1, .p2p = 1 };

static int n_ok, n_fail;
int cfd = -1, gfd = -1, dfd = -1;
volatile uint8_t *bar;
uint8_t *scratch;
static struct timespec t_start;

double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

void __attribute__((format(printf, 2, 3)))
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

void __attribute__((format(printf, 1, 2)))
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

int
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
	uint16_t cmd = 0;
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
