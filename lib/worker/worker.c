/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_graph_worker.h>
#include <rte_lcore.h>

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

unsigned int
ps_worker_poll(struct ps_worker *w)
{
	uint64_t before = w->rx_pkts;

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

	ps_worker_attach(w);
	while (!*w->quit)
		idle_backoff(w, ps_worker_poll(w));
	ps_worker_detach(w);
	return 0;
}
