/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioctls of a VFIO device fd (vfio_device_ops.h): the one place they
 * are composed, for the EAL's device table and the PCI bus alike.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_backend.h"
#include "vfio_device_ops.h"

int
vfio_dev_get_info(int dev_fd, struct vfio_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return vfio_backend()->ioctl(dev_fd, VFIO_DEVICE_GET_INFO, info);
}

int
vfio_dev_region_info(int dev_fd, unsigned int index,
		struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return vfio_backend()->ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, ri);
}

int
vfio_dev_irq_info(int dev_fd, unsigned int index, struct vfio_irq_info *ii)
{
	memset(ii, 0, sizeof(*ii));
	ii->argsz = sizeof(*ii);
	ii->index = index;
	return vfio_backend()->ioctl(dev_fd, VFIO_DEVICE_GET_IRQ_INFO, ii);
}

int
vfio_dev_set_irqs(int dev_fd, unsigned int index, uint32_t flags,
		unsigned int count, const int *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) +
		(fds != NULL ? count * sizeof(int) : 0);
	struct vfio_irq_set *set;
	int ret, err = 0;

	set = calloc(1, sz);
	if (set == NULL) {
		errno = ENOMEM;
		return -1;
	}
	set->argsz = sz;
	set->flags = flags;
	set->index = index;
	set->start = 0;
	set->count = count;
	if (fds != NULL)
		memcpy(set->data, fds, count * sizeof(int));
	ret = vfio_backend()->ioctl(dev_fd, VFIO_DEVICE_SET_IRQS, set);
	if (ret < 0)
		err = errno;
	free(set);
	if (ret < 0)
		errno = err;
	return ret;
}

int
vfio_dev_reset(int dev_fd)
{
	return vfio_backend()->ioctl(dev_fd, VFIO_DEVICE_RESET, NULL);
}
