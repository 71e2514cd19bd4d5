/* SPDX-License-Identifier: BSD-3-Clause */
/* GET /v1/status (what runs), GET /v1/stats (what it counted) and
 * POST /v1/stats/reset. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_graph_worker.h>
#include <rte_lcore.h>

#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/port.h>
#include <podswitch/stats.h>
#include <podswitch/worker.h>

#include "ps_build_config.h"
#include "rest_private.h"

#define MAX_NODES PS_STATS_MAX_NODES

void
rest_port_counters(const struct ps_dataplane *dp, unsigned int idx,
		   struct rest_port_counters *pc)
{
	const struct ps_port_config *c = &dp->ports[idx];

	pc->name = c->name;
	pc->role = ps_port_role_name(c->role);
	pc->driver = c->driver;
	ps_port_stats_get(dp->port_ids[idx], &pc->c);
}

bool
rest_drop_node(const char *name, int *node_len, const char **reason)
{
	const char *d = strstr(name, PS_DROP_INFIX);

	if (d == NULL)
		return false;
	*node_len = (int)(d - name);
	*reason = d + strlen(PS_DROP_INFIX);
	return true;
}

static void
table_use(const struct ps_table_stats *t, void *arg)
{
	if (t->show & PS_TABLE_STATUS)
		json_object_set_new(arg, t->name, json_pack("{s:I, s:I}",
			"entries", (json_int_t)t->entries,
			"size", (json_int_t)t->size));
}

/* Entries and size of every table of every module. */
static json_t *
tables_use(const struct ps_dataplane *dp)
{
	json_t *t = json_object();

	ps_modules_tables(dp, table_use, t);
	return t;
}

static json_t *
node_json(const struct ps_config *cfg)
{
	char ip[PS_PREFIX4_STRLEN], pod[PS_PREFIX4_STRLEN];
	char cl[PS_PREFIX4_STRLEN], svc[PS_PREFIX4_STRLEN];
	json_t *j;

	ps_prefix4_fmt(ip, &cfg->node_ip);
	ps_prefix4_fmt(pod, &cfg->pod_cidr);
	ps_prefix4_fmt(cl, &cfg->cluster_cidr);
	ps_prefix4_fmt(svc, &cfg->service_cidr);
	j = json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:s}",
		      "name", cfg->node_name, "ip", ip,
		      "mac", rest_json_mac(&cfg->node_mac), "pod_cidr", pod,
		      "gateway_ip", rest_json_ip(cfg->gateway_ip),
		      "cluster_cidr", cl, "service_cidr", svc,
		      "overlay", cfg->overlay_mode == PS_OVERLAY_VXLAN ?
		      "vxlan" : "host-gw");
	return j;
}

/*
 * Which worker polls which rx queue, with the packets the queue gave that
 * worker (its port_rx clone's counter in the worker's graph, so any port
 * backend): where the two directions of a connection were handled.
 */
static json_t *
rx_queues_json(const struct ps_dataplane *dp)
{
	json_t *arr = json_array();
	unsigned int i, k;

	for (i = 0; i < dp->nb_workers; i++) {
		const struct ps_worker *w = &dp->workers[i];
		const char *gname = w->graph != NULL ? w->graph->name : NULL;

		for (k = 0; k < w->nb_rxq; k++) {
			uint16_t pid = w->rxq[k].port_id, q = w->rxq[k].queue_id;
			char clone[RTE_NODE_NAMESIZE];
			struct rte_node *n = NULL;

			snprintf(clone, sizeof(clone), "port_rx-p%u-q%u", pid, q);
			if (gname != NULL)
				n = rte_graph_node_get_by_name(gname, clone);
			json_array_append_new(arr, json_pack("{s:i, s:s, s:i, s:I}",
				"worker", (int)i, "port", ps_ports[pid].name,
				"queue", (int)q, "packets", (json_int_t)(
				n != NULL ? n->total_objs : 0)));
		}
	}
	return arr;
}

