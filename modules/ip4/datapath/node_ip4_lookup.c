/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip4_lookup: longest-prefix match of the destination. Our own addresses
 * go to ip4_local; forwarded packets get their next-hop address and port
 * in the mbuf metadata for ip4_rewrite (or for the node a module
 * registered for its next-hop type: vxlan_encap for tunnel routes), or an
 * ICMP error when there is no route or the TTL runs out.
 */
#include <errno.h>

#include <rte_ip.h>

#include <podswitch/inet.h>
#include <podswitch/route.h>

#include "ip4_dp.h"
#include "ip4_graph.h"
#include "node_private.h"

#define LOOKUP_CHUNK 64

#define IP4_LOOKUP_DROPS(X)						\
	X(BLACKHOLE, "blackhole")

enum ip4_lookup_next {
	IP4_LOOKUP_NEXT_REWRITE,
	IP4_LOOKUP_NEXT_LOCAL,
	IP4_LOOKUP_NEXT_ICMP_ERROR,
#define X(e, s) IP4_LOOKUP_DROP_##e,
	IP4_LOOKUP_DROPS(X)
#undef X
	IP4_LOOKUP_NB_NEXT
};

/* The edge of a forwarded packet by the type of its next hop: ip4_rewrite
 * for ours, the registered node for the others, else a drop. */
static rte_edge_t ip4_lookup_nh_edge[PS_NH_TYPE_MAX] = {
	[PS_NH_LOCAL] = IP4_LOOKUP_DROP_BLACKHOLE,
	[PS_NH_CONNECTED] = IP4_LOOKUP_NEXT_REWRITE,
	[PS_NH_GATEWAY] = IP4_LOOKUP_NEXT_REWRITE,
	[PS_NH_BLACKHOLE] = IP4_LOOKUP_DROP_BLACKHOLE,
	[PS_NH_UNREACHABLE] = IP4_LOOKUP_DROP_BLACKHOLE,
	[PS_NH_VXLAN] = IP4_LOOKUP_DROP_BLACKHOLE,
};

static __rte_always_inline rte_edge_t
ip4_lookup_one(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	       const struct ps_nexthop *nh, uint32_t adj)
{
	struct ps_mbuf_meta *meta = ps_mbuf_meta(m);

	if (unlikely(nh == NULL || nh->type == PS_NH_UNREACHABLE)) {
		meta->icmp_type = PS_ICMP_DEST_UNREACH;
		meta->icmp_code = PS_ICMP_NET_UNREACH;
		return IP4_LOOKUP_NEXT_ICMP_ERROR;
	}
	switch (nh->type) {
	case PS_NH_LOCAL:
		return IP4_LOOKUP_NEXT_LOCAL;
	case PS_NH_BLACKHOLE:
		return IP4_LOOKUP_DROP_BLACKHOLE;
	default:
		break;
	}
	/* Locally built packets (ICMP errors) start with a fresh TTL. */
	if (unlikely(ip->time_to_live <= 1 &&
		     !(meta->flags & PS_META_LOCAL_ORIGIN))) {
		meta->icmp_type = PS_ICMP_TIME_EXCEEDED;
		meta->icmp_code = 0;
		return IP4_LOOKUP_NEXT_ICMP_ERROR;
	}
	meta->nh_ip = nh->type == PS_NH_CONNECTED ? ip->dst_addr : nh->gateway;
	meta->nh_port = nh->port_id;
	meta->adj = adj;
	return ip4_lookup_nh_edge[nh->type];
}

/* The prefix that matched is the management thread's to add (GET
 * /v1/trace): a worker reads the route rules only through DIR-24-8. */
