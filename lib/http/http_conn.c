/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One client connection: read a head, then its body, call the handler,
 * send the response, repeat. A connection holds at most one response at a
 * time; the next pipelined request is looked at only once the previous
 * response is fully written, which keeps answers in order and bounds the
 * memory a client that does not read can make us hold.
 *
 * Entry points (new, event, resume, expire) end in conn_settle(), the only
 * place a closed connection is freed, so nothing below it touches freed
 * memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "http_private.h"

/* Input read beyond a body: the start of the next pipelined request. */
#define PIPELINE_SLACK 4096
/* Bytes read per event, requests per run: others get their turn. */
#define READ_BUDGET ((size_t)256 * 1024)
#define READ_CHUNK ((size_t)64 * 1024)
#define REQUEST_BUDGET 32

static bool
out_pending(const struct http_conn *c)
{
	return c->out.off < c->out.len || c->body_off < c->body_sz;
}

static bool
is_reading(const struct http_conn *c)
{
	return c->state == HTTP_ST_HEAD || c->state == HTTP_ST_BODY;
}

/* Input bytes we are prepared to hold now. */
static size_t
in_room(const struct http_conn *c)
{
	size_t limit;

	if (c->state == HTTP_ST_HEAD)
		limit = c->srv->max_header + 1;	/* one more shows overflow */
	else
		limit = c->body_len + PIPELINE_SLACK;
	return c->in.len < limit ? limit - c->in.len : 0;
}

static void
conn_close(struct http_conn *c)
{
	if (c->state == HTTP_ST_CLOSED)
		return;
	epoll_ctl(c->srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = HTTP_ST_CLOSED;
}

static void
conn_abort(struct http_conn *c, const char *why)
{
	HTTP_LOG(DEBUG, "client %d: %s\n", c->fd, why);
	c->srv->st.aborted++;
	conn_close(c);
}

/* The current request is over: ready for the next one. */
static void
request_done(struct http_conn *c)
{
	free(c->head);
	c->head = NULL;
	c->body_len = 0;
	c->scan = 0;
	c->state = HTTP_ST_HEAD;
	c->nb_requests++;
	c->in_request = c->in.len > 0;
	if (c->in_request)
		c->req_start = c->srv->now;
	http_buf_trim(&c->in);
}

/*
 * Whether the current request is a HEAD, whose answer has no body. Before
 * its head is complete (a 408 or 431) the method is all we can look at.
 */
static bool
starts_head(const char *p, size_t len)
{
	return len >= 5 && memcmp(p, "HEAD ", 5) == 0;
}

static bool
head_request(const struct http_conn *c)
{
	if (c->head != NULL)
		return c->is_head;
	return starts_head(c->in.p, c->in.len);
}

/*
 * Answer the current request with an error from the server itself.
 * Unless keep is set the connection closes afterwards: after most errors
 * we cannot tell where the next request would start.
 */
static void __rte_format_printf(4, 5)
reply_error(struct http_conn *c, int status, bool keep, const char *fmt, ...)
{
	struct ps_http_response resp;
	bool head_ok = c->head != NULL, ten = false;
	bool is_head = head_request(c);
	va_list ap;

	http_response_init(&resp);
	va_start(ap, fmt);
	ps_http_json_verror(&resp, status, http_status_code(status), fmt, ap);
	va_end(ap);
	if (status == 401)
		ps_http_response_header(&resp, "WWW-Authenticate", "Bearer");
	if (status == 503)
		ps_http_response_header(&resp, "Retry-After", "1");
	keep = keep && head_ok && c->h.req.keep_alive;
	if (keep)
		ten = c->h.req.version_minor == 0;
	HTTP_LOG(DEBUG, "client %d: %d %s\n", c->fd, status,
		 resp.body != NULL ? resp.body : "");
	if (http_response_frame(c, &resp, is_head, !keep, ten) < 0) {
		conn_abort(c, "out of memory");
		return;
	}
	c->last_io = c->srv->now;
	if (keep)
		request_done(c);
	else
		c->close_after = true;
}

/* "Bearer <token>", scheme case-insensitive (RFC 9110 11.1). */
static bool
auth_ok(const struct ps_http_server *s, const char *v)
{
	unsigned char d = 0;
	size_t i, n;

	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return false;
	v += 7;
	while (*v == ' ')
		v++;
	n = strlen(v);
	/* compare every byte, so timing tells nothing about a prefix */
	for (i = 0; i < s->token_len; i++)
		d |= (unsigned char)(s->token[i] ^ (i < n ? v[i] : 0));
	return d == 0 && n == s->token_len;
}

/* A complete head of hl bytes starts the input. Decide what comes next. */
static void
conn_head(struct http_conn *c, size_t hl)
{
	struct ps_http_server *s = c->srv;
	const struct ps_http_request *r = &c->h.req;
	char why[160];
	int rc;

	/* The head moves out of the input buffer, which may grow (realloc)
	 * while the body arrives; the request's pointers stay valid. */
	c->head = malloc(hl + 1);
	if (c->head == NULL) {
		conn_abort(c, "out of memory");
		return;
	}
	/* From the raw bytes, so that even a malformed HEAD gets no body. */
	c->is_head = starts_head(c->in.p, hl);
	memcpy(c->head, c->in.p, hl);
	c->head[hl] = '\0';
	http_buf_consume(&c->in, hl);
	c->scan = 0;

	rc = http_parse_head(c->head, hl, &c->h, why, sizeof(why));
	if (rc != 0) {
		/* the head stays until the close: its method is still
		 * known, and it is not a request to read a body for */
		c->h.req.keep_alive = false;
		if (rc == 400)
			s->st.bad_request++;
		else
			s->st.unsupported++;
		reply_error(c, rc, false, "%s", why);
		return;
	}
	/* Authentication first: a client without the token learns nothing
	 * else about how its request would have been taken. */
	if (s->token != NULL && !auth_ok(s, r->authorization)) {
		s->st.unauthorized++;
		reply_error(c, 401, r->content_length == 0 && !c->h.has_te,
			    "%s", r->authorization == NULL ?
			    "missing bearer token" : "invalid bearer token");
		return;
	}
	/*
	 * No transfer codings: API bodies are small and their clients know
	 * the length. Chunked gets 411 Length Required, which tells the
	 * client exactly what to do instead (send Content-Length); any other
	 * coding is one we do not understand, 501 (RFC 9112 6.1).
	 */
	if (c->h.has_te) {
		s->st.unsupported++;
		if (c->h.te_chunked)
			reply_error(c, 411, false, "chunked transfer coding "
				    "is not supported, send Content-Length");
		else
			reply_error(c, 501, false, "%s",
				    "transfer coding not supported");
		return;
	}
	if (c->h.expect_other) {
		s->st.unsupported++;
		reply_error(c, 417, false, "%s",
			    "only Expect: 100-continue is supported");
		return;
	}
	/* Early, without reading the body: the client stops sending (or
	 * is drained while we linger) and we never hold the excess. */
	if (r->content_length > s->max_body) {
		s->st.too_large++;
		reply_error(c, 413, false, "body of %" PRIu64 " bytes exceeds "
			    "the limit of %zu", r->content_length, s->max_body);
		return;
	}
	c->body_len = r->content_length;
	c->state = HTTP_ST_BODY;
	c->body_start = s->now;
	/* Only when the client is really waiting (RFC 9110 10.1.1). */
	if (c->h.expect_continue && r->version_minor >= 1 &&
	    c->body_len > 0 && c->in.len == 0) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		if (http_buf_append(&c->out, cont, sizeof(cont) - 1) < 0)
			conn_abort(c, "out of memory");
	}
}

