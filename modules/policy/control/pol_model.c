/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sets of Namespaces, Pods and NetworkPolicies, and label selector
 * matching. A few thousand objects: arrays searched by name are enough,
 * and the compile walks them whole anyway. Policies stay sorted by
 * namespace/name, the order they are listed and charged denials in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include <podswitch/inet.h>

#include "pol_model.h"

static int
grow(void *arr, unsigned int *cap, unsigned int n)
{
	void **a = arr;
	unsigned int c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*a, sizeof(void *) * c);
	if (p == NULL)
		return -ENOMEM;
	*a = p;
	*cap = c;
	return 0;
}

static int
ns_name_cmp(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int c = strcmp(ns1, ns2);

	return c != 0 ? c : strcmp(n1, n2);
}

int
pol_model_put_namespace(struct pol_model *m, struct pol_namespace *o)
{
	unsigned int i;

	for (i = 0; i < m->nb_nss; i++)
		if (strcmp(m->nss[i]->name, o->name) == 0) {
			pol_namespace_free(m->nss[i]);
			m->nss[i] = o;
			m->generation++;
			return 0;
		}
	if (grow(&m->nss, &m->cap_nss, m->nb_nss) < 0) {
		pol_namespace_free(o);
		return -ENOMEM;
	}
	m->nss[m->nb_nss++] = o;
	m->generation++;
	return 0;
}

int
pol_model_put_pod(struct pol_model *m, struct pol_pod *o)
{
	unsigned int i;

	for (i = 0; i < m->nb_pods; i++)
		if (!ns_name_cmp(m->pods[i]->ns, m->pods[i]->name, o->ns,
				 o->name)) {
			pol_pod_free(m->pods[i]);
			m->pods[i] = o;
			m->generation++;
			return 0;
		}
	if (grow(&m->pods, &m->cap_pods, m->nb_pods) < 0) {
		pol_pod_free(o);
		return -ENOMEM;
	}
	m->pods[m->nb_pods++] = o;
	m->generation++;
	return 0;
}

