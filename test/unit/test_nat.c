/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT rewrites, byte for byte. Every expected frame is built from scratch
 * with the translated addresses and ports and checksummed by the plain
 * RFC 1071 loop of test_common (byte pairs, big-endian), never by the
 * incremental code under test nor by DPDK's helpers. A random sweep does the same for
 * 10,000 packets, and every prefix of a frame must be refused cleanly:
 * those frames live in exactly-sized heap buffers, so a sanitizer build
 * sees any read past the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <podswitch/nat.h>

#include "test_common.h"

static struct rte_mempool *pool;

/* --- reference packet builder ------------------------------------------ */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put_ip(uint8_t *p, uint32_t be)
{
	memcpy(p, &be, 4);
}

#define PROTO_GRE 47

/* One packet as a test means it; addresses in network order, ports in
 * host order. */
struct spec {
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;		/* ICMP echo: id and sequence */
	uint8_t proto;			/* 6, 17, 1 (echo), 47 */
	uint8_t icmp_type;		/* 8 or 0 */
	bool udp_nocsum;
	bool vlan;			/* 802.1Q tag: l3 at 18 */
	uint8_t opt_len;		/* IP options, multiple of 4, <= 40 */
	uint16_t frag_off;		/* 8-byte units; != 0: non-first fragment */
	bool mf;
	uint16_t first_len;		/* MF with offset 0: L4 bytes kept (x8) */
	uint16_t plen;			/* payload after the L4 header */
	uint32_t seed;			/* payload bytes */
};

static uint32_t
xs32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static unsigned int
l2_len(const struct spec *s)
{
	return s->vlan ? 18 : 14;
}

static size_t
build_l2(uint8_t *buf, bool vlan)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 0x0a };
	static const uint8_t src[6] = { 2, 0, 0x0a, 0xf4, 0, 2 };

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (!vlan) {
		put16(buf + 12, 0x0800);
		return 14;
	}
	put16(buf + 12, 0x8100);
	put16(buf + 14, 0x0064);
	put16(buf + 16, 0x0800);
	return 18;
}

/* IPv4 header with options; total length and checksum from l4len. */
static size_t
build_ip(uint8_t *ip, const struct spec *s, size_t l4len)
{
	size_t hlen = 20 + s->opt_len, i;
	uint16_t frag = s->frag_off | (s->mf ? 0x2000 : 0);

	ip[0] = 0x40 | (uint8_t)(hlen / 4);
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(hlen + l4len));
	put16(ip + 4, (uint16_t)(s->seed & 0xffff));
	put16(ip + 6, frag);
	ip[8] = 61;
	ip[9] = s->proto;
	put16(ip + 10, 0);
	put_ip(ip + 12, s->src_ip);
	put_ip(ip + 16, s->dst_ip);
	if (s->opt_len > 0) {
		/* record route: type, length, pointer, then slots */
		uint32_t r = s->seed | 1;

		ip[20] = 7;
		ip[21] = (uint8_t)(s->opt_len - 1);
		ip[22] = 4;
		for (i = 23; i < hlen - 1; i++)
			ip[i] = (uint8_t)xs32(&r);
		ip[hlen - 1] = 0;	/* end of options */
	}
	put16(ip + 10, ps_cksum_fold(ps_cksum_add(ip, hlen, 0)));
	return hlen;
}

static uint32_t
pseudo_sum(const struct spec *s, size_t l4len)
{
	uint8_t ph[12];

	put_ip(ph, s->src_ip);
	put_ip(ph + 4, s->dst_ip);
	ph[8] = 0;
	ph[9] = s->proto;
	put16(ph + 10, (uint16_t)l4len);
	return ps_cksum_add(ph, sizeof(ph), 0);
}

/* The whole L4 datagram, checksummed; returns its length. */
static size_t
build_l4(uint8_t *l4, const struct spec *s)
{
	uint32_t r = s->seed | 1;
	size_t hl, len, i;

	switch (s->proto) {
	case IPPROTO_TCP:
		hl = 20;
		break;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
		hl = 8;
		break;
	default:
		hl = 4;
		break;
	}
	len = hl + s->plen;
	for (i = hl; i < len; i++)
		l4[i] = (uint8_t)xs32(&r);
	memset(l4, 0, hl);
	switch (s->proto) {
	case IPPROTO_TCP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)(s->seed >> 16));
		put16(l4 + 6, (uint16_t)s->seed);
		put16(l4 + 8, 0x1234);
		put16(l4 + 10, 0x5678);
		l4[12] = 0x50;
		l4[13] = 0x18;
		put16(l4 + 14, 64240);
		put16(l4 + 16, ps_cksum_fold(ps_cksum_add(l4, len,
							  pseudo_sum(s, len))));
		break;
	case IPPROTO_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)len);
		if (!s->udp_nocsum) {
			uint16_t c = ps_cksum_fold(ps_cksum_add(l4, len,
								pseudo_sum(s, len)));

			put16(l4 + 6, c == 0 ? 0xffff : c);
		}
		break;
	case IPPROTO_ICMP:
		l4[0] = s->icmp_type;
		put16(l4 + 4, s->sport);
		put16(l4 + 6, s->dport);
		put16(l4 + 2, ps_cksum_fold(ps_cksum_add(l4, len, 0)));
		break;
	default:
		put16(l4 + 2, 0x0800);	/* GRE carrying IPv4 */
		break;
	}
	return len;
}

/* The frame of s. Returns its length. */
static size_t
build(uint8_t *buf, const struct spec *s)
{
	size_t off = build_l2(buf, s->vlan);
	uint8_t l4[2048];
	size_t l4len, hlen;

	if (s->frag_off != 0) {
		uint32_t r = s->seed | 1;
		size_t i;

		/* the middle of some datagram: opaque bytes */
		for (i = 0; i < s->plen; i++)
			l4[i] = (uint8_t)xs32(&r);
		l4len = s->plen;
	} else {
		l4len = build_l4(l4, s);
		/* a first fragment carries the start of the datagram, whose
		 * checksum covers all of it */
		if (s->mf && s->first_len != 0 && s->first_len < l4len)
			l4len = s->first_len;
	}
	hlen = build_ip(buf + off, s, l4len);
	memcpy(buf + off + hlen, l4, l4len);
	return off + hlen + l4len;
}

