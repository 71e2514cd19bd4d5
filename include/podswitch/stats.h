/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_STATS_H
#define PODSWITCH_STATS_H

/* Counters of ports, graph nodes (drops by reason) and tables. */

#include <stdint.h>

#include <rte_graph.h>

#include <podswitch/port.h>

struct ps_dataplane;

struct ps_node_stats {
	char name[RTE_NODE_NAMESIZE];
	rte_node_t id;
	uint64_t calls;
	uint64_t objs;
	uint64_t cycles;
	/*
	 * Source nodes (port_rx clones, ctl_inject) run on every walk: of
	 * calls and cycles, those of the calls that brought no packet
	 * (empty polls). cycles - idle_cycles over objs is what a packet
	 * costs there. 0 for the other nodes, which are called only with
	 * packets.
	 */
	uint64_t idle_calls;
	uint64_t idle_cycles;
};

/*
 * Nodes a snapshot can hold: the base nodes and their drop nodes, and two
 * clones (port_rx, port_tx) per port.
 */
#define PS_STATS_MAX_NODES 4096

/*
 * Sum every node's counters over all worker graphs, since the start.
 * The clones of removed ports are not listed. Returns the number of
 * nodes written to out (at most max) or -errno.
 */
int ps_stats_nodes(struct ps_node_stats *out, unsigned int max);

/*
 * Reset, as GET /v1/stats shows counters (POST /v1/stats/reset): the
 * management side notes what the graph nodes (drop nodes included) and
 * the ports have counted so far and subtracts it when asked, so nothing
 * a worker writes is touched and totals (/metrics) never go back.
 * ps_stats_reset: 0 or -ENOMEM (nothing changed). ps_stats_nodes_since:
 * ps_stats_nodes less the reset's. ps_stats_port_since: c, counters of
 * port id now, less what they were at the reset.
 */
int ps_stats_reset(void);
int ps_stats_nodes_since(struct ps_node_stats *out, unsigned int max);
void ps_stats_port_since(uint16_t port_id, struct ps_port_stats *c);
/* Resets so far (0: none). */
uint64_t ps_stats_resets(void);
/* Objects that reached drop node "<node>.drop.<reason>" in every graph. */
uint64_t ps_stats_drops(const char *node, const char *reason);
/*
 * Keep the counters of a graph about to be destroyed (a worker switched
 * to a rebuilt one); ps_stats_nodes() adds them to the live ones.
 */
void ps_stats_retire_graph(const char *graph_name);
/*
 * Forget what retired graphs, the source nodes' own counters and the
 * last reset counted in the clones of port id, and the port's counters
 * at the reset (called when the port is removed), so that the next port
 * given that id and its clones starts from zero.
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
