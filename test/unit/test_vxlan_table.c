/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the VTEP table and the VXLAN helpers
 * (include/podswitch/vxlan.h): dedup, bad input, the full edge, the
 * receive lookup, per-worker counter sums, the outer header and the
 * source port.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include <podswitch/vxlan.h>

#include "test_common.h"

static void
test_get_dedup(void)
{
	struct ps_vxlan *vx = ps_vxlan_create("dedup", 8, 1, SOCKET_ID_ANY);
	struct rte_ether_addr m1 = ps_mac("0e:00:00:00:00:01");
	struct rte_ether_addr m2 = ps_mac("0e:00:00:00:00:02");
	struct ps_vxlan_stats st;
	const struct ps_vtep *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1, &m1), 0);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1, &m1), 0);
	/* another MAC, no MAC, another VNI, another remote: four more */
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1, &m2), 1);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1, NULL), 2);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 2, NULL), 3);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.2"), 1, NULL), 4);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1, NULL), 2);
	v = ps_vxlan_vtep(vx, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->remote, ps_ip("10.0.0.1"));
	CU_ASSERT_EQUAL(v->vni, 1);
	CU_ASSERT_TRUE(v->has_mac);
	CU_ASSERT_TRUE(rte_is_same_ether_addr(&v->mac, &m2));
	CU_ASSERT_PTR_NULL(ps_vxlan_vtep(vx, 5));
	ps_vxlan_stats(vx, &st);
	CU_ASSERT_EQUAL(st.vteps, 5);
	CU_ASSERT_EQUAL(st.max_vteps, 8);
	CU_ASSERT_EQUAL(st.full, 0);
	ps_vxlan_free(vx);
}

static void
test_bad_input(void)
{
	struct ps_vxlan *vx = ps_vxlan_create("bad", 4, 1, SOCKET_ID_ANY);
	struct rte_ether_addr mc = ps_mac("01:00:5e:00:00:01");
	struct rte_ether_addr zero = ps_mac("00:00:00:00:00:00");
	struct ps_vxlan_stats st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, 0, 1, NULL), -EINVAL);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("255.255.255.255"), 1, NULL), -EINVAL);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("239.1.1.1"), 1, NULL), -EINVAL);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1u << 24, NULL), -EINVAL);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1, &mc), -EINVAL);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 1, &zero), -EINVAL);
	ps_vxlan_stats(vx, &st);
	CU_ASSERT_EQUAL(st.vteps, 0);
	ps_vxlan_free(vx);
	CU_ASSERT_PTR_NULL(ps_vxlan_create("zero", 0, 1, SOCKET_ID_ANY));
	CU_ASSERT_PTR_NULL(ps_vxlan_create("huge", 65536, 1, SOCKET_ID_ANY));
	CU_ASSERT_PTR_NULL(ps_vxlan_create("vni", 4, 1u << 24, SOCKET_ID_ANY));
}

/* At size: a new VTEP is refused and counted, known ones still resolve. */
static void
test_full(void)
{
	struct ps_vxlan *vx = ps_vxlan_create("full", 3, 1, SOCKET_ID_ANY);
	struct ps_vxlan_stats st;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, rte_cpu_to_be_32(0x0a000001 + i),
						  1, NULL), (int)i);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.9"), 1, NULL), -ENOSPC);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.9"), 1, NULL), -ENOSPC);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.2"), 1, NULL), 1);
	ps_vxlan_stats(vx, &st);
	CU_ASSERT_EQUAL(st.vteps, 3);
	CU_ASSERT_EQUAL(st.full, 2);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.9"), 1), (int32_t)vx->max);
	ps_vxlan_free(vx);
}

/* Receive side: (remote, VNI) of a VTEP -> its id; a known VNI from
 * anyone else -> the "unknown remote" slot; any other VNI -> unknown. */
static void
test_rx_lookup(void)
{
	struct ps_vxlan *vx = ps_vxlan_create("rx", 8, 42, SOCKET_ID_ANY);

	CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.1"), 42), 8);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.1"), 7),
			PS_VXLAN_UNKNOWN_VNI);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.1"), 7, NULL), 0);
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.2"), 42, NULL), 1);
	/* a second VTEP of the same (remote, VNI): rx stays with the first */
	CU_ASSERT_EQUAL(ps_vxlan_vtep_get(vx, ps_ip("10.0.0.2"), 42,
					  &(struct rte_ether_addr){ { 0x0e, 0, 0, 0, 0, 2 } }), 2);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.1"), 7), 0);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.2"), 42), 1);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.3"), 7), 8);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.2"), 7), 8);
	CU_ASSERT_EQUAL(ps_vxlan_rx_lookup(vx, ps_ip("10.0.0.1"), 8),
			PS_VXLAN_UNKNOWN_VNI);
	ps_vxlan_free(vx);
}

