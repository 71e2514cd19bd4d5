/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_VXLAN_DP_H
#define PS_VXLAN_DP_H

/*
 * The vxlan module's datapath state, shared by its nodes, its control
 * part and its API only. Filled by ps_vxlan_dp_setup() when a dataplane
 * starts, before the graphs are built; read-only after.
 */

#include <stdint.h>

struct ps_dataplane;
struct ps_route_table;
struct ps_vxlan;

struct ps_vxlan_dp {
	/* remote VTEPs and their counters */
	struct ps_vxlan *table;
	/* the outer route to a remote VTEP */
	struct ps_route_table *routes;
	/* the largest inner IPv4 packet the tunnel carries */
	uint16_t tunnel_mtu;
};

extern struct ps_vxlan_dp ps_vxlan_dp;

/* Fill ps_vxlan_dp from dp (its VTEP table is ready). 0 or -errno. */
int ps_vxlan_dp_setup(struct ps_dataplane *dp);

#endif
