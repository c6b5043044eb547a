/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VFIO API: every public function, its absence without VFIO, and
 * every refusal (its rte_errno, its one log line, and no change of state:
 * the records, the kernel's mappings and the kernel call counters are
 * compared before and after). The record discipline (type1 v1 fallback,
 * replay, identical-repeat references, paged maps, rollback, the EIO path)
 * is in test_vfio_discipline.c; the harness both use in test_vfio_api.h.
 *
 * Against the model, groups are added with vfio_model_add_group(); with
 * DPDK_TEST_VFIO=kernel (the VM) the groups of devices bound to vfio-pci
 * are used and model-only checks are skipped.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "eal_private.h"
#include "vfio_backend.h"
#include "vfio_model.h"
#include "vfio_private.h"
#include "test.h"
#include "test_common.h"
#include "test_vfio_api.h"


struct test_vfio_dev api_tgroups[MAX_GROUPS];
unsigned int api_n_tgroups;
uint64_t api_pg;

/* ---- groups ---- */

static int
model_group(int num, const char *bdf, const char *other_driver,
		unsigned int aperture_bits)
{
	struct vfio_model_group_cfg cfg = {
		.group_num = num,
		.devices = { bdf, other_driver != NULL ? "0000:00:1f.0" : NULL },
		.other_driver = other_driver,
		.aperture_bits = aperture_bits,
		.msi_window = true,
	};

	return vfio_model_add_group(&cfg);
}

/*
 * Start the EAL (--no-huge, --no-pci: no driver takes the groups) and
 * provide `need` groups. Returns TEST_SUCCESS, TEST_SKIPPED or TEST_FAILED.
 */
int
api_start(const char *test, unsigned int need)
{
	unsigned int i;
	int ret;

	api_pg = test_page_size();
	api_n_tgroups = 0;
	ret = test_vfio_start_as(test, NULL);
	if (ret != TEST_SUCCESS)
		return ret;
	if (!test_vfio_is_kernel()) {
		for (i = 0; i < need && i < MAX_GROUPS; i++) {
			api_tgroups[i].num = 40 + i;
			snprintf(api_tgroups[i].bdf, sizeof(api_tgroups[i].bdf),
				"0000:00:%02x.0", 8 + i);
			if (model_group(api_tgroups[i].num, api_tgroups[i].bdf, NULL, 0) < 0) {
				rte_eal_cleanup();
				printf("FAIL %s(): vfio_model_add_group(%d)\n", test,
					api_tgroups[i].num);
				return TEST_FAILED;
			}
		}
		api_n_tgroups = need;
	} else {
		api_n_tgroups = test_vfio_pci_devices(api_tgroups, MAX_GROUPS);
	}
	if (api_n_tgroups < need) {
		rte_eal_cleanup();
		return test_missing(test, "needs %u IOMMU groups bound to vfio-pci, found %u",
			need, api_n_tgroups);
	}
	return TEST_SUCCESS;
}

void *
api_buf_alloc(size_t pages)
{
	return test_anon_map(pages * api_pg, MAP_POPULATE);
}

int
api_fix_open(struct api_fix *f, size_t pages, bool bind)
{
	*f = (struct api_fix){ .pages = pages, .cfd = -1, .gfd = -1 };
	f->buf = api_buf_alloc(pages);
	TEST_ASSERT_NOT_NULL(f->buf, "mmap");
	f->va = (uintptr_t)f->buf;
	f->cfd = rte_vfio_container_create();
	TEST_ASSERT(f->cfd >= 0, "create");
	if (bind) {
		f->gfd = rte_vfio_container_group_bind(f->cfd, api_tgroups[0].num);
		TEST_ASSERT(f->gfd >= 0, "bind: %s", rte_strerror(rte_errno));
	}
	return TEST_SUCCESS;
}

void
api_fix_release(struct api_fix *f)
{
	munmap(f->buf, f->pages * api_pg);
	rte_eal_cleanup();
}

int
api_fix_close(struct api_fix *f)
{
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(f->cfd), "destroy");
	api_fix_release(f);
	return TEST_SUCCESS;
}

