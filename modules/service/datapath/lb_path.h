/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_LB_PATH_H
#define PS_LB_PATH_H

/*
 * The per-packet path of the two service nodes, service_lb (routed
 * packets, service_lb.c) and service_l2 (bridged replies, service_l2.c):
 * classify, conntrack lookup, translate, and for service_lb the first
 * packet's endpoint choice. Always inlined into each node's process
 * function, so that the l2 and trace flags are constants there.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <podswitch/conntrack.h>
#include <podswitch/dataplane.h>
#include <podswitch/inet.h>
#include <podswitch/nat.h>
#include <podswitch/service.h>

#include "ip4_graph.h"
#include "lb_trace.h"
#include "node_private.h"
#include "service_dp.h"
#include "svc_conn.h"
#include "svc_frag.h"
#include "svc_traffic.h"

#define LB_CHUNK 64
/* SNAT ports tried when the reply tuple of the first one is taken */
#define LB_PORT_TRIES 4


#define SERVICE_LB_DROPS(X)						\
	/* conntrack said invalid (out of window, cannot start a flow) */\
	X(INVALID, "invalid")						\
	/* source not in loadBalancerSourceRanges */			\
	X(DENIED, "denied")						\
	/* conntrack table full: new connection refused */		\
	X(CT_FULL, "ct_full")						\
	/* the reply tuple belongs to another connection */		\
	X(CT_CLASH, "ct_clash")						\
	/* no SNAT port left */						\
	X(NAT_PORTS_FULL, "nat_ports_full")				\
	/* a later fragment: no room in the fragment table */		\
	X(FRAG_TABLE_FULL, "frag_table_full")				\
	/* a later fragment before its first: no room to hold it */	\
	X(FRAG_HOLD_FULL, "frag_hold_full")				\
	/* a later fragment of a datagram whose first was dropped */	\
	X(FRAG_OF_DROPPED, "frag_of_dropped")

enum service_lb_next {
	LB_NEXT_LOOKUP,
	LB_NEXT_ICMP_ERROR,
#define X(e, s) LB_DROP_##e,
	SERVICE_LB_DROPS(X)
#undef X
	/* one per PS_NAT_ERR_*, in that order */
	LB_DROP_NAT_FIRST,
	LB_NB_NEXT = LB_DROP_NAT_FIRST + PS_NAT_ERR_COUNT - 1,
};
/* Not an edge: the fragment table keeps the packet. */
#define LB_HELD LB_NB_NEXT

enum lb_kind {
	LB_PASS,	/* not ours to look at */
	LB_FLOW,	/* TCP, UDP, ICMP echo: key is its own tuple */
	LB_ICMP_ERR,	/* key is the reverse of the quoted tuple */
	LB_FRAG,	/* a later fragment: svc_frag.h */
};

struct lb_pkt {
	struct ps_ct_tuple key;
	struct ps_ct_pkt pkt;
	struct ps_nat_tuple quoted;	/* LB_ICMP_ERR */
	struct svc_frag_key frag;	/* a fragment's datagram, as it came */
	uint8_t kind;
	bool first_frag;
	uint8_t why;		/* enum lb_why: set with an endpoint choice */
	const struct ps_svc_port *sp;	/* and its service (trace) */
};

/* What the trace says was done. */
enum lb_action {
	LB_A_PASS,
	LB_A_HIT,
	LB_A_ICMP_HIT,
	LB_A_NEW,
	LB_A_MASQ,
	LB_A_REJECT,
	LB_A_DROP,
	LB_A_PICKUP,
};
static const char *const lb_action_names[] = {
	[LB_A_PASS] = "pass", [LB_A_HIT] = "tracked",
	[LB_A_ICMP_HIT] = "icmp_error_of_tracked", [LB_A_NEW] = "new",
	[LB_A_MASQ] = "masquerade", [LB_A_REJECT] = "no_endpoint",
	[LB_A_DROP] = "drop", [LB_A_PICKUP] = "picked_up",
};

/* Whether the service port's choice is a function of the flow alone
 * (without ClientIP affinity, whose memory a restart loses). */
