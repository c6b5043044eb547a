/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vfio-pci bus.
 *
 * pci_autotest, pci_allow_autotest, pci_block_autotest, pci_no_pci_autotest
 * run on the type1 model and its fake sysfs tree (no root, no VM): scan,
 * lookup, the allow/block lists, opening, and every refusal. The model's
 * device fds do not serve mmap/pread/pwrite, so BAR and config access,
 * interrupts and bus mastering are covered by pci_vfio_autotest on the real
 * kernel in the VM (edu devices), which skips elsewhere.
 */

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_vfio.h>

#include "test.h"
#include "test_common.h"
#include "vfio_model.h"

/* Group 10: two viable devices; group 11: 00:05.0 shares it with a host driver. */
#define DEV_A "0000:00:03.0"
#define DEV_B "0000:00:04.0"
#define DEV_NV "0000:00:05.0"
#define DEV_HOST "0000:00:06.0"

static int
model_setup(const char *arg, ...)
{
	static const struct vfio_model_group_cfg g10 = {
		.group_num = 10, .devices = { DEV_A, DEV_B, NULL },
	};
	static const struct vfio_model_group_cfg g11 = {
		.group_num = 11, .devices = { DEV_NV, DEV_HOST, NULL },
		.other_driver = "e1000e",
	};
	const char *args[8];
	unsigned int n = 0;
	va_list ap;

	va_start(ap, arg);
	for (; arg != NULL && n < RTE_DIM(args) - 1; arg = va_arg(ap, const char *))
		args[n++] = arg;
	va_end(ap);
	args[n] = NULL;
	if (test_eal_init("--no-huge", args[0], args[1], args[2], args[3],
			args[4], args[5], args[6], NULL) < 0)
		return -1;
	if (vfio_model_add_group(&g10) < 0 || vfio_model_add_group(&g11) < 0)
		return -1;
	return 0;
}

#define MODEL_ONLY() do { \
	if (test_vfio_is_kernel()) \
		TEST_SKIP("a model test (fake sysfs): runs outside the VM"); \
} while (0)

static int
check_lookup(void)
{
	struct rte_pci_device *a, *d;
	unsigned int n = 0;

	TEST_STEP("scan and lookup");
	TEST_ASSERT_EQUAL(rte_pci_scan(), 4, "devices in the fake tree");
	a = rte_pci_find(DEV_A);
	TEST_ASSERT_NOT_NULL(a, "find %s", DEV_A);
	TEST_ASSERT(rte_pci_find("00:03.0") == a, "short form finds the same device");
	TEST_ASSERT(strcmp(a->name, DEV_A) == 0, "name %s", a->name);
	TEST_ASSERT_EQUAL(a->id.vendor_id, 0x1234, "vendor");
	TEST_ASSERT_EQUAL(a->id.device_id, 0x11e8, "device");
	TEST_ASSERT_EQUAL(a->id.subsystem_vendor_id, 0x1af4, "subsystem vendor");
	TEST_ASSERT_EQUAL(a->id.subsystem_device_id, 0x1100, "subsystem device");
	TEST_ASSERT_EQUAL(a->id.class_id, 0x00ff00, "class");
	TEST_ASSERT_EQUAL(a->numa_node, SOCKET_ID_ANY, "numa_node -1 in sysfs");
	TEST_ASSERT_EQUAL(a->iommu_group, 10, "IOMMU group");
	TEST_ASSERT(strcmp(a->kdrv, "vfio-pci") == 0, "driver %s", a->kdrv);
	TEST_ASSERT(strcmp(rte_pci_find(DEV_HOST)->kdrv, "e1000e") == 0,
		"the host driver's device");
	TEST_ASSERT(strcmp(rte_dev_name(a->device), DEV_A) == 0, "rte_dev_name");
	TEST_ASSERT_EQUAL(rte_dev_numa_node(a->device), SOCKET_ID_ANY, "rte_dev_numa_node");

	for (d = rte_pci_find_by_id(0x1234, 0x11e8, NULL); d != NULL;
			d = rte_pci_find_by_id(0x1234, 0x11e8, d))
		n++;
	TEST_ASSERT_EQUAL(n, 4, "iteration by id");
	TEST_ASSERT(rte_pci_find_by_id(0xffff, 0xffff, NULL) == a,
		"any id, address order: %s first", DEV_A);
	TEST_ASSERT_NULL_ERRNO(rte_pci_find_by_id(0x8086, 0xffff, NULL), ENODEV, "no Intel device");

	TEST_STEP("lookup refusals");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find("0000:00:09.0"), ENODEV, "absent device");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find("00:03"), EINVAL, "malformed address");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find("0000:00:20.0"), EINVAL, "device number > 31");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find("0000:00:03.0x"), EINVAL, "trailing garbage");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find(NULL), EINVAL, "NULL");
	TEST_ASSERT_NULL_ERRNO(rte_dev_name(NULL), EINVAL, "rte_dev_name(NULL)");
	return TEST_SUCCESS;
}

