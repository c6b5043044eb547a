/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK 22.11 options added to the parser: those honoured (memory
 * files and limits, --log-level's regex form, --syslog, -v, device
 * arguments, the VF token), those accepted and ignored after a syntax check
 * (one INFO line each), and -h/--help, which ends the process as in DPDK
 * (checked in a child process).
 */

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "eal_private.h"
#include "test.h"
#include "test_options.h"

static int
test_options_dpdk_memory(void)
{
	fresh();
	TEST_STEP("--huge-unlink: no value is always, then each mode");
	TEST_ASSERT_EQUAL(cfg()->huge_unlink, EAL_HUGE_UNLINK_EXISTING, "default");
	TEST_ASSERT_EQUAL(parse("--huge-unlink", "never", NULL), 1,
		"an optional value is never the next argument");
	TEST_ASSERT_EQUAL(cfg()->huge_unlink, EAL_HUGE_UNLINK_ALWAYS, "no value");
	TEST_ASSERT_EQUAL(parse("--huge-unlink=never", NULL), 1, "never");
	TEST_ASSERT_EQUAL(cfg()->huge_unlink, EAL_HUGE_UNLINK_NEVER, "never");
	TEST_ASSERT_EQUAL(parse("--huge-unlink=existing", NULL), 1, "existing");
	TEST_ASSERT_EQUAL(cfg()->huge_unlink, EAL_HUGE_UNLINK_EXISTING, "existing");
	TEST_ASSERT_EQUAL(parse("--huge-unlink=always", NULL), 1, "always");
	TEST_ASSERT_EQUAL(cfg()->huge_unlink, EAL_HUGE_UNLINK_ALWAYS, "always");
	fresh();
	ASSERT_REFUSED(EINVAL, "--huge-unlink=sometimes");
	ASSERT_REFUSED(EINVAL, "--huge-unlink=");
	ASSERT_REFUSED(EINVAL, "--no-huge", "--huge-unlink");
	ASSERT_REFUSED(EINVAL, "--in-memory", "--huge-unlink=never");
	TEST_ASSERT_EQUAL(parse("--in-memory", "--huge-unlink", NULL), 2,
		"--in-memory with always");

	TEST_STEP("--single-file-segments and --match-allocations");
	fresh();
	TEST_ASSERT_EQUAL(parse("--single-file-segments", "--match-allocations",
		NULL), 2, "flags");
	TEST_ASSERT(cfg()->single_file_segments && cfg()->match_allocations,
		"stored");
	fresh();
	ASSERT_REFUSED(EINVAL, "--single-file-segments=1");
	ASSERT_REFUSED(EINVAL, "--match-allocations", "--legacy-mem");
	ASSERT_REFUSED(EINVAL, "--match-allocations", "--no-huge");

	TEST_STEP("--socket-limit: MiB per node, 0 for none");
	TEST_ASSERT_EQUAL(parse("--socket-limit=512,0", NULL), 1, "limit");
	TEST_ASSERT_EQUAL(cfg()->socket_limit[0], 512ULL << 20, "node 0");
	TEST_ASSERT_EQUAL(cfg()->socket_limit[1], 0, "node 1");
	TEST_ASSERT_EQUAL(cfg()->memory, 0, "a limit reserves nothing");
	TEST_ASSERT_EQUAL(parse("--socket-mem=256", "--socket-limit", "512", NULL),
		3, "socket-mem under the limit");
	fresh();
	ASSERT_REFUSED(EINVAL, "--socket-limit=x");
	ASSERT_REFUSED(EINVAL, "--socket-limit=1,,1");
	ASSERT_REFUSED(EINVAL, "--socket-limit=-1");
	ASSERT_REFUSED(EINVAL, "--socket-limit=512", "--legacy-mem");
	ASSERT_REFUSED(EINVAL, "--socket-limit=512", "--no-huge");
	ASSERT_REFUSED(EINVAL, "--socket-mem=1024", "--socket-limit=512");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_dpdk_memory_autotest, test_options_dpdk_memory);

/* Run parse() with the log captured; returns the text (free it). */
static char *
parse_logged(int *ret, const char *a0, const char *a1, const char *a2)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	rte_openlog_stream(f);
	*ret = parse(a0, a1, a2, NULL);
	rte_openlog_stream(NULL);
	fclose(f);
	return out;
}

