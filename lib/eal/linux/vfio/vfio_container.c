/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO containers: the table of containers, EAL init and cleanup of the
 * VFIO component, what the IOMMU reports (VFIO_IOMMU_GET_INFO), counters.
 *
 * The VFIO lock (vfio_mutex below) is the one lock of the VFIO component.
 * It protects every container, its groups, its records and counters, the
 * group table and the device table. It is taken by the public API and by
 * the memory event callback (vfio_mem.c), which runs with the memory
 * hotplug lock held for writing: so it is the innermost lock of the EAL
 * (number 4 in eal_memcfg.h). While holding it, never call anything of
 * the memory layer that takes a lock (walks, lookups, allocation, event
 * registration); the VFIO code only reads records and calls the backend.
 */

#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_devmem.h"
#include "vfio_iommu.h"
#include "vfio_iommufd.h"
#include "vfio_private.h"

static pthread_mutex_t vfio_mutex = PTHREAD_MUTEX_INITIALIZER;

static struct vfio_container containers[RTE_MAX_VFIO_CONTAINERS];
/* 0 when VFIO is usable, else the rte_errno the API reports */
static int unavailable_err = ENODEV;
/* rte_eal_init() has looked for VFIO (whatever it found) */
static bool init_ran;

#ifndef NDEBUG
/* this thread holds the VFIO lock (vfio_assert_locked(), debug builds) */
__thread bool vfio_lock_held_here __attribute__((tls_model("initial-exec")));
#endif

void
vfio_lock(void)
{
	pthread_mutex_lock(&vfio_mutex);
#ifndef NDEBUG
	vfio_lock_held_here = true;
#endif
}

void
vfio_unlock(void)
{
#ifndef NDEBUG
	vfio_lock_held_here = false;
#endif
	pthread_mutex_unlock(&vfio_mutex);
}

#ifndef NDEBUG
void
vfio_assert_locked_fail(const char *func)
{
	EAL_LOG(ERR, "VFIO: %s() runs without the VFIO lock held by this thread", func);
	abort();
}
#endif

bool
vfio_available(void)
{
	return unavailable_err == 0;
}

int
vfio_unavailable_errno(void)
{
	return unavailable_err != 0 ? unavailable_err : ENODEV;
}

int
vfio_unavailable_fail(const char *call)
{
	int err = vfio_unavailable_errno();
	char who[64] = "";

	if (call != NULL)
		snprintf(who, sizeof(who), " %s():", call);
	if (!init_ran)
		EAL_LOG(ERR, "VFIO:%s VFIO is not set up: call rte_eal_init() first (%s)",
			who, err == ENOTSUP ? "ENOTSUP" : "ENODEV");
	else if (err == ENOTSUP)
		EAL_LOG(ERR, "VFIO:%s VFIO is not usable: the kernel offers no IOMMU type this EAL supports (see the rte_eal_init() log) (ENOTSUP)",
			who);
	else
		EAL_LOG(ERR, "VFIO:%s VFIO is not available: %s could not be used at rte_eal_init(); load vfio-pci (modprobe vfio-pci) before starting (ENODEV)",
			who, VFIO_CONTAINER_PATH);
	return eal_fail(err);
}

size_t
vfio_system_page_size(void)
{
	long sz = sysconf(_SC_PAGESIZE);

	return sz > 0 ? (size_t)sz : 4096;
}

uint64_t
vfio_container_min_pgsize(const struct vfio_container *cont)
{
	uint64_t pgsizes = cont->pgsizes;

	/* before GET_INFO the IOMMU can be no finer than the CPU's page */
	if (cont->state != VFIO_CONT_IOMMU || pgsizes == 0)
		return vfio_system_page_size();
	return pgsizes & -pgsizes;
}

struct vfio_container *
vfio_default_container_locked(void)
{
	vfio_assert_locked();
	return containers[0].used && containers[0].is_default ? &containers[0] : NULL;
}

struct vfio_container *
vfio_container_get_locked(int container_fd)
{
	unsigned int i;

	vfio_assert_locked();
	if (!vfio_available()) {
		vfio_unavailable_fail(NULL);
		return NULL;
	}
	if (container_fd == RTE_VFIO_DEFAULT_CONTAINER_FD) {
		struct vfio_container *def = vfio_default_container_locked();

		if (def == NULL) {
			EAL_LOG(ERR, "VFIO: the default container was not created at rte_eal_init() (ENODEV)");
			rte_errno = ENODEV;
		}
		return def;
	}
	for (i = 0; i < RTE_DIM(containers); i++)
		if (containers[i].used && containers[i].fd == container_fd)
			return &containers[i];
	EAL_LOG(ERR, "VFIO: %d is not a container fd (use rte_vfio_container_create() or RTE_VFIO_DEFAULT_CONTAINER_FD)",
		container_fd);
	rte_errno = EINVAL;
	return NULL;
}

