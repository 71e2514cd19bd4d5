/* SPDX-License-Identifier: BSD-3-Clause */
#include "node_private.h"

uint16_t
ps_drop_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		uint16_t nb_objs)
{
	RTE_SET_USED(graph);
	RTE_SET_USED(node);
	rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, nb_objs);
	return nb_objs;
}
