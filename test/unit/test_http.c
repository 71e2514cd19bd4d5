/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP server under the REST API (include/podswitch/http.h), over real
 * sockets. The server runs in the test thread; clients are non-blocking
 * sockets of the same thread, and every wait for a client pumps the server
 * (poll() on both the client and the server's epoll descriptor, then
 * ps_http_server_poll(0)), so nothing sleeps longer than needed and no
 * thread races the server. No EAL: the library needs none.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <podswitch/http.h>

#include "test_common.h"

#define WAIT_MS 5000
#define MANY_CLIENTS 500
#define FUZZ_CASES 2000

static char tmp_dir[64];
static char sock_path[128];
static struct ps_http_server *srv;
static unsigned int handler_calls;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Echo what the handler got, as text. /status/N answers N with no body,
 * /close asks to close, /len gives only the body length.
 */
static void
echo_handler(const struct ps_http_request *req, struct ps_http_response *resp,
	     void *ctx)
{
	size_t n;
	char *b;

	RTE_SET_USED(ctx);
	handler_calls++;
	if (strncmp(req->path, "/status/", 8) == 0) {
		resp->status = atoi(req->path + 8);
		return;
	}
	if (strcmp(req->path, "/len") == 0) {
		ps_http_response_printf(resp, "{\"len\": %zu}", req->body_len);
		return;
	}
	if (strcmp(req->path, "/close") == 0)
		resp->close = true;
	strcpy(resp->content_type, "text/plain");
	n = (size_t)snprintf(NULL, 0, "method=%s\npath=%s\nquery=%s\ntype=%s\n"
			     "keep=%d\nbody=", req->method, req->path,
			     req->query, req->content_type ?
			     req->content_type : "-", req->keep_alive);
	b = malloc(n + req->body_len + 1);
	if (b == NULL)
		return;
	snprintf(b, n + 1, "method=%s\npath=%s\nquery=%s\ntype=%s\nkeep=%d\n"
		 "body=", req->method, req->path, req->query,
		 req->content_type ? req->content_type : "-", req->keep_alive);
	memcpy(b + n, req->body, req->body_len + 1);
	ps_http_response_body_take(resp, b, n + req->body_len);
}

/* Wait (at most ms) for the client fd or the server, then run the server. */
static void
pump(int fd, short events, int ms)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = ps_http_server_fd(srv), .events = POLLIN },
	};

	poll(p, 2, ms);
	ps_http_server_poll(srv, 0);
}

static struct ps_http_server_stats
stats(void)
{
	struct ps_http_server_stats st;

	ps_http_server_stats(srv, &st);
	return st;
}

/* Client side ------------------------------------------------------------ */

struct client {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
	bool reset;
	bool head_req;		/* the next final response has no body */
};

struct resp {
	int status;
	char head[8192];
	char *body;
	size_t body_len;
};

static int
client_connect(struct client *cl, int family, int port)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	const struct sockaddr *sa = (const struct sockaddr *)&sin;
	socklen_t sl = sizeof(sin);
	uint64_t end = now_ms() + WAIT_MS;

	memset(cl, 0, sizeof(*cl));
	cl->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cl->fd < 0)
		return -errno;
	if (family == AF_UNIX) {
		strcpy(sun.sun_path, sock_path);
		sa = (const struct sockaddr *)&sun;
		sl = sizeof(sun);
	}
	/* A Unix listener with a full backlog says EAGAIN: let it accept. */
	while (connect(cl->fd, sa, sl) < 0) {
		if (errno == EINPROGRESS)
			return 0;
		if (errno != EAGAIN || now_ms() > end) {
			int rc = -errno;

			close(cl->fd);
			cl->fd = -1;
			return rc;
		}
		pump(-1, 0, 1);
	}
	return 0;
}

static int
client_unix(struct client *cl)
{
	return client_connect(cl, AF_UNIX, 0);
}

static void
client_close(struct client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	free(cl->buf);
	cl->buf = NULL;
	cl->len = cl->cap = 0;
}

static int
client_send(struct client *cl, const void *data, size_t len)
{
	const char *p = data;
	uint64_t end = now_ms() + WAIT_MS;

	while (len > 0) {
		ssize_t n = send(cl->fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno != EAGAIN && errno != ENOTCONN && errno != EINTR)
			return -errno;
		if (now_ms() > end)
			return -ETIMEDOUT;
		pump(cl->fd, POLLOUT, 5);
	}
	return 0;
}

static int
client_sends(struct client *cl, const char *s)
{
	return client_send(cl, s, strlen(s));
}

/* Read what is there; 1 if something came (or EOF), 0 if nothing. */
static int
client_fill(struct client *cl)
{
	ssize_t n;

	if (cl->eof)
		return 0;
	if (cl->cap - cl->len < 65536) {
		char *b = realloc(cl->buf, cl->cap * 2 + 65536);

		if (b == NULL)
			return -ENOMEM;
		cl->buf = b;
		cl->cap = cl->cap * 2 + 65536;
	}
	n = recv(cl->fd, cl->buf + cl->len, cl->cap - cl->len - 1, 0);
	if (n > 0) {
		cl->len += (size_t)n;
		cl->buf[cl->len] = '\0';
		return 1;
	}
	if (n == 0 || errno == ECONNRESET || errno == EPIPE) {
		cl->reset = n < 0;
		cl->eof = true;
		return 1;
	}
	return 0;
}

static bool
resp_header(const struct resp *r, const char *name, char *val, size_t size)
{
	const char *p = strstr(r->head, "\r\n");
	size_t nl = strlen(name);

	while (p != NULL && p[2] != '\r') {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(val, size, "%.*s", (int)(e - v), v);
			return true;
		}
		p = strstr(p, "\r\n");
	}
	return false;
}

static void
resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

/*
 * Take one complete response from the client's buffer: 1, 0 when
 * incomplete, -EPROTO when it is not a well-framed HTTP/1.1 response
 * (which includes a missing Content-Length where one is due).
 */
static int
client_parse(struct client *cl, struct resp *r)
{
	const char *end;
	char v[64];
	size_t hl, bl = 0;

	memset(r, 0, sizeof(*r));
	if (cl->len == 0)
		return 0;
	end = memmem(cl->buf, cl->len, "\r\n\r\n", 4);
	if (end == NULL)
		return cl->len > sizeof(r->head) ? -EPROTO : 0;
	hl = (size_t)(end - cl->buf) + 4;
	if (hl >= sizeof(r->head) || strncmp(cl->buf, "HTTP/1.1 ", 9) != 0)
		return -EPROTO;
	memcpy(r->head, cl->buf, hl);
	r->head[hl] = '\0';
	r->status = atoi(r->head + 9);
	if (cl->head_req)
		bl = 0;
	else if (resp_header(r, "Content-Length", v, sizeof(v)))
		bl = strtoul(v, NULL, 10);
	else if (r->status >= 200 && r->status != 204 && r->status != 304)
		return -EPROTO;
	if (cl->len < hl + bl)
		return 0;
	r->body = malloc(bl + 1);
	memcpy(r->body, cl->buf + hl, bl);
	r->body[bl] = '\0';
	r->body_len = bl;
	memmove(cl->buf, cl->buf + hl + bl, cl->len - hl - bl);
	cl->len -= hl + bl;
	/* a HEAD is one request: what is pipelined after it is not */
	if (r->status >= 200)
		cl->head_req = false;
	return 1;
}

