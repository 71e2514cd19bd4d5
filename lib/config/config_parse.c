/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node configuration file. Validation goes on after the first problem so
 * that an operator sees every mistake at once, each named by its JSON path.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "config_private.h"

static void
parse_node(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "name", "ip", "mac", "pod_cidr",
		"gateway_ip", "cluster_cidr", "service_cidr", "zone", NULL };
	const char *path = "$.node";
	const json_t *node = ps_json_object(root, "$", "node", PS_JP_REQUIRED,
					    errs);
	bool have_pod, have_gw, have_cluster;

	if (node == NULL)
		return;
	ps_json_unknown_keys(node, path, keys, NULL, errs);
	ps_json_string(node, path, "name", PS_JP_REQUIRED, cfg->node_name,
		       sizeof(cfg->node_name), errs);
	/* topology.kubernetes.io/zone, for EndpointSlice zone hints; the
	 * agent sets it from the Node at run time (PUT /v1/node/zone) */
	ps_json_string(node, path, "zone", PS_JP_K8S, cfg->node_zone,
		       sizeof(cfg->node_zone), errs);
	cfg_get_prefix(node, path, "ip", PS_JP_REQUIRED, &cfg->node_ip, true, errs);
	cfg_get_mac(node, path, "mac", PS_JP_REQUIRED, &cfg->node_mac, errs);
	have_pod = cfg_get_prefix(node, path, "pod_cidr", PS_JP_REQUIRED,
				  &cfg->pod_cidr, false, errs);
	have_gw = cfg_get_ip(node, path, "gateway_ip", PS_JP_REQUIRED,
			     &cfg->gateway_ip, errs);
	have_cluster = cfg_get_prefix(node, path, "cluster_cidr", 0,
				      &cfg->cluster_cidr, false, errs);
	cfg_get_prefix(node, path, "service_cidr", 0, &cfg->service_cidr,
		       false, errs);
	if (have_pod && have_gw &&
	    !ps_prefix4_contains(&cfg->pod_cidr, cfg->gateway_ip))
		ps_errors_add(errs, "$.node.gateway_ip",
			      "not inside $.node.pod_cidr");
	if (have_pod && have_cluster &&
	    (cfg->pod_cidr.len < cfg->cluster_cidr.len ||
	     !ps_prefix4_contains(&cfg->cluster_cidr, cfg->pod_cidr.addr)))
		ps_errors_add(errs, "$.node.pod_cidr",
			      "not inside $.node.cluster_cidr");
}

static void
parse_overlay(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "mode", "vni", "udp_port", NULL };
	const char *path = "$.overlay";
	const json_t *ov = ps_json_object(root, "$", "overlay", 0, errs);
	char mode[16];
	uint64_t u;

	cfg->overlay_mode = PS_OVERLAY_HOST_GW;
	cfg->vni = 1;
	cfg->udp_port = 4789;
	if (ov == NULL)
		return;
	ps_json_unknown_keys(ov, path, keys, NULL, errs);
	if (ps_json_string(ov, path, "mode", 0, mode, sizeof(mode), errs)) {
		if (strcmp(mode, "host-gw") == 0)
			cfg->overlay_mode = PS_OVERLAY_HOST_GW;
		else if (strcmp(mode, "vxlan") == 0)
			cfg->overlay_mode = PS_OVERLAY_VXLAN;
		else
			ps_errors_add(errs, "$.overlay.mode",
				      "must be \"host-gw\" or \"vxlan\", got \"%s\"", mode);
	}
	if (ps_json_uint(ov, path, "vni", 0, 1, (1 << 24) - 1, &u, errs))
		cfg->vni = (uint32_t)u;
	if (ps_json_uint(ov, path, "udp_port", 0, 1, 65535, &u, errs))
		cfg->udp_port = (uint16_t)u;
}

