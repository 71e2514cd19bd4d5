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

#include "config_json.h"

static const char *const role_names[] = {
	[PS_ROLE_POD] = "pod",
	[PS_ROLE_UPLINK] = "uplink",
	[PS_ROLE_HOST] = "host",
};

const char *
ps_port_role_name(enum ps_port_role role)
{
	return (unsigned int)role < RTE_DIM(role_names) ? role_names[role] : "?";
}

const char *
ps_port_arg(const struct ps_port_config *pc, const char *key)
{
	unsigned int i;

	for (i = 0; i < pc->nb_args; i++)
		if (strcmp(pc->args[i].key, key) == 0)
			return pc->args[i].value;
	return NULL;
}

static bool
get_prefix(const json_t *obj, const char *path, const char *key, bool required,
	   struct ps_prefix4 *out, bool host_bits_ok, struct ps_errors *errs)
{
	char s[64], p[PS_JPATH_MAX];

	if (!ps_json_string(obj, path, key, required, s, sizeof(s), errs))
		return false;
	ps_jpath_key(p, path, key);
	if (ps_parse_prefix4(s, out) < 0) {
		ps_errors_add(errs, p, "'%s' is not an IPv4 prefix (a.b.c.d/len)", s);
		return false;
	}
	if (!host_bits_ok && out->len < 32) {
		uint32_t host = rte_be_to_cpu_32(out->addr) &
				(out->len == 0 ? ~0u : ~(~0u << (32 - out->len)));
		if (host != 0) {
			ps_errors_add(errs, p, "'%s' has host bits set", s);
			return false;
		}
	}
	return true;
}

static bool
get_ip(const json_t *obj, const char *path, const char *key, bool required,
       uint32_t *out, struct ps_errors *errs)
{
	char s[64], p[PS_JPATH_MAX];

	if (!ps_json_string(obj, path, key, required, s, sizeof(s), errs))
		return false;
	ps_jpath_key(p, path, key);
	if (ps_parse_ip4(s, out) < 0) {
		ps_errors_add(errs, p, "'%s' is not an IPv4 address", s);
		return false;
	}
	return true;
}

static bool
get_mac(const json_t *obj, const char *path, const char *key, bool required,
	struct rte_ether_addr *out, struct ps_errors *errs)
{
	char s[64], p[PS_JPATH_MAX];

	if (!ps_json_string(obj, path, key, required, s, sizeof(s), errs))
		return false;
	ps_jpath_key(p, path, key);
	if (ps_parse_mac(s, out) < 0) {
		ps_errors_add(errs, p, "'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
		return false;
	}
	if (!rte_is_valid_assigned_ether_addr(out)) {
		ps_errors_add(errs, p, "'%s' must be a unicast, non-zero MAC", s);
		return false;
	}
	return true;
}

static void
parse_node(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "name", "ip", "mac", "pod_cidr",
		"gateway_ip", "cluster_cidr", "service_cidr", NULL };
	const char *path = "$.node";
	const json_t *node = ps_json_object(root, "$", "node", true, errs);
	bool have_pod, have_gw, have_cluster;

