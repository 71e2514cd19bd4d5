/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture through the real dataplane and the REST router: requests
 * checked field by field (bad bodies, bad filters, unknown ports, a
 * port captured twice, too many sessions), then frames through ring
 * ports and the pcapng stream read back block by block: the section,
 * the interfaces by podswitch name, each packet's interface, direction,
 * length and bytes; the filter, the count, the snap length, and a
 * removed port ending its session.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <podswitch/capture.h>

#include "rest_private.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P2_MAC "02:00:0a:f4:00:03"
#define ETYPE_TEST 0x88b5

static const char *const config =
	"{ \"node\": { \"name\": \"t\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", "") ","
	PS_RING_PORT("p2", "pod", "") ","
	PS_RING_PORT("p3", "pod", "") ","
	PS_RING_PORT("up", "uplink", "") " ] }";

static struct ps_dataplane *const dp = &ps_test_node.dp;
static struct ps_rest rest;

struct reply {
	int status;
	char *body;
	size_t len;
	char headers[PS_HTTP_EXTRA_HEADERS_MAX];
	json_t *json;
};

static void
reply_free(struct reply *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* One request through the router, as the server hands it over. */
static void
call(const char *method, const char *path, const char *body,
     struct reply *out)
{
	struct ps_http_request req = {
		.method = method, .path = path, .query = "",
		.version_minor = 1, .content_type = "application/json",
		.has_content_length = body != NULL,
		.content_length = body != NULL ? strlen(body) : 0,
		.body = body != NULL ? body : "",
		.body_len = body != NULL ? strlen(body) : 0,
	};
	struct ps_http_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	snprintf(resp.content_type, sizeof(resp.content_type),
		 "application/json");
	rest_dispatch(&req, &resp, &rest);
	memset(out, 0, sizeof(*out));
	out->status = resp.status;
	out->body = resp.body;
	out->len = resp.body_len;
	memcpy(out->headers, resp.headers, resp.headers_len);
	if (strcmp(resp.content_type, "application/json") == 0 &&
	    resp.body != NULL)
		out->json = json_loadb(resp.body, resp.body_len, 0, NULL);
}

static const char *
err_message(const struct reply *r)
{
	const char *m = json_string_value(json_object_get(
		json_object_get(r->json, "error"), "message"));

	return m != NULL ? m : "";
}

static const char *
err_code(const struct reply *r)
{
	const char *m = json_string_value(json_object_get(
		json_object_get(r->json, "error"), "code"));

	return m != NULL ? m : "";
}

/* POST body: the status is want and the message holds says. */
static void
expect_refused(const char *body, int want, const char *code,
	       const char *says)
{
	struct reply r;

	call("POST", "/v1/captures", body, &r);
	CHECK(r.status == want && strcmp(err_code(&r), code) == 0 &&
	      strstr(err_message(&r), says) != NULL,
	      "%s: %d %s '%s', want %d %s '%s'", body, r.status, err_code(&r),
	      err_message(&r), want, code, says);
	reply_free(&r);
}

/* POST body, 201: the session id, or 0. */
static unsigned int
start(const char *body)
{
	struct reply r;
	unsigned int id = 0;

	call("POST", "/v1/captures", body, &r);
	if (CHECK(r.status == 201, "%s: %d %s", body, r.status,
		  err_message(&r)))
		id = (unsigned int)json_integer_value(json_object_get(r.json,
								      "id"));
	reply_free(&r);
	return id;
}

static void
stop(unsigned int id)
{
	char path[64];
	struct reply r;

	snprintf(path, sizeof(path), "/v1/captures/%u", id);
	call("DELETE", path, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 204);
	reply_free(&r);
}

static void
test_refused(void)
{
	expect_refused("[]", 400, "bad_request", "$: must be an object");
	expect_refused("{}", 400, "bad_request", "$.ports");
	expect_refused("{\"ports\": []}", 400, "bad_request",
		       "$.ports: must name 1 to 16 ports");
	expect_refused("{\"ports\": [1]}", 400, "bad_request", "$.ports[0]");
	expect_refused("{\"ports\": [\"p1\"], \"direction\": \"up\"}", 400,
		       "bad_request", "$.direction: must be rx, tx or both");
	expect_refused("{\"ports\": [\"p1\"], \"snaplen\": 0}", 400,
		       "bad_request", "$.snaplen");
	expect_refused("{\"ports\": [\"p1\"], \"snaplen\": 65536}", 400,
		       "bad_request", "$.snaplen");
	expect_refused("{\"ports\": [\"p1\"], \"count\": -1}", 400,
		       "bad_request", "$.count");
	expect_refused("{\"ports\": [\"p1\"], \"filter\": 7}", 400,
		       "bad_request", "$.filter");
	expect_refused("{\"ports\": [\"p1\"], \"limit\": 7}", 400,
		       "bad_request", "limit");
	expect_refused("{\"ports\": [\"p1\"], \"filter\": \"tcp port\"}", 400,
		       "bad_filter", "$.filter: bad filter: can't parse filter "
		       "expression: syntax error");
	expect_refused("{\"ports\": [\"p1\", \"nosuch\"]}", 422,
		       "unknown_port", "no port nosuch");
	expect_refused("{\"ports\": [\"p1\", \"p1\"]}", 400, "bad_request",
		       "port p1 named twice");
	/* nothing was left behind by the refusals */
	CU_ASSERT_PTR_NULL(ps_capture_taps[PS_CAPTURE_RX][0]);
}

/* 8 sessions at most; one (port, direction) one session. */
static void
test_limits(void)
{
	static const char *const ports[] = { "p1", "p2", "p3", "up" };
	unsigned int ids[8], i, n = 0;
	char body[128];
	struct reply r;

	for (i = 0; i < 8; i++) {
		snprintf(body, sizeof(body), "{\"ports\": [\"%s\"], "
			 "\"direction\": \"%s\"}", ports[i / 2],
			 i % 2 ? "tx" : "rx");
		ids[n] = start(body);
		n += ids[n] != 0;
	}
	CU_ASSERT_EQUAL(n, 8);
	expect_refused("{\"ports\": [\"p1\"], \"direction\": \"rx\"}", 409,
		       "too_many_sessions", "8 capture sessions");
	call("GET", "/v1/captures", NULL, &r);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r.json, "captures")),
			8);
	reply_free(&r);
	stop(ids[0]);
	expect_refused("{\"ports\": [\"p1\"]}", 409, "conflict",
		       "port p1 is captured (tx) by another session");
	for (i = 1; i < n; i++)
		stop(ids[i]);
	call("GET", "/v1/captures", NULL, &r);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r.json, "captures")),
			0);
	reply_free(&r);
	for (i = 0; i < PS_MAX_PORTS; i++)
		CHECK(ps_capture_taps[0][i] == NULL &&
		      ps_capture_taps[1][i] == NULL, "tap left on port %u", i);
}

