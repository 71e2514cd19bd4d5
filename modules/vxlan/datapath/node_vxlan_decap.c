/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vxlan_decap: UDP to our node IP and VXLAN port (ip4_local sends it
 * here, in overlay mode vxlan: the port is registered with it at setup;
 * ip4_input has checked the outer IPv4 header). The I flag must be
 * set and the VNI known (the overlay's or a route's); reserved bits are
 * ignored (RFC 7348). A non-zero outer UDP checksum is verified. The inner
 * frame must be IPv4 to our VTEP MAC (the node MAC): flannel programs
 * static neighbors, so no ARP crosses the tunnel. It then continues at
 * ip4_input as a packet from the tunnel.
 */
#include <rte_ip.h>
#include <rte_udp.h>

#include <podswitch/dataplane.h>
#include <podswitch/vxlan.h>

#include "ip4_graph.h"
#include "node_private.h"
#include "vxlan_dp.h"

#define VXLAN_DECAP_DROPS(X)						\
	X(TOO_SHORT, "too_short")					\
	X(FRAGMENT, "fragment")						\
	X(BAD_CHECKSUM, "bad_checksum")					\
	X(BAD_FLAGS, "bad_flags")					\
	X(UNKNOWN_VNI, "unknown_vni")					\
	X(NOT_FOR_US, "not_for_us")					\
	X(NOT_IP, "not_ip")

enum vxlan_decap_next {
	VXLAN_DECAP_NEXT_IP4_INPUT,
#define X(e, s) VXLAN_DECAP_DROP_##e,
	VXLAN_DECAP_DROPS(X)
#undef X
	VXLAN_DECAP_NB_NEXT
};

#define INNER_MIN (sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr) + \
		   RTE_ETHER_HDR_LEN)

/* The last (remote, VNI) of a burst and its VTEP id: a burst mostly
 * comes from one remote, and a hash lookup per packet costs more than the
 * rest of decapsulation. */
struct rx_cache {
	uint64_t key;
	int32_t id;
};

static __rte_always_inline int32_t
rx_lookup(struct ps_vxlan *vx, struct rx_cache *rc, uint32_t remote,
	  uint32_t vni)
{
	uint64_t key = (uint64_t)vni << 32 | remote;

	if (key != rc->key) {
		rc->key = key;
		rc->id = ps_vxlan_rx_lookup(vx, remote, vni);
	}
	return rc->id;
}

static __rte_always_inline rte_edge_t
decap_one(struct ps_vxlan *vx, uint32_t worker, struct rx_cache *rc,
	  struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint16_t hlen = (ip->version_ihl & 0xf) * 4;
	uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
	const struct rte_udp_hdr *udp;
	const struct rte_vxlan_hdr *vxh;
	const struct rte_ether_hdr *inner;
	struct ps_vtep_counters *c;
	uint16_t ulen;
	int32_t id;

	if (unlikely(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
						     RTE_IPV4_HDR_OFFSET_MASK)))
		return VXLAN_DECAP_DROP_FRAGMENT;
	/* ip4_input trimmed the frame to the IP total length. */
	if (unlikely(tlen < hlen + INNER_MIN))
		return VXLAN_DECAP_DROP_TOO_SHORT;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + hlen);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(ulen < INNER_MIN || ulen > tlen - hlen))
		return VXLAN_DECAP_DROP_TOO_SHORT;
	if (unlikely(udp->dgram_cksum != 0) &&
	    rte_ipv4_udptcp_cksum_verify(ip, udp) != 0)
		return VXLAN_DECAP_DROP_BAD_CHECKSUM;
	vxh = (const struct rte_vxlan_hdr *)(udp + 1);
	if (unlikely(!(vxh->vx_flags & PS_VXLAN_FLAG_I)))
		return VXLAN_DECAP_DROP_BAD_FLAGS;
	id = rx_lookup(vx, rc, ip->src_addr,
		       rte_be_to_cpu_32(vxh->vx_vni) >> 8);
	if (unlikely(id < 0))
		return VXLAN_DECAP_DROP_UNKNOWN_VNI;
	inner = (const struct rte_ether_hdr *)(vxh + 1);
	if (unlikely(!rte_is_same_ether_addr(&inner->dst_addr,
					     &ps_infra_dp.node_mac)))
		return VXLAN_DECAP_DROP_NOT_FOR_US;
	if (unlikely(inner->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)))
		return VXLAN_DECAP_DROP_NOT_IP;
	c = ps_vxlan_ctr(vx, worker, (uint32_t)id);
	c->rx_packets++;
	c->rx_bytes += m->pkt_len;
	/* Bytes after the UDP datagram are not the inner frame's. */
	if (ulen < tlen - hlen)
		rte_pktmbuf_trim(m, tlen - hlen - ulen);
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN + hlen + sizeof(*udp) +
			sizeof(*vxh));
	return VXLAN_DECAP_NEXT_IP4_INPUT;
}

