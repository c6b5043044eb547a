/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: types, levels, patterns, the stream and the current message.
 * No EAL init is needed; eal_log_init() gives each test a clean start.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "eal_private.h"
#include "test.h"

/* Messages written while capturing, as one string. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static int
capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	if (c->f == NULL)
		return -1;
	rte_openlog_stream(c->f);
	return 0;
}

/* The text captured so far (valid until capture_end()). */
static const char *
capture_text(struct capture *c)
{
	fflush(c->f);
	return c->buf != NULL ? c->buf : "";
}

static void
capture_end(struct capture *c)
{
	rte_openlog_stream(NULL);
	fclose(c->f);
	free(c->buf);
}

static int
test_log_builtin_types(void)
{
	static const struct {
		uint32_t id;
		const char *name;
	} types[] = {
		{ RTE_LOGTYPE_EAL, "lib.eal" },
		{ RTE_LOGTYPE_MALLOC, "lib.malloc" },
		{ RTE_LOGTYPE_PMD, "pmd" },
		{ RTE_LOGTYPE_USER1, "user1" },
		{ RTE_LOGTYPE_USER8, "user8" },
	};
	struct capture c;
	const char *dump;
	unsigned int i;

	eal_log_init();
	TEST_STEP("built-in types exist with their names (rte_log_dump)");
	TEST_ASSERT_SUCCESS(capture_start(&c), "open_memstream");
	rte_log_dump(c.f);
	dump = capture_text(&c);
	for (i = 0; i < RTE_DIM(types); i++) {
		char line[64];

		snprintf(line, sizeof(line), "id %u: %s,", types[i].id,
			types[i].name);
		if (strstr(dump, line) == NULL) {
			TEST_FAIL_MSG("'%s' missing from the dump:\n%s", line, dump);
			capture_end(&c);
			return TEST_FAILED;
		}
		/* Registering a built-in name finds its fixed id. */
		if (rte_log_register(types[i].name) != (int)types[i].id) {
			TEST_FAIL_MSG("rte_log_register(%s) did not return %u",
				types[i].name, types[i].id);
			capture_end(&c);
			return TEST_FAILED;
		}
	}
	TEST_ASSERT(strstr(dump, "global log level is notice") != NULL,
		"dump:\n%s", dump);
	capture_end(&c);

	TEST_STEP("default levels: global NOTICE, types INFO");
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_NOTICE, "global");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), RTE_LOG_INFO, "EAL");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_USER3), RTE_LOG_INFO,
		"USER3");

	TEST_STEP("unknown types are refused");
	TEST_ASSERT_ERRNO(rte_log_get_level(2), EINVAL, "id 2 is not a type");
	TEST_ASSERT_ERRNO(rte_log_get_level(RTE_LOG_MAX_TYPES), EINVAL,
		"past the table");
	TEST_ASSERT_ERRNO(rte_log_get_level(UINT32_MAX), EINVAL, "UINT32_MAX");
	TEST_ASSERT_ERRNO(rte_log_set_level(2, RTE_LOG_DEBUG), EINVAL, "id 2");

	TEST_STEP("bad levels are refused and change nothing");
	TEST_ASSERT_ERRNO(rte_log_set_level(RTE_LOGTYPE_EAL, 0), EINVAL, "0");
	TEST_ASSERT_ERRNO(rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_MAX + 1),
		EINVAL, "9");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), RTE_LOG_INFO,
		"level changed by a refused call");
	return TEST_SUCCESS;
}

