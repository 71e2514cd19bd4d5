/* SPDX-License-Identifier: BSD-3-Clause */
/* Growable byte buffers for connection input and output. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_private.h"

#define BUF_MIN 4096
/* Above this a buffer that has emptied out is given back. */
#define BUF_KEEP (64 * 1024)

/* Room for extra bytes plus a NUL, which input parsing relies on. */
int
http_buf_reserve(struct http_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap ? b->cap : BUF_MIN;
	char *p;

	if (need < b->len)
		return -ENOMEM;
	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap = cap * 2 > cap ? cap * 2 : need;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
http_buf_append(struct http_buf *b, const void *data, size_t len)
{
	if (http_buf_reserve(b, len) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int
http_buf_printf(struct http_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || http_buf_reserve(b, (size_t)n) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
http_buf_consume(struct http_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p != NULL)
		b->p[b->len] = '\0';
}

void
http_buf_trim(struct http_buf *b)
{
	char *p;

	if (b->cap <= BUF_KEEP || b->len >= BUF_MIN / 2)
		return;
	if (b->len == 0) {
		http_buf_free(b);
		return;
	}
	p = realloc(b->p, BUF_MIN);
	if (p != NULL) {
		b->p = p;
		b->cap = BUF_MIN;
	}
}

void
http_buf_free(struct http_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
