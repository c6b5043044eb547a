/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which VFIO interface the EAL uses: device cdevs in an iommufd IOAS (the
 * kernel's current interface) or groups in a type1 container (the legacy
 * one). Chosen once at rte_eal_init(): --vfio-mode forces one; otherwise
 * iommufd when the kernel offers both /dev/iommu and device cdevs, else
 * the group path. The choice and its reason are logged (INFO), so that a
 * user can tell which kernel interface a refusal came from.
 *
 * The automatic choice takes iommufd (VFIO_AUTO_PREFERS_CDEV) since the
 * cdev path passed every DMA-proof autotest, the page-table check and the
 * conformance suite on a kernel with iommufd (the VM rig's config iommufd).
 */

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_iommufd.h"
#include "vfio_private.h"

/*
 * Whether the automatic choice takes iommufd when it is usable (0: groups
 * unless --vfio-mode=cdev). On since the cdev path was proven in the VM.
 */
#define VFIO_AUTO_PREFERS_CDEV 1

static const struct vfio_iommu_ops *chosen = &vfio_iommu_type1_ops;

/* Why iommufd cannot be used here; NULL when it can. */
static const char *
iommufd_unusable(void)
{
	struct stat st;

	if (vfio_backend() != &vfio_backend_kernel)
		return vfio_backend()->iommufd_present != NULL &&
			vfio_backend()->iommufd_present() ? NULL :
			"the VFIO model of the tests speaks type1 only (unless a test turns its iommufd on)";
	if (stat(VFIO_IOMMUFD_PATH, &st) != 0 || !S_ISCHR(st.st_mode))
		return "no " VFIO_IOMMUFD_PATH " (a kernel without CONFIG_IOMMUFD)";
	if (stat(VFIO_CDEV_DIR, &st) != 0 || !S_ISDIR(st.st_mode))
		return "no " VFIO_CDEV_DIR " (a kernel without CONFIG_VFIO_DEVICE_CDEV, or no device bound to vfio-pci)";
	return NULL;
}

int
vfio_mode_select(void)
{
	int req = eal_get_internal_config()->vfio_mode;
	const char *why = iommufd_unusable();

	chosen = &vfio_iommu_type1_ops;
	if (req == RTE_VFIO_MODE_GROUP) {
		EAL_LOG(INFO, "VFIO: group mode (type1 container), as --vfio-mode=group asks");
		return 0;
	}
	if (why == NULL && req != RTE_VFIO_MODE_CDEV && !VFIO_AUTO_PREFERS_CDEV) {
		EAL_LOG(INFO, "VFIO: group mode (type1 container); the kernel also offers iommufd (%s, device cdevs): --vfio-mode=cdev uses it, it is not yet the automatic choice",
			VFIO_IOMMUFD_PATH);
		return 0;
	}
	if (why == NULL) {
		chosen = &vfio_iommu_iommufd_ops;
		EAL_LOG(INFO, "VFIO: cdev mode (iommufd): %s %s and device cdevs in %s%s",
			req == RTE_VFIO_MODE_CDEV ? "--vfio-mode=cdev asks, and the kernel offers" :
			"the kernel offers", VFIO_IOMMUFD_PATH, VFIO_CDEV_DIR,
			req == RTE_VFIO_MODE_CDEV ? "" :
			" (--vfio-mode=group for the legacy type1 container, e.g. peer-to-peer maps of a BAR)");
		return 0;
	}
	if (req == RTE_VFIO_MODE_CDEV) {
		EAL_LOG(ERR, "VFIO: --vfio-mode=cdev cannot be used: %s; use --vfio-mode=group (ENOTSUP)",
			why);
		return eal_fail(ENOTSUP);
	}
	EAL_LOG(INFO, "VFIO: group mode (type1 container): iommufd is not usable: %s", why);
	return 0;
}

bool
vfio_mode_is_cdev(void)
{
	return chosen->cdev;
}

const struct vfio_iommu_ops *
vfio_iommu_default_ops(void)
{
	return chosen;
}

enum rte_vfio_mode
rte_vfio_get_mode(void)
{
	if (!vfio_available())
		return RTE_VFIO_MODE_NONE;
	if (chosen->cdev)
		return RTE_VFIO_MODE_CDEV;
	if (rte_vfio_noiommu_is_enabled() == 1)
		return RTE_VFIO_MODE_NOIOMMU;
	return RTE_VFIO_MODE_GROUP;
}
