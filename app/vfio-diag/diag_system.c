/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The machine around VFIO: IOMMU units and kernel command line hints,
 * type1's module parameters, the locked-memory limit, hugepage pools.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vfio_backend.h"
#include "eal_private.h"
#include "vfio_diag.h"

/* What kind of IOMMU a /sys/class/iommu entry is, from its name or device. */
static const char *
unit_type(const char *sysfs, const char *name)
{
	char path[PATH_MAX], drv[64], target[PATH_MAX];
	ssize_t n;

	if (strncmp(name, "dmar", 4) == 0)
		return "intel";
	if (strncmp(name, "ivhd", 4) == 0)
		return "amd";
	if (strncmp(name, "smmu", 4) == 0 || strncmp(name, "arm-smmu", 8) == 0)
		return "arm";
	if (strncmp(name, "virtio", 6) == 0)
		return "virtio";
	/* virtio-iommu names its unit after the device that carries it */
	snprintf(path, sizeof(path), "%s/class/iommu/%s/device/driver", sysfs, name);
	if (eal_link_basename(path, drv, sizeof(drv)) == 0 &&
			strstr(drv, "virtio") != NULL)
		return "virtio";
	snprintf(path, sizeof(path), "%s/class/iommu/%s/device", sysfs, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (strstr(target, "virtio") != NULL)
			return "virtio";
		if (strstr(target, "smmu") != NULL)
			return "arm";
	}
	return "unknown";
}

/* value of key=VALUE in the command line, or NULL; the last one wins */
static const char *
cmdline_value(const char *cmdline, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline, *found = NULL;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == cmdline || p[-1] == ' ') && p[klen] == '=')
			found = p + klen + 1;
		p += klen;
	}
	if (found == NULL)
		return NULL;
	snprintf(buf, len, "%.*s", (int)strcspn(found, " \n"), found);
	return buf;
}

/* "on", "1", "y" -> yes; "off", "0", "n" -> no */
static enum diag_tri
on_off(const char *v)
{
	if (v == NULL)
		return DIAG_UNKNOWN;
	if (strncmp(v, "on", 2) == 0 || strcmp(v, "1") == 0 || v[0] == 'y' ||
			v[0] == 'Y')
		return DIAG_YES;
	if (strncmp(v, "off", 3) == 0 || strcmp(v, "0") == 0 || v[0] == 'n' ||
			v[0] == 'N')
		return DIAG_NO;
	return DIAG_UNKNOWN;
}

void
diag_parse_cmdline(const char *cmdline, struct diag_iommu *iommu)
{
	char v[128];
	const char *val;

	snprintf(iommu->cmdline, sizeof(iommu->cmdline), "%s", cmdline);
	iommu->cmdline_known = true;
	iommu->intel_iommu = on_off(cmdline_value(cmdline, "intel_iommu", v, sizeof(v)));
	iommu->amd_iommu = on_off(cmdline_value(cmdline, "amd_iommu", v, sizeof(v)));
	iommu->passthrough = DIAG_UNKNOWN;
	iommu->cmdline_iommu_off = false;
	/* intel_iommu=on,sm_on and the like: the first word decides */
	val = cmdline_value(cmdline, "iommu", v, sizeof(v));
	if (val != NULL) {
		if (strcmp(val, "pt") == 0)
			iommu->passthrough = DIAG_YES;
		else if (strcmp(val, "nopt") == 0)
			iommu->passthrough = DIAG_NO;
		else if (strcmp(val, "off") == 0)
			iommu->cmdline_iommu_off = true;
	}
	val = cmdline_value(cmdline, "iommu.passthrough", v, sizeof(v));
	if (val != NULL)
		iommu->passthrough = on_off(val);
}

void
diag_collect_iommu(const struct diag_options *opts, struct diag_report *rep)
{
	struct diag_iommu *iommu = &rep->iommu;
	char path[PATH_MAX], line[1024];
	struct dirent *de;
	DIR *d;

	iommu->n_units = 0;
	snprintf(path, sizeof(path), "%s/class/iommu", opts->sysfs);
	d = opendir(path);
	while (d != NULL && (de = readdir(d)) != NULL) {
		struct diag_iommu_unit *u;

		if (de->d_name[0] == '.' || iommu->n_units >= DIAG_MAX_UNITS)
			continue;
		u = &iommu->units[iommu->n_units++];
		snprintf(u->name, sizeof(u->name), "%.63s", de->d_name);
		snprintf(u->type, sizeof(u->type), "%s",
			unit_type(opts->sysfs, de->d_name));
	}
	if (d != NULL)
		closedir(d);
	iommu->type = iommu->n_units > 0 ? iommu->units[0].type : "none";

	if (opts->cmdline != NULL) {
		diag_parse_cmdline(opts->cmdline, iommu);
		return;
	}
	snprintf(path, sizeof(path), "%s/cmdline", opts->proc);
	if (diag_read_line(path, line, sizeof(line)) == 0) {
		diag_parse_cmdline(line, iommu);
	} else {
		iommu->cmdline_known = false;
		iommu->intel_iommu = iommu->amd_iommu = DIAG_UNKNOWN;
		iommu->passthrough = DIAG_UNKNOWN;
	}
}

/* CapEff of this process has CAP_IPC_LOCK (bit 14) */
static enum diag_tri
cap_ipc_lock(void)
{
	char line[256];
	uint64_t caps;
	enum diag_tri ret = DIAG_UNKNOWN;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return DIAG_UNKNOWN;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %" SCNx64, &caps) == 1)
			ret = (caps >> 14) & 1 ? DIAG_YES : DIAG_NO;
	fclose(f);
	return ret;
}

static uint64_t
vm_locked(void)
{
	char line[256];
	uint64_t kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %" SCNu64 " kB", &kib) == 1)
			break;
	fclose(f);
	return kib * 1024;
}