static __rte_always_inline bool
lb_flow_sched(const struct ps_svc_port *sp)
{
	return (sp->sched == PS_SCHED_MAGLEV || sp->sched == PS_SCHED_SH) &&
	       !sp->affinity;
}

static __rte_always_inline bool
in_net(uint32_t a, uint32_t net, uint32_t mask)
{
	return (a & mask) == net;
}

static __rte_always_inline rte_edge_t
nat_drop(int rc)
{
	return (rte_edge_t)(LB_DROP_NAT_FIRST - 1 + -rc);
}

static uint8_t
tcp_wscale(const struct rte_tcp_hdr *th, unsigned int hl)
{
	const uint8_t *o = (const uint8_t *)(th + 1);
	const uint8_t *end = (const uint8_t *)th + hl;

	while (o < end) {
		if (*o == 0)
			break;
		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break;
		if (o[0] == 3 && o[1] == 3)
			return PS_CT_WSCALE(RTE_MIN(o[2], 14));
		o += o[1];
	}
	return PS_CT_WSCALE_NONE;
}

/* Fill p for m; returns its kind. The frame was checked by ip4_input. */
static __rte_always_inline uint8_t
lb_classify(struct rte_mbuf *m, struct lb_pkt *p)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	unsigned int hlen = (ip->version_ihl & 0xf) * 4;
	unsigned int l4len = rte_be_to_cpu_16(ip->total_length) - hlen;
	const uint8_t *l4 = (const uint8_t *)ip + hlen;

	p->first_frag = false;
	if (unlikely(svc_frag_is_fragment(ip))) {
		if (ip->next_proto_id != IPPROTO_TCP &&
		    ip->next_proto_id != IPPROTO_UDP &&
		    ip->next_proto_id != IPPROTO_ICMP)
			return LB_PASS;
		svc_frag_key_of(ip, &p->frag);
		if (!svc_frag_is_first(ip))
			return LB_FRAG;
		p->first_frag = true;
	}
	/* the state machine reads only its protocol's fields, but a stale
	 * value of another packet must never be one of them */
	memset(&p->pkt, 0, sizeof(p->pkt));
	p->pkt.bytes = m->pkt_len;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP: {
		const struct rte_tcp_hdr *th = (const void *)l4;
		unsigned int thl;

		if (l4len < sizeof(*th))
			return LB_PASS;
		thl = (th->data_off >> 4) * 4;
		if (thl < sizeof(*th) || thl > l4len)
			return LB_PASS;
		ps_ct_tuple_set(&p->key, IPPROTO_TCP, ip->src_addr,
				ip->dst_addr, th->src_port, th->dst_port);
		p->pkt.seq = rte_be_to_cpu_32(th->sent_seq);
		p->pkt.ack = rte_be_to_cpu_32(th->recv_ack);
		p->pkt.payload_len = l4len - thl;
		p->pkt.win = rte_be_to_cpu_16(th->rx_win);
		p->pkt.tcp_flags = th->tcp_flags;
		p->pkt.wscale = (th->tcp_flags & RTE_TCP_SYN_FLAG) ?
				tcp_wscale(th, thl) : PS_CT_WSCALE_UNKNOWN;
		return LB_FLOW;
	}
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *uh = (const void *)l4;

		if (l4len < sizeof(*uh))
			return LB_PASS;
		ps_ct_tuple_set(&p->key, IPPROTO_UDP, ip->src_addr,
				ip->dst_addr, uh->src_port, uh->dst_port);
		p->pkt.payload_len = l4len - sizeof(*uh);
		return LB_FLOW;
	}
	case IPPROTO_ICMP: {
		const struct rte_icmp_hdr *ih = (const void *)l4;

		if (l4len < sizeof(*ih))
			return LB_PASS;
		p->pkt.icmp_type = ih->icmp_type;
		if (ih->icmp_type == RTE_IP_ICMP_ECHO_REQUEST ||
		    ih->icmp_type == RTE_IP_ICMP_ECHO_REPLY) {
			ps_ct_tuple_icmp(&p->key, ip->src_addr, ip->dst_addr,
					 ih->icmp_ident);
			p->pkt.payload_len = l4len - sizeof(*ih);
			return LB_FLOW;
		}
		if (!ps_icmp_is_error(ih->icmp_type) ||
		    ps_nat_icmp_error_tuple(m, RTE_ETHER_HDR_LEN,
					    &p->quoted) != PS_NAT_OK)
			return LB_PASS;
		if (p->quoted.proto != IPPROTO_TCP &&
		    p->quoted.proto != IPPROTO_UDP &&
		    p->quoted.proto != IPPROTO_ICMP)
			return LB_PASS;
		/* The quote travelled the other way. */
		ps_ct_tuple_set(&p->key, p->quoted.proto, p->quoted.dst_ip,
				p->quoted.src_ip, p->quoted.dst_port,
				p->quoted.src_port);
		return LB_ICMP_ERR;
	}
	default:
		return LB_PASS;
	}
}

