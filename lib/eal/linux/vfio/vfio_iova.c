/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the IOMMU accepts, learned before it matters:
 * - the reserved IOVA regions of each group (sysfs reserved_regions),
 *   kept per container so that a refusal can name the window it hits;
 * - the valid IOVA ranges a group would have on its own, probed in a
 *   temporary container: at init (before any memory gets an IOVA, for the
 *   choice of the IOVA mode) and before a group joins a container whose
 *   IOMMU holds mappings (the kernel refuses a group whose aperture
 *   excludes one with a bare EINVAL, and only after the attach). The first
 *   group of a container needs no probe: alone, its ranges are the
 *   container's, read once it joined and checked before the replay.
 *
 * Everything here but vfio_probe_iova_ranges() runs with the VFIO lock
 * held (vfio_container.c); that one takes it.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_vfio.h>

#include "eal_iova.h"
#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_iommu.h"
#include "vfio_iommufd.h"
#include "vfio_private.h"

/* ---- reserved regions ---- */

/*
 * The file is a few lines of "start end type" (the kernel prints them in
 * hex with a 0x prefix). It is read with one or two read()s into a buffer
 * rather than through stdio: a bind reads it, and a FILE costs an
 * allocation, an fstat() and more code on that path.
 */
#define RESV_FILE_MAX 8192

/* One line into r; false when it is not "start end type". */
static bool
parse_resv_line(const char *line, struct vfio_resv_region *r)
{
	const char *p = line, *q;
	char *stop;
	size_t tlen;

	r->start = strtoull(p, &stop, 16);
	if (stop == p)
		return false;
	q = stop;
	r->end = strtoull(q, &stop, 16);
	if (stop == q)
		return false;
	p = stop + strspn(stop, " \t");
	tlen = strcspn(p, " \t\n");
	if (tlen == 0 || tlen >= sizeof(r->type))
		return false;
	memcpy(r->type, p, tlen);
	r->type[tlen] = '\0';
	return true;
}

int
vfio_resv_read(int num, struct vfio_resv_region *out, unsigned int max)
{
	char path[PATH_MAX], buf[RESV_FILE_MAX];
	const char *line, *eol;
	unsigned int n = 0;
	size_t len = 0;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/reserved_regions",
		eal_sysfs_root(), num);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* no IOMMU group in sysfs: nothing reserved known */
	while (len < sizeof(buf) - 1) {
		got = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	/* as far as the lines parse, as a scanf loop would */
	for (line = buf; n < max && *line != '\0'; line = eol + 1) {
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line) - 1; /* the last, unterminated */
		if (line[strspn(line, " \t")] == '\n')
			continue; /* a blank line, which scanf would skip too */
		if (!parse_resv_line(line, &out[n]))
			break;
		/* the kernel lets mappings over direct-relaxable regions */
		if (strcmp(out[n].type, "direct-relaxable") == 0 ||
				out[n].end < out[n].start)
			continue;
		out[n].group = num;
		n++;
	}
	return (int)n;
}

int
vfio_resv_add_group_locked(struct vfio_container *cont,
		const struct vfio_resv_region *rd, int n)
{
	struct vfio_resv_region *tmp;

	vfio_assert_locked();
	if (n <= 0)
		return 0;
	tmp = vfio_realloc(cont->resv, (cont->n_resv + n) * sizeof(*tmp));
	if (tmp == NULL)
		return eal_fail(ENOMEM);
	memcpy(&tmp[cont->n_resv], rd, n * sizeof(*tmp));
	cont->resv = tmp;
	cont->n_resv += n;
	return 0;
}

void
vfio_resv_drop_group_locked(struct vfio_container *cont, int num)
{
	unsigned int i, k = 0;

	vfio_assert_locked();
	for (i = 0; i < cont->n_resv; i++)
		if (cont->resv[i].group != num)
			cont->resv[k++] = cont->resv[i];
	cont->n_resv = k;
	if (k == 0) {
		free(cont->resv);
		cont->resv = NULL;
	}
}

