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
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <rte_bus_pci.h>
#include <rte_vfio.h>

/* ---- memory and files ---- */

/*
 * A private anonymous read-write mapping of len bytes, with extra mmap
 * flags (MAP_POPULATE, MAP_HUGETLB, ...) or 0. NULL on failure.
 */
void *test_anon_map(size_t len, int extra_flags);

/*
 * mmap() for memory a device reaches at IOVA = VA: below 2 GiB in IOVA
 * as VA where the platform allows it (within any IOMMU's reach), plain
 * mmap() otherwise. MAP_FAILED on failure.
 */
void *test_dma_mmap(size_t len, int prot, int flags);

/* The number at the start of a file (sysfs, /proc); -1 when unreadable. */
long test_read_long(const char *path);

/*
 * Write root/rel with content, creating its directories (a fake sysfs
 * tree): 0, or -1 on failure.
 */
int test_fake_file(const char *root, const char *rel, const char *content);

/* Remove dir and all below it (a test's temporary tree); says when it cannot. */
void test_remove_tree(const char *dir);

/* ---- IOVAs for the tests' own DMA maps ---- */

/*
 * The IOVA at which a test maps memory it owns (an anonymous buffer, a
 * region it registers as external memory, a BAR) into a container,
 * chosen per IOVA mode. Memory the EAL owns (heap, external heap pages)
 * is never mapped by a test: its IOVA is the memseg's
 * (rte_mem_virt2iova(), rte_malloc_virt2iova(), ms->iova).
 *
 * - IOVA as VA: the address itself; nothing to release.
 * - allocated IOVA: a block of rte_mem_iova_alloc(), given back by
 *   test_iova_release().
 * - IOVA as PA: a block inside the IOMMU's valid ranges (the EAL's
 *   probe; below 2^39 when nothing was probed), taken from the top of
 *   the highest range (at most 2^48) down and above every memseg's IOVA
 *   and the end of RAM (/proc/iomem), so it can collide neither with the
 *   heap (mapped at its physical addresses) nor with another block. Not the physical address: the tests only
 *   need an IOVA that is unique in the container and covers the range
 *   contiguously, which the physical addresses of several anonymous
 *   pages are not.
 *
 * Blocks other than VA keep va's offset inside a system page, and are
 * aligned like va up to 1 GiB so the IOMMU may use the same page sizes as
 * the CPU. At most TEST_IOVA_MAX blocks are held at a time.
 */
#define TEST_IOVA_MAX 64

/* The IOVA for a map of [va, va + len), or RTE_BAD_IOVA with rte_errno
 * (EINVAL: len 0; ENOMEM: no room; ENOSPC: too many blocks held). */
uint64_t test_iova_for(const void *va, size_t len);

/*
 * An IOVA range of len bytes, aligned to align (0: the system page size),
 * that no memory of the process uses: in IOVA as VA an address range
 * reserved (PROT_NONE) until the release, else a block as above.
 * RTE_BAD_IOVA with rte_errno on failure.
 */
uint64_t test_iova_spare(size_t len, size_t align);

/* Give back an IOVA of test_iova_for()/test_iova_spare() (same len).
 * 0, or -1 with rte_errno EINVAL (not such an IOVA). */
int test_iova_release(uint64_t iova, size_t len);

/*
 * An IOVA table for rte_extmem_register() or rte_malloc_heap_memory_add()
 * over [va, va + len) in pages of pg bytes: one test_iova_for() block,
 * page by page (a NULL table would leave the pages without IOVA). NULL
 * with rte_errno on failure. test_iova_table_free() gives it back.
 */
uint64_t *test_iova_table(const void *va, size_t len, size_t pg);
void test_iova_table_free(uint64_t *table, size_t len);

/* The mode's name for the logs: "VA", "allocated" or "PA". */
const char *test_iova_mode_name(void);

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

/* The captured log (test_log_capture()) held exactly one line: TEST_SUCCESS. */
int test_one_log_line(const char *what);

/* A refused call: the rte_errno err (int or pointer form) and one log line. */
#define TEST_REFUSED_BY(assert_errno, call, err, what) do { \
	test_log_capture(); \
	assert_errno(call, err, what); \
	if (test_one_log_line(what) != TEST_SUCCESS) \
		return TEST_FAILED; \
} while (0)
#define TEST_REFUSED(call, err, what) TEST_REFUSED_BY(TEST_ASSERT_ERRNO, call, err, what)
#define TEST_REFUSED_NULL(call, err, what) \
	TEST_REFUSED_BY(TEST_ASSERT_NULL_ERRNO, call, err, what)

/* Built with AddressSanitizer (which makes mlock() and some munmaps no-ops). */
bool test_under_asan(void);

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
 * TEST_SKIPPED after printing why, naming test (the EAL is then cleaned
 * up). test_vfio_start() names the function that calls it.
 */
int test_vfio_start_as(const char *test, const char *mem_mode);
#define test_vfio_start(mem_mode) test_vfio_start_as(__func__, mem_mode)

/*
 * test_vfio_start(NULL) for a test of the model (SKIP, saying why, on the
 * kernel), with the model group cfg added when not NULL.
 */
struct vfio_model_group_cfg;
int test_model_start(const char *test, const char *why,
	const struct vfio_model_group_cfg *cfg);
#define TEST_MODEL_START(why, cfg) do { \
	int r_ = test_model_start(__func__, why, cfg); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

/*
 * test_vfio_start(NULL), len bytes of populated anonymous memory with a
 * free IOVA block for them (test_iova_for()), and a new container.
 * test_vfio_stop_with_buffer() destroys the container (asserted), frees
 * the IOVA block and the memory and stops the EAL.
 */
struct test_vfio_buf {
	void *buf;
	uint64_t va, iova, len;
	int cfd;
};
int test_vfio_start_with_buffer(uint64_t len, struct test_vfio_buf *b);
int test_vfio_stop_with_buffer(struct test_vfio_buf *b);
#define TEST_VFIO_START_WITH_BUFFER(len, b) do { \
	int r_ = test_vfio_start_with_buffer(len, b); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

/* Records of a container (its counters), UINT64_MAX when unreadable. */
uint64_t test_vfio_records(int cfd);

/*
 * The public counters of container cfd (rte_vfio_container_stats_get()),
 * every bit set when unreadable (a line says why), so a check on them fails.
 */
struct rte_vfio_container_stats test_vfio_stats_of(int cfd);

/* The next QEMU edu device after prev (NULL: the first) bound to vfio-pci. */
struct rte_pci_device *test_vfio_edu(const struct rte_pci_device *prev);

/*
 * Whether the container is iommufd's emulation of the type1 container
 * (what the EAL found at its open), and whether the default container maps
 * no BAR by its address: native iommufd (cdev mode) or that emulation.
 */
bool test_vfio_iommufd_compat(int cfd);
bool test_vfio_maps_no_bar(void);

#endif /* _TEST_COMMON_H_ */
