/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * podswitch [EAL options] -- --config FILE
 * podswitch --config FILE            (EAL options from the file)
 * podswitch --check-config FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_graph_worker.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pdump.h>

#include <podswitch/config.h>
#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/log.h>
#include <podswitch/trace.h>
#include <podswitch/rest.h>

#include "ps_build_config.h"
#include "stats_print.h"

#define EXIT_USAGE 2

RTE_LOG_REGISTER(ps_logtype_app, podswitch.app, INFO);
#define APP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_app, "podswitch: " __VA_ARGS__)

static volatile sig_atomic_t got_quit;
static volatile sig_atomic_t got_stats;
static volatile sig_atomic_t got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_stats = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_quit = 1;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options --] --config FILE [--drivers-dir DIR]\n"
		"          [--state-dir DIR] [--trace] [--log-file FILE]\n"
		"       %s --check-config FILE [--drivers-dir DIR]\n"
		"\n"
		"  --config FILE        run the node described by FILE; EAL options come\n"
		"                       from the command line before '--', or else from\n"
		"                       the file's dpdk.eal_args\n"
		"  --check-config FILE  validate FILE, list every problem by JSON path,\n"
		"                       exit 0 if valid, 1 if not\n"
		"  --drivers-dir DIR    driver profiles (default %s)\n"
		"  --state-dir DIR      keep what the API programs in DIR and\n"
		"                       restore it at start (overrides state.dir)\n"
		"  --trace              trace every packet from start-up, each node's\n"
		"                       record logged (debug; see podswitchctl trace)\n"
		"  --graph-dot FILE     build the node of --config, write the first\n"
		"                       worker's graph to FILE (Graphviz) and exit\n"
		"  --log-file FILE      append stdout, stderr and the log to FILE;\n"
		"                       SIGHUP reopens it (after logrotate moved it)\n"
		"  --version, --help\n"
		"\n"
		"SIGUSR1 prints the counters; SIGINT/SIGTERM stop cleanly (with a\n"
		"state directory, connections are saved for the next start);\n"
		"SIGHUP is logged and reopens the log file.\n",
		prog, prog, ps_profiles_default_dir());
}

struct app_opts {
	const char *config;
	const char *drivers_dir;
	const char *log_file;
	const char *state_dir;
	const char *graph_dot;
	bool check_only;
	bool trace;
};

