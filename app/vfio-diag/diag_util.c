/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small helpers of the diagnostic tool: reading one-line sysfs files and
 * symlinks, naming sizes, and the advice list.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "eal_private.h"
#include "vfio_diag.h"

int
diag_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		buf[0] = '\0';
		errno = ENODATA;
		return -1;
	}
	fclose(f);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int
diag_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	unsigned long long v;

	if (diag_read_line(path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno != 0 || end == buf) {
		errno = EINVAL;
		return -1;
	}
	*val = v;
	return 0;
}

/* "512 GiB", "2 MiB", "4 KiB"; "~256 MiB" when not a whole unit. */
const char *
diag_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned int u = 0;

	if (bytes == UINT64_MAX) {
		snprintf(buf, len, "unlimited");
		return buf;
	}
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " bytes", bytes);
		return buf;
	}
	while (u + 1 < RTE_DIM(units) && bytes >= (1ULL << (10 * (u + 2))))
		u++;
	if (bytes % (1ULL << (10 * (u + 1))) == 0)
		snprintf(buf, len, "%" PRIu64 " %s", bytes >> (10 * (u + 1)), units[u]);
	else
		snprintf(buf, len, "~%.3g %s",
			(double)bytes / (double)(1ULL << (10 * (u + 1))), units[u]);
	return buf;
}

const char *
diag_iova_name(enum rte_iova_mode mode)
{
	switch (mode) {
	case RTE_IOVA_PA:
		return "PA";
	case RTE_IOVA_VA:
		return "VA";
	default:
		return "DC";
	}
}

const char *
diag_tri_name(enum diag_tri t)
{
	return t == DIAG_YES ? "yes" : t == DIAG_NO ? "no" : "unknown";
}

void
diag_add_advice(struct diag_report *rep, enum diag_severity sev,
		const char *topic, const char *fix, const char *fmt, ...)
{
	struct diag_advice *a;
	va_list ap;

	if (rep->n_advice >= DIAG_MAX_ADVICE)
		return;
	a = &rep->advice[rep->n_advice++];
	a->sev = sev;
	snprintf(a->topic, sizeof(a->topic), "%s", topic);
	snprintf(a->fix, sizeof(a->fix), "%s", fix != NULL ? fix : "");
	va_start(ap, fmt);
	vsnprintf(a->problem, sizeof(a->problem), fmt, ap);
	va_end(ap);
}

void
diag_read_device(const char *dir, const char *bdf, struct diag_device *dev)
{
	char path[PATH_MAX + 300], vendor[16] = "", device[16] = "";

	snprintf(dev->bdf, sizeof(dev->bdf), "%.31s", bdf);
	snprintf(path, sizeof(path), "%s/%s/driver", dir, bdf);
	if (eal_link_basename(path, dev->driver, sizeof(dev->driver)) < 0)
		dev->driver[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s/vendor", dir, bdf);
	diag_read_line(path, vendor, sizeof(vendor));
	snprintf(path, sizeof(path), "%s/%s/device", dir, bdf);
	diag_read_line(path, device, sizeof(device));
	dev->id[0] = '\0';
	if (strncmp(vendor, "0x", 2) == 0 && strncmp(device, "0x", 2) == 0)
		snprintf(dev->id, sizeof(dev->id), "%.4s:%.4s", vendor + 2,
			device + 2);
}

int
diag_device_cmp(const void *a, const void *b)
{
	return strcmp(((const struct diag_device *)a)->bdf,
		((const struct diag_device *)b)->bdf);
}
