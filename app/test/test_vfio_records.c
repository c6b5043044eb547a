/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The record engine: overlap refusal with the conflicting record,
 * adjacency, first_overlap, iteration order, insertion and removal (one,
 * and many at once), invariants after random operations checked against a plain
 * array, and a benchmark that reports ns per operation at growing sizes
 * (never pass/fail on time).
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "vfio_records.h"

#define PG 0x1000ULL

static struct vfio_record
rec_at(uint64_t iova, uint64_t len)
{
	struct vfio_record r = {
		.iova = iova, .vaddr = iova + 0x7f0000000000ULL, .len = len,
		.kind = VFIO_REC_USER, .owner = 0, .refcnt = 1,
	};

	return r;
}

static int
test_records_basic(void)
{
	struct vfio_record_set *set = vfio_records_create();
	const struct vfio_record *conflict;
	struct vfio_record r, *a, *b, *c, *it;
	uint64_t expect[] = { 0x1000, 0x3000, 0x5000 };
	unsigned int i;

	TEST_ASSERT_NOT_NULL(set, "create");
	TEST_ASSERT_NULL(vfio_records_first(set), "empty set has no first");
	TEST_ASSERT_EQUAL(vfio_records_count(set), 0, "empty count");

	TEST_STEP("insert three records out of order, B and C adjacent");
	r = rec_at(0x3000, 0x2000);
	b = vfio_records_insert(set, &r, NULL);
	TEST_ASSERT_NOT_NULL(b, "insert B");
	r = rec_at(0x1000, 0x1000);
	a = vfio_records_insert(set, &r, NULL);
	TEST_ASSERT_NOT_NULL(a, "insert A");
	r = rec_at(0x5000, 0x1000);
	c = vfio_records_insert(set, &r, NULL);
	TEST_ASSERT_NOT_NULL(c, "insert C adjacent to B");
	TEST_ASSERT_EQUAL(vfio_records_count(set), 3, "count");
	TEST_ASSERT_EQUAL(vfio_records_bytes(set), 0x4000, "bytes");
	TEST_ASSERT_EQUAL(b->vaddr, 0x3000 + 0x7f0000000000ULL, "copy kept vaddr");

	TEST_STEP("iteration is in IOVA order");
	for (i = 0, it = vfio_records_first(set); it != NULL;
			it = vfio_records_next(set, it), i++) {
		TEST_ASSERT(i < RTE_DIM(expect), "too many records");
		TEST_ASSERT_EQUAL(it->iova, expect[i], "record %u", i);
	}
	TEST_ASSERT_EQUAL(i, 3, "iterated all");

	TEST_STEP("overlaps are refused with the lowest conflicting record");
	r = rec_at(0x4000, 0x2000);   /* inside B, into C */
	TEST_ASSERT_NULL_ERRNO(vfio_records_insert(set, &r, &conflict), EEXIST, "");
	TEST_ASSERT(conflict == b, "conflict is B");
	r = rec_at(0x0, 0x8000);      /* covers everything */
	TEST_ASSERT_NULL_ERRNO(vfio_records_insert(set, &r, &conflict), EEXIST, "");
	TEST_ASSERT(conflict == a, "conflict is A");
	r = rec_at(0x5000, 0x1000);   /* exact duplicate of C */
	TEST_ASSERT_NULL_ERRNO(vfio_records_insert(set, &r, &conflict), EEXIST, "");
	TEST_ASSERT(conflict == c, "conflict is C");
	r = rec_at(0x2000, 0x1001);   /* one byte into B */
	TEST_ASSERT_NULL_ERRNO(vfio_records_insert(set, &r, NULL), EEXIST, "");
	TEST_ASSERT_EQUAL(vfio_records_count(set), 3, "nothing added");

	TEST_STEP("bad records: len 0, wrap-around");
	r = rec_at(0x9000, 0);
	TEST_ASSERT_NULL_ERRNO(vfio_records_insert(set, &r, &conflict), EINVAL, "");
	TEST_ASSERT_NULL(conflict, "no conflict for EINVAL");
	r = rec_at(UINT64_MAX - 0xfff, 0x2000);
	TEST_ASSERT_NULL_ERRNO(vfio_records_insert(set, &r, NULL), EINVAL, "");
	r = rec_at(UINT64_MAX - 0xfff, 0x1000);   /* ends at 2^64-1: fine */
	it = vfio_records_insert(set, &r, NULL);
	TEST_ASSERT_NOT_NULL(it, "record at the top of the space");
	TEST_ASSERT(vfio_records_lookup(set, UINT64_MAX) == it, "lookup top");
	vfio_records_remove(set, it);

	TEST_STEP("lookup and first_overlap");
	TEST_ASSERT(vfio_records_lookup(set, 0x3fff) == b, "inside B");
	TEST_ASSERT(vfio_records_lookup(set, 0x5000) == c, "start of C");
	TEST_ASSERT_NULL(vfio_records_lookup(set, 0x2000), "hole");
	TEST_ASSERT_NULL(vfio_records_lookup(set, 0x0), "below all");
	TEST_ASSERT_NULL(vfio_records_lookup(set, 0x6000), "above all");
	TEST_ASSERT(vfio_records_first_overlap(set, 0, 0x10000) == a, "all");
	TEST_ASSERT(vfio_records_first_overlap(set, 0x1fff, 0x2000) == a,
		"last byte of A");
	TEST_ASSERT(vfio_records_first_overlap(set, 0x2000, 0x1001) == b,
		"hole then first byte of B");
	TEST_ASSERT_NULL(vfio_records_first_overlap(set, 0x2000, 0x1000),
		"exactly the hole");
	TEST_ASSERT_NULL(vfio_records_first_overlap(set, 0x1000, 0), "len 0");
	TEST_ASSERT(vfio_records_first_overlap(set, 0x4000, UINT64_MAX) == b,
		"range running past 2^64 is clipped");

	TEST_STEP("removal keeps order and totals");
	vfio_records_remove(set, b);
	TEST_ASSERT_EQUAL(vfio_records_count(set), 2, "count after remove");
	TEST_ASSERT_EQUAL(vfio_records_bytes(set), 0x2000, "bytes after remove");
	TEST_ASSERT(vfio_records_next(set, a) == c, "A then C");
	TEST_ASSERT_NULL(vfio_records_next(set, c), "C is last");
	r = rec_at(0x2000, 0x3000);   /* the hole B left, touching A and C */
	TEST_ASSERT_NOT_NULL(vfio_records_insert(set, &r, NULL), "refill");
	TEST_ASSERT_SUCCESS(vfio_records_check(set), "invariants");
	vfio_records_destroy(set);
	vfio_records_destroy(NULL);
	return TEST_SUCCESS;
}

