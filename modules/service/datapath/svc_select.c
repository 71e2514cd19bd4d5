/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service table's fast path (include/podswitch/service.h): the
 * frontend lookup of a first packet, the choice of its endpoint, and the
 * connection counts kept per endpoint record. Workers call these; they
 * take no lock, make no syscall and allocate nothing. What they read is
 * published by the management thread (../control/svc_change.c) in the
 * order svc_table.c describes, and freed only after a grace period.
 */
#include <stdbool.h>
#include <stdint.h>

#include <rte_hash_crc.h>

#include <podswitch/inet.h>

#include "svc_private.h"

/* Lookup ------------------------------------------------------------------ */

bool
ps_svc_lookup(const struct ps_svc_table *t, uint32_t dst_ip,
	      uint16_t dst_port, uint8_t proto, bool dst_is_local,
	      struct ps_svc_hit *hit)
{
	struct fe_key k = { .ip = dst_ip, .port = dst_port, .proto = proto };
	const struct ps_svc_port *sp;
	void *data;

	/* 0 is the NodePort wildcard: only a local destination reaches it */
	if (dst_ip == 0)
		return false;
	if (rte_hash_lookup_data(t->fe, &k, &data) < 0) {
		if (!dst_is_local)
			return false;
		k.ip = 0;
		if (rte_hash_lookup_data(t->fe, &k, &data) < 0)
			return false;
	}
	/* The key names the port id; the id's current object is one
	 * pointer load, so an update that keeps the id switches every key
	 * of the port at once. NULL: the port is going away. */
	sp = __atomic_load_n(&t->ports[(uintptr_t)data >> 2],
			     __ATOMIC_ACQUIRE);
	if (sp == NULL)
		return false;
	hit->sp = sp;
	hit->kind = (enum ps_svc_fe_kind)((uintptr_t)data & FE_KIND_MASK);
	return true;
}

uint64_t
ps_svc_lookup_bulk(const struct ps_svc_table *t, const uint32_t *dst_ip,
		   const uint16_t *dst_port, const uint8_t *proto,
		   uint64_t local_mask, unsigned int n, struct ps_svc_hit *hits)
{
	struct fe_key keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t found = 0, again = 0, out = 0;
	unsigned int i, m = 0;
	uint8_t idx[RTE_HASH_LOOKUP_BULK_MAX];

	if (n == 0)
		return 0;
	n = RTE_MIN(n, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);
	for (i = 0; i < n; i++) {
		keys[i] = (struct fe_key){ .ip = dst_ip[i], .port = dst_port[i],
					   .proto = proto[i] };
		kp[i] = &keys[i];
	}
	rte_hash_lookup_bulk_data(t->fe, kp, n, &found, data);
	/* NodePort second chance for local destinations that missed */
	for (i = 0; i < n; i++) {
		if (dst_ip[i] == 0) {
			found &= ~(1ULL << i);
			continue;
		}
		if (!(found & (1ULL << i)) && (local_mask & (1ULL << i))) {
			keys[i].ip = 0;
			kp[m] = &keys[i];
			idx[m++] = (uint8_t)i;
		}
	}
	if (m > 0) {
		void *d2[RTE_HASH_LOOKUP_BULK_MAX];

		rte_hash_lookup_bulk_data(t->fe, kp, m, &again, d2);
		for (i = 0; i < m; i++)
			if (again & (1ULL << i)) {
				data[idx[i]] = d2[i];
				found |= 1ULL << idx[i];
			}
	}
	for (i = 0; i < n; i++) {
		const struct ps_svc_port *sp;

		if (!(found & (1ULL << i)))
			continue;
		sp = __atomic_load_n(&t->ports[(uintptr_t)data[i] >> 2],
				     __ATOMIC_ACQUIRE);
		if (sp == NULL)
			continue;
		hits[i].sp = sp;
		hits[i].kind = (enum ps_svc_fe_kind)((uintptr_t)data[i] &
						     FE_KIND_MASK);
		out |= 1ULL << i;
	}
	return out;
}

