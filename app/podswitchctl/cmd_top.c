/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * top [-n COUNT] [--once] [-d SECONDS]: a live view of GET /v1/stats,
 * refreshed every interval, read the way "vppctl show runtime" and
 * "ovs-appctl dpif-netdev/pmd-perf-show" are: what happened over the
 * last interval (the difference of two snapshots taken here), not since
 * the start. Per worker busy %, per port packets per second and drops,
 * per graph node calls, packets and cycles per packet, drops by reason.
 *
 * On a terminal each view replaces the last (ANSI clear); otherwise the
 * views follow each other, separated by a blank line, for scripts and
 * logs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* GET /v1/stats parsed, or NULL having said why. */
static json_t *
snapshot(const struct ctl *c)
{
	struct ps_http_reply r;
	json_error_t err;
	json_t *j = NULL;

	if (http_request(c, "GET", "/v1/stats", NULL, 0, &r) < 0)
		return NULL;
	if (r.status >= 300)
		ctl_http_failed(&r);
	else if ((j = json_loadb(r.body, r.body_len, 0, &err)) == NULL)
		ctl_err("bad JSON from /v1/stats: %s", err.text);
	ps_http_reply_free(&r);
	return j;
}

static json_int_t
ival(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* o's key less was's: 0 when the counter went back (a stats reset). */
static double
delta(const json_t *o, const json_t *was, const char *key)
{
	json_int_t a = ival(o, key), b = was != NULL ? ival(was, key) : a;

	return a > b ? (double)(a - b) : 0.0;
}

/* The element of arr whose key k1 (and k2 when not NULL) equal o's. */
static const json_t *
find(const json_t *arr, const json_t *o, const char *k1, const char *k2)
{
	const char *v1 = json_string_value(json_object_get(o, k1));
	const char *v2 = k2 ? json_string_value(json_object_get(o, k2)) : NULL;
	const json_t *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *e1 = json_string_value(json_object_get(e, k1));
		const char *e2 = k2 ? json_string_value(json_object_get(e, k2)) :
			NULL;

		if (v1 != NULL && e1 != NULL && strcmp(v1, e1) == 0 &&
		    (k2 == NULL || (v2 != NULL && e2 != NULL &&
				    strcmp(v2, e2) == 0)))
			return e;
	}
	return NULL;
}

static void
workers_view(const json_t *now, const json_t *was)
{
	const json_t *ws = json_object_get(now, "workers"), *w;
	struct table *tb;
	char id[16], lc[16], busy[16];
	size_t i;

	if (!json_is_array(ws)) {
		printf("workers: (the daemon reports no worker cycles)\n");
		return;
	}
	tb = table_new(3, "WORKER", "LCORE", "BUSY%");
	json_array_foreach(ws, i, w) {
		const json_t *p = json_array_get(json_object_get(was, "workers"),
						 i);
		double b = delta(w, p, "busy_cycles");
		double t = b + delta(w, p, "idle_cycles");

		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
			 ival(w, "worker"));
		snprintf(lc, sizeof(lc), "%" JSON_INTEGER_FORMAT,
			 ival(w, "lcore"));
		if (t > 0)
			snprintf(busy, sizeof(busy), "%.1f", 100.0 * b / t);
		else
			snprintf(busy, sizeof(busy), "-");
		table_row(tb, id, lc, busy);
	}
	table_print(tb, "  ");
	table_free(tb);
}

static void
ports_view(const json_t *now, const json_t *was, double dt)
{
	const json_t *ps = json_object_get(now, "ports"), *p;
	char v[6][32];
	struct table *tb;
	size_t i;

	tb = table_new(7, "PORT", "ROLE", "RX-PPS", "TX-PPS", "RX-BPS",
		       "TX-BPS", "DROPS/S");
	json_array_foreach(ps, i, p) {
		const json_t *o = find(json_object_get(was, "ports"), p,
				       "name", NULL);
		/* what the port lost: no descriptor, bad frame, tx full */
		double drops = delta(p, o, "rx_missed") +
			       delta(p, o, "rx_errors") +
			       delta(p, o, "tx_errors") +
			       delta(p, o, "tx_dropped");

		snprintf(v[0], sizeof(v[0]), "%.0f",
			 delta(p, o, "rx_packets") / dt);
		snprintf(v[1], sizeof(v[1]), "%.0f",
			 delta(p, o, "tx_packets") / dt);
		snprintf(v[2], sizeof(v[2]), "%.0f",
			 8 * delta(p, o, "rx_bytes") / dt);
		snprintf(v[3], sizeof(v[3]), "%.0f",
			 8 * delta(p, o, "tx_bytes") / dt);
		snprintf(v[4], sizeof(v[4]), "%.0f", drops / dt);
		table_row(tb, jstr(p, "name", NULL, 0), jstr(p, "role", NULL, 0),
			  v[0], v[1], v[2], v[3], v[4]);
	}
	table_print(tb, "  ");
	table_free(tb);
}

