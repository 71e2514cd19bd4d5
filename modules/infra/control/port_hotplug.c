/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pod ports added and removed while the workers run (POST/DELETE
 * /v1/ports). A running rte_graph cannot gain or lose nodes or edges, so
 * every worker gets a new graph and switches to it between two walks; the
 * old one is destroyed once the worker has let go of it.
 *
 * The order of the steps is what keeps a packet from meeting a port its
 * graph has no edge to: a new port joins the segment and the tables only
 * after every worker walks a graph that can send to it, and a leaving port
 * leaves the tables, then a grace period passes, before any worker walks a
 * graph without it.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_graph.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/port.h>
#include <podswitch/stats.h>

#include "dp_private.h"

/* The worker with the fewest rx queues takes the new port's queues
 * (-ENOSPC when every worker polls PS_WORKER_MAX_RXQ). */
static int
rxq_assign(struct ps_dataplane *dp, uint16_t pid, uint16_t nb_rxq)
{
	uint16_t q;

	for (q = 0; q < nb_rxq; q++) {
		struct ps_worker *best = NULL;
		unsigned int i;

		for (i = 0; i < dp->nb_workers; i++) {
			struct ps_worker *w = &dp->workers[i];

			if (w->nb_rxq < PS_WORKER_MAX_RXQ &&
			    (best == NULL || w->nb_rxq < best->nb_rxq))
				best = w;
		}
		if (best == NULL)
			return -ENOSPC;
		best->rxq[best->nb_rxq].port_id = pid;
		best->rxq[best->nb_rxq].queue_id = q;
		best->nb_rxq++;
	}
	return 0;
}

static void
rxq_remove(struct ps_dataplane *dp, uint16_t pid)
{
	unsigned int i, j, k;

	for (i = 0; i < dp->nb_workers; i++) {
		struct ps_worker *w = &dp->workers[i];

		for (j = 0, k = 0; j < w->nb_rxq; j++)
			if (w->rxq[j].port_id != pid)
				w->rxq[k++] = w->rxq[j];
		w->nb_rxq = k;
	}
}

/*
 * Give every worker a graph over its current rx queues. All graphs are
 * built before any is handed over, so a failure leaves the old ones
 * running. Counters of the retired graphs are kept by the stats library.
 */
static int
graphs_rebuild(struct ps_dataplane *dp)
{
	struct rte_graph *g[PS_MAX_WORKERS];
	rte_graph_t id[PS_MAX_WORKERS];
	unsigned int i;
	int rc = 0;

	for (i = 0; i < dp->nb_workers; i++) {
		if (dp->workers[i].nb_rxq == 0) {
			/* A worker with nothing to poll would spin on nothing;
			 * refuse rather than leave it so. */
			rc = -EBUSY;
			break;
		}
		rc = ps_graph_rebuild_worker(&dp->workers[i], &g[i], &id[i]);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		while (i-- > 0)
			rte_graph_destroy(id[i]);
		return rc;
	}
	for (i = 0; i < dp->nb_workers; i++) {
		struct ps_worker *w = &dp->workers[i];
		rte_graph_t old = ps_worker_switch_graph(w, g[i], id[i]);

		if (old != RTE_GRAPH_ID_INVALID) {
			ps_stats_retire_graph(rte_graph_id_to_name(old));
			rte_graph_destroy(old);
		}
	}
	return 0;
}

static bool
pod_taken(const struct ps_dataplane *dp, const struct ps_port_config *pc)
{
	unsigned int i;

	for (i = 0; i < dp->nb_ports; i++) {
		const struct ps_port_config *o = &dp->ports[i];

		if (strcmp(o->name, pc->name) == 0)
			return true;
		if (pc->has_pod && o->has_pod &&
		    (o->pod_ip == pc->pod_ip ||
		     rte_is_same_ether_addr(&o->pod_mac, &pc->pod_mac)))
			return true;
	}
	return false;
}

