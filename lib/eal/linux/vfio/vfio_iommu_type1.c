/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO type1 backend of the IOMMU seam (vfio_iommu.h): the legacy
 * container /dev/vfio/vfio with type1 v2, type1 v1 or no-IOMMU, and the
 * group fds of /dev/vfio/<group>. This is the one file of the component
 * that composes container and group ioctls (VFIO_CHECK_EXTENSION,
 * VFIO_SET_IOMMU, VFIO_IOMMU_GET_INFO, VFIO_IOMMU_MAP_DMA and _UNMAP_DMA,
 * VFIO_GROUP_GET_STATUS, _SET_CONTAINER, _UNSET_CONTAINER,
 * _GET_DEVICE_FD, and IOMMU_OPTION to tell iommufd's emulation of the
 * container); each goes through the syscall layer (vfio_backend.h).
 *
 * The container operations run with the VFIO lock held (vfio_container.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_info.h"
#include "vfio_iommu.h"
#include "vfio_iommufd_uapi.h"
#include "vfio_private.h"

/* An ioctl on the container fd other than MAP/UNMAP, counted in its stats. */
static int
cont_ioctl(struct vfio_container *cont, unsigned long request, void *arg)
{
	vfio_assert_locked();
	cont->stats.other_calls++;
	return vfio_backend()->ioctl(cont->fd, request, arg);
}

static bool
check_ext(struct vfio_container *cont, unsigned long ext)
{
	return cont_ioctl(cont, VFIO_CHECK_EXTENSION, (void *)ext) > 0;
}

/*
 * Is the container iommufd's emulation of type1 (IOMMUFD_VFIO_CONTAINER:
 * iommufd provides /dev/vfio/vfio)? Only an iommufd answers an iommufd
 * ioctl: reading its locked-memory accounting mode (IOMMU_OPTION) changes
 * nothing, and the legacy container refuses it (EINVAL: no IOMMU driver is
 * set at open). The device number and the type1 answers at open are the
 * same for both, so they cannot tell. One call per container; an error of
 * any kind means the legacy container.
 */
static bool
is_iommufd_compat(struct vfio_container *cont)
{
	struct mv_iommu_option opt = {
		.size = sizeof(opt),
		.option_id = MV_IOMMU_OPTION_RLIMIT_MODE,
		.op = MV_IOMMU_OPTION_OP_GET,
	};

	if (cont_ioctl(cont, MV_IOMMU_OPTION, &opt) != 0)
		return false;
	/* the emulation charges the mm's locked_vm (VmLck) as type1 does */
	EAL_LOG(DEBUG, "VFIO: %s is iommufd's emulation of the type1 container (locked memory charged to %s): no peer-to-peer",
		VFIO_CONTAINER_PATH, opt.val64 == 1 ? "the process, VmLck" : "the user");
	return true;
}

static int
type1_open(struct vfio_container *cont)
{
	const struct vfio_backend *be = vfio_backend();
	bool has_noiommu;
	int fd, ver, err;

	fd = be->open(VFIO_CONTAINER_PATH, O_RDWR);
	if (fd < 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: cannot open %s: %s", VFIO_CONTAINER_PATH,
			strerror(err));
		return eal_fail(err);
	}
	cont->fd = fd;
	ver = cont_ioctl(cont, VFIO_GET_API_VERSION, NULL);
	if (ver != VFIO_API_VERSION) {
		EAL_LOG(ERR, "VFIO: kernel API version %d, this EAL needs %d (ENOTSUP)",
			ver, VFIO_API_VERSION);
		be->close(fd);
		cont->fd = -1;
		return eal_fail(ENOTSUP);
	}
	cont->has_v2 = check_ext(cont, VFIO_TYPE1v2_IOMMU);
	cont->has_v1 = check_ext(cont, VFIO_TYPE1_IOMMU);
	cont->has_unmap_all = check_ext(cont, VFIO_UNMAP_ALL);
	has_noiommu = check_ext(cont, VFIO_NOIOMMU_IOMMU);
	cont->iommufd_compat = is_iommufd_compat(cont);
	if (!cont->has_v2 && !cont->has_v1 && !has_noiommu) {
		if (check_ext(cont, VFIO_SPAPR_TCE_v2_IOMMU) ||
				check_ext(cont, VFIO_SPAPR_TCE_IOMMU))
			EAL_LOG(ERR, "VFIO: the IOMMU is sPAPR TCE, which this EAL does not support (ENOTSUP)");
		else
			EAL_LOG(ERR, "VFIO: the container offers no usable IOMMU type (neither type1 v2 nor type1): load vfio_iommu_type1 (ENOTSUP)");
		be->close(fd);
		cont->fd = -1;
		return eal_fail(ENOTSUP);
	}
	return 0;
}

static void
type1_close(struct vfio_container *cont)
{
	vfio_backend()->close(cont->fd);
}

/* A failing query is an error, not a "no": that would pick type1 v1. */
static int
query_ext(struct vfio_container *cont, unsigned long ext, bool *has)
{
	int ret = cont_ioctl(cont, VFIO_CHECK_EXTENSION, (void *)(uintptr_t)ext);

	if (ret < 0)
		return -1;
	*has = ret > 0;
	return 0;
}

static int
type1_query_types(struct vfio_container *cont)
{
	if (query_ext(cont, VFIO_TYPE1v2_IOMMU, &cont->has_v2) < 0 ||
			query_ext(cont, VFIO_TYPE1_IOMMU, &cont->has_v1) < 0)
		return -1;
	return 0;
}

