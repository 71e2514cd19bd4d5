/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Namespace, Pod and NetworkPolicy from their Kubernetes JSON (as
 * `kubectl get -o json` prints them). Only what enforcement reads is
 * kept; the rest of an object is ignored. What podswitch cannot serve
 * in a policy (SCTP ports, IPv6 blocks) is left out with a reason, and
 * a rule left without any port or peer it had matches nothing, never
 * everything.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/inet.h>

#include "pol_model.h"

#define MD_NAME_KEY "kubernetes.io/metadata.name"

static bool
copy_name(char *dst, const json_t *v, const char *path, const char *what,
	  struct ps_errors *errs)
{
	const char *s = json_string_value(v);

	if (s == NULL || s[0] == '\0' || strlen(s) >= POL_NAME_MAX) {
		ps_errors_add(errs, path, "%s: expected a name (1 to %d "
			      "characters)", what, POL_NAME_MAX - 1);
		return false;
	}
	snprintf(dst, POL_NAME_MAX, "%s", s);
	return true;
}

/* metadata.namespace (default "default") and metadata.name */
static bool
ns_and_name(const json_t *o, const char *path, char *ns, char *name,
	    struct ps_errors *errs)
{
	const json_t *md = json_object_get(o, "metadata");
	const json_t *n = json_object_get(md, "namespace");
	bool ok;

	ok = copy_name(name, json_object_get(md, "name"), path,
		       "metadata.name", errs);
	if (n == NULL) {
		snprintf(ns, POL_NAME_MAX, "default");
		return ok;
	}
	return copy_name(ns, n, path, "metadata.namespace", errs) && ok;
}

/* A copy of labels (an object of strings), or an empty object. */
static json_t *
labels_of(const json_t *o, const char *path, struct ps_errors *errs)
{
	const json_t *l = json_object_get(json_object_get(o, "metadata"),
					  "labels");
	const char *k;
	json_t *v;

	if (l == NULL || json_is_null(l))
		return json_object();
	if (!json_is_object(l)) {
		ps_errors_add(errs, path, "metadata.labels: expected an "
			      "object");
		return NULL;
	}
	json_object_foreach((json_t *)(uintptr_t)l, k, v)
		if (!json_is_string(v)) {
			ps_errors_add(errs, path, "metadata.labels.%s: "
				      "expected a string", k);
			return NULL;
		}
	return json_deep_copy(l);
}

void
pol_namespace_free(struct pol_namespace *n)
{
	if (n == NULL)
		return;
	json_decref(n->labels);
	free(n);
}

struct pol_namespace *
pol_namespace_parse(const json_t *o, const char *path,
		    struct ps_errors *errs)
{
	struct pol_namespace *n = calloc(1, sizeof(*n));
	unsigned int seen = ps_errors_seen(errs);

	if (n == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return NULL;
	}
	copy_name(n->name, json_object_get(json_object_get(o, "metadata"),
					   "name"), path, "metadata.name",
		  errs);
	n->labels = labels_of(o, path, errs);
	if (ps_errors_seen(errs) != seen || n->labels == NULL) {
		pol_namespace_free(n);
		return NULL;
	}
	/* Kubernetes sets it on every namespace (1.21 on) */
	json_object_set_new(n->labels, MD_NAME_KEY, json_string(n->name));
	return n;
}

/* Selectors -------------------------------------------------------------- */

static void
selector_fini(struct pol_selector *s)
{
	unsigned int i, j;

	json_decref(s->match_labels);
	for (i = 0; i < s->nb_exprs; i++) {
		free(s->exprs[i].key);
		for (j = 0; j < s->exprs[i].nb_values; j++)
			free(s->exprs[i].values[j]);
		free(s->exprs[i].values);
	}
	free(s->exprs);
	memset(s, 0, sizeof(*s));
}

static void
selector_free(struct pol_selector *s)
{
	if (s == NULL)
		return;
	selector_fini(s);
	free(s);
}

