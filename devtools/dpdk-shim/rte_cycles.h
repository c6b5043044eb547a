/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_RTE_CYCLES_H
#define MEMVFIO_DPDK_SHIM_RTE_CYCLES_H

/* Time for the tests (seeds, delays): a nanosecond clock stands for the TSC. */

#include <stdint.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t
rte_rdtsc(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rte_get_timer_cycles(void) { return rte_rdtsc(); }
static inline uint64_t rte_get_timer_hz(void) { return 1000000000u; }
static inline uint64_t rte_get_tsc_hz(void) { return 1000000000u; }
static inline void rte_delay_us(unsigned int us) { usleep(us); }
static inline void rte_delay_ms(unsigned int ms) { usleep(ms * 1000u); }

#endif /* MEMVFIO_DPDK_SHIM_RTE_CYCLES_H */
