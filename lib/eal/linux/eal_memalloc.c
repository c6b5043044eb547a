/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page allocation: backing memseg lists with memory and giving it back.
 *
 * Each EAL memseg list has one backing file: a memfd (system pages, or
 * hugetlb memfd with --in-memory or without a usable hugetlbfs mount) or a
 * file in hugetlbfs named "<file-prefix>map_<n>". Page i of the list is at
 * offset i * page_sz of the file. Allocating pages is fallocate() on the
 * file (which fails cleanly with ENOSPC when the pool is empty, where a
 * fault would raise SIGBUS) followed by a MAP_FIXED|MAP_POPULATE mapping
 * over the reserved VA; releasing is a PROT_NONE re-reservation of the VA
 * and a hole punched in the file, so the memory really goes back.
 *
 * Locks: every function here runs under the memory hotplug lock held for
 * writing (eal_memory.c, number 2 in the order of eal_memcfg.h).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#if RTE_HAS_LIBNUMA
#include <numaif.h>
#endif

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "eal_hugepage_info.h"
#include "eal_iova.h"
#include "eal_memcfg.h"
#include "eal_memseg.h"
#include "eal_private.h"

#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

static unsigned int file_counter;


void
eal_memalloc_remove_stale_files(void)
{
	const struct eal_internal_config *cfg = eal_get_internal_config();
	const struct eal_page_type *types;
	unsigned int i, n = eal_page_types(&types);
	char prefix[80], path[PATH_MAX];

	snprintf(prefix, sizeof(prefix), "%smap_", cfg->file_prefix);
	for (i = 0; i < n; i++) {
		struct dirent *de;
		DIR *d;

		if (types[i].dir[0] == '\0')
			continue;
		d = opendir(types[i].dir);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			int fd;

			if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", types[i].dir,
					de->d_name) >= (int)sizeof(path))
				continue;
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			/* A live process holds a shared lock on its files. */
			if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
				EAL_LOG(INFO, "removing stale hugepage file %s", path);
				unlink(path);
			}
			close(fd);
		}
		closedir(d);
	}
}

/*
 * Take the file for this process: an exclusive lock first, since a live
 * process holds a shared lock on its files and truncating one would take
 * its pages away under it (SIGBUS); then drop what a dead owner left and
 * keep a shared lock, which tells eal_memalloc_remove_stale_files() of
 * others that we live.
 */
static int
lock_huge_file(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			EAL_LOG(ERR, "hugepage file %s belongs to a running process with --file-prefix %s: give this process another --file-prefix",
				path, eal_get_internal_config()->file_prefix);
			return eal_fail(EBUSY);
		}
		EAL_LOG(WARNING, "cannot lock %s: %s", path, strerror(errno));
	}
	if (ftruncate(fd, 0) < 0) {
		EAL_LOG(ERR, "cannot empty hugepage file %s: %s", path,
			strerror(errno));
		return eal_fail(ENOMEM);
	}
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		EAL_LOG(WARNING, "cannot lock %s: %s", path, strerror(errno));
	return 0;
}

static int
open_huge_file(struct eal_memseg_list *l, const char *dir)
{
	int fd;

	if (asprintf(&l->path, "%s/%smap_%u", dir,
			eal_get_internal_config()->file_prefix, file_counter++) < 0) {
		l->path = NULL;
		return eal_fail(ENOMEM);
	}
	fd = open(l->path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;

		EAL_LOG(ERR, "cannot create hugepage file %s: %s", l->path,
			strerror(err));
		free(l->path);
		l->path = NULL;
		return eal_fail(err == EACCES ? EACCES : ENOMEM);
	}
	if (lock_huge_file(fd, l->path) < 0) {
		/* Not ours: leave the file to its owner. */
		close(fd);
		free(l->path);
		l->path = NULL;
		return -1;
	}
	return fd;
}

static int
open_memfd(const struct eal_memseg_list *l, bool hugepage)
{
	unsigned int flags = MFD_CLOEXEC;
	char name[96];
	int fd;

	if (hugepage)
		flags |= MFD_HUGETLB |
			((unsigned int)__builtin_ctzll(l->pub.page_sz) << MFD_HUGE_SHIFT);
	snprintf(name, sizeof(name), "%smap_%u",
		eal_get_internal_config()->file_prefix, file_counter++);
	fd = memfd_create(name, flags);
	if (fd < 0) {
		int err = errno;

		EAL_LOG(ERR, "memfd_create for %" PRIu64 " kB pages: %s",
			l->pub.page_sz >> 10, strerror(err));
		return eal_fail(err == EINVAL ? ENOTSUP : ENOMEM);
	}
	return fd;
}

