/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_GATE_H
#define PS_SVC_GATE_H

/*
 * The gate in front of service_lb (docs/design.md, "pipeline"): whether
 * a routed packet may concern a service frontend, a translated
 * connection or masquerade. A packet the gate turns away goes straight
 * on, as service_lb would have let it (LB_PASS, or a conntrack miss that
 * neither a frontend nor masquerade takes), at the cost of a few
 * compares and two byte loads. "Maybe" is always safe: service_lb
 * decides as before.
 *
 * Let in:
 *  - TCP, UDP or ICMP only (service_lb passes anything else);
 *  - to the service CIDR (ClusterIPs), or a pod's egress that
 *    masquerade takes (the same test as lb_miss);
 *  - to a frontend (ip, port, proto) of the frontend filter, or to a
 *    NodePort (ip 0 in the filter) of a local address;
 *  - to a local address (node IP, gateway IP: the SNAT addresses) and
 *    port of the connection filter: replies of SNATed and masqueraded
 *    connections (svc_gate_conn());
 *  - from an (ip, port, proto) of the connection filter: replies of
 *    connections DNATed without SNAT;
 *  - ICMP errors (they may quote any of the above), ICMP echo to or
 *    from a local address;
 *  - fragments, first or later, by addresses alone, so that every
 *    fragment of a datagram has the same answer (later ones carry no
 *    ports): to a local address, or from or to the address of a
 *    frontend or a connection endpoint (either filter's (ip, 0, 0)).
 */
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <podswitch/cfilter.h>
#include <podswitch/dataplane.h>

#include "infra_dp.h"
#include "service_dp.h"
#include "svc_frag.h"

static __rte_always_inline bool
svc_gate_in(uint32_t a, uint32_t net, uint32_t mask)
{
	return (a & mask) == net;
}

/* The address rules: to a ClusterIP, or egress that masquerade takes. */
static __rte_always_inline bool
svc_gate_addrs(uint32_t src, uint32_t dst)
{
	const struct ps_svc_dp *d = &ps_svc_dp;

	if (svc_gate_in(dst, d->service_net, d->service_mask))
		return true;
	return d->masquerade && svc_gate_in(src, d->pod_net, d->pod_mask) &&
	       !svc_gate_in(dst, d->node_net, d->node_mask) &&
	       !svc_gate_in(dst, d->cluster_net, d->cluster_mask) &&
	       !svc_gate_in(dst, d->pod_net, d->pod_mask) &&
	       dst != ps_infra_dp.node_ip && dst != ps_infra_dp.gateway_ip;
}

/* Whether ip is the address of a frontend or of a connection endpoint. */
static __rte_always_inline bool
svc_gate_addr(uint32_t ip)
{
	return ps_cfilter_lookup(ps_svc_dp.gate_fe, ip, 0, 0) ||
	       ps_cfilter_lookup(ps_svc_dp.gate_conn, ip, 0, 0);
}

/* Whether m (Ethernet, an IPv4 header checked by ip4_input) may
 * concern the service stage. */
static __rte_always_inline bool
svc_gate(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	const uint8_t proto = ip->next_proto_id;
	const uint32_t src = ip->src_addr, dst = ip->dst_addr;
	unsigned int hlen, l4len;
	const uint8_t *l4;
	uint16_t sport, dport;
	bool local;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP &&
	    proto != IPPROTO_ICMP)
		return false;
	if (svc_gate_addrs(src, dst))
		return true;
	local = dst == ps_infra_dp.node_ip || dst == ps_infra_dp.gateway_ip;
	if (unlikely(svc_frag_is_fragment(ip)))
		return local || svc_gate_addr(dst) || svc_gate_addr(src);
	hlen = (ip->version_ihl & 0xf) * 4u;
	l4len = rte_be_to_cpu_16(ip->total_length) - hlen;
	l4 = (const uint8_t *)ip + hlen;
	if (unlikely(l4len < 4))
		return true;	/* service_lb counts what it makes of it */
	if (proto == IPPROTO_ICMP)
		return local || (l4[0] != RTE_IP_ICMP_ECHO_REQUEST &&
				 l4[0] != RTE_IP_ICMP_ECHO_REPLY);
	/* TCP's ports are where UDP's are */
	sport = ((const struct rte_udp_hdr *)l4)->src_port;
	dport = ((const struct rte_udp_hdr *)l4)->dst_port;
	if (local && (ps_cfilter_lookup(ps_svc_dp.gate_fe, 0, dport, proto) ||
		      ps_cfilter_lookup(ps_svc_dp.gate_conn, dst, dport,
					proto)))
		return true;
	/* every (ip, port, proto) key comes with its (ip, 0, 0): asked
	 * first, it keeps the probes of many flows between few addresses
	 * on few cache lines */
	return (ps_cfilter_lookup(ps_svc_dp.gate_fe, dst, 0, 0) &&
		ps_cfilter_lookup(ps_svc_dp.gate_fe, dst, dport, proto)) ||
	       (ps_cfilter_lookup(ps_svc_dp.gate_conn, src, 0, 0) &&
		ps_cfilter_lookup(ps_svc_dp.gate_conn, src, sport, proto));
}

#endif
