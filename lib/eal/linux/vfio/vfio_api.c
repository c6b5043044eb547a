/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every public call of rte_vfio.h. Each checks its arguments, then takes
 * the VFIO lock (vfio_container.c), resolves its container, group or
 * device and calls the internal function that does the work; the calls on
 * one container share vfio_with_container(). A call refused because VFIO
 * is not usable says so in one ERR line (vfio_unavailable_fail()).
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_devmem.h"
#include "vfio_private.h"

/* ---- containers ---- */

static int
fd_of(struct vfio_container *cont, void *arg __rte_unused)
{
	return cont->fd;
}

int
rte_vfio_get_container_fd(void)
{
	return vfio_with_container(__func__, RTE_VFIO_DEFAULT_CONTAINER_FD,
			fd_of, NULL);
}

int
rte_vfio_container_create(void)
{
	struct vfio_container *cont;
	int fd = -1;

	if (!vfio_available())
		return vfio_unavailable_fail(__func__);
	vfio_lock();
	cont = vfio_container_create_locked(false);
	if (cont != NULL)
		fd = cont->fd;
	vfio_unlock();
	return fd;
}

static int
destroy(struct vfio_container *cont, void *arg __rte_unused)
{
	return vfio_container_destroy_locked(cont);
}

int
rte_vfio_container_destroy(int container_fd)
{
	return vfio_with_container(__func__, container_fd, destroy, NULL);
}

int
rte_vfio_container_stats_get(int container_fd,
		struct rte_vfio_container_stats *stats)
{
	struct vfio_container_stats st;

	if (stats == NULL) {
		EAL_LOG(ERR, "VFIO: rte_vfio_container_stats_get() needs a stats pointer (EINVAL)");
		return eal_fail(EINVAL);
	}
	if (vfio_container_stats_get(container_fd, &st) < 0)
		return -1;
	*stats = (struct rte_vfio_container_stats){
		.map_calls = st.map_calls,
		.unmap_calls = st.unmap_calls,
		.other_calls = st.other_calls,
		.map_ns = st.map_ns,
		.unmap_ns = st.unmap_ns,
		.records = st.records,
		.dma_entries = st.dma_entries,
		.dma_entries_avail = st.dma_avail,
		.bytes_mapped = st.bytes_mapped,
		.refused_entries = st.refused_entries,
		.refused_memlock = st.refused_memlock,
		.refused_checks = st.refused_checks,
		.refused_kernel = st.refused_kernel,
		.size_mismatches = st.size_mismatches,
	};
	return 0;
}

int
rte_vfio_container_stats_reset(int container_fd)
{
	return vfio_container_stats_reset(container_fd);
}

/* ---- groups ---- */

/* Bind group num to the container, or find it open in any container. */
struct group_arg {
	int num;
	bool find_any;          /* a group already open anywhere will do */
};

static int
group_bind(struct vfio_container *cont, void *arg)
{
	const struct group_arg *g = arg;
	struct vfio_group *grp = NULL;

	if (g->find_any)
		grp = vfio_group_find_locked(g->num);
	if (grp == NULL)
		grp = vfio_group_bind_locked(cont, g->num);
	if (grp != NULL && !g->find_any)
		grp->app_bound = true;
	return grp != NULL ? grp->fd : -1;
}

int
rte_vfio_get_group_fd(int iommu_group_num)
{
	struct group_arg g = { .num = iommu_group_num, .find_any = true };

	return vfio_with_container(__func__, RTE_VFIO_DEFAULT_CONTAINER_FD,
			group_bind, &g);
}

int
rte_vfio_container_group_bind(int container_fd, int iommu_group_num)
{
	struct group_arg g = { .num = iommu_group_num, .find_any = false };

	return vfio_with_container(__func__, container_fd, group_bind, &g);
}

static int
group_unbind(struct vfio_container *cont, void *arg)
{
	int num = *(const int *)arg;
	struct vfio_group *grp = vfio_group_find_locked(num);

	if (grp == NULL || grp->cont != cont) {
		EAL_LOG(ERR, "VFIO: IOMMU group %d is not bound to container %d (ENOENT)",
			num, cont->fd);
		return eal_fail(ENOENT);
	}
	return vfio_group_unbind_locked(grp);
}

int
rte_vfio_container_group_unbind(int container_fd, int iommu_group_num)
{
	return vfio_with_container(__func__, container_fd, group_unbind,
			&iommu_group_num);
}

