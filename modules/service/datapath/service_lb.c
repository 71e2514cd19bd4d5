/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service_lb: the client-side load balancer between ip4_input and
 * ip4_lookup (docs/design.md section 2); it puts itself there at setup,
 * and between icmp_error and ip4_lookup. A packet of a tracked connection is
 * translated the way its conntrack entry says: the original direction
 * to the reverse of the reply tuple, the reply direction back to the
 * reverse of the original one. A first packet to a service frontend gets
 * an endpoint from the service table, DNAT (plus SNAT to the node IP for
 * NodePort/external traffic with policy Cluster, and for hairpin) and a
 * conntrack entry; a first packet from a local pod to outside the
 * cluster is masqueraded to the node IP. ICMP errors about a tracked
 * connection are translated back, quote and outer header. Anything else
 * (other protocols, non-first fragments, untracked traffic) passes
 * untouched. The per-packet work is lb_path.h's, shared with service_l2.
 *
 * The gate (svc_gate.h) comes first: what it turns away goes on to
 * ip4_lookup untouched, and the rest of the burst takes the path above.
 */
#include "lb_path.h"
#include "svc_gate.h"

static __rte_always_inline void
service_lb_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		  uint16_t nb_objs, const bool trace)
{
	void *in[PS_NODE_CHUNK], *by[PS_NODE_CHUNK];
	uint16_t i, nin = 0, nby = 0;

	for (i = 0; i < nb_objs; i++) {
		void *m = objs[i];
		bool g = svc_gate(m);

		in[nin] = m;
		by[nby] = m;
		nin += g;
		nby += !g;
	}
	if (trace)
		for (i = 0; i < nby; i++)
			PS_TRACE(node, (struct rte_mbuf *)by[i],
				 LB_NEXT_LOOKUP, "action=pass why=gate");
	if (nin == 0 && objs == node->objs && nb_objs == node->idx) {
		rte_node_next_stream_move(graph, node, LB_NEXT_LOOKUP);
		return;
	}
	if (nby == 0) {
		lb_stream(graph, node, objs, nb_objs, trace, false);
		return;
	}
	rte_node_enqueue(graph, node, LB_NEXT_LOOKUP, by, nby);
	if (nin > 0)
		lb_stream(graph, node, in, nin, trace, false);
}

PS_NODE_PROCESS(service_lb)

/* Every IPv4 packet about to be routed: received ones, and the ICMP
 * errors we build (one about a packet we translated is translated back). */
static int
service_lb_setup(struct ps_dataplane *dp)
{
	int rc;

	RTE_SET_USED(dp);
	rc = ps_ip4_input_insert("service_lb");
	if (rc == 0)
		rc = ps_icmp_error_insert("service_lb");
	return rc;
}

static struct rte_node_register service_lb_node = {
	.name = "service_lb",
	.process = service_lb_process,
	.init = ps_node_worker_init,
	.nb_edges = LB_NB_NEXT,
	.next_nodes = {
		[LB_NEXT_LOOKUP] = "ip4_lookup",
		[LB_NEXT_ICMP_ERROR] = "icmp_error",
#define X(e, s) [LB_DROP_##e] = "service_lb" PS_DROP_INFIX s,
		SERVICE_LB_DROPS(X)
#undef X
#define X(e, s) [LB_DROP_NAT_FIRST + PS_NAT_ERR_##e - 1] = \
		"service_lb" PS_DROP_INFIX "nat_" s,
		PS_NAT_ERRORS(X)
#undef X
	},
};
static struct ps_node_info service_lb_info = {
	.node = &service_lb_node,
	.setup = service_lb_setup,
};
PS_NODE_REGISTER(service_lb_info);

#define X(e, s) PS_DROP_NODE(service_lb_drop_##e, "service_lb", s)
SERVICE_LB_DROPS(X)
#undef X
#define X(e, s) PS_DROP_NODE(service_lb_drop_nat_##e, "service_lb", "nat_" s)
PS_NAT_ERRORS(X)
#undef X
