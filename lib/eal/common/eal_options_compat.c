/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11 options that have no effect in this library (it has no lcores,
 * no drivers to load, no telemetry): each value is checked as DPDK checks
 * it, so a typo is still refused, then the option is noted for the one INFO
 * line the parse prints. Also --proc-type, of which only primary works.
 */

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_errno.h>

#include "eal_options.h"

int
eal_opt_proc_type(struct eal_opt_state *st, const char *opt, const char *arg)
{
	if (strcmp(arg, "primary") == 0 || strcmp(arg, "auto") == 0) {
		/* With no secondary support, "auto" always resolves to primary. */
		st->cfg.process_type = RTE_PROC_PRIMARY;
		return 0;
	}
	if (strcmp(arg, "secondary") == 0) {
		EAL_LOG(ERR, "%s=secondary is not supported: this EAL runs primary processes only (drop the option)",
			opt);
		return eal_fail(ENOTSUP);
	}
	return eal_opt_bad_value(opt, arg, "expected primary, secondary or auto");
}

/* "0-3,5,7-8": numbers and ranges, each range increasing. */
int
eal_opt_corelist(struct eal_opt_state *st, const char *opt, const char *arg)
{
	const char *p = arg;

	for (;;) {
		unsigned long lo, hi;
		char *end;

		if (!isdigit((unsigned char)*p))
			goto bad;
		lo = strtoul(p, &end, 10);
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (hi < lo || hi > INT_MAX)
			goto bad;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	eal_opt_note_ignored(st, opt);
	return 0;
bad:
	return eal_opt_bad_value(opt, arg, "expected a core list such as 0-3,5");
}

int
eal_opt_coremask(struct eal_opt_state *st, const char *opt, const char *arg)
{
	const char *p = arg;
	bool nonzero = false;

	if (strncasecmp(p, "0x", 2) == 0)
		p += 2;
	if (*p == '\0')
		return eal_opt_bad_value(opt, arg, "expected a hex core mask such as 0xf");
	for (; *p != '\0'; p++) {
		if (!isxdigit((unsigned char)*p))
			return eal_opt_bad_value(opt, arg, "expected a hex core mask such as 0xf");
		if (*p != '0')
			nonzero = true;
	}
	if (!nonzero)
		return eal_opt_bad_value(opt, arg, "the core mask selects no core");
	eal_opt_note_ignored(st, opt);
	return 0;
}

/* --lcores: digits, ',', '-', '@' and one level of parentheses. */
int
eal_opt_lcores(struct eal_opt_state *st, const char *opt, const char *arg)
{
	bool in_group = false;
	const char *p;

	if (arg[0] == '\0')
		return eal_opt_bad_value(opt, arg, "empty lcore map");
	for (p = arg; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p) || *p == ',' || *p == '-' ||
				*p == '@')
			continue;
		if (*p == '(' && !in_group)
			in_group = true;
		else if (*p == ')' && in_group)
			in_group = false;
		else
			break;
	}
	if (*p != '\0' || in_group)
		return eal_opt_bad_value(opt, arg, "expected an lcore map such as 0-3 or (0,1)@2");
	eal_opt_note_ignored(st, opt);
	return 0;
}

int
eal_opt_number_ignored(struct eal_opt_state *st, const char *opt, const char *arg)
{
	uint64_t v;

	if (eal_opt_parse_u64(arg, 10, INT_MAX, &v) < 0)
		return eal_opt_bad_value(opt, arg, "expected a number");
	/* -n counts memory channels: 0 of them is not a configuration. */
	if (strcmp(opt, "-n") == 0 && v == 0)
		return eal_opt_bad_value(opt, arg, "expected a number greater than 0");
	eal_opt_note_ignored(st, opt);
	return 0;
}

int
eal_opt_driver_path(struct eal_opt_state *st, const char *opt, const char *arg)
{
	if (arg[0] == '\0')
		return eal_opt_bad_value(opt, arg, "empty path");
	eal_opt_note_ignored(st, opt);
	return 0;
}

int
eal_opt_flag_ignored(struct eal_opt_state *st, const char *opt,
		const char *arg __rte_unused)
{
	eal_opt_note_ignored(st, opt);
	return 0;
}
