/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_eal_paging.h: the system's paging calls under DPDK's names, for
 * code written against DPDK 22.11 (its tests and drivers call
 * rte_mem_page_size() and rte_mem_map()). No lock: each call is one
 * system call on the caller's arguments.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal_paging.h>
#include <rte_errno.h>

#include "eal_memseg.h"
#include "eal_private.h"

#define PROT_KNOWN (RTE_PROT_READ | RTE_PROT_WRITE | RTE_PROT_EXECUTE)
#define MAP_KNOWN (RTE_MAP_SHARED | RTE_MAP_ANONYMOUS | RTE_MAP_PRIVATE | \
		RTE_MAP_FORCE_ADDRESS)

size_t
rte_mem_page_size(void)
{
	return eal_sys_page_size();
}

static void *
map_refuse(const char *cause, size_t size, int prot, int flags,
		uint64_t offset)
{
	EAL_LOG(ERR, "rte_mem_map: %s (size %zu, prot 0x%x, flags 0x%x, "
		"offset 0x%" PRIx64 "); pass RTE_PROT_*/RTE_MAP_* bits, one of "
		"RTE_MAP_SHARED/RTE_MAP_PRIVATE, a size > 0 and a page-aligned "
		"offset", cause, size, prot, flags, offset);
	rte_errno = EINVAL;
	return NULL;
}

void *
rte_mem_map(void *requested_addr, size_t size, int prot, int flags,
		int fd, uint64_t offset)
{
	int sys_prot = PROT_NONE, sys_flags = 0;
	int share = flags & (RTE_MAP_SHARED | RTE_MAP_PRIVATE);
	void *va;

	if ((prot & ~PROT_KNOWN) != 0 || (flags & ~MAP_KNOWN) != 0)
		return map_refuse("unknown bits", size, prot, flags, offset);
	if (size == 0)
		return map_refuse("size 0", size, prot, flags, offset);
	if (share == 0 || share == (RTE_MAP_SHARED | RTE_MAP_PRIVATE))
		return map_refuse("neither or both of shared and private",
			size, prot, flags, offset);
	if (offset % rte_mem_page_size() != 0)
		return map_refuse("offset not page aligned", size, prot, flags,
			offset);

	if (prot & RTE_PROT_READ)
		sys_prot |= PROT_READ;
	if (prot & RTE_PROT_WRITE)
		sys_prot |= PROT_WRITE;
	if (prot & RTE_PROT_EXECUTE)
		sys_prot |= PROT_EXEC;
	sys_flags |= (flags & RTE_MAP_SHARED) ? MAP_SHARED : MAP_PRIVATE;
	if (flags & RTE_MAP_ANONYMOUS)
		sys_flags |= MAP_ANONYMOUS;
	if (flags & RTE_MAP_FORCE_ADDRESS)
		sys_flags |= MAP_FIXED;

	va = mmap(requested_addr, size, sys_prot, sys_flags, fd, (off_t)offset);
	if (va == MAP_FAILED) {
		int err = errno;

		EAL_LOG(ERR, "rte_mem_map: mmap of %zu bytes (fd %d, offset "
			"0x%" PRIx64 ") failed: %s", size, fd, offset,
			strerror(err));
		rte_errno = err;
		return NULL;
	}
	return va;
}

int
rte_mem_unmap(void *virt, size_t size)
{
	if (size == 0 || ((uintptr_t)virt % rte_mem_page_size()) != 0) {
		EAL_LOG(ERR, "rte_mem_unmap: %p + %zu is not a mapping (address "
			"not page aligned or size 0); pass what rte_mem_map "
			"returned and its size", virt, size);
		return eal_fail(EINVAL);
	}
	if (munmap(virt, size) < 0) {
		int err = errno;

		EAL_LOG(ERR, "rte_mem_unmap: munmap(%p, %zu) failed: %s",
			virt, size, strerror(err));
		return eal_fail(err);
	}
	return 0;
}

int
rte_mem_lock(const void *virt, size_t size)
{
	if (mlock(virt, size) < 0) {
		int err = errno;

		EAL_LOG(ERR, "rte_mem_lock: mlock(%p, %zu) failed: %s; raise "
			"RLIMIT_MEMLOCK (ulimit -l) or run with CAP_IPC_LOCK",
			virt, size, strerror(err));
		return eal_fail(err);
	}
	return 0;
}
