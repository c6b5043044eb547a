/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd backend of the IOMMU seam (vfio_iommu.h): a container is an
 * I/O address space (IOAS) in an iommufd (/dev/iommu), and the devices of
 * a group are VFIO device cdevs (/dev/vfio/devices/vfioN) bound to that
 * iommufd and attached to the IOAS. The records, the checks before each
 * kernel call, the rollback and the counters above the seam are the same
 * as for type1; what differs is said where it matters:
 * - the valid IOVA ranges come from IOMMU_IOAS_IOVA_RANGES (reserved
 *   windows such as the x86 MSI window are holes, as with type1's
 *   capability), the smallest unit from its alignment; iommufd reports no
 *   page-size bitmap and has no DMA entry limit;
 * - every unit is mapped with IOMMU_IOAS_MAP at its fixed IOVA, and an
 *   unmap must cover whole areas (iommufd refuses to cut one: ENOENT),
 *   which is the EAL's rule for type1 v2 too;
 * - no group node is opened: the kernel refuses to bind a cdev while its
 *   group's /dev/vfio/<n> is open (EBUSY). A "group" of this backend is a
 *   handle (above any fd number) for the cdevs of the group's devices.
 *
 * Each call goes through the syscall layer (vfio_backend.h). The
 * operations run with the VFIO lock held (vfio_container.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_iommu.h"
#include "vfio_iommufd.h"
#include "vfio_iommufd_uapi.h"
#include "vfio_private.h"

/* Group handles start here, above every fd number a process can have. */
#define CDEV_HANDLE_BASE (1 << 24)
#define CDEV_MAX_PER_GROUP 8

struct cdev_dev {
	char bdf[32];
	char node[64];          /* /dev/vfio/devices/vfioN */
	int fd;
	int bound_iommufd;      /* the iommufd it is bound to, -1: none */
	uint32_t devid;
	bool attached;
};

struct cdev_group {
	bool used;
	int num;
	unsigned int n;
	struct cdev_dev dev[CDEV_MAX_PER_GROUP];
};

static struct cdev_group cgroups[RTE_MAX_VFIO_GROUPS];

static struct cdev_group *
handle_group(int handle)
{
	unsigned int i = (unsigned int)(handle - CDEV_HANDLE_BASE);

	if (handle < CDEV_HANDLE_BASE || i >= RTE_DIM(cgroups) ||
			!cgroups[i].used) {
		errno = EBADF;
		return NULL;
	}
	return &cgroups[i];
}

/* An ioctl on the container's iommufd: the VFIO lock orders them. */
static int
ioas_ioctl(struct vfio_container *cont, unsigned long request, void *arg)
{
	vfio_assert_locked();
	return vfio_backend()->ioctl(cont->fd, request, arg);
}

/* An ioctl on the iommufd other than MAP/UNMAP, counted in its stats. */
static int
fd_ioctl(struct vfio_container *cont, unsigned long request, void *arg)
{
	cont->stats.other_calls++;
	return ioas_ioctl(cont, request, arg);
}

/* Every map of the EAL: at the IOVA it chose, readable and writable. */
#define IOAS_MAP_FLAGS (MV_IOMMU_IOAS_MAP_FIXED_IOVA | \
	MV_IOMMU_IOAS_MAP_READABLE | MV_IOMMU_IOAS_MAP_WRITEABLE)

int
vfio_iommufd_cdev_name(const char *bdf, char *node, size_t len)
{
	return eal_sysfs_vfio_cdev(eal_sysfs_root(), bdf, node, len);
}

static int
iommufd_open(struct vfio_container *cont)
{
	const struct vfio_backend *be = vfio_backend();
	struct mv_iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int fd, err;

	fd = be->open(VFIO_IOMMUFD_PATH, O_RDWR);
	if (fd < 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: cannot open %s: %s%s", VFIO_IOMMUFD_PATH,
			strerror(err), err == ENOENT ?
			" (a kernel with CONFIG_IOMMUFD, or --vfio-mode=group)" : "");
		return eal_fail(err);
	}
	cont->fd = fd;
	if (fd_ioctl(cont, MV_IOMMU_IOAS_ALLOC, &alloc) != 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: IOMMU_IOAS_ALLOC on %s failed: %s",
			VFIO_IOMMUFD_PATH, strerror(err));
		be->close(fd);
		cont->fd = -1;
		return eal_fail(err);
	}
	cont->ioas_id = alloc.out_ioas_id;
	/* whole-area unmaps and a fixed IOVA per unit: type1 v2's rules */
	cont->has_v2 = true;
	cont->has_v1 = false;
	cont->has_unmap_all = true;
	return 0;
}

