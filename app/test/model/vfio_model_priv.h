/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_MODEL_PRIV_H_
#define _VFIO_MODEL_PRIV_H_

/*
 * Shared state of the VFIO type1 model (vfio_model*.c). Everything here is
 * protected by model.lock (see vfio_model.c); the helpers expect it held.
 * Model functions return 0/a value or a negative errno, as the kernel's do;
 * only the backend entry points turn that into -1 and errno.
 */

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vfio_model.h"
#include "vfio_model_store.h"

#define MODEL_MAX_GROUPS 64
#define MODEL_MAX_DEVICES 4
#define MODEL_NAME_LEN 64

/* Every device's BAR0 (edu: 1 MiB of MMIO); region index << 40 is its offset. */
#define MODEL_BAR0_SIZE (1ULL << 20)
#define MODEL_REGION_SHIFT 40

/* The x86 interrupt window every VT-d/AMD-Vi group reserves. */
#define MODEL_MSI_START 0xfee00000ULL
#define MODEL_MSI_LAST 0xfeefffffULL

struct model_container;

/*
 * One ioctl of a model fd, as iommufd's own table is (drivers/iommu/iommufd/
 * main.c): the request and its handler, which takes the fd's object (a
 * container, group, iommufd context or cdev; NULL for a device) and the
 * caller's argument and returns >= 0 or a negative errno. Each fd type has
 * its table (a container two: before and after VFIO_SET_IOMMU);
 * model_ioctl_find() looks a request up in any of them.
 */
struct model_ioctl_op {
	unsigned long request;
	int (*fn)(void *obj, void *arg);
};

/* The op of request in ops[0..n), or NULL: the fd type has no such ioctl. */
static inline const struct model_ioctl_op *
model_ioctl_find(const struct model_ioctl_op *ops, size_t n,
		unsigned long request)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ops[i].request == request)
			return &ops[i];
	return NULL;
}

/* Run request from ops on obj; ENOTTY, as the kernel, when it is none of them. */
static inline int
model_ioctl_run(const struct model_ioctl_op *ops, size_t n, void *obj,
		unsigned long request, void *arg)
{
	const struct model_ioctl_op *op = model_ioctl_find(ops, n, request);

	return op != NULL ? op->fn(obj, arg) : -ENOTTY;
}

/* What a model fd is. */
enum model_fd_kind {
	MODEL_FD_FREE = 0,
	MODEL_FD_CONTAINER,
	MODEL_FD_GROUP,
	MODEL_FD_DEVICE,
	MODEL_FD_IOMMUFD,   /* /dev/iommu */
	MODEL_FD_CDEV,      /* /dev/vfio/devices/vfioN */
	MODEL_FD_DMABUF,    /* a BAR range VFIO exported (VFIO_DEVICE_FEATURE) */
};

struct model_group {
	bool present;
	int num;
	unsigned int n_devices;
	char devices[MODEL_MAX_DEVICES][MODEL_NAME_LEN];
	int cdev[MODEL_MAX_DEVICES];        /* vfioN of the device, -1: none */
	char other_driver[MODEL_NAME_LEN];  /* "" when every device is on vfio-pci */
	unsigned int aperture_bits;
	uint64_t pgsize_bitmap;
	bool msi_window;
	/* the device's memory decode is off: its dma-bufs are revoked */
	bool decode_off[MODEL_MAX_DEVICES];
	/* the group file lives while its fd or a device fd is open */
	bool file_open;
	int fd;                             /* -1 once the group fd is closed */
	unsigned int devices_open;
	struct model_container *container;
};

struct model_container {
	int fd;                             /* -1 once the container fd is closed */
	unsigned int n_groups;
	bool iommu_set;
	bool v2;
	bool dirty_tracking;
	unsigned int dma_limit;            /* dma_entry_limit read at SET_IOMMU */
	unsigned int dma_avail;
	unsigned int invalid_count;         /* DMAs with an invalidated vaddr */
	struct model_store dmas;            /* the vfio_dmas, valid while iommu_set */
	struct model_container *next;
};

struct model_state {
	pthread_mutex_t lock;
	struct model_group groups[MODEL_MAX_GROUPS];
	struct model_container *containers;
	/* knobs */
	unsigned int dma_entry_limit;
	bool memlock_set;
	uint64_t memlock_limit;
	bool cap_ipc_lock;
	bool v2_supported;
	bool dma_avail_cap;                 /* GET_INFO reports DMA_AVAIL */
	bool iommufd_compat;                /* the container is iommufd's emulation */
	/* process-wide pinned memory, the model's mm->locked_vm */
	uint64_t locked_bytes;
	/* pinned by iommufd IOASes (charged to the user, not to locked_vm) */
	uint64_t iommufd_pinned;
	int next_cdev;                      /* the next device's vfioN */
	enum vfio_model_kernel kernel;      /* which kernel's answers */
	bool iommufd_usable;                /* the EAL may choose cdev mode */
	bool bar_export;                    /* 6.19: vfio-pci exports BARs */
	size_t page_size;
};

