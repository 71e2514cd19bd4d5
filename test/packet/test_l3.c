/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the L3 stage (host-gw routing): crafted frames through
 * the real graph over ring ports, frames out compared byte for byte.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mempool.h>

#include <podswitch/graph.h>
#include <podswitch/inet.h>
#include <podswitch/neighbor.h>
#include <podswitch/stats.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* static pod 10.244.0.2 on p1 */
#define P2_MAC "02:00:0a:f4:00:03"	/* dynamic pod 10.244.0.3 on p2 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11 on the uplink */
#define KERNEL_MAC "02:00:00:00:00:ee"	/* the host port's kernel side */
#define BCAST "ff:ff:ff:ff:ff:ff"
#define ZERO "00:00:00:00:00:00"

static const char *const config =
	"{ \"node\": { \"name\": \"t3\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
	PS_RING_PORT("p2", "pod", "") ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" },"
	"                { \"dst\": \"10.244.9.0/24\", \"gateway\": \"192.168.60.99\" } ],"
	"  \"tables\": { \"routes\": 1024 },"
	"  \"timers\": { \"arp_retry_ms\": 20, \"arp_retries\": 1 } }";

static struct ps_dataplane *const dp = &ps_test_node.dp;

static int
setup(void)
{
	return ps_test_node_start(config, 4);
}

static uint64_t
drops(const char *node, const char *reason)
{
	return ps_stats_drops(node, reason);
}

/* Uplink -> static pod: routed, one TTL less, checksum updated in place. */
static void
test_route_to_static_pod(void)
{
	uint8_t in[128], exp[128];
	size_t len;

	len = ps_build_icmp_echo(in, NODE_MAC, PEER_MAC, "10.244.1.5",
				 "10.244.0.2", 8, 7, 1, 64, 16);
	ps_test_node_inject("up_rx", in, len);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, P1_MAC, NODE_MAC);
	ps_test_expect_one("p1_tx", exp, len);
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* Pod -> remote pod via the node B gateway: ARP on the uplink, the packet
 * waits, the reply releases it; the next one goes straight out. */
static void
test_route_via_gateway_resolves(void)
{
	uint8_t in[128], exp[128], arp[64];
	size_t len, alen;
	struct ps_neigh_stats st0, st1;

	ps_neigh_stats(dp->neighbors, &st0);
	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.1.5", 8, 7, 2, 64, 16);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	alen = ps_build_arp(arp, RTE_ARP_OP_REQUEST, BCAST, NODE_MAC,
			    "192.168.60.10", ZERO, "192.168.60.11");
	ps_test_expect_one("up_tx", arp, alen);

	alen = ps_build_arp(arp, RTE_ARP_OP_REPLY, NODE_MAC, PEER_MAC,
			    "192.168.60.11", NODE_MAC, "192.168.60.10");
	ps_test_node_inject("up_rx", arp, alen);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, PEER_MAC, NODE_MAC);
	ps_test_expect_one("up_tx", exp, len);

	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_test_expect_one("up_tx", exp, len);
	ps_neigh_stats(dp->neighbors, &st1);
	CU_ASSERT_EQUAL(st1.solicits - st0.solicits, 1);
	CU_ASSERT_EQUAL(st1.released - st0.released, 1);
	ps_test_node_expect_no_leak();
}

/* A pod that is not declared: ARP flooded on the pod segment from the
 * gateway address, the pod's answer on p2 delivers. */
static void
test_resolve_dynamic_pod(void)
{
	uint8_t in[128], exp[128], arp[64];
	size_t len, alen;

	len = ps_build_icmp_echo(in, NODE_MAC, PEER_MAC, "10.244.1.5",
				 "10.244.0.3", 8, 9, 1, 64, 32);
	ps_test_node_inject("up_rx", in, len);
	ps_test_node_run();
	alen = ps_build_arp(arp, RTE_ARP_OP_REQUEST, BCAST, NODE_MAC,
			    "10.244.0.1", ZERO, "10.244.0.3");
	ps_test_expect_one("p1_tx", arp, alen);
	ps_test_expect_one("p2_tx", arp, alen);
	alen = ps_build_arp(arp, RTE_ARP_OP_REPLY, NODE_MAC, P2_MAC,
			    "10.244.0.3", NODE_MAC, "10.244.0.1");
	ps_test_node_inject("p2_rx", arp, alen);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, P2_MAC, NODE_MAC);
	ps_test_expect_one("p2_tx", exp, len);
	ps_test_expect_none("p1_tx");
	ps_test_node_expect_no_leak();
}

/* At most PS_NEIGH_HOLD_MAX packets wait; the rest are dropped and
 * counted; the held ones leave in order. */