/* The fields of x that differ from cur (ICMP echo: one identifier). */
static __rte_always_inline uint8_t
xlate_flags(const struct ps_nat_xlate *x, uint32_t src_ip, uint32_t dst_ip,
	    uint16_t src_port, uint16_t dst_port, uint8_t proto)
{
	uint8_t f = 0;

	if (x->src_ip != src_ip)
		f |= PS_NAT_SRC_ADDR;
	if (x->dst_ip != dst_ip)
		f |= PS_NAT_DST_ADDR;
	if (proto == IPPROTO_ICMP) {
		if (x->src_port != src_port)
			f |= PS_NAT_SRC_PORT;
		return f;
	}
	if (x->src_port != src_port)
		f |= PS_NAT_SRC_PORT;
	if (x->dst_port != dst_port)
		f |= PS_NAT_DST_PORT;
	return f;
}

/* A packet of e in direction d becomes the reverse of the other tuple. */
static __rte_always_inline rte_edge_t
lb_translate(struct rte_mbuf *m, const struct ps_ct_entry *e, uint8_t d)
{
	const struct ps_ct_tuple *o = &e->tuple[!d];
	const struct ps_ct_tuple *t = &e->tuple[d];
	struct ps_nat_xlate x = {
		.src_ip = o->dst_ip, .dst_ip = o->src_ip,
		.src_port = o->dst_port, .dst_port = o->src_port,
	};
	int rc;

	x.flags = xlate_flags(&x, t->src_ip, t->dst_ip, t->src_port,
			      t->dst_port, t->proto);
	if (x.flags == 0)
		return LB_NEXT_LOOKUP;
	rc = ps_nat_rewrite(m, RTE_ETHER_HDR_LEN, &x);
	return rc < 0 ? nat_drop(rc) : LB_NEXT_LOOKUP;
}

/*
 * An ICMP error quoting a packet of e that went the other way: the quote
 * becomes that packet as its sender sent it (tuple[!d]), the error goes
 * to that sender, and comes from the address it sent to when the far end
 * itself complains.
 */
static __rte_always_inline rte_edge_t
lb_translate_icmp(struct rte_mbuf *m, const struct lb_pkt *p,
		  const struct ps_ct_entry *e, uint8_t d)
{
	const struct ps_ct_tuple *o = &e->tuple[!d];
	const struct ps_nat_tuple *q = &p->quoted;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	struct ps_nat_xlate in = {
		.src_ip = o->src_ip, .dst_ip = o->dst_ip,
		.src_port = o->src_port, .dst_port = o->dst_port,
	};
	struct ps_nat_xlate out = { .dst_ip = o->src_ip };
	int rc;

	in.flags = xlate_flags(&in, q->src_ip, q->dst_ip, q->src_port,
			       q->dst_port, q->proto);
	if (ip->src_addr == q->dst_ip)
		out.src_ip = o->dst_ip;
	else
		out.src_ip = ip->src_addr;
	out.flags = xlate_flags(&out, ip->src_addr, ip->dst_addr, 0, 0,
				IPPROTO_ICMP) & PS_NAT_ADDRS;
	if (in.flags == 0 && out.flags == 0)
		return LB_NEXT_LOOKUP;
	rc = ps_nat_icmp_error_rewrite(m, RTE_ETHER_HDR_LEN, &in, &out);
	return rc < 0 ? nat_drop(rc) : LB_NEXT_LOOKUP;
}

