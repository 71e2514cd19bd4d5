/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_NAT_PRIVATE_H
#define PS_NAT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <podswitch/inet.h>
#include <podswitch/nat.h>

/*
 * RFC 1624 eqn. 3 as an accumulator: every changed 16-bit word adds
 * ~old + new, then HC' = ~(~HC + acc). Words are taken as they lie in
 * memory; a ones' complement sum does not care about byte order (RFC 1071).
 * With end-around carry the sum of anything non-zero never folds to 0, so
 * HC' is 0 exactly when a full recomputation gives 0, never the other
 * representation 0xffff: the result is bit for bit that of a recomputation.
 */
static inline uint32_t
csum_acc16(uint32_t acc, uint16_t old, uint16_t new_)
{
	return acc + (uint16_t)~old + new_;
}

static inline uint32_t
csum_acc32(uint32_t acc, uint32_t old, uint32_t new_)
{
	acc = csum_acc16(acc, (uint16_t)old, (uint16_t)new_);
	return csum_acc16(acc, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
}

static inline uint16_t
csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline uint16_t
csum_apply(uint16_t cksum, uint32_t acc)
{
	/* acc stays far below 2^31: a few dozen words at most */
	return (uint16_t)~csum_fold((uint32_t)(uint16_t)~cksum + csum_fold(acc));
}

/* Unaligned 16/32-bit access: IP options and quotes move headers about. */
static inline uint16_t
ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Offsets in the IPv4 header */
#define IP4_OFF_FRAG 6
#define IP4_OFF_PROTO 9
#define IP4_OFF_CKSUM 10
#define IP4_OFF_SRC 12
#define IP4_OFF_DST 16

/* Where the L4 fields a translation touches lie, once checked. */
enum l4_kind {
	L4_NONE,	/* IP header only: no ports, nothing covers the addresses */
	L4_TCP,
	L4_UDP,
	L4_ICMP_ECHO,
};

struct nat_plan {
	uint8_t *ip;		/* IP header */
	uint8_t *l4;		/* L4 header, NULL for L4_NONE */
	enum l4_kind kind;
	bool l4_cksum;		/* the L4 checksum field is there to update */
	bool l3_only;		/* non-first fragment */
};

/* An IPv4 header of hlen bytes in avail bytes (hlen <= avail). */
int nat_plan_l4(uint8_t *ip, unsigned int hlen, unsigned int avail,
		bool quoted, struct nat_plan *p);
/* Check an IPv4 header at l3_off of m; gives its length and the bytes of
 * the packet that can be read from it. */
int nat_ip_parse(const struct rte_mbuf *m, uint16_t l3_off, uint8_t **ip,
		 unsigned int *hlen, unsigned int *avail);
/* Apply x as planned. If quote_acc is given, every word changed is added
 * to it (the packet is quoted inside an ICMP message). */
void nat_apply(const struct nat_plan *p, const struct ps_nat_xlate *x,
	       uint32_t *quote_acc);
int nat_check_xlate(const struct nat_plan *p, const struct ps_nat_xlate *x);
void nat_tuple_read(const struct nat_plan *p, struct ps_nat_tuple *t);

#endif
