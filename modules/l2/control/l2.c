/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L2 module's control side: the FDB the l2_fdb node learns into, its
 * static entries (one per declared or hot-plugged pod), learning and
 * ageing on the management thread.
 */
#include <errno.h>

#include <rte_lcore.h>
#include <rte_log.h>

#include <podswitch/dataplane.h>
#include <podswitch/fdb.h>
#include <podswitch/module.h>

#define L2_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_dp, "dataplane: " __VA_ARGS__)

static int
l2_init(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	unsigned int i;
	int rc;

	dp->fdb = ps_fdb_create(cfg->node_name, cfg->fdb_size,
				(int)rte_socket_id(), dp->qsv);
	if (dp->fdb == NULL)
		return -ENOMEM;
	for (i = 0; i < dp->nb_ports; i++) {
		if (!dp->ports[i].has_pod)
			continue;
		rc = ps_fdb_add_static(dp->fdb, &dp->ports[i].pod_mac,
				       dp->port_ids[i]);
		if (rc < 0) {
			L2_LOG(ERR, "fdb: no room for the static entry of "
			       "%s\n", dp->ports[i].name);
			return rc;
		}
	}
	return 0;
}

static void
l2_fini(struct ps_dataplane *dp)
{
	ps_fdb_free(dp->fdb);
	dp->fdb = NULL;
}

static void
l2_poll(struct ps_dataplane *dp, uint32_t now)
{
	if (now != ps_fdb_now(dp->fdb)) {
		ps_fdb_set_now(dp->fdb, now);
		ps_fdb_age(dp->fdb, dp->cfg->fdb_age_s);
	}
	ps_fdb_process_learn(dp->fdb);
}

static int
l2_port_add(struct ps_dataplane *dp, const struct ps_port_config *pc,
	    uint16_t port_id)
{
	if (!pc->has_pod)
		return 0;
	return ps_fdb_add_static(dp->fdb, &pc->pod_mac, port_id);
}

static void
l2_port_del(struct ps_dataplane *dp, const struct ps_port_config *pc,
	    uint16_t port_id)
{
	/* No worker polls the port any more: what it made them learn is
	 * in the learn ring, and nothing more will come. */
	ps_fdb_process_learn(dp->fdb);
	ps_fdb_flush_port(dp->fdb, port_id);
	/* flush_port keeps static entries (they outlive a link flap). */
	if (pc->has_pod)
		ps_fdb_del(dp->fdb, &pc->pod_mac);
}

static void
l2_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "fdb",
		.show = PS_TABLE_STATUS | PS_TABLE_STATS | PS_TABLE_METRICS |
			PS_TABLE_PRINT,
	};
	struct ps_fdb_stats fs;

	if (dp->fdb == NULL)
		return;
	ps_fdb_stats(dp->fdb, &fs);
	t.entries = fs.entries;
	t.size = fs.size;
	PS_TABLE_PUT(&t, "entries", fs.entries);
	PS_TABLE_PUT(&t, "size", fs.size);
	PS_TABLE_PUT(&t, "learned", fs.learned,
		     .metric = "podswitch_fdb_learned_total",
		     .help = "MAC addresses learned.");
	PS_TABLE_PUT(&t, "moved", fs.moved,
		     .metric = "podswitch_fdb_moved_total",
		     .help = "Learned MAC addresses that moved to another "
			     "port.");
	PS_TABLE_PUT(&t, "aged", fs.aged,
		     .metric = "podswitch_fdb_aged_total",
		     .help = "FDB entries removed by ageing.");
	PS_TABLE_PUT(&t, "full", fs.full, .text = "refused (full)",
		     PS_TABLE_FULL_METRIC);
	PS_TABLE_PUT(&t, "static_move_refused", fs.static_move_refused,
		     .text = "static moves refused");
	PS_TABLE_PUT(&t, "learn_queue_full", fs.learn_queue_full,
		     .text = "learn queue full");
	cb(&t, arg);
}

static struct ps_module l2_module = {
	.name = "l2",
	.init = l2_init,
	.fini = l2_fini,
	.poll = l2_poll,
	.port_add = l2_port_add,
	.port_del = l2_port_del,
	.tables = l2_tables,
};

PS_MODULE_REGISTER(l2_module);
