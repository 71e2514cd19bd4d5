/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registered nodes (PS_NODE_REGISTER) and how they find their
 * parents: a node names the nodes it sends to, and attaches itself at run
 * time to the nodes that send to it, so that a parent never names a
 * child of another module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "node_private.h"

#define GRAPH_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_graph, "graph: " __VA_ARGS__)

struct ps_node_infos ps_node_infos = STAILQ_HEAD_INITIALIZER(ps_node_infos);

void
ps_node_register(struct ps_node_info *info)
{
	/* what RTE_NODE_REGISTER does, then keep the info */
	info->node->parent_id = RTE_NODE_ID_INVALID;
	info->node->id = __rte_node_register(info->node);
	STAILQ_INSERT_TAIL(&ps_node_infos, info, next);
}

int
ps_node_chain_insert(struct ps_node_chain *c, const char *node,
		     rte_edge_t edge, int rank)
{
	unsigned int i, j;
	rte_edge_t e;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->hooks[i].node, node) == 0)
			return 0;
	if (c->n == PS_NODE_CHAIN_MAX)
		return -ENOSPC;
	for (i = 0; i < c->n && c->hooks[i].rank <= rank; i++)
		;
	memmove(&c->hooks[i + 1], &c->hooks[i],
		(c->n - i) * sizeof(c->hooks[0]));
	c->hooks[i].node = node;
	c->hooks[i].edge = edge;
	c->hooks[i].rank = rank;
	c->n++;
	e = ps_node_attach_parent(c->parent, c->hooks[0].node);
	if (e == RTE_EDGE_ID_INVALID)
		return -ENOSPC;
	*c->parent_edge = e;
	for (j = 0; j < c->n; j++) {
		const char *next = j + 1 < c->n ? c->hooks[j + 1].node :
				   c->tail;
		rte_node_t id = rte_node_from_name(c->hooks[j].node);

		if (id == RTE_NODE_ID_INVALID)
			return -ENOENT;
		if (rte_node_edge_update(id, c->hooks[j].edge, &next, 1) != 1)
			return -ENOSPC;
	}
	return 0;
}

/*
 * Nodes and edges cannot be removed from DPDK's node registry: an edge,
 * once added, stays for the life of the process, and the next dataplane
 * finds it again.
 */
rte_edge_t
ps_node_attach_parent(const char *parent, const char *child)
{
	rte_node_t id = rte_node_from_name(parent);
	const char *names[1] = { child };
	rte_edge_t n, e;
	char **cur;

	if (id == RTE_NODE_ID_INVALID)
		return RTE_EDGE_ID_INVALID;
	n = rte_node_edge_count(id);
	if (n == RTE_EDGE_ID_INVALID)
		return RTE_EDGE_ID_INVALID;
	cur = calloc(n + 1, sizeof(*cur));
	if (cur == NULL)
		return RTE_EDGE_ID_INVALID;
	rte_node_edge_get(id, cur);
	for (e = 0; e < n; e++)
		if (strcmp(cur[e], child) == 0)
			break;
	free(cur);
	if (e < n)
		return e;
	/* Appended edges take the next free index. */
	if (rte_node_edge_update(id, RTE_EDGE_ID_INVALID, names, 1) != 1)
		return RTE_EDGE_ID_INVALID;
	return n;
}

int
ps_graph_setup(struct ps_dataplane *dp)
{
	struct ps_node_info *info;
	int rc;

	STAILQ_FOREACH(info, &ps_node_infos, next) {
		if (info->setup == NULL)
			continue;
		rc = info->setup(dp);
		if (rc < 0) {
			GRAPH_LOG(ERR, "node %s: setup failed: %s\n",
				  info->node->name, rte_strerror(-rc));
			return rc;
		}
	}
	return ps_graph_nodes_setup();
}
