/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST API (include/podswitch/rest.h) over its Unix socket, on the real
 * dataplane built over ring ports. The test thread is the management
 * thread: it serves the API (ps_rest_poll) while its blocking-style client
 * waits, and walks the graph to see route changes take effect on packets.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include <podswitch/conntrack.h>
#include <podswitch/graph.h>
#include <podswitch/inet.h>
#include <podswitch/rest.h>
#include <podswitch/route.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* static pod 10.244.0.2 on p1 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11 */
#define PEER2_MAC "02:00:c0:a8:3c:0c"	/* node C 192.168.60.12 */
#define WAIT_MS 5000

static char tmp_dir[64];
static char sock_path[128];
static char metrics_path[128];
static char config[4096];
static struct ps_dataplane *const dp = &ps_test_node.dp;
static const struct ps_config *const cfg = &ps_test_node.cfg;
static struct ps_rest *rest;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Client ---------------------------------------------------------------- */

struct resp {
	int status;
	char head[8192];
	char *body;
	size_t body_len;
	json_t *json;	/* the body parsed, when it is JSON */
};

static void
resp_free(struct resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Wait for the client or the server, then let the server work. */
static void
pump(struct ps_rest *srv, int fd, short events)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = events },
		{ .fd = ps_rest_fd(srv), .events = POLLIN },
	};

	poll(p, 2, 10);
	ps_rest_poll(srv, 0);
}

/* "127.0.0.1:PORT": a TCP client of the loopback. */
static int
tcp_connect(const char *where)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons((uint16_t)atoi(strchr(where, ':') + 1)),
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* blocking connect (the server accepts later, from its backlog) */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int
client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (path[0] != '/')
		return tcp_connect(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool
head_complete(const char *buf, size_t len, size_t *hlen)
{
	const char *e = memmem(buf, len, "\r\n\r\n", 4);

	if (e == NULL)
		return false;
	*hlen = (size_t)(e - buf) + 4;
	return true;
}

/* Content-Length of a head, or -1 (none: 204, or read to EOF). */
static long
content_length(const char *head)
{
	const char *p = strcasestr(head, "\r\nContent-Length:");

	return p != NULL ? strtol(p + 17, NULL, 10) : -1;
}

/*
 * Send raw bytes on a new connection to path and read one response.
 * Sending stops early if the server closes (it answers 413/431 before
 * reading everything). Returns 0, or -1 when no response came.
 */
static int
raw_exchange_at(struct ps_rest *srv, const char *path, const char *req,
		size_t len, struct resp *r)
{
	uint64_t deadline = now_ms() + WAIT_MS;
	size_t off = 0, got = 0, cap = 1 << 16, hlen = 0;
	char *buf = malloc(cap);
	bool eof = false;
	long clen = -2;
	int fd = client_connect(path);

	memset(r, 0, sizeof(*r));
	if (fd < 0 || buf == NULL) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (now_ms() < deadline) {
		ssize_t n;

		if (off < len) {
			n = send(fd, req + off, len - off, MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				off = len;	/* closed: read what it said */
		}
		pump(srv, fd, off < len ? POLLIN | POLLOUT : POLLIN);
		for (;;) {
			if (got + 4096 > cap) {
				cap *= 2;
				buf = realloc(buf, cap);
			}
			n = recv(fd, buf + got, cap - got - 1, 0);
			if (n > 0) {
				got += (size_t)n;
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				eof = true;
			break;
		}
		buf[got] = '\0';
		if (clen == -2 && head_complete(buf, got, &hlen)) {
			memcpy(r->head, buf, RTE_MIN(hlen, sizeof(r->head) - 1));
			r->head[RTE_MIN(hlen, sizeof(r->head) - 1)] = '\0';
			clen = content_length(r->head);
			if (clen < 0 && (strstr(r->head, " 204 ") != NULL ||
					 strncmp(req, "HEAD ", 5) == 0))
				clen = 0;
		}
		if (clen >= 0 && got >= hlen + (size_t)clen)
			break;
		if (eof)
			break;
	}
	close(fd);
	if (clen == -2) {
		free(buf);
		return -1;
	}
	r->status = atoi(buf + 9);
	r->body_len = got - hlen;
	if (clen >= 0 && r->body_len > (size_t)clen)
		r->body_len = (size_t)clen;
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, buf + hlen, r->body_len);
	r->body[r->body_len] = '\0';
	if (strcasestr(r->head, "Content-Type: application/json") != NULL)
		r->json = json_loadb(r->body, r->body_len, 0, NULL);
	free(buf);
	return 0;
}

static int
raw_exchange(const char *req, size_t len, struct resp *r)
{
	return raw_exchange_at(rest, sock_path, req, len, r);
}

/* One request with an optional JSON body. */
static int
request(const char *method, const char *path, const char *body,
	struct resp *r)
{
	size_t blen = body != NULL ? strlen(body) : 0;
	char *req = malloc(blen + 512);
	int n, rc;

	n = snprintf(req, 512, "%s %s HTTP/1.1\r\nHost: podswitch\r\n", method,
		     path);
	if (body != NULL)
		n += snprintf(req + n, 512 - (size_t)n,
			      "Content-Type: application/json\r\n"
			      "Content-Length: %zu\r\n", blen);
	n += snprintf(req + n, 512 - (size_t)n, "\r\n");
	if (body != NULL)
		memcpy(req + n, body, blen);
	rc = raw_exchange(req, (size_t)n + blen, r);
	free(req);
	return rc;
}

static bool
header_has(const struct resp *r, const char *name, const char *value)
{
	char pat[256];
	const char *p;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	p = strcasestr(r->head, pat);
	return p != NULL && strncmp(p + strlen(pat), value, strlen(value)) == 0;
}

/* The error shape of DESIGN.md, with code and a message containing msg. */
static bool
is_error(const struct resp *r, const char *code, const char *msg)
{
	const json_t *e = json_object_get(r->json, "error");
	const char *c = json_string_value(json_object_get(e, "code"));
	const char *m = json_string_value(json_object_get(e, "message"));

	return c != NULL && m != NULL && (code == NULL || strcmp(c, code) == 0) &&
	       (msg == NULL || strstr(m, msg) != NULL);
}

/* The route with prefix dst in a GET /v1/routes list, or NULL. */
static const json_t *
find_route(const json_t *list, const char *dst)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(json_object_get(v, "dst")), dst) == 0)
			return v;
	return NULL;
}

static bool
route_is(const json_t *rt, const char *type, const char *gw, const char *dev,
	 const char *proto)
{
	const char *g = json_string_value(json_object_get(rt, "gateway"));
	const char *d = json_string_value(json_object_get(rt, "dev"));

	return rt != NULL &&
	       strcmp(json_string_value(json_object_get(rt, "type")), type) == 0 &&
	       strcmp(json_string_value(json_object_get(rt, "protocol")),
		      proto) == 0 &&
	       (gw == NULL ? g == NULL : (g != NULL && strcmp(g, gw) == 0)) &&
	       (dev == NULL ? d == NULL : (d != NULL && strcmp(d, dev) == 0));
}

/* GET path as text, for before/after comparisons. */
static char *
get_text(const char *path)
{
	struct resp r;
	char *s = NULL;

	if (request("GET", path, NULL, &r) == 0 && r.status == 200)
		s = strdup(r.body);
	resp_free(&r);
	return s;
}

/* Whether GET path still answers before (which it frees). */
static bool
unchanged_since(const char *path, char *before)
{
	char *after = get_text(path);
	bool same = before != NULL && after != NULL &&
		    strcmp(before, after) == 0;

	if (!same)
		fprintf(stderr, "%s changed:\n%s\n%s\n", path, before, after);
	free(before);
	free(after);
	return same;
}

/* Packets --------------------------------------------------------------- */

/* A ping from pod p1 to dst goes out the uplink to next_mac. */
static void
expect_routed(const char *dst, const char *next_mac, uint16_t seq)
{
	uint8_t in[128], exp[128];
	size_t len;

	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2", dst, 8, 9,
				 seq, 64, 16);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, next_mac, NODE_MAC);
	ps_test_expect_one("up_tx", exp, len);
	ps_test_expect_none("p1_tx");
}

/* A ping from pod p1 to dst comes back as net unreachable. */
static void
expect_unreachable(const char *dst, uint16_t seq)
{
	uint8_t in[128], exp[192];
	size_t len, elen;

	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2", dst, 8, 9,
				 seq, 64, 16);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, in, len, P1_MAC, NODE_MAC, "10.244.0.1",
				    PS_ICMP_DEST_UNREACH, PS_ICMP_NET_UNREACH);
	ps_test_expect_one("p1_tx", exp, elen);
	ps_test_expect_none("up_tx");
}

/* Tests ----------------------------------------------------------------- */

static void
test_status(void)
{
	struct resp r;
	const json_t *j, *ports, *t, *rxq, *q;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/status", NULL, &r), 0);
	CHECK(r.status == 200, "status %d: %s", r.status, r.body);
	j = r.json;
	CHECK(json_is_string(json_object_get(j, "version")), "no version");
	CHECK(strcmp(json_string_value(json_object_get(
		json_object_get(j, "node"), "name")) ?: "", "tr") == 0,
	      "node name: %s", r.body);
	CHECK(json_is_integer(json_object_get(j, "uptime_s")), "no uptime");
	CHECK(json_integer_value(json_object_get(json_object_get(j, "workers"),
						 "count")) == 1, "workers");
	CHECK(json_array_size(json_object_get(json_object_get(j, "workers"),
					      "lcores")) == 1, "lcores");
	/* every rx queue of the 3 ports, polled by the one worker */
	rxq = json_object_get(json_object_get(j, "workers"), "rx_queues");
	CHECK(json_array_size(rxq) == 3, "rx_queues: %s", r.body);
	json_array_foreach(rxq, i, q)
		CHECK(json_integer_value(json_object_get(q, "worker")) == 0 &&
		      json_integer_value(json_object_get(q, "queue")) == 0 &&
		      json_is_integer(json_object_get(q, "packets")) &&
		      strcmp(json_string_value(json_object_get(q, "port")) ?: "",
			     i == 0 ? "p1" : i == 1 ? "p2" : "up") == 0,
		      "rx queue %zu: %s", i, r.body);
	ports = json_object_get(j, "ports");
	CHECK(json_array_size(ports) == 3, "ports: %s", r.body);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(ports, 2),
		"name")) ?: "", "up") == 0 &&
	      strcmp(json_string_value(json_object_get(json_array_get(ports, 2),
		"role")) ?: "", "uplink") == 0 &&
	      strcmp(json_string_value(json_object_get(json_array_get(ports, 2),
		"driver")) ?: "", "ring") == 0, "port up: %s", r.body);
	t = json_object_get(j, "tables");
	CHECK(json_integer_value(json_object_get(json_object_get(t, "routes"),
						 "size")) == 16, "routes size");
	CHECK(json_integer_value(json_object_get(json_object_get(t, "fdb"),
						 "entries")) >= 1, "fdb use");
	CHECK(json_integer_value(json_object_get(json_object_get(t,
		"neighbors"), "size")) == 64, "neighbors size");
	resp_free(&r);

	/* HEAD: the same headers, no body */
	CU_ASSERT_EQUAL_FATAL(request("HEAD", "/v1/status", NULL, &r), 0);
	CHECK(r.status == 200 && r.body_len == 0, "HEAD: %d %zu", r.status,
	      r.body_len);
	resp_free(&r);
}

static void
test_routes_list(void)
{
	struct resp r;

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes", NULL, &r), 0);
	CHECK(r.status == 200 && json_is_array(r.json), "%d %s", r.status,
	      r.body);
	CHECK(route_is(find_route(r.json, "10.244.0.1/32"), "local", NULL,
		       NULL, "kernel"), "gateway address: %s", r.body);
	CHECK(route_is(find_route(r.json, "192.168.60.10/32"), "local", NULL,
		       NULL, "kernel"), "node address: %s", r.body);
	CHECK(route_is(find_route(r.json, "10.244.0.0/24"), "unicast", NULL,
		       "pod-segment", "kernel"), "pod cidr: %s", r.body);
	CHECK(route_is(find_route(r.json, "192.168.60.0/24"), "unicast", NULL,
		       "up", "kernel"), "node subnet: %s", r.body);
	CHECK(route_is(find_route(r.json, "10.244.1.0/24"), "unicast",
		       "192.168.60.11", "up", "static"), "static: %s", r.body);
	CHECK(json_array_size(r.json) == 5, "count: %s", r.body);
	/* the list is written by hand, not by jansson: byte for byte what
	 * jansson's compact dump of the same objects is */
	{
		char *re = json_dumps(r.json, JSON_COMPACT |
				      JSON_PRESERVE_ORDER);

		CHECK(re != NULL && r.body_len == strlen(re) + 1 &&
		      strncmp(r.body, re, strlen(re)) == 0 &&
		      r.body[r.body_len - 1] == '\n',
		      "\n%.*s\nis not\n%s", (int)r.body_len, r.body, re);
		free(re);
	}
	resp_free(&r);
}