static int
client_read(struct client *cl, struct resp *r)
{
	uint64_t end = now_ms() + WAIT_MS;

	for (;;) {
		int rc = client_parse(cl, r);

		if (rc != 0)
			return rc < 0 ? rc : 0;
		if (cl->eof)
			return -EPIPE;
		if (client_fill(cl) > 0)
			continue;
		if (now_ms() > end)
			return -ETIMEDOUT;
		pump(cl->fd, POLLIN, 5);
	}
}

/* Wait until the server closes; what arrives stays in the buffer. */
static int
client_wait_eof(struct client *cl, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (!cl->eof) {
		if (client_fill(cl) > 0)
			continue;
		if (now_ms() > end)
			return -ETIMEDOUT;
		pump(cl->fd, POLLIN, 5);
	}
	return 0;
}

static int
exchange(struct client *cl, const char *req, struct resp *r)
{
	int rc = client_sends(cl, req);

	cl->head_req = strncmp(req, "HEAD ", 5) == 0;
	if (rc == 0)
		rc = client_read(cl, r);
	cl->head_req = false;
	return rc;
}

/* Server set-up ------------------------------------------------------------ */

static struct ps_http_params
params(void)
{
	struct ps_http_params p = { .unix_path = sock_path };

	return p;
}

static bool
server_start(const struct ps_http_params *p)
{
	handler_calls = 0;
	srv = ps_http_server_create(p, echo_handler, NULL);
	return CHECK(srv != NULL, "server create: %s", rte_strerror(rte_errno));
}

/* Every client is gone: the server must get back to zero connections. */
static void
server_stop(void)
{
	uint64_t end = now_ms() + WAIT_MS;

	if (srv == NULL)
		return;
	while (stats().connections_open > 0 && now_ms() < end)
		pump(-1, 0, 5);
	CHECK(stats().connections_open == 0, "%u connections left open",
	      stats().connections_open);
	ps_http_server_free(srv);
	srv = NULL;
}

static bool
wait_open(unsigned int n)
{
	uint64_t end = now_ms() + WAIT_MS;

	while (stats().connections_open != n && now_ms() < end)
		pump(-1, 0, 5);
	return CHECK(stats().connections_open == n, "%u connections open, "
		     "want %u", stats().connections_open, n);
}

static bool
is_json_error(const struct resp *r, const char *code)
{
	json_t *j, *e, *c, *m;
	char ct[128];
	bool ok;

	if (!resp_header(r, "Content-Type", ct, sizeof(ct)) ||
	    strcmp(ct, "application/json") != 0)
		return false;
	j = json_loadb(r->body, r->body_len, 0, NULL);
	e = json_object_get(j, "error");
	c = json_object_get(e, "code");
	m = json_object_get(e, "message");
	ok = json_is_string(c) && json_is_string(m) &&
	     (code == NULL || strcmp(json_string_value(c), code) == 0);
	json_decref(j);
	return ok;
}

static bool
has_close(const struct resp *r)
{
	char v[64];

	return resp_header(r, "Connection", v, sizeof(v)) &&
	       strcasecmp(v, "close") == 0;
}

/* Tests ----------------------------------------------------------------- */

static void
test_get_echo(void)
{
	struct ps_http_params p = params();
	struct client cl;
	struct resp r;
	char v[64];

	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET /v1/echo?x=1&y=a%20b HTTP/1.1\r\n"
				 "Host: localhost\r\nUser-Agent: t\r\n\r\n",
				 &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.body, "method=GET\npath=/v1/echo\n"
			       "query=x=1&y=a%20b\ntype=-\nkeep=1\nbody=");
	CU_ASSERT(resp_header(&r, "Content-Type", v, sizeof(v)) &&
		  strcmp(v, "text/plain") == 0);
	CU_ASSERT(resp_header(&r, "Content-Length", v, sizeof(v)) &&
		  strtoul(v, NULL, 10) == r.body_len);
	CU_ASSERT(!resp_header(&r, "Connection", v, sizeof(v)));
	resp_free(&r);

	/* HEAD: the GET's headers, no body */
	CU_ASSERT_EQUAL(exchange(&cl, "HEAD /h HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(r.body_len, 0);
	CU_ASSERT(resp_header(&r, "Content-Length", v, sizeof(v)) &&
		  strtoul(v, NULL, 10) > 0);
	resp_free(&r);

	/* 204: no body, no Content-Length; the connection goes on */
	CU_ASSERT_EQUAL(exchange(&cl, "DELETE /status/204 HTTP/1.1\r\n\r\n",
				 &r), 0);
	CU_ASSERT_EQUAL(r.status, 204);
	CU_ASSERT(!resp_header(&r, "Content-Length", v, sizeof(v)));
	resp_free(&r);

	/* an error status without body gets the standard error body */
	CU_ASSERT_EQUAL(exchange(&cl, "GET /status/404 HTTP/1.1\r\n\r\n", &r),
			0);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT(is_json_error(&r, "not_found"));
	resp_free(&r);

	/* an invalid status from the handler is a 500 */
	CU_ASSERT_EQUAL(exchange(&cl, "GET /status/42 HTTP/1.1\r\n\r\n", &r),
			0);
	CU_ASSERT_EQUAL(r.status, 500);
	CU_ASSERT(is_json_error(&r, "internal_error"));
	resp_free(&r);
	CU_ASSERT_EQUAL(handler_calls, 5);
	CU_ASSERT_EQUAL(stats().requests, 5);
	CU_ASSERT_EQUAL(stats().connections_total, 1);
	client_close(&cl);
	server_stop();
}

static void
test_keep_alive(void)
{
	struct ps_http_params p = params();
	struct client cl;
	struct resp r;
	char path[32], v[64];
	int i;

	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	for (i = 0; i < 3; i++) {
		char req[64];

		snprintf(req, sizeof(req), "GET /k%d HTTP/1.1\r\n\r\n", i);
		CU_ASSERT_EQUAL(exchange(&cl, req, &r), 0);
		CU_ASSERT_EQUAL(r.status, 200);
		snprintf(path, sizeof(path), "path=/k%d\n", i);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.body, path));
		CU_ASSERT(!has_close(&r));
		resp_free(&r);
	}
	CU_ASSERT_EQUAL(stats().connections_total, 1);
	CU_ASSERT_EQUAL(stats().connections_open, 1);
	CU_ASSERT_EQUAL(stats().requests, 3);
	/* "Connection: close" ends it after the answer */
	CU_ASSERT_EQUAL(exchange(&cl, "GET /c HTTP/1.1\r\nConnection: close"
				 "\r\n\r\n", &r), 0);
	CU_ASSERT(has_close(&r));
	CU_ASSERT(strstr(r.body, "keep=0") != NULL);
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);

	/* HTTP/1.0 closes unless it asks for keep-alive */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET /a HTTP/1.0\r\nConnection: "
				 "Keep-Alive\r\n\r\n", &r), 0);
	CU_ASSERT(resp_header(&r, "Connection", v, sizeof(v)) &&
		  strcasecmp(v, "keep-alive") == 0);
	resp_free(&r);
	CU_ASSERT_EQUAL(exchange(&cl, "GET /b HTTP/1.0\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(has_close(&r));
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);

	/* the handler can close too */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET /close HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT(has_close(&r));
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);
	server_stop();
}

