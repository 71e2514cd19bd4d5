/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_HTTP_H
#define PODSWITCH_HTTP_H

/*
 * The HTTP/1.1 server under the REST API (docs/design.md section 3).
 *
 * It is driven by the management thread: ps_http_server_poll() waits at
 * most its timeout in epoll, then does only non-blocking work, so the
 * thread keeps its housekeeping timers. Listeners are a Unix socket and
 * optionally one TCP address (loopback unless configured otherwise).
 *
 * Each complete request is handed to one synchronous handler which fills a
 * response; the server frames it (Content-Length always, Connection: close
 * when it closes), buffers what the socket does not take, and answers
 * pipelined requests in order, one at a time. Malformed or oversized
 * requests, slow clients and clients beyond max_clients are answered by the
 * server itself with the error shape of docs/design.md,
 * {"error": {"code": "...", "message": "..."}}, and counted.
 *
 * Not thread-safe: one thread creates, polls and frees a server.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_common.h>

extern int ps_logtype_api;

#define PS_HTTP_DEFAULT_UNIX_MODE	0660
#define PS_HTTP_DEFAULT_MAX_CLIENTS	1024
#define PS_HTTP_DEFAULT_MAX_HEADER	(16u * 1024)
#define PS_HTTP_DEFAULT_MAX_BODY	(4u * 1024 * 1024)
#define PS_HTTP_DEFAULT_HEADER_TIMEOUT	10000
#define PS_HTTP_DEFAULT_BODY_TIMEOUT	30000
#define PS_HTTP_DEFAULT_IDLE_TIMEOUT	60000

/* Zero (or NULL) in any field means its default. */
struct ps_http_params {
	/* Unix socket path; NULL for none. A stale socket file there is
	 * replaced; a socket someone listens on, or any other file, is an
	 * error. A missing last directory is created (0755). */
	const char *unix_path;
	unsigned int unix_mode;		/* 0660 */
	const char *unix_group;		/* group name or number; NULL: ours */
	/* "ADDR:PORT", "[ADDR6]:PORT", ":PORT" or "PORT" (the last two on
	 * 127.0.0.1); PORT 0 picks a free one, see ps_http_server_tcp_port().
	 * NULL for none. */
	const char *tcp_listen;
	unsigned int max_clients;	/* 1024; more are answered 503 */
	size_t max_header_bytes;	/* 16 KiB: request line + headers, 431 */
	size_t max_body_bytes;		/* 4 MiB, 413 */
	/* From a connection's accept, or the first byte of its next request,
	 * to the end of the headers: 408 and close when exceeded. */
	unsigned int header_timeout_ms;	/* 10000 */
	/* From the end of the headers to the end of the body: 408. */
	unsigned int body_timeout_ms;	/* 30000 */
	/* A keep-alive connection idle between requests is closed, and so
	 * is one whose client reads none of its response for this long. */
	unsigned int idle_timeout_ms;	/* 60000 */
	/* When set, every request needs "Authorization: Bearer <token>";
	 * without it the server answers 401 and never calls the handler. */
	const char *bearer_token;
};

/*
 * A parsed request. Every pointer is valid only during the handler call.
 * Strings are NUL-terminated; path and query are still percent-encoded
 * (see ps_http_path_segments() and ps_http_query_get()).
 */
struct ps_http_request {
	const char *method;		/* token as sent: "GET", "POST"... */
	const char *path;		/* target up to '?': "/v1/routes/a%2Fb" */
	const char *query;		/* after '?', "" when none */
	unsigned int version_minor;	/* HTTP/1.<minor>: 0 or 1 */
	const char *content_type;	/* NULL when absent */
	const char *authorization;	/* NULL when absent */
	const char *connection;		/* NULL when absent */
	bool has_content_length;
	uint64_t content_length;
	const char *body;		/* body_len bytes + a NUL; never NULL */
	size_t body_len;
	bool keep_alive;		/* connection stays open after this one */
};

#define PS_HTTP_CONTENT_TYPE_MAX	128
#define PS_HTTP_EXTRA_HEADERS_MAX	512

/*
 * What the handler fills. On entry: status 200, content type
 * application/json, no body. A status >= 400 with no body gets the
 * standard error body. 204 and 304 are sent without body nor
 * Content-Length (RFC 9110 8.6 forbids them); HEAD gets the headers only.
 */
struct ps_http_response {
	int status;
	char content_type[PS_HTTP_CONTENT_TYPE_MAX];
	char *body;			/* malloc'ed; the server frees it */
	size_t body_len;
	bool close;			/* close the connection after it */
	char headers[PS_HTTP_EXTRA_HEADERS_MAX];	/* see _header() */
	size_t headers_len;
};

typedef void (*ps_http_handler)(const struct ps_http_request *req,
				struct ps_http_response *resp, void *ctx);

