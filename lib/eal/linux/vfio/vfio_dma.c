/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA mappings: the record discipline.
 *
 * Every kernel mapping is one record, exactly as issued, and one release
 * unit: records are never merged. Every request is checked against the
 * IOMMU's rules before the kernel sees it (vfio_dma_check.c); an operation
 * of several kernel calls (vfio_dma_kernel.c) completes or is rolled back;
 * an unmap is expressed in whole records and the size the kernel reports
 * must equal the records' total.
 *
 * Everything here runs with the VFIO lock held (vfio_container.c).
 * Record pointers are never kept across an insert or a removal: records
 * are copied, then looked up again by IOVA.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_private.h"

const char *
vfio_dma_kind_name(enum vfio_record_kind kind)
{
	switch (kind) {
	case VFIO_REC_HEAP: return "heap memseg";
	case VFIO_REC_STATIC: return "static memory";
	case VFIO_REC_USER: return "user map";
	case VFIO_REC_DEVICE: return "device memory";
	}
	return "?";
}

/* A request refused by a check other than the budgets: counted, no kernel call. */
static int
refused(struct vfio_container *cont)
{
	cont->stats.refused_checks++;
	return -1;
}

/* ---- removing records ---- */

/*
 * Unmap n adjacent records (sorted, each starting where the previous
 * ends) in one kernel call. Returns 0 when they are gone, -1 with
 * rte_errno when the kernel refused (they are still mapped), -2 with
 * rte_errno EIO when the kernel's size disagreed: the whole range is then
 * unmapped in the kernel and the records must go (reconciled).
 */
static int
unmap_adjacent(struct vfio_container *cont, const struct vfio_record *recs,
		size_t n)
{
	uint64_t want = 0, got = 0;
	size_t i;

	for (i = 0; i < n; i++)
		want += recs[i].len;
	if (vfio_dma_kernel_unmap_locked(cont, recs[0].iova, want, &got) < 0)
		return -1;
	if (got != want) {
		cont->stats.size_mismatches++;
		EAL_LOG(ERR, "VFIO: the kernel unmapped 0x%" PRIx64 " bytes of IOVA [0x%" PRIx64 ", 0x%" PRIx64 ") where %zu record(s) hold 0x%" PRIx64 ": records and kernel disagreed (something else changed the container); the range is now empty in the kernel and its records are dropped (EIO)",
			got, recs[0].iova, recs[0].iova + want, n, want);
		/* the DMA entry count is the kernel's to tell now */
		if (vfio_container_read_info_locked(cont) < 0)
			cont->dma_avail_known = false;
		rte_errno = EIO;
		return -2;
	}
	if (cont->dma_avail_known)
		cont->dma_avail += n;
	return 0;
}

/* Drop the set's records of recs[0, n). */
static void
drop_records(struct vfio_container *cont, const struct vfio_record *recs,
		size_t n)
{
	vfio_records_remove_many(cont->records, recs, n, NULL);
}

static size_t
adjacent_run(const struct vfio_record *recs, size_t n)
{
	size_t k = 1;

	while (k < n && recs[k - 1].iova + recs[k - 1].len == recs[k].iova)
		k++;
	return k;
}

/*
 * Put back the kernel mappings of records an atomic unmap had removed. A
 * record the kernel does not take back is dropped, so that the records
 * still say exactly what the kernel holds.
 */
static void
remap_records(struct vfio_container *cont, const struct vfio_record *recs,
		size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (vfio_dma_kernel_map_locked(cont, &recs[i]) == 0)
			continue;
		EAL_LOG(ERR, "VFIO: the mapping of IOVA 0x%" PRIx64 " len 0x%" PRIx64 " could not be restored after a failed unmap: it is gone",
			recs[i].iova, recs[i].len);
		drop_records(cont, &recs[i], 1);
	}
}

/*
 * Remove records (copies sorted by IOVA) from the kernel and the set,
 * adjacent ones in one call. With atomic, a refusal by the kernel puts
 * back what this call had unmapped and nothing changes (records go only
 * once every run is unmapped); without it (memory going away), a run the
 * kernel refused is tried again record by record, the records the kernel
 * still refuses stay and the rest go. first: the set's record of recs[0]
 * when the caller has it (NULL: looked up).
 */
