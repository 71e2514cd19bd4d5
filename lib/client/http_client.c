/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The smallest HTTP/1.1 client that talks to our server: one request per
 * connection ("Connection: close"), a Content-Length body, and the reply
 * read to the end. The server never sends chunked replies. Shared by
 * podswitchctl and podswitch-cni; it prints nothing: a failure's reason
 * is left in the caller's buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <podswitch/http_client.h>

/* A daemon whose management thread hangs must not hang scripts too. */
#define IO_TIMEOUT_S_DEFAULT 10
/* Far above any table dump; a reply beyond it is not our server. */
#define MAX_REPLY (256u << 20)

static void __attribute__((format(printf, 2, 3)))
set_err(const struct ps_http_peer *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->err_size, fmt, ap);
	va_end(ap);
}

static void
set_timeouts(const struct ps_http_peer *c, int fd)
{
	struct timeval tv = { .tv_sec = c->timeout_s ? c->timeout_s :
				       IO_TIMEOUT_S_DEFAULT };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
connect_unix(const struct ps_http_peer *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		set_err(c, "cannot connect to %s: %s", path,
			strerror(ENAMETOOLONG));
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_err(c, "socket: %s", strerror(errno));
		return -1;
	}
	set_timeouts(c, fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		set_err(c, "cannot connect to %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* "host:port", "[v6]:port". */
static int
connect_tcp(const struct ps_http_peer *c, const char *hostport)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res, *ai;
	char host[256];
	const char *colon = strrchr(hostport, ':');
	const char *h = hostport;
	size_t hl;
	int fd = -1, err = 0, rc;

	if (colon == NULL || colon[1] == '\0') {
		set_err(c, "cannot connect to %s: expected HOST:PORT", hostport);
		return -1;
	}
	hl = (size_t)(colon - hostport);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		set_err(c, "cannot connect to %s: bad host", hostport);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0) {
		set_err(c, "cannot connect to %s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		set_timeouts(c, fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		set_err(c, "cannot connect to %s: %s", hostport, strerror(err));
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *
read_all(int fd, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (buf == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_REPLY) {
				errno = EFBIG;
				goto fail;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL)
				goto fail;
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	return NULL;
}

static const char *
peer_name(const struct ps_http_peer *c)
{
	return c->tcp != NULL ? c->tcp : c->socket_path;
}

/* Status line, headers, then the body cut to Content-Length. */
static int
parse_reply(const struct ps_http_peer *c, char *raw, size_t len, struct ps_http_reply *r)
{
	char *hdr_end = strstr(raw, "\r\n\r\n"), *line, *next;
	long long clen = -1;
	size_t avail;

	if (hdr_end == NULL || sscanf(raw, "HTTP/1.%*d %d", &r->status) != 1 ||
	    r->status < 100 || r->status > 599) {
		set_err(c, "%s: not an HTTP reply", peer_name(c));
		return -1;
	}
	*hdr_end = '\0';
	for (line = strstr(raw, "\r\n"); line != NULL; line = next) {
		line += 2;
		next = strstr(line, "\r\n");
		if (next != NULL)
			*next = '\0';
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtoll(line + 15, NULL, 10);
		else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
			set_err(c, "%s: chunked replies are not supported",
				peer_name(c));
			return -1;
		}
	}
	r->body = hdr_end + 4;
	avail = len - (size_t)(r->body - raw);
	if (clen >= 0 && (size_t)clen > avail) {
		set_err(c, "%s: reply truncated (%zu of %lld bytes)",
			peer_name(c), avail, clen);
		return -1;
	}
	r->body_len = clen >= 0 ? (size_t)clen : avail;
	r->body[r->body_len] = '\0';
	return 0;
}

int
ps_http_request(const struct ps_http_peer *c, const char *method, const char *path,
	     const char *body, size_t body_len, struct ps_http_reply *r)
{
	char *head = NULL;
	size_t raw_len;
	int fd, n;

	memset(r, 0, sizeof(*r));
	/* A daemon that closes early must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	fd = c->tcp != NULL ? connect_tcp(c, c->tcp) :
	     connect_unix(c, c->socket_path);
	if (fd < 0)
		return -1;
	n = asprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n"
		     "User-Agent: %s\r\nAccept: */*\r\n"
		     "Connection: close\r\n%s%s%s"
		     "%s%zu\r\n\r\n", method, path,
		     c->tcp != NULL ? c->tcp : "localhost",
		     c->user_agent != NULL ? c->user_agent : "podswitch",
		     c->token != NULL ? "Authorization: Bearer " : "",
		     c->token != NULL ? c->token : "",
		     c->token != NULL ? "\r\n" : "",
		     body != NULL ? "Content-Type: application/json\r\n"
		     "Content-Length: " : "Content-Length: ", body_len);
	if (n < 0) {
		set_err(c, "out of memory");
		close(fd);
		return -1;
	}
	if (write_all(fd, head, (size_t)n) < 0 ||
	    (body_len > 0 && write_all(fd, body, body_len) < 0)) {
		set_err(c, "%s: cannot send the request: %s", peer_name(c),
			errno == EAGAIN ? "timed out" : strerror(errno));
		free(head);
		close(fd);
		return -1;
	}
	free(head);
	r->raw = read_all(fd, &raw_len);
	if (r->raw == NULL) {
		set_err(c, "%s: no reply: %s", peer_name(c),
			errno == EAGAIN ? "timed out" : strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (raw_len == 0) {
		set_err(c, "%s: connection closed without a reply", peer_name(c));
		ps_http_reply_free(r);
		return -1;
	}
	if (parse_reply(c, r->raw, raw_len, r) < 0) {
		ps_http_reply_free(r);
		return -1;
	}
	return 0;
}

void
ps_http_reply_free(struct ps_http_reply *r)
{
	free(r->raw);
	memset(r, 0, sizeof(*r));
}