static void
iommufd_close(struct vfio_container *cont)
{
	/* closing the iommufd destroys the IOAS and every mapping in it */
	vfio_backend()->close(cont->fd);
}

static int
iommufd_query_types(struct vfio_container *cont)
{
	cont->has_v2 = true;
	cont->has_v1 = false;
	return 0;
}

static int
iommufd_set_iommu(struct vfio_container *cont, int type)
{
	(void)cont;
	/* the IOAS is the IOMMU; no-IOMMU devices have no cdev path here */
	if (type != RTE_VFIO_TYPE1V2) {
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

static int
iommufd_read_info(struct vfio_container *cont)
{
	struct mv_iommu_ioas_iova_ranges q = {
		.size = sizeof(q),
		.ioas_id = cont->ioas_id,
	};
	struct mv_iommu_iova_range *r = NULL;
	struct vfio_iova_range *out;
	unsigned int tries, i;
	int err;

	/* the count may change between the two calls: ask until it fits */
	for (tries = 0; tries < 4; tries++) {
		q.allowed_iovas = (uintptr_t)r;
		if (fd_ioctl(cont, MV_IOMMU_IOAS_IOVA_RANGES, &q) == 0)
			break;
		err = errno;
		if (err != EMSGSIZE) {
			free(r);
			EAL_LOG(ERR, "VFIO: IOMMU_IOAS_IOVA_RANGES of IOAS %u failed: %s",
				cont->ioas_id, strerror(err));
			return eal_fail(err);
		}
		free(r);
		r = calloc(q.num_iovas, sizeof(*r));
		if (r == NULL) {
			EAL_LOG(ERR, "VFIO: no memory for %u IOVA ranges", q.num_iovas);
			return eal_fail(ENOMEM);
		}
	}
	if (tries == 4) {
		free(r);
		EAL_LOG(ERR, "VFIO: IOMMU_IOAS_IOVA_RANGES of IOAS %u keeps changing its count (EIO)",
			cont->ioas_id);
		return eal_fail(EIO);
	}
	out = q.num_iovas > 0 ? calloc(q.num_iovas, sizeof(*out)) : NULL;
	if (q.num_iovas > 0 && out == NULL) {
		free(r);
		EAL_LOG(ERR, "VFIO: no memory to keep the IOVA ranges of IOAS %u",
			cont->ioas_id);
		return eal_fail(ENOMEM);
	}
	for (i = 0; i < q.num_iovas; i++) {
		out[i].start = r[i].start;
		out[i].end = r[i].last;
	}
	free(r);
	free(cont->ranges);
	cont->ranges = out;
	cont->n_ranges = q.num_iovas;
	/*
	 * iommufd tells the smallest unit (the alignment), not the page
	 * sizes: every power of two from there may be used.
	 */
	if (q.out_iova_alignment == 0 ||
			(q.out_iova_alignment & (q.out_iova_alignment - 1)) != 0)
		q.out_iova_alignment = vfio_system_page_size();
	cont->pgsizes = ~(q.out_iova_alignment - 1);
	/* no DMA entry limit: an IOAS is bounded by locked memory only */
	cont->dma_avail_known = false;
	cont->dma_avail = 0;
	return 0;
}

static int
iommufd_map(struct vfio_container *cont, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct mv_iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOAS_MAP_FLAGS,
		.ioas_id = cont->ioas_id,
		.user_va = vaddr,
		.length = len,
		.iova = iova,
	};

	return ioas_ioctl(cont, MV_IOMMU_IOAS_MAP, &m);
}

/* Device memory: a BAR's dma-buf, by offset (Linux 6.19+). */
static int
iommufd_map_file(struct vfio_container *cont, int fd, uint64_t start,
		uint64_t iova, uint64_t len)
{
	struct mv_iommu_ioas_map_file m = {
		.size = sizeof(m),
		.flags = IOAS_MAP_FLAGS,
		.ioas_id = cont->ioas_id,
		.fd = fd,
		.start = start,
		.length = len,
		.iova = iova,
	};

	return ioas_ioctl(cont, MV_IOMMU_IOAS_MAP_FILE, &m);
}

static int
iommufd_unmap(struct vfio_container *cont, uint64_t iova, uint64_t len,
		uint64_t *unmapped)
{
	struct mv_iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = cont->ioas_id,
		.iova = iova,
		.length = len,
	};
	int ret;

	ret = ioas_ioctl(cont, MV_IOMMU_IOAS_UNMAP, &u);
	if (ret == 0)
		*unmapped = u.length;
	return ret;
}

