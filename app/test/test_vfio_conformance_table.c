/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The conformance table: every case with its expected result per backend
 * column (see test_vfio_conformance.h). The type1 column is Linux 6.12 in
 * a QEMU q35 VM with intel-iommu (section 11 of the reference,
 * kernel-vfio-type1.md); the compat column is iommufd's emulation of the
 * container (IOMMUFD_VFIO_CONTAINER) as sections 6.2 and 10 document it,
 * filled where the reference states the result (NULL elsewhere: the case
 * is not run there); the native column holds the iommufd cases (I). Cases
 * A-C and the compat column see no device attached unless they open one:
 * compat attaches the IOAS to a domain only at GET_DEVICE_FD.
 */

#include <stddef.h>

#include "test_vfio_conformance.h"

const struct conf_case cf_cases[] = {
	{ "A1", "API version", 0, 0, case_a1, {
		[CF_TYPE1] = "fd 0",
		[CF_COMPAT] = "fd 0" } },
	{ "A2", "CHECK_EXTENSION 1,3,9,2 fresh", 0, 0, case_a2, {
		[CF_TYPE1] = "1 1 1 0",
		[CF_COMPAT] = "1 1 1 0" } },
	{ "A3", "CHECK_EXTENSION UPDATE_VADDR fresh", 0, 0, case_a3, {
		[CF_TYPE1] = "0",
		[CF_COMPAT] = "0" } },
	{ "A4", "CHECK_EXTENSION NESTING fresh", 0, 0, case_a4, {
		[CF_TYPE1] = "1",
		[CF_COMPAT] = "0" } },
	{ "A5", "CHECK_EXTENSION DMA_CC fresh", 0, 0, case_a5, {
		[CF_TYPE1] = "0",
		[CF_COMPAT] = "ENODEV" } },
	{ "A6", "SET_IOMMU without group", 0, 0, case_a6, {
		[CF_TYPE1] = "EINVAL",
		[CF_COMPAT] = "ENODEV" } },
	{ "A7", "MAP/GET_INFO/UNMAP before SET_IOMMU", 0, 0, case_a7, {
		[CF_TYPE1] = "EINVAL EINVAL EINVAL",
		[CF_COMPAT] = "ENODEV ENODEV ENODEV" } },
	{ "A7b", "group ioctl on container, container ioctl on group", 1, 0, case_a7b, {
		[CF_TYPE1] = "EINVAL ENOTTY 0 ENOTTY",
		[CF_COMPAT] = "ENOTTY ENOTTY 0 ENOTTY" } },
	{ "B8", "group opened twice", 1, 0, case_b8, {
		[CF_TYPE1] = "fd EBUSY",
		[CF_COMPAT] = "fd EBUSY" } },
	{ "B9", "GET_STATUS argsz 4, 8", 1, 0, case_b9, {
		[CF_TYPE1] = "EINVAL 0 flags=0x1",
		[CF_COMPAT] = "EINVAL 0 flags=0x1" } },
	{ "B11", "SET_CONTAINER(-1), (/dev/null)", 1, 0, case_b11, {
		[CF_TYPE1] = "EBADF EBADFD",
		[CF_COMPAT] = "EBADF EBADFD" } },
	{ "B12", "SET_CONTAINER, GET_STATUS", 1, 0, case_b12, {
		[CF_TYPE1] = "0 0 flags=0x3",
		[CF_COMPAT] = "0 0 flags=0x3" } },
	{ "B13", "SET_CONTAINER again, to another", 1, 0, case_b13, {
		[CF_TYPE1] = "EINVAL EINVAL",
		[CF_COMPAT] = "EINVAL EINVAL" } },
	{ "B14", "GET_DEVICE_FD before SET_IOMMU", 1, 0, case_b14, {
		[CF_TYPE1] = "EINVAL",
		[CF_COMPAT] = "fd" } },
	{ "B15", "SET_IOMMU(SPAPR)", 1, 0, case_b15, {
		[CF_TYPE1] = "ENODEV",
		[CF_COMPAT] = "EINVAL" } },
	{ "B16", "SET_IOMMU(3) twice, then (1)", 1, 0, case_b16, {
		[CF_TYPE1] = "0 EINVAL EINVAL",
		[CF_COMPAT] = "0 0 0" } },
	{ "B17", "SET_IOMMU(NESTING) on VT-d, then (3)", 1, 0, case_b17, {
		[CF_TYPE1] = "EINVAL 0",
		[CF_COMPAT] = "EINVAL 0" } },
	{ "B18", "CHECK_EXTENSION 10,4,1,2 after SET_IOMMU", 1, 0, case_b18, {
		[CF_TYPE1] = "1 0 1 0",
		[CF_COMPAT] = "0 1 1 0" } },
	{ "B19", "GET_DEVICE_FD bad name, twice; device info", 1, 0, case_b19, {
		[CF_TYPE1] = "ENODEV fd fd 0 pci=1 regions=9 irqs=5 0 bar0=0x100000 ENOTTY",
		[CF_COMPAT] = NULL } },
	{ "B20", "UNSET_CONTAINER with device open", 1, 0, case_b20, {
		[CF_TYPE1] = "fd EBUSY 0 EINVAL",
		/* seen on the compat kernel: the emulation lets the group go */
		[CF_COMPAT] = "fd 0 EINVAL EINVAL" } },
	{ "B21", "last group leaves: mappings and driver dropped", 1, 0, case_b21, {
		[CF_TYPE1] = "0 lck+1024 0 EINVAL 0 0 0 size=0x0 lck=base",
		[CF_COMPAT] = "0 lck=base 0 EEXIST 0 0 0 size=0x100000 lck=base" } },
	{ "B22", "group fd closed while device open", 1, 0, case_b22, {
		[CF_TYPE1] = "fd 0 EBUSY 0 EINVAL lck=base fd",
		[CF_COMPAT] = NULL } },
	{ "C23-24", "GET_INFO argsz 15, 16", 1, 0, case_c23_24, {
		[CF_TYPE1] = "EINVAL 0 flags=0x3 pgsizes=0x40201000 argsz=120 untouched",
		[CF_COMPAT] = "EINVAL 0 flags=0x3 pgsizes=0xfffffffffffff000 argsz=72 untouched" } },
	{ "C25", "GET_INFO argsz 24", 1, 0, case_c25, {
		[CF_TYPE1] = "0 cap_offset=0 argsz=120 untouched",
		[CF_COMPAT] = "0 cap_offset=0 argsz=72 untouched" } },
	{ "C26", "GET_INFO argsz N: cap chain", 1, 0, case_c26, {
		[CF_TYPE1] = "0 cap_offset=24 id2v1@24->56 id3v1@56->72 id1v1@72->0",
		[CF_COMPAT] = "0 cap_offset=24 id3v1@24->40 id1v1@40->0" } },
	{ "C27", "GET_INFO argsz N+64", 1, 0, case_c27, {
		[CF_TYPE1] = "0 argsz=N+64 untouched",
		[CF_COMPAT] = "0 argsz=N+0 untouched" } },
	{ "C28-29", "MIGRATION and DMA_AVAIL caps", 1, 0, case_c28_29, {
		[CF_TYPE1] = "flags=0 pgsize=0x1000 max=0x10000000 avail=L",
		[CF_COMPAT] = "no-migration-cap avail=max" } },
	{ "C30", "IOVA ranges (aw-bits 48, MSI window)", 1, 0, case_c30, {
		[CF_TYPE1] = "n=2 [0x0,0xfedfffff] [0xfef00000,TOP]",
		[CF_COMPAT] = "n=1 [0x0,0xffffffffffffffff]" } },
	{ "D32", "MAP argsz 31, flags 0, 8, READ|VADDR, RW|8", 1, 0, case_d32, {
		[CF_TYPE1] = "EINVAL EINVAL EINVAL EINVAL EINVAL",
		[CF_COMPAT] = "EINVAL 0 EINVAL EINVAL EINVAL" } },
	{ "D33-35", "MAP size 0, unaligned iova/vaddr/size, wrap", 1, 0, case_d33_35, {
		[CF_TYPE1] = "EINVAL EINVAL EINVAL EINVAL EINVAL avail=L",
		[CF_COMPAT] = NULL } },
	{ "D36-38", "MAP, overlaps, adjacent (no coalescing)", 1, 0, case_d36_38, {
		[CF_TYPE1] = "0 avail=L-1 lck+2048 EEXIST EEXIST EEXIST 0 avail=L-2",
		[CF_COMPAT] = "0 avail=max lck=base EEXIST EEXIST EEXIST 0 avail=max" } },
	{ "D39", "MAP into the MSI window, across it, past the aperture", 1, 0, case_d39, {
		[CF_TYPE1] = "EINVAL EINVAL EINVAL EINVAL 0 0 0 avail=L-3",
		[CF_COMPAT] = NULL } },
	{ "D40-41", "MAP of unmapped memory: all or nothing", 1, 0, case_d40_41, {
		[CF_TYPE1] = "EFAULT avail=L lck=base EFAULT 0 size=0x0 lck=base",
		[CF_COMPAT] = NULL } },
	{ "D42", "MAP of read-only memory", 1, 0, case_d42, {
		[CF_TYPE1] = "EFAULT EFAULT 0",
		[CF_COMPAT] = NULL } },
	{ "D43", "RLIMIT_MEMLOCK 1 MiB, then CAP_IPC_LOCK", 1, 0, case_d43, {
		[CF_TYPE1] = "ENOMEM 0 ENOMEM 0 lck+3072",
		[CF_COMPAT] = NULL } },
	{ "D44", "same vaddr at two IOVAs: charged twice", 1, 0, case_d44, {
		[CF_TYPE1] = "0 0 lck+4096",
		[CF_COMPAT] = NULL } },
	{ "D45", "dma_entry_limit 2", 1, 0, case_d45, {
		[CF_TYPE1] = "avail=L 0 0 avail=L-2 ENOSPC 0 size=0x1000 avail=L-1 0 avail=L-2",
		[CF_COMPAT] = NULL } },
	{ "D46", "BAR0 mmap mapped for peer to peer", 1, CF_KERNEL_ONLY, case_d46, {
		[CF_TYPE1] = "0 lck=base 0 size=0x100000",
		[CF_COMPAT] = NULL } },
	{ "D47-48", "MAP VADDR without mapping / on a valid one; R-only, W-only", 1, 0, case_d47_48, {
		[CF_TYPE1] = "ENOENT 0 EINVAL 0",
		[CF_COMPAT] = NULL } },
	{ "E49-50", "UNMAP bad argsz, flags, alignment, size, wrap", 1, 0, case_e49_50, {
		[CF_TYPE1] = "EINVAL EINVAL size=0x200000 EINVAL size=0x0 EINVAL size=0x200000 "
			"EINVAL size=0x0 EINVAL size=0x1001 EINVAL size=0x2000",
		[CF_COMPAT] = NULL } },
	{ "E51-52", "UNMAP exactly A; an empty range", 1, 0, case_e51_52, {
		[CF_TYPE1] = "avail=L-1 0 size=0x200000 avail=L lck=base 0 size=0x0",
		[CF_COMPAT] = "avail=max 0 size=0x200000 avail=max lck=base 0 size=0x0" } },
	{ "E53-55", "v2 UNMAP bisecting A (start, end, both)", 1, 0, case_e53_55, {
		[CF_TYPE1] = "EINVAL size=unchanged EINVAL size=unchanged EINVAL size=unchanged "
			"EINVAL size=unchanged 0 size=0x200000",
		[CF_COMPAT] = "ENOENT size=0x0 ENOENT size=0x0 ENOENT size=0x0 ENOENT size=0x0 0 size=0x200000" } },
	{ "E56", "v2 UNMAP covering A and B", 1, 0, case_e56, {
		[CF_TYPE1] = "0 size=0x201000 avail=L",
		[CF_COMPAT] = "0 size=0x201000 avail=max" } },
	{ "E57", "v2 UNMAP covering A, bisecting B'", 1, 0, case_e57, {
		[CF_TYPE1] = "EINVAL size=unchanged 0 size=0x202000",
		[CF_COMPAT] = "ENOENT size=0x200000 0 size=0x2000" } },
	{ "E58", "UNMAP_ALL with a size, then right", 1, 0, case_e58, {
		[CF_TYPE1] = "EINVAL 0 size=0x201000 avail=L lck=base",
		[CF_COMPAT] = "EINVAL 0 size=0x201000 avail=max lck=base" } },
	{ "E59", "UNMAP GET_DIRTY_BITMAP without tracking", 1, 0, case_e59, {
		[CF_TYPE1] = "EINVAL 0 size=0x200000",
		[CF_COMPAT] = NULL } },
	{ "F60-61", "v1 UNMAP starting inside A", 1, 0, case_f60_61, {
		[CF_TYPE1] = "0 size=0x0 0 size=0x0 0 size=0x201000",
		[CF_COMPAT] = "0 size=0x1000 0 size=0x1ff000 0 size=0x1000" } },
	{ "F62-63", "v1 UNMAP ending inside A: whole A", 1, 0, case_f62_63, {
		[CF_TYPE1] = "0 size=0x200000 0 0 size=0x200000 avail=L lck=base",
		[CF_COMPAT] = NULL } },
	{ "F64-65", "v1 UNMAP across A and B'; DIRTY_PAGES on v1", 1, 0, case_f64_65, {
		[CF_TYPE1] = "0 size=0x202000 EACCES",
		[CF_COMPAT] = NULL } },
	{ "G68-69", "UNMAP VADDR, MAP VADDR", 1, 0, case_g68_69, {
		[CF_TYPE1] = "0 size=0x200000 avail=L-1 EINVAL size=unchanged "
			"EINVAL EINVAL 0 EINVAL 0 size=0x200000",
		[CF_COMPAT] = "EINVAL size=0x200000 avail=max EINVAL size=unchanged EINVAL EINVAL EINVAL EINVAL 0 size=0x200000" } },
	{ "G70", "attach a group while a vaddr is invalid", 2, 0, case_g70, {
		[CF_TYPE1] = "0 size=0x200000 EBUSY 0 size=0x200000 0",
		[CF_COMPAT] = NULL } },
	{ "G71", "UNMAP VADDR|ALL, then ALL", 1, 0, case_g71, {
		[CF_TYPE1] = "0 size=0x201000 0 size=0x201000 lck=base",
		[CF_COMPAT] = NULL } },
	{ "S11", "64 KiB mapping: v1 then v2, unmap middle and first 4K", 1, 0, case_s11, {
		[CF_TYPE1] = "0 0 size=0x0 0 size=0x10000 0 EINVAL size=unchanged "
			"EINVAL size=unchanged",
		[CF_COMPAT] = NULL } },
	/* I: native iommufd on /dev/iommu and VFIO device cdevs */
	{ "I76", "IOAS_ALLOC; IOVA_RANGES with no room, with room", 0, 0,
		case_i76, {
		[CF_NATIVE] = "fd 0 id=1 EMSGSIZE num=1 align=0x1 0 n=1 "
			"[0x0,0xffffffffffffffff]" } },
	{ "I77", "IOAS_MAP flags, reserved, overflow, id, length, size", 0, 0,
		case_i77, {
		[CF_NATIVE] = "EINVAL EOPNOTSUPP EOPNOTSUPP EOVERFLOW ENOENT "
			"EINVAL EINVAL E2BIG" } },
	{ "I78", "IOAS_MAP fixed, EEXIST; UNMAP cutting, empty, exact", 0, 0,
		case_i78, {
		[CF_NATIVE] = "0 EEXIST EEXIST ENOENT ENOENT ENOENT 0 len=0x200000 "
			"ENOENT" } },
	{ "I79", "IOAS_UNMAP all; a refused unmap is not atomic", 0, 0,
		case_i79, {
		[CF_NATIVE] = "0 len=0x0 0 0 ENOENT ENOENT 0 len=0x2000 0 0 0 "
			"len=0x101000" } },
	{ "I80b", "cdev before and after BIND_IOMMUFD; the group path closed",
		1, 0, case_i_bind, {
		[CF_NATIVE] = "fd EINVAL EINVAL EINVAL EBADFD 0 devid EINVAL 0 pci=1 "
			"EBUSY fd" } },
	{ "I80c", "ATTACH narrows the ranges; MSI area, busy IOAS, DETACH", 1,
		0, case_i_attach, {
		[CF_NATIVE] = "ENOENT 0 EADDRINUSE 0 len=0x1000 0 0 n=2 "
			"[0x0,0xfedfffff] [0xfef00000,TOP] align=0x1000 EINVAL EBUSY "
			"0 0 n=1 [0x0,0xffffffffffffffff] 0" } },
	{ "I80d", "pages pinned at the first attach, not at MAP before it", 1,
		0, case_i_lazy, {
		[CF_NATIVE] = "0 EFAULT 0 len=0x1000 0 EFAULT 0" } },
	{ "I80e", "6.12: no VFIO dma-buf export (FEATURE probe), no IOAS_MAP_FILE",
		1, 0, case_i_dmabuf, {
		[CF_NATIVE] = "ENOTTY ENOTTY" } },
};

const unsigned int cf_n_cases = RTE_DIM(cf_cases);

/* Cases of section 10 not run anywhere, and why. */
const char *const cf_not_run[] = {
	"B10 second device of the group bound to a host driver (VM groups hold one device)",
	"D46 on the model: BAR mmap (PFNMAP) is not modelled",
	"compat column on the model: the model does not emulate iommufd's type1 container",
	("compat column of B19, B22, D33-35, D39-48, E49-50, E59, F62-65, G70-71, S11: "
		"results the reference does not state for compat without an attached device"),
	"H73-75 attach-time conflicts: need groups with different apertures/IR",
	"I80 ALLOW_IOVAS: not modelled; automatic IOVAs only approximated (the EAL maps at fixed IOVAs)",
	"J81-83 noiommu: not type1",
};

const unsigned int cf_n_not_run = RTE_DIM(cf_not_run);
