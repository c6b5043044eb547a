/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL option parsing (eal_parse_args), without initializing the EAL: each
 * good option and what it stores, each bad one with EINVAL (or ENOTSUP)
 * and no change to the configuration or the log levels.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "eal_private.h"
#include <rte_vfio.h>

#include "test.h"

#define MAX_ARGS 32

static char *args[MAX_ARGS + 1];
static int n_args;

/* Parse "prg" followed by the NULL-ended arguments. */
static int
parse(const char *arg, ...)
{
	va_list ap;

	n_args = 0;
	args[n_args++] = (char *)(uintptr_t)"prg";
	va_start(ap, arg);
	for (; arg != NULL && n_args < MAX_ARGS; arg = va_arg(ap, const char *))
		args[n_args++] = (char *)(uintptr_t)arg;
	va_end(ap);
	args[n_args] = NULL;
	return eal_parse_args(n_args, args);
}

static struct eal_internal_config *
cfg(void)
{
	return eal_get_internal_config();
}

static void
fresh(void)
{
	eal_log_init();
	eal_reset_internal_config(cfg());
}

/*
 * A parse that must fail with err and leave the configuration, the global
 * log level and the EAL log level as they were. A macro so the failure
 * points at the caller's line.
 */
#define ASSERT_REFUSED(err, ...) do { \
	struct eal_internal_config before_; \
	uint32_t glevel_ = rte_log_get_global_level(); \
	int tlevel_ = rte_log_get_level(RTE_LOGTYPE_EAL); \
	memcpy(&before_, cfg(), sizeof(before_)); \
	TEST_ASSERT_ERRNO(parse(__VA_ARGS__, NULL), err, "options refused"); \
	TEST_ASSERT(memcmp(&before_, cfg(), sizeof(before_)) == 0, \
		"a refused parse changed the configuration"); \
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), glevel_, \
		"a refused parse changed the global log level"); \
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), tlevel_, \
		"a refused parse changed the EAL log level"); \
} while (0)