/* Hand the complete request to the handler and queue its response. */
static void
conn_dispatch(struct http_conn *c)
{
	struct ps_http_server *s = c->srv;
	struct ps_http_request req = c->h.req;
	struct ps_http_response resp;
	char saved = '\0';
	bool close;

	if (c->in.p != NULL) {
		/* NUL after the body for the handler's convenience; the
		 * byte belongs to the next request, so put it back. */
		saved = c->in.p[c->body_len];
		c->in.p[c->body_len] = '\0';
		req.body = c->in.p;
	} else {
		req.body = "";
	}
	req.body_len = c->body_len;
	http_response_init(&resp);
	s->st.requests++;
	s->handler(&req, &resp, s->ctx);
	/* a handler may take a while (a large replace); timers go on
	 * from when it returned */
	s->now = http_now_ms();
	if (c->in.p != NULL)
		c->in.p[c->body_len] = saved;

	close = resp.close || !req.keep_alive;
	if (http_response_frame(c, &resp, c->is_head, close,
				!close && req.version_minor == 0) < 0) {
		conn_abort(c, "out of memory");
		return;
	}
	c->last_io = s->now;
	http_buf_consume(&c->in, c->body_len);
	c->close_after = close;
	request_done(c);
}

/* Skip the empty lines a client may send before a request (RFC 9112 2.2). */
static void
skip_empty_lines(struct http_conn *c)
{
	size_t i = 0;

	while (i < c->in.len) {
		if (c->in.p[i] == '\n')
			i++;
		else if (c->in.p[i] == '\r' && i + 1 < c->in.len &&
			 c->in.p[i + 1] == '\n')
			i += 2;
		else
			break;
	}
	if (i > 0) {
		http_buf_consume(&c->in, i);
		c->scan = 0;
	}
}