static void
test_counters_sum(void)
{
	struct ps_vxlan *vx = ps_vxlan_create("ctr", 4, 1, SOCKET_ID_ANY);
	struct ps_vtep_counters sum;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
	ps_vxlan_ctr(vx, 0, 1)->tx_packets = 3;
	ps_vxlan_ctr(vx, PS_MAX_WORKERS - 1, 1)->tx_packets = 4;
	ps_vxlan_ctr(vx, 2, 1)->rx_bytes = 100;
	ps_vxlan_ctr(vx, 2, 4)->rx_packets = 9;		/* unknown remotes */
	ps_vxlan_ctr(vx, 1, 0)->tx_packets = 1000;	/* another VTEP */
	ps_vxlan_counters(vx, 1, &sum);
	CU_ASSERT_EQUAL(sum.tx_packets, 7);
	CU_ASSERT_EQUAL(sum.rx_bytes, 100);
	CU_ASSERT_EQUAL(sum.rx_packets, 0);
	ps_vxlan_counters(vx, 4, &sum);
	CU_ASSERT_EQUAL(sum.rx_packets, 9);
	ps_vxlan_counters(vx, 5, &sum);
	CU_ASSERT_EQUAL(sum.rx_packets, 0);
	ps_vxlan_free(vx);
}

/* The outer header, field by field (RFC 7348 figure 1). */
static void
test_encap_hdr(void)
{
	static const uint8_t exp[50] = {
		0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00,
		0x45, 0x02, 0x00, 0x64, 0x00, 0x00, 0x40, 0x00, 64, 17, 0, 0,
		192, 168, 60, 10, 192, 168, 60, 11,
		0xc0, 0x01, 0x12, 0xb5, 0x00, 0x50, 0x00, 0x00,
		0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0,
	};
	struct rte_ether_addr src = ps_mac("02:00:00:00:00:0a");
	uint8_t hdr[50], want[50];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(want + 14);

	memcpy(want, exp, sizeof(want));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(hdr, 0xaa, sizeof(hdr));
	/* inner: 64 bytes, ECN CE -> ECT(0) outside, DSCP not copied */
	ps_vxlan_encap_hdr(hdr, &src, ps_ip("192.168.60.10"),
			   ps_ip("192.168.60.11"), RTE_BE16(0xc001),
			   RTE_BE16(4789), 0x123456, 64, 0xbb);
	CU_ASSERT_EQUAL(memcmp(hdr, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(PS_VXLAN_OVERHEAD, 50);
}

/* The template path writes what the reference builder writes, for every
 * length and ECN value. */
static void
test_encap_fast(void)
{
	struct rte_ether_addr src = ps_mac("02:00:00:00:00:0a");
	struct ps_vxlan *vx = ps_vxlan_create("fast", 4, 1, SOCKET_ID_ANY);
	static const uint16_t lens[] = { 14, 64, 100, 1464, 9000, 65000 };
	uint8_t a[50], b[50];
	unsigned int i, t;
	int id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(vx);
	ps_vxlan_set_local(vx, &src, ps_ip("192.168.60.10"), RTE_BE16(4789));
	id = ps_vxlan_vtep_get(vx, ps_ip("203.0.113.77"), 0xabcdef, NULL);
	CU_ASSERT_EQUAL_FATAL(id, 0);
	for (i = 0; i < RTE_DIM(lens); i++)
		for (t = 0; t < 4; t++) {
			uint8_t tos = (uint8_t)(0xa8 | t);

			ps_vxlan_encap_hdr(a, &src, ps_ip("192.168.60.10"),
					   ps_ip("203.0.113.77"), RTE_BE16(50001),
					   RTE_BE16(4789), 0xabcdef, lens[i], tos);
			memset(b, 0x55, sizeof(b));
			ps_vxlan_encap_fast(b, ps_vxlan_vtep(vx, 0),
					    RTE_BE16(50001), lens[i], tos);
			CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
		}
	ps_vxlan_free(vx);
}

static void
test_src_port(void)
{
	uint8_t pkt[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t a, b, c, d;

	memset(pkt, 0, sizeof(pkt));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = ps_ip("10.244.0.2");
	ip->dst_addr = ps_ip("10.244.1.2");
	udp->src_port = RTE_BE16(1000);
	udp->dst_port = RTE_BE16(53);
	a = ps_vxlan_src_port(ip, 28);
	CU_ASSERT(rte_be_to_cpu_16(a) >= PS_VXLAN_SPORT_MIN);
	CU_ASSERT_EQUAL(ps_vxlan_src_port(ip, 28), a);
	udp->src_port = RTE_BE16(1001);
	b = ps_vxlan_src_port(ip, 28);
	CU_ASSERT_NOT_EQUAL(a, b);
	/* a later fragment has no ports: all fragments of a flow hash alike */
	ip->fragment_offset = RTE_BE16(10);
	c = ps_vxlan_src_port(ip, 28);
	udp->src_port = RTE_BE16(1000);
	d = ps_vxlan_src_port(ip, 28);
	CU_ASSERT_EQUAL(c, d);
	/* ICMP: addresses only */
	ip->fragment_offset = 0;
	ip->next_proto_id = IPPROTO_ICMP;
	c = ps_vxlan_src_port(ip, 28);
	udp->src_port = RTE_BE16(7);
	CU_ASSERT_EQUAL(ps_vxlan_src_port(ip, 28), c);
}

static const struct ps_test tests[] = {
	{ "VTEP get: dedup by remote, VNI, MAC", test_get_dedup },
	{ "bad input", test_bad_input },
	{ "full table refuses new VTEPs", test_full },
	{ "receive lookup", test_rx_lookup },
	{ "per-worker counters summed", test_counters_sum },
	{ "outer header bytes", test_encap_hdr },
	{ "template path = reference builder", test_encap_fast },
	{ "source port from the inner flow", test_src_port },
};

PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("vxlan", NULL, NULL, tests))
