/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_HTTP_CLIENT_H
#define PODSWITCH_HTTP_CLIENT_H

/*
 * A client of the daemon's REST API (podswitchctl, podswitch-cni): libc
 * only, so the tools run where DPDK is not installed.
 */

#include <stddef.h>

struct ps_http_peer {
	const char *socket_path;	/* Unix socket, when tcp is NULL */
	const char *tcp;		/* "host:port" */
	const char *token;		/* bearer token or NULL */
	const char *user_agent;		/* NULL: "podswitch" */
	unsigned int timeout_s;		/* per I/O; 0: 10 s */
	char *err;			/* the reason of a failure */
	size_t err_size;
};

struct ps_http_reply {
	int status;
	char *body;			/* NUL-terminated, may hold NULs */
	size_t body_len;
	char *raw;			/* whole response, owns body */
};

/*
 * Send one request (body may be NULL) and read the whole reply. Returns
 * 0, or -1 with a one-line reason in p->err (connection, I/O, bad reply).
 */
int ps_http_request(const struct ps_http_peer *p, const char *method,
		    const char *path, const char *body, size_t body_len,
		    struct ps_http_reply *r);
void ps_http_reply_free(struct ps_http_reply *r);

#endif
