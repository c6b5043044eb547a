/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_DIAG_H_
#define _VFIO_DIAG_H_

/*
 * dpdk-vfio-diag: what the machine offers for VFIO DMA mapping and what
 * stands in the way, with one piece of advice per problem.
 *
 * The work is split in three steps so that tests can check facts rather
 * than text: diag_collect() fills a struct diag_report from sysfs, /proc
 * and the VFIO backend (the kernel, or the type1 model in tests);
 * diag_advise() turns the facts into problems and fixes; diag_print_text()
 * and diag_print_json() render the report.
 *
 * Everything is read-only towards the rest of the system: the only state
 * the tool creates is a temporary container holding one viable group for
 * VFIO_IOMMU_GET_INFO, released before diag_collect() returns.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_eal.h>

#define DIAG_MAX_UNITS 16
#define DIAG_MAX_GROUPS 128
#define DIAG_MAX_DEVS 8
#define DIAG_MAX_RESV 8
#define DIAG_MAX_RANGES 16
#define DIAG_MAX_POOLS 4
#define DIAG_MAX_NODES 8
#define DIAG_MAX_ADVICE 48
#define DIAG_MAX_EAL_ARGS 16
#define DIAG_MAX_UNGROUPED 64
#define DIAG_MAX_CDEVS 16

/*
 * The version of the --json layout (doc/guides/vfio_diag.rst): raised on
 * every change a script could notice (a key renamed, removed or retyped);
 * new keys alone keep it.
 */
#define DIAG_SCHEMA_VERSION 2

/* Exit status: the report holds an error (advice of severity error). */
#define DIAG_EXIT_ERROR 1
/* Exit status: bad usage. */
#define DIAG_EXIT_USAGE 2
/* Exit status: the tool itself failed (memory, the model). */
#define DIAG_EXIT_FAILED 3

/* A tri-state answer: not asked or not answerable, no, yes. */
enum diag_tri { DIAG_UNKNOWN = -1, DIAG_NO = 0, DIAG_YES = 1 };

struct diag_options {
	const char *sysfs;       /* "/sys" by default */
	const char *proc;        /* "/proc" by default (cmdline, mounts) */
	const char *cmdline;     /* analyse this instead of <proc>/cmdline */
	const char *dev;         /* "/dev" when NULL (iommu, vfio/devices) */
	uint64_t memory;         /* bytes the application will map; 0: unknown */
	bool no_probe;           /* do not bind a group to a temporary container */
	bool no_iova;            /* do not ask the EAL for its IOVA mode */
	int n_eal_args;          /* EAL options for the IOVA mode question */
	const char *eal_args[DIAG_MAX_EAL_ARGS];
};

struct diag_iommu_unit {
	char name[64];           /* /sys/class/iommu/<name> */
	char type[16];           /* intel, amd, virtio, arm, unknown */
};

struct diag_iommu {
	unsigned int n_units;
	struct diag_iommu_unit units[DIAG_MAX_UNITS];
	const char *type;        /* of the first unit; "none" without one */
	char cmdline[1024];
	bool cmdline_known;
	/* kernel command line hints */
	enum diag_tri intel_iommu;  /* intel_iommu=on / off */
	enum diag_tri amd_iommu;    /* amd_iommu=on / off */
	enum diag_tri passthrough;  /* iommu=pt / iommu=nopt, iommu.passthrough= */
	bool cmdline_iommu_off;     /* iommu=off on the command line */
};

struct diag_device {
	char bdf[32];
	char driver[64];         /* "" when no driver is bound */
	char id[16];             /* "vvvv:dddd" from sysfs, "" when unknown */
};

struct diag_resv {
	uint64_t start, end;     /* inclusive */
	char type[32];           /* msi, reserved, direct, direct-relaxable */
};

struct diag_group {
	int num;
	unsigned int n_devs;
	struct diag_device devs[DIAG_MAX_DEVS];
	unsigned int n_resv;
	struct diag_resv resv[DIAG_MAX_RESV];
	bool vfio_bound;         /* at least one device on a vfio driver */
	bool viable;             /* every device on vfio, pci-stub or unbound */
	int blocker;             /* index of the first device that is not, or -1 */
};

/* The device nodes of the VFIO backends. */
struct diag_nodes {
	bool dev_vfio;           /* /dev/vfio/vfio (the type1 container) */
	bool dev_iommu;          /* /dev/iommu (iommufd) */
	bool cdev_dir;           /* /dev/vfio/devices exists */
	unsigned int n_cdevs;    /* /dev/vfio/devices/vfioN (device cdevs) */
	unsigned int n_cdevs_total;
	char cdevs[DIAG_MAX_CDEVS][32];
};

struct diag_range {
	uint64_t start, end;     /* inclusive */
};

struct diag_vfio {
	bool present;            /* the backend sees /dev/vfio/vfio */
	int open_errno;          /* why the container could not be opened */
	int api_version;
	enum diag_tri type1, type1v2, spapr, spapr_v2, noiommu;
	enum diag_tri unmap_all, update_vaddr;
	enum diag_tri noiommu_mode;  /* vfio.enable_unsafe_noiommu_mode */
	/* the temporary container (probe) */
	bool probed;             /* GET_INFO answered */
	int probe_group;         /* the group used, -1 when none */
	int probe_errno;         /* 0, or why the probe failed */
	char probe_note[256];    /* what happened, for the report */
	const char *probe_type;  /* "type1v2" or "type1" */
	uint64_t pgsizes;
	unsigned int n_ranges;
	struct diag_range ranges[DIAG_MAX_RANGES];
	bool ranges_known;
	bool avail_known;
	uint32_t dma_avail;
};

