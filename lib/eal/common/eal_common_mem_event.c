/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory event callbacks.
 *
 * Locks: mem_event_lock (a rwlock, number 3 in the order of eal_memcfg.h)
 * protects the callback list. Register and unregister take it for writing;
 * eal_mem_event_notify() takes it for reading while it runs the callbacks,
 * which is why a callback must not register or unregister callbacks: such a
 * call from the notifying thread is refused (EDEADLK, see notify_depth)
 * instead of blocking forever on the write lock. The
 * caller of eal_mem_event_notify() holds the hotplug lock (number 2) and the
 * callbacks may take the VFIO lock (number 4).
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_memcfg.h"
#include "eal_private.h"

struct mem_event_callback {
	TAILQ_ENTRY(mem_event_callback) next;
	char name[RTE_MEM_EVENT_CALLBACK_NAME_LEN];
	void *arg;
	rte_mem_event_callback_t clb;              /* DPDK's kind, or NULL */
	rte_mem_event_check_callback_t check_clb;  /* may refuse ALLOC, or NULL */
	bool internal;  /* the EAL's own (VFIO DMA mapping): not the API's to remove */
};

TAILQ_HEAD(mem_event_callback_list, mem_event_callback);

static struct mem_event_callback_list callbacks =
	TAILQ_HEAD_INITIALIZER(callbacks);
static pthread_rwlock_t mem_event_lock = PTHREAD_RWLOCK_INITIALIZER;

/*
 * How many notifications this thread is running callbacks of. Non-zero
 * means the thread holds mem_event_lock for reading (and the hotplug lock):
 * taking it for writing would never return, so register and unregister
 * refuse instead.
 */
static __thread unsigned int notify_depth;

/* Refuse (EDEADLK) a register/unregister from inside a callback. */
static int
check_not_in_callback(const char *what, const char *name)
{
	if (notify_depth == 0)
		return 0;
	EAL_LOG(ERR, "mem event callback %s of '%s' from inside a mem event callback (%u notification(s) running in this thread): it would wait forever on the callback list's lock; do it outside the callback",
		what, name, notify_depth);
	return eal_fail(EDEADLK);
}

/* The callback of that name and arg among the EAL's own or the others. */
static struct mem_event_callback *
find_callback(const char *name, void *arg, bool internal)
{
	struct mem_event_callback *cb;

	TAILQ_FOREACH(cb, &callbacks, next) {
		if (cb->internal == internal && cb->arg == arg &&
				strcmp(cb->name, name) == 0)
			return cb;
	}
	return NULL;
}

/* An EAL callback of that name, whatever its arg. */
static bool
name_is_internal(const char *name)
{
	struct mem_event_callback *cb;

	TAILQ_FOREACH(cb, &callbacks, next) {
		if (cb->internal && strcmp(cb->name, name) == 0)
			return true;
	}
	return false;
}

static int
check_name(const char *name)
{
	size_t len;

	if (name == NULL) {
		EAL_LOG(ERR, "mem event callback: NULL name");
		return eal_fail(EINVAL);
	}
	len = strnlen(name, RTE_MEM_EVENT_CALLBACK_NAME_LEN);
	if (len == 0 || len == RTE_MEM_EVENT_CALLBACK_NAME_LEN) {
		EAL_LOG(ERR, "mem event callback name must have 1 to %d characters",
			RTE_MEM_EVENT_CALLBACK_NAME_LEN - 1);
		return eal_fail(EINVAL);
	}
	return 0;
}

static int
add_callback(const char *name, rte_mem_event_callback_t clb,
		rte_mem_event_check_callback_t check_clb, void *arg, bool internal)
{
	struct mem_event_callback *cb;
	int ret = 0;

	if (check_name(name) < 0)
		return -1;
	if (clb == NULL && check_clb == NULL) {
		EAL_LOG(ERR, "mem event callback '%s': NULL function", name);
		return eal_fail(EINVAL);
	}
	if (check_not_in_callback("register", name) < 0)
		return -1;
	cb = calloc(1, sizeof(*cb));
	if (cb == NULL)
		return eal_fail(ENOMEM);
	strcpy(cb->name, name);
	cb->arg = arg;
	cb->clb = clb;
	cb->check_clb = check_clb;
	cb->internal = internal;

	pthread_rwlock_wrlock(&mem_event_lock);
	if (!internal && name_is_internal(name)) {
		/* a second one under that name would make it ambiguous which one an unregister means */
		EAL_LOG(ERR, "mem event callback name '%s' is the EAL's own (DMA mapping of the heap): choose another name",
			name);
		ret = eal_fail(EPERM);
	} else if (find_callback(name, arg, internal) != NULL) {
		EAL_LOG(ERR, "mem event callback '%s' with arg %p is already registered",
			name, arg);
		ret = eal_fail(EEXIST);
	} else {
		TAILQ_INSERT_TAIL(&callbacks, cb, next);
	}
	pthread_rwlock_unlock(&mem_event_lock);
	if (ret < 0)
		free(cb);
	return ret;
}

