/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ip4 module's control side, the L3 tables of the dataplane: routes
 * (connected ones from the node's addresses, static ones from the
 * configuration), neighbors (static ones for declared and hot-plugged
 * pods and permanent entries), and the neighbor subsystem's way to the
 * wire: ARP requests and released packets go through the control ring
 * that worker 0 drains (ctl_inject).
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
#include <podswitch/module.h>
#include <podswitch/neighbor.h>
#include <podswitch/port.h>
#include <podswitch/route.h>
#include <podswitch/vxlan.h>

#include "dp_private.h"
#include "infra_dp.h"
#include "ip4_dp.h"
#include "ip4_routes.h"


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
install_route(struct ps_dataplane *dp, const struct ps_route *r)
{
	int rc = ps_route_add(dp->routes, r);

	if (rc < 0)
		DP_LOG(ERR, "route " PS_IP4_FMT "/%u: %s\n",
		       PS_IP4_BYTES(r->dst.addr), r->dst.len, rte_strerror(-rc));
	return rc;
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

	r.dst.addr = ps_prefix4_net(dst.addr, dst.len);
	return install_route(dp, &r);
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
		struct ps_route r;

		/* the configuration's ports are the first slots of dp's */
		rc = ip4_route_resolve(dp, &cfg->routes[i], PS_ROUTE_STATIC,
				       &r);
		if (rc < 0) {
			DP_LOG(ERR, "route %u: %s %s\n", i, cfg->routes[i].vxlan ?
			       "VTEP:" : rc == -ENETUNREACH ? "gateway not on a "
			       "connected subnet (the pod CIDR or the node's "
			       "subnet):" : "no port", rte_strerror(-rc));
			return rc;
		}
		rc = install_route(dp, &r);
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

/* Gateways get an adjacency: ip4_rewrite then reads their neighbor by
 * id. A connected route has one next hop for a whole subnet of hosts,
 * so its packets still look the destination up. */
static uint32_t
nh_adj_bind(void *ctx, const struct ps_nexthop *nh)
{
	if (nh->type != PS_NH_GATEWAY)
		return PS_NEIGH_ADJ_NONE;
	return ps_neigh_adj_bind(ctx, nh->gateway);
}

static void
nh_adj_unbind(void *ctx, uint32_t adj)
{
	ps_neigh_adj_unbind(ctx, adj);
}

static int
l3_init(struct ps_dataplane *dp)
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
	if (dp->ctl_ring == NULL || dp->routes == NULL || dp->neighbors == NULL)
		return -ENOMEM;

	ps_route_set_adj_ops(dp->routes, &(struct ps_route_adj_ops){
		.bind = nh_adj_bind, .unbind = nh_adj_unbind,
		.ctx = dp->neighbors,
	});
	ps_ip4_dp.routes = dp->routes;
	ps_ip4_dp.neighbors = dp->neighbors;
	ps_ip4_dp.adj = ps_neigh_adj_slots(dp->neighbors, &ps_ip4_dp.nb_adj);
	ps_ip4_dp.fdb = dp->fdb;
	ps_infra_dp.ctl_ring = dp->ctl_ring;
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

static void
l3_fini(struct ps_dataplane *dp)
{
	/* Routes first: their next hops unbind their adjacencies. */
	ps_route_free(dp->routes);
	dp->routes = NULL;
	ps_neigh_free(dp->neighbors);
	dp->neighbors = NULL;
	if (dp->ctl_ring != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(dp->ctl_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp->ctl_ring);
		dp->ctl_ring = NULL;
	}
	ps_ip4_dp.routes = NULL;
	ps_ip4_dp.neighbors = NULL;
	ps_ip4_dp.adj = NULL;
	ps_ip4_dp.nb_adj = 0;
	ps_ip4_dp.fdb = NULL;
	ps_infra_dp.ctl_ring = NULL;
}

static void
l3_poll(struct ps_dataplane *dp, uint32_t now)
{
	RTE_SET_USED(now);
	ps_neigh_process(dp->neighbors, ps_dataplane_now_ms(dp));
	ps_route_reclaim(dp->routes);
}

static int
l3_port_add(struct ps_dataplane *dp, const struct ps_port_config *pc,
	    uint16_t port_id)
{
	if (!pc->has_pod)
		return 0;
	return ps_neigh_add_static(dp->neighbors, pc->pod_ip, &pc->pod_mac,
				   port_id);
}

struct neigh_on_port {
	uint16_t port;
	uint32_t ips[64];
	unsigned int n;
};

static int
neigh_collect(const struct ps_neigh *n, void *arg)
{
	struct neigh_on_port *c = arg;

	if (n->port_id == c->port && c->n < RTE_DIM(c->ips))
		c->ips[c->n++] = n->ip;
	return 0;
}

static void
l3_port_del(struct ps_dataplane *dp, const struct ps_port_config *pc,
	    uint16_t port_id)
{
	struct neigh_on_port c;
	unsigned int i;

	RTE_SET_USED(pc);
	/* Deleting inside the walk would disturb it: collect, delete, repeat. */
	do {
		c.port = port_id;
		c.n = 0;
		ps_neigh_walk(dp->neighbors, neigh_collect, &c);
		for (i = 0; i < c.n; i++)
			ps_neigh_del(dp->neighbors, c.ips[i]);
	} while (c.n == RTE_DIM(c.ips));
}

static void
routes_tables(const struct ps_route_stats *rs, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "routes",
		.show = PS_TABLE_STATUS | PS_TABLE_STATS | PS_TABLE_METRICS |
			PS_TABLE_PRINT,
		.entries = rs->routes,
		.size = rs->max_routes,
	};
	/* /v1/stats has the next hops inside "routes" */
	struct ps_table_stats nh = {
		.name = "nexthops",
		.show = PS_TABLE_STATUS | PS_TABLE_METRICS,
		.entries = rs->nexthops,
		.size = rs->max_nexthops,
	};

	PS_TABLE_PUT(&t, "entries", rs->routes);
	PS_TABLE_PUT(&t, "size", rs->max_routes);
	PS_TABLE_PUT(&t, "nexthops", rs->nexthops);
	PS_TABLE_PUT(&t, "nexthops_size", rs->max_nexthops,
		     .text = "nexthops size");
	PS_TABLE_PUT(&t, "full", rs->full, .text = "refused (full)",
		     PS_TABLE_FULL_METRIC);
	PS_TABLE_PUT(&t, "generations", rs->generations,
		     .metric = "podswitch_route_generations_total",
		     .help = "Whole route sets published (PUT /v1/routes).");
	cb(&t, arg);
	cb(&nh, arg);
}