static int
parse_cpu_list(const char *s, unsigned int *cpus, unsigned int max)
{
	unsigned int n = 0;
	const char *p = s;

	while (*p != '\0') {
		char *end;
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			b = strtoul(p, &end, 10);
		}
		if (b < a || b >= RTE_MAX_LCORE)
			return -EINVAL;
		for (; a <= b; a++) {
			unsigned int k;

			if (n == max)
				return -E2BIG;
			for (k = 0; k < n; k++)
				if (cpus[k] == a)
					return -EINVAL;
			cpus[n++] = (unsigned int)a;
		}
		if (*end == ',' && end[1] != '\0')
			end++;
		else if (*end != '\0')
			return -EINVAL;
		p = end;
	}
	return n == 0 ? -EINVAL : (int)n;
}

static void
parse_workers(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "lcores", "burst",
		"idle_sleep_max_us", NULL };
	const char *path = "$.workers";
	const json_t *w = ps_json_object(root, "$", "workers", 0, errs);
	char lcores[128];
	uint64_t u;
	int n;

	cfg->worker_cpus[0] = 1;
	cfg->nb_workers = 1;
	cfg->burst = 32;
	cfg->idle_sleep_max_us = 200;
	if (w == NULL)
		return;
	ps_json_unknown_keys(w, path, keys, NULL, errs);
	if (ps_json_string(w, path, "lcores", 0, lcores, sizeof(lcores),
			   errs)) {
		n = parse_cpu_list(lcores, cfg->worker_cpus, PS_MAX_WORKERS);
		if (n < 0)
			ps_errors_add(errs, "$.workers.lcores",
				      "'%s' is not a CPU list like \"1\", \"1-3\" or "
				      "\"1,3\" (distinct CPUs below %d, at most %d)",
				      lcores, RTE_MAX_LCORE, PS_MAX_WORKERS);
		else
			cfg->nb_workers = (unsigned int)n;
	}
	if (ps_json_uint(w, path, "burst", 0, 1, RTE_GRAPH_BURST_SIZE, &u,
			 errs))
		cfg->burst = (uint16_t)u;
	if (ps_json_uint(w, path, "idle_sleep_max_us", 0, 0, 1000000, &u,
			 errs))
		cfg->idle_sleep_max_us = (uint32_t)u;
}

static void
parse_tables(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "fdb", "routes", "neighbors",
		"services", "endpoints", "conntrack", NULL };
	static const struct {
		const char *key;
		size_t off;
		uint32_t def;
	} t[] = {
		{ "fdb", offsetof(struct ps_config, fdb_size), 65536 },
		{ "routes", offsetof(struct ps_config, routes_size), 65536 },
		{ "neighbors", offsetof(struct ps_config, neighbors_size), 16384 },
		{ "services", offsetof(struct ps_config, services_size), 16384 },
		{ "endpoints", offsetof(struct ps_config, endpoints_size), 262144 },
		{ "conntrack", offsetof(struct ps_config, conntrack_size), 1048576 },
	};
	const json_t *tab = ps_json_object(root, "$", "tables", 0, errs);
	unsigned int i;

	for (i = 0; i < RTE_DIM(t); i++) {
		uint32_t *dst = RTE_PTR_ADD(cfg, t[i].off);
		uint64_t u;

		*dst = t[i].def;
		/* rte_hash needs 8 entries at least; 2^26 bounds memory. */
		if (tab != NULL && ps_json_uint(tab, "$.tables", t[i].key, 0,
						8, 1u << 26, &u, errs))
			*dst = (uint32_t)u;
	}
	if (tab != NULL)
		ps_json_unknown_keys(tab, "$.tables", keys, NULL, errs);
}

static void
parse_timers(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "fdb_age_s", "neigh_age_s",
		"arp_retry_ms", "arp_retries", NULL };
	const json_t *t = ps_json_object(root, "$", "timers", 0, errs);
	uint64_t u;

	cfg->fdb_age_s = 300;
	cfg->neigh_age_s = 300;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	if (t == NULL)
		return;
	ps_json_unknown_keys(t, "$.timers", keys, NULL, errs);
	if (ps_json_uint(t, "$.timers", "fdb_age_s", 0, 1, 86400 * 7, &u,
			 errs))
		cfg->fdb_age_s = (uint32_t)u;
	if (ps_json_uint(t, "$.timers", "neigh_age_s", 0, 1, 86400 * 7, &u,
			 errs))
		cfg->neigh_age_s = (uint32_t)u;
	if (ps_json_uint(t, "$.timers", "arp_retry_ms", 0, 10, 60000, &u,
			 errs))
		cfg->arp_retry_ms = (uint32_t)u;
	if (ps_json_uint(t, "$.timers", "arp_retries", 0, 0, 100, &u, errs))
		cfg->arp_retries = (uint32_t)u;
}