int
eal_memalloc_list_open(struct eal_memseg_list *l, const char *dir, bool hugepage)
{
	int fd = dir[0] != '\0' ? open_huge_file(l, dir) : open_memfd(l, hugepage);

	if (fd < 0)
		return -1;
	/* Sparse: nothing is allocated until fallocate. */
	if (ftruncate(fd, (off_t)l->pub.len) < 0) {
		int err = errno;

		EAL_LOG(ERR, "cannot size the backing file of a %zu-byte memseg list: %s",
			l->pub.len, strerror(err));
		close(fd);
		if (l->path != NULL)
			unlink(l->path);
		free(l->path);
		l->path = NULL;
		return eal_fail(ENOMEM);
	}
	l->fd = fd;
	return 0;
}

/* Put PROT_NONE back over [va, va + len) so the VA stays reserved. */
static void
rereserve(void *va, size_t len)
{
	void *p = mmap(va, len, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED)
		EAL_LOG(ERR, "cannot re-reserve %zu bytes at %p: %s", len, va,
			strerror(errno));
}

static void
punch(int fd, off_t off, size_t len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
			(off_t)len) < 0)
		EAL_LOG(ERR, "cannot release %zu bytes of backing memory: %s", len,
			strerror(errno));
}

#if RTE_HAS_LIBNUMA
#define NODEMASK_BITS 1024

struct numa_saved {
	int mode;
	unsigned long mask[NODEMASK_BITS / (8 * sizeof(unsigned long))];
	bool bound;
};

/* Make this thread allocate from node only, remembering its policy. */
static void
numa_bind(struct numa_saved *saved, int node)
{
	unsigned long mask[NODEMASK_BITS / (8 * sizeof(unsigned long))] = {0};

	saved->bound = false;
	if (get_mempolicy(&saved->mode, saved->mask, NODEMASK_BITS, NULL, 0) < 0)
		return;
	mask[node / (8 * sizeof(unsigned long))] |=
		1UL << (node % (8 * sizeof(unsigned long)));
	if (set_mempolicy(MPOL_BIND, mask, NODEMASK_BITS + 1) < 0) {
		EAL_LOG(WARNING, "cannot bind allocations to NUMA node %d: %s",
			node, strerror(errno));
		return;
	}
	saved->bound = true;
}

static void
numa_restore(const struct numa_saved *saved)
{
	if (!saved->bound)
		return;
	if (set_mempolicy(saved->mode, saved->mode == MPOL_DEFAULT ?
			NULL : saved->mask, NODEMASK_BITS + 1) < 0)
		EAL_LOG(WARNING, "cannot restore the NUMA policy: %s", strerror(errno));
}

/* The node of each page must be the list's; index of the first that is not. */
static int
check_nodes(const struct eal_memseg_list *l, void *va, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *page = RTE_PTR_ADD(va, (size_t)i * l->pub.page_sz);
		int node = -1;

		if (get_mempolicy(&node, NULL, 0, page, MPOL_F_NODE | MPOL_F_ADDR) < 0)
			continue; /* cannot tell: trust the binding */
		if (node != l->pub.socket_id) {
			EAL_LOG(ERR, "page %p landed on NUMA node %d instead of %d",
				page, node, l->pub.socket_id);
			return -1;
		}
	}
	return 0;
}
#endif /* RTE_HAS_LIBNUMA */

/* The IOVA of each page, per the EAL's IOVA mode. */
static int
set_iovas(struct eal_memseg_list *l, void *va, unsigned int n, rte_iova_t *iovas)
{
	bool allocated = eal_iova_is_allocated();
	bool pa = rte_eal_iova_mode() == RTE_IOVA_PA && !allocated;
	unsigned int i;

	if (pa) {
		if (eal_virt2phys_pages(va, l->pub.page_sz, n, iovas) == 0)
			return 0;
		int err = rte_errno;

		for (i = 0; i < n - 1 && iovas[i] != RTE_BAD_IOVA; i++)
			;
		EAL_LOG(ERR, "no physical address for %p (%s): IOVA-as-PA needs CAP_SYS_ADMIN to read /proc/self/pagemap; run as root or use --iova-mode=va",
			RTE_PTR_ADD(va, (size_t)i * l->pub.page_sz),
			rte_strerror(err));
		return eal_fail(err);
	}
	for (i = 0; i < n; i++) {
		void *page = RTE_PTR_ADD(va, (size_t)i * l->pub.page_sz);

		/* allocated: the list's block page by page, contiguous per list */
		iovas[i] = allocated ? eal_iova_of_list_page(&l->pub, page) :
			(rte_iova_t)(uintptr_t)page;
	}
	return 0;
}