/*
 * The source a new service connection gets, or 0 to keep the client's.
 * An endpoint on this node's own IP (a hostNetwork pod) is behind the
 * host port: the node kernel drops a packet from an address of its own
 * as a martian, so what it gets keeps the client's source, as
 * kube-proxy never masquerades locally delivered traffic, and only the
 * node itself as the client (its own hairpin) is SNATed, to the
 * gateway IP: an address podswitch owns and the kernel routes back
 * through the host port. Elsewhere: NodePort and external traffic with
 * policy Cluster from outside this node's pods, and a pod's own
 * hairpin, get the node IP (docs/design.md section 1).
 */
static __rte_always_inline uint32_t
lb_snat_ip(const struct ps_ct_tuple *k, const struct ps_svc_hit *hit,
	   const struct ps_svc_pick *pick, bool src_pod)
{
	if (pick->ip == ps_infra_dp.node_ip)
		return k->src_ip == pick->ip ? ps_infra_dp.gateway_ip : 0;
	if ((hit->kind != PS_FE_CLUSTER &&
	     hit->sp->etp == PS_POLICY_CLUSTER && !src_pod) ||
	    k->src_ip == pick->ip)
		return ps_infra_dp.node_ip;
	return 0;
}

/*
 * Create the connection key -> (dnat_ip:dnat_port, or unchanged when
 * dnat_ip is 0) with the source SNATed to snat_ip (unless 0) and a pool
 * port, then translate the packet. sp/ep_id: the service choice,
 * NULL/PS_CT_NO_ENDPOINT for masquerade. What the connection holds is
 * taken before the entry can exist (svc_conn.h) and given back if it
 * was not created.
 */
static rte_edge_t
lb_create(struct rte_mbuf *m, struct lb_pkt *p, uint32_t worker,
	  uint32_t dnat_ip, uint16_t dnat_port, uint32_t snat_ip,
	  const struct ps_svc_port *sp, uint32_t ep_id)
{
	const struct ps_ct_tuple *k = &p->key;
	const bool snat = snat_ip != 0;
	struct ps_ct_tuple reply;
	struct ps_ct_nat nat = {
		.dnat_ip = dnat_ip, .dnat_port = dnat_port,
		.snat_ip = snat_ip,
		.service_id = sp != NULL ? sp->id : UINT32_MAX,
		.endpoint_id = ep_id,
	};
	struct ps_ct_entry *e;
	unsigned int tries;
	uint8_t dir;
	int rc = -EEXIST;

	/* a reply tuple that is another connection's: another SNAT port
	 * gives another one */
	for (tries = 0; tries < LB_PORT_TRIES && rc == -EEXIST; tries++) {
		uint32_t rdst = k->src_ip;
		uint16_t rdport = k->src_port;

		rc = svc_conn_take(&nat, k, worker);
		if (rc < 0)
			break;
		if (snat) {
			rdst = nat.snat_ip;
			rdport = nat.snat_port;
		}
		if (k->proto == IPPROTO_ICMP)
			ps_ct_tuple_icmp(&reply, dnat_ip ? dnat_ip : k->dst_ip,
					 rdst, rdport);
		else
			ps_ct_tuple_set(&reply, k->proto,
					dnat_ip ? dnat_ip : k->dst_ip, rdst,
					dnat_ip ? dnat_port : k->dst_port,
					rdport);
		rc = ps_ct_add(ps_svc_dp.ct, k, &reply, &nat, &p->pkt, &e, &dir);
		if (rc != PS_CT_CREATED)
			svc_conn_give(&nat, k);
	}
	switch (rc) {
	case PS_CT_CREATED:
		svc_traffic_count(worker, e, PS_CT_DIR_ORIG, p->pkt.bytes, true);
		return lb_translate(m, e, PS_CT_DIR_ORIG);
	case PS_CT_EXISTS:
		/* Another worker created it first: its choice stands. */
		if (ps_ct_update(ps_svc_dp.ct, e, dir, &p->pkt) != PS_CT_VALID)
			return LB_DROP_INVALID;
		svc_traffic_count(worker, e, dir, p->pkt.bytes, false);
		return lb_translate(m, e, dir);
	case -EADDRNOTAVAIL:
		return LB_DROP_NAT_PORTS_FULL;
	case -ENOSPC:
		return LB_DROP_CT_FULL;
	case -EEXIST:
		return LB_DROP_CT_CLASH;
	default:
		return LB_DROP_INVALID;
	}
}

