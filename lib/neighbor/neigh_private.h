/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_NEIGH_PRIVATE_H
#define PS_NEIGH_PRIVATE_H

/*
 * Internals shared by the table (neighbor.c) and the resolver that runs on
 * the management thread (neigh_resolve.c). Everything below the public
 * struct ps_neigh is touched by the writer only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <podswitch/neighbor.h>

#define NEIGH_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_neigh, "neigh: " __VA_ARGS__)

struct neigh_entry {
	/* First, so a worker's const struct ps_neigh * is the entry. */
	struct ps_neigh pub;
	uint8_t nb_held;
	uint32_t retries;		/* solicits sent after the first one */
	uint32_t adj;			/* adjacency of this IP, or NONE */
	struct rte_mbuf *held[PS_NEIGH_HOLD_MAX];	/* arrival order */
	/*
	 * Last, on the entry's second cache line: confirming a REACHABLE
	 * entry rewrites these (and its list neighbours' links) without
	 * touching the line workers read.
	 */
	uint64_t next_try_ms;		/* INCOMPLETE: next solicit or failure */
	uint64_t last_confirmed_ms;	/* REACHABLE: last learn */
	uint64_t failed_since_ms;	/* FAILED */
	TAILQ_ENTRY(neigh_entry) tq;	/* timer list of its state */
} __rte_cache_aligned;

TAILQ_HEAD(neigh_list, neigh_entry);

/* A packet handed over by a worker: the request is the ring element, so
 * the mbuf itself carries nothing extra and no field of it is clobbered. */
struct neigh_hold_req {
	struct rte_mbuf *m;
	uint32_t ip;
	uint16_t port_id;
	uint16_t pad;
};

struct neigh_learn_req {
	uint32_t ip;
	uint16_t port_id;
	struct rte_ether_addr mac;
};

/* rte_ring elements are multiples of 4 bytes. */
_Static_assert(sizeof(struct neigh_hold_req) % 4 == 0, "hold request size");
_Static_assert(sizeof(struct neigh_learn_req) % 4 == 0, "learn request size");

/* An entry replaced while readers may hold it, and the grace period that
 * must pass before its slot is reused. */
struct neigh_retired {
	uint64_t token;
	uint32_t idx;
};

struct ps_neigh_table {
	struct rte_hash *hash;
	struct rte_ring *hold_ring;	/* MP/SC, struct neigh_hold_req */
	struct rte_ring *learn_ring;	/* MP/SC, struct neigh_learn_req */
	struct rte_rcu_qsbr *qsv;	/* NULL: no concurrent readers */

	struct neigh_entry *entries;
	uint32_t nb_entries;		/* size + spare */
	uint32_t *free_idx;		/* stack of free entry slots */
	uint32_t nb_free;
	struct neigh_retired *retired;	/* FIFO, nb_entries long */
	uint32_t ret_head;
	uint32_t ret_count;

	/*
	 * Adjacencies (neigh_adj.c): slots workers read by id, and the
	 * writer's books: by id its IP and references, a stack of free
	 * ids, and IP -> id.
	 */
	const struct ps_neigh **adj;
	uint32_t nb_adj;		/* slots, id 0 included */
	uint32_t *adj_ip;
	uint32_t *adj_ref;
	uint32_t *adj_free;
	uint32_t nb_adj_free;
	struct rte_hash *adj_hash;

	/*
	 * One timer list per timed state, each ordered by its deadline:
	 * every entry joins at the tail with "now + constant" and now never
	 * goes back, so expiry only ever looks at the heads.
	 */
	struct neigh_list incomplete;	/* by next_try_ms */
	struct neigh_list reachable;	/* by last_confirmed_ms */
	struct neigh_list failed;	/* by failed_since_ms */
	uint32_t nb_state[PS_NEIGH_STATIC + 1];

	uint64_t now_ms;		/* last ps_neigh_process() clock */
	uint32_t size;
	uint32_t retry_ms;
	uint32_t max_retries;
	uint32_t age_ms;
	uint32_t failed_hold_ms;
	struct ps_neigh_ops ops;
	struct ps_neigh_stats st;
	char name[RTE_HASH_NAMESIZE];

	/* Bumped by workers: on its own line, away from the writer's data. */
	uint64_t ring_full __rte_cache_aligned;
};

/* The timer list an entry of this state lives on; NULL for STATIC. */
static inline struct neigh_list *
neigh_list_of(struct ps_neigh_table *nt, uint8_t state)
{
	switch (state) {
	case PS_NEIGH_INCOMPLETE:
		return &nt->incomplete;
	case PS_NEIGH_REACHABLE:
		return &nt->reachable;
	case PS_NEIGH_FAILED:
		return &nt->failed;
	default:
		return NULL;
	}
}

/* Move e to the tail of its list: the caller just pushed its deadline to
 * now + the list's constant, the latest deadline on that list. */
static inline void
neigh_requeue(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	struct neigh_list *l = neigh_list_of(nt, e->pub.state);

	if (l == NULL)
		return;
	TAILQ_REMOVE(l, e, tq);
	TAILQ_INSERT_TAIL(l, e, tq);
}

/* neighbor.c */
struct neigh_entry *neigh_find(const struct ps_neigh_table *nt, uint32_t ip);
struct neigh_entry *neigh_entry_new(struct ps_neigh_table *nt, uint32_t ip,
				    enum ps_neigh_state state,
				    const struct rte_ether_addr *mac,
				    uint16_t port_id);
void neigh_entry_remove(struct ps_neigh_table *nt, struct neigh_entry *e);
void neigh_set_state(struct ps_neigh_table *nt, struct neigh_entry *e,
		     enum ps_neigh_state state);
struct neigh_entry *neigh_entry_rebind(struct ps_neigh_table *nt,
				       struct neigh_entry *e,
				       const struct rte_ether_addr *mac,
				       uint16_t port_id,
				       enum ps_neigh_state state);
void neigh_release_held(struct ps_neigh_table *nt, struct neigh_entry *e);
void neigh_reclaim(struct ps_neigh_table *nt);

/* neigh_adj.c */
int neigh_adj_init(struct ps_neigh_table *nt, uint32_t max_adj, uint32_t seq,
		   int socket);
void neigh_adj_fini(struct ps_neigh_table *nt);
/* A new entry: find its IP's adjacency, if any, and point it at e. */
void neigh_adj_attach(struct ps_neigh_table *nt, struct neigh_entry *e);

/* Point adjacency id (NONE: nothing to do) at e, or at nothing. Release:
 * a reader that loads the pointer sees the entry complete. */
static inline void
neigh_adj_set(struct ps_neigh_table *nt, uint32_t id,
	      const struct neigh_entry *e)
{
	if (id != PS_NEIGH_ADJ_NONE)
		__atomic_store_n(&nt->adj[id], e != NULL ? &e->pub : NULL,
				 __ATOMIC_RELEASE);
}

#endif
