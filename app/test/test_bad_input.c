/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bad-input catalogue (doc/guides/errors.rst), table-driven: each row
 * calls one public function with one bad input and checks the failure
 * value (-1, NULL or RTE_BAD_IOVA) and the specific rte_errno, with
 * rte_errno first set to a sentinel so that a stale value is caught.
 * After the rows, nothing may have changed: the default and a user
 * container hold the same records as before, records equal the model's
 * mappings, and the heap statistics are unchanged.
 *
 * Rows of other tests are named in the catalogue; the rows here are the
 * ones no other test covered.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_bus_pci.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "dev_driver.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "vfio_invariants.h"

/* Never an errno any function sets: a row that leaves it failed to set one. */
#define SENTINEL 0x7eadbeef
#define IOVA_BASE 0x40000000ULL
#define GROUP 95
/* the rows of rows_pci() on a closed device (keep equal to them) */
#define CLOSED_DEVICE_ROWS 11
#define BDF "0000:00:1e.0"

/* each row is a case of its own (dpdk-test counts the test as its rows) */
static struct test_cases rows;

static void
row(const char *fn, const char *why, bool failed, int err, int want)
{
	bool ok = failed && err == want;

	test_case_count(&rows, ok ? TEST_SUCCESS : TEST_FAILED);
	if (ok)
		return;
	printf("FAIL %s(%s): expected failure with %s, got %s with rte_errno %d (%s)\n",
		fn, why, strerror(want), failed ? "failure" : "success", err,
		err == SENTINEL ? "not set" : rte_strerror(err));
}

/* An int function that must return -1 with rte_errno want. */
#define BAD_INT(fn, why, call, want) do { \
	int r_; \
	rte_errno = SENTINEL; \
	r_ = (call); \
	row(fn, why, r_ == -1, rte_errno, want); \
} while (0)

/* A pointer function that must return NULL with rte_errno want. */
#define BAD_PTR(fn, why, call, want) do { \
	const void *p_; \
	rte_errno = SENTINEL; \
	p_ = (call); \
	row(fn, why, p_ == NULL, rte_errno, want); \
} while (0)

/* An IOVA function that must return RTE_BAD_IOVA with rte_errno want. */
#define BAD_IOVA(fn, why, call, want) do { \
	rte_iova_t i_; \
	rte_errno = SENTINEL; \
	i_ = (call); \
	row(fn, why, i_ == RTE_BAD_IOVA, rte_errno, want); \
} while (0)

static int
walk_cb(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms __rte_unused, void *arg __rte_unused)
{
	return 0;
}

static int
list_cb(const struct rte_memseg_list *msl __rte_unused, void *arg __rte_unused)
{
	return 0;
}

static void
event_cb(enum rte_mem_event t __rte_unused, const void *a __rte_unused,
		size_t l __rte_unused, void *arg __rte_unused)
{
}

static void
rows_eal(void)
{
	char *argv[] = { (char *)(uintptr_t)"dpdk-test", NULL };

	BAD_INT("rte_eal_init", "already initialized", rte_eal_init(1, argv), EALREADY);
	BAD_INT("rte_log_get_level", "unknown log type", rte_log_get_level(100000), EINVAL);
	BAD_INT("rte_log_set_level", "unknown log type",
		rte_log_set_level(100000, RTE_LOG_INFO), EINVAL);
	BAD_INT("rte_log_set_level", "level above DEBUG",
		rte_log_set_level(0, RTE_LOG_DEBUG + 1), EINVAL);
	BAD_INT("rte_log_set_level_pattern", "NULL pattern",
		rte_log_set_level_pattern(NULL, RTE_LOG_INFO), EINVAL);
	BAD_INT("rte_log_set_level_pattern", "level 0",
		rte_log_set_level_pattern("lib.*", 0), EINVAL);
	BAD_INT("rte_log_register", "NULL name", rte_log_register(NULL), EINVAL);
	BAD_INT("rte_log_register", "empty name", rte_log_register(""), EINVAL);
	BAD_INT("rte_log_register_type_and_pick_level", "NULL name",
		rte_log_register_type_and_pick_level(NULL, RTE_LOG_INFO), EINVAL);
	BAD_PTR("rte_dev_name", "NULL device", rte_dev_name(NULL), EINVAL);
	{
		int n;

		rte_errno = SENTINEL;
		n = rte_dev_numa_node(NULL);
		row("rte_dev_numa_node", "NULL device", n == SOCKET_ID_ANY, rte_errno, EINVAL);
	}
	BAD_INT("rte_dev_dma_map", "NULL device",
		rte_dev_dma_map(NULL, (void *)(uintptr_t)4096, IOVA_BASE, 4096), EINVAL);
	BAD_INT("rte_dev_dma_unmap", "NULL device",
		rte_dev_dma_unmap(NULL, (void *)(uintptr_t)4096, IOVA_BASE, 4096), EINVAL);
	BAD_PTR("rte_bus_find_by_name", "unknown bus",
		rte_bus_find_by_name("no_such_bus"), ENOENT);
	BAD_PTR("rte_bus_find_by_name", "NULL name", rte_bus_find_by_name(NULL), ENOENT);
}

