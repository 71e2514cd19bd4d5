/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_graph.h>
#include <rte_spinlock.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/port.h>
#include <podswitch/stats.h>

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

void
ps_stats_forget_port(uint16_t port_id)
{
	char tx[RTE_NODE_NAMESIZE], rx[RTE_NODE_NAMESIZE];
	size_t rxlen;
	unsigned int i, k;

	snprintf(tx, sizeof(tx), "port_tx-p%u", port_id);
	rxlen = (size_t)snprintf(rx, sizeof(rx), "port_rx-p%u-", port_id);
	rte_spinlock_lock(&retired_lock);
	for (i = 0, k = 0; i < nb_retired; i++)
		if (strcmp(retired[i].name, tx) != 0 &&
		    strncmp(retired[i].name, rx, rxlen) != 0)
			retired[k++] = retired[i];
	nb_retired = k;
	rte_spinlock_unlock(&retired_lock);
}

static int
collect_cb(bool is_first, bool is_last, void *cookie,
	   const struct rte_graph_cluster_node_stats *st)
{
	struct collect *c = cookie;

	RTE_SET_USED(is_first);
	RTE_SET_USED(is_last);
	if (c->n < c->max) {
		struct ps_node_stats *o = &c->out[c->n++];

		snprintf(o->name, sizeof(o->name), "%s", st->name);
		o->calls = st->calls;
		o->objs = st->objs;
		o->cycles = st->cycles;
	}
	return 0;
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
		for (j = 0; j < live; j++)
			if (strcmp(out[j].name, retired[i].name) == 0)
				break;
		if (j == live && c.n < max)
			out[c.n++] = retired[i];
		else if (j < live) {
			out[j].calls += retired[i].calls;
			out[j].objs += retired[i].objs;
			out[j].cycles += retired[i].cycles;
		}
	}
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

static void
print_ports(FILE *f, const struct ps_dataplane *dp)
{
	unsigned int i;

	fprintf(f, "%-12s %-7s %14s %14s %10s %10s %10s\n", "port", "role",
		"rx-packets", "tx-packets", "rx-missed", "rx-errors", "tx-dropped");
	for (i = 0; i < dp->nb_ports; i++) {
		const struct ps_port *p = &ps_ports[dp->port_ids[i]];
		struct ps_port_stats st;

		ps_port_stats_get(dp->port_ids[i], &st);
		fprintf(f, "%-12s %-7s %14" PRIu64 " %14" PRIu64 " %10" PRIu64
			" %10" PRIu64 " %10" PRIu64 "\n", p->name,
			ps_port_role_name(p->role), st.rx_packets, st.tx_packets,
			st.rx_missed, st.rx_errors, st.tx_dropped + st.tx_errors);
	}
}

void
ps_stats_print(FILE *f, const struct ps_dataplane *dp)
{
	struct ps_node_stats *st = calloc(PS_STATS_MAX_NODES, sizeof(*st));
	struct ps_fdb_stats fs;
	struct ps_mbuf_stats ms;
	int i, n;

	fprintf(f, "--- podswitch counters ---\n");
	print_ports(f, dp);
	ps_stats_mbufs(dp, &ms);
	fprintf(f, "\nmbufs: %u in use of %u\n", ms.in_use, ms.size);

	n = st == NULL ? 0 : ps_stats_nodes(st, PS_STATS_MAX_NODES);
	/* Source nodes are called on every walk, packets or not: their
	 * cycles/call says more than cycles/packet. */
	fprintf(f, "\n%-28s %14s %12s %12s %12s\n", "node", "packets", "calls",
		"cycles/call", "cycles/pkt");
	for (i = 0; i < n; i++) {
		if (strstr(st[i].name, PS_DROP_INFIX) != NULL)
			continue;
		int pid = ps_graph_node_port(st[i].name);
		char shown[RTE_NODE_NAMESIZE + PS_NAME_MAX + 4];

		/* a port's clone is named by its id: show the port's name */
		if (pid >= 0)
			snprintf(shown, sizeof(shown), "%s (%s)", st[i].name,
				 ps_ports[pid].name);
		else
			snprintf(shown, sizeof(shown), "%s", st[i].name);
		fprintf(f, "%-28s %14" PRIu64 " %12" PRIu64 " %12.1f %12.1f\n",
			shown, st[i].objs, st[i].calls,
			st[i].calls ? (double)st[i].cycles / st[i].calls : 0.0,
			st[i].objs ? (double)st[i].cycles / st[i].objs : 0.0);
	}
	fprintf(f, "\n%-28s %-20s %14s\n", "drops: node", "reason", "packets");
	for (i = 0; i < n; i++) {
		const char *d = strstr(st[i].name, PS_DROP_INFIX);

		if (d == NULL || st[i].objs == 0)
			continue;
		fprintf(f, "%-28.*s %-20s %14" PRIu64 "\n",
			(int)(d - st[i].name), st[i].name,
			d + strlen(PS_DROP_INFIX), st[i].objs);
	}
	free(st);
	if (dp->fdb != NULL) {
		ps_fdb_stats(dp->fdb, &fs);
		fprintf(f, "\nfdb: %u/%u entries, learned %" PRIu64 ", moved %"
			PRIu64 ", aged %" PRIu64 ", refused (full) %" PRIu64
			", static moves refused %" PRIu64 ", learn queue full %"
			PRIu64 "\n", fs.entries, fs.size, fs.learned, fs.moved,
			fs.aged, fs.full, fs.static_move_refused,
			fs.learn_queue_full);
	}
	fflush(f);
}
