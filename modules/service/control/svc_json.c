/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stored Services and EndpointSlices back to Kubernetes JSON, in the
 * shapes svc_model.c parses: the state file keeps the services so
 * (--state-dir, rest_state.c) and applies them again at start, and
 * PUT /v1/services compares items in this form (ps_svc_replace_all).
 * GET /v1/services answers in its own flat shape (rest_services.c).
 */
#include <netinet/in.h>
#include <stdio.h>

#include "svc_private.h"

static json_t *
ip_str(uint32_t ip)
{
	char buf[PS_IP4_STRLEN];

	ps_ip4_fmt(buf, ip);
	return json_string(buf);
}

static const char *
proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_SCTP: return "SCTP";
	default: return "TCP";
	}
}

/* json_object_set_new on a NULL value fails and leaks nothing; the
 * caller checks the result once at the end. */
static int
set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v);
}

static json_t *
svc_annotations(const struct ps_svc_spec *s)
{
	json_t *a = json_object();
	unsigned int i;

	if (a == NULL)
		return NULL;
	set(a, "podswitch.io/scheduler", json_string(ps_svc_sched_name(s->sched)));
	if (s->sched == PS_SCHED_MAGLEV) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%u", s->maglev_size);
		set(a, "podswitch.io/maglev-table-size", json_string(buf));
	}
	if (s->nb_weights > 0) {
		char *buf = malloc(s->nb_weights * 24 + 1);
		size_t len = 0;

		if (buf == NULL)
			goto fail;
		buf[0] = '\0';
		for (i = 0; i < s->nb_weights; i++) {
			char ip[PS_IP4_STRLEN];

			ps_ip4_fmt(ip, s->weights[i].ip);
			len += snprintf(buf + len, 24 + 1, "%s%s=%u",
					i ? "," : "", ip, s->weights[i].weight);
		}
		set(a, "podswitch.io/wrr-weights", json_string(buf));
		free(buf);
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
svc_ports(const struct ps_svc_spec *s)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr != NULL && i < s->nb_ports; i++) {
		const struct ps_svc_port_spec *p = &s->ports[i];
		json_t *o = json_object();

		if (o == NULL || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
		if (p->name[0] != '\0')
			set(o, "name", json_string(p->name));
		set(o, "protocol", json_string(proto_name(p->proto)));
		set(o, "port", json_integer(p->port));
		if (p->target_port != 0)
			set(o, "targetPort", json_integer(p->target_port));
		else
			set(o, "targetPort", json_string(p->target_name));
		if (p->node_port != 0)
			set(o, "nodePort", json_integer(p->node_port));
	}
	return arr;
}

static json_t *
ip_array(const uint32_t *ips, unsigned int n)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, ip_str(ips[i]));
	return arr;
}

