/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_INVARIANTS_H_
#define _VFIO_INVARIANTS_H_

/*
 * The promises of the VFIO component under faults and bad input, as
 * checks shared by the fault-injection tests, the concurrency stress test
 * and the fuzz target (which does not link the test framework):
 * - records are the truth: a container's records are exactly the model's
 *   kernel mappings (none while no IOMMU is set), and the model is sane;
 * - no stray mapping: every heap or static record is memory in use;
 * - nothing handed out unmapped: every page of a live allocation is
 *   recorded (and mapped in the kernel) at its IOVA, from its address.
 * Each returns 0, or -1 after printing the first violation found.
 */

#include <stddef.h>
#include <stdint.h>

/* A container's records == the model's mappings; api_fd as in rte_vfio.h. */
int inv_records_match_kernel(int api_fd);

/* Every heap/static record of the default container is memory in use. */
int inv_no_stray_heap_record(void);

/* Every page of [addr, addr + len) is mapped in the default container. */
int inv_heap_mapped(const void *addr, size_t len);

/* No kernel mapping of the container reads or writes [va, va + len). */
int inv_va_unmapped(int api_fd, uint64_t va, uint64_t len);

/* All of the above for the default container and the listed ones. */
int inv_all(const int *api_fds, unsigned int n);

#endif /* _VFIO_INVARIANTS_H_ */
