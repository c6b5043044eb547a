/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-vfio-diag: report what this machine offers for VFIO DMA mapping
 * (IOMMU, groups, VFIO extensions, page sizes, IOVA ranges, DMA entries,
 * limits, hugepages, the EAL's IOVA mode) and how to fix what is wrong.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "vfio_diag.h"

static void
usage(const char *prg, FILE *out)
{
	fprintf(out,
		"Usage: %s [options] [-- EAL options]\n"
		"Report what this machine offers for VFIO DMA mapping and what to fix.\n"
		"Read-only: one viable group is bound to a temporary container to read\n"
		"the IOMMU's page sizes, IOVA ranges and DMA entries, then released.\n"
		"\n"
		"  --json           machine-readable output (one JSON object)\n"
		"  --memory SIZE    memory the application will map (e.g. 512G, 64M):\n"
		"                   checked against dma_entry_limit and the memlock limit\n"
		"                   (default: the reserved hugepages)\n"
		"  --no-probe       do not bind a group to a temporary container\n"
		"  --no-iova        do not ask the EAL which IOVA mode it would pick\n"
		"  --sysfs DIR      read sysfs from DIR instead of /sys (a fake tree)\n"
		"  --proc DIR       read cmdline, mounts, meminfo from DIR instead of /proc\n"
		"  --cmdline STR    analyse STR instead of the kernel command line\n"
		"  --model          use the built-in VFIO type1 model (a small fake\n"
		"                   machine, for tests and demonstrations)\n"
		"  -h, --help       this text\n"
		"EAL options after -- are those the IOVA mode question uses (e.g.\n"
		"-- --iova-mode=va -m 1024); the EAL runs in a child with --in-memory.\n"
		"Exit status: 0 report printed, no error found; 1 report printed, it\n"
		"lists an error (advice of severity error); 2 bad usage; 3 the tool\n"
		"failed.\n", prg);
}

/* "512G", "64M", "4096": bytes, or 0 when malformed */
static uint64_t
parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || s[0] == '-')
		return 0;
	switch (*end) {
	case 'K': case 'k':
		v <<= 10; end++; break;
	case 'M': case 'm':
		v <<= 20; end++; break;
	case 'G': case 'g':
		v <<= 30; end++; break;
	case 'T': case 't':
		v <<= 40; end++; break;
	default:
		break;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	return *end == '\0' ? v : 0;
}

enum { OPT_JSON = 256, OPT_MEMORY, OPT_NO_PROBE, OPT_NO_IOVA, OPT_SYSFS,
	OPT_PROC, OPT_CMDLINE, OPT_MODEL };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
		{ "no-iova", no_argument, NULL, OPT_NO_IOVA },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "model", no_argument, NULL, OPT_MODEL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diag_options opts = { .sysfs = "/sys", .proc = "/proc" };
	struct diag_report *rep;
	char model_dev[4096];
	int status;
	bool json = false, model = false, sysfs_given = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_MEMORY:
			opts.memory = parse_size(optarg);
			if (opts.memory == 0) {
				fprintf(stderr, "%s: --memory %s: not a size (e.g. 512G, 64M, 1048576)\n",
					argv[0], optarg);
				return DIAG_EXIT_USAGE;
			}
			break;
		case OPT_NO_PROBE:
			opts.no_probe = true;
			break;
		case OPT_NO_IOVA:
			opts.no_iova = true;
			break;
		case OPT_SYSFS:
			opts.sysfs = optarg;
			sysfs_given = true;
			break;
		case OPT_PROC:
			opts.proc = optarg;
			break;
		case OPT_CMDLINE:
			opts.cmdline = optarg;
			break;
		case OPT_MODEL:
			model = true;
			break;
		case 'h':
			usage(argv[0], stdout);
			return 0;
		default:
			usage(argv[0], stderr);
			return DIAG_EXIT_USAGE;
		}
	}
	if (argc - optind > DIAG_MAX_EAL_ARGS) {
		fprintf(stderr, "%s: at most %d EAL options after --\n", argv[0],
			DIAG_MAX_EAL_ARGS);
		return DIAG_EXIT_USAGE;
	}
	for (; optind < argc; optind++)
		opts.eal_args[opts.n_eal_args++] = argv[optind];
	if (model) {
		const char *root = diag_model_setup(65535);

		if (root == NULL) {
			fprintf(stderr, "%s: cannot build the model: %s\n", argv[0],
				rte_strerror(rte_errno));
			return DIAG_EXIT_FAILED;
		}
		if (!sysfs_given)
			opts.sysfs = root;
		/* the model machine has no device nodes of its own */
		snprintf(model_dev, sizeof(model_dev), "%s/dev", root);
		opts.dev = model_dev;
	}
	rep = calloc(1, sizeof(*rep));
	if (rep == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return DIAG_EXIT_FAILED;
	}
	diag_collect(&opts, rep);
	if (json)
		diag_print_json(rep, stdout);
	else
		diag_print_text(rep, stdout);
	status = diag_exit_status(rep);
	free(rep);
	return fflush(stdout) == 0 ? status : DIAG_EXIT_FAILED;
}
