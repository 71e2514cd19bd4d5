/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_TEST_COMMON_H
#define PS_TEST_COMMON_H

/*
 * Shared test harness: EAL in-process without hugepages and the CUnit main
 * (test_common.c), the real dataplane over ring ports polled from the test
 * thread (test_node.c), frame builders (test_frames.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CUnit/Basic.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <podswitch/config.h>
#include <podswitch/dataplane.h>

/* The process (test_common.c) ----------------------------------------- */

/* rte_eal_init with --no-huge, lcore 0, 512 MB, a per-process file prefix;
 * at exit rte_eal_cleanup() and removal of the prefix's runtime directory. */
int ps_test_eal_init(const char *name);
/* The same with other lcores ("0-1") and heap size (MB). */
int ps_test_eal_init_with(const char *name, const char *lcores,
			  unsigned int mem_mb);
/* ps_test_eal_init, then the driver profiles (for programs that start a
 * dataplane). */
int ps_test_eal_profiles_init(const char *name);
/* Load the driver profiles of the source tree. */
int ps_test_load_profiles(void);
/* Run a CUnit registry in verbose mode; returns the process exit code. */
int ps_test_run_cunit(void);

/*
 * CUnit programs: a table of suites, each a table of tests, run by
 *
 *	static const struct ps_test tests[] = { { "name", fn }, ... };
 *	PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("l3", setup, teardown, tests))
 *
 * The first argument runs before anything is registered, with argv[0]
 * (NULL: nothing to prepare); a failure there, or a suite or test CUnit
 * cannot register, ends the program with status 1.
 */
struct ps_test {
	const char *name;
	CU_TestFunc fn;
};

struct ps_test_suite {
	const char *name;
	CU_InitializeFunc init;
	CU_CleanupFunc fini;
	const struct ps_test *tests;
	unsigned int nb_tests;
};

#define PS_SUITE(name, init, fini, tests) \
	{ (name), (init), (fini), (tests), RTE_DIM(tests) }

int ps_test_main(const char *argv0, int (*prepare)(const char *argv0),
		 const struct ps_test_suite *suites, unsigned int nb_suites);

#define PS_TEST_MAIN(prepare, ...)					\
	int								\
	main(int argc, char **argv)					\
	{								\
		static const struct ps_test_suite suites_[] = { __VA_ARGS__ }; \
									\
		RTE_SET_USED(argc);					\
		return ps_test_main(argv[0], (prepare), suites_,	\
				    RTE_DIM(suites_));			\
	}

/*
 * CHECK(cond, fmt, ...): a CUnit assertion that says why it failed (the
 * message, with the caller's function and line, also on stderr). Returns
 * cond, so that a test can stop where going on makes no sense.
 */
#define CHECK(cond, ...) \
	ps_check_at(!!(cond), __FILE__, __LINE__, __func__, __VA_ARGS__)

