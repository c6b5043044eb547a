/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_PRIVATE_H_
#define _VFIO_PRIVATE_H_

/*
 * Internals of the VFIO component shared by its files: containers, groups,
 * devices, the VFIO lock and the mapping primitives.
 *
 * Every function named *_locked here, and the vfio_dma_check_*() checks,
 * expect the VFIO lock (owned by vfio_container.c, described there) to be
 * held by the caller, and assert it in debug builds (vfio_assert_locked()).
 * None of them calls into the memory layer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vfio.h>

#include "vfio_device_ops.h"
#include "vfio_iommu.h"
#include "vfio_records.h"

/* What a container can do with a mapping request. */
enum vfio_container_state {
	/* no group: maps are recorded and kept, not issued */
	VFIO_CONT_NO_GROUP,
	/* a type1 IOMMU is set: every record is a kernel mapping */
	VFIO_CONT_IOMMU,
	/* no-IOMMU mode: there is no translation, nothing to map */
	VFIO_CONT_NOIOMMU,
};

struct vfio_container;

/* A reserved IOVA region of a group (sysfs reserved_regions), inclusive end. */
struct vfio_resv_region {
	uint64_t start;
	uint64_t end;
	int group;                      /* the IOMMU group that reserves it */
	char type[32];                  /* "msi", "direct", "reserved", ... */
};

struct vfio_group {
	bool used;
	int num;
	int fd;
	bool noiommu;
	unsigned int n_devices;         /* devices of the group that are open */
	bool app_bound;                 /* rte_vfio_container_group_bind(): stays
					 * bound until the application unbinds */
	struct vfio_container *cont;
};

/*
 * Counters of one container (public as struct rte_vfio_container_stats).
 * The cumulative ones below are kept here; records, DMA entries and bytes
 * mapped are computed from the records when read.
 */
struct vfio_container_stats {
	uint64_t map_calls;      /* VFIO_IOMMU_MAP_DMA (iommufd: IOAS_MAP, MAP_FILE) issued */
	uint64_t unmap_calls;    /* VFIO_IOMMU_UNMAP_DMA issued */
	uint64_t other_calls;    /* other ioctls on the container fd, and a
				  * device's dma-buf probe and export for it */
	uint64_t map_ns;         /* time in MAP_DMA: CPU counter ticks while kept,
	                          * ns once read (vfio_dma_kernel_ns()) */
	uint64_t unmap_ns;       /* time in UNMAP_DMA: the same */
	uint64_t records;        /* records held (mapped or waiting for a group) */
	uint64_t dma_entries;    /* kernel mappings (DMA entries) in use */
	uint64_t dma_avail;      /* DMA entries left; UINT64_MAX: unknown */
	uint64_t bytes_mapped;   /* bytes mapped in the kernel */
	uint64_t refused_entries;  /* refused before the kernel: DMA entries */
	uint64_t refused_memlock;  /* refused before the kernel: locked memory */
	uint64_t refused_checks;   /* refused before the kernel: other checks */
	uint64_t refused_kernel;   /* a map or unmap the kernel refused */
	uint64_t size_mismatches;  /* unmaps whose size disagreed (EIO) */
};

struct vfio_container {
	bool used;
	bool is_default;
	int fd;                         /* type1: the container; iommufd: /dev/iommu */
	const struct vfio_iommu_ops *ops; /* its IOMMU backend (vfio_iommu.h) */
	uint32_t ioas_id;               /* iommufd: the IOAS that is the container */
	enum vfio_container_state state;
	int iommu_type;                 /* RTE_VFIO_TYPE1V2 or RTE_VFIO_TYPE1 when set */
	bool has_v2, has_v1;            /* CHECK_EXTENSION answers at open */
	bool has_unmap_all;
	/*
	 * type1: /dev/vfio/vfio is iommufd's emulation of the container
	 * (IOMMUFD_VFIO_CONTAINER), told at open. It pins as iommufd does
	 * and so maps no device memory (no peer to peer).
	 */
	bool iommufd_compat;
	/* from VFIO_IOMMU_GET_INFO, valid in VFIO_CONT_IOMMU */
	uint64_t pgsizes;
	struct vfio_iova_range *ranges; /* inclusive ends, ascending */
	unsigned int n_ranges;
	bool dma_avail_known;           /* DMA_AVAIL missing = unknown */
	uint64_t dma_avail;
	struct vfio_record_set *records;
	unsigned int n_groups;
	/* reserved regions of the bound groups (never direct-relaxable) */
	struct vfio_resv_region *resv;
	unsigned int n_resv;
	struct vfio_container_stats stats;
};

