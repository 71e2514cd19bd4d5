/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_DATAPLANE_H
#define PODSWITCH_DATAPLANE_H

/*
 * The assembled dataplane: mbuf pool, ports, tables, graphs, workers and
 * the management thread. The daemon and the in-process tests build it the
 * same way; tests poll the worker from their own thread instead of
 * launching lcores.
 */

#include <pthread.h>
#include <stdbool.h>

#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/config.h>
#include <podswitch/fdb.h>
#include <podswitch/nat.h>
#include <podswitch/neighbor.h>
#include <podswitch/route.h>
#include <podswitch/worker.h>

extern int ps_logtype_dp;

struct ps_rest;
struct ps_vxlan;
struct ps_ct;
struct ps_svc_table;
struct ps_lb_stale;

struct ps_dataplane {
	const struct ps_config *cfg;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsv;
	struct ps_fdb *fdb;
	struct ps_route_table *routes;
	struct ps_neigh_table *neighbors;
	struct ps_vxlan *vxlan;		/* remote VTEPs */
	/* service load balancer (modules/service/control/services.c) */
	struct ps_ct *ct;
	struct ps_svc_table *svcs;
	struct ps_nat_pool *nat_pools[PS_NAT_NB_POOLS];
	/* endpoints whose connections the next management pass ends */
	struct ps_lb_stale *lb_stale;
	/* what the management thread sends, drained by worker 0 */
	struct rte_ring *ctl_ring;
	uint64_t ctl_ring_full;
	struct ps_worker workers[PS_MAX_WORKERS];
	unsigned int nb_workers;
	/*
	 * The ports now present, by slot: the configured ones first, then
	 * the ones added over the API. A slot's configuration and podswitch
	 * port id stay together; deleting a port closes the gap. Changed by the
	 * management thread only.
	 */
	struct ps_port_config ports[PS_MAX_PORTS];
	uint16_t port_ids[PS_MAX_PORTS];
	unsigned int nb_ports;
	/* mbufs of the pool not yet promised to any port's descriptors */
	unsigned int mbuf_spare;
	/* why the last ps_dataplane_port_add() found no room (-ENOSPC,
	 * -ENOBUFS): which resource ran out, for the API's 507 */
	char port_error[256];
	/* RCU reader id of the thread that does management work when it is
	 * also a reader (in-process tests), else RTE_QSBR_THRID_INVALID */
	unsigned int mgmt_rcu_id;
	volatile bool quit;
	bool mgmt_running;
	pthread_t mgmt_thread;
	/* the REST server, served by the management thread */
	struct ps_rest *rest;
	uint64_t start_tsc;
};

/*
 * Build everything for cfg with one worker per entry of lcores (EAL lcore
 * ids). Returns 0 or -errno, having released what it built.
 */
int ps_dataplane_init(struct ps_dataplane *dp, const struct ps_config *cfg,
		      const unsigned int *lcores, unsigned int nb_lcores);
/*
 * Open the REST API (api.* of the configuration), then launch the workers
 * on their lcores and the management thread, which serves the API. Fails
 * (-errno, nothing started) when the API cannot listen.
 */
int ps_dataplane_start(struct ps_dataplane *dp);
/* Stop workers and management thread, close the API (its socket is
 * unlinked); returns when they have exited. */
void ps_dataplane_stop(struct ps_dataplane *dp);
/* Close ports and free everything init built. */
void ps_dataplane_fini(struct ps_dataplane *dp);
/* One pass of management work (learn, ageing); the thread loops on it. */
void ps_mgmt_poll(struct ps_dataplane *dp);
/*
 * Hot plug (management thread): add a pod port while the workers run. The
 * port is created and started, every worker switches to a graph that
 * polls and sends to it, then it joins the pod segment (static FDB and
 * neighbor entries for its pod). Returns the podswitch port id, or -EEXIST
 * (name or pod address taken), -EINVAL (not a pod port), -ENOSPC (no free
 * port id, DPDK ethdev id, rx queue or graph node), -ENOBUFS (the mbuf
 * pool has no room for its descriptors) or the driver's error; on
 * -ENOSPC/-ENOBUFS dp->port_error says what ran out. On error nothing has
 * changed.
 */
int ps_dataplane_port_add(struct ps_dataplane *dp,
			  const struct ps_port_config *pc);
/*
 * Remove a pod port: it leaves the segment, its FDB and neighbor entries
 * go, the workers switch to graphs without it, then the device is closed
 * (a vhost-user socket is released). 0, -ENOENT or -EINVAL (not a pod port).
 */
int ps_dataplane_port_del(struct ps_dataplane *dp, const char *name);
/* Slot of the port NAME in dp->ports, or -ENOENT. */
int ps_dataplane_port_slot(const struct ps_dataplane *dp, const char *name);
/* Podswitch port id of the port NAME, or of the uplink; -ENOENT. */
int ps_dataplane_port_by_name(const struct ps_dataplane *dp, const char *name);
int ps_dataplane_uplink(const struct ps_dataplane *dp);
/* Monotonic seconds (and milliseconds) since init, the tables' clocks. */
uint32_t ps_dataplane_now(const struct ps_dataplane *dp);
uint64_t ps_dataplane_now_ms(const struct ps_dataplane *dp);

/*
 * EAL arguments from the configuration: dpdk.eal_args, plus --lcores for
 * the worker CPUs, a --file-prefix from the node name and the flags the
 * drivers' profiles need, each unless already given. argv holds strdup'ed
 * strings (free them with ps_eal_args_free); returns argc or -errno, and
 * then holds nothing.
 */
int ps_eal_args_from_config(const struct ps_config *cfg, const char *prog,
			    char **argv, int max);
/* Free argv[0..argc) of ps_eal_args_from_config. rte_eal_init reorders
 * and overwrites entries of the array it is given: free a copy taken
 * before it. */
void ps_eal_args_free(char **argv, int argc);

#endif