void
diag_collect_limits(const struct diag_options *opts, struct diag_report *rep)
{
	const struct vfio_backend *be = vfio_backend();
	struct diag_limits *lim = &rep->limits;
	char path[PATH_MAX], val[16];
	uint64_t v;
	struct rlimit rl;
	long pgsz = sysconf(_SC_PAGESIZE);

	lim->page_size = pgsz > 0 ? (uint64_t)pgsz : 4096;
	snprintf(path, sizeof(path),
		"%s/module/vfio_iommu_type1/parameters/dma_entry_limit", opts->sysfs);
	lim->dma_entry_limit = diag_read_u64(path, &v) == 0 ? (int64_t)v : -1;
	snprintf(path, sizeof(path),
		"%s/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
		opts->sysfs);
	lim->unsafe_interrupts = diag_read_line(path, val, sizeof(val)) == 0 ?
		on_off(val) : DIAG_UNKNOWN;

	lim->memlock_known = false;
	lim->memlock_hard = 0;
	lim->cap_ipc_lock = DIAG_UNKNOWN;
	if (be->memlock != NULL &&
			be->memlock(&lim->memlock_limit, &lim->locked,
				&lim->memlock_any_amount) == 0)
		lim->memlock_known = true;
	if (be != &vfio_backend_kernel)
		return;
	/* the kernel backend skips VmLck when unlimited; the report wants it */
	lim->locked = vm_locked();
	lim->cap_ipc_lock = cap_ipc_lock();
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		lim->memlock_hard = rl.rlim_max == RLIM_INFINITY ?
			UINT64_MAX : (uint64_t)rl.rlim_max;
}

/* hugetlbfs mounts of <proc>/mounts, by page size */
static void
find_mounts(const struct diag_options *opts, struct diag_report *rep,
		uint64_t default_sz)
{
	char path[PATH_MAX], line[1024], dev[256], dir[256], type[64], o[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/mounts", opts->proc);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		uint64_t sz = default_sz;
		const char *ps;
		unsigned int i;

		if (sscanf(line, "%255s %255s %63s %511s", dev, dir, type, o) != 4 ||
				strcmp(type, "hugetlbfs") != 0)
			continue;
		ps = strstr(o, "pagesize=");
		if (ps != NULL) {
			char *end;

			sz = strtoull(ps + 9, &end, 10);
			if (*end == 'K')
				sz <<= 10;
			else if (*end == 'M')
				sz <<= 20;
			else if (*end == 'G')
				sz <<= 30;
		}
		for (i = 0; i < rep->n_pools; i++)
			if (rep->pools[i].page_sz == sz && rep->pools[i].mount[0] == '\0')
				snprintf(rep->pools[i].mount, sizeof(rep->pools[i].mount),
					"%s", dir);
	}
	fclose(f);
}

static uint64_t
default_hugepage_size(const struct diag_options *opts)
{
	char path[PATH_MAX], line[256];
	uint64_t kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/meminfo", opts->proc);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %" SCNu64 " kB", &kib) == 1)
			break;
	fclose(f);
	return kib << 10;
}

static void
pool_nodes(const struct diag_options *opts, struct diag_pool *p,
		const char *name)
{
	char path[PATH_MAX], file[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/devices/system/node", opts->sysfs);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && p->n_nodes < DIAG_MAX_NODES) {
		unsigned int i = p->n_nodes;
		char *end;
		long node;

		if (strncmp(de->d_name, "node", 4) != 0)
			continue;
		node = strtol(de->d_name + 4, &end, 10);
		if (*end != '\0' || end == de->d_name + 4)
			continue;
		snprintf(file, sizeof(file), "%s/%s/hugepages/%s/nr_hugepages",
			path, de->d_name, name);
		if (diag_read_u64(file, &p->node_total[i]) < 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s/hugepages/%s/free_hugepages",
			path, de->d_name, name);
		if (diag_read_u64(file, &p->node_free[i]) < 0)
			p->node_free[i] = 0;
		p->node[i] = (int)node;
		p->n_nodes++;
	}
	closedir(d);
}

static int
pool_cmp(const void *a, const void *b)
{
	const struct diag_pool *pa = a, *pb = b;

	return pa->page_sz < pb->page_sz ? -1 : pa->page_sz > pb->page_sz;
}

void
diag_collect_hugepages(const struct diag_options *opts, struct diag_report *rep)
{
	char path[PATH_MAX], file[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	rep->n_pools = 0;
	snprintf(path, sizeof(path), "%s/kernel/mm/hugepages", opts->sysfs);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && rep->n_pools < DIAG_MAX_POOLS) {
		struct diag_pool *p = &rep->pools[rep->n_pools];
		unsigned long long kib;

		if (sscanf(de->d_name, "hugepages-%llukB", &kib) != 1)
			continue;
		memset(p, 0, sizeof(*p));
		p->page_sz = (uint64_t)kib << 10;
		snprintf(file, sizeof(file), "%s/%s/nr_hugepages", path, de->d_name);
		if (diag_read_u64(file, &p->total) < 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s/free_hugepages", path, de->d_name);
		diag_read_u64(file, &p->free);
		snprintf(file, sizeof(file), "%s/%s/surplus_hugepages", path, de->d_name);
		diag_read_u64(file, &p->surplus);
		snprintf(file, sizeof(file), "%s/%s/resv_hugepages", path, de->d_name);
		diag_read_u64(file, &p->resv);
		pool_nodes(opts, p, de->d_name);
		rep->n_pools++;
	}
	closedir(d);
	qsort(rep->pools, rep->n_pools, sizeof(rep->pools[0]), pool_cmp);
	find_mounts(opts, rep, default_hugepage_size(opts));
}
