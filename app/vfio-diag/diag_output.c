/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rendering a report: text for people, JSON for scripts. Both show the
 * same facts; numbers that are masks or addresses are hex strings in JSON
 * ("0x40201000") so that 64-bit values survive any JSON parser.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vfio_diag.h"

static const char *const sev_names[] = {
	[DIAG_INFO] = "info", [DIAG_WARNING] = "warning", [DIAG_ERROR] = "error",
};

/* ---- text ---- */

static void
text_pgsizes(uint64_t mask, FILE *out)
{
	char buf[32];
	int bit;
	bool first = true;

	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		fprintf(out, "%s%s", first ? "" : ", ",
			diag_size_str(1ULL << bit, buf, sizeof(buf)));
		first = false;
		/* virtio-iommu offers every size from 4 KiB up */
		if (bit < 62 && (mask >> bit) == (UINT64_MAX >> bit)) {
			fputs(" and every larger power of 2", out);
			return;
		}
	}
}

static void
text_iommu(const struct diag_report *rep, FILE *out)
{
	const struct diag_iommu *io = &rep->iommu;
	unsigned int i;

	fprintf(out, "IOMMU\n  type: %s", io->type);
	if (io->n_units > 0) {
		fprintf(out, " (");
		for (i = 0; i < io->n_units; i++)
			fprintf(out, "%s%s", i > 0 ? ", " : "", io->units[i].name);
		fprintf(out, ")");
	}
	fprintf(out, "\n  kernel command line: %s\n",
		io->cmdline_known ? io->cmdline : "(unknown)");
	fprintf(out, "  hints: intel_iommu=%s amd_iommu=%s passthrough=%s%s\n",
		diag_tri_name(io->intel_iommu), diag_tri_name(io->amd_iommu),
		diag_tri_name(io->passthrough), io->cmdline_iommu_off ? " iommu=off" : "");
}

static void
text_groups(const struct diag_report *rep, FILE *out)
{
	unsigned int i, j;

	fprintf(out, "IOMMU groups: %u", rep->n_groups_total);
	if (rep->n_groups < rep->n_groups_total)
		fprintf(out, " (%u shown, those with VFIO devices first)", rep->n_groups);
	fprintf(out, "\n");
	for (i = 0; i < rep->n_groups; i++) {
		const struct diag_group *g = &rep->groups[i];

		fprintf(out, "  group %d: %s%s\n", g->num,
			g->viable ? "viable" : "NOT viable",
			g->vfio_bound ? ", used by VFIO" : "");
		for (j = 0; j < g->n_devs; j++)
			fprintf(out, "    %s %s driver %s\n", g->devs[j].bdf,
				g->devs[j].id[0] != '\0' ? g->devs[j].id : "?",
				g->devs[j].driver[0] != '\0' ? g->devs[j].driver : "(none)");
		for (j = 0; j < g->n_resv; j++)
			fprintf(out, "    reserved 0x%" PRIx64 "-0x%" PRIx64 " %s\n",
				g->resv[j].start, g->resv[j].end, g->resv[j].type);
	}
}

/* devices outside every group, and the VFIO device nodes */
static void
text_outside(const struct diag_report *rep, FILE *out)
{
	const struct diag_nodes *nd = &rep->nodes;
	unsigned int i;

	fprintf(out, "PCI devices without an IOMMU group: %u", rep->n_ungrouped_total);
	if (rep->n_ungrouped < rep->n_ungrouped_total)
		fprintf(out, " (%u shown)", rep->n_ungrouped);
	fprintf(out, "%s\n", rep->n_ungrouped_total > 0 ? " (VFIO cannot use them)" : "");
	for (i = 0; i < rep->n_ungrouped; i++)
		fprintf(out, "    %s %s driver %s\n", rep->ungrouped[i].bdf,
			rep->ungrouped[i].id[0] != '\0' ? rep->ungrouped[i].id : "?",
			rep->ungrouped[i].driver[0] != '\0' ?
				rep->ungrouped[i].driver : "(none)");
	fprintf(out, "Device nodes\n  /dev/vfio/vfio (type1 container): %s\n"
		"  /dev/iommu (iommufd): %s\n  /dev/vfio/devices (device cdevs): ",
		nd->dev_vfio ? "present" : "absent",
		nd->dev_iommu ? "present" : "absent");
	if (!nd->cdev_dir) {
		fprintf(out, "absent\n");
		return;
	}
	fprintf(out, "%u", nd->n_cdevs_total);
	for (i = 0; i < nd->n_cdevs; i++)
		fprintf(out, "%s%s", i == 0 ? ": " : ", ", nd->cdevs[i]);
	fprintf(out, "\n");
}

