/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOVA modes: VA, allocated and PA, on the model and in the VM.
 *
 * On the type1 model (the default) the IOMMU groups exist before
 * rte_eal_init(), so the probe of the valid IOVA ranges at init runs the
 * same code as on the kernel; a group with aperture_bits 39 stands in for
 * VT-d with aw-bits=39. In the VM (DPDK_TEST_VFIO=kernel) the same tests
 * use the edu devices and prove mappings with their DMA.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_iova.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"
#include "test_iova_common.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"

/* a --base-virtaddr a 39-bit IOMMU cannot reach */
#define BASE_BEYOND_39 "0x7e0000000000"

/*
 * Whether the EAL's default VA window (4 GiB up) has room in this
 * process: AddressSanitizer reserves it as its shadow gap, and the EAL
 * then places its lists elsewhere (and says so).
 */
static bool
low_va_available(void)
{
	void *want = (void *)(uintptr_t)EAL_DEFAULT_BASE_VA;
	void *p = mmap(want, 1 << 21, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return false;
	munmap(p, 1 << 21);
	return p == want;
}

struct walk_ctx {
	struct eal_iova_range r[8];
	unsigned int n;
	unsigned int segs, outside, iova_is_va, bad_iova;
};

static int
seg_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct walk_ctx *w = arg;
	unsigned int i;
	bool in = false;

	if (msl->external)
		return 0;
	w->segs++;
	if (ms->iova == RTE_BAD_IOVA) {
		w->bad_iova++;
		return 0;
	}
	if (ms->iova == ms->addr_64)
		w->iova_is_va++;
	for (i = 0; i < w->n; i++)
		if (ms->iova >= w->r[i].start && ms->iova + ms->len - 1 <= w->r[i].end)
			in = true;
	if (!in)
		w->outside++;
	return 0;
}

/* The IOVA mode the EAL reports (said: as what), allocated or not; w gets the valid ranges. */
static int
mode_is(struct walk_ctx *w, enum rte_iova_mode mode, const char *said, int allocated)
{
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), mode, "%s", said);
	TEST_ASSERT_EQUAL(rte_eal_iova_mode_is_allocated(), allocated, "%s",
		allocated ? "allocated" : "not allocated");
	w->n = eal_iova_get_ranges(w->r, RTE_DIM(w->r));
	return 0;
}

/* What the EAL's IOVA functions say about one buffer agrees with its memseg. */
static int
check_buffer_iova(void *p, size_t len)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);
	rte_iova_t iova = rte_malloc_virt2iova(p);

	TEST_ASSERT_NOT_NULL(ms, "memseg of %p", p);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "rte_malloc_virt2iova(%p)", p);
	TEST_ASSERT_EQUAL(iova, ms->iova + RTE_PTR_DIFF(p, ms->addr),
		"rte_malloc_virt2iova agrees with the memseg");
	TEST_ASSERT_EQUAL(rte_mem_virt2iova(p), iova, "rte_mem_virt2iova");
	TEST_ASSERT(rte_mem_iova2virt(iova) == p, "rte_mem_iova2virt(0x%" PRIx64 ")",
		iova);
	TEST_ASSERT(rte_mem_virt2iova(RTE_PTR_ADD(p, len - 1)) == iova + len - 1,
		"last byte");
	return 0;
}

/* ---- the IOVA mode on the model ---- */

