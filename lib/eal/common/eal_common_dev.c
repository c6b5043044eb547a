/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bus registry and the generic device calls, which only dispatch to
 * the device's bus.
 *
 * The registry is written by constructors before main() and read-only after
 * that, so it takes no lock.
 */

#include <string.h>

#include <rte_dev.h>

#include "dev_driver.h"
#include "eal_private.h"

static struct rte_bus *bus_list;

void
rte_bus_register(struct rte_bus *bus)
{
	struct rte_bus **p = &bus_list;

	/* keep registration order: it is the order buses are shown in */
	while (*p != NULL)
		p = &(*p)->next;
	bus->next = NULL;
	*p = bus;
}

struct rte_bus *
rte_bus_find_by_name(const char *name)
{
	struct rte_bus *bus;

	for (bus = bus_list; name != NULL && bus != NULL; bus = bus->next)
		if (strcmp(bus->name, name) == 0)
			return bus;
	rte_errno = ENOENT;
	return NULL;
}

const char *
rte_dev_name(const struct rte_device *dev)
{
	if (dev == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return dev->name;
}

int
rte_dev_numa_node(const struct rte_device *dev)
{
	if (dev == NULL) {
		rte_errno = EINVAL;
		return SOCKET_ID_ANY;
	}
	return dev->numa_node;
}

/* The checks both directions share; logs the refusal. */
static int
dma_args_check(const struct rte_device *dev, const void *addr, size_t len,
		const char *op)
{
	if (dev == NULL || addr == NULL || len == 0) {
		EAL_LOG(ERR, "%s: %s (device %p, addr %p, len %zu): all must be non-zero",
			op, dev == NULL ? "no device" : "bad range",
			(const void *)dev, addr, len);
		return eal_fail(EINVAL);
	}
	if (dev->bus == NULL || dev->bus->dma_map == NULL ||
			dev->bus->dma_unmap == NULL) {
		EAL_LOG(ERR, "%s: device %s is on bus %s, which cannot map memory for DMA",
			op, dev->name, dev->bus != NULL ? dev->bus->name : "(none)");
		return eal_fail(ENOTSUP);
	}
	return 0;
}

int
rte_dev_dma_map(struct rte_device *dev, void *addr, uint64_t iova, size_t len)
{
	if (dma_args_check(dev, addr, len, "rte_dev_dma_map") < 0)
		return -1;
	return dev->bus->dma_map(dev, addr, iova, len);
}

int
rte_dev_dma_unmap(struct rte_device *dev, void *addr, uint64_t iova, size_t len)
{
	if (dma_args_check(dev, addr, len, "rte_dev_dma_unmap") < 0)
		return -1;
	return dev->bus->dma_unmap(dev, addr, iova, len);
}