const struct ps_svc_port *
ps_svc_port_get(const struct ps_svc_table *t, uint32_t id)
{
	if (id >= t->max_svcs)
		return NULL;
	return __atomic_load_n(&t->ports[id], __ATOMIC_ACQUIRE);
}

/* Select ------------------------------------------------------------------ */

static bool
src_allowed(const struct ps_svc_port *sp, uint32_t src)
{
	unsigned int i;

	for (i = 0; i < sp->nb_src_ranges; i++) {
		const struct ps_prefix4 *r = &sp->src_ranges[i];

		if (ps_prefix4_net(src, r->len) == r->addr)
			return true;
	}
	return false;
}

static uint32_t
pick_lc(const struct ps_svc_table *t, const struct svc_epset *es,
	const struct svc_cand *c, uint32_t start)
{
	uint32_t best = start % c->n, best_conns = UINT32_MAX, i;

	/* From a rotating start: equal counts spread instead of all
	 * landing on the first endpoint. */
	for (i = 0; i < c->n; i++) {
		uint32_t k = (start + i) % c->n;
		uint32_t n = __atomic_load_n(
			&t->conns[es->eps[c->idx[k]].ep_id], __ATOMIC_RELAXED);

		if (n < best_conns) {
			best_conns = n;
			best = k;
		}
	}
	return best;
}

