/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The list of device arguments (rte_devargs.h). It is replaced as a whole
 * when rte_eal_init() commits its options and emptied at cleanup; readers
 * (buses, the application) walk it after init.
 *
 * Locks: none. The list changes only inside rte_eal_init() and
 * rte_eal_cleanup(), which run once at a time and before/after any reader.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_devargs.h>
#include <rte_errno.h>

#include "dev_driver.h"
#include "eal_private.h"

TAILQ_HEAD(rte_devargs_list, rte_devargs);

static struct rte_devargs_list devargs_list =
	TAILQ_HEAD_INITIALIZER(devargs_list);

static void
free_list(struct rte_devargs_list *l)
{
	struct rte_devargs *da;

	while ((da = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, da, next);
		free(da->data);
		free(da);
	}
}

void
eal_devargs_reset(void)
{
	free_list(&devargs_list);
}

int
eal_devargs_replace(const struct eal_devarg_req *reqs, unsigned int n)
{
	struct rte_devargs_list l = TAILQ_HEAD_INITIALIZER(l);
	int saved_errno = rte_errno;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_devargs *da = calloc(1, sizeof(*da));

		if (da != NULL)
			da->data = strdup(reqs[i].args != NULL ? reqs[i].args : "");
		if (da == NULL || da->data == NULL) {
			free(da);
			free_list(&l);
			EAL_LOG(ERR, "cannot allocate memory for the device arguments");
			return eal_fail(ENOMEM);
		}
		snprintf(da->name, sizeof(da->name), "%s", reqs[i].name);
		da->args = da->data;
		da->bus_str = reqs[i].bus;
		da->bus = rte_bus_find_by_name(reqs[i].bus);
		da->policy = reqs[i].blocked ? RTE_DEV_BLOCKED : RTE_DEV_ALLOWED;
		da->type = reqs[i].blocked ? RTE_DEVTYPE_BLOCKED :
			strcmp(reqs[i].bus, "vdev") == 0 ? RTE_DEVTYPE_VIRTUAL :
			RTE_DEVTYPE_ALLOWED;
		TAILQ_INSERT_TAIL(&l, da, next);
	}
	free_list(&devargs_list);
	TAILQ_CONCAT(&devargs_list, &l, next);
	/* rte_bus_find_by_name() leaves ENOENT for buses not linked in. */
	rte_errno = saved_errno;
	return 0;
}

struct rte_devargs *
rte_devargs_next(const char *busname, const struct rte_devargs *start)
{
	struct rte_devargs *da;

	if (start != NULL) {
		TAILQ_FOREACH(da, &devargs_list, next)
			if (da == start)
				break;
		if (da == NULL) {
			EAL_LOG(ERR, "rte_devargs_next: start %p is not in the device argument list",
				(const void *)start);
			rte_errno = EINVAL;
			return NULL;
		}
		da = TAILQ_NEXT(da, next);
	} else {
		da = TAILQ_FIRST(&devargs_list);
	}
	for (; da != NULL; da = TAILQ_NEXT(da, next))
		if (busname == NULL || strcmp(da->bus_str, busname) == 0)
			return da;
	return NULL;
}

void
rte_devargs_dump(FILE *f)
{
	const struct rte_devargs *da;

	if (f == NULL)
		f = stdout;
	fprintf(f, "User device list:\n");
	TAILQ_FOREACH(da, &devargs_list, next)
		fprintf(f, "  [%s]: %s %s%s%s\n", da->bus_str, da->name,
			da->policy == RTE_DEV_BLOCKED ? "(blocked)" : "(allowed)",
			da->args[0] != '\0' ? " " : "", da->args);
}
