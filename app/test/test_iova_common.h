/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_IOVA_COMMON_H_
#define _TEST_IOVA_COMMON_H_

/*
 * What the IOVA-mode, IOVA-window and peer-to-peer tests share
 * (test_iova_mode.c, test_iova_windows.c, test_p2p.c): model groups and
 * devices, an EAL started on the model, a look at the captured log.
 */

#include "vfio_model.h"

#define GROUP_48 41
#define GROUP_39 42
#define DEV_48 "0000:00:05.0"
#define DEV_39 "0000:00:06.0"
#define IOVA_FAR (1ULL << 50)   /* beyond 39 and 48 bits alike */
#define IOVA_NEAR (1ULL << 30)  /* inside them, below the x86 MSI window */

/* The captured log holds w1 and w2 (w2 may be NULL); prints it when not. */
int log_has(const char *w1, const char *w2);
/* A model group of one device with the x86 MSI window. */
void model_cfg(struct vfio_model_group_cfg *cfg, int num, const char *bdf,
		unsigned int bits);
/*
 * rte_eal_init() on the model with groups that exist before it (so the
 * probe at init sees them). args: EAL arguments, NULL-ended.
 */
int model_eal_init(const struct vfio_model_group_cfg *groups, unsigned int n,
		const char *arg, ...);

/*
 * An EAL start (init: the call) that must succeed, with its log captured;
 * when it fails, the log is printed and the test fails naming what.
 */
#define INIT_LOGGED(init, what) do { \
	test_log_capture(); \
	if ((init) < 0) { \
		log_has("", NULL); \
		TEST_ASSERT(0, "%s: %s", what, rte_strerror(rte_errno)); \
	} \
} while (0)

#endif /* _TEST_IOVA_COMMON_H_ */
