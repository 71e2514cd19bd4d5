/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the trace (include/podswitch/trace.h): crafted frames
 * through the real graph; a session marks what it should and nothing
 * else, each node a marked packet crosses leaves a record that says what
 * it decided, an unmarked packet leaves none, and the worker's ring
 * wraps without a torn record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_graph.h>
#include <rte_tcp.h>

#include <podswitch/port.h>
#include <podswitch/trace.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* pod 10.244.0.2 on p1 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11 */

static const char *const config =
	"{ \"node\": { \"name\": \"t7\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" } ],"
	"  \"neighbors\": ["
	"    { \"ip\": \"192.168.60.11\", \"mac\": \"" PEER_MAC "\", \"dev\": \"up\" } ],"
	"  \"tables\": { \"conntrack\": 512, \"services\": 16, \"endpoints\": 64 } }";

/* remote 10.96.0.11:80/TCP -> 10.244.1.5:8080 on node B */
static const char *const services =
	"{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":["
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
	"\"remote\",\"namespace\":\"default\"},\"spec\":{\"type\":\"ClusterIP\","
	"\"clusterIP\":\"10.96.0.11\",\"ports\":[{\"name\":\"p\",\"protocol\":"
	"\"TCP\",\"port\":80,\"targetPort\":\"p\"}]}},"
	"{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
	"\"addressType\":\"IPv4\",\"metadata\":{\"name\":\"remote-1\","
	"\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":"
	"\"remote\"}},\"ports\":[{\"name\":\"p\",\"port\":8080,\"protocol\":"
	"\"TCP\"}],\"endpoints\":[{\"addresses\":[\"10.244.1.5\"],\"nodeName\":"
	"\"b\",\"conditions\":{\"ready\":true,\"serving\":true,"
	"\"terminating\":false}}]}]}";

static struct ps_dataplane *const dp = &ps_test_node.dp;
static struct ps_trace_rec recs[PS_TRACE_RING];

static int
setup(void)
{
	if (ps_test_node_start(config, 4) != 0)
		return -1;
	return ps_test_node_apply(services);
}

static unsigned int
snapshot(void)
{
	return ps_trace_snapshot(0, recs, PS_TRACE_RING);
}

static int
start(uint32_t count, const char *port)
{
	struct ps_trace_params p = { .count = count, .port = -1 };
	char err[256] = "";
	int rc;

	if (port != NULL)
		p.port = ps_dataplane_port_by_name(dp, port);
	rc = ps_trace_start(dp, &p, err, sizeof(err));
	CHECK(rc == 0, "start: %d %s", rc, err);
	return rc;
}

/* The record of node name (a prefix for clones) of packet seq, or NULL. */
static const struct ps_trace_rec *
find(unsigned int n, uint32_t seq, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (recs[i].seq == seq &&
		    strncmp(rte_node_id_to_name(recs[i].node), name,
			    strlen(name)) == 0)
			return &recs[i];
	return NULL;
}

static bool
says(const struct ps_trace_rec *r, const char *what)
{
	if (r == NULL)
		return false;
	if (strstr(r->text, what) == NULL) {
		fprintf(stderr, "%s: '%s' lacks '%s'\n",
			rte_node_id_to_name(r->node), r->text, what);
		return false;
	}
	return true;
}

static const char *
next_of(const struct ps_trace_rec *r)
{
	return r == NULL || r->next == RTE_NODE_ID_INVALID ? "" :
	       rte_node_id_to_name(r->next);
}

static void
dump(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "  #%u %s -> %s: %s\n", recs[i].seq,
			rte_node_id_to_name(recs[i].node), next_of(&recs[i]),
			recs[i].text);
}

/* Nothing armed: packets leave no record. */
static void
test_idle_records_nothing(void)
{
	uint8_t in[128], exp[128];
	size_t len;

	ps_trace_stop(dp);
	ps_trace_clear();
	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.1.5", 8, 7, 1, 64, 16);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, PEER_MAC, NODE_MAC);
	ps_test_expect_one("up_tx", exp, len);
	CHECK(snapshot() == 0, "records while idle");
	ps_test_node_expect_no_leak();
}

/*
 * A SYN to a ClusterIP whose endpoint is on node B: one record per node
 * in path order, with the connection, the endpoint and the rewrite; the
 * second SYN (count 1) goes through unmarked and unchanged.
 */
