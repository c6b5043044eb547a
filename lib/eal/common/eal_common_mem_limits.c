/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Limits on memory growth: the DMA mask (rte_mem_set_dma_mask(),
 * rte_mem_check_dma_mask()) and the allocation validators
 * (rte_mem_alloc_validator_register()). Both are enforced where the heap
 * grows (malloc_heap_pages.c): validators before new pages are taken,
 * the DMA mask on the new pages' IOVAs before they are handed out.
 *
 * Lock: limits_lock, a mutex over the validator list and the mask. It is
 * a leaf of eal_memcfg.h's order, taken inside a heap's lock (growth) or
 * alone; validator callbacks run with it and the heap's lock held, so
 * they must neither allocate EAL memory nor (un)register a validator.
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"

#define MAX_DMA_MASK_BITS 63

struct validator {
	struct validator *next;
	char name[RTE_MEM_ALLOC_VALIDATOR_NAME_LEN];
	rte_mem_alloc_validator_t clb;
	int socket_id;
	size_t limit;
};

static pthread_mutex_t limits_lock = PTHREAD_MUTEX_INITIALIZER;
static struct validator *validators;
static uint8_t dma_maskbits; /* 0: no mask set */

struct mask_walk {
	uint64_t limit;
	const void *bad_va;
	rte_iova_t bad_iova;
};

static int
check_seg(const struct rte_memseg_list *msl __rte_unused,
		const struct rte_memseg *ms, void *arg)
{
	struct mask_walk *w = arg;

	if (ms->iova == RTE_BAD_IOVA)
		return 0; /* never mapped: no device sees it */
	if (ms->iova + ms->len - 1 > w->limit) {
		w->bad_va = ms->addr;
		w->bad_iova = ms->iova;
		return 1;
	}
	return 0;
}

static int
check_mask(uint8_t maskbits, bool locked)
{
	struct mask_walk w = { 0, NULL, 0 };
	int ret;

	if (maskbits == 0 || maskbits > MAX_DMA_MASK_BITS) {
		EAL_LOG(ERR, "rte_mem_check_dma_mask: mask of %u bits: give 1 to %d",
			maskbits, MAX_DMA_MASK_BITS);
		return eal_fail(EINVAL);
	}
	w.limit = (1ULL << maskbits) - 1;
	ret = locked ? rte_memseg_walk_thread_unsafe(check_seg, &w) :
		rte_memseg_walk(check_seg, &w);
	if (ret > 0) {
		EAL_LOG(ERR, "rte_mem_check_dma_mask: the page at %p has IOVA 0x%" PRIx64 ", beyond a %u-bit DMA mask (IOVAs are %s): a device with this mask cannot reach it",
			w.bad_va, w.bad_iova, maskbits,
			rte_eal_iova_mode() == RTE_IOVA_VA ? "virtual addresses in IOVA as VA" :
			"physical or EAL-assigned addresses");
		return eal_fail(ERANGE);
	}
	return 0;
}

int
rte_mem_check_dma_mask(uint8_t maskbits)
{
	return check_mask(maskbits, false);
}

int
rte_mem_check_dma_mask_thread_unsafe(uint8_t maskbits)
{
	return check_mask(maskbits, true);
}

void
rte_mem_set_dma_mask(uint8_t maskbits)
{
	if (maskbits == 0 || maskbits > MAX_DMA_MASK_BITS) {
		EAL_LOG(ERR, "rte_mem_set_dma_mask: mask of %u bits: give 1 to %d; nothing set",
			maskbits, MAX_DMA_MASK_BITS);
		rte_errno = EINVAL;
		return;
	}
	/* The narrowest mask asked for wins (several devices, one memory). */
	pthread_mutex_lock(&limits_lock);
	if (dma_maskbits == 0 || maskbits < dma_maskbits)
		dma_maskbits = maskbits;
	pthread_mutex_unlock(&limits_lock);
}

int
eal_mem_growth_dma_ok(const void *va, size_t len)
{
	const struct rte_memseg *ms;
	uintptr_t a, end = (uintptr_t)va + len;
	uint64_t limit;
	uint8_t bits;

	pthread_mutex_lock(&limits_lock);
	bits = dma_maskbits;
	pthread_mutex_unlock(&limits_lock);
	if (bits == 0)
		return 0;
	limit = (1ULL << bits) - 1;
	for (a = (uintptr_t)va; a < end; a += ms->len) {
		ms = rte_mem_virt2memseg((const void *)a, NULL);
		if (ms == NULL)
			return 0;
		if (ms->iova != RTE_BAD_IOVA && ms->iova + ms->len - 1 > limit) {
			EAL_LOG(ERR, "heap: new page at %p has IOVA 0x%" PRIx64 ", beyond the %u-bit DMA mask set with rte_mem_set_dma_mask(): the pages are given back",
				(const void *)a, ms->iova, bits);
			return eal_fail(ENOMEM);
		}
	}
	return 0;
}