static bool
parse_op(const char *s, enum pol_op *op)
{
	static const char *const names[] = {
		[POL_OP_IN] = "In", [POL_OP_NOT_IN] = "NotIn",
		[POL_OP_EXISTS] = "Exists",
		[POL_OP_DOES_NOT_EXIST] = "DoesNotExist",
	};
	unsigned int i;

	for (i = 0; s != NULL && i < RTE_DIM(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*op = (enum pol_op)i;
			return true;
		}
	return false;
}

static void
parse_expr(const json_t *e, const char *path, struct pol_expr *x,
	   struct ps_errors *errs)
{
	const char *key = json_string_value(json_object_get(e, "key"));
	const json_t *vals = json_object_get(e, "values"), *v;
	size_t i;

	if (key == NULL || key[0] == '\0') {
		ps_errors_add(errs, path, "key: expected a label key");
		return;
	}
	x->key = strdup(key);
	if (!parse_op(json_string_value(json_object_get(e, "operator")),
		      &x->op)) {
		ps_errors_add(errs, path, "operator: expected In, NotIn, "
			      "Exists or DoesNotExist");
		return;
	}
	if (vals != NULL && !json_is_null(vals) && !json_is_array(vals)) {
		ps_errors_add(errs, path, "values: expected an array");
		return;
	}
	if ((x->op == POL_OP_IN || x->op == POL_OP_NOT_IN) &&
	    json_array_size(vals) == 0) {
		ps_errors_add(errs, path, "values: In and NotIn need values");
		return;
	}
	if ((x->op == POL_OP_EXISTS || x->op == POL_OP_DOES_NOT_EXIST) &&
	    json_array_size(vals) > 0) {
		ps_errors_add(errs, path, "values: must be empty for "
			      "Exists and DoesNotExist");
		return;
	}
	x->values = calloc(json_array_size(vals) + 1, sizeof(*x->values));
	if (x->values == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return;
	}
	json_array_foreach(vals, i, v) {
		if (!json_is_string(v)) {
			ps_errors_add(errs, path, "values[%zu]: expected a "
				      "string", i);
			return;
		}
		x->values[x->nb_values++] = strdup(json_string_value(v));
	}
}

/* s from the LabelSelector j (present). */
static void
parse_selector(const json_t *j, const char *path, struct pol_selector *s,
	       struct ps_errors *errs)
{
	const json_t *ml, *me, *e;
	char p[256];
	const char *k;
	json_t *v;
	size_t i;

	if (!json_is_object(j)) {
		ps_errors_add(errs, path, "expected a label selector object");
		return;
	}
	ml = json_object_get(j, "matchLabels");
	if (ml != NULL && !json_is_null(ml)) {
		if (!json_is_object(ml)) {
			ps_errors_add(errs, path, "matchLabels: expected an "
				      "object");
			return;
		}
		json_object_foreach((json_t *)(uintptr_t)ml, k, v)
			if (!json_is_string(v)) {
				ps_errors_add(errs, path, "matchLabels.%s: "
					      "expected a string", k);
				return;
			}
		s->match_labels = json_deep_copy(ml);
	}
	me = json_object_get(j, "matchExpressions");
	if (me == NULL || json_is_null(me))
		return;
	if (!json_is_array(me)) {
		ps_errors_add(errs, path, "matchExpressions: expected an "
			      "array");
		return;
	}
	s->exprs = calloc(json_array_size(me) + 1, sizeof(*s->exprs));
	if (s->exprs == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return;
	}
	json_array_foreach(me, i, e) {
		snprintf(p, sizeof(p), "%s.matchExpressions[%zu]", path, i);
		parse_expr(e, p, &s->exprs[s->nb_exprs++], errs);
	}
}

static struct pol_selector *
selector_new(const json_t *j, const char *path, struct ps_errors *errs)
{
	struct pol_selector *s;

	if (j == NULL || json_is_null(j))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return NULL;
	}
	parse_selector(j, path, s, errs);
	return s;
}

