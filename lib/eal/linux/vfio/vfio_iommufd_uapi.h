/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_IOMMUFD_UAPI_H_
#define _VFIO_IOMMUFD_UAPI_H_

/*
 * The iommufd and VFIO device-cdev kernel interface, defined here because
 * the build hosts' kernel headers (Debian 12: linux-libc-dev 6.1) have no
 * <linux/iommufd.h> and no VFIO_DEVICE_BIND_IOMMUFD. Layouts and numbers
 * follow include/uapi/linux/iommufd.h and include/uapi/linux/vfio.h of
 * Linux 6.12 (checked against Debian's linux-source-6.12), and of 6.19
 * for IOMMU_IOAS_MAP_FILE of a dma-buf and VFIO's dma-buf export; the
 * mv_ prefix keeps them apart from a newer system header's own. A
 * MV_UAPI_LAYOUT after each struct pins the layout the kernel expects. Only
 * what this EAL uses is here. Every ioctl takes a pointer to a struct whose
 * first field is its size (iommufd) or argsz (VFIO), so the kernel can
 * tell newer callers from older ones.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

/*
 * struct mv_NAME has the layout of the kernel's NAME: its size, and the
 * offset of one member past the header. A change here is a change of ABI.
 */
#define MV_UAPI_LAYOUT(name, size, member, offset) \
	_Static_assert(sizeof(struct mv_##name) == (size) && \
		offsetof(struct mv_##name, member) == (offset), #name)

/* iommufd: ioctl type ';' (0x3b), commands from 0x80 */
#define MV_IOMMUFD_TYPE ';'

/* IOMMU_DESTROY: free one object (an IOAS) by its id */
struct mv_iommu_destroy {
	uint32_t size;
	uint32_t id;
};
MV_UAPI_LAYOUT(iommu_destroy, 8, id, 4);
#define MV_IOMMU_DESTROY _IO(MV_IOMMUFD_TYPE, 0x80)

/* IOMMU_IOAS_ALLOC: a new I/O address space; flags must be 0 */
struct mv_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};
MV_UAPI_LAYOUT(iommu_ioas_alloc, 12, out_ioas_id, 8);
#define MV_IOMMU_IOAS_ALLOC _IO(MV_IOMMUFD_TYPE, 0x81)

/* one valid IOVA range, last inclusive */
struct mv_iommu_iova_range {
	uint64_t start;
	uint64_t last;
};
MV_UAPI_LAYOUT(iommu_iova_range, 16, last, 8);

/*
 * IOMMU_IOAS_IOVA_RANGES: the ranges an IOAS may map, given the devices
 * attached so far. num_iovas in: room in allowed_iovas; out: how many
 * there are (EMSGSIZE when there was not room for all).
 */
struct mv_iommu_ioas_iova_ranges {
	uint32_t size;
	uint32_t ioas_id;
	uint32_t num_iovas;
	uint32_t reserved;
	uint64_t allowed_iovas; /* user pointer to struct mv_iommu_iova_range[] */
	uint64_t out_iova_alignment;
};
MV_UAPI_LAYOUT(iommu_ioas_iova_ranges, 32, allowed_iovas, 16);
#define MV_IOMMU_IOAS_IOVA_RANGES _IO(MV_IOMMUFD_TYPE, 0x84)

#define MV_IOMMU_IOAS_MAP_FIXED_IOVA (1u << 0)
#define MV_IOMMU_IOAS_MAP_WRITEABLE (1u << 1)
#define MV_IOMMU_IOAS_MAP_READABLE (1u << 2)

/* IOMMU_IOAS_MAP: [user_va, +length) at iova (FIXED_IOVA: as given) */
struct mv_iommu_ioas_map {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t reserved;
	uint64_t user_va;
	uint64_t length;
	uint64_t iova;
};
MV_UAPI_LAYOUT(iommu_ioas_map, 40, user_va, 16);
#define MV_IOMMU_IOAS_MAP _IO(MV_IOMMUFD_TYPE, 0x85)

/*
 * IOMMU_IOAS_UNMAP: whole areas within [iova, +length); length out: the
 * bytes unmapped. iova 0 with length UINT64_MAX unmaps everything.
 */
struct mv_iommu_ioas_unmap {
	uint32_t size;
	uint32_t ioas_id;
	uint64_t iova;
	uint64_t length;
};
MV_UAPI_LAYOUT(iommu_ioas_unmap, 24, iova, 8);
#define MV_IOMMU_IOAS_UNMAP _IO(MV_IOMMUFD_TYPE, 0x86)

/*
 * IOMMU_OPTION: read (op GET) or set an option of the iommufd (object_id
 * 0) or of an IOAS. RLIMIT_MODE: val64 1 when pinned pages are charged to
 * the mm's locked_vm (as VFIO type1 does), 0 when to the user's.
 */
struct mv_iommu_option {
	uint32_t size;
	uint32_t option_id;
	uint16_t op;
	uint16_t reserved;
	uint32_t object_id;
	uint64_t val64;
};
MV_UAPI_LAYOUT(iommu_option, 24, val64, 16);
#define MV_IOMMU_OPTION_RLIMIT_MODE 0
#define MV_IOMMU_OPTION_OP_GET 1
#define MV_IOMMU_OPTION _IO(MV_IOMMUFD_TYPE, 0x87)

/* VFIO device cdev: bind to an iommufd, attach to / detach from an IOAS */
struct mv_vfio_device_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
};
MV_UAPI_LAYOUT(vfio_device_bind_iommufd, 16, out_devid, 12);
#define MV_VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct mv_vfio_device_attach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pt_id;
};
MV_UAPI_LAYOUT(vfio_device_attach_iommufd_pt, 12, pt_id, 8);
#define MV_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

