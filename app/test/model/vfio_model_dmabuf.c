/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's VFIO dma-buf export of a BAR (Linux 6.19,
 * drivers/vfio/pci/vfio_pci_dmabuf.c; reference iommufd.md): the
 * VFIO_DEVICE_FEATURE ioctl of a device cdev with feature DMA_BUF, the
 * dma-buf fds it returns, and their revocation. iommufd's side
 * (IOMMU_IOAS_MAP_FILE of such an fd) is in vfio_model_iommufd.c.
 *
 * What the kernel does and the model follows, in its order of checks:
 * the feature frame (argsz, unknown flags: EINVAL); a 6.12 kernel knows
 * no such feature (ENOTTY); a driver that exports no BAR says EOPNOTSUPP
 * even to a probe; PROBE answers 0; otherwise GET only (EINVAL), at least
 * one range and no flags (EINVAL), a BAR index 0-5 (ENODEV), ranges
 * page-aligned and non-empty (EINVAL) and inside the BAR (EINVAL, as for
 * a BAR without a resource). The dma-buf is revoked while the device's
 * memory decode is off and for good once the device is closed; a map of
 * a revoked dma-buf is ENODEV, and an area already mapped stays in the
 * IOAS (its unmap still succeeds) but stops reaching the BAR.
 *
 * Called with model.lock held; functions return >= 0 or a negative errno.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/vfio.h>

#include <rte_common.h>

#include "eal_private.h"
#include "vfio_iommufd_uapi.h"
#include "vfio_model_iommufd.h"
#include "vfio_model_priv.h"

#define MODEL_MAX_DMABUFS 16
#define MODEL_MAX_RANGES_PER_BUF 8

static struct model_dmabuf bufs[MODEL_MAX_DMABUFS];

static uint64_t
bar_size(unsigned int bar)
{
	/* the model's devices have BAR0 only (vfio_model_group.c) */
	return bar == VFIO_PCI_BAR0_REGION_INDEX ? MODEL_BAR0_SIZE : 0;
}

/* GET: a new dma-buf fd for the ranges asked, or -errno. */
static int
export(struct model_group *g, unsigned int dev, const uint8_t *arg,
		size_t argsz)
{
	struct mv_vfio_device_feature_dma_buf req;
	struct mv_vfio_region_dma_range r;
	struct model_dmabuf *b = NULL;
	uint64_t total = 0, first = 0;
	unsigned int i;
	int fd;

	if (argsz < sizeof(req))
		return -EINVAL;
	if (model_copy_from_user(&req, arg, sizeof(req)) < 0)
		return -EFAULT;
	if (req.nr_ranges == 0 || req.flags != 0)
		return -EINVAL;
	if (req.region_index >= VFIO_PCI_ROM_REGION_INDEX)
		return -ENODEV;
	if (req.nr_ranges > MODEL_MAX_RANGES_PER_BUF)
		return -ENOMEM;     /* the model's limit, not the kernel's */
	for (i = 0; i < req.nr_ranges; i++) {
		if (model_copy_from_user(&r, arg + sizeof(req) + i * sizeof(r),
				sizeof(r)) < 0)
			return -EFAULT;
		if (r.length == 0 || (r.offset & (model.page_size - 1)) ||
				(r.length & (model.page_size - 1)))
			return -EINVAL;
		if (total + r.length < total)
			return -EINVAL;
		total += r.length;
		/* the BAR's resource: none (size 0) or too short is EINVAL */
		if (r.offset > bar_size(req.region_index) ||
				r.length > bar_size(req.region_index) - r.offset)
			return -EINVAL;
		if (i == 0)
			first = r.offset;
	}
	if (req.open_flags & ~(uint32_t)(O_ACCMODE | O_CLOEXEC))
		return -EINVAL;
	for (i = 0; i < MODEL_MAX_DMABUFS && b == NULL; i++)
		if (!bufs[i].used)
			b = &bufs[i];
	if (b == NULL)
		return -EMFILE;
	memset(b, 0, sizeof(*b));
	b->used = true;
	b->g = g;
	b->dev = dev;
	b->bar = req.region_index;
	b->offset = first;
	b->length = total;
	b->nr_ranges = req.nr_ranges;
	fd = model_new_fd(MODEL_FD_DMABUF, b);
	if (fd < 0)
		b->used = false;
	return fd;
}

