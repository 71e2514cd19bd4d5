/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_PORT_H
#define PODSWITCH_PORT_H

/*
 * Ports: DPDK ethdevs created from the configuration through the driver
 * profiles. The runtime table is indexed by DPDK port id so that the fast
 * path goes from mbuf->port to the port's role in one load.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <podswitch/config.h>

extern int ps_logtype_port;

struct ps_port_sw_stats {
	uint64_t tx_dropped;	/* tx queue full: freed and counted */
} __rte_cache_aligned;

struct ps_port {
	bool active;
	char name[PS_NAME_MAX];
	char devname[RTE_ETH_NAME_MAX_LEN];
	enum ps_port_role role;
	uint16_t port_id;
	uint16_t nb_rxq;
	uint16_t nb_txq;
	/* member of the pod L2 segment: learns and floods */
	bool in_segment;
	const struct ps_profile *profile;
	struct ps_port_sw_stats sw[PS_MAX_WORKERS];
};

extern struct ps_port ps_ports[RTE_MAX_ETHPORTS];

/* Build the devargs string of a vdev port. Returns its length or -errno. */
int ps_port_devargs(const struct ps_port_config *pc,
		    const struct ps_profile *pr, uint16_t nb_queues,
		    char *out, size_t outlen);

/*
 * Create, configure and start the port: pc->rx_queues receive queues (at
 * least nb_txq for a vdev whose queues come in pairs: each is fed and
 * must be polled) and nb_txq transmit queues, one per worker. Returns the
 * DPDK port id or -errno.
 */
int ps_port_create(const struct ps_port_config *pc, uint16_t nb_txq,
		   struct rte_mempool *pool);
/* Stop, close and remove the device. */
void ps_port_destroy(uint16_t port_id);
/* mbufs the port's queues can hold, for sizing the pool. */
unsigned int ps_port_mbuf_need(const struct ps_port_config *pc,
			       uint16_t nb_txq);

#endif
