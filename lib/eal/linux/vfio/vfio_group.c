/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU groups and the container state machine.
 *
 *   no group --first group bound--> IOMMU set (SET_IOMMU, GET_INFO, replay)
 *   IOMMU set --more groups--> IOMMU set (GET_INFO again: ranges may shrink)
 *   IOMMU set --last group unbound--> no group (the kernel dropped every
 *             mapping; the records stay and are replayed on the next bind)
 *
 * Everything here runs with the VFIO lock held (vfio_container.c).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_devmem.h"
#include "vfio_private.h"

static struct vfio_group groups[RTE_MAX_VFIO_GROUPS];

struct vfio_group *
vfio_group_find_locked(int num)
{
	unsigned int i;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(groups); i++)
		if (groups[i].used && groups[i].num == num)
			return &groups[i];
	return NULL;
}

struct vfio_group *
vfio_group_find_fd_locked(int fd)
{
	unsigned int i;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(groups); i++)
		if (groups[i].used && groups[i].fd == fd)
			return &groups[i];
	return NULL;
}

unsigned int
vfio_group_open_devices_locked(const struct vfio_container *cont)
{
	unsigned int i, n = 0;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(groups); i++)
		if (groups[i].used && groups[i].cont == cont)
			n += groups[i].n_devices;
	return n;
}

static bool
driver_allows_vfio(const char *drv)
{
	/* vfio-pci and its variants, or pci-stub (claims without using) */
	return strncmp(drv, "vfio", 4) == 0 || strcmp(drv, "pci-stub") == 0;
}

int
vfio_group_devices_walk(int num, vfio_group_device_fn fn, void *arg)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], drv[NAME_MAX + 1];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups/%d/devices",
		eal_sysfs_root(), num);
	d = opendir(dir);
	if (d == NULL)
		return 0; /* no such group in sysfs: no devices to visit */
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/driver", dir, de->d_name);
		if (eal_link_basename(path, drv, sizeof(drv)) < 0)
			drv[0] = '\0'; /* no driver */
		ret = fn(de->d_name, drv, arg);
	}
	closedir(d);
	return ret;
}

int
vfio_group_check_device(int num, const char *bdf, const char *drv)
{
	if (drv[0] == '\0' || driver_allows_vfio(drv))
		return 0; /* unbound, or claimed for VFIO: fine for the group */
	EAL_LOG(ERR, "VFIO: IOMMU group %d is not viable: device %s is bound to %s; bind it to vfio-pci or unbind it (echo %s > %s/bus/pci/devices/%s/driver/unbind) (EPERM)",
		num, bdf, drv, bdf, eal_sysfs_root(), bdf);
	return eal_fail(EPERM);
}

static int
refuse_other_driver(const char *bdf, const char *drv, void *arg)
{
	return vfio_group_check_device(*(const int *)arg, bdf, drv);
}

int
vfio_group_check_viable(int num)
{
	/* a group sysfs does not know passes: the kernel will tell */
	return vfio_group_devices_walk(num, refuse_other_driver, &num);
}

/*
 * Refuse a group whose reserved IOVA regions (sysfs) hold a recorded
 * mapping, before the kernel is asked: it would refuse too, without
 * saying which mapping is in the way.
 */
static int
check_reserved_regions(const struct vfio_container *cont, int num,
		const struct vfio_resv_region *rd, int n)
{
	const struct vfio_record *r;
	char window[160];
	int i;

	if (vfio_records_count(cont->records) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		r = vfio_records_first_overlap(cont->records, rd[i].start,
				rd[i].end - rd[i].start + 1);
		if (r == NULL)
			continue;
		vfio_resv_describe(&rd[i], window, sizeof(window));
		EAL_LOG(ERR, "VFIO: IOMMU group %d reserves IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] (%s) where container %d has a mapping at IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": move that mapping or use another container for this group (ERANGE)",
			num, rd[i].start, rd[i].end, window, cont->fd,
			r->iova, r->len);
		return eal_fail(ERANGE);
	}
	return 0;
}

