/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_GRAPH_H
#define PODSWITCH_GRAPH_H

/*
 * The packet graph: node registration, per-port node clones and one
 * rte_graph per worker.
 *
 *   port_rx-<port>-q<n> -> eth_input --arp--> arp -> port_tx-<port>
 *                                    --l2---> l2_fdb -> port_tx-<port> (one or flooded)
 *                                    --ip4--> ip4_input -> ip4_local -> port_tx-<port>
 *
 * Every drop goes to a node named "<node>.drop.<reason>", so the graph's
 * own per-node counters are the per-reason drop counters.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_graph.h>

#include <podswitch/fdb.h>

extern int ps_logtype_graph;

#define PS_DROP_INFIX ".drop."

/* What the nodes read; set before the graphs are created, then read-only. */
struct ps_graph_env {
	struct ps_fdb *fdb;
	struct rte_ether_addr node_mac;
	uint32_t gateway_ip;	/* network order */
	uint32_t node_ip;	/* network order */
	uint16_t segment_ports[RTE_MAX_ETHPORTS];
	uint16_t nb_segment_ports;
	/* edges to port_tx-<port>, by DPDK port id */
	rte_edge_t l2_tx_edge[RTE_MAX_ETHPORTS];
	rte_edge_t arp_tx_edge[RTE_MAX_ETHPORTS];
	rte_edge_t ip4_local_tx_edge[RTE_MAX_ETHPORTS];
	/* log one line per packet per node (debug; costs nothing when off) */
	bool trace;
};

extern struct ps_graph_env ps_genv;

struct ps_worker;

/* Clone port_rx/port_tx for every active port and wire the edges. */
int ps_graph_nodes_setup(void);
/*
 * Create worker w's graph over the rx queues in w->rxq. Returns 0 or
 * -errno; w->graph is set on success.
 */
int ps_graph_create_worker(struct ps_worker *w);
void ps_graph_destroy_worker(struct ps_worker *w);

#endif
