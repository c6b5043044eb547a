/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memseg lists: the table and its address-sorted index, walks and lookups.
 *
 * Locks: everything in this file is protected by the memory hotplug lock
 * (eal_memory.c, number 2 in the order of eal_memcfg.h). Public walks and
 * lookups take it for reading unless the calling thread already holds it
 * (a memory event callback runs under the write lock and may look up), so
 * the lock is never taken twice by one thread. The _thread_unsafe variants
 * take nothing.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_iova.h"
#include "eal_memcfg.h"
#include "eal_memseg.h"
#include "eal_private.h"

/*
 * Every list slot; index[] holds the used ones by base address, with their
 * bounds copied in so that a binary search stays in a few cache lines.
 */
struct msl_range {
	uintptr_t start;
	uintptr_t end;
	struct eal_memseg_list *l;
};

static struct eal_memseg_list msl_table[RTE_MAX_MEMSEG_LISTS];
static struct msl_range index_[RTE_MAX_MEMSEG_LISTS];
static unsigned int n_sorted;

/*
 * The segment array of the last large list released, kept for the next
 * list of about its size: an external region of 64 MiB at 4 KiB pages has
 * a 768 KiB array, and faulting fresh pages in for it again on every
 * add/remove cycle costs more than all the rest of the add (under
 * emulation, several times the kernel's mapping). One array at most is
 * kept, and none once the last list is gone.
 */
#define SPARE_MIN_BYTES (64 * 1024)

static struct rte_memseg *spare_segs;
static unsigned int spare_n;

/* filled: the caller writes every segment, no zeroing needed */
static struct rte_memseg *
segs_alloc(unsigned int n_segs, bool filled)
{
	struct rte_memseg *segs = spare_segs;

	if (segs == NULL || spare_n < n_segs || spare_n / 2 > n_segs)
		return filled ? malloc((size_t)n_segs * sizeof(struct rte_memseg)) :
			calloc(n_segs, sizeof(struct rte_memseg));
	spare_segs = NULL;
	if (!filled)
		memset(segs, 0, (size_t)n_segs * sizeof(*segs));
	return segs;
}

static void
segs_free(struct rte_memseg *segs, unsigned int n_segs)
{
	if (segs == NULL || (size_t)n_segs * sizeof(*segs) < SPARE_MIN_BYTES) {
		free(segs);
		return;
	}
	free(spare_segs);
	spare_segs = segs;
	spare_n = n_segs;
}

size_t
eal_sys_page_size(void)
{
	static size_t pgsz;

	if (pgsz == 0)
		pgsz = (size_t)sysconf(_SC_PAGESIZE);
	return pgsz;
}

