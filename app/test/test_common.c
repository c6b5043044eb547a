/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the autotests (see test_common.h). */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_iova.h"
#include "eal_private.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"

/* ---- memory and files ---- */

void *
test_anon_map(size_t len, int extra_flags)
{
	void *p = test_dma_mmap(len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | extra_flags);

	return p == MAP_FAILED ? NULL : p;
}

void *
test_dma_mmap(size_t len, int prot, int flags)
{
	void *p = MAP_FAILED;

#ifdef MAP_32BIT
	/*
	 * In IOVA as VA a test buffer's address is its IOVA: mmap() alone
	 * puts it near 2^47, beyond a 39-bit IOMMU. Below 2 GiB every IOMMU
	 * reaches it (the EAL's memory starts at 4 GiB).
	 */
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		p = mmap(NULL, len, prot, flags | MAP_32BIT, -1, 0);
#endif
	if (p == MAP_FAILED)
		p = mmap(NULL, len, prot, flags, -1, 0);
	return p;
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

int
test_fake_file(const char *root, const char *rel, const char *content)
{
	char path[PATH_MAX], cmd[PATH_MAX + 32];
	char *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	if (system(cmd) != 0)
		return -1;
	*slash = '/';
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(content, f);
	return fclose(f);
}

void
test_remove_tree(const char *dir)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", dir);
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

int
test_one_log_line(const char *what)
{
	const char *log = test_log_release();

	TEST_ASSERT(log != NULL && test_count_lines(log) == 1,
		"%s: one log line, got:\n%s", what, log != NULL ? log : "(none)");
	return TEST_SUCCESS;
}

bool
test_under_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
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
test_vfio_start_as(const char *test, const char *mem_mode)
{
	if (test_eal_init("--no-huge", "--no-pci", mem_mode, NULL) < 0) {
		printf("FAIL %s(): rte_eal_init: %s\n", test, rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	if (rte_vfio_get_container_fd() < 0) {
		rte_eal_cleanup();
		return test_missing(test, "VFIO is not available here");
	}
	return TEST_SUCCESS;
}

int
test_model_start(const char *test, const char *why,
	const struct vfio_model_group_cfg *cfg)
{
	int ret;

	if (test_vfio_is_kernel()) {
		printf("SKIP %s(): %s\n", test, why);
		return TEST_SKIPPED;
	}
	ret = test_vfio_start_as(test, NULL);
	if (ret == TEST_SUCCESS && cfg != NULL && vfio_model_add_group(cfg) != 0) {
		printf("FAIL %s(): vfio_model_add_group: %s\n", test,
			rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	return ret;
}

int
test_vfio_start_with_buffer(uint64_t len, struct test_vfio_buf *b)
{
	int ret = test_vfio_start(NULL);

	if (ret != TEST_SUCCESS)
		return ret;
	b->len = len;
	b->buf = test_anon_map(len, MAP_POPULATE);
	TEST_ASSERT_NOT_NULL(b->buf, "mmap");
	b->va = (uintptr_t)b->buf;
	b->iova = test_iova_for(b->buf, len);
	TEST_ASSERT(b->iova != RTE_BAD_IOVA, "IOVA: %s", rte_strerror(rte_errno));
	b->cfd = rte_vfio_container_create();
	TEST_ASSERT(b->cfd >= 0, "create: %s", rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

int
test_vfio_stop_with_buffer(struct test_vfio_buf *b)
{
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(b->cfd), "destroy");
	test_iova_release(b->iova, b->len);
	munmap(b->buf, b->len);
	rte_eal_cleanup();
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

struct rte_vfio_container_stats
test_vfio_stats_of(int cfd)
{
	struct rte_vfio_container_stats st;

	memset(&st, 0xff, sizeof(st));
	if (rte_vfio_container_stats_get(cfd, &st) < 0)
		printf("  rte_vfio_container_stats_get(%d): %s\n", cfd,
			rte_strerror(rte_errno));
	return st;
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

static int
compat_of(struct vfio_container *cont, void *arg)
{
	*(bool *)arg = cont->iommufd_compat;
	return 0;
}

bool
test_vfio_iommufd_compat(int cfd)
{
	bool compat = false;

	vfio_with_container(__func__, cfd, compat_of, &compat);
	return compat;
}

bool
test_vfio_maps_no_bar(void)
{
	return rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV ||
		test_vfio_iommufd_compat(RTE_VFIO_DEFAULT_CONTAINER_FD);
}
