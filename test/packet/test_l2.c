/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the L2 stage: crafted frames through the real graph over
 * ring ports, frames out compared byte for byte.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mempool.h>

#include <podswitch/fdb.h>
#include <podswitch/stats.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P2_MAC "02:00:0a:f4:00:03"
#define P3_MAC "02:00:0a:f4:00:04"	/* static: p3's configured pod */
#define BCAST "ff:ff:ff:ff:ff:ff"
#define ROUTER_MAC "02:00:c0:a8:3c:01"	/* a peer on the uplink */
/* an ethertype nobody handles: the frame is only bridged */
#define ETYPE_TEST 0x88b5

static const char *const config =
	"{ \"node\": { \"name\": \"t\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", "") ","
	PS_RING_PORT("p2", "pod", "") ","
	PS_RING_PORT("p3", "pod", PS_POD("10.244.0.4", P3_MAC)) ","
	PS_RING_PORT("up", "uplink", "") " ] }";

/* A small FDB, to see the segment keep working when it is full. */
static const char *const config_small_fdb =
	"{ \"node\": { \"name\": \"t\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\" },"
	"  \"tables\": { \"fdb\": 8 },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", "") ","
	PS_RING_PORT("p2", "pod", "") ","
	PS_RING_PORT("p3", "pod", "") ","
	PS_RING_PORT("up", "uplink", "") " ] }";

static struct ps_dataplane *const dp = &ps_test_node.dp;

/* One graph walk carries a frame to its tx ring; the management pass
 * then drains the learn ring. */
static int
setup(void)
{
	return ps_test_node_start(config, 2);
}

static int
setup_small_fdb(void)
{
	return ps_test_node_start(config_small_fdb, 2);
}

/* ARP request for the gateway from a pod: answered with the node MAC. */
static void
test_arp_gateway_reply(void)
{
	uint8_t req[64], exp[64];
	struct rte_mbuf *out[4];
	size_t rl, el;
	unsigned int n;

	rl = ps_build_arp(req, 1, "ff:ff:ff:ff:ff:ff", P1_MAC, "10.244.0.2",
			  "00:00:00:00:00:00", "10.244.0.1");
	el = ps_build_arp(exp, 2, P1_MAC, NODE_MAC, "10.244.0.1", P1_MAC,
			  "10.244.0.2");
	CU_ASSERT_EQUAL_FATAL(rl, el);
	CU_ASSERT_EQUAL(ps_test_inject(dp, "p1_rx", req, rl), 0);
	ps_test_dp_run(dp, 2);
	n = ps_test_collect("p1_tx", out, RTE_DIM(out));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(ps_test_frame_eq(out[0], exp, el));
	rte_pktmbuf_free_bulk(out, n);
	/* answered, not flooded */
	CU_ASSERT_EQUAL(ps_test_drain("p2_tx"), 0);
	CU_ASSERT_EQUAL(ps_test_drain("p3_tx"), 0);
	ps_test_node_drain();
}

/* Helpers ---------------------------------------------------------------- */

/* DPDK port id of the config's port number i (p1 = 0 ... up = 3). */
static uint16_t
port_of(unsigned int i)
{
	return dp->port_ids[i];
}

/* A frame that only the bridge handles. */
static size_t
build_l2(uint8_t *buf, const char *dst, const char *src, uint8_t tag)
{
	uint8_t payload[46];

	memset(payload, tag, sizeof(payload));
	return ps_build_eth(buf, dst, src, ETYPE_TEST, payload, sizeof(payload));
}

/* Let the segment learn mac on a port: a broadcast from it, flooded. */
static void
learn_from(const char *rx_ring, const char *mac)
{
	uint8_t f[64];
	size_t len = build_l2(f, BCAST, mac, 0x11);

	ps_test_node_inject(rx_ring, f, len);
	ps_test_node_run();
	ps_test_node_drain();
}

static int
fdb_port(const char *mac)
{
	struct rte_ether_addr m = ps_mac(mac);
	struct ps_fdb_entry e;

	if (ps_fdb_get(dp->fdb, &m, &e) != 0)
		return -1;
	return e.port;
}

