/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mapping benchmark's shared options and its @ROW lines, in both
 * binaries (the same command line and format for each).
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "mb_ops.h"

/* ---- small helpers ---- */

double
mb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t
mb_sys_page(void)
{
	long sz = sysconf(_SC_PAGESIZE);

	return sz > 0 ? (uint64_t)sz : 4096;
}

void
mb_row_print(FILE *f, const struct mb_row *r)
{
	fprintf(f, "%s %s %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %.9f %d %.9f %" PRId64 "\n",
		MB_ROW_TAG, r->src, r->row, r->bytes, r->pgsz, r->units,
		r->calls, r->entries, r->secs, r->err, r->ksecs, r->kcalls);
	fflush(f);
}

int
mb_row_parse(const char *line, struct mb_row *r)
{
	char tag[8];

	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%7s %15s %23s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64 " %lf %d %lf %" SCNd64,
			tag, r->src, r->row, &r->bytes, &r->pgsz, &r->units,
			&r->calls, &r->entries, &r->secs, &r->err, &r->ksecs,
			&r->kcalls) != 12)
		return -1;
	return strcmp(tag, MB_ROW_TAG) == 0 ? 0 : -1;
}

/* --verbose: every repetition of a row on stderr, not only the median */
bool mb_verbose;

/* ---- options ---- */

void
mb_opts_default(struct mb_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->heap_pages = 64;
	o->static_mb = 64;
	o->ext_mb = 64;
	o->user_mb = 64;
	o->paged_pages = 4096;
	o->teardown_pages = 2048;
	o->repeat = 5;
}

static const struct {
	const char *name;
	size_t off;
	unsigned int max;
	const char *help;
} size_opts[] = {
	{ "--heap-pages", offsetof(struct mb_opts, heap_pages), 1u << 16,
	  "heap pages grown and shrunk (2 MiB; system pages on the model)" },
	{ "--static-mb", offsetof(struct mb_opts, static_mb), 1u << 16,
	  "MiB of --no-huge static memory mapped at bind" },
	{ "--ext-mb", offsetof(struct mb_opts, ext_mb), 1u << 16,
	  "MiB of external heap memory at the system page size" },
	{ "--user-mb", offsetof(struct mb_opts, user_mb), 1u << 16,
	  "MiB of the one-shot user map" },
	{ "--paged-pages", offsetof(struct mb_opts, paged_pages), 1u << 20,
	  "system pages of the paged user map" },
	{ "--teardown-pages", offsetof(struct mb_opts, teardown_pages), 1u << 20,
	  "one-page maps in the container torn down" },
	{ "--repeat", offsetof(struct mb_opts, repeat), MB_MAX_REPEAT,
	  "repetitions of each row; the median is reported" },
};

void
mb_opts_usage(FILE *f)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(size_opts); i++)
		fprintf(f, "  %-20s N  %s\n", size_opts[i].name, size_opts[i].help);
	fprintf(f, "  %-20s BDF  the device whose group is bound (default: the first\n"
		"                          device bound to vfio-pci, an edu preferred)\n",
		"--device");
	fprintf(f, "  %-20s LIST  groups to run: heap,static,user,teardown,teardown_rec\n",
		"--groups");
	fprintf(f, "  %-20s       every repetition of a row on stderr\n", "--verbose");
	fprintf(f, "  %-20s       static and teardown rows: time the first run of a\n"
		"                          process, without the untimed warm-up run before it\n",
		"--cold");
}

int
mb_opts_parse(struct mb_opts *o, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	unsigned int k;

	for (k = 0; k < RTE_DIM(size_opts); k++) {
		unsigned long v;
		char *end;

		if (strcmp(opt, size_opts[k].name) != 0)
			continue;
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s needs a number\n", opt);
			return -1;
		}
		errno = 0;
		v = strtoul(argv[*i + 1], &end, 10);
		if (errno != 0 || *end != '\0' || v == 0 || v > size_opts[k].max) {
			fprintf(stderr, "%s %s: expected a number from 1 to %u\n",
				opt, argv[*i + 1], size_opts[k].max);
			return -1;
		}
		*(unsigned int *)(void *)((char *)o + size_opts[k].off) =
			(unsigned int)v;
		*i += 1;
		return 1;
	}
	if (strcmp(opt, "--verbose") == 0) {
		o->verbose = true;
		mb_verbose = true;
		return 1;
	}
	if (strcmp(opt, "--cold") == 0) {
		o->cold = true;
		return 1;
	}
	if (strcmp(opt, "--device") == 0 || strcmp(opt, "--groups") == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s needs a value\n", opt);
			return -1;
		}
		if (opt[2] == 'd')
			o->device = argv[*i + 1];
		else
			o->groups = argv[*i + 1];
		*i += 1;
		return 1;
	}
	return 0;
}

int
mb_opts_to_argv(const struct mb_opts *o, char **argv, int max, char bufs[][32])
{
	int n = 0;
	unsigned int k;

	for (k = 0; k < RTE_DIM(size_opts) && n + 2 <= max; k++) {
		argv[n++] = (char *)(uintptr_t)size_opts[k].name;
		snprintf(bufs[k], 32, "%u",
			*(const unsigned int *)(const void *)((const char *)o + size_opts[k].off));
		argv[n++] = bufs[k];
	}
	if (o->device != NULL && n + 2 <= max) {
		argv[n++] = (char *)(uintptr_t)"--device";
		argv[n++] = (char *)(uintptr_t)o->device;
	}
	if (o->verbose && n + 1 <= max)
		argv[n++] = (char *)(uintptr_t)"--verbose";
	if (o->cold && n + 1 <= max)
		argv[n++] = (char *)(uintptr_t)"--cold";
	if (o->groups != NULL && n + 2 <= max) {
		argv[n++] = (char *)(uintptr_t)"--groups";
		argv[n++] = (char *)(uintptr_t)o->groups;
	}
	return n;
}
