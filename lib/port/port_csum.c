/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finishing what a kernel left to "hardware": partial L4 checksums and
 * TCP segmentation (see podswitch/port_csum.h). Only kernel-facing
 * backends call these, on the frames the kernel marked, or (AF_XDP, which
 * marks nothing) on the frames that can only be partial.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <podswitch/port_csum.h>

#define VXLAN_HLEN 8

int
ps_csum_finish(uint8_t *frame, uint32_t len, uint32_t start, uint32_t off)
{
	uint16_t c;

	if (start >= len || off > len - start || len - start - off < 2)
		return -EINVAL;
	/* The field holds the pseudo-header sum: summing it in with the
	 * rest gives the whole sum. Ones' complement: 0xffff and 0 are the
	 * same value, and UDP reserves 0 for "none". */
	c = (uint16_t)~rte_raw_cksum(frame + start, len - start);
	if (c == 0)
		c = 0xffff;
	memcpy(frame + start + off, &c, sizeof(c));
	return 0;
}

/* Where the headers of a TCP GSO frame are; outer_l3 0: not tunnelled. */
struct gso_layout {
	uint32_t outer_l3;
	uint32_t l3;
	uint32_t l4;
	uint32_t hdr_len;	/* up to the end of the TCP header */
};

static int
ip4_at(const uint8_t *frame, uint32_t len, uint32_t off, uint8_t *proto,
       uint32_t *hlen)
{
	const struct rte_ipv4_hdr *ip;

	if (len < off + sizeof(*ip))
		return -EINVAL;
	ip = (const struct rte_ipv4_hdr *)(frame + off);
	*hlen = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if ((ip->version_ihl >> 4) != 4 || *hlen < sizeof(*ip) ||
	    len < off + *hlen)
		return -EINVAL;
	*proto = ip->next_proto_id;
	return 0;
}

static int
gso_parse(const uint8_t *frame, uint32_t len, struct gso_layout *g)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	uint32_t off = RTE_ETHER_HDR_LEN, hlen, thlen;
	uint8_t proto;

	memset(g, 0, sizeof(*g));
	if (len < off || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ip4_at(frame, len, off, &proto, &hlen) < 0)
		return -EINVAL;
	if (proto == IPPROTO_UDP) {
		/* TCP in VXLAN: outer UDP, VXLAN, inner Ethernet. */
		g->outer_l3 = off;
		off += hlen + sizeof(struct rte_udp_hdr) + VXLAN_HLEN;
		eth = (const struct rte_ether_hdr *)(frame + off);
		off += RTE_ETHER_HDR_LEN;
		if (len < off ||
		    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		    ip4_at(frame, len, off, &proto, &hlen) < 0)
			return -EINVAL;
	}
	if (proto != IPPROTO_TCP || len < off + hlen + sizeof(struct rte_tcp_hdr))
		return -EINVAL;
	g->l3 = off;
	g->l4 = off + hlen;
	thlen = (uint32_t)(frame[g->l4 + 12] >> 4) * 4;
	if (thlen < sizeof(struct rte_tcp_hdr) || len < g->l4 + thlen)
		return -EINVAL;
	g->hdr_len = g->l4 + thlen;
	return 0;
}

static void
ip4_fix(struct rte_ipv4_hdr *ip, uint32_t tot_len, uint16_t id_add)
{
	ip->total_length = rte_cpu_to_be_16((uint16_t)tot_len);
	ip->packet_id = rte_cpu_to_be_16((uint16_t)
		(rte_be_to_cpu_16(ip->packet_id) + id_add));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Headers of segment i (payload at pay_off, plen bytes) fixed in place. */
static void
seg_fix(uint8_t *s, const struct gso_layout *g, uint32_t i, uint32_t pay_off,
	uint32_t plen, bool last)
{
	uint32_t seg_len = g->hdr_len + plen;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(s + g->l3);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(s + g->l4);

	if (g->outer_l3 != 0) {
		struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(s + g->outer_l3);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(s + g->outer_l3 +
			(oip->version_ihl & 0xf) * 4);

		ip4_fix(oip, seg_len - g->outer_l3, (uint16_t)i);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)
			(seg_len - ((uint8_t *)udp - s)));
		/* Recomputing it would read the segment once more; we are
		 * the VXLAN endpoint that would check it. */
		udp->dgram_cksum = 0;
	}
	ip4_fix(ip, seg_len - g->l3, (uint16_t)i);
	tcp->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(tcp->sent_seq) +
					 pay_off);
	if (!last)
		tcp->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	if (i != 0)
		tcp->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
}

