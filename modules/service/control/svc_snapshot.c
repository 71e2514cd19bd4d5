/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The endpoint snapshot of one service port as a change leaves it: the
 * endpoints of the service's EndpointSlices after the change (stored ones
 * it keeps, plus its upserts), one per address and resolved port, sorted,
 * with the candidate lists and scheduler tables of svc_sched.c. The
 * engine (svc_change.c) assigns the endpoint records and publishes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "svc_change.h"

static bool
slice_deleted(const struct change *c, uint32_t slot)
{
	unsigned int i;

	for (i = 0; i < c->nb_del_slices; i++)
		if (c->del_slices[i] == slot)
			return true;
	return false;
}

bool
svc_change_slice_upserted(const struct change *c, const char *ns,
			  const char *name)
{
	const struct ps_name_map *m = c->idx != NULL ? &c->idx->slices : NULL;
	uint32_t i;

	for (i = in_first(m, ns, name); i < c->nb_up_slices;
	     i = in_next(m, i))
		if (strcmp(c->up_slices[i].ns, ns) == 0 &&
		    strcmp(c->up_slices[i].name, name) == 0)
			return true;
	return false;
}

/* Calls fn for every slice of service ns/name as it is after c. */
static void
slices_after(const struct ps_svc_table *t, const struct change *c,
	     const char *ns, const char *name,
	     void (*fn)(const struct ps_eps_spec *s, void *arg), void *arg)
{
	const struct ps_name_map *m = c->idx != NULL ? &c->idx->slice_svc :
						       NULL;
	const struct ps_name_map *sm = &t->slice_svc_map;
	uint32_t i;

	for (i = in_first(m, ns, name); i < c->nb_up_slices;
	     i = in_next(m, i))
		if (c->up_slices[i].skip_reason[0] == '\0' &&
		    strcmp(c->up_slices[i].ns, ns) == 0 &&
		    strcmp(c->up_slices[i].service, name) == 0)
			fn(&c->up_slices[i], arg);
	for (i = ps_name_map_first(sm, ps_name_hash(ns, name));
	     i != SVC_NONE; i = ps_name_map_next(sm, i)) {
		const struct ps_eps_spec *s = t->slices[i];

		if (s == NULL || s->skip_reason[0] != '\0' ||
		    strcmp(s->ns, ns) != 0 || strcmp(s->service, name) != 0 ||
		    slice_deleted(c, i) ||
		    svc_change_slice_upserted(c, s->ns, s->name))
			continue;
		fn(s, arg);
	}
}

/* Endpoint set construction for one service port. */
struct ep_build {
	const struct ps_svc_spec *svc;
	const struct ps_svc_port_spec *port;
	const char *node;
	const char *zone;
	struct svc_ep *eps;
	uint32_t n, cap;
	int err;
};

static uint16_t
weight_of(const struct ps_svc_spec *s, uint32_t ip)
{
	unsigned int i;

	for (i = 0; i < s->nb_weights; i++)
		if (s->weights[i].ip == ip)
			return s->weights[i].weight;
	return 1;
}

/* PS_EP_ZONE_HINTS / PS_EP_ZONE_MINE of e for this node's zone. */
static uint8_t
zone_flags(const struct ps_eps_endpoint *e, const char *zone)
{
	unsigned int i;

	if (e->nb_zones == 0)
		return 0;
	for (i = 0; i < e->nb_zones; i++)
		if (zone[0] != '\0' && strcmp(e->zones[i].name, zone) == 0)
			return PS_EP_ZONE_HINTS | PS_EP_ZONE_MINE;
	return PS_EP_ZONE_HINTS;
}

static void
ep_build_slice(const struct ps_eps_spec *sl, void *arg)
{
	struct ep_build *b = arg;
	uint16_t port = 0;
	unsigned int i;

	/* The slice port carrying this service port: same name and
	 * protocol. It holds the resolved target port of the slice's
	 * endpoints, which is how named targetPorts resolve per pod. A
	 * hand-written slice without ports uses a numeric targetPort. */
	if (sl->nb_ports == 0) {
		port = b->port->target_port;
	} else {
		for (i = 0; i < sl->nb_ports; i++)
			if (sl->ports[i].proto == b->port->proto &&
			    strcmp(sl->ports[i].name, b->port->name) == 0)
				break;
		if (i == sl->nb_ports)
			return;
		port = sl->ports[i].port != 0 ? sl->ports[i].port :
						b->port->target_port;
	}
	if (port == 0)
		return;
	for (i = 0; i < sl->nb_endpoints; i++) {
		const struct ps_eps_endpoint *e = &sl->endpoints[i];
		uint8_t flags;
		uint64_t key;
		uint32_t j;

		/* Kubernetes: addresses are fungible, consumers may use
		 * only the first; kube-proxy does. */
		if (e->nb_addrs == 0)
			continue;
		key = svc_ep_key(e->addrs[0], port);
		flags = e->flags | zone_flags(e, b->zone);
		if (b->node[0] != '\0' && strcmp(e->node, b->node) == 0)
			flags |= PS_EP_LOCAL;
		/* the same pod in two slices while they are being
		 * rebalanced: one endpoint, with the best conditions */
		for (j = 0; j < b->n; j++)
			if (b->eps[j].key == key)
				break;
		if (j < b->n) {
			b->eps[j].flags |= flags;
			continue;
		}
		if (b->n == b->cap) {
			uint32_t cap = b->cap ? b->cap * 2 : 16;
			struct svc_ep *g = realloc(b->eps, cap * sizeof(*g));

			if (g == NULL) {
				b->err = -ENOMEM;
				return;
			}
			b->eps = g;
			b->cap = cap;
		}
		b->eps[b->n++] = (struct svc_ep){
			.key = key, .ip = e->addrs[0], .port = port,
			.flags = flags, .weight = weight_of(b->svc,
							    e->addrs[0]),
			.ep_id = SVC_NONE,
		};
	}
}