static int
iommufd_unmap_all(struct vfio_container *cont, uint64_t *unmapped)
{
	/* iova 0, length UINT64_MAX: everything in the IOAS */
	return iommufd_unmap(cont, 0, UINT64_MAX, unmapped);
}

struct open_walk {
	struct cdev_group *g;
	int num;
	int err;
};

static int
open_one(const char *bdf, const char *driver, void *arg)
{
	struct open_walk *w = arg;
	struct cdev_dev *d;

	/* a device on a host driver makes the group not viable; unbound or
	 * claimed by another VFIO driver, it is not opened */
	if (strcmp(driver, "vfio-pci") != 0) {
		if (vfio_group_check_device(w->num, bdf, driver) == 0)
			return 0;
		w->err = EPERM;
		return -1;
	}
	if (w->g->n == RTE_DIM(w->g->dev)) {
		w->err = ENOSPC;
		return -1;
	}
	d = &w->g->dev[w->g->n];
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->bound_iommufd = -1;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	if (vfio_iommufd_cdev_name(bdf, d->node, sizeof(d->node)) < 0) {
		w->err = ENOENT;
		EAL_LOG(ERR, "VFIO: device %s has no VFIO cdev (%s/bus/pci/devices/%s/vfio-dev): a kernel with CONFIG_VFIO_DEVICE_CDEV, or --vfio-mode=group (ENOENT)",
			bdf, eal_sysfs_root(), bdf);
		return -1;
	}
	d->fd = vfio_backend()->open(d->node, O_RDWR);
	if (d->fd < 0) {
		w->err = errno;
		EAL_LOG(ERR, "VFIO: cannot open %s (device %s): %s", d->node, bdf,
			strerror(w->err));
		return -1;
	}
	w->g->n++;
	return 0;
}

static void
close_devs(struct cdev_group *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (g->dev[i].fd >= 0)
			vfio_backend()->close(g->dev[i].fd);
	g->n = 0;
}

static int
iommufd_group_open(int num, int *handle)
{
	struct open_walk w = { .g = NULL, .num = num };
	unsigned int i;

	for (i = 0; i < RTE_DIM(cgroups) && cgroups[i].used; i++)
		;
	if (i == RTE_DIM(cgroups)) {
		EAL_LOG(ERR, "VFIO: IOMMU group %d: all %u cdev group slots are in use (ENOSPC)",
			num, (unsigned int)RTE_DIM(cgroups));
		errno = ENOSPC;
		return -1;
	}
	w.g = &cgroups[i];
	memset(w.g, 0, sizeof(*w.g));
	if (vfio_group_devices_walk(num, open_one, &w) != 0 || w.g->n == 0) {
		close_devs(w.g);
		errno = w.err != 0 ? w.err : ENOENT;
		if (w.err == 0)
			EAL_LOG(ERR, "VFIO: IOMMU group %d has no device bound to vfio-pci (ENOENT)",
				num);
		return -1;
	}
	w.g->num = num;
	w.g->used = true;
	*handle = CDEV_HANDLE_BASE + (int)i;
	return 0;
}

static void
iommufd_group_close(int handle)
{
	struct cdev_group *g = handle_group(handle);

	if (g == NULL)
		return;
	close_devs(g);
	memset(g, 0, sizeof(*g));
}

static int
iommufd_group_status(int handle, bool *viable, bool *in_container)
{
	struct cdev_group *g = handle_group(handle);
	unsigned int i;

	if (g == NULL)
		return -1;
	/* viability was checked in sysfs as the cdevs were opened */
	*viable = true;
	*in_container = false;
	for (i = 0; i < g->n; i++)
		if (g->dev[i].attached)
			*in_container = true;
	return 0;
}

/* Bound to another iommufd: only closing the cdev unbinds it. */
static int
rebind_fresh(struct cdev_dev *d)
{
	int fd = vfio_backend()->open(d->node, O_RDWR);

	if (fd < 0)
		return -1;
	vfio_backend()->close(d->fd);
	d->fd = fd;
	d->bound_iommufd = -1;
	return 0;
}

static int
detach_dev(struct cdev_dev *d)
{
	struct mv_vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };

	if (!d->attached)
		return 0;
	if (vfio_backend()->ioctl(d->fd, MV_VFIO_DEVICE_DETACH_IOMMUFD_PT, &det) != 0)
		return -1;
	d->attached = false;
	return 0;
}

