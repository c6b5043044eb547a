/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_RTE_PER_LCORE_H
#define MEMVFIO_DPDK_SHIM_RTE_PER_LCORE_H

/* Per-lcore variables are thread-local variables (the shim's lcores are threads). */
#define RTE_DEFINE_PER_LCORE(type, name) __thread __typeof__(type) per_lcore_##name
#define RTE_DECLARE_PER_LCORE(type, name) extern __thread __typeof__(type) per_lcore_##name
#define RTE_PER_LCORE(name) (per_lcore_##name)

#endif /* MEMVFIO_DPDK_SHIM_RTE_PER_LCORE_H */
