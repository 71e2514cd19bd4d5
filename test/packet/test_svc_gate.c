/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the service gate (svc_gate.h): transit traffic skips
 * service_lb and its fragment tracking, while frontends, replies of
 * translated connections and what those hold are counted in the gate's
 * filters exactly as long as they exist.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <podswitch/cfilter.h>
#include <podswitch/conntrack.h>
#include <podswitch/graph.h>

#include "service_dp.h"
#include "svc_frag.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P2_MAC "02:00:0a:f4:00:03"
#define P3_MAC "02:00:0a:f4:00:04"
#define P1 "10.244.0.2"
#define P2 "10.244.0.3"
#define P3 "10.244.0.4"
#define VIP "10.96.0.13"
#define EXT_IP "203.0.113.7"

static const char *const config =
	"{ \"node\": { \"name\": \"t7\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
	PS_RING_PORT("p2", "pod", PS_POD("10.244.0.3", P2_MAC)) ","
	PS_RING_PORT("p3", "pod", PS_POD("10.244.0.4", P3_MAC)) ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"routes\": [ { \"dst\": \"0.0.0.0/0\", \"gateway\": \"192.168.60.1\" } ],"
	"  \"neighbors\": [ { \"ip\": \"192.168.60.1\","
	"    \"mac\": \"02:00:c0:a8:3c:01\", \"dev\": \"up\" } ],"
	"  \"tables\": { \"routes\": 1024, \"conntrack\": 512, \"services\": 64,"
	"              \"endpoints\": 256 } }";

/* dns: a ClusterIP (in the service CIDR: not counted) -> P3:5353;
 * web: NodePort 30080 and an external IP -> P3:8080. */
#define SVC_DNS								\
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'dns',"	\
	"'namespace':'default'},'spec':{'clusterIP':'" VIP "','ports':"	\
	"[{'name':'p','protocol':'UDP','port':53,'targetPort':5353}]}},"	\
	"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"	\
	"'addressType':'IPv4','metadata':{'name':'dns-1','namespace':"	\
	"'default','labels':{'kubernetes.io/service-name':'dns'}},"	\
	"'ports':[{'name':'p','port':5353,'protocol':'UDP'}],"		\
	"'endpoints':[{'addresses':['" P3 "'],'nodeName':'t7'}]}"
#define SVC_WEB(ext)							\
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'web',"	\
	"'namespace':'default'},'spec':{'type':'NodePort','clusterIP':"	\
	"'10.96.0.20','externalIPs':[" ext "],'ports':[{'name':'p',"	\
	"'protocol':'TCP','port':80,'nodePort':30080,'targetPort':8080}]}},"\
	"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"	\
	"'addressType':'IPv4','metadata':{'name':'web-1','namespace':"	\
	"'default','labels':{'kubernetes.io/service-name':'web'}},"	\
	"'ports':[{'name':'p','port':8080,'protocol':'TCP'}],"		\
	"'endpoints':[{'addresses':['" P3 "'],'nodeName':'t7'}]}"

static struct ps_dataplane *const dp = &ps_test_node.dp;

static int
apply(const char *text)
{
	char *buf = strdup(text), *c;
	int rc;

	if (buf == NULL)
		return -1;
	for (c = buf; *c; c++)
		if (*c == '\'')
			*c = '"';
	rc = ps_test_node_apply(buf);
	free(buf);
	return rc;
}

static int
setup(void)
{
	if (ps_test_node_start(config, 4) != 0 ||
	    apply("{'kind':'List','apiVersion':'v1','items':[" SVC_DNS ","
		  SVC_WEB("'" EXT_IP "'") "]}") != 0)
		return -1;
	ps_graph_trace = getenv("PS_TRACE") != NULL;
	ps_test_node.pool_base = rte_mempool_in_use_count(dp->pool);
	return 0;
}

static uint64_t
keys_of(const struct ps_cfilter *f)
{
	struct ps_cfilter_stats st;

	ps_cfilter_stats(f, &st);
	CU_ASSERT_EQUAL(st.stuck, 0);
	return st.keys;
}

#define BIG 4000
#define MAX_FRAGS 4

struct frags {
	uint8_t f[MAX_FRAGS][1600];
	size_t len[MAX_FRAGS];
	unsigned int n;
};