/* Why iommufd's emulation of the container refuses device memory, and the fix. */
#define VFIO_COMPAT_NO_P2P VFIO_CONTAINER_PATH " is iommufd's emulation of the type1 container (CONFIG_IOMMUFD_VFIO_CONTAINER), which has no peer-to-peer and cannot map a BAR; use a kernel with the VFIO type1 container (CONFIG_VFIO_CONTAINER=y) for peer-to-peer DMA, or on Linux 6.19+ --vfio-mode=cdev (native iommufd maps a BAR through its dma-buf)"

/* The x86 MSI window, named in refusals that hit it. */
#define VFIO_X86_MSI_START 0xfee00000ULL
#define VFIO_X86_MSI_END 0xfeefffffULL

/* The knob named in refusals for want of DMA entries. */
#define VFIO_DMA_ENTRY_LIMIT_PATH "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"
/* vfio_iommu_type1's dma_entry_limit when not set (the kernel's U16_MAX) */
#define VFIO_DEFAULT_DMA_ENTRY_LIMIT 65535u

/* The VFIO lock (vfio_container.c). */
void vfio_lock(void);
void vfio_unlock(void);
/*
 * Debug builds: abort, after one ERR line naming the function, when the
 * calling thread does not hold the VFIO lock. At the top of every function
 * that needs it; release builds (NDEBUG) compile it away.
 */
#ifdef NDEBUG
#define vfio_assert_locked() do { } while (0)
#else
/*
 * Whether the calling thread holds the VFIO lock: set by vfio_lock() after
 * the mutex is taken, cleared by vfio_unlock() before it is given back, so
 * it says exactly what the owner/held pair said. Thread-local and tested
 * inline because the check runs about seven times in each public call
 * (an out-of-line call plus pthread_self() cost about 90 instructions a
 * call of rte_vfio_container_dma_unmap() in the default debugoptimized
 * build); initial-exec: one %fs-relative load, no __tls_get_addr() call.
 */
extern __thread bool vfio_lock_held_here
	__attribute__((tls_model("initial-exec")));
void vfio_assert_locked_fail(const char *func);
#define vfio_assert_locked() do { \
	if (__builtin_expect(!vfio_lock_held_here, 0)) \
		vfio_assert_locked_fail(__func__); \
} while (0)
#endif

/* Containers (vfio_container.c). */
bool vfio_available(void);
/* errno of the API when VFIO is not usable (ENODEV or ENOTSUP) */
int vfio_unavailable_errno(void);
/*
 * Refuse a call because VFIO is not usable: one ERR line naming call (the
 * public function; NULL: none) and the fix; -1 with that errno.
 */
int vfio_unavailable_fail(const char *call);
struct vfio_container *vfio_default_container_locked(void);
/*
 * Take the VFIO lock, resolve container_fd, return fn(cont, arg), release
 * the lock: the wrapper of every call on one container. -1 with rte_errno
 * when VFIO is not usable (logged, naming call) or the fd is no container.
 */
int vfio_with_container(const char *call, int container_fd,
		int (*fn)(struct vfio_container *cont, void *arg), void *arg);
/* Resolve an API container fd (RTE_VFIO_DEFAULT_CONTAINER_FD too); NULL: EINVAL set. */
struct vfio_container *vfio_container_get_locked(int container_fd);
struct vfio_container *vfio_container_create_locked(bool is_default);
/* The container in use after prev (NULL: the first), or NULL. */
struct vfio_container *vfio_container_next_locked(
		const struct vfio_container *prev);
