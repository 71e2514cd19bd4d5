/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST server's life: listeners from the configuration, poll, free;
 * and the extensions modules register (PS_REST_EXT) with it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "rest_private.h"

static struct rest_ext *exts;
static unsigned int nb_exts;

void
rest_ext_register(struct rest_ext *e)
{
	struct rest_ext **p = &exts;

	if (nb_exts == REST_EXT_MAX) {
		/* before main(): raise REST_EXT_MAX */
		fprintf(stderr, "podswitch: REST extension %s: more than %u\n",
			e->name, REST_EXT_MAX);
		abort();
	}
	while (*p != NULL)
		p = &(*p)->next;
	e->idx = nb_exts++;
	e->next = NULL;
	*p = e;
}

const struct rest_ext *
rest_ext_next(const struct rest_ext *e)
{
	return e == NULL ? exts : e->next;
}

void *
rest_ext_priv(struct ps_rest *r, const struct rest_ext *e)
{
	return r->ext_priv[e->idx];
}

static void
exts_close(struct ps_rest *r)
{
	const struct rest_ext *e;

	for (e = exts; e != NULL; e = e->next) {
		if (e->close != NULL && r->ext_priv[e->idx] != NULL)
			e->close(r, r->ext_priv[e->idx]);
		free(r->ext_priv[e->idx]);
		r->ext_priv[e->idx] = NULL;
	}
}

static int
exts_open(struct ps_rest *r)
{
	const struct rest_ext *e;

	for (e = exts; e != NULL; e = e->next) {
		/* one byte at least: NULL means "not opened" */
		r->ext_priv[e->idx] = calloc(1, RTE_MAX(e->priv_size,
							(size_t)1));
		if (r->ext_priv[e->idx] == NULL) {
			exts_close(r);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * api.metrics_listen: a path is a Unix socket anyone may read (mode
 * 0666: it serves nothing a local user could not scrape from a TCP
 * port), else "ip:port". No token: a scraper carries no secret.
 */
static int
metrics_open(struct ps_rest *r)
{
	const char *where = r->dp->cfg->api_metrics_listen;
	struct ps_http_params p = {
		.unix_mode = 0666,
		.max_body_bytes = 1024,
	};

	if (where[0] == '\0')
		return 0;
	if (where[0] == '/')
		p.unix_path = where;
	else
		p.tcp_listen = where;
	r->metrics_srv = ps_http_server_create(&p, rest_dispatch_readonly, r);
	if (r->metrics_srv == NULL) {
		REST_LOG(ERR, "cannot serve metrics on %s: %s\n", where,
			 strerror(rte_errno));
		return -rte_errno;
	}
	REST_LOG(INFO, "metrics, healthz and readyz (read-only) on %s\n",
		 where);
	return 0;
}

struct ps_rest *
ps_rest_create(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	struct ps_http_params p = {
		.unix_path = cfg->api_unix_socket[0] ? cfg->api_unix_socket :
			     NULL,
		.unix_mode = PS_HTTP_DEFAULT_UNIX_MODE,
		.unix_group = cfg->api_socket_group[0] ?
			      cfg->api_socket_group : NULL,
		.tcp_listen = cfg->api_listen[0] ? cfg->api_listen : NULL,
		.bearer_token = cfg->api_token[0] ? cfg->api_token : NULL,
		.max_body_bytes = cfg->api_max_body,
	};
	struct ps_rest *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->dp = dp;
	if (exts_open(r) < 0) {
		free(r);
		rte_errno = ENOMEM;
		return NULL;
	}
	r->srv = ps_http_server_create(&p, rest_dispatch, r);
	if (r->srv == NULL) {
		int err = rte_errno;

		REST_LOG(ERR, "cannot serve the API on %s%s%s%s%s: %s\n",
			 p.unix_path ? p.unix_path : "",
			 p.unix_path && p.tcp_listen ? " and " : "",
			 p.tcp_listen ? p.tcp_listen : "",
			 p.unix_group ? " group " : "",
			 p.unix_group ? p.unix_group : "", strerror(err));
		exts_close(r);
		free(r);
		rte_errno = err;
		return NULL;
	}
	if (metrics_open(r) < 0) {
		int err = rte_errno;

		ps_http_server_free(r->srv);
		exts_close(r);
		free(r);
		rte_errno = err;
		return NULL;
	}
	REST_LOG(INFO, "API on %s%s%s%s\n", p.unix_path ? p.unix_path : "",
		 p.unix_path && p.tcp_listen ? " and " : "",
		 p.tcp_listen ? p.tcp_listen : "",
		 p.bearer_token ? " (bearer token required)" : "");
	return r;
}

int
ps_rest_poll(struct ps_rest *r, int timeout_ms)
{
	int rc = ps_http_server_poll(r->srv, timeout_ms);
	const struct rest_ext *e;

	/* after the API's wait: a scrape waits at most that long */
	if (r->metrics_srv != NULL)
		ps_http_server_poll(r->metrics_srv, 0);

	for (e = exts; e != NULL; e = e->next)
		if (e->poll != NULL)
			e->poll(r, r->ext_priv[e->idx]);
	rest_state_poll(r, false);
	return rc;
}

void
ps_rest_free(struct ps_rest *r)
{
	if (r == NULL)
		return;
	exts_close(r);
	ps_http_server_free(r->metrics_srv);
	ps_http_server_free(r->srv);
	free(r);
}

int
ps_rest_fd(const struct ps_rest *r)
{
	return ps_http_server_fd(r->srv);
}
