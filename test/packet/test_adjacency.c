/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of gateway adjacencies: a route's gateway carries an id
 * whose slot ip4_rewrite reads instead of hashing the next hop. The slot
 * must follow the neighbor: a new MAC is used by the next packet, and a
 * deleted or aged neighbor sends packets back to ARP and the hold queue.
 * A stale slot would send the old MAC, or send without resolving.
 */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>

#include <podswitch/graph.h>
#include <podswitch/inet.h>
#include <podswitch/neighbor.h>
#include <podswitch/route.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* static pod 10.244.0.2 on p1 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11 */
#define PEER2_MAC "02:00:c0:a8:3c:1b"	/* node B after a NIC swap */
#define BCAST "ff:ff:ff:ff:ff:ff"
#define ZERO "00:00:00:00:00:00"
#define GW "192.168.60.11"

static const char *const config =
	"{ \"node\": { \"name\": \"ta\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"" GW "\" } ],"
	"  \"tables\": { \"routes\": 1024 },"
	"  \"timers\": { \"arp_retry_ms\": 20, \"arp_retries\": 1,"
	"    \"neigh_age_s\": 1 } }";

static struct ps_dataplane *const dp = &ps_test_node.dp;
static uint8_t echo[128];
static size_t echo_len;

static int
setup(void)
{
	int rc = ps_test_node_start(config, 4);

	echo_len = ps_build_icmp_echo(echo, NODE_MAC, P1_MAC, "10.244.0.2",
				      "10.244.1.5", 8, 7, 1, 64, 16);
	return rc;
}

static uint32_t
ip4(const char *s)
{
	uint32_t a = 0;

	CU_ASSERT_EQUAL(ps_parse_ip4(s, &a), 0);
	return a;
}

/* What ip4_rewrite reads for a packet to 10.244.1.5: the route's
 * adjacency slot, or NULL when it holds no entry of the gateway. */
static const struct ps_neigh *
gateway_slot(void)
{
	const struct ps_neigh *const *slots;
	const struct ps_nexthop *nh;
	uint32_t dst = ip4("10.244.1.5"), adj, nb;

	ps_route_lookup_bulk_adj(dp->routes, &dst, 1, &nh, &adj);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nh);
	CU_ASSERT_NOT_EQUAL(adj, PS_NEIGH_ADJ_NONE);
	slots = ps_neigh_adj_slots(dp->neighbors, &nb);
	return ps_neigh_adj_get(slots, nb, adj, ip4(GW));
}

static void
arp_reply(const char *mac)
{
	uint8_t arp[64];
	size_t alen;

	alen = ps_build_arp(arp, RTE_ARP_OP_REPLY, NODE_MAC, mac, GW,
			    NODE_MAC, "192.168.60.10");
	ps_test_node_inject("up_rx", arp, alen);
	ps_test_node_run();
}

/* The echo leaves towards the gateway with dst MAC mac. */
static void
expect_forwarded(const char *mac)
{
	uint8_t exp[128];

	ps_test_node_inject("p1_rx", echo, echo_len);
	ps_test_node_run();
	ps_build_forwarded(exp, echo, echo_len, mac, NODE_MAC);
	ps_test_expect_one("up_tx", exp, echo_len);
}

/* The echo is held, an ARP request goes out, and a reply from mac
 * releases it: the path an unknown next hop takes. */
static void
expect_resolution(const char *mac)
{
	struct ps_neigh_stats st0, st1;
	uint8_t arp[64], exp[128];
	size_t alen;

	ps_neigh_stats(dp->neighbors, &st0);
	ps_test_node_inject("p1_rx", echo, echo_len);
	ps_test_node_run();
	alen = ps_build_arp(arp, RTE_ARP_OP_REQUEST, BCAST, NODE_MAC,
			    "192.168.60.10", ZERO, GW);
	ps_test_expect_one("up_tx", arp, alen);
	ps_neigh_stats(dp->neighbors, &st1);
	CU_ASSERT_EQUAL(st1.held - st0.held, 1);
	CU_ASSERT_EQUAL(st1.solicits - st0.solicits, 1);

	arp_reply(mac);
	ps_build_forwarded(exp, echo, echo_len, mac, NODE_MAC);
	ps_test_expect_one("up_tx", exp, echo_len);
	ps_neigh_stats(dp->neighbors, &st1);
	CU_ASSERT_EQUAL(st1.released - st0.released, 1);
}

