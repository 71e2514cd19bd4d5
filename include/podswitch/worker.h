/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_WORKER_H
#define PODSWITCH_WORKER_H

/*
 * A worker lcore: walks its own graph in a loop, reports an RCU quiescent
 * state every walk, and backs off with growing sleeps while its queues are
 * empty (bounded by idle_sleep_max_us; 0 = pure busy poll).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_graph.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/config.h>

/* rx queues one worker polls: a node of a few hundred pods on one core */
#define PS_WORKER_MAX_RXQ 1024

struct ps_rxq {
	uint16_t port_id;
	uint16_t queue_id;
};

struct ps_worker {
	unsigned int idx;	/* also its tx queue on every port */
	unsigned int lcore_id;
	char graph_name[RTE_GRAPH_NAMESIZE];
	rte_graph_t graph_id;
	struct rte_graph *graph;
	struct rte_rcu_qsbr *qsv;
	uint16_t burst;
	uint32_t idle_sleep_max_us;
	struct ps_rxq rxq[PS_WORKER_MAX_RXQ];
	unsigned int nb_rxq;
	volatile bool *quit;
	/*
	 * Set by the management thread to hand over a rebuilt graph (ports
	 * added or removed); the worker switches between two walks and
	 * clears it. running: the worker loop is on its lcore.
	 */
	struct rte_graph *next_graph;
	rte_graph_t next_graph_id;
	volatile bool running;
	unsigned int graph_gen;

	/* written by this worker only */
	uint64_t rx_pkts;
	uint64_t walks;
	uint64_t idle_walks;
	uint64_t sleeps;
	uint32_t idle_run;
	uint32_t sleep_us;
	/*
	 * TSC cycles of the loops that brought packets (busy) and of the
	 * others, their naps included (idle), as OVS's PMD counts them;
	 * written relaxed, read by the management thread.
	 */
	uint64_t busy_cycles;
	uint64_t idle_cycles;
} __rte_cache_aligned;

/* Register the calling thread as this worker's RCU reader. */
void ps_worker_attach(struct ps_worker *w);
void ps_worker_detach(struct ps_worker *w);
/*
 * Give w the graph g (id) to walk from its next loop, and wait until it
 * has: when this returns, w no longer touches its previous graph (whose
 * id is returned for destruction).
 */
rte_graph_t ps_worker_switch_graph(struct ps_worker *w, struct rte_graph *g,
				   rte_graph_t id);
/* One graph walk and quiescent report; returns packets received. */
unsigned int ps_worker_poll(struct ps_worker *w);
/* lcore entry: attach, poll with idle back-off until *quit, detach. */
int ps_worker_main(void *arg);
/* Make w findable by its graph name ("worker-<idx>"). */
void ps_worker_register(struct ps_worker *w);
/* The worker that owns a graph, for node init callbacks. */
struct ps_worker *ps_worker_of_graph(const struct rte_graph *graph);

#endif
