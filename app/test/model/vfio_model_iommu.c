/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The type1 IOMMU driver of the model: what a container fd does once the
 * ioctl reaches vfio_iommu_type1 (CHECK_EXTENSION, SET_IOMMU, GET_INFO,
 * MAP_DMA, UNMAP_DMA, DIRTY_PAGES). The numbered steps follow the order of
 * checks of Linux 6.12 (reference sections 1-4), because callers can tell
 * the order apart by the errno. Called with model.lock held; returns a
 * value >= 0 or a negative errno.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <linux/vfio.h>

#include <rte_common.h>

#include "vfio_model_priv.h"

#define DIRTY_BITMAP_SIZE_MAX 0x10000000ULL
#define MAX_RANGES 2

struct iova_ranges {
	unsigned int n;
	uint64_t start[MAX_RANGES];
	uint64_t last[MAX_RANGES];
};

static bool
group_in(const struct model_group *g, const struct model_container *c,
		const struct model_group *extra)
{
	return g->present && (g->container == c || g == extra);
}

/*
 * The container's valid IOVA list: the intersection of the groups'
 * apertures minus their reserved (MSI) windows; extra is a group about to
 * join. n == 0 when no group remains or nothing is left.
 */
static void
container_ranges(const struct model_container *c,
		const struct model_group *extra, struct iova_ranges *r)
{
	uint64_t top = UINT64_MAX;
	bool any = false, msi = false;
	unsigned int i;

	r->n = 0;
	for (i = 0; i < MODEL_MAX_GROUPS; i++) {
		const struct model_group *g = &model.groups[i];
		unsigned int bits;

		if (!group_in(g, c, extra))
			continue;
		any = true;
		bits = g->aperture_bits != 0 ? g->aperture_bits : 48;
		if (bits < 64)
			top = RTE_MIN(top, (1ULL << bits) - 1);
		msi |= g->msi_window;
	}
	if (!any)
		return;
	if (msi && top >= MODEL_MSI_START) {
		r->start[r->n] = 0;
		r->last[r->n++] = MODEL_MSI_START - 1;
		if (top > MODEL_MSI_LAST) {
			r->start[r->n] = MODEL_MSI_LAST + 1;
			r->last[r->n++] = top;
		}
	} else {
		r->start[r->n] = 0;
		r->last[r->n++] = top;
	}
}

/* AND of the groups' page sizes, sub-page bits hidden, PAGE_SIZE forced. */
static uint64_t
container_pgsizes(const struct model_container *c)
{
	uint64_t bitmap = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < MODEL_MAX_GROUPS; i++) {
		const struct model_group *g = &model.groups[i];

		if (group_in(g, c, NULL))
			bitmap &= g->pgsize_bitmap != 0 ? g->pgsize_bitmap : 0x40201000ULL;
	}
	bitmap &= ~(uint64_t)(model.page_size - 1);
	return bitmap | model.page_size;
}

static uint64_t
min_pgsize(const struct model_container *c)
{
	uint64_t bitmap = container_pgsizes(c);

	return bitmap & -bitmap;
}

static bool
range_valid(const struct iova_ranges *r, uint64_t iova, uint64_t last)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (iova >= r->start[i] && last <= r->last[i])
			return true;
	return false;
}

/* VFIO_GET_API_VERSION: the argument is unused */
static int
api_version(void *obj __rte_unused, void *arg __rte_unused)
{
	return VFIO_API_VERSION;
}

/* VFIO_CHECK_EXTENSION: the argument is the extension, by value */
static int
check_extension(void *obj, void *arg)
{
	const struct model_container *c = obj;

	switch ((unsigned long)(uintptr_t)arg) {
	case VFIO_TYPE1v2_IOMMU:
		return model.v2_supported ? 1 : 0;
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1_NESTING_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_UPDATE_VADDR:
		/* needs the driver's data: no emulated (mdev) groups modelled */
		return c->iommu_set ? 1 : 0;
	case VFIO_DMA_CC_IOMMU:
		/* QEMU's intel-iommu offers no snoop control: never coherent */
		return 0;
	default:
		return 0;
	}
}