/* POST a route, traffic follows it; DELETE it, traffic is refused. */
/* The string at key of o ("" when absent or not a string). */
static const char *
jget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/* GET /v1/routes/lookup?addr=A: the route, next hop, neighbor, port. */
static void
test_route_lookup(void)
{
	static const struct {
		const char *query;
		int status;
		const char *says;
	} bad[] = {
		{ "", 400, "required" },
		{ "?addr=300.1.1.1", 400, "'300.1.1.1' is not an IPv4" },
		{ "?addr=10.244.1.0/24", 400, "is not an IPv4" },
		{ "?addr=8.8.8.8", 404, "no route to 8.8.8.8" },
	};
	const json_t *rt, *n;
	char path[128];
	struct resp r;
	unsigned int i;

	/* via a gateway: the static route, its resolved neighbor */
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes/lookup?addr=10.244.1.7",
				      NULL, &r), 0);
	rt = json_object_get(r.json, "route");
	n = json_object_get(r.json, "neighbor");
	CHECK(r.status == 200 && strcmp(jget(r.json, "addr"), "10.244.1.7") == 0 &&
	      strcmp(jget(rt, "dst"), "10.244.1.0/24") == 0 &&
	      strcmp(jget(rt, "gateway"), "192.168.60.11") == 0 &&
	      strcmp(jget(rt, "protocol"), "static") == 0 &&
	      strcmp(jget(r.json, "nexthop"), "192.168.60.11") == 0 &&
	      strcmp(jget(n, "mac"), PEER_MAC) == 0 &&
	      strcmp(jget(n, "port"), "up") == 0 && jget(n, "state")[0] &&
	      strcmp(jget(r.json, "dev"), "up") == 0, "%d %s", r.status, r.body);
	resp_free(&r);
	/* a pod: the segment's route, the pod's port from its neighbor */
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes/lookup?addr=10.244.0.2",
				      NULL, &r), 0);
	rt = json_object_get(r.json, "route");
	n = json_object_get(r.json, "neighbor");
	CHECK(r.status == 200 && strcmp(jget(rt, "dst"), "10.244.0.0/24") == 0 &&
	      strcmp(jget(r.json, "nexthop"), "10.244.0.2") == 0 &&
	      strcmp(jget(n, "mac"), P1_MAC) == 0 &&
	      strcmp(jget(r.json, "dev"), "p1") == 0, "%d %s", r.status, r.body);
	resp_free(&r);
	/* on the uplink's subnet, not resolved: no neighbor, the route's
	 * port */
	CU_ASSERT_EQUAL_FATAL(request("GET",
		"/v1/routes/lookup?addr=192.168.60.99", NULL, &r), 0);
	CHECK(r.status == 200 && json_is_null(json_object_get(r.json,
	      "neighbor")) && strcmp(jget(r.json, "nexthop"),
	      "192.168.60.99") == 0 && strcmp(jget(r.json, "dev"), "up") == 0,
	      "%d %s", r.status, r.body);
	resp_free(&r);
	/* our own address: local, nothing to resolve */
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes/lookup?addr=10.244.0.1",
				      NULL, &r), 0);
	CHECK(r.status == 200 && strcmp(jget(json_object_get(r.json, "route"),
	      "type"), "local") == 0 && json_is_null(json_object_get(r.json,
	      "nexthop")), "%d %s", r.status, r.body);
	resp_free(&r);
	/* VXLAN: the remote VTEP, reached by the underlay's route (the VTEP
	 * test_vxlan_routes uses: a VTEP stays once made) */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/routes",
		"{\"dst\": \"10.244.5.0/24\", \"encap\": {\"type\": "
		"\"vxlan\", \"vni\": 5, \"remote\": \"192.168.60.11\", "
		"\"mac\": \"0e:00:00:00:00:0b\"}}", &r), 0);
	CHECK(r.status == 201, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes/lookup?addr=10.244.5.9",
				      NULL, &r), 0);
	n = json_object_get(r.json, "neighbor");
	CHECK(r.status == 200 && strcmp(jget(json_object_get(json_object_get(
	      r.json, "route"), "encap"), "remote"), "192.168.60.11") == 0 &&
	      strcmp(jget(r.json, "nexthop"), "192.168.60.11") == 0 &&
	      strcmp(jget(json_object_get(r.json, "underlay"), "dst"),
		     "192.168.60.0/24") == 0 &&
	      strcmp(jget(n, "mac"), PEER_MAC) == 0 &&
	      strcmp(jget(r.json, "dev"), "up") == 0, "%d %s", r.status,
	      r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/routes/10.244.5.0_24",
				      NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	for (i = 0; i < RTE_DIM(bad); i++) {
		snprintf(path, sizeof(path), "/v1/routes/lookup%s",
			 bad[i].query);
		CU_ASSERT_EQUAL_FATAL(request("GET", path, NULL, &r), 0);
		CHECK(r.status == bad[i].status && r.body != NULL &&
		      strstr(r.body, bad[i].says) != NULL, "%s: %d %s", path,
		      r.status, r.body);
		resp_free(&r);
	}
}

static void
test_route_add_del_traffic(void)
{
	struct resp r;

	expect_unreachable("10.244.2.5", 1);
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/routes",
		"{\"dst\": \"10.244.2.0/24\", \"gateway\": \"192.168.60.12\"}",
		&r), 0);
	CHECK(r.status == 201, "%d %s", r.status, r.body);
	CHECK(route_is(r.json, "unicast", "192.168.60.12", "up", "api"),
	      "created: %s", r.body);
	CHECK(header_has(&r, "Location", "/v1/routes/10.244.2.0_24"),
	      "location: %s", r.head);
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes", NULL, &r), 0);
	CHECK(route_is(find_route(r.json, "10.244.2.0/24"), "unicast",
		       "192.168.60.12", "up", "api"), "listed: %s", r.body);
	resp_free(&r);

	expect_routed("10.244.2.5", PEER2_MAC, 2);

	/* on-link, on a named port, removed with the %2F spelling */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/routes",
		"{\"dst\": \"10.244.3.0/24\", \"dev\": \"p2\"}", &r), 0);
	CHECK(r.status == 201 && route_is(r.json, "unicast", NULL, "p2", "api"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/routes/10.244.3.0%2F24",
				      NULL, &r), 0);
	CHECK(r.status == 204 && r.body_len == 0, "%d %s", r.status, r.body);
	resp_free(&r);

	/* blackhole: dropped, no ICMP */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/routes",
		"{\"dst\": \"10.99.0.0/16\", \"type\": \"blackhole\"}", &r), 0);
	CHECK(r.status == 201 && route_is(r.json, "blackhole", NULL, NULL,
					  "api"), "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/routes/10.99.0.0_16",
				      NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/routes/10.244.2.0_24",
				      NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	/* The next packet sees the route gone. */
	expect_unreachable("10.244.2.5", 3);

	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/routes/10.244.2.0_24",
				      NULL, &r), 0);
	CHECK(r.status == 404 && is_error(&r, "not_found", "10.244.2.0/24"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	ps_test_node_expect_no_leak();
}

/* PUT replaces api and static routes at once; connected ones stay. */
static void
test_routes_replace(void)
{
	struct resp r;
	char *before, *after;

	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/routes",
		"[{\"dst\": \"10.244.2.0/24\", \"gateway\": \"192.168.60.12\"},"
		" {\"dst\": \"10.244.4.0/24\", \"dev\": \"p2\"},"
		" {\"dst\": \"10.99.0.0/16\", \"type\": \"unreachable\"}]", &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	CHECK(json_array_size(r.json) == 7, "count: %s", r.body);
	CHECK(find_route(r.json, "10.244.1.0/24") == NULL, "static kept: %s",
	      r.body);
	CHECK(route_is(find_route(r.json, "10.244.0.0/24"), "unicast", NULL,
		       "pod-segment", "kernel"), "connected lost: %s", r.body);
	CHECK(route_is(find_route(r.json, "10.244.2.0/24"), "unicast",
		       "192.168.60.12", "up", "api"), "new: %s", r.body);
	CHECK(route_is(find_route(r.json, "10.99.0.0/16"), "unreachable", NULL,
		       NULL, "api"), "unreachable: %s", r.body);
	resp_free(&r);
	expect_routed("10.244.2.7", PEER2_MAC, 4);
	expect_unreachable("10.244.1.7", 5);

	/* A bad entry anywhere: 400 naming it, nothing changes. */
	before = get_text("/v1/routes");
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/routes",
		"{\"routes\": [{\"dst\": \"10.244.1.0/24\"},"
		" {\"dst\": \"10.244.5.0/24\"}, {\"dst\": \"10.244.6.0/24\"},"
		" {\"dst\": \"10.244.7.1/24\"}]}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request",
					  "routes[3].dst: '10.244.7.1/24'"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	after = get_text("/v1/routes");
	CHECK(before != NULL && after != NULL && strcmp(before, after) == 0,
	      "changed by a refused PUT:\n%s\n%s", before, after);
	free(after);

	/* Back to the configuration's set (now owned by the API). */
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/routes",
		"{\"routes\": [{\"dst\": \"10.244.1.0/24\", \"gateway\":"
		" \"192.168.60.11\", \"dev\": \"up\"}]}", &r), 0);
	CHECK(r.status == 200 && json_array_size(r.json) == 5 &&
	      route_is(find_route(r.json, "10.244.1.0/24"), "unicast",
		       "192.168.60.11", "up", "api"), "%d %s", r.status, r.body);
	resp_free(&r);
	expect_routed("10.244.1.7", PEER_MAC, 6);
	expect_unreachable("10.244.2.7", 7);
	free(before);
	ps_test_node_expect_no_leak();
}

static void
test_table_full(void)
{
	struct resp r;
	char body[128], path[64];
	unsigned int i, added = 0;
	int last = 0;

	for (i = 0; i < 32; i++) {
		snprintf(body, sizeof(body), "{\"dst\": \"10.250.%u.0/24\"}", i);
		CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/routes", body, &r), 0);
		last = r.status;
		if (r.status == 201)
			added++;
		else
			CHECK(r.status == 507 && is_error(&r, "table_full",
							   NULL),
			      "%d %s", r.status, r.body);
		resp_free(&r);
		if (last != 201)
			break;
	}
	CHECK(last == 507 && added == 11, "full after %u: %d", added, last);
	for (i = 0; i < added; i++) {
		snprintf(path, sizeof(path), "/v1/routes/10.250.%u.0_24", i);
		CU_ASSERT_EQUAL_FATAL(request("DELETE", path, NULL, &r), 0);
		CHECK(r.status == 204, "%s: %d", path, r.status);
		resp_free(&r);
	}
	/* a PUT of more routes than the table holds */
	{
		char big[4096];
		size_t n = 0;

		n += (size_t)snprintf(big + n, sizeof(big) - n, "[");
		for (i = 0; i < 20; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n,
					      "%s{\"dst\": \"10.251.%u.0/24\"}",
					      i ? "," : "", i);
		snprintf(big + n, sizeof(big) - n, "]");
		CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/routes", big, &r), 0);
		CHECK(r.status == 507 && is_error(&r, "table_full", NULL),
		      "%d %s", r.status, r.body);
		resp_free(&r);
	}
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes", NULL, &r), 0);
	CHECK(json_array_size(r.json) == 5, "left: %s", r.body);
	resp_free(&r);
}

static void
test_fdb_neighbors(void)
{
	struct resp r;
	const json_t *e;
	size_t i;
	bool found = false;

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/fdb", NULL, &r), 0);
	CHECK(r.status == 200 && json_is_array(r.json), "%d %s", r.status,
	      r.body);
	json_array_foreach(r.json, i, e)
		if (strcmp(json_string_value(json_object_get(e, "mac")) ?: "",
			   P1_MAC) == 0)
			found = json_is_true(json_object_get(e, "static")) &&
				json_is_null(json_object_get(e, "age_s")) &&
				strcmp(json_string_value(json_object_get(e,
				"port")) ?: "", "p1") == 0;
	CHECK(found, "static pod entry: %s", r.body);
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/neighbors", NULL, &r), 0);
	CHECK(r.status == 200 && json_is_array(r.json), "%d %s", r.status,
	      r.body);
	found = false;
	json_array_foreach(r.json, i, e)
		if (strcmp(json_string_value(json_object_get(e, "ip")) ?: "",
			   "192.168.60.11") == 0)
			found = strcmp(json_string_value(json_object_get(e,
				"mac")) ?: "", PEER_MAC) == 0 &&
				strcmp(json_string_value(json_object_get(e,
				"port")) ?: "", "up") == 0 &&
				strcmp(json_string_value(json_object_get(e,
				"state")) ?: "", "PERMANENT") == 0;
	CHECK(found, "permanent neighbor: %s", r.body);
	CHECK(json_array_size(r.json) >= 3, "neighbors: %s", r.body);
	resp_free(&r);
}

/* A service of the List bodies below: default/<name> on vip:80/TCP. */
#define SVC_JSON(name, vip, port)					\
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":"	\
	"{\"name\":\"" name "\",\"namespace\":\"default\"},\"spec\":"	\
	"{\"clusterIP\":\"" vip "\",\"ports\":[{\"name\":\"http\","	\
	"\"protocol\":\"TCP\",\"port\":" port ",\"targetPort\":8080}]}}"
#define SLICE_JSON(name, label, eps)					\
	"{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","\
	"\"addressType\":\"IPv4\",\"metadata\":{\"name\":\"" name "\","	\
	"\"namespace\":\"default\"" label "},\"ports\":[{\"name\":"	\
	"\"http\",\"port\":8080,\"protocol\":\"TCP\"}],\"endpoints\":["	\
	eps "]}"
#define WEB_LABEL ",\"labels\":{\"kubernetes.io/service-name\":\"web\"}"
#define EPJ(ip) "{\"addresses\":[\"" ip "\"],\"conditions\":{\"ready\":true}}"

static const json_t *
find_svc(const json_t *list, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")) ?: "",
			   name) == 0)
			return v;
	return NULL;
}

/* Number of endpoints GET /v1/services/default/<name> shows on port 0. */
static int
svc_eps(const char *name)
{
	char path[128];
	struct resp r;
	int n = -1;

	snprintf(path, sizeof(path), "/v1/services/default/%s", name);
	if (request("GET", path, NULL, &r) == 0 && r.status == 200)
		n = (int)json_array_size(json_object_get(json_array_get(
			json_object_get(r.json, "endpoints"), 0), "endpoints"));
	resp_free(&r);
	return n;
}

static void
test_services(void)
{
	struct resp r;
	char *before;

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"List\",\"items\":[" SVC_JSON("web", "10.96.0.20",
		"80") "," SLICE_JSON("web-1", WEB_LABEL, EPJ("10.244.0.2") ","
		EPJ("10.244.1.7")) "]}", &r), 0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(r.json,
	      "services")) == 1, "%d %s", r.status, r.body);
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services", NULL, &r), 0);
	CHECK(r.status == 200 && find_svc(r.json, "web") != NULL &&
	      strcmp(json_string_value(json_object_get(find_svc(r.json, "web"),
	      "clusterIP")) ?: "", "10.96.0.20") == 0 &&
	      json_is_true(json_object_get(find_svc(r.json, "web"),
	      "programmed")), "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(svc_eps("web") == 2, "endpoints %d", svc_eps("web"));

	/* endpoints replaced; a slice without the label is the path's */
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services/default/web/endpoints",
		SLICE_JSON("web-1", "", EPJ("10.244.1.7")), &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(svc_eps("web") == 1, "endpoints %d", svc_eps("web"));

	/* a bad item: the error names the field, nothing is applied */
	before = get_text("/v1/services");
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"List\",\"items\":[" SVC_JSON("web2", "10.96.0.21",
		"80") "," SVC_JSON("web3", "10.96.0.22", "70000") "]}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request",
	      "items[1].spec.ports[0].port"), "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(unchanged_since("/v1/services", before), "services changed");
	/* a frontend another service holds: 409, nothing applied */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		SVC_JSON("web9", "10.96.0.20", "80"), &r), 0);
	CHECK(r.status == 409, "%d %s", r.status, r.body);
	resp_free(&r);

	/* PUT one service: created, then replaced; the path must match */
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services/default/web2",
		SVC_JSON("web2", "10.96.0.21", "80"), &r), 0);
	CHECK(r.status == 201, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services/default/web2",
		SVC_JSON("web2", "10.96.0.21", "81"), &r), 0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(
	      json_array_get(json_object_get(r.json, "ports"), 0), "port")) ==
	      81, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services/default/other",
		SVC_JSON("web2", "10.96.0.21", "80"), &r), 0);
	CHECK(r.status == 400 && is_error(&r, NULL, "does not match"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services/default/web2",
		"{\"kind\":\"Service\"", &r), 0);
	CHECK(r.status == 400, "%d %s", r.status, r.body);
	resp_free(&r);

	/* DELETE: 204, then 404 */
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/services/default/web2",
				      NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/services/default/web2",
				      NULL, &r), 0);
	CHECK(r.status == 404, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/web2",
				      NULL, &r), 0);
	CHECK(r.status == 404, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/services/default/web",
				      NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
}

