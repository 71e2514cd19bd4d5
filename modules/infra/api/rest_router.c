/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Method + path to a handler. A path that exists with another method gets
 * 405 and an Allow header listing the methods it has; a path that does not
 * exist gets 404. HEAD is served as GET (the server drops the body).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "rest_private.h"

#define MAX_SEGS 8

struct rest_route {
	const char *method;
	/* segments after the leading '/'; "*" takes one segment as arg */
	const char *segs[MAX_SEGS];
	rest_fn fn;
};

static const struct rest_route routes[] = {
	{ "GET", { "v1", "status" }, rest_status_get },
	{ "GET", { "v1", "stats" }, rest_stats_get },
	{ "GET", { "metrics" }, rest_metrics_get },
	{ "GET", { "v1", "routes" }, rest_routes_get },
	{ "POST", { "v1", "routes" }, rest_routes_post },
	{ "PUT", { "v1", "routes" }, rest_routes_put },
	{ "DELETE", { "v1", "routes", "*" }, rest_route_delete },
	{ "GET", { "v1", "ports" }, rest_ports_get },
	{ "POST", { "v1", "ports" }, rest_ports_post },
	{ "GET", { "v1", "ports", "*" }, rest_port_get },
	{ "DELETE", { "v1", "ports", "*" }, rest_port_delete },
	{ "GET", { "v1", "fdb" }, rest_fdb_get },
	{ "GET", { "v1", "neighbors" }, rest_neighbors_get },
	{ "GET", { "v1", "services" }, rest_services_get },
	{ "PUT", { "v1", "services" }, rest_services_put },
	{ "GET", { "v1", "services", "*", "*" }, rest_service_get },
	{ "PUT", { "v1", "services", "*", "*" }, rest_service_put },
	{ "DELETE", { "v1", "services", "*", "*" }, rest_service_delete },
	{ "PUT", { "v1", "services", "*", "*", "endpoints" },
	  rest_service_endpoints_put },
	{ "POST", { "v1", "apply" }, rest_apply_post },
	{ "GET", { "v1", "conntrack" }, rest_conntrack_get },
	{ "DELETE", { "v1", "conntrack" }, rest_conntrack_delete },
};

/* Whether seg[0..n) matches rt; *arg is the segment taken by "*". */
static bool
path_match(const struct rest_route *rt, const char *const seg[],
	   unsigned int n, const char **arg)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (i == MAX_SEGS || rt->segs[i] == NULL)
			return false;
		if (strcmp(rt->segs[i], "*") == 0)
			*arg = seg[i];
		else if (strcmp(rt->segs[i], seg[i]) != 0)
			return false;
	}
	return i == MAX_SEGS || rt->segs[i] == NULL;
}

static void
add_allow(char *allow, size_t size, const char *method)
{
	size_t len = strlen(allow);

	snprintf(allow + len, size - len, "%s%s", len ? ", " : "", method);
}

void
rest_dispatch(const struct ps_http_request *req, struct ps_http_response *resp,
	      void *ctx)
{
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" :
			     req->method;
	char buf[1024], allow[64] = "";
	const char *seg[MAX_SEGS + 1];
	unsigned int i;
	int n;

	n = ps_http_path_segments(req->path, buf, sizeof(buf), seg,
				  RTE_DIM(seg));
	if (n < 0) {
		/* Too long or too deep is no route of ours; a bad escape
		 * is the client's error. */
		if (n == -EINVAL)
			rest_bad(resp, "malformed path");
		else
			ps_http_json_error(resp, 404, "not_found",
					   "no such resource");
		return;
	}
	for (i = 0; i < RTE_DIM(routes); i++) {
		const char *a = NULL;

		if (!path_match(&routes[i], seg, (unsigned int)n, &a))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			routes[i].fn(ctx, req, resp, a);
			if (strcmp(method, "GET") != 0)
				rest_state_changed(ctx, seg[1], resp->status);
			return;
		}
		add_allow(allow, sizeof(allow), routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			add_allow(allow, sizeof(allow), "HEAD");
	}
	if (allow[0] != '\0') {
		ps_http_json_error(resp, 405, "method_not_allowed",
				   "%s is not allowed on %s (allowed: %s)",
				   req->method, req->path, allow);
		ps_http_response_header(resp, "Allow", allow);
		return;
	}
	ps_http_json_error(resp, 404, "not_found", "no such resource: %s",
			   req->path);
}
