/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's own mapping store (app/test/model/vfio_model_store.c), the
 * oracle the record engine is compared with: random inserts, removals and
 * splits against a plain page bitmap, every lookup answered both ways.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vfio_model_store.h"

#define PAGES 512        /* the IOVA space of the test, in 4 KiB pages */
#define PG 0x1000ULL
#define ROUNDS 20000

/* owner[p]: 1 + the IOVA page where the entry holding page p starts */
static unsigned int owner[PAGES];

static long
brute_first(uint64_t iova, uint64_t last)
{
	uint64_t p;

	for (p = iova / PG; p <= last / PG && p < PAGES; p++)
		if (owner[p] != 0)
			return (long)(owner[p] - 1);
	return -1;
}

static int
test_model_store(void)
{
	struct model_store s;
	unsigned int r, p;
	uint64_t bytes = 0;

	model_store_init(&s);
	memset(owner, 0, sizeof(owner));
	srand(12345);
	for (r = 0; r < ROUNDS; r++) {
		uint64_t a = (uint64_t)(rand() % PAGES);
		uint64_t n = 1 + (uint64_t)(rand() % 8);
		uint64_t iova = a * PG, last, q;
		long want, got;
		size_t i;

		if (a + n > PAGES)
			n = PAGES - a;
		last = iova + n * PG - 1;
		/* ask from the first or the last byte of page a */
		q = iova + (rand() % 2 ? PG - 1 : 0);
		want = brute_first(q, last);
		i = model_store_first_overlap(&s, q, last);
		got = i < s.n ? (long)(s.v[i].iova / PG) : -1;
		TEST_ASSERT_EQUAL(got, want, "round %u: first overlap of "
			"[0x%" PRIx64 ", 0x%" PRIx64 "]", r, q, last);
		switch (rand() % 3) {
		case 0:    /* insert where free */
			if (want >= 0)
				break;
			{
				struct model_dma d = {
					.iova = iova, .size = n * PG,
					.vaddr = 0x10000000 + iova,
				};

				TEST_ASSERT(model_store_insert(&s, &d) >= 0,
					"round %u: insert", r);
			}
			for (p = a; p < a + n; p++)
				owner[p] = (unsigned int)a + 1;
			bytes += n * PG;
			break;
		case 1:    /* remove the entry holding a */
			got = model_store_find(&s, iova);
			TEST_ASSERT_EQUAL(got >= 0, owner[a] != 0,
				"round %u: find 0x%" PRIx64, r, iova);
			if (got < 0)
				break;
			for (p = (unsigned int)(s.v[got].iova / PG);
					p <= model_dma_last(&s.v[got]) / PG; p++)
				owner[p] = 0;
			bytes -= s.v[got].size;
			model_store_remove(&s, (size_t)got);
			break;
		default:   /* split the entry holding a at a, if inside */
			got = model_store_find(&s, iova);
			if (got < 0 || s.v[got].iova == iova)
				break;
			{
				uint64_t head = iova - s.v[got].iova;
				uint64_t va = s.v[got].vaddr;

				TEST_ASSERT_SUCCESS(model_store_split(&s,
					(size_t)got, iova), "round %u: split", r);
				TEST_ASSERT(s.v[got + 1].iova == iova &&
					s.v[got].size == head &&
					s.v[got + 1].vaddr == va + head,
					"round %u: split parts", r);
			}
			for (p = a; p < PAGES && owner[p] == owner[a - 1] &&
					owner[p] != 0; p++)
				owner[p] = (unsigned int)a + 1;
			break;
		}
		TEST_ASSERT_SUCCESS(model_store_check(&s),
			"round %u: store invariants", r);
		TEST_ASSERT_EQUAL(s.bytes, bytes, "round %u: bytes", r);
	}
	printf("model store: %u random rounds, %zu entries at the end\n",
		ROUNDS, s.n);
	model_store_fini(&s);
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_model_store_autotest, test_model_store);