static int
test_log_register(void)
{
	char name[128];
	int id, id2, i, n_free = 0, n_unused = 0;

	eal_log_init();
	TEST_STEP("a new type gets an id from RTE_LOGTYPE_FIRST_EXT_ID on");
	id = rte_log_register("test.reg.one");
	TEST_ASSERT(id >= RTE_LOGTYPE_FIRST_EXT_ID && id < RTE_LOG_MAX_TYPES,
		"id %d", id);
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)id), RTE_LOG_INFO,
		"default level of a new type");
	TEST_ASSERT_EQUAL(rte_log_register("test.reg.one"), id,
		"registering twice gives the same id");

	TEST_STEP("rte_log_register_type_and_pick_level uses the given level");
	id2 = rte_log_register_type_and_pick_level("test.reg.two", RTE_LOG_ERR);
	TEST_ASSERT(id2 >= RTE_LOGTYPE_FIRST_EXT_ID && id2 != id, "id %d", id2);
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)id2), RTE_LOG_ERR, "level");
	TEST_ASSERT_SUCCESS(rte_log_set_level((uint32_t)id2, RTE_LOG_DEBUG),
		"set level");
	TEST_ASSERT_EQUAL(rte_log_register_type_and_pick_level("test.reg.two",
		RTE_LOG_CRIT), id2, "existing type");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)id2), RTE_LOG_DEBUG,
		"registering an existing type changed its level");

	TEST_STEP("eal_log_init() puts levels back and keeps types");
	eal_log_init();
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)id2), RTE_LOG_ERR,
		"level after reset");
	TEST_ASSERT_EQUAL(rte_log_register("test.reg.two"), id2, "id after reset");

	TEST_STEP("bad names and levels are refused");
	TEST_ASSERT_ERRNO(rte_log_register(NULL), EINVAL, "NULL");
	TEST_ASSERT_ERRNO(rte_log_register(""), EINVAL, "empty");
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	TEST_ASSERT_ERRNO(rte_log_register(name), EINVAL, "127 characters");
	TEST_ASSERT_ERRNO(rte_log_register_type_and_pick_level("test.reg.bad", 0),
		EINVAL, "level 0");
	TEST_ASSERT_ERRNO(rte_log_register_type_and_pick_level("test.reg.bad",
		RTE_LOG_MAX + 1), EINVAL, "level 9");

	TEST_STEP("registration stops at RTE_LOG_MAX_TYPES with ENOSPC");
	/* Drivers may have registered types from their constructors. */
	for (i = RTE_LOGTYPE_FIRST_EXT_ID; i < RTE_LOG_MAX_TYPES; i++)
		if (rte_log_get_level((uint32_t)i) < 0)
			n_unused++;
	for (i = 0; i < RTE_LOG_MAX_TYPES; i++) {
		snprintf(name, sizeof(name), "test.fill.%d", i);
		id = rte_log_register(name);
		if (id < 0)
			break;
		n_free++;
	}
	TEST_ASSERT(i < RTE_LOG_MAX_TYPES, "registered %d types without error", i);
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "error when the table is full");
	TEST_ASSERT_EQUAL(n_free, n_unused, "types registered until full");
	TEST_ASSERT_EQUAL(rte_log_register("test.reg.one") >= 0, 1,
		"an existing name is still found when full");
	return TEST_SUCCESS;
}

static int
test_log_types(void)
{
	if (test_log_builtin_types() != TEST_SUCCESS)
		return TEST_FAILED;
	return test_log_register();
}

REGISTER_TEST_COMMAND(log_types_autotest, test_log_types);

/* Log one line of each level, check which got through. */
static int
check_filter(uint32_t type, uint32_t highest_shown, const char *what)
{
	struct capture c;
	const char *out;
	uint32_t l;
	int ret = TEST_SUCCESS;

	if (capture_start(&c) < 0)
		return TEST_FAILED;
	for (l = RTE_LOG_EMERG; l <= RTE_LOG_DEBUG; l++)
		if (rte_log(l, type, "msg-level-%u\n", l) != 0)
			ret = TEST_FAILED;
	out = capture_text(&c);
	for (l = RTE_LOG_EMERG; l <= RTE_LOG_DEBUG; l++) {
		char tag[32];
		bool shown;

		snprintf(tag, sizeof(tag), "msg-level-%u\n", l);
		shown = strstr(out, tag) != NULL;
		if (shown != (l <= highest_shown)) {
			TEST_FAIL_MSG("%s: level %u %s, expected levels up to %u shown; output:\n%s",
				what, l, shown ? "shown" : "hidden",
				highest_shown, out);
			ret = TEST_FAILED;
		}
	}
	capture_end(&c);
	return ret;
}

