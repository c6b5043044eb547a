/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL options about devices: the PCI allow and block lists with their
 * device arguments, --no-pci, --vdev, and the VFIO options. The lists are
 * kept for the PCI bus, which applies them at its scan; device arguments go
 * to the rte_devargs list when the parse is committed.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_vfio.h>

#include "eal_options.h"

/* Parse "dddd:bb:dd.f" or "bb:dd.f" into "dddd:bb:dd.f" (lower case). */
static int
parse_pci_addr(const char *s, char *out, size_t out_len)
{
	unsigned int field[4] = { 0 }, n = 0, digits = 0;
	/* Most hex digits and largest value of domain, bus, device, function. */
	static const unsigned int max_digits[4] = { 4, 2, 2, 1 };
	static const unsigned int max_value[4] = { 0xffff, 0xff, 0x1f, 0x7 };
	const unsigned int *lim_digits, *lim_value;
	const char *p;
	unsigned int colons = 0;

	for (p = s; *p != '\0'; p++)
		if (*p == ':')
			colons++;
	if (colons != 1 && colons != 2)
		return -1;
	/* Without a domain the fields are bus, device, function. */
	lim_digits = colons == 2 ? max_digits : max_digits + 1;
	lim_value = colons == 2 ? max_value : max_value + 1;

	for (p = s; ; p++) {
		char sep = n < colons ? ':' : (n == colons ? '.' : '\0');

		if (isxdigit((unsigned char)*p)) {
			unsigned int d = (unsigned int)(isdigit((unsigned char)*p) ?
				*p - '0' : tolower((unsigned char)*p) - 'a' + 10);

			if (++digits > lim_digits[n])
				return -1;
			field[n] = field[n] * 16 + d;
			continue;
		}
		if (*p != sep || digits == 0 || field[n] > lim_value[n])
			return -1;
		if (*p == '\0')
			break;
		n++;
		digits = 0;
	}
	if (n != colons + 1)
		return -1;
	if (colons == 2)
		snprintf(out, out_len, "%04x:%02x:%02x.%x",
			field[0], field[1], field[2], field[3]);
	else
		snprintf(out, out_len, "%04x:%02x:%02x.%x",
			0u, field[0], field[1], field[2]);
	return 0;
}

int
eal_opt_add_devarg(struct eal_opt_state *st, const char *opt, const char *bus,
		const char *name, const char *args, bool blocked)
{
	struct eal_devarg_req *r;

	if (st->n_devargs == EAL_OPT_MAX_DEVARGS) {
		EAL_LOG(ERR, "too many device options (%s): at most %d",
			opt, EAL_OPT_MAX_DEVARGS);
		return eal_fail(EINVAL);
	}
	r = &st->devargs[st->n_devargs++];
	r->bus = bus;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->args = args;
	r->blocked = blocked;
	return 0;
}

/* "BDF" or "BDF,key=val,...": the address into the list, all as devargs. */
static int
add_pci_addr(struct eal_opt_state *st, const char *opt, const char *arg,
		char list[][EAL_PCI_ADDR_LEN], unsigned int *n, bool blocked)
{
	char addr[EAL_PCI_ADDR_LEN], bdf[32];
	const char *comma = strchr(arg, ',');
	size_t len = comma != NULL ? (size_t)(comma - arg) : strlen(arg);
	unsigned int i;

	if (len >= sizeof(bdf) ||
			(snprintf(bdf, sizeof(bdf), "%.*s", (int)len, arg),
			parse_pci_addr(bdf, addr, sizeof(addr)) < 0))
		return eal_opt_bad_value(opt, arg, "expected a PCI address dddd:bb:dd.f or bb:dd.f (hex; device <= 1f, function <= 7), then optional ,key=val device arguments");
	if (comma != NULL && comma[1] == '\0')
		return eal_opt_bad_value(opt, arg, "empty device arguments after ','");
	for (i = 0; i < *n; i++)
		if (strcmp(list[i], addr) == 0)
			return 0;
	if (*n == EAL_MAX_PCI_ADDRS) {
		EAL_LOG(ERR, "too many %s options: at most %d PCI addresses",
			opt, EAL_MAX_PCI_ADDRS);
		return eal_fail(EINVAL);
	}
	if (eal_opt_add_devarg(st, opt, "pci", addr,
			comma != NULL ? comma + 1 : NULL, blocked) < 0)
		return -1;
	snprintf(list[(*n)++], EAL_PCI_ADDR_LEN, "%s", addr);
	return 0;
}

