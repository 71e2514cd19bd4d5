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

static uint16_t
ctl_inject_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		   uint16_t nb_objs)
{
	struct ps_rx_ctx *ctx = (struct ps_rx_ctx *)node->ctx;
	struct rte_mbuf *pkts[CTL_INJECT_BURST];
	unsigned int n, i;

	RTE_SET_USED(objs);
	RTE_SET_USED(nb_objs);
	if (ps_genv.ctl_ring == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(ps_genv.ctl_ring, (void **)pkts,
				      CTL_INJECT_BURST, NULL);
	for (i = 0; i < n; i++)
		rte_node_enqueue_x1(graph, node,
				    ps_genv.inject_tx_edge[ps_mbuf_meta(pkts[i])->nh_port],
				    pkts[i]);
	/* Counts as received so that an idle worker wakes up for it. */
	ctx->w->rx_pkts += n;
	return (uint16_t)n;
}

static int
ctl_inject_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct ps_rx_ctx *ctx = (struct ps_rx_ctx *)node->ctx;

	ctx->w = ps_worker_of_graph(graph);
	return ctx->w == NULL ? -EINVAL : 0;
}

static struct rte_node_register ctl_inject_node = {
	.name = "ctl_inject",
	.flags = RTE_NODE_SOURCE_F,
	.process = ctl_inject_process,
	.init = ctl_inject_init,
	.nb_edges = 0,	/* edges to port_tx-<port> are appended at setup */
};
RTE_NODE_REGISTER(ctl_inject_node);