int
ps_dataplane_port_add(struct ps_dataplane *dp, const struct ps_port_config *pc)
{
	unsigned int need, slot = dp->nb_ports;
	int rc, pid;

	if (pc->role != PS_ROLE_POD)
		return -EINVAL;
	if (pod_taken(dp, pc))
		return -EEXIST;
	if (dp->nb_ports == PS_MAX_PORTS) {
		snprintf(dp->port_error, sizeof(dp->port_error), "all %u "
			 "podswitch port ids are in use", PS_MAX_PORTS);
		return -ENOSPC;
	}
	need = ps_port_mbuf_need(pc, (uint16_t)dp->nb_workers,
				 dp->cfg->burst);
	if (need > dp->mbuf_spare) {
		snprintf(dp->port_error, sizeof(dp->port_error), "its %s "
			 "queues hold %u mbufs and the pool's reserve for "
			 "added ports has %u left (raise hotplug.max_ports; "
			 "an af_packet port needs one burst per rx queue)",
			 pc->driver, need, dp->mbuf_spare);
		DP_LOG(ERR, "port %s: %s\n", pc->name, dp->port_error);
		return -ENOBUFS;
	}
	pid = ps_port_create(pc, (uint16_t)dp->nb_workers, dp->pool);
	if (pid == -ENOSPC)
		snprintf(dp->port_error, sizeof(dp->port_error), "no DPDK "
			 "ethdev id left for a %s port (RTE_MAX_ETHPORTS is %d; "
			 "af_packet and ring ports take none)", pc->driver,
			 RTE_MAX_ETHPORTS);
	if (pid < 0)
		return pid;
	/* Not in the segment yet: nothing floods or resolves to it. */
	ps_ports[pid].in_segment = false;
	rc = ps_graph_nodes_setup();
	if (rc == -ENOSPC)
		snprintf(dp->port_error, sizeof(dp->port_error), "no graph "
			 "node left for its port_rx/port_tx clones");
	if (rc == 0) {
		rc = rxq_assign(dp, (uint16_t)pid, ps_ports[pid].nb_rxq);
		if (rc == -ENOSPC)
			snprintf(dp->port_error, sizeof(dp->port_error), "every "
				 "worker already polls %u rx queues",
				 PS_WORKER_MAX_RXQ);
	}
	if (rc == 0) {
		rc = graphs_rebuild(dp);
		if (rc == -ENOSPC || rc == -ENOMEM)
			snprintf(dp->port_error, sizeof(dp->port_error),
				 "cannot build the workers' graphs: %s",
				 rte_strerror(-rc));
		if (rc == -ENOMEM)
			rc = -ENOSPC;
	}
	if (rc < 0) {
		rxq_remove(dp, (uint16_t)pid);
		ps_port_destroy((uint16_t)pid);
		DP_LOG(ERR, "port %s: cannot add: %s\n", pc->name,
		       rte_strerror(-rc));
		return rc;
	}
	dp->ports[slot] = *pc;
	dp->port_ids[slot] = (uint16_t)pid;
	dp->nb_ports++;
	dp->mbuf_spare -= need;

	/* Every worker can now send to it: let the tables point there
	 * (its pod's FDB and neighbor entries). */
	rc = ps_modules_port_add(dp, pc, (uint16_t)pid);
	if (rc < 0) {
		/* ps_modules_port_add() said which table had no room */
		ps_dataplane_port_del(dp, pc->name);
		return rc;
	}
	ps_ports[pid].in_segment = true;
	ps_dp_segment_update(dp);
	DP_LOG(INFO, "port %s added (port id %d, driver %s)\n", pc->name, pid,
	       pc->driver);
	return pid;
}

int
ps_dataplane_port_del(struct ps_dataplane *dp, const char *name)
{
	int slot = ps_dataplane_port_slot(dp, name);
	struct ps_port_config pc;
	uint16_t pid;
	unsigned int i;
	int rc;

	if (slot < 0)
		return -ENOENT;
	if (dp->ports[slot].role != PS_ROLE_POD)
		return -EINVAL;
	pc = dp->ports[slot];
	pid = dp->port_ids[slot];

	/* Out of the segment: no new flooding or ARP to it. */
	ps_ports[pid].in_segment = false;
	ps_dp_segment_update(dp);

	/* No worker polls it any more ... */
	rxq_remove(dp, pid);
	rc = graphs_rebuild(dp);
	if (rc < 0) {
		/* Put it back as it was: its queues are still polled. */
		rxq_assign(dp, pid, ps_ports[pid].nb_rxq);
		ps_ports[pid].in_segment = true;
		ps_dp_segment_update(dp);
		DP_LOG(ERR, "port %s: cannot remove: %s\n", name,
		       rte_strerror(-rc));
		return rc;
	}
	/* ... so nothing will be learned on it after this: the tables
	 * forget it (FDB, neighbors). */
	ps_modules_port_del(dp, &pc, pid);
	/* ctl_inject drops what was queued for it. */
	ps_ports[pid].active = false;
	/* Packets in flight to it went out with the walks that read those
	 * entries. */
	rte_rcu_qsbr_synchronize(dp->qsv, dp->mgmt_rcu_id);
	ps_port_destroy(pid);
	/* The next port given this id starts its clones' counts at zero. */
	ps_stats_forget_port(pid);

	for (i = (unsigned int)slot; i + 1 < dp->nb_ports; i++) {
		dp->ports[i] = dp->ports[i + 1];
		dp->port_ids[i] = dp->port_ids[i + 1];
	}
	dp->nb_ports--;
	dp->mbuf_spare += ps_port_mbuf_need(&pc, (uint16_t)dp->nb_workers,
					     dp->cfg->burst);
	DP_LOG(INFO, "port %s removed\n", name);
	return 0;
}