/* The "ns/name" list at PUT /v1/services' answer[action][kind]. */
static size_t
replaced(const struct resp *r, const char *action, const char *kind)
{
	return json_array_size(json_object_get(json_object_get(r->json,
		action), kind));
}

static bool
replaced_has(const struct resp *r, const char *action, const char *kind,
	     const char *what)
{
	const json_t *arr = json_object_get(json_object_get(r->json, action),
					    kind);
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v) ?: "", what) == 0)
			return true;
	return false;
}

#define SCTP_SVC_JSON							\
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":"	\
	"{\"name\":\"mixed\",\"namespace\":\"default\"},\"spec\":"	\
	"{\"clusterIP\":\"10.96.0.40\",\"ports\":[{\"name\":\"a\","	\
	"\"protocol\":\"SCTP\",\"port\":9,\"targetPort\":9},{\"name\":"	\
	"\"b\",\"protocol\":\"TCP\",\"port\":90,\"targetPort\":90}]}}"
#define SCTP_ONLY_JSON							\
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":"	\
	"{\"name\":\"sctponly\",\"namespace\":\"default\"},\"spec\":"	\
	"{\"clusterIP\":\"10.96.0.41\",\"ports\":[{\"protocol\":\"SCTP\","	\
	"\"port\":7,\"targetPort\":7}]}}"
#define V6_SVC_JSON							\
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":"	\
	"{\"name\":\"six\",\"namespace\":\"default\"},\"spec\":"	\
	"{\"clusterIP\":\"fd00::10\",\"clusterIPs\":[\"fd00::10\"],"	\
	"\"ports\":[{\"protocol\":\"TCP\",\"port\":80}]}}"

static void
test_services_replace(void)
{
	struct resp r;
	char *before;

	/* a service the replace must remove, one it keeps */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"List\",\"items\":[" SVC_JSON("old", "10.96.0.30",
		"80") "," SVC_JSON("keep", "10.96.0.31", "80") ","
		SLICE_JSON("keep-1", ",\"labels\":{\"kubernetes.io/service-"
		"name\":\"keep\"}", EPJ("10.244.0.2")) "]}", &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services",
		"{\"kind\":\"List\",\"items\":[" SVC_JSON("keep", "10.96.0.31",
		"80") "," SLICE_JSON("keep-1", ",\"labels\":{\"kubernetes.io/"
		"service-name\":\"keep\"}", EPJ("10.244.0.2") ","
		EPJ("10.244.1.7")) "," SVC_JSON("new", "10.96.0.32", "80") ","
		SCTP_SVC_JSON "," V6_SVC_JSON "," SCTP_ONLY_JSON ","
		"{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":"
		"{\"name\":\"cm\",\"namespace\":\"default\"}}]}", &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	CHECK(replaced_has(&r, "added", "services", "default/new") &&
	      replaced_has(&r, "added", "services", "default/mixed") &&
	      replaced_has(&r, "removed", "services", "default/old") &&
	      replaced_has(&r, "changed", "endpointSlices",
			   "default/keep-1") &&
	      replaced(&r, "changed", "services") == 0 &&
	      json_integer_value(json_object_get(json_object_get(r.json,
	      "unchanged"), "services")) == 1, "%s", r.body);
	/* ConfigMap, the SCTP port, the IPv6 service: skipped with reasons */
	CHECK(r.body != NULL && strstr(r.body, "kind ConfigMap: not served") &&
	      strstr(r.body, "port 9/SCTP") && strstr(r.body, "port 7/SCTP") &&
	      strstr(r.body, "no IPv4 clusterIP"), "%s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/old", NULL,
				      &r), 0);
	CHECK(r.status == 404, "old still there: %d", r.status);
	resp_free(&r);
	/* a Service of SCTP ports only is skipped whole, never stored */
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/sctponly",
				      NULL, &r), 0);
	CHECK(r.status == 404, "sctponly stored: %d %s", r.status, r.body);
	resp_free(&r);
	CHECK(svc_eps("keep") == 2, "keep endpoints %d", svc_eps("keep"));
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/mixed",
				      NULL, &r), 0);
	CHECK(r.status == 200 && json_array_size(json_object_get(r.json,
	      "ports")) == 1, "%d %s", r.status, r.body);
	resp_free(&r);

	/* the same set again: nothing added, changed or removed */
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services",
		"{\"kind\":\"List\",\"items\":[" SVC_JSON("keep", "10.96.0.31",
		"80") "," SLICE_JSON("keep-1", ",\"labels\":{\"kubernetes.io/"
		"service-name\":\"keep\"}", EPJ("10.244.0.2") ","
		EPJ("10.244.1.7")) "," SVC_JSON("new", "10.96.0.32", "80") ","
		SCTP_SVC_JSON "," V6_SVC_JSON "]}", &r), 0);
	CHECK(r.status == 200 && replaced(&r, "added", "services") == 0 &&
	      replaced(&r, "changed", "services") == 0 &&
	      replaced(&r, "removed", "services") == 0 &&
	      replaced(&r, "changed", "endpointSlices") == 0, "%s", r.body);
	resp_free(&r);

	/* malformed item, a frontend claimed twice, not a List: refused,
	 * nothing changes */
	before = get_text("/v1/services");
	/* the error names the item as sent, skipped ones counted */
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services",
		"{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\"},"
		SVC_JSON("a", "10.96.0.33", "70000") "]}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request",
	      "items[1].spec.ports[0].port"), "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services",
		"{\"kind\":\"List\",\"items\":[" SVC_JSON("a", "10.96.0.33",
		"80") "," SVC_JSON("b", "10.96.0.33", "80") "]}", &r), 0);
	CHECK(r.status == 409 && is_error(&r, NULL, "items[1]"), "%d %s",
	      r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services",
		SVC_JSON("a", "10.96.0.33", "80"), &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request", "List"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services", "[1,2", &r), 0);
	CHECK(r.status == 400, "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(unchanged_since("/v1/services", before), "services changed");

	/* an empty List removes everything */
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services",
		"{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[]}", &r),
		0);
	CHECK(r.status == 200 && replaced(&r, "removed", "services") == 4 &&
	      replaced(&r, "removed", "endpointSlices") == 1, "%s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services", NULL, &r), 0);
	CHECK(r.status == 200 && json_array_size(r.json) == 0, "%s", r.body);
	resp_free(&r);
}

/* Whether the "skipped" list of an answer has an entry of kind for name
 * whose reason holds why. */
static bool
skipped_has(const struct resp *r, const char *kind, const char *name,
	    const char *why)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(r->json, "skipped"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "kind")) ?: "",
			   kind) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "name")) ?: "",
			   name) == 0 &&
		    strstr(json_string_value(json_object_get(v, "reason")) ?:
			   "", why) != NULL)
			return true;
	return false;
}

#define HEADLESS_JSON							\
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":"	\
	"{\"name\":\"hl\",\"namespace\":\"default\"},\"spec\":"		\
	"{\"clusterIP\":\"None\",\"ports\":[{\"port\":80}]}}"

/* POST /v1/apply of a cluster's List: what is not served is skipped with
 * its reason, as PUT /v1/services does; only a malformed item fails. */
static void
test_apply_skips(void)
{
	struct resp r;
	char *before;

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"List\",\"items\":[" SVC_JSON("ok", "10.96.0.42",
		"80") "," SCTP_SVC_JSON "," SCTP_ONLY_JSON "," V6_SVC_JSON ","
		HEADLESS_JSON ",{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
		"\"metadata\":{\"name\":\"cm\",\"namespace\":\"default\"}}]}",
		&r), 0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(r.json,
	      "services")) == 4, "%d %s", r.status, r.body);
	CHECK(skipped_has(&r, "Service", "mixed", "port 9/SCTP") &&
	      skipped_has(&r, "Service", "sctponly", "port 7/SCTP") &&
	      skipped_has(&r, "Service", "six", "no IPv4 clusterIP") &&
	      skipped_has(&r, "Service", "hl", "headless") &&
	      skipped_has(&r, "ConfigMap", "cm", "not served") &&
	      json_array_size(json_object_get(r.json, "skipped")) == 5,
	      "%s", r.body);
	resp_free(&r);
	/* the TCP port of the mixed service is served, SCTP-only is not
	 * stored */
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/mixed",
				      NULL, &r), 0);
	CHECK(r.status == 200 && json_array_size(json_object_get(r.json,
	      "ports")) == 1, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/sctponly",
				      NULL, &r), 0);
	CHECK(r.status == 404, "sctponly stored: %d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/ok", NULL,
				      &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	resp_free(&r);

	/* one SCTP-only Service alone: nothing applied, said why */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply", SCTP_ONLY_JSON,
				      &r), 0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(r.json,
	      "services")) == 0 && skipped_has(&r, "Service", "sctponly",
	      "port 7/SCTP"), "%d %s", r.status, r.body);
	resp_free(&r);

	/* a ServiceList's items may leave their kind out */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"ServiceList\",\"items\":[{\"metadata\":"
		"{\"name\":\"nokind\",\"namespace\":\"default\"},\"spec\":"
		"{\"clusterIP\":\"10.96.0.44\",\"ports\":[{\"protocol\":"
		"\"SCTP\",\"port\":8}]}}]}", &r), 0);
	CHECK(r.status == 200 && skipped_has(&r, "Service", "nokind",
	      "port 8/SCTP"), "%d %s", r.status, r.body);
	resp_free(&r);

	/* a malformed item still fails the whole List, named as sent */
	before = get_text("/v1/services");
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"List\",\"items\":[" SCTP_ONLY_JSON ","
		SVC_JSON("bad", "10.96.0.43", "70000") "]}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request",
	      "items[1].spec.ports[0].port"), "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(unchanged_since("/v1/services", before), "services changed");

	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/services",
		"{\"kind\":\"List\",\"items\":[]}", &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	resp_free(&r);
}

static void
test_conntrack_api(void)
{
	struct resp r;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct ps_ct_tuple o, rp;
		struct ps_ct_nat nat = { .endpoint_id = PS_CT_NO_ENDPOINT };
		struct ps_ct_pkt pkt = { .bytes = 60 };
		struct ps_ct_entry *e;
		uint8_t dir;

		ps_ct_tuple_set(&o, IPPROTO_UDP, ps_ip("10.244.0.2"),
				ps_ip("10.96.0.10"), rte_cpu_to_be_16(1000 + i),
				RTE_BE16(53));
		ps_ct_tuple_set(&rp, IPPROTO_UDP, ps_ip("10.244.1.7"),
				ps_ip("10.244.0.2"), RTE_BE16(5353),
				rte_cpu_to_be_16(1000 + i));
		CU_ASSERT_EQUAL(ps_ct_add(dp->ct, &o, &rp, &nat, &pkt, &e, &dir),
				PS_CT_CREATED);
	}
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/conntrack?limit=2", NULL,
				      &r), 0);
	CHECK(r.status == 200 &&
	      json_integer_value(json_object_get(r.json, "count")) == 3 &&
	      json_array_size(json_object_get(r.json, "entries")) == 2 &&
	      json_is_true(json_object_get(r.json, "truncated")),
	      "%d %s", r.status, r.body);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(
	      json_array_get(json_object_get(r.json, "entries"), 0), "reply"),
	      "src")) ?: "", "10.244.1.7") == 0, "%s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/status", NULL, &r), 0);
	CHECK(json_integer_value(json_object_get(json_object_get(
	      json_object_get(r.json, "tables"), "conntrack"), "entries")) == 3,
	      "%s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	CHECK(json_integer_value(json_object_get(json_object_get(
	      json_object_get(r.json, "tables"), "conntrack"), "created")) >= 3 &&
	      json_integer_value(json_object_get(json_object_get(json_object_get(
	      json_object_get(r.json, "tables"), "nat_ports"), "udp"), "size")) >
	      0, "%s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/conntrack?limit=x", NULL,
				      &r), 0);
	CHECK(r.status == 400 && is_error(&r, NULL, "limit"), "%d %s",
	      r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/conntrack", NULL, &r), 0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(r.json,
	      "deleted")) == 3, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/conntrack", NULL, &r), 0);
	CHECK(r.status == 200 &&
	      json_integer_value(json_object_get(r.json, "count")) == 0,
	      "%d %s", r.status, r.body);
	resp_free(&r);
}