static int
check_addr(void)
{
	struct rte_pci_addr addr;
	char buf[RTE_PCI_NAME_LEN];

	TEST_STEP("address parse and format");
	TEST_ASSERT_SUCCESS(rte_pci_addr_parse("abcd:ef:1f.7", &addr), "full form");
	TEST_ASSERT(addr.domain == 0xabcd && addr.bus == 0xef && addr.devid == 0x1f &&
		addr.function == 7, "fields");
	TEST_ASSERT_SUCCESS(rte_pci_addr_format(&addr, buf, sizeof(buf)), "format");
	TEST_ASSERT(strcmp(buf, "abcd:ef:1f.7") == 0, "formatted %s", buf);
	TEST_ASSERT_ERRNO(rte_pci_addr_parse("0000:00:00.8", &addr), EINVAL, "function 8");
	TEST_ASSERT_ERRNO(rte_pci_addr_parse("", &addr), EINVAL, "empty");
	TEST_ASSERT_ERRNO(rte_pci_addr_format(&addr, buf, 8), EINVAL, "small buffer");
	return TEST_SUCCESS;
}

static int
check_open(void)
{
	struct rte_pci_device *a = rte_pci_find(DEV_A);
	struct rte_pci_region ri;
	uint32_t v;

	TEST_STEP("refusals to open");
	TEST_ASSERT_ERRNO(rte_pci_open(rte_pci_find(DEV_HOST)), ENOTSUP,
		"bound to e1000e, not vfio-pci");
	TEST_ASSERT(!rte_pci_is_open(rte_pci_find(DEV_HOST)), "not open after the refusal");
	TEST_ASSERT_ERRNO(rte_pci_open(rte_pci_find(DEV_NV)), EPERM,
		"group not viable (the VFIO layer's refusal)");
	TEST_ASSERT(!rte_pci_is_open(rte_pci_find(DEV_NV)), "not open after the refusal");
	TEST_ASSERT_ERRNO(rte_pci_open(NULL), EINVAL, "NULL");

	TEST_STEP("open, regions, and refusals on an open device");
	TEST_ASSERT_SUCCESS(rte_pci_open(a), "open %s", DEV_A);
	TEST_ASSERT(rte_pci_is_open(a), "open");
	TEST_ASSERT_ERRNO(rte_pci_open(a), EBUSY, "second open");
	TEST_ASSERT_ERRNO(rte_pci_scan(), EBUSY, "rescan with an open device");
	TEST_ASSERT(rte_pci_find(DEV_A) == a, "the device list is unchanged");
	TEST_ASSERT_SUCCESS(rte_pci_region_info(a, 0, &ri), "BAR0 info");
	TEST_ASSERT_EQUAL(ri.size, 1 << 20, "BAR0 size (the model's edu)");
	TEST_ASSERT(ri.readable && ri.writable && !ri.mmappable, "BAR0 flags");
	TEST_ASSERT_SUCCESS(rte_pci_region_info(a, 1, &ri), "BAR1 info");
	TEST_ASSERT_EQUAL(ri.size, 0, "BAR1 not implemented");
	TEST_ASSERT_ERRNO(rte_pci_region_info(a, RTE_PCI_MAX_BARS, &ri), EINVAL,
		"BAR index 6");
	TEST_ASSERT_NULL_ERRNO(rte_pci_map_bar(a, 0), ENOTSUP, "BAR0 not mmap-able");
	TEST_ASSERT_NULL_ERRNO(rte_pci_map_bar(a, 1), EINVAL, "BAR1 not implemented");
	TEST_ASSERT_NULL_ERRNO(rte_pci_map_bar(a, 7), EINVAL, "BAR index 7");
	TEST_ASSERT_ERRNO(rte_pci_unmap_bar(a, 0), EINVAL, "BAR0 not mapped");
	TEST_ASSERT_ERRNO(rte_pci_bar_read(a, 6, &v, 4, 0), EINVAL, "BAR index 6");
	TEST_ASSERT_ERRNO(rte_pci_bar_read(a, 0, &v, 4, (1 << 20) - 2), EINVAL,
		"read across BAR0's end");
	TEST_ASSERT_ERRNO(rte_pci_bar_write(a, 0, &v, 0, 0), EINVAL, "len 0");
	TEST_ASSERT_ERRNO(rte_pci_config_read(a, &v, 4, 4094), EINVAL,
		"config read across its end");
	TEST_ASSERT_ERRNO(rte_pci_config_write(a, &v, 4, UINT64_MAX - 1), EINVAL,
		"config write at a wrapping offset");
	TEST_ASSERT_ERRNO(rte_pci_config_read(a, NULL, 4, 0), EINVAL, "no buffer");
	TEST_ASSERT_ERRNO(rte_pci_reset(a), ENOTSUP, "no reset method");
	TEST_ASSERT_ERRNO(rte_pci_irq_enable(a, RTE_PCI_IRQ_INTX, 2), EINVAL,
		"INTx has one vector");
	TEST_ASSERT_ERRNO(rte_pci_irq_enable(a, (enum rte_pci_irq_type)3, 1), EINVAL,
		"unknown interrupt type");
	TEST_ASSERT_ERRNO(rte_pci_irq_wait(a, 0, 0), EINVAL, "no vector enabled");
	TEST_ASSERT_SUCCESS(rte_pci_irq_disable(a), "disable with nothing enabled");

	TEST_STEP("close");
	TEST_ASSERT_SUCCESS(rte_pci_close(a), "close");
	TEST_ASSERT(!rte_pci_is_open(a), "closed");
	TEST_ASSERT_ERRNO(rte_pci_close(a), EINVAL, "second close");
	TEST_ASSERT_ERRNO(rte_pci_config_read(a, &v, 4, 0), EINVAL, "closed device");
	TEST_ASSERT_ERRNO(rte_pci_irq_disable(a), EINVAL, "closed device");
	TEST_ASSERT_SUCCESS(rte_pci_open(a), "open again");
	TEST_ASSERT_SUCCESS(rte_pci_close(a), "close again");
	return TEST_SUCCESS;
}

