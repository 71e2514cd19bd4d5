/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L3 part of the configuration: "routes" and "neighbors", and the
 * route object itself, which the REST API reads with the same function so
 * that a route means the same in the file and over the API.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "config_private.h"

static const char *const type_names[] = {
	[PS_ROUTE_T_UNICAST] = "unicast",
	[PS_ROUTE_T_BLACKHOLE] = "blackhole",
	[PS_ROUTE_T_UNREACHABLE] = "unreachable",
};

const char *
ps_route_type_name(enum ps_route_type t)
{
	return (unsigned int)t < RTE_DIM(type_names) ? type_names[t] : "?";
}

static bool
get_dst(const json_t *obj, const char *path, struct ps_prefix4 *dst,
	struct ps_errors *errs)
{
	const char *why;
	char s[64];

	if (!ps_json_string(obj, path, "dst", PS_JP_REQUIRED, s, sizeof(s),
			    errs))
		return false;
	if (ps_parse_prefix4_strict(s, dst, &why) < 0) {
		cfg_bad_member(errs, path, "dst", "'%s': %s", s, why);
		return false;
	}
	return true;
}

/* The route's "type"; false (reported) when it is wrong or a route that
 * drops names where to send. */
static bool
get_type(const json_t *obj, const char *path, struct ps_route_config *rc,
	 struct ps_errors *errs)
{
	static const char *const fwd[] = { "gateway", "dev", "encap" };
	unsigned int t, i;
	bool ok = true;
	char s[32];

	rc->type = PS_ROUTE_T_UNICAST;
	if (json_object_get(obj, "type") == NULL)
		return true;
	if (!ps_json_string(obj, path, "type", PS_JP_REQUIRED, s, sizeof(s),
			    errs))
		return false;
	for (t = 0; t < RTE_DIM(type_names); t++)
		if (strcmp(s, type_names[t]) == 0)
			break;
	if (t == RTE_DIM(type_names)) {
		cfg_bad_member(errs, path, "type", "must be \"unicast\", "
			       "\"blackhole\" or \"unreachable\"");
		return false;
	}
	rc->type = (uint8_t)t;
	for (i = 0; t != PS_ROUTE_T_UNICAST && i < RTE_DIM(fwd); i++)
		if (json_object_get(obj, fwd[i]) != NULL) {
			cfg_bad_member(errs, path, fwd[i], "a %s route has no %s",
				       s, fwd[i]);
			ok = false;
		}
	return ok;
}

/* A next hop or a tunnel's far end: unicast, and not this node. */
static bool
get_peer(const json_t *obj, const char *path, const char *key,
	 const struct ps_config *cfg, uint32_t *out, struct ps_errors *errs)
{
	uint32_t a;
	char s[64];

	if (!ps_json_string(obj, path, key, PS_JP_REQUIRED, s, sizeof(s), errs))
		return false;
	if (ps_parse_ip4(s, &a) < 0) {
		cfg_bad_member(errs, path, key, "'%s' is not an IPv4 address", s);
		return false;
	}
	if (!ps_ip4_is_unicast(a)) {
		cfg_bad_member(errs, path, key, "'%s' is not a unicast address",
			       s);
		return false;
	}
	if (a == cfg->node_ip.addr || a == cfg->gateway_ip) {
		cfg_bad_member(errs, path, key, "'%s' is this node's own address",
			       s);
		return false;
	}
	*out = a;
	return true;
}

/* "encap": a VXLAN tunnel to a remote VTEP. */
static void
get_encap(const json_t *obj, const char *path, const struct ps_config *cfg,
	  struct ps_route_config *rc, struct ps_errors *errs)
{
	static const char *const keys[] = { "type", "vni", "remote", "mac",
		NULL };
	const json_t *e = ps_json_object(obj, path, "encap", PS_JP_REQUIRED,
					 errs);
	char p[PS_JPATH_MAX], type[16];
	uint64_t u;

	if (e == NULL)
		return;
	ps_jpath_key(p, path, "encap");
	ps_json_unknown_keys(e, p, keys, "encap has type, vni, remote, mac",
			     errs);
	if (ps_json_string(e, p, "type", PS_JP_REQUIRED, type, sizeof(type),
			   errs) && strcmp(type, "vxlan") != 0)
		cfg_bad_member(errs, p, "type", "must be \"vxlan\"");
	rc->vxlan = true;
	rc->vxlan_vni = cfg->vni;
	if (ps_json_uint(e, p, "vni", 0, 0, (1 << 24) - 1, &u, errs))
		rc->vxlan_vni = (uint32_t)u;
	get_peer(e, p, "remote", cfg, &rc->vxlan_remote, errs);
	if (json_object_get(e, "mac") != NULL)
		rc->vxlan_has_mac = cfg_get_mac(e, p, "mac", PS_JP_REQUIRED,
						&rc->vxlan_mac, errs);
	if (json_object_get(obj, "gateway") != NULL ||
	    json_object_get(obj, "dev") != NULL)
		ps_errors_add(errs, p, "a route with encap has no gateway or dev");
}

/* "dev", or the uplink when there is none. */
static void
get_port(const json_t *obj, const char *path,
	 const struct ps_port_config *ports, unsigned int nb_ports,
	 struct ps_route_config *rc, struct ps_errors *errs)
{
	unsigned int i;