static int
mode_va_48(void)
{
	struct vfio_model_group_cfg g;
	struct walk_ctx w = { .n = 0 };

	TEST_STEP("48-bit IOMMU: the default is IOVA as VA, logged with the numbers");
	model_cfg(&g, GROUP_48, DEV_48, 48);
	INIT_LOGGED(model_eal_init(&g, 1, "--no-huge", "-m", "16", "--log-level=info", NULL),
		"rte_eal_init");
	TEST_ASSERT(log_has("IOVA mode is VA: the memseg lists' VA", "IOMMU group 41"),
		"the choice is logged");
	if (mode_is(&w, RTE_IOVA_VA, "mode", 0) < 0)
		return -1;
	TEST_ASSERT_EQUAL(w.n, 2, "probed ranges (MSI window carved out)");
	TEST_ASSERT_EQUAL(w.r[1].end, (1ULL << 48) - 1, "48-bit end");
	rte_memseg_walk(seg_cb, &w);
	TEST_ASSERT(w.segs > 0 && w.iova_is_va == w.segs, "iova == va for every memseg");
	TEST_ASSERT_ERRNO(rte_mem_iova_alloc(4096, 0) == RTE_BAD_IOVA ? -1 : 0,
		ENOTSUP, "no IOVA allocation outside the allocated mode");
	rte_eal_cleanup();
	return 0;
}

static int
mode_allocated_39_checks(void)
{
	struct walk_ctx w = { .n = 0 };
	size_t pg = test_page_size();
	struct rte_pci_device *dev;
	rte_iova_t blk, blk2;
	uint64_t n0;
	void *p;
	int cfd;

	if (mode_is(&w, RTE_IOVA_PA, "reported as PA", 1) < 0)
		return -1;
	TEST_ASSERT_EQUAL(rte_eal_using_phys_addrs(), 0, "no physical addresses");
	TEST_ASSERT_EQUAL(w.n, 2, "probed ranges");
	TEST_ASSERT_EQUAL(w.r[1].end, (1ULL << 39) - 1, "39-bit end");
	TEST_STEP("heap, memsegs and lookups use the memseg's IOVA");
	p = rte_malloc(NULL, 3 * pg, pg);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc");
	rte_memseg_walk(seg_cb, &w);
	TEST_ASSERT(w.segs > 0, "memsegs");
	TEST_ASSERT_EQUAL(w.outside, 0, "every memseg IOVA inside the valid ranges");
	TEST_ASSERT_EQUAL(w.iova_is_va, 0, "iova != va");
	TEST_ASSERT_EQUAL(w.bad_iova, 0, "no memseg without IOVA");
	if (check_buffer_iova(p, 3 * pg) < 0)
		return -1;
	TEST_ASSERT_EQUAL(rte_mem_virt2iova(&w), RTE_BAD_IOVA,
		"memory outside the memsegs has no IOVA in this mode");

	TEST_STEP("IOVA blocks for drivers: inside the ranges, disjoint, bad inputs refused");
	blk = rte_mem_iova_alloc(pg, pg);
	blk2 = rte_mem_iova_alloc(pg, pg);
	TEST_ASSERT(blk != RTE_BAD_IOVA && blk2 != RTE_BAD_IOVA, "two blocks");
	TEST_ASSERT(blk + pg <= blk2 || blk2 + pg <= blk, "disjoint");
	TEST_ASSERT(blk2 + pg - 1 <= w.r[1].end, "inside");
	TEST_ASSERT(rte_mem_iova2virt(blk) == NULL, "no memseg there");
	TEST_ASSERT_ERRNO(rte_mem_iova_alloc(0, 0) == RTE_BAD_IOVA ? -1 : 0, EINVAL,
		"len 0");
	TEST_ASSERT_ERRNO(rte_mem_iova_free(blk, 2 * pg), EINVAL, "wrong length");
	TEST_ASSERT_SUCCESS(rte_mem_iova_free(blk, pg), "free");
	TEST_ASSERT_ERRNO(rte_mem_iova_free(blk, pg), EINVAL, "double free");
	TEST_ASSERT_SUCCESS(rte_mem_iova_free(blk2, pg), "free");

	TEST_STEP("rte_dev_dma_map() of an IOVA the IOMMU cannot reach: ERANGE, nothing recorded");
	dev = rte_pci_find(DEV_39);
	TEST_ASSERT_NOT_NULL(dev, "the model's device");
	n0 = test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD);
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_dev_dma_map(dev->device, p, 1ULL << 40, pg), ERANGE,
		"beyond 39 bits");
	TEST_ASSERT(log_has("rte_dev_dma_map: IOVA [0x10000000000", "0x7fffffffff"),
		"names the range and the valid ranges");
	TEST_ASSERT_EQUAL(test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n0,
		"no record");

	TEST_STEP("the 39-bit group joins: the heap's records replay inside its aperture");
	cfd = rte_vfio_get_container_fd();
	TEST_ASSERT(cfd >= 0, "default container");
	TEST_ASSERT(rte_vfio_container_group_bind(RTE_VFIO_DEFAULT_CONTAINER_FD,
		GROUP_39) >= 0, "bind: %s", rte_strerror(rte_errno));
	TEST_ASSERT(vfio_model_is_mapped(cfd, rte_malloc_virt2iova(p), 3 * pg),
		"the buffer is mapped at its IOVA");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(RTE_VFIO_DEFAULT_CONTAINER_FD,
		GROUP_39), "unbind");
	rte_free(p);
	return 0;
}

