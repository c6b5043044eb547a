/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_COMMON_H_
#define _TEST_COMMON_H_

/*
 * Small helpers shared by several autotests: anonymous buffers, sysfs
 * numbers, capture of the EAL log, and the VFIO set-up steps (groups of
 * devices bound to vfio-pci, model groups, container counters, edu
 * devices). None of them asserts: each returns what it found and the
 * test keeps its own checks and messages.
 */

#include <limits.h>
#include <stdint.h>
#include <stddef.h>

#include <rte_bus_pci.h>

/* ---- memory and files ---- */

/*
 * A private anonymous read-write mapping of len bytes, with extra mmap
 * flags (MAP_POPULATE, MAP_HUGETLB, ...) or 0. NULL on failure.
 */
void *test_anon_map(size_t len, int extra_flags);

/* The number at the start of a file (sysfs, /proc); -1 when unreadable. */
long test_read_long(const char *path);

/* ---- the EAL log ---- */

/* Send the EAL log to memory until test_log_release(). 0, or -1 when not possible. */
int test_log_capture(void);

/*
 * Stop capturing and give the log back to the stream it had. Returns the
 * captured text (valid until the next capture), or NULL when no capture
 * could be set up.
 */
const char *test_log_release(void);

/* How many lines (newlines) a text holds. */
unsigned int test_count_lines(const char *s);

/* ---- VFIO ---- */

/* A device bound to vfio-pci and its IOMMU group. */
struct test_vfio_dev {
	int num;                 /* IOMMU group number */
	char bdf[NAME_MAX + 1];  /* PCI address */
};

/*
 * The devices bound to vfio-pci on this system (sysfs, in directory
 * order), at most max of them. Returns how many were stored.
 */
unsigned int test_vfio_pci_devices(struct test_vfio_dev *out, unsigned int max);

/*
 * The IOMMU group of the first device bound to vfio-pci whose group is
 * not `except` (-1: any group), or -1 when there is none.
 */
int test_vfio_pci_group(int except);

/* Add a model group of one device, with the x86 MSI window (model only). */
int test_vfio_model_group(int num, const char *bdf);

/*
 * rte_eal_init with --no-huge --no-pci and mem_mode (may be NULL), then a
 * check that VFIO is there. Returns TEST_SUCCESS, or TEST_FAILED or
 * TEST_SKIPPED after printing why (the EAL is then cleaned up).
 */
int test_vfio_start(const char *mem_mode);

/* Records of a container (its counters), UINT64_MAX when unreadable. */
uint64_t test_vfio_records(int cfd);

/* The next QEMU edu device after prev (NULL: the first) bound to vfio-pci. */
struct rte_pci_device *test_vfio_edu(const struct rte_pci_device *prev);

#endif /* _TEST_COMMON_H_ */