struct mv_vfio_device_detach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;
};
MV_UAPI_LAYOUT(vfio_device_detach_iommufd_pt, 8, flags, 4);
#define MV_VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)

/*
 * IOMMU_IOAS_MAP_FILE (Linux 6.13+; a VFIO dma-buf from 6.19): map
 * [start, start + length) of the file fd at iova, with the flags of
 * IOMMU_IOAS_MAP. iommufd takes its own reference on the file, so the
 * caller may close fd once the call returns. A kernel without it answers
 * ENOTTY; a revoked dma-buf ENODEV.
 */
struct mv_iommu_ioas_map_file {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	int32_t fd;
	uint64_t start;
	uint64_t length;
	uint64_t iova;
};
MV_UAPI_LAYOUT(iommu_ioas_map_file, 40, start, 16);
#define MV_IOMMU_IOAS_MAP_FILE _IO(MV_IOMMUFD_TYPE, 0x8f)

/*
 * VFIO_DEVICE_FEATURE_DMA_BUF (Linux 6.19+), a feature of VFIO_DEVICE_FEATURE
 * (struct vfio_device_feature, in <linux/vfio.h> since 5.7): with
 * VFIO_DEVICE_FEATURE_GET, export ranges of one BAR (region_index 0-5;
 * offsets and lengths page-aligned) as a dma-buf; the ioctl returns its
 * new fd, opened with open_flags. With VFIO_DEVICE_FEATURE_PROBE it only
 * says whether the device can (0). Before 6.19: ENOTTY; a vfio-pci
 * variant driver that exports no BAR: EOPNOTSUPP. The dma-buf is revoked
 * (its importers lose access) while the device's memory decode is off or
 * it is reset, and for good when the device is closed.
 */
#define MV_VFIO_DEVICE_FEATURE_DMA_BUF 11

struct mv_vfio_region_dma_range {
	uint64_t offset;
	uint64_t length;
};
MV_UAPI_LAYOUT(vfio_region_dma_range, 16, length, 8);

struct mv_vfio_device_feature_dma_buf {
	uint32_t region_index;
	uint32_t open_flags;
	uint32_t flags;                 /* 0 */
	uint32_t nr_ranges;
	struct mv_vfio_region_dma_range dma_ranges[];
};
MV_UAPI_LAYOUT(vfio_device_feature_dma_buf, 16, dma_ranges, 16);

#endif /* _VFIO_IOMMUFD_UAPI_H_ */
