/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO type1 model: fds, groups, the ioctl dispatch and the knobs.
 * The group and device ioctls are in vfio_model_group.c, the tests'
 * observations in vfio_model_observe.c, the type1 driver itself in
 * vfio_model_iommu.c, user memory access in vfio_model_user.c, the fake
 * sysfs in vfio_model_sysfs.c.
 *
 * Lock: model.lock (a mutex) protects all model state: the fd table,
 * groups, containers and their DMA records, knobs and counters. It is the
 * innermost lock of the process: it is taken inside the VFIO lock (order 4
 * in eal_memcfg.h) and nothing is taken while holding it.
 *
 * Every model fd is a real eventfd, so fd numbers never collide with the
 * process's other fds; the table maps fd number to model object.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/vfio.h>

#include "eal_private.h"
#include "vfio_model_priv.h"

struct ioctl_count {
	unsigned long request;
	unsigned long n;
};

#define MAX_COUNTED 32

struct model_state model = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static struct fd_slot *fd_table;
static size_t fd_table_len;
static struct ioctl_count counts[MAX_COUNTED];
static unsigned long count_all;
static struct {
	unsigned long request;
	unsigned int n;
	int err;
} fail;
static bool initialized;

/* ---- fd table ---- */

struct fd_slot *
model_slot_of(int fd)
{
	if (fd < 0 || (size_t)fd >= fd_table_len ||
			fd_table[fd].kind == MODEL_FD_FREE)
		return NULL;
	return &fd_table[fd];
}

int
model_new_fd(enum model_fd_kind kind, void *obj)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	if ((size_t)fd >= fd_table_len) {
		size_t len = RTE_MAX((size_t)fd + 1, fd_table_len * 2);
		struct fd_slot *t = realloc(fd_table, len * sizeof(*t));

		if (t == NULL) {
			close(fd);
			return -ENOMEM;
		}
		memset(t + fd_table_len, 0, (len - fd_table_len) * sizeof(*t));
		fd_table = t;
		fd_table_len = len;
	}
	fd_table[fd].kind = kind;
	fd_table[fd].obj = obj;
	return fd;
}

static void
free_fd(int fd)
{
	fd_table[fd].kind = MODEL_FD_FREE;
	fd_table[fd].obj = NULL;
	close(fd);
}

/* ---- containers and groups ---- */

