/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_GRAPH_H
#define PODSWITCH_GRAPH_H

/*
 * The packet graph: node registration, per-port node clones and one
 * rte_graph per worker.
 *
 *   port_rx-p<id>-q<n> -> eth_input --arp--> arp -> port_tx-p<id>
 *                                    --l2---> service_l2 -> l2_fdb -> port_tx-p<id> (one or flooded)
 *                                    --ip4--> ip4_input -> service_lb -> ip4_lookup -> ...
 *
 * Every drop goes to a node named "<node>.drop.<reason>", so the graph's
 * own per-node counters are the per-reason drop counters.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_graph.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <podswitch/config.h>
#include <podswitch/fdb.h>

struct ps_route_table;
struct ps_neigh_table;
struct ps_vxlan;
struct ps_ct;
struct ps_svc_table;
struct ps_nat_pool;

/* SNAT port pools, one per protocol (TCP, UDP, ICMP echo identifiers). */
enum ps_nat_pool_id {
	PS_NAT_POOL_TCP,
	PS_NAT_POOL_UDP,
	PS_NAT_POOL_ICMP,
	PS_NAT_NB_POOLS,
};

static inline int
ps_nat_pool_of(uint8_t proto)
{
	return proto == IPPROTO_TCP ? PS_NAT_POOL_TCP :
	       proto == IPPROTO_UDP ? PS_NAT_POOL_UDP :
	       proto == IPPROTO_ICMP ? PS_NAT_POOL_ICMP : -1;
}

extern int ps_logtype_graph;

#define PS_DROP_INFIX ".drop."

/* "a.b.c.d" of an address in network order */
#define PS_IP4_FMT "%u.%u.%u.%u"
#define PS_IP4_BYTES(a)							\
	((const uint8_t *)&(a))[0], ((const uint8_t *)&(a))[1],		\
	((const uint8_t *)&(a))[2], ((const uint8_t *)&(a))[3]

/* ICMP types and codes the graph sends: PS_ICMP_* of podswitch/inet.h */

/*
 * Per-packet metadata in the mbuf private area, written by the L3 nodes.
 * ip4_input clears flags when a packet enters L3; the other fields are
 * valid only where the node that sets them says so.
 */
struct ps_mbuf_meta {
	uint32_t nh_ip;		/* next hop to resolve (network order) */
	uint16_t nh_port;	/* its port, or PS_PORT_SEGMENT */
	uint8_t icmp_type;	/* for icmp_error */
	uint8_t icmp_code;
	uint16_t mtu;		/* next-hop MTU for fragmentation needed */
	uint8_t flags;
	uint8_t pad;
};
#define PS_META_LOCAL_ORIGIN 0x1	/* built by us: keep its TTL, never an ICMP error about it */
#define PS_META_INNER_DST 0x2		/* VXLAN by us: give the inner frame the outer next hop's MAC */
#define PS_MBUF_PRIV_SIZE RTE_ALIGN(sizeof(struct ps_mbuf_meta), RTE_MBUF_PRIV_ALIGN)

static inline struct ps_mbuf_meta *
ps_mbuf_meta(void *m)
{
	return (struct ps_mbuf_meta *)rte_mbuf_to_priv((struct rte_mbuf *)m);
}

/* The ports of the pod segment (flooding); published whole, see segment. */
struct ps_port_set {
	uint16_t n;
	uint16_t ports[PS_MAX_PORTS];
};

/*
 * What the nodes read; set before the graphs are created, then read-only,
 * except the members said to change with hot-plugged ports.
 */