static int
mode_allocated_extmem(void)
{
	size_t pg = test_page_size(), len = 8 * pg;
	struct eal_iova_range r[4];
	rte_iova_t iovas[8];
	uint64_t before, *table;
	unsigned int i;
	void *ext, *p;
	int socket;

	TEST_STEP("external memory without IOVAs has none (RTE_BAD_IOVA), as in DPDK 22.11");
	ext = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(ext != MAP_FAILED, "mmap");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("p2p_ext"), "heap");
	socket = rte_malloc_heap_get_socket("p2p_ext");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_add("p2p_ext", ext, len, NULL, 0, pg),
		"add without IOVAs");
	p = rte_malloc_socket(NULL, pg, pg, socket);
	TEST_ASSERT_NOT_NULL(p, "allocation from the external heap");
	TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p), RTE_BAD_IOVA, "no IOVA");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "rte_errno");
	rte_free(p);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove("p2p_ext", ext, len), "remove");

	TEST_STEP("external memory with IOVAs from rte_mem_iova_alloc()");
	table = test_iova_table(ext, len, pg);
	TEST_ASSERT_NOT_NULL(table, "IOVA table: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_add("p2p_ext", ext, len, table,
		len / pg, pg), "add with IOVAs");
	p = rte_malloc_socket(NULL, pg, pg, socket);
	TEST_ASSERT_NOT_NULL(p, "allocation from the external heap");
	TEST_ASSERT(rte_malloc_virt2iova(p) != (uintptr_t)p, "iova != va");
	TEST_ASSERT(rte_malloc_virt2iova(p) < (1ULL << 39), "inside 39 bits");
	if (check_buffer_iova(p, pg) < 0)
		return -1;
	rte_free(p);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove("p2p_ext", ext, len), "remove");
	test_iova_table_free(table, len);

	TEST_STEP("external memory the IOMMU cannot reach is refused (ERANGE), nothing changes");
	eal_iova_get_ranges(r, RTE_DIM(r));
	for (i = 0; i < RTE_DIM(iovas); i++)
		iovas[i] = IOVA_FAR + i * pg;
	before = rte_eal_get_physmem_size();
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add("p2p_ext", ext, len, iovas, 8, pg),
		ERANGE, "IOVAs beyond 2^39");
	TEST_ASSERT(log_has("is outside the IOMMU's valid IOVA ranges", "0x7fffffffff"),
		"the refusal names the valid ranges");
	TEST_ASSERT(rte_mem_virt2memseg_list(ext) == NULL, "no list left behind");
	TEST_ASSERT_EQUAL(rte_eal_get_physmem_size(), before, "no change");
	TEST_STEP("the heap still grows from other memory afterwards");
	for (i = 0; i < RTE_DIM(iovas); i++)
		iovas[i] = 0x40000000ULL + i * pg;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_add("p2p_ext", ext, len, iovas, 8, pg),
		"in-range IOVAs");
	p = rte_malloc_socket(NULL, pg, pg, socket);
	TEST_ASSERT_NOT_NULL(p, "allocation");
	rte_free(p);
	TEST_ASSERT_SUCCESS(rte_malloc_heap_memory_remove("p2p_ext", ext, len), "remove");
	TEST_ASSERT_SUCCESS(rte_malloc_heap_destroy("p2p_ext"), "destroy");
	munmap(ext, len);
	return 0;
}

