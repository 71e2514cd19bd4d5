/* SPDX-License-Identifier: BSD-3-Clause */
/* The REST server's life: listeners from the configuration, poll, free. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "rest_private.h"

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
	r->srv = ps_http_server_create(&p, rest_dispatch, r);
	if (r->srv == NULL) {
		int err = rte_errno;

		REST_LOG(ERR, "cannot serve the API on %s%s%s%s%s: %s\n",
			 p.unix_path ? p.unix_path : "",
			 p.unix_path && p.tcp_listen ? " and " : "",
			 p.tcp_listen ? p.tcp_listen : "",
			 p.unix_group ? " group " : "",
			 p.unix_group ? p.unix_group : "", strerror(err));
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

	rest_healthz_poll(r);
	rest_state_poll(r, false);
	return rc;
}

void
ps_rest_free(struct ps_rest *r)
{
	if (r == NULL)
		return;
	rest_healthz_free(r);
	ps_http_server_free(r->srv);
	free(r);
}

int
ps_rest_fd(const struct ps_rest *r)
{
	return ps_http_server_fd(r->srv);
}
