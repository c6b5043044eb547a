/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's native iommufd (reference kernel-vfio-type1.md 6.4 and
 * iommufd.md): /dev/iommu contexts holding IOAS objects, IOMMU_IOAS_ALLOC,
 * IOMMU_DESTROY, IOMMU_IOAS_IOVA_RANGES, IOMMU_IOAS_MAP,
 * IOMMU_IOAS_MAP_FILE of a VFIO dma-buf (6.19, vfio_model_dmabuf.c) and
 * IOMMU_IOAS_UNMAP. The VFIO device cdevs that attach to an IOAS are in
 * vfio_model_cdev.c (shared types: vfio_model_iommufd.h). The order of
 * checks follows Linux 6.12 because callers can tell it apart by the errno. Called with model.lock
 * held; functions return a value >= 0 or a negative errno.
 *
 * What differs from type1 on purpose (the kernel's semantics): areas are
 * pinned only while a device is attached to the IOAS (lazily, at the
 * first attach); unmap refuses to cut an area (ENOENT) but is not atomic
 * (areas fully inside the range before the refused one are gone); an
 * empty range is ENOENT; there is no entry budget; IOVA alignment is 1
 * with no device attached, else the smallest IOMMU page; pinned memory is
 * counted apart from the mm's locked memory (iommufd charges the user).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vfio.h>

#include <rte_common.h>

#include "vfio_iommufd_uapi.h"
#include "vfio_model_priv.h"
#include "vfio_model_iommufd.h"

static struct model_iommufd *contexts[MODEL_MAX_CDEVS];

/* ---- the iommufd ioctl frame: size first, unknown tail must be zero ---- */

/*
 * Read a struct whose first u32 is its size: EINVAL below minsz, E2BIG
 * when the caller's larger struct has non-zero bytes the kernel does not
 * know. Copies min(size, len) bytes into dst (the rest zeroed).
 */
static int
read_cmd(void *dst, size_t len, size_t minsz, const void *arg)
{
	unsigned char tail[64];
	uint32_t size;
	size_t off, n, i;

	if (model_copy_from_user(&size, arg, sizeof(size)) < 0)
		return -EFAULT;
	if (size < minsz)
		return -EINVAL;
	memset(dst, 0, len);
	if (model_copy_from_user(dst, arg, RTE_MIN((size_t)size, len)) < 0)
		return -EFAULT;
	for (off = len; off < size; off += n) {
		n = RTE_MIN(sizeof(tail), (size_t)size - off);
		if (model_copy_from_user(tail, (const char *)arg + off, n) < 0)
			return -EFAULT;
		for (i = 0; i < n; i++)
			if (tail[i] != 0)
				return -E2BIG;
	}
	return 0;
}

/* ---- objects ---- */

struct model_ioas *
model_ioas_get(struct model_iommufd *ictx, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < MODEL_MAX_IOAS; i++)
		if (ictx->ioas[i] != NULL && ictx->ioas[i]->id == id)
			return ictx->ioas[i];
	return NULL;
}

bool
model_iommufd_is_devid(const struct model_iommufd *ictx, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < MODEL_MAX_CDEVS; i++)
		if (model_cdevs[i].used && model_cdevs[i].ictx == ictx &&
				model_cdevs[i].devid == id)
			return true;
	return false;
}

/* Object ids: the lowest free one from 1, as the kernel's xarray gives. */
uint32_t
model_iommufd_alloc_id(const struct model_iommufd *ictx)
{
	uint32_t id;

	for (id = 1; model_ioas_get((struct model_iommufd *)(uintptr_t)ictx, id) != NULL ||
			model_iommufd_is_devid(ictx, id); id++)
		;
	return id;
}