/* VFIO_SET_IOMMU: the argument is the driver's type, by value */
static int
set_iommu(void *obj, void *arg)
{
	const unsigned long type = (unsigned long)(uintptr_t)arg;
	struct model_container *c = obj;
	struct iova_ranges r;

	if (c->n_groups == 0 || c->iommu_set)
		return -EINVAL;
	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1_NESTING_IOMMU &&
			(type != VFIO_TYPE1v2_IOMMU || !model.v2_supported))
		return -ENODEV;
	/* attach_group: VT-d and AMD-Vi cannot nest (no enable_nesting) */
	if (type == VFIO_TYPE1_NESTING_IOMMU)
		return -EINVAL;
	container_ranges(c, NULL, &r);
	if (r.n == 0)
		return -EINVAL;
	model_store_init(&c->dmas);
	c->iommu_set = true;
	c->v2 = type == VFIO_TYPE1v2_IOMMU;
	c->dma_limit = model.dma_entry_limit;
	c->dma_avail = c->dma_limit;
	c->invalid_count = 0;
	c->dirty_tracking = false;
	return 0;
}

/* Remove vfio_dma i whole: unpin, unaccount, give its entry back. */
static void
remove_dma(struct model_container *c, size_t i)
{
	const struct model_dma *dma = &c->dmas.v[i];

	if (dma->accounted)
		model.locked_bytes -= dma->size;
	if (dma->vaddr_invalid)
		c->invalid_count--;
	c->dma_avail++;
	model_store_remove(&c->dmas, i);
}

void
model_iommu_release(struct model_container *c)
{
	if (!c->iommu_set)
		return;
	while (c->dmas.n > 0)
		remove_dma(c, c->dmas.n - 1);
	model_store_fini(&c->dmas);
	c->iommu_set = false;
	c->invalid_count = 0;
}

/* attach_group of a group joining a container whose IOMMU is set (5.3). */
int
model_iommu_attach_check(struct model_container *c, const struct model_group *g)
{
	struct iova_ranges r;
	size_t i;

	if (!c->iommu_set)
		return 0;
	if (c->invalid_count > 0)
		return -EBUSY;
	container_ranges(c, g, &r);
	if (r.n == 0)
		return -EINVAL;
	/* existing mappings must fit the narrowed list (aperture, MSI) */
	for (i = 0; i < c->dmas.n; i++)
		if (!range_valid(&r, c->dmas.v[i].iova,
				model_dma_last(&c->dmas.v[i])))
			return -EINVAL;
	return 0;
}

/* ---- VFIO_IOMMU_GET_INFO (4.2) ---- */

struct cap_dma_avail_padded {
	struct vfio_iommu_type1_info_dma_avail cap;
	uint32_t pad;
};

/* The IOVA_RANGE cap without its flexible array, to embed it. */
struct cap_iova_fixed {
	struct vfio_info_cap_header header;
	uint32_t nr_iovas;
	uint32_t reserved;
};

_Static_assert(sizeof(struct cap_iova_fixed) ==
	offsetof(struct vfio_iommu_type1_info_cap_iova_range, iova_ranges),
	"IOVA_RANGE cap header layout");

/* The cap chain as type1 lays it out: each cap 8-byte aligned. */
struct info_caps {
	struct vfio_iommu_type1_info_cap_migration mig;
	struct cap_dma_avail_padded avail;
	struct cap_iova_fixed iova;
	struct vfio_iova_range ranges[MAX_RANGES];
};

_Static_assert(sizeof(struct vfio_iommu_type1_info_cap_migration) == 32,
	"MIGRATION cap is 32 bytes");
_Static_assert(offsetof(struct info_caps, iova) == 48,
	"IOVA_RANGE cap starts 48 bytes into the chain");
_Static_assert(offsetof(struct info_caps, ranges) == 64,
	"IOVA ranges start 64 bytes into the chain");