/*
 * "hotplug": how many pod ports POST /v1/ports may add beyond the file's.
 * The mbuf pool is sized once at start-up, so their descriptors are
 * reserved up front.
 */
static void
parse_hotplug(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "max_ports", NULL };
	const json_t *h = ps_json_object(root, "$", "hotplug", 0, errs);
	uint64_t u;

	cfg->hot_ports_max = 4;
	if (h == NULL)
		return;
	ps_json_unknown_keys(h, "$.hotplug", keys, NULL, errs);
	if (ps_json_uint(h, "$.hotplug", "max_ports", 0, 0, PS_MAX_PORTS,
			 &u, errs))
		cfg->hot_ports_max = (uint32_t)u;
}

/*
 * "state": {"dir": "/var/lib/podswitch"}: where what the API programmed is
 * kept across restarts. Absent = nothing kept.
 */
static void
parse_state(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "dir", NULL };
	const json_t *st = ps_json_object(root, "$", "state", 0, errs);

	cfg->state_dir[0] = '\0';
	if (st == NULL)
		return;
	ps_json_unknown_keys(st, "$.state", keys, NULL, errs);
	if (ps_json_string(st, "$.state", "dir", PS_JP_REQUIRED, cfg->state_dir,
			   sizeof(cfg->state_dir), errs) &&
	    cfg->state_dir[0] != '/') {
		ps_errors_add(errs, "$.state.dir", "must be an absolute path");
		cfg->state_dir[0] = '\0';
	}
}

/*
 * "services": {"announce_arp": false}: whether the node answers ARP on the
 * uplink for the external and load-balancer IPs of its services. Off by
 * default: on a segment where another speaker (MetalLB, a cloud) owns
 * those addresses, two answers would fight.
 */
static void
parse_services(const json_t *root, struct ps_config *cfg,
	       struct ps_errors *errs)
{
	static const char *const keys[] = { "announce_arp", NULL };
	const json_t *svc = ps_json_object(root, "$", "services", 0, errs);

	cfg->svc_announce_arp = false;
	if (svc == NULL)
		return;
	ps_json_unknown_keys(svc, "$.services", keys, NULL, errs);
	ps_json_bool(svc, "$.services", "announce_arp", 0,
		     &cfg->svc_announce_arp, errs);
}

/* "conntrack": {"timeouts": {"tcp_established": 86400, ...}} (seconds) */
static void
parse_conntrack(const json_t *root, struct ps_config *cfg,
		struct ps_errors *errs)
{
	static const char *const keys[] = { "timeouts", NULL };
	static const struct {
		const char *key;
		size_t off;
	} t[] = {
#define TO(f) { #f, offsetof(struct ps_ct_timeouts, f) }
		TO(tcp_syn_sent), TO(tcp_syn_recv), TO(tcp_established),
		TO(tcp_fin_wait), TO(tcp_close_wait), TO(tcp_last_ack),
		TO(tcp_time_wait), TO(tcp_close), TO(udp_single),
		TO(udp_stream), TO(icmp),
#undef TO
	};
	const char *to_keys[RTE_DIM(t) + 1];
	const struct ps_ct_timeouts def = PS_CT_TIMEOUTS_DEFAULT;
	const json_t *ct = ps_json_object(root, "$", "conntrack", 0, errs);
	const json_t *to;
	unsigned int i;
	uint64_t u;

	cfg->ct_timeouts = def;
	if (ct == NULL)
		return;
	ps_json_unknown_keys(ct, "$.conntrack", keys, NULL, errs);
	to = ps_json_object(ct, "$.conntrack", "timeouts", 0, errs);
	if (to == NULL)
		return;
	for (i = 0; i < RTE_DIM(t); i++)
		to_keys[i] = t[i].key;
	to_keys[i] = NULL;
	ps_json_unknown_keys(to, "$.conntrack.timeouts", to_keys, NULL, errs);
	/* at least a second, at most a year */
	for (i = 0; i < RTE_DIM(t); i++)
		if (ps_json_uint(to, "$.conntrack.timeouts", t[i].key, 0,
				 1, 365 * 86400, &u, errs))
			*(uint32_t *)RTE_PTR_ADD(&cfg->ct_timeouts,
						 t[i].off) = (uint32_t)u;
}

