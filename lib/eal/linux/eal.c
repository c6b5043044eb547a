/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up and shut-down on Linux: options, the IOVA mode, the runtime
 * directory and the init stages in their order, with a full rollback when
 * a stage fails.
 *
 * Locks: none. eal_state (an atomic) admits one rte_eal_init() or
 * rte_eal_cleanup() at a time; a concurrent call gets EALREADY. Everything
 * else in this file is written only by the call holding that state.
 */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "eal_iova.h"
#include "eal_memcfg.h"
#include "eal_private.h"
#include "eal_sysfs_lookup.h"

enum eal_state {
	EAL_DOWN,       /* not initialized (also after cleanup) */
	EAL_BUSY,       /* rte_eal_init() or rte_eal_cleanup() running */
	EAL_UP,         /* initialized */
};

static int eal_state = EAL_DOWN;
static enum rte_iova_mode iova_mode = RTE_IOVA_DC;
static bool phys_addrs;
static char runtime_dir[PATH_MAX];
static char sysfs_root[PATH_MAX] = "/sys";

/* The stages rte_eal_init() has completed, for the rollback. */
#define STAGE_HUGEPAGE_INFO (1u << 0)
#define STAGE_VFIO (1u << 1)
#define STAGE_MEMORY (1u << 2)
#define STAGE_HEAP (1u << 3)

