/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip4_lookup: longest-prefix match of the destination. Our own addresses
 * go to ip4_local; forwarded packets get their next-hop address and port
 * in the mbuf metadata for ip4_rewrite, or an ICMP error when there is no
 * route or the TTL runs out.
 */
#include <rte_ip.h>

#include <podswitch/route.h>

#include "node_private.h"

#define LOOKUP_CHUNK 64

#define IP4_LOOKUP_DROPS(X)						\
	X(BLACKHOLE, "blackhole")

enum ip4_lookup_next {
	IP4_LOOKUP_NEXT_REWRITE,
	IP4_LOOKUP_NEXT_LOCAL,
	IP4_LOOKUP_NEXT_ICMP_ERROR,
	IP4_LOOKUP_NEXT_VXLAN_ENCAP,
#define X(e, s) IP4_LOOKUP_DROP_##e,
	IP4_LOOKUP_DROPS(X)
#undef X
	IP4_LOOKUP_NB_NEXT
};

static const char *const ip4_lookup_next_names[] = {
	[IP4_LOOKUP_NEXT_REWRITE] = "rewrite",
	[IP4_LOOKUP_NEXT_LOCAL] = "local",
	[IP4_LOOKUP_NEXT_ICMP_ERROR] = "icmp error",
	[IP4_LOOKUP_NEXT_VXLAN_ENCAP] = "vxlan",
#define X(e, s) [IP4_LOOKUP_DROP_##e] = "drop " s,
	IP4_LOOKUP_DROPS(X)
#undef X
};

static __rte_always_inline rte_edge_t
ip4_lookup_one(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	       const struct ps_nexthop *nh)
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
	return unlikely(nh->type == PS_NH_VXLAN) ?
	       IP4_LOOKUP_NEXT_VXLAN_ENCAP : IP4_LOOKUP_NEXT_REWRITE;
}

static __rte_always_inline uint16_t
ip4_lookup_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		  uint16_t nb_objs, const bool trace)
{
	const struct ps_nexthop *nh[LOOKUP_CHUNK];
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
		ps_route_lookup_bulk(ps_genv.routes, dst, n, nh);
		for (j = 0; j < n; j++) {
			nexts[i + j] = ip4_lookup_one(objs[i + j], ip[j], nh[j]);
			if (trace)
				PS_TRACE(node, (struct rte_mbuf *)objs[i + j],
					 "dst " PS_IP4_FMT " -> %s",
					 PS_IP4_BYTES(dst[j]),
					 ip4_lookup_next_names[nexts[i + j]]);
		}
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(ip4_lookup)

static struct rte_node_register ip4_lookup_node = {
	.name = "ip4_lookup",
	.process = ip4_lookup_process,
	.nb_edges = IP4_LOOKUP_NB_NEXT,
	.next_nodes = {
		[IP4_LOOKUP_NEXT_REWRITE] = "ip4_rewrite",
		[IP4_LOOKUP_NEXT_LOCAL] = "ip4_local",
		[IP4_LOOKUP_NEXT_ICMP_ERROR] = "icmp_error",
		[IP4_LOOKUP_NEXT_VXLAN_ENCAP] = "vxlan_encap",
#define X(e, s) [IP4_LOOKUP_DROP_##e] = "ip4_lookup" PS_DROP_INFIX s,
		IP4_LOOKUP_DROPS(X)
#undef X
	},
};
RTE_NODE_REGISTER(ip4_lookup_node);

#define X(e, s) PS_DROP_NODE(ip4_lookup_drop_##e, "ip4_lookup", s)
IP4_LOOKUP_DROPS(X)
#undef X
