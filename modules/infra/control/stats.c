/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_graph.h>
#include <rte_spinlock.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/stats.h>

#include "node_private.h"
#include "stats_private.h"

struct collect {
	struct ps_node_stats *out;
	unsigned int max;
	unsigned int n;
};

/*
 * Counters of graphs replaced when ports came or went, by node name, so
 * that totals never go backwards. Written by the management thread,
 * read by whoever prints; never on the fast path.
 */
#define MAX_RETIRED PS_STATS_MAX_NODES
static struct ps_node_stats retired[MAX_RETIRED];
static unsigned int nb_retired;
static rte_spinlock_t retired_lock = RTE_SPINLOCK_INITIALIZER;

static struct ps_node_stats *
retired_slot(const char *name, bool add)
{
	unsigned int i;

	for (i = 0; i < nb_retired; i++)
		if (strcmp(retired[i].name, name) == 0)
			return &retired[i];
	if (!add || nb_retired == MAX_RETIRED)
		return NULL;
	memset(&retired[nb_retired], 0, sizeof(retired[0]));
	snprintf(retired[nb_retired].name, sizeof(retired[0].name), "%s", name);
	return &retired[nb_retired++];
}

static int
retire_cb(bool is_first, bool is_last, void *cookie,
	  const struct rte_graph_cluster_node_stats *st)
{
	struct ps_node_stats *r;

	RTE_SET_USED(is_first);
	RTE_SET_USED(is_last);
	RTE_SET_USED(cookie);
	r = retired_slot(st->name, true);
	if (r != NULL) {
		r->calls += st->calls;
		r->objs += st->objs;
		r->cycles += st->cycles;
	}
	return 0;
}

void
ps_stats_retire_graph(const char *graph_name)
{
	struct rte_graph_cluster_stats_param p = {
		.socket_id = SOCKET_ID_ANY,
		.fn = retire_cb,
		.nb_graph_patterns = 1,
		.graph_patterns = &graph_name,
	};
	struct rte_graph_cluster_stats *cs;

	if (graph_name == NULL)
		return;
	rte_spinlock_lock(&retired_lock);
	cs = rte_graph_cluster_stats_create(&p);
	if (cs != NULL) {
		rte_graph_cluster_stats_get(cs, false);
		rte_graph_cluster_stats_destroy(cs);
	}
	rte_spinlock_unlock(&retired_lock);
}

bool
stats_port_clone(const char *name, uint16_t port_id)
{
	char tx[RTE_NODE_NAMESIZE], rx[RTE_NODE_NAMESIZE];
	size_t rxlen;

	snprintf(tx, sizeof(tx), "port_tx-p%u", port_id);
	rxlen = (size_t)snprintf(rx, sizeof(rx), "port_rx-p%u-", port_id);
	return strcmp(name, tx) == 0 || strncmp(name, rx, rxlen) == 0;
}

/*
 * A clone of a port that is gone: rte_graph keeps it (nodes cannot be
 * removed, and edges to its port_tx stay), but nothing reaches it any
 * more and the port it was for is no longer there to name.
 */
static bool
gone_port_clone(const char *name)
{
	return (strncmp(name, "port_rx-p", 9) == 0 ||
		strncmp(name, "port_tx-p", 9) == 0) &&
	       ps_graph_node_port(name) < 0;
}

void
ps_stats_forget_port(uint16_t port_id)
{
	unsigned int i, k, w;
	rte_node_t id;

	rte_spinlock_lock(&retired_lock);
	for (i = 0, k = 0; i < nb_retired; i++)
		if (!stats_port_clone(retired[i].name, port_id))
			retired[k++] = retired[i];
	nb_retired = k;
	/* no graph polls its rx clones any more: their rows are still */
	for (id = 0; id < PS_MAX_NODES; id++) {
		const char *name = rte_node_id_to_name(id);

		if (name == NULL)
			break;
		if (!ps_node_source[id] || !stats_port_clone(name, port_id))
			continue;
		for (w = 0; w < PS_MAX_WORKERS; w++)
			memset(&ps_src_busy[w][id], 0,
			       sizeof(ps_src_busy[w][id]));
	}
	rte_spinlock_unlock(&retired_lock);
	stats_reset_forget_port(port_id);
}