static int
test_log_levels(void)
{
	int id;

	eal_log_init();
	TEST_STEP("default: NOTICE and more severe are shown, INFO and DEBUG not");
	TEST_ASSERT_SUCCESS(check_filter(RTE_LOGTYPE_EAL, RTE_LOG_NOTICE,
		"default"), "filter");

	TEST_STEP("a message passes both the global and its type's level");
	rte_log_set_global_level(RTE_LOG_DEBUG);
	TEST_ASSERT_SUCCESS(check_filter(RTE_LOGTYPE_EAL, RTE_LOG_INFO,
		"global debug, type info"), "filter");
	TEST_ASSERT_SUCCESS(rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_DEBUG),
		"set level");
	TEST_ASSERT_SUCCESS(check_filter(RTE_LOGTYPE_EAL, RTE_LOG_DEBUG,
		"global debug, type debug"), "filter");
	TEST_ASSERT_SUCCESS(check_filter(RTE_LOGTYPE_MALLOC, RTE_LOG_INFO,
		"other type untouched"), "filter");
	rte_log_set_global_level(RTE_LOG_ERR);
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_ERR, "global");
	TEST_ASSERT_SUCCESS(check_filter(RTE_LOGTYPE_EAL, RTE_LOG_ERR,
		"global err"), "filter");
	rte_log_set_global_level(RTE_LOG_DEBUG);
	TEST_ASSERT_SUCCESS(rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_WARNING),
		"set level");
	TEST_ASSERT_SUCCESS(check_filter(RTE_LOGTYPE_EAL, RTE_LOG_WARNING,
		"type warning"), "filter");

	TEST_STEP("a global level past DEBUG is clamped");
	rte_log_set_global_level(100);
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_DEBUG, "clamped");

	TEST_STEP("registered types filter too");
	id = rte_log_register("test.levels");
	TEST_ASSERT(id >= 0, "register");
	TEST_ASSERT_SUCCESS(rte_log_set_level((uint32_t)id, RTE_LOG_CRIT), "set");
	TEST_ASSERT_SUCCESS(check_filter((uint32_t)id, RTE_LOG_CRIT,
		"registered type crit"), "filter");

	TEST_STEP("bad level or type: -1 with EINVAL");
	TEST_ASSERT_ERRNO(rte_log(0, RTE_LOGTYPE_EAL, "x\n"), EINVAL, "level 0");
	TEST_ASSERT_ERRNO(rte_log(RTE_LOG_MAX + 1, RTE_LOGTYPE_EAL, "x\n"),
		EINVAL, "level 9");
	TEST_ASSERT_ERRNO(rte_log(RTE_LOG_ERR, RTE_LOG_MAX_TYPES, "x\n"),
		EINVAL, "type out of range");

	TEST_STEP("eal_log_init() restores the defaults");
	eal_log_init();
	TEST_ASSERT_EQUAL(rte_log_get_global_level(), RTE_LOG_NOTICE, "global");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), RTE_LOG_INFO, "EAL");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)id), RTE_LOG_INFO,
		"registered type");
	TEST_ASSERT_SUCCESS(check_filter(RTE_LOGTYPE_EAL, RTE_LOG_NOTICE,
		"after reset"), "filter");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(log_levels_autotest, test_log_levels);

static int
test_log_pattern(void)
{
	int a, b, c, d, other;

	eal_log_init();
	a = rte_log_register("test.pat.a");
	other = rte_log_register("test.other");
	TEST_ASSERT(a >= 0 && other >= 0, "register");

	TEST_STEP("a pattern sets the matching types at once");
	TEST_ASSERT_SUCCESS(rte_log_set_level_pattern("test.pat.*", RTE_LOG_DEBUG),
		"set pattern");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)a), RTE_LOG_DEBUG, "a");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)other), RTE_LOG_INFO,
		"a type that does not match");

	TEST_STEP("types registered later get the pattern's level");
	b = rte_log_register("test.pat.b");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)b), RTE_LOG_DEBUG, "b");
	c = rte_log_register_type_and_pick_level("test.pat.c", RTE_LOG_ERR);
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)c), RTE_LOG_DEBUG,
		"the pattern wins over the default level");

	TEST_STEP("the last matching pattern wins");
	TEST_ASSERT_SUCCESS(rte_log_set_level_pattern("test.pat.[cd]",
		RTE_LOG_WARNING), "second pattern");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)c), RTE_LOG_WARNING, "c");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)b), RTE_LOG_DEBUG,
		"b does not match the second pattern");
	d = rte_log_register("test.pat.d");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)d), RTE_LOG_WARNING, "d");
	/* Setting the first pattern again makes it the latest. */
	TEST_ASSERT_SUCCESS(rte_log_set_level_pattern("test.pat.*", RTE_LOG_ERR),
		"first pattern again");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)d), RTE_LOG_ERR, "d");
	TEST_ASSERT_EQUAL(rte_log_get_level(
		(uint32_t)rte_log_register("test.pat.e")), RTE_LOG_ERR, "new type e");

	TEST_STEP("a plain name is a pattern matching itself; built-ins too");
	TEST_ASSERT_SUCCESS(rte_log_set_level_pattern("lib.*", RTE_LOG_DEBUG),
		"lib.*");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_EAL), RTE_LOG_DEBUG, "EAL");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_MALLOC), RTE_LOG_DEBUG,
		"MALLOC");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_PMD), RTE_LOG_INFO, "PMD");
	TEST_ASSERT_SUCCESS(rte_log_set_level_pattern("pmd", RTE_LOG_ALERT), "pmd");
	TEST_ASSERT_EQUAL(rte_log_get_level(RTE_LOGTYPE_PMD), RTE_LOG_ALERT, "PMD");

	TEST_STEP("bad arguments are refused and change nothing");
	TEST_ASSERT_ERRNO(rte_log_set_level_pattern(NULL, RTE_LOG_ERR), EINVAL,
		"NULL");
	TEST_ASSERT_ERRNO(rte_log_set_level_pattern("", RTE_LOG_ERR), EINVAL,
		"empty");
	TEST_ASSERT_ERRNO(rte_log_set_level_pattern("test.*", 0), EINVAL,
		"level 0");
	TEST_ASSERT_ERRNO(rte_log_set_level_pattern("test.*", 9), EINVAL,
		"level 9");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)other), RTE_LOG_INFO,
		"refused pattern changed a level");

	TEST_STEP("eal_log_init() forgets patterns");
	eal_log_init();
	TEST_ASSERT_EQUAL(rte_log_get_level(
		(uint32_t)rte_log_register("test.pat.f")), RTE_LOG_INFO,
		"type registered after reset");
	TEST_ASSERT_EQUAL(rte_log_get_level((uint32_t)a), RTE_LOG_INFO, "a");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(log_pattern_autotest, test_log_pattern);

