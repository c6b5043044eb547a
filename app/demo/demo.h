/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo's shared state and the functions its files give each other:
 * demo.c (main, the kernel's own count, the layout), demo_report.c
 * (narration, counters, the final table), demo_device.c (the edu device and
 * the DMA proofs), demo_heap.c (a: heap pages), demo_maps.c (b: external
 * heap, c: user maps, d: a refused map).
 */
#ifndef DEMO_H
#define DEMO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#define CFD RTE_VFIO_DEFAULT_CONTAINER_FD

/* bytes per proof transfer: the edu takes ~100 ms whatever the size */
#define SPOT 256
/* the x86 MSI window: never a valid IOVA on x86 IOMMUs */
#define MSI_WINDOW_IOVA 0xfee00000ULL

#define EXT_HEAP_NAME "demo_ext"
#define EXT_HEAP_LEN (64u << 20)
#define USER_PAGES 16
#define PAGED_PAGES 8
#define PAGED_HOLE 4            /* the page unmapped in the middle */
#define CHUNKS 14               /* quarter pages for the neighbour test */

/* One row of the final table. */
struct step {
	const char *name;
	bool ran;
	bool failed;
	bool have_peak;
	struct rte_vfio_container_stats s0, peak, s1;
	uint64_t t0, t1;
};

enum {
	STEP_DEVICE, STEP_HEAP, STEP_NEIGHBOURS, STEP_EXTERNAL, STEP_USER,
	STEP_PAGED, STEP_REFUSED, STEP_COUNT
};

extern struct step steps[STEP_COUNT];

/* What the steps share. */
struct demo_state {
	bool vfio;              /* the default container's counters exist */
	bool dma;               /* an edu device does real DMA */
	struct rte_pci_device *dev;
	struct rte_edu *edu;
	struct step *cur;
	const char *failed_at;
	uint64_t rnd;
	size_t sys_pg;
};

extern struct demo_state demo;
extern void *early;		/* heap memory that exists before the device */

/*
 * The EAL's log sent to a memory stream for the length of one call, so
 * that the line a refusal logs is shown (and checked) as part of the
 * narration rather than somewhere on stderr.
 */
struct logcap {
	FILE *ms;
	char *buf;
	size_t len;
	char first[512];        /* the first line, after log_end() */
};

/* narration, counters and the table (demo_report.c) */
const char *delta_str(const struct rte_vfio_container_stats *a, char *buf, size_t n);
const char *size_str(uint64_t b, char *buf, size_t n);
void __rte_format_printf(1, 2) act(const char *fmt, ...);
int __rte_format_printf(2, 3) outcome(bool ok, const char *fmt, ...);
int __rte_format_printf(1, 2) step_abort(const char *fmt, ...);
void __rte_format_printf(1, 2) note(const char *fmt, ...);
void log_begin(struct logcap *c);
void log_end(struct logcap *c);
void stats(struct rte_vfio_container_stats *s);
uint64_t kernel_calls(const struct rte_vfio_container_stats *a,
		const struct rte_vfio_container_stats *b);
void step_begin(int i, const char *title);
void step_peak(void);
int step_end(void);
bool delta_is(const struct rte_vfio_container_stats *a, int64_t units);
void print_table(void);
#define SZ(b) size_str((b), (char [32]){ 0 }, 32)
#define DELTA(a) delta_str((a), (char [160]){ 0 }, 160)

/* the device and the DMA proofs (demo_device.c) */
void fill_pattern(uint8_t *p, size_t n);
int dma_reachable(const char *what, uint8_t *src, rte_iova_t src_iova,
		uint8_t *dst, rte_iova_t dst_iova);
int dma_blocked(const char *what, uint8_t *va, rte_iova_t iova);
int dma_released(const char *what, const uint8_t *pat, rte_iova_t iova);
int demo_device(void);

/* (a) heap pages (demo_heap.c) */
/* the step's buffer: two and a half pages, so it ends inside a page */
static inline size_t
heap_buffer_len(size_t pgsz)
{
	return 2 * pgsz + pgsz / 2;
}
bool dynamic_pages(const void *va, size_t len);
int demo_heap_buffer(size_t pgsz, bool dyn);
int demo_heap_neighbours(size_t pgsz);

/* (b) external heap, (c) user maps, (d) a refused map (demo_maps.c) */
int demo_external(void);
int demo_user_map(void);
int demo_paged_map(void);
int demo_refused(void);

#endif
