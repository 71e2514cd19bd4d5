/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resolution, run by the management thread in ps_neigh_process(): the
 * learn and hold requests of the workers, then the timers.
 *
 * Bounded work per call, so the management thread (which also serves the
 * REST API) never stalls behind a burst:
 * - each ring is drained at most one ring's worth per call, even while
 *   workers keep filling it;
 * - timers need no sweep of the table: each timed state has a list
 *   ordered by deadline (see struct ps_neigh_table), so a call looks only
 *   at expired heads, and handles at most TIMER_BUDGET of them per list.
 *   What is left waits for the next call, late by one call at most.
 */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include <podswitch/inet.h>

#include "neigh_private.h"

#define REQ_BURST 32
#define TIMER_BUDGET 1024

static bool
ip_is_unicast(uint32_t ip)
{
	uint32_t h = rte_be_to_cpu_32(ip);

	return h != 0 && h != UINT32_MAX && (h >> 28) != 0xe;
}

static const char *
ip_str(uint32_t ip, char *buf)
{
	ps_ip4_fmt(buf, ip);
	return buf;
}

static void
table_full(struct ps_neigh_table *nt, uint32_t ip)
{
	char a[PS_IP4_STRLEN];

	nt->st.full++;
	/* The first refusal and then one in 65536: a scan must not flood
	 * the log; the counter has the total. */
	if (nt->st.full == 1 || (nt->st.full & 0xffff) == 0)
		NEIGH_LOG(WARNING, "%s: table full (%u entries), %s refused\n",
			  nt->name, nt->size, ip_str(ip, a));
}

static void
solicit(struct ps_neigh_table *nt, const struct neigh_entry *e)
{
	nt->st.solicits++;
	if (nt->ops.solicit != NULL)
		nt->ops.solicit(nt->ops.ctx, e->pub.ip, e->pub.port_id);
}

static void
unreachable(struct ps_neigh_table *nt, struct rte_mbuf *m, uint32_t ip)
{
	nt->st.unreachable++;
	if (nt->ops.unreachable != NULL)
		nt->ops.unreachable(nt->ops.ctx, m, ip);
	else
		rte_pktmbuf_free(m);
}

static void
xmit(struct ps_neigh_table *nt, struct rte_mbuf *m, const struct ps_neigh *n)
{
	if (nt->ops.xmit != NULL)
		nt->ops.xmit(nt->ops.ctx, m, n);
	else
		rte_pktmbuf_free(m);
}

static void
learn_one(struct ps_neigh_table *nt, const struct neigh_learn_req *r)
{
	struct neigh_entry *e;
	char a[PS_IP4_STRLEN];

	if (!ip_is_unicast(r->ip) || !rte_is_valid_assigned_ether_addr(&r->mac))
		return;
	e = neigh_find(nt, r->ip);
	if (e == NULL) {
		/* Unasked: an ARP request addressed to us says where its
		 * sender is, and we are about to answer it. */
		e = neigh_entry_new(nt, r->ip, PS_NEIGH_REACHABLE, &r->mac,
				    r->port_id);
		if (e == NULL)
			table_full(nt, r->ip);
		else
			e->last_confirmed_ms = nt->now_ms;
		return;
	}
	switch (e->pub.state) {
	case PS_NEIGH_STATIC:
		/* The configuration knows better than ARP. */
		return;
	case PS_NEIGH_REACHABLE:
		if (!rte_is_same_ether_addr(&e->pub.mac, &r->mac) ||
		    e->pub.port_id != r->port_id)
			e = neigh_entry_rebind(nt, e, &r->mac, r->port_id,
					       PS_NEIGH_REACHABLE);
		else
			neigh_requeue(nt, e);
		e->last_confirmed_ms = nt->now_ms;
		return;
	default:
		/* INCOMPLETE or FAILED: readers ignore the MAC until they
		 * see the new state, which is stored last. */
		e->pub.mac = r->mac;
		e->pub.port_id = r->port_id;
		neigh_set_state(nt, e, PS_NEIGH_REACHABLE);
		e->last_confirmed_ms = nt->now_ms;
		e->retries = 0;
		nt->st.resolved++;
		NEIGH_LOG(DEBUG, "%s: %s resolved on port %u\n", nt->name,
			  ip_str(r->ip, a), r->port_id);
		neigh_release_held(nt, e);
		return;
	}
}