static void
test_pipelining(void)
{
	struct ps_http_params p = params();
	char *all = malloc(65536), want[64];
	struct client cl;
	struct resp r;
	size_t len = 0;
	int i;

	if (all == NULL || !server_start(&p)) {
		free(all);
		return;
	}
	/* Several at once, a POST with a body among them, then many more
	 * than the server handles per turn. */
	len += (size_t)sprintf(all + len, "GET /p0 HTTP/1.1\r\n\r\n"
			       "POST /p1 HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
			       "hello"
			       "GET /p2?q HTTP/1.1\r\n\r\n");
	for (i = 3; i < 200; i++)
		len += (size_t)sprintf(all + len, "GET /p%d HTTP/1.1\r\n\r\n",
				       i);
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(client_send(&cl, all, len), 0);
	for (i = 0; i < 200; i++) {
		if (!CHECK(client_read(&cl, &r) == 0, "response %d", i))
			break;
		snprintf(want, sizeof(want), "path=/p%d\n", i);
		CHECK(r.status == 200 && strstr(r.body, want) != NULL,
		      "response %d out of order: %s", i, r.body);
		if (i == 1)
			CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "body=hello"));
		resp_free(&r);
	}
	CU_ASSERT_EQUAL(stats().requests, 200);
	CU_ASSERT_EQUAL(stats().connections_total, 1);
	client_close(&cl);
	free(all);
	server_stop();
}