static int
remove_records(struct vfio_container *cont, const struct vfio_record *recs,
		size_t n, bool atomic, struct vfio_record *first)
{
	size_t done = 0, k, i;
	int ret = 0, err = 0, r;

	if (cont->state != VFIO_CONT_IOMMU) {
		vfio_records_remove_many(cont->records, recs, n, first);
		return 0;
	}
	while (done < n) {
		k = adjacent_run(recs + done, n - done);
		r = unmap_adjacent(cont, recs + done, k);
		if (r == -1 && atomic) {
			err = rte_errno;
			remap_records(cont, recs, done);
			return eal_fail(err);
		}
		for (i = done; r == -1 && i < done + k; i++) {
			int r1 = unmap_adjacent(cont, &recs[i], 1);

			if (r1 == -1) {
				ret = -1;
				err = rte_errno;
				continue;
			}
			if (r1 == -2 && ret == 0) {
				ret = -1;
				err = EIO;
			}
			drop_records(cont, &recs[i], 1);
		}
		if (r != -1) {
			if (r == -2 && ret == 0) {
				ret = -1;
				err = EIO;
			}
			if (!atomic)
				drop_records(cont, recs + done, k);
		}
		done += k;
	}
	/* an atomic removal changed no record until here: first is valid */
	if (atomic)
		vfio_records_remove_many(cont->records, recs, n, first);
	if (ret < 0)
		rte_errno = err;
	return ret;
}

/*
 * Copies of the records overlapping [iova, iova + len), in IOVA order, in
 * buf (room for buf_n) while they fit, else in an allocation: *out is buf
 * or must be freed.
 */
static int
collect_from(const struct vfio_container *cont, const struct vfio_record *first,
		uint64_t iova, uint64_t len, struct vfio_record *buf,
		size_t buf_n, struct vfio_record **out, size_t *n)
{
	const struct vfio_record *r;
	struct vfio_record *recs = buf, *tmp;
	size_t cap = buf_n, cnt = 0;
	uint64_t end = iova + len;

	for (r = first; r != NULL && r->iova < end;
			r = vfio_records_next(cont->records, r)) {
		if (cnt == cap) {
			cap = cap >= 16 ? cap * 2 : 16;
			tmp = vfio_realloc(recs != buf ? recs : NULL,
				cap * sizeof(*recs));
			if (tmp == NULL) {
				if (recs != buf)
					free(recs);
				EAL_LOG(ERR, "VFIO: out of memory while listing mappings");
				return eal_fail(ENOMEM);
			}
			if (recs == buf && cnt > 0)
				memcpy(tmp, buf, cnt * sizeof(*recs));
			recs = tmp;
		}
		recs[cnt++] = *r;
	}
	*out = recs;
	*n = cnt;
	return 0;
}

static int
collect(const struct vfio_container *cont, uint64_t iova, uint64_t len,
		struct vfio_record *buf, size_t buf_n, struct vfio_record **out,
		size_t *n)
{
	return collect_from(cont,
		vfio_records_first_overlap(cont->records, iova, len), iova, len,
		buf, buf_n, out, n);
}

/* ---- mapping ---- */

int
vfio_dma_map_units_locked(struct vfio_container *cont,
		const struct vfio_record *units, unsigned int n)
{
	const char *what = n > 0 ? vfio_dma_kind_name(units[0].kind) : "map";
	const struct vfio_record *conflict = NULL;
	unsigned int i, inserted, mapped = 0;
	bool in_range;
	int err;

	vfio_assert_locked();
	/* heap memory is only recorded in no-IOMMU mode: it must not fail */
	if (n > 0 && (units[0].kind == VFIO_REC_USER ||
			units[0].kind == VFIO_REC_DEVICE) &&
			vfio_dma_check_state(cont, what) < 0)
		return refused(cont);
	/* the IOVA ranges once for all units when their span is valid */
	in_range = vfio_dma_check_span_in_range(cont, units, n);
	for (i = 0; i < n; i++) {
		if ((in_range ?
				vfio_dma_check_unit_shape(cont, &units[i], what) :
				vfio_dma_check_unit(cont, &units[i], what)) < 0 ||
				vfio_dma_check_overlap(cont, units[i].iova,
					units[i].len, what) < 0)
			return refused(cont);
	}
	/* the budgets, for all units together */
	if (vfio_dma_check_budget(cont, n, what) < 0 ||
			vfio_dma_check_memlock(cont, units, n, what) < 0)
		return -1;
	inserted = (unsigned int)vfio_records_insert_many(cont->records, units, n,
		&conflict);
	if (inserted < n) {
		err = rte_errno;
		if (err == EEXIST && conflict != NULL)
			EAL_LOG(ERR, "VFIO: %s of IOVA 0x%" PRIx64 " overlaps an earlier unit of the same request (IOVA 0x%" PRIx64 "): units must not overlap (EEXIST)",
				what, units[inserted].iova, conflict->iova);
		goto rollback;
	}
	if (cont->state == VFIO_CONT_IOMMU) {
		for (i = 0; i < n; i++) {
			if (vfio_dma_kernel_map_locked(cont, &units[i]) < 0) {
				err = rte_errno;
				goto rollback;
			}
			mapped++;
		}
	}
	return 0;

rollback:
	/* the mapped units are adjacent in order only by chance: one by one */
	for (i = 0; i < mapped; i++) {
		uint64_t got;

		if (vfio_dma_kernel_unmap_locked(cont, units[i].iova,
				units[i].len, &got) == 0 && got == units[i].len) {
			if (cont->dma_avail_known)
				cont->dma_avail++;
		} else {
			EAL_LOG(ERR, "VFIO: rollback could not unmap IOVA 0x%" PRIx64 ": it stays recorded",
				units[i].iova);
			continue;
		}
		drop_records(cont, &units[i], 1);
	}
	if (mapped < inserted)
		drop_records(cont, units + mapped, inserted - mapped);
	return eal_fail(err);
}

