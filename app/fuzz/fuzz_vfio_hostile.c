/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hostile steps of the fuzz target: what an application gets wrong.
 *
 * - malformed ranges: a misaligned vaddr, IOVA or length, length 0, an
 *   IOVA or vaddr range that wraps past 2^64, huge lengths (2^30..2^63,
 *   paged too), ranges that overlap the maps already made (shifted by a
 *   few pages, longer), running into unmapped memory;
 * - fds that are not containers: negative, huge, stdin, /dev/null, a
 *   memfd, a destroyed container's fd, a group's or a device's fd, given
 *   to every rte_vfio_container_* call, to rte_vfio_release_device() and
 *   rte_vfio_clear_group();
 * - devices set up and released (their group joins the default container
 *   unless the application bound it), groups bound and unbound with
 *   devices open, containers destroyed with devices open;
 * - the heap's kept pages given back (trim, keep bound changed).
 *
 * The malformed ranges have one right answer (EINVAL) and must never be
 * accepted; the bad fds EINVAL (ENOENT for the device and group calls);
 * the group steps the answer the shadow of groups predicts. Every refusal
 * goes through fuzz_refused(): a documented errno and no change.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "vfio_model.h"
#include "vfio_private.h"
#include "fuzz_vfio.h"

static char sysfs_base[4096];

static void
bdf_of(unsigned int gi, char *bdf, size_t len)
{
	snprintf(bdf, len, "0000:00:%02x.0", 0x18 + gi);
}

void
hostile_start(void)
{
	unsigned int i;

	for (i = 0; i < N_GROUPS; i++)
		fz.g[i] = (struct group){ .slot = -1, .fd = -1, .dev_fd = -1 };
	fz.closed_fd = -1;
	snprintf(sysfs_base, sizeof(sysfs_base), "%s/bus/pci/devices",
		vfio_model_sysfs_root());
}

void
hostile_finish(void)
{
	unsigned int i;

	for (i = 0; i < N_GROUPS; i++) {
		char bdf[16];

		if (fz.g[i].dev_fd < 0)
			continue;
		bdf_of(i, bdf, sizeof(bdf));
		if (rte_vfio_release_device(sysfs_base, bdf, fz.g[i].dev_fd) < 0)
			violation("release of a device at the end");
		fz.g[i].dev_fd = -1;
	}
	(void)rte_malloc_heap_keep_set(16u << 20);
}

/* ---- malformed ranges ---- */

enum {
	W_VA_ODD, W_IOVA_ODD, W_LEN_ODD, W_LEN_ZERO, W_IOVA_WRAP, W_VA_WRAP,
	W_HUGE, W_OVERLAP, W_COUNT
};

void
step_wild(uint8_t a, uint8_t b, uint8_t c)
{
	struct cont *ct = &fz.c[a % N_CONT];
	uint64_t pg = fz.pg, page = c % BUF_PAGES, k = 1 + c % 4;
	uint64_t va = (uintptr_t)fz.buf + page * pg, iova = IOVA_BASE + page * pg;
	uint64_t len = pg * (1 + (c >> 5)), pagesz = pg, odd = 1 + (c * 37u) % (pg - 1);
	unsigned int kind = b % W_COUNT;
	int mode = (b >> 3) % 3, ret, err;
	bool malformed = kind < W_HUGE;
	uint64_t before;

	if (!ct->valid)
		return;
	switch (kind) {
	case W_VA_ODD: va += odd; break;
	case W_IOVA_ODD: iova += odd; break;
	case W_LEN_ODD: len += odd; break;
	case W_LEN_ZERO:
		len = 0;
		/* a paged map: a page size of 0 or not a power of two too */
		if (mode == MODE_PAGED && (c & 0x40))
			len = pg, pagesz = (c & 1) ? 0 : 3 * pg;
		break;
	case W_IOVA_WRAP:
		iova = 0 - k * pg;
		len = (k + 1 + (c >> 6)) * pg;
		break;
	case W_VA_WRAP:
		va = 0 - k * pg;
		len = (k + 1 + (c >> 6)) * pg;
		break;
	case W_HUGE:
		len = 1ULL << (30 + c % 34);
		if (c & 0x80)
			iova = 1ULL << 62;
		break;
	case W_OVERLAP: {
		int64_t shift = (int64_t)((c >> 3) % 5) - 2;
		const struct unit *u;

		if (ct->n == 0)
			break;
		u = &ct->u[c % ct->n];
		if (shift < 0 && u->va < (uintptr_t)fz.buf + (uint64_t)-shift * pg)
			shift = 0;
		va = u->va + (uint64_t)shift * pg;
		iova = u->iova + (uint64_t)shift * pg;
		len = u->len + pg * ((c >> 6) % 3);
		break;
	}
	}
	before = fuzz_state_digest();
	rte_errno = 0;
	if (mode == MODE_UNMAP)
		ret = rte_vfio_container_dma_unmap(ct->fd, va, iova, len);
	else if (mode == MODE_PAGED)
		ret = rte_vfio_container_dma_map_paged(ct->fd, va, iova, len, pagesz);
	else
		ret = rte_vfio_container_dma_map(ct->fd, va, iova, len);
	err = rte_errno;
	if (malformed && ret == 0) {
		fprintf(stderr, "fuzz: mode %d accepted va 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " page size 0x%" PRIx64 "\n",
			mode, va, iova, len, pagesz);
		violation("a misaligned, empty or wrapping range was accepted");
	}
	if (malformed && err != EINVAL && !fz.fault_armed) {
		fprintf(stderr, "fuzz: mode %d va 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " page size 0x%" PRIx64 ": %s\n",
			mode, va, iova, len, pagesz, strerror(err));
		violation("a misaligned, empty or wrapping range refused with another errno than EINVAL");
	}
	fuzz_map_result(ct, ret, err, before, va, iova, len, mode);
}

