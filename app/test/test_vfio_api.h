/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_VFIO_API_H_
#define _TEST_VFIO_API_H_

/*
 * The harness of test_vfio_api.c, shared with test_vfio_discipline.c:
 * groups (the model's, or the VM's vfio-pci devices), snapshots of a
 * container (records, kernel mappings, kernel call counters) and the
 * check that a refused call logs one line and changes nothing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfio_private.h"
#include "test_common.h"

#define MAX_GROUPS 4
#define SNAP_MAX 1024
/* an IOVA window valid on every IOMMU the tests meet (below the MSI window) */
#define IOVA_BASE 0x40000000ULL

extern struct test_vfio_dev api_tgroups[MAX_GROUPS];
extern unsigned int api_n_tgroups;
extern uint64_t api_pg;

struct snap_ent {
	uint64_t iova, vaddr, len;
	uint32_t refcnt;
	int kind;
};

struct snap {
	unsigned int n, kn;
	struct snap_ent rec[SNAP_MAX];
	struct snap_ent kern[SNAP_MAX];
	struct vfio_container_stats st;
	int state;
};

/* START(need) of test (its function's name): TEST_SUCCESS, _SKIPPED or _FAILED */
int api_start(const char *test, unsigned int need);
void *api_buf_alloc(size_t pages);
struct snap *api_snap_take(int cfd);
int api_snap_same(const struct snap *a, const struct snap *b);
int api_records_match_kernel(int cfd);
unsigned int api_n_records(int cfd);
uint64_t api_map_calls(int cfd);
uint64_t api_unmap_calls(int cfd);
int api_log_one_line(const char *w1, const char *w2);

/*
 * What most API tests work on: a buffer of `pages` pages and a container,
 * bound to the first group when `bind` is set. api_fix_close() destroys the
 * container (asserted) and api_fix_release(); api_fix_release() unmaps the
 * buffer and stops the EAL, for a test that ends the container itself.
 */
struct api_fix {
	uint8_t *buf;
	uint64_t va;
	size_t pages;
	int cfd;
	int gfd;
};

int api_fix_open(struct api_fix *f, size_t pages, bool bind);
int api_fix_close(struct api_fix *f);
void api_fix_release(struct api_fix *f);
/*
 * START(need), api_fix_open(), the test's sequence on the container and
 * the buffer's address, then api_fix_close() whatever the sequence gave.
 * A test that needs the model gives why as model_only: SKIP on the kernel.
 */
int api_run(const char *test, const char *model_only, unsigned int need,
	size_t pages, bool bind, int (*seq)(int cfd, uint64_t va));

/* Registers autotest `name` as api_run() of sequence `seq`. */
#define REGISTER_API_TEST(name, model_only, need, pages, bind, seq) \
	static int name##_run(void) \
	{ \
		return api_run(__func__, model_only, need, pages, bind, seq); \
	} \
	REGISTER_TEST_COMMAND(name, name##_run)

#define START(need) do { \
	int r_ = api_start(__func__, need); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

/* api_fix_open(), returning from the test when it does not succeed */
#define FIXTURE(f, pages, bind) do { \
	int r_ = api_fix_open(f, pages, bind); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

/*
 * A call that must be refused: rte_errno, one log line holding w1 and w2,
 * and nothing changed in container cfd.
 */
#define ASSERT_REFUSED(cfd, call, err, w1, w2) do { \
	struct snap *b_ = api_snap_take(cfd), *a_; \
	int same_; \
	TEST_ASSERT_NOT_NULL(b_, "snapshot"); \
	test_log_capture(); \
	rte_errno = 0; \
	int rv_ = (call); \
	int e_ = rte_errno; \
	int logged_ = api_log_one_line(w1, w2); \
	a_ = api_snap_take(cfd); \
	same_ = a_ != NULL && api_snap_same(b_, a_); \
	free(a_); \
	free(b_); \
	TEST_ASSERT(rv_ == -1 && e_ == (err), "%s: expected -1/%s, got %d/%s", \
		#call, strerror(err), rv_, strerror(e_)); \
	TEST_ASSERT(logged_, "%s: its log line", #call); \
	TEST_ASSERT(same_, "%s: the state changed", #call); \
} while (0)

#endif /* _TEST_VFIO_API_H_ */
