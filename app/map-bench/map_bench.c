/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-map-bench: the cost of every DMA-mapping path of this project,
 * against the bare-ioctl floors and, with --dpdk, against DPDK 22.11 doing
 * the same operations (dpdk-map-bench-dpdk22), all in one run. It
 * reports; it never passes or fails on time.
 *
 *   dpdk-map-bench [sizes] [--csv FILE|-] [--dpdk PATH] [--model|--kernel]
 *                  [--iommufd]
 *
 * On the real kernel it needs a device bound to vfio-pci (the test VM's
 * edu). Without /dev/vfio/vfio (or with --model) it runs on the type1 model:
 * the table is then labelled "model" and its times say nothing about the
 * kernel (the unit suite runs it that way as a smoke test).
 *
 * --iommufd (a kernel with both backends): the type1 rows with the EAL
 * forced to --vfio-mode=group, then the rows whose kernel work is maps and
 * unmaps (heap, external, user, paged) again with the EAL in
 * --vfio-mode=cdev (src fd_ours) against bare IOMMU_IOAS_MAP/UNMAP loops
 * in the same units (fd_bare, fd_floor, fd_pages), printed beside type1.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "mb_bare.h"
#include "mb_ops.h"
#include "vfio_backend.h"
#include "vfio_model.h"

#define MODEL_GROUP 40
#define MODEL_DEV "0000:00:08.0"
#define MAX_ROWS 256
#define MAX_PEER_ARGS 32

static bool use_model;
/* --iommufd given: both passes, the EAL's mode forced in each */
static bool want_iommufd;
/* this child measures the iommufd pass */
static bool fd_pass;

/* ---- this project's side of the shared operations ---- */

const char *
mb_port_src(void)
{
	if (fd_pass)
		return "fd_ours";
	return use_model ? "model" : "ours";
}

int
mb_port_prepare(const struct mb_opts *o)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = MODEL_GROUP,
		.devices = { MODEL_DEV, NULL },
		.msi_window = true,
	};

	(void)o;
	if (!use_model)
		return 0;
	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_memlock_limit(UINT64_MAX);
	vfio_model_set_cap_ipc_lock(true);
	if (vfio_model_add_group(&cfg) < 0) {
		fprintf(stderr, "map-bench: vfio_model_add_group: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

const char *const *
mb_port_eal_args(const struct mb_opts *o, bool static_mem)
{
	/* the model has no hugepages: the heap grows on system pages */
	static const char *const model_dynamic[] = { "--no-huge", "--dynamic-mem", NULL };
	static const char *const in_memory[] = { "--in-memory", NULL };
	static const char *const in_memory_group[] = {
		"--in-memory", "--vfio-mode=group", NULL
	};
	static const char *const group[] = { "--vfio-mode=group", NULL };
	static const char *const cdev[] = { "--vfio-mode=cdev", NULL };

	(void)o;
	if (fd_pass)
		return cdev;
	if (static_mem)
		return want_iommufd ? in_memory_group : in_memory;
	if (want_iommufd)
		return group;
	return use_model ? model_dynamic : NULL;
}

const char *
mb_port_sysfs(void)
{
	return eal_sysfs_root();
}

int
mb_port_ioctl(int fd, unsigned long request, void *arg)
{
	return vfio_backend()->ioctl(fd, request, arg);
}

double
mb_port_dma_secs(void)
{
	/* the model is called directly, not through ioctl() */
	return use_model ? -1 : mb_ioctl_dma_secs();
}

uint64_t
mb_port_dma_calls(void)
{
	if (use_model)
		return vfio_model_ioctl_count(VFIO_IOMMU_MAP_DMA) +
			vfio_model_ioctl_count(VFIO_IOMMU_UNMAP_DMA);
	return mb_ioctl_dma_calls();
}

int
mb_port_default_container(void)
{
	return rte_vfio_get_container_fd();
}

int
mb_port_map_paged(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len, uint64_t pgsz)
{
	return rte_vfio_container_dma_map_paged(container_fd, vaddr, iova, len, pgsz);
}

uint64_t
mb_port_heap_page(const struct mb_opts *o)
{
	(void)o;
	return use_model ? mb_sys_page() : 2 * MB_MIB;
}

bool
mb_port_teardown_needs_device(void)
{
	return false;
}

/* ---- collecting rows from children ---- */

struct rows {
	struct mb_row r[MAX_ROWS];     /* one per row and source: the median */
	struct mb_samples s[MAX_ROWS]; /* what came in for it */
	unsigned int n;
};

/*
 * Keep a row. Rows measured in fresh processes (teardown, static) come
 * once per process: the median of them is reported (an error sticks).
 */
static void
keep(struct rows *rows, const struct mb_row *r)
{
	unsigned int i;

	for (i = 0; i < rows->n; i++) {
		struct mb_row *k = &rows->r[i];

		if (strcmp(k->src, r->src) != 0 || strcmp(k->row, r->row) != 0)
			continue;
		mb_samples_add(&rows->s[i], r);
		*k = *mb_samples_median(&rows->s[i]);
		return;
	}
	if (rows->n < MAX_ROWS) {
		rows->s[rows->n].n = 0;
		mb_samples_add(&rows->s[rows->n], r);
		rows->r[rows->n++] = *r;
	}
}

/* Read @ROW lines from fd; other lines are the children's messages. */
static void
collect(int fd, struct rows *rows, const char *tag)
{
	char line[1024];
	struct mb_row r;
	FILE *f = fdopen(fd, "r");

	if (f == NULL) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, MB_ROW_TAG " ", sizeof(MB_ROW_TAG)) == 0 &&
				mb_row_parse(line, &r) == 0)
			keep(rows, &r);
		else
			fprintf(stderr, "%s: %s", tag, line);
	}
	fclose(f);
}

