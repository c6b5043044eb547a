/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO model: the ioctls of a group fd (reference 5.1: status, set and
 * unset the container, device fd) and the minimum a vfio-pci edu device fd
 * answers. Called with model.lock held, from model_ioctl() (vfio_model.c).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include "eal_private.h"
#include "vfio_model_priv.h"

/* ---- group ioctls (5.1) ---- */

static int
group_get_status(void *obj, void *arg)
{
	const struct model_group *g = obj;
	struct vfio_group_status st;

	if (model_copy_from_user(&st, arg, sizeof(st)) < 0)
		return -EFAULT;
	if (st.argsz < sizeof(st))
		return -EINVAL;
	if (g->container != NULL)
		st.flags = VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET;
	else
		st.flags = model_group_viable(g) ? VFIO_GROUP_FLAGS_VIABLE : 0;
	return model_copy_to_user(arg, &st, sizeof(st)) < 0 ? -EFAULT : 0;
}

static int
group_set_container(void *obj, void *arg)
{
	struct model_group *g = obj;
	struct model_container *c;
	struct fd_slot *s;
	int fd, ret;

	if (model_copy_from_user(&fd, arg, sizeof(fd)) < 0)
		return -EFAULT;
	s = model_slot_of(fd);
	if (s == NULL && fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (g->container != NULL)
		return -EINVAL;
	if (s == NULL || s->kind != MODEL_FD_CONTAINER)
		return -EBADFD;
	c = s->obj;
	/* iommu_group_claim_dma_owner: a host driver holds the group */
	if (!model_group_viable(g))
		return -EPERM;
	ret = model_iommu_attach_check(c, g);
	if (ret < 0)
		return ret;
	g->container = c;
	c->n_groups++;
	return 0;
}

static int
group_unset_container(void *obj, void *arg __rte_unused)
{
	struct model_group *g = obj;

	if (g->container == NULL)
		return -EINVAL;
	if (g->devices_open > 0)
		return -EBUSY;
	model_group_detach(g);
	return 0;
}

/* vfio-pci's match: the address, optionally followed by " vf_token=..." */
static bool
device_matches(const char *bdf, const char *name)
{
	size_t len = strlen(bdf);

	return strncmp(bdf, name, len) == 0 &&
		(name[len] == '\0' || name[len] == ' ');
}

static int
group_get_device_fd(void *obj, void *arg)
{
	struct model_group *g = obj;
	unsigned int i;
	char *name;
	bool found = false;
	int fd;

	name = model_strndup_user(arg, model.page_size);
	if (name == NULL)
		return -errno;
	for (i = 0; i < g->n_devices; i++) {
		/* a device bound to a host driver is no VFIO device */
		if (i == 1 && g->other_driver[0] != '\0')
			continue;
		if (device_matches(g->devices[i], name))
			found = true;
	}
	free(name);
	if (!found)
		return -ENODEV;
	if (g->container == NULL || !g->container->iommu_set)
		return -EINVAL;
	fd = model_new_fd(MODEL_FD_DEVICE, g);
	if (fd < 0)
		return fd;
	g->devices_open++;
	return fd;
}

static const struct model_ioctl_op group_ops[] = {
	{ VFIO_GROUP_GET_STATUS, group_get_status },
	{ VFIO_GROUP_SET_CONTAINER, group_set_container },
	{ VFIO_GROUP_UNSET_CONTAINER, group_unset_container },
	{ VFIO_GROUP_GET_DEVICE_FD, group_get_device_fd },
};

int
model_group_ioctl(struct model_group *g, unsigned long request, void *arg)
{
	return model_ioctl_run(group_ops, RTE_DIM(group_ops), g, request, arg);
}

/* ---- device ioctls: the minimum a vfio-pci edu device answers ---- */

#define MODEL_CONFIG_SIZE 4096ULL

static int
device_get_info(void *obj __rte_unused, void *arg)
{
	struct vfio_device_info info;
	int copy;

	copy = model_vfio_cmd_in(&info, sizeof(info),
		offsetof(struct vfio_device_info, cap_offset), arg);
	if (copy < 0)
		return copy;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	info.cap_offset = 0;
	return model_copy_to_user(arg, &info, copy) < 0 ? -EFAULT : 0;
}

static int
device_get_region_info(void *obj __rte_unused, void *arg)
{
	struct vfio_region_info info;
	const size_t minsz = offsetof(struct vfio_region_info, offset) +
		sizeof(info.offset);

	if (model_copy_from_user(&info, arg, minsz) < 0)
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info.offset = (uint64_t)info.index << MODEL_REGION_SHIFT;
	info.cap_offset = 0;
	switch (info.index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		/* BAR0 of edu: 1 MiB of MMIO, not mmap-able in the model */
		info.size = MODEL_BAR0_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = MODEL_CONFIG_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		info.size = 0;
		info.flags = 0;
		break;
	}
	return model_copy_to_user(arg, &info, minsz) < 0 ? -EFAULT : 0;
}

static int
device_reset(void *obj __rte_unused, void *arg __rte_unused)
{
	return 0;
}

static const struct model_ioctl_op device_ops[] = {
	{ VFIO_DEVICE_GET_INFO, device_get_info },
	{ VFIO_DEVICE_GET_REGION_INFO, device_get_region_info },
	{ VFIO_DEVICE_RESET, device_reset },
};

int
model_device_ioctl(unsigned long request, void *arg)
{
	return model_ioctl_run(device_ops, RTE_DIM(device_ops), NULL, request, arg);
}
