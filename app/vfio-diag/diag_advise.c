/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From facts to advice: each problem found gets one line naming it with
 * its numbers and one concrete fix. Also diag_collect(), which gathers the
 * facts in the order the advice needs them.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_backend.h"
#include "vfio_diag.h"

/* DMA entries needed to map bytes in pages of page_sz (one per page). */
static uint64_t
entries_for(uint64_t bytes, uint64_t page_sz)
{
	return page_sz == 0 ? 0 : (bytes + page_sz - 1) / page_sz;
}

static void
advise_iommu(struct diag_report *rep)
{
	const struct diag_iommu *io = &rep->iommu;
	char fix[384];

	if (io->cmdline_iommu_off)
		diag_add_advice(rep, DIAG_ERROR, "iommu",
			"remove iommu=off from the kernel command line",
			"iommu=off on the kernel command line disables every IOMMU");
	if (io->n_units > 0 || rep->n_groups_total > 0)
		return;
	if (io->intel_iommu == DIAG_NO || io->amd_iommu == DIAG_NO) {
		snprintf(fix, sizeof(fix),
			"replace %s with %s on the kernel command line and reboot",
			io->intel_iommu == DIAG_NO ? "intel_iommu=off" : "amd_iommu=off",
			io->intel_iommu == DIAG_NO ? "intel_iommu=on" : "amd_iommu=on");
		diag_add_advice(rep, DIAG_ERROR, "iommu", fix,
			"IOMMU off: disabled on the kernel command line");
		return;
	}
	diag_add_advice(rep, DIAG_ERROR, "iommu",
		"enable VT-d / AMD-Vi in the firmware and add intel_iommu=on (Intel) or amd_iommu=on (AMD) to the kernel command line, then reboot; in a VM give it a vIOMMU (QEMU -device intel-iommu or virtio-iommu)",
		"IOMMU off: no IOMMU unit in /sys/class/iommu and no IOMMU group");
}

static void
advise_vfio(struct diag_report *rep)
{
	const struct diag_vfio *v = &rep->vfio;
	char fix[384];

	if (!v->present) {
		diag_add_advice(rep, rep->n_groups_total > 0 ? DIAG_ERROR : DIAG_WARNING,
			"vfio", "modprobe vfio-pci (it loads vfio and vfio_iommu_type1), then bind a device: dpdk-devbind.py -b vfio-pci <BDF>",
			"VFIO not loaded: /dev/vfio/vfio does not exist");
		return;
	}
	if (v->open_errno != 0) {
		diag_add_advice(rep, DIAG_ERROR, "vfio",
			"run as root, or give the user read-write access to /dev/vfio/vfio and its group nodes (udev rule or chown)",
			"cannot open /dev/vfio/vfio: %s", strerror(v->open_errno));
		return;
	}
	if (v->type1v2 != DIAG_YES && v->type1 != DIAG_YES) {
		if (v->spapr == DIAG_YES || v->spapr_v2 == DIAG_YES)
			diag_add_advice(rep, DIAG_ERROR, "vfio",
				"use a type1 IOMMU (x86, arm64): sPAPR TCE is not supported by this EAL",
				"the IOMMU is sPAPR TCE");
		else
			diag_add_advice(rep, DIAG_ERROR, "vfio",
				"modprobe vfio_iommu_type1",
				"no type1 IOMMU offered by VFIO (vfio_iommu_type1 not loaded)");
	} else if (v->type1v2 != DIAG_YES) {
		diag_add_advice(rep, DIAG_WARNING, "vfio",
			"use a kernel with type1 v2 (Linux 3.x and later have it): v1 works, with the same record discipline, but cannot unmap partially",
			"type1 v2 not offered: falling back to type1 v1");
	}
	if (v->noiommu_mode == DIAG_YES)
		diag_add_advice(rep, DIAG_WARNING, "vfio",
			"unset vfio.enable_unsafe_noiommu_mode and use a real IOMMU: without one devices can reach all memory and IOVA as VA is refused",
			"VFIO no-IOMMU mode is on");
	if (!v->probed && v->probe_errno != 0 && v->probe_errno != ENODEV) {
		if (v->probe_errno == EPERM)
			snprintf(fix, sizeof(fix),
				"the IOMMU has no interrupt remapping: enable it (intremap), or load vfio_iommu_type1 with allow_unsafe_interrupts=1 if you accept the risk");
		else
			snprintf(fix, sizeof(fix), "see the kernel log (dmesg) for the reason");
		diag_add_advice(rep, DIAG_ERROR, "vfio", fix,
			"the IOMMU refused a container: %s", v->probe_note);
	} else if (!v->probed) {
		diag_add_advice(rep, DIAG_INFO, "vfio",
			"bind a device to vfio-pci (dpdk-devbind.py -b vfio-pci <BDF>) to see page sizes, IOVA ranges and DMA entries",
			"IOMMU not probed: %s", v->probe_note);
	}
}

