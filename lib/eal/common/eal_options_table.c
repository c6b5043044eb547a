/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one table of EAL options: name, value, handler and help. The parser
 * (eal_common_options.c) and the usage text both read it, so an option
 * cannot be accepted without being documented, or the reverse.
 */

#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "eal_options.h"

#define NO EAL_OPT_NO_ARG
#define REQ EAL_OPT_REQ_ARG
#define OPT EAL_OPT_OPT_ARG

static const struct eal_option eal_options[] = {
	/* memory */
	{ NULL, 'm', REQ, eal_opt_mem, EAL_OPT_GRP_MEMORY,
		"-m MB", "memory to reserve at start-up (MiB)" },
	{ "socket-mem", 0, REQ, eal_opt_socket_mem, EAL_OPT_GRP_MEMORY,
		"--socket-mem=MB,MB,..", "memory per NUMA node (MiB); not with -m or --no-huge" },
	{ "no-huge", 0, NO, eal_opt_no_huge, EAL_OPT_GRP_MEMORY,
		"--no-huge", "use system pages instead of hugepages" },
	{ "dynamic-mem", 0, NO, eal_opt_dynamic_mem, EAL_OPT_GRP_MEMORY,
		"--dynamic-mem", "with --no-huge: allocate and free system pages on demand (default: one static block)" },
	{ "legacy-mem", 0, NO, eal_opt_legacy_mem, EAL_OPT_GRP_MEMORY,
		"--legacy-mem", "reserve all memory at start-up, never release it" },
	{ "in-memory", 0, NO, eal_opt_in_memory, EAL_OPT_GRP_MEMORY,
		"--in-memory", "keep no files in hugetlbfs or the runtime directory" },
	{ "huge-dir", 0, REQ, eal_opt_huge_dir, EAL_OPT_GRP_MEMORY,
		"--huge-dir DIR", "hugetlbfs mount to use" },
	{ "file-prefix", 0, REQ, eal_opt_file_prefix, EAL_OPT_GRP_MEMORY,
		"--file-prefix NAME", "name of this process's files (default \"rte\")" },
	{ "base-virtaddr", 0, REQ, eal_opt_base_virtaddr, EAL_OPT_GRP_MEMORY,
		"--base-virtaddr ADDR", "hex address where memory is reserved from" },
	{ "heap-keep", 0, REQ, eal_opt_heap_keep, EAL_OPT_GRP_MEMORY,
		"--heap-keep MB", "free memory each heap keeps mapped before giving pages back (MiB, default 16; at least one page)" },
	{ "iova-mode", 0, REQ, eal_opt_iova_mode, EAL_OPT_GRP_MEMORY,
		"--iova-mode=va|pa", "how devices address memory (default va)" },
	{ "socket-limit", 0, REQ, eal_opt_socket_limit, EAL_OPT_GRP_MEMORY,
		"--socket-limit=MB,MB,..", "most memory per NUMA node (MiB, 0: no limit); dynamic hugepage memory only" },
	{ "huge-unlink", 0, OPT, eal_opt_huge_unlink, EAL_OPT_GRP_MEMORY,
		"--huge-unlink[=MODE]", "hugetlbfs files: existing (default: re-create), always (no value: leave none), never (reuse)" },
	{ "single-file-segments", 0, NO, eal_opt_single_file_segments, EAL_OPT_GRP_MEMORY,
		"--single-file-segments", "one file per memseg list (always the case here)" },
	{ "match-allocations", 0, NO, eal_opt_match_allocations, EAL_OPT_GRP_MEMORY,
		"--match-allocations", "give hugepages back only as whole heap growths" },
	/* devices */
	{ "vfio-mode", 0, REQ, eal_opt_vfio_mode, EAL_OPT_GRP_DEVICES,
		"--vfio-mode=group|cdev", "VFIO through groups and a type1 container (default), or device cdevs and iommufd" },
	{ "allow", 'a', REQ, eal_opt_allow, EAL_OPT_GRP_DEVICES,
		"-a, --allow PCI", "use only these PCI devices (dddd:bb:dd.f or bb:dd.f)" },
	{ "block", 'b', REQ, eal_opt_block, EAL_OPT_GRP_DEVICES,
		"-b, --block PCI", "do not use these PCI devices (not with -a)" },
	{ "no-pci", 0, NO, eal_opt_no_pci, EAL_OPT_GRP_DEVICES,
		"--no-pci", "do not use the PCI bus" },
	{ "vfio-vf-token", 0, REQ, eal_opt_vfio_vf_token, EAL_OPT_GRP_DEVICES,
		"--vfio-vf-token=UUID", "VF token shared by a PF and its VFs, given when a device is opened" },
	/* other */
	{ "log-level", 0, REQ, eal_opt_log_level, EAL_OPT_GRP_OTHER,
		"--log-level=LEVEL", "global log level: 1-8 or emerg, alert, crit, err, warning, notice, info, debug (default notice)" },
	{ NULL, 0, NO, NULL, EAL_OPT_GRP_OTHER,
		"--log-level=TYPE:LEVEL", "level of the log types matching TYPE (shell pattern, e.g. lib.eal:debug or 'lib.*:info')" },
	{ NULL, 0, NO, NULL, EAL_OPT_GRP_OTHER,
		"--log-level=REGEX,LEVEL", "level of the log types matching a regular expression, e.g. '^lib,debug'" },
	{ NULL, 0, NO, NULL, EAL_OPT_GRP_OTHER,
		"--log-level=help", "list the log types and their levels, then exit" },
	{ "syslog", 0, REQ, eal_opt_syslog, EAL_OPT_GRP_OTHER,
		"--syslog FACILITY", "copy log messages to syslog (daemon, user, local0-7, ...)" },
	{ NULL, 'v', NO, eal_opt_version, EAL_OPT_GRP_OTHER,
		"-v", "print the version at start-up" },
	{ "proc-type", 0, REQ, eal_opt_proc_type, EAL_OPT_GRP_OTHER,
		"--proc-type=primary|auto", "only primary processes are supported" },
	{ "help", 'h', NO, NULL, EAL_OPT_GRP_OTHER,
		"-h, --help", "this text" },
	/* DPDK options with no meaning here: checked, then ignored */
	{ NULL, 'l', REQ, eal_opt_corelist, EAL_OPT_GRP_IGNORED,
		"-l CORELIST", "lcores (this library runs no lcores)" },
	{ NULL, 'c', REQ, eal_opt_coremask, EAL_OPT_GRP_IGNORED,
		"-c COREMASK", "lcores as a hex mask" },
	{ "lcores", 0, REQ, eal_opt_lcores, EAL_OPT_GRP_IGNORED,
		"--lcores MAP", "lcore to CPU map" },
	{ "main-lcore", 0, REQ, eal_opt_number_ignored, EAL_OPT_GRP_IGNORED,
		"--main-lcore N", "main lcore" },
	{ NULL, 'n', REQ, eal_opt_number_ignored, EAL_OPT_GRP_IGNORED,
		"-n N", "memory channels" },
	{ NULL, 'd', REQ, eal_opt_driver_path, EAL_OPT_GRP_IGNORED,
		"-d PATH", "driver to load (drivers are linked, not loaded)" },
	{ "no-telemetry", 0, NO, eal_opt_flag_ignored, EAL_OPT_GRP_IGNORED,
		"--no-telemetry", "there is no telemetry to disable" },
	{ "telemetry", 0, NO, eal_opt_flag_ignored, EAL_OPT_GRP_IGNORED,
		"--telemetry", "there is no telemetry to enable" },
	{ "vdev", 0, REQ, eal_opt_vdev, EAL_OPT_GRP_IGNORED,
		"--vdev NAME[,ARGS]", "no virtual device bus here (kept in the rte_devargs list, bus \"vdev\")" },
	{ "vfio-intr", 0, REQ, eal_opt_vfio_intr, EAL_OPT_GRP_IGNORED,
		"--vfio-intr=legacy|msi|msix", "the PCI bus picks MSI-X, then MSI, then INTx per device" },
	{ "trace", 0, REQ, eal_opt_trace, EAL_OPT_GRP_IGNORED,
		"--trace=REGEX", "there are no trace points" },
	{ "trace-dir", 0, REQ, eal_opt_trace_dir, EAL_OPT_GRP_IGNORED,
		"--trace-dir=DIR", "there are no trace points" },
	{ "trace-bufsz", 0, REQ, eal_opt_trace_bufsz, EAL_OPT_GRP_IGNORED,
		"--trace-bufsz=SIZE[B|K|M]", "there are no trace points" },
	{ "trace-mode", 0, REQ, eal_opt_trace_mode, EAL_OPT_GRP_IGNORED,
		"--trace-mode=o|overwrite|d|discard", "there are no trace points" },
	{ "no-shconf", 0, NO, eal_opt_flag_ignored, EAL_OPT_GRP_IGNORED,
		"--no-shconf", "there is no shared configuration (no multi-process support)" },
	{ "no-hpet", 0, NO, eal_opt_flag_ignored, EAL_OPT_GRP_IGNORED,
		"--no-hpet", "no HPET timer is used" },
	{ "huge-worker-stack", 0, OPT, eal_opt_huge_worker_stack, EAL_OPT_GRP_IGNORED,
		"--huge-worker-stack[=KiB]", "there are no worker lcores" },
};