static void
rows_memory(size_t pg)
{
	int x;
	size_t off;

	{
		void *hole = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		/* a page that was mapped and is no more (ASan makes mlock a no-op) */
		if (!test_under_asan() && hole != MAP_FAILED && munmap(hole, pg) == 0)
			BAD_INT("rte_mem_lock_page", "page not mapped", rte_mem_lock_page(hole),
				ENOMEM);
	}
	BAD_IOVA("rte_mem_virt2iova", "NULL", rte_mem_virt2iova(NULL), EINVAL);
	BAD_IOVA("rte_mem_iova_alloc", "len 0", rte_mem_iova_alloc(0, 0), EINVAL);
	BAD_IOVA("rte_mem_iova_alloc", "not the allocated IOVA mode",
		rte_mem_iova_alloc(pg, pg), ENOTSUP);
	BAD_INT("rte_mem_iova_free", "not an allocated block",
		rte_mem_iova_free(0x1234000, pg), EINVAL);
	BAD_PTR("rte_mem_iova2virt", "IOVA of nothing",
		rte_mem_iova2virt(0xdead0000000ULL), ENOENT);
	BAD_PTR("rte_mem_virt2memseg", "not EAL memory", rte_mem_virt2memseg(&x, NULL),
		ENOENT);
	BAD_PTR("rte_mem_virt2memseg", "NULL", rte_mem_virt2memseg(NULL, NULL), EINVAL);
	BAD_PTR("rte_mem_virt2memseg_list", "not EAL memory",
		rte_mem_virt2memseg_list(&x), ENOENT);
	BAD_PTR("rte_mem_virt2memseg_list", "NULL", rte_mem_virt2memseg_list(NULL), EINVAL);
	BAD_INT("rte_memseg_walk", "NULL callback", rte_memseg_walk(NULL, NULL), EINVAL);
	BAD_INT("rte_memseg_contig_walk", "NULL callback",
		rte_memseg_contig_walk(NULL, NULL), EINVAL);
	BAD_INT("rte_memseg_list_walk", "NULL callback", rte_memseg_list_walk(NULL, NULL),
		EINVAL);
	BAD_INT("rte_memseg_walk_thread_unsafe", "NULL callback",
		rte_memseg_walk_thread_unsafe(NULL, NULL), EINVAL);
	BAD_INT("rte_memseg_contig_walk_thread_unsafe", "NULL callback",
		rte_memseg_contig_walk_thread_unsafe(NULL, NULL), EINVAL);
	BAD_INT("rte_memseg_list_walk_thread_unsafe", "NULL callback",
		rte_memseg_list_walk_thread_unsafe(NULL, NULL), EINVAL);
	(void)walk_cb;
	(void)list_cb;
	BAD_INT("rte_memseg_get_fd", "NULL", rte_memseg_get_fd(NULL), EINVAL);
	BAD_INT("rte_memseg_get_fd_thread_unsafe", "NULL",
		rte_memseg_get_fd_thread_unsafe(NULL), EINVAL);
	BAD_INT("rte_memseg_get_fd_offset", "NULL segment",
		rte_memseg_get_fd_offset(NULL, &off), EINVAL);
	BAD_INT("rte_memseg_get_fd_offset_thread_unsafe", "NULL segment",
		rte_memseg_get_fd_offset_thread_unsafe(NULL, &off), EINVAL);
	BAD_INT("rte_extmem_register", "NULL address",
		rte_extmem_register(NULL, pg, NULL, 0, pg), EINVAL);
	BAD_INT("rte_extmem_register", "page size not a power of two",
		rte_extmem_register((void *)(uintptr_t)pg, pg, NULL, 0, 3 * pg), EINVAL);
	BAD_INT("rte_extmem_register", "len 0",
		rte_extmem_register((void *)(uintptr_t)pg, 0, NULL, 0, pg), EINVAL);
	BAD_INT("rte_extmem_unregister", "not registered",
		rte_extmem_unregister((void *)(uintptr_t)pg, pg), ENOENT);
	BAD_INT("rte_extmem_unregister", "NULL", rte_extmem_unregister(NULL, pg), EINVAL);
	BAD_INT("rte_extmem_attach", "not registered",
		rte_extmem_attach((void *)(uintptr_t)pg, pg), ENOENT);
	BAD_INT("rte_extmem_attach", "NULL", rte_extmem_attach(NULL, pg), EINVAL);
	BAD_INT("rte_extmem_detach", "not registered",
		rte_extmem_detach((void *)(uintptr_t)pg, pg), ENOENT);
	BAD_INT("rte_extmem_detach", "NULL", rte_extmem_detach(NULL, pg), EINVAL);
	BAD_INT("rte_mem_event_callback_register", "NULL name",
		rte_mem_event_callback_register(NULL, event_cb, NULL), EINVAL);
	BAD_INT("rte_mem_event_callback_register", "NULL callback",
		rte_mem_event_callback_register("bad_input", NULL, NULL), EINVAL);
	BAD_INT("rte_mem_event_check_callback_register", "NULL name",
		rte_mem_event_check_callback_register(NULL, NULL, NULL), EINVAL);
	BAD_INT("rte_mem_event_callback_unregister", "not registered",
		rte_mem_event_callback_unregister("bad_input_none", NULL), ENOENT);
	BAD_INT("rte_mem_event_callback_unregister", "NULL name",
		rte_mem_event_callback_unregister(NULL, NULL), EINVAL);
}