static int
get_info(void *obj, void *arg)
{
	struct model_container *c = obj;
	struct vfio_iommu_type1_info info;
	struct info_caps caps;
	struct iova_ranges r;
	size_t caps_size;
	unsigned int i;
	int copy;

	copy = model_vfio_cmd_in(&info, sizeof(info),
		offsetof(struct vfio_iommu_type1_info, cap_offset), arg);
	if (copy < 0)
		return copy;
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = container_pgsizes(c);
	info.cap_offset = 0;

	/* the chain, offsets relative to the info struct (already shifted) */
	container_ranges(c, NULL, &r);
	memset(&caps, 0, sizeof(caps));
	caps.mig.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
	caps.mig.header.version = 1;
	/* a kernel before 5.10 has no DMA_AVAIL: the chain skips it */
	caps.mig.header.next = model.dma_avail_cap ?
		sizeof(info) + offsetof(struct info_caps, avail) : 0;
	caps.mig.flags = 0;
	caps.mig.pgsize_bitmap = min_pgsize(c);
	caps.mig.max_dirty_bitmap_size = DIRTY_BITMAP_SIZE_MAX;
	caps.avail.cap.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	caps.avail.cap.header.version = 1;
	caps.avail.cap.avail = c->dma_avail;
	caps_size = offsetof(struct info_caps, iova);
	if (r.n > 0) {
		caps.avail.cap.header.next = sizeof(info) + caps_size;
		if (!model.dma_avail_cap)
			caps.mig.header.next = sizeof(info) + caps_size;
		caps.iova.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
		caps.iova.header.version = 1;
		caps.iova.nr_iovas = r.n;
		for (i = 0; i < r.n; i++) {
			caps.ranges[i].start = r.start[i];
			caps.ranges[i].end = r.last[i];
		}
		caps_size = offsetof(struct info_caps, ranges) +
			r.n * sizeof(struct vfio_iova_range);
	}
	if (info.argsz < sizeof(info) + caps_size) {
		info.argsz = sizeof(info) + caps_size;
	} else {
		if (model_copy_to_user((char *)arg + sizeof(info), &caps,
				caps_size) < 0)
			return -EFAULT;
		info.cap_offset = sizeof(info);
	}
	return model_copy_to_user(arg, &info, copy) < 0 ? -EFAULT : 0;
}

/* ---- VFIO_IOMMU_MAP_DMA (2.1) ---- */

uint64_t
model_memlock_limit(void)
{
	struct rlimit rl;

	if (model.memlock_set)
		return model.memlock_limit;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur;
}

static int
map_vaddr_update(struct model_container *c,
		const struct vfio_iommu_type1_dma_map *map)
{
	struct model_dma *dma;
	size_t i;

	i = model_store_first_overlap(&c->dmas, map->iova,
		map->iova + map->size - 1);
	if (i == c->dmas.n)
		return -ENOENT;
	dma = &c->dmas.v[i];
	if (!dma->vaddr_invalid || dma->iova != map->iova ||
			dma->size != map->size)
		return -EINVAL;
	dma->vaddr = map->vaddr;
	dma->vaddr_invalid = false;
	c->invalid_count--;
	return 0;
}

