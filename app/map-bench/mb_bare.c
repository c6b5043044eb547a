/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The floors: the same memory mapped with bare VFIO ioctls on a raw
 * container (no EAL, no records, no checks), through the same kernel
 * boundary as the EAL (vfio_backend(): the kernel, or the model).
 *
 * For each row three variants are timed:
 *   bare   the kernel calls this project's EAL issues for the row, with
 *          the same units (e.g. one MAP_DMA per heap page; one UNMAP_DMA
 *          covering all the pages of a heap shrink): the floor for our
 *          mapping path;
 *   floor  the whole range as one mapping, mapped or unmapped in one call:
 *          the absolute floor;
 *   pages  one call per page of the memory (DPDK's unit).
 *
 * With --iommufd the same variants run a second time on native iommufd
 * (src fd_bare, fd_floor, fd_pages): an IOAS on /dev/iommu with the
 * device's cdev bound and attached, IOMMU_IOAS_MAP at the fixed IOVA and
 * IOMMU_IOAS_UNMAP in the same units; a group's bind is the cdev's
 * open, BIND_IOMMUFD, ATTACH_IOMMUFD_PT and IOAS_IOVA_RANGES, its unbind
 * DETACH_IOMMUFD_PT and the cdev's close, a container's destroy the close
 * of the iommufd (which frees the IOAS with what is still mapped in it).
 */

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_common.h>

#include "eal_sysfs_lookup.h"     /* no EAL state: the baseline may use it */
#include "mb_bare.h"
#include "vfio_backend.h"
#include "vfio_iommufd_uapi.h"

#define HUGE_2M (2ULL * MB_MIB)

struct bare {
	const struct vfio_backend *be;
	int cont;           /* type1 container, or the iommufd */
	int grp;            /* the group, or the device cdev (iommufd) */
	bool fd;            /* native iommufd instead of type1 */
	uint32_t ioas;      /* the IOAS the device is attached to (iommufd) */
	int group;          /* the IOMMU group (type1) */
	char bdf[64];
	char node[PATH_MAX]; /* the device's cdev (iommufd) */
};

bool mb_bare_iommufd;

enum bare_kind { BARE_MAP, BARE_UNMAP };

/*
 * The memory of a row is of the kind our EAL maps there: fresh hugepages
 * for heap growth (the pin faults them in, as the heap's allocation does),
 * touched shared system pages (memfd) for --no-huge static memory, touched
 * anonymous memory for what the application brings (external, user).
 * The kind matters: pinning 4 KiB shmem pages costs more than pinning
 * anonymous memory that transparent hugepages back.
 */
enum bare_mem { MEM_HEAP, MEM_SHMEM, MEM_ANON };

/* One row: what this project's EAL does for it, in kernel terms. */
struct bare_spec {
	const char *row;
	enum bare_kind kind;
	enum bare_mem mem;
	uint64_t len;
	uint64_t pg;        /* page of the memory: the "pages" variant's unit */
	uint64_t map_unit;  /* one kernel mapping per map_unit */
	uint64_t call_unit; /* an unmap call covers call_unit bytes; 0: UNMAP_ALL */
	unsigned int steps; /* kernel work around the maps, as our EAL does it */
};

/* steps: the group joins the container (SET_CONTAINER, SET_IOMMU, GET_INFO)
 * before the maps; the device is opened after; the group leaves after the
 * unmaps (container destroy). */
#define STEP_ATTACH 1u
#define STEP_DEVICE 2u
#define STEP_DETACH 4u
/* call_unit of the teardown floor: no unmap, the detach drops everything */
#define CALL_NONE UINT64_MAX

static int
bmap(struct bare *b, uint64_t va, uint64_t len)
{
	struct mv_iommu_ioas_map fm = {
		.size = sizeof(fm),
		.flags = MV_IOMMU_IOAS_MAP_FIXED_IOVA | MV_IOMMU_IOAS_MAP_READABLE |
			MV_IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = b->ioas,
		.user_va = va,
		.length = len,
		.iova = va,
	};
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = va,
		.iova = va,
		.size = len,
	};

	if (b->fd)
		return b->be->ioctl(b->cont, MV_IOMMU_IOAS_MAP, &fm);
	return b->be->ioctl(b->cont, VFIO_IOMMU_MAP_DMA, &m);
}

