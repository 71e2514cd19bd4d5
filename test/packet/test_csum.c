/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of what kernel ports hand over unfinished: a TCP/UDP
 * frame whose checksum field holds only the pseudo-header sum (a Linux
 * sender with tx offload on, CHECKSUM_PARTIAL) is completed byte for
 * byte; a TCP GSO frame, plain or in VXLAN, is cut into segments equal
 * to ones built here from scratch; and a partial frame completed as the
 * af_packet port does goes through ClusterIP DNAT and reverse NAT to
 * come out exactly as the complete frame would. Without metadata (the
 * af_xdp port), a checksum field holding exactly the pseudo-header sum
 * of a frame that does not verify is completed, anything else is kept. The expected frames and
 * the partial form are computed with the test's own checksum code.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <podswitch/conntrack.h>
#include <podswitch/port_csum.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P2_MAC "02:00:0a:f4:00:03"
#define PEER_MAC "02:00:c0:a8:3c:0b"
#define VTEP_B "0e:00:00:00:00:0b"
#define P1 "10.244.0.2"
#define P2 "10.244.0.3"
#define VIP "10.96.0.10"
#define DNS_VIP "10.96.0.13"

static const char *const config =
	"{ \"node\": { \"name\": \"tc\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD(P1, P1_MAC)) ","
	PS_RING_PORT("p2", "pod", PS_POD(P2, P2_MAC)) " ],"
	"  \"tables\": { \"routes\": 64, \"conntrack\": 64, \"services\": 8,"
	"              \"endpoints\": 8 } }";

#define SVC(name, vip, proto, port)					\
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name	\
	"','namespace':'default'},'spec':{'type':'ClusterIP',"		\
	"'clusterIP':'" vip "','ports':[{'name':'p','protocol':'" proto	\
	"','port':" port ",'targetPort':'p'}]}}"
#define SLICE(name, proto, port)					\
	"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"	\
	"'addressType':'IPv4','metadata':{'name':'" name "-1',"		\
	"'namespace':'default','labels':{'kubernetes.io/service-name':'" \
	name "'}},'ports':[{'name':'p','port':" port ",'protocol':'"	\
	proto "'}],'endpoints':[{'addresses':['" P2 "'],'nodeName':'tc',"\
	"'conditions':{'ready':true,'serving':true,'terminating':false}}]}"

static const char *const services =
	"{'kind':'List','apiVersion':'v1','items':["
	SVC("web", VIP, "TCP", "80") "," SLICE("web", "TCP", "8080") ","
	SVC("dns", DNS_VIP, "UDP", "53") "," SLICE("dns", "UDP", "5353")
	"]}";

static struct ps_dataplane *const dp = &ps_test_node.dp;

static int
setup(void)
{
	char *buf, *c;
	int rc;

	if (ps_test_node_start(config, 4) != 0)
		return -1;
	buf = strdup(services);
	if (buf == NULL)
		return -1;
	for (c = buf; *c; c++)
		if (*c == '\'')
			*c = '"';
	rc = ps_test_node_apply(buf);
	free(buf);
	ps_test_node.pool_base = rte_mempool_in_use_count(dp->pool);
	return rc;
}

/* Offsets of the L4 header after the IPv4 header at l3, and of its
 * checksum in it. */
static void
l4_at(const uint8_t *f, size_t l3, size_t *start, size_t *off)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + l3);

	*start = l3 + (ip->version_ihl & 0xf) * 4;
	*off = ip->next_proto_id == IPPROTO_TCP ?
		offsetof(struct rte_tcp_hdr, cksum) :
		offsetof(struct rte_udp_hdr, dgram_cksum);
}

