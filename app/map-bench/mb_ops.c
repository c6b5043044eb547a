/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mapping benchmark's operations through the public API, shared by
 * dpdk-map-bench (this project) and dpdk-map-bench-dpdk22 (Debian's DPDK
 * 22.11): the same source, so both run exactly the same calls.
 *
 * Groups (each in its own child process, with its own EAL):
 *   heap      rte_malloc()/rte_free() growing and shrinking the heap
 *   static    --no-huge static memory, mapped when the device's group
 *             joins the default container (rte_vfio_setup_device())
 *   user      external heap memory (rte_malloc_heap_memory_add/remove),
 *             a one-shot user map and a paged user map, and their unmaps
 *   teardown  a container holding N one-page maps destroyed at once
 *   teardown_rec  the same, unmapped map by map before the destroy
 *
 * The options and rows are in mb_opts.c, the ioctl() interposer and the
 * kernel-side lookups (device, DMA entries) in mb_kernel.c.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "mb_ops.h"

#define EXT_HEAP "map_bench_ext"
#define MAX_EAL_ARGS 24

/* ---- measuring one operation ---- */

bool
mb_port_kernel_timed(void)
{
	/* the model is called directly, not through ioctl() */
	return mb_port_dma_secs() >= 0;
}

struct probe {
	int container_fd;
	uint64_t calls;
	uint64_t kcalls;
	uint64_t kticks;
	int64_t avail;
	int64_t entries;    /* when the container is gone after: set by the row */
	double t;
	/* probe_stop(): the end, taken before the row's own bookkeeping */
	bool stopped;
	double t_end;
	uint64_t calls_end;
	uint64_t kcalls_end;
	uint64_t kticks_end;
};

/* The best of the repetitions of a row; an error sticks (it is reported). */
/* The repetitions of a row (the name is older than the median). */
struct best {
	struct mb_samples s;
	bool have;
};

static void
best_add(struct best *b, const struct mb_row *r)
{
	if (mb_verbose) {
		fprintf(stderr, "repetition: ");
		mb_row_print(stderr, r);
	}
	mb_samples_add(&b->s, r);
	b->have = true;
}

static void
best_print(const struct best *b)
{
	if (b->have)
		mb_row_print(stdout, mb_samples_median(&b->s));
}

static void
probe_start(struct probe *p, int container_fd)
{
	p->container_fd = container_fd;
	p->entries = MB_UNKNOWN;
	p->avail = mb_dma_avail(container_fd);
	p->calls = mb_port_dma_calls();
	p->kcalls = mb_kernel_calls();
	p->kticks = mb_kernel_ticks();
	p->stopped = false;
	p->t = mb_now();
}

/*
 * The end of the timed part. A row that must look something up after its
 * call (the container it set up, the DMA entry limit) stops the probe
 * first, so that the lookup's system calls are not timed as the EAL's.
 */
static void
probe_stop(struct probe *p)
{
	p->t_end = mb_now();
	p->calls_end = mb_port_dma_calls();
	p->kcalls_end = mb_kernel_calls();
	p->kticks_end = mb_kernel_ticks();
	p->stopped = true;
}

static void
probe_end(struct probe *p, struct best *b, const char *row,
		uint64_t bytes, uint64_t pgsz, uint64_t units, int ret, int err)
{
	int64_t avail;
	struct mb_row r;

	if (!p->stopped)
		probe_stop(p);
	avail = mb_dma_avail(p->container_fd);

	memset(&r, 0, sizeof(r));
	snprintf(r.src, sizeof(r.src), "%s", mb_port_src());
	snprintf(r.row, sizeof(r.row), "%s", row);
	r.bytes = bytes;
	r.pgsz = pgsz;
	r.units = units;
	r.calls = (int64_t)(p->calls_end - p->calls);
	if (p->entries != MB_UNKNOWN)
		r.entries = p->entries;
	else
		r.entries = p->avail >= 0 && avail >= 0 ? p->avail - avail : MB_UNKNOWN;
	r.secs = p->t_end - p->t;
	r.ksecs = mb_port_kernel_timed() ?
		mb_ticks_secs(p->kticks_end - p->kticks) : -1;
	r.kcalls = r.ksecs >= 0 ? (int64_t)(p->kcalls_end - p->kcalls) : MB_UNKNOWN;
	r.err = ret < 0 ? (err != 0 ? err : EIO) : 0;
	best_add(b, &r);
}