static int
bunmap(struct bare *b, uint64_t iova, uint64_t len, bool all)
{
	/* iommufd has no flag for "all": the whole IOVA space is asked for */
	struct mv_iommu_ioas_unmap fu = {
		.size = sizeof(fu),
		.ioas_id = b->ioas,
		.iova = all ? 0 : iova,
		.length = all ? UINT64_MAX : len,
	};
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.flags = all ? VFIO_DMA_UNMAP_FLAG_ALL : 0,
		.iova = all ? 0 : iova,
		.size = all ? 0 : len,
	};

	if (b->fd)
		return b->be->ioctl(b->cont, MV_IOMMU_IOAS_UNMAP, &fu);
	return b->be->ioctl(b->cont, VFIO_IOMMU_UNMAP_DMA, &u);
}

/* A new iommufd with an IOAS (what a container is on iommufd). */
static int
fd_open_ioas(struct bare *b)
{
	struct mv_iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	b->cont = b->be->open("/dev/iommu", O_RDWR);
	if (b->cont < 0 || b->be->ioctl(b->cont, MV_IOMMU_IOAS_ALLOC, &alloc) < 0)
		return -1;
	b->ioas = alloc.out_ioas_id;
	return 0;
}

/*
 * The device joins the IOAS as our EAL's bind does it in cdev mode: its
 * cdev opened, bound to the iommufd, attached to the IOAS, and the IOAS's
 * ranges read (the count, then the ranges).
 */
static int
fd_attach(struct bare *b)
{
	struct mv_vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct mv_vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct mv_iommu_iova_range r[16];
	struct mv_iommu_ioas_iova_ranges q = { .size = sizeof(q) };

	if (b->cont < 0 && fd_open_ioas(b) < 0)
		return -1;
	b->grp = b->be->open(b->node, O_RDWR);
	if (b->grp < 0)
		return -1;
	bind.iommufd = b->cont;
	if (b->be->ioctl(b->grp, MV_VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0)
		return -1;
	at.pt_id = b->ioas;
	if (b->be->ioctl(b->grp, MV_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) < 0)
		return -1;
	q.ioas_id = b->ioas;
	if (b->be->ioctl(b->cont, MV_IOMMU_IOAS_IOVA_RANGES, &q) == 0 ||
			errno != EMSGSIZE || q.num_iovas > RTE_DIM(r))
		return 0;
	q.allowed_iovas = (uintptr_t)r;
	return b->be->ioctl(b->cont, MV_IOMMU_IOAS_IOVA_RANGES, &q);
}

/*
 * The group joins the container as our EAL's bind does it: the group
 * opened (when it left) and its status read, SET_CONTAINER, SET_IOMMU,
 * GET_INFO. A destroyed container is opened again first (a container's
 * creation is no row: it happens before the timing).
 */
static int
attach(struct bare *b)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];

	if (b->fd)
		return fd_attach(b);
	if (b->cont < 0) {
		b->cont = b->be->open("/dev/vfio/vfio", O_RDWR);
		if (b->cont < 0)
			return -1;
	}
	if (b->grp < 0) {
		snprintf(path, sizeof(path), "/dev/vfio/%d", b->group);
		b->grp = b->be->open(path, O_RDWR);
		if (b->grp < 0)
			return -1;
		if (b->be->ioctl(b->grp, VFIO_GROUP_GET_STATUS, &st) < 0)
			return -1;
		if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
			errno = EPERM;
			return -1;
		}
	}
	if (b->be->ioctl(b->grp, VFIO_GROUP_SET_CONTAINER, &b->cont) < 0 ||
			b->be->ioctl(b->cont, VFIO_SET_IOMMU,
				(void *)(uintptr_t)VFIO_TYPE1v2_IOMMU) < 0)
		return -1;
	return b->be->ioctl(b->cont, VFIO_IOMMU_GET_INFO, &info);
}

