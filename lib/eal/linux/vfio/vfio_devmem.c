/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device memory mapped through the plain user-map API: recognised at map
 * time and owned by its device, whatever way its address was obtained
 * (the mmap of a VFIO device fd's region, the bus's BAR mapping, a sysfs
 * resourceN mmap, a VA the application moved with mremap).
 *
 * Recognition: a VMA of the range has VM_IO or VM_PFNMAP (VmFlags "io" /
 * "pf" in /proc/self/smaps). Heap and external memory never get this look:
 * a memseg list holds them, which is answered from memory; other normal
 * memory is told by one madvise(MADV_POPULATE_WRITE), which the kernel
 * refuses for VM_IO / VM_PFNMAP, before smaps is read.
 * Owner: the kernel faulted the pages in for MAP_DMA, so
 * /proc/self/pagemap gives their frame (to a process with CAP_SYS_ADMIN;
 * others read 0); the device whose BAR (sysfs "resource") holds that
 * physical address, if this EAL opened it. A sysfs resourceN mmap names
 * its device in the VMA's file, which needs no privilege.
 * Why: type1 does not track a BAR's VMA and keeps its mapping after the
 * device is released, reset or unbound; a later DMA would then reach
 * whatever that address decodes to next.
 *
 * Everything named *_locked runs with the VFIO lock held
 * (vfio_container.c); vfio_devmem_probe() runs before it is taken.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_memory.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_device_ops.h"
#include "vfio_devmem.h"
#include "vfio_dmabuf.h"
#include "vfio_private.h"

/* Linux 5.14; an older kernel answers EINVAL and smaps decides */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static const char *smaps_path = "/proc/self/smaps";
static const char *pagemap_path = "/proc/self/pagemap";
/* tests replaced smaps: it alone says what is device memory */
static bool faked;
/* the bus's answer for BAR mappings it made itself */
static vfio_devmem_resolver_t bus_resolver;

void
vfio_devmem_set_resolver(vfio_devmem_resolver_t fn)
{
	bus_resolver = fn;
}

int
vfio_devmem_resolve_locked(uint64_t vaddr, uint64_t len, char *bdf,
		size_t size, unsigned int *bar, uint64_t *offset)
{
	vfio_assert_locked();
	return bus_resolver != NULL ?
		bus_resolver(vaddr, len, bdf, size, bar, offset) : -1;
}

void
vfio_devmem_set_proc(const char *smaps, const char *pagemap)
{
	faked = smaps != NULL;
	smaps_path = smaps != NULL ? smaps : "/proc/self/smaps";
	pagemap_path = pagemap != NULL ? pagemap : "/proc/self/pagemap";
}

/* ---- recognition (no lock) ---- */

static bool
in_memseg_list(uint64_t vaddr, uint64_t len)
{
	const struct rte_memseg_list *msl;

	msl = rte_mem_virt2memseg_list((void *)(uintptr_t)vaddr);
	return msl != NULL && vaddr + len - (uintptr_t)msl->base_va <= msl->len;
}

/* "/sys/devices/pci0000:00/0000:00:04.0/resource0" names 0000:00:04.0. */
static void
bdf_from_file(const char *file, char *bdf, size_t size)
{
	const char *leaf = strrchr(file, '/');
	const char *dir;
	size_t n;

	bdf[0] = '\0';
	if (leaf == NULL || strncmp(leaf + 1, "resource", 8) != 0 ||
			leaf[9] < '0' || leaf[9] > '5')
		return;
	for (dir = leaf; dir > file && dir[-1] != '/'; dir--)
		;
	n = (size_t)(leaf - dir);
	if (n == 0 || n >= size)
		return;
	memcpy(bdf, dir, n);
	bdf[n] = '\0';
}