/* A row that could not be run at all. */
static void
row_failed(const char *row, uint64_t bytes, uint64_t pgsz, uint64_t units,
		int err, const char *why)
{
	struct mb_row r;

	fprintf(stderr, "map-bench: %s: %s: %s\n", row, why, strerror(err));
	memset(&r, 0, sizeof(r));
	snprintf(r.src, sizeof(r.src), "%s", mb_port_src());
	snprintf(r.row, sizeof(r.row), "%s", row);
	r.bytes = bytes;
	r.pgsz = pgsz;
	r.units = units;
	r.calls = MB_UNKNOWN;
	r.entries = MB_UNKNOWN;
	r.ksecs = -1;
	r.kcalls = MB_UNKNOWN;
	r.err = err != 0 ? err : EIO;
	mb_row_print(stdout, &r);
}

/* Anonymous memory, touched so no row pays for first-touch faults. */
static void *
anon_touched(uint64_t len)
{
	uint64_t pg = mb_sys_page(), off;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	if (p == MAP_FAILED)
		return NULL;
	for (off = 0; off < len; off += pg)
		p[off] = 1;
	return p;
}

/* ---- the groups ---- */

struct ctx {
	const struct mb_opts *o;
	char bdf[64];
	char devices[PATH_MAX];
	int group;
	int dev_fd;
};

static int
eal_start(struct ctx *c, bool static_mem)
{
	const char *const *extra = mb_port_eal_args(c->o, static_mem);
	char *argv[MAX_EAL_ARGS];
	char mem[16];
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)"map-bench";
	argv[argc++] = (char *)(uintptr_t)"-l";
	argv[argc++] = (char *)(uintptr_t)"0";
	/* DPDK 22.11 refuses --in-memory with --no-huge: the ports add what
	 * keeps static memory free of runtime files */
	if (!static_mem)
		argv[argc++] = (char *)(uintptr_t)"--in-memory";
	argv[argc++] = (char *)(uintptr_t)"--no-pci";
	argv[argc++] = (char *)(uintptr_t)"--no-telemetry";
	argv[argc++] = (char *)(uintptr_t)"--iova-mode=va";
	argv[argc++] = (char *)(uintptr_t)"--log-level=4";
	if (static_mem) {
		snprintf(mem, sizeof(mem), "%u", c->o->static_mb);
		argv[argc++] = (char *)(uintptr_t)"--no-huge";
		argv[argc++] = (char *)(uintptr_t)"-m";
		argv[argc++] = mem;
	}
	while (extra != NULL && *extra != NULL && argc < MAX_EAL_ARGS - 1)
		argv[argc++] = (char *)(uintptr_t)*extra++;
	argv[argc] = NULL;
	if (mb_port_prepare(c->o) < 0)
		return -1;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "map-bench: rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	if (mb_find_device(mb_port_sysfs(), c->o->device, c->bdf, sizeof(c->bdf),
			&c->group) < 0) {
		fprintf(stderr, "map-bench: no device bound to vfio-pci under %s/bus/pci%s%s\n",
			mb_port_sysfs(), c->o->device != NULL ? " named " : "",
			c->o->device != NULL ? c->o->device : "");
		rte_eal_cleanup();
		return -1;
	}
	snprintf(c->devices, sizeof(c->devices), "%s/bus/pci/devices",
		mb_port_sysfs());
	c->dev_fd = -1;
	return 0;
}