static void
test_post_body(void)
{
	struct ps_http_params p = params();
	size_t big = 1024 * 1024, i;
	struct client cl;
	struct resp r;
	char *req, *b;

	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "POST /v1/routes HTTP/1.1\r\n"
				 "Content-Type: application/json\r\n"
				 "Content-Length: 11\r\n\r\nhello world", &r),
			0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.body, "method=POST\npath=/v1/routes\nquery=\n"
			       "type=application/json\nkeep=1\nbody=hello world");
	resp_free(&r);

	/* head and body in pieces, the server running in between */
	CU_ASSERT_EQUAL(client_sends(&cl, "PUT /x HTTP/1.1\r\nContent-Le"), 0);
	pump(-1, 0, 1);
	CU_ASSERT_EQUAL(client_sends(&cl, "ngth: 6\r\n\r\nab"), 0);
	pump(-1, 0, 1);
	CU_ASSERT_EQUAL(client_sends(&cl, "cdef"), 0);
	CU_ASSERT_EQUAL(client_read(&cl, &r), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "body=abcdef"));
	resp_free(&r);

	/* Expect: 100-continue */
	CU_ASSERT_EQUAL(exchange(&cl, "POST /e HTTP/1.1\r\nContent-Length: 3"
				 "\r\nExpect: 100-continue\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 100);
	resp_free(&r);
	CU_ASSERT_EQUAL(exchange(&cl, "xyz", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "body=xyz"));
	resp_free(&r);

	/* 1 MiB each way: the response goes out in pieces (EPOLLOUT) */
	req = malloc(big + 128);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	i = (size_t)sprintf(req, "POST /echo HTTP/1.1\r\nContent-Length: %zu"
			    "\r\n\r\n", big);
	b = req + i;
	for (size_t k = 0; k < big; k++)
		b[k] = (char)('a' + k % 26);
	CU_ASSERT_EQUAL(client_send(&cl, req, i + big), 0);
	CU_ASSERT_EQUAL(client_read(&cl, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(r.body_len > big &&
		  memcmp(r.body + r.body_len - big, b, big) == 0);
	resp_free(&r);
	free(req);
	client_close(&cl);
	server_stop();
}

static void
test_too_large(void)
{
	struct ps_http_params p = params();
	static char chunk[65536];
	struct client cl;
	struct resp r;
	int i;

	p.max_body_bytes = 1024;
	if (!server_start(&p))
		return;
	/* at the limit: fine */
	memset(chunk, 'x', sizeof(chunk));
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(client_sends(&cl, "POST /len HTTP/1.1\r\n"
				     "Content-Length: 1024\r\n\r\n"), 0);
	CU_ASSERT_EQUAL(client_send(&cl, chunk, 1024), 0);
	CU_ASSERT_EQUAL(client_read(&cl, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	/* one over: 413 without sending any of the body */
	CU_ASSERT_EQUAL(exchange(&cl, "POST /len HTTP/1.1\r\n"
				 "Content-Length: 1025\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 413);
	CU_ASSERT(is_json_error(&r, "content_too_large"));
	CU_ASSERT(has_close(&r));
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);

	/* 10 MB announced, the client busy sending: answered early */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(client_sends(&cl, "POST /len HTTP/1.1\r\n"
				     "Content-Length: 10000000\r\n\r\n"), 0);
	for (i = 0; i < 4; i++)
		if (client_send(&cl, chunk, sizeof(chunk)) < 0)
			break;
	CU_ASSERT_EQUAL(client_read(&cl, &r), 0);
	CU_ASSERT_EQUAL(r.status, 413);
	resp_free(&r);
	client_close(&cl);

	/* beyond 64 bits */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "POST / HTTP/1.1\r\nContent-Length: "
				 "123456789012345678901234567890\r\n\r\n", &r),
			0);
	CU_ASSERT_EQUAL(r.status, 413);
	resp_free(&r);
	client_close(&cl);
	CU_ASSERT_EQUAL(stats().too_large, 3);
	CU_ASSERT_EQUAL(handler_calls, 1);
	server_stop();
}

static void
test_header_too_large(void)
{
	struct ps_http_params p = params();
	size_t n = 20000;
	char *req = malloc(n + 64);
	struct client cl;
	struct resp r;

	if (req == NULL || !server_start(&p)) {
		free(req);
		return;
	}
	/* just under the 16 KiB default */
	sprintf(req, "GET / HTTP/1.1\r\nX-Big: ");
	memset(req + strlen(req), 'a', 16000);
	strcpy(req + 23 + 16000, "\r\n\r\n");
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, req, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	/* over it, headers never finished */
	memset(req + 23, 'a', n);
	strcpy(req + 23 + n, "\r\n\r\n");
	CU_ASSERT_EQUAL(exchange(&cl, req, &r), 0);
	CU_ASSERT_EQUAL(r.status, 431);
	CU_ASSERT(is_json_error(&r, "header_too_large"));
	CU_ASSERT(has_close(&r));
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);
	CU_ASSERT_EQUAL(stats().header_too_large, 1);
	free(req);
	server_stop();
}

/* One request on a fresh connection; the status, or -errno. */
static int
one_shot(const char *req, size_t len, struct resp *r, bool *closed)
{
	struct client cl;
	int rc;

	memset(r, 0, sizeof(*r));
	*closed = false;
	rc = client_unix(&cl);
	if (rc < 0)
		return rc;
	rc = client_send(&cl, req, len);
	/* the server answers what it got, then closes */
	shutdown(cl.fd, SHUT_WR);
	if (rc == 0)
		rc = client_read(&cl, r);
	if (rc == 0)
		rc = r->status;
	*closed = client_wait_eof(&cl, WAIT_MS) == 0;
	client_close(&cl);
	return rc;
}

static void
test_bad_requests(void)
{
	static const struct {
		const char *req;
		int status;
		const char *code;
	} cases[] = {
		{ "GARBAGE\r\n\r\n", 400, "bad_request" },
		{ "GET /\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1 x\r\n\r\n", 400, NULL },
		{ "GET  / HTTP/1.1\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\n\r\n", 200, NULL },	/* no Host: fine */
		{ "GET http://h/ HTTP/1.1\r\n\r\n", 400, NULL },
		{ "GET * HTTP/1.1\r\n\r\n", 400, NULL },
		{ "GET /a b HTTP/1.1\r\n\r\n", 400, NULL },
		{ "G(T / HTTP/1.1\r\n\r\n", 400, NULL },
		{ "GET / HTTP/2.0\r\n\r\n", 505, "version_not_supported" },
		{ "GET / HTTP/1.9\r\n\r\n", 200, NULL },
		{ "GET / http/1.1\r\n\r\n", 400, NULL },
		{ "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400, NULL },
		{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, NULL },
		{ "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx", 400, NULL },
		{ "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400, NULL },
		{ "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx", 400, NULL },
		{ "POST / HTTP/1.1\r\nContent-Length: 3\r\n"
		  "content-length: 3\r\n\r\nabc", 400, NULL },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\nX Y: z\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\nX-A : z\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\n: z\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\nX-A: b\r\n c\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\nX-A: b\rc\r\n\r\n", 400, NULL },
		{ "GET / HTTP/1.1\r\nX-A: \x01\r\n\r\n", 400, NULL },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5\r\nhello\r\n0\r\n\r\n", 411, "length_required" },
		{ "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: "
		  "gzip, chunked\r\n\r\nhello", 411, NULL },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
		  "not_implemented" },
		{ "POST / HTTP/1.1\r\nExpect: teapot\r\n"
		  "Content-Length: 1\r\n\r\nx", 417, NULL },
		{ "\r\n\r\nGET /after-empty-lines HTTP/1.1\r\n\r\n", 200, NULL },
		{ "GET /bare-lf HTTP/1.1\nX-A: b\n\n", 200, NULL },
		{ "\n", -EPIPE, NULL },		/* nothing but an empty line */
	};
	struct ps_http_params p = params();
	unsigned int i;

	if (!server_start(&p))
		return;
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct resp r;
		bool closed;
		int st;

		st = one_shot(cases[i].req, strlen(cases[i].req), &r, &closed);
		CHECK(st == cases[i].status, "case %u %.40s: got %d, want %d",
		      i, cases[i].req, st, cases[i].status);
		CHECK(closed, "case %u: not closed", i);
		if (st >= 400) {
			CHECK(is_json_error(&r, cases[i].code),
			      "case %u: body %s", i, r.body);
			CHECK(has_close(&r), "case %u: no Connection: close",
			      i);
		}
		if (st > 0)
			resp_free(&r);
	}
	/* a NUL byte inside a header line */
	{
		static const char nul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
		struct resp r;
		bool closed;

		CU_ASSERT_EQUAL(one_shot(nul, sizeof(nul) - 1, &r, &closed),
				400);
		resp_free(&r);
	}
	CU_ASSERT(stats().bad_request >= 20);
	CU_ASSERT_EQUAL(stats().unsupported, 5);
	server_stop();
}

static void
test_chunked_rejected(void)
{
	struct ps_http_params p = params();
	struct client cl;
	struct resp r;

	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "POST /v1/routes HTTP/1.1\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n"
				 "2\r\n{}\r\n0\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 411);
	CU_ASSERT(has_close(&r));
	CU_ASSERT(is_json_error(&r, "length_required"));
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);
	CU_ASSERT_EQUAL(handler_calls, 0);
	server_stop();
}

static void
test_slow_client(void)
{
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
	struct ps_http_params p = params();
	struct client cl;
	struct resp r;
	uint64_t t0, t;
	size_t i;

	p.header_timeout_ms = 300;
	p.body_timeout_ms = 300;
	p.idle_timeout_ms = 300;
	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL(ps_http_server_next_ms(srv), -1);
	/* one byte every 50 ms: the request would need 1.6 s */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	t0 = now_ms();
	wait_open(1);
	CHECK(ps_http_server_next_ms(srv) > 200 &&
	      ps_http_server_next_ms(srv) <= 300, "next timer in %d ms",
	      ps_http_server_next_ms(srv));
	for (i = 0; i < sizeof(req) - 1 && cl.len == 0 && !cl.eof; i++) {
		uint64_t next = now_ms() + 50;

		if (client_send(&cl, req + i, 1) < 0)
			break;
		while (now_ms() < next && client_fill(&cl) == 0)
			pump(cl.fd, POLLIN, 5);
	}
	CU_ASSERT_EQUAL(client_read(&cl, &r), 0);
	t = now_ms() - t0;
	CU_ASSERT_EQUAL(r.status, 408);
	CU_ASSERT(is_json_error(&r, "request_timeout"));
	CU_ASSERT(has_close(&r));
	CHECK(t >= 280 && t < 1000, "408 after %u ms", (unsigned int)t);
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);
	CU_ASSERT_EQUAL(stats().timeouts, 1);
	CU_ASSERT_EQUAL(handler_calls, 0);

	/* a body that stalls */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "POST / HTTP/1.1\r\nContent-Length: 10"
				 "\r\n\r\nabc", &r), 0);
	CU_ASSERT_EQUAL(r.status, 408);
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);
	CU_ASSERT_EQUAL(stats().timeouts, 2);

	/* idle keep-alive: closed without a word */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	t0 = now_ms();
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	t = now_ms() - t0;
	CHECK(t >= 280 && t < 1000, "idle close after %u ms", (unsigned int)t);
	CU_ASSERT_EQUAL(cl.len, 0);
	client_close(&cl);
	CU_ASSERT_EQUAL(stats().idle_closed, 1);
	server_stop();
}

