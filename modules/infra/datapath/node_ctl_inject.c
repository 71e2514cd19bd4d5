/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_inject: source node of worker 0 that sends what the management
 * thread built (ARP requests, packets released by neighbor resolution).
 * The management thread has no tx queue of its own, so every port keeps
 * exactly one tx queue per worker and no driver needs an extra one.
 */
#include <rte_ring.h>

#include "node_private.h"

#define CTL_INJECT_BURST 32

enum ctl_inject_next {
	/* built for a port that was removed before it went out */
	CTL_INJECT_DROP_PORT_GONE,
	CTL_INJECT_NB_FIXED	/* edges to port_tx-p<id> are appended at setup */
};

static rte_edge_t ctl_inject_tx_edge[PS_MAX_PORTS];

static uint16_t
ctl_inject_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		   uint16_t nb_objs)
{
	const uint64_t start = ps_src_start();
	struct ps_rx_ctx *ctx = ps_rx_ctx(node);
	struct rte_mbuf *pkts[CTL_INJECT_BURST];
	unsigned int n, i;

	RTE_SET_USED(objs);
	RTE_SET_USED(nb_objs);
	if (ps_infra_dp.ctl_ring == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(ps_infra_dp.ctl_ring, (void **)pkts,
				      CTL_INJECT_BURST, NULL);
	for (i = 0; i < n; i++) {
		uint16_t port = ps_mbuf_meta(pkts[i])->nh_port;

		rte_node_enqueue_x1(graph, node, port < PS_MAX_PORTS &&
				    ps_ports[port].active ?
				    ctl_inject_tx_edge[port] :
				    CTL_INJECT_DROP_PORT_GONE, pkts[i]);
	}
	/* Counts as received so that an idle worker wakes up for it. */
	ctx->w->rx_pkts += n;
	if (n > 0)
		ps_src_busy_add(ctx->w->idx, node, start);
	return (uint16_t)n;
}

static int
ctl_inject_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct ps_rx_ctx *ctx = ps_rx_ctx(node);

	ctx->w = ps_worker_of_graph(graph);
	if (ctx->w == NULL || node->id >= PS_MAX_NODES)
		return -EINVAL;
	ps_node_source[node->id] = true;
	return 0;
}

static struct rte_node_register ctl_inject_node = {
	.name = "ctl_inject",
	.flags = RTE_NODE_SOURCE_F,
	.process = ctl_inject_process,
	.init = ctl_inject_init,
	.nb_edges = CTL_INJECT_NB_FIXED,
	.next_nodes = {
		[CTL_INJECT_DROP_PORT_GONE] = "ctl_inject" PS_DROP_INFIX "port_gone",
	},
};
static struct ps_node_info ctl_inject_info = {
	.node = &ctl_inject_node,
	.tx_edges = ctl_inject_tx_edge,
};
PS_NODE_REGISTER(ctl_inject_info);

PS_DROP_NODE(ctl_inject_drop_port_gone, "ctl_inject", "port_gone")
