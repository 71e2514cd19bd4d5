/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /v1/routes: iproute2's JSON names ({"dst", "gateway", "dev", "type",
 * "protocol", "scope"}). Connected routes (the node's own addresses and
 * subnets) are shown as protocol "kernel" and can be neither replaced nor
 * deleted; routes from the configuration are "static", ours are "api".
 *
 * Every request is validated in full before the table is touched, so a
 * refused request changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/route.h>
#include <podswitch/vxlan.h>

#include "rest_private.h"

static const char *
route_type(uint8_t t)
{
	switch (t) {
	case PS_NH_LOCAL:
		return "local";
	case PS_NH_BLACKHOLE:
		return "blackhole";
	case PS_NH_UNREACHABLE:
		return "unreachable";
	default:
		return "unicast";
	}
}

static const char *
route_protocol(uint8_t origin)
{
	switch (origin) {
	case PS_ROUTE_CONNECTED:
		return "kernel";
	case PS_ROUTE_STATIC:
		return "static";
	default:
		return "api";
	}
}

static const char *
route_scope(const struct ps_route *rt)
{
	switch (rt->nh.type) {
	case PS_NH_LOCAL:
		return "host";
	case PS_NH_CONNECTED:
		return "link";
	default:
		return "global";
	}
}

static json_t *
route_json(const struct ps_dataplane *dp, const struct ps_route *rt)
{
	json_t *j = json_object();
	char dst[24];

	rest_fmt_prefix(dst, sizeof(dst), &rt->dst);
	json_object_set_new(j, "type", json_string(route_type(rt->nh.type)));
	json_object_set_new(j, "dst", json_string(dst));
	if (rt->nh.type == PS_NH_GATEWAY)
		json_object_set_new(j, "gateway", rest_json_ip(rt->nh.gateway));
	if (rt->nh.type == PS_NH_VXLAN) {
		const struct ps_vtep *v = ps_vxlan_vtep(dp->vxlan,
							rt->nh.port_id);
		json_t *e = json_object();

		json_object_set_new(e, "type", json_string("vxlan"));
		if (v != NULL)
			json_object_set_new(e, "vni", json_integer(v->vni));
		json_object_set_new(e, "remote", rest_json_ip(rt->nh.gateway));
		if (v != NULL && v->has_mac)
			json_object_set_new(e, "mac", rest_json_mac(&v->mac));
		json_object_set_new(j, "encap", e);
	}
	if (rt->nh.type == PS_NH_GATEWAY || rt->nh.type == PS_NH_CONNECTED) {
		const char *dev = rest_port_name(dp, rt->nh.port_id);

		if (dev != NULL)
			json_object_set_new(j, "dev", json_string(dev));
	}
	json_object_set_new(j, "protocol",
			    json_string(route_protocol(rt->origin)));
	json_object_set_new(j, "scope", json_string(route_scope(rt)));
	return j;
}

/*
 * The route list as text, written straight into the body: the same
 * objects as route_json() in the same key order, without building a
 * jansson tree of 100k objects and dumping and copying it (that was half
 * of a 100k-route PUT).
 */
struct list_buf {
	char *p;
	size_t len, cap;
	bool oom;
	const struct ps_dataplane *dp;
	uint16_t last_port;	/* one-entry cache of rest_port_name() */
	const char *last_name;
};

