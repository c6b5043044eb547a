/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-map-bench's report (see mb_report.h): the tables, the split of
 * each row into the time inside the kernel calls and the time outside
 * them, the targets of issue 15 and the CSV that devtools/bench-vm.sh
 * plots. Rows are matched by source and name; a missing one prints "-".
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "mb_report.h"

static const char *const row_order[] = {
	"heap_grow", "heap_shrink", "static_setup", "static_rebind", "ext_add",
	"ext_remove",
	"user_map", "user_unmap", "paged_map", "paged_unmap",
	"teardown_all", "teardown_rec",
};

static const struct mb_row *
find(const struct mb_rows *rows, const char *src, const char *row)
{
	unsigned int i;

	for (i = 0; i < rows->n; i++)
		if (strcmp(rows->r[i].src, src) == 0 && strcmp(rows->r[i].row, row) == 0)
			return &rows->r[i];
	return NULL;
}

static bool
ok(const struct mb_row *r)
{
	return r != NULL && r->err == 0;
}

/* The results of one row: ours (src), the bare loop, its floor, the page loop, DPDK 22.11. */
struct row_set {
	const struct mb_row *o, *b, *f, *p, *d;
	const struct mb_row *any;   /* the first of ours, bare, DPDK found */
};

static const struct mb_row *
row_set_of(const struct mb_rows *rows, const char *src, const char *row, struct row_set *s)
{
	s->o = find(rows, src, row);
	s->b = find(rows, "bare", row);
	s->f = find(rows, "floor", row);
	s->p = find(rows, "pages", row);
	s->d = find(rows, "dpdk22", row);
	s->any = s->o != NULL ? s->o : (s->b != NULL ? s->b : s->d);
	return s->any;
}

/* DPDK 22.11 did no mapping work in this row (its group bind maps nothing): no ratio */
static bool
dpdk_idle(const struct mb_row *o, const struct mb_row *d)
{
	return ok(o) && ok(d) && d->calls == 0 && o->calls > 0 &&
		(d->entries == 0 || d->entries == MB_UNKNOWN);
}

static void
fmt_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= MB_MIB && bytes % MB_MIB == 0)
		snprintf(buf, len, "%" PRIu64 "M", (uint64_t)(bytes / MB_MIB));
	else
		snprintf(buf, len, "%" PRIu64 "K", bytes / 1024);
}

static void
fmt_int(char *buf, size_t len, const struct mb_row *r, int64_t v)
{
	if (r == NULL)
		snprintf(buf, len, "-");
	else if (r->err != 0)
		snprintf(buf, len, "err");
	else if (v == MB_UNKNOWN)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%" PRId64, v);
}

static void
fmt_ms(char *buf, size_t len, const struct mb_row *r)
{
	if (r == NULL)
		snprintf(buf, len, "-");
	else if (r->err != 0)
		snprintf(buf, len, "%s", strerror(r->err));
	else
		snprintf(buf, len, "%.3f", r->secs * 1e3);
}