static int
test_options_memory(void)
{
	char buf[256];
	long pgsz = sysconf(_SC_PAGESIZE);
	int i;

	fresh();
	TEST_STEP("defaults");
	TEST_ASSERT_EQUAL(parse(NULL), 0, "no options");
	TEST_ASSERT_EQUAL(cfg()->memory, 0, "memory");
	TEST_ASSERT(strcmp(cfg()->file_prefix, "rte") == 0, "prefix %s",
		cfg()->file_prefix);
	TEST_ASSERT_EQUAL(cfg()->iova_mode, RTE_IOVA_DC, "iova mode");
	TEST_ASSERT_EQUAL(cfg()->process_type, RTE_PROC_PRIMARY, "proc type");

	TEST_STEP("-m in both spellings");
	TEST_ASSERT_EQUAL(parse("-m", "64", NULL), 2, "-m 64");
	TEST_ASSERT_EQUAL(cfg()->memory, 64ULL << 20, "-m 64");
	TEST_ASSERT_EQUAL(parse("-m128", NULL), 1, "-m128");
	TEST_ASSERT_EQUAL(cfg()->memory, 128ULL << 20, "-m128");

	TEST_STEP("--socket-mem");
	TEST_ASSERT_EQUAL(parse("--socket-mem=16,0,32", NULL), 1, "socket-mem");
	TEST_ASSERT_EQUAL(cfg()->socket_mem[0], 16ULL << 20, "node 0");
	TEST_ASSERT_EQUAL(cfg()->socket_mem[1], 0, "node 1");
	TEST_ASSERT_EQUAL(cfg()->socket_mem[2], 32ULL << 20, "node 2");
	TEST_ASSERT_EQUAL(cfg()->memory, 48ULL << 20, "total");
	TEST_ASSERT(cfg()->force_sockets, "force_sockets");
	TEST_ASSERT_EQUAL(parse("--socket-mem", "8", NULL), 2, "separate value");
	TEST_ASSERT_EQUAL(cfg()->socket_mem[0], 8ULL << 20, "node 0");

	TEST_STEP("a new parse starts from the defaults");
	TEST_ASSERT_EQUAL(parse("--no-huge", NULL), 1, "--no-huge");
	TEST_ASSERT(cfg()->no_hugetlbfs && !cfg()->force_sockets &&
		cfg()->memory == 0, "state of the previous parse left");

	TEST_STEP("memory flags");
	TEST_ASSERT_EQUAL(parse("--no-huge", "--dynamic-mem", "-m", "32", NULL), 4,
		"dynamic");
	TEST_ASSERT(cfg()->no_hugetlbfs && cfg()->dynamic_sys_mem, "flags");
	TEST_ASSERT_EQUAL(parse("--legacy-mem", "--in-memory", NULL), 2, "flags");
	TEST_ASSERT(cfg()->legacy_mem && cfg()->in_memory, "flags");
	TEST_ASSERT_EQUAL(parse("--huge-dir", "/mnt/huge", "--file-prefix=abc",
		NULL), 3, "dirs");
	TEST_ASSERT(strcmp(cfg()->hugepage_dir, "/mnt/huge") == 0, "huge dir");
	TEST_ASSERT(strcmp(cfg()->file_prefix, "abc") == 0, "prefix");
	TEST_ASSERT_EQUAL(parse("--in-memory", "--file-prefix", "x", NULL), 3,
		"--in-memory with --file-prefix is allowed");

	TEST_STEP("--iova-mode and --base-virtaddr");
	TEST_ASSERT_EQUAL(parse("--iova-mode=va", NULL), 1, "va");
	TEST_ASSERT_EQUAL(cfg()->iova_mode, RTE_IOVA_VA, "va");
	TEST_ASSERT_EQUAL(parse("--iova-mode", "pa", NULL), 2, "pa");
	TEST_ASSERT_EQUAL(cfg()->iova_mode, RTE_IOVA_PA, "pa");
	TEST_ASSERT_EQUAL(parse("--vfio-mode=cdev", NULL), 1, "cdev");
	TEST_ASSERT_EQUAL(cfg()->vfio_mode, RTE_VFIO_MODE_CDEV, "cdev");
	TEST_ASSERT_EQUAL(parse("--vfio-mode", "group", NULL), 2, "group");
	TEST_ASSERT_EQUAL(cfg()->vfio_mode, RTE_VFIO_MODE_GROUP, "group");
	TEST_ASSERT_EQUAL(parse("--base-virtaddr", "0x7f0000000000", NULL), 2,
		"base");
	TEST_ASSERT_EQUAL(cfg()->base_virtaddr, 0x7f0000000000ULL, "base");
	TEST_ASSERT_EQUAL(parse("--base-virtaddr=200000000", NULL), 1, "no 0x");
	TEST_ASSERT_EQUAL(cfg()->base_virtaddr, 0x200000000ULL, "base");

	TEST_STEP("bad values");
	fresh();
	ASSERT_REFUSED(EINVAL, "-m", "0");
	ASSERT_REFUSED(EINVAL, "-m", "abc");
	ASSERT_REFUSED(EINVAL, "-m", "-1");
	ASSERT_REFUSED(EINVAL, "-m", "12x");
	ASSERT_REFUSED(EINVAL, "-m", "99999999999999999999");
	ASSERT_REFUSED(EINVAL, "-m");
	ASSERT_REFUSED(EINVAL, "--socket-mem=");
	ASSERT_REFUSED(EINVAL, "--socket-mem=1,,2");
	ASSERT_REFUSED(EINVAL, "--socket-mem=1,");
	ASSERT_REFUSED(EINVAL, "--socket-mem=0,0");
	ASSERT_REFUSED(EINVAL, "--socket-mem=a");
	buf[0] = '\0';
	for (i = 0; i <= RTE_MAX_NUMA_NODES; i++)
		strcat(buf, i == 0 ? "1" : ",1");
	ASSERT_REFUSED(EINVAL, "--socket-mem", buf);
	ASSERT_REFUSED(EINVAL, "--no-huge=1");
	ASSERT_REFUSED(EINVAL, "--iova-mode=dc");
	ASSERT_REFUSED(EINVAL, "--iova-mode=");
	ASSERT_REFUSED(EINVAL, "--iova-mode");
	ASSERT_REFUSED(EINVAL, "--vfio-mode=noiommu");
	ASSERT_REFUSED(EINVAL, "--vfio-mode=");
	ASSERT_REFUSED(EINVAL, "--huge-dir=");
	ASSERT_REFUSED(EINVAL, "--file-prefix=");
	ASSERT_REFUSED(EINVAL, "--file-prefix=a/b");
	ASSERT_REFUSED(EINVAL, "--file-prefix=..");
	memset(buf, 'p', 100);
	buf[100] = '\0';
	ASSERT_REFUSED(EINVAL, "--file-prefix", buf);
	ASSERT_REFUSED(EINVAL, "--base-virtaddr=zz");
	ASSERT_REFUSED(EINVAL, "--base-virtaddr=0");
	ASSERT_REFUSED(EINVAL, "--base-virtaddr=0x");
	snprintf(buf, sizeof(buf), "0x%lx", 0x100000000L + pgsz / 2);
	ASSERT_REFUSED(EINVAL, "--base-virtaddr", buf);

	TEST_STEP("conflicting options");
	ASSERT_REFUSED(EINVAL, "--no-huge", "--socket-mem=64");
	ASSERT_REFUSED(EINVAL, "-m", "64", "--socket-mem=64");
	ASSERT_REFUSED(EINVAL, "--dynamic-mem");
	ASSERT_REFUSED(EINVAL, "--no-huge", "--dynamic-mem", "--legacy-mem");
	ASSERT_REFUSED(EINVAL, "--no-huge", "--huge-dir", "/mnt/huge");

	TEST_STEP("a refused parse keeps the previous good configuration");
	TEST_ASSERT_EQUAL(parse("--no-huge", "-m", "16", NULL), 3, "good");
	ASSERT_REFUSED(EINVAL, "-m", "32", "--bogus");
	TEST_ASSERT_EQUAL(cfg()->memory, 16ULL << 20, "memory");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_memory_autotest, test_options_memory);