/* The valid IOVA ranges of an IOAS: its devices' apertures minus MSI. */
static unsigned int
ioas_ranges(const struct model_ioas *ioas, const struct model_group *extra,
		uint64_t *start, uint64_t *last)
{
	uint64_t top = UINT64_MAX;
	bool msi = false;
	unsigned int i, n = 0;

	for (i = 0; i < MODEL_MAX_CDEVS; i++) {
		const struct model_group *g;
		unsigned int bits;

		if (!model_cdevs[i].used || model_cdevs[i].pt != ioas)
			continue;
		g = model_cdevs[i].g;
		bits = g->aperture_bits != 0 ? g->aperture_bits : 48;
		if (bits < 64)
			top = RTE_MIN(top, (1ULL << bits) - 1);
		msi |= g->msi_window;
	}
	if (extra != NULL) {
		unsigned int bits = extra->aperture_bits != 0 ?
			extra->aperture_bits : 48;

		if (bits < 64)
			top = RTE_MIN(top, (1ULL << bits) - 1);
		msi |= extra->msi_window;
	}
	if (msi && top >= MODEL_MSI_START) {
		start[n] = 0;
		last[n++] = MODEL_MSI_START - 1;
		if (top > MODEL_MSI_LAST) {
			start[n] = MODEL_MSI_LAST + 1;
			last[n++] = top;
		}
	} else {
		start[n] = 0;
		last[n++] = top;
	}
	return n;
}

bool
model_ioas_in_ranges(const struct model_ioas *ioas, const struct model_group *extra,
		uint64_t iova, uint64_t last)
{
	uint64_t s[MODEL_MAX_RANGES], l[MODEL_MAX_RANGES];
	unsigned int i, n = ioas_ranges(ioas, extra, s, l);

	for (i = 0; i < n; i++)
		if (iova >= s[i] && last <= l[i])
			return true;
	return false;
}

/* IOVA alignment: 1 with no domain, else the largest smallest page. */
static uint64_t
ioas_alignment(const struct model_ioas *ioas)
{
	uint64_t align = 1;
	unsigned int i;

	for (i = 0; i < MODEL_MAX_CDEVS; i++) {
		uint64_t bm;

		if (!model_cdevs[i].used || model_cdevs[i].pt != ioas)
			continue;
		bm = model_cdevs[i].g->pgsize_bitmap != 0 ?
			model_cdevs[i].g->pgsize_bitmap : 0x40201000ULL;
		bm &= ~(uint64_t)(model.page_size - 1);
		bm |= model.page_size;
		align = RTE_MAX(align, bm & -bm);
	}
	return align;
}

/* Pin an area's pages (EFAULT) and charge them (ENOMEM over the limit). */
int
model_ioas_pin_area(const struct model_dma *a)
{
	int ret = model_pin_check(a->vaddr, a->size,
		!!(a->prot & MV_IOMMU_IOAS_MAP_WRITEABLE));

	if (ret < 0)
		return ret;
	if (!model.cap_ipc_lock &&
			model.iommufd_pinned + a->size > model_memlock_limit())
		return -ENOMEM;
	return 0;
}

void
model_ioas_unpin(struct model_ioas *ioas)
{
	size_t i;

	for (i = 0; i < ioas->areas.n; i++)
		if (ioas->areas.v[i].accounted) {
			model.iommufd_pinned -= ioas->areas.v[i].size;
			ioas->areas.v[i].accounted = false;
		}
}

static void
remove_area(struct model_ioas *ioas, size_t i)
{
	if (ioas->areas.v[i].accounted)
		model.iommufd_pinned -= ioas->areas.v[i].size;
	model_store_remove(&ioas->areas, i);
}

static void
ioas_free(struct model_ioas *ioas)
{
	while (ioas->areas.n > 0)
		remove_area(ioas, ioas->areas.n - 1);
	model_store_fini(&ioas->areas);
	free(ioas);
}

/* ---- /dev/iommu ---- */

int
model_iommufd_create(void **obj)
{
	struct model_iommufd *ictx = calloc(1, sizeof(*ictx));
	unsigned int i;

	if (ictx == NULL)
		return -ENOMEM;
	for (i = 0; i < RTE_DIM(contexts) && contexts[i] != NULL; i++)
		;
	if (i == RTE_DIM(contexts)) {
		free(ictx);
		return -EMFILE;
	}
	ictx->fd = -1;
	contexts[i] = ictx;
	*obj = ictx;
	return 0;
}

void
model_iommufd_set_fd(void *obj, int fd)
{
	((struct model_iommufd *)obj)->fd = fd;
}

