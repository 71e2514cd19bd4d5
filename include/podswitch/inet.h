/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_INET_H
#define PODSWITCH_INET_H

/*
 * IPv4 addresses, prefixes and ICMP types: the one set of helpers the
 * libraries, the modules and the API share. Addresses are in network
 * byte order unless a name says "h" (host order).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

struct ps_prefix4 {
	uint32_t addr;
	uint8_t len;
};

/* The netmask of a prefix length (0..32), in host order. */
static inline uint32_t
ps_prefix4_mask(unsigned int len)
{
	/* a shift by 32 is undefined */
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* addr with the host bits of a len-bit prefix cleared (network order) */
static inline uint32_t
ps_prefix4_net(uint32_t addr, unsigned int len)
{
	return addr & rte_cpu_to_be_32(ps_prefix4_mask(len));
}

/*
 * 224.0.0.0/4, h in host order. DPDK 22.11's RTE_IS_IPV4_MCAST shifts 224
 * into the sign bit of an int (undefined behaviour, UBSan reports it).
 */
static inline bool
ps_ip4_is_mcast(uint32_t h)
{
	return (h >> 28) == 0xe;
}

/*
 * An address a next hop or a tunnel end may have: not 0.0.0.0, not
 * loopback (127/8), not multicast, reserved or broadcast (224/3).
 */
static inline bool
ps_ip4_is_unicast(uint32_t addr)
{
	uint32_t h = rte_be_to_cpu_32(addr);

	return h != 0 && h < 0xe0000000u && (h >> 24) != 127;
}

/* "255.255.255.255" and "255.255.255.255/32" with their NUL */
#define PS_IP4_STRLEN 16
#define PS_PREFIX4_STRLEN 19

/* "a.b.c.d" into buf (PS_IP4_STRLEN bytes); returns the length. */
size_t ps_ip4_fmt(char *buf, uint32_t addr);
/* "a.b.c.d/len" into buf (PS_PREFIX4_STRLEN bytes); returns the length. */
size_t ps_prefix4_fmt(char *buf, const struct ps_prefix4 *p);

/* Parsers: 0, or -EINVAL. */
/* Dotted quad only: inet_pton's, not inet_aton's shortened forms. */
int ps_parse_ip4(const char *s, uint32_t *addr);
/* "a.b.c.d/len", len 0..32; host bits are kept. */
int ps_parse_prefix4(const char *s, struct ps_prefix4 *p);
/*
 * A route's destination: "a.b.c.d/len" without host bits, or "default"
 * (0.0.0.0/0, as iproute2 takes it). On -EINVAL *why says what is wrong.
 */
int ps_parse_prefix4_strict(const char *s, struct ps_prefix4 *p,
			    const char **why);
/* "xx:xx:xx:xx:xx:xx" */
int ps_parse_mac(const char *s, struct rte_ether_addr *mac);
bool ps_prefix4_contains(const struct ps_prefix4 *p, uint32_t addr);

/* ICMP types (RFC 792) the graph sends or reads; echo is DPDK's
 * RTE_IP_ICMP_ECHO_REQUEST and RTE_IP_ICMP_ECHO_REPLY. */
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

/* An ICMP error message: it quotes the packet it is about (RFC 1122
 * 3.2.2: never sent about another error). */
static inline bool
ps_icmp_is_error(uint8_t type)
{
	return type == PS_ICMP_DEST_UNREACH || type == PS_ICMP_SOURCE_QUENCH ||
	       type == PS_ICMP_REDIRECT || type == PS_ICMP_TIME_EXCEEDED ||
	       type == PS_ICMP_PARAM_PROBLEM;
}

#endif