/* Run our groups and the bare floors in a child writing to a pipe. */
static int
run_ours(const struct mb_opts *o, bool bare, struct rows *rows)
{
	int fds[2], status, ret = 0;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[1]);
		if (mb_run_groups(o) < 0)
			ret = 1;
		if (bare && mb_bare_run(o, use_model) < 0)
			ret = 1;
		fflush(NULL);
		_exit(ret);
	}
	close(fds[1]);
	collect(fds[0], rows, "ours");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * The iommufd pass: our EAL in cdev mode and the bare IOAS loops, for the
 * selected rows that are maps and unmaps only (the static and teardown
 * rows also attach and detach, which the two backends do differently).
 */
static int
run_iommufd(const struct mb_opts *o, bool bare, struct rows *rows)
{
	static char groups[32];
	struct mb_opts fo = *o;
	int ret;

	groups[0] = '\0';
	if (mb_row_selected(o, "heap_grow"))
		snprintf(groups, sizeof(groups), "heap");
	if (mb_row_selected(o, "user_map"))
		snprintf(groups + strlen(groups), sizeof(groups) - strlen(groups),
			"%suser", groups[0] != '\0' ? "," : "");
	if (groups[0] == '\0')
		return 0;
	fo.groups = groups;
	fd_pass = true;
	mb_bare_iommufd = true;
	ret = run_ours(&fo, bare, rows);
	fd_pass = false;
	mb_bare_iommufd = false;
	return ret;
}

/* Run the DPDK 22.11 client with the same sizes; its rows come back. */
static int
run_peer(const char *path, const struct mb_opts *o, struct rows *rows)
{
	char *argv[MAX_PEER_ARGS + 2], bufs[8][32];
	int fds[2], status, n;
	pid_t pid;

	argv[0] = (char *)(uintptr_t)path;
	n = mb_opts_to_argv(o, argv + 1, MAX_PEER_ARGS, bufs);
	argv[n + 1] = NULL;
	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[1]);
		execv(path, argv);
		fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	collect(fds[0], rows, "dpdk22");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- the table ---- */

static const char *const row_order[] = {
	"heap_grow", "heap_shrink", "static_setup", "static_rebind", "ext_add",
	"ext_remove",
	"user_map", "user_unmap", "paged_map", "paged_unmap",
	"teardown_all", "teardown_rec",
};

