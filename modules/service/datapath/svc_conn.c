/* SPDX-License-Identifier: BSD-3-Clause */
/* A service connection's holdings (svc_conn.h). */
#include <errno.h>

#include <rte_byteorder.h>

#include <podswitch/graph.h>
#include <podswitch/nat.h>
#include <podswitch/service.h>

#include "service_dp.h"
#include "svc_conn.h"

int
svc_conn_take(struct ps_ct_nat *nat, const struct ps_ct_tuple *orig,
	      unsigned int worker)
{
	const uint32_t client_ip = orig->src_ip;
	const uint8_t proto = orig->proto;

	if (nat->snat_ip != 0) {
		int pi = ps_nat_pool_of(proto), port;

		if (pi < 0)
			return -EPROTONOSUPPORT;
		port = ps_nat_port_alloc(ps_svc_dp.nat_pool[pi], worker);
		if (port < 0)
			return -EADDRNOTAVAIL;
		nat->snat_port = rte_cpu_to_be_16((uint16_t)port);
	}
	if (nat->endpoint_id != PS_CT_NO_ENDPOINT)
		ps_svc_ep_conn_inc(ps_svc_dp.svcs, nat->endpoint_id);
	svc_gate_conn(nat, orig, true);
	if (svc_l2_counted(client_ip, nat->dnat_ip, nat->snat_ip))
		__atomic_fetch_add(&ps_svc_dp.l2_ep_conns[svc_l2_slot(
			nat->dnat_ip)], 1, __ATOMIC_RELEASE);
	return 0;
}

void
svc_conn_give(const struct ps_ct_nat *nat, const struct ps_ct_tuple *orig)
{
	const uint32_t client_ip = orig->src_ip;
	const uint8_t proto = orig->proto;
	int pi;

	/* snat_ip is set only when snat_port came from the pool. */
	if (nat->snat_ip != 0) {
		pi = ps_nat_pool_of(proto);
		if (pi >= 0)
			ps_nat_port_free(ps_svc_dp.nat_pool[pi],
					 rte_be_to_cpu_16(nat->snat_port));
	}
	if (nat->endpoint_id != PS_CT_NO_ENDPOINT)
		ps_svc_ep_conn_dec(ps_svc_dp.svcs, nat->endpoint_id);
	svc_gate_conn(nat, orig, false);
	if (svc_l2_counted(client_ip, nat->dnat_ip, nat->snat_ip))
		__atomic_fetch_sub(&ps_svc_dp.l2_ep_conns[svc_l2_slot(
			nat->dnat_ip)], 1, __ATOMIC_RELAXED);
}
