/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _TEST_VFIO_CONFORMANCE_H_
#define _TEST_VFIO_CONFORMANCE_H_

/*
 * The VFIO conformance suite, shared by its files:
 * - test_vfio_conformance.c        the runner (worlds, mirror, counts)
 * - test_vfio_conformance_env.c    raw ioctls, environments, recording
 * - test_vfio_conformance_table.c  every case with its expected results
 * - test_vfio_conformance_group.c  cases A-C: container, group, GET_INFO
 * - test_vfio_conformance_map.c    cases D-G: MAP, UNMAP v2/v1, VADDR
 * - test_vfio_conformance_iommufd.c cases I: native iommufd (IOAS, cdev)
 *
 * A case issues raw ioctls through S.be and records what it saw as a
 * string of tokens ("0", "EINVAL", "size=0x200000", ...); it passes when
 * that string equals the expectation of the backend under test. Values
 * that depend on the machine rather than on the semantics are recorded
 * relative to it (the DMA entry limit as "avail=L-1", the top of the
 * aperture as "TOP"), so one table holds in every VM configuration.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "vfio_backend.h"

#define MIB (1ULL << 20)
#define KIB4 0x1000ULL
#define CF_MAX_GROUPS 2
#define CF_GOT_LEN 512
#define CF_ENTRY_LIMIT_PARAM \
	"/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"

/* The expectation columns: the kernels a case may run on. */
enum cf_backend {
	CF_TYPE1,     /* the VFIO type1 container (VFIO_CONTAINER) */
	CF_COMPAT,    /* iommufd's type1 emulation (IOMMUFD_VFIO_CONTAINER) */
	CF_NATIVE,    /* native iommufd: /dev/iommu and VFIO device cdevs */
	CF_N_BACKENDS
};

/* What the suite runs on (one world at a time: the kernel or the model). */
struct cf_state {
	const struct vfio_backend *be;
	bool kernel;
	unsigned int n_groups;
	int group[CF_MAX_GROUPS];
	char bdf[CF_MAX_GROUPS][32];
	int cdev[CF_MAX_GROUPS];        /* vfioN of the device, -1: none */
	uint64_t ps;                    /* the system page size */
	unsigned int entry_limit;       /* dma_entry_limit in force */
	uint64_t top;                   /* last IOVA of the aperture */
	char got[CF_GOT_LEN];
	char skip[128];
};

extern struct cf_state S;

/* One case's fds and buffers, closed and unmapped by cf_env_done(). */
struct env {
	int c;
	int g[CF_MAX_GROUPS];
	int d[4];
	unsigned int n_d;
	void *buf[4];
	size_t buf_len[4];
	unsigned int n_buf;
	uint64_t lck_base;
	unsigned int limit;             /* the entry limit read at SET_IOMMU */
};

/* ---- recording ---- */
void cf_got(const char *fmt, ...) __rte_format_printf(1, 2);
const char *cf_err_name(int err);
int cf_got_rc(int ret);     /* errno name, or the value */
int cf_got_fd(int ret);     /* errno name, or "fd" */
/* an IOVA in hex into buf, "TOP" when it is the last of the aperture */
const char *cf_iova(char buf[24], uint64_t v);

/* ---- raw calls: >= 0, or -errno ---- */
int cf_io(int fd, unsigned long req, void *arg);
int cf_io_val(int fd, unsigned long req, unsigned long val);
int cf_be_open(const char *path);
int cf_open_group(unsigned int i);

/* ---- process state ---- */
uint64_t cf_locked_kib(void);
void cf_got_lck(const struct env *e);
int cf_cap_ipc_lock(int op);           /* < 0: query permitted */
int cf_set_cap_ipc_lock(bool on);
int cf_read_entry_limit(void);
int cf_set_entry_limit(int limit);

/* ---- type1 environments ---- */
void *cf_env_buf(struct env *e, size_t len, int prot);
void cf_env_init(struct env *e);
int cf_env_setup(struct env *e, unsigned int n, int type);
void cf_env_done(struct env *e);
int cf_env_device(struct env *e, unsigned int group);
void *cf_env_with_buf(struct env *e, int type);
int cf_env_ab(struct env *e, int type, uint64_t b_len);
int cf_map_dma(const struct env *e, const void *va, uint64_t iova,
		uint64_t size, uint32_t flags);
int cf_unmap_dma(const struct env *e, uint64_t iova, uint64_t size,
		uint32_t flags);
void cf_unmap_keep(const struct env *e, uint64_t iova, uint64_t size);
int cf_get_info(const struct env *e, void *buf, uint32_t argsz);
const struct vfio_info_cap_header *cf_find_cap(const void *buf, uint16_t id);
void cf_got_avail(const struct env *e);
bool cf_untouched(const void *buf, size_t from, size_t to);

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* ---- the table ---- */

#define CF_KERNEL_ONLY 0x1   /* shows what the model does not model */

struct conf_case {
	const char *id;
	const char *what;
	unsigned int groups;      /* groups (devices) the case needs */
	unsigned int flags;
	void (*run)(void);
	/* per backend; NULL: the case does not apply to that backend */
	const char *expect[CF_N_BACKENDS];
};

extern const struct conf_case cf_cases[];
extern const unsigned int cf_n_cases;
extern const char *const cf_not_run[];
extern const unsigned int cf_n_not_run;

/* the cases, by concern */
void case_a1(void);
void case_a2(void);
void case_a3(void);
void case_a4(void);
void case_a5(void);
void case_a6(void);
void case_a7(void);
void case_a7b(void);
void case_b8(void);
void case_b9(void);
void case_b11(void);
void case_b12(void);
void case_b13(void);
void case_b14(void);
void case_b15(void);
void case_b16(void);
void case_b17(void);
void case_b18(void);
void case_b19(void);
void case_b20(void);
void case_b21(void);
void case_b22(void);
void case_c23_24(void);
void case_c25(void);
void case_c26(void);
void case_c27(void);
void case_c28_29(void);
void case_c30(void);
void case_d32(void);
void case_d33_35(void);
void case_d36_38(void);
void case_d39(void);
void case_d40_41(void);
void case_d42(void);
void case_d43(void);
void case_d44(void);
void case_d45(void);
void case_d46(void);
void case_d47_48(void);
void case_e49_50(void);
void case_e51_52(void);
void case_e53_55(void);
void case_e56(void);
void case_e57(void);
void case_e58(void);
void case_e59(void);
void case_f60_61(void);
void case_f62_63(void);
void case_f64_65(void);
void case_g68_69(void);
void case_g70(void);
void case_g71(void);
void case_s11(void);
void case_i76(void);
void case_i77(void);
void case_i78(void);
void case_i79(void);
void case_i_attach(void);
void case_i_bind(void);
void case_i_lazy(void);
void case_i_dmabuf(void);

#endif /* _TEST_VFIO_CONFORMANCE_H_ */
