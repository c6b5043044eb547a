/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conformance cases A-C of the reference: the container before an IOMMU
 * is set, the group life cycle and VFIO_IOMMU_GET_INFO. Expected results
 * are in test_vfio_conformance_table.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "test_vfio_conformance.h"

/* ---- A: container basics ---- */

void
case_a1(void)
{
	int c = cf_be_open("/dev/vfio/vfio");

	if (cf_got_fd(c) < 0)
		return;
	cf_got_rc(cf_io_val(c, VFIO_GET_API_VERSION, 0));
	S.be->close(c);
}

static void
check_ext(const unsigned long *ext, unsigned int n)
{
	int c = cf_be_open("/dev/vfio/vfio");
	unsigned int i;

	if (c < 0) {
		cf_got("open=%s", cf_err_name(-c));
		return;
	}
	for (i = 0; i < n; i++)
		cf_got_rc(cf_io_val(c, VFIO_CHECK_EXTENSION, ext[i]));
	S.be->close(c);
}

void
case_a2(void)
{
	static const unsigned long ext[] = { 1, 3, 9, 2 };

	check_ext(ext, RTE_DIM(ext));
}

void
case_a3(void)
{
	static const unsigned long ext[] = { VFIO_UPDATE_VADDR };

	check_ext(ext, RTE_DIM(ext));
}

void
case_a4(void)
{
	static const unsigned long ext[] = { VFIO_TYPE1_NESTING_IOMMU };

	check_ext(ext, RTE_DIM(ext));
}

void
case_a5(void)
{
	static const unsigned long ext[] = { VFIO_DMA_CC_IOMMU };

	check_ext(ext, RTE_DIM(ext));
}

void
case_a6(void)
{
	int c = cf_be_open("/dev/vfio/vfio");

	if (c < 0)
		return (void)cf_got("open=%s", cf_err_name(-c));
	cf_got_rc(cf_io_val(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	S.be->close(c);
}

void
case_a7(void)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = RW, .vaddr = 0x100000,
		.iova = 0x100000, .size = 0x1000,
	};
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = 0x100000, .size = 0x1000,
	};
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	int c = cf_be_open("/dev/vfio/vfio");

	if (c < 0)
		return (void)cf_got("open=%s", cf_err_name(-c));
	cf_got_rc(cf_io(c, VFIO_IOMMU_MAP_DMA, &m));
	cf_got_rc(cf_io(c, VFIO_IOMMU_GET_INFO, &info));
	cf_got_rc(cf_io(c, VFIO_IOMMU_UNMAP_DMA, &u));
	S.be->close(c);
}

/* wrong ioctl on the wrong fd (1.1, 5.1) */
void
case_a7b(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct env e;

	if (cf_env_setup(&e, 1, 0) == 0) {
		cf_got_rc(cf_io(e.c, VFIO_GROUP_GET_STATUS, &st));
		cf_got_rc(cf_io_val(e.g[0], VFIO_GET_API_VERSION, 0));
		cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
		cf_got_rc(cf_io(e.c, VFIO_GROUP_GET_STATUS, &st));
	}
	cf_env_done(&e);
}

/* ---- B: group life cycle ---- */

void
case_b8(void)
{
	int g1 = cf_open_group(0), g2;

	cf_got_fd(g1);
	g2 = cf_open_group(0);
	cf_got_fd(g2);
	if (g2 >= 0)
		S.be->close(g2);
	if (g1 >= 0)
		S.be->close(g1);
}

void
case_b9(void)
{
	struct vfio_group_status st = { .argsz = 4 };
	int g = cf_open_group(0);

	if (g < 0)
		return (void)cf_got("open=%s", cf_err_name(-g));
	cf_got_rc(cf_io(g, VFIO_GROUP_GET_STATUS, &st));
	st.argsz = sizeof(st);
	st.flags = 0xdead;
	if (cf_got_rc(cf_io(g, VFIO_GROUP_GET_STATUS, &st)) == 0)
		cf_got("flags=0x%x", st.flags);
	S.be->close(g);
}

void
case_b11(void)
{
	int g = cf_open_group(0), bad = -1, null_fd;

	if (g < 0)
		return (void)cf_got("open=%s", cf_err_name(-g));
	cf_got_rc(cf_io(g, VFIO_GROUP_SET_CONTAINER, &bad));
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	cf_got_rc(cf_io(g, VFIO_GROUP_SET_CONTAINER, &null_fd));
	close(null_fd);
	S.be->close(g);
}