/* Pods ------------------------------------------------------------------- */

void
pol_pod_free(struct pol_pod *p)
{
	if (p == NULL)
		return;
	json_decref(p->labels);
	free(p->ports);
	free(p);
}

static int
parse_proto(const json_t *v, uint8_t *proto)
{
	const char *s = json_string_value(v);

	if (v == NULL || json_is_null(v) || (s != NULL && !strcmp(s, "TCP")))
		*proto = IPPROTO_TCP;
	else if (s != NULL && strcmp(s, "UDP") == 0)
		*proto = IPPROTO_UDP;
	else if (s != NULL && strcmp(s, "SCTP") == 0)
		*proto = IPPROTO_SCTP;
	else
		return -1;
	return 0;
}

/* spec.containers[].ports[] with a name: the named ports. */
static void
pod_ports(const json_t *spec, const char *path, struct pol_pod *p,
	  struct ps_errors *errs)
{
	const json_t *cs = json_object_get(spec, "containers"), *c, *pt;
	size_t i, j, n = 0;

	json_array_foreach(cs, i, c)
		n += json_array_size(json_object_get(c, "ports"));
	if (n == 0)
		return;
	p->ports = calloc(n, sizeof(*p->ports));
	if (p->ports == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return;
	}
	json_array_foreach(cs, i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, pt) {
			const char *name = json_string_value(
				json_object_get(pt, "name"));
			json_int_t num = json_integer_value(
				json_object_get(pt, "containerPort"));
			struct pol_named_port *np = &p->ports[p->nb_ports];

			if (name == NULL || name[0] == '\0')
				continue;
			if (strlen(name) >= POL_PORT_NAME_MAX || num < 1 ||
			    num > 65535 || parse_proto(json_object_get(pt,
				"protocol"), &np->proto) < 0) {
				ps_errors_add(errs, path, "spec.containers[%zu]"
					      ".ports[%zu]: expected a name, "
					      "a containerPort 1..65535 and "
					      "TCP, UDP or SCTP", i, j);
				continue;
			}
			snprintf(np->name, sizeof(np->name), "%s", name);
			np->port = (uint16_t)num;
			p->nb_ports++;
		}
	}
}

/* status.podIP, else the first IPv4 of status.podIPs; IPv6 ignored. */
static void
pod_ip(const json_t *st, const char *path, struct pol_pod *p,
       struct ps_errors *errs)
{
	const char *s = json_string_value(json_object_get(st, "podIP"));
	const json_t *ips = json_object_get(st, "podIPs"), *e;
	size_t i;

	if (s != NULL && strchr(s, ':') == NULL) {
		if (ps_parse_ip4(s, &p->ip) < 0)
			ps_errors_add(errs, path, "status.podIP: bad address "
				      "'%s'", s);
		return;
	}
	json_array_foreach(ips, i, e) {
		s = json_string_value(json_object_get(e, "ip"));
		if (s != NULL && strchr(s, ':') == NULL &&
		    ps_parse_ip4(s, &p->ip) == 0)
			return;
	}
}

struct pol_pod *
pol_pod_parse(const json_t *o, const char *path, struct ps_errors *errs)
{
	struct pol_pod *p = calloc(1, sizeof(*p));
	const json_t *spec = json_object_get(o, "spec");
	unsigned int seen = ps_errors_seen(errs);
	const char *node;

	if (p == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return NULL;
	}
	ns_and_name(o, path, p->ns, p->name, errs);
	p->labels = labels_of(o, path, errs);
	node = json_string_value(json_object_get(spec, "nodeName"));
	snprintf(p->node, sizeof(p->node), "%s", node ? node : "");
	p->host_network = json_is_true(json_object_get(spec, "hostNetwork"));
	pod_ip(json_object_get(o, "status"), path, p, errs);
	pod_ports(spec, path, p, errs);
	if (ps_errors_seen(errs) != seen || p->labels == NULL) {
		pol_pod_free(p);
		return NULL;
	}
	return p;
}