static int
collect_cb(bool is_first, bool is_last, void *cookie,
	   const struct rte_graph_cluster_node_stats *st)
{
	struct collect *c = cookie;

	RTE_SET_USED(is_first);
	RTE_SET_USED(is_last);
	if (c->n < c->max && !gone_port_clone(st->name)) {
		struct ps_node_stats *o = &c->out[c->n++];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", st->name);
		o->id = st->id;
		o->calls = st->calls;
		o->objs = st->objs;
		o->cycles = st->cycles;
	}
	return 0;
}

/*
 * What of a source node's calls and cycles went to empty polls: all but
 * the calls that brought packets, which it counted itself per worker
 * (node_private.h). Its own count is read after the graph's, and a call
 * under way may be in it already: never below zero.
 */
static void
idle_split(struct ps_node_stats *o)
{
	uint64_t calls = 0, cycles = 0;
	unsigned int w;

	if (o->id >= PS_MAX_NODES || !ps_node_source[o->id])
		return;
	for (w = 0; w < PS_MAX_WORKERS; w++) {
		calls += __atomic_load_n(&ps_src_busy[w][o->id].calls,
					 __ATOMIC_RELAXED);
		cycles += __atomic_load_n(&ps_src_busy[w][o->id].cycles,
					  __ATOMIC_RELAXED);
	}
	o->idle_calls = o->calls > calls ? o->calls - calls : 0;
	o->idle_cycles = o->cycles > cycles ? o->cycles - cycles : 0;
}

int
ps_stats_nodes(struct ps_node_stats *out, unsigned int max)
{
	const char *pattern = "worker-*";
	struct collect c = { .out = out, .max = max };
	struct rte_graph_cluster_stats_param p = {
		.socket_id = SOCKET_ID_ANY,
		.fn = collect_cb,
		.cookie = &c,
		.nb_graph_patterns = 1,
		.graph_patterns = &pattern,
	};
	struct rte_graph_cluster_stats *cs;

	unsigned int i, j, live;

	rte_spinlock_lock(&retired_lock);
	cs = rte_graph_cluster_stats_create(&p);
	if (cs == NULL) {
		rte_spinlock_unlock(&retired_lock);
		return -ENOENT;
	}
	rte_graph_cluster_stats_get(cs, false);
	rte_graph_cluster_stats_destroy(cs);
	/* Add what replaced graphs counted; nodes only they had come last. */
	live = c.n;
	for (i = 0; i < nb_retired; i++) {
		if (gone_port_clone(retired[i].name))
			continue;
		for (j = 0; j < live; j++)
			if (strcmp(out[j].name, retired[i].name) == 0)
				break;
		if (j == live && c.n < max) {
			out[c.n] = retired[i];
			out[c.n++].id = rte_node_from_name(retired[i].name);
		} else if (j < live) {
			out[j].calls += retired[i].calls;
			out[j].objs += retired[i].objs;
			out[j].cycles += retired[i].cycles;
		}
	}
	for (i = 0; i < c.n; i++)
		idle_split(&out[i]);
	rte_spinlock_unlock(&retired_lock);
	return (int)c.n;
}

uint64_t
ps_stats_drops(const char *node, const char *reason)
{
	struct ps_node_stats *st = calloc(PS_STATS_MAX_NODES, sizeof(*st));
	char name[RTE_NODE_NAMESIZE];
	uint64_t objs = 0;
	int i, n;

	if (st == NULL)
		return 0;
	n = ps_stats_nodes(st, PS_STATS_MAX_NODES);
	snprintf(name, sizeof(name), "%s" PS_DROP_INFIX "%s", node, reason);
	for (i = 0; i < n; i++)
		if (strcmp(st[i].name, name) == 0)
			objs = st[i].objs;
	free(st);
	return objs;
}

void
ps_stats_mbufs(const struct ps_dataplane *dp, struct ps_mbuf_stats *out)
{
	out->size = dp->pool != NULL ? dp->pool->size : 0;
	out->in_use = dp->pool != NULL ?
		rte_mempool_in_use_count(dp->pool) : 0;
}
