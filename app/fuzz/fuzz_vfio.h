/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _FUZZ_VFIO_H_
#define _FUZZ_VFIO_H_

/*
 * State shared by the fuzz target's files: fuzz_vfio.c (inputs, the
 * well-formed steps, the checks after every step) and fuzz_vfio_hostile.c
 * (malformed ranges, bad fds, devices, container destruction, the heap's
 * kept pages).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <rte_vfio.h>

#define DEF RTE_VFIO_DEFAULT_CONTAINER_FD
#define N_CONT 3                /* slot 0: the default container */
#define N_GROUPS 3
#define GROUP_BASE 90
#define BUF_PAGES 32
#define EXT_PAGES 8
#define N_EXT 2
#define N_ALLOCS 16
#define MAX_STEPS 64
#define MAX_UNITS 256
#define IOVA_BASE 0x40000000ULL
#define EXT_IOVA 0x80000000ULL
#define EXT_HEAP "fuzz_ext"

struct unit {
	uint64_t va, iova, len;
	uint32_t refcnt;
	bool paged;
};

struct cont {
	int fd;                         /* API fd (DEF is -1 too) */
	bool valid;                     /* the container exists */
	unsigned int n;
	struct unit u[MAX_UNITS];       /* user maps the API reported made */
};

struct alloc {
	void *p;
	size_t len;
};

/* What the steps know of an IOMMU group (the model's GROUP_BASE + i). */
struct group {
	int slot;                       /* container slot it is bound to, -1: none */
	bool app_bound;                 /* bound by rte_vfio_container_group_bind() */
	int fd;                         /* its fd while bound, else -1 */
	int dev_fd;                     /* its device while set up, else -1 */
};

struct fuzz_state {
	uint64_t pg;
	uint8_t *buf;                   /* user memory, mapped by the steps */
	uint8_t *ext[N_EXT];            /* external heap regions */
	bool ext_added[N_EXT];
	struct cont c[N_CONT];
	struct alloc a[N_ALLOCS];
	struct group g[N_GROUPS];
	int closed_fd;                  /* the fd number of the last container destroyed */
	int null_fd;                    /* /dev/null: an fd of another kind */
	int file_fd;                    /* a memfd: a regular file */
	bool fault_armed;               /* a kernel or allocation fault for this step */
	bool verbose;
	unsigned int step;
};

extern struct fuzz_state fz;

void __attribute__((noreturn)) violation(const char *what);
/* A failure must say why: never a stale or zero rte_errno. */
void check_failure(int err);

void shadow_add(struct cont *c, uint64_t va, uint64_t iova, uint64_t len, bool paged);
void shadow_unmap(struct cont *c, uint64_t iova, uint64_t len);

/*
 * A digest of everything a refused call must leave alone: every
 * container's state, records (with references and owners) and kernel
 * mappings, and the bytes the kernel holds pinned.
 */
uint64_t fuzz_state_digest(void);

/*
 * A call was refused with err: it must be one of allowed[] (any non-zero
 * errno while a fault is armed: the fault's errno) and the digest must
 * equal before. what names the call for the violation message.
 */
void fuzz_refused(const char *what, int err, uint64_t before,
		const int *allowed, unsigned int n_allowed);

/* The result of a map or unmap the steps made: shadow or check. */
void fuzz_map_result(struct cont *ct, int ret, int err, uint64_t before,
		uint64_t va, uint64_t iova, uint64_t len, int mode);
enum { MODE_MAP, MODE_PAGED, MODE_UNMAP };

/* fuzz_vfio_hostile.c */
void hostile_start(void);
void hostile_finish(void);
void step_wild(uint8_t a, uint8_t b, uint8_t c);
void step_bad_fd(uint8_t a, uint8_t b, uint8_t c);
void step_device(uint8_t a, uint8_t b, bool setup);
void step_destroy(uint8_t a, bool recreate);
void step_group(uint8_t a, uint8_t b, bool bind);
void step_keep(uint8_t a, uint8_t b);

#endif /* _FUZZ_VFIO_H_ */
