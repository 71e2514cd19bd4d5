/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /metrics: Prometheus text exposition format 0.0.4. Each family is
 * written whole (HELP, TYPE, then all its samples), as the format wants;
 * drop reasons that never fired are exported as 0 so that rate() sees a
 * series before its first drop.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/stats.h>

#include "ps_build_config.h"
#include "rest_private.h"

#define MAX_NODES PS_STATS_MAX_NODES
#define MAX_TABLES 32
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A label value: backslash, double quote and newline are escaped. */
static void
label(FILE *f, const char *s, int len)
{
	int i;

	for (i = 0; (len < 0 || i < len) && s[i] != '\0'; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] == '\n')
			fputs("\\n", f);
		else
			fputc(s[i], f);
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
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
ports(FILE *f, const struct ps_dataplane *dp)
{
	/* the management thread's, like every handler's */
	static struct rest_port_counters pc[PS_MAX_PORTS];
	unsigned int i, m;

	for (i = 0; i < dp->nb_ports; i++)
		rest_port_counters(dp, i, &pc[i]);
	for (m = 0; m < RTE_DIM(port_metrics); m++) {
		family(f, port_metrics[m].name, "counter", port_metrics[m].help);
		for (i = 0; i < dp->nb_ports; i++) {
			fprintf(f, "%s{port=\"", port_metrics[m].name);
			label(f, pc[i].name, -1);
			fprintf(f, "\",role=\"%s\"} %" PRIu64 "\n", pc[i].role,
				*(const uint64_t *)((const char *)&pc[i] +
						    port_metrics[m].off));
		}
	}
}

static void
node_family(FILE *f, const struct ps_node_stats *st, int n, const char *name,
	    const char *help, size_t off)
{
	int i, nl, pid;
	const char *reason;

	family(f, name, "counter", help);
	for (i = 0; i < n; i++) {
		if (rest_drop_node(st[i].name, &nl, &reason))
			continue;
		fprintf(f, "%s{node=\"", name);
		label(f, st[i].name, -1);
		/* a port's clone is named by its id: say which port */
		pid = ps_graph_node_port(st[i].name);
		if (pid >= 0) {
			fputs("\",port=\"", f);
			label(f, ps_ports[pid].name, -1);
		}
		fprintf(f, "\"} %" PRIu64 "\n",
			*(const uint64_t *)((const char *)&st[i] + off));
	}
}

static void
nodes(FILE *f)
{
	static struct ps_node_stats st[MAX_NODES];
	int i, nl, n = ps_stats_nodes(st, RTE_DIM(st));
	const char *reason;

	if (n < 0)
		n = 0;
	node_family(f, st, n, "podswitch_node_packets_total",
		    "Packets processed by the graph node, all workers.",
		    offsetof(struct ps_node_stats, objs));
	node_family(f, st, n, "podswitch_node_calls_total",
		    "Calls of the graph node, all workers.",
		    offsetof(struct ps_node_stats, calls));
	node_family(f, st, n, "podswitch_node_cycles_total",
		    "TSC cycles spent in the graph node, all workers.",
		    offsetof(struct ps_node_stats, cycles));
	node_family(f, st, n, "podswitch_node_idle_calls_total",
		    "Calls of a source node that brought no packet (in "
		    "calls too).", offsetof(struct ps_node_stats, idle_calls));
	node_family(f, st, n, "podswitch_node_idle_cycles_total",
		    "TSC cycles of those calls (in cycles too).",
		    offsetof(struct ps_node_stats, idle_cycles));
	family(f, "podswitch_drops_total", "counter",
	       "Packets dropped, by graph node and reason.");
	for (i = 0; i < n; i++) {
		if (!rest_drop_node(st[i].name, &nl, &reason))
			continue;
		fputs("podswitch_drops_total{node=\"", f);
		label(f, st[i].name, nl);
		fputs("\",reason=\"", f);
		label(f, reason, -1);
		fprintf(f, "\"} %" PRIu64 "\n", st[i].objs);
	}
}

/* The modules' tables, gathered first: a family is written whole. */
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
table_gauge(FILE *f, const struct tables *ts, const char *name,
	    const char *help, bool size)
{
	unsigned int i;

	family(f, name, "gauge", help);
	for (i = 0; i < ts->n; i++)
		if (ts->t[i].show & PS_TABLE_METRICS)
			fprintf(f, "%s{table=\"%s\"} %" PRIu64 "\n", name,
				ts->t[i].name, size ? ts->t[i].size :
				ts->t[i].entries);
}

