/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp: answer requests for the pod gateway IP (pod ports), the node IP
 * (uplink) and, as the kernel's router, any address asked on the host
 * port, with the node MAC, back out the ingress port. Senders of requests
 * and of replies to us feed the neighbor table; replies end here (their
 * "drop" node counts them).
 */
#include <rte_arp.h>
#include <rte_ether.h>

#include <podswitch/fdb.h>
#include <podswitch/neighbor.h>

#include "ip4_dp.h"
#include "node_private.h"

#define ARP_DROPS(X)							\
	X(BAD_HEADER, "bad_header")					\
	X(REPLY_CONSUMED, "reply_consumed")				\
	X(GRATUITOUS, "gratuitous")

enum arp_next {
#define X(e, s) ARP_DROP_##e,
	ARP_DROPS(X)
#undef X
	ARP_NB_FIXED	/* edges to port_tx-p<id> are appended at setup */
};

static rte_edge_t arp_tx_edge[PS_MAX_PORTS];

static __rte_always_inline rte_edge_t
arp_handle(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_arp_ipv4 *d = &arp->arp_data;
	uint32_t tip;

	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    !rte_is_valid_assigned_ether_addr(&d->arp_sha))
		return ARP_DROP_BAD_HEADER;
	if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) {
		if (d->arp_sip == 0)
			return ARP_DROP_BAD_HEADER;
		ps_neigh_learn(ps_ip4_dp.neighbors, d->arp_sip, &d->arp_sha,
			       m->port);
		return ARP_DROP_REPLY_CONSUMED;
	}
	if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
		return ARP_DROP_BAD_HEADER;
	if (d->arp_sip == d->arp_tip || d->arp_sip == 0)
		return ARP_DROP_GRATUITOUS;

	/* The asker is a neighbor too, as a kernel would note. */
	ps_neigh_learn(ps_ip4_dp.neighbors, d->arp_sip, &d->arp_sha, m->port);
	if (ps_ports[m->port].in_segment)
		ps_fdb_learn_request(ps_ip4_dp.fdb, &eth->src_addr, m->port);

	tip = d->arp_tip;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	d->arp_tip = d->arp_sip;
	d->arp_sha = ps_infra_dp.node_mac;
	d->arp_sip = tip;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = ps_infra_dp.node_mac;
	/* A minimum-size request may carry padding: the reply keeps it. */
	return arp_tx_edge[m->port];
}

static __rte_always_inline uint16_t
arp_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
	   uint16_t nb_objs, const bool trace)
{
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i;

	for (i = 0; i < nb_objs; i++) {
		nexts[i] = arp_handle(objs[i]);
		if (trace)
			PS_TRACE(node, (struct rte_mbuf *)objs[i], nexts[i],
				 "arp=%s", nexts[i] >= ARP_NB_FIXED ?
				 "replied" : nexts[i] == ARP_DROP_BAD_HEADER ?
				 "bad_header" : nexts[i] == ARP_DROP_GRATUITOUS ?
				 "gratuitous" : "reply_consumed");
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(arp)

static struct rte_node_register arp_node = {
	.name = "arp",
	.process = arp_process,
	.nb_edges = ARP_NB_FIXED,
	.next_nodes = {
#define X(e, s) [ARP_DROP_##e] = "arp" PS_DROP_INFIX s,
		ARP_DROPS(X)
#undef X
	},
};
static struct ps_node_info arp_info = {
	.node = &arp_node,
	.tx_edges = arp_tx_edge,
};
PS_NODE_REGISTER(arp_info);

#define X(e, s) PS_DROP_NODE(arp_drop_##e, "arp", s)
ARP_DROPS(X)
#undef X
