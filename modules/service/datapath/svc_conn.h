/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_CONN_H
#define PS_SVC_CONN_H

/*
 * What a connection of the service load balancer holds while its
 * conntrack entry lives, taken and given back in one place:
 *  - a count against its endpoint record (nat->endpoint_id, unless
 *    PS_CT_NO_ENDPOINT): lc reads it, and a removed endpoint's record
 *    drains until it is zero;
 *  - a count in ps_svc_dp.l2_ep_conns when the endpoint's replies are
 *    bridged (svc_l2_counted): service_l2 looks only at frames from
 *    counted addresses;
 *  - a SNAT port from the pool of its protocol, when nat->snat_ip is set;
 *  - counts in the service gate's filters (svc_gate_conn): the gate lets
 *    its packets in.
 *
 * service_lb takes them before it offers the entry to conntrack: the
 * management thread may delete a published entry, and give back, at
 * once, and the l2 count must be there before the endpoint's first
 * reply. It gives them back itself when the entry was not created.
 * Conntrack's release callback (services.c) gives them back when the
 * entry is deleted. The entry's nat and original tuple say what was
 * taken, so nothing else needs to be kept.
 */

#include <stdint.h>

#include <podswitch/conntrack.h>

/*
 * Take what connection orig (its original tuple: client_ip its source,
 * proto its protocol), translated as nat says, holds. With nat->snat_ip set, a port
 * from worker's share of the pool goes to nat->snat_port (network
 * order). Returns 0, or -EADDRNOTAVAIL (no SNAT port left) or
 * -EPROTONOSUPPORT (no pool for proto) having taken nothing.
 * Fast path: no lock, no syscall, no allocation.
 */
int svc_conn_take(struct ps_ct_nat *nat, const struct ps_ct_tuple *orig,
		  unsigned int worker);

/* Give back what svc_conn_take took for the same arguments. Any thread. */
void svc_conn_give(const struct ps_ct_nat *nat,
		   const struct ps_ct_tuple *orig);

#endif
