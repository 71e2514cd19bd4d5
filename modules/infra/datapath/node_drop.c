/* SPDX-License-Identifier: BSD-3-Clause */
#include "node_private.h"

uint16_t
ps_drop_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		uint16_t nb_objs)
{
	uint16_t i;

	RTE_SET_USED(graph);
	/* the node's name says why: "<node>.drop.<reason>" */
	for (i = 0; i < nb_objs; i++)
		if (unlikely(ps_trace_marked(objs[i])))
			ps_trace_end(node, objs[i], "drop=%s", node->name);
	rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, nb_objs);
	return nb_objs;
}
