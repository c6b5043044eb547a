/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conformance cases D-G and section 11 of the reference: VFIO_IOMMU_MAP_DMA,
 * UNMAP_DMA under v2 and v1, and the VADDR (live update) flags. Expected
 * results are in test_vfio_conformance_table.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "test_vfio_conformance.h"

/* ---- D: MAP_DMA ---- */

void
case_d32(void)
{
	struct vfio_iommu_type1_dma_map m;
	struct env e;
	void *a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		m = (struct vfio_iommu_type1_dma_map){ .argsz = 31, .flags = RW,
			.vaddr = (uintptr_t)a, .iova = MIB, .size = 2 * MIB };
		cf_got_rc(cf_io(e.c, VFIO_IOMMU_MAP_DMA, &m));
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, 0));
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, 8));
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB,
			VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_VADDR));
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, RW | 8));
	}
	cf_env_done(&e);
}

void
case_d33_35(void)
{
	struct env e;
	char *a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		cf_got_rc(cf_map_dma(&e, a, MIB, 0, RW));
		cf_got_rc(cf_map_dma(&e, a, S.ps / 2, S.ps, RW));
		cf_got_rc(cf_map_dma(&e, a + S.ps / 2, MIB, S.ps, RW));
		cf_got_rc(cf_map_dma(&e, a, MIB, S.ps + 1, RW));
		cf_got_rc(cf_map_dma(&e, a, 0xfffffffffffff000ULL, 0x2000, RW));
		cf_got_avail(&e);
	}
	cf_env_done(&e);
}

void
case_d36_38(void)
{
	struct env e;
	char *a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);
	char *b = a != NULL ? cf_env_buf(&e, KIB4, PROT_READ | PROT_WRITE) : NULL;

	if (b != NULL) {
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, RW));
		cf_got_avail(&e);
		cf_got_lck(&e);
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, RW));
		cf_got_rc(cf_map_dma(&e, a, MIB + KIB4, KIB4, RW));
		cf_got_rc(cf_map_dma(&e, a, 0, MIB + KIB4, RW));
		cf_got_rc(cf_map_dma(&e, b, 3 * MIB, KIB4, RW));
		cf_got_avail(&e);
	}
	cf_env_done(&e);
}

void
case_d39(void)
{
	struct env e;
	char *a;

	/*
	 * Nothing lies past an aperture that ends at 2^64-1 (virtio-iommu,
	 * AMD v1), and a map ending there is 6.12's end-of-space quirk
	 * (reference 2.7): not applicable (reference 10, D39).
	 */
	if (S.top == UINT64_MAX) {
		snprintf(S.skip, sizeof(S.skip),
			"the last valid IOVA range ends at 2^64-1: no IOVA past the aperture");
		return;
	}
	a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);
	if (a != NULL) {
		cf_got_rc(cf_map_dma(&e, a, 0xfee00000ULL, KIB4, RW));
		cf_got_rc(cf_map_dma(&e, a, 0xfedff000ULL, 0x2000, RW));
		cf_got_rc(cf_map_dma(&e, a, S.top + 1, KIB4, RW));
		cf_got_rc(cf_map_dma(&e, a, S.top + 1 - KIB4, 0x2000, RW));
		cf_got_rc(cf_map_dma(&e, a, 0xfedff000ULL, KIB4, RW));
		cf_got_rc(cf_map_dma(&e, a + KIB4, 0xfef00000ULL, KIB4, RW));
		cf_got_rc(cf_map_dma(&e, a + 2 * KIB4, S.top + 1 - KIB4, KIB4, RW));
		cf_got_avail(&e);
	}
	cf_env_done(&e);
}

void
case_d40_41(void)
{
	struct env e;
	char *a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a == NULL)
		return cf_env_done(&e);
	/* a hole: the second MiB of a is unmapped */
	munmap(a + MIB, MIB);
	cf_got_rc(cf_map_dma(&e, a + MIB, MIB, MIB, RW));
	cf_got_avail(&e);
	cf_got_lck(&e);
	cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, RW));
	cf_unmap_dma(&e, MIB, 2 * MIB, 0);
	cf_got_lck(&e);
	cf_env_done(&e);
}

