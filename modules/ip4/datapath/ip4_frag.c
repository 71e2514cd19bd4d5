/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 fragmentation on output (RFC 791, as Linux's ip_fragment cuts):
 * a packet without DF that does not fit the MTU of where it goes is cut
 * into fragments of at most mtu bytes, each payload but the last a
 * multiple of 8, copied into new mbufs of the packet's pool.
 */
#include <errno.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include <podswitch/graph.h>

#include "ip4_graph.h"

int
ps_ip4_fragment(struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
		unsigned int max)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t tlen = rte_be_to_cpu_16(ip->total_length);
	uint32_t hlen = (ip->version_ihl & 0xf) * 4u;
	uint32_t step, off, n = 0;

	/* options would have to be sorted into copied and not copied */
	if (hlen != sizeof(*ip) || mtu < hlen + 8 || tlen <= hlen ||
	    tlen + RTE_ETHER_HDR_LEN > m->pkt_len ||
	    (fo & RTE_IPV4_HDR_DF_FLAG))
		return -EINVAL;
	step = (mtu - hlen) & ~7u;
	if ((tlen - hlen + step - 1) / step > max)
		return -E2BIG;
	for (off = 0; off < tlen - hlen; off += step) {
		uint32_t len = RTE_MIN(step, tlen - hlen - off);
		struct rte_mbuf *f = rte_pktmbuf_alloc(m->pool);
		struct rte_ipv4_hdr *fh;
		uint8_t *d;
		uint16_t nfo;

		if (f == NULL)
			goto nomem;
		out[n++] = f;
		d = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(
			RTE_ETHER_HDR_LEN + hlen + len));
		if (d == NULL)
			goto nomem;
		/* Ethernet and IPv4 headers, then this piece of payload */
		rte_memcpy(d, rte_pktmbuf_mtod(m, void *),
			   RTE_ETHER_HDR_LEN + hlen);
		if (rte_pktmbuf_read(m, RTE_ETHER_HDR_LEN + hlen + off, len,
				     d + RTE_ETHER_HDR_LEN + hlen) !=
		    d + RTE_ETHER_HDR_LEN + hlen)
			rte_memcpy(d + RTE_ETHER_HDR_LEN + hlen,
				   rte_pktmbuf_mtod_offset(m, uint8_t *,
				   RTE_ETHER_HDR_LEN + hlen + off), len);
		fh = (struct rte_ipv4_hdr *)(d + RTE_ETHER_HDR_LEN);
		nfo = (uint16_t)((fo & RTE_IPV4_HDR_OFFSET_MASK) + off / 8);
		/* MF on all but the last; the last keeps the packet's */
		if (off + len < tlen - hlen || (fo & RTE_IPV4_HDR_MF_FLAG))
			nfo |= RTE_IPV4_HDR_MF_FLAG;
		fh->fragment_offset = rte_cpu_to_be_16(nfo);
		fh->total_length = rte_cpu_to_be_16((uint16_t)(hlen + len));
		fh->hdr_checksum = 0;
		fh->hdr_checksum = rte_ipv4_cksum(fh);
		f->port = m->port;
		*ps_mbuf_meta(f) = *ps_mbuf_meta(m);
	}
	return (int)n;
nomem:
	while (n > 0)
		rte_pktmbuf_free(out[--n]);
	return -ENOMEM;
}