/* First index in index_[] whose list ends above va. */
static unsigned int
lower_bound(uintptr_t va)
{
	unsigned int lo = 0, hi = n_sorted;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (index_[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
eal_msl_overlaps(const void *va, size_t len)
{
	uintptr_t start = (uintptr_t)va;
	unsigned int i = lower_bound(start);

	return i < n_sorted && index_[i].start < start + len;
}

struct eal_memseg_list *
eal_msl_lookup(const void *va)
{
	unsigned int i = lower_bound((uintptr_t)va);

	if (i < n_sorted && index_[i].start <= (uintptr_t)va)
		return index_[i].l;
	return NULL;
}

unsigned int
eal_msl_count(void)
{
	return n_sorted;
}

struct eal_memseg_list *
eal_msl_at(unsigned int i)
{
	return index_[i].l;
}

struct eal_memseg_list *
eal_msl_create(void *va, size_t len, uint64_t page_sz, unsigned int n_segs,
		int socket_id, bool filled)
{
	struct eal_memseg_list *l = NULL;
	unsigned int i, pos;

	if (eal_msl_overlaps(va, len)) {
		rte_errno = EEXIST;
		return NULL;
	}
	for (i = 0; i < RTE_DIM(msl_table); i++) {
		if (!msl_table[i].in_use) {
			l = &msl_table[i];
			break;
		}
	}
	if (l == NULL) {
		EAL_LOG(ERR, "all %d memseg lists are in use: rebuild with a larger -Dmax_memseg_lists",
			RTE_MAX_MEMSEG_LISTS);
		rte_errno = ENOSPC;
		return NULL;
	}
	memset(l, 0, sizeof(*l));
	l->pub.segs = segs_alloc(n_segs, filled);
	if (l->pub.segs == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	l->pub.base_va = va;
	l->pub.len = len;
	l->pub.page_sz = page_sz;
	l->pub.socket_id = socket_id;
	l->pub.n_segs = n_segs;
	l->fd = -1;
	l->in_use = true;

	pos = lower_bound((uintptr_t)va);
	memmove(&index_[pos + 1], &index_[pos], (n_sorted - pos) * sizeof(index_[0]));
	index_[pos].start = (uintptr_t)va;
	index_[pos].end = (uintptr_t)va + len;
	index_[pos].l = l;
	n_sorted++;
	return l;
}

void
eal_msl_release(struct eal_memseg_list *l)
{
	unsigned int pos = lower_bound((uintptr_t)l->pub.base_va);

	if (pos < n_sorted && index_[pos].l == l) {
		memmove(&index_[pos], &index_[pos + 1],
			(n_sorted - pos - 1) * sizeof(index_[0]));
		n_sorted--;
	}
	eal_iova_release_list(&l->pub);
	segs_free(l->pub.segs, l->pub.n_segs);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (n_sorted == 0) {
		free(spare_segs);
		spare_segs = NULL;
	}
}

bool
eal_memseg_list_is_static(const struct rte_memseg_list *msl)
{
	return msl->external || eal_msl_priv(msl)->is_static;
}

bool
eal_memseg_list_is_iova_contig(const struct rte_memseg_list *msl)
{
	return eal_msl_priv(msl)->iova_contig;
}

/* Length of the VA-contiguous run of used segments starting at index i. */
static unsigned int
va_run(const struct rte_memseg_list *msl, unsigned int i)
{
	unsigned int j = i;

	while (j < msl->n_segs && msl->segs[j].len != 0)
		j++;
	return j - i;
}

/* FREE for every VA run of used segments below index i, last run first. */
static void
notify_free_runs_below(const struct rte_memseg_list *msl, unsigned int i)
{
	while (i > 0) {
		unsigned int end = i;

		while (end > 0 && msl->segs[end - 1].len == 0)
			end--;
		i = end;
		while (i > 0 && msl->segs[i - 1].len != 0)
			i--;
		if (end > i)
			eal_mem_event_notify(RTE_MEM_EVENT_FREE, msl->segs[i].addr,
				(size_t)(end - i) * msl->page_sz);
	}
}

int
eal_msl_notify_runs(struct eal_memseg_list *l, enum rte_mem_event event)
{
	const struct rte_memseg_list *msl = &l->pub;
	unsigned int i, n;

	if (event == RTE_MEM_EVENT_FREE) {
		/* Last run first, so that FREE mirrors the order of ALLOC. */
		notify_free_runs_below(msl, msl->n_segs);
		return 0;
	}
	for (i = 0; i < msl->n_segs; i += n) {
		n = va_run(msl, i);
		if (n == 0) {
			n = 1;
			continue;
		}
		if (eal_mem_event_notify(event, msl->segs[i].addr,
				(size_t)n * msl->page_sz) < 0) {
			int err = rte_errno;

			/* Undo the runs already announced. */
			notify_free_runs_below(msl, i);
			return eal_fail(err);
		}
	}
	return 0;
}

/* Take the hotplug lock for reading unless this thread holds it already. */
static void
lookup_lock(void)
{
	eal_mem_hotplug_read_lock();
}

static void
lookup_unlock(void)
{
	eal_mem_hotplug_read_unlock();
}

/* Walks */

/* A walk without a callback is a caller's bug: refuse it, do not crash. */
static int
walk_no_cb(const char *fn)
{
	EAL_LOG(ERR, "%s: NULL callback: pass a function to call for each item (EINVAL)",
		fn);
	return eal_fail(EINVAL);
}

int
rte_memseg_list_walk_thread_unsafe(rte_memseg_list_walk_t func, void *arg)
{
	unsigned int i;

	if (func == NULL)
		return walk_no_cb(__func__);
	for (i = 0; i < n_sorted; i++) {
		int ret = func(&index_[i].l->pub, arg);

		if (ret != 0)
			return ret < 0 ? -1 : 1;
	}
	return 0;
}

int
rte_memseg_walk_thread_unsafe(rte_memseg_walk_t func, void *arg)
{
	unsigned int i, s;

	if (func == NULL)
		return walk_no_cb(__func__);
	for (i = 0; i < n_sorted; i++) {
		const struct rte_memseg_list *msl = &index_[i].l->pub;

		for (s = 0; s < msl->n_segs; s++) {
			int ret;

			if (msl->segs[s].len == 0)
				continue;
			ret = func(msl, &msl->segs[s], arg);
			if (ret != 0)
				return ret < 0 ? -1 : 1;
		}
	}
	return 0;
}

/* True when b continues a in IOVA too (or neither IOVA is known). */
static bool
iova_continues(const struct rte_memseg *a, const struct rte_memseg *b)
{
	if (a->iova == RTE_BAD_IOVA && b->iova == RTE_BAD_IOVA)
		return true;
	if (a->iova == RTE_BAD_IOVA || b->iova == RTE_BAD_IOVA)
		return false;
	return b->iova == a->iova + a->len;
}

int
rte_memseg_contig_walk_thread_unsafe(rte_memseg_contig_walk_t func, void *arg)
{
	unsigned int i, s, e;

	if (func == NULL)
		return walk_no_cb(__func__);
	for (i = 0; i < n_sorted; i++) {
		const struct rte_memseg_list *msl = &index_[i].l->pub;

		for (s = 0; s < msl->n_segs; s = e) {
			int ret;

			if (msl->segs[s].len == 0) {
				e = s + 1;
				continue;
			}
			e = s + 1;
			while (e < msl->n_segs && msl->segs[e].len != 0 &&
					iova_continues(&msl->segs[e - 1], &msl->segs[e]))
				e++;
			ret = func(msl, &msl->segs[s],
				(size_t)(e - s) * msl->page_sz, arg);
			if (ret != 0)
				return ret < 0 ? -1 : 1;
		}
	}
	return 0;
}

int
rte_memseg_list_walk(rte_memseg_list_walk_t func, void *arg)
{
	int ret;

	lookup_lock();
	ret = rte_memseg_list_walk_thread_unsafe(func, arg);
	lookup_unlock();
	return ret;
}

int
rte_memseg_walk(rte_memseg_walk_t func, void *arg)
{
	int ret;

	lookup_lock();
	ret = rte_memseg_walk_thread_unsafe(func, arg);
	lookup_unlock();
	return ret;
}

int
rte_memseg_contig_walk(rte_memseg_contig_walk_t func, void *arg)
{
	int ret;

	lookup_lock();
	ret = rte_memseg_contig_walk_thread_unsafe(func, arg);
	lookup_unlock();
	return ret;
}

/* Lookups */

static struct rte_memseg *
virt2memseg(const void *virt, const struct rte_memseg_list *msl)
{
	struct rte_memseg *ms;

	if (msl == NULL) {
		struct eal_memseg_list *l = eal_msl_lookup(virt);

		if (l == NULL) {
			rte_errno = ENOENT;
			return NULL;
		}
		msl = &l->pub;
	} else if ((uintptr_t)virt < (uintptr_t)msl->base_va ||
			RTE_PTR_DIFF(virt, msl->base_va) >= msl->len) {
		rte_errno = ENOENT;
		return NULL;
	}
	ms = &msl->segs[eal_msl_seg_idx(msl, virt)];
	if (ms->len == 0) {
		rte_errno = ENOENT;
		return NULL;
	}
	return ms;
}

struct rte_memseg *
rte_mem_virt2memseg(const void *virt, const struct rte_memseg_list *msl)
{
	struct rte_memseg *ms;

	if (virt == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	lookup_lock();
	ms = virt2memseg(virt, msl);
	lookup_unlock();
	return ms;
}

struct rte_memseg_list *
rte_mem_virt2memseg_list(const void *virt)
{
	struct eal_memseg_list *l;

	if (virt == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	lookup_lock();
	l = eal_msl_lookup(virt);
	lookup_unlock();
	if (l == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	return &l->pub;
}

rte_iova_t
rte_mem_virt2iova(const void *virt)
{
	const struct rte_memseg *ms;
	rte_iova_t iova = RTE_BAD_IOVA;
	bool found = false;

	if (virt == NULL) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	lookup_lock();
	ms = virt2memseg(virt, NULL);
	if (ms != NULL) {
		found = true;
		if (ms->iova != RTE_BAD_IOVA)
			iova = ms->iova + RTE_PTR_DIFF(virt, ms->addr);
	}
	lookup_unlock();
	if (found) {
		if (iova == RTE_BAD_IOVA)
			rte_errno = ENOENT; /* memory whose IOVA nobody gave */
		return iova;
	}
	/* Not EAL memory: fall back on the address translation of the mode. */
	if (eal_iova_is_allocated()) {
		rte_errno = ENOENT; /* only memsegs have IOVAs in this mode */
		return RTE_BAD_IOVA;
	}
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		return (rte_iova_t)(uintptr_t)virt;
	return rte_mem_virt2phy(virt);
}

/*
 * Linear in the number of segments in use: IOVAs are not ordered like
 * addresses, and this is not on any fast path.
 */
void *
rte_mem_iova2virt(rte_iova_t iova)
{
	void *va = NULL;
	unsigned int i, s;

	lookup_lock();
	for (i = 0; i < n_sorted && va == NULL; i++) {
		const struct rte_memseg_list *msl = &index_[i].l->pub;

		for (s = 0; s < msl->n_segs; s++) {
			const struct rte_memseg *ms = &msl->segs[s];

			if (ms->len == 0 || ms->iova == RTE_BAD_IOVA)
				continue;
			if (iova >= ms->iova && iova - ms->iova < ms->len) {
				va = RTE_PTR_ADD(ms->addr, iova - ms->iova);
				break;
			}
		}
	}
	lookup_unlock();
	if (va == NULL)
		rte_errno = ENOENT;
	return va;
}

int
rte_mem_lock_page(const void *virt)
{
	size_t pgsz = eal_sys_page_size();
	void *page = RTE_PTR_ALIGN_FLOOR((void *)(uintptr_t)virt, pgsz);

	if (mlock(page, pgsz) < 0)
		return eal_fail(errno);
	return 0;
}

/* fd and offset of a segment; caller holds the lock. */
static int
seg_fd(const struct rte_memseg *ms, size_t *offset)
{
	struct eal_memseg_list *l;

	if (ms == NULL || ms->len == 0)
		return eal_fail(EINVAL);
	l = eal_msl_lookup(ms->addr);
	if (l == NULL || &l->pub.segs[eal_msl_seg_idx(&l->pub, ms->addr)] != ms)
		return eal_fail(EINVAL);
	if (l->pub.external || l->fd < 0)
		return eal_fail(ENOTSUP);
	if (offset != NULL)
		*offset = (size_t)RTE_PTR_DIFF(ms->addr, l->pub.base_va);
	return l->fd;
}

int
rte_memseg_get_fd_thread_unsafe(const struct rte_memseg *ms)
{
	return seg_fd(ms, NULL);
}

int
rte_memseg_get_fd(const struct rte_memseg *ms)
{
	int ret;

	lookup_lock();
	ret = seg_fd(ms, NULL);
	lookup_unlock();
	return ret;
}

int
rte_memseg_get_fd_offset_thread_unsafe(const struct rte_memseg *ms, size_t *offset)
{
	if (offset == NULL)
		return eal_fail(EINVAL);
	return seg_fd(ms, offset) < 0 ? -1 : 0;
}

int
rte_memseg_get_fd_offset(const struct rte_memseg *ms, size_t *offset)
{
	int ret;

	lookup_lock();
	ret = rte_memseg_get_fd_offset_thread_unsafe(ms, offset);
	lookup_unlock();
	return ret;
}

void
rte_dump_physmem_layout(FILE *f)
{
	unsigned int i, s, n;

	/* as the heap dumps: NULL is stdout (DPDK would crash on it) */
	if (f == NULL)
		f = stdout;
	lookup_lock();
	for (i = 0; i < n_sorted; i++) {
		const struct eal_memseg_list *l = index_[i].l;
		const struct rte_memseg_list *msl = &l->pub;

		fprintf(f, "memseg list %p-%p: page_sz %" PRIu64 " socket %d %u/%u in use%s%s%s\n",
			msl->base_va, RTE_PTR_ADD(msl->base_va, msl->len),
			msl->page_sz, msl->socket_id, msl->n_used, msl->n_segs,
			msl->external ? " external" : "",
			msl->heap ? " heap" : "",
			l->is_static ? " static" : "");
		/* One line per run of pages contiguous in VA and IOVA. */
		for (s = 0; s < msl->n_segs; s += n) {
			const struct rte_memseg *ms = &msl->segs[s];

			n = 1;
			if (ms->len == 0)
				continue;
			while (s + n < msl->n_segs && msl->segs[s + n].len != 0 &&
					iova_continues(&msl->segs[s + n - 1],
						&msl->segs[s + n]))
				n++;
			fprintf(f, "  segs %u-%u: va %p iova 0x%" PRIx64 " len %zu flags 0x%x\n",
				s, s + n - 1, ms->addr, ms->iova,
				(size_t)n * msl->page_sz, ms->flags);
		}
	}
	lookup_unlock();
}

uint64_t
rte_eal_get_physmem_size(void)
{
	uint64_t total = 0;
	unsigned int i;

	lookup_lock();
	for (i = 0; i < n_sorted; i++) {
		const struct rte_memseg_list *msl = &index_[i].l->pub;

		if (!msl->external)
			total += (uint64_t)msl->n_used * msl->page_sz;
	}
	lookup_unlock();
	return total;
}

unsigned int
rte_memory_get_nchannel(void)
{
	return 0;
}

unsigned int
rte_memory_get_nrank(void)
{
	return 0;
}
