/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Method + path to a registered handler (PS_REST_ROUTE). A path that
 * exists with another method gets 405 and an Allow header listing the
 * methods it has; a path that does not exist gets 404. HEAD is served as
 * GET (the server drops the body).
 *
 * Routes register in constructors, in link order; they are kept sorted
 * (literal segments before "*", then by method) so that matching and the
 * Allow header do not depend on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>

#include "rest_private.h"

#define MAX_SEGS 8

static struct rest_route *routes;
/* requests no route took (404, 405, malformed paths) */
static struct rest_route_stats unmatched;

/* Handler durations (seconds): a GET of a few objects takes well under
 * a millisecond; an apply of thousands of services, seconds. */
static const double duration_le[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
count(struct rest_route_stats *st, int status, double t0)
{
	unsigned int i;

	for (i = 0; i < REST_STATUS_SLOTS; i++)
		if (st->status[i] == status || st->status[i] == 0)
			break;
	if (i < REST_STATUS_SLOTS)
		st->status[i] = (uint16_t)status;
	st->requests[i]++;
	ps_prom_hist_observe(&st->duration, duration_le,
			     RTE_DIM(duration_le), now_s() - t0);
}

static void
route_metrics(struct ps_prom_family *req, struct ps_prom_family *dur,
	      const char *method, const char *route,
	      const struct rest_route_stats *st)
{
	char code[8];
	unsigned int i;

	for (i = 0; i <= REST_STATUS_SLOTS; i++) {
		if (st->requests[i] == 0)
			continue;
		if (i < REST_STATUS_SLOTS)
			snprintf(code, sizeof(code), "%u", st->status[i]);
		ps_prom_add(req, st->requests[i], "method", method,
			    "route", route, "status",
			    i < REST_STATUS_SLOTS ? code : "other", NULL);
	}
	if (st->duration.count != 0)
		ps_prom_add_hist(dur, duration_le, RTE_DIM(duration_le),
				 &st->duration, "method", method,
				 "route", route, NULL);
}

void
rest_router_metrics(struct ps_prom *p)
{
	struct ps_prom_family *req, *dur;
	const struct rest_route *rt;

	req = ps_prom_family(p, "podswitch_api_requests_total",
			     PS_PROM_COUNTER, "REST API requests answered, by "
			     "method, route (the registered pattern; "
			     "\"unmatched\" for none) and status.");
	dur = ps_prom_family(p, "podswitch_api_request_duration_seconds",
			     PS_PROM_HISTOGRAM, "Time the REST API took to "
			     "handle a request (an apply included), by method "
			     "and route.");
	for (rt = routes; rt != NULL; rt = rt->next)
		route_metrics(req, dur, rt->method, rt->path, &rt->stats);
	route_metrics(req, dur, "", "unmatched", &unmatched);
}

static unsigned int
method_rank(const char *m)
{
	static const char *const known[] = { "GET", "POST", "PUT", "DELETE" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(known); i++)
		if (strcmp(m, known[i]) == 0)
			return i;
	return RTE_DIM(known);
}

/* The segment of a pattern that starts at *p; *p moves past it. */
static size_t
next_seg(const char **p, const char **seg)
{
	size_t len;

	if (**p == '/')
		(*p)++;
	*seg = *p;
	len = strcspn(*p, "/");
	*p += len;
	return len;
}

static bool
is_star(const char *s, size_t len)
{
	return len == 1 && s[0] == '*';
}

/* Order of two patterns: segment by segment, a literal before "*", a
 * shorter path before a longer one. */
static int
path_cmp(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		const char *sa, *sb;
		size_t la = next_seg(&a, &sa), lb = next_seg(&b, &sb);
		int c;

		if (is_star(sa, la) != is_star(sb, lb))
			return is_star(sa, la) ? 1 : -1;
		c = strncmp(sa, sb, RTE_MIN(la, lb));
		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return (*a != '\0') - (*b != '\0');
}

static int
route_cmp(const struct rest_route *x, const struct rest_route *y)
{
	int c = path_cmp(x->path, y->path);
	unsigned int rx, ry;

	if (c != 0)
		return c;
	rx = method_rank(x->method);
	ry = method_rank(y->method);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x->method, y->method);
}