void
case_d42(void)
{
	struct env e;
	char *r;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return cf_env_done(&e);
	r = cf_env_buf(&e, 2 * MIB, PROT_READ);
	cf_got_rc(cf_map_dma(&e, r, MIB, 2 * MIB, RW));
	cf_got_rc(cf_map_dma(&e, r, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_WRITE));
	cf_got_rc(cf_map_dma(&e, r, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_READ));
	cf_env_done(&e);
}

void
case_d43(void)
{
	struct rlimit old, lim;
	struct env e;
	char *a;

	if (S.kernel && cf_cap_ipc_lock(-1) != 1) {
		snprintf(S.skip, sizeof(S.skip),
			"CAP_IPC_LOCK not permitted: cannot show both sides");
		return;
	}
	if (S.kernel && cf_locked_kib() != 0) {
		snprintf(S.skip, sizeof(S.skip),
			"the process has %" PRIu64 " KiB locked already", cf_locked_kib());
		return;
	}
	a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);
	if (a == NULL || getrlimit(RLIMIT_MEMLOCK, &old) < 0)
		return cf_env_done(&e);
	lim = old;
	lim.rlim_cur = MIB;
	if (setrlimit(RLIMIT_MEMLOCK, &lim) < 0 || cf_set_cap_ipc_lock(false) < 0) {
		cf_got("setup:rlimit-or-cap");
		setrlimit(RLIMIT_MEMLOCK, &old);
		return cf_env_done(&e);
	}
	cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, RW));
	cf_got_rc(cf_map_dma(&e, a, MIB, MIB, RW));
	cf_got_rc(cf_map_dma(&e, a + MIB, 2 * MIB, KIB4, RW));
	cf_set_cap_ipc_lock(true);
	cf_got_rc(cf_map_dma(&e, a, 16 * MIB, 2 * MIB, RW));
	cf_got_lck(&e);
	setrlimit(RLIMIT_MEMLOCK, &old);
	cf_env_done(&e);
}

void
case_d44(void)
{
	struct env e;
	char *a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, RW));
		cf_got_rc(cf_map_dma(&e, a, 8 * MIB, 2 * MIB, RW));
		cf_got_lck(&e);
	}
	cf_env_done(&e);
}

void
case_d45(void)
{
	int old = S.kernel ? cf_read_entry_limit() : (int)S.entry_limit;
	struct env e;
	char *a;

	if (old < 0 || cf_set_entry_limit(2) < 0) {
		snprintf(S.skip, sizeof(S.skip), "cannot write %s",
			CF_ENTRY_LIMIT_PARAM);
		return;
	}
	a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);
	cf_set_entry_limit(old);
	if (a != NULL) {
		cf_got_avail(&e);
		cf_got_rc(cf_map_dma(&e, a, MIB, KIB4, RW));
		cf_got_rc(cf_map_dma(&e, a + KIB4, 2 * MIB, KIB4, RW));
		cf_got_avail(&e);
		cf_got_rc(cf_map_dma(&e, a + 2 * KIB4, 3 * MIB, KIB4, RW));
		cf_unmap_dma(&e, MIB, KIB4, 0);
		cf_got_avail(&e);
		cf_got_rc(cf_map_dma(&e, a + 2 * KIB4, 3 * MIB, KIB4, RW));
		cf_got_avail(&e);
	}
	cf_env_done(&e);
}

/* BAR0 of the device mapped for peer to peer (kernel only). */
void
case_d46(void)
{
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	struct env e;
	void *bar;
	int d;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return cf_env_done(&e);
	d = cf_env_device(&e, 0);
	if (d < 0 || cf_io(d, VFIO_DEVICE_GET_REGION_INFO, &reg) < 0 ||
			!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		snprintf(S.skip, sizeof(S.skip), "BAR0 is not mmap-able");
		return cf_env_done(&e);
	}
	bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, d,
		reg.offset);
	if (bar == MAP_FAILED) {
		cf_got("mmap=%s", cf_err_name(errno));
		return cf_env_done(&e);
	}
	cf_got_rc(cf_map_dma(&e, bar, 64 * MIB, reg.size, RW));
	cf_got_lck(&e);
	S.be->close(d);
	e.d[0] = -1;
	munmap(bar, reg.size);
	cf_unmap_dma(&e, 64 * MIB, reg.size, 0);
	cf_env_done(&e);
}

