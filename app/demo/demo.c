/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo: the memory subsystem and its VFIO mappings, seen by an
 * application, proven by real device DMA.
 *
 *   memvfio-demo [EAL options]      in the VM: devtools/demo.sh
 *   memvfio-demo --no-huge          anywhere: the memory-only part
 *
 * With a QEMU edu device bound to vfio-pci (the VM of devtools/vm), the
 * demo opens it through the PCI bus and walks through the kinds of memory
 * a device can reach: heap pages, an external heap, user maps, and a map
 * the EAL refuses before asking the kernel. For each action it says what
 * it does, what it expects and what happened; the edu's DMA engine shows
 * that mapped memory is reachable and unmapped memory is not. A table of
 * what each step cost (units, DMA entries, kernel calls, time) follows,
 * then "demo: OK" or "demo: FAILED at <step>" (exit status 1).
 *
 * Without VFIO or an edu device it says why and runs the memory-only part
 * (heap, external heap, layout). Inside the test VM (DPDK_TEST_IN_VM=1) a
 * missing device is a failure, so that CI notices.
 *
 * A blocked DMA is not an error on the edu: the transfer completes, a
 * blocked write is dropped and a blocked read returns zeros. Only the data
 * tells (doc/guides/pci_edu.rst), so every proof compares data.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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

static struct step steps[STEP_COUNT] = {
	[STEP_DEVICE] = { .name = "device + replay" },
	[STEP_HEAP] = { .name = "(a) heap buffer" },
	[STEP_NEIGHBOURS] = { .name = "(a) one page of 3" },
	[STEP_EXTERNAL] = { .name = "(b) external heap" },
	[STEP_USER] = { .name = "(c) user map" },
	[STEP_PAGED] = { .name = "(c) paged user map" },
	[STEP_REFUSED] = { .name = "(d) refused check" },
};

static struct {
	bool vfio;              /* the default container's counters exist */
	bool dma;               /* an edu device does real DMA */
	struct rte_pci_device *dev;
	struct rte_edu *edu;
	struct step *cur;
	const char *failed_at;
	uint64_t rnd;
	size_t sys_pg;
} demo;

/* --- narration ------------------------------------------------------------ */