/* One gateway route: one adjacency, empty until ARP resolves it. */
static void
test_adjacency_resolves(void)
{
	struct ps_neigh_stats st;
	const struct ps_neigh *n;

	ps_neigh_stats(dp->neighbors, &st);
	CU_ASSERT_EQUAL(st.adjacencies, 1);
	CU_ASSERT_PTR_NULL(gateway_slot());
	expect_resolution(PEER_MAC);
	n = gateway_slot();
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->state, PS_NEIGH_REACHABLE);
	expect_forwarded(PEER_MAC);
	ps_test_node_expect_no_leak();
}

/* The gateway answers from a new MAC: the very next packet uses it. */
static void
test_adjacency_mac_change(void)
{
	struct rte_ether_addr mac;
	const struct ps_neigh *n;

	expect_forwarded(PEER_MAC);
	arp_reply(PEER2_MAC);
	ps_test_expect_none("up_tx");
	n = gateway_slot();
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(rte_ether_unformat_addr(PEER2_MAC, &mac), 0);
	CU_ASSERT(rte_is_same_ether_addr(&n->mac, &mac));
	expect_forwarded(PEER2_MAC);
	ps_test_node_expect_no_leak();
}

/* Deleted: the slot empties and the next packet resolves again. */
static void
test_adjacency_deleted(void)
{
	expect_forwarded(PEER2_MAC);
	CU_ASSERT_EQUAL(ps_neigh_del(dp->neighbors, ip4(GW)), 0);
	CU_ASSERT_PTR_NULL(gateway_slot());
	expect_resolution(PEER_MAC);
	expect_forwarded(PEER_MAC);
	ps_test_node_expect_no_leak();
}

/* Aged out (1 s without a confirmation): back to resolution too. */
static void
test_adjacency_aged(void)
{
	struct ps_neigh_stats st0, st1;
	int i;

	expect_forwarded(PEER_MAC);
	ps_neigh_stats(dp->neighbors, &st0);
	for (i = 0; i < 300 && gateway_slot() != NULL; i++) {
		ps_test_node_run();
		usleep(10000);
	}
	ps_neigh_stats(dp->neighbors, &st1);
	CU_ASSERT_EQUAL(st1.aged - st0.aged, 1);
	CU_ASSERT_PTR_NULL(gateway_slot());
	expect_resolution(PEER2_MAC);
	expect_forwarded(PEER2_MAC);
	ps_test_node_expect_no_leak();
}

/* The route goes: its adjacency is let go; back: bound again. */
static void
test_adjacency_route_churn(void)
{
	struct ps_prefix4 p = { .addr = ip4("10.244.1.0"), .len = 24 };
	struct ps_route r;
	struct ps_neigh_stats st;

	CU_ASSERT_EQUAL_FATAL(ps_route_get(dp->routes, &p, &r), 0);
	CU_ASSERT_EQUAL(ps_route_del(dp->routes, &p), 0);
	ps_neigh_stats(dp->neighbors, &st);
	CU_ASSERT_EQUAL(st.adjacencies, 0);
	CU_ASSERT_EQUAL(ps_route_add(dp->routes, &r), 0);
	ps_neigh_stats(dp->neighbors, &st);
	CU_ASSERT_EQUAL(st.adjacencies, 1);
	/* The neighbor outlived the route: the new slot finds it. */
	CU_ASSERT_PTR_NOT_NULL(gateway_slot());
	expect_forwarded(PEER2_MAC);
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests[] = {
	{ "gateway adjacency resolves by ARP", test_adjacency_resolves },
	{ "new gateway MAC used by the next packet", test_adjacency_mac_change },
	{ "deleted gateway neighbor resolves again", test_adjacency_deleted },
	{ "aged gateway neighbor resolves again", test_adjacency_aged },
	{ "route churn rebinds the adjacency", test_adjacency_route_churn },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("adjacency", setup, ps_test_node_stop, tests))
