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
 * forced to --vfio-mode=group, then every row again with the EAL in
 * --vfio-mode=cdev (src fd_ours) against bare iommufd loops doing the same
 * kernel work in the same units (fd_bare, fd_floor, fd_pages), printed
 * beside type1. The table, the kernel/user split and the CSV are in
 * mb_report.c.
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
#include "mb_report.h"
#include "vfio_backend.h"
#include "vfio_model.h"

#define MODEL_GROUP 40
#define MODEL_DEV "0000:00:08.0"
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
	static const char *const in_memory_cdev[] = {
		"--in-memory", "--vfio-mode=cdev", NULL
	};

	(void)o;
	if (fd_pass)
		return static_mem ? in_memory_cdev : cdev;
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

/*
 * Keep a row. Rows measured in fresh processes (teardown, static) come
 * once per process: the median of them is reported (an error sticks).
 */
static void
keep(struct mb_rows *rows, const struct mb_row *r)
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
	if (rows->n < MB_MAX_ROWS) {
		rows->s[rows->n].n = 0;
		mb_samples_add(&rows->s[rows->n], r);
		rows->r[rows->n++] = *r;
	}
}

/* Read @ROW lines from fd; other lines are the children's messages. */
static void
collect(int fd, struct mb_rows *rows, const char *tag)
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
run_ours(const struct mb_opts *o, bool bare, struct mb_rows *rows)
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
 * The iommufd pass: every selected group again with our EAL in cdev mode,
 * and the bare loops on an IOAS (the same kernel work in iommufd terms).
 */
static int
run_iommufd(const struct mb_opts *o, bool bare, struct mb_rows *rows)
{
	int ret;

	fd_pass = true;
	mb_bare_iommufd = true;
	ret = run_ours(o, bare, rows);
	fd_pass = false;
	mb_bare_iommufd = false;
	return ret;
}

/* Run the DPDK 22.11 client with the same sizes; its rows come back. */
static int
run_peer(const char *path, const struct mb_opts *o, struct mb_rows *rows)
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
	static struct mb_rows rows;
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
	mb_report_table(&rows, mb_port_src(), peer != NULL);
	mb_report_split(&rows, mb_port_src(), want_iommufd);
	mb_report_targets(&rows, mb_port_src(), peer != NULL);
	if (!use_model)
		mb_clock_report(stdout);
	if (want_iommufd)
		mb_report_iommufd(&rows);
	if (csv != NULL && mb_report_csv(&rows, mb_port_src(), csv) < 0)
		ret = 1;
	if (mb_report_complete(&rows, &o, mb_port_src(), bare, want_iommufd) < 0)
		ret = 1;
	return ret;
}
