/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port_tx: one clone per port slot; each worker sends on its own tx queue,
 * one indirect call into the port's backend per burst.
 */

#include "node_private.h"

static uint16_t
port_tx_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		uint16_t nb_objs)
{
	struct ps_tx_ctx *ctx = ps_tx_ctx(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	struct ps_port *p = &ps_ports[ctx->port_id];
	uint16_t sent, i;

	RTE_SET_USED(graph);
	for (i = 0; i < nb_objs; i++)
		if (unlikely(ps_trace_marked(pkts[i])))
			ps_trace_end(node, pkts[i], "port=%s queue=%u",
				     p->name, ctx->queue_id);
	ps_capture_burst(PS_CAPTURE_TX, ctx->port_id, pkts, nb_objs,
			 ctx->queue_id, ctx->worker_idx);
	sent = p->ops->tx_burst(p, ctx->queue_id, pkts, nb_objs);
	if (unlikely(sent < nb_objs)) {
		p->sw[ctx->worker_idx].tx_dropped += nb_objs - sent;
		rte_pktmbuf_free_bulk(pkts + sent, nb_objs - sent);
	}
	return nb_objs;
}

static int
port_tx_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct ps_tx_ctx *ctx = ps_tx_ctx(node);
	struct ps_worker *w = ps_worker_of_graph(graph);

	if (w == NULL || node->id >= PS_MAX_NODES)
		return -EINVAL;
	ctx->port_id = ps_clone_info[node->id].port_id;
	ctx->queue_id = (uint16_t)w->idx;
	ctx->worker_idx = w->idx;
	return 0;
}

static struct rte_node_register port_tx_node = {
	.name = "port_tx",
	.process = port_tx_process,
	.init = port_tx_init,
	.nb_edges = 0,
};
static struct ps_node_info port_tx_info = {
	.node = &port_tx_node,
};
PS_NODE_REGISTER(port_tx_info);
