/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public container, group and mapping calls of rte_vfio.h: each takes
 * the VFIO lock (vfio_container.c), resolves its container and calls the
 * internal function that does the work.
 */

#include <errno.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_private.h"

int
rte_vfio_get_container_fd(void)
{
	struct vfio_container *cont;
	int fd;

	vfio_lock();
	cont = vfio_container_get_locked(RTE_VFIO_DEFAULT_CONTAINER_FD);
	fd = cont != NULL ? cont->fd : -1;
	vfio_unlock();
	return fd;
}

int
rte_vfio_get_group_fd(int iommu_group_num)
{
	struct vfio_container *cont;
	struct vfio_group *grp;
	int fd = -1;

	vfio_lock();
	cont = vfio_container_get_locked(RTE_VFIO_DEFAULT_CONTAINER_FD);
	if (cont != NULL) {
		grp = vfio_group_find_locked(iommu_group_num);
		if (grp == NULL)
			grp = vfio_group_bind_locked(cont, iommu_group_num);
		if (grp != NULL)
			fd = grp->fd;
	}
	vfio_unlock();
	return fd;
}

int
rte_vfio_clear_group(int vfio_group_fd)
{
	struct vfio_group *grp;
	int ret;

	if (!vfio_available())
		return eal_fail(vfio_unavailable_errno());
	vfio_lock();
	grp = vfio_group_find_fd_locked(vfio_group_fd);
	if (grp == NULL) {
		vfio_unlock();
		EAL_LOG(ERR, "VFIO: %d is not the fd of an open IOMMU group (ENOENT)",
			vfio_group_fd);
		return eal_fail(ENOENT);
	}
	ret = vfio_group_unbind_locked(grp);
	vfio_unlock();
	return ret;
}

int
rte_vfio_container_create(void)
{
	struct vfio_container *cont;
	int fd = -1;

	if (!vfio_available())
		return eal_fail(vfio_unavailable_errno());
	vfio_lock();
	cont = vfio_container_create_locked(false);
	if (cont != NULL)
		fd = cont->fd;
	vfio_unlock();
	return fd;
}

int
rte_vfio_container_destroy(int container_fd)
{
	struct vfio_container *cont;
	int ret = -1;

	vfio_lock();
	cont = vfio_container_get_locked(container_fd);
	if (cont != NULL)
		ret = vfio_container_destroy_locked(cont);
	vfio_unlock();
	return ret;
}

int
rte_vfio_container_group_bind(int container_fd, int iommu_group_num)
{
	struct vfio_container *cont;
	struct vfio_group *grp;
	int fd = -1;

	vfio_lock();
	cont = vfio_container_get_locked(container_fd);
	if (cont != NULL) {
		grp = vfio_group_bind_locked(cont, iommu_group_num);
		if (grp != NULL)
			fd = grp->fd;
	}
	vfio_unlock();
	return fd;
}

int
rte_vfio_container_group_unbind(int container_fd, int iommu_group_num)
{
	struct vfio_container *cont;
	struct vfio_group *grp;
	int ret = -1;

	vfio_lock();
	cont = vfio_container_get_locked(container_fd);
	if (cont != NULL) {
		grp = vfio_group_find_locked(iommu_group_num);
		if (grp == NULL || grp->cont != cont) {
			EAL_LOG(ERR, "VFIO: IOMMU group %d is not bound to container %d (ENOENT)",
				iommu_group_num, cont->fd);
			rte_errno = ENOENT;
		} else {
			ret = vfio_group_unbind_locked(grp);
		}
	}
	vfio_unlock();
	return ret;
}

int
rte_vfio_container_dma_map(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct vfio_container *cont;
	int ret = -1;

	vfio_lock();
	cont = vfio_container_get_locked(container_fd);
	if (cont != NULL)
		ret = vfio_dma_user_map_locked(cont, vaddr, iova, len, 0);
	vfio_unlock();
	return ret;
}

int
rte_vfio_container_dma_map_paged(int container_fd, uint64_t vaddr,
		uint64_t iova, uint64_t len, uint64_t pagesz)
{
	struct vfio_container *cont;
	int ret = -1;

	if (pagesz == 0) {
		EAL_LOG(ERR, "VFIO: paged user map needs a page size (EINVAL)");
		return eal_fail(EINVAL);
	}
	vfio_lock();
	cont = vfio_container_get_locked(container_fd);
	if (cont != NULL)
		ret = vfio_dma_user_map_locked(cont, vaddr, iova, len, pagesz);
	vfio_unlock();
	return ret;
}

int
rte_vfio_container_dma_unmap(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct vfio_container *cont;
	int ret = -1;

	vfio_lock();
	cont = vfio_container_get_locked(container_fd);
	if (cont != NULL)
		ret = vfio_dma_user_unmap_locked(cont, vaddr, iova, len);
	vfio_unlock();
	return ret;
}
