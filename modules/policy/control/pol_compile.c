/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A generation from the model: which local pods each policy selects
 * (flags per host of the pod subnet) and every allow rule they get, in
 * one rte_acl context (policy_dp.h), once per group of pods that the same
 * policies select (with the same named ports). Only pods of this node's pod subnet
 * are selected here: a remote pod's egress is its own node's to check,
 * its ingress too. Peers are addresses: a selector peer becomes the /32
 * of each pod it takes (on any node), an ipBlock its CIDR less its
 * excepts, as prefixes. A named port is resolved on the pod that
 * receives: the selected pod for ingress, each destination pod for
 * egress (a block or "every peer" then means each known pod in it that
 * has the port).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <podswitch/inet.h>

#include "pol_compile.h"

const struct rte_acl_field_def pol_acl_fields[POL_NB_FIELDS] = {
	[POL_FIELD_PROTO] = {
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1,
		.field_index = POL_FIELD_PROTO, .input_index = 0,
		.offset = offsetof(struct pol_acl_key, proto),
	},
	[POL_FIELD_POD] = {
		.type = RTE_ACL_FIELD_TYPE_MASK, .size = 4,
		.field_index = POL_FIELD_POD, .input_index = 1,
		.offset = offsetof(struct pol_acl_key, pod),
	},
	[POL_FIELD_PEER] = {
		.type = RTE_ACL_FIELD_TYPE_MASK, .size = 4,
		.field_index = POL_FIELD_PEER, .input_index = 2,
		.offset = offsetof(struct pol_acl_key, peer),
	},
	[POL_FIELD_DIR] = {
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 2,
		.field_index = POL_FIELD_DIR, .input_index = 3,
		.offset = offsetof(struct pol_acl_key, dir),
	},
	[POL_FIELD_DPORT] = {
		.type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2,
		.field_index = POL_FIELD_DPORT, .input_index = 3,
		.offset = offsetof(struct pol_acl_key, dport),
	},
};

struct build {
	const struct pol_model *m;
	struct pol_ctx *c;
	struct pol_acl_rule *rules;
	uint32_t n, cap;
	int err;
	json_t *groups;		/* signature: group id */
	uint32_t *sel;		/* [nb_pols] policies of the pod at hand */
	/* the rule being expanded */
	uint16_t dir;
	uint32_t pod;		/* its group */
	uint32_t slot;
};

static void
add(struct build *b, uint32_t peer, uint8_t len, uint8_t proto,
    uint16_t lo, uint16_t hi)
{
	struct pol_acl_rule *r;

	if (b->n == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 1024;
		void *p = realloc(b->rules, cap * sizeof(*b->rules));

		if (p == NULL) {
			b->err = -ENOMEM;
			return;
		}
		b->rules = p;
		b->cap = cap;
	}
	r = &b->rules[b->n++];
	memset(r, 0, sizeof(*r));
	r->data.category_mask = 1;
	r->data.priority = 1;
	r->data.userdata = b->slot + 1;
	r->field[POL_FIELD_PROTO].value.u8 = proto;
	r->field[POL_FIELD_PROTO].mask_range.u8 = proto ? 0xff : 0;
	r->field[POL_FIELD_POD].value.u32 = b->pod;
	r->field[POL_FIELD_POD].mask_range.u32 = 32;
	r->field[POL_FIELD_PEER].value.u32 = len ? rte_be_to_cpu_32(peer) : 0;
	r->field[POL_FIELD_PEER].mask_range.u32 = len;
	r->field[POL_FIELD_DIR].value.u16 = b->dir;
	r->field[POL_FIELD_DIR].mask_range.u16 = 0xffff;
	r->field[POL_FIELD_DPORT].value.u16 = lo;
	r->field[POL_FIELD_DPORT].mask_range.u16 = hi;
}

/* What a peer prefix gets of a rule's numeric ports (named ones: see
 * add_named). */
