/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO conformance: the runner. The same raw ioctl sequences, with the
 * expected results of test_vfio_conformance_table.c, run on the model
 * (the default) and, with DPDK_TEST_VFIO=kernel in the VM, on the real
 * kernel AND on a model mirror configured like that kernel's machine
 * (groups, aperture, MSI window, page sizes, entry limit): a case passes
 * there only when the kernel gives the expected result and the mirror
 * gives the same. That is the check "identical on model and kernel", in
 * whichever VM configuration the suite runs.
 *
 * The backend column is chosen per world: the model is type1 (and native
 * iommufd for the I cases); the kernel is type1 or iommufd's compat
 * container, told apart by SET_IOMMU on a fresh container (EINVAL vs
 * ENODEV, reference 6.2), plus native iommufd where /dev/iommu and a
 * device cdev exist. No EAL is needed: every call goes through a backend.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <linux/vfio.h>

#include "app_sysfs.h"
#include "test.h"
#include "test_vfio_conformance.h"
#include "vfio_model.h"

static const char *const col_name[CF_N_BACKENDS] = {
	[CF_TYPE1] = "type1", [CF_COMPAT] = "compat", [CF_NATIVE] = "iommufd",
};

/* The worlds of this run. */
static struct {
	bool kernel;                  /* a real kernel is under test */
	enum cf_backend container;    /* what /dev/vfio/vfio is there */
	bool native;                  /* /dev/iommu and device cdevs there */
	struct cf_state kstate;       /* S for the kernel */
	struct cf_state mstate;       /* S for the model (mirror) */
	char kgot[CF_GOT_LEN];
} W;

/* vfioN of a PCI device directory (its vfio-dev/ entry), or -1. */
static int
cdev_of(const char *devdir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int n = -1;

	snprintf(path, sizeof(path), "%s/vfio-dev", devdir);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL)
		if (sscanf(de->d_name, "vfio%d", &n) == 1)
			break;
	closedir(dir);
	return n;
}

/* edu devices (1234:11e8) on vfio-pci, one per IOMMU group. */
static void
find_kernel_devices(void)
{
	const char *base = "/sys/bus/pci/devices";
	struct dirent *de;
	DIR *dir = opendir(base);

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL && S.n_groups < CF_MAX_GROUPS) {
		char dev[320], link[PATH_MAX], name[PATH_MAX];
		unsigned long vendor, device;
		int group;
		unsigned int i;
		bool dup = false;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(S.bdf[0]))
			continue;
		snprintf(dev, sizeof(dev), "%s/%.31s", base, de->d_name);
		if (app_sysfs_read_hex(dev, "vendor", &vendor) < 0 ||
				app_sysfs_read_hex(dev, "device", &device) < 0 ||
				vendor != 0x1234 || device != 0x11e8)
			continue;
		snprintf(link, sizeof(link), "%s/driver", dev);
		if (eal_sysfs_link_tail(link, name, sizeof(name)) < 0 ||
				strcmp(name, "vfio-pci") != 0)
			continue;
		snprintf(link, sizeof(link), "%s/iommu_group", dev);
		if (eal_sysfs_link_tail(link, name, sizeof(name)) < 0)
			continue;
		group = atoi(name);
		for (i = 0; i < S.n_groups; i++)
			dup |= S.group[i] == group;
		if (dup)
			continue;
		S.group[S.n_groups] = group;
		S.cdev[S.n_groups] = cdev_of(dev);
		snprintf(S.bdf[S.n_groups], sizeof(S.bdf[0]), "%.31s", de->d_name);
		S.n_groups++;
	}
	closedir(dir);
}

/* Groups like the VM's: VT-d, the given aperture, MSI window, page sizes. */
static int
setup_model(unsigned int bits, bool msi, uint64_t pgsizes, unsigned int limit)
{
	static const char *const bdfs[] = { "0000:00:03.0", "0000:00:04.0" };
	char dev[PATH_MAX];
	unsigned int i, n = W.kernel ? W.kstate.n_groups : CF_MAX_GROUPS;

	vfio_model_reset();
	vfio_model_set_dma_entry_limit(limit);
	for (i = 0; i < n; i++) {
		struct vfio_model_group_cfg cfg = {
			.group_num = W.kernel ? W.kstate.group[i] : 10 + (int)i,
			.devices = { W.kernel ? W.kstate.bdf[i] : bdfs[i], NULL },
			.aperture_bits = bits,
			.pgsize_bitmap = pgsizes,
			.msi_window = msi,
		};

		if (vfio_model_add_group(&cfg) < 0)
			return -1;
		S.group[i] = cfg.group_num;
		snprintf(S.bdf[i], sizeof(S.bdf[0]), "%s", cfg.devices[0]);
		snprintf(dev, sizeof(dev), "%s/bus/pci/devices/%s",
			vfio_model_sysfs_root(), S.bdf[i]);
		S.cdev[i] = cdev_of(dev);
	}
	S.n_groups = n;
	S.be = &vfio_backend_model;
	S.kernel = false;
	S.entry_limit = limit;
	S.top = bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
	return 0;
}

