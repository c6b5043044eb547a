/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main() for one DPDK test file built against the installed memvfio:
 * initialise the EAL with the command line (EAL options only), run the
 * file's checks one by one (shim_checks.h), print one result line each,
 * and end with the line devtools/dpdk-tests.sh counts:
 *   counted dpdk/<file>/<mode>: host: P passed, F failed, S skipped
 * (<mode> from DPDK_SHIM_MODE). A check excluded by name counts as
 * skipped, never as passed; exit status 1 when any check failed.
 *
 * Also the framework pieces test.h, rte_launch.h and rte_random.h
 * declare: the command registry, the suite runner, worker lcores as
 * threads, and a pseudo-random generator.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "rte_launch.h"
#include "rte_random.h"
#include "shim_checks.h"
#include "test.h"

/* Command registry (REGISTER_TEST_COMMAND runs before main). */
static TAILQ_HEAD(, test_command) commands = TAILQ_HEAD_INITIALIZER(commands);

void
add_test_command(struct test_command *t)
{
	TAILQ_INSERT_TAIL(&commands, t, next);
}

int
shim_run_command(const char *name)
{
	struct test_command *t;

	TAILQ_FOREACH(t, &commands, next)
		if (strcmp(t->command, name) == 0)
			return t->callback();
	printf("no test command %s registered\n", name);
	return TEST_FAILED;
}

int
unit_test_suite_runner(struct unit_test_suite *suite)
{
	struct unit_test_case *c;
	int rc;

	suite->total = suite->executed = suite->succeeded = 0;
	suite->skipped = suite->failed = suite->unsupported = 0;
	if (suite->setup != NULL && suite->setup() != 0)
		return TEST_FAILED;
	for (c = suite->unit_test_cases; c->name != NULL; c++) {
		suite->total++;
		if (!c->enabled) {
			suite->skipped++;
			continue;
		}
		if (c->setup != NULL && c->setup() != 0) {
			suite->failed++;
			continue;
		}
		rc = c->testcase != NULL ? c->testcase() :
			c->testcase_with_data(c->data);
		if (c->teardown != NULL)
			c->teardown();
		suite->executed++;
		if (rc == TEST_SUCCESS)
			suite->succeeded++;
		else if (rc == TEST_SKIPPED)
			suite->skipped++;
		else
			suite->failed++;
	}
	if (suite->teardown != NULL)
		suite->teardown();
	return suite->failed == 0 ? TEST_SUCCESS : TEST_FAILED;
}

/* Worker lcores: 1 .. n_lcores - 1, each a thread while it runs. */
static unsigned int n_lcores = 4;

struct worker {
	pthread_t tid;
	bool busy;
	lcore_function_t *f;
	void *arg;
	int ret;
};
static struct worker workers[SHIM_MAX_LCORE];

unsigned int
shim_next_worker(int i)
{
	unsigned int n = (unsigned int)(i + 1);

	if (n == 0)
		n = 1; /* lcore 0 is the main thread */
	return n < n_lcores ? n : SHIM_MAX_LCORE;
}

static void *
worker_main(void *p)
{
	struct worker *w = p;

	w->ret = w->f(w->arg);
	return NULL;
}

int
rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned int id)
{
	struct worker *w;

	if (id == 0 || id >= n_lcores)
		return -EINVAL;
	w = &workers[id];
	if (w->busy)
		return -EBUSY;
	w->f = f;
	w->arg = arg;
	w->ret = 0;
	if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
		return -EAGAIN;
	w->busy = true;
	return 0;
}

int
rte_eal_wait_lcore(unsigned int id)
{
	struct worker *w;

	if (id == 0 || id >= n_lcores)
		return 0;
	w = &workers[id];
	if (!w->busy)
		return 0;
	pthread_join(w->tid, NULL);
	w->busy = false;
	return w->ret;
}

