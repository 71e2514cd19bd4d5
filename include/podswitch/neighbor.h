/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_NEIGHBOR_H
#define PODSWITCH_NEIGHBOR_H

/*
 * The IPv4 neighbor table: IP -> MAC and port, resolved by podswitch with
 * ARP like a kernel's neighbor subsystem.
 *
 * Workers only read (rte_hash, lock-free under RCU). What they find
 * missing they hand to the management thread through rings: a packet whose
 * next hop is unresolved (ps_neigh_hold) and a binding seen in ARP
 * (ps_neigh_learn). The management thread is the single writer: it creates
 * INCOMPLETE entries, holds at most PS_NEIGH_HOLD_MAX packets per entry
 * (more are dropped and counted), sends ARP requests through ops->solicit,
 * retries every retry_ms up to max_retries times, then marks the entry
 * FAILED (held packets go to ops->unreachable) and forgets it after
 * failed_hold_ms. A reply makes it REACHABLE and releases the held packets
 * through ops->xmit in arrival order. REACHABLE entries not confirmed for
 * age_ms are removed (the next packet resolves again). STATIC entries
 * (pods declared in the configuration) never age or change.
 *
 * Full table: a new neighbor is refused (its packet dropped, stats.full
 * counted); existing entries are never evicted to make room.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

extern int ps_logtype_neigh;

#define PS_NEIGH_HOLD_MAX 8

enum ps_neigh_state {
	PS_NEIGH_INCOMPLETE,
	PS_NEIGH_REACHABLE,
	PS_NEIGH_FAILED,
	PS_NEIGH_STATIC,
};

/* What workers read. mac/port/state change with single stores by the writer. */
struct ps_neigh {
	uint32_t ip;			/* network order */
	struct rte_ether_addr mac;
	uint16_t port_id;		/* where it lives */
	uint8_t state;			/* enum ps_neigh_state */
};

/* Callbacks the writer uses to put things on the wire (dataplane provides). */
struct ps_neigh_ops {
	/* Send an ARP request for ip out of port_id (PS_PORT_SEGMENT: every
	 * pod port). */
	void (*solicit)(void *ctx, uint32_t ip, uint16_t port_id);
	/* A held packet is now resolvable: rewrite and transmit it (takes m). */
	void (*xmit)(void *ctx, struct rte_mbuf *m, const struct ps_neigh *n);
	/* Resolution failed for a held packet (takes m: ICMP host
	 * unreachable, or free). */
	void (*unreachable)(void *ctx, struct rte_mbuf *m, uint32_t ip);
	void *ctx;
};

struct ps_neigh_params {
	uint32_t size;
	uint32_t retry_ms;		/* default 1000 */
	uint32_t max_retries;		/* default 3 */
	uint32_t age_ms;		/* default 300000 */
	uint32_t failed_hold_ms;	/* default 3000 */
	int socket;
	uint32_t max_adj;		/* adjacencies; default 1024 */
	struct rte_rcu_qsbr *qsv;	/* NULL: no concurrent readers */
	struct ps_neigh_ops ops;
};

struct ps_neigh_stats {
	uint32_t size;
	uint32_t entries;
	uint32_t incomplete;
	uint64_t solicits;		/* ARP requests sent */
	uint64_t resolved;
	uint64_t failed;		/* entries that ran out of retries */
	uint64_t held;			/* packets held awaiting resolution */
	uint64_t released;		/* held packets sent on resolution */
	uint64_t hold_dropped;		/* hold queue full */
	uint64_t unreachable;		/* held packets failed */
	uint64_t aged;
	uint64_t full;			/* new neighbor refused: table full */
	uint64_t ring_full;		/* hold/learn ring full (worker side) */
	uint32_t adjacencies;		/* bound adjacencies */
};

struct ps_neigh_table;

struct ps_neigh_table *ps_neigh_create(const char *name,
				       const struct ps_neigh_params *p);
/* Frees held packets too. */
void ps_neigh_free(struct ps_neigh_table *nt);

/* Fast path ------------------------------------------------------------ */

/* n (<= 64) lookups; out[i] NULL on a miss. Valid until the reader's next
 * quiescent state. A hit may be INCOMPLETE or FAILED: check state. */
void ps_neigh_lookup_bulk(const struct ps_neigh_table *nt, const uint32_t *ip,
			  unsigned int n, const struct ps_neigh **out);
/* Hand m to the writer until ip (network order) on port_id resolves.
 * 0, or -ENOBUFS: the caller still owns m (drop it and count). */
int ps_neigh_hold(struct ps_neigh_table *nt, struct rte_mbuf *m, uint32_t ip,
		  uint16_t port_id);
/* ARP told us ip is at mac on port_id (reply, or a request's sender). */
void ps_neigh_learn(struct ps_neigh_table *nt, uint32_t ip,
		    const struct rte_ether_addr *mac, uint16_t port_id);

/*
 * Adjacencies: a next hop that routes name (a gateway) gets a small id
 * whose slot always holds what a lookup of its IP would return: the
 * current entry or NULL. The writer stores the slot whenever the entry
 * behind that IP is created, replaced or removed, so a worker reads one
 * slot instead of hashing. Ids are reused: a worker whose id is stale
 * (the route changed under it) finds another IP in the slot and must fall
 * back to ps_neigh_lookup_bulk, so check n->ip.
 */
#define PS_NEIGH_ADJ_NONE 0
/* The slot array (id 0 is always NULL) and its length, for workers. */
const struct ps_neigh *const *ps_neigh_adj_slots(const struct ps_neigh_table *nt,
						 uint32_t *nb);

/* The entry of adjacency id if it is ip's (network order), else NULL. */
static inline const struct ps_neigh *
ps_neigh_adj_get(const struct ps_neigh *const *slots, uint32_t nb,
		 uint32_t id, uint32_t ip)
{
	const struct ps_neigh *n;

	if (id >= nb)
		return NULL;
	n = __atomic_load_n(&slots[id], __ATOMIC_ACQUIRE);
	return n != NULL && n->ip == ip ? n : NULL;
}

/* Writer side (management thread only) ---------------------------------- */

/* A reference to ip's adjacency, created on first use: its id, or
 * PS_NEIGH_ADJ_NONE when the adjacency array is full (the caller's
 * packets take the hash lookup). */
uint32_t ps_neigh_adj_bind(struct ps_neigh_table *nt, uint32_t ip);
/* Drop a reference taken by ps_neigh_adj_bind (NONE: nothing). */
void ps_neigh_adj_unbind(struct ps_neigh_table *nt, uint32_t id);

/* Drain the rings and run the timers; now_ms is a monotonic clock. */
void ps_neigh_process(struct ps_neigh_table *nt, uint64_t now_ms);
/* 0, -ENOSPC; replaces a dynamic entry for the same IP. */
int ps_neigh_add_static(struct ps_neigh_table *nt, uint32_t ip,
			const struct rte_ether_addr *mac, uint16_t port_id);
/* 0 or -ENOENT; held packets are freed. */
int ps_neigh_del(struct ps_neigh_table *nt, uint32_t ip);
/* Writer-side get: 0 and a copy, or -ENOENT. */
int ps_neigh_get(const struct ps_neigh_table *nt, uint32_t ip,
		 struct ps_neigh *out);

typedef int (*ps_neigh_walk_cb)(const struct ps_neigh *n, void *arg);
int ps_neigh_walk(const struct ps_neigh_table *nt, ps_neigh_walk_cb cb,
		  void *arg);
void ps_neigh_stats(const struct ps_neigh_table *nt, struct ps_neigh_stats *st);
const char *ps_neigh_state_name(enum ps_neigh_state s);

#endif
