/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eth_input: classify a received frame. ARP aimed at one of our addresses
 * goes to arp, IPv4 to our MAC to ip4_input, other frames of the pod
 * segment to the bridge (l2_fdb, or the node a module put in front of it:
 * ps_eth_input_l2_insert); anything else on a routed port (uplink, host)
 * is not for us.
 */
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "node_private.h"

#define ETH_INPUT_DROPS(X)						\
	X(TOO_SHORT, "too_short")					\
	X(BAD_SRC_MAC, "bad_src_mac")					\
	X(NOT_IP, "not_ip")						\
	X(NOT_FOR_US, "not_for_us")

enum eth_input_next {
	ETH_INPUT_NEXT_L2,
	ETH_INPUT_NEXT_ARP,
	ETH_INPUT_NEXT_IP4,
#define X(e, s) ETH_INPUT_DROP_##e,
	ETH_INPUT_DROPS(X)
#undef X
	ETH_INPUT_NB_NEXT
};

/* The edge of guarded ports' lying frames; RTE_EDGE_ID_INVALID: no
 * module guards. */
static rte_edge_t eth_input_spoof = RTE_EDGE_ID_INVALID;

/*
 * Whether a frame from a guarded port lies about its sender: a source MAC
 * other than its pod's, IPv4 from another address (0.0.0.0 is a DHCP
 * client's, to UDP port 67 only), ARP with another sender (0.0.0.0: an
 * address probe, RFC 5227).
 */
static __rte_always_inline bool
frame_lies(const struct rte_mbuf *m, const struct rte_ether_hdr *eth,
	   const struct ps_port_guard *g)
{
	if (!rte_is_same_ether_addr(&eth->src_addr, &g->mac))
		return true;
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
		const struct rte_udp_hdr *uh;

		/* too short: ip4_input or the bridge drop it */
		if (m->data_len < sizeof(*eth) + sizeof(*ip))
			return false;
		if (ip->src_addr == g->ip)
			return false;
		if (ip->src_addr != 0 || ip->next_proto_id != IPPROTO_UDP ||
		    m->data_len < sizeof(*eth) + sizeof(*ip) + sizeof(*uh))
			return true;
		uh = (const void *)((const uint8_t *)ip +
				    (ip->version_ihl & 0xf) * 4);
		return (const uint8_t *)(uh + 1) > rte_pktmbuf_mtod(m,
			const uint8_t *) + m->data_len ||
		       uh->dst_port != RTE_BE16(67);
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		const struct rte_arp_hdr *arp = (const void *)(eth + 1);

		if (m->data_len < sizeof(*eth) + sizeof(*arp))
			return false;
		return !rte_is_same_ether_addr(&arp->arp_data.arp_sha,
					       &g->mac) ||
		       (arp->arp_data.arp_sip != g->ip &&
			arp->arp_data.arp_sip != 0);
	}
	return false;
}

/* The edge of pod-segment frames: ETH_INPUT_NEXT_L2 unless a node was put
 * in front of the bridge. */
static rte_edge_t eth_input_l2 = ETH_INPUT_NEXT_L2;

/*
 * ARP we answer or consume: a reply to us (neighbor resolution), or a
 * request for our address on this port: the gateway on the pod segment,
 * the node IP and the addresses we announce (services.announce_arp) on
 * the uplink, and on the host port anything but the node IP (the
 * kernel's own), since we are its router for every destination.
 */
static __rte_always_inline bool
arp_is_ours(const struct rte_mbuf *m, const struct rte_ether_hdr *eth,
	    const struct ps_port *p)
{
	const struct rte_arp_hdr *arp;
	uint32_t tip;

	if (m->data_len < sizeof(*eth) + sizeof(*arp))
		return false;
	arp = (const struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY))
		return rte_is_same_ether_addr(&eth->dst_addr,
					      &ps_infra_dp.node_mac);
	tip = arp->arp_data.arp_tip;
	switch (p->role) {
	case PS_ROLE_POD:
		return tip == ps_infra_dp.gateway_ip;
	case PS_ROLE_HOST:
		return tip != ps_infra_dp.node_ip;
	default:
		return tip == ps_infra_dp.node_ip ||
		       (ps_infra_dp.uplink_arp != NULL &&
			rte_hash_lookup(ps_infra_dp.uplink_arp, &tip) >= 0);
	}
}

