/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_PORT_H
#define PODSWITCH_PORT_H

/*
 * Ports: podswitch's own port table, indexed by the podswitch port id that
 * travels in mbuf->port. A port is served by a backend (struct
 * ps_port_ops): "ethdev" wraps any DPDK ethdev (tap, vhost-user,
 * virtio-user, af_xdp, pcap, memif, pci ...), "ring" and "af_packet" are
 * native and take no ethdev. Debian's DPDK allows 32 ethdevs
 * (RTE_MAX_ETHPORTS); the native backends let a node have hundreds of
 * pods. The driver profile's "kind" picks the backend.
 *
 * Ids are handed out lowest free first and reused after a port is
 * removed, so that everything sized by port id (graph node clones, edges)
 * stays bounded however many ports come and go.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <podswitch/config.h>

extern int ps_logtype_port;

/* No port: past every valid id. */
#define PS_PORT_NONE PS_MAX_PORTS

struct ps_port_sw_stats {
	uint64_t tx_dropped;	/* tx queue full: freed and counted */
	/* native backends: what this worker's tx queue sent */
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t tx_errors;
} __rte_cache_aligned;

/* Counters of one port, summed over its queues. */
struct ps_port_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t rx_missed;	/* dropped before we saw them (ring full) */
	uint64_t rx_errors;
	uint64_t tx_errors;
	uint64_t rx_nombuf;	/* no mbuf to copy a received frame into */
	uint64_t tx_dropped;	/* tx queue full (software, per worker) */
	/* kernel ports: frames whose partial L4 checksum we completed, and
	 * GSO frames we cut into segments (rx_packets counts segments) */
	uint64_t rx_csum_completed;
	uint64_t rx_gso;
};

struct ps_port;
struct ps_profile;

/*
 * A backend. rx_burst and tx_burst are called once per burst by the
 * port_rx/port_tx graph nodes (never per packet); queue q of rx is polled
 * by one worker only, tx queue q belongs to worker q. tx_burst returns how
 * many it took; the caller frees and counts the rest.
 */
struct ps_port_ops {
	const char *name;
	int (*open)(struct ps_port *p, const struct ps_port_config *pc,
		    uint16_t nb_txq, struct rte_mempool *pool);
	void (*close)(struct ps_port *p);
	uint16_t (*rx_burst)(struct ps_port *p, uint16_t q,
			     struct rte_mbuf **pkts, uint16_t n);
	uint16_t (*tx_burst)(struct ps_port *p, uint16_t q,
			     struct rte_mbuf **pkts, uint16_t n);
	/* backend counters (the software tx_dropped are added by the caller) */
	void (*stats)(const struct ps_port *p, struct ps_port_stats *st);
	bool (*link_up)(const struct ps_port *p);
	/* optional: the device's own MAC and MTU (a TAP host port) */
	int (*mac_get)(const struct ps_port *p, struct rte_ether_addr *mac);
	int (*mtu_get)(const struct ps_port *p, uint16_t *mtu);
	/* mbufs the port keeps for itself (descriptors) or can pull into
	 * one graph walk beyond what the graph's own reserve covers */
	unsigned int (*mbuf_need)(const struct ps_port_config *pc,
				  const struct ps_profile *pr, uint16_t nb_txq,
				  uint16_t burst);
};

extern const struct ps_port_ops ps_port_ethdev_ops;
extern const struct ps_port_ops ps_port_ring_ops;
extern const struct ps_port_ops ps_port_afpacket_ops;

struct ps_port {
	bool active;
	char name[PS_NAME_MAX];
	enum ps_port_role role;
	uint16_t port_id;	/* podswitch id, = index in ps_ports */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	/* member of the pod L2 segment: learns and floods */
	bool in_segment;
	const struct ps_profile *profile;
	const struct ps_port_ops *ops;
	/* backend state: the ethdev id and name, or the native backend's */
	uint16_t eth_id;
	char devname[64];
	void *priv;
	struct ps_port_sw_stats sw[PS_MAX_WORKERS];
};

extern struct ps_port ps_ports[PS_MAX_PORTS];

/* Every port id whose slot is in use (active or being removed). */
#define PS_PORT_FOREACH(id) \
	for ((id) = 0; (id) < PS_MAX_PORTS; (id)++) \
		if (ps_ports[(id)].ops != NULL)

/* Build the devargs string of a vdev port. Returns its length or -errno. */
int ps_port_devargs(const struct ps_port_config *pc,
		    const struct ps_profile *pr, uint16_t nb_queues,
		    char *out, size_t outlen);
/* The port's value of a profile argument, else the profile's default,
 * else NULL. */
const char *ps_port_arg_or_default(const struct ps_port_config *pc,
				   const struct ps_profile *pr,
				   const char *key);

/* The kernel interface pc names (a profile argument marked
 * existing_interface) that does not exist, or NULL. */
const char *ps_port_missing_iface(const struct ps_port_config *pc);
/*
 * Create and start the port on the lowest free podswitch id: nb_rxq
 * receive queues and one transmit queue per worker. Returns the podswitch
 * port id or -errno (-ENOSPC: every id is taken, -ENODEV: an interface
 * the port needs does not exist, see ps_port_missing_iface).
 */
int ps_port_create(const struct ps_port_config *pc, uint16_t nb_txq,
		   struct rte_mempool *pool);
/* Stop and close the port and free its id. */
void ps_port_destroy(uint16_t port_id);
/* The profile's rx descriptors per rx queue and tx descriptors per
 * worker: the mbuf_need of backends whose descriptors hold mbufs. */
unsigned int ps_port_desc_mbuf_need(const struct ps_port_config *pc,
				    const struct ps_profile *pr,
				    uint16_t nb_txq, uint16_t burst);
/* mbufs the port can hold, for sizing the pool (burst: workers.burst). */
unsigned int ps_port_mbuf_need(const struct ps_port_config *pc,
			       uint16_t nb_txq, uint16_t burst);
/* Counters of the port, backend and software drops together. */
void ps_port_stats_get(uint16_t port_id, struct ps_port_stats *st);
bool ps_port_link_up(uint16_t port_id);
/* 0 or -ENOTSUP when the backend has no such thing. */
int ps_port_mac_get(uint16_t port_id, struct rte_ether_addr *mac);
int ps_port_mtu_get(uint16_t port_id, uint16_t *mtu);

#endif