static void
text_vfio(const struct diag_report *rep, FILE *out)
{
	const struct diag_vfio *v = &rep->vfio;
	unsigned int i;

	fprintf(out, "VFIO (backend: %s)\n", rep->backend);
	if (!v->present || v->open_errno != 0) {
		fprintf(out, "  not available: %s\n", v->probe_note);
		return;
	}
	fprintf(out, "  API version %d\n", v->api_version);
	fprintf(out, "  extensions: type1 %s, type1v2 %s, spapr %s, spapr v2 %s, noiommu %s, unmap_all %s, update_vaddr %s\n",
		diag_tri_name(v->type1), diag_tri_name(v->type1v2),
		diag_tri_name(v->spapr), diag_tri_name(v->spapr_v2),
		diag_tri_name(v->noiommu), diag_tri_name(v->unmap_all),
		diag_tri_name(v->update_vaddr));
	fprintf(out, "  no-IOMMU mode: %s\n", diag_tri_name(v->noiommu_mode));
	fprintf(out, "  probe: %s\n", v->probe_note);
	if (!v->probed)
		return;
	fprintf(out, "  IOMMU type set: %s\n", v->probe_type);
	fprintf(out, "  IOMMU page sizes: 0x%" PRIx64 " (", v->pgsizes);
	text_pgsizes(v->pgsizes, out);
	fprintf(out, ")\n  valid IOVA ranges:");
	if (!v->ranges_known)
		fprintf(out, " not reported (kernel before 5.4)");
	for (i = 0; i < v->n_ranges; i++)
		fprintf(out, " 0x%" PRIx64 "-0x%" PRIx64, v->ranges[i].start,
			v->ranges[i].end);
	if (v->avail_known)
		fprintf(out, "\n  DMA entries available: %" PRIu32 "\n", v->dma_avail);
	else
		fprintf(out, "\n  DMA entries available: not reported (kernel before 5.10)\n");
}

static void
text_limits(const struct diag_report *rep, FILE *out)
{
	const struct diag_limits *lim = &rep->limits;
	char a[32], b[32], c[32];

	fprintf(out, "Limits\n  dma_entry_limit: ");
	if (lim->dma_entry_limit >= 0)
		fprintf(out, "%" PRId64 " (%s of %s pages)\n", lim->dma_entry_limit,
			diag_size_str((uint64_t)lim->dma_entry_limit * lim->page_size,
				a, sizeof(a)),
			diag_size_str(lim->page_size, b, sizeof(b)));
	else
		fprintf(out, "unknown (vfio_iommu_type1 not loaded)\n");
	fprintf(out, "  allow_unsafe_interrupts: %s\n",
		diag_tri_name(lim->unsafe_interrupts));
	if (!lim->memlock_known) {
		fprintf(out, "  locked memory: unknown\n");
		return;
	}
	fprintf(out, "  locked memory: limit %s", diag_size_str(lim->memlock_limit, a,
		sizeof(a)));
	if (lim->memlock_hard != 0)
		fprintf(out, " (hard %s)", diag_size_str(lim->memlock_hard, b,
			sizeof(b)));
	fprintf(out, ", locked %s, CAP_IPC_LOCK %s%s\n",
		diag_size_str(lim->locked, c, sizeof(c)),
		diag_tri_name(lim->cap_ipc_lock),
		lim->memlock_any_amount ? ": no limit applies" : "");
}

static void
text_pools(const struct diag_report *rep, FILE *out)
{
	unsigned int i, j;
	char a[32];

	fprintf(out, "Hugepages\n");
	if (rep->n_pools == 0)
		fprintf(out, "  no hugepage support found\n");
	for (i = 0; i < rep->n_pools; i++) {
		const struct diag_pool *p = &rep->pools[i];

		fprintf(out, "  %s: %" PRIu64 " total, %" PRIu64 " free, mount %s",
			diag_size_str(p->page_sz, a, sizeof(a)), p->total, p->free,
			p->mount[0] != '\0' ? p->mount : "(none)");
		for (j = 0; j < p->n_nodes; j++)
			fprintf(out, "; node %d: %" PRIu64 " total %" PRIu64 " free",
				p->node[j], p->node_total[j], p->node_free[j]);
		fprintf(out, "\n");
	}
}