static __rte_always_inline rte_edge_t
lb_miss(struct rte_mbuf *m, struct lb_pkt *p, uint32_t worker,
	enum lb_action *act)
{
	const struct ps_ct_tuple *k = &p->key;
	bool src_pod = in_net(k->src_ip, ps_svc_dp.pod_net, ps_svc_dp.pod_mask);
	struct ps_svc_hit hit;

	if (p->kind == LB_ICMP_ERR)
		return LB_NEXT_LOOKUP;
	if (k->proto != IPPROTO_ICMP &&
	    ps_svc_lookup(ps_svc_dp.svcs, k->dst_ip, k->dst_port, k->proto,
			  k->dst_ip == ps_infra_dp.node_ip, &hit)) {
		struct ps_svc_flow flow = {
			.src_ip = k->src_ip, .dst_ip = k->dst_ip,
			.src_port = k->src_port, .dst_port = k->dst_port,
			.proto = k->proto, .src_local_pod = src_pod,
		};
		struct ps_svc_pick pick;
		struct ps_mbuf_meta *meta;
		uint32_t snat_ip;
		bool snat;

		if (!ps_ct_pkt_can_create(k->proto, &p->pkt)) {
			/*
			 * Mid-stream, untracked: a connection whose entry a
			 * restart lost. Where the scheduler is a function
			 * of the flow, choosing again finds the endpoint it
			 * had, so it is picked up; elsewhere it is invalid.
			 */
			if (!lb_flow_sched(hit.sp))
				return LB_DROP_INVALID;
			p->pkt.loose = 1;
			if (!ps_ct_pkt_can_create(k->proto, &p->pkt))
				return LB_DROP_INVALID;
		}
		switch (ps_svc_select(ps_svc_dp.svcs, &hit, &flow, worker,
				      &pick)) {
		case PS_SVC_FORWARD:
			break;
		case PS_SVC_REJECT:
			/* kube-proxy's REJECT: port unreachable */
			*act = LB_A_REJECT;
			meta = ps_mbuf_meta(m);
			meta->icmp_type = PS_ICMP_DEST_UNREACH;
			meta->icmp_code = PS_ICMP_PORT_UNREACH;
			return LB_NEXT_ICMP_ERROR;
		default:
			return LB_DROP_DENIED;
		}
		snat_ip = lb_snat_ip(k, &hit, &pick, src_pod);
		snat = snat_ip != 0;
		/* the SNAT port it had is lost with the entry: a new one
		 * would be a stranger to the endpoint */
		if (p->pkt.loose && snat)
			return LB_DROP_INVALID;
		*act = p->pkt.loose ? LB_A_PICKUP : LB_A_NEW;
		p->why = (uint8_t)lb_why_of(&pick, p->pkt.loose);
		p->sp = hit.sp;
		return lb_create(m, p, worker, pick.ip,
				 rte_cpu_to_be_16(pick.port), snat_ip, hit.sp,
				 pick.ep_id);
	}
	/* Egress of a local pod to outside the cluster (pods, services
	 * and the nodes' own subnet): masquerade. */
	if (!ps_svc_dp.masquerade || !src_pod ||
	    in_net(k->dst_ip, ps_svc_dp.node_net, ps_svc_dp.node_mask) ||
	    in_net(k->dst_ip, ps_svc_dp.cluster_net,
			       ps_svc_dp.cluster_mask) ||
	    in_net(k->dst_ip, ps_svc_dp.pod_net, ps_svc_dp.pod_mask) ||
	    in_net(k->dst_ip, ps_svc_dp.service_net, ps_svc_dp.service_mask) ||
	    k->dst_ip == ps_infra_dp.node_ip ||
	    k->dst_ip == ps_infra_dp.gateway_ip)
		return LB_NEXT_LOOKUP;
	if (!ps_ct_pkt_can_create(k->proto, &p->pkt))
		return LB_DROP_INVALID;
	*act = LB_A_MASQ;
	return lb_create(m, p, worker, 0, 0, ps_infra_dp.node_ip, NULL,
			 PS_CT_NO_ENDPOINT);
}

