/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's VFIO device cdevs (/dev/vfio/devices/vfioN, Linux 6.12):
 * VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT and
 * VFIO_DEVICE_DETACH_IOMMUFD_PT against the iommufd contexts and IOAS
 * objects of vfio_model_iommufd.c, VFIO_DEVICE_FEATURE (the dma-buf
 * export of 6.19: vfio_model_dmabuf.c); every other ioctl of a bound cdev
 * is a device ioctl. A cdev fd may be dup'ed (the EAL hands out a
 * device's fd so): the device closes with its last fd. What the kernel does and the model follows: the group
 * path and the cdev path exclude each other (a bind while the group node
 * is open is EBUSY); a device is bound once, through one cdev fd; the
 * first attach to an IOAS pins its areas, the last detach unpins them;
 * an attach whose device reserves a range holding an area is EADDRINUSE.
 * Called with model.lock held; functions return >= 0 or a negative errno.
 */

#include <errno.h>
#include <string.h>
#include <linux/vfio.h>

#include <rte_common.h>

#include "vfio_iommufd_uapi.h"
#include "vfio_model_iommufd.h"

struct model_cdev model_cdevs[MODEL_MAX_CDEVS];

static int
cdev_new(struct model_group *g, unsigned int d, void **obj)
{
	unsigned int j;

	for (j = 0; j < MODEL_MAX_CDEVS && model_cdevs[j].used; j++)
		;
	if (j == MODEL_MAX_CDEVS)
		return -EMFILE;
	memset(&model_cdevs[j], 0, sizeof(model_cdevs[j]));
	model_cdevs[j].used = true;
	model_cdevs[j].refs = 1;
	model_cdevs[j].g = g;
	model_cdevs[j].dev = d;
	*obj = &model_cdevs[j];
	return 0;
}

int
model_cdev_open(int num, void **obj)
{
	unsigned int i, d;

	for (i = 0; i < MODEL_MAX_GROUPS; i++) {
		struct model_group *g = &model.groups[i];

		if (!g->present)
			continue;
		for (d = 0; d < g->n_devices; d++) {
			if (g->cdev[d] != num)
				continue;
			return cdev_new(g, d, obj);
		}
	}
	return -ENOENT;
}

static void
cdev_detach(struct model_cdev *cd)
{
	struct model_ioas *ioas = cd->pt;

	if (ioas == NULL)
		return;
	cd->pt = NULL;
	/* the last domain gone: the pages are unpinned, the areas stay */
	if (--ioas->n_attached == 0)
		model_ioas_unpin(ioas);
}

void
model_cdev_ref(void *obj)
{
	((struct model_cdev *)obj)->refs++;
}

void
model_cdev_close(void *obj)
{
	struct model_cdev *cd = obj;
	struct model_iommufd *ictx = cd->ictx;

	/* a dup'ed fd: the device stays open until its last fd closes */
	if (--cd->refs > 0)
		return;
	cdev_detach(cd);
	/* the device is closed: VFIO revokes its dma-bufs for good */
	model_dmabuf_device_closed(cd->g, cd->dev);
	memset(cd, 0, sizeof(*cd));
	if (ictx != NULL) {
		ictx->users--;
		model_iommufd_put(ictx);
	}
}

bool
model_group_cdev_bound(const struct model_group *g)
{
	unsigned int i;

	for (i = 0; i < MODEL_MAX_CDEVS; i++)
		if (model_cdevs[i].used && model_cdevs[i].g == g && model_cdevs[i].ictx != NULL)
			return true;
	return false;
}

static bool
device_bound_elsewhere(const struct model_cdev *cd)
{
	unsigned int i;

	for (i = 0; i < MODEL_MAX_CDEVS; i++)
		if (&model_cdevs[i] != cd && model_cdevs[i].used && model_cdevs[i].g == cd->g &&
				model_cdevs[i].dev == cd->dev && model_cdevs[i].ictx != NULL)
			return true;
	return false;
}

/*
 * The frame of the cdev's own ioctls: argsz, then flags, none of which the
 * kernel defines (EINVAL otherwise, as a short argsz).
 */
static int
cdev_cmd_in(void *cmd, size_t size, const void *arg)
{
	uint32_t flags;
	int ret;

	ret = model_vfio_cmd_in(cmd, size, size, arg);
	if (ret < 0)
		return ret;
	memcpy(&flags, (const char *)cmd + sizeof(uint32_t), sizeof(flags));
	return flags != 0 ? -EINVAL : 0;
}