static void
add_ports(struct build *b, const struct pol_rule *r, uint32_t peer,
	  uint8_t len)
{
	unsigned int i;

	if (r->all_ports) {
		add(b, peer, len, 0, 0, 65535);
		return;
	}
	for (i = 0; i < r->nb_ports; i++)
		if (r->ports[i].name[0] == '\0')
			add(b, peer, len, r->ports[i].proto, r->ports[i].port,
			    r->ports[i].end_port);
}

/* The named ports of r as dst (the pod that receives) has them. */
static void
add_named(struct build *b, const struct pol_rule *r, uint32_t peer,
	  uint8_t len, const struct pol_pod *dst)
{
	unsigned int i;
	int port;

	for (i = 0; i < r->nb_ports; i++) {
		if (r->ports[i].name[0] == '\0')
			continue;
		port = pol_pod_named_port(dst, r->ports[i].name,
					  r->ports[i].proto);
		if (port > 0)
			add(b, peer, len, r->ports[i].proto, (uint16_t)port,
			    (uint16_t)port);
	}
}

static bool
has_named(const struct pol_rule *r)
{
	unsigned int i;

	for (i = 0; i < r->nb_ports; i++)
		if (r->ports[i].name[0] != '\0')
			return true;
	return false;
}

/* addr/len (host order) less the excepts of pe, as prefixes, with r's
 * numeric ports, or its named ones as dst has them. */
static void
add_block(struct build *b, const struct pol_rule *r,
	  const struct pol_peer *pe, uint32_t addr, uint8_t len,
	  const struct pol_pod *dst)
{
	bool split = false;
	unsigned int i;

	for (i = 0; i < pe->nb_except; i++) {
		uint32_t ea = rte_be_to_cpu_32(pe->except[i].addr);
		uint8_t el = pe->except[i].len;

		if (el <= len && (addr & ps_prefix4_mask(el)) == ea)
			return;
		if (el > len && (ea & ps_prefix4_mask(len)) == addr)
			split = true;
	}
	if (!split) {
		if (dst != NULL)
			add_named(b, r, rte_cpu_to_be_32(addr), len, dst);
		else
			add_ports(b, r, rte_cpu_to_be_32(addr), len);
		return;
	}
	add_block(b, r, pe, addr, len + 1, dst);
	add_block(b, r, pe, addr | (1u << (31 - len)), len + 1, dst);
}

static bool
usable(const struct pol_pod *p)
{
	return p->ip != 0 && !p->host_network;
}

/* Rule r of policy pol for selected pod sel, direction d. */
static void
add_rule(struct build *b, const struct pol_policy *pol,
	 const struct pol_rule *r, const struct pol_pod *sel, unsigned int d)
{
	const struct pol_model *m = b->m;
	bool named = has_named(r);
	unsigned int i, k;

	if (r->all_peers) {
		add_ports(b, r, 0, 0);
		if (!named)
			return;
		if (d == POL_INGRESS) {
			add_named(b, r, 0, 0, sel);
			return;
		}
		for (k = 0; k < m->nb_pods; k++)
			if (usable(m->pods[k]))
				add_named(b, r, m->pods[k]->ip, 32,
					  m->pods[k]);
		return;
	}
	for (i = 0; i < r->nb_peers; i++) {
		const struct pol_peer *pe = &r->peers[i];

		if (pe->ip_block) {
			add_block(b, r, pe, rte_be_to_cpu_32(pe->cidr.addr),
				  pe->cidr.len, NULL);
			if (!named)
				continue;
			/* ingress: the block with sel's ports; egress: each
			 * pod in it with its own */
			if (d == POL_INGRESS) {
				add_block(b, r, pe,
					  rte_be_to_cpu_32(pe->cidr.addr),
					  pe->cidr.len, sel);
				continue;
			}
			for (k = 0; k < m->nb_pods; k++) {
				const struct pol_pod *p = m->pods[k];

				if (usable(p) && pol_block_has(pe, p->ip))
					add_named(b, r, p->ip, 32, p);
			}
			continue;
		}
		for (k = 0; k < m->nb_pods; k++) {
			const struct pol_pod *p = m->pods[k];

			if (!usable(p) || !pol_peer_has_pod(m, pe, pol->ns, p))
				continue;
			add_ports(b, r, p->ip, 32);
			if (named)
				add_named(b, r, p->ip, 32,
					  d == POL_INGRESS ? sel : p);
		}
	}
}

