/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _MB_BARE_H_
#define _MB_BARE_H_

#include <stdbool.h>

#include "mb_ops.h"

/*
 * Time the bare-ioctl variants (bare, floor, pages) of every selected row
 * on a raw container, in a child process; prints @ROW lines. Returns 0
 * when the child ran, -1 otherwise.
 */
int mb_bare_run(const struct mb_opts *o, bool model);

/* The bare loops on native iommufd (an IOAS, the device's cdev) instead of
 * a type1 container; their rows are fd_bare, fd_floor, fd_pages. */
extern bool mb_bare_iommufd;

#endif /* _MB_BARE_H_ */