/*
 * After an EAL start: its log holds w1 and w2 (why: what that shows; w1
 * NULL: not looked at), then checks() pass (NULL: none); the EAL is
 * stopped when they ran.
 */
static int
started(const char *w1, const char *w2, const char *why, int (*checks)(void))
{
	int ret;

	if (w1 != NULL)
		TEST_ASSERT(log_has(w1, w2), "%s", why);
	ret = checks != NULL ? checks() : 0;
	rte_eal_cleanup();
	return ret;
}

static int
mode_allocated_39_all_checks(void)
{
	return mode_allocated_39_checks() < 0 || mode_allocated_extmem() < 0 ? -1 : 0;
}

static int
mode_allocated_39(void)
{
	struct vfio_model_group_cfg g;

	TEST_STEP("39-bit IOMMU, --base-virtaddr beyond it: the EAL allocates IOVAs");
	model_cfg(&g, GROUP_39, DEV_39, 39);
	INIT_LOGGED(model_eal_init(&g, 1, "--no-huge", "-m", "16", "--log-level=info",
		"--base-virtaddr", BASE_BEYOND_39, NULL), "rte_eal_init");
	if (started("IOVA mode is allocated", "0x7fffffffff",
			"the choice and the ranges are logged", mode_allocated_39_all_checks) < 0)
		return -1;

	TEST_STEP("dynamic memory in the allocated mode");
	model_cfg(&g, GROUP_39, DEV_39, 39);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "--dynamic-mem",
		"--base-virtaddr", BASE_BEYOND_39, NULL) >= 0,
		"init: %s", rte_strerror(rte_errno));
	return started(NULL, NULL, NULL, mode_allocated_39_checks);
}

/* Every memseg at IOVA = VA, below 2^39; a heap buffer mapped there. */
static int
mode_va_39_checks(void)
{
	struct walk_ctx w = { .n = 0 };
	size_t pg = test_page_size();
	void *p;

	if (mode_is(&w, RTE_IOVA_VA, "mode", 0) < 0)
		return -1;
	TEST_ASSERT_EQUAL(w.r[w.n - 1].end, (1ULL << 39) - 1, "39-bit end");
	p = rte_malloc(NULL, 3 * pg, pg);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc");
	TEST_ASSERT((uintptr_t)p + 3 * pg <= (1ULL << 39), "the heap is below 2^39: %p", p);
	TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p), (uintptr_t)p, "iova == va");
	rte_memseg_walk(seg_cb, &w);
	TEST_ASSERT(w.segs > 0 && w.iova_is_va == w.segs, "iova == va for every memseg");
	TEST_ASSERT_EQUAL(w.outside, 0, "every memseg inside the valid ranges");
	if (check_buffer_iova(p, 3 * pg) < 0)
		return -1;
	rte_free(p);
	return 0;
}

static int
mode_va_39(void)
{
	struct vfio_model_group_cfg g;
	const char *forced[] = { NULL, "--iova-mode=va" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(forced); i++) {
		TEST_STEP("39-bit IOMMU%s: the lists are reserved low, IOVA as VA works",
			forced[i] != NULL ? ", --iova-mode=va" : "");
		model_cfg(&g, GROUP_39, DEV_39, 39);
		INIT_LOGGED(model_eal_init(&g, 1, "--no-huge", "--dynamic-mem",
			"--log-level=info", forced[i], NULL), "rte_eal_init");
		if (started("IOVA mode is VA", "0x7fffffffff",
				"the choice and the ranges are logged", mode_va_39_checks) < 0)
			return -1;
	}
	return 0;
}