int
rte_vfio_clear_group(int vfio_group_fd)
{
	struct vfio_group *grp;
	int ret;

	if (!vfio_available())
		return vfio_unavailable_fail(__func__);
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

/*
 * Fail (EINVAL, one line naming fn) unless dev_addr names one entry of a
 * sysfs directory: not empty, no '/', not "." or "..". An empty name would
 * make "<sysfs_base>//iommu_group" the sysfs base's own link.
 */
static int
dev_addr_check(const char *fn, const char *dev_addr)
{
	if (dev_addr[0] != '\0' && strchr(dev_addr, '/') == NULL &&
			strcmp(dev_addr, ".") != 0 && strcmp(dev_addr, "..") != 0)
		return 0;
	EAL_LOG(ERR, "VFIO: %s(): device address \"%s\" is not a device name (e.g. 0000:00:03.0, one entry of the sysfs directory) (EINVAL)",
		fn, dev_addr);
	return eal_fail(EINVAL);
}

int
rte_vfio_get_group_num(const char *sysfs_base, const char *dev_addr,
		int *iommu_group_num)
{
	char path[PATH_MAX], name[NAME_MAX + 1], *end;
	long num;
	int len;

	if (sysfs_base == NULL || dev_addr == NULL || iommu_group_num == NULL) {
		EAL_LOG(ERR, "VFIO: rte_vfio_get_group_num() needs a sysfs base, a device address and a result pointer (EINVAL)");
		return eal_fail(EINVAL);
	}
	if (dev_addr_check(__func__, dev_addr) < 0)
		return -1;
	len = snprintf(path, sizeof(path), "%s/%s/iommu_group", sysfs_base,
			dev_addr);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		EAL_LOG(ERR, "VFIO: sysfs path of %s is too long (ENAMETOOLONG)",
			dev_addr);
		return eal_fail(ENAMETOOLONG);
	}
	if (eal_link_basename(path, name, sizeof(name)) < 0)
		return 0; /* no IOMMU group: not a VFIO device */
	errno = 0;
	num = strtol(name, &end, 10);
	if (errno != 0 || *end != '\0' || end == name || num < 0 || num > INT_MAX) {
		EAL_LOG(ERR, "VFIO: %s points to \"%s\", not an IOMMU group number (EINVAL)",
			path, name);
		return eal_fail(EINVAL);
	}
	*iommu_group_num = (int)num;
	return 1;
}

int
vfio_group_container_fd(int group_num)
{
	struct vfio_group *grp;
	int fd = RTE_VFIO_DEFAULT_CONTAINER_FD;

	if (!vfio_available())
		return fd;
	vfio_lock();
	grp = vfio_group_find_locked(group_num);
	if (grp != NULL && grp->cont != NULL &&
			grp->cont != vfio_default_container_locked())
		fd = grp->cont->fd;
	vfio_unlock();
	return fd;
}

/* ---- mappings ---- */

struct map_arg {
	uint64_t vaddr, iova, len, pagesz;
	/* plain user maps: what the range is (device memory or not) */
	const struct vfio_devmem_probe *dm;
};

static int
user_map(struct vfio_container *cont, void *arg)
{
	const struct map_arg *m = arg;

	if (m->dm != NULL && m->dm->device) {
		if (m->pagesz != 0) {
			EAL_LOG(ERR, "VFIO: paged user map of vaddr 0x%" PRIx64 " len 0x%" PRIx64 " is device memory (%s), which is mapped whole and owned by its device: use rte_vfio_container_dma_map() (ENOTSUP)",
				m->vaddr, m->len, m->dm->vma_file);
			return eal_fail(ENOTSUP);
		}
		return vfio_devmem_map_locked(cont, m->dm, m->vaddr, m->iova,
				m->len);
	}
	return vfio_dma_user_map_locked(cont, m->vaddr, m->iova, m->len,
			m->pagesz);
}

static int
user_unmap(struct vfio_container *cont, void *arg)
{
	const struct map_arg *m = arg;
	/*
	 * One descent of the record set for both steps (about 90 instructions
	 * a call saved): the device-memory test matters only where nothing is
	 * recorded, and the unmap starts from the same record. The check on
	 * vaddr, iova and len comes after it as before, so each refusal is the
	 * one it was.
	 */
	struct vfio_record *first =
		vfio_records_first_overlap(cont->records, m->iova, m->len);

	if (first == NULL && vfio_devmem_check_unmap_locked(cont, m->vaddr,
			m->iova, m->len) < 0)
		return -1;
	return vfio_dma_user_unmap_from_locked(cont, m->vaddr, m->iova, m->len,
			first);
}

/*
 * Device memory is recognised before the VFIO lock is taken: heap and
 * external memory cost one memseg-list lookup, other ranges a read of
 * /proc/self/smaps (vfio_devmem.c).
 */
static void
probe(struct map_arg *m, struct vfio_devmem_probe *dm)
{
	if (!vfio_available())
		return;
	vfio_devmem_probe(m->vaddr, m->len, dm);
	m->dm = dm;
}

int
rte_vfio_container_dma_map(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct map_arg m = { .vaddr = vaddr, .iova = iova, .len = len };
	struct vfio_devmem_probe dm;

	probe(&m, &dm);
	return vfio_with_container(__func__, container_fd, user_map, &m);
}