static void
fmt_kms(char *buf, size_t len, const struct mb_row *r)
{
	if (!ok(r) || r->ksecs < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f", r->ksecs * 1e3);
}

static void
fmt_ratio(char *buf, size_t len, const struct mb_row *a, const struct mb_row *b)
{
	if (ok(a) && ok(b) && b->secs > 0)
		snprintf(buf, len, "%.2fx", a->secs / b->secs);
	else
		snprintf(buf, len, "-");
}

void
mb_report_table(const struct mb_rows *rows, const char *src, bool peer)
{
	unsigned int i;

	printf("\nmapping benchmark (%s%s): times in ms; calls = MAP_DMA+UNMAP_DMA; entries = DMA entries taken (-: given back)\n",
		src, strcmp(src, "model") == 0 ?
		": the type1 model, times say nothing about the kernel" : ": the kernel");
	printf("%-13s %5s %4s %5s | %5s %6s %9s %8s | %8s %8s %8s | %5s %6s %9s %8s | %9s %9s %9s\n",
		"row", "bytes", "page", "units", "calls", "entries", "ours",
		"in kernel", "bare", "floor", "pages", "calls", "entries", "dpdk22",
		"in kernel", "ours/bare", "ours/floor", "ours/dpdk");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		struct row_set s;
		char sz[24], pg[24], c[24], e[24], t[48], tb[48], tf[48], tp[48];
		char dc[24], de[24], td[48], r1[16], r2[16], r3[16], ko[24], kd[24];

		if (row_set_of(rows, src, row_order[i], &s) == NULL)
			continue;
		fmt_size(sz, sizeof(sz), s.any->bytes);
		fmt_size(pg, sizeof(pg), s.any->pgsz);
		fmt_int(c, sizeof(c), s.o, s.o != NULL ? s.o->calls : 0);
		fmt_int(e, sizeof(e), s.o, s.o != NULL ? s.o->entries : 0);
		fmt_ms(t, sizeof(t), s.o);
		fmt_ms(tb, sizeof(tb), s.b);
		fmt_ms(tf, sizeof(tf), s.f);
		fmt_ms(tp, sizeof(tp), s.p);
		fmt_int(dc, sizeof(dc), s.d, s.d != NULL ? s.d->calls : 0);
		fmt_int(de, sizeof(de), s.d, s.d != NULL ? s.d->entries : 0);
		fmt_ms(td, sizeof(td), s.d);
		fmt_kms(ko, sizeof(ko), s.o);
		fmt_kms(kd, sizeof(kd), s.d);
		fmt_ratio(r1, sizeof(r1), s.o, s.b);
		fmt_ratio(r2, sizeof(r2), s.o, s.f);
		fmt_ratio(r3, sizeof(r3), s.o, s.d);
		if (dpdk_idle(s.o, s.d))
			snprintf(r3, sizeof(r3), "n/a");
		printf("%-13s %5s %4s %5" PRIu64 " | %5s %6s %9s %8s | %8s %8s %8s | %5s %6s %9s %8s | %9s %9s %9s\n",
			row_order[i], sz, pg, s.any->units, c, e, t, ko, tb, tf, tp,
			peer ? dc : "-", peer ? de : "-", peer ? td : "-",
			peer ? kd : "-", r1, r2, peer ? r3 : "-");
	}
}

/* "-": iommufd has no DMA entry limit, so no entry count to show */
static void
fmt_calls(char *buf, size_t len, const struct mb_row *r)
{
	fmt_int(buf, len, r, r != NULL ? r->calls : 0);
}

void
mb_report_iommufd(const struct mb_rows *rows)
{
	unsigned int i;

	printf("\niommufd beside type1 (the kernel): times in ms; calls = MAP_DMA+UNMAP_DMA (type1), IOAS_MAP+IOAS_UNMAP (iommufd); entries: type1's DMA entries, '-' on iommufd (it has no entry limit)\n");
	printf("%-13s %5s %4s %5s | %5s %6s %9s %9s %9s | %5s %6s %9s %8s %9s %9s %9s %9s %9s\n",
		"row", "bytes", "page", "units", "calls", "entries", "type1",
		"bare", "ours/bare", "calls", "entries", "iommufd", "in kernel",
		"bare", "floor", "pages", "ours/bare", "ours/floor");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		const struct mb_row *t = find(rows, "ours", row_order[i]);
		const struct mb_row *tb = find(rows, "bare", row_order[i]);
		const struct mb_row *f = find(rows, "fd_ours", row_order[i]);
		const struct mb_row *fb = find(rows, "fd_bare", row_order[i]);
		const struct mb_row *ff = find(rows, "fd_floor", row_order[i]);
		const struct mb_row *fp = find(rows, "fd_pages", row_order[i]);
		const struct mb_row *any = f != NULL ? f : fb;
		char sz[24], pg[24], tc[24], te[24], tt[48], ttb[48], r1[16];
		char fc[24], ft[48], fk[24], ftb[48], ftf[48], ftp[48], r2[16], r3[16];

		if (any == NULL)
			continue;
		fmt_size(sz, sizeof(sz), any->bytes);
		fmt_size(pg, sizeof(pg), any->pgsz);
		fmt_calls(tc, sizeof(tc), t);
		fmt_int(te, sizeof(te), t, t != NULL ? t->entries : 0);
		fmt_ms(tt, sizeof(tt), t);
		fmt_ms(ttb, sizeof(ttb), tb);
		fmt_ratio(r1, sizeof(r1), t, tb);
		fmt_calls(fc, sizeof(fc), f);
		fmt_ms(ft, sizeof(ft), f);
		fmt_kms(fk, sizeof(fk), f);
		fmt_ms(ftb, sizeof(ftb), fb);
		fmt_ms(ftf, sizeof(ftf), ff);
		fmt_ms(ftp, sizeof(ftp), fp);
		fmt_ratio(r2, sizeof(r2), f, fb);
		fmt_ratio(r3, sizeof(r3), f, ff);
		printf("%-13s %5s %4s %5" PRIu64 " | %5s %6s %9s %9s %9s | %5s %6s %9s %8s %9s %9s %9s %9s %9s\n",
			row_order[i], sz, pg, any->units, tc, te, tt, ttb, r1,
			fc, "-", ft, fk, ftb, ftf, ftp, r2, r3);
	}
}