static void
test_stats(void)
{
	struct resp r;
	const json_t *e, *ports, *nodes, *drops;
	bool lookup = false, drop_ok = true, up = false, clone_named = false;
	char clone[64];
	size_t i;

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	ports = json_object_get(r.json, "ports");
	nodes = json_object_get(r.json, "nodes");
	drops = json_object_get(r.json, "drops");
	json_array_foreach(ports, i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")) ?: "",
			   "up") == 0)
			up = json_integer_value(json_object_get(e,
				"tx_packets")) > 0 &&
			     json_is_integer(json_object_get(e, "tx_dropped")) &&
			     json_is_integer(json_object_get(e, "rx_missed"));
	CHECK(up, "port up: %s", r.body);
	json_array_foreach(nodes, i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")) ?: "",
			   "ip4_lookup") == 0)
			lookup = json_integer_value(json_object_get(e,
				"packets")) > 0 &&
				 json_is_number(json_object_get(e,
				"cycles_per_packet"));
	CHECK(lookup, "ip4_lookup: %s", r.body);
	/* port clones are named by port id and say which port they serve */
	snprintf(clone, sizeof(clone), "port_tx-p%d",
		 ps_dataplane_port_by_name(dp, "up"));
	json_array_foreach(nodes, i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")) ?: "",
			   clone) == 0)
			clone_named = strcmp(json_string_value(json_object_get(
				e, "port")) ?: "", "up") == 0;
	CHECK(clone_named, "%s: %s", clone, r.body);
	CHECK(json_array_size(drops) > 0, "no drop reasons");
	json_array_foreach(drops, i, e)
		drop_ok &= json_is_string(json_object_get(e, "node")) &&
			   json_is_string(json_object_get(e, "reason")) &&
			   strstr(json_string_value(json_object_get(e, "node")),
				  ".drop.") == NULL;
	CHECK(drop_ok, "drops: %s", r.body);
	CHECK(json_integer_value(json_object_get(json_object_get(
		json_object_get(r.json, "tables"), "fdb"), "size")) == 64,
	      "tables: %s", r.body);
	resp_free(&r);
}

/* The mbufs in use of GET /v1/stats, or -1. */
static json_int_t
stats_mbufs(const char *key)
{
	struct resp r;
	json_int_t v = -1;
	const json_t *m;

	if (request("GET", "/v1/stats", NULL, &r) != 0)
		return -1;
	m = json_object_get(json_object_get(r.json, "mbufs"), key);
	if (r.status == 200 && json_is_integer(m))
		v = json_integer_value(m);
	resp_free(&r);
	return v;
}

/* The value of an unlabelled /metrics sample, or -1. */
static long long
metric_value(const char *name)
{
	struct resp r;
	char key[128];
	const char *p;
	long long v = -1;

	if (request("GET", "/metrics", NULL, &r) != 0)
		return -1;
	snprintf(key, sizeof(key), "\n%s ", name);
	p = r.status == 200 ? strstr(r.body, key) : NULL;
	if (p != NULL)
		v = strtoll(p + strlen(key), NULL, 10);
	resp_free(&r);
	return v;
}

/*
 * The pool's size and what is out of it, as the pool itself counts:
 * mbufs taken out (as a leak would) show up in both views, and come back.
 */
static void
test_stats_mbufs(void)
{
	struct rte_mbuf *held[100];
	json_int_t base;

	ps_test_node_drain();
	base = stats_mbufs("in_use");
	CHECK(stats_mbufs("size") == (json_int_t)dp->pool->size,
	      "size %lld, pool %u", (long long)stats_mbufs("size"),
	      dp->pool->size);
	CHECK(base == (json_int_t)rte_mempool_in_use_count(dp->pool) &&
	      base >= (json_int_t)ps_test_node.pool_base,
	      "in use %lld, pool %u", (long long)base,
	      rte_mempool_in_use_count(dp->pool));
	CHECK(metric_value("podswitch_mbuf_pool_in_use") == base,
	      "metric in use %lld, stats %lld",
	      metric_value("podswitch_mbuf_pool_in_use"), (long long)base);
	CHECK(metric_value("podswitch_mbuf_pool_size") ==
	      (long long)dp->pool->size, "metric size");

	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_alloc_bulk(dp->pool, held,
						     RTE_DIM(held)), 0);
	CHECK(stats_mbufs("in_use") == base + (json_int_t)RTE_DIM(held),
	      "100 taken: in use %lld, was %lld",
	      (long long)stats_mbufs("in_use"), (long long)base);
	CHECK(metric_value("podswitch_mbuf_pool_in_use") ==
	      base + (long long)RTE_DIM(held), "100 taken: metric %lld",
	      metric_value("podswitch_mbuf_pool_in_use"));
	rte_pktmbuf_free_bulk(held, RTE_DIM(held));
	CHECK(stats_mbufs("in_use") == base, "given back: in use %lld",
	      (long long)stats_mbufs("in_use"));
}

/* Whether text is exposition format 0.0.4 as far as we use it. */
static bool
metrics_valid(char *text, char *why, size_t size)
{
	char *save = NULL, *line, fam[128] = "", seen[16384] = " ";
	bool typed = false, hist = false;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128];
		double v;

		if (strncmp(line, "# HELP ", 7) == 0) {
			char key[140];

			sscanf(line + 7, "%127s", fam);
			snprintf(key, sizeof(key), " %s ", fam);
			if (strstr(seen, key) != NULL) {
				snprintf(why, size, "family %s twice", fam);
				return false;
			}
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			typed = false;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			typed = strncmp(line + 7, fam, strlen(fam)) == 0;
			hist = strstr(line, " histogram") != NULL;
			continue;
		}
		if (sscanf(line, "%127[a-zA-Z0-9_:]", name) != 1 || !typed ||
		    (strcmp(name, fam) != 0 && !(hist &&
		     strncmp(name, fam, strlen(fam)) == 0 &&
		     (strcmp(name + strlen(fam), "_bucket") == 0 ||
		      strcmp(name + strlen(fam), "_sum") == 0 ||
		      strcmp(name + strlen(fam), "_count") == 0)))) {
			snprintf(why, size, "sample outside its family: %s",
				 line);
			return false;
		}
		if (sscanf(strrchr(line, ' ') + 1, "%lf", &v) != 1) {
			snprintf(why, size, "bad value: %s", line);
			return false;
		}
	}
	return true;
}

static void
test_metrics(void)
{
	struct resp r;
	char why[256] = "", *copy, clone[128];
	FILE *p;

	/* what the router counts: a route's pattern, never the path */
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/status", NULL, &r), 0);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/no/such/thing", NULL, &r), 0);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/metrics", NULL, &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	CHECK(strstr(r.body, "podswitch_api_requests_total{method=\"GET\","
		     "route=\"/v1/status\",status=\"200\"} ") != NULL,
	      "no request count by route");
	CHECK(strstr(r.body, "podswitch_api_requests_total{method=\"\","
		     "route=\"unmatched\",status=\"404\"} ") != NULL,
	      "no unmatched count");
	CHECK(strstr(r.body, "/v1/no/such") == NULL, "a raw path as a label");
	CHECK(strstr(r.body, "# TYPE podswitch_api_request_duration_seconds "
		     "histogram\n") != NULL, "no duration histogram");
	CHECK(strstr(r.body, "podswitch_api_request_duration_seconds_bucket{"
		     "method=\"GET\",route=\"/v1/status\",le=\"+Inf\"} ")
	      != NULL, "no +Inf bucket");
	CHECK(strstr(r.body, "podswitch_conntrack_entries{protocol=\"tcp\","
		     "state=\"") != NULL, "no conntrack by state");
	CHECK(strstr(r.body, "podswitch_table_size{table=\"conntrack\"} ")
	      != NULL, "no conntrack limit");
	CHECK(strstr(r.body, "podswitch_nat_pool_ports{protocol=\"tcp\"} ")
	      != NULL, "no NAT pool size");
	CHECK(strstr(r.body, "# TYPE podswitch_worker_busy_cycles_total "
		     "counter\n") != NULL, "no worker cycles");
	CHECK(strstr(r.body, "{node=") == NULL, "a graph node as node");
	CHECK(header_has(&r, "Content-Type", "text/plain; version=0.0.4"),
	      "type: %s", r.head);
	CHECK(strstr(r.body, "# TYPE podswitch_port_rx_packets_total counter\n")
	      != NULL, "no port family");
	CHECK(strstr(r.body, "podswitch_port_tx_packets_total{port=\"up\","
		     "role=\"uplink\"} ") != NULL, "no uplink sample");
	CHECK(strstr(r.body, "podswitch_graph_node_packets_total{graph_node="
		     "\"ip4_lookup\"} ") != NULL, "no node sample");
	CHECK(strstr(r.body, "podswitch_drops_total{graph_node=\"ip4_lookup\","
		     "reason=\"") != NULL, "no drop sample");
	snprintf(clone, sizeof(clone), "podswitch_graph_node_packets_total{"
		 "graph_node=\"port_tx-p%d\",port=\"up\"} ",
		 ps_dataplane_port_by_name(dp, "up"));
	CHECK(strstr(r.body, clone) != NULL, "no %s", clone);
	CHECK(strstr(r.body, "podswitch_table_entries{table=\"routes\"} 5\n")
	      != NULL, "no route gauge");
	CHECK(strstr(r.body, "podswitch_table_size{table=\"fdb\"} 64\n")
	      != NULL, "no fdb size");
	CHECK(strstr(r.body, "# TYPE podswitch_mbuf_pool_in_use gauge\n")
	      != NULL, "no mbuf gauge");
	copy = strdup(r.body);
	CHECK(metrics_valid(copy, why, sizeof(why)), "%s", why);
	free(copy);

	/* promtool, when installed, has the last word. */
	if (system("command -v promtool >/dev/null 2>&1") == 0) {
		p = popen("promtool check metrics >/dev/null", "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		fwrite(r.body, 1, r.body_len, p);
		CHECK(pclose(p) == 0, "promtool check metrics failed");
	} else {
		printf("(promtool not installed: skipped) ");
	}
	resp_free(&r);
}

/* The names of the ports GET /v1/ports lists, space separated. */
static void
port_names(char *buf, size_t size)
{
	struct resp r;
	json_t *p;
	size_t i, n = 0;

	buf[0] = '\0';
	if (request("GET", "/v1/ports", NULL, &r) != 0)
		return;
	json_array_foreach(r.json, i, p)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? " " : "",
			json_string_value(json_object_get(p, "name")));
	resp_free(&r);
}

static void
test_ports(void)
{
	static const char *const hot =
		"{\"name\": \"p9\", \"role\": \"pod\", \"driver\": \"ring\","
		" \"args\": {\"rx_ring\": \"p9_rx\", \"tx_ring\": \"p9_tx\"},"
		" \"pod\": {\"ip\": \"10.244.0.9\", \"mac\": \"02:00:0a:f4:00:09\"}}";
	static const struct {
		const char *method, *path, *body;
		int status;
		const char *says;
	} bad[] = {
		{ "POST", "/v1/ports", NULL, 400, "body" },
		{ "POST", "/v1/ports", "{\"name\": \"p1\", \"role\": \"pod\","
		  " \"driver\": \"ring\", \"args\": {\"rx_ring\": \"a\","
		  " \"tx_ring\": \"b\"}}", 400, "duplicate port name" },
		{ "POST", "/v1/ports", "{\"name\": \"u2\", \"role\": \"uplink\","
		  " \"driver\": \"ring\", \"args\": {\"rx_ring\": \"a\","
		  " \"tx_ring\": \"b\"}}", 400, "only pod ports" },
		{ "POST", "/v1/ports", "{\"name\": 7}", 400, "$.name" },
		{ "POST", "/v1/ports", "{\"name\": \"x\", \"role\": \"pod\","
		  " \"driver\": \"ring\", \"args\": {\"rx_ring\": \"a\","
		  " \"tx_ring\": \"b\"}, \"pod\": {\"ip\": \"10.1.1.1\","
		  " \"mac\": \"02:00:00:00:07:07\"}}", 400, "pod_cidr" },
		/* p1's pod IP, p2's pod MAC: the ports named, no index */
		{ "POST", "/v1/ports", "{\"name\": \"x\", \"role\": \"pod\","
		  " \"driver\": \"ring\", \"args\": {\"rx_ring\": \"a\","
		  " \"tx_ring\": \"b\"}, \"pod\": {\"ip\": \"10.244.0.2\","
		  " \"mac\": \"02:00:00:00:07:07\"}}", 400, "pod IP 10.244.0.2 "
		  "of port 'x' is already used by port 'p1'" },
		/* an interface that is not there, on each kind of driver */
		{ "POST", "/v1/ports", "{\"name\": \"x\", \"role\": \"pod\","
		  " \"driver\": \"af_packet\", \"args\": {\"iface\":"
		  " \"psnosuch0\"}}", 422, "no such interface 'psnosuch0'" },
		{ "POST", "/v1/ports", "{\"name\": \"x\", \"role\": \"pod\","
		  " \"driver\": \"af_packet-pmd\", \"args\": {\"iface\":"
		  " \"psnosuch1\"}}", 422, "no such interface 'psnosuch1'" },
		{ "POST", "/v1/ports", "{\"name\": \"x\", \"role\": \"pod\","
		  " \"driver\": \"af_xdp\", \"args\": {\"iface\":"
		  " \"psnosuch2\"}}", 422, "no such interface 'psnosuch2'" },
		{ "DELETE", "/v1/ports/up", NULL, 409, "uplink" },
		{ "DELETE", "/v1/ports/p9", NULL, 404, "no port p9" },
		{ "PATCH", "/v1/ports", NULL, 405, NULL },
	};
	char before[256], after[256];
	struct resp r;
	unsigned int i;

	port_names(before, sizeof(before));
	CHECK(strcmp(before, "p1 p2 up") == 0, "ports: %s", before);
	for (i = 0; i < RTE_DIM(bad); i++) {
		CU_ASSERT_EQUAL_FATAL(request(bad[i].method, bad[i].path,
					      bad[i].body, &r), 0);
		CHECK(r.status == bad[i].status, "%s %s: %d %s", bad[i].method,
		      bad[i].path, r.status, r.body);
		if (bad[i].says != NULL)
			CHECK(r.body != NULL && strstr(r.body, bad[i].says),
			      "%s %s: %s", bad[i].method, bad[i].path, r.body);
		resp_free(&r);
	}
	port_names(after, sizeof(after));
	CHECK(strcmp(before, after) == 0, "after refusals: %s", after);

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/ports", hot, &r), 0);
	CHECK(r.status == 201, "%d %s", r.status, r.body);
	CHECK(header_has(&r, "Location", "/v1/ports/p9"), "location: %s",
	      r.head);
	CHECK(json_is_true(json_object_get(r.json, "added_at_runtime")),
	      "created: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/ports/p9", NULL, &r), 0);
	CHECK(r.status == 200 && json_is_integer(json_object_get(
		json_object_get(r.json, "counters"), "rx_packets")),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	port_names(after, sizeof(after));
	CHECK(strcmp(after, "p1 p2 up p9") == 0, "ports: %s", after);

	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/ports/p9", NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	port_names(after, sizeof(after));
	CHECK(strcmp(before, after) == 0, "after delete: %s", after);
	ps_test_drain("p9_tx");
}

