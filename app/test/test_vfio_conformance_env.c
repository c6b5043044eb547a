/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The conformance suite's means: raw ioctls through the backend under
 * test, the environments a case starts from (container, groups, IOMMU
 * type, buffers) and the recording of what a call returned. See
 * test_vfio_conformance.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/vfio.h>

#include "test_vfio_conformance.h"
#include "vfio_model.h"


struct cf_state S;

void
cf_got(const char *fmt, ...)
{
	size_t len = strlen(S.got);
	va_list ap;

	if (len > 0 && len < CF_GOT_LEN - 1)
		S.got[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(S.got + len, CF_GOT_LEN - len, fmt, ap);
	va_end(ap);
}

const char *
cf_err_name(int err)
{
	static char other[16];

	switch (err) {
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case ENOSPC: return "ENOSPC";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EBADF: return "EBADF";
	case EBADFD: return "EBADFD";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case ENOTTY: return "ENOTTY";
	case EACCES: return "EACCES";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EOVERFLOW: return "EOVERFLOW";
	case EMSGSIZE: return "EMSGSIZE";
	case E2BIG: return "E2BIG";
	case EADDRINUSE: return "EADDRINUSE";
	default:
		snprintf(other, sizeof(other), "E%d", err);
		return other;
	}
}

/* Record a return value: the errno name on failure, else the value. */
int
cf_got_rc(int ret)
{
	if (ret < 0)
		cf_got("%s", cf_err_name(-ret));
	else
		cf_got("%d", ret);
	return ret;
}

/* Record an fd-returning call: "fd" for any fd. */
int
cf_got_fd(int ret)
{
	if (ret < 0)
		cf_got("%s", cf_err_name(-ret));
	else
		cf_got("fd");
	return ret;
}

int
cf_io(int fd, unsigned long req, void *arg)
{
	int ret = S.be->ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

int
cf_io_val(int fd, unsigned long req, unsigned long val)
{
	return cf_io(fd, req, (void *)(uintptr_t)val);
}

int
cf_be_open(const char *path)
{
	int ret = S.be->open(path, O_RDWR | O_CLOEXEC);

	return ret < 0 ? -errno : ret;
}

int
cf_open_group(unsigned int i)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", S.group[i]);
	return cf_be_open(path);
}

/* ---- process state: locked memory, capability, rlimit, entry limit ---- */

uint64_t
cf_locked_kib(void)
{
	char line[256];
	uint64_t kib = 0;
	FILE *f;

	if (!S.kernel)
		return vfio_model_locked_bytes() / 1024;
	f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %" SCNu64, &kib) == 1)
			break;
	fclose(f);
	return kib;
}

void
cf_got_lck(const struct env *e)
{
	int64_t d = (int64_t)cf_locked_kib() - (int64_t)e->lck_base;

	if (d == 0)
		cf_got("lck=base");
	else
		cf_got("lck%+" PRId64, d);
}

int
cf_cap_ipc_lock(int op)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];
	const unsigned int w = CAP_IPC_LOCK / 32, bit = 1U << (CAP_IPC_LOCK % 32);

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	if (op < 0)
		return !!(data[w].permitted & bit);
	if (op)
		data[w].effective |= bit;
	else
		data[w].effective &= ~bit;
	return syscall(SYS_capset, &hdr, data) < 0 ? -1 : 0;
}

/* Give or take CAP_IPC_LOCK: the model's knob, or the real capability. */
int
cf_set_cap_ipc_lock(bool on)
{
	if (!S.kernel) {
		vfio_model_set_cap_ipc_lock(on);
		return 0;
	}
	return cf_cap_ipc_lock(on);
}

int
cf_read_entry_limit(void)
{
	FILE *f = fopen(CF_ENTRY_LIMIT_PARAM, "r");
	int v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int
cf_set_entry_limit(int limit)
{
	FILE *f;
	int ret;

	if (!S.kernel) {
		vfio_model_set_dma_entry_limit(limit);
		S.entry_limit = limit;
		return 0;
	}
	f = fopen(CF_ENTRY_LIMIT_PARAM, "w");
	if (f == NULL)
		return -1;
	ret = fprintf(f, "%d\n", limit) > 0 ? 0 : -1;
	if (fclose(f) != 0)
		ret = -1;
	if (ret == 0)
		S.entry_limit = limit;
	return ret;
}

/* ---- case environment ---- */

void *
cf_env_buf(struct env *e, size_t len, int prot)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || e->n_buf == RTE_DIM(e->buf))
		return NULL;
	memset(p, 0x5a, len);
	if (prot != (PROT_READ | PROT_WRITE))
		mprotect(p, len, prot);
	e->buf[e->n_buf] = p;
	e->buf_len[e->n_buf++] = len;
	return p;
}

void
cf_env_init(struct env *e)
{
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->c = -1;
	for (i = 0; i < CF_MAX_GROUPS; i++)
		e->g[i] = -1;
	e->lck_base = cf_locked_kib();
}

/*
 * Container, n groups attached, and SET_IOMMU(type) unless type is 0.
 * A failing step is recorded ("setup:<step>=<err>") so the case fails.
 */