/* The pcapng blocks of a stream. */
struct epb {
	uint32_t ifidx, caplen, origlen, flags;
	uint64_t ts;	/* ns since the epoch (if_tsresol 9) */
	const uint8_t *data;
};

struct stream {
	unsigned int nb_if;
	char ifname[4][32];
	unsigned int nb_pkt;
	struct epb pkt[16];
};

static uint32_t
u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Options from p to end: the value of code (len in *len), or NULL. */
static const uint8_t *
option(const uint8_t *p, const uint8_t *end, uint16_t code, uint16_t *len)
{
	while (p + 4 <= end) {
		uint16_t c, l;

		memcpy(&c, p, 2);
		memcpy(&l, p + 2, 2);
		if (c == 0)
			break;
		if (c == code) {
			*len = l;
			return p + 4;
		}
		p += 4 + RTE_ALIGN(l, 4);
	}
	return NULL;
}

static bool
parse_stream(const uint8_t *b, size_t len, struct stream *st)
{
	size_t off = 0;

	memset(st, 0, sizeof(*st));
	if (!CHECK(len >= 28 && u32(b) == 0x0a0d0d0a &&
		   u32(b + 8) == 0x1a2b3c4d, "no section header"))
		return false;
	while (off + 12 <= len) {
		uint32_t type = u32(b + off), blen = u32(b + off + 4);
		const uint8_t *blk = b + off, *v;
		uint16_t l;

		if (!CHECK(blen >= 12 && blen % 4 == 0 && off + blen <= len &&
			   u32(blk + blen - 4) == blen, "bad block at %zu",
			   off))
			return false;
		if (type == 1 && st->nb_if < 4) {
			v = option(blk + 16, blk + blen - 4, 2, &l);
			if (v != NULL)
				snprintf(st->ifname[st->nb_if], 32, "%.*s",
					 (int)l, v);
			st->nb_if++;
		} else if (type == 6 && st->nb_pkt < 16) {
			struct epb *e = &st->pkt[st->nb_pkt++];

			e->ifidx = u32(blk + 8);
			e->ts = (uint64_t)u32(blk + 12) << 32 | u32(blk + 16);
			e->caplen = u32(blk + 20);
			e->origlen = u32(blk + 24);
			e->data = blk + 28;
			v = option(blk + 28 + RTE_ALIGN(e->caplen, 4),
				   blk + blen - 4, 2, &l);
			e->flags = v != NULL ? u32(v) : 0;
		}
		off += blen;
	}
	return CHECK(off == len, "stream ends mid-block");
}

