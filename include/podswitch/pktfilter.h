/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_PKTFILTER_H
#define PODSWITCH_PKTFILTER_H

/*
 * Packet filters in tcpdump's language (pcap-filter(7)), for capture and
 * trace. An expression is compiled by libpcap for Ethernet frames
 * (pcap_compile on a DLT_EN10MB handle), converted from classic BPF to
 * DPDK's eBPF (rte_bpf_convert) and loaded with rte_bpf_load; the native
 * code of DPDK's BPF JIT runs it when the JIT could build it, the
 * interpreter otherwise.
 *
 * Compile and free on the management thread (they allocate; EAL must be
 * up). A compiled filter is read-only: any number of workers may call
 * ps_pktfilter_match on it at once. The program reads the packet through
 * the mbuf (rte_pktmbuf_read), so multi-segment mbufs are fine.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct ps_pktfilter;

/* The bytes of a packet the compiled program may look at: the snapshot
 * length libpcap compiles for (the program answers "no match" for a
 * packet whose interesting bytes lie beyond it). */
#define PS_PKTFILTER_SNAPLEN 65535

/*
 * Compile expr. An empty expression (or only blanks) matches every
 * packet. Returns NULL on error, with a one-line reason in err (errlen
 * bytes, may be 0): libpcap's own message for a bad expression.
 */
struct ps_pktfilter *ps_pktfilter_compile(const char *expr, char *err,
					  size_t errlen);

/* Does m match? Fast path: no allocation, no lock, no system call. */
bool ps_pktfilter_match(const struct ps_pktfilter *f, struct rte_mbuf *m);

/*
 * Match n packets at once: match[i] is set to whether pkts[i] matches.
 * Returns how many matched.
 */
uint16_t ps_pktfilter_match_burst(const struct ps_pktfilter *f,
				  struct rte_mbuf **pkts, bool *match,
				  uint16_t n);

/* The expression f was compiled from ("" for match-all). */
const char *ps_pktfilter_expr(const struct ps_pktfilter *f);
/* Does f run as native code (the JIT) rather than interpreted? */
bool ps_pktfilter_jitted(const struct ps_pktfilter *f);

/* Free f (NULL is fine). The caller makes sure no worker still runs it
 * (RCU grace period). */
void ps_pktfilter_free(struct ps_pktfilter *f);

#endif
