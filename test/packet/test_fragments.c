/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of fragment tracking in the service path (svc_frag.h):
 * the fragments of UDP datagrams through a ClusterIP, both ways, every
 * fragment compared byte for byte with fragments cut here from a
 * datagram built translated from scratch (its UDP checksum computed
 * over the whole of it); fragments before their first; a table filled
 * by fragments that match nothing, counted, and emptied by expiry.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include <podswitch/conntrack.h>
#include <podswitch/graph.h>
#include <podswitch/stats.h>

#include "service_dp.h"
#include "svc_frag.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P3_MAC "02:00:0a:f4:00:04"
#define P1 "10.244.0.2"
#define P3 "10.244.0.4"
#define VIP "10.96.0.13"

static const char *const config =
	"{ \"node\": { \"name\": \"t6\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
	PS_RING_PORT("p3", "pod", PS_POD("10.244.0.4", P3_MAC)) ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"tables\": { \"routes\": 1024, \"conntrack\": 512, \"services\": 64,"
	"              \"endpoints\": 256 } }";

static const char *const services =
	"{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":["
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
	"\"dns\",\"namespace\":\"default\"},\"spec\":{\"clusterIP\":\"" VIP
	"\",\"ports\":[{\"name\":\"p\",\"protocol\":\"UDP\",\"port\":53,"
	"\"targetPort\":5353}]}},"
	"{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
	"\"addressType\":\"IPv4\",\"metadata\":{\"name\":\"dns-1\","
	"\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":"
	"\"dns\"}},\"ports\":[{\"name\":\"p\",\"port\":5353,\"protocol\":"
	"\"UDP\"}],\"endpoints\":[{\"addresses\":[\"" P3 "\"],\"nodeName\":"
	"\"t6\"}]}]}";

static struct ps_dataplane *const dp = &ps_test_node.dp;

#define BIG 9000
#define MAX_FRAGS 8

static int
setup(void)
{
	/* PS_TRACE=1: every packet's path in the log (--trace) */
	ps_graph_trace = getenv("PS_TRACE") != NULL;
	if (ps_test_node_start(config, 4) != 0 ||
	    ps_test_node_apply(services) != 0)
		return -1;
	ps_test_node.pool_base = rte_mempool_in_use_count(dp->pool);
	return 0;
}

struct frags {
	uint8_t f[MAX_FRAGS][1600];
	size_t len[MAX_FRAGS];
	unsigned int n;
};

/*
 * Cut frame (Ethernet + IPv4 without options) into fragments of at most
 * mtu bytes of IP with IP id id, as a Linux sender does: payloads of
 * (mtu - 20) & ~7 bytes, MF on all but the last, each header checksum
 * computed from scratch.
 */
static void
cut(const uint8_t *frame, size_t len, unsigned int mtu, uint16_t id,
    struct frags *out)
{
	size_t pay = len - RTE_ETHER_HDR_LEN - sizeof(struct rte_ipv4_hdr);
	size_t step = (mtu - sizeof(struct rte_ipv4_hdr)) & ~7u, off;

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

/* The n frames on ring are exp's fragments, in any order, byte for
 * byte. */
static void
expect_frags(const char *ring, const struct frags *exp)
{
	struct rte_mbuf *m[MAX_FRAGS * 2];
	unsigned int n = ps_test_collect(ring, m, RTE_DIM(m)), i, j;
	bool used[MAX_FRAGS] = { false };

	CU_ASSERT_EQUAL(n, exp->n);
	for (i = 0; i < n; i++) {
		bool found = false;

		for (j = 0; j < exp->n && !found; j++)
			if (!used[j] && m[i]->pkt_len == exp->len[j] &&
			    m[i]->data_len == exp->len[j] &&
			    memcmp(rte_pktmbuf_mtod(m[i], void *), exp->f[j],
				   exp->len[j]) == 0)
				used[j] = found = true;
		if (!found) {
			fprintf(stderr, "  %s: frame %u of %u bytes matches no "
				"expected fragment\n", ring, i, m[i]->pkt_len);
			CU_FAIL("fragment differs");
		}
	}
	if (n > 0)
		rte_pktmbuf_free_bulk(m, n);
}

static void
inject(const char *ring, const struct frags *in, const unsigned int *order)
{
	unsigned int i;

	for (i = 0; i < in->n; i++) {
		unsigned int k = order != NULL ? order[i] : i;

		ps_test_node_inject(ring, in->f[k], in->len[k]);
	}
}

static uint8_t full_in[BIG + 100], full_out[BIG + 100];
static struct frags in_f, exp_f;

/* A size-byte UDP datagram f, fragmented at 1500 with id, in; the same
 * datagram as it must leave (exp addresses, TTL 63), cut the same way. */
static void
pair(const struct ps_l4 *f, const char *smac, const struct ps_l4 *exp,
     const char *dmac, uint16_t id)
{
	size_t len = ps_build_l4(full_in, NODE_MAC, smac, f);
	size_t elen = ps_build_l4(full_out, dmac, NODE_MAC, exp);

	cut(full_in, len, 1500, id, &in_f);
	cut(full_out, elen, 1500, id, &exp_f);
}

static struct ps_l4
udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
    uint8_t ttl)
{
	struct ps_l4 f = ps_udp(src, sport, dst, dport, BIG);

	f.ttl = ttl;
	return f;
}

/* A 9,000-byte datagram to the ClusterIP and its answer back: seven
 * fragments each way, every one translated, byte for byte. */
static void
test_clusterip_fragments(void)
{
	struct ps_l4 q = udp(P1, 41000, VIP, 53, 64);
	struct ps_l4 qx = udp(P1, 41000, P3, 5353, 63);
	struct ps_l4 r = udp(P3, 5353, P1, 41000, 64);
	struct ps_l4 rx = udp(VIP, 53, P1, 41000, 63);
	struct svc_frag_stats st0 = ps_svc_dp.frag[0]->st;

	pair(&q, P1_MAC, &qx, P3_MAC, 0x1234);
	CU_ASSERT_EQUAL(in_f.n, 7);
	inject("p1_rx", &in_f, NULL);
	ps_test_node_run();
	expect_frags("p3_tx", &exp_f);
	pair(&r, P3_MAC, &rx, P1_MAC, 0x4321);
	inject("p3_rx", &in_f, NULL);
	ps_test_node_run();
	expect_frags("p1_tx", &exp_f);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.tracked - st0.tracked, 2);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.translated - st0.translated,
			12);
	/* complete datagrams leave no entry */
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.in_use, st0.in_use);
	ps_test_node_expect_no_leak();
}