static int
test_options_dpdk_log(void)
{
	char *out;
	int id, ret = -1;

	fresh();
	TEST_STEP("REGEX,LEVEL: the matching types only, later types too");
	TEST_ASSERT_EQUAL(parse("--log-level=^lib\\.eal$,debug", NULL), 1, "regex");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), RTE_LOG_DEBUG, "eal");
	TEST_ASSERT(rte_log_get_level(RTE_LOGTYPE_MALLOC) < (int)RTE_LOG_DEBUG,
		"malloc untouched (%d)", rte_log_get_level(RTE_LOGTYPE_MALLOC));
	fresh();
	TEST_ASSERT_EQUAL(parse("--log-level=^pmd\\.opt[0-9]+,crit", NULL), 1,
		"regex for a later type");
	id = rte_log_register("pmd.opt7");
	TEST_ASSERT(id >= 0, "register");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)id), RTE_LOG_CRIT,
		"later type");
	fresh();
	ASSERT_REFUSED(EINVAL, "--log-level=[,debug");
	ASSERT_REFUSED(EINVAL, "--log-level=lib.eal,loud");
	ASSERT_REFUSED(EINVAL, "--log-level=,debug");

	TEST_STEP("rte_log_set_level_regexp: bad input");
	TEST_ASSERT_ERRNO(rte_log_set_level_regexp(NULL, RTE_LOG_INFO), EINVAL, "NULL");
	TEST_ASSERT_ERRNO(rte_log_set_level_regexp("", RTE_LOG_INFO), EINVAL, "empty");
	TEST_ASSERT_ERRNO(rte_log_set_level_regexp("(", RTE_LOG_INFO), EINVAL, "bad regex");
	TEST_ASSERT_ERRNO(rte_log_set_level_regexp("lib", 0), EINVAL, "level 0");
	TEST_ASSERT_SUCCESS(rte_log_set_level_regexp("^user1$", RTE_LOG_ERR), "good");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_USER1), RTE_LOG_ERR, "user1");
	fresh();

	TEST_STEP("--syslog FACILITY");
	TEST_ASSERT_EQUAL(parse("--syslog", "local3", NULL), 2, "local3");
	TEST_ASSERT(cfg()->syslog && cfg()->syslog_facility == LOG_LOCAL3,
		"facility %d", cfg()->syslog_facility);
	TEST_ASSERT_EQUAL(parse("--syslog=daemon", NULL), 1, "daemon");
	TEST_ASSERT_EQUAL(cfg()->syslog_facility, LOG_DAEMON, "daemon");
	fresh();
	ASSERT_REFUSED(EINVAL, "--syslog=console");
	ASSERT_REFUSED(EINVAL, "--syslog");

	TEST_STEP("-v: one NOTICE line with the version");
	out = parse_logged(&ret, "-v", NULL, NULL);
	TEST_ASSERT_EQUAL(ret, 1, "-v");
	TEST_ASSERT(out != NULL && strstr(out, RTE_VERSION_STR) != NULL &&
		strstr(out, "22.11") != NULL, "log: %s", out ? out : "");
	free(out);
	fresh();
	ASSERT_REFUSED(EINVAL, "-vx");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_dpdk_log_autotest, test_options_dpdk_log);

static unsigned int
count_devargs(const char *bus)
{
	struct rte_devargs *da;
	unsigned int n = 0;

	RTE_EAL_DEVARGS_FOREACH(bus, da)
		n++;
	return n;
}