/* ip4_input's checks, for frames that are bridged and skipped it, and
 * whether the sender may be an endpoint answering a tracked client. */
static __rte_always_inline bool
l2_candidate(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m,
		const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	unsigned int l3len, hlen, tlen;

	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_is_multicast_ether_addr(&eth->dst_addr) ||
	    m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ip))
		return false;
	l3len = m->data_len - RTE_ETHER_HDR_LEN;
	hlen = (ip->version_ihl & 0xf) * 4u;
	tlen = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) ||
	    hlen > l3len || tlen < hlen || tlen > l3len)
		return false;
	/* only an endpoint serving a client of its subnet has bridged
	 * replies to translate */
	return (ip->src_addr & ps_svc_dp.pod_mask) == ps_svc_dp.pod_net &&
	       __atomic_load_n(&ps_svc_dp.l2_ep_conns[svc_l2_slot(
			ip->src_addr)], __ATOMIC_ACQUIRE) != 0;
}

static rte_edge_t
lb_frag_next(enum svc_frag_verdict v)
{
	switch (v) {
	case SVC_FRAG_PASS:
		return LB_NEXT_LOOKUP;
	case SVC_FRAG_HELD:
		return LB_HELD;
	case SVC_FRAG_DROP_FULL:
		return LB_DROP_FRAG_TABLE_FULL;
	case SVC_FRAG_DROP_HOLD:
		return LB_DROP_FRAG_HOLD_FULL;
	default:
		return LB_DROP_FRAG_OF_DROPPED;
	}
}

/*
 * The fragments of a chunk, after its other packets were handled: a
 * first fragment's outcome is recorded (and the fragments held for it
 * follow it), a later one takes its first's addresses or is held. Held
 * packets leave the chunk: returns how many packets remain in objs and
 * nexts.
 */
static uint16_t
lb_frags(struct rte_graph *graph, struct rte_node *node, void **objs,
	 uint16_t n, const struct lb_pkt *pk, rte_edge_t *nexts,
	 uint32_t worker)
{
	struct svc_frag *f = ps_svc_dp.frag[worker];
	uint64_t now = rte_rdtsc();
	uint16_t i, j = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i];

		if (pk[i].first_frag) {
			struct rte_mbuf *out[SVC_FRAG_HOLD];
			bool dropped = nexts[i] != LB_NEXT_LOOKUP;
			unsigned int k, nb;

			nb = svc_frag_first(f, &pk[i].frag,
				rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							RTE_ETHER_HDR_LEN),
				dropped, now, out);
			for (k = 0; k < nb; k++)
				rte_node_enqueue_x1(graph, node, dropped ?
					LB_DROP_FRAG_OF_DROPPED :
					LB_NEXT_LOOKUP, out[k]);
		} else if (pk[i].kind == LB_FRAG) {
			nexts[i] = lb_frag_next(svc_frag_later(f, &pk[i].frag,
							       m, now));
		}
		if (nexts[i] == LB_HELD)
			continue;
		objs[j] = m;
		nexts[j++] = nexts[i];
	}
	return j;
}

