/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the VXLAN nodes read, from the dataplane: the VTEP table (its
 * local end set by l3.c), the routes, and the tunnel MTU.
 */
#include <rte_ether.h>
#include <rte_log.h>

#include <podswitch/dataplane.h>
#include <podswitch/port.h>
#include <podswitch/vxlan.h>

#include "vxlan_dp.h"

struct ps_vxlan_dp ps_vxlan_dp;

int
ps_vxlan_dp_setup(struct ps_dataplane *dp)
{
	int uplink = ps_dataplane_uplink(dp);
	uint16_t mtu = RTE_ETHER_MTU;

	if (uplink >= 0 && ps_port_mtu_get((uint16_t)uplink, &mtu) != 0)
		mtu = RTE_ETHER_MTU;
	ps_vxlan_dp.table = dp->vxlan;
	ps_vxlan_dp.routes = dp->routes;
	/* The pod MTU of overlay mode, 50 below the uplink's: the outer
	 * IPv4/UDP/VXLAN headers and the inner Ethernet header count
	 * against the uplink MTU (the outer Ethernet header does not). */
	ps_vxlan_dp.tunnel_mtu = mtu - PS_VXLAN_OVERHEAD;
	rte_log(RTE_LOG_INFO, ps_logtype_dp, "dataplane: overlay %s: VNI %u, "
		"UDP port %u, tunnel MTU %u\n",
		dp->cfg->overlay_mode == PS_OVERLAY_VXLAN ? "vxlan" : "host-gw",
		dp->cfg->vni, dp->cfg->udp_port, ps_vxlan_dp.tunnel_mtu);
	return 0;
}
