/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOVA mode the EAL would pick, and why, asked of the EAL itself: the
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

#include "vfio_diag.h"

#define CHILD_TIMEOUT_S 60

/* Keep the EAL's lines that explain the mode (or why init failed). */
static void
filter_log(const char *log, FILE *out)
{
	const char *line = log;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);

		if ((memmem(line, len, "IOVA", 4) != NULL &&
				memmem(line, len, "mode", 4) != NULL) ||
				memmem(line, len, "initialization failed", 21) != NULL)
			fprintf(out, "%.*s\n", (int)len, line);
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
	int argc = 0, i, ret, err = 0, allocated = 0;
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
		rte_eal_cleanup();
	}
	rte_openlog_stream(NULL);
	fclose(logf);
	fprintf(out, "%d %d %d\n", (int)mode, allocated, err);
	filter_log(log, out);
	fclose(out);
	free(log);
	_exit(0);
}

static void
read_answer(FILE *in, struct diag_iova *iova)
{
	char line[512];
	int mode, allocated, err;
	size_t used = 0;

	if (fgets(line, sizeof(line), in) == NULL ||
			sscanf(line, "%d %d %d", &mode, &allocated, &err) != 3) {
		snprintf(iova->why, sizeof(iova->why),
			"the EAL gave no answer (its child process died)");
		return;
	}
	iova->eal_errno = err;
	iova->known = err == 0;
	iova->mode = err == 0 ? (enum rte_iova_mode)mode : RTE_IOVA_DC;
	iova->source = allocated ? "rte_eal_init (allocated IOVAs)" : "rte_eal_init";
	while (fgets(line, sizeof(line), in) != NULL) {
		char *p = strstr(line, "EAL: ");
		int n;

		p = p != NULL ? p + 5 : line;
		p[strcspn(p, "\n")] = '\0';
		n = snprintf(iova->why + used, sizeof(iova->why) - used, "%s%s",
			used > 0 ? " / " : "", p);
		if (n < 0 || (size_t)n >= sizeof(iova->why) - used)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(iova->why, sizeof(iova->why), err == 0 ?
			"the EAL logged no reason" : "rte_eal_init failed: %s",
			strerror(err));
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