/* Where the default window is taken (AddressSanitizer): said, and handled. */
static int
mode_va_39_no_low_va(void)
{
	struct vfio_model_group_cfg g;

	TEST_STEP("39-bit IOMMU, the low VA window taken: said at init, IOVAs allocated");
	model_cfg(&g, GROUP_39, DEV_39, 39);
	INIT_LOGGED(model_eal_init(&g, 1, "--no-huge", "--dynamic-mem", "--log-level=info",
		NULL), "rte_eal_init");
	return started("memseg list VA: no room", "IOVA mode is allocated",
		"the fallback is logged", NULL);
}

static int
mode_forced_va_39(void)
{
	struct vfio_model_group_cfg g;

	TEST_STEP("--iova-mode=va with --base-virtaddr beyond a 39-bit IOMMU: ERANGE, naming the limit and the fix");
	model_cfg(&g, GROUP_39, DEV_39, 39);
	test_log_capture();
	TEST_ASSERT_ERRNO(model_eal_init(&g, 1, "--no-huge", "-m", "16",
		"--iova-mode=va", "--base-virtaddr", BASE_BEYOND_39, NULL), ERANGE,
		"forced VA beyond the reach");
	TEST_ASSERT(log_has("--base-virtaddr 0x7e0000000000 is beyond the IOMMU's reach",
		"the limit is 0x7fffffffff"), "names the address and the limit");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_DC, "nothing left set");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode_is_allocated(), 0, "nothing left set");
	model_cfg(&g, GROUP_39, DEV_39, 39);
	test_log_capture();
	TEST_ASSERT_ERRNO(model_eal_init(&g, 1, "--no-huge", "-m", "16",
		"--iova-mode=va", "--base-virtaddr", BASE_BEYOND_39, NULL), ERANGE,
		"the same again: nothing was left behind");
	TEST_ASSERT(log_has("give an address inside them", "drop --base-virtaddr"),
		"names the fixes");
	return 0;
}