/*
 * The group of sel: pods selected by the same policies, with the same
 * named ports, get the same rules; the classifier keys them by group,
 * not by pod, so that a policy over many pods costs its rules once.
 * Returns the group's id; *is_new when sel is its first pod.
 */
static uint32_t
group_of(struct build *b, const struct pol_pod *sel, const uint32_t *pols,
	 unsigned int n, bool *is_new)
{
	char *sig, *p;
	size_t len = (size_t)n * 11 + (size_t)sel->nb_ports *
		     (POL_PORT_NAME_MAX + 12) + 2;
	unsigned int i;
	json_t *v;
	uint32_t id;

	sig = malloc(len);
	if (sig == NULL) {
		b->err = -ENOMEM;
		return 0;
	}
	p = sig;
	for (i = 0; i < n; i++)
		p += sprintf(p, "%u,", pols[i]);
	*p++ = '|';
	*p = '\0';
	for (i = 0; i < sel->nb_ports; i++)
		p += sprintf(p, "%s/%u/%u,", sel->ports[i].name,
			     sel->ports[i].proto, sel->ports[i].port);
	v = json_object_get(b->groups, sig);
	*is_new = v == NULL;
	if (v != NULL) {
		id = (uint32_t)json_integer_value(v);
	} else {
		id = (uint32_t)json_object_size(b->groups) + 1;
		json_object_set_new(b->groups, sig, json_integer(id));
	}
	free(sig);
	return id;
}

/* The policies of sel: flags, denial slots, group, and the group's
 * rules when sel is its first pod. */
static void
add_pod(struct build *b, const struct pol_pod *sel, uint32_t h)
{
	const struct pol_model *m = b->m;
	unsigned int i, d, k, n = 0;
	bool is_new = false;

	for (i = 0; i < m->nb_pols; i++) {
		struct pol_policy *pol = m->pols[i];

		if (strcmp(pol->ns, sel->ns) != 0 ||
		    !pol_selector_match(&pol->pod_sel, sel->labels))
			continue;
		pol->selected++;
		b->sel[n++] = i;
		for (d = 0; d < POL_NB_DIRS; d++) {
			if (!pol->types[d])
				continue;
			if (!(b->c->flags[h] & (1u << d)))
				b->c->deny_slot[2 * h + d] = pol->slot_base + d;
			b->c->flags[h] |= 1u << d;
		}
	}
	if (n == 0)
		return;
	b->c->group[h] = group_of(b, sel, b->sel, n, &is_new);
	if (!is_new || b->err != 0)
		return;
	b->pod = b->c->group[h];
	for (i = 0; i < n; i++) {
		struct pol_policy *pol = m->pols[b->sel[i]];
		uint32_t rule_slot = pol->slot_base + 2;

		for (d = 0; d < POL_NB_DIRS; d++) {
			if (!pol->types[d]) {
				rule_slot += pol->nb_rules[d];
				continue;
			}
			b->dir = d == POL_INGRESS ? POL_F_INGRESS :
				 POL_F_EGRESS;
			for (k = 0; k < pol->nb_rules[d]; k++) {
				b->slot = rule_slot++;
				add_rule(b, pol, &pol->rules[d][k], sel, d);
			}
		}
	}
}