static int
device_up(struct ctx *c)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	if (rte_vfio_setup_device(c->devices, c->bdf, &c->dev_fd, &info) != 0) {
		fprintf(stderr, "map-bench: rte_vfio_setup_device(%s) failed: %s\n",
			c->bdf, rte_strerror(rte_errno));
		c->dev_fd = -1;
		return -1;
	}
	return 0;
}

static void
device_down(struct ctx *c)
{
	if (c->dev_fd >= 0)
		rte_vfio_release_device(c->devices, c->bdf, c->dev_fd);
	c->dev_fd = -1;
}

static void
eal_stop(struct ctx *c)
{
	device_down(c);
	rte_eal_cleanup();
}

/* Heap growth of n pages by one rte_malloc(), and the shrink by its free. */
static void
group_heap(struct ctx *c)
{
	uint64_t pg = mb_port_heap_page(c->o), n = c->o->heap_pages;
	uint64_t bytes = n * pg;
	struct best grow = { .have = false }, shrink = { .have = false };
	struct probe p;
	unsigned int k;
	void *buf;
	int cfd;

	if (eal_start(c, false) < 0) {
		row_failed("heap_grow", bytes, pg, n, EIO, "EAL");
		return;
	}
	if (device_up(c) < 0) {
		row_failed("heap_grow", bytes, pg, n, rte_errno, "device setup");
		eal_stop(c);
		return;
	}
	cfd = mb_port_default_container();
	for (k = 0; k < c->o->repeat; k++) {
		/* half a page less than n pages: n new pages however the
		 * heap's last page is used */
		probe_start(&p, cfd);
		buf = rte_malloc("map_bench", bytes - pg / 2, 0);
		probe_end(&p, &grow, "heap_grow", bytes, pg, n,
			buf == NULL ? -1 : 0, rte_errno);
		if (buf == NULL)
			break;
		probe_start(&p, cfd);
		rte_free(buf);
		probe_end(&p, &shrink, "heap_shrink", bytes, pg, n, 0, 0);
	}
	best_print(&grow);
	best_print(&shrink);
	eal_stop(c);
}

/*
 * Static memory: mapped when the device's group joins the default
 * container. static_setup times rte_vfio_setup_device() (what a driver
 * calls; it opens the device too, which is not mapping work);
 * static_rebind times rte_vfio_container_group_bind() of the group after
 * the device was released, i.e. the replay alone. (In DPDK 22.11 the bind
 * only opens the group: its memory is mapped by the next setup_device.)
 * The group is unbound after each rebind, so that the next setup binds it
 * and maps again.
 *
 * Fresh processes (one repetition each, see groups[]) first run both
 * untimed, unless --cold: under emulation the first run of a code path in
 * a process pays for its translation, up to a hundred times the path's
 * cost (perf_mapping.rst), which would be timed as the EAL's own work.
 */
/*
 * The end of a static row: the default container (bound now), entries
 * counted from the limit (before the bind no IOMMU was set: every entry
 * was free). A warm-up run reports only a failure.
 */
static void
static_row_end(struct probe *p, struct best *b, const char *row, int64_t limit,
		uint64_t bytes, bool warm_up, int ret, int err)
{
	uint64_t pg = mb_sys_page();

	probe_stop(p);
	p->container_fd = mb_port_default_container();
	p->avail = limit;
	if (!warm_up || ret != 0)
		probe_end(p, b, row, bytes, pg, bytes / pg, ret, err);
}

