/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * malloc-bench: rte_malloc()/rte_free() throughput through the DPDK 22.11
 * API only, so the same source builds against Debian's DPDK 22.11
 * (dpdk-malloc-bench-dpdk22) and against this project (dpdk-malloc-bench).
 * devtools/bench-malloc.sh runs both in one run and prints the ratios.
 *
 * Patterns, for each size and thread count:
 *   pair   rte_malloc() then rte_free() of the same object, repeated;
 *   batch  a batch of rte_malloc() calls, then rte_free() of all of them.
 * One op is one rte_malloc() and its rte_free(). Every thread is a plain
 * pthread (no lcore launch), each with its own objects; the rate is all
 * threads' ops over the wall time from a common start.
 *
 * usage: malloc-bench [EAL args] -- [--label L] [--sizes a,b,...]
 *                     [--threads a,b] [--ms N] [--batch-mb N]
 * Prints one CSV line per case:  label,pattern,size,threads,batch,ops,ops_per_s
 * It reports numbers; it never fails on them (exit 1 only when the EAL does
 * not start or an allocation fails).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#define MAX_SIZES 16
#define MAX_THREADS 8
#define MAX_BATCH 4096

struct bench_cfg {
	const char *label;
	size_t sizes[MAX_SIZES];
	unsigned int n_sizes;
	unsigned int threads[MAX_THREADS];
	unsigned int n_threads;
	double seconds;		/* target time of one case */
	size_t batch_bytes;	/* memory of one thread's batch */
};

struct worker {
	pthread_t tid;
	pthread_barrier_t *start;
	size_t size;
	unsigned int batch;	/* 0: pairs */
	uint64_t ops;		/* ops to do */
	int failed;
	void **objs;
	double t0, t1;		/* this thread's start and end */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	uint64_t done = 0;
	unsigned int i;

	pthread_barrier_wait(w->start);
	w->t0 = now();
	if (w->batch == 0) {
		for (; done < w->ops; done++) {
			void *p = rte_malloc(NULL, w->size, 0);

			if (p == NULL) {
				w->failed = 1;
				break;
			}
			rte_free(p);
		}
		w->t1 = now();
		return NULL;
	}
	while (done < w->ops) {
		for (i = 0; i < w->batch; i++) {
			w->objs[i] = rte_malloc(NULL, w->size, 0);
			if (w->objs[i] == NULL) {
				w->failed = 1;
				break;
			}
		}
		while (i > 0)
			rte_free(w->objs[--i]);
		if (w->failed)
			break;
		done += w->batch;
	}
	w->t1 = now();
	return NULL;
}

/*
 * Run ops per thread on n threads; return the wall time from the first
 * thread's start to the last one's end, or -1 on failure.
 */
static double
run(unsigned int n, size_t size, unsigned int batch, uint64_t ops)
{
	struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	double t0 = 0, t1 = 0;
	unsigned int i;
	int failed = 0;

	memset(w, 0, sizeof(w));
	pthread_barrier_init(&start, NULL, n + 1);
	for (i = 0; i < n; i++) {
		w[i].start = &start;
		w[i].size = size;
		w[i].batch = batch;
		w[i].ops = ops;
		if (batch > 0)
			w[i].objs = calloc(batch, sizeof(void *));
		pthread_create(&w[i].tid, NULL, work, &w[i]);
	}
	pthread_barrier_wait(&start);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		failed |= w[i].failed;
		free(w[i].objs);
		if (i == 0 || w[i].t0 < t0)
			t0 = w[i].t0;
		if (w[i].t1 > t1)
			t1 = w[i].t1;
	}
	pthread_barrier_destroy(&start);
	return failed ? -1 : t1 - t0;
}