static int
map_dma(void *obj, void *arg)
{
	struct model_container *c = obj;
	const uint32_t known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
		VFIO_DMA_MAP_FLAG_VADDR;
	struct vfio_iommu_type1_dma_map map;
	struct model_dma dma;
	struct iova_ranges r;
	uint64_t pgsize, limit, pgmask;
	uint32_t prot;
	bool account;
	int pinned, ret;

	/* 1-2: the fixed struct, argsz, unknown flags */
	if (model_copy_from_user(&map, arg, sizeof(map)) < 0)
		return -EFAULT;
	if (map.argsz < sizeof(map) || (map.flags & ~known))
		return -EINVAL;
	/* 4: exactly one of "a protection" and "VADDR" */
	prot = map.flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if ((prot != 0) == !!(map.flags & VFIO_DMA_MAP_FLAG_VADDR))
		return -EINVAL;
	/* 5: alignment to the smallest IOMMU page */
	pgsize = min_pgsize(c);
	pgmask = pgsize - 1;
	if (map.size == 0 || ((map.size | map.iova | map.vaddr) & pgmask))
		return -EINVAL;
	/* 6: wrap-around */
	if (map.iova + map.size - 1 < map.iova ||
			map.vaddr + map.size - 1 < map.vaddr)
		return -EINVAL;
	/* 7: overlap, or the live-update path */
	if (map.flags & VFIO_DMA_MAP_FLAG_VADDR)
		return map_vaddr_update(c, &map);
	if (model_store_first_overlap(&c->dmas, map.iova,
			map.iova + map.size - 1) < c->dmas.n)
		return -EEXIST;
	/* 8: entry budget */
	if (c->dma_avail == 0)
		return -ENOSPC;
	/* 9: inside one valid IOVA range */
	container_ranges(c, NULL, &r);
	if (!range_valid(&r, map.iova, map.iova + map.size - 1))
		return -EINVAL;
	/* 10: pin (all or nothing), then account */
	pinned = model_pin_check(map.vaddr, map.size,
		!!(map.flags & VFIO_DMA_MAP_FLAG_WRITE));
	if (pinned < 0)
		return pinned;
	ret = model_compat_pin(pinned, &account);
	if (ret < 0)
		return ret;
	limit = model_memlock_limit() / model.page_size;
	if (account && !model.cap_ipc_lock &&
			model.locked_bytes / model.page_size +
			map.size / model.page_size > limit)
		return -ENOMEM;
	memset(&dma, 0, sizeof(dma));
	dma.iova = map.iova;
	dma.vaddr = map.vaddr;
	dma.size = map.size;
	dma.prot = prot;
	dma.accounted = account;
	if (model_store_insert(&c->dmas, &dma) < 0)
		return -ENOMEM;
	c->dma_avail--;
	if (account)
		model.locked_bytes += map.size;
	return 0;
}

/* ---- VFIO_IOMMU_UNMAP_DMA (3.1, 3.2) ---- */

static int
unmap_bitmap_check(const struct vfio_iommu_type1_dma_unmap *unmap,
		const void *arg)
{
	struct vfio_bitmap bitmap;
	uint64_t npages;

	if (unmap->argsz < sizeof(*unmap) + sizeof(bitmap))
		return -EINVAL;
	if (model_copy_from_user(&bitmap, (const char *)arg + sizeof(*unmap),
			sizeof(bitmap)) < 0)
		return -EFAULT;
	if (bitmap.pgsize == 0)
		return -EINVAL;
	npages = unmap->size / (bitmap.pgsize & -bitmap.pgsize);
	if (npages == 0 || bitmap.size == 0 ||
			bitmap.size > DIRTY_BITMAP_SIZE_MAX ||
			bitmap.size < RTE_ALIGN_CEIL(npages, 64) / 8)
		return -EINVAL;
	return 0;
}

/* Undo the invalidations this call made: entries first up to (not) stop. */
static void
vaddr_rollback(struct model_container *c, size_t first, size_t stop)
{
	size_t i;

	for (i = first; i < stop; i++) {
		c->dmas.v[i].vaddr_invalid = false;
		c->invalid_count--;
	}
}