/*
 * An ICMP error from src to dst quoting quote_len bytes of the IP packet
 * inside frame `in` (at in_l3), with outer IP options opt_len.
 */
static size_t
build_icmp_err(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t type,
	       uint8_t code, uint8_t opt_len, const uint8_t *in_ip,
	       size_t quote_len)
{
	struct spec o = { .src_ip = src, .dst_ip = dst, .proto = IPPROTO_ICMP,
		.opt_len = opt_len, .seed = 77 };
	size_t off = build_l2(buf, false), hlen;
	uint8_t *icmp;

	hlen = build_ip(buf + off, &o, 8 + quote_len);
	icmp = buf + off + hlen;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	if (type == 3 && code == 4)
		put16(icmp + 6, 1400);	/* next-hop MTU */
	memcpy(icmp + 8, in_ip, quote_len);
	put16(icmp + 2, ps_cksum_fold(ps_cksum_add(icmp, 8 + quote_len, 0)));
	return off + hlen + 8 + quote_len;
}

/* s with x applied, as the translated packet must look. */
static struct spec
spec_xlate(const struct spec *s, const struct ps_nat_xlate *x)
{
	struct spec e = *s;

	if (x->flags & PS_NAT_SRC_ADDR)
		e.src_ip = x->src_ip;
	if (x->flags & PS_NAT_DST_ADDR)
		e.dst_ip = x->dst_ip;
	if (s->frag_off != 0)
		return e;
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
		if (x->flags & PS_NAT_SRC_PORT)
			e.sport = ntohs(x->src_port);
		if (x->flags & PS_NAT_DST_PORT)
			e.dport = ntohs(x->dst_port);
	} else if (s->proto == IPPROTO_ICMP) {
		if (x->flags & PS_NAT_SRC_PORT)
			e.sport = ntohs(x->src_port);
		else if (x->flags & PS_NAT_DST_PORT)
			e.sport = ntohs(x->dst_port);
	}
	return e;
}

static struct rte_mbuf *
mk(const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, frame, len);
	return m;
}

static uint32_t
ip(const char *s)
{
	return ps_ip(s);
}

/* Rewrite a frame of spec in with x; it must return want_rc and equal
 * the frame of spec_xlate (or stay as it was, on error). */
static bool
check_rewrite(const struct spec *in, const struct ps_nat_xlate *x,
	      int want_rc, const char *what)
{
	uint8_t f[2048], e[2048];
	size_t len = build(f, in), elen;
	struct rte_mbuf *m = mk(f, len);
	struct spec es = want_rc < 0 ? *in : spec_xlate(in, x);
	bool ok;
	int rc;

	if (!CHECK(m != NULL, "mbuf"))
		return false;
	elen = build(e, &es);
	rc = ps_nat_rewrite(m, (uint16_t)l2_len(in), x);
	ok = CHECK(rc == want_rc, "%s: rc %d (%s), expected %d", what, rc,
		   ps_nat_strerror(rc), want_rc);
	ok &= CHECK(ps_test_frame_eq(m, e, elen), "%s: frame differs", what);
	rte_pktmbuf_free(m);
	return ok;
}

/* --- fixed cases ------------------------------------------------------- */

static const struct spec tcp_syn = {
	.proto = IPPROTO_TCP, .sport = 40000, .dport = 80, .plen = 0,
	.seed = 0x1234567,
};

static void
test_tcp_dnat_and_back(void)
{
	struct spec s = tcp_syn, r;
	struct ps_nat_xlate x = { .dst_ip = ip("10.244.1.5"),
		.dst_port = htons(8080), .flags = PS_NAT_DST_ADDR | PS_NAT_DST_PORT };
	uint8_t f[2048], e[2048];
	struct rte_mbuf *m;
	size_t len;

	s.src_ip = ip("10.244.0.2");
	s.dst_ip = ip("10.96.0.10");
	check_rewrite(&s, &x, PS_NAT_OK, "tcp dnat");

	/* the same through the named helper */
	len = build(f, &s);
	m = mk(f, len);
	CU_ASSERT_EQUAL(ps_nat_dnat(m, 14, ip("10.244.1.5"), htons(8080)), 0);
	r = spec_xlate(&s, &x);
	CU_ASSERT(ps_test_frame_eq(m, e, build(e, &r)));
	rte_pktmbuf_free(m);

	/* the endpoint's answer goes back from the VIP */
	r = (struct spec){ .proto = IPPROTO_TCP, .src_ip = ip("10.244.1.5"),
		.dst_ip = ip("10.244.0.2"), .sport = 8080, .dport = 40000,
		.plen = 517, .seed = 99 };
	len = build(f, &r);
	m = mk(f, len);
	CU_ASSERT_EQUAL(ps_nat_undnat(m, 14, ip("10.96.0.10"), htons(80)), 0);
	r.src_ip = ip("10.96.0.10");
	r.sport = 80;
	CU_ASSERT(ps_test_frame_eq(m, e, build(e, &r)));
	rte_pktmbuf_free(m);
}

static void
test_udp_snat_and_back(void)
{
	struct spec s = { .proto = IPPROTO_UDP, .src_ip = ip("10.244.0.2"),
		.dst_ip = ip("8.8.8.8"), .sport = 53001, .dport = 53,
		.plen = 33, .seed = 5 };
	struct ps_nat_xlate x = { .src_ip = ip("192.168.60.10"),
		.src_port = htons(1025), .flags = PS_NAT_SRC_ADDR | PS_NAT_SRC_PORT };
	struct ps_nat_xlate back = { .dst_ip = ip("10.244.0.2"),
		.dst_port = htons(53001), .flags = PS_NAT_DST_ADDR | PS_NAT_DST_PORT };
	struct spec r = { .proto = IPPROTO_UDP, .src_ip = ip("8.8.8.8"),
		.dst_ip = ip("192.168.60.10"), .sport = 53, .dport = 1025,
		.plen = 120, .seed = 6 };

	check_rewrite(&s, &x, PS_NAT_OK, "udp snat");
	check_rewrite(&r, &back, PS_NAT_OK, "udp unsnat");
}