int
vfio_dma_user_map_locked(struct vfio_container *cont, uint64_t vaddr,
		uint64_t iova, uint64_t len, uint64_t pagesz)
{
	struct vfio_record *units, *same;
	uint64_t n, i;
	int ret;

	vfio_assert_locked();
	if (vfio_dma_check_state(cont, "user map") < 0 ||
			vfio_dma_check_shape(cont, vaddr, iova, len, "user map") < 0)
		return refused(cont);
	if (pagesz == 0) {
		struct vfio_record u = {
			.iova = iova, .vaddr = vaddr, .len = len,
			.kind = VFIO_REC_USER, .owner = 0, .refcnt = 1,
		};

		/* an identical repeat shares the unit: one more reference */
		same = vfio_records_lookup(cont->records, iova);
		if (same != NULL && same->iova == iova && same->len == len &&
				same->vaddr == vaddr && same->kind == VFIO_REC_USER &&
				same->owner == 0) {
			if (same->refcnt == UINT32_MAX) {
				/* one more would wrap to 0: the next unmap would drop a referenced map */
				EAL_LOG(ERR, "VFIO: user map of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " is already mapped %" PRIu32 " times, the most one mapping counts: unmap it before mapping it again (EOVERFLOW)",
					vaddr, iova, len, same->refcnt);
				refused(cont);
				return eal_fail(EOVERFLOW);
			}
			same->refcnt++;
			return 0;
		}
		return vfio_dma_map_units_locked(cont, &u, 1);
	}
	if (!rte_is_power_of_2(pagesz) ||
			pagesz < vfio_container_min_pgsize(cont) ||
			((vaddr | iova | len) & (pagesz - 1)) != 0) {
		EAL_LOG(ERR, "VFIO: paged user map: page size 0x%" PRIx64 " must be a power of two, at least the IOMMU's smallest page (0x%" PRIx64 "), and vaddr 0x%" PRIx64 ", IOVA 0x%" PRIx64 ", len 0x%" PRIx64 " multiples of it (EINVAL)",
			pagesz, vfio_container_min_pgsize(cont), vaddr, iova, len);
		refused(cont);
		return eal_fail(EINVAL);
	}
	n = len / pagesz;
	if (n > UINT32_MAX) {
		EAL_LOG(ERR, "VFIO: paged user map of %" PRIu64 " pages is too many: use larger pages (EINVAL)",
			n);
		refused(cont);
		return eal_fail(EINVAL);
	}
	/* before building the units: a request far over budget must say so */
	if (vfio_dma_check_budget(cont, n, "paged user map") < 0)
		return -1;
	units = vfio_malloc(n * sizeof(*units));
	if (units == NULL)
		return eal_fail(ENOMEM);
	/* pages of one call share an owner id, so tools can tell them apart */
	for (i = 0; i < n; i++) {
		units[i] = (struct vfio_record){
			.iova = iova + i * pagesz,
			.vaddr = vaddr + i * pagesz,
			.len = pagesz,
			.kind = VFIO_REC_USER,
			.owner = iova | 1,
			.refcnt = 1,
		};
	}
	ret = vfio_dma_map_units_locked(cont, units, (unsigned int)n);
	free(units);
	return ret;
}

