/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOVA modes, reserved IOVA windows, group conflicts and peer to peer.
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
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"

#define GROUP_48 41
#define GROUP_39 42
#define DEV_48 "0000:00:05.0"
#define DEV_39 "0000:00:06.0"
#define EDU_LIVENESS 0x04
#define IOVA_FAR (1ULL << 50)   /* beyond 39 and 48 bits alike */
/* a --base-virtaddr a 39-bit IOMMU cannot reach */
#define BASE_BEYOND_39 "0x7e0000000000"

/* ---- helpers ---- */

/* The captured log holds w1 and w2 (on any line); prints it when not. */
static int
log_has(const char *w1, const char *w2)
{
	const char *buf = test_log_release();
	int ok;

	if (buf == NULL)
		return 1; /* no capture possible: do not fail for it */
	ok = strstr(buf, w1) != NULL && (w2 == NULL || strstr(buf, w2) != NULL);
	if (!ok)
		printf("  expected a log line with \"%s\"%s%s%s, got:\n%s", w1,
			w2 != NULL ? " and \"" : "", w2 != NULL ? w2 : "",
			w2 != NULL ? "\"" : "", buf);
	return ok;
}

static void
model_cfg(struct vfio_model_group_cfg *cfg, int num, const char *bdf,
		unsigned int bits)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->group_num = num;
	cfg->devices[0] = bdf;
	cfg->aperture_bits = bits;
	cfg->msi_window = true;
}

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

/*
 * rte_eal_init() on the model with groups that exist before it (so the
 * probe at init sees them). args: EAL arguments, NULL-ended.
 */
static int
model_eal_init(const struct vfio_model_group_cfg *groups, unsigned int n,
		const char *arg, ...)
{
	char *argv[16];
	int argc = 0;
	unsigned int i;
	const char *a;
	va_list ap;

	argv[argc++] = (char *)(uintptr_t)"dpdk-test";
	va_start(ap, arg);
	for (a = arg; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[argc] = NULL;
	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_memlock_limit(UINT64_MAX);
	vfio_model_set_cap_ipc_lock(true);
	for (i = 0; i < n; i++)
		if (vfio_model_add_group(&groups[i]) < 0)
			return -1;
	return rte_eal_init(argc, argv);
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

/*
 * An IOVA of len that no EAL memory uses, in the current mode; va is a
 * reserved, otherwise unused address range of len.
 */
static uint64_t
spare_iova(void *va, size_t len)
{
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		return (uintptr_t)va; /* the address space keeps it unique */
	if (rte_eal_iova_mode_is_allocated())
		return rte_mem_iova_alloc(len, len);
	return 1ULL << 38; /* above the VM's RAM: no PA of a memseg */
}

static void
spare_iova_free(uint64_t iova, size_t len)
{
	if (rte_eal_iova_mode_is_allocated())
		rte_mem_iova_free(iova, len);
}

/* ---- the IOVA mode on the model ---- */

static int
mode_va_48(void)
{
	struct vfio_model_group_cfg g;
	struct walk_ctx w = { .n = 0 };

	TEST_STEP("48-bit IOMMU: the default is IOVA as VA, logged with the numbers");
	model_cfg(&g, GROUP_48, DEV_48, 48);
	test_log_capture();
	if (model_eal_init(&g, 1, "--no-huge", "-m", "16", "--log-level=info",
			NULL) < 0) {
		log_has("", NULL);
		TEST_ASSERT(0, "rte_eal_init: %s", rte_strerror(rte_errno));
	}
	TEST_ASSERT(log_has("IOVA mode is VA: the memseg lists' VA", "IOMMU group 41"),
		"the choice is logged");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_VA, "mode");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode_is_allocated(), 0, "not allocated");
	w.n = eal_iova_get_ranges(w.r, RTE_DIM(w.r));
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

	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_PA, "reported as PA");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode_is_allocated(), 1, "allocated");
	TEST_ASSERT_EQUAL(rte_eal_using_phys_addrs(), 0, "no physical addresses");
	w.n = eal_iova_get_ranges(w.r, RTE_DIM(w.r));
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