	if (node == NULL)
		return;
	ps_json_unknown_keys(node, path, keys, errs);
	ps_json_string(node, path, "name", true, cfg->node_name,
		       sizeof(cfg->node_name), errs);
	get_prefix(node, path, "ip", true, &cfg->node_ip, true, errs);
	get_mac(node, path, "mac", true, &cfg->node_mac, errs);
	have_pod = get_prefix(node, path, "pod_cidr", true, &cfg->pod_cidr,
			      false, errs);
	have_gw = get_ip(node, path, "gateway_ip", true, &cfg->gateway_ip, errs);
	have_cluster = get_prefix(node, path, "cluster_cidr", false,
				  &cfg->cluster_cidr, false, errs);
	get_prefix(node, path, "service_cidr", false, &cfg->service_cidr,
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
	const json_t *ov = ps_json_object(root, "$", "overlay", false, errs);
	char mode[16];
	uint64_t u;

	cfg->overlay_mode = PS_OVERLAY_HOST_GW;
	cfg->vni = 1;
	cfg->udp_port = 4789;
	if (ov == NULL)
		return;
	ps_json_unknown_keys(ov, path, keys, errs);
	if (ps_json_string(ov, path, "mode", false, mode, sizeof(mode), errs)) {
		if (strcmp(mode, "host-gw") == 0)
			cfg->overlay_mode = PS_OVERLAY_HOST_GW;
		else if (strcmp(mode, "vxlan") == 0)
			cfg->overlay_mode = PS_OVERLAY_VXLAN;
		else
			ps_errors_add(errs, "$.overlay.mode",
				      "must be \"host-gw\" or \"vxlan\", got \"%s\"", mode);
	}
	if (ps_json_uint(ov, path, "vni", false, 1, (1 << 24) - 1, &u, errs))
		cfg->vni = (uint32_t)u;
	if (ps_json_uint(ov, path, "udp_port", false, 1, 65535, &u, errs))
		cfg->udp_port = (uint16_t)u;
}

static bool
port_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

static void
parse_port_args(const json_t *port, const char *path, struct ps_port_config *pc,
		const struct ps_profile *pr, struct ps_errors *errs)
{
	const json_t *args = ps_json_object(port, path, "args", false, errs);
	char ap[PS_JPATH_MAX];
	const char *key;
	json_t *v;
	unsigned int i;

	ps_jpath_key(ap, path, "args");
	if (args != NULL) {
		json_object_foreach((json_t *)(uintptr_t)args, key, v) {
			char p[PS_JPATH_MAX];
			struct ps_kv *kv;
			bool known = false;

			ps_jpath_key(p, ap, key);
			for (i = 0; pr != NULL && i < pr->nb_args; i++)
				if (strcmp(pr->args[i].key, key) == 0)
					known = true;
			if (pr != NULL && !known) {
				ps_errors_add(errs, p, "unknown argument for driver %s",
					      pr->driver);
				continue;
			}
			if (pc->nb_args == PS_MAX_PORT_ARGS ||
			    strlen(key) >= sizeof(kv->key))
				continue;
			kv = &pc->args[pc->nb_args];
			if (json_is_string(v)) {
				const char *s = json_string_value(v);

				if (json_string_length(v) == 0 ||
				    json_string_length(v) >= sizeof(kv->value) ||
				    strpbrk(s, ",=") != NULL || strlen(s) !=
				    json_string_length(v)) {
					ps_errors_add(errs, p, "must be a non-empty string "
						      "without ',' or '=' of fewer than %zu characters",
						      sizeof(kv->value));
					continue;
				}
				strcpy(kv->value, s);
			} else if (json_is_integer(v) && json_integer_value(v) >= 0) {
				snprintf(kv->value, sizeof(kv->value),
					 "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			} else if (json_is_boolean(v)) {
				strcpy(kv->value, json_is_true(v) ? "1" : "0");
			} else {
				ps_errors_add(errs, p, "must be a string, a non-negative integer or a boolean");
				continue;
			}
			strcpy(kv->key, key);
			pc->nb_args++;
		}
	}
	for (i = 0; pr != NULL && i < pr->nb_args; i++) {
		if (pr->args[i].required && ps_port_arg(pc, pr->args[i].key) == NULL) {
			char p[PS_JPATH_MAX];

			ps_jpath_key(p, ap, pr->args[i].key);
			ps_errors_add(errs, p, "required by driver %s", pr->driver);
		}
	}
}

static void
parse_pod(const json_t *port, const char *path, const struct ps_config *cfg,
	  struct ps_port_config *pc, struct ps_errors *errs)
{
	static const char *const keys[] = { "ip", "mac", NULL };
	const json_t *pod = ps_json_object(port, path, "pod", false, errs);
	char pp[PS_JPATH_MAX];
	bool ok;

	if (pod == NULL)
		return;
	ps_jpath_key(pp, path, "pod");
	if (pc->role != PS_ROLE_POD) {
		ps_errors_add(errs, pp, "only a port with role \"pod\" has a pod");
		return;
	}
	ps_json_unknown_keys(pod, pp, keys, errs);
	ok = get_ip(pod, pp, "ip", true, &pc->pod_ip, errs);
	ok &= get_mac(pod, pp, "mac", true, &pc->pod_mac, errs);
	if (!ok)
		return;
	if (cfg->pod_cidr.len != 0 && !ps_prefix4_contains(&cfg->pod_cidr,
							   pc->pod_ip)) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, pp, "ip");
		ps_errors_add(errs, p, "not inside $.node.pod_cidr");
		return;
	}
	if (pc->pod_ip == cfg->gateway_ip) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, pp, "ip");
		ps_errors_add(errs, p, "is the gateway address");
		return;
	}
	pc->has_pod = true;
}