void
diag_print_text(const struct diag_report *rep, FILE *out)
{
	unsigned int i;

	text_iommu(rep, out);
	text_groups(rep, out);
	text_outside(rep, out);
	text_vfio(rep, out);
	text_limits(rep, out);
	text_pools(rep, out);
	fprintf(out, "IOVA mode\n  %s", rep->iova.known ?
		diag_iova_name(rep->iova.mode) : "unknown");
	if (rep->iova.known && strstr(rep->iova.source, "allocated") != NULL)
		fprintf(out, " (allocated by the EAL)");
	fprintf(out, ": %s\n", rep->iova.why);
	fprintf(out, "VFIO mode\n  %s: %s\n", rep->iova.vfio_known ?
		diag_vfio_mode_name(rep->iova.vfio_mode) : "unknown",
		rep->iova.vfio_why);
	if (rep->n_advice == 0) {
		fprintf(out, "No problem found.\n");
		return;
	}
	fprintf(out, "Problems and advice\n");
	for (i = 0; i < rep->n_advice; i++)
		fprintf(out, "  %s: %s\n    fix: %s\n", sev_names[rep->advice[i].sev],
			rep->advice[i].problem, rep->advice[i].fix);
}

/* ---- JSON ---- */

static void
json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void
json_key(FILE *out, const char *key, int *n)
{
	fprintf(out, "%s", (*n)++ > 0 ? ", " : "");
	json_str(out, key);
	fputs(": ", out);
}

static void
json_kv_str(FILE *out, const char *key, const char *val, int *n)
{
	json_key(out, key, n);
	json_str(out, val);
}

/* val, or null when there is none (NULL) */
static void
json_kv_str_or_null(FILE *out, const char *key, const char *val, int *n)
{
	json_key(out, key, n);
	if (val != NULL)
		json_str(out, val);
	else
		fputs("null", out);
}