static bool
has_flag(const char *flags, const char *f)
{
	const char *p = flags;
	size_t n = strlen(f);

	while ((p = strstr(p, f)) != NULL) {
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' ||
				p[n] == '\n' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

void
vfio_devmem_probe(uint64_t vaddr, uint64_t len, struct vfio_devmem_probe *p)
{
	uint64_t end = vaddr + len;
	bool inside = false;
	char *line = NULL, file[sizeof(p->vma_file)] = "";
	uint64_t vma_off = 0;
	size_t cap = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (len == 0 || end < vaddr || in_memseg_list(vaddr, len))
		return;
	/*
	 * Populating for write is what MAP_DMA's pinning does to normal
	 * memory anyway, and the kernel refuses it for VM_IO / VM_PFNMAP: a
	 * success proves normal memory without reading smaps, whose read
	 * costs milliseconds (it walks every VMA's pages). ENOMEM: nothing is
	 * mapped there, the kernel refuses the map itself.
	 */
	if (!faked && (madvise((void *)(uintptr_t)vaddr, len,
			MADV_POPULATE_WRITE) == 0 || errno == ENOMEM))
		return;
	f = fopen(smaps_path, "re");
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long s, e, fo;
		int off = 0;

		/* a VMA's header starts with a hex digit, its keys with a capital */
		if ((line[0] >= '0' && line[0] <= '9') ||
				(line[0] >= 'a' && line[0] <= 'f')) {
			if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &s, &e,
					&fo, &off) < 3)
				continue;
			if (s >= end)
				break;
			inside = e > vaddr;
			if (inside) {
				vma_off = fo + (vaddr > s ? vaddr - s : 0);
				snprintf(file, sizeof(file), "%s", off > 0 ?
					line + off : "");
				file[strcspn(file, "\n")] = '\0';
			}
			continue;
		}
		if (!inside || strncmp(line, "VmFlags:", 8) != 0)
			continue;
		if (has_flag(line + 8, "io") || has_flag(line + 8, "pf")) {
			p->device = true;
			snprintf(p->vma_file, sizeof(p->vma_file), "%s",
				file[0] != '\0' ? file : "anonymous");
			bdf_from_file(file, p->bdf, sizeof(p->bdf));
			p->vfio_file = strcmp(file, "anon_inode:[vfio-device]") == 0;
			p->vma_off = vma_off;
			break;
		}
		inside = false;
	}
	free(line);
	fclose(f);
}

/* ---- the owner (VFIO lock held) ---- */

/*
 * The physical address behind vaddr: 0, -1 with *why when the page is not
 * present or its frame is hidden (no CAP_SYS_ADMIN).
 */
static int
phys_of(uint64_t vaddr, uint64_t *pa, const char **why)
{
	uint64_t pg = vfio_system_page_size(), ent = 0;
	ssize_t n;
	int fd;

	fd = open(pagemap_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = "/proc/self/pagemap cannot be read";
		return -1;
	}
	n = pread(fd, &ent, sizeof(ent), (off_t)(vaddr / pg * sizeof(ent)));
	close(fd);
	if (n != (ssize_t)sizeof(ent) || !(ent & (1ULL << 63))) {
		*why = "/proc/self/pagemap shows no frame for it (Linux hides the frames of VM_PFNMAP memory there)";
		return -1;
	}
	if ((ent & ((1ULL << 55) - 1)) == 0) {
		*why = "the process may not read page frames (/proc/self/pagemap needs CAP_SYS_ADMIN)";
		return -1;
	}
	*pa = (ent & ((1ULL << 55) - 1)) * pg + vaddr % pg;
	return 0;
}

