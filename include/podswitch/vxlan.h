/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_VXLAN_H
#define PODSWITCH_VXLAN_H

/*
 * VXLAN overlay (RFC 7348), the wire format of a Linux `vxlan` device:
 * outer Ethernet / IPv4 / UDP / VXLAN(I flag, VNI) / inner Ethernet.
 *
 * Remote VTEPs live in a table indexed by a 16-bit id; a route's VXLAN
 * next hop carries the remote IP and that id (port_id), so struct
 * ps_nexthop stays 8 bytes. A VTEP is (remote, VNI, inner destination MAC
 * or "none given"); entries are added by the management thread (the only
 * writer) when a route names them and are kept for the life of the
 * dataplane, so their counters survive route changes. Full table: the
 * route is refused (-ENOSPC) and stats.full counts it.
 *
 * Workers read the table lock-free (entries are written before their id
 * is published in a route) and count per worker, per VTEP.
 *
 * Outer header policy:
 *   - UDP checksum 0 (allowed for IPv4 by RFC 7348 and RFC 768; a Linux
 *     vxlan device's default, udpcsum off). Received non-zero checksums
 *     are verified.
 *   - UDP source port: a hash of the inner flow (addresses, protocol and,
 *     for unfragmented TCP/UDP/SCTP, ports) mapped into 49152..65535
 *     (RFC 7348 section 5), so that ECMP and RSS spread flows.
 *   - DF set, IP id 0 (RFC 7348 4.3: VTEPs must not fragment), TTL 64,
 *     DSCP 0 and the inner ECN bits (CE becomes ECT(0), RFC 6040 normal
 *     mode, like Linux's ip_tunnel_ecn_encap).
 *   - inner source MAC: our VTEP MAC, which is the node MAC.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include <podswitch/config.h>

extern int ps_logtype_vxlan;

#define PS_VXLAN_PORT_DEFAULT 4789
/* outer Ethernet + IPv4 (no options) + UDP + VXLAN */
#define PS_VXLAN_OVERHEAD (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + \
			   sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr))
/* The I flag: the VNI is valid. */
#define PS_VXLAN_FLAG_I RTE_BE32(0x08000000)
#define PS_VXLAN_VNI_MAX ((1u << 24) - 1)
#define PS_VXLAN_SPORT_MIN 49152
#define PS_VXLAN_TTL 64
/* Table size: a cluster's nodes, bounded by tables.routes. */
#define PS_VXLAN_MAX_VTEPS 4096u

struct ps_vtep {
	/* The outer headers for an empty inner frame, TOS 0 (built when the
	 * VTEP is added): encap copies them and patches lengths, ECN, source
	 * port and the IP checksum. */
	uint8_t hdr[PS_VXLAN_OVERHEAD];
	uint16_t pad0;
	uint32_t remote;		/* network order */
	uint32_t vni;			/* host order */
	struct rte_ether_addr mac;	/* inner destination, if has_mac */
	uint8_t has_mac;
	uint8_t pad;
};

/* Per worker, per VTEP; written by one worker only. */
struct ps_vtep_counters {
	uint64_t tx_packets;		/* encapsulated */
	uint64_t tx_bytes;		/* outer frame bytes */
	uint64_t rx_packets;		/* decapsulated */
	uint64_t rx_bytes;		/* outer frame bytes */
};

struct ps_vxlan {
	struct ps_vtep *vteps;		/* max entries */
	/* [worker][vtep], stride entries per worker; slot max counts
	 * traffic from remotes that no route names */
	struct ps_vtep_counters *ctr;
	uint32_t stride;
	uint32_t max;
	uint32_t nb;
	uint64_t full;
	/* (remote, vni) -> id, and (0, vni) for every VNI we know */
	struct rte_hash *rx;
	uint32_t overlay_vni;
	/* our VTEP: source of the outer headers */
	struct rte_ether_addr local_mac;
	uint32_t local_ip;		/* network order */
	uint16_t port;			/* UDP destination, network order */
	char name[32];
};

struct ps_vxlan_stats {
	uint32_t vteps;
	uint32_t max_vteps;
	uint64_t full;
};

/* max VTEPs (1..65535); overlay_vni is known to decap even before a
 * route names it. */
struct ps_vxlan *ps_vxlan_create(const char *name, uint32_t max,
				 uint32_t overlay_vni, int socket);