/* The index of ns/name in pols, or where it would go (*found false). */
static unsigned int
pol_index(const struct pol_model *m, const char *ns, const char *name,
	  bool *found)
{
	unsigned int lo = 0, hi = m->nb_pols;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		int c = ns_name_cmp(m->pols[mid]->ns, m->pols[mid]->name, ns,
				    name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int
pol_model_put_policy(struct pol_model *m, struct pol_policy *o)
{
	bool found;
	unsigned int i = pol_index(m, o->ns, o->name, &found);

	if (found) {
		pol_policy_free(m->pols[i]);
		m->pols[i] = o;
		m->generation++;
		return 0;
	}
	if (grow(&m->pols, &m->cap_pols, m->nb_pols) < 0) {
		pol_policy_free(o);
		return -ENOMEM;
	}
	memmove(&m->pols[i + 1], &m->pols[i],
		(m->nb_pols - i) * sizeof(*m->pols));
	m->pols[i] = o;
	m->nb_pols++;
	m->generation++;
	return 0;
}

int
pol_model_del_namespace(struct pol_model *m, const char *name)
{
	unsigned int i;

	for (i = 0; i < m->nb_nss; i++)
		if (strcmp(m->nss[i]->name, name) == 0) {
			pol_namespace_free(m->nss[i]);
			m->nss[i] = m->nss[--m->nb_nss];
			m->generation++;
			return 0;
		}
	return -ENOENT;
}

int
pol_model_del_pod(struct pol_model *m, const char *ns, const char *name)
{
	unsigned int i;

	for (i = 0; i < m->nb_pods; i++)
		if (!ns_name_cmp(m->pods[i]->ns, m->pods[i]->name, ns, name)) {
			pol_pod_free(m->pods[i]);
			m->pods[i] = m->pods[--m->nb_pods];
			m->generation++;
			return 0;
		}
	return -ENOENT;
}

int
pol_model_del_policy(struct pol_model *m, const char *ns, const char *name)
{
	bool found;
	unsigned int i = pol_index(m, ns, name, &found);

	if (!found)
		return -ENOENT;
	pol_policy_free(m->pols[i]);
	memmove(&m->pols[i], &m->pols[i + 1],
		(m->nb_pols - i - 1) * sizeof(*m->pols));
	m->nb_pols--;
	m->generation++;
	return 0;
}

const struct pol_namespace *
pol_model_namespace(const struct pol_model *m, const char *name)
{
	unsigned int i;

	for (i = 0; i < m->nb_nss; i++)
		if (strcmp(m->nss[i]->name, name) == 0)
			return m->nss[i];
	return NULL;
}

struct pol_policy *
pol_model_policy(const struct pol_model *m, const char *ns, const char *name)
{
	bool found;
	unsigned int i = pol_index(m, ns, name, &found);

	return found ? m->pols[i] : NULL;
}

const struct pol_pod *
pol_model_pod(const struct pol_model *m, const char *ns, const char *name)
{
	unsigned int i;

	for (i = 0; i < m->nb_pods; i++)
		if (!ns_name_cmp(m->pods[i]->ns, m->pods[i]->name, ns, name))
			return m->pods[i];
	return NULL;
}

void
pol_model_clear(struct pol_model *m)
{
	unsigned int i;

	for (i = 0; i < m->nb_nss; i++)
		pol_namespace_free(m->nss[i]);
	for (i = 0; i < m->nb_pods; i++)
		pol_pod_free(m->pods[i]);
	for (i = 0; i < m->nb_pols; i++)
		pol_policy_free(m->pols[i]);
	free(m->nss);
	free(m->pods);
	free(m->pols);
	memset(m, 0, sizeof(*m));
}

/* Selectors -------------------------------------------------------------- */

static bool
expr_match(const struct pol_expr *x, const json_t *labels)
{
	const char *v = json_string_value(json_object_get(labels, x->key));
	unsigned int i;
	bool in = false;

	switch (x->op) {
	case POL_OP_EXISTS:
		return v != NULL;
	case POL_OP_DOES_NOT_EXIST:
		return v == NULL;
	default:
		break;
	}
	for (i = 0; v != NULL && i < x->nb_values; i++)
		if (strcmp(v, x->values[i]) == 0) {
			in = true;
			break;
		}
	/* NotIn: a pod without the key is not in the set */
	return x->op == POL_OP_IN ? in : !in;
}

bool
pol_selector_match(const struct pol_selector *s, const json_t *labels)
{
	const char *k;
	json_t *v;
	unsigned int i;

	json_object_foreach(s->match_labels, k, v) {
		const char *have = json_string_value(json_object_get(labels,
								     k));

		if (have == NULL || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	for (i = 0; i < s->nb_exprs; i++)
		if (!expr_match(&s->exprs[i], labels))
			return false;
	return true;
}

bool
pol_ns_match(const struct pol_model *m, const struct pol_selector *s,
	     const char *ns)
{
	const struct pol_namespace *n = pol_model_namespace(m, ns);
	json_t *implied;
	bool r;

	if (n != NULL)
		return pol_selector_match(s, n->labels);
	implied = json_pack("{s:s}", "kubernetes.io/metadata.name", ns);
	r = pol_selector_match(s, implied);
	json_decref(implied);
	return r;
}

static bool
in_cidr(const struct pol_cidr *c, uint32_t ip)
{
	return ps_prefix4_net(ip, c->len) == c->addr;
}

bool
pol_block_has(const struct pol_peer *pe, uint32_t ip)
{
	unsigned int i;

	if (!in_cidr(&pe->cidr, ip))
		return false;
	for (i = 0; i < pe->nb_except; i++)
		if (in_cidr(&pe->except[i], ip))
			return false;
	return true;
}

bool
pol_peer_has_pod(const struct pol_model *m, const struct pol_peer *pe,
		 const char *ns, const struct pol_pod *p)
{
	if (pe->ip_block)
		return p->ip != 0 && pol_block_has(pe, p->ip);
	if (pe->ns_sel != NULL) {
		if (!pol_ns_match(m, pe->ns_sel, p->ns))
			return false;
	} else if (strcmp(p->ns, ns) != 0) {
		return false;
	}
	return pe->pod_sel == NULL || pol_selector_match(pe->pod_sel,
							 p->labels);
}

int
pol_pod_named_port(const struct pol_pod *p, const char *name, uint8_t proto)
{
	unsigned int i;

	for (i = 0; i < p->nb_ports; i++)
		if (p->ports[i].proto == proto &&
		    strcmp(p->ports[i].name, name) == 0)
			return p->ports[i].port;
	return -1;
}