/* s, or NULL when it is empty */
static const char *
nonempty(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

static void
json_kv_hex(FILE *out, const char *key, uint64_t val, int *n)
{
	json_key(out, key, n);
	fprintf(out, "\"0x%" PRIx64 "\"", val);
}

static void
json_kv_u64(FILE *out, const char *key, uint64_t val, int *n)
{
	json_key(out, key, n);
	fprintf(out, "%" PRIu64, val);
}

static void
json_kv_bool(FILE *out, const char *key, bool val, int *n)
{
	json_key(out, key, n);
	fputs(val ? "true" : "false", out);
}

/* yes/no/unknown as true/false/null */
static void
json_kv_tri(FILE *out, const char *key, enum diag_tri t, int *n)
{
	json_key(out, key, n);
	fputs(t == DIAG_YES ? "true" : t == DIAG_NO ? "false" : "null", out);
}

static void
json_iommu(const struct diag_report *rep, FILE *out)
{
	const struct diag_iommu *io = &rep->iommu;
	unsigned int i;
	int n = 0;

	fputs("\"iommu\": {", out);
	json_kv_str(out, "type", io->type, &n);
	json_key(out, "units", &n);
	fputc('[', out);
	for (i = 0; i < io->n_units; i++) {
		int m = 0;

		fputs(i > 0 ? ", {" : "{", out);
		json_kv_str(out, "name", io->units[i].name, &m);
		json_kv_str(out, "type", io->units[i].type, &m);
		fputc('}', out);
	}
	fputc(']', out);
	json_kv_str_or_null(out, "cmdline", io->cmdline_known ? io->cmdline : NULL, &n);
	json_kv_tri(out, "intel_iommu", io->intel_iommu, &n);
	json_kv_tri(out, "amd_iommu", io->amd_iommu, &n);
	json_kv_tri(out, "passthrough", io->passthrough, &n);
	json_kv_bool(out, "cmdline_iommu_off", io->cmdline_iommu_off, &n);
	fputc('}', out);
}

static void
json_group(const struct diag_group *g, FILE *out)
{
	unsigned int j;
	int n = 0;

	fputc('{', out);
	json_key(out, "group", &n);
	fprintf(out, "%d", g->num);
	json_kv_bool(out, "viable", g->viable, &n);
	json_kv_bool(out, "vfio", g->vfio_bound, &n);
	json_key(out, "devices", &n);
	fputc('[', out);
	for (j = 0; j < g->n_devs; j++) {
		int m = 0;

		fputs(j > 0 ? ", {" : "{", out);
		json_kv_str(out, "bdf", g->devs[j].bdf, &m);
		json_kv_str(out, "id", g->devs[j].id, &m);
		json_kv_str_or_null(out, "driver", nonempty(g->devs[j].driver), &m);
		fputc('}', out);
	}
	fputc(']', out);
	json_key(out, "reserved_regions", &n);
	fputc('[', out);
	for (j = 0; j < g->n_resv; j++) {
		int m = 0;

		fputs(j > 0 ? ", {" : "{", out);
		json_kv_hex(out, "start", g->resv[j].start, &m);
		json_kv_hex(out, "end", g->resv[j].end, &m);
		json_kv_str(out, "type", g->resv[j].type, &m);
		fputc('}', out);
	}
	fputs("]}", out);
}

static void
json_vfio(const struct diag_report *rep, FILE *out)
{
	const struct diag_vfio *v = &rep->vfio;
	unsigned int i;
	int n = 0;

	fputs("\"vfio\": {", out);
	json_kv_str(out, "backend", rep->backend, &n);
	json_kv_bool(out, "present", v->present, &n);
	json_kv_u64(out, "open_errno", (uint64_t)v->open_errno, &n);
	json_key(out, "api_version", &n);
	fprintf(out, "%d", v->api_version);
	json_key(out, "extensions", &n);
	{
		int m = 0;

		fputc('{', out);
		json_kv_tri(out, "type1", v->type1, &m);
		json_kv_tri(out, "type1v2", v->type1v2, &m);
		json_kv_tri(out, "spapr", v->spapr, &m);
		json_kv_tri(out, "spapr_v2", v->spapr_v2, &m);
		json_kv_tri(out, "noiommu", v->noiommu, &m);
		json_kv_tri(out, "unmap_all", v->unmap_all, &m);
		json_kv_tri(out, "update_vaddr", v->update_vaddr, &m);
		fputc('}', out);
	}
	json_kv_tri(out, "noiommu_mode", v->noiommu_mode, &n);
	json_kv_bool(out, "probed", v->probed, &n);
	json_key(out, "probe_group", &n);
	fprintf(out, "%d", v->probe_group);
	json_kv_str(out, "probe_note", v->probe_note, &n);
	json_kv_str_or_null(out, "iommu_type", v->probed ? v->probe_type : NULL, &n);
	json_key(out, "iova_pgsizes", &n);
	if (v->probed)
		fprintf(out, "\"0x%" PRIx64 "\"", v->pgsizes);
	else
		fputs("null", out);
	json_key(out, "iova_ranges", &n);
	if (v->ranges_known) {
		fputc('[', out);
		for (i = 0; i < v->n_ranges; i++) {
			int m = 0;

			fputs(i > 0 ? ", {" : "{", out);
			json_kv_hex(out, "start", v->ranges[i].start, &m);
			json_kv_hex(out, "end", v->ranges[i].end, &m);
			fputc('}', out);
		}
		fputc(']', out);
	} else {
		fputs("null", out);
	}
	json_key(out, "dma_avail", &n);
	if (v->avail_known)
		fprintf(out, "%" PRIu32, v->dma_avail);
	else
		fputs("null", out);
	fputc('}', out);
}

/* bytes, or "unlimited" */
static void
json_limit(FILE *out, uint64_t bytes)
{
	if (bytes == UINT64_MAX)
		fputs("\"unlimited\"", out);
	else
		fprintf(out, "%" PRIu64, bytes);
}

static void
json_limits(const struct diag_report *rep, FILE *out)
{
	const struct diag_limits *lim = &rep->limits;
	int n = 0;

	fputs("\"limits\": {", out);
	json_key(out, "dma_entry_limit", &n);
	if (lim->dma_entry_limit >= 0)
		fprintf(out, "%" PRId64, lim->dma_entry_limit);
	else
		fputs("null", out);
	json_kv_tri(out, "allow_unsafe_interrupts", lim->unsafe_interrupts, &n);
	json_kv_u64(out, "page_size", lim->page_size, &n);
	json_key(out, "memlock", &n);
	if (!lim->memlock_known) {
		fputs("null}", out);
		return;
	}
	{
		int m = 0;

		fputc('{', out);
		json_key(out, "limit", &m);
		json_limit(out, lim->memlock_limit);
		json_key(out, "hard", &m);
		if (lim->memlock_hard == 0)
			fputs("null", out);
		else
			json_limit(out, lim->memlock_hard);
		json_kv_u64(out, "locked", lim->locked, &m);
		json_kv_bool(out, "may_lock_any_amount", lim->memlock_any_amount, &m);
		json_kv_tri(out, "cap_ipc_lock", lim->cap_ipc_lock, &m);
		fputs("}}", out);
	}
}

static void
json_device(const struct diag_device *d, FILE *out)
{
	int m = 0;

	fputc('{', out);
	json_kv_str(out, "bdf", d->bdf, &m);
	json_kv_str_or_null(out, "id", nonempty(d->id), &m);
	json_kv_str_or_null(out, "driver", nonempty(d->driver), &m);
	fputc('}', out);
}

static void
json_outside(const struct diag_report *rep, FILE *out)
{
	const struct diag_nodes *nd = &rep->nodes;
	unsigned int i;
	int n = 0;

	fputs("\"ungrouped_devices\": [", out);
	for (i = 0; i < rep->n_ungrouped; i++) {
		fputs(i > 0 ? ", " : "", out);
		json_device(&rep->ungrouped[i], out);
	}
	fprintf(out, "],\n \"ungrouped_total\": %u,\n \"device_nodes\": {",
		rep->n_ungrouped_total);
	json_kv_bool(out, "vfio_container", nd->dev_vfio, &n);
	json_kv_bool(out, "iommufd", nd->dev_iommu, &n);
	json_key(out, "vfio_cdevs", &n);
	if (nd->cdev_dir) {
		fputc('[', out);
		for (i = 0; i < nd->n_cdevs; i++) {
			fputs(i > 0 ? ", " : "", out);
			json_str(out, nd->cdevs[i]);
		}
		fputc(']', out);
	} else {
		fputs("null", out);
	}
	json_kv_u64(out, "vfio_cdevs_total", nd->n_cdevs_total, &n);
	fputc('}', out);
}

static void
json_pools(const struct diag_report *rep, FILE *out)
{
	unsigned int i, j;

	fputs("\"hugepages\": [", out);
	for (i = 0; i < rep->n_pools; i++) {
		const struct diag_pool *p = &rep->pools[i];
		int n = 0;

		fputs(i > 0 ? ", {" : "{", out);
		json_kv_u64(out, "page_size", p->page_sz, &n);
		json_kv_u64(out, "total", p->total, &n);
		json_kv_u64(out, "free", p->free, &n);
		json_kv_u64(out, "surplus", p->surplus, &n);
		json_kv_u64(out, "reserved", p->resv, &n);
		json_kv_str_or_null(out, "mount", nonempty(p->mount), &n);
		json_key(out, "nodes", &n);
		fputc('[', out);
		for (j = 0; j < p->n_nodes; j++)
			fprintf(out, "%s{\"node\": %d, \"total\": %" PRIu64 ", \"free\": %" PRIu64 "}",
				j > 0 ? ", " : "", p->node[j], p->node_total[j],
				p->node_free[j]);
		fputs("]}", out);
	}
	fputc(']', out);
}

void
diag_print_json(const struct diag_report *rep, FILE *out)
{
	unsigned int i;
	int n = 0;

	fputs("{", out);
	json_key(out, "schema_version", &n);
	fprintf(out, "%d", DIAG_SCHEMA_VERSION);
	json_kv_str(out, "sysfs", rep->sysfs, &n);
	fputs(",\n ", out);
	json_iommu(rep, out);
	fputs(",\n \"groups\": [", out);
	for (i = 0; i < rep->n_groups; i++) {
		fputs(i > 0 ? ",\n  " : "\n  ", out);
		json_group(&rep->groups[i], out);
	}
	fprintf(out, "],\n \"groups_total\": %u,\n ", rep->n_groups_total);
	json_outside(rep, out);
	fputs(",\n ", out);
	json_vfio(rep, out);
	fputs(",\n ", out);
	json_limits(rep, out);
	fputs(",\n ", out);
	json_pools(rep, out);
	fputs(",\n \"iova\": {", out);
	n = 0;
	json_kv_str_or_null(out, "mode",
		rep->iova.known ? diag_iova_name(rep->iova.mode) : NULL, &n);
	json_kv_bool(out, "allocated", rep->iova.known &&
		strstr(rep->iova.source, "allocated") != NULL, &n);
	json_kv_u64(out, "eal_errno", (uint64_t)rep->iova.eal_errno, &n);
	json_kv_str(out, "why", rep->iova.why, &n);
	fputs("},\n \"vfio_mode\": {", out);
	n = 0;
	json_kv_str_or_null(out, "mode",
		rep->iova.vfio_known ? diag_vfio_mode_name(rep->iova.vfio_mode) : NULL, &n);
	json_kv_str(out, "why", rep->iova.vfio_why, &n);
	fputs("},\n \"advice\": [", out);
	for (i = 0; i < rep->n_advice; i++) {
		const struct diag_advice *a = &rep->advice[i];
		int m = 0;

		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		json_kv_str(out, "severity", sev_names[a->sev], &m);
		json_kv_str(out, "topic", a->topic, &m);
		json_kv_str(out, "problem", a->problem, &m);
		json_kv_str(out, "fix", a->fix, &m);
		fputc('}', out);
	}
	fprintf(out, "],\n \"exit_status\": %d\n}\n", diag_exit_status(rep));
}
