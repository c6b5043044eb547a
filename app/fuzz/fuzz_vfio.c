/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * API-sequence fuzzing of the VFIO component against the type1 model.
 *
 * An input is a sequence of 4-byte steps (opcode, three arguments) drawn
 * from: user map, paged map and unmap in three containers (the default one
 * and two of their own), heap allocation and free (dynamic memory: pages
 * come and go), external heap memory add and remove and allocation from
 * it, group attach and detach, container re-creation, and faults armed
 * for the next step (a kernel call or an allocation of the component);
 * and hostile steps (fuzz_vfio_hostile.c): misaligned, wrapping, huge and
 * overlapping ranges, closed and foreign fds, device setup and release,
 * container destruction with devices open, the heap's kept pages.
 *
 * After every step the promises are checked (vfio_invariants.h): records
 * equal the kernel's mappings in every container, the user maps recorded
 * are exactly those the API said it made (a shadow kept here), every live
 * allocation is mapped, no heap or static record is stray, removed
 * external memory is not mapped; and at the end of the input nothing is
 * left pinned. Every refused call has an errno its documentation names
 * (any while a fault is armed) and changes nothing: containers, records,
 * kernel mappings and pinned bytes are as before. Groups and devices are
 * shadowed too: a bind, unbind or destroy has the result the shadow
 * predicts (an application-bound group stays bound after its device's
 * release). A violation aborts, so libFuzzer keeps the input.
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; otherwise the
 * main below replays inputs (files or directories of files), which is how
 * the seed corpus runs in every build. FUZZ_VERBOSE=1 keeps the EAL's log.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "vfio_records.h"
#include "vfio_invariants.h"
#include "fuzz_vfio.h"

struct fuzz_state fz;

void __attribute__((noreturn))
violation(const char *what)
{
	fprintf(stderr, "fuzz: invariant violated at step %u: %s\n", fz.step, what);
	abort();
}

/* ---- setup and teardown of one input ---- */

static void
once(void)
{
	static bool done;
	unsigned int i;

	if (done)
		return;
	done = true;
	fz.verbose = getenv("FUZZ_VERBOSE") != NULL;
	fz.pg = (uint64_t)sysconf(_SC_PAGESIZE);
	/* a hole of BUF_PAGES after the buffer: maps running past it fault */
	fz.buf = mmap(NULL, 2 * BUF_PAGES * fz.pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz.buf != MAP_FAILED)
		munmap(fz.buf + BUF_PAGES * fz.pg, BUF_PAGES * fz.pg);
	/* fds that are not containers, for the bad-fd steps */
	fz.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	fz.file_fd = memfd_create("fuzz_vfio", MFD_CLOEXEC);
	for (i = 0; i < N_EXT; i++)
		fz.ext[i] = mmap(NULL, EXT_PAGES * fz.pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz.buf == MAP_FAILED || fz.ext[0] == MAP_FAILED || fz.ext[1] == MAP_FAILED) {
		fprintf(stderr, "fuzz: mmap failed\n");
		exit(1);
	}
}

