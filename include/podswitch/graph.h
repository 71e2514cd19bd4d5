/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_GRAPH_H
#define PODSWITCH_GRAPH_H

/*
 * The packet graph: node registration, per-port node clones and one
 * rte_graph per worker.
 *
 *   port_rx-p<id>-q<n> -> eth_input --arp--> arp -> port_tx-p<id>
 *                                    --l2---> service_l2 -> l2_fdb -> port_tx-p<id> (one or flooded)
 *                                    --ip4--> ip4_input -> service_lb -> ip4_lookup -> ...
 *
 * Nodes register themselves (PS_NODE_REGISTER) and attach to their parents
 * when a dataplane starts: service_lb and service_l2 put themselves in
 * front of ip4_lookup and l2_fdb, vxlan_decap takes its UDP port from
 * ip4_local, vxlan_encap its next-hop type from ip4_lookup. A worker's
 * graph names only its sources; rte_graph adds every node their edges
 * reach.
 *
 * Every drop goes to a node named "<node>.drop.<reason>", so the graph's
 * own per-node counters are the per-reason drop counters.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_graph.h>
#include <rte_mbuf.h>

extern int ps_logtype_graph;

#define PS_DROP_INFIX ".drop."

/* "a.b.c.d" of an address in network order */
#define PS_IP4_FMT "%u.%u.%u.%u"
#define PS_IP4_BYTES(a)							\
	((const uint8_t *)&(a))[0], ((const uint8_t *)&(a))[1],		\
	((const uint8_t *)&(a))[2], ((const uint8_t *)&(a))[3]

/*
 * Per-packet metadata in the mbuf private area, written by the L3 nodes.
 * ip4_input clears flags when a packet enters L3; the other fields are
 * valid only where the node that sets them says so.
 */
struct ps_mbuf_meta {
	uint32_t nh_ip;		/* next hop to resolve (network order) */
	uint16_t nh_port;	/* its port, or PS_PORT_SEGMENT */
	uint8_t icmp_type;	/* for icmp_error */
	uint8_t icmp_code;
	uint16_t mtu;		/* next-hop MTU for fragmentation needed */
	uint8_t flags;
	uint8_t pad;
	uint32_t adj;		/* nh_ip's adjacency (neighbor.h), or 0 */
};
#define PS_META_LOCAL_ORIGIN 0x1	/* built by us: keep its TTL, never an ICMP error about it */
#define PS_META_INNER_DST 0x2		/* VXLAN by us: give the inner frame the outer next hop's MAC */
/* Packets a worker's nodes may keep across bursts (fragments waiting for
 * their first): the mbuf pool has room for them. */
#define PS_NODE_HELD_MAX 1024
#define PS_MBUF_PRIV_SIZE RTE_ALIGN(sizeof(struct ps_mbuf_meta), RTE_MBUF_PRIV_ALIGN)

static inline struct ps_mbuf_meta *
ps_mbuf_meta(void *m)
{
	return (struct ps_mbuf_meta *)rte_mbuf_to_priv((struct rte_mbuf *)m);
}

/* --trace: at dataplane init the trace module (include/podswitch/trace.h)
 * arms a session of every packet on every port that logs each record.
 * Set before ps_dataplane_init. */
extern bool ps_graph_trace;

/* Node registration ------------------------------------------------------ */

struct ps_dataplane;

struct ps_node_info {
	struct rte_node_register *node;
	/*
	 * Optional. Run by ps_graph_setup() each time a dataplane starts, in
	 * registration order, once its tables exist and before any graph is
	 * built: the node takes what it reads from dp and attaches to its
	 * parents (ps_node_attach_parent() or a parent's own hook). Run
	 * again, it must come to the same result: edges are never removed.
	 * Returns 0 or -errno.
	 */
	int (*setup)(struct ps_dataplane *dp);
	/*
	 * For a node that sends straight to ports: PS_MAX_PORTS entries the
	 * node owns. Graph setup adds an edge to every port's port_tx clone
	 * and stores it at tx_edges[port id] before the port can receive or
	 * a table can name it.
	 */
	rte_edge_t *tx_edges;
	STAILQ_ENTRY(ps_node_info) next;
};

/* Register info's node with rte_graph and keep info (constructors only:
 * PS_NODE_REGISTER). */
void ps_node_register(struct ps_node_info *info);

/* In place of RTE_NODE_REGISTER: info is a static struct ps_node_info. */
#define PS_NODE_REGISTER(info)						\
	RTE_INIT(ps_node_register_##info)				\
	{								\
		ps_node_register(&(info));				\
	}

/*
 * The edge from node parent to node child, added if parent has none yet
 * (setup callbacks, management thread). RTE_EDGE_ID_INVALID when parent is
 * unknown or memory is short.
 */
rte_edge_t ps_node_attach_parent(const char *parent, const char *child);

/*
 * A chain of nodes a parent hands a class of packets to before they reach
 * tail (ip4_input's routed packets before ip4_lookup, eth_input's bridged
 * frames before l2_fdb): each hook sends what it passes on through its
 * edge `edge`, which the chain points at the next hook or at tail. Hooks
 * go in rank order (equal ranks: the first inserted first), so that
 * service_lb (DNAT) comes before policy, whatever order modules set up.
 */
#define PS_NODE_CHAIN_MAX 8
struct ps_node_chain {
	const char *parent;
	const char *tail;
	rte_edge_t *parent_edge;	/* the parent's edge into the chain */
	unsigned int n;
	struct {
		const char *node;
		rte_edge_t edge;
		int rank;
	} hooks[PS_NODE_CHAIN_MAX];
};
/* Insert node (again: nothing changes) and relink the chain. 0, -ENOSPC
 * (full, or an edge could not be set) or -ENOENT (an unknown node). */
int ps_node_chain_insert(struct ps_node_chain *c, const char *node,
			 rte_edge_t edge, int rank);

/* Graph build ------------------------------------------------------------ */

struct ps_worker;

/* The port a port_rx/port_tx clone now serves (its id), or -ENOENT. */
int ps_graph_node_port(const char *node);

/*
 * At a dataplane's start, before its workers' graphs: every registered
 * node's setup callback, then ps_graph_nodes_setup(). Returns 0 or -errno.
 */
int ps_graph_setup(struct ps_dataplane *dp);
/*
 * Clone port_rx/port_tx for every active port (named by port id:
 * port_rx-p<id>-q<n>, port_tx-p<id>) and wire every node that sends to
 * ports to each port_tx clone.
 */
int ps_graph_nodes_setup(void);
/*
 * Create worker w's graph over the rx queues in w->rxq. Returns 0 or
 * -errno; w->graph is set on success.
 */
int ps_graph_create_worker(struct ps_worker *w);
void ps_graph_destroy_worker(struct ps_worker *w);
/*
 * A new graph for w over its current w->rxq (after ports came or went),
 * named "worker-IDX.GEN"; the caller hands it over with
 * ps_worker_switch_graph(). Returns 0 (graph in *g, its id in *id) or -errno.
 */
int ps_graph_rebuild_worker(struct ps_worker *w, struct rte_graph **g,
			    rte_graph_t *id);

#endif
