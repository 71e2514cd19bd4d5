/* SPDX-License-Identifier: BSD-3-Clause */
/* Responses: the handler's helpers and the framing on the wire. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include "http_private.h"

#define DEFAULT_TYPE "application/json"

static const struct {
	int status;
	const char *reason;
	const char *code;
} statuses[] = {
	{ 100, "Continue", "continue" },
	{ 200, "OK", "ok" },
	{ 201, "Created", "created" },
	{ 202, "Accepted", "accepted" },
	{ 204, "No Content", "no_content" },
	{ 301, "Moved Permanently", "moved" },
	{ 302, "Found", "found" },
	{ 304, "Not Modified", "not_modified" },
	{ 400, "Bad Request", "bad_request" },
	{ 401, "Unauthorized", "unauthorized" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not_found" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 406, "Not Acceptable", "not_acceptable" },
	{ 408, "Request Timeout", "request_timeout" },
	{ 409, "Conflict", "conflict" },
	{ 410, "Gone", "gone" },
	{ 411, "Length Required", "length_required" },
	{ 412, "Precondition Failed", "precondition_failed" },
	{ 413, "Content Too Large", "content_too_large" },
	{ 414, "URI Too Long", "uri_too_long" },
	{ 415, "Unsupported Media Type", "unsupported_media_type" },
	{ 417, "Expectation Failed", "expectation_failed" },
	{ 422, "Unprocessable Content", "unprocessable" },
	{ 429, "Too Many Requests", "too_many_requests" },
	{ 431, "Request Header Fields Too Large", "header_too_large" },
	{ 500, "Internal Server Error", "internal_error" },
	{ 501, "Not Implemented", "not_implemented" },
	{ 503, "Service Unavailable", "unavailable" },
	{ 505, "HTTP Version Not Supported", "version_not_supported" },
	{ 507, "Insufficient Storage", "insufficient_storage" },
};

const char *
ps_http_reason(int status)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(statuses); i++)
		if (statuses[i].status == status)
			return statuses[i].reason;
	return "";
}

const char *
http_status_code(int status)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(statuses); i++)
		if (statuses[i].status == status)
			return statuses[i].code;
	return status >= 500 ? "internal_error" : "error";
}

void
http_response_init(struct ps_http_response *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	strcpy(r->content_type, DEFAULT_TYPE);
}

void
http_response_release(struct ps_http_response *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

int
ps_http_response_body(struct ps_http_response *r, const void *data,
		      size_t len)
{
	char *b = malloc(len + 1);

	if (b == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(b, data, len);
	b[len] = '\0';
	ps_http_response_body_take(r, b, len);
	return 0;
}

void
ps_http_response_body_take(struct ps_http_response *r, char *body, size_t len)
{
	if (r->body != body)
		free(r->body);
	r->body = body;
	r->body_len = body == NULL ? 0 : len;
}

static int
response_vprintf(struct ps_http_response *r, const char *fmt, va_list ap)
{
	va_list aq;
	char *b;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	b = malloc((size_t)n + 1);
	if (b == NULL)
		return -ENOMEM;
	vsnprintf(b, (size_t)n + 1, fmt, ap);
	ps_http_response_body_take(r, b, (size_t)n);
	return 0;
}

int
ps_http_response_printf(struct ps_http_response *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = response_vprintf(r, fmt, ap);
	va_end(ap);
	return rc;
}

static bool
header_owned_by_server(const char *name)
{
	return strcasecmp(name, "Content-Type") == 0 ||
	       strcasecmp(name, "Content-Length") == 0 ||
	       strcasecmp(name, "Connection") == 0 ||
	       strcasecmp(name, "Transfer-Encoding") == 0;
}

int
ps_http_response_header(struct ps_http_response *r, const char *name,
			const char *value)
{
	size_t nl = strlen(name), vl = strlen(value), i;
	char *p;

	if (nl == 0 || header_owned_by_server(name))
		return -EINVAL;
	for (i = 0; i < nl; i++)
		if ((unsigned char)name[i] <= 0x20 || name[i] == ':' ||
		    (unsigned char)name[i] >= 0x7f)
			return -EINVAL;
	/* A CR or LF would let a value inject headers of its own. */
	for (i = 0; i < vl; i++)
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') ||
		    value[i] == 0x7f)
			return -EINVAL;
	if (r->headers_len + nl + vl + 4 >= sizeof(r->headers))
		return -ENOSPC;
	p = r->headers + r->headers_len;
	memcpy(p, name, nl);
	memcpy(p + nl, ": ", 2);
	memcpy(p + nl + 2, value, vl);
	memcpy(p + nl + 2 + vl, "\r\n", 3);
	r->headers_len += nl + vl + 4;
	return 0;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * Append s as the inside of a JSON string. Messages quote what clients
 * sent, so invalid UTF-8 becomes U+FFFD rather than invalid JSON.
 */