int
api_run(const char *test, const char *model_only, unsigned int need,
	size_t pages, bool bind, int (*seq)(int cfd, uint64_t va))
{
	struct api_fix f;
	int ret;

	if (model_only != NULL && test_vfio_is_kernel()) {
		printf("SKIP %s(): %s\n", test, model_only);
		return TEST_SKIPPED;
	}
	ret = api_start(test, need);
	if (ret != TEST_SUCCESS)
		return ret;
	FIXTURE(&f, pages, bind);
	ret = seq(f.cfd, f.va);
	if (api_fix_close(&f) != TEST_SUCCESS)
		return TEST_FAILED;
	return ret;
}

/* ---- snapshots: records, kernel mappings and kernel call counters ---- */

static void
snap_rec_cb(const struct vfio_record *r, void *arg)
{
	struct snap *s = arg;

	if (s->n < SNAP_MAX)
		s->rec[s->n] = (struct snap_ent){ r->iova, r->vaddr, r->len,
			r->refcnt, r->kind };
	s->n++;
}

static void
snap_kern_cb(uint64_t iova, uint64_t vaddr, uint64_t len, void *arg)
{
	struct snap *s = arg;

	if (s->kn < SNAP_MAX)
		s->kern[s->kn] = (struct snap_ent){ iova, vaddr, len, 0, 0 };
	s->kn++;
}

struct snap *
api_snap_take(int cfd)
{
	struct snap *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	vfio_container_records_walk(cfd, snap_rec_cb, s);
	if (!test_vfio_is_kernel()) {
		int kfd = cfd == RTE_VFIO_DEFAULT_CONTAINER_FD ?
			rte_vfio_get_container_fd() : cfd;

		vfio_model_walk(kfd, snap_kern_cb, s);
	}
	vfio_container_stats_get(cfd, &s->st);
	s->state = vfio_container_state_get(cfd);
	return s;
}

/* Nothing changed: same records, same kernel mappings, no kernel call. */
int
api_snap_same(const struct snap *a, const struct snap *b)
{
	if (a->n != b->n || a->kn != b->kn || a->state != b->state)
		return 0;
	if (memcmp(a->rec, b->rec, RTE_MIN(a->n, SNAP_MAX) * sizeof(a->rec[0])) != 0 ||
			memcmp(a->kern, b->kern,
				RTE_MIN(a->kn, SNAP_MAX) * sizeof(a->kern[0])) != 0)
		return 0;
	return a->st.map_calls == b->st.map_calls &&
		a->st.unmap_calls == b->st.unmap_calls;
}

/* With an IOMMU set, the kernel holds exactly the records (model only). */
int
api_records_match_kernel(int cfd)
{
	struct snap *s;
	unsigned int i;
	int ok;

	if (test_vfio_is_kernel())
		return 1;
	s = api_snap_take(cfd);
	if (s == NULL)
		return 0;
	if (s->state != VFIO_CONT_IOMMU) {
		ok = s->kn == 0;
	} else {
		ok = s->n == s->kn && s->n <= SNAP_MAX;
		for (i = 0; ok && i < s->n; i++)
			ok = s->rec[i].iova == s->kern[i].iova &&
				s->rec[i].vaddr == s->kern[i].vaddr &&
				s->rec[i].len == s->kern[i].len;
	}
	if (!ok)
		printf("  records (%u) and kernel mappings (%u) differ\n", s->n, s->kn);
	free(s);
	return ok;
}

unsigned int
api_n_records(int cfd)
{
	struct vfio_container_stats st;

	if (vfio_container_stats_get(cfd, &st) < 0)
		return UINT_MAX;
	return (unsigned int)st.records;
}

uint64_t
api_map_calls(int cfd)
{
	struct vfio_container_stats st;

	vfio_container_stats_get(cfd, &st);
	return st.map_calls;
}

uint64_t
api_unmap_calls(int cfd)
{
	struct vfio_container_stats st;

	vfio_container_stats_get(cfd, &st);
	return st.unmap_calls;
}

/* ---- log capture: a refusal logs exactly one line naming its cause ---- */

/* 1 when exactly one line was logged and it holds both words. */
int
api_log_one_line(const char *w1, const char *w2)
{
	const char *buf = test_log_release();
	unsigned int lines;
	int ok;

	if (buf == NULL)
		return 1; /* no capture possible: do not fail for it */
	lines = test_count_lines(buf);
	ok = lines == 1 && strstr(buf, w1) != NULL &&
		(w2 == NULL || strstr(buf, w2) != NULL);
	if (!ok)
		printf("  expected one log line with \"%s\"%s%s%s, got %u line(s):\n%s",
			w1, w2 != NULL ? " and \"" : "", w2 != NULL ? w2 : "",
			w2 != NULL ? "\"" : "", lines, buf);
	return ok;
}

