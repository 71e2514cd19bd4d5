/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_REST_ROUTE_JSON_H
#define PS_REST_ROUTE_JSON_H

/*
 * A route as /v1/routes shows it, written two ways that must agree byte
 * for byte (test/unit/test_route_json.c): one object through jansson, and
 * the whole table as text straight into a buffer.
 */

#include <stddef.h>

#include <jansson.h>

#include <podswitch/dataplane.h>
#include <podswitch/route.h>

/* {"type", "dst", "gateway", "encap", "dev", "protocol", "scope"}, the
 * members a route has, in that order. */
json_t *rest_route_json(const struct ps_dataplane *dp,
			const struct ps_route *rt);
/*
 * Every route of dp->routes as a JSON list and a newline, the objects as
 * rest_route_json() writes them compactly. Returns a malloc'ed string of
 * *len bytes (NUL-terminated), or NULL without memory.
 */
char *rest_routes_text(const struct ps_dataplane *dp, size_t *len);

#endif
