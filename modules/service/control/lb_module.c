/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service module as the dataplane sees it: its tables come up after
 * the ip4 module's (the load balancer sits on the IPv4 path), its timers
 * run with the management pass, and its connections are saved at a stop
 * and restored at the next start.
 */
#include <rte_common.h>

#include <podswitch/conntrack.h>
#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/nat.h>
#include <podswitch/service.h>

#include "lb_private.h"

static void
lb_stop(struct ps_dataplane *dp)
{
	/* svc_state_save() logged a failure: the stop goes on */
	svc_state_save(dp);
}

static void
conntrack_table(const struct ps_ct_stats *cs, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "conntrack",
		.show = PS_TABLE_STATUS | PS_TABLE_STATS | PS_TABLE_PRINT |
			PS_TABLE_METRICS,
		.entries = cs->entries,
		.size = cs->size,
	};

	PS_TABLE_PUT(&t, "entries", cs->entries);
	PS_TABLE_PUT(&t, "size", cs->size);
	PS_TABLE_PUT(&t, "created", cs->created);
	PS_TABLE_PUT(&t, "full", cs->full, .text = "refused (full)");
	PS_TABLE_PUT(&t, "index_full", cs->index_full);
	PS_TABLE_PUT(&t, "clash", cs->clash);
	PS_TABLE_PUT(&t, "invalid", cs->invalid);
	PS_TABLE_PUT(&t, "expired", cs->expired);
	PS_TABLE_PUT(&t, "deleted", cs->deleted);
	PS_TABLE_PUT(&t, "pending_free", cs->pending_free);
	cb(&t, arg);
}

static void
service_tables(const struct ps_svc_stats *ss, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "services",
		.show = PS_TABLE_STATUS | PS_TABLE_STATS | PS_TABLE_PRINT |
			PS_TABLE_METRICS,
		.entries = ss->services,
		.size = ss->max_services,
	};
	/* /v1/stats has the endpoints inside "services" */
	struct ps_table_stats ep = {
		.name = "endpoints",
		.show = PS_TABLE_STATUS | PS_TABLE_METRICS,
		.entries = ss->endpoints,
		.size = ss->max_endpoints,
	};

	PS_TABLE_PUT(&t, "entries", ss->services);
	PS_TABLE_PUT(&t, "size", ss->max_services);
	PS_TABLE_PUT(&t, "programmed", ss->programmed);
	PS_TABLE_PUT(&t, "frontends", ss->frontends);
	PS_TABLE_PUT(&t, "endpoints", ss->endpoints);
	PS_TABLE_PUT(&t, "endpoints_size", ss->max_endpoints);
	PS_TABLE_PUT(&t, "full", ss->full, .text = "refused (full)");
	PS_TABLE_PUT(&t, "new_conns", ss->new_conns,
		     .text = "new connections");
	PS_TABLE_PUT(&t, "rejects", ss->rejects);
	PS_TABLE_PUT(&t, "denied", ss->denied);
	PS_TABLE_PUT(&t, "affinity", ss->affinity);
	cb(&t, arg);
	cb(&ep, arg);
}

static void
nat_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	static const char *const pools[PS_NAT_NB_POOLS] = {
		"tcp", "udp", "icmp" };
	unsigned int i;

	for (i = 0; i < PS_NAT_NB_POOLS; i++) {
		struct ps_table_stats t = {
			.name = pools[i],
			.parent = "nat_ports",
			.show = PS_TABLE_STATS | PS_TABLE_PRINT,
		};
		struct ps_nat_pool_stats ps;

		if (dp->nat_pools[i] == NULL)
			continue;
		ps_nat_pool_stats(dp->nat_pools[i], &ps);
		PS_TABLE_PUT(&t, "in_use", ps.in_use);
		PS_TABLE_PUT(&t, "size", ps.size);
		PS_TABLE_PUT(&t, "allocs", ps.allocs);
		PS_TABLE_PUT(&t, "alloc_fails", ps.alloc_fails);
		cb(&t, arg);
	}
}

static void
lb_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	struct ps_ct_stats cs;
	struct ps_svc_stats ss;

	if (dp->ct == NULL || dp->svcs == NULL)
		return;
	ps_ct_stats(dp->ct, &cs);
	ps_svc_stats(dp->svcs, &ss);
	conntrack_table(&cs, cb, arg);
	service_tables(&ss, cb, arg);
	nat_tables(dp, cb, arg);
	svc_announce_tables(cb, arg);
}

static struct ps_module service_module = {
	.name = "service",
	.depends_on = "ip4",
	.init = svc_module_init,
	.fini = svc_module_fini,
	.start = svc_state_restore,
	.stop = lb_stop,
	.poll = svc_module_poll,
	.tables = lb_tables,
	.metrics = svc_metrics,
	.state_kind = "conntrack",
};

PS_MODULE_REGISTER(service_module);