/* GET the stream of id (what was not read yet). */
static void
read_stream(unsigned int id, struct reply *r)
{
	char path[64];

	snprintf(path, sizeof(path), "/v1/captures/%u", id);
	call("GET", path, NULL, r);
	CU_ASSERT_EQUAL(r->status, 200);
}

static size_t
l2_frame(uint8_t *f, const char *dst, const char *src, size_t plen)
{
	uint8_t payload[512];

	memset(payload, 0x42, sizeof(payload));
	return ps_build_eth(f, dst, src, ETYPE_TEST, payload, plen);
}

/* p1 -> p2 bridged: rx on p1 and tx on p2, named, directed, whole. */
static void
test_stream(void)
{
	unsigned int id = start("{\"ports\": [\"p1\", \"p2\"], "
				"\"filter\": \"ether proto 0x88b5\"}");
	uint8_t f[600], icmp[128];
	struct timespec now;
	uint64_t now_ns;
	struct stream st;
	struct reply r;
	size_t len, ilen;

	CU_ASSERT_FATAL(id != 0);
	/* p2's MAC learned first, so that p1's frame goes to p2 alone */
	len = l2_frame(f, P1_MAC, P2_MAC, 46);
	ps_test_node_inject("p2_rx", f, len);
	ps_test_node_run();
	len = l2_frame(f, P2_MAC, P1_MAC, 300);
	ps_test_node_inject("p1_rx", f, len);
	/* not 0x88b5: filtered, not dropped */
	ilen = ps_build_icmp_echo(icmp, P2_MAC, P1_MAC, "10.244.0.2",
				  "10.244.0.3", 8, 1, 1, 64, 8);
	ps_test_node_inject("p1_rx", icmp, ilen);
	ps_test_node_run();
	ps_test_node_drain();
	read_stream(id, &r);
	CHECK(strstr(r.headers, "Podswitch-Capture-State: running") != NULL,
	      "headers: %s", r.headers);
	if (parse_stream((const uint8_t *)r.body, r.len, &st)) {
		CU_ASSERT_EQUAL(st.nb_if, 2);
		CU_ASSERT_STRING_EQUAL(st.ifname[0], "p1");
		CU_ASSERT_STRING_EQUAL(st.ifname[1], "p2");
		/* p2 rx, p1 tx (the learning frame), p1 rx, p2 tx */
		CU_ASSERT_EQUAL_FATAL(st.nb_pkt, 4);
		CU_ASSERT(st.pkt[0].ifidx == 1 && st.pkt[0].flags == 1);
		CU_ASSERT(st.pkt[2].ifidx == 0 && st.pkt[2].flags == 1);
		CU_ASSERT(st.pkt[3].ifidx == 1 && st.pkt[3].flags == 2);
		CU_ASSERT(st.pkt[3].caplen == len && st.pkt[3].origlen == len);
		CU_ASSERT(memcmp(st.pkt[3].data, f, len) == 0);
		CU_ASSERT(memcmp(st.pkt[2].data, f, len) == 0);
		/* stamped now (22.11's rte_pcapng_copy alone says 2265) */
		clock_gettime(CLOCK_REALTIME, &now);
		now_ns = (uint64_t)now.tv_sec * 1000000000 + (uint64_t)now.tv_nsec;
		CHECK(st.pkt[3].ts <= now_ns && now_ns - st.pkt[3].ts < 60000000000ull,
		      "timestamp %" PRIu64 ", now %" PRIu64, st.pkt[3].ts, now_ns);
		CU_ASSERT(st.pkt[2].ts <= st.pkt[3].ts);
	}
	reply_free(&r);
	/* read whole: the next read is empty */
	read_stream(id, &r);
	CU_ASSERT_EQUAL(r.len, 0);
	reply_free(&r);
	call("GET", "/v1/captures", NULL, &r);
	{
		json_t *s = json_array_get(json_object_get(r.json, "captures"),
					   0);

		CU_ASSERT_EQUAL(json_integer_value(json_object_get(s,
			"captured")), 4);
		/* the ICMP frame, on p1 rx and bridged to p2 tx */
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(s,
			"filtered")), 2);
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(s,
			"dropped")), 0);
	}
	reply_free(&r);
	stop(id);
	ps_test_node_expect_no_leak();
}