/*
 * The group leaves and is closed (as our EAL's unbind); destroy: the
 * container is closed too (a container's destroy). iommufd: the device is
 * detached and its cdev closed (that unbinds it); destroy closes the
 * iommufd, which frees the IOAS and whatever is still mapped in it.
 */
static int
detach(struct bare *b, bool destroy)
{
	struct mv_vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };
	int ret;

	if (b->fd)
		ret = b->be->ioctl(b->grp, MV_VFIO_DEVICE_DETACH_IOMMUFD_PT, &det);
	else
		ret = b->be->ioctl(b->grp, VFIO_GROUP_UNSET_CONTAINER, NULL);
	b->be->close(b->grp);
	b->grp = -1;
	if (destroy) {
		b->be->close(b->cont);
		b->cont = -1;
	}
	return ret;
}

/* Open the device and read its info, as rte_vfio_setup_device() does
 * (on iommufd the EAL hands out a duplicate of the bound cdev). */
static int
device_open(struct bare *b)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int fd;

	if (b->fd)
		fd = fcntl(b->grp, F_DUPFD_CLOEXEC, 0);
	else
		fd = b->be->ioctl(b->grp, VFIO_GROUP_GET_DEVICE_FD, b->bdf);
	if (fd < 0)
		return -1;
	if (b->be->ioctl(fd, VFIO_DEVICE_GET_INFO, &info) < 0) {
		b->be->close(fd);
		return -1;
	}
	return fd;
}

/* Map [va, va + len) in mappings of unit bytes; calls counted. */
static int
map_units(struct bare *b, uint64_t va, uint64_t len, uint64_t unit, uint64_t *calls)
{
	uint64_t off;

	for (off = 0; off < len; off += unit) {
		(*calls)++;
		if (bmap(b, va + off, unit) < 0)
			return -1;
	}
	return 0;
}

static int
unmap_units(struct bare *b, uint64_t va, uint64_t len, uint64_t unit,
		uint64_t *calls)
{
	uint64_t off;

	if (unit == CALL_NONE)
		return 0;
	if (unit == 0) {
		(*calls)++;
		return bunmap(b, 0, 0, true);
	}
	for (off = 0; off < len; off += unit) {
		(*calls)++;
		if (bunmap(b, va + off, unit, false) < 0)
			return -1;
	}
	return 0;
}

static void *
memory(const struct bare_spec *s, bool model)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, fd = -1;
	uint64_t off;
	char *p;

	if (s->mem == MEM_HEAP && !model)
		flags |= MAP_HUGETLB;
	if (s->mem == MEM_SHMEM) {
		fd = memfd_create("map-bench", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)s->len) < 0) {
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		flags = MAP_SHARED;
	}
	p = mmap(NULL, s->len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return NULL;
	/* heap pages are fresh, as the heap's new pages; the rest was
	 * touched by its owner before it is mapped */
	if (s->mem != MEM_HEAP)
		for (off = 0; off < s->len; off += s->pg)
			p[off] = 1;
	return p;
}