static void __rte_format_printf(1, 2)
act(const char *fmt, ...)
{
	va_list ap;

	printf("  * ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The outcome of the last action; a failure marks the current step. */
static int __rte_format_printf(2, 0)
voutcome(bool ok, const char *fmt, va_list ap)
{
	printf("    %s: ", ok ? "ok" : "FAILED");
	vprintf(fmt, ap);
	printf("\n");
	if (!ok && demo.cur != NULL) {
		demo.cur->failed = true;
		if (demo.failed_at == NULL)
			demo.failed_at = demo.cur->name;
	}
	return ok ? 0 : -1;
}

static int __rte_format_printf(2, 3)
outcome(bool ok, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = voutcome(ok, fmt, ap);
	va_end(ap);
	return ret;
}

static int step_end(void);

/* A failure that ends the current step at once. */
static int __rte_format_printf(1, 2)
step_abort(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	voutcome(false, fmt, ap);
	va_end(ap);
	return step_end();
}

static void __rte_format_printf(1, 2)
note(const char *fmt, ...)
{
	va_list ap;

	printf("    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static const char *
size_str(uint64_t b, char *buf, size_t n)
{
	if (b >= (1u << 20) && b % (1u << 20) == 0)
		snprintf(buf, n, "%" PRIu64 " MiB", b >> 20);
	else if (b >= (1u << 20))
		snprintf(buf, n, "%.1f MiB", (double)b / (1u << 20));
	else if (b >= 1024 && b % 1024 == 0)
		snprintf(buf, n, "%" PRIu64 " KiB", b >> 10);
	else
		snprintf(buf, n, "%" PRIu64 " bytes", b);
	return buf;
}

#define SZ(b) size_str((b), (char [32]){ 0 }, 32)

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

static void
log_begin(struct logcap *c)
{
	c->buf = NULL;
	c->first[0] = '\0';
	c->ms = open_memstream(&c->buf, &c->len);
	if (c->ms != NULL)
		rte_openlog_stream(c->ms);
}

/* Back to stderr; each captured line is shown as "log: ...". */
static void
log_end(struct logcap *c)
{
	char *line, *save = NULL;

	if (c->ms == NULL)
		return;
	rte_openlog_stream(NULL);
	fclose(c->ms);
	for (line = c->buf != NULL ? strtok_r(c->buf, "\n", &save) : NULL;
			line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (c->first[0] == '\0')
			snprintf(c->first, sizeof(c->first), "%s", line);
		printf("    log: %s\n", line);
	}
	free(c->buf);
}

/* --- counters and steps ----------------------------------------------------- */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
stats(struct rte_vfio_container_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->dma_entries_avail = RTE_VFIO_DMA_AVAIL_UNKNOWN;
	if (demo.vfio && rte_vfio_container_stats_get(CFD, s) < 0) {
		memset(s, 0, sizeof(*s));
		s->dma_entries_avail = RTE_VFIO_DMA_AVAIL_UNKNOWN;
	}
}

static bool
avail_known(const struct rte_vfio_container_stats *a,
		const struct rte_vfio_container_stats *b)
{
	return a->dma_entries_avail != RTE_VFIO_DMA_AVAIL_UNKNOWN &&
		b->dma_entries_avail != RTE_VFIO_DMA_AVAIL_UNKNOWN;
}

/* DMA entries used between two snapshots: the kernel's word when it gives one. */
static int64_t
entries_used(const struct rte_vfio_container_stats *a,
		const struct rte_vfio_container_stats *b)
{
	if (avail_known(a, b))
		return (int64_t)a->dma_entries_avail - (int64_t)b->dma_entries_avail;
	return (int64_t)b->dma_entries - (int64_t)a->dma_entries;
}

static int64_t
records_delta(const struct rte_vfio_container_stats *a,
		const struct rte_vfio_container_stats *b)
{
	return (int64_t)b->records - (int64_t)a->records;
}

static uint64_t
kernel_calls(const struct rte_vfio_container_stats *a,
		const struct rte_vfio_container_stats *b)
{
	return b->map_calls + b->unmap_calls - a->map_calls - a->unmap_calls;
}

static void
step_begin(int i, const char *title)
{
	struct step *s = &steps[i];

	printf("\n%s: %s\n", s->name, title);
	demo.cur = s;
	s->ran = true;
	stats(&s->s0);
	s->t0 = now_ns();
}

/* The moment of a step when it holds the most mappings. */
static void
step_peak(void)
{
	stats(&demo.cur->peak);
	demo.cur->have_peak = true;
}

static int
step_end(void)
{
	struct step *s = demo.cur;

	s->t1 = now_ns();
	stats(&s->s1);
	if (!s->have_peak)
		s->peak = s->s1;
	demo.cur = NULL;
	return s->failed ? -1 : 0;
}

/* "N units, N DMA entries (DMA_AVAIL a -> b), N kernel calls" since @p a */
static const char *
delta_str(const struct rte_vfio_container_stats *a, char *buf, size_t n)
{
	struct rte_vfio_container_stats b;

	if (!demo.vfio) {
		snprintf(buf, n, "no VFIO: nothing mapped");
		return buf;
	}
	stats(&b);
	if (avail_known(a, &b))
		snprintf(buf, n, "%+" PRId64 " units, %+" PRId64
			" DMA entries (kernel DMA_AVAIL %" PRIu64 " -> %" PRIu64
			"), %" PRIu64 " kernel calls",
			records_delta(a, &b), entries_used(a, &b),
			a->dma_entries_avail, b.dma_entries_avail,
			kernel_calls(a, &b));
	else
		snprintf(buf, n, "%+" PRId64 " units, %+" PRId64
			" DMA entries, %" PRIu64 " kernel calls",
			records_delta(a, &b), entries_used(a, &b),
			kernel_calls(a, &b));
	return buf;
}

#define DELTA(a) delta_str((a), (char [160]){ 0 }, 160)

/* Did exactly @p units units (and as many DMA entries) appear since @p a? */
static bool
delta_is(const struct rte_vfio_container_stats *a, int64_t units)
{
	struct rte_vfio_container_stats b;

	if (!demo.vfio)
		return true;
	stats(&b);
	return records_delta(a, &b) == units && entries_used(a, &b) == units;
}

/* --- DMA proofs ---------------------------------------------------------------- */

static void
fill_pattern(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		/* xorshift64; never a zero byte, which a blocked read returns */
		demo.rnd ^= demo.rnd << 13;
		demo.rnd ^= demo.rnd >> 7;
		demo.rnd ^= demo.rnd << 17;
		p[i] = (uint8_t)(demo.rnd >> 24) | 0x01;
	}
}

/*
 * Reachable: a fresh pattern at @p src goes RAM -> edu -> RAM to @p dst
 * (two plain transfers); it arrives only if the IOMMU let both through.
 */
static int
dma_reachable(const char *what, uint8_t *src, rte_iova_t src_iova,
		uint8_t *dst, rte_iova_t dst_iova)
{
	uint8_t want[SPOT];
	size_t i;

	if (!demo.dma)
		return 0;
	act("DMA %d bytes RAM -> edu from IOVA 0x%" PRIx64 " and edu -> RAM to IOVA 0x%"
		PRIx64 " (%s): expect the pattern to arrive", SPOT, src_iova,
		dst_iova, what);
	fill_pattern(src, SPOT);
	memcpy(want, src, SPOT);
	for (i = 0; i < SPOT; i++)
		dst[i] = (uint8_t)~want[i];
	if (rte_edu_dma_to_dev(demo.edu, src_iova, 0, SPOT, 0) < 0 ||
			rte_edu_dma_from_dev(demo.edu, 0, dst_iova, SPOT, 0) < 0)
		return outcome(false, "the transfer failed on the device: %s",
			rte_strerror(rte_errno));
	if (memcmp(dst, want, SPOT) != 0)
		return outcome(false, "the data did not arrive: the IOMMU blocked the read of 0x%"
			PRIx64 " or the write to 0x%" PRIx64, src_iova, dst_iova);
	return outcome(true, "arrived: the device reached both addresses");
}

/*
 * Blocked, for memory the process still holds: a device read of @p iova
 * must not get the memory's data, a device write must leave it unchanged.
 */
static int
dma_blocked(const char *what, uint8_t *va, rte_iova_t iova)
{
	uint8_t before[SPOT];
	struct logcap c;
	int r1, e1, r2, e2;

	if (!demo.dma)
		return 0;
	act("DMA RAM -> edu and edu -> RAM at IOVA 0x%" PRIx64 " (%s): expect both blocked, memory unchanged",
		iova, what);
	fill_pattern(va, SPOT);
	log_begin(&c);
	r1 = rte_edu_copy_to_dev(demo.edu, va, iova, 0, SPOT, 0);
	e1 = rte_errno;
	fill_pattern(va, SPOT);
	memcpy(before, va, SPOT);
	r2 = rte_edu_copy_from_dev(demo.edu, 0, va, iova, SPOT, 0);
	e2 = rte_errno;
	log_end(&c);
	if (r1 == 0 || e1 != EFAULT)
		return outcome(false, "the device read %s", r1 == 0 ?
			"the memory's data: not blocked" : rte_strerror(e1));
	if (r2 == 0 || e2 != EFAULT || memcmp(va, before, SPOT) != 0)
		return outcome(false, "the device write %s", r2 == 0 ?
			"reached the memory: not blocked" : rte_strerror(e2));
	return outcome(true, "blocked: the device read zeros, the memory kept its data (EFAULT from the checked copies)");
}

/*
 * Blocked, for memory already given back to the system (freed heap
 * pages): the page held @p pat at @p iova before the release. Were it
 * still mapped, the IOMMU would still pin it and a device read would
 * return @p pat.
 */
static int
dma_released(const char *what, const uint8_t *pat, rte_iova_t iova)
{
	struct logcap c;
	int r, err;

	if (!demo.dma)
		return 0;
	act("DMA RAM -> edu from the old IOVA 0x%" PRIx64 " (%s): expect blocked, not the page's old data",
		iova, what);
	log_begin(&c);
	r = rte_edu_copy_to_dev(demo.edu, pat, iova, 0, SPOT, 0);
	err = rte_errno;
	log_end(&c);
	if (r == 0 || err != EFAULT)
		return outcome(false, "the device read %s", r == 0 ?
			"the page's old data: still mapped" : rte_strerror(err));
	return outcome(true, "blocked: the device read zeros");
}

/* --- the device ------------------------------------------------------------------- */

static struct rte_pci_device *
find_edu(char *why, size_t n)
{
	struct rte_pci_device *dev = NULL, *other = NULL;

	if (access(VFIO_CONTAINER_PATH, F_OK) != 0) {
		snprintf(why, n, "no %s: VFIO is not available here (the demo's VM has it: devtools/demo.sh)",
			VFIO_CONTAINER_PATH);
		return NULL;
	}
	if (rte_vfio_get_container_fd() < 0) {
		snprintf(why, n, "the EAL has no VFIO container (%s)",
			rte_strerror(rte_errno));
		return NULL;
	}
	while ((dev = rte_pci_find_by_id(RTE_EDU_VENDOR_ID, RTE_EDU_DEVICE_ID,
			dev)) != NULL) {
		if (strcmp(dev->kdrv, "vfio-pci") == 0 && dev->iommu_group >= 0)
			return dev;
		if (other == NULL)
			other = dev;
	}
	if (other != NULL)
		snprintf(why, n, "edu %s is bound to '%s' (IOMMU group %d), not vfio-pci with a group: echo 1234 11e8 > /sys/bus/pci/drivers/vfio-pci/new_id",
			other->name, other->kdrv[0] ? other->kdrv : "no driver",
			other->iommu_group);
	else
		snprintf(why, n, "no QEMU edu device (1234:11e8) on the PCI bus");
	return NULL;
}

static int
heap_units(void)
{
	struct rte_vfio_container_stats s;

	stats(&s);
	return (int)s.records;
}

static void *early;             /* heap memory that exists before the device */

static int
demo_device(void)
{
	struct rte_vfio_container_stats a, b;
	char why[512];

	step_begin(STEP_DEVICE, "open the first edu device bound to vfio-pci");
	demo.dev = find_edu(why, sizeof(why));
	if (demo.dev == NULL) {
		note("no device: %s", why);
		if (getenv("DPDK_TEST_IN_VM") != NULL)
			return step_abort("inside the test VM an edu device must be there");
		note("so no DMA proofs: running the memory-only part (heap, external heap, layout)");
		demo.vfio = false;
		/* held to the end, so that the layout shows a page in use */
		early = rte_malloc("demo-early", 64 << 10, 0);
		step_end();
		steps[STEP_DEVICE].ran = false;
		return 0;
	}
	act("rte_malloc 64 KiB before any device is open: expect its heap page(s) recorded, not yet in the kernel");
	early = rte_malloc("demo-early", 64 << 10, 0);
	if (early == NULL)
		return step_abort("rte_malloc: %s", rte_strerror(rte_errno));
	stats(&a);
	outcome(a.dma_entries == 0, "units: %d recorded, %" PRIu64 " in the kernel (no IOMMU group yet)",
		heap_units(), a.dma_entries);

	act("open %s (IOMMU group %d) through the PCI bus: expect its group to join the default container and every recorded unit to be replayed",
		demo.dev->name, demo.dev->iommu_group);
	if (rte_pci_open(demo.dev) < 0)
		return step_abort("rte_pci_open(%s): %s", demo.dev->name,
			rte_strerror(rte_errno));
	stats(&b);
	if (outcome(b.dma_entries == b.records && b.records == a.records,
			"open; units replayed: %" PRIu64 ", with %" PRIu64
			" MAP_DMA calls; kernel DMA_AVAIL %" PRIu64, b.dma_entries,
			b.map_calls - a.map_calls, b.dma_entries_avail) < 0)
		return step_end();

	act("probe the edu driver: expect id 0x010000ed, liveness, bus mastering, and its scratch page mapped (one unit)");
	demo.edu = rte_edu_probe(demo.dev);
	if (demo.edu == NULL)
		return step_abort("rte_edu_probe: %s", rte_strerror(rte_errno));
	demo.dma = true;
	outcome(delta_is(&b, 1), "edu id 0x%08x; %s", rte_edu_id(demo.edu), DELTA(&b));
	step_peak();
	return step_end();
}

/* --- (a) heap --------------------------------------------------------------------- */

struct seg_count {
	unsigned int n;
};

static int
count_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms __rte_unused,
		void *arg)
{
	if (!msl->external)
		((struct seg_count *)arg)->n++;
	return 0;
}

static unsigned int
heap_pages(void)
{
	struct seg_count c = { 0 };

	rte_memseg_walk(count_seg, &c);
	return c.n;
}

/* Is the page at @p va in use (a memseg)? */
static bool
page_in_use(const void *va)
{
	return rte_mem_virt2memseg(va, NULL) != NULL;
}

static bool
dynamic_pages(const void *va)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(va, NULL);

	return ms != NULL && !(ms->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE);
}

#define MAX_MARKS 8

struct mark {
	uint8_t pat[SPOT];
	rte_iova_t iova;
	uint8_t *va;
	bool whole;             /* the page lies wholly inside the buffer */
	bool released;
};

static int
demo_heap_buffer(size_t pgsz, bool dyn)
{
	struct rte_vfio_container_stats a, b;
	struct mark marks[MAX_MARKS];
	size_t len = 2 * pgsz + pgsz / 2;
	unsigned int p0, p1, p2, n_marks = 0, n_whole = 0, released = 0;
	unsigned int whole_released = 0, i;
	uint8_t *buf, *pg;

	step_begin(STEP_HEAP, "heap memory is mapped while it is allocated, unmapped when freed");
	act("rte_malloc %s (heap pages of %s, %s memory): expect %s", SZ(len),
		SZ(pgsz), dyn ? "dynamic" : "static",
		!dyn ? "no new page: static memory is all there from init" :
		demo.vfio ? "new pages, each page one unit = one DMA entry" :
		"the heap to grow by whole pages");
	stats(&a);
	p0 = heap_pages();
	buf = rte_malloc("demo-a", len, 0);
	if (buf == NULL)
		return step_abort("rte_malloc: %s", rte_strerror(rte_errno));
	p1 = heap_pages();
	step_peak();
	if (dyn)
		outcome(delta_is(&a, (int64_t)(p1 - p0)) && p1 > p0,
			"at %p, IOVA 0x%" PRIx64 ": the heap grew by %u pages; %s",
			(void *)buf, rte_malloc_virt2iova(buf), p1 - p0, DELTA(&a));
	else
		outcome(delta_is(&a, 0) && p1 == p0, "at %p, IOVA 0x%" PRIx64 ": no new page%s; %s",
			(void *)buf, rte_malloc_virt2iova(buf),
			demo.vfio ? " (static memory is mapped at init, one unit per IOVA-contiguous run)" : "",
			DELTA(&a));
	if (demo.cur->failed)
		goto free;

	if (dma_reachable("first page to last page", buf, rte_malloc_virt2iova(buf),
			buf + len - SPOT, rte_malloc_virt2iova(buf + len - SPOT)) < 0)
		goto free;

	/* a pattern in each page of the buffer, to recognize the page later */
	for (pg = RTE_PTR_ALIGN_FLOOR(buf, pgsz); pg < buf + len && n_marks < MAX_MARKS;
			pg += pgsz) {
		uint8_t *lo = RTE_MAX(buf, pg), *hi = RTE_MIN(buf + len, pg + pgsz);
		struct mark *m;

		if ((size_t)(hi - lo) < SPOT)
			continue;
		m = &marks[n_marks++];
		m->va = lo + (hi - lo) / 2 - SPOT / 2;
		m->iova = rte_malloc_virt2iova(m->va);
		m->whole = lo == pg && hi == pg + pgsz;
		fill_pattern(m->pat, SPOT);
		memcpy(m->va, m->pat, SPOT);
		n_whole += m->whole;
	}
free:
	act("rte_free it, then rte_malloc_heap_trim (the heap keeps up to 16 MiB of free pages, still mapped, until trimmed or under pressure): expect %s",
		!dyn ? "no page released: static memory stays" :
		demo.vfio ? "its free pages unmapped (adjacent units in one UNMAP_DMA), then returned to the system" :
		"its free pages returned to the system");
	stats(&b);
	p1 = heap_pages();
	rte_free(buf);
	rte_malloc_heap_trim(NULL);
	p2 = heap_pages();
	for (i = 0; i < n_marks; i++) {
		marks[i].released = !page_in_use(marks[i].va);
		released += marks[i].released;
		whole_released += marks[i].whole && marks[i].released;
	}
	if (dyn)
		outcome(whole_released == n_whole && n_whole > 0 && delta_is(&b, -(int64_t)(p1 - p2)),
			"%u pages released, among them the %u wholly inside it; %s",
			p1 - p2, n_whole, DELTA(&b));
	else
		outcome(released == 0 && p1 == p2 && delta_is(&b, 0), "no page released; %s", DELTA(&b));
	if (demo.cur->failed)
		return step_end();

	for (i = 0; i < n_marks && dyn; i++) {
		if (!marks[i].released) {
			if (demo.dma)
				note("the page at IOVA 0x%" PRIx64 " stays mapped: it holds other allocations",
					RTE_ALIGN_FLOOR(marks[i].iova, (rte_iova_t)pgsz));
			continue;
		}
		if (dma_released("freed page", marks[i].pat, marks[i].iova) < 0)
			break;
	}
	return step_end();
}

static bool
chunk_overlaps(const uint8_t *c, size_t csz, const uint8_t *pg, size_t pgsz)
{
	return c != NULL && c < pg + pgsz && c + csz > pg;
}

/*
 * A spot of SPOT bytes inside one of our chunks and inside the page at
 * @p pg, in a chunk that does not touch the page at @p avoid (when not
 * NULL: the chunks touching it are the ones to be freed).
 */
static uint8_t *
chunk_spot(uint8_t *const *chunks, size_t csz, const uint8_t *pg, size_t pgsz,
		const uint8_t *avoid)
{
	unsigned int i;

	for (i = 0; i < CHUNKS; i++) {
		const uint8_t *lo, *hi;

		if (!chunk_overlaps(chunks[i], csz, pg, pgsz) ||
				(avoid != NULL && chunk_overlaps(chunks[i], csz, avoid, pgsz)))
			continue;
		lo = RTE_MAX((const uint8_t *)chunks[i], pg);
		hi = RTE_MIN((const uint8_t *)chunks[i] + csz, pg + pgsz);
		if ((size_t)(hi - lo) >= SPOT)
			return chunks[i] + (lo - chunks[i]);
	}
	return NULL;
}

static int
demo_heap_neighbours(size_t pgsz)
{
	struct rte_vfio_container_stats b;
	uint8_t *chunks[CHUNKS] = { NULL };
	size_t csz = pgsz / 4;
	uint8_t *lo = NULL, *hi = NULL, *mid = NULL, *s_prev = NULL, *s_next = NULL, *s_mid;
	const struct rte_memseg *m0, *m1, *m2;
	struct mark mk;
	unsigned int i, freed = 0;
	bool iova_contig;

	step_begin(STEP_NEIGHBOURS, "freeing one page of three contiguous ones leaves its neighbours reachable");
	act("rte_malloc %u chunks of %s: expect them to fill several adjacent %s pages",
		CHUNKS, SZ(csz), SZ(pgsz));
	for (i = 0; i < CHUNKS; i++) {
		chunks[i] = rte_malloc("demo-a2", csz, 0);
		if (chunks[i] == NULL) {
			outcome(false, "rte_malloc: %s", rte_strerror(rte_errno));
			goto out;
		}
		if (lo == NULL || chunks[i] < lo)
			lo = chunks[i];
		if (hi == NULL || chunks[i] + csz > hi)
			hi = chunks[i] + csz;
	}
	step_peak();
	/* a middle page whose neighbours keep chunks that do not touch it */
	for (mid = RTE_PTR_ALIGN_FLOOR(lo, pgsz) + pgsz; mid + pgsz < hi; mid += pgsz) {
		s_prev = chunk_spot(chunks, csz, mid - pgsz, pgsz, mid);
		s_next = chunk_spot(chunks, csz, mid + pgsz, pgsz, mid);
		if (s_prev != NULL && s_next != NULL &&
				chunk_spot(chunks, csz, mid, pgsz, NULL) != NULL &&
				page_in_use(mid - pgsz) && page_in_use(mid) &&
				page_in_use(mid + pgsz))
			break;
	}
	if (mid + pgsz >= hi) {
		outcome(false, "the chunks do not span three adjacent pages with chunks of their own (from %p to %p)",
			(void *)lo, (void *)hi);
		goto out;
	}
	m0 = rte_mem_virt2memseg(mid - pgsz, NULL);
	m1 = rte_mem_virt2memseg(mid, NULL);
	m2 = rte_mem_virt2memseg(mid + pgsz, NULL);
	iova_contig = m0->iova + pgsz == m1->iova && m1->iova + pgsz == m2->iova;
	outcome(true, "%s spans pages at %p, %p, %p (IOVA 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ": %s)",
		"the heap", mid - pgsz, (void *)mid, mid + pgsz, m0->iova, m1->iova,
		m2->iova, iova_contig ? "contiguous in VA and IOVA" : "contiguous in VA");

	s_mid = chunk_spot(chunks, csz, mid, pgsz, NULL);
	mk.va = s_mid;
	mk.iova = rte_malloc_virt2iova(s_mid);
	fill_pattern(mk.pat, SPOT);
	memcpy(s_mid, mk.pat, SPOT);

	act("rte_free every chunk that touches the middle page, then rte_malloc_heap_trim: expect that page alone unmapped and released");
	stats(&b);
	for (i = 0; i < CHUNKS; i++)
		if (chunk_overlaps(chunks[i], csz, mid, pgsz)) {
			rte_free(chunks[i]);
			chunks[i] = NULL;
			freed++;
		}
	rte_malloc_heap_trim(NULL);
	if (outcome(!page_in_use(mid) && page_in_use(mid - pgsz) && page_in_use(mid + pgsz) &&
			delta_is(&b, -1),
			"%u chunks freed; the middle page %s, the one before it %s, the one after it %s; %s",
			freed, page_in_use(mid) ? "still in use" : "released",
			page_in_use(mid - pgsz) ? "in use" : "released",
			page_in_use(mid + pgsz) ? "in use" : "released", DELTA(&b)) < 0)
		goto out;

	if (dma_released("the released middle page", mk.pat, mk.iova) < 0)
		goto out;
	dma_reachable("the neighbours, across the hole", s_prev,
		rte_malloc_virt2iova(s_prev), s_next, rte_malloc_virt2iova(s_next));
out:
	for (i = 0; i < CHUNKS; i++)
		rte_free(chunks[i]);
	return step_end();
}

