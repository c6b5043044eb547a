/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOVA mode and the VFIO mode (group: type1 container, or cdev:
 * iommufd) the EAL would pick, and why, asked of the EAL itself: the
 * choice needs the IOMMU's valid ranges (probed by the VFIO stage) and the
 * memseg lists' VA (reserved by the memory stage), so the only faithful
 * answer is a real rte_eal_init(). It runs in a child process with
 * --in-memory (no files left behind) and the EAL's own log lines about the
 * decision are the reason given; the child exits without touching the
 * caller's state.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_vfio.h>

#include "vfio_diag.h"

#define CHILD_TIMEOUT_S 60

/*
 * Keep the EAL's lines that explain the modes (or why init failed): the
 * VFIO mode's lines prefixed "V ", the IOVA mode's "I ".
 */
static void
filter_log(const char *log, FILE *out)
{
	const char *line = log;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);

		if (memmem(line, len, "VFIO: ", 6) != NULL &&
				memmem(line, len, " mode", 5) != NULL)
			fprintf(out, "V %.*s\n", (int)len, line);
		else if ((memmem(line, len, "IOVA", 4) != NULL &&
				memmem(line, len, "mode", 4) != NULL) ||
				memmem(line, len, "initialization failed", 21) != NULL)
			fprintf(out, "I %.*s\n", (int)len, line);
		line = nl != NULL ? nl + 1 : NULL;
	}
}

static void __attribute__((noreturn))
child(const struct diag_options *opts, bool no_huge, int wfd)
{
	const char *argv[DIAG_MAX_EAL_ARGS + 8];
	char *log = NULL;
	size_t log_len = 0;
	FILE *logf, *out;
	int argc = 0, i, ret, err = 0, allocated = 0, vmode = -1;
	enum rte_iova_mode mode;

	alarm(CHILD_TIMEOUT_S);
	out = fdopen(wfd, "w");
	logf = open_memstream(&log, &log_len);
	if (out == NULL || logf == NULL)
		_exit(2);
	argv[argc++] = "dpdk-vfio-diag";
	argv[argc++] = "--in-memory";
	argv[argc++] = "--log-level=info";
	if (no_huge)
		argv[argc++] = "--no-huge";
	for (i = 0; i < opts->n_eal_args; i++)
		argv[argc++] = opts->eal_args[i];
	argv[argc] = NULL;
	rte_openlog_stream(logf);
	ret = rte_eal_init(argc, (char **)(uintptr_t)argv);
	if (ret < 0)
		err = rte_errno;
	mode = rte_eal_iova_mode();
	if (ret >= 0) {
		allocated = rte_eal_iova_mode_is_allocated();
		vmode = (int)rte_vfio_get_mode();
		rte_eal_cleanup();
	}
	rte_openlog_stream(NULL);
	fclose(logf);
	fprintf(out, "%d %d %d %d\n", (int)mode, allocated, err, vmode);
	filter_log(log, out);
	fclose(out);
	free(log);
	_exit(0);
}

/* Append "p" to buf (used bytes so far), " / " between lines. */
static void
add_line(char *buf, size_t size, size_t *used, const char *p)
{
	int n = snprintf(buf + *used, size - *used, "%s%s",
		*used > 0 ? " / " : "", p);

	if (n > 0 && (size_t)n < size - *used)
		*used += (size_t)n;
}

static void
read_answer(FILE *in, struct diag_iova *iova)
{
	char line[512];
	int mode, allocated, err, vmode;
	size_t used = 0, vused = 0;

	if (fgets(line, sizeof(line), in) == NULL ||
			sscanf(line, "%d %d %d %d", &mode, &allocated, &err,
				&vmode) != 4) {
		snprintf(iova->why, sizeof(iova->why),
			"the EAL gave no answer (its child process died)");
		return;
	}
	iova->eal_errno = err;
	iova->known = err == 0;
	iova->mode = err == 0 ? (enum rte_iova_mode)mode : RTE_IOVA_DC;
	iova->source = allocated ? "rte_eal_init (allocated IOVAs)" : "rte_eal_init";
	iova->vfio_known = err == 0 && vmode >= 0;
	iova->vfio_mode = vmode;
	/* the EAL logged its choice, then found no VFIO to use it with */
	if (iova->vfio_known && vmode == RTE_VFIO_MODE_NONE)
		add_line(iova->vfio_why, sizeof(iova->vfio_why), &vused,
			"VFIO is not available to the EAL here; it would choose");
	while (fgets(line, sizeof(line), in) != NULL) {
		bool vfio = line[0] == 'V';
		char *p = strstr(line, "EAL: ");

		p = p != NULL ? p + 5 : line + 2;
		p[strcspn(p, "\n")] = '\0';
		if (vfio)
			add_line(iova->vfio_why, sizeof(iova->vfio_why), &vused, p);
		else
			add_line(iova->why, sizeof(iova->why), &used, p);
	}
	if (used == 0)
		snprintf(iova->why, sizeof(iova->why), err == 0 ?
			"the EAL logged no reason" : "rte_eal_init failed: %s",
			strerror(err));
	if (vused == 0)
		snprintf(iova->vfio_why, sizeof(iova->vfio_why), "%s",
			err != 0 ? "rte_eal_init failed" :
			"the EAL logged no reason (VFIO not available)");
}

/* "group", "cdev", "noiommu", "none" (rte_vfio_get_mode()) */
const char *
diag_vfio_mode_name(int mode)
{
	switch (mode) {
	case RTE_VFIO_MODE_GROUP: return "group";
	case RTE_VFIO_MODE_NOIOMMU: return "noiommu";
	case RTE_VFIO_MODE_CDEV: return "cdev";
	default: return "none";
	}
}

void
diag_collect_iova(const struct diag_options *opts, struct diag_report *rep)
{
	struct diag_iova *iova = &rep->iova;
	bool no_huge = true;
	unsigned int i;
	int fds[2], status;
	pid_t pid;
	FILE *in;

	memset(iova, 0, sizeof(*iova));
	iova->mode = RTE_IOVA_DC;
	iova->source = "not asked";
	if (opts->no_iova) {
		snprintf(iova->why, sizeof(iova->why), "not asked (--no-iova)");
		return;
	}
	/* without reserved hugepages the EAL can only start on system pages */
	for (i = 0; i < rep->n_pools; i++)
		if (rep->pools[i].free > 0)
			no_huge = false;
	for (i = 0; i < (unsigned int)opts->n_eal_args; i++)
		if (strcmp(opts->eal_args[i], "--no-huge") == 0)
			no_huge = false;  /* given already */
	if (pipe(fds) < 0) {
		snprintf(iova->why, sizeof(iova->why), "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(iova->why, sizeof(iova->why), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		child(opts, no_huge, fds[1]);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	if (in == NULL) {
		close(fds[0]);
		kill(pid, SIGKILL);
	} else {
		read_answer(in, iova);
		fclose(in);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}