/* ---- unmapping ---- */

int
vfio_dma_user_unmap_locked(struct vfio_container *cont, uint64_t vaddr,
		uint64_t iova, uint64_t len)
{
	return vfio_dma_user_unmap_from_locked(cont, vaddr, iova, len,
		vfio_records_first_overlap(cont->records, iova, len));
}

int
vfio_dma_user_unmap_from_locked(struct vfio_container *cont, uint64_t vaddr,
		uint64_t iova, uint64_t len, struct vfio_record *first)
{
	struct vfio_record one, *recs;
	size_t n, i, k = 0;
	int ret;

	vfio_assert_locked();
	if (vfio_dma_check_shape(cont, vaddr, iova, len, "user unmap") < 0)
		return refused(cont);
	/* the usual unmap is of one map: its copy needs no allocation */
	if (collect_from(cont, first, iova, len, &one, 1, &recs, &n) < 0)
		return -1;
	if (vfio_dma_check_user_unmap(recs, n, vaddr, iova, len) < 0) {
		if (recs != &one)
			free(recs);
		return refused(cont);
	}
	/* shared units lose one reference; the others go to the kernel */
	for (i = 0; i < n; i++)
		if (recs[i].refcnt <= 1)
			recs[k++] = recs[i];
	/*
	 * The set is unchanged since collect_from(): first is still the
	 * record of recs[0] when no shared unit was left out before it, and
	 * its removal needs no lookup (about 70 instructions a call).
	 */
	ret = remove_records(cont, recs, k, true,
		k > 0 && first != NULL && first->iova == recs[0].iova ?
		first : NULL);
	/* only shared units stayed: none when every record went */
	if (k < n && (ret == 0 || rte_errno == EIO)) {
		struct vfio_record *r;

		for (r = vfio_records_first_overlap(cont->records, iova, len);
				r != NULL && r->iova < iova + len;
				r = vfio_records_next(cont->records, r))
			if (r->refcnt > 1)
				r->refcnt--;
	}
	if (recs != &one)
		free(recs);
	return ret;
}

/* Records copied at a time when memory is released (on the stack). */
#define RELEASE_BATCH 32

/*
 * Memory going away must never stay mapped because memory is short: the
 * records are copied in batches on the stack, not into an allocation.
 */
int
vfio_dma_release_range_locked(struct vfio_container *cont, uint64_t iova,
		uint64_t len)
{
	struct vfio_record recs[RELEASE_BATCH];
	const struct vfio_record *r;
	uint64_t pos = iova, end = iova + len, last;
	size_t n;
	int ret = 0, err = 0;

	vfio_assert_locked();
	do {
		n = 0;
		for (r = vfio_records_first_overlap(cont->records, pos, end - pos);
				r != NULL && r->iova < end && n < RELEASE_BATCH;
				r = vfio_records_next(cont->records, r))
			recs[n++] = *r;
		if (n == 0)
			break;
		last = recs[n - 1].iova + recs[n - 1].len;
		if ((pos == iova && recs[0].iova < iova) || last > end)
			EAL_LOG(ERR, "VFIO: memory [0x%" PRIx64 ", 0x%" PRIx64 ") is released but a unit reaches outside it (IOVA 0x%" PRIx64 "-0x%" PRIx64 "): the whole unit is unmapped",
				iova, end, recs[0].iova, last);
		/* records the kernel refuses stay: go on after them */
		if (remove_records(cont, recs, n, false, NULL) < 0) {
			ret = -1;
			err = rte_errno;
		}
		pos = last;
	} while (n == RELEASE_BATCH && pos < end && pos > iova);
	if (ret < 0)
		rte_errno = err;
	return ret;
}

/* As vfio_dma_release_range_locked(): in batches, nothing allocated. */
int
vfio_dma_release_owner_locked(struct vfio_container *cont,
		enum vfio_record_kind kind, uint64_t owner)
{
	struct vfio_record recs[RELEASE_BATCH];
	const struct vfio_record *r;
	uint64_t pos = 0;
	bool more;
	size_t n;
	int ret = 0, err = 0;