static void
rows_malloc(size_t pg)
{
	struct rte_malloc_socket_stats st;
	int x;
	size_t sz;
	char long_name[128];

	memset(long_name, 'h', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	BAD_PTR("rte_malloc", "size 0", rte_malloc(NULL, 0, 0), EINVAL);
	BAD_PTR("rte_malloc", "alignment not a power of two", rte_malloc(NULL, 64, 3),
		EINVAL);
	BAD_PTR("rte_malloc", "size beyond any heap", rte_malloc(NULL, SIZE_MAX / 2, 0),
		ENOMEM);
	BAD_PTR("rte_zmalloc", "size 0", rte_zmalloc(NULL, 0, 0), EINVAL);
	BAD_PTR("rte_calloc", "num * size overflows", rte_calloc(NULL, SIZE_MAX / 2, 4, 0),
		EINVAL);
	BAD_PTR("rte_realloc", "alignment not a power of two",
		rte_realloc(NULL, 64, 3), EINVAL);
	BAD_PTR("rte_realloc_socket", "unknown socket",
		rte_realloc_socket(NULL, 64, 0, 1000), EINVAL);
	BAD_PTR("rte_malloc_socket", "unknown socket", rte_malloc_socket(NULL, 64, 0, 1000),
		EINVAL);
	BAD_PTR("rte_zmalloc_socket", "unknown socket",
		rte_zmalloc_socket(NULL, 64, 0, 1000), EINVAL);
	BAD_PTR("rte_calloc_socket", "unknown socket",
		rte_calloc_socket(NULL, 2, 32, 0, 1000), EINVAL);
	BAD_INT("rte_malloc_validate", "not a live allocation", rte_malloc_validate(&x, &sz),
		EINVAL);
	BAD_INT("rte_malloc_get_socket_stats", "NULL stats",
		rte_malloc_get_socket_stats(0, NULL), EINVAL);
	BAD_INT("rte_malloc_get_socket_stats", "unknown socket",
		rte_malloc_get_socket_stats(1000, &st), EINVAL);
	BAD_INT("rte_malloc_heap_create", "NULL name", rte_malloc_heap_create(NULL), EINVAL);
	BAD_INT("rte_malloc_heap_create", "empty name", rte_malloc_heap_create(""), EINVAL);
	BAD_INT("rte_malloc_heap_create", "name too long", rte_malloc_heap_create(long_name),
		EINVAL);
	BAD_INT("rte_malloc_heap_destroy", "no such heap", rte_malloc_heap_destroy("nope"),
		ENOENT);
	BAD_INT("rte_malloc_heap_destroy", "a NUMA heap", rte_malloc_heap_destroy("socket_0"),
		EINVAL);
	BAD_INT("rte_malloc_heap_memory_add", "no such heap",
		rte_malloc_heap_memory_add("nope", (void *)(uintptr_t)pg, pg, NULL, 0, pg),
		ENOENT);
	BAD_INT("rte_malloc_heap_memory_add", "NULL address",
		rte_malloc_heap_memory_add("bad_input", NULL, pg, NULL, 0, pg), EINVAL);
	BAD_INT("rte_malloc_heap_memory_remove", "no such heap",
		rte_malloc_heap_memory_remove("nope", (void *)(uintptr_t)pg, pg), ENOENT);
	BAD_INT("rte_malloc_heap_memory_remove", "not a region of the heap",
		rte_malloc_heap_memory_remove("bad_input", (void *)(uintptr_t)pg, pg), ENOENT);
	BAD_INT("rte_malloc_heap_memory_attach", "no such heap",
		rte_malloc_heap_memory_attach("nope", (void *)(uintptr_t)pg, pg), ENOENT);
	BAD_INT("rte_malloc_heap_memory_detach", "no such heap",
		rte_malloc_heap_memory_detach("nope", (void *)(uintptr_t)pg, pg), ENOENT);
	BAD_INT("rte_malloc_heap_get_socket", "no such heap",
		rte_malloc_heap_get_socket("nope"), ENOENT);
	BAD_INT("rte_malloc_heap_get_socket", "NULL name", rte_malloc_heap_get_socket(NULL),
		EINVAL);
	BAD_INT("rte_malloc_heap_socket_is_external", "unknown socket",
		rte_malloc_heap_socket_is_external(1000), EINVAL);
	BAD_IOVA("rte_malloc_virt2iova", "not heap memory", rte_malloc_virt2iova(&x), EINVAL);
	BAD_IOVA("rte_malloc_virt2iova", "NULL", rte_malloc_virt2iova(NULL), EINVAL);
}

static void
rows_vfio(int cfd, uint64_t va, size_t pg)
{
	struct rte_vfio_container_stats st;
	struct vfio_device_info info;
	int num, fd;

	BAD_INT("rte_vfio_setup_device", "NULL device address",
		rte_vfio_setup_device("/sys/bus/pci/devices", NULL, &fd, NULL), EINVAL);
	BAD_INT("rte_vfio_release_device", "NULL device address",
		rte_vfio_release_device("/sys/bus/pci/devices", NULL, 0), EINVAL);
	/* an empty name made the path the sysfs base's own link (1, ENOENT) */
	fd = -1;
	BAD_INT("rte_vfio_setup_device", "empty device address",
		rte_vfio_setup_device(vfio_model_sysfs_root(), "", &fd, &info), EINVAL);
	BAD_INT("rte_vfio_setup_device", "device address with a '/'",
		rte_vfio_setup_device(vfio_model_sysfs_root(), "../" BDF, &fd, &info), EINVAL);
	BAD_INT("rte_vfio_get_group_num", "empty device address",
		rte_vfio_get_group_num(vfio_model_sysfs_root(), "", &num), EINVAL);
	BAD_INT("rte_vfio_get_device_info", "empty device address",
		rte_vfio_get_device_info(vfio_model_sysfs_root(), "", &fd, &info), EINVAL);
	BAD_INT("rte_vfio_release_device", "empty device address",
		rte_vfio_release_device(vfio_model_sysfs_root(), "", 1000), EINVAL);
	BAD_INT("rte_vfio_release_device", "device not set up",
		rte_vfio_release_device(vfio_model_sysfs_root(), BDF, 1000), ENOENT);
	BAD_INT("rte_vfio_enable", "NULL module name", rte_vfio_enable(NULL), EINVAL);
	BAD_INT("rte_vfio_clear_group", "not a group fd", rte_vfio_clear_group(1000),
		ENOENT);
	BAD_INT("rte_vfio_get_group_num", "NULL result",
		rte_vfio_get_group_num("/sys/bus/pci/devices", BDF, NULL), EINVAL);
	BAD_INT("rte_vfio_get_device_info", "NULL device address",
		rte_vfio_get_device_info("/sys/bus/pci/devices", NULL, &fd, NULL), EINVAL);
	BAD_INT("rte_vfio_get_group_fd", "no such group", rte_vfio_get_group_fd(4000),
		ENOENT);
	BAD_INT("rte_vfio_container_destroy", "the default container",
		rte_vfio_container_destroy(RTE_VFIO_DEFAULT_CONTAINER_FD), EINVAL);
	BAD_INT("rte_vfio_container_destroy", "not a container fd",
		rte_vfio_container_destroy(1000), EINVAL);
	BAD_INT("rte_vfio_container_group_bind", "not a container fd",
		rte_vfio_container_group_bind(1000, GROUP), EINVAL);
	BAD_INT("rte_vfio_container_group_bind", "negative group",
		rte_vfio_container_group_bind(cfd, -2), EINVAL);
	BAD_INT("rte_vfio_container_group_bind", "no such group",
		rte_vfio_container_group_bind(cfd, 4000), ENOENT);
	BAD_INT("rte_vfio_container_group_unbind", "group not in the container",
		rte_vfio_container_group_unbind(cfd, 4000), ENOENT);
	BAD_INT("rte_vfio_container_dma_map", "not a container fd",
		rte_vfio_container_dma_map(1000, va, IOVA_BASE, pg), EINVAL);
	BAD_INT("rte_vfio_container_dma_map", "len 0",
		rte_vfio_container_dma_map(cfd, va, IOVA_BASE, 0), EINVAL);
	BAD_INT("rte_vfio_container_dma_map", "misaligned IOVA",
		rte_vfio_container_dma_map(cfd, va, IOVA_BASE + 1, pg), EINVAL);
	BAD_INT("rte_vfio_container_dma_map", "wraps around",
		rte_vfio_container_dma_map(cfd, va, UINT64_MAX - pg + 1, 2 * pg), EINVAL);
	BAD_INT("rte_vfio_container_dma_map", "IOVA in the x86 MSI window",
		rte_vfio_container_dma_map(cfd, va, VFIO_X86_MSI_START, pg), ERANGE);
	BAD_INT("rte_vfio_container_dma_map", "IOVA beyond the aperture",
		rte_vfio_container_dma_map(cfd, va, 1ULL << 50, pg), ERANGE);
	BAD_INT("rte_vfio_container_dma_map", "overlaps another mapping",
		rte_vfio_container_dma_map(cfd, va + pg, IOVA_BASE, pg), EEXIST);
	BAD_INT("rte_vfio_container_dma_map", "vaddr not mapped",
		rte_vfio_container_dma_map(cfd, pg, IOVA_BASE + 64 * pg, pg), EFAULT);
	BAD_INT("rte_vfio_container_dma_map_paged", "page size not a power of two",
		rte_vfio_container_dma_map_paged(cfd, va, IOVA_BASE + 16 * pg, 3 * pg, 3 * pg),
		EINVAL);
	BAD_INT("rte_vfio_container_dma_map_paged", "len not a multiple of the page",
		rte_vfio_container_dma_map_paged(cfd, va, IOVA_BASE + 16 * pg, pg, 2 * pg),
		EINVAL);
	BAD_INT("rte_vfio_container_dma_unmap", "nothing mapped there",
		rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE + 32 * pg, pg), ENOENT);
	BAD_INT("rte_vfio_container_dma_unmap", "cuts a unit",
		rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, pg), ENOTSUP);
	BAD_INT("rte_vfio_container_dma_unmap", "other vaddr than mapped",
		rte_vfio_container_dma_unmap(cfd, va + 8 * pg, IOVA_BASE, 2 * pg), EINVAL);
	BAD_INT("rte_vfio_container_dma_unmap", "len 0",
		rte_vfio_container_dma_unmap(cfd, va, IOVA_BASE, 0), EINVAL);
	BAD_INT("rte_vfio_container_stats_get", "NULL stats",
		rte_vfio_container_stats_get(cfd, NULL), EINVAL);
	BAD_INT("rte_vfio_container_stats_get", "not a container fd",
		rte_vfio_container_stats_get(1000, &st), EINVAL);
	BAD_INT("rte_vfio_container_stats_reset", "not a container fd",
		rte_vfio_container_stats_reset(1000), EINVAL);
	(void)num;
}