static int
build_acl(struct build *b, const char *name)
{
	struct rte_acl_param prm = {
		.name = name,
		.socket_id = (int)rte_socket_id(),
		.rule_size = RTE_ACL_RULE_SZ(POL_NB_FIELDS),
		.max_rule_num = b->n,
	};
	struct rte_acl_config cfg = {
		.num_categories = 1,
		.num_fields = POL_NB_FIELDS,
	};
	struct rte_malloc_socket_stats before, after;
	int rc;

	if (b->n == 0)
		return 0;
	memcpy(cfg.defs, pol_acl_fields, sizeof(pol_acl_fields));
	rte_malloc_get_socket_stats(prm.socket_id, &before);
	b->c->acl = rte_acl_create(&prm);
	if (b->c->acl == NULL)
		return -ENOMEM;
	rc = rte_acl_add_rules(b->c->acl, (struct rte_acl_rule *)b->rules,
			       b->n);
	if (rc == 0)
		rc = rte_acl_build(b->c->acl, &cfg);
	rte_malloc_get_socket_stats(prm.socket_id, &after);
	if (after.heap_allocsz_bytes > before.heap_allocsz_bytes)
		b->c->mem_bytes = after.heap_allocsz_bytes -
				  before.heap_allocsz_bytes;
	return rc;
}

void
pol_ctx_free(struct pol_ctx *c)
{
	if (c == NULL)
		return;
	rte_acl_free(c->acl);
	free(c->flags);
	free(c->deny_slot);
	free(c->group);
	free(c);
}

int
pol_compile(const struct pol_model *m, const struct ps_prefix4 *pod_cidr,
	    uint64_t generation, struct pol_ctx **out)
{
	static unsigned int seq;
	struct build b = { .m = m };
	uint64_t t0 = rte_rdtsc();
	struct pol_ctx *c;
	char name[RTE_ACL_NAMESIZE];
	unsigned int i;
	uint32_t h;
	int rc;

	if (pod_cidr->len < POL_MIN_PLEN)
		return -E2BIG;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	b.c = c;
	c->generation = generation;
	c->pod_net = ps_prefix4_net(pod_cidr->addr, pod_cidr->len);
	c->host_mask = ~ps_prefix4_mask(pod_cidr->len);
	c->flags = calloc((size_t)c->host_mask + 1, 1);
	c->deny_slot = calloc(2 * ((size_t)c->host_mask + 1),
			      sizeof(*c->deny_slot));
	c->group = calloc((size_t)c->host_mask + 1, sizeof(*c->group));
	b.groups = json_object();
	b.sel = calloc(m->nb_pols + 1, sizeof(*b.sel));
	if (c->flags == NULL || c->deny_slot == NULL || c->group == NULL ||
	    b.groups == NULL || b.sel == NULL) {
		json_decref(b.groups);
		free(b.sel);
		pol_ctx_free(c);
		return -ENOMEM;
	}
	for (i = 0; i < m->nb_pols; i++)
		m->pols[i]->selected = 0;
	for (i = 0; i < m->nb_pods && b.err == 0; i++) {
		const struct pol_pod *p = m->pods[i];

		if (!usable(p) || ps_prefix4_net(p->ip, pod_cidr->len) !=
				  c->pod_net)
			continue;
		h = pol_host_index(c, p->ip);
		add_pod(&b, p, h);
		c->nb_isolated += c->flags[h] != 0;
	}
	snprintf(name, sizeof(name), "policy-%u", seq++);
	rc = b.err != 0 ? b.err : build_acl(&b, name);
	c->nb_groups = (uint32_t)json_object_size(b.groups);
	json_decref(b.groups);
	free(b.sel);
	free(b.rules);
	if (rc < 0) {
		pol_ctx_free(c);
		return rc;
	}
	c->nb_rules = b.n;
	c->compile_us = (rte_rdtsc() - t0) * 1000000 / rte_get_tsc_hz();
	*out = c;
	return 0;
}

bool
pol_ctx_allows(const struct pol_ctx *c, const struct pol_acl_key *k,
	       uint32_t *slot)
{
	const uint8_t *data[1] = { (const uint8_t *)k };
	uint32_t res = 0;

	if (c->acl != NULL)
		rte_acl_classify(c->acl, data, &res, 1, 1);
	if (slot != NULL)
		*slot = res - 1;
	return res != 0;
}