static __rte_always_inline void
lb_chunk(struct rte_graph *graph, struct rte_node *node, void **objs,
	 uint16_t n, const bool trace, const bool l2)
{
	const uint32_t worker = ps_worker_ctx(node)->worker;
	const struct ps_ct_tuple *keys[LB_CHUNK];
	struct ps_ct_entry *ents[LB_CHUNK];
	rte_edge_t nexts[LB_CHUNK];
	struct lb_pkt pk[LB_CHUNK];
	uint8_t dirs[LB_CHUNK], ki[LB_CHUNK];
	uint16_t i, nk = 0, nfrag = 0;
	bool created = false;

	for (i = 0; i < n; i++) {
		pk[i].first_frag = false;
		pk[i].why = LB_WHY_NONE;
		pk[i].kind = l2 && !l2_candidate(objs[i]) ? LB_PASS :
			     lb_classify(objs[i], &pk[i]);
		nfrag += pk[i].kind == LB_FRAG || pk[i].first_frag;
		if (pk[i].kind != LB_PASS && pk[i].kind != LB_FRAG) {
			keys[nk] = &pk[i].key;
			ki[nk++] = (uint8_t)i;
		}
		nexts[i] = LB_NEXT_LOOKUP;
		if (trace && pk[i].kind == LB_PASS)
			PS_TRACE(node, (struct rte_mbuf *)objs[i],
				 LB_NEXT_LOOKUP, "action=pass");
	}
	if (nk > 0)
		ps_ct_lookup_bulk(ps_svc_dp.ct, keys, nk, ents, dirs);
	for (i = 0; i < nk; i++) {
		struct rte_mbuf *m = objs[ki[i]];
		struct lb_pkt *p = &pk[ki[i]];
		struct ps_ct_entry *e = ents[i];
		enum lb_action act = LB_A_PASS;

		/* An earlier packet of this burst may have created it (a SYN
		 * and its retransmission after the worker was off the CPU):
		 * scheduled again, it would use up a pick. */
		if (e == NULL && created)
			e = ps_ct_lookup(ps_svc_dp.ct, &p->key, &dirs[i]);
		if (e == NULL) {
			if (!l2)
				nexts[ki[i]] = lb_miss(m, p, worker, &act);
			created |= act == LB_A_NEW || act == LB_A_MASQ ||
				   act == LB_A_PICKUP;
		} else if (p->kind == LB_ICMP_ERR) {
			act = LB_A_ICMP_HIT;
			nexts[ki[i]] = lb_translate_icmp(m, p, e, dirs[i]);
		} else if (ps_ct_update(ps_svc_dp.ct, e, dirs[i], &p->pkt) !=
			   PS_CT_VALID) {
			act = LB_A_HIT;
			nexts[ki[i]] = LB_DROP_INVALID;
		} else {
			act = LB_A_HIT;
			svc_traffic_count(worker, e, dirs[i], p->pkt.bytes,
					  false);
			nexts[ki[i]] = lb_translate(m, e, dirs[i]);
		}
		if (trace && unlikely(ps_trace_marked(m))) {
			uint8_t d = dirs[i];

			/* a connection this packet made: look it up */
			if (e == NULL)
				e = ps_ct_lookup(ps_svc_dp.ct, &p->key, &d);
			lb_trace(node, m, nexts[ki[i]], &p->key, e, d,
				 lb_action_names[act], (enum lb_why)p->why,
				 p->why != LB_WHY_NONE ? p->sp : NULL);
		}
	}
	if (unlikely(nfrag > 0))
		n = lb_frags(graph, node, objs, n, pk, nexts, worker);
	ps_enqueue_nexts(graph, node, nexts, objs, n);
}

/* Conntrack bulk lookups take LB_CHUNK keys; the stream comes in
 * PS_NODE_CHUNK pieces. */
static __rte_always_inline void
lb_stream(struct rte_graph *graph, struct rte_node *node, void **objs,
	  uint16_t nb_objs, const bool trace, const bool l2)
{
	uint16_t i;

	for (i = 0; i < nb_objs; i += LB_CHUNK)
		lb_chunk(graph, node, objs + i, RTE_MIN(nb_objs - i, LB_CHUNK),
			 trace, l2);
}


#endif
