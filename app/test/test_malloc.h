/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_MALLOC_H_
#define _TEST_MALLOC_H_

/* Helpers of test_malloc.c that test_malloc_growth.c uses too. */

#include <stdbool.h>
#include <stddef.h>

#include <rte_malloc.h>

/* rte_malloc_get_socket_stats() of a socket into a zeroed st; 0 or -1. */
int test_malloc_stats_of(int socket, struct rte_malloc_socket_stats *st);

/* The socket's statistics add up; TEST_SUCCESS or TEST_FAILED. */
int test_malloc_stats_consistent(int socket);

/* The socket rte_malloc(SOCKET_ID_ANY) serves this thread from. */
int test_malloc_first_socket(void);

/* Every byte of [p, p + len) is v. */
bool test_malloc_all_bytes(const void *p, int v, size_t len);

#endif /* _TEST_MALLOC_H_ */
