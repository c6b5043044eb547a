/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO model's knobs and observations for the tests: the limits and
 * capabilities of the kernel it plays (its entry limit, RLIMIT_MEMLOCK,
 * CAP_IPC_LOCK, type1 v2, DMA_AVAIL), what a container has mapped (count,
 * bytes, one range, a walk), locked and pinned memory, an IOAS walk, and
 * the self-check of the model's invariants. Each takes model.lock.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include "eal_private.h"
#include "vfio_model_iommufd.h"
#include "vfio_model_priv.h"

/* ---- knobs ---- */

void
model_set_knob(bool *knob, bool on)
{
	pthread_mutex_lock(&model.lock);
	*knob = on;
	pthread_mutex_unlock(&model.lock);
}

void
vfio_model_set_dma_entry_limit(unsigned int limit)
{
	pthread_mutex_lock(&model.lock);
	model.dma_entry_limit = limit;
	pthread_mutex_unlock(&model.lock);
}

void
vfio_model_set_memlock_limit(uint64_t bytes)
{
	pthread_mutex_lock(&model.lock);
	model.memlock_set = true;
	model.memlock_limit = bytes;
	pthread_mutex_unlock(&model.lock);
}

void
vfio_model_set_cap_ipc_lock(bool has_cap)
{
	model_set_knob(&model.cap_ipc_lock, has_cap);
}

void
vfio_model_set_type1v2_supported(bool supported)
{
	model_set_knob(&model.v2_supported, supported);
}

void
vfio_model_set_dma_avail_cap(bool reported)
{
	model_set_knob(&model.dma_avail_cap, reported);
}

/* ---- observations ---- */

static struct model_container *
container_of_fd(int fd)
{
	struct fd_slot *s = model_slot_of(fd);

	return s != NULL && s->kind == MODEL_FD_CONTAINER ? s->obj : NULL;
}

unsigned int
vfio_model_mapping_count(int container_fd)
{
	struct model_container *c;
	unsigned int n = 0;

	pthread_mutex_lock(&model.lock);
	c = container_of_fd(container_fd);
	if (c != NULL && c->iommu_set)
		n = (unsigned int)c->dmas.n;
	pthread_mutex_unlock(&model.lock);
	return n;
}

uint64_t
vfio_model_mapped_bytes(int container_fd)
{
	struct model_container *c;
	uint64_t n = 0;

	pthread_mutex_lock(&model.lock);
	c = container_of_fd(container_fd);
	if (c != NULL && c->iommu_set)
		n = c->dmas.bytes;
	pthread_mutex_unlock(&model.lock);
	return n;
}

bool
vfio_model_is_mapped(int container_fd, uint64_t iova, uint64_t len)
{
	struct model_container *c;
	uint64_t next = iova, end = iova + len;
	bool covered = false;
	long i;

	pthread_mutex_lock(&model.lock);
	c = container_of_fd(container_fd);
	if (c != NULL && c->iommu_set && len > 0 && end > iova) {
		/* covered when adjacent DMAs leave no hole in the range */
		for (i = model_store_find(&c->dmas, next);
				i >= 0 && (size_t)i < c->dmas.n &&
				c->dmas.v[i].iova <= next; i++) {
			next = c->dmas.v[i].iova + c->dmas.v[i].size;
			if (next >= end || next == 0) {
				covered = true;
				break;
			}
		}
	}
	pthread_mutex_unlock(&model.lock);
	return covered;
}

/* a counter of the model's, read under its lock */
static uint64_t
read_counter(const uint64_t *counter)
{
	uint64_t n;

	pthread_mutex_lock(&model.lock);
	n = *counter;
	pthread_mutex_unlock(&model.lock);
	return n;
}

uint64_t
vfio_model_locked_bytes(void)
{
	return read_counter(&model.locked_bytes);
}

void
vfio_model_walk(int container_fd,
		void (*fn)(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg),
		void *arg)
{
	struct model_container *c;
	size_t i;

	pthread_mutex_lock(&model.lock);
	c = container_of_fd(container_fd);
	if (c != NULL && c->iommu_set)
		for (i = 0; i < c->dmas.n; i++)
			fn(c->dmas.v[i].iova, c->dmas.v[i].vaddr,
				c->dmas.v[i].size, arg);
	pthread_mutex_unlock(&model.lock);
}

uint64_t
vfio_model_iommufd_pinned_bytes(void)
{
	return read_counter(&model.iommufd_pinned);
}

int
vfio_model_ioas_walk(int iommufd_fd, uint32_t ioas_id,
		void (*fn)(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg),
		void *arg)
{
	void *obj;
	int ret = -ENOENT;

	pthread_mutex_lock(&model.lock);
	if (model_fd_object(iommufd_fd, &obj) == MODEL_FD_IOMMUFD)
		ret = model_ioas_walk(obj, ioas_id, fn, arg);
	pthread_mutex_unlock(&model.lock);
	if (ret < 0)
		return eal_fail(-ret);
	return ret;
}

int
vfio_model_ioas_dmabuf_areas(int iommufd_fd, uint32_t ioas_id,
		unsigned int *live)
{
	void *obj;
	int ret = -ENOENT;

	pthread_mutex_lock(&model.lock);
	if (model_fd_object(iommufd_fd, &obj) == MODEL_FD_IOMMUFD)
		ret = model_ioas_dmabuf_areas(obj, ioas_id, live);
	pthread_mutex_unlock(&model.lock);
	if (ret < 0)
		return eal_fail(-ret);
	return ret;
}

static int
check_container(const struct model_container *c)
{
	unsigned int invalid = 0;
	size_t i;

	if (!c->iommu_set)
		return c->dmas.n == 0 && c->dmas.v == NULL ? 0 : -1;
	if (model_store_check(&c->dmas) < 0)
		return -1;
	for (i = 0; i < c->dmas.n; i++)
		invalid += c->dmas.v[i].vaddr_invalid;
	if (invalid != c->invalid_count ||
			c->dma_avail + c->dmas.n != c->dma_limit)
		return -1;
	return 0;
}

int
vfio_model_check(void)
{
	const struct model_container *c;
	uint64_t locked = 0;
	size_t i;
	int ret = 0;

	pthread_mutex_lock(&model.lock);
	for (c = model.containers; c != NULL && ret == 0; c = c->next) {
		ret = check_container(c);
		for (i = 0; i < c->dmas.n; i++)
			if (c->dmas.v[i].accounted)
				locked += c->dmas.v[i].size;
	}
	if (ret == 0 && locked != model.locked_bytes)
		ret = -1;
	if (ret == 0)
		ret = model_iommufd_check();
	pthread_mutex_unlock(&model.lock);
	if (ret < 0) {
		EAL_LOG(ERR, "VFIO model: broken invariant (records, DMA budget, "
			"vaddr-invalid count or locked bytes)");
		return eal_fail(EFAULT);
	}
	return 0;
}

int
model_ioas_walk(void *obj, uint32_t ioas_id,
		void (*fn)(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg),
		void *arg)
{
	struct model_ioas *ioas = model_ioas_get(obj, ioas_id);
	size_t i;

	if (ioas == NULL)
		return -ENOENT;
	for (i = 0; fn != NULL && i < ioas->areas.n; i++)
		fn(ioas->areas.v[i].iova, ioas->areas.v[i].vaddr,
			ioas->areas.v[i].size, arg);
	return (int)ioas->areas.n;
}