static void
advise_groups(struct diag_report *rep)
{
	unsigned int i;
	bool any_vfio = false;
	char fix[384];

	for (i = 0; i < rep->n_groups; i++) {
		const struct diag_group *g = &rep->groups[i];
		const struct diag_device *d;

		if (g->vfio_bound)
			any_vfio = true;
		/* a group wholly owned by host drivers is the normal case */
		if (g->viable || !g->vfio_bound)
			continue;
		d = &g->devs[g->blocker];
		snprintf(fix, sizeof(fix),
			"unbind it (echo %s > /sys/bus/pci/devices/%s/driver/unbind) or bind it to vfio-pci (dpdk-devbind.py -b vfio-pci %s)",
			d->bdf, d->bdf, d->bdf);
		diag_add_advice(rep, DIAG_ERROR, "group", fix,
			"group %d not viable: %s is bound to %s", g->num, d->bdf,
			d->driver);
	}
	if (!any_vfio && rep->n_groups_total > 0 && rep->vfio.present)
		diag_add_advice(rep, DIAG_INFO, "group",
			"bind the devices the application uses: dpdk-devbind.py -b vfio-pci <BDF>",
			"no device is bound to vfio-pci");
}

/* The memory the application will map: the user's figure, else the pools. */
static uint64_t
memory_need(const struct diag_report *rep, uint64_t *entries)
{
	uint64_t bytes = 0;
	unsigned int i;

	*entries = 0;
	if (rep->memory != 0) {
		*entries = entries_for(rep->memory, rep->limits.page_size);
		return rep->memory;
	}
	for (i = 0; i < rep->n_pools; i++) {
		bytes += rep->pools[i].total * rep->pools[i].page_sz;
		*entries += rep->pools[i].total;
	}
	return bytes;
}

/* The DMA entry budget against the memory to map. */
static void
advise_entries(struct diag_report *rep, uint64_t need, uint64_t entries)
{
	const struct diag_limits *lim = &rep->limits;
	/* a figure the user gave is a requirement; the pools only a hint */
	enum diag_severity sev = rep->memory != 0 ? DIAG_ERROR : DIAG_WARNING;
	char a[32], b[32], what[96], fix[384];
	uint64_t budget;
	bool by_avail;

	budget = lim->dma_entry_limit >= 0 ? (uint64_t)lim->dma_entry_limit : 0;
	/* what the kernel says is left wins when it is lower (or the only figure) */
	by_avail = rep->vfio.avail_known &&
		(budget == 0 || rep->vfio.dma_avail < budget);
	if (by_avail)
		budget = rep->vfio.dma_avail;
	if (budget == 0 || entries <= budget)
		return;
	if (rep->memory != 0)
		snprintf(what, sizeof(what), "%s of %s pages",
			diag_size_str(need, a, sizeof(a)),
			diag_size_str(lim->page_size, b, sizeof(b)));
	else
		snprintf(what, sizeof(what), "the %s of reserved hugepages",
			diag_size_str(need, a, sizeof(a)));
	snprintf(fix, sizeof(fix),
		"back the memory with larger pages (2 MiB: %" PRIu64 " entries, 1 GiB: %" PRIu64 "), or load vfio_iommu_type1 with dma_entry_limit=%" PRIu64 " or more (modprobe vfio_iommu_type1 dma_entry_limit=N, or write N to /sys/module/vfio_iommu_type1/parameters/dma_entry_limit before the application starts)",
		entries_for(need, 2ULL << 20), entries_for(need, 1ULL << 30),
		entries);
	diag_add_advice(rep, sev, "limits", fix,
		"%s %" PRIu64 " is below what %s need (%" PRIu64 " entries, one per page in dynamic memory)",
		by_avail ? "DMA entries available" : "dma_entry_limit", budget,
		what, entries);
}

/* The locked-memory limit against the memory to map. */
static void
advise_memlock(struct diag_report *rep, uint64_t need)
{
	const struct diag_limits *lim = &rep->limits;
	char a[32], b[32], c[32], size[48] = "", fix[384];

	if (!lim->memlock_known || lim->memlock_any_amount)
		return;
	if (need != 0 && lim->memlock_limit >= need + lim->locked)
		return;
	if (need != 0)
		snprintf(size, sizeof(size), " (or %" PRIu64 " KiB)",
			(need + lim->locked + 1023) / 1024);
	snprintf(fix, sizeof(fix),
		"raise it: ulimit -l unlimited%s in the shell, LimitMEMLOCK=infinity in the systemd unit, --ulimit memlock=-1 for a container, memlock in /etc/security/limits.conf, or run with CAP_IPC_LOCK",
		size);
	if (need != 0)
		diag_add_advice(rep, rep->memory != 0 ? DIAG_ERROR : DIAG_WARNING,
			"limits", fix,
			"memlock %s is below the %s to map%s (locked already: %s)",
			diag_size_str(lim->memlock_limit, a, sizeof(a)),
			diag_size_str(need, c, sizeof(c)),
			rep->memory != 0 ? "" : " (the reserved hugepages)",
			diag_size_str(lim->locked, b, sizeof(b)));
	else
		diag_add_advice(rep, DIAG_WARNING, "limits", fix,
			"memlock %s: every byte mapped for DMA counts against it, without CAP_IPC_LOCK (locked already: %s)",
			diag_size_str(lim->memlock_limit, a, sizeof(a)),
			diag_size_str(lim->locked, b, sizeof(b)));
}

