/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOVA space: the ranges the IOMMU accepts, the choice of the IOVA
 * mode at init, and the IOVA allocator of the allocated mode.
 *
 * The mode is chosen once the memseg lists' VA is reserved (so their
 * addresses are known) and before any page gets an IOVA:
 *   1. IOVA as VA when every list's VA lies inside one valid range (or
 *      nothing is known about the IOMMU, as DPDK does);
 *   2. else the allocated mode: the EAL gives each list an IOVA block
 *      inside the valid ranges, contiguous per list (iova != va). It is
 *      reported as RTE_IOVA_PA, since drivers that see RTE_IOVA_VA assume
 *      iova == va; rte_eal_iova_mode_is_allocated() tells it apart;
 *   3. else IOVA as PA when physical addresses can be read.
 * --iova-mode forces VA or PA and fails clearly when VA cannot work.
 *
 * Lock: iova_lock (the IOVA space lock) protects ranges[] and blocks[].
 * It is a leaf (see eal_iova.h): taken under the hotplug lock by list
 * creation and release, never around anything else.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_memory.h>

#include "eal_iova.h"
#include "eal_memseg.h"
#include "eal_private.h"

#define IOVA_MAX_RANGES 32
/* never hand out IOVA 0 and the first MiB: 0 looks like NULL to drivers */
#define IOVA_ALLOC_FLOOR 0x100000ULL

struct iova_block {
	uint64_t start;
	uint64_t len;
};

static pthread_mutex_t iova_lock = PTHREAD_MUTEX_INITIALIZER;
static struct eal_iova_range ranges[IOVA_MAX_RANGES];
static unsigned int n_ranges;
static char ranges_src[64];
static bool allocated_mode;
static struct iova_block *blocks;       /* sorted by start, disjoint */
static unsigned int n_blocks, cap_blocks;

/* "[0x0, 0xfedfffff], [0xfef00000, 0x7fffffffff]" */
static void
format_ranges(char *buf, size_t len)
{
	unsigned int i;
	size_t off = 0;

	buf[0] = '\0';
	for (i = 0; i < n_ranges && off < len; i++)
		off += snprintf(buf + off, len - off, "%s[0x%" PRIx64 ", 0x%" PRIx64 "]",
			i > 0 ? ", " : "", ranges[i].start, ranges[i].end);
}

int
eal_iova_set_ranges(const struct eal_iova_range *in, unsigned int n,
		const char *what)
{
	if (n > IOVA_MAX_RANGES) {
		EAL_LOG(WARNING, "IOVA: %u valid ranges reported, only the first %u are used",
			n, IOVA_MAX_RANGES);
		n = IOVA_MAX_RANGES;
	}
	pthread_mutex_lock(&iova_lock);
	if (n > 0)
		memcpy(ranges, in, n * sizeof(*in));
	n_ranges = n;
	snprintf(ranges_src, sizeof(ranges_src), "%s", what != NULL ? what : "");
	pthread_mutex_unlock(&iova_lock);
	return 0;
}

unsigned int
eal_iova_get_ranges(struct eal_iova_range *out, unsigned int max)
{
	unsigned int n;

	pthread_mutex_lock(&iova_lock);
	n = n_ranges;
	if (out != NULL)
		memcpy(out, ranges, RTE_MIN(n, max) * sizeof(*out));
	pthread_mutex_unlock(&iova_lock);
	return n;
}

bool
eal_iova_is_allocated(void)
{
	return allocated_mode;
}

int
rte_eal_iova_mode_is_allocated(void)
{
	return allocated_mode ? 1 : 0;
}

/* Index of the range holding all of [a, a + len), or -1. */
static int
range_holding(uint64_t a, uint64_t len)
{
	unsigned int i;

	if (len == 0 || a + len - 1 < a)
		return -1;
	for (i = 0; i < n_ranges; i++)
		if (a >= ranges[i].start && a + len - 1 <= ranges[i].end)
			return (int)i;
	return -1;
}

/* ---- the allocator (iova_lock held) ---- */

static int
blocks_insert(unsigned int pos, uint64_t start, uint64_t len)
{
	if (n_blocks == cap_blocks) {
		unsigned int cap = cap_blocks != 0 ? cap_blocks * 2 : 16;
		struct iova_block *b = realloc(blocks, cap * sizeof(*b));

		if (b == NULL)
			return eal_fail(ENOMEM);
		blocks = b;
		cap_blocks = cap;
	}
	memmove(&blocks[pos + 1], &blocks[pos], (n_blocks - pos) * sizeof(*blocks));
	blocks[pos].start = start;
	blocks[pos].len = len;
	n_blocks++;
	return 0;
}