static int
check_dma_map(void)
{
	struct rte_pci_device *a = rte_pci_find(DEV_A);
	size_t pg = test_page_size();
	int cfd = rte_vfio_get_container_fd();
	uint8_t *va;
	uint64_t iova = 1ULL << 40; /* above the heap, which is at IOVA = VA from 4 GiB */

	TEST_STEP("rte_dev_dma_map through the bus into the default container");
	TEST_ASSERT(cfd >= 0, "default container");
	va = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(va != MAP_FAILED, "mmap");
	TEST_ASSERT_SUCCESS(rte_pci_open(a), "open %s (attaches group 10)", DEV_A);
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(a->device, va, iova, 2 * pg), "map");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, 2 * pg), "mapped in the model");
	TEST_ASSERT_ERRNO(rte_dev_dma_map(a->device, va + pg, iova + pg, pg), EEXIST,
		"overlap: the VFIO layer's refusal comes through");
	TEST_ASSERT_ERRNO(rte_dev_dma_map(rte_pci_find(DEV_HOST)->device, va,
		iova + 2 * pg, pg), ENOTSUP, "a device bound to e1000e");
	TEST_ASSERT_ERRNO(rte_dev_dma_map(NULL, va, iova, pg), EINVAL, "no device");
	TEST_ASSERT_ERRNO(rte_dev_dma_map(a->device, NULL, iova, pg), EINVAL, "no address");
	TEST_ASSERT_ERRNO(rte_dev_dma_map(a->device, va, iova, 0), EINVAL, "len 0");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, 2 * pg), "refusals changed nothing");
	TEST_ASSERT_ERRNO(rte_dev_dma_unmap(a->device, va, iova, pg), ENOTSUP,
		"unmap cutting the mapping (the VFIO layer's ENOTSUP)");
	TEST_ASSERT(vfio_model_is_mapped(cfd, iova, 2 * pg), "still mapped");
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(a->device, va, iova, 2 * pg), "unmap");
	TEST_ASSERT(!vfio_model_is_mapped(cfd, iova, pg), "unmapped in the model");
	TEST_ASSERT_SUCCESS(rte_pci_close(a), "close");
	munmap(va, 2 * pg);
	return TEST_SUCCESS;
}

