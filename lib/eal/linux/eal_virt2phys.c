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

/* The physical address of virt from an open pagemap fd. */
static phys_addr_t
pagemap_lookup(int fd, const void *virt, size_t pgsz)
{
	uint64_t entry, pfn;
	off_t off;

	off = (off_t)((uintptr_t)virt / pgsz * sizeof(entry));
	if (pread(fd, &entry, sizeof(entry), off) != (ssize_t)sizeof(entry))
		return bad_phys(EFAULT);
	if (!(entry & PAGEMAP_PRESENT))
		return bad_phys(ENOENT);
	pfn = entry & PAGEMAP_PFN_MASK;
	if (pfn == 0)
		return bad_phys(EACCES);
	return pfn * pgsz + (uintptr_t)virt % pgsz;
}

static int
pagemap_open(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		rte_errno = errno == EACCES || errno == EPERM ? EACCES : EFAULT;
	return fd;
}

phys_addr_t
rte_mem_virt2phy(const void *virt)
{
	phys_addr_t pa;
	int fd, err;

	fd = pagemap_open();
	if (fd < 0)
		return RTE_BAD_PHYS_ADDR;
	pa = pagemap_lookup(fd, virt, eal_sys_page_size());
	err = rte_errno;
	close(fd);
	rte_errno = err;
	return pa;
}

/*
 * Physical addresses of n pages of page_sz from va, with one open of the
 * pagemap (init in IOVA-as-PA mode translates every page of its memory).
 */
int
eal_virt2phys_pages(const void *va, size_t page_sz, unsigned int n,
		phys_addr_t *pa)
{
	size_t pgsz = eal_sys_page_size();
	unsigned int i;
	int fd, err;

	fd = pagemap_open();
	if (fd < 0) {
		if (n > 0)
			pa[0] = RTE_BAD_PHYS_ADDR;
		return -1;
	}
	for (i = 0; i < n; i++) {
		pa[i] = pagemap_lookup(fd, RTE_PTR_ADD(va, (size_t)i * page_sz), pgsz);
		if (pa[i] == RTE_BAD_PHYS_ADDR) {
			err = rte_errno;
			close(fd);
			return eal_fail(err);
		}
	}
	close(fd);
	return 0;
}
