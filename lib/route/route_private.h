/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_ROUTE_PRIVATE_H
#define PS_ROUTE_PRIVATE_H

/*
 * Inside the route table: a generation is everything a reader follows
 * from the table's one pointer (the DIR-24-8 table of route_dir24.c,
 * the next-hop array, the default route) plus the writer's books about it. Single writer, so the
 * books take no lock.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/route.h>

#define RT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_route, "route: " __VA_ARGS__)

/* No index: end of a list, no default route. */
#define RT_NONE UINT32_MAX
/* A table entry (route_dir24.c) keeps 24 bits of next hop or group. */
#define RT_NH_MAX (1u << 24)
#define RT_TBL8_MAX (1u << 24)
#define RT_E_IDX (RT_NH_MAX - 1)
#define RT_E_VALID (1u << 24)
#define RT_E_EXT (1u << 25)	/* low bits are a tbl8 group */
#define RT_E_DEPTH_SHIFT 26

struct rt_nh_meta {
	uint32_t refcnt;
	uint32_t next;		/* link in the pending-free FIFO */
	uint64_t token;		/* RCU token taken when refcnt reached 0 */
};

struct rt_rec {
	struct ps_route r;
	uint32_t nh;
	uint32_t prev;		/* insertion order, for walk */
	uint32_t next;
};

/* tbl8 groups of one generation: the writer's books. */
struct rt_tbl8_pool {
	uint32_t nb;
	uint32_t used;
	uint32_t *free;		/* stack of reusable groups */
	uint32_t nb_free;
	uint32_t pend_head;	/* unlinked, waiting for a grace period */
	uint32_t pend_tail;
	uint32_t *next;		/* pending FIFO links, by group */
	uint64_t *token;	/* RCU token taken when unlinked, by group */
};

struct rt_gen {
	/* Read by workers. */
	uint32_t *tbl24;
	uint32_t *tbl8;
	struct ps_nexthop *nh;
	uint32_t *nh_adj;	/* by next hop: its adjacency id, or 0 */
	uint32_t dflt;		/* next hop of 0.0.0.0/0 (tbl24 has no /0) */

	/* Writer only, on lines the workers never load. */
	struct rt_tbl8_pool *pool __rte_cache_aligned;
	struct rt_nh_meta *nhm;
	uint32_t max_nh;
	const struct ps_route_adj_ops *adj_ops;	/* the table's */
	uint32_t *nh_free;	/* stack of reusable next-hop indexes */
	uint32_t nb_nh_free;
	uint32_t nb_nh;		/* next hops with refcnt > 0 */
	uint32_t pend_head;	/* refcnt 0, waiting for a grace period */
	uint32_t pend_tail;
	struct rte_hash *nh_hash;	/* struct ps_nexthop -> index */

	struct rt_rec *rec;
	uint32_t *rec_free;
	uint32_t nb_rec_free;
	uint32_t head;
	uint32_t tail;
	uint32_t nb_routes;
	struct rte_hash *rt_hash;	/* (addr, len) -> record index */

	struct rt_gen *retired_next;
	uint64_t retired_token;
};

struct ps_route_table {
	/* The only word a worker reads from the table itself. */
	struct rt_gen *gen;

	struct rte_rcu_qsbr *qsv __rte_cache_aligned;
	uint32_t id;		/* makes DPDK object names unique */
	uint32_t gen_seq;
	uint32_t max_routes;
	uint32_t max_nexthops;
	uint32_t tbl8s;
	int socket;
	/* replaced generations not yet freed, oldest first */
	struct rt_gen *retired_head;
	struct rt_gen *retired_tail;
	uint64_t full;
	uint64_t generations;
	struct ps_route_adj_ops adj_ops;
	char name[32];
};

struct rt_gen *rt_gen_create(struct ps_route_table *rt);
void rt_gen_free(struct rt_gen *g);
int rt_gen_add(struct ps_route_table *rt, struct rt_gen *g,
	       const struct ps_route *r);
int rt_gen_find(const struct rt_gen *g, const struct ps_prefix4 *dst);
int rt_gen_del(struct ps_route_table *rt, struct rt_gen *g, uint32_t idx);
void rt_gen_reclaim_nh(struct ps_route_table *rt, struct rt_gen *g);

int rt_dir24_init(struct rt_gen *g, uint32_t nb_tbl8, int socket);
void rt_dir24_fini(struct rt_gen *g);
int rt_dir24_add(struct ps_route_table *rt, struct rt_gen *g, uint32_t ip,
		 uint8_t depth, uint32_t nh);
void rt_dir24_del(struct ps_route_table *rt, struct rt_gen *g, uint32_t ip,
		  uint8_t depth, uint32_t parent);
uint32_t rt_dir24_entry(uint32_t nh, uint8_t depth);
void rt_dir24_reclaim(struct ps_route_table *rt, struct rt_gen *g);

#endif
