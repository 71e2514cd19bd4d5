/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace start [-c N] [-p PORT] [-f FILTER] | show [--json] | stop | clear:
 * the packet trace (/v1/trace), printed as VPP's `show trace` is: per
 * packet a header line, then one line per node it crossed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static int
trace_start(const struct ctl *c, int argc, char **argv)
{
	json_t *body = json_object(), *j;
	char *s, *end;
	long n;
	int i, rc;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (i + 1 >= argc && (strcmp(o, "-c") == 0 ||
				      strcmp(o, "-p") == 0 ||
				      strcmp(o, "-f") == 0)) {
			json_decref(body);
			return ctl_usage_error("trace start: %s needs a value",
					       o);
		}
		if (strcmp(o, "-c") == 0) {
			n = strtol(argv[++i], &end, 10);
			if (*end != '\0' || n <= 0) {
				json_decref(body);
				return ctl_usage_error("trace start: -c takes a "
						       "count, not '%s'",
						       argv[i]);
			}
			/* the server says the upper bound */
			json_object_set_new(body, "count", json_integer(n));
		} else if (strcmp(o, "-p") == 0) {
			json_object_set_new(body, "port",
					    json_string(argv[++i]));
		} else if (strcmp(o, "-f") == 0) {
			json_object_set_new(body, "filter",
					    json_string(argv[++i]));
		} else {
			json_decref(body);
			return ctl_usage_error("trace start: unexpected '%s'",
					       o);
		}
	}
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (s == NULL) {
		fprintf(stderr, "podswitchctl: out of memory\n");
		return CTL_EXIT_FAIL;
	}
	rc = ctl_change_reply(c, "POST", "/v1/trace", s, strlen(s), &j);
	free(s);
	if (j != NULL) {
		printf("tracing the next %lld packets\n",
		       (long long)json_integer_value(json_object_get(j,
								     "count")));
		json_decref(j);
	}
	return rc;
}

/* "HH:MM:SS.uuuuuu" (UTC) of ns since the epoch */
static void
trace_time(json_int_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (long long)(ns % 1000000000) / 1000);
}

static void
trace_print_packet(const json_t *p, size_t idx)
{
	const json_t *nodes = json_object_get(p, "nodes"), *n;
	char when[32], b1[64], b2[64];
	size_t i;

	trace_time(json_integer_value(json_object_get(p, "time_ns")), when,
		   sizeof(when));
	printf("Packet %zu: worker %s seq %s port %s at %s\n", idx + 1,
	       jstr(p, "worker", b1, sizeof(b1)),
	       jstr(p, "seq", b2, sizeof(b2)), jstr(p, "port", NULL, 0),
	       when);
	json_array_foreach(nodes, i, n) {
		const json_t *next = json_object_get(n, "next");

		printf("  %+10.3f us  %-22s %s%s%s\n",
		       (double)json_integer_value(json_object_get(n, "dt_ns")) /
		       1000.0, jstr(n, "node", NULL, 0),
		       json_string_value(json_object_get(n, "text")),
		       json_is_string(next) ? " -> " : "",
		       json_is_string(next) ? json_string_value(next) : "");
	}
}

static int
trace_show(const struct ctl *c, int argc, char **argv)
{
	struct ctl cj = *c;
	const json_t *pk, *p;
	char buf[64], cnt[64];
	json_t *j;
	size_t i;
	int rc;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--json") != 0))
		return ctl_usage_error("trace show: unexpected '%s'",
				       argv[argc > 1 ? 1 : 0]);
	cj.json = c->json || argc == 1;
	rc = ctl_get_json(&cj, "/v1/trace", &j);
	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	pk = json_object_get(j, "packets");
	printf("trace %s: %s of %s packets marked on %s%s%s\n",
	       json_is_true(json_object_get(j, "armed")) ? "armed" : "stopped",
	       jstr(j, "marked", buf, sizeof(buf)), jstr(j, "count", cnt, sizeof(cnt)),
	       json_is_string(json_object_get(j, "port")) ?
	       json_string_value(json_object_get(j, "port")) : "every port",
	       json_is_string(json_object_get(j, "filter")) ? " matching " : "",
	       json_is_string(json_object_get(j, "filter")) ?
	       json_string_value(json_object_get(j, "filter")) : "");
	json_array_foreach(pk, i, p) {
		printf("\n");
		trace_print_packet(p, i);
	}
	if (json_array_size(pk) == 0)
		printf("no packet traced\n");
	json_decref(j);
	return CTL_EXIT_OK;
}

int
cmd_trace(const struct ctl *c, int argc, char **argv)
{
	if (argc == 0)
		return ctl_usage_error("trace: start, show, stop or clear");
	if (strcmp(argv[0], "start") == 0)
		return trace_start(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "show") == 0)
		return trace_show(c, argc - 1, argv + 1);
	if (argc > 1)
		return ctl_usage_error("trace %s: unexpected '%s'", argv[0],
				       argv[1]);
	if (strcmp(argv[0], "stop") == 0)
		return ctl_change(c, "DELETE", "/v1/trace", NULL, 0);
	if (strcmp(argv[0], "clear") == 0)
		return ctl_change(c, "DELETE", "/v1/trace/records", NULL, 0);
	return ctl_usage_error("trace: unknown subcommand '%s'", argv[0]);
}