static int
iommufd_attach_group(struct vfio_container *cont, int handle)
{
	struct cdev_group *g = handle_group(handle);
	unsigned int i;
	int err;

	if (g == NULL)
		return -1;
	for (i = 0; i < g->n; i++) {
		struct cdev_dev *d = &g->dev[i];
		struct mv_vfio_device_bind_iommufd bind = {
			.argsz = sizeof(bind),
			.iommufd = cont->fd,
		};
		struct mv_vfio_device_attach_iommufd_pt at = {
			.argsz = sizeof(at),
			.pt_id = cont->ioas_id,
		};

		if (d->bound_iommufd >= 0 && d->bound_iommufd != cont->fd &&
				rebind_fresh(d) < 0)
			goto fail;
		if (d->bound_iommufd < 0) {
			if (vfio_backend()->ioctl(d->fd, MV_VFIO_DEVICE_BIND_IOMMUFD,
					&bind) != 0)
				goto fail;
			d->bound_iommufd = cont->fd;
			d->devid = bind.out_devid;
		}
		if (vfio_backend()->ioctl(d->fd, MV_VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				&at) != 0)
			goto fail;
		d->attached = true;
	}
	return 0;
fail:
	err = errno;
	EAL_LOG(DEBUG, "VFIO: device %s of IOMMU group %d: bind/attach to IOAS %u: %s",
		g->dev[i].bdf, g->num, cont->ioas_id, strerror(err));
	while (i-- > 0)
		detach_dev(&g->dev[i]);
	errno = err;
	return -1;
}

static int
iommufd_detach_group(int handle)
{
	struct cdev_group *g = handle_group(handle);
	unsigned int i;
	int ret = 0, err = 0;

	if (g == NULL)
		return -1;
	for (i = 0; i < g->n; i++)
		if (detach_dev(&g->dev[i]) != 0 && ret == 0) {
			ret = -1;
			err = errno;
		}
	errno = err;
	return ret;
}

static int
iommufd_device_fd(int handle, const char *name)
{
	struct cdev_group *g = handle_group(handle);
	unsigned int i;

	if (g == NULL)
		return -1;
	for (i = 0; i < g->n; i++) {
		if (strcmp(g->dev[i].bdf, name) != 0)
			continue;
		if (!g->dev[i].attached) {
			errno = EINVAL;
			return -1;
		}
		/*
		 * The device's own fd: a duplicate, so that closing it (device
		 * release) leaves the binding to the group's detach and close.
		 */
		return vfio_backend()->dup != NULL ?
			vfio_backend()->dup(g->dev[i].fd) :
			fcntl(g->dev[i].fd, F_DUPFD_CLOEXEC, 0);
	}
	errno = ENODEV;
	return -1;
}

int
vfio_iommufd_probe_ranges(int num, struct vfio_iova_range **ranges,
		unsigned int *n)
{
	struct vfio_container tmp;
	int handle, ret = -1, err;

	vfio_assert_locked();
	memset(&tmp, 0, sizeof(tmp));
	tmp.ops = &vfio_iommu_iommufd_ops;
	if (iommufd_group_open(num, &handle) < 0)
		return eal_fail(errno);
	if (iommufd_open(&tmp) < 0) {
		err = rte_errno;
		iommufd_group_close(handle);
		return eal_fail(err);
	}
	if (iommufd_attach_group(&tmp, handle) < 0) {
		err = errno;
		EAL_LOG(DEBUG, "VFIO: probe of IOMMU group %d: attach to a new IOAS: %s",
			num, strerror(err));
	} else {
		ret = iommufd_read_info(&tmp);
		err = rte_errno;
		iommufd_detach_group(handle);
	}
	/* closing the cdevs unbinds them; closing the iommufd frees the IOAS */
	iommufd_group_close(handle);
	iommufd_close(&tmp);
	if (ret < 0) {
		free(tmp.ranges);
		return eal_fail(err);
	}
	*ranges = tmp.ranges;
	*n = tmp.n_ranges;
	return 0;
}

const struct vfio_iommu_ops vfio_iommu_iommufd_ops = {
	.name = "iommufd",
	.cdev = true,
	.maps_outlive_devices = true,
	.open = iommufd_open,
	.close = iommufd_close,
	.query_types = iommufd_query_types,
	.set_iommu = iommufd_set_iommu,
	.read_info = iommufd_read_info,
	.map = iommufd_map,
	.map_file = iommufd_map_file,
	.unmap = iommufd_unmap,
	.unmap_all = iommufd_unmap_all,
	.group_open = iommufd_group_open,
	.group_close = iommufd_group_close,
	.group_status = iommufd_group_status,
	.attach_group = iommufd_attach_group,
	.detach_group = iommufd_detach_group,
	.device_fd = iommufd_device_fd,
};
