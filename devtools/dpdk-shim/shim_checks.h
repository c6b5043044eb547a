/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MEMVFIO_DPDK_SHIM_CHECKS_H
#define MEMVFIO_DPDK_SHIM_CHECKS_H

/*
 * The checks of one DPDK test file, in the order its autotest runs them.
 * Each wrapper (checks_*.c) includes the DPDK file unchanged and lists its
 * check functions here, so that each is run and counted on its own (a
 * DPDK autotest stops at its first failure) and a check that rests on
 * DPDK's internals can be excluded by name, with the reason
 * (doc/guides/dpdk_tests.rst).
 */

#include <stddef.h>

struct shim_check {
	const char *name;
	int (*fn)(void);
	const char *excluded; /* NULL: run; else why it is not run */
	const char *modes;    /* with excluded: only in these modes
				 (space-separated DPDK_SHIM_MODE values);
				 NULL: in every mode */
};

struct shim_file {
	const char *file;      /* DPDK's file, e.g. "test_malloc.c" */
	const struct shim_check *checks;
	size_t n;
};

/* The one file this executable was built with (its checks_*.c). */
extern const struct shim_file shim_file;

#define SHIM_CHECK(fn) { #fn, fn, NULL, NULL }
#define SHIM_CHECK_NAMED(name, fn) { name, fn, NULL, NULL }
#define SHIM_EXCLUDED(name, why) { name, NULL, why, NULL }
/* Run fn, except in the given modes, where it is excluded for why. */
#define SHIM_EXCLUDED_IN(modes, fn, why) { #fn, fn, why, modes }
#define SHIM_FILE(fname, table) \
	const struct shim_file shim_file = { fname, table, \
		sizeof(table) / sizeof((table)[0]) }

/* Launch f on every worker lcore and wait: -1 if any returned < 0. */
int shim_on_workers(int (*f)(void *), void *arg);
/* Run the autotest registered under name (REGISTER_TEST_COMMAND). */
int shim_run_command(const char *name);

#endif /* MEMVFIO_DPDK_SHIM_CHECKS_H */
