/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The body of POST /v1/captures:
 *   {"ports": ["pod-a1", ...], "direction": "rx|tx|both",
 *    "filter": "tcpdump expression", "count": N, "snaplen": N}
 * ports is required (1 to CAP_MAX_PORTS names); the rest default to
 * both, no filter, no count (until stopped) and 65535 bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <podswitch/jsonpath.h>

#include "capture_private.h"
#include "capture_rest.h"

static void
parse_ports(const json_t *body, struct cap_request *rq, struct ps_errors *errs)
{
	const json_t *a = ps_json_array(body, "$", "ports", PS_JP_REQUIRED,
					errs);
	char p[PS_JPATH_MAX];
	const json_t *v;
	size_t i;

	if (a == NULL)
		return;
	if (json_array_size(a) == 0 || json_array_size(a) > CAP_MAX_PORTS) {
		ps_errors_add(errs, "$.ports", "must name 1 to %d ports",
			      CAP_MAX_PORTS);
		return;
	}
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);

		ps_jpath_idx(p, "$.ports", (unsigned int)i);
		if (s == NULL || s[0] == '\0' ||
		    strlen(s) >= sizeof(rq->ports[0])) {
			ps_errors_add(errs, p, "must be a port name");
			continue;
		}
		snprintf(rq->ports[rq->nb_ports++], sizeof(rq->ports[0]), "%s",
			 s);
	}
}

int
cap_request_parse(const json_t *body, struct cap_request *rq,
		  struct ps_errors *errs)
{
	static const char *const keys[] = { "ports", "direction", "filter",
		"count", "snaplen", NULL };
	unsigned int seen = ps_errors_seen(errs);
	char dir[8] = "both";
	uint64_t v;

	memset(rq, 0, sizeof(*rq));
	rq->snaplen = CAP_SNAPLEN_DEFAULT;
	if (!json_is_object(body)) {
		ps_errors_add(errs, "$", "must be an object");
		return -EINVAL;
	}
	ps_json_unknown_keys(body, "$", keys, "a capture has ports, "
			     "direction, filter, count, snaplen", errs);
	parse_ports(body, rq, errs);
	if (ps_json_string(body, "$", "direction", 0, dir, sizeof(dir), errs) ||
	    json_object_get(body, "direction") == NULL) {
		if (strcmp(dir, "rx") == 0)
			rq->dirs = CAP_DIR_RX;
		else if (strcmp(dir, "tx") == 0)
			rq->dirs = CAP_DIR_TX;
		else if (strcmp(dir, "both") == 0)
			rq->dirs = CAP_DIR_BOTH;
		else
			ps_errors_add(errs, "$.direction",
				      "must be rx, tx or both");
	}
	if (json_is_string(json_object_get(body, "filter")) &&
	    json_string_length(json_object_get(body, "filter")) == 0)
		rq->filter[0] = '\0';
	else
		ps_json_string(body, "$", "filter", 0, rq->filter,
			       sizeof(rq->filter), errs);
	if (ps_json_uint(body, "$", "count", 0, 0, UINT32_MAX, &v, errs))
		rq->count = v;
	if (ps_json_uint(body, "$", "snaplen", 0, 1, CAP_SNAPLEN_MAX, &v,
			 errs))
		rq->snaplen = (uint32_t)v;
	return ps_errors_seen(errs) == seen ? 0 : -EINVAL;
}
