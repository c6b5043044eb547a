/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's app/test/test_external_mem.c, unchanged (copied from
 * Debian's source package by devtools/dpdk-tests.sh): one check,
 * external_mem_autotest as dpdk-test runs it (its eight sub-checks share
 * one mapping that the autotest sets up).
 */

#include "test_external_mem.c"

#include "shim_checks.h"

static int
external_mem_autotest(void)
{
	return shim_run_command("external_mem_autotest");
}

static const struct shim_check checks[] = {
	SHIM_CHECK(external_mem_autotest),
};
SHIM_FILE("test_external_mem.c", checks);