static int
mode_allocated_39(void)
{
	struct vfio_model_group_cfg g;

	TEST_STEP("39-bit IOMMU, --base-virtaddr beyond it: the EAL allocates IOVAs");
	model_cfg(&g, GROUP_39, DEV_39, 39);
	test_log_capture();
	if (model_eal_init(&g, 1, "--no-huge", "-m", "16", "--log-level=info",
			"--base-virtaddr", BASE_BEYOND_39, NULL) < 0) {
		log_has("", NULL);
		TEST_ASSERT(0, "rte_eal_init: %s", rte_strerror(rte_errno));
	}
	TEST_ASSERT(log_has("IOVA mode is allocated", "0x7fffffffff"),
		"the choice and the ranges are logged");
	if (mode_allocated_39_checks() < 0 || mode_allocated_extmem() < 0) {
		rte_eal_cleanup();
		return -1;
	}
	rte_eal_cleanup();

	TEST_STEP("dynamic memory in the allocated mode");
	model_cfg(&g, GROUP_39, DEV_39, 39);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "--dynamic-mem",
		"--base-virtaddr", BASE_BEYOND_39, NULL) >= 0,
		"init: %s", rte_strerror(rte_errno));
	if (mode_allocated_39_checks() < 0) {
		rte_eal_cleanup();
		return -1;
	}
	rte_eal_cleanup();
	return 0;
}

/* Every memseg at IOVA = VA, below 2^39; a heap buffer mapped there. */
static int
mode_va_39_checks(void)
{
	struct walk_ctx w = { .n = 0 };
	size_t pg = test_page_size();
	void *p;

	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_VA, "mode");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode_is_allocated(), 0, "not allocated");
	w.n = eal_iova_get_ranges(w.r, RTE_DIM(w.r));
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
		test_log_capture();
		if (model_eal_init(&g, 1, "--no-huge", "--dynamic-mem",
				"--log-level=info", forced[i], NULL) < 0) {
			log_has("", NULL);
			TEST_ASSERT(0, "rte_eal_init: %s", rte_strerror(rte_errno));
		}
		TEST_ASSERT(log_has("IOVA mode is VA", "0x7fffffffff"),
			"the choice and the ranges are logged");
		if (mode_va_39_checks() < 0) {
			rte_eal_cleanup();
			return -1;
		}
		rte_eal_cleanup();
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
	test_log_capture();
	if (model_eal_init(&g, 1, "--no-huge", "--dynamic-mem", "--log-level=info",
			NULL) < 0) {
		log_has("", NULL);
		TEST_ASSERT(0, "rte_eal_init: %s", rte_strerror(rte_errno));
	}
	TEST_ASSERT(log_has("memseg list VA: no room", "IOVA mode is allocated"),
		"the fallback is logged");
	rte_eal_cleanup();
	return 0;
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
	test_log_capture();
	if (test_eal_init("--log-level=info", NULL) < 0) {
		log_has("", NULL);
		TEST_ASSERT(0, "rte_eal_init: %s", rte_strerror(rte_errno));
	}
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
	test_log_capture();
	if (test_eal_init("--iova-mode=va", "--log-level=info", NULL) < 0) {
		log_has("", NULL);
		TEST_ASSERT(0, "rte_eal_init --iova-mode=va: %s", rte_strerror(rte_errno));
	}
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
		test_log_capture();
		if (test_eal_init("--base-virtaddr", BASE_BEYOND_39, "--log-level=info",
				NULL) < 0) {
			log_has("", NULL);
			TEST_ASSERT(0, "init: %s", rte_strerror(rte_errno));
		}
		TEST_ASSERT(log_has("IOVA mode is allocated", NULL), "allocated, logged");
		ret = vm_dma_checks();
		rte_eal_cleanup();
		if (ret < 0)
			return TEST_FAILED;
	}
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(iova_mode_vm_autotest, test_iova_mode_vm);

/* ---- reserved windows ---- */

/* A group to test with: a model group, or the group of an edu in the VM. */
static int
test_group(int *num)
{
	struct vfio_model_group_cfg g;
	struct rte_pci_device *dev;

	if (!test_vfio_is_kernel()) {
		model_cfg(&g, GROUP_48, DEV_48, 48);
		if (model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) < 0)
			return -1;
		*num = GROUP_48;
		return 0;
	}
	if (test_eal_init("--no-huge", "-m", "16", NULL) < 0)
		return -1;
	dev = test_vfio_edu(NULL);
	if (dev == NULL || dev->iommu_group < 0) {
		rte_eal_cleanup();
		return 1;
	}
	*num = dev->iommu_group;
	return 0;
}