static void
start(void)
{
	char *argv[] = { (char *)(uintptr_t)"fuzz_vfio",
		(char *)(uintptr_t)"--no-huge", (char *)(uintptr_t)"--dynamic-mem",
		(char *)(uintptr_t)"--no-pci", NULL };
	unsigned int i;

	vfio_backend_select(&vfio_backend_model);
	vfio_model_reset();
	vfio_model_set_memlock_limit(UINT64_MAX);
	vfio_model_set_cap_ipc_lock(true);
	if (rte_eal_init(4, argv) < 0) {
		fprintf(stderr, "fuzz: EAL init failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	if (!fz.verbose)
		rte_log_set_global_level(RTE_LOG_EMERG);
	for (i = 0; i < N_GROUPS; i++) {
		char bdf[16];
		struct vfio_model_group_cfg cfg = {
			.group_num = GROUP_BASE + (int)i,
			.devices = { bdf },
			.msi_window = true,
		};

		snprintf(bdf, sizeof(bdf), "0000:00:%02x.0", 0x18 + i);
		if (vfio_model_add_group(&cfg) < 0)
			violation("vfio_model_add_group");
	}
	memset(fz.c, 0, sizeof(fz.c));
	memset(fz.a, 0, sizeof(fz.a));
	memset(fz.ext_added, 0, sizeof(fz.ext_added));
	fz.c[0].fd = DEF;
	fz.c[0].valid = true;
	for (i = 1; i < N_CONT; i++) {
		fz.c[i].fd = rte_vfio_container_create();
		fz.c[i].valid = fz.c[i].fd >= 0;
	}
	if (rte_malloc_heap_create(EXT_HEAP) < 0)
		violation("external heap create");
	fz.fault_armed = false;
	hostile_start();
}

static void
finish(void)
{
	unsigned int i;

	vfio_model_fail_nth(0, 0, 0);
	vfio_alloc_fail_nth(0);
	hostile_finish();
	for (i = 0; i < N_ALLOCS; i++)
		rte_free(fz.a[i].p);
	for (i = 0; i < N_EXT; i++)
		if (fz.ext_added[i] && rte_malloc_heap_memory_remove(EXT_HEAP,
				fz.ext[i], EXT_PAGES * fz.pg) < 0)
			violation("external memory remove at the end");
	if (rte_malloc_heap_destroy(EXT_HEAP) < 0)
		violation("external heap destroy at the end");
	for (i = 1; i < N_CONT; i++)
		if (fz.c[i].valid)
			(void)rte_vfio_container_destroy(fz.c[i].fd);
	if (rte_eal_cleanup() < 0)
		violation("rte_eal_cleanup");
	if (vfio_model_locked_bytes() != 0)
		violation("memory left pinned after cleanup");
}

/* ---- the shadow of user maps ---- */

static struct unit *
shadow_find(struct cont *c, uint64_t iova, uint64_t len, uint64_t va, bool paged)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->u[i].iova == iova && c->u[i].len == len &&
				c->u[i].va == va && c->u[i].paged == paged)
			return &c->u[i];
	return NULL;
}

void
shadow_add(struct cont *c, uint64_t va, uint64_t iova, uint64_t len, bool paged)
{
	struct unit *u = paged ? NULL : shadow_find(c, iova, len, va, false);

	if (u != NULL) {
		u->refcnt++;
		return;
	}
	if (c->n == MAX_UNITS)
		violation("shadow full");
	c->u[c->n++] = (struct unit){ va, iova, len, 1, paged };
}

void
shadow_unmap(struct cont *c, uint64_t iova, uint64_t len)
{
	unsigned int i = 0;

	while (i < c->n) {
		struct unit *u = &c->u[i];

		if (u->iova >= iova && u->iova + u->len <= iova + len) {
			if (--u->refcnt == 0) {
				*u = c->u[--c->n];
				continue;
			}
		} else if (u->iova < iova + len && iova < u->iova + u->len) {
			violation("an unmap reported done cut a unit");
		}
		i++;
	}
}

struct cmp {
	struct cont *c;
	unsigned int seen;
	bool bad;
};

static void
cmp_cb(const struct vfio_record *r, void *arg)
{
	struct cmp *m = arg;
	struct unit *u;

	if (r->kind != VFIO_REC_USER)
		return;
	m->seen++;
	u = shadow_find(m->c, r->iova, r->len, r->vaddr, r->owner != 0);
	if (u == NULL || u->refcnt != r->refcnt) {
		fprintf(stderr, "fuzz: record IOVA 0x%" PRIx64 " len 0x%" PRIx64 " refs %u: %s\n",
			r->iova, r->len, r->refcnt,
			u == NULL ? "no such map was reported made" : "references differ");
		m->bad = true;
	}
}

/* ---- checks after every step ---- */