void
model_iommufd_put(struct model_iommufd *ictx)
{
	unsigned int i;

	if (ictx->fd >= 0 || ictx->users > 0)
		return;
	for (i = 0; i < MODEL_MAX_IOAS; i++)
		if (ictx->ioas[i] != NULL)
			ioas_free(ictx->ioas[i]);
	for (i = 0; i < RTE_DIM(contexts); i++)
		if (contexts[i] == ictx)
			contexts[i] = NULL;
	free(ictx);
}

void
model_iommufd_close(void *obj)
{
	struct model_iommufd *ictx = obj;

	ictx->fd = -1;
	model_iommufd_put(ictx);
}

static int
ioas_alloc(void *obj, void *arg)
{
	struct model_iommufd *ictx = obj;
	struct mv_iommu_ioas_alloc cmd;
	struct model_ioas *ioas;
	unsigned int i;
	int ret;

	ret = read_cmd(&cmd, sizeof(cmd), sizeof(cmd), arg);
	if (ret < 0)
		return ret;
	if (cmd.flags != 0)
		return -EOPNOTSUPP;
	for (i = 0; i < MODEL_MAX_IOAS && ictx->ioas[i] != NULL; i++)
		;
	if (i == MODEL_MAX_IOAS)
		return -ENOMEM;
	ioas = calloc(1, sizeof(*ioas));
	if (ioas == NULL)
		return -ENOMEM;
	model_store_init(&ioas->areas);
	cmd.out_ioas_id = model_iommufd_alloc_id(ictx);
	if (model_copy_to_user(arg, &cmd, sizeof(cmd)) < 0) {
		free(ioas);
		return -EFAULT;
	}
	ioas->id = cmd.out_ioas_id;
	ictx->ioas[i] = ioas;
	return 0;
}

static int
destroy(void *obj, void *arg)
{
	struct model_iommufd *ictx = obj;
	struct mv_iommu_destroy cmd;
	struct model_ioas *ioas;
	unsigned int i;
	int ret;

	ret = read_cmd(&cmd, sizeof(cmd), sizeof(cmd), arg);
	if (ret < 0)
		return ret;
	/* a bound device is held by its cdev */
	if (model_iommufd_is_devid(ictx, cmd.id))
		return -EBUSY;
	ioas = model_ioas_get(ictx, cmd.id);
	if (ioas == NULL)
		return -ENOENT;
	if (ioas->n_attached > 0)
		return -EBUSY;
	for (i = 0; i < MODEL_MAX_IOAS; i++)
		if (ictx->ioas[i] == ioas)
			ictx->ioas[i] = NULL;
	ioas_free(ioas);
	return 0;
}

static int
iova_ranges(void *obj, void *arg)
{
	struct model_iommufd *ictx = obj;
	struct mv_iommu_ioas_iova_ranges cmd;
	struct mv_iommu_iova_range r;
	uint64_t s[MODEL_MAX_RANGES], l[MODEL_MAX_RANGES];
	struct model_ioas *ioas;
	unsigned int i, n;
	int ret;

	ret = read_cmd(&cmd, sizeof(cmd), sizeof(cmd), arg);
	if (ret < 0)
		return ret;
	if (cmd.reserved != 0)
		return -EOPNOTSUPP;
	ioas = model_ioas_get(ictx, cmd.ioas_id);
	if (ioas == NULL)
		return -ENOENT;
	n = ioas_ranges(ioas, NULL, s, l);
	for (i = 0; i < n && i < cmd.num_iovas; i++) {
		r.start = s[i];
		r.last = l[i];
		if (model_copy_to_user((void *)(uintptr_t)(cmd.allowed_iovas +
				i * sizeof(r)), &r, sizeof(r)) < 0)
			return -EFAULT;
	}
	ret = n > cmd.num_iovas ? -EMSGSIZE : 0;
	cmd.num_iovas = n;
	cmd.out_iova_alignment = ioas_alignment(ioas);
	if (model_copy_to_user(arg, &cmd, sizeof(cmd)) < 0)
		return -EFAULT;
	return ret;
}