static int
test_resv_window(void)
{
	size_t pg = test_page_size();
	char want[128];
	void *va;
	int cfd, num, ret;

	ret = test_group(&num);
	if (ret > 0)
		TEST_SKIP_MISSING("no edu device bound to vfio-pci");
	TEST_ASSERT_SUCCESS(ret, "init: %s", rte_strerror(rte_errno));
	va = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, num) >= 0, "bind %d: %s", num,
		rte_strerror(rte_errno));
	snprintf(want, sizeof(want), "reserved region 'msi' of IOMMU group %d", num);
	TEST_STEP("a map into the MSI window is refused, naming the window");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		VFIO_X86_MSI_START, pg), ERANGE, "map at 0xfee00000");
	TEST_ASSERT(log_has("the x86 MSI window 0xfee00000-0xfeefffff", want),
		"names the window");
	TEST_STEP("a map straddling the window's start is refused too");
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		VFIO_X86_MSI_START - pg, 2 * pg), ERANGE, "map across 0xfee00000");
	TEST_ASSERT(log_has("the x86 MSI window", want), "names the window");
	TEST_STEP("next to the window is fine");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		VFIO_X86_MSI_END + 1, pg), "map after the window");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va,
		VFIO_X86_MSI_END + 1, pg), "unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, num), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	munmap(va, 2 * pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(vfio_resv_window_autotest, test_resv_window);

/* ---- group conflicts ---- */

static int
test_group_conflict(void)
{
	struct vfio_container_stats st0, st1;
	size_t pg = test_page_size();
	void *va;
	int cfd, num, ret, state;

	ret = test_group(&num);
	if (ret > 0)
		TEST_SKIP_MISSING("no edu device bound to vfio-pci");
	TEST_ASSERT_SUCCESS(ret, "init: %s", rte_strerror(rte_errno));
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container");
	TEST_STEP("a kept mapping at 2^50 excludes the group: refused before the attach");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va, IOVA_FAR, pg),
		"recorded while the container has no group");
	vfio_container_stats_get(cfd, &st0);
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_group_bind(cfd, num), ERANGE, "bind");
	TEST_ASSERT(log_has("cannot join container", "0x4000000000000"),
		"names the conflicting mapping");
	vfio_container_stats_get(cfd, &st1);
	TEST_ASSERT_EQUAL(st1.map_calls, st0.map_calls, "no map was issued");
	TEST_ASSERT_EQUAL(st1.records, 1, "the record is kept");
	state = vfio_container_state_get(cfd);
	TEST_ASSERT_EQUAL(state, VFIO_CONT_NO_GROUP, "still without a group");
	TEST_STEP("once the mapping goes, the group joins");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va, IOVA_FAR, pg),
		"unmap");
	TEST_ASSERT(rte_vfio_container_group_bind(cfd, num) >= 0, "bind: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, num), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	munmap(va, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(vfio_group_conflict_autotest, test_group_conflict);

static int
model_conflict_two_groups(void)
{
	struct vfio_model_group_cfg g[2];
	size_t pg = test_page_size();
	unsigned long sc0;
	void *va;
	int cfd;

	if (test_vfio_is_kernel())
		TEST_SKIP("the model has groups of two apertures; one VM has one");
	TEST_STEP("a 48-bit group maps above 2^39; a 39-bit group is refused before SET_CONTAINER");
	model_cfg(&g[0], GROUP_48, DEV_48, 48);
	model_cfg(&g[1], GROUP_39, DEV_39, 39);
	TEST_ASSERT(model_eal_init(g, 2, "--no-huge", "-m", "16", NULL) >= 0, "init");
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0 && rte_vfio_container_group_bind(cfd, GROUP_48) >= 0,
		"container with the 48-bit group");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va,
		1ULL << 40, pg), "map at 2^40");
	sc0 = vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER);
	test_log_capture();
	TEST_ASSERT_ERRNO(rte_vfio_container_group_bind(cfd, GROUP_39), ERANGE, "bind");
	TEST_ASSERT(log_has("IOMMU group 42 cannot join container", "0x10000000000"),
		"names the mapping");
	/* one SET_CONTAINER: the probe's, into its temporary container */
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER) - sc0, 1,
		"no SET_CONTAINER into the container holding the mapping");
	TEST_ASSERT(vfio_model_is_mapped(cfd, 1ULL << 40, pg), "the mapping stays");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va,
		1ULL << 40, pg), "unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	munmap(va, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(vfio_group_conflict_model_autotest, model_conflict_two_groups);