static void
test_disconnect_mid_body(void)
{
	struct ps_http_params p = params();
	static char chunk[5000];
	struct client cl;

	if (!server_start(&p))
		return;
	memset(chunk, 'b', sizeof(chunk));
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(client_sends(&cl, "POST / HTTP/1.1\r\n"
				     "Content-Length: 100000\r\n\r\n"), 0);
	CU_ASSERT_EQUAL(client_send(&cl, chunk, sizeof(chunk)), 0);
	wait_open(1);
	pump(-1, 0, 1);
	client_close(&cl);

	/* and one gone in the middle of its head */
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(client_sends(&cl, "GET / HTTP/1.1\r\nHos"), 0);
	pump(-1, 0, 1);
	client_close(&cl);
	wait_open(0);
	CU_ASSERT_EQUAL(stats().aborted, 2);
	CU_ASSERT_EQUAL(handler_calls, 0);
	server_stop();
}

/* Send a POST /echo of len bytes; the echo comes back as large. */
static int
send_big(struct client *cl, size_t len)
{
	char *req = malloc(len + 128);
	int n, rc;

	if (req == NULL)
		return -ENOMEM;
	n = sprintf(req, "POST /echo HTTP/1.1\r\nContent-Length: %zu\r\n\r\n",
		    len);
	memset(req + n, 'r', len);
	rc = client_send(cl, req, (size_t)n + len);
	free(req);
	return rc;
}

static void
test_slow_reader(void)
{
	struct ps_http_params p = params();
	size_t big = 2 * 1024 * 1024;
	struct client a, b;
	struct resp r;
	uint64_t t0, t;
	int i;

	p.idle_timeout_ms = 300;
	if (!server_start(&p))
		return;
	/* a's 2 MiB answer does not fit the socket: the server keeps the
	 * rest and goes on serving b while a reads nothing */
	CU_ASSERT_EQUAL_FATAL(client_unix(&a), 0);
	CU_ASSERT_EQUAL_FATAL(client_unix(&b), 0);
	CU_ASSERT_EQUAL(send_big(&a, big), 0);
	for (i = 0; i < 10; i++)
		pump(-1, 0, 1);
	for (i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(exchange(&b, "GET /b HTTP/1.1\r\n\r\n", &r),
				0);
		CU_ASSERT_EQUAL(r.status, 200);
		resp_free(&r);
	}
	CU_ASSERT_EQUAL(client_read(&a, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(r.body_len > big && r.body[r.body_len - 1] == 'r');
	resp_free(&r);
	client_close(&b);

	/* a reader that stops for good is dropped after idle_timeout */
	CU_ASSERT_EQUAL(send_big(&a, big), 0);
	t0 = now_ms();
	while (stats().connections_open > 0 && now_ms() - t0 < WAIT_MS)
		pump(-1, 0, 5);
	t = now_ms() - t0;
	CU_ASSERT_EQUAL(stats().connections_open, 0);
	CHECK(t >= 250 && t < 1500, "stalled reader closed after %u ms",
	      (unsigned int)t);
	CU_ASSERT_EQUAL(stats().idle_closed, 1);
	client_close(&a);
	server_stop();
}

static void
raise_nofile(unsigned int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = RTE_MIN((rlim_t)want, rl.rlim_max);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
test_many_clients(void)
{
	struct ps_http_params p = params();
	struct client *cl = calloc(MANY_CLIENTS, sizeof(*cl));
	unsigned int i, answered = 0;
	int port;

	raise_nofile(2 * MANY_CLIENTS + 64);
	p.tcp_listen = "127.0.0.1:0";
	if (cl == NULL || !server_start(&p)) {
		free(cl);
		return;
	}
	port = ps_http_server_tcp_port(srv);
	/* half on each listener, all connected before any request */
	for (i = 0; i < MANY_CLIENTS; i++) {
		int rc = i % 2 ? client_connect(&cl[i], AF_INET, port) :
			client_unix(&cl[i]);

		if (!CHECK(rc == 0, "client %u: %s", i, strerror(-rc)))
			break;
		ps_http_server_poll(srv, 0);
	}
	wait_open(MANY_CLIENTS);
	for (i = 0; i < MANY_CLIENTS; i++) {
		char req[64];

		snprintf(req, sizeof(req), "GET /c%u HTTP/1.1\r\n\r\n", i);
		if (cl[i].fd >= 0)
			client_sends(&cl[i], req);
	}
	for (i = 0; i < MANY_CLIENTS; i++) {
		struct resp r;
		char want[32];

		if (cl[i].fd < 0 || client_read(&cl[i], &r) < 0)
			continue;
		snprintf(want, sizeof(want), "path=/c%u\n", i);
		answered += r.status == 200 && strstr(r.body, want) != NULL;
		resp_free(&r);
	}
	CU_ASSERT_EQUAL(answered, MANY_CLIENTS);
	CU_ASSERT_EQUAL(stats().refused, 0);
	for (i = 0; i < MANY_CLIENTS; i++)
		client_close(&cl[i]);
	free(cl);
	server_stop();
}

static void
test_max_clients(void)
{
	struct ps_http_params p = params();
	struct client cl[5];
	struct resp r;
	unsigned int i;

	p.max_clients = 4;
	if (!server_start(&p))
		return;
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(client_unix(&cl[i]), 0);
		wait_open(i + 1);
	}
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl[4]), 0);
	CU_ASSERT_EQUAL(exchange(&cl[4], "GET / HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 503);
	CU_ASSERT(is_json_error(&r, "unavailable"));
	CU_ASSERT(has_close(&r));
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl[4], WAIT_MS), 0);
	CU_ASSERT_EQUAL(stats().refused, 1);
	CU_ASSERT_EQUAL(stats().connections_open, 4);
	/* the four keep being served; one leaves, a new one gets in */
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(exchange(&cl[i], "GET / HTTP/1.1\r\n\r\n", &r),
				0);
		CU_ASSERT_EQUAL(r.status, 200);
		resp_free(&r);
	}
	client_close(&cl[0]);
	client_close(&cl[4]);
	wait_open(3);
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl[4]), 0);
	CU_ASSERT_EQUAL(exchange(&cl[4], "GET / HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	for (i = 1; i < 5; i++)
		client_close(&cl[i]);
	server_stop();
}

static void
test_bearer_token(void)
{
	struct ps_http_params p = params();
	struct client cl;
	struct resp r;
	char v[64];

	p.bearer_token = "s3cr3t";
	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET /v1/status HTTP/1.1\r\n\r\n", &r),
			0);
	CU_ASSERT_EQUAL(r.status, 401);
	CU_ASSERT(is_json_error(&r, "unauthorized"));
	CU_ASSERT(resp_header(&r, "WWW-Authenticate", v, sizeof(v)) &&
		  strcmp(v, "Bearer") == 0);
	CU_ASSERT(!has_close(&r));	/* no body to skip: stays open */
	resp_free(&r);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\nAuthorization: "
				 "Bearer s3cr3tX\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 401);
	resp_free(&r);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\nAuthorization: "
				 "Basic czNjcjN0\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 401);
	resp_free(&r);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\nAuthorization: "
				 "Bearer s3cr3t\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\nAuthorization: "
				 "bearer  s3cr3t\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	/* refused with a body unread: the connection has to close */
	CU_ASSERT_EQUAL(exchange(&cl, "POST / HTTP/1.1\r\nContent-Length: 2"
				 "\r\n\r\n{}", &r), 0);
	CU_ASSERT_EQUAL(r.status, 401);
	CU_ASSERT(has_close(&r));
	resp_free(&r);
	CU_ASSERT_EQUAL(client_wait_eof(&cl, WAIT_MS), 0);
	client_close(&cl);
	CU_ASSERT_EQUAL(handler_calls, 2);
	CU_ASSERT_EQUAL(stats().unauthorized, 4);
	server_stop();
}

