/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_probe's shared definitions: the edu device's registers, the IOVAs
 * the probe uses, the options, the open file descriptors, and the functions
 * its three files give each other (vfio_probe.c: output, options and the
 * main sequence; vfio_probe_dev.c: sysfs, the type1 ioctls and edu DMA;
 * vfio_probe_checks.c: the checks a configuration asks for).
 */
#ifndef VFIO_PROBE_H
#define VFIO_PROBE_H

#include <stddef.h>
#include <stdint.h>

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

/* command line (vfio_probe.c) */
struct probe_opt {
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
};

extern struct probe_opt opt;
extern int cfd, gfd, dfd;	/* container, group, device */
extern volatile uint8_t *bar;	/* edu BAR0 */
extern uint8_t *scratch;	/* a page kept mapped at IOVA_SCRATCH */

/* output (vfio_probe.c) */
double now_s(void);
void check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int parse_size(const char *s, uint64_t *out);

/* sysfs, /proc, the type1 ioctls and edu DMA (vfio_probe_dev.c) */
int read_file(const char *path, char *buf, size_t len);
int write_file(const char *path, const char *val);
long sysfs_long(const char *path);
int find_edus(struct edu *edus, int max);
long vmlck_kb(void);
uint64_t cap_eff(void);
int get_info(struct iommu_info *ii, int verbose);
long dma_avail(void);
int range_valid(const struct iommu_info *ii, uint64_t iova, uint64_t len);
int dma_map(void *va, uint64_t iova, uint64_t len);
int64_t dma_unmap(uint64_t iova, uint64_t len);
int edu_dma(uint64_t src, uint64_t dst, uint64_t cnt, int to_ram, double *ms);
void fill(uint8_t *p, size_t len, unsigned int seed);
int roundtrip(uint8_t *va, uint64_t iova, size_t in_off, size_t out_off,
	      unsigned int seed, const char *what);
int open_kmsg(void);
int count_faults(int fd, const char *what);

/* the checks a configuration asks for (vfio_probe_checks.c) */
void check_no_intremap(void);
void check_memlock(uint64_t *main_len);
void check_blocked(uint8_t *va, uint64_t iova);
void check_exhaust(void);
void check_hugepage(const char *spec);
void check_va_iova(uint8_t *va, uint64_t len, const struct iommu_info *ii);
void check_p2p(const struct edu *b);

/* edu registers through the mapped BAR0 */
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

#endif
