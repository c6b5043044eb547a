/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_eal_init() and rte_eal_cleanup(): their state machine, refused
 * options, the IOVA mode decision, the runtime directory and the rollback
 * of a failed stage.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "eal_private.h"
#include "test.h"

static int
test_eal_init_cleanup(void)
{
	TEST_STEP("before init");
	TEST_ASSERT(!eal_is_initialized(), "initialized at start");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_DC, "iova mode");
	TEST_ASSERT_ERRNO(rte_eal_cleanup(), EALREADY, "cleanup without init");

	TEST_STEP("init with --no-huge");
	TEST_ASSERT_EQUAL(test_eal_init("--no-huge", NULL), 1,
		"consumed arguments (rte_errno %d: %s)", rte_errno,
		rte_strerror(rte_errno));
	TEST_ASSERT(eal_is_initialized(), "not initialized");
	TEST_ASSERT_EQUAL(rte_eal_has_hugepages(), 0, "has hugepages");
	TEST_ASSERT_EQUAL(rte_eal_process_type(), RTE_PROC_PRIMARY, "proc type");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_VA, "default iova mode");
	TEST_ASSERT_EQUAL(rte_eal_using_phys_addrs(), 0, "phys addrs");
	TEST_ASSERT_EQUAL(rte_eal_has_pci(), 1, "has pci");

	TEST_STEP("a second init is refused and changes nothing");
	TEST_ASSERT_ERRNO(test_eal_init("--no-huge", "--no-pci", NULL), EALREADY,
		"second init");
	TEST_ASSERT(eal_is_initialized(), "second init undid the first");
	TEST_ASSERT_EQUAL(rte_eal_has_pci(), 1, "second init changed options");

	TEST_STEP("cleanup, then cleanup again");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	TEST_ASSERT(!eal_is_initialized(), "initialized after cleanup");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_DC, "iova mode");
	TEST_ASSERT_ERRNO(rte_eal_cleanup(), EALREADY, "second cleanup");

	TEST_STEP("init again after cleanup, with other options");
	TEST_ASSERT_EQUAL(test_eal_init("--no-huge", "--no-pci",
		"--iova-mode=va", "--", "app-arg", NULL), 4,
		"init after cleanup (rte_errno %d: %s)", rte_errno,
		rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(rte_eal_has_pci(), 0, "--no-pci");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_VA, "iova mode");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_init_autotest, test_eal_init_cleanup);

static int
test_eal_init_refused(void)
{
	TEST_STEP("bad option: EINVAL, not initialized");
	TEST_ASSERT_ERRNO(test_eal_init("--no-huge", "--bogus", NULL), EINVAL,
		"bad option");
	TEST_ASSERT(!eal_is_initialized(), "initialized");
	TEST_ASSERT_ERRNO(test_eal_init("--dynamic-mem", NULL), EINVAL,
		"--dynamic-mem without --no-huge");
	TEST_ASSERT(!eal_is_initialized(), "initialized");

	TEST_STEP("--proc-type=secondary: ENOTSUP");
	TEST_ASSERT_ERRNO(test_eal_init("--no-huge", "--proc-type=secondary",
		NULL), ENOTSUP, "secondary");
	TEST_ASSERT(!eal_is_initialized(), "initialized");

	TEST_STEP("after refusals a good init works");
	TEST_ASSERT_EQUAL(test_eal_init("--no-huge", NULL), 1,
		"init (rte_errno %d: %s)", rte_errno, rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_init_refused_autotest, test_eal_init_refused);

/* Whether the pagemap shows this process its page frame numbers. */
static bool
pagemap_has_pfn(void)
{
	size_t pgsz = test_page_size();
	uint64_t entry = 0;
	bool ok = false;
	char *page;
	int fd;

	page = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return false;
	page[0] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0) {
		off_t off = (off_t)((uintptr_t)page / pgsz * sizeof(entry));

		/* Without CAP_SYS_ADMIN the kernel reports frame 0. */
		if (pread(fd, &entry, sizeof(entry), off) == sizeof(entry))
			ok = (entry & (1ULL << 63)) &&
				(entry & ((1ULL << 55) - 1)) != 0;
		close(fd);
	}
	munmap(page, pgsz);
	return ok;
}

