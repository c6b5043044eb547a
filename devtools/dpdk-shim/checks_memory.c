/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's app/test/test_memory.c, unchanged (copied from Debian's
 * source package by devtools/dpdk-tests.sh): one check, memory_autotest
 * as dpdk-test runs it.
 */

#include "test_memory.c"

#include "shim_checks.h"

static int
memory_autotest(void)
{
	return shim_run_command("memory_autotest");
}

static const struct shim_check checks[] = {
	SHIM_CHECK(memory_autotest),
};
SHIM_FILE("test_memory.c", checks);