int vfio_container_destroy_locked(struct vfio_container *cont);
/* Read VFIO_IOMMU_GET_INFO into the container (page sizes, ranges, DMA_AVAIL). */
int vfio_container_read_info_locked(struct vfio_container *cont);
size_t vfio_system_page_size(void);
uint64_t vfio_container_min_pgsize(const struct vfio_container *cont);

/* Groups (vfio_group.c). */
struct vfio_group *vfio_group_find_locked(int num);
struct vfio_group *vfio_group_find_fd_locked(int fd);
/* Open and bind a group to cont (first group: SET_IOMMU, GET_INFO, replay). */
struct vfio_group *vfio_group_bind_locked(struct vfio_container *cont, int num);
int vfio_group_unbind_locked(struct vfio_group *grp);
/* Unbind and close every group of cont (teardown). */
void vfio_group_release_all_locked(struct vfio_container *cont);
/* Devices open in the groups of cont. */
unsigned int vfio_group_open_devices_locked(const struct vfio_container *cont);
/* Fail (EPERM, one line) when a device of group num uses another driver. */
int vfio_group_check_viable(int num);
/* The same for one device of group num, bdf, bound to driver ("": none). */
int vfio_group_check_device(int num, const char *bdf, const char *driver);

/* Mappings (vfio_dma.c). */
/* Map one prepared unit array, all or nothing (records + kernel). */
int vfio_dma_map_units_locked(struct vfio_container *cont,
		const struct vfio_record *units, unsigned int n);
int vfio_dma_user_map_locked(struct vfio_container *cont, uint64_t vaddr,
		uint64_t iova, uint64_t len, uint64_t pagesz);
int vfio_dma_user_unmap_locked(struct vfio_container *cont, uint64_t vaddr,
		uint64_t iova, uint64_t len);
/*
 * The same, given first = vfio_records_first_overlap(cont->records, iova,
 * len) that the caller has already looked up (one descent of the set
 * serves both its device-memory test and the unmap).
 */
int vfio_dma_user_unmap_from_locked(struct vfio_container *cont,
		uint64_t vaddr, uint64_t iova, uint64_t len,
		struct vfio_record *first);
/*
 * Unmap whole records covering [iova, iova + len) whatever their kind or
 * references (heap FREE, device release). Returns 0 or -1 with rte_errno.
 * A record the kernel refuses to unmap stays, so the records still match
 * the kernel; every other record of the range is gone.
 */
int vfio_dma_release_range_locked(struct vfio_container *cont, uint64_t iova,
		uint64_t len);
/* Unmap and drop every record of a kind with an owner (a released device). */
int vfio_dma_release_owner_locked(struct vfio_container *cont,
		enum vfio_record_kind kind, uint64_t owner);
/* Issue every record (first group bound), all or nothing. */
int vfio_dma_replay_locked(struct vfio_container *cont);
/* Check every record against the IOMMU's rules (page size, ranges, budget). */
int vfio_dma_check_records_locked(struct vfio_container *cont);
/*
 * Teardown: unmap everything in the kernel, with UNMAP_ALL where offered
 * (the records are then left for the caller to destroy), else record by
 * record (dropping each record unmapped).
 */
int vfio_dma_unmap_all_locked(struct vfio_container *cont);
/*
 * The IOMMU dropped every mapping (last group left): counters follow, and
 * device-memory records go (their devices are gone); the others stay for
 * the replay.
 */
void vfio_dma_forget_kernel_locked(struct vfio_container *cont);
/*
 * The first group's bind failed (its replay was undone): the container is
 * back to no group with every record it had, device memory included, as
 * before the bind (its devices are still open).
 */
void vfio_dma_bind_undone_locked(struct vfio_container *cont);
/* "heap memseg", "user map", ...: a record's kind in log lines. */
const char *vfio_dma_kind_name(enum vfio_record_kind kind);

/*
 * The kernel calls (vfio_dma_kernel.c): timed and counted in the
 * container's stats; a refusal is logged (ERR) and returned as -1 with
 * rte_errno the kernel's errno. The records are the caller's to update.
 */
