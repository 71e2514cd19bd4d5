/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /v1/routes/lookup?addr=A: what "ip route get A" tells, from the
 * tables the workers read: the route that matches (longest prefix), the
 * next hop whose MAC the packet needs, that neighbor's entry and the port
 * the packet leaves by. A VXLAN route's next hop is its remote VTEP, found
 * in turn through the routes (the underlay).
 */
#include <errno.h>
#include <stdio.h>

#include <rte_common.h>

#include <podswitch/neighbor.h>
#include <podswitch/route.h>

#include "rest_private.h"
#include "rest_route_json.h"

/* The address whose MAC a packet to addr by route rt needs, 0 for none
 * (local, blackhole, unreachable). */
static uint32_t
next_hop(const struct ps_route *rt, uint32_t addr)
{
	switch (rt->nh.type) {
	case PS_NH_CONNECTED:
		return addr;
	case PS_NH_GATEWAY:
	case PS_NH_VXLAN:
		return rt->nh.gateway;
	default:
		return 0;
	}
}

static json_t *
neigh_json(const struct ps_dataplane *dp, const struct ps_neigh *n)
{
	bool has_mac = n->state == PS_NEIGH_REACHABLE ||
		       n->state == PS_NEIGH_STATIC;

	/* the shape of GET /v1/neighbors' entries */
	return json_pack("{s:o, s:o, s:o, s:s}", "ip", rest_json_ip(n->ip),
			 "mac", has_mac ? rest_json_mac(&n->mac) : json_null(),
			 "port", rest_json_port(dp, n->port_id), "state",
			 ps_neigh_state_name(n->state));
}

/*
 * The next hop, its neighbor and the output port of a packet to addr
 * matched by rt, into o. The port is the neighbor's when it is known (on
 * the pod segment it says which pod port), else the route's.
 */
static void
lookup_nexthop(const struct ps_dataplane *dp, const struct ps_route *rt,
	       uint32_t addr, json_t *o)
{
	struct ps_route under = *rt;
	struct ps_neigh n;
	uint32_t nh = next_hop(rt, addr);
	const char *dev;

	json_object_set_new(o, "nexthop", nh != 0 ? rest_json_ip(nh) :
			    json_null());
	if (nh == 0) {
		json_object_set_new(o, "dev", json_null());
		json_object_set_new(o, "neighbor", json_null());
		return;
	}
	/* the encapsulated packet goes to the VTEP by the underlay route */
	if (rt->nh.type == PS_NH_VXLAN) {
		if (ps_route_match(dp->routes, nh, &under) < 0 ||
		    under.nh.type == PS_NH_VXLAN)
			under.nh.type = PS_NH_UNREACHABLE;
		json_object_set_new(o, "underlay", under.nh.type ==
				    PS_NH_UNREACHABLE ? json_null() :
				    rest_route_json(dp, &under));
		nh = next_hop(&under, nh);
	}
	if (nh != 0 && ps_neigh_get(dp->neighbors, nh, &n) == 0) {
		json_object_set_new(o, "neighbor", neigh_json(dp, &n));
		dev = rest_port_name(dp, n.port_id);
	} else {
		json_object_set_new(o, "neighbor", json_null());
		dev = under.nh.type == PS_NH_CONNECTED ||
		      under.nh.type == PS_NH_GATEWAY ?
		      rest_port_name(dp, under.nh.port_id) : NULL;
	}
	json_object_set_new(o, "dev", dev != NULL ? json_string(dev) :
			    json_null());
}

static void
rest_route_lookup(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	char v[64];
	struct ps_route rt;
	uint32_t addr;
	ssize_t n;
	json_t *o;

	RTE_SET_USED(arg);
	n = ps_http_query_get(req->query, "addr", v, sizeof(v));
	if (n == -ENOENT) {
		rest_bad(resp, "addr: an IPv4 address is required "
			 "(/v1/routes/lookup?addr=A)");
		return;
	}
	if (n < 0 || ps_parse_ip4(v, &addr) < 0) {
		rest_bad(resp, "addr: '%s' is not an IPv4 address",
			 n < 0 ? "" : v);
		return;
	}
	if (ps_route_match(r->dp->routes, addr, &rt) < 0) {
		ps_http_json_error(resp, 404, "no_route", "no route to %s "
				   "(no default route either)", v);
		return;
	}
	o = json_object();
	json_object_set_new(o, "addr", rest_json_ip(addr));
	json_object_set_new(o, "route", rest_route_json(r->dp, &rt));
	lookup_nexthop(r->dp, &rt, addr, o);
	rest_reply(resp, 200, o);
}

PS_REST_ROUTE("GET", "/v1/routes/lookup", rest_route_lookup);
