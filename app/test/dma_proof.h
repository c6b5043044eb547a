/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _DMA_PROOF_H_
#define _DMA_PROOF_H_

/*
 * DMA proof for the autotests: is memory reachable by a device through the
 * IOMMU, or not?
 *
 * Three ways to answer, chosen by dma_proof_find():
 * - on the type1 model (the default outside the VM): the model's kernel
 *   mappings (vfio_model_is_mapped()) stand in for device DMA;
 * - on the kernel with a QEMU edu device bound to vfio-pci (the VM): real
 *   device DMA through the edu driver;
 * - on the kernel with another device bound to vfio-pci (named by
 *   DPDK_TEST_PCI_DEV=<pci address>, e.g. a NIC on real hardware): the
 *   mapping checks run against it, the proofs are counted as skipped.
 *
 * The device is the one named by DPDK_TEST_PCI_DEV when set, else the first
 * edu device bound to vfio-pci. Every proof checks the default container
 * (the container of the device's group) unless dma_proof_set_container()
 * names another one (model only: on the kernel the device can only reach
 * the container its group is in).
 *
 * A proof prints a FAIL line naming the step, the expected and the actual
 * result, and returns -1; 0 means proven (or skipped, see above).
 *
 * IOVAs: every proof takes the IOVA the memory is (or was) mapped at,
 * which equals the address only in IOVA as VA. For EAL memory (heap,
 * external heap) it is the memseg's IOVA (rte_mem_virt2iova(),
 * rte_malloc_virt2iova()); for a test's own map, the IOVA it mapped at
 * (test_iova_for() in test_common.h). RTE_BAD_IOVA fails the proof.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_bus_pci.h>
#include <rte_common.h>

/* The environment variable naming the device (a PCI address). */
#define DMA_PROOF_DEV_ENV "DPDK_TEST_PCI_DEV"

/*
 * Find the device (after test_eal_init()); on the model, add a model IOMMU
 * group with one device bound to vfio-pci. Does not open it.
 * Returns TEST_SUCCESS, or TEST_SKIPPED after printing why (no VFIO, no
 * device bound to vfio-pci), or TEST_FAILED.
 */
int dma_proof_find(void);

/*
 * Open the device found: its group joins the default container (which
 * replays every mapping recorded so far) and, for an edu, the driver is
 * probed. Returns 0, or -1 with rte_errno set (the open's reason).
 */
int dma_proof_open(void);

/*
 * The start of a test's main function: dma_proof_find() and, when open is
 * true, dma_proof_open() (printing why it failed). On failure the EAL is
 * cleaned up. Returns TEST_SUCCESS, TEST_SKIPPED or TEST_FAILED.
 */
int dma_proof_setup(bool open);

/* test_eal_init("--no-huge") then dma_proof_setup(open); same returns. */
int dma_proof_start(bool open);

/* Close the device (the group leaves the default container), print a
 * summary of the proofs. Safe to call when nothing was opened. */
void dma_proof_close(void);

/* The device found, its IOMMU group number. */
struct rte_pci_device *dma_proof_device(void);
int dma_proof_group(void);

/* True when proofs are real device DMA (an edu on the kernel). */
bool dma_proof_has_dma(void);
/* True when proofs are read from the model. */
bool dma_proof_is_model(void);

/* Model only: check this container's mappings instead of the default one. */
void dma_proof_set_container(int container_fd);

/*
 * [va, va + len) is mapped at iova: a random pattern written at its start
 * is DMAed into the device and from there to its end, and must arrive.
 */
int dma_proof_reachable(void *va, uint64_t iova, size_t len);

/*
 * [va, va + len) (still readable by the process) is not mapped: a DMA read
 * of iova and a DMA write to iova + len - n must both be blocked, and the
 * memory must hold what it held before.
 */
int dma_proof_blocked(void *va, uint64_t iova, size_t len);

/*
 * For memory about to be released (freed heap pages): write a known
 * pattern in the middle of [va, va + len), then dma_proof_released() after
 * the release checks that a DMA read of that IOVA no longer returns it.
 */
void dma_proof_mark(void *va, uint64_t iova, size_t len);
int dma_proof_released(uint64_t iova, size_t len);

#endif /* _DMA_PROOF_H_ */
