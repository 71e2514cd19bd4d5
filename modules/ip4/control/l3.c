/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L3 tables of the dataplane: routes (connected ones from the node's
 * addresses, static ones from the configuration), neighbors (static ones
 * for declared pods and permanent entries), and the neighbor subsystem's
 * way to the wire: ARP requests and released packets go through the
 * control ring that worker 0 drains (ctl_inject).
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_ring.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/neighbor.h>
#include <podswitch/port.h>
#include <podswitch/route.h>
#include <podswitch/vxlan.h>

#include "dp_private.h"
#include "infra_dp.h"
#include "ip4_dp.h"

#define DP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_dp, "dataplane: " __VA_ARGS__)

#define CTL_RING_SIZE 4096

static void
ctl_send(struct ps_dataplane *dp, struct rte_mbuf *m, uint16_t port_id)
{
	ps_mbuf_meta(m)->nh_port = port_id;
	if (rte_ring_sp_enqueue(dp->ctl_ring, m) != 0) {
		dp->ctl_ring_full++;
		rte_pktmbuf_free(m);
	}
}

static void
solicit_one(struct ps_dataplane *dp, uint32_t ip, uint16_t port_id)
{
	const struct ps_config *cfg = dp->cfg;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);

	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = cfg->node_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = cfg->node_mac;
	/* Ask as the address this segment knows us by. */
	arp->arp_data.arp_sip = ps_ports[port_id].role == PS_ROLE_POD ?
				cfg->gateway_ip : cfg->node_ip.addr;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = ip;
	ctl_send(dp, m, port_id);
}

static void
neigh_solicit(void *ctx, uint32_t ip, uint16_t port_id)
{
	const struct ps_port_set *seg = ps_graph_segment();
	struct ps_dataplane *dp = ctx;
	unsigned int i;

	if (port_id != PS_PORT_SEGMENT) {
		if (port_id < PS_MAX_PORTS && ps_ports[port_id].active)
			solicit_one(dp, ip, port_id);
		return;
	}
	for (i = 0; i < seg->n; i++)
		solicit_one(dp, ip, seg->ports[i]);
}

static void
neigh_xmit(void *ctx, struct rte_mbuf *m, const struct ps_neigh *n)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct ps_dataplane *dp = ctx;

	/* ip4_rewrite already decremented the TTL. */
	eth->dst_addr = n->mac;
	eth->src_addr = dp->cfg->node_mac;
	if (ps_mbuf_meta(m)->flags & PS_META_INNER_DST)
		rte_pktmbuf_mtod_offset(m, struct rte_ether_hdr *,
					PS_VXLAN_OVERHEAD)->dst_addr = n->mac;
	ctl_send(dp, m, n->port_id);
}

static void
neigh_unreachable(void *ctx, struct rte_mbuf *m, uint32_t ip)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(ip);
	/* Counted by the neighbor table (stats.unreachable). */
	rte_pktmbuf_free(m);
}

static int
add_route(struct ps_dataplane *dp, struct ps_prefix4 dst, uint8_t type,
	  uint16_t port, uint32_t gw, uint8_t origin)
{
	struct ps_route r = {
		.dst = dst,
		.nh = { .type = type, .port_id = port, .gateway = gw },
		.origin = origin,
	};
	uint32_t mask = dst.len ? ~0u << (32 - dst.len) : 0;
	int rc;

	r.dst.addr = rte_cpu_to_be_32(rte_be_to_cpu_32(dst.addr) & mask);
	rc = ps_route_add(dp->routes, &r);
	if (rc < 0)
		DP_LOG(ERR, "route " PS_IP4_FMT "/%u: %s\n",
		       PS_IP4_BYTES(r.dst.addr), r.dst.len, rte_strerror(-rc));
	return rc;
}

static int
install_routes(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	int uplink = ps_dataplane_uplink(dp);
	struct ps_prefix4 host = { .len = 32 };
	unsigned int i;
	int rc;

	/* Connected: our addresses, the pod segment, the node's subnet. */
	host.addr = cfg->gateway_ip;
	rc = add_route(dp, host, PS_NH_LOCAL, 0, 0, PS_ROUTE_CONNECTED);
	host.addr = cfg->node_ip.addr;
	if (rc == 0 && cfg->node_ip.addr != cfg->gateway_ip)
		rc = add_route(dp, host, PS_NH_LOCAL, 0, 0, PS_ROUTE_CONNECTED);
	if (rc == 0)
		rc = add_route(dp, cfg->pod_cidr, PS_NH_CONNECTED,
			       PS_PORT_SEGMENT, 0, PS_ROUTE_CONNECTED);
	if (rc == 0 && uplink >= 0 && cfg->node_ip.len < 32)
		rc = add_route(dp, cfg->node_ip, PS_NH_CONNECTED,
			       (uint16_t)uplink, 0, PS_ROUTE_CONNECTED);
	for (i = 0; rc == 0 && i < cfg->nb_routes; i++) {
		const struct ps_route_config *rc_ = &cfg->routes[i];
		int port = rc_->dev[0] == '\0' ? uplink :
			   ps_dataplane_port_by_name(dp, rc_->dev);

		if (rc_->vxlan) {
			int id = ps_vxlan_vtep_get(dp->vxlan, rc_->vxlan_remote,
						   rc_->vxlan_vni,
						   rc_->vxlan_has_mac ?
						   &rc_->vxlan_mac : NULL);

			if (id < 0) {
				DP_LOG(ERR, "route %u: VTEP: %s\n", i,
				       rte_strerror(-id));
				return id;
			}
			rc = add_route(dp, rc_->dst, PS_NH_VXLAN, (uint16_t)id,
				       rc_->vxlan_remote, PS_ROUTE_STATIC);
			continue;
		}
		if (port < 0) {
			DP_LOG(ERR, "route %u: no port %s\n", i,
			       rc_->dev[0] ? rc_->dev : "(uplink)");
			return -ENOENT;
		}
		rc = add_route(dp, rc_->dst, rc_->gateway ? PS_NH_GATEWAY :
			       PS_NH_CONNECTED, (uint16_t)port, rc_->gateway,
			       PS_ROUTE_STATIC);
	}
	return rc;
}

