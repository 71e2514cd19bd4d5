/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address and port translation of one IPv4 packet. Everything is checked
 * before the first byte is written, so a refused packet leaves as it came
 * and the caller can count it and drop it (or pass it on) knowing what it
 * holds.
 */
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nat_private.h"

RTE_LOG_REGISTER(ps_logtype_nat, podswitch.nat, INFO);

static const char *const err_names[PS_NAT_ERR_COUNT] = {
	[PS_NAT_ERR_NONE] = "ok",
#define X(e, s) [PS_NAT_ERR_##e] = s,
	PS_NAT_ERRORS(X)
#undef X
};

const char *
ps_nat_strerror(int rc)
{
	if (rc >= 0)
		return "ok";
	if (-rc >= PS_NAT_ERR_COUNT)
		return "unknown";
	return err_names[-rc];
}

int
nat_ip_parse(const struct rte_mbuf *m, uint16_t l3_off, uint8_t **ipp,
	     unsigned int *hlen, unsigned int *avail)
{
	unsigned int seg, tlen, h;
	uint8_t *ip;

	if (m->data_len < (uint32_t)l3_off + sizeof(struct rte_ipv4_hdr))
		return -PS_NAT_ERR_TRUNCATED;
	seg = m->data_len - l3_off;
	ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l3_off);
	if ((ip[0] >> 4) != 4)
		return -PS_NAT_ERR_BAD_IP;
	h = (ip[0] & 0xf) * 4u;
	if (h < sizeof(struct rte_ipv4_hdr))
		return -PS_NAT_ERR_BAD_IP;
	if (h > seg)
		return -PS_NAT_ERR_TRUNCATED;
	tlen = rte_be_to_cpu_16(ld16(ip + 2));
	if (tlen < h)
		return -PS_NAT_ERR_BAD_IP;
	/* pkt_len >= data_len > l3_off here */
	if (tlen > m->pkt_len - l3_off)
		return -PS_NAT_ERR_TRUNCATED;
	*ipp = ip;
	*hlen = h;
	*avail = RTE_MIN(tlen, seg);
	return 0;
}

int
nat_plan_l4(uint8_t *ip, unsigned int hlen, unsigned int avail, bool quoted,
	    struct nat_plan *p)
{
	unsigned int left = avail - hlen;
	uint8_t *l4 = ip + hlen;

	p->ip = ip;
	p->l4 = NULL;
	p->kind = L4_NONE;
	p->l4_cksum = false;
	p->l3_only = false;
	if ((rte_be_to_cpu_16(ld16(ip + IP4_OFF_FRAG)) &
	     RTE_IPV4_HDR_OFFSET_MASK) != 0) {
		p->l3_only = true;
		return 0;
	}
	switch (ip[IP4_OFF_PROTO]) {
	case IPPROTO_TCP:
		/* A quote carries 8 bytes of L4 (RFC 792); a packet of our
		 * own carries the whole fixed header or is broken. */
		if (left < (quoted ? 8u : sizeof(struct rte_tcp_hdr)))
			return -PS_NAT_ERR_TRUNCATED;
		p->kind = L4_TCP;
		p->l4_cksum = left >= 18;
		break;
	case IPPROTO_UDP:
		if (left < sizeof(struct rte_udp_hdr))
			return -PS_NAT_ERR_TRUNCATED;
		p->kind = L4_UDP;
		/* 0: the sender did not checksum (RFC 768); keep it so */
		p->l4_cksum = ld16(l4 + 6) != 0;
		break;
	case IPPROTO_ICMP:
		/* ICMP does not sum the addresses: only the echo identifier
		 * matters here, but a shorter ICMP message is broken anyway */
		if (left < 8)
			return -PS_NAT_ERR_TRUNCATED;
		if (l4[0] == RTE_IP_ICMP_ECHO_REQUEST ||
		    l4[0] == RTE_IP_ICMP_ECHO_REPLY) {
			p->kind = L4_ICMP_ECHO;
			p->l4_cksum = true;
		}
		break;
	default:
		break;
	}
	if (p->kind != L4_NONE)
		p->l4 = l4;
	return 0;
}

int
nat_check_xlate(const struct nat_plan *p, const struct ps_nat_xlate *x)
{
	if ((x->flags & ~(PS_NAT_ADDRS | PS_NAT_PORTS)) != 0)
		return -PS_NAT_ERR_BAD_XLATE;
	if ((x->flags & PS_NAT_PORTS) == 0 || p->l3_only)
		return 0;
	if (p->kind == L4_NONE)
		return -PS_NAT_ERR_NO_PORTS;
	if (p->kind == L4_ICMP_ECHO &&
	    (x->flags & PS_NAT_PORTS) == PS_NAT_PORTS &&
	    x->src_port != x->dst_port)
		return -PS_NAT_ERR_BAD_XLATE;
	return 0;
}

