/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kubernetes JSON -> struct ps_svc_spec / ps_eps_spec. Kubernetes prints
 * many fields we do not use (uid, managedFields, status.conditions...):
 * those are accepted unseen. Fields we use are checked for type and value
 * and every problem is reported with its path from the document root. A
 * JSON null is taken as "absent", as Kubernetes itself does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "svc_private.h"

#define JP_MAX 256
#define ANN_SCHED "podswitch.io/scheduler"
#define ANN_WEIGHTS "podswitch.io/wrr-weights"
#define ANN_MAGLEV "podswitch.io/maglev-table-size"
#define LBL_PROXY "service.kubernetes.io/service-proxy-name"
#define LBL_HEADLESS "service.kubernetes.io/headless"
#define LBL_SVC_NAME "kubernetes.io/service-name"
#define MAGLEV_MIN 251
#define MAGLEV_MAX 1048573
#define AFFINITY_MAX_S 86400
#define EPS_MAX_ADDRS 100	/* Kubernetes' own limit per endpoint */

/* Paths are cut at JP_MAX: an error message, not a key. */
static void
jp_key(char *out, const char *parent, const char *key)
{
	int n;

	if (parent[0] == '\0')
		n = snprintf(out, JP_MAX, "%s", key);
	else if (strpbrk(key, "./") != NULL)
		n = snprintf(out, JP_MAX, "%s[\"%s\"]", parent, key);
	else
		n = snprintf(out, JP_MAX, "%s.%s", parent, key);
	if (n >= JP_MAX)
		out[JP_MAX - 1] = '\0';
}

static void
jp_idx(char *out, const char *parent, unsigned int i)
{
	if (snprintf(out, JP_MAX, "%s[%u]", parent, i) >= JP_MAX)
		out[JP_MAX - 1] = '\0';
}