/* The ports SNAT and masquerade hand out, per node IP and protocol. */
static void
parse_nat(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "port_min", "port_max", NULL };
	const json_t *nat = ps_json_object(root, "$", "nat", 0, errs);
	bool have_min, have_max;
	uint64_t min = 1024, max = 65535;

	cfg->nat_port_min = 1024;
	cfg->nat_port_max = 65535;
	if (nat == NULL)
		return;
	ps_json_unknown_keys(nat, "$.nat", keys, NULL, errs);
	have_min = ps_json_uint(nat, "$.nat", "port_min", 0, 1, 65535,
				&min, errs);
	have_max = ps_json_uint(nat, "$.nat", "port_max", 0, 1, 65535,
				&max, errs);
	if ((have_min || json_object_get(nat, "port_min") == NULL) &&
	    (have_max || json_object_get(nat, "port_max") == NULL) &&
	    min > max) {
		ps_errors_add(errs, "$.nat.port_max",
			      "%" PRIu64 " is below $.nat.port_min (%" PRIu64 ")",
			      max, min);
		return;
	}
	cfg->nat_port_min = (uint16_t)min;
	cfg->nat_port_max = (uint16_t)max;
}

/* "ip:port", or with unix an absolute path (a Unix socket). */
static void
check_listen(const char *s, const char *where, bool unix_ok,
	     struct ps_errors *errs)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	uint32_t a;
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;

	if (unix_ok && s[0] == '/')
		return;
	/* strtol alone takes " 80", "+80" and "80x" */
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host) ||
	    colon[1] < '0' || colon[1] > '9' || *end != '\0' ||
	    port < 1 || port > 65535) {
		ps_errors_add(errs, where, unix_ok ?
			      "must be \"ip:port\" or an absolute path" :
			      "must be \"ip:port\"");
		return;
	}
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (ps_parse_ip4(host, &a) < 0)
		ps_errors_add(errs, where, "'%s' is not an IPv4 address", host);
}

static void
parse_api(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "unix_socket", "listen",
		"metrics_listen", "socket_group", "token", "max_body_bytes",
		NULL };
	const json_t *api = ps_json_object(root, "$", "api", 0, errs);
	uint64_t u;

	strcpy(cfg->api_unix_socket, "/run/podswitch/api.sock");
	cfg->api_listen[0] = '\0';
	cfg->api_metrics_listen[0] = '\0';
	cfg->api_socket_group[0] = '\0';
	cfg->api_token[0] = '\0';
	/* A full route set of 100k entries with gateways is about 5 MB. */
	cfg->api_max_body = 16u << 20;
	if (api == NULL)
		return;
	ps_json_unknown_keys(api, "$.api", keys, NULL, errs);
	if (ps_json_uint(api, "$.api", "max_body_bytes", 0, 1024, 1u << 30,
			 &u, errs))
		cfg->api_max_body = (uint32_t)u;
	if (ps_json_string(api, "$.api", "unix_socket", 0,
			   cfg->api_unix_socket, sizeof(cfg->api_unix_socket),
			   errs) && cfg->api_unix_socket[0] != '/')
		ps_errors_add(errs, "$.api.unix_socket", "must be an absolute path");
	if (ps_json_string(api, "$.api", "listen", 0, cfg->api_listen,
			   sizeof(cfg->api_listen), errs))
		check_listen(cfg->api_listen, "$.api.listen", false, errs);
	if (ps_json_string(api, "$.api", "metrics_listen", 0,
			   cfg->api_metrics_listen,
			   sizeof(cfg->api_metrics_listen), errs))
		check_listen(cfg->api_metrics_listen, "$.api.metrics_listen",
			     true, errs);
	ps_json_string(api, "$.api", "socket_group", 0,
		       cfg->api_socket_group, sizeof(cfg->api_socket_group),
		       errs);
	/* The token travels in a header line: no spaces or controls, which
	 * the client could not send back verbatim anyway. */
	if (ps_json_string(api, "$.api", "token", 0, cfg->api_token,
			   sizeof(cfg->api_token), errs)) {
		const unsigned char *t = (const unsigned char *)cfg->api_token;

		for (; *t != '\0'; t++)
			if (*t <= 0x20 || *t >= 0x7f) {
				ps_errors_add(errs, "$.api.token",
					      "must be printable ASCII without spaces");
				cfg->api_token[0] = '\0';
				break;
			}
	}
}