static void
rows_pci(size_t pg)
{
	struct rte_pci_addr addr;
	struct rte_pci_region reg;
	struct rte_pci_device *dev;
	char buf[64];

	BAD_INT("rte_pci_addr_parse", "malformed", rte_pci_addr_parse("00:zz.0", &addr),
		EINVAL);
	BAD_INT("rte_pci_addr_parse", "NULL", rte_pci_addr_parse(NULL, &addr), EINVAL);
	memset(&addr, 0, sizeof(addr));
	BAD_INT("rte_pci_addr_format", "buffer too small",
		rte_pci_addr_format(&addr, buf, 4), EINVAL);
	BAD_INT("rte_pci_addr_format", "NULL address", rte_pci_addr_format(NULL, buf, sizeof(buf)),
		EINVAL);
	BAD_PTR("rte_pci_find", "malformed address", rte_pci_find("nope"), EINVAL);
	BAD_PTR("rte_pci_find", "absent device", rte_pci_find("0000:7f:1f.7"), ENODEV);
	BAD_PTR("rte_pci_find_by_id", "no such device", rte_pci_find_by_id(0xdead, 0xbeef, NULL),
		ENODEV);
	BAD_INT("rte_pci_open", "NULL", rte_pci_open(NULL), EINVAL);
	BAD_INT("rte_pci_close", "NULL", rte_pci_close(NULL), EINVAL);
	BAD_INT("rte_pci_region_info", "NULL device", rte_pci_region_info(NULL, 0, &reg),
		EINVAL);
	BAD_PTR("rte_pci_map_bar", "NULL device", rte_pci_map_bar(NULL, 0), EINVAL);
	BAD_INT("rte_pci_unmap_bar", "NULL device", rte_pci_unmap_bar(NULL, 0), EINVAL);
	BAD_INT("rte_pci_p2p_map", "NULL device", rte_pci_p2p_map(NULL, 0, 0, pg, IOVA_BASE),
		EINVAL);
	BAD_INT("rte_pci_p2p_unmap", "NULL device",
		rte_pci_p2p_unmap(NULL, 0, 0, pg, IOVA_BASE), EINVAL);
	BAD_INT("rte_pci_bar_read", "NULL device", rte_pci_bar_read(NULL, 0, buf, 4, 0),
		EINVAL);
	BAD_INT("rte_pci_bar_write", "NULL device", rte_pci_bar_write(NULL, 0, buf, 4, 0),
		EINVAL);
	BAD_INT("rte_pci_config_read", "NULL device", rte_pci_config_read(NULL, buf, 4, 0),
		EINVAL);
	BAD_INT("rte_pci_config_write", "NULL device", rte_pci_config_write(NULL, buf, 4, 0),
		EINVAL);
	BAD_INT("rte_pci_set_bus_master", "NULL device", rte_pci_set_bus_master(NULL, true),
		EINVAL);
	BAD_INT("rte_pci_get_bus_master", "NULL device", rte_pci_get_bus_master(NULL), EINVAL);
	BAD_INT("rte_pci_irq_enable", "NULL device",
		rte_pci_irq_enable(NULL, RTE_PCI_IRQ_MSI, 1), EINVAL);
	BAD_INT("rte_pci_irq_disable", "NULL device", rte_pci_irq_disable(NULL), EINVAL);
	BAD_INT("rte_pci_irq_fd", "NULL device", rte_pci_irq_fd(NULL, 0), EINVAL);
	BAD_INT("rte_pci_irq_wait", "NULL device", rte_pci_irq_wait(NULL, 0, 1), EINVAL);
	BAD_INT("rte_pci_reset", "NULL device", rte_pci_reset(NULL), EINVAL);

	/* a device of the model that is on the bus but not open */
	dev = rte_pci_scan() >= 0 ? rte_pci_find(BDF) : NULL;
	if (dev == NULL) {
		printf("  (no model device on the bus: %u rows of a closed device not run: %s)\n",
			CLOSED_DEVICE_ROWS, rte_strerror(rte_errno));
		rows.skipped += CLOSED_DEVICE_ROWS;
		return;
	}
	BAD_INT("rte_pci_region_info", "device not open", rte_pci_region_info(dev, 0, &reg),
		EINVAL);
	BAD_INT("rte_pci_region_info", "BAR index out of range",
		rte_pci_region_info(dev, 99, &reg), EINVAL);
	BAD_PTR("rte_pci_map_bar", "device not open", rte_pci_map_bar(dev, 0), EINVAL);
	BAD_INT("rte_pci_unmap_bar", "BAR not mapped", rte_pci_unmap_bar(dev, 0), EINVAL);
	BAD_INT("rte_pci_close", "device not open", rte_pci_close(dev), EINVAL);
	BAD_INT("rte_pci_config_read", "device not open", rte_pci_config_read(dev, buf, 4, 0),
		EINVAL);
	BAD_INT("rte_pci_irq_enable", "device not open",
		rte_pci_irq_enable(dev, RTE_PCI_IRQ_MSI, 1), EINVAL);
	BAD_INT("rte_pci_irq_fd", "no such enabled vector", rte_pci_irq_fd(dev, 0), EINVAL);
	BAD_INT("rte_pci_reset", "device not open", rte_pci_reset(dev), EINVAL);
	/* the model's device has edu's ids but no BAR the kernel lets map */
	BAD_PTR("rte_edu_probe", "BAR 0 cannot be mapped", rte_edu_probe(dev), ENOTSUP);
	BAD_INT("rte_pci_close", "closed again by the failed probe", rte_pci_close(dev),
		EINVAL);
}