static const json_t *
get(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* The member or NULL; a wrong type is reported and *bad set. */
static const json_t *
get_typed(const json_t *obj, const char *path, const char *key,
	  json_type type, const char *tname, bool required, bool *bad,
	  struct ps_errors *errs)
{
	const json_t *v = get(obj, key);
	char p[JP_MAX];

	if (v == NULL) {
		if (required) {
			jp_key(p, path, key);
			ps_errors_add(errs, p, "required");
			*bad = true;
		}
		return NULL;
	}
	if (json_typeof(v) != type) {
		jp_key(p, path, key);
		ps_errors_add(errs, p, "must be %s", tname);
		*bad = true;
		return NULL;
	}
	return v;
}

#define get_obj(o, p, k, r, b, e) get_typed(o, p, k, JSON_OBJECT, "an object", r, b, e)
#define get_arr(o, p, k, r, b, e) get_typed(o, p, k, JSON_ARRAY, "an array", r, b, e)

/* true when present and valid; out untouched otherwise. */
static bool
get_str(const json_t *obj, const char *path, const char *key, bool required,
	char *out, size_t len, bool *bad, struct ps_errors *errs)
{
	const json_t *v = get_typed(obj, path, key, JSON_STRING, "a string",
				    required, bad, errs);
	char p[JP_MAX];

	if (v == NULL)
		return false;
	if (json_string_length(v) >= len) {
		jp_key(p, path, key);
		ps_errors_add(errs, p, "too long (at most %zu characters)",
			      len - 1);
		*bad = true;
		return false;
	}
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return true;
}

static bool
get_int(const json_t *obj, const char *path, const char *key, bool required,
	json_int_t min, json_int_t max, json_int_t *out, bool *bad,
	struct ps_errors *errs)
{
	const json_t *v = get(obj, key);
	char p[JP_MAX];

	jp_key(p, path, key);
	if (v == NULL) {
		if (required) {
			ps_errors_add(errs, p, "required");
			*bad = true;
		}
		return false;
	}
	if (!json_is_integer(v)) {
		ps_errors_add(errs, p, "must be an integer");
		*bad = true;
		return false;
	}
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		ps_errors_add(errs, p, "must be %lld..%lld", (long long)min,
			      (long long)max);
		*bad = true;
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

static bool
get_bool(const json_t *obj, const char *path, const char *key, bool *out,
	 bool *bad, struct ps_errors *errs)
{
	const json_t *v = get(obj, key);
	char p[JP_MAX];

	if (v == NULL)
		return false;
	if (!json_is_boolean(v)) {
		jp_key(p, path, key);
		ps_errors_add(errs, p, "must be true or false");
		*bad = true;
		return false;
	}
	*out = json_is_true(v);
	return true;
}

/* 1 = IPv4 (in *ip), 0 = IPv6 (valid, not served), -1 = neither. */
static int
parse_ip(const char *s, uint32_t *ip)
{
	struct in6_addr a6;

	if (ps_parse_ip4(s, ip) == 0)
		return 1;
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return 0;
	return -1;
}

/* An array of IP strings; IPv6 ones are skipped. Appends to *out. */
static void
get_ip_list(const json_t *obj, const char *path, const char *key,
	    uint32_t **out, unsigned int *n, bool *bad, struct ps_errors *errs)
{
	const json_t *arr = get_arr(obj, path, key, false, bad, errs);
	char p[JP_MAX], pi[JP_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL)
		return;
	jp_key(p, path, key);
	json_array_foreach(arr, i, v) {
		uint32_t ip, *grown;

		jp_idx(pi, p, (unsigned int)i);
		if (!json_is_string(v)) {
			ps_errors_add(errs, pi, "must be a string");
			*bad = true;
			continue;
		}
		switch (parse_ip(json_string_value(v), &ip)) {
		case 1:
			grown = realloc(*out, (*n + 1) * sizeof(**out));
			if (grown == NULL) {
				ps_errors_add(errs, pi, "out of memory");
				*bad = true;
				return;
			}
			*out = grown;
			(*out)[(*n)++] = ip;
			break;
		case 0:
			break;
		default:
			ps_errors_add(errs, pi, "'%s' is not an IP address",
				      json_string_value(v));
			*bad = true;
		}
	}
}

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

static uint8_t
parse_proto(const json_t *obj, const char *path, bool *bad,
	    struct ps_errors *errs, bool sctp_ok)
{
	char s[16] = "TCP", p[JP_MAX];

	get_str(obj, path, "protocol", false, s, sizeof(s), bad, errs);
	if (strcmp(s, "TCP") == 0)
		return IPPROTO_TCP;
	if (strcmp(s, "UDP") == 0)
		return IPPROTO_UDP;
	jp_key(p, path, "protocol");
	if (strcmp(s, "SCTP") == 0) {
		if (sctp_ok)
			return IPPROTO_SCTP;
		ps_errors_add(errs, p, "SCTP is not supported (TCP or UDP)");
	} else {
		ps_errors_add(errs, p, "must be TCP or UDP");
	}
	*bad = true;
	return 0;
}

/* metadata.{name,namespace}; labels/annotations objects are returned. */
static void
parse_meta(const json_t *item, const char *path, char *ns, char *name,
	   const json_t **labels, const json_t **ann, bool *bad,
	   struct ps_errors *errs)
{
	const json_t *md = get_obj(item, path, "metadata", true, bad, errs);
	char p[JP_MAX];

	*labels = *ann = NULL;
	strcpy(ns, "default");
	if (md == NULL)
		return;
	jp_key(p, path, "metadata");
	if (get_str(md, p, "name", true, name, PS_K8S_NAME_MAX, bad, errs) &&
	    name[0] == '\0') {
		char pn[JP_MAX];

		jp_key(pn, p, "name");
		ps_errors_add(errs, pn, "must not be empty");
		*bad = true;
	}
	get_str(md, p, "namespace", false, ns, PS_K8S_NAME_MAX, bad, errs);
	if (ns[0] == '\0')
		strcpy(ns, "default");
	*labels = get_obj(md, p, "labels", false, bad, errs);
	*ann = get_obj(md, p, "annotations", false, bad, errs);
}

/* A label or annotation we use: must be a string when present. */
static bool
meta_str(const json_t *map, const char *path, const char *which,
	 const char *key, char *out, size_t len, bool *bad,
	 struct ps_errors *errs)
{
	char p[JP_MAX];

	if (map == NULL)
		return false;
	jp_key(p, path, "metadata");
	jp_key(p, strdupa(p), which);
	return get_str(map, p, key, false, out, len, bad, errs);
}

static void
parse_weights(const char *s, const char *path, struct ps_svc_spec *sp,
	      bool *bad, struct ps_errors *errs)
{
	char *copy = strdup(s), *tok, *save = NULL;

	if (copy == NULL) {
		*bad = true;
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
			*bad = true;
			break;
		}
		*eq = '\0';
		w = strtoul(eq + 1, &end, 10);
		if (ps_parse_ip4(tok, &ip) < 0 || *end != '\0' ||
		    eq[1] == '\0' || w > PS_SVC_WEIGHT_MAX) {
			ps_errors_add(errs, path, "'%s=%s': need IPv4=0..%u",
				      tok, eq + 1, PS_SVC_WEIGHT_MAX);
			*bad = true;
			break;
		}
		grown = realloc(sp->weights, (sp->nb_weights + 1) *
				sizeof(*grown));
		if (grown == NULL) {
			*bad = true;
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
		  bool *bad, struct ps_errors *errs)
{
	char s[4096], p[JP_MAX], pa[JP_MAX];

	sp->sched = PS_SCHED_RR;
	sp->maglev_size = PS_SVC_MAGLEV_DEFAULT;
	if (ann == NULL)
		return;
	jp_key(pa, path, "metadata");
	jp_key(pa, strdupa(pa), "annotations");
	if (meta_str(ann, path, "annotations", ANN_SCHED, s, sizeof(s), bad,
		     errs)) {
		unsigned int i;

		for (i = 0; i < PS_SCHED_MAX; i++)
			if (strcmp(s, ps_svc_sched_name(i)) == 0)
				break;
		if (i == PS_SCHED_MAX) {
			jp_key(p, pa, ANN_SCHED);
			ps_errors_add(errs, p, "'%s': must be rr, wrr, lc, sh "
				      "or maglev", s);
			*bad = true;
		} else {
			sp->sched = i;
		}
	}
	if (meta_str(ann, path, "annotations", ANN_WEIGHTS, s, sizeof(s), bad,
		     errs)) {
		jp_key(p, pa, ANN_WEIGHTS);
		parse_weights(s, p, sp, bad, errs);
	}
	if (meta_str(ann, path, "annotations", ANN_MAGLEV, s, sizeof(s), bad,
		     errs)) {
		char *end;
		unsigned long m = strtoul(s, &end, 10);

		jp_key(p, pa, ANN_MAGLEV);
		if (s[0] == '\0' || *end != '\0' || m < MAGLEV_MIN ||
		    m > MAGLEV_MAX || !is_prime((uint32_t)m)) {
			ps_errors_add(errs, p, "'%s': must be a prime %u..%u",
				      s, MAGLEV_MIN, MAGLEV_MAX);
			*bad = true;
		} else {
			sp->maglev_size = (uint32_t)m;
		}
	}
}

static void
parse_svc_ports(const json_t *spec, const char *path, struct ps_svc_spec *sp,
		bool *bad, struct ps_errors *errs)
{
	const json_t *arr = get_arr(spec, path, "ports", false, bad, errs);
	char p[JP_MAX], pi[JP_MAX], pk[JP_MAX];
	const json_t *v;
	size_t i, j;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	sp->ports = calloc(json_array_size(arr), sizeof(*sp->ports));
	if (sp->ports == NULL) {
		*bad = true;
		return;
	}
	jp_key(p, path, "ports");
	json_array_foreach(arr, i, v) {
		struct ps_svc_port_spec *ps = &sp->ports[sp->nb_ports];
		const json_t *tp;
		json_int_t n;

		jp_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			*bad = true;
			continue;
		}
		get_str(v, pi, "name", false, ps->name, sizeof(ps->name), bad,
			errs);
		ps->proto = parse_proto(v, pi, bad, errs, false);
		if (get_int(v, pi, "port", true, 1, 65535, &n, bad, errs))
			ps->port = (uint16_t)n;
		if (get_int(v, pi, "nodePort", false, 0, 65535, &n, bad, errs))
			ps->node_port = (uint16_t)n;
		tp = get(v, "targetPort");
		jp_key(pk, pi, "targetPort");
		if (tp == NULL) {
			ps->target_port = ps->port;
		} else if (json_is_integer(tp)) {
			if (json_integer_value(tp) < 1 ||
			    json_integer_value(tp) > 65535) {
				ps_errors_add(errs, pk, "must be 1..65535");
				*bad = true;
			}
			ps->target_port = (uint16_t)json_integer_value(tp);
		} else if (json_is_string(tp)) {
			const char *s = json_string_value(tp);

			if (s[0] == '\0' || strlen(s) > 15 ||
			    strspn(s, "0123456789") == strlen(s)) {
				ps_errors_add(errs, pk, "'%s' is not a port "
					      "name (1..15 characters, not "
					      "all digits)", s);
				*bad = true;
			} else {
				strcpy(ps->target_name, s);
			}
		} else {
			ps_errors_add(errs, pk, "must be a port number or a "
				      "port name");
			*bad = true;
		}
		for (j = 0; j < sp->nb_ports; j++) {
			if (ps->port != 0 && sp->ports[j].port == ps->port &&
			    sp->ports[j].proto == ps->proto) {
				ps_errors_add(errs, pi, "port %u/%s twice",
					      ps->port, ps->proto == IPPROTO_TCP
					      ? "TCP" : "UDP");
				*bad = true;
			}
			if (strcmp(sp->ports[j].name, ps->name) == 0) {
				jp_key(pk, pi, "name");
				ps_errors_add(errs, pk, "'%s' twice: ports of "
					      "a service need distinct names",
					      ps->name);
				*bad = true;
			}
		}
		sp->nb_ports++;
	}
}

static void
parse_policy(const json_t *spec, const char *path, const char *key,
	     enum ps_svc_policy *out, bool *bad, struct ps_errors *errs)
{
	char s[16] = "Cluster", p[JP_MAX];

	*out = PS_POLICY_CLUSTER;
	if (!get_str(spec, path, key, false, s, sizeof(s), bad, errs))
		return;
	/* "Global" is the pre-1.0 name of Cluster, still accepted by the
	 * API server for externalTrafficPolicy. */
	if (strcmp(s, "Local") == 0)
		*out = PS_POLICY_LOCAL;
	else if (strcmp(s, "Cluster") != 0 && strcmp(s, "Global") != 0) {
		jp_key(p, path, key);
		ps_errors_add(errs, p, "'%s': must be Cluster or Local", s);
		*bad = true;
	}
}

static void
parse_cluster_ip(const json_t *spec, const char *path, struct ps_svc_spec *sp,
		 bool *bad, struct ps_errors *errs)
{
	char s[64] = "", p[JP_MAX], pi[JP_MAX];
	const json_t *arr, *v;
	size_t i;

	if (get_str(spec, path, "clusterIP", false, s, sizeof(s), bad, errs)) {
		jp_key(p, path, "clusterIP");
		if (strcmp(s, "None") == 0)
			sp->headless = true;
		else if (s[0] != '\0' && parse_ip(s, &sp->cluster_ip) < 0) {
			ps_errors_add(errs, p, "'%s' is not an IP address or "
				      "None", s);
			*bad = true;
		}
	}
	arr = get_arr(spec, path, "clusterIPs", false, bad, errs);
	if (arr == NULL)
		return;
	jp_key(p, path, "clusterIPs");
	json_array_foreach(arr, i, v) {
		uint32_t ip;
		int r;

		jp_idx(pi, p, (unsigned int)i);
		if (!json_is_string(v)) {
			ps_errors_add(errs, pi, "must be a string");
			*bad = true;
			continue;
		}
		if (strcmp(json_string_value(v), "None") == 0) {
			sp->headless = true;
			continue;
		}
		r = parse_ip(json_string_value(v), &ip);
		if (r < 0) {
			ps_errors_add(errs, pi, "'%s' is not an IP address",
				      json_string_value(v));
			*bad = true;
		} else if (r == 1 && sp->cluster_ip == 0) {
			/* dual stack with IPv6 primary: our family's VIP */
			sp->cluster_ip = ip;
		}
	}
}

static void
parse_lb(const json_t *item, const json_t *spec, const char *path,
	 const char *spath, struct ps_svc_spec *sp, bool *bad,
	 struct ps_errors *errs)
{
	const json_t *st, *lb, *ing, *arr, *v;
	char s[64], p[JP_MAX], pi[JP_MAX];
	size_t i;

	if (get_str(spec, spath, "loadBalancerIP", false, s, sizeof(s), bad,
		    errs) && s[0] != '\0') {
		uint32_t ip;
		int r = parse_ip(s, &ip);

		jp_key(p, spath, "loadBalancerIP");
		if (r < 0) {
			ps_errors_add(errs, p, "'%s' is not an IP address", s);
			*bad = true;
		} else if (r == 1) {
			sp->lb_ips = malloc(sizeof(*sp->lb_ips));
			if (sp->lb_ips != NULL)
				sp->lb_ips[sp->nb_lb_ips++] = ip;
		}
	}
	arr = get_arr(spec, spath, "loadBalancerSourceRanges", false, bad,
		      errs);
	if (arr != NULL && json_array_size(arr) > 0) {
		jp_key(p, spath, "loadBalancerSourceRanges");
		sp->src_ranges = calloc(json_array_size(arr),
					sizeof(*sp->src_ranges));
		json_array_foreach(arr, i, v) {
			struct ps_prefix4 pf;
			char buf[64];

			jp_idx(pi, p, (unsigned int)i);
			if (!json_is_string(v)) {
				ps_errors_add(errs, pi, "must be a string");
				*bad = true;
				continue;
			}
			/* Kubernetes trims blanks and takes host bits */
			snprintf(buf, sizeof(buf), "%s", json_string_value(v));
			if (ps_parse_prefix4(buf, &pf) < 0) {
				ps_errors_add(errs, pi, "'%s' is not an IPv4 "
					      "CIDR", json_string_value(v));
				*bad = true;
				continue;
			}
			if (pf.len < 32)
				pf.addr &= rte_cpu_to_be_32(pf.len == 0 ? 0 :
						~0u << (32 - pf.len));
			if (sp->src_ranges != NULL)
				sp->src_ranges[sp->nb_src_ranges++] = pf;
		}
	}
	st = get_obj(item, path, "status", false, bad, errs);
	if (st == NULL)
		return;
	jp_key(p, path, "status");
	lb = get_obj(st, p, "loadBalancer", false, bad, errs);
	if (lb == NULL)
		return;
	jp_key(p, strdupa(p), "loadBalancer");
	ing = get_arr(lb, p, "ingress", false, bad, errs);
	if (ing == NULL)
		return;
	jp_key(p, strdupa(p), "ingress");
	json_array_foreach(ing, i, v) {
		char mode[16] = "VIP";
		uint32_t *grown, ip;
		int r;

		jp_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			*bad = true;
			continue;
		}
		get_str(v, pi, "ipMode", false, mode, sizeof(mode), bad, errs);
		if (!get_str(v, pi, "ip", false, s, sizeof(s), bad, errs))
			continue;	/* hostname-only ingress */
		r = parse_ip(s, &ip);
		if (r < 0) {
			char pk[JP_MAX];

			jp_key(pk, pi, "ip");
			ps_errors_add(errs, pk, "'%s' is not an IP address", s);
			*bad = true;
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

static int
parse_service(const json_t *item, const char *path, struct ps_svc_spec *sp,
	      struct ps_errors *errs)
{
	const json_t *labels, *ann, *spec, *cfg;
	char s[PS_K8S_NAME_MAX], spath[JP_MAX], p[JP_MAX];
	bool bad = false;
	json_int_t n;

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->path, sizeof(sp->path), "%s", path[0] ? path : "(root)");
	if (get_str(item, path, "apiVersion", false, s, sizeof(s), &bad, errs)
	    && strcmp(s, "v1") != 0) {
		jp_key(p, path, "apiVersion");
		ps_errors_add(errs, p, "'%s': a Service is v1", s);
		bad = true;
	}
	parse_meta(item, path, sp->ns, sp->name, &labels, &ann, &bad, errs);
	parse_annotations(ann, path, sp, &bad, errs);
	/* presence is what counts (kube-proxy selects on it) */
	sp->proxy_label = labels != NULL && get(labels, LBL_PROXY) != NULL;
	if (sp->proxy_label)
		meta_str(labels, path, "labels", LBL_PROXY, sp->proxy_name,
			 sizeof(sp->proxy_name), &bad, errs);
	sp->headless_label = labels != NULL &&
			     json_object_get(labels, LBL_HEADLESS) != NULL;
	spec = get_obj(item, path, "spec", true, &bad, errs);
	if (spec == NULL)
		return -EINVAL;
	jp_key(spath, path, "spec");

	sp->type = PS_SVC_CLUSTER_IP;
	if (get_str(spec, spath, "type", false, s, sizeof(s), &bad, errs)) {
		enum ps_svc_type t;

		for (t = PS_SVC_CLUSTER_IP; t <= PS_SVC_EXTERNAL_NAME; t++)
			if (strcmp(s, ps_svc_type_name(t)) == 0)
				break;
		if (t > PS_SVC_EXTERNAL_NAME) {
			jp_key(p, spath, "type");
			ps_errors_add(errs, p, "'%s': must be ClusterIP, "
				      "NodePort, LoadBalancer or ExternalName",
				      s);
			bad = true;
		} else {
			sp->type = t;
		}
	}
	parse_cluster_ip(spec, spath, sp, &bad, errs);
	parse_svc_ports(spec, spath, sp, &bad, errs);

	sp->affinity_timeout = PS_SVC_AFFINITY_DEFAULT_S;
	if (get_str(spec, spath, "sessionAffinity", false, s, sizeof(s), &bad,
		    errs)) {
		if (strcmp(s, "ClientIP") == 0)
			sp->affinity = true;
		else if (strcmp(s, "None") != 0) {
			jp_key(p, spath, "sessionAffinity");
			ps_errors_add(errs, p, "'%s': must be None or ClientIP",
				      s);
			bad = true;
		}
	}
	cfg = get_obj(spec, spath, "sessionAffinityConfig", false, &bad, errs);
	if (cfg != NULL) {
		jp_key(p, spath, "sessionAffinityConfig");
		cfg = get_obj(cfg, p, "clientIP", false, &bad, errs);
		jp_key(p, strdupa(p), "clientIP");
		if (cfg != NULL && get_int(cfg, p, "timeoutSeconds", false, 1,
					   AFFINITY_MAX_S, &n, &bad, errs))
			sp->affinity_timeout = (uint32_t)n;
	}
	parse_policy(spec, spath, "externalTrafficPolicy", &sp->etp, &bad,
		     errs);
	parse_policy(spec, spath, "internalTrafficPolicy", &sp->itp, &bad,
		     errs);
	get_ip_list(spec, spath, "externalIPs", &sp->external_ips,
		    &sp->nb_external_ips, &bad, errs);
	parse_lb(item, spec, path, spath, sp, &bad, errs);
	if (get_int(spec, spath, "healthCheckNodePort", false, 0, 65535, &n,
		    &bad, errs))
		sp->health_check_node_port = (uint16_t)n;
	if (get_str(spec, spath, "externalName", false, s, sizeof(s), &bad,
		    errs) && sp->type == PS_SVC_EXTERNAL_NAME)
		sp->external_name = strdup(s);
	if (sp->type == PS_SVC_EXTERNAL_NAME && sp->external_name == NULL &&
	    !bad) {
		jp_key(p, spath, "externalName");
		ps_errors_add(errs, p, "required for type ExternalName");
		bad = true;
	}
	if (sp->type != PS_SVC_EXTERNAL_NAME && sp->nb_ports == 0 &&
	    !sp->headless && !bad) {
		jp_key(p, spath, "ports");
		ps_errors_add(errs, p, "a %s service needs at least one port",
			      ps_svc_type_name(sp->type));
		bad = true;
	}
	if (bad)
		return -EINVAL;

	/* Stored and listed, not programmed: the same cases kube-proxy
	 * leaves alone. */
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
	return 0;
}

static void
parse_slice_endpoints(const json_t *item, const char *path,
		      struct ps_eps_spec *es, bool *bad, struct ps_errors *errs)
{
	const json_t *arr = get_arr(item, path, "endpoints", false, bad, errs);
	char p[JP_MAX], pi[JP_MAX], pc[JP_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	es->endpoints = calloc(json_array_size(arr), sizeof(*es->endpoints));
	if (es->endpoints == NULL) {
		*bad = true;
		return;
	}
	jp_key(p, path, "endpoints");
	json_array_foreach(arr, i, v) {
		struct ps_eps_endpoint *ep = &es->endpoints[es->nb_endpoints++];
		bool ready = true, serving, terminating = false;
		const json_t *addrs, *cond;

		jp_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			*bad = true;
			continue;
		}
		addrs = get_arr(v, pi, "addresses", true, bad, errs);
		if (addrs != NULL && (json_array_size(addrs) == 0 ||
				      json_array_size(addrs) > EPS_MAX_ADDRS)) {
			jp_key(pc, pi, "addresses");
			ps_errors_add(errs, pc, "must hold 1..%u addresses",
				      EPS_MAX_ADDRS);
			*bad = true;
		} else if (addrs != NULL) {
			size_t k;
			const json_t *a;

			ep->addrs = calloc(json_array_size(addrs),
					   sizeof(*ep->addrs));
			jp_key(pc, pi, "addresses");
			json_array_foreach(addrs, k, a) {
				char pa[JP_MAX];
				uint32_t ip;

				jp_idx(pa, pc, (unsigned int)k);
				if (!json_is_string(a) ||
				    ps_parse_ip4(json_string_value(a), &ip) < 0) {
					ps_errors_add(errs, pa, "must be an "
						      "IPv4 address string");
					*bad = true;
				} else if (ep->addrs != NULL) {
					ep->addrs[ep->nb_addrs++] = ip;
				}
			}
		}
		cond = get_obj(v, pi, "conditions", false, bad, errs);
		jp_key(pc, pi, "conditions");
		/* Kubernetes: an unset ready means ready; an unset serving
		 * follows ready; an unset terminating is false. */
		if (cond != NULL)
			get_bool(cond, pc, "ready", &ready, bad, errs);
		serving = ready;
		if (cond != NULL) {
			get_bool(cond, pc, "serving", &serving, bad, errs);
			get_bool(cond, pc, "terminating", &terminating, bad,
				 errs);
		}
		ep->flags = (ready ? PS_EP_READY : 0) |
			    (serving ? PS_EP_SERVING : 0) |
			    (terminating ? PS_EP_TERMINATING : 0);
		get_str(v, pi, "nodeName", false, ep->node, sizeof(ep->node),
			bad, errs);
	}
}

static void
parse_slice_ports(const json_t *item, const char *path,
		  struct ps_eps_spec *es, bool *bad, struct ps_errors *errs)
{
	const json_t *arr = get_arr(item, path, "ports", false, bad, errs);
	char p[JP_MAX], pi[JP_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL || json_array_size(arr) == 0)
		return;
	es->ports = calloc(json_array_size(arr), sizeof(*es->ports));
	if (es->ports == NULL) {
		*bad = true;
		return;
	}
	jp_key(p, path, "ports");
	json_array_foreach(arr, i, v) {
		struct ps_eps_port *pp = &es->ports[es->nb_ports];
		json_int_t n;

		jp_idx(pi, p, (unsigned int)i);
		if (!json_is_object(v)) {
			ps_errors_add(errs, pi, "must be an object");
			*bad = true;
			continue;
		}
		get_str(v, pi, "name", false, pp->name, sizeof(pp->name), bad,
			errs);
		/* an SCTP port of a slice matches no service port we serve */
		pp->proto = parse_proto(v, pi, bad, errs, true);
		if (get_int(v, pi, "port", false, 1, 65535, &n, bad, errs))
			pp->port = (uint16_t)n;
		es->nb_ports++;
	}
}

static int
parse_slice(const json_t *item, const char *path, struct ps_eps_spec *es,
	    struct ps_errors *errs)
{
	const json_t *labels, *ann;
	char s[64], p[JP_MAX];
	bool bad = false;

	memset(es, 0, sizeof(*es));
	snprintf(es->path, sizeof(es->path), "%s", path[0] ? path : "(root)");
	if (get_str(item, path, "apiVersion", false, s, sizeof(s), &bad, errs)
	    && strcmp(s, "discovery.k8s.io/v1") != 0 &&
	    strcmp(s, "discovery.k8s.io/v1beta1") != 0) {
		jp_key(p, path, "apiVersion");
		ps_errors_add(errs, p, "'%s': an EndpointSlice is "
			      "discovery.k8s.io/v1", s);
		bad = true;
	}
	parse_meta(item, path, es->ns, es->name, &labels, &ann, &bad, errs);
	if (!meta_str(labels, path, "labels", LBL_SVC_NAME, es->service,
		      sizeof(es->service), &bad, errs) && !bad)
		snprintf(es->skip_reason, sizeof(es->skip_reason),
			 "no label %s", LBL_SVC_NAME);
	if (get_str(item, path, "addressType", true, s, sizeof(s), &bad,
		    errs)) {
		/* longer values are errors below; a cut copy is harmless */
		if (snprintf(es->address_type, sizeof(es->address_type), "%s",
			     s) >= (int)sizeof(es->address_type))
			es->address_type[0] = '\0';
		if (strcmp(s, "IPv6") == 0 || strcmp(s, "FQDN") == 0) {
			snprintf(es->skip_reason, sizeof(es->skip_reason),
				 "addressType %s: IPv4 only", s);
			return bad ? -EINVAL : 0;
		}
		if (strcmp(s, "IPv4") != 0) {
			jp_key(p, path, "addressType");
			ps_errors_add(errs, p, "'%s': must be IPv4, IPv6 or "
				      "FQDN", s);
			bad = true;
		}
	}
	parse_slice_endpoints(item, path, es, &bad, errs);
	parse_slice_ports(item, path, es, &bad, errs);
	return bad ? -EINVAL : 0;
}

void
ps_k8s_doc_free(struct ps_k8s_doc *doc)
{
	unsigned int i;

	for (i = 0; i < doc->nb_svcs; i++)
		svc_spec_free(&doc->svcs[i]);
	for (i = 0; i < doc->nb_slices; i++)
		svc_slice_free(&doc->slices[i]);
	free(doc->svcs);
	free(doc->slices);
	memset(doc, 0, sizeof(*doc));
}

static int
parse_item(const json_t *item, const char *path, const char *want,
	   struct ps_k8s_doc *doc, struct ps_errors *errs)
{
	char kind[32] = "", p[JP_MAX];
	bool bad = false;
	int rc;

	if (!json_is_object(item)) {
		ps_errors_add(errs, path[0] ? path : "(root)",
			      "must be an object");
		return -EINVAL;
	}
	if (!get_str(item, path, "kind", want == NULL, kind, sizeof(kind),
		     &bad, errs)) {
		if (bad)
			return -EINVAL;
		strcpy(kind, want);	/* items of a typed list may omit it */
	}
	jp_key(p, path, "kind");
	if (want != NULL && strcmp(kind, want) != 0) {
		ps_errors_add(errs, p, "'%s' in a %sList", kind, want);
		return -EINVAL;
	}
	if (strcmp(kind, "Service") == 0) {
		rc = parse_service(item, path, &doc->svcs[doc->nb_svcs], errs);
		doc->nb_svcs++;	/* freed with the doc even when bad */
		return rc;
	}
	if (strcmp(kind, "EndpointSlice") == 0) {
		rc = parse_slice(item, path, &doc->slices[doc->nb_slices],
				 errs);
		doc->nb_slices++;
		return rc;
	}
	ps_errors_add(errs, p, "'%s': must be Service or EndpointSlice "
		      "(or a List of them)", kind);
	return -EINVAL;
}

/* Earlier items by a hash of their ns/name, chained by index, so that
 * finding duplicates in a List of n items costs O(n) compares, not n^2
 * (10,000 Services spent seconds here). */
struct dup_chains {
	uint32_t mask;
	uint32_t *head;
	uint32_t *next;
};

static uint32_t
dup_hash(const char *ns, const char *name)
{
	uint32_t h = 2166136261u;

	for (; *ns; ns++)
		h = (h ^ (uint8_t)*ns) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

static void
dup_chains_reset(struct dup_chains *d)
{
	uint32_t i;

	for (i = 0; i <= d->mask; i++)
		d->head[i] = UINT32_MAX;
}

/* Whether an item below i has ns/name (the chains hold items 0..i-1 of
 * the same array); then adds item i. */
#define DUP_SEEN(d, arr, i, seen)					\
	do {								\
		uint32_t h_ = dup_hash((arr)[i].ns, (arr)[i].name) &	\
			(d)->mask, k_;					\
									\
		(seen) = false;						\
		for (k_ = (d)->head[h_]; k_ != UINT32_MAX && !(seen);	\
		     k_ = (d)->next[k_])				\
			(seen) = strcmp((arr)[k_].ns, (arr)[i].ns) == 0 && \
				 strcmp((arr)[k_].name, (arr)[i].name) == 0; \
		(d)->next[i] = (d)->head[h_];				\
		(d)->head[h_] = (i);					\
	} while (0)

/* Two items naming the same object would apply in an arbitrary order.
 * Each duplicate is reported against every earlier item of its name. */
static int
check_dups(const struct ps_k8s_doc *doc, struct ps_errors *errs)
{
	unsigned int n = RTE_MAX(doc->nb_svcs, doc->nb_slices), i, j;
	struct dup_chains d = { 0 };
	uint32_t nb = 1;
	bool seen;
	int rc = 0;

	while (nb < n)
		nb <<= 1;
	d.mask = nb - 1;
	d.head = malloc(sizeof(uint32_t) * nb);
	d.next = malloc(sizeof(uint32_t) * RTE_MAX(n, 1u));
	if (d.head == NULL || d.next == NULL) {
		free(d.head);
		free(d.next);
		ps_errors_add(errs, "$", "out of memory");
		return -ENOMEM;
	}
	dup_chains_reset(&d);
	for (i = 0; i < doc->nb_svcs; i++) {
		DUP_SEEN(&d, doc->svcs, i, seen);
		for (j = 0; seen && j < i; j++)
			if (strcmp(doc->svcs[i].ns, doc->svcs[j].ns) == 0 &&
			    strcmp(doc->svcs[i].name, doc->svcs[j].name) == 0) {
				ps_errors_add(errs, doc->svcs[i].path,
					      "Service %s/%s already in %s",
					      doc->svcs[i].ns, doc->svcs[i].name,
					      doc->svcs[j].path);
				rc = -EINVAL;
			}
	}
	dup_chains_reset(&d);
	for (i = 0; i < doc->nb_slices; i++) {
		DUP_SEEN(&d, doc->slices, i, seen);
		for (j = 0; seen && j < i; j++)
			if (strcmp(doc->slices[i].ns, doc->slices[j].ns) == 0 &&
			    strcmp(doc->slices[i].name,
				   doc->slices[j].name) == 0) {
				ps_errors_add(errs, doc->slices[i].path,
					      "EndpointSlice %s/%s already in %s",
					      doc->slices[i].ns,
					      doc->slices[i].name,
					      doc->slices[j].path);
				rc = -EINVAL;
			}
	}
	free(d.head);
	free(d.next);
	return rc;
}

int
ps_k8s_parse_json(const json_t *root, struct ps_k8s_doc *doc,
		  struct ps_errors *errs)
{
	const json_t *items, *item;
	const char *want = NULL;
	char kind[32] = "";
	bool bad = false;
	int rc = 0;
	size_t i, n = 1;

	memset(doc, 0, sizeof(*doc));
	if (!json_is_object(root)) {
		ps_errors_add(errs, "(root)", "must be an object");
		return -EINVAL;
	}
	get_str(root, "", "kind", true, kind, sizeof(kind), &bad, errs);
	if (bad)
		return -EINVAL;
	if (strcmp(kind, "List") == 0 || strcmp(kind, "ServiceList") == 0 ||
	    strcmp(kind, "EndpointSliceList") == 0) {
		if (strcmp(kind, "ServiceList") == 0)
			want = "Service";
		else if (strcmp(kind, "EndpointSliceList") == 0)
			want = "EndpointSlice";
		items = get_arr(root, "", "items", false, &bad, errs);
		if (bad)
			return -EINVAL;
		n = items == NULL ? 0 : json_array_size(items);
	} else {
		items = NULL;
	}
	doc->svcs = calloc(n ? n : 1, sizeof(*doc->svcs));
	doc->slices = calloc(n ? n : 1, sizeof(*doc->slices));
	if (doc->svcs == NULL || doc->slices == NULL) {
		ps_errors_add(errs, "(root)", "out of memory");
		ps_k8s_doc_free(doc);
		return -ENOMEM;
	}
	if (items == NULL && n == 1) {
		rc = parse_item(root, "", NULL, doc, errs);
	} else if (items != NULL) {
		json_array_foreach(items, i, item) {
			char p[JP_MAX];

			jp_idx(p, "items", (unsigned int)i);
			if (parse_item(item, p, want, doc, errs) < 0)
				rc = -EINVAL;
		}
	}
	if (rc == 0)
		rc = check_dups(doc, errs);
	if (rc < 0)
		ps_k8s_doc_free(doc);
	return rc;
}

int
ps_k8s_parse(const char *text, size_t len, struct ps_k8s_doc *doc,
	     struct ps_errors *errs)
{
	json_error_t je;
	json_t *root;
	int rc;

	memset(doc, 0, sizeof(*doc));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		char where[64];

		snprintf(where, sizeof(where), "(line %d, column %d)",
			 je.line, je.column);
		ps_errors_add(errs, where, "%s", je.text);
		return -EINVAL;
	}
	rc = ps_k8s_parse_json(root, doc, errs);
	json_decref(root);
	return rc;
}

/* Deep copies, so the table owns what it stores. */
#define DUP_ARRAY(dst, src, n) do { \
	(dst) = NULL; \
	if ((n) > 0) { \
		(dst) = malloc(sizeof(*(dst)) * (n)); \
		if ((dst) == NULL) \
			goto nomem; \
		memcpy((dst), (src), sizeof(*(dst)) * (n)); \
	} \
} while (0)

int
svc_spec_copy(struct ps_svc_spec *d, const struct ps_svc_spec *s)
{
	*d = *s;
	d->ports = NULL;
	d->external_ips = d->lb_ips = NULL;
	d->src_ranges = NULL;
	d->weights = NULL;
	d->external_name = NULL;
	DUP_ARRAY(d->ports, s->ports, s->nb_ports);
	DUP_ARRAY(d->external_ips, s->external_ips, s->nb_external_ips);
	DUP_ARRAY(d->lb_ips, s->lb_ips, s->nb_lb_ips);
	DUP_ARRAY(d->src_ranges, s->src_ranges, s->nb_src_ranges);
	DUP_ARRAY(d->weights, s->weights, s->nb_weights);
	if (s->external_name != NULL &&
	    (d->external_name = strdup(s->external_name)) == NULL)
		goto nomem;
	return 0;
nomem:
	svc_spec_free(d);
	return -ENOMEM;
}

void
svc_spec_free(struct ps_svc_spec *s)
{
	free(s->ports);
	free(s->external_ips);
	free(s->lb_ips);
	free(s->src_ranges);
	free(s->weights);
	free(s->external_name);
	s->ports = NULL;
	s->external_ips = s->lb_ips = NULL;
	s->src_ranges = NULL;
	s->weights = NULL;
	s->external_name = NULL;
	s->nb_ports = s->nb_external_ips = s->nb_lb_ips = 0;
	s->nb_src_ranges = s->nb_weights = 0;
}

int
svc_slice_copy(struct ps_eps_spec *d, const struct ps_eps_spec *s)
{
	unsigned int i;

	*d = *s;
	d->endpoints = NULL;
	d->ports = NULL;
	d->nb_endpoints = 0;
	DUP_ARRAY(d->ports, s->ports, s->nb_ports);
	if (s->nb_endpoints > 0) {
		d->endpoints = calloc(s->nb_endpoints, sizeof(*d->endpoints));
		if (d->endpoints == NULL)
			goto nomem;
	}
	for (i = 0; i < s->nb_endpoints; i++) {
		d->endpoints[i] = s->endpoints[i];
		d->nb_endpoints++;
		DUP_ARRAY(d->endpoints[i].addrs, s->endpoints[i].addrs,
			  s->endpoints[i].nb_addrs);
	}
	return 0;
nomem:
	svc_slice_free(d);
	return -ENOMEM;
}

void
svc_slice_free(struct ps_eps_spec *s)
{
	unsigned int i;

	for (i = 0; i < s->nb_endpoints; i++)
		free(s->endpoints[i].addrs);
	free(s->endpoints);
	free(s->ports);
	s->endpoints = NULL;
	s->ports = NULL;
	s->nb_endpoints = s->nb_ports = 0;
}

unsigned int
svc_slice_addrs(const struct ps_eps_spec *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nb_endpoints; i++)
		n += s->endpoints[i].nb_addrs;
	return n;
}