/* Whether counter k of table i is the first of its family. */
static bool
family_first(const struct tables *ts, unsigned int i, unsigned int k)
{
	const char *m = ts->t[i].c[k].metric;
	unsigned int a, b;

	for (a = 0; a <= i; a++)
		for (b = 0; b < (a == i ? k : ts->t[a].nb); b++)
			if (ts->t[a].c[b].metric != NULL &&
			    strcmp(ts->t[a].c[b].metric, m) == 0)
				return false;
	return true;
}

/* Every sample of the counter family of ts->t[i].c[k]. */
static void
counter_family(FILE *f, const struct tables *ts, unsigned int i,
	       unsigned int k)
{
	const struct ps_table_counter *first = &ts->t[i].c[k];
	unsigned int a, b;

	family(f, first->metric, "counter", first->help);
	for (a = i; a < ts->n; a++)
		for (b = 0; b < ts->t[a].nb; b++) {
			const struct ps_table_counter *c = &ts->t[a].c[b];

			if (c->metric == NULL ||
			    strcmp(c->metric, first->metric) != 0)
				continue;
			if (c->by_table)
				fprintf(f, "%s{table=\"%s\"} %" PRIu64 "\n",
					c->metric, ts->t[a].name, c->value);
			else
				fprintf(f, "%s %" PRIu64 "\n", c->metric,
					c->value);
		}
}

/*
 * Use of the tables (gauges by table), then the counters the modules
 * export: first the families shared by tables (full), then each table's
 * own, in module order.
 */
static void
tables(FILE *f, const struct ps_dataplane *dp)
{
	static struct tables ts;
	unsigned int i, k, pass;

	ts.n = 0;
	ps_modules_tables(dp, table_collect, &ts);
	table_gauge(f, &ts, "podswitch_table_entries",
		    "Entries in use in the table.", false);
	table_gauge(f, &ts, "podswitch_table_size",
		    "Entries the table can hold.", true);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ts.n; i++)
			for (k = 0; k < ts.t[i].nb; k++)
				if (ts.t[i].c[k].metric != NULL &&
				    ts.t[i].c[k].by_table == (pass == 0) &&
				    family_first(&ts, i, k))
					counter_family(f, &ts, i, k);
}

/* What the modules add beside the tables (VXLAN tunnels). */
static void
exts_metrics(FILE *f, const struct ps_dataplane *dp)
{
	const struct rest_ext *e;

	for (e = rest_ext_next(NULL); e != NULL; e = rest_ext_next(e))
		if (e->metrics != NULL)
			e->metrics(f, dp);
}

static void
mbufs(FILE *f, const struct ps_dataplane *dp)
{
	struct ps_mbuf_stats ms;

	ps_stats_mbufs(dp, &ms);
	family(f, "podswitch_mbuf_pool_size", "gauge",
	       "Packet buffers (mbufs) the pool holds.");
	fprintf(f, "podswitch_mbuf_pool_size %u\n", ms.size);
	family(f, "podswitch_mbuf_pool_in_use", "gauge",
	       "Packet buffers out of the pool: in port descriptors, in "
	       "flight, queued, or leaked.");
	fprintf(f, "podswitch_mbuf_pool_in_use %u\n", ms.in_use);
}

static void
rest_metrics_get(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	const struct ps_dataplane *dp = r->dp;
	struct ps_http_server_stats hs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	if (f == NULL) {
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	family(f, "podswitch_info", "gauge",
	       "Version and node of this podswitch; always 1.");
	fprintf(f, "podswitch_info{version=\"%s\",node=\"", PS_VERSION);
	label(f, dp->cfg->node_name, -1);
	fputs("\"} 1\n", f);
	family(f, "podswitch_uptime_seconds", "gauge",
	       "Seconds since the dataplane started.");
	fprintf(f, "podswitch_uptime_seconds %u\n", ps_dataplane_now(dp));
	family(f, "podswitch_workers", "gauge", "Worker lcores.");
	fprintf(f, "podswitch_workers %u\n", dp->nb_workers);
	ports(f, dp);
	nodes(f);
	tables(f, dp);
	mbufs(f, dp);
	exts_metrics(f, dp);
	ps_http_server_stats(r->srv, &hs);
	family(f, "podswitch_api_requests_total", "counter",
	       "REST API requests handled.");
	fprintf(f, "podswitch_api_requests_total %" PRIu64 "\n", hs.requests);
	family(f, "podswitch_api_connections", "gauge",
	       "Open REST API connections.");
	fprintf(f, "podswitch_api_connections %u\n", hs.connections_open);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	ps_http_response_body_take(resp, buf, len);
	strcpy(resp->content_type, CONTENT_TYPE);
}

PS_REST_ROUTE("GET", "/metrics", rest_metrics_get);
