/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Phase 6 of the change engine (svc_change.c): publish what the plan
 * built, in the order svc_table.c describes for readers, and give back
 * what the change ends (frontend keys, port ids, endpoint records,
 * objects after a grace period). Nothing here fails: every allocation
 * was made before.
 */
#include <stdlib.h>
#include <string.h>

#include <podswitch/cfilter.h>

#include "svc_change.h"

/* Slices first: deletes, then upserts in place or in a new slot. */
static void
commit_slices(struct change_plan *cp)
{
	struct ps_svc_table *t = cp->t;
	const struct change *c = cp->c;
	unsigned int i;

	for (i = 0; i < c->nb_del_slices; i++) {
		uint32_t s = c->del_slices[i];
		struct ps_eps_spec *o = t->slices[s];

		t->slice_addrs -= svc_slice_addrs(o);
		ps_name_map_del(&t->slice_map, ps_name_hash(o->ns, o->name), s);
		ps_name_map_del(&t->slice_svc_map,
				ps_name_hash(o->ns, o->service), s);
		svc_slice_free(o);
		free(o);
		t->slices[s] = NULL;
		t->nb_slices--;
		ps_id_fifo_put(&t->slice_free, s);
	}
	for (i = 0; i < c->nb_up_slices; i++) {
		struct ps_eps_spec *n = cp->copies[i];
		uint32_t s = svc_slice_find(t, n->ns, n->name);

		if (s != SVC_NONE) {
			struct ps_eps_spec *o = t->slices[s];

			t->slice_addrs -= svc_slice_addrs(o);
			ps_name_map_del(&t->slice_svc_map,
					ps_name_hash(o->ns, o->service), s);
			svc_slice_free(o);
			free(o);
		} else {
			s = ps_id_fifo_get(&t->slice_free);
			ps_name_map_add(&t->slice_map,
					ps_name_hash(n->ns, n->name), s);
			t->nb_slices++;
		}
		t->slices[s] = n;
		ps_name_map_add(&t->slice_svc_map,
				ps_name_hash(n->ns, n->service), s);
		t->slice_addrs += svc_slice_addrs(n);
	}
}

/* A new port id, with its per-worker counters zeroed. */
static uint32_t
port_id_new(struct ps_svc_table *t)
{
	uint32_t id = ps_id_fifo_get(&t->port_free);
	unsigned int w;

	t->nb_ports++;
	for (w = 0; w < t->nb_workers; w++)
		memset(&t->wctr[w * t->max_svcs + id], 0, sizeof(*t->wctr));
	svc_traffic_rebase(t, SVC_TR_PORT, id);
	return id;
}

/* Records for the endpoints new to pp's port, owned by it. */
static void
ep_records_take(struct ps_svc_table *t, struct port_plan *pp)
{
	uint32_t e;

	for (e = 0; e < pp->es->n; e++) {
		uint32_t id;

		if (pp->es->eps[e].ep_id != SVC_NONE)
			continue;
		id = ps_id_fifo_get(&t->ep_free);
		t->eps[id].owner = pp->id;
		t->eps[id].draining = false;
		__atomic_store_n(&t->conns[id], 0, __ATOMIC_RELAXED);
		svc_traffic_rebase(t, SVC_TR_EP, id);
		t->nb_eps++;
		pp->es->eps[e].ep_id = id;
	}
}

static void
ep_release(struct ps_svc_table *t, uint32_t ep)
{
	if (ep == SVC_NONE || t->eps[ep].owner == SVC_NONE ||
	    t->eps[ep].draining)
		return;
	/* Connections still counted against it: keep the record until
	 * conntrack has decremented them all (ps_svc_age frees it). */
	if (__atomic_load_n(&t->conns[ep], __ATOMIC_ACQUIRE) != 0) {
		t->eps[ep].draining = true;
		t->nb_draining++;
		return;
	}
	t->eps[ep].owner = SVC_NONE;
	t->nb_eps--;
	ps_id_fifo_put(&t->ep_free, ep);
}

/* Release the records of a snapshot that the new one (may be NULL) no
 * longer holds. */
static void
eps_release_gone(struct ps_svc_table *t, const struct svc_epset *old,
		 const struct svc_epset *es)
{
	uint32_t i;

	if (old == NULL)
		return;
	for (i = 0; i < old->n; i++)
		if (es == NULL || svc_epset_find(es, old->eps[i].key) < 0)
			ep_release(t, old->eps[i].ep_id);
}

/* Whether a frontend kind is an address of its own on the wire. */
static bool
fe_kind_announced(unsigned int kind)
{
	return kind == PS_FE_EXTERNAL || kind == PS_FE_LB;
}

/* Count key k, which the frontend hash gained (add) or lost, in the
 * filters of the service gate. */
