/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_RECORDS_H_
#define _VFIO_RECORDS_H_

/*
 * The record engine: one record per kernel mapping, exactly as issued.
 *
 * A record set is ordered by IOVA (records never overlap), with O(log n)
 * insert, lookup and removal and no fixed capacity. It does no locking:
 * the container that owns a set serializes access with the VFIO lock.
 */

#include <stddef.h>
#include <stdint.h>

enum vfio_record_kind {
	VFIO_REC_HEAP,     /* one memseg of a dynamic heap list */
	VFIO_REC_STATIC,   /* an IOVA-contiguous run of static or external heap memory */
	VFIO_REC_USER,     /* a user map (one call, or one page of a paged map) */
	VFIO_REC_DEVICE,   /* a device BAR mapped for peer to peer */
};

struct vfio_record {
	uint64_t iova;
	uint64_t vaddr;
	uint64_t len;
	enum vfio_record_kind kind;
	/*
	 * VFIO_REC_DEVICE on native iommufd: the BAR (region index) and the
	 * offset in it where the unit starts. iommufd maps device memory
	 * from the BAR's dma-buf, not by vaddr (vfio_dmabuf.c); 0 otherwise.
	 */
	uint32_t bar;
	/*
	 * Who the mapping belongs to: for VFIO_REC_DEVICE the owning device,
	 * for a paged user map the id shared by its pages, 0 otherwise.
	 */
	uint64_t owner;
	/* identical user maps share one record; it goes when this is 0 */
	uint32_t refcnt;
	uint64_t bar_off;
};

struct vfio_record_set;

struct vfio_record_set *vfio_records_create(void);

/* Free the set and every record in it (no kernel call is made). */
void vfio_records_destroy(struct vfio_record_set *set);

/*
 * Insert a copy of *rec. Returns the stored record, or NULL with rte_errno
 * EEXIST when it overlaps a record (the first overlapping one is then in
 * *conflict if conflict is not NULL), EINVAL for len 0 or wrap-around, or
 * ENOMEM.
 */
struct vfio_record *vfio_records_insert(struct vfio_record_set *set,
		const struct vfio_record *rec, const struct vfio_record **conflict);

/*
 * Insert copies of units[0, n). Returns how many were inserted, in order,
 * before the first that could not be: n, or fewer with rte_errno as
 * vfio_records_insert() sets it for that unit (and *conflict).
 */
size_t vfio_records_insert_many(struct vfio_record_set *set,
		const struct vfio_record *units, size_t n,
		const struct vfio_record **conflict);

/* Remove and free a record of the set. */
void vfio_records_remove(struct vfio_record_set *set, struct vfio_record *rec);

/*
 * Remove and free the records whose IOVAs are those of recs[0, n) (copies,
 * in IOVA order; one with no record in the set is skipped). first: the
 * set's record of recs[0] when the caller has it (saves a lookup), or
 * NULL. Cannot fail. Pointers to the records that stay remain valid.
 */
void vfio_records_remove_many(struct vfio_record_set *set,
		const struct vfio_record *recs, size_t n, struct vfio_record *first);

/* The record holding iova, or NULL. */
struct vfio_record *vfio_records_lookup(const struct vfio_record_set *set,
		uint64_t iova);

/* The lowest record that overlaps [iova, iova + len), or NULL. */
struct vfio_record *vfio_records_first_overlap(const struct vfio_record_set *set,
		uint64_t iova, uint64_t len);

/* In IOVA order: the first record, and the one after rec (NULL at the end). */
struct vfio_record *vfio_records_first(const struct vfio_record_set *set);
struct vfio_record *vfio_records_next(const struct vfio_record_set *set,
		const struct vfio_record *rec);

/* Records in the set, and the sum of their lengths. */
size_t vfio_records_count(const struct vfio_record_set *set);
uint64_t vfio_records_bytes(const struct vfio_record_set *set);
/* Records of device memory (VFIO_REC_DEVICE) in the set. */
size_t vfio_records_device_count(const struct vfio_record_set *set);

/*
 * Verify the tree's invariants (ordering, no overlap, balance, links,
 * count and bytes). Returns 0, or -1 with rte_errno EFAULT and one ERR log
 * line naming the broken invariant. O(n): for tests.
 */
int vfio_records_check(const struct vfio_record_set *set);

/*
 * Allocations of the VFIO component (records, unit arrays, lists, IOMMU
 * info) go through these, so that tests can make any one of them fail:
 * vfio_alloc_fail_nth(n) makes the nth (1-based) following one fail with
 * NULL as out of memory; 0 disarms. Returns what was left of the previous
 * arming: 0 when its fault happened (or none was armed). Unarmed, the hook
 * costs one relaxed load and a predicted branch.
 */
unsigned int vfio_alloc_fail_nth(unsigned int n);
void *vfio_malloc(size_t size);
void *vfio_calloc(size_t nmemb, size_t size);
void *vfio_realloc(void *ptr, size_t size);

#endif /* _VFIO_RECORDS_H_ */