static int
json_escape(struct http_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n > 0) {
		size_t l = utf8_seq(p, n);
		int rc;

		if (l == 0) {
			rc = http_buf_append(b, "\\ufffd", 6);
			l = 1;
		} else if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };

			rc = http_buf_append(b, e, 2);
		} else if (*p < 0x20) {
			rc = http_buf_printf(b, "\\u%04x", *p);
		} else {
			rc = http_buf_append(b, p, l);
		}
		if (rc < 0)
			return rc;
		p += l;
		n -= l;
	}
	return 0;
}

int
ps_http_json_verror(struct ps_http_response *r, int status, const char *code,
		    const char *message_fmt, va_list ap)
{
	struct http_buf b = { 0 };
	char msg[512];

	r->status = status;
	strcpy(r->content_type, DEFAULT_TYPE);
	vsnprintf(msg, sizeof(msg), message_fmt, ap);
	if (http_buf_append(&b, "{\"error\": {\"code\": \"", 20) < 0 ||
	    json_escape(&b, code) < 0 ||
	    http_buf_append(&b, "\", \"message\": \"", 15) < 0 ||
	    json_escape(&b, msg) < 0 ||
	    http_buf_append(&b, "\"}}\n", 4) < 0) {
		http_buf_free(&b);
		http_response_release(r);
		return -ENOMEM;
	}
	ps_http_response_body_take(r, b.p, b.len);
	return 0;
}

int
ps_http_json_error(struct ps_http_response *r, int status, const char *code,
		   const char *message_fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, message_fmt);
	rc = ps_http_json_verror(r, status, code, message_fmt, ap);
	va_end(ap);
	return rc;
}

static bool
content_type_ok(const char *t)
{
	size_t i;

	if (t[0] == '\0')
		return false;
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return false;
	return i < PS_HTTP_CONTENT_TYPE_MAX;
}

int
http_response_frame(struct http_conn *c, struct ps_http_response *resp,
		    bool is_head, bool close, bool keep_alive_10)
{
	struct http_buf *o = &c->out;
	bool no_body;
	int rc;

	if (resp->status < 200 || resp->status > 599) {
		HTTP_LOG(ERR, "handler returned status %d\n", resp->status);
		resp->headers_len = 0;
		ps_http_json_error(resp, 500, "internal_error",
				   "handler returned an invalid status");
	}
	if (memchr(resp->content_type, '\0', sizeof(resp->content_type)) ==
	    NULL || !content_type_ok(resp->content_type))
		strcpy(resp->content_type, DEFAULT_TYPE);
	if (resp->status >= 400 && resp->body == NULL)
		ps_http_json_error(resp, resp->status,
				   http_status_code(resp->status), "%s",
				   ps_http_reason(resp->status));
	no_body = resp->status == 204 || resp->status == 304;
	resp->headers[RTE_MIN(resp->headers_len,
			      sizeof(resp->headers) - 1)] = '\0';

	rc = http_buf_printf(o, "HTTP/1.1 %d %s\r\n", resp->status,
			     ps_http_reason(resp->status));
	if (rc == 0 && !no_body)
		rc = http_buf_printf(o, "Content-Type: %s\r\n"
				     "Content-Length: %zu\r\n",
				     resp->content_type, resp->body_len);
	if (rc == 0 && close)
		rc = http_buf_append(o, "Connection: close\r\n", 19);
	else if (rc == 0 && keep_alive_10)
		rc = http_buf_append(o, "Connection: keep-alive\r\n", 24);
	if (rc == 0)
		rc = http_buf_printf(o, "%s\r\n", resp->headers);
	if (rc < 0) {
		http_response_release(resp);
		return rc;
	}
	if (!no_body && !is_head && resp->body_len > 0) {
		c->body = resp->body;
		c->body_sz = resp->body_len;
		c->body_off = 0;
		resp->body = NULL;
	}
	http_response_release(resp);
	c->srv->st.responses++;
	return 0;
}