/* user-side microseconds per kernel mapping call of a row (r->calls) */
static void
fmt_user(char *buf, size_t len, const struct mb_row *r)
{
	if (!ok(r) || r->ksecs < 0)
		snprintf(buf, len, "-");
	else if (r->calls > 0 && r->calls != MB_UNKNOWN)
		snprintf(buf, len, "%.2f", (r->secs - r->ksecs) * 1e6 / (double)r->calls);
	else
		snprintf(buf, len, "%.2f", (r->secs - r->ksecs) * 1e6);
}

static void
fmt_kcalls(char *buf, size_t len, const struct mb_row *r)
{
	if (!ok(r) || r->ksecs < 0 || r->kcalls == MB_UNKNOWN)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRId64, r->kcalls);
}

static void
fmt_user_ms(char *buf, size_t len, const struct mb_row *r)
{
	if (!ok(r) || r->ksecs < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.3f", (r->secs - r->ksecs) * 1e3);
}

/* a row's time, its time in the kernel and outside, its kernel calls, user time per call */
struct split_cells {
	char t[48], k[24], u[24], c[24], pc[24];
};

static void
split_cells_of(struct split_cells *c, const struct mb_row *r)
{
	fmt_ms(c->t, sizeof(c->t), r);
	fmt_kms(c->k, sizeof(c->k), r);
	fmt_user_ms(c->u, sizeof(c->u), r);
	fmt_kcalls(c->c, sizeof(c->c), r);
	fmt_user(c->pc, sizeof(c->pc), r);
}

/*
 * The EAL's own share of a row: ours' time outside the kernel calls less
 * the bare loop's, as a fraction of the bare loop's whole time. The kernel
 * spends different times on the same calls from one boot (and process) to
 * the next under emulation, so the ratio of totals moves with it; this
 * share is what the EAL adds on top of the calls it makes.
 */
static bool
own_share(const struct mb_row *o, const struct mb_row *b, double *share)
{
	if (!ok(o) || !ok(b) || o->ksecs < 0 || b->ksecs < 0 || b->secs <= 0)
		return false;
	*share = ((o->secs - o->ksecs) - (b->secs - b->ksecs)) / b->secs;
	return true;
}

static void
split_line(const struct mb_rows *rows, const char *name, const char *ours,
		const char *bare)
{
	const struct mb_row *o = find(rows, ours, name);
	const struct mb_row *b = find(rows, bare, name);
	double share;
	struct split_cells oc, bc;
	char kr[16], tr[16], own[16];

	if (o == NULL && b == NULL)
		return;
	if (own_share(o, b, &share))
		snprintf(own, sizeof(own), "%.1f%%", share * 100);
	else
		snprintf(own, sizeof(own), "-");
	split_cells_of(&oc, o);
	split_cells_of(&bc, b);
	if (ok(o) && ok(b) && o->ksecs >= 0 && b->ksecs > 0)
		snprintf(kr, sizeof(kr), "%.2fx", o->ksecs / b->ksecs);
	else
		snprintf(kr, sizeof(kr), "-");
	fmt_ratio(tr, sizeof(tr), o, b);
	printf("%-13s %-3s | %9s %9s %9s %6s %8s | %9s %9s %9s %6s %8s | %8s %9s %7s\n",
		name, ours[0] == 'f' ? "fd" : "", oc.t, oc.k, oc.u, oc.c, oc.pc,
		bc.t, bc.k, bc.u, bc.c, bc.pc, kr, tr, own);
}

void
mb_report_split(const struct mb_rows *rows, const char *src, bool fd)
{
	unsigned int i;

	if (strcmp(src, "model") == 0)
		return;
	printf("\nkernel/user split (ms; kernel = inside every ioctl(), close(), mmap(), munmap(), fallocate() and madvise() of the row, user = the rest; kcalls = those calls; user/call = user-side us per MAP/UNMAP call, or per row when it has none; own = ours' user time less bare's, as a share of bare's whole time)\n");
	printf("%-13s %-3s | %9s %9s %9s %6s %8s | %9s %9s %9s %6s %8s | %8s %9s %7s\n",
		"row", "", "ours", "kernel", "user", "kcalls", "user/call", "bare",
		"kernel", "user", "kcalls", "user/call", "kern o/b", "ours/bare", "own");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		split_line(rows, row_order[i], src, "bare");
		if (fd)
			split_line(rows, row_order[i], "fd_ours", "fd_bare");
	}
}

