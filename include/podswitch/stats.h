/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_STATS_H
#define PODSWITCH_STATS_H

/* Counters of ports, graph nodes (drops by reason) and tables. */

#include <stdint.h>

#include <rte_graph.h>

struct ps_dataplane;

struct ps_node_stats {
	char name[RTE_NODE_NAMESIZE];
	uint64_t calls;
	uint64_t objs;
	uint64_t cycles;
};

/*
 * Nodes a snapshot can hold: the base nodes and their drop nodes, and two
 * clones (port_rx, port_tx) per port.
 */
#define PS_STATS_MAX_NODES 4096

/*
 * Sum every node's counters over all worker graphs. Returns the number of
 * nodes written to out (at most max) or -errno.
 */
int ps_stats_nodes(struct ps_node_stats *out, unsigned int max);
/* Objects that reached drop node "<node>.drop.<reason>" in every graph. */
uint64_t ps_stats_drops(const char *node, const char *reason);
/*
 * Keep the counters of a graph about to be destroyed (a worker switched
 * to a rebuilt one); ps_stats_nodes() adds them to the live ones.
 */
void ps_stats_retire_graph(const char *graph_name);
/*
 * Forget what retired graphs counted in the clones of port id (called when
 * the port is removed), so that the next port given that id and its
 * clones starts from zero.
 */
void ps_stats_forget_port(uint16_t port_id);
/*
 * The mbuf pool: how many mbufs it holds and how many are out of it (in
 * port descriptors, in flight in a graph, held by a neighbor's queue, or
 * leaked). Read from any thread; per-lcore caches count as free.
 */
struct ps_mbuf_stats {
	uint32_t size;
	uint32_t in_use;
};

void ps_stats_mbufs(const struct ps_dataplane *dp, struct ps_mbuf_stats *out);

#endif