/* --- (b) external memory ----------------------------------------------------------- */

static rte_iova_t user_iova(const void *va, size_t len);

static int
demo_external(void)
{
	struct rte_vfio_container_stats a, b;
	size_t len = EXT_HEAP_LEN, pg = demo.sys_pg;
	size_t olen = 1 << 20;
	bool has_iova, added = false, created = false;
	uint8_t *va, *obj = NULL;
	rte_iova_t oiova = RTE_BAD_IOVA, base = RTE_BAD_IOVA, *iovas = NULL;
	size_t i;
	int fd, socket;

	step_begin(STEP_EXTERNAL, "an external heap over memory the application mapped itself");
	act("memfd + mmap %s of system pages (%s each): %zu pages", SZ(len), SZ(pg), len / pg);
	fd = memfd_create("memvfio-demo", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) < 0) {
		outcome(false, "memfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return step_end();
	}
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (va == MAP_FAILED)
		return step_abort("mmap: %s", strerror(errno));
	outcome(true, "at %p", (void *)va);

	/*
	 * The application gives the IOVAs (as DPDK 22.11 requires: without a
	 * table the pages have none): the VA, or an allocated block; none in
	 * IOVA as PA, where this memory is not physically contiguous.
	 */
	has_iova = rte_eal_iova_mode() == RTE_IOVA_VA || rte_eal_iova_mode_is_allocated();
	if (has_iova) {
		base = user_iova(va, len);
		iovas = malloc(len / pg * sizeof(*iovas));
		if (base == RTE_BAD_IOVA || iovas == NULL) {
			outcome(false, "IOVA table: %s", rte_strerror(rte_errno));
			goto out;
		}
		for (i = 0; i < len / pg; i++)
			iovas[i] = base + i * pg;
	}
	act("rte_malloc_heap_create + rte_malloc_heap_memory_add: expect %s",
		!demo.vfio ? "the memory in the heap (no VFIO: nothing to map)" :
		has_iova ? "ONE unit = ONE DMA entry for all of it (DPDK: one per page)" :
		"no mapping: IOVA as PA and no IOVAs given");
	stats(&a);
	if (rte_malloc_heap_create(EXT_HEAP_NAME) < 0) {
		outcome(false, "rte_malloc_heap_create: %s", rte_strerror(rte_errno));
		goto out;
	}
	created = true;
	if (rte_malloc_heap_memory_add(EXT_HEAP_NAME, va, len, iovas,
			(unsigned int)(len / pg), pg) < 0) {
		outcome(false, "rte_malloc_heap_memory_add: %s", rte_strerror(rte_errno));
		goto out;
	}
	added = true;
	step_peak();
	if (outcome(delta_is(&a, has_iova ? 1 : 0), "%zu pages added; %s", len / pg,
			DELTA(&a)) < 0)
		goto out;

	socket = rte_malloc_heap_get_socket(EXT_HEAP_NAME);
	act("rte_malloc_socket %s from it (socket %d): expect memory inside the region, reachable by DMA",
		SZ(olen), socket);
	obj = rte_malloc_socket("demo-b", olen, 0, socket);
	if (obj == NULL || obj < va || obj + olen > va + len) {
		outcome(false, "rte_malloc_socket: %s", obj == NULL ?
			rte_strerror(rte_errno) : "outside the external memory");
		goto out;
	}
	oiova = rte_malloc_virt2iova(obj);
	if (outcome(true, "at %p, IOVA 0x%" PRIx64, (void *)obj, oiova) < 0)
		goto out;
	if (has_iova && dma_reachable("start and end of the allocation", obj, oiova,
			obj + olen - SPOT, oiova + olen - SPOT) < 0)
		goto out;

	act("rte_free it, rte_malloc_heap_memory_remove: expect the one unit unmapped in one kernel call");
	rte_free(obj);
	stats(&b);
	if (rte_malloc_heap_memory_remove(EXT_HEAP_NAME, va, len) < 0) {
		outcome(false, "rte_malloc_heap_memory_remove: %s", rte_strerror(rte_errno));
		goto out;
	}
	added = false;
	if (outcome(delta_is(&b, has_iova ? -1 : 0), "%s", DELTA(&b)) < 0)
		goto out;
	/* the memory is still the process's: the proof can look at it */
	if (has_iova)
		dma_blocked("the removed allocation", obj, oiova);
out:
	if (added && rte_malloc_heap_memory_remove(EXT_HEAP_NAME, va, len) < 0)
		outcome(false, "rte_malloc_heap_memory_remove: %s", rte_strerror(rte_errno));
	if (created && rte_malloc_heap_destroy(EXT_HEAP_NAME) < 0)
		outcome(false, "rte_malloc_heap_destroy: %s", rte_strerror(rte_errno));
	if (base != RTE_BAD_IOVA && rte_eal_iova_mode_is_allocated())
		rte_mem_iova_free(base, len);
	free(iovas);
	munmap(va, len);
	return step_end();
}

