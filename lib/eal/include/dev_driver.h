/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _DEV_DRIVER_H_
#define _DEV_DRIVER_H_

/*
 * The driver side of rte_dev.h: what a bus fills in for each of its devices
 * and the operations it offers. For buses and drivers only; applications
 * see struct rte_device as opaque.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_dev.h>

struct rte_bus;

/* Map or unmap memory for one device of the bus (rte_dev_dma_map()). */
typedef int (*rte_bus_dma_map_t)(struct rte_device *dev, void *addr,
		uint64_t iova, size_t len);
typedef int (*rte_bus_dma_unmap_t)(struct rte_device *dev, void *addr,
		uint64_t iova, size_t len);

/* One bus. Registered once, at load time, and never freed. */
struct rte_bus {
	struct rte_bus *next;           /* the registry's list (eal_common_dev.c) */
	const char *name;               /* "pci" */
	rte_bus_dma_map_t dma_map;      /* NULL: the bus cannot map DMA */
	rte_bus_dma_unmap_t dma_unmap;
};

/* The generic part of a device, embedded in the bus's own device structure. */
struct rte_device {
	const char *name;               /* unique on its bus */
	const struct rte_bus *bus;
	int numa_node;                  /* SOCKET_ID_ANY when unknown */
};

/* Add a bus to the registry (from a constructor). */
__rte_internal
void rte_bus_register(struct rte_bus *bus);

/* The registered bus of that name, or NULL with rte_errno ENOENT. */
struct rte_bus *rte_bus_find_by_name(const char *name);

/* Register a bus when the library that holds it is loaded. */
#define RTE_REGISTER_BUS(nm, bus) \
	__attribute__((constructor)) static void businitfn_ ##nm(void) \
	{ \
		(bus).name = RTE_STR(nm); \
		rte_bus_register(&(bus)); \
	}

#endif /* _DEV_DRIVER_H_ */