void
case_d47_48(void)
{
	struct env e;
	char *a = cf_env_with_buf(&e, VFIO_TYPE1v2_IOMMU);

	if (a != NULL) {
		cf_got_rc(cf_map_dma(&e, a, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_VADDR));
		cf_got_rc(cf_map_dma(&e, a, MIB, MIB, VFIO_DMA_MAP_FLAG_READ));
		cf_got_rc(cf_map_dma(&e, a, MIB, MIB, VFIO_DMA_MAP_FLAG_VADDR));
		cf_got_rc(cf_map_dma(&e, a + MIB, 4 * MIB, MIB, VFIO_DMA_MAP_FLAG_WRITE));
	}
	cf_env_done(&e);
}

/* ---- E: UNMAP v2, F: UNMAP v1 ---- */

void
case_e49_50(void)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = 23, .iova = MIB, .size = 2 * MIB,
	};
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		cf_got_rc(cf_io(e.c, VFIO_IOMMU_UNMAP_DMA, &u));
		cf_unmap_dma(&e, MIB, 2 * MIB, 8);
		cf_unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
			VFIO_DMA_UNMAP_FLAG_ALL);
		cf_unmap_dma(&e, MIB + S.ps / 2, 2 * MIB, 0);
		cf_unmap_dma(&e, MIB, 0, 0);
		cf_unmap_dma(&e, MIB, S.ps + 1, 0);
		cf_unmap_dma(&e, 0xfffffffffffff000ULL, 0x2000, 0);
	}
	cf_env_done(&e);
}

void
case_e51_52(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		cf_got_avail(&e);
		cf_unmap_dma(&e, MIB, 2 * MIB, 0);
		cf_got_avail(&e);
		cf_got_lck(&e);
		cf_unmap_dma(&e, 16 * MIB, MIB, 0);
	}
	cf_env_done(&e);
}

void
case_e53_55(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		cf_unmap_keep(&e, MIB + KIB4, KIB4);
		cf_unmap_keep(&e, MIB, KIB4);
		cf_unmap_keep(&e, 0, MIB + KIB4);
		cf_unmap_keep(&e, 2 * MIB, 2 * MIB);
		cf_unmap_dma(&e, MIB, 2 * MIB, 0);
	}
	cf_env_done(&e);
}

void
case_e56(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, KIB4) == 0) {
		cf_unmap_dma(&e, 0, 16 * MIB, 0);
		cf_got_avail(&e);
	}
	cf_env_done(&e);
}

void
case_e57(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, 2 * KIB4) == 0) {
		cf_unmap_keep(&e, MIB, 2 * MIB + KIB4);
		cf_unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
	}
	cf_env_done(&e);
}

void
case_e58(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, KIB4) == 0) {
		/* UNMAP_ALL with iova 0 and size 4K */
		{
			struct vfio_iommu_type1_dma_unmap u = {
				.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_ALL,
				.iova = 0, .size = KIB4,
			};
			cf_got_rc(cf_io(e.c, VFIO_IOMMU_UNMAP_DMA, &u));
		}
		cf_unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
		cf_got_avail(&e);
		cf_got_lck(&e);
	}
	cf_env_done(&e);
}

void
case_e59(void)
{
	/* struct vfio_iommu_type1_dma_unmap followed by its vfio_bitmap */
	struct {
		struct {
			uint32_t argsz, flags;
			uint64_t iova, size;
		} u;
		struct vfio_bitmap bm;
	} req;
	uint64_t bits[8];
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) == 0) {
		memset(&req, 0, sizeof(req));
		req.u.argsz = sizeof(req);
		req.u.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
		req.u.iova = MIB;
		req.u.size = 2 * MIB;
		req.bm.pgsize = S.ps;
		req.bm.size = sizeof(bits);
		req.bm.data = (void *)bits;
		cf_got_rc(cf_io(e.c, VFIO_IOMMU_UNMAP_DMA, &req));
		cf_unmap_dma(&e, MIB, 2 * MIB, 0);
	}
	cf_env_done(&e);
}

void
case_f60_61(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1_IOMMU, KIB4) == 0) {
		cf_unmap_dma(&e, MIB + KIB4, KIB4, 0);
		cf_unmap_dma(&e, MIB + KIB4, 16 * MIB, 0);
		cf_unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
	}
	cf_env_done(&e);
}

