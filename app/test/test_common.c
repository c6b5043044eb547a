/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the autotests (see test_common.h). */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"

/* ---- memory and files ---- */

void *
test_anon_map(size_t len, int extra_flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

long
test_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* ---- the EAL log ---- */

static char *log_buf;
static size_t log_len;
static FILE *log_f;
static FILE *log_prev;

int
test_log_capture(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
	log_prev = rte_log_get_stream();
	log_f = open_memstream(&log_buf, &log_len);
	if (log_f == NULL)
		return -1;
	rte_openlog_stream(log_f);
	return 0;
}

const char *
test_log_release(void)
{
	if (log_f == NULL)
		return NULL;
	/* stderr is the default stream: NULL brings the default back */
	rte_openlog_stream(log_prev == stderr ? NULL : log_prev);
	fclose(log_f);
	log_f = NULL;
	return log_buf != NULL ? log_buf : "";
}

unsigned int
test_count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* ---- VFIO ---- */

/* The IOMMU group of a PCI device from its sysfs link, or -1. */
static int
sysfs_group_of(const char *dir, const char *bdf)
{
	char path[PATH_MAX + 300], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/iommu_group", dir, bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	return atoi(base != NULL ? base + 1 : target);
}

/*
 * Call cb for each device bound to vfio-pci (in directory order) until it
 * returns non-zero.
 */
static void
vfio_pci_walk(int (*cb)(const struct test_vfio_dev *dev, void *arg), void *arg)
{
	char dir[PATH_MAX];
	struct test_vfio_dev dev;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/bus/pci/drivers/vfio-pci", eal_sysfs_root());
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		/* the driver's directory also holds bind, new_id, module, ... */
		if (strchr(de->d_name, ':') == NULL)
			continue;
		dev.num = sysfs_group_of(dir, de->d_name);
		if (dev.num < 0)
			continue;
		snprintf(dev.bdf, sizeof(dev.bdf), "%s", de->d_name);
		if (cb(&dev, arg) != 0)
			break;
	}
	closedir(d);
}

struct dev_list {
	struct test_vfio_dev *out;
	unsigned int n, max;
};

static int
dev_list_add(const struct test_vfio_dev *dev, void *arg)
{
	struct dev_list *l = arg;

	if (l->n < l->max)
		l->out[l->n++] = *dev;
	return l->n >= l->max;
}

unsigned int
test_vfio_pci_devices(struct test_vfio_dev *out, unsigned int max)
{
	struct dev_list l = { .out = out, .n = 0, .max = max };

	if (max > 0)
		vfio_pci_walk(dev_list_add, &l);
	return l.n;
}

struct group_pick {
	int except;
	int num;
};

static int
group_pick(const struct test_vfio_dev *dev, void *arg)
{
	struct group_pick *g = arg;

	if (g->except >= 0 && dev->num == g->except)
		return 0;
	g->num = dev->num;
	return 1;
}

int
test_vfio_pci_group(int except)
{
	struct group_pick g = { .except = except, .num = -1 };

	vfio_pci_walk(group_pick, &g);
	return g.num;
}

int
test_vfio_model_group(int num, const char *bdf)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = num,
		.devices = { bdf },
		.msi_window = true,
	};

	return vfio_model_add_group(&cfg);
}

int
test_vfio_start(const char *mem_mode)
{
	if (test_eal_init("--no-huge", "--no-pci", mem_mode, NULL) < 0) {
		printf("FAIL rte_eal_init: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	if (rte_vfio_get_container_fd() < 0) {
		rte_eal_cleanup();
		printf("SKIP VFIO is not available here\n");
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

uint64_t
test_vfio_records(int cfd)
{
	struct vfio_container_stats st;

	if (vfio_container_stats_get(cfd, &st) < 0)
		return UINT64_MAX;
	return st.records;
}

struct rte_pci_device *
test_vfio_edu(const struct rte_pci_device *prev)
{
	struct rte_pci_device *dev = (struct rte_pci_device *)(uintptr_t)prev;

	while ((dev = rte_pci_find_by_id(RTE_EDU_VENDOR_ID, RTE_EDU_DEVICE_ID,
			dev)) != NULL)
		if (strcmp(dev->kdrv, "vfio-pci") == 0)
			return dev;
	return NULL;
}
