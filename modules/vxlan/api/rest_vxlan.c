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

json_t *
rest_vxlan_stats(const struct ps_dataplane *dp)
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

void
rest_vxlan_metrics(FILE *f, const struct ps_dataplane *dp)
{
	struct ps_vxlan_stats st;
	unsigned int k;
	uint32_t i;

	ps_vxlan_stats(dp->vxlan, &st);
	for (k = 0; k < RTE_DIM(vx_metrics); k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n",
			vx_metrics[k].name, vx_metrics[k].help,
			vx_metrics[k].name);
		for (i = 0; i <= st.vteps; i++) {
			const struct ps_vtep *v = ps_vxlan_vtep(dp->vxlan, i);
			struct ps_vtep_counters c;
			char ip[16];
			uint64_t val;

			/* the last row: remotes no route names (rx only) */
			if (i == st.vteps && k < 2)
				break;
			ps_vxlan_counters(dp->vxlan, v ? i : st.max_vteps, &c);
			val = *(const uint64_t *)((const char *)&c +
						  vx_metrics[k].off);
			if (v != NULL) {
				char mac[RTE_ETHER_ADDR_FMT_SIZE] = "";

				rest_fmt_ip(ip, sizeof(ip), v->remote);
				/* as /v1/routes writes it */
				if (v->has_mac)
					snprintf(mac, sizeof(mac),
						 "%02x:%02x:%02x:%02x:%02x:%02x",
						 RTE_ETHER_ADDR_BYTES(&v->mac));
				/* mac tells apart routes naming one VTEP
				 * with different inner MACs */
				fprintf(f, "%s{remote=\"%s\",vni=\"%u\","
					"mac=\"%s\"} %" PRIu64 "\n",
					vx_metrics[k].name, ip, v->vni, mac, val);
			} else {
				fprintf(f, "%s{remote=\"unknown\",vni=\"\","
					"mac=\"\"} %" PRIu64 "\n",
					vx_metrics[k].name, val);
			}
		}
	}
	fputs("# HELP podswitch_vxlan_vteps Remote VTEPs known.\n"
	      "# TYPE podswitch_vxlan_vteps gauge\n", f);
	fprintf(f, "podswitch_vxlan_vteps %u\n", st.vteps);
	fputs("# HELP podswitch_vxlan_vteps_full_total VTEPs refused: table "
	      "full.\n# TYPE podswitch_vxlan_vteps_full_total counter\n", f);
	fprintf(f, "podswitch_vxlan_vteps_full_total %" PRIu64 "\n", st.full);
}
