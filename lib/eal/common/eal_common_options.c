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

static rte_usage_hook_t app_usage_hook;

rte_usage_hook_t
rte_set_application_usage_hook(rte_usage_hook_t usage_func)
{
	return __atomic_exchange_n(&app_usage_hook, usage_func, __ATOMIC_ACQ_REL);
}

static void
usage_with_hook(FILE *f, const char *prgname)
{
	rte_usage_hook_t hook = __atomic_load_n(&app_usage_hook, __ATOMIC_ACQUIRE);

	eal_opt_usage_to(f, prgname);
	if (hook != NULL) {
		fflush(f);
		fprintf(f, "===== Application Usage =====\n\n");
		fflush(f);
		hook(prgname);
	}
}

void
eal_usage(const char *prgname)
{
	usage_with_hook(stdout, prgname);
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

/* Remember an accepted, ignored option once, for its INFO line. */
static void
note_ignored(struct eal_opt_state *st, const struct eal_option *o)
{
	unsigned int i;

	for (i = 0; i < st->n_ignored; i++)
		if (st->ignored[i] == o)
			return;
	if (st->n_ignored < EAL_OPT_MAX_IGNORED)
		st->ignored[st->n_ignored++] = o;
}

static int
bad_option(const char *prgname, const char *opt, const char *why)
{
	EAL_LOG(ERR, "option %s: %s (see the usage below)", opt, why);
	usage_with_hook(stderr, prgname);
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
			/* --help: as DPDK 22.11, the usage and a successful exit. */
			eal_usage(prgname);
			fflush(stdout);
			exit(EXIT_SUCCESS);
		}
		if (o->handle(st, optname, arg) < 0) {
			if (rte_errno == EINVAL)
				usage_with_hook(stderr, prgname);
			goto out;
		}
		if (o->group == EAL_OPT_GRP_IGNORED)
			note_ignored(st, o);
	}
	for (; i < argc; i++)
		app_args[n_app++] = argv[i];

	if (eal_opt_check_memory(st) < 0 || eal_opt_check_devices(st) < 0) {
		rte_errno = EINVAL;
		goto out;
	}

	/* The one step that can fail goes first: a failure changes nothing. */
	if (eal_devargs_replace(st->devargs, st->n_devargs) < 0)
		goto out;
	internal_config = st->cfg;
	eal_opt_apply_log_levels(st);
	if (st->print_version)
		EAL_LOG(NOTICE, "memvfio %s (DPDK 22.11 API)", RTE_VERSION_STR);
	for (i = 0; i < (int)st->n_ignored; i++)
		EAL_LOG(INFO, "option %s accepted for DPDK compatibility and ignored: %s",
			st->ignored[i]->usage, st->ignored[i]->help);
	reorder_argv(argv, eal_args, n_eal, app_args, n_app);
	ret = n_eal;
out:
	free(st);
	free(eal_args);
	free(app_args);
	return ret;
}
