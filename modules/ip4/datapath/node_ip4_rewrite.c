/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip4_rewrite: resolve the next hop in the neighbor table, decrement the
 * TTL (incremental checksum), rewrite the Ethernet addresses and send.
 * An unresolved next hop takes the packet to the management thread, which
 * holds it while ARP resolves and sends it then.
 *
 * A gateway's packets (routes to other nodes, the default route, a VXLAN
 * outer route via a gateway) carry its adjacency: one slot load gives the
 * entry the hash would. Packets without one (hosts behind a connected
 * route, on-link VTEPs) or whose adjacency no longer names their next hop
 * look the next hop up in bulk, as before.
 */
#include <rte_hash.h>
#include <rte_ip.h>

#include <podswitch/inet.h>
#include <podswitch/neighbor.h>
#include <podswitch/vxlan.h>

#include "ip4_dp.h"
#include "node_private.h"

#define IP4_REWRITE_DROPS(X)						\
	X(HOLD_FULL, "hold_full")

enum ip4_rewrite_next {
	IP4_REWRITE_NEXT_ICMP_ERROR,
#define X(e, s) IP4_REWRITE_DROP_##e,
	IP4_REWRITE_DROPS(X)
#undef X
	IP4_REWRITE_NB_FIXED	/* edges to port_tx-p<id> are appended at setup */
};

static rte_edge_t ip4_rewrite_tx_edge[PS_MAX_PORTS];

/* Not an edge: the packet went to the neighbor hold queue. */
#define IP4_REWRITE_HELD ((rte_edge_t)0xffff)

static __rte_always_inline rte_edge_t
rewrite_one(const struct rte_node *node, struct rte_mbuf *m,
	    const struct ps_neigh *n)
{
	struct ps_mbuf_meta *meta = ps_mbuf_meta(m);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint8_t state = n ? __atomic_load_n(&n->state, __ATOMIC_ACQUIRE) :
			    PS_NEIGH_INCOMPLETE;

	if (unlikely(state == PS_NEIGH_FAILED)) {
		meta->icmp_type = PS_ICMP_DEST_UNREACH;
		meta->icmp_code = PS_ICMP_HOST_UNREACH;
		return IP4_REWRITE_NEXT_ICMP_ERROR;
	}
	/* Before holding too: the writer that sends held packets only fills
	 * in the MAC addresses. Our own packets leave with their TTL. */
	if (!(meta->flags & PS_META_LOCAL_ORIGIN))
		ps_ip4_ttl_decrement(ip);
	if (unlikely(state == PS_NEIGH_INCOMPLETE)) {
		/* the management thread sends it on: its path ends here */
		if (unlikely(ps_trace_marked(m)))
			ps_trace_end(node, m, "next_hop=" PS_IP4_FMT
				     " neighbor=incomplete held=1",
				     PS_IP4_BYTES(meta->nh_ip));
		if (ps_neigh_hold(ps_ip4_dp.neighbors, m, meta->nh_ip,
				  meta->nh_port) == 0)
			return IP4_REWRITE_HELD;
		return IP4_REWRITE_DROP_HOLD_FULL;
	}
	eth->dst_addr = n->mac;
	eth->src_addr = ps_infra_dp.node_mac;
	/* A VXLAN frame to a VTEP whose MAC no route gave: its node MAC. */
	if (unlikely(meta->flags & PS_META_INNER_DST))
		rte_pktmbuf_mtod_offset(m, struct rte_ether_hdr *,
					PS_VXLAN_OVERHEAD)->dst_addr = n->mac;
	return ip4_rewrite_tx_edge[n->port_id];
}