static int
test_options_dpdk_devices(void)
{
	struct rte_devargs *da, fake;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	fresh();
	TEST_STEP("-a BDF,key=val: the address for the bus, the arguments as devargs");
	TEST_ASSERT_EQUAL(parse("-a", "0000:00:04.0,key=val,k2=v2",
		"--allow=00:05.0", "--vdev=net_tap0,iface=tap0", NULL), 4, "parse");
	TEST_ASSERT_EQUAL(cfg()->n_allow, 2, "allow list");
	TEST_ASSERT(strcmp(cfg()->allow[0], "0000:00:04.0") == 0, "%s",
		cfg()->allow[0]);
	TEST_ASSERT_EQUAL(count_devargs("pci"), 2, "pci devargs");
	TEST_ASSERT_EQUAL(count_devargs("vdev"), 1, "vdev devargs");
	TEST_ASSERT_EQUAL(count_devargs(NULL), 3, "all devargs");
	da = rte_devargs_next("pci", NULL);
	TEST_ASSERT(da != NULL && strcmp(da->name, "0000:00:04.0") == 0 &&
		strcmp(da->args, "key=val,k2=v2") == 0 &&
		da->policy == RTE_DEV_ALLOWED && strcmp(da->bus_str, "pci") == 0,
		"first pci devarg");
	da = rte_devargs_next("pci", da);
	TEST_ASSERT(da != NULL && strcmp(da->name, "0000:00:05.0") == 0 &&
		da->args[0] == '\0', "second pci devarg");
	TEST_ASSERT_NULL(rte_devargs_next("pci", da), "end");
	da = rte_devargs_next("vdev", NULL);
	TEST_ASSERT(da != NULL && strcmp(da->name, "net_tap0") == 0 &&
		strcmp(da->args, "iface=tap0") == 0 &&
		da->type == RTE_DEVTYPE_VIRTUAL, "vdev devarg");

	TEST_STEP("rte_devargs_next: a start not in the list is EINVAL");
	memset(&fake, 0, sizeof(fake));
	TEST_ASSERT_NULL_ERRNO(rte_devargs_next(NULL, &fake), EINVAL, "foreign");

	TEST_STEP("rte_devargs_dump lists them");
	f = open_memstream(&out, &len);
	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	rte_devargs_dump(f);
	fclose(f);
	TEST_ASSERT(strstr(out, "0000:00:04.0") != NULL &&
		strstr(out, "key=val,k2=v2") != NULL &&
		strstr(out, "net_tap0") != NULL, "dump:\n%s", out);
	free(out);

	TEST_STEP("a refused parse leaves the list as it was");
	ASSERT_REFUSED(EINVAL, "-a", "00:06.0,k=v", "--bogus");
	TEST_ASSERT_EQUAL(count_devargs(NULL), 3, "list kept");

	TEST_STEP("-b BDF,args: a blocked devarg");
	fresh();
	TEST_ASSERT_EQUAL(parse("-b", "00:07.0,x=1", NULL), 2, "block");
	da = rte_devargs_next(NULL, NULL);
	TEST_ASSERT(da != NULL && da->policy == RTE_DEV_BLOCKED &&
		strcmp(da->args, "x=1") == 0, "blocked devarg");

	TEST_STEP("--vdev, --vfio-intr: bad syntax refused");
	fresh();
	ASSERT_REFUSED(EINVAL, "--vdev=");
	ASSERT_REFUSED(EINVAL, "--vdev=net tap");
	ASSERT_REFUSED(EINVAL, "--vdev=,iface=x");
	ASSERT_REFUSED(EINVAL, "--vfio-intr=msi-x");
	ASSERT_REFUSED(EINVAL, "--vfio-intr");

	TEST_STEP("--vfio-vf-token: a UUID, kept in lower case");
	TEST_ASSERT_EQUAL(parse("--vfio-vf-token=14D63F20-8445-11ea-8900-1f9ce7d5650d",
		NULL), 1, "token");
	TEST_ASSERT(strcmp(cfg()->vfio_vf_token,
		"14d63f20-8445-11ea-8900-1f9ce7d5650d") == 0, "%s",
		cfg()->vfio_vf_token);
	fresh();
	ASSERT_REFUSED(EINVAL, "--vfio-vf-token=14d63f20-8445-11ea-8900-1f9ce7d5650");
	ASSERT_REFUSED(EINVAL, "--vfio-vf-token=14d63f20-8445-11ea-8900-1f9ce7d5650dd");
	ASSERT_REFUSED(EINVAL, "--vfio-vf-token=14d63f20x8445-11ea-8900-1f9ce7d5650d");
	ASSERT_REFUSED(EINVAL, "--vfio-vf-token=g4d63f20-8445-11ea-8900-1f9ce7d5650d");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_dpdk_devices_autotest, test_options_dpdk_devices);