static void
fe_filter_note(const struct ps_svc_table *t, const struct fe_key *k,
	       bool add)
{
	/* the gate lets the service CIDR in whole: a NodePort's ip 0 is
	 * in it only when the CIDR is 0/0 */
	if (t->gate_filter == NULL ||
	    (k->ip != 0 && (k->ip & t->fe_skip_mask) == t->fe_skip_net))
		return;
	if (add) {
		ps_cfilter_add(t->gate_filter, k->ip, k->port, k->proto);
		ps_cfilter_add(t->gate_filter, k->ip, 0, 0);
	} else {
		ps_cfilter_del(t->gate_filter, k->ip, k->port, k->proto);
		ps_cfilter_del(t->gate_filter, k->ip, 0, 0);
	}
}

/* Tell the frontend IP callback and the gate's filters about key k going
 * from kind was (or PS_FE_KIND_MAX: absent) to kind now (or
 * PS_FE_KIND_MAX: removed). */
static void
fe_ip_note(const struct ps_svc_table *t, const struct fe_key *k,
	   unsigned int was, unsigned int now)
{
	bool before = fe_kind_announced(was), after = fe_kind_announced(now);

	if ((was == PS_FE_KIND_MAX) != (now == PS_FE_KIND_MAX))
		fe_filter_note(t, k, now != PS_FE_KIND_MAX);

	if (t->fe_ip_cb != NULL && before != after)
		t->fe_ip_cb(k->ip, after, t->fe_ip_arg);
}

/* Publish pp->obj, the new object of port j of p's service: the object
 * (with its snapshot) first, then its frontend keys point at its id. */
static void
port_obj_publish(struct ps_svc_table *t, struct svc_plan *p, unsigned int j)
{
	struct port_plan *pp = &p->pp[j];
	struct svc_fe_buf b;
	unsigned int n = 0, m;

	pp->obj->id = pp->id;
	pp->obj->eps = pp->es;
	__atomic_store_n(&t->ports[pp->id], pp->obj, __ATOMIC_RELEASE);
	p->spec_copy->port_ids[j] = pp->id;
	if (!svc_fe_buf_get(&b, p->after))
		SVC_LOG(ERR, "no memory for keys\n");
	else
		n = svc_fe_keys(p->after, j, b.k, b.kinds);
	for (m = 0; m < n; m++) {
		void *old_data;
		bool existed = rte_hash_lookup_data(t->fe, &b.k[m],
						    &old_data) >= 0;
		unsigned int was = existed ?
			(unsigned int)((uintptr_t)old_data & FE_KIND_MASK) :
			PS_FE_KIND_MAX;

		if (rte_hash_add_key_data(t->fe, &b.k[m],
				(void *)((uintptr_t)pp->id << 2 |
					 b.kinds[m])) < 0) {
			SVC_LOG(ERR, "%s: frontend hash refused a key\n",
				t->name);
			continue;
		}
		if (!existed)
			t->nb_fe++;
		fe_ip_note(t, &b.k[m], was, b.kinds[m]);
	}
	svc_fe_buf_put(&b);
}

/* New objects and snapshots of p's ports in, keys (re)pointed, the old
 * ones to be freed after readers, and what left each set reported. */
static void
commit_ports(struct ps_svc_table *t, struct svc_plan *p)
{
	unsigned int j;

	for (j = 0; j < p->nb_pp; j++) {
		struct port_plan *pp = &p->pp[j];
		struct svc_epset *old = NULL;

		if (pp->id == SVC_NONE)
			pp->id = port_id_new(t);
		ep_records_take(t, pp);
		if (pp->cur != NULL)
			old = pp->cur->eps;
		if (pp->obj != NULL)
			port_obj_publish(t, p, j);
		else
			__atomic_store_n(&pp->cur->eps, pp->es,
					 __ATOMIC_RELEASE);
		t->snapshots++;
		eps_release_gone(t, old, pp->es);
		if (pp->nb_gone > 0 && t->change_cb != NULL)
			t->change_cb(pp->obj != NULL ? pp->obj : pp->cur,
				     pp->gone, pp->nb_gone, t->change_arg);
		svc_defer_free(t, old, SVC_DEFER_EPSET);
		if (pp->obj != NULL && pp->cur != NULL)
			svc_defer_free(t, pp->cur, SVC_DEFER_PORT);
		/* owned by the table now */
		pp->es = NULL;
		pp->obj = NULL;
	}
}

/* Every frontend key of every port of s (its new keys, to keep). */
static struct fe_key *
fe_all_keys(const struct ps_svc_spec *s, unsigned int *n)
{
	struct fe_key *k;
	uint8_t *kinds;
	unsigned int i;

	*n = 0;
	if (s == NULL || !svc_programmed(s) || s->nb_ports == 0)
		return NULL;
	k = malloc(sizeof(*k) * svc_fe_max(s) * s->nb_ports);
	kinds = malloc(svc_fe_max(s));
	if (k == NULL || kinds == NULL) {
		free(k);
		free(kinds);
		return NULL;
	}
	for (i = 0; i < s->nb_ports; i++)
		*n += svc_fe_keys(s, i, &k[*n], kinds);
	free(kinds);
	return k;
}

/*
 * Remove the keys of old port pi of service `old` that the change does
 * not keep: a key is kept when the new spec still has it, or when another
 * service of the same change has taken it over (its data names a port id
 * this service never had).
 */
