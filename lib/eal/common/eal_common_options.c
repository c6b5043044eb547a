/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL command line options.
 *
 * One parse fills a private copy of the configuration and the log level
 * requests; only when every option is valid is the copy committed, the log
 * levels applied and argv reordered. A bad option therefore changes nothing.
 *
 * Locks: none. Options are parsed by rte_eal_init(), which runs once at a
 * time (see eal.c).
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "eal_private.h"

#define DEFAULT_FILE_PREFIX "rte"
#define MAX_LOG_LEVEL_OPTS 32
#define LOG_PATTERN_MAX 64
#define IGNORED_LIST_MAX 256

static struct eal_internal_config internal_config = {
	.file_prefix = DEFAULT_FILE_PREFIX,
	.iova_mode = RTE_IOVA_DC,
	.process_type = RTE_PROC_PRIMARY,
};

/* One --log-level=TYPE:LEVEL request, applied after the whole parse. */
struct log_level_req {
	char pattern[LOG_PATTERN_MAX];
	uint32_t level;
};

/* Everything one parse collects before it is committed. */
struct parse_state {
	struct eal_internal_config cfg;
	bool have_m;
	bool have_socket_mem;
	bool have_huge_dir;
	bool have_legacy_mem;
	int global_level; /* -1: not given */
	unsigned int n_log_reqs;
	struct log_level_req log_reqs[MAX_LOG_LEVEL_OPTS];
	char ignored[IGNORED_LIST_MAX]; /* "-l, -n" for the INFO line */
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
}

static void
usage_to(FILE *f, const char *prgname)
{
	fprintf(f,
		"Usage: %s [EAL options] -- [application options]\n"
		"\n"
		"Memory:\n"
		"  -m MB                  memory to reserve at start-up (MiB)\n"
		"  --socket-mem=MB,MB,..  memory per NUMA node (MiB); not with -m or --no-huge\n"
		"  --no-huge              use system pages instead of hugepages\n"
		"  --dynamic-mem          with --no-huge: allocate and free system pages on\n"
		"                         demand, as hugepages are (default: one static block)\n"
		"  --legacy-mem           reserve all memory at start-up, never release it\n"
		"  --in-memory            keep no files in hugetlbfs or the runtime directory\n"
		"  --huge-dir DIR         hugetlbfs mount to use\n"
		"  --file-prefix NAME     name of this process's files (default \"%s\")\n"
		"  --base-virtaddr ADDR   hex address where memory is reserved from\n"
		"  --iova-mode=va|pa      how devices address memory (default va)\n"
		"Devices:\n"
		"  -a, --allow PCI        use only these PCI devices (dddd:bb:dd.f or bb:dd.f)\n"
		"  -b, --block PCI        do not use these PCI devices (not with -a)\n"
		"  --no-pci               do not use the PCI bus\n"
		"Other:\n"
		"  --log-level=LEVEL      global log level: 1-8 or emerg, alert, crit, err,\n"
		"                         warning, notice, info, debug (default notice)\n"
		"  --log-level=TYPE:LEVEL level of the log types matching TYPE (shell pattern,\n"
		"                         e.g. lib.eal:debug or 'lib.*:info')\n"
		"  --proc-type=primary|auto  only primary processes are supported\n"
		"  -h, --help             this text\n"
		"Accepted for DPDK compatibility, checked and ignored:\n"
		"  -l CORELIST, -c COREMASK, --lcores MAP, --main-lcore N, -n N, -d PATH,\n"
		"  --no-telemetry\n"
		"\"--\" ends the EAL options.\n",
		prgname != NULL ? prgname : "app", DEFAULT_FILE_PREFIX);
}

void
eal_usage(const char *prgname)
{
	usage_to(stdout, prgname);
}

/*
 * Parse an unsigned number of base 10 or 16 that must be the whole string
 * (digits only: no sign, no space, no second "0x" that strtoull() would
 * skip in base 16) and at most max.
 */
static int
parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
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

static int
bad_value(const char *opt, const char *arg, const char *why)
{
	EAL_LOG(ERR, "invalid value '%s' for option %s: %s", arg, opt, why);
	return eal_fail(EINVAL);
}

static void
note_ignored(struct parse_state *st, const char *opt)
{
	size_t used = strlen(st->ignored);

	if (strstr(st->ignored, opt) != NULL)
		return;
	snprintf(st->ignored + used, sizeof(st->ignored) - used, "%s%s",
		used > 0 ? ", " : "", opt);
}