void
rest_route_register(struct rest_route *rt)
{
	struct rest_route **p = &routes;
	int c = 1;

	while (*p != NULL && (c = route_cmp(*p, rt)) < 0)
		p = &(*p)->next;
	/* Before main(): two handlers for one request is a build bug. */
	if (rt->path[0] != '/' || (*p != NULL && c == 0)) {
		fprintf(stderr, "podswitch: REST route %s %s: %s\n",
			rt->method, rt->path, rt->path[0] != '/' ?
			"the path must start with /" : "registered twice");
		abort();
	}
	rt->next = *p;
	*p = rt;
}

/* Whether seg[0..n) matches rt's pattern; *arg is the segment taken by
 * the last "*". */
static bool
path_match(const struct rest_route *rt, const char *const seg[],
	   unsigned int n, const char **arg)
{
	const char *p = rt->path, *s;
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t len;

		if (*p == '\0')
			return false;
		len = next_seg(&p, &s);
		if (is_star(s, len))
			*arg = seg[i];
		else if (strlen(seg[i]) != len || strncmp(s, seg[i], len) != 0)
			return false;
	}
	return *p == '\0';
}

static void
add_allow(char *allow, size_t size, const char *method)
{
	size_t len = strlen(allow);

	snprintf(allow + len, size - len, "%s%s", len ? ", " : "", method);
}

void
rest_dispatch(const struct ps_http_request *req, struct ps_http_response *resp,
	      void *ctx)
{
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" :
			     req->method;
	char buf[1024], allow[64] = "";
	const char *seg[MAX_SEGS + 1];
	struct rest_route *rt;
	double t0 = now_s();
	int n;

	n = ps_http_path_segments(req->path, buf, sizeof(buf), seg,
				  RTE_DIM(seg));
	if (n < 0) {
		/* Too long or too deep is no route of ours; a bad escape
		 * is the client's error. */
		if (n == -EINVAL)
			rest_bad(resp, "malformed path");
		else
			ps_http_json_error(resp, 404, "not_found",
					   "no such resource");
		count(&unmatched, resp->status, t0);
		return;
	}
	for (rt = routes; rt != NULL; rt = rt->next) {
		const char *a = NULL;

		if (!path_match(rt, seg, (unsigned int)n, &a))
			continue;
		if (strcmp(rt->method, method) == 0) {
			rt->fn(ctx, req, resp, a);
			if (strcmp(method, "GET") != 0)
				rest_state_changed(ctx, seg[1], resp->status);
			count(&rt->stats, resp->status, t0);
			return;
		}
		add_allow(allow, sizeof(allow), rt->method);
		if (strcmp(rt->method, "GET") == 0)
			add_allow(allow, sizeof(allow), "HEAD");
	}
	if (allow[0] != '\0') {
		ps_http_json_error(resp, 405, "method_not_allowed",
				   "%s is not allowed on %s (allowed: %s)",
				   req->method, req->path, allow);
		ps_http_response_header(resp, "Allow", allow);
		count(&unmatched, resp->status, t0);
		return;
	}
	ps_http_json_error(resp, 404, "not_found", "no such resource: %s",
			   req->path);
	count(&unmatched, resp->status, t0);
}

/*
 * The read-only listener (api.metrics_listen): GET and HEAD of the paths
 * a scraper or a probe needs, through the same handlers; nothing there
 * can change the dataplane, so it needs no token.
 */
void
rest_dispatch_readonly(const struct ps_http_request *req,
		       struct ps_http_response *resp, void *ctx)
{
	static const char *const paths[] = { "/metrics", "/healthz",
					     "/readyz" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(paths); i++) {
		if (strcmp(req->path, paths[i]) != 0)
			continue;
		if (strcmp(req->method, "GET") == 0 ||
		    strcmp(req->method, "HEAD") == 0) {
			rest_dispatch(req, resp, ctx);
			return;
		}
		ps_http_json_error(resp, 405, "method_not_allowed",
				   "%s is not allowed on %s (read-only "
				   "listener; allowed: GET, HEAD)",
				   req->method, req->path);
		ps_http_response_header(resp, "Allow", "GET, HEAD");
		count(&unmatched, resp->status, now_s());
		return;
	}
	ps_http_json_error(resp, 404, "not_found",
			   "no such resource on the read-only listener: %s",
			   req->path);
	count(&unmatched, resp->status, now_s());
}
