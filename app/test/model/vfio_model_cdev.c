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

static int
cdev_bind(struct model_cdev *cd, void *arg)
{
	struct mv_vfio_device_bind_iommufd bind;
	const size_t minsz = sizeof(bind);
	void *obj;
	int kind;

	if (model_copy_from_user(&bind, arg, minsz) < 0)
		return -EFAULT;
	/* a negative fd is EINVAL before any lookup (Linux 6.12, seen in the VM) */
	if (bind.argsz < minsz || bind.flags != 0 || bind.iommufd < 0)
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
	return model_copy_to_user(arg, &bind, minsz) < 0 ? -EFAULT : 0;
}

/* Attach (or replace): the IOAS's areas must fit the device's ranges. */
static int
cdev_attach(struct model_cdev *cd, void *arg)
{
	struct mv_vfio_device_attach_iommufd_pt at;
	const size_t minsz = sizeof(at);
	struct model_ioas *ioas;
	size_t i;
	int ret;

	if (model_copy_from_user(&at, arg, minsz) < 0)
		return -EFAULT;
	if (at.argsz < minsz || at.flags != 0)
		return -EINVAL;
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
	return model_copy_to_user(arg, &at, minsz) < 0 ? -EFAULT : 0;
}

static int
cdev_detach_ioctl(struct model_cdev *cd, void *arg)
{
	struct mv_vfio_device_detach_iommufd_pt dt;
	const size_t minsz = sizeof(dt);

	if (model_copy_from_user(&dt, arg, minsz) < 0)
		return -EFAULT;
	if (dt.argsz < minsz || dt.flags != 0)
		return -EINVAL;
	cdev_detach(cd);
	return 0;
}

int
model_cdev_ioctl(void *obj, unsigned long request, void *arg)
{
	struct model_cdev *cd = obj;

	if (request == MV_VFIO_DEVICE_BIND_IOMMUFD)
		return cdev_bind(cd, arg);
	/* nothing else before the device is bound */
	if (cd->ictx == NULL)
		return -EINVAL;
	switch (request) {
	case MV_VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return cdev_attach(cd, arg);
	case MV_VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return cdev_detach_ioctl(cd, arg);
	case VFIO_DEVICE_FEATURE:
		return model_cdev_feature(cd->g, cd->dev, arg);
	default:
		return model_device_ioctl(request, arg);
	}
}
