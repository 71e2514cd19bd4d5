/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service_l2 does the tracked-connection half for frames bridged between
 * pods (like br_netfilter under kube-proxy): a ClusterIP client and its
 * endpoint on this node share the pod subnet, so the endpoint's reply
 * goes straight to the client's MAC and never reaches the router; it
 * must still be un-DNATed (and conntrack must see it). It creates no
 * connection: a first packet to a service is addressed to the gateway.
 * It attaches itself to eth_input's bridged frames, before l2_fdb.
 */
#include "lb_path.h"

static __rte_always_inline void
service_l2_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
		  uint16_t nb_objs, const bool trace)
{
	lb_stream(graph, node, objs, nb_objs, trace, true);
}

PS_NODE_PROCESS(service_l2)

/* The frames eth_input bridges, before l2_fdb. */
static int
service_l2_setup(struct ps_dataplane *dp)
{
	RTE_SET_USED(dp);
	return ps_eth_input_l2_insert("service_l2");
}

/* Same edges; "lookup" is the bridge, a REJECT never happens here. */
static struct rte_node_register service_l2_node = {
	.name = "service_l2",
	.process = service_l2_process,
	.init = ps_node_worker_init,
	.nb_edges = LB_NB_NEXT,
	.next_nodes = {
		[LB_NEXT_LOOKUP] = "l2_fdb",
		[LB_NEXT_ICMP_ERROR] = "icmp_error",
#define X(e, s) [LB_DROP_##e] = "service_l2" PS_DROP_INFIX s,
		SERVICE_LB_DROPS(X)
#undef X
#define X(e, s) [LB_DROP_NAT_FIRST + PS_NAT_ERR_##e - 1] = \
		"service_l2" PS_DROP_INFIX "nat_" s,
		PS_NAT_ERRORS(X)
#undef X
	},
};
static struct ps_node_info service_l2_info = {
	.node = &service_l2_node,
	.setup = service_l2_setup,
};
PS_NODE_REGISTER(service_l2_info);

#define X(e, s) PS_DROP_NODE(service_l2_drop_##e, "service_l2", s)
SERVICE_LB_DROPS(X)
#undef X
#define X(e, s) PS_DROP_NODE(service_l2_drop_nat_##e, "service_l2", "nat_" s)
PS_NAT_ERRORS(X)
#undef X