/* The sum of the pseudo-header of the IPv4 packet at ip (RFC 793/768). */
static uint32_t
pseudo_sum(const uint8_t *ip)
{
	const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)ip;
	uint16_t l4len = (uint16_t)(rte_be_to_cpu_16(h->total_length) -
				    (h->version_ihl & 0xf) * 4);
	uint8_t ph[12];

	memcpy(ph, &h->src_addr, 4);
	memcpy(ph + 4, &h->dst_addr, 4);
	ph[8] = 0;
	ph[9] = h->next_proto_id;
	ph[10] = (uint8_t)(l4len >> 8);
	ph[11] = (uint8_t)l4len;
	return ps_cksum_add(ph, sizeof(ph), 0);
}

/* Put the L4 checksum of the IPv4 packet at l3 in the form a Linux
 * sender leaves it: the pseudo-header sum, folded, not complemented. */
static void
make_partial(uint8_t *f, size_t l3, size_t *start, size_t *off)
{
	uint16_t v;

	l4_at(f, l3, start, off);
	v = (uint16_t)~ps_cksum_fold(pseudo_sum(f + l3));
	f[*start + *off] = (uint8_t)(v >> 8);
	f[*start + *off + 1] = (uint8_t)v;
}

/* Recompute the L4 checksum of the IPv4 packet at l3 (the frame being
 * len bytes) with the test's reference sum. */
static void
l4_recksum(uint8_t *f, size_t l3, size_t len)
{
	size_t start, off;
	uint16_t c;

	l4_at(f, l3, &start, &off);
	f[start + off] = f[start + off + 1] = 0;
	c = ps_cksum_fold(ps_cksum_add(f + start, len - start,
				       pseudo_sum(f + l3)));
	if (c == 0)
		c = 0xffff;
	f[start + off] = (uint8_t)(c >> 8);
	f[start + off + 1] = (uint8_t)c;
}

static void
finish_one(const struct ps_l4 *l4)
{
	uint8_t full[2048], part[2048];
	size_t len, start, off;

	len = ps_build_l4(full, NODE_MAC, P1_MAC, l4);
	memcpy(part, full, len);
	make_partial(part, RTE_ETHER_HDR_LEN, &start, &off);
	CHECK(memcmp(part, full, len) != 0, "the partial form differs");
	CU_ASSERT_EQUAL(ps_csum_finish(part, (uint32_t)len, (uint32_t)start,
				       (uint32_t)off), 0);
	CHECK(memcmp(part, full, len) == 0,
	      "completed frame equals the one built complete");
}

static void
test_finish_tcp(void)
{
	struct ps_l4 t = ps_tcp(P1, 40000, P2, 8080, RTE_TCP_ACK_FLAG, 7, 9,
				1400);

	finish_one(&t);
	t.plen = 1;	/* odd length: the last byte is padded with 0 */
	finish_one(&t);
}

static void
test_finish_udp(void)
{
	struct ps_l4 u = ps_udp(P1, 40000, P2, 5353, 999);

	finish_one(&u);
}

/* A UDP sum that comes out 0 is sent as 0xffff, never as "none". */
static void
test_finish_udp_zero(void)
{
	struct ps_l4 u = ps_udp(P1, 40000, P2, 5353, 2);
	uint8_t f[128];
	size_t len, start, off;
	uint32_t s;
	uint16_t w;

	len = ps_build_l4(f, NODE_MAC, P1_MAC, &u);
	l4_at(f, RTE_ETHER_HDR_LEN, &start, &off);
	/* the payload word that makes the whole sum 0xffff */
	f[len - 2] = f[len - 1] = 0;
	f[start + off] = f[start + off + 1] = 0;
	s = ps_cksum_add(f + start, len - start,
			 pseudo_sum(f + RTE_ETHER_HDR_LEN));
	w = ps_cksum_fold(s);
	f[len - 2] = (uint8_t)(w >> 8);
	f[len - 1] = (uint8_t)w;
	make_partial(f, RTE_ETHER_HDR_LEN, &start, &off);
	CU_ASSERT_EQUAL(ps_csum_finish(f, (uint32_t)len, (uint32_t)start,
				       (uint32_t)off), 0);
	CU_ASSERT_EQUAL(f[start + off], 0xff);
	CU_ASSERT_EQUAL(f[start + off + 1], 0xff);
}

