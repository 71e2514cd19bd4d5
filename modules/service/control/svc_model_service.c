/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Kubernetes Service -> struct ps_svc_spec: type, VIPs, ports, traffic
 * policies, affinity, the load balancer's addresses, and our scheduler
 * annotations. Fields we do not use are accepted unseen.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "svc_model.h"

#define ANN_SCHED "podswitch.io/scheduler"
#define ANN_WEIGHTS "podswitch.io/wrr-weights"
#define ANN_MAGLEV "podswitch.io/maglev-table-size"
#define LBL_PROXY "service.kubernetes.io/service-proxy-name"
#define LBL_HEADLESS "service.kubernetes.io/headless"
#define MAGLEV_MIN 251
#define MAGLEV_MAX 1048573
#define AFFINITY_MAX_S 86400

const char *
ps_svc_type_name(enum ps_svc_type t)
{
	switch (t) {
	case PS_SVC_CLUSTER_IP: return "ClusterIP";
	case PS_SVC_NODE_PORT: return "NodePort";
	case PS_SVC_LOAD_BALANCER: return "LoadBalancer";
	case PS_SVC_EXTERNAL_NAME: return "ExternalName";
	}
	return "unknown";
}

const char *
ps_svc_sched_name(enum ps_svc_sched s)
{
	static const char *const names[PS_SCHED_MAX] = {
		[PS_SCHED_RR] = "rr", [PS_SCHED_WRR] = "wrr",
		[PS_SCHED_LC] = "lc", [PS_SCHED_SH] = "sh",
		[PS_SCHED_MAGLEV] = "maglev",
	};

	return (unsigned int)s < PS_SCHED_MAX ? names[s] : "unknown";
}

const char *
ps_svc_policy_name(enum ps_svc_policy p)
{
	return p == PS_POLICY_LOCAL ? "Local" : "Cluster";
}

static bool
is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static void
parse_weights(const char *s, const char *path, struct ps_svc_spec *sp,
	      struct ps_errors *errs)
{
	char *copy = strdup(s), *tok, *save = NULL;

	if (copy == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return;
	}
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		char *eq = strchr(tok, '='), *end;
		struct ps_wrr_weight *grown;
		unsigned long w;
		uint32_t ip;

		if (eq == NULL) {
			ps_errors_add(errs, path, "'%s' is not IP=WEIGHT", tok);
			break;
		}
		*eq = '\0';
		w = strtoul(eq + 1, &end, 10);
		if (ps_parse_ip4(tok, &ip) < 0 || *end != '\0' ||
		    eq[1] == '\0' || w > PS_SVC_WEIGHT_MAX) {
			ps_errors_add(errs, path, "'%s=%s': need IPv4=0..%u",
				      tok, eq + 1, PS_SVC_WEIGHT_MAX);
			break;
		}
		grown = realloc(sp->weights, (sp->nb_weights + 1) *
				sizeof(*grown));
		if (grown == NULL) {
			ps_errors_add(errs, path, "out of memory");
			break;
		}
		sp->weights = grown;
		sp->weights[sp->nb_weights].ip = ip;
		sp->weights[sp->nb_weights++].weight = (uint16_t)w;
	}
	free(copy);
}

static void
parse_annotations(const json_t *ann, const char *path, struct ps_svc_spec *sp,
		  struct ps_errors *errs)
{
	char s[4096], p[PS_JPATH_MAX], pm[PS_JPATH_MAX], pa[PS_JPATH_MAX];

	sp->sched = PS_SCHED_RR;
	sp->maglev_size = PS_SVC_MAGLEV_DEFAULT;
	if (ann == NULL)
		return;
	ps_jpath_key(pm, path, "metadata");
	ps_jpath_key(pa, pm, "annotations");
	if (k8s_meta_str(ann, path, "annotations", ANN_SCHED, s, sizeof(s),
			 errs)) {
		unsigned int i;

		for (i = 0; i < PS_SCHED_MAX; i++)
			if (strcmp(s, ps_svc_sched_name(i)) == 0)
				break;
		if (i == PS_SCHED_MAX) {
			ps_jpath_key(p, pa, ANN_SCHED);
			ps_errors_add(errs, p, "'%s': must be rr, wrr, lc, sh "
				      "or maglev", s);
		} else {
			sp->sched = i;
		}
	}
	if (k8s_meta_str(ann, path, "annotations", ANN_WEIGHTS, s, sizeof(s),
			 errs)) {
		ps_jpath_key(p, pa, ANN_WEIGHTS);
		parse_weights(s, p, sp, errs);
	}
	if (k8s_meta_str(ann, path, "annotations", ANN_MAGLEV, s, sizeof(s),
			 errs)) {
		char *end;
		unsigned long m = strtoul(s, &end, 10);

		ps_jpath_key(p, pa, ANN_MAGLEV);
		if (s[0] == '\0' || *end != '\0' || m < MAGLEV_MIN ||
		    m > MAGLEV_MAX || !is_prime((uint32_t)m))
			ps_errors_add(errs, p, "'%s': must be a prime %u..%u",
				      s, MAGLEV_MIN, MAGLEV_MAX);
		else
			sp->maglev_size = (uint32_t)m;
	}
}