bool ps_check_at(bool ok, const char *file, unsigned int line,
		 const char *func, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The dataplane under test (test_node.c) ------------------------------- */

/*
 * Start the real dataplane for a configuration text (ports of driver
 * "ring"), with one worker polled by the calling thread.
 */
int ps_test_dp_start(const char *config_json, struct ps_dataplane *dp,
		     struct ps_config *cfg);
void ps_test_dp_stop(struct ps_dataplane *dp, struct ps_config *cfg);
/* Walk the graph and run the management pass, rounds times. */
void ps_test_dp_run(struct ps_dataplane *dp, unsigned int rounds);

/*
 * In a configuration text: a port of driver "ring" named `name` on the
 * rings name_rx and name_tx, with `extra` (JSON members, each after a
 * comma, or "") in its object; PS_POD() is such a member, the port's pod.
 */
#define PS_RING_PORT(name, role, extra)					\
	"{ \"name\": \"" name "\", \"role\": \"" role "\", \"driver\": \"ring\"," \
	" \"args\": { \"rx_ring\": \"" name "_rx\", \"tx_ring\": \"" name "_tx\" }" \
	extra " }"
#define PS_POD(ip, mac) \
	", \"pod\": { \"ip\": \"" ip "\", \"mac\": \"" mac "\" }"

/*
 * The node under test: the dataplane of a configuration (ports of driver
 * "ring") polled by the test thread. One per process: the graph, the ports
 * and the ring names are process-wide. A packet test keeps its own
 * configuration and calls, from its suite's set-up and clean-up,
 * ps_test_node_start() and ps_test_node_stop().
 */
struct ps_test_node {
	struct ps_dataplane dp;
	struct ps_config cfg;
	unsigned int walks;	/* graph walks of ps_test_node_run() */
	unsigned int pool_base;	/* mbufs in use once started */
	bool up;		/* started, not stopped */
};

extern struct ps_test_node ps_test_node;

/* Start it (walks: for ps_test_node_run()); every tx ring drained, then
 * the mbufs in use noted. Returns 0 or -1, said on stderr. */
int ps_test_node_start(const char *config_json, unsigned int walks);
/* Drain and stop it; always 0 (a CUnit clean-up). */
int ps_test_node_stop(void);
/* Free what waits on the tx ring of every ring port the node has now
 * (configured or added); returns how many. */
unsigned int ps_test_node_drain(void);
/* ps_test_dp_run() of the node, its walks times. */
void ps_test_node_run(void);
/* Inject a copy of frame on ring; a failure ends the test. */
void ps_test_node_inject(const char *ring, const void *frame, size_t len);
/* CUnit check: once the tx rings are drained, every mbuf a test used is
 * back in the pool. */
void ps_test_node_expect_no_leak(void);
/* Apply a Kubernetes document (a List of Services and EndpointSlices) to
 * the node's service table. Returns 0 or -1 (errors on stderr). */
int ps_test_node_apply(const char *k8s_json);

/* Put a copy of frame on ring rx (a port's rx_ring). Returns 0 or -errno. */
int ps_test_inject(struct ps_dataplane *dp, const char *ring,
		   const void *frame, size_t len);
/* Take up to max mbufs from ring (a port's tx_ring). */
unsigned int ps_test_collect(const char *ring, struct rte_mbuf **out,
			     unsigned int max);
/* Free every mbuf waiting on ring; returns how many. */
unsigned int ps_test_drain(const char *ring);
/* CUnit checks: ring holds exactly one frame, equal to frame (freed);
 * ring holds nothing (what it holds is freed). */
void ps_test_expect_one(const char *ring, const void *frame, size_t len);
void ps_test_expect_none(const char *ring);
/* true if m holds exactly len bytes equal to frame; prints a diff if not. */
bool ps_test_frame_eq(const struct rte_mbuf *m, const void *frame, size_t len);

/* Frames (test_frames.c) ----------------------------------------------- */

/* Frame builders: write into buf, return the frame length. */
size_t ps_build_eth(uint8_t *buf, const char *dst, const char *src,
		    uint16_t ethertype, const void *payload, size_t plen);
size_t ps_build_arp(uint8_t *buf, uint16_t op, const char *eth_dst,
		    const char *sha, const char *sip, const char *tha,
		    const char *tip);
/* IPv4 + ICMP echo (type 8 request or 0 reply) with correct checksums. */
size_t ps_build_icmp_echo(uint8_t *buf, const char *eth_dst,
			  const char *eth_src, const char *ip_src,
			  const char *ip_dst, uint8_t type, uint16_t id,
			  uint16_t seq, uint8_t ttl, size_t payload_len);

/* What a router sends on for the IPv4 frame `in`: new MACs, TTL one less,
 * header checksum recomputed. Returns len. */
size_t ps_build_forwarded(uint8_t *buf, const uint8_t *in, size_t len,
			  const char *dst_mac, const char *src_mac);

/* The ICMP error (type, code) a router with MAC src_mac sends from
 * from_ip to dst_mac about the IPv4 frame `in`, quoting its IP header and
 * 8 more bytes (RFC 792), TTL 64. Returns the frame length. */
size_t ps_build_icmp_error(uint8_t *buf, const uint8_t *in, size_t in_len,
			   const char *dst_mac, const char *src_mac,
			   const char *from_ip, uint8_t type, uint8_t code);

/*
 * An IPv4 TCP or UDP frame, every checksum computed over the whole packet
 * (never updated): IP id 0x4d2, no DF, TCP header without options and
 * window 65535, payload bytes i * 7 + 3.
 */
struct ps_l4 {
	const char *src;
	const char *dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t flags;		/* TCP */
	uint32_t seq, ack;	/* TCP */
	uint8_t ttl;
	uint16_t plen;
	bool no_csum;		/* UDP without checksum */
};

size_t ps_build_l4(uint8_t *buf, const char *dmac, const char *smac,
		   const struct ps_l4 *f);
/* A TCP segment or UDP datagram with TTL 64 (ports in host order). */
struct ps_l4 ps_tcp(const char *src, uint16_t sport,
		    const char *dst, uint16_t dport, uint8_t flags,
		    uint32_t seq, uint32_t ack, uint16_t plen);
struct ps_l4 ps_udp(const char *src, uint16_t sport,
		    const char *dst, uint16_t dport, uint16_t plen);

/*
 * The frame a VTEP at src_ip/src_mac sends to dst_ip/dst_mac carrying
 * inner (inner_len bytes) with vni and UDP ports sport/dport (host
 * order), written out byte by byte, not with the code under test: DF, id
 * 0, TTL 64, the inner ECN (CE as ECT(0)), UDP checksum 0, flags 0x08.
 */
size_t ps_build_vxlan(uint8_t *buf, const char *dst_mac, const char *src_mac,
		      const char *src_ip, const char *dst_ip, uint16_t sport,
		      uint16_t dport, uint32_t vni, const uint8_t *inner,
		      size_t inner_len);

/* Reference Internet checksum (RFC 1071), byte pairs big-endian, the plain
 * loop: add len bytes of p to sum; fold a sum into the checksum (one's
 * complement, host order). */
uint32_t ps_cksum_add(const void *p, size_t len, uint32_t sum);
uint16_t ps_cksum_fold(uint32_t sum);
/* Recompute the IPv4 header checksum of the frame (IP after 14 bytes). */
void ps_test_ip4_recksum(uint8_t *frame);

struct rte_ether_addr ps_mac(const char *s);
uint32_t ps_ip(const char *s);

#endif