/* NetworkPolicies -------------------------------------------------------- */

struct parse_ctx {
	const char *path;
	struct ps_errors *errs;
	pol_skip_cb skip;
	void *skip_arg;
};

static void
skip(const struct parse_ctx *c, const char *sub, const char *reason)
{
	char p[256];

	snprintf(p, sizeof(p), "%s.%s", c->path, sub);
	if (c->skip != NULL)
		c->skip(p, reason, c->skip_arg);
}

static void
peer_fini(struct pol_peer *pe)
{
	selector_free(pe->pod_sel);
	selector_free(pe->ns_sel);
	free(pe->except);
}

/* Returns false for a peer left out (an IPv6 block), after saying so. */
static bool
parse_block(const struct parse_ctx *c, const char *sub, const json_t *b,
	    struct pol_peer *pe)
{
	const char *cidr = json_string_value(json_object_get(b, "cidr"));
	const json_t *ex = json_object_get(b, "except"), *e;
	struct ps_prefix4 pf;
	size_t i;

	if (cidr != NULL && strchr(cidr, ':') != NULL) {
		skip(c, sub, "ipBlock: IPv6 is not served");
		return false;
	}
	if (cidr == NULL || ps_parse_prefix4(cidr, &pf) < 0) {
		ps_errors_add(c->errs, c->path, "%s.ipBlock.cidr: expected "
			      "a.b.c.d/len", sub);
		return true;
	}
	pe->ip_block = true;
	pe->cidr.len = pf.len;
	pe->cidr.addr = ps_prefix4_net(pf.addr, pf.len);
	pe->except = calloc(json_array_size(ex) + 1, sizeof(*pe->except));
	if (pe->except == NULL) {
		ps_errors_add(c->errs, c->path, "out of memory");
		return true;
	}
	json_array_foreach(ex, i, e) {
		const char *s = json_string_value(e);

		if (s != NULL && strchr(s, ':') != NULL)
			continue;
		if (s == NULL || ps_parse_prefix4(s, &pf) < 0) {
			ps_errors_add(c->errs, c->path, "%s.ipBlock.except"
				      "[%zu]: expected a.b.c.d/len", sub, i);
			continue;
		}
		pe->except[pe->nb_except].len = pf.len;
		pe->except[pe->nb_except++].addr =
			ps_prefix4_net(pf.addr, pf.len);
	}
	return true;
}

static bool
parse_peer(const struct parse_ctx *c, const char *sub, const json_t *j,
	   struct pol_peer *pe)
{
	const json_t *b = json_object_get(j, "ipBlock");
	char p[256];

	if (!json_is_object(j)) {
		ps_errors_add(c->errs, c->path, "%s: expected an object", sub);
		return true;
	}
	snprintf(p, sizeof(p), "%s.%s.podSelector", c->path, sub);
	pe->pod_sel = selector_new(json_object_get(j, "podSelector"), p,
				   c->errs);
	snprintf(p, sizeof(p), "%s.%s.namespaceSelector", c->path, sub);
	pe->ns_sel = selector_new(json_object_get(j, "namespaceSelector"), p,
				  c->errs);
	if (b != NULL && !json_is_null(b)) {
		if (pe->pod_sel != NULL || pe->ns_sel != NULL) {
			ps_errors_add(c->errs, c->path, "%s: ipBlock cannot "
				      "go with a selector", sub);
			return true;
		}
		return parse_block(c, sub, b, pe);
	}
	if (pe->pod_sel == NULL && pe->ns_sel == NULL)
		ps_errors_add(c->errs, c->path, "%s: expected podSelector, "
			      "namespaceSelector or ipBlock", sub);
	return true;
}

