/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edu DMA driver. Registers (QEMU hw/misc/edu.c, docs/specs/edu.rst):
 * 0x00 id, 0x04 liveness (reads the inverse of the last write), 0x24
 * interrupt status, 0x64 interrupt acknowledge, 0x80 DMA source, 0x88 DMA
 * destination, 0x90 DMA count, 0x98 DMA command. The DMA registers take
 * 8-byte accesses, the others 4-byte ones.
 *
 * A device is used by one thread at a time (the device runs one transfer
 * at a time anyway); the driver takes no lock.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "rte_edu.h"

#define EDU_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, RTE_LOGTYPE_PMD, "EDU: " fmt "\n", ##__VA_ARGS__)

#define EDU_REG_ID 0x00
#define EDU_REG_LIVENESS 0x04
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98

#define EDU_CMD_START 0x1
#define EDU_CMD_TO_RAM 0x2      /* direction: device buffer to memory */
#define EDU_CMD_IRQ 0x4
#define EDU_IRQ_DMA 0x100       /* the status bit a finished DMA raises */

/* The buffer's address on the device's side. */
#define EDU_BUF_ADDR 0x40000

/* Id register: 0xed in the low byte, the version above. */
#define EDU_ID_MAGIC 0xed

#define EDU_POLL_US 200

struct rte_edu {
	struct rte_pci_device *dev;
	uint8_t *bar;
	bool opened;                /* the probe opened the device */
	bool msi;
	unsigned int timeout_ms;
	uint32_t id;
	uint8_t *scratch;           /* driver's DMA page(s) */
	size_t scratch_len;
	rte_iova_t scratch_iova;    /* per the IOVA mode (scratch_iova_get()) */
	bool scratch_iova_owned;    /* a block of rte_mem_iova_alloc() */
};

static int
edu_fail(int err)
{
	rte_errno = err;
	return -1;
}

static uint32_t
rd32(const struct rte_edu *edu, unsigned int reg)
{
	return *(volatile const uint32_t *)(edu->bar + reg);
}

static void
wr32(struct rte_edu *edu, unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(edu->bar + reg) = v;
}

static uint64_t
rd64(const struct rte_edu *edu, unsigned int reg)
{
	return *(volatile const uint64_t *)(edu->bar + reg);
}

static void
wr64(struct rte_edu *edu, unsigned int reg, uint64_t v)
{
	*(volatile uint64_t *)(edu->bar + reg) = v;
}

/*
 * The scratch page's IOVA in the EAL's mode: its address in IOVA as VA, a
 * block of the EAL's IOVA space in the allocated mode (the address may be
 * beyond the IOMMU's width), its physical address in IOVA as PA.
 */