static void
parse_dpdk(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "eal_args", "secondary", NULL };
	const json_t *d = ps_json_object(root, "$", "dpdk", 0, errs);
	const json_t *args;
	size_t i;
	json_t *v;

	if (d == NULL)
		return;
	ps_json_unknown_keys(d, "$.dpdk", keys, NULL, errs);
	ps_json_bool(d, "$.dpdk", "secondary", 0, &cfg->dpdk_secondary, errs);
	args = ps_json_array(d, "$.dpdk", "eal_args", 0, errs);
	if (args == NULL)
		return;
	json_array_foreach(args, i, v) {
		char p[PS_JPATH_MAX];

		ps_jpath_idx(p, "$.dpdk.eal_args", i);
		if (!json_is_string(v) || json_string_length(v) == 0) {
			ps_errors_add(errs, p, "must be a non-empty string");
			continue;
		}
		if (cfg->nb_eal_args == PS_MAX_EAL_ARGS) {
			ps_errors_add(errs, p, "at most %d EAL arguments",
				      PS_MAX_EAL_ARGS);
			break;
		}
		cfg->eal_args[cfg->nb_eal_args++] = strdup(json_string_value(v));
	}
}

static int
parse_root(json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "node", "overlay", "ports",
		"routes", "neighbors", "workers", "tables", "timers", "api",
		"dpdk", "hotplug", "conntrack", "nat", "state", "services",
		"kernel", NULL };
	unsigned int before = ps_errors_seen(errs);

	memset(cfg, 0, sizeof(*cfg));
	if (!json_is_object(root)) {
		ps_errors_add(errs, "$", "the configuration must be a JSON object");
		return -EINVAL;
	}
	ps_json_unknown_keys(root, "$", keys, NULL, errs);
	parse_node(root, cfg, errs);
	parse_overlay(root, cfg, errs);
	cfg_parse_ports(root, cfg, errs);
	parse_workers(root, cfg, errs);
	parse_tables(root, cfg, errs);
	cfg_parse_routes(root, cfg, errs);
	cfg_parse_neighbors(root, cfg, errs);
	parse_timers(root, cfg, errs);
	parse_conntrack(root, cfg, errs);
	parse_nat(root, cfg, errs);
	parse_api(root, cfg, errs);
	parse_dpdk(root, cfg, errs);
	parse_hotplug(root, cfg, errs);
	parse_state(root, cfg, errs);
	parse_services(root, cfg, errs);
	cfg_parse_kernel(root, cfg, errs);
	if (ps_errors_seen(errs) != before) {
		ps_config_free(cfg);
		return -EINVAL;
	}
	return 0;
}

int
ps_config_load_string(const char *text, struct ps_config *cfg,
		      struct ps_errors *errs)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		ps_errors_add(errs, "$", "line %d, column %d: %s", jerr.line,
			      jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = parse_root(root, cfg, errs);
	json_decref(root);
	return rc;
}

int
ps_config_load(const char *file, struct ps_config *cfg, struct ps_errors *errs)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		ps_errors_add(errs, "$", "%s: line %d, column %d: %s", file,
			      jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = parse_root(root, cfg, errs);
	json_decref(root);
	return rc;
}

void
ps_config_free(struct ps_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nb_eal_args; i++)
		free(cfg->eal_args[i]);
	cfg->nb_eal_args = 0;
	free(cfg->routes);
	cfg->routes = NULL;
	cfg->nb_routes = 0;
	free(cfg->neighbors);
	cfg->neighbors = NULL;
	cfg->nb_neighbors = 0;
}
