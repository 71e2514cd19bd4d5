/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET|PUT /v1/node/zone: this node's topology.kubernetes.io/zone, which
 * EndpointSlice zone hints are read against. node.zone of the config is
 * the value at start; podswitch-agent sets it from its Node's label.
 */
#include <errno.h>
#include <string.h>

#include <podswitch/service.h>

#include "rest_private.h"

static void
rest_zone_get(struct ps_rest *r, const struct ps_http_request *req,
	      struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	rest_reply(resp, 200, json_pack("{s:s}", "zone",
					ps_svc_zone(r->dp->svcs)));
}

static void
rest_zone_put(struct ps_rest *r, const struct ps_http_request *req,
	      struct ps_http_response *resp, const char *arg)
{
	json_t *body = rest_body(req, resp);
	const char *zone;
	int rc;

	RTE_SET_USED(arg);
	if (body == NULL)
		return;
	zone = json_string_value(json_object_get(body, "zone"));
	if (!json_is_object(body) || zone == NULL ||
	    json_object_size(body) != 1) {
		rest_bad(resp, "the body is {\"zone\": \"<label value>\"}");
		json_decref(body);
		return;
	}
	rc = ps_svc_set_zone(r->dp->svcs, zone);
	if (rc == -EINVAL)
		rest_bad(resp, "$.zone: longer than %d characters",
			 PS_ZONE_MAX - 1);
	else if (rc < 0)
		ps_http_json_error(resp, 500, "internal",
				   "the endpoint sets were not rebuilt: %s",
				   strerror(-rc));
	else
		rest_reply(resp, 200, json_pack("{s:s}", "zone",
						ps_svc_zone(r->dp->svcs)));
	json_decref(body);
}

PS_REST_ROUTE("GET", "/v1/node/zone", rest_zone_get);
PS_REST_ROUTE("PUT", "/v1/node/zone", rest_zone_put);