static int
test_options_dpdk_ignored(void)
{
	struct eal_internal_config before;
	char *out = NULL, *p;
	size_t len = 0;
	unsigned int lines = 0;
	FILE *f;

	fresh();
	TEST_STEP("accepted after a syntax check, one INFO line each");
	f = open_memstream(&out, &len);
	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	rte_openlog_stream(f);
	memcpy(&before, cfg(), sizeof(before));
	TEST_ASSERT_EQUAL(parse("--log-level=info", "--telemetry", "--no-hpet",
		"--trace=eal", "--trace-dir=/tmp", "--trace-bufsz=2M",
		"--trace-mode=o", "--huge-worker-stack", "--huge-worker-stack=512",
		"--vfio-intr=msix", "--trace=.*", "--no-shconf", NULL), 12,
		"accepted");
	rte_openlog_stream(NULL);
	fclose(f);
	for (p = out; p != NULL && *p != '\0'; p++)
		lines += *p == '\n';
	/* --trace and --huge-worker-stack twice: one line each */
	TEST_ASSERT_EQUAL(lines, 9, "log:\n%s", out ? out : "");
	TEST_ASSERT(strstr(out, "--no-hpet") != NULL &&
		strstr(out, "--vfio-intr") != NULL &&
		strstr(out, "--no-shconf") != NULL, "log:\n%s", out);
	free(out);
	TEST_ASSERT(memcmp(&before, cfg(), sizeof(before)) == 0,
		"an ignored option changed the configuration");

	TEST_STEP("bad syntax refused");
	fresh();
	ASSERT_REFUSED(EINVAL, "--trace=[");
	ASSERT_REFUSED(EINVAL, "--trace=");
	ASSERT_REFUSED(EINVAL, "--trace-dir=");
	ASSERT_REFUSED(EINVAL, "--trace-bufsz=2G");
	ASSERT_REFUSED(EINVAL, "--trace-bufsz=M");
	ASSERT_REFUSED(EINVAL, "--trace-bufsz=0");
	ASSERT_REFUSED(EINVAL, "--trace-bufsz=2MB");
	ASSERT_REFUSED(EINVAL, "--trace-mode=x");
	ASSERT_REFUSED(EINVAL, "--huge-worker-stack=0");
	ASSERT_REFUSED(EINVAL, "--huge-worker-stack=x");
	ASSERT_REFUSED(EINVAL, "--no-hpet=1");
	ASSERT_REFUSED(EINVAL, "--telemetry=1");
	ASSERT_REFUSED(EINVAL, "--no-shconf=1");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_dpdk_ignored_autotest, test_options_dpdk_ignored);

static void
app_usage(const char *prgname)
{
	printf("app usage of %s: --my-option\n", prgname);
}

enum child_call { CALL_PARSE, CALL_INIT };

/*
 * Run the EAL on these arguments in a child whose stdout is a pipe: the
 * exit status (-1 if it did not exit) and what it printed.
 */
static int
run_child(enum child_call call, const char *a0, const char *a1, char *buf,
		size_t buf_len)
{
	int pfd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -2;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -2;
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		rte_set_application_usage_hook(app_usage);
		if (call == CALL_PARSE)
			parse(a0, a1, NULL);
		else
			test_eal_init(a0, a1, NULL);
		_exit(3); /* the EAL returned: it must not */
	}
	close(pfd[1]);
	while (got + 1 < buf_len &&
			(n = read(pfd[0], buf + got, buf_len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int
test_options_help(void)
{
	static char buf[65536];

	TEST_STEP("rte_set_application_usage_hook returns the previous hook");
	TEST_ASSERT_NULL(rte_set_application_usage_hook(app_usage), "none before");
	TEST_ASSERT(rte_set_application_usage_hook(NULL) == app_usage, "previous");

	TEST_STEP("--help: the usage, the application's, exit 0 (as DPDK 22.11)");
	TEST_ASSERT_EQUAL(run_child(CALL_PARSE, "--no-huge", "--help", buf,
		sizeof(buf)), 0, "exit status");
	TEST_ASSERT(strstr(buf, "Usage: prg") != NULL &&
		strstr(buf, "--socket-limit") != NULL &&
		strstr(buf, "===== Application Usage =====") != NULL &&
		strstr(buf, "app usage of prg") != NULL, "stdout:\n%s", buf);

	TEST_STEP("-h through rte_eal_init: exit 0, nothing initialized here");
	TEST_ASSERT_EQUAL(run_child(CALL_INIT, "-h", NULL, buf, sizeof(buf)), 0,
		"exit status");
	TEST_ASSERT(strstr(buf, "Usage:") != NULL, "stdout:\n%s", buf);
	TEST_ASSERT(!eal_is_initialized(), "initialized");

	TEST_STEP("--log-level=help: the log types, exit 0");
	TEST_ASSERT_EQUAL(run_child(CALL_PARSE, "--log-level=help", NULL, buf,
		sizeof(buf)), 0, "exit status");
	TEST_ASSERT(strstr(buf, "lib.eal") != NULL, "stdout:\n%s", buf);

	TEST_STEP("a bad option still returns EINVAL (no exit)");
	TEST_ASSERT_EQUAL(run_child(CALL_PARSE, "--bogus", NULL, buf,
		sizeof(buf)), 3, "returned to the caller");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(eal_options_help_autotest, test_options_help);