/*
 * One port object at path, without the checks against the other ports
 * (the caller knows which those are). Returns false if anything was wrong.
 */
static bool
parse_port(const json_t *port, const char *path, const struct ps_config *cfg,
	   struct ps_port_config *pc, struct ps_errors *errs)
{
	static const char *const keys[] = { "name", "role", "driver", "args",
		"pod", "queues", NULL };
	const struct ps_profile *pr = NULL;
	unsigned int before = errs->count;
	char role[16];
	uint64_t u;

	memset(pc, 0, sizeof(*pc));
	pc->rx_queues = 1;
	if (!json_is_object(port)) {
		ps_errors_add(errs, path, "must be an object");
		return false;
	}
	ps_json_unknown_keys(port, path, keys, errs);
	if (ps_json_string(port, path, "name", true, pc->name,
			   sizeof(pc->name), errs) && !port_name_ok(pc->name)) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, path, "name");
		ps_errors_add(errs, p, "'%s' may hold only letters, "
			      "digits, '-', '_' and '.'", pc->name);
	}
	if (ps_json_string(port, path, "role", true, role, sizeof(role),
			   errs)) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, path, "role");
		if (strcmp(role, "pod") == 0)
			pc->role = PS_ROLE_POD;
		else if (strcmp(role, "uplink") == 0)
			pc->role = PS_ROLE_UPLINK;
		else if (strcmp(role, "host") == 0)
			pc->role = PS_ROLE_HOST;
		else
			ps_errors_add(errs, p, "must be \"pod\", \"uplink\" or "
				      "\"host\", got \"%s\"", role);
	}
	if (ps_json_string(port, path, "driver", true, pc->driver,
			   sizeof(pc->driver), errs)) {
		pr = ps_profile_find(pc->driver);
		if (pr == NULL) {
			char p[PS_JPATH_MAX];

			ps_jpath_key(p, path, "driver");
			ps_errors_add(errs, p, "unknown driver '%s' (no profile in %s)",
				      pc->driver, ps_profiles_default_dir());
		}
	}
	if (ps_json_uint(port, path, "queues", false, 1, 16, &u, errs))
		pc->rx_queues = (uint16_t)u;
	parse_port_args(port, path, pc, pr, errs);
	parse_pod(port, path, cfg, pc, errs);
	return errs->count == before;
}

/* Problems of pc against the ports others[0..n), reported at path. */
static void
check_port_against(const struct ps_port_config *pc, const char *path,
		   const struct ps_port_config *others, unsigned int n,
		   const char *others_path, struct ps_errors *errs)
{
	char p[PS_JPATH_MAX];
	unsigned int j;

	for (j = 0; j < n; j++) {
		const struct ps_port_config *o = &others[j];

		if (pc->name[0] != '\0' && strcmp(o->name, pc->name) == 0) {
			ps_jpath_key(p, path, "name");
			ps_errors_add(errs, p, "duplicate port name '%s'",
				      pc->name);
		}
		if (!pc->has_pod || !o->has_pod)
			continue;
		ps_jpath_key(p, path, "pod");
		if (o->pod_ip == pc->pod_ip)
			ps_errors_add(errs, p, "pod ip already used by %s[%u] (%s)",
				      others_path, j, o->name);
		if (rte_is_same_ether_addr(&o->pod_mac, &pc->pod_mac))
			ps_errors_add(errs, p, "pod mac already used by %s[%u] (%s)",
				      others_path, j, o->name);
	}
}

