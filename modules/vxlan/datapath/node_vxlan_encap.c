/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vxlan_encap: wrap a routed IPv4 packet for a remote VTEP (RFC 7348) the
 * way a Linux vxlan device does, then route the outer packet: the route to
 * the remote gives the outer next hop, which ip4_rewrite resolves in the
 * neighbor table like any other (it may sit behind a gateway). A remote
 * with no usable route (none, blackhole, unreachable, one of our own
 * addresses) is a counted drop, no_route; one reachable only through a
 * tunnel would loop: tunnel_loop.
 *
 * The inner TTL drops by one here (we are a router into the tunnel); the
 * outer header is ours (LOCAL_ORIGIN: its TTL is kept, no ICMP error is
 * sent about it). A packet bigger than the tunnel MTU gets ICMP
 * fragmentation needed with that MTU when DF is set; without DF it is
 * fragmented to the tunnel MTU and each fragment encapsulated, as Linux
 * does routing into flannel's vxlan device (the outer packets are never
 * fragmented, see vxlan.h). A pod at the uplink's MTU (1500) thus still
 * reaches the other nodes, at a cost; flannel sets pods 50 below.
 */
#include <rte_ip.h>

#include <podswitch/inet.h>
#include <podswitch/route.h>
#include <podswitch/vxlan.h>

#include "ip4_graph.h"
#include "node_private.h"
#include "vxlan_dp.h"

/* fragments of one packet, at most (65,535 bytes in 1,280-byte pieces) */
#define VXLAN_FRAG_MAX 64

#define VXLAN_ENCAP_DROPS(X)						\
	/* over the tunnel MTU and cannot be fragmented */		\
	X(TOO_BIG, "too_big")						\
	X(NO_HEADROOM, "no_headroom")					\
	X(NO_ROUTE, "no_route")						\
	X(TUNNEL_LOOP, "tunnel_loop")

enum vxlan_encap_next {
	VXLAN_ENCAP_NEXT_REWRITE,
	VXLAN_ENCAP_NEXT_ICMP_ERROR,
#define X(e, s) VXLAN_ENCAP_DROP_##e,
	VXLAN_ENCAP_DROPS(X)
#undef X
	VXLAN_ENCAP_NB_NEXT
};
/* Not edges: encap_one's "cut it first", and "sent as fragments". */
#define VXLAN_ENCAP_FRAGMENT VXLAN_ENCAP_NB_NEXT
#define VXLAN_ENCAP_GONE (VXLAN_ENCAP_NB_NEXT + 1)

/* The outer route of the last VTEP of a burst: a burst mostly goes to a
 * few remotes. Valid within one process call (RCU: no quiescent state in
 * between). */
struct outer_cache {
	uint32_t vtep;
	rte_edge_t next;
	uint16_t port;
	uint32_t nh_ip;
	uint32_t adj;		/* the outer gateway's adjacency, or 0 */
};

static __rte_always_inline void
outer_route(const struct ps_vtep *vtep, uint32_t id, struct outer_cache *oc)
{
	const struct ps_nexthop *nh;

	oc->vtep = id;
	ps_route_lookup_bulk_adj(ps_vxlan_dp.routes, &vtep->remote, 1, &nh,
				 &oc->adj);
	if (unlikely(nh == NULL || (nh->type != PS_NH_CONNECTED &&
				    nh->type != PS_NH_GATEWAY))) {
		oc->next = nh != NULL && nh->type == PS_NH_VXLAN ?
			   VXLAN_ENCAP_DROP_TUNNEL_LOOP :
			   VXLAN_ENCAP_DROP_NO_ROUTE;
		return;
	}
	oc->next = VXLAN_ENCAP_NEXT_REWRITE;
	oc->port = nh->port_id;
	oc->nh_ip = nh->type == PS_NH_GATEWAY ? nh->gateway : vtep->remote;
}

static __rte_always_inline rte_edge_t
encap_one(struct ps_vxlan *vx, uint32_t worker, struct outer_cache *oc,
	  struct rte_mbuf *m)
{
	struct ps_mbuf_meta *meta = ps_mbuf_meta(m);
	const struct ps_vtep *vtep = &vx->vteps[meta->nh_port];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
	struct ps_vtep_counters *c;
	uint16_t inner_len;
	void *hdr;

	if (unlikely(tlen > ps_vxlan_dp.tunnel_mtu)) {
		if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
			return VXLAN_ENCAP_FRAGMENT;
		meta->icmp_type = PS_ICMP_DEST_UNREACH;
		meta->icmp_code = PS_ICMP_FRAG_NEEDED;
		meta->mtu = ps_vxlan_dp.tunnel_mtu;
		return VXLAN_ENCAP_NEXT_ICMP_ERROR;
	}
	if (unlikely(rte_pktmbuf_headroom(m) < PS_VXLAN_OVERHEAD))
		return VXLAN_ENCAP_DROP_NO_HEADROOM;
	if (oc->vtep != meta->nh_port)
		outer_route(vtep, meta->nh_port, oc);
	if (unlikely(oc->next != VXLAN_ENCAP_NEXT_REWRITE))
		return oc->next;
	if (!(meta->flags & PS_META_LOCAL_ORIGIN))
		ps_ip4_ttl_decrement(ip);
	/* Inner MACs as a Linux VTEP expects them: from our VTEP (the node
	 * MAC) to its VTEP MAC; without one ip4_rewrite fills it in. */
	eth->src_addr = ps_infra_dp.node_mac;
	if (vtep->has_mac)
		eth->dst_addr = vtep->mac;
	else
		meta->flags |= PS_META_INNER_DST;
	inner_len = (uint16_t)m->pkt_len;
	hdr = rte_pktmbuf_prepend(m, PS_VXLAN_OVERHEAD);
	ps_vxlan_encap_fast(hdr, vtep, ps_vxlan_src_port(ip, tlen), inner_len,
			    ip->type_of_service);
	meta->flags |= PS_META_LOCAL_ORIGIN;
	c = ps_vxlan_ctr(vx, worker, meta->nh_port);
	c->tx_packets++;
	c->tx_bytes += m->pkt_len;
	meta->nh_ip = oc->nh_ip;
	meta->nh_port = oc->port;
	meta->adj = oc->adj;
	return VXLAN_ENCAP_NEXT_REWRITE;
}

