/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * healthCheckNodePort of externalTrafficPolicy Local services, as
 * kube-proxy serves it: an HTTP listener on the node (the kernel side,
 * reached through the host port) answering 200 when this node has a
 * ready local endpoint of the service and 503 when not, so that a cloud
 * load balancer sends traffic only to nodes that keep the client source.
 * The listeners follow the service table: checked once a second.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>

#include <podswitch/service.h>

#include "rest_private.h"

#define HEALTHZ_MAX 32

/* one listener */
struct rest_healthz {
	struct ps_rest *rest;
	struct ps_http_server *srv;	/* NULL: slot free */
	uint16_t port;
	char ns[PS_K8S_NAME_MAX];
	char name[PS_K8S_NAME_MAX];
};

/* the listeners of one API server */
struct healthz_set {
	struct rest_healthz l[HEALTHZ_MAX];
	uint64_t checked;	/* TSC of the last sync */
	uint16_t failed;	/* port last refused, logged once */
};

struct hc_want {
	uint16_t ports[HEALTHZ_MAX];
	const struct ps_svc_spec *specs[HEALTHZ_MAX];
	unsigned int n;
};

static int
want_cb(const struct ps_svc_spec *spec, void *arg)
{
	struct hc_want *w = arg;
	unsigned int i;

	if (spec->health_check_node_port == 0 ||
	    spec->etp != PS_POLICY_LOCAL || spec->skip_reason[0] != '\0')
		return 0;
	for (i = 0; i < w->n; i++)
		if (w->ports[i] == spec->health_check_node_port)
			return 0;
	if (w->n == HEALTHZ_MAX)
		return 0;
	w->specs[w->n] = spec;
	w->ports[w->n++] = spec->health_check_node_port;
	return 0;
}

static void
healthz_handler(const struct ps_http_request *req,
		struct ps_http_response *resp, void *ctx)
{
	struct rest_healthz *h = ctx;
	struct ps_svc_table *t = h->rest->dp->svcs;
	int n = ps_svc_health_check(t, h->port);

	RTE_SET_USED(req);
	if (n < 0) {
		ps_http_json_error(resp, 503, "no_service", "no Local service "
				   "uses health check port %u", h->port);
		return;
	}
	/* kube-proxy's body, so that the same probes read it */
	rest_reply(resp, n > 0 ? 200 : 503, json_pack(
		"{s:{s:s, s:s}, s:i, s:b}", "service", "namespace", h->ns,
		"name", h->name, "localEndpoints", n,
		"serviceProxyHealthy", 1));
}

static void
healthz_close(struct rest_healthz *h)
{
	ps_http_server_free(h->srv);
	memset(h, 0, sizeof(*h));
}

static void
healthz_sync(struct ps_rest *r, struct healthz_set *hs)
{
	struct hc_want w = { .n = 0 };
	unsigned int i, j;

	if (r->dp->svcs != NULL)
		ps_svc_walk(r->dp->svcs, want_cb, &w);
	/* Close what no service asks for any more. */
	for (i = 0; i < HEALTHZ_MAX; i++) {
		struct rest_healthz *h = &hs->l[i];

		if (h->srv == NULL)
			continue;
		for (j = 0; j < w.n; j++)
			if (w.ports[j] == h->port)
				break;
		if (j == w.n) {
			REST_LOG(INFO, "health check port %u closed\n",
				 h->port);
			healthz_close(h);
		}
	}
	/* Open what is new; names follow the service that asks. */
	for (j = 0; j < w.n; j++) {
		struct rest_healthz *h = NULL, *free_slot = NULL;
		struct ps_http_params p = { .max_clients = 64 };
		char listen[32];

		for (i = 0; i < HEALTHZ_MAX; i++) {
			if (hs->l[i].srv != NULL && hs->l[i].port == w.ports[j])
				h = &hs->l[i];
			else if (hs->l[i].srv == NULL && free_slot == NULL)
				free_slot = &hs->l[i];
		}
		if (h == NULL) {
			if (free_slot == NULL)
				break;
			/* A port we failed to open is retried each second
			 * but logged once. */
			h = free_slot;
			snprintf(listen, sizeof(listen), "0.0.0.0:%u",
				 w.ports[j]);
			p.tcp_listen = listen;
			h->rest = r;
			h->port = w.ports[j];
			h->srv = ps_http_server_create(&p, healthz_handler, h);
			if (h->srv == NULL) {
				if (hs->failed != w.ports[j])
					REST_LOG(ERR, "cannot listen on health "
						 "check port %u: %s\n",
						 w.ports[j], strerror(rte_errno));
				hs->failed = w.ports[j];
				memset(h, 0, sizeof(*h));
				continue;
			}
			REST_LOG(INFO, "health check port %u for %s/%s\n",
				 w.ports[j], w.specs[j]->ns, w.specs[j]->name);
		}
		snprintf(h->ns, sizeof(h->ns), "%s", w.specs[j]->ns);
		snprintf(h->name, sizeof(h->name), "%s", w.specs[j]->name);
	}
}

/* Follow the Local services' health check ports and answer on them;
 * on every poll of the API. */
static void
healthz_poll(struct ps_rest *r, void *priv)
{
	struct healthz_set *hs = priv;
	uint64_t now = rte_get_timer_cycles();
	unsigned int i;

	if (now - hs->checked >= rte_get_timer_hz()) {
		hs->checked = now;
		healthz_sync(r, hs);
	}
	for (i = 0; i < HEALTHZ_MAX; i++)
		if (hs->l[i].srv != NULL)
			ps_http_server_poll(hs->l[i].srv, 0);
}

static void
healthz_free(struct ps_rest *r, void *priv)
{
	struct healthz_set *hs = priv;
	unsigned int i;

	RTE_SET_USED(r);
	for (i = 0; i < HEALTHZ_MAX; i++)
		if (hs->l[i].srv != NULL)
			healthz_close(&hs->l[i]);
}

static struct rest_ext healthz_ext = {
	.name = "healthz",
	.priv_size = sizeof(struct healthz_set),
	.poll = healthz_poll,
	.close = healthz_free,
};

PS_REST_EXT(healthz_ext);
