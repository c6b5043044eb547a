/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL options about logging: --log-level in its forms and --syslog. Requests are
 * collected during the parse and applied only when the whole parse
 * succeeded (eal_opt_apply_log_levels).
 */

#include <stdbool.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "eal_options.h"

static const char *const log_level_names[RTE_LOG_MAX + 1][2] = {
	[RTE_LOG_EMERG] = { "emerg", "emergency" },
	[RTE_LOG_ALERT] = { "alert", "alert" },
	[RTE_LOG_CRIT] = { "crit", "critical" },
	[RTE_LOG_ERR] = { "err", "error" },
	[RTE_LOG_WARNING] = { "warning", "warn" },
	[RTE_LOG_NOTICE] = { "notice", "notice" },
	[RTE_LOG_INFO] = { "info", "info" },
	[RTE_LOG_DEBUG] = { "debug", "debug" },
};

/* A level as a number (1-8) or a name; -1 if it is neither. */
static int
parse_log_level(const char *s)
{
	uint64_t v;
	unsigned int i;

	if (eal_opt_parse_u64(s, 10, RTE_LOG_MAX, &v) == 0)
		return v >= RTE_LOG_EMERG ? (int)v : -1;
	for (i = RTE_LOG_EMERG; i <= RTE_LOG_MAX; i++)
		if (strcasecmp(s, log_level_names[i][0]) == 0 ||
				strcasecmp(s, log_level_names[i][1]) == 0)
			return (int)i;
	return -1;
}

/*
 * DPDK's forms: "LEVEL" (global), "PATTERN:LEVEL" (shell pattern),
 * "REGEX,LEVEL" (regular expression; ',' is looked for first, as DPDK
 * does), and "help", which lists the log types and ends the process.
 */
int
eal_opt_log_level(struct eal_opt_state *st, const char *opt, const char *arg)
{
	const char *sep = strrchr(arg, ',');
	bool regex = sep != NULL;
	const char *level_str;
	struct eal_log_level_req *req;
	size_t type_len;
	int level;

	if (strcmp(arg, "help") == 0) {
		printf("Log types and levels (--log-level=LEVEL, PATTERN:LEVEL or REGEX,LEVEL):\n");
		rte_log_dump(stdout);
		fflush(stdout);
		exit(EXIT_SUCCESS);
	}
	if (sep == NULL)
		sep = strrchr(arg, ':');
	level_str = sep != NULL ? sep + 1 : arg;
	level = parse_log_level(level_str);
	if (level < 0)
		return eal_opt_bad_value(opt, arg, "expected LEVEL, PATTERN:LEVEL or REGEX,LEVEL, LEVEL being 1-8 or emerg, alert, crit, err, warning, notice, info, debug (or help)");
	if (sep == NULL) {
		st->global_level = level;
		return 0;
	}
	type_len = (size_t)(sep - arg);
	if (type_len == 0)
		return eal_opt_bad_value(opt, arg, "empty log type before the level");
	if (type_len >= EAL_OPT_LOG_PATTERN_MAX)
		return eal_opt_bad_value(opt, arg, "log type pattern too long");
	if (st->n_log_reqs == EAL_OPT_MAX_LOG_REQS) {
		EAL_LOG(ERR, "too many %s options: at most %d", opt,
			EAL_OPT_MAX_LOG_REQS);
		return eal_fail(EINVAL);
	}
	req = &st->log_reqs[st->n_log_reqs];
	memcpy(req->pattern, arg, type_len);
	req->pattern[type_len] = '\0';
	req->regex = regex;
	req->level = (uint32_t)level;
	if (regex) {
		regex_t re;

		/* Checked now so that a bad expression changes nothing. */
		if (regcomp(&re, req->pattern, REG_EXTENDED | REG_NOSUB) != 0)
			return eal_opt_bad_value(opt, arg, "invalid regular expression before ','");
		regfree(&re);
	}
	st->n_log_reqs++;
	return 0;
}

/* --syslog=FACILITY: messages are copied to syslog with that facility. */
int
eal_opt_syslog(struct eal_opt_state *st, const char *opt, const char *arg)
{
	static const struct {
		const char *name;
		int value;
	} facilities[] = {
		{ "auth", LOG_AUTH }, { "cron", LOG_CRON },
		{ "daemon", LOG_DAEMON }, { "ftp", LOG_FTP },
		{ "kern", LOG_KERN }, { "lpr", LOG_LPR },
		{ "mail", LOG_MAIL }, { "news", LOG_NEWS },
		{ "syslog", LOG_SYSLOG }, { "user", LOG_USER },
		{ "uucp", LOG_UUCP }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(facilities); i++)
		if (strcmp(arg, facilities[i].name) == 0) {
			st->cfg.syslog = true;
			st->cfg.syslog_facility = facilities[i].value;
			return 0;
		}
	return eal_opt_bad_value(opt, arg, "expected a syslog facility: auth, cron, daemon, ftp, kern, lpr, mail, news, syslog, user, uucp or local0-local7");
}

/*
 * The log level requests take effect at once, global level first so the
 * result does not depend on their order on the command line.
 */
void
eal_opt_apply_log_levels(const struct eal_opt_state *st)
{
	int saved_errno = rte_errno;
	unsigned int i;
	uint32_t id;

	if (st->global_level >= 0)
		rte_log_set_global_level((uint32_t)st->global_level);
	for (i = 0; i < st->n_log_reqs; i++) {
		uint32_t level = st->log_reqs[i].level;
		uint32_t global = rte_log_get_global_level();

		/*
		 * A message must pass the global level too: "lib.eal:debug"
		 * would show nothing under the default global level. Raise the
		 * global level and lower every type to what it showed before,
		 * so that only the types named by the pattern see more.
		 */
		if (level > global) {
			for (id = 0; id < RTE_LOG_MAX_TYPES; id++) {
				int cur = rte_log_get_level(id);

				if (cur > (int)global)
					rte_log_set_level(id, global);
			}
			rte_log_set_global_level(level);
		}
		if (st->log_reqs[i].regex)
			rte_log_set_level_regexp(st->log_reqs[i].pattern, level);
		else
			rte_log_set_level_pattern(st->log_reqs[i].pattern, level);
	}
	if (st->cfg.syslog) {
		const char *base = st->prgname != NULL ?
			strrchr(st->prgname, '/') : NULL;

		eal_log_set_syslog(base != NULL ? base + 1 : st->prgname,
			st->cfg.syslog_facility);
	}
	/* Probing unused type ids set rte_errno: this is not a failure. */
	rte_errno = saved_errno;
}