static void
rows_edu(void)
{
	char b[8];

	BAD_PTR("rte_edu_probe", "NULL", rte_edu_probe(NULL), EINVAL);
	BAD_INT("rte_edu_remove", "NULL", rte_edu_remove(NULL), EINVAL);
	BAD_PTR("rte_edu_pci_dev", "NULL", rte_edu_pci_dev(NULL), EINVAL);
	BAD_INT("rte_edu_check_alive", "NULL", rte_edu_check_alive(NULL), EINVAL);
	BAD_INT("rte_edu_set_timeout", "NULL", rte_edu_set_timeout(NULL, 10), EINVAL);
	BAD_INT("rte_edu_irq_enable", "NULL", rte_edu_irq_enable(NULL), EINVAL);
	BAD_INT("rte_edu_irq_disable", "NULL", rte_edu_irq_disable(NULL), EINVAL);
	BAD_INT("rte_edu_dma_to_dev", "NULL", rte_edu_dma_to_dev(NULL, IOVA_BASE, 0, 8, 0),
		EINVAL);
	BAD_INT("rte_edu_dma_from_dev", "NULL",
		rte_edu_dma_from_dev(NULL, 0, IOVA_BASE, 8, 0), EINVAL);
	BAD_INT("rte_edu_copy_to_dev", "NULL",
		rte_edu_copy_to_dev(NULL, b, IOVA_BASE, 0, 8, 0), EINVAL);
	BAD_INT("rte_edu_copy_from_dev", "NULL",
		rte_edu_copy_from_dev(NULL, 0, b, IOVA_BASE, 8, 0), EINVAL);
}