/*
 * The nodes that moved packets in the interval. Cycles per packet leave
 * out a source node's empty polls (idle_cycles), as /v1/stats does.
 */
static void
nodes_view(const json_t *now, const json_t *was, double dt)
{
	const json_t *ns = json_object_get(now, "nodes"), *n;
	char calls[32], pkts[32], cpp[32];
	struct table *tb;
	unsigned int shown = 0;
	size_t i;

	tb = table_new(4, "NODE", "CALLS/S", "PKTS/S", "CYCLES/PKT");
	json_array_foreach(ns, i, n) {
		const json_t *o = find(json_object_get(was, "nodes"), n,
				       "name", NULL);
		double dp = delta(n, o, "packets");
		double dc = delta(n, o, "cycles") - delta(n, o, "idle_cycles");

		if (dp == 0)
			continue;
		snprintf(calls, sizeof(calls), "%.0f",
			 (delta(n, o, "calls") - delta(n, o, "idle_calls")) /
			 dt);
		snprintf(pkts, sizeof(pkts), "%.0f", dp / dt);
		snprintf(cpp, sizeof(cpp), "%.1f", dc > 0 ? dc / dp : 0.0);
		table_row(tb, jstr(n, "name", NULL, 0), calls, pkts, cpp);
		shown++;
	}
	if (shown == 0)
		printf("  (no packets)\n");
	else
		table_print(tb, "  ");
	table_free(tb);
}

static void
drops_view(const json_t *now, const json_t *was, double dt)
{
	const json_t *ds = json_object_get(now, "drops"), *d;
	struct table *tb;
	char rate[32];
	unsigned int shown = 0;
	size_t i;

	tb = table_new(3, "NODE", "REASON", "PKTS/S");
	json_array_foreach(ds, i, d) {
		const json_t *o = find(json_object_get(was, "drops"), d,
				       "node", "reason");
		double dp = delta(d, o, "packets");

		if (dp == 0)
			continue;
		snprintf(rate, sizeof(rate), "%.0f", dp / dt);
		table_row(tb, jstr(d, "node", NULL, 0),
			  jstr(d, "reason", NULL, 0), rate);
		shown++;
	}
	if (shown == 0)
		printf("  (none)\n");
	else
		table_print(tb, "  ");
	table_free(tb);
}

static void
view(const json_t *now, const json_t *was, double dt, bool tty,
     unsigned int n)
{
	if (tty)
		fputs("\033[H\033[2J", stdout);
	else if (n > 0)
		putchar('\n');
	printf("podswitch top: the last %.2f s\n", dt);
	printf("workers:\n");
	workers_view(now, was);
	printf("ports:\n");
	ports_view(now, was, dt);
	printf("nodes:\n");
	nodes_view(now, was, dt);
	printf("drops:\n");
	drops_view(now, was, dt);
	fflush(stdout);
}

/* Sleep until t (monotonic seconds); false when interrupted to stop. */
static bool
sleep_until(double t)
{
	double left;

	while (!stop && (left = t - now_s()) > 0) {
		struct timespec ts = {
			.tv_sec = (time_t)left,
			.tv_nsec = (long)((left - (double)(time_t)left) * 1e9),
		};

		if (nanosleep(&ts, NULL) < 0 && errno != EINTR)
			break;
	}
	return !stop;
}

static int
top_args(int argc, char **argv, long *count, double *interval)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *end = NULL;

		if (strcmp(argv[i], "--once") == 0) {
			*count = 1;
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			*count = strtol(argv[++i], &end, 10);
			if (*end != '\0' || *count < 1)
				return ctl_usage_error("top: -n: a count "
						       "of at least 1");
		} else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			*interval = strtod(argv[++i], &end);
			if (*end != '\0' || !(*interval >= 0.1) ||
			    *interval > 3600)
				return ctl_usage_error("top: -d: seconds, "
						       "0.1 to 3600");
		} else {
			return ctl_usage_error("top: unexpected '%s'",
					       argv[i]);
		}
	}
	return CTL_EXIT_OK;
}

int
cmd_top(const struct ctl *c, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	double interval = 1.0, t0, t1;
	bool tty = isatty(STDOUT_FILENO);
	json_t *was, *now;
	long count = -1, n;
	int rc = top_args(argc, argv, &count, &interval);

	if (rc != CTL_EXIT_OK)
		return rc;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	was = snapshot(c);
	t0 = now_s();
	if (was == NULL)
		return CTL_EXIT_FAIL;
	for (n = 0; count < 0 || n < count; n++) {
		if (!sleep_until(t0 + interval))
			break;
		now = snapshot(c);
		t1 = now_s();
		if (now == NULL) {
			json_decref(was);
			return CTL_EXIT_FAIL;
		}
		view(now, was, t1 - t0, tty, (unsigned int)n);
		json_decref(was);
		was = now;
		t0 = t1;
	}
	json_decref(was);
	return CTL_EXIT_OK;
}
