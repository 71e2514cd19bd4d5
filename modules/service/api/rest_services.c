/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Services over REST: GET /v1/services,
 * GET|PUT|DELETE /v1/services/{ns}/{name}, PUT .../endpoints,
 * POST /v1/apply (Kubernetes JSON, all or nothing). Conntrack's are
 * in rest_conntrack.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/log.h>
#include <podswitch/service.h>

#include "rest_private.h"

#define EP_VIEW_MAX 4096
#define PORT_VIEW_MAX 64

static const char *
proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "TCP" : p == IPPROTO_UDP ? "UDP" :
	       p == IPPROTO_ICMP ? "ICMP" : "?";
}

static json_t *
ip_array(const uint32_t *a, unsigned int n)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, rest_json_ip(a[i]));
	return arr;
}

static json_t *
svc_json(const struct ps_svc_spec *s)
{
	json_t *o = json_object(), *ports = json_array();
	unsigned int i;

	json_object_set_new(o, "namespace", json_string(s->ns));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "type", json_string(ps_svc_type_name(s->type)));
	json_object_set_new(o, "clusterIP", s->headless ? json_string("None") :
			    s->cluster_ip ? rest_json_ip(s->cluster_ip) :
			    json_null());
	for (i = 0; i < s->nb_ports; i++) {
		const struct ps_svc_port_spec *p = &s->ports[i];
		json_t *po = json_object();

		json_object_set_new(po, "name", json_string(p->name));
		json_object_set_new(po, "protocol",
				    json_string(proto_name(p->proto)));
		json_object_set_new(po, "port", json_integer(p->port));
		json_object_set_new(po, "targetPort", p->target_port ?
				    json_integer(p->target_port) :
				    json_string(p->target_name));
		if (p->node_port)
			json_object_set_new(po, "nodePort",
					    json_integer(p->node_port));
		json_array_append_new(ports, po);
	}
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "externalIPs",
			    ip_array(s->external_ips, s->nb_external_ips));
	json_object_set_new(o, "loadBalancerIPs",
			    ip_array(s->lb_ips, s->nb_lb_ips));
	json_object_set_new(o, "externalTrafficPolicy",
			    json_string(ps_svc_policy_name(s->etp)));
	json_object_set_new(o, "internalTrafficPolicy",
			    json_string(ps_svc_policy_name(s->itp)));
	json_object_set_new(o, "sessionAffinity",
			    json_string(s->affinity ? "ClientIP" : "None"));
	if (s->affinity)
		json_object_set_new(o, "sessionAffinityTimeoutSeconds",
				    json_integer(s->affinity_timeout));
	json_object_set_new(o, "scheduler",
			    json_string(ps_svc_sched_name(s->sched)));
	if (s->external_name != NULL)
		json_object_set_new(o, "externalName",
				    json_string(s->external_name));
	json_object_set_new(o, "programmed",
			    json_boolean(s->skip_reason[0] == '\0'));
	if (s->skip_reason[0] != '\0')
		json_object_set_new(o, "reason", json_string(s->skip_reason));
	return o;
}

/* ipvsadm --stats' columns: connections created, packets and bytes in
 * (client to endpoint) and out (the endpoint's replies). */
static json_t *
traffic_json(const struct ps_svc_traffic *tr)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}",
			 "connections", (json_int_t)tr->conns,
			 "inPackets", (json_int_t)tr->pkts[PS_SVC_IN],
			 "outPackets", (json_int_t)tr->pkts[PS_SVC_OUT],
			 "inBytes", (json_int_t)tr->bytes[PS_SVC_IN],
			 "outBytes", (json_int_t)tr->bytes[PS_SVC_OUT]);
}

