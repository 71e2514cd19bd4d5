/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_NODE_PRIVATE_H
#define PS_NODE_PRIVATE_H

#include <rte_graph.h>
#include <rte_cycles.h>
#include <rte_graph_worker.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <podswitch/capture.h>
#include <podswitch/graph.h>
#include <podswitch/port.h>
#include <podswitch/trace.h>
#include <podswitch/worker.h>

#include "infra_dp.h"

uint16_t ps_drop_process(struct rte_graph *graph, struct rte_node *node,
			 void **objs, uint16_t nb_objs);

/*
 * One drop node per reason, named "<node>.drop.<reason>": the graph's
 * per-node object count is then the per-reason drop count.
 */
#define PS_DROP_NODE(sym, node, reason)					\
	static struct rte_node_register sym = {				\
		.name = node PS_DROP_INFIX reason,			\
		.process = ps_drop_process,				\
	};								\
	RTE_NODE_REGISTER(sym)

/*
 * A node's trace record for packet m, sent to edge next (the text says
 * what the node decided, as "key=value" words): for marked packets only,
 * so an unmarked one pays the test of its flag (include/podswitch/trace.h).
 */
#define PS_TRACE(node, m, next, fmt, ...)				\
	do {								\
		if (unlikely(ps_trace_marked(m)))			\
			ps_trace_add((node), (m), (rte_edge_t)(next),	\
				     fmt, ##__VA_ARGS__);		\
	} while (0)

/*
 * rte_graph hands a node everything its parents enqueued in one walk, so
 * a stream outgrows one burst (9 ports x 32 frames into eth_input, or two
 * ports at burst 256). Node bodies keep per-object state on the stack
 * (next edges, keys); they are given at most PS_NODE_CHUNK objects at a
 * time by the one process function every node gets from
 * PS_NODE_PROCESS(prefix), which calls
 *   prefix_inline(graph, node, objs, n, trace)   with n <= PS_NODE_CHUNK
 * trace is always true: a node body guards its PS_TRACE lines with it, and
 * PS_TRACE itself tests the packet's mark, the only cost of the trace.
 */
#define PS_NODE_CHUNK RTE_GRAPH_BURST_SIZE

#define PS_NODE_PROCESS(prefix)						\
	static uint16_t							\
	prefix##_process(struct rte_graph *graph, struct rte_node *node, \
			 void **objs, uint16_t nb_objs)			\
	{								\
		uint16_t i, n;						\
									\
		for (i = 0; i < nb_objs; i += n) {			\
			n = RTE_MIN((uint16_t)(nb_objs - i),		\
				    (uint16_t)PS_NODE_CHUNK);		\
			prefix##_inline(graph, node, objs + i, n, true); \
		}							\
		return nb_objs;						\
	}

/*
 * Hand each object to its edge. When every object goes to the same edge
 * (the usual case), move the whole stream at once.
 */
static __rte_always_inline void
ps_enqueue_nexts(struct rte_graph *graph, struct rte_node *node,
		 rte_edge_t *nexts, void **objs, uint16_t n)
{
	rte_edge_t first;
	uint16_t i;

	if (n == 0)
		return;
	first = nexts[0];
	for (i = 1; i < n; i++)
		if (nexts[i] != first)
			break;
	if (i == n && objs == node->objs && n == node->idx) {
		rte_node_next_stream_move(graph, node, first);
		return;
	}
	rte_node_enqueue_next(graph, node, nexts, objs, n);
}

/* TTL one less, header checksum updated incrementally (RFC 1624: the
 * (ttl, proto) word drops by 0x0100). */
