/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_LB_TRACE_H
#define PS_LB_TRACE_H

/*
 * The trace record of service_lb and service_l2 (lb_path.h), for marked
 * packets only: the connection and its state, the service and the
 * endpoint chosen and why, and the rewrite as the packet came and went.
 */
#include <stdio.h>

#include <rte_ip.h>

#include <podswitch/conntrack.h>
#include <podswitch/graph.h>
#include <podswitch/service.h>
#include <podswitch/trace.h>

/* Why the endpoint is the one it is (lb_pkt.why). */
enum lb_why {
	LB_WHY_NONE,
	LB_WHY_NEW,		/* the scheduler chose it */
	LB_WHY_STICKY,		/* ClientIP affinity remembered it */
	LB_WHY_TOPOLOGY,	/* a Local traffic policy narrowed the choice */
	LB_WHY_PICKUP,		/* mid-stream: the flow's hash found it again */
};

static const char *const lb_why_names[] = {
	[LB_WHY_NONE] = "none", [LB_WHY_NEW] = "new",
	[LB_WHY_STICKY] = "sticky", [LB_WHY_TOPOLOGY] = "topology",
	[LB_WHY_PICKUP] = "pickup",
};

static inline enum lb_why
lb_why_of(const struct ps_svc_pick *pick, bool loose)
{
	if (loose)
		return LB_WHY_PICKUP;
	if (pick->sticky)
		return LB_WHY_STICKY;
	return pick->local_only ? LB_WHY_TOPOLOGY : LB_WHY_NEW;
}

/* "a.b.c.d:port" of the IPv4 packet in m as it is now, for both ends. */
static inline void
lb_trace_now(const struct rte_mbuf *m, char *src, char *dst, size_t len)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	const uint16_t *l4 = (const uint16_t *)((const uint8_t *)ip +
						 rte_ipv4_hdr_len(ip));
	uint16_t sp = 0, dp = 0;

	if ((ip->next_proto_id == IPPROTO_TCP ||
	     ip->next_proto_id == IPPROTO_UDP) &&
	    m->data_len >= RTE_ETHER_HDR_LEN + rte_ipv4_hdr_len(ip) + 4) {
		sp = rte_be_to_cpu_16(l4[0]);
		dp = rte_be_to_cpu_16(l4[1]);
	}
	snprintf(src, len, PS_IP4_FMT ":%u", PS_IP4_BYTES(ip->src_addr), sp);
	snprintf(dst, len, PS_IP4_FMT ":%u", PS_IP4_BYTES(ip->dst_addr), dp);
}

/*
 * key: the packet's tuple as it came; e: its connection (NULL: none);
 * act: what lb_path did (its name); why and sp: the reason and service
 * of an endpoint chosen now (LB_WHY_NONE and NULL: none was).
 */
static void
lb_trace(const struct rte_node *node, struct rte_mbuf *m, rte_edge_t next,
	 const struct ps_ct_tuple *key, const struct ps_ct_entry *e,
	 uint8_t dir, const char *act, enum lb_why why,
	 const struct ps_svc_port *sp)
{
	char src[24], dst[24], ct[96] = "ct=none", svc[192] = "";
	const struct ps_ct_tuple *o;

	if (e != NULL) {
		o = &e->tuple[PS_CT_DIR_ORIG];
		snprintf(ct, sizeof(ct), "ct=%u/" PS_IP4_FMT ":%u>" PS_IP4_FMT
			 ":%u dir=%s state=%s", o->proto,
			 PS_IP4_BYTES(o->src_ip), rte_be_to_cpu_16(o->src_port),
			 PS_IP4_BYTES(o->dst_ip), rte_be_to_cpu_16(o->dst_port),
			 dir == PS_CT_DIR_ORIG ? "orig" : "reply",
			 ps_ct_state_name((enum ps_ct_state)e->state));
		if (e->nat.service_id != UINT32_MAX && sp != NULL)
			snprintf(svc, sizeof(svc), " svc=%.40s/%.40s:%.15s "
				 "endpoint="
				 PS_IP4_FMT ":%u why=%s", sp->ns, sp->name,
				 sp->port_name[0] != '\0' ? sp->port_name : "-",
				 PS_IP4_BYTES(e->nat.dnat_ip),
				 rte_be_to_cpu_16(e->nat.dnat_port),
				 lb_why_names[why]);
		else if (e->nat.service_id != UINT32_MAX)
			snprintf(svc, sizeof(svc), " svc_id=%u endpoint="
				 PS_IP4_FMT ":%u why=%s", e->nat.service_id,
				 PS_IP4_BYTES(e->nat.dnat_ip),
				 rte_be_to_cpu_16(e->nat.dnat_port),
				 why != LB_WHY_NONE ? lb_why_names[why] :
				 "existing");
	}
	lb_trace_now(m, src, dst, sizeof(src));
	ps_trace_add(node, m, next, "action=%s %s%s before=" PS_IP4_FMT ":%u>"
		     PS_IP4_FMT ":%u after=%s>%s", act, ct, svc,
		     PS_IP4_BYTES(key->src_ip), rte_be_to_cpu_16(key->src_port),
		     PS_IP4_BYTES(key->dst_ip), rte_be_to_cpu_16(key->dst_port),
		     src, dst);
}

#endif
