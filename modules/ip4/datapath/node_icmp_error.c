/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp_error: turn the packet into the ICMP error that the metadata asks
 * for (time exceeded, destination unreachable), quoting its IP header and
 * first 8 payload bytes (RFC 792), and route it back to the sender
 * through ip4_lookup, or the node a module put in front of it: the
 * service module's translates an error about a packet it translated
 * (DNAT, masquerade) back like any other ICMP error of the connection,
 * so its sender recognises its own packet.
 * Rate-limited per worker; never about an ICMP error, a fragment other than
 * the first, a broadcast/multicast, or a packet we built ourselves.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include <podswitch/config.h>
#include <podswitch/inet.h>

#include "ip4_graph.h"
#include "node_private.h"

/* Per worker: a burst of this many, refilled at this rate. */
#define ICMP_ERR_BURST 100
#define ICMP_ERR_PER_SEC 1000

#define ICMP_ERROR_DROPS(X)						\
	X(SUPPRESSED, "suppressed")					\
	X(RATE_LIMITED, "rate_limited")

enum icmp_error_next {
	ICMP_ERROR_NEXT_LOOKUP,
#define X(e, s) ICMP_ERROR_DROP_##e,
	ICMP_ERROR_DROPS(X)
#undef X
	ICMP_ERROR_NB_NEXT
};

PS_NODE_CTX_TYPE(icmp_error_ctx, {
	uint64_t last_tsc;
	uint32_t tokens;
})

/* ICMP_ERROR_NEXT_LOOKUP unless a node was put in front of ip4_lookup */
static rte_edge_t icmp_error_fwd = ICMP_ERROR_NEXT_LOOKUP;

static bool
suppressed(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint16_t hlen = (ip->version_ihl & 0xf) * 4;
	uint32_t src = rte_be_to_cpu_32(ip->src_addr);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);

	if (ps_mbuf_meta((struct rte_mbuf *)(uintptr_t)m)->flags &
	    PS_META_LOCAL_ORIGIN)
		return true;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return true;
	if (src == 0 || src == UINT32_MAX || ps_ip4_is_mcast(src) ||
	    dst == UINT32_MAX || ps_ip4_is_mcast(dst))
		return true;
	if (ip->next_proto_id == IPPROTO_ICMP &&
	    rte_be_to_cpu_16(ip->total_length) >= hlen + 1) {
		const uint8_t *type = (const uint8_t *)ip + hlen;

		if (ps_icmp_is_error(*type))
			return true;
	}
	return false;
}

static bool
rate_ok(struct icmp_error_ctx *ctx)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t per = rte_get_timer_hz() / ICMP_ERR_PER_SEC;
	uint64_t add = per ? (now - ctx->last_tsc) / per : ICMP_ERR_BURST;

	if (add > 0) {
		ctx->tokens = (uint32_t)RTE_MIN((uint64_t)ICMP_ERR_BURST,
						ctx->tokens + add);
		ctx->last_tsc += add * per;
		if (ctx->tokens == ICMP_ERR_BURST)
			ctx->last_tsc = now;
	}
	if (ctx->tokens == 0)
		return false;
	ctx->tokens--;
	return true;
}

/*
 * Answer from the address the sender knows us by on that side: the
 * gateway to pods, the node IP on the uplink. The node kernel (host
 * port) drops anything from an address of its own (the node IP) as a
 * martian: to it, a refusal (port unreachable, a service without an
 * endpoint) comes from the address it dialled, as iptables' REJECT
 * answers; any other error from the gateway IP, the router it knows
 * the pods by, so that a traceroute shows the hop it crossed.
 */
static uint32_t
error_source(const struct rte_mbuf *m, const struct ps_mbuf_meta *meta,
	     uint32_t dialled)
{
	switch (ps_ports[m->port].role) {
	case PS_ROLE_POD:
		return ps_infra_dp.gateway_ip;
	case PS_ROLE_HOST:
		if (meta->icmp_type == PS_ICMP_DEST_UNREACH &&
		    meta->icmp_code == PS_ICMP_PORT_UNREACH &&
		    dialled != ps_infra_dp.node_ip)
			return dialled;
		return ps_infra_dp.gateway_ip;
	default:
		return ps_infra_dp.node_ip;
	}
}