/* The lowest free IOVA for an automatic map: page aligned, never 0. */
static int
auto_iova(const struct model_ioas *ioas, uint64_t length, uint64_t *iova)
{
	uint64_t s[MODEL_MAX_RANGES], l[MODEL_MAX_RANGES], at;
	unsigned int r, n = ioas_ranges(ioas, NULL, s, l);
	size_t i;

	for (r = 0; r < n; r++) {
		at = RTE_MAX(s[r], (uint64_t)model.page_size);
		at = RTE_ALIGN_CEIL(at, (uint64_t)model.page_size);
		for (i = model_store_first_overlap(&ioas->areas, at, l[r]);
				i <= ioas->areas.n; i++) {
			uint64_t end = i < ioas->areas.n ?
				ioas->areas.v[i].iova : l[r] + 1;

			if (at <= l[r] && end > at && end - at >= length &&
					at + length - 1 <= l[r]) {
				*iova = at;
				return 0;
			}
			if (i == ioas->areas.n)
				break;
			at = RTE_ALIGN_CEIL(model_dma_last(&ioas->areas.v[i]) + 1,
				(uint64_t)model.page_size);
		}
	}
	return -ENOSPC;
}

/*
 * What IOMMU_IOAS_MAP and IOMMU_IOAS_MAP_FILE check first, in the kernel's
 * order: known flags, IOVA and length below 2^64 - 1, readable or
 * writeable, the IOAS (*ioas) exists.
 */