/* ---- tests ---- */

static int
test_vfio_api(void)
{
	struct vfio_device_info info;
	char base[PATH_MAX], mod[PATH_MAX + 32];
	int cfd, cfd2, gfd, gfd2, dfd = -1, dfd2, num = -1, ret;
	uint64_t u0;
	uint8_t *buf;

	START(2);
	snprintf(base, sizeof(base), "%s/bus/pci/devices", eal_sysfs_root());

	TEST_STEP("default container and module queries");
	TEST_ASSERT(rte_vfio_get_container_fd() >= 0, "default container fd");
	TEST_ASSERT_ERRNO(rte_vfio_enable(NULL), EINVAL, "NULL module name");
	TEST_ASSERT_SUCCESS(rte_vfio_enable("vfio_pci"), "enable");
	if (!test_vfio_is_kernel()) {
		snprintf(mod, sizeof(mod), "%s/module", eal_sysfs_root());
		mkdir(mod, 0755);
		snprintf(mod, sizeof(mod), "%s/module/vfio_pci", eal_sysfs_root());
		TEST_ASSERT_EQUAL(rte_vfio_is_enabled("vfio_pci"), 0,
			"module not in sysfs yet");
		TEST_ASSERT_SUCCESS(mkdir(mod, 0755), "mkdir %s", mod);
		TEST_ASSERT_EQUAL(rte_vfio_noiommu_is_enabled(), 0, "no-IOMMU off");
	}
	TEST_ASSERT_EQUAL(rte_vfio_is_enabled("vfio_pci"), 1, "vfio_pci loaded");
	TEST_ASSERT_EQUAL(rte_vfio_is_enabled("no_such_module"), 0, "unknown module");
	TEST_ASSERT(rte_vfio_noiommu_is_enabled() >= 0, "no-IOMMU readable");

	TEST_STEP("group numbers from sysfs");
	TEST_ASSERT_EQUAL(rte_vfio_get_group_num(base, api_tgroups[0].bdf, &num), 1,
		"group of %s", api_tgroups[0].bdf);
	TEST_ASSERT_EQUAL(num, api_tgroups[0].num, "group number");
	TEST_ASSERT_EQUAL(rte_vfio_get_group_num(base, "0000:ff:1f.7", &num), 0,
		"no such device: no group");
	TEST_ASSERT_ERRNO(rte_vfio_get_group_num(NULL, api_tgroups[0].bdf, &num),
		EINVAL, "NULL base");

	TEST_STEP("containers and groups");
	cfd = rte_vfio_container_create();
	TEST_ASSERT(cfd >= 0, "container_create: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_NO_GROUP, "no group yet");
	gfd = rte_vfio_container_group_bind(cfd, api_tgroups[0].num);
	TEST_ASSERT(gfd >= 0, "group_bind: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_IOMMU, "IOMMU set");
	TEST_ASSERT_EQUAL(vfio_container_iommu_type(cfd), RTE_VFIO_TYPE1V2, "type1 v2 preferred");
	TEST_ASSERT_EQUAL(rte_vfio_container_group_bind(cfd, api_tgroups[0].num), gfd,
		"binding again gives the same fd");
	TEST_ASSERT_EQUAL(rte_vfio_get_group_fd(api_tgroups[0].num), gfd, "get_group_fd of a bound group");
	cfd2 = rte_vfio_container_create();
	TEST_ASSERT(cfd2 >= 0, "second container");
	TEST_ASSERT_ERRNO(rte_vfio_container_group_bind(cfd2, api_tgroups[0].num),
		EBUSY, "group in another container");
	TEST_ASSERT_ERRNO(rte_vfio_container_group_unbind(cfd2, api_tgroups[0].num),
		ENOENT, "group not in this container");

	TEST_STEP("map and unmap");
	buf = api_buf_alloc(4);
	TEST_ASSERT_NOT_NULL(buf, "mmap");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, (uintptr_t)buf,
		IOVA_BASE, 4 * api_pg), "map");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 1, "one record");
	TEST_ASSERT_EQUAL(api_map_calls(cfd), 1, "one kernel map");
	if (!test_vfio_is_kernel())
		TEST_ASSERT(vfio_model_is_mapped(cfd, IOVA_BASE, 4 * api_pg), "mapped");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, (uintptr_t)buf,
		IOVA_BASE, 4 * api_pg), "unmap");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 0, "no record");
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, (uintptr_t)buf,
		IOVA_BASE, 4 * api_pg, api_pg), "paged map");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 4, "one record per page");

	TEST_STEP("unbind and destroy");
	TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, api_tgroups[0].num), "unbind");
	TEST_ASSERT_EQUAL(vfio_container_state_get(cfd), VFIO_CONT_NO_GROUP, "no group");
	TEST_ASSERT_EQUAL(api_n_records(cfd), 4, "records kept");
	TEST_ASSERT_ERRNO(rte_vfio_container_group_unbind(cfd, api_tgroups[0].num),
		ENOENT, "unbind twice");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd), "destroy");
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(cfd2), "destroy 2");
	TEST_ASSERT_ERRNO(rte_vfio_container_destroy(cfd), EINVAL, "destroy twice");
	TEST_ASSERT_ERRNO(rte_vfio_container_destroy(RTE_VFIO_DEFAULT_CONTAINER_FD),
		EINVAL, "the default container");

	TEST_STEP("devices");
	ret = rte_vfio_setup_device(base, api_tgroups[1].bdf, &dfd, &info);
	TEST_ASSERT_EQUAL(ret, 0, "setup_device: %s", rte_strerror(rte_errno));
	TEST_ASSERT(dfd >= 0, "device fd");
	TEST_ASSERT(info.argsz >= sizeof(info) - sizeof(info.cap_offset), "device info");
	TEST_ASSERT_EQUAL(vfio_container_state_get(RTE_VFIO_DEFAULT_CONTAINER_FD),
		VFIO_CONT_IOMMU, "the group joined the default container");
	gfd2 = rte_vfio_get_group_fd(api_tgroups[1].num);
	TEST_ASSERT(gfd2 >= 0, "group fd of the device");
	TEST_ASSERT_ERRNO(rte_vfio_clear_group(gfd2), EBUSY, "device open");
	TEST_ASSERT_ERRNO(rte_vfio_container_group_unbind(RTE_VFIO_DEFAULT_CONTAINER_FD,
		api_tgroups[1].num), EBUSY, "device open");
	dfd2 = dfd;
	memset(&info, 0, sizeof(info));
	TEST_ASSERT_SUCCESS(rte_vfio_get_device_info(base, api_tgroups[1].bdf, &dfd2, &info),
		"get_device_info");
	TEST_ASSERT_EQUAL(dfd2, dfd, "same fd");
	TEST_ASSERT(info.argsz != 0, "info filled");
	TEST_ASSERT_EQUAL(rte_vfio_setup_device(base, "0000:ff:1f.7", &dfd2, &info), 1,
		"a device without IOMMU group is not VFIO's");
	TEST_ASSERT_ERRNO(rte_vfio_setup_device(NULL, api_tgroups[1].bdf, &dfd2, &info),
		EINVAL, "NULL base");
	TEST_STEP("device-owned (peer-to-peer) mappings go with their device");
	{
		unsigned int n0 = api_n_records(RTE_VFIO_DEFAULT_CONTAINER_FD);

		TEST_ASSERT_ERRNO(vfio_device_dma_map(12345, (uintptr_t)buf,
			IOVA_BASE, api_pg), ENOENT, "not a device fd");
		if (rte_vfio_get_mode() == RTE_VFIO_MODE_CDEV) {
			/* native iommufd maps no device memory by address */
			TEST_ASSERT_ERRNO(vfio_device_dma_map(dfd, (uintptr_t)buf,
				IOVA_BASE, 2 * api_pg), ENOTSUP,
				"device-owned map on iommufd");
			TEST_ASSERT_EQUAL(api_n_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n0,
				"nothing recorded");
			TEST_ASSERT_SUCCESS(rte_vfio_release_device(base,
				api_tgroups[1].bdf, dfd), "release");
			goto released;
		}
		TEST_ASSERT_SUCCESS(vfio_device_dma_map(dfd, (uintptr_t)buf, IOVA_BASE,
			2 * api_pg), "map memory owned by the device");
		TEST_ASSERT_EQUAL(api_n_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n0 + 1,
			"one device record");
		TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
			(uintptr_t)buf, IOVA_BASE, 2 * api_pg), EPERM,
			"the user cannot unmap device memory");
		TEST_ASSERT(api_records_match_kernel(RTE_VFIO_DEFAULT_CONTAINER_FD),
			"records == kernel");
		u0 = api_unmap_calls(RTE_VFIO_DEFAULT_CONTAINER_FD);
		TEST_ASSERT_SUCCESS(rte_vfio_release_device(base, api_tgroups[1].bdf, dfd),
			"release");
		TEST_ASSERT_EQUAL(api_unmap_calls(RTE_VFIO_DEFAULT_CONTAINER_FD) - u0, 1,
			"its mapping was unmapped in the kernel");
		TEST_ASSERT_EQUAL(api_n_records(RTE_VFIO_DEFAULT_CONTAINER_FD), n0,
			"and is not kept for a later replay");
	}