/* GET /v1/ports/NAME: one port, what "podswitchctl port show" prints. */
static void
test_port_show(void)
{
	const json_t *c;
	struct resp r;

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/ports/p1", NULL, &r), 0);
	c = json_object_get(r.json, "counters");
	CHECK(r.status == 200 &&
	      strcmp(json_string_value(json_object_get(r.json, "name")) ?: "",
		     "p1") == 0 &&
	      strcmp(json_string_value(json_object_get(r.json, "driver")) ?:
		     "", "ring") == 0 &&
	      strcmp(json_string_value(json_object_get(json_object_get(
		     r.json, "pod"), "ip")) ?: "", "10.244.0.2") == 0 &&
	      json_object_get(r.json, "mac") != NULL &&
	      json_object_get(r.json, "mtu") != NULL &&
	      json_integer_value(json_object_get(r.json, "rx_queues")) == 1 &&
	      json_integer_value(json_object_get(r.json, "tx_queues")) >= 1 &&
	      json_is_boolean(json_object_get(r.json, "link_up")) &&
	      json_is_integer(json_object_get(c, "rx_bytes")) &&
	      json_is_integer(json_object_get(c, "tx_bytes")) &&
	      json_is_integer(json_object_get(c, "tx_dropped")) &&
	      json_is_integer(json_object_get(c, "rx_missed")),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/ports/nope", NULL, &r), 0);
	CHECK(r.status == 404 && is_error(&r, "not_found", "no port nope"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
}

static void
test_not_found_and_methods(void)
{
	static const struct {
		const char *method, *path;
		int status;
		const char *allow;
	} cases[] = {
		{ "GET", "/v1/nope", 404, NULL },
		{ "GET", "/", 404, NULL },
		{ "GET", "/v1/status/extra", 404, NULL },
		{ "GET", "/v2/status", 404, NULL },
		{ "DELETE", "/v1/status", 405, "GET, HEAD" },
		{ "POST", "/metrics", 405, "GET, HEAD" },
		{ "PATCH", "/v1/routes", 405, "GET, HEAD, POST, PUT" },
		{ "GET", "/v1/routes/10.244.1.0_24", 405, "DELETE" },
		{ "PUT", "/v1/fdb", 405, "GET, HEAD" },
	};
	struct resp r;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		CU_ASSERT_EQUAL_FATAL(request(cases[i].method, cases[i].path,
					      NULL, &r), 0);
		CHECK(r.status == cases[i].status &&
		      is_error(&r, cases[i].status == 404 ? "not_found" :
			       "method_not_allowed", NULL),
		      "%s %s: %d %s", cases[i].method, cases[i].path, r.status,
		      r.body);
		if (cases[i].allow != NULL)
			CHECK(header_has(&r, "Allow", cases[i].allow),
			      "%s %s: %s", cases[i].method, cases[i].path,
			      r.head);
		resp_free(&r);
	}
}

/* Malformed requests: refused with the right status, nothing changes. */
static void
test_malformed(void)
{
	static const struct {
		const char *method, *path, *body;
		int status;
		const char *msg;
	} cases[] = {
		{ "POST", "/v1/routes", NULL, 400, "body is required" },
		{ "POST", "/v1/routes", "{", 400, "not valid JSON" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\",}", 400,
		  "not valid JSON" },
		{ "POST", "/v1/routes", "[]", 400, "must be an object" },
		{ "POST", "/v1/routes", "\"10.244.5.0/24\"", 400, "object" },
		{ "POST", "/v1/routes", "null", 400, NULL },
		{ "POST", "/v1/routes", "{\"dst\": 5}", 400,
		  "dst: must be a string" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", \"foo\": 1}",
		  400, "foo: unknown field" },
		{ "POST", "/v1/routes", "{\"gateway\": \"192.168.60.11\"}", 400,
		  "dst: required" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.1/24\"}", 400,
		  "host bits" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/33\"}", 400,
		  "not a valid IPv4 prefix" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0\"}", 400,
		  "must be a prefix" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5/24\"}", 400,
		  "not a valid" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"gateway\": \"300.1.1.1\"}", 400, "not an IPv4 address" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"gateway\": 7}", 400, "gateway: must be a string" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"gateway\": \"224.0.0.1\"}", 400, "not a unicast" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"gateway\": \"10.244.0.1\"}", 400, "own address" },
		/* like iproute2's "Nexthop has invalid gateway": nothing
		 * could ever resolve it, the route would black-hole */
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"gateway\": \"172.31.0.1\"}", 400,
		  "gateway: not on a connected subnet" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"dev\": \"nope\"}", 400, "no port named 'nope'" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"dev\": [\"up\"]}", 400, "dev: must be a string" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"type\": \"blackhole\", \"gateway\": \"192.168.60.11\"}", 400,
		  "has no gateway" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"type\": \"weird\"}", 400, "type: must be" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.5.0/24\", "
		  "\"dst\": \"10.244.6.0/24\"}", 400, "duplicate" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.1.0/24\", "
		  "\"gateway\": \"192.168.60.11\"}", 409, "exists" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.0.0/24\"}", 409,
		  "exists" },
		{ "POST", "/v1/routes", "{\"dst\": \"10.244.0.1/32\"}", 409,
		  "exists" },
		{ "DELETE", "/v1/routes/10.244.0.0_24", NULL, 409, "connected" },
		{ "DELETE", "/v1/routes/10.244.0.1_32", NULL, 409, "connected" },
		{ "DELETE", "/v1/routes/192.168.60.0%2F24", NULL, 409,
		  "connected" },
		{ "DELETE", "/v1/routes/garbage", NULL, 400, "prefix" },
		{ "DELETE", "/v1/routes/10.244.1.5_24", NULL, 400, "host bits" },
		{ "DELETE", "/v1/routes/10.244.1.0_40", NULL, 400, "not a valid" },
		{ "DELETE", "/v1/routes/10.244.1.0%2", NULL, 400, NULL },
		{ "DELETE", "/v1/routes/10.244.77.0_24", NULL, 404, "no route" },
		{ "DELETE", "/v1/routes/", NULL, 400, NULL },
		{ "PUT", "/v1/routes", NULL, 400, "body is required" },
		{ "PUT", "/v1/routes", "{}", 400, "routes: must be a list" },
		{ "PUT", "/v1/routes", "{\"routes\": [], \"extra\": 1}", 400,
		  "extra: unknown field" },
		{ "PUT", "/v1/routes", "[{\"dst\": \"10.244.5.0/24\"}, 5]", 400,
		  "routes[1]: must be an object" },
		{ "PUT", "/v1/routes", "[{\"dst\": \"10.244.5.0/24\"}, "
		  "{\"dst\": \"10.244.6.0/24\"}, {\"dst\": \"10.244.5.0/24\"}]",
		  400, "routes[2].dst: same prefix as routes[0]" },
		{ "PUT", "/v1/routes", "[{\"dst\": \"10.244.5.0/24\"}, "
		  "{\"dst\": \"10.244.0.0/24\"}]", 409, "routes[1].dst" },
		{ "PUT", "/v1/routes", "[{\"dst\": \"10.244.5.0/24\"}, {}, "
		  "{\"dst\": \"10.244.6.0/24\"}]", 400, "routes[1].dst: required" },
		{ "PUT", "/v1/routes", "[{\"dst\": \"10.244.5.0/24\"}, "
		  "{\"dst\": \"10.244.6.0/24\"}, {\"dst\": \"10.244.7.0/24\"}, "
		  "{\"dst\": \"10.244.9.0/24\", \"dev\": \"nope\"}]", 400,
		  "routes[3].dev: no port named" },
		{ "PUT", "/v1/routes", "[{\"dst\": \"10.244.5.0/24\", "
		  "\"gateway\": \"1.2.3\"}]", 400, "routes[0].gateway" },
	};
	static const char *const raw[] = {
		/* request line the server cannot parse */
		"HELLO\r\n\r\n",
		"GET /v1/status HTTP/9.9\r\n\r\n",
		"POST /v1/routes HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
		"POST /v1/routes HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"0\r\n\r\n",
	};
	static const int raw_status[] = { 400, 505, 400, 411 };
	struct resp r;
	unsigned int i, total = 0;
	char *before, *after, *big;
	size_t n;

	before = get_text("/v1/routes");
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	for (i = 0; i < RTE_DIM(cases); i++, total++) {
		CU_ASSERT_EQUAL_FATAL(request(cases[i].method, cases[i].path,
					      cases[i].body, &r), 0);
		CHECK(r.status == cases[i].status &&
		      is_error(&r, NULL, cases[i].msg),
		      "case %u: %s %s %s: got %d %s", i, cases[i].method,
		      cases[i].path, cases[i].body ? cases[i].body : "",
		      r.status, r.body);
		resp_free(&r);
	}
	for (i = 0; i < RTE_DIM(raw); i++, total++) {
		CU_ASSERT_EQUAL_FATAL(raw_exchange(raw[i], strlen(raw[i]), &r),
				      0);
		CHECK(r.status == raw_status[i] && is_error(&r, NULL, NULL),
		      "raw %u: got %d %s", i, r.status, r.body);
		resp_free(&r);
	}

	/* A body over the limit: 413 from the head alone. */
	big = malloc(64 * 1024);
	n = (size_t)snprintf(big, 64 * 1024, "POST /v1/routes HTTP/1.1\r\n"
			     "Content-Type: application/json\r\n"
			     "Content-Length: %u\r\n\r\n[", 32u << 20);
	memset(big + n, ' ', 16 * 1024);
	CU_ASSERT_EQUAL_FATAL(raw_exchange(big, n + 16 * 1024, &r), 0);
	CHECK(r.status == 413 && is_error(&r, NULL, NULL), "413: %d %s",
	      r.status, r.body);
	resp_free(&r);
	total++;

	/* A header too large: 431. */
	n = (size_t)snprintf(big, 64 * 1024, "GET /v1/status HTTP/1.1\r\n"
			     "X-Big: ");
	memset(big + n, 'a', 32 * 1024);
	n += 32 * 1024;
	memcpy(big + n, "\r\n\r\n", 4);
	CU_ASSERT_EQUAL_FATAL(raw_exchange(big, n + 4, &r), 0);
	CHECK(r.status == 431 && is_error(&r, NULL, NULL), "431: %d %s",
	      r.status, r.body);
	resp_free(&r);
	total++;

	/* A big PUT just under the limit but not JSON. */
	memset(big, 'x', 60 * 1024);
	big[60 * 1024] = '\0';
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/routes", big, &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request", "not valid JSON"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	total++;
	free(big);

	printf("(%u malformed requests) ", total);
	CHECK(total >= 25, "only %u cases", total);
	after = get_text("/v1/routes");
	CHECK(after != NULL && strcmp(before, after) == 0,
	      "route table changed:\n%s\n%s", before, after ? after : "");
	free(before);
	free(after);

	/* The dataplane still routes and the API still answers. */
	expect_routed("10.244.1.9", PEER_MAC, 10);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/status", NULL, &r), 0);
	CHECK(r.status == 200, "%d", r.status);
	resp_free(&r);
	ps_test_node_expect_no_leak();
}

/* A VXLAN route through the API: shown with its encap, traffic leaves
 * encapsulated, counted per tunnel in /v1/stats and /metrics; bad encap
 * objects are refused and change nothing. */
static void
test_vxlan_routes(void)
{
	static const char *const bad[] = {
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"gre\",\"remote\":\"192.168.60.11\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"vxlan\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"192.168.60.11\",\"vni\":16777216}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"192.168.60.11\",\"vni\":\"1\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"192.168.60.10\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"224.0.0.1\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"192.168.60.11\",\"mac\":\"01:00:5e:00:00:01\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"192.168.60.11\",\"ttl\":3}}",
		"{\"dst\":\"10.244.7.0/24\",\"gateway\":\"192.168.60.11\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"192.168.60.11\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"type\":\"blackhole\",\"encap\":{\"type\":\"vxlan\",\"remote\":\"192.168.60.11\"}}",
		"{\"dst\":\"10.244.7.0/24\",\"encap\":[]}",
	};
	const char *body = "{\"dst\":\"10.244.7.0/24\",\"encap\":{\"type\":"
		"\"vxlan\",\"vni\":5,\"remote\":\"192.168.60.11\","
		"\"mac\":\"0e:00:00:00:00:0b\"}}";
	const json_t *rt, *e, *t;
	uint8_t in[128];
	struct rte_mbuf *m;
	struct resp r;
	char *before;
	unsigned int i;
	size_t len;

	before = get_text("/v1/routes");
	for (i = 0; i < RTE_DIM(bad); i++) {
		CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/routes", bad[i], &r), 0);
		CHECK(r.status == 400 && is_error(&r, "bad_request", NULL),
		      "%s: %d %s", bad[i], r.status, r.body);
		resp_free(&r);
	}
	{
		char *after = get_text("/v1/routes");

		CHECK(before && after && strcmp(before, after) == 0,
		      "refused encap routes changed the table");
		free(after);
	}
	free(before);

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/routes", body, &r), 0);
	CHECK(r.status == 201, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes", NULL, &r), 0);
	rt = find_route(r.json, "10.244.7.0/24");
	e = json_object_get(rt, "encap");
	CHECK(e != NULL && strcmp(json_string_value(json_object_get(e, "type")),
				  "vxlan") == 0 &&
	      json_integer_value(json_object_get(e, "vni")) == 5 &&
	      strcmp(json_string_value(json_object_get(e, "remote")),
		     "192.168.60.11") == 0 &&
	      strcmp(json_string_value(json_object_get(e, "mac")),
		     "0e:00:00:00:00:0b") == 0 &&
	      json_object_get(rt, "gateway") == NULL, "route: %s", r.body);
	resp_free(&r);

	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.7.5", 8, 9, 1, 64, 16);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	if (ps_test_collect("up_tx", &m, 1) == 1) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

		/* to node B, UDP 4789, VNI 5, inner to its VTEP MAC */
		CHECK(m->pkt_len == len + 50 && p[23] == 17 &&
		      p[36] == 0x12 && p[37] == 0xb5 && p[46] == 0 &&
		      p[47] == 0 && p[48] == 5 && p[55] == 0x0b &&
		      memcmp(p, "\x02\x00\xc0\xa8\x3c\x0b", 6) == 0,
		      "not the VXLAN frame expected (len %u)", m->pkt_len);
		rte_pktmbuf_free(m);
	} else {
		CHECK(false, "nothing on the uplink");
	}

	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	t = json_array_get(json_object_get(json_object_get(r.json, "vxlan"),
					   "tunnels"), 0);
	CHECK(t != NULL && json_integer_value(json_object_get(t, "vni")) == 5 &&
	      json_integer_value(json_object_get(t, "tx_packets")) == 1 &&
	      json_integer_value(json_object_get(t, "tx_bytes")) ==
	      (json_int_t)(len + 50), "stats: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/metrics", NULL, &r), 0);
	CHECK(strstr(r.body, "podswitch_vxlan_tx_packets_total{remote="
		     "\"192.168.60.11\",vni=\"5\",mac=\"0e:00:00:00:00:0b\"} 1\n")
	      != NULL, "no tunnel sample");
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/routes/10.244.7.0_24",
				      NULL, &r), 0);
	CHECK(r.status == 204, "%d", r.status);
	resp_free(&r);
	ps_test_node_expect_no_leak();
}