/* A plain reference: a bitmap of used pages over a small IOVA window. */
#define SLOTS 512

static int
test_records_random(void)
{
	struct vfio_record_set *set = vfio_records_create();
	static uint64_t start_of[SLOTS];   /* record start covering the page, +1 */
	static uint64_t len_of[SLOTS];     /* at the start page: record pages */
	unsigned int op, i, n = 0;
	uint64_t bytes = 0;

	TEST_ASSERT_NOT_NULL(set, "create");
	memset(start_of, 0, sizeof(start_of));
	memset(len_of, 0, sizeof(len_of));
	srand(12345);
	for (op = 0; op < 20000; op++) {
		unsigned int s = (unsigned int)rand() % SLOTS;
		unsigned int l = 1 + (unsigned int)rand() % 8;
		struct vfio_record r = rec_at(s * PG, l * PG), *got;
		const struct vfio_record *conflict;
		bool free_range = s + l <= SLOTS;
		unsigned int first_used = SLOTS;

		for (i = s; i < s + l && i < SLOTS; i++) {
			if (start_of[i] != 0) {
				free_range = false;
				if (first_used == SLOTS)
					first_used = i;
			}
		}
		if (rand() % 3 != 0 && s + l <= SLOTS) {
			got = vfio_records_insert(set, &r, &conflict);
			if (free_range) {
				TEST_ASSERT_NOT_NULL(got, "op %u insert [%u,+%u)", op, s, l);
				for (i = s; i < s + l; i++)
					start_of[i] = s + 1;
				len_of[s] = l;
				n++;
				bytes += l * PG;
			} else {
				TEST_ASSERT(got == NULL && rte_errno == EEXIST,
					"op %u overlap accepted", op);
				TEST_ASSERT(conflict != NULL && conflict->iova ==
					(start_of[first_used] - 1) * PG,
					"op %u wrong conflict", op);
			}
		} else if (start_of[s] != 0) {
			unsigned int st = (unsigned int)start_of[s] - 1;
			struct vfio_record *victim = vfio_records_lookup(set, s * PG);

			TEST_ASSERT(victim != NULL && victim->iova == st * PG,
				"op %u lookup page %u", op, s);
			n--;
			bytes -= len_of[st] * PG;
			for (i = st; i < st + len_of[st]; i++)
				start_of[i] = 0;
			vfio_records_remove(set, victim);
		} else {
			TEST_ASSERT_NULL(vfio_records_lookup(set, s * PG),
				"op %u hole %u found", op, s);
		}
		if (op % 500 == 0)
			TEST_ASSERT_SUCCESS(vfio_records_check(set), "op %u", op);
	}
	TEST_ASSERT_SUCCESS(vfio_records_check(set), "final");
	TEST_ASSERT_EQUAL(vfio_records_count(set), n, "count");
	TEST_ASSERT_EQUAL(vfio_records_bytes(set), bytes, "bytes");
	vfio_records_destroy(set);
	return TEST_SUCCESS;
}