static const struct mb_row *
find(const struct rows *rows, const char *src, const char *row)
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

static void
print_table(const struct rows *rows, const char *src, bool peer)
{
	unsigned int i;

	printf("\nmapping benchmark (%s%s): times in ms; calls = MAP_DMA+UNMAP_DMA; entries = DMA entries taken (-: given back)\n",
		src, strcmp(src, "model") == 0 ?
		": the type1 model, times say nothing about the kernel" : ": the kernel");
	printf("%-13s %5s %4s %5s | %5s %6s %9s %8s | %8s %8s %8s | %5s %6s %9s %8s | %9s %9s %9s\n",
		"row", "bytes", "page", "units", "calls", "entries", "ours",
		"in ioctl", "bare", "floor", "pages", "calls", "entries", "dpdk22",
		"in ioctl", "ours/bare", "ours/floor", "ours/dpdk");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		const struct mb_row *o = find(rows, src, row_order[i]);
		const struct mb_row *b = find(rows, "bare", row_order[i]);
		const struct mb_row *f = find(rows, "floor", row_order[i]);
		const struct mb_row *p = find(rows, "pages", row_order[i]);
		const struct mb_row *d = find(rows, "dpdk22", row_order[i]);
		const struct mb_row *any = o != NULL ? o : (b != NULL ? b : d);
		char sz[24], pg[24], c[24], e[24], t[48], tb[48], tf[48], tp[48];
		char dc[24], de[24], td[48], r1[16], r2[16], r3[16], ko[24], kd[24];

		if (any == NULL)
			continue;
		fmt_size(sz, sizeof(sz), any->bytes);
		fmt_size(pg, sizeof(pg), any->pgsz);
		fmt_int(c, sizeof(c), o, o != NULL ? o->calls : 0);
		fmt_int(e, sizeof(e), o, o != NULL ? o->entries : 0);
		fmt_ms(t, sizeof(t), o);
		fmt_ms(tb, sizeof(tb), b);
		fmt_ms(tf, sizeof(tf), f);
		fmt_ms(tp, sizeof(tp), p);
		fmt_int(dc, sizeof(dc), d, d != NULL ? d->calls : 0);
		fmt_int(de, sizeof(de), d, d != NULL ? d->entries : 0);
		fmt_ms(td, sizeof(td), d);
		fmt_kms(ko, sizeof(ko), o);
		fmt_kms(kd, sizeof(kd), d);
		fmt_ratio(r1, sizeof(r1), o, b);
		fmt_ratio(r2, sizeof(r2), o, f);
		fmt_ratio(r3, sizeof(r3), o, d);
		/* DPDK 22.11 did no mapping work in this row (its group bind
		 * maps nothing): no ratio */
		if (ok(o) && ok(d) && d->calls == 0 && o->calls > 0 &&
				(d->entries == 0 || d->entries == MB_UNKNOWN))
			snprintf(r3, sizeof(r3), "n/a");
		printf("%-13s %5s %4s %5" PRIu64 " | %5s %6s %9s %8s | %8s %8s %8s | %5s %6s %9s %8s | %9s %9s %9s\n",
			row_order[i], sz, pg, any->units, c, e, t, ko, tb, tf, tp,
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

/* The iommufd rows beside the type1 ones (--iommufd). */
static void
print_iommufd(const struct rows *rows)
{
	unsigned int i;

	printf("\niommufd beside type1 (the kernel): times in ms; calls = MAP_DMA+UNMAP_DMA (type1), IOAS_MAP+IOAS_UNMAP (iommufd); entries: type1's DMA entries, '-' on iommufd (it has no entry limit)\n");
	printf("%-13s %5s %4s %5s | %5s %6s %9s %9s %9s | %5s %6s %9s %8s %9s %9s %9s %9s %9s\n",
		"row", "bytes", "page", "units", "calls", "entries", "type1",
		"bare", "ours/bare", "calls", "entries", "iommufd", "in ioctl",
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

/* The targets, reported (never asserted). */
static void
print_targets(const struct rows *rows, const char *src, bool peer)
{
	const struct mb_row *o, *d, *b, *r;
	unsigned int i, over = 0;

	printf("\ntargets (reported, not asserted):\n");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		o = find(rows, src, row_order[i]);
		b = find(rows, "bare", row_order[i]);
		if (ok(o) && ok(b) && b->secs > 0 && o->secs > 1.05 * b->secs) {
			printf("  - %s: %.2fx the bare loop (target <= 1.05x)\n",
				row_order[i], o->secs / b->secs);
			over++;
		}
	}
	if (over == 0)
		printf("  - every row within 1.05x of its bare loop\n");
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

static int
write_csv(const struct rows *rows, const char *src, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	unsigned int i;

	if (f == NULL) {
		fprintf(stderr, "map-bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (f == stdout)
		printf("@CSV-BEGIN\n");
	fprintf(f, "row,bytes,page,units,ours_calls,ours_entries,ours_s,bare_s,floor_s,pages_s,dpdk_calls,dpdk_entries,dpdk_s,ours_over_bare,ours_over_floor,ours_over_dpdk,backend,ours_ioctl_s,dpdk_ioctl_s,fd_calls,fd_s,fd_bare_s,fd_floor_s,fd_pages_s,fd_over_bare\n");
	for (i = 0; i < RTE_DIM(row_order); i++) {
		const struct mb_row *o = find(rows, src, row_order[i]);
		const struct mb_row *b = find(rows, "bare", row_order[i]);
		const struct mb_row *fl = find(rows, "floor", row_order[i]);
		const struct mb_row *p = find(rows, "pages", row_order[i]);
		const struct mb_row *d = find(rows, "dpdk22", row_order[i]);
		const struct mb_row *any = o != NULL ? o : (b != NULL ? b : d);
		const struct mb_row *fd;

		if (any == NULL)
			continue;
		fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", row_order[i],
			any->bytes, any->pgsz, any->units);
		csv_run(f, o);
		csv_secs(f, b);
		csv_secs(f, fl);
		csv_secs(f, p);
		csv_run(f, d);
		csv_ratio(f, o, b);
		csv_ratio(f, o, fl);
		if (ok(d) && d->calls == 0 && ok(o) && o->calls > 0 &&
				(d->entries == 0 || d->entries == MB_UNKNOWN))
			fprintf(f, ",");
		else
			csv_ratio(f, o, d);
		fprintf(f, "%s,", src);
		fprintf(f, ok(o) && o->ksecs >= 0 ? "%.9f," : ",",
			ok(o) && o->ksecs >= 0 ? o->ksecs : 0.0);
		fprintf(f, ok(d) && d->ksecs >= 0 ? "%.9f," : ",",
			ok(d) && d->ksecs >= 0 ? d->ksecs : 0.0);
		/* iommufd (--iommufd): no entries column, it has no limit */
		fd = find(rows, "fd_ours", row_order[i]);
		if (ok(fd) && fd->calls != MB_UNKNOWN)
			fprintf(f, "%" PRId64 ",", fd->calls);
		else
			fprintf(f, ",");
		csv_secs(f, fd);
		csv_secs(f, find(rows, "fd_bare", row_order[i]));
		csv_secs(f, find(rows, "fd_floor", row_order[i]));
		csv_secs(f, find(rows, "fd_pages", row_order[i]));
		csv_ratio(f, fd, find(rows, "fd_bare", row_order[i]));
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

/* Every selected row measured without error (a kernel refusal is a real
 * failure of the run; a slow row never is). */
static int
check_complete(const struct rows *rows, const struct mb_opts *o, bool bare)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; want_iommufd && i < RTE_DIM(row_order); i++) {
		const struct mb_row *r = find(rows, "fd_ours", row_order[i]);

		/* the iommufd pass runs the heap and user groups only */
		if (!mb_row_selected(o, row_order[i]) ||
				strncmp(row_order[i], "static_", 7) == 0 ||
				strncmp(row_order[i], "teardown_", 9) == 0)
			continue;
		if (!ok(r) || (bare && !ok(find(rows, "fd_bare", row_order[i])))) {
			fprintf(stderr, "dpdk-map-bench: iommufd row %s was not measured\n",
				row_order[i]);
			ret = -1;
		}
	}
	for (i = 0; i < RTE_DIM(row_order); i++) {
		const struct mb_row *r = find(rows, mb_port_src(), row_order[i]);

		if (!mb_row_selected(o, row_order[i]))
			continue;
		if (!ok(r) || (bare && !ok(find(rows, "bare", row_order[i])))) {
			fprintf(stderr, "dpdk-map-bench: row %s was not measured%s%s\n",
				row_order[i], r != NULL && r->err != 0 ? ": " : "",
				r != NULL && r->err != 0 ? strerror(r->err) : "");
			ret = -1;
		}
	}
	return ret;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: dpdk-map-bench [options]\n"
		"Times every DMA-mapping path against bare VFIO ioctls (and DPDK 22.11).\n"
		"Reports only: the exit status says whether it ran, never how fast.\n");
	mb_opts_usage(f);
	fprintf(f, "  %-20s FILE  write the table as CSV (- : stdout, between @CSV-BEGIN/@CSV-END)\n"
		"  %-20s PATH  run the DPDK 22.11 client too (dpdk-map-bench-dpdk22)\n"
		"  %-20s       the type1 model (default without /dev/vfio/vfio)\n"
		"  %-20s       the kernel (default with /dev/vfio/vfio)\n"
		"  %-20s       skip the bare-ioctl floors\n"
		"  %-20s       iommufd rows beside type1 (EAL in cdev mode; a kernel with both)\n",
		"--csv", "--dpdk", "--model", "--kernel", "--no-bare", "--iommufd");
}

int
main(int argc, char **argv)
{
	static struct rows rows;
	const char *csv = NULL, *peer = NULL, *env;
	bool bare = true, forced = false;
	struct mb_opts o;
	int i, ret = 0;

	mb_opts_default(&o);
	for (i = 1; i < argc; i++) {
		int r = mb_opts_parse(&o, argc, argv, &i);

		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
			csv = argv[++i];
		} else if (strcmp(argv[i], "--dpdk") == 0 && i + 1 < argc) {
			peer = argv[++i];
		} else if (strcmp(argv[i], "--model") == 0) {
			use_model = true;
			forced = true;
		} else if (strcmp(argv[i], "--kernel") == 0) {
			use_model = false;
			forced = true;
		} else if (strcmp(argv[i], "--iommufd") == 0) {
			want_iommufd = true;
		} else if (strcmp(argv[i], "--no-bare") == 0) {
			bare = false;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "dpdk-map-bench: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	env = getenv("DPDK_TEST_VFIO");
	if (!forced)
		use_model = !(env != NULL && strcmp(env, "kernel") == 0) &&
			access(VFIO_CONTAINER_PATH, F_OK) != 0;
	if (use_model && peer != NULL) {
		fprintf(stderr, "dpdk-map-bench: --dpdk needs the kernel (DPDK has no model)\n");
		return 2;
	}
	if (use_model && want_iommufd) {
		fprintf(stderr, "dpdk-map-bench: --iommufd needs the kernel (the model is type1)\n");
		return 2;
	}
	if (run_ours(&o, bare, &rows) < 0)
		ret = 1;
	if (want_iommufd && run_iommufd(&o, bare, &rows) < 0)
		ret = 1;
	if (peer != NULL && run_peer(peer, &o, &rows) < 0) {
		fprintf(stderr, "dpdk-map-bench: the DPDK 22.11 client did not finish\n");
		ret = 1;
	}
	print_table(&rows, mb_port_src(), peer != NULL);
	print_targets(&rows, mb_port_src(), peer != NULL);
	if (want_iommufd)
		print_iommufd(&rows);
	if (csv != NULL && write_csv(&rows, mb_port_src(), csv) < 0)
		ret = 1;
	if (check_complete(&rows, &o, bare) < 0)
		ret = 1;
	return ret;
}