static void
hold_one(struct ps_neigh_table *nt, const struct neigh_hold_req *r)
{
	static const struct rte_ether_addr zero;
	struct neigh_entry *e;

	/* Nothing to ask ARP about (a route with a bogus gateway). */
	if (!ip_is_unicast(r->ip)) {
		unreachable(nt, r->m, r->ip);
		return;
	}
	e = neigh_find(nt, r->ip);
	if (e == NULL) {
		e = neigh_entry_new(nt, r->ip, PS_NEIGH_INCOMPLETE, &zero,
				    r->port_id);
		if (e == NULL) {
			table_full(nt, r->ip);
			rte_pktmbuf_free(r->m);
			return;
		}
		e->held[e->nb_held++] = r->m;
		nt->st.held++;
		e->next_try_ms = nt->now_ms + nt->retry_ms;
		solicit(nt, e);
		return;
	}
	switch (e->pub.state) {
	case PS_NEIGH_INCOMPLETE:
		if (e->nb_held < PS_NEIGH_HOLD_MAX) {
			e->held[e->nb_held++] = r->m;
			nt->st.held++;
		} else {
			nt->st.hold_dropped++;
			rte_pktmbuf_free(r->m);
		}
		return;
	case PS_NEIGH_FAILED:
		unreachable(nt, r->m, r->ip);
		return;
	default:
		/* Resolved since the worker looked: not held, just sent. */
		xmit(nt, r->m, &e->pub);
		return;
	}
}

static void
drain_learn(struct ps_neigh_table *nt)
{
	struct neigh_learn_req reqs[REQ_BURST];
	unsigned int cap = rte_ring_get_capacity(nt->learn_ring);
	unsigned int n, i, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst_elem(nt->learn_ring, reqs,
						   sizeof(reqs[0]), REQ_BURST,
						   NULL);
		for (i = 0; i < n; i++)
			learn_one(nt, &reqs[i]);
		total += n;
	} while (n == REQ_BURST && total < cap);
}

static void
drain_hold(struct ps_neigh_table *nt)
{
	struct neigh_hold_req reqs[REQ_BURST];
	unsigned int cap = rte_ring_get_capacity(nt->hold_ring);
	unsigned int n, i, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst_elem(nt->hold_ring, reqs,
						   sizeof(reqs[0]), REQ_BURST,
						   NULL);
		for (i = 0; i < n; i++)
			hold_one(nt, &reqs[i]);
		total += n;
	} while (n == REQ_BURST && total < cap);
}

static void
fail(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	struct rte_mbuf *held[PS_NEIGH_HOLD_MAX];
	unsigned int i, n = e->nb_held;
	uint32_t ip = e->pub.ip;
	char a[PS_IP4_STRLEN];

	neigh_set_state(nt, e, PS_NEIGH_FAILED);
	e->failed_since_ms = nt->now_ms;
	nt->st.failed++;
	NEIGH_LOG(DEBUG, "%s: %s failed after %u solicits, %u packets "
		  "unreachable\n", nt->name, ip_str(ip, a),
		  e->retries + 1, n);
	memcpy(held, e->held, n * sizeof(held[0]));
	e->nb_held = 0;
	for (i = 0; i < n; i++)
		unreachable(nt, held[i], ip);
}

static void
run_timers(struct ps_neigh_table *nt)
{
	uint64_t now = nt->now_ms;
	struct neigh_entry *e;
	unsigned int k;

	/* The first solicit went out at creation; max_retries more, one
	 * every retry_ms, then one more retry_ms of waiting before FAILED. */
	for (k = 0; k < TIMER_BUDGET; k++) {
		e = TAILQ_FIRST(&nt->incomplete);
		if (e == NULL || e->next_try_ms > now)
			break;
		if (e->retries < nt->max_retries) {
			e->retries++;
			e->next_try_ms = now + nt->retry_ms;
			neigh_requeue(nt, e);
			solicit(nt, e);
		} else {
			fail(nt, e);
		}
	}
	for (k = 0; k < TIMER_BUDGET; k++) {
		e = TAILQ_FIRST(&nt->failed);
		if (e == NULL || now - e->failed_since_ms < nt->failed_hold_ms)
			break;
		neigh_entry_remove(nt, e);
	}
	for (k = 0; k < TIMER_BUDGET; k++) {
		e = TAILQ_FIRST(&nt->reachable);
		if (e == NULL || now - e->last_confirmed_ms < nt->age_ms)
			break;
		neigh_entry_remove(nt, e);
		nt->st.aged++;
	}
}

void
ps_neigh_process(struct ps_neigh_table *nt, uint64_t now_ms)
{
	/* The timer lists stay ordered only if time never goes back. */
	if (now_ms > nt->now_ms)
		nt->now_ms = now_ms;
	if (nt->qsv != NULL)
		neigh_reclaim(nt);
	drain_learn(nt);
	drain_hold(nt);
	run_timers(nt);
}
