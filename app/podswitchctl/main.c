/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * podswitchctl [--socket PATH | --tcp HOST:PORT] [--token TOKEN] [--json]
 *              COMMAND [ARGS...]
 * podswitchctl help [COMMAND] | COMMAND -h | --version
 *
 * Options come before the command, as with ip(8), so that a command's own
 * arguments (a prefix, "-f FILE") are never taken for ours.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ps_build_config.h"

struct command {
	const char *name;
	int (*fn)(const struct ctl *c, int argc, char **argv);
};

static const struct command commands[] = {
	{ "status", cmd_status },
	{ "route", cmd_route },
	{ "port", cmd_port },
	{ "fdb", cmd_fdb },
	{ "neigh", cmd_neigh },
	{ "neighbor", cmd_neigh },
	{ "stats", cmd_stats },
	{ "metrics", cmd_metrics },
	{ "service", cmd_service },
	{ "apply", cmd_apply },
	{ "conntrack", cmd_conntrack },
	{ "policy", cmd_policy },
	{ "log", cmd_log },
	{ "trace", cmd_trace },
	{ "capture", cmd_capture },
	{ "top", cmd_top },
};

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : def;
}

/*
 * "route -h", "route --help", "route help", "route add -h": the first two
 * words after the command only, further ones are a command's values.
 */
static bool
asks_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc && i < 2; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0 ||
		    (i == 0 && strcmp(argv[i], "help") == 0))
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "tcp", required_argument, NULL, 't' },
		{ "token", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = {
		.socket_path = env_or("PODSWITCH_SOCKET", CTL_DEFAULT_SOCKET),
		.socket_from = "the default socket",
		.token = env_or("PODSWITCH_TOKEN", NULL),
	};
	bool have_socket = false;
	unsigned int i;
	int o;

	if (env_or("PODSWITCH_SOCKET", NULL) != NULL)
		c.socket_from = "from PODSWITCH_SOCKET";
	/* "+": stop at the command, its arguments are its own. */
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+s:t:k:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			c.socket_path = optarg;
			c.socket_from = "from --socket";
			have_socket = true;
			break;
		case 't':
			c.tcp = optarg;
			break;
		case 'k':
			c.token = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			ctl_usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("podswitchctl %s\n", PS_VERSION);
			return CTL_EXIT_OK;
		case ':':
			return ctl_usage_error("option '%s' needs an argument",
					       argv[optind - 1]);
		default:
			if (optopt == 's' || optopt == 't' || optopt == 'k')
				return ctl_usage_error("option '%s' needs an "
						       "argument",
						       argv[optind - 1]);
			return ctl_usage_error("unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (have_socket && c.tcp != NULL)
		return ctl_usage_error("--socket and --tcp exclude each other");
	if (optind == argc)
		return ctl_usage_error("a command is required");
	if (strcmp(argv[optind], "help") == 0) {
		if (optind + 1 == argc) {
			ctl_usage(stdout);
			return CTL_EXIT_OK;
		}
		return ctl_command_help(argv[optind + 1]);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[optind]) != 0)
			continue;
		if (asks_help(argc - optind - 1, argv + optind + 1))
			return ctl_command_help(commands[i].name);
		return commands[i].fn(&c, argc - optind - 1, argv + optind + 1);
	}
	return ctl_usage_error("unknown command '%s'", argv[optind]);
}