static void
test_udp_zero_checksum_kept(void)
{
	struct spec s = { .proto = IPPROTO_UDP, .udp_nocsum = true,
		.src_ip = ip("10.244.0.2"), .dst_ip = ip("10.96.0.53"),
		.sport = 5353, .dport = 53, .plen = 40, .seed = 8 };
	struct ps_nat_xlate x = { .src_ip = ip("192.168.60.10"),
		.src_port = htons(2000), .dst_ip = ip("10.244.1.7"),
		.dst_port = htons(5353), .flags = PS_NAT_ADDRS | PS_NAT_PORTS };
	uint8_t f[256];
	struct rte_mbuf *m;

	check_rewrite(&s, &x, PS_NAT_OK, "udp zero checksum");
	m = mk(f, build(f, &s));
	ps_nat_rewrite(m, 14, &x);
	CU_ASSERT_EQUAL(*rte_pktmbuf_mtod_offset(m, uint16_t *, 14 + 20 + 6), 0);
	rte_pktmbuf_free(m);
}

/* A translation whose UDP checksum comes out 0 must send 0xffff. */
static void
test_udp_checksum_zero_becomes_ffff(void)
{
	struct spec s = { .proto = IPPROTO_UDP, .src_ip = ip("10.244.0.2"),
		.dst_ip = ip("10.96.0.53"), .sport = 4000, .dport = 53,
		.plen = 2, .seed = 1 };
	struct ps_nat_xlate x = { .dst_ip = ip("10.244.1.9"),
		.dst_port = htons(53), .flags = PS_NAT_DST_ADDR };
	struct ps_nat_xlate back = { .flags = PS_NAT_DST_ADDR };
	uint8_t e[256];
	struct spec t;
	uint32_t sp;
	bool found = false;

	/* search the source port that makes the translated sum 0xffff */
	for (sp = 1; sp <= 65535 && !found; sp++) {
		uint8_t *u;
		uint32_t sum;

		s.sport = (uint16_t)sp;
		t = spec_xlate(&s, &x);
		t.udp_nocsum = true;
		build(e, &t);
		u = e + 14 + 20;
		sum = ps_cksum_add(u, 8 + t.plen, pseudo_sum(&t, 8 + t.plen));
		found = ps_cksum_fold(sum) == 0;
	}
	if (!CHECK(found, "no port gives a zero checksum"))
		return;
	check_rewrite(&s, &x, PS_NAT_OK, "udp checksum 0 -> 0xffff");
	t = spec_xlate(&s, &x);
	build(e, &t);
	CU_ASSERT_EQUAL(e[14 + 20 + 6], 0xff);
	CU_ASSERT_EQUAL(e[14 + 20 + 7], 0xff);
	/* and back: an all-ones checksum is a checksum, not "none" */
	back.dst_ip = s.dst_ip;
	check_rewrite(&t, &back, PS_NAT_OK, "udp checksum 0xffff back");
}