static int __rte_format_printf(2, 3)
vlog_of(uint32_t level, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = rte_vlog(level, RTE_LOGTYPE_EAL, fmt, ap);
	va_end(ap);
	return ret;
}

static struct rte_bus dummy_bus = { .name = "bad_input_bus" };

/*
 * Functions without a failure mode, given edge inputs: they must not fail
 * or crash, and answer as the catalogue says.
 */
static void
rows_no_failure(void)
{
	uint32_t level = rte_log_get_global_level();
	int x = 0;

	rte_free(NULL);
	rte_free(&x);           /* not a live allocation: logged, ignored */
	test_case_count(&rows, TEST_SUCCESS);   /* neither crashed */
	rte_log_set_global_level(1000);
	row("rte_log_set_global_level", "above DEBUG: clamped",
		rte_log_get_global_level() == RTE_LOG_MAX, 0, 0);
	rte_log_set_global_level(level);
	row("rte_openlog_stream", "NULL: back to stderr",
		rte_openlog_stream(NULL) == 0 && rte_log_get_stream() == stderr, 0, 0);
	row("rte_vlog", "filtered out: still 0", vlog_of(RTE_LOG_DEBUG, "%s", "x") == 0,
		0, 0);
	row("rte_memory_get_nchannel", "always 0",
		rte_memory_get_nchannel() == 0 && rte_memory_get_nrank() == 0, 0, 0);
	rte_bus_register(&dummy_bus);
	row("rte_bus_register", "then found by name",
		rte_bus_find_by_name("bad_input_bus") == &dummy_bus, 0, 0);
	row("rte_edu_id", "NULL: 0", rte_edu_id(NULL) == 0, 0, 0);
	row("rte_pci_is_open", "NULL: false", !rte_pci_is_open(NULL), 0, 0);
	row("rte_strerror", "unknown number: a message", rte_strerror(123456) != NULL, 0, 0);
}