/* Fault the range in from the file, on the list's node. */
static int
map_pages(struct eal_memseg_list *l, void *va, off_t off, size_t len)
{
	int ret = 0, err = 0;
	void *p;
#if RTE_HAS_LIBNUMA
	struct numa_saved saved = { .bound = false };

	if (l->numa_bind)
		numa_bind(&saved, l->pub.socket_id);
#endif
	/* Reserve first: an empty pool fails here instead of in a fault. */
	if (fallocate(l->fd, 0, off, (off_t)len) < 0) {
		err = errno;
		ret = -1;
	} else {
		p = mmap(va, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED | MAP_POPULATE, l->fd, off);
		if (p == MAP_FAILED) {
			err = errno;
			ret = -1;
		}
	}
#if RTE_HAS_LIBNUMA
	numa_restore(&saved);
#endif
	if (ret < 0) {
		EAL_LOG(DEBUG, "cannot get %zu bytes of %" PRIu64 " kB pages on socket %d: %s",
			len, l->pub.page_sz >> 10, l->pub.socket_id, strerror(err));
		rereserve(va, len); /* a failed MAP_FIXED may leave a hole */
		punch(l->fd, off, len);
		return eal_fail(ENOMEM);
	}
	return 0;
}

int
eal_memalloc_back_pages(struct eal_memseg_list *l, unsigned int idx, unsigned int n)
{
	struct rte_memseg_list *msl = &l->pub;
	size_t len = (size_t)n * msl->page_sz;
	off_t off = (off_t)idx * (off_t)msl->page_sz;
	void *va = RTE_PTR_ADD(msl->base_va, off);
	rte_iova_t *iovas;
	unsigned int i;

	iovas = malloc(n * sizeof(*iovas));
	if (iovas == NULL)
		return eal_fail(ENOMEM);
	if (map_pages(l, va, off, len) < 0)
		goto fail;
#if RTE_HAS_LIBNUMA
	if (l->numa_bind && check_nodes(l, va, n) < 0) {
		rte_errno = ENOMEM;
		goto unmap;
	}
#endif
	if (set_iovas(l, va, n, iovas) < 0)
		goto unmap;

	for (i = 0; i < n; i++) {
		struct rte_memseg *ms = &msl->segs[idx + i];

		ms->addr = RTE_PTR_ADD(va, (size_t)i * msl->page_sz);
		ms->iova = iovas[i];
		ms->len = msl->page_sz;
		ms->hugepage_sz = msl->page_sz;
		ms->socket_id = msl->socket_id;
		ms->flags = l->is_static ? RTE_MEMSEG_FLAG_DO_NOT_FREE : 0;
	}
	msl->n_used += n;
	msl->version++;
	free(iovas);
	return 0;

unmap: {
		int err = rte_errno;

		rereserve(va, len);
		punch(l->fd, off, len);
		rte_errno = err;
	}
fail:
	free(iovas);
	return -1;
}

void
eal_memalloc_list_close(struct eal_memseg_list *l)
{
	if (l->owns_va && l->pub.base_va != NULL)
		munmap(l->pub.base_va, l->pub.len);
	if (l->fd >= 0)
		close(l->fd);
	if (l->path != NULL)
		unlink(l->path);
	free(l->path);
	l->fd = -1;
	l->path = NULL;
}

/* A list that dynamic allocation may use. */
static bool
dynamic_list(const struct eal_memseg_list *l)
{
	return !l->pub.external && !l->is_static && l->fd >= 0;
}

/* First run of n unused segments in msl, or -1. */
static int
find_free_run(const struct rte_memseg_list *msl, unsigned int n)
{
	unsigned int i, run = 0;

	if (msl->n_segs - msl->n_used < n)
		return -1;
	for (i = 0; i < msl->n_segs; i++) {
		run = msl->segs[i].len == 0 ? run + 1 : 0;
		if (run == n)
			return (int)(i + 1 - n);
	}
	return -1;
}

void *
eal_memalloc_alloc_pages(int socket, uint64_t page_sz, unsigned int n_pages)
{
	unsigned int i, n = eal_msl_count(), largest = 0;
	bool type_known = false;

	if (n_pages == 0) {
		EAL_LOG(ERR, "eal_memalloc_alloc_pages: 0 pages asked");
		rte_errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		struct eal_memseg_list *l = eal_msl_at(i);
		int idx;

		if (!dynamic_list(l) || l->pub.page_sz != page_sz ||
				(socket != SOCKET_ID_ANY && l->pub.socket_id != socket))
			continue;
		type_known = true;
		largest = RTE_MAX(largest, l->pub.n_segs);
		idx = find_free_run(&l->pub, n_pages);
		if (idx < 0)
			continue;
		if (eal_memalloc_back_pages(l, (unsigned int)idx, n_pages) < 0) {
			/* Every list of this type draws on the same pool. */
			if (rte_errno == ENOMEM && socket == SOCKET_ID_ANY)
				continue;
			return NULL;
		}
		return l->pub.segs[idx].addr;
	}
	if (!type_known) {
		/*
		 * The heap tries each page size in turn and falls back: a node
		 * without this size is not an error the user must act on.
		 */
		EAL_LOG(DEBUG, "no dynamic memory of %" PRIu64 " kB pages on socket %d",
			page_sz >> 10, socket);
		rte_errno = EINVAL;
		return NULL;
	}
	/* no list could ever hold that run: the caller names the limit */
	rte_errno = n_pages > largest ? E2BIG : ENOMEM;
	return NULL;
}