/* frame cut at 1500 bytes of IP, as Linux does (test_fragments.c) */
static void
cut(const uint8_t *frame, size_t len, uint16_t id, struct frags *out)
{
	size_t pay = len - RTE_ETHER_HDR_LEN - sizeof(struct rte_ipv4_hdr);
	size_t step = 1480, off;

	out->n = 0;
	for (off = 0; off < pay; off += step) {
		size_t l = RTE_MIN(step, pay - off);
		uint8_t *f = out->f[out->n];
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f +
			RTE_ETHER_HDR_LEN);
		uint16_t fo = (uint16_t)(off / 8);

		CU_ASSERT_FATAL(out->n < MAX_FRAGS);
		memcpy(f, frame, RTE_ETHER_HDR_LEN + sizeof(*ip));
		memcpy(f + RTE_ETHER_HDR_LEN + sizeof(*ip),
		       frame + RTE_ETHER_HDR_LEN + sizeof(*ip) + off, l);
		if (off + l < pay)
			fo |= RTE_IPV4_HDR_MF_FLAG;
		ip->fragment_offset = rte_cpu_to_be_16(fo);
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l));
		ip->packet_id = rte_cpu_to_be_16(id);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		out->len[out->n++] = RTE_ETHER_HDR_LEN + sizeof(*ip) + l;
	}
}

static uint8_t full[BIG + 100];
static struct frags fr;

/*
 * A datagram between two pods that no service concerns: its last
 * fragment, ahead of the others, goes on at once (service_lb's fragment
 * tracking, which would hold it for its first, never sees it), and the
 * others follow. Before the gate it waited for its first.
 */
static void
test_transit_fragment_not_held(void)
{
	struct ps_l4 q = ps_udp(P1, 41000, P2, 7000, BIG);
	struct svc_frag_stats st0 = ps_svc_dp.frag[0]->st;
	struct rte_mbuf *m[MAX_FRAGS * 2];
	unsigned int i, n;
	size_t len;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	len = ps_build_l4(full, NODE_MAC, P1_MAC, &q);
	cut(full, len, 0x5555, &fr);
	CU_ASSERT_EQUAL_FATAL(fr.n, 3);
	ps_test_node_inject("p1_rx", fr.f[2], fr.len[2]);
	ps_test_node_run();
	n = ps_test_collect("p2_tx", m, RTE_DIM(m));
	CU_ASSERT_EQUAL(n, 1);
	if (n > 0) {
		CU_ASSERT_EQUAL(m[0]->pkt_len, fr.len[2]);
		rte_pktmbuf_free_bulk(m, n);
	}
	for (i = 0; i < 2; i++)
		ps_test_node_inject("p1_rx", fr.f[i], fr.len[i]);
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_test_drain("p2_tx"), 2);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.held, st0.held);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.passed, st0.passed);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.in_use, st0.in_use);
	ps_test_node_expect_no_leak();
}

/*
 * Frontends outside the service CIDR are in the frontend filter while
 * the service has them: the NodePort (ip 0) and the external IP, each
 * with its address (4 keys); the ClusterIPs are not.
 */
static void
test_frontend_keys(void)
{
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_fe), 4);
	CU_ASSERT(ps_cfilter_lookup(ps_svc_dp.gate_fe, ps_ip(EXT_IP),
				    RTE_BE16(80), IPPROTO_TCP));
	CU_ASSERT(ps_cfilter_lookup(ps_svc_dp.gate_fe, 0, RTE_BE16(30080),
				    IPPROTO_TCP));
	CU_ASSERT_EQUAL_FATAL(apply("{'kind':'List','apiVersion':'v1',"
				    "'items':[" SVC_WEB("") "]}"), 0);
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_fe), 2);
	CU_ASSERT_FALSE(ps_cfilter_lookup(ps_svc_dp.gate_fe, ps_ip(EXT_IP),
					  RTE_BE16(80), IPPROTO_TCP));
	CU_ASSERT_EQUAL_FATAL(apply("{'kind':'List','apiVersion':'v1',"
				    "'items':[" SVC_WEB("'" EXT_IP "'") "]}"),
			      0);
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_fe), 4);
}

/*
 * A connection DNATed without SNAT counts its endpoint (and its address)
 * in the connection filter, so that its replies get through; when the
 * entry goes, so do the counts.
 */