static void
parse_ports(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	const json_t *ports = ps_json_array(root, "$", "ports", true, errs);
	unsigned int nb_uplink = 0, nb_host = 0;
	size_t i;
	json_t *port;

	if (ports == NULL)
		return;
	if (json_array_size(ports) == 0)
		ps_errors_add(errs, "$.ports", "at least one port is needed");
	if (json_array_size(ports) > PS_MAX_CONFIG_PORTS) {
		ps_errors_add(errs, "$.ports", "at most %d ports (add more "
			      "with POST /v1/ports)", PS_MAX_CONFIG_PORTS);
		return;
	}
	json_array_foreach(ports, i, port) {
		struct ps_port_config *pc = &cfg->ports[cfg->nb_ports];
		char path[PS_JPATH_MAX], p[PS_JPATH_MAX];

		ps_jpath_idx(path, "$.ports", i);
		parse_port(port, path, cfg, pc, errs);
		if (!json_is_object(port))
			continue;
		ps_jpath_key(p, path, "role");
		if (pc->role == PS_ROLE_UPLINK && ++nb_uplink > 1)
			ps_errors_add(errs, p, "only one uplink port is supported");
		if (pc->role == PS_ROLE_HOST && ++nb_host > 1)
			ps_errors_add(errs, p, "only one host port is supported");
		check_port_against(pc, path, cfg->ports, cfg->nb_ports,
				   "$.ports", errs);
		cfg->nb_ports++;
	}
}