static int
test_options_syntax(void)
{
	fresh();
	TEST_STEP("unknown and malformed options");
	ASSERT_REFUSED(EINVAL, "--bogus");
	ASSERT_REFUSED(EINVAL, "--bogus=1");
	ASSERT_REFUSED(EINVAL, "-z");
	ASSERT_REFUSED(EINVAL, "-hx");
	ASSERT_REFUSED(EINVAL, "--no-hug");
	ASSERT_REFUSED(EINVAL, "--no-huge-x");
	ASSERT_REFUSED(EINVAL, "--=x");
	ASSERT_REFUSED(EINVAL, "--no-huge", "-a");

	TEST_STEP("--help and -h: usage, ECANCELED, nothing set");
	ASSERT_REFUSED(ECANCELED, "--help");
	ASSERT_REFUSED(ECANCELED, "--no-huge", "-h");

	TEST_STEP("argv order after a parse: EAL options, program name, app args");
	TEST_ASSERT_EQUAL(parse("--no-huge", "app1", "-m", "64", "--", "-x",
		"y", NULL), 4, "consumed");
	TEST_ASSERT(strcmp(args[4], "prg") == 0, "program name at [4]: %s",
		args[4]);
	TEST_ASSERT(strcmp(args[5], "app1") == 0, "[5] %s", args[5]);
	TEST_ASSERT(strcmp(args[6], "-x") == 0, "[6] %s", args[6]);
	TEST_ASSERT(strcmp(args[7], "y") == 0, "[7] %s", args[7]);
	TEST_ASSERT(cfg()->no_hugetlbfs && cfg()->memory == 64ULL << 20,
		"options after an app argument were parsed");

	TEST_STEP("\"--\" ends EAL options");
	TEST_ASSERT_EQUAL(parse("--", "--no-huge", NULL), 1, "consumed");
	TEST_ASSERT(!cfg()->no_hugetlbfs, "option after -- was parsed");
	TEST_ASSERT(strcmp(args[1], "prg") == 0 && strcmp(args[2], "--no-huge") == 0,
		"argv %s %s", args[1], args[2]);
	TEST_ASSERT_EQUAL(parse("only", "app", NULL), 0, "no EAL options");
	TEST_ASSERT(strcmp(args[0], "prg") == 0 && strcmp(args[1], "only") == 0,
		"argv %s %s", args[0], args[1]);
	TEST_ASSERT_EQUAL(parse("-", NULL), 0, "a lone - is an app argument");

	TEST_STEP("no argv");
	TEST_ASSERT_ERRNO(eal_parse_args(0, args), EINVAL, "argc 0");
	TEST_ASSERT_ERRNO(eal_parse_args(1, NULL), EINVAL, "NULL argv");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_syntax_autotest, test_options_syntax);