static int
ep_cmp(const void *a, const void *b)
{
	const struct svc_ep *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/*
 * kube-proxy's topology rule (pkg/proxy/topology.go): the zone hints
 * decide when there is a ready endpoint, every ready endpoint has one,
 * and at least one names this node's zone. Otherwise hints are ignored
 * as a whole, so a zone without endpoints reaches all of them.
 */
static bool
zone_filter(const struct svc_epset *es)
{
	bool mine = false;
	uint32_t i;

	for (i = 0; i < es->n; i++) {
		uint8_t f = es->eps[i].flags;

		if (!(f & PS_EP_READY))
			continue;
		if (!(f & PS_EP_ZONE_HINTS))
			return false;
		if (f & PS_EP_ZONE_MINE)
			mine = true;
	}
	return mine;
}

static void
cand_fill(struct svc_epset *es, unsigned int c, bool local, bool wrr)
{
	struct svc_cand *cd = &es->cand[c];
	/* Cluster-policy sets only: a Local set is this node's already */
	bool zone = !local && zone_filter(es);
	uint32_t i;
	int pass;

	/* Ready endpoints; when none, serving-and-terminating ones
	 * (Kubernetes' fallback so rolling updates do not drop traffic). */
	for (pass = 0; pass < 2 && cd->n == 0; pass++) {
		for (i = 0; i < es->n; i++) {
			const struct svc_ep *e = &es->eps[i];
			bool ok = pass == 0 ? (e->flags & PS_EP_READY) :
				  ((e->flags & PS_EP_SERVING) &&
				   (e->flags & PS_EP_TERMINATING));

			/* the terminating fallback ignores hints, as
			 * kube-proxy's does */
			if (!ok || (local && !(e->flags & PS_EP_LOCAL)) ||
			    (zone && pass == 0 &&
			     !(e->flags & PS_EP_ZONE_MINE)) ||
			    (wrr && e->weight == 0))
				continue;
			cd->idx[cd->n++] = (uint16_t)i;
			es->eps[i].cand |= 1u << c;
		}
	}
}

int
svc_snapshot_build(const struct ps_svc_table *t, const struct change *c,
		   const struct ps_svc_spec *s, unsigned int pi,
		   struct svc_epset **out)
{
	struct ep_build b = { .svc = s, .port = &s->ports[pi],
			      .node = t->node, .zone = t->zone };
	bool wrr = s->sched == PS_SCHED_WRR;
	struct svc_epset *es;
	int rc;

	slices_after(t, c, s->ns, s->name, ep_build_slice, &b);
	if (b.err < 0) {
		free(b.eps);
		return b.err;
	}
	if (b.n > PS_SVC_MAX_EP_PER_PORT) {
		free(b.eps);
		return -E2BIG;
	}
	/* b.eps is NULL when no slice has an endpoint: qsort must not
	 * see it (its pointer is declared non-null). */
	if (b.n > 1)
		qsort(b.eps, b.n, sizeof(*b.eps), ep_cmp);
	es = svc_epset_alloc(b.n);
	if (es == NULL) {
		free(b.eps);
		return -ENOMEM;
	}
	if (b.n > 0)
		memcpy(es->eps, b.eps, sizeof(*b.eps) * b.n);
	free(b.eps);
	cand_fill(es, SVC_ALL, false, wrr);
	/* the local view costs a second Maglev table: only when a Local
	 * policy can use it */
	if (s->etp == PS_POLICY_LOCAL || s->itp == PS_POLICY_LOCAL)
		cand_fill(es, SVC_LOCAL, true, wrr);
	rc = svc_cand_build(&es->cand[SVC_ALL], es, s->sched, s->maglev_size);
	if (rc == 0)
		rc = svc_cand_build(&es->cand[SVC_LOCAL], es, s->sched,
				    s->maglev_size);
	if (rc < 0) {
		svc_epset_free(es);
		return rc;
	}
	*out = es;
	return 0;
}