static bool
lb_room(struct list_buf *b, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = RTE_MAX(b->cap * 2, b->len + n + 1);
	np = realloc(b->p, cap);
	if (np == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

static void
lb_raw(struct list_buf *b, const char *s, size_t n)
{
	if (!lb_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define LB_LIT(b, lit) lb_raw((b), (lit), sizeof(lit) - 1)

/* A JSON string, escaped as jansson escapes it. */
static void
lb_jstr(struct list_buf *b, const char *s)
{
	size_t n = strlen(s), i;
	char *o;

	if (!lb_room(b, n * 6 + 2))
		return;
	o = b->p + b->len;
	*o++ = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			o += sprintf(o, "\\u%04X", c);
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

static char *
put_u8(char *o, unsigned int v)
{
	if (v >= 100)
		*o++ = (char)('0' + v / 100);
	if (v >= 10)
		*o++ = (char)('0' + v / 10 % 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

/* "a.b.c.d" or "a.b.c.d/len" of a network-order address, quoted. */
static void
lb_addr(struct list_buf *b, uint32_t addr, int len)
{
	const uint8_t *q = (const uint8_t *)&addr;
	char *o;
	int i;

	if (!lb_room(b, 24))
		return;
	o = b->p + b->len;
	*o++ = '"';
	for (i = 0; i < 4; i++) {
		if (i > 0)
			*o++ = '.';
		o = put_u8(o, q[i]);
	}
	if (len >= 0) {
		*o++ = '/';
		o = put_u8(o, (unsigned int)len);
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

static int
list_cb(const struct ps_route *rt, void *arg)
{
	struct list_buf *b = arg;

	if (b->len > 1)
		LB_LIT(b, ",");
	LB_LIT(b, "{\"type\":\"");
	lb_raw(b, route_type(rt->nh.type), strlen(route_type(rt->nh.type)));
	LB_LIT(b, "\",\"dst\":");
	lb_addr(b, rt->dst.addr, rt->dst.len);
	if (rt->nh.type == PS_NH_GATEWAY) {
		LB_LIT(b, ",\"gateway\":");
		lb_addr(b, rt->nh.gateway, -1);
	}
	if (rt->nh.type == PS_NH_VXLAN) {
		/* Few of these: route_json()'s own encap object, dumped. */
		json_t *j = route_json(b->dp, rt);
		char *e = json_dumps(json_object_get(j, "encap"),
				     JSON_COMPACT | JSON_PRESERVE_ORDER);

		json_decref(j);
		if (e == NULL) {
			b->oom = true;
		} else {
			LB_LIT(b, ",\"encap\":");
			lb_raw(b, e, strlen(e));
			free(e);
		}
	}
	if (rt->nh.type == PS_NH_GATEWAY || rt->nh.type == PS_NH_CONNECTED) {
		if (b->last_name == NULL || b->last_port != rt->nh.port_id) {
			b->last_port = rt->nh.port_id;
			b->last_name = rest_port_name(b->dp, rt->nh.port_id);
		}
		if (b->last_name != NULL) {
			LB_LIT(b, ",\"dev\":");
			lb_jstr(b, b->last_name);
		}
	}
	LB_LIT(b, ",\"protocol\":\"");
	lb_raw(b, route_protocol(rt->origin),
	       strlen(route_protocol(rt->origin)));
	LB_LIT(b, "\",\"scope\":\"");
	lb_raw(b, route_scope(rt), strlen(route_scope(rt)));
	LB_LIT(b, "\"}");
	return b->oom ? -ENOMEM : 0;
}

/* 200 and the whole table as a JSON list. */
static void
reply_routes(struct ps_rest *r, struct ps_http_response *resp)
{
	struct ps_route_stats st;
	struct list_buf b = { .dp = r->dp };

	ps_route_stats(r->dp->routes, &st);
	/* ~110 bytes a route with a gateway: one allocation, no regrowth */
	lb_room(&b, (size_t)st.routes * 112 + 64);
	LB_LIT(&b, "[");
	ps_route_walk(r->dp->routes, list_cb, &b);
	LB_LIT(&b, "]\n");
	if (b.oom) {
		free(b.p);
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	b.p[b.len] = '\0';
	resp->status = 200;
	ps_http_response_body_take(resp, b.p, b.len);
}

void
rest_routes_get(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	reply_routes(r, resp);
}

/* Whether addr is one of our own (the next hop would be ourselves). */
static bool
is_own_address(const struct ps_config *cfg, uint32_t addr)
{
	return addr == cfg->gateway_ip || addr == cfg->node_ip.addr;
}

/*
 * A route's "encap" ({"type": "vxlan", "vni", "remote", "mac"}): the VTEP
 * is added to the table if new (it stays, with zero counters, should the
 * route itself be refused). 0, or answers 400 and returns -EINVAL.
 */
static int
encap_from_json(const struct ps_dataplane *dp, const json_t *e,
		const char *where, struct ps_route *out,
		struct ps_http_response *resp)
{
	const json_t *type = json_object_get(e, "type");
	const json_t *vni = json_object_get(e, "vni");
	const json_t *remote = json_object_get(e, "remote");
	const json_t *mac = json_object_get(e, "mac");
	struct rte_ether_addr ea;
	uint32_t a, h, n = dp->cfg->vni;
	const char *key;
	json_t *v;
	int id;

	if (!json_is_object(e)) {
		rest_bad(resp, "%sencap: must be an object", where);
		return -EINVAL;
	}
	json_object_foreach((json_t *)(uintptr_t)e, key, v) {
		if (strcmp(key, "type") != 0 && strcmp(key, "vni") != 0 &&
		    strcmp(key, "remote") != 0 && strcmp(key, "mac") != 0) {
			rest_bad(resp, "%sencap.%s: unknown field (encap has "
				 "type, vni, remote, mac)", where, key);
			return -EINVAL;
		}
	}
	if (!json_is_string(type) ||
	    strcmp(json_string_value(type), "vxlan") != 0) {
		rest_bad(resp, "%sencap.type: must be \"vxlan\"", where);
		return -EINVAL;
	}
	if (vni != NULL) {
		if (!json_is_integer(vni) || json_integer_value(vni) < 0 ||
		    json_integer_value(vni) > PS_VXLAN_VNI_MAX) {
			rest_bad(resp, "%sencap.vni: must be an integer "
				 "0..%u", where, PS_VXLAN_VNI_MAX);
			return -EINVAL;
		}
		n = (uint32_t)json_integer_value(vni);
	}
	if (remote == NULL || !json_is_string(remote) ||
	    ps_parse_ip4(json_string_value(remote), &a) < 0) {
		rest_bad(resp, "%sencap.remote: required, an IPv4 address",
			 where);
		return -EINVAL;
	}
	h = rte_be_to_cpu_32(a);
	if (a == 0 || (h >> 28) >= 0xe || (h >> 24) == 127 ||
	    is_own_address(dp->cfg, a)) {
		rest_bad(resp, "%sencap.remote: '%s' is not a remote unicast "
			 "address", where, json_string_value(remote));
		return -EINVAL;
	}
	if (mac != NULL && (!json_is_string(mac) ||
			    ps_parse_mac(json_string_value(mac), &ea) < 0 ||
			    !rte_is_valid_assigned_ether_addr(&ea))) {
		rest_bad(resp, "%sencap.mac: must be a unicast MAC "
			 "(xx:xx:xx:xx:xx:xx)", where);
		return -EINVAL;
	}
	id = ps_vxlan_vtep_get(dp->vxlan, a, n, mac != NULL ? &ea : NULL);
	if (id < 0) {
		rest_bad(resp, "%sencap: %s", where, id == -ENOSPC ?
			 "the VTEP table is full" : "invalid VTEP");
		return -EINVAL;
	}
	out->nh.type = PS_NH_VXLAN;
	out->nh.port_id = (uint16_t)id;
	out->nh.gateway = a;
	return 0;
}

/*
 * One route object from a client. where is its place in error messages
 * ("" or "routes[3]."). Returns 0, or answers 400 and returns -EINVAL.
 */
static int
route_from_json(const struct ps_dataplane *dp, const json_t *j,
		const char *where, struct ps_route *out,
		struct ps_http_response *resp)
{
	const json_t *dst = json_object_get(j, "dst");
	const json_t *gw = json_object_get(j, "gateway");
	const json_t *dev = json_object_get(j, "dev");
	const json_t *type = json_object_get(j, "type");
	const json_t *encap = json_object_get(j, "encap");
	const char *key, *why;
	uint8_t nh_type = PS_NH_CONNECTED;
	json_t *v;
	int port;

	if (!json_is_object(j)) {
		rest_bad(resp, "%s must be an object with \"dst\"",
			 where[0] ? where : "the body");
		return -EINVAL;
	}
	json_object_foreach((json_t *)(uintptr_t)j, key, v) {
		if (strcmp(key, "dst") != 0 && strcmp(key, "gateway") != 0 &&
		    strcmp(key, "dev") != 0 && strcmp(key, "type") != 0 &&
		    strcmp(key, "encap") != 0) {
			rest_bad(resp, "%s%s: unknown field (a route has dst, "
				 "gateway, dev, type, encap)", where, key);
			return -EINVAL;
		}
	}
	memset(out, 0, sizeof(*out));
	out->origin = PS_ROUTE_API;
	if (dst == NULL) {
		rest_bad(resp, "%sdst: required", where);
		return -EINVAL;
	}
	if (!json_is_string(dst)) {
		rest_bad(resp, "%sdst: must be a string", where);
		return -EINVAL;
	}
	if (rest_parse_prefix(json_string_value(dst), &out->dst, &why) < 0) {
		rest_bad(resp, "%sdst: '%s': %s", where,
			 json_string_value(dst), why);
		return -EINVAL;
	}
	if (type != NULL) {
		const char *t = json_is_string(type) ?
				json_string_value(type) : "";

		if (strcmp(t, "unicast") == 0) {
			nh_type = PS_NH_CONNECTED;
		} else if (strcmp(t, "blackhole") == 0) {
			nh_type = PS_NH_BLACKHOLE;
		} else if (strcmp(t, "unreachable") == 0) {
			nh_type = PS_NH_UNREACHABLE;
		} else {
			rest_bad(resp, "%stype: must be \"unicast\", "
				 "\"blackhole\" or \"unreachable\"", where);
			return -EINVAL;
		}
		if (nh_type != PS_NH_CONNECTED &&
		    (gw != NULL || dev != NULL || encap != NULL)) {
			const char *f = gw != NULL ? "gateway" :
					dev != NULL ? "dev" : "encap";

			rest_bad(resp, "%s%s: a %s route has no %s", where,
				 f, t, f);
			return -EINVAL;
		}
	}
	out->nh.type = nh_type;
	if (nh_type != PS_NH_CONNECTED)
		return 0;
	if (encap != NULL) {
		if (gw != NULL || dev != NULL) {
			rest_bad(resp, "%sencap: a route with encap has no "
				 "gateway or dev", where);
			return -EINVAL;
		}
		return encap_from_json(dp, encap, where, out, resp);
	}

	if (gw != NULL) {
		uint32_t a;

		if (!json_is_string(gw)) {
			rest_bad(resp, "%sgateway: must be a string", where);
			return -EINVAL;
		}
		if (ps_parse_ip4(json_string_value(gw), &a) < 0) {
			rest_bad(resp, "%sgateway: '%s' is not an IPv4 address",
				 where, json_string_value(gw));
			return -EINVAL;
		}
		if (a == 0 || (rte_be_to_cpu_32(a) >> 28) >= 0xe ||
		    (rte_be_to_cpu_32(a) >> 24) == 127) {
			rest_bad(resp, "%sgateway: '%s' is not a unicast "
				 "address", where, json_string_value(gw));
			return -EINVAL;
		}
		if (is_own_address(dp->cfg, a)) {
			rest_bad(resp, "%sgateway: '%s' is this node's own "
				 "address", where, json_string_value(gw));
			return -EINVAL;
		}
		out->nh.type = PS_NH_GATEWAY;
		out->nh.gateway = a;
	}
	if (dev != NULL) {
		if (!json_is_string(dev)) {
			rest_bad(resp, "%sdev: must be a string", where);
			return -EINVAL;
		}
		port = ps_dataplane_port_by_name(dp, json_string_value(dev));
		if (port < 0) {
			rest_bad(resp, "%sdev: no port named '%s'", where,
				 json_string_value(dev));
			return -EINVAL;
		}
	} else {
		port = ps_dataplane_uplink(dp);
		if (port < 0) {
			rest_bad(resp, "%sdev: required: this node has no "
				 "uplink port", where);
			return -EINVAL;
		}
	}
	out->nh.port_id = (uint16_t)port;
	return 0;
}

static void
route_location(struct ps_http_response *resp, const struct ps_prefix4 *p)
{
	char dst[24], loc[64], *slash;

	rest_fmt_prefix(dst, sizeof(dst), p);
	slash = strchr(dst, '/');
	if (slash != NULL)
		*slash = '_';
	snprintf(loc, sizeof(loc), "/v1/routes/%s", dst);
	ps_http_response_header(resp, "Location", loc);
}

void
rest_routes_post(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	struct ps_route rt;
	char dst[24];
	json_t *j = rest_body(req, resp);
	int rc;

	RTE_SET_USED(arg);
	if (j == NULL)
		return;
	rc = route_from_json(r->dp, j, "", &rt, resp);
	json_decref(j);
	if (rc < 0)
		return;
	rest_fmt_prefix(dst, sizeof(dst), &rt.dst);
	rc = ps_route_add(r->dp->routes, &rt);
	switch (rc) {
	case 0:
		REST_LOG(INFO, "route %s added\n", dst);
		route_location(resp, &rt.dst);
		rest_reply(resp, 201, route_json(r->dp, &rt));
		return;
	case -EEXIST:
		ps_http_json_error(resp, 409, "exists", "a route to %s exists "
				   "(DELETE it or PUT the whole set)", dst);
		return;
	case -ENOSPC:
		ps_http_json_error(resp, 507, "table_full",
				   "the route table is full");
		return;
	default:
		ps_http_json_error(resp, 400, "bad_request", "route %s: %s",
				   dst, strerror(-rc));
	}
}

struct connected_ctx {
	struct ps_route *set;
	unsigned int n, max;
};

static int
connected_cb(const struct ps_route *rt, void *arg)
{
	struct connected_ctx *c = arg;

	if (rt->origin != PS_ROUTE_CONNECTED)
		return 0;
	if (c->n == c->max)
		return -ENOSPC;
	c->set[c->n++] = *rt;
	return 0;
}

static bool
same_prefix(const struct ps_prefix4 *a, const struct ps_prefix4 *b)
{
	return a->addr == b->addr && a->len == b->len;
}

/*
 * The new set: the connected routes as they are, then the given ones.
 * Returns the count, or answers (4xx/5xx) and returns -1.
 */
static int
build_set(struct ps_rest *r, const json_t *list, struct ps_route *set,
	  unsigned int max, struct ps_http_response *resp)
{
	struct connected_ctx c = { .set = set, .max = max };
	unsigned int nconn, i;
	json_t *v;
	size_t idx;

	if (ps_route_walk(r->dp->routes, connected_cb, &c) != 0) {
		ps_http_json_error(resp, 507, "table_full",
				   "the route table is full");
		return -1;
	}
	nconn = c.n;
	json_array_foreach((json_t *)(uintptr_t)list, idx, v) {
		struct ps_route *rt = &set[c.n];
		char where[32];

		snprintf(where, sizeof(where), "routes[%zu].", idx);
		if (!json_is_object(v)) {
			rest_bad(resp, "routes[%zu]: must be an object", idx);
			return -1;
		}
		if (route_from_json(r->dp, v, where, rt, resp) < 0)
			return -1;
		/* Connected prefixes are few: a linear check names the
		 * culprit; duplicates among the given ones are found by
		 * ps_route_replace_all's own check, reported below. */
		for (i = 0; i < nconn; i++)
			if (same_prefix(&set[i].dst, &rt->dst)) {
				ps_http_json_error(resp, 409, "connected_route",
						   "routes[%zu].dst: %s",
						   idx, "the prefix of a "
						   "connected route");
				return -1;
			}
		c.n++;
	}
	return (int)c.n;
}

static int
prefix_cmp(const void *a, const void *b)
{
	const struct ps_route *x = *(const struct ps_route *const *)a;
	const struct ps_route *y = *(const struct ps_route *const *)b;

	if (x->dst.addr != y->dst.addr)
		return x->dst.addr < y->dst.addr ? -1 : 1;
	if (x->dst.len != y->dst.len)
		return x->dst.len < y->dst.len ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Index (in set) of a route whose prefix an earlier one has, or -1. */
static long
find_duplicate(const struct ps_route *set, unsigned int n, long *first)
{
	const struct ps_route **by = malloc(sizeof(*by) * (n ? n : 1));
	long dup = -1;
	unsigned int i;

	if (by == NULL)
		return -2;
	for (i = 0; i < n; i++)
		by[i] = &set[i];
	qsort(by, n, sizeof(*by), prefix_cmp);
	for (i = 1; i < n; i++)
		if (same_prefix(&by[i - 1]->dst, &by[i]->dst) &&
		    (dup < 0 || by[i] - set < dup)) {
			dup = by[i] - set;
			*first = by[i - 1] - set;
		}
	free(by);
	return dup;
}

static double
ms_since(uint64_t t)
{
	return (double)(rte_get_timer_cycles() - t) * 1e3 /
	       (double)rte_get_timer_hz();
}

void
rest_routes_put(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	uint64_t t0 = rte_get_timer_cycles(), t;
	double ms_parse, ms_check, ms_table;
	struct ps_route_stats st;
	struct ps_route *set = NULL;
	const json_t *list;
	json_t *j = rest_body(req, resp);
	long dup, first = 0;
	unsigned int nconn_max;
	int n, rc;

	RTE_SET_USED(arg);
	if (j == NULL)
		return;
	ms_parse = ms_since(t0);
	t = rte_get_timer_cycles();
	/* Either the list itself or {"routes": [...]}. */
	list = j;
	if (json_is_object(j)) {
		const char *key;
		json_t *v;

		json_object_foreach(j, key, v)
			if (strcmp(key, "routes") != 0) {
				rest_bad(resp, "%s: unknown field (expected "
					 "{\"routes\": [...]})", key);
				goto out;
			}
		list = json_object_get(j, "routes");
	}
	if (!json_is_array(list)) {
		rest_bad(resp, "routes: must be a list of routes");
		goto out;
	}
	ps_route_stats(r->dp->routes, &st);
	nconn_max = st.routes;
	if (json_array_size(list) > st.max_routes) {
		ps_http_json_error(resp, 507, "table_full", "%zu routes exceed "
				   "the table size (%u)", json_array_size(list),
				   st.max_routes);
		goto out;
	}
	set = calloc(json_array_size(list) + nconn_max + 1, sizeof(*set));
	if (set == NULL) {
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		goto out;
	}
	n = build_set(r, list, set, json_array_size(list) + nconn_max, resp);
	if (n < 0)
		goto out;
	ms_check = ms_since(t);
	t = rte_get_timer_cycles();
	rc = ps_route_replace_all(r->dp->routes, set, (unsigned int)n);
	if (rc == -ENOMEM) {
		/* Old generations wait for a worker that has not passed a
		 * quiescent state yet (descheduled, say): wait for all of
		 * them once (a graph walk, normally microseconds), free what
		 * they held, and try again. */
		rte_rcu_qsbr_synchronize(r->dp->qsv, r->dp->mgmt_rcu_id);
		ps_route_reclaim(r->dp->routes);
		rc = ps_route_replace_all(r->dp->routes, set,
					  (unsigned int)n);
	}
	ms_table = ms_since(t);
	t = rte_get_timer_cycles();
	/* The table refuses a prefix twice (and changes nothing); only then
	 * are the two looked for, to name them, so a good set pays no sort. */
	if (rc == -EEXIST &&
	    (dup = find_duplicate(set, (unsigned int)n, &first)) >= 0) {
		unsigned int nconn = (unsigned int)n -
				     (unsigned int)json_array_size(list);

		rest_bad(resp, "routes[%ld].dst: same prefix as routes[%ld]",
			 dup - (long)nconn, first - (long)nconn);
	} else if (rc == -ENOSPC) {
		ps_http_json_error(resp, 507, "table_full",
				   "the route table is full");
	} else if (rc < 0) {
		ps_http_json_error(resp, rc == -ENOMEM ? 500 : 400,
				   rc == -ENOMEM ? "internal_error" :
				   "bad_request", "cannot replace the routes: "
				   "%s", strerror(-rc));
	} else {
		reply_routes(r, resp);
		/* where a big PUT's time goes (perf/route_prog.sh reads it) */
		REST_LOG(INFO, "routes replaced: %zu from the API (parse %.1f "
			 "ms, check %.1f ms, table %.1f ms, reply %.1f ms)\n",
			 json_array_size(list), ms_parse, ms_check, ms_table,
			 ms_since(t));
	}
out:
	free(set);
	json_decref(j);
}

void
rest_route_delete(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	struct ps_prefix4 p;
	struct ps_route rt;
	const char *why;
	char s[48], *u;

	RTE_SET_USED(req);
	if (strlen(arg) >= sizeof(s)) {
		rest_bad(resp, "'%.48s...' is not a prefix", arg);
		return;
	}
	/* "10.244.1.0_24": a '/' would end the path segment. */
	strcpy(s, arg);
	u = strchr(s, '_');
	if (u != NULL)
		*u = '/';
	if (rest_parse_prefix(s, &p, &why) < 0) {
		rest_bad(resp, "'%s': %s (write '/' as '_' or %%2F)", arg, why);
		return;
	}
	if (ps_route_get(r->dp->routes, &p, &rt) < 0) {
		ps_http_json_error(resp, 404, "not_found", "no route to %s", s);
		return;
	}
	if (rt.origin == PS_ROUTE_CONNECTED) {
		ps_http_json_error(resp, 409, "connected_route", "%s is a "
				   "connected route of the node's own "
				   "addresses; it cannot be deleted", s);
		return;
	}
	if (ps_route_del(r->dp->routes, &p) < 0) {
		ps_http_json_error(resp, 404, "not_found", "no route to %s", s);
		return;
	}
	REST_LOG(INFO, "route %s deleted\n", s);
	resp->status = 204;
}

PS_REST_ROUTE("GET", "/v1/routes", rest_routes_get);
PS_REST_ROUTE("POST", "/v1/routes", rest_routes_post);
PS_REST_ROUTE("PUT", "/v1/routes", rest_routes_put);
PS_REST_ROUTE("DELETE", "/v1/routes/*", rest_route_delete);
