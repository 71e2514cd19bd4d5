/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy and policy_l2: NetworkPolicy enforcement (docs/policy.md).
 * policy sits after service_lb on the routed path (so a connection to a
 * ClusterIP is judged on the endpoint DNAT chose), policy_l2 after
 * service_l2 on the bridged one (pods of one segment). A packet between
 * pods no policy selects pays one flag load per end. For a packet from
 * or to a selected pod (isolated either way: the connections a pod
 * isolated for ingress opens are tracked so their replies pass), a
 * packet of a connection policy conntrack knows (either way)
 * passes; a reply of a service connection (found in the service
 * conntrack) passes; a first packet is classified (rte_acl, policy_dp.h)
 * and, when allowed, its connection is tracked; a denied packet is
 * dropped and counted by reason. Later fragments pass: they carry no
 * ports, and without their first nothing is reassembled.
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <podswitch/conntrack.h>
#include <podswitch/inet.h>
#include <podswitch/nat.h>

#include "ip4_graph.h"
#include "node_private.h"
#include "pol_verdict.h"

#define POLICY_DROPS(X)							\
	X(EGRESS, "egress")						\
	X(INGRESS, "ingress")

enum policy_next {
	POL_NEXT_FWD,
#define X(e, s) POL_DROP_##e,
	POLICY_DROPS(X)
#undef X
	POL_NB_NEXT
};

/* The connection a packet belongs to, as conntrack keys it. */
struct pol_pkt {
	struct ps_ct_tuple t;
	struct ps_ct_pkt ct;
	uint16_t dport;		/* for the classifier */
	bool track;		/* TCP, UDP, ICMP echo */
	bool related;		/* an ICMP error: t is its quote's reverse */
};

/* false: a later fragment or a header too short to judge (passes). */
static bool
pol_parse(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	  struct pol_pkt *p)
{
	unsigned int hlen = (ip->version_ihl & 0xf) * 4;
	unsigned int l4len = rte_be_to_cpu_16(ip->total_length) - hlen;
	const uint8_t *l4 = (const uint8_t *)ip + hlen;

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	memset(p, 0, sizeof(*p));
	p->ct.bytes = m->pkt_len;
	ps_ct_tuple_set(&p->t, ip->next_proto_id, ip->src_addr, ip->dst_addr,
			0, 0);
	switch (ip->next_proto_id) {
	case IPPROTO_TCP: {
		const struct rte_tcp_hdr *th = (const void *)l4;

		if (l4len < sizeof(*th))
			return false;
		p->t.src_port = th->src_port;
		p->t.dst_port = p->dport = th->dst_port;
		p->ct.seq = rte_be_to_cpu_32(th->sent_seq);
		p->ct.ack = rte_be_to_cpu_32(th->recv_ack);
		p->ct.payload_len = l4len - RTE_MIN(l4len,
			(unsigned int)(th->data_off >> 4) * 4);
		p->ct.win = rte_be_to_cpu_16(th->rx_win);
		p->ct.tcp_flags = th->tcp_flags;
		p->track = true;
		return true;
	}
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *uh = (const void *)l4;

		if (l4len < sizeof(*uh))
			return false;
		p->t.src_port = uh->src_port;
		p->t.dst_port = p->dport = uh->dst_port;
		p->ct.payload_len = l4len - sizeof(*uh);
		p->track = true;
		return true;
	}
	case IPPROTO_ICMP: {
		const struct rte_icmp_hdr *ih = (const void *)l4;
		struct ps_nat_tuple q;

		if (l4len < sizeof(*ih))
			return true;
		p->ct.icmp_type = ih->icmp_type;
		if (ih->icmp_type == RTE_IP_ICMP_ECHO_REQUEST ||
		    ih->icmp_type == RTE_IP_ICMP_ECHO_REPLY) {
			ps_ct_tuple_icmp(&p->t, ip->src_addr, ip->dst_addr,
					 ih->icmp_ident);
			p->ct.payload_len = l4len - sizeof(*ih);
			p->track = true;
		} else if (ps_icmp_is_error(ih->icmp_type) &&
			   ps_nat_icmp_error_tuple(m,
				(const uint8_t *)ip - rte_pktmbuf_mtod(m,
				const uint8_t *), &q) == PS_NAT_OK) {
			ps_ct_tuple_set(&p->t, q.proto, q.dst_ip, q.src_ip,
					q.dst_port, q.src_port);
			p->related = true;
		}
		return true;
	}
	default:
		return true;
	}
}

