/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which page sizes the EAL can use, how many pages of each every NUMA node
 * can give, and where hugetlbfs is mounted for each size.
 *
 * Sources: <sysfs>/kernel/mm/hugepages/hugepages-<N>kB (sizes and global
 * counts), <sysfs>/devices/system/node/node<N>/hugepages (per node, with
 * libnuma), /proc/mounts (hugetlbfs mount points), sysconf (system pages).
 * The sysfs root is "/sys" unless a test points it at a fake tree with
 * eal_hugepage_info_set_sysfs_root(). Written once at init; no lock.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "eal_hugepage_info.h"
#include "eal_memseg.h"
#include "eal_private.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

static struct eal_page_type page_types[EAL_MAX_PAGE_SIZES];
static unsigned int n_page_types;
static char sysfs_root[PATH_MAX] = "/sys";

void
eal_hugepage_info_set_sysfs_root(const char *root)
{
	snprintf(sysfs_root, sizeof(sysfs_root), "%s",
		root != NULL && root[0] != '\0' ? root : "/sys");
}

unsigned int
eal_page_types(const struct eal_page_type **types)
{
	*types = page_types;
	return n_page_types;
}

void
eal_hugepage_info_reset(void)
{
	memset(page_types, 0, sizeof(page_types));
	n_page_types = 0;
}

/* sysfs_root + "/" + the formatted relative path; false if too long. */
static bool __rte_format_printf(3, 4)
sysfs_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s/", sysfs_root);
	if (n < 0 || (size_t)n >= len)
		return false;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return m >= 0 && (size_t)m < len - (size_t)n;
}

/* Read one unsigned number from a file; false if it is missing or bad. */
static bool
read_u64(const char *path, uint64_t *val)
{
	char buf[64];
	char *end;
	FILE *f = fopen(path, "re");
	bool ok = false;

	if (f == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		errno = 0;
		*val = strtoull(buf, &end, 10);
		ok = errno == 0 && end != buf;
	}
	fclose(f);
	return ok;
}

/* "2M", "1G", "2048k" -> bytes; 0 when not a size. */
static uint64_t
parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K':
		return v << 10;
	case 'm': case 'M':
		return v << 20;
	case 'g': case 'G':
		return v << 30;
	default:
		return 0;
	}
}

/* The default hugepage size from /proc/meminfo, 0 if unknown. */
static uint64_t
default_hugepage_size(void)
{
	char line[256];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Hugepagesize: %" SCNu64 " kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb << 10;
}

/* A writable hugetlbfs mount for page_sz into dir, "" if none. */
static void
find_mount(uint64_t page_sz, char *dir, size_t dir_len)
{
	char line[1024], mnt[512], type[64], opts[512];
	uint64_t def_sz = default_hugepage_size();
	FILE *f = fopen("/proc/mounts", "re");

	dir[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p;
		uint64_t sz = def_sz;

		if (sscanf(line, "%*s %511s %63s %511s", mnt, type, opts) != 3 ||
				strcmp(type, "hugetlbfs") != 0)
			continue;
		p = strstr(opts, "pagesize=");
		if (p != NULL)
			sz = parse_size(p + strlen("pagesize="));
		if (sz != page_sz || access(mnt, W_OK) != 0)
			continue;
		snprintf(dir, dir_len, "%s", mnt);
		break;
	}
	fclose(f);
}

/* Pages per node: per-node sysfs counts with libnuma, the global count otherwise. */
static void
count_pages(struct eal_page_type *t, const char *name, uint64_t global_free)
{
	char path[PATH_MAX];
	bool per_node = false;
	unsigned int node;

	if (RTE_HAS_LIBNUMA) {
		for (node = 0; node < RTE_MAX_NUMA_NODES; node++) {
			uint64_t n;

			if (!sysfs_path(path, sizeof(path),
					"devices/system/node/node%u/hugepages/%s/free_hugepages",
					node, name))
				continue;
			if (read_u64(path, &n)) {
				t->n_pages[node] = n;
				per_node = true;
			}
		}
	}
	if (!per_node)
		t->n_pages[0] = global_free;
}

static uint64_t
total_pages(const struct eal_page_type *t)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
		n += t->n_pages[i];
	return n;
}

/* The --huge-dir mount: its page size, or 0 with one ERR line. */
static uint64_t
huge_dir_page_size(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st) < 0) {
		EAL_LOG(ERR, "--huge-dir %s: %s", dir, strerror(errno));
		return 0;
	}
	if ((unsigned long)st.f_type != HUGETLBFS_MAGIC) {
		EAL_LOG(ERR, "--huge-dir %s is not a hugetlbfs mount: mount one with 'mount -t hugetlbfs nodev %s'",
			dir, dir);
		return 0;
	}
	return (uint64_t)st.f_bsize;
}