static void
test_icmp_echo(void)
{
	struct spec s = { .proto = IPPROTO_ICMP, .icmp_type = 8,
		.src_ip = ip("10.244.0.2"), .dst_ip = ip("1.1.1.1"),
		.sport = 0x1c2d, .dport = 7, .plen = 56, .seed = 3 };
	struct ps_nat_xlate x = { .src_ip = ip("192.168.60.10"),
		.src_port = htons(3000), .flags = PS_NAT_SRC_ADDR | PS_NAT_SRC_PORT };
	struct spec r = { .proto = IPPROTO_ICMP, .icmp_type = 0,
		.src_ip = ip("1.1.1.1"), .dst_ip = ip("192.168.60.10"),
		.sport = 3000, .dport = 7, .plen = 56, .seed = 3 };
	struct ps_nat_xlate back = { .dst_ip = ip("10.244.0.2"),
		.dst_port = htons(0x1c2d), .flags = PS_NAT_DST_ADDR | PS_NAT_DST_PORT };
	struct ps_nat_xlate both = { .src_port = htons(1), .dst_port = htons(2),
		.flags = PS_NAT_PORTS };
	struct ps_nat_tuple t;
	uint8_t f[256];
	struct rte_mbuf *m;

	check_rewrite(&s, &x, PS_NAT_OK, "echo request masquerade");
	check_rewrite(&r, &back, PS_NAT_OK, "echo reply back");
	/* one identifier cannot take two values */
	check_rewrite(&s, &both, -PS_NAT_ERR_BAD_XLATE, "echo two ids");
	both.dst_port = both.src_port;
	check_rewrite(&s, &both, PS_NAT_OK, "echo same id twice");

	m = mk(f, build(f, &s));
	CU_ASSERT_EQUAL(ps_nat_tuple_get(m, 14, &t), PS_NAT_OK);
	CU_ASSERT_EQUAL(t.proto, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(t.src_port, htons(0x1c2d));
	CU_ASSERT_EQUAL(t.dst_port, htons(0x1c2d));
	CU_ASSERT_EQUAL(t.src_ip, ip("10.244.0.2"));
	rte_pktmbuf_free(m);
}

static void
test_ip_options_hairpin(void)
{
	struct spec s = { .proto = IPPROTO_TCP, .opt_len = 12,
		.src_ip = ip("10.244.0.2"), .dst_ip = ip("10.96.0.10"),
		.sport = 33333, .dport = 80, .plen = 100, .seed = 11 };
	struct spec r = { .proto = IPPROTO_UDP, .opt_len = 40, .vlan = true,
		.src_ip = ip("10.244.0.2"), .dst_ip = ip("10.244.0.1"),
		.sport = 8080, .dport = 61000, .plen = 7, .seed = 12 };
	uint8_t f[512], e[512];
	struct rte_mbuf *m;
	struct spec t;

	/* the pod reaches a service whose endpoint is itself */
	m = mk(f, build(f, &s));
	CU_ASSERT_EQUAL(ps_nat_hairpin(m, 14, ip("10.244.0.1"), htons(61000),
				       ip("10.244.0.2"), htons(8080)), 0);
	t = s;
	t.src_ip = ip("10.244.0.1");
	t.sport = 61000;
	t.dst_ip = ip("10.244.0.2");
	t.dport = 8080;
	CU_ASSERT(ps_test_frame_eq(m, e, build(e, &t)));
	rte_pktmbuf_free(m);

	/* the answer, with 40 bytes of options behind a VLAN tag */
	m = mk(f, build(f, &r));
	CU_ASSERT_EQUAL(ps_nat_unhairpin(m, 18, ip("10.96.0.10"), htons(80),
					 ip("10.244.0.2"), htons(33333)), 0);
	t = r;
	t.src_ip = ip("10.96.0.10");
	t.sport = 80;
	t.dst_ip = ip("10.244.0.2");
	t.dport = 33333;
	CU_ASSERT(ps_test_frame_eq(m, e, build(e, &t)));
	rte_pktmbuf_free(m);
}

static void
test_fragments(void)
{
	struct spec s = { .proto = IPPROTO_UDP, .src_ip = ip("10.244.0.2"),
		.dst_ip = ip("10.96.0.53"), .sport = 7000, .dport = 53,
		.frag_off = 185, .plen = 300, .seed = 21 };
	struct ps_nat_xlate x = { .dst_ip = ip("10.244.1.5"),
		.dst_port = htons(5353), .flags = PS_NAT_DST_ADDR | PS_NAT_DST_PORT };
	struct ps_nat_tuple t;
	uint8_t f[2048];
	struct rte_mbuf *m;

	/* non-first: addresses only, and the caller is told */
	check_rewrite(&s, &x, PS_NAT_L3_ONLY, "non-first fragment");
	s.mf = true;
	check_rewrite(&s, &x, PS_NAT_L3_ONLY, "middle fragment");
	m = mk(f, build(f, &s));
	CU_ASSERT_EQUAL(ps_nat_tuple_get(m, 14, &t), PS_NAT_L3_ONLY);
	CU_ASSERT_EQUAL(t.src_port, 0);
	CU_ASSERT_EQUAL(t.dst_port, 0);
	rte_pktmbuf_free(m);

	/* first fragment of a 1,208-byte datagram: its checksum covers all */
	s.frag_off = 0;
	s.plen = 1200;
	s.first_len = 800;
	check_rewrite(&s, &x, PS_NAT_OK, "first fragment udp");
	s.proto = IPPROTO_TCP;
	check_rewrite(&s, &x, PS_NAT_OK, "first fragment tcp");
}

static void
test_other_protocols(void)
{
	struct spec s = { .proto = PROTO_GRE, .src_ip = ip("10.244.0.2"),
		.dst_ip = ip("203.0.113.9"), .plen = 60, .seed = 31 };
	struct ps_nat_xlate masq = { .src_ip = ip("192.168.60.10"),
		.flags = PS_NAT_SRC_ADDR };
	struct ps_nat_xlate ports = { .src_ip = ip("192.168.60.10"),
		.src_port = htons(1024), .flags = PS_NAT_SRC_ADDR | PS_NAT_SRC_PORT };
	struct ps_nat_xlate junk = { .flags = 0x80 };
	struct spec d = { .proto = IPPROTO_ICMP, .icmp_type = 11,
		.src_ip = ip("10.244.0.2"), .dst_ip = ip("1.1.1.1"), .plen = 28,
		.seed = 4 };

	check_rewrite(&s, &masq, PS_NAT_OK, "gre masquerade");
	check_rewrite(&s, &ports, -PS_NAT_ERR_NO_PORTS, "gre ports");
	check_rewrite(&s, &junk, -PS_NAT_ERR_BAD_XLATE, "unknown flag");
	/* ICMP other than echo: addresses yes, no identifier to map */
	check_rewrite(&d, &masq, PS_NAT_OK, "icmp non-echo address");
	check_rewrite(&d, &ports, -PS_NAT_ERR_NO_PORTS, "icmp non-echo ports");
}

static void
test_bad_headers(void)
{
	struct spec s = tcp_syn;
	struct ps_nat_xlate x = { .dst_ip = ip("10.244.1.5"),
		.flags = PS_NAT_DST_ADDR };
	uint8_t f[256], g[256];
	struct rte_mbuf *m;
	size_t len;

	s.src_ip = ip("10.0.0.1");
	s.dst_ip = ip("10.0.0.2");
	len = build(f, &s);

	memcpy(g, f, len);
	g[14] = 0x65;		/* version 6 */
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_rewrite(m, 14, &x), -PS_NAT_ERR_BAD_IP);
	CU_ASSERT(ps_test_frame_eq(m, g, len));
	rte_pktmbuf_free(m);

	memcpy(g, f, len);
	g[14] = 0x44;		/* IHL 4 */
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_rewrite(m, 14, &x), -PS_NAT_ERR_BAD_IP);
	rte_pktmbuf_free(m);

	memcpy(g, f, len);
	put16(g + 16, 19);	/* total length below the header */
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_rewrite(m, 14, &x), -PS_NAT_ERR_BAD_IP);
	rte_pktmbuf_free(m);

	memcpy(g, f, len);
	g[14] = 0x4f;		/* IHL 15: 60 bytes, longer than the frame */
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_rewrite(m, 14, &x), -PS_NAT_ERR_TRUNCATED);
	rte_pktmbuf_free(m);

	memcpy(g, f, len);
	put16(g + 16, 36);	/* TCP cut to 16 bytes by the IP length */
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_rewrite(m, 14, &x), -PS_NAT_ERR_TRUNCATED);
	CU_ASSERT(ps_test_frame_eq(m, g, len));
	rte_pktmbuf_free(m);

	/* Ethernet padding after the IP packet is not read as L4 */
	memcpy(g, f, len);
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_rewrite(m, (uint16_t)len, &x),
			-PS_NAT_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(ps_nat_rewrite(m, 60000, &x), -PS_NAT_ERR_TRUNCATED);
	rte_pktmbuf_free(m);

	CU_ASSERT_STRING_EQUAL(ps_nat_strerror(-PS_NAT_ERR_TRUNCATED), "truncated");
	CU_ASSERT_STRING_EQUAL(ps_nat_strerror(PS_NAT_L3_ONLY), "ok");
	CU_ASSERT_STRING_EQUAL(ps_nat_strerror(-1000), "unknown");
}

/* --- ICMP errors ------------------------------------------------------- */

/*
 * The flow of a ClusterIP service: client C:c -> VIP:v DNATed to E:e.
 * pre = the packet as C sent it, post = as it left us.
 */
#define C_IP "10.244.0.2"
#define VIP "10.96.0.10"
#define E_IP "10.244.1.5"
#define R_IP "192.168.60.1"
#define N_IP "192.168.60.10"