static int
test_eal_iova_pa(void)
{
	if (pagemap_has_pfn()) {
		TEST_STEP("pagemap readable: --iova-mode=pa succeeds");
		TEST_ASSERT_EQUAL(test_eal_init("--no-huge", "--iova-mode=pa",
			NULL), 2, "init (rte_errno %d: %s)", rte_errno,
			rte_strerror(rte_errno));
		TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_PA, "iova mode");
		TEST_ASSERT_EQUAL(rte_eal_using_phys_addrs(), 1, "phys addrs");
		TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
		return TEST_SUCCESS;
	}
	TEST_STEP("no pagemap access: --iova-mode=pa gives EACCES");
	TEST_ASSERT_ERRNO(test_eal_init("--no-huge", "--iova-mode=pa", NULL),
		EACCES, "IOVA as PA without privilege");
	TEST_ASSERT(!eal_is_initialized(), "initialized");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_DC,
		"refused init left an IOVA mode");
	TEST_ASSERT_EQUAL(rte_eal_using_phys_addrs(), 0, "phys addrs");

	TEST_STEP("--iova-mode=va needs nothing at init");
	TEST_ASSERT_EQUAL(test_eal_init("--no-huge", "--iova-mode=va", NULL), 2,
		"init (rte_errno %d: %s)", rte_errno, rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_VA, "iova mode");
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_iova_mode_autotest, test_eal_iova_pa);

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static int
test_eal_runtime_dir(void)
{
	char prefix[64], opt[96], suffix[80];
	const char *dir;

	TEST_STEP("the runtime directory is created and ends in the prefix");
	snprintf(prefix, sizeof(prefix), "memvfio_test_%d", (int)getpid());
	snprintf(opt, sizeof(opt), "--file-prefix=%s", prefix);
	snprintf(suffix, sizeof(suffix), "/dpdk/%s", prefix);
	TEST_ASSERT_EQUAL(test_eal_init("--no-huge", opt, NULL), 2,
		"init (rte_errno %d: %s)", rte_errno, rte_strerror(rte_errno));
	dir = rte_eal_get_runtime_dir();
	TEST_ASSERT(ends_with(dir, suffix), "runtime dir %s, expected .../dpdk/%s",
		dir, prefix);
	TEST_ASSERT(is_dir(dir), "%s was not created", dir);
	rmdir(dir);
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");

	TEST_STEP("with --in-memory it is named but not created");
	snprintf(prefix, sizeof(prefix), "memvfio_test_mem_%d", (int)getpid());
	snprintf(opt, sizeof(opt), "--file-prefix=%s", prefix);
	snprintf(suffix, sizeof(suffix), "/dpdk/%s", prefix);
	TEST_ASSERT_EQUAL(test_eal_init("--no-huge", "--in-memory", opt, NULL), 3,
		"init (rte_errno %d: %s)", rte_errno, rte_strerror(rte_errno));
	dir = rte_eal_get_runtime_dir();
	TEST_ASSERT(ends_with(dir, suffix), "runtime dir %s", dir);
	TEST_ASSERT(!is_dir(dir), "%s was created with --in-memory", dir);
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_runtime_dir_autotest, test_eal_runtime_dir);

static int
test_eal_sysfs_root(void)
{
	TEST_STEP("default /sys, settable, NULL or empty restores it");
	TEST_ASSERT(strcmp(eal_sysfs_root(), "/sys") == 0, "default %s",
		eal_sysfs_root());
	eal_set_sysfs_root("/tmp/fake-sys");
	TEST_ASSERT(strcmp(eal_sysfs_root(), "/tmp/fake-sys") == 0, "set %s",
		eal_sysfs_root());
	eal_set_sysfs_root(NULL);
	TEST_ASSERT(strcmp(eal_sysfs_root(), "/sys") == 0, "NULL %s",
		eal_sysfs_root());
	eal_set_sysfs_root("/x");
	eal_set_sysfs_root("");
	TEST_ASSERT(strcmp(eal_sysfs_root(), "/sys") == 0, "empty %s",
		eal_sysfs_root());
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_sysfs_root_autotest, test_eal_sysfs_root);

static int
test_eal_stage_rollback(void)
{
	int ret;

	TEST_STEP("the memory stage fails: init fails, earlier stages undone");
	/*
	 * 1 PiB: more than any address space offers. The memory stage may
	 * refuse the size up front (EINVAL) or fail to reserve it (ENOMEM).
	 */
	rte_errno = 0;
	ret = test_eal_init("--no-huge", "-m", "1073741824", NULL);
	TEST_ASSERT_EQUAL(ret, -1, "impossible memory size accepted");
	TEST_ASSERT(rte_errno == ENOMEM || rte_errno == EINVAL,
		"rte_errno %d (%s), expected ENOMEM or EINVAL", rte_errno,
		rte_strerror(rte_errno));
	TEST_ASSERT(!eal_is_initialized(), "initialized");
	TEST_ASSERT_EQUAL(rte_eal_iova_mode(), RTE_IOVA_DC, "iova mode left set");
	TEST_ASSERT_EQUAL(test_eal_init("--no-huge", NULL), 1,
		"init after a failed one (rte_errno %d: %s)", rte_errno,
		rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_eal_cleanup(), "cleanup");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_init_rollback_autotest, test_eal_stage_rollback);
