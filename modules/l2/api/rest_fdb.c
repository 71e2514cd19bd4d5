/* SPDX-License-Identifier: BSD-3-Clause */
/* GET /v1/fdb: the writer's view of the table. */
#include <podswitch/fdb.h>

#include "rest_private.h"

struct walk_ctx {
	const struct ps_dataplane *dp;
	json_t *arr;
	uint32_t now;
};

static int
fdb_cb(const struct ps_fdb_entry *e, void *arg)
{
	struct walk_ctx *c = arg;
	json_t *o = json_object();
	bool is_static = (e->flags & PS_FDB_F_STATIC) != 0;

	json_object_set_new(o, "mac", rest_json_mac(&e->mac));
	json_object_set_new(o, "port", rest_json_port(c->dp, e->port));
	json_object_set_new(o, "static", json_boolean(is_static));
	json_object_set_new(o, "age_s", is_static ? json_null() :
			    json_integer(c->now >= e->last_seen ?
					 c->now - e->last_seen : 0));
	json_array_append_new(c->arr, o);
	return 0;
}

static void
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

PS_REST_ROUTE("GET", "/v1/fdb", rest_fdb_get);
