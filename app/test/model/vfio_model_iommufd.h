/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _VFIO_MODEL_IOMMUFD_H_
#define _VFIO_MODEL_IOMMUFD_H_

/*
 * What the model's native iommufd shares between its two files:
 * vfio_model_iommufd.c (/dev/iommu contexts, IOAS objects and their
 * ioctls) and vfio_model_cdev.c (VFIO device cdevs bound to a context and
 * attached to an IOAS). Called with model.lock held; functions return a
 * value >= 0 or a negative errno, as the kernel's handlers do.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vfio_model_priv.h"

#define MODEL_MAX_IOAS 16
#define MODEL_MAX_CDEVS 16
#define MODEL_MAX_RANGES 3
#define UNMAP_ALL_LENGTH UINT64_MAX

struct model_ioas {
	uint32_t id;
	unsigned int n_attached;
	struct model_store areas;
};

struct model_iommufd {
	int fd;                     /* -1 once closed */
	unsigned int users;         /* bound cdevs keep the context alive */
	struct model_ioas *ioas[MODEL_MAX_IOAS];
};

struct model_cdev {
	bool used;
	unsigned int refs;          /* open fds of it (dup) */
	struct model_group *g;
	unsigned int dev;           /* index in g->devices */
	struct model_iommufd *ictx; /* bound to; NULL before BIND */
	uint32_t devid;
	struct model_ioas *pt;      /* attached to; NULL when detached */
};

/* every open cdev fd of the model (vfio_model_cdev.c) */
extern struct model_cdev model_cdevs[MODEL_MAX_CDEVS];

/* ---- vfio_model_iommufd.c: objects the cdevs use ---- */
struct model_ioas *model_ioas_get(struct model_iommufd *ictx, uint32_t id);
/* whether id names a device bound to ictx (ids share one space) */
bool model_iommufd_is_devid(const struct model_iommufd *ictx, uint32_t id);
/* the lowest free object id from 1, as the kernel's xarray gives */
uint32_t model_iommufd_alloc_id(const struct model_iommufd *ictx);
/* [iova, last] inside the ranges of ioas with extra's device attached too */
bool model_ioas_in_ranges(const struct model_ioas *ioas,
		const struct model_group *extra, uint64_t iova, uint64_t last);
/* pin an area's pages (EFAULT) and charge them (ENOMEM over the limit) */
int model_ioas_pin_area(const struct model_dma *a);
/* the last domain gone: uncharge every area, the areas stay */
void model_ioas_unpin(struct model_ioas *ioas);
/* free a context once it is closed and no cdev is bound to it */
void model_iommufd_put(struct model_iommufd *ictx);

#endif /* _VFIO_MODEL_IOMMUFD_H_ */