/* --- (c) user maps ------------------------------------------------------------------ */

/* An IOVA for memory the application maps itself, in the EAL's IOVA mode. */
static rte_iova_t
user_iova(const void *va, size_t len)
{
	if (rte_eal_iova_mode_is_allocated())
		return rte_mem_iova_alloc(len, demo.sys_pg);
	/* IOVA as VA; as PA, user VAs do not collide with physical addresses */
	return (rte_iova_t)(uintptr_t)va;
}

static void
user_iova_free(rte_iova_t iova, size_t len)
{
	if (rte_eal_iova_mode_is_allocated() && iova != RTE_BAD_IOVA)
		rte_mem_iova_free(iova, len);
}

static uint8_t *
map_pages(size_t len)
{
	void *va = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return va == MAP_FAILED ? NULL : va;
}

static int
demo_user_map(void)
{
	struct rte_vfio_container_stats a, b;
	size_t pg = demo.sys_pg, len = USER_PAGES * pg;
	struct logcap c;
	rte_iova_t iova;
	uint8_t *va;
	bool mapped = false;
	int ret, err;

	step_begin(STEP_USER, "rte_vfio_container_dma_map of the application's own buffer");
	va = map_pages(len);
	if (va == NULL)
		return step_abort("mmap: %s", strerror(errno));
	iova = user_iova(va, len);
	act("map %s at %p, IOVA 0x%" PRIx64 ": expect one unit, one DMA entry, one kernel call",
		SZ(len), (void *)va, iova);
	stats(&a);
	if (iova == RTE_BAD_IOVA ||
			rte_vfio_container_dma_map(CFD, (uintptr_t)va, iova, len) < 0) {
		outcome(false, "%s", rte_strerror(rte_errno));
		goto out;
	}
	mapped = true;
	step_peak();
	if (outcome(delta_is(&a, 1), "%s", DELTA(&a)) < 0)
		goto out;
	if (dma_reachable("first and last page", va, iova, va + len - SPOT,
			iova + len - SPOT) < 0)
		goto out;

	act("unmap one page in its middle: expect ENOTSUP (a one-shot map is one unit) and nothing unmapped");
	stats(&b);
	log_begin(&c);
	ret = rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + 4 * pg, iova + 4 * pg, pg);
	err = rte_errno;
	log_end(&c);
	if (outcome(ret < 0 && err == ENOTSUP && delta_is(&b, 0) &&
			strstr(c.first, "dma_map_paged") != NULL,
			"%s, the log line names the fix; %s",
			ret < 0 ? rte_strerror(err) : "it was unmapped",
			DELTA(&b)) < 0)
		goto out;

	act("unmap it whole: expect the unit gone, one kernel call");
	stats(&b);
	if (rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, iova, len) < 0) {
		outcome(false, "%s", rte_strerror(rte_errno));
		goto out;
	}
	mapped = false;
	if (outcome(delta_is(&b, -1), "%s", DELTA(&b)) < 0)
		goto out;
	dma_blocked("the unmapped buffer", va, iova);
