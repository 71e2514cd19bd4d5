/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nodes become routes, as flannel does it:
 *  - host-gw: each other node's spec.podCIDR via its InternalIP;
 *  - vxlan: via its VTEP, from flannel's node annotations (backend-type
 *    "vxlan", backend-data {"VNI", "VtepMAC"}, public-ip), so podswitch
 *    nodes and flannel nodes reach each other both ways.
 * Our own Node gets the same annotations (a merge PATCH), which is how
 * flannel nodes learn our VTEP.
 *
 * The agent owns the routes inside the cluster CIDR, those to a node's
 * pod CIDR and those it set before; others the daemon has (its
 * configuration's, an operator's) are kept as they are. The whole set goes in one PUT
 * /v1/routes, and only when it differs from what the daemon has.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define ANN_PREFIX "flannel.alpha.coreos.com/"
#define ANN_TYPE ANN_PREFIX "backend-type"
#define ANN_DATA ANN_PREFIX "backend-data"
#define LBL_ZONE "topology.kubernetes.io/zone"
#define ANN_PUBLIC_IP ANN_PREFIX "public-ip"

static bool
parse_cidr(const char *s, uint32_t *addr, unsigned int *len)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	unsigned long l;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	l = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || l > 32 || inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*addr = ntohl(a.s_addr);
	*len = (unsigned int)l;
	return true;
}

/* Whether prefix s lies inside prefix outer. */
static bool
inside(const char *s, const char *outer)
{
	uint32_t a, o, m;
	unsigned int la, lo;

	if (!parse_cidr(s, &a, &la) || !parse_cidr(outer, &o, &lo) || la < lo)
		return false;
	m = lo ? ~0u << (32 - lo) : 0;
	return (a & m) == (o & m);
}

static bool
is_ipv4(const char *s)
{
	struct in_addr a;

	return s != NULL && inet_pton(AF_INET, s, &a) == 1;
}

static const char *
ann(const json_t *node, const char *key)
{
	return json_string_value(json_object_get(json_object_get(
		json_object_get(node, "metadata"), "annotations"), key));
}

static const char *
node_name(const json_t *node)
{
	return json_string_value(json_object_get(json_object_get(node,
		"metadata"), "name")) ?: "";
}

/* The IPv4 pod CIDR of a node (spec.podCIDR or the first IPv4 one of
 * spec.podCIDRs), or NULL. */
static const char *
pod_cidr(const json_t *node)
{
	const json_t *spec = json_object_get(node, "spec"), *v;
	const char *c = json_string_value(json_object_get(spec, "podCIDR"));
	uint32_t a;
	unsigned int l;
	size_t i;

	if (c != NULL && parse_cidr(c, &a, &l))
		return c;
	json_array_foreach(json_object_get(spec, "podCIDRs"), i, v)
		if (parse_cidr(json_string_value(v), &a, &l))
			return json_string_value(v);
	return NULL;
}

static const char *
internal_ip(const json_t *node)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(node, "status"),
					   "addresses"), i, v) {
		const char *t = json_string_value(json_object_get(v, "type"));
		const char *a = json_string_value(json_object_get(v,
								  "address"));

		if (t != NULL && strcmp(t, "InternalIP") == 0 && is_ipv4(a))
			return a;
	}
	return NULL;
}

/* The route of another node, or NULL (why says why not). */
static json_t *
node_route(struct agent *ag, const json_t *node, char *why, size_t wlen)
{
	const char *cidr = pod_cidr(node), *ip = internal_ip(node);
	const char *type, *data, *pub;
	json_t *bd, *r;

	if (cidr == NULL) {
		snprintf(why, wlen, "no IPv4 spec.podCIDR");
		return NULL;
	}
	if (!ag->opt.vxlan) {
		if (ip == NULL) {
			snprintf(why, wlen, "no IPv4 InternalIP");
			return NULL;
		}
		return json_pack("{s:s,s:s}", "dst", cidr, "gateway", ip);
	}
	type = ann(node, ANN_TYPE);
	data = ann(node, ANN_DATA);
	pub = ann(node, ANN_PUBLIC_IP);
	if (type == NULL || strcmp(type, "vxlan") != 0 || data == NULL) {
		snprintf(why, wlen, "no flannel vxlan annotations (%s)",
			 ANN_TYPE);
		return NULL;
	}
	bd = json_loads(data, 0, NULL);
	if (json_string_value(json_object_get(bd, "VtepMAC")) == NULL) {
		snprintf(why, wlen, "%s: no VtepMAC in '%.60s'", ANN_DATA,
			 data);
		json_decref(bd);
		return NULL;
	}
	if (!is_ipv4(pub))
		pub = ip;
	if (pub == NULL) {
		snprintf(why, wlen, "no IPv4 public-ip or InternalIP");
		json_decref(bd);
		return NULL;
	}
	r = json_pack("{s:s,s:{s:s,s:I,s:s,s:s}}", "dst", cidr, "encap",
		      "type", "vxlan", "vni",
		      json_integer_value(json_object_get(bd, "VNI")) ?:
		      (json_int_t)ag->vni, "remote", pub, "mac",
		      json_string_value(json_object_get(bd, "VtepMAC")));
	json_decref(bd);
	return r;
}