const struct eal_option *
eal_opt_find_long(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_options); i++)
		if (eal_options[i].long_name != NULL &&
				strlen(eal_options[i].long_name) == len &&
				strncmp(eal_options[i].long_name, name, len) == 0)
			return &eal_options[i];
	return NULL;
}

const struct eal_option *
eal_opt_find_short(char c)
{
	unsigned int i;

	if (c == 0)
		return NULL;
	for (i = 0; i < RTE_DIM(eal_options); i++)
		if (eal_options[i].short_name == c)
			return &eal_options[i];
	return NULL;
}

void
eal_opt_usage_to(FILE *f, const char *prgname)
{
	static const char *const titles[] = {
		[EAL_OPT_GRP_MEMORY] = "Memory:",
		[EAL_OPT_GRP_DEVICES] = "Devices:",
		[EAL_OPT_GRP_OTHER] = "Other:",
		[EAL_OPT_GRP_IGNORED] = "Accepted for DPDK compatibility, checked and ignored:",
	};
	unsigned int g, i;

	fprintf(f, "Usage: %s [EAL options] -- [application options]\n",
		prgname != NULL ? prgname : "app");
	for (g = 0; g < RTE_DIM(titles); g++) {
		fprintf(f, "%s\n", titles[g]);
		for (i = 0; i < RTE_DIM(eal_options); i++)
			if (eal_options[i].group == g)
				fprintf(f, "  %-24s %s\n", eal_options[i].usage,
					eal_options[i].help);
	}
	fprintf(f, "\"--\" ends the EAL options.\n");
}