struct ps_graph_env {
	struct ps_fdb *fdb;
	struct ps_route_table *routes;
	struct ps_neigh_table *neighbors;
	struct rte_ether_addr node_mac;
	/* host port (kernel of the node) or PS_PORT_NONE if none */
	uint16_t host_port;
	struct rte_ether_addr host_mac;
	uint32_t gateway_ip;	/* network order */
	uint32_t node_ip;	/* network order */
	/*
	 * Current pod segment: one of segment_buf, swapped by the management
	 * thread when a port comes or goes; the other buffer is rewritten only
	 * after a grace period. Read it once per burst with
	 * ps_graph_segment().
	 */
	struct ps_port_set *segment;
	struct ps_port_set segment_buf[2];
	/* VXLAN: remote VTEPs; the UDP port (network order); whether we
	 * decapsulate (overlay mode vxlan); the largest inner IPv4 packet
	 * the tunnel carries */
	struct ps_vxlan *vxlan;
	uint16_t vxlan_port;
	uint16_t tunnel_mtu;
	bool vxlan_decap;
	/* edges to port_tx-p<id>, by podswitch port id; an entry is written
	 * before any table can send a packet to that port */
	rte_edge_t l2_tx_edge[PS_MAX_PORTS];
	rte_edge_t arp_tx_edge[PS_MAX_PORTS];
	rte_edge_t ip4_local_tx_edge[PS_MAX_PORTS];
	rte_edge_t rewrite_tx_edge[PS_MAX_PORTS];
	rte_edge_t inject_tx_edge[PS_MAX_PORTS];
	/* mbufs from the management thread for worker 0 to send; the port
	 * is in the metadata's nh_port */
	struct rte_ring *ctl_ring;
	/* service load balancer: conntrack, services, SNAT ports */
	struct ps_ct *ct;
	struct ps_svc_table *svcs;
	struct ps_nat_pool *nat_pool[PS_NAT_NB_POOLS];
	/* network order: in when (a & mask) == net; an absent prefix is
	 * net 0, mask ~0 (only 0.0.0.0, never a real source/destination) */
	uint32_t pod_net, pod_mask;
	uint32_t cluster_net, cluster_mask;
	uint32_t service_net, service_mask;
	uint32_t node_net, node_mask;	/* the node subnet: the other nodes */
	/* pods' egress to outside the cluster is masqueraded; off when
	 * cluster_cidr is not configured (inside and outside unknown) */
	bool masquerade;
	/*
	 * Live connections DNATed, without SNAT, from a pod of this node to
	 * an endpoint in the pod subnet, per endpoint address (indexed by
	 * ps_lb_l2_slot()): the endpoint's replies are bridged, and only
	 * frames from an address counted here need service_l2's conntrack
	 * lookup. Workers increment when they create such a connection, the
	 * management thread decrements when it is deleted.
	 */
	uint32_t *l2_ep_conns;
	uint32_t l2_ep_mask;
	/* log one line per packet per node (debug; costs nothing when off) */
	bool trace;
};

extern struct ps_graph_env ps_genv;

/* Slot of pod address ip (network order) in ps_genv.l2_ep_conns. */
static inline uint32_t
ps_lb_l2_slot(uint32_t ip)
{
	return rte_be_to_cpu_32(ip) & ps_genv.l2_ep_mask;
}

/* Whether connection orig, DNATed to dnat_ip without SNAT, has its
 * replies bridged (client and endpoint both in the pod subnet). */
static inline bool
ps_lb_l2_counted(uint32_t client_ip, uint32_t dnat_ip, uint32_t snat_ip)
{
	return dnat_ip != 0 && snat_ip == 0 &&
	       (client_ip & ps_genv.pod_mask) == ps_genv.pod_net &&
	       (dnat_ip & ps_genv.pod_mask) == ps_genv.pod_net;
}

static inline const struct ps_port_set *
ps_graph_segment(void)
{
	return __atomic_load_n(&ps_genv.segment, __ATOMIC_ACQUIRE);
}

struct ps_worker;

/* The port a port_rx/port_tx clone now serves (its id), or -ENOENT. */
int ps_graph_node_port(const char *node);

/*
 * Clone port_rx/port_tx for every active port (named by port id:
 * port_rx-p<id>-q<n>, port_tx-p<id>) and wire the edges.
 */
int ps_graph_nodes_setup(void);
/*
 * Create worker w's graph over the rx queues in w->rxq. Returns 0 or
 * -errno; w->graph is set on success.
 */
int ps_graph_create_worker(struct ps_worker *w);
void ps_graph_destroy_worker(struct ps_worker *w);
/*
 * A new graph for w over its current w->rxq (after ports came or went),
 * named "worker-IDX.GEN"; the caller hands it over with
 * ps_worker_switch_graph(). Returns 0 (graph in *g, its id in *id) or -errno.
 */
int ps_graph_rebuild_worker(struct ps_worker *w, struct rte_graph **g,
			    rte_graph_t *id);

#endif