/* Later fragments before their first are held, then follow it. */
static void
test_out_of_order(void)
{
	static const unsigned int order[] = { 6, 3, 0, 1, 2, 4, 5 };
	struct ps_l4 q = udp(P1, 41001, VIP, 53, 64);
	struct ps_l4 qx = udp(P1, 41001, P3, 5353, 63);
	struct svc_frag_stats st0 = ps_svc_dp.frag[0]->st;

	pair(&q, P1_MAC, &qx, P3_MAC, 0x2222);
	ps_test_node_inject("p1_rx", in_f.f[6], in_f.len[6]);
	ps_test_node_inject("p1_rx", in_f.f[3], in_f.len[3]);
	ps_test_node_run();
	ps_test_expect_none("p3_tx");
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.held - st0.held, 2);
	/* the rest, first fragment included */
	for (unsigned int i = 2; i < RTE_DIM(order); i++)
		ps_test_node_inject("p1_rx", in_f.f[order[i]],
				    in_f.len[order[i]]);
	ps_test_node_run();
	expect_frags("p3_tx", &exp_f);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.in_use, st0.in_use);
	ps_test_node_expect_no_leak();
}

/* A datagram of a pod to another pod: not translated, fragments as
 * they came (but the TTL). */
static void
test_untranslated(void)
{
	struct ps_l4 q = udp(P1, 41002, P3, 7000, 64);
	struct ps_l4 qx = udp(P1, 41002, P3, 7000, 63);
	struct svc_frag_stats st0 = ps_svc_dp.frag[0]->st;

	pair(&q, P1_MAC, &qx, P3_MAC, 0x3333);
	inject("p1_rx", &in_f, NULL);
	ps_test_node_run();
	expect_frags("p3_tx", &exp_f);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.passed - st0.passed, 6);
	ps_test_node_expect_no_leak();
}

/* Fragments whose first never comes fill the table: counted drops;
 * their entries expire and what they held is freed. */
static void
test_table_full(void)
{
	struct svc_frag_stats st0 = ps_svc_dp.frag[0]->st;
	uint64_t d0 = ps_stats_drops("service_lb", "frag_table_full");
	unsigned int i, held;
	uint8_t f[200];
	size_t len;

	for (i = 0; i < SVC_FRAG_ENTRIES * 2; i++) {
		struct ps_l4 q = udp(P1, 41003, VIP, 53, 64);
		struct rte_ipv4_hdr *ip;

		q.plen = 64;
		len = ps_build_l4(f, NODE_MAC, P1_MAC, &q);
		ip = (struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
		ip->fragment_offset = RTE_BE16(185);	/* 1480, no MF */
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(i + 1));
		ps_test_ip4_recksum(f);
		ps_test_node_inject("p1_rx", f, len);
		if (i % 32 == 31)
			ps_test_node_run();
	}
	ps_test_node_run();
	ps_test_expect_none("p3_tx");
	held = (unsigned int)(ps_svc_dp.frag[0]->st.held - st0.held);
	CU_ASSERT(ps_svc_dp.frag[0]->st.table_full > st0.table_full);
	CU_ASSERT(ps_stats_drops("service_lb", "frag_table_full") > d0);
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.table_full - st0.table_full +
			held, SVC_FRAG_ENTRIES * 2);
	CU_ASSERT(held <= SVC_FRAG_ENTRIES);
	usleep(SVC_FRAG_TIMEOUT_MS * 1000 + 100000);
	/* every bucket swept by first fragments: all held ones freed */
	for (i = 0; i < SVC_FRAG_ENTRIES / SVC_FRAG_BUCKET; i++) {
		struct ps_l4 q = udp(P1, 42000, P3, 7000, 64);

		q.plen = 64;
		len = ps_build_l4(f, NODE_MAC, P1_MAC, &q);
		((struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN))->
			fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
		ps_test_ip4_recksum(f);
		ps_test_node_inject("p1_rx", f, len);
		ps_test_node_run();
	}
	ps_test_drain("p3_tx");
	CU_ASSERT_EQUAL(ps_svc_dp.frag[0]->st.expired - st0.expired, held);
	test_clusterip_fragments();
}

static const struct ps_test tests[] = {
	{ "ClusterIP: every fragment translated, both ways",
	  test_clusterip_fragments },
	{ "fragments before their first are held", test_out_of_order },
	{ "untranslated datagrams pass whole", test_untranslated },
	{ "table full: counted, expiry frees", test_table_full },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("fragments", setup, ps_test_node_stop, tests))