unsigned int
eal_memalloc_list_capacity(int socket, uint64_t page_sz)
{
	unsigned int i, n = eal_msl_count(), largest = 0;

	for (i = 0; i < n; i++) {
		const struct eal_memseg_list *l = eal_msl_at(i);

		if (dynamic_list(l) && l->pub.page_sz == page_sz &&
				(socket == SOCKET_ID_ANY || l->pub.socket_id == socket))
			largest = RTE_MAX(largest, l->pub.n_segs);
	}
	return largest;
}

int
eal_memalloc_free_pages(void *va, size_t len)
{
	struct eal_memseg_list *l = eal_msl_lookup(va);
	struct rte_memseg_list *msl;
	unsigned int idx, n, i;

	if (l == NULL || l->pub.external) {
		EAL_LOG(ERR, "eal_memalloc_free_pages: %p is not in EAL memory", va);
		return eal_fail(EINVAL);
	}
	msl = &l->pub;
	if (!RTE_IS_ALIGNED(RTE_PTR_DIFF(va, msl->base_va), msl->page_sz) ||
			len == 0 || !RTE_IS_ALIGNED(len, msl->page_sz) ||
			RTE_PTR_DIFF(va, msl->base_va) + len > msl->len) {
		EAL_LOG(ERR, "eal_memalloc_free_pages: %p+%zu is not whole pages of %" PRIu64 " bytes in one list",
			va, len, msl->page_sz);
		return eal_fail(EINVAL);
	}
	if (l->is_static) {
		EAL_LOG(ERR, "eal_memalloc_free_pages: %p is static memory, released only at cleanup",
			va);
		return eal_fail(EPERM);
	}
	idx = eal_msl_seg_idx(msl, va);
	n = (unsigned int)(len / msl->page_sz);
	for (i = idx; i < idx + n; i++) {
		if (msl->segs[i].len == 0) {
			EAL_LOG(ERR, "eal_memalloc_free_pages: page %p is not in use",
				RTE_PTR_ADD(msl->base_va, (size_t)i * msl->page_sz));
			return eal_fail(EINVAL);
		}
	}
	rereserve(va, len);
	punch(l->fd, (off_t)RTE_PTR_DIFF(va, msl->base_va), len);
	memset(&msl->segs[idx], 0, n * sizeof(struct rte_memseg));
	msl->n_used -= n;
	msl->version++;
	return 0;
}

unsigned int
eal_memalloc_page_sizes(uint64_t *sizes, unsigned int max)
{
	unsigned int i, j, n = 0, count;

	eal_mem_hotplug_read_lock();
	count = eal_msl_count();
	for (i = 0; i < count; i++) {
		const struct eal_memseg_list *l = eal_msl_at(i);
		unsigned int pos;

		if (!dynamic_list(l))
			continue;
		for (j = 0; j < n && sizes[j] != l->pub.page_sz; j++)
			;
		if (j < n || n == max)
			continue;
		/* Insert keeping the largest first. */
		for (pos = n; pos > 0 && sizes[pos - 1] < l->pub.page_sz; pos--)
			sizes[pos] = sizes[pos - 1];
		sizes[pos] = l->pub.page_sz;
		n++;
	}
	eal_mem_hotplug_read_unlock();
	return n;
}

unsigned int
eal_memalloc_sockets(int *sockets, unsigned int max)
{
	unsigned int i, j, n = 0, count;

	eal_mem_hotplug_read_lock();
	count = eal_msl_count();
	for (i = 0; i < count; i++) {
		const struct eal_memseg_list *l = eal_msl_at(i);
		unsigned int pos;

		if (l->pub.external)
			continue;
		for (j = 0; j < n && sockets[j] != l->pub.socket_id; j++)
			;
		if (j < n || n == max)
			continue;
		for (pos = n; pos > 0 && sockets[pos - 1] > l->pub.socket_id; pos--)
			sockets[pos] = sockets[pos - 1];
		sockets[pos] = l->pub.socket_id;
		n++;
	}
	eal_mem_hotplug_read_unlock();
	return n;
}
