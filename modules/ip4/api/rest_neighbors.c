/* SPDX-License-Identifier: BSD-3-Clause */
/* GET /v1/neighbors: the writer's view of the table. */
#include <podswitch/neighbor.h>

#include "rest_private.h"

struct walk_ctx {
	const struct ps_dataplane *dp;
	json_t *arr;
};

static int
neigh_cb(const struct ps_neigh *n, void *arg)
{
	struct walk_ctx *c = arg;
	json_t *o = json_object();
	bool has_mac = n->state == PS_NEIGH_REACHABLE ||
		       n->state == PS_NEIGH_STATIC;

	json_object_set_new(o, "ip", rest_json_ip(n->ip));
	/* An unresolved entry's MAC is meaningless, not zero. */
	json_object_set_new(o, "mac", has_mac ? rest_json_mac(&n->mac) :
			    json_null());
	json_object_set_new(o, "port", rest_json_port(c->dp, n->port_id));
	json_object_set_new(o, "state",
			    json_string(ps_neigh_state_name(n->state)));
	json_array_append_new(c->arr, o);
	return 0;
}

static void
rest_neighbors_get(struct ps_rest *r, const struct ps_http_request *req,
		   struct ps_http_response *resp, const char *arg)
{
	struct walk_ctx c = { .dp = r->dp, .arr = json_array() };

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_neigh_walk(r->dp->neighbors, neigh_cb, &c);
	rest_reply(resp, 200, c.arr);
}

PS_REST_ROUTE("GET", "/v1/neighbors", rest_neighbors_get);
