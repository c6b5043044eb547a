/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupts of vfio-pci devices: each vector is an eventfd the kernel
 * signals (VFIO_DEVICE_SET_IRQS), waited for with poll().
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pci_private.h"
#include "vfio_device_ops.h"

static const char *const irq_names[] = { "INTx", "MSI", "MSI-X" };

/* VFIO_DEVICE_SET_IRQS with an optional eventfd payload. */
static int
set_irqs(struct pci_dev *pd, unsigned int index, uint32_t flags,
		unsigned int count, const int *fds)
{
	int err;

	if (vfio_dev_set_irqs(pd->fd, index, flags, count, fds) < 0) {
		err = errno;
		PCI_LOG(ERR, "%s: VFIO_DEVICE_SET_IRQS(%s, count %u) failed: %s",
			pd->pub.name, irq_names[index], count, strerror(err));
		return pci_fail(err);
	}
	return 0;
}

static void
close_efds(struct pci_dev *pd)
{
	unsigned int i;

	for (i = 0; i < pd->irq_nvec; i++)
		close(pd->irq_efd[i]);
	free(pd->irq_efd);
	pd->irq_efd = NULL;
	pd->irq_nvec = 0;
	pd->irq_type = -1;
	pd->intx_masked = false;
}

int
rte_pci_irq_enable(struct rte_pci_device *dev, enum rte_pci_irq_type type,
		unsigned int nvec)
{
	struct pci_dev *pd = pci_priv(dev);
	struct vfio_irq_info ii;
	unsigned int i;
	int *efd;

	if (!rte_pci_is_open(dev) || (unsigned int)type > RTE_PCI_IRQ_MSIX ||
			nvec == 0 || (type == RTE_PCI_IRQ_INTX && nvec != 1)) {
		PCI_LOG(ERR, "irq enable: %s", !rte_pci_is_open(dev) ?
			"device not open" : (unsigned int)type > RTE_PCI_IRQ_MSIX ?
			"unknown interrupt type" : "vector count must be >= 1 (1 for INTx)");
		return pci_fail(EINVAL);
	}
	if (pd->irq_type >= 0) {
		PCI_LOG(ERR, "%s: %s interrupts are enabled: disable them before enabling %s",
			dev->name, irq_names[pd->irq_type], irq_names[type]);
		return pci_fail(EBUSY);
	}
	if (vfio_dev_irq_info(pd->fd, type, &ii) < 0) {
		int err = errno;

		PCI_LOG(ERR, "%s: VFIO_DEVICE_GET_IRQ_INFO(%s) failed: %s",
			dev->name, irq_names[type], strerror(err));
		return pci_fail(err);
	}
	if (ii.count < nvec || !(ii.flags & VFIO_IRQ_INFO_EVENTFD)) {
		PCI_LOG(ERR, "%s: %u %s vectors asked, the device offers %u",
			dev->name, nvec, irq_names[type], ii.count);
		return pci_fail(ENOTSUP);
	}
	efd = calloc(nvec, sizeof(*efd));
	if (efd == NULL)
		return pci_fail(ENOMEM);
	for (i = 0; i < nvec; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efd[i] < 0) {
			int err = errno;

			PCI_LOG(ERR, "%s: eventfd: %s", dev->name, strerror(err));
			while (i-- > 0)
				close(efd[i]);
			free(efd);
			return pci_fail(err);
		}
	}
	/* a message interrupt is a memory write by the device */
	if (type != RTE_PCI_IRQ_INTX && rte_pci_get_bus_master(dev) == 0)
		PCI_LOG(WARNING, "%s: bus mastering is off, so %s messages cannot reach the CPU: call rte_pci_set_bus_master()",
			dev->name, irq_names[type]);
	pd->irq_efd = efd;
	pd->irq_nvec = nvec;
	pd->irq_type = type;
	if (set_irqs(pd, type, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			nvec, efd) < 0) {
		int err = rte_errno;

		close_efds(pd);
		return pci_fail(err);
	}
	return 0;
}

int
pci_irq_release(struct pci_dev *pd)
{
	int ret = 0;

	if (pd->irq_type < 0)
		return 0;
	/* DATA_NONE with count 0 tears down every vector of the index */
	ret = set_irqs(pd, pd->irq_type,
		VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, NULL);
	close_efds(pd);
	return ret;
}

int
rte_pci_irq_disable(struct rte_pci_device *dev)
{
	if (!rte_pci_is_open(dev)) {
		PCI_LOG(ERR, "irq disable: device %s is not open",
			dev != NULL ? dev->name : "(null)");
		return pci_fail(EINVAL);
	}
	return pci_irq_release(pci_priv(dev));
}

int
rte_pci_irq_fd(const struct rte_pci_device *dev, unsigned int vector)
{
	struct pci_dev *pd = pci_priv(dev);

	if (dev == NULL || pd->irq_type < 0 || vector >= pd->irq_nvec) {
		PCI_LOG(ERR, "irq fd: vector %u is not enabled", vector);
		return pci_fail(EINVAL);
	}
	return pd->irq_efd[vector];
}

int
rte_pci_irq_wait(struct rte_pci_device *dev, unsigned int vector, int timeout_ms)
{
	struct pci_dev *pd = pci_priv(dev);
	struct pollfd pfd;
	uint64_t count;
	int ret;

	if (rte_pci_irq_fd(dev, vector) < 0)
		return -1;
	/*
	 * The kernel masked the INTx line when it last fired; unmask it only
	 * now, after the driver has silenced the device since the last wait,
	 * or a level-triggered line would fire again at once.
	 */
	if (pd->intx_masked) {
		if (set_irqs(pd, RTE_PCI_IRQ_INTX,
				VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
				1, NULL) < 0)
			return -1;
		pd->intx_masked = false;
	}
	pfd.fd = pd->irq_efd[vector];
	pfd.events = POLLIN;
	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return pci_fail(errno);
	if (ret == 0)
		return pci_fail(ETIMEDOUT);
	if (read(pfd.fd, &count, sizeof(count)) != sizeof(count))
		return pci_fail(errno == EAGAIN ? ETIMEDOUT : errno);
	pd->intx_masked = pd->irq_type == RTE_PCI_IRQ_INTX;
	return count > INT_MAX ? INT_MAX : (int)count;
}
