/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual to physical translation through /proc/self/pagemap.
 *
 * Each 64-bit pagemap entry describes one system page: bit 63 says the page
 * is present, bits 0-54 hold its frame number. Without CAP_SYS_ADMIN the
 * kernel reports present pages with a frame number of 0, which is how the
 * missing privilege is told apart from a missing page. No locks.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_memseg.h"
#include "eal_private.h"

#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_PFN_MASK ((1ULL << 55) - 1)

static phys_addr_t
bad_phys(int err)
{
	rte_errno = err;
	return RTE_BAD_PHYS_ADDR;
}

phys_addr_t
rte_mem_virt2phy(const void *virt)
{
	size_t pgsz = eal_sys_page_size();
	uint64_t entry, pfn;
	off_t off;
	ssize_t n;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bad_phys(errno == EACCES || errno == EPERM ? EACCES : EFAULT);
	off = (off_t)((uintptr_t)virt / pgsz * sizeof(entry));
	n = pread(fd, &entry, sizeof(entry), off);
	close(fd);
	if (n != (ssize_t)sizeof(entry))
		return bad_phys(EFAULT);
	if (!(entry & PAGEMAP_PRESENT))
		return bad_phys(ENOENT);
	pfn = entry & PAGEMAP_PFN_MASK;
	if (pfn == 0)
		return bad_phys(EACCES);
	return pfn * pgsz + (uintptr_t)virt % pgsz;
}
