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

#include <podswitch/fdb.h>
#include <podswitch/graph.h>
#include <podswitch/neighbor.h>
#include <podswitch/route.h>
#include <podswitch/stats.h>

#include "ps_build_config.h"
#include "rest_private.h"

#define MAX_NODES PS_STATS_MAX_NODES
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

static void
table_samples(FILE *f, const char *name, const char *const tables[],
	      const uint64_t values[], unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s{table=\"%s\"} %" PRIu64 "\n", name, tables[i],
			values[i]);
}

static void
tables(FILE *f, const struct ps_dataplane *dp)
{
	static const char *const names[] = { "fdb", "routes", "nexthops",
		"neighbors" };
	struct ps_fdb_stats fs;
	struct ps_route_stats rs;
	struct ps_neigh_stats ns;

	ps_fdb_stats(dp->fdb, &fs);
	ps_route_stats(dp->routes, &rs);
	ps_neigh_stats(dp->neighbors, &ns);

	family(f, "podswitch_table_entries", "gauge",
	       "Entries in use in the table.");
	table_samples(f, "podswitch_table_entries", names, (uint64_t[]){
		fs.entries, rs.routes, rs.nexthops, ns.entries }, 4);
	family(f, "podswitch_table_size", "gauge",
	       "Entries the table can hold.");
	table_samples(f, "podswitch_table_size", names, (uint64_t[]){
		fs.size, rs.max_routes, rs.max_nexthops, ns.size }, 4);
	family(f, "podswitch_table_full_total", "counter",
	       "New entries refused because the table was full.");
	table_samples(f, "podswitch_table_full_total",
		      (const char *const[]){ "fdb", "routes", "neighbors" },
		      (uint64_t[]){ fs.full, rs.full, ns.full }, 3);

	family(f, "podswitch_fdb_learned_total", "counter",
	       "MAC addresses learned.");
	fprintf(f, "podswitch_fdb_learned_total %" PRIu64 "\n", fs.learned);
	family(f, "podswitch_fdb_moved_total", "counter",
	       "Learned MAC addresses that moved to another port.");
	fprintf(f, "podswitch_fdb_moved_total %" PRIu64 "\n", fs.moved);
	family(f, "podswitch_fdb_aged_total", "counter",
	       "FDB entries removed by ageing.");
	fprintf(f, "podswitch_fdb_aged_total %" PRIu64 "\n", fs.aged);
	family(f, "podswitch_neighbor_solicits_total", "counter",
	       "ARP requests sent to resolve neighbors.");
	fprintf(f, "podswitch_neighbor_solicits_total %" PRIu64 "\n",
		ns.solicits);
	family(f, "podswitch_neighbor_failed_total", "counter",
	       "Neighbor resolutions that ran out of retries.");
	fprintf(f, "podswitch_neighbor_failed_total %" PRIu64 "\n", ns.failed);
	family(f, "podswitch_neighbor_hold_dropped_total", "counter",
	       "Packets dropped because a neighbor's hold queue was full.");
	fprintf(f, "podswitch_neighbor_hold_dropped_total %" PRIu64 "\n",
		ns.hold_dropped);
	family(f, "podswitch_route_generations_total", "counter",
	       "Whole route sets published (PUT /v1/routes).");
	fprintf(f, "podswitch_route_generations_total %" PRIu64 "\n",
		rs.generations);
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

void
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
	rest_vxlan_metrics(f, dp);
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
