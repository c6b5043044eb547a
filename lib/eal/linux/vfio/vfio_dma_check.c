/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA mappings: the checks made before any kernel call. A request the
 * IOMMU would refuse (shape and alignment, valid IOVA ranges, reserved
 * windows, overlaps, no-IOMMU mode) or that would run out of a budget
 * (DMA entries, locked memory) is refused here, whole, with one line
 * naming the cause and the fix, rather than half-way through by the
 * kernel with a bare errno. Nothing here changes a record or calls the
 * kernel; only the refusal counters of the budgets move.
 *
 * Everything here runs with the VFIO lock held (vfio_container.c).
 */

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_devmem.h"
#include "vfio_private.h"

/*
 * The end a + len is not a 64-bit number: the range wraps, or its last
 * byte is 2^64 - 1. type1 (before the fix of Linux 6.19) accepts the
 * latter and then cannot find or unmap it (reference §2.7), and every
 * [iova, iova + len) here would end at 0: both are refused.
 */
static bool
past_top(uint64_t a, uint64_t len)
{
	return len > UINT64_MAX - a;
}

int
vfio_dma_check_shape(const struct vfio_container *cont, uint64_t vaddr,
		uint64_t iova, uint64_t len, const char *what)
{
	uint64_t pg = vfio_container_min_pgsize(cont);

	vfio_assert_locked();
	if (len == 0) {
		EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " has length 0 (EINVAL)",
			what, iova);
		return eal_fail(EINVAL);
	}
	if (past_top(iova, len) || past_top(vaddr, len)) {
		EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " vaddr 0x%" PRIx64 " len 0x%" PRIx64 " reaches the last byte of the 64-bit address space or wraps around it, which type1 cannot unmap: use lower addresses (EINVAL)",
			what, iova, vaddr, len);
		return eal_fail(EINVAL);
	}
	if (((vaddr | iova | len) & (pg - 1)) != 0) {
		EAL_LOG(ERR, "VFIO: %s of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " is not aligned to the IOMMU's smallest page (0x%" PRIx64 "): align all three (EINVAL)",
			what, vaddr, iova, len, pg);
		return eal_fail(EINVAL);
	}
	return 0;
}

static int
check_iova_range(const struct vfio_container *cont, uint64_t iova, uint64_t len,
		const char *what)
{
	uint64_t last = iova + len - 1;
	const struct vfio_iova_range *in = NULL, *next = NULL;
	const struct vfio_resv_region *resv;
	char where[160], window[160];
	unsigned int i;
	bool msi;

	if (cont->state != VFIO_CONT_IOMMU)
		return 0; /* no IOMMU yet: nothing known to check */
	resv = vfio_resv_find_locked(cont, iova, len);
	if (resv != NULL)
		vfio_resv_describe(resv, window, sizeof(window));
	/* without the IOVA_RANGE capability the groups' windows still hold */
	if (cont->n_ranges == 0 && resv != NULL) {
		EAL_LOG(ERR, "VFIO: %s of IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] overlaps %s, where nothing can be mapped; use an IOVA outside it (ERANGE)",
			what, iova, last, window);
		return eal_fail(ERANGE);
	}
	if (cont->n_ranges == 0)
		return 0;
	for (i = 0; i < cont->n_ranges; i++) {
		const struct vfio_iova_range *r = &cont->ranges[i];

		if (iova >= r->start && last <= r->end)
			return 0;
		if (iova >= r->start && iova <= r->end)
			in = r;
		else if (iova < r->start && next == NULL)
			next = r;
	}
	if (in != NULL)
		snprintf(where, sizeof(where), "it starts in the valid range [0x%" PRIx64 ", 0x%" PRIx64 "] and goes past its end",
			(uint64_t)in->start, (uint64_t)in->end);
	else if (next != NULL)
		snprintf(where, sizeof(where), "it starts outside every valid range, before [0x%" PRIx64 ", 0x%" PRIx64 "]",
			(uint64_t)next->start, (uint64_t)next->end);
	else
		snprintf(where, sizeof(where), "it starts above the last valid range, which ends at 0x%" PRIx64 " (the IOMMU's address width)",
			(uint64_t)cont->ranges[cont->n_ranges - 1].end);
	msi = iova <= VFIO_X86_MSI_END && last >= VFIO_X86_MSI_START;
	if (resv != NULL)
		EAL_LOG(ERR, "VFIO: %s of IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] is not inside one valid IOVA range of the IOMMU: %s; it overlaps %s, where nothing can be mapped; use an IOVA inside a valid range (ERANGE)",
			what, iova, last, where, window);
	else
		EAL_LOG(ERR, "VFIO: %s of IOVA [0x%" PRIx64 ", 0x%" PRIx64 "] is not inside one valid IOVA range of the IOMMU: %s%s; use an IOVA inside a valid range (ERANGE)",
			what, iova, last, where,
			msi ? "; it overlaps the x86 MSI window [0xfee00000, 0xfeefffff], which is reserved for interrupts" : "");
	return eal_fail(ERANGE);
}

