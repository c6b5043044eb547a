/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-map-bench-dpdk22: the operations of dpdk-map-bench (mb_ops.c, the
 * same source) built against Debian's DPDK 22.11, for the side-by-side
 * comparison. It prints @ROW lines only; dpdk-map-bench --dpdk PATH runs
 * it and makes the table.
 *
 * What DPDK 22.11 needs done differently is here:
 * - rte_vfio_get_container_fd() opens a new container in 22.11 (it is how
 *   the EAL creates them), so the default container's fd is found among
 *   the process's open /dev/vfio/vfio fds: the one whose IOMMU is set;
 * - there is no paged user map: one rte_vfio_container_dma_map() per page
 *   is how a DPDK application gets pages it can unmap one by one;
 * - a container's IOMMU is set only by rte_vfio_setup_device(), so the
 *   teardown group sets the device up (and releases it in the teardown).
 */

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_vfio.h>

#include "mb_ops.h"

const char *
mb_port_src(void)
{
	return "dpdk22";
}

int
mb_port_prepare(const struct mb_opts *o)
{
	(void)o;
	return 0;
}

const char *const *
mb_port_eal_args(const struct mb_opts *o, bool static_mem)
{
	/* 22.11 refuses --in-memory with --no-huge */
	static const char *const no_shconf[] = { "--no-shconf", NULL };

	(void)o;
	return static_mem ? no_shconf : NULL;
}

const char *
mb_port_sysfs(void)
{
	return "/sys";
}

int
mb_port_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

uint64_t
mb_port_dma_calls(void)
{
	return mb_ioctl_dma_calls();
}

double
mb_port_dma_secs(void)
{
	return mb_ioctl_dma_secs();
}

int
mb_port_default_container(void)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	int found = -1;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && found < 0) {
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "/dev/vfio/vfio") == 0 && mb_dma_avail(fd) >= 0)
			found = fd;
	}
	closedir(d);
	return found;
}

int
mb_port_map_paged(int container_fd, uint64_t vaddr, uint64_t iova,
		uint64_t len, uint64_t pgsz)
{
	uint64_t off;

	for (off = 0; off < len; off += pgsz)
		if (rte_vfio_container_dma_map(container_fd, vaddr + off,
				iova + off, pgsz) != 0)
			return -1;
	return 0;
}

uint64_t
mb_port_heap_page(const struct mb_opts *o)
{
	(void)o;
	return 2 * MB_MIB;
}

bool
mb_port_teardown_needs_device(void)
{
	return true;
}

int
main(int argc, char **argv)
{
	struct mb_opts o;
	int i;

	mb_opts_default(&o);
	for (i = 1; i < argc; i++) {
		if (mb_opts_parse(&o, argc, argv, &i) > 0)
			continue;
		fprintf(stderr, "usage: dpdk-map-bench-dpdk22 [options]\n"
			"(run by dpdk-map-bench --dpdk PATH; prints @ROW lines)\n");
		mb_opts_usage(stderr);
		return 2;
	}
	return mb_run_groups(&o) < 0 ? 1 : 0;
}