static void
fe_del_port(struct ps_svc_table *t, const struct ps_svc_spec *old,
	    unsigned int pi, const uint32_t *old_ids,
	    const struct svc_plan *p, const struct fe_key *keep,
	    unsigned int nb_keep)
{
	struct svc_fe_buf b;
	unsigned int n, i, j;

	if (!svc_fe_buf_get(&b, old)) {
		SVC_LOG(ERR, "no memory to remove frontends of %s/%s\n",
			old->ns, old->name);
		return;
	}
	n = svc_fe_keys(old, pi, b.k, b.kinds);
	for (i = 0; i < n; i++) {
		uint32_t id;
		void *data;
		bool ours = false, kept = false;

		if (rte_hash_lookup_data(t->fe, &b.k[i], &data) < 0)
			continue;
		id = (uint32_t)((uintptr_t)data >> 2);
		for (j = 0; j < old->nb_ports; j++)
			if (old_ids[j] == id)
				ours = true;
		for (j = 0; j < p->nb_pp; j++)
			if (p->pp[j].id == id)
				ours = true;
		for (j = 0; j < nb_keep && ours; j++)
			if (memcmp(&keep[j], &b.k[i], sizeof(b.k[i])) == 0)
				kept = true;
		if (!ours || kept)
			continue;
		if (rte_hash_del_key(t->fe, &b.k[i]) >= 0) {
			t->nb_fe--;
			fe_ip_note(t, &b.k[i],
				   (unsigned int)((uintptr_t)data &
						  FE_KIND_MASK),
				   PS_FE_KIND_MAX);
		}
	}
	svc_fe_buf_put(&b);
}

/* A port that goes: every endpoint of its set has left it. */
static void
report_all_gone(struct ps_svc_table *t, const struct ps_svc_port *op)
{
	struct ps_svc_ep_addr *g;
	uint32_t e;

	if (op->eps == NULL || t->change_cb == NULL || op->eps->n == 0)
		return;
	g = malloc(sizeof(*g) * op->eps->n);
	if (g == NULL)
		return;
	for (e = 0; e < op->eps->n; e++)
		g[e] = (struct ps_svc_ep_addr){ .ip = op->eps->eps[e].ip,
						.port = op->eps->eps[e].port };
	t->change_cb(op, g, op->eps->n, t->change_arg);
	free(g);
}

/* Old ports of cur that p does not continue: keys, ids, records go. */
static void
ports_retire(struct ps_svc_table *t, const struct svc_plan *p,
	     const struct svc_obj *cur)
{
	unsigned int nb_keep, j, m;
	struct fe_key *keep = fe_all_keys(p->after, &nb_keep);

	for (j = 0; j < cur->spec.nb_ports; j++) {
		uint32_t id = cur->port_ids[j];
		struct ps_svc_port *op = t->ports[id];
		bool kept = false;

		fe_del_port(t, &cur->spec, j, cur->port_ids, p, keep, nb_keep);
		for (m = 0; m < p->nb_pp; m++)
			if (p->pp[m].id == id)
				kept = true;
		if (kept)
			continue;
		report_all_gone(t, op);
		eps_release_gone(t, op->eps, NULL);
		__atomic_store_n(&t->ports[id], NULL, __ATOMIC_RELEASE);
		t->nb_ports--;
		ps_id_fifo_put(&t->port_free, id);
		svc_defer_free(t, op->eps, SVC_DEFER_EPSET);
		svc_defer_free(t, op, SVC_DEFER_PORT);
	}
	free(keep);
}

/* The stored object of p's service: replaced, removed or added. */
static void
svc_store(struct ps_svc_table *t, struct svc_plan *p, struct svc_obj *cur)
{
	if (cur != NULL) {
		if (p->spec_copy == NULL) {
			ps_name_map_del(&t->svc_map,
					ps_name_hash(p->ns, p->name), p->slot);
			t->svcs[p->slot] = NULL;
			t->nb_svcs--;
			ps_id_fifo_put(&t->svc_free, p->slot);
		} else {
			t->svcs[p->slot] = p->spec_copy;
		}
		svc_spec_free(&cur->spec);
		free(cur->port_ids);
		free(cur);
	} else if (p->spec_copy != NULL) {
		uint32_t s = ps_id_fifo_get(&t->svc_free);

		t->svcs[s] = p->spec_copy;
		ps_name_map_add(&t->svc_map, ps_name_hash(p->ns, p->name), s);
		t->nb_svcs++;
	}
	p->spec_copy = NULL;
}

void
svc_change_commit(struct change_plan *cp)
{
	struct ps_svc_table *t = cp->t;
	unsigned int i;

	commit_slices(cp);
	for (i = 0; i < cp->nsv; i++) {
		struct svc_plan *p = &cp->sv[i];
		struct svc_obj *cur = p->slot != SVC_NONE ? t->svcs[p->slot]
							  : NULL;

		commit_ports(t, p);
		if (!p->spec_changes)
			continue;
		if (cur != NULL && svc_programmed(&cur->spec))
			ports_retire(t, p, cur);
		svc_store(t, p, cur);
	}
}
