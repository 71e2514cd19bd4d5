/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * podswitch-agent [--kubeconfig FILE] [--node-name NAME]
 *                 [--podswitch-socket PATH] [--overlay host-gw|vxlan]
 *                 [--service-proxy-name NAME]
 *                 [--healthz-bind-address ADDR:PORT]
 *                 [--metrics-bind-address ADDR:PORT]
 *                 [--sync-period DURATION] [--batch-window DURATION]
 *
 * Exit codes: 0 stopped by SIGTERM/SIGINT, 1 failure (one line on
 * stderr), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ps_build_config.h"
#include "agent.h"

#define DEFAULT_SOCKET "/run/podswitch/api.sock"

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: podswitch-agent [options]\n"
		"  --kubeconfig FILE             kubeconfig (default: in-cluster "
		"service account)\n"
		"  --node-name NAME              this node (default: $NODE_NAME, "
		"else the hostname)\n"
		"  --podswitch-socket PATH       the daemon's API socket (default "
		"$PODSWITCH_SOCKET or " DEFAULT_SOCKET ")\n"
		"  --overlay host-gw|vxlan       routes from Nodes (default "
		"host-gw)\n"
		"  --service-proxy-name NAME     serve services with this "
		"service.kubernetes.io/service-proxy-name\n"
		"                                (default: only unlabelled "
		"services)\n"
		"  --healthz-bind-address A:P    /healthz, /livez (default "
		"0.0.0.0:10256)\n"
		"  --metrics-bind-address A:P    /metrics, /proxyMode (default "
		"127.0.0.1:10249)\n"
		"  --sync-period DURATION        full resync and health period "
		"(default 30s)\n"
		"  --batch-window DURATION       coalescing of changes (default "
		"5ms)\n"
		"  --watch-timeout DURATION      a watch's timeoutSeconds, spread "
		"to [T, 2T) (default 5m)\n"
		"  --page-size N                 list page size (default 500)\n"
		"  --v LEVEL                     log level: debug, info, warning, "
		"error (default info)\n");
}

/* Go-style durations of one unit: 5ms, 30s, 1m, 1h, 250us. */
static int
parse_duration_ms(const char *s, uint64_t *ms, bool zero_ok)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		;
	else if (strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "m") == 0)
		v *= 60000;
	else if (strcmp(end, "h") == 0)
		v *= 3600000;
	else if (strcmp(end, "us") == 0)
		v /= 1000;
	else
		return -1;
	if (v > 1e12 || (!zero_ok && v < 1))
		return -1;
	*ms = (uint64_t)v;
	return 0;
}