static bool
state_change(int from, int to)
{
	return __atomic_compare_exchange_n(&eal_state, &from, to, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool
eal_is_initialized(void)
{
	return __atomic_load_n(&eal_state, __ATOMIC_ACQUIRE) == EAL_UP;
}

const char *
eal_sysfs_root(void)
{
	return sysfs_root;
}

int
eal_link_basename(const char *path, char *out, size_t len)
{
	return eal_sysfs_link_tail(path, out, len) < 0 ? eal_fail(errno) : 0;
}

void
eal_set_sysfs_root(const char *root)
{
	snprintf(sysfs_root, sizeof(sysfs_root), "%s",
		root != NULL && root[0] != '\0' ? root : "/sys");
}

void
eal_set_iova_mode(enum rte_iova_mode mode)
{
	iova_mode = mode;
}

enum rte_iova_mode
rte_eal_iova_mode(void)
{
	return iova_mode;
}

int
rte_eal_has_hugepages(void)
{
	return !eal_get_internal_config()->no_hugetlbfs;
}

enum rte_proc_type_t
rte_eal_process_type(void)
{
	return eal_get_internal_config()->process_type;
}

int
rte_eal_has_pci(void)
{
	return !eal_get_internal_config()->no_pci;
}

int
rte_eal_using_phys_addrs(void)
{
	return phys_addrs;
}

void
eal_set_phys_addrs(bool on)
{
	phys_addrs = on;
}

/* Where runtime directories live for this user. */
static void
runtime_base(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, len, "/var/run/dpdk");
	else if (xdg != NULL && xdg[0] != '\0')
		snprintf(buf, len, "%s/dpdk", xdg);
	else
		snprintf(buf, len, "/tmp/dpdk");
}

static int
mkdir_one(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int
join_path(char *out, size_t len, const char *base, const char *name)
{
	int n = snprintf(out, len, "%s/%s", base, name);

	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Create base/prefix; returns 0 and the path in out, or -1 with errno. */
static int
make_runtime_dir(const char *base, const char *prefix, char *out, size_t len)
{
	if (join_path(out, len, base, prefix) < 0)
		return -1;
	if (mkdir_one(base) < 0 || mkdir_one(out) < 0)
		return -1;
	return 0;
}

static int
runtime_dir_init(void)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	char base[PATH_MAX];

	runtime_base(base, sizeof(base));
	if (cfg->in_memory) {
		/* Nothing is written there: name it, do not create it. */
		if (join_path(runtime_dir, sizeof(runtime_dir), base,
				cfg->file_prefix) < 0)
			join_path(runtime_dir, sizeof(runtime_dir), "/tmp/dpdk",
				cfg->file_prefix);
		return 0;
	}
	if (make_runtime_dir(base, cfg->file_prefix, runtime_dir,
			sizeof(runtime_dir)) == 0)
		return 0;
	if (strcmp(base, "/tmp/dpdk") != 0) {
		EAL_LOG(DEBUG, "cannot create runtime directory %s: %s, trying /tmp/dpdk",
			runtime_dir, strerror(errno));
		if (make_runtime_dir("/tmp/dpdk", cfg->file_prefix, runtime_dir,
				sizeof(runtime_dir)) == 0)
			return 0;
	}
	EAL_LOG(ERR, "cannot create runtime directory %s: %s (check its permissions, or use --in-memory)",
		runtime_dir, strerror(errno));
	runtime_dir[0] = '\0';
	return eal_fail(EACCES);
}

const char *
rte_eal_get_runtime_dir(void)
{
	if (runtime_dir[0] == '\0') {
		char base[PATH_MAX];

		runtime_base(base, sizeof(base));
		if (join_path(runtime_dir, sizeof(runtime_dir), base,
				eal_get_internal_config()->file_prefix) < 0)
			join_path(runtime_dir, sizeof(runtime_dir), "/tmp/dpdk",
				eal_get_internal_config()->file_prefix);
	}
	return runtime_dir;
}

/* Whether this process can learn physical addresses (root and pagemap). */
static bool
can_read_phys_addrs(void)
{
	long pgsz = sysconf(_SC_PAGESIZE);
	phys_addr_t pa;
	void *page;

	page = mmap(NULL, (size_t)pgsz, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return false;
	/* An untouched page has no frame yet. */
	*(volatile char *)page = 1;
	pa = rte_mem_virt2phy(page);
	munmap(page, (size_t)pgsz);
	return pa != RTE_BAD_PHYS_ADDR;
}

/* Settle the IOVA mode; memsegs carry IOVAs, so before memory init. */
static int
iova_mode_init(void)
{
	enum rte_iova_mode asked = eal_get_internal_config()->iova_mode;

	phys_addrs = false;
	switch (asked) {
	case RTE_IOVA_PA:
		if (!can_read_phys_addrs()) {
			EAL_LOG(ERR, "IOVA as PA needs the pagemap: run as root or use --iova-mode=va");
			return eal_fail(EACCES);
		}
		phys_addrs = true;
		EAL_LOG(INFO, "IOVA mode is PA: asked for with --iova-mode=pa");
		break;
	default:
		/*
		 * Provisional: the memory stage settles VA, the allocated mode
		 * or PA once the IOMMU's ranges (VFIO stage) and the memseg
		 * lists' VA are known (eal_iova_mode_select()), and logs why.
		 */
		asked = RTE_IOVA_VA;
		break;
	}
	eal_set_iova_mode(asked);
	return 0;
}

/*
 * Undo completed stages in the order rte_eal_cleanup() uses: VFIO first so
 * its mappings go before the memory they cover.
 */
static void
undo_stages(unsigned int done)
{
	if (done & STAGE_VFIO)
		eal_vfio_cleanup();
	if (done & STAGE_HEAP) {
		eal_memzone_cleanup();
		eal_malloc_heap_cleanup();
	}
	if (done & STAGE_MEMORY)
		eal_memory_cleanup();
}

static int
run_stages(void)
{
	static const struct {
		unsigned int flag;
		const char *name;
		int (*init)(void);
	} stages[] = {
		{ STAGE_HUGEPAGE_INFO, "hugepage info", eal_hugepage_info_init },
		{ STAGE_VFIO, "VFIO", eal_vfio_init },
		{ STAGE_MEMORY, "memory", eal_memory_init },
		{ STAGE_HEAP, "malloc heap", eal_malloc_heap_init },
	};
	unsigned int i, done = 0;

	for (i = 0; i < RTE_DIM(stages); i++) {
		int err;

		rte_errno = 0;
		if (stages[i].init() == 0) {
			done |= stages[i].flag;
			continue;
		}
		/* A stage that forgot rte_errno must not look like success. */
		err = rte_errno != 0 ? rte_errno : EFAULT;
		EAL_LOG(ERR, "initialization failed at the %s stage: %s",
			stages[i].name, rte_strerror(err));
		undo_stages(done);
		return eal_fail(err);
	}
	return 0;
}

static void
reset_state(void)
{
	eal_reset_internal_config(eal_get_internal_config());
	eal_devargs_reset();
	eal_log_set_syslog(NULL, -1);
	eal_set_iova_mode(RTE_IOVA_DC);
	phys_addrs = false;
	runtime_dir[0] = '\0';
	eal_iova_reset();
}

int
rte_eal_init(int argc, char **argv)
{
	int consumed, err;

	if (!state_change(EAL_DOWN, EAL_BUSY)) {
		EAL_LOG(ERR, "rte_eal_init: the EAL is already initialized or being initialized (call rte_eal_cleanup() first)");
		return eal_fail(EALREADY);
	}

	eal_log_init();
	eal_reset_internal_config(eal_get_internal_config());
	consumed = eal_parse_args(argc, argv);
	if (consumed < 0)
		goto fail;
	if (iova_mode_init() < 0 || runtime_dir_init() < 0 ||
			run_stages() < 0)
		goto fail;

	EAL_LOG(DEBUG, "initialized: %s memory, IOVA as %s, runtime directory %s",
		rte_eal_has_hugepages() ? "hugepage" : "system page",
		rte_eal_iova_mode_is_allocated() ? "allocated (PA)" :
		iova_mode == RTE_IOVA_PA ? "PA" : "VA", rte_eal_get_runtime_dir());
	__atomic_store_n(&eal_state, EAL_UP, __ATOMIC_RELEASE);
	return consumed;

fail:
	err = rte_errno;
	reset_state();
	__atomic_store_n(&eal_state, EAL_DOWN, __ATOMIC_RELEASE);
	return eal_fail(err);
}

int
rte_eal_cleanup(void)
{
	if (!state_change(EAL_UP, EAL_BUSY)) {
		EAL_LOG(ERR, "rte_eal_cleanup: the EAL is not initialized");
		return eal_fail(EALREADY);
	}
	undo_stages(STAGE_VFIO | STAGE_HEAP | STAGE_MEMORY);
	eal_mem_limits_cleanup();
	reset_state();
	__atomic_store_n(&eal_state, EAL_DOWN, __ATOMIC_RELEASE);
	return 0;
}