/* ---- fds that are not containers ---- */

static bool
is_container(int fd)
{
	unsigned int i;

	if (fd == rte_vfio_get_container_fd())
		return true;
	for (i = 0; i < N_CONT; i++)
		if (fz.c[i].valid && fz.c[i].fd == fd)
			return true;
	return false;
}

static bool
is_group_or_device(int fd)
{
	unsigned int i;

	for (i = 0; i < N_GROUPS; i++)
		if (fz.g[i].fd == fd || fz.g[i].dev_fd == fd)
			return true;
	return false;
}

static int
bad_fd(unsigned int kind)
{
	unsigned int i;

	switch (kind) {
	case 0: return -2;
	case 1: return INT_MAX;
	case 2: return 0;
	case 3: return fz.null_fd;
	case 4: return fz.file_fd;
	case 5: return fz.closed_fd;
	case 6:
		for (i = 0; i < N_GROUPS; i++)
			if (fz.g[i].fd >= 0)
				return fz.g[i].fd;
		return -1;
	case 7:
		for (i = 0; i < N_GROUPS; i++)
			if (fz.g[i].dev_fd >= 0)
				return fz.g[i].dev_fd;
		return -1;
	default:
		return rte_vfio_get_container_fd() + 1000;
	}
}

void
step_bad_fd(uint8_t a, uint8_t b, uint8_t c)
{
	unsigned int call = b % 10, gi = c % N_GROUPS;
	uint64_t va = (uintptr_t)fz.buf, pg = fz.pg, before;
	struct rte_vfio_container_stats st;
	int fd = bad_fd(a % 9), ret, want = EINVAL;
	char bdf[16];
	static const char *const names[] = {
		"rte_vfio_container_dma_map", "rte_vfio_container_dma_map_paged",
		"rte_vfio_container_dma_unmap", "rte_vfio_container_destroy",
		"rte_vfio_container_group_bind", "rte_vfio_container_group_unbind",
		"rte_vfio_container_stats_get", "rte_vfio_container_stats_reset",
		"rte_vfio_release_device", "rte_vfio_clear_group",
	};

	/* -1 is the default container; a container's fd is no bad fd */
	if (fd == -1 || is_container(fd))
		return;
	if (call >= 8 && is_group_or_device(fd))
		return;
	bdf_of(gi, bdf, sizeof(bdf));
	before = fuzz_state_digest();
	rte_errno = 0;
	switch (call) {
	case 0: ret = rte_vfio_container_dma_map(fd, va, IOVA_BASE, pg); break;
	case 1: ret = rte_vfio_container_dma_map_paged(fd, va, IOVA_BASE, pg, pg); break;
	case 2: ret = rte_vfio_container_dma_unmap(fd, va, IOVA_BASE, pg); break;
	case 3: ret = rte_vfio_container_destroy(fd); break;
	case 4: ret = rte_vfio_container_group_bind(fd, GROUP_BASE + (int)gi); break;
	case 5: ret = rte_vfio_container_group_unbind(fd, GROUP_BASE + (int)gi); break;
	case 6: ret = rte_vfio_container_stats_get(fd, &st); break;
	case 7: ret = rte_vfio_container_stats_reset(fd); break;
	case 8:
		/* a negative fd is a bad argument, another fd no device */
		want = fd < 0 ? EINVAL : ENOENT;
		ret = rte_vfio_release_device(sysfs_base, bdf, fd);
		break;
	default:
		want = ENOENT;
		ret = rte_vfio_clear_group(fd);
		break;
	}
	if (ret != -1) {
		fprintf(stderr, "fuzz: %s(fd %d) returned %d\n", names[call], fd, ret);
		violation("a call on an fd that is not a container's did not fail");
	}
	fuzz_refused(names[call], rte_errno, before, &want, 1);
}