static bool
valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '.'))
			return false;
	return true;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "node-name", required_argument, NULL, 'n' },
		{ "podswitch-socket", required_argument, NULL, 's' },
		{ "overlay", required_argument, NULL, 'o' },
		{ "service-proxy-name", required_argument, NULL, 'p' },
		{ "healthz-bind-address", required_argument, NULL, 'H' },
		{ "metrics-bind-address", required_argument, NULL, 'M' },
		{ "sync-period", required_argument, NULL, 'S' },
		{ "batch-window", required_argument, NULL, 'B' },
		{ "watch-timeout", required_argument, NULL, 'W' },
		{ "page-size", required_argument, NULL, 'P' },
		{ "v", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct agent ag;
	struct ag_options *o = &ag.opt;
	char host[256];
	uint64_t wt_ms = 300000;
	pthread_t sync_thread;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int i;
	int c;

	*o = (struct ag_options){
		.healthz_addr = "0.0.0.0:10256",
		.metrics_addr = "127.0.0.1:10249",
		.sync_period_ms = 30000, .batch_window_ms = 5,
		.page_size = 500,
	};
	o->socket = getenv("PODSWITCH_SOCKET");
	if (o->socket == NULL || o->socket[0] == '\0')
		o->socket = DEFAULT_SOCKET;
	o->node_name = getenv("NODE_NAME");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'k': o->kubeconfig = optarg; break;
		case 'n': o->node_name = optarg; break;
		case 's': o->socket = optarg; break;
		case 'o':
			if (strcmp(optarg, "vxlan") == 0) {
				o->vxlan = true;
			} else if (strcmp(optarg, "host-gw") != 0) {
				fprintf(stderr, "podswitch-agent: --overlay "
					"'%s': must be host-gw or vxlan\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			if (optarg[0] == '\0') {
				fprintf(stderr, "podswitch-agent: "
					"--service-proxy-name: empty\n");
				return 2;
			}
			o->proxy_name = optarg;
			break;
		case 'H': o->healthz_addr = optarg; break;
		case 'M': o->metrics_addr = optarg; break;
		case 'S':
		case 'B':
		case 'W':
			if (parse_duration_ms(optarg, c == 'S' ?
					      &o->sync_period_ms : c == 'B' ?
					      &o->batch_window_ms : &wt_ms,
					      c == 'B') < 0 ||
			    (c == 'S' && o->sync_period_ms < 1000) ||
			    (c == 'W' && wt_ms < 1000)) {
				fprintf(stderr, "podswitch-agent: --%s '%s': "
					"a duration such as %s\n", c == 'S' ?
					"sync-period" : c == 'B' ?
					"batch-window" : "watch-timeout",
					optarg, c == 'B' ? "5ms (0 or more)" :
					"30s (1s or more)");
				return 2;
			}
			break;
		case 'P':
			o->page_size = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->page_size < 1 ||
			    o->page_size > 100000 || optarg[0] == '-') {
				fprintf(stderr, "podswitch-agent: --page-size "
					"'%s': 1..100000\n", optarg);
				return 2;
			}
			break;
		case 'v':
			if (strcmp(optarg, "debug") == 0)
				ag_log_level = AG_DEBUG;
			else if (strcmp(optarg, "info") == 0)
				ag_log_level = AG_INFO;
			else if (strcmp(optarg, "warning") == 0)
				ag_log_level = AG_WARN;
			else if (strcmp(optarg, "error") == 0)
				ag_log_level = AG_ERR;
			else {
				fprintf(stderr, "podswitch-agent: --v '%s': "
					"debug, info, warning or error\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "podswitch-agent: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	o->watch_timeout_s = wt_ms / 1000;
	if (o->node_name == NULL || o->node_name[0] == '\0') {
		if (gethostname(host, sizeof(host)) < 0) {
			fprintf(stderr, "podswitch-agent: no --node-name and "
				"no hostname\n");
			return 1;
		}
		host[sizeof(host) - 1] = '\0';
		o->node_name = host;
	}
	if (!valid_name(o->node_name)) {
		fprintf(stderr, "podswitch-agent: node name '%s' is not a "
			"Kubernetes name (lower case, digits, '-', '.')\n",
			o->node_name);
		return 2;
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "podswitch-agent: libcurl init failed\n");
		return 1;
	}
	if ((o->kubeconfig != NULL ?
	     ag_kubeconfig_load(o->kubeconfig, &ag.kube) :
	     ag_kube_in_cluster(&ag.kube)) < 0)
		return 1;
	ag.ps.socket = o->socket;
	ag.ps.token = getenv("PODSWITCH_TOKEN");
	pthread_mutex_init(&ag.lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_cond_init(&ag.cond, &ca);
	}
	ag.dirty_svcs = json_object();
	ag.dirty_slices = json_object();
	ag.sent_svcs = json_object();
	srandom((unsigned int)(ag_wall_ms() ^ (uint64_t)getpid()));

	for (i = 0; i < AG_NPOL; i++) {
		ag.dirty_pol[i] = json_object();
		ag.sent_pol[i] = json_object();
	}
	ag.refl[AG_R_SVCS] = (struct ag_reflector){ .ag = &ag,
		.name = "services", .path = "/api/v1/services",
		.kind = "Service", .api_version = "v1",
		.changed = ag_svc_changed, .relisted = ag_svcs_relisted };
	ag.refl[AG_R_SLICES] = (struct ag_reflector){ .ag = &ag,
		.name = "endpointslices",
		.path = "/apis/discovery.k8s.io/v1/endpointslices",
		.kind = "EndpointSlice", .api_version = "discovery.k8s.io/v1",
		.changed = ag_slice_changed, .relisted = ag_svcs_relisted };
	ag.refl[AG_R_NODES] = (struct ag_reflector){ .ag = &ag,
		.name = "nodes", .path = "/api/v1/nodes", .kind = "Node",
		.api_version = "v1", .changed = ag_node_changed,
		.relisted = ag_nodes_relisted };
	/* every pod of the cluster, not only ours: policies select peers
	 * on other nodes by their addresses */
	ag.refl[AG_R_NAMESPACES] = (struct ag_reflector){ .ag = &ag,
		.name = "namespaces", .path = "/api/v1/namespaces",
		.kind = "Namespace", .api_version = "v1",
		.changed = ag_ns_changed, .relisted = ag_ns_relisted };
	ag.refl[AG_R_PODS] = (struct ag_reflector){ .ag = &ag,
		.name = "pods", .path = "/api/v1/pods", .kind = "Pod",
		.api_version = "v1", .changed = ag_pod_changed,
		.relisted = ag_pods_relisted };
	ag.refl[AG_R_NETPOLS] = (struct ag_reflector){ .ag = &ag,
		.name = "networkpolicies",
		.path = "/apis/networking.k8s.io/v1/networkpolicies",
		.kind = "NetworkPolicy", .api_version = "networking.k8s.io/v1",
		.changed = ag_netpol_changed, .relisted = ag_netpols_relisted };
	/* stores first: the listeners read their sizes */
	for (i = 0; i < AG_NREFL; i++) {
		ag.refl[i].store = ag_store_new();
		if (ag.refl[i].store == NULL)
			return 1;
	}
	if (ag_serve_start(&ag, o->healthz_addr, ag_healthz, "healthz") < 0 ||
	    ag_serve_start(&ag, o->metrics_addr, ag_metrics, "metrics") < 0)
		return 1;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	LOG_INFO("agent", "podswitch-agent %s: node %s, API server %s, "
		 "daemon %s, overlay %s, service-proxy-name %s, sync period "
		 "%llu ms, batch window %llu ms", PS_VERSION, o->node_name,
		 ag.kube.server, o->socket, o->vxlan ? "vxlan" : "host-gw",
		 o->proxy_name ? o->proxy_name : "(none)",
		 (unsigned long long)o->sync_period_ms,
		 (unsigned long long)o->batch_window_ms);
	for (i = 0; i < AG_NREFL; i++)
		if (ag_reflector_start(&ag.refl[i]) < 0) {
			fprintf(stderr, "podswitch-agent: cannot start a "
				"thread\n");
			return 1;
		}
	if (pthread_create(&sync_thread, NULL, ag_sync_main, &ag) != 0) {
		fprintf(stderr, "podswitch-agent: cannot start a thread\n");
		return 1;
	}
	while (!got_signal)
		pause();
	LOG_INFO("agent", "signal %d: stopping", (int)got_signal);
	ag.stop = 1;
	pthread_mutex_lock(&ag.lock);
	pthread_cond_broadcast(&ag.cond);
	pthread_mutex_unlock(&ag.lock);
	/* Threads in a request end with it (the longest is a list, and the
	 * daemon's answer); the state they hold dies with the process, and
	 * the dataplane keeps what it was given. */
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		pthread_timedjoin_np(sync_thread, NULL, &ts);
	}
	return 0;
}
