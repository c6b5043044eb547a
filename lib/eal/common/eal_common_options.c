/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL command line options: the parse loop and its commit.
 *
 * One parse fills a private copy of the configuration and the log level
 * requests (struct eal_opt_state); only when every option is valid is the
 * copy committed, the log levels applied and argv reordered. A bad option
 * therefore changes nothing. The options themselves are in one table
 * (eal_options_table.c), their handlers in one file per concern.
 *
 * Locks: none. Options are parsed by rte_eal_init(), which runs once at a
 * time (see eal.c).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "eal_options.h"

#define DEFAULT_FILE_PREFIX "rte"

static struct eal_internal_config internal_config = {
	.file_prefix = DEFAULT_FILE_PREFIX,
	.iova_mode = RTE_IOVA_DC,
	.process_type = RTE_PROC_PRIMARY,
};

struct eal_internal_config *
eal_get_internal_config(void)
{
	return &internal_config;
}

void
eal_reset_internal_config(struct eal_internal_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "%s",
		DEFAULT_FILE_PREFIX);
	cfg->iova_mode = RTE_IOVA_DC;
	cfg->process_type = RTE_PROC_PRIMARY;
	cfg->heap_keep = SIZE_MAX;
}

void
eal_usage(const char *prgname)
{
	eal_opt_usage_to(stdout, prgname);
}

/*
 * Parse an unsigned number of base 10 or 16 that must be the whole string
 * (digits only: no sign, no space, no second "0x" that strtoull() would
 * skip in base 16) and at most max.
 */
int
eal_opt_parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
	const char *digits = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
	unsigned long long v;

	if (s == NULL || s[0] == '\0' || s[strspn(s, digits)] != '\0')
		return -1;
	errno = 0;
	v = strtoull(s, NULL, base);
	if (errno != 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int
eal_opt_bad_value(const char *opt, const char *arg, const char *why)
{
	EAL_LOG(ERR, "invalid value '%s' for option %s: %s", arg, opt, why);
	return eal_fail(EINVAL);
}

void
eal_opt_note_ignored(struct eal_opt_state *st, const char *opt)
{
	size_t used = strlen(st->ignored);

	if (strstr(st->ignored, opt) != NULL)
		return;
	snprintf(st->ignored + used, sizeof(st->ignored) - used, "%s%s",
		used > 0 ? ", " : "", opt);
}

static int
bad_option(const char *prgname, const char *opt, const char *why)
{
	EAL_LOG(ERR, "option %s: %s (see the usage below)", opt, why);
	eal_opt_usage_to(stderr, prgname);
	return eal_fail(EINVAL);
}

/*
 * Put argv in the order the caller expects: the EAL options first, then at
 * index "consumed" the program name, then the application's arguments in
 * their original order (those before "--" that were not options, then
 * those after it).
 */
static void
reorder_argv(char **argv, char **eal_args, int n_eal, char **app_args,
		int n_app)
{
	char *prgname = argv[0];
	int i, k = 1;

	for (i = 0; i < n_eal; i++)
		argv[k++] = eal_args[i];
	k = n_eal;
	argv[k++] = prgname;
	for (i = 0; i < n_app; i++)
		argv[k++] = app_args[i];
}

/*
 * Find the option argv[*i] names and its value. Returns the option, or
 * NULL with rte_errno set and the error logged. *i moves past a value given
 * as the next argument.
 */
static const struct eal_option *
match_option(int argc, char **argv, int *i, const char **arg, char *optname,
		size_t optname_len, char **eal_args, int *n_eal)
{
	const char *prgname = argv[0], *a = argv[*i], *eq = NULL;
	const struct eal_option *o;

	*arg = NULL;
	if (a[1] == '-') {
		eq = strchr(a + 2, '=');
		o = eal_opt_find_long(a + 2, eq != NULL ?
			(size_t)(eq - a - 2) : strlen(a + 2));
		snprintf(optname, optname_len, "%.*s",
			eq != NULL ? (int)(eq - a) : (int)strlen(a), a);
		if (o == NULL) {
			bad_option(prgname, optname, "unknown option");
			return NULL;
		}
		if (eq != NULL && o->has_arg == EAL_OPT_NO_ARG) {
			bad_option(prgname, optname, "takes no value");
			return NULL;
		}
		if (eq != NULL)
			*arg = eq + 1;
	} else {
		o = eal_opt_find_short(a[1]);
		snprintf(optname, optname_len, "-%c", a[1]);
		if (o == NULL || (o->has_arg == EAL_OPT_NO_ARG && a[2] != '\0')) {
			bad_option(prgname, a, "unknown option");
			return NULL;
		}
		if (a[2] != '\0')
			*arg = a + 2;
	}
	eal_args[(*n_eal)++] = argv[*i];
	if (o->has_arg == EAL_OPT_REQ_ARG && *arg == NULL) {
		if (*i + 1 >= argc) {
			bad_option(prgname, optname, "needs a value");
			return NULL;
		}
		*arg = argv[++(*i)];
		eal_args[(*n_eal)++] = argv[*i];
	}
	return o;
}

int
eal_parse_args(int argc, char **argv)
{
	struct eal_opt_state *st;
	char **eal_args = NULL, **app_args = NULL;
	const char *prgname;
	int i, n_eal = 0, n_app = 0, ret = -1;

	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		EAL_LOG(ERR, "no arguments: argv must hold at least the program name");
		return eal_fail(EINVAL);
	}
	prgname = argv[0];
	st = calloc(1, sizeof(*st));
	eal_args = calloc((size_t)argc, sizeof(*eal_args));
	app_args = calloc((size_t)argc, sizeof(*app_args));
	if (st == NULL || eal_args == NULL || app_args == NULL) {
		EAL_LOG(ERR, "cannot allocate memory to parse the options");
		rte_errno = ENOMEM;
		goto out;
	}
	eal_reset_internal_config(&st->cfg);
	st->prgname = prgname;
	st->global_level = -1;

	for (i = 1; i < argc; i++) {
		const struct eal_option *o;
		const char *a = argv[i], *arg;
		char optname[64];

		if (strcmp(a, "--") == 0) {
			eal_args[n_eal++] = argv[i++];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			app_args[n_app++] = argv[i];
			continue;
		}
		o = match_option(argc, argv, &i, &arg, optname, sizeof(optname),
			eal_args, &n_eal);
		if (o == NULL)
			goto out;
		if (o->handle == NULL) {
			/* --help: nothing is set up; the caller exits. */
			eal_usage(prgname);
			rte_errno = ECANCELED;
			goto out;
		}
		if (o->handle(st, optname, arg) < 0) {
			if (rte_errno == EINVAL)
				eal_opt_usage_to(stderr, prgname);
			goto out;
		}
	}
	for (; i < argc; i++)
		app_args[n_app++] = argv[i];

	if (eal_opt_check_memory(st) < 0 || eal_opt_check_devices(st) < 0) {
		rte_errno = EINVAL;
		goto out;
	}

	internal_config = st->cfg;
	eal_opt_apply_log_levels(st);
	if (st->ignored[0] != '\0')
		EAL_LOG(INFO, "options %s accepted for DPDK compatibility and ignored: they have no effect here",
			st->ignored);
	reorder_argv(argv, eal_args, n_eal, app_args, n_app);
	ret = n_eal;
out:
	free(st);
	free(eal_args);
	free(app_args);
	return ret;
}
