/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_MODEL_H_
#define _VFIO_MODEL_H_

/*
 * A userspace model of the kernel's VFIO type1 (v1 and v2) driver and of
 * native iommufd with VFIO device cdevs, for unit tests: the same ioctls, the same order of checks and the same errno
 * values as Linux 6.12 (see doc/guides/model.rst), or 6.19 for device
 * memory on iommufd (VFIO's dma-buf export, IOMMU_IOAS_MAP_FILE), plus
 * knobs for what depends on hardware and fault injection.
 *
 * The model also builds a fake sysfs tree (iommu groups, PCI devices and
 * their drivers) in a temporary directory and points eal_set_sysfs_root()
 * at it, so group and device lookups work without hardware.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vfio_backend.h"

extern const struct vfio_backend vfio_backend_model;

/* Hardware-dependent properties of one IOMMU group. */
struct vfio_model_group_cfg {
	int group_num;
	const char *devices[4];       /* PCI addresses in the group (NULL-terminated) */
	const char *other_driver;     /* if set, devices[1] is bound to this host driver: not viable */
	unsigned int aperture_bits;   /* IOVA width: 39, 48, 64; 0 means 48 */
	uint64_t pgsize_bitmap;       /* 0 means 0x40201000 (VT-d) */
	bool msi_window;              /* reserve 0xfee00000-0xfeefffff (x86) */
};

/* Start from nothing: no groups, no open fds, default knobs. */
void vfio_model_reset(void);

/* Add a group (and its devices, bound to vfio-pci, in the fake sysfs). */
int vfio_model_add_group(const struct vfio_model_group_cfg *cfg);

/* The fake sysfs root the model built. */
const char *vfio_model_sysfs_root(void);

/* Knobs (effective from the next SET_IOMMU where the kernel reads them then). */
void vfio_model_set_dma_entry_limit(unsigned int limit);
void vfio_model_set_memlock_limit(uint64_t bytes);  /* UINT64_MAX: unlimited */
void vfio_model_set_cap_ipc_lock(bool has_cap);
void vfio_model_set_type1v2_supported(bool supported); /* false: only v1 is offered */
/* false: GET_INFO has no DMA_AVAIL capability (kernels before 5.10) */
void vfio_model_set_dma_avail_cap(bool reported);
/*
 * true: the container is iommufd's emulation of type1 (IOMMUFD_VFIO_CONTAINER):
 * it answers IOMMU_OPTION, refuses device memory (EFAULT) and charges
 * nothing to a process with CAP_IPC_LOCK (vfio_model_compat.c).
 */
void vfio_model_set_iommufd_compat(bool on);

/*
 * Which kernel the model answers as where kernels differ for device
 * memory on iommufd: 6.12 (the default, the kernel the VM rig builds) has
 * neither VFIO's dma-buf export (VFIO_DEVICE_FEATURE DMA_BUF) nor
 * IOMMU_IOAS_MAP_FILE: ENOTTY; 6.19 has both (reference iommufd.md).
 */
enum vfio_model_kernel {
	VFIO_MODEL_LINUX_6_12 = 0,
	VFIO_MODEL_LINUX_6_19,
};
void vfio_model_set_kernel(enum vfio_model_kernel k);
/*
 * Let the EAL choose cdev mode (its iommufd backend) on the model, as it
 * does where the kernel has /dev/iommu and device cdevs; off by default
 * (the model then serves the EAL as type1 only).
 */
void vfio_model_set_iommufd(bool usable);
/* 6.19: false makes the devices' driver export no BAR (EOPNOTSUPP). */
void vfio_model_set_bar_export(bool exports);
/*
 * Memory decode of device bdf (its PCI command register): off revokes its
 * dma-bufs (an iommufd area of one stops reaching the BAR; a new map of
 * one is ENODEV), on restores them. 0, or -1 with rte_errno ENOENT.
 */
int vfio_model_set_memory_decode(const char *bdf, bool on);

/* Fault injection: the nth (1-based) following call of ioctl request
 * `request` (0: any ioctl) fails with err. n = 0 disarms. */
void vfio_model_fail_nth(unsigned long request, unsigned int n, int err);

/* Observations for tests. */
unsigned int vfio_model_mapping_count(int container_fd);
uint64_t vfio_model_mapped_bytes(int container_fd);
bool vfio_model_is_mapped(int container_fd, uint64_t iova, uint64_t len);
uint64_t vfio_model_locked_bytes(void);
unsigned long vfio_model_ioctl_count(unsigned long request);
/* opens and ioctls received since the process started; never reset */
unsigned long vfio_model_calls(void);

/*
 * Verify the model's invariants over every container: record tree shape,
 * DMA budget (avail + mappings == the limit read at SET_IOMMU, valid while
 * the knob is unchanged), vaddr-invalid count, locked bytes == sum of
 * mappings. Returns 0, or -1 with rte_errno EFAULT.
 */
int vfio_model_check(void);

/* Call fn for each kernel mapping of the container in IOVA order (under
 * the model's lock: fn must not call the model). */
void vfio_model_walk(int container_fd,
		void (*fn)(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg),
		void *arg);

/*
 * Native iommufd (vfio_model_iommufd.c): "/dev/iommu" opens an iommufd,
 * "/dev/vfio/devices/vfioN" a device cdev (N is in the fake sysfs under
 * bus/pci/devices/<bdf>/vfio-dev/). Bytes pinned by IOASes that have a
 * device attached (iommufd charges the user, not the mm's locked_vm, so
 * they are not in vfio_model_locked_bytes()), and the areas of an IOAS in
 * IOVA order (fn may be NULL): their count, or -1 with rte_errno ENOENT
 * when the fd or the IOAS id is not the model's.
 */
uint64_t vfio_model_iommufd_pinned_bytes(void);
int vfio_model_ioas_walk(int iommufd_fd, uint32_t ioas_id,
		void (*fn)(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg),
		void *arg);

/*
 * The dma-buf areas (IOMMU_IOAS_MAP_FILE) of an IOAS: their count, and in
 * *live how many still reach their BAR (not revoked); -1 with rte_errno
 * ENOENT when the fd or the IOAS is not the model's. And how many dma-buf
 * fds are open (exported, not yet closed).
 */
int vfio_model_ioas_dmabuf_areas(int iommufd_fd, uint32_t ioas_id,
		unsigned int *live);
unsigned int vfio_model_dmabufs_open(void);

#endif /* _VFIO_MODEL_H_ */
