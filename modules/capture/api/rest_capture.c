/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /v1/captures: capture sessions over REST.
 *   POST   /v1/captures        start one (capture_request.c): 201 and
 *                              the session; 400 bad body or filter
 *                              (libpcap's message), 422 unknown port,
 *                              409 port already captured or too many
 *                              sessions, 507 no memory for the copies
 *   GET    /v1/captures        every session with its counters
 *   GET    /v1/captures/{id}   the pcapng stream not read yet (the
 *                              first read starts with the section and
 *                              interface blocks); headers
 *                              Podswitch-Capture-State (running, or why
 *                              it ended), -Captured, -Dropped. An ended
 *                              session read to its end answers an empty
 *                              body. Read at least every 10 s, or the
 *                              session ends (client_gone).
 *   DELETE /v1/captures/{id}   stop and forget it (204)
 * The HTTP server answers whole responses, so a client polls.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rest_private.h"
#include "capture_rest.h"

/* bytes of stream per response */
#define READ_MAX (4u << 20)

static json_t *
session_json(const struct cap_session *s)
{
	struct cap_counters c;
	json_t *ports = json_array();
	unsigned int i;

	for (i = 0; i < s->rq.nb_ports; i++)
		json_array_append_new(ports, json_string(s->rq.ports[i]));
	cap_session_counters(s, &c);
	return json_pack("{s:I, s:o, s:s, s:s, s:I, s:I, s:s, s:b, s:I, s:I,"
			 " s:I, s:I, s:I, s:I}",
			 "id", (json_int_t)s->id, "ports", ports,
			 "direction", cap_dirs_name(s->rq.dirs),
			 "filter", s->rq.filter,
			 "count", (json_int_t)s->rq.count,
			 "snaplen", (json_int_t)s->rq.snaplen,
			 "state", cap_end_name(s->end),
			 "jit", s->filter != NULL &&
				ps_pktfilter_jitted(s->filter),
			 "captured", (json_int_t)s->captured,
			 "dropped", (json_int_t)c.dropped,
			 "seen", (json_int_t)c.seen,
			 "filtered", (json_int_t)(c.seen - c.matched),
			 "bytes", (json_int_t)s->bytes,
			 "unread_bytes", (json_int_t)(s->len - s->off));
}

static void
rest_captures_post(struct ps_rest *r, const struct ps_http_request *req,
		   struct ps_http_response *resp, const char *arg)
{
	struct ps_errors errs = { 0 };
	struct cap_request *rq;
	struct cap_session *s;
	char why[512];
	json_t *body;
	int rc;

	RTE_SET_USED(arg);
	body = rest_body(req, resp);
	if (body == NULL)
		return;
	rq = malloc(sizeof(*rq));
	if (rq == NULL) {
		json_decref(body);
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	rc = cap_request_parse(body, rq, &errs);
	json_decref(body);
	if (rc != 0) {
		rest_reply_errors(resp, rc, &errs);
		goto out;
	}
	s = cap_session_start(r->dp, rq, &rc, why, sizeof(why));
	if (s != NULL)
		rest_reply(resp, 201, session_json(s));
	else if (rc == -ENOENT)
		ps_http_json_error(resp, 422, "unknown_port", "$.ports: %s",
				   why);
	else if (rc == -EINVAL && strncmp(why, "bad filter", 10) == 0)
		ps_http_json_error(resp, 400, "bad_filter", "$.filter: %s",
				   why);
	else if (rc == -EINVAL)
		rest_bad(resp, "%s", why);
	else if (rc == -EBUSY)
		ps_http_json_error(resp, 409, "conflict", "%s", why);
	else if (rc == -ENOSPC)
		ps_http_json_error(resp, 409, "too_many_sessions", "%s", why);
	else if (rc == -ENOBUFS)
		ps_http_json_error(resp, 507, "no_room", "%s", why);
	else
		ps_http_json_error(resp, 500, "internal_error", "%s", why);
out:
	ps_errors_free(&errs);
	free(rq);
}

static void
rest_captures_get(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	json_t *list = json_array();
	unsigned int i;

	RTE_SET_USED(r);
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	for (i = 0; i < CAP_MAX_SESSIONS; i++) {
		const struct cap_session *s = cap_session_at(i);

		if (s != NULL)
			json_array_append_new(list, session_json(s));
	}
	rest_reply(resp, 200, json_pack("{s:o}", "captures", list));
}

/* The session arg names, or NULL after answering 404. */
static struct cap_session *
session_of(const char *arg, struct ps_http_response *resp)
{
	struct cap_session *s = NULL;
	char *end;
	unsigned long id;

	id = strtoul(arg, &end, 10);
	if (arg[0] >= '0' && arg[0] <= '9' && *end == '\0' && id <= UINT32_MAX)
		s = cap_session_find((uint32_t)id);
	if (s == NULL)
		ps_http_json_error(resp, 404, "not_found", "no capture %s "
				   "(GET /v1/captures lists them)", arg);
	return s;
}

static void
header_u64(struct ps_http_response *resp, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	ps_http_response_header(resp, name, buf);
}

static void
rest_capture_read(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	struct cap_session *s = session_of(arg, resp);
	struct cap_counters c;
	size_t n;

	RTE_SET_USED(req);
	if (s == NULL)
		return;
	cap_session_drain(r->dp, s);
	s->read_ms = ps_dataplane_now_ms(r->dp);
	n = RTE_MIN(s->len - s->off, (size_t)READ_MAX);
	if (ps_http_response_body(resp, s->buf + s->off, n) != 0) {
		ps_http_json_error(resp, 500, "internal_error", "out of memory");
		return;
	}
	s->off += n;
	snprintf(resp->content_type, sizeof(resp->content_type),
		 "application/x-pcapng");
	cap_session_counters(s, &c);
	ps_http_response_header(resp, "Podswitch-Capture-State",
				cap_end_name(s->end));
	header_u64(resp, "Podswitch-Capture-Captured", s->captured);
	header_u64(resp, "Podswitch-Capture-Dropped", c.dropped);
}

static void
rest_capture_delete(struct ps_rest *r, const struct ps_http_request *req,
		    struct ps_http_response *resp, const char *arg)
{
	struct cap_session *s = session_of(arg, resp);

	RTE_SET_USED(req);
	if (s == NULL)
		return;
	cap_session_delete(r->dp, s);
	resp->status = 204;
}

PS_REST_ROUTE("POST", "/v1/captures", rest_captures_post);
PS_REST_ROUTE("GET", "/v1/captures", rest_captures_get);
PS_REST_ROUTE("GET", "/v1/captures/*", rest_capture_read);
PS_REST_ROUTE("DELETE", "/v1/captures/*", rest_capture_delete);