/* Calls before rte_eal_init(): refused, nothing set up behind the caller's back. */
static void
rows_before_init(void)
{
	BAD_INT("rte_eal_cleanup", "not initialized", rte_eal_cleanup(), EALREADY);
	BAD_PTR("rte_malloc", "before rte_eal_init()", rte_malloc(NULL, 64, 0),
		E_RTE_NO_CONFIG);
	BAD_INT("rte_vfio_get_container_fd", "before rte_eal_init()",
		rte_vfio_get_container_fd(), ENODEV);
	BAD_INT("rte_vfio_container_create", "before rte_eal_init()",
		rte_vfio_container_create(), ENODEV);
}

struct state {
	size_t def_records, user_records;
	uint64_t map_calls, unmap_calls;
	struct rte_malloc_socket_stats heap;
};

static void
state_take(int cfd, struct state *s)
{
	struct vfio_container_stats a, b;

	memset(s, 0, sizeof(*s));
	if (vfio_container_stats_get(RTE_VFIO_DEFAULT_CONTAINER_FD, &a) == 0 &&
			vfio_container_stats_get(cfd, &b) == 0) {
		s->def_records = a.records;
		s->user_records = b.records;
		/* EFAULT is the kernel's to find: a refused call changes nothing */
		s->map_calls = a.map_calls + b.map_calls - a.refused_kernel -
			b.refused_kernel;
		s->unmap_calls = a.unmap_calls + b.unmap_calls;
	}
	rte_malloc_get_socket_stats(0, &s->heap);
}

