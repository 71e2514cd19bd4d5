/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port_rx: source node, one clone per (port slot, rx queue), polled by one
 * worker. One indirect call into the port's backend per burst.
 */

#include "node_private.h"

static uint16_t
port_rx_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		uint16_t nb_objs)
{
	const uint64_t start = ps_src_start();
	struct ps_rx_ctx *ctx = ps_rx_ctx(node);
	struct ps_trace_session *armed;
	struct rte_mbuf **pkts;
	struct ps_port *p;
	uint16_t n, i;

	RTE_SET_USED(objs);
	RTE_SET_USED(nb_objs);
	pkts = (struct rte_mbuf **)rte_node_next_stream_get(graph, node,
		PS_PORT_RX_NEXT_ETH_INPUT, ctx->burst);
	p = &ps_ports[ctx->port_id];
	n = p->ops->rx_burst(p, ctx->queue_id, pkts, ctx->burst);
	if (n == 0)
		return 0;
	/* The podswitch port id, not an ethdev's (nor what a ring's peer
	 * left there). */
	for (i = 0; i < n; i++)
		pkts[i]->port = ctx->port_id;
	/* the trace's one test per burst (include/podswitch/trace.h) */
	armed = __atomic_load_n(&ps_trace_armed[ctx->port_id],
				__ATOMIC_ACQUIRE);
	if (unlikely(armed != NULL))
		ps_trace_rx(armed, ctx->w->idx, node, ctx->queue_id, pkts, n,
			    PS_PORT_RX_NEXT_ETH_INPUT);
	ctx->w->rx_pkts += n;
	ps_capture_burst(PS_CAPTURE_RX, ctx->port_id, pkts, n, ctx->queue_id,
			 ctx->w->idx);
	rte_node_next_stream_put(graph, node, PS_PORT_RX_NEXT_ETH_INPUT, n);
	ps_src_busy_add(ctx->w->idx, node, start);
	return n;
}

static int
port_rx_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct ps_rx_ctx *ctx = ps_rx_ctx(node);
	struct ps_worker *w = ps_worker_of_graph(graph);

	if (w == NULL || node->id >= PS_MAX_NODES)
		return -EINVAL;
	ctx->port_id = ps_clone_info[node->id].port_id;
	ctx->queue_id = ps_clone_info[node->id].queue_id;
	ctx->burst = w->burst;
	ctx->w = w;
	ps_node_source[node->id] = true;
	return 0;
}

static struct rte_node_register port_rx_node = {
	.name = "port_rx",
	.flags = RTE_NODE_SOURCE_F,
	.process = port_rx_process,
	.init = port_rx_init,
	.nb_edges = 1,
	.next_nodes = {
		[PS_PORT_RX_NEXT_ETH_INPUT] = "eth_input",
	},
};
static struct ps_node_info port_rx_info = {
	.node = &port_rx_node,
};
PS_NODE_REGISTER(port_rx_info);