static __rte_always_inline void
count(uint32_t slot, bool allowed)
{
	struct pol_counter *c = &ps_policy_dp.counters[slot % POL_SLOTS];

	__atomic_fetch_add(allowed ? &c->allowed : &c->denied, 1,
			   __ATOMIC_RELAXED);
}

/* A reply of a connection service_lb tracks, translated back already:
 * its reverse is that connection's original tuple. */
static bool
svc_reply(const struct ps_ct_tuple *t)
{
	struct ps_ct_tuple r;
	uint8_t dir;

	if (ps_policy_dp.svc_ct == NULL)
		return false;
	ps_ct_tuple_reverse(&r, t);
	return ps_ct_lookup(ps_policy_dp.svc_ct, &r, &dir) != NULL &&
	       dir == PS_CT_DIR_ORIG;
}

static rte_edge_t
pol_slow(const struct pol_ctx *c, struct rte_mbuf *m,
	 const struct rte_ipv4_hdr *ip, const char **why)
{
	struct ps_ct *ct = ps_policy_dp.ct;
	struct ps_ct_entry *e = NULL, *ne;
	struct ps_ct_tuple rev;
	struct pol_pkt p;
	uint32_t slots[2];
	unsigned int nb, i;
	enum pol_verdict v;
	uint8_t dir;

	if (!pol_parse(m, ip, &p)) {
		*why = "later_fragment";
		return POL_NEXT_FWD;
	}
	if (p.track || p.related) {
		e = ps_ct_lookup(ct, &p.t, &dir);
		if (e != NULL && (p.related ||
		    ps_ct_update(ct, e, dir, &p.ct) == PS_CT_VALID)) {
			*why = "tracked";
			return POL_NEXT_FWD;
		}
		if (e == NULL && svc_reply(&p.t)) {
			*why = "service_reply";
			return POL_NEXT_FWD;
		}
	}
	v = pol_check(c, ip->next_proto_id, ip->src_addr, ip->dst_addr,
		      p.dport, slots, &nb);
	if (v != POL_ALLOW) {
		count(slots[0], false);
		__atomic_fetch_add(&ps_policy_dp.denied[v == POL_DENY_EGRESS],
				   1, __ATOMIC_RELAXED);
		*why = "denied";
		return v == POL_DENY_EGRESS ? POL_DROP_EGRESS :
		       POL_DROP_INGRESS;
	}
	for (i = 0; i < nb; i++)
		count(slots[i], true);
	*why = "allowed";
	if (!p.track || e != NULL)
		return POL_NEXT_FWD;
	/* a connection met mid-stream (a restart, a revoked one let
	 * back) is tracked from here */
	if (!ps_ct_pkt_can_create(p.t.proto, &p.ct))
		p.ct.loose = 1;
	ps_ct_tuple_reverse(&rev, &p.t);
	if (ps_ct_add(ct, &p.t, &rev, &(struct ps_ct_nat){
			.service_id = (uint32_t)c->generation,
			.endpoint_id = PS_CT_NO_ENDPOINT }, &p.ct, &ne,
		      &dir) == -ENOSPC)
		__atomic_fetch_add(&ps_policy_dp.ct_full, 1, __ATOMIC_RELAXED);
	return POL_NEXT_FWD;
}

/* The IPv4 header of a bridged frame worth looking at, else NULL
 * (ip4_input has checked routed ones). */
static __rte_always_inline const struct rte_ipv4_hdr *
l2_ip(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m,
		const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
	unsigned int l3len, hlen, tlen;

	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ip))
		return NULL;
	l3len = m->data_len - RTE_ETHER_HDR_LEN;
	hlen = (ip->version_ihl & 0xf) * 4u;
	tlen = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) ||
	    hlen > l3len || tlen < hlen || tlen > l3len)
		return NULL;
	return ip;
}

