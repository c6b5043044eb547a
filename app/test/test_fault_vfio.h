/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_FAULT_VFIO_H_
#define _TEST_FAULT_VFIO_H_

/*
 * The fault-injection harness of test_fault_vfio.c, shared with
 * test_fault_vfio_mem.c: the EAL on the model with two groups, and
 * fault_each(), which fails an operation at each of its kernel calls or
 * allocations in turn and checks that each failure left nothing changed.
 */

#include <stdint.h>

#include <rte_vfio.h>

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define GROUP_A 70
#define GROUP_B 71
/* below the x86 MSI window, valid on every IOMMU the model offers */
#define IOVA_BASE 0x40000000ULL

/* The system page size, set by fault_start(). */
extern uint64_t fault_pg;

/* EAL on the model with two groups; dynamic memory when asked. */
int fault_start(int dynamic);

#define START(dyn) do { \
	int r_ = fault_start(dyn); \
	if (r_ != TEST_SUCCESS) \
		return r_; \
} while (0)

/* No fault armed any more (model and allocation hook). */
void fault_disarm(void);

/* Anonymous system pages, not populated; NULL when mmap fails. */
uint8_t *fault_buf_alloc(unsigned int pages);

/*
 * Run op with the nth kernel call (model) or allocation (hook) failing,
 * for n = 1, 2, ... until op succeeds: each failure must be -1 with err
 * and leave cont as it was. Returns the number of faults seen, or -1.
 */
enum fault_kind { FAULT_KERNEL, FAULT_ALLOC };

struct fault_op {
	const char *name;
	int (*run)(void *arg);          /* 0 or -1 with rte_errno */
	void (*undo)(void *arg);        /* undo a success before the next n (optional) */
	void *arg;
	int cont;                       /* container whose state must not change */
	enum fault_kind kind;
	unsigned long request;          /* kernel faults: the ioctl, 0 any */
	int err;                        /* kernel faults: the errno injected */
	int expect_err;                 /* what the caller must see */
};

int fault_each(const struct fault_op *op, unsigned int *faults, unsigned int *tolerated);

#endif /* _TEST_FAULT_VFIO_H_ */