/* ---- groups, devices, containers ---- */

static const int bind_errs[] = {
	EINVAL, ENOENT, EPERM, EBUSY, ENOTSUP, ERANGE,
	/* a replayed mapping's */
	EEXIST, ENOSPC, ENOMEM, EFAULT,
};

void
step_group(uint8_t a, uint8_t b, bool bind)
{
	unsigned int slot = a % N_CONT, gi = b % N_GROUPS;
	struct cont *ct = &fz.c[slot];
	struct group *g = &fz.g[gi];
	int num = GROUP_BASE + (int)gi, ret, want;
	uint64_t before;

	if (!ct->valid)
		return;
	before = fuzz_state_digest();
	rte_errno = 0;
	if (bind) {
		ret = rte_vfio_container_group_bind(ct->fd, num);
		if (ret >= 0) {
			if (g->slot >= 0 && g->slot != (int)slot)
				violation("a group bound to another container was bound again");
			*g = (struct group){ (int)slot, true, ret, g->dev_fd };
			return;
		}
		if (g->slot == (int)slot && !fz.fault_armed)
			violation("a bind to the group's own container was refused");
		if (g->slot >= 0 && g->slot != (int)slot) {
			want = EBUSY;
			fuzz_refused("rte_vfio_container_group_bind", rte_errno, before,
				&want, 1);
		} else {
			fuzz_refused("rte_vfio_container_group_bind", rte_errno, before,
				bind_errs, RTE_DIM(bind_errs));
		}
		return;
	}
	ret = rte_vfio_container_group_unbind(ct->fd, num);
	want = g->slot != (int)slot ? ENOENT : g->dev_fd >= 0 ? EBUSY : 0;
	if (ret == 0) {
		if (want != 0) {
			fprintf(stderr, "fuzz: unbind of group %d from slot %u (shadow: slot %d, device %s) succeeded\n",
				num, slot, g->slot, g->dev_fd >= 0 ? "open" : "closed");
			violation("an unbind the shadow says must fail succeeded");
		}
		*g = (struct group){ -1, false, -1, -1 };
		return;
	}
	if (want == 0 && !fz.fault_armed) {
		fprintf(stderr, "fuzz: unbind of group %d from slot %u: %s\n", num, slot,
			strerror(rte_errno));
		violation("an unbind the shadow says must work was refused");
	}
	fuzz_refused("rte_vfio_container_group_unbind", rte_errno, before,
		&want, want != 0 ? 1 : 0);
}

static const int setup_errs[] = {
	EINVAL, ENODEV, EPERM, ENOTSUP,
	/* a replayed mapping's (the group joins the default container) */
	EEXIST, ENOSPC, ENOMEM, EFAULT, ERANGE,
};

