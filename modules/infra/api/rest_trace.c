/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /v1/trace: the packet trace (include/podswitch/trace.h), as VPP's
 * `trace add` and `show trace`.
 *   POST /v1/trace {"count": N, "port": "NAME", "filter": "BPF"}: arm
 *   GET /v1/trace: the session and every traced packet, its path in order
 *   DELETE /v1/trace: disarm (the records stay, as after a count is met)
 *   DELETE /v1/trace/records: forget the records
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_graph.h>

#include <podswitch/inet.h>
#include <podswitch/route.h>
#include <podswitch/trace.h>

#include "rest_private.h"

static int
trace_int(const json_t *v, json_int_t lo, json_int_t hi, uint32_t *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return -EINVAL;
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return -ERANGE;
	*out = (uint32_t)n;
	return 0;
}

static void
rest_trace_post(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	struct ps_trace_params p = { .count = PS_TRACE_COUNT_DEFAULT,
				     .port = -1 };
	json_t *body = rest_body(req, resp), *v;
	const char *key;
	char err[256];
	int rc;

	RTE_SET_USED(arg);
	if (body == NULL)
		return;
	if (!json_is_object(body)) {
		rest_bad(resp, "$: must be an object");
		goto out;
	}
	json_object_foreach(body, key, v) {
		if (strcmp(key, "count") == 0) {
			if (trace_int(v, 1, PS_TRACE_COUNT_MAX, &p.count) < 0) {
				rest_bad(resp, "$.count: must be an integer "
					 "1..%u", PS_TRACE_COUNT_MAX);
				goto out;
			}
		} else if (strcmp(key, "port") == 0) {
			if (!json_is_string(v)) {
				rest_bad(resp, "$.port: must be a port name");
				goto out;
			}
			p.port = ps_dataplane_port_by_name(r->dp,
							   json_string_value(v));
			if (p.port < 0) {
				ps_http_json_error(resp, 404, "not_found",
						   "$.port: no port named %s",
						   json_string_value(v));
				goto out;
			}
		} else if (strcmp(key, "filter") == 0) {
			if (!json_is_string(v) ||
			    json_string_length(v) == 0 ||
			    json_string_length(v) > 1024) {
				rest_bad(resp, "$.filter: must be a BPF "
					 "expression (1..1024 characters)");
				goto out;
			}
			p.filter = json_string_value(v);
		} else {
			rest_bad(resp, "$.%s: unknown key (count, port, "
				 "filter)", key);
			goto out;
		}
	}
	rc = ps_trace_start(r->dp, &p, err, sizeof(err));
	if (rc == -ENOTSUP)
		ps_http_json_error(resp, 501, "not_implemented", "$.filter: %s",
				   err);
	else if (rc < 0)
		rest_bad(resp, "%s", err);
	else
		rest_reply(resp, 201, json_pack("{s:b, s:i}", "armed", 1,
						"count", (json_int_t)p.count));
out:
	json_decref(body);
}

static void
rest_trace_delete(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_trace_stop(r->dp);
	resp->status = 204;
}

static void
rest_trace_clear(struct ps_rest *r, const struct ps_http_request *req,
		 struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(r);
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_trace_clear();
	resp->status = 204;
}

/* GET -------------------------------------------------------------------- */

struct trace_view {
	struct ps_trace_rec *rec;
	unsigned int n;
	struct ps_trace_status st;
	uint64_t hz;
	const struct ps_dataplane *dp;
};

/* Records of one packet together, in the order they were written. */
static int
rec_cmp(const void *a, const void *b)
{
	const struct ps_trace_rec *x = a, *y = b;

	if (x->worker != y->worker)
		return x->worker < y->worker ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->tsc != y->tsc)
		return x->tsc < y->tsc ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* ns since the session started */
static json_int_t
trace_ns(const struct trace_view *tv, uint64_t tsc)
{
	if (tsc < tv->st.start_tsc || tv->hz == 0)
		return 0;
	return (json_int_t)((double)(tsc - tv->st.start_tsc) * 1e9 /
			    (double)tv->hz);
}

/* "k=v" words of text as an object (every value a string). */
static json_t *
trace_fields(const char *text)
{
	json_t *o = json_object();
	char buf[PS_TRACE_TEXT], *save = NULL, *w, *eq;

	snprintf(buf, sizeof(buf), "%s", text);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		eq = strchr(w, '=');
		if (eq == NULL || eq == w)
			continue;
		*eq = '\0';
		json_object_set_new(o, w, json_string(eq + 1));
	}
	return o;
}