static void
test_unix_socket(void)
{
	struct ps_http_params p = params();
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ps_http_server *other;
	struct group *gr = getgrgid(getegid());
	struct client cl;
	struct stat stb;
	struct resp r;
	int fd;

	/* default mode, our group named explicitly */
	p.unix_group = gr != NULL ? gr->gr_name : NULL;
	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL_FATAL(lstat(sock_path, &stb), 0);
	CU_ASSERT(S_ISSOCK(stb.st_mode));
	CU_ASSERT_EQUAL(stb.st_mode & 07777, 0660);
	CU_ASSERT_EQUAL(stb.st_gid, getegid());
	/* a live server there: refused, and the first one is untouched */
	other = ps_http_server_create(&p, echo_handler, NULL);
	CU_ASSERT_PTR_NULL(other);
	CU_ASSERT_EQUAL(rte_errno, EADDRINUSE);
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	client_close(&cl);
	server_stop();
	/* freed: the file is gone */
	CU_ASSERT_EQUAL(lstat(sock_path, &stb), -1);

	/* a stale socket (a bound socket nobody listens on) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sun.sun_path, sock_path);
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	CU_ASSERT_EQUAL(lstat(sock_path, &stb), 0);
	p.unix_group = NULL;
	p.unix_mode = 0600;
	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL(lstat(sock_path, &stb), 0);
	CU_ASSERT_EQUAL(stb.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL_FATAL(client_unix(&cl), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	client_close(&cl);
	server_stop();

	/* a regular file is not ours to delete */
	fd = open(sock_path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	CU_ASSERT_PTR_NULL(ps_http_server_create(&p, echo_handler, NULL));
	CU_ASSERT_EQUAL(rte_errno, EEXIST);
	CU_ASSERT(lstat(sock_path, &stb) == 0 && S_ISREG(stb.st_mode));
	unlink(sock_path);

	/* an unknown group, a path too long, no listener at all */
	p.unix_group = "no-such-group-podswitch";
	CU_ASSERT_PTR_NULL(ps_http_server_create(&p, echo_handler, NULL));
	CU_ASSERT_EQUAL(rte_errno, ENOENT);
	CU_ASSERT_EQUAL(lstat(sock_path, &stb), -1);
	p.unix_group = NULL;
	p.unix_path = "/tmp/a-very-long-path/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaa.sock";
	CU_ASSERT_PTR_NULL(ps_http_server_create(&p, echo_handler, NULL));
	p.unix_path = NULL;
	CU_ASSERT_PTR_NULL(ps_http_server_create(&p, echo_handler, NULL));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
}

static void
test_tcp(void)
{
	static const char *const bad[] = {
		"1.2.3:80", "abc", "127.0.0.1:70000", "127.0.0.1:", "[::1:80",
		"127.0.0.1:-1", "",
	};
	struct ps_http_params p = { .tcp_listen = "127.0.0.1:0" };
	struct client cl;
	struct resp r;
	unsigned int i;
	int port;

	if (!server_start(&p))
		return;
	port = ps_http_server_tcp_port(srv);
	CU_ASSERT(port > 0 && port < 65536);
	CU_ASSERT_EQUAL_FATAL(client_connect(&cl, AF_INET, port), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET /tcp HTTP/1.1\r\nHost: 127.0.0.1"
				 "\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "path=/tcp"));
	resp_free(&r);
	client_close(&cl);
	/* the port is taken now */
	{
		char spec[32];
		struct ps_http_params q = { .tcp_listen = spec };

		snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
		CU_ASSERT_PTR_NULL(ps_http_server_create(&q, echo_handler,
							 NULL));
		CU_ASSERT_EQUAL(rte_errno, EADDRINUSE);
	}
	server_stop();

	/* a bare port is loopback */
	p.tcp_listen = ":0";
	if (!server_start(&p))
		return;
	CU_ASSERT_EQUAL_FATAL(client_connect(&cl, AF_INET,
					     ps_http_server_tcp_port(srv)), 0);
	CU_ASSERT_EQUAL(exchange(&cl, "GET / HTTP/1.1\r\n\r\n", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	client_close(&cl);
	server_stop();

	for (i = 0; i < RTE_DIM(bad); i++) {
		p.tcp_listen = bad[i];
		srv = ps_http_server_create(&p, echo_handler, NULL);
		CHECK(srv == NULL && rte_errno == EINVAL, "\"%s\" accepted",
		      bad[i]);
		ps_http_server_free(srv);
		srv = NULL;
	}
}

static void
test_helpers(void)
{
	struct ps_http_response resp = { .status = 200 };
	const char *seg[8];
	char buf[64];
	json_t *j;

	CU_ASSERT_EQUAL(ps_http_path_segments("/v1/routes/10.244.1.0%2F24",
					      buf, sizeof(buf), seg, 8), 3);
	CU_ASSERT_STRING_EQUAL(seg[0], "v1");
	CU_ASSERT_STRING_EQUAL(seg[1], "routes");
	CU_ASSERT_STRING_EQUAL(seg[2], "10.244.1.0/24");
	CU_ASSERT_EQUAL(ps_http_path_segments("/", buf, sizeof(buf), seg, 8),
			0);
	CU_ASSERT_EQUAL(ps_http_path_segments("/a//b/", buf, sizeof(buf), seg,
					      8), 4);
	CU_ASSERT_STRING_EQUAL(seg[1], "");
	CU_ASSERT_STRING_EQUAL(seg[3], "");
	CU_ASSERT_EQUAL(ps_http_path_segments("a/b", buf, sizeof(buf), seg, 8),
			-EINVAL);
	CU_ASSERT_EQUAL(ps_http_path_segments("/a/b/c", buf, sizeof(buf), seg,
					      2), -E2BIG);
	CU_ASSERT_EQUAL(ps_http_path_segments("/a%2", buf, sizeof(buf), seg,
					      8), -EINVAL);
	CU_ASSERT_EQUAL(ps_http_path_segments("/aaaa", buf, 4, seg, 8),
			-ENOSPC);

	CU_ASSERT_EQUAL(ps_http_pct_decode(buf, sizeof(buf), "a%2fb+c%41", 10),
			6);
	CU_ASSERT_STRING_EQUAL(buf, "a/b+cA");
	CU_ASSERT_EQUAL(ps_http_pct_decode(buf, sizeof(buf), "%00", 3),
			-EINVAL);
	CU_ASSERT_EQUAL(ps_http_pct_decode(buf, sizeof(buf), "%g0", 3),
			-EINVAL);
	CU_ASSERT_EQUAL(ps_http_pct_decode(buf, sizeof(buf), "%", 1), -EINVAL);
	CU_ASSERT_EQUAL(ps_http_pct_decode(buf, 3, "abc", 3), -ENOSPC);

	CU_ASSERT_EQUAL(ps_http_query_get("limit=10&x=a+b%21", "x", buf,
					  sizeof(buf)), 4);
	CU_ASSERT_STRING_EQUAL(buf, "a b!");
	CU_ASSERT_EQUAL(ps_http_query_get("limit=10&x=1", "limit", buf,
					  sizeof(buf)), 2);
	CU_ASSERT_STRING_EQUAL(buf, "10");
	CU_ASSERT_EQUAL(ps_http_query_get("limitx=1&flag", "flag", buf,
					  sizeof(buf)), 0);
	CU_ASSERT_EQUAL(ps_http_query_get("limitx=1", "limit", buf,
					  sizeof(buf)), -ENOENT);
	CU_ASSERT_EQUAL(ps_http_query_get("", "limit", buf, sizeof(buf)),
			-ENOENT);

	/* messages quoting client input stay valid JSON */
	CU_ASSERT_EQUAL(ps_http_json_error(&resp, 409, "exists",
					   "route \"%s\"\n\t\xff\xc3\xa9 %d",
					   "10.0.0.0/8", 7), 0);
	CU_ASSERT_EQUAL(resp.status, 409);
	j = json_loadb(resp.body, resp.body_len, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
		json_object_get(j, "error"), "message")),
		"route \"10.0.0.0/8\"\n\t\xef\xbf\xbd\xc3\xa9 7");
	json_decref(j);
	free(resp.body);

	CU_ASSERT_EQUAL(ps_http_response_header(&resp, "Location",
						"/v1/routes/x"), 0);
	CU_ASSERT_EQUAL(ps_http_response_header(&resp, "X-Evil",
						"a\r\nSet-Cookie: x"), -EINVAL);
	CU_ASSERT_EQUAL(ps_http_response_header(&resp, "Bad Name", "v"),
			-EINVAL);
	CU_ASSERT_EQUAL(ps_http_response_header(&resp, "Content-Length", "1"),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(resp.headers, "Location: /v1/routes/x\r\n");
	CU_ASSERT_STRING_EQUAL(ps_http_reason(413), "Content Too Large");
}

/* Fuzz --------------------------------------------------------------------- */

static uint64_t fuzz_state;

static uint32_t
fuzz_rand(void)
{
	/* xorshift64*: the same sequence everywhere for a given seed */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return (uint32_t)((fuzz_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static size_t
fuzz_append(char *buf, size_t len, size_t cap, const char *t)
{
	size_t tl = strlen(t);

	if (len + tl >= cap)
		return len;
	memcpy(buf + len, t, tl);
	return len + tl;
}

static size_t
fuzz_input(char *buf, size_t cap)
{
	static const char *const tok[] = {
		"GET", "POST", "PUT", "HEAD", "DELETE", " ", "  ", "/",
		"/v1/routes", "?", "%", "%2F", "%zz", "HTTP/1.1", "HTTP/1.0",
		"HTTP/9.9", "\r\n", "\n", "\r", "\r\n\r\n", ":", "\t",
		"hello", "{}", "\xff\xfe", "0", "99999999999999999999999",
	};
	static const char *const lines[] = {
		"Host: a\r\n", "Host: b\r\n", "Content-Length: 5\r\n",
		"Content-Length: 0\r\n", "Content-Length: 100\r\n",
		"Content-Length: 99999999999999999999999\r\n",
		"Content-Length: -1\r\n", "Content-Length: 5, 5\r\n",
		"Transfer-Encoding: chunked\r\n", "Transfer-Encoding: br\r\n",
		"Connection: close\r\n", "Connection: keep-alive\r\n",
		"Expect: 100-continue\r\n", "Expect: x\r\n",
		"Authorization: Bearer x\r\n", "Content-Type: a/b\r\n",
		"X-Folded: a\r\n b\r\n", "Bad Name: x\r\n", "NoColon\r\n",
		"X-Ctl: \x01\r\n", "X-Lf-Only: x\n", "\r\n", "hello",
		"X-Long: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"\r\n",
	};
	static const char *const starts[] = {
		"GET / HTTP/1.1\r\n", "POST /v1/routes HTTP/1.1\r\n",
		"PUT /v1/services/a/b?x=1 HTTP/1.0\r\n", "HEAD /h HTTP/1.1\r\n",
		"DELETE /v1/routes/10.0.0.0%2F8 HTTP/2.0\r\n",
	};
	static const char valid[] = "POST /v1/x?y=1 HTTP/1.1\r\nHost: a\r\n"
		"Content-Length: 5\r\n\r\nhello"
		"GET /next HTTP/1.1\r\n\r\n";
	size_t len = 0, i, n;

	switch (fuzz_rand() % 4) {
	case 0:		/* random bytes */
		len = fuzz_rand() % 600;
		for (i = 0; i < len; i++)
			buf[i] = (char)fuzz_rand();
		break;
	case 1:		/* a valid exchange, mutated */
		len = sizeof(valid) - 1;
		memcpy(buf, valid, len);
		for (n = 1 + fuzz_rand() % 4; n > 0 && len > 0; n--) {
			i = fuzz_rand() % len;
			switch (fuzz_rand() % 4) {
			case 0:
				buf[i] = (char)fuzz_rand();
				break;
			case 1:
				memmove(buf + i, buf + i + 1, len - i - 1);
				len--;
				break;
			case 2:
				memmove(buf + i + 1, buf + i, len - i);
				buf[i] = (char)fuzz_rand();
				len++;
				break;
			default:
				len = i;
			}
		}
		break;
	case 2:		/* tokens that mean something to the parser */
		for (n = fuzz_rand() % 24; n > 0; n--)
			len = fuzz_append(buf, len, cap,
					  tok[fuzz_rand() % RTE_DIM(tok)]);
		break;
	default:	/* a request line, then header lines good and bad */
		len = fuzz_append(buf, len, cap,
				  starts[fuzz_rand() % RTE_DIM(starts)]);
		for (n = fuzz_rand() % 8; n > 0; n--)
			len = fuzz_append(buf, len, cap,
					  lines[fuzz_rand() % RTE_DIM(lines)]);
		if (fuzz_rand() % 4 != 0)
			len = fuzz_append(buf, len, cap, "\r\nhello");
	}
	return len;
}

/* The server skips empty lines before a request, then may see a HEAD. */
static bool
fuzz_is_head(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == '\n' ||
			   (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')))
		i += buf[i] == '\n' ? 1 : 2;
	return len - i >= 5 && memcmp(buf + i, "HEAD ", 5) == 0;
}

/* Everything received parses as whole responses. */
static bool
fuzz_check_output(struct client *cl, unsigned int n)
{
	struct resp r;
	int rc;

	while ((rc = client_parse(cl, &r)) == 1)
		resp_free(&r);
	return CHECK(rc == 0 && (cl->len == 0 || cl->reset),
		     "case %u: bad output (%d): %.60s", n, rc, cl->buf);
}

static void
test_fuzz(void)
{
	struct ps_http_params p = params();
	struct client *open_cl = calloc(FUZZ_CASES, sizeof(*open_cl));
	const char *env = getenv("PS_HTTP_FUZZ_SEED");
	unsigned int i, nb_open = 0, closed = 0, failed = 0;
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : 0x5eed1234ULL;
	char buf[1024];

	/* short timers, so connections left open get closed quickly */
	p.header_timeout_ms = 200;
	p.body_timeout_ms = 200;
	p.idle_timeout_ms = 200;
	p.max_body_bytes = 64;
	p.max_header_bytes = 256;
	if (open_cl == NULL || !server_start(&p)) {
		free(open_cl);
		return;
	}
	printf("\n  fuzz seed 0x%" PRIx64 " (PS_HTTP_FUZZ_SEED)\n", seed);
	fuzz_state = seed;
	for (i = 0; i < FUZZ_CASES && failed < 5; i++) {
		size_t len = fuzz_input(buf, sizeof(buf));
		struct client cl;

		if (client_unix(&cl) < 0) {
			failed++;
			continue;
		}
		client_send(&cl, buf, len);	/* the server may close first */
		/* answers to HEAD have no body, whatever Content-Length */
		cl.head_req = fuzz_is_head(buf, len);
		/* one in ten stays open: the server's timers must end it */
		if (fuzz_rand() % 10 == 0) {
			open_cl[nb_open++] = cl;
			continue;
		}
		shutdown(cl.fd, SHUT_WR);
		if (!CHECK(client_wait_eof(&cl, WAIT_MS) == 0,
			   "case %u: not closed", i))
			failed++;
		else if (!fuzz_check_output(&cl, i))
			failed++;
		else
			closed++;
		client_close(&cl);
	}
	for (i = 0; i < nb_open; i++) {
		if (!CHECK(client_wait_eof(&open_cl[i], WAIT_MS) == 0,
			   "held-open case %u: not closed", i))
			failed++;
		else if (fuzz_check_output(&open_cl[i], i))
			closed++;
		client_close(&open_cl[i]);
	}
	CU_ASSERT_EQUAL(failed, 0);
	CU_ASSERT_EQUAL(closed, FUZZ_CASES);
	{
		struct ps_http_server_stats st = stats();

		printf("  requests %" PRIu64 " responses %" PRIu64 " 400 %"
		       PRIu64 " 408 %" PRIu64 " 413 %" PRIu64 " 431 %" PRIu64
		       " 411/417/501/505 %" PRIu64 " aborted %" PRIu64
		       " idle %" PRIu64 "\n", st.requests, st.responses,
		       st.bad_request, st.timeouts, st.too_large,
		       st.header_too_large, st.unsupported, st.aborted,
		       st.idle_closed);
	}
	free(open_cl);
	server_stop();
}

static int
suite_init(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/ps-test-http-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", tmp_dir);
	return 0;
}

static int
suite_fini(void)
{
	unlink(sock_path);
	rmdir(tmp_dir);
	return 0;
}

/* the listeners' INFO lines, once per test, say nothing here */
static int
prepare(const char *argv0)
{
	RTE_SET_USED(argv0);
	if (getenv("PS_TEST_LOG_LEVEL") == NULL)
		rte_log_set_level(ps_logtype_api, RTE_LOG_WARNING);
	return 0;
}

static const struct ps_test tests[] = {
	{ "GET echoes method, path, query, body", test_get_echo },
	{ "keep-alive: 3 requests, one connection", test_keep_alive },
	{ "pipelined requests answered in order", test_pipelining },
	{ "POST bodies, split, 100-continue, 1 MiB", test_post_body },
	{ "413 body too large, early", test_too_large },
	{ "431 header section too large", test_header_too_large },
	{ "400/411/417/501/505 malformed requests", test_bad_requests },
	{ "chunked rejected with 411", test_chunked_rejected },
	{ "slow client 408, stalled body, idle close", test_slow_client },
	{ "slow reader buffered, others served", test_slow_reader },
	{ "client gone mid-body: nothing leaks",
	  test_disconnect_mid_body },
	{ "500 clients at once", test_many_clients },
	{ "max_clients exceeded: 503", test_max_clients },
	{ "bearer token: 401 without, 200 with", test_bearer_token },
	{ "Unix socket: mode, group, stale, live", test_unix_socket },
	{ "TCP listener on an ephemeral port", test_tcp },
	{ "path, query, JSON error and header helpers", test_helpers },
	{ "fuzz: 2000 random requests", test_fuzz },
};

PS_TEST_MAIN(prepare, PS_SUITE("http", suite_init, suite_fini, tests))
