/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _MB_OPS_H_
#define _MB_OPS_H_

/*
 * The mapping benchmark's operations, written once against the public
 * DPDK API (rte_eal.h, rte_malloc.h, rte_vfio.h) and compiled twice: into
 * dpdk-map-bench against this project, and into dpdk-map-bench-dpdk22
 * against Debian's DPDK 22.11. What differs between the two is behind the
 * mb_port_*() functions, which each main file defines.
 *
 * Each group of operations runs in its own child process (an EAL can be
 * initialized once per process) and prints one line per measured row:
 *
 *   @ROW <src> <row> <bytes> <pgsz> <units> <calls> <entries> <seconds> <err> <kseconds> <kcalls>
 *
 * src: who measured (ours, model, dpdk22, bare, floor, pages; on iommufd
 * fd_ours, fd_bare, fd_floor, fd_pages); units: the
 * release units the row is about; calls: VFIO_IOMMU_MAP_DMA and UNMAP_DMA
 * calls issued, or IOMMU_IOAS_MAP and IOAS_UNMAP on iommufd (src fd_*)
 * (MB_UNKNOWN: not counted); entries: DMA entries taken by the
 * operation (negative: given back), from the kernel's DMA_AVAIL before and
 * after; err: 0, or the errno of the failure (the row is then not timed);
 * kseconds: the part of seconds spent inside the kernel, i.e. in every
 * ioctl(), close() and page call (mb_kernel.c) of the operation (-1: not
 * measured, as on the model);
 * kcalls: how many of those calls (MB_UNKNOWN: not counted). seconds -
 * kseconds is the user-side time of the row.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MB_UNKNOWN INT64_MIN
#define MB_ROW_TAG "@ROW"
#define MB_MIB (1024ULL * 1024ULL)

/* Sizes and choices, the same in both binaries (same command line). */
struct mb_opts {
	unsigned int heap_pages;     /* heap growth/shrink, in heap pages */
	unsigned int static_mb;      /* --no-huge static memory */
	unsigned int ext_mb;         /* external heap memory */
	unsigned int user_mb;        /* one-shot user map */
	unsigned int paged_pages;    /* paged user map, system pages */
	unsigned int teardown_pages; /* mappings torn down */
	unsigned int repeat;         /* repetitions of each row, the median is kept */
	const char *device;          /* PCI address, or NULL: the first vfio-pci device */
	const char *groups;          /* comma-separated groups to run, NULL: all */
	bool model;                  /* the type1 model instead of the kernel (ours only) */
	bool verbose;                /* every repetition on stderr */
	bool cold;                   /* no untimed warm-up run in fresh processes */
};

/* One measured row. */
struct mb_row {
	char src[16];
	char row[24];
	uint64_t bytes;
	uint64_t pgsz;
	uint64_t units;
	int64_t calls;
	int64_t entries;
	double secs;
	double ksecs;       /* of secs, inside ioctl()/close(); < 0: not measured */
	int64_t kcalls;     /* those kernel calls; MB_UNKNOWN: not counted */
	int err;
};

/* Defaults that finish in the TCG test VM in well under a minute. */
void mb_opts_default(struct mb_opts *o);

/*
 * Parse one option at argv[*i] into @p o (advancing *i past its value).
 * Returns 1 when taken, 0 when not an option of the shared set, -1 on a
 * bad value (after printing why).
 */
int mb_opts_parse(struct mb_opts *o, int argc, char **argv, int *i);

/* The shared options, for --help. */
void mb_opts_usage(FILE *f);

/* Append the shared options with their values to argv (for a peer binary). */
int mb_opts_to_argv(const struct mb_opts *o, char **argv, int max, char bufs[][32]);

/*
 * Run every selected group of operations, each in a forked child that
 * prints @ROW lines on stdout. Returns 0 when every child ran (rows may
 * still carry an err), -1 otherwise.
 */
int mb_run_groups(const struct mb_opts *o);

/* True when the group that measures @p row is selected (--groups). */
bool mb_row_selected(const struct mb_opts *o, const char *row);

/*
 * Repetitions of one row: every sample is kept and the row reported is
 * the median by wall time (TCG is noisy: the issue asks for the median of
 * at least 5). A failed repetition is reported instead.
 */
