/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The API's routes in the state directory: the PUT /v1/routes body that
 * sets them all again, or route by route (POST) when the set is refused
 * whole (a route whose port is gone costs only itself).
 */
#include <stdlib.h>
#include <string.h>

#include <podswitch/inet.h>
#include <podswitch/route.h>
#include <podswitch/vxlan.h>

#include "rest_private.h"

struct routes_ctx {
	const struct ps_dataplane *dp;
	json_t *arr;
	unsigned int skipped;
};

/* One API route in the shape POST /v1/routes takes. */
static int
route_cb(const struct ps_route *rt, void *arg)
{
	struct routes_ctx *c = arg;
	const char *dev;
	char dst[PS_PREFIX4_STRLEN];
	json_t *j;

	if (rt->origin != PS_ROUTE_API)
		return 0;
	ps_prefix4_fmt(dst, &rt->dst);
	j = json_pack("{s:s}", "dst", dst);
	switch (rt->nh.type) {
	case PS_NH_BLACKHOLE:
		json_object_set_new(j, "type", json_string("blackhole"));
		break;
	case PS_NH_UNREACHABLE:
		json_object_set_new(j, "type", json_string("unreachable"));
		break;
	case PS_NH_VXLAN: {
		const struct ps_vtep *v = ps_vxlan_vtep(c->dp->vxlan,
							rt->nh.port_id);
		json_t *e = json_pack("{s:s, s:o}", "type", "vxlan", "remote",
				      rest_json_ip(rt->nh.gateway));

		if (v != NULL) {
			json_object_set_new(e, "vni", json_integer(v->vni));
			if (v->has_mac)
				json_object_set_new(e, "mac",
						    rest_json_mac(&v->mac));
		}
		json_object_set_new(j, "encap", e);
		break;
	}
	case PS_NH_GATEWAY:
	case PS_NH_CONNECTED:
		dev = rest_port_name(c->dp, rt->nh.port_id);
		if (dev == NULL || strcmp(dev, REST_DEV_SEGMENT) == 0) {
			/* no name the API takes back */
			c->skipped++;
			json_decref(j);
			return 0;
		}
		if (rt->nh.type == PS_NH_GATEWAY)
			json_object_set_new(j, "gateway",
					    rest_json_ip(rt->nh.gateway));
		json_object_set_new(j, "dev", json_string(dev));
		break;
	default:
		c->skipped++;
		json_decref(j);
		return 0;
	}
	json_array_append_new(c->arr, j);
	return 0;
}

static json_t *
routes_save(const struct ps_dataplane *dp)
{
	struct routes_ctx c = { .dp = dp, .arr = json_array() };

	ps_route_walk(dp->routes, route_cb, &c);
	if (c.skipped > 0)
		STATE_LOG(WARNING, "%u API routes have no form the API takes "
			  "back and are not kept\n", c.skipped);
	return json_pack("{s:o}", "routes", c.arr);
}

/* Route by route, when the set as a whole was refused. */
static unsigned int
routes_restore(struct ps_rest *r, const json_t *doc, unsigned int *refused)
{
	const json_t *arr = json_object_get(doc, "routes");
	unsigned int ok = 0;
	char why[1024] = "";
	json_t *v;
	size_t i;

	if (!json_is_array(arr)) {
		rest_state_refused("routes", (*refused)++, "the set",
				   "no list");
		return 0;
	}
	json_array_foreach((json_t *)(uintptr_t)arr, i, v) {
		char *one = json_dumps(v, JSON_COMPACT);
		const char *dst = json_string_value(json_object_get(v, "dst"));

		if (one != NULL && rest_replay(r, "POST", "/v1/routes", one,
					       strlen(one), why,
					       sizeof(why)) < 300)
			ok++;
		else
			rest_state_refused("routes", (*refused)++,
					   dst != NULL ? dst : "an item", why);
		free(one);
	}
	return ok;
}

static int
count_api_route(const struct ps_route *rt, void *arg)
{
	*(unsigned int *)arg += rt->origin == PS_ROUTE_API;
	return 0;
}

static unsigned int
routes_count(const struct ps_dataplane *dp)
{
	unsigned int n = 0;

	ps_route_walk(dp->routes, count_api_route, &n);
	return n;
}

static const char *const routes_resources[] = { "routes", NULL };

static struct rest_state_kind routes_state = {
	.name = "routes",
	.rank = 10,
	.resources = routes_resources,
	.save = routes_save,
	.restore_method = "PUT",
	.restore_path = "/v1/routes",
	.count = routes_count,
	.restore_items = routes_restore,
};

PS_REST_STATE(routes_state);
