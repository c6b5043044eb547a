/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: log types with names and levels, a global level, level patterns
 * remembered for types registered later, and the output stream.
 *
 * Locks:
 *   log_lock (a mutex) protects the type table (names, which slots are in
 *   use) and the pattern list. It is a leaf lock: nothing else is taken
 *   while it is held, and it is never held while a message is written, so
 *   any code, including a custom stream, may log.
 * Levels and the stream are read without the lock (atomic loads), so a
 * message costs no lock when it is filtered out. The syslog copy
 * (--syslog) is set only by rte_eal_init(), before any other thread logs
 * through the EAL.
 */

#include <fnmatch.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "eal_private.h"

/* Longest log type name, NUL included. */
#define LOG_NAME_MAX 64

#define LOG_DEFAULT_GLOBAL_LEVEL RTE_LOG_NOTICE
#define LOG_DEFAULT_TYPE_LEVEL RTE_LOG_INFO

struct log_type {
	char name[LOG_NAME_MAX];
	uint32_t level;         /* atomic: read by rte_vlog() without the lock */
	uint32_t default_level; /* what eal_log_init() goes back to */
	bool in_use;
};

/* A shell pattern (fnmatch) or, for rte_log_set_level_regexp(), a regex. */
struct log_pattern {
	struct log_pattern *next;
	uint32_t level;
	bool is_regex;
	regex_t re;      /* compiled when is_regex */
	char pattern[];
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

#define BUILTIN_TYPE(id, str) \
	[id] = { .name = str, .level = LOG_DEFAULT_TYPE_LEVEL, \
		.default_level = LOG_DEFAULT_TYPE_LEVEL, .in_use = true }

/* The types with fixed ids exist from the start, before any constructor. */
static struct log_type log_types[RTE_LOG_MAX_TYPES] = {
	BUILTIN_TYPE(RTE_LOGTYPE_EAL, "lib.eal"),
	BUILTIN_TYPE(RTE_LOGTYPE_MALLOC, "lib.malloc"),
	BUILTIN_TYPE(RTE_LOGTYPE_PMD, "pmd"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER1, "user1"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER2, "user2"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER3, "user3"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER4, "user4"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER5, "user5"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER6, "user6"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER7, "user7"),
	BUILTIN_TYPE(RTE_LOGTYPE_USER8, "user8"),
};
/* Patterns in the order they were set: the last one that matches wins. */
static struct log_pattern *log_patterns;
static uint32_t log_global_level = LOG_DEFAULT_GLOBAL_LEVEL;
static FILE *log_stream; /* NULL: stderr */
static int log_syslog_facility = -1; /* --syslog: copy messages there */
static char log_syslog_ident[64];

/* The message being written by this thread, for custom streams. */
static __thread int cur_msg_level = -1;
static __thread int cur_msg_type = -1;

static const char *const level_names[RTE_LOG_MAX + 1] = {
	[RTE_LOG_EMERG] = "emerg",
	[RTE_LOG_ALERT] = "alert",
	[RTE_LOG_CRIT] = "critical",
	[RTE_LOG_ERR] = "error",
	[RTE_LOG_WARNING] = "warning",
	[RTE_LOG_NOTICE] = "notice",
	[RTE_LOG_INFO] = "info",
	[RTE_LOG_DEBUG] = "debug",
};

static bool
level_valid(uint32_t level)
{
	return level >= RTE_LOG_EMERG && level <= RTE_LOG_MAX;
}

static void
lock_table(void)
{
	pthread_mutex_lock(&log_lock);
}

static void
unlock_table(void)
{
	pthread_mutex_unlock(&log_lock);
}

static bool
type_valid_locked(uint32_t logtype)
{
	return logtype < RTE_LOG_MAX_TYPES && log_types[logtype].in_use;
}

int
rte_openlog_stream(FILE *f)
{
	__atomic_store_n(&log_stream, f, __ATOMIC_RELEASE);
	return 0;
}

FILE *
rte_log_get_stream(void)
{
	FILE *f = __atomic_load_n(&log_stream, __ATOMIC_ACQUIRE);

	return f != NULL ? f : stderr;
}

void
rte_log_set_global_level(uint32_t level)
{
	/* DPDK's signature has no error return: clamp instead of refusing. */
	if (level > RTE_LOG_MAX)
		level = RTE_LOG_MAX;
	__atomic_store_n(&log_global_level, level, __ATOMIC_RELAXED);
}

uint32_t
rte_log_get_global_level(void)
{
	return __atomic_load_n(&log_global_level, __ATOMIC_RELAXED);
}

int
rte_log_get_level(uint32_t logtype)
{
	int level = -1;

	lock_table();
	if (type_valid_locked(logtype))
		level = (int)__atomic_load_n(&log_types[logtype].level,
				__ATOMIC_RELAXED);
	unlock_table();
	if (level < 0)
		return eal_fail(EINVAL);
	return level;
}

int
rte_log_set_level(uint32_t logtype, uint32_t level)
{
	int ret = 0;

	if (!level_valid(level))
		return eal_fail(EINVAL);
	lock_table();
	if (type_valid_locked(logtype))
		__atomic_store_n(&log_types[logtype].level, level,
				__ATOMIC_RELAXED);
	else
		ret = -1;
	unlock_table();
	if (ret < 0)
		return eal_fail(EINVAL);
	return 0;
}

static bool
pattern_matches(const struct log_pattern *p, const char *name)
{
	if (p->is_regex)
		return regexec(&p->re, name, 0, NULL, 0) == 0;
	return fnmatch(p->pattern, name, 0) == 0;
}

static void
pattern_free(struct log_pattern *p)
{
	if (p->is_regex)
		regfree(&p->re);
	free(p);
}

/* The level the last matching pattern gives to name, or -1. */
static int
pattern_level_locked(const char *name)
{
	const struct log_pattern *p;
	int level = -1;

	for (p = log_patterns; p != NULL; p = p->next)
		if (pattern_matches(p, name))
			level = (int)p->level;
	return level;
}

/* Remember a pattern (last set wins) and apply it to the known types. */
static int
set_level_matching(const char *pattern, uint32_t level, bool is_regex)
{
	struct log_pattern *p, **pp;
	size_t len;
	unsigned int i;

	if (pattern == NULL || pattern[0] == '\0' || !level_valid(level))
		return eal_fail(EINVAL);
	len = strlen(pattern);
	p = malloc(sizeof(*p) + len + 1);
	if (p == NULL)
		return eal_fail(ENOMEM);
	p->next = NULL;
	p->level = level;
	p->is_regex = is_regex;
	memcpy(p->pattern, pattern, len + 1);
	if (is_regex && regcomp(&p->re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		free(p);
		return eal_fail(EINVAL);
	}

	lock_table();
	/* Setting a pattern again moves it last, so it wins over older ones. */
	for (pp = &log_patterns; *pp != NULL; ) {
		struct log_pattern *old = *pp;

		if (old->is_regex == is_regex &&
				strcmp(old->pattern, pattern) == 0) {
			*pp = old->next;
			pattern_free(old);
		} else {
			pp = &old->next;
		}
	}
	*pp = p;

	for (i = 0; i < RTE_LOG_MAX_TYPES; i++)
		if (log_types[i].in_use &&
				pattern_matches(p, log_types[i].name))
			__atomic_store_n(&log_types[i].level, level,
					__ATOMIC_RELAXED);
	unlock_table();
	return 0;
}

int
rte_log_set_level_pattern(const char *pattern, uint32_t level)
{
	return set_level_matching(pattern, level, false);
}

int
rte_log_set_level_regexp(const char *regex, uint32_t level)
{
	return set_level_matching(regex, level, true);
}

void
eal_log_set_syslog(const char *ident, int facility)
{
	if (log_syslog_facility >= 0)
		closelog();
	log_syslog_facility = -1;
	if (facility < 0)
		return;
	/* openlog() keeps the pointer: give it storage that stays. */
	snprintf(log_syslog_ident, sizeof(log_syslog_ident), "%s",
		ident != NULL ? ident : "memvfio");
	openlog(log_syslog_ident, LOG_PID | LOG_NDELAY, facility);
	log_syslog_facility = facility;
}

static int
find_type_locked(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_LOG_MAX_TYPES; i++)
		if (log_types[i].in_use && strcmp(log_types[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
register_type(const char *name, uint32_t level_def)
{
	unsigned int i;
	int id, pat_level;

	if (name == NULL || name[0] == '\0' ||
			strnlen(name, LOG_NAME_MAX) >= LOG_NAME_MAX ||
			!level_valid(level_def))
		return eal_fail(EINVAL);

	lock_table();
	id = find_type_locked(name);
	if (id >= 0) {
		unlock_table();
		return id;
	}
	for (i = RTE_LOGTYPE_FIRST_EXT_ID; i < RTE_LOG_MAX_TYPES; i++)
		if (!log_types[i].in_use)
			break;
	if (i == RTE_LOG_MAX_TYPES) {
		unlock_table();
		EAL_LOG(ERR, "cannot register log type %s: all %d log type ids are in use (raise RTE_LOG_MAX_TYPES)",
			name, RTE_LOG_MAX_TYPES);
		return eal_fail(ENOSPC);
	}
	snprintf(log_types[i].name, sizeof(log_types[i].name), "%s", name);
	log_types[i].default_level = level_def;
	pat_level = pattern_level_locked(name);
	log_types[i].level = pat_level >= 0 ? (uint32_t)pat_level : level_def;
	__atomic_store_n(&log_types[i].in_use, true, __ATOMIC_RELEASE);
	unlock_table();
	return (int)i;
}

int
rte_log_register(const char *name)
{
	return register_type(name, LOG_DEFAULT_TYPE_LEVEL);
}

int
rte_log_register_type_and_pick_level(const char *name, uint32_t level_def)
{
	return register_type(name, level_def);
}

int
rte_log_cur_msg_loglevel(void)
{
	return cur_msg_level;
}

int
rte_log_cur_msg_logtype(void)
{
	return cur_msg_type;
}

static const char *
level_name(uint32_t level)
{
	return level_valid(level) ? level_names[level] : "?";
}

void
rte_log_dump(FILE *f)
{
	const struct log_pattern *p;
	unsigned int i;

	if (f == NULL)
		f = rte_log_get_stream();
	lock_table();
	fprintf(f, "global log level is %s\n",
		level_name(rte_log_get_global_level()));
	for (i = 0; i < RTE_LOG_MAX_TYPES; i++)
		if (log_types[i].in_use)
			fprintf(f, "id %u: %s, level is %s\n", i,
				log_types[i].name,
				level_name(log_types[i].level));
	for (p = log_patterns; p != NULL; p = p->next)
		fprintf(f, "pattern %s: level %s\n", p->pattern,
			level_name(p->level));
	unlock_table();
}

static bool
can_log(uint32_t level, uint32_t logtype)
{
	if (level > rte_log_get_global_level())
		return false;
	/*
	 * Slots are only ever added: reading a slot's flag and level without
	 * the lock at worst misses a type being registered right now.
	 */
	if (!__atomic_load_n(&log_types[logtype].in_use, __ATOMIC_ACQUIRE))
		return false;
	return level <= __atomic_load_n(&log_types[logtype].level,
			__ATOMIC_RELAXED);
}

int
rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
{
	int prev_level, prev_type, ret;
	FILE *f;

	if (!level_valid(level) || logtype >= RTE_LOG_MAX_TYPES ||
			format == NULL)
		return eal_fail(EINVAL);
	if (!can_log(level, logtype))
		return 0;

	f = rte_log_get_stream();
	/* A stream that logs itself must not lose the outer message's state. */
	prev_level = cur_msg_level;
	prev_type = cur_msg_type;
	cur_msg_level = (int)level;
	cur_msg_type = (int)logtype;

	if (log_syslog_facility >= 0) {
		va_list ap2;

		/* RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8) are LOG_EMERG .. LOG_DEBUG. */
		va_copy(ap2, ap);
		vsyslog(log_syslog_facility | (int)(level - 1), format, ap2);
		va_end(ap2);
	}
	flockfile(f);
	ret = vfprintf(f, format, ap);
	if (fflush(f) != 0)
		ret = -1;
	funlockfile(f);

	cur_msg_level = prev_level;
	cur_msg_type = prev_type;
	if (ret < 0)
		return eal_fail(EIO);
	return 0;
}

int
rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
{
	va_list ap;
	int ret;

	va_start(ap, format);
	ret = rte_vlog(level, logtype, format, ap);
	va_end(ap);
	return ret;
}

void
eal_log_init(void)
{
	struct log_pattern *p;
	unsigned int i;

	lock_table();
	while (log_patterns != NULL) {
		p = log_patterns;
		log_patterns = p->next;
		pattern_free(p);
	}
	/*
	 * Registered types stay: their ids are held in variables (drivers
	 * register from constructors). Only their levels go back.
	 */
	for (i = 0; i < RTE_LOG_MAX_TYPES; i++)
		if (log_types[i].in_use)
			__atomic_store_n(&log_types[i].level,
					log_types[i].default_level,
					__ATOMIC_RELAXED);
	unlock_table();
	rte_log_set_global_level(LOG_DEFAULT_GLOBAL_LEVEL);
	eal_log_set_syslog(NULL, -1);
}
