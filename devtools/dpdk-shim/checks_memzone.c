/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's app/test/test_memzone.c, unchanged (copied from Debian's
 * source package by devtools/dpdk-tests.sh), and its checks in the order
 * its memzone_autotest runs them; last, memzone_autotest as a whole, as
 * dpdk-test runs it (it adds the check that no zone is left behind).
 */

#include "test_memzone.c"

#include "shim_checks.h"

static int
memzone_autotest(void)
{
	return shim_run_command("memzone_autotest");
}

/* Why two checks do not run with --no-huge. */
static const char nohuge_socket[] = "without hugepages DPDK 22.11 "
	"ignores the socket of a reservation (memory is on socket 0), so its zone asked for "
	"on socket 1 is reserved on socket 0 and the check that it "
	"is on socket 1 fails on DPDK too, which therefore does not "
	"run memzone_autotest with --no-huge (app/test/meson.build); "
	"memvfio follows DPDK (doc/guides/dpdk_tests.rst)";

static const struct shim_check checks[] = {
	SHIM_EXCLUDED_IN("nohuge", test_memzone_basic, nohuge_socket),
	SHIM_CHECK(test_memzone_free),
	SHIM_CHECK(test_memzone_reserving_zone_size_bigger_than_the_maximum),
	SHIM_CHECK(test_memzone_reserve_flags),
	SHIM_CHECK(test_memzone_aligned),
	SHIM_CHECK(test_memzone_bounded),
	SHIM_CHECK(test_memzone_invalid_alignment),
	SHIM_CHECK(test_memzone_invalid_flags),
	SHIM_CHECK(test_memzone_reserve_max),
	SHIM_CHECK(test_memzone_reserve_max_aligned),
	SHIM_EXCLUDED_IN("nohuge", memzone_autotest, nohuge_socket),
};
SHIM_FILE("test_memzone.c", checks);
