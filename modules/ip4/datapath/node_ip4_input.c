/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip4_input: IPv4 addressed to our MAC. Checks the header (version, IHL,
 * total length against the frame, checksum) and trims Ethernet padding,
 * then hands the packet to ip4_lookup, or to the node a module put in
 * front of it (ps_ip4_input_chain). Options and fragments pass as they
 * are: a router forwards them untouched.
 */
#include <rte_ip.h>

#include "ip4_graph.h"
#include "node_private.h"

#define IP4_INPUT_DROPS(X)						\
	X(TOO_SHORT, "too_short")					\
	X(BAD_VERSION, "bad_version")					\
	X(BAD_IHL, "bad_ihl")						\
	X(BAD_LENGTH, "bad_length")					\
	X(BAD_CHECKSUM, "bad_checksum")

enum ip4_input_next {
	IP4_INPUT_NEXT_LOOKUP,
#define X(e, s) IP4_INPUT_DROP_##e,
	IP4_INPUT_DROPS(X)
#undef X
	IP4_INPUT_NB_NEXT
};

/* IP4_INPUT_NEXT_LOOKUP unless a node was put in front of ip4_lookup */
static rte_edge_t ip4_input_fwd = IP4_INPUT_NEXT_LOOKUP;

static __rte_always_inline rte_edge_t
ip4_check(struct rte_mbuf *m, rte_edge_t fwd)
{
	const struct rte_ipv4_hdr *ip;
	uint16_t l3len, hlen, tlen;

	/* Frames here are single-segment: every PMD we use receives into one
	 * 2 KiB buffer and jumbo frames are not enabled. */
	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ip)))
		return IP4_INPUT_DROP_TOO_SHORT;
	l3len = m->data_len - RTE_ETHER_HDR_LEN;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
				     RTE_ETHER_HDR_LEN);
	if (unlikely((ip->version_ihl >> 4) != 4))
		return IP4_INPUT_DROP_BAD_VERSION;
	hlen = (ip->version_ihl & 0xf) * 4;
	if (unlikely(hlen < sizeof(*ip) || hlen > l3len))
		return IP4_INPUT_DROP_BAD_IHL;
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tlen < hlen || tlen > l3len))
		return IP4_INPUT_DROP_BAD_LENGTH;
	if (unlikely(rte_raw_cksum(ip, hlen) != 0xffff))
		return IP4_INPUT_DROP_BAD_CHECKSUM;
	if (tlen < l3len)
		rte_pktmbuf_trim(m, l3len - tlen);
	/* The metadata area is not cleared by the drivers. */
	ps_mbuf_meta(m)->flags = 0;
	return fwd;
}

static __rte_always_inline void
ip4_input_trace(const struct rte_node *node, struct rte_mbuf *m,
		rte_edge_t next)
{
	const struct rte_ipv4_hdr *ip;

	if (likely(!ps_trace_marked(m)))
		return;
	if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ip)) {
		ps_trace_add(node, m, next, "short");
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
				     RTE_ETHER_HDR_LEN);
	ps_trace_add(node, m, next, "src=" PS_IP4_FMT " dst=" PS_IP4_FMT
		     " proto=%u ttl=%u len=%u", PS_IP4_BYTES(ip->src_addr),
		     PS_IP4_BYTES(ip->dst_addr), ip->next_proto_id,
		     ip->time_to_live, rte_be_to_cpu_16(ip->total_length));
}

static __rte_always_inline uint16_t
ip4_input_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		 uint16_t nb_objs, const bool trace)
{
	const rte_edge_t fwd = ip4_input_fwd;
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i;

	for (i = 0; i < nb_objs; i++) {
		nexts[i] = ip4_check(objs[i], fwd);
		if (trace)
			ip4_input_trace(node, objs[i], nexts[i]);
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(ip4_input)

static struct ps_node_chain ip4_input_chain = {
	.parent = "ip4_input",
	.tail = "ip4_lookup",
	.parent_edge = &ip4_input_fwd,
};

int
ps_ip4_input_chain(const char *node, rte_edge_t edge, int rank)
{
	return ps_node_chain_insert(&ip4_input_chain, node, edge, rank);
}

int
ps_ip4_input_insert(const char *node)
{
	return ps_ip4_input_chain(node, 0, 0);
}

static struct rte_node_register ip4_input_node = {
	.name = "ip4_input",
	.process = ip4_input_process,
	.nb_edges = IP4_INPUT_NB_NEXT,
	.next_nodes = {
		[IP4_INPUT_NEXT_LOOKUP] = "ip4_lookup",
#define X(e, s) [IP4_INPUT_DROP_##e] = "ip4_input" PS_DROP_INFIX s,
		IP4_INPUT_DROPS(X)
#undef X
	},
};
static struct ps_node_info ip4_input_info = {
	.node = &ip4_input_node,
};
PS_NODE_REGISTER(ip4_input_info);

#define X(e, s) PS_DROP_NODE(ip4_input_drop_##e, "ip4_input", s)
IP4_INPUT_DROPS(X)
#undef X