static rte_edge_t
icmp_error_build(struct icmp_error_ctx *ctx, struct rte_mbuf *m)
{
	struct ps_mbuf_meta *meta = ps_mbuf_meta(m);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint16_t hlen = (ip->version_ihl & 0xf) * 4;
	uint16_t quote_len = RTE_MIN(rte_be_to_cpu_16(ip->total_length),
				     (uint16_t)(hlen + 8));
	uint8_t quote[60 + 8];
	struct rte_icmp_hdr *icmp;
	uint32_t src = ip->src_addr, dialled = ip->dst_addr;
	uint16_t len;

	if (suppressed(m, ip))
		return ICMP_ERROR_DROP_SUPPRESSED;
	if (!rate_ok(ctx))
		return ICMP_ERROR_DROP_RATE_LIMITED;

	memcpy(quote, ip, quote_len);
	if (m->nb_segs > 1) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	len = RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*icmp) + quote_len;
	m->data_len = len;
	m->pkt_len = len;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - RTE_ETHER_HDR_LEN);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = error_source(m, meta, dialled);
	ip->dst_addr = src;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = meta->icmp_type;
	icmp->icmp_code = meta->icmp_code;
	icmp->icmp_cksum = 0;
	/* "unused" (or next-hop MTU for fragmentation needed) */
	icmp->icmp_ident = 0;
	icmp->icmp_seq_nb = meta->icmp_type == PS_ICMP_DEST_UNREACH &&
			    meta->icmp_code == PS_ICMP_FRAG_NEEDED ?
			    rte_cpu_to_be_16(meta->mtu) : 0;
	memcpy(icmp + 1, quote, quote_len);
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + quote_len);

	meta->flags |= PS_META_LOCAL_ORIGIN;
	return icmp_error_fwd;
}

static __rte_always_inline uint16_t
icmp_error_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		  uint16_t nb_objs, const bool trace)
{
	struct icmp_error_ctx *ctx = icmp_error_ctx(node);
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i;

	for (i = 0; i < nb_objs; i++) {
		struct ps_mbuf_meta *meta = ps_mbuf_meta(objs[i]);
		uint8_t type = meta->icmp_type, code = meta->icmp_code;

		nexts[i] = icmp_error_build(ctx, objs[i]);
		if (trace)
			PS_TRACE(node, (struct rte_mbuf *)objs[i], nexts[i],
				 "type=%u code=%u error=%s", type, code,
				 nexts[i] == icmp_error_fwd ? "sent" :
				 nexts[i] == ICMP_ERROR_DROP_SUPPRESSED ?
				 "suppressed" : "rate_limited");
	}
	ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
	return nb_objs;
}

PS_NODE_PROCESS(icmp_error)

static int
icmp_error_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct icmp_error_ctx *ctx = icmp_error_ctx(node);

	RTE_SET_USED(graph);
	ctx->last_tsc = rte_get_timer_cycles();
	ctx->tokens = ICMP_ERR_BURST;
	return 0;
}

int
ps_icmp_error_insert(const char *node)
{
	rte_edge_t e = ps_node_attach_parent("icmp_error", node);

	if (e == RTE_EDGE_ID_INVALID)
		return -ENOSPC;
	icmp_error_fwd = e;
	return 0;
}

static struct rte_node_register icmp_error_node = {
	.name = "icmp_error",
	.process = icmp_error_process,
	.init = icmp_error_init,
	.nb_edges = ICMP_ERROR_NB_NEXT,
	.next_nodes = {
		[ICMP_ERROR_NEXT_LOOKUP] = "ip4_lookup",
#define X(e, s) [ICMP_ERROR_DROP_##e] = "icmp_error" PS_DROP_INFIX s,
		ICMP_ERROR_DROPS(X)
#undef X
	},
};
static struct ps_node_info icmp_error_info = {
	.node = &icmp_error_node,
};
PS_NODE_REGISTER(icmp_error_info);

#define X(e, s) PS_DROP_NODE(icmp_error_drop_##e, "icmp_error", s)
ICMP_ERROR_DROPS(X)
#undef X
