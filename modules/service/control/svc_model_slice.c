/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Kubernetes EndpointSlice -> struct ps_eps_spec: its endpoints (the
 * addresses, their conditions, node and zone hints) and its ports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_model.h"

#define LBL_SVC_NAME "kubernetes.io/service-name"
#define EPS_MAX_ADDRS 100	/* Kubernetes' own limit per endpoint */

static void
parse_addresses(const json_t *v, const char *pi, struct ps_eps_endpoint *ep,
		struct ps_errors *errs)
{
	const json_t *addrs = ps_json_array(v, pi, "addresses", K8S_REQ, errs);
	char pc[PS_JPATH_MAX], pa[PS_JPATH_MAX];
	const json_t *a;
	size_t k;

	if (addrs == NULL)
		return;
	ps_jpath_key(pc, pi, "addresses");
	if (json_array_size(addrs) == 0 ||
	    json_array_size(addrs) > EPS_MAX_ADDRS) {
		ps_errors_add(errs, pc, "must hold 1..%u addresses",
			      EPS_MAX_ADDRS);
		return;
	}
	ep->addrs = calloc(json_array_size(addrs), sizeof(*ep->addrs));
	json_array_foreach(addrs, k, a) {
		uint32_t ip;

		ps_jpath_idx(pa, pc, (unsigned int)k);
		if (!json_is_string(a) ||
		    ps_parse_ip4(json_string_value(a), &ip) < 0)
			ps_errors_add(errs, pa, "must be an IPv4 address "
				      "string");
		else if (ep->addrs != NULL)
			ep->addrs[ep->nb_addrs++] = ip;
	}
}

/* Kubernetes: an unset ready means ready; an unset serving follows
 * ready; an unset terminating is false. */
static void
parse_conditions(const json_t *v, const char *pi, struct ps_eps_endpoint *ep,
		 struct ps_errors *errs)
{
	const json_t *cond = ps_json_object(v, pi, "conditions", K8S, errs);
	bool ready = true, serving, terminating = false;
	char pc[PS_JPATH_MAX];

	ps_jpath_key(pc, pi, "conditions");
	if (cond != NULL)
		ps_json_bool(cond, pc, "ready", K8S, &ready, errs);
	serving = ready;
	if (cond != NULL) {
		ps_json_bool(cond, pc, "serving", K8S, &serving, errs);
		ps_json_bool(cond, pc, "terminating", K8S, &terminating, errs);
	}
	ep->flags = (ready ? PS_EP_READY : 0) |
		    (serving ? PS_EP_SERVING : 0) |
		    (terminating ? PS_EP_TERMINATING : 0);
}

/* hints.forZones: the zones whose nodes should use this endpoint
 * (topology-aware routing); hints.forNodes is not used. */
static void
parse_hints(const json_t *v, const char *pi, struct ps_eps_endpoint *ep,
	    struct ps_errors *errs)
{
	const json_t *h = ps_json_object(v, pi, "hints", K8S, errs);
	char ph[PS_JPATH_MAX], pz[PS_JPATH_MAX], pe[PS_JPATH_MAX];
	const json_t *zs, *z;
	size_t k;

	if (h == NULL)
		return;
	ps_jpath_key(ph, pi, "hints");
	zs = ps_json_array(h, ph, "forZones", K8S, errs);
	if (zs == NULL || json_array_size(zs) == 0)
		return;
	ps_jpath_key(pz, ph, "forZones");
	if (json_array_size(zs) > PS_EP_MAX_ZONE_HINTS) {
		ps_errors_add(errs, pz, "at most %u zones",
			      PS_EP_MAX_ZONE_HINTS);
		return;
	}
	ep->zones = calloc(json_array_size(zs), sizeof(*ep->zones));
	if (ep->zones == NULL) {
		ps_errors_add(errs, pz, "out of memory");
		return;
	}
	json_array_foreach(zs, k, z) {
		struct ps_zone_name *zn = &ep->zones[ep->nb_zones];

		ps_jpath_idx(pe, pz, (unsigned int)k);
		if (!json_is_object(z)) {
			ps_errors_add(errs, pe, "must be an object");
			continue;
		}
		if (ps_json_string(z, pe, "name", K8S_REQ, zn->name,
				   sizeof(zn->name), errs))
			ep->nb_zones++;
	}
}

