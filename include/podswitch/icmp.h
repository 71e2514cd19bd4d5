/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_ICMP_H
#define PODSWITCH_ICMP_H

/*
 * ICMP error types and codes (RFC 792) that the graph sends: a node asks
 * icmp_error for one through the mbuf metadata (icmp_type, icmp_code),
 * and recognises them in packets it translates. DPDK 22.11's rte_icmp.h
 * names only the echo types.
 */

#define PS_ICMP_DEST_UNREACH 3
#define PS_ICMP_SOURCE_QUENCH 4
#define PS_ICMP_REDIRECT 5
#define PS_ICMP_TIME_EXCEEDED 11
#define PS_ICMP_PARAM_PROBLEM 12

/* codes of PS_ICMP_DEST_UNREACH */
#define PS_ICMP_NET_UNREACH 0
#define PS_ICMP_HOST_UNREACH 1
#define PS_ICMP_PORT_UNREACH 3
#define PS_ICMP_FRAG_NEEDED 4

#endif