/* The device whose BAR 0-5 holds [pa, pa + len): its name in bdf. */
static int
bar_device(uint64_t pa, uint64_t len, char *bdf, size_t size)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;
	int found = -1;

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices", eal_sysfs_root());
	d = opendir(dir);
	if (d == NULL)
		return -1;
	while (found < 0 && (de = readdir(d)) != NULL) {
		unsigned long long s, e, fl;
		unsigned int bar;
		FILE *f;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= size)
			continue;
		snprintf(path, sizeof(path), "%s/%s/resource", dir, de->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		for (bar = 0; bar < 6 && fscanf(f, "%llx %llx %llx", &s, &e,
				&fl) == 3; bar++) {
			if (e <= s || pa < s || pa + len - 1 > e)
				continue;
			memcpy(bdf, de->d_name, strlen(de->d_name) + 1);
			found = (int)bar;
			break;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/* What was removed with a device, for a clear answer to a later unmap. */
#define REMOVED_MAX 32
static struct {
	const struct vfio_container *cont;
	uint64_t vaddr, iova, len;
	char dev[32];
} removed[REMOVED_MAX];
static unsigned int removed_next;

static void
removed_forget(const struct vfio_container *cont, uint64_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < REMOVED_MAX; i++)
		if (removed[i].cont == cont && (len == 0 ||
				(removed[i].iova < iova + len &&
				iova < removed[i].iova + removed[i].len)))
			removed[i].cont = NULL;
}

void
vfio_devmem_forget_locked(const struct vfio_container *cont)
{
	vfio_assert_locked();
	removed_forget(cont, 0, 0);
}

/*
 * Native iommufd: the device must be known before the map, since the
 * kernel maps its BAR's dma-buf, not the address (vfio_dmabuf.c). The
 * frames in pagemap are no help here: iommufd never faults the BAR in.
 */
static int
map_dmabuf(struct vfio_container *cont, const struct vfio_devmem_probe *p,
		uint64_t vaddr, uint64_t iova, uint64_t len)
{
	struct vfio_record unit = {
		.iova = iova, .vaddr = vaddr, .len = len,
		.kind = VFIO_REC_DEVICE, .refcnt = 1,
	};
	struct vfio_dmabuf_src src;
	const char *why;

	if (vfio_dmabuf_source_locked(p, 0, vaddr, len, &src, &why) < 0) {
		cont->stats.refused_checks++;
		EAL_LOG(ERR, "VFIO: user map of vaddr 0x%" PRIx64 " len 0x%" PRIx64 " is device memory (%s) that native iommufd cannot map: it maps a BAR only through its device's dma-buf (IOMMU_IOAS_MAP_FILE, Linux 6.19+), and %s; map a BAR of a device set up with rte_vfio_setup_device(), or use --vfio-mode=group (ENOTSUP)",
			vaddr, len, p->vma_file, why);
		return eal_fail(ENOTSUP);
	}
	if (vfio_dmabuf_check_locked(cont, src.id, src.dev, "user map") < 0) {
		cont->stats.refused_checks++;
		return -1;
	}
	unit.owner = VFIO_OWNER_USER | src.id;
	unit.bar = src.bar;
	unit.bar_off = src.off;
	if (vfio_dma_map_units_locked(cont, &unit, 1) < 0)
		return -1;
	removed_forget(cont, iova, len);
	EAL_LOG(DEBUG, "VFIO: user map of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " is BAR %u + 0x%" PRIx64 " of %s, mapped as a dma-buf: unmapped when it is released",
		vaddr, iova, len, src.bar, src.off, src.dev);
	return 0;
}

int
vfio_devmem_map_locked(struct vfio_container *cont,
		const struct vfio_devmem_probe *p, uint64_t vaddr, uint64_t iova,
		uint64_t len)
{
	struct vfio_record unit = {
		.iova = iova, .vaddr = vaddr, .len = len,
		.kind = VFIO_REC_DEVICE, .owner = VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN,
		.refcnt = 1,
	};
	const char *why = NULL;
	char bdf[sizeof(p->bdf)] = "";
	struct vfio_record *r;
	uint64_t pa = 0, id = 0, bar_off = 0;
	unsigned int bar = 0;

	vfio_assert_locked();
	if (vfio_dmabuf_used(cont))
		return map_dmabuf(cont, p, vaddr, iova, len);
	if (vfio_dma_map_units_locked(cont, &unit, 1) < 0)
		return -1;
	removed_forget(cont, iova, len);
	/* the kernel faulted the pages in for MAP_DMA: their frames show now */
	if (phys_of(vaddr, &pa, &why) == 0) {
		uint64_t pa_last;

		if (bar_device(pa, 1, bdf, sizeof(bdf)) < 0) {
			why = "its physical address is in no PCI BAR sysfs lists";
			bdf[0] = '\0';
		} else if (len > vfio_system_page_size() &&
				phys_of(vaddr + len - 1, &pa_last, &why) == 0 &&
				pa_last != pa + len - 1) {
			why = "it is not one physically contiguous piece of a BAR";
			bdf[0] = '\0';
		}
	}
	if (bdf[0] == '\0' && vfio_devmem_resolve_locked(vaddr, len, bdf,
			sizeof(bdf), &bar, &bar_off) == 0)
		why = NULL;    /* a BAR mapping the bus made itself */
	if (bdf[0] == '\0' && p->bdf[0] != '\0') {
		/* a sysfs resourceN mmap names its device: no privilege needed */
		snprintf(bdf, sizeof(bdf), "%s", p->bdf);
		why = NULL;
	}
	if (bdf[0] == '\0' && p->vfio_file) {
		/*
		 * A VFIO device fd's mmap (moved or not) shows only its region
		 * offset, alike for every device: it names the device when one
		 * device open here has a BAR region there.
		 */
		unsigned int n = vfio_device_region_owners_locked(0,
				p->vma_off, len, bdf, sizeof(bdf), &bar, &bar_off);

		if (n == 1)
			why = NULL;
		else {
			bdf[0] = '\0';
			why = n == 0 ? "no device open through this EAL has a BAR region at its VFIO offset" :
				"several devices open through this EAL have a BAR region at its VFIO offset, and a device fd's mmap does not say whose it is";
		}
	}
	if (bdf[0] != '\0') {
		id = vfio_device_id_by_name_locked(bdf);
		if (id == 0)
			why = "the device is not open through this EAL (rte_vfio_setup_device), so its release cannot be seen";
	}
	r = vfio_records_lookup(cont->records, iova);
	if (id != 0 && r != NULL && r->iova == iova) {
		r->owner = VFIO_OWNER_USER | id;
		EAL_LOG(DEBUG, "VFIO: user map of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " is device memory of %s: unmapped when it is released",
			vaddr, iova, len, bdf);
		return 0;
	}
	EAL_LOG(WARNING, "VFIO: user map of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 " is device memory (%s%s%s) whose device cannot be determined: %s; it is unmapped at the next release or reset of any device, or unbind of any group",
		vaddr, iova, len, p->vma_file, bdf[0] != '\0' ? " of " : "",
		bdf, why != NULL ? why : "unknown reason");
	return 0;
}

int
vfio_devmem_check_unmap_locked(const struct vfio_container *cont,
		uint64_t vaddr, uint64_t iova, uint64_t len)
{
	unsigned int i;

	vfio_assert_locked();
	if (vfio_records_first_overlap(cont->records, iova, len) != NULL)
		return 0;
	for (i = 0; i < REMOVED_MAX; i++) {
		if (removed[i].cont != cont || removed[i].iova != iova ||
				removed[i].len != len)
			continue;
		EAL_LOG(ERR, "VFIO: unmap of vaddr 0x%" PRIx64 " IOVA 0x%" PRIx64 " len 0x%" PRIx64 ": this device memory was already unmapped when its device %s was released, reset or unbound; nothing to do (ENOENT)",
			vaddr, iova, len, removed[i].dev);
		return eal_fail(ENOENT);
	}
	return 0;
}

static void
note_removed(const struct vfio_container *cont, uint64_t owner,
		const char *dev)
{
	const struct vfio_record *r;

	for (r = vfio_records_first(cont->records); r != NULL;
			r = vfio_records_next(cont->records, r)) {
		if (r->kind != VFIO_REC_DEVICE || r->owner != owner)
			continue;
		removed[removed_next].cont = cont;
		removed[removed_next].vaddr = r->vaddr;
		removed[removed_next].iova = r->iova;
		removed[removed_next].len = r->len;
		snprintf(removed[removed_next].dev,
			sizeof(removed[removed_next].dev), "%s", dev);
		removed_next = (removed_next + 1) % REMOVED_MAX;
	}
}

static int
release_one(struct vfio_container *cont, uint64_t owner, const char *dev,
		int *err)
{
	if (owner & VFIO_OWNER_USER)
		note_removed(cont, owner, dev);
	if (vfio_dma_release_owner_locked(cont, VFIO_REC_DEVICE, owner) == 0)
		return 0;
	*err = rte_errno;
	return -1;
}

int
vfio_devmem_release_locked(struct vfio_container *cont, uint64_t id,
		const char *dev)
{
	int ret = 0, err = 0;

	vfio_assert_locked();
	if (release_one(cont, id, dev, &err) < 0)
		ret = -1;
	if (release_one(cont, VFIO_OWNER_USER | id, dev, &err) < 0)
		ret = -1;
	if (release_one(cont, VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN,
			"(unknown)", &err) < 0)
		ret = -1;
	if (ret < 0)
		rte_errno = err;
	return ret;
}

int
vfio_devmem_release_unknown_locked(struct vfio_container *cont)
{
	int err = 0;

	vfio_assert_locked();
	return release_one(cont, VFIO_OWNER_USER | VFIO_OWNER_UNKNOWN,
		"(unknown)", &err);
}