static int
test_bad_input(void)
{
	struct state before, after;
	size_t pg = test_page_size();
	int ret;
	struct vfio_model_group_cfg cfg = {
		.group_num = GROUP, .devices = { BDF }, .msi_window = true,
	};
	uint8_t *buf;
	int cfd;

	if (test_vfio_is_kernel())
		TEST_SKIP("the catalogue's VFIO rows use the type1 model's IOMMU");
	rows_before_init();
	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(vfio_model_add_group(&cfg), "model group");
	buf = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(buf != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, GROUP) >= 0, "bind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf, IOVA_BASE, 2 * pg),
		"a mapping to collide with");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("bad_input"), "an empty external heap");

	state_take(cfd, &before);
	rows_eal();
	rows_memory(pg);
	rows_malloc(pg);
	rows_vfio(cfd, (uintptr_t)buf, pg);
	rows_pci(pg);
	rows_edu();
	rows_no_failure();
	state_take(cfd, &after);
	/* the rows' counts first: a state check failing below adds a failure */
	ret = test_cases_end(&rows);

	TEST_STEP("no change of state");
	TEST_ASSERT_EQUAL(after.def_records, before.def_records, "default container records");
	TEST_ASSERT_EQUAL(after.user_records, before.user_records, "user container records");
	TEST_ASSERT_EQUAL(after.map_calls, before.map_calls, "no MAP_DMA done");
	TEST_ASSERT_EQUAL(after.unmap_calls, before.unmap_calls, "no UNMAP_DMA issued");
	TEST_ASSERT_EQUAL(after.heap.heap_allocsz_bytes, before.heap.heap_allocsz_bytes,
		"heap allocations");
	TEST_ASSERT_SUCCESS(inv_all(&cfd, 1), "records == kernel");

	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy("bad_input"), "heap destroy");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	munmap(buf, 16 * pg);
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return ret;
}

REGISTER_TEST_COMMAND(bad_input_autotest, test_bad_input);