struct icmp_case {
	const char *name;
	struct spec pre;
	uint8_t type, code;
	size_t quote;		/* bytes quoted of the inner IP packet */
};

/* An error from `from` about post, quoting it, to C: the client must get
 * the same error quoting pre, from `to_src`. */
static void
check_icmp_dnat(const struct icmp_case *c, const char *from,
		const char *to_src)
{
	struct spec post = c->pre;
	uint8_t pf[2048], qf[2048], in[2048], exp[2048];
	size_t quote = c->quote, len, elen;
	struct ps_nat_xlate inner = { .dst_ip = c->pre.dst_ip,
		.dst_port = htons(c->pre.dport),
		.flags = PS_NAT_DST_ADDR | PS_NAT_DST_PORT };
	struct ps_nat_xlate outer = { .src_ip = ip(to_src),
		.flags = PS_NAT_SRC_ADDR };
	struct ps_nat_tuple t;
	struct rte_mbuf *m;
	int rc;

	post.dst_ip = ip(E_IP);
	post.dport = 8080;
	if (c->pre.proto == IPPROTO_ICMP) {
		/* an echo keeps its sequence; say its identifier was mapped */
		post.dport = c->pre.dport;
		post.sport = 4242;
		inner.dst_port = htons(c->pre.sport);
	}
	len = build(pf, &post);
	build(qf, &c->pre);
	if (quote == 0 || quote > len - 14)
		quote = len - 14;
	len = build_icmp_err(in, ip(from), ip(C_IP), c->type, c->code, 0,
			     pf + 14, quote);
	elen = build_icmp_err(exp, ip(to_src), ip(C_IP), c->type, c->code, 0,
			      qf + 14, quote);
	m = mk(in, len);

	rc = ps_nat_icmp_error_tuple(m, 14, &t);
	CHECK(rc == PS_NAT_OK, "%s: tuple rc %d", c->name, rc);
	CHECK(t.src_ip == ip(C_IP) && t.dst_ip == ip(E_IP) &&
	      t.proto == c->pre.proto, "%s: tuple addresses", c->name);
	CHECK(t.src_port == htons(post.sport) &&
	      t.dst_port == htons(c->pre.proto == IPPROTO_ICMP ? post.sport :
				   post.dport), "%s: tuple ports", c->name);

	rc = ps_nat_icmp_error_rewrite(m, 14, &inner, &outer);
	CHECK(rc == PS_NAT_OK, "%s: rc %d (%s)", c->name, rc,
	      ps_nat_strerror(rc));
	CHECK(ps_test_frame_eq(m, exp, elen), "%s: frame differs", c->name);
	rte_pktmbuf_free(m);
}

static void
test_icmp_errors_dnat(void)
{
	const struct icmp_case cases[] = {
		{ "port unreachable, UDP with checksum",
		  { .proto = IPPROTO_UDP, .src_ip = ip(C_IP), .dst_ip = ip(VIP),
		    .sport = 41000, .dport = 53, .plen = 30, .seed = 41 },
		  3, 3, 0 },
		{ "port unreachable, UDP with zero checksum",
		  { .proto = IPPROTO_UDP, .udp_nocsum = true, .src_ip = ip(C_IP),
		    .dst_ip = ip(VIP), .sport = 41001, .dport = 53, .plen = 30,
		    .seed = 42 }, 3, 3, 0 },
		{ "port unreachable, UDP quoted 8 bytes",
		  { .proto = IPPROTO_UDP, .src_ip = ip(C_IP), .dst_ip = ip(VIP),
		    .sport = 41002, .dport = 53, .plen = 300, .seed = 43 },
		  3, 3, 28 },
		{ "time exceeded, TCP quoted 8 bytes (no checksum)",
		  { .proto = IPPROTO_TCP, .src_ip = ip(C_IP), .dst_ip = ip(VIP),
		    .sport = 41003, .dport = 80, .plen = 100, .seed = 44 },
		  11, 0, 28 },
		{ "time exceeded, TCP quoted whole (checksum too)",
		  { .proto = IPPROTO_TCP, .src_ip = ip(C_IP), .dst_ip = ip(VIP),
		    .sport = 41004, .dport = 80, .plen = 100, .seed = 45 },
		  11, 0, 0 },
		{ "frag needed, TCP with options, quoted 18 bytes of TCP",
		  { .proto = IPPROTO_TCP, .opt_len = 8, .src_ip = ip(C_IP),
		    .dst_ip = ip(VIP), .sport = 41005, .dport = 80, .plen = 1400,
		    .seed = 46 }, 3, 4, 28 + 8 + 10 },
		{ "time exceeded, ICMP echo",
		  { .proto = IPPROTO_ICMP, .icmp_type = 8, .src_ip = ip(C_IP),
		    .dst_ip = ip(VIP), .sport = 777, .dport = 1, .plen = 56,
		    .seed = 47 }, 11, 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		/* from the endpoint itself: the client sees the VIP */
		check_icmp_dnat(&cases[i], E_IP, VIP);
		/* from a router on the way: its own address is kept */
		check_icmp_dnat(&cases[i], R_IP, R_IP);
	}
}

/* Masquerade: C:c -> S:s went out as N:n -> S:s; a router tells N. */
static void
test_icmp_error_snat(void)
{
	struct spec pre = { .proto = IPPROTO_UDP, .src_ip = ip(C_IP),
		.dst_ip = ip("8.8.8.8"), .sport = 33434, .dport = 33435,
		.plen = 24, .seed = 51 };
	struct spec post = pre;
	struct ps_nat_xlate inner = { .src_ip = ip(C_IP),
		.src_port = htons(33434), .flags = PS_NAT_SRC_ADDR | PS_NAT_SRC_PORT };
	struct ps_nat_xlate outer = { .dst_ip = ip(C_IP), .flags = PS_NAT_DST_ADDR };
	uint8_t pf[256], qf[256], in[512], exp[512];
	size_t len, elen;
	struct ps_nat_tuple t;
	struct rte_mbuf *m;

	post.src_ip = ip(N_IP);
	post.sport = 1030;
	build(pf, &post);
	build(qf, &pre);
	/* outer IP options on the error as well */
	len = build_icmp_err(in, ip(R_IP), ip(N_IP), 11, 0, 4, pf + 14,
			     20 + 8 + 24);
	elen = build_icmp_err(exp, ip(R_IP), ip(C_IP), 11, 0, 4, qf + 14,
			      20 + 8 + 24);
	m = mk(in, len);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_tuple(m, 14, &t), PS_NAT_OK);
	CU_ASSERT_EQUAL(t.src_ip, ip(N_IP));
	CU_ASSERT_EQUAL(t.src_port, htons(1030));
	CU_ASSERT_EQUAL(ps_nat_icmp_error_rewrite(m, 14, &inner, &outer), 0);
	CU_ASSERT(ps_test_frame_eq(m, exp, elen));
	rte_pktmbuf_free(m);
}

