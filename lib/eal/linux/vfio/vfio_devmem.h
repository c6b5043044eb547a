/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_DEVMEM_H_
#define _VFIO_DEVMEM_H_

/*
 * Device memory mapped through the plain user-map API
 * (rte_vfio_container_dma_map(), and rte_dev_dma_map() for an address the
 * bus does not know): recognised at map time, however its virtual address
 * was obtained, and given the device that owns it, so that it is unmapped
 * before that device goes (vfio_devmem.c).
 *
 * Such a record is VFIO_REC_DEVICE with an owner that carries
 * VFIO_OWNER_USER: the device's id, or VFIO_OWNER_UNKNOWN when the owner
 * could not be determined. The owned-map API (vfio_device_dma_map()) keeps
 * owners without that bit, so rte_vfio_container_dma_unmap() can tell the
 * two apart.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vfio_records.h"

struct vfio_container;

/* The owner bit of device memory mapped through the user-map API. */
#define VFIO_OWNER_USER (1ULL << 63)
/* Owner id of device memory whose device is unknown (with VFIO_OWNER_USER). */
#define VFIO_OWNER_UNKNOWN (VFIO_OWNER_USER - 1)

/* What the map-time look at the process's memory found (no lock held). */
struct vfio_devmem_probe {
	bool device;            /* a VMA of the range is VM_IO or VM_PFNMAP */
	char bdf[32];           /* the device a sysfs resourceN file names, or "" */
	char vma_file[128];     /* the file of the first such VMA, for log lines */
	bool vfio_file;         /* that file is a VFIO device fd ([vfio-device]) */
	uint64_t vma_off;       /* the file offset at vaddr (a VFIO region's) */
};

/*
 * Is [vaddr, vaddr + len) device memory? Heap and external memory (a
 * memseg list holds it) is answered without reading anything; any other
 * range by its VMAs' flags in /proc/self/smaps. Unreadable or uncovered:
 * not device memory (the kernel judges the map). Call without the VFIO
 * lock (it takes the memory hotplug lock, which comes first).
 */
void vfio_devmem_probe(uint64_t vaddr, uint64_t len,
		struct vfio_devmem_probe *p);

/*
 * Map device memory found by vfio_devmem_probe() as one unit of kind
 * VFIO_REC_DEVICE, then find its owner: the physical address the kernel
 * faulted in (/proc/self/pagemap) inside a BAR listed in sysfs, of a
 * device open through this EAL. An owner that cannot be determined makes
 * the unit VFIO_OWNER_UNKNOWN: one WARNING line; it goes at the release
 * or reset of any device, or the unbind of any group. On native iommufd
 * the device must be known first, since its BAR's dma-buf is what is
 * mapped (vfio_dmabuf.c): ENOTSUP with one line when it is not, or when
 * the kernel cannot export BARs. 0 or -1 with rte_errno (as a user map).
 */
int vfio_devmem_map_locked(struct vfio_container *cont,
		const struct vfio_devmem_probe *p, uint64_t vaddr, uint64_t iova,
		uint64_t len);

/*
 * A user unmap of [iova, iova + len) where nothing is mapped: when a
 * device's release removed device memory there, one ERR line says so and
 * -1 with ENOENT; else 0 (the caller's usual refusal follows).
 */
int vfio_devmem_check_unmap_locked(const struct vfio_container *cont,
		uint64_t vaddr, uint64_t iova, uint64_t len);

/*
 * Unmap the device memory of cont that device id (named dev) owns:
 * owned-map and user-map records, and those whose owner is unknown.
 * The user-map ones are remembered for vfio_devmem_check_unmap_locked().
 * 0, or -1 with rte_errno when the kernel kept one (it stays recorded).
 */
int vfio_devmem_release_locked(struct vfio_container *cont, uint64_t id,
		const char *dev);

/* The bus's resolver (vfio_device_ops.h), when one is set; else -1. */
int vfio_devmem_resolve_locked(uint64_t vaddr, uint64_t len, char *bdf,
		size_t size, unsigned int *bar, uint64_t *offset);

/* Device memory of unknown owner in cont goes (a group leaves it). */
int vfio_devmem_release_unknown_locked(struct vfio_container *cont);

/* The container goes: forget what was removed from it. */
void vfio_devmem_forget_locked(const struct vfio_container *cont);

/*
 * Tests: read these files instead of /proc/self/smaps and
 * /proc/self/pagemap (NULL: the real ones). A fake smaps alone decides
 * what is device memory (the madvise check is skipped).
 */
void vfio_devmem_set_proc(const char *smaps, const char *pagemap);

#endif /* _VFIO_DEVMEM_H_ */