/* Time one variant once; units = mapping size, calls = unmap call size. */
static void
variant_once(struct bare *b, const struct bare_spec *s, struct mb_row *r,
		uint64_t map_unit, uint64_t call_unit, bool model)
{
	uint64_t calls = 0, dummy = 0, va, kc0, kt0;
	bool detached = false;
	int64_t a0, a1;
	int ret, dev = -1;
	double t0, t1;
	void *p;

	r->units = s->len / map_unit;
	r->calls = r->entries = r->kcalls = MB_UNKNOWN;
	r->ksecs = -1;
	p = memory(s, model);
	if (p == NULL) {
		r->err = errno;
		return;
	}
	va = (uint64_t)(uintptr_t)p;
	errno = 0;
	if (s->kind == BARE_UNMAP && map_units(b, va, s->len, map_unit, &dummy) < 0)
		goto fail;
	if ((s->steps & STEP_ATTACH) && detach(b, false) < 0)
		goto fail;
	detached = (s->steps & STEP_ATTACH) != 0;
	a0 = detached || b->fd ? mb_dma_limit() : mb_dma_avail(b->cont);
	kc0 = mb_kernel_calls();
	kt0 = mb_kernel_ticks();
	t0 = mb_now();
	ret = 0;
	if (s->steps & STEP_ATTACH) {
		ret = attach(b);
		detached = ret < 0;
	}
	if (ret == 0 && s->kind == BARE_MAP)
		ret = map_units(b, va, s->len, map_unit, &calls);
	else if (ret == 0)
		ret = unmap_units(b, va, s->len, call_unit, &calls);
	if (ret == 0 && (s->steps & STEP_DEVICE)) {
		dev = device_open(b);
		ret = dev < 0 ? -1 : 0;
	}
	if (ret == 0 && (s->steps & STEP_DETACH)) {
		ret = detach(b, true);
		detached = true;
	}
	t1 = mb_now();
	if (mb_port_kernel_timed()) {
		r->ksecs = mb_ticks_secs(mb_kernel_ticks() - kt0);
		r->kcalls = (int64_t)(mb_kernel_calls() - kc0);
	} else {
		r->ksecs = -1;
		r->kcalls = MB_UNKNOWN;
	}
	if (ret < 0)
		goto fail;
	a1 = detached ? mb_dma_limit() : mb_dma_avail(b->cont);
	r->secs = t1 - t0;
	r->calls = (int64_t)calls;
	r->entries = a0 >= 0 && a1 >= 0 ? a0 - a1 : MB_UNKNOWN;
	r->err = 0;
	goto out;
fail:
	r->err = errno != 0 ? errno : EIO;
out:
	if (dev >= 0)
		b->be->close(dev);
	if (detached && attach(b) < 0)
		fprintf(stderr, "map-bench: bare: cannot attach the group again: %s\n",
			strerror(errno));
	bunmap(b, 0, 0, true);
	munmap(p, s->len);
}

/* The median of `repeat` runs of a variant; a failure is reported as such. */
static void
variant(struct bare *b, const struct bare_spec *s, const char *src,
		uint64_t map_unit, uint64_t call_unit, bool model, unsigned int repeat)
{
	static struct mb_samples runs;
	struct mb_row r;
	unsigned int k;

	memset(&r, 0, sizeof(r));
	snprintf(r.src, sizeof(r.src), "%s%s", b->fd ? "fd_" : "", src);
	snprintf(r.row, sizeof(r.row), "%s", s->row);
	r.bytes = s->len;
	r.pgsz = s->pg;
	r.ksecs = -1;
	r.kcalls = MB_UNKNOWN;
	runs.n = 0;
	for (k = 0; k < repeat; k++) {
		variant_once(b, s, &r, map_unit, call_unit, model);
		mb_samples_add(&runs, &r);
		if (r.err != 0)
			break;
	}
	mb_row_print(stdout, mb_samples_median(&runs));
}

static int
bare_open(struct bare *b, int group)
{
	b->be = vfio_backend();
	b->group = group;
	return attach(b);
}

/* An IOAS with the device bound and attached: what our EAL sets up in
 * cdev mode before it maps anything. */
static int
bare_open_fd(struct bare *b)
{
	b->be = vfio_backend();
	b->fd = true;
	if (eal_sysfs_vfio_cdev(mb_port_sysfs(), b->bdf, b->node, sizeof(b->node)) < 0)
		return -1;
	return fd_attach(b);
}

