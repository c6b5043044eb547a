/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_PRIVATE_H_
#define _EAL_PRIVATE_H_

/*
 * Internal interfaces of the EAL shared by its files: the logging macro,
 * the parsed configuration, and the init/cleanup stages.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

/*
 * The one logging macro of the EAL library (memory, heap and VFIO alike).
 * No newline in the message: the macro adds it. A failure the user must act
 * on is ERR, never DEBUG.
 */
#define EAL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, RTE_LOGTYPE_EAL, "EAL: " fmt "\n", ##__VA_ARGS__)

/* Set rte_errno and return -1: the one error convention, in one place. */
static inline int
eal_fail(int err)
{
	rte_errno = err;
	return -1;
}

#define EAL_MAX_PCI_ADDRS 64
#define EAL_PCI_ADDR_LEN 16 /* "dddd:bb:dd.f" plus NUL */

/* What the EAL options asked for. Written by option parsing only. */
struct eal_internal_config {
	size_t memory;                  /* -m, bytes; 0 when not given */
	size_t socket_mem[RTE_MAX_NUMA_NODES]; /* --socket-mem, bytes */
	bool force_sockets;             /* --socket-mem was given */
	bool no_hugetlbfs;              /* --no-huge */
	bool dynamic_sys_mem;           /* --dynamic-mem: system pages on demand */
	bool legacy_mem;                /* --legacy-mem */
	bool in_memory;                 /* --in-memory: no files in hugetlbfs */
	bool no_pci;                    /* --no-pci */
	enum rte_iova_mode iova_mode;   /* --iova-mode, RTE_IOVA_DC when not given */
	int vfio_mode;                  /* --vfio-mode: an enum rte_vfio_mode, NONE: automatic */
	char hugepage_dir[256];         /* --huge-dir, "" when not given */
	char file_prefix[64];           /* --file-prefix, "rte" by default */
	uint64_t base_virtaddr;         /* --base-virtaddr, 0 when not given */
	size_t heap_keep;               /* --heap-keep, bytes; SIZE_MAX when not given */
	enum rte_proc_type_t process_type;
	unsigned int n_allow;           /* -a/--allow */
	char allow[EAL_MAX_PCI_ADDRS][EAL_PCI_ADDR_LEN];
	unsigned int n_block;           /* -b/--block */
	char block[EAL_MAX_PCI_ADDRS][EAL_PCI_ADDR_LEN];
};

/* The configuration of this process (valid from option parsing on). */
__rte_internal
struct eal_internal_config *eal_get_internal_config(void);

/* Reset the configuration to its defaults (before parsing, and at cleanup). */
void eal_reset_internal_config(struct eal_internal_config *cfg);

/*
 * Parse the EAL options of argv. Returns the number of arguments consumed
 * (including "--" when present), or -1 with rte_errno EINVAL and one ERR
 * line naming the bad option.
 */
int eal_parse_args(int argc, char **argv);

/* Print the EAL options and what they do. */
void eal_usage(const char *prgname);

/* The IOVA mode the EAL settled on (set once during init). */
void eal_set_iova_mode(enum rte_iova_mode mode);

/* The sysfs root ("/sys"); the tests point it at a fake tree. */
__rte_internal
const char *eal_sysfs_root(void);
__rte_internal
void eal_set_sysfs_root(const char *root);

/*
 * The last component of a symlink's target (a sysfs "driver" or
 * "iommu_group" link names the driver or the group). 0, or -1 with
 * rte_errno from readlink (ENOENT: no such link) or ENAMETOOLONG.
 */
__rte_internal
int eal_link_basename(const char *path, char *out, size_t len);

/* Log subsystem: reset types and levels (used at init and by tests). */
void eal_log_init(void);

/* Init/cleanup stages, in the order rte_eal_init() runs them. */
int eal_hugepage_info_init(void);       /* linux/eal_hugepage_info.c */
int eal_vfio_init(void);                /* linux/vfio/: default container, mem event callback */
int eal_memory_init(void);              /* linux/eal_memory.c: lists, static memory (sends ALLOC) */
int eal_malloc_heap_init(void);         /* common/malloc_heap.c */

/* Cleanup runs in reverse: VFIO first (UNMAP_ALL), then heaps, then memory. */
void eal_vfio_cleanup(void);
/*
 * 1 when a user DMA map (rte_vfio_container_dma_map, rte_dev_dma_map) of
 * any container covers part of [va, va + len), described in desc; else 0.
 * Takes the VFIO lock (after the hotplug lock, in the documented order).
 */
int eal_vfio_user_map_find(const void *va, size_t len, char *desc, size_t desc_len);
void eal_malloc_heap_cleanup(void);
/* Forget every memzone (before the heaps go): common/eal_common_memzone.c. */
void eal_memzone_cleanup(void);
void eal_memory_cleanup(void);

/* true between a successful rte_eal_init() and rte_eal_cleanup(). */
bool eal_is_initialized(void);

#endif /* _EAL_PRIVATE_H_ */