released:
	TEST_ASSERT_ERRNO(rte_vfio_release_device(base, api_tgroups[1].bdf, dfd), ENOENT,
		"release twice");
	TEST_ASSERT_EQUAL(vfio_container_state_get(RTE_VFIO_DEFAULT_CONTAINER_FD),
		VFIO_CONT_NO_GROUP, "the group left with its last device");

	TEST_STEP("group fds");
	gfd = rte_vfio_get_group_fd(api_tgroups[1].num);
	TEST_ASSERT(gfd >= 0, "get_group_fd binds to the default container");
	TEST_ASSERT_SUCCESS(rte_vfio_clear_group(gfd), "clear_group");
	TEST_ASSERT_ERRNO(rte_vfio_clear_group(gfd), ENOENT, "clear twice");
	TEST_ASSERT_ERRNO(rte_vfio_get_group_fd(-3), EINVAL, "bad group number");

	munmap(buf, 4 * api_pg);
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static bool
absent_present(void)
{
	return false;
}

static int
absent_open(const char *path __rte_unused, int flags __rte_unused)
{
	errno = ENOENT;
	return -1;
}

static int
absent_close(int fd __rte_unused)
{
	return 0;
}

static int
absent_ioctl(int fd __rte_unused, unsigned long req __rte_unused,
		void *arg __rte_unused)
{
	errno = ENOTTY;
	return -1;
}