static void
container_free(struct model_container *c)
{
	struct model_container **p;

	model_iommu_release(c);
	for (p = &model.containers; *p != NULL; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	free(c);
}

/* Detach a group; the last group out drops every mapping and the driver. */
void
model_group_detach(struct model_group *g)
{
	struct model_container *c = g->container;

	g->container = NULL;
	c->n_groups--;
	if (c->n_groups > 0)
		return;
	model_iommu_release(c);
	if (c->fd < 0)
		container_free(c);
}

/* The group file goes away when its fd and all its device fds are closed. */
static void
group_file_release(struct model_group *g)
{
	if (g->fd >= 0 || g->devices_open > 0)
		return;
	if (g->container != NULL)
		model_group_detach(g);
	g->file_open = false;
}

static struct model_group *
group_by_num(int num)
{
	unsigned int i;

	for (i = 0; i < MODEL_MAX_GROUPS; i++)
		if (model.groups[i].present && model.groups[i].num == num)
			return &model.groups[i];
	return NULL;
}

bool
model_group_viable(const struct model_group *g)
{
	return g->other_driver[0] == '\0';
}

static int
open_container(void)
{
	struct model_container *c = calloc(1, sizeof(*c));
	int fd;

	if (c == NULL)
		return -ENOMEM;
	fd = model_new_fd(MODEL_FD_CONTAINER, c);
	if (fd < 0) {
		free(c);
		return fd;
	}
	c->fd = fd;
	c->next = model.containers;
	model.containers = c;
	return fd;
}

static int
open_group(const char *num_str)
{
	struct model_group *g;
	char *end;
	long num;
	int fd;

	errno = 0;
	num = strtol(num_str, &end, 10);
	if (errno != 0 || end == num_str || *end != '\0' || num < 0)
		return -ENOENT;
	g = group_by_num((int)num);
	if (g == NULL)
		return -ENOENT;
	/* one group file; none while a device is bound through its cdev */
	if (g->file_open || model_group_cdev_bound(g))
		return -EBUSY;
	fd = model_new_fd(MODEL_FD_GROUP, g);
	if (fd < 0)
		return fd;
	g->fd = fd;
	g->file_open = true;
	return fd;
}

static int
open_iommufd(void)
{
	void *obj;
	int fd, ret;

	ret = model_iommufd_create(&obj);
	if (ret < 0)
		return ret;
	fd = model_new_fd(MODEL_FD_IOMMUFD, obj);
	if (fd < 0) {
		model_iommufd_close(obj);
		return fd;
	}
	model_iommufd_set_fd(obj, fd);
	return fd;
}

static int
open_cdev(const char *num_str)
{
	void *obj;
	char *end;
	long num;
	int fd, ret;

	errno = 0;
	num = strtol(num_str, &end, 10);
	if (errno != 0 || end == num_str || *end != '\0' || num < 0 ||
			num > INT_MAX)
		return -ENOENT;
	ret = model_cdev_open((int)num, &obj);
	if (ret < 0)
		return ret;
	fd = model_new_fd(MODEL_FD_CDEV, obj);
	if (fd < 0)
		model_cdev_close(obj);
	return fd;
}

int
model_fd_object(int fd, void **obj)
{
	struct fd_slot *s = model_slot_of(fd);

	if (s == NULL) {
		if (fcntl(fd, F_GETFD) < 0)
			return -1;
		*obj = NULL;
		return MODEL_FD_FREE;   /* a real fd, not the model's */
	}
	*obj = s->obj;
	return s->kind;
}

static int
model_open_locked(const char *path)
{
	static const char prefix[] = "/dev/vfio/";
	static const char cdev_prefix[] = "/dev/vfio/devices/vfio";

	if (path == NULL)
		return -EFAULT;
	if (strcmp(path, "/dev/vfio/vfio") == 0)
		return open_container();
	if (strcmp(path, "/dev/iommu") == 0)
		return open_iommufd();
	if (strncmp(path, cdev_prefix, sizeof(cdev_prefix) - 1) == 0)
		return open_cdev(path + sizeof(cdev_prefix) - 1);
	if (strncmp(path, prefix, sizeof(prefix) - 1) == 0)
		return open_group(path + sizeof(prefix) - 1);
	return -ENOENT;
}

/*
 * Opens and ioctls the model received since the process started (never
 * reset): the test runner labels a test that used the model "model".
 */
static unsigned long model_calls;

unsigned long
vfio_model_calls(void)
{
	return __atomic_load_n(&model_calls, __ATOMIC_RELAXED);
}

/* A model call's result (or -errno) as the system call returns it. */
static int
syscall_result(int ret)
{
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

static int
model_open(const char *path, int flags __rte_unused)
{
	int ret;

	__atomic_fetch_add(&model_calls, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&model.lock);
	ret = model_open_locked(path);
	pthread_mutex_unlock(&model.lock);
	return syscall_result(ret);
}

static int
model_close(int fd)
{
	struct fd_slot *s;
	struct model_container *c;
	struct model_group *g;

	pthread_mutex_lock(&model.lock);
	s = model_slot_of(fd);
	if (s == NULL) {
		pthread_mutex_unlock(&model.lock);
		return close(fd);
	}
	switch (s->kind) {
	case MODEL_FD_CONTAINER:
		/* attached groups keep the container alive */
		c = s->obj;
		c->fd = -1;
		if (c->n_groups == 0)
			container_free(c);
		break;
	case MODEL_FD_GROUP:
		g = s->obj;
		g->fd = -1;
		group_file_release(g);
		break;
	case MODEL_FD_DEVICE:
		g = s->obj;
		g->devices_open--;
		group_file_release(g);
		break;
	case MODEL_FD_IOMMUFD:
		model_iommufd_close(s->obj);
		break;
	case MODEL_FD_CDEV:
		model_cdev_close(s->obj);
		break;
	case MODEL_FD_DMABUF:
		model_dmabuf_close(s->obj);
		break;
	default:
		break;
	}
	free_fd(fd);
	pthread_mutex_unlock(&model.lock);
	return 0;
}

/* ---- the backend's ioctl ---- */

static void
count_ioctl(unsigned long request)
{
	unsigned int i;

	count_all++;
	for (i = 0; i < MAX_COUNTED; i++) {
		if (counts[i].request == request || counts[i].n == 0) {
			counts[i].request = request;
			counts[i].n++;
			return;
		}
	}
}

/* Fault injection: true when this call is the armed one. */
static bool
inject_fault(unsigned long request, int *err)
{
	if (fail.n == 0 || (fail.request != 0 && fail.request != request))
		return false;
	if (--fail.n > 0)
		return false;
	*err = fail.err;
	return true;
}

static int
model_ioctl(int fd, unsigned long request, void *arg)
{
	struct fd_slot *s;
	int ret, err;

	__atomic_fetch_add(&model_calls, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&model.lock);
	s = model_slot_of(fd);
	if (s == NULL) {
		pthread_mutex_unlock(&model.lock);
		/* not a model fd (e.g. /dev/null in a test): the real call */
		return ioctl(fd, request, arg);
	}
	count_ioctl(request);
	if (inject_fault(request, &err)) {
		pthread_mutex_unlock(&model.lock);
		errno = err;
		return -1;
	}
	switch (s->kind) {
	case MODEL_FD_CONTAINER:
		ret = model_container_ioctl(s->obj, request, arg);
		break;
	case MODEL_FD_GROUP:
		ret = model_group_ioctl(s->obj, request, arg);
		break;
	case MODEL_FD_IOMMUFD:
		ret = model_iommufd_ioctl(s->obj, request, arg);
		break;
	case MODEL_FD_CDEV:
		ret = model_cdev_ioctl(s->obj, request, arg);
		break;
	case MODEL_FD_DMABUF:
		ret = -ENOTTY;      /* no dma-buf ioctl is modelled */
		break;
	default:
		ret = model_device_ioctl(request, arg);
		break;
	}
	pthread_mutex_unlock(&model.lock);
	return syscall_result(ret);
}

static bool
model_present(void)
{
	return true;
}

/* A second fd of a device cdev (the EAL's device fd); others: EINVAL. */
static int
model_dup(int fd)
{
	struct fd_slot *s;
	void *obj;
	int ret;

	pthread_mutex_lock(&model.lock);
	s = model_slot_of(fd);
	if (s == NULL) {
		pthread_mutex_unlock(&model.lock);
		return fcntl(fd, F_DUPFD_CLOEXEC, 0);
	}
	if (s->kind != MODEL_FD_CDEV) {
		pthread_mutex_unlock(&model.lock);
		errno = EINVAL;     /* not modelled */
		return -1;
	}
	obj = s->obj;
	ret = model_new_fd(MODEL_FD_CDEV, obj);
	if (ret >= 0)
		model_cdev_ref(obj);
	pthread_mutex_unlock(&model.lock);
	return syscall_result(ret);
}

static bool
model_iommufd_present(void)
{
	bool usable;

	pthread_mutex_lock(&model.lock);
	usable = model.iommufd_usable;
	pthread_mutex_unlock(&model.lock);
	return usable;
}

/* The model's own account: its limit knob, its pins, its CAP_IPC_LOCK knob. */
static int
model_memlock(uint64_t *limit, uint64_t *locked, bool *unlimited)
{
	pthread_mutex_lock(&model.lock);
	*limit = model_memlock_limit();
	*locked = model.locked_bytes;
	*unlimited = model.cap_ipc_lock || *limit == UINT64_MAX;
	pthread_mutex_unlock(&model.lock);
	return 0;
}

/* What the model's iommufd charged: the process's VmPin (read in cdev mode). */
static int
model_pinned(uint64_t *bytes)
{
	pthread_mutex_lock(&model.lock);
	*bytes = model.iommufd_pinned;
	pthread_mutex_unlock(&model.lock);
	return 0;
}

const struct vfio_backend vfio_backend_model = {
	.name = "type1 model",
	.open = model_open,
	.close = model_close,
	.ioctl = model_ioctl,
	.present = model_present,
	.memlock = model_memlock,
	.pinned = model_pinned,
	.dup = model_dup,
	.iommufd_present = model_iommufd_present,
};

/* ---- reset, groups, knobs ---- */

static bool
has_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_IPC_LOCK / 32].effective & (1U << (CAP_IPC_LOCK % 32));
}