/* "targetPort": a number, a named port of the pods, or absent (port). */
static void
parse_target_port(const json_t *v, const char *pi,
		  struct ps_svc_port_spec *ps, struct ps_errors *errs)
{
	const json_t *tp = ps_json_get(v, "targetPort", K8S);
	char pk[PS_JPATH_MAX];

	ps_jpath_key(pk, pi, "targetPort");
	if (tp == NULL) {
		ps->target_port = ps->port;
	} else if (json_is_integer(tp)) {
		if (json_integer_value(tp) < 1 ||
		    json_integer_value(tp) > 65535)
			ps_errors_add(errs, pk, "must be 1..65535");
		ps->target_port = (uint16_t)json_integer_value(tp);
	} else if (json_is_string(tp)) {
		const char *s = json_string_value(tp);

		if (s[0] == '\0' || strlen(s) > 15 ||
		    strspn(s, "0123456789") == strlen(s))
			ps_errors_add(errs, pk, "'%s' is not a port name "
				      "(1..15 characters, not all digits)", s);
		else
			strcpy(ps->target_name, s);
	} else {
		ps_errors_add(errs, pk, "must be a port number or a port name");
	}
}

/* Problems of port i against the ports before it. */
static void
check_port_twice(const struct ps_svc_spec *sp,
		 const struct ps_svc_port_spec *ps, const char *pi,
		 struct ps_errors *errs)
{
	char pk[PS_JPATH_MAX];
	unsigned int j;

	for (j = 0; j < sp->nb_ports; j++) {
		if (ps->port != 0 && sp->ports[j].port == ps->port &&
		    sp->ports[j].proto == ps->proto)
			ps_errors_add(errs, pi, "port %u/%s twice", ps->port,
				      ps->proto == IPPROTO_TCP ? "TCP" : "UDP");
		if (strcmp(sp->ports[j].name, ps->name) == 0) {
			ps_jpath_key(pk, pi, "name");
			ps_errors_add(errs, pk, "'%s' twice: ports of a "
				      "service need distinct names", ps->name);
		}
	}
}

static void
parse_svc_ports(const json_t *spec, const char *path, struct ps_svc_spec *sp,
		struct ps_errors *errs)
{
	const json_t *arr = ps_json_array(spec, path, "ports", K8S, errs);
	char p[PS_JPATH_MAX], pi[PS_JPATH_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	ps_jpath_key(p, path, "ports");
	sp->ports = calloc(json_array_size(arr), sizeof(*sp->ports));
	if (sp->ports == NULL) {
		ps_errors_add(errs, p, "out of memory");
		return;
	}
	json_array_foreach(arr, i, v) {
		struct ps_svc_port_spec *ps = &sp->ports[sp->nb_ports];
		uint64_t n;

		ps_jpath_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			continue;
		}
		ps_json_string(v, pi, "name", K8S, ps->name, sizeof(ps->name),
			       errs);
		ps->proto = k8s_parse_proto(v, pi, errs, false);
		if (ps_json_uint(v, pi, "port", K8S_REQ, 1, 65535, &n, errs))
			ps->port = (uint16_t)n;
		if (ps_json_uint(v, pi, "nodePort", K8S, 0, 65535, &n, errs))
			ps->node_port = (uint16_t)n;
		parse_target_port(v, pi, ps, errs);
		check_port_twice(sp, ps, pi, errs);
		sp->nb_ports++;
	}
}

static void
parse_policy(const json_t *spec, const char *path, const char *key,
	     enum ps_svc_policy *out, struct ps_errors *errs)
{
	char s[16] = "Cluster", p[PS_JPATH_MAX];

