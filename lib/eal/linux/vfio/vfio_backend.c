/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel backend: plain system calls, nothing added. The selected
 * backend is a plain pointer written before rte_eal_init() (tests) and only
 * read afterwards, so it needs no lock.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "vfio_backend.h"

/* calls that reached the kernel's VFIO (see vfio_backend_kernel_calls) */
static uint64_t kernel_calls;

static int
kernel_open(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd >= 0)
		__atomic_fetch_add(&kernel_calls, 1, __ATOMIC_RELAXED);
	return fd;
}

static int
kernel_close(int fd)
{
	return close(fd);
}

static int
kernel_ioctl(int fd, unsigned long request, void *arg)
{
	__atomic_fetch_add(&kernel_calls, 1, __ATOMIC_RELAXED);
	return ioctl(fd, request, arg);
}

static bool
kernel_present(void)
{
	return access("/dev/vfio/vfio", F_OK) == 0;
}

/*
 * A "Vm...: N kB" line of /proc/self/status: VmLck (the mm's locked_vm,
 * which type1 charges) or VmPin (its pinned_vm, which iommufd raises).
 */
static int
read_status_kib(const char *key, uint64_t *bytes)
{
	char line[256];
	uint64_t kib;
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, key, strlen(key)) == 0 &&
			sscanf(line + strlen(key), ": %" SCNu64 " kB", &kib) == 1;
	fclose(f);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	*bytes = kib * 1024;
	return 0;
}

/*
 * type1 asks capable(CAP_IPC_LOCK), which looks at the initial user
 * namespace: inside another one (a rootless container) the capability
 * does not lift the limit, so it only counts with the identity uid map.
 */
static bool
in_initial_user_ns(void)
{
	/*
	 * Read once: a process changes user namespace only by unshare() or
	 * setns(), which a DPDK application does not do while it maps; the
	 * check runs before every map, and the read is four system calls.
	 * 0: not read yet, 1: initial, 2: another namespace.
	 */
	static int known;
	unsigned long inner, outer, count;
	bool initial = true;
	int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
	FILE *f;

	if (k != 0)
		return k == 1;
	f = fopen("/proc/self/uid_map", "r");
	if (f == NULL) {
		/* no user namespaces in this kernel: the initial is the only one */
		__atomic_store_n(&known, 1, __ATOMIC_RELAXED);
		return true;
	}
	if (fscanf(f, "%lu %lu %lu", &inner, &outer, &count) == 3)
		initial = inner == 0 && outer == 0 && count == 4294967295UL;
	fclose(f);
	__atomic_store_n(&known, initial ? 1 : 2, __ATOMIC_RELAXED);
	return initial;
}

static bool
has_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return false;
	if (!(data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &
			CAP_TO_MASK(CAP_IPC_LOCK)))
		return false;
	return in_initial_user_ns();
}

static int
kernel_memlock(uint64_t *limit, uint64_t *locked, bool *unlimited)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return -1;
	*limit = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
	*unlimited = rl.rlim_cur == RLIM_INFINITY || has_cap_ipc_lock();
	*locked = 0;
	/* the usual case (root, or no limit) needs no /proc read */
	if (*unlimited)
		return 0;
	return read_status_kib("VmLck", locked);
}

static int
kernel_pinned(uint64_t *bytes)
{
	return read_status_kib("VmPin", bytes);
}

const struct vfio_backend vfio_backend_kernel = {
	.name = "kernel",
	.open = kernel_open,
	.close = kernel_close,
	.ioctl = kernel_ioctl,
	.present = kernel_present,
	.memlock = kernel_memlock,
	.pinned = kernel_pinned,
};

static const struct vfio_backend *current_backend = &vfio_backend_kernel;

const struct vfio_backend *
vfio_backend(void)
{
	return current_backend;
}

void
vfio_backend_select(const struct vfio_backend *be)
{
	current_backend = be != NULL ? be : &vfio_backend_kernel;
}

uint64_t
vfio_backend_kernel_calls(void)
{
	return __atomic_load_n(&kernel_calls, __ATOMIC_RELAXED);
}