/*
 * DMA entries: one per unit, for the whole operation at once, so it is
 * refused before its first kernel call rather than half-way. Unknown when
 * the kernel does not report DMA_AVAIL: then the kernel decides.
 */
int
vfio_dma_check_budget(struct vfio_container *cont, uint64_t need,
		const char *what)
{
	vfio_assert_locked();
	if (cont->state == VFIO_CONT_NO_GROUP) {
		/*
		 * No kernel to ask yet: the records are replayed when a group
		 * is bound, so they must fit the kernel's default entry limit.
		 */
		uint64_t used = vfio_records_count(cont->records);
		uint64_t avail = used >= VFIO_DEFAULT_DMA_ENTRY_LIMIT ? 0 :
			VFIO_DEFAULT_DMA_ENTRY_LIMIT - used;

		if (need <= avail)
			return 0;
		cont->stats.refused_entries++;
		EAL_LOG(ERR, "VFIO: %s needs %" PRIu64 " DMA entries in a container with no group yet, which holds %" PRIu64 " of the kernel's default limit of %u (vfio_iommu_type1 dma_entry_limit): bind a group first (rte_vfio_container_group_bind) so the kernel's real budget applies, or map fewer or larger pages (ENOSPC)",
			what, need, used, (unsigned int)VFIO_DEFAULT_DMA_ENTRY_LIMIT);
		return eal_fail(ENOSPC);
	}
	if (cont->state != VFIO_CONT_IOMMU || !cont->dma_avail_known ||
			need <= cont->dma_avail)
		return 0;
	cont->stats.refused_entries++;
	EAL_LOG(ERR, "VFIO: %s needs %" PRIu64 " DMA entries, the kernel has %" PRIu64 " left: raise the dma_entry_limit module parameter of vfio_iommu_type1 (" VFIO_DMA_ENTRY_LIMIT_PATH ", or modprobe vfio_iommu_type1 dma_entry_limit=N; read when a container's IOMMU is set, so set it before), or back the memory with 2 MiB or 1 GiB hugepages so fewer entries are needed (ENOSPC)",
		what, need, cont->dma_avail);
	return eal_fail(ENOSPC);
}

/* PFNMAP VMAs (device memory, e.g. a BAR mapped by the user): type1 pins nothing there. */
#define PFNMAP_MAX 64

struct pfnmaps {
	unsigned int n;
	uint64_t lo[PFNMAP_MAX], hi[PFNMAP_MAX];
};

static void
pfnmaps_read(struct pfnmaps *pm)
{
	uint64_t lo = 0, hi = 0, a, b;
	char line[PATH_MAX + 128];
	FILE *f;

	pm->n = 0;
	f = fopen("/proc/self/smaps", "r");
	if (f == NULL)
		return;
	while (pm->n < PFNMAP_MAX && fgets(line, sizeof(line), f) != NULL) {
		/* a VMA's first line; "AnonHugePages:" also starts with hex */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &a, &b) == 2) {
			lo = a;
			hi = b;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " pf") != NULL) {
			pm->lo[pm->n] = lo;
			pm->hi[pm->n] = hi;
			pm->n++;
		}
	}
	fclose(f);
}

static uint64_t
pfnmap_overlap(const struct pfnmaps *pm, uint64_t va, uint64_t len)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < pm->n; i++)
		if (pm->lo[i] < va + len && pm->hi[i] > va)
			sum += RTE_MIN(pm->hi[i], va + len) - RTE_MAX(pm->lo[i], va);
	return sum;
}

uint64_t
vfio_dma_pfnmap_bytes(uint64_t va, uint64_t len)
{
	struct pfnmaps pm;

	pfnmaps_read(&pm);
	return pfnmap_overlap(&pm, va, len);
}

/*
 * What the kernel will charge to the locked-memory limit for these units: every
 * byte of each unit (the same page mapped twice is charged twice), except
 * device memory, which is never pinned. With exact, also leave out user
 * units in PFNMAP mappings: read from /proc/self/smaps, so only done
 * before a refusal.
 */
static uint64_t
charged_bytes(const struct vfio_record *units, size_t n, bool exact)
{
	struct pfnmaps pm = { .n = 0 };
	uint64_t sum = 0;
	size_t i;

	if (exact)
		pfnmaps_read(&pm);
	for (i = 0; i < n; i++) {
		if (units[i].kind == VFIO_REC_DEVICE)
			continue;
		sum += units[i].len;
		if (units[i].kind == VFIO_REC_USER)
			sum -= RTE_MIN(units[i].len,
				pfnmap_overlap(&pm, units[i].vaddr, units[i].len));
	}
	return sum;
}

