/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remote VTEP table with its per-worker counters, and the VXLAN
 * header helpers shared by the encap node and the tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <podswitch/vxlan.h>

RTE_LOG_REGISTER(ps_logtype_vxlan, podswitch.vxlan, INFO);

#define VX_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_vxlan, "vxlan: " __VA_ARGS__)

static int
rx_key_add(struct ps_vxlan *vx, uint32_t remote, uint32_t vni, uint32_t id)
{
	uint64_t key = (uint64_t)vni << 32 | remote;

	/* The first VTEP of a (remote, vni) keeps its rx counters. */
	if (rte_hash_lookup(vx->rx, &key) >= 0)
		return 0;
	return rte_hash_add_key_data(vx->rx, &key, (void *)(uintptr_t)id);
}

struct ps_vxlan *
ps_vxlan_create(const char *name, uint32_t max, uint32_t overlay_vni,
		int socket)
{
	struct rte_hash_parameters hp = {
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* workers read while the management thread adds */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	char hname[RTE_HASH_NAMESIZE];
	struct ps_vxlan *vx;

	if (max == 0 || max > UINT16_MAX || overlay_vni > PS_VXLAN_VNI_MAX)
		return NULL;
	vx = rte_zmalloc_socket("ps_vxlan", sizeof(*vx), 0, socket);
	if (vx == NULL)
		return NULL;
	snprintf(vx->name, sizeof(vx->name), "%s", name);
	vx->max = max;
	vx->overlay_vni = overlay_vni;
	/* A row per worker on its own cache lines. */
	vx->stride = RTE_ALIGN(max + 1, RTE_CACHE_LINE_SIZE /
			       sizeof(struct ps_vtep_counters));
	vx->vteps = rte_zmalloc_socket("ps_vteps", sizeof(*vx->vteps) * max, 0,
				       socket);
	vx->ctr = rte_zmalloc_socket("ps_vtep_ctr", sizeof(*vx->ctr) *
				     vx->stride * PS_MAX_WORKERS,
				     RTE_CACHE_LINE_SIZE, socket);
	snprintf(hname, sizeof(hname), "vx_%s", name);
	/* room for every (remote, vni) and as many VNIs */
	hp.entries = RTE_MAX(2 * max + 1, 16u);
	hp.name = hname;
	vx->rx = rte_hash_create(&hp);
	if (vx->vteps == NULL || vx->ctr == NULL || vx->rx == NULL ||
	    rx_key_add(vx, 0, overlay_vni, 0) < 0) {
		VX_LOG(ERR, "%s: cannot allocate %u VTEPs: %s\n", name, max,
		       rte_strerror(rte_errno));
		ps_vxlan_free(vx);
		return NULL;
	}
	return vx;
}

void
ps_vxlan_free(struct ps_vxlan *vx)
{
	if (vx == NULL)
		return;
	rte_hash_free(vx->rx);
	rte_free(vx->ctr);
	rte_free(vx->vteps);
	rte_free(vx);
}

void
ps_vxlan_set_local(struct ps_vxlan *vx, const struct rte_ether_addr *mac,
		   uint32_t ip, uint16_t port)
{
	vx->local_mac = *mac;
	vx->local_ip = ip;
	vx->port = port;
}

int
ps_vxlan_vtep_get(struct ps_vxlan *vx, uint32_t remote, uint32_t vni,
		  const struct rte_ether_addr *mac)
{
	uint32_t h = rte_be_to_cpu_32(remote);
	struct ps_vtep *v;
	uint32_t i;

	if (remote == 0 || h == UINT32_MAX || ps_ip4_is_mcast(h) ||
	    vni > PS_VXLAN_VNI_MAX ||
	    (mac != NULL && !rte_is_valid_assigned_ether_addr(mac)))
		return -EINVAL;
	/* The table is small (remote nodes of a cluster) and this is the
	 * writer's path only. */
	for (i = 0; i < vx->nb; i++) {
		v = &vx->vteps[i];
		if (v->remote == remote && v->vni == vni &&
		    v->has_mac == (mac != NULL) &&
		    (mac == NULL || rte_is_same_ether_addr(&v->mac, mac)))
			return (int)i;
	}
	if (vx->nb == vx->max) {
		if (vx->full++ == 0)
			VX_LOG(WARNING, "%s: VTEP table full (%u): routes "
			       "refused\n", vx->name, vx->max);
		return -ENOSPC;
	}
	v = &vx->vteps[vx->nb];
	memset(v, 0, sizeof(*v));
	v->remote = remote;
	v->vni = vni;
	v->has_mac = mac != NULL;
	if (mac != NULL)
		v->mac = *mac;
	ps_vxlan_encap_hdr(v->hdr, &vx->local_mac, vx->local_ip, remote, 0,
			   vx->port, vni, 0, 0);
	if (rx_key_add(vx, remote, vni, vx->nb) < 0 ||
	    rx_key_add(vx, 0, vni, 0) < 0) {
		vx->full++;
		return -ENOSPC;
	}
	/* Readers find the entry through a route published later (the
	 * route table's own release store), or through the hash above. */
	return (int)vx->nb++;
}

const struct ps_vtep *
ps_vxlan_vtep(const struct ps_vxlan *vx, uint32_t id)
{
	return id < vx->nb ? &vx->vteps[id] : NULL;
}

void
ps_vxlan_counters(const struct ps_vxlan *vx, uint32_t id,
		  struct ps_vtep_counters *sum)
{
	unsigned int w;

	memset(sum, 0, sizeof(*sum));
	if (id > vx->max)
		return;
	for (w = 0; w < PS_MAX_WORKERS; w++) {
		const struct ps_vtep_counters *c =
			&vx->ctr[(size_t)w * vx->stride + id];

		sum->tx_packets += c->tx_packets;
		sum->tx_bytes += c->tx_bytes;
		sum->rx_packets += c->rx_packets;
		sum->rx_bytes += c->rx_bytes;
	}
}

void
ps_vxlan_stats(const struct ps_vxlan *vx, struct ps_vxlan_stats *st)
{
	st->vteps = vx->nb;
	st->max_vteps = vx->max;
	st->full = vx->full;
}

uint16_t
ps_vxlan_src_port(const struct rte_ipv4_hdr *ip, uint16_t l3len)
{
	uint16_t hlen = (ip->version_ihl & 0xf) * 4;
	uint32_t h, ports = 0;

	h = rte_hash_crc_4byte(ip->src_addr, ip->next_proto_id);
	h = rte_hash_crc_4byte(ip->dst_addr, h);
	/* Ports only where every packet of the flow has them. */
	if ((ip->next_proto_id == IPPROTO_TCP ||
	     ip->next_proto_id == IPPROTO_UDP ||
	     ip->next_proto_id == IPPROTO_SCTP) &&
	    !(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					     RTE_IPV4_HDR_OFFSET_MASK)) &&
	    l3len >= hlen + 4)
		memcpy(&ports, (const uint8_t *)ip + hlen, sizeof(ports));
	h = rte_hash_crc_4byte(ports, h);
	/* Scale into the range rather than take a modulus: no bias. */
	return rte_cpu_to_be_16((uint16_t)(PS_VXLAN_SPORT_MIN +
		(((uint64_t)h * (65536 - PS_VXLAN_SPORT_MIN)) >> 32)));
}

void
ps_vxlan_encap_hdr(void *hdr, const struct rte_ether_addr *src_mac,
		   uint32_t src_ip, uint32_t dst_ip, uint16_t sport,
		   uint16_t dport, uint32_t vni, uint16_t inner_len,
		   uint8_t inner_tos)
{
	struct rte_ether_hdr *eth = hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct rte_vxlan_hdr *vxh = (struct rte_vxlan_hdr *)(udp + 1);
	uint16_t udp_len = sizeof(*udp) + sizeof(*vxh) + inner_len;
	uint8_t ecn = inner_tos & 0x3;

	memset(&eth->dst_addr, 0, sizeof(eth->dst_addr));
	eth->src_addr = *src_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	/* RFC 6040 normal mode: CE is not copied out, it becomes ECT(0). */
	ip->type_of_service = ecn == 0x3 ? 0x2 : ecn;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + udp_len);
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = PS_VXLAN_TTL;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src_ip;
	ip->dst_addr = dst_ip;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	udp->src_port = sport;
	udp->dst_port = dport;
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;

	vxh->vx_flags = PS_VXLAN_FLAG_I;
	vxh->vx_vni = rte_cpu_to_be_32(vni << 8);
}
