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

/* ---- IOVAs for the tests' own DMA maps ---- */

/* IOVA as PA: nothing above this is handed out, also on wider IOMMUs */
#define PA_TOP_MAX (1ULL << 48)
/* IOVA as PA with no valid range probed: the narrowest VT-d in use */
#define PA_TOP_UNKNOWN (1ULL << 39)
#define ALIGN_MAX (1ULL << 30)
#define N_RANGES 32

enum held_kind {
	HELD_FREE,
	HELD_VA,        /* the address itself */
	HELD_VA_SPARE,  /* a reserved VA range used as IOVA */
	HELD_ALLOC,     /* a block of rte_mem_iova_alloc() */
	HELD_TOP,       /* IOVA as PA: a block below the top of the ranges */
};

struct held_iova {
	enum held_kind kind;
	uint64_t iova;  /* as handed out */
	size_t len;
	uint64_t base;  /* the block (or reservation) behind it */
	size_t size;
};

static struct held_iova held[TEST_IOVA_MAX];

enum test_iova_mode { MODE_NONE, MODE_VA, MODE_ALLOC, MODE_PA };

static enum test_iova_mode
iova_mode(void)
{
	switch (rte_eal_iova_mode()) {
	case RTE_IOVA_VA:
		return MODE_VA;
	case RTE_IOVA_PA:
		return rte_eal_iova_mode_is_allocated() ? MODE_ALLOC : MODE_PA;
	default:
		return MODE_NONE;
	}
}

const char *
test_iova_mode_name(void)
{
	static const char *const names[] = {
		[MODE_NONE] = "none (EAL not initialized)",
		[MODE_VA] = "VA", [MODE_ALLOC] = "allocated", [MODE_PA] = "PA",
	};

	return names[iova_mode()];
}

static struct held_iova *
held_slot(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(held); i++)
		if (held[i].kind == HELD_FREE)
			return &held[i];
	rte_errno = ENOSPC;
	return NULL;
}

/* The largest power of two dividing a (a != 0), at most max. */
static uint64_t
low_bit(uint64_t a, uint64_t max)
{
	uint64_t b = a & (~a + 1);

	return b == 0 || b > max ? max : b;
}

/* The smallest power of two >= n. */
static uint64_t
pow2_ceil(uint64_t n)
{
	uint64_t p = 1;

	while (p < n && p != 0)
		p <<= 1;
	return p != 0 ? p : n;
}

static int
memseg_end_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	uint64_t *end = arg;

	(void)msl;
	if (ms->iova != RTE_BAD_IOVA && ms->iova + ms->len > *end)
		*end = ms->iova + ms->len;
	return 0;
}

/*
 * The end of physical RAM from /proc/iomem (its top-level "System RAM"
 * lines; real addresses need root, which IOVA as PA has), or 0.
 */
static uint64_t
ram_end(void)
{
	char line[256];
	uint64_t lo, hi, end = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] != ' ' && strstr(line, ": System RAM") != NULL &&
				sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2 &&
				hi + 1 > end)
			end = hi + 1;
	fclose(f);
	return end;
}

/*
 * IOVA as PA: a block of size bytes at align, as high as possible inside
 * one valid range, below every block held and above the memsegs and RAM.
 */
static uint64_t
top_block(size_t size, uint64_t align)
{
	struct eal_iova_range r[N_RANGES];
	uint64_t floor = 0, ceiling = PA_TOP_MAX, last, cand;
	unsigned int n, i;

	n = eal_iova_get_ranges(r, RTE_DIM(r));
	if (n == 0) {
		r[0] = (struct eal_iova_range){ .start = 0, .end = PA_TOP_UNKNOWN - 1 };
		n = 1;
	}
	n = RTE_MIN(n, (unsigned int)RTE_DIM(r));
	rte_memseg_walk(memseg_end_cb, &floor);
	floor = RTE_MAX(floor, ram_end());
	for (i = 0; i < RTE_DIM(held); i++)
		if (held[i].kind == HELD_TOP && held[i].base < ceiling)
			ceiling = held[i].base;
	for (i = n; i-- > 0;) {
		if (r[i].start >= ceiling)
			continue;
		last = RTE_MIN(r[i].end, ceiling - 1);
		if (last - r[i].start + 1 < size)
			continue;
		cand = RTE_ALIGN_FLOOR(last - (size - 1), align);
		if (cand >= r[i].start && cand >= floor)
			return cand;
	}
	rte_errno = ENOMEM;
	return RTE_BAD_IOVA;
}

/* A block of size bytes at align in the allocated or PA mode. */
static int
block_get(enum test_iova_mode mode, size_t size, uint64_t align,
		struct held_iova *h)
{
	uint64_t base;

	if (mode == MODE_ALLOC) {
		base = rte_mem_iova_alloc(size, align);
		h->kind = HELD_ALLOC;
	} else {
		base = top_block(size, align);
		h->kind = HELD_TOP;
	}
	if (base == RTE_BAD_IOVA) {
		h->kind = HELD_FREE;
		return -1;
	}
	h->base = base;
	h->size = size;
	return 0;
}

/*
 * IOVA as VA: an address range of the process nobody can use is an IOVA
 * nobody maps. Reserves size bytes at align into h (h->iova its start).
 */
