/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-test: the autotest runner.
 *
 *   dpdk-test --list               the registered tests, one per line
 *   dpdk-test NAME...              run these tests
 *   dpdk-test --all                run every test, then the counts by place
 *                                  and "N passed, N failed, N skipped"
 *   dpdk-test --check-list NAME... check that exactly these tests are
 *                                  registered (meson's list against the binary)
 *   DPDK_TEST=NAME dpdk-test       run NAME (DPDK's convention)
 *
 * Each test runs in a child process, so a crash, a signal or a leaked EAL
 * state fails that test alone. DPDK_TEST_TIMEOUT (seconds, default 300)
 * bounds each test. Exit status: 0 all passed, 77 all skipped, 1 otherwise.
 *
 * Counts are by case: a test that reports its cases (test_cases_end) counts
 * as its cases, any other test as one. Each test gets a place: "kernel"
 * when VFIO calls reached the real kernel, "model" when they went to the
 * type1 model, "host" when it used no VFIO. After each test one line for
 * the tooling (devtools/meson-counts.py, devtools/vm/run.sh):
 *   counted <test>: <place>: P passed, F failed, S skipped
 */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>

#include "test.h"
#include "vfio_backend.h"
#include "vfio_model.h"

#define DEFAULT_TIMEOUT_S 300
#define EXIT_SKIP 77

static struct test_command *commands;
static unsigned int n_commands;

/*
 * What a test's child process tells the runner, in a page shared with it
 * (set up before the fork; NULL when a test runs without the runner).
 */
struct child_report {
	bool cases_valid;
	unsigned int passed, failed, skipped;
	bool calls_valid;
	uint64_t kernel_calls, model_calls;
};
static struct child_report *shared;

/* Kept sorted by name, so --list and --all are stable. */
void
add_test_command(struct test_command *t)
{
	struct test_command **pp = &commands;

	while (*pp != NULL && strcmp((*pp)->name, t->name) < 0)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	n_commands++;
}

static struct test_command *
find_test(const char *name)
{
	struct test_command *t;

	for (t = commands; t != NULL; t = t->next)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

int
test_vfio_is_kernel(void)
{
	const char *v = getenv("DPDK_TEST_VFIO");

	return v != NULL && strcmp(v, "kernel") == 0;
}

int
test_in_vm(void)
{
	const char *v = getenv("DPDK_TEST_IN_VM");

	return v != NULL && strcmp(v, "1") == 0;
}

static int __attribute__((format(printf, 3, 0)))
vmissing(const char *func, bool part, const char *fmt, va_list ap)
{
	char why[512];

	vsnprintf(why, sizeof(why), fmt, ap);
	if (test_in_vm()) {
		printf("FAIL %s(): missing in the test VM, which must provide it (DPDK_TEST_IN_VM=1): %s\n",
			func, why);
		return -1;
	}
	if (part)
		printf("    (skipped: %s)\n", why);
	else
		printf("SKIP %s(): %s\n", func, why);
	return 0;
}

int
test_missing(const char *func, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vmissing(func, false, fmt, ap);
	va_end(ap);
	return ret < 0 ? TEST_FAILED : TEST_SKIPPED;
}

int
test_missing_part(const char *func, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vmissing(func, true, fmt, ap);
	va_end(ap);
	return ret;
}

void
test_case_count(struct test_cases *c, int result)
{
	if (result == TEST_SUCCESS)
		c->passed++;
	else if (result == TEST_SKIPPED)
		c->skipped++;
	else
		c->failed++;
}

int
test_cases_end(const struct test_cases *c)
{
	unsigned int total = c->passed + c->failed + c->skipped;

	printf("cases: %u passed, %u failed, %u skipped\n", c->passed,
		c->failed, c->skipped);
	if (shared != NULL) {
		shared->passed = c->passed;
		shared->failed = c->failed;
		shared->skipped = c->skipped;
		shared->cases_valid = true;
	}
	if (c->failed > 0)
		return TEST_FAILED;
	if (total == 0) {
		printf("FAIL no case was counted: the test checked nothing\n");
		return TEST_FAILED;
	}
	if (c->passed == 0) {
		printf("SKIP all %u cases skipped: nothing was tested\n", total);
		return TEST_SKIPPED;
	}
	if (c->skipped > 0)
		printf("ran %u of %u cases (%u skipped)\n", c->passed, total,
			c->skipped);
	return TEST_SUCCESS;
}

size_t
test_page_size(void)
{
	long sz = sysconf(_SC_PAGESIZE);

	return sz > 0 ? (size_t)sz : 0;
}

int
test_eal_init(const char *arg, ...)
{
	const char *a;
	char **argv, *extra, *tok, *save = NULL;
	va_list ap;
	int argc = 1, ret;

	/*
	 * DPDK_TEST_EAL_ARGS adds EAL options to every test (e.g. the VM's
	 * "--iova-mode=pa" configuration). They come first, so an option a
	 * test gives itself wins (the last of a repeated option counts).
	 */
	extra = strdup(getenv("DPDK_TEST_EAL_ARGS") != NULL ?
		getenv("DPDK_TEST_EAL_ARGS") : "");
	if (extra == NULL) {
		rte_errno = ENOMEM;
		return -1;
	}
	for (a = extra; *a != '\0'; a++)
		argc += *a == ' ';
	argc++;
	va_start(ap, arg);
	for (a = arg; a != NULL; a = va_arg(ap, const char *))
		argc++;
	va_end(ap);

	argv = calloc((size_t)argc + 1, sizeof(*argv));
	if (argv == NULL) {
		free(extra);
		rte_errno = ENOMEM;
		return -1;
	}
	argc = 0;
	argv[argc++] = (char *)(uintptr_t)"dpdk-test";
	for (tok = strtok_r(extra, " ", &save); tok != NULL;
			tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	va_start(ap, arg);
	for (a = arg; a != NULL; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);

	if (!test_vfio_is_kernel()) {
		vfio_backend_select(&vfio_backend_model);
		vfio_model_reset();
		/*
		 * The model's process is privileged with no locked-memory
		 * limit by default, so results do not depend on who runs the
		 * tests; a test of the limits sets its own.
		 */
		vfio_model_set_memlock_limit(UINT64_MAX);
		vfio_model_set_cap_ipc_lock(true);
	}
	/* The EAL copies what it keeps, so the array may go. */
	ret = rte_eal_init(argc, argv);
	free(argv);
	free(extra);
	return ret;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned int
timeout_s(void)
{
	const char *v = getenv("DPDK_TEST_TIMEOUT");
	char *end;
	unsigned long t;

	if (v == NULL || v[0] == '\0')
		return DEFAULT_TIMEOUT_S;
	t = strtoul(v, &end, 10);
	if (*end != '\0' || t == 0 || t > 86400) {
		fprintf(stderr, "ignoring DPDK_TEST_TIMEOUT=%s: expected seconds (1-86400)\n",
			v);
		return DEFAULT_TIMEOUT_S;
	}
	return (unsigned int)t;
}

enum result { RESULT_PASS, RESULT_FAIL, RESULT_SKIP };

enum place { PLACE_KERNEL, PLACE_MODEL, PLACE_HOST, PLACE_COUNT };
static const char *const place_names[PLACE_COUNT] = { "kernel", "model", "host" };

struct tally {
	unsigned int passed, failed, skipped;
};

/* A test's counts: its cases, or itself as one case. */
struct counted {
	enum place place;
	struct tally n;
};

static void
child_run(const struct test_command *t, const sigset_t *old_mask)
{
	int ret;

	sigprocmask(SIG_SETMASK, old_mask, NULL);
	ret = t->callback();
	if (shared != NULL) {
		shared->kernel_calls = vfio_backend_kernel_calls();
		shared->model_calls = vfio_model_calls();
		shared->calls_valid = true;
	}
	fflush(NULL);
	if (ret == TEST_SUCCESS)
		exit(0);
	if (ret == TEST_SKIPPED)
		exit(EXIT_SKIP);
	exit(1);
}

/* Wait for the child up to the timeout; SIGCHLD is blocked by the caller. */
static int
wait_child(pid_t pid, unsigned int timeout, bool *timed_out)
{
	double deadline = now_s() + timeout;
	sigset_t chld;
	int status;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	*timed_out = false;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		double left;
		struct timespec ts;

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		left = deadline - now_s();
		if (left <= 0) {
			*timed_out = true;
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		sigtimedwait(&chld, NULL, &ts);
	}
}

/*
 * Where the test ran. A child that died before it could tell counts where
 * it was meant to run: the kernel with DPDK_TEST_VFIO=kernel, else the model.
 */
static enum place
place_of(const struct child_report *r)
{
	if (r == NULL || !r->calls_valid)
		return test_vfio_is_kernel() ? PLACE_KERNEL : PLACE_MODEL;
	if (r->kernel_calls > 0)
		return PLACE_KERNEL;
	if (r->model_calls > 0)
		return PLACE_MODEL;
	return PLACE_HOST;
}

/*
 * The test's cases when it reported them, else the test as one case. A
 * test that failed with no failed case (a crash, a timeout, a check
 * outside its cases) adds one failure, so a failure is never lost.
 */
static struct counted
count_of(enum result res, const struct child_report *r)
{
	struct counted c = { .place = place_of(r) };

	if (r != NULL && r->cases_valid) {
		c.n.passed = r->passed;
		c.n.failed = r->failed;
		c.n.skipped = r->skipped;
		if (res == RESULT_FAIL && c.n.failed == 0)
			c.n.failed = 1;
	} else if (res == RESULT_PASS) {
		c.n.passed = 1;
	} else if (res == RESULT_SKIP) {
		c.n.skipped = 1;
	} else {
		c.n.failed = 1;
	}
	return c;
}

static struct counted
run_one(const struct test_command *t, unsigned int timeout)
{
	struct counted c;
	sigset_t chld, old;
	double start = now_s();
	bool timed_out;
	enum result res;
	const char *why = "";
	char why_buf[64];
	int status;
	pid_t pid;

	if (shared != NULL)
		memset(shared, 0, sizeof(*shared));
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child_run(t, &old);
	if (pid < 0) {
		printf("FAIL %s (cannot fork: %s)\n", t->name, strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		c = count_of(RESULT_FAIL, NULL);
		goto out;
	}
	status = wait_child(pid, timeout, &timed_out);
	sigprocmask(SIG_SETMASK, &old, NULL);

	if (timed_out) {
		res = RESULT_FAIL;
		snprintf(why_buf, sizeof(why_buf), ", timed out after %u s",
			timeout);
		why = why_buf;
	} else if (status == -1) {
		res = RESULT_FAIL;
		why = ", lost the child process";
	} else if (WIFSIGNALED(status)) {
		res = RESULT_FAIL;
		snprintf(why_buf, sizeof(why_buf), ", killed by signal %d (%s)",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
		why = why_buf;
	} else if (WEXITSTATUS(status) == 0) {
		res = RESULT_PASS;
	} else if (WEXITSTATUS(status) == EXIT_SKIP) {
		res = RESULT_SKIP;
	} else {
		res = RESULT_FAIL;
	}
	printf("%s %s (%.2f s%s)\n",
		res == RESULT_PASS ? "PASS" : res == RESULT_SKIP ? "SKIP" : "FAIL",
		t->name, now_s() - start, why);
	c = count_of(res, shared);
out:
	printf("counted %s: %s: %u passed, %u failed, %u skipped\n", t->name,
		place_names[c.place], c.n.passed, c.n.failed, c.n.skipped);
	fflush(stdout);
	return c;
}

/* The run's counts: in all and by place. */
struct totals {
	struct tally all, by[PLACE_COUNT];
};

static void
count(struct totals *tt, struct counted c)
{
	struct tally *t[2] = { &tt->all, &tt->by[c.place] };
	unsigned int i;

	for (i = 0; i < RTE_DIM(t); i++) {
		t[i]->passed += c.n.passed;
		t[i]->failed += c.n.failed;
		t[i]->skipped += c.n.skipped;
	}
}

static int
exit_code(const struct tally *c)
{
	if (c->failed > 0)
		return 1;
	if (c->passed == 0 && c->skipped > 0)
		return EXIT_SKIP;
	return 0;
}

/* "kernel: ...; model: ...; host: ...", then the one closing line. */
static void
print_tally(const struct totals *tt)
{
	unsigned int p;

	for (p = 0; p < PLACE_COUNT; p++)
		printf("%s%s: %u passed, %u failed, %u skipped", p > 0 ? "; " : "",
			place_names[p], tt->by[p].passed, tt->by[p].failed,
			tt->by[p].skipped);
	printf("\n%u passed, %u failed, %u skipped\n", tt->all.passed,
		tt->all.failed, tt->all.skipped);
}

/* Every registered test is in names and every name is registered. */
static int
check_list(int n, char **names)
{
	const struct test_command *t;
	int i, bad = 0;

	for (t = commands; t != NULL; t = t->next) {
		for (i = 0; i < n; i++)
			if (strcmp(names[i], t->name) == 0)
				break;
		if (i == n) {
			printf("registered but not in app/test/meson.build (never run by meson test): %s\n",
				t->name);
			bad++;
		}
	}
	for (i = 0; i < n; i++) {
		if (find_test(names[i]) == NULL) {
			printf("listed in app/test/meson.build but not registered: %s\n",
				names[i]);
			bad++;
		}
	}
	if (bad > 0)
		return 1;
	printf("all %u registered tests are in the meson list\n", n_commands);
	return 0;
}

static void
usage(const char *prg)
{
	printf("Usage: %s --list | --all | --check-list NAME... | NAME...\n"
		"  (or DPDK_TEST=NAME %s)\n", prg, prg);
}

int
main(int argc, char **argv)
{
	const char *env = getenv("DPDK_TEST");
	unsigned int timeout = timeout_s();
	struct totals c = { 0 };
	struct test_command *t;
	void *page;
	int i;

	/* Test output must survive a crash of the child. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		printf("cannot share a page with the tests (%s): each test counts as one case, placed by DPDK_TEST_VFIO\n",
			strerror(errno));
	} else {
		shared = page;
	}

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (t = commands; t != NULL; t = t->next)
			printf("%s\n", t->name);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--check-list") == 0)
		return check_list(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "--all") == 0) {
		for (t = commands; t != NULL; t = t->next)
			count(&c, run_one(t, timeout));
		print_tally(&c);
		return exit_code(&c.all);
	}
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
			strcmp(argv[1], "--help") == 0)) {
		usage(argv[0]);
		return 0;
	}
	if (argc == 1) {
		if (env == NULL || env[0] == '\0') {
			usage(argv[0]);
			return 1;
		}
		t = find_test(env);
		if (t == NULL) {
			printf("unknown test %s (from DPDK_TEST); see --list\n", env);
			return 1;
		}
		count(&c, run_one(t, timeout));
		return exit_code(&c.all);
	}
	/* Refuse typos before running anything. */
	for (i = 1; i < argc; i++) {
		if (find_test(argv[i]) == NULL) {
			printf("unknown test %s; see --list\n", argv[i]);
			return 1;
		}
	}
	for (i = 1; i < argc; i++)
		count(&c, run_one(find_test(argv[i]), timeout));
	if (argc > 2)
		print_tally(&c);
	return exit_code(&c.all);
}