/* Offsets from a bad virtio-net header are refused, the frame kept. */
static void
test_finish_bad_offsets(void)
{
	struct ps_l4 t = ps_tcp(P1, 1, P2, 2, RTE_TCP_ACK_FLAG, 0, 0, 10);
	uint8_t f[128], g[128];
	size_t len = ps_build_l4(f, NODE_MAC, P1_MAC, &t);

	memcpy(g, f, len);
	CU_ASSERT_EQUAL(ps_csum_finish(f, (uint32_t)len, (uint32_t)len, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(ps_csum_finish(f, (uint32_t)len, 34,
				       (uint32_t)len - 35), -EINVAL);
	CU_ASSERT_EQUAL(ps_csum_finish(f, (uint32_t)len, 34, 60000), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(f, g, len), 0);
}

/*
 * As an af_xdp port receives it (no metadata): the frame l4 built
 * complete, padded with 0xa5 up to pad_to bytes (the padding is outside
 * the sum), its L4 checksum then put in the partial form. Completed, it
 * equals the complete frame byte for byte; the complete frame is left
 * as it is.
 */
static void
complete_one(const struct ps_l4 *l4, size_t pad_to)
{
	uint8_t full[2048], part[2048];
	size_t len, start, off;

	len = ps_build_l4(full, NODE_MAC, P1_MAC, l4);
	if (len < pad_to) {
		memset(full + len, 0xa5, pad_to - len);
		len = pad_to;
	}
	memcpy(part, full, len);
	make_partial(part, RTE_ETHER_HDR_LEN, &start, &off);
	CHECK(memcmp(part, full, len) != 0, "the partial form differs");
	CU_ASSERT_EQUAL(ps_csum_complete_partial(part, (uint32_t)len), 1);
	CHECK(memcmp(part, full, len) == 0,
	      "completed frame (%zu bytes) equals the one built complete", len);
	CU_ASSERT_EQUAL(ps_csum_complete_partial(full, (uint32_t)len), 0);
	CHECK(memcmp(part, full, len) == 0, "a complete frame is kept");
}

static void
test_complete_partial(void)
{
	struct ps_l4 t = ps_tcp(P1, 40000, P2, 8080, RTE_TCP_ACK_FLAG, 7, 9,
				1400);
	struct ps_l4 u = ps_udp(P1, 40000, P2, 5353, 999);

	complete_one(&t, 0);
	t.plen = 1;
	complete_one(&t, 0);
	t.plen = 0;	/* a bare ACK, padded to the Ethernet minimum */
	complete_one(&t, 60);
	complete_one(&u, 0);
	u.plen = 3;
	complete_one(&u, 60);
}

/* f must come back from ps_csum_complete_partial as it went in. */
static void
expect_kept(const uint8_t *f, size_t len, const char *what)
{
	uint8_t g[2048];

	memcpy(g, f, len);
	CHECK(ps_csum_complete_partial(g, (uint32_t)len) == 0 &&
	      memcmp(f, g, len) == 0, "%s: left as it is", what);
}

/*
 * What is not recognisably partial is left for whoever checks it: a wrong
 * checksum that is not the pseudo-header sum, a fragment, a UDP datagram
 * without checksum, a packet longer than its frame, ICMP and ARP, and a
 * complete checksum that happens to equal the pseudo-header sum.
 */
static void
test_complete_partial_kept(void)
{
	struct ps_l4 t = ps_tcp(P1, 40000, P2, 8080, RTE_TCP_ACK_FLAG, 7, 9,
				100);
	struct ps_l4 u = ps_udp(P1, 40000, P2, 5353, 40);
	uint8_t f[256];
	size_t len, start, off;
	uint16_t w;

	len = ps_build_l4(f, NODE_MAC, P1_MAC, &t);
	make_partial(f, RTE_ETHER_HDR_LEN, &start, &off);
	f[start + off + 1] ^= 0x01;
	expect_kept(f, len, "wrong TCP checksum, not the pseudo sum");
	f[start + off + 1] ^= 0x01;
	expect_kept(f, len - 1, "IPv4 packet longer than its frame");
	f[RTE_ETHER_HDR_LEN + 6] = 0x20;	/* MF */
	ps_test_ip4_recksum(f);
	expect_kept(f, len, "partial-looking first fragment");

	len = ps_build_l4(f, NODE_MAC, P1_MAC, &u);
	make_partial(f, RTE_ETHER_HDR_LEN, &start, &off);
	f[start + off] ^= 0x80;
	expect_kept(f, len, "wrong UDP checksum, not the pseudo sum");
	u.no_csum = true;
	len = ps_build_l4(f, NODE_MAC, P1_MAC, &u);
	expect_kept(f, len, "UDP without checksum");

	/* The partial form in the field and the last payload word chosen
	 * so that the whole sum verifies. */
	u.no_csum = false;
	len = ps_build_l4(f, NODE_MAC, P1_MAC, &u);
	make_partial(f, RTE_ETHER_HDR_LEN, &start, &off);
	f[len - 2] = f[len - 1] = 0;
	w = ps_cksum_fold(ps_cksum_add(f + start, len - start,
				       pseudo_sum(f + RTE_ETHER_HDR_LEN)));
	f[len - 2] = (uint8_t)(w >> 8);
	f[len - 1] = (uint8_t)w;
	expect_kept(f, len, "complete checksum equal to the pseudo sum");

	len = ps_build_icmp_echo(f, NODE_MAC, P1_MAC, P1, P2, 8, 1, 1, 64, 32);
	expect_kept(f, len, "ICMP echo");
	len = ps_build_arp(f, 1, "ff:ff:ff:ff:ff:ff", P1_MAC, P1,
			   "00:00:00:00:00:00", P2);
	expect_kept(f, len, "ARP request");
	expect_kept(f, 10, "runt");
}

/*
 * Segment i of the TCP packet at l3 in big (hdr: bytes up to the end of
 * its 20-byte TCP header), built here: payload slice, IPv4 length, id +
 * i and checksum, sequence, flags, TCP checksum; outer_l3 (0: none): the
 * outer IPv4 length, id + i and checksum, UDP length, UDP checksum 0.
 */
static size_t
expect_seg(uint8_t *out, const uint8_t *big, size_t big_len, size_t outer_l3,
	   size_t l3, size_t hdr, unsigned int i, unsigned int mss, bool last)
{
	size_t pay = big_len - hdr, off = (size_t)i * mss;
	size_t plen = pay - off < mss ? pay - off : mss, len = hdr + plen;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(out + hdr - 20);
	size_t lv[2] = { outer_l3, l3 };
	unsigned int k;

	memcpy(out, big, hdr);
	memcpy(out + hdr, big + hdr + off, plen);
	for (k = outer_l3 == 0 ? 1 : 0; k < 2; k++) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)(out + lv[k]);

		h->total_length = rte_cpu_to_be_16((uint16_t)(len - lv[k]));
		h->packet_id = rte_cpu_to_be_16((uint16_t)
			(rte_be_to_cpu_16(h->packet_id) + i));
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_cpu_to_be_16(ps_cksum_fold(
			ps_cksum_add(h, 20, 0)));
	}
	if (outer_l3 != 0) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)
			(out + outer_l3 + 20);

		u->dgram_len = rte_cpu_to_be_16((uint16_t)
			(len - outer_l3 - 20));
		u->dgram_cksum = 0;
	}
	tcp->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(tcp->sent_seq) +
					 (uint32_t)off);
	if (!last)
		tcp->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG |
					     RTE_TCP_PSH_FLAG);
	if (i != 0)
		tcp->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
	l4_recksum(out, l3, len);
	return len;
}