static void
test_hold_queue_bounded(void)
{
	uint8_t in[128], arp[64];
	struct rte_mbuf *out[32];
	struct ps_neigh_stats st0, st1;
	unsigned int i, n;
	size_t len, alen;

	ps_neigh_stats(dp->neighbors, &st0);
	for (i = 0; i < PS_NEIGH_HOLD_MAX + 3; i++) {
		len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
					 "10.244.0.77", 8, 1, (uint16_t)i, 64, 8);
		ps_test_node_inject("p1_rx", in, len);
	}
	ps_test_node_run();
	ps_neigh_stats(dp->neighbors, &st1);
	CU_ASSERT_EQUAL(st1.hold_dropped - st0.hold_dropped, 3);
	ps_test_drain("p1_tx");	/* the ARP requests */
	ps_test_drain("p2_tx");
	alen = ps_build_arp(arp, RTE_ARP_OP_REPLY, NODE_MAC, "02:00:0a:f4:00:4d",
			    "10.244.0.77", NODE_MAC, "10.244.0.1");
	ps_test_node_inject("p2_rx", arp, alen);
	ps_test_node_run();
	n = ps_test_collect("p2_tx", out, RTE_DIM(out));
	CU_ASSERT_EQUAL(n, PS_NEIGH_HOLD_MAX);
	for (i = 0; i < n; i++) {
		const struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(out[i],
			const struct rte_icmp_hdr *, RTE_ETHER_HDR_LEN +
			sizeof(struct rte_ipv4_hdr));

		CU_ASSERT_EQUAL(rte_be_to_cpu_16(icmp->icmp_seq_nb), i);
	}
	rte_pktmbuf_free_bulk(out, n);
	ps_test_node_expect_no_leak();
}

/* A neighbor that never answers: retried, then failed; packets freed. */
static void
test_resolution_fails(void)
{
	uint8_t in[128];
	struct ps_neigh_stats st0, st1;
	size_t len;
	int i;

	ps_neigh_stats(dp->neighbors, &st0);
	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.9.9", 8, 1, 1, 64, 8);
	ps_test_node_inject("p1_rx", in, len);
	/* retry 20 ms, 1 retry: give it 300 ms of real time */
	for (i = 0; i < 30; i++) {
		ps_test_node_run();
		usleep(10000);
	}
	ps_neigh_stats(dp->neighbors, &st1);
	CU_ASSERT_EQUAL(st1.solicits - st0.solicits, 2);
	CU_ASSERT_EQUAL(st1.failed - st0.failed, 1);
	CU_ASSERT_EQUAL(st1.unreachable - st0.unreachable, 1);
	ps_test_node_expect_no_leak();
}

/* TTL 1: ICMP time exceeded from the gateway address back to the pod. */
static void
test_ttl_exceeded(void)
{
	uint8_t in[128], exp[160];
	size_t len, elen;

	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "10.244.1.5", 8, 3, 1, 1, 24);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, in, len, P1_MAC, NODE_MAC, "10.244.0.1",
			  PS_ICMP_TIME_EXCEEDED, 0);
	ps_test_expect_one("p1_tx", exp, elen);
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* TTL 1 arriving on the uplink: the error comes from the node IP. */
static void
test_ttl_exceeded_uplink(void)
{
	uint8_t in[128], exp[160];
	size_t len, elen;

	len = ps_build_icmp_echo(in, NODE_MAC, PEER_MAC, "10.244.1.5",
				 "10.244.0.2", 8, 3, 2, 1, 24);
	ps_test_node_inject("up_rx", in, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, in, len, PEER_MAC, NODE_MAC, "192.168.60.10",
			  PS_ICMP_TIME_EXCEEDED, 0);
	ps_test_expect_one("up_tx", exp, elen);
	ps_test_expect_none("p1_tx");
	ps_test_node_expect_no_leak();
}

/* No route: ICMP network unreachable. */
static void
test_no_route(void)
{
	uint8_t in[128], exp[160];
	size_t len, elen;

	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "8.8.8.8", 8, 4, 1, 64, 24);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, in, len, P1_MAC, NODE_MAC, "10.244.0.1",
			  PS_ICMP_DEST_UNREACH, PS_ICMP_NET_UNREACH);
	ps_test_expect_one("p1_tx", exp, elen);
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* Never an ICMP error about an ICMP error. */
static void
test_no_error_about_error(void)
{
	uint8_t in[128], err[160];
	size_t len, elen;
	uint64_t before = drops("icmp_error", "suppressed");

	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "8.8.8.8", 8, 4, 1, 64, 24);
	/* an unreachable from the pod to 8.8.8.8 (no route), TTL 64 */
	elen = ps_build_icmp_error(err, in, len, NODE_MAC, NODE_MAC, "10.244.0.2",
			  PS_ICMP_DEST_UNREACH, PS_ICMP_PORT_UNREACH);
	{
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)err;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->src_addr = ps_mac(P1_MAC);
		ip->dst_addr = ps_ip("8.8.8.8");
		ps_test_ip4_recksum(err);
	}
	ps_test_node_inject("p1_rx", err, elen);
	ps_test_node_run();
	ps_test_expect_none("p1_tx");
	CU_ASSERT_EQUAL(drops("icmp_error", "suppressed") - before, 1);
	ps_test_node_expect_no_leak();
}