int
eal_mem_growth_validate(int socket_id, size_t new_total)
{
	struct validator *v;
	int ret = 0;

	pthread_mutex_lock(&limits_lock);
	for (v = validators; v != NULL && ret == 0; v = v->next) {
		if (v->socket_id != socket_id || new_total <= v->limit)
			continue;
		if (v->clb(socket_id, v->limit, new_total) < 0) {
			EAL_LOG(ERR, "heap: growth of socket %d to %zu bytes refused by the allocation validator \"%s\" (limit %zu)",
				socket_id, new_total, v->name, v->limit);
			ret = eal_fail(ENOMEM);
		}
	}
	pthread_mutex_unlock(&limits_lock);
	return ret;
}

static int
check_name(const char *fn, const char *name, int socket_id)
{
	if (name == NULL) {
		EAL_LOG(ERR, "%s: NULL name", fn);
		return eal_fail(EINVAL);
	}
	if (strnlen(name, RTE_MEM_ALLOC_VALIDATOR_NAME_LEN) ==
			RTE_MEM_ALLOC_VALIDATOR_NAME_LEN) {
		EAL_LOG(ERR, "%s(\"%s\"): the name is longer than %d characters",
			fn, name, RTE_MEM_ALLOC_VALIDATOR_NAME_LEN - 1);
		return eal_fail(ENAMETOOLONG);
	}
	if (socket_id < 0) {
		EAL_LOG(ERR, "%s(\"%s\"): socket %d: give a NUMA node", fn, name,
			socket_id);
		return eal_fail(EINVAL);
	}
	return 0;
}

static struct validator **
find_validator(const char *name, int socket_id)
{
	struct validator **pv;

	for (pv = &validators; *pv != NULL; pv = &(*pv)->next)
		if ((*pv)->socket_id == socket_id && strcmp((*pv)->name, name) == 0)
			return pv;
	return NULL;
}

int
rte_mem_alloc_validator_register(const char *name,
		rte_mem_alloc_validator_t clb, int socket_id, size_t limit)
{
	struct validator *v;

	if (check_name(__func__, name, socket_id) < 0)
		return -1;
	if (clb == NULL) {
		EAL_LOG(ERR, "%s(\"%s\"): NULL callback", __func__, name);
		return eal_fail(EINVAL);
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		EAL_LOG(ERR, "%s(\"%s\"): out of memory", __func__, name);
		return eal_fail(ENOMEM);
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->clb = clb;
	v->socket_id = socket_id;
	v->limit = limit;
	pthread_mutex_lock(&limits_lock);
	if (find_validator(name, socket_id) != NULL) {
		pthread_mutex_unlock(&limits_lock);
		free(v);
		EAL_LOG(ERR, "%s(\"%s\"): a validator of that name watches socket %d already",
			__func__, name, socket_id);
		return eal_fail(EEXIST);
	}
	v->next = validators;
	validators = v;
	pthread_mutex_unlock(&limits_lock);
	return 0;
}

int
rte_mem_alloc_validator_unregister(const char *name, int socket_id)
{
	struct validator **pv, *v;

	if (check_name(__func__, name, socket_id) < 0)
		return -1;
	pthread_mutex_lock(&limits_lock);
	pv = find_validator(name, socket_id);
	v = pv != NULL ? *pv : NULL;
	if (v != NULL)
		*pv = v->next;
	pthread_mutex_unlock(&limits_lock);
	if (v == NULL) {
		EAL_LOG(ERR, "%s(\"%s\"): no such validator on socket %d", __func__,
			name, socket_id);
		return eal_fail(ENOENT);
	}
	free(v);
	return 0;
}

void
eal_mem_limits_cleanup(void)
{
	struct validator *v;

	pthread_mutex_lock(&limits_lock);
	while ((v = validators) != NULL) {
		validators = v->next;
		free(v);
	}
	dma_maskbits = 0;
	pthread_mutex_unlock(&limits_lock);
}
