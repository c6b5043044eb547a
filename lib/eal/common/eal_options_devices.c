/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL options about devices: the PCI allow and block lists and --no-pci.
 * The lists are kept for the PCI bus, which applies them at its scan.
 */

#include <ctype.h>
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

static int
add_pci_addr(const char *opt, const char *arg, char list[][EAL_PCI_ADDR_LEN],
		unsigned int *n)
{
	char addr[EAL_PCI_ADDR_LEN];
	unsigned int i;

	if (strchr(arg, ',') != NULL)
		return eal_opt_bad_value(opt, arg, "device arguments after ',' are not supported");
	if (parse_pci_addr(arg, addr, sizeof(addr)) < 0)
		return eal_opt_bad_value(opt, arg, "expected a PCI address dddd:bb:dd.f or bb:dd.f (hex; device <= 1f, function <= 7)");
	for (i = 0; i < *n; i++)
		if (strcmp(list[i], addr) == 0)
			return 0;
	if (*n == EAL_MAX_PCI_ADDRS) {
		EAL_LOG(ERR, "too many %s options: at most %d PCI addresses",
			opt, EAL_MAX_PCI_ADDRS);
		return eal_fail(EINVAL);
	}
	snprintf(list[(*n)++], EAL_PCI_ADDR_LEN, "%s", addr);
	return 0;
}

int
eal_opt_allow(struct eal_opt_state *st, const char *opt, const char *arg)
{
	return add_pci_addr(opt, arg, st->cfg.allow, &st->cfg.n_allow);
}

int
eal_opt_block(struct eal_opt_state *st, const char *opt, const char *arg)
{
	return add_pci_addr(opt, arg, st->cfg.block, &st->cfg.n_block);
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