/* A route as PUT takes it (GET adds protocol and scope). */
static json_t *
put_shape(const json_t *r)
{
	static const char *const keys[] = { "dst", "gateway", "dev", "encap" };
	const char *type = json_string_value(json_object_get(r, "type"));
	json_t *o = json_object();
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (json_object_get(r, keys[i]) != NULL)
			json_object_set(o, keys[i], json_object_get(r,
								    keys[i]));
	if (type != NULL && strcmp(type, "unicast") != 0)
		json_object_set_new(o, "type", json_string(type));
	return o;
}

/* What makes two routes the same for us. */
static void
canon(const json_t *r, char *buf, size_t size)
{
	const json_t *e = json_object_get(r, "encap");
	char mac[24];
	size_t i;

	snprintf(mac, sizeof(mac), "%s",
		 json_string_value(json_object_get(e, "mac")) ?: "");
	for (i = 0; mac[i]; i++)
		mac[i] = (char)tolower((unsigned char)mac[i]);
	snprintf(buf, size, "%s|%s|%s|%s|%s",
		 json_string_value(json_object_get(r, "dst")) ?: "",
		 json_string_value(json_object_get(r, "gateway")) ?: "",
		 json_string_value(json_object_get(e, "remote")) ?: "", mac,
		 json_string_value(json_object_get(r, "type")) ?: "unicast");
}

static void
annotate(struct agent *ag, const json_t *self)
{
	char data[128], path[600], err[256];
	struct ag_buf out = { 0 };
	const char *type = ag->opt.vxlan ? "vxlan" : "host-gw";
	json_t *patch;
	char *body;
	int st;

	if (ag->opt.vxlan)
		snprintf(data, sizeof(data), "{\"VNI\":%u,\"VtepMAC\":\"%s\"}",
			 ag->vni, ag->node_mac);
	else
		snprintf(data, sizeof(data), "null");
	if (ann(self, ANN_TYPE) != NULL && strcmp(ann(self, ANN_TYPE), type)
	    == 0 && ann(self, ANN_DATA) != NULL &&
	    strcmp(ann(self, ANN_DATA), data) == 0 &&
	    ann(self, ANN_PUBLIC_IP) != NULL &&
	    strcmp(ann(self, ANN_PUBLIC_IP), ag->node_ip) == 0)
		return;
	patch = json_pack("{s:{s:{s:s,s:s,s:s,s:s}}}", "metadata",
			  "annotations", ANN_TYPE, type, ANN_DATA, data,
			  ANN_PUBLIC_IP, ag->node_ip,
			  ANN_PREFIX "kube-subnet-manager", "true");
	body = json_dumps(patch, JSON_COMPACT);
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", ag->opt.node_name);
	st = ag_k8s_request(&ag->kube, "PATCH", path,
			    "application/merge-patch+json", body, 10000, &out,
			    err, sizeof(err));
	if (st == 200)
		LOG_INFO("routes", "node %s annotated: backend %s, public-ip "
			 "%s, %s", ag->opt.node_name, type, ag->node_ip, data);
	else
		LOG_WARN("routes", "PATCH of node %s failed: %s",
			 ag->opt.node_name, st < 0 ? err : out.p ? out.p : "");
	free(body);
	json_decref(patch);
	ag_buf_free(&out);
}

/*
 * The daemon's zone follows our Node's topology.kubernetes.io/zone label
 * (none = ""), as kube-proxy reads it for EndpointSlice zone hints. Read
 * back every time: a restarted daemon starts from its config again.
 */
static void
zone_sync(struct agent *ag, const json_t *self)
{
	const char *want = json_string_value(json_object_get(json_object_get(
		json_object_get(self, "metadata"), "labels"), LBL_ZONE)) ?: "";
	struct ag_buf out = { 0 };
	char err[256], *body;
	json_t *cur = NULL;
	int st;

	st = ag_ps_request(&ag->ps, "GET", "/v1/node/zone", NULL, 0, &out,
			   err, sizeof(err));
	if (st == 200)
		cur = json_loadb(out.p, out.len, 0, NULL);
	ag_buf_free(&out);
	if (cur != NULL && strcmp(json_string_value(json_object_get(cur,
			"zone")) ?: "", want) == 0) {
		json_decref(cur);
		return;
	}
	json_decref(cur);
	cur = json_pack("{s:s}", "zone", want);
	body = cur != NULL ? json_dumps(cur, JSON_COMPACT) : NULL;
	json_decref(cur);
	st = body != NULL ? ag_ps_request(&ag->ps, "PUT", "/v1/node/zone",
					  body, strlen(body), &out, err,
					  sizeof(err)) : -1;
	if (st == 200)
		LOG_INFO("routes", "node %s: zone '%s'", ag->opt.node_name,
			 want);
	else
		LOG_WARN("routes", "PUT /v1/node/zone failed: %s",
			 st < 0 ? err : out.p ? out.p : "");
	free(body);
	ag_buf_free(&out);
}