static int
test_options_log_level(void)
{
	int id;

	fresh();
	TEST_STEP("global level by number and by name");
	TEST_ASSERT_EQUAL(parse("--log-level=8", NULL), 1, "8");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_DEBUG, "8");
	fresh();
	TEST_ASSERT_EQUAL(parse("--log-level", "err", NULL), 2, "err");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_ERR, "err");
	fresh();
	TEST_ASSERT_EQUAL(parse("--log-level=WARNING", NULL), 1, "WARNING");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_WARNING, "warning");
	fresh();
	TEST_ASSERT_EQUAL(parse("--log-level=emerg", NULL), 1, "emerg");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_EMERG, "emerg");

	TEST_STEP("TYPE:LEVEL shows that type's messages, no other's");
	fresh();
	TEST_ASSERT_EQUAL(parse("--log-level=lib.eal:debug", NULL), 1, "eal");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), RTE_LOG_DEBUG, "eal");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_DEBUG,
		"global raised so the debug lines show");
	TEST_ASSERT(rte_log_get_level(RTE_LOGTYPE_MALLOC) <= (int)RTE_LOG_NOTICE,
		"malloc now shows INFO (level %d)",
		rte_log_get_level(RTE_LOGTYPE_MALLOC));

	TEST_STEP("patterns, also for types registered later; order-independent");
	fresh();
	TEST_ASSERT_EQUAL(parse("--log-level=lib.*:info", "--log-level=debug",
		NULL), 2, "pattern");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_DEBUG, "global");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), RTE_LOG_INFO, "eal");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_MALLOC), RTE_LOG_INFO,
		"malloc");
	id = rte_log_register("lib.test_opt");
	TEST_ASSERT(id >= 0, "register");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)id), RTE_LOG_INFO,
		"later type");
	fresh();
	TEST_ASSERT_EQUAL(parse("--log-level=info", "--log-level=user1:crit",
		NULL), 2, "two");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_INFO, "global");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_USER1), RTE_LOG_CRIT,
		"user1");

	TEST_STEP("bad levels");
	fresh();
	ASSERT_REFUSED(EINVAL, "--log-level=loud");
	ASSERT_REFUSED(EINVAL, "--log-level=0");
	ASSERT_REFUSED(EINVAL, "--log-level=9");
	ASSERT_REFUSED(EINVAL, "--log-level=-1");
	ASSERT_REFUSED(EINVAL, "--log-level=");
	ASSERT_REFUSED(EINVAL, "--log-level=lib.eal:");
	ASSERT_REFUSED(EINVAL, "--log-level=:debug");
	ASSERT_REFUSED(EINVAL, "--log-level=lib.eal:verbose");
	ASSERT_REFUSED(EINVAL, "--log-level=debug", "--log-level=x:y");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_log_level_autotest, test_options_log_level);