int
ps_gso_tcp4_segment(const uint8_t *frame, uint32_t len, uint16_t mss,
		    struct rte_mempool *pool, struct rte_mbuf **out,
		    unsigned int max)
{
	struct gso_layout g;
	uint32_t payload, nseg, i, off;

	if (mss == 0 || gso_parse(frame, len, &g) < 0)
		return -EINVAL;
	payload = len - g.hdr_len;
	nseg = payload == 0 ? 1 : (payload + mss - 1) / mss;
	if (nseg > max)
		return -E2BIG;
	if (rte_pktmbuf_alloc_bulk(pool, out, nseg) != 0)
		return -ENOMEM;
	for (i = 0, off = 0; i < nseg; i++, off += mss) {
		uint32_t plen = RTE_MIN((uint32_t)mss, payload - off);
		struct rte_mbuf *m = out[i];
		uint8_t *s = rte_pktmbuf_mtod(m, uint8_t *);

		if (g.hdr_len + plen > rte_pktmbuf_tailroom(m)) {
			rte_pktmbuf_free_bulk(out, nseg);
			return -E2BIG;
		}
		memcpy(s, frame, g.hdr_len);
		memcpy(s + g.hdr_len, frame + g.hdr_len + off, plen);
		m->data_len = (uint16_t)(g.hdr_len + plen);
		m->pkt_len = m->data_len;
		seg_fix(s, &g, i, off, plen, i + 1 == nseg);
	}
	return (int)nseg;
}

int
ps_csum_complete_partial(uint8_t *frame, uint32_t len)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	const uint32_t l3 = RTE_ETHER_HDR_LEN;
	const struct rte_ipv4_hdr *ip;
	uint32_t hlen, tot, l4min, foff;
	uint16_t field;
	uint8_t proto;

	if (len < l3 || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ip4_at(frame, len, l3, &proto, &hlen) < 0)
		return 0;
	if (proto == IPPROTO_TCP) {
		l4min = sizeof(struct rte_tcp_hdr);
		foff = offsetof(struct rte_tcp_hdr, cksum);
	} else if (proto == IPPROTO_UDP) {
		l4min = sizeof(struct rte_udp_hdr);
		foff = offsetof(struct rte_udp_hdr, dgram_cksum);
	} else {
		return 0;
	}
	ip = (const struct rte_ipv4_hdr *)(frame + l3);
	tot = rte_be_to_cpu_16(ip->total_length);
	/* A fragment's checksum covers the whole datagram, and the kernel
	 * completes it before it fragments: never partial. */
	if ((ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					    RTE_IPV4_HDR_OFFSET_MASK)) != 0 ||
	    tot > len - l3 || tot < hlen + l4min)
		return 0;
	memcpy(&field, frame + l3 + hlen + foff, sizeof(field));
	/* Both sums are folded the same way (never 0: the protocol is in
	 * it), so the bytes compare as they are. A complete checksum equal
	 * to the pseudo sum by chance (1 in 65536) verifies: left alone. */
	if (field != rte_ipv4_phdr_cksum(ip, 0) ||
	    rte_ipv4_udptcp_cksum_verify(ip, frame + l3 + hlen) == 0)
		return 0;
	return ps_csum_finish(frame, l3 + tot, l3 + hlen, foff) == 0;
}