/* Token, group and socket mode, on a second server for the same tables. */
static void
test_token_and_socket(void)
{
	struct ps_config cfg2 = *cfg;
	struct ps_dataplane dp2 = *dp;
	struct ps_rest *srv2;
	struct resp r;
	struct stat st;
	char path2[160];
	const char *req_ok = "GET /v1/status HTTP/1.1\r\n"
		"Authorization: Bearer s3cret\r\n\r\n";
	const char *req_bad = "GET /v1/status HTTP/1.1\r\n"
		"Authorization: Bearer nope\r\n\r\n";
	const char *req_none = "GET /v1/status HTTP/1.1\r\n\r\n";

	snprintf(path2, sizeof(path2), "%s/sub/api2.sock", tmp_dir);
	snprintf(cfg2.api_unix_socket, sizeof(cfg2.api_unix_socket), "%s",
		 path2);
	snprintf(cfg2.api_token, sizeof(cfg2.api_token), "s3cret");
	snprintf(cfg2.api_socket_group, sizeof(cfg2.api_socket_group), "%u",
		 (unsigned int)getgid());
	dp2.cfg = &cfg2;
	/* the suite's metrics socket is live: refused, API socket freed */
	CHECK(ps_rest_create(&dp2) == NULL, "two metrics listeners");
	CHECK(access(path2, F_OK) != 0, "API socket left behind");
	cfg2.api_metrics_listen[0] = '\0';
	srv2 = ps_rest_create(&dp2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv2);
	CHECK(stat(path2, &st) == 0 && S_ISSOCK(st.st_mode) &&
	      (st.st_mode & 0777) == 0660 && st.st_gid == getgid(),
	      "socket mode %o", (unsigned int)st.st_mode);

	CU_ASSERT_EQUAL_FATAL(raw_exchange_at(srv2, path2, req_none,
					      strlen(req_none), &r), 0);
	CHECK(r.status == 401 && is_error(&r, "unauthorized", NULL), "%d %s",
	      r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(raw_exchange_at(srv2, path2, req_bad,
					      strlen(req_bad), &r), 0);
	CHECK(r.status == 401, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(raw_exchange_at(srv2, path2, req_ok,
					      strlen(req_ok), &r), 0);
	CHECK(r.status == 200 && json_is_object(r.json), "%d %s", r.status,
	      r.body);
	resp_free(&r);

	/* A second server on a live socket is refused; freeing unlinks
	 * the socket. */
	CHECK(ps_rest_create(&dp2) == NULL, "two servers on one socket");
	ps_rest_free(srv2);
	CHECK(access(path2, F_OK) != 0, "socket left behind");
	snprintf(path2, sizeof(path2), "%s/sub", tmp_dir);
	rmdir(path2);

	/* An impossible group: refused. */
	snprintf(cfg2.api_socket_group, sizeof(cfg2.api_socket_group),
		 "no-such-group-ps");
	CHECK(ps_rest_create(&dp2) == NULL, "unknown group accepted");
}

/* Issue 17 (cli-b): conntrack filters and single delete, stats reset,
 * source nodes' idle polls, removed ports' nodes, service traffic. ----- */

/* Connections for the conntrack filters: UDP 10.244.0.2:2000+i ->
 * 10.96.0.10:53 (i < 3), TCP 10.244.0.2:3000 -> 10.96.0.10:80, ICMP echo
 * 10.244.0.2 -> 10.96.0.10 id 77; every reply from 10.244.1.7. */
static void
ct_filter_entries(void)
{
	struct ps_ct_nat nat = { .endpoint_id = PS_CT_NO_ENDPOINT,
				 .service_id = UINT32_MAX };
	struct ps_ct_pkt udp = { .bytes = 60 };
	struct ps_ct_pkt syn = { .bytes = 60, .tcp_flags = RTE_TCP_SYN_FLAG,
				 .seq = 1, .win = 1000 };
	struct ps_ct_pkt ping = { .bytes = 98,
				  .icmp_type = RTE_IP_ICMP_ECHO_REQUEST };
	struct ps_ct_tuple o, rp;
	struct ps_ct_entry *e;
	unsigned int i;
	uint8_t dir;

	for (i = 0; i < 3; i++) {
		ps_ct_tuple_set(&o, IPPROTO_UDP, ps_ip("10.244.0.2"),
				ps_ip("10.96.0.10"), rte_cpu_to_be_16(2000 + i),
				RTE_BE16(53));
		ps_ct_tuple_set(&rp, IPPROTO_UDP, ps_ip("10.244.1.7"),
				ps_ip("10.244.0.2"), RTE_BE16(5353),
				rte_cpu_to_be_16(2000 + i));
		CU_ASSERT_EQUAL(ps_ct_add(dp->ct, &o, &rp, &nat, &udp, &e,
					  &dir), PS_CT_CREATED);
	}
	ps_ct_tuple_set(&o, IPPROTO_TCP, ps_ip("10.244.0.2"),
			ps_ip("10.96.0.10"), RTE_BE16(3000), RTE_BE16(80));
	ps_ct_tuple_set(&rp, IPPROTO_TCP, ps_ip("10.244.1.7"),
			ps_ip("10.244.0.2"), RTE_BE16(8080), RTE_BE16(3000));
	CU_ASSERT_EQUAL(ps_ct_add(dp->ct, &o, &rp, &nat, &syn, &e, &dir),
			PS_CT_CREATED);
	ps_ct_tuple_icmp(&o, ps_ip("10.244.0.2"), ps_ip("10.96.0.10"),
			 RTE_BE16(77));
	ps_ct_tuple_icmp(&rp, ps_ip("10.244.1.7"), ps_ip("10.244.0.2"),
			 RTE_BE16(77));
	CU_ASSERT_EQUAL(ps_ct_add(dp->ct, &o, &rp, &nat, &ping, &e, &dir),
			PS_CT_CREATED);
}

/* The count of GET path (a conntrack list), or -1 on a failure. */
static json_int_t
ct_count(const char *path)
{
	struct resp r;
	json_int_t n = -1;

	if (request("GET", path, NULL, &r) != 0)
		return -1;
	if (r.status == 200 && json_array_size(json_object_get(r.json,
	    "entries")) == (size_t)json_integer_value(json_object_get(r.json,
	    "count")))
		n = json_integer_value(json_object_get(r.json, "count"));
	else
		fprintf(stderr, "%s: %d %s\n", path, r.status, r.body);
	resp_free(&r);
	return n;
}

static void
test_conntrack_filters(void)
{
	static const struct {
		const char *path;
		json_int_t count;
	} lists[] = {
		{ "/v1/conntrack", 5 },
		{ "/v1/conntrack?proto=udp", 3 },
		{ "/v1/conntrack?proto=UDP&dport=53", 3 },
		{ "/v1/conntrack?proto=tcp&dport=80", 1 },
		{ "/v1/conntrack?proto=tcp&dport=53", 0 },
		{ "/v1/conntrack?sport=2001", 1 },
		{ "/v1/conntrack?src=10.244.0.2&dst=10.96.0.10", 5 },
		/* the original direction's, not the reply's */
		{ "/v1/conntrack?src=10.244.1.7", 0 },
		{ "/v1/conntrack?dport=5353", 0 },
		{ "/v1/conntrack?proto=icmp&id=77", 1 },
		{ "/v1/conntrack?proto=6;sport=3000", 1 },
		/* none of these has an endpoint record or a service */
		{ "/v1/conntrack?endpoint=10.244.1.7", 0 },
		{ "/v1/conntrack?service=default/web", 0 },
	};
	static const char *const bad[] = {
		"?proto=sctp", "?sport=0", "?dport=65536", "?sport=x",
		"?src=10.1.2", "?dst=", "?frobnicate=1", "?endpoint=1.2.3.4:0",
		"?service=noslash", "?limit=0",
	};
	char path[128];
	struct resp r;
	unsigned int i;

	ps_ct_flush(dp->ct);
	ct_filter_entries();
	for (i = 0; i < RTE_DIM(lists); i++)
		CHECK(ct_count(lists[i].path) == lists[i].count, "%s: %lld, "
		      "want %lld", lists[i].path,
		      (long long)ct_count(lists[i].path),
		      (long long)lists[i].count);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/conntrack?proto=udp&limit=2",
				      NULL, &r), 0);
	CHECK(r.status == 200 && json_array_size(json_object_get(r.json,
	      "entries")) == 2 && json_integer_value(json_object_get(r.json,
	      "count")) == 3 && json_is_true(json_object_get(r.json,
	      "truncated")), "%d %s", r.status, r.body);
	resp_free(&r);
	for (i = 0; i < RTE_DIM(bad); i++) {
		snprintf(path, sizeof(path), "/v1/conntrack%s", bad[i]);
		CU_ASSERT_EQUAL_FATAL(request("GET", path, NULL, &r), 0);
		CHECK(r.status == 400 && is_error(&r, "bad_request", NULL),
		      "GET %s: %d %s", path, r.status, r.body);
		resp_free(&r);
		/* a bad single delete is no flush */
		CU_ASSERT_EQUAL_FATAL(request("DELETE", path, NULL, &r), 0);
		CHECK(r.status == 400, "DELETE %s: %d %s", path, r.status,
		      r.body);
		resp_free(&r);
	}
	CHECK(ct_count("/v1/conntrack") == 5, "refusals deleted something");
	ps_ct_flush(dp->ct);
}

static void
test_conntrack_delete_one(void)
{
	static const char *const partial[] = {
		/* a filter, not a tuple: 400, nothing deleted */
		"/v1/conntrack?proto=udp",
		"/v1/conntrack?proto=udp&src=10.244.0.2&dst=10.96.0.10"
		"&sport=2001",
		"/v1/conntrack?proto=udp&src=10.244.0.2&dst=10.96.0.10"
		"&sport=2001&dport=53&limit=5",
	};
	const char *one = "/v1/conntrack?proto=udp&src=10.244.0.2"
			  "&dst=10.96.0.10&sport=2001&dport=53";
	struct resp r;
	unsigned int i;

	ps_ct_flush(dp->ct);
	ct_filter_entries();
	for (i = 0; i < RTE_DIM(partial); i++) {
		CU_ASSERT_EQUAL_FATAL(request("DELETE", partial[i], NULL, &r),
				      0);
		CHECK(r.status == 400 && is_error(&r, "bad_request",
		      "original tuple"), "%s: %d %s", partial[i], r.status,
		      r.body);
		resp_free(&r);
	}
	CHECK(ct_count("/v1/conntrack") == 5, "a partial tuple deleted");

	CU_ASSERT_EQUAL_FATAL(request("DELETE", one, NULL, &r), 0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(r.json,
	      "deleted")) == 1 && json_integer_value(json_object_get(
	      json_object_get(json_object_get(r.json, "entry"), "original"),
	      "sport")) == 2001, "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(ct_count("/v1/conntrack") == 4 &&
	      ct_count("/v1/conntrack?sport=2001") == 0 &&
	      ct_count("/v1/conntrack?sport=2002") == 1,
	      "not exactly that one deleted");
	CU_ASSERT_EQUAL_FATAL(request("DELETE", one, NULL, &r), 0);
	CHECK(r.status == 404 && is_error(&r, "not_found", NULL), "%d %s",
	      r.status, r.body);
	resp_free(&r);
	/* the reply tuple names no connection of its own */
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/conntrack?proto=udp"
		"&src=10.244.1.7&dst=10.244.0.2&sport=5353&dport=2000", NULL,
		&r), 0);
	CHECK(r.status == 404, "reply tuple: %d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/conntrack?proto=icmp"
		"&src=10.244.0.2&dst=10.96.0.10&id=77", NULL, &r), 0);
	CHECK(r.status == 200, "ICMP: %d %s", r.status, r.body);
	resp_free(&r);
	CHECK(ct_count("/v1/conntrack") == 3, "after the ICMP delete");
	ps_ct_flush(dp->ct);
}

/* Node name's object in a /v1/stats reply, or NULL. */
static const json_t *
stats_node(const struct resp *r, const char *name)
{
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(r->json, "nodes"), i, n)
		if (strcmp(json_string_value(json_object_get(n, "name")) ?: "",
			   name) == 0)
			return n;
	return NULL;
}

static json_int_t
jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Port name's counter key in a /v1/stats reply, -1 when not there. */
static json_int_t
stats_port(const struct resp *r, const char *name, const char *key)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(r->json, "ports"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "name")) ?: "",
			   name) == 0)
			return jint(p, key);
	return -1;
}

/* Every drop of a /v1/stats reply. */
static json_int_t
stats_drops_sum(const struct resp *r)
{
	const json_t *d;
	json_int_t sum = 0;
	size_t i;

	json_array_foreach(json_object_get(r->json, "drops"), i, d)
		sum += jint(d, "packets");
	return sum;
}

/*
 * A receive node is polled on every walk: its cycles per packet are
 * those of the calls that brought packets, its empty polls idle_calls.
 */