void
case_b12(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct env e;

	cf_env_init(&e);
	e.c = cf_be_open("/dev/vfio/vfio");
	e.g[0] = cf_open_group(0);
	cf_got_rc(cf_io(e.g[0], VFIO_GROUP_SET_CONTAINER, &e.c));
	if (cf_got_rc(cf_io(e.g[0], VFIO_GROUP_GET_STATUS, &st)) == 0)
		cf_got("flags=0x%x", st.flags);
	cf_env_done(&e);
}

void
case_b13(void)
{
	struct env e;
	int c2;

	if (cf_env_setup(&e, 1, 0) == 0) {
		cf_got_rc(cf_io(e.g[0], VFIO_GROUP_SET_CONTAINER, &e.c));
		c2 = cf_be_open("/dev/vfio/vfio");
		cf_got_rc(cf_io(e.g[0], VFIO_GROUP_SET_CONTAINER, &c2));
		S.be->close(c2);
	}
	cf_env_done(&e);
}

void
case_b14(void)
{
	struct env e;

	if (cf_env_setup(&e, 1, 0) == 0)
		cf_got_fd(cf_env_device(&e, 0));
	cf_env_done(&e);
}

void
case_b15(void)
{
	struct env e;

	if (cf_env_setup(&e, 1, 0) == 0)
		cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU));
	cf_env_done(&e);
}

void
case_b16(void)
{
	struct env e;

	if (cf_env_setup(&e, 1, 0) == 0) {
		cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
		cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
		cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	}
	cf_env_done(&e);
}

void
case_b17(void)
{
	struct env e;

	if (cf_env_setup(&e, 1, 0) == 0) {
		cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1_NESTING_IOMMU));
		/* the failed attempt left no driver: v2 still works */
		cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	}
	cf_env_done(&e);
}

void
case_b18(void)
{
	struct env e;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) == 0) {
		cf_got_rc(cf_io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR));
		cf_got_rc(cf_io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
		cf_got_rc(cf_io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
		cf_got_rc(cf_io_val(e.c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU));
	}
	cf_env_done(&e);
}

void
case_b19(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	struct env e;
	int d;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return cf_env_done(&e);
	cf_got_fd(cf_io(e.g[0], VFIO_GROUP_GET_DEVICE_FD, (void *)"nonexistent"));
	d = cf_got_fd(cf_env_device(&e, 0));
	cf_got_fd(cf_env_device(&e, 0));
	if (d >= 0 && cf_got_rc(cf_io(d, VFIO_DEVICE_GET_INFO, &info)) == 0)
		cf_got("pci=%d regions=%u irqs=%u",
			!!(info.flags & VFIO_DEVICE_FLAGS_PCI),
			info.num_regions, info.num_irqs);
	if (d >= 0 && cf_got_rc(cf_io(d, VFIO_DEVICE_GET_REGION_INFO, &reg)) == 0)
		cf_got("bar0=0x%" PRIx64, (uint64_t)reg.size);
	if (d >= 0)
		cf_got_rc(cf_io_val(d, VFIO_GET_API_VERSION, 0));
	cf_env_done(&e);
}