out:
	if (mapped)
		rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, iova, len);
	user_iova_free(iova, len);
	munmap(va, len);
	return step_end();
}

static int
demo_paged_map(void)
{
	struct rte_vfio_container_stats a, b;
	size_t pg = demo.sys_pg, len = PAGED_PAGES * pg;
	rte_iova_t iova;
	uint8_t *va;
	bool mapped = false, hole = false;

	step_begin(STEP_PAGED, "rte_vfio_container_dma_map_paged: one unit per page, so any page can go");
	va = map_pages(len);
	if (va == NULL)
		return step_abort("mmap: %s", strerror(errno));
	iova = user_iova(va, len);
	act("map %s at %p, IOVA 0x%" PRIx64 " in pages of %s: expect %d units, %d DMA entries",
		SZ(len), (void *)va, iova, SZ(pg), PAGED_PAGES, PAGED_PAGES);
	stats(&a);
	if (iova == RTE_BAD_IOVA || rte_vfio_container_dma_map_paged(CFD, (uintptr_t)va,
			iova, len, pg) < 0) {
		outcome(false, "%s", rte_strerror(rte_errno));
		goto out;
	}
	mapped = true;
	step_peak();
	if (outcome(delta_is(&a, PAGED_PAGES), "%s", DELTA(&a)) < 0)
		goto out;

	act("unmap page %d of %d: expect that unit alone gone, one kernel call",
		PAGED_HOLE, PAGED_PAGES);
	stats(&b);
	if (rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + PAGED_HOLE * pg,
			iova + PAGED_HOLE * pg, pg) < 0) {
		outcome(false, "%s", rte_strerror(rte_errno));
		goto out;
	}
	hole = true;
	if (outcome(delta_is(&b, -1), "%s", DELTA(&b)) < 0)
		goto out;
	if (dma_blocked("the unmapped page", va + PAGED_HOLE * pg,
			iova + PAGED_HOLE * pg) < 0)
		goto out;
	if (dma_reachable("the pages on either side of the hole",
			va + PAGED_HOLE * pg - SPOT, iova + PAGED_HOLE * pg - SPOT,
			va + (PAGED_HOLE + 1) * pg, iova + (PAGED_HOLE + 1) * pg) < 0)
		goto out;

	act("unmap pages 0-%d and %d-%d: expect %d and %d units gone in one kernel call each",
		PAGED_HOLE - 1, PAGED_HOLE + 1, PAGED_PAGES - 1, PAGED_HOLE,
		PAGED_PAGES - PAGED_HOLE - 1);
	stats(&b);
	if (rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, iova, PAGED_HOLE * pg) < 0 ||
			rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + (PAGED_HOLE + 1) * pg,
				iova + (PAGED_HOLE + 1) * pg,
				(PAGED_PAGES - PAGED_HOLE - 1) * pg) < 0) {
		outcome(false, "%s", rte_strerror(rte_errno));
		goto out;
	}
	mapped = false;
	outcome(delta_is(&b, -(PAGED_PAGES - 1)), "%s", DELTA(&b));