json_t *
ps_k8s_svc_to_json(const struct ps_svc_spec *s)
{
	json_t *o = json_object(), *md = json_object(), *spec = json_object();
	json_t *st = json_object(), *lb = json_object(), *labels = NULL;
	unsigned int i;

	if (o == NULL || md == NULL || spec == NULL || st == NULL ||
	    lb == NULL)
		goto fail;
	set(o, "apiVersion", json_string("v1"));
	set(o, "kind", json_string("Service"));
	set(o, "metadata", md);
	md = NULL;
	set(json_object_get(o, "metadata"), "namespace", json_string(s->ns));
	set(json_object_get(o, "metadata"), "name", json_string(s->name));
	set(json_object_get(o, "metadata"), "annotations",
	    svc_annotations(s));
	if (s->proxy_label || s->headless_label) {
		labels = json_object();
		if (s->proxy_label)
			set(labels, "service.kubernetes.io/service-proxy-name",
			    json_string(s->proxy_name));
		if (s->headless_label)
			set(labels, "service.kubernetes.io/headless",
			    json_string(""));
		set(json_object_get(o, "metadata"), "labels", labels);
	}
	set(o, "spec", spec);
	set(spec, "type", json_string(ps_svc_type_name(s->type)));
	if (s->type == PS_SVC_EXTERNAL_NAME) {
		set(spec, "externalName", json_string(s->external_name ?
						      s->external_name : ""));
		if (s->nb_ports > 0)
			set(spec, "ports", svc_ports(s));
	} else {
		if (s->headless)
			set(spec, "clusterIP", json_string("None"));
		else if (s->cluster_ip != 0)
			set(spec, "clusterIP", ip_str(s->cluster_ip));
		set(spec, "ports", svc_ports(s));
		set(spec, "sessionAffinity", json_string(s->affinity ?
							 "ClientIP" : "None"));
		if (s->affinity)
			set(spec, "sessionAffinityConfig", json_pack(
			    "{s:{s:I}}", "clientIP", "timeoutSeconds",
			    (json_int_t)s->affinity_timeout));
		set(spec, "internalTrafficPolicy",
		    json_string(ps_svc_policy_name(s->itp)));
		if (s->type != PS_SVC_CLUSTER_IP)
			set(spec, "externalTrafficPolicy",
			    json_string(ps_svc_policy_name(s->etp)));
		if (s->nb_external_ips > 0)
			set(spec, "externalIPs",
			    ip_array(s->external_ips, s->nb_external_ips));
		if (s->health_check_node_port != 0)
			set(spec, "healthCheckNodePort",
			    json_integer(s->health_check_node_port));
	}
	if (s->nb_src_ranges > 0) {
		json_t *arr = json_array();

		for (i = 0; arr != NULL && i < s->nb_src_ranges; i++) {
			char buf[PS_PREFIX4_STRLEN];

			ps_prefix4_fmt(buf, &s->src_ranges[i]);
			json_array_append_new(arr, json_string(buf));
		}
		set(spec, "loadBalancerSourceRanges", arr);
	}
	/* loadBalancerIP was merged into the ingress IPs when parsed */
	set(o, "status", st);
	set(st, "loadBalancer", lb);
	if (s->nb_lb_ips > 0) {
		json_t *ing = json_array();

		for (i = 0; ing != NULL && i < s->nb_lb_ips; i++)
			json_array_append_new(ing, json_pack("{s:o}", "ip",
						ip_str(s->lb_ips[i])));
		set(lb, "ingress", ing);
	}
	return o;
fail:
	json_decref(o);
	json_decref(md);
	json_decref(spec);
	json_decref(st);
	json_decref(lb);
	return NULL;
}

json_t *
ps_k8s_slice_to_json(const struct ps_eps_spec *s)
{
	json_t *o = json_object(), *eps = json_array(), *ports = json_array();
	unsigned int i, j;

	if (o == NULL || eps == NULL || ports == NULL) {
		json_decref(o);
		json_decref(eps);
		json_decref(ports);
		return NULL;
	}
	set(o, "apiVersion", json_string("discovery.k8s.io/v1"));
	set(o, "kind", json_string("EndpointSlice"));
	set(o, "metadata", json_pack("{s:s,s:s}", "namespace", s->ns, "name",
				     s->name));
	if (s->service[0] != '\0')
		set(json_object_get(o, "metadata"), "labels",
		    json_pack("{s:s}", "kubernetes.io/service-name",
			      s->service));
	set(o, "addressType", json_string(s->address_type[0] ?
					  s->address_type : "IPv4"));
	for (i = 0; i < s->nb_endpoints; i++) {
		const struct ps_eps_endpoint *e = &s->endpoints[i];
		json_t *addrs = json_array(), *ep;

		for (j = 0; addrs != NULL && j < e->nb_addrs; j++)
			json_array_append_new(addrs, ip_str(e->addrs[j]));
		ep = json_pack("{s:o,s:{s:b,s:b,s:b}}", "addresses", addrs,
			       "conditions",
			       "ready", !!(e->flags & PS_EP_READY),
			       "serving", !!(e->flags & PS_EP_SERVING),
			       "terminating", !!(e->flags & PS_EP_TERMINATING));
		if (ep != NULL && e->node[0] != '\0')
			set(ep, "nodeName", json_string(e->node));
		if (ep != NULL && e->nb_zones > 0) {
			json_t *zs = json_array();

			for (j = 0; zs != NULL && j < e->nb_zones; j++)
				json_array_append_new(zs, json_pack(
					"{s:s}", "name", e->zones[j].name));
			set(ep, "hints", json_pack("{s:o}", "forZones", zs));
		}
		json_array_append_new(eps, ep);
	}
	set(o, "endpoints", eps);
	for (i = 0; i < s->nb_ports; i++) {
		const struct ps_eps_port *p = &s->ports[i];
		json_t *po = json_pack("{s:s,s:s}", "name", p->name,
				       "protocol", proto_name(p->proto));

		if (po != NULL && p->port != 0)
			set(po, "port", json_integer(p->port));
		json_array_append_new(ports, po);
	}
	set(o, "ports", ports);
	return o;
}
