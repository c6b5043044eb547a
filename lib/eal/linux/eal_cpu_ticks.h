/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_CPU_TICKS_H_
#define _EAL_CPU_TICKS_H_

/*
 * Timing a kernel call by the CPU's counter, with no EAL state: shared by
 * the EAL's per-container statistics (vfio_dma_kernel.c) and the map
 * benchmark, which is also built against DPDK 22.11 and must not call
 * the EAL.
 *
 * Why the counter and not clock_gettime(): on a host whose clocksource is
 * the TSC a clock read costs nothing, but in a guest under emulation the
 * kernel may mark the TSC unstable and read a device instead, and two
 * such reads around every call weighed more than a small unmap's own
 * work. CLOCK_MONOTONIC_COARSE is cheap too, but ticks by milliseconds:
 * it would round most calls to zero. The counter is converted to
 * nanoseconds when a total is read, by the rate seen since the first
 * timed call (two clock reads then, none per call).
 */

#include <stdint.h>
#include <time.h>

static inline uint64_t
eal_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t
eal_cpu_ticks(void)
{
	return __rdtsc();
}
#elif defined(__aarch64__)
static inline uint64_t
eal_cpu_ticks(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntvct_el0" : "=r" (v));
	return v;
}
#else
#define EAL_TICKS_ARE_NS 1
static inline uint64_t
eal_cpu_ticks(void)
{
	return eal_clock_ns();
}
#endif

/* the counter and the clock at the first timed call: the rate's origin */
struct eal_ticks_cal {
	uint64_t ticks;
	uint64_t ns;
};

/* The counter now, to time a call; the first call sets cal's origin. */
static inline uint64_t
eal_ticks_start(struct eal_ticks_cal *cal)
{
	uint64_t t = eal_cpu_ticks();

	if (cal->ticks == 0) {
		cal->ns = eal_clock_ns();
		cal->ticks = t;
	}
	return t;
}

/* t ticks of the counter in nanoseconds (0 before any timed call). */
static inline uint64_t
eal_ticks_ns(const struct eal_ticks_cal *cal, uint64_t t)
{
#ifdef EAL_TICKS_ARE_NS
	return t;
#else
	uint64_t dt, dns;

	if (cal->ticks == 0)
		return 0;
	dt = eal_cpu_ticks() - cal->ticks;
	dns = eal_clock_ns() - cal->ns;
	if (dt == 0 || dns == 0)
		return 0;
	return (uint64_t)((double)t * (double)dns / (double)dt);
#endif
}

#endif /* _EAL_CPU_TICKS_H_ */
