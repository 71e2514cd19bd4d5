/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_TRAFFIC_H
#define PS_SVC_TRAFFIC_H

/*
 * The traffic counters of service ports and endpoint records
 * (struct ps_svc_traffic), counted by the service nodes for every valid
 * packet of a connection with an endpoint: the conntrack entry names
 * both (nat.service_id, nat.endpoint_id). Each worker writes its own
 * block of the table's arrays with plain increments (no atomic, no
 * lock, no shared cache line); the management thread sums the blocks
 * when it reads them (svc_table.c).
 */
#include <stdbool.h>
#include <stdint.h>

#include <podswitch/conntrack.h>

#include "service_dp.h"
#include "svc_private.h"

_Static_assert((int)PS_CT_DIR_ORIG == (int)PS_SVC_IN &&
	       (int)PS_CT_DIR_REPLY == (int)PS_SVC_OUT,
	       "a conntrack direction indexes the traffic counters");

static __rte_always_inline void
svc_traffic_add(struct ps_svc_traffic *c, uint8_t dir, uint32_t bytes,
		bool created)
{
	c->conns += created;
	c->pkts[dir]++;
	c->bytes[dir] += bytes;
}

/*
 * A packet of e in direction dir (PS_CT_DIR_ORIG is PS_SVC_IN) with
 * bytes bytes went on; created: it made the connection. Masqueraded
 * connections (no endpoint) count nowhere.
 */
static __rte_always_inline void
svc_traffic_count(uint32_t worker, const struct ps_ct_entry *e, uint8_t dir,
		  uint32_t bytes, bool created)
{
	struct ps_svc_table *t = ps_svc_dp.svcs;
	uint32_t sid = e->nat.service_id, eid = e->nat.endpoint_id;

	if (eid >= t->max_eps || sid >= t->max_svcs)
		return;
	svc_traffic_add(&t->port_tr[worker * t->max_svcs + sid], dir, bytes,
			created);
	svc_traffic_add(&t->ep_tr[worker * t->max_eps + eid], dir, bytes,
			created);
}

#endif
