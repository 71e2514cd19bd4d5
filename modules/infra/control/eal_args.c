/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <podswitch/dataplane.h>

static bool
has_arg(char **argv, int argc, const char *const names[])
{
	int i, j;

	for (i = 0; i < argc; i++)
		for (j = 0; names[j] != NULL; j++) {
			size_t len = strlen(names[j]);

			/* "--opt", "--opt=x", and the glued short form "-l1" */
			if (strncmp(argv[i], names[j], len) == 0 &&
			    (argv[i][len] == '\0' || argv[i][len] == '=' ||
			     (len == 2 && names[j][1] != '-')))
				return true;
		}
	return false;
}

static int
push(char **argv, int *argc, int max, const char *s)
{
	if (*argc >= max - 1)
		return -E2BIG;
	argv[*argc] = strdup(s);
	if (argv[*argc] == NULL)
		return -ENOMEM;
	(*argc)++;
	argv[*argc] = NULL;
	return 0;
}

void
ps_eal_args_free(char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++) {
		free(argv[i]);
		argv[i] = NULL;
	}
}

/* On failure argv keeps its strings up to a NULL: the caller frees them. */
static int
args_build(const struct ps_config *cfg, const char *prog, char **argv,
	   int max)
{
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const prefix_opts[] = { "--file-prefix", NULL };
	static const char *const unlink_opts[] = { "--no-huge", "--in-memory",
		"--huge-unlink", "--single-file-segments", NULL };
	char buf[512];
	int argc = 0, rc;
	unsigned int i, j;

	if (max < 1)
		return -E2BIG;
	argv[0] = NULL;
	if ((rc = push(argv, &argc, max, prog)) < 0)
		return rc;
	for (i = 0; i < cfg->nb_eal_args; i++)
		if ((rc = push(argv, &argc, max, cfg->eal_args[i])) < 0)
			return rc;

	if (!has_arg(argv, argc, lcore_opts)) {
		/* lcore 0 is the main thread, free to run on any CPU: it sleeps
		 * nearly always, but at shutdown it must not starve behind
		 * another process's poller pinned where it was confined.
		 * lcores 1..N are the workers on their CPUs. */
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		int n;

		n = snprintf(buf, sizeof(buf), "0@(0-%ld)", ncpu > 0 ? ncpu - 1 : 0);
		for (i = 0; i < cfg->nb_workers; i++)
			n += snprintf(buf + n, sizeof(buf) - n, ",%u@%u", i + 1,
				      cfg->worker_cpus[i]);
		if ((size_t)n >= sizeof(buf))
			return -E2BIG;
		if ((rc = push(argv, &argc, max, "--lcores")) < 0 ||
		    (rc = push(argv, &argc, max, buf)) < 0)
			return rc;
	}
	if (!has_arg(argv, argc, prefix_opts)) {
		snprintf(buf, sizeof(buf), "--file-prefix=podswitch-%s",
			 cfg->node_name);
		if ((rc = push(argv, &argc, max, buf)) < 0)
			return rc;
	}
	for (i = 0; i < cfg->nb_ports; i++) {
		const struct ps_profile *pr = ps_profile_find(cfg->ports[i].driver);

		for (j = 0; pr != NULL && j < pr->nb_eal_args; j++) {
			const char *const one[] = { pr->eal_args[j], NULL };

			if (!has_arg(argv, argc, one) &&
			    (rc = push(argv, &argc, max, pr->eal_args[j])) < 0)
				return rc;
		}
	}
	/* Hugepage files are unlinked once mapped, so none is left behind
	 * whatever way the process ends. EAL refuses --huge-unlink with
	 * --single-file-segments (vhost-user, virtio-user), so it is added
	 * after the profiles' flags and only when none of them forbids it.
	 * A secondary process (dpdk.secondary: dpdk-dumpcap) maps those
	 * files by name: then they stay, and EAL removes them at a clean
	 * exit (a crash leaves them until the next start). */
	if (!cfg->dpdk_secondary && !has_arg(argv, argc, unlink_opts))
		if ((rc = push(argv, &argc, max, "--huge-unlink")) < 0)
			return rc;
	return argc;
}

int
ps_eal_args_from_config(const struct ps_config *cfg, const char *prog,
			char **argv, int max)
{
	int rc = args_build(cfg, prog, argv, max), n = 0;

	if (rc < 0 && max >= 1) {
		while (argv[n] != NULL)
			n++;
		ps_eal_args_free(argv, n);
	}
	return rc;
}