static void
bare_run(const struct mb_opts *o, bool model)
{
	uint64_t sp = mb_sys_page(), hp = model ? sp : HUGE_2M;
	uint64_t heap = o->heap_pages * hp;
	uint64_t st = (uint64_t)o->static_mb * MB_MIB;
	uint64_t ext = (uint64_t)o->ext_mb * MB_MIB;
	uint64_t user = (uint64_t)o->user_mb * MB_MIB;
	uint64_t paged = (uint64_t)o->paged_pages * sp;
	uint64_t td = (uint64_t)o->teardown_pages * sp;
	const struct bare_spec specs[] = {
		{ "heap_grow", BARE_MAP, MEM_HEAP, heap, hp, hp, 0, 0 },
		{ "heap_shrink", BARE_UNMAP, MEM_HEAP, heap, hp, hp, heap, 0 },
		{ "static_setup", BARE_MAP, MEM_SHMEM, st, sp, st, 0, STEP_ATTACH | STEP_DEVICE },
		{ "static_rebind", BARE_MAP, MEM_SHMEM, st, sp, st, 0, STEP_ATTACH },
		{ "ext_add", BARE_MAP, MEM_ANON, ext, sp, ext, 0, 0 },
		{ "ext_remove", BARE_UNMAP, MEM_ANON, ext, sp, ext, ext, 0 },
		{ "user_map", BARE_MAP, MEM_ANON, user, sp, user, 0, 0 },
		{ "user_unmap", BARE_UNMAP, MEM_ANON, user, sp, user, user, 0 },
		{ "paged_map", BARE_MAP, MEM_ANON, paged, sp, sp, 0, 0 },
		{ "paged_unmap", BARE_UNMAP, MEM_ANON, paged, sp, sp, paged, 0 },
		{ "teardown_all", BARE_UNMAP, MEM_ANON, td, sp, sp, 0, STEP_DETACH },
		{ "teardown_rec", BARE_UNMAP, MEM_ANON, td, sp, sp, sp, STEP_DETACH },
	};
	struct bare b = { .be = vfio_backend(), .cont = -1, .grp = -1 };
	unsigned int i;
	int group;

	if (mb_find_device(mb_port_sysfs(), o->device, b.bdf, sizeof(b.bdf), &group) < 0 ||
			(mb_bare_iommufd ? bare_open_fd(&b) : bare_open(&b, group)) < 0) {
		fprintf(stderr, "map-bench: bare: cannot set up a raw %s with the device: %s\n",
			mb_bare_iommufd ? "IOAS" : "container", strerror(errno));
		if (b.grp >= 0)
			b.be->close(b.grp);
		if (b.cont >= 0)
			b.be->close(b.cont);
		return;
	}
	for (i = 0; i < RTE_DIM(specs); i++) {
		const struct bare_spec *s = &specs[i];
		/* teardown's floor: the group leaves with every mapping in
		 * place and the kernel drops them (what DPDK's teardown does) */
		uint64_t floor_call = s->steps & STEP_DETACH ? CALL_NONE : s->len;
		uint64_t floor_map = s->steps & STEP_DETACH ? s->pg : s->len;

		if (!mb_row_selected(o, s->row))
			continue;
		variant(&b, s, "bare", s->map_unit, s->call_unit, model, o->repeat);
		variant(&b, s, "floor", floor_map, floor_call, model, o->repeat);
		/* one pass: a long loop, the reference for per-page mapping */
		variant(&b, s, "pages", s->pg, s->pg, model, 1);
	}
	if (b.grp >= 0)
		detach(&b, true);
	else if (b.cont >= 0)
		b.be->close(b.cont);
}

int
mb_bare_run(const struct mb_opts *o, bool model)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (mb_port_prepare(o) == 0)
			bare_run(o, model);
		fflush(NULL);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