/* L2 bridging ----------------------------------------------------------- */

/* Unknown unicast: every other pod port, never back nor to the uplink. */
static void
test_flood_unknown_unicast(void)
{
	uint8_t f[64];
	size_t len;

	len = build_l2(f, "02:00:0a:f4:00:99", "02:00:0a:f4:00:10", 0x21);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", f, len);
	ps_test_expect_one("p3_tx", f, len);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("up_tx");

	/* the same from p2: p1 and p3 */
	len = build_l2(f, "02:00:0a:f4:00:98", "02:00:0a:f4:00:11", 0x22);
	ps_test_node_inject("p2_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", f, len);
	ps_test_expect_one("p3_tx", f, len);
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

static void
test_flood_broadcast(void)
{
	uint8_t f[64], g[64];
	size_t len, glen;

	/* from p1: p3 has a pod, whose port sends from its MAC only */
	len = build_l2(f, BCAST, "02:00:0a:f4:00:12", 0x23);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", f, len);
	ps_test_expect_one("p3_tx", f, len);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("up_tx");

	/* multicast too; a burst of several flooded frames keeps its order */
	glen = build_l2(g, "01:00:5e:00:00:fb", "02:00:0a:f4:00:12", 0x24);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_inject("p1_rx", g, glen);
	ps_test_node_run();
	{
		struct rte_mbuf *out[4];
		const char *rings[] = { "p2_tx", "p3_tx" };
		unsigned int r, n;

		for (r = 0; r < RTE_DIM(rings); r++) {
			n = ps_test_collect(rings[r], out, RTE_DIM(out));
			CU_ASSERT_EQUAL(n, 2);
			if (n == 2) {
				CU_ASSERT(ps_test_frame_eq(out[0], f, len));
				CU_ASSERT(ps_test_frame_eq(out[1], g, glen));
			}
			if (n > 0)
				rte_pktmbuf_free_bulk(out, n);
		}
	}
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* Once learned, unicast goes only to the port of the destination. */
static void
test_known_unicast(void)
{
	const char *a = "02:00:0a:f4:00:20", *b = "02:00:0a:f4:00:21";
	uint8_t f[64];
	size_t len;

	learn_from("p1_rx", a);
	CU_ASSERT_EQUAL(fdb_port(a), port_of(0));

	/* b -> a: only p1; b is learned on p2 on the way */
	len = build_l2(f, a, b, 0x25);
	ps_test_node_inject("p2_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", f, len);
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	CU_ASSERT_EQUAL(fdb_port(b), port_of(1));

	/* the answer a -> b: only p2 */
	len = build_l2(f, b, a, 0x26);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", f, len);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* A MAC seen on another port moves there; unicast follows it. */
static void
test_mac_move(void)
{
	const char *m = "02:00:0a:f4:00:30", *c = "02:00:0a:f4:00:31";
	struct ps_fdb_stats before, after;
	uint8_t f[64];
	size_t len;

	ps_fdb_stats(dp->fdb, &before);
	learn_from("p1_rx", m);
	CU_ASSERT_EQUAL(fdb_port(m), port_of(0));
	learn_from("p2_rx", m);
	CU_ASSERT_EQUAL(fdb_port(m), port_of(1));
	ps_fdb_stats(dp->fdb, &after);
	CU_ASSERT_EQUAL(after.moved, before.moved + 1);

	/* from a third port (p3's pod would not send from c) */
	len = build_l2(f, m, c, 0x27);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", f, len);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* Both ends behind the ingress port: the bridge has nothing to do. */
static void
test_same_port_dropped(void)
{
	const char *a = "02:00:0a:f4:00:40", *c = "02:00:0a:f4:00:41";
	uint64_t drops = ps_stats_drops("l2_fdb", "same_port");
	uint8_t f[64];
	size_t len;

	learn_from("p1_rx", a);
	learn_from("p1_rx", c);
	len = build_l2(f, a, c, 0x28);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_stats_drops("l2_fdb", "same_port"), drops + 1);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* A configured pod MAC seen elsewhere (spoofed) stays on its pod's port. */
static void
test_static_pod_mac_no_move(void)
{
	const char *c = "02:00:0a:f4:00:50";
	struct ps_fdb_stats before, after;
	struct ps_fdb_entry e;
	struct rte_ether_addr p3 = ps_mac(P3_MAC);
	uint8_t f[64];
	size_t len;

	CU_ASSERT_EQUAL_FATAL(ps_fdb_get(dp->fdb, &p3, &e), 0);
	CU_ASSERT(e.flags & PS_FDB_F_STATIC);
	CU_ASSERT_EQUAL(e.port, port_of(2));

	ps_fdb_stats(dp->fdb, &before);
	learn_from("p1_rx", P3_MAC);
	ps_fdb_stats(dp->fdb, &after);
	CU_ASSERT_EQUAL(after.static_move_refused, before.static_move_refused + 1);
	CU_ASSERT_EQUAL(after.moved, before.moved);
	CU_ASSERT_EQUAL(fdb_port(P3_MAC), port_of(2));

	len = build_l2(f, P3_MAC, c, 0x29);
	ps_test_node_inject("p2_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p3_tx", f, len);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* Ethernet checks --------------------------------------------------------- */

static void
test_bad_src_mac(void)
{
	static const char *const bad[] = { "01:00:5e:00:00:01", BCAST,
		"00:00:00:00:00:00" };
	uint64_t drops = ps_stats_drops("eth_input", "bad_src_mac");
	uint8_t f[64];
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		size_t len = build_l2(f, "02:00:0a:f4:00:99", bad[i], 0x2a);

		ps_test_node_inject("p1_rx", f, len);
	}
	/* also to our MAC, and from the uplink */
	{
		size_t len = build_l2(f, NODE_MAC, bad[2], 0x2b);

		ps_test_node_inject("p2_rx", f, len);
		ps_test_node_inject("up_rx", f, len);
	}
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_stats_drops("eth_input", "bad_src_mac"),
			drops + RTE_DIM(bad) + 2);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	/* and nothing was learned from them */
	CU_ASSERT_EQUAL(fdb_port("01:00:5e:00:00:01"), -1);
	CU_ASSERT_EQUAL(fdb_port("00:00:00:00:00:00"), -1);
	ps_test_node_expect_no_leak();
}

static void
test_too_short(void)
{
	uint64_t drops = ps_stats_drops("eth_input", "too_short");
	uint8_t f[64];

	build_l2(f, BCAST, "02:00:0a:f4:00:60", 0x2c);
	ps_test_node_inject("p1_rx", f, 10);
	ps_test_node_inject("up_rx", f, 13);
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_stats_drops("eth_input", "too_short"), drops + 2);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* An uplink is not a bridge port: frames for others are not ours. */
static void
test_uplink_not_for_us(void)
{
	uint64_t drops = ps_stats_drops("eth_input", "not_for_us");
	uint8_t f[128];
	size_t len;

	len = ps_build_icmp_echo(f, "02:00:00:00:99:99", ROUTER_MAC,
				 "192.168.60.1", "10.244.0.2", 8, 1, 1, 64, 8);
	ps_test_node_inject("up_rx", f, len);
	/* an ARP request for a pod IP is not for the uplink either */
	len = ps_build_arp(f, 1, BCAST, ROUTER_MAC, "192.168.60.1",
			   "00:00:00:00:00:00", "10.244.0.2");
	ps_test_node_inject("up_rx", f, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_stats_drops("eth_input", "not_for_us"), drops + 2);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* ARP ---------------------------------------------------------------------- */

/* The node IP on the uplink, as the kernel would answer for eth0. */
static void
test_arp_node_ip_uplink(void)
{
	uint8_t req[64], exp[64];
	size_t rl, el;

	rl = ps_build_arp(req, 1, BCAST, ROUTER_MAC, "192.168.60.1",
			  "00:00:00:00:00:00", "192.168.60.10");
	el = ps_build_arp(exp, 2, ROUTER_MAC, NODE_MAC, "192.168.60.10",
			  ROUTER_MAC, "192.168.60.1");
	ps_test_node_inject("up_rx", req, rl);
	ps_test_node_run();
	ps_test_expect_one("up_tx", exp, el);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	/* the uplink's peers are not learned into the pod segment */
	CU_ASSERT_EQUAL(fdb_port(ROUTER_MAC), -1);
	ps_test_node_expect_no_leak();
}

/* Pods answer for themselves: a request for another pod is flooded. */
static void
test_arp_other_pod_flooded(void)
{
	const char *a = "02:00:0a:f4:00:70";
	uint8_t req[64];
	size_t rl;

	rl = ps_build_arp(req, 1, BCAST, a, "10.244.0.7", "00:00:00:00:00:00",
			  "10.244.0.3");
	ps_test_node_inject("p1_rx", req, rl);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", req, rl);
	ps_test_expect_one("p3_tx", req, rl);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("up_tx");
	CU_ASSERT_EQUAL(fdb_port(a), port_of(0));
	ps_test_node_expect_no_leak();
}

/* IPv4 to the node ------------------------------------------------------------ */

static void
test_icmp_echo_gateway(void)
{
	uint8_t req[256], exp[256];
	size_t rl, el;

	rl = ps_build_icmp_echo(req, NODE_MAC, P1_MAC, "10.244.0.2",
				"10.244.0.1", RTE_IP_ICMP_ECHO_REQUEST, 0x4242,
				7, 17, 56);
	el = ps_build_icmp_echo(exp, P1_MAC, NODE_MAC, "10.244.0.1",
				"10.244.0.2", RTE_IP_ICMP_ECHO_REPLY, 0x4242,
				7, 64, 56);
	CU_ASSERT_EQUAL_FATAL(rl, el);
	ps_test_node_inject("p1_rx", req, rl);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", exp, el);
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* The node IP answers on the uplink too. */
static void
test_icmp_echo_node_ip(void)
{
	uint8_t req[256], exp[256];
	size_t rl, el;

	rl = ps_build_icmp_echo(req, NODE_MAC, ROUTER_MAC, "192.168.60.1",
				"192.168.60.10", RTE_IP_ICMP_ECHO_REQUEST, 9,
				1000, 255, 0);
	el = ps_build_icmp_echo(exp, ROUTER_MAC, NODE_MAC, "192.168.60.10",
				"192.168.60.1", RTE_IP_ICMP_ECHO_REPLY, 9,
				1000, 64, 0);
	ps_test_node_inject("up_rx", req, rl);
	ps_test_node_run();
	ps_test_expect_one("up_tx", exp, el);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_node_expect_no_leak();
}

/* A minimum-size frame carries padding after the IP packet: the reply
 * is the IP packet's length, without it. */
static void
test_icmp_echo_padding_trimmed(void)
{
	uint8_t req[128], exp[128];
	size_t rl, el;

	rl = ps_build_icmp_echo(req, NODE_MAC, P2_MAC, "10.244.0.3",
				"10.244.0.1", RTE_IP_ICMP_ECHO_REQUEST, 3, 4,
				64, 4);
	el = ps_build_icmp_echo(exp, P2_MAC, NODE_MAC, "10.244.0.1",
				"10.244.0.3", RTE_IP_ICMP_ECHO_REPLY, 3, 4, 64,
				4);
	CU_ASSERT_EQUAL_FATAL(rl, 46);
	/* non-zero padding, so that leftovers would show */
	memset(req + rl, 0xee, 60 - rl);
	ps_test_node_inject("p2_rx", req, 60);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", exp, el);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

static struct rte_ipv4_hdr *
ip_of(uint8_t *frame)
{
	return (struct rte_ipv4_hdr *)(frame + RTE_ETHER_HDR_LEN);
}

/* Inject a request to the gateway, patched by fix, expect one drop. */
static void
bad_ip4(const char *reason, void (*fix)(uint8_t *f, size_t *len))
{
	uint64_t drops = ps_stats_drops("ip4_input", reason);
	uint8_t f[256];
	size_t len;

	len = ps_build_icmp_echo(f, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.0.1", RTE_IP_ICMP_ECHO_REQUEST, 1, 1,
				 64, 32);
	fix(f, &len);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	if (ps_stats_drops("ip4_input", reason) != drops + 1)
		fprintf(stderr, "  ip4_input.drop.%s not counted\n", reason);
	CU_ASSERT_EQUAL(ps_stats_drops("ip4_input", reason), drops + 1);
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

static void
fix_bad_checksum(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->hdr_checksum ^= RTE_BE16(0x0100);
}

static void
fix_ihl_4(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->version_ihl = 0x44;
	ps_test_ip4_recksum(f);
}

static void
fix_long_total_length(uint8_t *f, size_t *len)
{
	struct rte_ipv4_hdr *ip = ip_of(f);

	ip->total_length = rte_cpu_to_be_16((uint16_t)(*len -
				RTE_ETHER_HDR_LEN + 1));
	ps_test_ip4_recksum(f);
}

static void
fix_truncated(uint8_t *f, size_t *len)
{
	RTE_SET_USED(f);
	*len = RTE_ETHER_HDR_LEN + 10;
}

static void
fix_version_6(uint8_t *f, size_t *len)
{
	RTE_SET_USED(len);
	ip_of(f)->version_ihl = 0x65;
	ps_test_ip4_recksum(f);
}

static void
test_ip4_bad_checksum(void)
{
	bad_ip4("bad_checksum", fix_bad_checksum);
}

static void
test_ip4_bad_ihl(void)
{
	bad_ip4("bad_ihl", fix_ihl_4);
}

static void
test_ip4_bad_length(void)
{
	bad_ip4("bad_length", fix_long_total_length);
}

static void
test_ip4_too_short(void)
{
	bad_ip4("too_short", fix_truncated);
}

static void
test_ip4_bad_version(void)
{
	bad_ip4("bad_version", fix_version_6);
}

/* Flooding shares one mbuf between ports: a long mixed run returns every
 * mbuf to the pool. */
static void
test_no_mbuf_leak(void)
{
	uint8_t f[256];
	size_t len;
	unsigned int i;

	for (i = 0; i < 200; i++) {
		char src[24];

		snprintf(src, sizeof(src), "02:00:0a:f4:01:%02x", i & 0xff);
		len = build_l2(f, i % 3 ? BCAST : "02:00:0a:f4:02:01", src,
			       (uint8_t)i);
		ps_test_node_inject(i % 2 ? "p1_rx" : "p2_rx", f, len);
		if (i % 5 == 0) {
			len = ps_build_icmp_echo(f, NODE_MAC, P1_MAC,
						 "10.244.0.2", "10.244.0.1",
						 RTE_IP_ICMP_ECHO_REQUEST, 1,
						 (uint16_t)i, 64, i);
			ps_test_node_inject("p1_rx", f, len);
		}
		if (i % 7 == 0)
			ps_test_node_inject("up_rx", f, 12);
		if (i % 16 == 15)
			ps_test_node_run();
	}
	ps_test_node_run();
	ps_test_node_expect_no_leak();
}

/* Full FDB ------------------------------------------------------------------ */

#define NB_FULL_MACS 12

/* New MACs the full table cannot take are flooded, not lost. */
static void
test_fdb_full_floods(void)
{
	uint8_t f[NB_FULL_MACS][64];
	size_t len[NB_FULL_MACS];
	char macs[NB_FULL_MACS][24];
	struct rte_mbuf *out[2 * NB_FULL_MACS];
	struct ps_fdb_stats st;
	unsigned int i, n, learned = 0, k;
	bool is_learned[NB_FULL_MACS];

	/* fill it: more pods behind p1 than the table holds */
	for (i = 0; i < NB_FULL_MACS; i++) {
		snprintf(macs[i], sizeof(macs[i]), "02:00:0a:f4:03:%02x", i);
		len[i] = build_l2(f[i], BCAST, macs[i], (uint8_t)i);
		ps_test_node_inject("p1_rx", f[i], len[i]);
	}
	ps_test_node_run();
	/* still flooded while the table is filling up */
	n = ps_test_collect("p2_tx", out, RTE_DIM(out));
	CU_ASSERT_EQUAL(n, NB_FULL_MACS);
	rte_pktmbuf_free_bulk(out, n);
	ps_test_node_drain();

	ps_fdb_stats(dp->fdb, &st);
	CU_ASSERT_EQUAL(st.size, 8);
	CU_ASSERT_EQUAL(st.entries, 8);
	CU_ASSERT(st.full > 0);
	for (i = 0; i < NB_FULL_MACS; i++) {
		int port = fdb_port(macs[i]);

		is_learned[i] = port >= 0;
		if (port >= 0) {
			CU_ASSERT_EQUAL(port, port_of(0));
			learned++;
		}
	}
	CU_ASSERT_EQUAL(learned, 8);

	/* unicast to each: learned ones to p1 only, the others flooded */
	for (i = 0; i < NB_FULL_MACS; i++) {
		len[i] = build_l2(f[i], macs[i], "02:00:0a:f4:04:01",
				  (uint8_t)(0x80 + i));
		ps_test_node_inject("p2_rx", f[i], len[i]);
	}
	ps_test_node_run();
	n = ps_test_collect("p1_tx", out, RTE_DIM(out));
	CU_ASSERT_EQUAL(n, NB_FULL_MACS);
	for (i = 0; i < n && i < NB_FULL_MACS; i++)
		CU_ASSERT(ps_test_frame_eq(out[i], f[i], len[i]));
	rte_pktmbuf_free_bulk(out, n);
	n = ps_test_collect("p3_tx", out, RTE_DIM(out));
	CU_ASSERT_EQUAL(n, NB_FULL_MACS - learned);
	for (i = 0, k = 0; i < NB_FULL_MACS && k < n; i++)
		if (!is_learned[i])
			CU_ASSERT(ps_test_frame_eq(out[k++], f[i], len[i]));
	rte_pktmbuf_free_bulk(out, n);
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("up_tx");

	/* the learned ones are untouched, the count of refusals grew */
	ps_fdb_stats(dp->fdb, &st);
	CU_ASSERT_EQUAL(st.entries, 8);
	CU_ASSERT(st.full >= NB_FULL_MACS - 8);
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests[] = {
	{ "arp request for the gateway is answered", test_arp_gateway_reply },
	{ "unknown unicast flooded to the other pods",
	  test_flood_unknown_unicast },
	{ "broadcast and multicast flooded", test_flood_broadcast },
	{ "known unicast to its port only", test_known_unicast },
	{ "MAC move", test_mac_move },
	{ "destination on the ingress port dropped", test_same_port_dropped },
	{ "static pod MAC does not move", test_static_pod_mac_no_move },
	{ "bad source MAC dropped", test_bad_src_mac },
	{ "too short frame dropped", test_too_short },
	{ "uplink frame for someone else dropped", test_uplink_not_for_us },
	{ "arp request for the node IP on the uplink", test_arp_node_ip_uplink },
	{ "arp request for another pod flooded", test_arp_other_pod_flooded },
	{ "icmp echo to the gateway answered", test_icmp_echo_gateway },
	{ "icmp echo to the node IP answered", test_icmp_echo_node_ip },
	{ "ethernet padding trimmed in the echo reply",
	  test_icmp_echo_padding_trimmed },
	{ "ipv4 bad header checksum dropped", test_ip4_bad_checksum },
	{ "ipv4 IHL 4 dropped", test_ip4_bad_ihl },
	{ "ipv4 total length beyond the frame dropped", test_ip4_bad_length },
	{ "ipv4 truncated header dropped", test_ip4_too_short },
	{ "ipv4 bad version dropped", test_ip4_bad_version },
	{ "no mbuf leak", test_no_mbuf_leak },
};

static const struct ps_test tests_small_fdb[] = {
	{ "full FDB: new MACs flooded", test_fdb_full_floods },
};

/* the second suite: a second dataplane in the same process, after the
 * first is gone */
PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("l2", setup, ps_test_node_stop, tests),
	     PS_SUITE("l2 small fdb", setup_small_fdb, ps_test_node_stop,
		      tests_small_fdb))
