/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What VFIO itself answers, through the EAL's backend (the kernel, or the
 * type1 model in tests): the API version and extensions of a container,
 * and, from one viable group bound to a temporary container, the IOMMU's
 * page sizes, valid IOVA ranges and DMA entries left (GET_INFO).
 *
 * The probe changes nothing that outlives it: the group is unset and both
 * fds are closed before returning, and a group another process holds
 * (EBUSY) is left alone.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>
#include <rte_vfio.h>

#include "vfio_backend.h"
#include "vfio_info.h"
#include "vfio_diag.h"

#ifndef VFIO_UPDATE_VADDR
#define VFIO_UPDATE_VADDR 10
#endif
#ifndef VFIO_UNMAP_ALL
#define VFIO_UNMAP_ALL 9
#endif

static enum diag_tri
check_ext(const struct vfio_backend *be, int fd, unsigned long ext)
{
	int ret = be->ioctl(fd, VFIO_CHECK_EXTENSION, (void *)ext);

	return ret < 0 ? DIAG_UNKNOWN : ret > 0 ? DIAG_YES : DIAG_NO;
}

static void
read_extensions(const struct vfio_backend *be, int fd, struct diag_vfio *v)
{
	v->api_version = be->ioctl(fd, VFIO_GET_API_VERSION, NULL);
	v->type1 = check_ext(be, fd, VFIO_TYPE1_IOMMU);
	v->type1v2 = check_ext(be, fd, VFIO_TYPE1v2_IOMMU);
	v->spapr = check_ext(be, fd, VFIO_SPAPR_TCE_IOMMU);
	v->spapr_v2 = check_ext(be, fd, VFIO_SPAPR_TCE_v2_IOMMU);
	v->noiommu = check_ext(be, fd, VFIO_NOIOMMU_IOMMU);
	v->unmap_all = check_ext(be, fd, VFIO_UNMAP_ALL);
	v->update_vaddr = check_ext(be, fd, VFIO_UPDATE_VADDR);
}

struct info_ctx {
	const struct vfio_backend *be;
	int cfd;
};

static int
get_info_ioctl(void *ctx, void *buf)
{
	const struct info_ctx *c = ctx;

	return c->be->ioctl(c->cfd, VFIO_IOMMU_GET_INFO, buf);
}

/* GET_INFO through the EAL's one fetch and capability parser (vfio_info.h). */
static int
get_info(const struct vfio_backend *be, int cfd, struct diag_vfio *v)
{
	struct info_ctx ctx = { .be = be, .cfd = cfd };
	struct vfio_iommu_info info;
	void *buf = NULL;
	size_t sz = 0;
	uint32_t i;
	int ret;

	ret = vfio_info_fetch(get_info_ioctl, &ctx,
			sizeof(struct vfio_iommu_type1_info), &buf, &sz);
	if (ret < 0)
		return ret == -E2BIG ? -EIO : ret;
	ret = vfio_iommu_info_parse(buf, sz, &info);
	free(buf);
	if (ret < 0)
		return ret;
	v->pgsizes = info.pgsizes_known ? info.pgsizes : 0;
	v->ranges_known = info.ranges_known;
	v->n_ranges = 0;
	for (i = 0; i < info.n_ranges && v->n_ranges < DIAG_MAX_RANGES; i++) {
		v->ranges[v->n_ranges].start = info.ranges[i].start;
		v->ranges[v->n_ranges].end = info.ranges[i].end;
		v->n_ranges++;
	}
	free(info.ranges);
	v->avail_known = info.dma_avail_known;
	v->dma_avail = info.dma_avail;
	return 0;
}

/*
 * Bind group num to a fresh container, set the IOMMU and read GET_INFO.
 * Returns 0, 1 to try another group (this one is busy or not usable), or a
 * negative errno that another group would meet as well.
 */