static void
check_segments(const uint8_t *big, size_t len, size_t outer_l3, size_t l3,
	       unsigned int mss, unsigned int want)
{
	struct rte_mbuf *segs[8];
	uint8_t exp[2048];
	size_t hdr = l3 + 20 + 20, elen;
	int n, i;

	n = ps_gso_tcp4_segment(big, (uint32_t)len, (uint16_t)mss, dp->pool,
				segs, RTE_DIM(segs));
	if (!CHECK(n == (int)want, "%u segments, got %d", want, n))
		return;
	for (i = 0; i < n; i++) {
		elen = expect_seg(exp, big, len, outer_l3, l3, hdr,
				  (unsigned int)i, mss, i + 1 == n);
		CHECK(ps_test_frame_eq(segs[i], exp, elen), "segment %d", i);
	}
	rte_pktmbuf_free_bulk(segs, (unsigned int)n);
	ps_test_node_expect_no_leak();
}

/* A 4000-byte TSO frame, checksum partial as a veth passes it: three
 * segments of 1448, 1448 and 1104 bytes; FIN/PSH only on the last one,
 * CWR only on the first; the sequence number wraps. */
static void
test_gso_tcp(void)
{
	struct ps_l4 t = ps_tcp(P1, 40000, P2, 8080, RTE_TCP_ACK_FLAG |
				RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG |
				RTE_TCP_CWR_FLAG, 0xfffff000, 77, 4000);
	static uint8_t big[8192];
	size_t len, start, off;

	len = ps_build_l4(big, NODE_MAC, P1_MAC, &t);
	make_partial(big, RTE_ETHER_HDR_LEN, &start, &off);
	check_segments(big, len, 0, RTE_ETHER_HDR_LEN, 1448, 3);
	/* exactly two MSS: no empty third segment */
	t.plen = 2 * 1000;
	len = ps_build_l4(big, NODE_MAC, P1_MAC, &t);
	check_segments(big, len, 0, RTE_ETHER_HDR_LEN, 1000, 2);
}