static void
check(void)
{
	int fds[N_CONT];
	unsigned int i;

	for (i = 0; i < N_CONT; i++) {
		struct cmp m = { .c = &fz.c[i] };

		fds[i] = fz.c[i].valid ? fz.c[i].fd : -1;
		if (!fz.c[i].valid)
			continue;
		if (vfio_container_records_walk(fz.c[i].fd, cmp_cb, &m) < 0)
			violation("records walk");
		if (m.bad || m.seen != fz.c[i].n)
			violation("user records differ from what the API reported");
	}
	if (inv_all(fds + 1, N_CONT - 1) < 0)
		violation("records, kernel and memory disagree");
	for (i = 0; i < N_ALLOCS; i++)
		if (fz.a[i].p != NULL && inv_heap_mapped(fz.a[i].p, fz.a[i].len) < 0)
			violation("a live allocation is not mapped");
	for (i = 0; i < N_EXT; i++)
		if (!fz.ext_added[i] && inv_va_unmapped(DEF, (uintptr_t)fz.ext[i],
				EXT_PAGES * fz.pg) < 0)
			violation("removed external memory is still mapped");
	if (vfio_model_check() < 0)
		violation("model");
}

void
check_failure(int err)
{
	if (err == 0)
		violation("a call failed with rte_errno 0");
}

/* ---- the steps ---- */

/* 0..12 as before the hostile steps: the seed corpus keeps its meaning */
enum {
	OP_MAP, OP_MAP_PAGED, OP_UNMAP, OP_ALLOC, OP_FREE, OP_EXT_ADD,
	OP_EXT_REMOVE, OP_EXT_ALLOC, OP_BIND, OP_UNBIND, OP_FAULT_KERNEL,
	OP_FAULT_ALLOC, OP_RECREATE,
	OP_WILD, OP_BAD_FD, OP_DEV_SETUP, OP_DEV_RELEASE, OP_DESTROY, OP_KEEP,
	OP_COUNT
};

static const int fault_errs[] = { ENOMEM, EFAULT, EINVAL, EIO, ENOSPC, EBUSY };

static void
step_map(uint8_t a, uint8_t b, uint8_t c, int mode)
{
	struct cont *ct = &fz.c[a % N_CONT];
	uint64_t page = b % BUF_PAGES, n = c % 8 + 1, pg = fz.pg;
	/* mostly IOVA = a fixed offset of the page; sometimes shifted to collide */
	uint64_t ipage = (page + ((c >> 5) == 7 ? 1 : 0)) % BUF_PAGES;
	uint64_t va = (uintptr_t)fz.buf + page * pg, iova = IOVA_BASE + ipage * pg;
	uint64_t before;
	int ret;

	if (page + n > BUF_PAGES)
		n = BUF_PAGES - page;
	if (!ct->valid)
		return;
	before = fuzz_state_digest();
	rte_errno = 0;
	if (mode == MODE_UNMAP)
		ret = rte_vfio_container_dma_unmap(ct->fd, va, iova, n * pg);
	else if (mode == MODE_PAGED)
		ret = rte_vfio_container_dma_map_paged(ct->fd, va, iova, n * pg, pg);
	else
		ret = rte_vfio_container_dma_map(ct->fd, va, iova, n * pg);
	fuzz_map_result(ct, ret, rte_errno, before, va, iova, n * pg, mode);
}

/* The errno values rte_vfio.h documents for the map and unmap calls. */
static const int map_errs[] = {
	EINVAL, ERANGE, EEXIST, EOVERFLOW, ENOSPC, ENOMEM, EFAULT,
};
static const int unmap_errs[] = { EINVAL, ENOENT, ENOTSUP, EPERM };

