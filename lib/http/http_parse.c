/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request head (RFC 9112 sections 2-5), parsed strictly: whatever a
 * proxy in front of us and we could read differently (space before the
 * colon, folded lines, bare CR, two Content-Lengths) is a 400, because
 * those ambiguities are how requests get smuggled.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_private.h"

#define METHOD_MAX 32

/* tchar of RFC 9110 5.6.2 */
static bool
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

size_t
http_head_end(const char *b, size_t len, size_t *scan)
{
	size_t i;

	for (i = *scan; i < len; i++) {
		if (b[i] != '\n')
			continue;
		/* A line ended at i; the head ends if the next one is empty.
		 * A bare LF is accepted as a line end (RFC 9112 2.2). */
		if (i + 1 == len)
			break;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r') {
			if (i + 2 == len)
				break;
			if (b[i + 2] == '\n')
				return i + 3;
		}
	}
	*scan = i;
	return 0;
}

static void
set_why(char *why, size_t size, const char *fmt, const char *arg)
{
	snprintf(why, size, fmt, arg);
}

/* Comma-separated tokens of Connection, case-insensitive. */
static void
connection_tokens(const char *v, bool *close, bool *keep_alive)
{
	while (*v != '\0') {
		size_t n;

		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		n = strcspn(v, " \t,");
		if (n == 5 && strncasecmp(v, "close", 5) == 0)
			*close = true;
		else if (n == 10 && strncasecmp(v, "keep-alive", 10) == 0)
			*keep_alive = true;
		v += n;
	}
}

/* The last coding decides how the body is framed (RFC 9112 6.3). */
static bool
last_coding_is_chunked(const char *v)
{
	const char *last = v, *p;
	size_t n;

	for (p = v; *p != '\0'; p++)
		if (*p == ',')
			last = p + 1;
	while (*last == ' ' || *last == '\t')
		last++;
	n = strcspn(last, " \t;");
	return n == 7 && strncasecmp(last, "chunked", 7) == 0;
}

/* A value beyond 64 bits is kept as UINT64_MAX: too large, not invalid. */
static int
parse_content_length(const char *v, uint64_t *out)
{
	uint64_t n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n > (UINT64_MAX - 9) / 10)
			n = UINT64_MAX;
		else
			n = n * 10 + (uint64_t)(*v - '0');
	}
	*out = n;
	return 0;
}

