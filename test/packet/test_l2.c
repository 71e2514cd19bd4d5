/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the L2 stage: crafted frames through the real graph over
 * ring ports, frames out compared byte for byte.
 */
#include <string.h>

#include <rte_ether.h>

#include <podswitch/fdb.h>
#include <podswitch/stats.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P2_MAC "02:00:0a:f4:00:03"
#define P3_MAC "02:00:0a:f4:00:04"

static const char *const config =
	"{ \"node\": { \"name\": \"t\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\" },"
	"  \"ports\": ["
	"  { \"name\": \"p1\", \"role\": \"pod\", \"driver\": \"ring\","
	"    \"args\": { \"rx_ring\": \"p1_rx\", \"tx_ring\": \"p1_tx\" } },"
	"  { \"name\": \"p2\", \"role\": \"pod\", \"driver\": \"ring\","
	"    \"args\": { \"rx_ring\": \"p2_rx\", \"tx_ring\": \"p2_tx\" } },"
	"  { \"name\": \"p3\", \"role\": \"pod\", \"driver\": \"ring\","
	"    \"args\": { \"rx_ring\": \"p3_rx\", \"tx_ring\": \"p3_tx\" } },"
	"  { \"name\": \"up\", \"role\": \"uplink\", \"driver\": \"ring\","
	"    \"args\": { \"rx_ring\": \"up_rx\", \"tx_ring\": \"up_tx\" } } ] }";

static struct ps_dataplane dp;
static struct ps_config cfg;

static int
setup(void)
{
	return ps_test_dp_start(config, &dp, &cfg) == 0 ? 0 : -1;
}

static int
teardown(void)
{
	ps_test_dp_stop(&dp, &cfg);
	return 0;
}

static void
drain_all(void)
{
	ps_test_drain("p1_tx");
	ps_test_drain("p2_tx");
	ps_test_drain("p3_tx");
	ps_test_drain("up_tx");
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
	CU_ASSERT_EQUAL(ps_test_inject(&dp, "p1_rx", req, rl), 0);
	ps_test_dp_run(&dp, 2);
	n = ps_test_collect("p1_tx", out, RTE_DIM(out));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(ps_test_frame_eq(out[0], exp, el));
	rte_pktmbuf_free_bulk(out, n);
	/* answered, not flooded */
	CU_ASSERT_EQUAL(ps_test_drain("p2_tx"), 0);
	CU_ASSERT_EQUAL(ps_test_drain("p3_tx"), 0);
	drain_all();
}

int
main(int argc, char **argv)
{
	CU_pSuite s;

	(void)argc;
	if (ps_test_eal_init(argv[0]) < 0 || ps_test_load_profiles() < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("l2", setup, teardown);
	CU_add_test(s, "arp request for the gateway is answered", test_arp_gateway_reply);
	return ps_test_run_cunit();
}