static __rte_always_inline uint16_t
eth_input_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		 uint16_t nb_objs, const bool trace)
{
	const rte_edge_t l2 = eth_input_l2;
	const rte_edge_t spoof = eth_input_spoof;
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i;

	for (i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		const struct rte_ether_hdr *eth;
		const struct ps_port *p = &ps_ports[m->port];
		rte_edge_t next;

		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod((struct rte_mbuf *)objs[i + 1],
						       void *));
		eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(m->data_len < sizeof(*eth)))
			next = ETH_INPUT_DROP_TOO_SHORT;
		else if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
				  rte_is_zero_ether_addr(&eth->src_addr)))
			next = ETH_INPUT_DROP_BAD_SRC_MAC;
		else if (__atomic_load_n(&ps_infra_dp.guard[m->port].on,
					 __ATOMIC_ACQUIRE) &&
			 frame_lies(m, eth, &ps_infra_dp.guard[m->port]))
			next = spoof;
		else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) &&
			 arp_is_ours(m, eth, p))
			next = ETH_INPUT_NEXT_ARP;
		else if (rte_is_same_ether_addr(&eth->dst_addr,
						&ps_infra_dp.node_mac))
			next = eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) ?
			       ETH_INPUT_NEXT_IP4 : ETH_INPUT_DROP_NOT_IP;
		else if (likely(p->in_segment))
			next = l2;
		else
			next = ETH_INPUT_DROP_NOT_FOR_US;
		nexts[i] = next;
		if (trace)
			PS_TRACE(node, m, next, "src=" PS_TRACE_MAC_FMT
				 " dst=" PS_TRACE_MAC_FMT
				 " ethertype=0x%04x",
				 RTE_ETHER_ADDR_BYTES(&eth->src_addr),
				 RTE_ETHER_ADDR_BYTES(&eth->dst_addr),
				 rte_be_to_cpu_16(eth->ether_type));
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(eth_input)

int
ps_eth_input_guard_attach(const char *node)
{
	rte_edge_t e = ps_node_attach_parent("eth_input", node);

	if (e == RTE_EDGE_ID_INVALID)
		return -ENOSPC;
	eth_input_spoof = e;
	return 0;
}

static struct ps_node_chain eth_input_l2_chain = {
	.parent = "eth_input",
	.tail = "l2_fdb",
	.parent_edge = &eth_input_l2,
};

int
ps_eth_input_l2_chain(const char *node, rte_edge_t edge, int rank)
{
	return ps_node_chain_insert(&eth_input_l2_chain, node, edge, rank);
}

int
ps_eth_input_l2_insert(const char *node)
{
	return ps_eth_input_l2_chain(node, 0, 0);
}

static struct rte_node_register eth_input_node = {
	.name = "eth_input",
	.process = eth_input_process,
	.nb_edges = ETH_INPUT_NB_NEXT,
	.next_nodes = {
		[ETH_INPUT_NEXT_L2] = "l2_fdb",
		[ETH_INPUT_NEXT_ARP] = "arp",
		[ETH_INPUT_NEXT_IP4] = "ip4_input",
#define X(e, s) [ETH_INPUT_DROP_##e] = "eth_input" PS_DROP_INFIX s,
		ETH_INPUT_DROPS(X)
#undef X
	},
};
static struct ps_node_info eth_input_info = {
	.node = &eth_input_node,
};
PS_NODE_REGISTER(eth_input_info);

#define X(e, s) PS_DROP_NODE(eth_input_drop_##e, "eth_input", s)
ETH_INPUT_DROPS(X)
#undef X
