/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_EAL_H_
#define _RTE_EAL_H_

/**
 * @file
 * Environment Abstraction Layer: start-up, shut-down and global modes.
 */

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/** The role of this process. Only the primary role is implemented. */
enum rte_proc_type_t {
	RTE_PROC_AUTO = -1,
	RTE_PROC_PRIMARY = 0,
	RTE_PROC_SECONDARY,
	RTE_PROC_INVALID
};

/** How devices address memory. */
enum rte_iova_mode {
	RTE_IOVA_DC = 0,       /**< don't care: chosen by the EAL */
	RTE_IOVA_PA = (1 << 0), /**< IOVA = physical address */
	RTE_IOVA_VA = (1 << 1)  /**< IOVA = virtual address (needs an IOMMU) */
};

/**
 * Initialize the EAL: parse the EAL options, set up logging, memory, the
 * heaps and VFIO (when /dev/vfio/vfio exists).
 *
 * EAL options come first; "--" ends them. The application's own options
 * follow.
 *
 * @return the number of arguments parsed (so the caller can skip them), or
 * -1 with rte_errno set: EALREADY (already initialized), EINVAL (bad
 * option), ENOMEM (memory could not be set up), EACCES (a needed privilege
 * is missing), ENOTSUP (a requested mode is not supported), EFAULT (an
 * internal step failed), EBUSY (a running process uses the same
 * --file-prefix), ECANCELED (--help was given: the usage was printed and
 * nothing was set up; the application should exit)
 */
int rte_eal_init(int argc, char **argv);

/**
 * Release everything rte_eal_init() set up: VFIO mappings and containers,
 * heaps, memory.
 *
 * @return 0, or -1 with rte_errno EALREADY when the EAL is not initialized
 */
int rte_eal_cleanup(void);

/**
 * The IOVA mode chosen at init. Unless --iova-mode forces one, the EAL
 * chooses:
 * - RTE_IOVA_VA (IOVA = virtual address) when the IOMMU's valid IOVA
 *   ranges (probed at init on a group bound to vfio-pci) hold the virtual
 *   address range of every memseg list, or when no group can be probed;
 * - else the allocated mode: the EAL assigns each memseg list (and
 *   external memory added without IOVAs) an IOVA block inside the valid
 *   ranges, so iova != va. It is reported as RTE_IOVA_PA, because a driver
 *   that sees RTE_IOVA_VA takes the address as the IOVA; like in IOVA as
 *   PA, drivers must take IOVAs from the memsegs (rte_mem_virt2iova(),
 *   rte_malloc_virt2iova()). rte_eal_iova_mode_is_allocated() tells it
 *   from IOVA as PA;
 * - else RTE_IOVA_PA when physical addresses can be read.
 * The choice and its reason (the VA range, the valid ranges) are logged.
 *
 * @return the mode (RTE_IOVA_DC before init)
 */
enum rte_iova_mode rte_eal_iova_mode(void);

/**
 * Whether the EAL assigned IOVAs itself (the allocated mode, reported as
 * RTE_IOVA_PA by rte_eal_iova_mode()); extension.
 *
 * @return 1 in the allocated mode, 0 otherwise (also before init)
 */
__rte_experimental
int rte_eal_iova_mode_is_allocated(void);

/** @return 1 when memory is backed by hugepages, 0 with --no-huge */
int rte_eal_has_hugepages(void);

/** @return the process type (always primary after a successful init) */
enum rte_proc_type_t rte_eal_process_type(void);

/** @return 1 when the EAL is not prevented from using PCI (--no-pci not given) */
int rte_eal_has_pci(void);

/**
 * @return 1 when the EAL uses physical addresses (IOVA-as-PA and the
 * pagemap is readable), 0 otherwise
 */
int rte_eal_using_phys_addrs(void);

/** @return the runtime directory of this process (it ends in the --file-prefix, "rte" by default) */
const char *rte_eal_get_runtime_dir(void);

/**
 * Stop the process after an error the application cannot recover from:
 * the message (printf format) is logged at CRIT level, the EAL is cleaned
 * up when it was initialized (VFIO mappings, heaps, memory), then
 * exit(@p exit_code). Never returns.
 */
void rte_exit(int exit_code, const char *format, ...)
	__rte_noreturn __rte_format_printf(2, 3);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_EAL_H_ */