/* m without DF over the tunnel MTU: its fragments, encapsulated, go on
 * by themselves; m is freed (VXLAN_ENCAP_GONE) unless it cannot be cut. */
static rte_edge_t
encap_fragments(struct rte_graph *graph, struct rte_node *node,
		struct ps_vxlan *vx, uint32_t worker, struct outer_cache *oc,
		struct rte_mbuf *m)
{
	struct rte_mbuf *fr[VXLAN_FRAG_MAX];
	int n = ps_ip4_fragment(m, ps_vxlan_dp.tunnel_mtu, fr, VXLAN_FRAG_MAX);
	int i;

	if (n < 0)
		return VXLAN_ENCAP_DROP_TOO_BIG;
	for (i = 0; i < n; i++)
		rte_node_enqueue_x1(graph, node, encap_one(vx, worker, oc,
							   fr[i]), fr[i]);
	rte_pktmbuf_free(m);
	return VXLAN_ENCAP_GONE;
}

static void
vxlan_trace_outer(const struct rte_node *node, struct rte_mbuf *m,
		  rte_edge_t next)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const struct rte_vxlan_hdr *vh;

	if (m->data_len < PS_VXLAN_OVERHEAD) {
		ps_trace_add(node, m, next, "encap=none");
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
				     RTE_ETHER_HDR_LEN);
	udp = (const struct rte_udp_hdr *)(ip + 1);
	vh = (const struct rte_vxlan_hdr *)(udp + 1);
	ps_trace_add(node, m, next, "vni=%u outer_src=" PS_IP4_FMT
		     " outer_dst=" PS_IP4_FMT " udp_sport=%u udp_dport=%u",
		     rte_be_to_cpu_32(vh->vx_vni) >> 8,
		     PS_IP4_BYTES(ip->src_addr), PS_IP4_BYTES(ip->dst_addr),
		     rte_be_to_cpu_16(udp->src_port),
		     rte_be_to_cpu_16(udp->dst_port));
}

static __rte_always_inline uint16_t
vxlan_encap_inline(struct rte_graph *graph, struct rte_node *node,
		   void **objs, uint16_t nb_objs, const bool trace)
{
	const uint32_t worker = ps_worker_ctx(node)->worker;
	struct ps_vxlan *vx = ps_vxlan_dp.table;
	struct outer_cache oc = { .vtep = UINT32_MAX };
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i, gone = 0;

	for (i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		const bool marked = trace && ps_trace_marked(m);

		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod((struct rte_mbuf *)objs[i + 1],
						       void *));
		nexts[i] = encap_one(vx, worker, &oc, m);
		if (unlikely(nexts[i] == VXLAN_ENCAP_FRAGMENT)) {
			nexts[i] = encap_fragments(graph, node, vx, worker,
						   &oc, m);
			gone += nexts[i] == VXLAN_ENCAP_GONE;
		}
		/* fragmented: m is gone, its pieces are traced on */
		if (unlikely(marked) && nexts[i] != VXLAN_ENCAP_GONE)
			vxlan_trace_outer(node, m, nexts[i]);
	}
	if (unlikely(gone > 0)) {
		uint16_t j = 0;

		for (i = 0; i < nb_objs; i++)
			if (nexts[i] != VXLAN_ENCAP_GONE) {
				objs[j] = objs[i];
				nexts[j++] = nexts[i];
			}
		ps_enqueue_nexts(graph, node, nexts, objs, j);
		return nb_objs;
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(vxlan_encap)

/* The module's state, and the routes whose next hop is a VTEP. */
static int
vxlan_encap_setup(struct ps_dataplane *dp)
{
	int rc = ps_vxlan_dp_setup(dp);

	if (rc < 0)
		return rc;
	return ps_ip4_lookup_nh_register(PS_NH_VXLAN, "vxlan_encap");
}

static struct rte_node_register vxlan_encap_node = {
	.name = "vxlan_encap",
	.process = vxlan_encap_process,
	.init = ps_node_worker_init,
	.nb_edges = VXLAN_ENCAP_NB_NEXT,
	.next_nodes = {
		[VXLAN_ENCAP_NEXT_REWRITE] = "ip4_rewrite",
		[VXLAN_ENCAP_NEXT_ICMP_ERROR] = "icmp_error",
#define X(e, s) [VXLAN_ENCAP_DROP_##e] = "vxlan_encap" PS_DROP_INFIX s,
		VXLAN_ENCAP_DROPS(X)
#undef X
	},
};
static struct ps_node_info vxlan_encap_info = {
	.node = &vxlan_encap_node,
	.setup = vxlan_encap_setup,
};
PS_NODE_REGISTER(vxlan_encap_info);

#define X(e, s) PS_DROP_NODE(vxlan_encap_drop_##e, "vxlan_encap", s)
VXLAN_ENCAP_DROPS(X)
#undef X