void ps_vxlan_free(struct ps_vxlan *vx);

/* Writer side (management thread) --------------------------------------- */

/* Our VTEP (node MAC and IP) and the UDP port; before any VTEP is added. */
void ps_vxlan_set_local(struct ps_vxlan *vx, const struct rte_ether_addr *mac,
			uint32_t ip, uint16_t port);

/*
 * The id of VTEP (remote, vni, mac or NULL), added if new: >= 0, or
 * -EINVAL (remote 0/multicast/broadcast, vni out of range, bad mac) or
 * -ENOSPC (full; counted).
 */
int ps_vxlan_vtep_get(struct ps_vxlan *vx, uint32_t remote, uint32_t vni,
		      const struct rte_ether_addr *mac);
/* The VTEP of id, or NULL. */
const struct ps_vtep *ps_vxlan_vtep(const struct ps_vxlan *vx, uint32_t id);
/* Sum of every worker's counters for id (id == max: unknown remotes). */
void ps_vxlan_counters(const struct ps_vxlan *vx, uint32_t id,
		       struct ps_vtep_counters *sum);
void ps_vxlan_stats(const struct ps_vxlan *vx, struct ps_vxlan_stats *st);

/* Fast path ---------------------------------------------------------------- */

#define PS_VXLAN_UNKNOWN_VNI (-1)

/* The VTEP id for traffic from remote with vni, vx->max for a known VNI
 * from a remote no route names, or PS_VXLAN_UNKNOWN_VNI. */
static inline int32_t
ps_vxlan_rx_lookup(const struct ps_vxlan *vx, uint32_t remote, uint32_t vni)
{
	uint64_t key = (uint64_t)vni << 32 | remote;
	void *data;

	if (rte_hash_lookup_data(vx->rx, &key, &data) >= 0)
		return (int32_t)(uintptr_t)data;
	key = (uint64_t)vni << 32;
	if (rte_hash_lookup_data(vx->rx, &key, &data) >= 0)
		return (int32_t)vx->max;
	return PS_VXLAN_UNKNOWN_VNI;
}

static inline struct ps_vtep_counters *
ps_vxlan_ctr(struct ps_vxlan *vx, unsigned int worker, uint32_t id)
{
	return &vx->ctr[(size_t)worker * vx->stride + id];
}

/*
 * UDP source port for an inner IPv4 packet (ip, l3len bytes available):
 * a hash of the flow into PS_VXLAN_SPORT_MIN..65535, network order.
 */
uint16_t ps_vxlan_src_port(const struct rte_ipv4_hdr *ip, uint16_t l3len);

/*
 * Write the outer headers (PS_VXLAN_OVERHEAD bytes at hdr) for an inner
 * frame of inner_len bytes whose IPv4 TOS is inner_tos. The outer
 * destination MAC is left zero: the neighbor stage fills it in. sport and
 * dport are in network order.
 */
void ps_vxlan_encap_hdr(void *hdr, const struct rte_ether_addr *src_mac,
			uint32_t src_ip, uint32_t dst_ip, uint16_t sport,
			uint16_t dport, uint32_t vni, uint16_t inner_len,
			uint8_t inner_tos);

/*
 * The same headers as ps_vxlan_encap_hdr() for this VTEP, from its
 * template: a 50-byte copy, then the lengths, the ECN bits, the source
 * port and an incremental IP checksum (RFC 1624).
 */
static inline void
ps_vxlan_encap_fast(void *hdr, const struct ps_vtep *v, uint16_t sport,
		    uint16_t inner_len, uint8_t inner_tos)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)
		((uint8_t *)hdr + RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t ecn = inner_tos & 0x3;
	uint32_t sum;

	ecn = ecn == 0x3 ? 0x2 : ecn;
	rte_memcpy(hdr, v->hdr, PS_VXLAN_OVERHEAD);
	ip->type_of_service = ecn;
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) +
					    inner_len);
	/* the template's words grew by inner_len (length) and ecn (TOS) */
	sum = (uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum) +
	      (uint32_t)inner_len + ecn;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	udp->src_port = sport;
	udp->dgram_len = rte_cpu_to_be_16(rte_be_to_cpu_16(udp->dgram_len) +
					  inner_len);
}

#endif
