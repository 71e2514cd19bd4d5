/* SPDX-License-Identifier: BSD-3-Clause */
/* A growing byte buffer, always NUL-terminated for the string users. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

int
ag_buf_add(struct ag_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (np == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
ag_buf_printf(struct ag_buf *b, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return ag_buf_add(b, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (big == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = ag_buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

void
ag_buf_free(struct ag_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