static void
test_icmp_error_refusals(void)
{
	struct spec echo = { .proto = IPPROTO_ICMP, .icmp_type = 8,
		.src_ip = ip(C_IP), .dst_ip = ip(VIP), .sport = 1, .plen = 8,
		.seed = 61 };
	struct spec udp = { .proto = IPPROTO_UDP, .src_ip = ip(C_IP),
		.dst_ip = ip(VIP), .sport = 1000, .dport = 53, .plen = 8,
		.seed = 62 };
	struct ps_nat_xlate inner = { .dst_ip = ip(VIP), .flags = PS_NAT_DST_ADDR };
	struct ps_nat_xlate bad_outer = { .src_port = htons(1),
		.flags = PS_NAT_SRC_PORT };
	uint8_t f[512], g[512];
	struct ps_nat_tuple t;
	struct rte_mbuf *m;
	size_t len, ulen;

	/* an echo is not an error */
	len = build(f, &echo);
	m = mk(f, len);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_tuple(m, 14, &t),
			-PS_NAT_ERR_NOT_ICMP_ERROR);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_rewrite(m, 14, &inner, NULL),
			-PS_NAT_ERR_NOT_ICMP_ERROR);
	rte_pktmbuf_free(m);
	/* neither is UDP */
	ulen = build(g, &udp);
	m = mk(g, ulen);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_rewrite(m, 14, &inner, NULL),
			-PS_NAT_ERR_NOT_ICMP_ERROR);
	rte_pktmbuf_free(m);

	/* ports on the outer ICMP header mean nothing */
	len = build_icmp_err(f, ip(E_IP), ip(C_IP), 3, 3, 0, g + 14, ulen - 14);
	m = mk(f, len);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_rewrite(m, 14, &inner, &bad_outer),
			-PS_NAT_ERR_BAD_XLATE);
	CU_ASSERT(ps_test_frame_eq(m, f, len));
	rte_pktmbuf_free(m);

	/* a quote of 7 bytes of UDP */
	len = build_icmp_err(f, ip(E_IP), ip(C_IP), 3, 3, 0, g + 14, 27);
	m = mk(f, len);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_tuple(m, 14, &t), -PS_NAT_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_rewrite(m, 14, &inner, NULL),
			-PS_NAT_ERR_TRUNCATED);
	CU_ASSERT(ps_test_frame_eq(m, f, len));
	rte_pktmbuf_free(m);

	/* 8 bytes quoted, but the quoted packet itself says it had only 4
	 * bytes of UDP: the rest is not its header */
	memcpy(f, g, ulen);
	put16(f + 16, 24);
	len = build_icmp_err(g, ip(E_IP), ip(C_IP), 3, 3, 0, f + 14, 28);
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_tuple(m, 14, &t), -PS_NAT_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_rewrite(m, 14, &inner, NULL),
			-PS_NAT_ERR_TRUNCATED);
	rte_pktmbuf_free(m);
	ulen = build(g, &udp);

	/* a quoted header that is not IPv4 */
	memcpy(f, g, ulen);
	f[14] = 0x60;
	len = build_icmp_err(g, ip(E_IP), ip(C_IP), 3, 3, 0, f + 14, ulen - 14);
	m = mk(g, len);
	CU_ASSERT_EQUAL(ps_nat_icmp_error_tuple(m, 14, &t), -PS_NAT_ERR_BAD_IP);
	rte_pktmbuf_free(m);
}

/* --- random sweeps ----------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static struct spec
random_spec(bool quotable)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDP,
		IPPROTO_ICMP, PROTO_GRE };
	struct spec s = { 0 };
	uint32_t f = rnd() % 20;

	s.proto = protos[rnd() % RTE_DIM(protos)];
	s.udp_nocsum = s.proto == IPPROTO_UDP && rnd() % 3 == 0;
	s.icmp_type = rnd() % 2 ? 8 : 0;
	s.src_ip = rnd();
	s.dst_ip = rnd();
	s.sport = (uint16_t)rnd();
	s.dport = (uint16_t)rnd();
	s.opt_len = (uint8_t)(4 * (rnd() % 11));
	s.vlan = !quotable && rnd() % 4 == 0;
	s.plen = (uint16_t)(rnd() % 300);
	s.seed = rnd() | 1;
	if (f == 0) {
		s.frag_off = (uint16_t)(1 + rnd() % 8000);
		s.mf = rnd() % 2;
	} else if (f == 1 && !quotable) {
		s.mf = true;
		/* the whole TCP header stays in the first fragment */
		s.first_len = (uint16_t)(8 * (3 + rnd() % 40));
	}
	return s;
}

static struct ps_nat_xlate
random_xlate(uint8_t mask)
{
	struct ps_nat_xlate x = { .src_ip = rnd(), .dst_ip = rnd(),
		.src_port = (uint16_t)rnd(), .dst_port = (uint16_t)rnd(),
		.flags = (uint8_t)(rnd() & mask) };

	/* sometimes a field is set to what it already holds */
	if (rnd() % 8 == 0)
		x.dst_port = x.src_port;
	return x;
}

/* What ps_nat_rewrite must answer for s and x, by the rules of nat.h. */
static int
expected_rc(const struct spec *s, const struct ps_nat_xlate *x)
{
	bool ports = (x->flags & PS_NAT_PORTS) != 0;

	if (s->frag_off != 0)
		return PS_NAT_L3_ONLY;
	if (!ports)
		return PS_NAT_OK;
	if (s->proto == PROTO_GRE)
		return -PS_NAT_ERR_NO_PORTS;
	if (s->proto == IPPROTO_ICMP &&
	    (x->flags & PS_NAT_PORTS) == PS_NAT_PORTS &&
	    x->src_port != x->dst_port)
		return -PS_NAT_ERR_BAD_XLATE;
	return PS_NAT_OK;
}