/* Returns 0, or EXIT_USAGE after printing why. */
static int
parse_app_args(int argc, char **argv, struct app_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "drivers-dir", required_argument, NULL, 'd' },
		{ "trace", no_argument, NULL, 't' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "graph-dot", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'k':
			o->config = optarg;
			o->check_only = true;
			break;
		case 'd':
			o->drivers_dir = optarg;
			break;
		case 't':
			o->trace = true;
			break;
		case 'l':
			o->log_file = optarg;
			break;
		case 's':
			o->state_dir = optarg;
			break;
		case 'g':
			o->graph_dot = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		case 'v':
			printf("podswitch %s\n", PS_VERSION);
			exit(0);
		default:
			fprintf(stderr, "podswitch: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			usage(stderr, argv[0]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "podswitch: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (o->state_dir != NULL &&
	    (o->state_dir[0] != '/' || strlen(o->state_dir) >= PS_PATH_MAX)) {
		fprintf(stderr, "podswitch: --state-dir: '%s' must be an "
			"absolute path shorter than %d\n", o->state_dir,
			PS_PATH_MAX);
		return EXIT_USAGE;
	}
	if (o->config == NULL) {
		fprintf(stderr, "podswitch: --config FILE or --check-config FILE is required\n");
		usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The graph as the registered nodes build it (docs/graph.svg is drawn
 * from this by devtools/update-graph.sh, so that no drawing goes stale).
 */
static int
write_graph_dot(const struct ps_dataplane *dp, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL) {
		fprintf(stderr, "podswitch: --graph-dot %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	rc = rte_graph_export(dp->workers[0].graph->name, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		fprintf(stderr, "podswitch: --graph-dot %s: cannot write the "
			"graph\n", path);
	return rc;
}

static int
load_config(const struct app_opts *o, struct ps_config *cfg)
{
	struct ps_errors errs = { 0 };
	const char *dir = o->drivers_dir ? o->drivers_dir : ps_profiles_default_dir();
	int rc;

	rc = ps_profiles_load(dir, &errs);
	if (rc >= 0)
		rc = ps_config_load(o->config, cfg, &errs);
	if (rc < 0) {
		fprintf(stderr, "podswitch: %s: %u problem%s\n", o->config,
			errs.count, errs.count == 1 ? "" : "s");
		ps_errors_print(&errs, stderr);
	}
	ps_errors_free(&errs);
	return rc;
}

static int
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/*
 * --log-file: the file takes the place of stdout and stderr, where EAL's
 * log stream and our printf go. dup2 swaps the descriptor under the
 * streams atomically, so a reopen needs no lock against workers logging.
 */
static int
log_file_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

/* SIGHUP never stops the daemon: it is logged, and a log file is reopened
 * so that logrotate can move the old one away. */
static void
on_hup(const struct app_opts *o)
{
	int rc;

	if (o->log_file == NULL) {
		APP_LOG(NOTICE, "SIGHUP received (no log file to reopen)\n");
		return;
	}
	rc = log_file_open(o->log_file);
	if (rc < 0)
		APP_LOG(ERR, "SIGHUP: cannot reopen %s: %s\n",
			o->log_file, strerror(-rc));
	else
		APP_LOG(NOTICE, "SIGHUP received, log file %s reopened\n",
			o->log_file);
}

/*
 * One pass of the management thread: the tables' timers, then the API.
 * The API's wait is the loop's pacing: requests are answered at once and
 * the timers still run every millisecond.
 */
static void
mgmt_pass(struct ps_dataplane *dp, void *arg)
{
	ps_mgmt_poll(dp);
	ps_rest_poll(arg, 1);
}

/*
 * The API (api.* of the configuration) with what the state directory
 * kept, then the workers and the management thread that serves it.
 * Returns 0 or -errno, with nothing started and *rest NULL.
 */
static int
start(struct ps_dataplane *dp, struct ps_rest **rest)
{
	int rc;

	*rest = ps_rest_create(dp);
	if (*rest == NULL) {
		/* ps_rest_create() said which socket and why. */
		return -rte_errno;
	}
	/* what the last run programmed, before anything forwards */
	rc = ps_rest_state_restore(*rest);
	if (rc == 0)
		rc = ps_dataplane_start(dp, mgmt_pass, *rest);
	if (rc < 0) {
		ps_rest_free(*rest);
		*rest = NULL;
	}
	return rc;
}

/*
 * dpdk.secondary: let dpdk-dumpcap (and dpdk-pdump) attach. pdump's
 * server answers their requests by adding rx/tx callbacks to our
 * ethdev ports (native af_packet and ring ports are no ethdevs: the
 * API's capture covers them). A failure costs only that.
 */
static void
secondary_init(const struct ps_config *cfg)
{
	const char *dir = rte_eal_get_runtime_dir(), *prefix;

	if (!cfg->dpdk_secondary)
		return;
	prefix = strrchr(dir, '/') != NULL ? strrchr(dir, '/') + 1 : dir;
	if (rte_pdump_init() < 0)
		fprintf(stderr, "podswitch: pdump: %s: dpdk-dumpcap cannot "
			"attach\n", rte_strerror(rte_errno));
	else
		printf("podswitch: pdump ready: dpdk-dumpcap "
		       "--file-prefix=%s can attach\n",
		       prefix);
}

/* Everything after the EAL arguments are known. Returns the exit code. */
static int
run(const struct app_opts *o, struct ps_config *cfg, int eal_argc,
    char **eal_argv)
{
	static struct ps_dataplane dp;
	struct ps_rest *rest = NULL;
	unsigned int lcores[PS_MAX_WORKERS], nb_lcores = 0, lc;
	int i, rc;

	fprintf(stderr, "podswitch: EAL");
	for (i = 1; i < eal_argc; i++)
		fprintf(stderr, " %s", eal_argv[i]);
	fprintf(stderr, "\n");
	/* time and level on every line, EAL's included */
	if (ps_log_stream_open(stdout) < 0)
		fprintf(stderr, "podswitch: log lines without time and level: "
			"%s\n", strerror(errno));
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "podswitch: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	secondary_init(cfg);

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (nb_lcores == PS_MAX_WORKERS)
			break;
		lcores[nb_lcores++] = lc;
	}
	if (nb_lcores == 0) {
		fprintf(stderr, "podswitch: no worker lcore: give EAL at least "
			"two lcores (main + worker)\n");
		rte_eal_cleanup();
		return 1;
	}
	/* a trace session of every packet on every port from the start,
	 * each record logged (the trace module arms it) */
	ps_graph_trace = o->trace;
	if (o->trace)
		rte_log_set_level(ps_logtype_trace, RTE_LOG_DEBUG);

	rc = ps_dataplane_init(&dp, cfg, lcores, nb_lcores);
	if (rc == 0 && o->graph_dot != NULL) {
		rc = write_graph_dot(&dp, o->graph_dot);
		ps_dataplane_fini(&dp);
		rte_eal_cleanup();
		return rc == 0 ? 0 : 1;
	}
	if (rc == 0)
		rc = start(&dp, &rest);
	if (rc < 0) {
		fprintf(stderr, "podswitch: cannot start the dataplane: %s\n",
			rte_strerror(-rc));
		ps_dataplane_fini(&dp);
		rte_eal_cleanup();
		return 1;
	}
	printf("podswitch: node %s running, %u ports, %u workers (pid %d)\n",
	       cfg->node_name, cfg->nb_ports, nb_lcores, (int)getpid());
	fflush(stdout);

	while (!got_quit) {
		if (got_stats) {
			got_stats = 0;
			ps_stats_print(stdout, &dp);
		}
		if (got_hup) {
			got_hup = 0;
			on_hup(o);
		}
		usleep(10000);
	}
	printf("podswitch: stopping\n");
	ps_dataplane_stop(&dp);
	/* nothing runs now: what the API changed is written whole */
	ps_rest_state_flush(rest);
	ps_rest_free(rest);
	ps_stats_print(stdout, &dp);
	ps_dataplane_fini(&dp);
	if (cfg->dpdk_secondary)
		rte_pdump_uninit();
	rte_eal_cleanup();
	printf("podswitch: stopped\n");
	return 0;
}

int
main(int argc, char **argv)
{
	static struct ps_config cfg;
	/* what we strdup'ed; rte_eal_init rewrites the array it is given */
	char *eal_argv[PS_MAX_EAL_ARGS + 32], *eal_own[PS_MAX_EAL_ARGS + 32];
	struct app_opts o = { 0 };
	int i, dashdash = -1, eal_argc, own = 0, rc;
	bool eal_from_file;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
	eal_from_file = dashdash < 0;
	rc = parse_app_args(eal_from_file ? argc : argc - dashdash,
			    eal_from_file ? argv : argv + dashdash, &o);
	if (rc != 0)
		return rc;
	if (o.log_file != NULL && !o.check_only &&
	    (rc = log_file_open(o.log_file)) < 0) {
		fprintf(stderr, "podswitch: cannot open log file %s: %s\n",
			o.log_file, strerror(-rc));
		return 1;
	}
	/* before EAL starts threads: a SIGHUP from then on never kills */
	if (install_signals() < 0)
		return 1;
	if (load_config(&o, &cfg) < 0)
		return 1;
	if (o.state_dir != NULL)
		snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s",
			 o.state_dir);
	if (o.check_only) {
		printf("%s: configuration is valid (%u ports, %u workers)\n",
		       o.config, cfg.nb_ports, cfg.nb_workers);
		ps_config_free(&cfg);
		return 0;
	}

	if (eal_from_file) {
		eal_argc = ps_eal_args_from_config(&cfg, argv[0], eal_argv,
						   (int)RTE_DIM(eal_argv));
		if (eal_argc < 0) {
			fprintf(stderr, "podswitch: too many EAL arguments\n");
			ps_config_free(&cfg);
			return 1;
		}
		own = eal_argc;
		memcpy(eal_own, eal_argv, sizeof(*eal_own) * own);
	} else {
		for (i = 0; i < dashdash; i++)
			eal_argv[i] = argv[i];
		eal_argc = dashdash;
	}
	rc = run(&o, &cfg, eal_argc, eal_argv);
	ps_eal_args_free(eal_own, own);
	ps_config_free(&cfg);
	ps_profiles_free();
	return rc;
}