static int
scratch_iova_get(struct rte_edu *edu, void *va)
{
	edu->scratch_iova_owned = false;
	if (rte_eal_iova_mode() == RTE_IOVA_VA) {
		edu->scratch_iova = (uintptr_t)va;
		return 0;
	}
	if (rte_eal_iova_mode_is_allocated()) {
		edu->scratch_iova = rte_mem_iova_alloc(edu->scratch_len,
				edu->scratch_len);
		if (edu->scratch_iova == RTE_BAD_IOVA)
			return -1;
		edu->scratch_iova_owned = true;
		return 0;
	}
	memset(va, 0, edu->scratch_len); /* a frame before its address */
	edu->scratch_iova = rte_mem_virt2phy(va);
	if (edu->scratch_iova == RTE_BAD_IOVA) {
		EDU_LOG(ERR, "%s: no physical address for the scratch page in IOVA-as-PA mode: %s",
			edu->dev->name, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static void
scratch_iova_put(struct rte_edu *edu)
{
	if (edu->scratch_iova_owned)
		rte_mem_iova_free(edu->scratch_iova, edu->scratch_len);
	edu->scratch_iova_owned = false;
}

static int
map_scratch(struct rte_edu *edu)
{
	size_t pgsz = sysconf(_SC_PAGESIZE);
	void *va;

	edu->scratch_len = RTE_ALIGN_CEIL((size_t)RTE_EDU_BUF_SIZE, pgsz);
	va = MAP_FAILED;
#ifdef MAP_32BIT
	/*
	 * In IOVA as VA the page's address is its IOVA: mmap() alone puts it
	 * near 2^47, beyond a 39-bit IOMMU. Below 2 GiB every IOMMU reaches
	 * it, and nothing of the EAL's (which starts at 4 GiB) is there.
	 */
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		va = mmap(NULL, edu->scratch_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#endif
	if (va == MAP_FAILED)
		va = mmap(NULL, edu->scratch_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (va == MAP_FAILED) {
		int err = errno;

		EDU_LOG(ERR, "%s: no memory for the scratch page: %s",
			edu->dev->name, strerror(err));
		return edu_fail(err);
	}
	if (scratch_iova_get(edu, va) < 0 ||
			rte_dev_dma_map(edu->dev->device, va, edu->scratch_iova,
				edu->scratch_len) < 0) {
		int err = rte_errno;

		EDU_LOG(ERR, "%s: mapping the scratch page for DMA failed: %s",
			edu->dev->name, rte_strerror(err));
		scratch_iova_put(edu);
		munmap(va, edu->scratch_len);
		return edu_fail(err);
	}
	edu->scratch = va;
	return 0;
}

static int
unmap_scratch(struct rte_edu *edu)
{
	int ret = 0;

	if (edu->scratch == NULL)
		return 0;
	ret = rte_dev_dma_unmap(edu->dev->device, edu->scratch,
		edu->scratch_iova, edu->scratch_len);
	scratch_iova_put(edu);
	munmap(edu->scratch, edu->scratch_len);
	edu->scratch = NULL;
	return ret;
}

static int
probe_hw(struct rte_edu *edu)
{
	struct rte_pci_device *dev = edu->dev;

	edu->bar = rte_pci_map_bar(dev, 0);
	if (edu->bar == NULL)
		return -1;
	edu->id = rd32(edu, EDU_REG_ID);
	if ((edu->id & 0xff) != EDU_ID_MAGIC) {
		EDU_LOG(ERR, "%s: id register reads 0x%08x, not an edu device (expected 0x......ed)",
			dev->name, edu->id);
		return edu_fail(ENODEV);
	}
	if (rte_edu_check_alive(edu) < 0)
		return -1;
	/* a previous user may have left an interrupt pending */
	wr32(edu, EDU_REG_IRQ_ACK, rd32(edu, EDU_REG_IRQ_STATUS));
	if (rte_pci_set_bus_master(dev, true) < 0)
		return -1;
	return map_scratch(edu);
}

struct rte_edu *
rte_edu_probe(struct rte_pci_device *dev)
{
	struct rte_edu *edu;
	int err;

	if (dev == NULL) {
		EDU_LOG(ERR, "probe: no device");
		rte_errno = EINVAL;
		return NULL;
	}
	if (dev->id.vendor_id != RTE_EDU_VENDOR_ID ||
			dev->id.device_id != RTE_EDU_DEVICE_ID) {
		EDU_LOG(ERR, "%s is %04x:%04x, not an edu device (%04x:%04x)",
			dev->name, dev->id.vendor_id, dev->id.device_id,
			RTE_EDU_VENDOR_ID, RTE_EDU_DEVICE_ID);
		rte_errno = ENODEV;
		return NULL;
	}
	edu = calloc(1, sizeof(*edu));
	if (edu == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	edu->dev = dev;
	edu->timeout_ms = RTE_EDU_DEFAULT_TIMEOUT_MS;
	if (!rte_pci_is_open(dev)) {
		if (rte_pci_open(dev) < 0) {
			free(edu);
			return NULL;
		}
		edu->opened = true;
	}
	if (probe_hw(edu) < 0) {
		err = rte_errno;
		rte_edu_remove(edu);
		rte_errno = err;
		return NULL;
	}
	EDU_LOG(INFO, "%s: edu %u.%u ready", dev->name, edu->id >> 24,
		(edu->id >> 16) & 0xff);
	return edu;
}

int
rte_edu_remove(struct rte_edu *edu)
{
	int err = 0;

	if (edu == NULL)
		return edu_fail(EINVAL);
	if (edu->msi && rte_edu_irq_disable(edu) < 0)
		err = rte_errno;
	if (edu->bar != NULL && rte_pci_set_bus_master(edu->dev, false) < 0 && err == 0)
		err = rte_errno;
	if (unmap_scratch(edu) < 0 && err == 0)
		err = rte_errno;
	/* a device the caller opened keeps its BAR0 mapping: it may share it */
	if (edu->opened && rte_pci_close(edu->dev) < 0 && err == 0)
		err = rte_errno;
	free(edu);
	return err != 0 ? edu_fail(err) : 0;
}

struct rte_pci_device *
rte_edu_pci_dev(const struct rte_edu *edu)
{
	if (edu == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	return edu->dev;
}

uint32_t
rte_edu_id(const struct rte_edu *edu)
{
	return edu != NULL ? edu->id : 0;
}

void
rte_edu_write_liveness(struct rte_edu *edu, uint32_t value)
{
	wr32(edu, EDU_REG_LIVENESS, value);
}

uint32_t
rte_edu_read_liveness(const struct rte_edu *edu)
{
	return rd32(edu, EDU_REG_LIVENESS);
}

int
rte_edu_check_alive(struct rte_edu *edu)
{
	static const uint32_t probes[] = { 0x12345678, 0xa5a5a5a5 };
	unsigned int i;
	uint32_t got;

	if (edu == NULL)
		return edu_fail(EINVAL);
	for (i = 0; i < RTE_DIM(probes); i++) {
		wr32(edu, EDU_REG_LIVENESS, probes[i]);
		got = rd32(edu, EDU_REG_LIVENESS);
		if (got != (uint32_t)~probes[i]) {
			EDU_LOG(ERR, "%s: liveness check failed: wrote 0x%08x, read 0x%08x (expected 0x%08x)",
				edu->dev->name, probes[i], got, ~probes[i]);
			return edu_fail(EIO);
		}
	}
	return 0;
}

int
rte_edu_set_timeout(struct rte_edu *edu, unsigned int timeout_ms)
{
	if (edu == NULL || timeout_ms == 0)
		return edu_fail(EINVAL);
	edu->timeout_ms = timeout_ms;
	return 0;
}

int
rte_edu_irq_enable(struct rte_edu *edu)
{
	if (edu == NULL)
		return edu_fail(EINVAL);
	if (edu->msi)
		return 0;
	if (rte_pci_irq_enable(edu->dev, RTE_PCI_IRQ_MSI, 1) < 0)
		return -1;
	edu->msi = true;
	return 0;
}

int
rte_edu_irq_disable(struct rte_edu *edu)
{
	if (edu == NULL)
		return edu_fail(EINVAL);
	if (!edu->msi)
		return 0;
	edu->msi = false;
	return rte_pci_irq_disable(edu->dev);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_poll(struct rte_edu *edu)
{
	uint64_t deadline = now_ms() + edu->timeout_ms;

	while (rd64(edu, EDU_REG_DMA_CMD) & EDU_CMD_START) {
		if (now_ms() >= deadline)
			return edu_fail(ETIMEDOUT);
		usleep(EDU_POLL_US);
	}
	return 0;
}

static int
wait_irq(struct rte_edu *edu)
{
	uint32_t status;

	if (rte_pci_irq_wait(edu->dev, 0, edu->timeout_ms) < 0)
		return -1;
	status = rd32(edu, EDU_REG_IRQ_STATUS);
	wr32(edu, EDU_REG_IRQ_ACK, status);
	if (!(status & EDU_IRQ_DMA)) {
		EDU_LOG(ERR, "%s: interrupt with status 0x%08x, without the DMA bit 0x%x",
			edu->dev->name, status, EDU_IRQ_DMA);
		return edu_fail(EIO);
	}
	/* the device raises the interrupt once the transfer is done */
	return (rd64(edu, EDU_REG_DMA_CMD) & EDU_CMD_START) ? edu_fail(EIO) : 0;
}

/* Check a transfer's arguments: the device aborts QEMU on an out-of-range one. */
static int
dma_check(const struct rte_edu *edu, uint32_t off, size_t len,
		unsigned int flags, const char *op)
{
	if (edu == NULL) {
		EDU_LOG(ERR, "%s: no device", op);
		return edu_fail(EINVAL);
	}
	if (len == 0 || off >= RTE_EDU_BUF_USABLE || len > RTE_EDU_BUF_USABLE - off) {
		EDU_LOG(ERR, "%s: %s: %zu bytes at offset %u do not fit the device buffer (offset + length at most %u)",
			edu->dev->name, op, len, off, RTE_EDU_BUF_USABLE);
		return edu_fail(EINVAL);
	}
	if ((flags & ~RTE_EDU_DMA_IRQ) != 0 ||
			((flags & RTE_EDU_DMA_IRQ) && !edu->msi)) {
		EDU_LOG(ERR, "%s: %s: flags 0x%x: %s", edu->dev->name, op, flags,
			(flags & ~RTE_EDU_DMA_IRQ) ? "unknown flag" :
			"RTE_EDU_DMA_IRQ needs rte_edu_irq_enable() first");
		return edu_fail(EINVAL);
	}
	if (rd64(edu, EDU_REG_DMA_CMD) & EDU_CMD_START) {
		EDU_LOG(ERR, "%s: %s: a transfer is still running", edu->dev->name, op);
		return edu_fail(EBUSY);
	}
	return 0;
}

static int
dma_run(struct rte_edu *edu, uint64_t src, uint64_t dst, size_t len,
		uint64_t cmd, unsigned int flags)
{
	int ret;

	wr64(edu, EDU_REG_DMA_SRC, src);
	wr64(edu, EDU_REG_DMA_DST, dst);
	wr64(edu, EDU_REG_DMA_CNT, len);
	if (flags & RTE_EDU_DMA_IRQ)
		cmd |= EDU_CMD_IRQ;
	wr64(edu, EDU_REG_DMA_CMD, cmd | EDU_CMD_START);
	ret = (flags & RTE_EDU_DMA_IRQ) ? wait_irq(edu) : wait_poll(edu);
	if (ret < 0)
		EDU_LOG(ERR, "%s: DMA of %zu bytes 0x%" PRIx64 " -> 0x%" PRIx64 " did not complete: %s (timeout %u ms)",
			edu->dev->name, len, src, dst, rte_strerror(rte_errno),
			edu->timeout_ms);
	return ret;
}

int
rte_edu_dma_to_dev(struct rte_edu *edu, rte_iova_t src, uint32_t off,
		size_t len, unsigned int flags)
{
	if (dma_check(edu, off, len, flags, "DMA to device") < 0)
		return -1;
	return dma_run(edu, src, EDU_BUF_ADDR + off, len, 0, flags);
}

int
rte_edu_dma_from_dev(struct rte_edu *edu, uint32_t off, rte_iova_t dst,
		size_t len, unsigned int flags)
{
	if (dma_check(edu, off, len, flags, "DMA from device") < 0)
		return -1;
	return dma_run(edu, EDU_BUF_ADDR + off, dst, len, EDU_CMD_TO_RAM, flags);
}

static void
fill_complement(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = ~src[i];
}

int
rte_edu_copy_to_dev(struct rte_edu *edu, const void *src, rte_iova_t src_iova,
		uint32_t off, size_t len, unsigned int flags)
{
	rte_iova_t scratch;

	if (dma_check(edu, off, len, flags, "checked DMA to device") < 0)
		return -1;
	if (src == NULL) {
		EDU_LOG(ERR, "%s: checked DMA to device: no source address", edu->dev->name);
		return edu_fail(EINVAL);
	}
	scratch = edu->scratch_iova;
	/* make the target differ from src in every byte, so a block shows */
	fill_complement(edu->scratch, src, len);
	if (rte_edu_dma_to_dev(edu, scratch, off, len, 0) < 0 ||
			rte_edu_dma_to_dev(edu, src_iova, off, len, flags) < 0 ||
			rte_edu_dma_from_dev(edu, off, scratch, len, 0) < 0)
		return -1;
	if (memcmp(edu->scratch, src, len) != 0) {
		EDU_LOG(ERR, "%s: DMA read of %zu bytes at IOVA 0x%" PRIx64 " did not arrive: blocked by the IOMMU (is the IOVA mapped?)",
			edu->dev->name, len, src_iova);
		return edu_fail(EFAULT);
	}
	return 0;
}

int
rte_edu_copy_from_dev(struct rte_edu *edu, uint32_t off, void *dst,
		rte_iova_t dst_iova, size_t len, unsigned int flags)
{
	if (dma_check(edu, off, len, flags, "checked DMA from device") < 0)
		return -1;
	if (dst == NULL) {
		EDU_LOG(ERR, "%s: checked DMA from device: no destination address",
			edu->dev->name);
		return edu_fail(EINVAL);
	}
	/* what the device holds: the data expected at dst */
	if (rte_edu_dma_from_dev(edu, off, edu->scratch_iova, len, 0) < 0)
		return -1;
	if (memcmp(dst, edu->scratch, len) == 0)
		fill_complement(dst, edu->scratch, len);
	if (rte_edu_dma_from_dev(edu, off, dst_iova, len, flags) < 0)
		return -1;
	if (memcmp(dst, edu->scratch, len) != 0) {
		EDU_LOG(ERR, "%s: DMA write of %zu bytes to IOVA 0x%" PRIx64 " did not arrive: blocked by the IOMMU (is the IOVA mapped?)",
			edu->dev->name, len, dst_iova);
		return edu_fail(EFAULT);
	}
	return 0;
}
