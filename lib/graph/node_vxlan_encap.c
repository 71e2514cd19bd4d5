/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vxlan_encap: wrap a routed IPv4 packet for a remote VTEP (RFC 7348) the
 * way a Linux vxlan device does, then route the outer packet again
 * (ip4_lookup -> ip4_rewrite), so the outer next hop is resolved by the
 * neighbor table like any other and may sit behind a gateway.
 *
 * The inner TTL drops by one here (we are a router into the tunnel); the
 * outer header is ours (LOCAL_ORIGIN: its TTL is kept, no ICMP error is
 * sent about it). A packet bigger than the tunnel MTU gets ICMP
 * fragmentation needed with that MTU when DF is set, and is dropped and
 * counted (too_big) when not: we never fragment (see vxlan.h).
 */
#include <rte_ip.h>

#include <podswitch/vxlan.h>

#include "node_private.h"

#define VXLAN_ENCAP_DROPS(X)						\
	X(TOO_BIG, "too_big")						\
	X(NO_HEADROOM, "no_headroom")

enum vxlan_encap_next {
	VXLAN_ENCAP_NEXT_LOOKUP,
	VXLAN_ENCAP_NEXT_ICMP_ERROR,
#define X(e, s) VXLAN_ENCAP_DROP_##e,
	VXLAN_ENCAP_DROPS(X)
#undef X
	VXLAN_ENCAP_NB_NEXT
};

static const char *const vxlan_encap_next_names[] = {
	[VXLAN_ENCAP_NEXT_LOOKUP] = "encapsulated",
	[VXLAN_ENCAP_NEXT_ICMP_ERROR] = "fragmentation needed",
#define X(e, s) [VXLAN_ENCAP_DROP_##e] = "drop " s,
	VXLAN_ENCAP_DROPS(X)
#undef X
};

struct vxlan_encap_ctx {
	uint32_t worker;
};
_Static_assert(sizeof(struct vxlan_encap_ctx) <= RTE_NODE_CTX_SZ, "ctx");

static __rte_always_inline rte_edge_t
encap_one(struct ps_vxlan *vx, uint32_t worker, struct rte_mbuf *m)
{
	struct ps_mbuf_meta *meta = ps_mbuf_meta(m);
	const struct ps_vtep *vtep = &vx->vteps[meta->nh_port];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
	struct ps_vtep_counters *c;
	uint16_t inner_len;
	void *hdr;

	if (unlikely(tlen > ps_genv.tunnel_mtu)) {
		if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
			return VXLAN_ENCAP_DROP_TOO_BIG;
		meta->icmp_type = PS_ICMP_DEST_UNREACH;
		meta->icmp_code = PS_ICMP_FRAG_NEEDED;
		meta->mtu = ps_genv.tunnel_mtu;
		return VXLAN_ENCAP_NEXT_ICMP_ERROR;
	}
	if (unlikely(rte_pktmbuf_headroom(m) < PS_VXLAN_OVERHEAD))
		return VXLAN_ENCAP_DROP_NO_HEADROOM;
	if (!(meta->flags & PS_META_LOCAL_ORIGIN))
		ps_ip4_ttl_decrement(ip);
	/* Inner MACs as a Linux VTEP expects them: from our VTEP (the node
	 * MAC) to its VTEP MAC; without one ip4_rewrite fills it in. */
	eth->src_addr = ps_genv.node_mac;
	if (vtep->has_mac)
		eth->dst_addr = vtep->mac;
	else
		meta->flags |= PS_META_INNER_DST;
	inner_len = (uint16_t)m->pkt_len;
	hdr = rte_pktmbuf_prepend(m, PS_VXLAN_OVERHEAD);
	ps_vxlan_encap_hdr(hdr, &ps_genv.node_mac, ps_genv.node_ip,
			   vtep->remote, ps_vxlan_src_port(ip, tlen),
			   ps_genv.vxlan_port, vtep->vni, inner_len,
			   ip->type_of_service);
	meta->flags |= PS_META_LOCAL_ORIGIN | PS_META_ENCAP;
	c = ps_vxlan_ctr(vx, worker, meta->nh_port);
	c->tx_packets++;
	c->tx_bytes += m->pkt_len;
	return VXLAN_ENCAP_NEXT_LOOKUP;
}

static __rte_always_inline uint16_t
vxlan_encap_inline(struct rte_graph *graph, struct rte_node *node,
		   void **objs, uint16_t nb_objs, const bool trace)
{
	struct vxlan_encap_ctx *ctx = (struct vxlan_encap_ctx *)node->ctx;
	struct ps_vxlan *vx = ps_genv.vxlan;
	rte_edge_t nexts[RTE_GRAPH_BURST_SIZE];
	uint16_t i;

	for (i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];

		nexts[i] = encap_one(vx, ctx->worker, m);
		if (trace)
			PS_TRACE(node, m, "vtep " PS_IP4_FMT " vni %u -> %s",
				 PS_IP4_BYTES(vx->vteps[ps_mbuf_meta(m)->nh_port].remote),
				 vx->vteps[ps_mbuf_meta(m)->nh_port].vni,
				 vxlan_encap_next_names[nexts[i]]);
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

static uint16_t
vxlan_encap_process(struct rte_graph *graph, struct rte_node *node,
		    void **objs, uint16_t nb_objs)
{
	if (unlikely(ps_genv.trace))
		return vxlan_encap_inline(graph, node, objs, nb_objs, true);
	return vxlan_encap_inline(graph, node, objs, nb_objs, false);
}

static int
vxlan_encap_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct vxlan_encap_ctx *ctx = (struct vxlan_encap_ctx *)node->ctx;
	struct ps_worker *w = ps_worker_of_graph(graph);

	if (w == NULL || w->idx >= PS_MAX_WORKERS)
		return -EINVAL;
	ctx->worker = w->idx;
	return 0;
}

static struct rte_node_register vxlan_encap_node = {
	.name = "vxlan_encap",
	.process = vxlan_encap_process,
	.init = vxlan_encap_init,
	.nb_edges = VXLAN_ENCAP_NB_NEXT,
	.next_nodes = {
		[VXLAN_ENCAP_NEXT_LOOKUP] = "ip4_lookup",
		[VXLAN_ENCAP_NEXT_ICMP_ERROR] = "icmp_error",
#define X(e, s) [VXLAN_ENCAP_DROP_##e] = "vxlan_encap" PS_DROP_INFIX s,
		VXLAN_ENCAP_DROPS(X)
#undef X
	},
};
RTE_NODE_REGISTER(vxlan_encap_node);

#define X(e, s) PS_DROP_NODE(vxlan_encap_drop_##e, "vxlan_encap", s)
VXLAN_ENCAP_DROPS(X)
#undef X