struct vfio_container *
vfio_container_create_locked(bool is_default)
{
	struct vfio_container *cont = NULL;
	unsigned int i;

	vfio_assert_locked();
	/* slot 0 is the default container's */
	for (i = is_default ? 0 : 1; i < RTE_DIM(containers); i++) {
		if (!containers[i].used) {
			cont = &containers[i];
			break;
		}
		if (is_default)
			break;
	}
	if (cont == NULL) {
		EAL_LOG(ERR, "VFIO: all %u containers are in use (RTE_MAX_VFIO_CONTAINERS): destroy one first",
			(unsigned int)RTE_MAX_VFIO_CONTAINERS);
		rte_errno = ENOSPC;
		return NULL;
	}
	memset(cont, 0, sizeof(*cont));
	cont->records = vfio_records_create();
	if (cont->records == NULL) {
		EAL_LOG(ERR, "VFIO: no memory for a container's records");
		rte_errno = ENOMEM;
		return NULL;
	}
	cont->ops = vfio_iommu_default_ops();
	if (cont->ops->open(cont) < 0) {
		int err = rte_errno;

		vfio_records_destroy(cont->records);
		cont->records = NULL;
		rte_errno = err;
		return NULL;
	}
	cont->is_default = is_default;
	cont->state = VFIO_CONT_NO_GROUP;
	cont->used = true;
	return cont;
}

/*
 * Teardown: UNMAP_ALL, groups, fd. A failure is logged, teardown goes on.
 * With no record left (everything was unmapped record by record) there is
 * nothing to unmap: no UNMAP_ALL, whose only result would be the check that
 * the kernel holds nothing either, for a container that is going away.
 */
static int
container_teardown(struct vfio_container *cont)
{
	int ret = 0, err = 0;

	if (vfio_records_count(cont->records) > 0 &&
			vfio_dma_unmap_all_locked(cont) < 0) {
		ret = -1;
		err = rte_errno;
	}
	vfio_group_release_all_locked(cont);
	cont->ops->close(cont);
	vfio_devmem_forget_locked(cont);
	vfio_records_destroy(cont->records);
	free(cont->ranges);
	free(cont->resv);
	memset(cont, 0, sizeof(*cont));
	cont->fd = -1;
	if (ret < 0)
		rte_errno = err;
	return ret;
}

struct vfio_container *
vfio_container_next_locked(const struct vfio_container *prev)
{
	size_t i = prev == NULL ? 0 : (size_t)(prev - containers) + 1;

	vfio_assert_locked();
	for (; i < RTE_DIM(containers); i++)
		if (containers[i].used)
			return &containers[i];
	return NULL;
}

int
vfio_container_destroy_locked(struct vfio_container *cont)
{
	vfio_assert_locked();
	if (cont->is_default) {
		EAL_LOG(ERR, "VFIO: the default container cannot be destroyed (it goes at rte_eal_cleanup())");
		return eal_fail(EINVAL);
	}
	if (vfio_group_open_devices_locked(cont) != 0) {
		EAL_LOG(ERR, "VFIO: container %d still has %u open device(s): release them with rte_vfio_release_device() first (EBUSY)",
			cont->fd, vfio_group_open_devices_locked(cont));
		return eal_fail(EBUSY);
	}
	return container_teardown(cont);
}

int
vfio_container_read_info_locked(struct vfio_container *cont)
{
	vfio_assert_locked();
	return cont->ops->read_info(cont);
}

int
eal_vfio_init(void)
{
	const struct vfio_backend *be = vfio_backend();
	struct vfio_container *cont;
	int err;

	unavailable_err = ENODEV;
	init_ran = true;
	if (vfio_mode_select() < 0)
		return -1;
	if (be == NULL || (!vfio_mode_is_cdev() && !be->present())) {
		EAL_LOG(INFO, "VFIO not available: %s does not exist (load vfio-pci)",
			VFIO_CONTAINER_PATH);
		return 0;
	}
	vfio_lock();
	cont = vfio_container_create_locked(true);
	err = rte_errno;
	vfio_unlock();
	if (cont == NULL) {
		unavailable_err = err == ENOTSUP ? ENOTSUP : ENODEV;
		EAL_LOG(INFO, "VFIO not available: the default container cannot be set up: %s",
			strerror(err));
		return 0;
	}
	unavailable_err = 0;
	/* outside the VFIO lock: registration takes the callback list lock */
	if (vfio_mem_register() < 0) {
		err = rte_errno;
		vfio_lock();
		container_teardown(cont);
		unavailable_err = ENODEV;
		vfio_unlock();
		EAL_LOG(ERR, "VFIO: cannot register the memory event callback: %s",
			strerror(err));
		return eal_fail(err);
	}
	if (vfio_mode_is_cdev())
		EAL_LOG(INFO, "VFIO: default container ready (iommufd IOAS %u)",
			cont->ioas_id);
	else
		EAL_LOG(INFO, "VFIO: default container ready (type1 v2 %s, UNMAP_ALL %s)",
		cont->has_v2 ? "offered" : "missing: type1 v1 fallback",
		cont->has_unmap_all ? "offered" : "missing");
	/* the IOVA mode is chosen from these, before memory exists */
	vfio_probe_iova_ranges();
	return 0;
}