/* What the custom stream saw while a message was written. */
struct cookie_seen {
	int level;
	int type;
	int writes;
	char text[256];
};

static ssize_t
cookie_write(void *cookie, const char *buf, size_t size)
{
	struct cookie_seen *s = cookie;
	size_t used = strlen(s->text);

	s->level = rte_log_cur_msg_loglevel();
	s->type = rte_log_cur_msg_logtype();
	s->writes++;
	snprintf(s->text + used, sizeof(s->text) - used, "%.*s", (int)size, buf);
	return (ssize_t)size;
}

static int
test_log_stream(void)
{
	cookie_io_functions_t io = { .write = cookie_write };
	struct cookie_seen seen = { .level = -2, .type = -2 };
	struct capture c;
	FILE *f;

	eal_log_init();
	TEST_STEP("stderr by default");
	rte_openlog_stream(NULL);
	TEST_ASSERT(rte_log_get_stream() == stderr, "default stream");

	TEST_STEP("messages go to the stream that was opened");
	TEST_ASSERT_SUCCESS(capture_start(&c), "open_memstream");
	TEST_ASSERT(rte_log_get_stream() == c.f, "stream not returned");
	TEST_ASSERT_SUCCESS(RTE_LOG(ERR, USER1, "hello %d\n", 42), "RTE_LOG");
	TEST_ASSERT(strcmp(capture_text(&c), "USER1: hello 42\n") == 0,
		"captured '%s'", capture_text(&c));
	capture_end(&c);
	TEST_ASSERT(rte_log_get_stream() == stderr, "back to stderr");

	TEST_STEP("no current message outside of a write");
	TEST_ASSERT_EQUAL(rte_log_cur_msg_loglevel(), -1, "level");
	TEST_ASSERT_EQUAL(rte_log_cur_msg_logtype(), -1, "type");

	TEST_STEP("a custom stream sees the level and type of the message");
	f = fopencookie(&seen, "w", io);
	TEST_ASSERT_NOT_NULL(f, "fopencookie");
	rte_openlog_stream(f);
	rte_log(RTE_LOG_WARNING, RTE_LOGTYPE_USER2, "warned\n");
	rte_openlog_stream(NULL);
	fclose(f);
	TEST_ASSERT_EQUAL(seen.writes, 1, "writes to the stream");
	TEST_ASSERT_EQUAL(seen.level, RTE_LOG_WARNING, "level seen");
	TEST_ASSERT_EQUAL(seen.type, RTE_LOGTYPE_USER2, "type seen");
	TEST_ASSERT(strcmp(seen.text, "warned\n") == 0, "text '%s'", seen.text);
	TEST_ASSERT_EQUAL(rte_log_cur_msg_loglevel(), -1, "level after");
	TEST_ASSERT_EQUAL(rte_log_cur_msg_logtype(), -1, "type after");

	TEST_STEP("a filtered message does not reach the stream");
	memset(&seen, 0, sizeof(seen));
	f = fopencookie(&seen, "w", io);
	TEST_ASSERT_NOT_NULL(f, "fopencookie");
	rte_openlog_stream(f);
	TEST_ASSERT_SUCCESS(rte_log(RTE_LOG_DEBUG, RTE_LOGTYPE_USER2, "hidden\n"),
		"filtered message returns 0");
	rte_openlog_stream(NULL);
	fclose(f);
	TEST_ASSERT_EQUAL(seen.writes, 0, "writes of a filtered message");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(log_stream_autotest, test_log_stream);