/* True when [cand, cand + len) lies inside range r (no wrap). */
static bool
fits_range(uint64_t cand, uint64_t len, unsigned int r)
{
	return cand >= ranges[r].start && cand + len - 1 >= cand &&
		cand + len - 1 <= ranges[r].end;
}

/* First fit: the lowest aligned hole of len inside one valid range. */
static uint64_t
alloc_locked(uint64_t len, uint64_t align)
{
	unsigned int r, b;

	if (align == 0 || (align & (align - 1)) != 0)
		align = 1;
	for (r = 0; r < n_ranges; r++) {
		uint64_t cand = RTE_ALIGN_CEIL(RTE_MAX(ranges[r].start,
				IOVA_ALLOC_FLOOR), align);

		for (b = 0; b < n_blocks && cand != 0; b++) {
			uint64_t bend = blocks[b].start + blocks[b].len;

			if (bend <= cand)
				continue;
			if (cand + len <= blocks[b].start && cand + len > cand)
				break; /* the hole before block b */
			cand = RTE_ALIGN_CEIL(bend, align);
		}
		if (cand == 0 || !fits_range(cand, len, r))
			continue;
		if (blocks_insert(b, cand, len) < 0)
			return RTE_BAD_IOVA;
		return cand;
	}
	rte_errno = ENOMEM;
	return RTE_BAD_IOVA;
}

static void
free_locked(uint64_t start)
{
	unsigned int i;

	for (i = 0; i < n_blocks; i++) {
		if (blocks[i].start == start) {
			memmove(&blocks[i], &blocks[i + 1],
				(n_blocks - i - 1) * sizeof(*blocks));
			n_blocks--;
			return;
		}
	}
}