const struct vfio_resv_region *
vfio_resv_find_locked(const struct vfio_container *cont, uint64_t iova,
		uint64_t len)
{
	uint64_t last = iova + len - 1;
	unsigned int i;

	vfio_assert_locked();
	for (i = 0; i < cont->n_resv; i++)
		if (iova <= cont->resv[i].end && last >= cont->resv[i].start)
			return &cont->resv[i];
	return NULL;
}

void
vfio_resv_describe(const struct vfio_resv_region *r, char *buf, size_t len)
{
	bool x86_msi = r->start == VFIO_X86_MSI_START && r->end == VFIO_X86_MSI_END;

	snprintf(buf, len, "%s 0x%" PRIx64 "-0x%" PRIx64 " (reserved region '%s' of IOMMU group %d)",
		x86_msi ? "the x86 MSI window" :
		strcmp(r->type, "msi") == 0 ? "the MSI window" : "the reserved window",
		r->start, r->end, r->type, r->group);
}

/* ---- probing a group's own ranges ---- */

static int
probe_in(struct vfio_container *tmp, int group_fd, int num)
{
	const struct vfio_iommu_ops *ops = tmp->ops;
	int type, err;

	if (ops->attach_group(tmp, group_fd) != 0) {
		err = errno;
		EAL_LOG(DEBUG, "VFIO: probe of IOMMU group %d: SET_CONTAINER: %s",
			num, strerror(err));
		return eal_fail(err);
	}
	/* a failing query is the kernel's error, not a "no" */
	if (ops->query_types(tmp) != 0) {
		type = -1;
		err = errno;
	} else {
		type = tmp->has_v2 ? RTE_VFIO_TYPE1V2 :
			tmp->has_v1 ? RTE_VFIO_TYPE1 : -1;
		err = ENOTSUP;
	}
	if (type < 0 || ops->set_iommu(tmp, type) != 0) {
		if (type >= 0)
			err = errno;
		EAL_LOG(DEBUG, "VFIO: probe of IOMMU group %d: no type1 IOMMU: %s",
			num, strerror(err));
		ops->detach_group(group_fd);
		return eal_fail(err);
	}
	tmp->state = VFIO_CONT_IOMMU;
	err = vfio_container_read_info_locked(tmp) < 0 ? rte_errno : 0;
	/* the last group leaving takes the temporary IOMMU with it */
	if (ops->detach_group(group_fd) != 0 && err == 0) {
		err = errno;
		EAL_LOG(ERR, "VFIO: probe of IOMMU group %d: leaving the temporary container failed: %s",
			num, strerror(err));
	}
	return err != 0 ? eal_fail(err) : 0;
}

int
vfio_group_probe_ranges_locked(int group_fd, int num,
		struct vfio_iova_range **ranges, unsigned int *n)
{
	struct vfio_container tmp;
	int ret, err;

	vfio_assert_locked();
	memset(&tmp, 0, sizeof(tmp));
	tmp.state = VFIO_CONT_NO_GROUP;
	tmp.ops = vfio_iommu_default_ops();
	/* a bare container: no records, no log line when it cannot open */
	tmp.fd = vfio_backend()->open(VFIO_CONTAINER_PATH, O_RDWR);
	if (tmp.fd < 0) {
		err = errno;
		EAL_LOG(DEBUG, "VFIO: probe of IOMMU group %d: cannot open %s: %s",
			num, VFIO_CONTAINER_PATH, strerror(err));
		return eal_fail(err);
	}
	ret = probe_in(&tmp, group_fd, num);
	err = rte_errno;
	tmp.ops->close(&tmp);
	if (ret < 0) {
		free(tmp.ranges);
		return eal_fail(err);
	}
	*ranges = tmp.ranges;
	*n = tmp.n_ranges;
	return 0;
}