/*
 * rte_dev_dma_map() of a device whose group the application bound to a
 * container of its own maps into that container, where the device can
 * reach it (DPDK 22.11 maps into the default container).
 */
static int
model_dev_dma_own_container(void)
{
	struct vfio_model_group_cfg g;
	size_t pg = test_page_size();
	struct rte_pci_device *dev;
	uint64_t iova = 1ULL << 40, n_def;
	void *va;
	int cfd;

	if (test_vfio_is_kernel())
		TEST_SKIP("model test");
	TEST_STEP("rte_dev_dma_map: into the container the device's group is bound to");
	model_cfg(&g, GROUP_48, DEV_48, 48);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) >= 0, "init");
	dev = rte_pci_find(DEV_48);
	TEST_ASSERT_NOT_NULL(dev, "the model's device");
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0 && rte_vfio_container_group_bind(cfd, GROUP_48) >= 0,
		"the application's container with the device's group: %s",
		rte_strerror(rte_errno));
	n_def = test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD);
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(dev->device, va, iova, pg), "map");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 1, "recorded in the device's container");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, pg), "mapped there");
	TEST_ASSERT_EQUAL(test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n_def,
		"nothing in the default container");
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(dev->device, va, iova, pg), "unmap");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 0, "unmapped from it");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova, pg), "and from the model's IOMMU");
	TEST_STEP("after unbind: the default container again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, GROUP_48), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(dev->device, va, iova, pg), "map");
	TEST_ASSERT_EQUAL(test_vfio_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n_def + 1,
		"recorded in the default container");
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(dev->device, va, iova, pg), "unmap");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	munmap(va, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(vfio_dev_dma_container_autotest, model_dev_dma_own_container);

/*
 * A group the application bound itself stays bound when its last device
 * is released: unbinding it would make the kernel drop the application's
 * mappings in that container.
 */
static int
model_app_bound_group_kept(void)
{
	struct vfio_model_group_cfg g;
	struct vfio_device_info info;
	size_t pg = test_page_size();
	uint64_t iova = 1ULL << 40;
	char base[PATH_MAX];
	int cfd, dfd = -1;
	void *va;

	if (test_vfio_is_kernel())
		TEST_SKIP("model test");
	TEST_STEP("release of the last device of an application-bound group: the group and its maps stay");
	model_cfg(&g, GROUP_48, DEV_48, 48);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) >= 0, "init");
	snprintf(base, sizeof(base), "%s/bus/pci/devices", vfio_model_sysfs_root());
	va = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0 && rte_vfio_container_group_bind(cfd, GROUP_48) >= 0,
		"the application's container with the group: %s", rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)va, iova, pg),
		"the application's map");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_48, &dfd, &info), "setup");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_48, dfd), "release");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, pg), "the map is still in the IOMMU");
	TEST_ASSERT_EQUAL(test_vfio_records(cfd), 1, "and recorded");
	TEST_STEP("the device can be set up again in the same container, then the application unbinds");
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_48, &dfd, &info), "setup again");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_48, dfd), "release again");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)va, iova, pg),
		"unmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, GROUP_48), "unbind");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	munmap(va, pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}
REGISTER_TEST_COMMAND(vfio_app_group_kept_autotest, model_app_bound_group_kept);

/* ---- peer to peer ---- */

static unsigned int n_dev_recs;

static void
count_dev(const struct vfio_record *rec, void *arg)
{
	uint64_t owner = *(uint64_t *)arg;

	if (rec->kind == VFIO_REC_DEVICE && (owner == 0 || rec->owner == owner))
		n_dev_recs++;
}

static unsigned int
device_records(int cfd)
{
	uint64_t any = 0;

	n_dev_recs = 0;
	vfio_container_records_walk(cfd, count_dev, &any);
	return n_dev_recs;
}