static void
test_connection_keys(void)
{
	struct ps_l4 q = ps_udp(P1, 41001, VIP, 53, 40);
	struct ps_l4 r = ps_udp(P3, 5353, P1, 41001, 40);
	struct ps_l4 rx = ps_udp(VIP, 53, P1, 41001, 40);
	uint8_t f[256], ef[256];
	size_t len, elen;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_conn), 0);
	len = ps_build_l4(f, NODE_MAC, P1_MAC, &q);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_test_drain("p3_tx"), 1);
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_conn), 2);
	CU_ASSERT(ps_cfilter_lookup(ps_svc_dp.gate_conn, ps_ip(P3),
				    RTE_BE16(5353), IPPROTO_UDP));
	/* the reply is un-DNATed */
	len = ps_build_l4(f, NODE_MAC, P3_MAC, &r);
	rx.ttl = 63;
	elen = ps_build_l4(ef, P1_MAC, NODE_MAC, &rx);
	ps_test_node_inject("p3_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", ef, elen);
	ps_ct_flush(dp->ct);
	ps_test_node_run();
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_conn), 0);
	ps_test_node_expect_no_leak();
}

/* A masqueraded connection counts its SNAT address and port: its
 * replies come to the node IP there. */
static void
test_snat_keys(void)
{
	struct ps_l4 q = ps_udp(P1, 41002, "8.8.8.8", 53, 40);
	struct ps_ct_tuple t;
	struct ps_ct_entry *e;
	uint8_t f[256], dir;
	size_t len;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	len = ps_build_l4(f, NODE_MAC, P1_MAC, &q);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_test_drain("up_tx"), 1);
	ps_ct_tuple_set(&t, IPPROTO_UDP, ps_ip(P1), ps_ip("8.8.8.8"),
			RTE_BE16(41002), RTE_BE16(53));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_conn), 1);
	CU_ASSERT(ps_cfilter_lookup(ps_svc_dp.gate_conn, e->nat.snat_ip,
				    e->nat.snat_port, IPPROTO_UDP));
	ps_ct_flush(dp->ct);
	ps_test_node_run();
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_conn), 0);
	ps_test_node_expect_no_leak();
}

/* The single frame on ring goes to dst:dport (host order). */
static void
expect_to(const char *ring, const char *dst, uint16_t dport)
{
	struct rte_mbuf *m[4];
	unsigned int n = ps_test_collect(ring, m, RTE_DIM(m));
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;

	CU_ASSERT_EQUAL(n, 1);
	if (n == 0)
		return;
	ip = rte_pktmbuf_mtod_offset(m[0], const struct rte_ipv4_hdr *,
				     RTE_ETHER_HDR_LEN);
	th = (const struct rte_tcp_hdr *)(ip + 1);
	CU_ASSERT_EQUAL(ip->dst_addr, ps_ip(dst));
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(th->dst_port), dport);
	rte_pktmbuf_free_bulk(m, n);
}

/*
 * A connection to an external IP keeps being translated after the
 * service drops that IP (its entry lives on, as in kube-proxy's
 * conntrack): the connection counts its frontend in the gate.
 */
static void
test_dropped_frontend_conn(void)
{
	struct ps_l4 syn = ps_tcp("192.168.60.50", 40000, EXT_IP, 80,
				  RTE_TCP_SYN_FLAG, 1000, 0, 0);
	uint8_t f[256];
	size_t len;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	len = ps_build_l4(f, NODE_MAC, "02:00:c0:a8:3c:32", &syn);
	ps_test_node_inject("up_rx", f, len);
	ps_test_node_run();
	expect_to("p3_tx", P3, 8080);
	CU_ASSERT_EQUAL_FATAL(apply("{'kind':'List','apiVersion':'v1',"
				    "'items':[" SVC_WEB("") "]}"), 0);
	/* the SYN again (retransmitted): the same connection */
	ps_test_node_inject("up_rx", f, len);
	ps_test_node_run();
	expect_to("p3_tx", P3, 8080);
	ps_test_expect_none("up_tx");
	ps_ct_flush(dp->ct);
	ps_test_node_run();
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_fe), 2);
	CU_ASSERT_EQUAL(keys_of(ps_svc_dp.gate_conn), 0);
	CU_ASSERT_EQUAL_FATAL(apply("{'kind':'List','apiVersion':'v1',"
				    "'items':[" SVC_WEB("'" EXT_IP "'") "]}"),
			      0);
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests[] = {
	{ "transit fragments skip fragment tracking",
	  test_transit_fragment_not_held },
	{ "frontend keys follow the services", test_frontend_keys },
	{ "connection keys follow the entries", test_connection_keys },
	{ "SNAT keys follow the entries", test_snat_keys },
	{ "a connection outlives its dropped frontend",
	  test_dropped_frontend_conn },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("svc_gate", setup, ps_test_node_stop, tests))