static __rte_always_inline void
ip4_rewrite_trace(const struct rte_node *node, struct rte_mbuf *m,
		  uint32_t nh_ip, const struct ps_neigh *n, rte_edge_t next)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;

	if (likely(!ps_trace_marked(m)))
		return;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	if (next < IP4_REWRITE_NB_FIXED || n == NULL) {
		ps_trace_add(node, m, next, "next_hop=" PS_IP4_FMT
			     " neighbor=failed", PS_IP4_BYTES(nh_ip));
		return;
	}
	ps_trace_add(node, m, next, "next_hop=" PS_IP4_FMT " mac="
		     PS_TRACE_MAC_FMT " out_port=%s ttl=%u",
		     PS_IP4_BYTES(nh_ip), RTE_ETHER_ADDR_BYTES(&eth->dst_addr),
		     ps_ports[n->port_id].name, ip->time_to_live);
}

static __rte_always_inline uint16_t
ip4_rewrite_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		   uint16_t nb_objs, const bool trace)
{
	const struct ps_neigh *nb[RTE_HASH_LOOKUP_BULK_MAX];
	const struct ps_neigh *miss_nb[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t nh_ip[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t miss_ip[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t miss[RTE_HASH_LOOKUP_BULK_MAX];
	const struct ps_neigh *const *adj = ps_ip4_dp.adj;
	const uint32_t nb_adj = ps_ip4_dp.nb_adj;
	rte_edge_t nexts[PS_NODE_CHUNK];
	bool held = false;
	uint16_t i, j, n, nb_miss;

	for (i = 0; i < nb_objs; i += n) {
		n = RTE_MIN(nb_objs - i, RTE_HASH_LOOKUP_BULK_MAX);
		nb_miss = 0;
		for (j = 0; j < n; j++) {
			const struct ps_mbuf_meta *meta =
				ps_mbuf_meta(objs[i + j]);

			nh_ip[j] = meta->nh_ip;
			nb[j] = ps_neigh_adj_get(adj, nb_adj, meta->adj,
						 nh_ip[j]);
			if (unlikely(nb[j] == NULL)) {
				miss[nb_miss] = (uint8_t)j;
				miss_ip[nb_miss++] = nh_ip[j];
			}
		}
		/* A NULL slot may also be an unresolved gateway: the hash
		 * says the same then, and the packet is held as before. */
		if (nb_miss > 0) {
			ps_neigh_lookup_bulk(ps_ip4_dp.neighbors, miss_ip,
					     nb_miss, miss_nb);
			for (j = 0; j < nb_miss; j++)
				nb[miss[j]] = miss_nb[j];
		}
		for (j = 0; j < n; j++) {
			struct rte_mbuf *m = objs[i + j];

			nexts[i + j] = rewrite_one(node, m, nb[j]);
			held |= nexts[i + j] == IP4_REWRITE_HELD;
			if (trace && nexts[i + j] != IP4_REWRITE_HELD)
				ip4_rewrite_trace(node, m, nh_ip[j], nb[j],
						  nexts[i + j]);
		}
	}
	if (likely(!held)) {
		ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
		return nb_objs;
	}
	for (i = 0; i < nb_objs; i++)
		if (nexts[i] != IP4_REWRITE_HELD)
			rte_node_enqueue_x1(graph, node, nexts[i], objs[i]);
	return nb_objs;
}

PS_NODE_PROCESS(ip4_rewrite)

static struct rte_node_register ip4_rewrite_node = {
	.name = "ip4_rewrite",
	.process = ip4_rewrite_process,
	.nb_edges = IP4_REWRITE_NB_FIXED,
	.next_nodes = {
		[IP4_REWRITE_NEXT_ICMP_ERROR] = "icmp_error",
#define X(e, s) [IP4_REWRITE_DROP_##e] = "ip4_rewrite" PS_DROP_INFIX s,
		IP4_REWRITE_DROPS(X)
#undef X
	},
};
static struct ps_node_info ip4_rewrite_info = {
	.node = &ip4_rewrite_node,
	.tx_edges = ip4_rewrite_tx_edge,
};
PS_NODE_REGISTER(ip4_rewrite_info);

#define X(e, s) PS_DROP_NODE(ip4_rewrite_drop_##e, "ip4_rewrite", s)
IP4_REWRITE_DROPS(X)
#undef X