/* decap_one, with the outer header's story told before it goes. */
static rte_edge_t
decap_traced(const struct rte_node *node, struct ps_vxlan *vx,
	     uint32_t worker, struct rx_cache *rc, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint32_t src = ip->src_addr, dst = ip->dst_addr, vni = UINT32_MAX;
	rte_edge_t next;

	if (m->data_len >= PS_VXLAN_OVERHEAD)
		vni = rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(m,
			const struct rte_vxlan_hdr *, RTE_ETHER_HDR_LEN +
			sizeof(*ip) + sizeof(struct rte_udp_hdr))->vx_vni) >> 8;
	next = decap_one(vx, worker, rc, m);
	ps_trace_add(node, m, next, "vni=%d outer_src=" PS_IP4_FMT
		     " outer_dst=" PS_IP4_FMT " inner_len=%u",
		     vni == UINT32_MAX ? -1 : (int)vni, PS_IP4_BYTES(src),
		     PS_IP4_BYTES(dst), m->pkt_len);
	return next;
}

static __rte_always_inline uint16_t
vxlan_decap_inline(struct rte_graph *graph, struct rte_node *node,
		   void **objs, uint16_t nb_objs, const bool trace)
{
	const uint32_t worker = ps_worker_ctx(node)->worker;
	struct ps_vxlan *vx = ps_vxlan_dp.table;
	/* no VNI is 2^32 - 1: the first lookup always misses the cache */
	struct rx_cache rc = { .key = UINT64_MAX };
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i;

	for (i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];

		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod((struct rte_mbuf *)objs[i + 1],
						       void *));
		if (trace && unlikely(ps_trace_marked(m)))
			nexts[i] = decap_traced(node, vx, worker, &rc, m);
		else
			nexts[i] = decap_one(vx, worker, &rc, m);
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(vxlan_decap)

/* VXLAN to the node IP is ours, not the kernel's, in overlay mode vxlan;
 * in host-gw mode the node stays in the graph and receives nothing. */
static int
vxlan_decap_setup(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;

	return ps_ip4_local_udp_register(cfg->overlay_mode == PS_OVERLAY_VXLAN ?
					 cfg->udp_port : 0, "vxlan_decap");
}

static struct rte_node_register vxlan_decap_node = {
	.name = "vxlan_decap",
	.process = vxlan_decap_process,
	.init = ps_node_worker_init,
	.nb_edges = VXLAN_DECAP_NB_NEXT,
	.next_nodes = {
		[VXLAN_DECAP_NEXT_IP4_INPUT] = "ip4_input",
#define X(e, s) [VXLAN_DECAP_DROP_##e] = "vxlan_decap" PS_DROP_INFIX s,
		VXLAN_DECAP_DROPS(X)
#undef X
	},
};
static struct ps_node_info vxlan_decap_info = {
	.node = &vxlan_decap_node,
	.setup = vxlan_decap_setup,
};
PS_NODE_REGISTER(vxlan_decap_info);

#define X(e, s) PS_DROP_NODE(vxlan_decap_drop_##e, "vxlan_decap", s)
VXLAN_DECAP_DROPS(X)
#undef X