void
fuzz_map_result(struct cont *ct, int ret, int err, uint64_t before,
		uint64_t va, uint64_t iova, uint64_t len, int mode)
{
	uint64_t i;

	if (ret < 0) {
		if (mode == MODE_UNMAP && err == EIO)
			violation("records and kernel disagreed at an unmap");
		if (mode == MODE_UNMAP)
			fuzz_refused("rte_vfio_container_dma_unmap", err, before,
				unmap_errs, RTE_DIM(unmap_errs));
		else
			fuzz_refused(mode == MODE_PAGED ? "rte_vfio_container_dma_map_paged" :
				"rte_vfio_container_dma_map", err, before,
				map_errs, RTE_DIM(map_errs));
		return;
	}
	if (ret != 0)
		violation("a map or unmap returned neither 0 nor -1");
	if (mode == MODE_UNMAP) {
		shadow_unmap(ct, iova, len);
	} else if (mode == MODE_PAGED) {
		if (len / fz.pg > MAX_UNITS)
			violation("a paged map larger than the shadow was accepted");
		for (i = 0; i < len / fz.pg; i++)
			shadow_add(ct, va + i * fz.pg, iova + i * fz.pg, fz.pg, true);
	} else {
		shadow_add(ct, va, iova, len, false);
	}
}

/* ---- refusals change nothing ---- */