int vfio_dma_kernel_map_locked(struct vfio_container *cont,
		const struct vfio_record *rec);
/* *unmapped: the size the kernel reports it unmapped. */
int vfio_dma_kernel_unmap_locked(struct vfio_container *cont, uint64_t iova,
		uint64_t len, uint64_t *unmapped);
/* Everything of the container at once (only when cont->has_unmap_all). */
int vfio_dma_kernel_unmap_all_locked(struct vfio_container *cont,
		uint64_t *unmapped);
/* The stats' map_ns/unmap_ns, kept in CPU counter ticks, in nanoseconds. */
uint64_t vfio_dma_kernel_ns(uint64_t ticks);

/*
 * The checks made before any kernel call (vfio_dma_check.c), with the
 * VFIO lock held (they read the container: asserted). Each returns
 * 0, or -1 with rte_errno set and one ERR line naming the request (what),
 * the cause and the fix. None changes a record or calls the kernel.
 */
/* Length, wrap-around, alignment to the IOMMU's smallest page (EINVAL). */
int vfio_dma_check_shape(const struct vfio_container *cont, uint64_t vaddr,
		uint64_t iova, uint64_t len, const char *what);
/* Shape, then valid IOVA ranges and reserved windows (ERANGE). */
int vfio_dma_check_unit(const struct vfio_container *cont,
		const struct vfio_record *u, const char *what);
/* The same without the IOVA ranges and windows (device memory, shape). */
int vfio_dma_check_unit_shape(const struct vfio_container *cont,
		const struct vfio_record *u, const char *what);
/* Whether every unit would pass the IOVA range and window check. */
bool vfio_dma_check_span_in_range(const struct vfio_container *cont,
		const struct vfio_record *units, unsigned int n);
/* [iova, iova + len) meets no record (EEXIST). */
int vfio_dma_check_overlap(const struct vfio_container *cont, uint64_t iova,
		uint64_t len, const char *what);
/* The container is not in no-IOMMU mode (EINVAL). */
int vfio_dma_check_state(const struct vfio_container *cont, const char *what);
/* need DMA entries are left, when known (ENOSPC, refused_entries). */
int vfio_dma_check_budget(struct vfio_container *cont, uint64_t need,
		const char *what);
/*
 * Bytes of [va, va + len) in PFNMAP mappings (device memory such as a BAR
 * mapped by the user), from /proc/self/smaps: only after a refusal.
 */
uint64_t vfio_dma_pfnmap_bytes(uint64_t va, uint64_t len);
/* What the units pin fits under RLIMIT_MEMLOCK (ENOMEM, refused_memlock). */
int vfio_dma_check_memlock(struct vfio_container *cont,
		const struct vfio_record *units, size_t n, const char *what);
/*
 * recs (copies of the n records overlapping [iova, iova + len), in IOVA
 * order) are exactly whole user maps from vaddr: ENOENT, ENOTSUP, EPERM
 * or EINVAL otherwise.
 */
int vfio_dma_check_user_unmap(const struct vfio_record *recs, size_t n,
		uint64_t vaddr, uint64_t iova, uint64_t len);

/*
 * Call fn for each device of IOMMU group num in sysfs, with the name of its
 * driver ("" when unbound); a non-zero return stops the walk and is
 * returned. A group sysfs does not have has no devices: 0 (vfio_group.c).
 */
typedef int (*vfio_group_device_fn)(const char *bdf, const char *driver,
		void *arg);
int vfio_group_devices_walk(int num, vfio_group_device_fn fn, void *arg);

/* IOVA ranges and reserved windows (vfio_iova.c). */
#define VFIO_RESV_MAX_PER_GROUP 64
/*
 * The reserved regions of IOMMU group num from sysfs, except the
 * direct-relaxable ones the kernel lets mappings cover. Returns how many
 * were written to out (at most max); 0 when sysfs has none.
 */
int vfio_resv_read(int num, struct vfio_resv_region *out, unsigned int max);
/* Remember the n reserved regions rd of a group (vfio_resv_read()) in
 * cont / forget those of group num. */
int vfio_resv_add_group_locked(struct vfio_container *cont,
		const struct vfio_resv_region *rd, int n);