/* One record as JSON; ip4_lookup's gets the prefix that matched now. */
static json_t *
trace_rec_json(const struct trace_view *tv, const struct ps_trace_rec *r,
	       uint64_t first_tsc)
{
	const char *next = r->next != RTE_NODE_ID_INVALID ?
			   rte_node_id_to_name(r->next) : NULL;
	const char *node = rte_node_id_to_name(r->node);
	json_t *fields = trace_fields(r->text), *d;
	char text[PS_TRACE_TEXT + 64];
	struct ps_route rt;
	uint32_t dst;

	snprintf(text, sizeof(text), "%s", r->text);
	d = json_object_get(fields, "dst");
	if (node != NULL && strcmp(node, "ip4_lookup") == 0 && d != NULL &&
	    ps_parse_ip4(json_string_value(d), &dst) == 0 &&
	    ps_route_match(tv->dp->routes, dst, &rt) == 0) {
		char pfx[PS_PREFIX4_STRLEN];

		ps_prefix4_fmt(pfx, &rt.dst);
		json_object_set_new(fields, "route", json_string(pfx));
		snprintf(text, sizeof(text), "%s route=%s", r->text, pfx);
	}
	return json_pack("{s:s, s:s?, s:I, s:s, s:o}",
			 "node", node != NULL ? node : "?", "next", next,
			 "dt_ns", trace_ns(tv, r->tsc) - trace_ns(tv, first_tsc),
			 "text", text, "fields", fields);
}

/* The packet of records [lo, hi) of tv->rec. */
static json_t *
trace_packet_json(const struct trace_view *tv, unsigned int lo,
		  unsigned int hi)
{
	const struct ps_trace_rec *f = &tv->rec[lo];
	json_t *nodes = json_array();
	unsigned int i;

	for (i = lo; i < hi; i++)
		json_array_append_new(nodes, trace_rec_json(tv, &tv->rec[i],
							    f->tsc));
	return json_pack("{s:i, s:I, s:o, s:I, s:I, s:o}",
			 "worker", (json_int_t)f->worker,
			 "seq", (json_int_t)f->seq,
			 "port", rest_json_port(tv->dp, f->port),
			 "t_ns", trace_ns(tv, f->tsc),
			 "time_ns", (json_int_t)tv->st.start_ns +
				    trace_ns(tv, f->tsc),
			 "nodes", nodes);
}

static int
pkt_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t tx = json_integer_value(json_object_get(x, "t_ns"));
	json_int_t ty = json_integer_value(json_object_get(y, "t_ns"));

	return tx < ty ? -1 : tx > ty;
}

static json_t *
trace_packets(struct trace_view *tv)
{
	json_t **pk, *arr = json_array();
	unsigned int i, lo, np = 0;

	qsort(tv->rec, tv->n, sizeof(*tv->rec), rec_cmp);
	pk = calloc(tv->n + 1, sizeof(*pk));
	if (pk == NULL)
		return arr;
	for (lo = 0, i = 1; i <= tv->n; i++)
		if (i == tv->n || tv->rec[i].worker != tv->rec[lo].worker ||
		    tv->rec[i].seq != tv->rec[lo].seq) {
			pk[np++] = trace_packet_json(tv, lo, i);
			lo = i;
		}
	/* in the order they came in, whichever worker took them */
	qsort(pk, np, sizeof(*pk), pkt_cmp);
	for (i = 0; i < np; i++)
		json_array_append_new(arr, pk[i]);
	free(pk);
	return arr;
}

static void
rest_trace_get(struct ps_rest *r, const struct ps_http_request *req,
	       struct ps_http_response *resp, const char *arg)
{
	struct trace_view tv = { .dp = r->dp, .hz = rte_get_tsc_hz() };
	unsigned int w, nw = ps_trace_nb_workers();
	json_t *j;

	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	ps_trace_status(&tv.st);
	tv.rec = malloc(((size_t)nw * PS_TRACE_RING + 1) * sizeof(*tv.rec));
	if (tv.rec == NULL) {
		ps_http_json_error(resp, 500, "internal_error",
				   "no memory for the trace records");
		return;
	}
	for (w = 0; w < nw; w++)
		tv.n += ps_trace_snapshot(w, tv.rec + tv.n, PS_TRACE_RING);
	j = json_pack("{s:b, s:i, s:i, s:o, s:s?, s:I, s:o}",
		      "armed", tv.st.armed, "count", (json_int_t)tv.st.count,
		      "marked", (json_int_t)tv.st.marked,
		      "port", tv.st.port < 0 ? json_null() :
			      rest_json_port(r->dp, (uint16_t)tv.st.port),
		      "filter", tv.st.filter[0] != '\0' ? tv.st.filter : NULL,
		      "start_ns", (json_int_t)tv.st.start_ns,
		      "packets", trace_packets(&tv));
	free(tv.rec);
	rest_reply(resp, 200, j);
}

PS_REST_ROUTE("GET", "/v1/trace", rest_trace_get);
PS_REST_ROUTE("POST", "/v1/trace", rest_trace_post);
PS_REST_ROUTE("DELETE", "/v1/trace", rest_trace_delete);
PS_REST_ROUTE("DELETE", "/v1/trace/records", rest_trace_clear);