/*
 * vfio_records_remove_many() against the plain reference: sets of 8 to
 * 2000 one-page records (every fifth device memory) in shuffled order,
 * a random share of them removed (with IOVAs that have no record mixed
 * in), through the rebuild, through one by one (a few records, or the
 * rebuild's allocation failing), with and without the first record's
 * hint. What stays keeps its address and contents; the set stays valid.
 */
#define MANY_SLOTS 4096

/*
 * count one-page records at distinct random slots of [0, MANY_SLOTS),
 * every fifth slot device memory; at[slot]: the set's record or NULL.
 */
static int
fill_random(struct vfio_record_set *set, struct vfio_record **at,
		unsigned int count)
{
	unsigned int n = 0;

	memset(at, 0, MANY_SLOTS * sizeof(*at));
	while (n < count) {
		unsigned int slot = (unsigned int)rand() % MANY_SLOTS;
		struct vfio_record r = rec_at(slot * PG, PG);

		if (at[slot] != NULL)
			continue;
		if (slot % 5 == 0)
			r.kind = VFIO_REC_DEVICE;
		at[slot] = vfio_records_insert(set, &r, NULL);
		if (at[slot] == NULL)
			return -1;
		n++;
	}
	return 0;
}

static int
test_records_remove_many(void)
{
	static const unsigned int sizes[] = { 8, 40, 300, 2000 };
	static const unsigned int share[] = { 10, 30, 50, 90, 100 };
	static struct vfio_record *at[MANY_SLOTS];
	static struct vfio_record recs[MANY_SLOTS];
	unsigned int round, i, k, n_rm, left, dev_left;

	srand(4242);
	for (round = 0; round < 120; round++) {
		struct vfio_record_set *set = vfio_records_create();
		unsigned int size = sizes[round % RTE_DIM(sizes)];
		unsigned int pct = share[(round / RTE_DIM(sizes)) % RTE_DIM(share)];
		bool fail_alloc = round % 7 == 3, hint = round % 2 == 0;
		struct vfio_record *first = NULL;

		TEST_ASSERT_NOT_NULL(set, "create");
		TEST_ASSERT_SUCCESS(fill_random(set, at, size), "round %u: insert", round);
		/* in IOVA order: a share of the records, and some holes */
		for (i = 0, n_rm = 0; i < MANY_SLOTS; i++) {
			if (at[i] != NULL && (unsigned int)rand() % 100 < pct)
				recs[n_rm++] = *at[i];
			else if (at[i] == NULL && rand() % 50 == 0)
				recs[n_rm++] = rec_at(i * PG, PG);
		}
		if (hint && n_rm > 0 && at[recs[0].iova / PG] != NULL)
			first = at[recs[0].iova / PG];
		vfio_alloc_fail_nth(fail_alloc ? 1 : 0);
		vfio_records_remove_many(set, recs, n_rm, first);
		vfio_alloc_fail_nth(0);
		TEST_ASSERT_SUCCESS(vfio_records_check(set), "round %u (%u records, %u%%, %s)",
			round, size, pct, fail_alloc ? "allocation failed" : "rebuild allowed");
		for (k = 0; k < n_rm; k++)
			at[recs[k].iova / PG] = NULL;
		for (i = 0, left = 0, dev_left = 0; i < MANY_SLOTS; i++) {
			struct vfio_record *r = vfio_records_lookup(set, i * PG);

			if (at[i] == NULL) {
				TEST_ASSERT_NULL(r, "round %u: page %u still recorded", round, i);
				continue;
			}
			TEST_ASSERT(r == at[i], "round %u: the record of page %u moved", round, i);
			TEST_ASSERT(r->iova == i * PG && r->len == PG &&
				r->vaddr == i * PG + 0x7f0000000000ULL,
				"round %u: the record of page %u changed", round, i);
			left++;
			dev_left += r->kind == VFIO_REC_DEVICE;
		}
		TEST_ASSERT_EQUAL(vfio_records_count(set), left, "round %u count", round);
		TEST_ASSERT_EQUAL(vfio_records_bytes(set), (uint64_t)left * PG,
			"round %u bytes", round);
		TEST_ASSERT_EQUAL(vfio_records_device_count(set), dev_left,
			"round %u device records", round);
		/* the set still takes records where some were removed */
		for (k = 0; k < n_rm && k < 4; k++)
			TEST_ASSERT_NOT_NULL(vfio_records_insert(set, &recs[k], NULL),
				"round %u: reinsert", round);
		TEST_ASSERT_SUCCESS(vfio_records_check(set), "round %u after reinsert", round);
		vfio_records_destroy(set);
	}
	return TEST_SUCCESS;
}