void
case_f62_63(void)
{
	struct env e;
	char *a2;

	if (cf_env_ab(&e, VFIO_TYPE1_IOMMU, 0) == 0) {
		cf_unmap_dma(&e, 0, MIB + KIB4, 0);
		a2 = cf_env_buf(&e, 2 * MIB, PROT_READ | PROT_WRITE);
		cf_got_rc(cf_map_dma(&e, a2, MIB, 2 * MIB, RW));
		cf_unmap_dma(&e, MIB, KIB4, 0);
		cf_got_avail(&e);
		cf_got_lck(&e);
	}
	cf_env_done(&e);
}

void
case_f64_65(void)
{
	struct vfio_iommu_type1_dirty_bitmap db = {
		.argsz = sizeof(db), .flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
	};
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1_IOMMU, 2 * KIB4) == 0) {
		cf_unmap_dma(&e, 0, 3 * MIB + KIB4, 0);
		cf_got_rc(cf_io(e.c, VFIO_IOMMU_DIRTY_PAGES, &db));
	}
	cf_env_done(&e);
}

/* ---- G: VADDR ---- */

void
case_g68_69(void)
{
	struct env e;
	char *a2;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) < 0)
		return cf_env_done(&e);
	cf_unmap_dma(&e, MIB, 2 * MIB, VFIO_DMA_UNMAP_FLAG_VADDR);
	cf_got_avail(&e);
	{
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_VADDR,
			.iova = MIB, .size = 2 * MIB,
		};
		cf_got_rc(cf_io(e.c, VFIO_IOMMU_UNMAP_DMA, &u));
		cf_got("%s", u.size == 2 * MIB ? "size=unchanged" : "size=changed");
	}
	a2 = cf_env_buf(&e, 2 * MIB, PROT_READ | PROT_WRITE);
	cf_got_rc(cf_map_dma(&e, a2, MIB, 2 * MIB - KIB4, VFIO_DMA_MAP_FLAG_VADDR));
	cf_got_rc(cf_map_dma(&e, a2, MIB, 2 * MIB,
		VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ));
	cf_got_rc(cf_map_dma(&e, a2, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_VADDR));
	cf_got_rc(cf_map_dma(&e, a2, MIB, 2 * MIB, VFIO_DMA_MAP_FLAG_VADDR));
	cf_unmap_dma(&e, MIB, 2 * MIB, 0);
	cf_env_done(&e);
}

void
case_g70(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, 0) < 0)
		return cf_env_done(&e);
	cf_unmap_dma(&e, MIB, 2 * MIB, VFIO_DMA_UNMAP_FLAG_VADDR);
	e.g[1] = cf_open_group(1);
	cf_got_rc(cf_io(e.g[1], VFIO_GROUP_SET_CONTAINER, &e.c));
	/* a normal unmap removes the invalidated mapping; then attach works */
	cf_unmap_dma(&e, MIB, 2 * MIB, 0);
	cf_got_rc(cf_io(e.g[1], VFIO_GROUP_SET_CONTAINER, &e.c));
	cf_env_done(&e);
}

void
case_g71(void)
{
	struct env e;

	if (cf_env_ab(&e, VFIO_TYPE1v2_IOMMU, KIB4) == 0) {
		cf_unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_VADDR |
			VFIO_DMA_UNMAP_FLAG_ALL);
		cf_unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
		cf_got_lck(&e);
	}
	cf_env_done(&e);
}

/* Section 11: v1 and v2 against a 64 KiB mapping. */
void
case_s11(void)
{
	struct env e;
	char *a;
	int type;

	for (type = VFIO_TYPE1_IOMMU; type <= VFIO_TYPE1v2_IOMMU;
			type += VFIO_TYPE1v2_IOMMU - VFIO_TYPE1_IOMMU) {
		a = cf_env_with_buf(&e, type);
		if (a != NULL && cf_got_rc(cf_map_dma(&e, a, MIB, 64 * 1024, RW)) == 0) {
			cf_unmap_keep(&e, MIB + 32 * 1024, KIB4);
			cf_unmap_keep(&e, MIB, KIB4);
		}
		cf_env_done(&e);
	}
}

