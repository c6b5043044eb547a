/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel backend: plain system calls, nothing added. The selected
 * backend is a plain pointer written before rte_eal_init() (tests) and only
 * read afterwards, so it needs no lock.
 */

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_backend.h"

static int
kernel_open(const char *path, int flags)
{
	return open(path, flags);
}

static int
kernel_close(int fd)
{
	return close(fd);
}

static int
kernel_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static bool
kernel_present(void)
{
	return access("/dev/vfio/vfio", F_OK) == 0;
}

const struct vfio_backend vfio_backend_kernel = {
	.name = "kernel",
	.open = kernel_open,
	.close = kernel_close,
	.ioctl = kernel_ioctl,
	.present = kernel_present,
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