static int
test_options_devices(void)
{
	fresh();
	TEST_STEP("-a/--allow: both address forms, normalized");
	TEST_ASSERT_EQUAL(parse("-a", "0000:00:04.0", "--allow=00:05.1",
		"-a0001:AB:1f.7", "--allow", "00:04.0", NULL), 6, "allow");
	TEST_ASSERT_EQUAL(cfg()->n_allow, 3, "duplicate kept once");
	TEST_ASSERT(strcmp(cfg()->allow[0], "0000:00:04.0") == 0, "%s",
		cfg()->allow[0]);
	TEST_ASSERT(strcmp(cfg()->allow[1], "0000:00:05.1") == 0, "%s",
		cfg()->allow[1]);
	TEST_ASSERT(strcmp(cfg()->allow[2], "0001:ab:1f.7") == 0, "%s",
		cfg()->allow[2]);
	TEST_ASSERT_EQUAL(cfg()->n_block, 0, "block");

	TEST_STEP("-b/--block");
	TEST_ASSERT_EQUAL(parse("-b", "3:0.0", "--block=ffff:ff:1f.7", NULL), 3,
		"block");
	TEST_ASSERT_EQUAL(cfg()->n_block, 2, "n_block");
	TEST_ASSERT(strcmp(cfg()->block[0], "0000:03:00.0") == 0, "%s",
		cfg()->block[0]);
	TEST_ASSERT(strcmp(cfg()->block[1], "ffff:ff:1f.7") == 0, "%s",
		cfg()->block[1]);
	TEST_ASSERT_EQUAL(cfg()->n_allow, 0, "allow");

	TEST_STEP("--no-pci");
	TEST_ASSERT(!cfg()->no_pci, "default");
	TEST_ASSERT_EQUAL(parse("--no-pci", NULL), 1, "--no-pci");
	TEST_ASSERT(cfg()->no_pci, "stored");

	TEST_STEP("bad addresses and combinations");
	fresh();
	ASSERT_REFUSED(EINVAL, "-a", "00:20.0");
	ASSERT_REFUSED(EINVAL, "-a", "00:04.8");
	ASSERT_REFUSED(EINVAL, "-a", "0000:00:04");
	ASSERT_REFUSED(EINVAL, "-a", "00000:00:04.0");
	ASSERT_REFUSED(EINVAL, "-a", "0000:100:04.0");
	ASSERT_REFUSED(EINVAL, "-a", "0000:00:04.0.1");
	ASSERT_REFUSED(EINVAL, "-a", "0:0:0:0.0");
	ASSERT_REFUSED(EINVAL, "-a", "g0:04.0");
	ASSERT_REFUSED(EINVAL, "-a", ":04.0");
	ASSERT_REFUSED(EINVAL, "-a", "00:04.");
	ASSERT_REFUSED(EINVAL, "-a", "0000:00:04.0,key=val");
	ASSERT_REFUSED(EINVAL, "-a", "");
	ASSERT_REFUSED(EINVAL, "-b", "net_tap0");
	ASSERT_REFUSED(EINVAL, "-a", "00:04.0", "-b", "00:05.0");

	TEST_STEP("--proc-type");
	TEST_ASSERT_EQUAL(parse("--proc-type=primary", NULL), 1, "primary");
	TEST_ASSERT_EQUAL(parse("--proc-type", "auto", NULL), 2, "auto");
	TEST_ASSERT_EQUAL(cfg()->process_type, RTE_PROC_PRIMARY, "auto");
	ASSERT_REFUSED(ENOTSUP, "--proc-type=secondary");
	ASSERT_REFUSED(EINVAL, "--proc-type=tertiary");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_devices_autotest, test_options_devices);

static int
test_options_ignored(void)
{
	FILE *f;
	char *out = NULL;
	size_t len = 0;
	struct eal_internal_config before;

	fresh();
	TEST_STEP("DPDK options with no effect: accepted, one INFO line");
	f = open_memstream(&out, &len);
	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	rte_openlog_stream(f);
	memcpy(&before, cfg(), sizeof(before));
	TEST_ASSERT_EQUAL(parse("--log-level=info", "-l", "0-3,5", "-c", "0xf",
		"--main-lcore", "1", "--no-telemetry", "-d", "/usr/lib/pmds",
		"-n", "4", "--lcores", "(0,1)@2,3", "-l8", NULL), 15, "accepted");
	rte_openlog_stream(NULL);
	fclose(f);
	TEST_ASSERT(out != NULL && strstr(out, "ignored") != NULL &&
		strstr(out, "-l") != NULL && strstr(out, "--no-telemetry") != NULL &&
		strstr(out, "--lcores") != NULL, "log:\n%s", out ? out : "");
	TEST_ASSERT(strchr(out, '\n') == out + strlen(out) - 1,
		"expected one line, got:\n%s", out);
	free(out);

	TEST_STEP("they change no setting");
	TEST_ASSERT(memcmp(&before, cfg(), sizeof(before)) == 0,
		"configuration changed");

	TEST_STEP("bad syntax is still an error");
	fresh();
	ASSERT_REFUSED(EINVAL, "-l", "3-1");
	ASSERT_REFUSED(EINVAL, "-l", "a");
	ASSERT_REFUSED(EINVAL, "-l", "1,");
	ASSERT_REFUSED(EINVAL, "-l", "1-");
	ASSERT_REFUSED(EINVAL, "-c", "0");
	ASSERT_REFUSED(EINVAL, "-c", "0x");
	ASSERT_REFUSED(EINVAL, "-c", "xyz");
	ASSERT_REFUSED(EINVAL, "-n", "0");
	ASSERT_REFUSED(EINVAL, "-n", "four");
	ASSERT_REFUSED(EINVAL, "--main-lcore=x");
	ASSERT_REFUSED(EINVAL, "--lcores=(0,1");
	ASSERT_REFUSED(EINVAL, "--lcores=");
	ASSERT_REFUSED(EINVAL, "--lcores=0;1");
	ASSERT_REFUSED(EINVAL, "-d", "");
	ASSERT_REFUSED(EINVAL, "--no-telemetry=1");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_ignored_autotest, test_options_ignored);
