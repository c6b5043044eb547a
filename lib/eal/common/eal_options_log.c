/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL options about logging: --log-level in its forms. Requests are
 * collected during the parse and applied only when the whole parse
 * succeeded (eal_opt_apply_log_levels).
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

int
eal_opt_log_level(struct eal_opt_state *st, const char *opt, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	const char *level_str = colon != NULL ? colon + 1 : arg;
	struct eal_log_level_req *req;
	size_t type_len;
	int level;

	level = parse_log_level(level_str);
	if (level < 0)
		return eal_opt_bad_value(opt, arg, "expected LEVEL or TYPE:LEVEL, LEVEL being 1-8 or emerg, alert, crit, err, warning, notice, info, debug");
	if (colon == NULL) {
		st->global_level = level;
		return 0;
	}
	type_len = (size_t)(colon - arg);
	if (type_len == 0)
		return eal_opt_bad_value(opt, arg, "empty log type before ':'");
	if (type_len >= EAL_OPT_LOG_PATTERN_MAX)
		return eal_opt_bad_value(opt, arg, "log type pattern too long");
	if (st->n_log_reqs == EAL_OPT_MAX_LOG_REQS) {
		EAL_LOG(ERR, "too many %s options: at most %d", opt,
			EAL_OPT_MAX_LOG_REQS);
		return eal_fail(EINVAL);
	}
	req = &st->log_reqs[st->n_log_reqs++];
	memcpy(req->pattern, arg, type_len);
	req->pattern[type_len] = '\0';
	req->regex = false;
	req->level = (uint32_t)level;
	return 0;
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
		rte_log_set_level_pattern(st->log_reqs[i].pattern, level);
	}
	/* Probing unused type ids set rte_errno: this is not a failure. */
	rte_errno = saved_errno;
}