static void
advise_limits(struct diag_report *rep)
{
	uint64_t need, entries;

	need = memory_need(rep, &entries);
	advise_entries(rep, need, entries);
	advise_memlock(rep, need);
	if (rep->limits.unsafe_interrupts == DIAG_YES)
		diag_add_advice(rep, DIAG_WARNING, "limits",
			"use an IOMMU with interrupt remapping and set allow_unsafe_interrupts=0",
			"vfio_iommu_type1 allows unsafe interrupts: a device can raise arbitrary MSIs");
}

static void
advise_memory(struct diag_report *rep)
{
	unsigned int i;
	uint64_t total = 0;
	bool unmounted = false;

	for (i = 0; i < rep->n_pools; i++) {
		total += rep->pools[i].total;
		if (rep->pools[i].total > 0 && rep->pools[i].mount[0] == '\0')
			unmounted = true;
	}
	if (rep->n_pools > 0 && total == 0)
		diag_add_advice(rep, DIAG_INFO, "memory",
			"reserve some: echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (or dpdk-hugepages.py -r 2G, or hugepages= on the kernel command line); else run with --no-huge",
			"no hugepages reserved: memory comes from system pages (one DMA entry per page in dynamic memory)");
	if (unmounted)
		diag_add_advice(rep, DIAG_INFO, "memory",
			"nothing to do for --in-memory (memfd); else mount one: mount -t hugetlbfs nodev /dev/hugepages",
			"hugepages are reserved but not every size has a hugetlbfs mount");
}

static void
advise_iova(struct diag_report *rep)
{
	const struct diag_vfio *v = &rep->vfio;
	char fix[384];

	if (rep->iova.eal_errno != 0) {
		snprintf(fix, sizeof(fix), "%.383s", rep->iova.why);
		diag_add_advice(rep, DIAG_ERROR, "iova", fix,
			"the EAL cannot start with these options: %s",
			strerror(rep->iova.eal_errno));
	}
	/* the classic 39-bit VT-d case: user VAs (0x7f...) do not fit */
	if (v->ranges_known && v->n_ranges > 0 &&
			v->ranges[v->n_ranges - 1].end < (1ULL << 47) - 1) {
		unsigned int bits = 64 - (unsigned int)__builtin_clzll(v->ranges[v->n_ranges - 1].end);

		diag_add_advice(rep, DIAG_WARNING, "iova",
			"leave the IOVA mode to the EAL (it assigns IOVAs inside the ranges) or use --iova-mode=pa; never force --iova-mode=va",
			"the IOMMU addresses %u bits (IOVA up to 0x%" PRIx64 "): user virtual addresses do not fit, IOVA as VA cannot work",
			bits, v->ranges[v->n_ranges - 1].end);
	}
}

void
diag_advise(struct diag_report *rep)
{
	rep->n_advice = 0;
	advise_iommu(rep);
	advise_vfio(rep);
	advise_groups(rep);
	advise_limits(rep);
	advise_memory(rep);
	advise_iova(rep);
}

static int
group_cmp(const void *a, const void *b)
{
	int x = ((const struct diag_group *)a)->num;
	int y = ((const struct diag_group *)b)->num;

	return x < y ? -1 : x > y;
}

void
diag_collect(const struct diag_options *opts, struct diag_report *rep)
{
	const struct vfio_backend *be = vfio_backend();

	memset(rep, 0, sizeof(*rep));
	rep->backend = be == &vfio_backend_kernel ? "kernel" : "model";
	snprintf(rep->sysfs, sizeof(rep->sysfs), "%s", opts->sysfs);
	rep->memory = opts->memory;
	diag_collect_iommu(opts, rep);
	diag_collect_groups(opts, rep);
	qsort(rep->groups, rep->n_groups, sizeof(rep->groups[0]), group_cmp);
	diag_collect_ungrouped(opts, rep);
	diag_collect_nodes(opts, rep);
	diag_collect_limits(opts, rep);
	diag_collect_hugepages(opts, rep);
	diag_collect_vfio(opts, rep);
	diag_collect_iova(opts, rep);
	diag_advise(rep);
}