static int
test_pci(void)
{
	int ret;

	MODEL_ONLY();
	TEST_ASSERT_SUCCESS(model_setup(NULL), "EAL and model setup");
	ret = check_addr();
	if (ret == TEST_SUCCESS)
		ret = check_lookup();
	if (ret == TEST_SUCCESS)
		ret = check_open();
	if (ret == TEST_SUCCESS)
		ret = check_dma_map();
	rte_eal_cleanup();
	return ret;
}

static int
test_pci_allow(void)
{
	struct rte_pci_device *d;

	MODEL_ONLY();
	TEST_ASSERT_SUCCESS(model_setup("-a", DEV_B, "-a", "00:06.0", NULL), "setup");
	TEST_ASSERT_EQUAL(rte_pci_scan(), 2, "only the allowed devices");
	TEST_ASSERT_NOT_NULL(rte_pci_find(DEV_B), "allowed %s", DEV_B);
	TEST_ASSERT_NOT_NULL(rte_pci_find(DEV_HOST), "allowed by its short form");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find(DEV_A), ENODEV, "not allowed");
	d = rte_pci_find_by_id(0xffff, 0xffff, NULL);
	TEST_ASSERT(d != NULL && strcmp(d->name, DEV_B) == 0, "first allowed device");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_pci_block(void)
{
	MODEL_ONLY();
	TEST_ASSERT_SUCCESS(model_setup("-b", "00:03.0", "-b", DEV_NV, NULL), "setup");
	TEST_ASSERT_EQUAL(rte_pci_scan(), 2, "all but the blocked devices");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find(DEV_A), ENODEV, "blocked by its short form");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find(DEV_NV), ENODEV, "blocked");
	TEST_ASSERT_NOT_NULL(rte_pci_find(DEV_B), "not blocked");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

static int
test_pci_no_pci(void)
{
	MODEL_ONLY();
	TEST_ASSERT_SUCCESS(model_setup("--no-pci", NULL), "setup");
	TEST_ASSERT_EQUAL(rte_pci_scan(), 0, "--no-pci: an empty bus");
	TEST_ASSERT_NULL_ERRNO(rte_pci_find(DEV_A), ENODEV, "nothing to find");
	rte_eal_cleanup();
	return TEST_SUCCESS;
}

/* ---- the real kernel, on QEMU's edu devices (in the VM) ---- */

#define EDU_REG_ID 0x00
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK 0x64

static int
vfio_irq(struct rte_pci_device *d, volatile uint32_t *bar, enum rte_pci_irq_type t)
{
	TEST_ASSERT_SUCCESS(rte_pci_irq_enable(d, t, 1), "enable irq type %d", t);
	TEST_ASSERT_ERRNO(rte_pci_irq_enable(d, RTE_PCI_IRQ_MSI, 1), EBUSY,
		"a second type while one is enabled");
	TEST_ASSERT(rte_pci_irq_fd(d, 0) >= 0, "eventfd of vector 0");
	TEST_ASSERT_ERRNO(rte_pci_irq_fd(d, 1), EINVAL, "vector 1 not enabled");
	TEST_ASSERT_ERRNO(rte_pci_irq_wait(d, 0, 10), ETIMEDOUT, "nothing pending");
	bar[EDU_REG_IRQ_RAISE / 4] = 0x1;
	TEST_ASSERT(rte_pci_irq_wait(d, 0, 2000) >= 1, "the raised interrupt arrives");
	TEST_ASSERT_EQUAL(bar[EDU_REG_IRQ_STATUS / 4], 0x1, "status");
	bar[EDU_REG_IRQ_ACK / 4] = 0x1;
	TEST_ASSERT_ERRNO(rte_pci_irq_wait(d, 0, 10), ETIMEDOUT, "nothing after the ack");
	bar[EDU_REG_IRQ_RAISE / 4] = 0x2;
	TEST_ASSERT(rte_pci_irq_wait(d, 0, 2000) >= 1, "a second one (INTx unmasked)");
	bar[EDU_REG_IRQ_ACK / 4] = 0x2;
	TEST_ASSERT_SUCCESS(rte_pci_irq_disable(d), "disable");
	TEST_ASSERT_ERRNO(rte_pci_irq_wait(d, 0, 0), EINVAL, "disabled");
	return TEST_SUCCESS;
}