int
model_cdev_feature(struct model_group *g, unsigned int dev, void *arg)
{
	const uint32_t known = VFIO_DEVICE_FEATURE_MASK |
		VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET |
		VFIO_DEVICE_FEATURE_PROBE;
	struct vfio_device_feature f;
	const size_t minsz = sizeof(f);
	uint32_t ops;

	if (model_copy_from_user(&f, arg, minsz) < 0)
		return -EFAULT;
	if (f.argsz < minsz || (f.flags & ~known))
		return -EINVAL;
	ops = f.flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET);
	if (!(f.flags & VFIO_DEVICE_FEATURE_PROBE) &&
			ops == (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET))
		return -EINVAL;
	/* no other feature is modelled; 6.12 has no DMA_BUF */
	if ((f.flags & VFIO_DEVICE_FEATURE_MASK) != MV_VFIO_DEVICE_FEATURE_DMA_BUF ||
			model.kernel < VFIO_MODEL_LINUX_6_19)
		return -ENOTTY;
	if (!model.bar_export)
		return -EOPNOTSUPP;
	/* vfio_check_feature(): GET only; PROBE stops here */
	if (ops & ~VFIO_DEVICE_FEATURE_GET)
		return -EINVAL;
	if (f.flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(ops & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	return export(g, dev, (const uint8_t *)arg + minsz, f.argsz - minsz);
}

struct model_dmabuf *
model_dmabuf_of_fd(int fd)
{
	void *obj;

	return model_fd_object(fd, &obj) == MODEL_FD_DMABUF ? obj : NULL;
}

void
model_dmabuf_close(void *obj)
{
	struct model_dmabuf *b = obj;

	/* iommufd's areas keep what they need: closing the fd is harmless */
	memset(b, 0, sizeof(*b));
}

void
model_dmabuf_device_closed(const struct model_group *g, unsigned int dev)
{
	unsigned int i;

	for (i = 0; i < MODEL_MAX_DMABUFS; i++)
		if (bufs[i].used && bufs[i].g == g && bufs[i].dev == dev)
			bufs[i].dead = true;
	model_iommufd_revoke_device(g, dev);
}

void
model_dmabuf_reset(void)
{
	memset(bufs, 0, sizeof(bufs));
}

bool
model_area_revoked(const struct model_dma *a)
{
	return a->dmabuf && (a->dead || a->dg->decode_off[a->ddev]);
}

int
model_ioas_dmabuf_areas(void *obj, uint32_t ioas_id, unsigned int *live)
{
	struct model_ioas *ioas = model_ioas_get(obj, ioas_id);
	unsigned int n = 0;
	size_t i;

	if (ioas == NULL)
		return -ENOENT;
	*live = 0;
	for (i = 0; i < ioas->areas.n; i++) {
		if (!ioas->areas.v[i].dmabuf)
			continue;
		n++;
		*live += !model_area_revoked(&ioas->areas.v[i]);
	}
	return (int)n;
}

/* ---- knobs and observations ---- */

void
vfio_model_set_kernel(enum vfio_model_kernel k)
{
	pthread_mutex_lock(&model.lock);
	model.kernel = k;
	pthread_mutex_unlock(&model.lock);
}

void
vfio_model_set_iommufd(bool usable)
{
	model_set_knob(&model.iommufd_usable, usable);
}

void
vfio_model_set_bar_export(bool exports)
{
	model_set_knob(&model.bar_export, exports);
}

int
vfio_model_set_memory_decode(const char *bdf, bool on)
{
	unsigned int i, d;

	pthread_mutex_lock(&model.lock);
	for (i = 0; i < MODEL_MAX_GROUPS; i++) {
		struct model_group *g = &model.groups[i];

		for (d = 0; g->present && d < g->n_devices; d++) {
			if (strcmp(g->devices[d], bdf) != 0)
				continue;
			g->decode_off[d] = !on;
			pthread_mutex_unlock(&model.lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&model.lock);
	return eal_fail(ENOENT);
}

unsigned int
vfio_model_dmabufs_open(void)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&model.lock);
	for (i = 0; i < MODEL_MAX_DMABUFS; i++)
		n += bufs[i].used;
	pthread_mutex_unlock(&model.lock);
	return n;
}