#define NB_RANDOM 10000

static void
test_random_rewrites(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < NB_RANDOM && failed < 5; i++) {
		struct spec s = random_spec(false);
		struct ps_nat_xlate x = random_xlate(PS_NAT_ADDRS | PS_NAT_PORTS);
		char what[64];

		snprintf(what, sizeof(what), "random #%u proto %u", i, s.proto);
		if (!check_rewrite(&s, &x, expected_rc(&s, &x), what))
			failed++;
	}
	printf("\n    %u random rewrites ", i);
}

static void
test_random_icmp_errors(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < NB_RANDOM && failed < 5; i++) {
		struct spec s = random_spec(true);
		struct ps_nat_xlate in_x = random_xlate(PS_NAT_ADDRS | PS_NAT_PORTS);
		struct ps_nat_xlate out_x = random_xlate(PS_NAT_ADDRS);
		struct spec es = spec_xlate(&s, &in_x);
		uint8_t pf[2048], ef[2048], in[2048], exp[2048];
		size_t plen = build(pf, &s), hl = 20 + s.opt_len, quote, len, elen;
		uint32_t osrc = rnd(), odst = rnd();
		uint8_t otype = (uint8_t)(rnd() % 2 ? 3 : 11), oopt;
		int want = expected_rc(&s, &in_x), rc;
		struct rte_mbuf *m;
		bool ok;

		build(ef, &es);
		/* at least the IP header and 8 bytes, up to all of it */
		quote = hl + (s.frag_off != 0 || s.proto == PROTO_GRE ? 0 : 8);
		quote += rnd() % (plen - 14 - quote + 1);
		/* A quote ending inside the TCP checksum holds one byte of
		 * it, from which no new value can be worked out: it stays. */
		if (s.proto == IPPROTO_TCP && s.frag_off == 0 &&
		    quote == hl + 17)
			ef[14 + hl + 16] = pf[14 + hl + 16];
		oopt = (uint8_t)(4 * (rnd() % 3));
		len = build_icmp_err(in, osrc, odst, otype, (uint8_t)(rnd() % 5),
				     oopt, pf + 14, quote);
		if (want < 0) {
			memcpy(exp, in, len);
			elen = len;
		} else {
			elen = build_icmp_err(exp, out_x.flags & PS_NAT_SRC_ADDR ?
					      out_x.src_ip : osrc,
					      out_x.flags & PS_NAT_DST_ADDR ?
					      out_x.dst_ip : odst, otype,
					      in[14 + 20 + oopt + 1], oopt,
					      ef + 14, quote);
		}
		m = mk(in, len);
		rc = ps_nat_icmp_error_rewrite(m, 14, &in_x, &out_x);
		ok = CHECK(rc == want, "icmp #%u proto %u quote %zu: rc %d, expected %d",
			   i, s.proto, quote, rc, want);
		ok &= CHECK(ps_test_frame_eq(m, exp, elen),
			    "icmp #%u proto %u quote %zu of %zu: frame differs",
			    i, s.proto, quote, plen - 14);
		rte_pktmbuf_free(m);
		if (!ok)
			failed++;
	}
	printf("\n    %u random ICMP errors ", i);
}

/* --- truncation -------------------------------------------------------- */

/* An mbuf over a heap buffer of exactly len bytes: a read past the frame
 * is a read past the allocation. */
struct exact {
	struct rte_mbuf *m;
	uint8_t *buf;
	struct rte_mbuf_ext_shared_info shinfo;
};

static void
ext_free_cb(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(opaque);
}

static bool
exact_make(struct exact *e, const uint8_t *frame, size_t len)
{
	e->buf = malloc(len == 0 ? 1 : len);
	e->m = rte_pktmbuf_alloc(pool);
	if (e->buf == NULL || e->m == NULL) {
		free(e->buf);
		rte_pktmbuf_free(e->m);
		return false;
	}
	memcpy(e->buf, frame, len);
	memset(&e->shinfo, 0, sizeof(e->shinfo));
	e->shinfo.free_cb = ext_free_cb;
	rte_mbuf_ext_refcnt_set(&e->shinfo, 1);
	rte_pktmbuf_attach_extbuf(e->m, e->buf, 0, (uint16_t)len, &e->shinfo);
	e->m->data_len = (uint16_t)len;
	e->m->pkt_len = (uint32_t)len;
	return true;
}

static void
exact_free(struct exact *e)
{
	rte_pktmbuf_free(e->m);
	free(e->buf);
}

/*
 * Every prefix of frame (cut by the wire: IP lengths still say more) is
 * refused by all entry points with TRUNCATED and left as it was.
 */
static unsigned int
cut_sweep(const uint8_t *frame, size_t full, uint16_t l3)
{
	struct ps_nat_xlate x = { .src_ip = 1, .dst_ip = 2, .src_port = 3,
		.dst_port = 3, .flags = PS_NAT_ADDRS | PS_NAT_PORTS };
	struct ps_nat_xlate ox = { .src_ip = 5, .flags = PS_NAT_SRC_ADDR };
	unsigned int bad = 0;
	size_t len;

	for (len = 0; len < full; len++) {
		struct ps_nat_tuple t;
		struct exact e;
		int r1, r2, r3, r4;

		if (!exact_make(&e, frame, len))
			return bad + 1;
		r1 = ps_nat_rewrite(e.m, l3, &x);
		r2 = ps_nat_tuple_get(e.m, l3, &t);
		r3 = ps_nat_icmp_error_tuple(e.m, l3, &t);
		r4 = ps_nat_icmp_error_rewrite(e.m, l3, &x, &ox);
		if (r1 != -PS_NAT_ERR_TRUNCATED || r2 != -PS_NAT_ERR_TRUNCATED ||
		    r3 != -PS_NAT_ERR_TRUNCATED || r4 != -PS_NAT_ERR_TRUNCATED ||
		    memcmp(e.buf, frame, len) != 0) {
			fprintf(stderr, "cut at %zu of %zu: %d %d %d %d\n", len,
				full, r1, r2, r3, r4);
			bad++;
		}
		exact_free(&e);
	}
	return bad;
}

/*
 * Every length with the IP total length (outer and, for an ICMP error, the
 * quote's own is left) made to agree: the L4 checks decide. A result is
 * either a clean refusal with the frame unchanged or a success.
 */
