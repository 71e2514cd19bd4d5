/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors about a translated flow. The quoted packet went the other
 * way through the translation, so it shows the addresses and ports of the
 * far side of the NAT; the receiver only recognises it (and a TCP/UDP
 * socket only gets its error) once the quote is turned back.
 */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "nat_private.h"

#define ICMP_HDR_LEN 8

struct icmp_err_view {
	uint8_t *ip;		/* outer IP header */
	uint8_t *icmp;		/* outer ICMP header */
	struct nat_plan inner;	/* the quoted packet */
};

static int
icmp_error_parse(const struct rte_mbuf *m, uint16_t l3_off,
		 struct icmp_err_view *v)
{
	unsigned int hlen, avail, qlen, qhlen, qtlen;
	uint8_t *q;
	int rc;

	rc = nat_ip_parse(m, l3_off, &v->ip, &hlen, &avail);
	if (rc < 0)
		return rc;
	if (v->ip[IP4_OFF_PROTO] != IPPROTO_ICMP ||
	    (rte_be_to_cpu_16(ld16(v->ip + IP4_OFF_FRAG)) &
	     RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return -PS_NAT_ERR_NOT_ICMP_ERROR;
	if (avail < hlen + ICMP_HDR_LEN)
		return -PS_NAT_ERR_TRUNCATED;
	v->icmp = v->ip + hlen;
	if (!ps_icmp_is_error(v->icmp[0]))
		return -PS_NAT_ERR_NOT_ICMP_ERROR;

	q = v->icmp + ICMP_HDR_LEN;
	qlen = avail - hlen - ICMP_HDR_LEN;
	if (qlen < sizeof(struct rte_ipv4_hdr))
		return -PS_NAT_ERR_TRUNCATED;
	if ((q[0] >> 4) != 4 || (q[0] & 0xf) < 5)
		return -PS_NAT_ERR_BAD_IP;
	qhlen = (q[0] & 0xf) * 4u;
	if (qhlen > qlen)
		return -PS_NAT_ERR_TRUNCATED;
	/* The quote is cut short by design; what follows the quoted
	 * packet's own length (padding) is not part of it. */
	qtlen = rte_be_to_cpu_16(ld16(q + 2));
	if (qtlen < qhlen)
		return -PS_NAT_ERR_BAD_IP;
	return nat_plan_l4(q, qhlen, RTE_MIN(qlen, qtlen), true, &v->inner);
}

int
ps_nat_icmp_error_tuple(const struct rte_mbuf *m, uint16_t l3_off,
			struct ps_nat_tuple *inner)
{
	struct icmp_err_view v;
	int rc;

	rc = icmp_error_parse(m, l3_off, &v);
	if (rc < 0)
		return rc;
	nat_tuple_read(&v.inner, inner);
	return v.inner.l3_only ? PS_NAT_L3_ONLY : PS_NAT_OK;
}

int
ps_nat_icmp_error_rewrite(struct rte_mbuf *m, uint16_t l3_off,
			  const struct ps_nat_xlate *inner,
			  const struct ps_nat_xlate *outer)
{
	struct icmp_err_view v;
	uint32_t acc = 0;
	int rc;

	/* ICMP has no pseudo-header: outside, only addresses can change */
	if (outer != NULL && (outer->flags & ~PS_NAT_ADDRS) != 0)
		return -PS_NAT_ERR_BAD_XLATE;
	rc = icmp_error_parse(m, l3_off, &v);
	if (rc < 0)
		return rc;
	rc = nat_check_xlate(&v.inner, inner);
	if (rc < 0)
		return rc;

	nat_apply(&v.inner, inner, &acc);
	if (acc != 0) {
		uint8_t *ck = v.icmp + 2;

		st16(ck, csum_apply(ld16(ck), acc));
	}
	if (outer != NULL && outer->flags != 0) {
		struct nat_plan op = { .ip = v.ip, .kind = L4_NONE };

		nat_apply(&op, outer, NULL);
	}
	return v.inner.l3_only ? PS_NAT_L3_ONLY : PS_NAT_OK;
}