/* TCP in VXLAN as a Linux vxlan device (flannel.1) sends it with TSO:
 * cut by the inner TCP, each segment its own outer headers. */
static void
test_gso_vxlan(void)
{
	struct ps_l4 t = ps_tcp("10.244.2.2", 8080, P1, 40000,
				RTE_TCP_ACK_FLAG, 1, 2, 3000);
	static uint8_t inner[4096], big[4200];
	size_t ilen, len, start, off, l3 = 14 + 20 + 8 + 8 + 14;

	ilen = ps_build_l4(inner, NODE_MAC, VTEP_B, &t);
	make_partial(inner, RTE_ETHER_HDR_LEN, &start, &off);
	len = ps_build_vxlan(big, NODE_MAC, PEER_MAC, "192.168.60.12",
			     "192.168.60.10", 33333, 4789, 1, inner, ilen);
	check_segments(big, len, RTE_ETHER_HDR_LEN, l3, 1398, 3);
}

static void
test_gso_refused(void)
{
	struct ps_l4 u = ps_udp(P1, 1, P2, 2, 3000);
	struct ps_l4 t = ps_tcp(P1, 1, P2, 2, RTE_TCP_ACK_FLAG, 0, 0, 3000);
	struct rte_mbuf *segs[4];
	static uint8_t big[4096];
	size_t len;

	len = ps_build_l4(big, NODE_MAC, P1_MAC, &u);
	CU_ASSERT_EQUAL(ps_gso_tcp4_segment(big, (uint32_t)len, 1000,
					    dp->pool, segs, 4), -EINVAL);
	len = ps_build_l4(big, NODE_MAC, P1_MAC, &t);
	CU_ASSERT_EQUAL(ps_gso_tcp4_segment(big, (uint32_t)len, 500,
					    dp->pool, segs, 4), -E2BIG);
	CU_ASSERT_EQUAL(ps_gso_tcp4_segment(big, (uint32_t)len, 0,
					    dp->pool, segs, 4), -EINVAL);
	CU_ASSERT_EQUAL(ps_gso_tcp4_segment(big, 40, 1000, dp->pool, segs, 4),
			-EINVAL);
	ps_test_node_expect_no_leak();
}

