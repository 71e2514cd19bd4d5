/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_graph_worker.h>
#include <rte_lcore.h>
#include <rte_branch_prediction.h>

#include <podswitch/worker.h>

/* Empty walks before the first sleep: a short gap between bursts is not idle. */
#define IDLE_SPIN_WALKS 64

static struct ps_worker *registry[PS_MAX_WORKERS];

void
ps_worker_register(struct ps_worker *w)
{
	if (w->idx < PS_MAX_WORKERS)
		registry[w->idx] = w;
}

struct ps_worker *
ps_worker_of_graph(const struct rte_graph *graph)
{
	unsigned int idx;

	if (sscanf(graph->name, "worker-%u", &idx) != 1 ||
	    idx >= PS_MAX_WORKERS)
		return NULL;
	return registry[idx];
}

void
ps_worker_attach(struct ps_worker *w)
{
	rte_rcu_qsbr_thread_register(w->qsv, w->idx);
	rte_rcu_qsbr_thread_online(w->qsv, w->idx);
}

void
ps_worker_detach(struct ps_worker *w)
{
	rte_rcu_qsbr_thread_offline(w->qsv, w->idx);
	rte_rcu_qsbr_thread_unregister(w->qsv, w->idx);
}

rte_graph_t
ps_worker_switch_graph(struct ps_worker *w, struct rte_graph *g,
		       rte_graph_t id)
{
	rte_graph_t old = w->graph_id;

	if (!w->running) {
		/* Nobody walks it (not launched, or a test polling from the
		 * calling thread between walks): switch here. */
		w->graph = g;
		w->graph_id = id;
		return old;
	}
	w->next_graph_id = id;
	__atomic_store_n(&w->next_graph, g, __ATOMIC_RELEASE);
	/* A sleeping worker wakes within idle_sleep_max_us. */
	while (__atomic_load_n(&w->next_graph, __ATOMIC_ACQUIRE) != NULL &&
	       w->running)
		rte_delay_us_sleep(20);
	if (__atomic_load_n(&w->next_graph, __ATOMIC_ACQUIRE) != NULL) {
		/* It stopped meanwhile without taking it. */
		w->graph = g;
		w->graph_id = id;
		w->next_graph = NULL;
	}
	return old;
}

unsigned int
ps_worker_poll(struct ps_worker *w)
{
	uint64_t before = w->rx_pkts;
	struct rte_graph *next = __atomic_load_n(&w->next_graph,
						 __ATOMIC_ACQUIRE);

	/* Between two walks nothing is in flight in the old graph: every
	 * stream was drained by the walk that ended. */
	if (unlikely(next != NULL)) {
		w->graph = next;
		w->graph_id = w->next_graph_id;
		__atomic_store_n(&w->next_graph, NULL, __ATOMIC_RELEASE);
	}

	rte_graph_walk(w->graph);
	/* Nothing read from a table survives past this point. */
	rte_rcu_qsbr_quiescent(w->qsv, w->idx);
	w->walks++;
	return (unsigned int)(w->rx_pkts - before);
}

static void
idle_backoff(struct ps_worker *w, unsigned int got)
{
	if (got != 0 || w->idle_sleep_max_us == 0) {
		w->idle_run = 0;
		w->sleep_us = 0;
		return;
	}
	w->idle_walks++;
	if (++w->idle_run < IDLE_SPIN_WALKS)
		return;
	/* Double the nap up to the bound; the first packet resets it. */
	w->sleep_us = w->sleep_us == 0 ? 1 : w->sleep_us * 2;
	if (w->sleep_us > w->idle_sleep_max_us)
		w->sleep_us = w->idle_sleep_max_us;
	/* Offline while asleep so writers need not wait for us. */
	rte_rcu_qsbr_thread_offline(w->qsv, w->idx);
	rte_delay_us_sleep(w->sleep_us);
	rte_rcu_qsbr_thread_online(w->qsv, w->idx);
	w->sleeps++;
}

int
ps_worker_main(void *arg)
{
	struct ps_worker *w = arg;
	uint64_t t = rte_rdtsc(), now;
	unsigned int got;

	ps_worker_attach(w);
	w->running = true;
	while (!*w->quit) {
		got = ps_worker_poll(w);
		idle_backoff(w, got);
		/* one TSC read a loop: this loop's end is the next's start */
		now = rte_rdtsc();
		if (got != 0)
			__atomic_store_n(&w->busy_cycles,
					 w->busy_cycles + (now - t),
					 __ATOMIC_RELAXED);
		else
			__atomic_store_n(&w->idle_cycles,
					 w->idle_cycles + (now - t),
					 __ATOMIC_RELAXED);
		t = now;
	}
	/* A pending switch is taken before we say we stopped. */
	ps_worker_poll(w);
	w->running = false;
	ps_worker_detach(w);
	return 0;
}