out:
	if (mapped) {
		/* whatever is left, page by page */
		size_t i;

		for (i = 0; i < PAGED_PAGES; i++)
			if (!(hole && i == PAGED_HOLE))
				rte_vfio_container_dma_unmap(CFD, (uintptr_t)va + i * pg,
					iova + i * pg, pg);
	}
	user_iova_free(iova, len);
	munmap(va, len);
	return step_end();
}

/* --- (d) a check before the kernel ---------------------------------------------------- */

static int
demo_refused(void)
{
	struct rte_vfio_container_stats a, b;
	size_t pg = demo.sys_pg;
	struct logcap c;
	uint8_t *va;
	int ret, err;

	step_begin(STEP_REFUSED, "a request the EAL refuses before any kernel call");
	va = map_pages(pg);
	if (va == NULL)
		return step_abort("mmap: %s", strerror(errno));
	act("map %s at IOVA 0x%llx, the x86 MSI window: expect ERANGE with the window named, no kernel call",
		SZ(pg), MSI_WINDOW_IOVA);
	stats(&a);
	log_begin(&c);
	ret = rte_vfio_container_dma_map(CFD, (uintptr_t)va, MSI_WINDOW_IOVA, pg);
	err = rte_errno;
	log_end(&c);
	stats(&b);
	if (ret == 0)
		rte_vfio_container_dma_unmap(CFD, (uintptr_t)va, MSI_WINDOW_IOVA, pg);
	outcome(ret < 0 && err == ERANGE && strstr(c.first, "0xfee00000") != NULL &&
		kernel_calls(&a, &b) == 0 && b.map_calls == a.map_calls &&
		b.refused_checks == a.refused_checks + 1,
		"%s; kernel calls %" PRIu64 ", refused before the kernel %" PRIu64,
		ret < 0 ? rte_strerror(err) : "it was mapped",
		kernel_calls(&a, &b), b.refused_checks - a.refused_checks);
	munmap(va, pg);
	return step_end();
}