static int
add_hugepage_type(const char *name, const struct eal_internal_config *cfg,
		uint64_t only_sz)
{
	struct eal_page_type *t = &page_types[n_page_types];
	char path[PATH_MAX];
	uint64_t kb, global_free;

	if (sscanf(name, "hugepages-%" SCNu64 "kB", &kb) != 1)
		return 0;
	if (only_sz != 0 && kb << 10 != only_sz)
		return 0;
	if (!sysfs_path(path, sizeof(path), "kernel/mm/hugepages/%s/free_hugepages",
			name) || !read_u64(path, &global_free))
		return 0;
	if (n_page_types == EAL_MAX_PAGE_SIZES)
		return 0;

	memset(t, 0, sizeof(*t));
	t->page_sz = kb << 10;
	t->hugepage = true;
	count_pages(t, name, global_free);
	if (total_pages(t) == 0)
		return 0;
	if (only_sz != 0)
		snprintf(t->dir, sizeof(t->dir), "%s", cfg->hugepage_dir);
	else if (!cfg->in_memory)
		find_mount(t->page_sz, t->dir, sizeof(t->dir));
	EAL_LOG(INFO, "%" PRIu64 " free hugepages of %" PRIu64 " kB, backed by %s",
		total_pages(t), kb, t->dir[0] != '\0' ? t->dir : "memfd");
	n_page_types++;
	return 0;
}

static int
cmp_size_desc(const void *a, const void *b)
{
	const struct eal_page_type *x = a, *y = b;

	return x->page_sz < y->page_sz ? 1 : (x->page_sz > y->page_sz ? -1 : 0);
}

/* System pages: what each node's RAM can give (a bound for VA reservation). */
static void
add_system_type(void)
{
	struct eal_page_type *t = &page_types[0];
	uint64_t pgsz = eal_sys_page_size();
	char path[PATH_MAX], line[256];
	bool per_node = false;
	unsigned int node;

	memset(t, 0, sizeof(*t));
	t->page_sz = pgsz;
	if (RTE_HAS_LIBNUMA) {
		for (node = 0; node < RTE_MAX_NUMA_NODES; node++) {
			uint64_t kb;
			FILE *f;

			if (!sysfs_path(path, sizeof(path),
					"devices/system/node/node%u/meminfo", node))
				continue;
			f = fopen(path, "re");
			if (f == NULL)
				continue;
			while (fgets(line, sizeof(line), f) != NULL) {
				if (sscanf(line, "Node %*u MemTotal: %" SCNu64 " kB", &kb) == 1) {
					t->n_pages[node] = (kb << 10) / pgsz;
					per_node = t->n_pages[node] != 0 || per_node;
					break;
				}
			}
			fclose(f);
		}
	}
	if (!per_node)
		t->n_pages[0] = (uint64_t)sysconf(_SC_PHYS_PAGES);
	n_page_types = 1;
}

int
eal_hugepage_info_init(void)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	char path[PATH_MAX];
	uint64_t only_sz = 0;
	struct dirent *de;
	DIR *d;

	eal_hugepage_info_reset();
	if (cfg->no_hugetlbfs) {
		add_system_type();
		return 0;
	}
	if (cfg->hugepage_dir[0] != '\0') {
		only_sz = huge_dir_page_size(cfg->hugepage_dir);
		if (only_sz == 0)
			return eal_fail(EINVAL);
	}
	d = sysfs_path(path, sizeof(path), "kernel/mm/hugepages") ?
		opendir(path) : NULL;
	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			add_hugepage_type(de->d_name, cfg, only_sz);
		closedir(d);
	}
	if (n_page_types == 0) {
		if (only_sz != 0)
			EAL_LOG(ERR, "no free hugepages of %" PRIu64 " kB for --huge-dir %s: reserve some (echo N > /sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages)",
				only_sz >> 10, cfg->hugepage_dir, only_sz >> 10);
		else
			EAL_LOG(ERR, "no hugepages are reserved: reserve some with 'echo N > /proc/sys/vm/nr_hugepages' (as root), or run with --no-huge");
		return eal_fail(ENOMEM);
	}
	qsort(page_types, n_page_types, sizeof(page_types[0]), cmp_size_desc);
	return 0;
}