void
mb_report_targets(const struct mb_rows *rows, const char *src, bool peer)
{
	const struct mb_row *o, *d, *b, *r;
	unsigned int i, over = 0, compared = 0;

	printf("\ntargets (reported, not asserted):\n");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		o = find(rows, src, row_order[i]);
		b = find(rows, "bare", row_order[i]);
		if (ok(o) && ok(b) && b->secs > 0)
			compared++;
		if (ok(o) && ok(b) && b->secs > 0 && o->secs > 1.05 * b->secs) {
			double share;

			if (own_share(o, b, &share))
				printf("  - %s: %.2fx the bare loop (target <= 1.05x): the EAL's own time %.1f%% of the loop's, its kernel calls %.2fx the loop's (%" PRId64 " calls, the loop %" PRId64 ")\n",
					row_order[i], o->secs / b->secs, share * 100,
					b->ksecs > 0 ? o->ksecs / b->ksecs : 0.0,
					o->kcalls, b->kcalls);
			else
				printf("  - %s: %.2fx the bare loop (target <= 1.05x)\n",
					row_order[i], o->secs / b->secs);
			over++;
		}
	}
	if (compared == 0)
		printf("  - no row measured beside its bare loop\n");
	else if (over == 0)
		printf("  - every row of the %u compared within 1.05x of its bare loop\n",
			compared);
	o = find(rows, src, "ext_add");
	d = find(rows, "dpdk22", "ext_add");
	if (peer && ok(o) && ok(d) && o->secs > 0)
		printf("  - external memory %s: %" PRId64 " DMA entries (DPDK 22.11: %" PRId64 "), %.1fx faster than DPDK (target >= 50x)\n",
			"add", o->entries, d->entries, d->secs / o->secs);
	else if (ok(o))
		printf("  - external memory add: %" PRId64 " DMA entries\n", o->entries);
	o = find(rows, src, "teardown_all");
	r = find(rows, src, "teardown_rec");
	if (ok(o) && ok(r))
		printf("  - teardown with UNMAP_ALL %.3f ms, record by record %.3f ms: %s\n",
			o->secs * 1e3, r->secs * 1e3,
			o->secs < r->secs ? "UNMAP_ALL faster" : "UNMAP_ALL NOT faster");
}

/* CSV cells: empty when not measured */
static void
csv_int(FILE *f, int64_t v)
{
	if (v == MB_UNKNOWN)
		fprintf(f, ",");
	else
		fprintf(f, "%" PRId64 ",", v);
}

static void
csv_secs(FILE *f, const struct mb_row *r)
{
	if (ok(r))
		fprintf(f, "%.9f,", r->secs);
	else
		fprintf(f, ",");
}

/* calls, entries, seconds of a measured row */
static void
csv_run(FILE *f, const struct mb_row *r)
{
	if (!ok(r)) {
		fprintf(f, ",,,");
		return;
	}
	csv_int(f, r->calls);
	csv_int(f, r->entries);
	csv_secs(f, r);
}

static void
csv_ratio(FILE *f, const struct mb_row *a, const struct mb_row *b)
{
	if (ok(a) && ok(b) && b->secs > 0)
		fprintf(f, "%.4f,", a->secs / b->secs);
	else
		fprintf(f, ",");
}

/* kernel seconds (with_secs) and kernel calls of a row; empty when not
 * measured; the last cell of a line ends without a comma */