struct ps_http_server_stats {
	unsigned int connections_open;
	uint64_t connections_total;	/* accepted (refused ones excluded) */
	uint64_t requests;		/* handed to the handler */
	uint64_t responses;		/* every final response, errors too */
	uint64_t bad_request;		/* 400: malformed request */
	uint64_t unauthorized;		/* 401: missing or wrong token */
	uint64_t timeouts;		/* 408: headers or body too slow */
	uint64_t too_large;		/* 413: body over max_body_bytes */
	uint64_t header_too_large;	/* 431: head over max_header_bytes */
	uint64_t refused;		/* 503: max_clients reached */
	uint64_t unsupported;		/* 411, 417, 501, 505 */
	uint64_t idle_closed;		/* keep-alive idle, or reader stalled */
	uint64_t aborted;		/* client left mid-request or mid-reply */
	uint64_t accept_errors;		/* accept() failed (EMFILE...) */
};

struct ps_http_server;

/*
 * Open the listeners. Returns NULL with rte_errno set: EINVAL (bad
 * parameters, no listener), EADDRINUSE (a live server on unix_path, or the
 * TCP address taken), EEXIST (unix_path is not a socket), ENOENT (unknown
 * group) or what socket(), bind() or chown() said.
 */
struct ps_http_server *ps_http_server_create(const struct ps_http_params *p,
					     ps_http_handler handler,
					     void *ctx);
/*
 * Wait up to timeout_ms (0: not at all, -1: until something happens) for
 * socket events, then handle them, call the handler for complete requests
 * and expire timeouts. Returns the number of events and timeouts handled,
 * or -errno when epoll itself fails.
 */
int ps_http_server_poll(struct ps_http_server *s, int timeout_ms);
/* Close every connection and listener and unlink the Unix socket. */
void ps_http_server_free(struct ps_http_server *s);

void ps_http_server_stats(const struct ps_http_server *s,
			  struct ps_http_server_stats *st);
/* The bound TCP port (useful after port 0), or -ENOENT without TCP. */
int ps_http_server_tcp_port(const struct ps_http_server *s);
/*
 * For a caller with its own event loop: the epoll descriptor is readable
 * when a socket has work, and the timers need a poll within
 * ps_http_server_next_ms() (0: work is waiting; -1: no timer).
 */
int ps_http_server_fd(const struct ps_http_server *s);
int ps_http_server_next_ms(const struct ps_http_server *s);

/* Response helpers ------------------------------------------------------ */

/* Copy len bytes as the body (replacing any). Returns 0 or -ENOMEM. */
int ps_http_response_body(struct ps_http_response *r, const void *data,
			  size_t len);
/* Take a malloc'ed body (replacing any); the server frees it. */
void ps_http_response_body_take(struct ps_http_response *r, char *body,
				size_t len);
/* Format the body. Returns 0 or -ENOMEM. */
int ps_http_response_printf(struct ps_http_response *r, const char *fmt, ...)
	__rte_format_printf(2, 3);
/* Add "name: value". Returns 0, -EINVAL (bad name or CR/LF in value) or
 * -ENOSPC. Content-Type, Content-Length and Connection are the server's. */
int ps_http_response_header(struct ps_http_response *r, const char *name,
			    const char *value);
/*
 * Set status and the body {"error": {"code": code, "message": ...}},
 * application/json, with message escaped for JSON. Returns 0 or -ENOMEM
 * (the status is set either way).
 */
int ps_http_json_error(struct ps_http_response *r, int status,
		       const char *code, const char *message_fmt, ...)
	__rte_format_printf(4, 5);
int ps_http_json_verror(struct ps_http_response *r, int status,
			const char *code, const char *message_fmt, va_list ap);
/* Reason phrase of a status ("Not Found"), "" when unknown. */
const char *ps_http_reason(int status);

/* Target helpers -------------------------------------------------------- */

/*
 * Percent-decode src[0..len) into dst (NUL-terminated). '+' stays '+'.
 * Returns the decoded length, -EINVAL for a malformed escape or %00,
 * -ENOSPC when dst_size is too small.
 */
ssize_t ps_http_pct_decode(char *dst, size_t dst_size, const char *src,
			   size_t len);
/*
 * Split path on '/' and percent-decode each segment into buf, so that
 * "/v1/routes/10.244.1.0%2F24" gives "v1", "routes", "10.244.1.0/24".
 * "/" has no segment; "/a/" has "a" and "". Returns the segment count,
 * -EINVAL (no leading '/', bad escape), -ENOSPC (buf) or -E2BIG (more than
 * max segments).
 */
int ps_http_path_segments(const char *path, char *buf, size_t size,
			  const char *seg[], unsigned int max);
/*
 * Value of the first name=value pair of a query string, decoded as a form
 * ('+' is a space). Returns its length, -ENOENT, -EINVAL or -ENOSPC.
 */
ssize_t ps_http_query_get(const char *query, const char *name, char *buf,
			  size_t size);

#endif