	*out = PS_POLICY_CLUSTER;
	if (!ps_json_string(spec, path, key, K8S, s, sizeof(s), errs))
		return;
	/* "Global" is the pre-1.0 name of Cluster, still accepted by the
	 * API server for externalTrafficPolicy. */
	if (strcmp(s, "Local") == 0) {
		*out = PS_POLICY_LOCAL;
	} else if (strcmp(s, "Cluster") != 0 && strcmp(s, "Global") != 0) {
		ps_jpath_key(p, path, key);
		ps_errors_add(errs, p, "'%s': must be Cluster or Local", s);
	}
}

static void
parse_cluster_ip(const json_t *spec, const char *path, struct ps_svc_spec *sp,
		 struct ps_errors *errs)
{
	char s[64] = "", p[PS_JPATH_MAX], pi[PS_JPATH_MAX];
	const json_t *arr, *v;
	size_t i;

	if (ps_json_string(spec, path, "clusterIP", K8S, s, sizeof(s), errs)) {
		ps_jpath_key(p, path, "clusterIP");
		if (strcmp(s, "None") == 0)
			sp->headless = true;
		else if (s[0] != '\0' && k8s_parse_ip(s, &sp->cluster_ip) < 0)
			ps_errors_add(errs, p, "'%s' is not an IP address or "
				      "None", s);
	}
	arr = ps_json_array(spec, path, "clusterIPs", K8S, errs);
	if (arr == NULL)
		return;
	ps_jpath_key(p, path, "clusterIPs");
	json_array_foreach(arr, i, v) {
		uint32_t ip;
		int r;

		ps_jpath_idx(pi, p, (unsigned int)i);
		if (!json_is_string(v)) {
			ps_errors_add(errs, pi, "must be a string");
			continue;
		}
		if (strcmp(json_string_value(v), "None") == 0) {
			sp->headless = true;
			continue;
		}
		r = k8s_parse_ip(json_string_value(v), &ip);
		if (r < 0)
			ps_errors_add(errs, pi, "'%s' is not an IP address",
				      json_string_value(v));
		else if (r == 1 && sp->cluster_ip == 0)
			/* dual stack with IPv6 primary: our family's VIP */
			sp->cluster_ip = ip;
	}
}

/* loadBalancerSourceRanges: who may reach the load balancer's IPs. */
static void
parse_src_ranges(const json_t *spec, const char *spath,
		 struct ps_svc_spec *sp, struct ps_errors *errs)
{
	const json_t *arr = ps_json_array(spec, spath,
					  "loadBalancerSourceRanges", K8S, errs);
	char p[PS_JPATH_MAX], pi[PS_JPATH_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	ps_jpath_key(p, spath, "loadBalancerSourceRanges");
	sp->src_ranges = calloc(json_array_size(arr), sizeof(*sp->src_ranges));
	json_array_foreach(arr, i, v) {
		struct ps_prefix4 pf;
		char buf[64];

		ps_jpath_idx(pi, p, (unsigned int)i);
		if (!json_is_string(v)) {
			ps_errors_add(errs, pi, "must be a string");
			continue;
		}
		/* Kubernetes trims blanks and takes host bits */
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		if (ps_parse_prefix4(buf, &pf) < 0) {
			ps_errors_add(errs, pi, "'%s' is not an IPv4 CIDR",
				      json_string_value(v));
			continue;
		}
		pf.addr = ps_prefix4_net(pf.addr, pf.len);
		if (sp->src_ranges != NULL)
			sp->src_ranges[sp->nb_src_ranges++] = pf;
	}
}

/* status.loadBalancer.ingress[].ip: the addresses the cloud gave it. */
static void
parse_lb_ingress(const json_t *item, const char *path,
		 struct ps_svc_spec *sp, struct ps_errors *errs)
{
	char p[PS_JPATH_MAX], pl[PS_JPATH_MAX], pi[PS_JPATH_MAX], s[64];
	const json_t *st, *lb, *ing, *v;
	size_t i;