static int
cdev_bind(struct model_cdev *cd, void *arg)
{
	struct mv_vfio_device_bind_iommufd bind;
	void *obj;
	int kind, ret;

	ret = cdev_cmd_in(&bind, sizeof(bind), arg);
	if (ret < 0)
		return ret;
	/* a negative fd is EINVAL before any lookup (Linux 6.12, seen in the VM) */
	if (bind.iommufd < 0)
		return -EINVAL;
	/* the group path and the cdev path exclude each other */
	if (cd->g->file_open)
		return -EBUSY;
	/* one bind per device, through one cdev fd */
	if (cd->ictx != NULL || device_bound_elsewhere(cd))
		return -EINVAL;
	kind = model_fd_object(bind.iommufd, &obj);
	if (kind < 0)
		return -EBADF;
	if (kind != MODEL_FD_IOMMUFD)
		return -EBADFD;
	cd->devid = model_iommufd_alloc_id(obj);
	cd->ictx = obj;
	cd->ictx->users++;
	bind.out_devid = cd->devid;
	return model_copy_to_user(arg, &bind, sizeof(bind)) < 0 ? -EFAULT : 0;
}

/* Attach (or replace): the IOAS's areas must fit the device's ranges. */
static int
cdev_attach(void *obj, void *arg)
{
	struct model_cdev *cd = obj;
	struct mv_vfio_device_attach_iommufd_pt at;
	struct model_ioas *ioas;
	size_t i;
	int ret;

	ret = cdev_cmd_in(&at, sizeof(at), arg);
	if (ret < 0)
		return ret;
	ioas = model_ioas_get(cd->ictx, at.pt_id);
	if (ioas == NULL)
		return model_iommufd_is_devid(cd->ictx, at.pt_id) ? -EINVAL : -ENOENT;
	if (ioas == cd->pt)
		return 0;
	/* the device's reserved regions must not hold an area */
	for (i = 0; i < ioas->areas.n; i++)
		if (!model_ioas_in_ranges(ioas, cd->g, ioas->areas.v[i].iova,
				model_dma_last(&ioas->areas.v[i])))
			return -EADDRINUSE;
	/* the first domain fills: every area is pinned now */
	if (ioas->n_attached == 0) {
		for (i = 0; i < ioas->areas.n; i++) {
			/* a dma-buf's BAR range has no pages to pin */
			if (ioas->areas.v[i].dmabuf)
				continue;
			ret = model_ioas_pin_area(&ioas->areas.v[i]);
			if (ret < 0) {
				model_ioas_unpin(ioas);
				return ret;
			}
			if (!model.cap_ipc_lock) {
				ioas->areas.v[i].accounted = true;
				model.iommufd_pinned += ioas->areas.v[i].size;
			}
		}
	}
	cdev_detach(cd);
	cd->pt = ioas;
	ioas->n_attached++;
	return model_copy_to_user(arg, &at, sizeof(at)) < 0 ? -EFAULT : 0;
}

static int
cdev_detach_ioctl(void *obj, void *arg)
{
	struct mv_vfio_device_detach_iommufd_pt dt;
	int ret;

	ret = cdev_cmd_in(&dt, sizeof(dt), arg);
	if (ret == 0)
		cdev_detach(obj);
	return ret;
}

static int
cdev_feature(void *obj, void *arg)
{
	const struct model_cdev *cd = obj;

	return model_cdev_feature(cd->g, cd->dev, arg);
}

/* What a bound cdev answers besides the device ioctls */
static const struct model_ioctl_op cdev_ops[] = {
	{ MV_VFIO_DEVICE_ATTACH_IOMMUFD_PT, cdev_attach },
	{ MV_VFIO_DEVICE_DETACH_IOMMUFD_PT, cdev_detach_ioctl },
	{ VFIO_DEVICE_FEATURE, cdev_feature },
};

int
model_cdev_ioctl(void *obj, unsigned long request, void *arg)
{
	struct model_cdev *cd = obj;
	const struct model_ioctl_op *op;

	if (request == MV_VFIO_DEVICE_BIND_IOMMUFD)
		return cdev_bind(cd, arg);
	/* nothing else before the device is bound */
	if (cd->ictx == NULL)
		return -EINVAL;
	op = model_ioctl_find(cdev_ops, RTE_DIM(cdev_ops), request);
	return op != NULL ? op->fn(cd, arg) : model_device_ioctl(request, arg);
}