void
eal_vfio_cleanup(void)
{
	unsigned int i;

	if (!vfio_available())
		return;
	/* no more memory events: heaps and memory are torn down after us */
	vfio_mem_unregister();
	vfio_lock();
	vfio_device_release_all_locked();
	for (i = 0; i < RTE_DIM(containers); i++)
		if (containers[i].used)
			container_teardown(&containers[i]);
	unavailable_err = ENODEV;
	vfio_unlock();
}

/*
 * The lock-resolve-call-unlock of every call on a container: take the
 * VFIO lock, resolve container_fd (RTE_VFIO_DEFAULT_CONTAINER_FD too),
 * call fn, release the lock. call names the public function in the log
 * line when VFIO is not available.
 */
int
vfio_with_container(const char *call, int container_fd,
		int (*fn)(struct vfio_container *cont, void *arg), void *arg)
{
	struct vfio_container *cont;
	int ret = -1;

	if (!vfio_available())
		return vfio_unavailable_fail(call);
	vfio_lock();
	cont = vfio_container_get_locked(container_fd);
	if (cont != NULL)
		ret = fn(cont, arg);
	vfio_unlock();
	return ret;
}

static int
stats_of(struct vfio_container *cont, void *arg)
{
	struct vfio_container_stats *st = arg;

	*st = cont->stats;
	st->map_ns = vfio_dma_kernel_ns(cont->stats.map_ns);
	st->unmap_ns = vfio_dma_kernel_ns(cont->stats.unmap_ns);
	st->records = vfio_records_count(cont->records);
	/* with an IOMMU set, every record is exactly one kernel mapping */
	if (cont->state == VFIO_CONT_IOMMU) {
		st->dma_entries = st->records;
		st->bytes_mapped = vfio_records_bytes(cont->records);
	} else {
		st->dma_entries = 0;
		st->bytes_mapped = 0;
	}
	st->dma_avail = cont->state == VFIO_CONT_IOMMU && cont->dma_avail_known ?
		cont->dma_avail : UINT64_MAX;
	return 0;
}

int
vfio_container_stats_get(int container_fd, struct vfio_container_stats *st)
{
	if (st == NULL)
		return eal_fail(EINVAL);
	return vfio_with_container(__func__, container_fd, stats_of, st);
}

static int
stats_clear(struct vfio_container *cont, void *arg __rte_unused)
{
	/* the gauges are computed from the records: only counters restart */
	memset(&cont->stats, 0, sizeof(cont->stats));
	return 0;
}

int
vfio_container_stats_reset(int container_fd)
{
	return vfio_with_container(__func__, container_fd, stats_clear, NULL);
}

struct walk_arg {
	void (*fn)(const struct vfio_record *rec, void *arg);
	void *arg;
};

static int
walk_records(struct vfio_container *cont, void *arg)
{
	const struct walk_arg *w = arg;
	const struct vfio_record *rec;

	for (rec = vfio_records_first(cont->records); rec != NULL;
			rec = vfio_records_next(cont->records, rec))
		w->fn(rec, w->arg);
	return 0;
}

int
vfio_container_records_walk(int container_fd,
		void (*fn)(const struct vfio_record *rec, void *arg), void *arg)
{
	struct walk_arg w = { .fn = fn, .arg = arg };

	if (fn == NULL)
		return eal_fail(EINVAL);
	return vfio_with_container(__func__, container_fd, walk_records, &w);
}

static int
state_of(struct vfio_container *cont, void *arg __rte_unused)
{
	return (int)cont->state;
}

int
vfio_container_state_get(int container_fd)
{
	return vfio_with_container(__func__, container_fd, state_of, NULL);
}

static int
type_of(struct vfio_container *cont, void *arg __rte_unused)
{
	return cont->iommu_type;
}

int
vfio_container_iommu_type(int container_fd)
{
	return vfio_with_container(__func__, container_fd, type_of, NULL);
}

int
eal_vfio_user_map_find(const void *va, size_t len, char *desc, size_t desc_len)
{
	uint64_t lo = (uintptr_t)va, hi = lo + len;
	const struct vfio_record *r;
	unsigned int i;
	int found = 0;

	if (!vfio_available())
		return 0;
	vfio_lock();
	/* by vaddr, so a walk over each container's records (a rare call) */
	for (i = 0; i < RTE_DIM(containers) && !found; i++) {
		const struct vfio_container *c = &containers[i];

		if (!c->used)
			continue;
		for (r = vfio_records_first(c->records); r != NULL;
				r = vfio_records_next(c->records, r)) {
			if (r->kind != VFIO_REC_USER || r->vaddr >= hi ||
					r->vaddr + r->len <= lo)
				continue;
			snprintf(desc, desc_len, "container fd %d%s: vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64,
				c->fd, c->is_default ? " (the default, RTE_VFIO_DEFAULT_CONTAINER_FD)" : "",
				r->vaddr, r->iova, r->len);
			found = 1;
			break;
		}
	}
	vfio_unlock();
	return found;
}