static int
unmap_dma(void *obj, void *arg)
{
	struct model_container *c = obj;
	const uint32_t known = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
		VFIO_DMA_UNMAP_FLAG_VADDR | VFIO_DMA_UNMAP_FLAG_ALL;
	struct vfio_iommu_type1_dma_unmap unmap;
	struct model_dma *dma;
	uint64_t pgmask, last, unmapped = 0;
	size_t first, i;
	bool all, vaddr, dirty;
	long j;
	int ret;

	/* 1-3: struct, flags, flag combinations, dirty bitmap */
	if (model_copy_from_user(&unmap, arg, sizeof(unmap)) < 0)
		return -EFAULT;
	if (unmap.argsz < sizeof(unmap) || (unmap.flags & ~known))
		return -EINVAL;
	all = unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL;
	vaddr = unmap.flags & VFIO_DMA_UNMAP_FLAG_VADDR;
	dirty = unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	if (dirty && (all || vaddr))
		return -EINVAL;
	if (dirty) {
		ret = unmap_bitmap_check(&unmap, arg);
		if (ret < 0)
			return ret;
	}
	/* 5-6: alignment and range */
	pgmask = min_pgsize(c) - 1;
	if (unmap.iova & pgmask)
		return -EINVAL;
	if (all) {
		if (unmap.iova != 0 || unmap.size != 0)
			return -EINVAL;
		last = UINT64_MAX;
	} else {
		if (unmap.size == 0 || (unmap.size & pgmask) ||
				unmap.iova + unmap.size - 1 < unmap.iova)
			return -EINVAL;
		last = unmap.iova + unmap.size - 1;
	}
	/* 7: dirty bitmaps exist only while tracking (never for the model) */
	if (dirty)
		return c->dirty_tracking ? -EOPNOTSUPP : -EINVAL;
	/* 8: v2 refuses to bisect a mapping at either end */
	if (c->v2 && !all) {
		j = model_store_find(&c->dmas, unmap.iova);
		if (j >= 0 && c->dmas.v[j].iova != unmap.iova)
			return -EINVAL;
		j = model_store_find(&c->dmas, last);
		if (j >= 0 && model_dma_last(&c->dmas.v[j]) != last)
			return -EINVAL;
	}
	/* main loop: whole DMAs only, never split; a removal shifts the
	 * following entries down, so i then stays */
	first = model_store_first_overlap(&c->dmas, unmap.iova, last);
	for (i = first; i < c->dmas.n && c->dmas.v[i].iova <= last;) {
		dma = &c->dmas.v[i];
		/* v1: a range starting inside a mapping removes nothing */
		if (!c->v2 && unmap.iova > dma->iova)
			break;
		if (vaddr) {
			if (dma->vaddr_invalid) {
				vaddr_rollback(c, first, i);
				return -EINVAL;
			}
			dma->vaddr_invalid = true;
			c->invalid_count++;
			unmapped += dma->size;
			i++;
			continue;
		}
		unmapped += dma->size;
		remove_dma(c, i);
	}
	unmap.size = unmapped;
	return model_copy_to_user(arg, &unmap, sizeof(unmap)) < 0 ? -EFAULT : 0;
}

/* ---- VFIO_IOMMU_DIRTY_PAGES (3.7), START/STOP only ---- */

static int
dirty_pages(void *obj, void *arg)
{
	struct model_container *c = obj;
	const uint32_t known = VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
		VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP |
		VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	struct vfio_iommu_type1_dirty_bitmap db;
	const size_t minsz = offsetof(struct vfio_iommu_type1_dirty_bitmap, data);
	uint32_t op;

	if (!c->v2)
		return -EACCES;
	if (model_copy_from_user(&db, arg, minsz) < 0)
		return -EFAULT;
	if (db.argsz < minsz || (db.flags & ~known))
		return -EINVAL;
	op = db.flags & known;
	if (op == 0 || (op & (op - 1)))
		return -EINVAL;
	if (op == VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		c->dirty_tracking = true;
		return 0;
	}
	if (op == VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		c->dirty_tracking = false;
		return 0;
	}
	/* reading the bitmap is not modelled (see model.rst) */
	return -EOPNOTSUPP;
}

/* What a container answers at any time ... */
static const struct model_ioctl_op container_ops[] = {
	{ VFIO_GET_API_VERSION, api_version },
	{ VFIO_CHECK_EXTENSION, check_extension },
	{ VFIO_SET_IOMMU, set_iommu },
};

/* ... and what its driver answers once VFIO_SET_IOMMU has set one */
static const struct model_ioctl_op type1_ops[] = {
	{ VFIO_IOMMU_GET_INFO, get_info },
	{ VFIO_IOMMU_MAP_DMA, map_dma },
	{ VFIO_IOMMU_UNMAP_DMA, unmap_dma },
	{ VFIO_IOMMU_DIRTY_PAGES, dirty_pages },
};

int
model_container_ioctl(struct model_container *c, unsigned long request,
		void *arg)
{
	const struct model_ioctl_op *op;
	int ret;

	op = model_ioctl_find(container_ops, RTE_DIM(container_ops), request);
	if (op != NULL)
		return op->fn(c, arg);
	/* iommufd's emulation answers iommufd's own ioctls at any time */
	ret = model_compat_ioctl(request, arg);
	if (ret != -ENOIOCTLCMD_MODEL)
		return ret;
	/* without a driver the container refuses everything else */
	if (!c->iommu_set)
		return -EINVAL;
	return model_ioctl_run(type1_ops, RTE_DIM(type1_ops), c, request, arg);
}