static void
test_syn_to_service(void)
{
	struct ps_l4 f = ps_tcp("10.244.0.2", 40000, "10.96.0.11", 80,
				RTE_TCP_SYN_FLAG, 1000, 0, 0);
	static const char *const path[] = {
		"port_rx-", "eth_input", "ip4_input", "service_lb",
		"policy", "ip4_lookup", "ip4_rewrite", "port_tx-",
	};
	const struct ps_trace_rec *r, *lb;
	struct rte_mbuf *out[4];
	uint8_t in[128];
	unsigned int n, i, got;
	size_t len;

	if (start(1, "p1") != 0)
		return;
	len = ps_build_l4(in, NODE_MAC, P1_MAC, &f);
	ps_test_node_inject("p1_rx", in, len);
	f.sport = 40001;
	len = ps_build_l4(in, NODE_MAC, P1_MAC, &f);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	got = ps_test_collect("up_tx", out, RTE_DIM(out));
	CHECK(got == 2, "%u SYNs out", got);
	for (i = 0; i < got; i++) {
		CHECK((out[i]->ol_flags & ps_trace_flag) == 0,
		      "a packet left marked");
		rte_pktmbuf_free(out[i]);
	}
	n = snapshot();
	CHECK(n == RTE_DIM(path), "%u records, not %zu", n, RTE_DIM(path));
	for (i = 0; i < n; i++)
		CHECK(recs[i].seq == 1, "record of packet %u", recs[i].seq);
	for (i = 0; i < RTE_DIM(path) && i < n; i++)
		CHECK(strncmp(rte_node_id_to_name(recs[i].node), path[i],
			      strlen(path[i])) == 0, "step %u is %s, not %s",
		      i, rte_node_id_to_name(recs[i].node), path[i]);
	/* each step names the node the next record is from */
	for (i = 0; i + 1 < n; i++)
		CHECK(recs[i].next == recs[i + 1].node, "%s -> %s, then %s",
		      rte_node_id_to_name(recs[i].node), next_of(&recs[i]),
		      rte_node_id_to_name(recs[i + 1].node));
	r = find(n, 1, "port_rx-");
	CHECK(says(r, "port=p1") && says(r, "len=54"), "port_rx");
	CHECK(says(find(n, 1, "eth_input"), "ethertype=0x0800"), "eth_input");
	CHECK(says(find(n, 1, "ip4_input"), "dst=10.96.0.11 proto=6 ttl=64"),
	      "ip4_input");
	lb = find(n, 1, "service_lb");
	CHECK(says(lb, "action=new ") && says(lb, "svc=default/remote:p"),
	      "service_lb");
	CHECK(says(lb, "ct=6/10.244.0.2:40000>10.96.0.11:80") &&
	      says(lb, "state=SYN_SENT") && says(lb, "endpoint=10.244.1.5:8080") &&
	      says(lb, "why=new") &&
	      says(lb, "before=10.244.0.2:40000>10.96.0.11:80") &&
	      says(lb, "after=10.244.0.2:40000>10.244.1.5:8080"), "service_lb");
	CHECK(says(find(n, 1, "ip4_lookup"), "dst=10.244.1.5 nh_type=gateway "
		   "next_hop=192.168.60.11 out_port=up"), "ip4_lookup");
	CHECK(says(find(n, 1, "ip4_rewrite"), "next_hop=192.168.60.11 "
		   "mac=02:00:c0:a8:3c:0b out_port=up ttl=63"), "ip4_rewrite");
	r = find(n, 1, "port_tx-");
	CHECK(says(r, "port=up") && r->next == RTE_NODE_ID_INVALID, "port_tx");
	for (i = 1; i < n; i++)
		CHECK(recs[i].tsc >= recs[i - 1].tsc, "time goes back");
	if (n != RTE_DIM(path))
		dump(n);
	ps_trace_stop(dp);
	ps_test_node_expect_no_leak();
}

/* A dropped packet's last record is the drop node, which names why;
 * a packet on another port than the session's is not marked. */
static void
test_drop_reason_and_port(void)
{
	static const uint8_t v6[40] = { 0x60 };
	uint8_t in[128];
	const struct ps_trace_rec *r;
	struct ps_trace_status st;
	unsigned int n;
	size_t len;

	if (start(2, "up") != 0)
		return;
	/* IPv6 to our MAC: eth_input drops it, not_ip */
	len = ps_build_eth(in, NODE_MAC, PEER_MAC, 0x86dd, v6, sizeof(v6));
	ps_test_node_inject("p1_rx", in, len);	/* not the traced port */
	ps_test_node_inject("up_rx", in, len);
	ps_test_node_run();
	n = snapshot();
	r = find(n, 1, "eth_input.drop.not_ip");
	CHECK(r != NULL && says(r, "drop=eth_input.drop.not_ip"),
	      "no drop record");
	r = find(n, 1, "port_rx-");
	CHECK(says(r, "port=up"), "the p1 frame was marked");
	CHECK(says(find(n, 1, "eth_input"), "ethertype=0x86dd"), "eth_input");
	CHECK(find(n, 2, "port_rx-") == NULL, "a second packet marked");
	ps_trace_status(&st);
	CHECK(st.armed && st.marked == 1 && st.count == 2, "status %d %u %u",
	      st.armed, st.marked, st.count);
	ps_test_node_expect_no_leak();
}