static __rte_always_inline void
ip4_lookup_trace(const struct rte_node *node, struct rte_mbuf *m,
		 uint32_t dst, const struct ps_nexthop *nh, rte_edge_t next)
{
	static const char *const types[PS_NH_TYPE_MAX] = {
		[PS_NH_LOCAL] = "local", [PS_NH_CONNECTED] = "connected",
		[PS_NH_GATEWAY] = "gateway", [PS_NH_BLACKHOLE] = "blackhole",
		[PS_NH_UNREACHABLE] = "unreachable", [PS_NH_VXLAN] = "vxlan",
	};
	uint32_t gw;

	if (likely(!ps_trace_marked(m)))
		return;
	if (nh == NULL || nh->type >= PS_NH_TYPE_MAX) {
		ps_trace_add(node, m, next, "dst=" PS_IP4_FMT " route=none",
			     PS_IP4_BYTES(dst));
		return;
	}
	gw = nh->type == PS_NH_CONNECTED ? dst : nh->gateway;
	if (nh->type == PS_NH_VXLAN)
		ps_trace_add(node, m, next, "dst=" PS_IP4_FMT " nh_type=vxlan"
			     " vtep=" PS_IP4_FMT, PS_IP4_BYTES(dst),
			     PS_IP4_BYTES(gw));
	else if (nh->type == PS_NH_CONNECTED || nh->type == PS_NH_GATEWAY)
		ps_trace_add(node, m, next, "dst=" PS_IP4_FMT " nh_type=%s"
			     " next_hop=" PS_IP4_FMT " out_port=%s",
			     PS_IP4_BYTES(dst), types[nh->type],
			     PS_IP4_BYTES(gw), nh->port_id < PS_MAX_PORTS ?
			     ps_ports[nh->port_id].name : "pod-segment");
	else
		ps_trace_add(node, m, next, "dst=" PS_IP4_FMT " nh_type=%s",
			     PS_IP4_BYTES(dst), types[nh->type]);
}

static __rte_always_inline uint16_t
ip4_lookup_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		  uint16_t nb_objs, const bool trace)
{
	const struct ps_nexthop *nh[LOOKUP_CHUNK];
	uint32_t adj[LOOKUP_CHUNK];
	const struct rte_ipv4_hdr *ip[LOOKUP_CHUNK];
	uint32_t dst[LOOKUP_CHUNK];
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i, j, n;

	for (i = 0; i < nb_objs; i += n) {
		n = RTE_MIN(nb_objs - i, LOOKUP_CHUNK);
		for (j = 0; j < n; j++) {
			ip[j] = rte_pktmbuf_mtod_offset((struct rte_mbuf *)objs[i + j],
							const struct rte_ipv4_hdr *,
							RTE_ETHER_HDR_LEN);
			dst[j] = ip[j]->dst_addr;
		}
		ps_route_lookup_bulk_adj(ps_ip4_dp.routes, dst, n, nh, adj);
		for (j = 0; j < n; j++) {
			nexts[i + j] = ip4_lookup_one(objs[i + j], ip[j], nh[j],
						      adj[j]);
			if (trace)
				ip4_lookup_trace(node, objs[i + j], dst[j],
						 nh[j], nexts[i + j]);
		}
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(ip4_lookup)

int
ps_ip4_lookup_nh_register(uint8_t type, const char *node)
{
	rte_edge_t e;

	switch (type) {
	case PS_NH_LOCAL:
	case PS_NH_CONNECTED:
	case PS_NH_GATEWAY:
	case PS_NH_BLACKHOLE:
	case PS_NH_UNREACHABLE:
		return -EINVAL;
	default:
		if (type >= PS_NH_TYPE_MAX)
			return -EINVAL;
	}
	e = ps_node_attach_parent("ip4_lookup", node);
	if (e == RTE_EDGE_ID_INVALID)
		return -ENOSPC;
	ip4_lookup_nh_edge[type] = e;
	return 0;
}

static struct rte_node_register ip4_lookup_node = {
	.name = "ip4_lookup",
	.process = ip4_lookup_process,
	.nb_edges = IP4_LOOKUP_NB_NEXT,
	.next_nodes = {
		[IP4_LOOKUP_NEXT_REWRITE] = "ip4_rewrite",
		[IP4_LOOKUP_NEXT_LOCAL] = "ip4_local",
		[IP4_LOOKUP_NEXT_ICMP_ERROR] = "icmp_error",
#define X(e, s) [IP4_LOOKUP_DROP_##e] = "ip4_lookup" PS_DROP_INFIX s,
		IP4_LOOKUP_DROPS(X)
#undef X
	},
};
static struct ps_node_info ip4_lookup_info = {
	.node = &ip4_lookup_node,
};
PS_NODE_REGISTER(ip4_lookup_info);

#define X(e, s) PS_DROP_NODE(ip4_lookup_drop_##e, "ip4_lookup", s)
IP4_LOOKUP_DROPS(X)
#undef X