static int
probe_group(const struct vfio_backend *be, int num, struct diag_vfio *v)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int cfd, gfd, type, ret = 0;

	snprintf(path, sizeof(path), VFIO_GROUP_FMT, (unsigned int)num);
	gfd = be->open(path, O_RDWR);
	if (gfd < 0) {
		snprintf(v->probe_note, sizeof(v->probe_note),
			"group %d: cannot open %s: %s%s", num, path, strerror(errno),
			errno == EBUSY ? " (in use by another process, left alone)" : "");
		return 1;
	}
	if (be->ioctl(gfd, VFIO_GROUP_GET_STATUS, &st) != 0 ||
			!(st.flags & VFIO_GROUP_FLAGS_VIABLE) ||
			(st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET)) {
		snprintf(v->probe_note, sizeof(v->probe_note),
			"group %d: %s", num, (st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) ?
			"already in a container" : "the kernel says it is not viable");
		be->close(gfd);
		return 1;
	}
	cfd = be->open(VFIO_CONTAINER_PATH, O_RDWR);
	if (cfd < 0) {
		ret = -errno;
		be->close(gfd);
		return ret;
	}
	if (be->ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd) != 0) {
		snprintf(v->probe_note, sizeof(v->probe_note),
			"group %d: VFIO_GROUP_SET_CONTAINER: %s", num, strerror(errno));
		be->close(cfd);
		be->close(gfd);
		return 1;
	}
	type = v->type1v2 == DIAG_YES ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
	v->probe_type = type == VFIO_TYPE1v2_IOMMU ? "type1v2" : "type1";
	if (be->ioctl(cfd, VFIO_SET_IOMMU, (void *)(uintptr_t)type) != 0) {
		ret = -errno;
		snprintf(v->probe_note, sizeof(v->probe_note),
			"group %d: VFIO_SET_IOMMU(%s): %s", num, v->probe_type,
			strerror(-ret));
	} else {
		ret = get_info(be, cfd, v);
		if (ret == 0) {
			v->probed = true;
			snprintf(v->probe_note, sizeof(v->probe_note),
				"group %d bound to a temporary container, released",
				num);
		} else {
			snprintf(v->probe_note, sizeof(v->probe_note),
				"group %d: VFIO_IOMMU_GET_INFO: %s", num, strerror(-ret));
		}
	}
	/* unset explicitly: the container must not outlive the probe */
	be->ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER, NULL);
	be->close(cfd);
	be->close(gfd);
	return ret;
}

static void
probe(const struct vfio_backend *be, struct diag_report *rep)
{
	struct diag_vfio *v = &rep->vfio;
	bool candidate = false;
	unsigned int i;

	for (i = 0; i < rep->n_groups; i++) {
		const struct diag_group *g = &rep->groups[i];
		int ret;

		if (!g->viable || !g->vfio_bound)
			continue;
		candidate = true;
		ret = probe_group(be, g->num, v);
		if (ret == 1)
			continue;
		v->probe_group = g->num;
		v->probe_errno = ret < 0 ? -ret : 0;
		return;
	}
	v->probe_errno = ENODEV;
	if (!candidate)
		snprintf(v->probe_note, sizeof(v->probe_note),
			"no viable group with a device bound to vfio-pci: page sizes, IOVA ranges and DMA entries need one");
}

void
diag_collect_vfio(const struct diag_options *opts, struct diag_report *rep)
{
	const struct vfio_backend *be = vfio_backend();
	struct diag_vfio *v = &rep->vfio;
	char path[PATH_MAX], val[16];
	int fd;

	memset(v, 0, sizeof(*v));
	v->probe_group = -1;
	v->type1 = v->type1v2 = v->spapr = v->spapr_v2 = DIAG_UNKNOWN;
	v->noiommu = v->unmap_all = v->update_vaddr = DIAG_UNKNOWN;
	snprintf(path, sizeof(path), "%s/module/vfio/parameters/enable_unsafe_noiommu_mode",
		opts->sysfs);
	v->noiommu_mode = diag_read_line(path, val, sizeof(val)) < 0 ? DIAG_UNKNOWN :
		(val[0] == 'Y' || val[0] == '1') ? DIAG_YES : DIAG_NO;
	v->present = be->present();
	if (!v->present) {
		v->open_errno = ENOENT;
		snprintf(v->probe_note, sizeof(v->probe_note),
			"%s does not exist: VFIO is not loaded", VFIO_CONTAINER_PATH);
		return;
	}
	fd = be->open(VFIO_CONTAINER_PATH, O_RDWR);
	if (fd < 0) {
		v->open_errno = errno;
		snprintf(v->probe_note, sizeof(v->probe_note), "cannot open %s: %s",
			VFIO_CONTAINER_PATH, strerror(errno));
		return;
	}
	read_extensions(be, fd, v);
	be->close(fd);
	if (opts->no_probe) {
		snprintf(v->probe_note, sizeof(v->probe_note),
			"not probed (--no-probe)");
		return;
	}
	if (v->type1v2 != DIAG_YES && v->type1 != DIAG_YES) {
		snprintf(v->probe_note, sizeof(v->probe_note),
			"no type1 IOMMU offered: nothing to probe");
		return;
	}
	probe(be, rep);
}
