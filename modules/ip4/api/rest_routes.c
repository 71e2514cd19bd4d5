/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /v1/routes: iproute2's JSON names ({"dst", "gateway", "dev", "type",
 * "protocol", "scope"}). Connected routes (the node's own addresses and
 * subnets) are shown as protocol "kernel" and can be neither replaced nor
 * deleted; routes from the configuration are "static", ours are "api".
 *
 * The handlers translate: a route object is read by the configuration's
 * own ps_route_config_parse() (one rule set for the file and the API),
 * the policy (connected routes, duplicates) is control/ip4_routes.c's.
 * Every request is validated in full before the table is touched, so a
 * refused request changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include <podswitch/jsonpath.h>
#include <podswitch/log.h>
#include <podswitch/route.h>

#include "ip4_routes.h"
#include "rest_private.h"
#include "rest_route_json.h"

/* 200 and the whole table as a JSON list. */
static void
reply_routes(struct ps_rest *r, struct ps_http_response *resp)
{
	size_t len;
	char *text = rest_routes_text(r->dp, &len);

	if (text == NULL) {
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	resp->status = 200;
	ps_http_response_body_take(resp, text, len);
}

static void
rest_routes_get(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	reply_routes(r, resp);
}

/*
 * One route object from a client, at path ("" for a body that is the
 * route, "routes[3]" in a list), into the table's form. A VXLAN route's
 * VTEP is added to the table if new (it stays, with zero counters, should
 * the route itself be refused). Returns 0, or answers 400 and returns -1.
 */
static int
route_from_json(struct ps_dataplane *dp, const json_t *j, const char *path,
		struct ps_route *out, struct ps_http_response *resp)
{
	struct ps_errors errs = { 0 };
	struct ps_route_config rc;
	int rc_;

	if (ps_route_config_parse(j, path, dp->cfg, dp->ports, dp->nb_ports,
				  &rc, &errs) < 0) {
		rest_reply_errors(resp, -EINVAL, &errs);
		ps_errors_free(&errs);
		return -1;
	}
	rc_ = ip4_route_resolve(dp, &rc, PS_ROUTE_API, out);
	if (rc_ == 0)
		return 0;
	if (rc.vxlan)
		rest_bad(resp, "%s%sencap: %s", path, path[0] ? "." : "",
			 rc_ == -ENOSPC ? "the VTEP table is full" :
			 "invalid VTEP");
	else if (rc_ == -ENETUNREACH)
		rest_bad(resp, "%s%sgateway: not on a connected subnet (the pod "
			 "CIDR or the node's subnet): nothing could resolve it",
			 path, path[0] ? "." : "");
	else
		rest_bad(resp, "%s%sdev: %s", path, path[0] ? "." : "",
			 strerror(-rc_));
	return -1;
}

static void
route_location(struct ps_http_response *resp, const struct ps_prefix4 *p)
{
	char dst[PS_PREFIX4_STRLEN], loc[64], *slash;

	ps_prefix4_fmt(dst, p);
	slash = strchr(dst, '/');
	if (slash != NULL)
		*slash = '_';
	snprintf(loc, sizeof(loc), "/v1/routes/%s", dst);
	ps_http_response_header(resp, "Location", loc);
}

static void
rest_routes_post(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	char dst[PS_PREFIX4_STRLEN];
	struct ps_route rt;
	json_t *j = rest_body(req, resp);
	int rc;

	RTE_SET_USED(arg);
	if (j == NULL)
		return;
	if (!json_is_object(j)) {
		rest_bad(resp, "the body must be an object with \"dst\"");
		json_decref(j);
		return;
	}
	rc = route_from_json(r->dp, j, "", &rt, resp);
	json_decref(j);
	if (rc < 0)
		return;
	ps_prefix4_fmt(dst, &rt.dst);
	rc = ps_route_add(r->dp->routes, &rt);
	switch (rc) {
	case 0:
		ps_log_change("route", "%s added", dst);
		route_location(resp, &rt.dst);
		rest_reply(resp, 201, rest_route_json(r->dp, &rt));
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

/*
 * The list of a PUT body: either the body itself or {"routes": [...]}.
 * NULL after answering 400.
 */
static const json_t *
put_list(const json_t *j, struct ps_http_response *resp)
{
	static const char *const keys[] = { "routes", NULL };
	struct ps_errors errs = { 0 };
	const json_t *list = j;

	if (json_is_object(j)) {
		if (ps_json_unknown_keys(j, "", keys, "expected {\"routes\": "
					 "[...]}", &errs) > 0) {
			rest_reply_errors(resp, -EINVAL, &errs);
			ps_errors_free(&errs);
			return NULL;
		}
		list = json_object_get(j, "routes");
	}
	if (!json_is_array(list)) {
		rest_bad(resp, "routes: must be a list of routes");
		return NULL;
	}
	return list;
}

/*
 * The new set: the connected routes as they are, then the given ones.
 * 0, or answers (4xx/5xx) and returns -1.
 */
static int
build_set(struct ps_rest *r, const json_t *list, struct ip4_route_set *set,
	  struct ps_http_response *resp)
{
	struct ps_route_stats st;
	const json_t *v;
	size_t idx;
	int rc;

	ps_route_stats(r->dp->routes, &st);
	if (json_array_size(list) > st.max_routes) {
		ps_http_json_error(resp, 507, "table_full", "%zu routes exceed "
				   "the table size (%u)", json_array_size(list),
				   st.max_routes);
		return -1;
	}
	rc = ip4_route_set_init(set, r->dp, (unsigned int)json_array_size(list));
	if (rc < 0) {
		if (rc == -ENOMEM)
			ps_http_json_error(resp, 500, "internal_error",
					   "out of memory");
		else
			ps_http_json_error(resp, 507, "table_full",
					   "the route table is full");
		return -1;
	}
	json_array_foreach(list, idx, v) {
		char path[PS_JPATH_MAX];
		struct ps_route rt;

		ps_jpath_idx(path, "routes", (unsigned int)idx);
		if (route_from_json(r->dp, v, path, &rt, resp) < 0)
			return -1;
		if (ip4_route_set_add(set, &rt) < 0) {
			ps_http_json_error(resp, 409, "connected_route",
					   "%s.dst: the prefix of a connected "
					   "route", path);
			return -1;
		}
	}
	return 0;
}

static double
ms_since(uint64_t t)
{
	return (double)(rte_get_timer_cycles() - t) * 1e3 /
	       (double)rte_get_timer_hz();
}

/* The answer to a publication that failed. */
static void
publish_error(int rc, long dup, long first, struct ps_http_response *resp)
{
	if (rc == -EEXIST && dup >= 0)
		rest_bad(resp, "routes[%ld].dst: same prefix as routes[%ld]",
			 dup, first);
	else if (rc == -ENOSPC)
		ps_http_json_error(resp, 507, "table_full",
				   "the route table is full");
	else
		ps_http_json_error(resp, rc == -ENOMEM ? 500 : 400,
				   rc == -ENOMEM ? "internal_error" :
				   "bad_request", "cannot replace the routes: "
				   "%s", strerror(-rc));
}

static void
rest_routes_put(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	uint64_t t0 = rte_get_timer_cycles(), t;
	struct ip4_route_set set = { 0 };
	double ms_parse, ms_check, ms_table;
	json_t *j = rest_body(req, resp);
	const json_t *list;
	long dup, first;
	int rc;

	RTE_SET_USED(arg);
	if (j == NULL)
		return;
	ms_parse = ms_since(t0);
	t = rte_get_timer_cycles();
	list = put_list(j, resp);
	if (list == NULL || build_set(r, list, &set, resp) < 0)
		goto out;
	ms_check = ms_since(t);
	t = rte_get_timer_cycles();
	rc = ip4_route_set_publish(r->dp, &set, &dup, &first);
	ms_table = ms_since(t);
	t = rte_get_timer_cycles();
	if (rc < 0) {
		publish_error(rc, dup, first, resp);
	} else {
		reply_routes(r, resp);
		/* where a big PUT's time goes (perf/route_prog.sh reads it) */
		ps_log_change("route", "routes replaced: %zu from the API "
			      "(parse %.1f ms, check %.1f ms, table %.1f ms, "
			      "reply %.1f ms)",
			      json_array_size(list), ms_parse, ms_check,
			      ms_table, ms_since(t));
	}
out:
	ip4_route_set_free(&set);
	json_decref(j);
}

static void
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
	if (ps_parse_prefix4_strict(s, &p, &why) < 0) {
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
	ps_log_change("route", "%s deleted", s);
	resp->status = 204;
}

PS_REST_ROUTE("GET", "/v1/routes", rest_routes_get);
PS_REST_ROUTE("POST", "/v1/routes", rest_routes_post);
PS_REST_ROUTE("PUT", "/v1/routes", rest_routes_put);
PS_REST_ROUTE("DELETE", "/v1/routes/*", rest_route_delete);