static void
model_atexit(void)
{
	pthread_mutex_lock(&model.lock);
	model_sysfs_remove();
	pthread_mutex_unlock(&model.lock);
}

void
vfio_model_reset(void)
{
	size_t i;
	int ret;

	pthread_mutex_lock(&model.lock);
	if (!initialized) {
		atexit(model_atexit);
		initialized = true;
	}
	for (i = 0; i < fd_table_len; i++)
		if (fd_table[i].kind != MODEL_FD_FREE)
			free_fd((int)i);
	model_iommufd_reset();
	while (model.containers != NULL)
		container_free(model.containers);
	memset(model.groups, 0, sizeof(model.groups));
	model.page_size = (size_t)sysconf(_SC_PAGESIZE);
	model.dma_entry_limit = UINT16_MAX;
	model.memlock_set = false;
	model.memlock_limit = UINT64_MAX;
	model.cap_ipc_lock = has_cap_ipc_lock();
	model.v2_supported = true;
	model.dma_avail_cap = true;
	model.iommufd_compat = false;
	model.locked_bytes = 0;
	model.iommufd_pinned = 0;
	model.next_cdev = 0;
	model.kernel = VFIO_MODEL_LINUX_6_12;
	model.iommufd_usable = false;
	model.bar_export = true;
	memset(counts, 0, sizeof(counts));
	count_all = 0;
	memset(&fail, 0, sizeof(fail));
	model_sysfs_remove();
	ret = model_sysfs_create();
	if (ret < 0)
		EAL_LOG(ERR, "VFIO model: cannot create its fake sysfs tree under "
			"$TMPDIR or /tmp: %s; groups cannot be added",
			strerror(-ret));
	pthread_mutex_unlock(&model.lock);
}

