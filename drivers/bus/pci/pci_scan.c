/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI bus: the sysfs scan, the EAL's allow/block lists, lookups, and
 * the bus operations (DMA mapping through the default VFIO container).
 *
 * The device list is built by rte_pci_scan() and replaced only by another
 * scan; like DPDK's bus scan it is meant to run from the main thread before
 * devices are used, and takes no lock.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_vfio.h>

#include "eal_iova.h"
#include "eal_private.h"
#include "pci_private.h"
#include "vfio_device_ops.h"

static struct rte_bus pci_bus;
static struct pci_dev *pci_list;
static bool pci_scanned;

const char *
pci_sysfs_devices(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bus/pci/devices", eal_sysfs_root());
	return path;
}

/* Parse 1 to @p maxlen hex digits ending at @p sep; advance *p past it. */
static bool
hex_field(const char **p, unsigned int maxlen, char sep, unsigned int *val)
{
	const char *s = *p;
	unsigned int n = 0, v = 0;

	while (isxdigit((unsigned char)s[n]) && n < maxlen) {
		v = v * 16 + (isdigit((unsigned char)s[n]) ? s[n] - '0' :
			(tolower((unsigned char)s[n]) - 'a' + 10));
		n++;
	}
	if (n == 0 || s[n] != sep)
		return false;
	*val = v;
	*p = s + n + (sep != '\0');
	return true;
}

int
rte_pci_addr_parse(const char *str, struct rte_pci_addr *addr)
{
	unsigned int dom = 0, bus, dev, fn;
	const char *p = str;

	if (str == NULL || addr == NULL)
		return pci_fail(EINVAL);
	/* "dddd:bb:dd.f", or "bb:dd.f" for domain 0 as lspci prints it */
	if (strchr(str, ':') != strrchr(str, ':') && !hex_field(&p, 4, ':', &dom))
		return pci_fail(EINVAL);
	if (!hex_field(&p, 2, ':', &bus) || !hex_field(&p, 2, '.', &dev) ||
			!hex_field(&p, 1, '\0', &fn) || dev > 0x1f || fn > 7)
		return pci_fail(EINVAL);
	addr->domain = dom;
	addr->bus = bus;
	addr->devid = dev;
	addr->function = fn;
	return 0;
}

int
rte_pci_addr_format(const struct rte_pci_addr *addr, char *buf, size_t size)
{
	if (addr == NULL || buf == NULL || size < RTE_PCI_NAME_LEN)
		return pci_fail(EINVAL);
	snprintf(buf, size, "%04x:%02x:%02x.%x", (unsigned int)addr->domain,
		addr->bus, addr->devid, addr->function);
	return 0;
}

static int
addr_cmp(const struct rte_pci_addr *a, const struct rte_pci_addr *b)
{
	uint64_t ka = ((uint64_t)a->domain << 24) | (a->bus << 16) |
		(a->devid << 8) | a->function;
	uint64_t kb = ((uint64_t)b->domain << 24) | (b->bus << 16) |
		(b->devid << 8) | b->function;

	return ka < kb ? -1 : ka > kb;
}

/* Is addr in one of the EAL option's address lists? */
static bool
addr_listed(const struct rte_pci_addr *addr, char list[][EAL_PCI_ADDR_LEN],
		unsigned int n)
{
	struct rte_pci_addr a;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (rte_pci_addr_parse(list[i], &a) == 0 && addr_cmp(&a, addr) == 0)
			return true;
	return false;
}

static bool
addr_allowed(const struct rte_pci_addr *addr)
{
	struct eal_internal_config *cfg = eal_get_internal_config();

	if (cfg->n_allow > 0)
		return addr_listed(addr, cfg->allow, cfg->n_allow);
	return !addr_listed(addr, cfg->block, cfg->n_block);
}

