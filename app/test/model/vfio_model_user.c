/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * User memory as the kernel sees it: copies that fail with EFAULT on a bad
 * pointer instead of crashing, and the page-pinning checks of
 * VFIO_IOMMU_MAP_DMA (unmapped memory and write to read-only memory fail
 * with EFAULT). No state: no lock needed.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_common.h>

#include "vfio_model_priv.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

/*
 * process_vm_readv/writev on ourselves reports a bad address as EFAULT
 * without a signal, exactly like copy_from_user. Where a sandbox forbids
 * them, fall back to a plain copy (a bad pointer then crashes the test).
 */
static int
vm_copy(void *dst, const void *src, size_t len, bool to_user)
{
	struct iovec local, remote;
	ssize_t n;

	if (len == 0)
		return 0;
	if (to_user) {
		local.iov_base = (void *)(uintptr_t)src;
		remote.iov_base = dst;
	} else {
		local.iov_base = dst;
		remote.iov_base = (void *)(uintptr_t)src;
	}
	local.iov_len = remote.iov_len = len;
	n = to_user ? process_vm_writev(getpid(), &local, 1, &remote, 1, 0) :
		process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
		if ((uintptr_t)(to_user ? dst : src) < model.page_size)
			return -EFAULT;
		memcpy(dst, src, len);
		return 0;
	}
	return -EFAULT;
}

int
model_copy_from_user(void *dst, const void *src, size_t len)
{
	return vm_copy(dst, src, len, false);
}

int
model_copy_to_user(void *dst, const void *src, size_t len)
{
	return vm_copy(dst, src, len, true);
}

int
model_vfio_cmd_in(void *dst, size_t size, size_t minsz, const void *arg)
{
	uint32_t argsz;

	memset(dst, 0, size);
	if (model_copy_from_user(dst, arg, minsz) < 0)
		return -EFAULT;
	memcpy(&argsz, dst, sizeof(argsz));
	if (argsz < minsz)
		return -EINVAL;
	return (int)RTE_MIN((size_t)argsz, size);
}

/* Like strndup_user: EFAULT on a bad pointer, EINVAL when longer than max. */
char *
model_strndup_user(const void *src, size_t max)
{
	char *buf = malloc(max + 1);
	size_t got = 0;

	if (buf == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* read page by page: the string may end just before an unmapped page */
	while (got <= max) {
		uintptr_t at = (uintptr_t)src + got;
		size_t chunk = model.page_size - (at & (model.page_size - 1));
		char *nul;

		chunk = RTE_MIN(chunk, max + 1 - got);
		if (model_copy_from_user(buf + got, (const void *)at, chunk) < 0) {
			free(buf);
			errno = EFAULT;
			return NULL;
		}
		nul = memchr(buf + got, '\0', chunk);
		if (nul != NULL)
			return buf;
		got += chunk;
	}
	free(buf);
	errno = EINVAL;
	return NULL;
}

/*
 * Slow path, only for memory that cannot be populated (PFNMAP, PROT_NONE):
 * the VMAs of /proc/self/maps must cover the range with the permissions.
 */
static int
maps_check(uint64_t vaddr, uint64_t len, bool write)
{
	uint64_t next = vaddr, end = vaddr + len;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return -EFAULT;
	while (next < end && fgets(line, sizeof(line), f) != NULL) {
		uint64_t lo, hi;
		char perms[8];

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &lo, &hi, perms) != 3)
			continue;
		if (hi <= next || lo > next)
			continue;
		if (perms[0] != 'r' || (write && perms[1] != 'w'))
			break;
		next = hi;
	}
	fclose(f);
	return next >= end ? 1 : -EFAULT;
}

/*
 * What pin_user_pages(FOLL_LONGTERM [| FOLL_WRITE]) would say: 0 for normal
 * pages (faulted in, as pinning does), 1 for memory that is mapped but not
 * pinnable page memory (PFNMAP: accepted, never accounted), -EFAULT for an
 * unmapped hole or a write to read-only memory.
 */
int
model_pin_check(uint64_t vaddr, uint64_t len, bool write)
{
	if (madvise((void *)(uintptr_t)vaddr, len,
			write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
		return 0;
	if (errno == EINVAL)
		return maps_check(vaddr, len, write);
	return -EFAULT;
}