static void
test_stats_source_idle(void)
{
	char clone[64];
	const json_t *n;
	struct resp r;
	json_int_t pk, calls, idle, cyc, idle_cyc;
	double cpp;

	snprintf(clone, sizeof(clone), "port_rx-p%d-q0",
		 ps_dataplane_port_by_name(dp, "p1"));
	expect_routed("10.244.1.9", PEER_MAC, 40);
	ps_test_node_run();
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	n = stats_node(&r, clone);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	pk = jint(n, "packets");
	calls = jint(n, "calls");
	idle = jint(n, "idle_calls");
	cyc = jint(n, "cycles");
	idle_cyc = jint(n, "idle_cycles");
	cpp = json_number_value(json_object_get(n, "cycles_per_packet"));
	/* every walk polls it: most calls bring nothing */
	CHECK(pk >= 1 && idle >= 1 && idle < calls && calls - idle <= pk,
	      "%s: %s", clone, r.body);
	CHECK(idle_cyc > 0 && idle_cyc < cyc && cpp > 0 &&
	      cpp <= (double)(cyc - idle_cyc) / (double)pk + 0.5 &&
	      cpp < (double)cyc / (double)pk, "%s: %s", clone,
	      r.body);
	/* a node called with packets only has no idle call */
	n = stats_node(&r, "ip4_lookup");
	CHECK(n != NULL && jint(n, "idle_calls") == 0 &&
	      jint(n, "idle_cycles") == 0, "ip4_lookup");
	resp_free(&r);
}

static void
test_stats_reset(void)
{
	char clone[64];
	struct resp r;
	uint8_t f[128];
	size_t len;

	snprintf(clone, sizeof(clone), "port_rx-p%d-q0",
		 ps_dataplane_port_by_name(dp, "p1"));
	/* something counted everywhere: a route, a drop */
	expect_routed("10.244.1.9", PEER_MAC, 41);
	len = ps_build_icmp_echo(f, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.1.9", 8, 9, 42, 64, 16);
	f[14] = 0x55;	/* IP version 5 */
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	CHECK(json_is_null(json_object_get(r.json, "reset")), "%s", r.body);
	CHECK(jint(stats_node(&r, "ip4_lookup"), "packets") > 0 &&
	      stats_port(&r, "up", "tx_packets") > 0 &&
	      stats_port(&r, "p1", "rx_packets") > 0 &&
	      jint(stats_node(&r, clone), "calls") > 0 &&
	      stats_drops_sum(&r) > 0, "before: %s", r.body);
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/stats/reset", NULL, &r), 0);
	CHECK(r.status == 200 && json_is_true(json_object_get(r.json,
	      "reset")), "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	CHECK(json_is_object(json_object_get(r.json, "reset")), "%s", r.body);
	CHECK(jint(stats_node(&r, "ip4_lookup"), "packets") == 0 &&
	      jint(stats_node(&r, "ip4_lookup"), "calls") == 0 &&
	      stats_port(&r, "up", "tx_packets") == 0 &&
	      stats_port(&r, "p1", "rx_packets") == 0 &&
	      stats_port(&r, "p1", "rx_bytes") == 0 &&
	      jint(stats_node(&r, clone), "packets") == 0,
	      "after the reset: %s", r.body);
	CHECK(stats_drops_sum(&r) == 0, "drops: %s", r.body);
	resp_free(&r);
	/* /metrics keeps the totals */
	CHECK(metric_value("podswitch_mbuf_pool_size") > 0, "metrics");

	/* counting goes on from zero, exactly */
	expect_routed("10.244.1.9", PEER_MAC, 43);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	CHECK(jint(stats_node(&r, "ip4_lookup"), "packets") == 1 &&
	      stats_port(&r, "up", "tx_packets") == 1 &&
	      stats_port(&r, "p1", "rx_packets") == 1 &&
	      jint(stats_node(&r, clone), "packets") == 1,
	      "one ping after the reset: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats/reset", NULL, &r), 0);
	CHECK(r.status == 405, "GET reset: %d", r.status);
	resp_free(&r);
}

/* A removed port's nodes leave /v1/stats (and /metrics). */
static void
test_stats_port_gone(void)
{
	static const char *const hot =
		"{\"name\": \"p8\", \"role\": \"pod\", \"driver\": \"ring\","
		" \"args\": {\"rx_ring\": \"p8_rx\", \"tx_ring\": \"p8_tx\"},"
		" \"pod\": {\"ip\": \"10.244.0.8\", \"mac\": \"02:00:0a:f4:00:08\"}}";
	char tx[64], rx[64];
	struct resp r;
	int pid;

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/ports", hot, &r), 0);
	CHECK(r.status == 201, "%d %s", r.status, r.body);
	resp_free(&r);
	pid = ps_dataplane_port_by_name(dp, "p8");
	CU_ASSERT_FATAL(pid >= 0);
	snprintf(tx, sizeof(tx), "port_tx-p%d", pid);
	snprintf(rx, sizeof(rx), "port_rx-p%d-q0", pid);
	ps_test_node_run();
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	CHECK(stats_node(&r, tx) != NULL && stats_node(&r, rx) != NULL,
	      "p8's nodes missing: %s", r.body);
	resp_free(&r);

	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/ports/p8", NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	ps_test_node_run();
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/stats", NULL, &r), 0);
	CHECK(stats_node(&r, tx) == NULL && stats_node(&r, rx) == NULL,
	      "p8's nodes still listed: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/metrics", NULL, &r), 0);
	snprintf(tx, sizeof(tx), "node=\"port_tx-p%d\"", pid);
	CHECK(r.status == 200 && strstr(r.body, tx) == NULL,
	      "/metrics still lists %s", tx);
	resp_free(&r);
	ps_test_drain("p8_tx");
}

/* service show's counters: every port and endpoint says what went
 * through it (the counting itself: test/packet/test_svc_stats.c). */
static void
test_service_stats_shape(void)
{
	static const char *const keys[] = {
		"connections", "inPackets", "outPackets", "inBytes",
		"outBytes",
	};
	const char *svc =
		"{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": ["
		" {\"kind\": \"Service\", \"apiVersion\": \"v1\","
		"  \"metadata\": {\"name\": \"st\", \"namespace\": \"default\"},"
		"  \"spec\": {\"clusterIP\": \"10.96.0.77\", \"ports\":"
		"   [{\"name\": \"h\", \"protocol\": \"TCP\", \"port\": 80,"
		"     \"targetPort\": 8080}]}},"
		" {\"kind\": \"EndpointSlice\","
		"  \"apiVersion\": \"discovery.k8s.io/v1\","
		"  \"addressType\": \"IPv4\", \"metadata\": {\"name\": \"st-1\","
		"   \"namespace\": \"default\", \"labels\":"
		"   {\"kubernetes.io/service-name\": \"st\"}},"
		"  \"ports\": [{\"name\": \"h\", \"port\": 8080,"
		"   \"protocol\": \"TCP\"}],"
		"  \"endpoints\": [{\"addresses\": [\"10.244.1.7\"],"
		"   \"conditions\": {\"ready\": true}}]}]}";
	const json_t *po, *ep;
	struct resp r;
	bool ok = true;
	unsigned int k;

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply", svc, &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/services/default/st", NULL,
				      &r), 0);
	po = json_array_get(json_object_get(r.json, "endpoints"), 0);
	ep = json_array_get(json_object_get(po, "endpoints"), 0);
	for (k = 0; k < RTE_DIM(keys); k++)
		ok &= json_is_integer(json_object_get(json_object_get(po,
			"stats"), keys[k])) &&
		      json_is_integer(json_object_get(json_object_get(ep,
			"stats"), keys[k]));
	CHECK(r.status == 200 && ok, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/services/default/st",
				      NULL, &r), 0);
	resp_free(&r);
}

/* Whether the JSON array not_ready of r holds s. */
static bool
not_ready_has(const struct resp *r, const char *s)
{
	const json_t *a = json_object_get(r->json, "not_ready");
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* /healthz always; /readyz once the state is back and workers walk. */
static void
test_health(void)
{
	uint64_t t0 = now_ms();
	struct resp r;

	CU_ASSERT_EQUAL_FATAL(request("GET", "/healthz", NULL, &r), 0);
	CHECK(r.status == 200 && r.body_len == 3 &&
	      memcmp(r.body, "ok\n", 3) == 0, "healthz: %d %s", r.status,
	      r.body);
	resp_free(&r);
	/* no worker walks for more than the window */
	while (now_ms() - t0 < 1200)
		ps_rest_poll(rest, 10);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/readyz", NULL, &r), 0);
	CHECK(r.status == 503 && json_is_false(json_object_get(r.json,
							      "ready")) &&
	      not_ready_has(&r, "state: not restored") &&
	      not_ready_has(&r, "workers: worker-0 not polling"),
	      "readyz before: %d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(ps_rest_state_restore(rest), 0);
	ps_test_node_run();
	CU_ASSERT_EQUAL_FATAL(request("GET", "/readyz", NULL, &r), 0);
	CHECK(r.status == 200 && json_is_true(json_object_get(r.json,
							     "ready")) &&
	      json_array_size(json_object_get(r.json, "not_ready")) == 0,
	      "readyz after: %d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("POST", "/readyz", "{}", &r), 0);
	CHECK(r.status == 405, "POST /readyz: %d", r.status);
	resp_free(&r);
}

/* One request to the read-only listener. */
static int
readonly_request(const char *method, const char *path, const char *body,
		 struct resp *r)
{
	char req[512];
	int n;

	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: podswitch\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n%s", method, path,
		     body != NULL ? strlen(body) : 0, body != NULL ? body : "");
	return raw_exchange_at(rest, metrics_path, req, (size_t)n, r);
}

/* A free loopback TCP port (bound then released), or 0. */
static unsigned int
free_tcp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned int port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* The same listener on TCP ("ip:port"): GET served, writes refused. */
static void
readonly_tcp(void)
{
	struct ps_config cfg2 = *cfg;
	struct ps_dataplane dp2 = *dp;
	struct ps_rest *srv2;
	char where[32];
	struct resp r;
	const char *get = "GET /healthz HTTP/1.1\r\n\r\n";
	const char *post = "POST /v1/routes HTTP/1.1\r\nContent-Length: 2"
			   "\r\n\r\n{}";
	const char *del = "DELETE /metrics HTTP/1.1\r\n\r\n";

	snprintf(where, sizeof(where), "127.0.0.1:%u", free_tcp_port());
	snprintf(cfg2.api_unix_socket, sizeof(cfg2.api_unix_socket),
		 "%s/api3.sock", tmp_dir);
	snprintf(cfg2.api_metrics_listen, sizeof(cfg2.api_metrics_listen),
		 "%s", where);
	dp2.cfg = &cfg2;
	srv2 = ps_rest_create(&dp2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv2);
	CU_ASSERT_EQUAL_FATAL(raw_exchange_at(srv2, where, get, strlen(get),
					      &r), 0);
	CHECK(r.status == 200 && strcmp(r.body, "ok\n") == 0, "%d %s",
	      r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(raw_exchange_at(srv2, where, post, strlen(post),
					      &r), 0);
	CHECK(r.status == 404, "TCP POST /v1/routes: %d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(raw_exchange_at(srv2, where, del, strlen(del),
					      &r), 0);
	CHECK(r.status == 405, "TCP DELETE /metrics: %d %s", r.status, r.body);
	resp_free(&r);
	ps_rest_free(srv2);
}

/* api.metrics_listen serves GET of three paths and refuses the rest. */
static void
test_readonly_listener(void)
{
	static const struct {
		const char *method, *path, *body;
		int status;
	} cases[] = {
		{ "GET", "/metrics", NULL, 200 },
		{ "HEAD", "/metrics", NULL, 200 },
		{ "GET", "/healthz", NULL, 200 },
		{ "POST", "/metrics", "{}", 405 },
		{ "PUT", "/healthz", "{}", 405 },
		{ "DELETE", "/readyz", NULL, 405 },
		{ "GET", "/v1/routes", NULL, 404 },
		{ "GET", "/v1/status", NULL, 404 },
		{ "POST", "/v1/routes",
		  "{\"dst\": \"10.244.9.0/24\", \"gateway\": \"192.168.60.11\"}",
		  404 },
		{ "DELETE", "/v1/routes/10.244.1.0_24", NULL, 404 },
		{ "DELETE", "/v1/conntrack", NULL, 404 },
		{ "PUT", "/v1/log", "{\"level\": \"debug\"}", 404 },
	};
	struct resp r;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		CU_ASSERT_EQUAL_FATAL(readonly_request(cases[i].method,
						       cases[i].path,
						       cases[i].body, &r), 0);
		CHECK(r.status == cases[i].status, "%s %s: %d %s",
		      cases[i].method, cases[i].path, r.status, r.body);
		if (cases[i].status == 405)
			CHECK(header_has(&r, "Allow", "GET, HEAD"), "%s %s: %s",
			      cases[i].method, cases[i].path, r.head);
		if (i == 0)
			CHECK(strstr(r.body, "podswitch_workers ") != NULL,
			      "metrics: %.200s", r.body);
		resp_free(&r);
	}
	/* the refused POST added no route */
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/routes", NULL, &r), 0);
	CHECK(r.status == 200 && find_route(r.json, "10.244.9.0/24") == NULL,
	      "%d %s", r.status, r.body);
	resp_free(&r);
	readonly_tcp();
}

/* PUT /v1/log changes the level of every podswitch.* type; bad: 400. */
static void
test_log_level(void)
{
	static const char *const bad[] = {
		"{\"level\": \"verbose\"}", "{\"level\": \"DEBUG\"}",
		"{\"level\": 7}", "{\"level\": \"critical\"}", "{}",
		"{\"level\": \"info\", \"extra\": 1}", "[\"info\"]",
	};
	struct resp r;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/log",
				      "{\"level\": \"debug\"}", &r), 0);
	CHECK(r.status == 200 && strcmp(json_string_value(json_object_get(
		r.json, "level")), "debug") == 0, "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(rte_log_get_level(ps_logtype_route) == RTE_LOG_DEBUG &&
	      rte_log_get_level(ps_logtype_dp) == RTE_LOG_DEBUG &&
	      rte_log_get_global_level() == RTE_LOG_DEBUG, "not debug");
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/log",
				      "{\"level\": \"warning\"}", &r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(rte_log_get_level(ps_logtype_route) == RTE_LOG_WARNING &&
	      rte_log_get_global_level() == RTE_LOG_WARNING, "not warning");
	for (i = 0; i < RTE_DIM(bad); i++) {
		CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/log", bad[i], &r), 0);
		CHECK(r.status == 400 && is_error(&r, "bad_request", NULL),
		      "%s: %d %s", bad[i], r.status, r.body);
		resp_free(&r);
	}
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/log", NULL, &r), 0);
	CHECK(r.status == 200 && strcmp(json_string_value(json_object_get(
		r.json, "level")), "warning") == 0 &&
	      strcmp(json_string_value(json_object_get(r.json, "global")),
		     "warning") == 0, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/log",
				      "{\"level\": \"info\"}", &r), 0);
	CHECK(r.status == 200 && rte_log_get_level(ps_logtype_route) ==
	      RTE_LOG_INFO, "%d %s", r.status, r.body);
	resp_free(&r);
}

