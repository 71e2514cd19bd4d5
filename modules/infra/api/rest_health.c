/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /healthz: the management thread answers, so the process is alive.
 * GET /readyz: the node forwards what it was told to. Three checks, each
 * named in the reply when it fails (503):
 *   ports    every uplink and host port has its link up (a pod port's
 *            device waits for its pod and says nothing about the node);
 *   state    ps_rest_state_restore() ended well (no state directory
 *            counts as restored), so what the last run programmed is back;
 *   workers  every worker's walk counter moved in the last second (plus
 *            twice its longest idle sleep): a worker stuck or gone fails.
 * The counters are sampled on every poll of the API, so a probe sees
 * the workers' progress between two probes, not only during one.
 */
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "rest_private.h"

#define POLLING_WINDOW_MS 1000

struct health {
	uint64_t walks[PS_MAX_WORKERS];
	uint64_t moved_ms[PS_MAX_WORKERS];	/* 0: never seen moving */
};

static void
health_sample(struct ps_dataplane *dp, struct health *h)
{
	uint64_t now = ps_dataplane_now_ms(dp);
	unsigned int i;

	for (i = 0; i < dp->nb_workers && i < PS_MAX_WORKERS; i++) {
		uint64_t w = __atomic_load_n(&dp->workers[i].walks,
					     __ATOMIC_RELAXED);

		if (w != h->walks[i]) {
			h->walks[i] = w;
			/* now may be 0 in the first millisecond */
			h->moved_ms[i] = RTE_MAX(now, (uint64_t)1);
		}
	}
}

static void
health_poll(struct ps_rest *r, void *priv)
{
	health_sample(r->dp, priv);
}

static struct rest_ext health_ext = {
	.name = "health",
	.priv_size = sizeof(struct health),
	.poll = health_poll,
};
PS_REST_EXT(health_ext);

static void
rest_healthz(struct ps_rest *r, const struct ps_http_request *req,
	     struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(r);
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_http_response_body(resp, "ok\n", 3);
	strcpy(resp->content_type, "text/plain; charset=utf-8");
}

static void
not_ready(json_t *why, const char *check, const char *name, const char *what)
{
	char s[128];

	snprintf(s, sizeof(s), "%s: %s %s", check, name, what);
	json_array_append_new(why, json_string(s));
}

static void
check_ports(const struct ps_dataplane *dp, json_t *why)
{
	unsigned int i;

	for (i = 0; i < dp->nb_ports; i++)
		if (dp->ports[i].role != PS_ROLE_POD &&
		    !ps_port_link_up(dp->port_ids[i]))
			not_ready(why, "ports", dp->ports[i].name,
				  "link down");
}

static void
check_workers(const struct ps_dataplane *dp, const struct health *h,
	      json_t *why)
{
	uint64_t now = ps_dataplane_now_ms(dp);
	unsigned int i;

	if (dp->quit || dp->nb_workers == 0)
		json_array_append_new(why, json_string("workers: stopped"));
	for (i = 0; i < dp->nb_workers && i < PS_MAX_WORKERS; i++) {
		const struct ps_worker *w = &dp->workers[i];
		uint64_t window = POLLING_WINDOW_MS +
				  2 * (w->idle_sleep_max_us / 1000);

		if (h->moved_ms[i] == 0 || now - h->moved_ms[i] > window)
			not_ready(why, "workers", w->graph_name,
				  "not polling");
	}
}

static void
rest_readyz(struct ps_rest *r, const struct ps_http_request *req,
	    struct ps_http_response *resp, const char *arg)
{
	struct health *h = rest_ext_priv(r, &health_ext);
	json_t *why = json_array();
	bool ready;

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	health_sample(r->dp, h);
	check_ports(r->dp, why);
	if (!r->state.restored)
		json_array_append_new(why, json_string("state: not restored"));
	check_workers(r->dp, h, why);
	ready = json_array_size(why) == 0;
	rest_reply(resp, ready ? 200 : 503,
		   json_pack("{s:b, s:o}", "ready", ready, "not_ready", why));
}

PS_REST_ROUTE("GET", "/healthz", rest_healthz);
PS_REST_ROUTE("GET", "/readyz", rest_readyz);