/* Copy a group configuration; NULL, or what is wrong with it. */
static const char *
copy_group_cfg(struct model_group *g, const struct vfio_model_group_cfg *cfg)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->num = cfg->group_num;
	g->fd = -1;
	if (g->num < 0)
		return "the group number is negative";
	for (i = 0; i < MODEL_MAX_DEVICES && cfg->devices[i] != NULL; i++) {
		if (strlen(cfg->devices[i]) >= MODEL_NAME_LEN)
			return "a device name is too long";
		strcpy(g->devices[i], cfg->devices[i]);
	}
	g->n_devices = i;
	if (g->n_devices == 0)
		return "devices[] lists no device";
	if (cfg->other_driver != NULL) {
		if (g->n_devices < 2)
			return "other_driver needs a second device (devices[1])";
		if (strlen(cfg->other_driver) >= MODEL_NAME_LEN)
			return "the other_driver name is too long";
		strcpy(g->other_driver, cfg->other_driver);
	}
	g->aperture_bits = cfg->aperture_bits;
	g->pgsize_bitmap = cfg->pgsize_bitmap;
	g->msi_window = cfg->msi_window;
	if (g->aperture_bits > 64 ||
			(g->aperture_bits != 0 && g->aperture_bits < 32))
		return "aperture_bits must be 0 (48) or 32 to 64";
	return NULL;
}

int
vfio_model_add_group(const struct vfio_model_group_cfg *cfg)
{
	struct model_group g, *slot = NULL;
	const char *bad;
	unsigned int i;
	int ret;

	bad = copy_group_cfg(&g, cfg);
	if (bad != NULL) {
		EAL_LOG(ERR, "VFIO model: cannot add group %d: %s",
			cfg->group_num, bad);
		return eal_fail(EINVAL);
	}
	pthread_mutex_lock(&model.lock);
	for (i = 0; i < MODEL_MAX_GROUPS; i++) {
		if (model.groups[i].present && model.groups[i].num == g.num) {
			pthread_mutex_unlock(&model.lock);
			EAL_LOG(ERR, "VFIO model: group %d exists already; "
				"call vfio_model_reset() to start over", g.num);
			return eal_fail(EEXIST);
		}
		if (!model.groups[i].present && slot == NULL)
			slot = &model.groups[i];
	}
	if (slot == NULL) {
		pthread_mutex_unlock(&model.lock);
		EAL_LOG(ERR, "VFIO model: cannot add group %d: all %d group "
			"slots are used", g.num, MODEL_MAX_GROUPS);
		return eal_fail(ENOSPC);
	}
	/* every device on vfio-pci gets a cdev, numbered as it appears */
	for (i = 0; i < g.n_devices; i++)
		g.cdev[i] = i == 1 && g.other_driver[0] != '\0' ? -1 :
			model.next_cdev++;
	ret = model_sysfs_add_group(&g);
	if (ret < 0) {
		pthread_mutex_unlock(&model.lock);
		EAL_LOG(ERR, "VFIO model: cannot add group %d to the fake sysfs "
			"(%s): %s", g.num, model_sysfs_root() != NULL ?
			model_sysfs_root() : "not created; call vfio_model_reset()",
			strerror(-ret));
		return eal_fail(-ret);
	}
	*slot = g;
	slot->present = true;
	pthread_mutex_unlock(&model.lock);
	return 0;
}

const char *
vfio_model_sysfs_root(void)
{
	const char *root;

	pthread_mutex_lock(&model.lock);
	root = model_sysfs_root();
	pthread_mutex_unlock(&model.lock);
	return root;
}

void
vfio_model_fail_nth(unsigned long request, unsigned int n, int err)
{
	pthread_mutex_lock(&model.lock);
	fail.request = request;
	fail.n = n;
	fail.err = err;
	pthread_mutex_unlock(&model.lock);
}

unsigned long
vfio_model_ioctl_count(unsigned long request)
{
	unsigned long n = 0;
	unsigned int i;

	pthread_mutex_lock(&model.lock);
	if (request == 0)
		n = count_all;
	for (i = 0; request != 0 && i < MAX_COUNTED; i++)
		if (counts[i].n != 0 && counts[i].request == request)
			n = counts[i].n;
	pthread_mutex_unlock(&model.lock);
	return n;
}