/*
 * Advance the current request with what the input holds. Returns true
 * when a response was queued, false when more input is needed.
 */
static bool
conn_step(struct http_conn *c)
{
	struct ps_http_server *s = c->srv;
	size_t hl;

	if (c->state == HTTP_ST_HEAD) {
		skip_empty_lines(c);
		if (c->in.len == 0)
			return false;
		hl = http_head_end(c->in.p, c->in.len, &c->scan);
		if ((hl == 0 && c->in.len > s->max_header) ||
		    hl > s->max_header) {
			s->st.header_too_large++;
			reply_error(c, 431, false, "request head exceeds %zu "
				    "bytes", s->max_header);
			return true;
		}
		if (hl == 0)
			return false;
		conn_head(c, hl);
		if (c->state != HTTP_ST_BODY)
			return true;
	}
	if (c->in.len < c->body_len)
		return false;
	conn_dispatch(c);
	return true;
}

static void
conn_flush(struct http_conn *c)
{
	while (c->state != HTTP_ST_CLOSED && out_pending(c)) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov };
		size_t w;
		ssize_t n;

		if (c->out.off < c->out.len) {
			iov[mh.msg_iovlen].iov_base = c->out.p + c->out.off;
			iov[mh.msg_iovlen++].iov_len = c->out.len - c->out.off;
		}
		if (c->body_off < c->body_sz) {
			iov[mh.msg_iovlen].iov_base = c->body + c->body_off;
			iov[mh.msg_iovlen++].iov_len = c->body_sz - c->body_off;
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno != EINTR)
				conn_abort(c, strerror(errno));
			continue;
		}
		c->last_io = c->srv->now;
		w = (size_t)n;
		if (c->out.off < c->out.len) {
			size_t k = RTE_MIN(w, c->out.len - c->out.off);

			c->out.off += k;
			w -= k;
		}
		c->body_off += w;
	}
	if (c->state == HTTP_ST_CLOSED)
		return;
	c->out.len = 0;
	c->out.off = 0;
	http_buf_trim(&c->out);
	free(c->body);
	c->body = NULL;
	c->body_sz = 0;
	c->body_off = 0;
}

static void
conn_read(struct http_conn *c)
{
	struct ps_http_server *s = c->srv;
	size_t budget = READ_BUDGET;

	while (budget > 0) {
		size_t room = RTE_MIN(RTE_MIN(in_room(c), budget), READ_CHUNK);
		ssize_t n;

		if (room == 0)
			return;
		/* Grow by doubling only when full, so that memory follows
		 * the bytes received, not what a client announces. */
		if (c->in.len + 1 >= c->in.cap &&
		    http_buf_reserve(&c->in, 1) < 0) {
			conn_abort(c, "out of memory");
			return;
		}
		room = RTE_MIN(room, c->in.cap - c->in.len - 1);
		n = recv(c->fd, c->in.p + c->in.len, room, MSG_DONTWAIT);
		if (n == 0) {
			c->peer_eof = true;
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_abort(c, strerror(errno));
			return;
		}
		if (!c->in_request && c->state == HTTP_ST_HEAD) {
			c->in_request = true;
			c->req_start = s->now;
		}
		c->in.len += (size_t)n;
		c->in.p[c->in.len] = '\0';
		c->last_io = s->now;
		budget -= (size_t)n;
		if ((size_t)n < room)
			return;	/* drained: save a recv() that says EAGAIN */
	}
}

