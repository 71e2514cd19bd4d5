/* SPDX-License-Identifier: BSD-3-Clause */
/* GET /v1/fdb and GET /v1/neighbors: the writer's view of the tables. */
#include <podswitch/fdb.h>
#include <podswitch/neighbor.h>

#include "rest_private.h"

struct walk_ctx {
	const struct ps_dataplane *dp;
	json_t *arr;
	uint32_t now;
};

static void
set_port(json_t *o, const struct ps_dataplane *dp, uint16_t port_id)
{
	const char *name = rest_port_name(dp, port_id);

	json_object_set_new(o, "port", name != NULL ? json_string(name) :
			    json_null());
}

static int
fdb_cb(const struct ps_fdb_entry *e, void *arg)
{
	struct walk_ctx *c = arg;
	json_t *o = json_object();
	bool is_static = (e->flags & PS_FDB_F_STATIC) != 0;

	json_object_set_new(o, "mac", rest_json_mac(&e->mac));
	set_port(o, c->dp, e->port);
	json_object_set_new(o, "static", json_boolean(is_static));
	json_object_set_new(o, "age_s", is_static ? json_null() :
			    json_integer(c->now >= e->last_seen ?
					 c->now - e->last_seen : 0));
	json_array_append_new(c->arr, o);
	return 0;
}

void
rest_fdb_get(struct ps_rest *r, const struct ps_http_request *req,
	     struct ps_http_response *resp, const char *arg)
{
	struct walk_ctx c = {
		.dp = r->dp, .arr = json_array(), .now = ps_fdb_now(r->dp->fdb),
	};

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_fdb_walk(r->dp->fdb, fdb_cb, &c);
	rest_reply(resp, 200, c.arr);
}

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
	set_port(o, c->dp, n->port_id);
	json_object_set_new(o, "state",
			    json_string(ps_neigh_state_name(n->state)));
	json_array_append_new(c->arr, o);
	return 0;
}

void
rest_neighbors_get(struct ps_rest *r, const struct ps_http_request *req,
		   struct ps_http_response *resp, const char *arg)
{
	struct walk_ctx c = { .dp = r->dp, .arr = json_array() };

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_neigh_walk(r->dp->neighbors, neigh_cb, &c);
	rest_reply(resp, 200, c.arr);
}