/* "METHOD SP origin-form SP HTTP/1.x"; returns 0 or a status. */
static int
parse_request_line(char *line, struct http_head *h, char *why, size_t wsz)
{
	struct ps_http_request *r = &h->req;
	char *p = line, *target, *q;
	size_t n;

	for (n = 0; is_tchar((unsigned char)p[n]); n++)
		;
	if (n == 0 || n > METHOD_MAX || p[n] != ' ') {
		set_why(why, wsz, "%s", "malformed request line");
		return 400;
	}
	p[n] = '\0';
	r->method = p;
	target = p + n + 1;
	if (*target != '/') {
		/* absolute-form is for proxies, asterisk-form for OPTIONS *;
		 * neither names one of our resources. */
		set_why(why, wsz, "%s", "request target must be an absolute path");
		return 400;
	}
	for (p = target; (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
	     p++)
		;
	if (*p != ' ') {
		set_why(why, wsz, "%s", "malformed request target");
		return 400;
	}
	*p++ = '\0';
	if (strncmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' ||
	    p[6] != '.' || p[7] < '0' || p[7] > '9' || p[8] != '\0') {
		set_why(why, wsz, "%s", "malformed HTTP version");
		return 400;
	}
	if (p[5] != '1') {
		set_why(why, wsz, "HTTP/%s is not supported, use HTTP/1.1",
			p + 5);
		return 505;
	}
	/* A later 1.x is read as 1.1, which it must be compatible with. */
	r->version_minor = p[7] == '0' ? 0 : 1;
	q = strchr(target, '?');
	if (q != NULL) {
		*q = '\0';
		r->query = q + 1;
	} else {
		r->query = "";
	}
	r->path = target;
	return 0;
}

/* A field that must appear once (RFC 9110 5.3); returns 0 or 400. */
static int
set_once(const char **dst, const char *v, const char *name, char *why,
	 size_t wsz)
{
	if (*dst != NULL) {
		set_why(why, wsz, "duplicate %s", name);
		return 400;
	}
	*dst = v;
	return 0;
}

/* One field line; returns 0 or 400. */
static int
parse_field(char *line, struct http_head *h, bool *seen_host, bool *conn_close,
	    bool *conn_keep, char *why, size_t wsz)
{
	struct ps_http_request *r = &h->req;
	char *name = line, *v, *end;
	size_t n;

	if (*line == ' ' || *line == '\t') {
		set_why(why, wsz, "%s", "obsolete line folding");
		return 400;
	}
	for (n = 0; is_tchar((unsigned char)name[n]); n++)
		;
	if (n == 0 || name[n] != ':') {
		set_why(why, wsz, "%s", "malformed header line");
		return 400;
	}
	name[n] = '\0';
	v = name + n + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (end = v; *end != '\0'; end++) {
		unsigned char c = (unsigned char)*end;

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			set_why(why, wsz, "invalid character in header %s",
				name);
			return 400;
		}
	}
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';

	if (strcasecmp(name, "Content-Length") == 0) {
		if (r->has_content_length) {
			set_why(why, wsz, "%s", "duplicate Content-Length");
			return 400;
		}
		if (parse_content_length(v, &r->content_length) < 0) {
			set_why(why, wsz, "%s", "invalid Content-Length");
			return 400;
		}
		r->has_content_length = true;
	} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
		h->has_te = true;
		h->te_chunked |= last_coding_is_chunked(v);
	} else if (strcasecmp(name, "Content-Type") == 0) {
		return set_once(&r->content_type, v, name, why, wsz);
	} else if (strcasecmp(name, "Authorization") == 0) {
		return set_once(&r->authorization, v, name, why, wsz);
	} else if (strcasecmp(name, "Connection") == 0) {
		if (r->connection == NULL)
			r->connection = v;
		connection_tokens(v, conn_close, conn_keep);
	} else if (strcasecmp(name, "Host") == 0) {
		/* Not required (a Unix socket has no host), but two are
		 * a 400 by RFC 9112 3.2. */
		if (*seen_host) {
			set_why(why, wsz, "%s", "duplicate Host");
			return 400;
		}
		*seen_host = true;
	} else if (strcasecmp(name, "Expect") == 0) {
		if (strcasecmp(v, "100-continue") == 0)
			h->expect_continue = true;
		else
			h->expect_other = true;
	}
	return 0;
}

int
http_parse_head(char *buf, size_t len, struct http_head *h, char *why,
		size_t why_size)
{
	bool seen_host = false, conn_close = false, conn_keep = false;
	char *line = buf, *end = buf + len;
	bool first = true;
	int rc;

	memset(h, 0, sizeof(*h));
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n;

		if (nl == NULL)
			break;
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		/* NUL or a bare CR anywhere in a line is never valid. */
		if (memchr(line, '\r', n) != NULL ||
		    memchr(line, '\0', n) != NULL) {
			set_why(why, why_size, "%s",
				"stray CR or NUL in request head");
			return 400;
		}
		line[n] = '\0';
		if (*line == '\0')
			break;
		if (first)
			rc = parse_request_line(line, h, why, why_size);
		else
			rc = parse_field(line, h, &seen_host, &conn_close,
					 &conn_keep, why, why_size);
		if (rc != 0)
			return rc;
		first = false;
		line = nl + 1;
	}
	if (first) {
		set_why(why, why_size, "%s", "empty request");
		return 400;
	}
	if (h->req.version_minor == 0)
		h->req.keep_alive = conn_keep && !conn_close;
	else
		h->req.keep_alive = !conn_close;
	return 0;
}
