/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_RTE_RANDOM_H
#define MEMVFIO_DPDK_SHIM_RTE_RANDOM_H

/* Pseudo-random numbers for the tests' sizes and alignments (shim_main.c). */

#include <stdint.h>

void rte_srand(uint64_t seed);
uint64_t rte_rand(void);

#endif /* MEMVFIO_DPDK_SHIM_RTE_RANDOM_H */