void
step_device(uint8_t a, uint8_t b, bool setup)
{
	unsigned int gi = a % N_GROUPS;
	struct group *g = &fz.g[gi];
	struct vfio_device_info info;
	int fd = -1, ret, want = ENOENT, state = -1;
	uint64_t before;
	char bdf[16];

	bdf_of(gi, bdf, sizeof(bdf));
	if (setup) {
		if (g->dev_fd >= 0)
			return;
		before = fuzz_state_digest();
		rte_errno = 0;
		ret = rte_vfio_setup_device(sysfs_base, bdf, &fd, &info);
		if (ret == 1)
			violation("a device of a model group is not a VFIO device");
		if (ret < 0) {
			fuzz_refused("rte_vfio_setup_device", rte_errno, before,
				setup_errs, RTE_DIM(setup_errs));
			return;
		}
		if (g->slot < 0) {
			/* it joined the default container: its fd, without a bind */
			*g = (struct group){ 0, false, rte_vfio_get_group_fd(GROUP_BASE + (int)gi), -1 };
			if (g->fd < 0)
				violation("the group of a device set up has no fd");
		}
		g->dev_fd = fd;
		return;
	}
	/* a release is not fault-injected: its unbind failures are only logged */
	vfio_model_fail_nth(0, 0, 0);
	vfio_alloc_fail_nth(0);
	fz.fault_armed = false;
	if (g->dev_fd < 0 || b % 4 < 2) {
		/* not set up, another fd, another device: ENOENT, no change */
		const char *name = g->dev_fd >= 0 && b % 4 == 1 ? "0000:00:1f.0" : bdf;

		fd = g->dev_fd >= 0 && b % 4 == 0 ? fz.null_fd : g->dev_fd;
		if (fd < 0)
			fd = fz.null_fd;
		before = fuzz_state_digest();
		rte_errno = 0;
		if (rte_vfio_release_device(sysfs_base, name, fd) != -1)
			violation("a release of a device not set up with that fd did not fail");
		fuzz_refused("rte_vfio_release_device", rte_errno, before, &want, 1);
		return;
	}
	if (g->app_bound)
		state = vfio_container_state_get(fz.c[g->slot].fd);
	if (rte_vfio_release_device(sysfs_base, bdf, g->dev_fd) < 0) {
		fprintf(stderr, "fuzz: release of %s: %s\n", bdf, rte_strerror(rte_errno));
		violation("the release of a device set up was refused");
	}
	g->dev_fd = -1;
	if (!g->app_bound) {
		*g = (struct group){ -1, false, -1, -1 };
		return;
	}
	/* the application bound it: it stays, with the container's mappings */
	if (vfio_container_state_get(fz.c[g->slot].fd) != state)
		violation("an application-bound group's container changed state at its device's release");
}

void
step_destroy(uint8_t a, bool recreate)
{
	unsigned int slot = 1 + a % (N_CONT - 1), i;
	struct cont *ct = &fz.c[slot];
	bool open = false;
	uint64_t before;
	int want = EBUSY;

	if (ct->valid) {
		for (i = 0; i < N_GROUPS; i++)
			if (fz.g[i].slot == (int)slot && fz.g[i].dev_fd >= 0)
				open = true;
		before = fuzz_state_digest();
		rte_errno = 0;
		if (open) {
			if (rte_vfio_container_destroy(ct->fd) != -1)
				violation("a container with a device open was destroyed");
			fuzz_refused("rte_vfio_container_destroy", rte_errno, before,
				&want, 1);
			return;
		}
		/* it goes even when the kernel refuses its unmap (EIO) */
		if (rte_vfio_container_destroy(ct->fd) < 0 && !fz.fault_armed)
			violation("the destroy of a container without devices failed");
		if (vfio_container_state_get(ct->fd) != -1)
			violation("a destroyed container is still there");
		if (vfio_model_mapping_count(ct->fd) != 0)
			violation("a destroyed container still has kernel mappings");
		for (i = 0; i < N_GROUPS; i++)
			if (fz.g[i].slot == (int)slot)
				fz.g[i] = (struct group){ -1, false, -1, -1 };
		fz.closed_fd = ct->fd;
		ct->valid = false;
		ct->n = 0;
		if (!recreate)
			return;
	}
	ct->n = 0;
	rte_errno = 0;
	ct->fd = rte_vfio_container_create();
	ct->valid = ct->fd >= 0;
	if (!ct->valid)
		check_failure(rte_errno);
}

/* ---- the heap's kept pages ---- */

void
step_keep(uint8_t a, uint8_t b)
{
	size_t released = 0;
	int ret;

	rte_errno = 0;
	if (a % 2 == 0)
		ret = rte_malloc_heap_trim(&released);
	else
		ret = rte_malloc_heap_keep_set((size_t)(b % 8) * 4 * fz.pg);
	if (ret < 0)
		check_failure(rte_errno);
}