static int
opt_mem(struct parse_state *st, const char *opt, const char *arg)
{
	uint64_t mb;

	if (parse_u64(arg, 10, SIZE_MAX >> 20, &mb) < 0 || mb == 0)
		return bad_value(opt, arg, "expected a number of MiB greater than 0");
	st->cfg.memory = (size_t)mb << 20;
	st->have_m = true;
	return 0;
}

static int
opt_socket_mem(struct parse_state *st, const char *opt, const char *arg)
{
	size_t socket_mem[RTE_MAX_NUMA_NODES] = { 0 };
	uint64_t total = 0, mb;
	char buf[256], *tok, *save = NULL;
	unsigned int n = 0;

	if (strlen(arg) >= sizeof(buf))
		return bad_value(opt, arg, "too long");
	snprintf(buf, sizeof(buf), "%s", arg);
	/* strtok_r would skip empty fields silently: split by hand. */
	for (tok = buf; tok != NULL; tok = save) {
		save = strchr(tok, ',');
		if (save != NULL)
			*save++ = '\0';
		if (n == RTE_MAX_NUMA_NODES) {
			EAL_LOG(ERR, "invalid value '%s' for option %s: more than %d NUMA nodes (RTE_MAX_NUMA_NODES)",
				arg, opt, RTE_MAX_NUMA_NODES);
			return eal_fail(EINVAL);
		}
		if (parse_u64(tok, 10, SIZE_MAX >> 20, &mb) < 0)
			return bad_value(opt, arg, "expected MiB per NUMA node separated by commas, e.g. 1024,1024");
		socket_mem[n++] = (size_t)mb << 20;
		total += mb;
		if (total > (SIZE_MAX >> 20))
			return bad_value(opt, arg, "total is too large");
	}
	if (total == 0)
		return bad_value(opt, arg, "the total is 0 MiB");
	memcpy(st->cfg.socket_mem, socket_mem, sizeof(socket_mem));
	st->cfg.memory = (size_t)total << 20;
	st->cfg.force_sockets = true;
	st->have_socket_mem = true;
	return 0;
}

static int
opt_no_huge(struct parse_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.no_hugetlbfs = true;
	return 0;
}

static int
opt_dynamic_mem(struct parse_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.dynamic_sys_mem = true;
	return 0;
}

static int
opt_legacy_mem(struct parse_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.legacy_mem = true;
	st->have_legacy_mem = true;
	return 0;
}

static int
opt_in_memory(struct parse_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.in_memory = true;
	return 0;
}

static int
opt_no_pci(struct parse_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.no_pci = true;
	return 0;
}

static int
opt_iova_mode(struct parse_state *st, const char *opt, const char *arg)
{
	if (strcmp(arg, "va") == 0)
		st->cfg.iova_mode = RTE_IOVA_VA;
	else if (strcmp(arg, "pa") == 0)
		st->cfg.iova_mode = RTE_IOVA_PA;
	else
		return bad_value(opt, arg, "expected va or pa");
	return 0;
}

static int
opt_huge_dir(struct parse_state *st, const char *opt, const char *arg)
{
	if (arg[0] == '\0')
		return bad_value(opt, arg, "empty path");
	if (strlen(arg) >= sizeof(st->cfg.hugepage_dir))
		return bad_value(opt, arg, "path too long");
	snprintf(st->cfg.hugepage_dir, sizeof(st->cfg.hugepage_dir), "%s", arg);
	st->have_huge_dir = true;
	return 0;
}

static int
opt_file_prefix(struct parse_state *st, const char *opt, const char *arg)
{
	if (arg[0] == '\0')
		return bad_value(opt, arg, "empty name");
	if (strlen(arg) >= sizeof(st->cfg.file_prefix))
		return bad_value(opt, arg, "name too long");
	/* The prefix names a directory: it must be one path component. */
	if (strchr(arg, '/') != NULL || strcmp(arg, ".") == 0 ||
			strcmp(arg, "..") == 0)
		return bad_value(opt, arg, "must be a plain name without '/'");
	snprintf(st->cfg.file_prefix, sizeof(st->cfg.file_prefix), "%s", arg);
	return 0;
}