/* f sent partial on ring in (from mac), completed as the af_packet port
 * does; exactly e (built complete) comes out on ring out. */
static void
partial_through(const char *in, const char *mac, const struct ps_l4 *f,
		const char *out, const char *out_mac, const struct ps_l4 *e)
{
	uint8_t fr[2048], ef[2048];
	size_t len, elen, start, off;

	len = ps_build_l4(fr, NODE_MAC, mac, f);
	make_partial(fr, RTE_ETHER_HDR_LEN, &start, &off);
	CU_ASSERT_EQUAL(ps_csum_finish(fr, (uint32_t)len, (uint32_t)start,
				       (uint32_t)off), 0);
	elen = ps_build_l4(ef, out_mac, NODE_MAC, e);
	ps_test_node_inject(in, fr, len);
	ps_test_node_run();
	ps_test_expect_one(out, ef, elen);
}

static struct ps_l4
xl(struct ps_l4 f, const char *src, uint16_t sport, const char *dst,
   uint16_t dport)
{
	f.src = src;
	f.sport = sport;
	f.dst = dst;
	f.dport = dport;
	f.ttl--;
	return f;
}

/* A pod with default offloads to a ClusterIP: DNAT of its partial SYN
 * and data, reverse NAT of the endpoint's partial replies, a partial
 * UDP query and answer; every checksum out complete. */
static void
test_nat_on_partial(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40001, VIP, 80, RTE_TCP_SYN_FLAG,
				  1000, 0, 0);
	struct ps_l4 sa = ps_tcp(P2, 8080, P1, 40001, RTE_TCP_SYN_FLAG |
				 RTE_TCP_ACK_FLAG, 5000, 1001, 0);
	struct ps_l4 data = ps_tcp(P1, 40001, VIP, 80, RTE_TCP_ACK_FLAG,
				   1001, 5001, 1400);
	struct ps_l4 back = ps_tcp(P2, 8080, P1, 40001, RTE_TCP_ACK_FLAG,
				   5001, 2401, 1400);
	struct ps_l4 q = ps_udp(P1, 40002, DNS_VIP, 53, 61);
	struct ps_l4 a = ps_udp(P2, 5353, P1, 40002, 200);
	struct ps_l4 e;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	e = xl(syn, P1, 40001, P2, 8080);
	partial_through("p1_rx", P1_MAC, &syn, "p2_tx", P2_MAC, &e);
	e = xl(sa, VIP, 80, P1, 40001);
	partial_through("p2_rx", P2_MAC, &sa, "p1_tx", P1_MAC, &e);
	e = xl(data, P1, 40001, P2, 8080);
	partial_through("p1_rx", P1_MAC, &data, "p2_tx", P2_MAC, &e);
	e = xl(back, VIP, 80, P1, 40001);
	partial_through("p2_rx", P2_MAC, &back, "p1_tx", P1_MAC, &e);
	e = xl(q, P1, 40002, P2, 5353);
	partial_through("p1_rx", P1_MAC, &q, "p2_tx", P2_MAC, &e);
	e = xl(a, DNS_VIP, 53, P1, 40002);
	partial_through("p2_rx", P2_MAC, &a, "p1_tx", P1_MAC, &e);
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests[] = {
	{ "partial TCP checksum completed", test_finish_tcp },
	{ "partial UDP checksum completed", test_finish_udp },
	{ "UDP sum 0 sent as 0xffff", test_finish_udp_zero },
	{ "offsets outside the frame refused", test_finish_bad_offsets },
	{ "af_xdp: partial checksum recognised and completed",
	  test_complete_partial },
	{ "af_xdp: anything else left as it is", test_complete_partial_kept },
	{ "TCP GSO frame cut into segments", test_gso_tcp },
	{ "TCP GSO frame in VXLAN cut by the inner TCP", test_gso_vxlan },
	{ "not TCP, too many segments: refused", test_gso_refused },
	{ "ClusterIP NAT of partial-checksum frames", test_nat_on_partial },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("csum", setup, ps_test_node_stop, tests))
