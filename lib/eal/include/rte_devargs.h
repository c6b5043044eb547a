/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_DEVARGS_H_
#define _RTE_DEVARGS_H_

/**
 * @file
 * Device arguments given on the EAL command line (-a BDF,key=val, -b BDF,
 * --vdev name,key=val), kept for the buses as DPDK 22.11 keeps them: one
 * struct rte_devargs per option, walked with rte_devargs_next() or
 * RTE_EAL_DEVARGS_FOREACH. The list is built by rte_eal_init() and emptied
 * by rte_eal_cleanup().
 */

#include <stdio.h>
#include <sys/queue.h>

#include <rte_dev.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

struct rte_bus;
struct rte_class;

/** Longest device name, NUL included (as DPDK). */
#ifndef RTE_DEV_NAME_MAX_LEN
#define RTE_DEV_NAME_MAX_LEN 64
#endif

/** What the command line asked for the device. */
enum rte_dev_policy {
	RTE_DEV_ALLOWED,  /**< -a / --allow, --vdev */
	RTE_DEV_BLOCKED,  /**< -b / --block */
};

/** Kept for source compatibility with DPDK; use the policy. */
enum rte_devtype {
	RTE_DEVTYPE_ALLOWED,
	RTE_DEVTYPE_BLOCKED,
	RTE_DEVTYPE_VIRTUAL,
};

/** One device argument. */
struct rte_devargs {
	TAILQ_ENTRY(rte_devargs) next; /**< the list, in command line order */
	enum rte_devtype type;         /**< deprecated in DPDK: see policy */
	enum rte_dev_policy policy;
	char name[RTE_DEV_NAME_MAX_LEN]; /**< "0000:00:04.0", "net_tap0" */
	union {
		const char *args;      /**< "key=val,..." ("" when none) */
		const char *drv_str;
	};
	struct rte_bus *bus;           /**< the registered bus, or NULL */
	struct rte_class *cls;         /**< always NULL here */
	const char *bus_str;           /**< "pci" or "vdev" */
	const char *cls_str;           /**< always NULL here */
	char *data;                    /**< storage of args */
};

/**
 * The device argument after start (the first one when start is NULL) whose
 * bus is busname (any bus when busname is NULL).
 *
 * @return the next device argument, or NULL at the end of the list (with
 *   rte_errno left as it was); NULL with rte_errno EINVAL when start is not
 *   in the list
 */
struct rte_devargs *
rte_devargs_next(const char *busname, const struct rte_devargs *start);

/**
 * Print every device argument to f (stdout when NULL).
 */
void rte_devargs_dump(FILE *f);

#pragma GCC visibility pop

/** Walk the device arguments of one bus (every bus when busname is NULL). */
#define RTE_EAL_DEVARGS_FOREACH(busname, da) \
	for ((da) = rte_devargs_next((busname), NULL); \
	     (da) != NULL; \
	     (da) = rte_devargs_next((busname), (da)))

#ifdef __cplusplus
}
#endif

#endif /* _RTE_DEVARGS_H_ */