static int
install_neighbors(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	unsigned int i;
	int rc;

	for (i = 0; i < dp->nb_ports; i++) {
		if (!dp->ports[i].has_pod)
			continue;
		rc = ps_neigh_add_static(dp->neighbors, dp->ports[i].pod_ip,
					 &dp->ports[i].pod_mac, dp->port_ids[i]);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < cfg->nb_neighbors; i++) {
		const struct ps_neigh_config *n = &cfg->neighbors[i];
		int port = ps_dataplane_port_by_name(dp, n->dev);

		if (port < 0) {
			DP_LOG(ERR, "neighbor %u: no port %s\n", i, n->dev);
			return -ENOENT;
		}
		rc = ps_neigh_add_static(dp->neighbors, n->ip, &n->mac,
					 (uint16_t)port);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Our VTEP in the VXLAN table; what the VXLAN nodes read (the tunnel
 * MTU too) is theirs to take at graph setup (modules/vxlan). */
static void
vxlan_env(struct ps_dataplane *dp)
{
	ps_vxlan_set_local(dp->vxlan, &dp->cfg->node_mac, dp->cfg->node_ip.addr,
			   rte_cpu_to_be_16(dp->cfg->udp_port));
}

int
ps_l3_init(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	struct ps_neigh_params np = {
		.size = cfg->neighbors_size,
		.retry_ms = cfg->arp_retry_ms,
		.max_retries = cfg->arp_retries,
		.age_ms = cfg->neigh_age_s * 1000,
		.socket = (int)rte_socket_id(),
		.qsv = dp->qsv,
		.ops = {
			.solicit = neigh_solicit,
			.xmit = neigh_xmit,
			.unreachable = neigh_unreachable,
			.ctx = dp,
		},
	};
	char name[64];
	uint16_t pid;
	int rc;

	dp->ctl_ring = rte_ring_create("ps_ctl", CTL_RING_SIZE,
				       (int)rte_socket_id(),
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp->routes = ps_route_create(cfg->node_name, cfg->routes_size,
				     RTE_MIN(cfg->routes_size, 65536u),
				     (int)rte_socket_id(), dp->qsv);
	snprintf(name, sizeof(name), "%s", cfg->node_name);
	dp->neighbors = ps_neigh_create(name, &np);
	dp->vxlan = ps_vxlan_create(cfg->node_name,
				    RTE_MIN(cfg->routes_size, PS_VXLAN_MAX_VTEPS),
				    cfg->vni, (int)rte_socket_id());
	if (dp->ctl_ring == NULL || dp->routes == NULL || dp->neighbors == NULL ||
	    dp->vxlan == NULL)
		return -ENOMEM;

	ps_ip4_dp.routes = dp->routes;
	ps_ip4_dp.neighbors = dp->neighbors;
	ps_ip4_dp.fdb = dp->fdb;
	ps_infra_dp.ctl_ring = dp->ctl_ring;
	vxlan_env(dp);
	ps_ip4_dp.host_port = PS_PORT_NONE;
	PS_PORT_FOREACH(pid) {
		if (ps_ports[pid].active && ps_ports[pid].role == PS_ROLE_HOST) {
			ps_ip4_dp.host_port = pid;
			if (ps_port_mac_get(pid, &ps_ip4_dp.host_mac) != 0)
				ps_ip4_dp.host_mac = dp->cfg->node_mac;
		}
	}
	rc = install_routes(dp);
	if (rc == 0)
		rc = install_neighbors(dp);
	return rc;
}

void
ps_l3_fini(struct ps_dataplane *dp)
{
	ps_neigh_free(dp->neighbors);
	dp->neighbors = NULL;
	ps_vxlan_free(dp->vxlan);
	dp->vxlan = NULL;
	ps_route_free(dp->routes);
	dp->routes = NULL;
	if (dp->ctl_ring != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dp->ctl_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp->ctl_ring);
		dp->ctl_ring = NULL;
	}
	ps_ip4_dp.routes = NULL;
	ps_ip4_dp.neighbors = NULL;
	ps_ip4_dp.fdb = NULL;
	ps_infra_dp.ctl_ring = NULL;
}

void
ps_l3_poll(struct ps_dataplane *dp)
{
	ps_neigh_process(dp->neighbors, ps_dataplane_now_ms(dp));
	ps_route_reclaim(dp->routes);
}