static int
group_open(const struct vfio_container *cont, struct vfio_group *grp, int num)
{
	const struct vfio_backend *be = vfio_backend();
	char path[64];
	int fd, err;

	if (cont->ops->cdev) {
		/*
		 * No group node: it would keep the cdevs from binding (EBUSY).
		 * The walk that opens them refuses a device on another driver
		 * first and logs each failure itself (one line).
		 */
		if (cont->ops->group_open(num, &fd) != 0)
			return eal_fail(errno);
		grp->fd = fd;
		grp->num = num;
		return 0;
	}
	snprintf(path, sizeof(path), VFIO_GROUP_FMT, (unsigned int)num);
	fd = be->open(path, O_RDWR);
	if (fd < 0 && errno == ENOENT && rte_vfio_noiommu_is_enabled() == 1) {
		snprintf(path, sizeof(path), VFIO_NOIOMMU_GROUP_FMT,
			(unsigned int)num);
		fd = be->open(path, O_RDWR);
		grp->noiommu = true;
	}
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			EAL_LOG(ERR, "VFIO: IOMMU group %d does not exist (no %s): is a device of it bound to vfio-pci? (ENOENT)",
				num, path);
		else if (err == EBUSY)
			EAL_LOG(ERR, "VFIO: IOMMU group %d is already open (another process or container uses it) (EBUSY)",
				num);
		else
			EAL_LOG(ERR, "VFIO: cannot open %s: %s", path, strerror(err));
		return eal_fail(err);
	}
	grp->fd = fd;
	grp->num = num;
	return 0;
}

static void
group_close(const struct vfio_container *cont, struct vfio_group *grp)
{
	if (cont->ops->cdev)
		cont->ops->group_close(grp->fd);
	else
		vfio_backend()->close(grp->fd);
}

static int
group_check_status(const struct vfio_container *cont,
		const struct vfio_group *grp)
{
	bool viable, in_container;
	int err;

	if (cont->ops->group_status(grp->fd, &viable, &in_container) != 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: VFIO_GROUP_GET_STATUS of group %d failed: %s",
			grp->num, strerror(err));
		return eal_fail(err);
	}
	if (!viable) {
		/* name the device in the way when sysfs tells which */
		if (vfio_group_check_viable(grp->num) < 0)
			return -1;
		EAL_LOG(ERR, "VFIO: IOMMU group %d is not viable: bind every device of %s/kernel/iommu_groups/%d/devices to vfio-pci or unbind it (EPERM)",
			grp->num, eal_sysfs_root(), grp->num);
		return eal_fail(EPERM);
	}
	if (in_container) {
		EAL_LOG(ERR, "VFIO: IOMMU group %d is already in a container (EBUSY)",
			grp->num);
		return eal_fail(EBUSY);
	}
	return 0;
}

static void
group_unset(const struct vfio_container *cont, struct vfio_group *grp)
{
	if (cont->ops->detach_group(grp->fd) != 0)
		EAL_LOG(ERR, "VFIO: VFIO_GROUP_UNSET_CONTAINER of group %d failed: %s",
			grp->num, strerror(errno));
}

