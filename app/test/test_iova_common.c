/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the IOVA-mode, IOVA-window and peer-to-peer tests.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <rte_eal.h>
#include <rte_edu.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_iova.h"
#include "eal_private.h"
#include "test.h"
#include "test_common.h"
#include "test_iova_common.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"

/* The captured log holds w1 and w2 (on any line); prints it when not. */
int
log_has(const char *w1, const char *w2)
{
	const char *buf = test_log_release();
	int ok;

	if (buf == NULL)
		return 1; /* no capture possible: do not fail for it */
	ok = strstr(buf, w1) != NULL && (w2 == NULL || strstr(buf, w2) != NULL);
	if (!ok)
		printf("  expected a log line with \"%s\"%s%s%s, got:\n%s", w1,
			w2 != NULL ? " and \"" : "", w2 != NULL ? w2 : "",
			w2 != NULL ? "\"" : "", buf);
	return ok;
}

void
model_cfg(struct vfio_model_group_cfg *cfg, int num, const char *bdf,
		unsigned int bits)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->group_num = num;
	cfg->devices[0] = bdf;
	cfg->aperture_bits = bits;
	cfg->msi_window = true;
}

/*
 * rte_eal_init() on the model with groups that exist before it (so the
 * probe at init sees them). args: EAL arguments, NULL-ended.
 */
int
model_eal_init(const struct vfio_model_group_cfg *groups, unsigned int n,
		const char *arg, ...)
{
	char *argv[16];
	int argc = 0;
	unsigned int i;
	const char *a;
	va_list ap;

	argv[argc++] = (char *)(uintptr_t)"dpdk-test";
	va_start(ap, arg);
	for (a = arg; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[argc] = NULL;
	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_memlock_limit(UINT64_MAX);
	vfio_model_set_cap_ipc_lock(true);
	for (i = 0; i < n; i++)
		if (vfio_model_add_group(&groups[i]) < 0)
			return -1;
	return rte_eal_init(argc, argv);
}
