/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vmtest-capdrop CAP[,CAP...] PROG [ARGS...]
 *
 * Runs PROG as the same user (root in the test VM) but without the given
 * capabilities: each one is removed from the bounding set, the ambient set
 * and the effective, permitted and inheritable sets before exec, so that
 * PROG cannot regain it (root's capabilities after exec are bounded by the
 * bounding set). CAP is a name without "cap_" (ipc_lock, sys_admin, ...) or
 * a number. Busybox's setpriv cannot change the bounding set, hence this.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

static const struct {
	const char *name;
	int cap;
} caps[] = {
	{ "ipc_lock", CAP_IPC_LOCK },
	{ "sys_admin", CAP_SYS_ADMIN },
	{ "sys_rawio", CAP_SYS_RAWIO },
	{ "sys_resource", CAP_SYS_RESOURCE },
	{ "dac_override", CAP_DAC_OVERRIDE },
	{ "net_admin", CAP_NET_ADMIN },
	{ "sys_nice", CAP_SYS_NICE },
};

static int
cap_from_name(const char *s)
{
	size_t i;
	char *end;
	long v;

	if (strncasecmp(s, "cap_", 4) == 0)
		s += 4;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcasecmp(s, caps[i].name) == 0)
			return caps[i].cap;
	v = strtol(s, &end, 0);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 63)
		return -1;
	return (int)v;
}

static int
drop(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int idx = cap / 32;
	__u32 bit = 1u << (cap % 32);

	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
		return -1;
	/* ambient may be unsupported on old kernels: ignore EINVAL */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, cap, 0, 0) < 0 && errno != EINVAL)
		return -1;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	data[idx].effective &= ~bit;
	data[idx].permitted &= ~bit;
	data[idx].inheritable &= ~bit;
	return (int)syscall(SYS_capset, &hdr, data);
}

int
main(int argc, char **argv)
{
	char *list, *tok, *save = NULL;
	int cap;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CAP[,CAP...] PROG [ARGS...]\n", argv[0]);
		return 2;
	}
	list = strdup(argv[1]);
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		cap = cap_from_name(tok);
		if (cap < 0) {
			fprintf(stderr, "%s: unknown capability '%s'\n", argv[0], tok);
			return 2;
		}
		if (drop(cap) < 0) {
			fprintf(stderr, "%s: cannot drop %s: %s\n", argv[0], tok, strerror(errno));
			return 126;
		}
	}
	free(list);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "%s: exec %s: %s\n", argv[0], argv[2], strerror(errno));
	return 127;
}