static bool
parse_port(const struct parse_ctx *c, const char *sub, const json_t *j,
	   struct pol_port *pt)
{
	const json_t *port = json_object_get(j, "port");
	const json_t *end = json_object_get(j, "endPort");

	if (!json_is_object(j) ||
	    parse_proto(json_object_get(j, "protocol"), &pt->proto) < 0) {
		ps_errors_add(c->errs, c->path, "%s: expected a protocol "
			      "TCP, UDP or SCTP", sub);
		return true;
	}
	if (pt->proto == IPPROTO_SCTP) {
		skip(c, sub, "SCTP is not served");
		return false;
	}
	if (port == NULL || json_is_null(port)) {
		pt->any_port = true;
		pt->end_port = 65535;
	} else if (json_is_string(port)) {
		if (strlen(json_string_value(port)) >= POL_PORT_NAME_MAX ||
		    json_string_value(port)[0] == '\0') {
			ps_errors_add(c->errs, c->path, "%s.port: a port "
				      "name is 1 to 63 characters", sub);
			return true;
		}
		snprintf(pt->name, sizeof(pt->name), "%s",
			 json_string_value(port));
	} else if (json_is_integer(port) && json_integer_value(port) >= 1 &&
		   json_integer_value(port) <= 65535) {
		pt->port = pt->end_port = (uint16_t)json_integer_value(port);
	} else {
		ps_errors_add(c->errs, c->path, "%s.port: expected 1..65535 "
			      "or a port name", sub);
		return true;
	}
	if (end == NULL || json_is_null(end))
		return true;
	if (!json_is_integer(end) || pt->name[0] != '\0' || pt->any_port ||
	    json_integer_value(end) < pt->port ||
	    json_integer_value(end) > 65535) {
		ps_errors_add(c->errs, c->path, "%s.endPort: expected a "
			      "number from port to 65535 with a numeric "
			      "port", sub);
		return true;
	}
	pt->end_port = (uint16_t)json_integer_value(end);
	return true;
}

static void
rule_fini(struct pol_rule *r)
{
	unsigned int i;

	for (i = 0; i < r->nb_peers; i++)
		peer_fini(&r->peers[i]);
	free(r->peers);
	free(r->ports);
}

static void
parse_rule(const struct parse_ctx *c, const char *sub, const json_t *j,
	   const char *peers_key, struct pol_rule *r)
{
	const json_t *peers = json_object_get(j, peers_key), *e;
	const json_t *ports = json_object_get(j, "ports");
	char p[160];
	size_t i;

	if (!json_is_object(j) ||
	    (peers != NULL && !json_is_null(peers) && !json_is_array(peers)) ||
	    (ports != NULL && !json_is_null(ports) && !json_is_array(ports))) {
		ps_errors_add(c->errs, c->path, "%s: expected {%s: [...], "
			      "ports: [...]}", sub, peers_key);
		return;
	}
	r->all_peers = json_array_size(peers) == 0;
	r->all_ports = json_array_size(ports) == 0;
	r->peers = calloc(json_array_size(peers) + 1, sizeof(*r->peers));
	r->ports = calloc(json_array_size(ports) + 1, sizeof(*r->ports));
	if (r->peers == NULL || r->ports == NULL) {
		ps_errors_add(c->errs, c->path, "out of memory");
		return;
	}
	json_array_foreach(peers, i, e) {
		snprintf(p, sizeof(p), "%s.%s[%zu]", sub, peers_key, i);
		if (parse_peer(c, p, e, &r->peers[r->nb_peers]))
			r->nb_peers++;
		else
			peer_fini(&r->peers[r->nb_peers]);
		memset(&r->peers[r->nb_peers], 0, sizeof(*r->peers));
	}
	json_array_foreach(ports, i, e) {
		snprintf(p, sizeof(p), "%s.ports[%zu]", sub, i);
		if (parse_port(c, p, e, &r->ports[r->nb_ports]))
			r->nb_ports++;
		else
			memset(&r->ports[r->nb_ports], 0, sizeof(*r->ports));
	}
}

