/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/port.h>

#include "dp_private.h"
#include "infra_dp.h"

RTE_LOG_REGISTER(ps_logtype_dp, podswitch.dataplane, INFO);

#define POOL_CACHE 256

static unsigned int
pool_size(const struct ps_config *cfg, unsigned int nb_workers,
	  unsigned int *spare)
{
	unsigned int i, n = 0;

	for (i = 0; i < cfg->nb_ports; i++)
		n += ps_port_mbuf_need(&cfg->ports[i], (uint16_t)nb_workers,
				       cfg->burst);
	/* Room for the ports the API may add: as much as the hungriest
	 * pod port of the configuration, or a vhost-user one. */
	*spare = 0;
	if (cfg->hot_ports_max > 0) {
		struct ps_port_config vhost = { .driver = "vhost-user",
						.rx_queues = 1 };
		unsigned int one = ps_port_mbuf_need(&vhost,
						     (uint16_t)nb_workers,
						     cfg->burst);

		for (i = 0; i < cfg->nb_ports; i++)
			if (cfg->ports[i].role == PS_ROLE_POD)
				one = RTE_MAX(one, ps_port_mbuf_need(
					&cfg->ports[i], (uint16_t)nb_workers,
					cfg->burst));
		*spare = one * cfg->hot_ports_max;
		n += *spare;
	}
	/* In flight inside each graph: a few bursts per node stream, plus
	 * the per-lcore caches. */
	n += nb_workers * (RTE_GRAPH_BURST_SIZE * 16 + POOL_CACHE * 2 +
			   PS_NODE_HELD_MAX);
	n += POOL_CACHE * 2 + 4096;
	return rte_align32pow2(n) - 1;
}