static void
parse_slice_endpoints(const json_t *item, const char *path,
		      struct ps_eps_spec *es, struct ps_errors *errs)
{
	const json_t *arr = ps_json_array(item, path, "endpoints", K8S, errs);
	char p[PS_JPATH_MAX], pi[PS_JPATH_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	ps_jpath_key(p, path, "endpoints");
	es->endpoints = calloc(json_array_size(arr), sizeof(*es->endpoints));
	if (es->endpoints == NULL) {
		ps_errors_add(errs, p, "out of memory");
		return;
	}
	json_array_foreach(arr, i, v) {
		struct ps_eps_endpoint *ep = &es->endpoints[es->nb_endpoints++];

		ps_jpath_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			continue;
		}
		parse_addresses(v, pi, ep, errs);
		parse_conditions(v, pi, ep, errs);
		ps_json_string(v, pi, "nodeName", K8S, ep->node,
			       sizeof(ep->node), errs);
		parse_hints(v, pi, ep, errs);
	}
}

static void
parse_slice_ports(const json_t *item, const char *path,
		  struct ps_eps_spec *es, struct ps_errors *errs)
{
	const json_t *arr = ps_json_array(item, path, "ports", K8S, errs);
	char p[PS_JPATH_MAX], pi[PS_JPATH_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	ps_jpath_key(p, path, "ports");
	es->ports = calloc(json_array_size(arr), sizeof(*es->ports));
	if (es->ports == NULL) {
		ps_errors_add(errs, p, "out of memory");
		return;
	}
	json_array_foreach(arr, i, v) {
		struct ps_eps_port *pp = &es->ports[es->nb_ports];
		uint64_t n;

		ps_jpath_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			continue;
		}
		ps_json_string(v, pi, "name", K8S, pp->name, sizeof(pp->name),
			       errs);
		/* an SCTP port of a slice matches no service port we serve */
		pp->proto = k8s_parse_proto(v, pi, errs, true);
		if (ps_json_uint(v, pi, "port", K8S, 1, 65535, &n, errs))
			pp->port = (uint16_t)n;
		es->nb_ports++;
	}
}

int
k8s_parse_slice(const json_t *item, const char *path, struct ps_eps_spec *es,
		struct ps_errors *errs)
{
	unsigned int mark = ps_errors_seen(errs);
	const json_t *labels, *ann;
	char s[64], p[PS_JPATH_MAX];

	memset(es, 0, sizeof(*es));
	snprintf(es->path, sizeof(es->path), "%s", path[0] ? path : "(root)");
	if (ps_json_string(item, path, "apiVersion", K8S, s, sizeof(s), errs)
	    && strcmp(s, "discovery.k8s.io/v1") != 0 &&
	    strcmp(s, "discovery.k8s.io/v1beta1") != 0) {
		ps_jpath_key(p, path, "apiVersion");
		ps_errors_add(errs, p, "'%s': an EndpointSlice is "
			      "discovery.k8s.io/v1", s);
	}
	k8s_parse_meta(item, path, es->ns, es->name, &labels, &ann, errs);
	if (!k8s_meta_str(labels, path, "labels", LBL_SVC_NAME, es->service,
			  sizeof(es->service), errs) &&
	    ps_errors_seen(errs) == mark)
		snprintf(es->skip_reason, sizeof(es->skip_reason),
			 "no label %s", LBL_SVC_NAME);
	if (ps_json_string(item, path, "addressType", K8S_REQ, s, sizeof(s),
			   errs)) {
		/* longer values are errors below; a cut copy is harmless */
		if (snprintf(es->address_type, sizeof(es->address_type), "%s",
			     s) >= (int)sizeof(es->address_type))
			es->address_type[0] = '\0';
		if (strcmp(s, "IPv6") == 0 || strcmp(s, "FQDN") == 0) {
			snprintf(es->skip_reason, sizeof(es->skip_reason),
				 "addressType %s: IPv4 only", s);
			return ps_errors_seen(errs) == mark ? 0 : -EINVAL;
		}
		if (strcmp(s, "IPv4") != 0) {
			ps_jpath_key(p, path, "addressType");
			ps_errors_add(errs, p, "'%s': must be IPv4, IPv6 or "
				      "FQDN", s);
		}
	}
	parse_slice_endpoints(item, path, es, errs);
	parse_slice_ports(item, path, es, errs);
	return ps_errors_seen(errs) == mark ? 0 : -EINVAL;
}