static void
group_static(struct ctx *c)
{
	uint64_t pg = mb_sys_page(), bytes = (uint64_t)c->o->static_mb * MB_MIB;
	struct best setup = { .have = false }, rebind = { .have = false };
	unsigned int k, warm = c->o->cold ? 0 : 1;
	int64_t limit;
	struct probe p;
	int ret = 0, err;

	if (eal_start(c, true) < 0) {
		row_failed("static_setup", bytes, pg, bytes / pg, EIO, "EAL");
		return;
	}
	limit = mb_dma_limit();
	for (k = 0; ret == 0 && k < warm + c->o->repeat; k++) {
		probe_start(&p, -1);
		ret = device_up(c);
		err = rte_errno;
		static_row_end(&p, &setup, "static_setup", limit, bytes, k < warm,
			ret, err);
		if (ret != 0)
			break;
		device_down(c);
		probe_start(&p, -1);
		ret = rte_vfio_container_group_bind(RTE_VFIO_DEFAULT_CONTAINER_FD,
			c->group) < 0 ? -1 : 0;
		err = rte_errno;
		static_row_end(&p, &rebind, "static_rebind", limit, bytes, k < warm,
			ret, err);
		if (ret == 0 && rte_vfio_container_group_unbind(
				RTE_VFIO_DEFAULT_CONTAINER_FD, c->group) != 0) {
			fprintf(stderr, "map-bench: unbind of group %d: %s\n",
				c->group, rte_strerror(rte_errno));
			ret = -1;
		}
	}
	best_print(&setup);
	best_print(&rebind);
	eal_stop(c);
}

static void
ext_rows(struct ctx *c, int cfd)
{
	uint64_t pg = mb_sys_page(), bytes = (uint64_t)c->o->ext_mb * MB_MIB;
	unsigned int n = (unsigned int)(bytes / pg), i, k;
	struct best add = { .have = false }, rm = { .have = false };
	rte_iova_t *iovas;
	struct probe p;
	char *buf;
	int ret, err;

	buf = anon_touched(bytes);
	iovas = calloc(n, sizeof(*iovas));
	if (buf == NULL || iovas == NULL ||
			rte_malloc_heap_create(EXT_HEAP) != 0) {
		row_failed("ext_add", bytes, pg, n, ENOMEM, "external memory");
		goto out;
	}
	/* IOVA = VA, as the heap's own memory in --iova-mode=va */
	for (i = 0; i < n; i++)
		iovas[i] = (rte_iova_t)(uintptr_t)(buf + (uint64_t)i * pg);
	for (k = 0; k < c->o->repeat; k++) {
		probe_start(&p, cfd);
		ret = rte_malloc_heap_memory_add(EXT_HEAP, buf, bytes, iovas, n, pg);
		err = rte_errno;
		probe_end(&p, &add, "ext_add", bytes, pg, n, ret, err);
		if (ret != 0)
			break;
		probe_start(&p, cfd);
		ret = rte_malloc_heap_memory_remove(EXT_HEAP, buf, bytes);
		err = rte_errno;
		probe_end(&p, &rm, "ext_remove", bytes, pg, n, ret, err);
		if (ret != 0)
			break;
	}
	best_print(&add);
	best_print(&rm);
	rte_malloc_heap_destroy(EXT_HEAP);
out:
	free(iovas);
	if (buf != NULL)
		munmap(buf, bytes);
}

/* A map and its unmap; paged: one unit per system page. */
static void
user_rows(struct ctx *c, int cfd, uint64_t bytes, bool paged,
		const char *map_row, const char *unmap_row)
{
	uint64_t pg = mb_sys_page(), units = paged ? bytes / pg : 1;
	struct best map = { .have = false }, unmap = { .have = false };
	struct probe p;
	unsigned int k;
	uint64_t va;
	char *buf;
	int ret, err;

	buf = anon_touched(bytes);
	if (buf == NULL) {
		row_failed(map_row, bytes, pg, units, ENOMEM, "mmap");
		return;
	}
	va = (uint64_t)(uintptr_t)buf;
	for (k = 0; k < c->o->repeat; k++) {
		probe_start(&p, cfd);
		if (paged)
			ret = mb_port_map_paged(RTE_VFIO_DEFAULT_CONTAINER_FD, va, va,
				bytes, pg);
		else
			ret = rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
				va, va, bytes);
		err = rte_errno;
		probe_end(&p, &map, map_row, bytes, pg, units, ret, err);
		if (ret != 0)
			break;
		probe_start(&p, cfd);
		ret = rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD, va,
			va, bytes);
		err = rte_errno;
		probe_end(&p, &unmap, unmap_row, bytes, pg, units, ret, err);
		if (ret != 0)
			break;
	}
	best_print(&map);
	best_print(&unmap);
	munmap(buf, bytes);
}