/*
 * What the kernel's machine is: the container flavour, the entry limit,
 * and (type1) the aperture, MSI window and page sizes of group 0.
 */
static int
probe_kernel(unsigned int *bits, bool *msi, uint64_t *pgsizes)
{
	uint64_t buf[64];
	const struct vfio_iommu_type1_info *info = (const void *)buf;
	const struct vfio_iommu_type1_info_cap_iova_range *r;
	struct env e;
	int ret, c;
	unsigned int i;

	c = cf_be_open("/dev/vfio/vfio");
	if (c < 0)
		return -1;
	ret = cf_io_val(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	S.be->close(c);
	W.container = ret == -ENODEV ? CF_COMPAT : CF_TYPE1;
	W.native = access("/dev/iommu", F_OK) == 0 && S.cdev[0] >= 0;
	ret = cf_read_entry_limit();
	S.entry_limit = ret > 0 ? (unsigned int)ret : 65535;
	*bits = 48;
	*msi = true;
	*pgsizes = 0x40201000ULL;
	/* the VM's VT-d (aw-bits 48) under either container */
	S.top = (1ULL << 48) - 1;
	if (W.container == CF_COMPAT)
		return 0;
	if (cf_env_setup(&e, 1, VFIO_TYPE1v2_IOMMU) < 0 ||
			cf_get_info(&e, buf, sizeof(buf)) < 0) {
		cf_env_done(&e);
		return -1;
	}
	*pgsizes = info->iova_pgsizes;
	r = (const void *)cf_find_cap(buf, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	if (r != NULL && r->nr_iovas > 0) {
		S.top = r->iova_ranges[r->nr_iovas - 1].end;
		*bits = S.top == UINT64_MAX ? 64 : (unsigned int)__builtin_ctzll(S.top + 1);
		*msi = false;
		for (i = 0; i < r->nr_iovas; i++)
			*msi |= r->iova_ranges[i].end == 0xfedfffffULL;
	}
	cf_env_done(&e);
	S.got[0] = '\0';
	return 0;
}

/* Run one case in the current world S; its result is S.got or S.skip. */
static void
run_in(const struct conf_case *c)
{
	S.got[0] = '\0';
	S.skip[0] = '\0';
	if (c->groups > S.n_groups)
		snprintf(S.skip, sizeof(S.skip), "needs %u groups", c->groups);
	else
		c->run();
}

static bool
is_native(const struct conf_case *c)
{
	return c->expect[CF_NATIVE] != NULL;
}

struct counts {
	unsigned int passed, failed, skipped;
};

/*
 * The table's page sizes are VT-d's (0x40201000). A VM config with another
 * IOMMU names what its kernel must report in DPDK_TEST_IOMMU_PGSIZES
 * (virtio-iommu: 0xfffffffffffff000): the expectation on the kernel, and
 * for the mirror, uses that value instead.
 */
#define CF_VTD_PGSIZES "pgsizes=0x40201000"

static const char *
expect_machine(const char *exp, char *buf, size_t len)
{
	const char *want = getenv("DPDK_TEST_IOMMU_PGSIZES");
	const char *at = exp != NULL ? strstr(exp, CF_VTD_PGSIZES) : NULL;

	if (!W.kernel || want == NULL || want[0] == '\0' || at == NULL)
		return exp;
	snprintf(buf, len, "%.*spgsizes=%s%s", (int)(at - exp), exp, want,
		at + strlen(CF_VTD_PGSIZES));
	return buf;
}

/*
 * One case: on the kernel (when under test) and on the model. Returns
 * 1 passed, 0 failed, -1 skipped, -2 not applicable to these worlds.
 */
static int
run_case(const struct conf_case *c, struct counts *k, struct counts *m)
{
	enum cf_backend col = is_native(c) ? CF_NATIVE : CF_TYPE1;
	enum cf_backend kcol = is_native(c) ? CF_NATIVE : W.container;
	char kbuf[CF_GOT_LEN], mbuf[CF_GOT_LEN];
	const char *kexp = expect_machine(c->expect[kcol], kbuf, sizeof(kbuf));
	const char *mexp = expect_machine(c->expect[col], mbuf, sizeof(mbuf));
	bool on_kernel = W.kernel && kexp != NULL &&
		(kcol != CF_NATIVE || W.native);
	/* the mirror runs what the kernel runs (and the model can) */
	bool on_model = mexp != NULL && !(c->flags & CF_KERNEL_ONLY) &&
		(!W.kernel || (on_kernel && kcol == col));
	bool ok = true, skipped = false, kernel_ran = false;

	if (!W.kernel && (c->flags & CF_KERNEL_ONLY)) {
		printf("[SKIP] %-7s %s on the model: shows what the model does "
			"not model (a PFNMAP BAR)\n", c->id, c->what);
		m->skipped++;
		return -1;
	}
	if (!on_kernel && !on_model) {
		if (W.kernel && kcol == CF_NATIVE && !W.native)
			printf("[ -- ] %-7s %s: not run, this kernel has no "
				"/dev/iommu or no device cdev\n", c->id, c->what);
		else
			printf("[ -- ] %-7s %s: no %s expectation\n", c->id,
				c->what, col_name[W.kernel ? kcol : col]);
		return -2;
	}
	if (on_kernel) {
		S = W.kstate;
		run_in(c);
		W.kstate = S;
		snprintf(W.kgot, sizeof(W.kgot), "%s", S.got);
		if (S.skip[0] != '\0') {
			printf("[SKIP] %-7s %s on the kernel (%s): %s\n", c->id,
				c->what, col_name[kcol], S.skip);
			k->skipped++;
			skipped = true;
		} else if (strcmp(S.got, kexp) != 0) {
			printf("[FAIL] %-7s %s on the kernel (%s): expected '%s', "
				"got '%s'\n", c->id, c->what, col_name[kcol], kexp,
				S.got);
			k->failed++;
			ok = false;
		} else {
			k->passed++;
		}
		kernel_ran = S.skip[0] == '\0';
	}
	/* a case the kernel skipped has nothing for the mirror to agree with */
	if (on_kernel && !kernel_ran)
		on_model = false;
	if (on_model) {
		S = W.mstate;
		run_in(c);
		W.mstate = S;
		if (S.skip[0] != '\0') {
			printf("[SKIP] %-7s %s on the model: %s\n", c->id,
				c->what, S.skip);
			m->skipped++;
			skipped = true;
		} else if (vfio_model_check() < 0) {
			printf("[FAIL] %-7s %s on the model: an invariant of the "
				"model broke (see the log)\n", c->id, c->what);
			m->failed++;
			ok = false;
		} else if (strcmp(S.got, mexp) != 0 ||
				(kernel_ran && strcmp(S.got, W.kgot) != 0)) {
			printf("[FAIL] %-7s %s on the model%s: expected '%s', "
				"got '%s'%s%s%s\n", c->id, c->what,
				on_kernel ? " mirror" : "", mexp, S.got,
				on_kernel ? ", the kernel gave '" : "",
				on_kernel ? W.kgot : "", on_kernel ? "'" : "");
			m->failed++;
			ok = false;
		} else {
			m->passed++;
		}
	}
	if (!ok)
		return 0;
	if (skipped)
		return -1;
	printf("[ OK ] %-7s %s (%s%s): '%s'\n", c->id, c->what,
		on_kernel ? "kernel" : "model",
		on_kernel && on_model ? " = model" : "",
		on_kernel ? W.kgot : S.got);
	return 1;
}

/*
 * The table's expectations are those of a process that may pin what it
 * maps (D43 sets its own RLIMIT_MEMLOCK); a VM config that lowers the
 * limit for the library's tests (memlock: 1 MiB, no CAP_IPC_LOCK) would
 * otherwise fail every case that maps 2 MiB. Raise it for the suite (root
 * keeps CAP_SYS_RESOURCE there) and put it back at the end.
 */
static struct rlimit memlock_old;
static bool memlock_raised;

static void
memlock_raise(void)
{
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };

	if (getrlimit(RLIMIT_MEMLOCK, &memlock_old) < 0 ||
			memlock_old.rlim_cur == RLIM_INFINITY)
		return;
	if (setrlimit(RLIMIT_MEMLOCK, &inf) < 0) {
		printf("conformance: RLIMIT_MEMLOCK is %llu KiB and cannot be raised (%s): the cases that pin more will fail\n",
			(unsigned long long)memlock_old.rlim_cur >> 10, strerror(errno));
		return;
	}
	memlock_raised = true;
	printf("conformance: RLIMIT_MEMLOCK raised from %llu KiB to unlimited for the suite (put back at the end)\n",
		(unsigned long long)memlock_old.rlim_cur >> 10);
}

static void
memlock_restore(void)
{
	if (memlock_raised)
		setrlimit(RLIMIT_MEMLOCK, &memlock_old);
	memlock_raised = false;
}

static int
setup_worlds(void)
{
	unsigned int bits = 48;
	uint64_t pgsizes = 0x40201000ULL;
	bool msi = true;
	unsigned int i;

	memset(&W, 0, sizeof(W));
	memset(&S, 0, sizeof(S));
	S.ps = (uint64_t)sysconf(_SC_PAGESIZE);
	for (i = 0; i < CF_MAX_GROUPS; i++)
		S.cdev[i] = -1;
	W.kernel = test_vfio_is_kernel();
	W.container = CF_TYPE1;
	if (W.kernel) {
		memlock_raise();
		S.be = &vfio_backend_kernel;
		S.kernel = true;
		if (!S.be->present())
			return -ENODEV;
		find_kernel_devices();
		if (S.n_groups == 0)
			return -ENOENT;
		if (probe_kernel(&bits, &msi, &pgsizes) < 0)
			return -EIO;
		W.kstate = S;
	}
	S.ps = (uint64_t)sysconf(_SC_PAGESIZE);
	if (setup_model(bits, msi, pgsizes,
			W.kernel ? W.kstate.entry_limit : 65535) < 0)
		return -ENOMEM;
	W.mstate = S;
	return 0;
}

static int
test_vfio_conformance(void)
{
	struct counts k = { 0 }, m = { 0 };
	struct test_cases n = { 0 };
	unsigned int i;
	int ret;

	ret = setup_worlds();
	if (ret < 0)
		memlock_restore();
	if (ret == -ENODEV || ret == -ENOENT)
		TEST_SKIP_MISSING("%s", ret == -ENODEV ?
			"no /dev/vfio/vfio: VFIO is not loaded" :
			"no edu device (1234:11e8) bound to vfio-pci in "
			"/sys/bus/pci/devices");
	if (ret < 0) {
		printf("conformance: cannot set up the %s (%s)\n",
			ret == -EIO ? "kernel probe" : "model's groups",
			strerror(-ret));
		vfio_model_reset();
		memlock_restore();
		return TEST_FAILED;
	}
	if (W.kernel) {
		printf("VFIO conformance on the kernel (%s container%s; "
			"VMTEST_CONFIG=%s), %u group(s):", col_name[W.container],
			W.native ? ", native iommufd" : "",
			getenv("VMTEST_CONFIG") != NULL ?
			getenv("VMTEST_CONFIG") : "unset", W.kstate.n_groups);
		for (i = 0; i < W.kstate.n_groups; i++)
			printf(" %d (%s, cdev %d)", W.kstate.group[i],
				W.kstate.bdf[i], W.kstate.cdev[i]);
		printf("; mirrored by the model: last IOVA 0x%" PRIx64
			", entry limit %u\n", W.mstate.top,
			W.mstate.entry_limit);
	} else {
		printf("VFIO conformance on the model (type1 and native "
			"iommufd), %u groups\n", W.mstate.n_groups);
	}

	for (i = 0; i < cf_n_cases; i++) {
		ret = run_case(&cf_cases[i], &k, &m);
		if (ret == 1 || ret == 0 || ret == -1)
			test_case_count(&n, ret == 1 ? TEST_SUCCESS :
				ret == 0 ? TEST_FAILED : TEST_SKIPPED);
	}
	for (i = 0; i < cf_n_not_run; i++)
		printf("[ -- ] not run: %s\n", cf_not_run[i]);
	vfio_model_reset();
	memlock_restore();
	if (W.kernel)
		printf("kernel: %u passed, %u failed, %u skipped; model mirror: "
			"%u passed, %u failed, %u skipped\n", k.passed, k.failed,
			k.skipped, m.passed, m.failed, m.skipped);
	else
		printf("model: %u passed, %u failed, %u skipped\n", m.passed,
			m.failed, m.skipped);
	/* each case counts (dpdk-test reads them); all skipped is a SKIP */
	return test_cases_end(&n);
}

REGISTER_TEST_COMMAND(vfio_conformance_autotest, test_vfio_conformance);