static int
bench(const struct bench_cfg *cfg, const char *pattern, size_t size,
		unsigned int n)
{
	unsigned int batch = 0;
	uint64_t ops;
	double t;

	if (strcmp(pattern, "batch") == 0) {
		size_t fit = cfg->batch_bytes / size;

		batch = fit > MAX_BATCH ? MAX_BATCH : fit < 1 ? 1 : (unsigned int)fit;
	}
	/* untimed warm-up (the heap grows here), then size the timed run */
	ops = batch > 0 ? batch : 1000;
	if (run(n, size, batch, ops) < 0)
		goto failed;
	do {
		ops *= 4;
		t = run(n, size, batch, ops);
		if (t < 0)
			goto failed;
	} while (t < cfg->seconds / 8 && ops < (UINT64_C(1) << 34));
	/* never fewer ops than the last sizing run */
	if (t < cfg->seconds)
		ops = (uint64_t)((double)ops * cfg->seconds / (t > 0 ? t : 1e-9));
	if (batch > 0)
		ops = (ops / batch + 1) * batch;
	if (ops == 0)
		ops = 1;
	t = run(n, size, batch, ops);
	if (t < 0)
		goto failed;
	printf("%s,%s,%zu,%u,%u,%" PRIu64 ",%.0f\n", cfg->label, pattern, size, n,
		batch, ops * n, (double)(ops * n) / t);
	fflush(stdout);
	return 0;
failed:
	printf("%s,%s,%zu,%u,%u,0,failed: %s\n", cfg->label, pattern, size, n,
		batch, rte_strerror(rte_errno));
	return -1;
}

static int
parse_list(const char *s, size_t *out, unsigned int max, unsigned int *n)
{
	char *end;

	*n = 0;
	while (*s != '\0') {
		unsigned long long v = strtoull(s, &end, 0);

		if (end == s || *n == max)
			return -1;
		if (*end == 'k' || *end == 'K')
			v <<= 10, end++;
		else if (*end == 'm' || *end == 'M')
			v <<= 20, end++;
		if (v == 0)
			return -1;
		out[(*n)++] = v;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -1;
		s = end;
	}
	return *n > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const char *patterns[] = { "pair", "batch" };
	struct bench_cfg cfg = {
		.label = "run",
		.sizes = { 64, 1024, 65536, 1 << 20 },
		.n_sizes = 4,
		.threads = { 1, 2 },
		.n_threads = 2,
		.seconds = 0.25,
		.batch_bytes = 16 << 20,
	};
	size_t tmp[MAX_THREADS];
	unsigned int s, t, p, i;
	int ret, rc = 0;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "malloc-bench: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	for (i = 1; i < (unsigned int)argc; i++) {
		const char *o = argv[i], *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(o, "--label") == 0) {
			cfg.label = v;
		} else if (strcmp(o, "--sizes") == 0) {
			if (parse_list(v, cfg.sizes, MAX_SIZES, &cfg.n_sizes) < 0)
				goto usage;
		} else if (strcmp(o, "--threads") == 0) {
			if (parse_list(v, tmp, MAX_THREADS, &cfg.n_threads) < 0)
				goto usage;
			for (t = 0; t < cfg.n_threads; t++) {
				if (tmp[t] > MAX_THREADS)
					goto usage;
				cfg.threads[t] = (unsigned int)tmp[t];
			}
		} else if (strcmp(o, "--ms") == 0) {
			cfg.seconds = strtod(v, NULL) / 1000.0;
			if (cfg.seconds <= 0)
				goto usage;
		} else if (strcmp(o, "--batch-mb") == 0) {
			cfg.batch_bytes = strtoull(v, NULL, 0) << 20;
			if (cfg.batch_bytes == 0)
				goto usage;
		} else {
			goto usage;
		}
	}
	for (p = 0; p < 2; p++)
		for (t = 0; t < cfg.n_threads; t++)
			for (s = 0; s < cfg.n_sizes; s++)
				if (bench(&cfg, patterns[p], cfg.sizes[s],
						cfg.threads[t]) < 0)
					rc = 1;
	rte_eal_cleanup();
	return rc;
usage:
	fprintf(stderr, "usage: malloc-bench [EAL args] -- [--label L] "
		"[--sizes 64,1k,...] [--threads 1,2] [--ms N] [--batch-mb N]\n");
	rte_eal_cleanup();
	return 2;
}