static void
group_user(struct ctx *c)
{
	uint64_t pg = mb_sys_page();
	int cfd;

	if (eal_start(c, false) < 0) {
		row_failed("ext_add", (uint64_t)c->o->ext_mb * MB_MIB, pg, 0, EIO, "EAL");
		return;
	}
	if (device_up(c) < 0) {
		row_failed("ext_add", (uint64_t)c->o->ext_mb * MB_MIB, pg, 0,
			rte_errno, "device setup");
		eal_stop(c);
		return;
	}
	cfd = mb_port_default_container();
	ext_rows(c, cfd);
	user_rows(c, cfd, (uint64_t)c->o->user_mb * MB_MIB, false, "user_map",
		"user_unmap");
	user_rows(c, cfd, (uint64_t)c->o->paged_pages * pg, true, "paged_map",
		"paged_unmap");
	eal_stop(c);
}

/*
 * One teardown: n one-page maps in a container of their own, then the
 * container is destroyed, at once or after unmapping the maps one by one.
 * DPDK 22.11 sets a container's IOMMU only when a device of the group is
 * set up (rte_vfio_container_group_bind() just opens the group), so there
 * the device is set up too and released as part of the teardown.
 */
static int
teardown_once(struct ctx *c, const char *row, bool by_record, char *buf,
		uint64_t n, struct best *b)
{
	uint64_t pg = mb_sys_page(), i;
	uint64_t bytes = n * pg, va = (uint64_t)(uintptr_t)buf;
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int cfd, ret = 0, err = 0, dev_fd = -1;
	int64_t avail0, avail1;
	struct probe p;

	cfd = rte_vfio_container_create();
	if (cfd < 0 || rte_vfio_container_group_bind(cfd, c->group) < 0) {
		row_failed(row, bytes, pg, n, rte_errno, "container");
		goto fail;
	}
	if (mb_port_teardown_needs_device() &&
			rte_vfio_setup_device(c->devices, c->bdf, &dev_fd, &info) != 0) {
		row_failed(row, bytes, pg, n, rte_errno, "device setup");
		goto fail;
	}
	/* a new container: every entry is free (DPDK 22.11 cannot be asked
	 * before its device is set up) */
	avail0 = mb_dma_limit();
	if (mb_port_map_paged(cfd, va, va, bytes, pg) != 0) {
		row_failed(row, bytes, pg, n, rte_errno, "maps");
		goto fail;
	}
	avail1 = mb_dma_avail(cfd);
	probe_start(&p, -1);
	/* the container is gone after: what it held is what was given back */
	if (avail0 >= 0 && avail1 >= 0)
		p.entries = avail1 - avail0;
	for (i = 0; by_record && i < n && ret == 0; i++)
		ret = rte_vfio_container_dma_unmap(cfd, va + i * pg, va + i * pg, pg);
	if (ret == 0 && dev_fd >= 0) {
		ret = rte_vfio_release_device(c->devices, c->bdf, dev_fd);
		dev_fd = -1;
	}
	if (ret == 0)
		ret = rte_vfio_container_destroy(cfd);
	err = rte_errno;
	if (ret == 0)
		cfd = -1;
	/* a warm-up (b NULL) reports only a failure */
	if (b != NULL)
		probe_end(&p, b, row, bytes, pg, n, ret, err);
	if (ret == 0)
		return 0;
	if (b == NULL)
		row_failed(row, bytes, pg, n, err != 0 ? err : EIO, "warm-up");
fail:
	if (dev_fd >= 0)
		rte_vfio_release_device(c->devices, c->bdf, dev_fd);
	if (cfd >= 0)
		rte_vfio_container_destroy(cfd);
	return -1;
}

/*
 * The untimed warm-up teardown before the timed one (group_static() says
 * why): as many maps as a few record-set node chunks, the same kind of
 * teardown, except in DPDK 22.11, where it unmaps its maps one by one (a
 * destroyed container's records would be replayed into the timed one).
 */