static unsigned int
l4_cksum_off(enum l4_kind kind)
{
	switch (kind) {
	case L4_TCP:
		return offsetof(struct rte_tcp_hdr, cksum);
	case L4_UDP:
		return offsetof(struct rte_udp_hdr, dgram_cksum);
	default:
		return 2;	/* ICMP */
	}
}

static uint32_t
set32(uint8_t *p, uint32_t v, uint32_t acc)
{
	uint32_t old = ld32(p);

	st32(p, v);
	return csum_acc32(acc, old, v);
}

static uint32_t
set16(uint8_t *p, uint16_t v, uint32_t acc)
{
	uint16_t old = ld16(p);

	st16(p, v);
	return csum_acc16(acc, old, v);
}

void
nat_apply(const struct nat_plan *p, const struct ps_nat_xlate *x,
	  uint32_t *quote_acc)
{
	uint32_t acc_addr = 0, acc_port = 0, acc_q = 0;
	bool l4_changed = false;
	uint8_t *ip = p->ip, *l4 = p->l4;

	if (x->flags & PS_NAT_SRC_ADDR)
		acc_addr = set32(ip + IP4_OFF_SRC, x->src_ip, acc_addr);
	if (x->flags & PS_NAT_DST_ADDR)
		acc_addr = set32(ip + IP4_OFF_DST, x->dst_ip, acc_addr);
	if (p->kind == L4_TCP || p->kind == L4_UDP) {
		/* the pseudo-header repeats the addresses */
		l4_changed = (x->flags & PS_NAT_ADDRS) != 0;
		if (x->flags & PS_NAT_SRC_PORT)
			acc_port = set16(l4, x->src_port, acc_port);
		if (x->flags & PS_NAT_DST_PORT)
			acc_port = set16(l4 + 2, x->dst_port, acc_port);
	} else if (p->kind == L4_ICMP_ECHO && (x->flags & PS_NAT_PORTS)) {
		acc_port = set16(l4 + 4, (x->flags & PS_NAT_SRC_PORT) ?
				 x->src_port : x->dst_port, acc_port);
	}
	l4_changed |= p->kind != L4_NONE && (x->flags & PS_NAT_PORTS) != 0;
	if (p->l4_cksum && l4_changed) {
		uint8_t *ck = l4 + l4_cksum_off(p->kind);
		uint16_t old = ld16(ck);
		uint32_t acc = acc_port;
		uint16_t new_;

		if (p->kind != L4_ICMP_ECHO)
			acc += acc_addr;
		new_ = csum_apply(old, acc);
		/* RFC 768: a computed 0 is sent as all ones */
		if (p->kind == L4_UDP && new_ == 0)
			new_ = 0xffff;
		acc_q = set16(ck, new_, acc_q);
	}
	if (x->flags & PS_NAT_ADDRS) {
		uint8_t *ck = ip + IP4_OFF_CKSUM;

		acc_q = set16(ck, csum_apply(ld16(ck), acc_addr), acc_q);
	}
	if (quote_acc != NULL)
		*quote_acc += acc_addr + acc_port + acc_q;
}

void
nat_tuple_read(const struct nat_plan *p, struct ps_nat_tuple *t)
{
	t->src_ip = ld32(p->ip + IP4_OFF_SRC);
	t->dst_ip = ld32(p->ip + IP4_OFF_DST);
	t->proto = p->ip[IP4_OFF_PROTO];
	t->src_port = 0;
	t->dst_port = 0;
	if (p->kind == L4_TCP || p->kind == L4_UDP) {
		t->src_port = ld16(p->l4);
		t->dst_port = ld16(p->l4 + 2);
	} else if (p->kind == L4_ICMP_ECHO) {
		t->src_port = ld16(p->l4 + 4);
		t->dst_port = t->src_port;
	}
}

int
ps_nat_rewrite(struct rte_mbuf *m, uint16_t l3_off,
	       const struct ps_nat_xlate *x)
{
	unsigned int hlen, avail;
	struct nat_plan p;
	uint8_t *ip;
	int rc;

	rc = nat_ip_parse(m, l3_off, &ip, &hlen, &avail);
	if (rc < 0)
		return rc;
	rc = nat_plan_l4(ip, hlen, avail, false, &p);
	if (rc < 0)
		return rc;
	rc = nat_check_xlate(&p, x);
	if (rc < 0)
		return rc;
	nat_apply(&p, x, NULL);
	return p.l3_only ? PS_NAT_L3_ONLY : PS_NAT_OK;
}

int
ps_nat_tuple_get(const struct rte_mbuf *m, uint16_t l3_off,
		 struct ps_nat_tuple *t)
{
	unsigned int hlen, avail;
	struct nat_plan p;
	uint8_t *ip;
	int rc;

	rc = nat_ip_parse(m, l3_off, &ip, &hlen, &avail);
	if (rc < 0)
		return rc;
	rc = nat_plan_l4(ip, hlen, avail, false, &p);
	if (rc < 0)
		return rc;
	nat_tuple_read(&p, t);
	return p.l3_only ? PS_NAT_L3_ONLY : PS_NAT_OK;
}
