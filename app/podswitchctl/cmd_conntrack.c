/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack list|del|flush: the connections the load balancer tracks,
 * with conntrack(8)'s filters (-p, --src, --dst, --sport, --dport, all
 * of the original direction) and its single delete (-D), over
 * GET|DELETE /v1/conntrack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* The options that become query parameters, conntrack(8)'s names. */
static const struct {
	const char *opt;
	const char *alt;
	const char *param;
} ct_opts[] = {
	{ "-p", "--proto", "proto" },
	{ "-s", "--src", "src" },
	{ "-d", "--dst", "dst" },
	{ "--sport", NULL, "sport" },
	{ "--dport", NULL, "dport" },
	{ "--id", NULL, "id" },
	{ "--service", NULL, "service" },
	{ "--endpoint", NULL, "endpoint" },
	{ "--limit", NULL, "limit" },
};

/* Append "&name=value" to buf, escaping what a query value may not
 * hold. False when it does not fit. */
static bool
query_add(char *buf, size_t size, const char *name, const char *value)
{
	size_t len = strlen(buf);
	const char *v;

	len += (size_t)snprintf(buf + len, size - len, "%c%s=",
				strchr(buf, '?') != NULL ? '&' : '?', name);
	for (v = value; *v != '\0' && len + 4 < size; v++) {
		unsigned char ch = (unsigned char)*v;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._/:", ch) != NULL)
			buf[len++] = (char)ch;
		else
			len += (size_t)snprintf(buf + len, size - len, "%%%02X",
						ch);
	}
	buf[len] = '\0';
	return *v == '\0' && len + 1 < size;
}

/*
 * "/v1/conntrack?..." from the options of argv; the server checks the
 * values (one place says what is valid). Returns 0 or a usage error.
 */
static int
ct_path(const char *verb, int argc, char **argv, char *buf, size_t size)
{
	unsigned int k;
	int i;

	snprintf(buf, size, "/v1/conntrack");
	for (i = 0; i < argc; i += 2) {
		for (k = 0; k < sizeof(ct_opts) / sizeof(ct_opts[0]); k++)
			if (strcmp(argv[i], ct_opts[k].opt) == 0 ||
			    (ct_opts[k].alt != NULL &&
			     strcmp(argv[i], ct_opts[k].alt) == 0))
				break;
		if (k == sizeof(ct_opts) / sizeof(ct_opts[0]))
			return ctl_usage_error("conntrack %s: unexpected '%s'",
					       verb, argv[i]);
		if (i + 1 == argc || argv[i + 1][0] == '\0')
			return ctl_usage_error("conntrack %s: %s needs a "
					       "value", verb, argv[i]);
		if (!query_add(buf, size, ct_opts[k].param, argv[i + 1]))
			return ctl_usage_error("conntrack %s: %s: too long",
					       verb, argv[i]);
	}
	return CTL_EXIT_OK;
}

static void
tuple_text(const json_t *t, const char *proto, char *buf, size_t size)
{
	if (strcmp(proto, "ICMP") == 0)
		snprintf(buf, size, "%s > %s id %s", jstr(t, "src", NULL, 0),
			 jstr(t, "dst", NULL, 0), jstr(t, "id", NULL, 0));
	else {
		char sp[16], dp[16];

		snprintf(buf, size, "%s:%s > %s:%s", jstr(t, "src", NULL, 0),
			 jstr(t, "sport", sp, sizeof(sp)),
			 jstr(t, "dst", NULL, 0),
			 jstr(t, "dport", dp, sizeof(dp)));
	}
}

/* "PACKETS/BYTES" of direction d of an entry. */
static void
counters_text(const json_t *e, size_t d, char *buf, size_t size)
{
	snprintf(buf, size, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_array_get(json_object_get(e,
			"packets"), d)),
		 json_integer_value(json_array_get(json_object_get(e,
			"bytes"), d)));
}