static void
parse_types(const struct parse_ctx *c, const json_t *spec,
	    struct pol_policy *pol)
{
	const json_t *t = json_object_get(spec, "policyTypes"), *e;
	size_t i;

	if (t == NULL || json_is_null(t) || json_array_size(t) == 0) {
		/* the API server's defaults */
		pol->types[POL_INGRESS] = true;
		pol->types[POL_EGRESS] =
			json_array_size(json_object_get(spec, "egress")) > 0;
		return;
	}
	if (!json_is_array(t)) {
		ps_errors_add(c->errs, c->path, "spec.policyTypes: expected "
			      "an array");
		return;
	}
	json_array_foreach(t, i, e) {
		const char *s = json_string_value(e);

		if (s != NULL && strcmp(s, "Ingress") == 0)
			pol->types[POL_INGRESS] = true;
		else if (s != NULL && strcmp(s, "Egress") == 0)
			pol->types[POL_EGRESS] = true;
		else
			ps_errors_add(c->errs, c->path, "spec.policyTypes[%zu]"
				      ": expected Ingress or Egress", i);
	}
}

void
pol_policy_free(struct pol_policy *p)
{
	unsigned int d, i;

	if (p == NULL)
		return;
	selector_fini(&p->pod_sel);
	for (d = 0; d < POL_NB_DIRS; d++) {
		for (i = 0; i < p->nb_rules[d]; i++)
			rule_fini(&p->rules[d][i]);
		free(p->rules[d]);
	}
	free(p);
}

struct pol_policy *
pol_policy_parse(const json_t *o, const char *path, struct ps_errors *errs,
		 pol_skip_cb skip_cb, void *skip_arg)
{
	static const char *const keys[POL_NB_DIRS] = { "ingress", "egress" };
	static const char *const peer_keys[POL_NB_DIRS] = { "from", "to" };
	struct parse_ctx c = { path, errs, skip_cb, skip_arg };
	struct pol_policy *p = calloc(1, sizeof(*p));
	const json_t *spec = json_object_get(o, "spec"), *ps, *r;
	unsigned int seen = ps_errors_seen(errs), d;
	char sub[64], sp[256];
	size_t i;

	if (p == NULL) {
		ps_errors_add(errs, path, "out of memory");
		return NULL;
	}
	ns_and_name(o, path, p->ns, p->name, errs);
	if (!json_is_object(spec)) {
		ps_errors_add(errs, path, "spec: expected an object");
		goto out;
	}
	ps = json_object_get(spec, "podSelector");
	snprintf(sp, sizeof(sp), "%s.spec.podSelector", path);
	if (ps != NULL && !json_is_null(ps))
		parse_selector(ps, sp, &p->pod_sel, errs);
	parse_types(&c, spec, p);
	for (d = 0; d < POL_NB_DIRS; d++) {
		const json_t *rules = json_object_get(spec, keys[d]);

		if (rules != NULL && !json_is_null(rules) &&
		    !json_is_array(rules)) {
			ps_errors_add(errs, path, "spec.%s: expected an "
				      "array", keys[d]);
			continue;
		}
		p->rules[d] = calloc(json_array_size(rules) + 1,
				     sizeof(*p->rules[d]));
		if (p->rules[d] == NULL) {
			ps_errors_add(errs, path, "out of memory");
			goto out;
		}
		json_array_foreach(rules, i, r) {
			snprintf(sub, sizeof(sub), "spec.%s[%zu]", keys[d], i);
			parse_rule(&c, sub, r, peer_keys[d],
				   &p->rules[d][p->nb_rules[d]++]);
		}
	}
out:
	if (ps_errors_seen(errs) != seen) {
		pol_policy_free(p);
		return NULL;
	}
	p->nb_slots = 2 + p->nb_rules[POL_INGRESS] + p->nb_rules[POL_EGRESS];
	return p;
}