int
rte_mem_event_callback_register(const char *name, rte_mem_event_callback_t clb,
		void *arg)
{
	return add_callback(name, clb, NULL, arg, false);
}

int
rte_mem_event_check_callback_register(const char *name,
		rte_mem_event_check_callback_t clb, void *arg)
{
	return add_callback(name, NULL, clb, arg, false);
}

int
eal_mem_event_internal_register(const char *name,
		rte_mem_event_check_callback_t clb, void *arg)
{
	return add_callback(name, NULL, clb, arg, true);
}

/* Remove one callback of the given ownership; see the public function. */
static int
remove_callback(const char *name, void *arg, bool internal)
{
	struct mem_event_callback *cb;
	bool eal_owned = false;

	if (name == NULL) {
		EAL_LOG(ERR, "mem event callback: NULL name");
		return eal_fail(EINVAL);
	}
	if (check_not_in_callback("unregister", name) < 0)
		return -1;
	pthread_rwlock_wrlock(&mem_event_lock);
	cb = find_callback(name, arg, internal);
	if (cb != NULL)
		TAILQ_REMOVE(&callbacks, cb, next);
	else if (!internal)
		eal_owned = find_callback(name, arg, true) != NULL;
	pthread_rwlock_unlock(&mem_event_lock);
	if (eal_owned) {
		/* without it, heap memory would be handed out without a DMA mapping */
		EAL_LOG(ERR, "mem event callback '%s' with arg %p belongs to the EAL (it maps heap memory for DMA): it cannot be unregistered; it goes with rte_eal_cleanup()",
			name, arg);
		return eal_fail(EPERM);
	}
	if (cb == NULL) {
		EAL_LOG(ERR, "mem event callback '%s' with arg %p is not registered",
			name, arg);
		return eal_fail(ENOENT);
	}
	free(cb);
	return 0;
}

int
rte_mem_event_callback_unregister(const char *name, void *arg)
{
	return remove_callback(name, arg, false);
}

int
eal_mem_event_internal_unregister(const char *name, void *arg)
{
	return remove_callback(name, arg, true);
}

/* Run one callback; returns its verdict (FREE always accepts). */
static int
call(struct mem_event_callback *cb, enum rte_mem_event event, const void *addr,
		size_t len)
{
	if (cb->clb != NULL) {
		cb->clb(event, addr, len, cb->arg);
		return 0;
	}
	return cb->check_clb(event, addr, len, cb->arg);
}

static void
notify_free_before(struct mem_event_callback *stop, const void *addr, size_t len)
{
	struct mem_event_callback *cb = stop;

	while ((cb = TAILQ_PREV(cb, mem_event_callback_list, next)) != NULL)
		call(cb, RTE_MEM_EVENT_FREE, addr, len);
}

int
eal_mem_event_notify(enum rte_mem_event event, const void *addr, size_t len)
{
	struct mem_event_callback *cb;
	int err = 0;

	pthread_rwlock_rdlock(&mem_event_lock);
	notify_depth++;
	if (event == RTE_MEM_EVENT_FREE) {
		TAILQ_FOREACH_REVERSE(cb, &callbacks, mem_event_callback_list, next)
			call(cb, event, addr, len);
		notify_depth--;
		pthread_rwlock_unlock(&mem_event_lock);
		return 0;
	}
	TAILQ_FOREACH(cb, &callbacks, next) {
		rte_errno = 0;
		if (call(cb, event, addr, len) != 0) {
			err = rte_errno != 0 ? rte_errno : EFAULT;
			EAL_LOG(NOTICE, "mem event callback '%s' refused %zu bytes at %p: %s",
				cb->name, len, addr, rte_strerror(err));
			/* Those that accepted must forget the range again. */
			notify_free_before(cb, addr, len);
			break;
		}
	}
	notify_depth--;
	pthread_rwlock_unlock(&mem_event_lock);
	if (err != 0)
		return eal_fail(err);
	return 0;
}

void
eal_mem_event_cleanup(void)
{
	struct mem_event_callback *cb;

	pthread_rwlock_wrlock(&mem_event_lock);
	while ((cb = TAILQ_FIRST(&callbacks)) != NULL) {
		TAILQ_REMOVE(&callbacks, cb, next);
		free(cb);
	}
	pthread_rwlock_unlock(&mem_event_lock);
}