static void
neighbors_table(const struct ps_neigh_stats *ns, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "neighbors",
		.show = PS_TABLE_STATUS | PS_TABLE_STATS | PS_TABLE_METRICS |
			PS_TABLE_PRINT,
		.entries = ns->entries,
		.size = ns->size,
	};

	PS_TABLE_PUT(&t, "entries", ns->entries);
	PS_TABLE_PUT(&t, "size", ns->size);
	PS_TABLE_PUT(&t, "incomplete", ns->incomplete);
	PS_TABLE_PUT(&t, "solicits", ns->solicits,
		     .metric = "podswitch_neighbor_solicits_total",
		     .help = "ARP requests sent to resolve neighbors.");
	PS_TABLE_PUT(&t, "resolved", ns->resolved);
	PS_TABLE_PUT(&t, "failed", ns->failed,
		     .metric = "podswitch_neighbor_failed_total",
		     .help = "Neighbor resolutions that ran out of retries.");
	PS_TABLE_PUT(&t, "held", ns->held);
	PS_TABLE_PUT(&t, "released", ns->released);
	PS_TABLE_PUT(&t, "hold_dropped", ns->hold_dropped,
		     .text = "hold dropped",
		     .metric = "podswitch_neighbor_hold_dropped_total",
		     .help = "Packets dropped because a neighbor's hold queue "
			     "was full.");
	PS_TABLE_PUT(&t, "unreachable", ns->unreachable);
	PS_TABLE_PUT(&t, "aged", ns->aged);
	PS_TABLE_PUT(&t, "full", ns->full, .text = "refused (full)",
		     PS_TABLE_FULL_METRIC);
	PS_TABLE_PUT(&t, "ring_full", ns->ring_full, .text = "ring full");
	cb(&t, arg);
}

static void
l3_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	struct ps_route_stats rs;
	struct ps_neigh_stats ns;

	if (dp->routes == NULL || dp->neighbors == NULL)
		return;
	ps_route_stats(dp->routes, &rs);
	ps_neigh_stats(dp->neighbors, &ns);
	routes_tables(&rs, cb, arg);
	neighbors_table(&ns, cb, arg);
}

/* Static routes may name VTEPs; a pod's neighbor entry follows its FDB
 * entry (a hot-plugged pod is reachable at L2 first). */
static struct ps_module ip4_module = {
	.name = "ip4",
	.depends_on = "l2, vxlan",
	.init = l3_init,
	.fini = l3_fini,
	.poll = l3_poll,
	.port_add = l3_port_add,
	.port_del = l3_port_del,
	.tables = l3_tables,
};

PS_MODULE_REGISTER(ip4_module);