/*
 * Locked memory, for the whole operation at once, by the kernel's rule in
 * pages: refused when what is charged already + the pages to pin >
 * RLIMIT_MEMLOCK, unless the process has CAP_IPC_LOCK. What is charged
 * already differs by backend: type1 charges the mm's locked_vm (VmLck);
 * native iommufd charges the user's locked_vm, of which this process's
 * share is its pinned_vm (VmPin; other processes of the same user may
 * hold more, which only the kernel sees). Unknown (the backend cannot
 * tell): no check.
 */
int
vfio_dma_check_memlock(struct vfio_container *cont,
		const struct vfio_record *units, size_t n, const char *what)
{
	const struct vfio_backend *be = vfio_backend();
	uint64_t pg = vfio_system_page_size(), limit, locked, need, left;
	bool iommufd = cont->ops != NULL && cont->ops->cdev;
	bool unlimited;

	vfio_assert_locked();
	if (cont->state != VFIO_CONT_IOMMU || n == 0 || be->memlock == NULL)
		return 0;
	need = charged_bytes(units, n, false);
	if (need == 0)
		return 0;
	if (be->memlock(&limit, &locked, &unlimited) != 0 ||
			(!unlimited && iommufd && be->pinned != NULL &&
			be->pinned(&locked) != 0)) {
		EAL_LOG(DEBUG, "VFIO: locked-memory limit unknown (%s): not checked",
			strerror(errno));
		return 0;
	}
	if (unlimited || locked / pg + need / pg <= limit / pg)
		return 0;
	need = charged_bytes(units, n, true);
	if (locked / pg + need / pg <= limit / pg)
		return 0;
	left = limit > locked ? limit - locked : 0;
	cont->stats.refused_memlock++;
	EAL_LOG(ERR, "VFIO: %s needs %" PRIu64 " bytes pinned, %" PRIu64 " are left under the locked-memory limit (RLIMIT_MEMLOCK %" PRIu64 " bytes, %" PRIu64 " already %s): raise it (ulimit -l, systemd LimitMEMLOCK=, a container runtime's memlock ulimit such as docker --ulimit memlock=-1) or give the process CAP_IPC_LOCK (ENOMEM)",
		what, need, left, limit, locked,
		iommufd ? "pinned by iommufd, VmPin" : "locked, VmLck");
	return eal_fail(ENOMEM);
}

int
vfio_dma_check_overlap(const struct vfio_container *cont, uint64_t iova,
		uint64_t len, const char *what)
{
	const struct vfio_record *rec;

	vfio_assert_locked();
	rec = vfio_records_first_overlap(cont->records, iova, len);
	if (rec == NULL)
		return 0;
	EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " overlaps the mapping IOVA 0x%" PRIx64 " len 0x%" PRIx64 " (vaddr 0x%" PRIx64 ", %s): unmap it first or use another IOVA (EEXIST)",
		what, iova, len, rec->iova, rec->len, rec->vaddr,
		vfio_dma_kind_name(rec->kind));
	return eal_fail(EEXIST);
}

int
vfio_dma_check_state(const struct vfio_container *cont, const char *what)
{
	vfio_assert_locked();
	if (cont->state != VFIO_CONT_NOIOMMU)
		return 0;
	EAL_LOG(ERR, "VFIO: %s refused: container %d is in no-IOMMU mode, where devices use physical addresses and nothing can be mapped (EINVAL)",
		what, cont->fd);
	return eal_fail(EINVAL);
}

/*
 * Device memory in iommufd's emulation of the type1 container: the
 * emulation pins pages as iommufd does (pin_user_pages), which a BAR
 * mapping (PFNMAP) does not have, so the kernel refuses it with a bare
 * EFAULT; said here with its cause and the way out.
 */
static int
check_compat_devmem(const struct vfio_container *cont,
		const struct vfio_record *u, const char *what)
{
	if (u->kind != VFIO_REC_DEVICE || !cont->iommufd_compat)
		return 0;
	EAL_LOG(ERR, "VFIO: %s of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " refused: " VFIO_COMPAT_NO_P2P " (ENOTSUP)",
		what, u->vaddr, u->iova, u->len);
	return eal_fail(ENOTSUP);
}

/* Everything the IOMMU would refuse about one unit, before any call. */
int
vfio_dma_check_unit_shape(const struct vfio_container *cont,
		const struct vfio_record *u, const char *what)
{
	vfio_assert_locked();
	if (check_compat_devmem(cont, u, what) < 0)
		return -1;
	return vfio_dma_check_shape(cont, u->vaddr, u->iova, u->len, what);
}

