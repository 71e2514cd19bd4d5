/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VXLAN module's control side: the table of remote VTEPs (routes of
 * the ip4 module name them), our end of the tunnels, and what the encap
 * and decap nodes need to know about the overlay.
 */
#include <errno.h>

#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/port.h>
#include <podswitch/vxlan.h>

#include "dp_private.h"

/* Our end of the tunnels; what the nodes read is set at graph setup
 * (vxlan_dp.c). */
static void
vxlan_env(struct ps_dataplane *dp)
{
	ps_vxlan_set_local(dp->vxlan, &dp->cfg->node_mac, dp->cfg->node_ip.addr,
			   rte_cpu_to_be_16(dp->cfg->udp_port));
}

static int
vxlan_init(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;

	dp->vxlan = ps_vxlan_create(cfg->node_name, RTE_MIN(cfg->routes_size,
				    PS_VXLAN_MAX_VTEPS), cfg->vni,
				    (int)rte_socket_id());
	if (dp->vxlan == NULL)
		return -ENOMEM;
	vxlan_env(dp);
	return 0;
}

static void
vxlan_fini(struct ps_dataplane *dp)
{
	ps_vxlan_free(dp->vxlan);
	dp->vxlan = NULL;
}

/* The API shows the VTEPs with their tunnels in /v1/stats "vxlan"
 * (rest_vxlan.c); the printed counter table lists them with the rest. */
static void
vxlan_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = { .name = "vteps", .show = PS_TABLE_PRINT };
	struct ps_vxlan_stats st;

	if (dp->vxlan == NULL)
		return;
	ps_vxlan_stats(dp->vxlan, &st);
	t.entries = st.vteps;
	t.size = st.max_vteps;
	PS_TABLE_PUT(&t, "full", st.full, .text = "refused (full)");
	cb(&t, arg);
}

static struct ps_module vxlan_module = {
	.name = "vxlan",
	.init = vxlan_init,
	.fini = vxlan_fini,
	.tables = vxlan_tables,
};

PS_MODULE_REGISTER(vxlan_module);
