/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-mem-bench: how fast the memory layer is. It reports, it never
 * passes or fails:
 *   - page allocation and release (pages/s) on system pages, and on 2 MiB
 *     hugepages when enough are free (it never reserves any itself);
 *   - rte_malloc()/rte_free() of small objects (ops/s);
 *   - rte_mem_virt2memseg() lookups with 1k, 10k and 100k segments, spread
 *     over 1, 10 and 100 memseg lists and in one list, and the ratio of the
 *     largest to the smallest (a linear lookup would give about 100).
 * Page allocation is timed at the eal_memalloc level: backing, fault-in and
 * bookkeeping, without memory events (no DMA mapping).
 *
 * Usage: dpdk-mem-bench [-q] (quick: fewer iterations)
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "eal_memcfg.h"

#define FREE_2M "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define SEGS_PER_REGION 1000

static unsigned int scale = 1; /* divisor of the iteration counts (-q) */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
eal_up(const char *a0, const char *a1, const char *a2, const char *a3,
		const char *a4)
{
	char *argv[] = { (char *)(uintptr_t)"dpdk-mem-bench", (char *)(uintptr_t)a0,
		(char *)(uintptr_t)a1, (char *)(uintptr_t)a2, (char *)(uintptr_t)a3,
		(char *)(uintptr_t)a4, NULL };
	int argc = 1;

	while (argv[argc] != NULL)
		argc++;
	if (rte_eal_init(argc, argv) < 0) {
		printf("EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	/* Quiet: bad-input lines would disturb the table. */
	rte_log_set_global_level(RTE_LOG_ERR);
	return 0;
}

static void
row(const char *what, const char *size, double value, const char *unit)
{
	printf("| %-44s | %-8s | %14.0f | %-10s |\n", what, size, value, unit);
}

static void
row_text(const char *what, const char *size, const char *text)
{
	printf("| %-44s | %-8s | %25s |\n", what, size, text);
}

/* Allocate total pages batch at a time, then free them; report both rates. */
static void
bench_pages(const char *size_label, uint64_t pgsz, unsigned int batch,
		unsigned int total)
{
	unsigned int n_ops = total / batch, done = 0, i;
	void **va = calloc(n_ops, sizeof(*va));
	char what[64];
	double t0, t1, t2;

	if (va == NULL)
		return;
	/*
	 * One untimed round first: in a VM the first touch of guest memory
	 * costs the host's allocation, which is not what this measures.
	 */
	for (i = 0; i < n_ops; i++) {
		eal_mem_hotplug_write_lock();
		va[i] = eal_memalloc_alloc_pages(SOCKET_ID_ANY, pgsz, batch);
		eal_mem_hotplug_write_unlock();
		if (va[i] == NULL)
			break;
	}
	while (i-- > 0) {
		eal_mem_hotplug_write_lock();
		eal_memalloc_free_pages(va[i], (size_t)batch * pgsz);
		eal_mem_hotplug_write_unlock();
	}
	t0 = now();
	for (i = 0; i < n_ops; i++) {
		eal_mem_hotplug_write_lock();
		va[i] = eal_memalloc_alloc_pages(SOCKET_ID_ANY, pgsz, batch);
		eal_mem_hotplug_write_unlock();
		if (va[i] == NULL)
			break;
		done++;
	}
	t1 = now();
	for (i = 0; i < done; i++) {
		eal_mem_hotplug_write_lock();
		eal_memalloc_free_pages(va[i], (size_t)batch * pgsz);
		eal_mem_hotplug_write_unlock();
	}
	t2 = now();
	free(va);
	if (done == 0) {
		snprintf(what, sizeof(what), "page alloc, %u per call", batch);
		row_text(what, size_label, "no pages");
		return;
	}
	snprintf(what, sizeof(what), "page alloc, %u per call (%u pages)", batch,
		done * batch);
	row(what, size_label, done * batch / (t1 - t0), "pages/s");
	snprintf(what, sizeof(what), "page free, %u per call", batch);
	row(what, size_label, done * batch / (t2 - t1), "pages/s");
}

static void
bench_malloc(void)
{
	unsigned int n = 200000 / scale, pairs = 200000 / scale, i, got = 0;
	void **objs = calloc(n, sizeof(*objs));
	double t0, t1, t2;
	char what[64];

	if (objs == NULL)
		return;
	t0 = now();
	for (i = 0; i < n; i++) {
		objs[i] = rte_malloc(NULL, 64, 0);
		if (objs[i] == NULL)
			break;
		got++;
	}
	t1 = now();
	for (i = 0; i < got; i++)
		rte_free(objs[i]);
	t2 = now();
	free(objs);
	if (got == 0) {
		row_text("rte_malloc(64)", "-", "failed");
		return;
	}
	snprintf(what, sizeof(what), "rte_malloc(64), %u live", got);
	row(what, "-", got / (t1 - t0), "ops/s");
	snprintf(what, sizeof(what), "rte_free(64), %u live", got);
	row(what, "-", got / (t2 - t1), "ops/s");

	t0 = now();
	for (i = 0; i < pairs; i++)
		rte_free(rte_malloc(NULL, 64, 0));
	t1 = now();
	row("rte_malloc(64) + rte_free pairs", "-", pairs / (t1 - t0), "pairs/s");
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Register n_segs system pages of external memory in n_lists regions and
 * time random rte_mem_virt2memseg() lookups; returns ns per lookup.
 */
static double
bench_lookup(unsigned int n_segs, unsigned int n_lists)
{
	size_t pgsz = (size_t)sysconf(_SC_PAGESIZE);
	unsigned int per = n_segs / n_lists, i, n_look = 4000000 / scale;
	/* A gap page between regions so that they stay separate lists. */
	size_t span = (size_t)(per + 1) * pgsz;
	const void **addrs = malloc(n_look * sizeof(*addrs));
	char *base;
	double best = 0;
	unsigned int misses = 0, round;

	base = mmap(NULL, span * n_lists, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED || addrs == NULL) {
		free(addrs);
		return -1;
	}
	for (i = 0; i < n_lists; i++) {
		if (rte_extmem_register(base + i * span, (size_t)per * pgsz, NULL, 0,
				pgsz) < 0) {
			printf("extmem register %u/%u: %s\n", i, n_lists,
				rte_strerror(rte_errno));
			n_lists = i;
			break;
		}
	}
	for (i = 0; i < n_look; i++) {
		uint64_t r = xorshift();
		unsigned int list = (unsigned int)(r % n_lists);
		size_t off = (size_t)((r >> 20) % ((uint64_t)per * pgsz));

		addrs[i] = base + list * span + off;
	}
	/* Best of 3 rounds: the machine may be busy with other work. */
	for (round = 0; round < 3; round++) {
		double t0 = now(), t1;

		for (i = 0; i < n_look; i++)
			misses += rte_mem_virt2memseg(addrs[i], NULL) == NULL;
		t1 = now();
		if (round == 0 || t1 - t0 < best)
			best = t1 - t0;
	}
	for (i = 0; i < n_lists; i++)
		rte_extmem_unregister(base + i * span, (size_t)per * pgsz);
	munmap(base, span * n_lists);
	free(addrs);
	if (misses != 0)
		printf("lookup: %u misses\n", misses);
	return best * 1e9 / n_look;
}

static long
free_2m_pages(void)
{
	FILE *f = fopen(FREE_2M, "r");
	long n = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

static void
lookups(void)
{
	static const unsigned int segs[] = { 1000, 10000, 100000 };
	double spread[3], single[3];
	char what[64];
	unsigned int i;

	for (i = 0; i < RTE_DIM(segs); i++) {
		spread[i] = bench_lookup(segs[i], segs[i] / SEGS_PER_REGION);
		single[i] = bench_lookup(segs[i], 1);
		snprintf(what, sizeof(what), "virt2memseg, %u segs in %u lists",
			segs[i], segs[i] / SEGS_PER_REGION);
		printf("| %-44s | %-8s | %14.1f | %-10s |\n", what, "sys", spread[i], "ns/lookup");
		snprintf(what, sizeof(what), "virt2memseg, %u segs in 1 list", segs[i]);
		printf("| %-44s | %-8s | %14.1f | %-10s |\n", what, "sys", single[i], "ns/lookup");
	}
	printf("| %-44s | %-8s | %14.2f | %-10s |\n", "lookup time ratio 100k/1k segs, lists", "-",
		spread[2] / spread[0], "x (lin.100)");
	printf("| %-44s | %-8s | %14.2f | %-10s |\n", "lookup time ratio 100k/1k segs, 1 list", "-",
		single[2] / single[0], "x (lin.100)");
}

int
main(int argc, char **argv)
{
	unsigned int total;
	long free2m;
	int opt;

	while ((opt = getopt(argc, argv, "q")) != -1) {
		if (opt == 'q') {
			scale = 10;
		} else {
			fprintf(stderr, "usage: %s [-q]\n", argv[0]);
			return 2;
		}
	}
	printf("| %-44s | %-8s | %14s | %-10s |\n", "measure", "page", "value", "unit");
	printf("|%s|%s|%s|%s|\n", "----------------------------------------------",
		"----------", "----------------", "------------");

	/* System pages on demand: 1 GiB of VA, 64 MiB allocated at a time. */
	if (eal_up("--no-huge", "--dynamic-mem", "-m", "1024", NULL) == 0) {
		total = 16384 / scale;
		bench_pages("sys", (uint64_t)sysconf(_SC_PAGESIZE), 1, total);
		bench_pages("sys", (uint64_t)sysconf(_SC_PAGESIZE), 64, total);
		bench_malloc();
		rte_eal_cleanup();
	}

	free2m = free_2m_pages();
	if (free2m >= 16) {
		char mem[32];

		snprintf(mem, sizeof(mem), "%ld", free2m * 2);
		if (eal_up("--in-memory", "-m", mem, NULL, NULL) == 0) {
			total = (unsigned int)RTE_MIN(free2m, 512L);
			bench_pages("2M", RTE_PGSIZE_2M, 1, total);
			bench_pages("2M", RTE_PGSIZE_2M, 16, total - total % 16);
			rte_eal_cleanup();
		}
	} else {
		row_text("page alloc/free", "2M", "skipped: < 16 free pages");
	}

	if (eal_up("--no-huge", "-m", "16", NULL, NULL) == 0) {
		lookups();
		rte_eal_cleanup();
	}
	return 0;
}