static void
rest_status_get(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	const struct ps_dataplane *dp = r->dp;
	json_t *lcores = json_array(), *cpus = json_array();
	json_t *ports = json_array(), *j;
	unsigned int i;

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	for (i = 0; i < dp->nb_workers; i++) {
		json_array_append_new(lcores,
				      json_integer(dp->workers[i].lcore_id));
		json_array_append_new(cpus, json_integer(rte_lcore_to_cpu_id(
			(int)dp->workers[i].lcore_id)));
	}
	for (i = 0; i < dp->nb_ports; i++)
		json_array_append_new(ports, rest_port_json(dp, i, false));
	j = json_pack("{s:s, s:o, s:I, s:{s:i, s:o, s:o, s:o}, s:o, s:o}",
		      "version", PS_VERSION, "node", node_json(dp->cfg),
		      "uptime_s", (json_int_t)ps_dataplane_now(dp),
		      "workers", "count", (int)dp->nb_workers,
		      "lcores", lcores, "cpus", cpus,
		      "rx_queues", rx_queues_json(dp),
		      "ports", ports, "tables", tables_use(dp));
	rest_reply(resp, 200, j);
}

json_t *
rest_port_counters_json(const struct rest_port_counters *pc)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "rx_packets", (json_int_t)pc->c.rx_packets,
			 "tx_packets", (json_int_t)pc->c.tx_packets,
			 "rx_bytes", (json_int_t)pc->c.rx_bytes,
			 "tx_bytes", (json_int_t)pc->c.tx_bytes,
			 "rx_missed", (json_int_t)pc->c.rx_missed,
			 "rx_errors", (json_int_t)pc->c.rx_errors,
			 "tx_errors", (json_int_t)pc->c.tx_errors,
			 "tx_dropped", (json_int_t)pc->c.tx_dropped,
			 "rx_csum_completed",
			 (json_int_t)pc->c.rx_csum_completed,
			 "rx_gso", (json_int_t)pc->c.rx_gso);
}

static json_t *
ports_stats(const struct ps_dataplane *dp)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; i < dp->nb_ports; i++) {
		struct rest_port_counters pc;
		json_t *o, *c;

		rest_port_counters(dp, i, &pc);
		ps_stats_port_since(dp->port_ids[i], &pc.c);
		o = json_pack("{s:s, s:s}", "name", pc.name, "role", pc.role);
		c = rest_port_counters_json(&pc);
		json_object_update(o, c);
		json_decref(c);
		json_array_append_new(arr, o);
	}
	return arr;
}

/*
 * Nodes and drops from one snapshot of the graph counters, since the
 * last reset. A source node's cycles per packet are those of its calls
 * that brought packets; its empty polls are idle_calls and idle_cycles
 * (and in calls, cycles and cycles_per_call, what polling costs).
 */
static void
graph_stats(json_t *j)
{
	static struct ps_node_stats st[MAX_NODES];
	json_t *nodes = json_array(), *drops = json_array();
	int i, n = ps_stats_nodes_since(st, RTE_DIM(st));

	for (i = 0; i < n; i++) {
		const char *reason;
		json_t *node;
		int nl, pid;

		if (rest_drop_node(st[i].name, &nl, &reason)) {
			json_array_append_new(drops, json_pack("{s:s%, s:s, s:I}",
				"node", st[i].name, (size_t)nl,
				"reason", reason,
				"packets", (json_int_t)st[i].objs));
			continue;
		}
		node = json_pack(
			"{s:s, s:I, s:I, s:I, s:f, s:f, s:I, s:I}",
			"name", st[i].name,
			"packets", (json_int_t)st[i].objs,
			"calls", (json_int_t)st[i].calls,
			"cycles", (json_int_t)st[i].cycles,
			"cycles_per_packet", st[i].objs ?
			(double)(st[i].cycles - st[i].idle_cycles) /
			st[i].objs : 0.0,
			"cycles_per_call", st[i].calls ?
			(double)st[i].cycles / st[i].calls : 0.0,
			"idle_calls", (json_int_t)st[i].idle_calls,
			"idle_cycles", (json_int_t)st[i].idle_cycles);
		/* a port's clone is named by its id: say which port */
		pid = ps_graph_node_port(st[i].name);
		if (node != NULL && pid >= 0)
			json_object_set_new(node, "port",
					    json_string(ps_ports[pid].name));
		json_array_append_new(nodes, node);
	}
	json_object_set_new(j, "nodes", nodes);
	json_object_set_new(j, "drops", drops);
}

/* Uptime of the last POST /v1/stats/reset, -1 before the first one. */
static json_int_t last_reset_s = -1;