	vfio_assert_locked();
	do {
		n = 0;
		more = false;
		for (r = vfio_records_first_overlap(cont->records, pos, UINT64_MAX - pos);
				r != NULL; r = vfio_records_next(cont->records, r)) {
			if (r->kind != kind || r->owner != owner)
				continue;
			if (n == RELEASE_BATCH) {
				more = true;
				break;
			}
			recs[n++] = *r;
		}
		if (n == 0)
			break;
		/* records the kernel refuses stay: go on after them */
		if (remove_records(cont, recs, n, false, NULL) < 0) {
			ret = -1;
			err = rte_errno;
		}
		pos = recs[n - 1].iova + recs[n - 1].len;
	} while (more && pos != 0);
	if (ret < 0)
		rte_errno = err;
	return ret;
}

/* ---- the container's life cycle ---- */

int
vfio_dma_replay_locked(struct vfio_container *cont)
{
	struct vfio_record *recs;
	size_t n, i;
	int err;

	vfio_assert_locked();
	if (cont->state != VFIO_CONT_IOMMU)
		return 0;
	if (vfio_dma_check_records_locked(cont) < 0)
		return refused(cont);
	if (collect(cont, 0, UINT64_MAX, NULL, 0, &recs, &n) < 0)
		return -1;
	/* the kernel pins everything again: both budgets, the whole replay */
	if (vfio_dma_check_budget(cont, n, "replay of the recorded mappings") < 0 ||
			vfio_dma_check_memlock(cont, recs, n,
				"replay of the recorded mappings") < 0) {
		free(recs);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (vfio_dma_kernel_map_locked(cont, &recs[i]) < 0) {
			err = rte_errno;
			EAL_LOG(ERR, "VFIO: replay of %zu recorded mapping(s) failed at IOVA 0x%" PRIx64 ": undoing it",
				n, recs[i].iova);
			while (i-- > 0) {
				uint64_t got;

				if (vfio_dma_kernel_unmap_locked(cont, recs[i].iova,
						recs[i].len, &got) == 0 &&
						cont->dma_avail_known)
					cont->dma_avail++;
			}
			free(recs);
			return eal_fail(err);
		}
	}
	free(recs);
	return 0;
}

int
vfio_dma_unmap_all_locked(struct vfio_container *cont)
{
	struct vfio_record *recs;
	uint64_t want, got = 0;
	size_t n;
	int ret;

	vfio_assert_locked();
	if (cont->state != VFIO_CONT_IOMMU)
		return 0;
	want = vfio_records_bytes(cont->records);
	if (cont->has_unmap_all) {
		if (vfio_dma_kernel_unmap_all_locked(cont, &got) < 0)
			return -1;
		if (got != want) {
			cont->stats.size_mismatches++;
			EAL_LOG(ERR, "VFIO: UNMAP_ALL of container %d removed 0x%" PRIx64 " bytes, the records hold 0x%" PRIx64 " (EIO)",
				cont->fd, got, want);
			return eal_fail(EIO);
		}
		return 0;
	}
	if (collect(cont, 0, UINT64_MAX, NULL, 0, &recs, &n) < 0)
		return -1;
	ret = remove_records(cont, recs, n, false, NULL);
	free(recs);
	return ret;
}

/*
 * Device memory belongs to devices of groups that have left: such a
 * record must never be replayed (its owner, and maybe its BAR mmap, are
 * gone, and nothing could unmap it).
 */
static void
drop_device_records(struct vfio_container *cont)
{
	struct vfio_record *r;
	uint64_t next;

	/* most containers have none: no walk over every record */
	if (vfio_records_device_count(cont->records) == 0)
		return;
	r = vfio_records_first(cont->records);
	while (r != NULL) {
		if (r->kind != VFIO_REC_DEVICE) {
			r = vfio_records_next(cont->records, r);
			continue;
		}
		next = r->iova + r->len;
		vfio_records_remove(cont->records, r);
		r = next == 0 ? NULL : vfio_records_first_overlap(cont->records,
				next, UINT64_MAX - next + 1);
	}
}

void
vfio_dma_forget_kernel_locked(struct vfio_container *cont)
{
	vfio_assert_locked();
	drop_device_records(cont);
	vfio_dma_bind_undone_locked(cont);
}

void
vfio_dma_bind_undone_locked(struct vfio_container *cont)
{
	vfio_assert_locked();
	free(cont->ranges);
	cont->ranges = NULL;
	cont->n_ranges = 0;
	cont->pgsizes = 0;
	cont->dma_avail_known = false;
	cont->dma_avail = 0;
	cont->iommu_type = 0;
	cont->state = VFIO_CONT_NO_GROUP;
}