/* Discard what a closing client still sends, until it closes too. */
static void
conn_linger_read(struct http_conn *c)
{
	char scratch[16384];
	size_t budget = READ_BUDGET;
	ssize_t n;

	while (budget > 0) {
		n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
		if (n > 0) {
			budget -= RTE_MIN((size_t)n, budget);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			conn_close(c);
		return;
	}
}

/* The last response is out: half-close and wait for the client's FIN. */
static void
conn_linger(struct http_conn *c)
{
	if (c->peer_eof) {
		conn_close(c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = HTTP_ST_LINGER;
	c->linger_start = c->srv->now;
	http_buf_free(&c->in);
	free(c->head);
	c->head = NULL;
}

static void
set_pending(struct http_conn *c)
{
	if (!c->pending) {
		c->pending = true;
		TAILQ_INSERT_TAIL(&c->srv->pending, c, pending_next);
	}
}

/* Make all the progress the buffers allow. */
static void
conn_run(struct http_conn *c)
{
	unsigned int budget = REQUEST_BUDGET;

	while (is_reading(c) && !out_pending(c) && !c->close_after) {
		if (budget == 0) {
			set_pending(c);
			break;
		}
		if (!conn_step(c))
			break;
		budget--;
		conn_flush(c);
	}
	conn_flush(c);
	if (!is_reading(c) || out_pending(c))
		return;
	if (c->close_after) {
		conn_linger(c);
	} else if (c->peer_eof && !c->pending) {
		/* the client will send no more: what is left is cut short */
		if (c->in_request || c->state == HTTP_ST_BODY)
			conn_abort(c, "closed mid-request");
		else
			conn_close(c);
	}
}

static uint32_t
conn_want(const struct http_conn *c)
{
	if (c->state == HTTP_ST_CLOSED)
		return 0;
	if (out_pending(c))
		return EPOLLOUT;
	if (c->state == HTTP_ST_LINGER)
		return EPOLLIN;
	if (c->peer_eof || c->close_after || in_room(c) == 0)
		return 0;
	return EPOLLIN;
}

static uint64_t
conn_deadline(const struct http_conn *c)
{
	const struct ps_http_server *s = c->srv;

	/* a client that stopped reading its response */
	if (out_pending(c))
		return c->last_io + s->idle_to;
	switch (c->state) {
	case HTTP_ST_HEAD:
		if (!c->in_request)
			return c->last_io + s->idle_to;
		return c->req_start + s->header_to;
	case HTTP_ST_BODY:
		return c->body_start + s->body_to;
	case HTTP_ST_LINGER:
		return c->linger_start + HTTP_LINGER_MS;
	default:
		return UINT64_MAX;
	}
}

/* Free a closed connection, or bring its epoll interest and timer up to
 * date. The end of every entry point. */
static void
conn_settle(struct http_conn *c)
{
	struct ps_http_server *s = c->srv;
	uint32_t want;

	if (c->state == HTTP_ST_CLOSED) {
		http_conn_free(c);
		return;
	}
	want = conn_want(c);
	if (want != c->events) {
		struct epoll_event ev = { .events = want, .data.ptr = c };

		if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
			conn_abort(c, "epoll_ctl failed");
			http_conn_free(c);
			return;
		}
		c->events = want;
	}
	c->deadline = conn_deadline(c);
	if (c->deadline < s->next_deadline)
		s->next_deadline = c->deadline;
}

struct http_conn *
http_conn_new(struct ps_http_server *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct http_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ep.kind = HTTP_EP_CONN;
	c->srv = s;
	c->fd = fd;
	c->state = HTTP_ST_HEAD;
	c->events = EPOLLIN;
	/* The header timer runs from accept: a client that connects and
	 * says nothing holds a slot no longer than a slow one. */
	c->in_request = true;
	c->req_start = s->now;
	c->last_io = s->now;
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->conns, c, next);
	s->st.connections_open++;
	s->st.connections_total++;
	conn_settle(c);
	return c;
}

void
http_conn_event(struct http_conn *c, uint32_t events)
{
	if (c->state == HTTP_ST_LINGER) {
		conn_linger_read(c);
	} else {
		if (out_pending(c) &&
		    (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0)
			conn_flush(c);
		if (is_reading(c) && !out_pending(c) &&
		    (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0)
			conn_read(c);
		if (is_reading(c))
			conn_run(c);
	}
	conn_settle(c);
}

void
http_conn_resume(struct http_conn *c)
{
	if (c->pending) {
		c->pending = false;
		TAILQ_REMOVE(&c->srv->pending, c, pending_next);
	}
	if (is_reading(c))
		conn_run(c);
	conn_settle(c);
}

void
http_conn_expire(struct http_conn *c)
{
	struct ps_http_server *s = c->srv;

	if (out_pending(c)) {
		s->st.idle_closed++;
		conn_close(c);
	} else if (c->state == HTTP_ST_LINGER) {
		conn_close(c);
	} else if (c->state == HTTP_ST_HEAD && !c->in_request) {
		s->st.idle_closed++;
		conn_close(c);
	} else if (is_reading(c)) {
		s->st.timeouts++;
		reply_error(c, 408, false, "%s not received in time",
			    c->state == HTTP_ST_HEAD ? "request head" :
			    "request body");
		conn_run(c);
	}
	conn_settle(c);
}

void
http_conn_free(struct http_conn *c)
{
	struct ps_http_server *s = c->srv;

	conn_close(c);
	if (c->pending)
		TAILQ_REMOVE(&s->pending, c, pending_next);
	TAILQ_REMOVE(&s->conns, c, next);
	http_buf_free(&c->in);
	http_buf_free(&c->out);
	free(c->body);
	free(c->head);
	free(c);
	s->st.connections_open--;
}
