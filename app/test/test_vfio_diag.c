/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-vfio-diag's core (app/vfio-diag), checked on facts rather than text:
 *
 * vfio_diag_autotest: the type1 model's small machine (groups 3 and 4 on
 *   vfio-pci, group 5 held by ahci): groups, viability, reserved regions,
 *   extensions, page sizes, IOVA ranges, DMA entries, the advice for each
 *   problem (not viable, DMA entries, memlock, type1 v1, SET_IOMMU refused,
 *   IOMMU off), the EAL's IOVA mode, valid JSON, and that the probe leaves
 *   nothing behind (group closed, no container, the model's invariants).
 * vfio_diag_kernel_autotest: the real system, read-only. Without VFIO (a
 *   development machine) it must say so and still report the rest; with
 *   VFIO (the VM, DPDK_TEST_IN_VM=1) it must show the edu groups and what
 *   the IOMMU answers, with exact values for the VM configs it knows
 *   (VMTEST_CONFIG).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"
#include "vfio_backend.h"
#include "vfio_diag.h"
#include "vfio_model.h"

/* ---- helpers ---- */

static struct diag_report *
collect(const struct diag_options *opts)
{
	struct diag_report *rep = calloc(1, sizeof(*rep));

	if (rep != NULL)
		diag_collect(opts, rep);
	return rep;
}

static const struct diag_group *
find_group(const struct diag_report *rep, int num)
{
	unsigned int i;

	for (i = 0; i < rep->n_groups; i++)
		if (rep->groups[i].num == num)
			return &rep->groups[i];
	return NULL;
}

static const struct diag_advice *
find_advice(const struct diag_report *rep, const char *text)
{
	unsigned int i;

	for (i = 0; i < rep->n_advice; i++)
		if (strstr(rep->advice[i].problem, text) != NULL)
			return &rep->advice[i];
	return NULL;
}

static void
dump(const struct diag_report *rep)
{
	diag_print_text(rep, stdout);
}

/*
 * Structure of a JSON text: strings closed, escapes valid, brackets
 * balanced and matched, one top-level object. Not a full parser: the
 * meson test vfio_diag_json runs python3 -m json.tool on the tool's output.
 */
static int
json_shape_ok(const char *s)
{
	char stack[64];
	int depth = 0, tops = 0;
	bool in_str = false;

	for (; *s != '\0'; s++) {
		if (in_str) {
			if (*s == '\\') {
				if (strchr("\"\\/bfnrtu", s[1]) == NULL || s[1] == '\0')
					return 0;
				s++;
			} else if (*s == '"') {
				in_str = false;
			} else if ((unsigned char)*s < 0x20) {
				return 0;
			}
			continue;
		}
		if (*s == '"') {
			in_str = true;
		} else if (*s == '{' || *s == '[') {
			if (depth == 0)
				tops++;
			if (depth >= (int)sizeof(stack))
				return 0;
			stack[depth++] = *s;
		} else if (*s == '}' || *s == ']') {
			if (depth == 0 || stack[depth - 1] != (*s == '}' ? '{' : '['))
				return 0;
			depth--;
		}
	}
	return !in_str && depth == 0 && tops == 1;
}

/* python3 -m json.tool on the text when python3 exists: 1 ok, 0 bad, -1 none */
static int
json_tool_ok(const char *json)
{
	FILE *p;
	int st;

	if (system("python3 -c '' >/dev/null 2>&1") != 0)
		return -1;
	p = popen("python3 -m json.tool >/dev/null", "w");
	if (p == NULL)
		return -1;
	fputs(json, p);
	st = pclose(p);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int
check_json(const struct diag_report *rep, const char *must_contain)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int tool;

	TEST_ASSERT_NOT_NULL(f, "open_memstream");
	diag_print_json(rep, f);
	fclose(f);
	TEST_ASSERT(json_shape_ok(buf), "JSON shape broken:\n%s", buf);
	TEST_ASSERT(must_contain == NULL || strstr(buf, must_contain) != NULL,
		"JSON lacks %s:\n%s", must_contain, buf);
	tool = json_tool_ok(buf);
	TEST_ASSERT(tool != 0, "python3 -m json.tool refuses the JSON:\n%s", buf);
	if (tool < 0)
		TEST_STEP("python3 not found: JSON checked for shape only");
	free(buf);
	return 0;
}

/* The group can be opened again: the probe closed it. */
static int
group_released(int num)
{
	const struct vfio_backend *be = vfio_backend();
	char path[64];
	int fd;

	snprintf(path, sizeof(path), VFIO_GROUP_FMT, (unsigned int)num);
	fd = be->open(path, O_RDWR);
	if (fd < 0)
		return 0;
	be->close(fd);
	return 1;
}

/* ---- the model ---- */

static int
model_facts(void)
{
	struct diag_options opts = { .proc = "/proc", .cmdline = "ro intel_iommu=on iommu=pt" };
	const struct diag_group *g;
	const struct diag_advice *a;
	struct diag_report *rep;

	TEST_STEP("the model's machine: 3 groups, group 5 held by ahci");
	opts.sysfs = diag_model_setup(65535);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup: %s", rte_strerror(rte_errno));
	rep = collect(&opts);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	dump(rep);
	TEST_ASSERT(strcmp(rep->backend, "model") == 0, "backend %s", rep->backend);
	TEST_ASSERT(strcmp(rep->iommu.type, "intel") == 0, "IOMMU %s", rep->iommu.type);
	TEST_ASSERT(rep->iommu.intel_iommu == DIAG_YES &&
		rep->iommu.passthrough == DIAG_YES, "cmdline hints");
	TEST_ASSERT_EQUAL(rep->n_groups, 3u, "groups");
	g = find_group(rep, 3);
	TEST_ASSERT(g != NULL && g->viable && g->vfio_bound && g->n_devs == 1 &&
		strcmp(g->devs[0].driver, "vfio-pci") == 0 &&
		strcmp(g->devs[0].id, "1234:11e8") == 0, "group 3");
	TEST_ASSERT(g->n_resv == 1 && g->resv[0].start == 0xfee00000 &&
		g->resv[0].end == 0xfeefffff && strcmp(g->resv[0].type, "msi") == 0,
		"group 3 reserved regions");
	g = find_group(rep, 5);
	TEST_ASSERT(g != NULL && !g->viable && g->blocker == 1 &&
		strcmp(g->devs[1].bdf, "0000:00:1f.2") == 0 &&
		strcmp(g->devs[1].driver, "ahci") == 0, "group 5 not viable");

	TEST_STEP("extensions and the probe");
	TEST_ASSERT(rep->vfio.present && rep->vfio.api_version == VFIO_API_VERSION,
		"VFIO present, API %d", rep->vfio.api_version);
	TEST_ASSERT(rep->vfio.type1v2 == DIAG_YES && rep->vfio.type1 == DIAG_YES &&
		rep->vfio.spapr == DIAG_NO && rep->vfio.noiommu == DIAG_NO,
		"extensions");
	TEST_ASSERT(rep->vfio.probed && rep->vfio.probe_group == 3 &&
		strcmp(rep->vfio.probe_type, "type1v2") == 0, "probe: %s",
		rep->vfio.probe_note);
	TEST_ASSERT_EQUAL(rep->vfio.pgsizes, 0x40201000ULL, "page sizes");
	TEST_ASSERT(rep->vfio.ranges_known && rep->vfio.n_ranges == 2 &&
		rep->vfio.ranges[0].start == 0 &&
		rep->vfio.ranges[0].end == 0xfedfffffULL &&
		rep->vfio.ranges[1].start == 0xfef00000ULL &&
		rep->vfio.ranges[1].end == 0xffffffffffffULL, "IOVA ranges");
	TEST_ASSERT(rep->vfio.avail_known && rep->vfio.dma_avail == 65535,
		"DMA avail %u", rep->vfio.dma_avail);
	TEST_ASSERT_EQUAL(rep->limits.dma_entry_limit, (int64_t)65535,
		"dma_entry_limit");

	TEST_STEP("nothing left behind: group 3 closed, model consistent");
	TEST_ASSERT(group_released(3), "group 3 still open after the probe");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");

	TEST_STEP("advice: exactly the not viable group");
	a = find_advice(rep, "group 5 not viable: 0000:00:1f.2 is bound to ahci");
	TEST_ASSERT(a != NULL && a->sev == DIAG_ERROR &&
		strstr(a->fix, "vfio-pci") != NULL, "group 5 advice");
	TEST_ASSERT(find_advice(rep, "group 3") == NULL, "advice about group 3");

	TEST_STEP("the EAL's IOVA mode (its own decision, in a child)");
	TEST_ASSERT(rep->iova.known && rep->iova.mode == RTE_IOVA_VA,
		"IOVA mode %s: %s", diag_iova_name(rep->iova.mode), rep->iova.why);
	TEST_ASSERT(strstr(rep->iova.why, "IOVA mode") != NULL, "reason: %s",
		rep->iova.why);
	TEST_ASSERT_SUCCESS(check_json(rep, "\"iova_pgsizes\": \"0x40201000\""),
		"JSON");
	free(rep);
	return TEST_SUCCESS;
}

static int
model_limits(void)
{
	struct diag_options opts = { .proc = "/proc", .cmdline = "", .no_iova = true };
	const struct diag_advice *a;
	struct diag_report *rep;
	char want[128];

	TEST_STEP("512 GiB of system pages against 65535 DMA entries");
	opts.sysfs = diag_model_setup(65535);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup");
	opts.memory = 512ULL << 30;
	rep = collect(&opts);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	snprintf(want, sizeof(want),
		"dma_entry_limit 65535 is below what 512 GiB of %zu KiB pages need",
		test_page_size() / 1024);
	a = find_advice(rep, want);
	TEST_ASSERT(a != NULL && strstr(a->fix, "dma_entry_limit=") != NULL,
		"advice '%s' missing", want);
	free(rep);

	TEST_STEP("memlock 8 MiB without CAP_IPC_LOCK");
	opts.sysfs = diag_model_setup(65535);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup");
	vfio_model_set_memlock_limit(8ULL << 20);
	vfio_model_set_cap_ipc_lock(false);
	opts.memory = 64ULL << 20;
	rep = collect(&opts);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	TEST_ASSERT(rep->limits.memlock_known && !rep->limits.memlock_any_amount &&
		rep->limits.memlock_limit == 8ULL << 20, "memlock facts");
	a = find_advice(rep, "memlock 8 MiB");
	TEST_ASSERT(a != NULL && a->sev == DIAG_ERROR &&
		strstr(a->fix, "ulimit -l") != NULL &&
		strstr(a->fix, "LimitMEMLOCK") != NULL, "memlock advice");
	TEST_ASSERT(find_advice(rep, "dma_entry_limit") == NULL,
		"64 MiB fits in 65535 entries");
	free(rep);

	TEST_STEP("no DMA_AVAIL capability, type1 v1 only");
	opts.sysfs = diag_model_setup(65535);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup");
	vfio_model_set_dma_avail_cap(false);
	vfio_model_set_type1v2_supported(false);
	opts.memory = 0;
	rep = collect(&opts);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	TEST_ASSERT(rep->vfio.probed && !rep->vfio.avail_known &&
		strcmp(rep->vfio.probe_type, "type1") == 0, "v1 probe");
	TEST_ASSERT_NOT_NULL(find_advice(rep, "type1 v2 not offered"), "v1 advice");
	TEST_ASSERT_SUCCESS(check_json(rep, "\"dma_avail\": null"), "JSON");
	free(rep);
	return TEST_SUCCESS;
}

/* A fake /proc with a hugetlbfs mount of 2 MiB pages. */
static int
fake_proc(char *dir)
{
	if (mkdtemp(dir) == NULL ||
			diag_model_write(dir, "mounts",
				"proc /proc proc rw 0 0\n"
				"nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n") < 0 ||
			diag_model_write(dir, "meminfo", "MemTotal: 2048000 kB\n"
				"Hugepagesize:       2048 kB\n") < 0 ||
			diag_model_write(dir, "cmdline", "ro intel_iommu=on\n") < 0)
		return -1;
	return 0;
}

static void
remove_fake_proc(const char *dir)
{
	static const char *const files[] = { "mounts", "meminfo", "cmdline" };
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < RTE_DIM(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int
model_hugepages(void)
{
	static const char *const files[][2] = {
		{ "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "256\n" },
		{ "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "200\n" },
		{ "kernel/mm/hugepages/hugepages-2048kB/surplus_hugepages", "0\n" },
		{ "kernel/mm/hugepages/hugepages-2048kB/resv_hugepages", "3\n" },
		{ "kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n" },
		{ "kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n" },
		{ "devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "256\n" },
		{ "devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "200\n" },
	};
	struct diag_options opts = { .no_iova = true };
	char proc[] = "/tmp/vfio-diag-proc-XXXXXX";
	const struct diag_advice *a;
	struct diag_report *rep;
	unsigned int i;

	TEST_STEP("hugepage pools per size and node, mounts; 256 pages against 150 entries");
	opts.sysfs = diag_model_setup(150);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup");
	for (i = 0; i < RTE_DIM(files); i++)
		TEST_ASSERT_SUCCESS(diag_model_write(opts.sysfs, files[i][0],
			files[i][1]), "write %s", files[i][0]);
	TEST_ASSERT_SUCCESS(fake_proc(proc), "fake /proc");
	opts.proc = proc;
	rep = collect(&opts);
	remove_fake_proc(proc);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	TEST_ASSERT(rep->iommu.cmdline_known && rep->iommu.intel_iommu == DIAG_YES,
		"cmdline from the fake /proc");
	TEST_ASSERT_EQUAL(rep->n_pools, 2u, "pools");
	TEST_ASSERT(rep->pools[0].page_sz == 2ULL << 20 &&
		rep->pools[0].total == 256 && rep->pools[0].free == 200 &&
		rep->pools[0].resv == 3 &&
		strcmp(rep->pools[0].mount, "/dev/hugepages") == 0,
		"2 MiB pool");
	TEST_ASSERT(rep->pools[0].n_nodes == 1 && rep->pools[0].node[0] == 0 &&
		rep->pools[0].node_total[0] == 256 &&
		rep->pools[0].node_free[0] == 200, "2 MiB pool on node 0");
	TEST_ASSERT(rep->pools[1].page_sz == 1ULL << 30 &&
		rep->pools[1].total == 0 && rep->pools[1].mount[0] == '\0',
		"1 GiB pool");
	TEST_ASSERT(rep->vfio.avail_known && rep->vfio.dma_avail == 150,
		"DMA avail %u", rep->vfio.dma_avail);
	a = find_advice(rep, "dma_entry_limit 150 is below what the 512 MiB of reserved hugepages need (256 entries");
	TEST_ASSERT(a != NULL && a->sev == DIAG_WARNING, "entries advice");
	TEST_ASSERT(find_advice(rep, "no hugepages reserved") == NULL,
		"hugepages are reserved");
	TEST_ASSERT_SUCCESS(check_json(rep, "\"mount\": \"/dev/hugepages\""), "JSON");
	free(rep);
	return TEST_SUCCESS;
}

static int
model_refusals(void)
{
	struct diag_options opts = { .proc = "/proc", .cmdline = "", .no_iova = true };
	const struct diag_advice *a;
	struct diag_report *rep;
	char empty[] = "/tmp/vfio-diag-empty-XXXXXX";

	TEST_STEP("SET_IOMMU refused (no interrupt remapping): said, released");
	opts.sysfs = diag_model_setup(65535);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup");
	vfio_model_fail_nth(VFIO_SET_IOMMU, 1, EPERM);
	rep = collect(&opts);
	vfio_model_fail_nth(0, 0, 0);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	TEST_ASSERT(!rep->vfio.probed && rep->vfio.probe_errno == EPERM,
		"probe errno %d", rep->vfio.probe_errno);
	a = find_advice(rep, "the IOMMU refused a container");
	TEST_ASSERT(a != NULL && strstr(a->fix, "allow_unsafe_interrupts") != NULL,
		"EPERM advice");
	TEST_ASSERT(group_released(3), "group 3 left open");
	TEST_ASSERT_SUCCESS(vfio_model_check(), "model invariants");
	free(rep);

	TEST_STEP("a group held elsewhere (EBUSY) is left alone, the next one probed");
	opts.sysfs = diag_model_setup(65535);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup");
	{
		int fd = vfio_backend()->open("/dev/vfio/3", O_RDWR);

		TEST_ASSERT(fd >= 0, "open group 3");
		rep = collect(&opts);
		vfio_backend()->close(fd);
	}
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	TEST_ASSERT(rep->vfio.probed && rep->vfio.probe_group == 4,
		"probed group %d: %s", rep->vfio.probe_group, rep->vfio.probe_note);
	free(rep);

	TEST_STEP("--no-probe: no group opened");
	opts.sysfs = diag_model_setup(65535);
	TEST_ASSERT_NOT_NULL(opts.sysfs, "model setup");
	opts.no_probe = true;
	rep = collect(&opts);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	TEST_ASSERT(!rep->vfio.probed && rep->vfio.probe_group == -1 &&
		rep->vfio.type1v2 == DIAG_YES, "no probe");
	TEST_ASSERT_EQUAL(vfio_model_ioctl_count(VFIO_GROUP_SET_CONTAINER), 0ul,
		"SET_CONTAINER issued");
	free(rep);

	TEST_STEP("no IOMMU, intel_iommu=off: 'IOMMU off' with the fix");
	TEST_ASSERT_NOT_NULL(mkdtemp(empty), "mkdtemp");
	vfio_backend_select(&vfio_backend_kernel);
	opts.sysfs = empty;
	opts.no_probe = false;
	opts.cmdline = "quiet intel_iommu=off";
	rep = collect(&opts);
	rmdir(empty);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	TEST_ASSERT(strcmp(rep->iommu.type, "none") == 0 && rep->n_groups_total == 0,
		"no IOMMU");
	a = find_advice(rep, "IOMMU off");
	TEST_ASSERT(a != NULL && strstr(a->fix, "intel_iommu=on") != NULL,
		"IOMMU off advice");
	free(rep);
	return TEST_SUCCESS;
}

static int
cmdline_hints(void)
{
	static const struct {
		const char *cmdline;
		enum diag_tri intel, amd, pt;
		bool off;
	} cases[] = {
		{ "", DIAG_UNKNOWN, DIAG_UNKNOWN, DIAG_UNKNOWN, false },
		{ "intel_iommu=on iommu=pt", DIAG_YES, DIAG_UNKNOWN, DIAG_YES, false },
		{ "intel_iommu=on,sm_on iommu=nopt", DIAG_YES, DIAG_UNKNOWN, DIAG_NO, false },
		{ "amd_iommu=off", DIAG_UNKNOWN, DIAG_NO, DIAG_UNKNOWN, false },
		{ "iommu=off", DIAG_UNKNOWN, DIAG_UNKNOWN, DIAG_UNKNOWN, true },
		{ "iommu.passthrough=1", DIAG_UNKNOWN, DIAG_UNKNOWN, DIAG_YES, false },
		/* a word that only ends with the key does not count */
		{ "xintel_iommu=on", DIAG_UNKNOWN, DIAG_UNKNOWN, DIAG_UNKNOWN, false },
		/* the last one wins, as in the kernel */
		{ "intel_iommu=off intel_iommu=on", DIAG_YES, DIAG_UNKNOWN, DIAG_UNKNOWN, false },
	};
	unsigned int i;

	TEST_STEP("kernel command line hints");
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct diag_iommu io;

		memset(&io, 0, sizeof(io));
		diag_parse_cmdline(cases[i].cmdline, &io);
		TEST_ASSERT(io.intel_iommu == cases[i].intel &&
			io.amd_iommu == cases[i].amd &&
			io.passthrough == cases[i].pt && io.cmdline_iommu_off == cases[i].off,
			"'%s': intel %d amd %d pt %d off %d", cases[i].cmdline,
			io.intel_iommu, io.amd_iommu, io.passthrough, io.cmdline_iommu_off);
	}
	return TEST_SUCCESS;
}

static int
test_vfio_diag(void)
{
	if (test_vfio_is_kernel())
		TEST_SKIP("runs on the type1 model (DPDK_TEST_VFIO=kernel: see vfio_diag_kernel_autotest)");
	if (cmdline_hints() != TEST_SUCCESS || model_facts() != TEST_SUCCESS ||
			model_limits() != TEST_SUCCESS ||
			model_hugepages() != TEST_SUCCESS ||
			model_refusals() != TEST_SUCCESS)
		return TEST_FAILED;
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(vfio_diag_autotest, test_vfio_diag);

/* ---- the real system ---- */

/* What the VM rig's configurations give (devtools/vm/configs). */
static const struct {
	const char *config;
	uint64_t pgsizes;
	uint64_t last_end;      /* end of the last valid IOVA range */
	uint32_t avail;
} vm_expect[] = {
	{ "default", 0x40201000ULL, 0xffffffffffffULL, 65535 },
	{ "aw39", 0x40201000ULL, 0x7fffffffffULL, 65535 },
	{ "dmalimit", 0x40201000ULL, 0xffffffffffffULL, 150 },
	{ "memlock", 0x40201000ULL, 0xffffffffffffULL, 65535 },
	{ "hugepages", 0x40201000ULL, 0xffffffffffffULL, 65535 },
	{ "virtio", 0xfffffffffffff000ULL, UINT64_MAX, 65535 },
};

static int
kernel_with_vfio(const struct diag_report *rep)
{
	const char *config = getenv("VMTEST_CONFIG");
	const struct diag_vfio *v = &rep->vfio;
	unsigned int i, edu_groups = 0;

	TEST_STEP("VFIO present: edu groups, extensions, the IOMMU's answers");
	for (i = 0; i < rep->n_groups; i++) {
		const struct diag_group *g = &rep->groups[i];

		if (g->n_devs >= 1 && strcmp(g->devs[0].id, "1234:11e8") == 0 &&
				strcmp(g->devs[0].driver, "vfio-pci") == 0 && g->viable)
			edu_groups++;
	}
	TEST_ASSERT(edu_groups >= 2, "%u viable edu groups on vfio-pci", edu_groups);
	TEST_ASSERT(strcmp(rep->iommu.type, "none") != 0, "no IOMMU unit");
	TEST_ASSERT(v->type1v2 == DIAG_YES, "type1v2 not offered");
	TEST_ASSERT(v->probed, "probe: %s", v->probe_note);
	TEST_ASSERT(group_released(v->probe_group), "group %d left open",
		v->probe_group);
	TEST_ASSERT(v->pgsizes & test_page_size(), "page sizes 0x%" PRIx64
		" lack the system page", v->pgsizes);
	TEST_ASSERT(v->ranges_known && v->n_ranges >= 1, "IOVA ranges");
	TEST_ASSERT(v->avail_known, "DMA avail not reported");
	/* a fresh container has the whole budget */
	TEST_ASSERT(rep->limits.dma_entry_limit < 0 ||
		(int64_t)v->dma_avail == rep->limits.dma_entry_limit,
		"DMA avail %u != dma_entry_limit %" PRId64, v->dma_avail,
		rep->limits.dma_entry_limit);
	TEST_ASSERT(rep->iova.known, "IOVA mode: %s", rep->iova.why);
	for (i = 0; config != NULL && i < RTE_DIM(vm_expect); i++) {
		if (strcmp(config, vm_expect[i].config) != 0)
			continue;
		TEST_STEP("VM config %s: page sizes 0x%" PRIx64 ", last IOVA 0x%" PRIx64
			", DMA avail %u", config, vm_expect[i].pgsizes,
			vm_expect[i].last_end, vm_expect[i].avail);
		TEST_ASSERT_EQUAL(v->pgsizes, vm_expect[i].pgsizes, "page sizes");
		TEST_ASSERT_EQUAL(v->ranges[v->n_ranges - 1].end,
			vm_expect[i].last_end, "last IOVA range end");
		TEST_ASSERT(v->n_ranges == 2 && v->ranges[0].start == 0 &&
			v->ranges[0].end == 0xfedfffffULL &&
			v->ranges[1].start == 0xfef00000ULL,
			"ranges around the MSI window");
		TEST_ASSERT_EQUAL(v->dma_avail, vm_expect[i].avail, "DMA avail");
		if (vm_expect[i].last_end < (1ULL << 47))
			TEST_ASSERT_NOT_NULL(find_advice(rep, "39 bits"),
				"39-bit advice");
	}
	return TEST_SUCCESS;
}

static int
test_vfio_diag_kernel(void)
{
	struct diag_options opts = { .sysfs = "/sys", .proc = "/proc" };
	struct diag_report *rep;
	int ret = TEST_SUCCESS;

	vfio_backend_select(&vfio_backend_kernel);
	rep = collect(&opts);
	TEST_ASSERT_NOT_NULL(rep, "no memory");
	dump(rep);
	TEST_ASSERT(strcmp(rep->backend, "kernel") == 0, "backend");
	TEST_STEP("what is known without VFIO: limits, pools, command line");
	TEST_ASSERT_EQUAL(rep->limits.page_size, (uint64_t)test_page_size(),
		"page size");
	TEST_ASSERT(rep->limits.memlock_known, "memlock limit not read");
	TEST_ASSERT(rep->iommu.cmdline_known, "kernel command line not read");
	TEST_ASSERT(rep->iova.known || rep->iova.eal_errno != 0,
		"IOVA mode neither known nor refused: %s", rep->iova.why);
	TEST_ASSERT_SUCCESS(check_json(rep, "\"limits\""), "JSON");
	if (!rep->vfio.present) {
		TEST_ASSERT(!test_in_vm(), "no /dev/vfio/vfio inside the VM");
		TEST_STEP("no VFIO here: it must say so");
		TEST_ASSERT(!rep->vfio.probed, "probed without VFIO");
		TEST_ASSERT_NOT_NULL(find_advice(rep, "VFIO not loaded"),
			"no 'VFIO not loaded' advice");
	} else {
		ret = kernel_with_vfio(rep);
	}
	free(rep);
	return ret;
}

REGISTER_TEST_COMMAND(vfio_diag_kernel_autotest, test_vfio_diag_kernel);