/* The endpoints the dataplane serves for each port of ns/name. */
static json_t *
svc_endpoints_json(const struct ps_svc_table *t, const char *ns,
		   const char *name)
{
	struct ps_svc_port_view pv[PORT_VIEW_MAX];
	struct ps_svc_ep_view *ev = malloc(sizeof(*ev) * EP_VIEW_MAX);
	json_t *arr = json_array();
	unsigned int np, i, j, ne;

	if (ev == NULL)
		return arr;
	np = ps_svc_ports(t, ns, name, pv, PORT_VIEW_MAX);
	for (i = 0; i < RTE_MIN(np, (unsigned int)PORT_VIEW_MAX); i++) {
		json_t *po = json_object(), *eps = json_array();

		json_object_set_new(po, "port", json_integer(pv[i].sp->port));
		json_object_set_new(po, "protocol",
				    json_string(proto_name(pv[i].sp->proto)));
		json_object_set_new(po, "name",
				    json_string(pv[i].sp->port_name));
		json_object_set_new(po, "newConnections",
				    json_integer((json_int_t)pv[i].new_conns));
		json_object_set_new(po, "rejects",
				    json_integer((json_int_t)pv[i].rejects));
		json_object_set_new(po, "stats", traffic_json(&pv[i].traffic));
		ne = ps_svc_port_endpoints(t, pv[i].sp, ev, EP_VIEW_MAX);
		for (j = 0; j < RTE_MIN(ne, (unsigned int)EP_VIEW_MAX); j++) {
			json_t *e = json_object();

			json_object_set_new(e, "ip", rest_json_ip(ev[j].ip));
			json_object_set_new(e, "port", json_integer(ev[j].port));
			json_object_set_new(e, "ready", json_boolean(
				ev[j].flags & PS_EP_READY));
			json_object_set_new(e, "serving", json_boolean(
				ev[j].flags & PS_EP_SERVING));
			json_object_set_new(e, "terminating", json_boolean(
				ev[j].flags & PS_EP_TERMINATING));
			json_object_set_new(e, "local", json_boolean(
				ev[j].flags & PS_EP_LOCAL));
			/* hinted for this node's zone */
			json_object_set_new(e, "zoneHint", json_boolean(
				ev[j].flags & PS_EP_ZONE_MINE));
			json_object_set_new(e, "weight",
					    json_integer(ev[j].weight));
			json_object_set_new(e, "connections",
					    json_integer(ev[j].conns));
			json_object_set_new(e, "stats",
					    traffic_json(&ev[j].traffic));
			json_array_append_new(eps, e);
		}
		json_object_set_new(po, "endpoints", eps);
		json_array_append_new(arr, po);
	}
	free(ev);
	return arr;
}

static int
svc_list_cb(const struct ps_svc_spec *s, void *arg)
{
	json_array_append_new(arg, svc_json(s));
	return 0;
}

static void
rest_services_get(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	json_t *arr = json_array();

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_svc_walk(r->dp->svcs, svc_list_cb, arr);
	rest_reply(resp, 200, arr);
}

/* {ns} and {name} of /v1/services/{ns}/{name}[/endpoints]. */
static bool
ns_name(const struct ps_http_request *req, struct ps_http_response *resp,
	char *buf, size_t size, const char **ns, const char **name)
{
	const char *seg[6];
	int n = ps_http_path_segments(req->path, buf, size, seg, RTE_DIM(seg));

	if (n < 4 || seg[2][0] == '\0' || seg[3][0] == '\0') {
		rest_bad(resp, "expected /v1/services/{namespace}/{name}");
		return false;
	}
	*ns = seg[2];
	*name = seg[3];
	return true;
}

static void
svc_reply(struct ps_rest *r, struct ps_http_response *resp, int status,
	  const char *ns, const char *name)
{
	const struct ps_svc_spec *s = ps_svc_get(r->dp->svcs, ns, name);
	json_t *o;

	if (s == NULL) {
		ps_http_json_error(resp, 404, "not_found", "no service %s/%s",
				   ns, name);
		return;
	}
	o = svc_json(s);
	json_object_set_new(o, "endpoints",
			    svc_endpoints_json(r->dp->svcs, ns, name));
	rest_reply(resp, status, o);
}

static void
rest_service_get(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	const char *ns, *name;
	char buf[1024];

	RTE_SET_USED(arg);
	if (ns_name(req, resp, buf, sizeof(buf), &ns, &name))
		svc_reply(r, resp, 200, ns, name);
}

/* Parse the body as Kubernetes JSON; false after answering. */
static bool
parse_doc(const struct ps_http_request *req, struct ps_http_response *resp,
	  struct ps_k8s_doc *doc)
{
	struct ps_errors errs = { 0 };
	int rc;

	if (req->body_len == 0) {
		rest_bad(resp, "a JSON body is required");
		return false;
	}
	rc = ps_k8s_parse(req->body, req->body_len, doc, &errs);
	if (rc < 0)
		rest_reply_errors(resp, rc, &errs);
	ps_errors_free(&errs);
	return rc == 0;
}