int
cf_env_setup(struct env *e, unsigned int n, int type)
{
	unsigned int i;
	int ret;

	cf_env_init(e);
	e->c = cf_be_open("/dev/vfio/vfio");
	if (e->c < 0) {
		cf_got("setup:open-container=%s", cf_err_name(-e->c));
		return -1;
	}
	for (i = 0; i < n; i++) {
		e->g[i] = cf_open_group(i);
		if (e->g[i] < 0) {
			cf_got("setup:open-group=%s", cf_err_name(-e->g[i]));
			return -1;
		}
		ret = cf_io(e->g[i], VFIO_GROUP_SET_CONTAINER, &e->c);
		if (ret < 0) {
			cf_got("setup:set-container=%s", cf_err_name(-ret));
			return -1;
		}
	}
	if (type != 0) {
		/* type1 reads dma_entry_limit here */
		e->limit = S.entry_limit;
		ret = cf_io_val(e->c, VFIO_SET_IOMMU, type);
		if (ret < 0) {
			cf_got("setup:set-iommu=%s", cf_err_name(-ret));
			return -1;
		}
	}
	return 0;
}

void
cf_env_done(struct env *e)
{
	unsigned int i;

	for (i = 0; i < e->n_d; i++)
		if (e->d[i] >= 0)
			S.be->close(e->d[i]);
	for (i = 0; i < CF_MAX_GROUPS; i++)
		if (e->g[i] >= 0)
			S.be->close(e->g[i]);
	if (e->c >= 0)
		S.be->close(e->c);
	for (i = 0; i < e->n_buf; i++)
		munmap(e->buf[i], e->buf_len[i]);
	e->n_buf = 0;
}

int
cf_env_device(struct env *e, unsigned int group)
{
	int fd = cf_io(e->g[group], VFIO_GROUP_GET_DEVICE_FD, S.bdf[group]);

	if (fd >= 0 && e->n_d < RTE_DIM(e->d))
		e->d[e->n_d++] = fd;
	return fd;
}

int
cf_map_dma(const struct env *e, const void *va, uint64_t iova, uint64_t size,
		uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags,
		.vaddr = (uintptr_t)va, .iova = iova, .size = size,
	};

	return cf_io(e->c, VFIO_IOMMU_MAP_DMA, &m);
}

/* UNMAP and record "rc size=0x..": the size field as the kernel left it. */
int
cf_unmap_dma(const struct env *e, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};
	int ret;

	ret = cf_io(e->c, VFIO_IOMMU_UNMAP_DMA, &u);
	cf_got_rc(ret);
	cf_got("size=0x%" PRIx64, (uint64_t)u.size);
	return ret;
}

/* GET_INFO into buf (argsz bytes, pre-filled with 0xa5). */
int
cf_get_info(const struct env *e, void *buf, uint32_t argsz)
{
	struct vfio_iommu_type1_info *info = buf;

	memset(buf, 0xa5, 512);
	info->argsz = argsz;
	return cf_io(e->c, VFIO_IOMMU_GET_INFO, buf);
}

const struct vfio_info_cap_header *
cf_find_cap(const void *buf, uint16_t id)
{
	const struct vfio_iommu_type1_info *info = buf;
	uint32_t off = info->cap_offset;
	unsigned int hops = 0;

	while (off != 0 && off < 512 && hops++ < 8) {
		const struct vfio_info_cap_header *h =
			(const void *)((const char *)buf + off);

		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

void
cf_got_avail(const struct env *e)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info_dma_avail *a;

	if (cf_get_info(e, buf, sizeof(buf)) < 0) {
		cf_got("avail=?");
		return;
	}
	a = (const void *)cf_find_cap(buf, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	if (a == NULL)
		cf_got("avail=none");
	else if (a->avail == UINT32_MAX)
		cf_got("avail=max");     /* iommufd has no entry limit */
	else if (a->avail == e->limit)
		cf_got("avail=L");
	else if (a->avail < e->limit)
		cf_got("avail=L-%u", e->limit - a->avail);
	else
		cf_got("avail=L+%u", a->avail - e->limit);
}

const char *
cf_iova(char buf[24], uint64_t v)
{
	if (v == S.top)
		snprintf(buf, 24, "TOP");
	else
		snprintf(buf, 24, "0x%" PRIx64, v);
	return buf;
}

/* A container with SET_IOMMU(type) and a 2 MiB R/W buffer; NULL on error. */
void *
cf_env_with_buf(struct env *e, int type)
{
	if (cf_env_setup(e, 1, type) < 0)
		return NULL;
	return cf_env_buf(e, 2 * MIB, PROT_READ | PROT_WRITE);
}

/* A = 2 MiB at 1 MiB, B = b_len at 3 MiB (none when 0). */
int
cf_env_ab(struct env *e, int type, uint64_t b_len)
{
	char *a = cf_env_with_buf(e, type);
	char *b;

	if (a == NULL)
		return -1;
	if (cf_map_dma(e, a, MIB, 2 * MIB, RW) < 0) {
		cf_got("setup:map-A");
		return -1;
	}
	if (b_len == 0)
		return 0;
	b = cf_env_buf(e, b_len, PROT_READ | PROT_WRITE);
	if (b == NULL || cf_map_dma(e, b, 3 * MIB, b_len, RW) < 0) {
		cf_got("setup:map-B");
		return -1;
	}
	return 0;
}

/* UNMAP recording whether the size field was left as written. */
void
cf_unmap_keep(const struct env *e, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};
	int ret;

	ret = cf_io(e->c, VFIO_IOMMU_UNMAP_DMA, &u);
	cf_got_rc(ret);
	if (u.size == size)
		cf_got("size=unchanged");
	else
		cf_got("size=0x%" PRIx64, (uint64_t)u.size);
}

bool
cf_untouched(const void *buf, size_t from, size_t to)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != 0xa5)
			return false;
	return true;
}