/* The first group: choose the IOMMU type, learn its rules, replay. */
static int
container_set_iommu(struct vfio_container *cont, const struct vfio_group *grp)
{
	int type, err;

	if (grp->noiommu) {
		if (rte_eal_iova_mode() == RTE_IOVA_VA ||
				rte_eal_iova_mode_is_allocated()) {
			EAL_LOG(ERR, "VFIO: IOMMU group %d is a no-IOMMU group: devices use physical addresses, so IOVA-as-%s cannot work; run with --iova-mode=pa (ENOTSUP)",
				grp->num, rte_eal_iova_mode() == RTE_IOVA_VA ?
				"VA" : "allocated IOVA");
			return eal_fail(ENOTSUP);
		}
		if (cont->ops->set_iommu(cont, RTE_VFIO_NOIOMMU) != 0) {
			err = errno;
			EAL_LOG(ERR, "VFIO: VFIO_SET_IOMMU(no-IOMMU) failed: %s", strerror(err));
			return eal_fail(err);
		}
		EAL_LOG(WARNING, "VFIO: container %d is in no-IOMMU mode: devices can reach all memory",
			cont->fd);
		cont->iommu_type = RTE_VFIO_NOIOMMU;
		cont->state = VFIO_CONT_NOIOMMU;
		return 0;
	}
	/* ask again now: the answer may differ once a group is attached */
	/* a failing query is an error, not a "no" (that would pick v1) */
	if (cont->ops->query_types(cont) < 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: asking container %d which IOMMU types it offers (VFIO_CHECK_EXTENSION) failed: %s",
			cont->fd, strerror(err));
		return eal_fail(err);
	}
	if (cont->has_v2) {
		type = RTE_VFIO_TYPE1V2;
	} else if (cont->has_v1) {
		type = RTE_VFIO_TYPE1;
		EAL_LOG(INFO, "VFIO: the kernel does not offer type1 v2: using type1 v1 with the same whole-mapping unmaps, so v1's partial-unmap behaviour never happens");
	} else {
		EAL_LOG(ERR, "VFIO: container %d offers neither type1 v2 nor type1 for group %d (sPAPR and other IOMMUs are not supported) (ENOTSUP)",
			cont->fd, grp->num);
		return eal_fail(ENOTSUP);
	}
	if (cont->ops->set_iommu(cont, type) != 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: VFIO_SET_IOMMU(%s) for group %d failed: %s",
			type == RTE_VFIO_TYPE1V2 ? "type1 v2" : "type1",
			grp->num, strerror(err));
		return eal_fail(err);
	}
	cont->iommu_type = type;
	cont->state = VFIO_CONT_IOMMU;
	if (vfio_container_read_info_locked(cont) < 0 ||
			vfio_group_check_first_fit_locked(cont, grp) < 0 ||
			vfio_dma_replay_locked(cont) < 0) {
		err = rte_errno;
		/* all or nothing: the records stay as before the bind */
		vfio_dma_bind_undone_locked(cont);
		return eal_fail(err);
	}
	return 0;
}

/* A further group: the IOMMU's ranges may have shrunk; records must fit. */
static int
container_add_group(struct vfio_container *cont)
{
	if (cont->state != VFIO_CONT_IOMMU)
		return 0;
	if (vfio_container_read_info_locked(cont) < 0)
		return -1;
	return vfio_dma_check_records_locked(cont);
}

struct vfio_group *
vfio_group_bind_locked(struct vfio_container *cont, int num)
{
	struct vfio_resv_region rd[VFIO_RESV_MAX_PER_GROUP];
	struct vfio_group *grp = vfio_group_find_locked(num);
	unsigned int i;
	bool first;
	int err, n_rd;

	vfio_assert_locked();
	if (num < 0) {
		EAL_LOG(ERR, "VFIO: %d is not an IOMMU group number (EINVAL)", num);
		rte_errno = EINVAL;
		return NULL;
	}
	if (grp != NULL) {
		if (grp->cont == cont)
			return grp;
		EAL_LOG(ERR, "VFIO: IOMMU group %d is bound to container %d: unbind it there first (EBUSY)",
			num, grp->cont->fd);
		rte_errno = EBUSY;
		return NULL;
	}
	for (i = 0; i < RTE_DIM(groups) && groups[i].used; i++)
		;
	if (i == RTE_DIM(groups)) {
		EAL_LOG(ERR, "VFIO: all %u group slots are in use (RTE_MAX_VFIO_GROUPS) (ENOSPC)",
			(unsigned int)RTE_MAX_VFIO_GROUPS);
		rte_errno = ENOSPC;
		return NULL;
	}
	/* read once: checked now, kept with the container after the join */
	n_rd = vfio_resv_read(num, rd, RTE_DIM(rd));
	if (check_reserved_regions(cont, num, rd, n_rd) < 0)
		return NULL;
	grp = &groups[i];
	memset(grp, 0, sizeof(*grp));
	/*
	 * Viability: a group node's GET_STATUS tells (group_check_status()
	 * walks sysfs only to name the device in the way); cdevs have no
	 * such call, so the walk that opens them checks each device's driver
	 * (group_open()).
	 */
	if (group_open(cont, grp, num) < 0)
		return NULL;
	if (group_check_status(cont, grp) < 0)
		goto close;
	if (cont->state == VFIO_CONT_NOIOMMU && !grp->noiommu) {
		EAL_LOG(ERR, "VFIO: container %d is in no-IOMMU mode: group %d, which has an IOMMU, needs another container (EINVAL)",
			cont->fd, num);
		rte_errno = EINVAL;
		goto close;
	}
	/* its own ranges must hold every mapping, before the real attach */
	if (vfio_group_check_fit_locked(cont, grp) < 0)
		goto close;
	if (cont->ops->attach_group(cont, grp->fd) != 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: %s of group %d into container %d failed: %s%s",
			cont->ops->cdev ? "VFIO_DEVICE_BIND_IOMMUFD/ATTACH_IOMMUFD_PT" :
			"VFIO_GROUP_SET_CONTAINER", num, cont->fd, strerror(err),
			err == EINVAL && vfio_records_count(cont->records) > 0 ?
			" (a mapping of the container may be outside the group's IOMMU aperture)" : "");
		rte_errno = err;
		goto close;
	}
	first = cont->n_groups == 0;
	if ((first && container_set_iommu(cont, grp) < 0) ||
			(!first && container_add_group(cont) < 0)) {
		err = rte_errno;
		group_unset(cont, grp);
		if (!first && vfio_container_read_info_locked(cont) < 0)
			cont->dma_avail_known = false;
		rte_errno = err;
		goto close;
	}
	grp->cont = cont;
	grp->used = true;
	cont->n_groups++;
	/* only to name a window in a refusal: a failure costs the name only */
	if (vfio_resv_add_group_locked(cont, rd, n_rd) < 0)
		EAL_LOG(DEBUG, "VFIO: reserved regions of IOMMU group %d not kept: %s",
			num, rte_strerror(rte_errno));
	return grp;

