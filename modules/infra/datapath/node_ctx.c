/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_log.h>

#include "node_private.h"

RTE_LOG_REGISTER(ps_logtype_graph, podswitch.graph, INFO);

bool ps_graph_trace;
struct ps_infra_dp ps_infra_dp;
struct ps_clone_info ps_clone_info[PS_MAX_NODES];
struct ps_src_busy ps_src_busy[PS_MAX_WORKERS][PS_MAX_NODES];
bool ps_node_source[PS_MAX_NODES];
struct ps_capture_tap *ps_capture_taps[PS_CAPTURE_NB_DIR][PS_MAX_PORTS];

int
ps_node_worker_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct ps_worker *w = ps_worker_of_graph(graph);

	if (w == NULL || w->idx >= PS_MAX_WORKERS)
		return -EINVAL;
	ps_worker_ctx(node)->worker = w->idx;
	return 0;
}