static __rte_always_inline void
ps_ip4_ttl_decrement(struct rte_ipv4_hdr *ip)
{
	uint32_t sum;

	ip->time_to_live--;
	sum = (uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum) + 0xfeffu;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

/*
 * A node's typed context: struct type with the given members, and
 * type(node), its place in node->ctx (RTE_NODE_CTX_SZ bytes, checked).
 */
#define PS_NODE_CTX_TYPE(type, ...)					\
	struct type __VA_ARGS__;					\
	_Static_assert(sizeof(struct type) <= RTE_NODE_CTX_SZ,		\
		       #type " does not fit in a node context");	\
	static inline struct type *					\
	type(struct rte_node *node)					\
	{								\
		return (struct type *)node->ctx;			\
	}

/* port_rx and ctl_inject clones */
PS_NODE_CTX_TYPE(ps_rx_ctx, {
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t burst;
	uint16_t pad;
	struct ps_worker *w;
})

/* port_tx clones */
PS_NODE_CTX_TYPE(ps_tx_ctx, {
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t worker_idx;
})

/* Nodes that keep per-worker state elsewhere (counters, port slices):
 * the index of the worker whose graph holds this instance. */
PS_NODE_CTX_TYPE(ps_worker_ctx, {
	uint32_t worker;
})

/* The init callback of nodes with a ps_worker_ctx. */
int ps_node_worker_init(const struct rte_graph *graph, struct rte_node *node);

/*
 * Trace: the name of edge next, names[next] for the node's own edges
 * (nb_names of them), else the name of the node it leads to (an edge a
 * child attached at setup).
 */
static inline const char *
ps_edge_name(const struct rte_node *node, const char *const *names,
	     unsigned int nb_names, rte_edge_t next)
{
	return next < nb_names ? names[next] : node->nodes[next]->name;
}

/*
 * Put node in front of the bridge: the frames of the pod segment that
 * eth_input passes go to node, which sends on to l2_fdb (one node at a
 * time). Setup callbacks only. 0 or -errno.
 */
int ps_eth_input_l2_insert(const char *node);
/* The same as a chain (podswitch/graph.h: struct ps_node_chain) before
 * l2_fdb: service_l2 rank 0, then policy_l2 rank 10. */
int ps_eth_input_l2_chain(const char *node, rte_edge_t edge, int rank);
/*
 * Frames of a guarded port (ps_infra_dp.guard) that lie about their
 * sender go to node (a drop node of the module that guards). 0 or
 * -ENOSPC.
 */
int ps_eth_input_guard_attach(const char *node);

/* Every PS_NODE_REGISTER'ed node, in registration order. */
STAILQ_HEAD(ps_node_infos, ps_node_info);
extern struct ps_node_infos ps_node_infos;

/* Which port/queue a clone serves, by node id; filled by graph_build. */
struct ps_clone_info {
	uint16_t port_id;
	uint16_t queue_id;
};
extern struct ps_clone_info ps_clone_info[];
/*
 * Node ids the clone table covers: the base nodes and their drop nodes,
 * one port_tx and one port_rx per queue for every port id in use at once.
 */
#define PS_MAX_NODES 8192

/*
 * Source nodes (port_rx clones, ctl_inject) are called on every walk,
 * packets or not, so rte_graph's cycles for them are mostly empty polls.
 * They count apart, per worker and node id, the calls that carried
 * packets and the cycles of those calls: each worker writes its own
 * row, stats.c sums the rows and calls the rest idle. ps_node_source
 * marks the node ids that count so (set by their init callbacks).
 */
struct ps_src_busy {
	uint64_t calls;
	uint64_t cycles;
};
extern struct ps_src_busy ps_src_busy[PS_MAX_WORKERS][PS_MAX_NODES];
extern bool ps_node_source[PS_MAX_NODES];

/* The start of a source node's call, when the graph counts cycles. */
static __rte_always_inline uint64_t
ps_src_start(void)
{
	return rte_graph_has_stats_feature() ? rte_rdtsc() : 0;
}

/* The call of node on worker, begun at start, carried packets. */
static __rte_always_inline void
ps_src_busy_add(unsigned int worker, const struct rte_node *node,
		uint64_t start)
{
	struct ps_src_busy *b;

	if (!rte_graph_has_stats_feature())
		return;
	b = &ps_src_busy[worker][node->id];
	b->calls++;
	b->cycles += rte_rdtsc() - start;
}

/* next-node indices of the base nodes other files need */
#define PS_PORT_RX_NEXT_ETH_INPUT 0

#endif