/* "<devices>/<name>/<leaf>"; -1 (ENAMETOOLONG) when it does not fit. */
static int
dev_path(char *buf, size_t size, const char *name, const char *leaf)
{
	int n = snprintf(buf, size, "%s/%s/%s", pci_sysfs_devices(), name, leaf);

	return n < 0 || (size_t)n >= size ? pci_fail(ENAMETOOLONG) : 0;
}

/* Read a one-line sysfs attribute of a device; false when absent. */
static bool
read_attr(const char *name, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	if (dev_path(path, sizeof(path), name, attr) < 0)
		return false;
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	ok = fgets(buf, size, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* A numeric attribute, @p dflt when absent or malformed (fake trees). */
static long long
read_num(const char *name, const char *attr, int base, long long dflt)
{
	char buf[64], *end;
	long long v;

	if (!read_attr(name, attr, buf, sizeof(buf)))
		return dflt;
	errno = 0;
	v = strtoll(buf, &end, base);
	if (errno != 0 || end == buf)
		return dflt;
	return v;
}

/* The basename of a symlink of the device directory; "" when absent. */
static int
read_link_base(const char *name, const char *link, char *buf, size_t size)
{
	char path[PATH_MAX];

	buf[0] = '\0';
	if (dev_path(path, sizeof(path), name, link) < 0)
		return -1;
	if (eal_link_basename(path, buf, size) < 0) {
		buf[0] = '\0';
		return rte_errno == ENOENT ? 0 : -1;
	}
	return 0;
}

int
pci_read_kdrv(const char *name, char *buf, size_t size)
{
	return read_link_base(name, "driver", buf, size);
}

static struct pci_dev *
dev_from_sysfs(const char *name, const struct rte_pci_addr *addr)
{
	struct pci_dev *pd;
	char group[32];

	pd = calloc(1, sizeof(*pd));
	if (pd == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	pd->pub.addr = *addr;
	rte_pci_addr_format(addr, pd->pub.name, sizeof(pd->pub.name));
	/* sysfs always has these; a fake tree may not: 0xffff, as absent hardware reads */
	pd->pub.id.vendor_id = read_num(name, "vendor", 16, 0xffff);
	pd->pub.id.device_id = read_num(name, "device", 16, 0xffff);
	pd->pub.id.subsystem_vendor_id = read_num(name, "subsystem_vendor", 16, 0xffff);
	pd->pub.id.subsystem_device_id = read_num(name, "subsystem_device", 16, 0xffff);
	pd->pub.id.class_id = read_num(name, "class", 16, 0xffffff) & 0xffffff;
	pd->pub.numa_node = read_num(name, "numa_node", 10, SOCKET_ID_ANY);
	if (pd->pub.numa_node < 0)
		pd->pub.numa_node = SOCKET_ID_ANY;
	if (pci_read_kdrv(name, pd->pub.kdrv, sizeof(pd->pub.kdrv)) < 0 ||
			read_link_base(name, "iommu_group", group, sizeof(group)) < 0) {
		PCI_LOG(WARNING, "%s: cannot read its sysfs links (%s): left out",
			name, rte_strerror(rte_errno));
		free(pd);
		return NULL;
	}
	pd->pub.iommu_group = group[0] != '\0' ? atoi(group) : -1;
	pd->pub.device = &pd->gen;
	pd->gen.name = pd->pub.name;
	pd->gen.bus = &pci_bus;
	pd->gen.numa_node = pd->pub.numa_node;
	pd->fd = -1;
	pd->irq_type = -1;
	return pd;
}

static void
list_insert_sorted(struct pci_dev **head, struct pci_dev *pd)
{
	while (*head != NULL && addr_cmp(&(*head)->pub.addr, &pd->pub.addr) < 0)
		head = &(*head)->next;
	pd->next = *head;
	*head = pd;
}

static void
list_free(struct pci_dev *pd)
{
	struct pci_dev *next;

	for (; pd != NULL; pd = next) {
		next = pd->next;
		free(pd);
	}
}

int
rte_pci_scan(void)
{
	struct pci_dev *list = NULL, *pd;
	struct rte_pci_addr addr;
	struct dirent *e;
	int n = 0;
	DIR *dir;

	for (pd = pci_list; pd != NULL; pd = pd->next) {
		if (pd->fd >= 0) {
			PCI_LOG(ERR, "cannot rescan: %s is open; close it first", pd->pub.name);
			return pci_fail(EBUSY);
		}
	}
	if (eal_get_internal_config()->no_pci) {
		PCI_LOG(INFO, "--no-pci given: the PCI bus is empty");
		goto done;
	}
	dir = opendir(pci_sysfs_devices());
	if (dir == NULL) {
		int err = errno;

		if (err == ENOENT) {
			PCI_LOG(INFO, "no %s: no PCI devices", pci_sysfs_devices());
			goto done;
		}
		PCI_LOG(ERR, "cannot read %s: %s", pci_sysfs_devices(), strerror(err));
		return pci_fail(err);
	}
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (rte_pci_addr_parse(e->d_name, &addr) < 0) {
			PCI_LOG(DEBUG, "%s: not a PCI address, skipped", e->d_name);
			continue;
		}
		if (!addr_allowed(&addr)) {
			PCI_LOG(DEBUG, "%s: excluded by --allow/--block", e->d_name);
			continue;
		}
		pd = dev_from_sysfs(e->d_name, &addr);
		if (pd == NULL) {
			if (rte_errno == ENOMEM) {
				closedir(dir);
				list_free(list);
				PCI_LOG(ERR, "out of memory while scanning PCI devices");
				return pci_fail(ENOMEM);
			}
			continue;
		}
		list_insert_sorted(&list, pd);
		n++;
	}
	closedir(dir);
done:
	list_free(pci_list);
	pci_list = list;
	pci_scanned = true;
	PCI_LOG(DEBUG, "scan found %d devices", n);
	return n;
}

static int
scan_once(void)
{
	return pci_scanned ? 0 : (rte_pci_scan() < 0 ? -1 : 0);
}

struct rte_pci_device *
rte_pci_find(const char *str)
{
	struct rte_pci_addr addr;
	struct pci_dev *pd;

	if (rte_pci_addr_parse(str, &addr) < 0) {
		PCI_LOG(ERR, "'%s' is not a PCI address: use dddd:bb:dd.f",
			str != NULL ? str : "(null)");
		return NULL;
	}
	if (scan_once() < 0)
		return NULL;
	for (pd = pci_list; pd != NULL; pd = pd->next)
		if (addr_cmp(&pd->pub.addr, &addr) == 0)
			return &pd->pub;
	PCI_LOG(ERR, "no PCI device %s on the bus (absent from %s, or excluded by --allow/--block/--no-pci)",
		str, pci_sysfs_devices());
	rte_errno = ENODEV;
	return NULL;
}

struct rte_pci_device *
rte_pci_find_by_id(uint16_t vendor_id, uint16_t device_id,
		const struct rte_pci_device *prev)
{
	struct pci_dev *pd;

	if (scan_once() < 0)
		return NULL;
	pd = prev != NULL ? pci_priv(prev)->next : pci_list;
	for (; pd != NULL; pd = pd->next) {
		if ((vendor_id == 0xffff || pd->pub.id.vendor_id == vendor_id) &&
				(device_id == 0xffff || pd->pub.id.device_id == device_id))
			return &pd->pub;
	}
	rte_errno = ENODEV;
	return NULL;
}

/* The bus operations: a vfio-pci device reaches memory through the default container. */
static int
pci_dma_check(struct rte_device *gen, const char *op)
{
	struct pci_dev *pd = RTE_PTR_SUB(gen, offsetof(struct pci_dev, gen));
	char kdrv[sizeof(pd->pub.kdrv)];

	if (pci_read_kdrv(pd->pub.name, kdrv, sizeof(kdrv)) < 0)
		return -1;
	if (strcmp(kdrv, PCI_VFIO_DRIVER) != 0) {
		PCI_LOG(ERR, "%s: %s is bound to %s, not vfio-pci: its DMA is not managed here",
			op, pd->pub.name, kdrv[0] != '\0' ? kdrv : "no driver");
		return pci_fail(ENOTSUP);
	}
	return 0;
}

struct pci_dev *
pci_bar_owner(const void *addr, size_t len, int *straddles)
{
	uintptr_t a = (uintptr_t)addr;
	struct pci_dev *pd;
	unsigned int i;

	*straddles = 0;
	for (pd = pci_list; pd != NULL; pd = pd->next) {
		if (pd->fd < 0)
			continue;
		for (i = 0; i < RTE_PCI_MAX_BARS; i++) {
			uintptr_t m = (uintptr_t)pd->region[i].map;
			uint64_t sz = pd->region[i].size;

			if (m == 0 || a + len <= m || a >= m + sz)
				continue;
			if (a < m || a + len > m + sz)
				*straddles = -1;
			return pd;
		}
	}
	return NULL;
}

/* A device's BAR: mapped as that device's memory (peer to peer). */
static int
bar_owner_check(const void *addr, size_t len, const char *op,
		struct pci_dev **owner)
{
	int straddles;

	*owner = pci_bar_owner(addr, len, &straddles);
	if (*owner != NULL && straddles) {
		PCI_LOG(ERR, "%s: [%p, +0x%zx) reaches outside the BAR mapping of %s it starts in: map a range inside one BAR (EINVAL)",
			op, addr, len, (*owner)->pub.name);
		return pci_fail(EINVAL);
	}
	return 0;
}

/*
 * The container a device's DMA maps go to: that of its IOMMU group, which
 * the application may have bound to a container of its own
 * (rte_vfio_container_group_bind()); the default container otherwise.
 * DPDK 22.11 always uses the default one, where such a device cannot see
 * the mapping.
 */
static int
pci_dma_container(struct rte_device *gen)
{
	struct pci_dev *pd = RTE_PTR_SUB(gen, offsetof(struct pci_dev, gen));
	int num = pd->pub.iommu_group;

	/*
	 * The group read at scan, so a map does not read sysfs; a device
	 * that had none then (its group appeared later) is looked up again.
	 */
	if (num < 0 && rte_vfio_get_group_num(pci_sysfs_devices(), pd->pub.name,
			&num) != 1)
		return RTE_VFIO_DEFAULT_CONTAINER_FD;
	return vfio_group_container_fd(num);
}

static int
pci_dma_map(struct rte_device *gen, void *addr, uint64_t iova, size_t len)
{
	struct pci_dev *owner;

	if (pci_dma_check(gen, "DMA map") < 0 ||
			bar_owner_check(addr, len, "DMA map", &owner) < 0)
		return -1;
	/* known at init: refused even before a group has set the IOMMU */
	if (eal_iova_check_reachable(iova, len, "rte_dev_dma_map") < 0)
		return -1;
	if (owner != NULL)
		return vfio_device_dma_map(owner->fd, (uintptr_t)addr, iova, len);
	return rte_vfio_container_dma_map(pci_dma_container(gen),
		(uintptr_t)addr, iova, len);
}

static int
pci_dma_unmap(struct rte_device *gen, void *addr, uint64_t iova, size_t len)
{
	struct pci_dev *owner;

	if (pci_dma_check(gen, "DMA unmap") < 0 ||
			bar_owner_check(addr, len, "DMA unmap", &owner) < 0)
		return -1;
	if (owner != NULL)
		return vfio_device_dma_unmap(owner->fd, iova, len);
	return rte_vfio_container_dma_unmap(pci_dma_container(gen),
		(uintptr_t)addr, iova, len);
}

static struct rte_bus pci_bus = {
	.dma_map = pci_dma_map,
	.dma_unmap = pci_dma_unmap,
};

RTE_REGISTER_BUS(pci, pci_bus);