rte_iova_t
rte_mem_iova_alloc(size_t len, size_t align)
{
	char buf[256];
	uint64_t iova;

	if (len == 0) {
		EAL_LOG(ERR, "rte_mem_iova_alloc: length 0 (EINVAL)");
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	if (!allocated_mode) {
		EAL_LOG(ERR, "rte_mem_iova_alloc: the IOVA mode is not the allocated mode: use the VA (IOVA as VA) or the physical address (IOVA as PA) (ENOTSUP)");
		rte_errno = ENOTSUP;
		return RTE_BAD_IOVA;
	}
	pthread_mutex_lock(&iova_lock);
	iova = alloc_locked(len, align);
	format_ranges(buf, sizeof(buf));
	pthread_mutex_unlock(&iova_lock);
	if (iova == RTE_BAD_IOVA)
		EAL_LOG(ERR, "rte_mem_iova_alloc: no free IOVA block of 0x%zx bytes in the valid ranges %s (ENOMEM)",
			len, buf);
	return iova;
}

int
rte_mem_iova_free(rte_iova_t iova, size_t len)
{
	unsigned int i;

	pthread_mutex_lock(&iova_lock);
	for (i = 0; i < n_blocks; i++)
		if (blocks[i].start == iova && blocks[i].len == len)
			break;
	if (i == n_blocks) {
		pthread_mutex_unlock(&iova_lock);
		EAL_LOG(ERR, "rte_mem_iova_free: IOVA 0x%" PRIx64 " len 0x%zx was not returned by rte_mem_iova_alloc() (EINVAL)",
			iova, len);
		return eal_fail(EINVAL);
	}
	free_locked(iova);
	pthread_mutex_unlock(&iova_lock);
	return 0;
}

/* ---- memseg lists ---- */

int
eal_iova_assign_list(struct rte_memseg_list *msl)
{
	struct eal_memseg_list *l = eal_msl_priv(msl);
	char buf[256];
	uint64_t iova;

	if (!allocated_mode || l->iova_assigned)
		return 0;
	pthread_mutex_lock(&iova_lock);
	iova = alloc_locked(msl->len, msl->page_sz);
	format_ranges(buf, sizeof(buf));
	pthread_mutex_unlock(&iova_lock);
	if (iova == RTE_BAD_IOVA) {
		EAL_LOG(ERR, "IOVA: no free block of 0x%zx bytes for the memseg list at %p in the valid IOVA ranges %s: lower -m or use --iova-mode=pa (ENOMEM)",
			msl->len, msl->base_va, buf);
		return eal_fail(ENOMEM);
	}
	l->iova_base = iova;
	l->iova_assigned = true;
	return 0;
}

rte_iova_t
eal_iova_of_list_page(const struct rte_memseg_list *msl, const void *va)
{
	const struct eal_memseg_list *l = eal_msl_priv(msl);

	if (!l->iova_assigned)
		return RTE_BAD_IOVA;
	return l->iova_base + RTE_PTR_DIFF(va, msl->base_va);
}

void
eal_iova_release_list(struct rte_memseg_list *msl)
{
	struct eal_memseg_list *l = eal_msl_priv(msl);

	if (!l->iova_assigned)
		return;
	pthread_mutex_lock(&iova_lock);
	free_locked(l->iova_base);
	pthread_mutex_unlock(&iova_lock);
	l->iova_assigned = false;
}

bool
eal_iova_is_reachable(uint64_t iova, uint64_t len)
{
	bool ok;

	pthread_mutex_lock(&iova_lock);
	ok = n_ranges == 0 || range_holding(iova, len) >= 0;
	pthread_mutex_unlock(&iova_lock);
	return ok;
}

int
eal_iova_check_reachable(uint64_t iova, uint64_t len, const char *what)
{
	char buf[256];

	if (eal_iova_is_reachable(iova, len))
		return 0;
	pthread_mutex_lock(&iova_lock);
	format_ranges(buf, sizeof(buf));
	pthread_mutex_unlock(&iova_lock);
	EAL_LOG(ERR, "%s: IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] is outside the IOMMU's valid IOVA ranges %s (%s): no device could reach it; give IOVAs inside a valid range%s (ERANGE)",
		what, iova, iova + len - 1, buf, ranges_src,
		rte_eal_iova_mode() == RTE_IOVA_VA ?
			", or leave the IOVA mode to the EAL so it assigns them" : "");
	return eal_fail(ERANGE);
}

/* ---- where the EAL's own VA goes ---- */

uint64_t
eal_iova_va_window(uint64_t *limit)
{
	uint64_t base = EAL_DEFAULT_BASE_VA;
	unsigned int i;

	*limit = EAL_VA_TOP;
	pthread_mutex_lock(&iova_lock);
	/*
	 * The first valid range that reaches above the default base: its
	 * end bounds the reservations, so that every list lies inside one
	 * range and IOVA as VA works (a 39-bit VT-d ends at 2^39 - 1, far
	 * below where mmap() places memory by default). Ranges are sorted.
	 */
	for (i = 0; i < n_ranges; i++) {
		if (ranges[i].end < base)
			continue;
		base = RTE_MAX(base, ranges[i].start);
		*limit = RTE_MIN(ranges[i].end, (uint64_t)EAL_VA_TOP);
		break;
	}
	pthread_mutex_unlock(&iova_lock);
	return base;
}

/* ---- the choice of the mode ---- */

/* The lowest and highest address of the EAL's own lists; false if none. */
static bool
lists_va(uint64_t *lo, uint64_t *hi, bool *all_inside)
{
	unsigned int i, count = eal_msl_count();
	bool any = false;

	*all_inside = true;
	for (i = 0; i < count; i++) {
		const struct rte_memseg_list *msl = &eal_msl_at(i)->pub;
		uint64_t a = (uintptr_t)msl->base_va;

		if (msl->external || msl->len == 0)
			continue;
		if (!any || a < *lo)
			*lo = a;
		if (!any || a + msl->len - 1 > *hi)
			*hi = a + msl->len - 1;
		any = true;
		if (range_holding(a, msl->len) < 0)
			*all_inside = false;
	}
	return any;
}

static int
assign_all_lists(void)
{
	unsigned int i, count = eal_msl_count();

	for (i = 0; i < count; i++) {
		struct rte_memseg_list *msl = &eal_msl_at(i)->pub;

		if (!msl->external && eal_iova_assign_list(msl) < 0) {
			while (i-- > 0)
				eal_iova_release_list(&eal_msl_at(i)->pub);
			return -1;
		}
	}
	return 0;
}

static bool
phys_addrs_readable(void)
{
	volatile int probe = 1;

	return rte_mem_virt2phy((const void *)(uintptr_t)&probe) != RTE_BAD_PHYS_ADDR;
}

int
eal_iova_mode_select(void)
{
	enum rte_iova_mode asked = eal_get_internal_config()->iova_mode;
	char buf[256];
	uint64_t lo = 0, hi = 0;
	bool inside, any;

	allocated_mode = false;
	if (asked == RTE_IOVA_PA)
		return 0; /* checked and logged by iova_mode_init() */
	pthread_mutex_lock(&iova_lock);
	any = lists_va(&lo, &hi, &inside);
	format_ranges(buf, sizeof(buf));
	pthread_mutex_unlock(&iova_lock);
	if (n_ranges == 0) {
		eal_set_iova_mode(RTE_IOVA_VA);
		EAL_LOG(INFO, "IOVA mode is VA: %s (no IOMMU group bound to vfio-pci could be probed for its valid IOVA ranges)",
			asked == RTE_IOVA_VA ? "asked for with --iova-mode=va" : "the default");
		return 0;
	}
	if (!any || inside) {
		eal_set_iova_mode(RTE_IOVA_VA);
		EAL_LOG(NOTICE, "IOVA mode is VA%s: the memseg lists' VA [0x%" PRIx64 ", 0x%" PRIx64 "] lies inside the IOMMU's valid IOVA ranges %s (%s)",
			asked == RTE_IOVA_VA ? " (--iova-mode=va)" : "", lo, hi,
			buf, ranges_src);
		return 0;
	}
	if (asked == RTE_IOVA_VA &&
			eal_get_internal_config()->base_virtaddr != 0) {
		EAL_LOG(ERR, "--base-virtaddr 0x%" PRIx64 " is beyond the IOMMU's reach with --iova-mode=va: the memseg lists' VA [0x%" PRIx64 ", 0x%" PRIx64 "] is outside the valid IOVA ranges %s (%s; the limit is 0x%" PRIx64 "); give an address inside them, or drop --base-virtaddr (the EAL then places its memory inside them) (ERANGE)",
			eal_get_internal_config()->base_virtaddr, lo, hi, buf,
			ranges_src, ranges[n_ranges - 1].end);
		return eal_fail(ERANGE);
	}
	if (asked == RTE_IOVA_VA) {
		EAL_LOG(ERR, "--iova-mode=va cannot work: the memseg lists' VA [0x%" PRIx64 ", 0x%" PRIx64 "] is outside the IOMMU's valid IOVA ranges %s (%s; the IOMMU's limit is 0x%" PRIx64 "), so devices could not reach this memory at IOVA = VA; use --iova-mode=pa, or leave the IOVA mode to the EAL (it then assigns IOVAs inside the valid ranges) (ENOTSUP)",
			lo, hi, buf, ranges_src, ranges[n_ranges - 1].end);
		return eal_fail(ENOTSUP);
	}
	allocated_mode = true;
	eal_set_iova_mode(RTE_IOVA_PA);
	if (assign_all_lists() == 0) {
		EAL_LOG(NOTICE, "IOVA mode is allocated (reported as PA, rte_eal_iova_mode_is_allocated() is 1): the memseg lists' VA [0x%" PRIx64 ", 0x%" PRIx64 "] is outside the IOMMU's valid IOVA ranges %s (%s), so the EAL assigns IOVAs inside them, contiguous per memseg list",
			lo, hi, buf, ranges_src);
		return 0;
	}
	allocated_mode = false;
	if (phys_addrs_readable()) {
		eal_set_iova_mode(RTE_IOVA_PA);
		eal_set_phys_addrs(true);
		EAL_LOG(NOTICE, "IOVA mode is PA: the memseg lists' VA [0x%" PRIx64 ", 0x%" PRIx64 "] is outside the IOMMU's valid IOVA ranges %s (%s) and they do not fit in them either",
			lo, hi, buf, ranges_src);
		return 0;
	}
	EAL_LOG(ERR, "no IOVA mode fits: the memseg lists' VA [0x%" PRIx64 ", 0x%" PRIx64 "] is outside the IOMMU's valid IOVA ranges %s (%s), they do not fit in them, and physical addresses are not readable: lower -m, or run as root for --iova-mode=pa (ERANGE)",
		lo, hi, buf, ranges_src);
	eal_set_iova_mode(RTE_IOVA_DC);
	return eal_fail(ERANGE);
}

void
eal_iova_reset(void)
{
	pthread_mutex_lock(&iova_lock);
	n_ranges = 0;
	ranges_src[0] = '\0';
	allocated_mode = false;
	free(blocks);
	blocks = NULL;
	n_blocks = 0;
	cap_blocks = 0;
	pthread_mutex_unlock(&iova_lock);
}
