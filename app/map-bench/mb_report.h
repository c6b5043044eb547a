/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _MB_REPORT_H_
#define _MB_REPORT_H_

/*
 * dpdk-map-bench's report: the rows that came back from the children
 * (the median of each row and source), printed as the tables, the
 * kernel/user split, the targets and the CSV.
 */

#include <stdbool.h>

#include "mb_ops.h"

#define MB_MAX_ROWS 256

struct mb_rows {
	struct mb_row r[MB_MAX_ROWS];     /* one per row and source: the median */
	struct mb_samples s[MB_MAX_ROWS]; /* what came in for it */
	unsigned int n;
};

/* The main table: ours (src), the bare loops and DPDK 22.11 (peer). */
void mb_report_table(const struct mb_rows *rows, const char *src, bool peer);

/* Per row, the time inside the kernel calls and outside them, ours and
 * bare (and iommufd's with fd). */
void mb_report_split(const struct mb_rows *rows, const char *src, bool fd);

/* The targets, reported (never asserted). */
void mb_report_targets(const struct mb_rows *rows, const char *src, bool peer);

/* The iommufd rows beside the type1 ones (--iommufd). */
void mb_report_iommufd(const struct mb_rows *rows);

/* The CSV (path "-": stdout between @CSV-BEGIN and @CSV-END). */
int mb_report_csv(const struct mb_rows *rows, const char *src, const char *path);

/* 0 when every selected row was measured without error, else -1 (after
 * saying which): a kernel refusal fails the run, a slow row never does. */
int mb_report_complete(const struct mb_rows *rows, const struct mb_opts *o,
		const char *src, bool bare, bool fd);

#endif /* _MB_REPORT_H_ */
