/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-port clones of port_rx/port_tx, the edges to them, and one graph per
 * worker. Edges belong to nodes, not graphs, so every worker's graph shares
 * the same edge numbers and a node that sends to ports keeps them once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "node_private.h"

#define GRAPH_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_graph, "graph: " __VA_ARGS__)

/*
 * Nodes and edges cannot be removed from DPDK's node registry. Clones are
 * therefore named after the port's podswitch id ("port_tx-p7",
 * "port_rx-p7-q0"), not its name: ids are reused lowest first, so a new
 * port takes over the clones and edges of one that left, and the number of
 * nodes is bounded by the ids ever in use at once, however many ports come
 * and go. The port's name is shown next to the node in the statistics.
 */
static rte_node_t
clone_get_or_add(const char *parent, const char *suffix)
{
	char name[RTE_NODE_NAMESIZE * 2];
	rte_node_t id;

	snprintf(name, sizeof(name), "%s-%s", parent, suffix);
	id = rte_node_from_name(name);
	if (id != RTE_NODE_ID_INVALID)
		return id;
	/* rte_node_clone names the clone "<parent>-<suffix>". */
	return rte_node_clone(rte_node_from_name(parent), suffix);
}

/* Every node that sends straight to ports gets an edge to port_tx-p<pid>. */
static int
tx_parents_wire(uint16_t pid)
{
	struct ps_node_info *info;
	char name[RTE_NODE_NAMESIZE];

	snprintf(name, sizeof(name), "port_tx-p%u", pid);
	STAILQ_FOREACH(info, &ps_node_infos, next) {
		if (info->tx_edges == NULL)
			continue;
		info->tx_edges[pid] = ps_node_attach_parent(info->node->name,
							    name);
		if (info->tx_edges[pid] == RTE_EDGE_ID_INVALID)
			return -ENOSPC;
	}
	return 0;
}

int
ps_graph_nodes_setup(void)
{
	uint16_t pid;

	PS_PORT_FOREACH(pid) {
		struct ps_port *p = &ps_ports[pid];
		char suffix[RTE_NODE_NAMESIZE];
		rte_node_t id;
		uint16_t q;
		int rc;

		if (!p->active)
			continue;
		snprintf(suffix, sizeof(suffix), "p%u", pid);
		id = clone_get_or_add("port_tx", suffix);
		if (id == RTE_NODE_ID_INVALID || id >= PS_MAX_NODES) {
			GRAPH_LOG(ERR, "port %s: no graph node left for its "
				  "port_tx (%u nodes)\n", p->name, PS_MAX_NODES);
			return -ENOSPC;
		}
		ps_clone_info[id].port_id = pid;
		rc = tx_parents_wire(pid);
		if (rc < 0)
			return rc;

		for (q = 0; q < p->nb_rxq; q++) {
			snprintf(suffix, sizeof(suffix), "p%u-q%u", pid, q);
			id = clone_get_or_add("port_rx", suffix);
			if (id == RTE_NODE_ID_INVALID || id >= PS_MAX_NODES) {
				GRAPH_LOG(ERR, "port %s: no graph node left for "
					  "its port_rx (%u nodes)\n", p->name,
					  PS_MAX_NODES);
				return -ENOSPC;
			}
			ps_clone_info[id].port_id = pid;
			ps_clone_info[id].queue_id = q;
		}
	}
	return 0;
}

/*
 * A graph is its sources, the worker's port_rx clones (and on worker 0
 * ctl_inject): rte_graph_create adds every node their edges reach, so a
 * node is in the graph when something can send to it, with its drop
 * nodes, and a drop node of a node that is not (ctl_inject's elsewhere
 * than on worker 0) is not either.
 */
static int
graph_build(struct ps_worker *w, const char *name, rte_graph_t *idp,
	    struct rte_graph **gp)
{
	/* a node with hundreds of pod ports: too large for the stack */
	char (*rx_names)[RTE_NODE_NAMESIZE];
	const char **patterns;
	struct rte_graph_param gp_ = { 0 };
	unsigned int i, n = 0;
	rte_graph_t id;

	if (w->nb_rxq == 0)
		return -EINVAL;
	rx_names = calloc(w->nb_rxq, sizeof(*rx_names));
	patterns = calloc(w->nb_rxq + 1, sizeof(*patterns));
	if (rx_names == NULL || patterns == NULL) {
		free(rx_names);
		free(patterns);
		return -ENOMEM;
	}
	for (i = 0; i < w->nb_rxq; i++) {
		snprintf(rx_names[i], sizeof(rx_names[i]), "port_rx-p%u-q%u",
			 w->rxq[i].port_id, w->rxq[i].queue_id);
		patterns[n++] = rx_names[i];
	}
	/* Worker 0 sends what the management thread builds. */
	if (w->idx == 0)
		patterns[n++] = "ctl_inject";

	gp_.socket_id = (int)rte_lcore_to_socket_id(w->lcore_id);
	if (gp_.socket_id < 0 || w->lcore_id >= RTE_MAX_LCORE)
		gp_.socket_id = SOCKET_ID_ANY;
	gp_.nb_node_patterns = (uint16_t)n;
	gp_.node_patterns = patterns;
	/* Node init callbacks find the worker by the graph's name. */
	ps_worker_register(w);
	id = rte_graph_create(name, &gp_);
	free(patterns);
	free(rx_names);
	if (id == RTE_GRAPH_ID_INVALID) {
		GRAPH_LOG(ERR, "cannot create graph %s: %s\n", name,
			  rte_strerror(rte_errno));
		return -rte_errno ? -rte_errno : -EINVAL;
	}
	*gp = rte_graph_lookup(name);
	if (*gp == NULL) {
		rte_graph_destroy(id);
		return -ENOENT;
	}
	*idp = id;
	return 0;
}

int
ps_graph_create_worker(struct ps_worker *w)
{
	snprintf(w->graph_name, sizeof(w->graph_name), "worker-%u", w->idx);
	return graph_build(w, w->graph_name, &w->graph_id, &w->graph);
}

int
ps_graph_rebuild_worker(struct ps_worker *w, struct rte_graph **g,
			rte_graph_t *id)
{
	char name[RTE_GRAPH_NAMESIZE];

	/* Graph names cannot be reused while the old graph lives. */
	snprintf(name, sizeof(name), "worker-%u.%u", w->idx, ++w->graph_gen);
	return graph_build(w, name, id, g);
}

void
ps_graph_destroy_worker(struct ps_worker *w)
{
	if (w->graph != NULL)
		rte_graph_destroy(w->graph_id);
	w->graph = NULL;
}

int
ps_graph_node_port(const char *node)
{
	static const char *const prefixes[] = { "port_rx-p", "port_tx-p" };
	unsigned int i;
	unsigned long id;
	char *end;

	for (i = 0; i < RTE_DIM(prefixes); i++) {
		size_t len = strlen(prefixes[i]);

		if (strncmp(node, prefixes[i], len) != 0)
			continue;
		id = strtoul(node + len, &end, 10);
		if (end == node + len || (*end != '\0' && *end != '-') ||
		    id >= PS_MAX_PORTS || !ps_ports[id].active)
			return -ENOENT;
		return (int)id;
	}
	return -ENOENT;
}
