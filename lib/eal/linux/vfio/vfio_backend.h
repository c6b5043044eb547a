/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_BACKEND_H_
#define _VFIO_BACKEND_H_

/*
 * The one narrow boundary between the VFIO component and the kernel.
 *
 * Every open of /dev/vfio/vfio or /dev/vfio/<group>, every ioctl on a
 * container, group or device fd, and their close go through the current
 * backend. Two implementations:
 * - the kernel (vfio_backend.c): plain open(2), ioctl(2), close(2);
 * - a userspace model of VFIO type1 v1/v2 (vfio_model*.c) that follows the
 *   kernel's documented behaviour check by check, for unit tests and fault
 *   injection. It is never used in production runs.
 *
 * Calls behave like the system calls: on failure they return -1 and set
 * errno (not rte_errno; the caller translates). The fds of the model are
 * real fds (so they never collide with other fds of the process).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

struct vfio_backend {
	const char *name;
	/* open a VFIO node: "/dev/vfio/vfio" or "/dev/vfio/<n>" */
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long request, void *arg);
	/* true when the VFIO container node exists (/dev/vfio/vfio) */
	bool (*present)(void);
	/*
	 * What type1 compares a pin with: the locked-memory limit
	 * (RLIMIT_MEMLOCK) and what the process has locked already (its
	 * locked_vm, VmLck), both in bytes; unlimited when the process has
	 * CAP_IPC_LOCK or no limit. -1 with errno when it cannot be told
	 * (the caller then does not check). May be NULL: unknown.
	 */
	int (*memlock)(uint64_t *limit, uint64_t *locked, bool *unlimited);
	/*
	 * What native iommufd has pinned for this process already (its mm's
	 * pinned_vm, VmPin), in bytes: iommufd charges its pins to the
	 * user's locked_vm, not to the mm's locked_vm (VmLck) that type1
	 * charges, so VmLck (mlock) is no measure of it. -1 with errno when
	 * it cannot be told. May be NULL: the cdev path then uses memlock's
	 * locked.
	 */
	int (*pinned)(uint64_t *bytes);
	/*
	 * A second fd for the same open file (F_DUPFD_CLOEXEC): a device's
	 * fd handed out while its cdev stays open. May be NULL: fcntl().
	 */
	int (*dup)(int fd);
	/*
	 * Whether the iommufd interface (/dev/iommu and device cdevs) is
	 * there to use. May be NULL: the kernel's nodes are looked at (a
	 * model without this speaks type1 only).
	 */
	bool (*iommufd_present)(void);
};

__rte_internal
extern const struct vfio_backend vfio_backend_kernel;

/* The backend in use (the kernel unless a test selected the model). */
__rte_internal
const struct vfio_backend *vfio_backend(void);

/* Select the backend; only before rte_eal_init() (tests). */
__rte_internal
void vfio_backend_select(const struct vfio_backend *be);

/*
 * How many calls reached the kernel's VFIO through the kernel backend in
 * this process: opens of a VFIO node that succeeded, and ioctls (whatever
 * their result). The test runner reads it to tell a test that ran on the
 * real kernel from one that ran on the model or used no VFIO at all.
 */
__rte_internal
uint64_t vfio_backend_kernel_calls(void);

#endif /* _VFIO_BACKEND_H_ */