static __rte_always_inline void
policy_chunk(struct rte_graph *graph, struct rte_node *node, void **objs,
	     uint16_t n, const bool trace, const bool l2)
{
	const struct pol_ctx *c = __atomic_load_n(&ps_policy_dp.ctx,
						  __ATOMIC_ACQUIRE);
	rte_edge_t nexts[PS_NODE_CHUNK];
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i];
		const struct rte_ipv4_hdr *ip;
		const char *why = "not_selected";

		nexts[i] = POL_NEXT_FWD;
		if (l2) {
			ip = l2_ip(m);
		} else {
			ip = rte_pktmbuf_mtod_offset(m,
				const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
			/* ours (ICMP errors, translated or not) */
			if (ps_mbuf_meta(m)->flags & PS_META_LOCAL_ORIGIN)
				ip = NULL;
		}
		/* Either end selected in either direction: a pod isolated
		 * for ingress only must have the connections it opens
		 * tracked, or their replies would be judged as ingress. */
		if (ip != NULL && c != NULL &&
		    unlikely(pol_host_flags(c, ip->src_addr) |
			     pol_host_flags(c, ip->dst_addr)))
			nexts[i] = pol_slow(c, m, ip, &why);
		if (trace)
			PS_TRACE(node, m, nexts[i], "verdict=%s", why);
	}
	ps_enqueue_nexts(graph, node, nexts, objs, n);
}

static __rte_always_inline void
policy_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
	      uint16_t nb_objs, const bool trace)
{
	policy_chunk(graph, node, objs, nb_objs, trace, false);
}

static __rte_always_inline void
policy_l2_inline(struct rte_graph *graph, struct rte_node *node,
		 void **objs, uint16_t nb_objs, const bool trace)
{
	policy_chunk(graph, node, objs, nb_objs, trace, true);
}

PS_NODE_PROCESS(policy)
PS_NODE_PROCESS(policy_l2)

/* After service_lb (rank 0) on the routed path; the guard's drops. */
static int
policy_setup(struct ps_dataplane *dp)
{
	int rc;

	RTE_SET_USED(dp);
	rc = ps_ip4_input_chain("policy", POL_NEXT_FWD, 10);
	if (rc == 0)
		rc = ps_eth_input_guard_attach("policy" PS_DROP_INFIX
					       "spoofed");
	return rc;
}

/* After service_l2 (rank 0) on the bridged path. */
static int
policy_l2_setup(struct ps_dataplane *dp)
{
	RTE_SET_USED(dp);
	return ps_eth_input_l2_chain("policy_l2", POL_NEXT_FWD, 10);
}

static struct rte_node_register policy_node = {
	.name = "policy",
	.process = policy_process,
	.nb_edges = POL_NB_NEXT,
	.next_nodes = {
		[POL_NEXT_FWD] = "ip4_lookup",
#define X(e, s) [POL_DROP_##e] = "policy" PS_DROP_INFIX s,
		POLICY_DROPS(X)
#undef X
	},
};
static struct ps_node_info policy_info = {
	.node = &policy_node,
	.setup = policy_setup,
};
PS_NODE_REGISTER(policy_info);

/* Its drops are policy's: one set of counters per reason. */
static struct rte_node_register policy_l2_node = {
	.name = "policy_l2",
	.process = policy_l2_process,
	.nb_edges = POL_NB_NEXT,
	.next_nodes = {
		[POL_NEXT_FWD] = "l2_fdb",
#define X(e, s) [POL_DROP_##e] = "policy" PS_DROP_INFIX s,
		POLICY_DROPS(X)
#undef X
	},
};
static struct ps_node_info policy_l2_info = {
	.node = &policy_l2_node,
	.setup = policy_l2_setup,
};
PS_NODE_REGISTER(policy_l2_info);

#define X(e, s) PS_DROP_NODE(policy_drop_##e, "policy", s)
POLICY_DROPS(X)
#undef X
PS_DROP_NODE(policy_drop_spoofed, "policy", "spoofed");
