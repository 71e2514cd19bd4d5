/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for services' external and load-balancer IPs on the uplink
 * (services.announce_arp, MetalLB's L2 mode): the addresses the service
 * table's frontends use, counted per address, go into a lock-free hash
 * that eth_input reads (ps_infra_dp.uplink_arp) so that ARP requests for
 * them are answered with the node MAC; an address that appears is
 * announced with a gratuitous ARP, so that neighbors which cached
 * another owner (a failover, a restart) move to us at once.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/inet.h>
#include <podswitch/module.h>
#include <podswitch/port.h>
#include <podswitch/service.h>

#include "dp_private.h"
#include "infra_dp.h"
#include "lb_private.h"

/* The announcer of the one dataplane of the process (like ps_infra_dp). */
static struct {
	struct ps_dataplane *dp;
	struct rte_hash *h;	/* ip -> frontends using it */
	uint32_t size;
	uint64_t garp_sent, garp_failed, full;
} ann;

/* A gratuitous ARP request for ip from the node MAC, broadcast on the
 * uplink: the form Linux's arping -U and MetalLB send, which every
 * neighbor that already caches ip updates from. */
static void
garp_send(uint32_t ip)
{
	struct ps_dataplane *dp = ann.dp;
	int uplink = ps_dataplane_uplink(dp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	if (uplink < 0)
		return;
	m = rte_pktmbuf_alloc(dp->pool);
	if (m == NULL) {
		ann.garp_failed++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = dp->cfg->node_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = dp->cfg->node_mac;
	arp->arp_data.arp_sip = ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = ip;
	ps_mbuf_meta(m)->nh_port = (uint16_t)uplink;
	if (rte_ring_sp_enqueue(dp->ctl_ring, m) != 0) {
		dp->ctl_ring_full++;
		ann.garp_failed++;
		rte_pktmbuf_free(m);
		return;
	}
	ann.garp_sent++;
}

/* The node's own addresses are answered for already: never counted. */
static bool
is_own(uint32_t ip)
{
	const struct ps_config *cfg = ann.dp->cfg;

	return ip == 0 || ip == cfg->node_ip.addr || ip == cfg->gateway_ip;
}

static void
fe_ip_changed(uint32_t ip, bool added, void *arg)
{
	void *data;
	uintptr_t n = 0;
	int found;

	RTE_SET_USED(arg);
	if (is_own(ip))
		return;
	found = rte_hash_lookup_data(ann.h, &ip, &data);
	if (found >= 0)
		n = (uintptr_t)data;
	if (!added) {
		if (found < 0)
			return;	/* refused when it came: nothing to undo */
		if (n > 1)
			rte_hash_add_key_data(ann.h, &ip, (void *)(n - 1));
		else
			rte_hash_del_key(ann.h, &ip);
		return;
	}
	/* Readers only ask whether the key is there: a new count for a
	 * present key is a store they never see. */
	if (rte_hash_add_key_data(ann.h, &ip, (void *)(n + 1)) < 0) {
		char a[PS_IP4_STRLEN];

		ann.full++;
		ps_ip4_fmt(a, ip);
		DP_LOG(WARNING, "no room to announce %s by ARP (%u addresses)\n",
		       a, ann.size);
		return;
	}
	if (found < 0)
		garp_send(ip);
}

int
svc_announce_init(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = {
		.v = dp->qsv,
		.mode = RTE_HASH_QSBR_MODE_DQ,
	};

	memset(&ann, 0, sizeof(ann));
	if (!cfg->svc_announce_arp)
		return 0;
	ann.dp = dp;
	/* a service has one or two such addresses, nearly always; room
	 * for twice as many since deleted slots come back after readers */
	ann.size = RTE_MAX(2 * cfg->services_size, 64u);
	hp.entries = ann.size;
	snprintf(name, sizeof(name), "ann_%.24s", cfg->node_name);
	ann.h = rte_hash_create(&hp);
	if (ann.h == NULL) {
		DP_LOG(ERR, "cannot create the ARP announce table: %s\n",
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (dp->qsv != NULL && rte_hash_rcu_qsbr_add(ann.h, &rc) != 0) {
		svc_announce_fini(dp);
		return -ENOMEM;
	}
	ps_svc_set_fe_ip_cb(dp->svcs, fe_ip_changed, NULL);
	ps_infra_dp.uplink_arp = ann.h;
	return 0;
}

void
svc_announce_fini(struct ps_dataplane *dp)
{
	if (dp->svcs != NULL)
		ps_svc_set_fe_ip_cb(dp->svcs, NULL, NULL);
	ps_infra_dp.uplink_arp = NULL;
	rte_hash_free(ann.h);
	memset(&ann, 0, sizeof(ann));
}

void
svc_announce_tables(ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "arp_announce",
		.show = PS_TABLE_STATUS | PS_TABLE_STATS | PS_TABLE_PRINT,
		.size = ann.size,
	};

	if (ann.h == NULL)
		return;
	t.entries = (uint64_t)rte_hash_count(ann.h);
	PS_TABLE_PUT(&t, "entries", t.entries);
	PS_TABLE_PUT(&t, "size", ann.size);
	PS_TABLE_PUT(&t, "gratuitous_sent", ann.garp_sent,
		     .text = "gratuitous ARP sent");
	PS_TABLE_PUT(&t, "gratuitous_failed", ann.garp_failed,
		     .text = "gratuitous ARP not sent");
	PS_TABLE_PUT(&t, "full", ann.full, .text = "refused (full)",
		     PS_TABLE_FULL_METRIC);
	cb(&t, arg);
}
