/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_INFRA_DP_H
#define PS_INFRA_DP_H

/*
 * The infra module's datapath state: who this node is and the ports of
 * the pod segment, which every module's nodes may read (infra is the
 * layer they all stand on), and the control ring of ctl_inject. Written
 * by the management thread: dataplane.c before the graphs are built (the
 * segment also when ports come and go), the control ring by l3.c.
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ring.h>

#include <podswitch/config.h>

/* The ports of the pod segment (flooding); published whole, see segment. */
struct ps_port_set {
	uint16_t n;
	uint16_t ports[PS_MAX_PORTS];
};

/*
 * What a pod port may send from (anti-spoofing): its pod's MAC, and IPv4
 * and ARP from its pod's IP. Set by the module that guards (policy) for
 * ports with a pod address: ip and mac first, then on (release); on
 * cleared when the port goes.
 */
struct ps_port_guard {
	uint32_t ip;		/* network order */
	struct rte_ether_addr mac;
	uint8_t on;
};

struct ps_infra_dp {
	/* read together by eth_input for every frame */
	struct rte_ether_addr node_mac;
	uint32_t node_ip;	/* network order */
	uint32_t gateway_ip;	/* the pods' gateway, network order */
	/*
	 * Current pod segment: one of segment_buf, swapped by the management
	 * thread when a port comes or goes; the other buffer is rewritten only
	 * after a grace period. Read it once per burst with
	 * ps_graph_segment().
	 */
	struct ps_port_set *segment;
	/*
	 * Addresses besides the node IP that ARP on the uplink is answered
	 * for (services' external and load-balancer IPs), keys of 4 bytes
	 * in network order; NULL = none. Owned by the service module, which
	 * sets it before the graphs are built and changes its keys with
	 * RCU (a lock-free hash).
	 */
	const struct rte_hash *uplink_arp;
	/* mbufs from the management thread for worker 0 to send; the port
	 * is in the metadata's nh_port */
	struct rte_ring *ctl_ring;
	struct ps_port_set segment_buf[2];
	struct ps_port_guard guard[PS_MAX_PORTS];
};

extern struct ps_infra_dp ps_infra_dp;

static inline const struct ps_port_set *
ps_graph_segment(void)
{
	return __atomic_load_n(&ps_infra_dp.segment, __ATOMIC_ACQUIRE);
}

#endif
