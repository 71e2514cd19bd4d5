/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SERVICE_DP_H
#define PS_SERVICE_DP_H

/*
 * The service module's datapath state, shared by service_lb/service_l2
 * and the module's control part (services.c, lb_state.c) only. Set by
 * svc_module_init() before the graphs are built; read-only after, except the
 * connection counts of l2_ep_conns.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include <podswitch/cfilter.h>
#include <podswitch/config.h>
#include <podswitch/conntrack.h>
#include <podswitch/nat.h>

struct ps_ct;
struct ps_svc_table;
struct ps_nat_pool;
struct svc_frag;

struct ps_svc_dp {
	/* conntrack, services, SNAT ports */
	struct ps_ct *ct;
	struct ps_svc_table *svcs;
	struct ps_nat_pool *nat_pool[PS_NAT_NB_POOLS];
	/* network order: in when (a & mask) == net; an absent prefix is
	 * net 0, mask ~0 (only 0.0.0.0, never a real source/destination) */
	uint32_t pod_net, pod_mask;
	uint32_t cluster_net, cluster_mask;
	uint32_t service_net, service_mask;
	uint32_t node_net, node_mask;	/* the node subnet: the other nodes */
	/* pods' egress to outside the cluster is masqueraded; off when
	 * cluster_cidr is not configured (inside and outside unknown) */
	bool masquerade;
	/*
	 * Live connections DNATed, without SNAT, from a pod of this node to
	 * an endpoint in the pod subnet, per endpoint address (indexed by
	 * svc_l2_slot()): the endpoint's replies are bridged, and only
	 * frames from an address counted here need service_l2's conntrack
	 * lookup. Workers increment when they create such a connection, the
	 * management thread decrements when it is deleted.
	 */
	uint32_t *l2_ep_conns;
	uint32_t l2_ep_mask;
	/*
	 * The gate in front of service_lb (svc_gate.h): gate_fe holds the
	 * frontends (ip, port, proto) as the frontend hash has them,
	 * NodePorts with ip 0, but ClusterIPs of the service CIDR (the
	 * service table counts them); gate_conn where the replies of live
	 * connections come from (the endpoint, without SNAT) or go to (the
	 * SNAT address and port), svc_gate_conn(). Each also holds the
	 * addresses of its keys (port and proto 0; not of SNAT addresses,
	 * which are local), for fragments, which may carry no ports.
	 */
	struct ps_cfilter *gate_fe, *gate_conn;
	/* fragment tracking, one table per worker (svc_frag.h) */
	struct svc_frag *frag[PS_MAX_WORKERS];
};

extern struct ps_svc_dp ps_svc_dp;

/* Slot of pod address ip (network order) in ps_svc_dp.l2_ep_conns. */
static inline uint32_t
svc_l2_slot(uint32_t ip)
{
	return rte_be_to_cpu_32(ip) & ps_svc_dp.l2_ep_mask;
}

/* Whether connection orig, DNATed to dnat_ip without SNAT, has its
 * replies bridged (client and endpoint both in the pod subnet). */
static inline bool
svc_l2_counted(uint32_t client_ip, uint32_t dnat_ip, uint32_t snat_ip)
{
	return dnat_ip != 0 && snat_ip == 0 &&
	       (client_ip & ps_svc_dp.pod_mask) == ps_svc_dp.pod_net &&
	       (dnat_ip & ps_svc_dp.pod_mask) == ps_svc_dp.pod_net;
}

static inline void
svc_gate_count(struct ps_cfilter *f, uint32_t ip, uint16_t port,
	       uint8_t proto, bool add)
{
	if (add)
		ps_cfilter_add(f, ip, port, proto);
	else
		ps_cfilter_del(f, ip, port, proto);
}

/*
 * Count (add) or uncount connection orig (its original tuple),
 * translated as nat, in the gate's filters. Its replies: with SNAT they
 * come to the SNAT address and port, without it from the endpoint (and
 * its address, for fragments), in the connection filter. Its original
 * direction, when DNATed: to its frontend, in the frontend filter (but
 * in the service CIDR, let in whole), so that it keeps being translated
 * when the service drops that frontend. Whoever takes or gives back a
 * connection's holdings (svc_conn.c, lb_state.c), with nat->snat_port
 * set.
 */
static inline void
svc_gate_conn(const struct ps_ct_nat *nat, const struct ps_ct_tuple *orig,
	      bool add)
{
	struct ps_cfilter *f = ps_svc_dp.gate_conn;
	const uint8_t proto = orig->proto;

	if (f == NULL)
		return;
	if (nat->dnat_ip != 0 &&
	    (orig->dst_ip & ps_svc_dp.service_mask) != ps_svc_dp.service_net) {
		svc_gate_count(ps_svc_dp.gate_fe, orig->dst_ip, orig->dst_port,
			       proto, add);
		svc_gate_count(ps_svc_dp.gate_fe, orig->dst_ip, 0, 0, add);
	}
	if (nat->snat_ip != 0) {
		if (add)
			ps_cfilter_add(f, nat->snat_ip, nat->snat_port, proto);
		else
			ps_cfilter_del(f, nat->snat_ip, nat->snat_port, proto);
	} else if (nat->dnat_ip != 0) {
		if (add) {
			ps_cfilter_add(f, nat->dnat_ip, nat->dnat_port, proto);
			ps_cfilter_add(f, nat->dnat_ip, 0, 0);
		} else {
			ps_cfilter_del(f, nat->dnat_ip, nat->dnat_port, proto);
			ps_cfilter_del(f, nat->dnat_ip, 0, 0);
		}
	}
}

#endif
