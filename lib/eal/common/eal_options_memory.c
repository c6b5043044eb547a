/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL options about memory: how much, which pages, where and how it is
 * addressed. Each handler checks its value and writes the parse state only.
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <rte_errno.h>

#include "eal_options.h"

int
eal_opt_mem(struct eal_opt_state *st, const char *opt, const char *arg)
{
	uint64_t mb;

	if (eal_opt_parse_u64(arg, 10, SIZE_MAX >> 20, &mb) < 0 || mb == 0)
		return eal_opt_bad_value(opt, arg, "expected a number of MiB greater than 0");
	st->cfg.memory = (size_t)mb << 20;
	st->have_m = true;
	return 0;
}

int
eal_opt_socket_mem(struct eal_opt_state *st, const char *opt, const char *arg)
{
	size_t socket_mem[RTE_MAX_NUMA_NODES] = { 0 };
	uint64_t total = 0, mb;
	char buf[256], *tok, *save = NULL;
	unsigned int n = 0;

	if (strlen(arg) >= sizeof(buf))
		return eal_opt_bad_value(opt, arg, "too long");
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
		if (eal_opt_parse_u64(tok, 10, SIZE_MAX >> 20, &mb) < 0)
			return eal_opt_bad_value(opt, arg, "expected MiB per NUMA node separated by commas, e.g. 1024,1024");
		socket_mem[n++] = (size_t)mb << 20;
		total += mb;
		if (total > (SIZE_MAX >> 20))
			return eal_opt_bad_value(opt, arg, "total is too large");
	}
	if (total == 0)
		return eal_opt_bad_value(opt, arg, "the total is 0 MiB");
	memcpy(st->cfg.socket_mem, socket_mem, sizeof(socket_mem));
	st->cfg.memory = (size_t)total << 20;
	st->cfg.force_sockets = true;
	st->have_socket_mem = true;
	return 0;
}

int
eal_opt_no_huge(struct eal_opt_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.no_hugetlbfs = true;
	return 0;
}

int
eal_opt_dynamic_mem(struct eal_opt_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.dynamic_sys_mem = true;
	return 0;
}

int
eal_opt_legacy_mem(struct eal_opt_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.legacy_mem = true;
	st->have_legacy_mem = true;
	return 0;
}

int
eal_opt_in_memory(struct eal_opt_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.in_memory = true;
	return 0;
}

int
eal_opt_iova_mode(struct eal_opt_state *st, const char *opt, const char *arg)
{
	if (strcmp(arg, "va") == 0)
		st->cfg.iova_mode = RTE_IOVA_VA;
	else if (strcmp(arg, "pa") == 0)
		st->cfg.iova_mode = RTE_IOVA_PA;
	else
		return eal_opt_bad_value(opt, arg, "expected va or pa");
	return 0;
}

int
eal_opt_huge_dir(struct eal_opt_state *st, const char *opt, const char *arg)
{
	if (arg[0] == '\0')
		return eal_opt_bad_value(opt, arg, "empty path");
	if (strlen(arg) >= sizeof(st->cfg.hugepage_dir))
		return eal_opt_bad_value(opt, arg, "path too long");
	snprintf(st->cfg.hugepage_dir, sizeof(st->cfg.hugepage_dir), "%s", arg);
	st->have_huge_dir = true;
	return 0;
}

int
eal_opt_file_prefix(struct eal_opt_state *st, const char *opt, const char *arg)
{
	if (arg[0] == '\0')
		return eal_opt_bad_value(opt, arg, "empty name");
	if (strlen(arg) >= sizeof(st->cfg.file_prefix))
		return eal_opt_bad_value(opt, arg, "name too long");
	/* The prefix names a directory: it must be one path component. */
	if (strchr(arg, '/') != NULL || strcmp(arg, ".") == 0 ||
			strcmp(arg, "..") == 0)
		return eal_opt_bad_value(opt, arg, "must be a plain name without '/'");
	snprintf(st->cfg.file_prefix, sizeof(st->cfg.file_prefix), "%s", arg);
	return 0;
}

int
eal_opt_base_virtaddr(struct eal_opt_state *st, const char *opt, const char *arg)
{
	long pgsz = sysconf(_SC_PAGESIZE);
	const char *digits = arg;
	uint64_t addr;

	if (strncasecmp(digits, "0x", 2) == 0)
		digits += 2;
	if (eal_opt_parse_u64(digits, 16, UINT64_MAX, &addr) < 0 || addr == 0)
		return eal_opt_bad_value(opt, arg, "expected a non-zero hex address, e.g. 0x7f0000000000");
	if (pgsz > 0 && addr % (uint64_t)pgsz != 0) {
		EAL_LOG(ERR, "invalid value '%s' for option %s: not a multiple of the page size %ld",
			arg, opt, pgsz);
		return eal_fail(EINVAL);
	}
	st->cfg.base_virtaddr = addr;
	return 0;
}

int
eal_opt_heap_keep(struct eal_opt_state *st, const char *opt, const char *arg)
{
	uint64_t mb;

	if (eal_opt_parse_u64(arg, 10, SIZE_MAX >> 21, &mb) < 0)
		return eal_opt_bad_value(opt, arg, "expected a number of MiB (0: keep one page)");
	st->cfg.heap_keep = (size_t)mb << 20;
	return 0;
}

/* Memory options that are each valid but not together: -1, one ERR line. */
int
eal_opt_check_memory(const struct eal_opt_state *st)
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
	return 0;
}