int
ag_routes_sync(struct agent *ag)
{
	json_t *nodes = ag_store_list(ag->refl[2].store);
	json_t *want = json_array(), *cur = NULL, *mine = json_object();
	json_t *have = json_object(), *need = json_object(), *v, *list;
	struct ag_buf out = { 0 };
	char err[256], key[200], why[160];
	bool self_seen = false;
	size_t i;
	int st, rc = -1;

	json_array_foreach(nodes, i, v) {
		json_t *r;

		if (strcmp(node_name(v), ag->opt.node_name) == 0) {
			self_seen = true;
			if (pod_cidr(v) != NULL && ag->pod_cidr[0] &&
			    strcmp(pod_cidr(v), ag->pod_cidr) != 0)
				LOG_WARN("routes", "node %s: spec.podCIDR %s "
					 "is not the daemon's pod_cidr %s",
					 ag->opt.node_name, pod_cidr(v),
					 ag->pod_cidr);
			annotate(ag, v);
			zone_sync(ag, v);
			continue;
		}
		r = node_route(ag, v, why, sizeof(why));
		if (r == NULL) {
			LOG_DEBUG("routes", "node %s: no route: %s",
				  node_name(v), why);
			continue;
		}
		/* one pod CIDR, one node: a second claimant is ignored */
		if (json_object_get(mine, json_string_value(json_object_get(
			r, "dst"))) != NULL ||
		    strcmp(json_string_value(json_object_get(r, "dst")),
			   ag->pod_cidr) == 0) {
			LOG_WARN("routes", "node %s: pod CIDR %s is taken; no "
				 "route", node_name(v), json_string_value(
				 json_object_get(r, "dst")));
			json_decref(r);
			continue;
		}
		json_object_set(mine, json_string_value(json_object_get(r,
			"dst")), r);
		canon(r, key, sizeof(key));
		json_object_set_new(need, key, json_true());
		json_array_append_new(want, r);
	}
	if (!self_seen)
		LOG_DEBUG("routes", "our node %s is not in the cluster (yet)",
			  ag->opt.node_name);

	st = ag_ps_request(&ag->ps, "GET", "/v1/routes", NULL, 0, &out, err,
			   sizeof(err));
	cur = st == 200 ? json_loadb(out.p, out.len, 0, NULL) : NULL;
	ag_buf_free(&out);
	if (!json_is_array(cur)) {
		LOG_WARN("routes", "GET /v1/routes failed: %s",
			 st < 0 ? err : "bad answer");
		goto done;
	}
	json_array_foreach(cur, i, v) {
		const char *dst = json_string_value(json_object_get(v, "dst"));
		const char *proto = json_string_value(json_object_get(v,
			"protocol"));

		if (dst == NULL || (proto != NULL &&
				    strcmp(proto, "kernel") == 0))
			continue;
		if ((ag->cluster_cidr[0] && inside(dst, ag->cluster_cidr)) ||
		    json_object_get(mine, dst) != NULL ||
		    json_object_get(ag->my_routes, dst) != NULL) {
			canon(v, key, sizeof(key));
			json_object_set_new(have, key, json_true());
			continue;	/* ours */
		}
		json_array_append_new(want, put_shape(v));
	}
	if (json_equal(have, need)) {
		rc = 0;
		goto done;
	}
	list = json_pack("{s:O}", "routes", want);
	{
		char *body = json_dumps(list, JSON_COMPACT);

		st = ag_ps_request(&ag->ps, "PUT", "/v1/routes", body,
				   strlen(body), &out, err, sizeof(err));
		free(body);
	}
	json_decref(list);
	if (st == 200) {
		/* what we set, to know it as ours once its Node is gone */
		json_decref(ag->my_routes);
		ag->my_routes = json_incref(mine);
		LOG_INFO("routes", "routes to %zu nodes' pod CIDRs (%s) set",
			 json_object_size(need), ag->opt.vxlan ? "vxlan" :
			 "host-gw");
		ag->m.route_syncs++;
		rc = 0;
	} else {
		LOG_WARN("routes", "PUT /v1/routes failed: %s",
			 st < 0 ? err : out.p ? out.p : "");
	}
	ag_buf_free(&out);
done:
	json_decref(nodes);
	json_decref(want);
	json_decref(cur);
	json_decref(mine);
	json_decref(have);
	json_decref(need);
	return rc;
}