static int
suite_init(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/ps-rest-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", tmp_dir);
	snprintf(metrics_path, sizeof(metrics_path), "%s/metrics.sock",
		 tmp_dir);
	snprintf(config, sizeof(config),
		"{ \"node\": { \"name\": \"tr\", \"ip\": \"192.168.60.10/24\","
		"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
		"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\" },"
		"  \"ports\": ["
		PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
		PS_RING_PORT("p2", "pod", "") ","
		PS_RING_PORT("up", "uplink", "") " ],"
		"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" } ],"
		"  \"neighbors\": ["
		"    { \"ip\": \"192.168.60.11\", \"mac\": \"" PEER_MAC "\", \"dev\": \"up\" },"
		"    { \"ip\": \"192.168.60.12\", \"mac\": \"" PEER2_MAC "\", \"dev\": \"up\" } ],"
		"  \"tables\": { \"routes\": 16, \"fdb\": 64, \"neighbors\": 64 },"
		"  \"api\": { \"unix_socket\": \"%s\","
		"    \"metrics_listen\": \"%s\" } }", sock_path, metrics_path);
	if (ps_test_node_start(config, 4) != 0)
		return -1;
	rest = ps_rest_create(dp);
	if (rest == NULL)
		return -1;
	ps_test_node.pool_base = rte_mempool_in_use_count(dp->pool);
	return 0;
}

static int
suite_fini(void)
{
	ps_test_node_drain();
	ps_rest_free(rest);
	if (access(sock_path, F_OK) == 0 || access(metrics_path, F_OK) == 0) {
		fprintf(stderr, "socket %s not unlinked\n", sock_path);
		return -1;
	}
	ps_test_node_stop();
	rmdir(tmp_dir);
	return 0;
}

#define NS_X "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":" \
	"{\"name\":\"x\",\"labels\":{\"team\":\"a\"}}}"
#define POD_A "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":"	\
	"{\"namespace\":\"x\",\"name\":\"a\",\"labels\":{\"app\":\"a\"}},"	\
	"\"spec\":{\"nodeName\":\"t\",\"containers\":[{\"name\":\"c\","	\
	"\"ports\":[{\"name\":\"http\",\"containerPort\":80}]}]},"	\
	"\"status\":{\"podIP\":\"10.244.0.2\"}}"
#define NP_A(name, port)						\
	"{\"kind\":\"NetworkPolicy\",\"apiVersion\":"			\
	"\"networking.k8s.io/v1\",\"metadata\":{\"namespace\":\"x\","	\
	"\"name\":\"" name "\"},\"spec\":{\"podSelector\":{\"matchLabels\":" \
	"{\"app\":\"a\"}},\"ingress\":[{\"from\":[{\"podSelector\":{}}],"	\
	"\"ports\":[" port "]}]}}"

static json_int_t
policy_stat(const char *key)
{
	struct resp r;
	json_int_t v = -1;

	if (request("GET", "/v1/stats", NULL, &r) == 0)
		v = json_integer_value(json_object_get(json_object_get(r.json,
			"policy"), key));
	resp_free(&r);
	return v;
}

/* A change within 20 ms of the last compile is compiled by a later
 * management pass: wait for it (2 s at most). */
static bool
policies_compiled(void)
{
	uint64_t deadline = now_ms() + 2000;

	while (policy_stat("compiled_generation") !=
	       policy_stat("generation")) {
		if (now_ms() > deadline)
			return false;
		ps_test_node_run();
	}
	return true;
}

/* Namespaces, Pods and NetworkPolicies: apply (dispatched to the policy
 * module, all or nothing), PUT and DELETE per object, GET policies. */
static void
test_apply_policies(void)
{
	struct resp r;
	char *before;

	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"List\",\"items\":[" NS_X "," POD_A ","
		NP_A("np", "{\"port\":\"http\"},{\"protocol\":\"SCTP\","
		"\"port\":9}") "," SVC_JSON("np-svc", "10.96.0.45", "80")
		"]}", &r), 0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(r.json,
	      "namespaces")) == 1 && json_integer_value(json_object_get(
	      r.json, "pods")) == 1 && json_integer_value(json_object_get(
	      r.json, "networkPolicies")) == 1 && json_integer_value(
	      json_object_get(r.json, "services")) == 1 &&
	      skipped_has(&r, "NetworkPolicy", "np", "SCTP") &&
	      json_array_size(json_object_get(r.json, "skipped")) == 1,
	      "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/policies", NULL, &r), 0);
	CHECK(r.status == 200 && json_array_size(r.json) == 1 &&
	      json_integer_value(json_object_get(json_array_get(r.json, 0),
	      "selectedPods")) == 1 && json_array_size(json_object_get(
	      json_array_get(r.json, 0), "rules")) == 1, "%d %s", r.status,
	      r.body);
	resp_free(&r);
	CHECK(policy_stat("isolated_pods") == 1 && policy_stat("pods") == 1,
	      "policy stats");

	/* one malformed object: nothing of the List is taken */
	before = get_text("/v1/policies");
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"namespace\":"
		"\"x\",\"name\":\"b\"},\"status\":{\"podIP\":\"10.244.0.3\"}},"
		"{\"metadata\":{\"namespace\":\"x\",\"name\":\"c\"},\"status\":"
		"{\"podIP\":\"10.244.0.300\"}}]}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request",
	      "items[1]: status.podIP"), "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(policy_stat("pods") == 1, "a pod of a refused List was taken");
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/apply",
		"{\"kind\":\"List\",\"items\":[" NP_A("np2",
		"{\"port\":80,\"endPort\":70}") "]}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request",
	      "items[0]: spec.ingress[0].ports[0].endPort"), "%d %s",
	      r.status, r.body);
	resp_free(&r);
	CHECK(unchanged_since("/v1/policies", before), "policies changed");

	/* per object */
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/networkpolicies/x/p2",
		"{\"spec\":{\"podSelector\":{},\"policyTypes\":[\"Egress\"]}}",
		&r), 0);
	CHECK(r.status == 200, "%d %s", r.status, r.body);
	resp_free(&r);
	/* selectedPods is the compiled generation's */
	CHECK(policies_compiled(), "p2 not compiled");
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/policies/x/p2", NULL, &r),
			      0);
	CHECK(r.status == 200 && json_integer_value(json_object_get(r.json,
	      "selectedPods")) == 1, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("PUT", "/v1/pods/x/a",
		"{\"metadata\":{\"name\":\"other\"}}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, "bad_request", "the path"),
	      "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/networkpolicies/x/p2",
				      NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/networkpolicies/x/p2",
				      NULL, &r), 0);
	CHECK(r.status == 404, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/policies/x/p2", NULL, &r),
			      0);
	CHECK(r.status == 404, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/pods/x/a", NULL, &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	CHECK(policies_compiled() && policy_stat("isolated_pods") == 0,
	      "pod a still isolated");
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/policies/x/np", NULL,
				      &r), 0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/namespaces/x", NULL, &r),
			      0);
	CHECK(r.status == 204, "%d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/services/default/np-svc", NULL,
				      &r), 0);
	resp_free(&r);
}

/* /v1/trace: what a session takes, a traced ping's path, stop, clear. */
static const char *const bad_traces[][3] = {
	{ "[1]", "400", "object" },
	{ "{\"count\": 0}", "400", "$.count" },
	{ "{\"count\": 1001}", "400", "$.count" },
	{ "{\"count\": \"3\"}", "400", "$.count" },
	{ "{\"port\": 3}", "400", "$.port" },
	{ "{\"port\": \"nope\"}", "404", "nope" },
	{ "{\"filter\": \"\"}", "400", "$.filter" },
	{ "{\"count\": 1, \"bogus\": 1}", "400", "$.bogus" },
};

static const json_t *
trace_node(const json_t *pkt, const char *name)
{
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(pkt, "nodes"), i, n)
		if (strncmp(jget(n, "node"), name, strlen(name)) == 0)
			return n;
	return NULL;
}

static const char *
trace_field(const json_t *node, const char *key)
{
	return json_string_value(json_object_get(json_object_get(node,
								 "fields"),
						 key)) ?: "";
}

static void
test_trace_api(void)
{
	const json_t *pk, *n;
	struct resp r;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad_traces); i++) {
		CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/trace",
					      bad_traces[i][0], &r), 0);
		CHECK(r.status == atoi(bad_traces[i][1]) &&
		      is_error(&r, NULL, bad_traces[i][2]),
		      "%s: %d %s", bad_traces[i][0], r.status, r.body);
		resp_free(&r);
	}
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/trace", NULL, &r), 0);
	CHECK(r.status == 200 &&
	      json_is_false(json_object_get(r.json, "armed")) &&
	      json_array_size(json_object_get(r.json, "packets")) == 0,
	      "nothing armed: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/trace",
				      "{\"count\": 1, \"port\": \"p1\"}", &r), 0);
	CHECK(r.status == 201, "start: %d %s", r.status, r.body);
	resp_free(&r);
	expect_routed("10.244.1.5", PEER_MAC, 31);
	expect_routed("10.244.1.5", PEER_MAC, 32);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/trace", NULL, &r), 0);
	CHECK(r.status == 200, "GET: %d", r.status);
	pk = json_array_get(json_object_get(r.json, "packets"), 0);
	CHECK(json_is_true(json_object_get(r.json, "armed")) &&
	      json_integer_value(json_object_get(r.json, "marked")) == 1 &&
	      json_array_size(json_object_get(r.json, "packets")) == 1 &&
	      strcmp(jget(pk, "port"), "p1") == 0 &&
	      json_integer_value(json_object_get(pk, "seq")) == 1,
	      "one packet from p1: %s", r.body);
	n = trace_node(pk, "ip4_lookup");
	CHECK(n != NULL && strcmp(trace_field(n, "route"),
				  "10.244.1.0/24") == 0 &&
	      strcmp(trace_field(n, "next_hop"), "192.168.60.11") == 0 &&
	      strcmp(jget(n, "next"), "ip4_rewrite") == 0 &&
	      strstr(jget(n, "text"), "route=10.244.1.0/24") != NULL,
	      "ip4_lookup: %s", r.body);
	n = trace_node(pk, "ip4_rewrite");
	CHECK(n != NULL && strcmp(trace_field(n, "mac"), PEER_MAC) == 0 &&
	      strcmp(trace_field(n, "ttl"), "63") == 0, "rewrite: %s",
	      r.body);
	n = trace_node(pk, "port_tx-");
	CHECK(n != NULL && strcmp(trace_field(n, "port"), "up") == 0 &&
	      json_is_null(json_object_get(n, "next")), "port_tx: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/trace", NULL, &r), 0);
	CHECK(r.status == 204,
	      "stop: %d", r.status);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/trace", NULL, &r), 0);
	CHECK(json_is_false(json_object_get(r.json, "armed")) &&
	      json_array_size(json_object_get(r.json, "packets")) == 1,
	      "stopped, records kept: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/trace/records", NULL,
				      &r), 0);
	CHECK(r.status == 204, "clear: %d", r.status);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/trace", NULL, &r), 0);
	CHECK(json_array_size(json_object_get(r.json, "packets")) == 0,
	      "cleared: %s", r.body);
	resp_free(&r);
	/* -f: tcpdump's language, libpcap's reason when it is not */
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/trace",
				      "{\"filter\": \"icmp\"}", &r), 0);
	CHECK(r.status == 201, "filter: %d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("POST", "/v1/trace",
				      "{\"filter\": \"tcp port\"}", &r), 0);
	CHECK(r.status == 400 && is_error(&r, NULL, "filter 'tcp port'"),
	      "bad filter: %d %s", r.status, r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("GET", "/v1/trace", NULL, &r), 0);
	CHECK(strcmp(jget(r.json, "filter"), "icmp") == 0 &&
	      json_is_true(json_object_get(r.json, "armed")),
	      "the refused filter changed the session: %s", r.body);
	resp_free(&r);
	CU_ASSERT_EQUAL_FATAL(request("DELETE", "/v1/trace", NULL, &r), 0);
	resp_free(&r);
}

static const struct ps_test tests[] = {
	{ "GET /v1/status", test_status },
	{ "GET /healthz and /readyz", test_health },
	{ "api.metrics_listen is read-only", test_readonly_listener },
	{ "GET and PUT /v1/log", test_log_level },
	{ "GET /v1/routes: connected, static", test_routes_list },
	{ "GET /v1/routes/lookup: route, next hop, neighbor",
	  test_route_lookup },
	{ "POST and DELETE a route, traffic follows",
	  test_route_add_del_traffic },
	{ "malformed requests change nothing", test_malformed },
	{ "PUT /v1/routes replaces atomically", test_routes_replace },
	{ "table full: 507", test_table_full },
	{ "GET /v1/fdb and /v1/neighbors", test_fdb_neighbors },
	{ "GET, POST and DELETE /v1/ports", test_ports },
	{ "GET /v1/ports/NAME: one port", test_port_show },
	{ "GET /v1/stats", test_stats },
	{ "mbufs in /v1/stats and /metrics", test_stats_mbufs },
	{ "services: apply, list, put, delete, endpoints", test_services },
	{ "PUT /v1/services replaces the set", test_services_replace },
	{ "POST /v1/apply skips what is not served", test_apply_skips },
	{ "namespaces, pods, networkpolicies: apply, put, delete",
	  test_apply_policies },
	{ "GET and DELETE /v1/conntrack", test_conntrack_api },
	{ "GET /v1/conntrack filters", test_conntrack_filters },
	{ "DELETE /v1/conntrack of one tuple", test_conntrack_delete_one },
	{ "stats: source nodes' idle polls", test_stats_source_idle },
	{ "POST /v1/stats/reset", test_stats_reset },
	{ "stats: a removed port's nodes leave", test_stats_port_gone },
	{ "service show: traffic counters", test_service_stats_shape },
	{ "GET /metrics (Prometheus 0.0.4)", test_metrics },
	{ "404 and 405 with Allow", test_not_found_and_methods },
	{ "VXLAN routes, counters", test_vxlan_routes },
	{ "token, group, socket mode", test_token_and_socket },
	{ "POST, GET and DELETE /v1/trace", test_trace_api },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("rest", suite_init, suite_fini, tests))
