/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_VFIO_BUDGET_H_
#define _TEST_VFIO_BUDGET_H_

/*
 * The harness of the budget and counter tests (test_vfio_budget.c: the DMA
 * entry budget; test_vfio_budget_memlock.c: the locked-memory limit;
 * test_vfio_stats.c: the per-container counters): EAL up with one IOMMU
 * group to bind, a snapshot of what a refusal must leave unchanged
 * (counters, container state, the model's kernel calls, mappings and
 * locked bytes), log capture and the check that a refusal came before the
 * kernel with one log line naming the numbers and the fix.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
/* IOVAs valid on every IOMMU the tests meet (below the x86 MSI window) */
#define IOVA_A 0x40000000ULL
#define IOVA_B 0x80000000ULL
#define IOVA_C 0xc0000000ULL

/* the system page size and the group to bind, set by budget_start() */
extern uint64_t budget_pg;
extern int budget_group;
/* what the last capture logged */
extern const char *budget_log;

/* "nothing changed": counters, container state, the model's kernel calls */
struct budget_state {
	struct rte_vfio_container_stats st;
	unsigned long model_maps;     /* MAP_DMA calls the model received */
	unsigned int model_mappings;  /* the model's kernel mappings */
	uint64_t model_locked;
	int cstate;
};

int budget_start(const char *mem_mode);
void *budget_buf_alloc(uint64_t pages);
int budget_container(void);
int budget_run(int cfd, uint64_t budget, uint64_t pages,
	int (*phases)(int cfd, uint8_t *buf, uint64_t budget));
size_t budget_growth_size(void);
int budget_growth_refused(size_t grow, int err, const char *line);
struct budget_state budget_state_of(int cfd);
int budget_state_same(const struct budget_state *a, const struct budget_state *b);
int budget_log_start(void);
const char *budget_log_stop(void);
unsigned int budget_lines_with(const char *buf, const char *w);
int budget_line_has_all(const char *buf, const char *const *words);

/* NULL for the default memory mode; "--dynamic-mem" for heap growth. */
#define START(mode) do { \
	int r_ = budget_start(mode); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

/*
 * A call refused before the kernel: -1, rte_errno err, exactly one log
 * line holding every word of `words` (NULL-ended, the first one unique to
 * that line), and no change in container cfd.
 */
#define ASSERT_REFUSED_UP_FRONT(cfd, call, err, ...) do { \
	const char *const w_[] = { __VA_ARGS__, NULL }; \
	struct budget_state b_ = budget_state_of(cfd), a_; \
	const char *log_; \
	int rv_, e_; \
	TEST_ASSERT_SUCCESS(budget_log_start(), "log capture"); \
	rte_errno = 0; \
	rv_ = (call); \
	e_ = rte_errno; \
	log_ = budget_log_stop(); \
	a_ = budget_state_of(cfd); \
	TEST_ASSERT(rv_ == -1 && e_ == (err), "%s: expected -1/%s, got %d/%s", \
		#call, strerror(err), rv_, strerror(e_)); \
	TEST_ASSERT(test_count_lines(log_) == 1 && budget_line_has_all(log_, w_), \
		"%s: one log line with the numbers and the fix, got:\n%s", #call, log_); \
	TEST_ASSERT(budget_state_same(&b_, &a_), "%s: refused before any kernel call, nothing changed", #call); \
} while (0)

#endif /* _TEST_VFIO_BUDGET_H_ */
