/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_PORT_CSUM_H
#define PODSWITCH_PORT_CSUM_H

/*
 * The kernel's unfinished work on frames that kernel-facing ports hand
 * us. A Linux stack sending on a veth (tx offload on, the default) leaves
 * the TCP/UDP checksum partial (CHECKSUM_PARTIAL: the pseudo-header sum,
 * uncomplemented, in the field; the virtio-net header says where) and
 * passes TCP segments of up to 64 KB whole (TSO/GSO). A packet socket
 * with PACKET_VNET_HDR tells us both. Such a frame is finished here, at
 * the port that received it, so that everything after (NAT's incremental
 * updates, VXLAN's outer checksum, a pod or a wire that wants a complete
 * checksum) sees an ordinary frame; ports that never carry kernel state
 * (vhost-user, ring) never call these.
 */

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Most segments one GSO frame may make (64 KB at an MSS of 256). */
#define PS_GSO_MAX_SEGS 256

/*
 * Complete the partial checksum of a frame of len bytes whose checksum
 * covers [start, len) and lives at start + off (the virtio-net header's
 * csum_start and csum_offset, from the Ethernet header). A UDP result of
 * 0 is sent as 0xffff (RFC 768: 0 means no checksum). Returns 0, or
 * -EINVAL when the offsets are outside the frame (left as it is).
 */
int ps_csum_finish(uint8_t *frame, uint32_t len, uint32_t start,
		   uint32_t off);

/*
 * The same for a port that hands frames over with no word of their
 * checksum state (AF_XDP): an IPv4 TCP or UDP frame (not a fragment) of
 * len bytes, from its Ethernet header, whose L4 checksum does not verify
 * and whose checksum field holds exactly the folded pseudo-header sum
 * (what Linux leaves in a CHECKSUM_PARTIAL frame) is completed over the
 * IPv4 packet (Ethernet padding excluded). Any other frame, a wrong
 * checksum included, is left untouched for whoever checks it later.
 * Returns 1 when it completed the checksum, else 0. Reads the L4 data
 * only when the field matches the pseudo-header sum.
 */
int ps_csum_complete_partial(uint8_t *frame, uint32_t len);

/*
 * Cut a TCP/IPv4 GSO frame (linear, from its Ethernet header, as a
 * kernel passed it: checksums partial or complete) into segments of at
 * most mss payload bytes, each a new single-segment mbuf from pool with
 * its headers copied and fixed: IPv4 total length, id (+1 per segment)
 * and header checksum; TCP sequence number, FIN/PSH on the last segment
 * only, CWR on the first only, and a complete TCP checksum. A TCP frame
 * in VXLAN (outer IPv4/UDP, as a Linux vxlan device sends one) is cut by
 * its inner TCP, each segment getting its own outer IPv4 length, id and
 * checksum, and UDP length with UDP checksum 0 (allowed over IPv4).
 * Returns the number of mbufs written to out (at most max), -EINVAL for
 * a frame that is not such a TCP frame, -E2BIG when it needs more than
 * max segments, -ENOMEM when the pool runs out (nothing is kept).
 */
int ps_gso_tcp4_segment(const uint8_t *frame, uint32_t len, uint16_t mss,
			struct rte_mempool *pool, struct rte_mbuf **out,
			unsigned int max);

#endif