void vfio_resv_drop_group_locked(struct vfio_container *cont, int num);
/* The reserved region of cont that [iova, iova + len) meets, or NULL. */
const struct vfio_resv_region *vfio_resv_find_locked(
		const struct vfio_container *cont, uint64_t iova, uint64_t len);
/* "the x86 MSI window 0xfee00000-0xfeefffff (reserved region 'msi' of IOMMU group 3)" */
void vfio_resv_describe(const struct vfio_resv_region *r, char *buf,
		size_t len);
/*
 * The valid IOVA ranges group_fd would have on its own: it joins a
 * temporary container (SET_IOMMU, GET_INFO) and leaves it. The group must
 * be in no container. *n = 0 when the kernel reports no ranges. Returns 0
 * or -1 with rte_errno.
 */
int vfio_group_probe_ranges_locked(int group_fd, int num,
		struct vfio_iova_range **ranges, unsigned int *n);
/*
 * Before group grp (open, in no container) joins cont: refuse (ERANGE,
 * one line naming the mapping) when a record of cont lies outside the
 * group's own valid ranges, which the kernel would refuse without saying
 * why. Returns 0 or -1 with rte_errno.
 */
int vfio_group_check_fit_locked(struct vfio_container *cont,
		const struct vfio_group *grp);
/*
 * The same for the first group of cont, once it joined and the IOMMU is
 * set: its ranges are cont's own (GET_INFO). Before the replay, so that a
 * refusal leaves nothing mapped.
 */
int vfio_group_check_first_fit_locked(struct vfio_container *cont,
		const struct vfio_group *grp);
/* At init: probe the valid IOVA ranges of the groups bound to vfio-pci. */
void vfio_probe_iova_ranges(void);

/* Heap integration (vfio_mem.c). */
int vfio_mem_register(void);
void vfio_mem_unregister(void);

/* Devices (vfio_device.c; their device-memory calls: vfio_device_ops.h). */
/*
 * Open device dev_addr of IOMMU group num (binding the group to the default
 * container when it is in none): *dev_fd and its VFIO_DEVICE_GET_INFO.
 */
int vfio_device_setup_locked(int num, const char *dev_addr, int *dev_fd,
		struct vfio_device_info *info);
/* Release a device set up with vfio_device_setup_locked() (ENOENT if not). */
int vfio_device_release_locked(const char *dev_addr, int fd);
/* VFIO_DEVICE_GET_INFO of a device set up (ENOENT if not). */
int vfio_device_get_info_locked(const char *dev_addr, int fd,
		struct vfio_device_info *info);
void vfio_device_release_all_locked(void);
/* The owner id of device bdf when it is open through this EAL, else 0. */
uint64_t vfio_device_id_by_name_locked(const char *bdf);
/* The fd of the device with owner id (its name in *name), or -1. */
int vfio_device_fd_by_id_locked(uint64_t id, const char **name);
/*
 * How many devices open through this EAL (only device id when it is not
 * 0) have a BAR region holding the device-fd offsets [off, off + len);
 * the name of the last in bdf, that BAR in *bar and the offset in it in
 * *bar_off.
 */
unsigned int vfio_device_region_owners_locked(uint64_t id, uint64_t off,
		uint64_t len, char *bdf, size_t size, unsigned int *bar,
		uint64_t *bar_off);
unsigned int vfio_device_count_locked(const struct vfio_group *grp);

/*
 * Internal observation points for tests and tools (a later issue makes
 * them public). Both take the VFIO lock.
 */
int vfio_container_stats_get(int container_fd, struct vfio_container_stats *st);
int vfio_container_stats_reset(int container_fd);
int vfio_container_records_walk(int container_fd,
		void (*fn)(const struct vfio_record *rec, void *arg), void *arg);
/* The state of a container, or -1 with rte_errno EINVAL. */
int vfio_container_state_get(int container_fd);
/* The IOMMU type set on the container (0 when none). */
int vfio_container_iommu_type(int container_fd);

#endif /* _VFIO_PRIVATE_H_ */