/* ICMP errors are rate-limited per worker. */
static void
test_icmp_rate_limited(void)
{
	uint8_t in[128];
	uint64_t before = drops("icmp_error", "rate_limited");
	unsigned int i, sent = 0;
	size_t len;

	for (i = 0; i < 400; i++) {
		len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
					 "8.8.8.8", 8, 5, (uint16_t)i, 64, 8);
		ps_test_node_inject("p1_rx", in, len);
		if ((i & 63) == 63) {
			ps_test_node_run();
			sent += ps_test_drain("p1_tx");
		}
	}
	ps_test_node_run();
	sent += ps_test_drain("p1_tx");
	if (!(sent >= 90 && sent < 400))
		fprintf(stderr, "icmp errors sent: %u\n", sent);
	CU_ASSERT(sent >= 90 && sent < 400);
	CU_ASSERT(drops("icmp_error", "rate_limited") - before >= 400 - sent);
	ps_test_node_expect_no_leak();
}

/* IP options and fragments are forwarded untouched but for TTL/checksum. */
static void
test_options_and_fragments_forwarded(void)
{
	uint8_t in[160], exp[160];
	struct rte_ipv4_hdr *ip;
	size_t len;

	/* a 24-byte header: IHL 6 with a NOP option row */
	len = ps_build_icmp_echo(in, NODE_MAC, PEER_MAC, "10.244.1.5",
				 "10.244.0.2", 8, 1, 1, 64, 16);
	memmove(in + RTE_ETHER_HDR_LEN + 24, in + RTE_ETHER_HDR_LEN + 20,
		len - RTE_ETHER_HDR_LEN - 20);
	memset(in + RTE_ETHER_HDR_LEN + 20, 1, 4);
	len += 4;
	ip = (struct rte_ipv4_hdr *)(in + RTE_ETHER_HDR_LEN);
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 4);
	/* its first fragment, then a middle one: a later fragment follows
	 * its first (the service path tracks them, svc_frag.h) */
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	ps_test_ip4_recksum(in);
	ps_test_node_inject("up_rx", in, len);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, P1_MAC, NODE_MAC);
	ps_test_expect_one("p1_tx", exp, len);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | 10);
	ps_test_ip4_recksum(in);
	ps_test_node_inject("up_rx", in, len);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, P1_MAC, NODE_MAC);
	ps_test_expect_one("p1_tx", exp, len);
	ps_test_node_expect_no_leak();
}

/* Neighbors learned from ARP requests addressed to us. */
static void
test_learn_from_request(void)
{
	uint8_t arp[64], in[128], exp[128];
	size_t alen, len;

	alen = ps_build_arp(arp, RTE_ARP_OP_REQUEST, BCAST, "02:00:c0:a8:3c:0c",
			    "192.168.60.12", ZERO, "192.168.60.10");
	ps_test_node_inject("up_rx", arp, alen);
	ps_test_node_run();
	ps_test_drain("up_tx");	/* our reply */
	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, "10.244.0.2",
				 "192.168.60.12", 8, 1, 1, 64, 8);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_build_forwarded(exp, in, len, "02:00:c0:a8:3c:0c", NODE_MAC);
	ps_test_expect_one("up_tx", exp, len);
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests[] = {
	{ "uplink to a static pod: TTL and checksum", test_route_to_static_pod },
	{ "via gateway: ARP, hold, release", test_route_via_gateway_resolves },
	{ "dynamic pod resolved on the segment", test_resolve_dynamic_pod },
	{ "hold queue is bounded and ordered", test_hold_queue_bounded },
	{ "resolution failure after retries", test_resolution_fails },
	{ "TTL 1 from a pod: time exceeded", test_ttl_exceeded },
	{ "TTL 1 from the uplink: time exceeded", test_ttl_exceeded_uplink },
	{ "no route: net unreachable", test_no_route },
	{ "no ICMP error about an ICMP error", test_no_error_about_error },
	{ "ICMP errors rate-limited", test_icmp_rate_limited },
	{ "options and fragments forwarded", test_options_and_fragments_forwarded },
	{ "neighbor learned from a request", test_learn_from_request },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("l3", setup, ps_test_node_stop, tests))