int
shim_on_workers(int (*f)(void *), void *arg)
{
	unsigned int id, n = 0;
	int ret = 0;

	RTE_LCORE_FOREACH_WORKER(id) {
		if (rte_eal_remote_launch(f, arg, id) != 0) {
			printf("cannot launch on lcore %u\n", id);
			ret = -1;
		}
		n++;
	}
	RTE_LCORE_FOREACH_WORKER(id)
		if (rte_eal_wait_lcore(id) < 0)
			ret = -1;
	if (n == 0) {
		printf("no worker lcore: give the shim -l 0-N with N > 0\n");
		return -1;
	}
	return ret;
}

/* -l LIST / --lcores=LIST / -c MASK: how many lcores (ids count, not values). */
static unsigned int
count_list(const char *s)
{
	unsigned int n = 0;
	char *end;

	while (*s != '\0') {
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return 0;
		s = end;
		if (*s == '-') {
			b = strtoul(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return 0;
			s = end;
		}
		n += (unsigned int)(b - a + 1);
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return 0;
	}
	return n;
}

static void
parse_lcores(int argc, char **argv)
{
	unsigned int n = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
			n = count_list(argv[i + 1]);
		else if (strncmp(argv[i], "--lcores=", 9) == 0)
			n = count_list(argv[i] + 9);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			n = (unsigned int)__builtin_popcountll(
				strtoull(argv[i + 1], NULL, 16));
	}
	if (n > 0)
		n_lcores = n < SHIM_MAX_LCORE ? n : SHIM_MAX_LCORE;
}

/* xorshift64*: per thread, seeded from the last rte_srand(). */
static uint64_t seed = 0x9e3779b97f4a7c15ull;
static __thread uint64_t rand_state;

void
rte_srand(uint64_t s)
{
	seed = s != 0 ? s : 1;
	rand_state = seed;
}

uint64_t
rte_rand(void)
{
	if (rand_state == 0)
		rand_state = seed ^ (uint64_t)(uintptr_t)&rand_state;
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return rand_state * 0x2545f4914f6cdd1dull;
}

/* True when modes (NULL: all) lists mode. */
static bool
in_modes(const char *mode, const char *modes)
{
	size_t n = strlen(mode);
	const char *p = modes;

	if (modes == NULL)
		return true;
	while ((p = strstr(p, mode)) != NULL) {
		if ((p == modes || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

int
main(int argc, char **argv)
{
	const char *mode = getenv("DPDK_SHIM_MODE");
	unsigned int passed = 0, failed = 0, skipped = 0;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mode == NULL)
		mode = "default";
	parse_lcores(argc, argv);
	if (rte_eal_init(argc, argv) < 0) {
		printf("rte_eal_init failed: %s: every check of %s fails\n",
			rte_strerror(rte_errno), shim_file.file);
		failed = (unsigned int)shim_file.n;
		goto out;
	}
	printf("%s, %s mode, %u lcores (1 main + %u worker threads)\n",
		shim_file.file, mode, n_lcores, n_lcores - 1);
	for (i = 0; i < shim_file.n; i++) {
		const struct shim_check *c = &shim_file.checks[i];
		int rc;

		if (c->excluded != NULL && in_modes(mode, c->modes)) {
			printf("EXCLUDED %s: %s\n", c->name, c->excluded);
			skipped++;
			continue;
		}
		printf("=== %s\n", c->name);
		rc = c->fn();
		if (rc == TEST_SUCCESS) {
			printf("PASS %s\n", c->name);
			passed++;
		} else if (rc == TEST_SKIPPED) {
			printf("SKIP %s\n", c->name);
			skipped++;
		} else {
			printf("FAIL %s (returned %d)\n", c->name, rc);
			failed++;
		}
	}
	rte_eal_cleanup();
out:
	printf("counted dpdk/%s/%s: host: %u passed, %u failed, %u skipped\n",
		shim_file.file, mode, passed, failed, skipped);
	return failed == 0 ? 0 : 1;
}