static int
setup_workers(struct ps_dataplane *dp, const unsigned int *lcores,
	      unsigned int nb_lcores)
{
	unsigned int i, next = 0;
	uint16_t pid;

	dp->nb_workers = nb_lcores;
	for (i = 0; i < nb_lcores; i++) {
		struct ps_worker *w = &dp->workers[i];

		memset(w, 0, sizeof(*w));
		w->graph_id = RTE_GRAPH_ID_INVALID;
		w->idx = i;
		w->lcore_id = lcores[i];
		w->qsv = dp->qsv;
		w->burst = dp->cfg->burst;
		w->idle_sleep_max_us = dp->cfg->idle_sleep_max_us;
		w->quit = &dp->quit;
	}
	/* Spread every rx queue of every port over the workers. */
	PS_PORT_FOREACH(pid) {
		uint16_t q;

		if (!ps_ports[pid].active)
			continue;
		for (q = 0; q < ps_ports[pid].nb_rxq; q++) {
			struct ps_worker *w = &dp->workers[next++ % nb_lcores];

			if (w->nb_rxq == PS_WORKER_MAX_RXQ)
				return -ENOSPC;
			w->rxq[w->nb_rxq].port_id = pid;
			w->rxq[w->nb_rxq].queue_id = q;
			w->nb_rxq++;
		}
	}
	for (i = 0; i < nb_lcores; i++) {
		int rc;

		if (dp->workers[i].nb_rxq == 0) {
			DP_LOG(ERR, "worker %u has no rx queue: give ports more "
			       "queues or use fewer workers\n", i);
			return -EINVAL;
		}
		rc = ps_graph_create_worker(&dp->workers[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
setup_env(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;

	ps_infra_dp.node_mac = cfg->node_mac;
	ps_infra_dp.gateway_ip = cfg->gateway_ip;
	ps_infra_dp.node_ip = cfg->node_ip.addr;
	ps_infra_dp.segment = &ps_infra_dp.segment_buf[0];
	ps_dp_segment_update(dp);
}

void
ps_dp_segment_update(struct ps_dataplane *dp)
{
	struct ps_port_set *cur = ps_infra_dp.segment;
	struct ps_port_set *next = cur == &ps_infra_dp.segment_buf[0] ?
		&ps_infra_dp.segment_buf[1] : &ps_infra_dp.segment_buf[0];
	uint16_t pid;

	next->n = 0;
	PS_PORT_FOREACH(pid)
		if (ps_ports[pid].active && ps_ports[pid].in_segment)
			next->ports[next->n++] = pid;
	__atomic_store_n(&ps_infra_dp.segment, next, __ATOMIC_RELEASE);
	/* The buffer just retired is the next one rewritten: no worker may
	 * still be reading it by then. */
	if (dp->qsv != NULL)
		rte_rcu_qsbr_synchronize(dp->qsv, dp->mgmt_rcu_id);
}

int
ps_dataplane_init(struct ps_dataplane *dp, const struct ps_config *cfg,
		  const unsigned int *lcores, unsigned int nb_lcores)
{
	unsigned int i, n;
	size_t sz;
	int rc;

	memset(dp, 0, sizeof(*dp));
	dp->cfg = cfg;
	dp->mgmt_rcu_id = RTE_QSBR_THRID_INVALID;
	dp->start_tsc = rte_get_timer_cycles();
	if (nb_lcores == 0 || nb_lcores > PS_MAX_WORKERS)
		return -EINVAL;

	sz = rte_rcu_qsbr_get_memsize(nb_lcores);
	dp->qsv = rte_zmalloc("ps_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (dp->qsv == NULL || rte_rcu_qsbr_init(dp->qsv, nb_lcores) != 0) {
		rc = -ENOMEM;
		goto fail;
	}

	n = pool_size(cfg, nb_lcores, &dp->mbuf_spare);
	dp->pool = rte_pktmbuf_pool_create("ps_mbuf", n, POOL_CACHE,
					   PS_MBUF_PRIV_SIZE,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	if (dp->pool == NULL) {
		DP_LOG(ERR, "cannot create a pool of %u mbufs: %s\n", n,
		       rte_strerror(rte_errno));
		rc = -ENOMEM;
		goto fail;
	}
	DP_LOG(INFO, "mbuf pool: %u mbufs\n", n);

	for (i = 0; i < cfg->nb_ports; i++) {
		rc = ps_port_create(&cfg->ports[i], (uint16_t)nb_lcores, dp->pool);
		if (rc < 0)
			goto fail;
		dp->ports[i] = cfg->ports[i];
		dp->port_ids[i] = (uint16_t)rc;
		dp->nb_ports++;
	}

	/* The features' tables (module.h); they size per-worker state and
	 * read the node's addresses. */
	setup_env(dp);
	dp->nb_workers = nb_lcores;
	rc = ps_modules_init(dp);
	if (rc < 0)
		goto fail;
	rc = ps_graph_setup(dp);
	if (rc < 0)
		goto fail;
	rc = setup_workers(dp, lcores, nb_lcores);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	ps_dataplane_fini(dp);
	return rc;
}

static void *
mgmt_thread(void *arg)
{
	struct ps_dataplane *dp = arg;

	/* The pass's own wait (the daemon's: the API's) is the loop's
	 * pacing: requests are answered at once and the timers still run
	 * every millisecond. */
	while (!dp->quit) {
		if (dp->mgmt_pass != NULL) {
			dp->mgmt_pass(dp, dp->mgmt_arg);
		} else {
			ps_mgmt_poll(dp);
			rte_delay_us_sleep(1000);
		}
	}
	return NULL;
}

int
ps_dataplane_start(struct ps_dataplane *dp, ps_mgmt_pass_fn pass, void *arg)
{
	unsigned int i;
	int rc;

	dp->quit = false;
	dp->mgmt_pass = pass;
	dp->mgmt_arg = arg;
	/* what the last run kept, before anything forwards */
	rc = ps_modules_start(dp);
	if (rc < 0)
		return rc;
	dp->modules_started = true;
	rc = rte_ctrl_thread_create(&dp->mgmt_thread, "ps-mgmt", NULL,
				    mgmt_thread, dp);
	if (rc != 0) {
		DP_LOG(ERR, "cannot start the management thread: %s\n",
		       strerror(rc));
		dp->modules_started = false;
		return -rc;
	}
	dp->mgmt_running = true;
	for (i = 0; i < dp->nb_workers; i++) {
		struct ps_worker *w = &dp->workers[i];

		rc = rte_eal_remote_launch(ps_worker_main, w, w->lcore_id);
		if (rc < 0) {
			DP_LOG(ERR, "cannot launch worker %u on lcore %u: %s\n",
			       i, w->lcore_id, rte_strerror(-rc));
			ps_dataplane_stop(dp);
			return rc;
		}
		DP_LOG(INFO, "worker %u on lcore %u (cpu %d), %u rx queues\n",
		       i, w->lcore_id, rte_lcore_to_cpu_id((int)w->lcore_id),
		       w->nb_rxq);
	}
	return 0;
}

void
ps_dataplane_stop(struct ps_dataplane *dp)
{
	unsigned int i;

	dp->quit = true;
	for (i = 0; i < dp->nb_workers; i++)
		if (dp->workers[i].lcore_id != rte_lcore_id())
			rte_eal_wait_lcore(dp->workers[i].lcore_id);
	if (dp->mgmt_running) {
		pthread_join(dp->mgmt_thread, NULL);
		dp->mgmt_running = false;
	}
	/* nothing runs now: the tables hold still while they are saved */
	if (dp->modules_started) {
		ps_modules_stop(dp);
		dp->modules_started = false;
	}
}

void
ps_dataplane_fini(struct ps_dataplane *dp)
{
	unsigned int i;

	for (i = 0; i < dp->nb_workers; i++)
		ps_graph_destroy_worker(&dp->workers[i]);
	for (i = 0; i < dp->nb_ports; i++)
		ps_port_destroy(dp->port_ids[i]);
	dp->nb_ports = 0;
	ps_modules_fini(dp);
	rte_mempool_free(dp->pool);
	dp->pool = NULL;
	rte_free(dp->qsv);
	dp->qsv = NULL;
}

int
ps_dataplane_port_by_name(const struct ps_dataplane *dp, const char *name)
{
	int slot = ps_dataplane_port_slot(dp, name);

	return slot < 0 ? slot : dp->port_ids[slot];
}

int
ps_dataplane_port_slot(const struct ps_dataplane *dp, const char *name)
{
	unsigned int i;

	for (i = 0; i < dp->nb_ports; i++)
		if (strcmp(dp->ports[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int
ps_dataplane_uplink(const struct ps_dataplane *dp)
{
	unsigned int i;

	for (i = 0; i < dp->nb_ports; i++)
		if (dp->ports[i].role == PS_ROLE_UPLINK)
			return dp->port_ids[i];
	return -ENOENT;
}

uint64_t
ps_dataplane_now_ms(const struct ps_dataplane *dp)
{
	return (rte_get_timer_cycles() - dp->start_tsc) * 1000 /
	       rte_get_timer_hz();
}

uint32_t
ps_dataplane_now(const struct ps_dataplane *dp)
{
	return (uint32_t)((rte_get_timer_cycles() - dp->start_tsc) /
			  rte_get_timer_hz());
}
