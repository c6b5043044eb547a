/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_probe: access to the kernel and the device: sysfs and /proc reads,
 * the type1 container ioctls (GET_INFO with its capability chain, MAP_DMA,
 * UNMAP_DMA), edu DMA through BAR0, and the kernel log's fault lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_probe.h"

int
read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int
write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

long
sysfs_long(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 0);
}

static int
cmp_edu(const void *a, const void *b)
{
	return strcmp(((const struct edu *)a)->bdf, ((const struct edu *)b)->bdf);
}

/* edu devices bound to vfio-pci, sorted by address */
int
find_edus(struct edu *edus, int max)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;
	ssize_t l;

	d = opendir("/sys/bus/pci/devices");
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		const char *base;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (sysfs_long(path) != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (sysfs_long(path) != EDU_DEVICE)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", de->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		if (l < 0)
			continue;
		link[l] = '\0';
		base = strrchr(link, '/');
		if (strcmp(base ? base + 1 : link, "vfio-pci") != 0) {
			info("edu %s is not bound to vfio-pci", de->d_name);
			continue;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
			 de->d_name);
		l = readlink(path, link, sizeof(link) - 1);
		if (l < 0)
			continue;
		link[l] = '\0';
		base = strrchr(link, '/');
		snprintf(edus[n].bdf, sizeof(edus[n].bdf), "%.63s", de->d_name);
		edus[n].group = atoi(base ? base + 1 : link);
		n++;
	}
	closedir(d);
	qsort(edus, n, sizeof(edus[0]), cmp_edu);
	return n;
}

/*
 * The value of a line of /proc/self/status (fmt: its sscanf format, one
 * conversion into *v); false when it cannot be read.
 */
static bool
status_field(const char *fmt, void *v)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = sscanf(line, fmt, v) == 1;
	fclose(f);
	return found;
}

/* VmLck of this process in KiB */
long
vmlck_kb(void)
{
	long v = -1;

	status_field("VmLck: %ld", &v);
	return v;
}

uint64_t
cap_eff(void)
{
	unsigned long long v = 0;

	status_field("CapEff: %llx", &v);
	return v;
}

/* VFIO_IOMMU_GET_INFO with argsz negotiation; parses the capability chain. */
int
get_info(struct iommu_info *ii, int verbose)
{
	struct vfio_iommu_type1_info *p;
	uint32_t sz = sizeof(*p), off;
	int tries;

	memset(ii, 0, sizeof(*ii));
	for (tries = 0; tries < 3; tries++) {
		p = calloc(1, sz);
		if (p == NULL)
			return -1;
		p->argsz = sz;
		if (ioctl(cfd, VFIO_IOMMU_GET_INFO, p) < 0) {
			free(p);
			return -1;
		}
		if (p->argsz <= sz)
			break;
		if (verbose)
			info("GET_INFO argsz %u too small, kernel asks for %u", sz, p->argsz);
		ii->argsz_needed = p->argsz;
		sz = p->argsz;
		free(p);
	}
	if (tries == 3)
		return -1;
	ii->flags = p->flags;
	ii->pgsizes = p->iova_pgsizes;
	off = (p->flags & VFIO_IOMMU_INFO_CAPS) ? p->cap_offset : 0;
	while (off != 0 && off + sizeof(struct vfio_info_cap_header) <= sz) {
		struct vfio_info_cap_header *h = (void *)((char *)p + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
			uint32_t i;

			for (i = 0; i < r->nr_iovas && i < MAX_RANGES; i++) {
				ii->start[i] = r->iova_ranges[i].start;
				ii->end[i] = r->iova_ranges[i].end;
			}
			ii->nr_ranges = (int)i;
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			struct vfio_iommu_type1_info_dma_avail *a = (void *)h;

			ii->have_avail = 1;
			ii->avail = a->avail;
		}
		if (verbose)
			info("GET_INFO capability id %u version %u at offset %u",
			     h->id, h->version, off);
		if (h->next <= off)
			break;
		off = h->next;
	}
	free(p);
	return 0;
}

long
dma_avail(void)
{
	struct iommu_info ii;

	if (get_info(&ii, 0) < 0 || !ii.have_avail)
		return -1;
	return ii.avail;
}

int
range_valid(const struct iommu_info *ii, uint64_t iova, uint64_t len)
{
	int i;

	for (i = 0; i < ii->nr_ranges; i++)
		if (iova >= ii->start[i] && iova + len - 1 <= ii->end[i])
			return 1;
	return 0;
}

int
dma_map(void *va, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	return ioctl(cfd, VFIO_IOMMU_MAP_DMA, &m);
}

/* returns the unmapped size, or -1 */
int64_t
dma_unmap(uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = len,
	};

	if (ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &u) < 0)
		return -1;
	return (int64_t)u.size;
}

/*
 * One edu DMA: to_ram = 0 copies cnt bytes from IOVA src into the device
 * buffer at dst, to_ram = 1 copies the device buffer at src to IOVA dst.
 * Polls the busy bit; returns 0 when it cleared (time in *ms), -1 on timeout.
 */
int
edu_dma(uint64_t src, uint64_t dst, uint64_t cnt, int to_ram, double *ms)
{
	double t0 = now_s();

	reg_write64(EDU_REG_DMA_SRC, src);
	reg_write64(EDU_REG_DMA_DST, dst);
	reg_write64(EDU_REG_DMA_CNT, cnt);
	reg_write64(EDU_REG_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	while (reg_read64(EDU_REG_DMA_CMD) & EDU_CMD_START) {
		if (now_s() - t0 > 5.0)
			return -1;
		usleep(1000);
	}
	if (ms != NULL)
		*ms = (now_s() - t0) * 1000;
	return 0;
}

void
fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

/*
 * Device round trip through a mapping: RAM at iova+in_off -> device buffer
 * -> RAM at iova+out_off, then compare.
 */
int
roundtrip(uint8_t *va, uint64_t iova, size_t in_off, size_t out_off,
	  unsigned int seed, const char *what)
{
	double ms1 = 0, ms2 = 0;
	int r;

	fill(va + in_off, EDU_XFER, seed);
	memset(va + out_off, 0, EDU_XFER);
	r = edu_dma(iova + in_off, EDU_BUF_ADDR, EDU_XFER, 0, &ms1);
	if (r == 0)
		r = edu_dma(EDU_BUF_ADDR, iova + out_off, EDU_XFER, 1, &ms2);
	if (r < 0) {
		check(0, "%s: edu DMA did not complete within 5 s", what);
		return -1;
	}
	fill(scratch, EDU_XFER, seed);	/* expected data */
	r = memcmp(va + out_off, scratch, EDU_XFER) == 0;
	check(r, "%s: DMA iova 0x%" PRIx64 " -> device -> iova 0x%" PRIx64
	      " (%u bytes each way, %.0f + %.0f ms): data %s", what,
	      iova + in_off, iova + out_off, EDU_XFER, ms1, ms2, r ? "matches" : "DIFFERS");
	return r ? 0 : -1;
}

/* Counts kernel log records containing "fault" since open_kmsg(). */
int
open_kmsg(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

int
count_faults(int fd, const char *what)
{
	char rec[2048];
	ssize_t n;
	int count = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = '\0';
		if (strstr(rec, "fault") != NULL || strstr(rec, "DMAR") != NULL) {
			char *msg = strchr(rec, ';');
			char *nl;

			msg = msg ? msg + 1 : rec;
			nl = strchr(msg, '\n');
			if (nl)
				*nl = '\0';
			if (count < 4)
				info("%s: kernel: %s", what, msg);
			count++;
		}
	}
	close(fd);
	return count;
}
