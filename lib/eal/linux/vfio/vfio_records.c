/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The record engine: an intrusive AVL tree keyed by IOVA.
 *
 * Records never overlap, so ordering by start address orders them by end
 * too, and an overlap query only has to look at the record at or before the
 * query start and the one after it. Nodes keep a parent link so that
 * in-order iteration and removal need no stack. Record addresses are
 * stable: removal relinks nodes and never copies a record, since callers
 * hold pointers to them. No locking here (see vfio_records.h).
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "eal_private.h"
#include "vfio_records.h"

struct rec_node {
	struct vfio_record rec;  /* first: a record pointer is a node pointer */
	struct rec_node *left;
	struct rec_node *right;
	struct rec_node *parent;
	int height;
};

/*
 * Nodes are taken from chunks the set keeps until it is destroyed, and
 * given back to a free list: a paged map or a heap growth inserts
 * thousands of records and an unmap removes them again, and one calloc()
 * and free() per record were a quarter of the EAL's own work per unit
 * (callgrind), with nodes scattered over fresh heap pages. A set keeps
 * the chunks of its peak number of records (88 bytes a record).
 */
#define CHUNK_NODES 64

struct node_chunk {
	struct node_chunk *next;
	struct rec_node nodes[CHUNK_NODES];
};

struct vfio_record_set {
	struct rec_node *root;
	size_t count;
	uint64_t bytes;
	size_t n_device;             /* records of kind VFIO_REC_DEVICE */
	struct rec_node *free_nodes; /* linked by their left pointer */
	struct node_chunk *chunks;
	/*
	 * The highest record (NULL when empty). A map's units are inserted
	 * in IOVA order, each above every record so far in a new range: it
	 * is linked below this one without a descent from the root.
	 */
	struct rec_node *last;
};

/* The set's counts as a record comes in or goes out. */
static inline void
count_in(struct vfio_record_set *set, const struct vfio_record *rec)
{
	set->count++;
	set->bytes += rec->len;
	set->n_device += rec->kind == VFIO_REC_DEVICE;
}

static inline void
count_out(struct vfio_record_set *set, const struct vfio_record *rec)
{
	set->count--;
	set->bytes -= rec->len;
	set->n_device -= rec->kind == VFIO_REC_DEVICE;
}

static inline struct rec_node *
node_of(const struct vfio_record *rec)
{
	return (struct rec_node *)(uintptr_t)rec;
}

/* Inclusive last IOVA: never overflows for a valid record. */
static inline uint64_t
rec_last(const struct vfio_record *rec)
{
	return rec->iova + rec->len - 1;
}

static inline int
height(const struct rec_node *n)
{
	return n != NULL ? n->height : 0;
}

static void
update_height(struct rec_node *n)
{
	n->height = 1 + RTE_MAX(height(n->left), height(n->right));
}

static void
replace_child(struct vfio_record_set *set, struct rec_node *parent,
		struct rec_node *old, struct rec_node *new)
{
	if (parent == NULL)
		set->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new != NULL)
		new->parent = parent;
}

static struct rec_node *
rotate_left(struct vfio_record_set *set, struct rec_node *x)
{
	struct rec_node *y = x->right;

	x->right = y->left;
	if (y->left != NULL)
		y->left->parent = x;
	replace_child(set, x->parent, x, y);
	y->left = x;
	x->parent = y;
	update_height(x);
	update_height(y);
	return y;
}

static struct rec_node *
rotate_right(struct vfio_record_set *set, struct rec_node *x)
{
	struct rec_node *y = x->left;

	x->left = y->right;
	if (y->right != NULL)
		y->right->parent = x;
	replace_child(set, x->parent, x, y);
	y->right = x;
	x->parent = y;
	update_height(x);
	update_height(y);
	return y;
}

/*
 * Restore heights and balance from n upwards. Ancestors only see a
 * subtree's height, so the walk stops at the first subtree whose height
 * came out as it was before.
 */
static void
rebalance(struct vfio_record_set *set, struct rec_node *n)
{
	while (n != NULL) {
		int old = n->height, bf;

		update_height(n);
		bf = height(n->left) - height(n->right);
		if (bf > 1) {
			if (height(n->left->left) < height(n->left->right))
				rotate_left(set, n->left);
			n = rotate_right(set, n);
		} else if (bf < -1) {
			if (height(n->right->right) < height(n->right->left))
				rotate_right(set, n->right);
			n = rotate_left(set, n);
		}
		if (n->height == old)
			break;
		n = n->parent;
	}
}

