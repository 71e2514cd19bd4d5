/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streams longer than one burst: rte_graph hands a node everything its
 * parents enqueued in one walk, so many ports with full bursts, or a few
 * ports with workers.burst 256, give nodes more than RTE_GRAPH_BURST_SIZE
 * objects at once. Every frame injected must come out where it belongs
 * (or be counted as a drop), and every mbuf must come back.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include <podswitch/graph.h>
#include <podswitch/port.h>
#include <podswitch/stats.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define GW_MAC NODE_MAC
#define ETYPE_TEST 0x88b5
/* the case: native ring ports take no ethdev (Debian's DPDK has
 * 32 of them), so 64 pods + the uplink fit on one worker */
#define MANY_PODS 64
#define CONFIG_MAX 32768

struct burst_case {
	unsigned int pods;
	unsigned int burst;	/* frames each pod sends in one walk */
};

static struct ps_dataplane *const dp = &ps_test_node.dp;
static struct burst_case cur;

static void
pod_mac(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "02:00:0a:f4:00:%02x", 0x10 + i);
}

static void
pod_ip(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "10.244.0.%u", 0x10 + i);
}

static void
ring_name(char *buf, size_t len, unsigned int i, const char *dir)
{
	snprintf(buf, len, "b%u_%s", i, dir);
}

static int
config_text(char *buf, size_t len, const struct burst_case *c)
{
	size_t off;
	unsigned int i;

	off = (size_t)snprintf(buf, len,
		"{ \"node\": { \"name\": \"t\", \"ip\": \"192.168.60.10/24\","
		"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
		"  \"gateway_ip\": \"10.244.0.1\" },"
		"  \"workers\": { \"burst\": %u },"
		"  \"tables\": { \"conntrack\": 65536 },"
		"  \"hotplug\": { \"max_ports\": 0 },"
		"  \"ports\": [", c->burst);
	for (i = 0; i < c->pods && off < len; i++) {
		char mac[32], ip[32];

		pod_mac(mac, sizeof(mac), i);
		pod_ip(ip, sizeof(ip), i);
		off += (size_t)snprintf(buf + off, len - off,
			"{ \"name\": \"b%u\", \"role\": \"pod\", \"driver\": \"ring\","
			"  \"args\": { \"rx_ring\": \"b%u_rx\", \"tx_ring\": \"b%u_tx\" },"
			"  \"pod\": { \"ip\": \"%s\", \"mac\": \"%s\" } },",
			i, i, i, ip, mac);
	}
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off,
			"{ \"name\": \"up\", \"role\": \"uplink\", \"driver\": \"ring\","
			"  \"args\": { \"rx_ring\": \"bup_rx\", \"tx_ring\": \"bup_tx\" } } ] }");
	return off < len ? 0 : -1;
}

static int
start(unsigned int pods, unsigned int burst)
{
	static char text[CONFIG_MAX];

	cur.pods = pods;
	cur.burst = burst;
	if (config_text(text, sizeof(text), &cur) != 0) {
		fprintf(stderr, "configuration too long\n");
		return -1;
	}
	return ps_test_node_start(text, 2);
}

static int
setup_many(void)
{
	return start(MANY_PODS, 32);
}

static int
setup_burst256(void)
{
	return start(2, 256);
}

/* Packets counted by every drop node, and frames ports could not send. */
static uint64_t
dropped_total(void)
{
	static struct ps_node_stats st[4096];
	uint64_t sum = 0;
	unsigned int i, w;
	int n = ps_stats_nodes(st, RTE_DIM(st));

	for (i = 0; n > 0 && i < (unsigned int)n; i++)
		if (strstr(st[i].name, PS_DROP_INFIX) != NULL)
			sum += st[i].objs;
	for (i = 0; i < dp->nb_ports; i++)
		for (w = 0; w < dp->nb_workers; w++)
			sum += ps_ports[dp->port_ids[i]].sw[w].tx_dropped;
	return sum;
}

/* Frame number k of pod i to pod dst: bridged (to its MAC) or routed
 * (to the gateway, for its IP). */
static size_t
build(uint8_t *buf, unsigned int i, unsigned int dst, unsigned int k,
      bool routed)
{
	char smac[32], dmac[32], sip[32], dip[32];
	uint8_t payload[46];

	pod_mac(smac, sizeof(smac), i);
	pod_mac(dmac, sizeof(dmac), dst);
	if (!routed) {
		memset(payload, (int)(k & 0xff), sizeof(payload));
		return ps_build_eth(buf, dmac, smac, ETYPE_TEST, payload,
				    sizeof(payload));
	}
	pod_ip(sip, sizeof(sip), i);
	pod_ip(dip, sizeof(dip), dst);
	return ps_build_icmp_echo(buf, GW_MAC, smac, sip, dip, 8,
				  (uint16_t)i, (uint16_t)k, 64, 18);
}

/*
 * Every pod sends a full burst to the next pod in one walk; each pod must
 * receive exactly that burst, byte for byte, nothing dropped, no mbuf
 * kept.
 */
static void
run_case(bool routed)
{
	uint64_t drops0 = dropped_total(), drops;
	unsigned int i, k, got_total = 0;
	char r[32];

	CU_ASSERT_FATAL(ps_test_node.up);
	for (i = 0; i < cur.pods; i++) {
		ring_name(r, sizeof(r), i, "rx");
		for (k = 0; k < cur.burst; k++) {
			uint8_t f[128];
			size_t len = build(f, i, (i + 1) % cur.pods, k, routed);

			CU_ASSERT_EQUAL_FATAL(ps_test_inject(dp, r, f, len), 0);
		}
	}
	/* one walk takes every burst; the second finds nothing */
	ps_test_node_run();

	for (i = 0; i < cur.pods; i++) {
		unsigned int src = (i + cur.pods - 1) % cur.pods, n;
		struct rte_mbuf *out[256];

		ring_name(r, sizeof(r), i, "tx");
		n = ps_test_collect(r, out, RTE_DIM(out));
		got_total += n;
		if (n != cur.burst)
			fprintf(stderr, "  pod %u received %u of %u\n", i, n,
				cur.burst);
		CU_ASSERT_EQUAL(n, cur.burst);
		for (k = 0; k < n; k++) {
			uint8_t in[128], exp[128];
			size_t len = build(in, src, i, k, routed);
			char dmac[32];

			if (routed) {
				pod_mac(dmac, sizeof(dmac), i);
				len = ps_build_forwarded(exp, in, len, dmac,
							 NODE_MAC);
			} else {
				memcpy(exp, in, len);
			}
			if (!ps_test_frame_eq(out[k], exp, len)) {
				fprintf(stderr, "  pod %u frame %u\n", i, k);
				CU_FAIL("frame differs");
				break;
			}
		}
		if (n > 0)
			rte_pktmbuf_free_bulk(out, n);
	}
	drops = dropped_total() - drops0;
	/* every frame is accounted for: here all of them arrived */
	CU_ASSERT_EQUAL(got_total + drops, cur.pods * cur.burst);
	CU_ASSERT_EQUAL(drops, 0);
	CU_ASSERT_EQUAL(ps_test_drain("bup_tx"), 0);
	ps_test_node_expect_no_leak();
}

static void
test_bridged(void)
{
	run_case(false);
}

static void
test_routed(void)
{
	run_case(true);
}

static const struct ps_test tests[] = {
	{ "bridged", test_bridged },
	{ "routed", test_routed },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("64 pod ports x burst 32 in one walk", setup_many,
		      ps_test_node_stop, tests),
	     PS_SUITE("2 pod ports x burst 256 in one walk", setup_burst256,
		      ps_test_node_stop, tests))