/*
 * vfio_records_insert_many() against the same reference: runs of 5 to
 * 3000 one-page units in the gaps of a set of 0 to 300 records, through
 * the merge and rebuild and through one by one: in order, out of order,
 * one unit overlapping a record or an earlier unit (the count inserted
 * before it, EEXIST and the conflict as vfio_records_insert() says), an
 * allocation failing (the array, or a node).
 */
static int
test_records_insert_many(void)
{
	static const unsigned int olds[] = { 0, 12, 300 };
	static const unsigned int runs[] = { 5, 40, 400, 3000 };
	static struct vfio_record *at[MANY_SLOTS];
	static struct vfio_record units[MANY_SLOTS];
	unsigned int round, i, n, n_old, slot, want, left;

	srand(777);
	for (round = 0; round < 96; round++) {
		struct vfio_record_set *set = vfio_records_create();
		unsigned int run = runs[round % RTE_DIM(runs)];
		unsigned int case_ = (round / RTE_DIM(runs)) % 6;
		const struct vfio_record *conflict = NULL, *expect_conflict = NULL;
		int want_err = EEXIST;
		size_t got;

		n_old = olds[round % RTE_DIM(olds)];
		TEST_ASSERT_NOT_NULL(set, "create");
		TEST_ASSERT_SUCCESS(fill_random(set, at, n_old), "round %u: insert", round);
		/* a run of free slots, in order, from a random start */
		for (n = 0, slot = (unsigned int)rand() % 64; n < run &&
				slot < MANY_SLOTS; slot++)
			if (at[slot] == NULL) {
				units[n] = rec_at(slot * PG, PG);
				units[n].kind = slot % 5 == 0 ? VFIO_REC_DEVICE : VFIO_REC_USER;
				n++;
			}
		want = n;
		if (case_ == 1 && n > 2) {               /* out of order */
			struct vfio_record t = units[0];

			units[0] = units[n - 1];
			units[n - 1] = t;
		} else if (case_ == 2 && n > 2) {  /* onto a record, in order */
			/* a record in the gap after unit j: unit j moves onto it */
			for (i = 1; i + 1 < n; i++) {
				slot = (unsigned int)(units[i].iova / PG) + 1;
				if (slot * PG < units[i + 1].iova && at[slot] != NULL)
					break;
			}
			if (i + 1 < n) {
				units[i].iova = slot * PG;
				units[i].vaddr = slot * PG + 0x7f0000000000ULL;
				want = i;
				expect_conflict = at[slot];
			}
		} else if (case_ == 3 && n > 2) {        /* onto an earlier unit */
			units[n - 1] = units[n - 2];
			want = n - 1;
		}
		/* a failed allocation: the merge's array or its first node is
		 * absorbed (one by one then), the one-by-one path's node is not */
		if (case_ >= 4 && !(n >= 32 && n >= n_old / 4)) {
			want = case_ == 4 ? 0 : 1;
			want_err = ENOMEM;
		}
		vfio_alloc_fail_nth(case_ == 4 ? 1 : case_ == 5 ? 2 : 0);
		got = vfio_records_insert_many(set, units, n, &conflict);
		vfio_alloc_fail_nth(0);
		TEST_ASSERT_SUCCESS(vfio_records_check(set), "round %u (case %u, %u units)",
			round, case_, n);
		TEST_ASSERT_EQUAL(got, want, "round %u (case %u): inserted", round, case_);
		if (want < n) {
			TEST_ASSERT_EQUAL(rte_errno, want_err, "round %u: errno", round);
			if (want_err == ENOMEM)
				TEST_ASSERT_NULL(conflict, "round %u: no conflict", round);
			else if (expect_conflict != NULL)
				TEST_ASSERT(conflict == expect_conflict, "round %u: conflict", round);
			else
				TEST_ASSERT(conflict != NULL &&
					conflict->iova == units[want].iova,
					"round %u: conflict with the earlier unit", round);
		}
		for (i = 0; i < got; i++) {
			struct vfio_record *r = vfio_records_lookup(set, units[i].iova);

			TEST_ASSERT(r != NULL && r->iova == units[i].iova &&
				r->vaddr == units[i].vaddr && r->kind == units[i].kind,
				"round %u: unit %u not recorded as given", round, i);
		}
		for (slot = 0, left = 0; slot < MANY_SLOTS; slot++)
			if (at[slot] != NULL) {
				TEST_ASSERT(vfio_records_lookup(set, slot * PG) == at[slot],
					"round %u: record of page %u moved", round, slot);
				left++;
			}
		TEST_ASSERT_EQUAL(vfio_records_count(set), left + got, "round %u count", round);
		vfio_records_destroy(set);
	}
	return TEST_SUCCESS;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Shuffled page indexes, so the tree sees no sorted insertion order. */
static uint64_t *
shuffled(size_t n)
{
	uint64_t *v = malloc(n * sizeof(*v));
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t j = ((size_t)rand() * RAND_MAX + (size_t)rand()) % (i + 1);
		uint64_t t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	return v;
}

/* One pass at size n: ns per insert, lookup, remove into ns[]. */
static int
perf_pass(size_t n, double ns[3])
{
	struct vfio_record_set *set = vfio_records_create();
	uint64_t *order = shuffled(n);
	size_t i;
	uint64_t t;

	TEST_ASSERT(set != NULL && order != NULL, "allocation at %zu", n);
	t = now_ns();
	for (i = 0; i < n; i++) {
		struct vfio_record r = rec_at(order[i] * 2 * PG, PG);

		TEST_ASSERT_NOT_NULL(vfio_records_insert(set, &r, NULL),
			"insert %zu", i);
	}
	ns[0] = (double)(now_ns() - t) / (double)n;
	t = now_ns();
	for (i = 0; i < n; i++)
		TEST_ASSERT_NOT_NULL(vfio_records_lookup(set,
			order[n - 1 - i] * 2 * PG + 5), "lookup %zu", i);
	ns[1] = (double)(now_ns() - t) / (double)n;
	TEST_ASSERT_SUCCESS(vfio_records_check(set), "%zu records", n);
	t = now_ns();
	for (i = 0; i < n; i++)
		vfio_records_remove(set,
			vfio_records_lookup(set, order[i] * 2 * PG));
	ns[2] = (double)(now_ns() - t) / (double)n;
	TEST_ASSERT_EQUAL(vfio_records_count(set), 0, "emptied");
	free(order);
	vfio_records_destroy(set);
	return TEST_SUCCESS;
}

/*
 * Report only: ns per insert, lookup and remove at 1k..1M records in
 * shuffled order (best of 3 passes below 1M), and the growth per tenfold
 * size: O(log n) shows as a factor near 1.3 (plus cache effects), O(n) as 10.
 */
static int
test_records_perf(void)
{
	static const size_t sizes[] = { 1000, 10000, 100000, 1000000 };
	double prev[3] = { 0, 0, 0 };
	unsigned int k, rep, j;

	srand(777);
	printf("%10s %12s %12s %12s   %s\n", "records", "insert ns",
		"lookup ns", "remove ns", "growth vs 10x fewer records");
	for (k = 0; k < RTE_DIM(sizes); k++) {
		double best[3] = { 1e30, 1e30, 1e30 }, ns[3];

		for (rep = 0; rep < (sizes[k] < 1000000 ? 3U : 1U); rep++) {
			if (perf_pass(sizes[k], ns) != TEST_SUCCESS)
				return TEST_FAILED;
			for (j = 0; j < 3; j++)
				best[j] = RTE_MIN(best[j], ns[j]);
		}
		printf("%10zu %12.1f %12.1f %12.1f", sizes[k], best[0], best[1],
			best[2]);
		if (k > 0)
			printf("   %.2fx %.2fx %.2fx", best[0] / prev[0],
				best[1] / prev[1], best[2] / prev[2]);
		printf("\n");
		memcpy(prev, best, sizeof(prev));
	}
	printf("(report only; remove includes the lookup of the record)\n");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_records_autotest, test_records_basic);
REGISTER_TEST_COMMAND(vfio_records_random_autotest, test_records_random);
REGISTER_TEST_COMMAND(vfio_records_remove_many_autotest, test_records_remove_many);
REGISTER_TEST_COMMAND(vfio_records_insert_many_autotest, test_records_insert_many);
REGISTER_TEST_COMMAND(vfio_records_perf_autotest, test_records_perf);