	if (json_object_get(obj, "dev") != NULL) {
		if (!ps_json_string(obj, path, "dev", PS_JP_REQUIRED, rc->dev,
				    sizeof(rc->dev), errs))
			return;
		rc->port_slot = cfg_port_index(ports, nb_ports, rc->dev);
		if (rc->port_slot < 0)
			cfg_bad_member(errs, path, "dev", "no port named '%s'",
				       rc->dev);
		return;
	}
	for (i = 0; i < nb_ports; i++)
		if (ports[i].role == PS_ROLE_UPLINK) {
			rc->port_slot = (int)i;
			return;
		}
	cfg_bad_member(errs, path, "dev",
		       "required: this node has no uplink port");
}

int
ps_route_config_parse(const struct json_t *obj, const char *path,
		      const struct ps_config *cfg,
		      const struct ps_port_config *ports,
		      unsigned int nb_ports, struct ps_route_config *rc,
		      struct ps_errors *errs)
{
	static const char *const keys[] = { "dst", "gateway", "dev", "type",
		"encap", NULL };
	unsigned int before = ps_errors_seen(errs);

	memset(rc, 0, sizeof(*rc));
	rc->port_slot = -1;
	if (!json_is_object(obj)) {
		ps_errors_add(errs, path[0] != '\0' ? path : "the route",
			      "must be an object");
		return -EINVAL;
	}
	ps_json_unknown_keys(obj, path, keys, "a route has dst, gateway, dev, "
			     "type, encap", errs);
	get_dst(obj, path, &rc->dst, errs);
	if (get_type(obj, path, rc, errs) &&
	    rc->type == PS_ROUTE_T_UNICAST) {
		if (json_object_get(obj, "encap") != NULL) {
			get_encap(obj, path, cfg, rc, errs);
		} else {
			if (json_object_get(obj, "gateway") != NULL)
				get_peer(obj, path, "gateway", cfg,
					 &rc->gateway, errs);
			get_port(obj, path, ports, nb_ports, rc, errs);
		}
	}
	return ps_errors_seen(errs) == before ? 0 : -EINVAL;
}

void
cfg_parse_routes(const json_t *root, struct ps_config *cfg,
		 struct ps_errors *errs)
{
	const json_t *arr = ps_json_array(root, "$", "routes", 0, errs);
	size_t i, j;
	json_t *r;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	if (json_array_size(arr) > cfg->routes_size) {
		ps_errors_add(errs, "$.routes", "%zu routes exceed "
			      "$.tables.routes (%u)", json_array_size(arr),
			      cfg->routes_size);
		return;
	}
	cfg->routes = calloc(json_array_size(arr), sizeof(*cfg->routes));
	if (cfg->routes == NULL) {
		ps_errors_add(errs, "$.routes", "out of memory");
		return;
	}
	json_array_foreach(arr, i, r) {
		struct ps_route_config *rc = &cfg->routes[cfg->nb_routes];
		char path[PS_JPATH_MAX];
		bool dup = false;

		ps_jpath_idx(path, "$.routes", (unsigned int)i);
		if (ps_route_config_parse(r, path, cfg, cfg->ports,
					  cfg->nb_ports, rc, errs) < 0)
			continue;
		/* Small sets are checked here; the route table refuses the
		 * rest (it reports duplicates at start-up). */
		for (j = 0; j < cfg->nb_routes && cfg->nb_routes < 4096; j++)
			if (cfg->routes[j].dst.addr == rc->dst.addr &&
			    cfg->routes[j].dst.len == rc->dst.len) {
				cfg_bad_member(errs, path, "dst",
					       "same prefix as $.routes[%zu]", j);
				dup = true;
				break;
			}
		if (!dup)
			cfg->nb_routes++;
	}
}

void
cfg_parse_neighbors(const json_t *root, struct ps_config *cfg,
		    struct ps_errors *errs)
{
	static const char *const keys[] = { "ip", "mac", "dev", NULL };
	const json_t *arr = ps_json_array(root, "$", "neighbors", 0, errs);
	size_t i;
	json_t *n;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	if (json_array_size(arr) > cfg->neighbors_size) {
		ps_errors_add(errs, "$.neighbors", "%zu entries exceed "
			      "$.tables.neighbors (%u)", json_array_size(arr),
			      cfg->neighbors_size);
		return;
	}
	cfg->neighbors = calloc(json_array_size(arr), sizeof(*cfg->neighbors));
	if (cfg->neighbors == NULL) {
		ps_errors_add(errs, "$.neighbors", "out of memory");
		return;
	}
	json_array_foreach(arr, i, n) {
		struct ps_neigh_config *nc = &cfg->neighbors[cfg->nb_neighbors];
		char path[PS_JPATH_MAX];
		bool ok;

		ps_jpath_idx(path, "$.neighbors", (unsigned int)i);
		if (!json_is_object(n)) {
			ps_errors_add(errs, path, "must be an object");
			continue;
		}
		ps_json_unknown_keys(n, path, keys, NULL, errs);
		ok = cfg_get_ip(n, path, "ip", PS_JP_REQUIRED, &nc->ip, errs);
		ok &= cfg_get_mac(n, path, "mac", PS_JP_REQUIRED, &nc->mac, errs);
		if (ps_json_string(n, path, "dev", PS_JP_REQUIRED, nc->dev,
				   sizeof(nc->dev), errs) &&
		    cfg_port_index(cfg->ports, cfg->nb_ports, nc->dev) < 0) {
			cfg_bad_member(errs, path, "dev", "no port named '%s'",
				       nc->dev);
			ok = false;
		}
		if (ok)
			cfg->nb_neighbors++;
	}
}