/* -c N: after N packets nothing more is marked, the rest pass as ever. */
static void
test_count_stops(void)
{
	uint8_t in[128], exp[128];
	struct ps_trace_status st;
	unsigned int n, i;
	size_t len;

	if (start(3, NULL) != 0)
		return;
	for (i = 0; i < 6; i++) {
		len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
					 "10.244.1.5", 8, 7, (uint16_t)i, 64,
					 16);
		ps_test_node_inject("p1_rx", in, len);
		ps_test_node_run();
		ps_build_forwarded(exp, in, len, PEER_MAC, NODE_MAC);
		ps_test_expect_one("up_tx", exp, len);
	}
	n = snapshot();
	for (i = 0; i < n; i++)
		CHECK(recs[i].seq >= 1 && recs[i].seq <= 3, "packet %u traced",
		      recs[i].seq);
	for (i = 1; i <= 3; i++)
		CHECK(find(n, i, "port_tx-") != NULL, "packet %u has no end",
		      i);
	ps_trace_status(&st);
	CHECK(st.marked == 3, "%u marked", st.marked);
	ps_trace_clear();
	CHECK(snapshot() == 0, "records after clear");
	ps_trace_stop(dp);
	ps_test_node_expect_no_leak();
}

/* More records than the ring holds: the newest come back, whole, in
 * order. */
static void
test_ring_wraps(void)
{
	struct ps_trace_params p = { .count = 0, .port = -1, .log = true };
	uint8_t in[128];
	unsigned int i, n, sent = 0;
	char err[256];
	size_t len;

	CHECK(ps_trace_start(dp, &p, err, sizeof(err)) == 0, "%s", err);
	/* 7 records a packet */
	for (i = 0; i < PS_TRACE_RING / 7 + 64; i++) {
		len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
					 "10.244.1.5", 8, 9, (uint16_t)i, 64,
					 16);
		ps_test_node_inject("p1_rx", in, len);
		if (++sent % 32 == 0 || i + 1 == PS_TRACE_RING / 7 + 64) {
			ps_test_node_run();
			ps_test_node_drain();
		}
	}
	n = snapshot();
	/* the oldest slot may be the one the worker writes next: left out */
	CHECK(n == PS_TRACE_RING - 1, "%u records", n);
	for (i = 1; i < n; i++)
		CHECK(recs[i].tsc >= recs[i - 1].tsc &&
		      recs[i].text[0] != '\0' && recs[i].seq <= sent,
		      "record %u: seq %u after %u", i, recs[i].seq,
		      recs[i - 1].seq);
	CHECK(find(n, sent, "port_tx-") != NULL, "last packet %u", sent);
	CHECK(find(n, 1, "port_rx-") == NULL, "first packet still there");
	ps_trace_stop(dp);
	ps_trace_clear();
	ps_test_node_expect_no_leak();
}

/* -f: only what the expression matches is marked; a bad one is refused
 * with libpcap's reason. */
static void
test_filter(void)
{
	struct ps_trace_params p = { .count = 1, .port = -1,
				     .filter = "udp dst port 53" };
	struct ps_l4 f = ps_udp("10.244.0.2", 40000, "10.244.1.5", 53, 8);
	uint8_t in[128];
	unsigned int n;
	char err[256];
	size_t len;

	CHECK(ps_trace_start(dp, &p, err, sizeof(err)) == 0, "%s", err);
	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.1.5", 8, 7, 1, 64, 16);
	ps_test_node_inject("p1_rx", in, len);
	f.dport = 54;
	len = ps_build_l4(in, NODE_MAC, P1_MAC, &f);
	ps_test_node_inject("p1_rx", in, len);
	f.dport = 53;
	len = ps_build_l4(in, NODE_MAC, P1_MAC, &f);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_test_node_drain();
	n = snapshot();
	CHECK(says(find(n, 1, "ip4_input"), "proto=17"), "not the UDP one");
	CHECK(says(find(n, 1, "port_rx-"), "len=50"), "not the UDP one");
	CHECK(find(n, 2, "port_rx-") == NULL, "a second packet marked");
	p.filter = "udp dst port";
	CHECK(ps_trace_start(dp, &p, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "filter 'udp dst port'") != NULL, "bad: %s", err);
	ps_trace_stop(dp);
	ps_test_node_expect_no_leak();
}

/* Bad sessions are refused and leave the current one as it was. */
static void
test_refused(void)
{
	struct ps_trace_params p = { .count = PS_TRACE_COUNT_MAX + 1,
				     .port = -1 };
	char err[256];

	CHECK(ps_trace_start(dp, &p, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "count") != NULL, "count: %s", err);
	p.count = 0;
	CHECK(ps_trace_start(dp, &p, err, sizeof(err)) == -EINVAL,
	      "unlimited without --trace");
	p.count = 1;
	p.port = PS_MAX_PORTS - 1;
	CHECK(ps_trace_start(dp, &p, err, sizeof(err)) == -EINVAL &&
	      strstr(err, "port") != NULL, "port: %s", err);
}

static int
teardown(void)
{
	ps_trace_stop(dp);
	return ps_test_node_stop();
}

static const struct ps_test tests[] = {
	{ "idle: no record", test_idle_records_nothing },
	{ "SYN to a ClusterIP: every node's record", test_syn_to_service },
	{ "drop reason, port of the session", test_drop_reason_and_port },
	{ "count stops marking", test_count_stops },
	{ "the ring wraps whole", test_ring_wraps },
	{ "bad sessions refused", test_refused },
	{ "-f: only what matches", test_filter },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("trace", setup, teardown, tests))