int
vfio_dma_check_unit(const struct vfio_container *cont,
		const struct vfio_record *u, const char *what)
{
	if (vfio_dma_check_unit_shape(cont, u, what) < 0)
		return -1;
	return check_iova_range(cont, u->iova, u->len, what);
}

/*
 * Every unit inside [lo, hi] passes check_iova_range() when the span
 * does: no reserved window meets it, and one valid range holds it (or the
 * kernel reported none). A paged map's units then need not be checked one
 * by one (about 70 instructions a unit, callgrind on the model); when the
 * span does not pass, each unit is checked as before, so a refusal is
 * the same unit's and the same line.
 */
bool
vfio_dma_check_span_in_range(const struct vfio_container *cont,
		const struct vfio_record *units, unsigned int n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int i;

	vfio_assert_locked();
	if (cont->state != VFIO_CONT_IOMMU || n < 2)
		return false;
	for (i = 0; i < n; i++) {
		uint64_t last = units[i].iova + units[i].len - 1;

		if (units[i].len == 0 || last < units[i].iova)
			return false; /* refused by the shape check */
		lo = RTE_MIN(lo, units[i].iova);
		hi = RTE_MAX(hi, last);
	}
	if (hi - lo == UINT64_MAX ||
			vfio_resv_find_locked(cont, lo, hi - lo + 1) != NULL)
		return false;
	if (cont->n_ranges == 0)
		return true;
	for (i = 0; i < cont->n_ranges; i++)
		if (lo >= cont->ranges[i].start && hi <= cont->ranges[i].end)
			return true;
	return false;
}

int
vfio_dma_check_user_unmap(const struct vfio_record *recs, size_t n,
		uint64_t vaddr, uint64_t iova, uint64_t len)
{
	uint64_t end = iova + len, pos = iova;
	size_t i;

	if (n == 0) {
		EAL_LOG(ERR, "VFIO: unmap of IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": nothing is mapped there (ENOENT)",
			iova, len);
		return eal_fail(ENOENT);
	}
	if (recs[0].iova < iova || recs[n - 1].iova + recs[n - 1].len > end) {
		const struct vfio_record *cut = recs[0].iova < iova ? &recs[0] :
			&recs[n - 1];

		EAL_LOG(ERR, "VFIO: unmap of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " cuts the unit IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": units are released whole (map with rte_vfio_container_dma_map_paged() to release pages); nothing unmapped (ENOTSUP)",
			iova, len, cut->iova, cut->len);
		return eal_fail(ENOTSUP);
	}
	for (i = 0; i < n; i++) {
		if (recs[i].iova != pos) {
			EAL_LOG(ERR, "VFIO: unmap of IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": nothing is mapped at IOVA [0x%" PRIx64 ", 0x%" PRIx64 "): unmap only what is mapped (ENOENT)",
				iova, len, pos, recs[i].iova);
			return eal_fail(ENOENT);
		}
		pos += recs[i].len;
		/* device memory mapped through this API is unmapped through it */
		if (recs[i].kind != VFIO_REC_USER &&
				!(recs[i].kind == VFIO_REC_DEVICE &&
				(recs[i].owner & VFIO_OWNER_USER))) {
			EAL_LOG(ERR, "VFIO: unmap of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " holds IOVA 0x%" PRIx64 " len 0x%" PRIx64 ", which is %s owned by the EAL, not a user map (EPERM)",
				iova, len, recs[i].iova, recs[i].len,
				vfio_dma_kind_name(recs[i].kind));
			return eal_fail(EPERM);
		}
		if (recs[i].vaddr - recs[i].iova != vaddr - iova) {
			EAL_LOG(ERR, "VFIO: unmap of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 ": the unit at IOVA 0x%" PRIx64 " was mapped from vaddr 0x%" PRIx64 " (EINVAL)",
				vaddr, iova, recs[i].iova, recs[i].vaddr);
			return eal_fail(EINVAL);
		}
	}
	if (pos != end) {
		EAL_LOG(ERR, "VFIO: unmap of IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": nothing is mapped at IOVA [0x%" PRIx64 ", 0x%" PRIx64 "): unmap only what is mapped (ENOENT)",
			iova, len, pos, end);
		return eal_fail(ENOENT);
	}
	return 0;
}

int
vfio_dma_check_records_locked(struct vfio_container *cont)
{
	const struct vfio_record *r;
	char what[64];

	vfio_assert_locked();
	for (r = vfio_records_first(cont->records); r != NULL;
			r = vfio_records_next(cont->records, r)) {
		snprintf(what, sizeof(what), "recorded %s", vfio_dma_kind_name(r->kind));
		if (vfio_dma_check_unit(cont, r, what) < 0)
			return -1;
	}
	return 0;
}
