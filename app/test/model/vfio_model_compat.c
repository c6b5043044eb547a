/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd's emulation of the type1 container (IOMMUFD_VFIO_CONTAINER), as
 * far as the model plays it: with the knob on, the container fd is an
 * iommufd that speaks type1 (vfio_model_iommu.c does the type1 part and
 * asks here where the emulation differs). Modelled, as Linux 6.12's
 * drivers/iommu/iommufd (main.c, vfio_compat.c, pages.c) does it:
 * - the fd also answers iommufd's own ioctls: IOMMU_OPTION reads the
 *   locked-memory accounting mode, which is the mm's (VmLck, as type1)
 *   for an iommufd opened as /dev/vfio/vfio;
 * - pages are pinned by pin_user_pages, so device memory (PFNMAP, a BAR
 *   mapping) is refused with EFAULT: no peer to peer;
 * - a process with CAP_IPC_LOCK is charged nothing (type1 charges it
 *   without a limit).
 * Not modelled: the emulation's other answers (CHECK_EXTENSION before
 * SET_IOMMU, GET_INFO's capabilities, ENODEV before an attach); the
 * conformance suite's compat column states those on the real kernel.
 * Called with model.lock held; returns a value >= 0 or a negative errno.
 */

#include <errno.h>
#include <string.h>

#include "vfio_iommufd_uapi.h"
#include "vfio_model_priv.h"

void
vfio_model_set_iommufd_compat(bool on)
{
	model_set_knob(&model.iommufd_compat, on);
}

/* IOMMU_OPTION on the emulated container: RLIMIT_MODE GET only. */
static int
compat_option(void *arg)
{
	struct mv_iommu_option opt;

	if (model_copy_from_user(&opt, arg, sizeof(opt.size)) < 0)
		return -EFAULT;
	if (opt.size < sizeof(opt))
		return -EINVAL;
	if (model_copy_from_user(&opt, arg, sizeof(opt)) < 0)
		return -EFAULT;
	if (opt.reserved != 0 || opt.option_id != MV_IOMMU_OPTION_RLIMIT_MODE ||
			opt.object_id != 0)
		return -EOPNOTSUPP;
	/* setting it (CAP_SYS_RESOURCE, before any map) is not modelled */
	if (opt.op != MV_IOMMU_OPTION_OP_GET)
		return -EOPNOTSUPP;
	opt.val64 = 1;          /* IOPT_PAGES_ACCOUNT_MM: opened as /dev/vfio/vfio */
	return model_copy_to_user(&((struct mv_iommu_option *)arg)->val64,
		&opt.val64, sizeof(opt.val64)) < 0 ? -EFAULT : 0;
}

int
model_compat_ioctl(unsigned long request, void *arg)
{
	if (!model.iommufd_compat || request != MV_IOMMU_OPTION)
		return -ENOIOCTLCMD_MODEL;
	return compat_option(arg);
}

int
model_compat_pin(int pinned, bool *account)
{
	if (!model.iommufd_compat) {
		*account = pinned == 0;
		return 0;
	}
	/* pin_user_pages refuses PFNMAP where type1 follows the PFN */
	if (pinned == 1)
		return -EFAULT;
	*account = !model.cap_ipc_lock;
	return 0;
}