static void
csv_split(FILE *f, const struct mb_row *r, bool with_secs)
{
	bool have = ok(r) && r->ksecs >= 0;

	if (with_secs)
		fprintf(f, have ? ",%.9f" : ",", have ? r->ksecs : 0.0);
	if (have && r->kcalls != MB_UNKNOWN)
		fprintf(f, ",%" PRId64, r->kcalls);
	else
		fprintf(f, ",");
}

int
mb_report_csv(const struct mb_rows *rows, const char *src, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	unsigned int i;

	if (f == NULL) {
		fprintf(stderr, "map-bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (f == stdout)
		printf("@CSV-BEGIN\n");
	fprintf(f, "row,bytes,page,units,ours_calls,ours_entries,ours_s,bare_s,floor_s,pages_s,dpdk_calls,dpdk_entries,dpdk_s,ours_over_bare,ours_over_floor,ours_over_dpdk,backend,ours_kernel_s,dpdk_kernel_s,fd_calls,fd_s,fd_bare_s,fd_floor_s,fd_pages_s,fd_over_bare,ours_kcalls,bare_kernel_s,bare_kcalls,fd_kernel_s,fd_kcalls,fd_bare_kernel_s,fd_bare_kcalls\n");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		const struct mb_row *fd, *fb;
		struct row_set s;

		if (row_set_of(rows, src, row_order[i], &s) == NULL)
			continue;
		fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", row_order[i],
			s.any->bytes, s.any->pgsz, s.any->units);
		csv_run(f, s.o);
		csv_secs(f, s.b);
		csv_secs(f, s.f);
		csv_secs(f, s.p);
		csv_run(f, s.d);
		csv_ratio(f, s.o, s.b);
		csv_ratio(f, s.o, s.f);
		if (dpdk_idle(s.o, s.d))
			fprintf(f, ",");
		else
			csv_ratio(f, s.o, s.d);
		fprintf(f, "%s,", src);
		fprintf(f, ok(s.o) && s.o->ksecs >= 0 ? "%.9f," : ",",
			ok(s.o) && s.o->ksecs >= 0 ? s.o->ksecs : 0.0);
		fprintf(f, ok(s.d) && s.d->ksecs >= 0 ? "%.9f," : ",",
			ok(s.d) && s.d->ksecs >= 0 ? s.d->ksecs : 0.0);
		/* iommufd (--iommufd): no entries column, it has no limit */
		fd = find(rows, "fd_ours", row_order[i]);
		if (ok(fd) && fd->calls != MB_UNKNOWN)
			fprintf(f, "%" PRId64 ",", fd->calls);
		else
			fprintf(f, ",");
		fb = find(rows, "fd_bare", row_order[i]);
		csv_secs(f, fd);
		csv_secs(f, fb);
		csv_secs(f, find(rows, "fd_floor", row_order[i]));
		csv_secs(f, find(rows, "fd_pages", row_order[i]));
		if (ok(fd) && ok(fb) && fb->secs > 0)
			fprintf(f, "%.4f", fd->secs / fb->secs);
		csv_split(f, s.o, false);
		csv_split(f, s.b, true);
		csv_split(f, fd, true);
		csv_split(f, fb, true);
		fprintf(f, "\n");
	}
	if (f == stdout) {
		printf("@CSV-END\n");
		fflush(stdout);
	} else {
		fclose(f);
	}
	return 0;
}

int
mb_report_complete(const struct mb_rows *rows, const struct mb_opts *o,
		const char *src, bool bare, bool fd)
{
	static const char *const srcs[2][2] = {
		{ NULL, "bare" }, { "fd_ours", "fd_bare" },
	};
	unsigned int i, p;
	int ret = 0;

	for (p = 0; p < (fd ? 2u : 1u); p++) {
		const char *ours = p == 0 ? src : srcs[p][0];

		for (i = 0; i < RTE_DIM(row_order); i++) {
			const struct mb_row *r = find(rows, ours, row_order[i]);

			if (!mb_row_selected(o, row_order[i]))
				continue;
			if (!ok(r) || (bare && !ok(find(rows, srcs[p][1], row_order[i])))) {
				fprintf(stderr, "dpdk-map-bench: %srow %s was not measured%s%s\n",
					p == 1 ? "iommufd " : "", row_order[i],
					r != NULL && r->err != 0 ? ": " : "",
					r != NULL && r->err != 0 ? strerror(r->err) : "");
				ret = -1;
			}
		}
	}
	return ret;
}
