/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip4_local: IPv4 for one of our addresses (pod gateway, node IP). The
 * gateway answers ICMP echo like cni0 would. The node IP belongs to the
 * node's kernel: with a host port, everything for it goes there (the kernel
 * answers ping, runs SSH and the kubelet); without one we answer echo.
 * UDP to the node IP and a port a module registered (VXLAN in overlay
 * mode) goes to that module's node instead.
 */
#include <errno.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "ip4_dp.h"
#include "ip4_graph.h"
#include "node_private.h"

#define IP4_LOCAL_DROPS(X)						\
	X(NOT_SERVED, "not_served")					\
	X(FRAGMENT, "fragment")						\
	X(BAD_ICMP, "bad_icmp")

enum ip4_local_next {
#define X(e, s) IP4_LOCAL_DROP_##e,
	IP4_LOCAL_DROPS(X)
#undef X
	IP4_LOCAL_NB_FIXED	/* edges to port_tx-p<id> are appended at setup */
};

static rte_edge_t ip4_local_tx_edge[PS_MAX_PORTS];

/* UDP ports of the node IP that a node of another module serves */
#define IP4_LOCAL_UDP_MAX 4
struct udp_listener {
	uint16_t port;		/* network order */
	rte_edge_t edge;
};
static struct udp_listener udp_listeners[IP4_LOCAL_UDP_MAX];
static unsigned int nb_udp_listeners;

static __rte_always_inline bool
udp_listener_find(const struct rte_ipv4_hdr *ip, uint16_t hlen, uint16_t tlen,
		  rte_edge_t *edge)
{
	const struct rte_udp_hdr *udp;
	unsigned int i;

	if (ip->next_proto_id != IPPROTO_UDP ||
	    ip->dst_addr != ps_infra_dp.node_ip ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) ||
	    tlen < hlen + sizeof(struct rte_udp_hdr))
		return false;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + hlen);
	for (i = 0; i < nb_udp_listeners; i++) {
		if (udp_listeners[i].port == udp->dst_port) {
			*edge = udp_listeners[i].edge;
			return true;
		}
	}
	return false;
}

static __rte_always_inline rte_edge_t
ip4_local_handle(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint16_t hlen = (ip->version_ihl & 0xf) * 4;
	uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
	struct rte_icmp_hdr *icmp;
	rte_edge_t edge;
	uint32_t sum;
	uint32_t a;

	/* A registered port of the node IP is a module's, not the kernel's
	 * (VXLAN in overlay mode). */
	if (nb_udp_listeners != 0 && udp_listener_find(ip, hlen, tlen, &edge))
		return edge;
	if (ps_ip4_dp.host_port != PS_PORT_NONE &&
	    ip->dst_addr != ps_infra_dp.gateway_ip) {
		eth->dst_addr = ps_ip4_dp.host_mac;
		eth->src_addr = ps_infra_dp.node_mac;
		return ip4_local_tx_edge[ps_ip4_dp.host_port];
	}
	if (ip->next_proto_id != IPPROTO_ICMP)
		return IP4_LOCAL_DROP_NOT_SERVED;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					  RTE_IPV4_HDR_OFFSET_MASK))
		return IP4_LOCAL_DROP_FRAGMENT;
	if (tlen < hlen + sizeof(*icmp))
		return IP4_LOCAL_DROP_BAD_ICMP;
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + hlen);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
		return IP4_LOCAL_DROP_NOT_SERVED;
	if (icmp->icmp_code != 0 || rte_raw_cksum(icmp, tlen - hlen) != 0xffff)
		return IP4_LOCAL_DROP_BAD_ICMP;

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* RFC 1624: only the type byte changed, 8 -> 0. */
	sum = (uint16_t)~rte_be_to_cpu_16(icmp->icmp_cksum) + 0xf7ffu;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16((uint16_t)~sum);

	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = ps_infra_dp.node_mac;
	return ip4_local_tx_edge[m->port];
}

static __rte_always_inline uint16_t
ip4_local_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		 uint16_t nb_objs, const bool trace)
{
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i;

	for (i = 0; i < nb_objs; i++) {
		nexts[i] = ip4_local_handle(objs[i]);
		if (trace)
			PS_TRACE(node, (struct rte_mbuf *)objs[i], nexts[i],
				 "local=%s", nexts[i] >= IP4_LOCAL_NB_FIXED ?
				 "served" : "not_served");
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(ip4_local)

int
ps_ip4_local_udp_register(uint16_t port, const char *node)
{
	rte_edge_t e = ps_node_attach_parent("ip4_local", node);
	uint16_t be = rte_cpu_to_be_16(port);
	unsigned int i, at = nb_udp_listeners;

	if (e == RTE_EDGE_ID_INVALID)
		return -ENOSPC;
	for (i = 0; i < nb_udp_listeners; i++) {
		if (udp_listeners[i].edge == e)
			at = i;
		else if (port != 0 && udp_listeners[i].port == be)
			return -EADDRINUSE;
	}
	if (port == 0) {
		/* the node keeps its edge, and no longer listens */
		if (at < nb_udp_listeners)
			udp_listeners[at] = udp_listeners[--nb_udp_listeners];
		return 0;
	}
	if (at == IP4_LOCAL_UDP_MAX)
		return -ENOSPC;
	udp_listeners[at].port = be;
	udp_listeners[at].edge = e;
	if (at == nb_udp_listeners)
		nb_udp_listeners++;
	return 0;
}

static struct rte_node_register ip4_local_node = {
	.name = "ip4_local",
	.process = ip4_local_process,
	.nb_edges = IP4_LOCAL_NB_FIXED,
	.next_nodes = {
#define X(e, s) [IP4_LOCAL_DROP_##e] = "ip4_local" PS_DROP_INFIX s,
		IP4_LOCAL_DROPS(X)
#undef X
	},
};

static struct ps_node_info ip4_local_info = {
	.node = &ip4_local_node,
	.tx_edges = ip4_local_tx_edge,
};
PS_NODE_REGISTER(ip4_local_info);

#define X(e, s) PS_DROP_NODE(ip4_local_drop_##e, "ip4_local", s)
IP4_LOCAL_DROPS(X)
#undef X
