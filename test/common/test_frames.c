/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builders: every field written out here, every checksum computed
 * over the whole packet, so that an expected frame does not come from the
 * code under test.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "test_common.h"

uint32_t
ps_cksum_add(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

uint16_t
ps_cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
ps_test_ip4_recksum(uint8_t *frame)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)
		(frame + RTE_ETHER_HDR_LEN);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct rte_ether_addr
ps_mac(const char *s)
{
	struct rte_ether_addr a;

	if (ps_parse_mac(s, &a) < 0)
		memset(&a, 0, sizeof(a));
	return a;
}

uint32_t
ps_ip(const char *s)
{
	uint32_t a = 0;

	ps_parse_ip4(s, &a);
	return a;
}

size_t
ps_build_eth(uint8_t *buf, const char *dst, const char *src,
	     uint16_t ethertype, const void *payload, size_t plen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;

	eth->dst_addr = ps_mac(dst);
	eth->src_addr = ps_mac(src);
	eth->ether_type = rte_cpu_to_be_16(ethertype);
	if (plen > 0)
		memcpy(eth + 1, payload, plen);
	return sizeof(*eth) + plen;
}

size_t
ps_build_arp(uint8_t *buf, uint16_t op, const char *eth_dst, const char *sha,
	     const char *sip, const char *tha, const char *tip)
{
	struct rte_arp_hdr arp;

	memset(&arp, 0, sizeof(arp));
	arp.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp.arp_hlen = RTE_ETHER_ADDR_LEN;
	arp.arp_plen = 4;
	arp.arp_opcode = rte_cpu_to_be_16(op);
	arp.arp_data.arp_sha = ps_mac(sha);
	arp.arp_data.arp_sip = ps_ip(sip);
	arp.arp_data.arp_tha = ps_mac(tha);
	arp.arp_data.arp_tip = ps_ip(tip);
	return ps_build_eth(buf, eth_dst, sha, RTE_ETHER_TYPE_ARP, &arp,
			    sizeof(arp));
}

size_t
ps_build_forwarded(uint8_t *buf, const uint8_t *in, size_t len,
		   const char *dst_mac, const char *src_mac)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	memcpy(buf, in, len);
	eth->dst_addr = ps_mac(dst_mac);
	eth->src_addr = ps_mac(src_mac);
	ip->time_to_live--;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return len;
}

size_t
ps_build_icmp_error(uint8_t *buf, const uint8_t *in, size_t in_len,
		    const char *dst_mac, const char *src_mac,
		    const char *from_ip, uint8_t type, uint8_t code)
{
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)
		(in + RTE_ETHER_HDR_LEN);
	size_t quote = RTE_MIN(in_len - RTE_ETHER_HDR_LEN,
			       (size_t)((oip->version_ihl & 0xf) * 4 + 8));
	uint8_t l3[128];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	memset(l3, 0, sizeof(l3));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*icmp) + quote);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = ps_ip(from_ip);
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	memcpy(icmp + 1, oip, quote);
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	return ps_build_eth(buf, dst_mac, src_mac, RTE_ETHER_TYPE_IPV4, l3,
			    sizeof(*ip) + sizeof(*icmp) + quote);
}

size_t
ps_build_icmp_echo(uint8_t *buf, const char *eth_dst, const char *eth_src,
		   const char *ip_src, const char *ip_dst, uint8_t type,
		   uint16_t id, uint16_t seq, uint8_t ttl, size_t payload_len)
{
	uint8_t l3[1500];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t *data = (uint8_t *)(icmp + 1);
	size_t i, tlen = sizeof(*ip) + sizeof(*icmp) + payload_len;

	memset(l3, 0, sizeof(l3));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)tlen);
	ip->packet_id = RTE_BE16(0x1234);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = ttl;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = ps_ip(ip_src);
	ip->dst_addr = ps_ip(ip_dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = type;
	icmp->icmp_ident = rte_cpu_to_be_16(id);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	for (i = 0; i < payload_len; i++)
		data[i] = (uint8_t)i;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + payload_len);
	return ps_build_eth(buf, eth_dst, eth_src, RTE_ETHER_TYPE_IPV4, l3, tlen);
}

