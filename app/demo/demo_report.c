/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memvfio-demo: the narration (what it does, what it expects, what
 * happened), the EAL's log captured into it, the counters of each step and
 * the final table of what each step cost.
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

#include "demo.h"

/* --- narration ------------------------------------------------------------ */

void __rte_format_printf(1, 2)
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

int __rte_format_printf(2, 3)
outcome(bool ok, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = voutcome(ok, fmt, ap);
	va_end(ap);
	return ret;
}

/* A failure that ends the current step at once. */
int __rte_format_printf(1, 2)
step_abort(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	voutcome(false, fmt, ap);
	va_end(ap);
	return step_end();
}

void __rte_format_printf(1, 2)
note(const char *fmt, ...)
{
	va_list ap;

	printf("    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

const char *
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

void
log_begin(struct logcap *c)
{
	c->buf = NULL;
	c->first[0] = '\0';
	c->ms = open_memstream(&c->buf, &c->len);
	if (c->ms != NULL)
		rte_openlog_stream(c->ms);
}

/* Back to stderr; each captured line is shown as "log: ...". */
void
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

void
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

uint64_t
kernel_calls(const struct rte_vfio_container_stats *a,
		const struct rte_vfio_container_stats *b)
{
	return b->map_calls + b->unmap_calls - a->map_calls - a->unmap_calls;
}

void
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
void
step_peak(void)
{
	stats(&demo.cur->peak);
	demo.cur->have_peak = true;
}

int
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
const char *
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

/* Did exactly @p units units (and as many DMA entries) appear since @p a? */
bool
delta_is(const struct rte_vfio_container_stats *a, int64_t units)
{
	struct rte_vfio_container_stats b;

	if (!demo.vfio)
		return true;
	stats(&b);
	return records_delta(a, &b) == units && entries_used(a, &b) == units;
}

/* --- the table ------------------------------------------------------------------------ */

void
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
