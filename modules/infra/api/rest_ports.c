/* SPDX-License-Identifier: BSD-3-Clause */
/* GET/POST /v1/ports and DELETE /v1/ports/{name}: pod ports hot plugged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

#include <podswitch/port.h>

#include "rest_private.h"

/* What the device itself says: its MAC and MTU (null when the backend
 * cannot tell), the queues it was opened with. */
static void
port_dev_json(json_t *p, uint16_t port_id, const struct ps_port *pp)
{
	struct rte_ether_addr mac;
	uint16_t mtu;

	json_object_set_new(p, "mac", ps_port_mac_get(port_id, &mac) == 0 ?
			    rest_json_mac(&mac) : json_null());
	json_object_set_new(p, "mtu", ps_port_mtu_get(port_id, &mtu) == 0 ?
			    json_integer(mtu) : json_null());
	json_object_set_new(p, "rx_queues", json_integer(pp->nb_rxq));
	json_object_set_new(p, "tx_queues", json_integer(pp->nb_txq));
}

json_t *
rest_port_json(const struct ps_dataplane *dp, unsigned int idx,
	       bool counters)
{
	const struct ps_port_config *c = &dp->ports[idx];
	const struct ps_port *pp = &ps_ports[dp->port_ids[idx]];
	json_t *p, *args = json_object();
	unsigned int i;

	for (i = 0; i < c->nb_args; i++)
		json_object_set_new(args, c->args[i].key,
				    json_string(c->args[i].value));
	p = json_pack("{s:s, s:s, s:s, s:o, s:i, s:i, s:b}", "name", c->name,
		      "role", ps_port_role_name(c->role), "driver", c->driver,
		      "args", args, "queues", (int)c->rx_queues,
		      "port_id", (int)dp->port_ids[idx], "link_up",
		      ps_port_link_up(dp->port_ids[idx]));
	if (p == NULL)
		return NULL;
	/* which backend serves it, and the device (an ethdev's id) */
	json_object_set_new(p, "backend", json_string(pp->ops != NULL ?
			    pp->ops->name : "none"));
	json_object_set_new(p, "device", json_string(pp->devname));
	if (pp->ops == &ps_port_ethdev_ops)
		json_object_set_new(p, "ethdev_id", json_integer(pp->eth_id));
	port_dev_json(p, dp->port_ids[idx], pp);
	if (c->has_pod)
		json_object_set_new(p, "pod", json_pack("{s:o, s:o}",
			"ip", rest_json_ip(c->pod_ip),
			"mac", rest_json_mac(&c->pod_mac)));
	json_object_set_new(p, "added_at_runtime",
			    json_boolean(idx >= dp->cfg->nb_ports ||
					 strcmp(dp->cfg->ports[idx].name,
						c->name) != 0));
	if (counters) {
		struct rest_port_counters pc;

		rest_port_counters(dp, idx, &pc);
		json_object_set_new(p, "counters", rest_port_counters_json(&pc));
	}
	return p;
}

static void
rest_ports_get(struct ps_rest *r, const struct ps_http_request *req,
	       struct ps_http_response *resp, const char *arg)
{
	const struct ps_dataplane *dp = r->dp;
	json_t *arr = json_array();
	unsigned int i;

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	for (i = 0; i < dp->nb_ports; i++)
		json_array_append_new(arr, rest_port_json(dp, i, true));
	rest_reply(resp, 200, arr);
}

static void
rest_ports_post(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	struct ps_dataplane *dp = r->dp;
	struct ps_errors errs = { 0 };
	struct ps_port_config pc;
	int rc, slot;

	RTE_SET_USED(arg);
	if (req->body_len == 0) {
		rest_bad(resp, "a JSON body is required");
		return;
	}
	rc = ps_port_config_parse(req->body, req->body_len, dp->cfg,
				  dp->ports, dp->nb_ports, &pc, &errs);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
		ps_errors_free(&errs);
		return;
	}
	if (pc.role != PS_ROLE_POD) {
		rest_bad(resp, "$.role: only pod ports can be added at run "
			 "time, this one is \"%s\"", ps_port_role_name(pc.role));
		return;
	}
	if (ps_port_missing_iface(&pc) != NULL) {
		ps_http_json_error(resp, 422, "no_such_interface", "port %s: "
				   "no such interface '%s'", pc.name,
				   ps_port_missing_iface(&pc));
		return;
	}
	rc = ps_dataplane_port_add(dp, &pc);
	switch (rc) {
	case -EEXIST:
		ps_http_json_error(resp, 409, "exists", "port %s or its pod "
				   "address is taken", pc.name);
		return;
	case -ENOSPC:
	case -ENOBUFS:
		/* The dataplane says which resource ran out. */
		ps_http_json_error(resp, 507, "no_room", "no room for port %s: "
				   "%s", pc.name, dp->port_error);
		return;
	case -EBUSY:
		ps_http_json_error(resp, 409, "busy", "port %s: a worker would "
				   "be left without an rx queue", pc.name);
		return;
	default:
		break;
	}
	if (rc < 0) {
		ps_http_json_error(resp, 422, "port_failed", "cannot create %s "
				   "port %s: %s", pc.driver, pc.name,
				   rte_strerror(-rc));
		return;
	}
	slot = ps_dataplane_port_slot(dp, pc.name);
	{
		char loc[64 + PS_NAME_MAX];

		snprintf(loc, sizeof(loc), "/v1/ports/%s", pc.name);
		ps_http_response_header(resp, "Location", loc);
	}
	rest_reply(resp, 201, rest_port_json(dp, (unsigned int)slot, false));
}

static void
rest_port_delete(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	struct ps_dataplane *dp = r->dp;
	int slot = ps_dataplane_port_slot(dp, arg);
	int rc;

	RTE_SET_USED(req);
	if (slot < 0) {
		ps_http_json_error(resp, 404, "not_found", "no port %s", arg);
		return;
	}
	if (dp->ports[slot].role != PS_ROLE_POD) {
		ps_http_json_error(resp, 409, "not_a_pod_port", "%s is the %s "
				   "port: only pod ports can be removed at run "
				   "time", arg,
				   ps_port_role_name(dp->ports[slot].role));
		return;
	}
	rc = ps_dataplane_port_del(dp, arg);
	if (rc == -EBUSY) {
		ps_http_json_error(resp, 409, "busy", "removing %s would leave "
				   "a worker without an rx queue", arg);
		return;
	}
	if (rc < 0) {
		ps_http_json_error(resp, 500, "internal_error", "cannot remove "
				   "%s: %s", arg, rte_strerror(-rc));
		return;
	}
	resp->status = 204;
}

static void
rest_port_get(struct ps_rest *r, const struct ps_http_request *req,
	      struct ps_http_response *resp, const char *arg)
{
	int slot = ps_dataplane_port_slot(r->dp, arg);

	RTE_SET_USED(req);
	if (slot < 0) {
		ps_http_json_error(resp, 404, "not_found", "no port %s (GET "
				   "/v1/ports lists them)", arg);
		return;
	}
	rest_reply(resp, 200, rest_port_json(r->dp, (unsigned int)slot, true));
}

PS_REST_ROUTE("GET", "/v1/ports", rest_ports_get);
PS_REST_ROUTE("POST", "/v1/ports", rest_ports_post);
PS_REST_ROUTE("GET", "/v1/ports/*", rest_port_get);
PS_REST_ROUTE("DELETE", "/v1/ports/*", rest_port_delete);