/* -c 2 -s 60: two packets cut to 60 bytes, then the session ends. */
static void
test_count_snaplen(void)
{
	unsigned int id = start("{\"ports\": [\"p3\"], \"direction\": "
				"\"rx\", \"count\": 2, \"snaplen\": 60}");
	uint8_t f[600];
	struct stream st;
	struct reply r;
	size_t len;
	int i;

	CU_ASSERT_FATAL(id != 0);
	len = l2_frame(f, "ff:ff:ff:ff:ff:ff", "02:00:0a:f4:00:09", 200);
	for (i = 0; i < 3; i++) {
		ps_test_node_inject("p3_rx", f, len);
		ps_test_node_run();
	}
	ps_test_node_drain();
	CU_ASSERT_PTR_NULL(ps_capture_taps[PS_CAPTURE_RX][dp->port_ids[2]]);
	read_stream(id, &r);
	CHECK(strstr(r.headers, "Podswitch-Capture-State: count") != NULL,
	      "headers: %s", r.headers);
	CHECK(strstr(r.headers, "Podswitch-Capture-Captured: 2") != NULL,
	      "headers: %s", r.headers);
	if (parse_stream((const uint8_t *)r.body, r.len, &st)) {
		CU_ASSERT_EQUAL(st.nb_pkt, 2);
		CU_ASSERT(st.pkt[0].caplen == 60 && st.pkt[0].origlen == len);
		CU_ASSERT(memcmp(st.pkt[1].data, f, 60) == 0);
	}
	reply_free(&r);
	stop(id);
	ps_test_node_expect_no_leak();
}

/* A removed port ends the session that captures it. */
static void
test_port_removed(void)
{
	unsigned int id = start("{\"ports\": [\"p3\"]}");
	char path[64];
	struct reply r;

	CU_ASSERT_FATAL(id != 0);
	CU_ASSERT_EQUAL_FATAL(ps_dataplane_port_del(dp, "p3"), 0);
	read_stream(id, &r);
	CHECK(strstr(r.headers, "Podswitch-Capture-State: port_removed") !=
	      NULL, "headers: %s", r.headers);
	reply_free(&r);
	stop(id);
	snprintf(path, sizeof(path), "/v1/captures/%u", id);
	call("GET", path, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(err_code(&r), "not_found");
	reply_free(&r);
}

/* Eight sessions' copies (CAP_POOL_SIZE each) beside the node's pool. */
static int
prepare(const char *name)
{
	if (ps_test_eal_init_with(name, "0", 1024) < 0)
		return -1;
	return ps_test_load_profiles() < 0 ? -1 : 0;
}

static int
setup(void)
{
	rest.dp = dp;
	return ps_test_node_start(config, 4);
}

static const struct ps_test tests[] = {
	{ "refused", test_refused },
	{ "limits", test_limits },
	{ "stream", test_stream },
	{ "count_snaplen", test_count_snaplen },
	{ "port_removed", test_port_removed },
};

PS_TEST_MAIN(prepare,
	     PS_SUITE("capture", setup, ps_test_node_stop, tests))