int
eal_opt_allow(struct eal_opt_state *st, const char *opt, const char *arg)
{
	return add_pci_addr(st, opt, arg, st->cfg.allow, &st->cfg.n_allow, false);
}

int
eal_opt_block(struct eal_opt_state *st, const char *opt, const char *arg)
{
	return add_pci_addr(st, opt, arg, st->cfg.block, &st->cfg.n_block, true);
}

/*
 * --vdev NAME[,key=val...]: there is no virtual device bus here; the name
 * is checked (letters, digits, '_') and kept as a devarg of bus "vdev".
 */
int
eal_opt_vdev(struct eal_opt_state *st, const char *opt, const char *arg)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma != NULL ? (size_t)(comma - arg) : strlen(arg), i;
	char name[64];

	if (len == 0 || len >= sizeof(name))
		return eal_opt_bad_value(opt, arg, "expected a device name of 1 to 63 characters, e.g. net_tap0,iface=tap0");
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)arg[i]) && arg[i] != '_')
			return eal_opt_bad_value(opt, arg, "a device name has letters, digits and '_' only");
	snprintf(name, sizeof(name), "%.*s", (int)len, arg);
	return eal_opt_add_devarg(st, opt, "vdev", name,
		comma != NULL ? comma + 1 : NULL, false);
}

/* --vfio-intr: checked; the PCI bus always picks the best interrupt mode. */
int
eal_opt_vfio_intr(struct eal_opt_state *st __rte_unused, const char *opt,
		const char *arg)
{
	if (strcmp(arg, "legacy") == 0 || strcmp(arg, "msi") == 0 ||
			strcmp(arg, "msix") == 0)
		return 0;
	return eal_opt_bad_value(opt, arg, "expected legacy, msi or msix");
}

/* --vfio-vf-token=UUID: 8-4-4-4-12 hex digits, kept in lower case. */
int
eal_opt_vfio_vf_token(struct eal_opt_state *st, const char *opt,
		const char *arg)
{
	unsigned int i;

	if (strlen(arg) != EAL_VF_TOKEN_LEN - 1)
		goto bad;
	for (i = 0; i < EAL_VF_TOKEN_LEN - 1; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? arg[i] != '-' : !isxdigit((unsigned char)arg[i]))
			goto bad;
		st->cfg.vfio_vf_token[i] = (char)tolower((unsigned char)arg[i]);
	}
	st->cfg.vfio_vf_token[i] = '\0';
	return 0;
bad:
	return eal_opt_bad_value(opt, arg, "expected a UUID such as 14d63f20-8445-11ea-8900-1f9ce7d5650d");
}

int
eal_opt_no_pci(struct eal_opt_state *st, const char *opt __rte_unused,
		const char *arg __rte_unused)
{
	st->cfg.no_pci = true;
	return 0;
}

/* Device options that are each valid but not together: -1, one ERR line. */
int
eal_opt_check_devices(const struct eal_opt_state *st)
{
	if (st->cfg.n_allow > 0 && st->cfg.n_block > 0) {
		EAL_LOG(ERR, "options -a/--allow and -b/--block conflict: give an allow list or a block list");
		return -1;
	}
	return 0;
}

int
eal_opt_vfio_mode(struct eal_opt_state *st, const char *opt, const char *arg)
{
	if (strcmp(arg, "group") == 0)
		st->cfg.vfio_mode = RTE_VFIO_MODE_GROUP;
	else if (strcmp(arg, "cdev") == 0)
		st->cfg.vfio_mode = RTE_VFIO_MODE_CDEV;
	else
		return eal_opt_bad_value(opt, arg, "expected group or cdev");
	return 0;
}