size_t
ps_build_l4(uint8_t *buf, const char *dmac, const char *smac,
	    const struct ps_l4 *f)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint8_t *l4 = (uint8_t *)(ip + 1);
	size_t l4len = (f->proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) :
			sizeof(struct rte_udp_hdr)) + f->plen;
	uint8_t *pl = l4 + l4len - f->plen;
	unsigned int i;

	memset(buf, 0, RTE_ETHER_HDR_LEN + sizeof(*ip) + l4len);
	eth->dst_addr = ps_mac(dmac);
	eth->src_addr = ps_mac(smac);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + l4len);
	ip->packet_id = RTE_BE16(0x4d2);
	ip->time_to_live = f->ttl;
	ip->next_proto_id = f->proto;
	ip->src_addr = ps_ip(f->src);
	ip->dst_addr = ps_ip(f->dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	for (i = 0; i < f->plen; i++)
		pl[i] = (uint8_t)(i * 7 + 3);
	if (f->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = rte_cpu_to_be_16(f->sport);
		th->dst_port = rte_cpu_to_be_16(f->dport);
		th->sent_seq = rte_cpu_to_be_32(f->seq);
		th->recv_ack = rte_cpu_to_be_32(f->ack);
		th->data_off = 0x50;
		th->tcp_flags = f->flags;
		th->rx_win = RTE_BE16(65535);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = rte_cpu_to_be_16(f->sport);
		uh->dst_port = rte_cpu_to_be_16(f->dport);
		uh->dgram_len = rte_cpu_to_be_16(l4len);
		if (!f->no_csum)
			uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	}
	return RTE_ETHER_HDR_LEN + sizeof(*ip) + l4len;
}

struct ps_l4
ps_tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
       uint8_t flags, uint32_t seq, uint32_t ack, uint16_t plen)
{
	struct ps_l4 f = { .src = src, .dst = dst, .sport = sport,
		.dport = dport, .proto = IPPROTO_TCP, .flags = flags,
		.seq = seq, .ack = ack, .ttl = 64, .plen = plen };

	return f;
}

struct ps_l4
ps_udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
       uint16_t plen)
{
	struct ps_l4 f = { .src = src, .dst = dst, .sport = sport,
		.dport = dport, .proto = IPPROTO_UDP, .ttl = 64,
		.plen = plen };

	return f;
}

size_t
ps_build_vxlan(uint8_t *buf, const char *dst_mac, const char *src_mac,
	       const char *src_ip, const char *dst_ip, uint16_t sport,
	       uint16_t dport, uint32_t vni, const uint8_t *inner,
	       size_t inner_len)
{
	uint8_t *p = buf;
	uint8_t inner_tos = inner[RTE_ETHER_HDR_LEN + 1];
	uint16_t udp_len = (uint16_t)(16 + inner_len);
	uint16_t ip_len = (uint16_t)(20 + udp_len);
	struct rte_ipv4_hdr *ip;
	struct rte_ether_addr a;
	uint32_t v;

	a = ps_mac(dst_mac);
	memcpy(p, &a, 6);
	a = ps_mac(src_mac);
	memcpy(p + 6, &a, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	p += 14;
	ip = (struct rte_ipv4_hdr *)p;
	p[0] = 0x45;
	p[1] = (inner_tos & 3) == 3 ? 2 : (inner_tos & 3);
	p[2] = ip_len >> 8;
	p[3] = ip_len & 0xff;
	p[4] = p[5] = 0;		/* id */
	p[6] = 0x40;			/* DF */
	p[7] = 0;
	p[8] = 64;
	p[9] = 17;
	p[10] = p[11] = 0;
	v = ps_ip(src_ip);
	memcpy(p + 12, &v, 4);
	v = ps_ip(dst_ip);
	memcpy(p + 16, &v, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	p += 20;
	p[0] = sport >> 8;
	p[1] = sport & 0xff;
	p[2] = dport >> 8;
	p[3] = dport & 0xff;
	p[4] = udp_len >> 8;
	p[5] = udp_len & 0xff;
	p[6] = p[7] = 0;		/* checksum: none (RFC 7348) */
	p += 8;
	memset(p, 0, 8);
	p[0] = 0x08;			/* I */
	p[4] = (uint8_t)(vni >> 16);
	p[5] = (uint8_t)(vni >> 8);
	p[6] = (uint8_t)vni;
	p += 8;
	memcpy(p, inner, inner_len);
	return 50 + inner_len;
}