/* --- the kernel's own word ------------------------------------------------------------- */

/*
 * DMA entries left, asked of the kernel directly (VFIO_IOMMU_GET_INFO on
 * the container fd, outside the EAL): the EAL's counters keep a running
 * count, and this checks that the kernel agrees with it.
 */
static int64_t
kernel_dma_avail(void)
{
	union {
		struct vfio_iommu_type1_info info;
		uint8_t raw[1024];
	} u;
	const struct vfio_info_cap_header *cap;
	uint32_t off;
	int fd = rte_vfio_get_container_fd();

	memset(&u, 0, sizeof(u));
	u.info.argsz = sizeof(u);
	if (fd < 0 || ioctl(fd, VFIO_IOMMU_GET_INFO, &u.info) < 0 ||
			!(u.info.flags & VFIO_IOMMU_INFO_CAPS) || u.info.argsz > sizeof(u))
		return -1;
	for (off = u.info.cap_offset; off != 0 &&
			off + sizeof(struct vfio_iommu_type1_info_dma_avail) <= sizeof(u);
			off = cap->next) {
		cap = (const struct vfio_info_cap_header *)(u.raw + off);
		if (cap->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL)
			return ((const struct vfio_iommu_type1_info_dma_avail *)cap)->avail;
	}
	return -1;
}

static int
demo_kernel_check(void)
{
	struct rte_vfio_container_stats st;
	int64_t k = kernel_dma_avail();

	stats(&st);
	printf("\nthe kernel's own count (GET_INFO on the container fd, outside the EAL):\n");
	if (k < 0) {
		printf("  * DMA_AVAIL not reported by this kernel: nothing to compare\n");
		return 0;
	}
	act("expect the kernel's DMA_AVAIL to equal the EAL's count");
	if (outcome(st.dma_entries_avail == (uint64_t)k,
			"kernel DMA_AVAIL %" PRId64 ", the EAL's count %" PRIu64 " (%" PRIu64
			" units still mapped, %" PRIu64 " recorded)", k,
			st.dma_entries_avail, st.dma_entries, st.records) == 0)
		return 0;
	demo.failed_at = "kernel check";
	return -1;
}

/* --- the table ------------------------------------------------------------------------ */

