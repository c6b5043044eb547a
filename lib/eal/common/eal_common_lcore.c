/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_lcore.h for a library without lcores: the calling thread's NUMA node
 * (libnuma) and the system's NUMA nodes. No lock: the node list is read
 * from libnuma on each call (slow paths only), and the per-thread node is
 * cached by the heap (malloc_heap_caller_socket(), which owns the lock
 * around libnuma's lazily filled cache).
 */

#include <rte_errno.h>
#include <rte_lcore.h>

#if RTE_HAS_LIBNUMA
#include <numa.h>
#endif

#include "eal_private.h"
#include "malloc_heap.h"

unsigned int
rte_lcore_id(void)
{
	return LCORE_ID_ANY;
}

unsigned int
rte_socket_id(void)
{
	return (unsigned int)malloc_heap_caller_socket();
}

/* The idx-th configured node (idx < 0: count them). */
static int
node_walk(int idx)
{
#if RTE_HAS_LIBNUMA
	int max, n = 0, node;

	if (numa_available() < 0)
		return idx < 0 ? 1 : (idx == 0 ? 0 : -1);
	max = numa_max_node();
	for (node = 0; node <= max; node++) {
		if (!numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)node))
			continue;
		if (n == idx)
			return node;
		n++;
	}
	if (idx < 0)
		return n > 0 ? n : 1;
	return n == 0 && idx == 0 ? 0 : -1;
#else
	return idx < 0 ? 1 : (idx == 0 ? 0 : -1);
#endif
}

unsigned int
rte_socket_count(void)
{
	return (unsigned int)node_walk(-1);
}

int
rte_socket_id_by_idx(unsigned int idx)
{
	int node = idx <= INT32_MAX ? node_walk((int)idx) : -1;

	if (node < 0) {
		EAL_LOG(ERR, "rte_socket_id_by_idx(%u): the system has %u NUMA node(s): pass 0 to rte_socket_count() - 1",
			idx, rte_socket_count());
		return eal_fail(EINVAL);
	}
	return node;
}