struct diag_limits {
	int64_t dma_entry_limit;     /* -1: unknown (module not loaded) */
	enum diag_tri unsafe_interrupts;
	bool memlock_known;
	uint64_t memlock_limit;      /* bytes, UINT64_MAX: unlimited */
	uint64_t memlock_hard;       /* hard limit; 0: unknown (model) */
	uint64_t locked;             /* bytes locked already (VmLck) */
	bool memlock_any_amount;     /* may lock any amount: no limit, or CAP_IPC_LOCK */
	enum diag_tri cap_ipc_lock;
	uint64_t page_size;          /* the system page size */
};

struct diag_pool {
	uint64_t page_sz;
	uint64_t total, free, surplus, resv;
	unsigned int n_nodes;        /* nodes listed below */
	int node[DIAG_MAX_NODES];
	uint64_t node_total[DIAG_MAX_NODES], node_free[DIAG_MAX_NODES];
	char mount[256];             /* a hugetlbfs mount of this size, "" none */
};

struct diag_iova {
	bool known;
	enum rte_iova_mode mode;
	int eal_errno;               /* 0, or why rte_eal_init() refused */
	char why[512];               /* the EAL's own words */
	const char *source;          /* how the answer was obtained */
	/* the VFIO interface the same rte_eal_init() chose, and why */
	bool vfio_known;
	int vfio_mode;               /* enum rte_vfio_mode */
	char vfio_why[384];          /* the EAL's own words ("" none) */
};

enum diag_severity { DIAG_INFO, DIAG_WARNING, DIAG_ERROR };

struct diag_advice {
	enum diag_severity sev;
	char topic[16];              /* iommu, vfio, group, limits, memory, iova */
	char problem[256];
	char fix[384];
};

struct diag_report {
	const char *backend;         /* "kernel" or "model" */
	char sysfs[256];
	struct diag_iommu iommu;
	unsigned int n_groups;
	unsigned int n_groups_total; /* more may exist than are kept */
	struct diag_group groups[DIAG_MAX_GROUPS];
	/* PCI devices with no IOMMU group (no iommu_group link) */
	unsigned int n_ungrouped;
	unsigned int n_ungrouped_total;
	struct diag_device ungrouped[DIAG_MAX_UNGROUPED];
	struct diag_nodes nodes;
	struct diag_vfio vfio;
	struct diag_limits limits;
	unsigned int n_pools;
	struct diag_pool pools[DIAG_MAX_POOLS];
	struct diag_iova iova;
	uint64_t memory;             /* bytes the user said will be mapped */
	unsigned int n_advice;
	struct diag_advice advice[DIAG_MAX_ADVICE];
};

/* Collect every fact; never fails as a whole (each part says what it lacks). */
void diag_collect(const struct diag_options *opts, struct diag_report *rep);

/* Parts of diag_collect(), for tests (diag_system.c, diag_groups.c, ...). */
void diag_collect_iommu(const struct diag_options *opts, struct diag_report *rep);
void diag_parse_cmdline(const char *cmdline, struct diag_iommu *iommu);
void diag_collect_groups(const struct diag_options *opts, struct diag_report *rep);
void diag_collect_limits(const struct diag_options *opts, struct diag_report *rep);
void diag_collect_hugepages(const struct diag_options *opts, struct diag_report *rep);
void diag_collect_vfio(const struct diag_options *opts, struct diag_report *rep);
void diag_collect_iova(const struct diag_options *opts, struct diag_report *rep);
void diag_collect_ungrouped(const struct diag_options *opts, struct diag_report *rep);
void diag_collect_nodes(const struct diag_options *opts, struct diag_report *rep);

/* 0, or DIAG_EXIT_ERROR when the report holds an error. */
int diag_exit_status(const struct diag_report *rep);

/* Fill rep->advice from the facts (replaces what was there). */
void diag_advise(struct diag_report *rep);

/* Add one piece of advice (printf-style problem, then fix). */
void diag_add_advice(struct diag_report *rep, enum diag_severity sev,
		const char *topic, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Render the report. */
void diag_print_text(const struct diag_report *rep, FILE *out);
void diag_print_json(const struct diag_report *rep, FILE *out);

/*
 * The type1 model as a small machine (diag_model.c): selects the model
 * backend, builds groups 3 and 4 (one edu-like device each, on vfio-pci)
 * and group 5 (0000:00:1f.2 on ahci: not viable), an Intel IOMMU unit and
 * vfio_iommu_type1's parameters. Returns the fake sysfs root, or NULL with
 * rte_errno set. For --model and the tests; never for production runs.
 */
const char *diag_model_setup(unsigned int dma_entry_limit);

/* Write a file under root (directories created); 0 or a negative errno. */
int diag_model_write(const char *root, const char *rel, const char *content);

/* Helpers shared by the parts (diag_util.c). */
int diag_read_line(const char *path, char *buf, size_t len);
int diag_read_u64(const char *path, uint64_t *val);
/* A PCI device's address, driver and vendor:device id from dir/<bdf>. */
void diag_read_device(const char *dir, const char *bdf, struct diag_device *dev);
/* qsort() order of devices: by address. */
int diag_device_cmp(const void *a, const void *b);
const char *diag_size_str(uint64_t bytes, char *buf, size_t len);
const char *diag_iova_name(enum rte_iova_mode mode);
const char *diag_vfio_mode_name(int mode);
const char *diag_tri_name(enum diag_tri t);

#endif /* _VFIO_DIAG_H_ */