/* The model: device memory (anonymous pages stand in for a BAR). */
static int
p2p_model(void)
{
	struct vfio_model_group_cfg g;
	struct vfio_device_info info;
	size_t pg = test_page_size();
	char base[PATH_MAX];
	uint64_t iova = 0x80000000ULL;
	void *bar;
	int cfd, dfd = -1;

	model_cfg(&g, GROUP_48, DEV_48, 48);
	TEST_ASSERT(model_eal_init(&g, 1, "--no-huge", "-m", "16", NULL) >= 0, "init");
	snprintf(base, sizeof(base), "%s/bus/pci/devices", vfio_model_sysfs_root());
	TEST_ASSERT_SUCCESS(rte_vfio_setup_device(base, DEV_48, &dfd, &info), "setup");
	cfd = rte_vfio_get_container_fd();
	bar = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		-1, 0);
	TEST_ASSERT(bar != MAP_FAILED, "mmap");

	TEST_STEP("device memory is mapped as one unit owned by the device");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)bar, iova, 2 * pg), "map");
	TEST_ASSERT_EQUAL(device_records(cfd), 1, "one device record");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, 2 * pg), "in the IOMMU");
	TEST_STEP("bad unmaps change nothing");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd, iova, pg), ENOTSUP, "cut");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd, iova + 4 * pg, pg), ENOENT,
		"nothing there");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd, iova, 0), EINVAL, "len 0");
	TEST_ASSERT_ERRNO(vfio_device_dma_unmap(dfd + 1000, iova, 2 * pg), ENOENT,
		"not a device");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
		(uintptr_t)bar, iova, 2 * pg), EPERM, "a user unmap of device memory");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, 2 * pg), "still mapped");
	TEST_STEP("explicit unmap, then map again");
	TEST_ASSERT_SUCCESS(vfio_device_dma_unmap(dfd, iova, 2 * pg), "unmap");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova, pg), "gone");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)bar, iova, 2 * pg), "map");
	TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)bar + 2 * pg,
		iova + 2 * pg, 2 * pg), "second map");
	TEST_ASSERT_ERRNO(vfio_device_dma_map(dfd, (uintptr_t)bar, iova, pg), EEXIST,
		"overlap");
	TEST_STEP("releasing the device removes its mappings from the IOMMU");
	TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, DEV_48, dfd), "release");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova, pg), "first gone");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova + 2 * pg, pg), "second gone");
	TEST_ASSERT_EQUAL(device_records(cfd), 0, "no device record");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	munmap(bar, 4 * pg);
	rte_eal_cleanup();
	return 0;
}

/* Write v into B's liveness register by A's DMA through IOVA iova. */
static int
dma_to_liveness(struct rte_edu *a, uint8_t *buf, rte_iova_t buf_iova,
		uint64_t iova, uint32_t v)
{
	memcpy(buf, &v, sizeof(v));
	if (rte_edu_copy_to_dev(a, buf, buf_iova, 0, sizeof(v), 0) < 0)
		return -1;
	return rte_edu_dma_from_dev(a, 0, iova + EDU_LIVENESS, sizeof(v), 0);
}