static void
format_ranges(const struct vfio_iova_range *r, unsigned int n, char *buf,
		size_t len)
{
	unsigned int i;
	size_t off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s[0x%" PRIx64 ", 0x%" PRIx64 "]",
			i > 0 ? ", " : "", (uint64_t)r[i].start, (uint64_t)r[i].end);
}

static bool
inside_one(const struct vfio_iova_range *r, unsigned int n, uint64_t iova,
		uint64_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (iova >= r[i].start && iova + len - 1 <= r[i].end)
			return true;
	return false;
}

/*
 * Every record of cont inside one of the ranges r[0..n) a group has on
 * its own, or ERANGE naming the first that is not; no ranges (no
 * IOVA_RANGE capability): the kernel decides.
 */
static int
records_fit_group(struct vfio_container *cont, int num,
		const struct vfio_iova_range *r, unsigned int n)
{
	const struct vfio_record *rec;
	char buf[256];

	for (rec = vfio_records_first(cont->records); rec != NULL && n > 0;
			rec = vfio_records_next(cont->records, rec))
		if (!inside_one(r, n, rec->iova, rec->len))
			break;
	if (rec == NULL || n == 0)
		return 0;
	format_ranges(r, n, buf, sizeof(buf));
	EAL_LOG(ERR, "VFIO: IOMMU group %d cannot join container %d: its valid IOVA ranges %s exclude the mapping IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] (vaddr 0x%" PRIx64 ", %s) of the container%s; unmap it, or put the group in another container (ERANGE)",
		num, cont->fd, buf, rec->iova, rec->iova + rec->len - 1,
		rec->vaddr, vfio_dma_kind_name(rec->kind),
		rec->iova > r[n - 1].end ? ": it lies above the last valid range, which ends at the IOMMU's address width" : "");
	cont->stats.refused_checks++;
	return eal_fail(ERANGE);
}

int
vfio_group_check_fit_locked(struct vfio_container *cont,
		const struct vfio_group *grp)
{
	struct vfio_iova_range *r = NULL;
	unsigned int n = 0;
	int ret;

	vfio_assert_locked();
	/*
	 * Without an IOMMU nothing of the container is in the kernel: the
	 * group joins, and container_set_iommu() checks the records against
	 * its ranges (the container's, it being alone) before the replay
	 * (vfio_group_check_first_fit_locked()). No probe is needed.
	 */
	if (grp->noiommu || cont->state != VFIO_CONT_IOMMU ||
			vfio_records_count(cont->records) == 0)
		return 0;
	/*
	 * iommufd: the group's cdevs (opened, not yet bound) alone in a
	 * temporary IOAS, as type1 probes the group alone in a temporary
	 * container; the kernel would refuse the attach itself, with less
	 * to say about which mapping is in the way
	 */
	if ((cont->ops->cdev ? vfio_iommufd_probe_ranges(grp->num, &r, &n) :
			vfio_group_probe_ranges_locked(grp->fd, grp->num, &r, &n)) < 0) {
		EAL_LOG(ERR, "VFIO: IOMMU group %d: its valid IOVA ranges could not be probed before it joins container %d: %s",
			grp->num, cont->fd, rte_strerror(rte_errno));
		free(r);
		return -1;
	}
	ret = records_fit_group(cont, grp->num, r, n);
	free(r);
	return ret;
}

int
vfio_group_check_first_fit_locked(struct vfio_container *cont,
		const struct vfio_group *grp)
{
	vfio_assert_locked();
	return records_fit_group(cont, grp->num, cont->ranges, cont->n_ranges);
}

/* ---- the probe at init ---- */

/* Count devices on a VFIO driver; stop at one on another driver. */
static int
count_vfio_device(const char *bdf __rte_unused, const char *drv, void *arg)
{
	unsigned int *n_vfio = arg;

	if (drv[0] == '\0')
		return 0;
	if (strncmp(drv, "vfio", 4) != 0)
		return 1;
	(*n_vfio)++;
	return 0;
}