static int
type1_set_iommu(struct vfio_container *cont, int type)
{
	/* RTE_VFIO_TYPE1V2, _TYPE1 and _NOIOMMU are the kernel's numbers */
	return cont_ioctl(cont, VFIO_SET_IOMMU, (void *)(uintptr_t)type);
}

static int
get_info_ioctl(void *ctx, void *buf)
{
	return cont_ioctl(ctx, VFIO_IOMMU_GET_INFO, buf);
}

static int
type1_read_info(struct vfio_container *cont)
{
	struct vfio_iommu_info info;
	void *buf = NULL;
	size_t sz = 0;
	int ret;

	ret = vfio_info_fetch(get_info_ioctl, cont,
			sizeof(struct vfio_iommu_type1_info), &buf, &sz);
	if (ret == -E2BIG) {
		EAL_LOG(ERR, "VFIO: VFIO_IOMMU_GET_INFO keeps asking for a larger buffer (%zu bytes) (EIO)",
			sz);
		return eal_fail(EIO);
	}
	if (ret == -ENOMEM)
		return eal_fail(ENOMEM);
	if (ret < 0) {
		EAL_LOG(ERR, "VFIO: VFIO_IOMMU_GET_INFO failed: %s", strerror(-ret));
		return eal_fail(-ret);
	}
	ret = vfio_iommu_info_parse(buf, sz, &info);
	free(buf);
	free(cont->ranges);
	cont->ranges = NULL;
	cont->n_ranges = 0;
	cont->dma_avail_known = false;
	cont->dma_avail = 0;
	cont->pgsizes = info.pgsizes_known ? info.pgsizes :
		vfio_system_page_size();
	if (ret < 0) {
		/* without the ranges the range checks could not run */
		EAL_LOG(ERR, "VFIO: no memory to keep the IOVA ranges of container %d",
			cont->fd);
		return eal_fail(ENOMEM);
	}
	if (info.n_ranges > 0) {
		cont->ranges = info.ranges;
		cont->n_ranges = info.n_ranges;
	} else {
		free(info.ranges);
	}
	cont->dma_avail_known = info.dma_avail_known;
	cont->dma_avail = info.dma_avail;
	return 0;
}

static int
type1_map(struct vfio_container *cont, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = vaddr,
		.iova = iova,
		.size = len,
	};

	vfio_assert_locked();
	return vfio_backend()->ioctl(cont->fd, VFIO_IOMMU_MAP_DMA, &map);
}

static int
unmap_flags(struct vfio_container *cont, uint64_t iova, uint64_t len,
		uint32_t flags, uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = len,
	};
	int ret;

	vfio_assert_locked();
	ret = vfio_backend()->ioctl(cont->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	if (ret == 0)
		*unmapped = unmap.size;
	return ret;
}

static int
type1_unmap(struct vfio_container *cont, uint64_t iova, uint64_t len,
		uint64_t *unmapped)
{
	return unmap_flags(cont, iova, len, 0, unmapped);
}

static int
type1_unmap_all(struct vfio_container *cont, uint64_t *unmapped)
{
	if (!cont->has_unmap_all) {
		errno = ENOTSUP;
		return -1;
	}
	return unmap_flags(cont, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, unmapped);
}

static int
type1_group_status(int group_fd, bool *viable, bool *in_container)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (vfio_backend()->ioctl(group_fd, VFIO_GROUP_GET_STATUS, &st) != 0)
		return -1;
	*viable = (st.flags & VFIO_GROUP_FLAGS_VIABLE) != 0;
	*in_container = (st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) != 0;
	return 0;
}

static int
type1_attach_group(struct vfio_container *cont, int group_fd)
{
	return vfio_backend()->ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &cont->fd);
}

static int
type1_detach_group(int group_fd)
{
	return vfio_backend()->ioctl(group_fd, VFIO_GROUP_UNSET_CONTAINER, NULL);
}

/*
 * With --vfio-vf-token the device is asked for as "BDF vf_token=UUID"
 * first: vfio-pci wants the token for a VF whose PF is bound to vfio-pci
 * (and for such a PF), and refuses it (EINVAL) for any other device,
 * which is then asked for by its name alone, as DPDK does.
 */
static int
type1_device_fd(int group_fd, const char *name)
{
	const char *token = eal_get_internal_config()->vfio_vf_token;
	char with_token[128];
	int fd;

	if (token[0] != '\0' && snprintf(with_token, sizeof(with_token),
			"%s vf_token=%s", name, token) < (int)sizeof(with_token)) {
		fd = vfio_backend()->ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD,
			with_token);
		if (fd >= 0)
			return fd;
	}
	return vfio_backend()->ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD,
			(void *)(uintptr_t)name);
}

const struct vfio_iommu_ops vfio_iommu_type1_ops = {
	.name = "VFIO type1",
	.open = type1_open,
	.close = type1_close,
	.query_types = type1_query_types,
	.set_iommu = type1_set_iommu,
	.read_info = type1_read_info,
	.map = type1_map,
	.unmap = type1_unmap,
	.unmap_all = type1_unmap_all,
	.group_status = type1_group_status,
	.attach_group = type1_attach_group,
	.detach_group = type1_detach_group,
	.device_fd = type1_device_fd,
};