static unsigned int
shrink_sweep(const uint8_t *frame, size_t full, uint16_t l3, bool icmp_err,
	     size_t min_ok)
{
	struct ps_nat_xlate x = { .src_ip = 1, .dst_ip = 2, .src_port = 3,
		.dst_port = 3, .flags = PS_NAT_ADDRS | PS_NAT_PORTS };
	unsigned int bad = 0;
	size_t len;

	for (len = l3 + 20; len <= full; len++) {
		uint8_t f[2048];
		struct exact e;
		int rc;

		memcpy(f, frame, len);
		put16(f + l3 + 2, (uint16_t)(len - l3));
		if (!exact_make(&e, f, len))
			return bad + 1;
		rc = icmp_err ? ps_nat_icmp_error_rewrite(e.m, l3, &x, NULL) :
			ps_nat_rewrite(e.m, l3, &x);
		if ((len < min_ok && (rc != -PS_NAT_ERR_TRUNCATED ||
				      memcmp(e.buf, f, len) != 0)) ||
		    (len >= min_ok && rc != PS_NAT_OK)) {
			fprintf(stderr, "length %zu of %zu (ok from %zu): rc %d\n",
				len, full, min_ok, rc);
			bad++;
		}
		exact_free(&e);
	}
	return bad;
}

static void
test_truncated(void)
{
	struct spec tcp = { .proto = IPPROTO_TCP, .opt_len = 8, .src_ip = 1,
		.dst_ip = 2, .sport = 3, .dport = 4, .plen = 10, .seed = 71 };
	struct spec udp = { .proto = IPPROTO_UDP, .src_ip = 1, .dst_ip = 2,
		.sport = 3, .dport = 4, .plen = 5, .seed = 72, .vlan = true };
	struct spec echo = { .proto = IPPROTO_ICMP, .icmp_type = 8, .src_ip = 1,
		.dst_ip = 2, .sport = 3, .plen = 4, .seed = 73 };
	uint8_t f[512], g[512];
	size_t len, glen;
	unsigned int bad = 0;

	len = build(f, &tcp);
	bad += cut_sweep(f, len, 14);
	bad += shrink_sweep(f, len, 14, false, 14 + 28 + 20);
	glen = build_icmp_err(g, 9, 10, 3, 3, 4, f + 14, len - 14);
	bad += cut_sweep(g, glen, 14);
	/* the quote needs the inner header and 8 bytes of TCP */
	bad += shrink_sweep(g, glen, 14, true, 14 + 24 + 8 + 28 + 8);

	len = build(f, &udp);
	bad += cut_sweep(f, len, 18);
	bad += shrink_sweep(f, len, 18, false, 18 + 20 + 8);
	glen = build_icmp_err(g, 9, 10, 11, 0, 0, f + 18, len - 18);
	bad += cut_sweep(g, glen, 14);
	bad += shrink_sweep(g, glen, 14, true, 14 + 20 + 8 + 20 + 8);

	len = build(f, &echo);
	bad += cut_sweep(f, len, 14);
	bad += shrink_sweep(f, len, 14, false, 14 + 20 + 8);
	glen = build_icmp_err(g, 9, 10, 11, 0, 0, f + 14, len - 14);
	bad += shrink_sweep(g, glen, 14, true, 14 + 20 + 8 + 20 + 8);
	CU_ASSERT_EQUAL(bad, 0);
}

/* Random bytes, random lengths: whatever comes back, nothing breaks. */
static void
test_garbage(void)
{
	unsigned int i, j;

	for (i = 0; i < NB_RANDOM; i++) {
		uint8_t f[160];
		size_t len = rnd() % sizeof(f);
		struct ps_nat_xlate x = random_xlate(PS_NAT_ADDRS | PS_NAT_PORTS);
		struct ps_nat_tuple t;
		struct exact e;
		int rc;

		for (j = 0; j < len; j++)
			f[j] = (uint8_t)rnd();
		/* mostly IPv4 with small IHLs, to get past the first check */
		if (len > 14 && rnd() % 4 != 0)
			f[14] = (uint8_t)(0x45 + rnd() % 3);
		if (len > 14 + 9 && rnd() % 2)
			f[14 + 9] = IPPROTO_ICMP;
		if (!exact_make(&e, f, len))
			break;
		rc = ps_nat_rewrite(e.m, 14, &x);
		CU_ASSERT(rc >= -PS_NAT_ERR_NOT_ICMP_ERROR && rc <= 1);
		rc = ps_nat_icmp_error_rewrite(e.m, 14, &x, NULL);
		CU_ASSERT(rc >= -PS_NAT_ERR_NOT_ICMP_ERROR && rc <= 1);
		ps_nat_icmp_error_tuple(e.m, 14, &t);
		ps_nat_tuple_get(e.m, 14, &t);
		exact_free(&e);
	}
}

static int
setup(void)
{
	pool = rte_pktmbuf_pool_create("nat_test", 512, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void)
{
	rte_mempool_free(pool);
	return 0;
}

static const struct ps_test tests[] = {
	{ "TCP DNAT and the reply back from the VIP", test_tcp_dnat_and_back },
	{ "UDP SNAT and back", test_udp_snat_and_back },
	{ "UDP zero checksum kept", test_udp_zero_checksum_kept },
	{ "UDP checksum 0 sent as 0xffff",
	  test_udp_checksum_zero_becomes_ffff },
	{ "ICMP echo identifier", test_icmp_echo },
	{ "IP options, VLAN, hairpin both ways", test_ip_options_hairpin },
	{ "fragments", test_fragments },
	{ "GRE and non-echo ICMP", test_other_protocols },
	{ "bad headers refused untouched", test_bad_headers },
	{ "ICMP errors about a DNATed flow", test_icmp_errors_dnat },
	{ "ICMP error about a masqueraded flow", test_icmp_error_snat },
	{ "ICMP error refusals", test_icmp_error_refusals },
	{ "10,000 random rewrites vs full recomputation",
	  test_random_rewrites },
	{ "10,000 random ICMP errors vs full recomputation",
	  test_random_icmp_errors },
	{ "every truncation refused", test_truncated },
	{ "random garbage", test_garbage },
};

PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("rewrite", setup, teardown, tests))
