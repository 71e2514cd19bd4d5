/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_FDB_H
#define PODSWITCH_FDB_H

/*
 * The L2 forwarding database of the pod segment: MAC -> port.
 *
 * Workers only read it (rte_hash lock-free readers under RCU) and ask for
 * learning through a ring; the management thread is the single writer that
 * drains the ring, ages entries and takes static entries. So the fast path
 * takes no lock and the hash needs no multi-writer mode.
 *
 * Full table: a new MAC is refused and counted in stats.full; its frames
 * keep being flooded like unknown unicast. Established entries are never
 * evicted to make room. Static entries never age and never move.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_rcu_qsbr.h>

extern int ps_logtype_fdb;

#define PS_FDB_F_STATIC 0x1

struct ps_fdb;

struct ps_fdb_entry {
	struct rte_ether_addr mac;
	uint16_t port;		/* DPDK port id; moves are one atomic store */
	uint16_t flags;
	uint32_t last_seen;	/* seconds, ps_fdb_now() clock */
};

struct ps_fdb_stats {
	uint32_t size;
	uint32_t entries;
	uint64_t learned;
	uint64_t moved;
	uint64_t aged;
	uint64_t full;			/* new MAC refused: table full */
	uint64_t static_move_refused;	/* a static MAC seen on another port */
	uint64_t learn_queue_full;	/* learn request dropped, retried later */
};

/* size entries; qsv may be NULL for a table without concurrent readers. */
struct ps_fdb *ps_fdb_create(const char *name, uint32_t size, int socket,
			     struct rte_rcu_qsbr *qsv);
void ps_fdb_free(struct ps_fdb *fdb);

/* Fast path ------------------------------------------------------------ */

/*
 * Look up n (<= 64) MACs. out[i] is the entry or NULL. The entry stays
 * readable until this thread reports a quiescent state.
 */
void ps_fdb_lookup_bulk(const struct ps_fdb *fdb,
			const struct rte_ether_addr *const macs[],
			unsigned int n, struct ps_fdb_entry *out[]);
/* Ask the writer to learn mac on port (new MAC or a move). Lock-free. */
void ps_fdb_learn_request(struct ps_fdb *fdb, const struct rte_ether_addr *mac,
			  uint16_t port);
/* Refresh an entry's age from the fast path. */
void ps_fdb_touch(const struct ps_fdb *fdb, struct ps_fdb_entry *e);

/* Writer side (management thread only) ---------------------------------- */

/* Learn or move. Returns 0, -ENOSPC when full, -EPERM for a static MAC. */
int ps_fdb_learn(struct ps_fdb *fdb, const struct rte_ether_addr *mac,
		 uint16_t port);
/* Add (or replace) a static entry. Returns 0 or -ENOSPC. */
int ps_fdb_add_static(struct ps_fdb *fdb, const struct rte_ether_addr *mac,
		      uint16_t port);
/* Returns 0 or -ENOENT. */
int ps_fdb_del(struct ps_fdb *fdb, const struct rte_ether_addr *mac);
/* Remove the dynamic entries of a port (link down, port removed). */
unsigned int ps_fdb_flush_port(struct ps_fdb *fdb, uint16_t port);
/* Drain the learn ring. Returns requests handled. */
unsigned int ps_fdb_process_learn(struct ps_fdb *fdb);
/* Remove dynamic entries not seen for max_age seconds. Returns removed. */
unsigned int ps_fdb_age(struct ps_fdb *fdb, uint32_t max_age);
/* Advance the table's clock (seconds); tests move it by hand. */
void ps_fdb_set_now(struct ps_fdb *fdb, uint32_t now);
uint32_t ps_fdb_now(const struct ps_fdb *fdb);

typedef int (*ps_fdb_walk_cb)(const struct ps_fdb_entry *e, void *arg);
/* Calls cb for every entry until it returns non-zero. */
int ps_fdb_walk(const struct ps_fdb *fdb, ps_fdb_walk_cb cb, void *arg);
/* Writer-side lookup. Returns 0 and a copy, or -ENOENT. */
int ps_fdb_get(const struct ps_fdb *fdb, const struct rte_ether_addr *mac,
	       struct ps_fdb_entry *out);
void ps_fdb_stats(const struct ps_fdb *fdb, struct ps_fdb_stats *st);

#endif
