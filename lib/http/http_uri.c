/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request target helpers. The path is split before decoding, so that an
 * encoded '/' (%2F in "/v1/routes/10.244.1.0%2F24") stays inside its
 * segment.
 */
#include <errno.h>
#include <string.h>

#include "http_private.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static ssize_t
decode(char *dst, size_t dst_size, const char *src, size_t len, bool form)
{
	size_t i, o = 0;

	if (dst_size == 0)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -EINVAL;
			hi = hexval(src[i + 1]);
			lo = hexval(src[i + 2]);
			/* %00 would cut the name short for every C reader */
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (form && c == '+') {
			c = ' ';
		}
		if (o + 1 >= dst_size)
			return -ENOSPC;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return (ssize_t)o;
}

ssize_t
ps_http_pct_decode(char *dst, size_t dst_size, const char *src, size_t len)
{
	return decode(dst, dst_size, src, len, false);
}

int
ps_http_path_segments(const char *path, char *buf, size_t size,
		      const char *seg[], unsigned int max)
{
	const char *p;
	unsigned int n = 0;
	size_t used = 0;

	if (path == NULL || path[0] != '/')
		return -EINVAL;
	if (path[1] == '\0')
		return 0;
	p = path + 1;
	for (;;) {
		size_t len = strcspn(p, "/");
		ssize_t d;

		if (n == max)
			return -E2BIG;
		d = decode(buf + used, size - used, p, len, false);
		if (d < 0)
			return (int)d;
		seg[n++] = buf + used;
		used += (size_t)d + 1;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return (int)n;
}

ssize_t
ps_http_query_get(const char *query, const char *name, char *buf, size_t size)
{
	size_t nlen = strlen(name);
	const char *p = query;

	if (query == NULL)
		return -ENOENT;
	while (*p != '\0') {
		size_t len = strcspn(p, "&;");
		const char *eq = memchr(p, '=', len);
		size_t klen = eq != NULL ? (size_t)(eq - p) : len;

		if (klen == nlen && strncmp(p, name, nlen) == 0) {
			if (eq == NULL)
				return decode(buf, size, "", 0, true);
			return decode(buf, size, eq + 1,
				      len - klen - 1, true);
		}
		p += len;
		if (*p != '\0')
			p++;
	}
	return -ENOENT;
}