int
rte_vfio_container_dma_map_paged(int container_fd, uint64_t vaddr,
		uint64_t iova, uint64_t len, uint64_t pagesz)
{
	struct map_arg m = {
		.vaddr = vaddr, .iova = iova, .len = len, .pagesz = pagesz,
	};
	struct vfio_devmem_probe dm;

	if (pagesz == 0) {
		EAL_LOG(ERR, "VFIO: paged user map needs a page size (EINVAL)");
		return eal_fail(EINVAL);
	}
	probe(&m, &dm);
	return vfio_with_container(__func__, container_fd, user_map, &m);
}

int
rte_vfio_container_dma_unmap(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct map_arg m = { .vaddr = vaddr, .iova = iova, .len = len };

	return vfio_with_container(__func__, container_fd, user_unmap, &m);
}

/* ---- devices ---- */

int
rte_vfio_setup_device(const char *sysfs_base, const char *dev_addr,
		int *vfio_dev_fd, struct vfio_device_info *device_info)
{
	int num, ret;

	if (sysfs_base == NULL || dev_addr == NULL || vfio_dev_fd == NULL ||
			device_info == NULL) {
		EAL_LOG(ERR, "VFIO: rte_vfio_setup_device() needs a sysfs base, a device address, an fd pointer and an info pointer (EINVAL)");
		return eal_fail(EINVAL);
	}
	if (dev_addr_check(__func__, dev_addr) < 0)
		return -1;
	if (!vfio_available())
		return vfio_unavailable_fail(__func__);
	ret = rte_vfio_get_group_num(sysfs_base, dev_addr, &num);
	if (ret <= 0)
		return ret == 0 ? 1 : -1;
	vfio_lock();
	ret = vfio_device_setup_locked(num, dev_addr, vfio_dev_fd, device_info);
	vfio_unlock();
	return ret;
}

int
rte_vfio_release_device(const char *sysfs_base, const char *dev_addr, int fd)
{
	int ret;

	if (sysfs_base == NULL || dev_addr == NULL || fd < 0) {
		EAL_LOG(ERR, "VFIO: rte_vfio_release_device() needs a sysfs base, a device address and its fd (EINVAL)");
		return eal_fail(EINVAL);
	}
	if (dev_addr_check(__func__, dev_addr) < 0)
		return -1;
	if (!vfio_available())
		return vfio_unavailable_fail(__func__);
	vfio_lock();
	ret = vfio_device_release_locked(dev_addr, fd);
	vfio_unlock();
	return ret;
}

int
rte_vfio_get_device_info(const char *sysfs_base, const char *dev_addr,
		int *vfio_dev_fd, struct vfio_device_info *device_info)
{
	int ret;

	if (sysfs_base == NULL || dev_addr == NULL || vfio_dev_fd == NULL ||
			device_info == NULL) {
		EAL_LOG(ERR, "VFIO: rte_vfio_get_device_info() needs a sysfs base, a device address, an fd pointer and an info pointer (EINVAL)");
		return eal_fail(EINVAL);
	}
	if (dev_addr_check(__func__, dev_addr) < 0)
		return -1;
	if (*vfio_dev_fd < 0)
		return rte_vfio_setup_device(sysfs_base, dev_addr, vfio_dev_fd,
				device_info);
	if (!vfio_available())
		return vfio_unavailable_fail(__func__);
	vfio_lock();
	ret = vfio_device_get_info_locked(dev_addr, *vfio_dev_fd, device_info);
	vfio_unlock();
	return ret;
}

/* ---- the module and no-IOMMU mode ---- */

static bool
module_loaded(const char *modname)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/module/%s", eal_sysfs_root(), modname);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
rte_vfio_enable(const char *modname)
{
	if (modname == NULL) {
		EAL_LOG(ERR, "VFIO: rte_vfio_enable() needs a module name (EINVAL)");
		return eal_fail(EINVAL);
	}
	if (!module_loaded(modname)) {
		EAL_LOG(INFO, "VFIO: module %s is not loaded: VFIO is not available (modprobe %s)",
			modname, modname);
		return 0;
	}
	if (!vfio_available())
		EAL_LOG(INFO, "VFIO not available: %s", strerror(vfio_unavailable_errno()));
	return 0;
}

int
rte_vfio_is_enabled(const char *modname)
{
	if (modname == NULL)
		return 0;
	return vfio_available() && module_loaded(modname) ? 1 : 0;
}

int
rte_vfio_noiommu_is_enabled(void)
{
	char path[PATH_MAX];
	char c = 0;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/module/vfio/parameters/enable_unsafe_noiommu_mode",
		eal_sysfs_root());
	f = fopen(path, "r");
	if (f == NULL) {
		err = errno;
		if (err == ENOENT)
			return 0; /* vfio without no-IOMMU support, or not loaded */
		EAL_LOG(ERR, "VFIO: cannot read %s: %s", path, strerror(err));
		return eal_fail(err);
	}
	if (fread(&c, 1, 1, f) != 1) {
		fclose(f);
		EAL_LOG(ERR, "VFIO: %s is empty (EIO)", path);
		return eal_fail(EIO);
	}
	fclose(f);
	return c == 'Y' || c == 'y' || c == '1';
}
