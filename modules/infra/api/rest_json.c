/* SPDX-License-Identifier: BSD-3-Clause */
/* Bodies, replies and the address and port helpers the handlers share. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>

#include <podswitch/port.h>

#include "rest_private.h"

void
rest_reply(struct ps_http_response *resp, int status, json_t *j)
{
	char *s;

	if (j == NULL) {
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
		       JSON_REAL_PRECISION(7));
	json_decref(j);
	if (s == NULL) {
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	resp->status = status;
	/* One object per line reads well with curl and parses the same. */
	if (ps_http_response_printf(resp, "%s\n", s) < 0)
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
	free(s);
}

void
rest_bad(struct ps_http_response *resp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ps_http_json_verror(resp, 400, "bad_request", fmt, ap);
	va_end(ap);
}

json_t *
rest_body(const struct ps_http_request *req, struct ps_http_response *resp)
{
	json_error_t err;
	json_t *j;

	if (req->body_len == 0) {
		rest_bad(resp, "a JSON body is required");
		return NULL;
	}
	/* A duplicate key would silently keep one of two values. */
	j = json_loadb(req->body, req->body_len,
		       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (j == NULL)
		rest_bad(resp, "body is not valid JSON: line %d, column %d: %s",
			 err.line, err.column, err.text);
	return j;
}

json_t *
rest_json_ip(uint32_t addr)
{
	char s[PS_IP4_STRLEN];

	ps_ip4_fmt(s, addr);
	return json_string(s);
}

json_t *
rest_json_mac(const struct rte_ether_addr *mac)
{
	char s[RTE_ETHER_ADDR_FMT_SIZE];

	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac->addr_bytes[0], mac->addr_bytes[1], mac->addr_bytes[2],
		 mac->addr_bytes[3], mac->addr_bytes[4], mac->addr_bytes[5]);
	return json_string(s);
}

const char *
rest_port_name(const struct ps_dataplane *dp, uint16_t port_id)
{
	unsigned int i;

	if (port_id == PS_PORT_SEGMENT)
		return REST_DEV_SEGMENT;
	for (i = 0; i < dp->nb_ports; i++)
		if (dp->port_ids[i] == port_id)
			return dp->ports[i].name;
	return NULL;
}

json_t *
rest_json_port(const struct ps_dataplane *dp, uint16_t port_id)
{
	const char *name = rest_port_name(dp, port_id);

	return name != NULL ? json_string(name) : json_null();
}

void
rest_reply_errors(struct ps_http_response *resp, int rc,
		  const struct ps_errors *errs)
{
	char msg[2048];
	size_t len = 0;
	unsigned int i;

	msg[0] = '\0';
	for (i = 0; i < errs->count && len < sizeof(msg); i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s",
					i ? "; " : "", errs->msgs[i]);
	if (errs->count == 0)
		snprintf(msg, sizeof(msg), "%s", strerror(-rc));
	if (rc == -ENOSPC)
		ps_http_json_error(resp, 507, "no_room", "%s", msg);
	else if (rc == -EEXIST)
		ps_http_json_error(resp, 409, "conflict", "%s", msg);
	else
		rest_bad(resp, "%s", msg);
}