/* Since when GET /v1/stats counts. */
static void
stats_since_json(json_t *j)
{
	json_object_set_new(j, "reset", last_reset_s < 0 ? json_null() :
			    json_pack("{s:I, s:I}", "uptime_s", last_reset_s,
				      "count", (json_int_t)ps_stats_resets()));
}

/* A table's counters, inside its parent's object when it has one. */
static void
table_stats(const struct ps_table_stats *t, void *arg)
{
	json_t *tables = arg, *o, *parent = tables;
	unsigned int i;

	if (!(t->show & PS_TABLE_STATS))
		return;
	o = json_object();
	for (i = 0; i < t->nb; i++)
		json_object_set_new(o, t->c[i].key,
				    json_integer((json_int_t)t->c[i].value));
	if (t->parent != NULL) {
		parent = json_object_get(tables, t->parent);
		if (parent == NULL) {
			parent = json_object();
			json_object_set_new(tables, t->parent, parent);
		}
	}
	json_object_set_new(parent, t->name, o);
}

/*
 * Where each worker's time went, in TSC cycles (tsc_hz of them a
 * second): loops that brought packets and the others. Clients such as
 * podswitchctl top take deltas; these are never reset.
 */
static json_t *
workers_stats(const struct ps_dataplane *dp)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; i < dp->nb_workers; i++) {
		const struct ps_worker *w = &dp->workers[i];

		json_array_append_new(arr, json_pack("{s:i, s:i, s:I, s:I, s:I}",
			"worker", (int)i, "lcore", (int)w->lcore_id,
			"busy_cycles", (json_int_t)__atomic_load_n(
				&w->busy_cycles, __ATOMIC_RELAXED),
			"idle_cycles", (json_int_t)__atomic_load_n(
				&w->idle_cycles, __ATOMIC_RELAXED),
			"walks", (json_int_t)w->walks));
	}
	return arr;
}

/* What the modules add beside the tables ("vxlan"). */
static void
exts_stats(json_t *j, const struct ps_dataplane *dp)
{
	const struct rest_ext *e;

	for (e = rest_ext_next(NULL); e != NULL; e = rest_ext_next(e))
		if (e->stats != NULL)
			json_object_set_new(j, e->name, e->stats(dp));
}

static void
rest_stats_get(struct ps_rest *r, const struct ps_http_request *req,
	       struct ps_http_response *resp, const char *arg)
{
	json_t *j = json_object(), *tables;
	struct ps_mbuf_stats ms;

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	json_object_set_new(j, "ports", ports_stats(r->dp));
	graph_stats(j);
	json_object_set_new(j, "workers", workers_stats(r->dp));
	json_object_set_new(j, "tsc_hz", json_integer((json_int_t)
			    rte_get_tsc_hz()));
	tables = json_object();
	ps_modules_tables(r->dp, table_stats, tables);
	json_object_set_new(j, "tables", tables);
	exts_stats(j, r->dp);
	json_object_set_new(j, "control", json_pack("{s:I}", "ctl_ring_full",
			    (json_int_t)r->dp->ctl_ring_full));
	ps_stats_mbufs(r->dp, &ms);
	json_object_set_new(j, "mbufs", json_pack("{s:I, s:I}",
			    "in_use", (json_int_t)ms.in_use,
			    "size", (json_int_t)ms.size));
	stats_since_json(j);
	rest_reply(resp, 200, j);
}

/*
 * POST /v1/stats/reset: the ports', nodes' and drops' counters of
 * GET /v1/stats start again from zero. The tables' counters and
 * /metrics (Prometheus counters never go back) are not reset.
 */
static void
rest_stats_reset(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	if (ps_stats_reset() < 0) {
		ps_http_json_error(resp, 503, "no_memory", "no memory for the "
				   "counters at the reset");
		return;
	}
	last_reset_s = (json_int_t)ps_dataplane_now(r->dp);
	rest_reply(resp, 200, json_pack("{s:b, s:I}", "reset", 1,
					"uptime_s", last_reset_s));
}

PS_REST_ROUTE("GET", "/v1/status", rest_status_get);
PS_REST_ROUTE("GET", "/v1/stats", rest_stats_get);
PS_REST_ROUTE("POST", "/v1/stats/reset", rest_stats_reset);