static int
test_iova_mode_model(void)
{
	if (test_vfio_is_kernel())
		TEST_SKIP("model test (iova_mode_vm_autotest is the kernel's)");
	if (mode_va_48() < 0 || mode_allocated_39() < 0 || mode_forced_va_39() < 0)
		return TEST_FAILED;
	if (low_va_available() ? mode_va_39() < 0 : mode_va_39_no_low_va() < 0)
		return TEST_FAILED;
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(iova_mode_model_autotest, test_iova_mode_model);

/* ---- edu devices in the VM ---- */

/* Checked DMA both ways through buf (iova) with edu. */
static int
edu_roundtrip(struct rte_edu *edu, uint8_t *buf, rte_iova_t iova, size_t len,
		const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(rand() & 0xff);
	TEST_ASSERT_SUCCESS(rte_edu_copy_to_dev(edu, buf, iova, 0, len, 0),
		"%s: device reads IOVA 0x%" PRIx64, what, iova);
	memset(buf, 0, len);
	TEST_ASSERT_SUCCESS(rte_edu_copy_from_dev(edu, 0, buf, iova, len, 0),
		"%s: device writes IOVA 0x%" PRIx64, what, iova);
	return 0;
}

static int
vm_dma_checks(void)
{
	size_t pg = test_page_size(), len = RTE_MIN(pg, (size_t)RTE_EDU_BUF_USABLE);
	struct rte_pci_device *dev = test_vfio_edu(NULL);
	struct rte_edu *edu;
	uint8_t *p, *ext;
	uint64_t *table = NULL;
	int socket, ret = -1;

	if (dev == NULL)
		TEST_SKIP_MISSING("no edu device bound to vfio-pci");
	edu = rte_edu_probe(dev);
	TEST_ASSERT_NOT_NULL(edu, "edu probe: %s", rte_strerror(rte_errno));
	TEST_STEP("heap memory: device DMA at its memseg IOVA");
	p = rte_malloc(NULL, pg, pg);
	if (p == NULL || edu_roundtrip(edu, p, rte_malloc_virt2iova(p), len, "heap") < 0)
		goto out;
	rte_free(p);
	TEST_STEP("external memory added with IOVAs the test chose: DMA at those IOVAs");
	ext = test_dma_mmap(4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	table = ext == MAP_FAILED ? NULL : test_iova_table(ext, 4 * pg, pg);
	if (table == NULL || rte_malloc_heap_create("vm_ext") < 0 ||
			rte_malloc_heap_memory_add("vm_ext", ext, 4 * pg, table, 4, pg) < 0) {
		printf("FAIL external heap: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	socket = rte_malloc_heap_get_socket("vm_ext");
	p = rte_malloc_socket(NULL, pg, pg, socket);
	if (p == NULL || edu_roundtrip(edu, p, rte_malloc_virt2iova(p), len,
			"external") < 0)
		goto out;
	rte_free(p);
	rte_malloc_heap_memory_remove("vm_ext", ext, 4 * pg);
	rte_malloc_heap_destroy("vm_ext");
	test_iova_table_free(table, 4 * pg);
	munmap(ext, 4 * pg);
	ret = 0;
out:
	rte_edu_remove(edu);
	return ret;
}

/*
 * IOVA as VA on the IOMMU at hand, through the plain DPDK API: hugepage
 * heap memory reachable at IOVA = VA (several pages, freed and taken
 * again), and what lies beyond the IOMMU's limit refused with ERANGE
 * without harming later heap growth.
 */
static int
vm_va_mode_checks(struct rte_edu *edu, uint64_t limit)
{
	size_t pg = test_page_size(), len = RTE_MIN(pg, (size_t)RTE_EDU_BUF_USABLE);
	size_t ext_len = 4 * pg;
	rte_iova_t iovas[4];
	unsigned int round, i;
	uint8_t *p[3], *ext;
	int ret = -1;

	for (round = 0; round < 2; round++) {
		TEST_STEP("round %u: three heap pages at IOVA = VA, DMA both ways", round + 1);
		for (i = 0; i < RTE_DIM(p); i++) {
			p[i] = rte_malloc(NULL, pg, pg);
			TEST_ASSERT_NOT_NULL(p[i], "rte_malloc: %s", rte_strerror(rte_errno));
			TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p[i]), (uintptr_t)p[i],
				"iova == va");
			TEST_ASSERT((uintptr_t)p[i] + pg - 1 <= limit,
				"%p inside the IOMMU's limit 0x%" PRIx64, p[i], limit);
			if (edu_roundtrip(edu, p[i], (uintptr_t)p[i], len, "heap") < 0)
				return -1;
		}
		for (i = 0; i < RTE_DIM(p); i++)
			rte_free(p[i]);
	}
	if (limit >= (1ULL << 46))
		return 0; /* nothing of the process lies beyond a wide IOMMU */

	ext = mmap(NULL, ext_len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ext != MAP_FAILED, "mmap");
	TEST_ASSERT((uintptr_t)ext > limit, "mmap() places memory beyond 0x%" PRIx64, limit);
	TEST_STEP("a user map at IOVA = VA beyond the limit: ERANGE, rte_errno set");
	rte_errno = 0;
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
		(uintptr_t)ext, (uintptr_t)ext, pg), ERANGE, "user map beyond the limit");
	TEST_ASSERT(log_has("is not inside one valid IOVA range", NULL), "says why");
	TEST_STEP("external memory at IOVA = VA beyond the limit: refused (ERANGE)");
	for (i = 0; i < RTE_DIM(iovas); i++)
		iovas[i] = (uintptr_t)ext + i * pg;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("va39_ext"), "heap");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_malloc_heap_memory_add("va39_ext", ext, ext_len, iovas,
		RTE_DIM(iovas), pg), ERANGE, "rte_malloc_heap_memory_add");
	TEST_ASSERT(log_has("is outside the IOMMU's valid IOVA ranges", NULL), "says why");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_extmem_register(ext, ext_len, iovas, RTE_DIM(iovas), pg),
		ERANGE, "rte_extmem_register");
	TEST_ASSERT(log_has("is outside the IOMMU's valid IOVA ranges", NULL), "says why");
	TEST_ASSERT(rte_mem_virt2memseg_list(ext) == NULL, "nothing left behind");
	TEST_STEP("heap growth after the refused region: reachable at IOVA = VA");
	for (i = 0; i < RTE_DIM(p); i++) {
		p[i] = rte_malloc(NULL, pg, pg);
		if (p[i] == NULL || edu_roundtrip(edu, p[i], (uintptr_t)p[i], len,
				"heap after the refusal") < 0)
			goto out;
	}
	for (i = 0; i < RTE_DIM(p); i++)
		rte_free(p[i]);
	ret = 0;