static void
rest_service_put(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	struct ps_errors errs = { 0 };
	struct ps_k8s_doc doc;
	const char *ns, *name;
	char buf[1024];
	bool existed;
	int rc;

	RTE_SET_USED(arg);
	if (!ns_name(req, resp, buf, sizeof(buf), &ns, &name) ||
	    !parse_doc(req, resp, &doc))
		return;
	if (doc.nb_svcs != 1 || doc.nb_slices != 0) {
		rest_bad(resp, "$: expected one Service (got %u services and "
			 "%u EndpointSlices)", doc.nb_svcs, doc.nb_slices);
		ps_k8s_doc_free(&doc);
		return;
	}
	if (strcmp(doc.svcs[0].ns, ns) != 0 ||
	    strcmp(doc.svcs[0].name, name) != 0) {
		rest_bad(resp, "$.metadata: %s/%s does not match the path "
			 "%s/%s", doc.svcs[0].ns, doc.svcs[0].name, ns, name);
		ps_k8s_doc_free(&doc);
		return;
	}
	existed = ps_svc_get(r->dp->svcs, ns, name) != NULL;
	rc = ps_svc_apply(r->dp->svcs, &doc, &errs);
	ps_k8s_doc_free(&doc);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
	} else {
		ps_log_change("service", "%s/%s %s", ns, name,
			      existed ? "changed" : "added");
		svc_reply(r, resp, existed ? 200 : 201, ns, name);
	}
	ps_errors_free(&errs);
}

static void
rest_service_delete(struct ps_rest *r, const struct ps_http_request *req,
		    struct ps_http_response *resp, const char *arg)
{
	struct ps_errors errs = { 0 };
	struct ps_k8s_doc none = { 0 };
	const char *ns, *name;
	char buf[1024];

	RTE_SET_USED(arg);
	if (!ns_name(req, resp, buf, sizeof(buf), &ns, &name))
		return;
	if (ps_svc_delete(r->dp->svcs, ns, name) < 0) {
		ps_http_json_error(resp, 404, "not_found", "no service %s/%s",
				   ns, name);
		return;
	}
	/* Its EndpointSlices go with it, as Kubernetes garbage-collects
	 * them with their service. */
	ps_svc_replace_slices(r->dp->svcs, ns, name, &none, &errs);
	ps_errors_free(&errs);
	ps_log_change("service", "%s/%s deleted", ns, name);
	resp->status = 204;
}

static void
rest_service_endpoints_put(struct ps_rest *r,
			   const struct ps_http_request *req,
			   struct ps_http_response *resp, const char *arg)
{
	struct ps_errors errs = { 0 };
	struct ps_k8s_doc doc;
	const char *ns, *name;
	char buf[1024];
	unsigned int i;
	int rc;

	RTE_SET_USED(arg);
	if (!ns_name(req, resp, buf, sizeof(buf), &ns, &name) ||
	    !parse_doc(req, resp, &doc))
		return;
	/* A slice without the service-name label is the path's (the
	 * parser stored it as unusable for want of the label). */
	for (i = 0; i < doc.nb_slices; i++)
		if (doc.slices[i].service[0] == '\0') {
			snprintf(doc.slices[i].service,
				 sizeof(doc.slices[i].service), "%s", name);
			if (strncmp(doc.slices[i].skip_reason, "no label ",
				    9) == 0)
				doc.slices[i].skip_reason[0] = '\0';
		}
	rc = ps_svc_replace_slices(r->dp->svcs, ns, name, &doc, &errs);
	if (rc >= 0)
		ps_log_change("service", "%s/%s endpoints set (%u "
			      "EndpointSlices)", ns, name, doc.nb_slices);
	ps_k8s_doc_free(&doc);
	if (rc < 0)
		rest_reply_errors(resp, rc, &errs);
	else if (ps_svc_get(r->dp->svcs, ns, name) != NULL)
		svc_reply(r, resp, 200, ns, name);
	else
		/* slices wait for their service */
		rest_reply(resp, 202, json_pack("{s:s}", "status",
						"stored, no such service yet"));
	ps_errors_free(&errs);
}

PS_REST_ROUTE("GET", "/v1/services", rest_services_get);
PS_REST_ROUTE("GET", "/v1/services/*/*", rest_service_get);
PS_REST_ROUTE("PUT", "/v1/services/*/*", rest_service_put);
PS_REST_ROUTE("DELETE", "/v1/services/*/*", rest_service_delete);
PS_REST_ROUTE("PUT", "/v1/services/*/*/endpoints",
	      rest_service_endpoints_put);