static void
entry_row(struct table *tb, const json_t *e)
{
	const char *proto = jstr(e, "protocol", NULL, 0);
	char o[96], r[96], ttl[16], in[48], out[48];

	tuple_text(json_object_get(e, "original"), proto, o, sizeof(o));
	tuple_text(json_object_get(e, "reply"), proto, r, sizeof(r));
	counters_text(e, 0, in, sizeof(in));
	counters_text(e, 1, out, sizeof(out));
	table_row(tb, proto, jstr(e, "state", NULL, 0),
		  jstr(e, "ttl", ttl, sizeof(ttl)), o, r, in, out);
}

static struct table *
entry_table(void)
{
	/* new columns last: scripts read the first five by position */
	return table_new(7, "PROTO", "STATE", "TTL", "ORIGINAL", "REPLY",
			 "ORIG-PKTS/BYTES", "REPLY-PKTS/BYTES");
}

static int
conntrack_list(const struct ctl *c, int argc, char **argv)
{
	char path[1024];
	struct table *tb;
	json_t *j, *e;
	size_t i;
	int rc = ct_path("list", argc, argv, path, sizeof(path));

	if (rc != CTL_EXIT_OK)
		return rc;
	rc = ctl_get_json(c, path, &j);
	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	tb = entry_table();
	json_array_foreach(json_object_get(j, "entries"), i, e)
		entry_row(tb, e);
	table_print(tb, "");
	table_free(tb);
	printf("%" JSON_INTEGER_FORMAT " connections%s (table of %"
	       JSON_INTEGER_FORMAT ")%s\n",
	       json_integer_value(json_object_get(j, "count")),
	       argc > 0 ? " matched" : "",
	       json_integer_value(json_object_get(j, "size")),
	       json_is_true(json_object_get(j, "truncated")) ?
	       ", list truncated" : "");
	json_decref(j);
	return CTL_EXIT_OK;
}

/* conntrack -D: the one connection of an original tuple. */
static int
conntrack_del(const struct ctl *c, int argc, char **argv)
{
	char path[1024];
	struct table *tb;
	json_t *j;
	int rc = ct_path("del", argc, argv, path, sizeof(path));

	if (rc != CTL_EXIT_OK)
		return rc;
	if (argc == 0)
		return ctl_usage_error("conntrack del: -p PROTO --src A --dst "
				       "A --sport N --dport N (or --id N) are "
				       "required (conntrack flush forgets "
				       "them all)");
	rc = ctl_change_reply(c, "DELETE", path, NULL, 0, &j);
	if (j != NULL) {
		printf("deleted 1 connection:\n");
		tb = entry_table();
		entry_row(tb, json_object_get(j, "entry"));
		table_print(tb, "  ");
		table_free(tb);
		json_decref(j);
	}
	return rc;
}

static int
conntrack_flush(const struct ctl *c)
{
	json_t *j;
	int rc = ctl_change_reply(c, "DELETE", "/v1/conntrack", NULL, 0, &j);

	if (j != NULL) {
		json_int_t n = json_integer_value(json_object_get(j,
							"deleted"));

		printf("flushed %" JSON_INTEGER_FORMAT " connection%s\n", n,
		       n == 1 ? "" : "s");
		json_decref(j);
	}
	return rc;
}

int
cmd_conntrack(const struct ctl *c, int argc, char **argv)
{
	if (argc == 0 || strcmp(argv[0], "list") == 0)
		return conntrack_list(c, argc > 0 ? argc - 1 : 0, argv + 1);
	if (strcmp(argv[0], "del") == 0 || strcmp(argv[0], "delete") == 0)
		return conntrack_del(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "flush") == 0) {
		if (argc > 1)
			return ctl_usage_error("conntrack flush: unexpected "
					       "'%s'", argv[1]);
		return conntrack_flush(c);
	}
	return ctl_usage_error("conntrack: unknown subcommand '%s'", argv[0]);
}