out:
	rte_malloc_heap_destroy("va39_ext");
	munmap(ext, ext_len);
	return ret;
}

static int
test_iova_mode_vm(void)
{
	struct rte_pci_device *dev;
	struct eal_iova_range r[8];
	struct rte_edu *edu;
	unsigned int n;
	int ret;

	if (!test_vfio_is_kernel())
		TEST_SKIP("kernel test (iova_mode_model_autotest is the model's)");
	TEST_STEP("default start-up: IOVA as VA, the lists inside the IOMMU's reach");
	INIT_LOGGED(test_eal_init("--log-level=info", NULL), "rte_eal_init");
	TEST_ASSERT(log_has("IOVA mode is VA", NULL), "VA, logged");
	n = eal_iova_get_ranges(r, RTE_DIM(r));
	if (n == 0) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("no group bound to vfio-pci could be probed");
	}
	printf("  valid ranges end at 0x%" PRIx64 "\n", r[n - 1].end);
	if (vm_dma_checks() < 0) {
		rte_eal_cleanup();
		return TEST_FAILED;
	}
	rte_eal_cleanup();

	TEST_STEP("--iova-mode=va: accepted on this IOMMU (ends at 0x%" PRIx64 ")",
		r[n - 1].end);
	INIT_LOGGED(test_eal_init("--iova-mode=va", "--log-level=info", NULL),
		"rte_eal_init --iova-mode=va");
	TEST_ASSERT(log_has("IOVA mode is VA (--iova-mode=va)", NULL), "logged");
	dev = test_vfio_edu(NULL);
	if (dev == NULL) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("no edu device bound to vfio-pci");
	}
	edu = rte_edu_probe(dev);
	TEST_ASSERT_NOT_NULL(edu, "edu probe: %s", rte_strerror(rte_errno));
	ret = vm_va_mode_checks(edu, r[n - 1].end);
	rte_edu_remove(edu);
	rte_eal_cleanup();
	if (ret < 0)
		return TEST_FAILED;

	TEST_STEP("--base-virtaddr: beyond the reach with --iova-mode=va ERANGE; without, allocated IOVAs");
	if (r[n - 1].end < 0x7e0000000000ULL) {
		test_log_capture();
		TEST_ASSERT_ERRNO(test_eal_init("--iova-mode=va", "--base-virtaddr",
			BASE_BEYOND_39, NULL), ERANGE, "forced VA, base beyond");
		TEST_ASSERT(log_has("is beyond the IOMMU's reach", "drop --base-virtaddr"),
			"names the cause and the fix");
		INIT_LOGGED(test_eal_init("--base-virtaddr", BASE_BEYOND_39, "--log-level=info",
			NULL), "init");
		TEST_ASSERT(log_has("IOVA mode is allocated", NULL), "allocated, logged");
		ret = vm_dma_checks();
		rte_eal_cleanup();
		if (ret < 0)
			return TEST_FAILED;
	}
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(iova_mode_vm_autotest, test_iova_mode_vm);