static const struct vfio_backend absent_backend = {
	.name = "absent",
	.open = absent_open,
	.close = absent_close,
	.ioctl = absent_ioctl,
	.present = absent_present,
};

/*
 * rte_vfio_container_create() refused for want of VFIO: ENODEV and one
 * line that still shows when only warnings and errors are logged.
 */
static int
absent_refusal_logged(void)
{
	uint32_t level = rte_log_get_global_level();
	const char *l;
	int ret, err;

	rte_log_set_global_level(RTE_LOG_WARNING);
	TEST_ASSERT_SUCCESS(test_log_capture(), "capture the log");
	rte_errno = 0;
	ret = rte_vfio_container_create();
	err = rte_errno;
	l = test_log_release();
	rte_log_set_global_level(level);
	TEST_ASSERT_NOT_NULL(l, "captured log");
	printf("%s", l);
	TEST_ASSERT(ret == -1 && err == ENODEV, "create: expected -1 with ENODEV, got %d with %d",
		ret, err);
	TEST_ASSERT_EQUAL(test_count_lines(l), 1, "one log line");
	TEST_ASSERT(strstr(l, "rte_vfio_container_create()") != NULL &&
		strstr(l, "not available") != NULL,
		"the line names the call and the cause: %s", l);
	return TEST_SUCCESS;
}

/* No /dev/vfio/vfio: the EAL starts and every call says ENODEV. */
static int
test_vfio_absent(void)
{
	char *argv[] = { (char *)(uintptr_t)"dpdk-test",
		(char *)(uintptr_t)"--no-huge", (char *)(uintptr_t)"--no-pci", NULL };
	struct vfio_device_info info;
	int fd;

	if (test_vfio_is_kernel())
		TEST_SKIP("selects a backend of its own: model runs only");
	vfio_backend_select(&absent_backend);
	TEST_ASSERT(rte_eal_init(3, argv) >= 0, "init without VFIO: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_ERRNO(rte_vfio_get_container_fd(), ENODEV, "container fd");
	TEST_ASSERT_SUCCESS(absent_refusal_logged(), "create: one ERR line");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
		0x1000, 0x1000, 0x1000), ENODEV, "map");
	TEST_ASSERT_ERRNO(rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
		0x1000, 0x1000, 0x1000), ENODEV, "unmap");
	TEST_ASSERT_ERRNO(rte_vfio_get_group_fd(1), ENODEV, "group fd");
	TEST_ASSERT_ERRNO(rte_vfio_setup_device("/sys/bus/pci/devices", "0000:00:01.0",
		&fd, &info), ENODEV, "setup");
	TEST_ASSERT_EQUAL(rte_vfio_is_enabled("vfio_pci"), 0, "not enabled");
	rte_eal_cleanup();
	vfio_backend_select(&vfio_backend_model);
	return TEST_SUCCESS;
}