static struct rec_node *
leftmost(struct rec_node *n)
{
	while (n != NULL && n->left != NULL)
		n = n->left;
	return n;
}

static struct rec_node *
rightmost(struct rec_node *n)
{
	while (n->right != NULL)
		n = n->right;
	return n;
}

static struct rec_node *
successor(const struct rec_node *n)
{
	const struct rec_node *p;

	if (n->right != NULL)
		return leftmost(n->right);
	p = n->parent;
	while (p != NULL && p->right == n) {
		n = p;
		p = p->parent;
	}
	return (struct rec_node *)(uintptr_t)p;
}

/* The record with the greatest start <= iova, or NULL. */
static struct rec_node *
floor_node(const struct vfio_record_set *set, uint64_t iova)
{
	struct rec_node *n = set->root, *best = NULL;

	while (n != NULL) {
		if (n->rec.iova <= iova) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

/*
 * Lowest record overlapping the inclusive range [first, last]: the record
 * at or before first if it reaches first, else the one after first. One
 * descent finds both, since it passes through each of them.
 */
static struct rec_node *
overlap_node(const struct vfio_record_set *set, uint64_t first, uint64_t last)
{
	struct rec_node *n = set->root, *below = NULL, *above = NULL;

	while (n != NULL) {
		if (n->rec.iova <= first) {
			below = n;
			n = n->right;
		} else {
			above = n;
			n = n->left;
		}
	}
	if (below != NULL && rec_last(&below->rec) >= first)
		return below;
	if (above != NULL && above->rec.iova <= last)
		return above;
	return NULL;
}

/* ---- allocation fault hook (see vfio_records.h) ---- */

/* armed count: the allocation that brings it from 1 to 0 fails */
static unsigned int alloc_fail_countdown;

unsigned int
vfio_alloc_fail_nth(unsigned int n)
{
	return __atomic_exchange_n(&alloc_fail_countdown, n, __ATOMIC_RELAXED);
}

static bool
alloc_fault(void)
{
	unsigned int n = __atomic_load_n(&alloc_fail_countdown, __ATOMIC_RELAXED);

	if (__builtin_expect(n == 0, 1))
		return false;
	while (n != 0 && !__atomic_compare_exchange_n(&alloc_fail_countdown,
			&n, n - 1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return n == 1;
}

void *
vfio_malloc(size_t size)
{
	return alloc_fault() ? NULL : malloc(size);
}

void *
vfio_calloc(size_t nmemb, size_t size)
{
	return alloc_fault() ? NULL : calloc(nmemb, size);
}

void *
vfio_realloc(void *ptr, size_t size)
{
	return alloc_fault() ? NULL : realloc(ptr, size);
}

struct vfio_record_set *
vfio_records_create(void)
{
	struct vfio_record_set *set = vfio_calloc(1, sizeof(*set));

	if (set == NULL)
		rte_errno = ENOMEM;
	return set;
}

/*
 * A zeroed node, from the free list or a new chunk; NULL: no memory. The
 * fault hook fires per node, as it did for one allocation per record, so
 * that fault injection still fails each record's insert in turn.
 */
static struct rec_node *
node_alloc(struct vfio_record_set *set)
{
	struct rec_node *n = set->free_nodes;

	if (alloc_fault())
		return NULL;
	if (n == NULL) {
		struct node_chunk *c = malloc(sizeof(*c));
		unsigned int i;

		if (c == NULL)
			return NULL;
		c->next = set->chunks;
		set->chunks = c;
		/* the first node of the chunk comes out first */
		for (i = CHUNK_NODES; i-- > 0;) {
			c->nodes[i].left = set->free_nodes;
			set->free_nodes = &c->nodes[i];
		}
		n = set->free_nodes;
	}
	set->free_nodes = n->left;
	memset(n, 0, sizeof(*n));
	return n;
}

static void
node_free(struct vfio_record_set *set, struct rec_node *n)
{
	n->left = set->free_nodes;
	set->free_nodes = n;
}

void
vfio_records_destroy(struct vfio_record_set *set)
{
	struct node_chunk *c, *next, *oldest = NULL;

	if (set == NULL)
		return;
	/*
	 * Every node, in the tree or free, lives in a chunk. They are freed
	 * oldest first: the list is newest first, and the newest chunk is
	 * usually the one at the top of the heap, so freeing it first made
	 * glibc give the top back to the system (brk) at each of the next
	 * chunks' free() as well: 30 brk() calls to destroy a container of
	 * 2048 records (strace, model), about 1.3 ms of the EAL's own time
	 * of teardown_all under TCG. Oldest first, the chunks coalesce below
	 * the top and the last free() trims once.
	 */
	for (c = set->chunks; c != NULL; c = next) {
		next = c->next;
		c->next = oldest;
		oldest = c;
	}
	for (c = oldest; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(set);
}

struct vfio_record *
vfio_records_insert(struct vfio_record_set *set,
		const struct vfio_record *rec, const struct vfio_record **conflict)
{
	struct rec_node *n, *parent = NULL, **link = &set->root;
	struct rec_node *pred = NULL, *succ = NULL, *other = NULL;

	if (conflict != NULL)
		*conflict = NULL;
	if (rec->len == 0 || rec_last(rec) < rec->iova) {
		rte_errno = EINVAL;
		return NULL;
	}
	/*
	 * Above the highest record: its right child, which it does not have
	 * (a paged map of 4096 one-page units: the insert about 120
	 * instructions fewer a unit, callgrind on the model).
	 */
	if (set->last != NULL && rec->iova > rec_last(&set->last->rec)) {
		pred = parent = set->last;
		link = &parent->right;
	}
	/* else one descent finds the neighbours and the place to link */
	while (*link != NULL) {
		parent = *link;
		if (rec->iova < parent->rec.iova) {
			succ = parent;
			link = &parent->left;
		} else {
			pred = parent;
			link = &parent->right;
		}
	}
	if (pred != NULL && rec_last(&pred->rec) >= rec->iova)
		other = pred;
	else if (succ != NULL && succ->rec.iova <= rec_last(rec))
		other = succ;
	if (other != NULL) {
		if (conflict != NULL)
			*conflict = &other->rec;
		rte_errno = EEXIST;
		return NULL;
	}
	n = node_alloc(set);
	if (n == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	n->rec = *rec;
	n->height = 1;
	*link = n;
	n->parent = parent;
	if (set->last == NULL || n->rec.iova > set->last->rec.iova)
		set->last = n;
	rebalance(set, parent);
	count_in(set, rec);
	return &n->rec;
}

void
vfio_records_remove(struct vfio_record_set *set, struct vfio_record *rec)
{
	struct rec_node *z = node_of(rec), *fix;

	/* the highest has no right child: its predecessor is below its
	 * left child or is its parent */
	if (z == set->last)
		set->last = z->left != NULL ? rightmost(z->left) : z->parent;
	if (z->left == NULL || z->right == NULL) {
		fix = z->parent;
		replace_child(set, z->parent, z,
			z->left != NULL ? z->left : z->right);
	} else {
		/* put z's in-order successor y (no left child) in z's place */
		struct rec_node *y = leftmost(z->right);

		if (y->parent == z) {
			fix = y;
		} else {
			fix = y->parent;
			replace_child(set, y->parent, y, y->right);
			y->right = z->right;
			y->right->parent = y;
		}
		replace_child(set, z->parent, z, y);
		y->left = z->left;
		y->left->parent = y;
		y->height = z->height;
	}
	rebalance(set, fix);
	count_out(set, rec);
	node_free(set, z);
}

/* A balanced subtree of nodes[lo, hi) (in IOVA order) under parent. */
static struct rec_node *
build_balanced(struct rec_node **nodes, size_t lo, size_t hi,
		struct rec_node *parent)
{
	size_t mid = lo + (hi - lo) / 2;
	struct rec_node *n;

	if (lo >= hi)
		return NULL;
	n = nodes[mid];
	n->parent = parent;
	n->left = build_balanced(nodes, lo, mid, n);
	n->right = build_balanced(nodes, mid + 1, hi, n);
	update_height(n);
	return n;
}

/* One by one beats a rebuild of the set below this many records. */
#define REBUILD_MIN 32

/* A rebuild walks the whole set: worth it for a good part of it. */
static bool
rebuild_pays(const struct vfio_record_set *set, size_t n)
{
	return n >= REBUILD_MIN && n >= set->count / 4;
}

static void
remove_one_by_one(struct vfio_record_set *set, const struct vfio_record *recs,
		size_t n, struct vfio_record *first)
{
	struct rec_node *z = first != NULL ? node_of(first) : NULL, *next;
	size_t i;

	/* the next record to remove is usually the successor of the last */
	for (i = 0; i < n; i++) {
		if (z == NULL || z->rec.iova != recs[i].iova) {
			struct vfio_record *r = vfio_records_lookup(set, recs[i].iova);

			z = r != NULL && r->iova == recs[i].iova ? node_of(r) : NULL;
		}
		if (z == NULL)
			continue;
		next = successor(z);
		vfio_records_remove(set, &z->rec);
		z = next;
	}
}

void
vfio_records_remove_many(struct vfio_record_set *set,
		const struct vfio_record *recs, size_t n, struct vfio_record *first)
{
	struct rec_node **nodes, *node, *next;
	size_t i = 0, kept = 0, gone = 0, total = set->count;

	/*
	 * A rebuild walks the whole set: worth it when the records to remove
	 * are a good part of it (a paged unmap of thousands of pages: about
	 * 150 instructions a record one by one, for the removal and its
	 * rebalancing). It needs an array of the set's nodes; without one,
	 * or for a few records, they go one by one, which cannot fail.
	 */
	nodes = rebuild_pays(set, n) ? vfio_malloc(total * sizeof(*nodes)) : NULL;
	if (nodes == NULL) {
		remove_one_by_one(set, recs, n, first);
		return;
	}
	/* nodes that stay fill the array from the front, removed ones from
	 * the back; the walk only reads links, so nothing is freed during it */
	for (node = set->root != NULL ? leftmost(set->root) : NULL;
			node != NULL; node = next) {
		next = successor(node);
		while (i < n && recs[i].iova < node->rec.iova)
			i++;
		if (i < n && recs[i].iova == node->rec.iova) {
			nodes[total - 1 - gone++] = node;
			i++;
		} else {
			nodes[kept++] = node;
		}
	}
	for (i = 0; i < gone; i++) {
		node = nodes[total - 1 - i];
		count_out(set, &node->rec);
		node_free(set, node);
	}
	set->root = build_balanced(nodes, 0, kept, NULL);
	set->last = kept > 0 ? nodes[kept - 1] : NULL;
	free(nodes);
}

/*
 * Units in IOVA order, none empty, wrapping or overlapping the next, and
 * none overlapping a record of the set: merged with the set's nodes into
 * nodes[] (the set's count + n entries) on new nodes, and counted; the
 * caller links them. False (nothing changed) when they are not such
 * units or a node cannot be had.
 */
static bool
merge_new_units(struct vfio_record_set *set, const struct vfio_record *units,
		size_t n, struct rec_node **nodes)
{
	struct rec_node *old = set->root != NULL ? leftmost(set->root) : NULL;
	struct rec_node *fresh = NULL;
	size_t i, k = 0, got, u;

	for (i = 0; i < n; i++)
		if (units[i].len == 0 || rec_last(&units[i]) < units[i].iova ||
				(i > 0 && rec_last(&units[i - 1]) >= units[i].iova))
			return false;
	/* the set's records and the units, both in order: one pass */
	for (i = 0; i < n; i++) {
		for (; old != NULL && old->rec.iova < units[i].iova;
				old = successor(old)) {
			if (rec_last(&old->rec) >= units[i].iova)
				return false;
			nodes[k++] = old;
		}
		if (old != NULL && old->rec.iova <= rec_last(&units[i]))
			return false;
		nodes[k++] = NULL;  /* the unit's place */
	}
	for (; old != NULL; old = successor(old))
		nodes[k++] = old;
	/* every new node first, chained by their left links: all or none */
	for (got = 0; got < n; got++) {
		struct rec_node *node = node_alloc(set);

		if (node == NULL) {
			while (fresh != NULL) {
				struct rec_node *next = fresh->left;

				node_free(set, fresh);
				fresh = next;
			}
			return false;
		}
		node->left = fresh;
		fresh = node;
	}
	/* a new node in each unit's place, the units in order */
	for (i = k, u = n; i > 0; i--) {
		if (nodes[i - 1] != NULL)
			continue;
		nodes[i - 1] = fresh;
		fresh = fresh->left;
		nodes[i - 1]->rec = units[--u];
		count_in(set, &units[u]);
	}
	return true;
}

size_t
vfio_records_insert_many(struct vfio_record_set *set,
		const struct vfio_record *units, size_t n,
		const struct vfio_record **conflict)
{
	size_t total = set->count + n, i;
	struct rec_node **nodes;

	if (conflict != NULL)
		*conflict = NULL;
	/*
	 * A paged map of thousands of units: one merge with the set and a
	 * rebuild instead of an insert and its rebalancing each (about 250
	 * instructions a unit). Anything the merge does not take (units out
	 * of order or overlapping, no array, no node) goes one by one,
	 * which finds and reports the unit that fails.
	 */
	nodes = rebuild_pays(set, n) ? vfio_malloc(total * sizeof(*nodes)) : NULL;
	if (nodes != NULL && merge_new_units(set, units, n, nodes)) {
		set->root = build_balanced(nodes, 0, total, NULL);
		set->last = nodes[total - 1];
		free(nodes);
		return n;
	}
	free(nodes);
	for (i = 0; i < n; i++)
		if (vfio_records_insert(set, &units[i], conflict) == NULL)
			break;
	return i;
}

struct vfio_record *
vfio_records_lookup(const struct vfio_record_set *set, uint64_t iova)
{
	struct rec_node *n = floor_node(set, iova);

	return n != NULL && rec_last(&n->rec) >= iova ? &n->rec : NULL;
}

struct vfio_record *
vfio_records_first_overlap(const struct vfio_record_set *set,
		uint64_t iova, uint64_t len)
{
	uint64_t last;
	struct rec_node *n;

	if (len == 0)
		return NULL;
	/* a range running past 2^64 is clipped at the top of the space */
	last = iova + len - 1 < iova ? UINT64_MAX : iova + len - 1;
	n = overlap_node(set, iova, last);
	return n != NULL ? &n->rec : NULL;
}

struct vfio_record *
vfio_records_first(const struct vfio_record_set *set)
{
	struct rec_node *n = leftmost(set->root);

	return n != NULL ? &n->rec : NULL;
}

struct vfio_record *
vfio_records_next(const struct vfio_record_set *set __rte_unused,
		const struct vfio_record *rec)
{
	struct rec_node *n = successor(node_of(rec));

	return n != NULL ? &n->rec : NULL;
}

size_t
vfio_records_count(const struct vfio_record_set *set)
{
	return set->count;
}

uint64_t
vfio_records_bytes(const struct vfio_record_set *set)
{
	return set->bytes;
}

size_t
vfio_records_device_count(const struct vfio_record_set *set)
{
	return set->n_device;
}

struct check_state {
	const struct rec_node *prev;
	size_t count;
	uint64_t bytes;
	size_t n_device;
};

static int
check_fail(const char *what, const struct rec_node *n)
{
	EAL_LOG(ERR, "VFIO record tree broken: %s at record iova 0x%" PRIx64
		" len 0x%" PRIx64, what, n != NULL ? n->rec.iova : 0,
		n != NULL ? n->rec.len : 0);
	return eal_fail(EFAULT);
}

/* Recursion depth is the tree height, about 1.44 log2(n) when balanced. */
static int
check_subtree(const struct rec_node *n, struct check_state *st, int depth)
{
	int hl, hr;

	if (n == NULL)
		return 0;
	if (depth > 128)
		return check_fail("tree deeper than any balanced tree", n);
	if ((n->left != NULL && n->left->parent != n) ||
			(n->right != NULL && n->right->parent != n))
		return check_fail("child does not link back to its parent", n);
	if (check_subtree(n->left, st, depth + 1) < 0)
		return -1;
	if (n->rec.len == 0 || rec_last(&n->rec) < n->rec.iova)
		return check_fail("empty or wrapping record", n);
	if (st->prev != NULL && rec_last(&st->prev->rec) >= n->rec.iova)
		return check_fail("record overlaps or precedes its predecessor", n);
	st->prev = n;
	st->count++;
	st->bytes += n->rec.len;
	st->n_device += n->rec.kind == VFIO_REC_DEVICE;
	if (check_subtree(n->right, st, depth + 1) < 0)
		return -1;
	hl = height(n->left);
	hr = height(n->right);
	if (n->height != 1 + RTE_MAX(hl, hr))
		return check_fail("stale height", n);
	if (hl - hr > 1 || hr - hl > 1)
		return check_fail("unbalanced node", n);
	return 0;
}

int
vfio_records_check(const struct vfio_record_set *set)
{
	struct check_state st = { NULL, 0, 0, 0 };

	if (set->root != NULL && set->root->parent != NULL)
		return check_fail("root has a parent", set->root);
	if (check_subtree(set->root, &st, 0) < 0)
		return -1;
	if (st.count != set->count || st.bytes != set->bytes ||
			st.n_device != set->n_device)
		return check_fail("count, bytes or device records differ from the records",
			NULL);
	if (set->last != (set->root != NULL ? rightmost(set->root) : NULL))
		return check_fail("the highest record is not the one kept", set->last);
	return 0;
}