static int
opt_base_virtaddr(struct parse_state *st, const char *opt, const char *arg)
{
	long pgsz = sysconf(_SC_PAGESIZE);
	const char *digits = arg;
	uint64_t addr;

	if (strncasecmp(digits, "0x", 2) == 0)
		digits += 2;
	if (parse_u64(digits, 16, UINT64_MAX, &addr) < 0 || addr == 0)
		return bad_value(opt, arg, "expected a non-zero hex address, e.g. 0x7f0000000000");
	if (pgsz > 0 && addr % (uint64_t)pgsz != 0) {
		EAL_LOG(ERR, "invalid value '%s' for option %s: not a multiple of the page size %ld",
			arg, opt, pgsz);
		return eal_fail(EINVAL);
	}
	st->cfg.base_virtaddr = addr;
	return 0;
}

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

	if (parse_u64(s, 10, RTE_LOG_MAX, &v) == 0)
		return v >= RTE_LOG_EMERG ? (int)v : -1;
	for (i = RTE_LOG_EMERG; i <= RTE_LOG_MAX; i++)
		if (strcasecmp(s, log_level_names[i][0]) == 0 ||
				strcasecmp(s, log_level_names[i][1]) == 0)
			return (int)i;
	return -1;
}

static int
opt_log_level(struct parse_state *st, const char *opt, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	const char *level_str = colon != NULL ? colon + 1 : arg;
	struct log_level_req *req;
	size_t type_len;
	int level;

	level = parse_log_level(level_str);
	if (level < 0)
		return bad_value(opt, arg, "expected LEVEL or TYPE:LEVEL, LEVEL being 1-8 or emerg, alert, crit, err, warning, notice, info, debug");
	if (colon == NULL) {
		st->global_level = level;
		return 0;
	}
	type_len = (size_t)(colon - arg);
	if (type_len == 0)
		return bad_value(opt, arg, "empty log type before ':'");
	if (type_len >= LOG_PATTERN_MAX)
		return bad_value(opt, arg, "log type pattern too long");
	if (st->n_log_reqs == MAX_LOG_LEVEL_OPTS) {
		EAL_LOG(ERR, "too many %s options: at most %d", opt,
			MAX_LOG_LEVEL_OPTS);
		return eal_fail(EINVAL);
	}
	req = &st->log_reqs[st->n_log_reqs++];
	memcpy(req->pattern, arg, type_len);
	req->pattern[type_len] = '\0';
	req->level = (uint32_t)level;
	return 0;
}

/* Parse "dddd:bb:dd.f" or "bb:dd.f" into "dddd:bb:dd.f" (lower case). */
static int
parse_pci_addr(const char *s, char *out, size_t out_len)
{
	unsigned int field[4] = { 0 }, n = 0, digits = 0;
	/* Most hex digits and largest value of domain, bus, device, function. */
	static const unsigned int max_digits[4] = { 4, 2, 2, 1 };
	static const unsigned int max_value[4] = { 0xffff, 0xff, 0x1f, 0x7 };
	const unsigned int *lim_digits, *lim_value;
	const char *p;
	unsigned int colons = 0;

	for (p = s; *p != '\0'; p++)
		if (*p == ':')
			colons++;
	if (colons != 1 && colons != 2)
		return -1;
	/* Without a domain the fields are bus, device, function. */
	lim_digits = colons == 2 ? max_digits : max_digits + 1;
	lim_value = colons == 2 ? max_value : max_value + 1;

	for (p = s; ; p++) {
		char sep = n < colons ? ':' : (n == colons ? '.' : '\0');

		if (isxdigit((unsigned char)*p)) {
			unsigned int d = (unsigned int)(isdigit((unsigned char)*p) ?
				*p - '0' : tolower((unsigned char)*p) - 'a' + 10);

			if (++digits > lim_digits[n])
				return -1;
			field[n] = field[n] * 16 + d;
			continue;
		}
		if (*p != sep || digits == 0 || field[n] > lim_value[n])
			return -1;
		if (*p == '\0')
			break;
		n++;
		digits = 0;
	}
	if (n != colons + 1)
		return -1;
	if (colons == 2)
		snprintf(out, out_len, "%04x:%02x:%02x.%x",
			field[0], field[1], field[2], field[3]);
	else
		snprintf(out, out_len, "%04x:%02x:%02x.%x",
			0u, field[0], field[1], field[2]);
	return 0;
}

static int
add_pci_addr(const char *opt, const char *arg, char list[][EAL_PCI_ADDR_LEN],
		unsigned int *n)
{
	char addr[EAL_PCI_ADDR_LEN];
	unsigned int i;

	if (strchr(arg, ',') != NULL)
		return bad_value(opt, arg, "device arguments after ',' are not supported");
	if (parse_pci_addr(arg, addr, sizeof(addr)) < 0)
		return bad_value(opt, arg, "expected a PCI address dddd:bb:dd.f or bb:dd.f (hex; device <= 1f, function <= 7)");
	for (i = 0; i < *n; i++)
		if (strcmp(list[i], addr) == 0)
			return 0;
	if (*n == EAL_MAX_PCI_ADDRS) {
		EAL_LOG(ERR, "too many %s options: at most %d PCI addresses",
			opt, EAL_MAX_PCI_ADDRS);
		return eal_fail(EINVAL);
	}
	snprintf(list[(*n)++], EAL_PCI_ADDR_LEN, "%s", addr);
	return 0;
}