#define MB_MAX_REPEAT 31
struct mb_samples {
	struct mb_row r[MB_MAX_REPEAT];
	unsigned int n;
};

static inline void
mb_samples_add(struct mb_samples *s, const struct mb_row *r)
{
	if (s->n < MB_MAX_REPEAT)
		s->r[s->n++] = *r;
}

/* The median sample (the lower one of an even count), or the failed one. */
static inline const struct mb_row *
mb_samples_median(const struct mb_samples *s)
{
	const struct mb_row *sorted[MB_MAX_REPEAT], *t;
	unsigned int i, j;

	if (s->n == 0)
		return NULL;
	for (i = 0; i < s->n; i++) {
		if (s->r[i].err != 0)
			return &s->r[i];
		sorted[i] = &s->r[i];
		for (j = i; j > 0 && sorted[j - 1]->secs > sorted[j]->secs; j--) {
			t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	}
	return sorted[(s->n - 1) / 2];
}

/* Print a row in the @ROW format. */
void mb_row_print(FILE *f, const struct mb_row *r);

/* Parse an @ROW line; 0 on success, -1 when it is not one. */
int mb_row_parse(const char *line, struct mb_row *r);

/* --verbose was given: every repetition of a row is printed (mb_opts.c). */
extern bool mb_verbose;

/* Monotonic time in seconds. */
double mb_now(void);

/* The system page size. */
uint64_t mb_sys_page(void);

/*
 * The PCI address and IOMMU group of the device to use: @p want, or the
 * first device bound to vfio-pci under <sysfs>/bus/pci (an edu device
 * preferred). 0 on success, -1 when there is none.
 */
int mb_find_device(const char *sysfs, const char *want, char *bdf, size_t len,
		int *group);

/* The kernel's DMA entry limit per container (vfio_iommu_type1's
 * dma_entry_limit; 65535, its default, when it cannot be read). */
int64_t mb_dma_limit(void);

/* DMA entries the IOMMU of a container has left (VFIO_IOMMU_GET_INFO
 * DMA_AVAIL), or -1 when it cannot be read. */
int64_t mb_dma_avail(int container_fd);

/* MAP_DMA + UNMAP_DMA calls seen by the ioctl() interposer of this binary,
 * and the time spent in them. */
uint64_t mb_ioctl_dma_calls(void);
double mb_ioctl_dma_secs(void);

/* Every ioctl(), close() and page call seen by the interposer, and the
 * time spent in them in CPU counter ticks: the kernel's part of a row; a
 * difference of two tick counts in seconds. */
uint64_t mb_kernel_calls(void);
uint64_t mb_kernel_ticks(void);
double mb_ticks_secs(uint64_t ticks);

/* What a clock read and a CPU counter read cost here, and the clocksource
 * (one line on f). */
void mb_clock_report(FILE *f);

/* True when the kernel is what the EAL calls (not the model): only then
 * is the time inside the kernel measured. */
bool mb_port_kernel_timed(void);

/* ---- defined by each binary (the part that differs) ---- */

/* "ours", "model" or "dpdk22": the src of the rows this binary measures. */
const char *mb_port_src(void);
/* Called in each child before rte_eal_init() (the model is set up here). */
int mb_port_prepare(const struct mb_opts *o);
/* EAL arguments that only one implementation needs (NULL-ended, static). */
const char *const *mb_port_eal_args(const struct mb_opts *o, bool static_mem);
/* The sysfs root the device lookup reads. */
const char *mb_port_sysfs(void);
/* An ioctl on a container fd through the right boundary (GET_INFO). */
int mb_port_ioctl(int fd, unsigned long request, void *arg);
/* MAP_DMA + UNMAP_DMA calls issued so far by this process, and the time
 * spent in them (< 0: not measured). */
uint64_t mb_port_dma_calls(void);
double mb_port_dma_secs(void);
/* The fd of the default container (the kernel's, for GET_INFO). */
int mb_port_default_container(void);
/* Map [vaddr, vaddr + len) as one unit per page of pgsz. */
int mb_port_map_paged(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len, uint64_t pgsz);
/* Heap page size of the heap group (2 MiB hugepages, or the system page). */
uint64_t mb_port_heap_page(const struct mb_opts *o);
/* True when a container's IOMMU is set only by setting up a device. */
bool mb_port_teardown_needs_device(void);

#endif /* _MB_OPS_H_ */