	st = ps_json_object(item, path, "status", K8S, errs);
	if (st == NULL)
		return;
	ps_jpath_key(p, path, "status");
	lb = ps_json_object(st, p, "loadBalancer", K8S, errs);
	if (lb == NULL)
		return;
	ps_jpath_key(pl, p, "loadBalancer");
	ing = ps_json_array(lb, pl, "ingress", K8S, errs);
	if (ing == NULL)
		return;
	ps_jpath_key(p, pl, "ingress");
	json_array_foreach(ing, i, v) {
		char mode[16] = "VIP";
		uint32_t *grown, ip;
		int r;

		ps_jpath_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			continue;
		}
		ps_json_string(v, pi, "ipMode", K8S, mode, sizeof(mode), errs);
		if (!ps_json_string(v, pi, "ip", K8S, s, sizeof(s), errs))
			continue;	/* hostname-only ingress */
		r = k8s_parse_ip(s, &ip);
		if (r < 0) {
			char pk[PS_JPATH_MAX];

			ps_jpath_key(pk, pi, "ip");
			ps_errors_add(errs, pk, "'%s' is not an IP address", s);
			continue;
		}
		/* ipMode Proxy: the load balancer proxies to the node
		 * itself, kube-proxy does not capture its IP either */
		if (r == 0 || strcmp(mode, "Proxy") == 0)
			continue;
		grown = realloc(sp->lb_ips, (sp->nb_lb_ips + 1) * sizeof(ip));
		if (grown == NULL)
			continue;
		sp->lb_ips = grown;
		sp->lb_ips[sp->nb_lb_ips++] = ip;
	}
}

static void
parse_lb(const json_t *item, const json_t *spec, const char *path,
	 const char *spath, struct ps_svc_spec *sp, struct ps_errors *errs)
{
	char s[64], p[PS_JPATH_MAX];

	if (ps_json_string(spec, spath, "loadBalancerIP", K8S, s, sizeof(s),
			   errs) && s[0] != '\0') {
		uint32_t ip;
		int r = k8s_parse_ip(s, &ip);

		ps_jpath_key(p, spath, "loadBalancerIP");
		if (r < 0) {
			ps_errors_add(errs, p, "'%s' is not an IP address", s);
		} else if (r == 1) {
			sp->lb_ips = malloc(sizeof(*sp->lb_ips));
			if (sp->lb_ips != NULL)
				sp->lb_ips[sp->nb_lb_ips++] = ip;
		}
	}
	parse_src_ranges(spec, spath, sp, errs);
	parse_lb_ingress(item, path, sp, errs);
}

static void
parse_type(const json_t *spec, const char *spath, struct ps_svc_spec *sp,
	   struct ps_errors *errs)
{
	char s[PS_K8S_NAME_MAX], p[PS_JPATH_MAX];
	enum ps_svc_type t;

	sp->type = PS_SVC_CLUSTER_IP;
	if (!ps_json_string(spec, spath, "type", K8S, s, sizeof(s), errs))
		return;
	for (t = PS_SVC_CLUSTER_IP; t <= PS_SVC_EXTERNAL_NAME; t++)
		if (strcmp(s, ps_svc_type_name(t)) == 0)
			break;
	if (t > PS_SVC_EXTERNAL_NAME) {
		ps_jpath_key(p, spath, "type");
		ps_errors_add(errs, p, "'%s': must be ClusterIP, NodePort, "
			      "LoadBalancer or ExternalName", s);
	} else {
		sp->type = t;
	}
}

/* sessionAffinity and its timeout. */
static void
parse_affinity(const json_t *spec, const char *spath, struct ps_svc_spec *sp,
	       struct ps_errors *errs)
{
	char s[PS_K8S_NAME_MAX], p[PS_JPATH_MAX], pc[PS_JPATH_MAX];
	const json_t *cfg;
	uint64_t n;

	sp->affinity_timeout = PS_SVC_AFFINITY_DEFAULT_S;
	if (ps_json_string(spec, spath, "sessionAffinity", K8S, s, sizeof(s),
			   errs)) {
		if (strcmp(s, "ClientIP") == 0) {
			sp->affinity = true;
		} else if (strcmp(s, "None") != 0) {
			ps_jpath_key(p, spath, "sessionAffinity");
			ps_errors_add(errs, p, "'%s': must be None or ClientIP",
				      s);
		}
	}
	cfg = ps_json_object(spec, spath, "sessionAffinityConfig", K8S, errs);
	if (cfg == NULL)
		return;
	ps_jpath_key(p, spath, "sessionAffinityConfig");
	cfg = ps_json_object(cfg, p, "clientIP", K8S, errs);
	ps_jpath_key(pc, p, "clientIP");
	if (cfg != NULL && ps_json_uint(cfg, pc, "timeoutSeconds", K8S, 1,
					AFFINITY_MAX_S, &n, errs))
		sp->affinity_timeout = (uint32_t)n;
}