static int
map_cmd_check(struct model_iommufd *ictx, uint32_t flags, uint64_t iova,
		uint64_t length, uint32_t ioas_id, struct model_ioas **ioas)
{
	const uint32_t known = MV_IOMMU_IOAS_MAP_FIXED_IOVA |
		MV_IOMMU_IOAS_MAP_WRITEABLE | MV_IOMMU_IOAS_MAP_READABLE;

	if (flags & ~known)
		return -EOPNOTSUPP;
	if (iova >= UINT64_MAX || length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!(flags & (MV_IOMMU_IOAS_MAP_WRITEABLE | MV_IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;
	*ioas = model_ioas_get(ictx, ioas_id);
	return *ioas == NULL ? -ENOENT : 0;
}

/*
 * Their IOVA range: aligned to the IOAS, not wrapping, inside its valid
 * ranges, no area there. Then area a of the map (flags: its protection).
 */
static int
map_area(struct model_ioas *ioas, uint64_t iova, uint64_t length, uint32_t flags,
		struct model_dma *a)
{
	uint64_t align = ioas_alignment(ioas), last;

	if ((iova & (align - 1)) || (length & (align - 1)))
		return -EINVAL;
	last = iova + length - 1;
	if (last < iova)
		return -EOVERFLOW;
	if (!model_ioas_in_ranges(ioas, NULL, iova, last))
		return -EINVAL;
	if (model_store_first_overlap(&ioas->areas, iova, last) < ioas->areas.n)
		return -EEXIST;
	memset(a, 0, sizeof(*a));
	a->iova = iova;
	a->size = length;
	a->prot = flags & (MV_IOMMU_IOAS_MAP_WRITEABLE | MV_IOMMU_IOAS_MAP_READABLE);
	return 0;
}

static int
ioas_map(void *obj, void *arg)
{
	struct model_iommufd *ictx = obj;
	struct mv_iommu_ioas_map cmd;
	struct model_ioas *ioas;
	struct model_dma a;
	uint64_t align;
	int ret;

	ret = read_cmd(&cmd, sizeof(cmd), sizeof(cmd), arg);
	if (ret < 0)
		return ret;
	if (cmd.reserved != 0)
		return -EOPNOTSUPP;
	ret = map_cmd_check(ictx, cmd.flags, cmd.iova, cmd.length, cmd.ioas_id, &ioas);
	if (ret < 0)
		return ret;
	/* the pages: an empty or wrapping user range */
	if (cmd.length == 0 || cmd.length > SIZE_MAX - model.page_size)
		return -EINVAL;
	if (cmd.user_va + cmd.length - 1 < cmd.user_va)
		return -EOVERFLOW;
	align = ioas_alignment(ioas);
	if (!(cmd.flags & MV_IOMMU_IOAS_MAP_FIXED_IOVA)) {
		ret = auto_iova(ioas, RTE_ALIGN_CEIL(cmd.length, align),
			&cmd.iova);
		if (ret < 0)
			return ret;
	}
	/* the IOVA: alignment, overflow, reserved, in use */
	ret = map_area(ioas, cmd.iova, cmd.length, cmd.flags, &a);
	if (ret < 0)
		return ret;
	a.vaddr = cmd.user_va;
	/* pinned now only when a domain is there to fill */
	if (ioas->n_attached > 0) {
		ret = model_ioas_pin_area(&a);
		if (ret < 0)
			return ret;
		a.accounted = !model.cap_ipc_lock;
	}
	if (!(cmd.flags & MV_IOMMU_IOAS_MAP_FIXED_IOVA) &&
			model_copy_to_user(arg, &cmd, sizeof(cmd)) < 0)
		return -EFAULT;
	if (model_store_insert(&ioas->areas, &a) < 0)
		return -ENOMEM;
	if (a.accounted)
		model.iommufd_pinned += a.size;
	return 0;
}

/*
 * IOMMU_IOAS_MAP_FILE of a VFIO dma-buf (6.19; 6.12 has no such command:
 * ENOTTY at the dispatch). The checks of IOMMU_IOAS_MAP in the kernel's
 * order, then the file: not a dma-buf of the model (a memfd is not
 * modelled): EINVAL; revoked: ENODEV (its attach fails); more than one
 * range: EOPNOTSUPP; [start, start + length) outside it: EINVAL. The area
 * pins and charges nothing (MMIO has no pages).
 */
static int
ioas_map_file(void *obj, void *arg)
{
	struct model_iommufd *ictx = obj;
	struct mv_iommu_ioas_map_file cmd;
	struct model_dmabuf *b;
	struct model_ioas *ioas;
	struct model_dma a;
	void *file;
	int ret;

	/* 6.13 added it (memfd), 6.19 dma-bufs; 6.12 has neither */
	if (model.kernel < VFIO_MODEL_LINUX_6_19)
		return -ENOTTY;
	ret = read_cmd(&cmd, sizeof(cmd), sizeof(cmd), arg);
	if (ret < 0)
		return ret;
	ret = map_cmd_check(ictx, cmd.flags, cmd.iova, cmd.length, cmd.ioas_id, &ioas);
	if (ret < 0)
		return ret;
	if (model_fd_object(cmd.fd, &file) < 0)
		return -EBADF;
	b = model_dmabuf_of_fd(cmd.fd);
	if (b == NULL)
		return -EINVAL;
	if (b->dead || b->g->decode_off[b->dev])
		return -ENODEV;
	if (b->nr_ranges != 1)
		return -EOPNOTSUPP;
	if (cmd.length == 0 || cmd.start > b->length ||
			cmd.length > b->length - cmd.start)
		return -EINVAL;
	/* automatic IOVAs are not modelled for files: the EAL fixes them */
	if (!(cmd.flags & MV_IOMMU_IOAS_MAP_FIXED_IOVA))
		return -EOPNOTSUPP;
	ret = map_area(ioas, cmd.iova, cmd.length, cmd.flags, &a);
	if (ret < 0)
		return ret;
	a.dmabuf = true;
	a.dg = b->g;
	a.ddev = b->dev;
	if (model_store_insert(&ioas->areas, &a) < 0)
		return -ENOMEM;
	return 0;
}

void
model_iommufd_revoke_device(const struct model_group *g, unsigned int dev)
{
	unsigned int c, i;
	size_t j;

	for (c = 0; c < RTE_DIM(contexts); c++)
		for (i = 0; contexts[c] != NULL && i < MODEL_MAX_IOAS; i++) {
			struct model_ioas *ioas = contexts[c]->ioas[i];

			for (j = 0; ioas != NULL && j < ioas->areas.n; j++)
				if (ioas->areas.v[j].dmabuf &&
						ioas->areas.v[j].dg == g &&
						ioas->areas.v[j].ddev == dev)
					ioas->areas.v[j].dead = true;
		}
}

static int
ioas_unmap(void *obj, void *arg)
{
	struct model_iommufd *ictx = obj;
	struct mv_iommu_ioas_unmap cmd;
	struct model_ioas *ioas;
	uint64_t last, unmapped = 0;
	bool all;
	size_t i;
	int ret;

	ret = read_cmd(&cmd, sizeof(cmd), sizeof(cmd), arg);
	if (ret < 0)
		return ret;
	ioas = model_ioas_get(ictx, cmd.ioas_id);
	if (ioas == NULL)
		return -ENOENT;
	all = cmd.iova == 0 && cmd.length == UNMAP_ALL_LENGTH;
	if (all) {
		last = UINT64_MAX;
	} else {
		if (cmd.iova >= UINT64_MAX || cmd.length >= UINT64_MAX)
			return -EOVERFLOW;
		if (cmd.length == 0)
			return -EINVAL;
		last = cmd.iova + cmd.length - 1;
		if (last < cmd.iova)
			return -EOVERFLOW;
	}
	/* whole areas only; the ones before a refused area stay unmapped */
	for (i = model_store_first_overlap(&ioas->areas, cmd.iova, last);
			i < ioas->areas.n && ioas->areas.v[i].iova <= last;) {
		if (ioas->areas.v[i].iova < cmd.iova ||
				model_dma_last(&ioas->areas.v[i]) > last)
			return -ENOENT;
		unmapped += ioas->areas.v[i].size;
		remove_area(ioas, i);
	}
	if (unmapped == 0 && !all)
		return -ENOENT;
	cmd.length = unmapped;
	return model_copy_to_user(arg, &cmd, sizeof(cmd)) < 0 ? -EFAULT : 0;
}

/* ALLOW_IOVAS, COPY, OPTION, the VFIO compat ioctls: not modelled (ENOTTY) */
static const struct model_ioctl_op iommufd_ops[] = {
	{ MV_IOMMU_DESTROY, destroy },
	{ MV_IOMMU_IOAS_ALLOC, ioas_alloc },
	{ MV_IOMMU_IOAS_IOVA_RANGES, iova_ranges },
	{ MV_IOMMU_IOAS_MAP, ioas_map },
	{ MV_IOMMU_IOAS_UNMAP, ioas_unmap },
	{ MV_IOMMU_IOAS_MAP_FILE, ioas_map_file },
};

int
model_iommufd_ioctl(void *obj, unsigned long request, void *arg)
{
	return model_ioctl_run(iommufd_ops, RTE_DIM(iommufd_ops), obj, request, arg);
}

/* ---- reset, observation, invariants ---- */

void
model_iommufd_reset(void)
{
	unsigned int i;

	for (i = 0; i < MODEL_MAX_CDEVS; i++)
		if (model_cdevs[i].used) {
			model_cdevs[i].refs = 1;
			model_cdev_close(&model_cdevs[i]);
		}
	for (i = 0; i < RTE_DIM(contexts); i++)
		if (contexts[i] != NULL) {
			contexts[i]->users = 0;
			model_iommufd_close(contexts[i]);
		}
	model.iommufd_pinned = 0;
	model_dmabuf_reset();
}

int
model_iommufd_check(void)
{
	uint64_t pinned = 0;
	unsigned int c, i, j, attached;

	for (c = 0; c < RTE_DIM(contexts); c++) {
		const struct model_iommufd *ictx = contexts[c];

		for (i = 0; ictx != NULL && i < MODEL_MAX_IOAS; i++) {
			const struct model_ioas *ioas = ictx->ioas[i];

			if (ioas == NULL)
				continue;
			if (model_store_check(&ioas->areas) < 0)
				return -1;
			attached = 0;
			for (j = 0; j < MODEL_MAX_CDEVS; j++)
				attached += model_cdevs[j].used && model_cdevs[j].pt == ioas;
			if (attached != ioas->n_attached)
				return -1;
			for (j = 0; j < ioas->areas.n; j++) {
				if (ioas->areas.v[j].accounted && attached == 0)
					return -1;
				/* a dma-buf area has no pages to charge */
				if (ioas->areas.v[j].dmabuf &&
						ioas->areas.v[j].accounted)
					return -1;
				if (ioas->areas.v[j].accounted)
					pinned += ioas->areas.v[j].size;
			}
		}
	}
	return pinned == model.iommufd_pinned ? 0 : -1;
}
