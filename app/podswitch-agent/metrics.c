/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --metrics-bind-address: /metrics (Prometheus text 0.0.4: sync duration
 * histogram, syncs, watch restarts and relists per resource, objects,
 * last sync time, also under kube-proxy's name) and /proxyMode.
 */
#include <string.h>

#include "agent.h"

const double ag_hist_bounds[AG_HIST_BUCKETS] = {
	0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5,
};

void
ag_metrics_sync(struct agent *ag, double seconds, bool ok)
{
	unsigned int b = 0;

	while (b < AG_HIST_BUCKETS && seconds > ag_hist_bounds[b])
		b++;
	pthread_mutex_lock(&ag->lock);
	ag->m.sync_count[b]++;
	ag->m.sync_sum_s += seconds;
	ag->m.syncs++;
	if (!ok)
		ag->m.sync_errors++;
	pthread_mutex_unlock(&ag->lock);
}

/* One metric with a value per watched resource. */
static void
per_resource(struct ag_buf *b, const struct agent *ag, const char *name,
	     const char *type, const char *help, const uint64_t v[AG_NREFL])
{
	unsigned int i;

	ag_buf_printf(b, "# HELP podswitch_agent_%s %s\n"
		      "# TYPE podswitch_agent_%s %s\n", name, help, name, type);
	for (i = 0; i < AG_NREFL; i++)
		ag_buf_printf(b, "podswitch_agent_%s{resource=\"%s\"} %llu\n",
			      name, ag->refl[i].name,
			      (unsigned long long)v[i]);
}

int
ag_metrics(struct agent *ag, const char *path, struct ag_buf *b,
	   const char **ctype)
{
	struct ag_metrics m;
	uint64_t lists[AG_NREFL], restarts[AG_NREFL], gone[AG_NREFL];
	uint64_t events[AG_NREFL], objs[AG_NREFL], cum = 0;
	unsigned int i;

	if (strcmp(path, "/proxyMode") == 0) {
		ag_buf_printf(b, "podswitch");
		return 200;
	}
	if (strcmp(path, "/metrics") != 0) {
		ag_buf_printf(b, "404 page not found\n");
		return 404;
	}
	pthread_mutex_lock(&ag->lock);
	m = ag->m;
	m.last_sync_wall_ms = ag->last_sync_wall_ms;
	for (i = 0; i < AG_NREFL; i++) {
		lists[i] = ag->refl[i].lists;
		restarts[i] = ag->refl[i].restarts;
		gone[i] = ag->refl[i].gone;
		events[i] = ag->refl[i].events;
	}
	pthread_mutex_unlock(&ag->lock);
	for (i = 0; i < AG_NREFL; i++)
		objs[i] = ag_store_size(ag->refl[i].store);
	*ctype = "text/plain; version=0.0.4; charset=utf-8";

	ag_buf_printf(b, "# HELP podswitch_agent_sync_duration_seconds Time "
		      "to bring the dataplane in line with the API server.\n"
		      "# TYPE podswitch_agent_sync_duration_seconds "
		      "histogram\n");
	for (i = 0; i < AG_HIST_BUCKETS; i++) {
		cum += m.sync_count[i];
		ag_buf_printf(b, "podswitch_agent_sync_duration_seconds_bucket"
			      "{le=\"%g\"} %llu\n", ag_hist_bounds[i],
			      (unsigned long long)cum);
	}
	cum += m.sync_count[AG_HIST_BUCKETS];
	ag_buf_printf(b, "podswitch_agent_sync_duration_seconds_bucket"
		      "{le=\"+Inf\"} %llu\n"
		      "podswitch_agent_sync_duration_seconds_sum %.6f\n"
		      "podswitch_agent_sync_duration_seconds_count %llu\n",
		      (unsigned long long)cum, m.sync_sum_s,
		      (unsigned long long)m.syncs);
	ag_buf_printf(b, "# HELP podswitch_agent_sync_errors_total Syncs the "
		      "daemon refused or did not answer.\n"
		      "# TYPE podswitch_agent_sync_errors_total counter\n"
		      "podswitch_agent_sync_errors_total %llu\n"
		      "# HELP podswitch_agent_full_syncs_total Full service "
		      "sets sent (PUT /v1/services).\n"
		      "# TYPE podswitch_agent_full_syncs_total counter\n"
		      "podswitch_agent_full_syncs_total %llu\n"
		      "# HELP podswitch_agent_route_syncs_total Route sets "
		      "sent (PUT /v1/routes).\n"
		      "# TYPE podswitch_agent_route_syncs_total counter\n"
		      "podswitch_agent_route_syncs_total %llu\n",
		      (unsigned long long)m.sync_errors,
		      (unsigned long long)m.full_syncs,
		      (unsigned long long)m.route_syncs);
	per_resource(b, ag, "watch_restarts_total", "counter", "Watches that "
		     "ended other than by the server's timeout.", restarts);
	per_resource(b, ag, "lists_total", "counter", "Full lists (the first "
		     "and every relist).", lists);
	per_resource(b, ag, "watch_expired_total", "counter", "410 Gone "
		     "answers and ERROR events.", gone);
	per_resource(b, ag, "watch_events_total", "counter", "Watch events "
		     "received.", events);
	per_resource(b, ag, "objects", "gauge", "Objects in the agent's cache.",
		     objs);
	ag_buf_printf(b, "# HELP podswitch_agent_last_sync_timestamp_seconds "
		      "When the dataplane was last in line with the API "
		      "server.\n"
		      "# TYPE podswitch_agent_last_sync_timestamp_seconds "
		      "gauge\n"
		      "podswitch_agent_last_sync_timestamp_seconds %.3f\n"
		      "# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds "
		      "The same, under kube-proxy's name.\n"
		      "# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds "
		      "gauge\n"
		      "kubeproxy_sync_proxy_rules_last_timestamp_seconds "
		      "%.3f\n", (double)m.last_sync_wall_ms / 1000.0,
		      (double)m.last_sync_wall_ms / 1000.0);
	return 200;
}