/* Stored and listed, not programmed: the cases kube-proxy leaves alone. */
static void
skip_reason(struct ps_svc_spec *sp)
{
	if (sp->type == PS_SVC_EXTERNAL_NAME)
		snprintf(sp->skip_reason, sizeof(sp->skip_reason),
			 "ExternalName: DNS only");
	else if (sp->proxy_label)
		snprintf(sp->skip_reason, sizeof(sp->skip_reason),
			 "label %s: another proxy's", LBL_PROXY);
	else if (sp->headless_label)
		snprintf(sp->skip_reason, sizeof(sp->skip_reason),
			 "label %s", LBL_HEADLESS);
	else if (sp->headless)
		snprintf(sp->skip_reason, sizeof(sp->skip_reason),
			 "headless (clusterIP None)");
	else if (sp->cluster_ip == 0)
		snprintf(sp->skip_reason, sizeof(sp->skip_reason),
			 "no IPv4 clusterIP");
}

/* apiVersion, metadata, labels and annotations of a Service. */
static void
parse_svc_meta(const json_t *item, const char *path, struct ps_svc_spec *sp,
	       struct ps_errors *errs)
{
	const json_t *labels, *ann;
	char s[PS_K8S_NAME_MAX], p[PS_JPATH_MAX];

	if (ps_json_string(item, path, "apiVersion", K8S, s, sizeof(s), errs)
	    && strcmp(s, "v1") != 0) {
		ps_jpath_key(p, path, "apiVersion");
		ps_errors_add(errs, p, "'%s': a Service is v1", s);
	}
	k8s_parse_meta(item, path, sp->ns, sp->name, &labels, &ann, errs);
	parse_annotations(ann, path, sp, errs);
	/* presence is what counts (kube-proxy selects on it) */
	sp->proxy_label = labels != NULL &&
			  ps_json_get(labels, LBL_PROXY, K8S) != NULL;
	if (sp->proxy_label)
		k8s_meta_str(labels, path, "labels", LBL_PROXY, sp->proxy_name,
			     sizeof(sp->proxy_name), errs);
	sp->headless_label = labels != NULL &&
			     json_object_get(labels, LBL_HEADLESS) != NULL;
}

int
k8s_parse_service(const json_t *item, const char *path,
		  struct ps_svc_spec *sp, struct ps_errors *errs)
{
	unsigned int mark = ps_errors_seen(errs);
	char s[PS_K8S_NAME_MAX], spath[PS_JPATH_MAX], p[PS_JPATH_MAX];
	const json_t *spec;
	uint64_t n;

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->path, sizeof(sp->path), "%s", path[0] ? path : "(root)");
	parse_svc_meta(item, path, sp, errs);
	spec = ps_json_object(item, path, "spec", K8S_REQ, errs);
	if (spec == NULL)
		return -EINVAL;
	ps_jpath_key(spath, path, "spec");
	parse_type(spec, spath, sp, errs);
	parse_cluster_ip(spec, spath, sp, errs);
	parse_svc_ports(spec, spath, sp, errs);
	parse_affinity(spec, spath, sp, errs);
	parse_policy(spec, spath, "externalTrafficPolicy", &sp->etp, errs);
	parse_policy(spec, spath, "internalTrafficPolicy", &sp->itp, errs);
	k8s_get_ip_list(spec, spath, "externalIPs", &sp->external_ips,
			&sp->nb_external_ips, errs);
	parse_lb(item, spec, path, spath, sp, errs);
	if (ps_json_uint(spec, spath, "healthCheckNodePort", K8S, 0, 65535, &n,
			 errs))
		sp->health_check_node_port = (uint16_t)n;
	if (ps_json_string(spec, spath, "externalName", K8S, s, sizeof(s),
			   errs) && sp->type == PS_SVC_EXTERNAL_NAME)
		sp->external_name = strdup(s);
	/* the checks of the whole, once its parts are good */
	if (ps_errors_seen(errs) == mark) {
		if (sp->type == PS_SVC_EXTERNAL_NAME &&
		    sp->external_name == NULL) {
			ps_jpath_key(p, spath, "externalName");
			ps_errors_add(errs, p, "required for type ExternalName");
		} else if (sp->type != PS_SVC_EXTERNAL_NAME &&
			   sp->nb_ports == 0 && !sp->headless) {
			ps_jpath_key(p, spath, "ports");
			ps_errors_add(errs, p, "a %s service needs at least "
				      "one port", ps_svc_type_name(sp->type));
		}
	}
	if (ps_errors_seen(errs) != mark)
		return -EINVAL;
	skip_reason(sp);
	return 0;
}
