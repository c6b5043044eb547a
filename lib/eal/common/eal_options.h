/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _EAL_OPTIONS_H_
#define _EAL_OPTIONS_H_

/*
 * The EAL option parser, table driven. eal_options_table.c holds the one
 * table (name, argument, handler, help); each handler lives in the file of
 * its concern (memory, log, devices, compatibility) and writes only into the
 * parse state. eal_common_options.c runs the parse and commits the state
 * when every option was valid, so a bad option changes nothing.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "eal_private.h"

#define EAL_OPT_MAX_LOG_REQS 32
#define EAL_OPT_LOG_PATTERN_MAX 64
#define EAL_OPT_IGNORED_MAX 512

/* One --log-level request for some log types, applied after the parse. */
struct eal_log_level_req {
	char pattern[EAL_OPT_LOG_PATTERN_MAX];
	bool regex;       /* pattern is a regular expression, else a glob */
	uint32_t level;
};

/* Everything one parse collects before it is committed. */
struct eal_opt_state {
	struct eal_internal_config cfg;
	const char *prgname;
	bool have_m;
	bool have_socket_mem;
	bool have_huge_dir;
	bool have_legacy_mem;
	int global_level; /* -1: not given */
	unsigned int n_log_reqs;
	struct eal_log_level_req log_reqs[EAL_OPT_MAX_LOG_REQS];
	char ignored[EAL_OPT_IGNORED_MAX]; /* "-l, -n" for the INFO line */
};

typedef int (*eal_opt_handler)(struct eal_opt_state *st, const char *opt,
		const char *arg);

/* Whether an option takes a value. */
enum eal_opt_arg {
	EAL_OPT_NO_ARG,
	EAL_OPT_REQ_ARG,  /* "--x=V", "--x V", "-xV" or "-x V" */
	EAL_OPT_OPT_ARG,  /* only "--x" or "--x=V"; arg is NULL without V */
};

/* The sections of the usage text. */
enum eal_opt_group {
	EAL_OPT_GRP_MEMORY,
	EAL_OPT_GRP_DEVICES,
	EAL_OPT_GRP_OTHER,
	EAL_OPT_GRP_IGNORED,
};

struct eal_option {
	const char *long_name; /* without "--", or NULL */
	char short_name;       /* or 0 */
	enum eal_opt_arg has_arg;
	eal_opt_handler handle; /* NULL: --help */
	enum eal_opt_group group;
	const char *usage;     /* left column, e.g. "-m MB" */
	const char *help;      /* right column, one line */
};

/* eal_options_table.c */
const struct eal_option *eal_opt_find_long(const char *name, size_t len);
const struct eal_option *eal_opt_find_short(char c);
void eal_opt_usage_to(FILE *f, const char *prgname);

/* eal_common_options.c: helpers shared by the handlers */
int eal_opt_parse_u64(const char *s, int base, uint64_t max, uint64_t *out);
int eal_opt_bad_value(const char *opt, const char *arg, const char *why);
void eal_opt_note_ignored(struct eal_opt_state *st, const char *opt);

/* eal_options_memory.c */
int eal_opt_mem(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_socket_mem(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_no_huge(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_dynamic_mem(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_legacy_mem(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_in_memory(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_iova_mode(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_huge_dir(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_file_prefix(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_base_virtaddr(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_heap_keep(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_check_memory(const struct eal_opt_state *st);

/* eal_options_log.c */
int eal_opt_log_level(struct eal_opt_state *st, const char *opt, const char *arg);
void eal_opt_apply_log_levels(const struct eal_opt_state *st);

/* eal_options_devices.c */
int eal_opt_allow(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_block(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_no_pci(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_vfio_mode(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_check_devices(const struct eal_opt_state *st);

/* eal_options_compat.c: process type and DPDK options with no effect here */
int eal_opt_proc_type(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_corelist(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_coremask(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_lcores(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_number_ignored(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_driver_path(struct eal_opt_state *st, const char *opt, const char *arg);
int eal_opt_flag_ignored(struct eal_opt_state *st, const char *opt, const char *arg);

#endif /* _EAL_OPTIONS_H_ */