#define WARM_PAGES 256u

static void
group_teardown(struct ctx *c, bool by_record)
{
	const char *row = by_record ? "teardown_rec" : "teardown_all";
	uint64_t pg = mb_sys_page(), bytes = c->o->teardown_pages * pg;
	struct best b = { .have = false };
	unsigned int k;
	char *buf;

	if (eal_start(c, false) < 0) {
		row_failed(row, bytes, pg, c->o->teardown_pages, EIO, "EAL");
		return;
	}
	buf = anon_touched(bytes);
	if (buf == NULL) {
		row_failed(row, bytes, pg, c->o->teardown_pages, ENOMEM, "mmap");
	} else {
		if (c->o->cold || teardown_once(c, row, by_record ||
				mb_port_teardown_needs_device(), buf,
				RTE_MIN(WARM_PAGES, c->o->teardown_pages), NULL) == 0)
			for (k = 0; k < c->o->repeat; k++)
				if (teardown_once(c, row, by_record, buf,
						c->o->teardown_pages, &b) < 0)
					break;
		best_print(&b);
		munmap(buf, bytes);
	}
	rte_eal_cleanup();
}

/*
 * fresh: each repetition in a process of its own. DPDK 22.11 keeps a
 * destroyed container's user-map records and replays them (merged into one
 * kernel mapping) into the next container created in the same slot, so a
 * second teardown in one process would not tear down what the first did.
 */
static const struct {
	const char *name;
	void (*fn)(struct ctx *c);
	bool fresh;
} groups[] = {
	{ "heap", group_heap, false },
	{ "static", group_static, true },
	{ "user", group_user, false },
	{ "teardown", NULL, true },
	{ "teardown_rec", NULL, true },
};

static bool
group_selected(const struct mb_opts *o, const char *name)
{
	const char *s = o->groups;
	size_t len = strlen(name);

	if (s == NULL)
		return true;
	while (*s != '\0') {
		if (strncmp(s, name, len) == 0 && (s[len] == ',' || s[len] == '\0'))
			return true;
		s = strchr(s, ',');
		if (s == NULL)
			break;
		s++;
	}
	return false;
}

bool
mb_row_selected(const struct mb_opts *o, const char *row)
{
	static const struct {
		const char *prefix;
		const char *group;
	} map[] = {
		{ "heap_", "heap" }, { "static_", "static" }, { "ext_", "user" },
		{ "user_", "user" }, { "paged_", "user" },
		{ "teardown_all", "teardown" }, { "teardown_rec", "teardown_rec" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(map); i++)
		if (strncmp(row, map[i].prefix, strlen(map[i].prefix)) == 0)
			return group_selected(o, map[i].group);
	return false;
}

static void
run_child(const struct mb_opts *o, unsigned int g)
{
	struct ctx c = { .o = o, .dev_fd = -1 };

	if (groups[g].fn != NULL)
		groups[g].fn(&c);
	else
		group_teardown(&c, strcmp(groups[g].name, "teardown_rec") == 0);
	fflush(NULL);
}

static int
run_forked(const struct mb_opts *o, unsigned int g)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("map-bench: fork");
		return -1;
	}
	if (pid == 0) {
		run_child(o, g);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "map-bench: group %s ended abnormally (status 0x%x)\n",
			groups[g].name, status);
		return -1;
	}
	return 0;
}

int
mb_run_groups(const struct mb_opts *o)
{
	unsigned int g;
	int ret = 0;

	for (g = 0; g < RTE_DIM(groups); g++) {
		struct mb_opts one = *o;
		unsigned int k, runs = 1;

		if (!group_selected(o, groups[g].name))
			continue;
		/* the reader takes the median of rows repeated across processes */
		if (groups[g].fresh) {
			runs = o->repeat;
			one.repeat = 1;
		}
		for (k = 0; k < runs; k++)
			if (run_forked(&one, g) < 0)
				ret = -1;
	}
	return ret;
}