/* Every device of the group is bound to a VFIO driver (or to none), one at least. */
static bool
group_is_vfio(int num)
{
	unsigned int n_vfio = 0;

	return vfio_group_devices_walk(num, count_vfio_device, &n_vfio) == 0 &&
		n_vfio > 0;
}

/* Keep in acc only what also lies in r (both ascending, inclusive ends). */
static unsigned int
intersect(struct eal_iova_range *acc, unsigned int n_acc,
		const struct vfio_iova_range *r, unsigned int n_r, unsigned int max)
{
	struct eal_iova_range out[32];
	unsigned int i, j, n = 0;

	for (i = 0; i < n_acc; i++) {
		for (j = 0; j < n_r && n < RTE_MIN(max, (unsigned int)RTE_DIM(out)); j++) {
			uint64_t s = RTE_MAX(acc[i].start, (uint64_t)r[j].start);
			uint64_t e = RTE_MIN(acc[i].end, (uint64_t)r[j].end);

			if (s <= e) {
				out[n].start = s;
				out[n].end = e;
				n++;
			}
		}
	}
	memcpy(acc, out, n * sizeof(*out));
	return n;
}

static int
probe_one(int num, struct vfio_iova_range **r, unsigned int *n)
{
	const struct vfio_iommu_ops *ops = vfio_iommu_default_ops();
	bool viable, in_container;
	char path[64];
	int fd, ret = -1;

	/* cdev mode: the group node must stay closed; ask iommufd */
	if (ops->cdev)
		return vfio_iommufd_probe_ranges(num, r, n);
	snprintf(path, sizeof(path), VFIO_GROUP_FMT, (unsigned int)num);
	fd = vfio_backend()->open(path, O_RDWR);
	if (fd < 0)
		return -1; /* in use by another process, or gone */
	if (ops->group_status(fd, &viable, &in_container) == 0 && viable &&
			!in_container)
		ret = vfio_group_probe_ranges_locked(fd, num, r, n);
	vfio_backend()->close(fd);
	return ret;
}

void
vfio_probe_iova_ranges(void)
{
	struct eal_iova_range acc[32];
	char dir[PATH_MAX], what[64] = "", buf[256];
	unsigned int n_acc = 0, probed = 0;
	struct dirent *de;
	DIR *d;

	eal_iova_set_ranges(NULL, 0, NULL);
	snprintf(dir, sizeof(dir), "%s/kernel/iommu_groups", eal_sysfs_root());
	d = opendir(dir);
	if (d == NULL)
		return;
	vfio_lock();
	while ((de = readdir(d)) != NULL) {
		struct vfio_iova_range *r = NULL;
		unsigned int n = 0;
		char *end;
		long num = strtol(de->d_name, &end, 10);

		if (de->d_name[0] == '.' || *end != '\0' || num < 0 ||
				num > INT_MAX || !group_is_vfio((int)num) ||
				vfio_group_find_locked((int)num) != NULL)
			continue;
		if (probe_one((int)num, &r, &n) < 0 || n == 0) {
			free(r);
			continue;
		}
		if (probed == 0) {
			n_acc = RTE_MIN(n, (unsigned int)RTE_DIM(acc));
			for (unsigned int i = 0; i < n_acc; i++) {
				acc[i].start = r[i].start;
				acc[i].end = r[i].end;
			}
			snprintf(what, sizeof(what), "IOMMU group %ld", num);
		} else {
			n_acc = intersect(acc, n_acc, r, n, RTE_DIM(acc));
			snprintf(what, sizeof(what), "%u IOMMU groups", probed + 1);
		}
		probed++;
		free(r);
	}
	vfio_unlock();
	closedir(d);
	if (probed == 0)
		return;
	eal_iova_set_ranges(acc, n_acc, what);
	buf[0] = '\0';
	for (unsigned int i = 0, off = 0; i < n_acc && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s[0x%" PRIx64 ", 0x%" PRIx64 "]",
			i > 0 ? ", " : "", acc[i].start, acc[i].end);
	EAL_LOG(INFO, "VFIO: valid IOVA ranges of %s: %s", what, buf);
}
