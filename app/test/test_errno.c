/* SPDX-License-Identifier: BSD-3-Clause */
/* rte_errno is per thread; rte_strerror() knows the project's own values. */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "test.h"

struct thread_check {
	int errno_at_start;
	const char *text;       /* rte_strerror(55555) */
	char copy[128];         /* the text as the thread saw it */
};

static void *
errno_thread(void *arg)
{
	struct thread_check *c = arg;

	c->errno_at_start = rte_errno;
	rte_errno = EBUSY;
	c->text = rte_strerror(55555);
	snprintf(c->copy, sizeof(c->copy), "%s", c->text);
	return NULL;
}

static int
test_errno_per_thread(void)
{
	struct thread_check c = { .errno_at_start = -1 };
	pthread_t th;

	TEST_STEP("rte_errno of a new thread starts at 0 and is its own");
	rte_errno = EINVAL;
	TEST_ASSERT_SUCCESS(pthread_create(&th, NULL, errno_thread, &c),
		"pthread_create");
	TEST_ASSERT_SUCCESS(pthread_join(th, NULL), "pthread_join");
	TEST_ASSERT_EQUAL(c.errno_at_start, 0, "new thread inherited rte_errno");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL,
		"another thread's rte_errno changed this thread's");
	return TEST_SUCCESS;
}

static int
test_strerror_values(void)
{
	const char *s, *other;
	char expect[128];

	TEST_STEP("project values have their own text");
	s = rte_strerror(E_RTE_SECONDARY);
	TEST_ASSERT_NOT_NULL(s, "E_RTE_SECONDARY");
	TEST_ASSERT(strstr(s, "secondary") != NULL,
		"E_RTE_SECONDARY text is '%s'", s);
	s = rte_strerror(E_RTE_NO_CONFIG);
	TEST_ASSERT(strstr(s, "rte_config") != NULL,
		"E_RTE_NO_CONFIG text is '%s'", s);
	TEST_ASSERT(strcmp(rte_strerror(E_RTE_SECONDARY),
		rte_strerror(E_RTE_NO_CONFIG)) != 0, "both texts are equal");

	TEST_STEP("errno values have the C library's text");
	snprintf(expect, sizeof(expect), "%s", strerror(EINVAL));
	TEST_ASSERT(strcmp(rte_strerror(EINVAL), expect) == 0,
		"EINVAL text '%s', expected '%s'", rte_strerror(EINVAL), expect);
	snprintf(expect, sizeof(expect), "%s", strerror(EALREADY));
	TEST_ASSERT(strcmp(rte_strerror(EALREADY), expect) == 0,
		"EALREADY text '%s'", rte_strerror(EALREADY));

	TEST_STEP("unknown values name the number");
	s = rte_strerror(123456);
	TEST_ASSERT(s != NULL && strstr(s, "123456") != NULL,
		"text of 123456 is '%s'", s ? s : "(null)");
	s = rte_strerror(-7);
	TEST_ASSERT(s != NULL && strstr(s, "-7") != NULL,
		"text of -7 is '%s'", s ? s : "(null)");
	s = rte_strerror(RTE_MAX_ERRNO);
	TEST_ASSERT(s != NULL && s[0] != '\0', "RTE_MAX_ERRNO has no text");

	TEST_STEP("text of an unknown value survives another thread's call");
	s = rte_strerror(777777);
	snprintf(expect, sizeof(expect), "%s", s);
	{
		struct thread_check c;
		pthread_t th;

		TEST_ASSERT_SUCCESS(pthread_create(&th, NULL, errno_thread, &c),
			"pthread_create");
		TEST_ASSERT_SUCCESS(pthread_join(th, NULL), "pthread_join");
		other = c.copy;
		TEST_ASSERT(strstr(other, "55555") != NULL,
			"thread saw '%s' for 55555", other);
	}
	TEST_ASSERT(strcmp(s, expect) == 0,
		"this thread's text changed to '%s' (was '%s')", s, expect);
	return TEST_SUCCESS;
}

static int
test_errno(void)
{
	if (test_errno_per_thread() != TEST_SUCCESS)
		return TEST_FAILED;
	return test_strerror_values();
}

REGISTER_TEST_COMMAND(errno_autotest, test_errno);
