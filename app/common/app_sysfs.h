/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _APP_SYSFS_H_
#define _APP_SYSFS_H_

/*
 * sysfs reads for the project's apps and tests that must not use the
 * EAL's own (the mapping benchmark is also built against DPDK 22.11, which
 * has none of them): a hex attribute here, and the EAL-free lookups the
 * EAL wraps (eal_sysfs_link_tail(): the last part of a link).
 */

#include <limits.h>
#include <stdio.h>

#include "eal_sysfs_lookup.h"

/* The hex number in dir/name (sysfs "vendor", "device"); 0, or -1. */
static inline int
app_sysfs_read_hex(const char *dir, const char *name, unsigned long *v)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -1;
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	ok = fscanf(f, "%lx", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

#endif /* _APP_SYSFS_H_ */