static int
va_spare_get(size_t size, uint64_t align, struct held_iova *h)
{
	void *p = test_dma_mmap(size + align, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);

	if (p == MAP_FAILED) {
		rte_errno = ENOMEM;
		return -1;
	}
	h->kind = HELD_VA_SPARE;
	h->base = (uintptr_t)p;
	h->size = size + align;
	h->iova = RTE_ALIGN_CEIL((uintptr_t)p, align);
	return 0;
}

uint64_t
test_iova_for(const void *va, size_t len)
{
	enum test_iova_mode mode = iova_mode();
	uint64_t pg = test_page_size(), off, size;
	struct held_iova *h;

	if (va == NULL || len == 0 || mode == MODE_NONE) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	h = held_slot();
	if (h == NULL)
		return RTE_BAD_IOVA;
	off = (uintptr_t)va % pg;
	size = RTE_ALIGN_CEIL(off + len, pg);
	if (mode == MODE_VA && eal_iova_is_reachable((uintptr_t)va, len)) {
		h->kind = HELD_VA;
		h->iova = (uintptr_t)va;
	} else if (mode == MODE_VA) {
		/*
		 * IOVA as VA, but this VA is beyond the IOMMU (a BAR or hugepages
		 * that mmap() placed near 2^47 on a 39-bit IOMMU): a spare IOVA
		 * inside the reach, aligned as the VA is, held in this slot.
		 */
		if (va_spare_get(size, RTE_MAX(pg, low_bit((uintptr_t)va - off,
				RTE_MIN(ALIGN_MAX, pow2_ceil(size)))), h) < 0)
			return RTE_BAD_IOVA;
		h->iova += off;
	} else {
		if (block_get(mode, size, RTE_MAX(pg, low_bit((uintptr_t)va - off,
				RTE_MIN(ALIGN_MAX, pow2_ceil(size)))), h) < 0)
			return RTE_BAD_IOVA;
		h->iova = h->base + off;
	}
	h->len = len;
	return h->iova;
}

uint64_t
test_iova_spare(size_t len, size_t align)
{
	enum test_iova_mode mode = iova_mode();
	size_t pg = test_page_size();
	struct held_iova *h;
	size_t size;

	if (align == 0)
		align = pg;
	if (len == 0 || mode == MODE_NONE || (align & (align - 1)) != 0) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	h = held_slot();
	if (h == NULL)
		return RTE_BAD_IOVA;
	size = RTE_ALIGN_CEIL(len, pg);
	if (mode != MODE_VA) {
		if (block_get(mode, size, RTE_MAX(align, pg), h) < 0)
			return RTE_BAD_IOVA;
		h->iova = h->base;
		h->len = len;
		return h->iova;
	}
	if (va_spare_get(size, align, h) < 0)
		return RTE_BAD_IOVA;
	h->len = len;
	return h->iova;
}

int
test_iova_release(uint64_t iova, size_t len)
{
	struct held_iova *h = NULL;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < RTE_DIM(held) && h == NULL; i++)
		if (held[i].kind != HELD_FREE && held[i].iova == iova &&
				held[i].len == len)
			h = &held[i];
	if (h == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	if (h->kind == HELD_ALLOC)
		ret = rte_mem_iova_free(h->base, h->size);
	else if (h->kind == HELD_VA_SPARE &&
			munmap((void *)(uintptr_t)h->base, h->size) < 0) {
		rte_errno = errno;
		ret = -1;
	}
	h->kind = HELD_FREE;
	return ret;
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
test_vfio_start(const char *mem_mode)
{
	if (test_eal_init("--no-huge", "--no-pci", mem_mode, NULL) < 0) {
		printf("FAIL rte_eal_init: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	if (rte_vfio_get_container_fd() < 0) {
		rte_eal_cleanup();
		return test_missing(__func__, "VFIO is not available here");
	}
	return TEST_SUCCESS;
}

int
test_vfio_start_with_buffer(uint64_t len, void **buf, uint64_t *iova, int *cfd)
{
	int ret = test_vfio_start(NULL);

	if (ret != TEST_SUCCESS)
		return ret;
	*buf = test_anon_map(len, MAP_POPULATE);
	TEST_ASSERT_NOT_NULL(*buf, "mmap");
	*iova = test_iova_for(*buf, len);
	TEST_ASSERT(*iova != RTE_BAD_IOVA, "IOVA: %s", rte_strerror(rte_errno));
	*cfd = rte_vfio_container_create();
	TEST_ASSERT(*cfd >= 0, "create: %s", rte_strerror(rte_errno));
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

uint64_t *
test_iova_table(const void *va, size_t len, size_t pg)
{
	uint64_t base = test_iova_for(va, len);
	size_t i, n = len / pg;
	uint64_t *t;

	if (base == RTE_BAD_IOVA)
		return NULL;
	t = malloc(RTE_MAX(n, (size_t)1) * sizeof(*t));
	if (t == NULL) {
		test_iova_release(base, len);
		rte_errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++)
		t[i] = base + i * pg;
	return t;
}

void
test_iova_table_free(uint64_t *table, size_t len)
{
	if (table == NULL)
		return;
	test_iova_release(table[0], len);
	free(table);
}

bool
test_vfio_iommufd_compat(int cfd)
{
	struct vfio_container *cont;
	bool compat = false;

	vfio_lock();
	cont = vfio_container_get_locked(cfd);
	if (cont != NULL)
		compat = cont->iommufd_compat;
	vfio_unlock();
	return compat;
}

bool
test_vfio_maps_no_bar(void)
{
	return rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV ||
		test_vfio_iommufd_compat(RTE_VFIO_DEFAULT_CONTAINER_FD);
}