close:
	err = rte_errno;
	group_close(cont, grp);
	memset(grp, 0, sizeof(*grp));
	rte_errno = err;
	return NULL;
}

/*
 * The last group has left. Type1 dropped every mapping with it; a backend
 * whose mappings outlive the devices (an iommufd IOAS) is emptied here, so
 * both leave the container alike: records kept, nothing in the kernel,
 * everything replayed at the next bind (which would otherwise meet its own
 * old mappings: EEXIST).
 */
static void
container_empty_kernel(struct vfio_container *cont)
{
	uint64_t unmapped = 0;

	if (!cont->ops->maps_outlive_devices || cont->state != VFIO_CONT_IOMMU ||
			vfio_records_bytes(cont->records) == 0)
		return;
	if (vfio_dma_kernel_unmap_all_locked(cont, &unmapped) < 0)
		EAL_LOG(ERR, "VFIO: container %d: its last device left but its IOAS could not be emptied; the mappings stay in the kernel until rte_vfio_container_destroy()",
			cont->fd);
}

static void
group_drop(struct vfio_group *grp)
{
	struct vfio_container *cont = grp->cont;

	group_unset(cont, grp);
	group_close(cont, grp);
	vfio_resv_drop_group_locked(cont, grp->num);
	memset(grp, 0, sizeof(*grp));
	grp->fd = -1;
	if (--cont->n_groups == 0) {
		container_empty_kernel(cont);
		vfio_dma_forget_kernel_locked(cont);
	}
	else if (cont->state == VFIO_CONT_IOMMU &&
			vfio_container_read_info_locked(cont) < 0)
		cont->dma_avail_known = false;
}

int
vfio_group_unbind_locked(struct vfio_group *grp)
{
	vfio_assert_locked();
	if (grp->n_devices > 0) {
		EAL_LOG(ERR, "VFIO: IOMMU group %d has %u open device(s): release them first (EBUSY)",
			grp->num, grp->n_devices);
		return eal_fail(EBUSY);
	}
	/* device memory of unknown owner may be this group's: it goes first */
	if (grp->cont != NULL && grp->cont->state == VFIO_CONT_IOMMU)
		vfio_devmem_release_unknown_locked(grp->cont);
	group_drop(grp);
	return 0;
}

void
vfio_group_release_all_locked(struct vfio_container *cont)
{
	unsigned int i;

	vfio_assert_locked();
	for (i = 0; i < RTE_DIM(groups); i++)
		if (groups[i].used && groups[i].cont == cont)
			group_drop(&groups[i]);
}