static uint32_t
pick_wrr(const struct svc_cand *c, uint32_t k)
{
	uint32_t pos = (uint32_t)(((uint64_t)k * c->stride) % c->wsum);
	uint32_t lo = 0, hi = c->n - 1;

	/* first cumulative weight above pos */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (c->cum[mid] > pos)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The scheduler's choice among c, as a position in c->idx. */
static __rte_always_inline uint32_t
sched_pick(const struct ps_svc_table *t, const struct ps_svc_port *sp,
	   const struct svc_epset *es, const struct svc_cand *c,
	   uint32_t *rr, const struct ps_svc_flow *flow)
{
	switch (sp->sched) {
	case PS_SCHED_WRR:
		return pick_wrr(c, (*rr)++);
	case PS_SCHED_LC:
		return pick_lc(t, es, c, (*rr)++);
	case PS_SCHED_SH:
		return rte_hash_crc_4byte(flow->src_ip, 0x7f4a7c15) % c->n;
	case PS_SCHED_MAGLEV:
		return c->maglev[(flow->hash != 0 ? flow->hash :
				  svc_flow_hash(flow)) % c->maglev_size];
	default:
		return (*rr)++ % c->n;
	}
}

/* The endpoint of es an affinity value (ip << 16 | port, host order)
 * names, when it is a candidate of cand[ci]; else NULL. */
static __rte_always_inline const struct svc_ep *
aff_endpoint(const struct svc_epset *es, uint64_t v, unsigned int ci)
{
	int i = svc_epset_find(es, svc_ep_key(
		rte_cpu_to_be_32((uint32_t)(v >> 16)), (uint16_t)v));

	return i >= 0 && (es->eps[i].cand & (1u << ci)) ? &es->eps[i] : NULL;
}

/*
 * ClientIP affinity after a scheduler's pick e: remember it, unless
 * another worker remembered a usable endpoint first (that one wins). A
 * remembered endpoint that is gone or unusable is replaced by e.
 */
static const struct svc_ep *
aff_settle(struct ps_svc_table *t, const struct ps_svc_port *sp,
	   const struct svc_epset *es, unsigned int ci, uint32_t client,
	   uint32_t now, const struct svc_ep *e, struct svc_wstats *ws)
{
	uint64_t mine = (uint64_t)rte_be_to_cpu_32(e->ip) << 16 | e->port;
	uint64_t v = svc_aff_put(&t->aff, sp->id, client, mine, now, false);
	const struct svc_ep *theirs;

	if (v == 0) {
		ws->affinity_full++;
		return e;
	}
	if (v == mine)
		return e;
	theirs = aff_endpoint(es, v, ci);
	if (theirs != NULL)
		return theirs;
	svc_aff_put(&t->aff, sp->id, client, mine, now, true);
	return e;
}

enum ps_svc_verdict
ps_svc_select(struct ps_svc_table *t, const struct ps_svc_hit *hit,
	      const struct ps_svc_flow *flow, unsigned int worker,
	      struct ps_svc_pick *pick)
{
	const struct ps_svc_port *sp = hit->sp;
	struct svc_wctr *w = &t->wctr[worker * t->max_svcs + sp->id];
	struct svc_wstats *ws = &t->wstats[worker];
	const struct svc_epset *es;
	const struct svc_cand *c;
	const struct svc_ep *e = NULL;
	uint32_t now = __atomic_load_n(&t->now, __ATOMIC_RELAXED);
	unsigned int ci;
	bool local;

	if (hit->kind == PS_FE_LB && sp->nb_src_ranges > 0 &&
	    !src_allowed(sp, flow->src_ip)) {
		ws->denied++;
		return PS_SVC_DENIED;
	}
	/* internalTrafficPolicy governs the cluster IP; the external one
	 * governs the rest, except for clients on this node's pods, which
	 * kube-proxy sends cluster-wide (they are not "external"). */
	if (hit->kind == PS_FE_CLUSTER)
		local = sp->itp == PS_POLICY_LOCAL;
	else
		local = sp->etp == PS_POLICY_LOCAL && !flow->src_local_pod;
	ci = local ? SVC_LOCAL : SVC_ALL;
	es = __atomic_load_n(&sp->eps, __ATOMIC_ACQUIRE);
	c = &es->cand[ci];
	if (c->n == 0) {
		w->rejects++;
		ws->rejects++;
		return PS_SVC_REJECT;
	}
	if (sp->affinity) {
		uint64_t v = svc_aff_get(&t->aff, sp->id, flow->src_ip, now);

		if (v != 0) {
			e = aff_endpoint(es, v, ci);
			if (e != NULL)
				ws->affinity_hits++;
			pick->sticky = e != NULL;
		}
	}
	if (e == NULL) {
		pick->sticky = false;
		e = &es->eps[c->idx[sched_pick(t, sp, es, c, &w->rr[ci],
					       flow)]];
		if (sp->affinity)
			e = aff_settle(t, sp, es, ci, flow->src_ip, now, e,
				       ws);
	}
	pick->ep_id = e->ep_id;
	pick->ip = e->ip;
	pick->port = e->port;
	pick->flags = e->flags;
	pick->local_only = local;
	w->new_conns++;
	ws->new_conns++;
	return PS_SVC_FORWARD;
}

/* Connection counts ------------------------------------------------------- */

void
ps_svc_ep_conn_inc(struct ps_svc_table *t, uint32_t ep_id)
{
	if (ep_id < t->max_eps)
		__atomic_fetch_add(&t->conns[ep_id], 1, __ATOMIC_RELAXED);
}

void
ps_svc_ep_conn_dec(struct ps_svc_table *t, uint32_t ep_id)
{
	uint32_t n;

	if (ep_id >= t->max_eps)
		return;
	/* never below zero: a stray decrement must not wrap and make an
	 * endpoint look infinitely busy to lc */
	n = __atomic_load_n(&t->conns[ep_id], __ATOMIC_RELAXED);
	while (n > 0 && !__atomic_compare_exchange_n(&t->conns[ep_id], &n,
			n - 1, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

uint32_t
ps_svc_ep_conns(const struct ps_svc_table *t, uint32_t ep_id)
{
	if (ep_id >= t->max_eps)
		return 0;
	return __atomic_load_n(&t->conns[ep_id], __ATOMIC_RELAXED);
}