static int
vfio_device_checks(struct rte_pci_device *d)
{
	struct rte_pci_region ri;
	volatile uint32_t *bar;
	uint16_t ids[2];
	uint32_t id;

	TEST_STEP("%s: config space, BAR0 by mmap and by pread", d->name);
	TEST_ASSERT_SUCCESS(rte_pci_config_read(d, ids, sizeof(ids), 0), "config read");
	TEST_ASSERT(ids[0] == 0x1234 && ids[1] == 0x11e8, "config ids %04x:%04x",
		ids[0], ids[1]);
	TEST_ASSERT_SUCCESS(rte_pci_region_info(d, 0, &ri), "BAR0 info");
	TEST_ASSERT_ERRNO(rte_pci_config_read(d, ids, 4, 4096), EINVAL,
		"config read past its end");
	TEST_ASSERT_SUCCESS(rte_pci_region_info(d, 0, &ri), "BAR0 info");
	TEST_ASSERT(ri.size == 1 << 20 && ri.mmappable, "BAR0: 1 MiB, mmap-able");
	bar = rte_pci_map_bar(d, 0);
	TEST_ASSERT_NOT_NULL(bar, "map BAR0");
	TEST_ASSERT(rte_pci_map_bar(d, 0) == bar, "mapping again gives the same");
	TEST_ASSERT_SUCCESS(rte_pci_bar_read(d, 0, &id, sizeof(id), EDU_REG_ID), "pread id");
	TEST_ASSERT_EQUAL(id, bar[EDU_REG_ID / 4], "pread and mmap agree");
	TEST_ASSERT_EQUAL(id & 0xff, 0xed, "edu id register");
	id = 0x11223344;
	TEST_ASSERT_SUCCESS(rte_pci_bar_write(d, 0, &id, sizeof(id), 4), "pwrite liveness");
	TEST_ASSERT_EQUAL(bar[1], ~0x11223344u, "liveness through mmap");

	TEST_STEP("bus mastering");
	TEST_ASSERT_SUCCESS(rte_pci_set_bus_master(d, true), "on");
	TEST_ASSERT_EQUAL(rte_pci_get_bus_master(d), 1, "reads on");
	TEST_ASSERT_SUCCESS(rte_pci_set_bus_master(d, false), "off");
	TEST_ASSERT_EQUAL(rte_pci_get_bus_master(d), 0, "reads off");

	TEST_STEP("interrupts: INTx then MSI, raised by the edu's register 0x60");
	if (vfio_irq(d, bar, RTE_PCI_IRQ_INTX) != TEST_SUCCESS)
		return TEST_FAILED;
	/* an MSI is a memory write by the device: it needs bus mastering */
	TEST_ASSERT_SUCCESS(rte_pci_set_bus_master(d, true), "on for MSI");
	if (vfio_irq(d, bar, RTE_PCI_IRQ_MSI) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_ERRNO(rte_pci_irq_enable(d, RTE_PCI_IRQ_MSIX, 1), ENOTSUP,
		"the edu has no MSI-X");

	TEST_STEP("reset");
	if (rte_pci_reset(d) == 0)
		printf("    %s: VFIO_DEVICE_RESET done\n", d->name);
	else
		TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "reset refused only as unsupported");
	TEST_ASSERT_SUCCESS(rte_pci_unmap_bar(d, 0), "unmap BAR0");
	return TEST_SUCCESS;
}

static int
test_pci_vfio(void)
{
	struct rte_pci_device *d;
	int ret;

	TEST_ASSERT(test_eal_init("--no-huge", NULL) >= 0, "EAL init: %s",
		rte_strerror(rte_errno));
	d = test_vfio_edu(NULL);
	if (d == NULL || !test_vfio_is_kernel()) {
		rte_eal_cleanup();
		TEST_SKIP_MISSING("no QEMU edu device (1234:11e8) bound to vfio-pci on the real kernel: run it in the VM (devtools/vm/run.sh --tests pci_vfio_autotest)");
	}
	TEST_ASSERT_SUCCESS(rte_pci_open(d), "open %s", d->name);
	ret = vfio_device_checks(d);
	TEST_ASSERT_SUCCESS(rte_pci_close(d), "close");
	rte_eal_cleanup();
	return ret;
}

REGISTER_TEST_COMMAND(pci_autotest, test_pci);
REGISTER_TEST_COMMAND(pci_allow_autotest, test_pci_allow);
REGISTER_TEST_COMMAND(pci_block_autotest, test_pci_block);
REGISTER_TEST_COMMAND(pci_no_pci_autotest, test_pci_no_pci);
REGISTER_TEST_COMMAND(pci_vfio_autotest, test_pci_vfio);