static int
test_vfio_refusals(void)
{
	uint64_t A = IOVA_BASE, big = 1ULL << 50;
	struct api_fix f;
	uint8_t *hole;
	int cfd, c2;

	START(1);
	FIXTURE(&f, 16, true);
	uint64_t va = f.va;
	cfd = f.cfd;
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va, A, 4 * api_pg), "map A");

	TEST_STEP("map refusals");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(-2, va, A, api_pg), EINVAL,
		"not a container fd", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va, A + 8 * api_pg, 0),
		EINVAL, "length 0", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va,
		UINT64_MAX - api_pg + 1, 2 * api_pg), EINVAL, "wraps", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va, A + 8 * api_pg + api_pg / 2,
		api_pg), EINVAL, "not aligned", "smallest page");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va + 1, A + 8 * api_pg, api_pg),
		EINVAL, "not aligned", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va, A + 2 * api_pg, 4 * api_pg),
		EEXIST, "overlaps the mapping", "0x40000000");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va + 4 * api_pg, A - api_pg, 2 * api_pg),
		EEXIST, "overlaps", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va, VFIO_X86_MSI_START, api_pg),
		ERANGE, "valid IOVA range", "MSI window");
	if (!test_vfio_is_kernel())
		ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va, big, api_pg),
			ERANGE, "above the last valid range", "0xffffffffffff");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_map_paged(cfd, va, A + 8 * api_pg,
		4 * api_pg, 3 * api_pg), EINVAL, "power of two", NULL);

	TEST_STEP("a kernel refusal the checks cannot foresee (unmapped vaddr)");
	hole = api_buf_alloc(2);
	TEST_ASSERT_NOT_NULL(hole, "mmap");
	munmap(hole, 2 * api_pg);
	{
		struct snap *b = api_snap_take(cfd), *a;

		TEST_ASSERT_ERRNO(rte_vfio_container_dma_map(cfd, (uintptr_t)hole,
			A + 8 * api_pg, 2 * api_pg), EFAULT, "unmapped memory");
		a = api_snap_take(cfd);
		TEST_ASSERT(b->n == a->n && b->kn == a->kn, "nothing recorded");
		free(a);
		free(b);
	}
	TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");

	TEST_STEP("unmap refusals");
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 8 * api_pg, A + 8 * api_pg,
		2 * api_pg), "map B");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va, A, api_pg), ENOTSUP,
		"cuts the unit", "rte_vfio_container_dma_map_paged");
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va + api_pg, A + api_pg, 3 * api_pg),
		ENOTSUP, "cuts the unit", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va, A + 64 * api_pg, api_pg),
		ENOENT, "nothing is mapped", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va, A, 10 * api_pg),
		ENOENT, "nothing is mapped at IOVA", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va + api_pg, A, 4 * api_pg),
		EINVAL, "was mapped from vaddr", NULL);
	ASSERT_REFUSED(cfd, rte_vfio_container_dma_unmap(cfd, va, A, 0), EINVAL,
		"length 0", NULL);
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 8 * api_pg, A + 8 * api_pg,
		2 * api_pg), "unmap B");

	TEST_STEP("heap memory cannot be unmapped by the user (EPERM)");
	{
		struct snap *d = api_snap_take(RTE_VFIO_DEFAULT_CONTAINER_FD);
		unsigned int i;

		TEST_ASSERT_NOT_NULL(d, "snapshot");
		for (i = 0; i < d->n && d->rec[i].kind == VFIO_REC_USER; i++)
			;
		if (i < d->n) {
			struct snap_ent e = d->rec[i];

			ASSERT_REFUSED(RTE_VFIO_DEFAULT_CONTAINER_FD,
				rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
					e.vaddr, e.iova, e.len), EPERM, "owned by the EAL", NULL);
		}
		free(d);
	}

	TEST_STEP("DMA entry budget (ENOSPC)");
	if (!test_vfio_is_kernel()) {
		TEST_ASSERT_SUCCESS(rte_vfio_container_group_unbind(cfd, api_tgroups[0].num),
			"unbind");
		vfio_model_set_dma_entry_limit(4);
		TEST_ASSERT(rte_vfio_container_group_bind(cfd, api_tgroups[0].num) >= 0,
			"rebind with 4 entries");
		/* A is one entry */
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 4 * api_pg,
			A + 4 * api_pg, api_pg), "2nd entry");
		ASSERT_REFUSED(cfd, rte_vfio_container_dma_map_paged(cfd, va + 8 * api_pg,
			A + 8 * api_pg, 4 * api_pg, api_pg), ENOSPC, "needs 4 DMA entries, the kernel has 2 left",
			"dma_entry_limit");
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map_paged(cfd, va + 8 * api_pg,
			A + 8 * api_pg, 2 * api_pg, api_pg), "2 more entries");
		ASSERT_REFUSED(cfd, rte_vfio_container_dma_map(cfd, va + 12 * api_pg,
			A + 12 * api_pg, api_pg), ENOSPC, "DMA entries",
			"/sys/module/vfio_iommu_type1/parameters/dma_entry_limit");
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(cfd, va + 4 * api_pg,
			A + 4 * api_pg, api_pg), "free an entry");
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(cfd, va + 12 * api_pg,
			A + 12 * api_pg, api_pg), "use it again");
		TEST_ASSERT(api_records_match_kernel(cfd), "records == kernel");
	}

	TEST_STEP("group refusals");
	c2 = rte_vfio_container_create();
	TEST_ASSERT(c2 >= 0, "create");
	ASSERT_REFUSED(c2, rte_vfio_container_group_bind(c2, 999), ENOENT,
		"does not exist", NULL);
	ASSERT_REFUSED(c2, rte_vfio_container_group_bind(c2, api_tgroups[0].num), EBUSY,
		"is bound to container", NULL);
	if (!test_vfio_is_kernel()) {
		TEST_ASSERT_SUCCESS(model_group(77, "0000:00:1e.0", "e1000e", 0), "group 77");
		ASSERT_REFUSED(c2, rte_vfio_container_group_bind(c2, 77), EPERM,
			"0000:00:1f.0 is bound to e1000e", "vfio-pci");
	}
	TEST_STEP("a group reserving the IOVA of a kept record (ERANGE)");
	/* no group: the map is only recorded; the group's MSI window holds it */
	TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(c2, va, VFIO_X86_MSI_START, api_pg),
		"recorded before any group");
	if (!test_vfio_is_kernel()) {
		TEST_ASSERT_SUCCESS(model_group(78, "0000:00:1d.0", NULL, 0), "group 78");
		ASSERT_REFUSED(c2, rte_vfio_container_group_bind(c2, 78), ERANGE,
			"reserves IOVA", "0xfee00000");
		TEST_STEP("a group whose aperture excludes a kept record (ERANGE)");
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_unmap(c2, va,
			VFIO_X86_MSI_START, api_pg), "unmap");
		TEST_ASSERT_SUCCESS(rte_vfio_container_dma_map(c2, va, 1ULL << 40, api_pg),
			"recorded above 2^39");
		TEST_ASSERT_SUCCESS(model_group(79, "0000:00:1c.0", NULL, 39), "group 79");
		ASSERT_REFUSED(c2, rte_vfio_container_group_bind(c2, 79), ERANGE,
			"above the last valid range", "0x7fffffffff");
		TEST_ASSERT_EQUAL(vfio_model_mapping_count(c2), 0, "nothing left mapped");
	}
	TEST_ASSERT_SUCCESS(rte_vfio_container_destroy(c2), "destroy");
	return api_fix_close(&f);
}

/* Map, unmap pieces, map again: the common sequence on any backend. */

REGISTER_TEST_COMMAND(vfio_api_autotest, test_vfio_api);
REGISTER_TEST_COMMAND(vfio_absent_autotest, test_vfio_absent);
REGISTER_TEST_COMMAND(vfio_refusal_autotest, test_vfio_refusals);
