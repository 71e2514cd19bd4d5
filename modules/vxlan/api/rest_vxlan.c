/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The overlay in /v1/stats ("vxlan") and /metrics (podswitch_vxlan_*):
 * per tunnel (remote VTEP and VNI) packets and bytes each way, and what
 * came from remotes no route names.
 */
#include <inttypes.h>
#include <stdio.h>

#include <podswitch/vxlan.h>

#include "rest_private.h"
#include "vxlan_dp.h"

static json_t *
vxlan_stats(const struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	json_t *tunnels = json_array();
	struct ps_vxlan_stats st;
	struct ps_vtep_counters c;
	uint32_t i;

	ps_vxlan_stats(dp->vxlan, &st);
	for (i = 0; i < st.vteps; i++) {
		const struct ps_vtep *v = ps_vxlan_vtep(dp->vxlan, i);
		json_t *t;

		ps_vxlan_counters(dp->vxlan, i, &c);
		t = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}",
			      "remote", rest_json_ip(v->remote),
			      "vni", (json_int_t)v->vni,
			      "tx_packets", (json_int_t)c.tx_packets,
			      "tx_bytes", (json_int_t)c.tx_bytes,
			      "rx_packets", (json_int_t)c.rx_packets,
			      "rx_bytes", (json_int_t)c.rx_bytes);
		if (v->has_mac)
			json_object_set_new(t, "mac", rest_json_mac(&v->mac));
		json_array_append_new(tunnels, t);
	}
	ps_vxlan_counters(dp->vxlan, st.max_vteps, &c);
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o,"
			 " s:{s:I, s:I}}",
			 "mode", cfg->overlay_mode == PS_OVERLAY_VXLAN ?
			 "vxlan" : "host-gw",
			 "vni", (json_int_t)cfg->vni,
			 "udp_port", (json_int_t)cfg->udp_port,
			 "tunnel_mtu", (json_int_t)ps_vxlan_dp.tunnel_mtu,
			 "vteps", (json_int_t)st.vteps,
			 "size", (json_int_t)st.max_vteps,
			 "full", (json_int_t)st.full,
			 "tunnels", tunnels,
			 "unknown_remote", "rx_packets",
			 (json_int_t)c.rx_packets,
			 "rx_bytes", (json_int_t)c.rx_bytes);
}

struct vx_metric {
	const char *name;
	const char *help;
	size_t off;
};

#define VM(field, help) \
	{ "podswitch_vxlan_" #field "_total", help, \
	  offsetof(struct ps_vtep_counters, field) }

static const struct vx_metric vx_metrics[] = {
	VM(tx_packets, "Packets encapsulated to the remote VTEP."),
	VM(tx_bytes, "Bytes (outer frames) encapsulated to the remote VTEP."),
	VM(rx_packets, "Packets decapsulated from the remote VTEP."),
	VM(rx_bytes, "Bytes (outer frames) decapsulated from the remote VTEP."),
};

static void
vxlan_metrics(const struct ps_dataplane *dp, struct ps_prom *p)
{
	struct ps_vxlan_stats st;
	unsigned int k;
	uint32_t i;

	ps_vxlan_stats(dp->vxlan, &st);
	for (k = 0; k < RTE_DIM(vx_metrics); k++) {
		struct ps_prom_family *f = ps_prom_family(p,
			vx_metrics[k].name, PS_PROM_COUNTER,
			vx_metrics[k].help);

		for (i = 0; i <= st.vteps; i++) {
			const struct ps_vtep *v = ps_vxlan_vtep(dp->vxlan, i);
			char mac[RTE_ETHER_ADDR_FMT_SIZE] = "";
			struct ps_vtep_counters c;
			char ip[PS_IP4_STRLEN];
			char vni[16] = "";
			uint64_t val;

			/* the last row: remotes no route names (rx only) */
			if (i == st.vteps && k < 2)
				break;
			ps_vxlan_counters(dp->vxlan, v ? i : st.max_vteps, &c);
			val = *(const uint64_t *)((const char *)&c +
						  vx_metrics[k].off);
			strcpy(ip, "unknown");
			if (v != NULL) {
				ps_ip4_fmt(ip, v->remote);
				snprintf(vni, sizeof(vni), "%u", v->vni);
				/* as /v1/routes writes it */
				if (v->has_mac)
					snprintf(mac, sizeof(mac),
						 "%02x:%02x:%02x:%02x:%02x:%02x",
						 RTE_ETHER_ADDR_BYTES(&v->mac));
			}
			/* mac tells apart routes naming one VTEP with
			 * different inner MACs */
			ps_prom_add(f, val, "remote", ip, "vni", vni,
				    "mac", mac, NULL);
		}
	}
	ps_prom_add(ps_prom_family(p, "podswitch_vxlan_vteps", PS_PROM_GAUGE,
				   "Remote VTEPs known."), st.vteps, NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_vxlan_vteps_full_total",
				   PS_PROM_COUNTER,
				   "VTEPs refused: table full."),
		    st.full, NULL);
}

static struct rest_ext vxlan_ext = {
	.name = "vxlan",
	.stats = vxlan_stats,
	.metrics = vxlan_metrics,
};

PS_REST_EXT(vxlan_ext);