static uint64_t
mix(uint64_t h, uint64_t v)
{
	/* FNV-1a over the 8 bytes of v */
	unsigned int i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
digest_rec(const struct vfio_record *r, void *arg)
{
	uint64_t *h = arg;

	*h = mix(*h, r->iova);
	*h = mix(*h, r->vaddr);
	*h = mix(*h, r->len);
	*h = mix(*h, (uint64_t)r->kind);
	*h = mix(*h, r->owner != 0);
	*h = mix(*h, r->refcnt);
}

static void
digest_kern(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg)
{
	uint64_t *h = arg;

	*h = mix(*h, iova);
	*h = mix(*h, vaddr);
	*h = mix(*h, len);
}

uint64_t
fuzz_state_digest(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned int i;

	for (i = 0; i < N_CONT; i++) {
		const struct cont *ct = &fz.c[i];

		if (!ct->valid)
			continue;
		h = mix(h, (uint64_t)(int64_t)vfio_container_state_get(ct->fd));
		(void)vfio_container_records_walk(ct->fd, digest_rec, &h);
		h = mix(h, 0xfeed);
		vfio_model_walk(ct->fd == DEF ? rte_vfio_get_container_fd() : ct->fd,
			digest_kern, &h);
	}
	return mix(h, vfio_model_locked_bytes());
}

void
fuzz_refused(const char *what, int err, uint64_t before, const int *allowed,
		unsigned int n_allowed)
{
	unsigned int i;

	check_failure(err);
	if (!fz.fault_armed && n_allowed > 0) {
		for (i = 0; i < n_allowed && allowed[i] != err; i++)
			;
		if (i == n_allowed) {
			fprintf(stderr, "fuzz: %s refused with %d (%s), not an errno it documents\n",
				what, err, strerror(err));
			violation("a refusal with an undocumented errno");
		}
	}
	if (fuzz_state_digest() != before) {
		fprintf(stderr, "fuzz: %s refused with %s but changed the state\n",
			what, strerror(err));
		violation("a refused call changed containers, records or kernel mappings");
	}
}

static void
step_alloc(uint8_t a, uint8_t b, uint8_t c, bool ext)
{
	struct alloc *al = &fz.a[a % N_ALLOCS];
	size_t len = (size_t)(b % 64 + 1) * (c & 1 ? fz.pg / 4 : 64);
	int socket = ext ? rte_malloc_heap_get_socket(EXT_HEAP) : SOCKET_ID_ANY;

	rte_free(al->p);
	al->p = NULL;
	rte_errno = 0;
	al->p = rte_malloc_socket(NULL, len, (c >> 1) % 2 ? (unsigned int)fz.pg : 0,
		socket);
	if (al->p == NULL) {
		check_failure(rte_errno);
		return;
	}
	al->len = len;
	memset(al->p, 0xa5, len);
}

static void
step_ext(uint8_t a, uint8_t b, bool add)
{
	unsigned int r = a % N_EXT, i;
	rte_iova_t iovas[EXT_PAGES];
	int ret;

	/* runs of 1, 2, 4 or 8 IOVA-contiguous pages: that many units */
	for (i = 0; i < EXT_PAGES; i++)
		iovas[i] = EXT_IOVA + r * 0x1000000ULL +
			(i >> (b % 4)) * 0x10000ULL + (i & ((1u << (b % 4)) - 1)) * fz.pg;
	uint64_t before = fuzz_state_digest();

	rte_errno = 0;
	if (add)
		ret = rte_malloc_heap_memory_add(EXT_HEAP, fz.ext[r],
			EXT_PAGES * fz.pg, iovas, EXT_PAGES, fz.pg);
	else
		ret = rte_malloc_heap_memory_remove(EXT_HEAP, fz.ext[r],
			EXT_PAGES * fz.pg);
	if (ret < 0) {
		fuzz_refused(add ? "rte_malloc_heap_memory_add" :
			"rte_malloc_heap_memory_remove", rte_errno, before, NULL, 0);
		return;
	}
	fz.ext_added[r] = add;
}

static void
run_step(const uint8_t *s)
{
	uint8_t a = s[1], b = s[2], c = s[3];

	switch (s[0] % OP_COUNT) {
	case OP_MAP: step_map(a, b, c, MODE_MAP); break;
	case OP_MAP_PAGED: step_map(a, b, c, MODE_PAGED); break;
	case OP_UNMAP: step_map(a, b, c, MODE_UNMAP); break;
	case OP_ALLOC: step_alloc(a, b, c, false); break;
	case OP_FREE:
		rte_free(fz.a[a % N_ALLOCS].p);
		fz.a[a % N_ALLOCS].p = NULL;
		break;
	case OP_EXT_ADD: step_ext(a, b, true); break;
	case OP_EXT_REMOVE: step_ext(a, b, false); break;
	case OP_EXT_ALLOC: step_alloc(a, b, c, true); break;
	case OP_BIND: step_group(a, b, true); break;
	case OP_UNBIND: step_group(a, b, false); break;
	case OP_FAULT_KERNEL: {
		static const unsigned long reqs[] = {
			VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA, 0,
		};

		vfio_model_fail_nth(reqs[a % RTE_DIM(reqs)], b % 8 + 1,
			fault_errs[c % RTE_DIM(fault_errs)]);
		fz.fault_armed = true;
		return;         /* armed for the next step */
	}
	case OP_FAULT_ALLOC:
		vfio_alloc_fail_nth(b % 16 + 1);
		fz.fault_armed = true;
		return;
	case OP_RECREATE: step_destroy(a, true); break;
	case OP_WILD: step_wild(a, b, c); break;
	case OP_BAD_FD: step_bad_fd(a, b, c); break;
	case OP_DEV_SETUP: step_device(a, b, true); break;
	case OP_DEV_RELEASE: step_device(a, b, false); break;
	case OP_DESTROY: step_destroy(a, false); break;
	case OP_KEEP: step_keep(a, b); break;
	}
	/* a fault lasts one step */
	vfio_model_fail_nth(0, 0, 0);
	vfio_alloc_fail_nth(0);
	fz.fault_armed = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off;

	once();
	start();
	fz.step = 0;
	check();
	for (off = 0; off + 4 <= size && fz.step < MAX_STEPS; off += 4) {
		fz.step++;
		run_step(data + off);
		check();
	}
	finish();
	return 0;
}

#ifndef FUZZ_LIBFUZZER
/* Replay mode: every file given, or every file of every directory given. */
static int
replay_file(const char *path, unsigned int *n)
{
	static uint8_t data[4096];
	size_t len;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "fuzz: cannot open %s\n", path);
		return -1;
	}
	len = fread(data, 1, sizeof(data), f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	(*n)++;
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned int n = 0, failed = 0;
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			char path[4096];
			struct dirent *de;
			DIR *d = opendir(argv[i]);

			while (d != NULL && (de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
				if (replay_file(path, &n) < 0)
					failed++;
			}
			if (d != NULL)
				closedir(d);
		} else if (replay_file(argv[i], &n) < 0) {
			failed++;
		}
	}
	/* a violation aborts: reaching here means every input held */
	printf("fuzz: %u passed, %u failed\n", n, failed);
	return failed == 0 && n > 0 ? 0 : 1;
}
#endif