int
ps_port_config_parse(const char *text, size_t len, const struct ps_config *cfg,
		     const struct ps_port_config *others, unsigned int nb_others,
		     struct ps_port_config *pc, struct ps_errors *errs)
{
	json_error_t jerr;
	json_t *root;
	unsigned int before = errs->count;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		ps_errors_add(errs, "$", "invalid JSON at line %d column %d: %s",
			      jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (parse_port(root, "$", cfg, pc, errs))
		check_port_against(pc, "$", others, nb_others, "ports", errs);
	json_decref(root);
	return errs->count == before ? 0 : -EINVAL;
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
	const json_t *w = ps_json_object(root, "$", "workers", false, errs);
	char lcores[128];
	uint64_t u;
	int n;

	cfg->worker_cpus[0] = 1;
	cfg->nb_workers = 1;
	cfg->burst = 32;
	cfg->idle_sleep_max_us = 200;
	if (w == NULL)
		return;
	ps_json_unknown_keys(w, path, keys, errs);
	if (ps_json_string(w, path, "lcores", false, lcores, sizeof(lcores),
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
	if (ps_json_uint(w, path, "burst", false, 1, RTE_GRAPH_BURST_SIZE, &u,
			 errs))
		cfg->burst = (uint16_t)u;
	if (ps_json_uint(w, path, "idle_sleep_max_us", false, 0, 1000000, &u,
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
	const json_t *tab = ps_json_object(root, "$", "tables", false, errs);
	unsigned int i;

	for (i = 0; i < RTE_DIM(t); i++) {
		uint32_t *dst = RTE_PTR_ADD(cfg, t[i].off);
		uint64_t u;

		*dst = t[i].def;
		/* rte_hash needs 8 entries at least; 2^26 bounds memory. */
		if (tab != NULL && ps_json_uint(tab, "$.tables", t[i].key, false,
						8, 1u << 26, &u, errs))
			*dst = (uint32_t)u;
	}
	if (tab != NULL)
		ps_json_unknown_keys(tab, "$.tables", keys, errs);
}

static int
port_index(const struct ps_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A route's "encap" object: a VXLAN tunnel to a remote VTEP. */
static bool
get_encap(const json_t *r, const char *path, const struct ps_config *cfg,
	  struct ps_route_config *rc, struct ps_errors *errs)
{
	static const char *const keys[] = { "type", "vni", "remote", "mac",
		NULL };
	const json_t *e = ps_json_object(r, path, "encap", true, errs);
	char p[PS_JPATH_MAX], type[16];
	uint64_t u;
	bool ok;

	if (e == NULL)
		return false;
	ps_jpath_key(p, path, "encap");
	ps_json_unknown_keys(e, p, keys, errs);
	ok = ps_json_string(e, p, "type", true, type, sizeof(type), errs);
	if (ok && strcmp(type, "vxlan") != 0) {
		char tp[PS_JPATH_MAX];

		ps_jpath_key(tp, p, "type");
		ps_errors_add(errs, tp, "must be \"vxlan\"");
		ok = false;
	}
	rc->vxlan = true;
	rc->vxlan_vni = cfg->vni;
	if (json_object_get(e, "vni") != NULL) {
		ok &= ps_json_uint(e, p, "vni", true, 0, (1 << 24) - 1, &u, errs);
		rc->vxlan_vni = (uint32_t)u;
	}
	if (get_ip(e, p, "remote", true, &rc->vxlan_remote, errs)) {
		uint32_t h = rte_be_to_cpu_32(rc->vxlan_remote);
		char rp[PS_JPATH_MAX];

		ps_jpath_key(rp, p, "remote");
		if (h == 0 || h >= 0xe0000000u || (h >> 24) == 127) {
			ps_errors_add(errs, rp, "must be a unicast address");
			ok = false;
		} else if (rc->vxlan_remote == cfg->node_ip.addr ||
			   rc->vxlan_remote == cfg->gateway_ip) {
			ps_errors_add(errs, rp, "is this node's own address");
			ok = false;
		}
	} else {
		ok = false;
	}
	if (json_object_get(e, "mac") != NULL) {
		ok &= get_mac(e, p, "mac", true, &rc->vxlan_mac, errs);
		rc->vxlan_has_mac = true;
	}
	if (json_object_get(r, "gateway") != NULL ||
	    json_object_get(r, "dev") != NULL) {
		ps_errors_add(errs, p, "a route with encap has no gateway or dev");
		ok = false;
	}
	return ok;
}

static void
parse_routes(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "dst", "gateway", "dev", "encap",
		NULL };
	const json_t *arr = ps_json_array(root, "$", "routes", false, errs);
	size_t i, j;
	json_t *r;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	if (json_array_size(arr) > cfg->routes_size) {
		ps_errors_add(errs, "$.routes", "%zu routes exceed $.tables.routes (%u)",
			      json_array_size(arr), cfg->routes_size);
		return;
	}
	cfg->routes = calloc(json_array_size(arr), sizeof(*cfg->routes));
	if (cfg->routes == NULL) {
		ps_errors_add(errs, "$.routes", "out of memory");
		return;
	}
	json_array_foreach(arr, i, r) {
		struct ps_route_config *rc = &cfg->routes[cfg->nb_routes];
		char path[PS_JPATH_MAX], p[PS_JPATH_MAX];
		bool ok;

		ps_jpath_idx(path, "$.routes", i);
		if (!json_is_object(r)) {
			ps_errors_add(errs, path, "must be an object");
			continue;
		}
		ps_json_unknown_keys(r, path, keys, errs);
		ok = get_prefix(r, path, "dst", true, &rc->dst, false, errs);
		if (json_object_get(r, "gateway") != NULL)
			ok &= get_ip(r, path, "gateway", true, &rc->gateway, errs);
		if (json_object_get(r, "dev") != NULL &&
		    ps_json_string(r, path, "dev", true, rc->dev, sizeof(rc->dev),
				   errs) && port_index(cfg, rc->dev) < 0) {
			ps_jpath_key(p, path, "dev");
			ps_errors_add(errs, p, "no port named '%s'", rc->dev);
			ok = false;
		}
		if (json_object_get(r, "encap") != NULL)
			ok &= get_encap(r, path, cfg, rc, errs);
		if (!ok)
			continue;
		/* Small sets are checked here; the route table refuses the
		 * rest (it reports duplicates at start-up). */
		for (j = 0; j < cfg->nb_routes && cfg->nb_routes < 4096; j++)
			if (cfg->routes[j].dst.addr == rc->dst.addr &&
			    cfg->routes[j].dst.len == rc->dst.len) {
				ps_jpath_key(p, path, "dst");
				ps_errors_add(errs, p, "same prefix as $.routes[%zu]", j);
				ok = false;
				break;
			}
		if (ok)
			cfg->nb_routes++;
	}
}

static void
parse_neighbors(const json_t *root, struct ps_config *cfg,
		struct ps_errors *errs)
{
	static const char *const keys[] = { "ip", "mac", "dev", NULL };
	const json_t *arr = ps_json_array(root, "$", "neighbors", false, errs);
	size_t i;
	json_t *n;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	if (json_array_size(arr) > cfg->neighbors_size) {
		ps_errors_add(errs, "$.neighbors", "%zu entries exceed $.tables.neighbors (%u)",
			      json_array_size(arr), cfg->neighbors_size);
		return;
	}
	cfg->neighbors = calloc(json_array_size(arr), sizeof(*cfg->neighbors));
	if (cfg->neighbors == NULL) {
		ps_errors_add(errs, "$.neighbors", "out of memory");
		return;
	}
	json_array_foreach(arr, i, n) {
		struct ps_neigh_config *nc = &cfg->neighbors[cfg->nb_neighbors];
		char path[PS_JPATH_MAX], p[PS_JPATH_MAX];
		bool ok;

		ps_jpath_idx(path, "$.neighbors", i);
		if (!json_is_object(n)) {
			ps_errors_add(errs, path, "must be an object");
			continue;
		}
		ps_json_unknown_keys(n, path, keys, errs);
		ok = get_ip(n, path, "ip", true, &nc->ip, errs);
		ok &= get_mac(n, path, "mac", true, &nc->mac, errs);
		if (ps_json_string(n, path, "dev", true, nc->dev, sizeof(nc->dev),
				   errs) && port_index(cfg, nc->dev) < 0) {
			ps_jpath_key(p, path, "dev");
			ps_errors_add(errs, p, "no port named '%s'", nc->dev);
			ok = false;
		}
		if (ok)
			cfg->nb_neighbors++;
	}
}

static void
parse_timers(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "fdb_age_s", "neigh_age_s",
		"arp_retry_ms", "arp_retries", NULL };
	const json_t *t = ps_json_object(root, "$", "timers", false, errs);
	uint64_t u;

	cfg->fdb_age_s = 300;
	cfg->neigh_age_s = 300;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	if (t == NULL)
		return;
	ps_json_unknown_keys(t, "$.timers", keys, errs);
	if (ps_json_uint(t, "$.timers", "fdb_age_s", false, 1, 86400 * 7, &u,
			 errs))
		cfg->fdb_age_s = (uint32_t)u;
	if (ps_json_uint(t, "$.timers", "neigh_age_s", false, 1, 86400 * 7, &u,
			 errs))
		cfg->neigh_age_s = (uint32_t)u;
	if (ps_json_uint(t, "$.timers", "arp_retry_ms", false, 10, 60000, &u,
			 errs))
		cfg->arp_retry_ms = (uint32_t)u;
	if (ps_json_uint(t, "$.timers", "arp_retries", false, 0, 100, &u, errs))
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
	const json_t *h = ps_json_object(root, "$", "hotplug", false, errs);
	uint64_t u;

	cfg->hot_ports_max = 4;
	if (h == NULL)
		return;
	ps_json_unknown_keys(h, "$.hotplug", keys, errs);
	if (ps_json_uint(h, "$.hotplug", "max_ports", false, 0, PS_MAX_PORTS,
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
	const json_t *st = ps_json_object(root, "$", "state", false, errs);

	cfg->state_dir[0] = '\0';
	if (st == NULL)
		return;
	ps_json_unknown_keys(st, "$.state", keys, errs);
	if (ps_json_string(st, "$.state", "dir", true, cfg->state_dir,
			   sizeof(cfg->state_dir), errs) &&
	    cfg->state_dir[0] != '/') {
		ps_errors_add(errs, "$.state.dir", "must be an absolute path");
		cfg->state_dir[0] = '\0';
	}
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
	const json_t *ct = ps_json_object(root, "$", "conntrack", false, errs);
	const json_t *to;
	unsigned int i;
	uint64_t u;

	cfg->ct_timeouts = def;
	if (ct == NULL)
		return;
	ps_json_unknown_keys(ct, "$.conntrack", keys, errs);
	to = ps_json_object(ct, "$.conntrack", "timeouts", false, errs);
	if (to == NULL)
		return;
	for (i = 0; i < RTE_DIM(t); i++)
		to_keys[i] = t[i].key;
	to_keys[i] = NULL;
	ps_json_unknown_keys(to, "$.conntrack.timeouts", to_keys, errs);
	/* at least a second, at most a year */
	for (i = 0; i < RTE_DIM(t); i++)
		if (ps_json_uint(to, "$.conntrack.timeouts", t[i].key, false,
				 1, 365 * 86400, &u, errs))
			*(uint32_t *)RTE_PTR_ADD(&cfg->ct_timeouts,
						 t[i].off) = (uint32_t)u;
}

/* The ports SNAT and masquerade hand out, per node IP and protocol. */
static void
parse_nat(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "port_min", "port_max", NULL };
	const json_t *nat = ps_json_object(root, "$", "nat", false, errs);
	bool have_min, have_max;
	uint64_t min = 1024, max = 65535;

	cfg->nat_port_min = 1024;
	cfg->nat_port_max = 65535;
	if (nat == NULL)
		return;
	ps_json_unknown_keys(nat, "$.nat", keys, errs);
	have_min = ps_json_uint(nat, "$.nat", "port_min", false, 1, 65535,
				&min, errs);
	have_max = ps_json_uint(nat, "$.nat", "port_max", false, 1, 65535,
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

static void
parse_api(const json_t *root, struct ps_config *cfg, struct ps_errors *errs)
{
	static const char *const keys[] = { "unix_socket", "listen",
		"socket_group", "token", "max_body_bytes", NULL };
	const json_t *api = ps_json_object(root, "$", "api", false, errs);
	uint64_t u;

	strcpy(cfg->api_unix_socket, "/run/podswitch/api.sock");
	cfg->api_listen[0] = '\0';
	cfg->api_socket_group[0] = '\0';
	cfg->api_token[0] = '\0';
	/* A full route set of 100k entries with gateways is about 5 MB. */
	cfg->api_max_body = 16u << 20;
	if (api == NULL)
		return;
	ps_json_unknown_keys(api, "$.api", keys, errs);
	if (ps_json_uint(api, "$.api", "max_body_bytes", false, 1024, 1u << 30,
			 &u, errs))
		cfg->api_max_body = (uint32_t)u;
	if (ps_json_string(api, "$.api", "unix_socket", false,
			   cfg->api_unix_socket, sizeof(cfg->api_unix_socket),
			   errs) && cfg->api_unix_socket[0] != '/')
		ps_errors_add(errs, "$.api.unix_socket", "must be an absolute path");
	if (ps_json_string(api, "$.api", "listen", false, cfg->api_listen,
			   sizeof(cfg->api_listen), errs)) {
		const char *colon = strrchr(cfg->api_listen, ':');
		char host[64];
		uint32_t a;
		char *end = NULL;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;

		/* strtol alone takes " 80", "+80" and "80x" */
		if (colon == NULL || (size_t)(colon - cfg->api_listen) >= sizeof(host) ||
		    colon[1] < '0' || colon[1] > '9' || *end != '\0' ||
		    port < 1 || port > 65535) {
			ps_errors_add(errs, "$.api.listen", "must be \"ip:port\"");
		} else {
			memcpy(host, cfg->api_listen, colon - cfg->api_listen);
			host[colon - cfg->api_listen] = '\0';
			if (ps_parse_ip4(host, &a) < 0)
				ps_errors_add(errs, "$.api.listen",
					      "'%s' is not an IPv4 address", host);
		}
	}
	ps_json_string(api, "$.api", "socket_group", false,
		       cfg->api_socket_group, sizeof(cfg->api_socket_group),
		       errs);
	/* The token travels in a header line: no spaces or controls, which
	 * the client could not send back verbatim anyway. */
	if (ps_json_string(api, "$.api", "token", false, cfg->api_token,
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
	static const char *const keys[] = { "eal_args", NULL };
	const json_t *d = ps_json_object(root, "$", "dpdk", false, errs);
	const json_t *args;
	size_t i;
	json_t *v;

	if (d == NULL)
		return;
	ps_json_unknown_keys(d, "$.dpdk", keys, errs);
	args = ps_json_array(d, "$.dpdk", "eal_args", false, errs);
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
		"dpdk", "hotplug", "conntrack", "nat", "state", NULL };
	unsigned int before = errs->count;

	memset(cfg, 0, sizeof(*cfg));
	if (!json_is_object(root)) {
		ps_errors_add(errs, "$", "the configuration must be a JSON object");
		return -EINVAL;
	}
	ps_json_unknown_keys(root, "$", keys, errs);
	parse_node(root, cfg, errs);
	parse_overlay(root, cfg, errs);
	parse_ports(root, cfg, errs);
	parse_workers(root, cfg, errs);
	parse_tables(root, cfg, errs);
	parse_routes(root, cfg, errs);
	parse_neighbors(root, cfg, errs);
	parse_timers(root, cfg, errs);
	parse_conntrack(root, cfg, errs);
	parse_nat(root, cfg, errs);
	parse_api(root, cfg, errs);
	parse_dpdk(root, cfg, errs);
	parse_hotplug(root, cfg, errs);
	parse_state(root, cfg, errs);
	if (errs->count != before) {
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