extern struct model_state model;
/* A bool knob of the model set under its lock (the vfio_model_set_*() of flags). */
void model_set_knob(bool *knob, bool on);

/* vfio_model_iommu.c: the type1 driver behind a container fd */
int model_container_ioctl(struct model_container *c, unsigned long request,
		void *arg);
int model_iommu_attach_check(struct model_container *c,
		const struct model_group *g);
void model_iommu_release(struct model_container *c);
/* RLIMIT_MEMLOCK as the model's type1 sees it (the knob, else the process's) */
uint64_t model_memlock_limit(void);

/*
 * vfio_model_compat.c: where iommufd's emulation of the container differs.
 * model_compat_ioctl: an iommufd ioctl on the container fd, or
 * -ENOIOCTLCMD_MODEL when it is none the emulation answers. model_compat_pin:
 * what pinning (model_pin_check()'s answer) gives: 0 and whether the pages
 * are charged, or a negative errno.
 */
#define ENOIOCTLCMD_MODEL 515
int model_compat_ioctl(unsigned long request, void *arg);
int model_compat_pin(int pinned, bool *account);

/* vfio_model.c: the fd table and the device fd's ioctls */
int model_fd_object(int fd, void **obj);     /* the kind, or -1 */

/* The fd table of vfio_model.c: what a model fd stands for. */
struct fd_slot {
	enum model_fd_kind kind;
	void *obj;     /* container or group (MODEL_FD_GROUP and MODEL_FD_DEVICE) */
};
struct fd_slot *model_slot_of(int fd);          /* NULL: not a model fd */
int model_new_fd(enum model_fd_kind kind, void *obj);
void model_group_detach(struct model_group *g);
bool model_group_viable(const struct model_group *g);
int model_group_ioctl(struct model_group *g, unsigned long request, void *arg);
int model_device_ioctl(unsigned long request, void *arg);

/* vfio_model_iommufd.c: native iommufd and VFIO device cdevs */
int model_iommufd_create(void **obj);
void model_iommufd_set_fd(void *obj, int fd);
void model_iommufd_close(void *obj);
int model_iommufd_ioctl(void *obj, unsigned long request, void *arg);
int model_cdev_open(int num, void **obj);
void model_cdev_close(void *obj);
void model_cdev_ref(void *obj);
int model_cdev_ioctl(void *obj, unsigned long request, void *arg);
bool model_group_cdev_bound(const struct model_group *g);
void model_iommufd_reset(void);
int model_iommufd_check(void);
int model_ioas_walk(void *obj, uint32_t ioas_id,
		void (*fn)(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg),
		void *arg);

/* vfio_model_dmabuf.c: VFIO's dma-buf export of a BAR range (6.19) */
struct model_dmabuf {
	bool used;
	struct model_group *g;      /* the exporting device: g->devices[dev] */
	unsigned int dev;
	uint32_t bar;
	uint64_t offset, length;    /* the first range, and the total */
	uint32_t nr_ranges;
	bool dead;                  /* its device was closed */
};
/* VFIO_DEVICE_FEATURE on a cdev of device dev of g: an fd, 0 or -errno */
int model_cdev_feature(struct model_group *g, unsigned int dev, void *arg);
/* the dma-buf behind fd, or NULL (not a dma-buf of the model) */
struct model_dmabuf *model_dmabuf_of_fd(int fd);
void model_dmabuf_close(void *obj);
/* device dev of g is closed: its dma-bufs and their areas die */
void model_dmabuf_device_closed(const struct model_group *g, unsigned int dev);
void model_dmabuf_reset(void);
/* whether a dma-buf area of iommufd no longer reaches its BAR */
bool model_area_revoked(const struct model_dma *a);
/* vfio_model_iommufd.c: mark the areas of device dev's dma-bufs dead */
void model_iommufd_revoke_device(const struct model_group *g, unsigned int dev);
/* the dma-buf areas of an IOAS, *live of them not revoked; -ENOENT */
int model_ioas_dmabuf_areas(void *obj, uint32_t ioas_id, unsigned int *live);

/* vfio_model_user.c: user memory access as the kernel does it */
int model_copy_from_user(void *dst, const void *src, size_t len);
int model_copy_to_user(void *dst, const void *src, size_t len);
char *model_strndup_user(const void *src, size_t max);
/*
 * The VFIO ioctl frame: read the first minsz bytes of a struct that starts
 * with its u32 argsz into dst (size bytes, the rest zeroed). EFAULT, EINVAL
 * when argsz < minsz, else how much of dst the caller's struct holds
 * (min(argsz, size)): what the answer may copy back.
 */
int model_vfio_cmd_in(void *dst, size_t size, size_t minsz, const void *arg);
int model_pin_check(uint64_t vaddr, uint64_t len, bool write);

/* vfio_model_sysfs.c: the fake sysfs tree */
int model_sysfs_create(void);
void model_sysfs_remove(void);
int model_sysfs_add_group(const struct model_group *g);
const char *model_sysfs_root(void);

#endif /* _VFIO_MODEL_PRIV_H_ */