static int
opt_allow(struct parse_state *st, const char *opt, const char *arg)
{
	return add_pci_addr(opt, arg, st->cfg.allow, &st->cfg.n_allow);
}

static int
opt_block(struct parse_state *st, const char *opt, const char *arg)
{
	return add_pci_addr(opt, arg, st->cfg.block, &st->cfg.n_block);
}

static int
opt_proc_type(struct parse_state *st, const char *opt, const char *arg)
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
	return bad_value(opt, arg, "expected primary, secondary or auto");
}

/* "0-3,5,7-8": numbers and ranges, each range increasing. */
static int
opt_corelist(struct parse_state *st, const char *opt, const char *arg)
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
	note_ignored(st, opt);
	return 0;
bad:
	return bad_value(opt, arg, "expected a core list such as 0-3,5");
}

static int
opt_coremask(struct parse_state *st, const char *opt, const char *arg)
{
	const char *p = arg;
	bool nonzero = false;

	if (strncasecmp(p, "0x", 2) == 0)
		p += 2;
	if (*p == '\0')
		return bad_value(opt, arg, "expected a hex core mask such as 0xf");
	for (; *p != '\0'; p++) {
		if (!isxdigit((unsigned char)*p))
			return bad_value(opt, arg, "expected a hex core mask such as 0xf");
		if (*p != '0')
			nonzero = true;
	}
	if (!nonzero)
		return bad_value(opt, arg, "the core mask selects no core");
	note_ignored(st, opt);
	return 0;
}

/* --lcores: digits, ',', '-', '@' and one level of parentheses. */
static int
opt_lcores(struct parse_state *st, const char *opt, const char *arg)
{
	bool in_group = false;
	const char *p;

	if (arg[0] == '\0')
		return bad_value(opt, arg, "empty lcore map");
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
		return bad_value(opt, arg, "expected an lcore map such as 0-3 or (0,1)@2");
	note_ignored(st, opt);
	return 0;
}

static int
opt_number_ignored(struct parse_state *st, const char *opt, const char *arg)
{
	uint64_t v;

	if (parse_u64(arg, 10, INT_MAX, &v) < 0)
		return bad_value(opt, arg, "expected a number");
	/* -n counts memory channels: 0 of them is not a configuration. */
	if (strcmp(opt, "-n") == 0 && v == 0)
		return bad_value(opt, arg, "expected a number greater than 0");
	note_ignored(st, opt);
	return 0;
}

static int
opt_driver_path(struct parse_state *st, const char *opt, const char *arg)
{
	if (arg[0] == '\0')
		return bad_value(opt, arg, "empty path");
	note_ignored(st, opt);
	return 0;
}

static int
opt_flag_ignored(struct parse_state *st, const char *opt,
		const char *arg __rte_unused)
{
	note_ignored(st, opt);
	return 0;
}

typedef int (*opt_handler)(struct parse_state *st, const char *opt,
		const char *arg);

struct eal_option {
	const char *long_name; /* without "--", or NULL */
	char short_name;       /* or 0 */
	bool has_arg;
	opt_handler handle;    /* NULL: --help */
};

static const struct eal_option eal_options[] = {
	{ NULL, 'm', true, opt_mem },
	{ "socket-mem", 0, true, opt_socket_mem },
	{ "no-huge", 0, false, opt_no_huge },
	{ "dynamic-mem", 0, false, opt_dynamic_mem },
	{ "legacy-mem", 0, false, opt_legacy_mem },
	{ "in-memory", 0, false, opt_in_memory },
	{ "iova-mode", 0, true, opt_iova_mode },
	{ "huge-dir", 0, true, opt_huge_dir },
	{ "file-prefix", 0, true, opt_file_prefix },
	{ "base-virtaddr", 0, true, opt_base_virtaddr },
	{ "log-level", 0, true, opt_log_level },
	{ "allow", 'a', true, opt_allow },
	{ "block", 'b', true, opt_block },
	{ "no-pci", 0, false, opt_no_pci },
	{ "proc-type", 0, true, opt_proc_type },
	{ "help", 'h', false, NULL },
	/* DPDK options with no meaning here: checked, then ignored. */
	{ NULL, 'l', true, opt_corelist },
	{ NULL, 'c', true, opt_coremask },
	{ "lcores", 0, true, opt_lcores },
	{ "main-lcore", 0, true, opt_number_ignored },
	{ NULL, 'n', true, opt_number_ignored },
	{ NULL, 'd', true, opt_driver_path },
	{ "no-telemetry", 0, false, opt_flag_ignored },
};