static int
p2p_vm_run(struct rte_edu *a, struct rte_pci_device *db, uint8_t *buf,
		rte_iova_t buf_iova, uint64_t iova)
{
	size_t pg = test_page_size();
	struct rte_edu *b;
	uint8_t *bar;
	int cfd = rte_vfio_get_container_fd();

	b = rte_edu_probe(db);
	TEST_ASSERT_NOT_NULL(b, "edu B: %s", rte_strerror(rte_errno));
	if (rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV) {
		/* native iommufd maps no BAR by its address: refused first */
		TEST_STEP("iommufd: B's BAR0 refused for peer to peer (ENOTSUP), nothing recorded");
		TEST_ASSERT_ERRNO(rte_pci_p2p_map(db, 0, 0, pg, iova), ENOTSUP,
			"p2p map on iommufd");
		TEST_ASSERT_EQUAL(device_records(cfd), 0, "no device record");
		return TEST_SUCCESS;
	}
	TEST_STEP("B's BAR0 mapped for peer to peer at IOVA 0x%" PRIx64, iova);
	TEST_ASSERT_SUCCESS(rte_pci_p2p_map(db, 0, 0, pg, iova), "p2p map");
	TEST_ASSERT_EQUAL(device_records(cfd), 1, "a device record");
	rte_edu_write_liveness(b, 0x11111111);
	TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x11111111u, "CPU write");
	TEST_ASSERT_SUCCESS(dma_to_liveness(a, buf, buf_iova, iova, 0x5a5a1234),
		"A's DMA");
	TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x5a5a1234u,
		"A's DMA reached B's liveness register");
	TEST_STEP("bad peer-to-peer calls");
	TEST_ASSERT_ERRNO(rte_pci_p2p_map(db, 6, 0, pg, iova), EINVAL, "BAR 6");
	TEST_ASSERT_ERRNO(rte_pci_p2p_map(db, 0, 0, 1ULL << 40, iova), EINVAL,
		"beyond the BAR");
	TEST_ASSERT_ERRNO(rte_pci_p2p_map(db, 0, 0, pg, iova), EEXIST, "twice");
	TEST_ASSERT_ERRNO(rte_pci_p2p_unmap(db, 0, 0, pg, iova + pg), ENOENT,
		"nothing there");
	TEST_STEP("unmap, and rte_dev_dma_map() of B's BAR address is B's memory");
	TEST_ASSERT_SUCCESS(rte_pci_p2p_unmap(db, 0, 0, pg, iova), "p2p unmap");
	TEST_ASSERT_EQUAL(device_records(cfd), 0, "gone");
	bar = rte_pci_map_bar(db, 0);
	TEST_ASSERT_NOT_NULL(bar, "B's BAR0");
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(rte_edu_pci_dev(a)->device, bar, iova, pg),
		"rte_dev_dma_map of B's BAR through A");
	TEST_ASSERT_EQUAL(device_records(cfd), 1, "recorded as device memory");
	TEST_ASSERT_SUCCESS(dma_to_liveness(a, buf, buf_iova, iova, 0x0badcafe), "DMA");
	TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x0badcafeu, "A reached B");
	TEST_STEP("B released: its mapping goes with it");
	TEST_ASSERT_SUCCESS(rte_edu_remove(b), "remove B");
	if (rte_pci_is_open(db))
		TEST_ASSERT_SUCCESS(rte_pci_close(db), "close B");
	TEST_ASSERT_EQUAL(device_records(cfd), 0, "no device record after B's release");
	return 0;
}

static int
p2p_vm(void)
{
	size_t pg = test_page_size();
	struct rte_pci_device *da, *db;
	struct rte_edu *a, *b;
	rte_iova_t buf_iova;
	uint64_t iova;
	uint8_t *buf;
	void *hole;
	int ret;

	TEST_ASSERT(test_eal_init("--no-huge", "-m", "32", NULL) >= 0, "init");
	da = test_vfio_edu(NULL);
	db = da != NULL ? test_vfio_edu(da) : NULL;
	if (db == NULL) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("needs two edu devices bound to vfio-pci");
	}
	a = rte_edu_probe(da);
	TEST_ASSERT_NOT_NULL(a, "edu A: %s", rte_strerror(rte_errno));
	buf = rte_malloc(NULL, pg, pg);
	TEST_ASSERT_NOT_NULL(buf, "buffer");
	buf_iova = rte_malloc_virt2iova(buf);
	/* two pages: the second is an IOVA where nothing is mapped */
	hole = test_dma_mmap(2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	TEST_ASSERT(hole != MAP_FAILED, "mmap");
	iova = spare_iova(hole, 2 * pg);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "an IOVA for B's BAR");
	ret = p2p_vm_run(a, db, buf, buf_iova, iova);
	if (ret == 0) {
		TEST_STEP("after B's release, A's DMA to that IOVA is blocked");
		/* B again, without any peer-to-peer mapping */
		b = rte_edu_probe(db);
		TEST_ASSERT_NOT_NULL(b, "edu B again");
		rte_edu_write_liveness(b, 0x22222222);
		TEST_ASSERT_SUCCESS(dma_to_liveness(a, buf, buf_iova, iova, 0x77777777),
			"A's DMA completes on A's side");
		TEST_ASSERT_EQUAL(rte_edu_read_liveness(b), ~0x22222222u,
			"B's register untouched: the DMA was blocked");
		rte_edu_remove(b);
	}
	spare_iova_free(iova, 2 * pg);
	munmap(hole, 2 * pg);
	rte_free(buf);
	rte_edu_remove(a);
	rte_eal_cleanup();
	return ret;
}

static int
test_p2p(void)
{
	if (!test_vfio_is_kernel())
		return p2p_model() < 0 ? TEST_FAILED : TEST_SUCCESS;
	return p2p_vm();
}
REGISTER_TEST_COMMAND(vfio_p2p_autotest, test_p2p);