void
case_b20(void)
{
	struct env e;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) == 0 &&
			cf_got_fd(cf_env_device(&e, 0)) >= 0) {
		cf_got_rc(cf_io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
		S.be->close(e.d[0]);
		e.d[0] = -1;
		cf_got_rc(cf_io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
		cf_got_rc(cf_io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
	}
	cf_env_done(&e);
}

void
case_b21(void)
{
	struct env e;
	void *a;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return cf_env_done(&e);
	a = cf_env_buf(&e, MIB, PROT_READ | PROT_WRITE);
	cf_got_rc(cf_map_dma(&e, a, MIB, MIB, RW));
	cf_got_lck(&e);
	cf_got_rc(cf_io(e.g[0], VFIO_GROUP_UNSET_CONTAINER, NULL));
	cf_got_rc(cf_map_dma(&e, a, MIB, MIB, RW));
	cf_got_rc(cf_io(e.g[0], VFIO_GROUP_SET_CONTAINER, &e.c));
	cf_got_rc(cf_io_val(e.c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	cf_unmap_dma(&e, MIB, MIB, 0);
	cf_got_lck(&e);
	cf_env_done(&e);
}

void
case_b22(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct env e;
	void *a;
	int g;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			cf_got_fd(cf_env_device(&e, 0)) < 0)
		return cf_env_done(&e);
	a = cf_env_buf(&e, MIB, PROT_READ | PROT_WRITE);
	S.be->close(e.g[0]);
	e.g[0] = -1;
	cf_got_rc(cf_io(e.d[0], VFIO_DEVICE_GET_INFO, &info));
	g = cf_open_group(0);
	cf_got_fd(g);
	if (g >= 0)
		S.be->close(g);
	cf_got_rc(cf_map_dma(&e, a, MIB, MIB, RW));
	S.be->close(e.d[0]);
	e.d[0] = -1;
	cf_got_rc(cf_map_dma(&e, a, 2 * MIB, MIB, RW));
	cf_got_lck(&e);
	e.g[0] = cf_open_group(0);
	cf_got_fd(e.g[0]);
	cf_env_done(&e);
}

/* ---- C: GET_INFO ---- */

void
case_c23_24(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct env e;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return cf_env_done(&e);
	cf_got_rc(cf_get_info(&e, buf, 15));
	if (cf_got_rc(cf_get_info(&e, buf, 16)) == 0) {
		cf_got("flags=0x%x pgsizes=0x%" PRIx64 " argsz=%u", info->flags,
			(uint64_t)info->iova_pgsizes, info->argsz);
		cf_got(cf_untouched(buf, 16, sizeof(buf)) ? "untouched" : "touched");
	}
	cf_env_done(&e);
}

void
case_c25(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct env e;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) == 0 &&
			cf_got_rc(cf_get_info(&e, buf, 24)) == 0) {
		cf_got("cap_offset=%u argsz=%u", info->cap_offset, info->argsz);
		cf_got(cf_untouched(buf, 24, sizeof(buf)) ? "untouched" : "touched");
	}
	cf_env_done(&e);
}

static uint32_t
needed_argsz(const struct env *e)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info *info = (const void *)buf;

	if (cf_get_info(e, buf, 16) < 0)
		return 0;
	return info->argsz;
}

void
case_c26(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	uint32_t off;
	unsigned int hops = 0;
	struct env e;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			cf_got_rc(cf_get_info(&e, buf, needed_argsz(&e))) < 0)
		return cf_env_done(&e);
	cf_got("cap_offset=%u", info->cap_offset);
	for (off = info->cap_offset; off != 0 && off < sizeof(buf) && hops < 8;
			hops++) {
		const struct vfio_info_cap_header *h = (const void *)
			((const char *)buf + off);

		cf_got("id%uv%u@%u->%u", h->id, h->version, off, h->next);
		off = h->next;
	}
	cf_env_done(&e);
}

void
case_c27(void)
{
	uint64_t buf[64];
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct env e;
	uint32_t n;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0)
		return cf_env_done(&e);
	n = needed_argsz(&e);
	if (cf_got_rc(cf_get_info(&e, buf, n + 64)) == 0) {
		cf_got("argsz=N%+d", (int)info->argsz - (int)n);
		cf_got("%s", cf_untouched(buf, n, n + 64) ? "untouched" : "touched");
	}
	cf_env_done(&e);
}

void
case_c28_29(void)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info_cap_migration *mig;
	struct env e;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			cf_get_info(&e, buf, sizeof(buf)) < 0)
		return cf_env_done(&e);
	mig = (const void *)cf_find_cap(buf, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	if (mig != NULL)
		cf_got("flags=%u pgsize=0x%" PRIx64 " max=0x%" PRIx64, mig->flags,
			(uint64_t)mig->pgsize_bitmap,
			(uint64_t)mig->max_dirty_bitmap_size);
	else
		cf_got("no-migration-cap");
	cf_got_avail(&e);
	cf_env_done(&e);
}

void
case_c30(void)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info_cap_iova_range *r;
	unsigned int i;
	struct env e;

	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			cf_get_info(&e, buf, sizeof(buf)) < 0)
		return cf_env_done(&e);
	r = (const void *)cf_find_cap(buf, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	if (r == NULL) {
		cf_got("no-iova-cap");
		return cf_env_done(&e);
	}
	cf_got("n=%u", r->nr_iovas);
	for (i = 0; i < r->nr_iovas && i < 8; i++) {
		char s[24], l[24];

		cf_got("[%s,%s]", cf_iova(s, r->iova_ranges[i].start),
			cf_iova(l, r->iova_ranges[i].end));
	}
	cf_env_done(&e);
}

