/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_HTTP_PRIVATE_H
#define PS_HTTP_PRIVATE_H

/*
 * Inside the HTTP server. Files: http_server.c (create, poll, timers),
 * http_listen.c (Unix and TCP listeners, accept), http_conn.c (one
 * connection's state machine), http_parse.c (request head), http_response.c
 * (framing and the response helpers), http_buf.c (growable buffers),
 * http_uri.c (percent-decoding, path and query helpers).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <rte_log.h>

#include <podswitch/http.h>

#define HTTP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_api, "api: " __VA_ARGS__)

/* After a final response that closes, how long unread input is drained so
 * that close() sends FIN, not an RST that could destroy the response. */
#define HTTP_LINGER_MS 2000

/* epoll user data points at one of these, first member of its owner. */
enum http_ep_kind { HTTP_EP_LISTEN, HTTP_EP_CONN };

struct http_ep {
	enum http_ep_kind kind;
};

struct http_buf {
	char *p;
	size_t len;	/* bytes held */
	size_t off;	/* out buffers: bytes already sent */
	size_t cap;
};

int http_buf_reserve(struct http_buf *b, size_t extra);
int http_buf_append(struct http_buf *b, const void *data, size_t len);
int http_buf_printf(struct http_buf *b, const char *fmt, ...)
	__rte_format_printf(2, 3);
/* Drop the first n bytes. */
void http_buf_consume(struct http_buf *b, size_t n);
/* Give back memory of a large buffer that now holds little. */
void http_buf_trim(struct http_buf *b);
void http_buf_free(struct http_buf *b);

/* What http_parse_head() found besides the request fields. */
struct http_head {
	struct ps_http_request req;	/* pointers into the head copy */
	bool expect_continue;
	bool expect_other;		/* an Expect we do not do: 417 */
	bool has_te;
	bool te_chunked;
};

/*
 * Length of the head that b starts with, through its empty line, or 0 if
 * it is not complete yet; *scan keeps where to resume.
 */
size_t http_head_end(const char *b, size_t len, size_t *scan);
/*
 * Parse a complete head in place (buf is NUL-terminated at len). Returns 0,
 * or the status to answer (400, 505) with a message in why.
 */
int http_parse_head(char *buf, size_t len, struct http_head *h,
		    char *why, size_t why_size);

enum http_state {
	HTTP_ST_HEAD,	/* reading a request line and headers */
	HTTP_ST_BODY,	/* reading content_length bytes */
	HTTP_ST_LINGER,	/* final response sent, draining input */
	HTTP_ST_CLOSED,	/* waiting to be freed by its event's owner */
};

struct http_conn {
	struct http_ep ep;
	TAILQ_ENTRY(http_conn) next;
	TAILQ_ENTRY(http_conn) pending_next;
	struct ps_http_server *srv;
	int fd;
	enum http_state state;
	uint32_t events;		/* epoll interest now registered */
	bool pending;			/* on the server's pending list */
	bool peer_eof;			/* client shut its sending side */
	bool close_after;		/* close once the output is sent */
	bool in_request;		/* bytes of a request have arrived */
	struct http_buf in;
	size_t scan;			/* http_head_end() resume point */
	char *head;			/* copy of the current head */
	bool is_head;			/* HEAD: headers only in the reply */
	struct http_head h;
	uint64_t body_len;		/* body bytes the request carries */
	struct http_buf out;		/* status line and headers */
	char *body;			/* response body, sent after out */
	size_t body_sz, body_off;
	uint64_t nb_requests;
	uint64_t req_start;		/* ms: request (or connection) began */
	uint64_t body_start;		/* ms: headers complete */
	uint64_t last_io;		/* ms: last byte in or out */
	uint64_t linger_start;		/* ms */
	uint64_t deadline;		/* ms: when conn_expire() is due */
};

TAILQ_HEAD(http_conn_list, http_conn);

struct http_listener {
	struct http_ep ep;
	int fd;
	bool is_unix;
};

struct ps_http_server {
	int epfd;
	ps_http_handler handler;
	void *ctx;
	struct http_listener lsn[2];
	unsigned int nb_lsn;
	bool accept_paused;
	uint64_t accept_resume;		/* ms */
	char *unix_path;
	dev_t unix_dev;			/* to unlink only our own socket */
	ino_t unix_ino;
	int tcp_port;
	unsigned int max_clients;
	size_t max_header;
	size_t max_body;
	unsigned int header_to, body_to, idle_to;
	char *token;
	size_t token_len;
	struct http_conn_list conns;
	struct http_conn_list pending;	/* complete requests left for later */
	uint64_t next_deadline;		/* ms, earliest conn deadline or later */
	uint64_t now;			/* ms, refreshed by poll */
	struct ps_http_server_stats st;
};

uint64_t http_now_ms(void);

/* http_listen.c */
int http_listen_unix(struct ps_http_server *s, const char *path,
		     unsigned int mode, const char *group);
int http_listen_tcp(struct ps_http_server *s, const char *spec);
void http_listen_close(struct ps_http_server *s);
/* Accept what is waiting on l. Returns connections accepted. */
int http_accept(struct ps_http_server *s, struct http_listener *l);

/* http_conn.c */
struct http_conn *http_conn_new(struct ps_http_server *s, int fd);
/* Handle epoll events of c; frees c if it closed. */
void http_conn_event(struct http_conn *c, uint32_t events);
/* Continue requests left over by the per-event budget; may free c. */
void http_conn_resume(struct http_conn *c);
/* c's deadline passed; may free c. */
void http_conn_expire(struct http_conn *c);
void http_conn_free(struct http_conn *c);

/* http_response.c */
/* Frame resp (taking its body) into c's output. */
int http_response_frame(struct http_conn *c, struct ps_http_response *resp,
			bool is_head, bool close, bool keep_alive_10);
/* Reset r to the handler's starting state. */
void http_response_init(struct ps_http_response *r);
void http_response_release(struct ps_http_response *r);
/* Short error code of a status: "not_found". */
const char *http_status_code(int status);

#endif