static void
print_table(void)
{
	unsigned int i;

	printf("\nwhat was mapped, step by step:\n"
		"  units: mappings the EAL recorded, at the step's peak\n"
		"  DMA entries used: at the peak, from the kernel (GET_INFO DMA_AVAIL); held: still used at the end\n"
		"  kernel calls: VFIO_IOMMU_MAP_DMA / UNMAP_DMA issued; kernel ms: time inside them\n\n");
	printf("%-20s %5s %13s %13s %9s %9s\n", "", "", "DMA entries",
		"kernel calls", "kernel", "wall");
	printf("%-20s %5s %6s %6s %6s %6s %9s %9s\n", "step", "units", "used",
		"held", "MAP", "UNMAP", "ms", "ms");
	for (i = 0; i < STEP_COUNT; i++) {
		const struct step *s = &steps[i];

		if (!s->ran)
			continue;
		if (!demo.vfio) {
			printf("%-20s %5s %6s %6s %6s %6s %9s %9.1f\n", s->name,
				"-", "-", "-", "-", "-", "-", (double)(s->t1 - s->t0) / 1e6);
			continue;
		}
		printf("%-20s %5" PRId64 " %5" PRId64 "%s %6" PRId64 " %6" PRIu64 " %6" PRIu64
			" %9.3f %9.1f%s\n", s->name,
			records_delta(&s->s0, &s->peak), entries_used(&s->s0, &s->peak),
			avail_known(&s->s0, &s->peak) ? " " : "*",
			entries_used(&s->s0, &s->s1),
			s->s1.map_calls - s->s0.map_calls,
			s->s1.unmap_calls - s->s0.unmap_calls,
			(double)(s->s1.map_ns + s->s1.unmap_ns - s->s0.map_ns - s->s0.unmap_ns) / 1e6,
			(double)(s->t1 - s->t0) / 1e6, s->failed ? "  FAILED" : "");
	}
	if (!demo.vfio)
		printf("  (no VFIO here: nothing was mapped, only the wall time is shown)\n");
	if (demo.vfio && !avail_known(&steps[STEP_DEVICE].s0, &steps[STEP_DEVICE].peak))
		printf("  * counted by the EAL: the kernel reports DMA_AVAIL once a group is bound\n");
	if (demo.dma)
		printf("  wall time is mostly the edu's DMA engine: about 100 ms per transfer\n");
}

/* --- main ------------------------------------------------------------------------------ */

struct layout {
	unsigned int lists, empty;
};

static int
print_list(const struct rte_memseg_list *msl, void *arg)
{
	struct layout *l = arg;

	l->lists++;
	if (msl->n_used == 0) {
		l->empty++;
		return 0;
	}
	printf("  %s list %p-%p: pages of %s, %u of %u in use (%s)\n",
		msl->external ? "external" : "heap", msl->base_va,
		(void *)((uint8_t *)msl->base_va + msl->len), SZ(msl->page_sz),
		msl->n_used, msl->n_segs, SZ((uint64_t)msl->n_used * msl->page_sz));
	return 0;
}

/* The layout, compactly: rte_dump_physmem_layout() lists every empty list. */
static int
demo_layout(void)
{
	struct layout l = { 0, 0 };

	printf("\nmemory layout at the end:\n");
	rte_memseg_list_walk(print_list, &l);
	printf("  %u memseg lists, %u of them empty (VA reserved for growth); %s of pages in use\n",
		l.lists, l.empty, SZ(rte_eal_get_physmem_size()));
	rte_malloc_dump_stats(stdout, NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_vfio_container_stats s;
	void *probe;
	size_t pgsz;
	bool dyn;
	int ret;

	/* the narration and the EAL's log (stderr) stay in order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	demo.rnd = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
	demo.sys_pg = (size_t)sysconf(_SC_PAGESIZE);

	printf("memvfio-demo: EAL init\n");
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		if (rte_errno == ECANCELED)     /* --help */
			return 0;
		printf("memvfio-demo: EAL init failed: %s\n", rte_strerror(rte_errno));
		printf("demo: FAILED at EAL init\n");
		return 1;
	}
	demo.vfio = rte_vfio_container_stats_get(CFD, &s) == 0;
	printf("  EAL up: %s, IOVA as %s%s, VFIO %s\n",
		rte_eal_has_hugepages() ? "hugepages" : "system pages",
		rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA",
		rte_eal_iova_mode_is_allocated() ? " (allocated by the EAL)" : "",
		demo.vfio ? "available (default container open, no group yet)" :
		"not available");

	ret = demo_device();
	if (ret == 0) {
		/* the heap's page size and mode, from a first small allocation */
		probe = rte_malloc("demo-probe", 64, 0);
		if (probe == NULL) {
			printf("memvfio-demo: rte_malloc: %s\n", rte_strerror(rte_errno));
			demo.failed_at = "heap";
			ret = -1;
		} else {
			pgsz = rte_mem_virt2memseg_list(probe)->page_sz;
			dyn = dynamic_pages(probe);
			rte_free(probe);
			ret = demo_heap_buffer(pgsz, dyn);
			if (ret == 0 && dyn)
				ret = demo_heap_neighbours(pgsz);
		}
	}
	if (ret == 0)
		ret = demo_external();
	if (ret == 0 && demo.dma)
		ret = demo_user_map();
	if (ret == 0 && demo.dma)
		ret = demo_paged_map();
	if (ret == 0 && demo.dma)
		ret = demo_refused();
	if (ret == 0 && demo.dma)
		ret = demo_kernel_check();
	if (ret == 0)
		demo_layout();

	print_table();

	if (demo.edu != NULL && rte_edu_remove(demo.edu) < 0)
		printf("memvfio-demo: rte_edu_remove: %s\n", rte_strerror(rte_errno));
	if (demo.dev != NULL && rte_pci_is_open(demo.dev) && rte_pci_close(demo.dev) < 0)
		printf("memvfio-demo: rte_pci_close: %s\n", rte_strerror(rte_errno));
	rte_free(early);
	if (rte_eal_cleanup() < 0) {
		printf("memvfio-demo: rte_eal_cleanup: %s\n", rte_strerror(rte_errno));
		if (demo.failed_at == NULL)
			demo.failed_at = "cleanup";
	}
	if (demo.failed_at != NULL) {
		printf("demo: FAILED at %s\n", demo.failed_at);
		return 1;
	}
	printf("demo: OK%s\n", demo.dma ? "" : " (memory only: no VFIO edu device here)");
	return 0;
}
