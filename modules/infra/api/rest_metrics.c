/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /metrics: Prometheus text exposition format 0.0.4, built with the
 * writer of podswitch/prom.h so that a family several writers feed (the
 * server, every module's tables and metrics hooks, the extensions) is
 * written once, whole. Conventions: units in the names, _total on every
 * counter and on nothing else, and one meaning per label name:
 * graph_node (a graph node), port (a podswitch port), table, worker,
 * protocol, reason. Drop reasons that never fired are exported as 0 so
 * that rate() sees a series before its first drop.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/stats.h>
#include <podswitch/worker.h>

#include "ps_build_config.h"
#include "rest_private.h"

#define MAX_NODES PS_STATS_MAX_NODES
#define MAX_TABLES 32
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static void
one(struct ps_prom *p, const char *name, enum ps_prom_type type,
    const char *help, uint64_t v)
{
	ps_prom_add(ps_prom_family(p, name, type, help), v, NULL);
}

struct port_metric {
	const char *name;
	const char *help;
	size_t off;
};

#define PM(field, help) \
	{ "podswitch_port_" #field "_total", help, \
	  offsetof(struct rest_port_counters, c.field) }

static const struct port_metric port_metrics[] = {
	PM(rx_packets, "Packets received on the port."),
	PM(tx_packets, "Packets sent on the port."),
	PM(rx_bytes, "Bytes received on the port."),
	PM(tx_bytes, "Bytes sent on the port."),
	PM(rx_missed, "Packets the port dropped for lack of rx descriptors."),
	PM(rx_errors, "Erroneous packets received."),
	PM(tx_errors, "Packets the port failed to send."),
	PM(tx_dropped, "Packets dropped because the tx queue was full."),
	PM(rx_csum_completed, "Received frames whose partial L4 checksum "
	   "(left by the kernel) podswitch completed."),
	PM(rx_gso, "Received GSO frames (kernel TSO) cut into segments."),
};

static void
ports(struct ps_prom *p, const struct ps_dataplane *dp)
{
	/* the management thread's, like every handler's */
	static struct rest_port_counters pc[PS_MAX_PORTS];
	unsigned int i, m;

	for (i = 0; i < dp->nb_ports; i++)
		rest_port_counters(dp, i, &pc[i]);
	for (m = 0; m < RTE_DIM(port_metrics); m++) {
		struct ps_prom_family *f = ps_prom_family(p,
			port_metrics[m].name, PS_PROM_COUNTER,
			port_metrics[m].help);

		for (i = 0; i < dp->nb_ports; i++)
			ps_prom_add(f, *(const uint64_t *)((const char *)&pc[i] +
				    port_metrics[m].off), "port", pc[i].name,
				    "role", pc[i].role, NULL);
	}
}

static void
node_family(struct ps_prom *p, const struct ps_node_stats *st, int n,
	    const char *name, const char *help, size_t off)
{
	struct ps_prom_family *f = ps_prom_family(p, name, PS_PROM_COUNTER,
						  help);
	int i, nl, pid;
	const char *reason;

	for (i = 0; i < n; i++) {
		uint64_t v = *(const uint64_t *)((const char *)&st[i] + off);

		if (rest_drop_node(st[i].name, &nl, &reason))
			continue;
		/* a port's clone is named by its id: say which port */
		pid = ps_graph_node_port(st[i].name);
		if (pid >= 0)
			ps_prom_add(f, v, "graph_node", st[i].name, "port",
				    ps_ports[pid].name, NULL);
		else
			ps_prom_add(f, v, "graph_node", st[i].name, NULL);
	}
}

static void
drops(struct ps_prom *p, const struct ps_node_stats *st, int n)
{
	struct ps_prom_family *f = ps_prom_family(p, "podswitch_drops_total",
		PS_PROM_COUNTER, "Packets dropped, by graph node and reason.");
	char node[RTE_NODE_NAMESIZE];
	const char *reason;
	int i, nl;

	for (i = 0; i < n; i++) {
		if (!rest_drop_node(st[i].name, &nl, &reason))
			continue;
		snprintf(node, sizeof(node), "%.*s", nl, st[i].name);
		ps_prom_add(f, st[i].objs, "graph_node", node, "reason",
			    reason, NULL);
	}
}

static void
nodes(struct ps_prom *p)
{
	static struct ps_node_stats st[MAX_NODES];
	int n = ps_stats_nodes(st, RTE_DIM(st));

	if (n < 0)
		n = 0;
	node_family(p, st, n, "podswitch_graph_node_packets_total",
		    "Packets processed by the graph node, all workers.",
		    offsetof(struct ps_node_stats, objs));
	node_family(p, st, n, "podswitch_graph_node_calls_total",
		    "Calls of the graph node, all workers.",
		    offsetof(struct ps_node_stats, calls));
	node_family(p, st, n, "podswitch_graph_node_cycles_total",
		    "TSC cycles spent in the graph node, all workers.",
		    offsetof(struct ps_node_stats, cycles));
	node_family(p, st, n, "podswitch_graph_node_idle_calls_total",
		    "Calls of a source node that brought no packet (in "
		    "calls too).", offsetof(struct ps_node_stats, idle_calls));
	node_family(p, st, n, "podswitch_graph_node_idle_cycles_total",
		    "TSC cycles of those calls (in cycles too).",
		    offsetof(struct ps_node_stats, idle_cycles));
	drops(p, st, n);
}

/* The modules' tables, gathered first: gauges by table, then the
 * counters they name. */
struct tables {
	struct ps_table_stats t[MAX_TABLES];
	unsigned int n;
};

static void
table_collect(const struct ps_table_stats *t, void *arg)
{
	struct tables *ts = arg;

	if (ts->n < MAX_TABLES)
		ts->t[ts->n++] = *t;
}

static void
tables(struct ps_prom *p, const struct ps_dataplane *dp)
{
	static struct tables ts;
	struct ps_prom_family *ent, *size;
	unsigned int i, k;

	ts.n = 0;
	ps_modules_tables(dp, table_collect, &ts);
	ent = ps_prom_family(p, "podswitch_table_entries", PS_PROM_GAUGE,
			     "Entries in use in the table.");
	size = ps_prom_family(p, "podswitch_table_size", PS_PROM_GAUGE,
			      "Entries the table can hold (its limit).");
	for (i = 0; i < ts.n; i++) {
		if (!(ts.t[i].show & PS_TABLE_METRICS))
			continue;
		ps_prom_add(ent, ts.t[i].entries, "table", ts.t[i].name, NULL);
		ps_prom_add(size, ts.t[i].size, "table", ts.t[i].name, NULL);
	}
	for (i = 0; i < ts.n; i++)
		for (k = 0; k < ts.t[i].nb; k++) {
			const struct ps_table_counter *c = &ts.t[i].c[k];
			struct ps_prom_family *f;

			if (c->metric == NULL)
				continue;
			f = ps_prom_family(p, c->metric, PS_PROM_COUNTER,
					   c->help);
			if (c->by_table)
				ps_prom_add(f, c->value, "table", ts.t[i].name,
					    NULL);
			else
				ps_prom_add(f, c->value, NULL);
		}
}

static void
mbufs(struct ps_prom *p, const struct ps_dataplane *dp)
{
	struct ps_mbuf_stats ms;

	ps_stats_mbufs(dp, &ms);
	one(p, "podswitch_mbuf_pool_size", PS_PROM_GAUGE,
	    "Packet buffers (mbufs) the pool holds.", ms.size);
	one(p, "podswitch_mbuf_pool_in_use", PS_PROM_GAUGE,
	    "Packet buffers out of the pool: in port descriptors, in "
	    "flight, queued, or leaked.", ms.in_use);
	one(p, "podswitch_mbuf_pool_available", PS_PROM_GAUGE,
	    "Packet buffers free in the pool (per-lcore caches included).",
	    ms.size - RTE_MIN(ms.in_use, ms.size));
}

static void
workers(struct ps_prom *p, const struct ps_dataplane *dp)
{
	struct ps_prom_family *busy, *idle, *walks;
	char id[16], lc[16];
	unsigned int i;

	one(p, "podswitch_workers", PS_PROM_GAUGE, "Worker lcores.",
	    dp->nb_workers);
	one(p, "podswitch_tsc_frequency_hertz", PS_PROM_GAUGE,
	    "TSC cycles per second: a cycles_total over this is seconds.",
	    rte_get_tsc_hz());
	busy = ps_prom_family(p, "podswitch_worker_busy_cycles_total",
			      PS_PROM_COUNTER, "TSC cycles of the worker's "
			      "loops that brought packets.");
	idle = ps_prom_family(p, "podswitch_worker_idle_cycles_total",
			      PS_PROM_COUNTER, "TSC cycles of the worker's "
			      "empty loops, naps included.");
	walks = ps_prom_family(p, "podswitch_worker_graph_walks_total",
			       PS_PROM_COUNTER, "Walks of the worker's graph.");
	for (i = 0; i < dp->nb_workers; i++) {
		const struct ps_worker *w = &dp->workers[i];

		snprintf(id, sizeof(id), "%u", i);
		snprintf(lc, sizeof(lc), "%u", w->lcore_id);
		ps_prom_add(busy, __atomic_load_n(&w->busy_cycles,
			    __ATOMIC_RELAXED), "worker", id, "lcore", lc, NULL);
		ps_prom_add(idle, __atomic_load_n(&w->idle_cycles,
			    __ATOMIC_RELAXED), "worker", id, "lcore", lc, NULL);
		ps_prom_add(walks, w->walks, "worker", id, "lcore", lc, NULL);
	}
}

static void
server(struct ps_prom *p, struct ps_rest *r)
{
	struct ps_http_server_stats hs;

	rest_router_metrics(p);
	ps_http_server_stats(r->srv, &hs);
	one(p, "podswitch_api_connections", PS_PROM_GAUGE,
	    "Open REST API connections.", hs.connections_open);
	one(p, "podswitch_api_refused_requests_total", PS_PROM_COUNTER,
	    "Requests the HTTP server refused before any route (malformed, "
	    "unauthorized, too slow or too large, too many clients).",
	    hs.bad_request + hs.unauthorized + hs.timeouts + hs.too_large +
	    hs.header_too_large + hs.refused + hs.unsupported);
}

/*
 * The whole exposition; ps_prom_errors() says what a writer got wrong
 * (a family refused by the conventions is missing, never malformed).
 */
static struct ps_prom *
rest_metrics_build(struct ps_rest *r)
{
	const struct ps_dataplane *dp = r->dp;
	struct ps_prom *p = ps_prom_create();
	const struct rest_ext *e;

	if (p == NULL)
		return NULL;
	ps_prom_add(ps_prom_family(p, "podswitch_info", PS_PROM_GAUGE,
				   "Version and Kubernetes node of this "
				   "podswitch; always 1."),
		    1, "version", PS_VERSION, "node", dp->cfg->node_name, NULL);
	one(p, "podswitch_uptime_seconds", PS_PROM_GAUGE,
	    "Seconds since the dataplane started.", ps_dataplane_now(dp));
	workers(p, dp);
	ports(p, dp);
	nodes(p);
	tables(p, dp);
	mbufs(p, dp);
	ps_modules_metrics(dp, p);
	for (e = rest_ext_next(NULL); e != NULL; e = rest_ext_next(e))
		if (e->metrics != NULL)
			e->metrics(dp, p);
	server(p, r);
	return p;
}

static void
rest_metrics_get(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	static unsigned int errors_logged;
	struct ps_prom *p = rest_metrics_build(r);
	const char *why;
	unsigned int errs;
	char *buf = NULL;
	size_t len = 0;

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	if (p != NULL)
		buf = ps_prom_text(p, &len);
	if (buf == NULL) {
		ps_prom_free(p);
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	errs = ps_prom_errors(p, &why);
	/* a build bug, not the scraper's: said once, the rest is served */
	if (errs != 0 && errors_logged++ == 0)
		REST_LOG(ERR, "metrics: %u families or samples left out, "
			 "first: %s\n", errs, why);
	ps_prom_free(p);
	ps_http_response_body_take(resp, buf, len);
	strcpy(resp->content_type, CONTENT_TYPE);
}

PS_REST_ROUTE("GET", "/metrics", rest_metrics_get);
