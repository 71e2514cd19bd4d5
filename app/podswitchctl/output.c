/* SPDX-License-Identifier: BSD-3-Clause */
/* Error lines, --json passthrough and aligned tables (usage: usage.c). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("podswitchctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("podswitchctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ctl_usage(stderr);
	return CTL_EXIT_USAGE;
}

/* The message on one line, whatever the server put in it. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

int
ctl_http_failed(const struct ps_http_reply *r)
{
	const char *code = NULL, *msg = NULL;
	json_t *j, *e;
	char *m;

	j = json_loadb(r->body, r->body_len, 0, NULL);
	e = json_object_get(j, "error");
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (code != NULL && msg != NULL) {
		m = strdup(msg);
		if (m != NULL)
			one_line(m);
		ctl_err("%d %s: %s", r->status, code, m != NULL ? m : msg);
		free(m);
	} else {
		/* Not our error shape: a proxy, or another server. */
		ctl_err("%d: unexpected reply from the server", r->status);
	}
	json_decref(j);
	return CTL_EXIT_FAIL;
}

void
ctl_print_body(const struct ps_http_reply *r)
{
	fwrite(r->body, 1, r->body_len, stdout);
	if (r->body_len == 0 || r->body[r->body_len - 1] != '\n')
		fputc('\n', stdout);
}

int
ctl_get_json(const struct ctl *c, const char *path, json_t **out)
{
	struct ps_http_reply r;
	json_error_t err;

	*out = NULL;
	if (http_request(c, "GET", path, NULL, 0, &r) < 0)
		return CTL_EXIT_FAIL;
	if (r.status >= 300) {
		int rc = ctl_http_failed(&r);

		ps_http_reply_free(&r);
		return rc;
	}
	if (c->json) {
		ctl_print_body(&r);
		ps_http_reply_free(&r);
		return CTL_EXIT_OK;
	}
	*out = json_loadb(r.body, r.body_len, 0, &err);
	ps_http_reply_free(&r);
	if (*out == NULL) {
		ctl_err("%s: bad JSON in the reply: %s", path, err.text);
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

const char *
jstr(const json_t *o, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL)	/* json_typeof() reads through its argument */
		return "-";
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, size, "%.1f", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	default:
		return "-";
	}
}

struct table {
	unsigned int ncols, nrows, cap;
	char **cells;
};

static void
table_addv(struct table *t, va_list ap)
{
	unsigned int i;

	if (t->nrows == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, sizeof(*nc) * cap * t->ncols);

		if (nc == NULL)
			return;
		t->cells = nc;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + i] = strdup(s ? s : "-");
	}
	t->nrows++;
}

/* ncols, then the header cells. */
struct table *
table_new(unsigned int ncols, ...)
{
	struct table *t = calloc(1, sizeof(*t));
	va_list ap;

	if (t == NULL) {
		ctl_err("out of memory");
		exit(CTL_EXIT_FAIL);
	}
	t->ncols = ncols;
	va_start(ap, ncols);
	table_addv(t, ap);
	va_end(ap);
	return t;
}

void
table_row(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_addv(t, ap);
	va_end(ap);
}

void
table_print(struct table *t, const char *indent)
{
	size_t w[16] = { 0 };
	unsigned int r, i;

	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols && i < 16; i++) {
			const char *s = t->cells[r * t->ncols + i];
			size_t l = s ? strlen(s) : 0;

			if (l > w[i])
				w[i] = l;
		}
	for (r = 0; r < t->nrows; r++) {
		fputs(indent, stdout);
		for (i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];

			/* No trailing blanks: diffs and greps stay clean. */
			if (i + 1 == t->ncols)
				printf("%s\n", s ? s : "");
			else
				printf("%-*s  ", (int)w[i < 16 ? i : 15],
				       s ? s : "");
		}
	}
}

void
table_free(struct table *t)
{
	unsigned int i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