static const struct eal_option *
find_long(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_options); i++)
		if (eal_options[i].long_name != NULL &&
				strlen(eal_options[i].long_name) == len &&
				strncmp(eal_options[i].long_name, name, len) == 0)
			return &eal_options[i];
	return NULL;
}

static const struct eal_option *
find_short(char c)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_options); i++)
		if (eal_options[i].short_name == c)
			return &eal_options[i];
	return NULL;
}

static int
bad_option(const char *prgname, const char *opt, const char *why)
{
	EAL_LOG(ERR, "option %s: %s (see the usage below)", opt, why);
	usage_to(stderr, prgname);
	return eal_fail(EINVAL);
}

/* Options that are each valid but not together. */
static int
check_combination(const struct parse_state *st)
{
	const struct eal_internal_config *c = &st->cfg;

	if (c->no_hugetlbfs && st->have_socket_mem) {
		EAL_LOG(ERR, "options --no-huge and --socket-mem conflict: memory per NUMA node needs hugepages (use -m with --no-huge)");
		return -1;
	}
	if (st->have_m && st->have_socket_mem) {
		EAL_LOG(ERR, "options -m and --socket-mem conflict: give one of them");
		return -1;
	}
	if (c->dynamic_sys_mem && !c->no_hugetlbfs) {
		EAL_LOG(ERR, "option --dynamic-mem needs --no-huge: it makes system page memory dynamic (hugepage memory is dynamic already)");
		return -1;
	}
	if (c->dynamic_sys_mem && st->have_legacy_mem) {
		EAL_LOG(ERR, "options --dynamic-mem and --legacy-mem conflict: legacy memory is static");
		return -1;
	}
	if (c->no_hugetlbfs && st->have_huge_dir) {
		EAL_LOG(ERR, "options --no-huge and --huge-dir conflict: --no-huge uses no hugetlbfs mount");
		return -1;
	}
	if (c->n_allow > 0 && c->n_block > 0) {
		EAL_LOG(ERR, "options -a/--allow and -b/--block conflict: give an allow list or a block list");
		return -1;
	}
	return 0;
}

/*
 * The log level requests take effect at once, global level first so the
 * result does not depend on their order on the command line.
 */
static void
apply_log_levels(const struct parse_state *st)
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

int
eal_parse_args(int argc, char **argv)
{
	struct parse_state *st;
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
	st->global_level = -1;

	for (i = 1; i < argc; i++) {
		const struct eal_option *o;
		const char *a = argv[i], *arg = NULL, *eq = NULL;
		char optname[64];

		if (strcmp(a, "--") == 0) {
			eal_args[n_eal++] = argv[i++];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			app_args[n_app++] = argv[i];
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = find_long(a + 2, eq != NULL ? (size_t)(eq - a - 2) :
					strlen(a + 2));
			snprintf(optname, sizeof(optname), "%.*s",
				eq != NULL ? (int)(eq - a) : (int)strlen(a), a);
			if (o == NULL) {
				bad_option(prgname, optname, "unknown option");
				goto out;
			}
			if (eq != NULL && !o->has_arg) {
				bad_option(prgname, optname, "takes no value");
				goto out;
			}
			if (eq != NULL)
				arg = eq + 1;
		} else {
			o = find_short(a[1]);
			snprintf(optname, sizeof(optname), "-%c", a[1]);
			if (o == NULL || (!o->has_arg && a[2] != '\0')) {
				bad_option(prgname, a, "unknown option");
				goto out;
			}
			if (a[2] != '\0')
				arg = a + 2;
		}
		eal_args[n_eal++] = argv[i];
		if (o->has_arg && arg == NULL) {
			if (i + 1 >= argc) {
				bad_option(prgname, optname, "needs a value");
				goto out;
			}
			arg = argv[++i];
			eal_args[n_eal++] = argv[i];
		}
		if (o->handle == NULL) {
			/* --help: nothing is set up; the caller exits. */
			eal_usage(prgname);
			rte_errno = ECANCELED;
			goto out;
		}
		if (o->handle(st, optname, arg) < 0) {
			if (rte_errno == EINVAL)
				usage_to(stderr, prgname);
			goto out;
		}
	}
	for (; i < argc; i++)
		app_args[n_app++] = argv[i];

	if (check_combination(st) < 0) {
		rte_errno = EINVAL;
		goto out;
	}

	internal_config = st->cfg;
	apply_log_levels(st);
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
