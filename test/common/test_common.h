/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_TEST_COMMON_H
#define PS_TEST_COMMON_H

/*
 * Shared test harness: EAL in-process without hugepages, the real
 * dataplane over ring ports polled from the test thread, frame builders.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CUnit/Basic.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <podswitch/config.h>
#include <podswitch/dataplane.h>

/* rte_eal_init with --no-huge, one lcore, a per-process file prefix; at
 * exit rte_eal_cleanup() and removal of the prefix's runtime directory. */
int ps_test_eal_init(const char *name);
/* Load the driver profiles of the source tree. */
int ps_test_load_profiles(void);
/* Run a CUnit registry in verbose mode; returns the process exit code. */
int ps_test_run_cunit(void);

/*
 * Start the real dataplane for a configuration text (ports of driver
 * "ring"), with one worker polled by the calling thread.
 */
int ps_test_dp_start(const char *config_json, struct ps_dataplane *dp,
		     struct ps_config *cfg);
void ps_test_dp_stop(struct ps_dataplane *dp, struct ps_config *cfg);
/* Walk the graph and run the management pass, rounds times. */
void ps_test_dp_run(struct ps_dataplane *dp, unsigned int rounds);

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

struct rte_ether_addr ps_mac(const char *s);
uint32_t ps_ip(const char *s);

#endif
